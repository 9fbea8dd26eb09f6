"""Site visits as stored: their meeting point, buses and requirements, read for pages and files.

`sync_visit` stores what an agenda file says about a visit; the rest reads it back for the
organiser's pages, the delegate's ticket, cabinet and calendar, and the agenda export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.agenda import SessionKind, to_local, to_utc
from events_app.domain.errors import N_, NotFound
from events_app.domain.registration import HOLDING_PLACES, ChoiceStatus
from events_app.domain.site_visits import (
    Requirement,
    TransportGroup,
    TransportKind,
    VisitDetails,
    bus_label,
    follow_move,
    map_link,
    requirement_texts,
)


@dataclass(frozen=True)
class GroupView:
    id: int
    key: str
    name: str
    kind: str
    seats: int
    plate: str | None
    curator_name: str | None
    curator_phone: str | None
    taken: int = 0

    @property
    def label(self) -> str:
        return bus_label(self.name, self.plate)

    @property
    def checkin_list(self) -> str:
        return f"bus-{self.id}"


@dataclass(frozen=True)
class VisitView:
    session_id: int
    event_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    venue_name: str | None
    venue_address: str | None
    host_name: str | None
    meeting_point: str | None
    meeting_address: str | None
    meeting_note: str | None
    map_url: str | None
    departs_at: datetime | None
    returns_at: datetime | None
    requirements: tuple[str, ...]
    minimum_age: int | None
    groups: tuple[GroupView, ...]
    confirmed: int = 0
    title_en: str | None = None

    @property
    def seats(self) -> int:
        return sum(group.seats for group in self.groups)

    @property
    def seated(self) -> int:
        return sum(group.taken for group in self.groups)

    @property
    def requires_passport(self) -> bool:
        return Requirement.PASSPORT.value in self.requirements

    def requirement_labels(self) -> list[str]:
        return requirement_texts(self.requirements, self.minimum_age, i18n.gettext)


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(code for code in (text or "").split() if code in Requirement.__members__.values())


async def follow_file_move(store: Store, session_id: int, visit: VisitDetails, *, old_start: datetime,
                           new_start: datetime, new_end: datetime, timezone: str) -> VisitDetails:
    """The bus times to store for a re-imported visit. A file that moves a visit but keeps its
    old bus times moves the bus too; so does a later import of that same file, whose bus would
    now leave after the visit starts. Bus times the file itself changed are taken as written."""
    stored = await store.fetch_one(sa.select(t.visit_details.c.departs_at, t.visit_details.c.returns_at)
                                   .where(t.visit_details.c.session_id == session_id))
    if stored is None:
        return visit
    in_file = (to_utc(visit.departs_at, timezone) if visit.departs_at else None,
               to_utc(visit.returns_at, timezone) if visit.returns_at else None)
    kept = follow_move(stored["departs_at"], stored["returns_at"], old_start=old_start, new_start=new_start)
    if in_file == (stored["departs_at"], stored["returns_at"]):
        departs, returns = kept
    elif _bus_fits(in_file, new_start, new_end) or not _bus_fits(kept, new_start, new_end):
        return visit
    else:
        departs, returns = kept
    return replace(visit, departs_at=to_local(departs, timezone) if departs else None,
                   returns_at=to_local(returns, timezone) if returns else None)


def _bus_fits(bus: tuple[datetime | None, datetime | None], starts_at: datetime, ends_at: datetime) -> bool:
    departs, returns = bus
    return (departs is None or departs <= starts_at) and (returns is None or returns >= ends_at)


@dataclass(frozen=True)
class ShrunkBus:
    """A bus that a file gives fewer seats than the delegates seated on it: it is kept as it was."""

    group: GroupView  # as stored, with its riders counted
    position: int     # its place among the visit's buses in the file
    seats: int        # the seats the file gives it


@dataclass(frozen=True)
class BusChanges:
    """What storing a visit from an agenda file did to its buses, each named by its label.
    `still_seated` are buses the file leaves out that delegates are seated on, `shrunk` buses it
    gives fewer seats than that: both are kept, and the import refuses the file
    (`importer.SeatedBusesRefused`), so nobody loses a seat unawares. `retold` are the ids of kept
    buses whose name, plate or curator changed: their riders are to be told."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    still_seated: tuple[GroupView, ...] = ()
    shrunk: tuple[ShrunkBus, ...] = ()
    retold: tuple[int, ...] = ()


# A bus's order among the visit's buses is written back, but it is no change to report: removing
# «Автобус 1» moves every bus after it up one place.
_REPORTED = ("kind", "name", "seats", "plate", "curator_name", "curator_phone")
# What a rider reads at the bus door and phones: a change to these is mailed to the bus's riders,
# whether the workspace or a re-imported file makes it.
SEEN_BY_RIDERS = ("name", "plate", "curator_name", "curator_phone")


async def sync_visit(store: Store, session_id: int, visit: VisitDetails | None, *,
                     organisation_ids: Mapping[str, int], timezone: str) -> BusChanges:
    """Store the visit part of an imported session; transport groups are matched by key, so a
    re-import keeps the seats of the buses it keeps. A bus left out goes with its seats, unless
    delegates are seated on it (`BusChanges.still_seated`); a bus the file gives fewer seats than
    its riders keeps its stored values (`BusChanges.shrunk`)."""
    stored = {row["key"]: row for row in await store.fetch_all(
        sa.select(t.transport_groups).where(t.transport_groups.c.session_id == session_id))}
    if visit is None:
        gone = await _remove_buses(store, session_id, [row["id"] for row in stored.values()])
        if not gone.still_seated:
            await store.execute(t.visit_details.delete().where(t.visit_details.c.session_id == session_id))
        return gone
    values = {
        "host_organisation_id": organisation_ids.get(visit.host_key) if visit.host_key else None,
        "meeting_point": visit.meeting_point, "meeting_address": visit.meeting_address,
        "meeting_latitude": visit.meeting_latitude, "meeting_longitude": visit.meeting_longitude,
        "meeting_note": visit.meeting_note,
        "departs_at": to_utc(visit.departs_at, timezone) if visit.departs_at else None,
        "returns_at": to_utc(visit.returns_at, timezone) if visit.returns_at else None,
        "requirements": " ".join(code.value for code in visit.requirements), "minimum_age": visit.minimum_age,
    }
    existing = await store.fetch_one(sa.select(t.visit_details).where(t.visit_details.c.session_id == session_id))
    if existing is None:
        await store.execute(t.visit_details.insert().values(session_id=session_id, **values))
    elif any(existing[name] != value for name, value in values.items()):
        await store.execute(t.visit_details.update().where(t.visit_details.c.session_id == session_id).values(**values))
    counted = {group.id: group for group in (await _groups(store, [session_id])).get(session_id, [])}
    added: list[str] = []
    changed: list[str] = []
    shrunk: list[ShrunkBus] = []
    retold: list[int] = []
    for position, group in enumerate(visit.transport):
        group_values = {"kind": group.kind.value, "name": group.name, "seats": group.seats, "plate": group.plate,
                        "curator_name": group.curator_name, "curator_phone": group.curator_phone, "position": position}
        row = stored.pop(group.key, None)
        if row is None:
            await store.execute(t.transport_groups.insert()
                                .values(session_id=session_id, key=group.key, **group_values))
            added.append(group.label)
        elif group.seats < counted[row["id"]].taken:
            shrunk.append(ShrunkBus(counted[row["id"]], position, group.seats))
        elif any(row[name] != value for name, value in group_values.items()):
            await store.execute(t.transport_groups.update().where(t.transport_groups.c.id == row["id"])
                                .values(**group_values))
            if any(row[name] != group_values[name] for name in _REPORTED):
                changed.append(group.label)
            if any(row[name] != group_values[name] for name in SEEN_BY_RIDERS):
                retold.append(int(row["id"]))
    gone = await _remove_buses(store, session_id, [row["id"] for row in stored.values()])
    return replace(gone, added=tuple(added), changed=tuple(changed), shrunk=tuple(shrunk), retold=tuple(retold))


async def _remove_buses(store: Store, session_id: int, group_ids: list[int]) -> BusChanges:
    """Remove these buses of a visit with their seats, except those delegates are seated on."""
    if not group_ids:
        return BusChanges()
    buses = [group for group in (await _groups(store, [session_id])).get(session_id, []) if group.id in group_ids]
    empty = [group for group in buses if not group.taken]
    if empty:
        # Seats of delegates who have since cancelled still point at the bus; they go with it.
        gone = [group.id for group in empty]
        await store.execute(t.transport_seats.delete().where(t.transport_seats.c.group_id.in_(gone)))
        await store.execute(t.transport_groups.delete().where(t.transport_groups.c.id.in_(gone)))
    return BusChanges(removed=tuple(group.label for group in empty),
                      still_seated=tuple(group for group in buses if group.taken))


async def details_for_export(store: Store, event_id: int, timezone: str) -> dict[int, VisitDetails]:
    """Session id → the visit part of the agenda file, for `agenda_export`."""
    rows = await store.fetch_all(
        sa.select(t.visit_details, t.organisations.c.key.label("host_key"))
        .join(t.sessions, t.sessions.c.id == t.visit_details.c.session_id)
        .outerjoin(t.organisations, t.organisations.c.id == t.visit_details.c.host_organisation_id)
        .where(t.sessions.c.event_id == event_id))
    groups = await _groups(store, [row["session_id"] for row in rows])
    return {row["session_id"]: VisitDetails(
        host_key=row["host_key"], meeting_point=row["meeting_point"], meeting_address=row["meeting_address"],
        meeting_latitude=row["meeting_latitude"], meeting_longitude=row["meeting_longitude"],
        meeting_note=row["meeting_note"],
        departs_at=to_local(row["departs_at"], timezone) if row["departs_at"] else None,
        returns_at=to_local(row["returns_at"], timezone) if row["returns_at"] else None,
        requirements=tuple(Requirement(code) for code in _codes(row["requirements"])),
        minimum_age=row["minimum_age"],
        transport=tuple(TransportGroup(key=g.key, name=g.name, seats=g.seats, kind=TransportKind(g.kind), plate=g.plate,
                                       curator_name=g.curator_name, curator_phone=g.curator_phone)
                        for g in groups.get(row["session_id"], ())),
    ) for row in rows}


def seated_condition() -> Any:
    """Seats that count: their delegate still holds a confirmed place on the visit."""
    return sa.and_(
        t.registrations.c.status.in_(HOLDING_PLACES),
        sa.exists().where(t.registration_choices.c.registration_id == t.transport_seats.c.registration_id,
                          t.registration_choices.c.session_id == t.transport_seats.c.session_id,
                          t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value))


async def _groups(store: Store, session_ids: Iterable[int]) -> dict[int, list[GroupView]]:
    ids = list(session_ids)
    if not ids:
        return {}
    taken = await store.fetch_pairs(
        sa.select(t.transport_seats.c.group_id, sa.func.count())
        .join(t.registrations, t.registrations.c.id == t.transport_seats.c.registration_id)
        .where(t.transport_seats.c.session_id.in_(ids), seated_condition())
        .group_by(t.transport_seats.c.group_id))
    result: dict[int, list[GroupView]] = {}
    for row in await store.fetch_all(sa.select(t.transport_groups).where(t.transport_groups.c.session_id.in_(ids))
                                     .order_by(t.transport_groups.c.session_id, t.transport_groups.c.position)):
        result.setdefault(row["session_id"], []).append(GroupView(
            id=row["id"], key=row["key"], name=row["name"], kind=row["kind"], seats=row["seats"], plate=row["plate"],
            curator_name=row["curator_name"], curator_phone=row["curator_phone"], taken=int(taken.get(row["id"], 0))))
    return result


def _visit_query() -> sa.Select[Any]:
    host = t.organisations.alias("host")
    return (sa.select(t.sessions.c.id, t.sessions.c.event_id, t.sessions.c.title, t.sessions.c.title_en,
                      t.sessions.c.starts_at,
                      t.sessions.c.ends_at, t.sessions.c.capacity, t.venues.c.name.label("venue_name"),
                      t.venues.c.address.label("venue_address"), t.venues.c.latitude, t.venues.c.longitude,
                      host.c.name.label("host_name"), t.visit_details)
            # A visit drafted in the agenda builder has no details until the organiser adds a bus or times.
            .outerjoin(t.visit_details, t.visit_details.c.session_id == t.sessions.c.id)
            .outerjoin(t.venues, t.venues.c.id == t.sessions.c.venue_id)
            .outerjoin(host, host.c.id == t.visit_details.c.host_organisation_id)
            .where(t.sessions.c.cancelled_at.is_(None),
                   sa.or_(t.sessions.c.kind == SessionKind.SITE_VISIT.value, t.visit_details.c.session_id.is_not(None)))
            .order_by(t.sessions.c.starts_at, t.sessions.c.id))


async def _views(store: Store, rows: list[Row]) -> list[VisitView]:
    groups = await _groups(store, [row["id"] for row in rows])
    confirmed = await store.fetch_pairs(
        sa.select(t.registration_choices.c.session_id, sa.func.count())
        .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
        .where(t.registration_choices.c.session_id.in_([row["id"] for row in rows] or [0]),
               t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value,
               t.registrations.c.status.in_(HOLDING_PLACES))
        .group_by(t.registration_choices.c.session_id))
    return [VisitView(
        session_id=row["id"], event_id=row["event_id"], title=row["title"], starts_at=row["starts_at"],
        ends_at=row["ends_at"], capacity=row["capacity"], venue_name=row["venue_name"],
        venue_address=row["venue_address"], host_name=row["host_name"], meeting_point=row["meeting_point"],
        meeting_address=row["meeting_address"], meeting_note=row["meeting_note"],
        map_url=map_link(row["meeting_latitude"], row["meeting_longitude"]),
        departs_at=row["departs_at"], returns_at=row["returns_at"], requirements=_codes(row["requirements"]),
        minimum_age=row["minimum_age"], groups=tuple(groups.get(row["id"], ())),
        confirmed=int(confirmed.get(row["id"], 0)), title_en=row["title_en"]) for row in rows]


async def list_visits(store: Store, event_id: int) -> list[VisitView]:
    return await _views(store, await store.fetch_all(_visit_query().where(t.sessions.c.event_id == event_id)))


async def get_visit(store: Store, event_id: int, session_id: int) -> VisitView:
    rows = await store.fetch_all(_visit_query().where(t.sessions.c.event_id == event_id, t.sessions.c.id == session_id))
    if not rows:
        raise NotFound(N_("This event has no site visit of that number"))
    return (await _views(store, rows))[0]


async def visits_by_session(store: Store, session_ids: Iterable[int]) -> dict[int, VisitView]:
    """Visits among these sessions, for the registration form and the session page."""
    ids = list(session_ids)
    if not ids:
        return {}
    return {view.session_id: view for view in await _views(
        store, await store.fetch_all(_visit_query().where(t.sessions.c.id.in_(ids))))}


@dataclass(frozen=True)
class DelegateVisit:
    """A visit as one delegate goes on it: their bus, where and when it leaves (local times)."""

    visit: VisitView
    group: GroupView | None
    day: date
    departs: datetime | None
    returns: datetime | None

    def requirement_labels(self) -> list[str]:
        return self.visit.requirement_labels()


async def delegate_visits(store: Store, registration_id: int) -> list[DelegateVisit]:
    """The visits a delegate holds a confirmed place on, with their seat if they have one."""
    session_ids = [row["session_id"] for row in await store.fetch_all(
        sa.select(t.registration_choices.c.session_id).where(
            t.registration_choices.c.registration_id == registration_id,
            t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value))]
    visits = await visits_by_session(store, session_ids)
    if not visits:
        return []
    zone = ZoneInfo(await store.fetch_val(
        sa.select(t.events.c.timezone).join(t.registrations, t.registrations.c.event_id == t.events.c.id)
        .where(t.registrations.c.id == registration_id)))
    seats = await store.fetch_pairs(sa.select(t.transport_seats.c.session_id, t.transport_seats.c.group_id)
                                    .where(t.transport_seats.c.registration_id == registration_id))
    result = []
    for session_id, visit in sorted(visits.items(), key=lambda item: item[1].starts_at):
        group = next((g for g in visit.groups if g.id == seats.get(session_id)), None)
        result.append(DelegateVisit(
            visit, group, visit.starts_at.astimezone(zone).date(),
            visit.departs_at.astimezone(zone) if visit.departs_at else None,
            visit.returns_at.astimezone(zone) if visit.returns_at else None))
    return result


async def feed_lines(store: Store, registration_id: int) -> dict[int, tuple[str, ...]]:
    """Lines for the delegate's own calendar (always in Russian, like every feed): their bus, the
    departure time and the meeting point with a map link."""
    result: dict[int, tuple[str, ...]] = {}
    for item in await delegate_visits(store, registration_id):
        visit, group, lines = item.visit, item.group, []
        if group is not None:
            curator = ", ".join(filter(None, (group.curator_name, group.curator_phone)))
            lines.append(f"Автобус: {group.label}" + (f", куратор {curator}" if curator else ""))
        if item.departs is not None:
            lines.append(f"Отправление: {item.departs:%H:%M}"
                         + (f", возвращение около {item.returns:%H:%M}" if item.returns else ""))
        place = ", ".join(filter(None, (visit.meeting_point, visit.meeting_address)))
        if place:
            lines.append(f"Место сбора: {place}" + (f" ({visit.meeting_note})" if visit.meeting_note else ""))
        if visit.map_url:
            lines.append(f"На карте: {visit.map_url}")
        result[visit.session_id] = tuple(lines)
    return result
