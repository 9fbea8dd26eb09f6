"""Door check-in: which lists exist, what a scan may be refused for, and how lists are named.

List names are stable and public (`INTERFACES.md`): `entry-YYYY-MM-DD` for each day of the
event (a two-day ticket admits once each day), `visit-<session id>` for a site visit and
`session-<session id>` for another session with sign-up.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from events_app.domain.errors import N_


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


REASON_MESSAGES = {
    None: N_("Admitted"),
    Reason.UNKNOWN_TICKET: N_("Unknown ticket: this code is not a ticket of this event"),
    Reason.ALREADY_CHECKED_IN: N_("Already checked in on this list"),
    Reason.NOT_SIGNED_UP: N_("Not signed up for this visit or session"),
    Reason.NOT_APPROVED: N_("The registration is not approved yet"),
    Reason.CANCELLED: N_("The registration or this ticket is cancelled"),
    Reason.WRONG_DAY: N_("The ticket is not for today"),
    Reason.LIST_CLOSED: N_("This list is closed"),
}
EXIT_MESSAGE = N_("Exit recorded")


@dataclass(frozen=True)
class ListName:
    kind: str  # "entry", "visit" or "session"
    day: date | None = None
    session_id: int | None = None

    def __str__(self) -> str:
        if self.kind == "entry":
            assert self.day is not None
            return f"entry-{self.day.isoformat()}"
        return f"{self.kind}-{self.session_id}"


_PATTERN = re.compile(r"^(?:entry-(\d{4}-\d{2}-\d{2})|(visit|session)-(\d{1,12}))$")


def parse_list_name(name: str) -> ListName | None:
    match = _PATTERN.match(name)
    if match is None:
        return None
    if match.group(1):
        try:
            return ListName("entry", day=date.fromisoformat(match.group(1)))
        except ValueError:
            return None
    return ListName(match.group(2), session_id=int(match.group(3)))


def token_hash(token: str) -> str:
    """Tokens and secrets are kept as SHA-256: they are random, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()
