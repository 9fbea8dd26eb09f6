"""Setting an event up in the browser: the event itself, its venues, its registration settings
and its agenda file. Every change is checked field by field and audited in its transaction.

Times of the registration window are entered as wall-clock times in the event's zone and
stored in UTC. The event's organisations are in `event_organisations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import INTEGRITY_ERRORS, Store
from events_app.domain.agenda import EventFormat, EventStatus, VenueKind, to_local, to_utc
from events_app.domain.agenda_file import KEY_PATTERN, SLUG_PATTERN, AgendaError, AgendaFileError, parse_agenda_text
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.regions import is_region_code
from events_app.domain.staff import StaffMember
from events_app.i18n import gettext
from events_app.services.programme.importer import ImportReport, SeatedBusesRefused, import_agendas
from events_app.services.staff import audit
from events_app.settings import Settings

Form = Mapping[str, str]
DETAIL_FIELDS = ("title", "title_en", "format", "city", "city_en", "region_code", "timezone", "starts_on",
                 "ends_on", "description")


class SessionsOutsideDays(InvalidInput):
    """New days would leave sessions outside them; `sessions` names them (title, local start)."""

    def __init__(self, sessions: list[tuple[str, datetime]], field: str) -> None:
        super().__init__(N_("Sessions would be left outside the event's days. Move them first, or keep the days."),
                         fields={field: N_("Sessions fall outside these days")})
        self.sessions = sessions


class VenueInUse(InvalidInput):
    def __init__(self, sessions: list[str]) -> None:
        super().__init__(N_("The venue is used by sessions and cannot be removed. Move them to another venue first."))
        self.sessions = sessions


@dataclass(frozen=True)
class Actor:
    """Who makes a change, for the audit log."""

    member: StaffMember
    ip: str | None
    now: datetime


@dataclass(frozen=True)
class EventSettings:
    id: int
    slug: str
    title: str
    title_en: str | None
    format: str
    city: str
    city_en: str | None
    region_code: str
    timezone: str
    starts_on: date
    ends_on: date
    status: str
    description: str | None
    capacity: int | None
    moderation: bool
    registration_opens: datetime | None  # wall-clock time in the event's zone
    registration_closes: datetime | None
    consent_version: str | None
    consent_text: str | None

    def details_form(self) -> dict[str, str]:
        return {name: "" if getattr(self, name) is None else str(getattr(self, name)) for name in DETAIL_FIELDS}

    def registration_form(self) -> dict[str, str]:
        return {"capacity": "" if self.capacity is None else str(self.capacity),
                "registration_opens": _local_input(self.registration_opens),
                "registration_closes": _local_input(self.registration_closes),
                "moderation": "1" if self.moderation else "", "consent_version": self.consent_version or "",
                "consent_text": self.consent_text or ""}


@dataclass(frozen=True)
class VenueRow:
    id: int
    key: str
    name: str
    kind: str
    address: str | None
    latitude: float | None
    longitude: float | None
    organisation_key: str | None
    description: str | None
    sessions: int

    def form(self) -> dict[str, str]:
        return {"key": self.key, "name": self.name, "kind": self.kind, "address": self.address or "",
                "latitude": "" if self.latitude is None else str(self.latitude),
                "longitude": "" if self.longitude is None else str(self.longitude),
                "organisation": self.organisation_key or "", "description": self.description or ""}


def _local_input(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


def text_field(form: Form, name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def required_field(form: Form, name: str, errors: dict[str, str], message: str) -> str:
    value = text_field(form, name)
    if value is None:
        errors[name] = message
    return value or ""


def _date(form: Form, name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(form.get(name, "").strip())
    except ValueError:
        errors[name] = N_("Enter a date such as 2026-12-17")
        return None


def _zone(form: Form, errors: dict[str, str]) -> str:
    name = form.get("timezone", "").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = N_("Enter an IANA time zone such as Europe/Moscow")
    return name


def _check_event_fields(form: Form, errors: dict[str, str]) -> dict[str, object]:
    """The fields shared by a new event and its details form."""
    values: dict[str, object] = {
        "title": required_field(form, "title", errors, N_("Enter the event's title")),
        "title_en": text_field(form, "title_en"),
        "city": required_field(form, "city", errors, N_("Enter the city")),
        "city_en": text_field(form, "city_en"),
        "timezone": _zone(form, errors),
    }
    if form.get("format", "") not in {item.value for item in EventFormat}:
        errors["format"] = N_("Choose the event's format")
    values["format"] = form.get("format", "")
    if not is_region_code(form.get("region_code", "")):
        errors["region_code"] = N_("Choose the region")
    values["region_code"] = form.get("region_code", "")
    starts_on, ends_on = _date(form, "starts_on", errors), _date(form, "ends_on", errors)
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = N_("The last day cannot be before the first day")
    values.update(starts_on=starts_on, ends_on=ends_on)
    return values


async def create_event(store: Store, form: Form, *, actor: Actor) -> str:
    """A new event, created as a draft; gives its slug."""
    errors: dict[str, str] = {}
    slug = form.get("slug", "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        errors["slug"] = N_("Use 3 to 60 Latin letters, digits and hyphens, such as kirov-2026")
    values = _check_event_fields(form, errors)
    if not errors and await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == slug)) is not None:
        errors["slug"] = N_("An event with this address already exists")
    if errors:
        raise InvalidInput(N_("The event could not be created"), fields=errors)
    try:
        async with store.transaction():
            event_id = await store.insert(t.events.insert().values(
                slug=slug, status=EventStatus.DRAFT.value, moderation=False, description=None,
                created_at=actor.now, updated_at=actor.now, **values).returning(t.events.c.id))
            await audit.record(store, actor=actor.member, action="event.create", subject=str(values["title"]),
                               event_id=event_id, details={"slug": slug}, ip=actor.ip, now=actor.now)
    except INTEGRITY_ERRORS:
        raise InvalidInput(N_("The event could not be created"),
                           fields={"slug": N_("An event with this address already exists")}) from None
    return slug


async def event_settings(store: Store, event_id: int) -> EventSettings:
    row = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
    if row is None:
        raise NotFound(N_("No such event"))
    zone = row["timezone"]
    return EventSettings(
        id=row["id"], slug=row["slug"], title=row["title"], title_en=row["title_en"], format=row["format"],
        city=row["city"], city_en=row["city_en"], region_code=row["region_code"], timezone=zone,
        starts_on=row["starts_on"],
        ends_on=row["ends_on"], status=row["status"], description=row["description"], capacity=row["capacity"],
        moderation=bool(row["moderation"]),
        registration_opens=to_local(row["registration_opens_at"], zone) if row["registration_opens_at"] else None,
        registration_closes=to_local(row["registration_closes_at"], zone) if row["registration_closes_at"] else None,
        consent_version=row["consent_version"], consent_text=row["consent_text"])


def changes(before: dict[str, object], after: dict[str, object]) -> dict[str, object]:
    return {name: after[name] for name in after if before.get(name) != after[name]}


async def update_details(store: Store, event_id: int, form: Form, *, actor: Actor) -> None:
    """Title, format, place, zone, days and description. Days that would leave a session outside
    them are refused, naming the sessions; sessions keep their moments when the zone changes."""
    errors: dict[str, str] = {}
    values = _check_event_fields(form, errors)
    values["description"] = text_field(form, "description")
    if errors:
        raise InvalidInput(N_("The changes could not be saved"), fields=errors)
    async with store.transaction():
        current = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
        assert current is not None
        zone = ZoneInfo(str(values["timezone"]))
        outside = [(row["title"], row["starts_at"].astimezone(zone)) for row in await store.fetch_all(
            sa.select(t.sessions.c.title, t.sessions.c.starts_at, t.sessions.c.ends_at)
            .where(t.sessions.c.event_id == event_id, t.sessions.c.cancelled_at.is_(None))
            .order_by(t.sessions.c.starts_at))
            if not (values["starts_on"] <= row["starts_at"].astimezone(zone).date()
                    and row["ends_at"].astimezone(zone).date() <= values["ends_on"])]
        if outside:
            before_start = any(starts.date() < values["starts_on"] for _, starts in outside)
            raise SessionsOutsideDays(outside, "starts_on" if before_start else "ends_on")
        changed = changes(dict(current), values)
        if changed:
            await store.execute(t.events.update().where(t.events.c.id == event_id)
                                .values(**values, updated_at=actor.now))
            await audit.record(store, actor=actor.member, action="event.update", subject=str(values["title"]),
                               event_id=event_id, details=changed, ip=actor.ip, now=actor.now)


async def set_status(store: Store, event_id: int, status: str, *, actor: Actor) -> None:
    """Publish the event (the public sees it and registration may open) or take it back to a draft."""
    if status not in {item.value for item in EventStatus}:
        raise InvalidInput(N_("Unknown status"))
    async with store.transaction():
        title = await store.fetch_val(sa.select(t.events.c.title).where(t.events.c.id == event_id))
        await store.execute(t.events.update().where(t.events.c.id == event_id)
                            .values(status=status, updated_at=actor.now))
        await audit.record(store, actor=actor.member,
                           action="event.publish" if status == "published" else "event.draft", subject=str(title),
                           event_id=event_id, ip=actor.ip, now=actor.now)


def _local_moment(form: Form, name: str, errors: dict[str, str]) -> datetime | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        errors[name] = N_("Enter a date and time such as 2026-12-01 09:00")
        return None


async def update_registration(store: Store, event_id: int, form: Form, *, actor: Actor) -> None:
    """Capacity, window, moderation and consent. A new consent text needs a new version string:
    each registration keeps the version its delegate agreed to, so one version means one text."""
    settings = await event_settings(store, event_id)
    errors: dict[str, str] = {}
    capacity: int | None = None
    raw_capacity = form.get("capacity", "").strip()
    if raw_capacity:
        if not raw_capacity.isdigit() or int(raw_capacity) <= 0:
            errors["capacity"] = N_("Enter a positive number of places, or leave it empty for no limit")
        else:
            capacity = int(raw_capacity)
    opens = _local_moment(form, "registration_opens", errors)
    closes = _local_moment(form, "registration_closes", errors)
    if opens and closes and closes <= opens:
        errors["registration_closes"] = N_("Registration must close after it opens")
    text = (form.get("consent_text", "").replace("\r\n", "\n").strip()) or None
    version = text_field(form, "consent_version")
    if version is not None and len(version) > 32:
        errors["consent_version"] = N_("Use at most 32 characters")
    if (text is None) != (version is None):
        if text is None:
            errors["consent_text"] = N_("Enter the consent text, or clear the version to use the standard text")
        else:
            errors["consent_version"] = N_("Give the text a version, such as 2026-12")
    elif text != settings.consent_text and version is not None and version == settings.consent_version:
        errors["consent_version"] = N_("The text has changed: give it a new version, different from the current one")
    if errors:
        raise InvalidInput(N_("The registration settings could not be saved"), fields=errors)
    values: dict[str, object] = {
        "capacity": capacity, "moderation": form.get("moderation") == "1", "consent_version": version,
        "consent_text": text,
        "registration_opens_at": to_utc(opens, settings.timezone) if opens else None,
        "registration_closes_at": to_utc(closes, settings.timezone) if closes else None,
    }
    before: dict[str, object] = {
        "capacity": settings.capacity, "moderation": settings.moderation, "consent_version": settings.consent_version,
        "consent_text": settings.consent_text,
        "registration_opens_at": (to_utc(settings.registration_opens, settings.timezone)
                                  if settings.registration_opens else None),
        "registration_closes_at": (to_utc(settings.registration_closes, settings.timezone)
                                   if settings.registration_closes else None),
    }
    changed = changes(before, values)
    if not changed:
        return
    async with store.transaction():
        await store.execute(t.events.update().where(t.events.c.id == event_id).values(**values, updated_at=actor.now))
        if "consent_text" in changed:
            changed["consent_text"] = f"{len(text or '')} characters"
        await audit.record(store, actor=actor.member, action="event.registration_settings", subject=settings.title,
                           event_id=event_id, details=changed, ip=actor.ip, now=actor.now)


# --- Venues --------------------------------------------------------------------------------------

async def venues(store: Store, event_id: int) -> list[VenueRow]:
    used = (sa.select(sa.func.count()).select_from(t.sessions)
            .where(t.sessions.c.venue_id == t.venues.c.id).scalar_subquery())
    rows = await store.fetch_all(
        sa.select(t.venues, t.organisations.c.key.label("organisation_key"), used.label("used"))
        .outerjoin(t.organisations, t.organisations.c.id == t.venues.c.organisation_id)
        .where(t.venues.c.event_id == event_id).order_by(t.venues.c.name, t.venues.c.key))
    return [VenueRow(id=row["id"], key=row["key"], name=row["name"], kind=row["kind"], address=row["address"],
                     latitude=row["latitude"], longitude=row["longitude"], organisation_key=row["organisation_key"],
                     description=row["description"], sessions=int(row["used"])) for row in rows]


async def venue(store: Store, event_id: int, venue_id: int) -> VenueRow:
    found = next((item for item in await venues(store, event_id) if item.id == venue_id), None)
    if found is None:
        raise NotFound(N_("No such venue"))
    return found


def _coordinate(form: Form, name: str, limit: float, errors: dict[str, str], message: str) -> float | None:
    raw = form.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors[name] = message
        return None
    if not -limit <= value <= limit:
        errors[name] = message
        return None
    return value


async def save_venue(store: Store, event_id: int, venue_id: int | None, form: Form, *, actor: Actor) -> None:
    """Add a venue (`venue_id` None) or change one."""
    errors: dict[str, str] = {}
    key = form.get("key", "").strip()
    if not KEY_PATTERN.match(key):
        errors["key"] = N_("Use lower-case Latin letters, digits and hyphens, such as main-hall")
    name = required_field(form, "name", errors, N_("Enter the venue's name"))
    kind = form.get("kind", "")
    if kind not in {item.value for item in VenueKind}:
        errors["kind"] = N_("Choose the kind of venue")
    latitude = _coordinate(form, "latitude", 90, errors, N_("Latitude is a number from -90 to 90"))
    longitude = _coordinate(form, "longitude", 180, errors, N_("Longitude is a number from -180 to 180"))
    if (latitude is None) != (longitude is None) and "latitude" not in errors and "longitude" not in errors:
        errors["longitude" if longitude is None else "latitude"] = N_("Give both coordinates, or neither")
    organisation_id = None
    organisation_key = form.get("organisation", "").strip()
    if organisation_key:
        organisation_id = await store.fetch_val(
            sa.select(t.organisations.c.id).where(t.organisations.c.key == organisation_key))
        if organisation_id is None:
            errors["organisation"] = N_("Choose an organisation from the list")
    if not errors:
        clash = await store.fetch_val(sa.select(t.venues.c.id).where(
            t.venues.c.event_id == event_id, t.venues.c.key == key))
        if clash is not None and clash != venue_id:
            errors["key"] = N_("Another venue of this event has this key")
    if errors:
        raise InvalidInput(N_("The venue could not be saved"), fields=errors)
    values = {"key": key, "name": name, "kind": kind, "address": text_field(form, "address"), "latitude": latitude,
              "longitude": longitude, "organisation_id": organisation_id,
              "description": text_field(form, "description")}
    async with store.transaction():
        if venue_id is None:
            await store.insert(t.venues.insert().values(event_id=event_id, **values).returning(t.venues.c.id))
            action = "venue.create"
        else:
            await venue(store, event_id, venue_id)
            await store.execute(t.venues.update().where(t.venues.c.id == venue_id, t.venues.c.event_id == event_id)
                                .values(**values))
            action = "venue.update"
        await audit.record(store, actor=actor.member, action=action, subject=name, event_id=event_id,
                           details={name: value for name, value in values.items() if value is not None},
                           ip=actor.ip, now=actor.now)


async def remove_venue(store: Store, event_id: int, venue_id: int, *, actor: Actor) -> None:
    """Only a venue no session points at, cancelled ones included (their feeds still name it), and
    no new session drafted in the agenda builder."""
    async with store.transaction():
        found = await venue(store, event_id, venue_id)
        using = [row["title"] for row in await store.fetch_all(
            sa.select(t.sessions.c.title).where(t.sessions.c.venue_id == venue_id).order_by(t.sessions.c.starts_at))]
        # An unpublished draft placed there would silently lose its venue.
        using += [f"{row['title']} ({gettext(N_('draft'))})" for row in await store.fetch_all(
            sa.select(t.session_drafts.c.title).where(t.session_drafts.c.venue_id == venue_id,
                                                      t.session_drafts.c.removed.is_(False)))]
        if using:
            raise VenueInUse(using)
        await store.execute(t.venues.delete().where(t.venues.c.id == venue_id))
        await audit.record(store, actor=actor.member, action="venue.remove", subject=found.name, event_id=event_id,
                           details={"key": found.key}, ip=actor.ip, now=actor.now)


# --- The agenda file from the browser --------------------------------------------------------------

MAX_AGENDA_BYTES = 1024 * 1024


async def import_agenda_file(store: Store, settings: Settings, event_id: int, *, filename: str, content: bytes,
                             actor: Actor) -> ImportReport:
    """Import one uploaded agenda file into this event: all of it or, on any problem, nothing.
    A file describing another event is refused, so a wrong upload cannot overwrite that one."""
    slug = str(await store.fetch_val(sa.select(t.events.c.slug).where(t.events.c.id == event_id)))
    if len(content) > MAX_AGENDA_BYTES:
        raise AgendaFileError([AgendaError(filename, "", gettext(N_("The file is larger than 1 MB")))])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AgendaFileError([AgendaError(filename, "", gettext(N_("The file is not UTF-8 text")))]) from None
    agenda = parse_agenda_text(text, file=filename)
    if agenda.event.slug != slug:
        raise AgendaFileError([AgendaError(filename, "event.slug", gettext(
            N_("This file is for the event %(file_slug)s, not for %(slug)s")) % {"file_slug": agenda.event.slug,
                                                                                "slug": slug})])
    async with store.transaction():
        try:
            (report,) = await import_agendas(store, [agenda], now=actor.now, settings=settings)
        except SeatedBusesRefused as error:
            raise error.as_file_error({slug: filename}, gettext) from None
        await audit.record(store, actor=actor.member, action="agenda.import", subject=filename[:200],
                           event_id=event_id, ip=actor.ip, now=actor.now, details={
                               "sessions_added": report.sessions_added, "sessions_changed": report.sessions_changed,
                               "sessions_cancelled": report.sessions_cancelled,
                               "buses_added": [str(bus) for bus in report.buses_added],
                               "buses_changed": [str(bus) for bus in report.buses_changed],
                               "buses_removed": [str(bus) for bus in report.buses_removed],
                               "riders_told": report.riders_told, "bus_riders_told": report.bus_riders_told})
    return report
