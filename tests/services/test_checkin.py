"""Door check-in on both backends: decisions, admissions, replays and simultaneous scans."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import INTEGRITY_ERRORS, Store
from events_app.domain.checkin import Scan, ScanType, token_hash
from events_app.services.checkin import devices, door, lists
from events_app.services.registration import signup
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import door_device, load_event, register

DAY1 = datetime(2021, 4, 1, 6, 30, tzinfo=UTC)  # 09:30 in Syktyvkar
DAY2 = DAY1 + timedelta(days=1)
BEFORE = datetime(2021, 3, 20, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _setup(store: Store, settings: Settings, *, moderation: bool = False) -> dict[str, Any]:
    syktyvkar = await load_event(store, moderation=moderation)
    gate1 = await door_device(store, settings, name="Вход 1", now=BEFORE)
    gate2 = await door_device(store, settings, name="Вход 2", now=BEFORE)
    return {"sessions": syktyvkar.sessions, "event_id": syktyvkar.id, "gate1": gate1.device, "gate2": gate2.device}


# The delegate at the door in these tests, as the scanner shows him.
PETR = {"surname": "Смирнов", "given_name": "Пётр", "organisation_name": "АО «Монди СЛПК»", "position": "технолог"}


def _scan(secret: str, list_name: str = "entry-2021-04-01", *, at: datetime = DAY1, kind: ScanType = ScanType.ENTRY,
          nonce: str | None = None) -> Scan:
    return Scan(secret=secret, list_name=list_name, type=kind, nonce=nonce or uuid.uuid4().hex, scanned_at=at)


async def test_first_scan_admits_and_second_is_already_checked_in(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)

    first = await door.redeem(store, ctx["gate1"], _scan(delegate.ticket_secret), now=DAY1)
    second = await door.redeem(store, ctx["gate2"], _scan(delegate.ticket_secret, at=DAY1 + timedelta(minutes=5)),
                                  now=DAY1 + timedelta(minutes=5))

    assert (first["status"], first["reason"], first["attendee"]["name"]) == ("ok", None, "Смирнов Пётр")
    assert first["attendee"]["category_label"] == "Предприятие"
    assert (second["status"], second["reason"]) == ("error", "already_checked_in")
    assert second["first_checkin"] == {"at": "2021-04-01T09:30:00+03:00", "device": "Вход 1"}
    assert second["message"] == "Уже отмечен в этом списке"


async def test_whole_ticket_url_is_accepted(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)

    answer = await door.redeem(store, ctx["gate1"], _scan(f"https://events.example.org/t/{delegate.ticket_secret}"),
                                  now=DAY1)

    assert answer["status"] == "ok"


async def test_two_day_ticket_admits_once_each_day(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, days=["2021-04-01", "2021-04-02"], **PETR)

    day1 = await door.redeem(store, ctx["gate1"], _scan(delegate.ticket_secret), now=DAY1)
    day2 = await door.redeem(store, ctx["gate1"], _scan(delegate.ticket_secret, "entry-2021-04-02", at=DAY2), now=DAY2)
    early = await door.redeem(store, ctx["gate1"], _scan(delegate.ticket_secret, "entry-2021-04-02", at=DAY1), now=DAY2)

    assert [day1["status"], day2["status"], early["reason"]] == ["ok", "ok", "wrong_day"]


@pytest.mark.parametrize("case", ["unknown", "cancelled", "not_approved", "wrong_day", "not_signed_up", "list_closed",
                                  "other_event"])
async def test_refusals_carry_their_reason_and_are_logged(store: Store, settings: Settings, case: str) -> None:
    ctx = await _setup(store, settings, moderation=case == "not_approved")
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)
    secret, list_name, at = delegate.ticket_secret, "entry-2021-04-01", DAY1
    expected = case
    if case == "unknown":
        secret, expected = "A" * 26, "unknown_ticket"
    elif case == "other_event":
        await load_event(store, "kaluga-2021")
        stranger = await register(store, settings, 1, slug="kaluga-2021", now=BEFORE, days=["2021-04-27"],
                                  region_code="40")
        secret, expected = stranger.ticket_secret, "unknown_ticket"
    elif case == "cancelled":
        await signup.cancel(store, settings, delegate.id, now=BEFORE)
    elif case == "not_approved":
        secret = (await store.fetch_val(sa.select(t.tickets.c.secret))) or "B" * 26
        expected = "unknown_ticket"  # a pending registration has no ticket at all
    elif case == "wrong_day":
        at = DAY2
    elif case == "not_signed_up":
        list_name = f"visit-{ctx['sessions']['visit-mondi']}"
    elif case == "list_closed":
        await store.execute(t.checkin_list_states.insert().values(event_id=ctx["event_id"], name=list_name,
                                                                  closed_at=BEFORE))

    answer = await door.redeem(store, ctx["gate1"], _scan(secret, list_name, at=at), now=at)

    assert (answer["status"], answer["reason"]) == ("error", expected)
    logged = await store.fetch_one(sa.select(t.scan_log).order_by(t.scan_log.c.id.desc()))
    assert (logged["status"], logged["reason"]) == ("error", expected)
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.checkins)) == 0


async def test_visit_list_admits_only_those_signed_up(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    visit = ctx["sessions"]["visit-mondi"]
    signed = await register(store, settings, 0, now=BEFORE, sessions=[str(visit)], **PETR)

    answer = await door.redeem(store, ctx["gate1"], _scan(signed.ticket_secret, f"visit-{visit}"), now=DAY1)

    assert answer["status"] == "ok"


async def test_same_nonce_twice_records_one_check_in_and_returns_the_first_answer(store: Store,
                                                                                  settings: Settings) -> None:
    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)
    scan = _scan(delegate.ticket_secret, nonce="offline-queue-0001")

    first = await door.redeem(store, ctx["gate1"], scan, now=DAY1)
    again = await door.redeem(store, ctx["gate1"], scan, now=DAY1 + timedelta(minutes=1))

    assert first == again and first["status"] == "ok"
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.checkins)) == 1
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.scan_log)) == 1


async def test_nonce_is_unique_in_the_database_itself(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)
    await door.redeem(store, ctx["gate1"], _scan(delegate.ticket_secret, nonce="nonce-unique-1"), now=DAY1)

    with pytest.raises(INTEGRITY_ERRORS):
        async with store.transaction():
            await store.execute(t.checkins.insert().values(
                event_id=ctx["event_id"], registration_id=delegate.id, list_name="entry-2021-04-02", type="entry",
                nonce="nonce-unique-1", device_id=ctx["gate1"].id, scanned_at=DAY2, recorded_at=DAY2))


async def test_two_devices_scanning_the_same_ticket_at_once_get_one_ok(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    delegates = [await register(store, settings, n, now=BEFORE, **PETR) for n in range(10)]

    answers = await asyncio.gather(*(
        door.redeem(store, ctx[gate], _scan(d.ticket_secret), now=DAY1) for d in delegates for gate in ("gate1",
                                                                                                        "gate2")))

    for index in range(10):
        pair = answers[2 * index: 2 * index + 2]
        assert sorted(a["status"] for a in pair) == ["error", "ok"], pair
        assert [a["reason"] for a in pair if a["status"] == "error"] == ["already_checked_in"]
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.checkins)) == 10


async def test_exit_then_entry_admits_again(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)

    answers = [await door.redeem(store, ctx["gate1"], _scan(delegate.ticket_secret, kind=kind), now=DAY1)
               for kind in (ScanType.ENTRY, ScanType.EXIT, ScanType.ENTRY, ScanType.ENTRY)]

    assert [(a["status"], a["reason"]) for a in answers] == [
        ("ok", None), ("ok", None), ("ok", None), ("error", "already_checked_in")]
    assert answers[1]["message"] == "Выход отмечен"


async def test_offline_data_and_counts_follow_the_list(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    first = await register(store, settings, 0, now=BEFORE, **PETR)
    await register(store, settings, 1, now=BEFORE, days=["2021-04-02"], **PETR)
    await door.redeem(store, ctx["gate1"], _scan(first.ticket_secret), now=DAY1)
    entry = await lists.find_list(store, ctx["event_id"], "entry-2021-04-01")

    offline = await lists.offline_tickets(store, ctx["event_id"], entry)
    counts = {item.name: (item.checked_in, item.expected) for item in await lists.lists_with_counts(store,
                                                                                                    ctx["event_id"])}

    assert [(o.hash, o.name, o.checked_in_at) for o in offline] == [(token_hash(first.ticket_secret), "Смирнов Пётр",
                                                                     DAY1)]
    assert counts["entry-2021-04-01"] == (1, 1)
    assert counts["entry-2021-04-02"] == (0, 1)


async def test_search_finds_cyrillic_names_whatever_the_case(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    await register(store, settings, 0, now=BEFORE, **PETR)
    entry = await lists.find_list(store, ctx["event_id"], "entry-2021-04-01")

    found, others = await lists.search(store, ctx["event_id"], entry, "смирнов монди")

    assert [(row["name"], row["organisation"]) for row in found] == [("Смирнов Пётр", "АО «Монди СЛПК»")]
    assert others == []


async def test_ticket_of_other_days_is_refused_naming_its_days(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    later = await register(store, settings, 0, now=BEFORE, days=["2021-04-02"], **PETR)

    today = await door.redeem(store, ctx["gate1"], _scan(later.ticket_secret), now=DAY1)
    replayed = await door.redeem(store, ctx["gate1"], _scan(later.ticket_secret, nonce="same-nonce-1"), now=DAY1)
    again = await door.redeem(store, ctx["gate1"], _scan(later.ticket_secret, nonce="same-nonce-1"), now=DAY1)
    wrong_list = await door.redeem(store, ctx["gate1"], _scan(later.ticket_secret, "entry-2021-04-02"), now=DAY1)

    assert (today["reason"], today["message"]) == ("wrong_day", "Билет на 2 апреля, не на сегодня")
    assert today["attendee"]["name"] == "Смирнов Пётр"
    assert again == replayed
    assert (wrong_list["reason"], wrong_list["message"]) == (
        "wrong_day", "Этот список — на 2 апреля, не на сегодня: выберите сегодняшний список")


async def test_entry_list_search_and_offline_data_name_delegates_of_other_days(store: Store,
                                                                              settings: Settings) -> None:
    ctx = await _setup(store, settings)
    await register(store, settings, 0, now=BEFORE, **PETR)
    later = await register(store, settings, 1, now=BEFORE, days=["2021-04-02"], surname="Смирнова",
                           given_name="Ольга", organisation_name="ООО «Алграф»", position="экономист")
    entry = await lists.find_list(store, ctx["event_id"], "entry-2021-04-01")

    found, others = await lists.search(store, ctx["event_id"], entry, "смирнов")
    offline = await lists.offline_refusals(store, ctx["event_id"], entry)

    assert [row["name"] for row in found] == ["Смирнов Пётр"]
    assert [(row["name"], row["reason"], row["message"]) for row in others] == [
        ("Смирнова Ольга", "wrong_day", "Билет на 2 апреля, не на сегодня")]
    assert [(row["hash"], row["name"], row["message"]) for row in offline] == [
        (token_hash(later.ticket_secret), "Смирнова Ольга", "Билет на 2 апреля, не на сегодня")]


async def test_pairing_link_works_once_and_a_revoked_device_is_refused(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    made = await devices.create_device(store, settings.secret_key, slug="syktyvkar-2021",
                                       list_name="entry-2021-04-01", name="Автобус 1", now=BEFORE)

    _, _, token = await devices.pair(store, settings.secret_key, made.pairing_code, now=BEFORE)
    with pytest.raises(devices.DeviceRefused):
        await devices.pair(store, settings.secret_key, made.pairing_code, now=BEFORE)
    assert token == made.token
    assert (await devices.authenticate(store, token)).name == "Автобус 1"

    await devices.revoke_device(store, made.id, now=BEFORE)
    with pytest.raises(devices.DeviceRefused):
        await devices.authenticate(store, token)
    assert ctx["gate1"].name == "Вход 1"


async def test_a_nonce_of_another_device_is_refused_not_replayed(store: Store, settings: Settings) -> None:
    from events_app.domain.errors import InvalidInput

    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)
    await door.redeem(store, ctx["gate1"], _scan(delegate.ticket_secret, nonce="shared-nonce-1"), now=DAY1)

    with pytest.raises(InvalidInput) as caught:
        await door.redeem(store, ctx["gate2"], _scan("Z" * 26, nonce="shared-nonce-1"), now=DAY1)

    assert set(caught.value.fields) == {"nonce"}


async def test_scans_decided_in_one_batch_see_each_other_in_arrival_order(store: Store, settings: Settings) -> None:
    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)
    other = await register(store, settings, 1, now=BEFORE, **PETR)
    await door.redeem(store, ctx["gate1"], _scan(other.ticket_secret), now=DAY1)  # lists and devices now remembered
    moments = [DAY1 + timedelta(minutes=n) for n in range(4)]

    # Submitted in one turn of the loop, so the door writes them as one batch.
    answers = await asyncio.gather(*(
        door.redeem(store, ctx[gate], _scan(delegate.ticket_secret, kind=kind, at=at), now=at)
        for gate, kind, at in zip(("gate1", "gate2", "gate2", "gate2"),
                                  (ScanType.ENTRY, ScanType.EXIT, ScanType.ENTRY, ScanType.ENTRY), moments,
                                  strict=True)))

    assert [(a["status"], a["reason"]) for a in answers] == [
        ("ok", None), ("ok", None), ("ok", None), ("error", "already_checked_in")]
    assert answers[3]["first_checkin"] == {"at": "2021-04-01T09:30:00+03:00", "device": "Вход 1"}
    passages = await store.fetch_all(sa.select(t.checkins.c.type, t.checkins.c.device_id)
                                     .where(t.checkins.c.registration_id == delegate.id).order_by(t.checkins.c.id))
    assert [(row["type"], row["device_id"]) for row in passages] == [
        ("entry", ctx["gate1"].id), ("exit", ctx["gate2"].id), ("entry", ctx["gate2"].id)]


async def test_one_nonce_twice_in_one_batch_is_logged_once(store: Store, settings: Settings) -> None:
    from events_app.domain.errors import InvalidInput

    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)
    other = await register(store, settings, 1, now=BEFORE, **PETR)
    await door.redeem(store, ctx["gate1"], _scan(other.ticket_secret), now=DAY1)
    scan = _scan(delegate.ticket_secret, nonce="batch-nonce-0001")

    first, again, elsewhere = await asyncio.gather(
        door.redeem(store, ctx["gate1"], scan, now=DAY1), door.redeem(store, ctx["gate1"], scan, now=DAY1),
        door.redeem(store, ctx["gate2"], scan, now=DAY1), return_exceptions=True)

    assert isinstance(first, dict) and (first["status"], first["reason"]) == ("ok", None)
    assert again == first
    assert isinstance(elsewhere, InvalidInput) and set(elsewhere.fields) == {"nonce"}
    logged = await store.fetch_all(sa.select(t.scan_log.c.device_id).where(t.scan_log.c.nonce == "batch-nonce-0001"))
    assert [row["device_id"] for row in logged] == [ctx["gate1"].id]
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.checkins)
                                 .where(t.checkins.c.registration_id == delegate.id)) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_nonce_logged_by_another_process_mid_batch_gets_that_answer(store: Store, settings: Settings,
                                                                            database_url: str) -> None:
    """Another process logs the nonce after this batch read the log: the batch is decided again."""
    from events_app.domain.errors import InvalidInput

    ctx = await _setup(store, settings)
    delegate = await register(store, settings, 0, now=BEFORE, **PETR)
    await door.redeem(store, ctx["gate1"], _scan(delegate.ticket_secret), now=DAY1)
    other_process = await asyncpg.connect(database_url.replace("postgresql://", "postgres://", 1))
    try:
        other = other_process.transaction()
        await other.start()
        await other_process.execute(
            "INSERT INTO scan_log (nonce, event_id, device_id, list_name, type, status, scanned_at, received_at, "
            "offline, answer) VALUES ('taken-nonce-0001', $1, $2, 'entry-2021-04-01', 'entry', 'error', $3, $3, "
            "false, '{}')", ctx["event_id"], ctx["gate2"].id, DAY1)
        redeeming = asyncio.create_task(door.redeem(store, ctx["gate1"], _scan("Z" * 26, nonce="taken-nonce-0001"),
                                                    now=DAY1))
        # The batch has read the log (the row is not committed) and now waits on the nonce's index entry.
        waiting = ("SELECT count(*) FROM pg_stat_activity "
                   "WHERE wait_event_type = 'Lock' AND datname = current_database()")
        while not await other_process.fetchval(waiting):
            assert not redeeming.done(), redeeming
            await asyncio.sleep(0.01)
        await other.commit()
        with pytest.raises(InvalidInput) as caught:
            await redeeming
    finally:
        await other_process.close()

    assert set(caught.value.fields) == {"nonce"}
    logged = await store.fetch_all(sa.select(t.scan_log.c.device_id).where(t.scan_log.c.nonce == "taken-nonce-0001"))
    assert [row["device_id"] for row in logged] == [ctx["gate2"].id]
