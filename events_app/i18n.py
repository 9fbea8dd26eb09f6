"""Interface language: Russian first, English second.

Source strings in code and templates are English; `locale/ru/LC_MESSAGES/messages.po` holds the
Russian. The catalogue is read from the .po file at start-up, so there is no compile step. The
language of a request comes from the `lang` cookie (set by `/lang/{code}`, applied by
`web.language.LanguageMiddleware`), Russian by default; an e-mail is written in the language its
recipient registered in.
"""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
COOKIE = "lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_file.exists():
        return gettext_module.NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language)
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


def format_clock(value: datetime) -> str:
    return value.strftime("%H:%M")


def format_utc_offset(value: datetime) -> str:
    offset = value.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return f"UTC{hours:+d}"
