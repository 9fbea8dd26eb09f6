"""Builders every test shares: events, delegates, door devices, staff, the command line and the clock.

Each builder goes through the real service (the code the pages and the command line call), with
defaults that make a valid object and keyword overrides for what a test is about. Times default to
`NOW`, a fixed moment when the Syktyvkar event (1–2 April 2021) is open for registration, so no
builder reads the wall clock or the machine's time zone. Tests that run the service as a separate
process, whose clock is the real one, move the agenda to `event_today()` instead.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app.clock import Clock, SystemClock
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.agenda import Agenda
from events_app.domain.staff import Role, StaffMember
from events_app.services.checkin import devices
from events_app.services.checkin.devices import Device, NewDevice
from events_app.services.mail import outbox
from events_app.services.programme.importer import import_agendas, read_agenda_files
from events_app.services.registration import letters, signup
from events_app.services.registration.signup import RegistrationResult
from events_app.services.staff import accounts
from events_app.settings import Settings

if TYPE_CHECKING:
    from starlette.testclient import TestClient

SCHEDULES = Path(__file__).resolve().parent.parent / "schedules"
SLUG = "syktyvkar-2021"
EVENT_ZONE = ZoneInfo("Europe/Moscow")  # Syktyvkar keeps Moscow time: "today" at its door is today there
FIRST_DAY = "2021-04-01"
NOW = datetime(2021, 3, 20, 9, 0, tzinfo=UTC)  # twelve days before Syktyvkar: registration is open
PASSWORD = "correct-horse-battery"
BIN = Path(sys.executable).parent


def event_today(clock: Clock | None = None) -> date:
    """Today in the event's zone by `clock` (the real one by default), whatever the machine's zone."""
    return (clock or SystemClock()).now().astimezone(EVENT_ZONE).date()


# Events


@dataclass(frozen=True)
class LoadedEvent:
    id: int
    slug: str
    sessions: dict[str, int]  # session key → id


def agenda(slug: str = SLUG, *, shift_to: date | None = None, moderation: bool | None = None,
           capacity: int | None = None, session_capacity: Mapping[str, int] | None = None) -> Agenda:
    """A seed schedule from `schedules/`, optionally moved to start on `shift_to` and with the
    event's moderation, the event's capacity or some sessions' capacities changed."""
    found = read_agenda_files([SCHEDULES / f"{slug}.toml"], shift_to=shift_to)[0]
    event = found.event
    if moderation is not None:
        event = replace(event, moderation=moderation)
    if capacity is not None:
        event = replace(event, capacity=capacity)
    sizes = dict(session_capacity or {})
    sessions = tuple(replace(s, capacity=sizes[s.key]) if s.key in sizes else s for s in found.sessions)
    return replace(found, event=event, sessions=sessions)


async def load_event(store: Store, slug: str = SLUG, **changes: Any) -> LoadedEvent:
    """Import a seed schedule (see `agenda` for the changes it takes); gives its ids."""
    await import_agendas(store, [agenda(slug, **changes)])
    event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == slug))
    rows = await store.fetch_all(sa.select(t.sessions.c.key, t.sessions.c.id).where(t.sessions.c.event_id == event_id))
    return LoadedEvent(id=event_id, slug=slug, sessions={row["key"]: row["id"] for row in rows})


def load_event_into(database_url: str, slug: str = SLUG, **changes: Any) -> LoadedEvent:
    """`load_event` for tests that are not async (the web tests)."""
    return asyncio.run(_with_store(database_url, lambda store: load_event(store, slug, **changes)))


async def _with_store(database_url: str, work: Any) -> Any:
    async with Store(database_url) as store:
        return await work(store)


# Delegates


def delegate_form(n: int = 0, **changes: Any) -> dict[str, Any]:
    """The registration form as the page posts it, for delegate number `n` (own e-mail, phone and
    organisation), on the first day of Syktyvkar and without sessions unless `changes` say so."""
    return {
        "surname": "Иванова", "given_name": "Анна", "patronymic": "", "email": f"delegate{n}@example.ru",
        "phone": f"+7 912 345-67-{n % 100:02d}", "organisation_name": f"ООО «Участник {n}»", "organisation_inn": "",
        "position": "инженер", "region_code": "11", "category": "enterprise", "days": [FIRST_DAY],
        "sessions": [], "consent": "on", **changes,
    }


def delegate_json(n: int = 0, **changes: Any) -> dict[str, Any]:
    """The same delegate as the JSON API takes it (consent as a boolean, session ids as numbers)."""
    body = {**delegate_form(n), "consent": True, **changes}
    body["sessions"] = [int(session) for session in body["sessions"]]
    return body


async def register(store: Store, settings: Settings, n: int = 0, *, slug: str = SLUG, now: datetime = NOW,
                   consent_ip: str | None = "203.0.113.7", language: str = "ru", **changes: Any) -> RegistrationResult:
    """Register delegate `n` through the real service; `changes` override form fields."""
    return await signup.register(store, settings, slug=slug, data=delegate_form(n, **changes), consent_ip=consent_ip,
                                 language=language, now=now)


# Door devices


@dataclass(frozen=True)
class Door:
    made: NewDevice  # what the organiser is shown: id, bearer token, pairing code
    device: Device  # what the door API sees once the token is presented


async def door_device(store: Store, settings: Settings, *, slug: str = SLUG, list_name: str = f"entry-{FIRST_DAY}",
                      name: str = "Вход 1", now: datetime = NOW) -> Door:
    made = await devices.create_device(store, settings.secret_key, slug=slug, list_name=list_name, name=name, now=now)
    return Door(made=made, device=await devices.authenticate(store, made.token))


# Staff


async def staff(store: Store, email: str, *roles: Role, event_id: int | None = None, admin: bool = False,
                name: str | None = None, password: str | None = PASSWORD, visitor_data: bool = False,
                now: datetime = NOW) -> StaffMember:
    """An account with `roles` in `event_id` (or an administrator), as the signed-in member it becomes.

    `password=None` makes an account that cannot sign in, written without the password hash: hashing
    takes a good part of a second, and tests that never sign in need not pay for it.
    """
    name = name or email.split("@")[0]
    if password is None:
        staff_id = await store.insert(t.staff.insert().values(
            email=email, name=name, password_hash="!", is_admin=admin, created_at=now).returning(t.staff.c.id))
    else:
        staff_id = await accounts.create_staff(store, email=email, name=name, password=password, is_admin=admin,
                                               now=now)
    for role in roles:
        assert event_id is not None, "a role is held in an event"
        await accounts.grant_role(store, staff_id=staff_id, event_id=event_id, role=role, now=now,
                                  visitor_data=visitor_data)
    held = {event_id: frozenset(roles)} if roles and event_id is not None else {}
    visitor_data_events = frozenset({event_id}) if visitor_data and event_id is not None else frozenset()
    return StaffMember(id=staff_id, email=email, name=name, is_admin=admin, roles=held,
                       visitor_data_events=visitor_data_events)


def add_staff(database_url: str, email: str, *, role: str, event: str | None = None, visitor_data: bool = False,
              password: str = PASSWORD, now: datetime = NOW) -> int:
    """An account with one role, for web tests: "admin", or a `Role` value in the event `event` (a slug)."""

    async def run(store: Store) -> int:
        if role == "admin":
            return (await staff(store, email, admin=True, password=password, now=now)).id
        assert event is not None, "a role is held in an event"
        event_id = await devices.event_id_of(store, event)
        return (await staff(store, email, Role(role), event_id=event_id, password=password, visitor_data=visitor_data,
                            now=now)).id

    return int(asyncio.run(_with_store(database_url, run)))


def signed_in(client: TestClient, database_url: str, email: str, *, role: str, event: str = SLUG) -> str:
    """A member with `role` (see `add_staff`) signed in on `client`; gives the session's CSRF token."""
    add_staff(database_url, email, role=role, event=None if role == "admin" else event)
    return sign_in(client, email)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign the client in through the login form; gives the session's CSRF token."""
    form = client.get("/organiser/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    response = client.post("/organiser/login", data={"email": email, "password": password,
                                                     "login_token": token.group(1), "next": "/organiser"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_token(client)


def csrf_token(client: TestClient) -> str:
    page = client.get("/organiser")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found, page.text
    return found.group(1)


# The command line, as a separate process


def run_cli(env: Mapping[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`events-app ARGS` in its own process with `env`; the caller checks the outcome."""
    return subprocess.run([str(BIN / "events-app"), *args], env=dict(env), input=stdin, capture_output=True,
                          text=True, timeout=120)


def cli(env: Mapping[str, str], *args: str, stdin: str | None = None) -> str:
    """`events-app ARGS` that must succeed; gives what it printed."""
    done = run_cli(env, *args, stdin=stdin)
    assert done.returncode == 0, f"events-app {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def register_by_api(client: TestClient, n: int = 0, *, slug: str = SLUG, **changes: Any) -> dict[str, Any]:
    """Register delegate `n` through the JSON API, from an address of their own (the per-address limit
    is per delegate); gives the answer (ticket_url, calendar_url, status …)."""
    response = client.post(f"/api/v1/events/{slug}/registrations", json=delegate_json(n, **changes),
                           headers={"X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"})
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def register_by_form(client: TestClient, n: int = 0, *, slug: str = SLUG, **changes: Any) -> str:
    """Register delegate `n` through the registration page as a browser posts it, from an address of
    their own; gives the path of the delegate's cabinet."""
    response = client.post(f"/events/{slug}/register", data=delegate_form(n, **changes),
                           headers={"X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return urlsplit(response.headers["location"]).path


@dataclass(frozen=True)
class PrintedDevice:
    id: int
    pairing_url: str
    token: str


def device_by_cli(env: Mapping[str, str], *, list_name: str, name: str = "Вход 1", slug: str = SLUG) -> PrintedDevice:
    """A door device made with `events-app create-device`, read back from what the command prints."""
    printed = cli(env, "create-device", slug, "--list", list_name, "--name", name)
    found = re.search(r"^Device (\d+): .*\nPairing URL: (\S+)\nToken: (\S+)$", printed, re.MULTILINE)
    assert found, printed
    return PrintedDevice(int(found.group(1)), found.group(2), found.group(3))


async def letter_texts(store: Store, settings: Settings, *where: sa.ColumnElement[bool]) -> list[str]:
    """The outbox's letters (those matching `where`) in the order queued, as they would be sent:
    a described letter (`outbox.enqueue_described`) is written as the sender writes it."""
    rows = await store.fetch_all(sa.select(t.outbox).where(*where).order_by(t.outbox.c.id))
    texts = [await outbox.written_text(row, letters.writer(store, settings)) for row in rows]
    return [text for text in texts if text is not None]
