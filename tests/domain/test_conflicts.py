"""Agenda conflicts: each kind with its values, and what is not a conflict."""

from __future__ import annotations

from datetime import UTC, date, datetime

from events_app.domain.conflicts import (
    Conflict,
    ConflictKind,
    Place,
    PlannedSession,
    capacity_below_signups,
    delegate_overlaps,
    distance_km,
    find_conflicts,
    outside_days,
    speaker_overlaps,
    travel_minutes,
    travel_too_short,
    venue_overlaps,
)

HALL = Place(1, "Зал «Мой бизнес»", 61.6688, 50.8364)
MONDI = Place(2, "АО «Монди СЛПК»", 61.7850, 50.7600)
ETNOPARK = Place(3, "Финно-угорский этнопарк", 61.2720, 50.7000)
NOWHERE = Place(4, "Онлайн")
VENUES = {p.id: p for p in (HALL, MONDI, ETNOPARK, NOWHERE)}


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    """A Moscow wall-clock time on April `day`, 2021, as UTC (Moscow is UTC+3)."""
    return datetime(2021, 4, day, hour - 3, minute, tzinfo=UTC)


def session(ref: str, start: datetime, end: datetime, **values: object) -> PlannedSession:
    return PlannedSession(ref=ref, title=values.pop("title", ref.upper()), kind=values.pop("kind", "workshop"),
                          starts_at=start, ends_at=end, **values)


def test_venue_overlap_names_both_sessions_and_the_venue() -> None:
    a = session("s1", at(10), at(12), venue_id=1, title="Пленарное заседание")
    b = session("d1", at(11, 30), at(12, 30), venue_id=1, title="Круглый стол")

    assert venue_overlaps([b, a], VENUES) == [Conflict(ConflictKind.VENUE_OVERLAP, ("s1", "d1"), {
        "first": "Пленарное заседание", "second": "Круглый стол", "venue": "Зал «Мой бизнес»"})]


def test_back_to_back_sessions_and_other_venues_do_not_overlap() -> None:
    sessions = [session("s1", at(10), at(11), venue_id=1), session("s2", at(11), at(12), venue_id=1),
                session("s3", at(10), at(11), venue_id=2), session("s4", at(10), at(11))]

    assert venue_overlaps(sessions, VENUES) == []


def test_speaker_in_two_places_at_once() -> None:
    a = session("s1", at(10), at(11), venue_id=1, speaker_ids=(7, 8))
    b = session("s2", at(10, 45), at(11, 30), venue_id=2, speaker_ids=(8,))
    c = session("s3", at(11), at(12), venue_id=3, speaker_ids=(7,))

    assert speaker_overlaps([a, b, c], {7: "Иванов И. И.", 8: "Петрова А. С."}) == [
        Conflict(ConflictKind.SPEAKER_OVERLAP, ("s1", "s2"),
                 {"speaker": "Петрова А. С.", "first": "S1", "second": "S2"})]


def test_delegates_signed_up_for_overlapping_sessions_are_counted_per_pair() -> None:
    a = session("s1", at(10), at(12), session_id=1)
    b = session("s2", at(11), at(13), session_id=2)
    c = session("s3", at(13), at(14), session_id=3)

    found = delegate_overlaps([a, b, c], {100: frozenset({1, 2}), 101: frozenset({1, 2, 3}), 102: frozenset({2, 3})})

    assert found == [Conflict(ConflictKind.DELEGATE_OVERLAP, ("s1", "s2"), {"count": 2, "first": "S1", "second": "S2"})]


def test_distance_and_travel_time_from_coordinates() -> None:
    assert round(distance_km(HALL, MONDI) or 0, 1) == 13.5
    # 15 minutes to board, 13.5 km at 40 km/h is 20.3 minutes, rounded up.
    assert travel_minutes(HALL, MONDI) == 36
    assert travel_minutes(HALL, NOWHERE) is None
    assert travel_minutes(HALL, NOWHERE, set_minutes=25) == 25


def test_consecutive_site_visits_too_close_for_the_trip() -> None:
    first = session("s1", at(10), at(12), kind="site_visit", venue_id=2, title="Монди")
    second = session("s2", at(12, 20), at(14), kind="site_visit", venue_id=1, title="Лузалес")

    assert travel_too_short([first, second], VENUES) == [Conflict(ConflictKind.TRAVEL_TIME, ("s1", "s2"), {
        "gap": 20, "needed": 36, "first": "Монди", "second": "Лузалес"})]


def test_site_visits_with_enough_time_or_an_event_figure() -> None:
    first = session("s1", at(10), at(12), kind="site_visit", venue_id=2)
    second = session("s2", at(12, 40), at(14), kind="site_visit", venue_id=1)
    workshop = session("s3", at(12, 5), at(13), venue_id=3)

    assert travel_too_short([first, second, workshop], VENUES) == []
    assert [c.values["needed"] for c in travel_too_short([first, second], VENUES, set_minutes=60)] == [60]


def test_site_visit_without_coordinates_is_not_judged() -> None:
    first = session("s1", at(10), at(12), kind="site_visit", venue_id=4)
    second = session("s2", at(12), at(14), kind="site_visit", venue_id=1)

    assert travel_too_short([first, second], VENUES) == []


def test_session_outside_the_event_days() -> None:
    inside = session("s1", at(10, day=2), at(11, day=2))
    before = session("s2", at(10, day=3), at(11, day=3))
    # 23:30 Moscow on 2 April until 00:30 on 3 April: ends on a day the event does not have.
    overnight = session("s3", at(23, 30, day=2), at(24, 30, day=2))

    found = outside_days([inside, before, overnight], [date(2021, 4, 1), date(2021, 4, 2)], "Europe/Moscow")

    assert [(c.kind, c.refs) for c in found] == [(ConflictKind.OUTSIDE_DAYS, ("s3",)),
                                                 (ConflictKind.OUTSIDE_DAYS, ("s2",))]


def test_capacity_below_confirmed_signups() -> None:
    full = session("s1", at(10), at(12), capacity=30, session_id=1, title="Монди")
    fine = session("s2", at(10), at(12), capacity=40, session_id=2)
    new = session("d1", at(10), at(12), capacity=1)

    assert capacity_below_signups([full, fine, new], {1: 31, 2: 40}) == [
        Conflict(ConflictKind.CAPACITY_BELOW_SIGNUPS, ("s1",), {"first": "Монди", "capacity": 30, "count": 31})]


def test_find_conflicts_gathers_every_kind() -> None:
    a = session("s1", at(10), at(12), venue_id=1, session_id=1, capacity=1, speaker_ids=(5,))
    b = session("s2", at(11), at(13), venue_id=1, session_id=2, speaker_ids=(5,))

    found = find_conflicts([a, b], venues=VENUES, days=[date(2021, 4, 1)], timezone="Europe/Moscow",
                           speaker_names={5: "Иванов"}, choices={1: frozenset({1, 2})}, confirmed={1: 2})

    assert [c.kind for c in found] == [ConflictKind.VENUE_OVERLAP, ConflictKind.SPEAKER_OVERLAP,
                                       ConflictKind.DELEGATE_OVERLAP, ConflictKind.CAPACITY_BELOW_SIGNUPS]


def test_bus_leaving_after_the_visit_starts_is_a_conflict_with_local_times() -> None:
    visit = session("s5", at(11), at(12, 30), kind="site_visit", title="Лузалес",
                    departs_at=at(13), returns_at=at(15))

    found = find_conflicts([visit], venues=VENUES, days=[date(2021, 4, 1)], timezone="Europe/Moscow")

    assert found == [Conflict(ConflictKind.BUS_LEAVES_LATE, ("s5",),
                              {"first": "Лузалес", "departs": "13:00", "starts": "11:00"})]


def test_bus_returning_before_the_visit_ends_is_a_conflict() -> None:
    visit = session("s5", at(14), at(15, 30), kind="site_visit", title="Лузалес",
                    departs_at=at(13), returns_at=at(15))

    found = find_conflicts([visit], venues=VENUES, days=[date(2021, 4, 1)], timezone="Europe/Moscow")

    assert found == [Conflict(ConflictKind.BUS_RETURNS_EARLY, ("s5",),
                              {"first": "Лузалес", "returns": "15:00", "ends": "15:30"})]


def test_bus_leaving_at_the_start_and_back_at_the_end_is_fine() -> None:
    visit = session("s5", at(13), at(15), kind="site_visit", departs_at=at(13), returns_at=at(15))

    assert find_conflicts([visit], venues=VENUES, days=[date(2021, 4, 1)], timezone="Europe/Moscow") == []


def test_overlaps_among_a_delegates_sessions_only_where_a_changed_one_is_involved() -> None:
    from events_app.domain.conflicts import overlaps_among

    a = session("s1", at(10), at(12), session_id=1)
    b = session("s2", at(11), at(13), session_id=2)
    c = session("s3", at(11), at(11, 30), session_id=3)

    assert [(x.ref, y.ref) for x, y in overlaps_among([c, b, a], {2})] == [("s1", "s2"), ("s3", "s2")]
    assert overlaps_among([a, b], {3}) == []
