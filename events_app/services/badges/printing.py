"""Badges: which delegates get one, the event's category legend, the PDF, and marking it printed.

The PDF is drawn in a worker thread (a thousand badges take a few seconds of CPU), and the
badges count as printed in the same transaction that reads who gets one.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain import badges
from events_app.domain.badges import BadgeCard, BadgeEvent, Layout, Legend
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.regions import region_by_code
from events_app.domain.registration import CATEGORY_LABELS, Category, RegistrationStatus
from events_app.domain.staff import StaffMember
from events_app.domain.tickets import ticket_url
from events_app.services.staff import audit
from events_app.settings import Settings

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class BadgeFilters:
    """Who is printed: a category, the delegates of one day, only those never printed; or given ids."""

    category: str = ""
    day: date | None = None
    not_printed: bool = False
    registration_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class BadgeBatch:
    pdf: bytes
    count: int


async def _event(store: Store, event_id: int) -> Row:
    row = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
    if row is None:
        raise NotFound(N_("No such event"))
    return row


async def event_id_by_slug(store: Store, slug: str) -> int:
    event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == slug))
    if event_id is None:
        raise NotFound(N_("No such event"))
    return int(event_id)


async def legends(store: Store, event_id: int) -> dict[str, Legend]:
    """Every category's band: the organiser's words and colour where set, else the defaults (in Russian:
    badges are printed in Russian whatever the organiser's interface language)."""
    russian = i18n.translations("ru")
    found = {Category(category).value: Legend(label=russian.gettext(label), colour=badges.DEFAULT_COLOURS[category])
             for category, label in CATEGORY_LABELS.items()}
    for row in await store.fetch_all(sa.select(t.badge_legends).where(t.badge_legends.c.event_id == event_id)):
        found[row["category"]] = Legend(label=row["label"], colour=row["colour"])
    return found


async def save_legend(store: Store, *, event_id: int, entries: dict[str, tuple[str, str]], actor: StaffMember | None,
                      now: datetime, ip: str | None = None) -> None:
    """Replace the event's legend: `entries` maps a category to (label, colour)."""
    problems: dict[str, str] = {}
    for category, (label, colour) in entries.items():
        if category not in Category.__members__.values():
            problems[category] = N_("Unknown category")
        elif not label.strip() or len(label) > 60:
            problems[f"label_{category}"] = N_("Write the band's words, up to 60 characters")
        elif not COLOUR.match(colour):
            problems[f"colour_{category}"] = N_("Choose a colour")
    if problems:
        raise InvalidInput(N_("Some bands need attention"), fields=problems)
    async with store.transaction():
        await store.execute(t.badge_legends.delete().where(t.badge_legends.c.event_id == event_id))
        for category, (label, colour) in entries.items():
            await store.execute(t.badge_legends.insert().values(
                event_id=event_id, category=category, label=" ".join(label.split()), colour=colour.lower()))
        await audit.record(store, actor=actor, action="badges.legend", subject="", now=now, event_id=event_id,
                           ip=ip)


def _cards_query(event_id: int, filters: BadgeFilters) -> sa.Select:
    r = t.registrations
    live_ticket = (sa.select(t.tickets.c.secret).where(t.tickets.c.registration_id == r.c.id,
                                                       t.tickets.c.revoked_at.is_(None))
                   .order_by(t.tickets.c.id.desc()).limit(1).scalar_subquery())
    query = (sa.select(r.c.id, r.c.surname, r.c.given_name, r.c.patronymic, r.c.organisation_name, r.c.region_code,
                       r.c.category, live_ticket.label("secret"))
             .where(r.c.event_id == event_id, r.c.status == RegistrationStatus.CONFIRMED.value,
                    r.c.erased_at.is_(None)))
    if filters.category:
        query = query.where(r.c.category == filters.category)
    if filters.day is not None:
        query = query.where(sa.exists().where(t.registration_days.c.registration_id == r.c.id,
                                              t.registration_days.c.day == filters.day))
    if filters.not_printed:
        query = query.where(~sa.exists().where(t.badge_prints.c.registration_id == r.c.id))
    if filters.registration_ids:
        query = query.where(r.c.id.in_(filters.registration_ids))
    return query


def _card(row: Row, base_url: str) -> BadgeCard:
    region = region_by_code(row["region_code"])
    return BadgeCard(
        surname=row["surname"] or "",
        given_names=" ".join(part for part in (row["given_name"], row["patronymic"]) if part),
        organisation=row["organisation_name"] or "",
        region=region.name_ru if region else row["region_code"],
        category=row["category"],
        # A delegate without a live ticket still gets a badge; its code then opens nothing.
        ticket_url=ticket_url(base_url, row["secret"]) if row["secret"] else base_url,
    )


async def count_unprinted(store: Store, event_id: int) -> int:
    rows = await store.fetch_all(_cards_query(event_id, BadgeFilters(not_printed=True)))
    return len(rows)


async def print_badges(store: Store, settings: Settings, *, event_id: int, filters: BadgeFilters, layout: Layout,
                       now: datetime, actor: StaffMember | None = None, actor_label: str | None = None,
                       ip: str | None = None) -> BadgeBatch:
    """The badges' PDF, sorted by surname in Russian order; each one printed counts as printed."""
    if filters.category and filters.category not in Category.__members__.values():
        raise InvalidInput(N_("Unknown category"), fields={"category": N_("Unknown category")})
    event = await _event(store, event_id)
    async with store.transaction():
        rows = await store.fetch_all(_cards_query(event_id, filters))
        ids = [row["id"] for row in rows]
        await _mark_printed(store, ids, now=now)
        await audit.record(store, actor=actor, actor_label=actor_label, action="badges.print",
                           subject=str(len(ids)), now=now, event_id=event_id, ip=ip,
                           details={"layout": layout.value, "category": filters.category or None,
                                    "day": filters.day, "not_printed": filters.not_printed,
                                    "registrations": ids if filters.registration_ids else None})
    cards = badges.badge_order(_card(row, settings.base_url) for row in rows)
    with i18n.language("ru"):
        dates = i18n.format_date_range(event["starts_on"], event["ends_on"])
    shown = BadgeEvent(title=event["title"], dates=dates)
    found_legends = await legends(store, event_id)
    pdf = await asyncio.to_thread(badges.badges_pdf, cards, shown, found_legends, layout=layout,
                                  title=f"Бейджи · {event['title']}")
    return BadgeBatch(pdf=pdf, count=len(cards))


async def _mark_printed(store: Store, registration_ids: Sequence[int], *, now: datetime) -> None:
    if not registration_ids:
        return
    if store.is_sqlite:
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]  # same call, the dialect's subclass
    for start in range(0, len(registration_ids), 500):
        chunk = registration_ids[start:start + 500]
        statement = insert(t.badge_prints).values([{"registration_id": rid, "printed_at": now, "times": 1}
                                                   for rid in chunk])
        await store.execute(statement.on_conflict_do_update(
            index_elements=[t.badge_prints.c.registration_id],
            set_={"printed_at": now, "times": t.badge_prints.c.times + 1}))


async def printed_at(store: Store, registration_id: int) -> datetime | None:
    value = await store.fetch_val(sa.select(t.badge_prints.c.printed_at)
                                  .where(t.badge_prints.c.registration_id == registration_id))
    return value
