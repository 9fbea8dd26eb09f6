"""Reused compiled statements must still carry each statement's own values."""

from __future__ import annotations

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.compiled_cache import compile_cached
from events_app.data.database import Store


async def _organisations(store: Store, count: int) -> None:
    async with store.transaction():
        for n in range(count):
            await store.execute(t.organisations.insert().values(key=f"org-{n}", name=f"Организация {n}"))


async def test_equal_statements_with_other_values_give_their_own_rows(store: Store) -> None:
    await _organisations(store, 5)

    names = [await store.fetch_val(sa.select(t.organisations.c.name).where(t.organisations.c.key == f"org-{n}"))
             for n in range(5)]

    assert names == [f"Организация {n}" for n in range(5)]


async def test_in_lists_and_limits_of_different_lengths(store: Store) -> None:
    await _organisations(store, 6)

    two = await store.fetch_all(sa.select(t.organisations.c.key).where(t.organisations.c.key.in_(["org-1", "org-2"]))
                                .order_by(t.organisations.c.key))
    three = await store.fetch_all(sa.select(t.organisations.c.key)
                                  .where(t.organisations.c.key.in_(["org-3", "org-4", "org-5"]))
                                  .order_by(t.organisations.c.key))
    limited = [await store.fetch_all(sa.select(t.organisations.c.key).order_by(t.organisations.c.key).limit(n))
               for n in (1, 4)]

    assert [r["key"] for r in two] == ["org-1", "org-2"]
    assert [r["key"] for r in three] == ["org-3", "org-4", "org-5"]
    assert [len(rows) for rows in limited] == [1, 4]


def test_statements_whose_text_depends_on_values_are_not_cached() -> None:
    from sqlalchemy.dialects.sqlite import pysqlite

    dialect = pysqlite.dialect(paramstyle="qmark")
    in_list = sa.select(t.organisations.c.id).where(t.organisations.c.key.in_(["a", "b"]))
    plain = sa.select(t.organisations.c.id).where(t.organisations.c.key == "a")

    assert compile_cached(in_list, dialect) is None
    compiled, params = compile_cached(plain, dialect)
    assert list(params.values()) == ["a"]
    again, other = compile_cached(sa.select(t.organisations.c.id).where(t.organisations.c.key == "b"), dialect)
    assert again is compiled and list(other.values()) == ["b"]
