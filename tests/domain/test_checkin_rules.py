"""The door's rule as a pure function: which reason wins, and when a passage is written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from events_app.domain.checkin import ListName, Passage, Reason, ScanType, TicketFacts, decide

DAY = date(2021, 4, 1)
ENTRY = ListName("entry", day=DAY)
VISIT = ListName("visit", session_id=7)
GOOD = TicketFacts(ticket_id=1, ticket_revoked=False, registration_id=1, status="confirmed", admitted_by_list=True,
                   previous=())
AT = datetime(2021, 4, 1, 6, 30, tzinfo=UTC)


def _decide(facts: TicketFacts | None, *, name: ListName = ENTRY, closed: bool = False, day: date = DAY,
            scan_type: ScanType = ScanType.ENTRY) -> tuple[Reason | None, bool]:
    verdict = decide(facts, list_name=name, list_day=DAY, list_closed=closed, scan_type=scan_type, scanned_day=day)
    return verdict.reason, verdict.record


@pytest.mark.parametrize(("facts", "options", "expected"), [
    (None, {}, (Reason.UNKNOWN_TICKET, False)),
    (replace(GOOD, status="cancelled"), {"closed": True}, (Reason.CANCELLED, False)),
    (replace(GOOD, ticket_revoked=True), {}, (Reason.CANCELLED, False)),
    (replace(GOOD, status="pending"), {"closed": True}, (Reason.NOT_APPROVED, False)),
    (GOOD, {"closed": True, "day": date(2021, 4, 2)}, (Reason.LIST_CLOSED, False)),
    (GOOD, {"day": date(2021, 4, 2)}, (Reason.WRONG_DAY, False)),
    (replace(GOOD, admitted_by_list=False), {}, (Reason.WRONG_DAY, False)),
    (replace(GOOD, admitted_by_list=False), {"name": VISIT}, (Reason.NOT_SIGNED_UP, False)),
    (GOOD, {}, (None, True)),
])
def test_reasons_in_their_order(facts: TicketFacts | None, options: dict[str, object],
                                expected: tuple[Reason | None, bool]) -> None:
    assert _decide(facts, **options) == expected


def test_inside_means_already_checked_in_and_names_the_first_entry() -> None:
    first = Passage("entry", AT, "Вход 1")
    facts = replace(GOOD, previous=(first, Passage("exit", AT, "Вход 2"), Passage("entry", AT, "Вход 2")))

    verdict = decide(facts, list_name=ENTRY, list_day=DAY, list_closed=False, scan_type=ScanType.ENTRY, scanned_day=DAY)

    assert (verdict.reason, verdict.first_entry, verdict.record) == (Reason.ALREADY_CHECKED_IN, first, False)


def test_after_an_exit_the_ticket_enters_again() -> None:
    facts = replace(GOOD, previous=(Passage("entry", AT, "Вход 1"), Passage("exit", AT, "Вход 1")))

    assert _decide(facts) == (None, True)
