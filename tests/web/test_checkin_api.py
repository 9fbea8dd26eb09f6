"""The door devices' JSON API and the pairing pages, through the real app."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.clock import FixedClock
from events_app.data.database import Store
from tests.conftest import settings_for
from tests.factories import door_device, load_event, register_by_api
from tests.web.test_api import _validate

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
# The first morning of Syktyvkar at its door, 09:30 Moscow time: the app's clock shows this moment,
# so "today" at the door is 1 April 2021 whatever day and zone the suite runs in.
AT_THE_DOOR = datetime(2021, 4, 1, 6, 30, tzinfo=UTC)
TODAY = date(2021, 4, 1)
ENTRY = f"entry-{TODAY.isoformat()}"
# The delegate at the door in these tests, as the scanner shows her.
OLGA = {"surname": "Кузнецова", "given_name": "Ольга", "organisation_name": "ООО «Алграф»", "position": "экономист",
        "days": [TODAY.isoformat()]}


@pytest.fixture
def setup(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, str, str]]:
    settings = settings_for(database_url, tmp_path / "data")

    async def prepare() -> tuple[str, str]:
        async with Store(database_url) as store:
            await load_event(store)
            door = await door_device(store, settings, list_name=ENTRY, now=AT_THE_DOOR)
            return door.made.token, door.made.pairing_code

    token, code = asyncio.run(prepare())
    app = create_app(settings, clock=FixedClock(AT_THE_DOOR))
    with TestClient(app, base_url="https://events.example.org") as client:
        yield client, token, code


def _register(client: TestClient, n: int = 0) -> str:
    return str(register_by_api(client, n, **OLGA)["ticket_url"])


def _redeem(client: TestClient, token: str, secret: str, nonce: str | None = None) -> dict[str, object]:
    response = client.post("/api/v1/checkin/redeem", headers={"Authorization": f"Bearer {token}"}, json={
        "secret": secret, "list": ENTRY, "type": "entry", "nonce": nonce or uuid.uuid4().hex,
        "scanned_at": AT_THE_DOOR.isoformat()})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_redeem_by_ticket_url_then_already_checked_in(setup: tuple[TestClient, str, str]) -> None:
    client, token, _ = setup
    ticket_url = _register(client)

    first = _redeem(client, token, ticket_url)
    second = _redeem(client, token, ticket_url)

    _validate(client, first, "ScanAnswer")
    _validate(client, second, "ScanAnswer")
    assert (first["status"], first["message"]) == ("ok", "Проходите")
    assert first["attendee"] == {"name": "Кузнецова Ольга", "organisation": "ООО «Алграф»", "category": "enterprise",
                                 "category_label": "Предприятие"}
    assert (second["status"], second["reason"]) == ("error", "already_checked_in")
    assert second["first_checkin"]["device"] == "Вход 1"


def test_lists_offline_data_and_search(setup: tuple[TestClient, str, str]) -> None:
    client, token, _ = setup
    ticket_url = _register(client)
    auth = {"Authorization": f"Bearer {token}"}
    _redeem(client, token, ticket_url)

    lists = client.get("/api/v1/checkin/lists", headers=auth).json()
    offline = client.get(f"/api/v1/checkin/lists/{ENTRY}/offline", headers=auth).json()
    found = client.get("/api/v1/checkin/search", params={"list": ENTRY, "q": "кузнец"}, headers=auth).json()

    assert lists["device"] == {"name": "Вход 1", "event": "syktyvkar-2021",
                               "event_title": "Практическая сессия по развитию промышленных кластеров России",
                               "default_list": ENTRY}
    entry = next(item for item in lists["lists"] if item["name"] == ENTRY)
    assert (entry["expected"], entry["checked_in"], entry["closed"]) == (1, 1, False)
    assert [item["name"] for item in lists["lists"]][:2] == [ENTRY, f"entry-{date.fromordinal(TODAY.toordinal() + 1)}"]
    assert [(t["name"], len(t["hash"]), t["checked_in_at"] is not None) for t in offline["tickets"]] == [
        ("Кузнецова Ольга", 64, True)]
    assert [r["secret"] for r in found["results"]] == [ticket_url.rsplit("/", 1)[1]]


def test_search_and_offline_data_name_a_delegate_of_another_day_without_the_secret(
        setup: tuple[TestClient, str, str]) -> None:
    client, token, _ = setup
    auth = {"Authorization": f"Bearer {token}"}
    register_by_api(client, 0, **{**OLGA, "days": ["2021-04-02"]})

    found = client.get("/api/v1/checkin/search", params={"list": ENTRY, "q": "ольга"}, headers=auth).json()
    offline = client.get(f"/api/v1/checkin/lists/{ENTRY}/offline", headers=auth).json()

    assert found["results"] == []
    assert found["others"] == [{"name": "Кузнецова Ольга", "organisation": "ООО «Алграф»", "category": "enterprise",
                                "category_label": "Предприятие", "reason": "wrong_day",
                                "message": "Билет на 2 апреля, не на сегодня"}]
    assert offline["tickets"] == []
    assert [(r["name"], len(r["hash"]), r["message"]) for r in offline["refused"]] == [
        ("Кузнецова Ольга", 64, "Билет на 2 апреля, не на сегодня")]


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic abc"])
def test_requests_without_a_valid_device_token_are_refused(setup: tuple[TestClient, str, str],
                                                           header: str | None) -> None:
    client, _, _ = setup
    headers = {"Authorization": header} if header else {}

    response = client.get("/api/v1/checkin/lists", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_bad_scan_body_is_refused_field_by_field(setup: tuple[TestClient, str, str]) -> None:
    client, token, _ = setup

    response = client.post("/api/v1/checkin/redeem", headers={"Authorization": f"Bearer {token}"},
                           json={"secret": "", "list": ENTRY, "type": "enter", "nonce": "x",
                                 "scanned_at": "2001-01-01T00:00:00Z"})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"secret", "type", "nonce", "scanned_at"}


def test_unknown_list_is_a_404(setup: tuple[TestClient, str, str]) -> None:
    client, token, _ = setup

    response = client.post("/api/v1/checkin/redeem", headers={"Authorization": f"Bearer {token}"},
                           json={"secret": "A" * 26, "list": "entry-1999-01-01", "nonce": uuid.uuid4().hex})

    assert response.status_code == 404


def test_pairing_page_hands_the_token_over_once(setup: tuple[TestClient, str, str]) -> None:
    client, token, code = setup

    page = client.get(f"/pair/{code}")
    paired = client.post(f"/pair/{code}")
    again = client.post(f"/pair/{code}")

    assert "Вход 1" in page.text
    assert re.search(rf'data-token="{re.escape(token)}"', paired.text)
    assert again.status_code == 409
    assert token not in again.text


def test_organiser_view_shows_counts_arrivals_last_scans_and_offline_conflicts(
        setup: tuple[TestClient, str, str], database_url: str, tmp_path: Path) -> None:
    from events_app.domain.links import sign_checkin_view_link

    client, token, _ = setup
    ticket_url = _register(client)
    _redeem(client, token, ticket_url)
    # A second phone that was offline admitted the same delegate and uploads its scan later.
    late = client.post("/api/v1/checkin/redeem", headers={"Authorization": f"Bearer {token}"}, json={
        "secret": ticket_url, "list": ENTRY, "type": "entry", "nonce": uuid.uuid4().hex, "offline": True,
        "scanned_at": AT_THE_DOOR.isoformat()}).json()
    assert late["reason"] == "already_checked_in"
    settings = settings_for(database_url, tmp_path / "data")
    link = sign_checkin_view_link(settings.secret_key, event_id=1, now=AT_THE_DOOR)

    page = client.get(f"/organiser/checkin/{link}")
    partial = client.get(f"/organiser/checkin/{link}?partial=1")

    assert page.status_code == 200
    entry = page.text.split(f"<code>{ENTRY}</code>")[1].split("</section>")[0]
    assert "<strong>1</strong> / 1" in entry
    assert entry.count("<rect ") == 1
    assert "Конфликты" in entry and "Кузнецова Ольга" in entry
    assert "Уже отмечен в этом списке" in entry and "(офлайн)" in entry
    assert partial.text.lstrip().startswith('<p class="meta">Обновлено в ')
    assert client.get(f"/organiser/checkin/{link[:-2]}xx").status_code == 403


def test_offline_admission_known_only_by_the_ticket_hash_is_redeemed(setup: tuple[TestClient, str, str]) -> None:
    client, token, _ = setup
    auth = {"Authorization": f"Bearer {token}"}
    secret = _register(client).rsplit("/", 1)[1]
    offline = client.get(f"/api/v1/checkin/lists/{ENTRY}/offline", headers=auth).json()

    def upload(ticket_hash: str) -> dict[str, object]:
        return dict(client.post("/api/v1/checkin/redeem", headers=auth, json={
            "ticket_hash": ticket_hash, "list": ENTRY, "type": "entry", "nonce": uuid.uuid4().hex,
            "scanned_at": AT_THE_DOOR.isoformat(), "offline": True}).json())

    admitted = upload(offline["tickets"][0]["hash"])
    again = client.post("/api/v1/checkin/redeem", headers=auth, json={
        "secret": secret, "list": ENTRY, "nonce": uuid.uuid4().hex, "scanned_at": AT_THE_DOOR.isoformat()}).json()
    stranger = upload("0" * 64)
    malformed = client.post("/api/v1/checkin/redeem", headers=auth, json={
        "ticket_hash": "XYZ", "list": ENTRY, "nonce": uuid.uuid4().hex})

    assert (admitted["status"], admitted["attendee"]["name"]) == ("ok", "Кузнецова Ольга")
    assert again["reason"] == "already_checked_in"
    assert stranger["reason"] == "unknown_ticket"
    assert malformed.status_code == 422
    assert malformed.json()["error"]["fields"] == {
        "ticket_hash": "ticket_hash — это SHA-256 кода билета, 64 шестнадцатеричные цифры"}
