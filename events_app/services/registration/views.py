"""A registration as its delegate sees it: on the ticket, in the cabinet and in e-mails."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.errors import N_, DomainError, NotFound
from events_app.domain.links import InvalidLink, read_cabinet_link
from events_app.domain.regions import Region, region_by_code
from events_app.domain.registration import Category, ChoiceStatus, RegistrationStatus, full_name
from events_app.domain.tickets import is_secret
from events_app.services.attendance import join_links
from events_app.services.attendance.join_links import OnlineLink
from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView, SessionView
from events_app.services.registration import places


@dataclass(frozen=True)
class ChoiceView:
    session: SessionView
    status: str
    position: int | None

    @property
    def confirmed(self) -> bool:
        return self.status == ChoiceStatus.CONFIRMED.value


@dataclass(frozen=True)
class ChoiceResult:
    session_id: int
    status: str
    position: int | None


@dataclass(frozen=True)
class RegistrationResult:
    """What registering (or a change of choices) gives: the answer of the API and the pages."""

    id: int
    status: str
    ticket_secret: str | None
    calendar_token: str
    choices: list[ChoiceResult]
    event_position: int | None


@dataclass(frozen=True)
class RegistrationView:
    id: int
    event: EventView
    status: str
    surname: str
    given_name: str
    patronymic: str | None
    email: str
    phone: str
    organisation_name: str
    organisation_inn: str | None
    position: str
    region: Region
    category: Category
    language: str
    days: list[date]
    choices: list[ChoiceView]
    ticket_secret: str | None
    calendar_token: str | None
    link_version: int
    decision_reason: str | None
    event_position: int | None

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.given_name, self.patronymic)


@dataclass(frozen=True)
class EventProgramme:
    """What every registration of one event shows alike: the event and its current sessions by id."""

    event: EventView
    sessions: Mapping[int, SessionView]


async def event_programme(store: Store, slug: str) -> EventProgramme:
    event = await catalogue.get_event(store, slug)
    return EventProgramme(event, {s.id: s for s in await catalogue.list_sessions(store, event)})


# The programme of an event by its slug: read now (`event_programme`) or kept by a caller that
# shows many registrations of one event (the outbox's letters, `letters.writer`).
ProgrammeOf = Callable[[str], Awaitable[EventProgramme]]


async def registration_view(store: Store, registration_id: int, *,
                            programme: ProgrammeOf | None = None) -> RegistrationView:
    """The registration with its event, days, sign-ups and current ticket; erased ones are not found."""
    row = await store.fetch_one(sa.select(t.registrations, t.events.c.slug)
                                .join(t.events, t.events.c.id == t.registrations.c.event_id)
                                .where(t.registrations.c.id == registration_id, t.registrations.c.erased_at.is_(None)))
    if row is None:
        raise NotFound(N_("No such registration"))
    shared = await programme(row["slug"]) if programme is not None else await event_programme(store, row["slug"])
    event, sessions = shared.event, shared.sessions
    days = [r["day"] for r in await store.fetch_all(sa.select(t.registration_days.c.day).where(
        t.registration_days.c.registration_id == registration_id).order_by(t.registration_days.c.day))]
    choices = []
    for choice in await store.fetch_all(sa.select(t.registration_choices).where(
            t.registration_choices.c.registration_id == registration_id)):
        session = sessions.get(choice["session_id"])
        if session is None:
            continue  # a session cancelled after sign-up is no longer on the agenda
        position = None
        if choice["status"] == ChoiceStatus.WAITLISTED.value:
            position = await places.waitlist_position(store, choice["id"], choice["session_id"])
        choices.append(ChoiceView(session, choice["status"], position))
    choices.sort(key=lambda choice: choice.session.starts_at)
    ticket = await store.fetch_val(sa.select(t.tickets.c.secret).where(
        t.tickets.c.registration_id == registration_id, t.tickets.c.revoked_at.is_(None)))
    event_position = None
    if row["status"] == RegistrationStatus.WAITLISTED:
        event_position = await places.event_waitlist_position(store, row["event_id"], registration_id)
    region = region_by_code(row["region_code"])
    assert region is not None
    return RegistrationView(
        id=row["id"], event=event, status=row["status"], surname=row["surname"], given_name=row["given_name"],
        patronymic=row["patronymic"], email=row["email"], phone=row["phone"],
        organisation_name=row["organisation_name"], organisation_inn=row["organisation_inn"],
        position=row["position"], region=region, category=Category(row["category"]), language=row["language"],
        days=days, choices=choices, ticket_secret=ticket, calendar_token=row["calendar_token"],
        link_version=row["link_version"], decision_reason=row["decision_reason"], event_position=event_position,
    )


async def cabinet_registration(store: Store, secret_key: str, token: str, *, now: datetime) -> RegistrationView:
    """The registration a signed cabinet link opens, checked once for every page behind the link
    (the cabinet itself, the visitor-data form): a link to an erased registration, or one made
    before the delegate asked for a new link, no longer works."""
    claim = read_cabinet_link(secret_key, token, now=now)
    try:
        view = await registration_view(store, claim.registration_id)
    except DomainError:
        raise InvalidLink(
            N_("This link no longer works: the registration was cancelled and its data erased.")) from None
    if view.link_version != claim.link_version:
        raise InvalidLink(N_("This link no longer works. Ask for a new one with your e-mail address."))
    return view


async def ticket_holder(store: Store, secret: str) -> RegistrationView:
    """The registration a ticket secret belongs to, while the ticket is valid."""
    if not is_secret(secret):
        raise NotFound(N_("There is no valid ticket at this address"))
    registration_id = await store.fetch_val(sa.select(t.tickets.c.registration_id).where(
        t.tickets.c.secret == secret, t.tickets.c.revoked_at.is_(None)))
    if registration_id is None:
        raise NotFound(N_("There is no valid ticket at this address"))
    return await registration_view(store, int(registration_id))


async def online_links(store: Store, base_url: str, view: RegistrationView, *,
                       online: Sequence[Row] | None = None) -> list[OnlineLink]:
    """The online sessions the delegate may join, each with their own join link; `online` is the
    event's `join_links.online_sessions` when the caller has read them already."""
    return await join_links.links_for(
        store, base_url, registration_id=view.id, event_id=view.event.id, timezone=view.event.timezone,
        status=view.status, days=view.days, confirmed_sessions={c.session.id for c in view.choices if c.confirmed},
        online=online)
