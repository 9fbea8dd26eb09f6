"""The English interface: data with an English variant is shown in English."""

from __future__ import annotations

import re
from html import unescape

import pytest
from starlette.testclient import TestClient

from events_app.clock import FixedClock
from tests.factories import NOW, register_by_form, signed_in

MONDI_EN = "Visit to Mondi Syktyvkar: presentation of the Komi Republic woodworking cluster"
MONDI_RU = "Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми"


@pytest.fixture
def clock() -> FixedClock:
    """Before the event: the cabinet still shows the delegate's visits and their buses."""
    return FixedClock(NOW)


def _my_visits(html: str) -> str:
    section = html.split('<section class="my-visits"', 1)[1].split("</section>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_the_english_cabinet_names_a_visit_by_its_english_title(client: TestClient) -> None:
    cabinet = register_by_form(client, sessions=["46"])

    russian = _my_visits(client.get(cabinet).text)
    client.get("/lang/en")
    english = _my_visits(client.get(cabinet).text)

    assert MONDI_RU in russian and MONDI_EN not in russian
    assert MONDI_EN in english and MONDI_RU not in english


def _meta(html: str) -> str:
    """The event page's line under its title: format · city, region."""
    found = re.search(r'<p class="meta">([^<]*)</p>', html.split("<main", 1)[1])
    assert found, html
    return " ".join(unescape(found.group(1)).split())


def test_the_city_is_named_in_the_readers_language(client: TestClient) -> None:
    russian = _meta(client.get("/events/syktyvkar-2021").text)
    client.get("/lang/en")
    english = _meta(client.get("/events/syktyvkar-2021").text)
    online = _meta(client.get("/events/proclusters-2022").text)

    assert russian == "Практическая сессия · Сыктывкар, Республика Коми"
    assert english == "Practical session · Syktyvkar, Komi Republic"
    assert online.startswith("Training programme · online, ")


def test_an_organiser_gives_the_city_its_english_name(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    form = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"',
                           client.get("/organiser/events/syktyvkar-2021/settings/details").text))
    form.update(csrf_token=csrf, format="practical_session", region_code="11", city_en="Syktyvkar (Komi)")

    saved = client.post("/organiser/events/syktyvkar-2021/settings/details", data=form, follow_redirects=False)
    client.get("/lang/en")

    assert saved.status_code == 303, saved.text
    assert _meta(client.get("/events/syktyvkar-2021").text) == "Practical session · Syktyvkar (Komi), Komi Republic"


def test_the_english_workspace_names_the_event_by_its_english_title_and_city(client: TestClient,
                                                                             database_url: str) -> None:
    signed_in(client, database_url, "olga@example.ru", role="organiser")
    client.get("/lang/en")

    card = client.get("/organiser").text.split('<li class="card">', 1)[1].split("</li>", 1)[0]
    nav = client.get("/organiser/events/syktyvkar-2021").text.split('class="event-nav-title"', 1)[1].split("</p>")[0]

    title = "Practical Session on the Development of Industrial Clusters in Russia"
    assert " ".join(re.sub(r"<[^>]+>", " ", card).split()) == (
        f"{title} 1–2 April 2021 · Syktyvkar Your roles: Organiser")
    assert title in nav


def _when(html: str) -> str:
    """The line under a form's or a ticket's title: dates, city."""
    found = re.search(r'<p class="when">([^<]*)</p>', html)
    assert found, html
    return " ".join(unescape(found.group(1)).split())


def test_the_registration_form_ticket_and_defence_form_name_the_city_in_english(client: TestClient) -> None:
    cabinet = register_by_form(client)
    ticket = re.search(r'<a class="button" href="https://events\.example\.org(/t/[^"]+)"', client.get(cabinet).text)
    assert ticket, "the cabinet links to the ticket"
    client.get("/lang/en")

    pages = [_when(client.get(path).text) for path in (
        "/events/syktyvkar-2021/register", ticket.group(1), "/events/syktyvkar-2021/defences/apply")]

    assert [line.rsplit(", ", 1)[1] for line in pages] == ["Syktyvkar", "Syktyvkar", "Syktyvkar"]
