"""Who may publish and change which slots: an admin any, an organiser those of their events.

Slots not tied to an event (a centre's own) are the admins'. The specialist may be named by the
e-mail of their staff account, so that the slot appears on their phone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.agenda import to_utc
from events_app.domain.consultations import BookingStatus
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.staff import Forbidden, Role, StaffMember
from events_app.services.consultations import bookings, letters, slots
from events_app.services.consultations.slots import SlotForm, SlotView
from events_app.services.staff.accounts import normalise_email
from events_app.settings import Settings


def managed_events(member: StaffMember) -> frozenset[int] | None:
    """The events whose slots the member manages; None means every slot (an admin)."""
    if member.is_admin:
        return None
    return frozenset(event_id for event_id, roles in member.roles.items() if Role.ORGANISER in roles)


def may_manage(member: StaffMember, slot_event_id: int | None) -> bool:
    allowed = managed_events(member)
    return allowed is None or (slot_event_id is not None and slot_event_id in allowed)


async def managed_slots(store: Store, member: StaffMember, *, now: datetime) -> list[SlotView]:
    allowed = managed_events(member)
    return await slots.list_slots(store, now=now - timedelta(days=1), event_ids=allowed, include_cancelled=True)


async def publish(store: Store, member: StaffMember, data: Mapping[str, Any], *, now: datetime) -> int:
    event_timezone = await _event_timezone(store, data.get("event_id"))
    form = slots.validate_slot(data, default_timezone=event_timezone or "Europe/Moscow")
    if not may_manage(member, form.event_id):
        raise Forbidden(N_("You may publish slots only for the events you organise"))
    staff_id = await _specialist_account(store, str(data.get("specialist_email") or ""))
    return await slots.publish(store, SlotForm(**{**form.__dict__, "specialist_staff_id": staff_id}), now=now)


async def move(store: Store, settings: Settings, member: StaffMember, slot_id: int, starts_at: str, *,
               now: datetime) -> None:
    slot = await slots.get_slot(store, slot_id)
    if not may_manage(member, slot.event_id):
        raise Forbidden(N_("You may change slots only of the events you organise"))
    try:
        moment = to_utc(datetime.fromisoformat(starts_at.strip()).replace(tzinfo=None), slot.timezone)
    except ValueError:
        raise InvalidInput(N_("Please correct the marked fields"),
                           fields={"starts_at": N_("Enter the date and time of the start")}) from None
    async with store.transaction():
        await slots.move(store, slot_id, starts_at=moment, now=now)
        await _tell_holder(store, settings, slot_id, "moved", now=now)


async def cancel(store: Store, settings: Settings, member: StaffMember, slot_id: int, *, now: datetime) -> None:
    """Cancel the slot; its booking, if any, is cancelled with it and its holder told."""
    slot = await slots.get_slot(store, slot_id)
    if not may_manage(member, slot.event_id):
        raise Forbidden(N_("You may change slots only of the events you organise"))
    if slot.cancelled:
        return
    async with store.transaction():
        await slots.cancel_slot(store, slot_id, now=now)
        booking_id = await _active_booking(store, slot_id)
        if booking_id is not None:
            await store.execute(t.consultation_bookings.update().where(t.consultation_bookings.c.id == booking_id)
                                .values(status=BookingStatus.CANCELLED.value, cancelled_at=now, updated_at=now))
            booking = await bookings.get_booking(store, booking_id)
            await letters.changed(store, settings, booking, "withdrawn",
                                  calendar=bookings.booking_calendar(settings, booking), now=now)


async def _active_booking(store: Store, slot_id: int) -> int | None:
    booking_id: int | None = await store.fetch_val(sa.select(t.consultation_bookings.c.id).where(
        t.consultation_bookings.c.slot_id == slot_id,
        t.consultation_bookings.c.status == BookingStatus.BOOKED.value))
    return booking_id


async def _tell_holder(store: Store, settings: Settings, slot_id: int, kind: str, *, now: datetime) -> None:
    booking_id = await _active_booking(store, slot_id)
    if booking_id is not None:
        booking = await bookings.get_booking(store, booking_id)
        await letters.changed(store, settings, booking, kind, calendar=bookings.booking_calendar(settings, booking),
                              now=now)


async def _event_timezone(store: Store, event_id: Any) -> str | None:
    if not str(event_id or "").isdigit():
        return None
    zone: str | None = await store.fetch_val(sa.select(t.events.c.timezone).where(t.events.c.id == int(event_id)))
    return zone


async def _specialist_account(store: Store, email: str) -> int | None:
    if not email.strip():
        return None
    staff_id: int | None = await store.fetch_val(sa.select(t.staff.c.id).where(
        t.staff.c.email == normalise_email(email), t.staff.c.disabled_at.is_(None)))
    if staff_id is None:
        raise InvalidInput(N_("Please correct the marked fields"),
                           fields={"specialist_email": N_("No staff account has this e-mail address")})
    return staff_id
