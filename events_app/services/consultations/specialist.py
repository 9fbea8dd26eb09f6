"""The specialist's day on a phone: their consultations with who booked, and the outcome they record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.consultations import BookingStatus, Outcome
from events_app.domain.errors import N_
from events_app.domain.staff import Forbidden, StaffMember
from events_app.services.consultations import bookings
from events_app.services.consultations.bookings import BookingView
from events_app.services.consultations.slots import SlotView, find_slots

_slots = t.consultation_slots
_bookings = t.consultation_bookings


@dataclass(frozen=True)
class DayItem:
    slot: SlotView
    booking: BookingView | None


async def day(store: Store, member: StaffMember, on: date, *, now: datetime) -> list[DayItem]:
    """The member's slots on `on` (their slots' own local day), each with its active booking, if any."""
    # A local day in any zone lies within these UTC bounds.
    window_start = datetime.combine(on, datetime.min.time(), now.tzinfo) - timedelta(hours=14)
    found = [slot for slot in await find_slots(
        store, _slots.c.specialist_staff_id == member.id, _slots.c.starts_at >= window_start,
        _slots.c.starts_at < window_start + timedelta(hours=52)) if slot.starts_at.date() == on]
    items = []
    for slot in found:
        row = await store.fetch_one(sa.select(_bookings.c.id).where(
            _bookings.c.slot_id == slot.id, _bookings.c.status == BookingStatus.BOOKED.value))
        items.append(DayItem(slot, await bookings.get_booking(store, row["id"]) if row else None))
    return items


async def record(store: Store, member: StaffMember, booking_id: int, *, outcome: str, note: str,
                 now: datetime) -> None:
    """Held or no-show and a note, by the booking's specialist (or an admin)."""
    booking = await bookings.get_booking(store, booking_id)
    if booking.slot.specialist_staff_id != member.id and not member.is_admin:
        raise Forbidden(N_("This consultation is another specialist's"))
    chosen = Outcome(outcome) if outcome in (Outcome.HELD.value, Outcome.NO_SHOW.value) else None
    await bookings.record_outcome(store, booking_id, outcome=chosen, note=note, now=now)
