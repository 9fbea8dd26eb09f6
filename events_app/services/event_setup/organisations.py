"""The organisers and partners of an event, and the organisations behind them.

Organisations are shared between events by their key (agenda files name them by it), so
editing one changes it for every event that lists it; an event keeps its own order of
organisers and of partners.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.agenda_file import KEY_PATTERN
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.inn import MSG_CHECKSUM, MSG_DIGITS, InvalidINN, validate_inn
from events_app.domain.regions import is_region_code
from events_app.services.event_setup.events import Actor, Form, changes, required_field, text_field
from events_app.services.staff import audit

ROLES = ("organiser", "partner")
URL_PATTERN = re.compile(r"^https?://[^\s/]+\.[^\s]+$")


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    key: str
    name: str
    short_name: str | None
    inn: str | None
    region_code: str | None
    website: str | None

    def form(self) -> dict[str, str]:
        return {"key": self.key, "name": self.name, "short_name": self.short_name or "", "inn": self.inn or "",
                "region_code": self.region_code or "", "website": self.website or ""}


@dataclass(frozen=True)
class EventOrganisation:
    role: str
    position: int
    organisation: OrganisationRow



def _organisation_row(row: Row) -> OrganisationRow:
    return OrganisationRow(id=int(row["id"]), key=str(row["key"]), name=str(row["name"]),
                           short_name=row["short_name"], inn=row["inn"], region_code=row["region_code"],
                           website=row["website"])


async def all_organisations(store: Store) -> list[OrganisationRow]:
    rows = await store.fetch_all(sa.select(t.organisations).order_by(t.organisations.c.name))
    return [_organisation_row(row) for row in rows]


async def organisation(store: Store, key: str) -> OrganisationRow:
    row = await store.fetch_one(sa.select(t.organisations).where(t.organisations.c.key == key))
    if row is None:
        raise NotFound(N_("No such organisation"))
    return _organisation_row(row)


async def event_organisations(store: Store, event_id: int) -> list[EventOrganisation]:
    rows = await store.fetch_all(
        sa.select(t.event_organisations.c.role, t.event_organisations.c.position, t.organisations)
        .join(t.organisations, t.organisations.c.id == t.event_organisations.c.organisation_id)
        .where(t.event_organisations.c.event_id == event_id)
        .order_by(t.event_organisations.c.role, t.event_organisations.c.position))
    return [EventOrganisation(role=row["role"], position=row["position"], organisation=_organisation_row(row))
            for row in rows]


def _check_organisation(form: Form) -> tuple[dict[str, object], dict[str, str]]:
    errors: dict[str, str] = {}
    inn = text_field(form, "inn")
    if inn is not None:
        try:
            inn = validate_inn(inn)
        except InvalidINN as error:
            errors["inn"] = {MSG_DIGITS: N_("The INN has only digits"),
                             MSG_CHECKSUM: N_("The INN's check digit is wrong: check the number")}.get(
                str(error), N_("The INN has 10 digits (an organisation) or 12 (a sole trader)"))
    region = text_field(form, "region_code")
    if region is not None and not is_region_code(region):
        errors["region_code"] = N_("Choose the region")
    website = text_field(form, "website")
    if website is not None and not URL_PATTERN.match(website):
        errors["website"] = N_("Enter an address such as https://example.ru")
    values: dict[str, object] = {"name": required_field(form, "name", errors, N_("Enter the organisation's name")),
                                 "short_name": text_field(form, "short_name"), "inn": inn, "region_code": region,
                                 "website": website}
    return values, errors


async def _append(store: Store, event_id: int, organisation_id: int, role: str) -> None:
    """Put the organisation last among the event's `role`s (or leave it where it is)."""
    listed = await store.fetch_val(sa.select(t.event_organisations.c.position).where(
        t.event_organisations.c.event_id == event_id, t.event_organisations.c.organisation_id == organisation_id,
        t.event_organisations.c.role == role))
    if listed is not None:
        return
    last = await store.fetch_val(sa.select(sa.func.max(t.event_organisations.c.position)).where(
        t.event_organisations.c.event_id == event_id, t.event_organisations.c.role == role))
    await store.execute(t.event_organisations.insert().values(
        event_id=event_id, organisation_id=organisation_id, role=role, position=(last + 1) if last is not None else 0))


async def add_new_organisation(store: Store, event_id: int, form: Form, *, actor: Actor) -> None:
    """A new shared organisation, listed as an organiser or partner of this event."""
    values, errors = _check_organisation(form)
    key = form.get("key", "").strip()
    if not KEY_PATTERN.match(key):
        errors["key"] = N_("Use lower-case Latin letters, digits and hyphens, such as kirov-region")
    elif await store.fetch_val(sa.select(t.organisations.c.id).where(t.organisations.c.key == key)) is not None:
        errors["key"] = N_("An organisation with this key exists: choose it from the list above")
    role = form.get("role", "")
    if role not in ROLES:
        errors["role"] = N_("Choose organiser or partner")
    if errors:
        raise InvalidInput(N_("The organisation could not be added"), fields=errors)
    async with store.transaction():
        await store.serialise("agenda-import")  # the importer upserts organisations by key too
        organisation_id = await store.insert(t.organisations.insert().values(key=key, **values)
                                             .returning(t.organisations.c.id))
        await _append(store, event_id, organisation_id, role)
        await audit.record(store, actor=actor.member, action="organisation.create", subject=str(values["name"]),
                           event_id=event_id, details={"key": key, "listed_as": role,
                                                       **{k: v for k, v in values.items() if v is not None}},
                           ip=actor.ip, now=actor.now)


async def link_organisation(store: Store, event_id: int, key: str, role: str, *, actor: Actor) -> None:
    errors: dict[str, str] = {}
    organisation_id = await store.fetch_val(sa.select(t.organisations.c.id).where(t.organisations.c.key == key))
    if organisation_id is None:
        errors["existing"] = N_("Choose an organisation from the list")
    if role not in ROLES:
        errors["existing_role"] = N_("Choose organiser or partner")
    if errors:
        raise InvalidInput(N_("The organisation could not be added"), fields=errors)
    async with store.transaction():
        await _append(store, event_id, int(organisation_id), role)
        name = await store.fetch_val(sa.select(t.organisations.c.name).where(t.organisations.c.id == organisation_id))
        await audit.record(store, actor=actor.member, action="event.organisation_add", subject=str(name),
                           event_id=event_id, details={"key": key, "listed_as": role}, ip=actor.ip, now=actor.now)


async def update_organisation(store: Store, event_id: int, key: str, form: Form, *, actor: Actor) -> None:
    """Change a shared organisation (every event listing it shows the change)."""
    found = await organisation(store, key)
    values, errors = _check_organisation(form)
    if errors:
        raise InvalidInput(N_("The organisation could not be saved"), fields=errors)
    changed = changes(dict(found.form()), {k: "" if v is None else v for k, v in values.items()})
    if not changed:
        return
    async with store.transaction():
        await store.execute(t.organisations.update().where(t.organisations.c.id == found.id).values(**values))
        await audit.record(store, actor=actor.member, action="organisation.update",
                           subject=str(values["name"]), event_id=event_id, details={"key": key, **changed},
                           ip=actor.ip, now=actor.now)


async def _ordered(store: Store, event_id: int, role: str) -> list[int]:
    return [row["organisation_id"] for row in await store.fetch_all(
        sa.select(t.event_organisations.c.organisation_id)
        .where(t.event_organisations.c.event_id == event_id, t.event_organisations.c.role == role)
        .order_by(t.event_organisations.c.position))]


async def _renumber(store: Store, event_id: int, role: str, order: list[int]) -> None:
    for position, organisation_id in enumerate(order):
        await store.execute(t.event_organisations.update().where(
            t.event_organisations.c.event_id == event_id, t.event_organisations.c.role == role,
            t.event_organisations.c.organisation_id == organisation_id).values(position=position))


async def move_organisation(store: Store, event_id: int, key: str, role: str, step: int, *, actor: Actor) -> None:
    """Move one place up (-1) or down (+1) among the event's organisers or partners."""
    found = await organisation(store, key)
    async with store.transaction():
        order = await _ordered(store, event_id, role)
        if found.id not in order:
            raise NotFound(N_("The organisation is not listed for this event"))
        index = order.index(found.id)
        target = min(max(index + step, 0), len(order) - 1)
        order.insert(target, order.pop(index))
        await _renumber(store, event_id, role, order)
        await audit.record(store, actor=actor.member, action="event.organisation_move", subject=found.name,
                           event_id=event_id, details={"key": key, "listed_as": role, "position": target + 1},
                           ip=actor.ip, now=actor.now)


async def unlink_organisation(store: Store, event_id: int, key: str, role: str, *, actor: Actor) -> None:
    """Take the organisation off this event's list; it stays for other events and venues."""
    found = await organisation(store, key)
    async with store.transaction():
        await store.execute(t.event_organisations.delete().where(
            t.event_organisations.c.event_id == event_id, t.event_organisations.c.role == role,
            t.event_organisations.c.organisation_id == found.id))
        await _renumber(store, event_id, role, await _ordered(store, event_id, role))
        await audit.record(store, actor=actor.member, action="event.organisation_remove", subject=found.name,
                           event_id=event_id, details={"key": key, "listed_as": role}, ip=actor.ip, now=actor.now)
