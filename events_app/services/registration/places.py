"""Places in sessions and in the event: handing them out and moving waiting lists up.

Every function here runs inside the caller's transaction, after `lock_event`: places of one
event are handed out one transaction at a time (on SQLite all writers queue anyway; on
PostgreSQL the event row is locked), so a session never gets more sign-ups than places and a
waiting list is in arrival order however many people press the button at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.registration import HOLDING_PLACES, ChoiceStatus, Promotion, RegistrationStatus
from events_app.services.visits import seating


async def lock_event(store: Store, event_id: int) -> Row:
    """Take the event's row lock: one registration transaction of an event at a time.

    On PostgreSQL it is `FOR NO KEY UPDATE`, which still excludes another taker of this lock but not
    the `FOR KEY SHARE` that a foreign-key check takes: the door's inserts into `scan_log` and
    `checkins` (which refer to the event) do not queue behind a registration rush.
    """
    row = await store.fetch_one(
        sa.select(t.events).where(t.events.c.id == event_id).with_for_update(key_share=True))
    assert row is not None
    return row


async def _confirmed_in_session(store: Store, session_id: int) -> int:
    return int(await store.fetch_val(
        sa.select(sa.func.count()).select_from(t.registration_choices)
        .where(t.registration_choices.c.session_id == session_id,
               t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value)))


async def active_in_event(store: Store, event_id: int) -> int:
    return int(await store.fetch_val(
        sa.select(sa.func.count()).select_from(t.registrations)
        .where(t.registrations.c.event_id == event_id, t.registrations.c.status.in_(HOLDING_PLACES))))


async def take_place(store: Store, *, registration_id: int, session_id: int, capacity: int | None,
                     holds_places: bool, now: datetime) -> ChoiceStatus:
    """Sign a registration up for a session: a place if one is free, else the end of the line."""
    free = capacity is None or await _confirmed_in_session(store, session_id) < capacity
    status = ChoiceStatus.CONFIRMED if holds_places and free else ChoiceStatus.WAITLISTED
    await store.execute(t.registration_choices.insert().values(
        registration_id=registration_id, session_id=session_id, status=status.value, created_at=now, updated_at=now))
    if status is ChoiceStatus.CONFIRMED:
        await seat_promoted(store, [Promotion(registration_id, session_id)], now=now)
    return status


async def promote_sessions(store: Store, session_ids: Iterable[int], *, now: datetime) -> list[Promotion]:
    """Fill free places of these sessions from their waiting lists, first come first served."""
    promoted: list[Promotion] = []
    for session_id in sorted(set(session_ids)):
        capacity = await store.fetch_val(sa.select(t.sessions.c.capacity).where(t.sessions.c.id == session_id))
        free = None if capacity is None else capacity - await _confirmed_in_session(store, session_id)
        waiting = (
            sa.select(t.registration_choices.c.id, t.registration_choices.c.registration_id)
            .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
            .where(t.registration_choices.c.session_id == session_id,
                   t.registration_choices.c.status == ChoiceStatus.WAITLISTED.value,
                   t.registrations.c.status.in_(HOLDING_PLACES))
            .order_by(t.registration_choices.c.id))
        if free is not None:
            if free <= 0:
                continue
            waiting = waiting.limit(free)
        for row in await store.fetch_all(waiting):
            await store.execute(t.registration_choices.update().where(t.registration_choices.c.id == row["id"])
                                .values(status=ChoiceStatus.CONFIRMED.value, updated_at=now))
            promoted.append(Promotion(row["registration_id"], session_id))
    await seat_promoted(store, promoted, now=now)
    return promoted


async def promote_event(store: Store, event_id: int, *, now: datetime) -> list[Promotion]:
    """Admit registrations waiting for a place in the event, in arrival order."""
    event = await store.fetch_one(sa.select(t.events.c.id, t.events.c.capacity, t.events.c.moderation)
                                  .where(t.events.c.id == event_id))
    assert event is not None  # the caller has just released a place in this event
    if event["capacity"] is None:
        waiting_count = None
    else:
        waiting_count = event["capacity"] - await active_in_event(store, event["id"])
        if waiting_count <= 0:
            return []
    query = (sa.select(t.registrations.c.id).where(
        t.registrations.c.event_id == event["id"], t.registrations.c.status == RegistrationStatus.WAITLISTED.value)
        .order_by(t.registrations.c.id))
    if waiting_count is not None:
        query = query.limit(waiting_count)
    admitted = [row["id"] for row in await store.fetch_all(query)]
    status = RegistrationStatus.PENDING if event["moderation"] else RegistrationStatus.CONFIRMED
    promoted = []
    for registration_id in admitted:
        await store.execute(t.registrations.update().where(t.registrations.c.id == registration_id)
                            .values(status=status.value, updated_at=now))
        promoted.append(Promotion(registration_id, None))
    return promoted


async def release_choices(store: Store, registration_id: int, session_ids: Iterable[int] | None = None) -> set[int]:
    """Drop a registration's sign-ups (all, or these sessions'); give the sessions whose places freed."""
    condition = t.registration_choices.c.registration_id == registration_id
    if session_ids is not None:
        condition = sa.and_(condition, t.registration_choices.c.session_id.in_(list(session_ids)))
    rows = await store.fetch_all(sa.select(t.registration_choices.c.session_id, t.registration_choices.c.status)
                                 .where(condition))
    await store.execute(t.registration_choices.delete().where(condition))
    return {row["session_id"] for row in rows if row["status"] == ChoiceStatus.CONFIRMED.value}


async def waitlist_position(store: Store, choice_id: int, session_id: int) -> int:
    """Place in line, counting only people ahead who still hold their registration."""
    ahead = await store.fetch_val(
        sa.select(sa.func.count()).select_from(t.registration_choices)
        .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
        .where(t.registration_choices.c.session_id == session_id,
               t.registration_choices.c.status == ChoiceStatus.WAITLISTED.value,
               t.registration_choices.c.id < choice_id,
               t.registrations.c.status.in_(HOLDING_PLACES)))
    return int(ahead) + 1


async def event_waitlist_position(store: Store, event_id: int, registration_id: int) -> int:
    ahead = await store.fetch_val(
        sa.select(sa.func.count()).select_from(t.registrations)
        .where(t.registrations.c.event_id == event_id, t.registrations.c.status == RegistrationStatus.WAITLISTED.value,
               t.registrations.c.id < registration_id))
    return int(ahead) + 1


# --- Moves an organiser makes between a session's places and its waiting list ---

async def session_counts(store: Store, session_id: int) -> tuple[int, int]:
    """Confirmed places taken, and delegates in line (holding their registration)."""
    waiting = await store.fetch_val(
        sa.select(sa.func.count()).select_from(t.registration_choices)
        .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
        .where(t.registration_choices.c.session_id == session_id,
               t.registration_choices.c.status == ChoiceStatus.WAITLISTED.value,
               t.registrations.c.status.in_(HOLDING_PLACES)))
    return await _confirmed_in_session(store, session_id), int(waiting)


async def send_to_waitlist(store: Store, *, registration_id: int, session_id: int, now: datetime) -> list[Promotion]:
    """Give up a confirmed place for the end of the line; the freed place goes to whoever waited longest.

    The choice is written anew so that its `id` puts it last in line, and the one moved is never
    promoted straight back into the place just taken from them.
    """
    await store.execute(t.registration_choices.delete().where(
        t.registration_choices.c.registration_id == registration_id, t.registration_choices.c.session_id == session_id))
    await store.execute(t.registration_choices.insert().values(
        registration_id=registration_id, session_id=session_id, status=ChoiceStatus.WAITLISTED.value,
        created_at=now, updated_at=now))
    capacity = await store.fetch_val(sa.select(t.sessions.c.capacity).where(t.sessions.c.id == session_id))
    free = None if capacity is None else capacity - await _confirmed_in_session(store, session_id)
    if free is not None and free <= 0:
        return []
    waiting = (
        sa.select(t.registration_choices.c.id, t.registration_choices.c.registration_id)
        .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
        .where(t.registration_choices.c.session_id == session_id,
               t.registration_choices.c.status == ChoiceStatus.WAITLISTED.value,
               t.registration_choices.c.registration_id != registration_id,
               t.registrations.c.status.in_(HOLDING_PLACES))
        .order_by(t.registration_choices.c.id))
    if free is not None:
        waiting = waiting.limit(free)
    promoted = []
    for row in await store.fetch_all(waiting):
        await store.execute(t.registration_choices.update().where(t.registration_choices.c.id == row["id"])
                            .values(status=ChoiceStatus.CONFIRMED.value, updated_at=now))
        promoted.append(Promotion(row["registration_id"], session_id))
    await seat_promoted(store, promoted, now=now)
    return promoted


async def confirm_from_waitlist(store: Store, *, registration_id: int, session_id: int, now: datetime) -> None:
    """Give a waiting delegate a place out of turn; the caller has checked that one is free."""
    await store.execute(t.registration_choices.update().where(
        t.registration_choices.c.registration_id == registration_id, t.registration_choices.c.session_id == session_id,
        t.registration_choices.c.status == ChoiceStatus.WAITLISTED.value,
    ).values(status=ChoiceStatus.CONFIRMED.value, updated_at=now))
    await seat_promoted(store, [Promotion(registration_id, session_id)], now=now)


async def seat_promoted(store: Store, promoted: list[Promotion], *, now: datetime) -> None:
    """A new place on a site visit with buses comes with a seat (`visits.seating`)."""
    await seating.seat_promotions(store, promoted, now=now)
