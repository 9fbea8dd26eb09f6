"""Registering delegates and everything they may do afterwards: change, cancel, withdraw consent.

Each operation is one transaction: the registration, its places, its ticket and the e-mails it
causes commit together or not at all.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.agenda import to_utc
from events_app.domain.consent import ConsentText, consent_for
from events_app.domain.errors import N_, DomainError, NotFound
from events_app.domain.programme_days import Week, by_week, offered_days
from events_app.domain.registration import (
    EMAIL_PATTERN,
    ENDED,
    HOLDING_PLACES,
    ChoiceStatus,
    RegistrationStatus,
    clean_text,
    validate_registration,
)
from events_app.domain.tickets import new_secret
from events_app.services.attendance import join_links
from events_app.services.certificates import issuing as certificates
from events_app.services.checkin import door
from events_app.services.mail import outbox
from events_app.services.programme import catalogue, version
from events_app.services.programme.catalogue import EventView, SessionView
from events_app.services.registration import intake, letters, places
from events_app.services.registration.views import (
    ChoiceResult,
    RegistrationResult,
)
from events_app.services.visits import details, visitor_data
from events_app.settings import Settings


class RegistrationClosed(DomainError):
    code = "registration_closed"


class AlreadyRegistered(DomainError):
    """The same person registered for this event before: a letter with their cabinet link went
    out instead. Pages answer as the cabinet-link request does, revealing nothing."""

    code = "already_registered"


class RegistrationGone(DomainError):
    """The registration was cancelled or its data erased: nothing more can be done with it."""

    code = "registration_gone"


@dataclass(frozen=True)
class FormContext:
    """What the registration form offers for one event."""

    event: EventView
    signup_sessions: list[SessionView]
    consent: ConsentText
    closed_reason: str | None
    # Site visits among the sessions (meeting point, requirements), shown before choosing.
    visits: dict[int, details.VisitView] = field(default_factory=dict)
    # The days offered to tick: those with sessions, by week for a long programme.
    day_groups: list[Week] = field(default_factory=list)


async def form_context(store: Store, slug: str, *, now: datetime) -> FormContext:
    event = await catalogue.get_event(store, slug)
    row = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event.id))
    assert row is not None
    sessions = await catalogue.list_sessions(store, event, signup_only=True)
    days = offered_days(event.days, await catalogue.session_days(store, event))
    return FormContext(event=event, signup_sessions=sessions,
                       consent=consent_for(row["consent_version"], row["consent_text"]),
                       closed_reason=_closed_reason(row, now),
                       visits=await details.visits_by_session(store, [s.id for s in sessions]),
                       day_groups=by_week(days, event_days=event.days))


async def closed_reason(store: Store, event_id: int, *, now: datetime) -> str | None:
    """Why the event takes no registration now, or None while it does (a session page says so
    instead of offering to sign up)."""
    row = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
    assert row is not None
    return _closed_reason(row, now)


@dataclass(frozen=True)
class Preselection:
    """The form's ticks for «Записаться» on a session page: that session and its day."""

    session: SessionView | None
    values: dict[str, list[str]]


def preselection(context: FormContext, session_id: str | None) -> Preselection:
    """Tick the session and its day when it takes sign-ups; nothing otherwise (an old or altered
    link opens a plain form)."""
    wanted = (session_id or "").strip()
    session = next((s for s in context.signup_sessions if wanted and str(s.id) == wanted), None)
    if session is None:
        return Preselection(None, {"days": [], "sessions": []})
    return Preselection(session, {"days": [session.day.isoformat()], "sessions": [str(session.id)]})


@dataclass(frozen=True)
class _SignupRules:
    """What a registration is checked against: the event, its sessions open for sign-up, its consent
    text and window. Unlike `FormContext` it holds nothing that registrations change (places left)."""

    event: EventView
    row: Row
    sessions: list[SessionView]
    consent: ConsentText


# Kept per programme version, which every change to an event or its sessions moves (database
# triggers), so a rule changed by any process applies to the next registration; the time only
# bounds how long an unused version's entry lingers.
RULES_SECONDS = 300.0


async def _signup_rules(store: Store, slug: str) -> _SignupRules:
    """The event's rules, read once per programme version instead of on every registration."""
    current = await version.current(store)

    async def load() -> _SignupRules:
        event = await catalogue.get_event(store, slug)
        row = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event.id))
        assert row is not None
        sessions = await catalogue.list_sessions(store, event, signup_only=True)
        return _SignupRules(event=event, row=row, sessions=sessions,
                            consent=consent_for(row["consent_version"], row["consent_text"]))

    return await store.remember(("signup-rules", slug, current), RULES_SECONDS, load)


def _closed_reason(event: Row, now: datetime) -> str | None:
    opens, closes = event["registration_opens_at"], event["registration_closes_at"]
    if closes is None:
        closes = to_utc(datetime.combine(event["ends_on"] + timedelta(days=1), time()), event["timezone"])
    if opens is not None and now < opens:
        return N_("Registration has not opened yet")
    if now >= closes:
        return N_("Registration is closed")
    return None


async def register(store: Store, settings: Settings, *, slug: str, data: Mapping[str, Any], consent_ip: str | None,
                   language: str, now: datetime) -> RegistrationResult:
    """Check the form and register: confirmed, pending approval, or on the event's waiting list."""
    rules = await _signup_rules(store, slug)
    closed_reason = _closed_reason(rules.row, now)
    if closed_reason:
        raise RegistrationClosed(closed_reason)
    form = validate_registration(data, event_days=rules.event.days,
                                 session_days={s.id: s.day for s in rules.sessions})
    outcome = await intake.intake(store, settings).submit(intake.Application(
        event=rules.event, sessions={s.id: s for s in rules.sessions}, consent=rules.consent, form=form,
        consent_ip=consent_ip, language=language, now=now))
    if isinstance(outcome, intake.Duplicate):
        raise AlreadyRegistered(N_("This person is already registered with this e-mail address"))
    return outcome


async def _issue_ticket(store: Store, registration_id: int, now: datetime, *, secret: str | None = None) -> str:
    """A new ticket; any earlier ticket of the registration stops working."""
    await store.execute(t.tickets.update().where(t.tickets.c.registration_id == registration_id,
                                                 t.tickets.c.revoked_at.is_(None)).values(revoked_at=now))
    secret = secret or new_secret()
    await store.execute(t.tickets.insert().values(registration_id=registration_id, secret=secret, issued_at=now))
    return secret


async def _result(store: Store, registration_id: int) -> RegistrationResult:
    row = await store.fetch_one(sa.select(t.registrations).where(t.registrations.c.id == registration_id))
    assert row is not None
    ticket = await store.fetch_val(sa.select(t.tickets.c.secret).where(
        t.tickets.c.registration_id == registration_id, t.tickets.c.revoked_at.is_(None)))
    choices = []
    for choice in await store.fetch_all(sa.select(t.registration_choices).where(
            t.registration_choices.c.registration_id == registration_id).order_by(t.registration_choices.c.id)):
        position = None
        if choice["status"] == ChoiceStatus.WAITLISTED.value:
            position = await places.waitlist_position(store, choice["id"], choice["session_id"])
        choices.append(ChoiceResult(choice["session_id"], choice["status"], position))
    event_position = None
    if row["status"] == RegistrationStatus.WAITLISTED.value:
        event_position = await places.event_waitlist_position(store, row["event_id"], registration_id)
    return RegistrationResult(id=registration_id, status=row["status"], ticket_secret=ticket,
                              calendar_token=row["calendar_token"], choices=choices, event_position=event_position)


async def registration_result(store: Store, registration_id: int) -> RegistrationResult:
    return await _result(store, registration_id)


async def _live_registration(store: Store, registration_id: int) -> Row:
    row = await store.fetch_one(sa.select(t.registrations).where(t.registrations.c.id == registration_id))
    if row is None:
        raise NotFound(N_("No such registration"))
    if row["status"] in ENDED or row["erased_at"]:
        raise RegistrationGone(N_("This registration has been cancelled"))
    return row


async def _after_release(store: Store, settings: Settings, event: Row, freed: set[int], *, now: datetime) -> None:
    """Give freed places to the first in line, and tell them."""
    admitted = await places.promote_event(store, event["id"], now=now)
    for promotion in admitted:
        if not event["moderation"]:
            await _issue_ticket(store, promotion.registration_id, now)
        # Their own sign-ups were waiting while they were: some may now have room.
        freed |= {row["session_id"] for row in await store.fetch_all(sa.select(t.registration_choices.c.session_id)
                  .where(t.registration_choices.c.registration_id == promotion.registration_id))}
    promoted = await places.promote_sessions(store, freed, now=now)
    for promotion in [*admitted, *promoted]:
        if promotion.session_id is None and event["moderation"]:
            # Out of the event's waiting list but not yet approved: no place is theirs yet.
            await letters.after_moved_to_moderation(store, settings, promotion.registration_id, now=now)
        else:
            await letters.promoted(store, settings, promotion, now=now)


async def change_choices(store: Store, settings: Settings, registration_id: int, data: Mapping[str, Any], *,
                         now: datetime) -> RegistrationResult:
    """Replace the days and sign-ups; kept sign-ups keep their place or their place in line."""
    row = await _live_registration(store, registration_id)
    event = await store.fetch_one(sa.select(t.events.c.slug).where(t.events.c.id == row["event_id"]))
    assert event is not None
    context = await form_context(store, event["slug"], now=now)
    if context.closed_reason:
        raise RegistrationClosed(context.closed_reason)
    days = data.get("days") or []
    sessions = data.get("sessions") or []
    # Only days and sessions are edited here; the other fields come from the stored registration.
    current = {"surname": row["surname"], "given_name": row["given_name"], "patronymic": row["patronymic"],
               "email": row["email"], "phone": row["phone"], "organisation_name": row["organisation_name"],
               "organisation_inn": row["organisation_inn"], "position": row["position"],
               "region_code": row["region_code"], "category": row["category"], "consent": True}
    form = validate_registration({**current, "days": days, "sessions": sessions}, event_days=context.event.days,
                                 session_days={s.id: s.day for s in context.signup_sessions})
    capacities = {s.id: s.capacity for s in context.signup_sessions}
    async with store.transaction():
        locked_event = await places.lock_event(store, row["event_id"])
        row = await _live_registration(store, registration_id)
        await store.execute(t.registration_days.delete()
                            .where(t.registration_days.c.registration_id == registration_id))
        for day in form.days:
            await store.execute(t.registration_days.insert().values(registration_id=registration_id, day=day))
        existing = {r["session_id"] for r in await store.fetch_all(sa.select(t.registration_choices.c.session_id)
                    .where(t.registration_choices.c.registration_id == registration_id))}
        dropped = existing - set(form.session_ids)
        freed = await places.release_choices(store, registration_id, dropped) if dropped else set()
        for session_id in form.session_ids:
            if session_id not in existing:
                await places.take_place(store, registration_id=registration_id, session_id=session_id,
                                        capacity=capacities[session_id],
                                        holds_places=row["status"] in HOLDING_PLACES, now=now)
        await store.execute(t.registrations.update().where(t.registrations.c.id == registration_id)
                            .values(updated_at=now))
        await _after_release(store, settings, locked_event, freed, now=now)
        await letters.changed(store, settings, registration_id, now=now)
        return await _result(store, registration_id)


async def cancel(store: Store, settings: Settings, registration_id: int, *, now: datetime) -> None:
    """Cancel a registration: its ticket stops working and its places go to the waiting lists."""
    row = await _live_registration(store, registration_id)
    async with store.transaction():
        event = await places.lock_event(store, row["event_id"])
        # Read again under the lock: an organiser's decision may have committed meanwhile.
        await _live_registration(store, registration_id)
        await _end(store, settings, event, registration_id, RegistrationStatus.CANCELLED, None, now=now)
        await letters.cancelled(store, settings, registration_id, now=now)


async def _end(store: Store, settings: Settings, event: Row, registration_id: int, status: RegistrationStatus,
               reason: str | None, *, now: datetime) -> None:
    await store.execute(t.registrations.update().where(t.registrations.c.id == registration_id).values(
        status=status.value, cancelled_at=now, updated_at=now, decision_reason=reason))
    await store.execute(t.tickets.update().where(t.tickets.c.registration_id == registration_id,
                                                 t.tickets.c.revoked_at.is_(None)).values(revoked_at=now))
    freed = await places.release_choices(store, registration_id)
    await _after_release(store, settings, event, freed, now=now)


async def withdraw_consent(store: Store, settings: Settings, registration_id: int, *, now: datetime) -> None:
    """Erase the delegate's personal data; keep only region, category and days for statistics."""
    row = await store.fetch_one(sa.select(t.registrations).where(t.registrations.c.id == registration_id))
    if row is None or row["erased_at"] is not None:
        raise NotFound(N_("No such registration"))
    async with store.transaction():
        event = await places.lock_event(store, row["event_id"])
        row = await store.fetch_one(sa.select(t.registrations).where(t.registrations.c.id == registration_id))
        if row is None or row["erased_at"] is not None:
            raise NotFound(N_("No such registration"))
        if row["status"] not in ENDED:
            await _end(store, settings, event, registration_id, RegistrationStatus.CANCELLED, None, now=now)
        await store.execute(t.registrations.update().where(t.registrations.c.id == registration_id).values(
            surname=None, given_name=None, patronymic=None, email=None, phone=None, organisation_name=None,
            organisation_inn=None, position=None, consent_ip=None, decision_reason=None, calendar_token=None,
            link_version=row["link_version"] + 1, erased_at=now, updated_at=now))
        # Letters to this registration, queued or sent, carry the name and address: they go too,
        # and so do the names in the answers kept in the scan log.
        await outbox.forget_registration(store, registration_id)
        await door.forget_attendee(store, registration_id)
        await visitor_data.forget(store, registration_id)
        await join_links.revoke_for_registration(store, registration_id, now=now)
        await certificates.erase_holder(store, registration_id, now=now)
    if row["email"]:
        outbox.forget_files(settings, row["email"])


async def decide(store: Store, settings: Settings, registration_id: int, *, approve: bool, reason: str | None,
                 now: datetime) -> RegistrationResult:
    """An organiser's decision on a registration waiting for approval."""
    row = await _live_registration(store, registration_id)
    if row["status"] != RegistrationStatus.PENDING.value:
        raise DomainError(N_("Only a registration waiting for approval can be approved or rejected"))
    if not approve and not (reason and reason.strip()):
        raise DomainError(N_("Give the reason for the rejection: the delegate will receive it"),
                          fields={"reason": N_("Give the reason for the rejection: the delegate will receive it")})
    async with store.transaction():
        event = await places.lock_event(store, row["event_id"])
        # Read again under the lock: a cancellation or another decision may have committed meanwhile.
        row = await _live_registration(store, registration_id)
        if row["status"] != RegistrationStatus.PENDING.value:
            raise DomainError(N_("Only a registration waiting for approval can be approved or rejected"))
        if approve:
            await store.execute(t.registrations.update().where(t.registrations.c.id == registration_id).values(
                status=RegistrationStatus.CONFIRMED.value, decision_reason=None, updated_at=now))
            await _issue_ticket(store, registration_id, now)
        else:
            await _end(store, settings, event, registration_id, RegistrationStatus.REJECTED,
                       reason.strip() if reason else None, now=now)
        await letters.decision(store, settings, registration_id, now=now)
        return await _result(store, registration_id)


async def send_cabinet_links(store: Store, settings: Settings, *, email: str, now: datetime) -> None:
    """Mail a cabinet link for every current registration with this address; say nothing either way."""
    address = clean_text(email)
    local, _, domain = address.rpartition("@")
    address = f"{local}@{domain.lower()}"
    if not EMAIL_PATTERN.match(address):
        return
    rows = await store.fetch_all(sa.select(t.registrations.c.id).where(
        t.registrations.c.email == address, t.registrations.c.erased_at.is_(None),
        t.registrations.c.status.not_in(ENDED)))
    if not rows:
        return
    async with store.transaction():
        for row in rows:
            await letters.cabinet_link(store, settings, row["id"], now=now)


async def renew_calendar_link(store: Store, registration_id: int, *, now: datetime) -> str:
    """A new personal calendar address; the old one stops working at once."""
    await _live_registration(store, registration_id)
    token = secrets.token_urlsafe(32)
    await store.execute(t.registrations.update().where(t.registrations.c.id == registration_id)
                        .values(calendar_token=token, updated_at=now))
    return token
