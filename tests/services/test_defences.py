"""Defence blocks on both backends: slots re-timed on every change, applications, slides and who may read them."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.defences import SLIDES_MAX_BYTES
from events_app.domain.errors import InvalidInput, NotFound
from events_app.domain.links import InvalidLink, sign_defence_cabinet_link
from events_app.domain.staff import Forbidden, Role
from events_app.services.defences import applications, blocks
from events_app.services.programme import catalogue
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import NOW
from tests.services.defence_support import Setting, load, slot_form, staff_member

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


def _times(block: blocks.BlockView) -> list[tuple[str, str, str]]:
    return [(slot.project_title, slot.starts_at.strftime("%H:%M"), slot.ends_at.strftime("%H:%M"))
            for slot in block.slots]


async def _with_slots(store: Store, setting: Setting, *specs: tuple[str, int, int]) -> list[int]:
    return [await blocks.add_slot(store, setting.event, setting.block_id, slot_form(title, talk, questions),
                                    actor=setting.organiser, ip="203.0.113.9", now=NOW)
            for title, talk, questions in specs]


async def test_slots_are_timed_one_after_another_from_the_block_start(store: Store) -> None:
    setting = await load(store)

    await _with_slots(store, setting, ("Плиты МДФ", 15, 5), ("Аккумуляторы", 10, 10), ("Янтарь", 20, 5))

    block = await blocks.get_block(store, setting.event, setting.block_id)
    assert _times(block) == [("Плиты МДФ", "11:20", "11:40"), ("Аккумуляторы", "11:40", "12:00"),
                             ("Янтарь", "12:00", "12:25")]
    assert [slot.position for slot in block.slots] == [1, 2, 3]


async def test_moving_a_slot_retimes_the_rest(store: Store) -> None:
    setting = await load(store)
    first, second, third = await _with_slots(store, setting, ("A", 15, 5), ("B", 10, 10), ("C", 30, 10))

    await blocks.move_slot(store, setting.event, third, -1, actor=setting.organiser, ip=None, now=NOW)

    block = await blocks.get_block(store, setting.event, setting.block_id)
    assert _times(block) == [("A", "11:20", "11:40"), ("C", "11:40", "12:20"), ("B", "12:20", "12:40")]
    await blocks.move_slot(store, setting.event, first, -1, actor=setting.organiser, ip=None, now=NOW)
    block = await blocks.get_block(store, setting.event, setting.block_id)
    assert [s.id for s in block.slots] == [first, third, second]


async def test_removing_a_slot_retimes_the_rest_and_renumbers(store: Store) -> None:
    setting = await load(store)
    first, _second, _third = await _with_slots(store, setting, ("A", 15, 5), ("B", 10, 10), ("C", 30, 10))

    await blocks.remove_slot(store, setting.event, first, actor=setting.organiser, ip=None, now=NOW)

    block = await blocks.get_block(store, setting.event, setting.block_id)
    assert _times(block) == [("B", "11:20", "11:40"), ("C", "11:40", "12:20")]
    assert [slot.position for slot in block.slots] == [1, 2]
    actions = [row["action"]
               for row in await store.fetch_all(sa.select(t.audit_log.c.action).order_by(t.audit_log.c.id))]
    assert actions[-1] == "defence.slot_remove"


async def test_editing_a_slot_length_retimes_the_slots_after_it(store: Store) -> None:
    setting = await load(store)
    first, _second = await _with_slots(store, setting, ("A", 15, 5), ("B", 10, 10))

    await blocks.update_slot(store, setting.event, first, slot_form("A", 25, 5), actor=setting.organiser, ip=None,
                               now=NOW)

    assert _times(await blocks.get_block(store, setting.event, setting.block_id)) == [
        ("A", "11:20", "11:50"), ("B", "11:50", "12:10")]


async def test_a_slot_with_bad_fields_is_refused_field_by_field(store: Store) -> None:
    setting = await load(store)

    with pytest.raises(InvalidInput) as refused:
        await blocks.add_slot(store, setting.event, setting.block_id,
                                slot_form("", talk=0, presenters=""), actor=setting.organiser, ip=None, now=NOW)

    assert refused.value.fields == {"project_title": "Fill in this field", "presenters": "Fill in this field",
                                    "talk_minutes": "A talk takes at least one minute"}
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.defence_slots)) == 0


async def test_a_session_that_is_not_a_defence_block_has_no_slots(store: Store) -> None:
    setting = await load(store)
    visit = await store.fetch_val(sa.select(t.sessions.c.id).where(t.sessions.c.kind == "site_visit").limit(1))

    with pytest.raises(NotFound):
        await blocks.add_slot(store, setting.event, visit, slot_form("A"), actor=setting.organiser, ip=None, now=NOW)


async def test_the_public_session_and_its_calendar_text_show_each_slot_time(store: Store) -> None:
    setting = await load(store)
    before = await catalogue.get_session(store, setting.event, setting.block_id)
    await _with_slots(store, setting, ("Плиты МДФ", 15, 5), ("Аккумуляторы", 10, 10))

    session = await catalogue.get_session(store, setting.event, setting.block_id)

    # Subscribed calendars learn of the new text: SEQUENCE and LAST-MODIFIED move.
    assert (session.sequence, session.updated_at) == (before.sequence + 2, NOW)

    assert [(s.project_title, f"{s.starts_at:%H:%M}", f"{s.ends_at:%H:%M}") for s in session.defence_slots] == [
        ("Плиты МДФ", "11:20", "11:40"), ("Аккумуляторы", "11:40", "12:00")]
    assert session.text_for_calendars.endswith(
        "Защиты проектов:\n— 11:20–11:40 Плиты МДФ — ООО «Плиты МДФ» (Иванов Иван)\n"
        "— 11:40–12:00 Аккумуляторы — ООО «Аккумуляторы» (Иванов Иван)")


async def test_the_block_says_when_its_slots_overrun_its_end(store: Store) -> None:
    setting = await load(store)  # the block runs 11:20–14:00
    await _with_slots(store, setting, ("A", 120, 30))
    assert not (await blocks.get_block(store, setting.event, setting.block_id)).overruns

    await _with_slots(store, setting, ("B", 15, 5))

    assert (await blocks.get_block(store, setting.event, setting.block_id)).overruns


async def test_only_experts_of_the_event_may_join_a_jury(store: Store) -> None:
    setting = await load(store)
    expert = await staff_member(store, setting.event.id, "expert@example.ru", Role.EXPERT)
    door = await staff_member(store, setting.event.id, "door@example.ru", Role.DOOR)

    await blocks.assign_expert(store, setting.event, setting.block_id, expert.id, actor=setting.organiser, ip=None,
                                 now=NOW)
    with pytest.raises(InvalidInput):
        await blocks.assign_expert(store, setting.event, setting.block_id, door.id, actor=setting.organiser, ip=None,
                                     now=NOW)

    block = await blocks.get_block(store, setting.event, setting.block_id)
    assert [e.email for e in block.experts] == ["expert@example.ru"]


# --- Applications ---------------------------------------------------------------------------------

def _application(**changes: str) -> dict[str, str]:
    return {"project_title": "Освоение производства плит МДФ", "organisations": "ООО «Лузалес», АО «Монди СЛПК»",
            "regions": "Республика Коми", "presenters": "Петров Пётр", "email": "team@example.ru",
            "summary": "Совместный кластерный проект.", "consent": "on", **changes}


def _text(message: str) -> str:
    parsed = email.message_from_string(message, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return str(parsed.get_content()).replace("\r\n", "\n")


async def _outbox(store: Store) -> list[tuple[str, str]]:
    rows = await store.fetch_all(sa.select(t.outbox.c.recipient, t.outbox.c.subject).order_by(t.outbox.c.id))
    return [(row["recipient"], row["subject"]) for row in rows]


async def test_an_application_waits_and_the_team_gets_a_letter(store: Store, settings: Settings) -> None:
    setting = await load(store)

    application_id = await applications.submit(store, settings, setting.event, _application(), language="ru",
                                                       ip="203.0.113.5", now=NOW)

    (view,) = await applications.list_applications(store, setting.event)
    assert (view.id, view.status, view.slot) == (application_id, "waiting", None)
    assert await _outbox(store) == [("team@example.ru", f"Заявка на защиту проекта получена: {setting.event.title}")]


async def test_an_application_with_bad_fields_is_refused_field_by_field(store: Store, settings: Settings) -> None:
    setting = await load(store)

    with pytest.raises(InvalidInput) as refused:
        await applications.submit(store, settings, setting.event,
                                          _application(email="team.example.ru", summary="", consent=""),
                                          language="ru", ip=None, now=NOW)

    assert refused.value.fields == {
        "email": "Enter an e-mail address such as name@example.ru", "summary": "Fill in this field",
        "consent": "The application needs your consent to the processing of personal data"}
    assert await _outbox(store) == []


async def test_accepting_puts_the_team_in_a_slot_and_its_cabinet_shows_the_time(store: Store,
                                                                                 settings: Settings) -> None:
    setting = await load(store)
    await _with_slots(store, setting, ("A", 15, 5))
    application_id = await applications.submit(store, settings, setting.event, _application(), language="ru",
                                                       ip=None, now=NOW)

    await applications.decide(store, settings, setting.event, application_id, "accept",
                                      session_id=setting.block_id, talk_minutes="20", question_minutes="10",
                                      actor=setting.organiser, ip=None, now=NOW)

    block = await blocks.get_block(store, setting.event, setting.block_id)
    assert _times(block)[-1] == ("Освоение производства плит МДФ", "11:40", "12:10")
    token = sign_defence_cabinet_link(settings.secret_key, application_id=application_id, link_version=0, now=NOW)
    cabinet = await applications.cabinet(store, settings, token, now=NOW)
    assert cabinet.application.status == "accepted"
    assert cabinet.application.slot is not None and f"{cabinet.application.slot.starts_at:%d.%m %H:%M}" == "02.04 11:40"
    assert [subject for _, subject in await _outbox(store)][-1] == (
        f"Защита вашего проекта назначена: {setting.event.title}")
    letter = _text(await store.fetch_val(sa.select(t.outbox.c.message).order_by(t.outbox.c.id.desc()).limit(1)))
    assert "Ваше выступление: 2 апреля, пятница, 11:40." in letter
    assert "https://events.example.org/defences/cabinet/" in letter


async def test_declining_tells_the_team_and_gives_no_slot(store: Store, settings: Settings) -> None:
    setting = await load(store)
    application_id = await applications.submit(store, settings, setting.event, _application(), language="en",
                                                       ip=None, now=NOW)

    await applications.decide(store, settings, setting.event, application_id, "reject", session_id=None,
                                      actor=setting.organiser, ip=None, now=NOW)

    (view,) = await applications.list_applications(store, setting.event)
    assert (view.status, view.slot) == ("rejected", None)
    assert [subject for _, subject in await _outbox(store)][-1] == (
        f"Your defence application is declined: {setting.event.title_en}")


async def test_removing_an_accepted_slot_puts_the_application_back_to_wait(store: Store, settings: Settings) -> None:
    setting = await load(store)
    application_id = await applications.submit(store, settings, setting.event, _application(), language="ru",
                                                       ip=None, now=NOW)
    await applications.decide(store, settings, setting.event, application_id, "accept",
                                      session_id=setting.block_id, actor=setting.organiser, ip=None, now=NOW)
    (slot,) = (await blocks.get_block(store, setting.event, setting.block_id)).slots

    await blocks.remove_slot(store, setting.event, slot.id, actor=setting.organiser, ip=None, now=NOW)

    (view,) = await applications.list_applications(store, setting.event)
    assert (view.status, view.slot) == ("waiting", None)


# --- Slides ---------------------------------------------------------------------------------------

async def _accepted(store: Store, settings: Settings, setting: Setting) -> tuple[int, str]:
    application_id = await applications.submit(store, settings, setting.event, _application(), language="ru",
                                                       ip=None, now=NOW)
    await applications.decide(store, settings, setting.event, application_id, "accept",
                                      session_id=setting.block_id, actor=setting.organiser, ip=None, now=NOW)
    return application_id, sign_defence_cabinet_link(settings.secret_key, application_id=application_id,
                                                     link_version=0, now=NOW)


async def test_slides_are_stored_under_a_generated_name(store: Store, settings: Settings) -> None:
    setting = await load(store)
    application_id, token = await _accepted(store, settings, setting)

    await applications.upload_slides(store, settings, token, PDF, now=NOW)

    name = await store.fetch_val(sa.select(t.defence_applications.c.slides_file))
    assert name.endswith(".pdf") and len(name) == 36
    assert [p.name for p in applications.slides_folder(settings).iterdir()] == [name]
    assert await applications.slides_for_staff(store, settings, setting.event, application_id,
                                                       setting.organiser) == PDF


async def test_slides_that_are_not_a_pdf_are_refused(store: Store, settings: Settings) -> None:
    setting = await load(store)
    _application_id, token = await _accepted(store, settings, setting)

    with pytest.raises(InvalidInput) as refused:
        await applications.upload_slides(store, settings, token, b"PK\x03\x04slides.pptx", now=NOW)

    assert refused.value.fields == {"slides": "This file is not a PDF"}
    assert await store.fetch_val(sa.select(t.defence_applications.c.slides_file)) is None


async def test_slides_over_the_limit_are_refused(store: Store, settings: Settings) -> None:
    setting = await load(store)
    _application_id, token = await _accepted(store, settings, setting)

    with pytest.raises(InvalidInput) as refused:
        await applications.upload_slides(store, settings, token, PDF + b"0" * SLIDES_MAX_BYTES, now=NOW)

    assert refused.value.fields == {"slides": "At most 20 MB"}


async def test_slides_wait_for_the_decision(store: Store, settings: Settings) -> None:
    setting = await load(store)
    application_id = await applications.submit(store, settings, setting.event, _application(), language="ru",
                                                       ip=None, now=NOW)
    token = sign_defence_cabinet_link(settings.secret_key, application_id=application_id, link_version=0, now=NOW)

    with pytest.raises(InvalidInput):
        await applications.upload_slides(store, settings, token, PDF, now=NOW)


async def test_slides_are_served_to_organisers_and_the_blocks_experts_only(store: Store, settings: Settings) -> None:
    setting = await load(store)
    application_id, token = await _accepted(store, settings, setting)
    await applications.upload_slides(store, settings, token, PDF, now=NOW)
    on_jury = await staff_member(store, setting.event.id, "jury@example.ru", Role.EXPERT)
    elsewhere = await staff_member(store, setting.event.id, "other@example.ru", Role.EXPERT)
    await blocks.assign_expert(store, setting.event, setting.block_id, on_jury.id, actor=setting.organiser, ip=None,
                                 now=NOW)

    assert await applications.slides_for_staff(store, settings, setting.event, application_id, on_jury) == PDF
    with pytest.raises(Forbidden):
        await applications.slides_for_staff(store, settings, setting.event, application_id, elsewhere)
    with pytest.raises(NotFound):
        await applications.published_slides(store, settings, setting.event, application_id)

    await applications.set_slides_published(store, setting.event, application_id, True,
                                                    actor=setting.organiser, ip=None, now=NOW)

    assert await applications.published_slides(store, settings, setting.event, application_id) == PDF


async def test_a_cabinet_link_with_an_old_version_no_longer_opens(store: Store, settings: Settings) -> None:
    setting = await load(store)
    application_id, _token = await _accepted(store, settings, setting)
    stale = sign_defence_cabinet_link(settings.secret_key, application_id=application_id, link_version=1, now=NOW)

    with pytest.raises(InvalidLink):
        await applications.cabinet(store, settings, stale, now=NOW)
