"""Sending what is due, once: claim, build, then mark sent and queue the letter in one transaction.

A round claims due rows (`claimed_by`, `claimed_at`) in a short transaction: on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so two processes never claim the same row; SQLite writers take turns.
A claim is a lease: rows of a process that died are claimed again once it runs out. The letter
goes into the outbox in the same transaction as the conditional `UPDATE … SET sent_at WHERE
sent_at IS NULL`, so whichever process gets there first queues it, and only that one. The outbox
then delivers it like every other letter (retries, SMTP down, several processes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.consultations import BookingStatus
from events_app.domain.errors import DomainError
from events_app.domain.registration import RegistrationStatus
from events_app.domain.reminders import ReminderKind, worth_sending
from events_app.services.consultations import bookings
from events_app.services.consultations import letters as consultation_letters
from events_app.services.mail import outbox
from events_app.services.programme import catalogue
from events_app.services.registration.views import registration_view
from events_app.services.reminders import letters, plan
from events_app.services.visits import details
from events_app.settings import Settings

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
_reminders = t.reminders


@dataclass(frozen=True)
class RoundReport:
    sent: tuple[int, ...] = ()
    skipped: tuple[int, ...] = ()
    more: bool = False


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(_reminders.c.sent_at.is_(None), _reminders.c.cancelled_at.is_(None), _reminders.c.due_at <= now,
                   sa.or_(_reminders.c.claimed_at.is_(None), _reminders.c.claimed_at < now - LEASE))


async def claim(store: Store, *, worker: str, now: datetime, batch: int) -> list[Row]:
    if await store.fetch_val(sa.select(_reminders.c.id).where(_due(now)).limit(1)) is None:
        return []
    async with store.transaction():
        rows = await store.fetch_all(
            sa.select(_reminders).where(_due(now)).order_by(_reminders.c.due_at, _reminders.c.id)
            .limit(batch).with_for_update(skip_locked=True))
        if rows:
            await store.execute(_reminders.update().where(_reminders.c.id.in_([row["id"] for row in rows]), _due(now))
                                .values(claimed_by=worker, claimed_at=now))
    return list(rows)


async def run_due(store: Store, settings: Settings, *, worker: str, now: datetime, batch: int = 50,
                  planned: bool = False) -> RoundReport:
    """One round: bring the plan up to date (unless the caller just did), then send up to `batch`
    due reminders."""
    if not planned:
        await plan.synchronise(store, now=now)
    sent: list[int] = []
    skipped: list[int] = []
    rows = await claim(store, worker=worker, now=now, batch=batch)
    for row in rows:
        try:
            message = await _message(store, settings, row, now=now)
        except DomainError:
            message = None  # the registration was erased or the booking is gone
        if message is None:
            await store.execute(_reminders.update().where(_reminders.c.id == row["id"], _reminders.c.sent_at.is_(None))
                                .values(cancelled_at=now))
            skipped.append(row["id"])
            continue
        async with store.transaction():
            marked = await store.fetch_val(
                _reminders.update()
                .where(_reminders.c.id == row["id"], _reminders.c.sent_at.is_(None),
                       _reminders.c.cancelled_at.is_(None), _reminders.c.subject_at == row["subject_at"])
                .values(sent_at=now).returning(_reminders.c.id))
            if marked is not None:
                await outbox.enqueue(store, message, now=now, registration_id=_registration_id(row))
                sent.append(row["id"])
    return RoundReport(sent=tuple(sent), skipped=tuple(skipped), more=len(rows) == batch)


def _registration_id(row: Row) -> int | None:
    kind, _, rest = str(row["subject"]).partition(":")
    return int(rest.split(":")[0]) if kind == "registration" else None


async def _message(store: Store, settings: Settings, row: Row, *, now: datetime) -> EmailMessage | None:
    """The letter, or None when it is no longer wanted: cancelled, moved, or too late to help."""
    kind = ReminderKind(row["kind"])
    if not worth_sending(kind=kind, subject_at=row["subject_at"], due_at=row["due_at"], now=now):
        return None
    if kind is ReminderKind.EVENT_DAY:
        _, registration_id, day = str(row["subject"]).split(":")
        return await _event_day(store, settings, int(registration_id), date.fromisoformat(day), now=now)
    booking = await bookings.get_booking(store, int(str(row["subject"]).split(":")[1]))
    if booking.status != BookingStatus.BOOKED.value or booking.slot.cancelled or booking.email is None:
        return None
    if booking.slot.starts_at != row["subject_at"]:
        return None  # moved since the plan was made; the next round plans the new time
    return consultation_letters.build(settings, booking, kind.value, now=now)


async def _event_day(store: Store, settings: Settings, registration_id: int, day: date, *,
                     now: datetime) -> EmailMessage | None:
    registration = await registration_view(store, registration_id)
    if registration.status != RegistrationStatus.CONFIRMED.value or day not in registration.days:
        return None
    chosen = {choice.session.id for choice in registration.choices if choice.confirmed}
    programme = [session for session in await catalogue.list_sessions(store, registration.event, day=day)
                 if not session.signup_required or session.id in chosen]
    visits = [item for item in await details.delegate_visits(store, registration_id) if item.day == day]
    return letters.event_day(settings, registration, day, programme, visits, now=now)
