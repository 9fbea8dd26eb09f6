"""Door check-in: which lists exist, what a scan may be refused for, and how lists are named.

List names are stable and public (`INTERFACES.md`): `entry-YYYY-MM-DD` for each day of the
event (a two-day ticket admits once each day), `visit-<session id>` for a site visit and
`session-<session id>` for another session with sign-up, `bus-<group id>` for each bus or car of a
site visit (its door is the bus door: a delegate seated on another bus of the visit is turned
away with that bus named).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from events_app.domain.errors import N_
from events_app.domain.registration import ENDED, RegistrationStatus


class ScanType(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"


class Reason(StrEnum):
    UNKNOWN_TICKET = "unknown_ticket"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_SIGNED_UP = "not_signed_up"
    NOT_APPROVED = "not_approved"
    CANCELLED = "cancelled"
    WRONG_DAY = "wrong_day"
    LIST_CLOSED = "list_closed"
    WRONG_BUS = "wrong_bus"


REASON_MESSAGES = {
    None: N_("Admitted"),
    Reason.UNKNOWN_TICKET: N_("Unknown ticket: this code is not a ticket of this event"),
    Reason.ALREADY_CHECKED_IN: N_("Already checked in on this list"),
    Reason.NOT_SIGNED_UP: N_("Not signed up for this visit or session"),
    Reason.NOT_APPROVED: N_("The registration is not approved yet"),
    Reason.CANCELLED: N_("The registration or this ticket is cancelled"),
    Reason.WRONG_DAY: N_("The ticket is not for today"),
    Reason.LIST_CLOSED: N_("This list is closed"),
    Reason.WRONG_BUS: N_("Wrong bus: this delegate goes on %(bus)s"),
}
EXIT_MESSAGE = N_("Exit recorded")
# `wrong_day` says which days: those of the ticket, or the day of a list chosen for another day.
TICKET_DAYS_MESSAGE = N_("Ticket for %(days)s, not for today")
LIST_DAY_MESSAGE = N_("This list is for %(day)s, not for today: choose today's list")


@dataclass(frozen=True)
class ListName:
    kind: str  # "entry", "visit", "bus" or "session"
    day: date | None = None
    session_id: int | None = None  # for a bus: the site visit it goes to
    group_id: int | None = None  # the bus or car of a `bus` list

    def __str__(self) -> str:
        if self.kind == "entry":
            assert self.day is not None
            return f"entry-{self.day.isoformat()}"
        if self.kind == "bus":
            return f"bus-{self.group_id}"
        return f"{self.kind}-{self.session_id}"


@dataclass(frozen=True)
class CheckinList:
    """A list a door device scans against: an event day's entry, a visit, a bus or a session."""

    name: str
    title: str
    list_name: ListName
    day: date
    closed: bool
    expected: int = 0
    checked_in: int = 0


@dataclass(frozen=True)
class Scan:
    """One scan as a door device sends it."""

    secret: str
    list_name: str
    type: ScanType
    nonce: str
    scanned_at: datetime
    offline: bool = False
    # A phone that admitted someone found by name without a network knows the ticket only by the
    # SHA-256 of its secret (its offline list keeps no secrets): then `secret` is empty.
    ticket_hash: str | None = None


def token_hash(token: str) -> str:
    """Tokens and secrets are kept as SHA-256: they are random, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Passage:
    """An earlier scan of the same ticket on the same list."""

    type: str
    at: datetime
    device: str


@dataclass(frozen=True)
class TicketFacts:
    """What the door needs to know about a scanned ticket, read under the write lock."""

    ticket_id: int
    ticket_revoked: bool
    registration_id: int
    status: str
    admitted_by_list: bool  # attends that day (entry lists) or holds a place (visit and session lists)
    previous: tuple[Passage, ...]
    bus: str | None = None  # on a visit's or a bus's list: the bus this delegate is seated on


@dataclass(frozen=True)
class Verdict:
    reason: Reason | None
    first_entry: Passage | None  # for the answer: when and where the ticket first entered
    record: bool  # whether the scan is a passage to write
    bus: str | None = None  # the delegate's bus on this visit, shown at the door


def decide(facts: TicketFacts | None, *, list_name: ListName, list_day: date, list_closed: bool,
           scan_type: ScanType, scanned_day: date) -> Verdict:
    """The door's rule, in order: the ticket, the registration, the list, the day, the person, the passage."""
    verdict = _decide(facts, list_name=list_name, list_day=list_day, list_closed=list_closed, scan_type=scan_type,
                      scanned_day=scanned_day)
    if facts is None or facts.bus is None or verdict.reason is Reason.UNKNOWN_TICKET:
        return verdict
    return replace(verdict, bus=facts.bus)


def _decide(facts: TicketFacts | None, *, list_name: ListName, list_day: date, list_closed: bool,
            scan_type: ScanType, scanned_day: date) -> Verdict:
    if facts is None:
        return Verdict(Reason.UNKNOWN_TICKET, None, False)
    if facts.status in ENDED or facts.ticket_revoked:
        return Verdict(Reason.CANCELLED, None, False)
    if facts.status != RegistrationStatus.CONFIRMED:
        return Verdict(Reason.NOT_APPROVED, None, False)
    if list_closed:
        return Verdict(Reason.LIST_CLOSED, None, False)
    if scanned_day != list_day:
        return Verdict(Reason.WRONG_DAY, None, False)
    if not facts.admitted_by_list and list_name.kind == "bus" and facts.bus is not None:
        return Verdict(Reason.WRONG_BUS, None, False)
    if not facts.admitted_by_list:
        return Verdict(Reason.WRONG_DAY if list_name.kind == "entry" else Reason.NOT_SIGNED_UP, None, False)
    entries = [p for p in facts.previous if p.type == ScanType.ENTRY.value]
    inside = bool(facts.previous) and facts.previous[-1].type == ScanType.ENTRY.value
    if scan_type is ScanType.ENTRY and inside:
        return Verdict(Reason.ALREADY_CHECKED_IN, entries[0], False)
    return Verdict(None, entries[0] if entries else None, True)
