"""The public programme: events, their agendas, sessions and venues, ready to show.

Times in these views are aware datetimes in the event's own zone, so pages and the API show
local wall-clock time with the right offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain import defences
from events_app.domain.agenda import EventStatus, SessionKind, to_utc
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.ics import google_calendar_link, place_text, session_text, speaker_line
from events_app.domain.regions import Region, region_by_code


@dataclass(frozen=True)
class OrganisationView:
    key: str
    name: str
    short_name: str | None
    inn: str | None
    website: str | None


@dataclass(frozen=True)
class EventView:
    id: int
    slug: str
    title: str
    title_en: str | None
    format: str
    city: str
    region: Region
    timezone: str
    starts_on: date
    ends_on: date
    status: str
    description: str | None
    organisers: tuple[OrganisationView, ...] = ()
    city_en: str | None = None
    partners: tuple[OrganisationView, ...] = ()
    # Whether the published programme has a site visit: an online programme shows no visits area.
    has_site_visits: bool = False

    @property
    def days(self) -> list[date]:
        return [self.starts_on + timedelta(days=n) for n in range((self.ends_on - self.starts_on).days + 1)]


@dataclass(frozen=True)
class VenueView:
    id: int
    key: str
    name: str
    kind: str
    address: str | None
    latitude: float | None
    longitude: float | None
    description: str | None
    host: OrganisationView | None


@dataclass(frozen=True)
class SpeakerView:
    name: str
    position: str | None
    organisation: str | None


@dataclass(frozen=True)
class SessionView:
    id: int
    key: str
    kind: str
    title: str
    title_en: str | None
    description: str | None
    starts_at: datetime
    ends_at: datetime
    venue: VenueView | None
    capacity: int | None
    signup_required: bool
    online_url: str | None
    illustrative: bool
    speakers: tuple[SpeakerView, ...]
    # What calendar feeds need to tell clients that a session changed or went away.
    sequence: int = 0
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    # A project defence block's slots with their times (see `domain.defences`).
    defence_slots: tuple[defences.PublicSlot, ...] = ()

    @property
    def day(self) -> date:
        return self.starts_at.date()

    @property
    def text_for_calendars(self) -> str:
        text = session_text(description=self.description, online_url=self.online_url,
                            speakers=[speaker_line(s.name, s.position, s.organisation) for s in self.speakers])
        return defences.calendar_text(text, self.defence_slots)

    @property
    def place_for_calendars(self) -> str | None:
        return place_text(self.venue.name, self.venue.address) if self.venue else None

    @property
    def google_calendar_url(self) -> str:
        return google_calendar_link(title=self.title, starts_at=self.starts_at, ends_at=self.ends_at,
                                    timezone=str(self.starts_at.tzinfo), details=self.text_for_calendars,
                                    location=self.place_for_calendars)


@dataclass(frozen=True)
class TimeSlot:
    """Sessions of one day that start at the same time, shown side by side."""

    starts_at: datetime
    sessions: tuple[SessionView, ...]


def _organisation(row: Row) -> OrganisationView:
    return OrganisationView(key=row["key"], name=row["name"], short_name=row["short_name"], inn=row["inn"],
                            website=row["website"])


def _event(row: Row, links: Sequence[Row] = (), *, has_site_visits: bool = False) -> EventView:
    region = region_by_code(row["region_code"])
    assert region is not None, f"event {row['slug']} has an unknown region"
    return EventView(
        id=row["id"], slug=row["slug"], title=row["title"], title_en=row["title_en"], format=row["format"],
        city=row["city"], region=region, timezone=row["timezone"], starts_on=row["starts_on"],
        ends_on=row["ends_on"], status=row["status"], description=row["description"],
        organisers=tuple(_organisation(link) for link in links if link["role"] == "organiser"),
        partners=tuple(_organisation(link) for link in links if link["role"] == "partner"),
        has_site_visits=has_site_visits, city_en=row["city_en"],
    )


async def list_all_events(store: Store) -> list[EventView]:
    """Every event, drafts included, newest first (the organiser workspace)."""
    rows = await store.fetch_all(sa.select(t.events).order_by(t.events.c.starts_on.desc(), t.events.c.id))
    return [_event(row) for row in rows]


async def list_events(store: Store) -> list[EventView]:
    """Published events, the coming ones first in date order, then past ones, latest first."""
    rows = await store.fetch_all(
        sa.select(t.events).where(t.events.c.status == EventStatus.PUBLISHED.value).order_by(t.events.c.starts_on))
    return [_event(row) for row in rows]


async def get_event(store: Store, slug: str, *, include_drafts: bool = False) -> EventView:
    """A published event; with `include_drafts` (the organiser workspace) a draft one too."""
    site_visit = sa.exists().where(t.sessions.c.event_id == t.events.c.id,
                                   t.sessions.c.kind == SessionKind.SITE_VISIT.value,
                                   t.sessions.c.cancelled_at.is_(None))
    query = sa.select(t.events, site_visit.label("has_site_visits")).where(t.events.c.slug == slug)
    if not include_drafts:
        query = query.where(t.events.c.status == EventStatus.PUBLISHED.value)
    row = await store.fetch_one(query)
    if row is None:
        raise NotFound(N_("No such event"))
    links = await store.fetch_all(
        sa.select(t.event_organisations.c.role, t.organisations)
        .join(t.organisations, t.organisations.c.id == t.event_organisations.c.organisation_id)
        .where(t.event_organisations.c.event_id == row["id"])
        .order_by(t.event_organisations.c.role, t.event_organisations.c.position))
    return _event(row, links, has_site_visits=bool(row["has_site_visits"]))


def parse_day(event: EventView, value: str | None) -> date | None:
    """A `YYYY-MM-DD` filter value; it must be one of the event's days."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(N_("The day must be written as YYYY-MM-DD"),
                           fields={"day": f"{value!r} is not a date"}) from None
    if day not in event.days:
        raise InvalidInput(N_("That day is not one of the event's days"),
                           fields={"day": f"the event runs {event.starts_on} – {event.ends_on}"})
    return day


def parse_kind(value: str | None) -> SessionKind | None:
    if not value:
        return None
    try:
        return SessionKind(value)
    except ValueError:
        allowed = ", ".join(kind.value for kind in SessionKind)
        raise InvalidInput(N_("Unknown kind of session"), fields={"kind": f"expected one of: {allowed}"}) from None


async def session_days(store: Store, event: EventView) -> list[date]:
    """The local days on which the event's current sessions start."""
    zone = ZoneInfo(event.timezone)
    starts = await store.fetch_all(sa.select(t.sessions.c.starts_at).where(
        t.sessions.c.event_id == event.id, t.sessions.c.cancelled_at.is_(None)))
    return sorted({row["starts_at"].astimezone(zone).date() for row in starts})


async def list_sessions(store: Store, event: EventView, *, day: date | None = None,
                        kind: SessionKind | None = None, signup_only: bool = False) -> list[SessionView]:
    """The event's current sessions in time order, optionally one day's, one kind's, or only
    those that take sign-ups."""
    conditions: list[Any] = [t.sessions.c.event_id == event.id, t.sessions.c.cancelled_at.is_(None)]
    if signup_only:
        conditions.append(t.sessions.c.signup_required.is_(True))
    if day is not None:
        start = to_utc(datetime.combine(day, time()), event.timezone)
        conditions += [t.sessions.c.starts_at >= start, t.sessions.c.starts_at < start + timedelta(days=1)]
    if kind is not None:
        conditions.append(t.sessions.c.kind == kind.value)
    return await _sessions(store, event, conditions)


async def get_session(store: Store, event: EventView, session_id: int) -> SessionView:
    found = await _sessions(store, event, [
        t.sessions.c.event_id == event.id, t.sessions.c.id == session_id, t.sessions.c.cancelled_at.is_(None)])
    if not found:
        raise NotFound(N_("No such session in this event's programme"))
    return found[0]


async def list_feed_sessions(store: Store, event: EventView, *, day: date | None = None,
                             kind: SessionKind | None = None, session_id: int | None = None) -> list[SessionView]:
    """Current and cancelled sessions in time order: a feed keeps a cancelled session, marked
    cancelled, so that subscribers' calendars drop it instead of keeping a stale copy."""
    conditions: list[Any] = [t.sessions.c.event_id == event.id]
    if day is not None:
        start = to_utc(datetime.combine(day, time()), event.timezone)
        conditions += [t.sessions.c.starts_at >= start, t.sessions.c.starts_at < start + timedelta(days=1)]
    if kind is not None:
        conditions.append(t.sessions.c.kind == kind.value)
    if session_id is not None:
        conditions.append(t.sessions.c.id == session_id)
    return await _sessions(store, event, conditions)


async def get_venue(store: Store, event: EventView, key: str) -> tuple[VenueView, list[SessionView]]:
    venues = await _venues(store, [t.venues.c.event_id == event.id, t.venues.c.key == key])
    if not venues:
        raise NotFound(N_("No such venue in this event"))
    venue = next(iter(venues.values()))
    sessions = await _sessions(store, event, [
        t.sessions.c.event_id == event.id, t.sessions.c.venue_id == venue.id, t.sessions.c.cancelled_at.is_(None)])
    return venue, sessions


def group_by_time(sessions: Sequence[SessionView]) -> list[TimeSlot]:
    slots: dict[datetime, list[SessionView]] = {}
    for session in sessions:
        slots.setdefault(session.starts_at, []).append(session)
    return [TimeSlot(starts_at, tuple(items)) for starts_at, items in slots.items()]


async def _venues(store: Store, conditions: list[Any]) -> dict[int, VenueView]:
    host = t.organisations.alias("host")
    rows = await store.fetch_all(
        sa.select(t.venues, host.c.key.label("host_key"), host.c.name.label("host_name"),
                  host.c.short_name.label("host_short_name"), host.c.inn.label("host_inn"),
                  host.c.website.label("host_website"))
        .outerjoin(host, host.c.id == t.venues.c.organisation_id)
        .where(*conditions))
    return {row["id"]: VenueView(
        id=row["id"], key=row["key"], name=row["name"], kind=row["kind"], address=row["address"],
        latitude=row["latitude"], longitude=row["longitude"], description=row["description"],
        host=OrganisationView(key=row["host_key"], name=row["host_name"], short_name=row["host_short_name"],
                              inn=row["host_inn"], website=row["host_website"]) if row["host_key"] else None,
    ) for row in rows}


async def _sessions(store: Store, event: EventView, conditions: list[Any]) -> list[SessionView]:
    rows = await store.fetch_all(
        sa.select(t.sessions).where(*conditions)
        .order_by(t.sessions.c.starts_at, t.sessions.c.ends_at, t.sessions.c.id))
    if not rows:
        return []
    venue_ids = {row["venue_id"] for row in rows if row["venue_id"] is not None}
    venues = await _venues(store, [t.venues.c.id.in_(venue_ids)]) if venue_ids else {}
    speaker_rows = await store.fetch_all(
        sa.select(t.session_speakers.c.session_id, t.people.c.name, t.people.c.position,
                  t.organisations.c.name.label("organisation"))
        .join(t.people, t.people.c.id == t.session_speakers.c.person_id)
        .outerjoin(t.organisations, t.organisations.c.id == t.people.c.organisation_id)
        .where(t.session_speakers.c.session_id.in_([row["id"] for row in rows]))
        .order_by(t.session_speakers.c.session_id, t.session_speakers.c.position))
    speakers: dict[int, list[SpeakerView]] = {}
    for row in speaker_rows:
        speakers.setdefault(row["session_id"], []).append(
            SpeakerView(name=row["name"], position=row["position"], organisation=row["organisation"]))
    zone = ZoneInfo(event.timezone)
    slots = await _defence_slots(store, [row for row in rows if row["kind"] == SessionKind.PROJECT_DEFENCE.value], zone)
    return [SessionView(
        id=row["id"], key=row["key"], kind=row["kind"], title=row["title"], title_en=row["title_en"],
        description=row["description"], starts_at=row["starts_at"].astimezone(zone),
        ends_at=row["ends_at"].astimezone(zone), venue=venues.get(row["venue_id"]), capacity=row["capacity"],
        signup_required=bool(row["signup_required"]), online_url=row["online_url"],
        illustrative=bool(row["illustrative"]), speakers=tuple(speakers.get(row["id"], ())),
        sequence=row["sequence"], updated_at=row["updated_at"], cancelled_at=row["cancelled_at"],
        defence_slots=slots.get(row["id"], ()),
    ) for row in rows]


async def _defence_slots(store: Store, blocks: Sequence[Row],
                         zone: ZoneInfo) -> dict[int, tuple[defences.PublicSlot, ...]]:
    """Each defence block's slots, timed one after another from the block's start."""
    if not blocks:
        return {}
    rows = await store.fetch_all(
        sa.select(t.defence_slots).where(t.defence_slots.c.session_id.in_([block["id"] for block in blocks]))
        .order_by(t.defence_slots.c.session_id, t.defence_slots.c.position, t.defence_slots.c.id))
    answer: dict[int, tuple[defences.PublicSlot, ...]] = {}
    for block in blocks:
        own = [row for row in rows if row["session_id"] == block["id"]]
        times = defences.slot_times(block["starts_at"].astimezone(zone), [
            defences.SlotLength(row["talk_minutes"], row["question_minutes"]) for row in own])
        answer[block["id"]] = tuple(defences.PublicSlot(
            project_title=row["project_title"], organisations=row["organisations"], presenters=row["presenters"],
            starts_at=timing.starts_at, ends_at=timing.ends_at) for row, timing in zip(own, times, strict=True))
    return answer
