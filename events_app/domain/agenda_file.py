"""Agenda files (`schedules/*.toml`): reading them into an `Agenda` with every error found, and
writing an `Agenda` back in the same format. The format is documented in `schedules/README.md`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from events_app.domain.agenda import (
    Agenda,
    Event,
    EventFormat,
    EventStatus,
    Organisation,
    Person,
    Session,
    SessionKind,
    Venue,
    VenueKind,
)
from events_app.domain.inn import InvalidINN, validate_inn
from events_app.domain.regions import is_region_code
from events_app.domain.site_visits import (
    CURATOR_PHONE,
    MAX_SEATS,
    Requirement,
    TransportGroup,
    TransportKind,
    VisitDetails,
)

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$")

E = TypeVar("E")
Choice = TypeVar("Choice", bound=Enum)


@dataclass(frozen=True)
class AgendaError:
    """One problem in an agenda file: where it is and what is wrong."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else f"{self.file}: {self.message}"


class AgendaFileError(Exception):
    """An agenda file (or several) cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: list[AgendaError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


_TOP_LEVEL = {"event", "organisations", "venues", "people", "sessions"}
_EVENT_FIELDS = {
    "slug", "title", "title_en", "format", "city", "city_en", "region", "timezone", "starts_on", "ends_on",
    "status", "description", "organisers", "partners", "note", "capacity", "moderation",
    "registration_opens", "registration_closes", "consent_version", "consent_text",
}
_ORGANISATION_FIELDS = {"key", "name", "short_name", "inn", "region", "website"}
_VENUE_FIELDS = {"key", "name", "kind", "address", "latitude", "longitude", "organisation", "description"}
_PERSON_FIELDS = {"key", "name", "position", "organisation"}
_SESSION_FIELDS = {
    "key", "kind", "title", "title_en", "description", "starts_at", "ends_at", "venue", "capacity",
    "signup_required", "speakers", "online_url", "illustrative", "visit",
}
_VISIT_FIELDS = {
    "host", "meeting_point", "meeting_address", "meeting_latitude", "meeting_longitude", "meeting_note",
    "departs_at", "returns_at", "requirements", "minimum_age", "transport",
}
_TRANSPORT_FIELDS = {"key", "name", "kind", "seats", "plate", "curator", "curator_phone"}


class _Reader:
    """Reads one table of a file, recording errors under their paths instead of stopping."""

    def __init__(self, file: str, path: str, table: dict[str, Any], allowed: set[str], errors: list[AgendaError]):
        self.file, self.path, self.table, self.errors = file, path, table, errors
        for name in sorted(set(table) - allowed):
            self.error(name, f"unknown field {name!r}")

    def error(self, name: str, message: str) -> None:
        self.errors.append(AgendaError(self.file, f"{self.path}.{name}" if name else self.path, message))

    def _get(self, name: str, required: bool, kinds: tuple[type, ...], expected: str) -> Any:
        if name not in self.table:
            if required:
                self.error(name, "is required")
            return None
        value = self.table[name]
        # bool is an int in Python, and a TOML datetime is a date: check the exact type.
        if type(value) not in kinds:
            self.error(name, f"must be {expected}, got {_describe(value)}")
            return None
        return value

    def text(self, name: str, required: bool = False) -> str | None:
        value = self._get(name, required, (str,), "a string")
        if value is None:
            return None
        value = value.strip()
        if not value:
            if required:
                self.error(name, "must not be empty")
            return None
        return value

    def key(self, name: str, pattern: re.Pattern[str] = KEY_PATTERN) -> str | None:
        value = self.text(name, required=True)
        if value is not None and not pattern.match(value):
            self.error(name, f"{value!r} is not a valid key: use lower-case latin letters, digits and '-'")
            return None
        return value

    def choice(self, name: str, enum: type[Choice], required: bool = True) -> Choice | None:
        value = self.text(name, required)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.error(name, f"unknown value {value!r}; expected one of: {allowed}")
            return None

    def boolean(self, name: str) -> bool:
        return bool(self._get(name, False, (bool,), "true or false"))

    def integer(self, name: str) -> int | None:
        return self._get(name, False, (int,), "a whole number")

    def number(self, name: str) -> float | None:
        value = self._get(name, False, (int, float), "a number")
        return None if value is None else float(value)

    def local_date(self, name: str) -> date | None:
        return self._get(name, True, (date,), "a date such as 2021-04-01")

    def local_datetime(self, name: str, required: bool = True) -> datetime | None:
        value = self._get(name, required, (datetime,), "a local date-time such as 2021-04-01T10:00:00")
        if value is not None and value.tzinfo is not None:
            self.error(name, "must be a local time without an offset; the event's time zone applies")
            return None
        return value

    def keys(self, name: str) -> tuple[str, ...]:
        value = self._get(name, False, (list,), "a list of keys")
        if not value:
            return ()
        result = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.error(f"{name}[{index}]", f"must be a key (a string), got {_describe(item)}")
            else:
                result.append(item)
        return tuple(result)

    def url(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not re.match(r"^https?://[^\s/]+\S*$", value):
            self.error(name, f"{value!r} is not an http:// or https:// address")
            return None
        return value

    def region(self, name: str, required: bool) -> str | None:
        value = self.text(name, required)
        if value is not None and not is_region_code(value):
            self.error(name, f"unknown region code {value!r}; "
                             "use the two-digit code, e.g. \"11\" for the Komi Republic")
            return None
        return value


def _describe(value: Any) -> str:
    names = {str: "a string", bool: "true/false", int: "a whole number", float: "a number",
             list: "a list", dict: "a table", date: "a date", datetime: "a date-time"}
    return names.get(type(value), type(value).__name__)


def _tables(file: str, name: str, raw: Any, errors: list[AgendaError]) -> list[tuple[str, dict[str, Any]]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        errors.append(AgendaError(file, name, f"must be written as [[{name}]] tables"))
        return []
    return [(f"{name}[{index}]", item) for index, item in enumerate(raw)]


def _raw_keys(tables: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str | None]]:
    return [(path, table["key"].strip() if isinstance(table.get("key"), str) else None) for path, table in tables]


def _check_unique(file: str, items: Iterable[tuple[str, str | None]], errors: list[AgendaError]) -> set[str]:
    seen: dict[str, str] = {}
    for path, key in items:
        if key is None:
            continue
        if key in seen:
            errors.append(AgendaError(file, f"{path}.key", f"duplicate key {key!r} (also {seen[key]})"))
        else:
            seen[key] = path
    return set(seen)


def parse_agenda_text(text: str, *, file: str) -> Agenda:
    """Parse the text of one agenda file; raise `AgendaFileError` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AgendaFileError([AgendaError(file, "", f"not valid TOML: {error}")]) from error
    return parse_agenda(data, file=file)


def parse_agenda(data: dict[str, Any], *, file: str) -> Agenda:
    """Check a decoded agenda file and build its `Agenda`; raise `AgendaFileError` on any problem."""
    errors: list[AgendaError] = []
    for name in sorted(set(data) - _TOP_LEVEL):
        errors.append(AgendaError(file, name, f"unknown section {name!r}"))
    raw_event = data.get("event")
    if not isinstance(raw_event, dict):
        errors.append(AgendaError(file, "event", "the [event] table is required"))
        raise AgendaFileError(errors)

    organisation_tables = _tables(file, "organisations", data.get("organisations"), errors)
    venue_tables = _tables(file, "venues", data.get("venues"), errors)
    person_tables = _tables(file, "people", data.get("people"), errors)
    session_tables = _tables(file, "sessions", data.get("sessions"), errors)
    organisations = [_organisation(file, path, table, errors) for path, table in organisation_tables]
    venues = [_venue(file, path, table, errors) for path, table in venue_tables]
    people = [_person(file, path, table, errors) for path, table in person_tables]
    sessions = [_session(file, path, table, errors) for path, table in session_tables]
    event = _event(file, raw_event, errors)

    # Keys come from the raw tables, so that one bad field in an organisation does not also
    # make every reference to it "unknown".
    organisation_keys = _check_unique(file, _raw_keys(organisation_tables), errors)
    venue_keys = _check_unique(file, _raw_keys(venue_tables), errors)
    person_keys = _check_unique(file, _raw_keys(person_tables), errors)
    _check_unique(file, _raw_keys(session_tables), errors)

    def check_ref(path: str, key: str | None, known: set[str], what: str) -> None:
        if key is not None and key not in known:
            errors.append(AgendaError(file, path, f"unknown {what} {key!r}"))

    if event is not None:
        for role in ("organisers", "partners"):
            keys = event.organiser_keys if role == "organisers" else event.partner_keys
            for index, key in enumerate(keys):
                check_ref(f"event.{role}[{index}]", key, organisation_keys, "organisation")
    for index, venue in enumerate(venues):
        if venue is not None:
            check_ref(f"venues[{index}].organisation", venue.organisation_key, organisation_keys, "organisation")
    for index, person in enumerate(people):
        if person is not None:
            check_ref(f"people[{index}].organisation", person.organisation_key, organisation_keys, "organisation")
    for index, session in enumerate(sessions):
        if session is None:
            continue
        path = f"sessions[{index}]"
        check_ref(f"{path}.venue", session.venue_key, venue_keys, "venue")
        for position, key in enumerate(session.speaker_keys):
            check_ref(f"{path}.speakers[{position}]", key, person_keys, "person")
        if session.visit is not None:
            check_ref(f"{path}.visit.host", session.visit.host_key, organisation_keys, "organisation")
        if event is not None:
            if session.starts_at.date() < event.starts_on or session.starts_at.date() > event.ends_on:
                errors.append(AgendaError(file, f"{path}.starts_at", f"{session.starts_at:%Y-%m-%d %H:%M} "
                                          f"is outside the event's days ({_days(event)})"))
            elif session.ends_at.date() > event.ends_on:
                errors.append(AgendaError(file, f"{path}.ends_at", f"{session.ends_at:%Y-%m-%d %H:%M} "
                                          f"is outside the event's days ({_days(event)})"))

    if errors or event is None:
        raise AgendaFileError(errors)
    return Agenda(
        event=event,
        organisations=tuple(o for o in organisations if o is not None),
        venues=tuple(v for v in venues if v is not None),
        people=tuple(p for p in people if p is not None),
        sessions=tuple(s for s in sessions if s is not None),
    )


def _days(event: Event) -> str:
    if event.starts_on == event.ends_on:
        return event.starts_on.isoformat()
    return f"{event.starts_on.isoformat()} – {event.ends_on.isoformat()}"


def _complete(reader: _Reader, before: int, build: Callable[[], E]) -> E | None:
    """Build the value only when reading its table added no error."""
    return build() if len(reader.errors) == before else None


def _event(file: str, table: dict[str, Any], errors: list[AgendaError]) -> Event | None:
    before = len(errors)
    r = _Reader(file, "event", table, _EVENT_FIELDS, errors)
    slug = r.key("slug", SLUG_PATTERN)
    title = r.text("title", required=True)
    fmt = r.choice("format", EventFormat)
    city = r.text("city", required=True)
    region = r.region("region", required=True)
    timezone = r.text("timezone", required=True)
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            r.error("timezone", f"unknown time zone {timezone!r}; use an IANA name such as 'Europe/Moscow'")
    starts_on = r.local_date("starts_on")
    ends_on = r.local_date("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        r.error("ends_on", f"the event ends ({ends_on}) before it starts ({starts_on})")
    status = r.choice("status", EventStatus, required=False) or EventStatus.PUBLISHED
    capacity = r.integer("capacity")
    if capacity is not None and capacity <= 0:
        r.error("capacity", f"must be a positive number of places, got {capacity}")
    opens = r.local_datetime("registration_opens", required=False)
    closes = r.local_datetime("registration_closes", required=False)
    if opens and closes and closes <= opens:
        r.error("registration_closes", "registration must close after it opens")
    consent_version, consent_text = r.text("consent_version"), r.text("consent_text")
    if (consent_version is None) != (consent_text is None):
        r.error("consent_version" if consent_version is None else "consent_text",
                "give both consent_version and consent_text, or neither")
    return _complete(r, before, lambda: Event(
        slug=slug, title=title, format=fmt, city=city, region_code=region,  # type: ignore[arg-type]  # built only when no field was missing
        timezone=timezone, starts_on=starts_on, ends_on=ends_on, status=status,  # type: ignore[arg-type]  # built only when no field was missing
        title_en=r.text("title_en"), city_en=r.text("city_en"), description=r.text("description"),
        organiser_keys=r.keys("organisers"), partner_keys=r.keys("partners"), note=r.text("note"),
        capacity=capacity, moderation=r.boolean("moderation"), registration_opens=opens,
        registration_closes=closes, consent_version=consent_version, consent_text=consent_text,
    ))


def _organisation(file: str, path: str, table: dict[str, Any], errors: list[AgendaError]) -> Organisation | None:
    before = len(errors)
    r = _Reader(file, path, table, _ORGANISATION_FIELDS, errors)
    key, name = r.key("key"), r.text("name", required=True)
    inn = r.text("inn")
    if inn is not None:
        try:
            inn = validate_inn(inn)
        except InvalidINN as error:
            r.error("inn", f"invalid INN {inn!r}: {error}")
    return _complete(r, before, lambda: Organisation(
        key=key, name=name, short_name=r.text("short_name"), inn=inn,  # type: ignore[arg-type]  # built only when no field was missing
        region_code=r.region("region", required=False), website=r.url("website"),
    ))


def _venue(file: str, path: str, table: dict[str, Any], errors: list[AgendaError]) -> Venue | None:
    before = len(errors)
    r = _Reader(file, path, table, _VENUE_FIELDS, errors)
    key, name, kind = r.key("key"), r.text("name", required=True), r.choice("kind", VenueKind)
    address = r.text("address", required=kind is not None and kind is not VenueKind.ONLINE)
    latitude, longitude = r.number("latitude"), r.number("longitude")
    # When both are written but one is mistyped, that error is already recorded.
    if ("latitude" in table) != ("longitude" in table):
        r.error("longitude" if "latitude" in table else "latitude", "give both latitude and longitude, or neither")
    if latitude is not None and not -90 <= latitude <= 90:
        r.error("latitude", f"{latitude} is not between -90 and 90")
    if longitude is not None and not -180 <= longitude <= 180:
        r.error("longitude", f"{longitude} is not between -180 and 180")
    return _complete(r, before, lambda: Venue(
        key=key, name=name, kind=kind, address=address, latitude=latitude, longitude=longitude,  # type: ignore[arg-type]  # built only when no field was missing
        organisation_key=r.text("organisation"), description=r.text("description"),
    ))


def _person(file: str, path: str, table: dict[str, Any], errors: list[AgendaError]) -> Person | None:
    before = len(errors)
    r = _Reader(file, path, table, _PERSON_FIELDS, errors)
    key, name = r.key("key"), r.text("name", required=True)
    return _complete(r, before, lambda: Person(
        key=key, name=name, position=r.text("position"), organisation_key=r.text("organisation"),  # type: ignore[arg-type]  # built only when no field was missing
    ))


def _session(file: str, path: str, table: dict[str, Any], errors: list[AgendaError]) -> Session | None:
    before = len(errors)
    r = _Reader(file, path, table, _SESSION_FIELDS, errors)
    key, kind, title = r.key("key"), r.choice("kind", SessionKind), r.text("title", required=True)
    starts_at, ends_at = r.local_datetime("starts_at"), r.local_datetime("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        r.error("ends_at", f"ends ({ends_at:%Y-%m-%d %H:%M}) before it starts ({starts_at:%Y-%m-%d %H:%M})"
                if ends_at < starts_at else "ends at the moment it starts; a session needs a duration")
    venue = r.text("venue", required=kind is not None and kind is not SessionKind.BREAK)
    capacity = r.integer("capacity")
    if capacity is not None and capacity <= 0:
        r.error("capacity", f"must be a positive number of places, got {capacity}")
    visit = None
    if "visit" in table:
        if kind is not None and kind is not SessionKind.SITE_VISIT:
            r.error("visit", "only a site_visit session has a [sessions.visit] table")
        elif not isinstance(table["visit"], dict):
            r.error("visit", "must be written as a [sessions.visit] table")
        else:
            visit = _visit(file, f"{path}.visit", table["visit"], errors)
    return _complete(r, before, lambda: Session(
        key=key, kind=kind, title=title, starts_at=starts_at, ends_at=ends_at, venue_key=venue,  # type: ignore[arg-type]  # built only when no field was missing
        title_en=r.text("title_en"), description=r.text("description"), capacity=capacity,
        signup_required=r.boolean("signup_required"), speaker_keys=r.keys("speakers"),
        online_url=r.url("online_url"), illustrative=r.boolean("illustrative"), visit=visit,
    ))


def _visit(file: str, path: str, table: dict[str, Any], errors: list[AgendaError]) -> VisitDetails | None:
    before = len(errors)
    r = _Reader(file, path, table, _VISIT_FIELDS, errors)
    latitude, longitude = r.number("meeting_latitude"), r.number("meeting_longitude")
    if ("meeting_latitude" in table) != ("meeting_longitude" in table):
        r.error("meeting_longitude" if "meeting_latitude" in table else "meeting_latitude",
                "give both meeting_latitude and meeting_longitude, or neither")
    if latitude is not None and not -90 <= latitude <= 90:
        r.error("meeting_latitude", f"{latitude} is not between -90 and 90")
    if longitude is not None and not -180 <= longitude <= 180:
        r.error("meeting_longitude", f"{longitude} is not between -180 and 180")
    departs, returns = r.local_datetime("departs_at", required=False), r.local_datetime("returns_at", required=False)
    if departs and returns and returns <= departs:
        r.error("returns_at", "the return must be after the departure")
    requirements = []
    for index, code in enumerate(r.keys("requirements")):
        try:
            requirements.append(Requirement(code))
        except ValueError:
            allowed = ", ".join(member.value for member in Requirement)
            r.error(f"requirements[{index}]", f"unknown requirement {code!r}; expected one of: {allowed}")
    minimum_age = r.integer("minimum_age")
    if minimum_age is not None and not 14 <= minimum_age <= 21:
        r.error("minimum_age", f"must be between 14 and 21, got {minimum_age}")
    transport = []
    group_tables = _tables(file, f"{path}.transport", table.get("transport"), errors)
    for group_path, group_table in group_tables:
        group = _transport(file, group_path, group_table, errors)
        if group is not None:
            transport.append(group)
    _check_unique(file, _raw_keys(group_tables), errors)
    return _complete(r, before, lambda: VisitDetails(
        host_key=r.text("host"), meeting_point=r.text("meeting_point"), meeting_address=r.text("meeting_address"),
        meeting_latitude=latitude, meeting_longitude=longitude, meeting_note=r.text("meeting_note"),
        departs_at=departs, returns_at=returns, requirements=tuple(requirements), minimum_age=minimum_age,
        transport=tuple(transport),
    ))


def _transport(file: str, path: str, table: dict[str, Any], errors: list[AgendaError]) -> TransportGroup | None:
    before = len(errors)
    r = _Reader(file, path, table, _TRANSPORT_FIELDS, errors)
    key, name = r.key("key"), r.text("name", required=True)
    kind = r.choice("kind", TransportKind, required=False) or TransportKind.BUS
    seats = r._get("seats", True, (int,), "a whole number")
    if seats is not None and not 1 <= seats <= MAX_SEATS:
        r.error("seats", f"must be between 1 and {MAX_SEATS}, got {seats}")
    phone = r.text("curator_phone")
    if phone is not None and not CURATOR_PHONE.fullmatch(phone):
        r.error("curator_phone", f"{phone!r} is not a phone number")
    return _complete(r, before, lambda: TransportGroup(
        key=key, name=name, seats=seats, kind=kind, plate=r.text("plate"),  # type: ignore[arg-type]  # built only when no field was missing
        curator_name=r.text("curator"), curator_phone=phone,
    ))


def render_agenda(agenda: Agenda) -> str:
    """Write an agenda in the file format; `parse_agenda_text` reads it back to an equal `Agenda`."""
    event = agenda.event
    document: dict[str, Any] = {"event": _drop_empty({
        "slug": event.slug, "title": event.title, "title_en": event.title_en, "format": event.format.value,
        "city": event.city, "city_en": event.city_en, "region": event.region_code, "timezone": event.timezone,
        "starts_on": event.starts_on, "ends_on": event.ends_on, "status": event.status.value,
        "description": event.description, "organisers": list(event.organiser_keys),
        "partners": list(event.partner_keys), "note": event.note, "capacity": event.capacity,
        "moderation": event.moderation or None, "registration_opens": event.registration_opens,
        "registration_closes": event.registration_closes, "consent_version": event.consent_version,
        "consent_text": event.consent_text,
    })}
    document["organisations"] = [_drop_empty({
        "key": o.key, "name": o.name, "short_name": o.short_name, "inn": o.inn, "region": o.region_code,
        "website": o.website,
    }) for o in agenda.organisations]
    document["venues"] = [_drop_empty({
        "key": v.key, "name": v.name, "kind": v.kind.value, "address": v.address, "latitude": v.latitude,
        "longitude": v.longitude, "organisation": v.organisation_key, "description": v.description,
    }) for v in agenda.venues]
    document["people"] = [_drop_empty({
        "key": p.key, "name": p.name, "position": p.position, "organisation": p.organisation_key,
    }) for p in agenda.people]
    document["sessions"] = [_drop_empty({
        "key": s.key, "kind": s.kind.value, "title": s.title, "title_en": s.title_en,
        "description": s.description, "starts_at": s.starts_at, "ends_at": s.ends_at, "venue": s.venue_key,
        "capacity": s.capacity, "signup_required": s.signup_required or None,
        "speakers": list(s.speaker_keys), "online_url": s.online_url, "illustrative": s.illustrative or None,
    }) for s in agenda.sessions]
    lines = ["# Agenda file: the format is described in schedules/README.md", "", "[event]"]
    lines += _toml_table(document["event"])
    for name in ("organisations", "venues", "people", "sessions"):
        for index, table in enumerate(document[name]):
            lines += ["", f"[[{name}]]", *_toml_table(table)]
            visit = agenda.sessions[index].visit if name == "sessions" else None
            if visit is not None:
                lines += _visit_lines(visit)
    return "\n".join(lines) + "\n"


def _visit_lines(visit: VisitDetails) -> list[str]:
    lines = ["", "[sessions.visit]", *_toml_table(_drop_empty({
        "host": visit.host_key, "meeting_point": visit.meeting_point, "meeting_address": visit.meeting_address,
        "meeting_latitude": visit.meeting_latitude, "meeting_longitude": visit.meeting_longitude,
        "meeting_note": visit.meeting_note, "departs_at": visit.departs_at, "returns_at": visit.returns_at,
        "requirements": [code.value for code in visit.requirements], "minimum_age": visit.minimum_age,
    }))]
    for group in visit.transport:
        lines += ["", "[[sessions.visit.transport]]", *_toml_table(_drop_empty({
            "key": group.key, "name": group.name,
            "kind": group.kind.value if group.kind is not TransportKind.BUS else None,
            "seats": group.seats, "plate": group.plate, "curator": group.curator_name,
            "curator_phone": group.curator_phone,
        }))]
    return lines


def _drop_empty(table: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in table.items() if value is not None and value != []}


def _toml_table(table: dict[str, Any]) -> list[str]:
    return [f"{key} = {_toml_value(value)}" for key, value in table.items()]


def _toml_value(value: Any) -> str:
    # Written by hand rather than with a generic writer so that files keep the layout people
    # write: [[sessions]] tables, 2021-04-01T10:00:00, multi-line descriptions.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, (date, int, float)):
        return value.isoformat() if isinstance(value, date) else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    text = str(value)
    if "\n" in text:
        return '"""\n' + tomli_w.dumps({"v": text}, multiline_strings=True)[len('v = """\n'):].rstrip("\n")
    return tomli_w.dumps({"v": text})[len("v = "):].rstrip("\n")
