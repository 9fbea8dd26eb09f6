"""An event's reminder settings, as the organiser set them (defaults where nothing is set)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.reminders import ReminderSettings, parse_clock

_settings = t.reminder_settings


def _from_row(row: Row | None) -> ReminderSettings:
    if row is None:
        return ReminderSettings()
    return ReminderSettings(day_before_at=parse_clock(row["day_before_at"]) or ReminderSettings().day_before_at,
                            day_before=row["day_before"], consultation_day_before=row["consultation_day_before"],
                            consultation_hour_before=row["consultation_hour_before"])


async def for_event(store: Store, event_id: int) -> ReminderSettings:
    return _from_row(await store.fetch_one(sa.select(_settings).where(_settings.c.event_id == event_id)))


async def for_events(store: Store, event_ids: Iterable[int]) -> dict[int, ReminderSettings]:
    wanted = set(event_ids)
    rows = await store.fetch_all(sa.select(_settings).where(_settings.c.event_id.in_(wanted))) if wanted else []
    found = {row["event_id"]: _from_row(row) for row in rows}
    return {event_id: found.get(event_id, ReminderSettings()) for event_id in wanted}


def validate(data: Mapping[str, Any]) -> ReminderSettings:
    """The organiser's form: a time `HH:MM` and a tick for each kind."""
    at = parse_clock(str(data.get("day_before_at") or ""))
    if at is None:
        raise InvalidInput(N_("Please correct the marked fields"),
                           fields={"day_before_at": N_("Enter a time such as 10:00")})

    def ticked(name: str) -> bool:
        return str(data.get(name) or "") in ("on", "true", "1")

    return ReminderSettings(day_before_at=at, day_before=ticked("day_before"),
                            consultation_day_before=ticked("consultation_day_before"),
                            consultation_hour_before=ticked("consultation_hour_before"))


async def save(store: Store, event_id: int, chosen: ReminderSettings) -> None:
    values = {"day_before_at": chosen.day_before_at.strftime("%H:%M"), "day_before": chosen.day_before,
              "consultation_day_before": chosen.consultation_day_before,
              "consultation_hour_before": chosen.consultation_hour_before}
    async with store.transaction():
        await store.serialise(f"reminder-settings-{event_id}")
        exists = await store.fetch_val(sa.select(_settings.c.event_id).where(_settings.c.event_id == event_id))
        if exists is None:
            await store.execute(_settings.insert().values(event_id=event_id, **values))
        else:
            await store.execute(_settings.update().where(_settings.c.event_id == event_id).values(**values))
