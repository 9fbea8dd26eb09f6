"""A door scan on its way to the database, and what can come back: the types both backends' door
paths share (`sqlite_checkin`, `postgres_checkin`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from events_app.domain.checkin import CheckinList, Scan, TicketFacts, Verdict, decide


@dataclass(frozen=True)
class OtherDevicesNonce:
    """The nonce is already in the log, sent by another device."""


@dataclass(frozen=True)
class DoorScan:
    """One scan waiting for the writer, with everything read before the lock."""

    device_id: int
    device_name: str  # as the door's answers show a passage's device
    event_id: int
    secret: str | None
    scan: Scan
    checkin_list: CheckinList
    now: datetime
    timezone: str
    answer_for: Callable[[Verdict, Mapping[str, Any] | None], dict[str, Any]]


Outcome = dict[str, Any] | OtherDevicesNonce | Exception


def verdict_of(facts: TicketFacts | None, item: DoorScan) -> Verdict:
    """The door's rule (`domain.checkin.decide`) for one scan, on the day of the event's time zone."""
    checkin_list = item.checkin_list
    return decide(facts, list_name=checkin_list.list_name, list_day=checkin_list.day, list_closed=checkin_list.closed,
                  scan_type=item.scan.type, scanned_day=item.scan.scanned_at.astimezone(ZoneInfo(item.timezone)).date())
