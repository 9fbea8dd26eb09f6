"""The jury: experts' score sheets, who may see which, closing the scoring, results and remarks.

The visibility rule: an expert sees the other experts' sheets for a project only once their own
sheet for it is submitted, so nobody anchors on a colleague's numbers. A sheet may be corrected
until the organiser closes the block's scoring; after that every change is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain import defences as rules
from events_app.domain import spreadsheet
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.staff import Forbidden, StaffMember
from events_app.services.defences import blocks, letters, stage
from events_app.services.programme.catalogue import EventView
from events_app.services.staff import audit
from events_app.settings import Settings


@dataclass(frozen=True)
class Sheet:
    expert_id: int
    expert_name: str
    values: dict[int, int]
    remarks: str
    submitted_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class JurySlot:
    block: blocks.BlockView
    slot: blocks.SlotView
    own: Sheet | None
    others: list[Sheet] | None  # None until the expert's own sheet is in: the visibility rule
    closed: bool
    # The jury's figures for the project so far, under the same rule as `others`.
    summary: rules.ProjectResult | None = None
    # The next project in this block the expert has not scored; None when all are.
    next_slot: blocks.SlotView | None = None


@dataclass(frozen=True)
class JuryBlock:
    """A block on the expert's jury page: the stage, which projects they scored, what to score next."""

    block: blocks.BlockView
    stage: stage.StageState
    scored: frozenset[int]
    next_slot: blocks.SlotView | None


@dataclass(frozen=True)
class ResultRow:
    slot: blocks.SlotView
    result: rules.ProjectResult
    sheets: list[Sheet]


@dataclass(frozen=True)
class Results:
    block: blocks.BlockView
    rows: list[ResultRow]  # ranked: best first, unscored projects last


async def _sheets(store: Store, slot_ids: list[int]) -> dict[int, list[Sheet]]:
    if not slot_ids:
        return {}
    rows = await store.fetch_all(
        sa.select(t.defence_scores, t.staff.c.name)
        .join(t.staff, t.staff.c.id == t.defence_scores.c.staff_id)
        .where(t.defence_scores.c.slot_id.in_(slot_ids)).order_by(t.defence_scores.c.id))
    values = await store.fetch_all(sa.select(t.defence_score_values).where(
        t.defence_score_values.c.score_id.in_([row["id"] for row in rows]))) if rows else []
    by_score: dict[int, dict[int, int]] = {}
    for value in values:
        by_score.setdefault(value["score_id"], {})[value["criterion_id"]] = value["value"]
    sheets: dict[int, list[Sheet]] = {}
    for row in rows:
        sheets.setdefault(row["slot_id"], []).append(Sheet(
            expert_id=row["staff_id"], expert_name=row["name"], values=by_score.get(row["id"], {}),
            remarks=row["remarks"], submitted_at=row["submitted_at"], updated_at=row["updated_at"]))
    return sheets


async def expert_blocks(store: Store, event: EventView, member: StaffMember) -> list[blocks.BlockView]:
    """The blocks whose jury the member sits on."""
    rows = await store.fetch_all(
        sa.select(t.defence_experts.c.session_id)
        .join(t.sessions, t.sessions.c.id == t.defence_experts.c.session_id)
        .where(t.defence_experts.c.staff_id == member.id, t.sessions.c.event_id == event.id,
               t.sessions.c.cancelled_at.is_(None))
        .order_by(t.sessions.c.starts_at))
    return [await blocks.get_block(store, event, row["session_id"]) for row in rows]


async def own_sheets(store: Store, block: blocks.BlockView, member: StaffMember) -> dict[int, Sheet]:
    """The member's submitted sheets in a block, by slot id."""
    sheets = await _sheets(store, [slot.id for slot in block.slots])
    return {slot_id: sheet for slot_id, found in sheets.items() for sheet in found if sheet.expert_id == member.id}


def _next_slot(block: blocks.BlockView, scored: frozenset[int], after: int | None) -> blocks.SlotView | None:
    found = rules.next_to_score([slot.id for slot in block.slots], scored, after=after)
    return block.slot(found) if found is not None else None


async def expert_overview(store: Store, event: EventView, member: StaffMember) -> list[JuryBlock]:
    """The member's blocks with the slot on stage and, as "next", the first project after it they
    have not scored yet (the stage's own next may be one they scored from the slides already)."""
    result = []
    for block in await expert_blocks(store, event, member):
        state = await stage.state(store, event, block.session.id)
        scored = frozenset(await own_sheets(store, block, member))
        result.append(JuryBlock(block=block, stage=state, scored=scored,
                                next_slot=_next_slot(block, scored, state.current.id if state.current else None)))
    return result


async def _require_expert(store: Store, session_id: int, member: StaffMember) -> None:
    if not await blocks.is_block_expert(store, session_id, member.id):
        raise Forbidden(N_("You are not on this block's jury"))


async def jury_slot(store: Store, event: EventView, slot_id: int, member: StaffMember) -> JurySlot:
    block = await blocks.slot_block(store, event, slot_id)
    await _require_expert(store, block.session.id, member)
    every = await _sheets(store, [slot.id for slot in block.slots])
    sheets = every.get(slot_id, [])
    own = next((sheet for sheet in sheets if sheet.expert_id == member.id), None)
    others = [sheet for sheet in sheets if sheet.expert_id != member.id] if own is not None else None
    # The jury's figures follow the visibility rule: seen only once the expert's own sheet is in.
    summary = rules.project_result(slot_id, [
        rules.ExpertSheet(expert_id=sheet.expert_id, values=sheet.values, remarks=sheet.remarks)
        for sheet in sheets]) if own is not None else None
    scored = frozenset(found for found, found_sheets in every.items()
                       if any(sheet.expert_id == member.id for sheet in found_sheets))
    return JurySlot(block=block, slot=block.slot(slot_id), own=own, others=others,
                    closed=block.scoring_closed_at is not None, summary=summary,
                    next_slot=_next_slot(block, scored, slot_id))


async def submit(store: Store, event: EventView, slot_id: int, member: StaffMember, form: Mapping[str, str], *,
                 ip: str | None, now: datetime) -> None:
    """Save the expert's whole sheet for a slot, or nothing: a new one, or a correction."""
    block = await blocks.slot_block(store, event, slot_id)
    await _require_expert(store, block.session.id, member)
    values = rules.check_scores(block.criteria, form)
    remarks = str(form.get("remarks", "")).strip()
    if len(remarks) > 5000:
        raise InvalidInput(N_("The remarks are too long"), fields={"remarks": N_("At most 5000 characters")})
    async with store.transaction():
        # Read again inside the transaction: closing may have happened since the page was loaded.
        state = await blocks.block_state(store, block.session.id)
        if state is not None and state["scoring_closed_at"] is not None:
            raise rules.ScoringClosed(N_("Scoring of this block is closed: the scores can no longer be changed"))
        score_id = await store.fetch_val(sa.select(t.defence_scores.c.id).where(
            t.defence_scores.c.slot_id == slot_id, t.defence_scores.c.staff_id == member.id))
        if score_id is None:
            score_id = await store.insert(t.defence_scores.insert().values(
                slot_id=slot_id, staff_id=member.id, remarks=remarks, submitted_at=now, updated_at=now)
                .returning(t.defence_scores.c.id))
            action = "defence.score_submit"
        else:
            await store.execute(t.defence_scores.update().where(t.defence_scores.c.id == score_id)
                                .values(remarks=remarks, updated_at=now))
            await store.execute(t.defence_score_values.delete().where(t.defence_score_values.c.score_id == score_id))
            action = "defence.score_correct"
        for criterion_id, value in values.items():
            await store.execute(t.defence_score_values.insert().values(
                score_id=score_id, criterion_id=criterion_id, value=value))
        await audit.record(store, actor=member, action=action, subject=block.slot(slot_id).project_title,
                           event_id=event.id, details={"slot_id": slot_id, "scores": values}, ip=ip, now=now)


async def set_closed(store: Store, event: EventView, session_id: int, closed: bool, *,
                     actor: StaffMember, ip: str | None, now: datetime) -> None:
    await blocks.get_block(store, event, session_id)
    async with store.transaction():
        await blocks.ensure_block_state(store, session_id)
        await store.execute(t.defence_blocks.update().where(t.defence_blocks.c.session_id == session_id)
                            .values(scoring_closed_at=now if closed else None))
        await audit.record(store, actor=actor, action="defence.scoring_close" if closed else "defence.scoring_reopen",
                           subject=str(session_id), event_id=event.id, ip=ip, now=now)


async def set_reveal_experts(store: Store, event: EventView, session_id: int, reveal: bool, *,
                             actor: StaffMember, ip: str | None, now: datetime) -> None:
    block = await blocks.get_block(store, event, session_id)
    async with store.transaction():
        await blocks.ensure_block_state(store, session_id)
        await store.execute(t.defence_blocks.update().where(t.defence_blocks.c.session_id == session_id)
                            .values(reveal_experts=reveal))
        await audit.record(store, actor=actor, action="defence.reveal_experts", subject=block.session.title,
                           event_id=event.id, details={"session_id": session_id, "reveal": reveal}, ip=ip, now=now)


async def results(store: Store, event: EventView, session_id: int) -> Results:
    block = await blocks.get_block(store, event, session_id)
    sheets = await _sheets(store, [slot.id for slot in block.slots])
    by_slot = {slot.id: slot for slot in block.slots}
    computed = [rules.project_result(slot.id, [
        rules.ExpertSheet(expert_id=sheet.expert_id, values=sheet.values, remarks=sheet.remarks)
        for sheet in sheets.get(slot.id, [])]) for slot in block.slots]
    return Results(block=block, rows=[ResultRow(slot=by_slot[result.slot_id], result=result,
                                                sheets=sheets.get(result.slot_id, []))
                                      for result in rules.ranked(computed)])


async def remarks_for_team(store: Store, session_id: int, slot_id: int) -> list[tuple[str, str]]:
    """(expert's name, text) pairs; the name is "" unless the organiser chose to reveal it."""
    state = await blocks.block_state(store, session_id)
    sheets = (await _sheets(store, [slot_id])).get(slot_id, [])
    if state is not None and state["reveal_experts"]:
        return [(sheet.expert_name, sheet.remarks.strip()) for sheet in sheets if sheet.remarks.strip()]
    return [("", text) for text in rules.anonymous_remarks([
        rules.ExpertSheet(expert_id=sheet.expert_id, values={}, remarks=sheet.remarks) for sheet in sheets])]


async def send_remarks(store: Store, settings: Settings, event: EventView, session_id: int, *,
                       actor: StaffMember, ip: str | None, now: datetime) -> int:
    """Each team with an application in this block gets its remarks by e-mail and in its cabinet.
    Gives the number of teams written to."""
    block = await blocks.get_block(store, event, session_id)
    sent = 0
    async with store.transaction():
        for slot in block.slots:
            if slot.application_id is None:
                continue
            application = await store.fetch_one(sa.select(t.defence_applications)
                                                 .where(t.defence_applications.c.id == slot.application_id))
            assert application is not None
            await store.execute(t.defence_applications.update()
                                .where(t.defence_applications.c.id == slot.application_id)
                                .values(remarks_sent_at=now, updated_at=now))
            await letters.send(store, settings, event, application, "remarks", now=now,
                                    remarks=await remarks_for_team(store, session_id, slot.id))
            sent += 1
        await audit.record(store, actor=actor, action="defence.remarks_send", subject=block.session.title,
                           event_id=event.id, details={"session_id": session_id, "teams": sent,
                                                       "reveal_experts": block.reveal_experts}, ip=ip, now=now)
    return sent


def _number(value: Fraction | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


async def export_xlsx(store: Store, event: EventView, session_id: int, *, actor: StaffMember, ip: str | None,
                      now: datetime) -> bytes:
    """Every sheet (one row per expert and project) and the results, in Russian; audited."""
    found = await results(store, event, session_id)
    criteria = found.block.criteria
    # A remark typed as "=..." stays text, never a formula in the organiser's Excel (`spreadsheet`).
    summary = spreadsheet.Sheet("Итоги", [spreadsheet.Column(header) for header in (
        "Место", "№ слота", "Проект", "Организации", "Экспертов", *[c.title for c in criteria],
        "Средний балл", "Ст. отклонение", "Мин.", "Макс.")], [[
            row.result.rank, row.slot.position, row.slot.project_title, row.slot.organisations, row.result.experts,
            *[_number(row.result.criterion_means.get(c.id)) for c in criteria], _number(row.result.mean),
            _number(row.result.spread_sd), _number(row.result.lowest), _number(row.result.highest)]
            for row in found.rows])
    zone = found.block.session.starts_at.tzinfo
    scores = spreadsheet.Sheet("Оценки", [spreadsheet.Column(header) for header in (
        "№ слота", "Проект", "Эксперт", *[c.title for c in criteria], "Замечания", "Изменено")], [[
            row.slot.position, row.slot.project_title, sheet.expert_name,
            *[sheet.values.get(c.id) for c in criteria], sheet.remarks,
            sheet.updated_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")]
            for row in sorted(found.rows, key=lambda r: r.slot.position) for sheet in row.sheets])
    content = spreadsheet.to_xlsx([summary, scores], title=f"{found.block.session.title}: оценки жюри")
    async with store.transaction():
        await audit.record(store, actor=actor, action="defence.export", subject=found.block.session.title,
                           event_id=event.id, details={"session_id": session_id, "format": "xlsx"}, ip=ip, now=now)
    return content
