"""A booking as the pages, letters and the cabinet show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from events_app.data.database import Row
from events_app.domain.consultations import BookingStatus, cancel_deadline
from events_app.domain.registration import full_name
from events_app.services.consultations.slots import SlotView


@dataclass(frozen=True)
class BookingView:
    id: int
    slot: SlotView
    status: str
    full_name: str
    email: str | None
    phone: str | None
    organisation: str | None
    language: str
    secret: str
    outcome: str | None
    staff_note: str | None
    created_at: datetime

    @property
    def cancel_until(self) -> datetime:
        return cancel_deadline(self.slot.starts_at)

    @property
    def active(self) -> bool:
        return self.status == BookingStatus.BOOKED.value


def booking_view(row: Row, slot: SlotView) -> BookingView:
    return BookingView(
        id=row["id"], slot=slot, status=row["status"],
        full_name=full_name(row["surname"], row["given_name"], row["patronymic"]), email=row["email"],
        phone=row["phone"], organisation=row["organisation_name"], language=row["language"], secret=row["secret"],
        outcome=row["outcome"], staff_note=row["staff_note"], created_at=row["created_at"])
