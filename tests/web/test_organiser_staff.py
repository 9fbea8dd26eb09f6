"""Staff accounts page: administrators create accounts, give and take roles, disable accounts."""

from __future__ import annotations

import re

import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.data import tables as t
from tests.factories import PASSWORD, add_staff, sign_in, signed_in
from tests.web.test_organiser_setup import query


def _staff_id(database_url: str, email: str) -> int:
    (row,) = query(database_url, sa.select(t.staff.c.id).where(t.staff.c.email == email))
    return int(row["id"])


def _roles(database_url: str, email: str) -> list[tuple[str, str, bool]]:
    rows = query(database_url, sa.select(t.events.c.slug, t.staff_roles.c.role, t.staff_roles.c.visitor_data)
                 .join(t.events, t.events.c.id == t.staff_roles.c.event_id)
                 .join(t.staff, t.staff.c.id == t.staff_roles.c.staff_id)
                 .where(t.staff.c.email == email).order_by(t.staff_roles.c.role))
    return [(row["slug"], row["role"], bool(row["visitor_data"])) for row in rows]


def _audit(database_url: str, action: str) -> list[tuple[str, str]]:
    return [(row["actor"], row["subject"]) for row in query(
        database_url, sa.select(t.audit_log).where(t.audit_log.c.action == action).order_by(t.audit_log.c.id))]


def test_admin_creates_an_account_that_can_sign_in(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")

    response = client.post("/organiser/staff", data={"email": "New@Example.ru", "name": "Анна Петрова",
                                                     "password": PASSWORD, "is_admin": "", "csrf_token": csrf},
                           follow_redirects=False)

    (row,) = query(database_url, sa.select(t.staff).where(t.staff.c.email == "new@example.ru"))
    assert response.headers["location"] == f"/organiser/staff?done=created#account-{row['id']}"
    assert (row["name"], row["is_admin"], row["disabled_at"]) == ("Анна Петрова", False, None)
    assert _audit(database_url, "staff.create")[-1] == ("admin@example.ru", "new@example.ru")
    assert "Анна Петрова" in client.get("/organiser/staff").text
    with TestClient(client.app) as other:
        sign_in(other, "new@example.ru")


def test_account_with_a_short_password_and_bad_email_shows_both_errors(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")

    response = client.post("/organiser/staff", data={"email": "not-an-email", "name": "Анна", "password": "short",
                                                     "csrf_token": csrf})

    assert response.status_code == 422
    assert re.search(r'id="e-email">Введите адрес электронной почты', response.text)
    assert re.search(r'id="e-password">[^<]*10', response.text)
    assert 'value="not-an-email"' in response.text and "short" not in re.findall(r'value="([^"]*)"', response.text)
    assert query(database_url, sa.select(t.staff.c.id).where(t.staff.c.email == "not-an-email")) == []


def test_admin_gives_and_takes_roles_per_event(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")
    add_staff(database_url, "door@example.ru", role="door", event="kirov-2020")
    staff_id = _staff_id(database_url, "door@example.ru")

    client.post(f"/organiser/staff/{staff_id}/roles", data={"event": "syktyvkar-2021", "role": "organiser",
                                                            "visitor_data": "1", "csrf_token": csrf})
    client.post(f"/organiser/staff/{staff_id}/roles", data={"event": "syktyvkar-2021", "role": "expert",
                                                            "csrf_token": csrf})
    client.post(f"/organiser/staff/{staff_id}/roles/revoke", data={"event": "kirov-2020", "role": "door",
                                                                   "csrf_token": csrf})

    assert _roles(database_url, "door@example.ru") == [("syktyvkar-2021", "expert", False),
                                                       ("syktyvkar-2021", "organiser", True)]
    assert ("admin@example.ru", "door@example.ru") in _audit(database_url, "staff.grant")
    assert _audit(database_url, "staff.revoke") == [("admin@example.ru", "door@example.ru")]
    audit_page = client.get("/organiser/audit").text
    assert "Роль отозвана</span></td><td>door@example.ru · Контролёр на входе</td>" in audit_page
    page = client.get("/organiser/staff").text
    assert ("Практическая сессия по развитию промышленных кластеров России: Организатор · данные посетителей"
            in page)
    assert "syktyvkar-2021:" not in page


def _grant_form(page: str, staff_id: int) -> str:
    found = re.search(rf'<form method="post" action="/organiser/staff/{staff_id}/roles" .*?</form>', page, flags=re.S)
    assert found is not None, "the grant form is not on the page"
    return found.group(0)


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select [^>]*name="{name}".*?</select>', html, flags=re.S)
    assert select is not None
    return re.findall(r"<option [^>]*>([^<]*)</option>", select.group(0))


def test_the_grant_form_is_open_on_the_card_and_names_events_and_roles_in_words(
        client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")
    created = client.post("/organiser/staff", data={"email": "expert@example.ru", "name": "Вера Экспертова",
                                                    "password": PASSWORD, "csrf_token": csrf}, follow_redirects=False)
    staff_id = _staff_id(database_url, "expert@example.ru")

    page = client.get(created.headers["location"]).text
    form = _grant_form(page, staff_id)
    refused = client.post(f"/organiser/staff/{staff_id}/roles", data={"event": "", "role": "expert",
                                                                       "csrf_token": csrf})

    assert created.headers["location"].endswith(f"#account-{staff_id}")
    assert "<details" not in page and "<summary" not in page
    assert f'<h4 class="grant-title" id="grant-{staff_id}">Выдать роль</h4>' in form
    events = _options(form, "event")
    assert events[0] == "Выберите мероприятие"
    assert "Практическая сессия по развитию промышленных кластеров России — Сыктывкар, 1–2 апреля 2021" in events
    assert not [label for label in events if re.search(r"[a-z]+-20\d\d", label)]  # no slug in sight
    assert _options(form, "role") == ["Организатор", "Контролёр на входе", "Эксперт", "Консультант"]
    assert refused.status_code == 422
    refused_form = _grant_form(refused.text, staff_id)
    assert "Выберите мероприятие из списка" in refused_form
    assert '<option value="expert" selected>Эксперт</option>' in refused_form
    client.get("/lang/en")
    english = _options(_grant_form(client.get("/organiser/staff").text, staff_id), "event")
    assert ("Practical Session on the Development of Industrial Clusters in Russia — Syktyvkar, 1–2 April 2021"
            in english)


def test_role_for_an_unknown_event_is_refused(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")
    add_staff(database_url, "door@example.ru", role="door", event="kirov-2020")
    staff_id = _staff_id(database_url, "door@example.ru")

    response = client.post(f"/organiser/staff/{staff_id}/roles", data={"event": "nowhere-2030", "role": "boss",
                                                                       "csrf_token": csrf})

    assert response.status_code == 422
    assert f'id="event-error-{staff_id}">Выберите мероприятие из списка' in response.text
    assert f'id="role-error-{staff_id}">Выберите: организатор, контролёр или эксперт' in response.text
    assert _roles(database_url, "door@example.ru") == [("kirov-2020", "door", False)]


def test_disabled_account_cannot_sign_in_and_is_enabled_again(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")
    add_staff(database_url, "org@example.ru", role="organiser", event="kirov-2020")
    staff_id = _staff_id(database_url, "org@example.ru")

    client.post(f"/organiser/staff/{staff_id}/status", data={"disabled": "1", "csrf_token": csrf})
    with TestClient(client.app) as other:
        token = re.search(r'name="login_token" value="([^"]+)"', other.get("/organiser/login").text)
        assert token
        refused = other.post("/organiser/login", data={"email": "org@example.ru", "password": PASSWORD,
                                                       "login_token": token.group(1)})
    client.post(f"/organiser/staff/{staff_id}/status", data={"disabled": "0", "csrf_token": csrf})

    assert refused.status_code == 422
    (row,) = query(database_url, sa.select(t.staff.c.disabled_at).where(t.staff.c.id == staff_id))
    assert row["disabled_at"] is None
    assert _audit(database_url, "staff.disable") == [("admin@example.ru", "org@example.ru")]
    assert _audit(database_url, "staff.enable") == [("admin@example.ru", "org@example.ru")]


def test_an_admin_cannot_disable_their_own_account(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")
    staff_id = _staff_id(database_url, "admin@example.ru")

    response = client.post(f"/organiser/staff/{staff_id}/status", data={"disabled": "1", "csrf_token": csrf})

    assert response.status_code == 422
    assert "Нельзя отключить собственную учётную запись" in response.text
    (row,) = query(database_url, sa.select(t.staff.c.disabled_at).where(t.staff.c.id == staff_id))
    assert row["disabled_at"] is None


def test_staff_page_is_for_administrators_only(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    csrf = sign_in(client, "org@example.ru")

    page = client.get("/organiser/staff")
    create = client.post("/organiser/staff", data={"email": "x@example.ru", "name": "X", "password": PASSWORD,
                                                   "is_admin": "1", "csrf_token": csrf})

    assert page.status_code == create.status_code == 403
    assert query(database_url, sa.select(t.staff.c.id).where(t.staff.c.email == "x@example.ru")) == []
