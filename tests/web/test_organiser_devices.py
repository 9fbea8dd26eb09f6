"""Check-in in the workspace: the per-list view, and door devices created, paired and revoked."""

from __future__ import annotations

import re

import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.data import tables as t
from tests.factories import add_staff, sign_in, signed_in
from tests.web.test_organiser_setup import query

CHECKIN = "/organiser/events/syktyvkar-2021/checkin"



def _create(client: TestClient, csrf: str, name: str = "Вход 1", list_name: str = "entry-2021-04-01"):
    return client.post(CHECKIN + "/devices", data={"name": name, "list": list_name, "csrf_token": csrf})


def test_checkin_page_shows_each_list_and_refreshes_itself(client: TestClient, database_url: str) -> None:
    signed_in(client, database_url, "org@example.ru", role="organiser")

    page = client.get(CHECKIN)
    partial = client.get(CHECKIN + "?partial=1")

    assert page.status_code == 200
    assert f'data-refresh="{CHECKIN}?partial=1"' in page.text
    assert "/static/checkin_view.js" in page.text
    assert '<code>entry-2021-04-01</code>' in page.text and '<code>entry-2021-04-02</code>' in page.text
    assert "<html" not in partial.text
    assert '<code>entry-2021-04-01</code>' in partial.text
    assert partial.headers["cache-control"] == "no-store"


def test_creating_a_device_shows_its_pairing_link_qr_and_token_once(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")

    response = _create(client, csrf)

    assert response.status_code == 200
    url = re.search(r'href="(https://events\.example\.org/pair/[^"]+)"', response.text)
    assert url, response.text
    assert re.search(r'<div class="qr"[^>]*><svg ', response.text)
    token = re.search(r'<code class="token">([^<]+)</code>', response.text)
    assert token
    (device,) = query(database_url, sa.select(t.devices))
    assert (device["name"], device["default_list"], device["paired_at"], device["revoked_at"]) == (
        "Вход 1", "entry-2021-04-01", None, None)
    (entry,) = query(database_url, sa.select(t.audit_log).where(t.audit_log.c.action == "device.create"))
    assert (entry["actor"], entry["subject"]) == ("org@example.ru", "Вход 1")
    listed = client.get(CHECKIN).text
    assert "Вход 1" in listed and "ещё не подключено" in listed and token.group(1) not in listed
    pairing = client.get(url.group(1).removeprefix("https://events.example.org"))
    assert pairing.status_code == 200 and "Вход 1" in pairing.text
    lists = client.get("/api/v1/checkin/lists", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert lists.status_code == 200


def test_device_for_an_unknown_list_is_refused(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")

    response = _create(client, csrf, list_name="entry-2030-01-01")

    assert response.status_code == 422
    assert 'id="e-list">Выберите один из списков мероприятия' in response.text
    assert 'value="Вход 1"' in response.text
    assert query(database_url, sa.select(t.devices)) == []


def test_device_without_a_name_is_refused(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")

    response = _create(client, csrf, name="  ")

    assert response.status_code == 422
    assert re.search(r'id="e-name">\S', response.text)
    assert query(database_url, sa.select(t.devices)) == []


def test_revoked_device_can_no_longer_scan(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    token = re.search(r'<code class="token">([^<]+)</code>', _create(client, csrf).text)
    assert token
    (device,) = query(database_url, sa.select(t.devices))

    response = client.post(f"{CHECKIN}/devices/{device['id']}/revoke", data={"csrf_token": csrf},
                           follow_redirects=False)

    assert response.headers["location"] == f"{CHECKIN}?revoked=1#devices"
    (revoked,) = query(database_url, sa.select(t.devices))
    assert revoked["revoked_at"] is not None
    lists = client.get("/api/v1/checkin/lists", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert lists.status_code == 401
    (entry,) = query(database_url, sa.select(t.audit_log).where(t.audit_log.c.action == "device.revoke"))
    assert (entry["actor"], entry["subject"]) == ("org@example.ru", "Вход 1")
    assert "отключено" in client.get(CHECKIN).text


def test_a_device_of_another_event_cannot_be_revoked_from_here(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "admin@example.ru", role="admin")
    csrf = sign_in(client, "admin@example.ru")
    client.post("/organiser/events/kirov-2020/checkin/devices",
                data={"name": "Киров", "list": "entry-2020-08-20", "csrf_token": csrf})
    (device,) = query(database_url, sa.select(t.devices))

    response = client.post(f"{CHECKIN}/devices/{device['id']}/revoke", data={"csrf_token": csrf})

    assert response.status_code == 404
    assert query(database_url, sa.select(t.devices.c.revoked_at))[0]["revoked_at"] is None


def test_door_staff_and_other_events_organisers_get_403(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "door@example.ru", role="door", event="syktyvkar-2021")
    add_staff(database_url, "kirov@example.ru", role="organiser", event="kirov-2020")
    door_csrf = sign_in(client, "door@example.ru")
    door_page, door_create = client.get(CHECKIN), _create(client, door_csrf)
    client.cookies.clear()
    kirov_csrf = sign_in(client, "kirov@example.ru")

    kirov_page, kirov_create = client.get(CHECKIN), _create(client, kirov_csrf)

    assert [door_page.status_code, door_create.status_code, kirov_page.status_code, kirov_create.status_code] == [
        403, 403, 403, 403]
    assert query(database_url, sa.select(t.devices)) == []
