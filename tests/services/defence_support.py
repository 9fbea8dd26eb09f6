"""Helpers for the defence tests: the Syktyvkar event loaded, staff members with roles, a block."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.staff import Role, StaffMember
from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView
from tests.factories import load_event, staff

SLUG = "syktyvkar-2021"


@dataclass(frozen=True)
class Setting:
    event: EventView
    block_id: int
    organiser: StaffMember


async def staff_member(store: Store, event_id: int, email: str, *roles: Role, name: str | None = None) -> StaffMember:
    """An account with roles in the event; these tests never sign in, so it has no password."""
    return await staff(store, email, *roles, event_id=event_id, name=name, password=None)


async def load(store: Store) -> Setting:
    await load_event(store, SLUG)
    event = await catalogue.get_event(store, SLUG)
    block_id = await store.fetch_val(sa.select(t.sessions.c.id).where(t.sessions.c.key == "project-defence"))
    organiser = await staff_member(store, event.id, "organiser@example.ru", Role.ORGANISER)
    return Setting(event=event, block_id=block_id, organiser=organiser)


def slot_form(title: str, talk: int = 15, questions: int = 5, **changes: str) -> dict[str, str]:
    return {"project_title": title, "organisations": f"ООО «{title}»", "regions": "", "presenters": "Иванов Иван",
            "talk_minutes": str(talk), "question_minutes": str(questions), **changes}
