"""When reminders fall due: pure rules, no clock and no database.

An event reminder goes the day before each day a delegate attends, at the organiser's local time
(10:00 unless set otherwise); a consultation is reminded 24 hours and 1 hour before it starts.
All moments are aware UTC datetimes; local times are turned into moments in the event's own zone,
so an event in Samara (UTC+4) is reminded at 10:00 Samara time, not Moscow time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from events_app.domain.agenda import to_utc


class ReminderKind(StrEnum):
    EVENT_DAY = "event_day"
    CONSULTATION_DAY = "consultation_24h"
    CONSULTATION_HOUR = "consultation_1h"


CONSULTATION_LEADS = {
    ReminderKind.CONSULTATION_DAY: timedelta(hours=24),
    ReminderKind.CONSULTATION_HOUR: timedelta(hours=1),
}
DEFAULT_DAY_BEFORE_AT = time(10, 0)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class ReminderSettings:
    """An event's choices; the defaults apply where the organiser set nothing."""

    day_before_at: time = DEFAULT_DAY_BEFORE_AT
    day_before: bool = True
    consultation_day_before: bool = True
    consultation_hour_before: bool = True

    def enabled(self, kind: ReminderKind) -> bool:
        return {
            ReminderKind.EVENT_DAY: self.day_before,
            ReminderKind.CONSULTATION_DAY: self.consultation_day_before,
            ReminderKind.CONSULTATION_HOUR: self.consultation_hour_before,
        }[kind]


def parse_clock(value: str) -> time | None:
    """`HH:MM` as a time of day, None when it is not one."""
    found = _CLOCK.match(value.strip())
    return time(int(found.group(1)), int(found.group(2))) if found else None


def event_day_due(day: date, timezone: str, at: time = DEFAULT_DAY_BEFORE_AT) -> datetime:
    """The moment the reminder for `day` is due: the day before, at `at` local time."""
    return to_utc(datetime.combine(day - timedelta(days=1), at), timezone)


def day_start(day: date, timezone: str) -> datetime:
    """Midnight of `day` in the event's zone: the moment an event-day reminder is about."""
    return to_utc(datetime.combine(day, time()), timezone)


def consultation_due(kind: ReminderKind, starts_at: datetime) -> datetime:
    return starts_at - CONSULTATION_LEADS[kind]


def worth_sending(*, kind: ReminderKind, subject_at: datetime, due_at: datetime, now: datetime) -> bool:
    """A reminder found late (the service was down) still goes while it can help: a consultation
    reminder until the consultation starts, an event-day reminder until that day begins."""
    return due_at <= now < subject_at


def booking_subject(booking_id: int) -> str:
    return f"booking:{booking_id}"


def registration_day_subject(registration_id: int, day: date) -> str:
    return f"registration:{registration_id}:{day.isoformat()}"
