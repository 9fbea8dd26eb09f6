"""Booking a consultation slot, and what its holder may do afterwards: see it, cancel it, add it to
a calendar.

The race guard is the partial unique index on active bookings: the INSERT either wins the slot or
breaks the index, whichever process and backend it runs on. Nothing is read first and written
later, so twenty people pressing «Записаться» at once leave exactly one booking.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import INTEGRITY_ERRORS, Store
from events_app.domain.consent import STANDARD_VERSION
from events_app.domain.consultations import (
    BookingStatus,
    Outcome,
    SlotTaken,
    SlotUnavailable,
    TooLateToCancel,
    may_book,
    may_cancel,
    validate_booking,
)
from events_app.domain.errors import N_, NotFound
from events_app.domain.ics import FeedItem, build_calendar
from events_app.services.consultations import letters
from events_app.services.consultations.slots import SlotView, get_slot, next_free
from events_app.services.consultations.views import BookingView, booking_view
from events_app.settings import Settings

_bookings = t.consultation_bookings


async def get_booking(store: Store, booking_id: int) -> BookingView:
    row = await store.fetch_one(sa.select(_bookings).where(_bookings.c.id == booking_id))
    if row is None:
        raise NotFound(N_("No such booking"))
    return booking_view(row, await get_slot(store, row["slot_id"]))


async def booking_by_secret(store: Store, secret: str) -> BookingView:
    if not secret or len(secret) > 43:
        raise NotFound(N_("No such booking"))
    row = await store.fetch_one(sa.select(_bookings).where(_bookings.c.secret == secret))
    if row is None:
        raise NotFound(N_("No such booking"))
    return booking_view(row, await get_slot(store, row["slot_id"]))


async def bookings_for_email(store: Store, email: str) -> list[BookingView]:
    rows = await store.fetch_all(sa.select(_bookings).where(_bookings.c.email == email).order_by(_bookings.c.id))
    return [booking_view(row, await get_slot(store, row["slot_id"])) for row in rows]


@dataclass(frozen=True)
class Taken:
    """The answer for those who came second: the slot is gone; these are free."""

    slot: SlotView
    offered: list[SlotView]


class SlotTakenError(SlotTaken):
    def __init__(self, taken: Taken) -> None:
        super().__init__(N_("Someone has just booked this slot. Choose another one."))
        self.taken = taken


async def book(store: Store, settings: Settings, *, slot_id: int, data: Mapping[str, Any], consent_ip: str | None,
               language: str, now: datetime) -> BookingView:
    """Book the slot for the person in `data`; `SlotTakenError` (with the next free slots) if taken."""
    slot = await get_slot(store, slot_id)
    form = validate_booking(data)
    if not may_book(starts_at=slot.starts_at, cancelled=slot.cancelled, now=now):
        raise SlotUnavailable(N_("This slot can no longer be booked"))
    secret = secrets.token_urlsafe(24)
    try:
        async with store.transaction():
            booking_id = await store.insert(_bookings.insert().values(
                slot_id=slot_id, status=BookingStatus.BOOKED.value, surname=form.surname, given_name=form.given_name,
                patronymic=form.patronymic, email=form.email, phone=form.phone,
                organisation_name=form.organisation_name, organisation_inn=form.organisation_inn,
                consent_version=STANDARD_VERSION, consent_at=now, consent_ip=consent_ip, language=language,
                secret=secret, created_at=now, updated_at=now).returning(_bookings.c.id))
            booking = await get_booking(store, booking_id)
            await letters.booked(store, settings, booking, calendar=booking_calendar(settings, booking), now=now)
    except INTEGRITY_ERRORS:
        raise SlotTakenError(Taken(slot, await next_free(store, slot, now=now))) from None
    return booking


async def cancel(store: Store, settings: Settings, secret: str, *, now: datetime) -> BookingView:
    """The holder cancels until the deadline; the slot is free again at once."""
    booking = await booking_by_secret(store, secret)
    if not booking.active:
        return booking
    if not may_cancel(starts_at=booking.slot.starts_at, now=now):
        raise TooLateToCancel(N_("It is too late to cancel online: call the centre instead"))
    async with store.transaction():
        await store.execute(_bookings.update()
                            .where(_bookings.c.id == booking.id, _bookings.c.status == BookingStatus.BOOKED.value)
                            .values(status=BookingStatus.CANCELLED.value, cancelled_at=now, updated_at=now))
        await _cancel_reminders(store, booking.id, now=now)
        cancelled = await get_booking(store, booking.id)
        await letters.cancelled(store, settings, cancelled, calendar=booking_calendar(settings, cancelled), now=now)
    return cancelled


async def _cancel_reminders(store: Store, booking_id: int, *, now: datetime) -> None:
    # The scheduler checks the booking again before sending; this only spares it the work.
    await store.execute(t.reminders.update()
                        .where(t.reminders.c.subject == f"booking:{booking_id}", t.reminders.c.sent_at.is_(None))
                        .values(cancelled_at=now))


async def record_outcome(store: Store, booking_id: int, *, outcome: Outcome | None, note: str | None,
                         now: datetime) -> None:
    """The specialist's record: held or no-show, and a note only staff see."""
    await get_booking(store, booking_id)
    await store.execute(_bookings.update().where(_bookings.c.id == booking_id).values(
        outcome=outcome.value if outcome else None, staff_note=(note or "").strip()[:2000] or None, updated_at=now))


def booking_calendar(settings: Settings, booking: BookingView) -> bytes:
    """The booking as a calendar file; a cancelled booking gives a CANCELLED entry with the same UID."""
    slot = booking.slot
    host = urlsplit(settings.base_url).hostname or "localhost"
    item = FeedItem(
        uid=f"consultation-{booking.id}@{host}", sequence=slot.sequence + (0 if booking.active else 1),
        last_modified=booking.created_at, cancelled=not booking.active or slot.cancelled,
        title=f"Консультация: {slot.topic}", starts_at=slot.starts_at, ends_at=slot.ends_at, timezone=slot.timezone,
        location=slot.place, url=f"{settings.base_url}/consultations/b/{booking.secret}",
        description=f"Специалист: {slot.specialist}", online_url=slot.online_url)
    return build_calendar([item], name="Консультация", timezone=slot.timezone)
