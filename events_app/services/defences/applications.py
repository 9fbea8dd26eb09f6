"""Teams applying for a defence slot, the organiser's decision, and the team's cabinet and slides.

Slides are files under `<data folder>/defence-slides/` with generated names; the database keeps
only that name. Until the organiser publishes them, only organisers and the block's experts
(and the team itself, through its signed link) may download them.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain import defences as rules
from events_app.domain.defences import ApplicationStatus
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.links import InvalidLink, read_defence_cabinet_link
from events_app.domain.staff import Forbidden, Role, StaffMember
from events_app.services import rate_limit
from events_app.services.defences import blocks, jury, letters
from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView, SessionView
from events_app.services.staff import audit
from events_app.settings import Settings

# Like registration: a person applies once or twice; a script posting in a loop is held off.
APPLICATIONS_PER_ADDRESS = rate_limit.Limit("defence-apply", 10, timedelta(minutes=10))
FIELDS = ("project_title", "organisations", "regions", "presenters", "email", "summary")
SUMMARY_LIMIT = 3000
DECISION_ACTIONS = {"accept": "defence.application_accept", "reject": "defence.application_reject",
                    "wait": "defence.application_wait"}


@dataclass(frozen=True)
class ApplicationView:
    id: int
    status: str
    project_title: str
    organisations: str
    regions: str | None
    presenters: str
    email: str
    summary: str
    created_at: datetime
    slot: blocks.SlotView | None
    session_title: str | None
    session_title_en: str | None  # the block's English title, for the team's English cabinet
    has_slides: bool
    slides_size: int | None
    slides_published: bool
    remarks_sent: bool


@dataclass(frozen=True)
class CabinetView:
    event: EventView
    application: ApplicationView
    remarks: list[tuple[str, str]]  # (expert's name or "", text), once the organiser has sent them


def slides_folder(settings: Settings) -> Path:
    return settings.data_dir / "defence-slides"


def check_application(form: Mapping[str, str]) -> dict[str, str]:
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    errors: dict[str, str] = {}
    for name in ("project_title", "organisations", "presenters", "email", "summary"):
        if not values[name]:
            errors[name] = N_("Fill in this field")
    for name, limit in {**blocks.TEXT_LIMITS, "email": 254, "summary": SUMMARY_LIMIT}.items():
        if len(values[name]) > limit:
            errors[name] = N_("This is too long")
    email = values["email"]
    if email and ("@" not in email or " " in email or email.startswith("@") or email.endswith("@")):
        errors["email"] = N_("Enter an e-mail address such as name@example.ru")
    if str(form.get("consent", "")) not in ("on", "true", "1"):
        errors["consent"] = N_("The application needs your consent to the processing of personal data")
    if errors:
        raise InvalidInput(N_("Check the highlighted fields"), fields=errors)
    return values


async def submit(store: Store, settings: Settings, event: EventView, form: Mapping[str, str], *,
                 language: str, ip: str | None, now: datetime) -> int:
    """A team's application; it waits for the organiser, and the team gets a letter with its link."""
    values = check_application(form)
    if not await blocks.list_blocks(store, event):
        raise InvalidInput(N_("This event has no project defences."))
    async with store.transaction():
        application_id = await store.insert(t.defence_applications.insert().values(
            event_id=event.id, status=ApplicationStatus.WAITING.value, language=language, consent_at=now, consent_ip=ip,
            link_version=0, created_at=now, updated_at=now,
            **{**values, "regions": values["regions"] or None}).returning(t.defence_applications.c.id))
        row = await _row(store, application_id)
        await letters.send(store, settings, event, row, "received", now=now)
    return application_id


async def _row(store: Store, application_id: int) -> Row:
    row = await store.fetch_one(sa.select(t.defence_applications).where(t.defence_applications.c.id == application_id))
    if row is None:
        raise NotFound(N_("No such application"))
    return row


async def _event_row(store: Store, event: EventView, application_id: int) -> Row:
    row = await _row(store, application_id)
    if row["event_id"] != event.id:
        raise NotFound(N_("No such application"))
    return row


async def _views(store: Store, event: EventView, rows: list[Row]) -> list[ApplicationView]:
    slots: dict[int, tuple[blocks.SlotView, SessionView]] = {}
    for session, count in await blocks.list_blocks(store, event):
        if count:
            block = await blocks.get_block(store, event, session.id)
            slots.update({slot.application_id: (slot, session) for slot in block.slots if slot.application_id})
    return [ApplicationView(
        id=row["id"], status=row["status"], project_title=row["project_title"], organisations=row["organisations"],
        regions=row["regions"], presenters=row["presenters"], email=row["email"], summary=row["summary"],
        created_at=row["created_at"], slot=slots[row["id"]][0] if row["id"] in slots else None,
        session_title=slots[row["id"]][1].title if row["id"] in slots else None,
        session_title_en=slots[row["id"]][1].title_en if row["id"] in slots else None,
        has_slides=row["slides_file"] is not None, slides_size=row["slides_size"],
        slides_published=row["slides_published_at"] is not None, remarks_sent=row["remarks_sent_at"] is not None,
    ) for row in rows]


async def list_applications(store: Store, event: EventView) -> list[ApplicationView]:
    """Waiting first, then accepted, then declined; each in arrival order."""
    rows = await store.fetch_all(sa.select(t.defence_applications).where(t.defence_applications.c.event_id == event.id)
                                 .order_by(t.defence_applications.c.id))
    order = {status.value: number for number, status in enumerate(ApplicationStatus)}
    return sorted(await _views(store, event, list(rows)), key=lambda a: (order[a.status], a.id))


async def decide(store: Store, settings: Settings, event: EventView, application_id: int, decision: str, *,
                 session_id: int | None, talk_minutes: str = "15", question_minutes: str = "5",
                 actor: StaffMember, ip: str | None, now: datetime) -> None:
    """Accept into a new slot at the end of a block, decline, or put back to wait. The team is told
    when accepted or declined."""
    if decision not in ("accept", "reject", "wait"):
        raise InvalidInput(N_("Unknown decision"))
    slot_starts_at = None
    async with store.transaction():
        row = await _event_row(store, event, application_id)
        existing = await store.fetch_one(sa.select(t.defence_slots.c.id)
                                         .where(t.defence_slots.c.application_id == application_id))
        if decision == "accept":
            if existing is not None:
                raise InvalidInput(N_("This application already has a slot"))
            if session_id is None:
                raise InvalidInput(N_("Choose the block"), fields={"session_id": N_("Choose the block")})
            await blocks.get_block(store, event, session_id)
            talk, questions = rules.check_minutes({"talk_minutes": talk_minutes, "question_minutes": question_minutes})
            slot_id = await blocks.insert_slot(store, session_id, {
                "project_title": row["project_title"], "organisations": row["organisations"], "regions": row["regions"],
                "presenters": row["presenters"], "talk_minutes": talk, "question_minutes": questions}, application_id)
            await blocks.touch_block(store, session_id, now)
            block = await blocks.get_block(store, event, session_id)
            slot_starts_at = block.slot(slot_id).starts_at
        elif existing is not None:
            raise InvalidInput(N_("Remove the team's slot from its block first"))
        status = {"accept": ApplicationStatus.ACCEPTED, "reject": ApplicationStatus.REJECTED,
                  "wait": ApplicationStatus.WAITING}[decision].value
        await store.execute(t.defence_applications.update().where(t.defence_applications.c.id == application_id)
                            .values(status=status, updated_at=now))
        await audit.record(store, actor=actor, action=DECISION_ACTIONS[decision], subject=row["project_title"],
                           event_id=event.id, details={"application_id": application_id, "session_id": session_id},
                           ip=ip, now=now)
        if decision in ("accept", "reject"):
            await letters.send(store, settings, event, row, "accepted" if decision == "accept" else "rejected",
                                    now=now, slot_starts_at=slot_starts_at)


async def cabinet(store: Store, settings: Settings, token: str, *, now: datetime) -> CabinetView:
    application_id, link_version = read_defence_cabinet_link(settings.secret_key, token, now=now)
    row = await store.fetch_one(sa.select(t.defence_applications, t.events.c.slug)
                                .join(t.events, t.events.c.id == t.defence_applications.c.event_id)
                                .where(t.defence_applications.c.id == application_id))
    if row is None or row["link_version"] != link_version:
        raise InvalidLink(N_("This link no longer works. Ask the organisers for a new one."))
    event = await catalogue.get_event(store, row["slug"], include_drafts=True)
    (view,) = await _views(store, event, [row])
    remarks: list[tuple[str, str]] = []
    if row["remarks_sent_at"] is not None and view.slot is not None:
        remarks = await jury.remarks_for_team(store, view.slot.session_id, view.slot.id)
    return CabinetView(event=event, application=view, remarks=remarks)


async def upload_slides(store: Store, settings: Settings, token: str, data: bytes, *, now: datetime) -> None:
    """The team's slides: a PDF by its content, within the size limit; replaces earlier ones."""
    view = await cabinet(store, settings, token, now=now)
    if view.application.status != ApplicationStatus.ACCEPTED:
        raise InvalidInput(N_("Slides can be uploaded once the application is accepted"),
                           fields={"slides": N_("The application is not accepted yet")})
    rules.check_slides("", data)
    folder = slides_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.pdf"
    (folder / name).write_bytes(data)
    async with store.transaction():
        old = await store.fetch_val(sa.select(t.defence_applications.c.slides_file)
                                    .where(t.defence_applications.c.id == view.application.id))
        await store.execute(t.defence_applications.update().where(t.defence_applications.c.id == view.application.id)
                            .values(slides_file=name, slides_size=len(data), slides_uploaded_at=now,
                                    slides_published_at=None, updated_at=now))
    if old:
        (folder / old).unlink(missing_ok=True)


async def set_slides_published(store: Store, event: EventView, application_id: int, published: bool, *,
                               actor: StaffMember, ip: str | None, now: datetime) -> None:
    async with store.transaction():
        row = await _event_row(store, event, application_id)
        if row["slides_file"] is None:
            raise InvalidInput(N_("The team has not uploaded slides yet"))
        await store.execute(t.defence_applications.update().where(t.defence_applications.c.id == application_id)
                            .values(slides_published_at=now if published else None, updated_at=now))
        await audit.record(store, actor=actor, action="defence.slides_publish" if published else "defence.slides_hide",
                           subject=row["project_title"], event_id=event.id,
                           details={"application_id": application_id}, ip=ip, now=now)


async def slides_for_staff(store: Store, settings: Settings, event: EventView, application_id: int,
                           member: StaffMember) -> bytes:
    """Organisers of the event, and experts on the jury of the block the team presents in."""
    row = await _event_row(store, event, application_id)
    slot = await store.fetch_one(sa.select(t.defence_slots.c.session_id)
                                 .where(t.defence_slots.c.application_id == application_id))
    if slot is None:
        if not member.has_role(event.id, Role.ORGANISER):
            raise Forbidden(N_("You are not on this block's jury"))
    else:
        await blocks.require_block_access(store, event, slot["session_id"], member)
    return _slides_bytes(settings, row)


async def published_slides(store: Store, settings: Settings, event: EventView, application_id: int) -> bytes:
    row = await _event_row(store, event, application_id)
    if row["slides_published_at"] is None:
        raise NotFound(N_("These slides are not published"))
    return _slides_bytes(settings, row)


async def team_slides(store: Store, settings: Settings, token: str, *, now: datetime) -> bytes:
    view = await cabinet(store, settings, token, now=now)
    return _slides_bytes(settings, await _row(store, view.application.id))


def _slides_bytes(settings: Settings, row: Row) -> bytes:
    if row["slides_file"] is None:
        raise NotFound(N_("No slides have been uploaded"))
    path = slides_folder(settings) / row["slides_file"]
    if not path.is_file():
        raise NotFound(N_("No slides have been uploaded"))
    return path.read_bytes()
