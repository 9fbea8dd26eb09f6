"""`/j/{token}` through the application, and the pages that give a delegate their links."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from starlette.testclient import TestClient

from events_app.data.database import Store
from tests.conftest import settings_for
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
