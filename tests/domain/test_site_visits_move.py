"""A moved site visit takes its bus with it."""

from __future__ import annotations

from datetime import UTC, datetime

from events_app.domain.site_visits import follow_move


def test_visit_moved_earlier_moves_departure_and_return_by_the_same_amount() -> None:
    departs, returns = follow_move(datetime(2021, 4, 1, 10, 0, tzinfo=UTC), datetime(2021, 4, 1, 12, 0, tzinfo=UTC),
                                   old_start=datetime(2021, 4, 1, 10, 30, tzinfo=UTC),
                                   new_start=datetime(2021, 4, 1, 8, 0, tzinfo=UTC))

    assert (departs, returns) == (datetime(2021, 4, 1, 7, 30, tzinfo=UTC), datetime(2021, 4, 1, 9, 30, tzinfo=UTC))


def test_visit_without_bus_times_stays_without() -> None:
    moment = datetime(2021, 4, 1, 10, 0, tzinfo=UTC)

    assert follow_move(None, None, old_start=moment, new_start=moment.replace(hour=12)) == (None, None)
