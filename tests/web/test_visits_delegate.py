"""The delegate's side of site visits through the real app: requirements before choosing, the
passport form, the bus on the ticket, cabinet and calendar, and the bus door's answer."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.clock import FixedClock
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.visits import details, transport
from tests.conftest import settings_for
from tests.factories import NOW, door_device, load_event_into, register_by_form, staff
from tests.web.test_api import _validate

# Syktyvkar's first morning (the buses leave at 09:30 Moscow time); the other tests run at `NOW`, before it.
ON_THE_DAY = datetime(2021, 4, 1, 6, 0, tzinfo=UTC)
PASSPORT = {"passport_series": "8710", "passport_number": "583920", "birth_date": "1979-02-11",
            "citizenship": "", "visitor_consent": "on"}


def fill_buses(database_url: str, session_id: int) -> None:
    async def run() -> None:
        async with Store(database_url) as store:
            event_id = await store.fetch_val(sa.select(t.sessions.c.event_id).where(t.sessions.c.id == session_id))
            filler = await staff(store, "filler@example.ru", admin=True, name="Filler")
            await transport.assign(store, member=filler, event_id=event_id, session_id=session_id, ip=None, now=NOW)

    asyncio.run(run())


def register(client: TestClient, session_id: int, n: int = 0, organisation: str = "ООО «Лузалес»") -> str:
    """Irina of `organisation` signs up for one visit through the form; gives the cabinet path."""
    return register_by_form(client, n, surname="Лыткина", given_name="Ирина", organisation_name=organisation,
                            sessions=[str(session_id)])


@pytest.fixture
def upcoming(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, int], str]]:
    sessions = load_event_into(database_url).sessions
    with TestClient(create_app(settings_for(database_url, tmp_path / "data"), clock=FixedClock(NOW)),
                    base_url="https://events.example.org") as client:
        yield client, sessions, database_url


sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
def test_registration_form_shows_what_each_enterprise_asks(upcoming: Any) -> None:
    client, sessions, _ = upcoming

    page = client.get("/events/syktyvkar-2021/register").text

    block = page[page.index(f'id="f-session-{sessions["visit-mondi"]}"'):page.index(f'id="f-session-{sessions["visit-luzales"]}"')]  # noqa: E501
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
    sessions = load_event_into(database_url).sessions
    settings = settings_for(database_url, tmp_path / "data")
    mondi = sessions["visit-mondi"]
    app = create_app(settings, clock=FixedClock(ON_THE_DAY))
    with TestClient(app, base_url="https://events.example.org") as client:
        register(client, mondi, 0, "ООО «Лузалес»")
        register(client, mondi, 1, "АО «Монди СЛПК»")
        fill_buses(database_url, mondi)

        async def prepare() -> tuple[str, dict[int, tuple[str, int]]]:
            async with Store(database_url) as store:
                visit = await details.get_visit(store, await store.fetch_val(sa.select(t.events.c.id)), mondi)
                made = (await door_device(store, settings, list_name=f"bus-{visit.groups[0].id}", name="Автобус 1",
                                          now=ON_THE_DAY)).made
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
                "scanned_at": ON_THE_DAY.isoformat()})
            assert response.status_code == 200, response.text
            return dict(response.json())

        wrong, right = redeem(wrong_secret), redeem(right_secret)
        _validate(client, wrong, "ScanAnswer")
        _validate(client, right, "ScanAnswer")
        lists = client.get("/api/v1/checkin/lists", headers={"Authorization": f"Bearer {token}"}).json()

    assert (wrong["status"], wrong["reason"], wrong["bus"]) == ("error", "wrong_bus", "Автобус 2 (К 456 ОР 11)")
    assert wrong["message"] == "Не тот автобус: участник едет в «Автобус 2 (К 456 ОР 11)»"
    assert wrong["attendee"]["name"] in ("Лыткина Ирина",)
    assert (right["status"], right["bus"]) == ("ok", "Автобус 1 (К 123 ОР 11)")
    names = [item["name"] for item in lists["lists"]]
    assert f"bus-{bus1}" in names and f"visit-{mondi}" in names
