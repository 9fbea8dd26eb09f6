"""Publishing an agenda: every draft applied to `sessions` at once, as a numbered version.

One transaction applies the drafts, records the version with its changelog, queues one letter
per affected delegate, writes the audit entry and clears the drafts: all of it, or none.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.agenda import EventStatus
from events_app.domain.changelog import (
    NOTIFIED,
    Change,
    ChangeKind,
    SessionState,
    describe,
    differences,
    next_sequence,
    sort_changes,
)
from events_app.domain.conflicts import PlannedSession, overlaps_among
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.links import sign_cabinet_link
from events_app.domain.mail import compose, mailbox
from events_app.domain.registration import TOLD_OF_CHANGES, full_name
from events_app.domain.site_visits import follow_move
from events_app.domain.staff import StaffMember
from events_app.services.mail import outbox
from events_app.services.mail.templates import event_title, render
from events_app.services.programme.catalogue import EventView, get_event
from events_app.services.registration import letters, places
from events_app.services.staff import audit
from events_app.settings import Settings

SUBJECT = N_("Programme changes: %(event)s")

@dataclass(frozen=True)
class Version:
    number: int
    published_at: datetime
    actor: str
    changes: tuple[Change, ...]
    mailed: int


@dataclass(frozen=True)
class VisitBus:
    """The bus of a visit that publishing moved, as its riders' letter gives it."""

    session_id: int
    title: str
    title_en: str | None
    departs_at: datetime
    returns_at: datetime | None
    meeting_point: str | None


@dataclass(frozen=True)
class Published:
    number: int
    changes: tuple[Change, ...]
    mailed: int


def lines(changes: Sequence[Change], *, language: str | None = None) -> list[str]:
    """The changelog as sentences in `language` (the current one when not given)."""
    with i18n.language(language or i18n.current_language()):
        english = i18n.current_language() == "en"
        return [describe(c, gettext=i18n.gettext, day_label=i18n.format_day, english=english) for c in changes]


def _state(row: Row | dict[str, Any], zone: ZoneInfo, venue_names: dict[int, str]) -> SessionState:
    return SessionState(title=row["title"], title_en=row["title_en"], starts_at=row["starts_at"].astimezone(zone),
                        ends_at=row["ends_at"].astimezone(zone), venue_id=row["venue_id"],
                        venue_name=venue_names.get(row["venue_id"]) if row["venue_id"] is not None else None,
                        capacity=row["capacity"])


async def publish(store: Store, settings: Settings, event: EventView, *, actor: StaffMember, now: datetime,
                  ip: str | None = None) -> Published:
    zone = ZoneInfo(event.timezone)
    async with store.transaction():
        # Imports and publications both rewrite sessions: one at a time.
        await store.serialise("agenda-import")
        drafts = await store.fetch_all(sa.select(t.session_drafts).where(t.session_drafts.c.event_id == event.id)
                                       .order_by(t.session_drafts.c.id))
        if not drafts:
            raise InvalidInput(N_("There are no changes to publish"))
        status = await store.fetch_val(sa.select(t.events.c.status).where(t.events.c.id == event.id))
        venue_names = {r["id"]: r["name"] for r in await store.fetch_all(
            sa.select(t.venues.c.id, t.venues.c.name).where(t.venues.c.event_id == event.id))}
        changes: list[Change] = []
        for draft in drafts:
            changes.extend(await _apply(store, draft, event_id=event.id, draft_event=status == EventStatus.DRAFT.value,
                                        zone=zone, venue_names=venue_names, now=now))
        changes = sort_changes(changes)
        await _seat_waiting(store, settings, event, changes, now=now)
        number = int(await store.fetch_val(sa.select(sa.func.coalesce(sa.func.max(t.agenda_publications.c.number), 0))
                                           .where(t.agenda_publications.c.event_id == event.id))) + 1
        mailed = await _tell_delegates(store, settings, event, changes, now=now)
        await store.execute(t.agenda_publications.insert().values(
            event_id=event.id, number=number, published_at=now, staff_id=actor.id, actor=actor.email,
            changes=json.dumps([c.as_json() for c in changes], ensure_ascii=False), mailed=mailed))
        await store.execute(t.session_drafts.delete().where(t.session_drafts.c.event_id == event.id))
        await audit.record(store, actor=actor, action="agenda.publish", subject=event.title,
                           event_id=event.id, now=now, ip=ip,
                           details={"version": number, "changes": len(changes), "letters": mailed})
    store.forget(("event-calendar", settings.base_url, event.slug))
    return Published(number=number, changes=tuple(changes), mailed=mailed)


async def preview(store: Store, event: EventView) -> list[Change]:
    """What publishing now would change: the drafts compared with the published sessions."""
    zone = ZoneInfo(event.timezone)
    drafts = await store.fetch_all(sa.select(t.session_drafts).where(t.session_drafts.c.event_id == event.id))
    if not drafts:
        return []
    venue_names = {r["id"]: r["name"] for r in await store.fetch_all(
        sa.select(t.venues.c.id, t.venues.c.name).where(t.venues.c.event_id == event.id))}
    published = {r["id"]: r for r in await store.fetch_all(sa.select(t.sessions).where(
        t.sessions.c.id.in_([d["session_id"] for d in drafts if d["session_id"] is not None]),
        t.sessions.c.cancelled_at.is_(None)))}
    changes: list[Change] = []
    for draft in drafts:
        before = published.get(draft["session_id"]) if draft["session_id"] is not None else None
        if draft["session_id"] is not None and before is None:
            continue
        changes.extend(differences(draft["session_id"], _state(before, zone, venue_names) if before else None,
                                   None if draft["removed"] else _state(draft, zone, venue_names)))
    return sort_changes(changes)


async def _apply(store: Store, draft: Row, *, event_id: int, draft_event: bool, zone: ZoneInfo,
                 venue_names: dict[int, str], now: datetime) -> list[Change]:
    values = {name: draft[name] for name in ("kind", "title", "title_en", "description", "starts_at", "ends_at",
                                              "venue_id", "capacity", "signup_required")}
    speakers = json.loads(draft["speakers"])
    after = _state(values, zone, venue_names)
    if draft["session_id"] is None:
        if draft["removed"]:
            return []
        session_id = await store.insert(t.sessions.insert().values(
            event_id=event_id, key=f"added-{secrets.token_hex(5)}", sequence=0, created_at=now, updated_at=now,
            **values).returning(t.sessions.c.id))
        await _set_speakers(store, session_id, speakers)
        return differences(session_id, None, after)
    row = await store.fetch_one(sa.select(t.sessions).where(t.sessions.c.id == draft["session_id"]))
    if row is None or row["cancelled_at"] is not None:
        return []  # cancelled meanwhile (a re-import): the draft has nothing left to change
    before = _state(row, zone, venue_names)
    session_id = int(row["id"])
    if draft["removed"]:
        if draft_event:
            await store.execute(t.sessions.delete().where(t.sessions.c.id == session_id))
        else:
            await store.execute(t.sessions.update().where(t.sessions.c.id == session_id).values(
                cancelled_at=now, updated_at=now, sequence=next_sequence(row, None)))
        return differences(session_id, before, None)
    changes = differences(session_id, before, after)
    if row["starts_at"] != values["starts_at"]:
        await _move_bus(store, session_id, old_start=row["starts_at"], new_start=values["starts_at"])
    if any(row[name] != value for name, value in values.items()):
        await store.execute(t.sessions.update().where(t.sessions.c.id == session_id).values(
            **values, updated_at=now, sequence=next_sequence(row, values)))
    await _set_speakers(store, session_id, speakers)
    return changes


async def _move_bus(store: Store, session_id: int, *, old_start: datetime, new_start: datetime) -> None:
    """A moved site visit takes its bus times with it."""
    bus = await store.fetch_one(sa.select(t.visit_details.c.departs_at, t.visit_details.c.returns_at)
                                .where(t.visit_details.c.session_id == session_id))
    if bus is None or (bus["departs_at"] is None and bus["returns_at"] is None):
        return
    departs, returns = follow_move(bus["departs_at"], bus["returns_at"], old_start=old_start, new_start=new_start)
    await store.execute(t.visit_details.update().where(t.visit_details.c.session_id == session_id)
                        .values(departs_at=departs, returns_at=returns))


async def _moved_buses(store: Store, changes: Sequence[Change], zone: ZoneInfo) -> dict[int, VisitBus]:
    moved = sorted({c.session_id for c in changes if c.kind is ChangeKind.MOVED and c.session_id is not None})
    if not moved:
        return {}
    rows = await store.fetch_all(
        sa.select(t.sessions.c.id, t.sessions.c.title, t.sessions.c.title_en, t.visit_details.c.departs_at,
                  t.visit_details.c.returns_at, t.visit_details.c.meeting_point)
        .join(t.visit_details, t.visit_details.c.session_id == t.sessions.c.id)
        .where(t.sessions.c.id.in_(moved), t.visit_details.c.departs_at.is_not(None)))
    return {row["id"]: VisitBus(
        session_id=row["id"], title=row["title"], title_en=row["title_en"],
        departs_at=row["departs_at"].astimezone(zone),
        returns_at=row["returns_at"].astimezone(zone) if row["returns_at"] else None,
        meeting_point=row["meeting_point"]) for row in rows}


def bus_lines(buses: Sequence[VisitBus]) -> list[str]:
    """«Bus to …: leaves at 10:30 from …, returns about 12:30», in the current language."""
    result = []
    for bus in buses:
        line = i18n.gettext("Bus to «%(visit)s»: leaves at %(departs)s") % {
            "visit": event_title(bus), "departs": i18n.format_clock(bus.departs_at)}
        if bus.meeting_point:
            line += " " + i18n.gettext("from %(place)s") % {"place": bus.meeting_point}
        if bus.returns_at:
            line += ", " + i18n.gettext("returns about %(returns)s") % {"returns": i18n.format_clock(bus.returns_at)}
        result.append(line)
    return result


async def _seat_waiting(store: Store, settings: Settings, event: EventView, changes: Sequence[Change], *,
                        now: datetime) -> None:
    """More places in a session: the first in its waiting line get them, as when someone cancels."""
    grown = {c.session_id for c in changes if c.kind is ChangeKind.CAPACITY and c.session_id is not None
             and (c.new is None or (c.old is not None and int(c.new) > int(c.old)))}
    if not grown:
        return
    await places.lock_event(store, event.id)  # places are handed out one transaction per event
    for promotion in await places.promote_sessions(store, grown, now=now):
        await letters.promoted(store, settings, promotion, now=now)


async def _set_speakers(store: Store, session_id: int, speakers: list[int]) -> None:
    await store.execute(t.session_speakers.delete().where(t.session_speakers.c.session_id == session_id))
    for position, person_id in enumerate(speakers):
        await store.execute(t.session_speakers.insert().values(session_id=session_id, person_id=person_id,
                                                               position=position))


async def tell_cancelled(store: Store, settings: Settings, slug: str, sessions: Sequence[Row],
                         registration_ids: Collection[int], *, now: datetime) -> int:
    """Sessions cancelled outside publishing (a re-imported file that leaves them out), given as
    their rows before the cancellation: these delegates get the letter a published cancellation
    sends. Gives how many letters were queued."""
    event = await get_event(store, slug, include_drafts=True)
    zone = ZoneInfo(event.timezone)
    changes = [change for row in sessions for change in differences(row["id"], _state(row, zone, {}), None)]
    return await _tell_delegates(store, settings, event, sort_changes(changes), now=now, only=registration_ids)


async def _tell_delegates(store: Store, settings: Settings, event: EventView, changes: Sequence[Change], *,
                          now: datetime, only: Collection[int] | None = None) -> int:
    """One letter per delegate whose chosen sessions changed, listing only those changes; with
    `only`, to those of them alone."""
    by_session: dict[int, list[Change]] = {}
    for change in changes:
        if change.kind in NOTIFIED and change.session_id is not None:
            by_session.setdefault(change.session_id, []).append(change)
    if not by_session or (only is not None and not only):
        return 0
    buses = await _moved_buses(store, changes, ZoneInfo(event.timezone))
    query = (
        sa.select(t.registrations, t.registration_choices.c.session_id.label("chosen"))
        .join(t.registration_choices, t.registration_choices.c.registration_id == t.registrations.c.id)
        .where(t.registrations.c.event_id == event.id, t.registration_choices.c.session_id.in_(sorted(by_session)),
               t.registrations.c.status.in_(TOLD_OF_CHANGES), t.registrations.c.erased_at.is_(None),
               t.registrations.c.email.is_not(None))
        .order_by(t.registrations.c.id, t.registration_choices.c.session_id))
    if only is not None:
        query = query.where(t.registrations.c.id.in_(sorted(only)))
    rows = await store.fetch_all(query)
    people: dict[int, tuple[Row, list[Change], list[VisitBus]]] = {}
    for row in rows:
        person = people.setdefault(row["id"], (row, [], []))
        person[1].extend(by_session[row["chosen"]])
        if row["chosen"] in buses:
            person[2].append(buses[row["chosen"]])
    chosen = await _chosen_sessions(store, list(people))
    for registration_id, (row, theirs, their_buses) in people.items():
        clashes = overlaps_among(chosen.get(registration_id, []), set(by_session))
        message = change_letter(settings, event, row, sort_changes(theirs), now=now, buses=their_buses,
                                clashes=clashes)
        await outbox.enqueue(store, message, now=now, registration_id=registration_id)
    return len(people)


async def _chosen_sessions(store: Store, registration_ids: list[int]) -> dict[int, list[PlannedSession]]:
    """Registration id → the sessions it holds a place or a place in line for, as now published."""
    result: dict[int, list[PlannedSession]] = {}
    for start in range(0, len(registration_ids), 500):
        rows = await store.fetch_all(
            sa.select(t.registration_choices.c.registration_id, t.sessions)
            .join(t.sessions, t.sessions.c.id == t.registration_choices.c.session_id)
            .where(t.registration_choices.c.registration_id.in_(registration_ids[start:start + 500]),
                   t.sessions.c.cancelled_at.is_(None)))
        for row in rows:
            result.setdefault(row["registration_id"], []).append(PlannedSession(
                ref=f"s{row['id']}", title=row["title"], kind=row["kind"], starts_at=row["starts_at"],
                ends_at=row["ends_at"], session_id=row["id"], title_en=row["title_en"]))
    return result


def clash_lines(clashes: Sequence[tuple[PlannedSession, PlannedSession]], zone: ZoneInfo) -> list[str]:
    """«A» (1 April, 10:00–11:30) and «B» (11:00–12:00), in the current language."""
    def when(session: PlannedSession) -> str:
        starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        return f"{i18n.format_day(starts.date())}, {i18n.format_clock(starts)}–{i18n.format_clock(ends)}"

    return [i18n.gettext("«%(first)s» (%(first_when)s) and «%(second)s» (%(second_when)s)") % {
        "first": event_title(a), "first_when": when(a), "second": event_title(b), "second_when": when(b)}
        for a, b in clashes]


def change_letter(settings: Settings, event: EventView, registration: Row, changes: Sequence[Change], *,
                  now: datetime, buses: Sequence[VisitBus] = (),
                  clashes: Sequence[tuple[PlannedSession, PlannedSession]] = ()) -> EmailMessage:
    with i18n.language(registration["language"]):
        title = event_title(event)
        token = sign_cabinet_link(settings.secret_key, registration_id=registration["id"],
                                  link_version=registration["link_version"], now=now)
        context = {
            "given_name": registration["given_name"] or "", "patronymic": registration["patronymic"] or "",
            "event_title": title, "changes": lines(changes), "buses": bus_lines(buses),
            "clashes": clash_lines(clashes, ZoneInfo(event.timezone)),
            "dates": i18n.format_date_range(event.starts_on, event.ends_on),
            "agenda_url": f"{settings.base_url}/events/{event.slug}/agenda",
            "changes_url": f"{settings.base_url}/events/{event.slug}/changes",
            "cabinet_url": f"{settings.base_url}/cabinet/{token}",
            "calendar_url": letters.personal_calendar_url(settings, registration["calendar_token"]),
        }
        text = render("agenda_changes.txt", context)
        html = render("agenda_changes.html", context)
        subject = i18n.gettext(SUBJECT) % {"event": title}
    name = full_name(registration["surname"], registration["given_name"], registration["patronymic"])
    return compose(sender=settings.mail_from, recipient=mailbox(name, registration["email"]), subject=subject,
                   text=text, html=html, date=now)


async def versions(store: Store, event: EventView) -> list[Version]:
    rows = await store.fetch_all(sa.select(t.agenda_publications).where(t.agenda_publications.c.event_id == event.id)
                                 .order_by(t.agenda_publications.c.number.desc()))
    return [_version(row) for row in rows]


async def version(store: Store, event: EventView, number: int) -> Version:
    row = await store.fetch_one(sa.select(t.agenda_publications).where(
        t.agenda_publications.c.event_id == event.id, t.agenda_publications.c.number == number))
    if row is None:
        raise NotFound(N_("No such version of the programme"))
    return _version(row)


def _version(row: Row) -> Version:
    return Version(number=row["number"], published_at=row["published_at"], actor=row["actor"],
                   changes=tuple(Change.from_json(c) for c in json.loads(row["changes"])), mailed=row["mailed"])
