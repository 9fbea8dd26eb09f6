"""The domain's errors. The web layer maps each kind once to an HTTP status and a message."""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:
    """Marks a message for the translation catalogue; the web layer translates it when shown."""
    return message


class DomainError(Exception):
    """A rule of the domain refused an operation; `message` is shown to the user.

    `message` and the `fields` messages stay the catalogue's msgids; `values` fill their `%(name)s`
    places only after they are translated, so a message naming a bus or a limit is still found in
    the catalogue."""

    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None,
                 values: Mapping[str, object] | None = None) -> None:
        super().__init__(message % values if values else message)
        self.message = message
        self.fields = fields or {}
        self.values = dict(values or {})


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"
