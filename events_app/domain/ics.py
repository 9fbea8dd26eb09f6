"""iCalendar (RFC 5545) feeds: sessions in, calendar bytes out.

One function builds every feed (an event's programme, one session, a delegate's own sessions),
so a session carries the same UID and reads the same wherever a calendar client meets it.
Feeds are written in Russian whatever the interface language: one address, one content, so
that a subscribed client and its ETag see the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration, vText, vUri

PRODID = "-//Cluster events//events-app//RU"
# Subscribed clients poll at their own pace unless told; an hour keeps moved sessions fresh.
REFRESH_INTERVAL = timedelta(hours=1)
CANCELLED_PREFIX = "Отменено: "
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"


@dataclass(frozen=True)
class FeedItem:
    """One session as a calendar client sees it.

    `uid` never changes for the same session; `sequence` rises and `last_modified` moves when
    its time, place or title changes, which is what makes clients replace their copy.
    """

    uid: str
    sequence: int
    last_modified: datetime
    cancelled: bool
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str | None = None
    geo: tuple[float, float] | None = None
    url: str | None = None
    description: str = ""
    # Lines a particular feed adds below the description, e.g. a delegate's meeting point.
    extra_lines: tuple[str, ...] = ()
    online_url: str | None = None
    categories: tuple[str, ...] = ()


def session_uid(session_id: int, host: str) -> str:
    """`session-<id>@<host>`: the database id never changes, the host makes it unique."""
    return f"session-{session_id}@{host}"


def session_text(*, description: str | None, speakers: Sequence[str] = (), online_url: str | None = None) -> str:
    """The description shown in calendars: the session's text, its speakers, the webinar link."""
    parts = [description.strip()] if description and description.strip() else []
    if speakers:
        parts.append("Спикеры:\n" + "\n".join(f"— {speaker}" for speaker in speakers))
    if online_url:
        parts.append(f"Ссылка для подключения: {online_url}")
    return "\n\n".join(parts)


def speaker_line(name: str, position: str | None, organisation: str | None) -> str:
    """«Name (position, organisation)»; a position that already names the organisation stands alone."""
    if organisation and position and organisation in position:
        organisation = None
    details = ", ".join(part for part in (position, organisation) if part)
    return f"{name} ({details})" if details else name


def place_text(name: str | None, address: str | None) -> str | None:
    """LOCATION: the place a client shows and hands to a map, name first, then the address."""
    parts = [part for part in (name, address) if part]
    return ", ".join(parts) if parts else None


def build_calendar(items: Iterable[FeedItem], *, name: str, timezone: str | None = None,
                   covers: tuple[date, date] | None = None) -> bytes:
    """The calendar as bytes, lines folded at 75 octets (icalendar never splits a character).

    `timezone` names the feed's own zone (an event's); a feed that mixes zones leaves it out.
    A VTIMEZONE is written for every zone in use, covering the items' days and `covers`.
    Nothing here reads the clock, so the same sessions always give the same bytes.

    icalendar writes every part, but each part is remembered: a calendar is its head, its zones
    and its events one after another, so after one session changes only that session's VEVENT is
    written again (a thousand of them take icalendar about a second). `library_calendar` builds
    the same bytes in one piece, and the tests hold the two equal.
    """
    items = list(items)
    zones, span = _zones_and_span(items, timezone, covers)
    parts = [_head(name, timezone)]
    parts.extend(_zone_bytes(zone, *span) for zone in sorted(zones))
    parts.extend(_event_bytes(item) for item in items)
    parts.append(_END)
    return b"".join(parts)


def library_calendar(items: Iterable[FeedItem], *, name: str, timezone: str | None = None,
                     covers: tuple[date, date] | None = None) -> bytes:
    """The same calendar built by icalendar in one piece: the reference `build_calendar` must equal."""
    items = list(items)
    zones, span = _zones_and_span(items, timezone, covers)
    calendar = _calendar(name, timezone)
    for zone in sorted(zones):
        calendar.add_component(_zone(zone, *span))
    for item in items:
        calendar.add_component(_event(item))
    return calendar.to_ical()


_END = b"END:VCALENDAR\r\n"


def _calendar(name: str, timezone: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    if timezone:
        calendar.add("x-wr-timezone", timezone)
    return calendar


def _zones_and_span(items: Sequence[FeedItem], timezone: str | None, covers: tuple[date, date] | None
                    ) -> tuple[set[str], tuple[date | None, date | None]]:
    zones = {item.timezone for item in items} | ({timezone} if timezone else set())
    days = [*(covers or ()),
            *(moment.astimezone(UTC).date() for item in items for moment in (item.starts_at, item.ends_at))]
    # A zone's rules over the feed's own days, a day either side for UTC midnight. Without any
    # day (an empty feed) the zone still goes in, so the calendar keeps a component.
    if not days:
        return zones, (None, None)
    return zones, (min(days) - timedelta(days=1), max(days) + timedelta(days=1))


def _zone(zone: str, first: date | None, last: date | None) -> Timezone:
    if first is None or last is None:
        return Timezone.from_tzid(zone)
    return Timezone.from_tzid(zone, first_date=first, last_date=last)


@lru_cache(maxsize=64)
def _head(name: str, timezone: str | None) -> bytes:
    whole = _calendar(name, timezone).to_ical()
    return whole[:-len(_END)]


@lru_cache(maxsize=64)
def _zone_bytes(zone: str, first: date | None, last: date | None) -> bytes:
    return bytes(_zone(zone, first, last).to_ical())


# Enough for a few large events' programmes and the personal feeds drawn from them.
@lru_cache(maxsize=16384)
def _event_bytes(item: FeedItem) -> bytes:
    return bytes(_event(item).to_ical())


def _event(item: FeedItem) -> Event:
    zone = ZoneInfo(item.timezone)
    event = Event()
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    # Without METHOD, DTSTAMP is the last revision of the session (RFC 5545, 3.8.7.2); using it
    # rather than the clock keeps the bytes, and so the ETag, unchanged until something changes.
    event.add("dtstamp", item.last_modified.astimezone(UTC))
    event.add("last-modified", item.last_modified.astimezone(UTC))
    event.add("dtstart", item.starts_at.astimezone(zone))
    event.add("dtend", item.ends_at.astimezone(zone))
    # Some clients show a cancelled event anyway; the title says so where STATUS is ignored.
    event.add("summary", CANCELLED_PREFIX + item.title if item.cancelled else item.title)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.location:
        event.add("location", item.location)
    if item.geo is not None:
        event.add("geo", item.geo)
    if item.url:
        event.add("url", vUri(item.url))
    text = "\n\n".join(part for part in (item.description, "\n".join(item.extra_lines),
                                          f"Подробнее: {item.url}" if item.url else "") if part)
    if text:
        event.add("description", text)
    if item.online_url:
        # RFC 7986: clients that know CONFERENCE show a "join" button.
        event.add("conference", vUri(item.online_url), parameters={"VALUE": "URI", "FEATURE": "AUDIO,VIDEO"})
    if item.categories:
        event.add("categories", list(item.categories))
    return event


def google_calendar_link(*, title: str, starts_at: datetime, ends_at: datetime, timezone: str,
                         details: str = "", location: str | None = None) -> str:
    """A link that opens Google Calendar's "new event" form filled in; nothing is sent until the user saves."""
    moments = "/".join(moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") for moment in (starts_at, ends_at))
    query = {"action": "TEMPLATE", "text": title, "dates": moments, "ctz": timezone}
    if details:
        query["details"] = details
    if location:
        query["location"] = location
    return f"{GOOGLE_CALENDAR}?{urlencode(query, safe='/', quote_via=quote)}"
