"""Interface language: Russian first, English second.

Source strings in code and templates are English; the .po files in `locale/ru/LC_MESSAGES/` hold the
Russian, one file per area of the service (`messages.po` for the public side, `organiser.po` for the
workspace, ...). They are read and merged at start-up, so there is no compile step. The
language of a request comes from the `lang` cookie (set by `/lang/{code}`, applied by
`web.language.LanguageMiddleware`), Russian by default; an e-mail is written in the language its
recipient registered in.
"""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from functools import cache
from io import BytesIO

from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from events_app.domain.zone_names import zone_name
from events_app.resources import LOCALE_DIR

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
COOKIE = "lang"

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def read_catalog(language: str) -> Catalog:
    """Every .po file of a language merged into one catalogue."""
    merged = Catalog(locale=language)
    for po_file in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po_file.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id:
                    merged[message.id] = message
    return merged


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    catalog = read_catalog(language)
    if not len(catalog):
        return gettext_module.NullTranslations()
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def choose_language(cookie: str | None) -> str:
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


@contextmanager
def language(code: str) -> Iterator[None]:
    """Render in this language for a while (an e-mail in its recipient's language)."""
    token = _current.set(choose_language(code))
    try:
        yield
    finally:
        _current.reset(token)


def format_day(value: date) -> str:
    """«1 апреля, четверг» in Russian, «Thursday, 1 April» in English."""
    language = _current.get()
    return format_date(value, "d MMMM, EEEE" if language == "ru" else "EEEE, d MMMM", locale=language)


def format_full_date(value: date) -> str:
    return format_date(value, "d MMMM y", locale=_current.get())


def format_date_range(start: date, end: date) -> str:
    language = _current.get()
    if start == end:
        return format_full_date(start)
    if start.year == end.year and start.month == end.month:
        return f"{start.day}–{format_date(end, 'd MMMM y', locale=language)}"
    if start.year == end.year:
        return f"{format_date(start, 'd MMMM', locale=language)} – {format_date(end, 'd MMMM y', locale=language)}"
    return f"{format_full_date(start)} – {format_full_date(end)}"


def format_days(days: Sequence[date], language: str | None = None) -> str:
    """Days without weekday or year, a month named once per run: «31 марта, 1 и 2 апреля»,
    «31 March, 1 and 2 April». The language may be given for code outside the request's context."""
    language = language or _current.get()
    ordered = sorted(set(days))
    parts = []
    for index, day in enumerate(ordered):
        same_month_follows = index + 1 < len(ordered) and (ordered[index + 1].year, ordered[index + 1].month) == (
            day.year, day.month)
        parts.append(str(day.day) if same_month_follows else format_date(day, "d MMMM", locale=language))
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {'и' if language == 'ru' else 'and'} {parts[-1]}"


def format_clock(value: datetime) -> str:
    return value.strftime("%H:%M")


def format_zone(value: datetime) -> str:
    """The zone of a local moment for the reader: «МСК», «МСК+4», "Moscow time", "UTC+7"."""
    return zone_name(value, language=_current.get())


def format_clock_in_zone(value: datetime, end: datetime | None = None) -> str:
    """«10:00 (МСК)», or a span «10:00–10:30 (МСК+4)»: a time that names its zone."""
    span = format_clock(value) + (f"–{format_clock(end)}" if end is not None else "")
    return f"{span} ({format_zone(value)})"


def format_number(value: float | Fraction | Decimal, places: int = 2) -> str:
    """A score or an average for people: «9,00» in Russian, «9.00» in English, `places` decimals.
    Exports keep their numbers as numbers; this is for what a page or a letter shows."""
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    exact = value if isinstance(value, Decimal) else Decimal(str(float(value)))
    return str(format_decimal(exact, format=pattern, locale=_current.get(), decimal_quantization=True))


def format_utc_offset(value: datetime) -> str:
    offset = value.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return f"UTC{hours:+d}"
