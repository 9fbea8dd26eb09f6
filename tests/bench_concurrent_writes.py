"""Benchmark: concurrent write transactions on SQLite, the naive way and through `Store`.

Each client runs write transactions in a loop, each a read followed by an insert (the shape
of a sign-up: look, then write). The naive baseline is plain `databases` with a transaction
per write, as a request handler would do it; the second run is the service's write path
(`Store`: per-connection PRAGMAs, BEGIN IMMEDIATE, one queued writer). Both run here, now, on
the same file system. With EVENTS_TEST_POSTGRES_URL set, PostgreSQL is measured too.

    .venv/bin/python tests/bench_concurrent_writes.py [--clients 32] [--writes 1300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import databases
import sqlalchemy as sa
from bench_support import emit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from events_app.data import tables as t  # noqa: E402
from events_app.data.database import Store  # noqa: E402
from events_app.data.migrate import upgrade  # noqa: E402


def _write(n: int) -> tuple[sa.Select[tuple[int]], sa.Insert]:
    look = sa.select(sa.func.count()).select_from(t.organisations).where(t.organisations.c.key.like("bench-%"))
    insert = t.organisations.insert().values(key=f"bench-{n:06d}", name=f"ООО «Участник {n}»")
    return look, insert


async def _run(label: str, clients: int, writes: int, one_write: Callable[[int], Awaitable[None]],
               count: Callable[[], Awaitable[int]]) -> None:
    queue = iter(range(writes))
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def client() -> None:
        for n in queue:
            started = time.perf_counter()
            try:
                await one_write(n)
            except Exception as error:  # counted and reported, as a client would see a 500
                errors[f"{type(error).__name__}: {str(error)[:40]}"] += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    stored = await count()
    ok = writes - sum(errors.values())
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"{label:<34} {ok / elapsed:8.0f} writes/s  p50 {quantiles[49] * 1000:7.1f} ms  "
          f"p99 {quantiles[98] * 1000:7.1f} ms  errors {sum(errors.values()):5d}/{writes}  "
          f"rows stored {stored} (acknowledged {ok})")
    for message, times in errors.most_common(3):
        print(f"{'':<34} {times} × {message}")
    emit(f"{writes} sign-up-shaped writes from {clients} clients, {label}", "writes/s", ok / elapsed,
         p50_ms=quantiles[49] * 1000, p99_ms=quantiles[98] * 1000, errors=sum(errors.values()),
         note=f"rows stored {stored}, acknowledged {ok}")


async def naive(url: str, clients: int, writes: int) -> None:
    database = databases.Database(url)
    await database.connect()

    async def one_write(n: int) -> None:
        look, insert = _write(n)
        async with database.transaction():
            await database.fetch_val(look)
            await database.execute(insert)

    async def count() -> int:
        return int(await database.fetch_val(sa.select(sa.func.count()).select_from(t.organisations)))

    try:
        await _run("naive databases (SQLite)", clients, writes, one_write, count)
    finally:
        await database.disconnect()


async def service(label: str, url: str, clients: int, writes: int) -> None:
    async with Store(url) as store:
        async def one_write(n: int) -> None:
            look, insert = _write(n)
            async with store.transaction():
                await store.fetch_val(look)
                await store.execute(insert)

        async def count() -> int:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.organisations)))

        await _run(label, clients, writes, one_write, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--writes", type=int, default=1300)
    args = parser.parse_args()
    print(f"{args.writes} write transactions from {args.clients} concurrent clients, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        naive_url, store_url = f"sqlite:///{folder}/naive.db", f"sqlite:///{folder}/store.db"
        upgrade(naive_url)
        upgrade(store_url)
        # The naive baseline gets WAL too, so the comparison is about the write path alone.
        asyncio.run(_wal(naive_url))
        asyncio.run(naive(naive_url, args.clients, args.writes))
        asyncio.run(service("Store (SQLite)", store_url, args.clients, args.writes))
    postgres = os.environ.get("EVENTS_TEST_POSTGRES_URL")
    if postgres:
        asyncio.run(_postgres(postgres, args.clients, args.writes))


async def _wal(url: str) -> None:
    database = databases.Database(url)
    await database.connect()
    await database.execute("PRAGMA journal_mode = WAL")
    await database.disconnect()


async def _postgres(admin_url: str, clients: int, writes: int) -> None:
    import asyncpg

    name = f"events_bench_{os.getpid()}"
    admin = await asyncpg.connect(admin_url.replace("postgresql://", "postgres://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        await asyncio.to_thread(upgrade, url)
        await service("Store (PostgreSQL)", url, clients, writes)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    main()
