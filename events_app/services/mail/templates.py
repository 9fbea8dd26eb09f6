"""The one template environment for every letter the service writes.

Letters live in `templates/mail/<language>/`. Plain-text parts (`.txt`) are rendered as written;
HTML parts (`.html`) escape every value, so a delegate's name can never become markup. Undefined
values fail loudly: a letter with a hole in it is a bug, not something to send.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
