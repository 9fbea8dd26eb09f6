"""The shared factories as the badge, join-link and attendance tests use them: the event's ids in
one dict (sessions by key, the event's own as "event"), delegates with a patronymic."""

from __future__ import annotations

from typing import Any

from events_app.data.database import Store
from events_app.services.registration.signup import RegistrationResult
from events_app.settings import Settings
from tests import factories

SLUG = factories.SLUG


async def load_event(store: Store, slug: str = SLUG) -> dict[str, int]:
    loaded = await factories.load_event(store, slug)
    return {**loaded.sessions, "event": loaded.id}


async def register(store: Store, settings: Settings, n: int, *, slug: str = SLUG,
                   days: tuple[str, ...] = (factories.FIRST_DAY,), **changes: Any) -> RegistrationResult:
    return await factories.register(store, settings, n, slug=slug, days=list(days),
                                    **{"patronymic": "Сергеевна", **changes})
