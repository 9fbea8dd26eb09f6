"""The door's rules as SQLAlchemy expressions, written once for every path that needs them.

Which registrations a check-in list admits (with the day rule of entry lists), the bus label a
door shows, and the reads and writes of a scan. The organiser's lists and counts, the PostgreSQL
door path and the SQLite batch path (`sqlite_checkin`, which compiles these once with bound
parameters) all build their statements from here, so the rules cannot drift apart.

Values may be plain Python values or `sa.bindparam`s: the same function gives the statement for
one scan and the reusable statement compiled once.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from events_app.data import tables as t
from events_app.domain.checkin import CheckinList
from events_app.domain.registration import RegistrationStatus

# The columns the door's answer needs about the person (see `services.checkin.door`).
ATTENDEE_COLUMNS = ("surname", "given_name", "patronymic", "organisation_name", "category")


def admission(kind: str, *, day: Any, session_id: Any, group_id: Any) -> sa.ColumnElement[bool]:
    """A condition on `registrations`: the list admits this registration.

    Confirmed, and: on an entry list, attending that day (the day rule: a two-day ticket opens
    each day's entry list once); on a visit or session list, holding a confirmed place; on a bus
    list, that place and a seat on this bus. Written as correlated EXISTS so a lookup of one
    registration stays an index probe instead of reading the whole event.
    """
    registration_id = t.registrations.c.id
    rule: list[sa.ColumnElement[bool]] = [t.registrations.c.status == RegistrationStatus.CONFIRMED.value]
    if kind == "entry":
        rule.append(sa.exists().where(t.registration_days.c.registration_id == registration_id,
                                      t.registration_days.c.day == day))
        return sa.and_(*rule)
    rule.append(sa.exists().where(t.registration_choices.c.registration_id == registration_id,
                                  t.registration_choices.c.session_id == session_id,
                                  t.registration_choices.c.status == RegistrationStatus.CONFIRMED.value))
    if kind == "bus":
        rule.append(sa.exists().where(t.transport_seats.c.registration_id == registration_id,
                                      t.transport_seats.c.group_id == group_id))
    return sa.and_(*rule)


def list_admission(checkin_list: CheckinList) -> sa.ColumnElement[bool]:
    """`admission` for one concrete list."""
    name = checkin_list.list_name
    return admission(name.kind, day=checkin_list.day, session_id=name.session_id, group_id=name.group_id)


def admitted_registrations(event_id: int, checkin_list: CheckinList) -> sa.Select[Any]:
    """Ids of the registrations of the event that a list admits."""
    return sa.select(t.registrations.c.id).where(t.registrations.c.event_id == event_id,
                                                 list_admission(checkin_list))


def bus_label() -> sa.ColumnElement[str]:
    """A bus or car as the door and the lists name it: "Автобус 1 (А123ВС11)", or the name alone."""
    groups = t.transport_groups
    return sa.case((sa.func.coalesce(groups.c.plate, "") == "", groups.c.name),
                   else_=groups.c.name + " (" + groups.c.plate + ")")


def bus_label_of(registration_id: Any, session_id: Any) -> sa.ScalarSelect[Any]:
    """The bus a delegate is seated on for a visit, as the door shows it (NULL: no seat)."""
    return (sa.select(bus_label()).join(t.transport_seats, t.transport_seats.c.group_id == t.transport_groups.c.id)
            .where(t.transport_seats.c.registration_id == registration_id,
                   t.transport_seats.c.session_id == session_id).scalar_subquery())


def attending_days(registration_id: Any) -> sa.Select[Any]:
    """The days a registration attends, in order: a ticket refused on another day names them."""
    return (sa.select(t.registration_days.c.day).where(t.registration_days.c.registration_id == registration_id)
            .order_by(t.registration_days.c.day))


def logged_scan(nonce: Any) -> sa.Select[Any]:
    """The answer already given for a nonce, and the device it was given to."""
    return sa.select(t.scan_log.c.answer, t.scan_log.c.device_id).where(t.scan_log.c.nonce == nonce)


def ticket_of(secret: Any, event_id: Any) -> sa.Select[Any]:
    """A ticket of the event by its secret."""
    return (sa.select(t.tickets.c.id, t.tickets.c.revoked_at, t.tickets.c.registration_id)
            .join(t.registrations, t.registrations.c.id == t.tickets.c.registration_id)
            .where(t.tickets.c.secret == secret, t.registrations.c.event_id == event_id))


def tickets_with_registrations() -> sa.Select[Any]:
    """Tickets with what the door needs of their registrations (filter it)."""
    return (sa.select(t.tickets.c.id, t.tickets.c.revoked_at, t.registrations.c.id.label("registration_id"),
                      t.registrations.c.status, *(t.registrations.c[name] for name in ATTENDEE_COLUMNS))
            .join(t.registrations, t.registrations.c.id == t.tickets.c.registration_id))


def ticket_with_registration(secret: Any, event_id: Any) -> sa.Select[Any]:
    """A ticket of the event by its secret, with what the door needs of its registration."""
    return tickets_with_registrations().where(t.tickets.c.secret == secret, t.registrations.c.event_id == event_id)


def ticket_facts(secret: Any, event_id: Any, admitted: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """`ticket_with_registration` and whether the list admits it (an `admission`), in one read."""
    return ticket_with_registration(secret, event_id).add_columns(admitted.label("admitted"))


def scan_contexts(scans: sa.FromClause, admitted: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """Everything a batch of scans reads once its registrations are locked, in one statement.

    `scans` has a row per scan (`idx`, `nonce`, `registration_id`, `list_name`, `bus_session_id`)
    and `admitted` is an `admission` whose values are its columns (the scan's registration is
    joined as `registrations`). Per scan: the answer already logged
    for the nonce and its device, whether the list admits the registration, the delegate's bus on
    the visit, the days the registration attends (for a wrong-day answer), then the earlier
    passages (a row each, oldest first; one row of NULLs if none). PostgreSQL only (LATERAL, ARRAY).
    """
    logged = logged_scan(scans.c.nonce)
    passages = (previous_passages(scans.c.registration_id, scans.c.list_name)
                .add_columns(t.checkins.c.id.label("passage")).lateral("passages"))
    # The registration joined, not looked up in a subquery: the admission's EXISTS then correlate
    # with both the registration and the scan's own values.
    return (sa.select(
        scans.c.idx,
        logged.with_only_columns(t.scan_log.c.answer).scalar_subquery().label("logged_answer"),
        logged.with_only_columns(t.scan_log.c.device_id).scalar_subquery().label("logged_device"),
        admitted.label("admitted"),
        bus_label_of(scans.c.registration_id, scans.c.bus_session_id).label("bus"),
        sa.func.array(attending_days(scans.c.registration_id).scalar_subquery(), type_=ARRAY(sa.Date)).label("days"),
        passages.c.type, passages.c.scanned_at, passages.c.name,
    ).select_from(scans.outerjoin(t.registrations, t.registrations.c.id == scans.c.registration_id)
                  .outerjoin(passages, sa.true()))
     .order_by(scans.c.idx, passages.c.passage))


def previous_passages(registration_id: Any, list_name: Any) -> sa.Select[Any]:
    """Earlier passages of a registration on a list, oldest first, with the device's name."""
    return (sa.select(t.checkins.c.type, t.checkins.c.scanned_at, t.devices.c.name)
            .join(t.devices, t.devices.c.id == t.checkins.c.device_id)
            .where(t.checkins.c.registration_id == registration_id, t.checkins.c.list_name == list_name)
            .order_by(t.checkins.c.id))


CHECKIN_COLUMNS = ("event_id", "registration_id", "list_name", "type", "nonce", "device_id", "scanned_at",
                   "recorded_at", "offline")
SCAN_LOG_COLUMNS = ("nonce", "event_id", "device_id", "list_name", "type", "ticket_id", "status", "reason",
                    "scanned_at", "received_at", "offline", "answer")


def record_checkin(**values: Any) -> sa.Insert:
    """A passage through the door; every column given (no Python-side defaults on SQLite)."""
    assert set(values) == set(CHECKIN_COLUMNS), sorted(set(values) ^ set(CHECKIN_COLUMNS))
    return t.checkins.insert().values(**values)


def log_scan(**values: Any) -> sa.Insert:
    """A scan and the answer it got, refused ones too."""
    assert set(values) == set(SCAN_LOG_COLUMNS), sorted(set(values) ^ set(SCAN_LOG_COLUMNS))
    return t.scan_log.insert().values(**values)
