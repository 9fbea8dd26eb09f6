"""The jury on both backends: the visibility rule, corrections until closing, results, remarks, stage."""

from __future__ import annotations

import io
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.defences import ScoringClosed
from events_app.domain.errors import InvalidInput
from events_app.domain.links import sign_defence_cabinet_link
from events_app.domain.staff import Forbidden, Role, StaffMember
from events_app.services.defences import applications, blocks, jury, stage
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import NOW
from tests.services.defence_support import Setting, load, slot_form, staff_member
from tests.services.test_defences import _text


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _jury(store: Store, setting: Setting, *names: str) -> list[StaffMember]:
    experts = []
    for name in names:
        expert = await staff_member(store, setting.event.id, f"{name}@example.ru", Role.EXPERT, name=name)
        await blocks.assign_expert(store, setting.event, setting.block_id, expert.id, actor=setting.organiser,
                                     ip=None, now=NOW)
        experts.append(expert)
    return experts


async def _criteria(store: Store, setting: Setting) -> list[int]:
    await blocks.add_usual_criteria(store, setting.event, setting.block_id, translate=lambda text: text,
                                      actor=setting.organiser, ip=None, now=NOW)
    block = await blocks.get_block(store, setting.event, setting.block_id)
    return [criterion.id for criterion in block.criteria]


async def _slot(store: Store, setting: Setting, title: str = "Плиты МДФ") -> int:
    return await blocks.add_slot(store, setting.event, setting.block_id, slot_form(title), actor=setting.organiser,
                                   ip=None, now=NOW)


def _sheet(criteria: list[int], *values: int, remarks: str = "") -> dict[str, str]:
    return {**{f"criterion-{cid}": str(value) for cid, value in zip(criteria, values, strict=True)}, "remarks": remarks}


async def _score(store: Store, setting: Setting, slot_id: int, expert: StaffMember, criteria: list[int],
                 *values: int, remarks: str = "") -> None:
    await jury.submit(store, setting.event, slot_id, expert, _sheet(criteria, *values, remarks=remarks), ip=None,
                      now=NOW)


async def test_an_expert_sees_the_others_scores_only_after_submitting_their_own(store: Store) -> None:
    setting = await load(store)
    first, second = await _jury(store, setting, "Анна", "Борис")
    criteria = await _criteria(store, setting)
    slot_id = await _slot(store, setting)
    await _score(store, setting, slot_id, first, criteria, 8, 7, 6, 5, remarks="Хороший проект")

    before = await jury.jury_slot(store, setting.event, slot_id, second)
    assert (before.own, before.others) == (None, None)

    await _score(store, setting, slot_id, second, criteria, 5, 5, 5, 5)

    after = await jury.jury_slot(store, setting.event, slot_id, second)
    assert after.own is not None and after.own.values == dict(zip(criteria, (5, 5, 5, 5), strict=True))
    assert after.others is not None
    assert [(s.expert_name, s.values, s.remarks) for s in after.others] == [
        ("Анна", dict(zip(criteria, (8, 7, 6, 5), strict=True)), "Хороший проект")]


async def test_the_jury_summary_is_shown_to_an_expert_once_their_own_sheet_is_in(store: Store) -> None:
    setting = await load(store)
    first, second, _third = await _jury(store, setting, "Анна", "Борис", "Вера")
    criteria = await _criteria(store, setting)
    slot_id = await _slot(store, setting)
    await _score(store, setting, slot_id, first, criteria, 8, 7, 6, 5)

    before = await jury.jury_slot(store, setting.event, slot_id, second)
    await _score(store, setting, slot_id, second, criteria, 6, 5, 5, 4)
    after = await jury.jury_slot(store, setting.event, slot_id, second)

    assert before.summary is None
    assert after.summary is not None
    assert after.summary.experts == 2 and len(after.block.experts) == 3
    assert [after.summary.criterion_means[cid] for cid in criteria] == [7, 6, Fraction(11, 2), Fraction(9, 2)]
    assert after.summary.mean == Fraction(23, 4)  # (6.5 + 5) / 2
    assert (after.summary.lowest, after.summary.highest) == (5, Fraction(13, 2))


async def test_next_is_the_next_project_the_expert_has_not_scored(store: Store) -> None:
    setting = await load(store)
    (expert,) = await _jury(store, setting, "Анна")
    criteria = await _criteria(store, setting)
    first, second, third = [await _slot(store, setting, title) for title in ("Первый", "Второй", "Третий")]
    await _score(store, setting, second, expert, criteria, 7, 7, 7, 7)  # from the slides, before the stage
    await stage.act(store, setting.event, setting.block_id, "start", actor=setting.organiser, ip=None, now=NOW)

    on_stage = await jury.expert_overview(store, setting.event, expert)
    await _score(store, setting, first, expert, criteria, 6, 6, 6, 6)
    after_first = await jury.jury_slot(store, setting.event, first, expert)
    await _score(store, setting, third, expert, criteria, 5, 5, 5, 5)
    after_all = await jury.jury_slot(store, setting.event, third, expert)

    assert on_stage[0].stage.following is not None and on_stage[0].stage.following.id == second  # the stage's next
    assert on_stage[0].next_slot is not None and on_stage[0].next_slot.id == third  # the expert's next
    assert on_stage[0].scored == {second}
    assert after_first.next_slot is not None and after_first.next_slot.project_title == "Третий"
    assert after_all.next_slot is None


async def test_an_expert_not_on_the_jury_may_neither_see_nor_score(store: Store) -> None:
    setting = await load(store)
    criteria = await _criteria(store, setting)
    slot_id = await _slot(store, setting)
    outsider = await staff_member(store, setting.event.id, "outsider@example.ru", Role.EXPERT)

    with pytest.raises(Forbidden):
        await jury.jury_slot(store, setting.event, slot_id, outsider)
    with pytest.raises(Forbidden):
        await _score(store, setting, slot_id, outsider, criteria, 5, 5, 5, 5)


async def test_a_sheet_with_one_bad_value_saves_nothing(store: Store) -> None:
    setting = await load(store)
    (expert,) = await _jury(store, setting, "Анна")
    criteria = await _criteria(store, setting)
    slot_id = await _slot(store, setting)

    with pytest.raises(InvalidInput) as refused:
        await _score(store, setting, slot_id, expert, criteria, 8, 11, 6, 0)

    assert refused.value.fields == {f"criterion-{criteria[1]}": "Out of range",
                                    f"criterion-{criteria[3]}": "Out of range"}
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.defence_scores)) == 0
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.defence_score_values)) == 0


async def test_a_submitted_sheet_can_be_corrected_until_scoring_closes(store: Store) -> None:
    setting = await load(store)
    (expert,) = await _jury(store, setting, "Анна")
    criteria = await _criteria(store, setting)
    slot_id = await _slot(store, setting)
    await _score(store, setting, slot_id, expert, criteria, 8, 7, 6, 5, remarks="Первое впечатление")

    await _score(store, setting, slot_id, expert, criteria, 9, 9, 9, 9, remarks="После вопросов")

    own = (await jury.jury_slot(store, setting.event, slot_id, expert)).own
    assert own is not None
    assert (own.values, own.remarks) == (dict(zip(criteria, (9, 9, 9, 9), strict=True)), "После вопросов")
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.defence_scores)) == 1
    actions = [r["action"] for r in await store.fetch_all(sa.select(t.audit_log.c.action).where(
        t.audit_log.c.action.like("defence.score%")).order_by(t.audit_log.c.id))]
    assert actions == ["defence.score_submit", "defence.score_correct"]


async def test_after_closing_a_correction_is_refused_and_the_scores_stay(store: Store) -> None:
    setting = await load(store)
    (expert,) = await _jury(store, setting, "Анна")
    criteria = await _criteria(store, setting)
    slot_id = await _slot(store, setting)
    await _score(store, setting, slot_id, expert, criteria, 8, 7, 6, 5)
    await jury.set_closed(store, setting.event, setting.block_id, True, actor=setting.organiser, ip=None, now=NOW)

    with pytest.raises(ScoringClosed) as refused:
        await _score(store, setting, slot_id, expert, criteria, 1, 1, 1, 1)

    assert refused.value.message == "Scoring of this block is closed: the scores can no longer be changed"
    own = (await jury.jury_slot(store, setting.event, slot_id, expert)).own
    assert own is not None and own.values == dict(zip(criteria, (8, 7, 6, 5), strict=True))

    await jury.set_closed(store, setting.event, setting.block_id, False, actor=setting.organiser, ip=None, now=NOW)
    await _score(store, setting, slot_id, expert, criteria, 1, 1, 1, 1)
    own = (await jury.jury_slot(store, setting.event, slot_id, expert)).own
    assert own is not None and own.values == dict(zip(criteria, (1, 1, 1, 1), strict=True))


async def test_results_give_averages_spread_and_ranking_with_ties(store: Store) -> None:
    setting = await load(store)
    anna, boris = await _jury(store, setting, "Анна", "Борис")
    criteria = await _criteria(store, setting)
    mdf, amber, battery, unscored = [await _slot(store, setting, title)
                                     for title in ("МДФ", "Янтарь", "Аккумуляторы", "Без оценок")]
    await _score(store, setting, mdf, anna, criteria, 8, 8, 8, 8)      # mean 8
    await _score(store, setting, mdf, boris, criteria, 6, 6, 6, 6)     # mean 6 → 7, sd 1
    await _score(store, setting, amber, anna, criteria, 10, 9, 8, 7)   # mean 8.5
    await _score(store, setting, amber, boris, criteria, 6, 5, 6, 5)   # mean 5.5 → 7, sd 1.5
    await _score(store, setting, battery, anna, criteria, 9, 9, 9, 9)  # 9

    found = await jury.results(store, setting.event, setting.block_id)

    assert [(row.slot.project_title, row.result.rank, row.result.mean) for row in found.rows] == [
        ("Аккумуляторы", 1, Fraction(9)), ("МДФ", 2, Fraction(7)), ("Янтарь", 2, Fraction(7)),
        ("Без оценок", None, None)]
    amber_row = found.rows[2]
    assert amber_row.result.criterion_means == {criteria[0]: Fraction(8), criteria[1]: Fraction(7),
                                                criteria[2]: Fraction(7), criteria[3]: Fraction(6)}
    assert amber_row.result.spread_sd == pytest.approx(1.5)
    assert (amber_row.result.lowest, amber_row.result.highest) == (Fraction(11, 2), Fraction(17, 2))
    assert found.rows[1].result.spread_sd == pytest.approx(1.0)


async def _team(store: Store, settings: Settings, setting: Setting) -> tuple[int, int, str]:
    application_id = await applications.submit(store, settings, setting.event, {
        "project_title": "Плиты МДФ", "organisations": "ООО «Лузалес»", "regions": "", "presenters": "Петров Пётр",
        "email": "team@example.ru", "summary": "Проект", "consent": "on"}, language="ru", ip=None, now=NOW)
    await applications.decide(store, settings, setting.event, application_id, "accept",
                                      session_id=setting.block_id, actor=setting.organiser, ip=None, now=NOW)
    slot_id = (await blocks.get_block(store, setting.event, setting.block_id)).slots[-1].id
    token = sign_defence_cabinet_link(settings.secret_key, application_id=application_id, link_version=0, now=NOW)
    return application_id, slot_id, token


async def test_teams_get_their_remarks_without_names_unless_the_organiser_reveals_them(
        store: Store, settings: Settings) -> None:
    setting = await load(store)
    anna, boris = await _jury(store, setting, "Анна", "Борис")
    criteria = await _criteria(store, setting)
    _application_id, slot_id, token = await _team(store, settings, setting)
    await _score(store, setting, slot_id, anna, criteria, 8, 8, 8, 8, remarks="Уточнить экономический эффект")
    await _score(store, setting, slot_id, boris, criteria, 6, 6, 6, 6, remarks="Актуально для региона")
    assert (await applications.cabinet(store, settings, token, now=NOW)).remarks == []

    sent = await jury.send_remarks(store, settings, setting.event, setting.block_id, actor=setting.organiser, ip=None,
                                   now=NOW)

    assert sent == 1
    assert (await applications.cabinet(store, settings, token, now=NOW)).remarks == [
        ("", "Актуально для региона"), ("", "Уточнить экономический эффект")]
    letter = await store.fetch_one(sa.select(t.outbox).order_by(t.outbox.c.id.desc()).limit(1))
    assert letter is not None and letter["recipient"] == "team@example.ru"
    text = _text(letter["message"])
    assert "— Актуально для региона\n\n— Уточнить экономический эффект" in text
    assert "Анна" not in text and "Борис" not in text

    await jury.set_reveal_experts(store, setting.event, setting.block_id, True, actor=setting.organiser, ip=None,
                                  now=NOW)

    assert (await applications.cabinet(store, settings, token, now=NOW)).remarks == [
        ("Анна", "Уточнить экономический эффект"), ("Борис", "Актуально для региона")]


async def test_the_export_holds_every_sheet_and_is_audited(store: Store) -> None:
    setting = await load(store)
    (anna,) = await _jury(store, setting, "Анна")
    criteria = await _criteria(store, setting)
    slot_id = await _slot(store, setting)
    await _score(store, setting, slot_id, anna, criteria, 8, 7, 6, 5, remarks="=HYPERLINK(\"x\")")

    data = await jury.export_xlsx(store, setting.event, setting.block_id, actor=setting.organiser, ip="203.0.113.9",
                                  now=NOW)

    book = load_workbook(io.BytesIO(data))
    summary = [[cell.value for cell in row] for row in book["Итоги"].iter_rows()]
    assert summary[1][:5] == [1, 1, "Плиты МДФ", "ООО «Плиты МДФ»", 1]
    assert summary[1][5:10] == [8.0, 7.0, 6.0, 5.0, 6.5]
    scores = [[cell.value for cell in row] for row in book["Оценки"].iter_rows()]
    assert scores[1][:8] == [1, "Плиты МДФ", "Анна", 8, 7, 6, 5, "=HYPERLINK(\"x\")"]
    assert book["Оценки"]["H2"].data_type == "s"  # stored as text: the remark never runs as a formula
    entry = await store.fetch_one(sa.select(t.audit_log).where(t.audit_log.c.action == "defence.export"))
    assert entry is not None and (entry["actor"], entry["ip"]) == ("organiser@example.ru", "203.0.113.9")


# --- Stage ------------------------------------------------------------------------------------------

async def test_the_stage_starts_advances_goes_back_and_pauses(store: Store) -> None:
    setting = await load(store)
    first, second = await _slot(store, setting, "Первый"), await _slot(store, setting, "Второй")

    async def act(action: str, minutes: int = 0) -> stage.StageState:
        return await stage.act(store, setting.event, setting.block_id, action, actor=setting.organiser, ip=None,
                               now=NOW + timedelta(minutes=minutes))

    idle = await stage.state(store, setting.event, setting.block_id)
    assert (idle.phase, idle.current, idle.following and idle.following.id) == ("idle", None, first)
    started = await act("start")
    assert (started.phase, started.current and started.current.id, started.following and started.following.id) == (
        "talk", first, second)
    questions = await act("next", 15)
    assert (questions.phase, questions.current and questions.current.id, questions.started_at) == (
        "questions", first, NOW + timedelta(minutes=15))
    following = await act("next", 20)
    assert (following.phase, following.current and following.current.id, following.following) == ("talk", second, None)
    back = await act("back", 21)
    assert (back.phase, back.current and back.current.id) == ("talk", first)
    paused = await act("pause", 23)
    assert paused.paused_at == NOW + timedelta(minutes=23)
    shown = paused.as_json(NOW + timedelta(minutes=40))
    assert (shown["paused_at"], shown["remaining_seconds"]) == ((NOW + timedelta(minutes=23)).isoformat(), 13 * 60)
    resumed = await act("resume", 30)
    # Seven minutes of pause move the start by seven minutes: the countdown carries on.
    assert (resumed.paused_at, resumed.started_at) == (None, NOW + timedelta(minutes=28))
    done = await act("next_project", 31)
    done = await act("next_project", 40)
    assert (done.phase, done.current) == ("done", None)
    assert done.version == 8


async def test_removing_the_slot_on_stage_sets_the_stage_back_to_idle(store: Store) -> None:
    setting = await load(store)
    first = await _slot(store, setting, "Первый")
    await stage.act(store, setting.event, setting.block_id, "start", actor=setting.organiser, ip=None, now=NOW)

    await blocks.remove_slot(store, setting.event, first, actor=setting.organiser, ip=None, now=NOW)

    state = await stage.state(store, setting.event, setting.block_id)
    assert (state.phase, state.current) == ("idle", None)
