"""Join links followed through two app processes on one PostgreSQL database: no join is lost.

Fifty delegates' clicks arrive at the same moment, alternating between the processes, several on
the same link; each is counted by one `joins = joins + 1` in the database, so the counts add up
whichever process took the request.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.registration.views import online_links, registration_view
from events_app.settings import load_settings
from tests.factories import cli
from tests.process_support import ROOT, Server, running, service_env
from tests.services.document_support import register

pytestmark = pytest.mark.postgres

JOINS = 50


async def _links(database_url: str, data_dir: Path) -> list[str]:
    """Five delegates of the two first webinars: ten personal links."""
    settings = load_settings({"EVENTS_DATABASE_URL": database_url, "EVENTS_DATA_DIR": str(data_dir),
                              "EVENTS_BASE_URL": "http://127.0.0.1:8000"})
    urls = []
    async with Store(database_url) as store:
        for n in range(5):
            result = await register(store, settings, n, slug="proclusters-2022", days=("2022-09-01", "2022-09-08"))
            view = await registration_view(store, result.id)
            urls += [link.url for link in await online_links(store, settings.base_url, view)]
    return urls


async def _join(servers: tuple[Server, ...], tokens: list[str]) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60, follow_redirects=False) as client:
        return list(await asyncio.gather(*(client.get(f"{servers[n % 2].base}/j/{tokens[n % len(tokens)]}")
                                           for n in range(JOINS))))


async def _counts(database_url: str) -> dict[str, int]:
    async with Store(database_url) as store:
        rows = await store.fetch_all(sa.select(t.join_links.c.token, t.join_links.c.joins))
    return {row["token"]: row["joins"] for row in rows}


def test_fifty_concurrent_joins_across_two_processes_are_all_counted(postgres_database: str, tmp_path: Path) -> None:
    from tests.conftest import _empty_postgres

    asyncio.run(_empty_postgres(postgres_database))
    env = service_env(tmp_path / "data", database_url=postgres_database)
    for args in (("migrate",), ("import", str(ROOT / "schedules" / "proclusters-2022.toml"))):
        cli(env, *args)  # fails the test with what the command printed
    urls = asyncio.run(_links(postgres_database, tmp_path / "data"))
    tokens = [url.rsplit("/", 1)[1] for url in urls]
    assert len(tokens) == 10

    with running(Server(env), Server(env)) as servers:
        answers = asyncio.run(_join(servers, tokens))

    assert [answer.status_code for answer in answers] == [302] * JOINS
    assert {answer.headers["location"] for answer in answers} == {"https://webinar.example.org/proclusters/1",
                                                                  "https://webinar.example.org/proclusters/2"}
    expected = Counter(tokens[n % len(tokens)] for n in range(JOINS))
    assert asyncio.run(_counts(postgres_database)) == dict(expected)
