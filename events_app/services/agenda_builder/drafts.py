"""The organiser's working copy of an agenda: published sessions merged with unpublished drafts.

Public pages and feeds read `sessions`; every edit here goes to `session_drafts` (one row per
session holding all its fields) until `publishing.publish` applies them. A session is named by
its `ref`: `s<id>` for a published one, `d<id>` for one that so far exists only as a draft.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.agenda import SessionKind, to_utc
from events_app.domain.conflicts import Conflict, Place, PlannedSession, find_conflicts
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.registration import STILL_COMING, ChoiceStatus
from events_app.domain.site_visits import follow_move
from events_app.domain.staff import StaffMember
from events_app.services.programme.catalogue import EventView
from events_app.services.staff import audit


@dataclass(frozen=True)
class VenueOption:
    id: int
    name: str
    kind: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class PersonOption:
    id: int
    name: str


@dataclass(frozen=True)
class SessionFields:
    """What the organiser edits; times are aware UTC."""

    kind: str
    title: str
    title_en: str | None
    description: str | None
    starts_at: datetime
    ends_at: datetime
    venue_id: int | None
    capacity: int | None
    signup_required: bool
    speaker_ids: tuple[int, ...]


@dataclass(frozen=True)
class PlannedItem:
    ref: str
    status: str  # published | changed | new | removed
    session_id: int | None
    fields: SessionFields
    starts_at: datetime  # in the event's zone
    ends_at: datetime
    confirmed: int = 0

    @property
    def day(self) -> date:
        return self.starts_at.date()

    @property
    def drafted(self) -> bool:
        return self.status != "published"

    def __getattr__(self, name: str) -> Any:
        # Templates read `item.title`, `item.venue_id`, … straight from the fields.
        if name.startswith("_") or name == "fields":
            raise AttributeError(name)
        return getattr(self.fields, name)


@dataclass(frozen=True)
class Workspace:
    event: EventView
    venues: tuple[VenueOption, ...]
    people: tuple[PersonOption, ...]
    items: tuple[PlannedItem, ...]       # what the agenda will be once published
    removed: tuple[PlannedItem, ...]     # published sessions a draft removes
    conflicts: tuple[Conflict, ...]

    @property
    def has_drafts(self) -> bool:
        return bool(self.removed) or any(item.drafted for item in self.items)

    def conflicts_of(self, ref: str) -> list[Conflict]:
        return [c for c in self.conflicts if ref in c.refs]

    def venue_name(self, venue_id: int | None) -> str | None:
        return next((v.name for v in self.venues if v.id == venue_id), None)


def _fields(row: Mapping[str, Any], speakers: Sequence[int]) -> SessionFields:
    return SessionFields(kind=row["kind"], title=row["title"], title_en=row["title_en"],
                         description=row["description"], starts_at=row["starts_at"], ends_at=row["ends_at"],
                         venue_id=row["venue_id"], capacity=row["capacity"],
                         signup_required=bool(row["signup_required"]), speaker_ids=tuple(speakers))


async def load_workspace(store: Store, event: EventView) -> Workspace:
    venues = tuple(VenueOption(id=r["id"], name=r["name"], kind=r["kind"], latitude=r["latitude"],
                               longitude=r["longitude"]) for r in await store.fetch_all(
        sa.select(t.venues).where(t.venues.c.event_id == event.id).order_by(t.venues.c.id)))
    people = tuple(PersonOption(id=r["id"], name=r["name"]) for r in await store.fetch_all(
        sa.select(t.people.c.id, t.people.c.name).where(t.people.c.event_id == event.id).order_by(t.people.c.name)))
    sessions = await store.fetch_all(sa.select(t.sessions).where(
        t.sessions.c.event_id == event.id, t.sessions.c.cancelled_at.is_(None)))
    speakers: dict[int, list[int]] = {}
    for row in await store.fetch_all(
            sa.select(t.session_speakers).join(t.sessions, t.sessions.c.id == t.session_speakers.c.session_id)
            .where(t.sessions.c.event_id == event.id).order_by(t.session_speakers.c.position)):
        speakers.setdefault(row["session_id"], []).append(row["person_id"])
    drafts = await store.fetch_all(sa.select(t.session_drafts).where(t.session_drafts.c.event_id == event.id)
                                   .order_by(t.session_drafts.c.id))
    confirmed, choices = await _signups(store, event.id)
    zone = ZoneInfo(event.timezone)
    by_session = {row["session_id"]: row for row in drafts if row["session_id"] is not None}
    buses = await _bus_times(store, event.id)

    def item(ref: str, status: str, session_id: int | None, fields: SessionFields) -> PlannedItem:
        return PlannedItem(ref=ref, status=status, session_id=session_id, fields=fields,
                           starts_at=fields.starts_at.astimezone(zone), ends_at=fields.ends_at.astimezone(zone),
                           confirmed=confirmed.get(session_id, 0) if session_id is not None else 0)

    items: list[PlannedItem] = []
    removed: list[PlannedItem] = []
    planned_buses: dict[str, tuple[datetime | None, datetime | None]] = {}
    for row in sessions:
        draft = by_session.get(row["id"])
        if row["id"] in buses:
            # A drafted move takes the bus with it, as publishing will.
            planned_buses[f"s{row['id']}"] = follow_move(
                *buses[row["id"]], old_start=row["starts_at"],
                new_start=draft["starts_at"] if draft is not None else row["starts_at"])
        if draft is None:
            items.append(item(f"s{row['id']}", "published", row["id"], _fields(row, speakers.get(row["id"], []))))
            continue
        planned = item(f"s{row['id']}", "removed" if draft["removed"] else "changed", row["id"],
                       _fields(draft, json.loads(draft["speakers"])))
        (removed if draft["removed"] else items).append(planned)
    for draft in drafts:
        if draft["session_id"] is None and not draft["removed"]:
            items.append(item(f"d{draft['id']}", "new", None, _fields(draft, json.loads(draft["speakers"]))))
    items.sort(key=lambda i: (i.fields.starts_at, i.fields.ends_at, i.ref))
    conflicts = find_conflicts(
        [PlannedSession(ref=i.ref, title=i.fields.title, kind=i.fields.kind, starts_at=i.fields.starts_at,
                        ends_at=i.fields.ends_at, venue_id=i.fields.venue_id, capacity=i.fields.capacity,
                        speaker_ids=i.fields.speaker_ids, session_id=i.session_id,
                        departs_at=planned_buses.get(i.ref, (None, None))[0],
                        returns_at=planned_buses.get(i.ref, (None, None))[1]) for i in items],
        venues={v.id: Place(v.id, v.name, v.latitude, v.longitude) for v in venues}, days=event.days,
        timezone=event.timezone, speaker_names={p.id: p.name for p in people}, choices=choices,
        confirmed=confirmed, visit_travel_minutes=await store.fetch_val(
            sa.select(t.events.c.visit_travel_minutes).where(t.events.c.id == event.id)))
    return Workspace(event=event, venues=venues, people=people, items=tuple(items), removed=tuple(removed),
                     conflicts=tuple(conflicts))


async def _bus_times(store: Store, event_id: int) -> dict[int, tuple[datetime | None, datetime | None]]:
    """Session id → the departure and return of its visit's bus, where it has one."""
    rows = await store.fetch_all(
        sa.select(t.visit_details.c.session_id, t.visit_details.c.departs_at, t.visit_details.c.returns_at)
        .join(t.sessions, t.sessions.c.id == t.visit_details.c.session_id)
        .where(t.sessions.c.event_id == event_id))
    return {row["session_id"]: (row["departs_at"], row["returns_at"]) for row in rows
            if row["departs_at"] is not None or row["returns_at"] is not None}


async def _signups(store: Store, event_id: int) -> tuple[dict[int, int], dict[int, frozenset[int]]]:
    """Confirmed places per session, and every active registration's chosen sessions."""
    rows = await store.fetch_all(
        sa.select(t.registration_choices.c.registration_id, t.registration_choices.c.session_id,
                  t.registration_choices.c.status)
        .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
        .where(t.registrations.c.event_id == event_id, t.registrations.c.status.in_(STILL_COMING),
               t.registrations.c.erased_at.is_(None)))
    confirmed: dict[int, int] = {}
    chosen: dict[int, set[int]] = {}
    for row in rows:
        if row["status"] == ChoiceStatus.CONFIRMED:
            confirmed[row["session_id"]] = confirmed.get(row["session_id"], 0) + 1
        chosen.setdefault(row["registration_id"], set()).add(row["session_id"])
    return confirmed, {key: frozenset(value) for key, value in chosen.items()}


def find_item(workspace: Workspace, ref: str) -> PlannedItem:
    found = next((i for i in (*workspace.items, *workspace.removed) if i.ref == ref), None)
    if found is None:
        raise NotFound(N_("No such session in this event's programme"))
    return found


def _parse_clock(value: str) -> time | None:
    try:
        return time.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def parse_session_form(data: Mapping[str, str], speakers: Sequence[str], *, workspace: Workspace) -> SessionFields:
    """Check a session form; every problem is reported against its field at once."""
    errors: dict[str, str] = {}
    title = data.get("title", "").strip()
    if not title:
        errors["title"] = N_("Enter the title")
    kind = data.get("kind", "")
    if kind not in {k.value for k in SessionKind}:
        errors["kind"] = N_("Choose the kind of session")
    venue_id: int | None = None
    if data.get("venue", "").strip():
        try:
            venue_id = int(data["venue"])
        except ValueError:
            venue_id = -1
        if venue_id not in {v.id for v in workspace.venues}:
            errors["venue"] = N_("Choose one of the event's venues")
    day: date | None = None
    try:
        day = date.fromisoformat(data.get("day", "").strip())
    except ValueError:
        errors["day"] = N_("Enter the day as YYYY-MM-DD")
    start, end = _parse_clock(data.get("start", "")), _parse_clock(data.get("end", ""))
    if start is None:
        errors["start"] = N_("Enter the start as HH:MM")
    if end is None:
        errors["end"] = N_("Enter the end as HH:MM")
    elif start is not None and end <= start:
        errors["end"] = N_("The end must be after the start")
    capacity: int | None = None
    if data.get("capacity", "").strip():
        try:
            capacity = int(data["capacity"])
        except ValueError:
            capacity = 0
        if capacity <= 0 or capacity > 100_000:
            errors["capacity"] = N_("Places must be a whole number above zero, or left empty for no limit")
    people = {p.id for p in workspace.people}
    speaker_ids: list[int] = []
    for value in speakers:
        if not value.isdigit() or int(value) not in people:
            errors["speakers"] = N_("Choose speakers from the event's people")
            break
        if int(value) not in speaker_ids:
            speaker_ids.append(int(value))
    if errors:
        raise InvalidInput(N_("Check the highlighted fields"), fields=errors)
    assert day is not None and start is not None and end is not None
    zone = workspace.event.timezone
    return SessionFields(
        kind=kind, title=title, title_en=data.get("title_en", "").strip() or None,
        description=data.get("description", "").strip() or None,
        starts_at=to_utc(datetime.combine(day, start), zone), ends_at=to_utc(datetime.combine(day, end), zone),
        venue_id=venue_id, capacity=capacity, signup_required=data.get("signup_required") in ("on", "true", "1"),
        speaker_ids=tuple(speaker_ids))


def form_values(item: PlannedItem | None, *, day: date | None = None, start: str = "",
                venue: str = "") -> dict[str, str]:
    """A session form's fields as text: an existing session's, or a new one's from the grid cell."""
    if item is None:
        begin = _parse_clock(start) or time(10)
        finish = (datetime.combine(date.min, begin) + timedelta(hours=1)).time()
        # No day given: the field stays empty for the organiser to choose (never the server's today).
        return {"kind": "workshop", "day": day.isoformat() if day else "", "start": begin.strftime("%H:%M"),
                "end": finish.strftime("%H:%M"), "venue": venue, "title": "", "title_en": "", "description": "",
                "capacity": ""}
    f = item.fields
    return {"kind": f.kind, "title": f.title, "title_en": f.title_en or "", "description": f.description or "",
            "day": item.starts_at.date().isoformat(), "start": item.starts_at.strftime("%H:%M"),
            "end": item.ends_at.strftime("%H:%M"), "venue": str(f.venue_id or ""),
            "capacity": str(f.capacity or ""), "signup_required": "on" if f.signup_required else ""}


def _draft_values(fields: SessionFields) -> dict[str, Any]:
    return {"kind": fields.kind, "title": fields.title, "title_en": fields.title_en,
            "description": fields.description, "starts_at": fields.starts_at, "ends_at": fields.ends_at,
            "venue_id": fields.venue_id, "capacity": fields.capacity, "signup_required": fields.signup_required,
            "speakers": json.dumps(list(fields.speaker_ids))}


async def save_draft(store: Store, workspace: Workspace, ref: str | None, fields: SessionFields, *,
                     actor: StaffMember, now: datetime, ip: str | None = None, removed: bool = False) -> str:
    """Write `fields` as the draft of `ref` (None: a new session); gives the session's ref."""
    event = workspace.event
    values = {**_draft_values(fields), "removed": removed, "staff_id": actor.id, "updated_at": now}
    async with store.transaction():
        if ref is None:
            draft_id = await store.insert(t.session_drafts.insert().values(event_id=event.id, session_id=None, **values)
                                          .returning(t.session_drafts.c.id))
            ref = f"d{draft_id}"
        else:
            item = find_item(workspace, ref)
            if item.session_id is None:
                await store.execute(t.session_drafts.update().where(
                    t.session_drafts.c.id == int(ref[1:]), t.session_drafts.c.event_id == event.id).values(**values))
            else:
                updated = await store.fetch_val(sa.select(t.session_drafts.c.id).where(
                    t.session_drafts.c.session_id == item.session_id))
                if updated is None:
                    await store.execute(t.session_drafts.insert().values(
                        event_id=event.id, session_id=item.session_id, **values))
                else:
                    await store.execute(t.session_drafts.update().where(t.session_drafts.c.id == updated)
                                        .values(**values))
        await audit.record(store, actor=actor, action="agenda.draft_remove" if removed else "agenda.draft_save",
                           subject=fields.title, event_id=event.id, now=now, ip=ip,
                           details={"title": fields.title, "starts_at": fields.starts_at.isoformat(),
                                    "ends_at": fields.ends_at.isoformat(), "venue_id": fields.venue_id})
    return ref


async def place(store: Store, workspace: Workspace, ref: str, *, day: str, start: str, end: str,
                venue: str, actor: StaffMember, now: datetime, ip: str | None = None) -> str:
    """Move or resize a session on the grid: its other fields stay as they are."""
    item = find_item(workspace, ref)
    values = {**form_values(item), "day": day, "start": start, "end": end, "venue": venue}
    fields = parse_session_form(values, [str(s) for s in item.fields.speaker_ids], workspace=workspace)
    return await save_draft(store, workspace, ref, fields, actor=actor, now=now, ip=ip)


async def remove(store: Store, workspace: Workspace, ref: str, *, actor: StaffMember, now: datetime,
                 ip: str | None = None) -> None:
    """Mark a published session for removal; a session that exists only as a draft just goes."""
    item = find_item(workspace, ref)
    if item.session_id is None:
        async with store.transaction():
            await store.execute(t.session_drafts.delete().where(
                t.session_drafts.c.id == int(ref[1:]), t.session_drafts.c.event_id == workspace.event.id))
            await audit.record(store, actor=actor, action="agenda.draft_discard",
                               subject=item.fields.title, event_id=workspace.event.id, now=now, ip=ip,
                               details={"title": item.fields.title})
        return
    await save_draft(store, workspace, ref, item.fields, actor=actor, now=now, ip=ip, removed=True)


async def discard(store: Store, workspace: Workspace, ref: str | None, *, actor: StaffMember, now: datetime,
                  ip: str | None = None) -> int:
    """Throw away the draft of `ref` (None: every draft of the event); gives how many went."""
    event = workspace.event
    condition = [t.session_drafts.c.event_id == event.id]
    title = ""  # every draft of the event: the log's entry counts them instead of naming one
    if ref is not None:
        item = find_item(workspace, ref)
        title = item.fields.title
        condition.append(t.session_drafts.c.session_id == item.session_id if item.session_id is not None
                         else t.session_drafts.c.id == int(ref[1:]))
    async with store.transaction():
        count = int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.session_drafts).where(*condition)))
        await store.execute(t.session_drafts.delete().where(*condition))
        await audit.record(store, actor=actor, action="agenda.draft_discard", subject=title,
                           event_id=event.id, now=now, ip=ip, details={"drafts": count})
    return count

