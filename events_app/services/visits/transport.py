"""Filling the buses of a site visit, moving people by hand, manifests, and telling delegates.

Seats of one event are handed out under the event's lock (`places.lock_event`), like places:
two organisers pressing buttons at once never put a bus over its seats. A seat counts only
while its delegate holds a confirmed place on the visit (`site_visits.seated_condition`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.errors import N_, DomainError, InvalidInput, NotFound
from events_app.domain.mail import compose, mailbox
from events_app.domain.registration import HOLDING_PLACES, ChoiceStatus, full_name
from events_app.domain.staff import StaffMember
from events_app.services.mail import outbox
from events_app.services.mail.templates import render
from events_app.services.registration import places
from events_app.services.staff import audit
from events_app.services.visits import details, seating
from events_app.services.visits.details import GroupView, VisitView
from events_app.settings import Settings


class BusFull(DomainError):
    code = "bus_full"


async def assign(store: Store, *, member: StaffMember, event_id: int, session_id: int, ip: str | None,
                 now: datetime) -> int:
    """The organiser's "fill the buses": seats everyone without one. Gives how many were seated."""
    async with store.transaction():
        await places.lock_event(store, event_id)
        visit = await details.get_visit(store, event_id, session_id)
        seated = await seating.fill_buses(store, session_id, now=now)
        await audit.record(store, actor=member, action="visits.assign", subject=visit.title, now=now,
                           event_id=event_id, details={"seated": len(seated)}, ip=ip)
    return len(seated)


@dataclass(frozen=True)
class SeatingReport:
    """What «Fill the buses» did, in numbers the organiser is shown."""

    seated: int       # given a seat just now
    not_seated: int   # holding a place on the visit, still without a seat (the buses are full)
    letters: int      # letters queued to those seated just now


async def fill_and_tell(store: Store, settings: Settings, *, member: StaffMember, event_id: int, session_id: int,
                        ip: str | None, now: datetime) -> SeatingReport:
    """Seat everyone without a seat and write to each of them which bus is theirs."""
    async with store.transaction():
        await places.lock_event(store, event_id)
        await details.get_visit(store, event_id, session_id)
        seated = await seating.fill_buses(store, session_id, now=now)
        visit = await details.get_visit(store, event_id, session_id)
        letters = await tell(store, settings, visit, sorted(seated), "seated", now=now)
        not_seated = len(await passengers(store, session_id, None))
        await audit.record(store, actor=member, action="visits.assign", subject=visit.title, now=now,
                           event_id=event_id, ip=ip,
                           details={"seated": len(seated), "not_seated": not_seated, "letters": letters})
    return SeatingReport(seated=len(seated), not_seated=not_seated, letters=letters)


async def move(store: Store, settings: Settings, *, member: StaffMember, event_id: int, session_id: int,
               registration_id: int, group_id: int, ip: str | None, now: datetime) -> None:
    """Put a delegate on another bus of the same visit, if it has a free seat, and tell them."""
    async with store.transaction():
        await places.lock_event(store, event_id)
        visit = await details.get_visit(store, event_id, session_id)
        group = next((g for g in visit.groups if g.id == group_id), None)
        if group is None:
            raise InvalidInput(N_("Choose a bus of this visit"), fields={"group_id": N_("Choose a bus of this visit")})
        holder = await store.fetch_one(
            sa.select(t.registrations.c.surname, t.registrations.c.given_name, t.registrations.c.patronymic)
            .select_from(t.registration_choices)
            .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
            .where(t.registration_choices.c.registration_id == registration_id,
                   t.registration_choices.c.session_id == session_id,
                   t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value,
                   t.registrations.c.status.in_(HOLDING_PLACES)))
        if holder is None:
            raise NotFound(N_("This delegate holds no place on this visit"))
        current = await store.fetch_val(sa.select(t.transport_seats.c.group_id).where(
            t.transport_seats.c.registration_id == registration_id, t.transport_seats.c.session_id == session_id))
        if current == group_id:
            return
        if group.taken >= group.seats:
            raise BusFull(N_("%(bus)s has no free seat"), values={"bus": group.name},
                          fields={"group_id": N_("This bus has no free seat")})
        if current is None:
            await store.execute(t.transport_seats.insert().values(
                registration_id=registration_id, session_id=session_id, group_id=group_id, by_hand=True,
                assigned_at=now))
        else:
            await store.execute(t.transport_seats.update().where(
                t.transport_seats.c.registration_id == registration_id, t.transport_seats.c.session_id == session_id)
                .values(group_id=group_id, by_hand=True, assigned_at=now))
        await audit.record(store, actor=member, action="visits.move",
                           subject=full_name(holder["surname"], holder["given_name"], holder["patronymic"]),
                           now=now, event_id=event_id, ip=ip,
                           details={"session_id": session_id, "from": current, "to": group_id})
        await tell(store, settings, visit, [registration_id], "bus", now=now)


async def change_times(store: Store, settings: Settings, *, member: StaffMember, event_id: int, session_id: int,
                       departs_at: datetime, returns_at: datetime | None, ip: str | None, now: datetime) -> int:
    """New departure (and return) times; every delegate seated on the visit is told. Gives how many."""
    if returns_at is not None and returns_at <= departs_at:
        raise InvalidInput(N_("The return must be after the departure"),
                           fields={"returns_at": N_("The return must be after the departure")})
    async with store.transaction():
        await places.lock_event(store, event_id)
        before = await details.get_visit(store, event_id, session_id)
        if before.departs_at == departs_at and before.returns_at == returns_at:
            return 0
        if await store.fetch_val(sa.select(t.visit_details.c.session_id)
                                 .where(t.visit_details.c.session_id == session_id)) is None:
            # A visit drafted in the agenda builder has no details row until it is given one.
            await store.execute(t.visit_details.insert().values(session_id=session_id, departs_at=departs_at,
                                                                returns_at=returns_at))
        else:
            await store.execute(t.visit_details.update().where(t.visit_details.c.session_id == session_id)
                                .values(departs_at=departs_at, returns_at=returns_at))
        await store.execute(t.sessions.update().where(t.sessions.c.id == session_id)
                            .values(sequence=t.sessions.c.sequence + 1, updated_at=now))
        visit = await details.get_visit(store, event_id, session_id)
        riders = [registration for registration, _, _ in await seating.seats_of_visit(store, session_id)]
        await audit.record(store, actor=member, action="visits.times", subject=visit.title, now=now,
                           event_id=event_id, ip=ip, details={
                               "departs_at": departs_at, "returns_at": returns_at, "told": len(riders)})
        await tell(store, settings, visit, riders, "time", now=now)
    return len(riders)


SUBJECTS = {"bus": N_("Your bus has changed: %(visit)s"), "time": N_("New departure time: %(visit)s"),
            "seated": N_("Your bus: %(visit)s"), "bus_details": N_("Your bus's details have changed: %(visit)s")}


def visit_change_message(settings: Settings, visit: VisitView, group: GroupView | None, *, name: str, email: str,
                         language: str, zone: str, reason: str, now: datetime) -> EmailMessage:
    local = ZoneInfo(zone)
    with i18n.language(language):
        text = render("visit_change.txt", {
            "name": name, "visit": visit, "group": group, "reason": reason,
            "departs": visit.departs_at.astimezone(local) if visit.departs_at else None,
            "returns": visit.returns_at.astimezone(local) if visit.returns_at else None,
            "day": i18n.format_day(visit.starts_at.astimezone(local).date()),
            "requirements": visit.requirement_labels()})
        subject = i18n.gettext(SUBJECTS[reason]) % {"visit": visit.title}
    return compose(sender=settings.mail_from, recipient=mailbox(name, email), subject=subject, text=text, date=now)


async def tell(store: Store, settings: Settings, visit: VisitView, registration_ids: list[int], reason: str, *,
                now: datetime) -> int:
    """Queue one letter to each of these delegates who still has an address; gives how many."""
    if not registration_ids:
        return 0
    zone = await store.fetch_val(sa.select(t.events.c.timezone).where(t.events.c.id == visit.event_id))
    groups = {g.id: g for g in visit.groups}
    seat_of = await store.fetch_pairs(sa.select(t.transport_seats.c.registration_id, t.transport_seats.c.group_id)
                                      .where(t.transport_seats.c.session_id == visit.session_id))
    told = 0
    for row in await store.fetch_all(sa.select(t.registrations).where(t.registrations.c.id.in_(registration_ids),
                                                                      t.registrations.c.email.is_not(None))):
        message = visit_change_message(
            settings, visit, groups.get(seat_of.get(row["id"], 0)),
            name=full_name(row["surname"], row["given_name"], row["patronymic"]), email=row["email"],
            language=row["language"], zone=zone, reason=reason, now=now)
        await outbox.enqueue(store, message, now=now, registration_id=row["id"])
        told += 1
    return told


@dataclass(frozen=True)
class Passenger:
    registration_id: int
    name: str
    organisation: str
    phone: str | None
    by_hand: bool


@dataclass(frozen=True)
class Manifest:
    visit: VisitView
    group: GroupView
    passengers: list[Passenger]


async def passengers(store: Store, session_id: int, group_id: int | None) -> list[Passenger]:
    """Delegates on one bus (or, with None, the delegates of the visit still without a seat)."""
    if group_id is None:
        query = (sa.select(t.registrations.c.id, t.registrations.c.surname, t.registrations.c.given_name,
                           t.registrations.c.patronymic, t.registrations.c.organisation_name, t.registrations.c.phone,
                           sa.false().label("by_hand"))
                 .join(t.registration_choices, t.registration_choices.c.registration_id == t.registrations.c.id)
                 .where(t.registration_choices.c.session_id == session_id,
                        t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value,
                        t.registrations.c.status.in_(HOLDING_PLACES),
                        t.registrations.c.id.not_in(sa.select(t.transport_seats.c.registration_id).where(
                            t.transport_seats.c.session_id == session_id))))
    else:
        query = (sa.select(t.registrations.c.id, t.registrations.c.surname, t.registrations.c.given_name,
                           t.registrations.c.patronymic, t.registrations.c.organisation_name, t.registrations.c.phone,
                           t.transport_seats.c.by_hand)
                 .join(t.registrations, t.registrations.c.id == t.transport_seats.c.registration_id)
                 .where(t.transport_seats.c.group_id == group_id, details.seated_condition()))
    rows = await store.fetch_all(query.order_by(t.registrations.c.surname, t.registrations.c.given_name))
    return [Passenger(row["id"], full_name(row["surname"], row["given_name"], row["patronymic"]),
                      row["organisation_name"] or "", row["phone"], bool(row["by_hand"])) for row in rows]


async def manifest(store: Store, event_id: int, session_id: int, group_id: int) -> Manifest:
    visit = await details.get_visit(store, event_id, session_id)
    group = next((g for g in visit.groups if g.id == group_id), None)
    if group is None:
        raise NotFound(N_("This visit has no bus of that number"))
    return Manifest(visit, group, await passengers(store, session_id, group_id))
