"""A door scan on its way to the database, and what can come back: the types both backends' door
paths share (`sqlite_checkin`, `postgres_checkin`), and the decision of one scan from what either
read for it. Only their reading and writing differ."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from events_app.data.checkin_queries import ATTENDEE_COLUMNS
from events_app.domain.checkin import CheckinList, Passage, Reason, Scan, TicketFacts, Verdict, decide


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


def ticket_facts(ticket: Sequence[Any], *, admitted: bool, previous: tuple[Passage, ...],
                 bus: str | None) -> tuple[TicketFacts, dict[str, Any]]:
    """The rule's facts of a scanned ticket and the registration its answer names, from the ticket's
    row (`checkin_queries.tickets_with_registrations`: ticket id, revoked at, registration id, status,
    then `ATTENDEE_COLUMNS`) and what was read about it for the list."""
    ticket_id, revoked_at, registration_id, status, *attendee = ticket
    facts = TicketFacts(ticket_id=ticket_id, ticket_revoked=revoked_at is not None, registration_id=registration_id,
                        status=status, admitted_by_list=admitted, previous=previous, bus=bus)
    return facts, dict(zip(ATTENDEE_COLUMNS, attendee, strict=True))


class Decision(NamedTuple):
    """A scan decided: its verdict, the answer (and as the log keeps it, JSON) and its scan log row."""

    verdict: Verdict
    answer: dict[str, Any]
    answer_text: str
    log_row: dict[str, Any]


def decide_scan(item: DoorScan, facts: TicketFacts | None, registration: dict[str, Any] | None,
                attending_days: Callable[[int], Iterable[date]]) -> Decision:
    """The verdict and answer of one scan, and the row the scan log keeps of it. The days a
    registration attends are asked of `attending_days` only for a wrong-day answer, which names them."""
    verdict = verdict_of(facts, item)
    if verdict.reason is Reason.WRONG_DAY and facts is not None and registration is not None:
        registration["days"] = list(attending_days(facts.registration_id))
    answer = item.answer_for(verdict, registration)
    answer_text = json.dumps(answer, ensure_ascii=False)
    scan = item.scan
    return Decision(verdict, answer, answer_text, {
        "nonce": scan.nonce, "event_id": item.event_id, "device_id": item.device_id,
        "list_name": item.checkin_list.name, "type": scan.type.value,
        "ticket_id": facts.ticket_id if facts else None, "status": answer["status"], "reason": answer["reason"],
        "scanned_at": scan.scanned_at, "received_at": item.now, "offline": scan.offline, "answer": answer_text})
