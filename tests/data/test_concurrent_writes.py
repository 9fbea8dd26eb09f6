"""Concurrent writers on one database: none fails, none is lost (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.programme.importer import import_agendas, read_agenda_files
from tests.conftest import SCHEDULES


async def test_hundred_concurrent_imports_all_succeed_and_all_are_stored(store: Store) -> None:
    agenda = read_agenda_files([SCHEDULES / "kaluga-2021.toml"])[0]
    copies = [replace(agenda, event=replace(agenda.event, slug=f"kaluga-copy-{n:03d}")) for n in range(100)]

    results = await asyncio.gather(*(import_agendas(store, [copy]) for copy in copies), return_exceptions=True)

    failures = [result for result in results if isinstance(result, BaseException)]
    assert failures == []
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.events)) == 100
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.sessions)) == 100 * len(agenda.sessions)


async def test_hundred_concurrent_single_statement_writes_are_all_kept(store: Store) -> None:
    agenda = read_agenda_files([SCHEDULES / "kirov-2020.toml"])[0]
    await import_agendas(store, [agenda])

    async def rename(n: int) -> None:
        await store.execute(t.organisations.insert().values(key=f"org-{n:03d}", name=f"ООО «Номер {n}»"))

    results = await asyncio.gather(*(rename(n) for n in range(100)), return_exceptions=True)

    assert [r for r in results if isinstance(r, BaseException)] == []
    keys = {row["key"] for row in await store.fetch_all(
        sa.select(t.organisations.c.key).where(t.organisations.c.key.like("org-%")))}
    assert keys == {f"org-{n:03d}" for n in range(100)}


async def test_two_stores_on_one_sqlite_file_both_write(sqlite_url: str) -> None:
    """Two handles stand for two processes (a CLI import while the server runs)."""
    agenda = read_agenda_files([SCHEDULES / "kaluga-2021.toml"])[0]
    async with Store(sqlite_url) as first, Store(sqlite_url) as second:
        jobs = [import_agendas(first if n % 2 else second,
                               [replace(agenda, event=replace(agenda.event, slug=f"k-{n:02d}"))])
                for n in range(40)]
        results = await asyncio.gather(*jobs, return_exceptions=True)
        count = await first.fetch_val(sa.select(sa.func.count()).select_from(t.events))

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert count == 40
