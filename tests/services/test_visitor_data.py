"""The enterprise's visitor list on both backends: who is asked, who sees, export, purge."""

from __future__ import annotations

import asyncio
import io
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from events_app import cli
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.staff import Forbidden, StaffMember
from events_app.services.programme.importer import import_agendas, read_agenda_files
from events_app.services.registration import signup
from events_app.services.staff import accounts
from events_app.services.visits import visitor_data
from events_app.settings import Settings
from tests.conftest import SCHEDULES, settings_for

BEFORE = datetime(2021, 3, 20, 9, 0, tzinfo=UTC)
PASSPORT = {"passport_series": "8710", "passport_number": "583920", "birth_date": "1979-02-11",
            "citizenship": "Российская Федерация", "visitor_consent": "on"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _setup(store: Store, settings: Settings) -> dict[str, Any]:
    await import_agendas(store, read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"]))
    sessions = {row["key"]: row["id"] for row in await store.fetch_all(sa.select(t.sessions.c.key, t.sessions.c.id))}
    event_id = await store.fetch_val(sa.select(t.events.c.id))
    staff_id = await accounts.create_staff(store, email="org@example.ru", name="Организатор", password="x" * 12,
                                        is_admin=False, now=BEFORE)
    allowed = StaffMember(id=staff_id, email="org@example.ru", name="Организатор", is_admin=False,
                          visitor_data_events=frozenset({event_id}))
    # An admin too needs the explicit grant.
    admin = StaffMember(id=staff_id, email="org@example.ru", name="Организатор", is_admin=True)
    return {"sessions": sessions, "event_id": event_id, "allowed": allowed, "admin": admin}


async def _delegate(store: Store, settings: Settings, session_id: int, n: int = 0) -> int:
    result = await signup.register(store, settings, slug="syktyvkar-2021", data={
        "surname": "Лыткина", "given_name": "Ирина", "email": f"i{n}@example.ru", "phone": "+79120000000",
        "organisation_name": "ООО «Лузалес»", "position": "главный инженер", "region_code": "11",
        "category": "enterprise", "days": ["2021-04-01"], "sessions": [str(session_id)], "consent": "on"},
        consent_ip=None, language="ru", now=BEFORE)
    return result.id


async def test_only_delegates_of_a_visit_requiring_it_are_asked(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"], 0)
    algraf = await _delegate(store, settings, ctx["sessions"]["visit-algraf"], 1)

    asked = [v.session_id for v in await visitor_data.visits_asking(store, mondi)]
    with pytest.raises(visitor_data.NotAskedFor):
        await visitor_data.save(store, settings, algraf, PASSPORT, ip=None, now=BEFORE)

    assert asked == [ctx["sessions"]["visit-mondi"]]
    assert await visitor_data.visits_asking(store, algraf) == []
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)) == 0


async def test_saving_needs_the_separate_consent(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"])

    with pytest.raises(Exception) as error:
        await visitor_data.save(store, settings, mondi, {**PASSPORT, "visitor_consent": ""}, ip=None, now=BEFORE)

    assert error.value.fields == {"visitor_consent": "Without this consent the enterprise cannot issue a pass"}  # type: ignore[attr-defined]


async def test_fields_are_sealed_in_the_database(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"])

    await visitor_data.save(store, settings, mondi, PASSPORT, ip="203.0.113.5", now=BEFORE)

    row = await store.fetch_one(sa.select(t.visitor_data))
    assert row["registration_id"] == mondi and row["consent_ip"] == "203.0.113.5"
    assert "583920" not in row["sealed"] and "1979" not in row["sealed"]


async def test_sqlite_file_never_holds_the_passport_number(sqlite_url: str, tmp_path: Path) -> None:
    settings = settings_for(sqlite_url, tmp_path / "data")
    async with Store(sqlite_url) as store:
        ctx = await _setup(store, settings)
        mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"])
        await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=BEFORE)
        _, rows = await visitor_data.visitors(store, settings, member=ctx["allowed"], event_id=ctx["event_id"],
                                              session_id=ctx["sessions"]["visit-mondi"], ip=None, now=BEFORE)
        assert rows[0].fields is not None and rows[0].fields.passport_number == "583920"
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    files = [candidate for candidate in path.parent.iterdir() if candidate.name.startswith(path.name)]
    content = b"".join(candidate.read_bytes() for candidate in files)

    assert b"583920" not in content and "583920".encode("utf-16-le") not in content
    assert "Лыткина".encode() in content  # the file is readable: only the sealed fields are not


async def test_visitor_list_is_refused_without_the_permission(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"])
    await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=BEFORE)

    with pytest.raises(Forbidden):
        await visitor_data.visitors(store, settings, member=ctx["admin"], event_id=ctx["event_id"],
                                    session_id=ctx["sessions"]["visit-mondi"], ip=None, now=BEFORE)
    with pytest.raises(Forbidden):
        await visitor_data.export_xlsx(store, settings, member=ctx["admin"], event_id=ctx["event_id"],
                                       session_id=ctx["sessions"]["visit-mondi"], ip=None, now=BEFORE)

    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.audit_log)
                                 .where(t.audit_log.c.action.like("visitor_data.%"))) == 0


async def test_export_is_the_enterprise_list_and_is_audited(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    mondi_visit = ctx["sessions"]["visit-mondi"]
    given = await _delegate(store, settings, mondi_visit, 0)
    await _delegate(store, settings, mondi_visit, 1)
    await visitor_data.save(store, settings, given, PASSPORT, ip=None, now=BEFORE)

    name, content = await visitor_data.export_xlsx(store, settings, member=ctx["allowed"], event_id=ctx["event_id"],
                                                   session_id=mondi_visit, ip="10.1.1.1", now=BEFORE)

    sheet = load_workbook(io.BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert name == f"visitors-{mondi_visit}.xlsx"
    assert rows[0] == ["Список посетителей: АО «Монди СЛПК»", None, None, None, None, None, None, None]
    assert rows[2] == visitor_data.XLSX_HEADERS
    assert rows[3] == [1, "Лыткина Ирина", "ООО «Лузалес»", "главный инженер", "8710", "583920", "11.02.1979",
                       "Российская Федерация"]
    assert rows[4] == [2, "Лыткина Ирина", "ООО «Лузалес»", "главный инженер", None, None, None, "нет данных"]
    audit = await store.fetch_one(sa.select(t.audit_log).where(t.audit_log.c.action == "visitor_data.export"))
    assert (audit["actor"], audit["ip"], audit["subject"]) == ("org@example.ru", "10.1.1.1", f"session {mondi_visit}")
    assert "583920" not in (audit["details"] or "")


async def test_purge_deletes_the_fields_a_set_number_of_days_after_the_event(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"])
    await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=BEFORE)

    kept = await visitor_data.purge(store, settings, today=date(2021, 4, 9))  # ends 2 April, kept 7 days
    deleted = await visitor_data.purge(store, settings, today=date(2021, 4, 10))

    assert (kept, deleted) == (0, 1)
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)) == 0
    assert await store.fetch_val(sa.select(t.audit_log.c.details).where(
        t.audit_log.c.action == "visitor_data.purge")) == '{"deleted": 1}'


async def test_withdrawing_this_consent_deletes_the_fields(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"])
    await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=BEFORE)

    await visitor_data.forget(store, mondi)

    assert await visitor_data.has_data(store, mondi) is False


def test_purge_command_deletes_past_events_fields(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(sqlite_url, tmp_path / "data")

    async def prepare() -> None:
        async with Store(sqlite_url) as store:
            ctx = await _setup(store, settings)
            mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"])
            await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=BEFORE)

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
            ctx = await _setup(store, settings)
            mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"])
            await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=BEFORE)

    async def count() -> int:
        async with Store(sqlite_url) as store:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)))

    asyncio.run(prepare())
    assert asyncio.run(count()) == 1
    with TestClient(create_app(settings)):
        # The purge runs in the background as the service starts; wait for it (bounded).
        for _ in range(100):
            if asyncio.run(count()) == 0:
                break
            time.sleep(0.05)
        remaining = asyncio.run(count())

    assert remaining == 0


async def test_withdrawing_all_consent_erases_the_passport_fields_too(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    mondi = await _delegate(store, settings, ctx["sessions"]["visit-mondi"])
    await visitor_data.save(store, settings, mondi, PASSPORT, ip=None, now=BEFORE)

    await signup.withdraw_consent(store, settings, mondi, now=BEFORE)

    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)) == 0
