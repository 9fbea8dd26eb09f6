"""The one template environment for every letter the service writes.

Registration letters, defence letters, bus and departure changes and programme-change letters all
render here, so every letter follows one autoescape policy and one set of filters. Letters live
in `templates/mail/<language>/`. Plain-text parts (`.txt`) are rendered as written;
HTML parts (`.html`) escape every value, so a delegate's name can never become markup. Undefined
values fail loudly: a letter with a hole in it is a bug, not something to send.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from events_app import i18n
from events_app.resources import MAIL_TEMPLATES_DIR

_environment = Environment(
    loader=FileSystemLoader(MAIL_TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_environment.filters.update(day=i18n.format_day, clock=i18n.format_clock)


def render(name: str, context: Mapping[str, Any], *, language: str | None = None) -> str:
    """`templates/mail/<language>/<name>` rendered with `context`; the language defaults to the
    current one (`i18n.language(...)` sets it around a letter)."""
    return _environment.get_template(f"{language or i18n.current_language()}/{name}").render(context)


class Titled(Protocol):
    """Anything with a Russian title and an optional English one (an event, a session)."""

    @property
    def title(self) -> str: ...

    @property
    def title_en(self) -> str | None: ...


def event_title(event: Titled) -> str:
    """The title a letter in the current language names the event by: the English title in an
    English letter when the organiser gave one, the Russian title otherwise."""
    return event.title_en if i18n.current_language() == "en" and event.title_en else event.title
