"""The dashboard's figures on a known set of registrations, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services import dashboard
from events_app.services.dashboard import DayCount
from events_app.services.registration import signup
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import door_device, load_event, register


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def test_dashboard_counts_a_known_set_of_registrations(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, session_capacity={"visit-mondi": 2})
    ids = syktyvkar.sessions
    visit = str(ids["visit-mondi"])
    # 21:30 UTC on 17 March is 18 March in Moscow: days are counted in the event's zone.
    first = (await register(store, settings, 1, now=datetime(2021, 3, 17, 21, 30, tzinfo=UTC), region_code="11",
                            sessions=[visit])).id
    await register(store, settings, 2, now=datetime(2021, 3, 18, 9, 0, tzinfo=UTC), region_code="11",
                    category="government", sessions=[visit], days=["2021-04-01", "2021-04-02"])
    await register(store, settings, 3, now=datetime(2021, 3, 20, 9, 0, tzinfo=UTC), region_code="13", sessions=[visit])
    cancelled = (await register(store, settings, 4, now=datetime(2021, 3, 20, 10, 0, tzinfo=UTC), region_code="43")).id
    await signup.cancel(store, settings, cancelled, now=datetime(2021, 3, 21, tzinfo=UTC))
    device = (await door_device(store, settings, name="Вход", now=datetime(2021, 3, 21, tzinfo=UTC))).made.id
    await store.execute(t.checkins.insert().values(
        event_id=syktyvkar.id, registration_id=first, list_name="entry-2021-04-01", type="entry", nonce="n1",
        device_id=device, scanned_at=datetime(2021, 4, 1, 6, tzinfo=UTC), recorded_at=datetime(2021, 4, 1, 6,
                                                                                               tzinfo=UTC)))

    with i18n.language("ru"):
        board = await dashboard.dashboard(store, event_id=syktyvkar.id, timezone="Europe/Moscow")

    assert board.received == 4
    assert board.by_status == {"confirmed": 3, "cancelled": 1}
    assert board.per_day == [DayCount(date(2021, 3, 18), 2, 2), DayCount(date(2021, 3, 19), 0, 2),
                             DayCount(date(2021, 3, 20), 2, 4)]
    assert board.by_region == [("11", 2), ("13", 1)]
    assert board.by_category == [("enterprise", 2), ("government", 1)]
    fills = {fill.session_id: (fill.capacity, fill.confirmed, fill.waiting) for fill in board.fills}
    assert fills[ids["visit-mondi"]] == (2, 2, 1)
    assert fills[ids["visit-luzales"]] == (40, 0, 0)
    checkin = {item.name: (item.checked_in, item.expected) for item in board.checkin}
    assert checkin["entry-2021-04-01"] == (1, 3)
    assert checkin["entry-2021-04-02"] == (0, 1)
    assert checkin[f"visit-{ids['visit-mondi']}"] == (0, 2)


async def test_regions_past_the_top_eight_are_summed_as_other(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store)
    codes = ["11"] * 3 + ["13"] * 2 + ["01", "02", "03", "04", "05", "06", "07", "08"]
    for n, code in enumerate(codes):
        await register(store, settings, n, now=datetime(2021, 3, 20, 9, 0, tzinfo=UTC), region_code=code)

    board = await dashboard.dashboard(store, event_id=syktyvkar.id, timezone="Europe/Moscow")

    assert board.by_region == [("11", 3), ("13", 2), ("01", 1), ("02", 1), ("03", 1), ("04", 1), ("05", 1),
                               ("06", 1), (None, 2)]


async def test_an_event_without_registrations_has_empty_figures(store: Store) -> None:
    syktyvkar = await load_event(store)

    board = await dashboard.dashboard(store, event_id=syktyvkar.id, timezone="Europe/Moscow")

    assert (board.received, board.per_day, board.by_region, board.by_category) == (0, [], [], [])
    assert {item.expected for item in board.checkin} == {0}
