"""SQLite's WAL is copied back into the database file beside the writers, not inside a commit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store


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
