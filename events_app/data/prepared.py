"""SQLAlchemy statements compiled once and run straight on the driver (sqlite3 or asyncpg).

The door's hot paths run without `databases` (SQLite: in the writer connection's own thread;
PostgreSQL: on an asyncpg connection of the pool); they still build their statements from
SQLAlchemy expressions (`checkin_queries`), so the rules are written once. Compiling per scan
would cost more than the scan itself, so each statement is compiled once,
with named `sa.bindparam`s for what changes between scans; the constants inside it (a status
such as 'confirmed') stay bound parameters too, never literals in the SQL text. The column
types' own conversions are applied both ways (a UTC moment is stored as SQLAlchemy stores it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

SQLITE = sqlite.dialect()
# asyncpg's own parameter style ($1, $2 …), with the type casts asyncpg needs.
POSTGRESQL = postgresql_asyncpg.dialect()
_REQUIRED = object()

Converter = Callable[[Any], Any] | None


class PreparedStatement:
    """One statement's SQL text, its parameters in order and its type conversions."""

    def __init__(self, statement: ClauseElement, dialect: Dialect = SQLITE) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = compiled.string
        processors = compiled._bind_processors
        self._parameters: list[tuple[str, Any, Converter]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            default = _REQUIRED if bind.required else bind.effective_value
            # A plain processor per parameter (a sequence is for tuple parameters, not used here).
            self._parameters.append((name, default, cast(Converter, processors.get(name))))
        columns = statement.selected_columns if isinstance(statement, sa.Select) else ()
        self._results: tuple[Converter, ...] = tuple(
            column.type._cached_result_processor(dialect, None) for column in columns)
        self._converts_results = any(self._results)

    def arguments(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        arguments = []
        for name, default, convert in self._parameters:
            value = values.get(name, default)
            if value is _REQUIRED:
                raise KeyError(f"no value for :{name} in {self.sql!r}")
            arguments.append(value if convert is None or value is None else convert(value))
        return tuple(arguments)

    def row(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """A driver's row with the column types' conversions applied (e.g. a UTC moment on SQLite)."""
        if not self._converts_results:
            return tuple(row)
        return tuple(value if convert is None else convert(value)
                     for convert, value in zip(self._results, row, strict=True))

    # On a plain sqlite3 connection:

    def execute(self, connection: sqlite3.Connection, **values: Any) -> None:
        connection.execute(self.sql, self.arguments(values))

    def first(self, connection: sqlite3.Connection, **values: Any) -> tuple[Any, ...] | None:
        row = connection.execute(self.sql, self.arguments(values)).fetchone()
        return None if row is None else self.row(row)

    def all(self, connection: sqlite3.Connection, **values: Any) -> list[tuple[Any, ...]]:
        return [self.row(row) for row in connection.execute(self.sql, self.arguments(values)).fetchall()]
