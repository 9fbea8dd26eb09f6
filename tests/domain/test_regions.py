from __future__ import annotations

import dataclasses
import zoneinfo

import pytest

from events_app.domain.regions import REGIONS, Region, is_region_code, region_by_code

EXPECTED_CODES = {f"{n:02d}" for n in range(1, 80)} | {
    "83", "86", "87", "89", "90", "91", "92", "93", "94", "95",
}


def test_there_are_89_regions() -> None:
    assert len(REGIONS) == 89


def test_codes_are_unique_two_digit_and_exactly_the_expected_set() -> None:
    codes = [r.code for r in REGIONS]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 2 and c.isdigit() for c in codes)
    assert set(codes) == EXPECTED_CODES


def test_regions_are_ordered_by_code() -> None:
    codes = [r.code for r in REGIONS]
    assert codes == sorted(codes)
    assert codes[0] == "01"
    assert codes[-1] == "95"


def test_names_are_unique_and_non_empty() -> None:
    for attr in ("name_ru", "name_en"):
        names = [getattr(r, attr) for r in REGIONS]
        assert all(n.strip() == n and n for n in names)
        assert len(set(names)) == len(names)


def test_every_timezone_is_a_known_iana_zone() -> None:
    available = zoneinfo.available_timezones()
    unknown = {r.code: r.timezone for r in REGIONS if r.timezone not in available}
    assert unknown == {}


@pytest.mark.parametrize(
    ("code", "name_ru", "name_en", "timezone"),
    [
        ("01", "Республика Адыгея", "Republic of Adygea", "Europe/Moscow"),
        ("11", "Республика Коми", "Komi Republic", "Europe/Moscow"),
        ("13", "Республика Мордовия", "Republic of Mordovia", "Europe/Moscow"),
        ("18", "Удмуртская Республика", "Udmurt Republic", "Europe/Samara"),
        ("25", "Приморский край", "Primorsky Krai", "Asia/Vladivostok"),
        ("39", "Калининградская область", "Kaliningrad Oblast", "Europe/Kaliningrad"),
        ("40", "Калужская область", "Kaluga Oblast", "Europe/Moscow"),
        ("41", "Камчатский край", "Kamchatka Krai", "Asia/Kamchatka"),
        ("43", "Кировская область", "Kirov Oblast", "Europe/Kirov"),
        ("63", "Самарская область", "Samara Oblast", "Europe/Samara"),
        ("66", "Свердловская область", "Sverdlovsk Oblast", "Asia/Yekaterinburg"),
        ("77", "Москва", "Moscow", "Europe/Moscow"),
        ("78", "Санкт-Петербург", "Saint Petersburg", "Europe/Moscow"),
        ("90", "Запорожская область", "Zaporozhye Oblast", "Europe/Moscow"),
        ("91", "Республика Крым", "Republic of Crimea", "Europe/Simferopol"),
        ("92", "Севастополь", "Sevastopol", "Europe/Simferopol"),
        ("93", "Донецкая Народная Республика", "Donetsk People's Republic", "Europe/Moscow"),
        ("94", "Луганская Народная Республика", "Luhansk People's Republic", "Europe/Moscow"),
        ("95", "Херсонская область", "Kherson Oblast", "Europe/Moscow"),
    ],
)
def test_region_by_code(code: str, name_ru: str, name_en: str, timezone: str) -> None:
    assert region_by_code(code) == Region(code, name_ru, name_en, timezone)
    assert is_region_code(code) is True


@pytest.mark.parametrize("code", ["00", "80", "84", "99", "1", "011", "", " 11", "11 "])
def test_unknown_or_non_normalised_code(code: str) -> None:
    assert region_by_code(code) is None
    assert is_region_code(code) is False


def test_region_is_frozen() -> None:
    region = region_by_code("11")
    assert region is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        region.name_ru = "Коми"
