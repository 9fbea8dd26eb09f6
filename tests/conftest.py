"""Shared fixtures: a real SQLite file and, when configured, a real PostgreSQL database.

Database tests take the `database_url` fixture and run once per backend. PostgreSQL runs when
`EVENTS_TEST_POSTGRES_URL` names a server (CI sets it); each test session gets its own scratch
database there, created from that URL and dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import sqlalchemy as sa

from events_app.clock import FixedClock
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.data.migrate import upgrade
from events_app.settings import Settings, load_settings

if TYPE_CHECKING:
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
SCHEDULES = ROOT / "schedules"
DEMO_FILES = sorted(SCHEDULES.glob("*.toml"))
POSTGRES_URL = os.environ.get("EVENTS_TEST_POSTGRES_URL", "")
POSTGRES_REQUIRED = os.environ.get("EVENTS_TEST_REQUIRE_POSTGRES") == "1"
# The moment the web tests' app lives at: after every demo event, as a visitor of the archive sees them.
DEMO_NOW = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
SKIP_POSTGRES = (
    "PostgreSQL tests are off: set EVENTS_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test "
    "(any database on a server where this user may CREATE DATABASE) to run them"
)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL.replace("postgresql://", "postgres://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating is slower than copying)."""
    path = tmp_path_factory.mktemp("template") / "events.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        if POSTGRES_REQUIRED:
            pytest.fail("EVENTS_TEST_REQUIRE_POSTGRES=1 but EVENTS_TEST_POSTGRES_URL is not set")
        pytest.skip(SKIP_POSTGRES)
    name = f"events_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        if POSTGRES_REQUIRED:
            pytest.fail(f"cannot reach PostgreSQL at {POSTGRES_URL}: {error}")
        pytest.skip(f"cannot reach PostgreSQL at {POSTGRES_URL}: {error}")
    url = _with_database(POSTGRES_URL, name)
    upgrade(url)
    yield url
    asyncio.run(_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _empty_postgres(url: str) -> None:
    names = ", ".join(table.name for table in t.metadata.sorted_tables)
    async with Store(url) as store:
        await store.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "events.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    asyncio.run(_empty_postgres(url))
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty SQLite database, for tests about SQLite itself or the web layer."""
    path = tmp_path / "events.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store(database_url) as connected:
        yield connected


def settings_for(database_url: str, data_dir: Path, **extra: str) -> Settings:
    environ = {
        "EVENTS_DATABASE_URL": database_url,
        "EVENTS_DATA_DIR": str(data_dir),
        "EVENTS_BASE_URL": "https://events.example.org",
        "EVENTS_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        **extra,
    }
    return load_settings(environ)


def load_demo(database_url: str) -> None:
    """The demo schedules with their real dates, as the web tests expect them."""
    from events_app.services.programme.importer import import_agendas, read_agenda_files

    async def run() -> None:
        async with Store(database_url) as connected:
            await import_agendas(connected, read_agenda_files(DEMO_FILES))

    asyncio.run(run())


@pytest.fixture
def clock() -> FixedClock:
    """The app's clock in web tests: fixed, so no page depends on the day or the zone the suite runs in."""
    return FixedClock(DEMO_NOW)


@pytest.fixture
def client(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[TestClient]:
    from starlette.testclient import TestClient

    from events_app.app import create_app

    load_demo(database_url)
    with TestClient(create_app(settings_for(database_url, tmp_path / "data"), clock=clock)) as test_client:
        yield test_client
