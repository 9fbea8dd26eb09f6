"""A site visit's buses (and cars) added, changed and removed by an organiser in the workspace.

The agenda file can describe them too (`[[sessions.visit.transport]]`). A bus added here gets a
key (`bus-3`) that the exported file names it by, so exporting and re-importing keeps it and its
seats. Each change is one transaction under the event's lock, the lock seating takes, so a bus
never shrinks below or disappears under the delegates being seated on it at the same moment;
each is written to the audit log in that transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.errors import N_, DomainError, InvalidInput, NotFound
from events_app.domain.site_visits import BusFields, next_bus_key, read_bus
from events_app.domain.staff import StaffMember
from events_app.services.registration import places
from events_app.services.staff import audit
from events_app.services.visits import details, seating
from events_app.services.visits.details import SEEN_BY_RIDERS, GroupView, VisitView
from events_app.services.visits.transport import tell
from events_app.settings import Settings


class BusNotEmpty(DomainError):
    code = "bus_not_empty"


def bus_form(group: GroupView) -> dict[str, str]:
    """The form's values for a stored bus."""
    return {"kind": group.kind, "name": group.name, "seats": str(group.seats), "plate": group.plate or "",
            "curator_name": group.curator_name or "", "curator_phone": group.curator_phone or ""}


def _values(fields: BusFields) -> dict[str, object]:
    return {**asdict(fields), "kind": fields.kind.value}


async def _visit_and_bus(store: Store, event_id: int, session_id: int, group_id: int) -> tuple[VisitView, GroupView]:
    visit = await details.get_visit(store, event_id, session_id)
    group = next((g for g in visit.groups if g.id == group_id), None)
    if group is None:
        raise NotFound(N_("This visit has no bus of that number"))
    return visit, group


async def add_bus(store: Store, *, member: StaffMember, event_id: int, session_id: int, form: Mapping[str, str],
                  ip: str | None, now: datetime) -> GroupView:
    """A new bus at the end of the visit's list; nobody is seated on it until the organiser fills the buses."""
    fields = read_bus(form)
    async with store.transaction():
        await places.lock_event(store, event_id)
        visit = await details.get_visit(store, event_id, session_id)
        if await store.fetch_val(sa.select(t.visit_details.c.session_id)
                                 .where(t.visit_details.c.session_id == session_id)) is None:
            # A visit drafted in the agenda builder has no details yet; the export needs the row.
            await store.execute(t.visit_details.insert().values(session_id=session_id))
        keys = await store.fetch_all(sa.select(t.transport_groups.c.key, t.transport_groups.c.position)
                                     .where(t.transport_groups.c.session_id == session_id))
        key = next_bus_key(fields.kind, (row["key"] for row in keys))
        position = max((row["position"] for row in keys), default=-1) + 1
        group_id = await store.insert(t.transport_groups.insert().values(
            session_id=session_id, key=key, position=position, **_values(fields)).returning(t.transport_groups.c.id))
        await audit.record(store, actor=member, action="visits.bus_add", subject=visit.title, now=now,
                           event_id=event_id, ip=ip, details={"bus": group_id, "key": key, **_values(fields)})
    return next(g for g in (await details.get_visit(store, visit.event_id, session_id)).groups if g.id == group_id)


async def save_bus(store: Store, settings: Settings, *, member: StaffMember, event_id: int, session_id: int,
                   group_id: int, form: Mapping[str, str], ip: str | None, now: datetime) -> int:
    """Change a bus. Its seats cannot fall below the delegates seated on it; when what riders see
    (name, plate, curator) changes, each of them gets a letter. Gives how many were told."""
    fields = read_bus(form)
    async with store.transaction():
        await places.lock_event(store, event_id)
        _, before = await _visit_and_bus(store, event_id, session_id, group_id)
        if fields.seats < before.taken:
            raise InvalidInput(N_("The bus was not saved: check the highlighted fields"), fields={
                "seats": N_("More delegates are already seated on this bus: move some to another bus first")})
        old = {"kind": before.kind, "name": before.name, "seats": before.seats, "plate": before.plate,
               "curator_name": before.curator_name, "curator_phone": before.curator_phone}
        new = _values(fields)
        changed = {name: [old[name], value] for name, value in new.items() if old[name] != value}
        if not changed:
            return 0
        await store.execute(t.transport_groups.update().where(t.transport_groups.c.id == group_id).values(**new))
        told = 0
        if any(name in changed for name in SEEN_BY_RIDERS):
            told = await tell_riders(store, settings, event_id, session_id, [group_id], now=now)
        visit = await details.get_visit(store, event_id, session_id)
        await audit.record(store, actor=member, action="visits.bus_update", subject=visit.title, now=now,
                           event_id=event_id, ip=ip, details={"bus": group_id, **changed, "told": told})
    return told


async def tell_riders(store: Store, settings: Settings, event_id: int, session_id: int, group_ids: Collection[int],
                      *, now: datetime) -> int:
    """Queue the letter about their bus's new name, plate or curator to the delegates seated on
    these buses of a visit, after the change is stored. Gives how many were told."""
    riders = [registration for registration, group, _ in await seating.seats_of_visit(store, session_id)
              if group in group_ids]
    if not riders:
        return 0
    return await tell(store, settings, await details.get_visit(store, event_id, session_id), riders, "bus_details",
                      now=now)


async def remove_bus(store: Store, *, member: StaffMember, event_id: int, session_id: int, group_id: int,
                     ip: str | None, now: datetime) -> None:
    """Remove a bus nobody is seated on; one with riders is refused, so nobody loses a seat unawares."""
    async with store.transaction():
        await places.lock_event(store, event_id)
        visit, group = await _visit_and_bus(store, event_id, session_id, group_id)
        if group.taken:
            raise BusNotEmpty(N_("Delegates are seated on this bus: move them to another bus before removing it"))
        # Seats of delegates who have since cancelled still point at the bus; they go with it.
        await store.execute(t.transport_seats.delete().where(t.transport_seats.c.group_id == group_id))
        await store.execute(t.transport_groups.delete().where(t.transport_groups.c.id == group_id))
        await audit.record(store, actor=member, action="visits.bus_remove", subject=visit.title, now=now,
                           event_id=event_id, ip=ip, details={"bus": group_id, "key": group.key, "name": group.name})
