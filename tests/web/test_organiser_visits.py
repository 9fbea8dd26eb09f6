"""Site visits in the organiser workspace through the real app: buses, moves, manifests, times,
and the visitor list that only the visitor-data permission opens."""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.clock import FixedClock
from events_app.data import tables as t
from events_app.data.database import Store
from tests.conftest import settings_for
from tests.factories import FIRST_DAY, NOW, add_staff, load_event_into, sign_in
from tests.web.test_visits_delegate import PASSPORT, register

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
NUMBER = PASSPORT["passport_number"]


@pytest.fixture
def workspace(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, int], str]]:
    sessions = load_event_into(database_url).sessions
    add_staff(database_url, "plain@example.ru", role="organiser", event="syktyvkar-2021")
    add_staff(database_url, "trusted@example.ru", role="organiser", event="syktyvkar-2021", visitor_data=True)
    add_staff(database_url, "door@example.ru", role="door", event="syktyvkar-2021")
    with TestClient(create_app(settings_for(database_url, tmp_path / "data"), clock=FixedClock(NOW)),
                    base_url="https://events.example.org") as client:
        yield client, sessions, database_url


def _with_passport(client: TestClient, session_id: int, n: int = 0) -> str:
    cabinet = register(client, session_id, n)
    assert client.post(f"{cabinet}/visitor-data", data=PASSPORT).status_code == 200
    return cabinet


def _fetch(database_url: str, query: Any) -> list[Any]:
    async def run() -> list[Any]:
        async with Store(database_url) as store:
            return list(await store.fetch_all(query))

    return asyncio.run(run())


def test_visits_page_lists_each_visit_with_its_buses(workspace: Any) -> None:
    client, sessions, _ = workspace
    sign_in(client, "plain@example.ru")

    page = client.get("/organiser/events/syktyvkar-2021/visits").text

    links = re.findall(r'href="/organiser/events/syktyvkar-2021/visits/(\d+)"', page)
    assert links == [str(sessions[key]) for key in ("visit-mondi", "visit-luzales", "visit-algraf")]
    assert "Занято мест: 0 / 40 · Рассажено: 0 / 40" in page


def _event_nav(page: str) -> list[str]:
    nav = re.search(r'<nav class="event-nav".*?</nav>', page, flags=re.S)
    assert nav is not None
    return re.findall(r"<li><a [^>]*>([^<]+)</a></li>", nav.group(0))


def test_only_an_event_with_site_visits_shows_the_visits_area(workspace: Any) -> None:
    client, _, database_url = workspace
    online_event = load_event_into(database_url, "proclusters-2022")
    _fetch(database_url, t.sessions.update().where(t.sessions.c.id == online_event.sessions["webinar-1"])
           .values(signup_required=True, capacity=30).returning(t.sessions.c.id))
    add_staff(database_url, "online@example.ru", role="organiser", event="proclusters-2022")

    sign_in(client, "plain@example.ru")
    with_visits = _event_nav(client.get("/organiser/events/syktyvkar-2021").text)
    client.cookies.clear()
    sign_in(client, "online@example.ru")
    online = _event_nav(client.get("/organiser/events/proclusters-2022").text)
    online_public = client.get("/events/proclusters-2022").text
    online_form = client.get("/events/proclusters-2022/register").text
    visits_form = client.get("/events/syktyvkar-2021/register").text

    assert "Посещения предприятий" in with_visits
    assert online == ["Сводка", "Программа", "Регистрации", "Бейджи", "Посещаемость", "Сертификаты",
                      "Защиты проектов", "Регистрация на входе", "Напоминания", "Настройки"]
    assert "Посещения предприятий" not in online_public
    assert "kind=site_visit" not in online_public
    assert "<legend>Занятия с записью</legend>" in online_form and "Посещения предприятий" not in online_form
    assert "<legend>Посещения предприятий и занятия с записью</legend>" in visits_form


def test_door_staff_cannot_open_the_visits(workspace: Any) -> None:
    client, sessions, _ = workspace
    sign_in(client, "door@example.ru")

    response = client.get(f"/organiser/events/syktyvkar-2021/visits/{sessions['visit-mondi']}")

    assert response.status_code == 403
    assert "Лыткина" not in response.text


def test_fill_the_buses_and_print_the_manifest(workspace: Any) -> None:
    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    for n in range(3):
        register(client, mondi, n)
    csrf = sign_in(client, "plain@example.ru")

    refused = client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/assign", data={})
    filled = client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/assign", data={"csrf_token": csrf})

    assert refused.status_code == 403
    assert re.findall(r'<p class="notice seating-report" role="status">([^<]+)</p>', filled.text) == [
        "Рассажено сейчас: 3. Остались без места: 0. Писем поставлено в очередь: 3."]
    bus_letters = _fetch(database_url, sa.select(t.outbox.c.subject).where(t.outbox.c.subject.like("Ваш автобус:%")))
    assert len(bus_letters) == 3
    assert "Автобус 1 (К 123 ОР 11) — 3 / 20" in filled.text and "Автобус 2 (К 456 ОР 11) — 0 / 20" in filled.text
    # Bus 2 has nobody: it says so instead of a table with only its header.
    assert filled.text.count('<th scope="col">Участник</th>') == 1
    assert re.findall(r'<p class="muted empty-bus">([^<]+)</p>', filled.text) == ["В автобусе пока никого нет"]
    client.get("/lang/en")
    english = client.get(f"/organiser/events/syktyvkar-2021/visits/{mondi}").text
    client.get("/lang/ru")
    assert re.findall(r'<p class="muted empty-bus">([^<]+)</p>', english) == ["Nobody is on this bus yet"]
    manifest_links = re.findall(r'href="(/organiser/events/syktyvkar-2021/visits/\d+/buses/\d+/manifest)"', filled.text)
    assert len(manifest_links) == 2
    manifest, empty_manifest = (client.get(link).text for link in manifest_links)
    assert re.findall(r'<p class="empty-bus">([^<]+)</p>', empty_manifest) == ["В автобусе пока никого нет"]
    assert "manifest-list" not in empty_manifest
    assert "Куратор: <strong>Наталья Попова</strong>, тел. <strong>+7 912 100-20-31</strong>" in manifest
    assert manifest.count("<td>Лыткина Ирина</td>") == 3
    assert "Мест: 3 / 20" in manifest
    assert "/static/organiser-visits.css" in manifest
    css = client.get("/static/organiser-visits.css").text
    assert "@page { size: A4 portrait" in css and "@media print" in css
    actions = [row["action"] for row in _fetch(database_url, sa.select(t.audit_log.c.action))]
    assert "visits.assign" in actions


def test_move_by_hand_and_a_full_bus(workspace: Any) -> None:
    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    register(client, mondi, 0)
    csrf = sign_in(client, "plain@example.ru")
    client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/assign", data={"csrf_token": csrf})
    groups = _fetch(database_url, sa.select(t.transport_groups.c.id).where(t.transport_groups.c.session_id == mondi)
                    .order_by(t.transport_groups.c.position))
    registration_id = _fetch(database_url, sa.select(t.registrations.c.id))[0]["id"]
    seated = client.get(f"/organiser/events/syktyvkar-2021/visits/{mondi}").text

    moved = client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/move", data={
        "csrf_token": csrf, "registration_id": registration_id, "group_id": groups[1]["id"]})

    # Only the other bus is offered: the rider's own is no place to move them to.
    assert re.findall(r'<option value="(\d+)">', seated) == [str(groups[1]["id"])]
    assert re.findall(r'<option value="(\d+)">', moved.text) == [str(groups[0]["id"])]
    assert "Автобус 2 (К 456 ОР 11) — 1 / 20" in moved.text and "пересажен вручную" in moved.text
    letters = _fetch(database_url, sa.select(t.outbox.c.subject).where(t.outbox.c.registration_id == registration_id)
                     .order_by(t.outbox.c.id))
    assert letters[-1]["subject"].startswith("Вы пересажены в другой автобус: Посещение АО «Монди СЛПК»")


def test_new_departure_time_is_saved_and_mailed(workspace: Any) -> None:
    client, sessions, database_url = workspace
    luzales = sessions["visit-luzales"]
    register(client, luzales, 0)
    csrf = sign_in(client, "plain@example.ru")
    client.post(f"/organiser/events/syktyvkar-2021/visits/{luzales}/assign", data={"csrf_token": csrf})
    day = FIRST_DAY
    letters_before = len(_fetch(database_url, sa.select(t.outbox.c.id)))

    page = client.post(f"/organiser/events/syktyvkar-2021/visits/{luzales}/times", data={
        "csrf_token": csrf, "departs_at": f"{day}T13:20", "returns_at": f"{day}T15:30"})

    assert 'value="' + day + 'T13:20"' in page.text
    assert "Сохранено. Участникам, у которых изменились автобус или время, отправлено письмо." in page.text
    assert len(_fetch(database_url, sa.select(t.outbox.c.id))) == letters_before + 1


def test_passport_fields_stay_hidden_without_the_permission(workspace: Any,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    _with_passport(client, mondi)
    caplog.set_level(logging.DEBUG)
    csrf = sign_in(client, "plain@example.ru")
    client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/assign", data={"csrf_token": csrf})
    group = _fetch(database_url, sa.select(t.transport_groups.c.id).where(t.transport_groups.c.session_id == mondi))[0]

    pages = [client.get(path) for path in (
        "/organiser/events/syktyvkar-2021/visits", f"/organiser/events/syktyvkar-2021/visits/{mondi}",
        f"/organiser/events/syktyvkar-2021/visits/{mondi}/buses/{group['id']}/manifest",
        "/organiser/events/syktyvkar-2021/registrations", "/organiser/audit")]
    listing = client.get(f"/organiser/events/syktyvkar-2021/visits/{mondi}/visitors")
    export = client.get(f"/organiser/events/syktyvkar-2021/visits/{mondi}/visitors.xlsx")

    assert all(NUMBER not in page.text for page in pages)
    assert ("Список посетителей с паспортными данными видят только организаторы с отдельным разрешением."
            in pages[1].text)
    assert "/visitors" not in pages[1].text
    assert (listing.status_code, export.status_code) == (403, 403)
    assert NUMBER not in listing.text and NUMBER.encode() not in export.content
    assert NUMBER not in caplog.text
    audit = _fetch(database_url, sa.select(t.audit_log.c.details))
    assert all(NUMBER not in (row["details"] or "") for row in audit)


def test_visitor_list_and_its_export_with_the_permission_are_audited(workspace: Any,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    _with_passport(client, mondi)
    caplog.set_level(logging.DEBUG)
    sign_in(client, "trusted@example.ru")

    visit = client.get(f"/organiser/events/syktyvkar-2021/visits/{mondi}").text
    listing = client.get(f"/organiser/events/syktyvkar-2021/visits/{mondi}/visitors")
    export = client.get(f"/organiser/events/syktyvkar-2021/visits/{mondi}/visitors.xlsx")

    assert f'href="/organiser/events/syktyvkar-2021/visits/{mondi}/visitors"' in visit
    assert "<td>8710 583920</td><td>11.02.1979</td><td>Российская Федерация</td>" in listing.text
    assert listing.headers["cache-control"] == "no-store" and export.headers["cache-control"] == "no-store"
    assert export.headers["content-disposition"] == f'attachment; filename="visitors-{mondi}.xlsx"'
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[3][1:] == ("Лыткина Ирина", "ООО «Лузалес»", "инженер", "8710", "583920", "11.02.1979",
                           "Российская Федерация")
    audit = [(row["action"], row["actor"]) for row in _fetch(
        database_url, sa.select(t.audit_log.c.action, t.audit_log.c.actor)
        .where(t.audit_log.c.action.like("visitor_data.%")).order_by(t.audit_log.c.id))]
    assert audit == [("visitor_data.view", "trusted@example.ru"), ("visitor_data.export", "trusted@example.ru")]
    assert NUMBER not in caplog.text


def test_manifest_of_a_full_bus_prints_on_one_a4_sheet(workspace: Any) -> None:
    """Printed by a real Chromium to PDF: one page, with the curator's phone on it."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip(f"the print test needs Debian's Chromium at {chromium}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    for n in range(20):
        register(client, mondi, n, "ООО «Научно-производственное объединение „Северный лесопромышленный комплекс“»")
    csrf = sign_in(client, "plain@example.ru")
    client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/assign", data={"csrf_token": csrf})
    group = _fetch(database_url, sa.select(t.transport_seats.c.group_id).limit(1))[0]["group_id"]
    html = client.get(f"/organiser/events/syktyvkar-2021/visits/{mondi}/buses/{group}/manifest").text
    assert html.count("<td>Лыткина Ирина</td>") == 20
    # The page's own style sheets, inlined so the browser needs no server.
    sheets = re.findall(r'<link rel="stylesheet" href="((?:https://events\.example\.org)?/static/[^"]+)">', html)
    assert len(sheets) == 3
    for href in sheets:
        html = html.replace(f'<link rel="stylesheet" href="{href}">', f"<style>{client.get(href).text}</style>")

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(chromium), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page()
        page.set_content(html)
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        browser.close()

    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1


def test_fill_the_buses_says_who_is_left_without_a_seat(workspace: Any) -> None:
    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    for n in range(3):
        register(client, mondi, n)

    async def shrink() -> None:
        async with Store(database_url) as store:
            await store.execute(t.transport_groups.update().where(t.transport_groups.c.session_id == mondi)
                                .values(seats=1))

    asyncio.run(shrink())
    csrf = sign_in(client, "plain@example.ru")

    filled = client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/assign", data={"csrf_token": csrf})

    assert re.findall(r'<p class="notice seating-report" role="status">([^<]+)</p>', filled.text) == [
        "Рассажено сейчас: 2. Остались без места: 1. Писем поставлено в очередь: 2."]


BUS = {"kind": "bus", "name": "Автобус 3", "seats": "30", "plate": "К 789 ОР 11", "curator_name": "Ольга Лодыгина",
       "curator_phone": "+7 912 100-20-33"}


def _groups(database_url: str, session_id: int) -> list[Any]:
    return _fetch(database_url, sa.select(t.transport_groups).where(t.transport_groups.c.session_id == session_id)
                  .order_by(t.transport_groups.c.position))


def _errors(page: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="error" id="e-([a-z_]+)">([^<]+)</p>', page))


def test_add_a_bus_from_the_visit_page(workspace: Any) -> None:
    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    register(client, mondi, 0)
    csrf = sign_in(client, "plain@example.ru")

    form = client.get(f"/organiser/events/syktyvkar-2021/visits/{mondi}").text
    added = client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/buses", data={"csrf_token": csrf, **BUS})

    assert '<h2 id="add-bus">Добавить автобус</h2>' in form
    assert '<label for="f-seats">Число мест</label>' in form
    assert added.url.path == f"/organiser/events/syktyvkar-2021/visits/{mondi}"
    assert ("Автобус добавлен. Участников без места: 1. Нажмите «Рассадить по автобусам», чтобы рассадить их."
            in added.text)
    assert '<h2 id="bus-' in added.text and "Автобус 3 (К 789 ОР 11) — 0 / 30" in added.text
    new = _groups(database_url, mondi)[-1]
    assert (new["key"], new["position"], new["kind"], new["seats"], new["curator_phone"]) == (
        "bus-3", 2, "bus", 30, "+7 912 100-20-33")
    audit_rows = _fetch(database_url, sa.select(t.audit_log.c.action, t.audit_log.c.details)
                        .where(t.audit_log.c.action == "visits.bus_add"))
    assert len(audit_rows) == 1 and '"key": "bus-3"' in audit_rows[0]["details"]


def test_a_refused_bus_keeps_what_was_typed_and_says_what_is_wrong(workspace: Any) -> None:
    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    csrf = sign_in(client, "plain@example.ru")
    base = f"/organiser/events/syktyvkar-2021/visits/{mondi}/buses"

    words = client.post(base, data={"csrf_token": csrf, **BUS, "name": " ", "seats": "сорок",
                                    "curator_phone": "звонить"})
    fraction = client.post(base, data={"csrf_token": csrf, **BUS, "seats": "12.5"})
    zero = client.post(base, data={"csrf_token": csrf, **BUS, "seats": "0"})
    huge = client.post(base, data={"csrf_token": csrf, **BUS, "seats": "450"})
    long = client.post(base, data={"csrf_token": csrf, **BUS, "name": "А" * 81, "plate": "К" * 21})

    assert words.status_code == 422
    assert _errors(words.text) == {"name": "Дайте автобусу название, например «Автобус 3»",
                                   "seats": "Число мест — целое число, например 45",
                                   "curator_phone": "Напишите телефон цифрами, например +7 912 345-67-89"}
    assert 'value="сорок"' in words.text and 'value="К 789 ОР 11"' in words.text
    assert "Автобус не сохранён: проверьте отмеченные поля" in words.text
    assert _errors(fraction.text) == {"seats": "Число мест — целое число, например 45"}
    assert _errors(zero.text) == {"seats": "В автобусе должно быть хотя бы одно место"}
    assert _errors(huge.text) == {"seats": "Не больше 120 мест: проверьте число"}
    assert _errors(long.text) == {"name": "Не больше 80 символов",
                                  "plate": "Не больше 20 символов, например К 123 ОР 11"}
    assert [group["name"] for group in _groups(database_url, mondi)] == ["Автобус 1", "Автобус 2"]
    assert _fetch(database_url, sa.select(t.audit_log.c.id).where(t.audit_log.c.action.like("visits.bus%"))) == []


def test_change_a_bus_and_its_riders_are_told(workspace: Any) -> None:
    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    register(client, mondi, 0)
    register(client, mondi, 1)
    csrf = sign_in(client, "plain@example.ru")
    client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/assign", data={"csrf_token": csrf})
    first = _groups(database_url, mondi)[0]
    page = f"/organiser/events/syktyvkar-2021/visits/{mondi}/buses/{first['id']}"
    letters_before = len(_fetch(database_url, sa.select(t.outbox.c.id)))

    form = client.get(page).text
    too_small = client.post(page, data={"csrf_token": csrf, "kind": "bus", "name": "Автобус 1", "seats": "1",
                                        "plate": "К 123 ОР 11"})
    saved = client.post(page, data={"csrf_token": csrf, "kind": "bus", "name": "Автобус 1", "seats": "25",
                                    "plate": "Е 001 КХ 11", "curator_name": "Наталья Попова",
                                    "curator_phone": "+7 912 100-20-31"})

    assert 'value="К 123 ОР 11"' in form and 'value="20"' in form and "Рассажено: 2 / 20" in form
    assert too_small.status_code == 422
    assert _errors(too_small.text) == {
        "seats": "В этом автобусе уже сидит больше участников: сначала пересадите часть из них в другой автобус"}
    assert "Автобус 1 (Е 001 КХ 11) — 2 / 25" in saved.text
    assert "Автобус сохранён. Писем его участникам поставлено в очередь: 2." in saved.text
    letters = _fetch(database_url, sa.select(t.outbox.c.subject, t.outbox.c.message).order_by(t.outbox.c.id))
    assert len(letters) == letters_before + 2
    assert letters[-1]["subject"] == ("Изменились данные вашего автобуса: Посещение АО «Монди СЛПК»: представление"
                                      " деревообрабатывающего кластера Республики Коми")
    body = email.message_from_string(letters[-1]["message"], policy=email.policy.default).get_body(("plain",))
    assert body is not None
    assert "Ваш автобус: Автобус 1 (Е 001 КХ 11), куратор Наталья Попова" in body.get_content()
    assert _groups(database_url, mondi)[0]["seats"] == 25


def test_remove_an_empty_bus_but_not_one_with_riders(workspace: Any) -> None:
    client, sessions, database_url = workspace
    mondi = sessions["visit-mondi"]
    register(client, mondi, 0)
    csrf = sign_in(client, "plain@example.ru")
    client.post(f"/organiser/events/syktyvkar-2021/visits/{mondi}/assign", data={"csrf_token": csrf})
    taken, empty = _groups(database_url, mondi)
    base = f"/organiser/events/syktyvkar-2021/visits/{mondi}/buses"

    taken_page = client.get(f"{base}/{taken['id']}").text
    refused = client.post(f"{base}/{taken['id']}/remove", data={"csrf_token": csrf})
    removed = client.post(f"{base}/{empty['id']}/remove", data={"csrf_token": csrf})

    assert f'action="{base}/{taken["id"]}/remove"' not in taken_page
    assert "В этом автобусе есть участники: пересадите их в другой автобус, прежде чем удалять его" in taken_page
    assert refused.status_code == 409
    assert "В этом автобусе есть участники: пересадите их в другой автобус, прежде чем удалять его" in refused.text
    assert "Автобус удалён." in removed.text and "Автобус 2 (К 456 ОР 11)" not in removed.text
    assert [group["name"] for group in _groups(database_url, mondi)] == ["Автобус 1"]
    assert f"/visits/{mondi}/move" not in removed.text  # one bus left: nowhere to move its rider
    actions = [row["action"] for row in _fetch(database_url, sa.select(t.audit_log.c.action))]
    assert actions.count("visits.bus_remove") == 1
