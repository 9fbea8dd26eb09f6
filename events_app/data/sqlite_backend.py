"""A SQLite backend for `databases` that holds concurrent writers.

`databases` 0.9 opens a fresh aiosqlite connection (and thread) for every connection it hands
out and starts transactions with a deferred `BEGIN`; under concurrent writers that fails with
`database is locked`. This backend keeps idle connections for reuse, sets the per-connection
PRAGMAs on every connection it opens, and starts root transactions with `BEGIN IMMEDIATE`, so a
writer takes the write lock up front (waiting up to `busy_timeout` for another process) instead of
failing when it upgrades a read lock. Within one process, `Store` also queues writers on a lock.
"""

from __future__ import annotations

import typing

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
CONNECTION_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
)


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

    async def disconnect(self) -> None:
        await self._pool.close()
        await super().disconnect()

    def connection(self) -> PooledSQLiteConnection:
        return PooledSQLiteConnection(self._pool, self._dialect)
