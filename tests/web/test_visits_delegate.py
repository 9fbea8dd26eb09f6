"""The delegate's side of site visits through the real app: requirements before choosing, the
passport form, the bus on the ticket, cabinet and calendar, and the bus door's answer."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.staff import StaffMember
from events_app.services.checkin import devices
from events_app.services.programme.importer import import_agendas, read_agenda_files
from events_app.services.staff import accounts
from events_app.services.visits import details, transport
from tests.conftest import SCHEDULES, settings_for

TODAY = datetime.now(ZoneInfo("Europe/Moscow")).date()
PASSPORT = {"passport_series": "8710", "passport_number": "583920", "birth_date": "1979-02-11",
            "citizenship": "", "visitor_consent": "on"}


def import_syktyvkar(database_url: str, starts_on: date) -> dict[str, int]:
    """Syktyvkar moved to `starts_on`; gives session key → id."""
    agenda = read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"], shift_to=starts_on)[0]

    async def run() -> dict[str, int]:
        async with Store(database_url) as store:
            await import_agendas(store, [agenda])
            return await store.fetch_pairs(sa.select(t.sessions.c.key, t.sessions.c.id))

    return asyncio.run(run())


def fill_buses(database_url: str, session_id: int) -> None:
    async def run() -> None:
        async with Store(database_url) as store:
            event_id = await store.fetch_val(sa.select(t.sessions.c.event_id).where(t.sessions.c.id == session_id))
            staff_id = await store.fetch_val(sa.select(t.staff.c.id).limit(1)) or await accounts.create_staff(
                store, email="filler@example.ru", name="Filler", password="x" * 12, is_admin=True,
                now=datetime.now(UTC))
            member = StaffMember(id=staff_id, email="filler@example.ru", name="Filler", is_admin=True)
            await transport.assign(store, member=member, event_id=event_id, session_id=session_id, ip=None,
                                   now=datetime.now(UTC))

    asyncio.run(run())


def register(client: TestClient, session_id: int, n: int = 0, organisation: str = "ООО «Лузалес»") -> str:
    """Registers through the form; gives the cabinet path."""
    page = client.get("/events/syktyvkar-2021/register").text
    days = re.findall(r'name="days" value="([0-9-]+)"', page)
    response = client.post("/events/syktyvkar-2021/register", data={
        "surname": "Лыткина", "given_name": "Ирина", "patronymic": "", "email": f"irina{n}@example.ru",
        "phone": "8 912 345 67 89", "organisation_name": organisation, "organisation_inn": "", "position": "инженер",
        "region_code": "11", "category": "enterprise", "days": [days[0]], "sessions": [str(session_id)],
        "consent": "on"}, headers={"X-Forwarded-For": f"198.51.100.{n + 1}"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0].removeprefix("https://events.example.org")


@pytest.fixture
def upcoming(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, int], str]]:
    sessions = import_syktyvkar(database_url, TODAY + timedelta(days=30))
    with TestClient(create_app(settings_for(database_url, tmp_path / "data")),
                    base_url="https://events.example.org") as client:
        yield client, sessions, database_url


sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
def test_registration_form_shows_what_each_enterprise_asks(upcoming: Any) -> None:
    client, sessions, _ = upcoming

    page = client.get("/events/syktyvkar-2021/register").text

    start = page.index(f'id="f-session-{sessions["visit-mondi"]}"')
    block = page[start:page.index(f'id="f-session-{sessions["visit-luzales"]}"')]
    assert "АО «Монди СЛПК»" in block
    assert "автобус от места сбора: Центр «Мой бизнес» Республики Коми" in block
    assert ("Предприятие просит: Паспортные данные для службы безопасности предприятия; паспорт взять с собой; "
            "Закрытая обувь без каблука; Защитная одежда (выдаётся на входе); Возраст не младше 18 лет; "
            "Фото- и видеосъёмка на территории запрещена") in block


@sqlite_only
def test_passport_form_is_offered_only_for_a_visit_requiring_it(upcoming: Any) -> None:
    client, sessions, _ = upcoming
    mondi = register(client, sessions["visit-mondi"], 0)
    algraf = register(client, sessions["visit-algraf"], 1)

    asked = client.get(mondi).text
    not_asked = client.get(algraf).text
    refused = client.post(f"{algraf}/visitor-data", data=PASSPORT)

    assert "Предприятию, которое вы посещаете, для пропуска нужны ваши паспортные данные." in asked
    assert f'href="https://events.example.org{mondi}/visitor-data"' in asked
    assert "visitor-data" not in not_asked
    assert "Ни одно из ваших посещений не требует паспортных данных." in client.get(f"{algraf}/visitor-data").text
    assert refused.status_code == 400
    assert "Ни одно из ваших посещений не требует паспортных данных" in refused.text


@sqlite_only
def test_passport_form_checks_each_field_and_needs_its_own_consent(upcoming: Any) -> None:
    client, sessions, database_url = upcoming
    cabinet = register(client, sessions["visit-mondi"])

    response = client.post(f"{cabinet}/visitor-data", data={**PASSPORT, "passport_number": "12",
                                                            "visitor_consent": ""})

    assert response.status_code == 422
    assert "Укажите номер паспорта: 6 цифр для паспорта гражданина России" in response.text
    assert "Без этого согласия предприятие не сможет выдать пропуск" in response.text
    assert 'value="12"' not in response.text  # the number is typed again, never echoed
    assert _count(database_url) == 0


@sqlite_only
def test_saved_passport_fields_are_never_shown_back(upcoming: Any, caplog: pytest.LogCaptureFixture) -> None:
    client, sessions, database_url = upcoming
    cabinet = register(client, sessions["visit-mondi"])
    caplog.set_level(logging.DEBUG)

    saved = client.post(f"{cabinet}/visitor-data", data=PASSPORT)

    assert saved.url.path == f"{cabinet}/visitor-data"
    assert "Сохранено. Организаторы передадут данные службе безопасности предприятия." in saved.text
    assert "Ваши данные получены." in saved.text
    assert "583920" not in saved.text and "583920" not in client.get(cabinet).text
    assert "583920" not in caplog.text
    assert _count(database_url) == 1
    withdrawn = client.post(f"{cabinet}/visitor-data/forget")
    assert _count(database_url) == 0 and "Ваши данные получены." not in withdrawn.text


@sqlite_only
def test_ticket_cabinet_and_calendar_show_the_bus_meeting_point_and_departure(upcoming: Any) -> None:
    client, sessions, database_url = upcoming
    cabinet = register(client, sessions["visit-mondi"])
    before = client.get(cabinet).text
    fill_buses(database_url, sessions["visit-mondi"])

    page = client.get(cabinet).text
    ticket_path = re.search(r'href="https://events.example.org(/t/[A-Z0-9]+)"', page)
    calendar_path = re.search(r'href="https://events.example.org(/calendar/[^"]+\.ics)"', page)
    assert ticket_path and calendar_path
    ticket = client.get(ticket_path.group(1)).text
    calendar = client.get(calendar_path.group(1)).text.replace("\r\n ", "")

    assert "Организаторы назначат вам автобус до посещения." in before
    for text in (page, ticket):
        assert "Ваш автобус" in text and "Автобус 1 (К 123 ОР 11)" in text
        assert "Куратор: Наталья Попова" in text and 'href="tel:+79121002031"' in text
        assert "Отправление</dt><dd>09:30, возвращение около 12:00" in text
        assert "У главного входа центра «Мой бизнес», автобусы стоят на парковке; посадка по списку" in text
        assert 'href="https://www.openstreetmap.org/?mlat=61.66880&amp;mlon=50.83640#map=17/61.66880/50.83640"' in text
    assert "Автобус: Автобус 1 (К 123 ОР 11)\\, куратор Наталья Попова\\, +7 912 100-20-31" in calendar
    assert "Отправление: 09:30\\, возвращение около 12:00" in calendar
    assert "На карте: https://www.openstreetmap.org/?mlat=61.66880&mlon=50.83640#map=17/61.66880/50.83640" in calendar


def _count(database_url: str) -> int:
    async def run() -> int:
        async with Store(database_url) as store:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)))

    return asyncio.run(run())


def test_bus_door_api_refuses_the_wrong_bus_and_names_the_right_one(database_url: str, tmp_path: Path) -> None:
    """Through POST /api/v1/checkin/redeem, on both backends (SQLite's batch path and PostgreSQL's)."""
    sessions = import_syktyvkar(database_url, TODAY)
    settings = settings_for(database_url, tmp_path / "data")
    mondi = sessions["visit-mondi"]
    with TestClient(create_app(settings), base_url="https://events.example.org") as client:
        register(client, mondi, 0, "ООО «Лузалес»")
        register(client, mondi, 1, "АО «Монди СЛПК»")
        fill_buses(database_url, mondi)

        async def prepare() -> tuple[str, dict[int, tuple[str, int]]]:
            async with Store(database_url) as store:
                visit = await details.get_visit(store, await store.fetch_val(sa.select(t.events.c.id)), mondi)
                made = await devices.create_device(store, settings.secret_key, slug="syktyvkar-2021",
                                                   list_name=f"bus-{visit.groups[0].id}", name="Автобус 1",
                                                   now=datetime.now(UTC))
                rows = await store.fetch_all(
                    sa.select(t.tickets.c.secret, t.transport_seats.c.group_id, t.transport_seats.c.registration_id)
                    .join(t.transport_seats, t.transport_seats.c.registration_id == t.tickets.c.registration_id))
                return made.token, {row["group_id"]: (row["secret"], visit.groups[0].id) for row in rows}

        token, by_group = asyncio.run(prepare())
        bus1 = next(iter(by_group.values()))[1]
        wrong_secret = next(secret for group, (secret, _) in by_group.items() if group != bus1)
        right_secret = by_group[bus1][0]

        def redeem(secret: str) -> dict[str, Any]:
            response = client.post("/api/v1/checkin/redeem", headers={"Authorization": f"Bearer {token}"}, json={
                "secret": secret, "list": f"bus-{bus1}", "type": "entry", "nonce": uuid.uuid4().hex,
                "scanned_at": datetime.now(UTC).isoformat()})
            assert response.status_code == 200, response.text
            return dict(response.json())

        wrong, right = redeem(wrong_secret), redeem(right_secret)
        lists = client.get("/api/v1/checkin/lists", headers={"Authorization": f"Bearer {token}"}).json()

    assert (wrong["status"], wrong["reason"], wrong["bus"]) == ("error", "wrong_bus", "Автобус 2 (К 456 ОР 11)")
    assert wrong["message"] == "Не тот автобус: участник едет в «Автобус 2 (К 456 ОР 11)»"
    assert wrong["attendee"]["name"] in ("Лыткина Ирина",)
    assert (right["status"], right["bus"]) == ("ok", "Автобус 1 (К 123 ОР 11)")
    names = [item["name"] for item in lists["lists"]]
    assert f"bus-{bus1}" in names and f"visit-{mondi}" in names
