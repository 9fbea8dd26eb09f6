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


def _signature(key: str, payload: str, purpose: str = "cabinet") -> str:
    # The purpose is signed too: a cabinet link never opens an organiser's page, nor the reverse.
    digest = hmac.new(key.encode(), f"{purpose}:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


def sign_cabinet_link(key: str, *, registration_id: int, link_version: int, now: datetime,
                      lifetime: timedelta = CABINET_LINK_LIFETIME) -> str:
    expires = int((now + lifetime).timestamp())
    payload = f"{registration_id}.{link_version}.{expires}"
    return f"{payload}.{_signature(key, payload)}"


def read_cabinet_link(key: str, token: str, *, now: datetime) -> CabinetClaim:
    """The registration a link opens; `InvalidLink` when it was altered or has expired."""
    parts = token.split(".")
    if len(parts) != 4 or not all(part.isdigit() for part in parts[:3]):
        raise InvalidLink(N_("This link is not valid. Ask for a new one with your e-mail address."))
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _signature(key, payload)):
        raise InvalidLink(N_("This link is not valid. Ask for a new one with your e-mail address."))
    if datetime.fromtimestamp(int(parts[2]), UTC) < now:
        raise InvalidLink(N_("This link has expired. Ask for a new one with your e-mail address."))
    return CabinetClaim(registration_id=int(parts[0]), link_version=int(parts[1]))


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
    payload = f"{event_id}.{int((now + lifetime).timestamp())}"
    return f"{payload}.{_signature(key, payload, 'checkin-view')}"


def read_checkin_view_link(key: str, token: str, *, now: datetime) -> int:
    parts = token.split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts[:2]):
        raise InvalidLink(N_("This link is not valid. Ask for a new one with events-app checkin-view-link."))
    payload = ".".join(parts[:2])
    if not hmac.compare_digest(parts[2], _signature(key, payload, "checkin-view")):
        raise InvalidLink(N_("This link is not valid. Ask for a new one with events-app checkin-view-link."))
    if datetime.fromtimestamp(int(parts[1]), UTC) < now:
        raise InvalidLink(N_("This link has expired. Ask for a new one with events-app checkin-view-link."))
    return int(parts[0])
