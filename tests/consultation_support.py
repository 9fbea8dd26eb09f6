"""Builders for consultation tests: slots at known moments and the people who book them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from events_app.data.database import Store
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
