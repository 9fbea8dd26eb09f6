"""Signed, expiring links: a delegate's cabinet opens from a link in an e-mail, without a password.

A link carries the registration id, the registration's link version (raised to revoke every
link issued before) and an expiry, signed with HMAC-SHA256 under the service's secret key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from events_app.domain.errors import N_, DomainError

CABINET_LINK_LIFETIME = timedelta(days=60)


class InvalidLink(DomainError):
    code = "invalid_link"


@dataclass(frozen=True)
class CabinetClaim:
    registration_id: int
    link_version: int


def _signature(key: str, payload: str, purpose: str) -> str:
    # The purpose is signed too: a cabinet link never opens an organiser's page, nor the reverse.
    digest = hmac.new(key.encode(), f"{purpose}:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


def _sign(key: str, purpose: str, numbers: tuple[int, ...], expires: datetime) -> str:
    payload = ".".join(str(number) for number in (*numbers, int(expires.timestamp())))
    return f"{payload}.{_signature(key, payload, purpose)}"


def _verify(key: str, purpose: str, token: str, count: int, *, now: datetime, invalid: str,
            expired: str) -> list[int]:
    """The `count` numbers a signed token carries before its expiry; `InvalidLink` when it was
    altered, is of another purpose, or has expired."""
    parts = token.split(".")
    if len(parts) != count + 2 or not all(part.isdigit() for part in parts[:-1]):
        raise InvalidLink(invalid)
    if not hmac.compare_digest(parts[-1], _signature(key, ".".join(parts[:-1]), purpose)):
        raise InvalidLink(invalid)
    if datetime.fromtimestamp(int(parts[-2]), UTC) < now:
        raise InvalidLink(expired)
    return [int(part) for part in parts[:count]]


def sign_cabinet_link(key: str, *, registration_id: int, link_version: int, now: datetime,
                      lifetime: timedelta = CABINET_LINK_LIFETIME) -> str:
    return _sign(key, "cabinet", (registration_id, link_version), now + lifetime)


def read_cabinet_link(key: str, token: str, *, now: datetime) -> CabinetClaim:
    """The registration a link opens; `InvalidLink` when it was altered or has expired."""
    registration_id, link_version = _verify(
        key, "cabinet", token, 2, now=now,
        invalid=N_("This link is not valid. Ask for a new one with your e-mail address."),
        expired=N_("This link has expired. Ask for a new one with your e-mail address."))
    return CabinetClaim(registration_id=registration_id, link_version=link_version)


def organiser_api_token(key: str) -> str:
    """The bearer token for organiser API calls, derived from the secret key.

    It stands in until staff accounts exist; changing EVENTS_SECRET_KEY revokes it.
    """
    digest = hmac.new(key.encode(), b"organiser-api", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def is_organiser_api_token(key: str, presented: str) -> bool:
    return hmac.compare_digest(presented.encode(), organiser_api_token(key).encode())


CHECKIN_VIEW_LIFETIME = timedelta(days=14)


def sign_checkin_view_link(key: str, *, event_id: int, now: datetime,
                           lifetime: timedelta = CHECKIN_VIEW_LIFETIME) -> str:
    """An organiser's link to an event's check-in view, until staff accounts exist."""
    return _sign(key, "checkin-view", (event_id,), now + lifetime)


def read_checkin_view_link(key: str, token: str, *, now: datetime) -> int:
    (event_id,) = _verify(
        key, "checkin-view", token, 1, now=now,
        invalid=N_("This link is not valid. Ask for a new one with events-app checkin-view-link."),
        expired=N_("This link has expired. Ask for a new one with events-app checkin-view-link."))
    return event_id


DEFENCE_CABINET_LIFETIME = timedelta(days=90)
STAGE_LINK_LIFETIME = timedelta(days=30)


def sign_defence_cabinet_link(key: str, *, application_id: int, link_version: int, now: datetime,
                              lifetime: timedelta = DEFENCE_CABINET_LIFETIME) -> str:
    """A defence team's cabinet: its slot time, its slides and the jury's remarks."""
    return _sign(key, "defence-cabinet", (application_id, link_version), now + lifetime)


def read_defence_cabinet_link(key: str, token: str, *, now: datetime) -> tuple[int, int]:
    """The application id and link version a team's link carries."""
    application_id, link_version = _verify(
        key, "defence-cabinet", token, 2, now=now,
        invalid=N_("This link is not valid. Ask the organisers for a new one."),
        expired=N_("This link has expired. Ask the organisers for a new one."))
    return application_id, link_version


def sign_stage_link(key: str, *, session_id: int, now: datetime, lifetime: timedelta = STAGE_LINK_LIFETIME) -> str:
    """The projector's stage screen for one defence block: opens without signing in."""
    return _sign(key, "stage", (session_id,), now + lifetime)


def read_stage_link(key: str, token: str, *, now: datetime) -> int:
    (session_id,) = _verify(
        key, "stage", token, 1, now=now,
        invalid=N_("This stage screen link is not valid. Copy it again from the block's page."),
        expired=N_("This stage screen link has expired. Copy a new one from the block's page."))
    return session_id
