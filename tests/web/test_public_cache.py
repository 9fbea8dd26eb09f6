"""Public answers are remembered per programme version: a change is visible on the next request.

The version moves by database triggers, so the tests change the programme the ways it really
changes (a re-import, a plain UPDATE from another process) and read through a warm cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.programme.importer import import_agendas, read_agenda_files
from events_app.web.public_cache import Answer, Key, PublicCache, remembered
from tests.conftest import SCHEDULES, load_demo, settings_for

SLUG = "syktyvkar-2021"
NEW_TITLE = "Пленарное заседание кластеров (перенесено в большой зал)"


def _write(database_url: str, statement: sa.Executable) -> None:
    async def run() -> None:
        async with Store(database_url) as store:
            await store.execute(statement)

    asyncio.run(run())


def _first_visit(client: TestClient) -> dict[str, object]:
    """A site visit: the event page lists those, so every public answer names it."""
    return dict(client.get(f"/api/v1/events/{SLUG}/sessions", params={"kind": "site_visit"}).json()["sessions"][0])


def _public_paths(session_id: object, day: str) -> list[str]:
    return [f"/events/{SLUG}", f"/events/{SLUG}/agenda?day={day}", f"/events/{SLUG}/sessions/{session_id}",
            f"/api/v1/events/{SLUG}/sessions", f"/events/{SLUG}/calendar.ics", f"/events/{SLUG}/schedule.xml",
            f"/events/{SLUG}/schedule.json", f"/events/{SLUG}/sessions/{session_id}.ics"]


@pytest.fixture
def two_processes(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two applications on one database, each with its own cache, as two server processes have."""
    load_demo(database_url)
    settings = settings_for(database_url, tmp_path / "data")
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        yield first, second


def test_change_made_elsewhere_shows_on_the_next_request_of_every_public_answer(
        two_processes: tuple[TestClient, TestClient], database_url: str) -> None:
    reader, _ = two_processes
    session = _first_visit(reader)
    day = str(session["starts_at"])[:10]
    paths = _public_paths(session["id"], day)
    warm = {path: reader.get(path) for path in paths}
    assert all(answer.status_code == 200 for answer in warm.values())
    assert all(NEW_TITLE.encode() not in answer.content for answer in warm.values())

    # A plain UPDATE, as another process or a hand-made fix would do it: no service tells the cache.
    _write(database_url, t.sessions.update().where(t.sessions.c.id == session["id"]).values(title=NEW_TITLE))

    for path in paths:
        answer = reader.get(path)
        assert answer.status_code == 200, path
        assert NEW_TITLE in answer.content.decode().replace("\r\n ", ""), path
        assert answer.headers["etag"] != warm[path].headers["etag"], path


def test_reimported_programme_shows_at_once_through_a_warm_cache(client: TestClient, database_url: str) -> None:
    agenda = read_agenda_files([SCHEDULES / f"{SLUG}.toml"])[0]
    before = client.get(f"/events/{SLUG}/agenda?day=2021-04-01").text
    renamed = replace(agenda, sessions=(replace(agenda.sessions[0], title=NEW_TITLE), *agenda.sessions[1:]))
    assert agenda.sessions[0].title in before

    async def reimport() -> None:
        async with Store(database_url) as store:
            await import_agendas(store, [renamed], now=datetime(2026, 3, 1, tzinfo=UTC))

    asyncio.run(reimport())

    after = client.get(f"/events/{SLUG}/agenda?day=2021-04-01").text
    assert NEW_TITLE in after
    assert agenda.sessions[0].title not in after


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_revalidation_answers_304_while_unchanged_and_200_after_a_change(client: TestClient, database_url: str) -> None:
    first = client.get(f"/events/{SLUG}/agenda")
    tag = first.headers["etag"]

    unchanged = client.get(f"/events/{SLUG}/agenda", headers={"If-None-Match": tag})
    assert (unchanged.status_code, unchanged.content, unchanged.headers["etag"]) == (304, b"", tag)
    assert unchanged.headers["cache-control"] == "no-cache"
    # Served from memory, the answer still carries the headers every page gets.
    again = client.get(f"/events/{SLUG}/agenda")
    assert again.content == first.content
    assert "default-src" in again.headers["content-security-policy"]

    _write(database_url, t.events.update().where(t.events.c.slug == SLUG).values(city="Сыктывкар (Коми)"))

    changed = client.get(f"/events/{SLUG}/agenda", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_language_has_its_own_remembered_page(client: TestClient) -> None:
    russian = client.get(f"/events/{SLUG}/agenda")
    client.get("/lang/en", follow_redirects=False)
    english = client.get(f"/events/{SLUG}/agenda")
    client.get("/lang/ru", follow_redirects=False)
    russian_again = client.get(f"/events/{SLUG}/agenda")

    assert '<html lang="ru">' in russian.text
    assert '<html lang="en">' in english.text
    assert russian_again.content == russian.content


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_errors_are_not_remembered(client: TestClient, database_url: str) -> None:
    assert client.get("/events/novaya-sessiya-2027/agenda").status_code == 404

    _write(database_url, t.events.insert().values(
        slug="novaya-sessiya-2027", title="Новая сессия", format="practical_session", city="Киров", region_code="43",
        timezone="Europe/Kirov", starts_on=datetime(2027, 5, 1).date(), ends_on=datetime(2027, 5, 1).date()))

    assert "Новая сессия" in client.get("/events/novaya-sessiya-2027/agenda").text


def _answer(size: int) -> Answer:
    return Answer(b"x" * size, (), '"tag"', None)


def test_cache_forgets_expired_answers_and_keeps_within_its_bounds() -> None:
    now = [100.0]
    cache = PublicCache(entries=3, max_bytes=1000, monotonic=lambda: now[0])
    cache.put(("page", "/a", "", "ru", "host", 1), Answer(b"a", (), '"a"', cache.expiry(30)))
    now[0] += 29.9
    assert cache.get(("page", "/a", "", "ru", "host", 1)) is not None
    now[0] += 0.2
    assert cache.get(("page", "/a", "", "ru", "host", 1)) is None

    for n in range(5):
        cache.put(("page", f"/{n}", "", "ru", "host", 1), _answer(10))
    assert [cache.get(("page", f"/{n}", "", "ru", "host", 1)) is not None for n in range(5)] == [
        False, False, True, True, True]

    cache.put(("page", "/big", "", "ru", "host", 1), _answer(995))
    assert cache.get(("page", "/big", "", "ru", "host", 1)) is not None
    assert cache.get(("page", "/4", "", "ru", "host", 1)) is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_burst_of_requests_for_a_missing_answer_builds_it_once(store: Store) -> None:
    built = 0
    release = asyncio.Event()

    async def agenda(request: Request) -> Response:
        nonlocal built
        built += 1
        await release.wait()
        return HTMLResponse("<h1>Программа</h1>")

    all_missed = asyncio.Event()

    class WatchedCache(PublicCache):
        def get(self, key: Key) -> Answer | None:
            answer = super().get(key)
            if self.misses == 10:
                all_missed.set()
            return answer

    endpoint = remembered(agenda)
    cache = WatchedCache()

    def request() -> Request:
        return Request({"type": "http", "method": "GET", "path": "/events/x/agenda", "query_string": b"",
                        "headers": [(b"host", b"events.example.org")], "state": {"store": store,
                                                                                   "public_cache": cache}})

    waiting = [asyncio.create_task(endpoint(request())) for _ in range(10)]
    # Every request has looked and missed while the first one is still building.
    await asyncio.wait_for(all_missed.wait(), timeout=60)
    release.set()
    answers = await asyncio.gather(*waiting)

    assert built == 1
    assert {answer.body for answer in answers} == {"<h1>Программа</h1>".encode()}
    assert (cache.hits, cache.misses) == (0, 10)
