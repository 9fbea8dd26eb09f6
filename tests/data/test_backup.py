"""Backups: taken from a running server in the middle of a registration rush, then restored."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import POSTGRES_URL, ROOT
from tests.factories import event_today, run_cli
from tests.smtp_server import free_port

BIN = Path(sys.executable).parent


def _env(folder: Path, port: int) -> dict[str, str]:
    env = {**os.environ, "EVENTS_DATA_DIR": str(folder), "EVENTS_BASE_URL": f"http://127.0.0.1:{port}",
           "EVENTS_SECRET_KEY": "backup-test-secret-key-0123456789abcdef"}
    env.pop("EVENTS_SMTP_URL", None)
    env.pop("EVENTS_DATABASE_URL", None)
    return env


async def _rush_with_backup(base: str, env: dict[str, str], backup_file: Path) -> tuple[set[str], set[str]]:
    """Register delegates from 8 clients; take a backup once 40 are acknowledged. Returns the
    e-mails acknowledged before the backup started and every e-mail attempted."""
    acknowledged: set[str] = set()
    attempted: set[str] = set()
    before_backup: set[str] = set()
    stop = asyncio.Event()
    acknowledgement = asyncio.Condition()  # notified on each acknowledged registration
    counter = iter(range(100_000))
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(200):
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
        day = (await client.get(f"{base}/api/v1/events/syktyvkar-2021")).json()["starts_on"]

        async def delegate(number: int) -> None:
            headers = {"X-Forwarded-For": f"198.51.100.{number + 1}"}
            while not stop.is_set():
                n = next(counter)
                email = f"delegate{n}@example.ru"
                attempted.add(email)
                url = f"{base}/api/v1/events/syktyvkar-2021/registrations"
                response = await client.post(url, headers=headers, json={
                    "surname": "Петрова", "given_name": "Мария", "email": email, "phone": "+79120000000",
                    "organisation_name": f"ООО «Участник {n}»", "position": "инженер", "region_code": "11",
                    "category": "enterprise", "days": [day], "consent": True})
                if response.status_code == 201:
                    async with acknowledgement:
                        acknowledged.add(email)
                        acknowledgement.notify_all()

        async def take_backup() -> None:
            async with acknowledgement:
                await acknowledgement.wait_for(lambda: len(acknowledged) >= 40)
            before_backup.update(acknowledged)
            done = await asyncio.to_thread(run_cli, env, "backup", str(backup_file))
            assert done.returncode == 0, done.stderr
            async with acknowledgement:  # writes go on after the backup
                await acknowledgement.wait_for(lambda: len(acknowledged) >= len(before_backup) + 40)
            stop.set()

        clients = [asyncio.create_task(delegate(number)) for number in range(8)]
        await take_backup()
        await asyncio.gather(*clients)
    return before_backup, attempted


def test_backup_during_a_registration_rush_restores_every_acknowledged_registration(tmp_path: Path) -> None:
    port = free_port()
    env = _env(tmp_path / "live", port)
    assert run_cli(env, "migrate").returncode == 0
    start = event_today() + timedelta(days=30)  # the server runs on the real clock: registration is open
    imported = run_cli(env, "import", str(ROOT / "schedules" / "syktyvkar-2021.toml"), "--shift-to", start.isoformat())
    assert imported.returncode == 0
    server = subprocess.Popen([str(BIN / "events-app"), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    backup_file = tmp_path / "backup.db"
    try:
        before_backup, attempted = asyncio.run(_rush_with_backup(f"http://127.0.0.1:{port}", env, backup_file))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)

    restored_env = _env(tmp_path / "restored", port)
    done = run_cli(restored_env, "restore", str(backup_file))
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "restored" / "events.db") as restored:
        emails = {row[0] for row in restored.execute("SELECT email FROM registrations")}
        tickets = restored.execute("SELECT count(*) FROM tickets").fetchone()[0]
        half_written = restored.execute(
            "SELECT count(*) FROM registrations r WHERE r.status = 'confirmed' "
            "AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.registration_id = r.id)").fetchone()[0]
    assert before_backup <= emails  # every registration acknowledged before the backup began
    assert emails <= attempted  # and nothing that was never sent
    assert tickets == len(emails) and half_written == 0
    listing = run_cli(restored_env, "registrations", "syktyvkar-2021")
    assert listing.returncode == 0 and f"{len(emails)} registration(s)" in listing.stderr


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path / "live", free_port())
    assert run_cli(env, "migrate").returncode == 0
    assert run_cli(env, "import", str(ROOT / "schedules" / "kirov-2020.toml")).returncode == 0
    not_a_backup = tmp_path / "notes.db"
    not_a_backup.write_text("these are not the pages of a database\n" * 100)
    empty_sqlite = tmp_path / "empty.db"
    sqlite3.connect(empty_sqlite).close()

    garbage = run_cli(env, "restore", str(not_a_backup))
    foreign = run_cli(env, "restore", str(empty_sqlite))
    missing = run_cli(env, "restore", str(tmp_path / "nowhere.db"))

    assert garbage.returncode == 1 and "is not a SQLite backup of this service" in garbage.stderr
    assert foreign.returncode == 1 and "has no schema version" in foreign.stderr
    assert missing.returncode == 1 and "no such file" in missing.stderr
    assert "kirov-2020" in run_cli(env, "export", "kirov-2020").stdout


@pytest.mark.postgres
def test_postgres_backup_and_restore_through_pg_dump(postgres_database: str, tmp_path: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests are off")
    from tests.conftest import _empty_postgres, load_demo

    asyncio.run(_empty_postgres(postgres_database))
    load_demo(postgres_database)
    env = {**_env(tmp_path, free_port()), "EVENTS_DATABASE_URL": postgres_database}
    before = run_cli(env, "export", "syktyvkar-2021").stdout

    saved = run_cli(env, "backup", str(tmp_path / "events.dump"))
    asyncio.run(_empty_postgres(postgres_database))
    emptied = run_cli(env, "export", "syktyvkar-2021")
    restored = run_cli(env, "restore", str(tmp_path / "events.dump"))

    assert saved.returncode == 0, saved.stderr
    assert emptied.returncode == 1
    assert restored.returncode == 0, restored.stderr
    assert run_cli(env, "export", "syktyvkar-2021").stdout == before
