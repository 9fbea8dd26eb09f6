"""Which days a programme offers to pick, and how a long one is grouped.

A two-month training programme has sessions on a handful of its days: offering every calendar
day (58 tabs, 58 checkboxes) buries the few that matter. Only days with sessions are offered,
and a programme spanning more than two weeks groups them by week.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# Up to this many calendar days a programme reads fine as one row of days.
ONE_ROW_DAYS = 14


@dataclass(frozen=True)
class Week:
    monday: date
    days: tuple[date, ...]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


def offered_days(event_days: Sequence[date], session_days: Iterable[date]) -> list[date]:
    """The event's days that have sessions; every day while the programme has none yet."""
    with_sessions = set(session_days)
    chosen = [day for day in event_days if day in with_sessions]
    return chosen or list(event_days)


def by_week(days: Sequence[date], *, event_days: Sequence[date]) -> list[Week]:
    """`days` in calendar weeks (Monday to Sunday) when the event spans more than two weeks;
    otherwise one group holding them all."""
    if not days:
        return []
    if len(event_days) <= ONE_ROW_DAYS:
        return [Week(days[0] - timedelta(days=days[0].weekday()), tuple(days))]
    weeks: dict[date, list[date]] = {}
    for day in days:
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(day)
    return [Week(monday, tuple(grouped)) for monday, grouped in sorted(weeks.items())]
