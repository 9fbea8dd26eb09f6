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
    assert words(change) == "«Посещение ООО «Лузалес»»: время изменено с 11:00 на 12:30"
    assert words(change, "en") == "«Visit to Luzales»: the time changed from 11:00 to 12:30"


def test_moved_to_another_day_names_the_days() -> None:
    [change] = differences(5, state(), state(starts_at=at(9, day=2), ends_at=at(10, day=2)))

    assert words(change) == ("«Посещение ООО «Лузалес»»: перенос на другой день, "
                             "с 1 апреля, четверг, 11:00 на 2 апреля, пятница, 09:00")


def test_only_the_end_changed_is_a_resize() -> None:
    [change] = differences(5, state(), state(ends_at=at(12, 30)))

    assert words(change) == "«Посещение ООО «Лузалес»»: окончание в 12:30 вместо 12:00"
    assert words(change, "en") == "«Visit to Luzales»: now ends at 12:30 instead of 12:00"


def test_venue_title_and_capacity_changes_each_get_a_line() -> None:
    changes = differences(5, state(), state(title="Посещение ООО «Лузалес» и ООО «Алграф»", venue_id=4,
                                            venue_name="ООО «Алграф»", capacity=None))

    assert [words(c) for c in changes] == [
        "Новое название: «Посещение ООО «Лузалес» и ООО «Алграф»» (было «Посещение ООО «Лузалес»»)",
        "«Посещение ООО «Лузалес» и ООО «Алграф»»: новая площадка — ООО «Алграф» (была ООО «Лузалес»)",
        "«Посещение ООО «Лузалес» и ООО «Алграф»»: число мест больше не ограничено (было 40)",
    ]


def test_added_and_cancelled_sessions() -> None:
    [added] = differences(9, None, state(title="Круглый стол", title_en=None))
    [cancelled] = differences(5, state(), None)

    assert words(added) == "Новое в программе: «Круглый стол», 1 апреля, четверг, 11:00–12:00"
    assert words(cancelled) == "Отмена: «Посещение ООО «Лузалес»», 1 апреля, четверг, 11:00–12:00"
    assert words(cancelled, "en") == "Cancelled: «Visit to Luzales», Thursday, 1 April, 11:00–12:00"


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

    assert text == f"«{TITLE}»: moved to another day, from 2021-04-01, 11:00 to 2021-04-02, 09:00"
    assert date(2021, 4, 2).isoformat() in text


def test_a_limit_set_on_an_open_session_reads_as_a_limit() -> None:
    [change] = differences(5, state(capacity=None), state(capacity=25))

    assert words(change) == "«Посещение ООО «Лузалес»»: число мест теперь ограничено — 25"
    assert words(change, "en") == "«Visit to Luzales»: places now limited to 25"


# Titles of each grammatical kind: the wording must read right for all of them (issue 15, finding 10).
TITLES = {
    "feminine": ("Экскурсия по Сыктывкару", "Tour of Syktyvkar"),
    "masculine": ("Обед", "Lunch"),
    "neuter": ("Посещение ООО «Лузалес»", "Visit to Luzales"),
    "plural": ("Защиты проектов", "Project defences"),
}
HALL, YARD = "Конференц-зал", "Двор технопарка"


def titled(kind: str, **values: object) -> SessionState:
    title, title_en = TITLES[kind]
    base: dict[str, object] = {"title": title, "title_en": title_en, "starts_at": at(12), "ends_at": at(13),
                               "venue_id": 1, "venue_name": HALL}
    return SessionState(**{**base, **values})


def every_line(kind: str, language: str) -> list[str]:
    """A time change, a day change, a new venue, a venue set, a venue removed, a cancellation and a
    new session, of a session with this kind of title."""
    changes = [
        *differences(1, titled(kind), titled(kind, starts_at=at(11), ends_at=at(12))),
        *differences(1, titled(kind), titled(kind, starts_at=at(12, day=2), ends_at=at(13, day=2))),
        *differences(1, titled(kind), titled(kind, venue_id=2, venue_name=YARD)),
        *differences(1, titled(kind, venue_id=None, venue_name=None), titled(kind)),
        *differences(1, titled(kind), titled(kind, venue_id=None, venue_name=None)),
        *differences(1, titled(kind), None),
        *differences(1, None, titled(kind)),
    ]
    return [words(change, language) for change in changes]


def test_changelog_reads_right_for_a_feminine_title() -> None:
    assert every_line("feminine", "ru") == [
        "«Экскурсия по Сыктывкару»: время изменено с 12:00 на 11:00",
        "«Экскурсия по Сыктывкару»: перенос на другой день, с 1 апреля, четверг, 12:00 на 2 апреля, пятница, 12:00",
        "«Экскурсия по Сыктывкару»: новая площадка — Двор технопарка (была Конференц-зал)",
        "«Экскурсия по Сыктывкару»: площадка назначена — Конференц-зал",
        "«Экскурсия по Сыктывкару»: площадка снята (была Конференц-зал)",
        "Отмена: «Экскурсия по Сыктывкару», 1 апреля, четверг, 12:00–13:00",
        "Новое в программе: «Экскурсия по Сыктывкару», 1 апреля, четверг, 12:00–13:00",
    ]
    assert every_line("feminine", "en") == [
        "«Tour of Syktyvkar»: the time changed from 12:00 to 11:00",
        "«Tour of Syktyvkar»: moved to another day, from Thursday, 1 April, 12:00 to Friday, 2 April, 12:00",
        "«Tour of Syktyvkar»: new venue, Двор технопарка (was Конференц-зал)",
        "«Tour of Syktyvkar»: venue assigned, Конференц-зал",
        "«Tour of Syktyvkar»: venue removed (was Конференц-зал)",
        "Cancelled: «Tour of Syktyvkar», Thursday, 1 April, 12:00–13:00",
        "New in the programme: «Tour of Syktyvkar», Thursday, 1 April, 12:00–13:00",
    ]


def test_changelog_reads_right_for_a_masculine_title() -> None:
    assert every_line("masculine", "ru") == [
        "«Обед»: время изменено с 12:00 на 11:00",
        "«Обед»: перенос на другой день, с 1 апреля, четверг, 12:00 на 2 апреля, пятница, 12:00",
        "«Обед»: новая площадка — Двор технопарка (была Конференц-зал)",
        "«Обед»: площадка назначена — Конференц-зал",
        "«Обед»: площадка снята (была Конференц-зал)",
        "Отмена: «Обед», 1 апреля, четверг, 12:00–13:00",
        "Новое в программе: «Обед», 1 апреля, четверг, 12:00–13:00",
    ]
    assert every_line("masculine", "en") == [
        "«Lunch»: the time changed from 12:00 to 11:00",
        "«Lunch»: moved to another day, from Thursday, 1 April, 12:00 to Friday, 2 April, 12:00",
        "«Lunch»: new venue, Двор технопарка (was Конференц-зал)",
        "«Lunch»: venue assigned, Конференц-зал",
        "«Lunch»: venue removed (was Конференц-зал)",
        "Cancelled: «Lunch», Thursday, 1 April, 12:00–13:00",
        "New in the programme: «Lunch», Thursday, 1 April, 12:00–13:00",
    ]


def test_changelog_reads_right_for_a_neuter_title() -> None:
    assert every_line("neuter", "ru") == [
        "«Посещение ООО «Лузалес»»: время изменено с 12:00 на 11:00",
        "«Посещение ООО «Лузалес»»: перенос на другой день, с 1 апреля, четверг, 12:00 на 2 апреля, пятница, 12:00",
        "«Посещение ООО «Лузалес»»: новая площадка — Двор технопарка (была Конференц-зал)",
        "«Посещение ООО «Лузалес»»: площадка назначена — Конференц-зал",
        "«Посещение ООО «Лузалес»»: площадка снята (была Конференц-зал)",
        "Отмена: «Посещение ООО «Лузалес»», 1 апреля, четверг, 12:00–13:00",
        "Новое в программе: «Посещение ООО «Лузалес»», 1 апреля, четверг, 12:00–13:00",
    ]
    assert every_line("neuter", "en") == [
        "«Visit to Luzales»: the time changed from 12:00 to 11:00",
        "«Visit to Luzales»: moved to another day, from Thursday, 1 April, 12:00 to Friday, 2 April, 12:00",
        "«Visit to Luzales»: new venue, Двор технопарка (was Конференц-зал)",
        "«Visit to Luzales»: venue assigned, Конференц-зал",
        "«Visit to Luzales»: venue removed (was Конференц-зал)",
        "Cancelled: «Visit to Luzales», Thursday, 1 April, 12:00–13:00",
        "New in the programme: «Visit to Luzales», Thursday, 1 April, 12:00–13:00",
    ]


def test_changelog_reads_right_for_a_plural_title() -> None:
    assert every_line("plural", "ru") == [
        "«Защиты проектов»: время изменено с 12:00 на 11:00",
        "«Защиты проектов»: перенос на другой день, с 1 апреля, четверг, 12:00 на 2 апреля, пятница, 12:00",
        "«Защиты проектов»: новая площадка — Двор технопарка (была Конференц-зал)",
        "«Защиты проектов»: площадка назначена — Конференц-зал",
        "«Защиты проектов»: площадка снята (была Конференц-зал)",
        "Отмена: «Защиты проектов», 1 апреля, четверг, 12:00–13:00",
        "Новое в программе: «Защиты проектов», 1 апреля, четверг, 12:00–13:00",
    ]
    assert every_line("plural", "en") == [
        "«Project defences»: the time changed from 12:00 to 11:00",
        "«Project defences»: moved to another day, from Thursday, 1 April, 12:00 to Friday, 2 April, 12:00",
        "«Project defences»: new venue, Двор технопарка (was Конференц-зал)",
        "«Project defences»: venue assigned, Конференц-зал",
        "«Project defences»: venue removed (was Конференц-зал)",
        "Cancelled: «Project defences», Thursday, 1 April, 12:00–13:00",
        "New in the programme: «Project defences», Thursday, 1 April, 12:00–13:00",
    ]
