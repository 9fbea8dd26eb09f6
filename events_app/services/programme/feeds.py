"""Calendar feeds and programme exports: the programme loaded for them, the documents built by the domain.

Feeds carry cancelled sessions too, marked cancelled, so subscribed calendars drop them; the
schedule files and spreadsheets show the programme as it stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache

import sqlalchemy as sa
from babel.dates import format_date

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain import agenda_sheet, frab, ics
from events_app.domain.agenda import SESSION_KIND_LABELS
from events_app.domain.errors import N_, NotFound
from events_app.domain.registration import ENDED, ChoiceStatus
from events_app.services.attendance import join_links
from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView, SessionView
from events_app.services.visits import details
from events_app.settings import Settings

# Conference apps need a room for every session; a lunch or a transfer may have no venue.
GENERAL_ROOM = "Общая программа"
# Public documents never carry a webinar's address: each delegate has their own join link.
PERSONAL_LINK_LINE = "Ссылка для подключения — личная: в письме участника, в личном кабинете и в личном календаре"


@dataclass(frozen=True)
class Publication:
    """Where the documents point and how they name session kinds (in Russian: see `domain.ics`)."""

    base_url: str
    host: str
    kind_labels: Mapping[str, str]

    def kind_label(self, kind: str) -> str:
        return self.kind_labels.get(kind, kind)

    def session_url(self, event: EventView, session_id: int) -> str:
        return f"{self.base_url}/events/{event.slug}/sessions/{session_id}"


def calendar_item(event: EventView, session: SessionView, publication: Publication, *,
                  extra_lines: Sequence[str] = (), join_url: str | None = None) -> ics.FeedItem:
    """A session as a calendar entry. The personal feed passes its own lines (meeting point, bus)
    and the delegate's own join link; every other feed says where the personal link is."""
    if session.online_url and join_url is None:
        extra_lines = (*extra_lines, PERSONAL_LINK_LINE)
    session = replace(session, online_url=join_url) if session.online_url else session
    venue = session.venue
    geo = None
    if venue is not None and venue.latitude is not None and venue.longitude is not None:
        geo = (venue.latitude, venue.longitude)
    return ics.FeedItem(
        uid=ics.session_uid(session.id, publication.host),
        sequence=session.sequence,
        last_modified=session.updated_at or session.starts_at,
        cancelled=session.cancelled_at is not None,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        timezone=event.timezone,
        location=session.place_for_calendars,
        geo=geo,
        url=publication.session_url(event, session.id),
        description=session.text_for_calendars,
        extra_lines=tuple(extra_lines),
        online_url=session.online_url,
        categories=(publication.kind_label(session.kind),),
    )


async def event_calendar(store: Store, slug: str, publication: Publication, *,
                         day: str | None = None, kind: str | None = None) -> bytes:
    """The event's programme as a calendar, optionally one day's or one kind's sessions."""
    event = await catalogue.get_event(store, slug)
    chosen_day = catalogue.parse_day(event, day)
    chosen_kind = catalogue.parse_kind(kind)
    sessions = await catalogue.list_feed_sessions(store, event, day=chosen_day, kind=chosen_kind)
    name = event.title
    if chosen_kind is not None:
        name += f" — {publication.kind_label(chosen_kind.value)}"
    if chosen_day is not None:
        name += f", {format_date(chosen_day, 'd MMMM', locale='ru')}"
    return calendar_bytes(tuple(calendar_item(event, session, publication) for session in sessions),
                          name=name, timezone=event.timezone, covers=(event.starts_on, event.ends_on))


async def session_calendar(store: Store, slug: str, session_id: int, publication: Publication) -> bytes:
    """One session, for "add to calendar". A cancelled one is still served, marked cancelled."""
    event = await catalogue.get_event(store, slug)
    found = await catalogue.list_feed_sessions(store, event, session_id=session_id)
    if not found:
        raise NotFound(N_("No such session in this event's programme"))
    session = found[0]
    return calendar_bytes((calendar_item(event, session, publication),), name=f"{session.title} · {event.title}",
                          timezone=event.timezone)


@lru_cache(maxsize=16)
def calendar_bytes(items: tuple[ics.FeedItem, ...], *, name: str, timezone: str | None = None,
                   covers: tuple[date, date] | None = None) -> bytes:
    """`ics.build_calendar`, remembering the last few results.

    icalendar takes about a second for a thousand sessions, ten times the loading, and
    subscribed clients poll the same unchanged feed over and over. Equal items give equal
    bytes, so a repeated request, and its 304, costs the loading and a hash; the items are the key.
    """
    return ics.build_calendar(items, name=name, timezone=timezone, covers=covers)


async def schedule_xml(store: Store, slug: str, publication: Publication) -> bytes:
    conference, talks = await _schedule(store, slug, publication, "xml")
    return frab.schedule_xml(conference, talks)


async def schedule_json(store: Store, slug: str, publication: Publication) -> bytes:
    conference, talks = await _schedule(store, slug, publication, "json")
    return frab.schedule_json(conference, talks)


async def _schedule(store: Store, slug: str, publication: Publication, extension: str
                    ) -> tuple[frab.Conference, list[frab.Talk]]:
    event = await catalogue.get_event(store, slug)
    sessions = await catalogue.list_feed_sessions(store, event)
    event_url = f"{publication.base_url}/events/{event.slug}"
    conference = frab.Conference(
        title=event.title, acronym=frab.acronym_for(event.slug), timezone=event.timezone,
        starts_on=event.starts_on, ends_on=event.ends_on, url=event_url, base_url=publication.base_url,
        schedule_url=f"{event_url}/schedule.{extension}", version=_version(sessions),
    )
    general = frab.Room(GENERAL_ROOM, frab.stable_guid(f"event-{event.id}-general@{publication.host}"))
    talks = [frab.Talk(
        id=session.id,
        guid=frab.stable_guid(ics.session_uid(session.id, publication.host)),
        title=session.title,
        kind=session.kind,
        track=publication.kind_label(session.kind),
        room=frab.Room(session.venue.name, frab.stable_guid(f"venue-{session.venue.id}@{publication.host}"))
        if session.venue else general,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        abstract=session.description or "",
        persons=tuple(speaker.name for speaker in session.speakers),
        url=publication.session_url(event, session.id),
        online_url=None,
    ) for session in sessions if session.cancelled_at is None]
    return conference, talks


def _version(sessions: Sequence[SessionView]) -> str:
    """The moment of the programme's last change (cancellations included), in UTC."""
    moments = [session.updated_at for session in sessions if session.updated_at is not None]
    return max(moments).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moments else "0"


async def _agenda_rows(store: Store, slug: str, publication: Publication
                      ) -> tuple[EventView, list[agenda_sheet.SheetRow], datetime | None]:
    event = await catalogue.get_event(store, slug)
    sessions = await catalogue.list_sessions(store, event)
    rows = [agenda_sheet.SheetRow(
        day=session.starts_at.date(),
        starts_at=session.starts_at.time().replace(tzinfo=None),
        ends_at=session.ends_at.time().replace(tzinfo=None),
        kind=publication.kind_label(session.kind),
        title=session.title,
        venue=session.venue.name if session.venue else "",
        address=session.venue.address or "" if session.venue else "",
        speakers=tuple(speaker.name for speaker in session.speakers),
        places=session.capacity,
        signup_required=session.signup_required,
        online_url="",
    ) for session in sessions]
    moments = [session.updated_at for session in sessions if session.updated_at is not None]
    return event, rows, max(moments, default=None)


async def agenda_csv(store: Store, slug: str, publication: Publication) -> bytes:
    _, rows, _ = await _agenda_rows(store, slug, publication)
    return agenda_sheet.agenda_csv(rows)


async def agenda_xlsx(store: Store, slug: str, publication: Publication) -> bytes:
    event, rows, modified = await _agenda_rows(store, slug, publication)
    return agenda_sheet.agenda_xlsx(rows, title=f"{event.title}, {event.city}", modified=modified)


def publication_for(settings: Settings) -> Publication:
    """Documents in Russian whatever the reader's interface language (see `domain.ics`)."""
    russian = i18n.translations("ru")
    return Publication(base_url=settings.base_url, host=settings.base_host,
                       kind_labels={kind: russian.gettext(label) for kind, label in SESSION_KIND_LABELS.items()})


async def personal_calendar(store: Store, token: str, publication: Publication) -> bytes:
    """A delegate's own calendar: the general programme of their days and the sessions they
    signed up for (a place in line is said so), with cancelled ones kept as cancelled."""
    row = await store.fetch_one(
        sa.select(t.registrations.c.id, t.registrations.c.status, t.registrations.c.event_id, t.events.c.slug)
        .join(t.events, t.events.c.id == t.registrations.c.event_id)
        .where(t.registrations.c.calendar_token == token, t.registrations.c.erased_at.is_(None)))
    if row is None or row["status"] in ENDED:
        raise NotFound(N_("This calendar link does not work any more. The cabinet gives the current one."))
    event = await catalogue.get_event(store, row["slug"])
    days = {r["day"] for r in await store.fetch_all(
        sa.select(t.registration_days.c.day).where(t.registration_days.c.registration_id == row["id"]))}
    choices = {r["session_id"]: r["status"] for r in await store.fetch_all(
        sa.select(t.registration_choices.c.session_id, t.registration_choices.c.status)
        .where(t.registration_choices.c.registration_id == row["id"]))}
    visit_lines = await details.feed_lines(store, row["id"])
    confirmed = {session_id for session_id, status in choices.items() if status == ChoiceStatus.CONFIRMED}
    links = {link.session_id: link.url for link in await join_links.links_for(
        store, publication.base_url, registration_id=row["id"], event_id=row["event_id"], timezone=event.timezone,
        status=row["status"], days=days, confirmed_sessions=confirmed)}
    items = []
    for session in await catalogue.list_feed_sessions(store, event):
        if session.signup_required:
            if session.id not in choices:
                continue
        elif session.day not in days:
            continue
        waiting = choices.get(session.id) == ChoiceStatus.WAITLISTED
        lines: tuple[str, ...] = ("Лист ожидания: место пока не подтверждено",) if waiting else ()
        lines += visit_lines.get(session.id, ())
        items.append(calendar_item(event, session, publication, extra_lines=lines, join_url=links.get(session.id)))
    return calendar_bytes(tuple(items), name=f"{event.title}: моя программа", timezone=event.timezone,
                          covers=(event.starts_on, event.ends_on))
