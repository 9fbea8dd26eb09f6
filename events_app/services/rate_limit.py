"""Rate limits kept in the database, so that every app process counts the same hits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.errors import N_, DomainError


class TooManyRequests(DomainError):
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    name: str
    hits: int
    window: timedelta


REGISTRATION_PER_ADDRESS = Limit("register", 30, timedelta(minutes=10))
LINK_REQUESTS_PER_ADDRESS = Limit("cabinet-link", 10, timedelta(minutes=10))


async def hit(store: Store, limit: Limit, subject: str, *, now: datetime) -> None:
    """Count one request by `subject`; raise `TooManyRequests` past the limit of its window."""
    seconds = int(limit.window.total_seconds())
    window_start = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, now.tzinfo)
    key = f"{limit.name}:{subject}"[:200]
    async with store.transaction():
        row = await store.fetch_one(sa.select(t.rate_limits.c.hits).where(
            t.rate_limits.c.key == key, t.rate_limits.c.window_start == window_start).with_for_update())
        if row is None:
            await _insert_or_count(store, key, window_start)
            hits = 1
        else:
            hits = row["hits"] + 1
            await store.execute(t.rate_limits.update().where(
                t.rate_limits.c.key == key, t.rate_limits.c.window_start == window_start).values(hits=hits))
        # Old windows are of no use; dropping them here keeps the table small without a job.
        await store.execute(t.rate_limits.delete().where(t.rate_limits.c.window_start < window_start - limit.window))
    if hits > limit.hits:
        retry_after = int((window_start + limit.window - now).total_seconds()) + 1
        raise TooManyRequests(N_("Too many attempts from your address. Please wait a few minutes and try again."),
                              retry_after=retry_after)


async def _insert_or_count(store: Store, key: str, window_start: datetime) -> None:
    if store.is_sqlite:
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]  # same upsert API, other class
    statement = insert(t.rate_limits).values(key=key, window_start=window_start, hits=1)
    # Two processes may open the same window at once: the second one counts instead.
    await store.execute(statement.on_conflict_do_update(
        index_elements=[t.rate_limits.c.key, t.rate_limits.c.window_start],
        set_={"hits": t.rate_limits.c.hits + 1}))
