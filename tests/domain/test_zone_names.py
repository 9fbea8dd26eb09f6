"""Zone names: counted from Moscow in Russian, from UTC (or "Moscow time") in English."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from events_app.domain.zone_names import zone_name


def _ten_oclock(zone: str) -> datetime:
    return datetime(2026, 12, 17, 10, 0, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(("zone", "russian", "english"), [
    ("Europe/Moscow", "МСК", "Moscow time"),
    ("Europe/Kirov", "МСК", "Moscow time"),
    ("Asia/Novosibirsk", "МСК+4", "UTC+7"),
    ("Asia/Yekaterinburg", "МСК+2", "UTC+5"),
    ("Europe/Kaliningrad", "МСК\u22121", "UTC+2"),
    ("Europe/Samara", "МСК+1", "UTC+4"),
    ("Asia/Kolkata", "МСК+2:30", "UTC+5:30"),
    ("America/Sao_Paulo", "МСК\u22126", "UTC\u22123"),
])
def test_zone_name_counts_from_moscow_in_russian_and_from_utc_in_english(zone: str, russian: str,
                                                                          english: str) -> None:
    moment = _ten_oclock(zone)

    assert (zone_name(moment, language="ru"), zone_name(moment, language="en")) == (russian, english)


def test_zone_name_follows_the_offset_of_the_moment_not_of_today() -> None:
    # Volgograd kept Moscow time until late 2018, then was UTC+4 until the end of 2020.
    assert zone_name(datetime(2019, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/Volgograd")), language="ru") == "МСК+1"
    assert zone_name(datetime(2021, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/Volgograd")), language="ru") == "МСК"


def test_zone_name_refuses_a_moment_without_a_zone() -> None:
    with pytest.raises(ValueError, match="without a time zone"):
        zone_name(datetime(2026, 12, 17, 10, 0), language="ru")
