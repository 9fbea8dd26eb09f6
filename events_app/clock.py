"""What time it is, as one replaceable object.

Services take `now=` explicitly; the web layer, the command line and the background tasks ask the
clock they were given. Tests give a fixed clock, so no test depends on the wall clock or on the
machine's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that shows the moment it was set to until it is moved (for tests and rehearsals)."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock's moment must carry its time zone")
        self._moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self._moment

    def move(self, by: timedelta) -> None:
        self._moment += by

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock's moment must carry its time zone")
        self._moment = moment.astimezone(UTC)
