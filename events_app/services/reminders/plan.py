"""Which reminders are owed right now, and bringing the `reminders` table in line with that.

The plan is derived from the current state of registrations, bookings, slots and settings on
every round, rather than written by each feature when it changes something: a cancelled
registration, a moved slot or a kind turned off needs no hook of its own, and a process that was
down catches up on its first round. The table keeps what was sent, so nothing goes twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.consultations import BookingStatus
from events_app.domain.registration import RegistrationStatus
from events_app.domain.reminders import (
    CONSULTATION_LEADS,
    ReminderKind,
    booking_subject,
    consultation_due,
    day_start,
    event_day_due,
    registration_day_subject,
)
from events_app.services.reminders import preferences

# How far ahead rows are written. Further-off reminders are planned on a later round, so a slot
# moved next month costs nothing now.
HORIZON = timedelta(days=2)
_reminders = t.reminders


@dataclass(frozen=True)
class Owed:
    kind: ReminderKind
    subject: str
    event_id: int | None
    subject_at: datetime
    due_at: datetime


async def owed(store: Store, *, now: datetime) -> list[Owed]:
    """Reminders that should exist now: the subject is still ahead, the reminder falls due within
    the horizon, and it was due after the booking or registration was made (no "one hour left"
    letter for a booking made ten minutes before)."""
    return [*await _event_days(store, now=now), *await _consultations(store, now=now)]


async def _event_days(store: Store, *, now: datetime) -> list[Owed]:
    r, d, e = t.registrations, t.registration_days, t.events
    today = now.date()
    rows = await store.fetch_all(
        sa.select(r.c.id, r.c.created_at, r.c.event_id, e.c.timezone, d.c.day)
        .select_from(d.join(r, r.c.id == d.c.registration_id).join(e, e.c.id == r.c.event_id))
        .where(r.c.status == RegistrationStatus.CONFIRMED.value, r.c.erased_at.is_(None), r.c.email.is_not(None),
               e.c.status == "published", d.c.day >= today - timedelta(days=1),
               d.c.day <= today + HORIZON + timedelta(days=2)))
    settings = await preferences.for_events(store, {row["event_id"] for row in rows})
    found = []
    for row in rows:
        chosen = settings[row["event_id"]]
        if not chosen.day_before:
            continue
        day: date = row["day"]
        due = event_day_due(day, row["timezone"], chosen.day_before_at)
        starts = day_start(day, row["timezone"])
        if starts > now and due <= now + HORIZON and due > row["created_at"]:
            found.append(Owed(ReminderKind.EVENT_DAY, registration_day_subject(row["id"], day), row["event_id"],
                              starts, due))
    return found


async def _consultations(store: Store, *, now: datetime) -> list[Owed]:
    b, s = t.consultation_bookings, t.consultation_slots
    longest = max(CONSULTATION_LEADS.values())
    rows = await store.fetch_all(
        sa.select(b.c.id, b.c.created_at, s.c.starts_at, s.c.event_id)
        .select_from(b.join(s, s.c.id == b.c.slot_id))
        .where(b.c.status == BookingStatus.BOOKED.value, b.c.email.is_not(None), s.c.cancelled_at.is_(None),
               s.c.starts_at > now, s.c.starts_at <= now + HORIZON + longest))
    settings = await preferences.for_events(store, {row["event_id"] for row in rows if row["event_id"] is not None})
    found = []
    for row in rows:
        chosen = settings.get(row["event_id"]) if row["event_id"] is not None else None
        for kind in CONSULTATION_LEADS:
            if chosen is not None and not chosen.enabled(kind):
                continue
            due = consultation_due(kind, row["starts_at"])
            if due <= now + HORIZON and due > row["created_at"]:
                found.append(Owed(kind, booking_subject(row["id"]), row["event_id"], row["starts_at"], due))
    return found


async def synchronise(store: Store, *, now: datetime) -> None:
    """Write the owed reminders, move those whose subject moved, and set aside those no longer owed.

    Several processes may run this at once: inserts skip rows that exist (the unique key decides),
    and every update is conditional, so running it twice changes nothing the second time.
    """
    wanted = {(item.kind.value, item.subject): item for item in await owed(store, now=now)}
    existing: dict[tuple[str, str], Row] = {}
    subjects = sorted({subject for _, subject in wanted})
    for start in range(0, len(subjects), 500):
        chunk = subjects[start:start + 500]
        for found in await store.fetch_all(sa.select(_reminders).where(_reminders.c.subject.in_(chunk))):
            existing[(found["kind"], found["subject"])] = found
    inserts: list[Owed] = []
    updates: list[sa.Update] = []
    for key, item in wanted.items():
        row = existing.get(key)
        if row is None:
            inserts.append(item)
        elif row["subject_at"] != item.subject_at:
            # The consultation or the day moved: a reminder is owed for the new time, sent or not.
            updates.append(_reminders.update().where(
                _reminders.c.id == row["id"], _reminders.c.subject_at == row["subject_at"]).values(
                subject_at=item.subject_at, due_at=item.due_at, sent_at=None, cancelled_at=None,
                claimed_by=None, claimed_at=None))
        elif row["sent_at"] is None and (row["due_at"] != item.due_at or row["cancelled_at"] is not None):
            updates.append(_reminders.update().where(_reminders.c.id == row["id"], _reminders.c.sent_at.is_(None))
                           .values(due_at=item.due_at, cancelled_at=None))
    waiting = await store.fetch_all(sa.select(_reminders.c.id, _reminders.c.kind, _reminders.c.subject).where(
        _reminders.c.sent_at.is_(None), _reminders.c.cancelled_at.is_(None)))
    gone = [row["id"] for row in waiting if (row["kind"], row["subject"]) not in wanted]
    if gone:
        updates.append(_reminders.update().where(_reminders.c.id.in_(gone), _reminders.c.sent_at.is_(None))
                       .values(cancelled_at=now))
    if not inserts and not updates:
        return  # the usual poll: nothing changed, no write lock taken
    # One transaction: on SQLite one commit for the whole pass rather than one per row.
    async with store.transaction():
        for item in inserts:
            await _insert(store, item)
        for statement in updates:
            await store.execute(statement)


async def _insert(store: Store, item: Owed) -> None:
    values = {"kind": item.kind.value, "subject": item.subject, "event_id": item.event_id,
              "subject_at": item.subject_at, "due_at": item.due_at}
    if store.is_sqlite:
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]  # same upsert API, other class
    await store.execute(insert(_reminders).values(**values).on_conflict_do_nothing(
        index_elements=[_reminders.c.kind, _reminders.c.subject]))
