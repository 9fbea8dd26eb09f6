"""The audit log: who changed or exported what, and when. Written inside the change's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.staff import StaffMember


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    event_id: int | None
    event_slug: str | None
    event_title: str | None  # shown to people, with its English variant, where the slug is a code
    event_title_en: str | None
    action: str
    subject: str
    details: dict[str, Any]
    ip: str | None


async def record(store: Store, *, actor: StaffMember | None, action: str, subject: str, now: datetime,
                 event_id: int | None = None, details: dict[str, Any] | None = None, ip: str | None = None,
                 actor_label: str | None = None, staff_id: int | None = None) -> None:
    """Append one entry. Call it in the same transaction as the change, so neither exists alone.
    Without a signed-in `actor`, `actor_label` and `staff_id` say who it was (a sign-in, the CLI)."""
    await store.execute(t.audit_log.insert().values(
        at=now, staff_id=actor.id if actor else staff_id, actor=actor.email if actor else (actor_label or "system"),
        event_id=event_id, action=action, subject=subject[:500],
        details=json.dumps(details, ensure_ascii=False, default=str) if details else None, ip=ip))


async def entries(store: Store, *, event_ids: frozenset[int] | None, limit: int = 200,
                  action: str | None = None, own_staff_id: int | None = None) -> list[AuditEntry]:
    """Newest first: entries about `event_ids` and those by `own_staff_id`; `event_ids=None`
    means every entry (an admin's view)."""
    query = (sa.select(t.audit_log, t.events.c.slug, t.events.c.title.label("event_title"),
                       t.events.c.title_en.label("event_title_en"))
             .select_from(t.audit_log.outerjoin(t.events, t.events.c.id == t.audit_log.c.event_id))
             .order_by(t.audit_log.c.id.desc()).limit(limit))
    if event_ids is not None:
        query = query.where(sa.or_(t.audit_log.c.event_id.in_(sorted(event_ids)),
                                   t.audit_log.c.staff_id == own_staff_id))
    if action:
        query = query.where(t.audit_log.c.action == action)
    rows = await store.fetch_all(query)
    return [AuditEntry(id=row["id"], at=row["at"], actor=row["actor"], event_id=row["event_id"],
                       event_slug=row["slug"], event_title=row["event_title"], event_title_en=row["event_title_en"],
                       action=row["action"], subject=row["subject"],
                       details=json.loads(row["details"]) if row["details"] else {}, ip=row["ip"])
            for row in rows]
