"""Lists of an event's registrations for organisers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.errors import N_, NotFound
from events_app.domain.registration import full_name


@dataclass(frozen=True)
class RegistrationRow:
    id: int
    status: str
    created_at: datetime
    full_name: str
    organisation: str
    email: str
    region_code: str
    category: str


async def list_registrations(store: Store, slug: str, *, status: str | None = None) -> list[RegistrationRow]:
    event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == slug))
    if event_id is None:
        raise NotFound(N_("No such event"))
    query = sa.select(t.registrations).where(t.registrations.c.event_id == event_id,
                                             t.registrations.c.erased_at.is_(None))
    if status:
        query = query.where(t.registrations.c.status == status)
    rows = await store.fetch_all(query.order_by(t.registrations.c.id))
    return [RegistrationRow(
        id=row["id"], status=row["status"], created_at=row["created_at"],
        full_name=full_name(row["surname"], row["given_name"], row["patronymic"]),
        organisation=row["organisation_name"] or "", email=row["email"] or "",
        region_code=row["region_code"], category=row["category"]) for row in rows]
