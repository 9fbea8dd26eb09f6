"""The demo: the seed schedules moved forward so that their registration is open today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.agenda import Agenda


async def has_events(store: Store) -> bool:
    return bool(await store.fetch_val(sa.select(sa.func.count()).select_from(t.events)))


def demo_start_dates(agendas: Sequence[Agenda], today: date) -> dict[str, date]:
    """A start date for each event, a week apart in their original order, from a week after `today`.

    Each event keeps its weekday, so «1 апреля, четверг» stays a Thursday.
    """
    starts: dict[str, date] = {}
    for week, agenda in enumerate(sorted(agendas, key=lambda a: a.event.starts_on), start=1):
        earliest = today + timedelta(weeks=week)
        original = agenda.event.starts_on
        starts[agenda.event.slug] = earliest + timedelta(days=(original.weekday() - earliest.weekday()) % 7)
    return starts
