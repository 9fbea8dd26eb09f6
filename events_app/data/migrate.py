"""Schema migrations: apply them (`events-app migrate`) and check that a database is current."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from events_app.resources import MIGRATIONS_DIR

MIGRATIONS = MIGRATIONS_DIR
# Alembic's own bookkeeping table: which revision the schema is at.
ALEMBIC_VERSION = sa.table("alembic_version", sa.column("version_num", sa.String))


class SchemaOutOfDate(Exception):
    """The database's schema is not the one this code expects."""


def sqlalchemy_url(database_url: str) -> str:
    """The `databases` URL with the async driver SQLAlchemy needs for the same database."""
    if database_url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + database_url[len("sqlite:"):]
    if database_url.startswith("postgresql:"):
        return "postgresql+asyncpg:" + database_url[len("postgresql:"):]
    return database_url


def _config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("database_url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config("")).get_current_head()
    assert head is not None
    return head


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision`. Runs its own event loop: call it outside one."""
    command.upgrade(_config(database_url), revision)


async def current_revision(database_url: str) -> str | None:
    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.connect() as connection:
            has_table = await connection.run_sync(
                lambda sync: sync.dialect.has_table(sync, "alembic_version")
            )
            if not has_table:
                return None
            return (await connection.execute(sa.select(ALEMBIC_VERSION.c.version_num))).scalar()
    finally:
        await engine.dispose()


async def check_schema(database_url: str) -> None:
    """Raise `SchemaOutOfDate` with the command that fixes it unless the schema is current."""
    current, head = await current_revision(database_url), head_revision()
    if current != head:
        found = "an empty database" if current is None else f"revision {current}"
        raise SchemaOutOfDate(
            f"The database schema is out of date ({found}, this version needs {head}): run `events-app migrate`"
        )
