"""The link to the cabinet across events: asked for by e-mail, stored only as a hash.

Asking always looks the same from outside: a letter goes only when the address holds something,
and the caller answers the same way either way.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.errors import N_
from events_app.domain.links import InvalidLink
from events_app.domain.mail import compose, mailbox
from events_app.domain.registration import EMAIL_PATTERN, clean_text
from events_app.services.mail import outbox
from events_app.settings import Settings

LIFETIME = timedelta(days=7)
SUBJECT = N_("Your registrations and bookings")


def normalise_address(value: str) -> str | None:
    address = clean_text(value)
    local, _, domain = address.rpartition("@")
    address = f"{local}@{domain.lower()}"
    return address if EMAIL_PATTERN.match(address) and len(address) <= 254 else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def holds_anything(store: Store, address: str) -> bool:
    registration = await store.fetch_val(sa.select(t.registrations.c.id).where(
        t.registrations.c.email == address, t.registrations.c.erased_at.is_(None)).limit(1))
    booking = await store.fetch_val(sa.select(t.consultation_bookings.c.id).where(
        t.consultation_bookings.c.email == address).limit(1))
    return registration is not None or booking is not None


async def request_link(store: Store, settings: Settings, *, email: str, language: str, now: datetime) -> None:
    """Mail a link to the cabinet when the address holds a registration or a booking; else nothing."""
    address = normalise_address(email)
    if address is None or not await holds_anything(store, address):
        return
    token = secrets.token_urlsafe(32)
    url = f"{settings.base_url}/cabinet/all/{token}"
    with i18n.language(language):
        text = "\n".join([
            i18n.gettext("Here is the link to everything you registered for and booked, across events:"), url, "",
            i18n.gettext("The link works for 7 days. If you did not ask for it, ignore this letter."), ""])
        subject = i18n.gettext(SUBJECT)
    message = compose(sender=settings.mail_from, recipient=mailbox("", address), subject=subject, text=text, date=now)
    async with store.transaction():
        await store.execute(t.cabinet_links.insert().values(token_hash=_hash(token), email=address,
                                                            expires_at=now + LIFETIME, created_at=now))
        await outbox.enqueue(store, message, now=now)


async def open_link(store: Store, token: str, *, now: datetime) -> str:
    """The address a link was issued for; `InvalidLink` when unknown or expired."""
    if not token or len(token) > 100:
        raise InvalidLink(N_("This link is not valid. Ask for a new one with your e-mail address."))
    row = await store.fetch_one(sa.select(t.cabinet_links).where(t.cabinet_links.c.token_hash == _hash(token)))
    if row is None:
        raise InvalidLink(N_("This link is not valid. Ask for a new one with your e-mail address."))
    if row["expires_at"] <= now:
        raise InvalidLink(N_("This link has expired. Ask for a new one with your e-mail address."))
    return str(row["email"])
