"""Reusing compiled SQL: `databases` compiles every statement anew, which was half the cost of
a query (0.6 of about 1.1 ms on SQLite). Statements are keyed by SQLAlchemy's own cache key,
so two statements share a compiled form exactly when only their bound values differ.

Statements whose SQL text depends on their values are compiled as before: IN lists (expanding
parameters, rendered inline by `databases`), literal-rendered parameters and DDL.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.ddl import DDLElement

CACHE_SIZE = 2000

# A compiled statement's value converters by parameter name. SQLAlchemy also allows a sequence of
# them for a tuple-typed parameter; the statements cached here have none (IN lists are expanding).
BindProcessors = Mapping[str, Callable[[Any], Any]]

_cache: OrderedDict[tuple[str, Any], SQLCompiler] = OrderedDict()


def compile_cached(query: ClauseElement, dialect: Dialect) -> tuple[SQLCompiler, MutableMapping[str, Any]] | None:
    """The compiled statement and this statement's parameter values, or None when it must be
    compiled on its own."""
    if isinstance(query, DDLElement):
        return None
    cache_key = query._generate_cache_key()
    if cache_key is None or any(bind.expanding or bind.literal_execute for bind in cache_key.bindparams):
        return None
    key = (dialect.name, cache_key.key)
    compiled = _cache.get(key)
    if compiled is None:
        # Given its cache key, the compiled form can take the values of later equal statements.
        compiled = dialect.statement_compiler(dialect, query, cache_key=cache_key,
                                              compile_kwargs={"render_postcompile": True})
        _cache[key] = compiled
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled, compiled.construct_params(extracted_parameters=cache_key.bindparams)
