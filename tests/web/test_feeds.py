from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import vobject
from openpyxl import load_workbook
from starlette.testclient import TestClient

from events_app.data.database import Store
from events_app.domain.agenda import Agenda
from events_app.services.programme.importer import import_agendas, read_agenda_files
from tests.conftest import SCHEDULES
from tests.domain.test_frab import validate_schedule_json, validate_schedule_xml

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SLUGS = ["kirov-2020", "syktyvkar-2021", "kaluga-2021", "saransk-2021", "proclusters-2022"]


def _sessions(client: TestClient, slug: str, **filters: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/v1/events/{slug}/sessions", params=filters).json()["sessions"])


def _calendar(client: TestClient, path: str, **params: str) -> vobject.base.Component:
    response = client.get(path, params=params)
    assert (response.status_code, response.headers["content-type"]) == (200, "text/calendar; charset=utf-8"), path
    assert max(len(line) for line in response.content.split(b"\r\n")) <= 75, path
    return vobject.readOne(response.content.decode("utf-8"))


def _events(calendar: vobject.base.Component) -> list[vobject.base.Component]:
    return list(calendar.contents.get("vevent", []))


def _reimport(database_url: str, agenda: Agenda) -> None:
    async def run() -> None:
        async with Store(database_url) as store:
            await import_agendas(store, [agenda], now=datetime(2026, 3, 1, tzinfo=UTC))

    asyncio.run(run())


def _syktyvkar() -> Agenda:
    return read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"])[0]


@pytest.mark.parametrize("slug", SLUGS)
def test_every_feed_of_a_demo_event_reads_in_another_parser(client: TestClient, slug: str) -> None:
    event = client.get(f"/api/v1/events/{slug}").json()
    sessions = _sessions(client, slug)
    uids = {f"session-{s['id']}@events.example.org": s for s in sessions}

    whole = _calendar(client, f"/events/{slug}/calendar.ics")

    assert whole.vtimezone.tzid.value == event["timezone"]
    assert [e.uid.value for e in _events(whole)] == list(uids)
    for item in _events(whole):
        session = uids[item.uid.value]
        assert item.summary.value == session["title"]
        assert item.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == [event["timezone"]]
        assert item.dtstart.value.isoformat() == session["starts_at"]
        assert item.dtend.value.isoformat() == session["ends_at"]
        assert item.url.value == session["url"]
        assert (item.status.value, item.sequence.value) == ("CONFIRMED", "0")
    for day in event["days"]:
        by_day = _events(_calendar(client, f"/events/{slug}/calendar.ics", day=day))
        assert [e.uid.value for e in by_day] == [uid for uid, s in uids.items() if s["starts_at"].startswith(day)]
    for kind in {s["kind"] for s in sessions}:
        by_kind = _events(_calendar(client, f"/events/{slug}/calendar.ics", kind=kind))
        assert [e.uid.value for e in by_kind] == [uid for uid, s in uids.items() if s["kind"] == kind]
    for uid, session in uids.items():
        one = _events(_calendar(client, f"/events/{slug}/sessions/{session['id']}.ics"))
        assert [(e.uid.value, e.dtstart.value.isoformat()) for e in one] == [(uid, session["starts_at"])]


def test_syktyvkar_visit_at_ten_is_at_ten_moscow_time(client: TestClient) -> None:
    mondi = _sessions(client, "syktyvkar-2021", kind="site_visit")[0]

    item = _events(_calendar(client, f"/events/syktyvkar-2021/sessions/{mondi['id']}.ics"))[0]

    assert item.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Moscow"]
    assert item.dtstart.value.strftime("%Y-%m-%d %H:%M") == "2021-04-01 10:00"
    assert item.dtstart.value.utcoffset() == timedelta(hours=3)
    assert item.dtstart.value == datetime(2021, 4, 1, 7, 0, tzinfo=UTC)
    assert item.location.value == "АО «Монди СЛПК», Республика Коми, г. Сыктывкар, пр. Бумажников, 2"
    assert item.geo.value == "61.785;50.76"


def test_webinar_carries_its_speakers_and_says_the_link_is_personal(client: TestClient) -> None:
    webinar = _sessions(client, "proclusters-2022", kind="webinar")[0]

    path = f"/events/proclusters-2022/sessions/{webinar['id']}.ics"
    item = _events(_calendar(client, path))[0]

    assert "Спикеры:\n— Дмитрий Игоревич Королев (заместитель директора" in item.description.value
    assert "— Юлия Артамонова (исполнительный директор АНО ДПО «Институт экономики знаний»)\n" in item.description.value
    assert "Ссылка для подключения — личная: в письме участника" in item.description.value
    assert webinar["online_url"] is None
    assert "webinar.example.org" not in client.get(path).text
    assert "webinar.example.org" not in client.get("/events/proclusters-2022/calendar.ics").text
    assert "webinar.example.org" not in client.get("/events/proclusters-2022/schedule.xml").text
    assert not hasattr(item, "conference")


def test_unchanged_feed_is_answered_304_and_a_changed_one_in_full(client: TestClient, database_url: str) -> None:
    path = "/events/syktyvkar-2021/calendar.ics"
    first = client.get(path)
    tag = first.headers["etag"]
    luzales_before = [e for e in _events(vobject.readOne(first.text)) if "Лузалес»:" in e.summary.value][0]

    unchanged = client.get(path, headers={"If-None-Match": tag})
    weak = client.get(path, headers={"If-None-Match": f'"other", W/{tag}'})
    agenda = _syktyvkar()
    _reimport(database_url, replace(agenda, sessions=tuple(
        replace(s, starts_at=s.starts_at.replace(hour=14, minute=0), ends_at=s.ends_at.replace(hour=15, minute=30))
        if s.key == "visit-luzales" else s for s in agenda.sessions)))
    changed = client.get(path, headers={"If-None-Match": tag})

    assert (unchanged.status_code, unchanged.content, unchanged.headers["etag"]) == (304, b"", tag)
    assert weak.status_code == 304
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    luzales = [e for e in _events(vobject.readOne(changed.text)) if "Лузалес»:" in e.summary.value][0]
    assert luzales.uid.value == luzales_before.uid.value
    assert int(luzales.sequence.value) == int(luzales_before.sequence.value) + 1
    assert luzales.last_modified.value == datetime(2026, 3, 1, tzinfo=UTC) != luzales_before.last_modified.value
    assert luzales.dtstart.value.strftime("%H:%M") == "14:00"


def test_removed_session_stays_in_the_feeds_as_cancelled(client: TestClient, database_url: str) -> None:
    algraf = [s for s in _sessions(client, "syktyvkar-2021", kind="site_visit") if s["key"] == "visit-algraf"][0]
    agenda = _syktyvkar()

    _reimport(database_url, replace(agenda, sessions=tuple(s for s in agenda.sessions if s.key != "visit-algraf")))

    uid = f"session-{algraf['id']}@events.example.org"
    for path, params in [("/events/syktyvkar-2021/calendar.ics", {}),
                         ("/events/syktyvkar-2021/calendar.ics", {"kind": "site_visit"}),
                         (f"/events/syktyvkar-2021/sessions/{algraf['id']}.ics", {})]:
        cancelled = [e for e in _events(_calendar(client, path, **params)) if e.uid.value == uid]
        assert [(e.status.value, e.sequence.value, e.summary.value) for e in cancelled] == [
            ("CANCELLED", "1", f"Отменено: {algraf['title']}")], path
    assert algraf["key"] not in [s["key"] for s in _sessions(client, "syktyvkar-2021")]


@pytest.mark.parametrize("slug", SLUGS)
def test_schedule_files_of_a_demo_event_follow_the_c3voc_schemas(client: TestClient, slug: str) -> None:
    event = client.get(f"/api/v1/events/{slug}").json()
    sessions = _sessions(client, slug)
    xml_response = client.get(f"/events/{slug}/schedule.xml")
    json_response = client.get(f"/events/{slug}/schedule.json")

    validate_schedule_xml(xml_response.content)
    validate_schedule_json(json_response.content)
    root = ET.fromstring(xml_response.content)
    conference = json.loads(json_response.content)["schedule"]["conference"]
    acronym = slug.replace("-", "_")
    assert (root.findtext("conference/acronym"), conference["acronym"]) == (acronym, acronym)
    assert [day.get("date") for day in root.iter("day")] == [day["date"] for day in conference["days"]] == event["days"]
    xml_talks = sorted((int(e.get("id", "0")), e.findtext("date"), e.findtext("room")) for e in root.iter("event"))
    json_talks = sorted((t["id"], t["date"], t["room"]) for day in conference["days"] for talks in day["rooms"].values()
                        for t in talks)
    expected = sorted((s["id"], s["starts_at"], s["venue"]["name"] if s["venue"] else "Общая программа")
                      for s in sessions)
    assert xml_talks == json_talks == expected
    assert xml_response.headers["content-type"] == "application/xml; charset=utf-8"
    assert json_response.headers["content-type"] == "application/json"


def test_spreadsheets_list_the_programme_with_russian_headers(client: TestClient) -> None:
    sessions = _sessions(client, "syktyvkar-2021")
    csv_response = client.get("/events/syktyvkar-2021/agenda.csv")
    xlsx_response = client.get("/events/syktyvkar-2021/agenda.xlsx")

    assert csv_response.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv_response.headers["content-disposition"] == 'attachment; filename="syktyvkar-2021-agenda.csv"'
    assert csv_response.content.startswith("\ufeffДата;День недели;Начало;Окончание;Вид;Название;".encode())
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[5] for row in rows[1:]] == [s["title"] for s in sessions]
    assert rows[3][:6] == ["01.04.2021", "четверг", "10:00", "12:00", "Посещение предприятия", sessions[2]["title"]]
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet is not None
    assert [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)] == [s["title"] for s in sessions]
    assert xlsx_response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(("path", "status"), [
    ("/events/nowhere/calendar.ics", 404),
    ("/events/syktyvkar-2021/sessions/999999.ics", 404),
    ("/events/nowhere/schedule.xml", 404),
    ("/events/syktyvkar-2021/calendar.ics?day=2021-04-05", 422),
    ("/events/syktyvkar-2021/calendar.ics?kind=excursion", 422),
])
def test_unknown_event_session_or_filter_is_refused(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)

    assert response.status_code == status
    assert "text/calendar" not in response.headers["content-type"]


def test_session_page_offers_the_ics_file_and_a_google_calendar_link(client: TestClient) -> None:
    mondi = _sessions(client, "syktyvkar-2021", kind="site_visit")[0]

    page = client.get(f"/events/syktyvkar-2021/sessions/{mondi['id']}").text

    assert (f'<a class="button" href="http://testserver/events/syktyvkar-2021/sessions/{mondi["id"]}.ics" download>'
            "Добавить в календарь</a>") in page
    google = re.search(r'href="(https://calendar\.google\.com/calendar/render\?[^"]+)"', page)
    assert google is not None
    assert "dates=20210401T070000Z/20210401T090000Z&amp;ctz=Europe/Moscow" in google.group(1)


def test_event_and_agenda_pages_offer_webcal_subscriptions_and_exports(client: TestClient) -> None:
    event_page = client.get("/events/syktyvkar-2021").text
    agenda_page = client.get("/events/syktyvkar-2021/agenda?day=2021-04-02").text

    links = re.findall(r'href="([^"]+)"', event_page)
    assert "webcal://testserver/events/syktyvkar-2021/calendar.ics" in links
    assert "webcal://testserver/events/syktyvkar-2021/calendar.ics?kind=site_visit" in links
    for name in ("calendar.ics", "agenda.xlsx", "agenda.csv", "schedule.xml", "schedule.json"):
        assert f"http://testserver/events/syktyvkar-2021/{name}" in links
    agenda_links = re.findall(r'href="([^"]+)"', agenda_page)
    assert "webcal://testserver/events/syktyvkar-2021/calendar.ics?day=2021-04-02" in agenda_links


def test_english_pages_name_the_calendar_links_in_english(client: TestClient) -> None:
    client.get("/lang/en")

    page = client.get("/events/syktyvkar-2021").text

    assert "<h2 id=\"downloads\">Calendar and downloads</h2>" in page
    assert ">subscribe in a calendar app</a>" in page
