"""Reading a stored event back as an `Agenda`, the inverse of `agenda_import`."""

from __future__ import annotations

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.agenda import (
    Agenda,
    Event,
    EventFormat,
    EventStatus,
    Organisation,
    Person,
    Session,
    SessionKind,
    Venue,
    VenueKind,
    to_local,
)
from events_app.domain.agenda_file import render_agenda
from events_app.domain.errors import NotFound
from events_app.services.visits import details


async def load_agenda(store: Store, slug: str) -> Agenda:
    event_row = await store.fetch_one(sa.select(t.events).where(t.events.c.slug == slug))
    if event_row is None:
        raise NotFound(f"No event with the address {slug!r}")
    event_id, zone = event_row["id"], event_row["timezone"]

    links = await store.fetch_all(
        sa.select(t.event_organisations.c.role, t.organisations.c.key)
        .join(t.organisations, t.organisations.c.id == t.event_organisations.c.organisation_id)
        .where(t.event_organisations.c.event_id == event_id)
        .order_by(t.event_organisations.c.role, t.event_organisations.c.position))
    venue_rows = await store.fetch_all(sa.select(t.venues).where(t.venues.c.event_id == event_id)
                                       .order_by(t.venues.c.id))
    person_rows = await store.fetch_all(sa.select(t.people).where(t.people.c.event_id == event_id)
                                        .order_by(t.people.c.id))
    session_rows = await store.fetch_all(
        sa.select(t.sessions).where(t.sessions.c.event_id == event_id, t.sessions.c.cancelled_at.is_(None))
        .order_by(t.sessions.c.starts_at, t.sessions.c.id))
    speaker_rows = await store.fetch_all(
        sa.select(t.session_speakers.c.session_id, t.people.c.key)
        .join(t.people, t.people.c.id == t.session_speakers.c.person_id)
        .where(t.people.c.event_id == event_id)
        .order_by(t.session_speakers.c.session_id, t.session_speakers.c.position))

    visits = await details.details_for_export(store, event_id, zone)
    organisation_ids = {row["organisation_id"] for row in (*venue_rows, *person_rows) if row["organisation_id"]}
    organisation_ids |= {row["host_organisation_id"] for row in await store.fetch_all(
        sa.select(t.visit_details.c.host_organisation_id).where(
            t.visit_details.c.session_id.in_([row["id"] for row in session_rows] or [0]),
            t.visit_details.c.host_organisation_id.is_not(None)))}
    organisation_rows = await store.fetch_all(
        sa.select(t.organisations).where(sa.or_(
            t.organisations.c.id.in_(organisation_ids or {0}),
            t.organisations.c.id.in_(sa.select(t.event_organisations.c.organisation_id)
                                     .where(t.event_organisations.c.event_id == event_id))))
        .order_by(t.organisations.c.id))
    organisation_key = {row["id"]: row["key"] for row in organisation_rows}
    venue_key = {row["id"]: row["key"] for row in venue_rows}
    speakers: dict[int, list[str]] = {}
    for row in speaker_rows:
        speakers.setdefault(row["session_id"], []).append(row["key"])

    event = Event(
        slug=event_row["slug"], title=event_row["title"], title_en=event_row["title_en"],
        format=EventFormat(event_row["format"]), city=event_row["city"], city_en=event_row["city_en"],
        region_code=event_row["region_code"],
        timezone=zone, starts_on=event_row["starts_on"], ends_on=event_row["ends_on"],
        status=EventStatus(event_row["status"]), description=event_row["description"], note=event_row["note"],
        organiser_keys=tuple(row["key"] for row in links if row["role"] == "organiser"),
        partner_keys=tuple(row["key"] for row in links if row["role"] == "partner"),
        capacity=event_row["capacity"], moderation=bool(event_row["moderation"]),
        registration_opens=(to_local(event_row["registration_opens_at"], zone)
                            if event_row["registration_opens_at"] else None),
        registration_closes=(to_local(event_row["registration_closes_at"], zone)
                             if event_row["registration_closes_at"] else None),
        consent_version=event_row["consent_version"], consent_text=event_row["consent_text"],
    )
    return Agenda(
        event=event,
        organisations=tuple(Organisation(
            key=row["key"], name=row["name"], short_name=row["short_name"], inn=row["inn"],
            region_code=row["region_code"], website=row["website"]) for row in organisation_rows),
        venues=tuple(Venue(
            key=row["key"], name=row["name"], kind=VenueKind(row["kind"]), address=row["address"],
            latitude=row["latitude"], longitude=row["longitude"], description=row["description"],
            organisation_key=organisation_key.get(row["organisation_id"])) for row in venue_rows),
        people=tuple(Person(
            key=row["key"], name=row["name"], position=row["position"],
            organisation_key=organisation_key.get(row["organisation_id"])) for row in person_rows),
        sessions=tuple(Session(
            key=row["key"], kind=SessionKind(row["kind"]), title=row["title"], title_en=row["title_en"],
            description=row["description"], starts_at=to_local(row["starts_at"], zone),
            ends_at=to_local(row["ends_at"], zone), venue_key=venue_key.get(row["venue_id"]),
            capacity=row["capacity"], signup_required=bool(row["signup_required"]),
            speaker_keys=tuple(speakers.get(row["id"], ())), online_url=row["online_url"],
            illustrative=bool(row["illustrative"]), visit=visits.get(row["id"])) for row in session_rows),
    )


async def export_agenda(store: Store, slug: str) -> str:
    """The event as the text of an agenda file."""
    return render_agenda(await load_agenda(store, slug))
