"""The attendance matrix: joins for online sessions, door check-ins for the rest, who was expected."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from events_app.domain.attendance import DelegateLine, Mark, SessionColumn, build_matrix, door_list, expected_at

MOSCOW = ZoneInfo("Europe/Moscow")
DAY1, DAY2 = date(2021, 4, 1), date(2021, 4, 2)
WEBINAR = SessionColumn(id=1, title="Вебинар", starts_at=datetime(2021, 4, 1, 11, tzinfo=MOSCOW), online=True,
                        door_list="entry-2021-04-01", signup_required=False)
VISIT = SessionColumn(id=2, title="Монди", starts_at=datetime(2021, 4, 1, 10, tzinfo=MOSCOW), online=False,
                      door_list="visit-2", signup_required=True)
WORKSHOP = SessionColumn(id=3, title="Мастерская", starts_at=datetime(2021, 4, 2, 10, tzinfo=MOSCOW), online=False,
                         door_list="entry-2021-04-02", signup_required=False)


def test_door_list_of_a_session() -> None:
    assert door_list(session_id=2, kind="site_visit", signup_required=True, day=DAY1) == "visit-2"
    assert door_list(session_id=5, kind="workshop", signup_required=True, day=DAY1) == "session-5"
    assert door_list(session_id=3, kind="workshop", signup_required=False, day=DAY2) == "entry-2021-04-02"


def test_expected_by_place_or_by_day() -> None:
    assert expected_at(signup_required=True, day=DAY1, days={DAY1}, confirmed_choice=False) is False
    assert expected_at(signup_required=True, day=DAY1, days=set(), confirmed_choice=True) is True
    assert expected_at(signup_required=False, day=DAY2, days={DAY1}, confirmed_choice=False) is False


def test_matrix_marks_joins_checkins_absences_and_totals() -> None:
    anna = DelegateLine(1, "Иванова Анна", "ООО «А»", frozenset({DAY1, DAY2}), frozenset({2}))
    boris = DelegateLine(2, "Петров Борис", "ООО «Б»", frozenset({DAY1}), frozenset())

    matrix = build_matrix([VISIT, WEBINAR, WORKSHOP], [anna, boris], joins={(1, 1): 3},
                          checkins={(1, "visit-2"), (2, "visit-2"), (2, "entry-2021-04-02")})

    assert [row.marks for row in matrix.rows] == [
        (Mark.CHECKED_IN, Mark.JOINED, Mark.ABSENT),
        (Mark.CHECKED_IN, Mark.ABSENT, Mark.CHECKED_IN),  # Boris walked in unexpected: still attended
    ]
    assert matrix.rows[0].joins == (0, 3, 0)
    assert [row.attended for row in matrix.rows] == [2, 2]
    assert [(total.attended, total.expected) for total in matrix.totals] == [(2, 2), (1, 2), (1, 2)]
