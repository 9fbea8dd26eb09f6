"""Faults: the server killed mid-rush, the SMTP server down for a while, the database unreachable.

Each test runs `events-app serve` as a separate process, as in production.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from tests.conftest import POSTGRES_URL
from tests.process_support import Server, TCPProxy, delegate_body, forwarded_for, prepare, running, service_env
from tests.smtp_server import Inbox, free_port, start_smtp

START = (date.today() + timedelta(days=30)).isoformat()


def _database_for(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'events.db'}"
    from tests.conftest import _empty_postgres

    url = request.getfixturevalue("postgres_database")
    asyncio.run(_empty_postgres(url))
    return str(url)


async def _rush_until_killed(server: Server, *, kill_after: int) -> tuple[set[str], int]:
    """Register from 8 clients; SIGKILL the server once `kill_after` are acknowledged.
    Returns the acknowledged e-mails and how many requests failed with the kill."""
    acknowledged: set[str] = set()
    failed = 0
    numbers = iter(range(100_000))
    killed = asyncio.Event()
    async with httpx.AsyncClient(timeout=30) as client:
        day = (await client.get(f"{server.base}/api/v1/events/syktyvkar-2021")).json()["starts_on"]

        async def delegate(number: int) -> None:
            nonlocal failed
            while not killed.is_set():
                n = next(numbers)
                try:
                    response = await client.post(f"{server.base}/api/v1/events/syktyvkar-2021/registrations",
                                                 json=delegate_body(n, day), headers=forwarded_for(number))
                except httpx.TransportError:
                    failed += 1
                    return
                if response.status_code == 201:
                    acknowledged.add(f"delegate{n}@example.ru")
                if len(acknowledged) >= kill_after and not killed.is_set():
                    killed.set()
                    await asyncio.to_thread(server.kill)

        await asyncio.gather(*(delegate(number) for number in range(8)))
    return acknowledged, failed


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_killing_the_server_mid_rush_loses_no_acknowledged_registration(
        request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> None:
    database_url = _database_for(request, backend, tmp_path)
    env = service_env(tmp_path / "data", database_url=database_url)
    prepare(env, START)
    server = Server(env).start()
    try:
        acknowledged, failed = asyncio.run(_rush_until_killed(server, kill_after=60))
    finally:
        server.stop()

    async def stored() -> tuple[set[str], int, int, int]:
        async with Store(database_url) as store:
            emails = {row["email"] for row in await store.fetch_all(sa.select(t.registrations.c.email))}
            without_ticket = await store.fetch_val(sa.select(sa.func.count()).select_from(t.registrations).where(
                t.registrations.c.status == "confirmed",
                ~sa.exists().where(t.tickets.c.registration_id == t.registrations.c.id)))
            without_days = await store.fetch_val(sa.select(sa.func.count()).select_from(t.registrations).where(
                ~sa.exists().where(t.registration_days.c.registration_id == t.registrations.c.id)))
            without_letter = await store.fetch_val(sa.select(sa.func.count()).select_from(t.registrations).where(
                ~sa.exists().where(t.outbox.c.registration_id == t.registrations.c.id)))
            return emails, without_ticket, without_days, without_letter

    emails, without_ticket, without_days, without_letter = asyncio.run(stored())
    print(f"\n[{backend}] SIGKILL mid-rush: {len(acknowledged)} acknowledged (201), {failed} requests cut by the kill, "
          f"{len(emails)} stored, {len(acknowledged - emails)} acknowledged but missing")
    assert len(acknowledged) >= 60 and failed >= 1
    assert acknowledged <= emails  # every 201 is there
    assert (without_ticket, without_days, without_letter) == (0, 0, 0)  # nothing half-written

    with running(Server(env)) as (restarted,):
        day = httpx.get(f"{restarted.base}/api/v1/events/syktyvkar-2021").json()["starts_on"]
        again = httpx.post(f"{restarted.base}/api/v1/events/syktyvkar-2021/registrations",
                           json=delegate_body(99_999, day), headers=forwarded_for(999))
    assert again.status_code == 201 and again.json()["status"] == "confirmed"


def test_mail_queued_while_smtp_is_down_is_delivered_once_when_it_returns(tmp_path: Path) -> None:
    smtp_port = free_port()
    env = service_env(tmp_path / "data", smtp_url=f"smtp://127.0.0.1:{smtp_port}")
    prepare(env, START)
    inbox = Inbox()
    with running(Server(env)) as (server,):
        day = httpx.get(f"{server.base}/api/v1/events/syktyvkar-2021").json()["starts_on"]
        for n in range(5):
            response = httpx.post(f"{server.base}/api/v1/events/syktyvkar-2021/registrations",
                                  json=delegate_body(n, day), headers=forwarded_for(n))
            assert response.status_code == 201
        time.sleep(2)  # the sender has tried and failed: nothing listens on the SMTP port
        assert inbox.received == []
        controller = start_smtp(inbox, smtp_port)
        try:
            deadline = time.monotonic() + 90  # the first retry comes 10 s after a failure, the next 20 s later
            while len(inbox.received) < 5 and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(6)  # a further poll of the sender: nothing is sent twice
        finally:
            controller.stop()
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
    prepare(env, START)
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
