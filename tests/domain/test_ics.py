from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import vobject

from events_app.domain.ics import (
    FeedItem,
    build_calendar,
    google_calendar_link,
    library_calendar,
    place_text,
    session_text,
    session_uid,
    speaker_line,
)

LONG_TITLE = ("Посещение ООО «Лузалес»: презентация совместного кластерного проекта "
              "«Освоение производства плит МДФ»")
ITEM = FeedItem(
    uid=session_uid(49, "events.example.org"),
    sequence=2,
    last_modified=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    cancelled=False,
    title=LONG_TITLE,
    starts_at=datetime(2021, 4, 1, 10, 30, tzinfo=UTC),
    ends_at=datetime(2021, 4, 1, 12, 0, tzinfo=UTC),
    timezone="Europe/Moscow",
    location=place_text("ООО «Лузалес»", "Республика Коми, г. Сыктывкар"),
    geo=(61.6688, 50.8364),
    url="https://events.example.org/events/syktyvkar-2021/sessions/49",
    description=session_text(description="Знакомство с предприятием.",
                             speakers=[speaker_line("Андрей Шпиленко", "директор", "АКИТ РФ")]),
    extra_lines=("Место сбора: центр «Мой бизнес», 13:00",),
    categories=("Посещение предприятия",),
)


def _whole_characters(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse(body: bytes) -> vobject.base.Component:
    return vobject.readOne(body.decode("utf-8"))


def test_lines_are_folded_at_75_octets_without_splitting_a_cyrillic_character() -> None:
    body = build_calendar([ITEM], name="Практическая сессия", timezone="Europe/Moscow")

    lines = body.split(b"\r\n")

    assert body.endswith(b"END:VCALENDAR\r\n")
    assert max(len(line) for line in lines) <= 75
    assert [line for line in lines if not _whole_characters(line)] == []
    unfolded = body.replace(b"\r\n ", b"").decode("utf-8")
    assert f"SUMMARY:{LONG_TITLE}\r\n" in unfolded


def test_a_folded_title_reads_back_whole_in_another_parser() -> None:
    event = _parse(build_calendar([ITEM], name="Сессия")).vevent

    assert event.summary.value == LONG_TITLE
    assert event.location.value == "ООО «Лузалес», Республика Коми, г. Сыктывкар"


def test_times_carry_the_full_zone_name_and_a_matching_vtimezone() -> None:
    calendar = _parse(build_calendar([ITEM], name="Сессия", timezone="Europe/Moscow"))

    start = calendar.vevent.dtstart
    assert calendar.vtimezone.tzid.value == "Europe/Moscow"
    assert start.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Moscow"]
    assert (start.value.replace(tzinfo=None), start.value.utcoffset()) == (datetime(2021, 4, 1, 13, 30),
                                                                           timedelta(hours=3))


def test_event_fields_read_back_as_written() -> None:
    event = _parse(build_calendar([ITEM], name="Сессия")).vevent

    assert event.uid.value == "session-49@events.example.org"
    assert event.sequence.value == "2"
    assert event.dtstamp.value == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert event.last_modified.value == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert event.status.value == "CONFIRMED"
    assert event.geo.value == "61.6688;50.8364"
    assert event.url.value == "https://events.example.org/events/syktyvkar-2021/sessions/49"
    assert event.categories.value == ["Посещение предприятия"]
    assert event.description.value == (
        "Знакомство с предприятием.\n\nСпикеры:\n— Андрей Шпиленко (директор, АКИТ РФ)\n\n"
        "Место сбора: центр «Мой бизнес», 13:00\n\n"
        "Подробнее: https://events.example.org/events/syktyvkar-2021/sessions/49")


def test_cancelled_item_says_so_in_status_and_title() -> None:
    event = _parse(build_calendar([replace(ITEM, cancelled=True)], name="Сессия")).vevent

    assert event.status.value == "CANCELLED"
    assert event.summary.value == "Отменено: " + LONG_TITLE


def test_webinar_link_is_in_the_description_and_a_conference_property() -> None:
    link = "https://webinar.example.org/proclusters/1"
    item = replace(ITEM, geo=None, location="Онлайн", online_url=link,
                   description=session_text(description=None, speakers=["Юлия Артамонова"], online_url=link))

    event = _parse(build_calendar([item], name="Вебинары")).vevent

    assert event.conference.value == link
    assert event.description.value.startswith(f"Спикеры:\n— Юлия Артамонова\n\nСсылка для подключения: {link}\n\n")
    assert not hasattr(event, "geo")


def test_same_items_give_the_same_bytes() -> None:
    first = build_calendar([ITEM], name="Сессия", timezone="Europe/Moscow")

    assert build_calendar([ITEM], name="Сессия", timezone="Europe/Moscow") == first
    assert build_calendar([replace(ITEM, sequence=3)], name="Сессия", timezone="Europe/Moscow") != first


def test_empty_feed_still_has_its_zone_and_parses() -> None:
    calendar = _parse(build_calendar([], name="Пусто", timezone="Europe/Kirov",
                                     covers=(date(2020, 8, 20), date(2020, 8, 20))))

    assert calendar.vtimezone.tzid.value == "Europe/Kirov"
    assert calendar.contents.get("vevent") is None
    assert calendar.x_wr_timezone.value == "Europe/Kirov"


def test_feed_mixing_zones_has_a_vtimezone_for_each() -> None:
    kirov = replace(ITEM, uid=session_uid(9, "events.example.org"), timezone="Europe/Kirov")

    calendar = _parse(build_calendar([ITEM, kirov], name="Мои сессии"))

    assert sorted(zone.tzid.value for zone in calendar.vtimezone_list) == ["Europe/Kirov", "Europe/Moscow"]
    assert [event.dtstart.params["X-VOBJ-ORIGINAL-TZID"] for event in calendar.vevent_list] == [
        ["Europe/Moscow"], ["Europe/Kirov"]]


def test_speaker_line_leaves_out_an_organisation_the_position_already_names() -> None:
    assert speaker_line("Юлия Артамонова", "директор АНО «Институт»", "АНО «Институт»") == \
        "Юлия Артамонова (директор АНО «Институт»)"
    assert speaker_line("Анна Олькова", None, None) == "Анна Олькова"


def test_google_calendar_link_has_utc_times_the_zone_and_the_text() -> None:
    link = google_calendar_link(title="Обед", starts_at=ITEM.starts_at, ends_at=ITEM.ends_at, timezone="Europe/Moscow",
                                details="Спикеры: —", location="Сыктывкар")

    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "calendar.google.com", "/calendar/render")
    assert parse_qs(parts.query) == {"action": ["TEMPLATE"], "text": ["Обед"],
                                     "dates": ["20210401T103000Z/20210401T120000Z"], "ctz": ["Europe/Moscow"],
                                     "details": ["Спикеры: —"], "location": ["Сыктывкар"]}


def _varied_items() -> list[FeedItem]:
    """Every kind of entry a feed holds: plain, cancelled, online, no place, another zone, long text."""
    return [
        ITEM,
        replace(ITEM, uid=session_uid(50, "events.example.org"), cancelled=True, sequence=5),
        replace(ITEM, uid=session_uid(51, "events.example.org"), location=None, geo=None, url=None,
                description="", extra_lines=(), online_url="https://webinar.example.org/room/51?x=1&y=2",
                categories=("Вебинар", "Онлайн")),
        replace(ITEM, uid=session_uid(52, "events.example.org"), timezone="Europe/Samara",
                starts_at=datetime(2021, 4, 2, 23, 30, tzinfo=UTC), ends_at=datetime(2021, 4, 3, 1, 0, tzinfo=UTC),
                description="Строка; с запятой, двоеточием: и обратной косой \\ чертой.\n" * 12),
    ]


def test_calendar_built_from_remembered_parts_equals_icalendar_in_one_piece() -> None:
    items = _varied_items()
    for name, zone, covers in (("Практическая сессия", "Europe/Moscow", (date(2021, 4, 1), date(2021, 4, 2))),
                               ("Мои сессии", None, None), ("Пусто", "Europe/Kirov", None)):
        chosen = items if name != "Пусто" else []
        expected = library_calendar(chosen, name=name, timezone=zone, covers=covers)

        assert build_calendar(chosen, name=name, timezone=zone, covers=covers) == expected
        # Asked again, every part now comes from memory: still the same bytes.
        assert build_calendar(chosen, name=name, timezone=zone, covers=covers) == expected


def test_calendar_after_one_session_changes_equals_icalendar_in_one_piece() -> None:
    items = _varied_items()
    build_calendar(items, name="Сессия", timezone="Europe/Moscow")
    moved = [items[0], replace(items[1], title="Новое название", sequence=6,
                               starts_at=items[1].starts_at + timedelta(hours=2)), *items[2:]]

    body = build_calendar(moved, name="Сессия", timezone="Europe/Moscow")

    assert body == library_calendar(moved, name="Сессия", timezone="Europe/Moscow")
    assert "Отменено: Новое название".encode() in body.replace(b"\r\n ", b"")
