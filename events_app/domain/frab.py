"""The programme in the frab / c3voc conference schedule format, as schedule.xml and schedule.json.

Giggity, EventFahrplan and ConfClerk read these. The reference schemas live beside the project
(`shared/reference/schedule-format`): rooms are venues, there is a day for every event day
(empty ones too, as pretalx writes them) and each session is an `event` of its start day.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR = "events-app"
# Programme times here fall on five-minute marks; apps draw their grid with this step.
TIMESLOT = "00:05"
LANGUAGE = "ru"


@dataclass(frozen=True)
class Room:
    name: str
    guid: str


@dataclass(frozen=True)
class Talk:
    """One session as a conference app sees it (frab calls it an event)."""

    id: int
    guid: str
    title: str
    kind: str
    track: str
    room: Room
    starts_at: datetime
    ends_at: datetime
    abstract: str
    persons: tuple[str, ...]
    url: str
    online_url: str | None = None


@dataclass(frozen=True)
class Conference:
    title: str
    acronym: str
    timezone: str
    starts_on: date
    ends_on: date
    url: str
    base_url: str
    schedule_url: str
    # Apps show it and compare it between downloads; it changes when the programme does.
    version: str

    @property
    def days(self) -> list[date]:
        return [self.starts_on + timedelta(days=n) for n in range((self.ends_on - self.starts_on).days + 1)]


def acronym_for(slug: str) -> str:
    """A conforming acronym from an event slug: `syktyvkar-2021` → `syktyvkar_2021`.

    The JSON schema allows letters, digits and `_` after the first character, at least four.
    """
    acronym = re.sub(r"[^a-z0-9_]", "_", slug.lower())
    return acronym.ljust(4, "_")


def stable_guid(name: str) -> str:
    """A UUID that is the same every time for the same name (UUIDv5 in the URL namespace)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def schedule_xml(conference: Conference, talks: Sequence[Talk]) -> bytes:
    talks = _in_order(talks)
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=GENERATOR)
    _text(root, "url", conference.schedule_url)
    _text(root, "version", conference.version)
    head = ET.SubElement(root, "conference")
    for name, value in (("title", conference.title), ("acronym", conference.acronym),
                        ("start", conference.starts_on.isoformat()), ("end", conference.ends_on.isoformat()),
                        ("days", str(len(conference.days))), ("timeslot_duration", TIMESLOT),
                        ("base_url", conference.base_url + "/"), ("url", conference.url),
                        ("time_zone_name", conference.timezone)):
        _text(head, name, value)
    for track in _tracks(talks):
        ET.SubElement(head, "track", name=track[1], slug=track[0])

    for index, (day, start, end, rooms) in enumerate(_days(conference, talks), start=1):
        day_element = ET.SubElement(root, "day", index=str(index), date=day.isoformat(),
                                    start=start.isoformat(), end=end.isoformat())
        for room, room_talks in rooms:
            room_element = ET.SubElement(day_element, "room", name=room.name, guid=room.guid)
            for talk in room_talks:
                _talk_xml(room_element, conference, talk)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _talk_xml(parent: ET.Element, conference: Conference, talk: Talk) -> None:
    element = ET.SubElement(parent, "event", id=str(talk.id), guid=talk.guid)
    starts_at = talk.starts_at.astimezone(ZoneInfo(conference.timezone))
    for name, value in (("room", talk.room.name), ("title", talk.title), ("subtitle", ""), ("type", talk.kind),
                        ("date", starts_at.isoformat()), ("start", starts_at.strftime("%H:%M")),
                        ("duration", _duration(talk)), ("abstract", talk.abstract),
                        ("slug", _slug(conference, talk)), ("track", talk.track), ("language", LANGUAGE),
                        ("url", talk.url)):
        _text(element, name, value)
    persons = ET.SubElement(element, "persons")
    for person in talk.persons:
        _text(persons, "person", person)
    links = ET.SubElement(element, "links")
    if talk.online_url:
        ET.SubElement(links, "link", href=talk.online_url).text = "Ссылка для подключения"


def schedule_json(conference: Conference, talks: Sequence[Talk]) -> bytes:
    talks = _in_order(talks)
    document = {
        "$schema": SCHEMA_URL,
        "generator": {"name": GENERATOR},
        "schedule": {
            "url": conference.schedule_url,
            "version": conference.version,
            "base_url": conference.base_url + "/",
            "conference": {
                "acronym": conference.acronym,
                "title": conference.title,
                "start": conference.starts_on.isoformat(),
                "end": conference.ends_on.isoformat(),
                "daysCount": len(conference.days),
                "timeslot_duration": TIMESLOT,
                "time_zone_name": conference.timezone,
                "url": conference.url,
                "tracks": [{"name": name, "slug": slug} for slug, name in _tracks(talks)],
                "rooms": [{"name": room.name, "guid": room.guid} for room in _rooms(talks)],
                "days": [{
                    "index": index,
                    "date": day.isoformat(),
                    "day_start": start.isoformat(),
                    "day_end": end.isoformat(),
                    "rooms": {room.name: [_talk_json(conference, talk) for talk in room_talks]
                              for room, room_talks in rooms},
                } for index, (day, start, end, rooms) in enumerate(_days(conference, talks), start=1)],
            },
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _talk_json(conference: Conference, talk: Talk) -> dict[str, object]:
    zone = ZoneInfo(conference.timezone)
    starts_at = talk.starts_at.astimezone(zone)
    return {
        "guid": talk.guid,
        "id": talk.id,
        "date": starts_at.isoformat(),
        "start": starts_at.strftime("%H:%M"),
        "end": talk.ends_at.astimezone(zone).isoformat(),
        "duration": _duration(talk),
        "room": talk.room.name,
        "slug": _slug(conference, talk),
        "url": talk.url,
        "title": talk.title,
        "subtitle": None,
        "track": talk.track,
        "type": talk.kind,
        "language": LANGUAGE,
        "abstract": talk.abstract,
        "description": None,
        "persons": [{"name": person} for person in talk.persons],
        "links": [{"url": talk.online_url, "title": "Ссылка для подключения", "type": "web"}]
        if talk.online_url else [],
    }


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, name).text = value


def _slug(conference: Conference, talk: Talk) -> str:
    # Both schemas accept `<acronym>-<anything of 4+ characters>`; the id keeps it unique.
    return f"{conference.acronym}-session-{talk.id}"


def _duration(talk: Talk) -> str:
    minutes = int((talk.ends_at - talk.starts_at).total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _in_order(talks: Sequence[Talk]) -> list[Talk]:
    return sorted(talks, key=lambda talk: (talk.starts_at, talk.ends_at, talk.id))


def _tracks(talks: Sequence[Talk]) -> list[tuple[str, str]]:
    """(slug, name) of each kind in use, in order of first appearance."""
    seen: dict[str, str] = {}
    for talk in talks:
        seen.setdefault(talk.kind.replace("_", "-"), talk.track)
    return list(seen.items())


def _rooms(talks: Sequence[Talk]) -> list[Room]:
    return list(dict.fromkeys(talk.room for talk in talks))


def _days(conference: Conference, talks: Sequence[Talk]
          ) -> list[tuple[date, datetime, datetime, list[tuple[Room, list[Talk]]]]]:
    """Each event day with its bounds and its talks by room, rooms in one order for all days."""
    zone = ZoneInfo(conference.timezone)
    by_day: dict[date, list[Talk]] = {day: [] for day in conference.days}
    for talk in talks:
        by_day.setdefault(talk.starts_at.astimezone(zone).date(), []).append(talk)
    order = {room: position for position, room in enumerate(_rooms(talks))}
    days = []
    for day, day_talks in sorted(by_day.items()):
        if day_talks:
            start = min(talk.starts_at for talk in day_talks).astimezone(zone)
            end = max(talk.ends_at for talk in day_talks).astimezone(zone)
        else:
            start = datetime.combine(day, time(), zone)
            end = datetime.combine(day + timedelta(days=1), time(), zone)
        rooms: dict[Room, list[Talk]] = {}
        for talk in day_talks:
            rooms.setdefault(talk.room, []).append(talk)
        days.append((day, start, end, sorted(rooms.items(), key=lambda pair: order[pair[0]])))
    return days
