from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from events_app.data.migrate import (
    SchemaOutOfDate,
    check_schema,
    current_revision,
    head_revision,
    sqlalchemy_url,
    upgrade,
)
from events_app.data.tables import metadata


async def test_migrations_create_exactly_the_declared_tables(database_url: str) -> None:
    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata))
    finally:
        await engine.dispose()

    assert differences == []


async def test_migrated_database_is_at_head(database_url: str) -> None:
    assert await current_revision(database_url) == head_revision()
    await check_schema(database_url)


async def test_empty_database_is_refused_with_the_command_that_fixes_it(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"

    with pytest.raises(SchemaOutOfDate) as caught:
        await check_schema(url)

    assert str(caught.value) == (
        f"The database schema is out of date (an empty database, this version needs {head_revision()}): "
        "run `events-app migrate`")


def test_older_schema_is_refused_until_migrated(tmp_path: object) -> None:
    import asyncio

    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url)
    engine = sa.create_engine(f"sqlite:///{tmp_path}/old.db")
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'ancient'"))
    engine.dispose()

    with pytest.raises(SchemaOutOfDate, match="revision ancient"):
        asyncio.run(check_schema(url))
