from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from events_app.data.database import Store
from events_app.services.programme.importer import import_agendas, read_agenda_files
from tests.conftest import SCHEDULES

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_event_list_shows_the_five_demo_events(client: TestClient) -> None:
    page = client.get("/").text

    titles = re.findall(r'<h2><a href="[^"]+/events/([a-z0-9-]+)">', page)
    assert titles == ["kirov-2020", "syktyvkar-2021", "kaluga-2021", "saransk-2021", "proclusters-2022"]
    assert "1–2 апреля 2021" in page


def test_agenda_has_a_tab_per_day_with_russian_dates(client: TestClient) -> None:
    page = client.get("/events/syktyvkar-2021/agenda").text

    tabs = re.findall(r'<nav class="tabs".*?</nav>', page, re.S)[0]
    assert re.findall(r">([^<]+)</a>", tabs) == ["1 апреля, четверг", "2 апреля, пятница"]
    assert 'aria-current="page">1 апреля, четверг' in tabs


def test_agenda_groups_sessions_by_time_with_their_venue(client: TestClient) -> None:
    page = client.get("/events/syktyvkar-2021/agenda?day=2021-04-01").text

    assert '<time datetime="2021-04-01T10:00:00+03:00">10:00</time>' in page
    slot = page.split('<time datetime="2021-04-01T10:00:00+03:00">10:00</time>')[1].split('class="slot"')[0]
    assert "Посещение предприятия · 10:00–12:00 · " in slot
    assert ">АО «Монди СЛПК»</a>" in slot


def test_agenda_names_the_days_zone_counted_from_moscow(client: TestClient) -> None:
    russian = client.get("/events/syktyvkar-2021/agenda?day=2021-04-01").text
    client.get("/lang/en")
    english = client.get("/events/syktyvkar-2021/agenda?day=2021-04-01").text

    assert '<p class="meta">Часовой пояс: МСК (Europe/Moscow)</p>' in russian
    assert '<p class="meta">Time zone: Moscow time (Europe/Moscow)</p>' in english


def test_session_at_ten_moscow_is_shown_at_ten(client: TestClient) -> None:
    sessions = client.get("/api/v1/events/syktyvkar-2021/sessions?kind=site_visit").json()["sessions"]

    page = client.get(f"/events/syktyvkar-2021/sessions/{sessions[0]['id']}").text

    assert "1 апреля, четверг, 10:00</time>–<time" in page
    assert "(Europe/Moscow, UTC+3)" in page
    assert re.search(r"<dt>Число мест</dt>\s*<dd>40 · Нужна запись</dd>", page)


def test_second_day_tab_shows_the_defence_block(client: TestClient) -> None:
    page = client.get("/events/syktyvkar-2021/agenda?day=2021-04-02").text

    assert "Защита проектов" in page
    assert "Посещение АО «Монди СЛПК»" not in page


def test_venue_page_has_address_and_openstreetmap_link(client: TestClient) -> None:
    page = client.get("/events/syktyvkar-2021/venues/mondi").text

    assert re.search(r'href="https://www\.openstreetmap\.org/\?mlat=61\.\d{6}&amp;mlon=50\.\d{6}', page)
    assert "Посещение АО «Монди СЛПК»" in page


def test_english_switch_sets_a_cookie_and_translates_the_interface(client: TestClient) -> None:
    response = client.get("/lang/en?next=/events/syktyvkar-2021/agenda", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/events/syktyvkar-2021/agenda")
    # Scripts read it too: the door scanner, kept offline, takes its language from it.
    assert "HttpOnly" not in response.headers["set-cookie"] and "lang=en" in response.headers["set-cookie"]

    page = client.get("/events/syktyvkar-2021/agenda").text

    assert '<html lang="en">' in page
    assert "Thursday, 1 April" in page
    assert "<h1>Programme</h1>" in page
    assert "Site visit · 10:00–12:00" in page


def test_language_switch_never_redirects_to_another_site(client: TestClient) -> None:
    response = client.get("/lang/en?next=https://evil.example/", follow_redirects=False)

    assert response.headers["location"] == "/"


def test_unknown_event_gets_the_styled_404_page(client: TestClient) -> None:
    response = client.get("/events/nowhere")

    assert response.status_code == 404
    assert "<h1>Страница не найдена</h1>" in response.text
    assert "<p>Такого мероприятия нет</p>" in response.text
    assert 'href="http://testserver/static/app.css"' in response.text


def test_unknown_path_gets_the_styled_404_page_in_russian(client: TestClient) -> None:
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert "<h1>Страница не найдена</h1>" in response.text
    assert "По этому адресу страницы нет." in response.text


def test_pages_send_a_strict_content_security_policy(client: TestClient) -> None:
    headers = client.get("/").headers

    assert headers["content-security-policy"].startswith("default-src 'self';")
    assert headers["x-content-type-options"] == "nosniff"


def test_pages_load_nothing_from_other_hosts(client: TestClient) -> None:
    for path in ("/", "/events/syktyvkar-2021", "/events/syktyvkar-2021/agenda", "/events/syktyvkar-2021/venues/mondi"):
        page = client.get(path).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', page)
        loaded = [s for s in sources if re.search(r"\.(css|js|svg|png|woff2?)$", s)]
        assert loaded and all(s.startswith("http://testserver/static/") for s in loaded), path


def test_static_stylesheet_is_served_with_a_print_layout(client: TestClient) -> None:
    css = client.get("/static/app.css")

    assert css.headers["content-type"].startswith("text/css")
    assert "@media print" in css.text


def test_markup_in_agenda_text_is_shown_escaped(client: TestClient, database_url: str, tmp_path: Path) -> None:
    source = (SCHEDULES / "kirov-2020.toml").read_text(encoding="utf-8")
    hostile = tmp_path / "kirov.toml"
    hostile.write_text(source.replace('title = "Рабочая встреча', 'title = "<script>alert(1)</script> Рабочая встреча',
                                      1), encoding="utf-8")

    async def reimport() -> None:
        async with Store(database_url) as store:
            await import_agendas(store, read_agenda_files([hostile]))

    asyncio.run(reimport())
    page = client.get("/events/kirov-2020").text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Рабочая встреча" in page


def test_server_error_gets_the_styled_500_page(database_url: str, tmp_path: Path) -> None:
    from starlette.routing import Route

    from events_app.app import create_app
    from tests.conftest import settings_for

    async def broken(request: object) -> None:
        raise RuntimeError("a bug")

    app = create_app(settings_for(database_url, tmp_path / "data"))
    app.router.routes.insert(0, Route("/broken", broken))
    app.router.routes.insert(0, Route("/api/v1/broken", broken))
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/broken")
        api = client.get("/api/v1/broken")

    assert page.status_code == 500
    assert "<h1>Что-то пошло не так</h1>" in page.text
    assert 'href="http://testserver/static/app.css"' in page.text
    assert "a bug" not in page.text
    assert api.json() == {"error": {"code": "server_error",
                                    "message": "Сервер не смог выполнить запрос. Попробуйте ещё раз через минуту."}}


def test_event_page_leads_to_registration_and_programme(client: TestClient) -> None:
    page = client.get("/events/syktyvkar-2021").text

    actions = page.split('<p class="actions">')[1].split("</p>")[0]
    assert 'href="http://testserver/events/syktyvkar-2021/register">Зарегистрироваться</a>' in actions
    assert 'href="http://testserver/events/syktyvkar-2021/agenda">Программа</a>' in actions


def test_a_two_month_programme_offers_only_its_session_days_week_by_week(client: TestClient,
                                                                         database_url: str) -> None:
    from datetime import UTC, datetime

    from events_app.services.registration import signup

    async def offered() -> list[str]:
        async with Store(database_url) as store:
            # While registration is open (the demo's dates are in the past).
            context = await signup.form_context(store, "proclusters-2022", now=datetime(2022, 8, 1, tzinfo=UTC))
            return [day.isoformat() for week in context.day_groups for day in week.days]

    agenda = client.get("/events/proclusters-2022/agenda").text

    tabs = re.findall(r'<nav class="tabs".*?</nav>', agenda, re.S)
    days = [day for nav in tabs for day in re.findall(r'\?day=([0-9-]+)"', nav)]
    weeks = re.findall(r'<span class="week-label">([^<]+)</span>', agenda)
    boxes = asyncio.run(offered())

    assert len(days) == 10 and len(set(days)) == 10
    assert len(weeks) == 9
    assert weeks[-1] == "24–30 октября 2022 г." or weeks[-1].startswith("24")
    assert boxes == days
