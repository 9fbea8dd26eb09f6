"""Seats on the buses of a site visit: filling them evenly, and seating new places at once.

Runs inside the caller's transaction, after `places.lock_event`: seats of one event are handed
out one transaction at a time, like places, so a bus never goes over its seats. A seat counts
only while its delegate holds a confirmed place on the visit (`details.seated_condition`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.registration import HOLDING_PLACES, ChoiceStatus, Promotion
from events_app.domain.site_visits import Bus, Rider, assign_seats, organisation_key
from events_app.services.visits import details


async def seats_of_visit(store: Store, session_id: int) -> list[tuple[int, int, str]]:
    """(registration, group, organisation key) of every seat that counts on this visit."""
    rows = await store.fetch_all(
        sa.select(t.transport_seats.c.registration_id, t.transport_seats.c.group_id,
                  t.registrations.c.organisation_name)
        .join(t.registrations, t.registrations.c.id == t.transport_seats.c.registration_id)
        .where(t.transport_seats.c.session_id == session_id, details.seated_condition()))
    return [(row["registration_id"], row["group_id"], organisation_key(row["organisation_name"])) for row in rows]


async def fill_buses(store: Store, session_id: int, *, now: datetime) -> dict[int, int]:
    """Seat every delegate of the visit who has no seat yet; seats already given stay. Runs in the
    caller's transaction after `places.lock_event`. Gives registration id → group id of new seats."""
    groups = await store.fetch_all(sa.select(t.transport_groups.c.id, t.transport_groups.c.seats)
                                   .where(t.transport_groups.c.session_id == session_id)
                                   .order_by(t.transport_groups.c.position))
    if not groups:
        return {}
    # A seat left by someone who gave up their place is freed before counting.
    await store.execute(t.transport_seats.delete().where(
        t.transport_seats.c.session_id == session_id,
        t.transport_seats.c.registration_id.not_in(
            sa.select(t.registration_choices.c.registration_id)
            .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
            .where(t.registration_choices.c.session_id == session_id,
                   t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value,
                   t.registrations.c.status.in_(HOLDING_PLACES)))))
    seats = await seats_of_visit(store, session_id)
    on_board: dict[int, list[str]] = {}
    for _, group_id, organisation in seats:
        on_board.setdefault(group_id, []).append(organisation)
    waiting = await store.fetch_all(
        sa.select(t.registrations.c.id, t.registrations.c.organisation_name)
        .join(t.registration_choices, t.registration_choices.c.registration_id == t.registrations.c.id)
        .where(t.registration_choices.c.session_id == session_id,
               t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value,
               t.registrations.c.status.in_(HOLDING_PLACES),
               t.registrations.c.id.not_in([registration for registration, _, _ in seats] or [0]))
        .order_by(t.registration_choices.c.id))
    buses = [Bus(row["id"], row["seats"], tuple(on_board.get(row["id"], ()))) for row in groups]
    seating = assign_seats(buses, [Rider(row["id"], organisation_key(row["organisation_name"])) for row in waiting])
    for registration_id, group_id in seating.items():
        await store.execute(t.transport_seats.insert().values(
            registration_id=registration_id, session_id=session_id, group_id=group_id, by_hand=False, assigned_at=now))
    return seating


async def seat_promotions(store: Store, promotions: list[Promotion], *, now: datetime) -> None:
    """A new place on a visit whose buses are already filled comes with a seat at once.

    Before the organiser first fills a visit's buses nobody is seated one by one: seating everyone
    together keeps colleagues on one bus far better than seating them in order of arrival.
    """
    for session_id in sorted({p.session_id for p in promotions if p.session_id is not None}):
        filled = await store.fetch_val(sa.select(t.transport_seats.c.registration_id)
                                       .where(t.transport_seats.c.session_id == session_id).limit(1))
        if filled is not None:
            await fill_buses(store, session_id, now=now)
