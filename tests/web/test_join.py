"""`/j/{token}` through the application, and the pages that give a delegate their links."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from starlette.testclient import TestClient

from events_app.data.database import Store
from events_app.services.registration import letters
from events_app.services.registration.views import online_links, registration_view
from tests.conftest import settings_for
from tests.factories import NOW
from tests.services.document_support import register


def _delegate(database_url: str, tmp_path: Path) -> str:
    async def run() -> str:
        async with Store(database_url) as store:
            result = await register(store, settings_for(database_url, tmp_path / "data"), 1, slug="proclusters-2022",
                                    days=("2022-09-01",))
            assert result.ticket_secret is not None
            return result.ticket_secret

    return asyncio.run(run())


def test_ticket_page_gives_the_personal_link_which_redirects_and_counts(client: TestClient, database_url: str,
                                                                        tmp_path: Path) -> None:
    secret = _delegate(database_url, tmp_path)

    ticket = client.get(f"/t/{secret}")
    [link] = re.findall(r'href="https://events\.example\.org(/j/[\w-]+)"', ticket.text)
    first = client.get(link, follow_redirects=False)
    second = client.get(link, follow_redirects=False)

    assert "webinar.example.org" not in ticket.text
    assert (first.status_code, first.headers["location"]) == (302, "https://webinar.example.org/proclusters/1")
    assert first.headers["cache-control"] == "no-store"
    assert second.status_code == 302


def test_unknown_join_link_is_a_friendly_404_without_the_address(client: TestClient) -> None:
    answer = client.get("/j/not-a-real-token", follow_redirects=False)

    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]
    assert "Ссылка для подключения не работает" in answer.text
    assert "webinar.example.org" not in answer.text


def test_public_session_page_and_api_do_not_show_the_webinar_address(client: TestClient) -> None:
    sessions = client.get("/api/v1/events/proclusters-2022/sessions", params={"kind": "webinar"}).json()["sessions"]
    page = client.get(f"/events/proclusters-2022/sessions/{sessions[0]['id']}")

    assert [session["online_url"] for session in sessions] == [None] * 8
    assert "webinar.example.org" not in page.text
    assert "личную ссылку" in page.text


WEBINAR_RU = "Вебинар 1. Открытие программы. Промышленные кластеры в новой экономической реальности"
WEBINAR_EN = "Webinar 1. Opening of the programme: industrial clusters in the new economic reality"


def _online_section(html: str) -> str:
    found = re.search(r'<section class="online-links".*?</section>', html, flags=re.S)
    assert found, html
    return found.group(0)


def test_an_english_reader_sees_the_webinar_by_its_english_title_on_the_ticket_and_in_the_letter(
        client: TestClient, database_url: str, tmp_path: Path) -> None:
    settings = settings_for(database_url, tmp_path / "data")

    async def english_delegate() -> tuple[str, str]:
        async with Store(database_url) as store:
            result = await register(store, settings, 2, slug="proclusters-2022", days=("2022-09-01",), language="en")
            assert result.ticket_secret is not None
            view = await registration_view(store, result.id)
            letter = letters.build_message(settings, view, "confirmed", now=NOW,
                                           online=await online_links(store, settings.base_url, view))
            body = letter.get_body(("plain",))
            assert body is not None
            return result.ticket_secret, str(body.get_content())

    secret, letter = asyncio.run(english_delegate())
    russian = client.get(f"/t/{secret}").text
    client.get("/lang/en")
    english = client.get(f"/t/{secret}").text

    assert WEBINAR_RU in _online_section(russian)
    assert WEBINAR_EN in _online_section(english) and WEBINAR_RU not in english
    assert f": {WEBINAR_EN}: https://events.example.org/j/" in letter
