"""The database handle that services receive: reads, and write transactions that never collide.

One code path serves both backends. On SQLite, write transactions in this process queue on one
lock and start with `BEGIN IMMEDIATE` (see `sqlite_backend`), so concurrent requests wait their
turn instead of failing with `database is locked`; other processes are held off by the busy
timeout. On PostgreSQL, transactions run concurrently and rows are locked where a rule needs it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
import databases
import sqlalchemy as sa
from sqlalchemy.sql import ClauseElement


class _Database(databases.Database):
    SUPPORTED_BACKENDS = {
        **databases.Database.SUPPORTED_BACKENDS,
        "sqlite": "events_app.data.sqlite_backend:PooledSQLiteBackend",
        "postgresql": "events_app.data.postgres_backend:CachingPostgresBackend",
    }


Row = Mapping[str, Any]
T = TypeVar("T")

# `databases` passes the drivers' own exceptions through: a broken UNIQUE or foreign key is one
# of these, whichever backend runs.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
# The database is not there (server down, network cut, file unreadable): a 503, not a 500.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    ConnectionError, TimeoutError, sqlite3.OperationalError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError,
)


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {} if self.is_sqlite else {"min_size": 1, "max_size": 20}
        self._database = _Database(url, **options)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._remembered: dict[Hashable, tuple[float, Any]] = {}
        self._loading: dict[Hashable, asyncio.Future[Any]] = {}
        self._clock: Callable[[], float] = time.monotonic  # for `remember`; tests move it by hand

    async def connect(self) -> None:
        await self._database.connect()

    async def disconnect(self) -> None:
        await self._database.disconnect()

    async def __aenter__(self) -> Store:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    async def fetch_all(self, query: ClauseElement) -> list[Row]:
        return [row._mapping for row in await self._database.fetch_all(query)]

    async def fetch_one(self, query: ClauseElement) -> Row | None:
        row = await self._database.fetch_one(query)
        return None if row is None else row._mapping

    async def fetch_pairs(self, query: ClauseElement) -> dict[Any, Any]:
        """A two-column query as a dict, first column to second: counts or seats by id."""
        return {row[0]: row[1] for row in await self._database.fetch_all(query)}

    async def fetch_val(self, query: ClauseElement) -> Any:
        return await self._database.fetch_val(query)

    async def execute(self, query: ClauseElement) -> None:
        """Run one statement; outside `transaction()` it is its own transaction."""
        async with self._statement():
            await self._database.execute(query)

    async def insert(self, query: ClauseElement) -> int:
        """Run an INSERT … RETURNING id and give the new id."""
        async with self._statement():
            return int(await self._database.fetch_val(query))

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[None]:
        if self._in_transaction():
            yield
        else:
            async with self.transaction():
                yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """All-or-nothing: everything inside commits together or not at all."""
        if self._write_lock is None or self._in_transaction():
            async with self._database.transaction():
                yield
            return
        async with self._write_lock:
            async with self._database.transaction():
                yield

    async def remember(self, key: Hashable, seconds: float, load: Callable[[], Awaitable[T]]) -> T:
        """`load()`'s result, reused for `seconds`: for data read on every request that changes
        rarely (a door device, an event's check-in lists). Writers call `forget(key)`.

        Requests that find the entry missing or stale at the same moment share one `load()`:
        otherwise thirty-two scanners would each reload the same row every few seconds. An entry
        just past its time (younger than twice `seconds`) is still answered at once while one
        load refreshes it in the background: otherwise every scanner at the door would wait for
        that reload every few seconds, the periodic stall seen in the door's p99. A change made
        by this process is not affected (`forget` drops the entry); one made by another process
        shows within `seconds` plus one load, as before, not `seconds` alone."""
        now = self._clock()
        found = self._remembered.get(key)
        if found is not None and now - found[0] < seconds:
            return found[1]
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.ensure_future(load())
            loading.add_done_callback(lambda done: self._loaded(key, now, done))
        if found is not None and now - found[0] < 2 * seconds:
            return found[1]
        # Shielded: one waiter giving up must not cancel the load the others wait for.
        return await asyncio.shield(loading)

    def _loaded(self, key: Hashable, started: float, done: asyncio.Future[Any]) -> None:
        if self._loading.get(key) is not done:
            return  # forgotten while loading: the value may predate the change
        del self._loading[key]
        if done.cancelled() or done.exception() is not None:
            return
        if len(self._remembered) > 10_000:
            self._remembered.clear()
        self._remembered[key] = (started, done.result())

    async def run_write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """SQLite only: run `work` with a plain sqlite3 connection in that connection's own thread,
        holding this process's write lock. `work` begins and ends its own transaction."""
        assert self.is_sqlite and self._write_lock is not None and not self._in_transaction()
        pool = self._database._backend._pool
        async with self._write_lock:
            connection = await pool.acquire()
            try:
                return await connection._execute(work, connection._conn)
            finally:
                await pool.release(connection)

    async def run_postgres(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """PostgreSQL only: run `work` on a pooled asyncpg connection of its own, outside any
        `transaction()` (the door's hot path, `postgres_checkin`, runs its statements there)."""
        assert not self.is_sqlite
        pool = self._database._backend._pool
        async with pool.acquire() as connection:
            return await work(connection)

    def forget(self, key: Hashable) -> None:
        self._remembered.pop(key, None)
        self._loading.pop(key, None)

    async def serialise(self, name: str) -> None:
        """Inside a transaction: wait until no other transaction holds `name`, then hold it.

        SQLite writers are already one at a time; PostgreSQL takes an advisory lock that is
        released when the transaction ends.
        """
        assert self._in_transaction(), "serialise() only makes sense inside transaction()"
        if not self.is_sqlite:
            await self._database.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(name))))

    def _in_transaction(self) -> bool:
        connection = self._database._connection  # the current task's connection, if any
        return bool(connection is not None and connection._transaction_stack)
