"""Signing in to the workspace: passwords, rate limits, cookies, CSRF, the audit log."""

from __future__ import annotations

import re

import sqlalchemy as sa
from starlette.testclient import TestClient

from tests.factories import NOW, PASSWORD, add_staff, csrf_token, sign_in


def _login_token(client: TestClient) -> str:
    found = re.search(r'name="login_token" value="([^"]+)"', client.get("/organiser/login").text)
    assert found
    return found.group(1)


def test_workspace_without_sign_in_sends_the_browser_to_the_login_page(client: TestClient) -> None:
    response = client.get("/organiser/audit?action=staff.create", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/organiser/login?next=%2Forganiser%2Faudit%3Faction%3Dstaff.create"


def test_sign_in_sets_a_strict_session_cookie_and_lands_on_the_event_list(client: TestClient,
                                                                          database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    token = _login_token(client)

    response = client.post("/organiser/login", data={"email": " Org@Example.RU ", "password": PASSWORD,
                                                     "login_token": token, "next": "/organiser"},
                           follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/organiser"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("staff_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    home = client.get("/organiser")
    assert "Практическая сессия в Сыктывкаре" in home.text or "syktyvkar-2021" in home.text
    assert "Кировская" not in home.text  # only the events this account has a role in


def test_session_cookie_is_secure_under_https(database_url: str, tmp_path) -> None:
    from events_app.app import create_app
    from events_app.clock import FixedClock
    from tests.conftest import DEMO_NOW, load_demo, settings_for

    load_demo(database_url)
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    with TestClient(create_app(settings_for(database_url, tmp_path), clock=FixedClock(DEMO_NOW)),
                    base_url="https://testserver") as client:
        token = _login_token(client)
        response = client.post("/organiser/login", data={"email": "org@example.ru", "password": PASSWORD,
                                                         "login_token": token}, follow_redirects=False)
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_and_unknown_email_get_the_same_refusal(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")

    wrong_password = client.post("/organiser/login", data={"email": "org@example.ru", "password": "nope-nope-nope",
                                                           "login_token": _login_token(client)})
    unknown = client.post("/organiser/login", data={"email": "who@example.ru", "password": "nope-nope-nope",
                                                   "login_token": _login_token(client)})

    assert wrong_password.status_code == unknown.status_code == 422
    message = "Неверный адрес или пароль, или учётная запись отключена"
    assert message in wrong_password.text and message in unknown.text
    assert "staff_session" not in client.cookies


def test_login_without_its_form_token_is_refused(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")

    response = client.post("/organiser/login", data={"email": "org@example.ru", "password": PASSWORD})

    assert response.status_code == 403
    assert "staff_session" not in client.cookies


def test_login_attempts_per_account_are_limited(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    statuses = [client.post("/organiser/login", data={"email": "org@example.ru", "password": f"guess-{n:04d}xx",
                                                      "login_token": _login_token(client)}).status_code
                for n in range(11)]

    assert statuses == [422] * 10 + [429]
    # Even the right password waits until the window has passed.
    right = client.post("/organiser/login", data={"email": "org@example.ru", "password": PASSWORD,
                                                  "login_token": _login_token(client)})
    assert right.status_code == 429


def test_sign_out_ends_the_session_on_the_server(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    token = sign_in(client, "org@example.ru")
    cookie = client.cookies["staff_session"]

    client.post("/organiser/logout", data={"csrf_token": token})
    client.cookies.set("staff_session", cookie)  # a copy of the old cookie is of no use

    assert client.get("/organiser", follow_redirects=False).status_code == 303


def test_sign_out_without_the_csrf_token_is_refused(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    sign_in(client, "org@example.ru")

    response = client.post("/organiser/logout", data={"csrf_token": "forged"})

    assert response.status_code == 403
    assert client.get("/organiser", follow_redirects=False).status_code == 200


def test_changing_the_password_needs_the_current_one_and_is_audited(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    token = sign_in(client, "org@example.ru")

    refused = client.post("/organiser/account/password", data={
        "csrf_token": token, "current_password": "not-it-at-all", "new_password": "another-password-1"})
    changed = client.post("/organiser/account/password", data={
        "csrf_token": token, "current_password": PASSWORD, "new_password": "another-password-1"},
        follow_redirects=False)

    assert refused.status_code == 422 and "Это не ваш текущий пароль" in refused.text
    assert changed.status_code == 303
    client.post("/organiser/logout", data={"csrf_token": token})
    assert sign_in(client, "org@example.ru", "another-password-1")
    audit = client.get("/organiser/audit").text
    assert "staff.password" in audit and "staff.sign_in" in audit


def test_a_disabled_account_cannot_sign_in(client: TestClient, database_url: str) -> None:
    import asyncio

    from events_app.data import tables as t
    from events_app.data.database import Store

    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")

    async def disable() -> None:
        async with Store(database_url) as store:
            await store.execute(t.staff.update().values(disabled_at=NOW))
            assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.staff)) == 1

    asyncio.run(disable())
    response = client.post("/organiser/login", data={"email": "org@example.ru", "password": PASSWORD,
                                                     "login_token": _login_token(client)})
    assert response.status_code == 422


def test_login_next_cannot_leave_the_site(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")

    response = client.post("/organiser/login", data={"email": "org@example.ru", "password": PASSWORD,
                                                     "login_token": _login_token(client),
                                                     "next": "//evil.example/steal"}, follow_redirects=False)

    assert response.headers["location"] == "/organiser"


def test_csrf_token_is_per_session(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    first = sign_in(client, "org@example.ru")
    client.post("/organiser/logout", data={"csrf_token": first})
    second = sign_in(client, "org@example.ru")

    assert first != second
    assert csrf_token(client) == second
