"""Faults: the server killed mid-rush, the SMTP server down for a while, the database unreachable.

Each test runs `events-app serve` as a separate process, as in production.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from tests.conftest import POSTGRES_URL
from tests.factories import device_by_cli, event_today
from tests.process_support import (
    Server,
    TCPProxy,
    delegate_body,
    forwarded_for,
    prepare,
    running,
    service_env,
)
from tests.smtp_server import Inbox, free_port, start_smtp


def _next_month() -> str:
    """A start a month after the servers' today (they run on the real clock): registration is open."""
    return (event_today() + timedelta(days=30)).isoformat()


def _eventually(check: Callable[[], bool], *, seconds: float) -> bool:
    """Poll an observable state until it holds; bounded, so a failure fails instead of hanging."""
    deadline = time.monotonic() + seconds
    while not (held := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return held


def _outbox(env: dict[str, str]) -> dict[str, int]:
    """The outbox of the service's own SQLite file: letters sent, letters pending, failed attempts."""

    async def read() -> dict[str, int]:
        async with Store(f"sqlite:///{Path(env['EVENTS_DATA_DIR']) / 'events.db'}") as store:
            rows = await store.fetch_all(sa.select(t.outbox.c.status, t.outbox.c.attempts))
        return {"sent": sum(row["status"] == "sent" for row in rows),
                "pending": sum(row["status"] == "pending" for row in rows),
                "tried": sum(min(int(row["attempts"]), 1) for row in rows if row["status"] == "pending")}

    return asyncio.run(read())


def _database_for(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'events.db'}"
    from tests.conftest import _empty_postgres

    url = request.getfixturevalue("postgres_database")
    asyncio.run(_empty_postgres(url))
    return str(url)


@dataclass
class UnderFault:
    acknowledged: set[str] = field(default_factory=set)  # e-mails answered 201
    admitted: set[str] = field(default_factory=set)  # nonces answered "ok"
    refused_twice: int = 0  # second scans of an admitted ticket answered already_checked_in
    cut: int = 0  # requests that got no answer because of the kill


async def _rush_until_killed(server: Server, token: str, list_name: str, *, kill_after: int) -> UnderFault:
    """Register from 8 clients while 4 door clients scan each new ticket twice; SIGKILL the server
    once `kill_after` registrations are acknowledged."""
    seen = UnderFault()
    numbers = iter(range(100_000))
    tickets: asyncio.Queue[str] = asyncio.Queue()
    killed = asyncio.Event()
    async with httpx.AsyncClient(timeout=30) as client:
        day = (await client.get(f"{server.base}/api/v1/events/syktyvkar-2021")).json()["starts_on"]

        async def delegate(number: int) -> None:
            while not killed.is_set():
                n = next(numbers)
                try:
                    response = await client.post(f"{server.base}/api/v1/events/syktyvkar-2021/registrations",
                                                 json=delegate_body(n, day), headers=forwarded_for(number))
                except httpx.TransportError:
                    seen.cut += 1
                    return
                if response.status_code == 201:
                    seen.acknowledged.add(f"delegate{n}@example.ru")
                    tickets.put_nowait(str(response.json()["ticket_url"]).rsplit("/", 1)[1])
                if len(seen.acknowledged) >= kill_after and not killed.is_set():
                    killed.set()
                    await asyncio.to_thread(server.kill)

        async def door() -> None:
            while not killed.is_set():
                try:
                    secret = await asyncio.wait_for(tickets.get(), timeout=0.5)
                except TimeoutError:
                    continue
                for attempt in range(2):
                    nonce = uuid.uuid4().hex
                    try:
                        response = await client.post(f"{server.base}/api/v1/checkin/redeem", json={
                            "secret": secret, "list": list_name, "type": "entry", "nonce": nonce},
                            headers={"Authorization": f"Bearer {token}"})
                    except httpx.TransportError:
                        seen.cut += 1
                        return
                    answer = response.json()
                    if answer["status"] == "ok":
                        seen.admitted.add(nonce)
                    elif attempt == 1 and answer["reason"] == "already_checked_in":
                        seen.refused_twice += 1

        await asyncio.gather(*(delegate(number) for number in range(8)), *(door() for _ in range(4)))
    return seen


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_killing_the_server_mid_rush_loses_no_acknowledged_registration_or_admission(
        request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> None:
    database_url = _database_for(request, backend, tmp_path)
    env = service_env(tmp_path / "data", database_url=database_url)
    today = event_today().isoformat()  # the event is moved to the servers' today, for the door
    prepare(env, today)
    list_name = f"entry-{today}"
    token = device_by_cli(env, list_name=list_name).token
    server = Server(env).start()
    try:
        seen = asyncio.run(_rush_until_killed(server, token, list_name, kill_after=60))
    finally:
        server.stop()

    async def stored() -> tuple[set[str], set[str], int, int, int, int]:
        async with Store(database_url) as store:
            emails = {row["email"] for row in await store.fetch_all(sa.select(t.registrations.c.email))}
            nonces = {row["nonce"] for row in await store.fetch_all(sa.select(t.checkins.c.nonce))}
            admitted_twice = len(await store.fetch_all(
                sa.select(t.checkins.c.registration_id).group_by(t.checkins.c.registration_id)
                .having(sa.func.count() > 1)))
            without_ticket = await store.fetch_val(sa.select(sa.func.count()).select_from(t.registrations).where(
                t.registrations.c.status == "confirmed",
                ~sa.exists().where(t.tickets.c.registration_id == t.registrations.c.id)))
            without_days = await store.fetch_val(sa.select(sa.func.count()).select_from(t.registrations).where(
                ~sa.exists().where(t.registration_days.c.registration_id == t.registrations.c.id)))
            without_letter = await store.fetch_val(sa.select(sa.func.count()).select_from(t.registrations).where(
                ~sa.exists().where(t.outbox.c.registration_id == t.registrations.c.id)))
            return emails, nonces, admitted_twice, without_ticket, without_days, without_letter

    emails, nonces, admitted_twice, without_ticket, without_days, without_letter = asyncio.run(stored())
    print(f"\n[{backend}] SIGKILL mid-rush: {len(seen.acknowledged)} registrations acknowledged (201), "
          f"{len(seen.admitted)} admissions answered ok, {seen.refused_twice} second scans refused, "
          f"{seen.cut} requests cut by the kill; stored {len(emails)} registrations and {len(nonces)} admissions; "
          f"lost {len(seen.acknowledged - emails)} registrations and {len(seen.admitted - nonces)} admissions")
    assert len(seen.acknowledged) >= 60 and seen.cut >= 1 and len(seen.admitted) >= 1
    assert seen.acknowledged <= emails  # every 201 is there
    assert seen.admitted <= nonces  # every "ok" at the door is there
    assert admitted_twice == 0  # and no ticket got in twice
    assert (without_ticket, without_days, without_letter) == (0, 0, 0)  # nothing half-written

    with running(Server(env)) as (restarted,):
        again = httpx.post(f"{restarted.base}/api/v1/events/syktyvkar-2021/registrations",
                           json=delegate_body(99_999, today), headers=forwarded_for(999))
    assert again.status_code == 201 and again.json()["status"] == "confirmed"


def test_mail_queued_while_smtp_is_down_is_delivered_once_when_it_returns(tmp_path: Path) -> None:
    smtp_port = free_port()
    env = service_env(tmp_path / "data", smtp_url=f"smtp://127.0.0.1:{smtp_port}")
    prepare(env, _next_month())
    inbox = Inbox()
    controller = None
    try:
        with running(Server(env)) as (server,):
            day = httpx.get(f"{server.base}/api/v1/events/syktyvkar-2021").json()["starts_on"]
            for n in range(5):
                response = httpx.post(f"{server.base}/api/v1/events/syktyvkar-2021/registrations",
                                      json=delegate_body(n, day), headers=forwarded_for(n))
                assert response.status_code == 201
            # The sender has tried each letter and failed: nothing listens on the SMTP port.
            tried = _eventually(lambda: _outbox(env)["tried"] >= 5, seconds=60)
            assert tried and inbox.received == []
            controller = start_smtp(inbox, smtp_port)
            deadline = time.monotonic() + 90  # the first retry comes 10 s after a failure, the next 20 s later
            while len(inbox.received) < 5 and time.monotonic() < deadline:
                time.sleep(0.5)
        # The server has stopped, after finishing its sender's round: a letter sent twice would be here by now.
        state = _outbox(env)
    finally:
        if controller is not None:
            controller.stop()
    assert (state["sent"], state["pending"]) == (5, 0)
    recipients = sorted(item.rcpt_tos[0] for item in inbox.received)
    assert recipients == [f"delegate{n}@example.ru" for n in range(5)]


@pytest.mark.postgres
def test_an_unreachable_database_gives_503_and_the_service_recovers_by_itself(
        postgres_database: str, tmp_path: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests are off")
    from tests.conftest import _empty_postgres

    asyncio.run(_empty_postgres(postgres_database))
    parts = urlsplit(postgres_database)
    proxy = TCPProxy(parts.port or 5432, parts.hostname or "127.0.0.1")
    proxy.restore()
    through_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    env = service_env(tmp_path / "data", database_url=through_proxy)
    prepare(env, _next_month())
    try:
        with running(Server(env)) as (server,):
            assert httpx.get(f"{server.base}/events/syktyvkar-2021").status_code == 200
            proxy.cut()
            page = httpx.get(f"{server.base}/events/syktyvkar-2021", timeout=60)
            api = httpx.get(f"{server.base}/api/v1/events/syktyvkar-2021", timeout=60)
            ready = httpx.get(f"{server.base}/readyz", timeout=60)
            alive = httpx.get(f"{server.base}/healthz", timeout=60)
            proxy.restore()
            deadline = time.monotonic() + 60
            recovered = None
            while time.monotonic() < deadline:
                recovered = httpx.get(f"{server.base}/events/syktyvkar-2021", timeout=60)
                if recovered.status_code == 200:
                    break
                time.sleep(0.5)
    finally:
        proxy.close()
    assert page.status_code == 503 and "не может связаться со своей базой данных" in page.text
    assert page.headers["retry-after"] == "30"
    assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"
    assert ready.status_code == 503 and alive.status_code == 200
    assert recovered is not None and recovered.status_code == 200
