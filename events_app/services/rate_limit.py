"""Rate limits kept in the database, so that every app process counts the same hits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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
        hits = await _count(store, key, window_start)
        if hits == 1:
            # Old windows are of no use; dropping them when a window opens keeps the table small
            # without a job, and costs nothing on the other hits.
            await store.execute(t.rate_limits.delete().where(
                t.rate_limits.c.window_start < window_start - limit.window))
    if hits > limit.hits:
        retry_after = int((window_start + limit.window - now).total_seconds()) + 1
        raise TooManyRequests(N_("Too many attempts from your address. Please wait a few minutes and try again."),
                              retry_after=retry_after)


async def _count(store: Store, key: str, window_start: datetime) -> int:
    """Count one hit in one statement; gives the window's hits so far. Two processes may open
    the same window at once: the upsert makes the second one count instead."""
    if store.is_sqlite:
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]  # same upsert API, other class
    statement = insert(t.rate_limits).values(key=key, window_start=window_start, hits=1)
    return int(await store.insert(statement.on_conflict_do_update(
        index_elements=[t.rate_limits.c.key, t.rate_limits.c.window_start],
        set_={"hits": t.rate_limits.c.hits + 1}).returning(t.rate_limits.c.hits)))
