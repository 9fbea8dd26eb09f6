"""Builders shared by the badge, attendance and certificate tests: the Syktyvkar event and its delegates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.programme.importer import import_agendas, read_agenda_files
from events_app.services.registration import signup
from events_app.settings import Settings
from tests.conftest import SCHEDULES

SLUG = "syktyvkar-2021"
REGISTERED_AT = datetime(2021, 3, 20, 9, 0, tzinfo=UTC)


async def load_event(store: Store, slug: str = SLUG) -> dict[str, int]:
    """The event from its schedule file; the ids of its sessions by key and the event's own as "event"."""
    await import_agendas(store, read_agenda_files([SCHEDULES / f"{slug}.toml"]))
    event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == slug))
    rows = await store.fetch_all(sa.select(t.sessions.c.key, t.sessions.c.id).where(t.sessions.c.event_id == event_id))
    return {**{row["key"]: row["id"] for row in rows}, "event": int(event_id)}


async def register(store: Store, settings: Settings, n: int, *, slug: str = SLUG,
                   days: tuple[str, ...] = ("2021-04-01",), **changes: Any) -> signup.RegistrationResult:
    data = {
        "surname": "Иванова", "given_name": "Анна", "patronymic": "Сергеевна", "email": f"delegate{n}@example.ru",
        "phone": f"+7 912 345-67-{n % 100:02d}", "organisation_name": f"ООО «Участник {n}»", "organisation_inn": "",
        "position": "инженер", "region_code": "11", "category": "enterprise", "days": list(days),
        "sessions": [], "consent": "on", **changes,
    }
    return await signup.register(store, settings, slug=slug, data=data, consent_ip="203.0.113.7", language="ru",
                                 now=REGISTERED_AT)
