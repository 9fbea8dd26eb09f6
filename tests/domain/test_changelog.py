"""The changelog: what changed between the published and the planned session, and its wording."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from events_app import i18n
from events_app.domain.changelog import (
    Change,
    ChangeKind,
    SessionState,
    describe,
    differences,
    is_visible,
    next_sequence,
    raises_sequence,
)

MOSCOW = ZoneInfo("Europe/Moscow")
TITLE = "Посещение ООО «Лузалес»"


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2021, 4, day, hour, minute, tzinfo=MOSCOW)


def state(**values: object) -> SessionState:
    base: dict[str, object] = {"title": TITLE, "title_en": "Visit to Luzales", "starts_at": at(11),
                               "ends_at": at(12), "venue_id": 3, "venue_name": "ООО «Лузалес»", "capacity": 40}
    return SessionState(**{**base, **values})


def words(change: Change, language: str = "ru") -> str:
    with i18n.language(language):
        return describe(change, gettext=i18n.gettext, day_label=i18n.format_day, english=language == "en")


def test_moved_session_reads_like_the_issue() -> None:
    [change] = differences(5, state(), state(starts_at=at(12, 30), ends_at=at(13, 30)))

    assert change.kind is ChangeKind.MOVED
    assert (change.old, change.new) == ("2021-04-01T11:00:00+03:00", "2021-04-01T12:30:00+03:00")
    assert words(change) == "Посещение ООО «Лузалес» перенесено с 11:00 на 12:30"
    assert words(change, "en") == "Visit to Luzales moved from 11:00 to 12:30"


def test_moved_to_another_day_names_the_days() -> None:
    [change] = differences(5, state(), state(starts_at=at(9, day=2), ends_at=at(10, day=2)))

    assert words(change) == "Посещение ООО «Лузалес» перенесено с 1 апреля, четверг, 11:00 на 2 апреля, пятница, 09:00"


def test_only_the_end_changed_is_a_resize() -> None:
    [change] = differences(5, state(), state(ends_at=at(12, 30)))

    assert words(change) == "Посещение ООО «Лузалес» теперь заканчивается в 12:30, а не в 12:00"


def test_venue_title_and_capacity_changes_each_get_a_line() -> None:
    changes = differences(5, state(), state(title="Посещение ООО «Лузалес» и ООО «Алграф»", venue_id=4,
                                            venue_name="ООО «Алграф»", capacity=None))

    assert [words(c) for c in changes] == [
        "«Посещение ООО «Лузалес»» теперь называется «Посещение ООО «Лузалес» и ООО «Алграф»»",
        "Посещение ООО «Лузалес» и ООО «Алграф»: место проведения теперь ООО «Алграф» вместо ООО «Лузалес»",
        "Посещение ООО «Лузалес» и ООО «Алграф»: число мест изменено с 40 на без ограничения",
    ]


def test_added_and_cancelled_sessions() -> None:
    [added] = differences(9, None, state(title="Круглый стол", title_en=None))
    [cancelled] = differences(5, state(), None)

    assert words(added) == "Добавлено: Круглый стол, 1 апреля, четверг, 11:00–12:00"
    assert words(cancelled) == "Посещение ООО «Лузалес» отменено (было: 1 апреля, четверг, 11:00–12:00)"
    assert words(cancelled, "en") == "Visit to Luzales cancelled (was Thursday, 1 April, 11:00–12:00)"


def test_unchanged_session_has_no_changes_and_json_round_trips() -> None:
    assert differences(5, state(), state()) == []
    [change] = differences(5, state(), state(starts_at=at(12), ends_at=at(13)))
    assert Change.from_json(change.as_json()) == change


def test_only_time_place_and_title_are_visible_to_calendars() -> None:
    before = {"starts_at": at(11), "ends_at": at(12), "venue_id": 3, "title": TITLE, "capacity": 40}

    assert is_visible(before, {**before, "capacity": 10}) is False
    assert is_visible(before, {**before, "venue_id": 4}) is True


def test_sequence_rises_for_time_place_title_cancelling_and_restoring_only() -> None:
    before = {"starts_at": at(11), "ends_at": at(12), "venue_id": 3, "title": TITLE, "capacity": 40,
              "cancelled_at": None, "sequence": 2}

    assert next_sequence(before, {**before, "capacity": 10}) == 2
    assert next_sequence(before, {**before, "ends_at": at(13)}) == 3
    assert next_sequence(before, {**before, "title": "Другое название"}) == 3
    assert next_sequence(before, None) == 3
    cancelled = {**before, "cancelled_at": at(9)}
    assert raises_sequence(cancelled, {**cancelled, "cancelled_at": None}) is True
    assert raises_sequence(cancelled, {**cancelled, "capacity": 10}) is False


def test_describe_uses_the_given_day_label() -> None:
    [change] = differences(5, state(), state(starts_at=at(9, day=2), ends_at=at(10, day=2)))

    text = describe(change, gettext=lambda s: s, day_label=lambda d: d.isoformat())

    assert text == f"{TITLE} moved from 2021-04-01, 11:00 to 2021-04-02, 09:00"
    assert date(2021, 4, 2).isoformat() in text
