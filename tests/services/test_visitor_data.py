"""The enterprise's visitor list on both backends: who is asked, who sees, export, purge."""

from __future__ import annotations

import asyncio
import io
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from events_app import cli
from events_app.clock import FixedClock
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.staff import Forbidden, Role
from events_app.services.registration import signup
from events_app.services.visits import visitor_data
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import NOW, load_event, register, staff

# The delegate of these tests, as the enterprise's visitor list shows her.
IRINA = {"surname": "Лыткина", "given_name": "Ирина", "organisation_name": "ООО «Лузалес»",
         "position": "главный инженер"}
PASSPORT = {"passport_series": "8710", "passport_number": "583920", "birth_date": "1979-02-11",
            "citizenship": "Российская Федерация", "visitor_consent": "on"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _setup(store: Store) -> dict[str, Any]:
    syktyvkar = await load_event(store)
    allowed = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор",
                          visitor_data=True)
    # An admin too needs the explicit grant.
    admin = replace(allowed, is_admin=True, roles={}, visitor_data_events=frozenset())
    return {"sessions": syktyvkar.sessions, "event_id": syktyvkar.id, "allowed": allowed, "admin": admin}


async def test_only_delegates_of_a_visit_requiring_it_are_asked(store: Store, settings: Settings) -> None:
    ctx = await _setup(store)
    mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id
    algraf = (await register(store, settings, 1, sessions=[str(ctx["sessions"]["visit-algraf"])], **IRINA)).id

    asked = [v.session_id for v in await visitor_data.visits_asking(store, mondi)]
    with pytest.raises(visitor_data.NotAskedFor):
        await visitor_data.save(store, settings, algraf, PASSPORT, ip=None, now=NOW)

    assert asked == [ctx["sessions"]["visit-mondi"]]
    assert await visitor_data.visits_asking(store, algraf) == []
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)) == 0


async def test_saving_needs_the_separate_consent(store: Store, settings: Settings) -> None:
    ctx = await _setup(store)
    mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id

    with pytest.raises(Exception) as error:
        await visitor_data.save(store, settings, mondi, {**PASSPORT, "visitor_consent": ""}, ip=None, now=NOW)

    assert error.value.fields == {"visitor_consent": "Without this consent the enterprise cannot issue a pass"}


async def test_fields_are_sealed_in_the_database(store: Store, settings: Settings) -> None:
    ctx = await _setup(store)
    mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id

    await visitor_data.save(store, settings, mondi, PASSPORT, ip="203.0.113.5", now=NOW)

    row = await store.fetch_one(sa.select(t.visitor_data))
    assert row["registration_id"] == mondi and row["consent_ip"] == "203.0.113.5"
    assert "583920" not in row["sealed"] and "1979" not in row["sealed"]


async def test_sqlite_file_never_holds_the_passport_number(sqlite_url: str, tmp_path: Path) -> None:
    settings = settings_for(sqlite_url, tmp_path / "data")
    async with Store(sqlite_url) as store:
        ctx = await _setup(store)
        mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id
        await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=NOW)
        _, rows = await visitor_data.visitors(store, settings, member=ctx["allowed"], event_id=ctx["event_id"],
                                              session_id=ctx["sessions"]["visit-mondi"], ip=None, now=NOW)
        assert rows[0].fields is not None and rows[0].fields.passport_number == "583920"
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    files = [candidate for candidate in path.parent.iterdir() if candidate.name.startswith(path.name)]
    content = b"".join(candidate.read_bytes() for candidate in files)

    assert b"583920" not in content and "583920".encode("utf-16-le") not in content
    assert "Лыткина".encode() in content  # the file is readable: only the sealed fields are not


async def test_visitor_list_is_refused_without_the_permission(store: Store, settings: Settings) -> None:
    ctx = await _setup(store)
    mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id
    await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=NOW)

    with pytest.raises(Forbidden):
        await visitor_data.visitors(store, settings, member=ctx["admin"], event_id=ctx["event_id"],
                                    session_id=ctx["sessions"]["visit-mondi"], ip=None, now=NOW)
    with pytest.raises(Forbidden):
        await visitor_data.export_xlsx(store, settings, member=ctx["admin"], event_id=ctx["event_id"],
                                       session_id=ctx["sessions"]["visit-mondi"], ip=None, now=NOW)

    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.audit_log)
                                 .where(t.audit_log.c.action.like("visitor_data.%"))) == 0


async def test_export_is_the_enterprise_list_and_is_audited(store: Store, settings: Settings) -> None:
    ctx = await _setup(store)
    mondi_visit = ctx["sessions"]["visit-mondi"]
    given = (await register(store, settings, 0, sessions=[str(mondi_visit)], **IRINA)).id
    await register(store, settings, 1, sessions=[str(mondi_visit)], **IRINA)
    await visitor_data.save(store, settings, given, PASSPORT, ip=None, now=NOW)

    name, content = await visitor_data.export_xlsx(store, settings, member=ctx["allowed"], event_id=ctx["event_id"],
                                                   session_id=mondi_visit, ip="10.1.1.1", now=NOW)

    sheet = load_workbook(io.BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert name == f"visitors-{mondi_visit}.xlsx"
    assert rows[0] == ["Список посетителей: АО «Монди СЛПК»", None, None, None, None, None, None, None]
    assert rows[2] == visitor_data.XLSX_HEADERS
    assert rows[3] == [1, "Лыткина Ирина", "ООО «Лузалес»", "главный инженер", "8710", "583920", "11.02.1979",
                       "Российская Федерация"]
    assert rows[4] == [2, "Лыткина Ирина", "ООО «Лузалес»", "главный инженер", None, None, None, "нет данных"]
    audit = await store.fetch_one(sa.select(t.audit_log).where(t.audit_log.c.action == "visitor_data.export"))
    assert (audit["actor"], audit["ip"], audit["subject"]) == ("org@example.ru", "10.1.1.1",
                                                           "Посещение АО «Монди СЛПК»: представление "
                                                           "деревообрабатывающего кластера Республики Коми")
    assert "583920" not in (audit["details"] or "")


async def test_purge_deletes_the_fields_a_set_number_of_days_after_the_event(store: Store, settings: Settings) -> None:
    ctx = await _setup(store)
    mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id
    await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=NOW)

    kept = await visitor_data.purge(store, settings, now=datetime(2021, 4, 9, 12,
                                                                  tzinfo=UTC))  # ends 2 April, kept 7 days
    deleted = await visitor_data.purge(store, settings, now=datetime(2021, 4, 10, 12, tzinfo=UTC))

    assert (kept, deleted) == (0, 1)
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)) == 0
    assert await store.fetch_val(sa.select(t.audit_log.c.details).where(
        t.audit_log.c.action == "visitor_data.purge")) == '{"deleted": 1}'


async def test_withdrawing_this_consent_deletes_the_fields(store: Store, settings: Settings) -> None:
    ctx = await _setup(store)
    mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id
    await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=NOW)

    await visitor_data.forget(store, mondi)

    assert await visitor_data.has_data(store, mondi) is False


def test_purge_command_deletes_past_events_fields(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(sqlite_url, tmp_path / "data")

    async def prepare() -> None:
        async with Store(sqlite_url) as store:
            ctx = await _setup(store)
            mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id
            await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=NOW)

    asyncio.run(prepare())
    for name, value in {"EVENTS_DATABASE_URL": sqlite_url, "EVENTS_DATA_DIR": str(tmp_path / "data"),
                        "EVENTS_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789"}.items():
        monkeypatch.setenv(name, value)

    status = cli.main(["purge"])

    assert (status, capsys.readouterr().out) == (0, "Visitor data deleted for 1 delegates.\n")

    async def count() -> int:
        async with Store(sqlite_url) as store:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)))

    assert asyncio.run(count()) == 0


def test_running_service_purges_by_itself(sqlite_url: str, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from events_app.app import create_app

    settings = settings_for(sqlite_url, tmp_path / "data")

    async def prepare() -> None:
        async with Store(sqlite_url) as store:
            ctx = await _setup(store)
            mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id
            await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=NOW)

    async def count() -> int:
        async with Store(sqlite_url) as store:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)))

    asyncio.run(prepare())
    assert asyncio.run(count()) == 1
    with TestClient(create_app(settings, clock=FixedClock(datetime(2021, 5, 1, 9, 0, tzinfo=UTC)))):
        # The purge runs in the background as the service starts: wait until its effect shows (bounded).
        deadline = time.monotonic() + 30
        while (remaining := asyncio.run(count())) and time.monotonic() < deadline:
            time.sleep(0.05)

    assert remaining == 0


async def test_withdrawing_all_consent_erases_the_passport_fields_too(store: Store, settings: Settings) -> None:
    ctx = await _setup(store)
    mondi = (await register(store, settings, 0, sessions=[str(ctx["sessions"]["visit-mondi"])], **IRINA)).id
    await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=NOW)

    await signup.withdraw_consent(store, settings, mondi, now=NOW)

    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)) == 0
