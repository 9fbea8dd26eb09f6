"""Consultation slots: publishing, moving and cancelling them, and listing them with filters.

A slot's time is stored in UTC and shown in its own zone (the centre's or the event's). Moving a
slot raises its sequence, so calendar files replace their copy, and the reminder scheduler sees the
new start and reminds again for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.agenda import to_utc
from events_app.domain.consultations import BookingStatus
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.registration import clean_text

_slots = t.consultation_slots
_bookings = t.consultation_bookings


@dataclass(frozen=True)
class SlotView:
    id: int
    topic: str
    specialist: str
    specialist_staff_id: int | None
    centre: str | None
    starts_at: datetime  # in the slot's own zone
    ends_at: datetime
    timezone: str
    place: str | None
    online_url: str | None
    event_id: int | None
    event_slug: str | None
    sequence: int
    cancelled: bool
    booked: bool

    @property
    def status(self) -> str:
        return "booked" if self.booked else "free"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class SlotFilter:
    topic: str | None = None
    specialist: str | None = None
    day: date | None = None
    free_only: bool = False


@dataclass(frozen=True)
class SlotForm:
    topic: str
    specialist_name: str
    specialist_staff_id: int | None
    centre: str | None
    starts_at: datetime  # UTC
    minutes: int
    timezone: str
    place: str | None
    online_url: str | None
    event_id: int | None


def _active_booking() -> sa.Exists:
    return sa.exists().where(_bookings.c.slot_id == _slots.c.id, _bookings.c.status == BookingStatus.BOOKED.value)


def _select() -> sa.Select[Any]:
    return (sa.select(_slots, t.events.c.slug.label("event_slug"), _active_booking().label("booked"))
            .select_from(_slots.outerjoin(t.events, t.events.c.id == _slots.c.event_id)))


def slot_view(row: Row) -> SlotView:
    zone = ZoneInfo(row["timezone"])
    starts = row["starts_at"].astimezone(zone)
    return SlotView(
        id=row["id"], topic=row["topic"], specialist=row["specialist_name"],
        specialist_staff_id=row["specialist_staff_id"], centre=row["centre"], starts_at=starts,
        ends_at=starts + timedelta(minutes=row["minutes"]), timezone=row["timezone"], place=row["place"],
        online_url=row["online_url"], event_id=row["event_id"], event_slug=row["event_slug"],
        sequence=row["sequence"], cancelled=row["cancelled_at"] is not None, booked=bool(row["booked"]))


async def get_slot(store: Store, slot_id: int) -> SlotView:
    row = await store.fetch_one(_select().where(_slots.c.id == slot_id))
    if row is None:
        raise NotFound(N_("No such consultation slot"))
    return slot_view(row)


async def list_slots(store: Store, *, now: datetime, filters: SlotFilter = SlotFilter(),
                     event_ids: frozenset[int] | None = None, include_past: bool = False,
                     include_cancelled: bool = False, limit: int = 500) -> list[SlotView]:
    """Slots in time order; the public sees upcoming, uncancelled ones."""
    query = _select().order_by(_slots.c.starts_at, _slots.c.id).limit(limit)
    if not include_past:
        query = query.where(_slots.c.starts_at > now)
    if not include_cancelled:
        query = query.where(_slots.c.cancelled_at.is_(None))
    if filters.topic:
        query = query.where(_slots.c.topic == filters.topic)
    if filters.specialist:
        query = query.where(_slots.c.specialist_name == filters.specialist)
    if filters.free_only:
        query = query.where(~_active_booking())
    if event_ids is not None:
        query = query.where(_slots.c.event_id.in_(event_ids))
    found = [slot_view(row) for row in await store.fetch_all(query)]
    if filters.day is not None:
        # The day is the slot's own local day, which SQL cannot work out across zones.
        found = [slot for slot in found if slot.starts_at.date() == filters.day]
    return found


async def next_free(store: Store, after: SlotView, *, now: datetime, count: int = 3) -> list[SlotView]:
    """Free slots to offer when `after` was taken: the same topic first, then any, soonest first."""
    same = await list_slots(store, now=now, filters=SlotFilter(topic=after.topic, free_only=True), limit=count + 1)
    offered = [slot for slot in same if slot.id != after.id][:count]
    if len(offered) < count:
        others = await list_slots(store, now=now, filters=SlotFilter(free_only=True), limit=count * 3)
        offered += [slot for slot in others if slot.id != after.id and slot not in offered][:count - len(offered)]
    return offered


async def choices(store: Store, *, now: datetime) -> tuple[list[str], list[str]]:
    """The topics and specialists of upcoming slots, for the filter lists."""
    rows = await store.fetch_all(sa.select(_slots.c.topic, _slots.c.specialist_name).distinct()
                                 .where(_slots.c.starts_at > now, _slots.c.cancelled_at.is_(None)))
    return sorted({row["topic"] for row in rows}), sorted({row["specialist_name"] for row in rows})


def validate_slot(data: Mapping[str, Any], *, default_timezone: str) -> SlotForm:
    """An organiser's slot form: times are local wall-clock times in the slot's zone."""
    errors: dict[str, str] = {}
    topic = clean_text(data.get("topic"))
    if not topic:
        errors["topic"] = N_("Enter the topic")
    specialist = clean_text(data.get("specialist_name"))
    if not specialist:
        errors["specialist_name"] = N_("Enter the specialist's name")
    zone = clean_text(data.get("timezone")) or default_timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = N_("Enter a time zone such as Europe/Moscow")
        zone = default_timezone
    starts_at = None
    try:
        starts_at = to_utc(datetime.fromisoformat(clean_text(data.get("starts_at"))).replace(tzinfo=None), zone)
    except ValueError:
        errors["starts_at"] = N_("Enter the date and time of the start")
    raw_minutes = clean_text(data.get("minutes")) or "30"
    minutes = int(raw_minutes) if raw_minutes.isdigit() else 0
    if not 0 < minutes <= 480:
        errors["minutes"] = N_("The length is from 1 to 480 minutes")
    online_url = clean_text(data.get("online_url")) or None
    if online_url and not online_url.startswith(("https://", "http://")):
        errors["online_url"] = N_("An online link starts with https://")
    place = clean_text(data.get("place")) or None
    if not place and not online_url:
        errors["place"] = N_("Give the place or an online link")
    staff_raw = clean_text(data.get("specialist_staff_id"))
    staff_id = int(staff_raw) if staff_raw.isdigit() else None
    event_raw = clean_text(data.get("event_id"))
    event_id = int(event_raw) if event_raw.isdigit() else None
    if errors or starts_at is None:
        raise InvalidInput(N_("Please correct the marked fields"), fields=errors)
    return SlotForm(topic=topic, specialist_name=specialist, specialist_staff_id=staff_id,
                    centre=clean_text(data.get("centre")) or None, starts_at=starts_at, minutes=minutes,
                    timezone=zone, place=place, online_url=online_url, event_id=event_id)


async def publish(store: Store, form: SlotForm, *, now: datetime) -> int:
    return await store.insert(_slots.insert().values(
        event_id=form.event_id, topic=form.topic, specialist_name=form.specialist_name,
        specialist_staff_id=form.specialist_staff_id, centre=form.centre, starts_at=form.starts_at,
        minutes=form.minutes, timezone=form.timezone, place=form.place, online_url=form.online_url,
        sequence=0, created_at=now, updated_at=now).returning(_slots.c.id))


async def move(store: Store, slot_id: int, *, starts_at: datetime, minutes: int | None = None,
               now: datetime) -> None:
    """A new time for a slot; its booking stays, its calendar entry and reminders follow."""
    values: dict[str, Any] = {"starts_at": starts_at, "sequence": _slots.c.sequence + 1, "updated_at": now}
    if minutes is not None:
        values["minutes"] = minutes
    await get_slot(store, slot_id)
    await store.execute(_slots.update().where(_slots.c.id == slot_id).values(**values))


async def cancel_slot(store: Store, slot_id: int, *, now: datetime) -> None:
    await get_slot(store, slot_id)
    await store.execute(_slots.update().where(_slots.c.id == slot_id, _slots.c.cancelled_at.is_(None))
                        .values(cancelled_at=now, sequence=_slots.c.sequence + 1, updated_at=now))


async def find_slots(store: Store, *conditions: sa.ColumnElement[bool]) -> list[SlotView]:
    """Slots matching `conditions` on the slots table, in time order."""
    rows = await store.fetch_all(_select().where(*conditions).order_by(_slots.c.starts_at, _slots.c.id))
    return [slot_view(row) for row in rows]
