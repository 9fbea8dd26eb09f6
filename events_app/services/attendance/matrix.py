"""Attendance of every delegate at every session of an event: the organiser's matrix and its XLSX.

Built from the join links (online sessions) and the door check-ins (the rest) by
`domain.attendance.build_matrix`; only counts leave for the dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.agenda import SessionKind
from events_app.domain.attendance import DelegateLine, Matrix, SessionColumn, build_matrix, door_list
from events_app.domain.attendance_sheet import attendance_xlsx
from events_app.domain.checkin import ScanType
from events_app.domain.errors import N_, NotFound
from events_app.domain.registration import ChoiceStatus, RegistrationStatus, full_name
from events_app.domain.staff import StaffMember
from events_app.services.attendance.join_links import join_counts
from events_app.services.staff import audit

# Breaks and transfers are not attended in the sense that matters to an organiser.
LEFT_OUT = (SessionKind.BREAK.value, SessionKind.TRANSFER.value)


async def event_matrix(store: Store, event_id: int) -> Matrix:
    event = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
    if event is None:
        raise NotFound(N_("No such event"))
    zone = ZoneInfo(event["timezone"])
    sessions = await store.fetch_all(
        sa.select(t.sessions.c.id, t.sessions.c.title, t.sessions.c.kind, t.sessions.c.starts_at,
                  t.sessions.c.online_url, t.sessions.c.signup_required)
        .where(t.sessions.c.event_id == event_id, t.sessions.c.cancelled_at.is_(None),
               t.sessions.c.kind.not_in(LEFT_OUT))
        .order_by(t.sessions.c.starts_at, t.sessions.c.id))
    columns = [SessionColumn(
        id=row["id"], title=row["title"], starts_at=row["starts_at"].astimezone(zone), online=bool(row["online_url"]),
        door_list=door_list(session_id=row["id"], kind=row["kind"], signup_required=row["signup_required"],
                            day=row["starts_at"].astimezone(zone).date()),
        signup_required=row["signup_required"]) for row in sessions]
    r = t.registrations
    people = await store.fetch_all(
        sa.select(r.c.id, r.c.surname, r.c.given_name, r.c.patronymic, r.c.organisation_name)
        .where(r.c.event_id == event_id, r.c.status == RegistrationStatus.CONFIRMED.value, r.c.erased_at.is_(None))
        .order_by(r.c.surname, r.c.given_name, r.c.id))
    days: dict[int, set[date]] = defaultdict(set)
    for row in await store.fetch_all(
            sa.select(t.registration_days.c.registration_id, t.registration_days.c.day)
            .join(r, r.c.id == t.registration_days.c.registration_id).where(r.c.event_id == event_id)):
        days[row["registration_id"]].add(row["day"])
    confirmed: dict[int, set[int]] = defaultdict(set)
    for row in await store.fetch_all(
            sa.select(t.registration_choices.c.registration_id, t.registration_choices.c.session_id)
            .join(r, r.c.id == t.registration_choices.c.registration_id)
            .where(r.c.event_id == event_id, t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value)):
        confirmed[row["registration_id"]].add(row["session_id"])
    checkins = {(row["registration_id"], row["list_name"]) for row in await store.fetch_all(
        sa.select(t.checkins.c.registration_id, t.checkins.c.list_name)
        .where(t.checkins.c.event_id == event_id, t.checkins.c.type == ScanType.ENTRY.value))}
    delegates = [DelegateLine(registration_id=row["id"], name=full_name(row["surname"], row["given_name"],
                                                                        row["patronymic"]),
                              organisation=row["organisation_name"] or "", days=frozenset(days[row["id"]]),
                              confirmed_sessions=frozenset(confirmed[row["id"]])) for row in people]
    return build_matrix(columns, delegates, joins=await join_counts(store, event_id), checkins=checkins)


async def matrix_xlsx(store: Store, event_id: int, *, actor: StaffMember | None, now: datetime,
                      ip: str | None = None) -> bytes:
    matrix = await event_matrix(store, event_id)
    title = await store.fetch_val(sa.select(t.events.c.title).where(t.events.c.id == event_id))
    await audit.record(store, actor=actor, action="attendance.export", subject="", now=now,
                       event_id=event_id, ip=ip)
    return attendance_xlsx(matrix, title=f"Посещаемость · {title}")
