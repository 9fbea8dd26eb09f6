"""The agenda of an event as plain values: what an agenda file describes and what is stored.

Times here are local wall-clock times in the event's zone (naive datetimes), as an organiser
writes them; `to_utc` and `to_local` cross to and from storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from events_app.domain.errors import N_
from events_app.domain.site_visits import VisitDetails


class EventFormat(StrEnum):
    PRACTICAL_SESSION = "practical_session"
    STRATEGIC_SESSION = "strategic_session"
    TRAINING_PROGRAMME = "training_programme"
    WORKING_MEETING = "working_meeting"


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class VenueKind(StrEnum):
    HALL = "hall"
    ENTERPRISE = "enterprise"
    OUTDOOR = "outdoor"
    ONLINE = "online"


class SessionKind(StrEnum):
    PLENARY = "plenary"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    SITE_VISIT = "site_visit"
    PROJECT_DEFENCE = "project_defence"
    WEBINAR = "webinar"
    BREAK = "break"
    TRANSFER = "transfer"
    CULTURAL = "cultural"


SESSION_KIND_LABELS: dict[str, str] = {
    SessionKind.PLENARY: N_("Plenary session"),
    SessionKind.SEMINAR: N_("Seminar"),
    SessionKind.WORKSHOP: N_("Workshop"),
    SessionKind.SITE_VISIT: N_("Site visit"),
    SessionKind.PROJECT_DEFENCE: N_("Project defence"),
    SessionKind.WEBINAR: N_("Webinar"),
    SessionKind.BREAK: N_("Break"),
    SessionKind.TRANSFER: N_("Transfer"),
    SessionKind.CULTURAL: N_("Cultural programme"),
}


class OrganisationRole(StrEnum):
    ORGANISER = "organiser"
    PARTNER = "partner"


@dataclass(frozen=True)
class Organisation:
    key: str
    name: str
    short_name: str | None = None
    inn: str | None = None
    region_code: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Venue:
    key: str
    name: str
    kind: VenueKind
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    organisation_key: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    position: str | None = None
    organisation_key: str | None = None


@dataclass(frozen=True)
class Session:
    key: str
    kind: SessionKind
    title: str
    starts_at: datetime
    ends_at: datetime
    venue_key: str | None = None
    title_en: str | None = None
    description: str | None = None
    capacity: int | None = None
    signup_required: bool = False
    speaker_keys: tuple[str, ...] = ()
    online_url: str | None = None
    illustrative: bool = False
    visit: VisitDetails | None = None  # meeting point, buses and requirements of a site visit


@dataclass(frozen=True)
class Event:
    slug: str
    title: str
    format: EventFormat
    city: str
    region_code: str
    timezone: str
    starts_on: date
    ends_on: date
    status: EventStatus = EventStatus.PUBLISHED
    title_en: str | None = None
    city_en: str | None = None
    description: str | None = None
    organiser_keys: tuple[str, ...] = ()
    partner_keys: tuple[str, ...] = ()
    note: str | None = None
    capacity: int | None = None
    moderation: bool = False
    registration_opens: datetime | None = None
    registration_closes: datetime | None = None
    consent_version: str | None = None
    consent_text: str | None = None

    @property
    def days(self) -> list[date]:
        return [self.starts_on + timedelta(days=n) for n in range((self.ends_on - self.starts_on).days + 1)]


@dataclass(frozen=True)
class Agenda:
    """One event with everything its agenda file names."""

    event: Event
    organisations: tuple[Organisation, ...] = ()
    venues: tuple[Venue, ...] = ()
    people: tuple[Person, ...] = ()
    sessions: tuple[Session, ...] = field(default=())


def to_utc(local: datetime, timezone: str) -> datetime:
    """A wall-clock time in `timezone` as an aware UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def to_local(moment: datetime, timezone: str) -> datetime:
    """An aware moment as a naive wall-clock time in `timezone`."""
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def shift_agenda(agenda: Agenda, new_start: date) -> Agenda:
    """Move the event so that it starts on `new_start`, keeping its days, times and order.

    The shift is made on wall-clock times, so a session at 10:00 stays at 10:00 local time.
    """
    delta = new_start - agenda.event.starts_on
    old = agenda.event
    event = replace(
        old, starts_on=old.starts_on + delta, ends_on=old.ends_on + delta,
        registration_opens=old.registration_opens + delta if old.registration_opens else None,
        registration_closes=old.registration_closes + delta if old.registration_closes else None,
    )
    sessions = tuple(
        replace(session, starts_at=session.starts_at + delta, ends_at=session.ends_at + delta,
                visit=_shift_visit(session.visit, delta))
        for session in agenda.sessions
    )
    return replace(agenda, event=event, sessions=sessions)


def _shift_visit(visit: VisitDetails | None, delta: timedelta) -> VisitDetails | None:
    if visit is None:
        return None
    return replace(visit, departs_at=visit.departs_at + delta if visit.departs_at else None,
                   returns_at=visit.returns_at + delta if visit.returns_at else None)
