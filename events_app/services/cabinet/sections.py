"""What the cabinet across events shows: a list of sections, each filled by its own loader.

A feature adds its part by appending a loader to `LOADERS` (see `register`), so the cabinet knows
nothing of certificates, badges or whatever comes next; a loader returns None when it has nothing
for this address, and its section is left out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.certificates import verification_url
from events_app.domain.errors import N_, DomainError
from events_app.domain.registration import RegistrationStatus
from events_app.domain.tickets import ticket_url
from events_app.services.consultations import bookings
from events_app.services.consultations.letters import booking_url
from events_app.services.registration.letters import cabinet_url, personal_calendar_url
from events_app.services.registration.views import registration_view
from events_app.settings import Settings


@dataclass(frozen=True)
class Action:
    label: str  # an English source string, translated when shown
    url: str


@dataclass(frozen=True)
class Item:
    title: str
    status: str  # a source string
    # When: an event's days, or a moment in its own zone (a consultation).
    days: tuple[date, date] | None = None
    at: datetime | None = None
    where: str | None = None
    actions: tuple[Action, ...] = ()
    active: bool = True
    # The English interface's variants of the title and the place, where the data has them.
    title_en: str | None = None
    where_en: str | None = None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)


SectionLoader = Callable[[Store, Settings, str, datetime], Awaitable[Section | None]]

REGISTRATION_STATUSES = {
    "confirmed": N_("Registration confirmed"), "pending": N_("Waiting for the organiser's approval"),
    "waitlisted": N_("On the waiting list"), "rejected": N_("The organiser has declined the application"),
    "cancelled": N_("Registration cancelled"),
}


async def registrations(store: Store, settings: Settings, email: str, now: datetime) -> Section | None:
    ids = [row["id"] for row in await store.fetch_all(
        sa.select(t.registrations.c.id).where(t.registrations.c.email == email, t.registrations.c.erased_at.is_(None))
        .order_by(t.registrations.c.id))]
    items = []
    for registration_id in ids:
        try:
            view = await registration_view(store, registration_id)
        except DomainError:
            continue
        actions = [Action(N_("Delegate cabinet"), cabinet_url(settings, view, now=now))]
        if view.ticket_secret and view.status == RegistrationStatus.CONFIRMED:
            actions.append(Action(N_("Open the ticket"), ticket_url(settings.base_url, view.ticket_secret)))
        calendar = personal_calendar_url(settings, view.calendar_token)
        if calendar and view.status != "cancelled":
            actions.append(Action(N_("Personal calendar"), calendar))
        items.append(Item(title=view.event.title, days=(view.event.starts_on, view.event.ends_on),
                          where=view.event.city, status=REGISTRATION_STATUSES.get(view.status, view.status),
                          actions=tuple(actions), active=view.status != "cancelled",
                          title_en=view.event.title_en, where_en=view.event.city_en))
    return Section("registrations", N_("Registrations and tickets"), items) if items else None


async def consultation_bookings(store: Store, settings: Settings, email: str, now: datetime) -> Section | None:
    items = []
    for booking in await bookings.bookings_for_email(store, email):
        url = booking_url(settings, booking)
        slot = booking.slot
        actions = (Action(N_("Your consultation"), url), Action(N_("Add to calendar (.ics)"), f"{url}/calendar.ics"))
        items.append(Item(title=f"{slot.topic} · {slot.specialist}",
                          at=slot.starts_at, where=slot.place or slot.centre,
                          status=N_("Booked") if booking.active else N_("This booking is cancelled."),
                          actions=actions if booking.active else actions[:1], active=booking.active))
    return Section("consultations", N_("Consultation bookings"), items) if items else None


async def certificates(store: Store, settings: Settings, email: str, now: datetime) -> Section | None:
    """Certificates issued to this address's registrations (revoked and erased ones are left out)."""
    c, r, e = t.certificates, t.registrations, t.events
    rows = await store.fetch_all(
        sa.select(c.c.number, c.c.issued_at, e.c.title, e.c.title_en, e.c.starts_on, e.c.ends_on, e.c.city,
                  e.c.city_en)
        .select_from(c.join(r, r.c.id == c.c.registration_id).join(e, e.c.id == c.c.event_id))
        .where(r.c.email == email, r.c.erased_at.is_(None), c.c.revoked_at.is_(None), c.c.erased_at.is_(None))
        .order_by(c.c.issued_at))
    items = [Item(title=f"{row['title']} · № {row['number']}", status=N_("Certificate issued"),
                  days=(row["starts_on"], row["ends_on"]), where=row["city"], where_en=row["city_en"],
                  title_en=f"{row['title_en']} · № {row['number']}" if row["title_en"] else None,
                  actions=(Action(N_("Download the certificate (PDF)"),
                                  verification_url(settings.base_url, row["number"]) + "/pdf"),
                           Action(N_("Certificate check"), verification_url(settings.base_url, row["number"]))))
             for row in rows]
    return Section("certificates", N_("Certificates"), items) if items else None


LOADERS: list[SectionLoader] = [registrations, consultation_bookings, certificates]


def register(loader: SectionLoader) -> None:
    """Add a feature's section (certificates, badges, …) to the cabinet."""
    if loader not in LOADERS:
        LOADERS.append(loader)


async def load(store: Store, settings: Settings, email: str, *, now: datetime) -> list[Section]:
    found = []
    for loader in LOADERS:
        section = await loader(store, settings, email, now)
        if section is not None:
            found.append(section)
    return found
