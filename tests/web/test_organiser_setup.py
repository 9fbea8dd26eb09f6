"""Event set-up pages: a new event, details and publication, venues, organisations, registration."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.data import tables as t
from events_app.data.database import Store
from tests.factories import add_staff, sign_in

SETTINGS = "/organiser/events/syktyvkar-2021/settings"
SYKTYVKAR = "Практическая сессия по развитию промышленных кластеров России"
NEW_EVENT = {"slug": "kirov-2026", "title": "Сессия в Кирове", "title_en": "Kirov session",
             "format": "practical_session", "city": "Киров", "region_code": "43", "timezone": "Europe/Kirov",
             "starts_on": "2026-12-17", "ends_on": "2026-12-18"}


def query(database_url: str, statement: Any) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        async with Store(database_url) as store:
            return [dict(row) for row in await store.fetch_all(statement)]
    return asyncio.run(run())


def audit_actions(database_url: str) -> list[tuple[str, str]]:
    return [(row["action"], row["subject"]) for row in query(
        database_url, sa.select(t.audit_log).where(~t.audit_log.c.action.in_(["staff.create", "staff.grant",
                                                                                "staff.sign_in"]))
        .order_by(t.audit_log.c.id))]


def event_row(database_url: str, slug: str = "syktyvkar-2021") -> dict[str, Any]:
    (row,) = query(database_url, sa.select(t.events).where(t.events.c.slug == slug))
    return row


def organiser(client: TestClient, database_url: str) -> str:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    return sign_in(client, "org@example.ru")


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="e-{name}">([^<]*)</p>', html)
    assert found, f"no error paragraph for {name}"
    return found.group(1)


def test_admin_creates_an_event_as_a_draft(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "admin@example.ru", role="admin")
    csrf = sign_in(client, "admin@example.ru")
    assert 'href="/organiser/events/new"' in client.get("/organiser").text

    response = client.post("/organiser/events/new", data={**NEW_EVENT, "csrf_token": csrf}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/organiser/events/kirov-2026/settings?created=1"
    row = event_row(database_url, "kirov-2026")
    assert (row["title"], row["title_en"], row["city"], row["region_code"], row["timezone"], row["status"]) == (
        "Сессия в Кирове", "Kirov session", "Киров", "43", "Europe/Kirov", "draft")
    assert ("event.create", "Сессия в Кирове") in audit_actions(database_url)
    page = client.get(response.headers["location"])
    assert "Опубликовать мероприятие" in page.text


def test_new_event_with_a_bad_slug_shows_the_error_beside_it(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "admin@example.ru", role="admin")
    csrf = sign_in(client, "admin@example.ru")

    response = client.post("/organiser/events/new", data={**NEW_EVENT, "slug": "Киров 2026", "csrf_token": csrf})

    assert response.status_code == 422
    assert field_error(response.text, "slug").startswith("От 3 до 60 латинских букв")
    assert 'value="Сессия в Кирове"' in response.text  # the form keeps what was typed
    assert query(database_url, sa.select(t.events.c.id).where(t.events.c.slug.like("%2026%"))) == []


def test_new_event_ending_before_it_starts_is_refused(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "admin@example.ru", role="admin")
    csrf = sign_in(client, "admin@example.ru")

    response = client.post("/organiser/events/new", data={**NEW_EVENT, "ends_on": "2026-12-16", "csrf_token": csrf})

    assert response.status_code == 422
    assert field_error(response.text, "ends_on") == "Последний день не может быть раньше первого"
    assert field_error(response.text, "slug") == ""


def test_an_organiser_cannot_create_events(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)

    response = client.post("/organiser/events/new", data={**NEW_EVENT, "csrf_token": csrf})

    assert response.status_code == 403
    assert query(database_url, sa.select(t.events.c.id).where(t.events.c.slug == "kirov-2026")) == []


def test_settings_page_links_every_set_up_page(client: TestClient, database_url: str) -> None:
    organiser(client, database_url)

    page = client.get(SETTINGS)

    assert page.status_code == 200
    for path in ("/details", "/venues", "/organisations", "/registration"):
        assert f'href="{SETTINGS}{path}"' in page.text
        assert client.get(SETTINGS + path).status_code == 200
    assert 'href="/organiser/events/syktyvkar-2021/agenda/import"' in page.text
    assert 'href="/organiser/events/syktyvkar-2021/agenda/export"' in page.text


def test_details_are_saved_and_audited(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)
    form = {**{k: v for k, v in NEW_EVENT.items() if k != "slug"}, "starts_on": "2021-04-01",
            "ends_on": "2021-04-02", "timezone": "Europe/Moscow", "region_code": "11", "city": "Сыктывкар",
            "description": "Описание", "csrf_token": csrf}

    response = client.post(SETTINGS + "/details", data=form, follow_redirects=False)

    assert response.headers["location"] == SETTINGS + "/details?saved=1"
    row = event_row(database_url)
    assert (row["title"], row["title_en"], row["description"]) == ("Сессия в Кирове", "Kirov session", "Описание")
    assert ("event.update", "Сессия в Кирове") in audit_actions(database_url)


def test_shortening_the_days_names_the_sessions_left_outside(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)
    form = {"title": "Сессия", "format": "practical_session", "city": "Сыктывкар", "region_code": "11",
            "timezone": "Europe/Moscow", "starts_on": "2021-04-01", "ends_on": "2021-04-01", "csrf_token": csrf}

    response = client.post(SETTINGS + "/details", data=form)

    assert response.status_code == 422
    assert "Сессии окажутся вне дней мероприятия" in response.text
    assert "02.04.2021 11:20 — Предварительная защита совместных кластерных проектов" in response.text
    assert event_row(database_url)["ends_on"].isoformat() == "2021-04-02"


def test_publishing_a_draft(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "admin@example.ru", role="admin")
    csrf = sign_in(client, "admin@example.ru")
    client.post("/organiser/events/new", data={**NEW_EVENT, "csrf_token": csrf})

    response = client.post("/organiser/events/kirov-2026/settings/status", data={"status": "published",
                                                                                 "csrf_token": csrf},
                           follow_redirects=False)

    assert response.status_code == 303
    assert event_row(database_url, "kirov-2026")["status"] == "published"
    assert ("event.publish", "Сессия в Кирове") in audit_actions(database_url)
    assert client.get("/events/kirov-2026").status_code == 200


def test_door_staff_cannot_change_settings(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "door@example.ru", role="door", event="syktyvkar-2021")
    csrf = sign_in(client, "door@example.ru")

    page = client.get(SETTINGS)
    change = client.post(SETTINGS + "/status", data={"status": "draft", "csrf_token": csrf})

    assert page.status_code == change.status_code == 403
    assert event_row(database_url)["status"] == "published"


def test_organiser_of_another_event_gets_403(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "kirov@example.ru", role="organiser", event="kirov-2020")
    csrf = sign_in(client, "kirov@example.ru")

    page = client.get(SETTINGS + "/venues")
    change = client.post(SETTINGS + "/venues", data={"key": "x", "name": "X", "kind": "hall", "csrf_token": csrf})

    assert page.status_code == change.status_code == 403
    assert query(database_url, sa.select(t.venues.c.id).where(t.venues.c.key == "x")) == []


VENUE = {"key": "factory", "name": "Завод", "kind": "enterprise", "address": "ул. Заводская, 1",
         "latitude": "61.67", "longitude": "50.84", "organisation": "luzales", "description": "Цех"}


def test_venue_is_added_and_edited(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)

    client.post(SETTINGS + "/venues", data={**VENUE, "csrf_token": csrf})
    (row,) = query(database_url, sa.select(t.venues).where(t.venues.c.key == "factory"))
    edit = client.get(f"{SETTINGS}/venues/{row['id']}")
    client.post(f"{SETTINGS}/venues/{row['id']}", data={**VENUE, "name": "Завод №2", "csrf_token": csrf})

    assert 'value="Завод"' in edit.text
    (changed,) = query(database_url, sa.select(t.venues).where(t.venues.c.key == "factory"))
    assert (changed["name"], changed["kind"], changed["latitude"], changed["longitude"], changed["description"]) == (
        "Завод №2", "enterprise", 61.67, 50.84, "Цех")
    actions = audit_actions(database_url)
    assert ("venue.create", "Завод") in actions and ("venue.update", "Завод №2") in actions


def test_venue_latitude_91_is_refused(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)

    response = client.post(SETTINGS + "/venues", data={**VENUE, "latitude": "91", "csrf_token": csrf})

    assert response.status_code == 422
    assert field_error(response.text, "latitude") == "Широта — число от −90 до 90"
    assert query(database_url, sa.select(t.venues.c.id).where(t.venues.c.key == "factory")) == []


def test_a_venue_used_by_sessions_is_not_removed(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)
    (mondi,) = query(database_url, sa.select(t.venues).where(t.venues.c.key == "mondi"))

    response = client.post(f"{SETTINGS}/venues/{mondi['id']}/remove", data={"csrf_token": csrf})

    assert response.status_code == 422
    assert "Площадку используют сессии" in response.text
    assert "Посещение АО «Монди СЛПК»" in response.text
    assert query(database_url, sa.select(t.venues.c.id).where(t.venues.c.id == mondi["id"])) != []


ORGANISATION = {"key": "kirov-fund", "name": "Фонд развития", "short_name": "Фонд", "inn": "7705596339",
                "region_code": "43", "website": "https://fond43.ru", "role": "organiser"}


def test_new_organisation_is_added_as_an_organiser(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)

    client.post(SETTINGS + "/organisations/new", data={**ORGANISATION, "csrf_token": csrf})
    page = client.get(SETTINGS + "/organisations")

    (row,) = query(database_url, sa.select(t.organisations).where(t.organisations.c.key == "kirov-fund"))
    assert (row["name"], row["short_name"], row["inn"], row["region_code"]) == ("Фонд развития", "Фонд",
                                                                                  "7705596339", "43")
    links = query(database_url, sa.select(t.event_organisations).where(
        t.event_organisations.c.organisation_id == row["id"]))
    assert [(link["role"], link["position"]) for link in links] == [("organiser", 3)]
    assert "Фонд развития" in page.text
    assert ("organisation.create", "Фонд развития") in audit_actions(database_url)


def test_organisation_inn_with_a_wrong_check_digit_is_refused(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)

    response = client.post(SETTINGS + "/organisations/new", data={**ORGANISATION, "inn": "7705596338",
                                                                  "csrf_token": csrf})

    assert response.status_code == 422
    assert field_error(response.text, "inn") == "Неверная контрольная цифра ИНН: проверьте номер"
    assert query(database_url, sa.select(t.organisations.c.id).where(t.organisations.c.key == "kirov-fund")) == []


def test_existing_organisation_is_linked_and_moved(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)

    client.post(SETTINGS + "/organisations/link", data={"existing": "luzales", "existing_role": "partner",
                                                        "csrf_token": csrf})
    client.post(SETTINGS + "/organisations/luzales/arrange", data={"role": "partner", "action": "up",
                                                                   "csrf_token": csrf})

    partners = query(database_url, sa.select(t.organisations.c.key).join(
        t.event_organisations, t.event_organisations.c.organisation_id == t.organisations.c.id)
        .join(t.events, t.events.c.id == t.event_organisations.c.event_id)
        .where(t.events.c.slug == "syktyvkar-2021", t.event_organisations.c.role == "partner")
        .order_by(t.event_organisations.c.position))
    assert [row["key"] for row in partners] == ["luzales", "akit"]
    actions = audit_actions(database_url)
    assert ("event.organisation_add", "ООО «Лузалес»") in actions
    assert ("event.organisation_move", "ООО «Лузалес»") in actions


def test_registration_settings_are_saved_in_the_events_time(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)

    client.post(SETTINGS + "/registration", data={
        "capacity": "150", "registration_opens": "2021-03-01T09:00", "registration_closes": "2021-03-31T18:00",
        "moderation": "1", "consent_version": "komi-1", "consent_text": "Согласие.", "csrf_token": csrf})
    page = client.get(SETTINGS + "/registration")

    row = event_row(database_url)
    assert (row["capacity"], row["moderation"], row["consent_version"], row["consent_text"]) == (
        150, True, "komi-1", "Согласие.")
    assert row["registration_opens_at"].isoformat() == "2021-03-01T06:00:00+00:00"
    assert 'value="2021-03-01T09:00"' in page.text
    assert ("event.registration_settings", SYKTYVKAR) in audit_actions(database_url)


def test_changed_consent_text_without_a_new_version_is_refused(client: TestClient, database_url: str) -> None:
    csrf = organiser(client, database_url)
    form = {"capacity": "", "consent_version": "komi-1", "consent_text": "Согласие.", "csrf_token": csrf}
    client.post(SETTINGS + "/registration", data=form)

    response = client.post(SETTINGS + "/registration", data={**form, "consent_text": "Новое согласие."})

    assert response.status_code == 422
    assert field_error(response.text, "consent_version").startswith("Текст изменился")
    assert event_row(database_url)["consent_text"] == "Согласие."


def test_taking_the_event_back_to_a_draft_asks_once_more(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    csrf = sign_in(client, "org@example.ru")

    asked = client.post(SETTINGS + "/status", data={"status": "draft", "csrf_token": csrf})
    still = client.get("/events/syktyvkar-2021")
    done = client.post(SETTINGS + "/status", data={"status": "draft", "confirm": "yes", "csrf_token": csrf},
                       follow_redirects=False)

    assert "<h1>Вернуть мероприятие в черновик?</h1>" in asked.text
    assert '<input type="hidden" name="status" value="draft">' in asked.text
    assert still.status_code == 200
    assert done.status_code == 303
    assert event_row(database_url)["status"] == "draft"
