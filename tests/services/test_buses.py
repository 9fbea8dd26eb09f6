"""Buses added, changed and removed in the workspace, on both backends: keys, the visit drafted in
the agenda builder, the agenda file's round trip, and refusals that leave everything as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.errors import InvalidInput
from events_app.services.visits import buses, details, transport
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import NOW, register
from tests.services.test_transport import _event

BUS = {"kind": "bus", "name": "Автобус 3", "seats": "30", "plate": "К 789 ОР 11"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def test_a_visit_drafted_in_the_builder_gets_buses_that_the_agenda_file_keeps(store: Store) -> None:
    ctx = await _event(store)
    starts = datetime(2021, 4, 2, 11, 0, tzinfo=UTC)
    drafted = await store.insert(t.sessions.insert().values(
        event_id=ctx["event_id"], key="added-0a1b2c3d4e", kind="site_visit", title="Посещение ООО «Комитекс»",
        starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=20, signup_required=True, sequence=0,
        created_at=NOW, updated_at=NOW).returning(t.sessions.c.id))

    listed_before = [visit.session_id for visit in await details.list_visits(store, ctx["event_id"])]
    added = await buses.add_bus(store, member=ctx["member"], event_id=ctx["event_id"], session_id=drafted,
                                form=BUS, ip="127.0.0.1", now=NOW)
    exported = (await details.details_for_export(store, ctx["event_id"], "Europe/Moscow"))[drafted]
    await details.sync_visit(store, drafted, exported, organisation_ids={}, timezone="Europe/Moscow")

    assert drafted in listed_before
    assert (added.key, added.label, added.seats) == ("bus-1", "Автобус 3 (К 789 ОР 11)", 30)
    assert [(group.key, group.name, group.seats) for group in exported.transport] == [("bus-1", "Автобус 3", 30)]
    kept = await store.fetch_all(sa.select(t.transport_groups.c.id).where(t.transport_groups.c.session_id == drafted))
    assert [row["id"] for row in kept] == [added.id]  # the re-import matched it by key: its seats stay


async def test_refused_changes_leave_the_bus_its_riders_and_the_log_as_they_were(store: Store,
                                                                                 settings: Settings) -> None:
    ctx = await _event(store)
    mondi = ctx["sessions"]["visit-mondi"]
    for n in range(3):
        await register(store, settings, n, organisation_name="ООО «Лузалес»", sessions=[str(mondi)])
    await transport.assign(store, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi, ip=None, now=NOW)
    full = next(group for group in (await details.get_visit(store, ctx["event_id"], mondi)).groups if group.taken)
    log_before = await store.fetch_val(sa.select(sa.func.count()).select_from(t.audit_log))

    with pytest.raises(buses.BusNotEmpty):
        await buses.remove_bus(store, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi,
                               group_id=full.id, ip=None, now=NOW)
    with pytest.raises(InvalidInput) as too_small:
        await buses.save_bus(store, settings, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi,
                             group_id=full.id, form={**buses.bus_form(full), "seats": "2", "plate": "Е 001 КХ 11"},
                             ip=None, now=NOW)

    after = next(group for group in (await details.get_visit(store, ctx["event_id"], mondi)).groups
                 if group.id == full.id)
    assert set(too_small.value.fields) == {"seats"}
    assert (after.taken, after.seats, after.plate) == (3, full.seats, full.plate)
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.audit_log)) == log_before
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox)
                                 .where(t.outbox.c.subject.like("Изменились%"))) == 0
