"""The PostgreSQL backend of `databases`, reusing compiled statements (see `compiled_cache`)."""

from __future__ import annotations

import typing

from databases.backends.postgres import PostgresBackend, PostgresConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from events_app.data.compiled_cache import BindProcessors, compile_cached

# `databases` turns the named parameters into $1, $2 … in sorted order; done once per statement.
_layouts: dict[int, tuple[SQLCompiler, str, list[str]]] = {}


def _layout(compiled: SQLCompiler) -> tuple[str, list[str]]:
    found = _layouts.get(id(compiled))
    if found is None or found[0] is not compiled:
        names = sorted(compiled.params)
        text = compiled.string % {name: f"${position}" for position, name in enumerate(names, start=1)}
        if len(_layouts) > 4000:
            _layouts.clear()
        found = _layouts[id(compiled)] = (compiled, text, names)
    return found[1], found[2]


class CachingPostgresConnection(PostgresConnection):
    def _compile(self, query: ClauseElement) -> typing.Any:
        cached = compile_cached(query, self._dialect)
        if cached is None:
            return super()._compile(query)
        compiled, params = cached
        text, names = _layout(compiled)
        processors = typing.cast(BindProcessors, compiled._bind_processors)
        args = [processors[name](params[name]) if name in processors else params[name] for name in names]
        return text, args, compiled._result_columns


class CachingPostgresBackend(PostgresBackend):
    def connection(self) -> CachingPostgresConnection:
        return CachingPostgresConnection(self, self._dialect)
