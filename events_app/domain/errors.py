"""The domain's errors. The web layer maps each kind once to an HTTP status and a message."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for the translation catalogue; the web layer translates it when shown."""
    return message


class DomainError(Exception):
    """A rule of the domain refused an operation; `message` is shown to the user."""

    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"
