"""Days offered by a programme: only those with sessions, by week when it is long."""

from __future__ import annotations

from datetime import date, timedelta

from events_app.domain.programme_days import Week, by_week, offered_days

TWO_MONTHS = [date(2022, 9, 1) + timedelta(days=n) for n in range(58)]
TWO_DAYS = [date(2021, 4, 1), date(2021, 4, 2)]


def test_only_days_with_sessions_are_offered() -> None:
    assert offered_days(TWO_MONTHS, [date(2022, 9, 8), date(2022, 9, 1), date(2022, 9, 8)]) == [
        date(2022, 9, 1), date(2022, 9, 8)]


def test_a_programme_without_sessions_yet_offers_every_day() -> None:
    assert offered_days(TWO_DAYS, []) == TWO_DAYS


def test_a_long_programme_is_grouped_by_calendar_week() -> None:
    days = [date(2022, 9, 1), date(2022, 9, 2), date(2022, 9, 8), date(2022, 10, 28)]

    weeks = by_week(days, event_days=TWO_MONTHS)

    assert weeks == [Week(date(2022, 8, 29), (date(2022, 9, 1), date(2022, 9, 2))),
                     Week(date(2022, 9, 5), (date(2022, 9, 8),)),
                     Week(date(2022, 10, 24), (date(2022, 10, 28),))]


def test_a_short_event_stays_one_group() -> None:
    assert by_week(TWO_DAYS, event_days=TWO_DAYS) == [Week(date(2021, 3, 29), tuple(TWO_DAYS))]
