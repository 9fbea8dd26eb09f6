"""Registrations written in batches: those that arrive while a batch is being written go together
in the next one, one transaction per batch.

In a rush every registration of an event waits for the event's lock (on SQLite for the one
writer), so what bounds throughput is the time each holds it. Written one at a time, a
registration held it for about twenty awaited statements; a batch holds it for a dozen
statements whatever its size: the places are counted once, the new rows inserted together, and
each registration's place decided in arrival order in between, by the same rules as one at a
time (`places`). The answers are sent after the batch commits.

If a batch fails, each of its registrations is written again alone, so one bad registration
(a session deleted meanwhile, say) fails only itself.
"""

from __future__ import annotations

import asyncio
import secrets
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.consent import ConsentText
from events_app.domain.duplicates import same_delegate
from events_app.domain.registration import (
    ENDED,
    HOLDING_PLACES,
    ChoiceStatus,
    Promotion,
    RegistrationForm,
    RegistrationStatus,
)
from events_app.domain.tickets import new_secret
from events_app.services.mail import outbox
from events_app.services.programme.catalogue import EventView, SessionView
from events_app.services.registration import letters, places
from events_app.services.registration.views import ChoiceResult, RegistrationResult
from events_app.settings import Settings

# A batch's rows go into single INSERT statements; this keeps them well under SQLite's limit
# on bound parameters.
LARGEST_BATCH = 100


@dataclass(frozen=True)
class Application:
    """One checked registration waiting to be written."""

    event: EventView
    sessions: dict[int, SessionView]
    consent: ConsentText
    form: RegistrationForm
    consent_ip: str | None
    language: str
    now: datetime


@dataclass(frozen=True)
class Duplicate:
    """The same person is registered already (this registration): their cabinet link was mailed."""

    registration_id: int


Outcome = RegistrationResult | Duplicate


class Intake:
    """The registrations of one process, batched per event."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._waiting: dict[int, list[tuple[Application, asyncio.Future[Outcome]]]] = {}
        self._writing: set[int] = set()

    async def submit(self, application: Application) -> Outcome:
        event_id = application.event.id
        answer: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(event_id, []).append((application, answer))
        if event_id not in self._writing:
            self._writing.add(event_id)
            asyncio.get_running_loop().create_task(self._write(event_id))
        return await answer

    async def _write(self, event_id: int) -> None:
        try:
            while waiting := self._waiting.get(event_id):
                batch, self._waiting[event_id] = waiting[:LARGEST_BATCH], waiting[LARGEST_BATCH:]
                try:
                    outcomes: Sequence[Outcome | BaseException] = await self._write_batch(
                        event_id, [application for application, _ in batch])
                except Exception as error:
                    outcomes = [error] if len(batch) == 1 else await self._write_alone(event_id, batch)
                for (_, answer), outcome in zip(batch, outcomes, strict=True):
                    if answer.done():
                        continue  # the request was cancelled; what committed stays committed
                    if isinstance(outcome, BaseException):
                        answer.set_exception(outcome)
                    else:
                        answer.set_result(outcome)
        finally:
            self._waiting.pop(event_id, None)
            self._writing.discard(event_id)

    async def _write_alone(self, event_id: int, batch: list[tuple[Application, asyncio.Future[Outcome]]],
                           ) -> list[Outcome | BaseException]:
        outcomes: list[Outcome | BaseException] = []
        for application, _ in batch:
            try:
                outcomes.extend(await self._write_batch(event_id, [application]))
            except Exception as error:
                outcomes.append(error)
        return outcomes

    async def _write_batch(self, event_id: int, applications: list[Application]) -> list[Outcome]:
        async with self.store.transaction():
            return await write_batch(self.store, self.settings, event_id, applications)


_intakes: weakref.WeakKeyDictionary[Store, Intake] = weakref.WeakKeyDictionary()


def intake(store: Store, settings: Settings) -> Intake:
    found = _intakes.get(store)
    if found is None or found.settings is not settings:
        found = _intakes[store] = Intake(store, settings)
    return found


@dataclass
class _Counts:
    """Places of the event and its sessions as they stand, moved on as the batch takes them."""

    active: int  # registrations holding places in the event
    event_waiting: int  # registrations on the event's waiting list
    confirmed: dict[int, int]  # confirmed sign-ups per session
    waiting: dict[int, int]  # sign-ups in line per session, of registrations holding places


async def _counts(store: Store, event: Row, session_ids: set[int]) -> _Counts:
    registrations, choices = t.registrations, t.registration_choices
    by_status = await store.fetch_pairs(
        sa.select(registrations.c.status, sa.func.count()).where(registrations.c.event_id == event["id"])
        .group_by(registrations.c.status)) if event["capacity"] is not None else {}
    confirmed = await store.fetch_pairs(
        sa.select(choices.c.session_id, sa.func.count())
        .where(choices.c.session_id.in_(session_ids), choices.c.status == ChoiceStatus.CONFIRMED.value)
        .group_by(choices.c.session_id)) if session_ids else {}
    waiting = await store.fetch_pairs(
        sa.select(choices.c.session_id, sa.func.count())
        .join(registrations, registrations.c.id == choices.c.registration_id)
        .where(choices.c.session_id.in_(session_ids), choices.c.status == ChoiceStatus.WAITLISTED.value,
               registrations.c.status.in_(HOLDING_PLACES))
        .group_by(choices.c.session_id)) if session_ids else {}
    return _Counts(active=sum(by_status.get(status, 0) for status in HOLDING_PLACES),
                   event_waiting=by_status.get(RegistrationStatus.WAITLISTED.value, 0),
                   confirmed=dict(confirmed), waiting=dict(waiting))


async def _current_registrations(store: Store, event_id: int, applications: list[Application]) -> list[Row]:
    """Current registrations of the event under the e-mail addresses of the batch."""
    emails = sorted({application.form.email.lower() for application in applications})
    return await store.fetch_all(
        sa.select(t.registrations.c.id, t.registrations.c.email, t.registrations.c.surname,
                  t.registrations.c.given_name)
        .where(t.registrations.c.event_id == event_id, t.registrations.c.erased_at.is_(None),
               t.registrations.c.status.not_in(ENDED), sa.func.lower(t.registrations.c.email).in_(emails))
        .order_by(t.registrations.c.id))


def _registered_as(form: RegistrationForm, people: Sequence[tuple[str, str, str]]) -> int | None:
    """The index in `people` (e-mail, surname, given name) of the same person, if any."""
    for index, (other_email, other_surname, other_given) in enumerate(people):
        if same_delegate(email=form.email, surname=form.surname, given_name=form.given_name, other_email=other_email,
                         other_surname=other_surname, other_given_name=other_given):
            return index
    return None


@dataclass
class _Planned:
    application: Application
    status: RegistrationStatus
    choices: list[ChoiceResult]
    event_position: int | None
    calendar_token: str
    ticket_secret: str | None


@dataclass(frozen=True)
class _SameAs:
    """A person registered already: earlier in this batch, or before it."""

    planned: _Planned | None = None
    registration_id: int | None = None


async def write_batch(store: Store, settings: Settings, event_id: int,
                      applications: list[Application]) -> list[Outcome]:
    """Register these applications in arrival order; call inside `store.transaction()`."""
    event = await places.lock_event(store, event_id)
    # Checked under the event's lock, so two presses of the button cannot both register.
    existing = await _current_registrations(store, event_id, applications)
    counts = await _counts(store, event, {s for a in applications for s in a.form.session_ids})
    decided: list[_Planned | _SameAs] = []
    new: list[_Planned] = []
    for application in applications:
        form = application.form
        earlier = _registered_as(form, [(plan.application.form.email, plan.application.form.surname,
                                         plan.application.form.given_name) for plan in new])
        if earlier is not None:
            decided.append(_SameAs(planned=new[earlier]))
            continue
        found = _registered_as(form, [(row["email"], row["surname"], row["given_name"]) for row in existing])
        if found is not None:
            decided.append(_SameAs(registration_id=existing[found]["id"]))
            continue
        plan = _plan(application, event, counts)
        new.append(plan)
        decided.append(plan)

    ids = await _insert(store, event_id, new)
    outcomes: list[Outcome] = []
    for item in decided:
        if isinstance(item, _Planned):
            outcomes.append(RegistrationResult(
                id=ids[item.calendar_token], status=item.status.value, ticket_secret=item.ticket_secret,
                calendar_token=item.calendar_token, choices=item.choices, event_position=item.event_position))
        elif item.planned is not None:
            outcomes.append(Duplicate(ids[item.planned.calendar_token]))
        else:
            assert item.registration_id is not None
            outcomes.append(Duplicate(item.registration_id))
    for application, outcome in zip(applications, outcomes, strict=True):
        if isinstance(outcome, Duplicate):
            await letters.cabinet_link(store, settings, outcome.registration_id, now=application.now)
    return outcomes


def _plan(application: Application, event: Row, counts: _Counts) -> _Planned:
    """Where one registration stands, by the rules of `places` applied to the batch's counts."""
    if event["capacity"] is not None and counts.active >= event["capacity"]:
        status = RegistrationStatus.WAITLISTED
    elif event["moderation"]:
        status = RegistrationStatus.PENDING
    else:
        status = RegistrationStatus.CONFIRMED
    holds_places = status.value in HOLDING_PLACES
    event_position = None
    if holds_places:
        counts.active += 1
    else:
        counts.event_waiting += 1
        event_position = counts.event_waiting
    choices = []
    for session_id in application.form.session_ids:
        capacity = application.sessions[session_id].capacity
        free = capacity is None or counts.confirmed.get(session_id, 0) < capacity
        if holds_places and free:
            counts.confirmed[session_id] = counts.confirmed.get(session_id, 0) + 1
            choices.append(ChoiceResult(session_id, ChoiceStatus.CONFIRMED.value, None))
            continue
        # A place in line counts those ahead who hold their registration (`places.waitlist_position`).
        ahead = counts.waiting.get(session_id, 0)
        if holds_places:
            counts.waiting[session_id] = ahead + 1
        choices.append(ChoiceResult(session_id, ChoiceStatus.WAITLISTED.value, ahead + 1))
    return _Planned(application=application, status=status, choices=choices, event_position=event_position,
                    calendar_token=secrets.token_urlsafe(32),
                    ticket_secret=new_secret() if status is RegistrationStatus.CONFIRMED else None)


async def _insert(store: Store, event_id: int, plans: list[_Planned]) -> dict[str, int]:
    """Write the batch's new registrations with their days, sign-ups, tickets and letters; gives
    each registration's id by its calendar token."""
    if not plans:
        return {}
    rows = await store.fetch_all(t.registrations.insert().values([_registration_row(event_id, plan) for plan in plans])
                                 .returning(t.registrations.c.id, t.registrations.c.calendar_token))
    ids = {row["calendar_token"]: row["id"] for row in rows}
    days = [{"registration_id": ids[plan.calendar_token], "day": day}
            for plan in plans for day in plan.application.form.days]
    if days:
        await store.execute(t.registration_days.insert().values(days))
    choices = [{"registration_id": ids[plan.calendar_token], "session_id": choice.session_id, "status": choice.status,
                "created_at": plan.application.now, "updated_at": plan.application.now}
               for plan in plans for choice in plan.choices]
    if choices:
        await store.execute(t.registration_choices.insert().values(choices))
    seated = [Promotion(ids[plan.calendar_token], choice.session_id)
              for plan in plans for choice in plan.choices if choice.status == ChoiceStatus.CONFIRMED.value]
    if seated:
        await places.seat_promoted(store, seated, now=plans[0].application.now)
    tickets = [{"registration_id": ids[plan.calendar_token], "secret": plan.ticket_secret,
                "issued_at": plan.application.now} for plan in plans if plan.ticket_secret is not None]
    if tickets:
        await store.execute(t.tickets.insert().values(tickets))
    # The letters are described here and written just before sending (`letters.writer`).
    described = []
    for plan in plans:
        application = plan.application
        kind = letters.kind_after_registration(plan.status.value)
        described.append(outbox.described_letter(
            letter=letters.described(kind), recipient=application.form.email,
            subject=letters.letter_subject(kind, application.event, application.language), now=application.now,
            registration_id=ids[plan.calendar_token]))
    await store.execute(t.outbox.insert().values(described))
    return ids


def _registration_row(event_id: int, plan: _Planned) -> dict[str, object]:
    application, form = plan.application, plan.application.form
    return {
        "event_id": event_id, "status": plan.status.value, "surname": form.surname, "given_name": form.given_name,
        "patronymic": form.patronymic, "email": form.email, "phone": form.phone,
        "organisation_name": form.organisation_name, "organisation_inn": form.organisation_inn,
        "position": form.position, "region_code": form.region_code, "category": form.category.value,
        "consent_version": application.consent.version, "consent_at": application.now,
        "consent_ip": application.consent_ip, "language": application.language,
        "calendar_token": plan.calendar_token, "link_version": 0, "created_at": application.now,
        "updated_at": application.now,
    }
