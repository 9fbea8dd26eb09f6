"""Builders for consultation tests: slots at known moments and the people who book them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.tickets import new_secret
from events_app.services.consultations.slots import SlotForm, publish

NOW = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 10:00 in Moscow and Kirov, 11:00 in Samara


def slot_form(*, starts_at: datetime = NOW + timedelta(days=2), topic: str = "Субсидии для участников кластеров",
              specialist: str = "Груздева Светлана", timezone: str = "Europe/Kirov", minutes: int = 30,
              staff_id: int | None = None, event_id: int | None = None) -> SlotForm:
    return SlotForm(topic=topic, specialist_name=specialist, specialist_staff_id=staff_id,
                    centre="Центр «Мой бизнес» Кировской области", starts_at=starts_at, minutes=minutes,
                    timezone=timezone, place="Центр «Мой бизнес», Киров", online_url=None, event_id=event_id)


async def add_slot(store: Store, **options: Any) -> int:
    return await publish(store, slot_form(**options), now=NOW)


def person(n: int = 0, **changes: Any) -> dict[str, Any]:
    """A booking body with the registration API's names."""
    return {"surname": "Петрова", "given": "Мария", "patronymic": "Ивановна", "email": f"person{n}@example.ru",
            "phone": "+7 912 000-00-00", "organisation": f"ООО «Швейная фабрика {n}»", "inn": "7707083893",
            "consent": True, **changes}


async def add_event(store: Store, *, slug: str, timezone: str, day: date, region: str = "63") -> int:
    """A published one-day event in `timezone` (no sessions: the day's programme is empty)."""
    return await store.insert(t.events.insert().values(
        slug=slug, title=f"Практическая сессия {slug}", format="practical_session", city="Самара",
        region_code=region, timezone=timezone, starts_on=day, ends_on=day, status="published").returning(t.events.c.id))


async def add_delegate(store: Store, event_id: int, day: date, *, n: int = 0, created_at: datetime = NOW) -> int:
    """A confirmed delegate with a ticket, attending `day`."""
    registration_id = await store.insert(t.registrations.insert().values(
        event_id=event_id, status="confirmed", surname="Иванов", given_name="Пётр", email=f"delegate{n}@example.ru",
        phone="+79120000000", organisation_name="АО «Завод»", position="инженер", region_code="63",
        category="enterprise", consent_version="standard-2026-1", consent_at=created_at, language="ru",
        created_at=created_at, updated_at=created_at).returning(t.registrations.c.id))
    await store.execute(t.registration_days.insert().values(registration_id=registration_id, day=day))
    await store.execute(t.tickets.insert().values(registration_id=registration_id, secret=new_secret(),
                                                  issued_at=created_at))
    return registration_id
