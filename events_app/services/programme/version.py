"""The programme's version: the counter that database triggers move on every programme change.

Caches of public pages and feeds key their entries by it; reading it is the one small query a
cached answer costs, and it is what makes a change made by any process visible on the next request.

Requests that arrive together share a read: each waits for the first read that *starts* after it
arrived (never for one already on its way to the database, which may have been answered before a
change the request must see). Under a burst of public reads that is two reads in flight at most,
not one per request, and no request sees a version older than the one committed when it arrived.
"""

from __future__ import annotations

import asyncio
import weakref

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store

_CURRENT = sa.select(t.programme_version.c.version).where(t.programme_version.c.id == 1)


class _SharedReads:
    """The read in flight for one store, and the next one that later arrivals join."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: asyncio.Future[int] | None = None
        self._next: asyncio.Future[int] | None = None

    async def read(self) -> int:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a store reused under a new event loop (tests, the CLI)
            self._loop, self._running, self._next = loop, None, None
        if self._next is None:
            self._next = asyncio.ensure_future(self._read_after(self._running))
        return await asyncio.shield(self._next)

    async def _read_after(self, running: asyncio.Future[int] | None) -> int:
        if running is not None:
            await asyncio.wait([running])
        # From here on, new arrivals wait for the read after this one.
        self._running, self._next = self._next, None
        try:
            return int(await self._store.fetch_val(_CURRENT) or 0)
        finally:
            self._running = None


_shared: weakref.WeakKeyDictionary[Store, _SharedReads] = weakref.WeakKeyDictionary()


async def current(store: Store) -> int:
    shared = _shared.get(store)
    if shared is None:
        shared = _shared[store] = _SharedReads(store)
    return await shared.read()
