"""Two app processes on one PostgreSQL database: a registration rush and door scans across both.

Everything shared lives in the database (places, waiting lines, the outbox, device tokens), so
whichever process a request reaches, the answer is the same: no place sold twice, no ticket
admitted twice, every letter sent once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from tests.factories import device_by_cli, event_today
from tests.process_support import Server, delegate_body, forwarded_for, prepare, running, service_env
from tests.smtp_server import Inbox, free_port, start_smtp

pytestmark = pytest.mark.postgres

REGISTRATIONS = 120


async def _rush(servers: tuple[Server, ...], visit_id: int, day: str) -> list[dict[str, object]]:
    answers: list[dict[str, object]] = []
    numbers = iter(range(REGISTRATIONS))
    async with httpx.AsyncClient(timeout=60) as client:

        async def delegate(number: int) -> None:
            for n in numbers:
                server = servers[n % len(servers)]
                response = await client.post(f"{server.base}/api/v1/events/syktyvkar-2021/registrations",
                                             json=delegate_body(n, day, [visit_id]), headers=forwarded_for(number))
                assert response.status_code == 201, response.text
                answers.append(response.json())

        await asyncio.gather(*(delegate(number) for number in range(16)))
    return answers


async def _scan_everyone_twice(servers: tuple[Server, ...], token: str, list_name: str,
                               secrets: list[str]) -> Counter[tuple[str, str | None]]:
    """Each ticket scanned at the same moment by both processes (two doors, one ticket)."""
    outcomes: Counter[tuple[str, str | None]] = Counter()
    per_ticket: list[list[str | None]] = []
    async with httpx.AsyncClient(timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:

        async def scan(server: Server, secret: str) -> str | None:
            response = await client.post(f"{server.base}/api/v1/checkin/redeem", json={
                "secret": secret, "list": list_name, "type": "entry", "nonce": uuid.uuid4().hex})
            body = response.json()
            outcomes[(body["status"], body["reason"])] += 1
            return str(body["status"])

        for batch in range(0, len(secrets), 20):
            results = await asyncio.gather(*(asyncio.gather(*(scan(server, secret) for server in servers))
                                             for secret in secrets[batch:batch + 20]))
            per_ticket.extend(list(pair) for pair in results)
    assert all(sorted(pair) == ["error", "ok"] for pair in per_ticket)
    return outcomes


def test_two_processes_share_places_door_scans_and_the_outbox(postgres_database: str, tmp_path: Path) -> None:
    from tests.conftest import _empty_postgres

    asyncio.run(_empty_postgres(postgres_database))
    inbox = Inbox()
    smtp_port = free_port()
    controller = start_smtp(inbox, smtp_port)
    env = service_env(tmp_path / "data", database_url=postgres_database, smtp_url=f"smtp://127.0.0.1:{smtp_port}")
    today = event_today()  # the servers run on the real clock: the event is moved to their today
    prepare(env, today.isoformat())
    list_name = f"entry-{today.isoformat()}"
    token = device_by_cli(env, list_name=list_name).token
    try:
        with running(Server(env), Server(env)) as servers:
            sessions = httpx.get(f"{servers[0].base}/api/v1/events/syktyvkar-2021/sessions",
                                 params={"kind": "site_visit"}).json()["sessions"]
            visit = next(s for s in sessions if s["capacity"])
            answers = asyncio.run(_rush(servers, visit["id"], today.isoformat()))
            secrets = [str(answer["ticket_url"]).rsplit("/", 1)[1] for answer in answers]
            outcomes = asyncio.run(_scan_everyone_twice(servers, token, list_name, secrets))

            async def outbox_state() -> tuple[int, int]:
                async with Store(postgres_database) as store:
                    pending = await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox)
                                                    .where(t.outbox.c.status == "pending"))
                    total = await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox))
                    return int(pending), int(total)

            deadline = time.monotonic() + 120
            while asyncio.run(outbox_state())[0] and time.monotonic() < deadline:
                time.sleep(0.5)
        # Both servers have stopped, each after finishing its sender's round: every letter that was
        # going to be sent (twice, if the claim rule were broken) has reached the inbox by now.
        pending, letters = asyncio.run(outbox_state())
    finally:
        controller.stop()

    capacity = int(visit["capacity"])
    print(f"\ntwo processes: {len(answers)} registrations, {sum(outcomes.values())} scans "
          f"({dict(outcomes)}), {letters} letters queued, {len(inbox.received)} delivered")
    statuses = Counter(str(answer["choices"][0]["status"]) for answer in answers)
    positions = sorted(int(answer["choices"][0]["position"]) for answer in answers
                       if answer["choices"][0]["status"] == "waitlisted")
    assert statuses == {"confirmed": capacity, "waitlisted": REGISTRATIONS - capacity}  # no place sold twice
    assert positions == list(range(1, REGISTRATIONS - capacity + 1))  # one line, no two in one place
    assert outcomes == {("ok", None): REGISTRATIONS, ("error", "already_checked_in"): REGISTRATIONS}
    assert pending == 0 and letters == REGISTRATIONS
    message_ids = [item.message["Message-ID"] for item in inbox.received]
    assert len(message_ids) == letters and len(set(message_ids)) == letters  # each letter sent once
    assert sorted(item.rcpt_tos[0] for item in inbox.received) == sorted(
        f"delegate{n}@example.ru" for n in range(REGISTRATIONS))


def test_serve_with_workers_runs_several_processes_on_postgres(postgres_database: str, tmp_path: Path) -> None:
    from tests.conftest import _empty_postgres
    from tests.factories import BIN

    asyncio.run(_empty_postgres(postgres_database))
    env = service_env(tmp_path / "data", database_url=postgres_database)
    prepare(env, event_today().isoformat())
    server = Server(env)
    server.start_command = [str(BIN / "events-app"), "serve", "--port", str(server.port), "--workers", "2"]
    log = tmp_path / "data" / f"server-{server.port}.log"

    def started() -> int:
        return sum(1 for line in log.read_text().splitlines() if "Application startup complete" in line)

    with running(server):
        deadline = time.monotonic() + 90  # the second worker may come up after the first answers
        while started() < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        ready = httpx.get(f"{server.base}/readyz")
        pids = {line.split("[")[1].split("]")[0] for line in log.read_text().splitlines()
                if "Started server process" in line}
    assert ready.json() == {"status": "ready"}
    assert started() == 2 and len(pids) == 2

