"""The figures of an event's dashboard: registrations over time, by region and category, how full
each session is, and how check-in is going. Only counts leave this module, no personal data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.checkin import CheckinList
from events_app.domain.registration import HOLDING_PLACES, STILL_COMING, ChoiceStatus
from events_app.services.checkin import lists

TOP_REGIONS = 8  # the rest are summed as "other": 89 regions do not fit on a phone


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int
    cumulative: int


@dataclass(frozen=True)
class SessionFill:
    session_id: int
    title: str
    kind: str
    starts_at: datetime
    capacity: int | None
    confirmed: int
    waiting: int


@dataclass(frozen=True)
class Dashboard:
    received: int  # every registration ever made, cancelled ones too
    by_status: dict[str, int]
    per_day: list[DayCount]  # in the event's zone, from the first registration to the last, gaps as 0
    by_region: list[tuple[str | None, int]]  # region code, count; None is "other regions"
    by_category: list[tuple[str, int]]
    fills: list[SessionFill]
    checkin: list[CheckinList]


async def dashboard(store: Store, *, event_id: int, timezone: str) -> Dashboard:
    rows = await store.fetch_all(
        sa.select(t.registrations.c.status, t.registrations.c.region_code, t.registrations.c.category,
                  t.registrations.c.created_at)
        .where(t.registrations.c.event_id == event_id).order_by(t.registrations.c.id))
    # Those who withdrew or were turned down are left out of the breakdowns.
    current = [row for row in rows if row["status"] in STILL_COMING]
    return Dashboard(
        received=len(rows),
        by_status=dict(Counter(row["status"] for row in rows)),
        per_day=per_day([row["created_at"] for row in rows], timezone),
        by_region=top_regions(Counter(row["region_code"] for row in current)),
        by_category=Counter(row["category"] for row in current).most_common(),
        fills=await session_fills(store, event_id),
        checkin=await lists.lists_with_counts(store, event_id),
    )


def per_day(moments: list[datetime], timezone: str) -> list[DayCount]:
    zone = ZoneInfo(timezone)
    counts = Counter(moment.astimezone(zone).date() for moment in moments)
    if not counts:
        return []
    result, total = [], 0
    day, last = min(counts), max(counts)
    while day <= last:
        total += counts[day]
        result.append(DayCount(day, counts[day], total))
        day += timedelta(days=1)
    return result


def top_regions(counts: Counter[str]) -> list[tuple[str | None, int]]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    top: list[tuple[str | None, int]] = list(ranked[:TOP_REGIONS])
    rest = sum(count for _, count in ranked[TOP_REGIONS:])
    if rest:
        top.append((None, rest))
    return top


async def session_fills(store: Store, event_id: int) -> list[SessionFill]:
    """Every session that has places or takes sign-ups, in programme order."""
    choices = t.registration_choices
    holding = (sa.select(choices.c.session_id, choices.c.status, sa.func.count().label("n"))
               .join(t.registrations, t.registrations.c.id == choices.c.registration_id)
               .where(t.registrations.c.event_id == event_id, t.registrations.c.status.in_(HOLDING_PLACES))
               .group_by(choices.c.session_id, choices.c.status))
    counts = {(row["session_id"], row["status"]): int(row["n"]) for row in await store.fetch_all(holding)}
    sessions = await store.fetch_all(
        sa.select(t.sessions.c.id, t.sessions.c.title, t.sessions.c.kind, t.sessions.c.starts_at, t.sessions.c.capacity)
        .where(t.sessions.c.event_id == event_id, t.sessions.c.cancelled_at.is_(None),
               sa.or_(t.sessions.c.capacity.is_not(None), t.sessions.c.signup_required.is_(True)))
        .order_by(t.sessions.c.starts_at, t.sessions.c.id))
    return [SessionFill(session_id=row["id"], title=row["title"], kind=row["kind"], starts_at=row["starts_at"],
                        capacity=row["capacity"], confirmed=counts.get((row["id"], ChoiceStatus.CONFIRMED.value), 0),
                        waiting=counts.get((row["id"], ChoiceStatus.WAITLISTED.value), 0))
            for row in sessions]
