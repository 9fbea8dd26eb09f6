from __future__ import annotations

from datetime import date
from fractions import Fraction

from babel.messages.extract import extract_from_dir

from events_app import i18n
from tests.conftest import ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _source_messages() -> set[str]:
    found: set[str] = set()
    methods = [("events_app/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
    for _, _, message, _, _ in extract_from_dir(str(ROOT), methods, options_map=options, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_interface_string_has_a_russian_translation() -> None:
    catalog = i18n.read_catalog("ru")
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id and m.string and all(m.string)}

    missing = _source_messages() - translated

    assert missing == set()


def test_russian_dates_read_the_russian_way() -> None:
    token = i18n._current.set("ru")
    try:
        assert i18n.format_day(date(2021, 4, 1)) == "1 апреля, четверг"
        assert i18n.format_date_range(date(2021, 6, 24), date(2021, 6, 25)) == "24–25 июня 2021"
        assert i18n.ngettext("%(num)d session", "%(num)d sessions", 3) % {"num": 3} == "3 пункта программы"
    finally:
        i18n._current.reset(token)


def test_english_dates() -> None:
    token = i18n._current.set("en")
    try:
        assert i18n.format_day(date(2021, 4, 1)) == "Thursday, 1 April"
        assert i18n.format_date_range(date(2022, 9, 1), date(2022, 10, 28)) == "1 September – 28 October 2022"
    finally:
        i18n._current.reset(token)


def test_a_string_translated_in_several_catalogues_reads_the_same_everywhere() -> None:
    from babel.messages.pofile import read_po

    translations: dict[str, set[str]] = {}
    for po_file in sorted((i18n.LOCALE_DIR / "ru" / "LC_MESSAGES").glob("*.po")):
        with po_file.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    translations.setdefault(key, set()).add(str(message.string))

    assert {key: values for key, values in translations.items() if len(values) > 1} == {}


def test_numbers_take_a_decimal_comma_in_russian_and_a_point_in_english() -> None:
    with i18n.language("ru"):
        assert [i18n.format_number(v) for v in (9, 8.5, 1234.567)] == ["9,00", "8,50", "1\u00a0234,57"]
        assert i18n.format_number(Fraction(17, 2), places=1) == "8,5"
    with i18n.language("en"):
        assert [i18n.format_number(v) for v in (9, 8.5, 1234.567)] == ["9.00", "8.50", "1,234.57"]
