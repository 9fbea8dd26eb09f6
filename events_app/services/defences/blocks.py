"""Defence blocks: their slots (timed by `domain.defences`), scoring criteria and jury members.

A block is a session of kind `project_defence`. Its slots are kept in `position` order and carry
lengths, not times; every reading times them from the block's start, so a move or a removal
re-times the rest without a second write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain import defences as rules
from events_app.domain.agenda import SessionKind
from events_app.domain.defences import ApplicationStatus, StagePhase
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.staff import Forbidden, Role, StaffMember
from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView, SessionView
from events_app.services.staff import audit

USUAL_CRITERIA = (
    (N_("Relevance"), 1, 10),
    (N_("Co-operation between members"), 1, 10),
    (N_("Readiness"), 1, 10),
    (N_("Economic effect"), 1, 10),
)
TEXT_LIMITS = {"project_title": 300, "organisations": 1000, "regions": 500, "presenters": 1000}


@dataclass(frozen=True)
class SlotView:
    id: int
    session_id: int
    position: int
    project_title: str
    organisations: str
    regions: str | None
    presenters: str
    talk_minutes: int
    question_minutes: int
    application_id: int | None
    starts_at: datetime
    questions_at: datetime
    ends_at: datetime
    has_slides: bool = False
    slides_published: bool = False


@dataclass(frozen=True)
class ExpertView:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class BlockView:
    event: EventView
    session: SessionView
    slots: list[SlotView]
    criteria: list[rules.Criterion]
    experts: list[ExpertView]
    scoring_closed_at: datetime | None
    reveal_experts: bool

    @property
    def overruns(self) -> bool:
        """The slots run past the block's planned end."""
        return bool(self.slots) and self.slots[-1].ends_at > self.session.ends_at

    def slot(self, slot_id: int) -> SlotView:
        for slot in self.slots:
            if slot.id == slot_id:
                return slot
        raise NotFound(N_("No such slot in this block"))


async def list_blocks(store: Store, event: EventView) -> list[tuple[SessionView, int]]:
    """The event's defence blocks with how many slots each holds."""
    sessions = await catalogue.list_sessions(store, event, kind=SessionKind.PROJECT_DEFENCE)
    return [(session, len(session.defence_slots)) for session in sessions]


async def get_block(store: Store, event: EventView, session_id: int) -> BlockView:
    session = await catalogue.get_session(store, event, session_id)
    if session.kind != SessionKind.PROJECT_DEFENCE:
        raise NotFound(N_("This session is not a project defence block"))
    rows = await store.fetch_all(
        sa.select(t.defence_slots, t.defence_applications.c.slides_file,
                  t.defence_applications.c.slides_published_at)
        .outerjoin(t.defence_applications, t.defence_applications.c.id == t.defence_slots.c.application_id)
        .where(t.defence_slots.c.session_id == session_id)
        .order_by(t.defence_slots.c.position, t.defence_slots.c.id))
    times = rules.slot_times(session.starts_at,
                             [rules.SlotLength(r["talk_minutes"], r["question_minutes"]) for r in rows])
    slots = [SlotView(
        id=row["id"], session_id=session_id, position=index + 1, project_title=row["project_title"],
        organisations=row["organisations"], regions=row["regions"], presenters=row["presenters"],
        talk_minutes=row["talk_minutes"], question_minutes=row["question_minutes"],
        application_id=row["application_id"], starts_at=timing.starts_at, questions_at=timing.questions_at,
        ends_at=timing.ends_at, has_slides=row["slides_file"] is not None,
        slides_published=row["slides_published_at"] is not None,
    ) for index, (row, timing) in enumerate(zip(rows, times, strict=True))]
    criteria = await store.fetch_all(sa.select(t.defence_criteria).where(t.defence_criteria.c.session_id == session_id)
                                     .order_by(t.defence_criteria.c.position, t.defence_criteria.c.id))
    experts = await store.fetch_all(
        sa.select(t.staff.c.id, t.staff.c.name, t.staff.c.email)
        .join(t.defence_experts, t.defence_experts.c.staff_id == t.staff.c.id)
        .where(t.defence_experts.c.session_id == session_id).order_by(t.staff.c.name, t.staff.c.id))
    state = await block_state(store, session_id)
    return BlockView(
        event=event, session=session, slots=slots,
        criteria=[rules.Criterion(id=r["id"], title=r["title"], min_score=r["min_score"], max_score=r["max_score"])
                  for r in criteria],
        experts=[ExpertView(id=r["id"], name=r["name"], email=r["email"]) for r in experts],
        scoring_closed_at=state["scoring_closed_at"] if state else None,
        reveal_experts=bool(state["reveal_experts"]) if state else False)


async def block_state(store: Store, session_id: int) -> Row | None:
    return await store.fetch_one(sa.select(t.defence_blocks).where(t.defence_blocks.c.session_id == session_id))


async def ensure_block_state(store: Store, session_id: int) -> None:
    """The block's row, created on first need (inside the caller's transaction)."""
    if await block_state(store, session_id) is None:
        await store.execute(t.defence_blocks.insert().values(
            session_id=session_id, reveal_experts=False, stage_phase=StagePhase.IDLE.value, stage_version=0))


def slot_values(form: Mapping[str, str]) -> dict[str, object]:
    """A slot's fields from a form, checked; errors name each field."""
    values = {name: str(form.get(name, "")).strip() for name in TEXT_LIMITS}
    errors: dict[str, str] = {}
    for name in ("project_title", "organisations", "presenters"):
        if not values[name]:
            errors[name] = N_("Fill in this field")
    for name, limit in TEXT_LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = N_("This is too long")
    try:
        talk, questions = rules.check_minutes(form)
    except InvalidInput as error:
        errors.update(error.fields)
    if errors:
        raise InvalidInput(N_("Check the highlighted fields"), fields=errors)
    return {**values, "regions": values["regions"] or None, "talk_minutes": talk, "question_minutes": questions}


async def _slot_row(store: Store, event: EventView, slot_id: int) -> Row:
    row = await store.fetch_one(
        sa.select(t.defence_slots).join(t.sessions, t.sessions.c.id == t.defence_slots.c.session_id)
        .where(t.defence_slots.c.id == slot_id, t.sessions.c.event_id == event.id))
    if row is None:
        raise NotFound(N_("No such slot in this event"))
    return row


async def slot_block(store: Store, event: EventView, slot_id: int) -> BlockView:
    """The block a slot of this event belongs to."""
    row = await _slot_row(store, event, slot_id)
    return await get_block(store, event, row["session_id"])


async def _renumber(store: Store, session_id: int, order: list[int]) -> None:
    for position, slot_id in enumerate(order, start=1):
        await store.execute(t.defence_slots.update().where(t.defence_slots.c.id == slot_id).values(position=position))


async def _order(store: Store, session_id: int) -> list[int]:
    rows = await store.fetch_all(sa.select(t.defence_slots.c.id).where(t.defence_slots.c.session_id == session_id)
                                 .order_by(t.defence_slots.c.position, t.defence_slots.c.id))
    return [row["id"] for row in rows]


async def touch_block(store: Store, session_id: int, now: datetime) -> None:
    """Slot times are part of the block's calendar text: move SEQUENCE and LAST-MODIFIED so that
    subscribed calendars pick the new times up (inside the caller's transaction)."""
    await store.execute(t.sessions.update().where(t.sessions.c.id == session_id)
                        .values(sequence=t.sessions.c.sequence + 1, updated_at=now))


async def insert_slot(store: Store, session_id: int, values: Mapping[str, object],
                      application_id: int | None = None) -> int:
    """A slot at the end of the block (inside the caller's transaction)."""
    await store.serialise(f"defence-block-{session_id}")
    last = await store.fetch_val(sa.select(sa.func.max(t.defence_slots.c.position))
                                 .where(t.defence_slots.c.session_id == session_id))
    return await store.insert(t.defence_slots.insert().values(
        session_id=session_id, position=(last or 0) + 1, application_id=application_id, **values)
        .returning(t.defence_slots.c.id))


async def add_slot(store: Store, event: EventView, session_id: int, form: Mapping[str, str], *,
                   actor: StaffMember, ip: str | None, now: datetime) -> int:
    values = slot_values(form)
    await get_block(store, event, session_id)
    async with store.transaction():
        slot_id = await insert_slot(store, session_id, values)
        await touch_block(store, session_id, now)
        await audit.record(store, actor=actor, action="defence.slot_add", subject=str(values["project_title"]),
                           event_id=event.id, details={"session_id": session_id, "slot_id": slot_id}, ip=ip, now=now)
    return slot_id


async def update_slot(store: Store, event: EventView, slot_id: int, form: Mapping[str, str], *,
                      actor: StaffMember, ip: str | None, now: datetime) -> int:
    """Change a slot's text and lengths; gives its block's session id."""
    values = slot_values(form)
    async with store.transaction():
        row = await _slot_row(store, event, slot_id)
        await store.execute(t.defence_slots.update().where(t.defence_slots.c.id == slot_id).values(**values))
        await touch_block(store, row["session_id"], now)
        await audit.record(store, actor=actor, action="defence.slot_edit", subject=str(values["project_title"]),
                           event_id=event.id, details={"slot_id": slot_id}, ip=ip, now=now)
    return int(row["session_id"])


async def move_slot(store: Store, event: EventView, slot_id: int, step: int, *,
                    actor: StaffMember, ip: str | None, now: datetime) -> int:
    async with store.transaction():
        row = await _slot_row(store, event, slot_id)
        await store.serialise(f"defence-block-{row['session_id']}")
        order = rules.moved(await _order(store, row["session_id"]), slot_id, step)
        await _renumber(store, row["session_id"], order)
        await touch_block(store, row["session_id"], now)
        await audit.record(store, actor=actor, action="defence.slot_move", subject=row["project_title"],
                           event_id=event.id, details={"slot_id": slot_id, "step": step}, ip=ip, now=now)
    return int(row["session_id"])


async def remove_slot(store: Store, event: EventView, slot_id: int, *,
                      actor: StaffMember, ip: str | None, now: datetime) -> int:
    """Remove a slot (its scores go with it); an accepted team's application waits again."""
    async with store.transaction():
        row = await _slot_row(store, event, slot_id)
        session_id = int(row["session_id"])
        await store.serialise(f"defence-block-{session_id}")
        await store.execute(t.defence_slots.delete().where(t.defence_slots.c.id == slot_id))
        if row["application_id"] is not None:
            await store.execute(t.defence_applications.update()
                                .where(t.defence_applications.c.id == row["application_id"])
                                .values(status=ApplicationStatus.WAITING.value, updated_at=now))
        await store.execute(t.defence_blocks.update().where(t.defence_blocks.c.stage_slot_id == slot_id)
                            .values(stage_slot_id=None, stage_phase=StagePhase.IDLE.value, stage_started_at=None,
                                    stage_paused_at=None, stage_version=t.defence_blocks.c.stage_version + 1))
        await _renumber(store, session_id, await _order(store, session_id))
        await touch_block(store, session_id, now)
        await audit.record(store, actor=actor, action="defence.slot_remove", subject=row["project_title"],
                           event_id=event.id, details={"slot_id": slot_id}, ip=ip, now=now)
    return session_id


async def add_criterion(store: Store, event: EventView, session_id: int, form: Mapping[str, str], *,
                        actor: StaffMember, ip: str | None, now: datetime) -> None:
    title, low, high = rules.check_criterion(str(form.get("title", "")), str(form.get("min_score", "")),
                                             str(form.get("max_score", "")))
    await get_block(store, event, session_id)
    async with store.transaction():
        await _insert_criterion(store, session_id, title, low, high)
        await audit.record(store, actor=actor, action="defence.criterion_add", subject=title, event_id=event.id,
                           details={"session_id": session_id, "range": [low, high]}, ip=ip, now=now)


async def add_usual_criteria(store: Store, event: EventView, session_id: int, *, translate: Callable[[str], str],
                             actor: StaffMember, ip: str | None, now: datetime) -> None:
    """The four criteria the ministry's selection looks at, 1 to 10, named in the organiser's language."""
    await get_block(store, event, session_id)
    async with store.transaction():
        titles = [translate(title) for title, _, _ in USUAL_CRITERIA]
        for title, (_, low, high) in zip(titles, USUAL_CRITERIA, strict=True):
            await _insert_criterion(store, session_id, title, low, high)
        await audit.record(store, actor=actor, action="defence.criterion_add", subject="; ".join(titles),
                           event_id=event.id, details={"session_id": session_id}, ip=ip, now=now)


async def _insert_criterion(store: Store, session_id: int, title: str, low: int, high: int) -> None:
    last = await store.fetch_val(sa.select(sa.func.max(t.defence_criteria.c.position))
                                 .where(t.defence_criteria.c.session_id == session_id))
    await store.execute(t.defence_criteria.insert().values(
        session_id=session_id, position=(last or 0) + 1, title=title, min_score=low, max_score=high))


async def remove_criterion(store: Store, event: EventView, session_id: int, criterion_id: int, *,
                           actor: StaffMember, ip: str | None, now: datetime) -> None:
    """Scores given on it go too; refused once any expert has scored, so sheets stay complete."""
    block = await get_block(store, event, session_id)
    async with store.transaction():
        used = await store.fetch_val(sa.select(sa.func.count()).select_from(t.defence_score_values)
                                     .where(t.defence_score_values.c.criterion_id == criterion_id))
        if used:
            raise InvalidInput(N_("Experts have already scored on this criterion; it cannot be removed"))
        title = await store.fetch_val(sa.select(t.defence_criteria.c.title).where(
            t.defence_criteria.c.id == criterion_id, t.defence_criteria.c.session_id == session_id))
        await store.execute(t.defence_criteria.delete().where(t.defence_criteria.c.id == criterion_id,
                                                              t.defence_criteria.c.session_id == session_id))
        await audit.record(store, actor=actor, action="defence.criterion_remove",
                           subject=f"{block.session.title} · {title}", event_id=event.id,
                           details={"session_id": session_id, "criterion_id": criterion_id}, ip=ip, now=now)


async def event_experts(store: Store, event: EventView) -> list[ExpertView]:
    """Staff who hold the expert role for this event: those an organiser may put on a jury."""
    rows = await store.fetch_all(
        sa.select(t.staff.c.id, t.staff.c.name, t.staff.c.email)
        .join(t.staff_roles, t.staff_roles.c.staff_id == t.staff.c.id)
        .where(t.staff_roles.c.event_id == event.id, t.staff_roles.c.role == Role.EXPERT.value,
               t.staff.c.disabled_at.is_(None))
        .order_by(t.staff.c.name, t.staff.c.id))
    return [ExpertView(id=r["id"], name=r["name"], email=r["email"]) for r in rows]


async def assign_expert(store: Store, event: EventView, session_id: int, staff_id: int, *,
                        actor: StaffMember, ip: str | None, now: datetime) -> None:
    block = await get_block(store, event, session_id)
    experts = {expert.id: expert for expert in await event_experts(store, event)}
    if staff_id not in experts:
        raise InvalidInput(N_("Only a member of staff with the expert role for this event can join the jury"),
                           fields={"staff_id": N_("Not an expert of this event")})
    async with store.transaction():
        exists = await store.fetch_val(sa.select(sa.func.count()).select_from(t.defence_experts).where(
            t.defence_experts.c.session_id == session_id, t.defence_experts.c.staff_id == staff_id))
        if not exists:
            await store.execute(t.defence_experts.insert().values(session_id=session_id, staff_id=staff_id))
            await audit.record(store, actor=actor, action="defence.expert_assign",
                               subject=f"{block.session.title} · {experts[staff_id].name or experts[staff_id].email}",
                               event_id=event.id, details={"session_id": session_id, "staff_id": staff_id},
                               ip=ip, now=now)


async def unassign_expert(store: Store, event: EventView, session_id: int, staff_id: int, *,
                          actor: StaffMember, ip: str | None, now: datetime) -> None:
    """The expert leaves the jury; the scores already given stay in the results."""
    block = await get_block(store, event, session_id)
    async with store.transaction():
        expert = await store.fetch_one(sa.select(t.staff.c.name, t.staff.c.email).where(t.staff.c.id == staff_id))
        await store.execute(t.defence_experts.delete().where(t.defence_experts.c.session_id == session_id,
                                                             t.defence_experts.c.staff_id == staff_id))
        who = (expert["name"] or expert["email"]) if expert is not None else str(staff_id)
        await audit.record(store, actor=actor, action="defence.expert_unassign",
                           subject=f"{block.session.title} · {who}", event_id=event.id,
                           details={"session_id": session_id, "staff_id": staff_id}, ip=ip, now=now)


async def is_block_expert(store: Store, session_id: int, staff_id: int) -> bool:
    found = await store.fetch_val(sa.select(sa.func.count()).select_from(t.defence_experts).where(
        t.defence_experts.c.session_id == session_id, t.defence_experts.c.staff_id == staff_id))
    return bool(found)


async def require_block_access(store: Store, event: EventView, session_id: int, member: StaffMember) -> None:
    """Organisers of the event (and admins) see every block; an expert only the blocks of their jury."""
    if member.has_role(event.id, Role.ORGANISER):
        return
    if not await is_block_expert(store, session_id, member.id):
        raise Forbidden(N_("You are not on this block's jury"))
