"""The demo's consultation slots: series read from `schedules/consultations/*.toml`, laid out on
the days after the day the demo is loaded, so that there is always something free to book."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.agenda import to_utc
from events_app.domain.reminders import parse_clock
from events_app.services.consultations.slots import SlotForm, publish


class ConsultationFileError(ValueError):
    """A demo consultation file is malformed; the message names the file and the entry."""


def read_series(path: Path, *, today: date) -> list[SlotForm]:
    """Every slot a file describes: each series repeats its times on its days after `today`."""
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    centre = data.get("centre", {})
    zone = centre.get("timezone", "Europe/Moscow")
    forms = []
    for number, series in enumerate(data.get("series", []), start=1):
        try:
            days = [int(day) for day in series["days_ahead"]]
            times = [parse_clock(str(value)) for value in series["times"]]
            if any(value is None for value in times) or any(day < 1 for day in days):
                raise ValueError("times are HH:MM and days_ahead are 1 or more")
            for day in days:
                for at in times:
                    assert at is not None
                    forms.append(SlotForm(
                        topic=series["topic"], specialist_name=series["specialist"], specialist_staff_id=None,
                        centre=centre.get("name"),
                        starts_at=to_utc(datetime.combine(today + timedelta(days=day), at), zone),
                        minutes=int(series.get("minutes", 30)), timezone=zone,
                        place=series.get("place", centre.get("place")), online_url=series.get("online_url"),
                        event_id=None))
        except (KeyError, TypeError, ValueError) as error:
            raise ConsultationFileError(f"{path.name}: series {number}: {error}") from error
    return forms


async def load_demo_slots(store: Store, files: Sequence[Path], *, today: date, now: datetime) -> int:
    """Publish the files' slots, tied to the event named in a file's `[centre] event`, if loaded."""
    count = 0
    for path in files:
        event_slug = tomllib.loads(path.read_text(encoding="utf-8")).get("centre", {}).get("event")
        event_id = (await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == event_slug))
                    if event_slug else None)
        for form in read_series(path, today=today):
            await publish(store, SlotForm(**{**form.__dict__, "event_id": event_id}), now=now)
            count += 1
    return count
