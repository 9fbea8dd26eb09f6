"""Who attended what: personal join links for online sessions, door check-ins for the rest.

An online session (one with a webinar address) is attended by a delegate who followed their own
join link at least once; any other session by a delegate checked in at its door: on the session's
own list when it takes sign-ups (`visit-<id>`, `session-<id>`), else on the entry list of its day.
The same rules decide who gets a join link and who is expected at a session.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from events_app.domain.checkin import ListName

TOKEN_BYTES = 24  # 32 URL-safe characters, 192 bits


def new_join_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def join_url(base_url: str, token: str) -> str:
    return f"{base_url}/j/{token}"


def expected_at(*, signup_required: bool, day: date, days: Collection[date], confirmed_choice: bool) -> bool:
    """Whether a confirmed delegate is expected at a session: the sessions they signed up for
    and hold a place in, and every session without sign-up on the days they registered for."""
    return confirmed_choice if signup_required else day in days


def door_list(*, session_id: int, kind: str, signup_required: bool, day: date) -> str:
    """The check-in list whose entry counts as attending an in-person session."""
    if signup_required:
        return str(ListName("visit" if kind == "site_visit" else "session", session_id=session_id))
    return str(ListName("entry", day=day))


class Mark(StrEnum):
    JOINED = "joined"  # followed the join link of an online session
    CHECKED_IN = "checked_in"  # checked in at the door
    ABSENT = "absent"  # expected, not seen
    NOT_EXPECTED = "not_expected"


@dataclass(frozen=True)
class SessionColumn:
    id: int
    title: str
    starts_at: datetime  # in the event's zone
    online: bool
    door_list: str  # for an in-person session
    signup_required: bool


@dataclass(frozen=True)
class DelegateLine:
    registration_id: int
    name: str
    organisation: str
    days: frozenset[date]
    confirmed_sessions: frozenset[int]


@dataclass(frozen=True)
class MatrixRow:
    delegate: DelegateLine
    marks: tuple[Mark, ...]  # one per column
    joins: tuple[int, ...]  # how often the join link was followed, one per column

    @property
    def attended(self) -> int:
        return sum(mark in (Mark.JOINED, Mark.CHECKED_IN) for mark in self.marks)


@dataclass(frozen=True)
class ColumnTotal:
    attended: int
    expected: int


@dataclass(frozen=True)
class Matrix:
    columns: tuple[SessionColumn, ...]
    rows: tuple[MatrixRow, ...]
    totals: tuple[ColumnTotal, ...]


def build_matrix(columns: Sequence[SessionColumn], delegates: Sequence[DelegateLine], *,
                 joins: Mapping[tuple[int, int], int], checkins: Collection[tuple[int, str]]) -> Matrix:
    """Attendance per delegate and session. `joins` maps (registration, session) to the number of
    joins; `checkins` holds (registration, list name) of every door entry. A delegate seen at a
    session they were not expected at (walked into a visit without a place) counts as attended."""
    rows = []
    for delegate in delegates:
        marks, counts = [], []
        for column in columns:
            count = joins.get((delegate.registration_id, column.id), 0)
            seen = count > 0 if column.online else (delegate.registration_id, column.door_list) in checkins
            expected = expected_at(signup_required=column.signup_required, day=column.starts_at.date(),
                                   days=delegate.days, confirmed_choice=column.id in delegate.confirmed_sessions)
            if seen:
                marks.append(Mark.JOINED if column.online else Mark.CHECKED_IN)
            else:
                marks.append(Mark.ABSENT if expected else Mark.NOT_EXPECTED)
            counts.append(count)
        rows.append(MatrixRow(delegate, tuple(marks), tuple(counts)))
    totals = tuple(ColumnTotal(attended=sum(row.marks[i] in (Mark.JOINED, Mark.CHECKED_IN) for row in rows),
                               expected=sum(row.marks[i] is not Mark.NOT_EXPECTED for row in rows))
                   for i in range(len(columns)))
    return Matrix(tuple(columns), tuple(rows), totals)
