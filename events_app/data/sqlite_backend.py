"""A SQLite backend for `databases` that holds concurrent writers.

`databases` 0.9 opens a fresh aiosqlite connection (and thread) for every connection it hands
out and starts transactions with a deferred `BEGIN`; under concurrent writers that fails with
`database is locked`. This backend keeps idle connections for reuse, sets the per-connection
PRAGMAs on every connection it opens, and starts root transactions with `BEGIN IMMEDIATE`, so a
writer takes the write lock up front (waiting up to `busy_timeout` for another process) instead of
failing when it upgrades a read lock. Within one process, `Store` also queues writers on a lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import typing
from pathlib import Path

import aiosqlite
from databases.backends.sqlite import (
    CompilationContext,
    SQLiteBackend,
    SQLiteConnection,
    SQLitePool,
    SQLiteTransaction,
)
from databases.core import DatabaseURL
from databases.interfaces import TransactionBackend
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.sql import ClauseElement

from events_app.data.compiled_cache import BindProcessors, compile_cached

BUSY_TIMEOUT_MS = 30_000
# SQLite's own transaction start that takes the write lock at once (SQLAlchemy has no expression
# for it); shared with the door's batch path (`sqlite_checkin`).
BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
IDLE_CONNECTIONS = 16

# WAL lets readers go on while one writer commits; NORMAL sync in WAL mode never corrupts the file
# and survives a killed process (a power cut may lose the last commits, never half of one).
# The service's own connections never checkpoint the WAL inside a commit (`WalCheckpointer` does it
# beside them); other processes on the file (the command line) keep SQLite's default.
CONNECTION_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA wal_autocheckpoint = 0",
)
# How often the WAL is copied back into the database file. SQLite's own default does it when the WAL
# passes 1,000 pages; under the door's load that is about once a second, so the WAL stays as small.
CHECKPOINT_SECONDS = 0.5


class WalCheckpointer:
    """Copies the WAL back into the database file on a connection (and thread) of its own.

    SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages, in the
    writer's thread, with two fsyncs: 10–40 ms during which every queued writer waits (the
    periodic stalls in the door's p99). A passive checkpoint beside the writer takes no write lock,
    so commits go on while it copies; the WAL still starts over once it is all copied back.
    """

    def __init__(self, database: str, options: dict[str, typing.Any], *, file: Path) -> None:
        self._database = database
        self._options = options
        self._file = file
        self._connection: aiosqlite.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def checkpoint(self) -> bool:
        """One passive checkpoint; False if there is no database file (not made yet, or in memory),
        which is not the checkpointer's to create."""
        if self._connection is None:
            if not self._file.exists():
                return False
            connection = aiosqlite.connect(database=self._database, isolation_level=None, **self._options)
            self._connection = await connection.__aenter__()
        await self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            with contextlib.suppress(aiosqlite.Error):
                # A checkpoint is an optimisation: the next round (or the last connection closed)
                # copies what this one could not.
                await self.checkpoint()


class PooledSQLitePool(SQLitePool):
    def __init__(self, url: DatabaseURL, **options: typing.Any) -> None:
        super().__init__(url, **options)
        self._idle: list[aiosqlite.Connection] = []
        self._wal_checked = False

    async def acquire(self) -> aiosqlite.Connection:
        if self._idle:
            return self._idle.pop()
        connection = aiosqlite.connect(database=self._database, isolation_level=None, **self._options)
        await connection.__aenter__()
        if not self._wal_checked:
            # journal_mode is a property of the file: set once, it stays.
            await connection.execute("PRAGMA journal_mode = WAL")
            self._wal_checked = True
        for pragma in CONNECTION_PRAGMAS:
            await connection.execute(pragma)
        return connection

    async def release(self, connection: aiosqlite.Connection) -> None:
        if connection.in_transaction:
            await connection.rollback()
        if len(self._idle) < IDLE_CONNECTIONS:
            self._idle.append(connection)
        else:
            await connection.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()


class ImmediateTransaction(SQLiteTransaction):
    async def start(self, is_root: bool, extra_options: dict[typing.Any, typing.Any]) -> None:
        if not is_root:
            await super().start(is_root, extra_options)
            return
        assert self._connection._connection is not None, "Connection is not acquired"
        self._is_root = True
        async with self._connection._connection.execute(BEGIN_IMMEDIATE) as cursor:
            await cursor.close()


class PooledSQLiteConnection(SQLiteConnection):
    def transaction(self) -> TransactionBackend:
        return ImmediateTransaction(self)

    def _compile(self, query: ClauseElement) -> typing.Any:
        cached = compile_cached(query, self._dialect)
        if cached is None:
            return super()._compile(query)
        compiled, params = cached
        processors = typing.cast(BindProcessors, compiled._bind_processors)
        positions = compiled.positiontup
        assert positions is not None  # SQLite's paramstyle is positional ("qmark")
        args = [processors[name](params[name]) if name in processors else params[name] for name in positions]
        # The dialect's context class is a DefaultExecutionContext; the interface type lacks its fields.
        context = typing.cast(DefaultExecutionContext, self._dialect.execution_ctx_cls())
        context.dialect = self._dialect
        context.result_column_struct = (
            compiled._result_columns, compiled._ordered_columns, compiled._textual_ordered_columns,
            compiled._ad_hoc_textual, compiled._loose_column_name_matching,
        )
        return compiled.string, args, compiled._result_columns, CompilationContext(context)


class PooledSQLiteBackend(SQLiteBackend):
    _pool: PooledSQLitePool

    def __init__(self, database_url: DatabaseURL | str, **options: typing.Any) -> None:
        super().__init__(database_url, **options)
        self._pool = PooledSQLitePool(self._database_url, **self._options)
        self._checkpointer = WalCheckpointer(self._pool._database, self._options,
                                             file=Path(self._database_url.database))

    async def connect(self) -> None:
        await super().connect()
        self._checkpointer.start()

    async def disconnect(self) -> None:
        await self._checkpointer.stop()
        await self._pool.close()
        await super().disconnect()

    def connection(self) -> PooledSQLiteConnection:
        return PooledSQLiteConnection(self._pool, self._dialect)
