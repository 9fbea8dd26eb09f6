"""The public consultation pages and the JSON API, through the real app on a fixed clock."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.clock import FixedClock
from events_app.data import tables as t
from events_app.data.database import Store
from tests.conftest import settings_for
from tests.consultation_support import NOW, add_slot, person


def _slots(url: str, *specs: dict[str, object]) -> list[int]:
    async def run() -> list[int]:
        async with Store(url) as store:
            return [await add_slot(store, **spec) for spec in specs]

    return asyncio.run(run())


@pytest.fixture
def app_client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(settings_for(sqlite_url, tmp_path / "data"), clock=FixedClock(NOW))
    with TestClient(app, headers={"X-Forwarded-For": "198.51.100.7"}) as client:
        yield client


def _count(url: str, table: sa.Table) -> int:
    async def run() -> int:
        async with Store(url) as store:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(table)))

    return asyncio.run(run())


def test_list_page_shows_upcoming_slots_and_filters_them(app_client: TestClient, sqlite_url: str) -> None:
    _slots(sqlite_url, {"topic": "Субсидии"}, {"topic": "Реестр кластеров", "starts_at": NOW + timedelta(days=3)},
           {"starts_at": NOW - timedelta(hours=1)})

    everything = app_client.get("/consultations").text
    filtered = app_client.get("/consultations", params={"topic": "Реестр кластеров"}).text

    assert everything.count('class="slot-link"') == 2
    assert filtered.count('class="slot-link"') == 1 and "Реестр кластеров" in filtered
    assert '<label for="f-topic">Тема</label>' in everything


def test_list_page_names_each_slots_zone_counted_from_moscow(app_client: TestClient, sqlite_url: str) -> None:
    # The same moment in Kirov and in Novosibirsk: a delegate from either sees whose 10:00 it is.
    _slots(sqlite_url, {"topic": "Субсидии"}, {"topic": "Реестр кластеров", "timezone": "Asia/Novosibirsk"})

    russian = re.findall(r"<strong>([^<]+)</strong> · ([^<]+)</a>", app_client.get("/consultations").text)
    app_client.get("/lang/en")
    english = re.findall(r"<strong>([^<]+)</strong> · ([^<]+)</a>", app_client.get("/consultations").text)

    assert russian == [("10:00–10:30 (МСК)", "Субсидии"), ("14:00–14:30 (МСК+4)", "Реестр кластеров")]
    assert english == [("10:00–10:30 (Moscow time)", "Субсидии"), ("14:00–14:30 (UTC+7)", "Реестр кластеров")]


def test_booking_form_books_and_shows_the_booking(app_client: TestClient, sqlite_url: str) -> None:
    (slot_id,) = _slots(sqlite_url, {})
    form = {"surname": "Петрова", "given_name": "Мария", "email": "maria@example.ru", "phone": "+79120000000",
            "organisation_name": "ООО «Ткань»", "organisation_inn": "", "consent": "on"}

    answer = app_client.post(f"/consultations/{slot_id}", data=form, follow_redirects=False)
    page = app_client.get(answer.headers["location"])
    ics = app_client.get(answer.headers["location"].split("?")[0] + "/calendar.ics")

    assert answer.status_code == 303
    assert "Петрова Мария" in page.text and "maria@example.ru" in page.text
    assert "<dd>1 апреля, среда, 10:00–10:30 (МСК)</dd>" in page.text
    assert "Отменить запись можно до 1 апреля, среда, 08:00 (МСК)." in page.text
    assert ics.headers["content-type"].startswith("text/calendar") and b"SUMMARY:" in ics.content


def test_booking_form_shows_each_error_next_to_its_field(app_client: TestClient, sqlite_url: str) -> None:
    (slot_id,) = _slots(sqlite_url, {})
    answer = app_client.post(f"/consultations/{slot_id}", data={"surname": "Петрова", "organisation_inn": "123"})

    assert answer.status_code == 422
    assert re.search(r'id="e-organisation_inn">[^<]+<', answer.text)
    assert re.search(r'id="e-consent">[^<]+<', answer.text)
    assert _count(sqlite_url, t.consultation_bookings) == 0


def test_api_lists_slots_with_the_offset_and_books_one(app_client: TestClient, sqlite_url: str) -> None:
    first, second = _slots(sqlite_url, {}, {"starts_at": NOW + timedelta(days=3)})

    listed = app_client.get("/api/v1/consultations/slots").json()
    made = app_client.post(f"/api/v1/consultations/slots/{first}/bookings", json=person(1))
    again = app_client.post(f"/api/v1/consultations/slots/{first}/bookings", json=person(2))
    after = app_client.get("/api/v1/consultations/slots").json()

    assert [(s["id"], s["starts_at"], s["status"]) for s in listed["slots"]] == [
        (first, "2026-04-01T10:00:00+03:00", "free"), (second, "2026-04-02T10:00:00+03:00", "free")]
    assert made.status_code == 201 and made.json()["status"] == "booked"
    assert made.json()["calendar_url"].startswith("https://events.example.org/consultations/b/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "slot_taken"
    assert [s["id"] for s in again.json()["next_free"]] == [second]
    assert [s["status"] for s in after["slots"]] == ["booked", "free"]


def test_api_refuses_bad_input_and_unknown_slots(app_client: TestClient, sqlite_url: str) -> None:
    (slot_id,) = _slots(sqlite_url, {})
    invalid = app_client.post(f"/api/v1/consultations/slots/{slot_id}/bookings", json=person(1, consent=False))
    unknown = app_client.post("/api/v1/consultations/slots/999/bookings", json=person(1))
    bad_date = app_client.get("/api/v1/consultations/slots", params={"date": "tomorrow"})

    assert (invalid.status_code, list(invalid.json()["error"]["fields"])) == (422, ["consent"])
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
    assert (bad_date.status_code, bad_date.json()["error"]["code"]) == (422, "invalid_input")


def test_cancel_from_the_booking_page_frees_the_slot(app_client: TestClient, sqlite_url: str) -> None:
    (slot_id,) = _slots(sqlite_url, {})
    made = app_client.post(f"/api/v1/consultations/slots/{slot_id}/bookings", json=person(1)).json()
    path = made["booking_url"].replace("https://events.example.org", "")

    app_client.post(path + "/cancel")

    assert "booked" not in [s["status"] for s in app_client.get("/api/v1/consultations/slots").json()["slots"]]
    assert app_client.post(f"/api/v1/consultations/slots/{slot_id}/bookings", json=person(2)).status_code == 201


def test_openapi_documents_both_consultation_paths(app_client: TestClient) -> None:
    document = app_client.get("/api/v1/openapi.json").json()
    assert {"/consultations/slots", "/consultations/slots/{slot_id}/bookings"} <= set(document["paths"])
