from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from events_app.domain.frab import Conference, Room, Talk, acronym_for, schedule_json, schedule_xml, stable_guid
from tests.conftest import ROOT

# The c3voc schemas are not copied into this repository: CI puts a copy of shared/ beside the
# clone; elsewhere EVENTS_SCHEDULE_SCHEMAS names the folder that holds them.
SCHEDULE_FORMAT = Path(os.environ.get("EVENTS_SCHEDULE_SCHEMAS",
                                      ROOT.parent / "shared" / "reference" / "schedule-format"))


def _schema_file(name: str) -> Path:
    path = SCHEDULE_FORMAT / name
    if not path.exists():
        message = (f"{path} is missing: set EVENTS_SCHEDULE_SCHEMAS to the folder with schedule.xml.xsd and "
                   "schedule.schema.json (shared/reference/schedule-format)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@cache
def _xml_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(_schema_file("schedule.xml.xsd")))


@cache
def _json_schema() -> dict[str, Any]:
    return json.loads(_schema_file("schedule.schema.json").read_text(encoding="utf-8"))


def validate_schedule_xml(body: bytes) -> None:
    _xml_schema().validate(io.BytesIO(body))


def validate_schedule_json(body: bytes) -> None:
    schema = _json_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(json.loads(body))


HALL = Room("Конференц-зал", stable_guid("venue-3@events.example.org"))
PARK = Room("Этнопарк", stable_guid("venue-4@events.example.org"))
CONFERENCE = Conference(
    title="Практическая сессия", acronym=acronym_for("syktyvkar-2021"), timezone="Europe/Moscow",
    starts_on=date(2021, 4, 1), ends_on=date(2021, 4, 3), url="https://events.example.org/events/syktyvkar-2021",
    base_url="https://events.example.org", schedule_url="https://events.example.org/events/syktyvkar-2021/schedule.xml",
    version="2026-03-01 09:30 UTC",
)


def _talk(id: int, room: Room, start: datetime, end: datetime, kind: str = "workshop", **extra: Any) -> Talk:
    return Talk(id=id, guid=stable_guid(f"session-{id}@events.example.org"), title=f"Занятие {id}", kind=kind,
                track="Практическое занятие" if kind == "workshop" else "Культурная программа", room=room,
                starts_at=start, ends_at=end, abstract="", url=f"https://events.example.org/s/{id}",
                **{"persons": (), **extra})


TALKS = [
    _talk(7, PARK, datetime(2021, 4, 3, 12, 45, tzinfo=UTC), datetime(2021, 4, 3, 16, 0, tzinfo=UTC), kind="cultural"),
    _talk(5, HALL, datetime(2021, 4, 1, 6, 30, tzinfo=UTC), datetime(2021, 4, 1, 8, 0, tzinfo=UTC),
          persons=("Юлия Артамонова",), online_url="https://webinar.example.org/1"),
]


@pytest.mark.parametrize(("slug", "acronym"), [
    ("syktyvkar-2021", "syktyvkar_2021"), ("proclusters-2022", "proclusters_2022"), ("abc", "abc_"), ("a1b2", "a1b2")])
def test_acronym_is_the_slug_in_a_form_both_schemas_accept(slug: str, acronym: str) -> None:
    pattern = _json_schema()["definitions"]["Conference"]["properties"]["acronym"]["pattern"]

    assert acronym_for(slug) == acronym
    jsonschema.validate(acronym, {"type": "string", "pattern": pattern})


def test_the_schema_refuses_the_slug_itself() -> None:
    pattern = _json_schema()["definitions"]["Conference"]["properties"]["acronym"]["pattern"]

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("syktyvkar-2021", {"type": "string", "pattern": pattern})


def test_xml_has_a_day_for_every_event_day_and_talks_in_their_rooms() -> None:
    body = schedule_xml(CONFERENCE, TALKS)

    validate_schedule_xml(body)
    root = ET.fromstring(body)
    assert [(d.get("index"), d.get("date"), d.get("start"), d.get("end")) for d in root.iter("day")] == [
        ("1", "2021-04-01", "2021-04-01T09:30:00+03:00", "2021-04-01T11:00:00+03:00"),
        ("2", "2021-04-02", "2021-04-02T00:00:00+03:00", "2021-04-03T00:00:00+03:00"),
        ("3", "2021-04-03", "2021-04-03T15:45:00+03:00", "2021-04-03T19:00:00+03:00"),
    ]
    first = root.find("day/room/event")
    assert first is not None
    fields = {child.tag: child.text for child in first if len(child) == 0}
    assert fields | {"persons": first.findtext("persons/person")} == {
        "room": "Конференц-зал", "title": "Занятие 5", "subtitle": None, "type": "workshop",
        "date": "2021-04-01T09:30:00+03:00", "start": "09:30", "duration": "01:30", "abstract": None,
        "slug": "syktyvkar_2021-session-5", "track": "Практическое занятие", "language": "ru",
        "url": "https://events.example.org/s/5", "persons": "Юлия Артамонова",
    }
    assert first.find("links/link").attrib == {"href": "https://webinar.example.org/1"}
    assert root.findtext("conference/acronym") == "syktyvkar_2021"
    assert [track.attrib for track in root.findall("conference/track")] == [
        {"name": "Практическое занятие", "slug": "workshop"}, {"name": "Культурная программа", "slug": "cultural"}]


def test_json_matches_the_xml_and_the_schema() -> None:
    body = schedule_json(CONFERENCE, TALKS)

    validate_schedule_json(body)
    conference = json.loads(body)["schedule"]["conference"]
    assert (conference["acronym"], conference["daysCount"], conference["time_zone_name"]) == (
        "syktyvkar_2021", 3, "Europe/Moscow")
    assert [list(day["rooms"]) for day in conference["days"]] == [["Конференц-зал"], [], ["Этнопарк"]]
    talk = conference["days"][0]["rooms"]["Конференц-зал"][0]
    assert (talk["id"], talk["guid"], talk["date"], talk["end"], talk["duration"]) == (
        5, stable_guid("session-5@events.example.org"), "2021-04-01T09:30:00+03:00", "2021-04-01T11:00:00+03:00",
        "01:30")
    assert talk["persons"] == [{"name": "Юлия Артамонова"}]
    assert talk["links"] == [{"url": "https://webinar.example.org/1", "title": "Ссылка для подключения", "type": "web"}]


def test_guids_are_stable_uuids() -> None:
    assert stable_guid("session-5@events.example.org") == stable_guid("session-5@events.example.org")
    assert stable_guid("session-5@events.example.org") != stable_guid("session-5@other.example.org")
    assert len(stable_guid("x")) == 36
