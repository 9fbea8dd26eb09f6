"""The e-mails a registration causes, written in the delegate's language and queued in the outbox.

Every function runs inside the caller's transaction, so a message is queued exactly when the
change that causes it commits. The letter a registration itself causes is queued as a
description (`registration:<kind>`) and written by `writer` just before it is sent: in a rush
the QR image, the calendar and the MIME text would otherwise be made inside every request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Literal, get_args

from events_app import i18n
from events_app.data.database import Row, Store
from events_app.domain.errors import N_, NotFound
from events_app.domain.links import sign_cabinet_link
from events_app.domain.mail import Attachment, compose, mailbox
from events_app.domain.registration import Promotion, RegistrationStatus
from events_app.domain.tickets import qr_png, ticket_url
from events_app.services import rate_limit
from events_app.services.attendance import join_links
from events_app.services.attendance.join_links import OnlineLink
from events_app.services.mail import outbox
from events_app.services.mail.templates import event_title, render
from events_app.services.programme import feeds, version
from events_app.services.programme.catalogue import EventView
from events_app.services.registration.views import (
    EventProgramme,
    RegistrationView,
    event_programme,
    online_links,
    registration_view,
    ticket_holder,
)
from events_app.settings import Settings

Kind = Literal["confirmed", "pending", "waitlisted", "promoted", "approved", "rejected", "link", "cancelled",
               "changed"]

SUBJECTS: dict[str, str] = {
    "confirmed": N_("Your ticket: %(event)s"),
    "approved": N_("Your application is approved: %(event)s"),
    "pending": N_("Application received: %(event)s"),
    "waitlisted": N_("You are on the waiting list: %(event)s"),
    "promoted": N_("A place is yours: %(event)s"),
    "rejected": N_("Your application is declined: %(event)s"),
    "link": N_("Your delegate cabinet: %(event)s"),
    "cancelled": N_("Your registration is cancelled: %(event)s"),
    "changed": N_("Your choice is saved: %(event)s"),
}
QR_CONTENT_ID = "ticket-qr@events"

def cabinet_url(settings: Settings, registration: RegistrationView, *, now: datetime) -> str:
    return cabinet_url_of(settings, registration.id, link_version=registration.link_version, now=now)


def cabinet_url_of(settings: Settings, registration_id: int, *, link_version: int, now: datetime) -> str:
    token = sign_cabinet_link(settings.secret_key, registration_id=registration_id, link_version=link_version,
                              now=now)
    return f"{settings.base_url}/cabinet/{token}"


def personal_calendar_url(settings: Settings, token: str | None) -> str | None:
    return f"{settings.base_url}/calendar/{token}.ics" if token else None


def build_message(settings: Settings, registration: RegistrationView, kind: Kind, *, now: datetime,
                  ticket_qr: bytes | None = None, calendar: bytes | None = None,
                  session_id: int | None = None, online: Sequence[OnlineLink] = ()) -> EmailMessage:
    """The letter for a registration, rendered in its language. A ticketed letter carries the QR
    code inline and the event's calendar attached."""
    event = registration.event
    ticket = ticket_url(settings.base_url, registration.ticket_secret) if registration.ticket_secret else None
    session = next((c.session for c in registration.choices if c.session.id == session_id), None)
    attachments: list[Attachment] = []
    if ticket:
        attachments.append(Attachment("ticket-qr.png", "image/png", ticket_qr or qr_png(ticket),
                                      content_id=QR_CONTENT_ID))
        if calendar is not None:
            attachments.append(Attachment(f"{event.slug}.ics", "text/calendar", calendar))
    with i18n.language(registration.language):
        context = {
            "r": registration, "kind": kind, "session": session, "ticket_url": ticket, "qr_cid": QR_CONTENT_ID,
            "online": online,
            "dates": i18n.format_date_range(event.starts_on, event.ends_on),
            "cabinet_url": cabinet_url(settings, registration, now=now),
            "calendar_url": personal_calendar_url(settings, registration.calendar_token),
            "agenda_url": f"{settings.base_url}/events/{event.slug}/agenda",
        }
        lead = render("lead.txt", context)
        text = render("registration.txt", context)
        html = render("registration.html", {**context, "lead": [p.strip() for p in lead.split("\n") if p.strip()]})
    subject = letter_subject(kind, event, registration.language)
    return compose(sender=settings.mail_from, recipient=mailbox(registration.full_name, registration.email),
                   subject=subject, text=text, html=html, attachments=attachments, date=now)


def letter_subject(kind: Kind, event: EventView, language: str) -> str:
    with i18n.language(language):
        return i18n.gettext(SUBJECTS[kind]) % {"event": event_title(event)}


LETTER_PREFIX = "registration:"
_KINDS: dict[str, Kind] = {kind: kind for kind in get_args(Kind)}


def described(kind: Kind) -> str:
    """The outbox's description of a registration letter of this kind."""
    return LETTER_PREFIX + kind


def writer(store: Store, settings: Settings) -> outbox.Render:
    """Writes described registration letters (`outbox.Render`) from what the database holds now:
    the registration, its places and ticket; the moment of the change is the outbox row's.

    What the letters of one event share (the event, its sessions, its webinars and calendar) is
    read once per programme version, not for every letter: a round of twenty confirmations reads
    the programme once. Every programme change moves the version, so the next letter shows it.
    """

    async def write(row: Row) -> EmailMessage | None:
        letter = str(row["letter"])
        kind = _KINDS.get(letter.removeprefix(LETTER_PREFIX)) if letter.startswith(LETTER_PREFIX) else None
        if kind is None:
            raise ValueError(f"unknown described letter {letter!r}")
        if row["registration_id"] is None:
            return None
        programme_version = await version.current(store)
        shared: dict[str, _LetterProgramme] = {}

        async def programme_of(slug: str) -> EventProgramme:
            shared[slug] = await store.remember(("letter-programme", slug, programme_version), PROGRAMME_SECONDS,
                                                lambda: _letter_programme(store, slug))
            return shared[slug].programme

        try:
            registration = await registration_view(store, int(row["registration_id"]), programme=programme_of)
        except NotFound:
            return None
        slug = registration.event.slug
        calendar = (await event_calendar(store, settings, slug, programme_version=programme_version)
                    if registration.ticket_secret else None)
        online = await online_links(store, settings.base_url, registration, online=shared[slug].online)
        return build_message(settings, registration, kind, now=row["created_at"], calendar=calendar, online=online)

    return write


# How long the programme of letters is kept once read; a new version is read at once regardless.
PROGRAMME_SECONDS = 300.0


@dataclass(frozen=True)
class _LetterProgramme:
    programme: EventProgramme
    online: Sequence[Row]


async def _letter_programme(store: Store, slug: str) -> _LetterProgramme:
    programme = await event_programme(store, slug)
    return _LetterProgramme(programme, await join_links.online_sessions(store, programme.event.id))


async def event_calendar(store: Store, settings: Settings, slug: str, *, programme_version: int | None = None) -> bytes:
    """The event's calendar for attachments, rebuilt at most once a minute, or once per programme
    version when the caller has read it (the outbox's writer, outside any transaction).

    Loading the programme for every confirmation was a fifth of a registration's time in a rush;
    an attachment a minute behind an edit is harmless, since the delegate's subscribed feeds
    carry every change.
    """
    return await store.remember(("event-calendar", settings.base_url, slug, programme_version), CALENDAR_TTL,
                                lambda: feeds.event_calendar(store, slug, feeds.publication_for(settings)))


CALENDAR_TTL = 60.0


async def _send(store: Store, settings: Settings, registration_id: int, kind: Kind, *, now: datetime,
                session_id: int | None = None) -> None:
    registration = await registration_view(store, registration_id)
    calendar = await event_calendar(store, settings, registration.event.slug) if registration.ticket_secret else None
    online = await online_links(store, settings.base_url, registration)
    message = build_message(settings, registration, kind, now=now, calendar=calendar, session_id=session_id,
                            online=online)
    await outbox.enqueue(store, message, now=now, registration_id=registration_id)


def kind_after_registration(status: str) -> Kind:
    return _KIND_AFTER_REGISTRATION[status]


_KIND_AFTER_REGISTRATION: dict[str, Kind] = {"confirmed": "confirmed", "pending": "pending", "waitlisted": "waitlisted"}


async def promoted(store: Store, settings: Settings, promotion: Promotion, *, now: datetime) -> None:
    await _send(store, settings, promotion.registration_id, "promoted", now=now, session_id=promotion.session_id)


async def after_moved_to_moderation(store: Store, settings: Settings, registration_id: int, *, now: datetime) -> None:
    await _send(store, settings, registration_id, "pending", now=now)


async def decision(store: Store, settings: Settings, registration_id: int, *, now: datetime) -> None:
    registration = await registration_view(store, registration_id)
    approved = registration.status == RegistrationStatus.CONFIRMED
    await _send(store, settings, registration_id, "approved" if approved else "rejected", now=now)


async def cabinet_link(store: Store, settings: Settings, registration_id: int, *, now: datetime) -> None:
    await _send(store, settings, registration_id, "link", now=now)


# Anyone who photographs a ticket's QR code can open the ticket page; the cabinet (personal data,
# cancelling) is only ever mailed to the delegate's own address, and not too often.
CABINET_LINKS_PER_TICKET = rate_limit.Limit("ticket-cabinet-link", 3, timedelta(hours=1))


async def cabinet_link_from_ticket(store: Store, settings: Settings, secret: str, *, now: datetime) -> RegistrationView:
    """Mail the cabinet link of a ticket's registration to its address; `TooManyRequests` past the limit."""
    holder = await ticket_holder(store, secret)
    await rate_limit.hit(store, CABINET_LINKS_PER_TICKET, str(holder.id), now=now)
    async with store.transaction():
        await cabinet_link(store, settings, holder.id, now=now)
    return holder


async def cancelled(store: Store, settings: Settings, registration_id: int, *, now: datetime) -> None:
    """A short receipt: someone who cancelled by mistake (or did not cancel at all) hears of it."""
    await _send(store, settings, registration_id, "cancelled", now=now)


async def changed(store: Store, settings: Settings, registration_id: int, *, now: datetime) -> None:
    """What the delegate now holds after changing days or sessions in the cabinet."""
    await _send(store, settings, registration_id, "changed", now=now)
