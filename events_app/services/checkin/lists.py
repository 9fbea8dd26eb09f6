"""Check-in lists of an event: who each admits, how many came, and the data a phone keeps offline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from events_app import i18n
from events_app.data import tables as t
from events_app.data.checkin_queries import admission, admitted_registrations, bus_label
from events_app.data.database import Store
from events_app.domain.agenda import SessionKind
from events_app.domain.checkin import CheckinList, ListName, Reason, token_hash
from events_app.domain.errors import N_, NotFound
from events_app.domain.registration import CATEGORY_LABELS, Category, RegistrationStatus, full_name
from events_app.services.checkin.refusals import refusal_message


@dataclass(frozen=True)
class OfflineTicket:
    hash: str
    name: str
    organisation: str
    category: str
    category_label: str
    checked_in_at: datetime | None


async def lists_of_event(store: Store, event_id: int) -> list[CheckinList]:
    event = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
    assert event is not None
    closed = {row["name"] for row in await store.fetch_all(
        sa.select(t.checkin_list_states.c.name).where(t.checkin_list_states.c.event_id == event_id,
                                                      t.checkin_list_states.c.closed_at.is_not(None)))}
    result = []
    day = event["starts_on"]
    while day <= event["ends_on"]:
        name = ListName("entry", day=day)
        title = i18n.gettext(N_("Entry, %(day)s")) % {"day": i18n.format_day(day)}
        result.append(CheckinList(str(name), title, name, day, str(name) in closed))
        day += timedelta(days=1)
    sessions = await store.fetch_all(
        sa.select(t.sessions.c.id, t.sessions.c.kind, t.sessions.c.title, t.sessions.c.starts_at)
        .where(t.sessions.c.event_id == event_id, t.sessions.c.signup_required.is_(True),
               t.sessions.c.cancelled_at.is_(None)).order_by(t.sessions.c.starts_at, t.sessions.c.id))
    for session in sessions:
        kind = "visit" if session["kind"] == SessionKind.SITE_VISIT.value else "session"
        name = ListName(kind, session_id=session["id"])
        local = session["starts_at"].astimezone(_zone(event["timezone"]))
        result.append(CheckinList(str(name), f"{local:%H:%M} {session['title']}", name, local.date(),
                                  str(name) in closed))
        result.extend(await _bus_lists(store, session, local, closed))
    return result


async def _bus_lists(store: Store, session: Any, local: datetime, closed: set[str]) -> list[CheckinList]:
    """A list per bus of a site visit: its door is the bus door."""
    if session["kind"] != SessionKind.SITE_VISIT.value:
        return []
    groups = await store.fetch_all(sa.select(t.transport_groups.c.id, bus_label().label("label"))
                                   .where(t.transport_groups.c.session_id == session["id"])
                                   .order_by(t.transport_groups.c.position))
    result = []
    for group in groups:
        name = ListName("bus", session_id=session["id"], group_id=group["id"])
        result.append(CheckinList(str(name), f"{local:%H:%M} {group['label']} · {session['title']}", name, local.date(),
                                  str(name) in closed))
    return result


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


# An event's lists change when its agenda does; a scan at the door reads them every time. A
# change made by another process shows within twice this time (see `Store.remember`).
REMEMBER_SECONDS = 5.0


async def find_list(store: Store, event_id: int, name: str) -> CheckinList:
    lists = await store.remember(("checkin-lists", event_id, i18n.current_language()), REMEMBER_SECONDS,
                                 lambda: lists_of_event(store, event_id))
    for item in lists:
        if item.name == name:
            return item
    raise NotFound(N_("This event has no check-in list of that name"))


async def lists_with_counts(store: Store, event_id: int) -> list[CheckinList]:
    result = []
    for item in await lists_of_event(store, event_id):
        admitted = admitted_registrations(event_id, item).subquery()
        expected = await store.fetch_val(sa.select(sa.func.count()).select_from(admitted))
        checked_in = await store.fetch_val(
            sa.select(sa.func.count(sa.distinct(t.checkins.c.registration_id)))
            .where(t.checkins.c.event_id == event_id, t.checkins.c.list_name == item.name,
                   t.checkins.c.type == "entry"))
        result.append(CheckinList(item.name, item.title, item.list_name, item.day, item.closed,
                                  int(expected), int(checked_in)))
    return result


async def _admitted(store: Store, event_id: int, checkin_list: CheckinList) -> list[dict[str, Any]]:
    first_entry = (sa.select(t.checkins.c.registration_id, sa.func.min(t.checkins.c.scanned_at).label("at"))
                   .where(t.checkins.c.list_name == checkin_list.name, t.checkins.c.type == "entry",
                          t.checkins.c.event_id == event_id)
                   .group_by(t.checkins.c.registration_id).subquery())
    rows = await store.fetch_all(
        sa.select(t.tickets.c.secret, t.registrations.c.surname, t.registrations.c.given_name,
                  t.registrations.c.patronymic, t.registrations.c.organisation_name, t.registrations.c.category,
                  first_entry.c.at)
        .join(t.registrations, t.registrations.c.id == t.tickets.c.registration_id)
        .outerjoin(first_entry, first_entry.c.registration_id == t.registrations.c.id)
        .where(t.tickets.c.revoked_at.is_(None),
               t.registrations.c.id.in_(admitted_registrations(event_id, checkin_list)))
        .order_by(t.registrations.c.surname, t.registrations.c.given_name))
    return [{
        "secret": row["secret"],
        "name": full_name(row["surname"], row["given_name"], row["patronymic"]),
        "organisation": row["organisation_name"] or "",
        "category": row["category"],
        "category_label": i18n.gettext(CATEGORY_LABELS[Category(row["category"])]),
        "checked_in_at": row["at"],
    } for row in rows]


async def turned_away(store: Store, event_id: int, checkin_list: CheckinList) -> list[dict[str, Any]]:
    """Confirmed delegates this list does not admit though the door should name why: on an entry
    list those who come on other days (with their days), on a bus list those seated on another bus
    of the visit (with that bus). Each with the door's own words for the refusal."""
    name = checkin_list.list_name
    admitted = admitted_registrations(event_id, checkin_list)
    people = (sa.select(t.tickets.c.secret, t.registrations.c.id, t.registrations.c.surname,
                        t.registrations.c.given_name, t.registrations.c.patronymic,
                        t.registrations.c.organisation_name, t.registrations.c.category)
              .join(t.registrations, t.registrations.c.id == t.tickets.c.registration_id)
              .where(t.registrations.c.event_id == event_id, t.tickets.c.revoked_at.is_(None),
                     t.registrations.c.status == RegistrationStatus.CONFIRMED.value,
                     t.registrations.c.id.not_in(admitted)))
    found: dict[int, dict[str, Any]] = {}
    if name.kind == "entry":
        rows = await store.fetch_all(
            people.add_columns(t.registration_days.c.day.label("detail"))
            .outerjoin(t.registration_days, t.registration_days.c.registration_id == t.registrations.c.id)
            .order_by(t.registrations.c.surname, t.registrations.c.given_name, t.registration_days.c.day))
    elif name.kind == "bus":
        rows = await store.fetch_all(
            people.add_columns(bus_label().label("detail"))
            .join(t.transport_seats, t.transport_seats.c.registration_id == t.registrations.c.id)
            .join(t.transport_groups, t.transport_groups.c.id == t.transport_seats.c.group_id)
            .where(t.transport_seats.c.session_id == name.session_id, t.transport_seats.c.group_id != name.group_id,
                   admission("visit", day=None, session_id=name.session_id, group_id=None))
            .order_by(t.registrations.c.surname, t.registrations.c.given_name))
    else:
        return []
    for row in rows:
        person = found.setdefault(row["id"], {
            "secret": row["secret"],
            "name": full_name(row["surname"], row["given_name"], row["patronymic"]),
            "organisation": row["organisation_name"] or "",
            "category": row["category"],
            "category_label": i18n.gettext(CATEGORY_LABELS[Category(row["category"])]),
            "details": [],
        })
        if row["detail"] is not None:
            person["details"].append(row["detail"])
    return [_refusal(person, name.kind) for person in found.values()]


def _refusal(person: dict[str, Any], kind: str) -> dict[str, Any]:
    """A turned-away delegate with the door's reason and words: their bus, or their days."""
    details = person.pop("details")
    language = i18n.current_language()
    translations = i18n.translations(language)
    if kind == "bus":
        reason = Reason.WRONG_BUS
        message = refusal_message(translations, language, reason, bus=details[0])
    else:
        reason = Reason.WRONG_DAY
        message = refusal_message(translations, language, reason, ticket_days=details)
    return {**person, "reason": reason.value, "message": message}


async def offline_tickets(store: Store, event_id: int, checkin_list: CheckinList) -> list[OfflineTicket]:
    """What a phone needs to decide without the network: hashed secrets and names, no more."""
    return [OfflineTicket(hash=token_hash(row["secret"]), name=row["name"], organisation=row["organisation"],
                          category=row["category"], category_label=row["category_label"],
                          checked_in_at=row["checked_in_at"])
            for row in await _admitted(store, event_id, checkin_list)]


async def offline_refusals(store: Store, event_id: int, checkin_list: CheckinList) -> list[dict[str, Any]]:
    """`turned_away` as a phone keeps it: the secret only as its SHA-256."""
    return [{"hash": token_hash(person.pop("secret")), **person}
            for person in await turned_away(store, event_id, checkin_list)]


async def secret_by_hash(store: Store, event_id: int, ticket_hash: str) -> str | None:
    """The secret of the event's ticket with this SHA-256, or None. Only offline admissions made
    from the phone's own search come this way, so each ticket is hashed here rather than keeping
    a column of hashes for them."""
    secrets = await store.fetch_all(sa.select(t.tickets.c.secret)
                                    .join(t.registrations, t.registrations.c.id == t.tickets.c.registration_id)
                                    .where(t.registrations.c.event_id == event_id))
    return next((row["secret"] for row in secrets if token_hash(row["secret"]) == ticket_hash), None)


async def search(store: Store, event_id: int, checkin_list: CheckinList,
                 text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Delegates of the list by name or organisation, for someone who came without their phone;
    then those found whom the list turns away (another day, another bus), with the reason.

    Matched in Python: SQLite's lower() folds only Latin letters, and a list is a few thousand
    people at most.
    """
    words = [word.casefold() for word in text.split() if word][:4]
    if not words:
        return [], []

    def matching(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [row for row in rows
                if all(word in f"{row['name']} {row['organisation']}".casefold() for word in words)][:SEARCH_LIMIT]

    return (matching(await _admitted(store, event_id, checkin_list)),
            matching(await turned_away(store, event_id, checkin_list)))


SEARCH_LIMIT = 20
