"""SQLite's WAL is copied back into the database file beside the writers, not inside a commit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.data.sqlite_backend import WalCheckpointer


def _organisations_in_main_file(path: Path) -> int:
    """The rows the database file itself holds, the WAL ignored (`immutable` skips it)."""
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(connection.execute("SELECT count(*) FROM organisations").fetchone()[0])
    finally:
        connection.close()


async def test_store_connections_leave_checkpoints_to_the_checkpointer(sqlite_url: str) -> None:
    async with Store(sqlite_url) as store:
        autocheckpoint = await store.fetch_val(sa.text("PRAGMA wal_autocheckpoint"))
        journal_mode = await store.fetch_val(sa.text("PRAGMA journal_mode"))

    assert (autocheckpoint, journal_mode) == (0, "wal")


async def test_committed_rows_reach_the_database_file_while_the_store_stays_open(sqlite_url: str) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    async with Store(sqlite_url) as store:
        for n in range(50):
            await store.execute(t.organisations.insert().values(key=f"org-{n:02d}", name=f"ООО «{n}»"))
        # No commit checkpoints any more: only the background checkpointer can bring them there.
        for _ in range(600):
            if _organisations_in_main_file(path) == 50:
                break
            await asyncio.sleep(0.05)
        in_file = _organisations_in_main_file(path)
        in_database = await store.fetch_val(sa.select(sa.func.count()).select_from(t.organisations))

    assert (in_file, in_database) == (50, 50)


async def test_checkpointer_leaves_a_database_file_that_is_not_there_uncreated(tmp_path: Path) -> None:
    missing = tmp_path / "not-yet.db"
    checkpointer = WalCheckpointer(str(missing), {}, file=missing)

    ran = await checkpointer.checkpoint()
    await checkpointer.stop()

    assert (ran, missing.exists()) == (False, False)


async def test_checkpointer_copies_committed_pages_into_the_file(sqlite_url: str) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("INSERT INTO organisations (key, name) VALUES ('org-a', 'ООО «А»')")
    writer.commit()
    checkpointer = WalCheckpointer(str(path), {}, file=path)
    before = _organisations_in_main_file(path)

    ran = await checkpointer.checkpoint()
    after = _organisations_in_main_file(path)
    await checkpointer.stop()
    writer.close()

    assert (before, ran, after) == (0, True, 1)
