from __future__ import annotations

from datetime import date, datetime

import pytest

from events_app.domain.agenda import SessionKind, shift_agenda, to_local, to_utc
from events_app.domain.agenda_file import AgendaFileError, parse_agenda_text, render_agenda

VALID = '''
[event]
slug = "syktyvkar-2021"
title = "Практическая сессия"
format = "practical_session"
city = "Сыктывкар"
region = "11"
timezone = "Europe/Moscow"
starts_on = 2021-04-01
ends_on = 2021-04-02
organisers = ["mondi-slpk"]

[[organisations]]
key = "mondi-slpk"
name = "АО «Монди СЛПК»"
inn = "1121003135"

[[venues]]
key = "mondi"
name = "Монди"
kind = "enterprise"
address = "Сыктывкар, пр. Бумажников, 2"
latitude = 61.73
longitude = 50.71
organisation = "mondi-slpk"

[[people]]
key = "guide"
name = "Иван Петров"

[[sessions]]
key = "visit-mondi"
kind = "site_visit"
title = "Посещение АО «Монди СЛПК»"
description = """Первая строка.

Вторая строка с "кавычками" и \\\\ обратной чертой."""
starts_at = 2021-04-01T10:00:00
ends_at = 2021-04-01T12:30:00
venue = "mondi"
capacity = 40
signup_required = true
speakers = ["guide"]
'''


def _errors(text: str) -> list[str]:
    with pytest.raises(AgendaFileError) as caught:
        parse_agenda_text(text, file="s.toml")
    return [str(error) for error in caught.value.errors]


def _with(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


def test_parse_valid_file_builds_agenda_with_local_times() -> None:
    agenda = parse_agenda_text(VALID, file="s.toml")

    session = agenda.sessions[0]
    assert agenda.event.slug == "syktyvkar-2021"
    assert agenda.event.days == [date(2021, 4, 1), date(2021, 4, 2)]
    assert session.kind is SessionKind.SITE_VISIT
    assert session.starts_at == datetime(2021, 4, 1, 10, 0)
    assert session.speaker_keys == ("guide",)
    assert agenda.venues[0].organisation_key == "mondi-slpk"


def test_session_ending_before_it_starts_is_reported_with_its_path() -> None:
    text = _with("ends_at = 2021-04-01T12:30:00", "ends_at = 2021-04-01T09:00:00")

    assert _errors(text) == ["s.toml: sessions[0].ends_at: ends (2021-04-01 09:00) before it starts (2021-04-01 10:00)"]


def test_unknown_venue_is_reported() -> None:
    assert _errors(_with('venue = "mondi"', 'venue = "luzales"')) == [
        "s.toml: sessions[0].venue: unknown venue 'luzales'"]


def test_unknown_time_zone_is_reported() -> None:
    assert _errors(_with('timezone = "Europe/Moscow"', 'timezone = "Europe/Syktyvkar"')) == [
        "s.toml: event.timezone: unknown time zone 'Europe/Syktyvkar'; use an IANA name such as 'Europe/Moscow'"]


def test_duplicate_session_key_names_both_places() -> None:
    text = VALID + '''
[[sessions]]
key = "visit-mondi"
kind = "break"
title = "Обед"
starts_at = 2021-04-01T13:00:00
ends_at = 2021-04-01T14:00:00
'''
    assert _errors(text) == ["s.toml: sessions[1].key: duplicate key 'visit-mondi' (also sessions[0])"]


def test_session_outside_event_days_is_reported() -> None:
    text = _with("starts_at = 2021-04-01T10:00:00\nends_at = 2021-04-01T12:30:00",
                 "starts_at = 2021-04-03T10:00:00\nends_at = 2021-04-03T12:30:00")

    assert _errors(text) == [
        "s.toml: sessions[0].starts_at: 2021-04-03 10:00 is outside the event's days (2021-04-01 – 2021-04-02)"]


def test_invalid_inn_is_reported_with_the_reason() -> None:
    assert _errors(_with('inn = "1121003135"', 'inn = "1121003136"')) == [
        "s.toml: organisations[0].inn: invalid INN '1121003136': Неверная контрольная цифра ИНН"]


def test_misspelt_field_is_not_silently_ignored() -> None:
    assert _errors(_with("capacity = 40", "capacty = 40")) == ["s.toml: sessions[0].capacty: unknown field 'capacty'"]


def test_wrong_type_and_missing_field_are_both_reported() -> None:
    text = _with("capacity = 40", 'capacity = "сорок"').replace('title = "Посещение АО «Монди СЛПК»"\n', "")

    assert _errors(text) == [
        "s.toml: sessions[0].title: is required",
        "s.toml: sessions[0].capacity: must be a whole number, got a string",
    ]


def test_time_with_offset_is_refused() -> None:
    assert _errors(_with("starts_at = 2021-04-01T10:00:00", "starts_at = 2021-04-01T10:00:00+03:00")) == [
        "s.toml: sessions[0].starts_at: must be a local time without an offset; the event's time zone applies"]


def test_toml_syntax_error_names_the_line() -> None:
    errors = _errors(VALID.replace('city = "Сыктывкар"', 'city = "Сыктывкар'))

    assert len(errors) == 1
    assert errors[0].startswith("s.toml: not valid TOML: ")
    assert "line 6" in errors[0]


def test_unknown_region_and_kind_are_reported() -> None:
    text = _with('region = "11"', 'region = "99"').replace('kind = "site_visit"', 'kind = "excursion"')

    assert _errors(text) == [
        "s.toml: sessions[0].kind: unknown value 'excursion'; expected one of: plenary, seminar, workshop, "
        "site_visit, project_defence, webinar, break, transfer, cultural",
        "s.toml: event.region: unknown region code '99'; use the two-digit code, e.g. \"11\" for the Komi Republic",
    ]


def test_render_then_parse_gives_the_same_agenda() -> None:
    agenda = parse_agenda_text(VALID, file="s.toml")

    text = render_agenda(agenda)

    assert parse_agenda_text(text, file="out.toml") == agenda
    assert "starts_at = 2021-04-01T10:00:00" in text.splitlines()


def test_shift_moves_days_and_keeps_wall_clock_times() -> None:
    agenda = parse_agenda_text(VALID, file="s.toml")

    shifted = shift_agenda(agenda, date(2026, 12, 3))

    assert (shifted.event.starts_on, shifted.event.ends_on) == (date(2026, 12, 3), date(2026, 12, 4))
    assert shifted.sessions[0].starts_at == datetime(2026, 12, 3, 10, 0)
    assert shifted.sessions[0].ends_at == datetime(2026, 12, 3, 12, 30)


def test_moscow_wall_clock_is_three_hours_ahead_of_utc() -> None:
    moment = to_utc(datetime(2021, 4, 1, 10, 0), "Europe/Moscow")

    assert (moment.hour, moment.utcoffset().total_seconds()) == (7, 0)
    assert to_local(moment, "Europe/Moscow") == datetime(2021, 4, 1, 10, 0)
    assert to_local(moment, "Asia/Yekaterinburg") == datetime(2021, 4, 1, 12, 0)


def test_one_coordinate_without_the_other_is_refused() -> None:
    assert _errors(_with("longitude = 50.71\n", "")) == [
        "s.toml: venues[0].longitude: give both latitude and longitude, or neither"]
