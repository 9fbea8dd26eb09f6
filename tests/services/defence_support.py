"""Helpers for the defence tests: the Syktyvkar event loaded, staff members with roles, a block."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.staff import Role, StaffMember
from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView
from events_app.services.programme.importer import import_agendas, read_agenda_files
from tests.conftest import SCHEDULES

NOW = datetime(2021, 3, 20, 9, 0, tzinfo=UTC)
SLUG = "syktyvkar-2021"


@dataclass(frozen=True)
class Setting:
    event: EventView
    block_id: int
    organiser: StaffMember


async def staff_member(store: Store, event_id: int, email: str, *roles: Role, name: str | None = None) -> StaffMember:
    """An account written straight into the tables (no password hashing: these tests never sign in)."""
    staff_id = await store.insert(t.staff.insert().values(
        email=email, name=name or email.split("@")[0], password_hash="-", is_admin=False, created_at=NOW)
        .returning(t.staff.c.id))
    for role in roles:
        await store.execute(t.staff_roles.insert().values(staff_id=staff_id, event_id=event_id, role=role.value,
                                                          visitor_data=False))
    return StaffMember(id=staff_id, email=email, name=name or email.split("@")[0], is_admin=False,
                       roles={event_id: frozenset(roles)})


async def load(store: Store) -> Setting:
    await import_agendas(store, read_agenda_files([SCHEDULES / f"{SLUG}.toml"]))
    event = await catalogue.get_event(store, SLUG)
    block_id = await store.fetch_val(sa.select(t.sessions.c.id).where(t.sessions.c.key == "project-defence"))
    organiser = await staff_member(store, event.id, "organiser@example.ru", Role.ORGANISER)
    return Setting(event=event, block_id=block_id, organiser=organiser)


def slot_form(title: str, talk: int = 15, questions: int = 5, **changes: str) -> dict[str, str]:
    return {"project_title": title, "organisations": f"ООО «{title}»", "regions": "", "presenters": "Иванов Иван",
            "talk_minutes": str(talk), "question_minutes": str(questions), **changes}
