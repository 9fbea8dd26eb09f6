"""The programme's version: the counter that database triggers move on every programme change.

Caches of public pages and feeds key their entries by it; reading it is the one small query a
cached answer costs, and it is what makes a change made by any process visible on the next request.
"""

from __future__ import annotations

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store

_CURRENT = sa.select(t.programme_version.c.version).where(t.programme_version.c.id == 1)


async def current(store: Store) -> int:
    return int(await store.fetch_val(_CURRENT) or 0)
