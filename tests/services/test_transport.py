"""Filling buses of site visits on both backends: capacity, colleagues, promotions, moves, mail."""

from __future__ import annotations

import email
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.site_visits import organisation_key, split_organisations
from events_app.services.registration import signup
from events_app.services.visits import details, transport
from events_app.settings import Settings
from events_app.web.errors import error_message
from tests.conftest import settings_for
from tests.factories import NOW, door_device, load_event, register, staff

VISITS = ("visit-mondi", "visit-luzales", "visit-algraf")
# 40 delegates per visit from 14 organisations: two buses of 20 hold them with nobody split.
SIZES = [6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 1, 1, 1, 1]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _event(store: Store) -> dict[str, Any]:
    syktyvkar = await load_event(store)
    member = await staff(store, "org@example.ru", admin=True, name="Организатор")
    return {"sessions": syktyvkar.sessions, "event_id": syktyvkar.id, "member": member}


async def _passenger(store: Store, settings: Settings, n: int, organisation: str, session_id: int) -> int:
    """Delegate `n` of `organisation` on one visit; registered a second apart, so the order is known."""
    given_name = "Ян" + "".join("абвгдежзик"[int(d)] for d in f"{n:03d}")  # unique, and sorted as n is
    return (await register(store, settings, n, surname="Иванов", given_name=given_name, organisation_name=organisation,
                           sessions=[str(session_id)], now=NOW + timedelta(seconds=n))).id


async def _fill_all(store: Store, settings: Settings, ctx: dict[str, Any]) -> dict[int, str]:
    """120 delegates, 40 on each visit, organisations interleaved as people really register."""
    organisations: dict[int, str] = {}
    n = 0
    for visit_index, key in enumerate(VISITS):
        people = [f"ООО «Предприятие {visit_index}-{org}»" for org, size in enumerate(SIZES) for _ in range(size)]
        people = people[::2] + people[1::2]
        for organisation in people:
            registration_id = await _passenger(store, settings, n, organisation, ctx["sessions"][key])
            organisations[registration_id] = organisation_key(organisation)
            n += 1
    return organisations


async def _seating(store: Store, session_id: int) -> dict[int, int]:
    return dict(await store.fetch_all(sa.select(t.transport_seats.c.registration_id, t.transport_seats.c.group_id)
                                      .join(t.registrations,
                                            t.registrations.c.id == t.transport_seats.c.registration_id)
                                      .where(t.transport_seats.c.session_id == session_id,
                                             details.seated_condition())))


async def test_120_delegates_fill_six_buses_within_seats_keeping_colleagues_together(
        store: Store, settings: Settings) -> None:
    ctx = await _event(store)
    organisations = await _fill_all(store, settings, ctx)
    seats_before = await store.fetch_val(sa.select(sa.func.count()).select_from(t.transport_seats))

    seated = [await transport.assign(store, member=ctx["member"], event_id=ctx["event_id"],
                                     session_id=ctx["sessions"][key], ip="127.0.0.1", now=NOW) for key in VISITS]

    assert seats_before == 0  # nobody is seated one by one before the organiser fills the buses
    assert seated == [40, 40, 40]
    for key in VISITS:
        seating = await _seating(store, ctx["sessions"][key])
        visit = await details.get_visit(store, ctx["event_id"], ctx["sessions"][key])
        assert sorted(Counter(seating.values()).values()) == [20, 20]
        assert [(g.seats, g.taken) for g in visit.groups] == [(20, 20), (20, 20)]
        assert split_organisations(seating, organisations) == set()
    actions = [row["action"] for row in await store.fetch_all(
        sa.select(t.audit_log.c.action).where(t.audit_log.c.action.like("visits.%")))]
    assert actions == ["visits.assign"] * 3


async def test_waiting_list_promotion_gets_the_freed_seat(store: Store, settings: Settings) -> None:
    ctx = await _event(store)
    mondi = ctx["sessions"]["visit-mondi"]
    first = [await _passenger(store, settings, n, f"ООО «Фирма {n // 4}»", mondi) for n in range(40)]
    late = await _passenger(store, settings, 40, "ООО «Фирма 2»", mondi)
    await transport.assign(store, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi, ip=None, now=NOW)
    assert late not in await _seating(store, mondi)
    gone_bus = (await _seating(store, mondi))[first[9]]

    await signup.cancel(store, settings, first[9], now=NOW + timedelta(hours=1))

    seating = await _seating(store, mondi)
    assert seating[late] == gone_bus
    assert first[9] not in seating
    assert sorted(Counter(seating.values()).values()) == [20, 20]


async def test_registration_after_the_buses_are_filled_gets_a_seat_at_once(store: Store, settings: Settings) -> None:
    ctx = await _event(store)
    algraf = ctx["sessions"]["visit-algraf"]
    for n in range(5):
        await _passenger(store, settings, n, "АО «Завод»", algraf)
    await transport.assign(store, member=ctx["member"], event_id=ctx["event_id"], session_id=algraf, ip=None, now=NOW)

    newcomer = await _passenger(store, settings, 5, "АО «Завод»", algraf)

    seating = await _seating(store, algraf)
    assert len(set(seating.values())) == 1 and seating[newcomer] == next(iter(seating.values()))


async def test_move_by_hand_never_exceeds_seats_and_tells_the_delegate(store: Store, settings: Settings) -> None:
    ctx = await _event(store)
    mondi = ctx["sessions"]["visit-mondi"]
    ids = [await _passenger(store, settings, n, f"ООО «Фирма {n}»", mondi) for n in range(40)]
    await transport.assign(store, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi, ip=None, now=NOW)
    bus1, bus2 = [g.id for g in (await details.get_visit(store, ctx["event_id"], mondi)).groups]
    seating = await _seating(store, mondi)
    on_bus1 = next(r for r in ids if seating[r] == bus1)

    with pytest.raises(transport.BusFull) as full:
        await transport.move(store, settings, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi,
                             registration_id=on_bus1, group_id=bus2, ip=None, now=NOW)
    # The bus is named after translation, so the message is found in the catalogue in either language.
    with i18n.language("ru"):
        assert error_message(full.value) == "В «Автобус 2» нет свободных мест"
    with i18n.language("en"):
        assert error_message(full.value) == "Автобус 2 has no free seat"
    on_bus2 = next(r for r in ids if seating[r] == bus2)
    await signup.cancel(store, settings, on_bus2, now=NOW)
    await transport.move(store, settings, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi,
                         registration_id=on_bus1, group_id=bus2, ip="10.0.0.1", now=NOW)

    after = await _seating(store, mondi)
    assert after[on_bus1] == bus2
    assert Counter(after.values()) == {bus1: 19, bus2: 20}
    letter = await store.fetch_one(sa.select(t.outbox).where(t.outbox.c.registration_id == on_bus1)
                                   .order_by(t.outbox.c.id.desc()))
    message = email.message_from_string(letter["message"])
    body = message.get_payload(decode=True).decode()
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))).startswith(
        "Вы пересажены в другой автобус")
    assert "Ваш автобус: Автобус 2 (К 456 ОР 11), куратор Игорь Канев, тел. +7 912 100-20-32" in body
    assert "Отправление: 09:30" in body
    audit = await store.fetch_one(sa.select(t.audit_log).where(t.audit_log.c.action == "visits.move"))
    moved_name = "Иванов Ян" + "".join("абвгдежзик"[int(d)] for d in f"{ids.index(on_bus1):03d}")
    assert (audit["subject"], audit["ip"]) == (moved_name, "10.0.0.1")


async def test_move_to_a_bus_of_another_visit_is_refused(store: Store, settings: Settings) -> None:
    ctx = await _event(store)
    mondi, luzales = ctx["sessions"]["visit-mondi"], ctx["sessions"]["visit-luzales"]
    delegate = await _passenger(store, settings, 0, "ООО «Фирма»", mondi)
    other_bus = (await details.get_visit(store, ctx["event_id"], luzales)).groups[0].id

    with pytest.raises(Exception) as error:
        await transport.move(store, settings, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi,
                             registration_id=delegate, group_id=other_bus, ip=None, now=NOW)

    assert error.value.fields == {"group_id": "Choose a bus of this visit"}


async def test_new_departure_time_reaches_every_seated_delegate(store: Store, settings: Settings) -> None:
    ctx = await _event(store)
    luzales = ctx["sessions"]["visit-luzales"]
    ids = [await _passenger(store, settings, n, "ООО «Фирма»", luzales) for n in range(3)]
    await transport.assign(store, member=ctx["member"], event_id=ctx["event_id"], session_id=luzales, ip=None, now=NOW)
    letters_before = await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox))

    told = await transport.change_times(store, settings, member=ctx["member"], event_id=ctx["event_id"],
                                        session_id=luzales, departs_at=datetime(2021, 4, 1, 10, 15, tzinfo=UTC),
                                        returns_at=None, ip=None, now=NOW)

    assert told == 3
    rows = await store.fetch_all(sa.select(t.outbox).where(t.outbox.c.id > letters_before))
    assert sorted(row["registration_id"] for row in rows) == sorted(ids)
    body = email.message_from_string(rows[0]["message"]).get_payload(decode=True).decode()
    assert "Отправление: 13:15" in body and "Изменилось время отправления" in body
    sequence = await store.fetch_val(sa.select(t.sessions.c.sequence).where(t.sessions.c.id == luzales))
    assert sequence == 1


async def test_manifest_lists_the_bus_passengers_with_the_curator(store: Store, settings: Settings) -> None:
    ctx = await _event(store)
    algraf = ctx["sessions"]["visit-algraf"]
    for n in range(3):
        await _passenger(store, settings, n, "ООО «Алград»", algraf)
    await transport.assign(store, member=ctx["member"], event_id=ctx["event_id"], session_id=algraf, ip=None, now=NOW)
    first_bus = (await details.get_visit(store, ctx["event_id"], algraf)).groups[0]

    manifest = await transport.manifest(store, ctx["event_id"], algraf, first_bus.id)

    assert (manifest.group.label, manifest.group.curator_name, manifest.group.curator_phone) == (
        "Автобус 1 (К 123 ОР 11)", "Наталья Попова", "+7 912 100-20-31")
    assert [(p.name, p.organisation) for p in manifest.passengers] == [
        ("Иванов Янааа", "ООО «Алград»"), ("Иванов Янааб", "ООО «Алград»"), ("Иванов Янаав", "ООО «Алград»")]


async def test_bus_door_turns_away_a_delegate_of_another_bus_naming_the_right_one(
        store: Store, settings: Settings) -> None:
    from events_app.domain.checkin import Scan, ScanType
    from events_app.services.checkin import door as checkin

    ctx = await _event(store)
    mondi = ctx["sessions"]["visit-mondi"]
    first = await _passenger(store, settings, 0, "ООО «Лузалес»", mondi)
    second = await _passenger(store, settings, 1, "АО «Монди СЛПК»", mondi)
    stranger = await _passenger(store, settings, 2, "ООО «Алграф»", ctx["sessions"]["visit-algraf"])
    await transport.assign(store, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi, ip=None, now=NOW)
    seating = await _seating(store, mondi)
    bus1, bus2 = [g.id for g in (await details.get_visit(store, ctx["event_id"], mondi)).groups]
    assert {seating[first], seating[second]} == {bus1, bus2}
    on_bus1, on_bus2 = (first, second) if seating[first] == bus1 else (second, first)
    door = (await door_device(store, settings, list_name=f"bus-{bus1}", name="Автобус 1, дверь")).device
    secrets_ = dict(await store.fetch_all(sa.select(t.tickets.c.registration_id, t.tickets.c.secret)))
    at = datetime(2021, 4, 1, 6, 25, tzinfo=UTC)  # 09:25 in Syktyvkar

    def scan(registration_id: int, nonce: str) -> Scan:
        return Scan(secret=secrets_[registration_id], list_name=f"bus-{bus1}", type=ScanType.ENTRY, nonce=nonce,
                    scanned_at=at)

    wrong = await checkin.redeem(store, door, scan(on_bus2, "bus-door-0001"), now=at)
    right = await checkin.redeem(store, door, scan(on_bus1, "bus-door-0002"), now=at)
    other = await checkin.redeem(store, door, scan(stranger, "bus-door-0003"), now=at)

    assert (wrong["status"], wrong["reason"], wrong["bus"]) == ("error", "wrong_bus", "Автобус 2 (К 456 ОР 11)")
    assert wrong["message"] == "Не тот автобус: участник едет в «Автобус 2 (К 456 ОР 11)»"
    assert (right["status"], right["reason"], right["bus"]) == ("ok", None, "Автобус 1 (К 123 ОР 11)")
    assert (other["status"], other["reason"], other["bus"]) == ("error", "not_signed_up", None)
    logged = [(row["reason"], row["list_name"]) for row in await store.fetch_all(
        sa.select(t.scan_log.c.reason, t.scan_log.c.list_name).order_by(t.scan_log.c.id))]
    assert logged == [("wrong_bus", f"bus-{bus1}"), (None, f"bus-{bus1}"), ("not_signed_up", f"bus-{bus1}")]
    lists = {item.name: item.expected for item in await checkin_lists_with_counts(store, ctx["event_id"])}
    assert (lists[f"bus-{bus1}"], lists[f"bus-{bus2}"], lists[f"visit-{mondi}"]) == (1, 1, 2)


async def checkin_lists_with_counts(store: Store, event_id: int):
    from events_app.services.checkin import lists as checkin_lists

    return await checkin_lists.lists_with_counts(store, event_id)


async def test_bus_door_search_names_the_bus_of_a_delegate_seated_on_another(
        store: Store, settings: Settings) -> None:
    from events_app.services.checkin import lists as checkin_lists

    ctx = await _event(store)
    mondi = ctx["sessions"]["visit-mondi"]
    first = await _passenger(store, settings, 0, "ООО «Лузалес»", mondi)
    second = await _passenger(store, settings, 1, "АО «Монди СЛПК»", mondi)
    await transport.assign(store, member=ctx["member"], event_id=ctx["event_id"], session_id=mondi, ip=None, now=NOW)
    seating = await _seating(store, mondi)
    bus1 = (await details.get_visit(store, ctx["event_id"], mondi)).groups[0].id
    on_bus1, on_bus2 = (first, second) if seating[first] == bus1 else (second, first)
    names = dict(await store.fetch_all(sa.select(t.registrations.c.id, t.registrations.c.given_name)))
    bus_door = await checkin_lists.find_list(store, ctx["event_id"], f"bus-{bus1}")

    found, others = await checkin_lists.search(store, ctx["event_id"], bus_door, "Иванов")
    offline = await checkin_lists.offline_refusals(store, ctx["event_id"], bus_door)

    assert [row["name"] for row in found] == [f"Иванов {names[on_bus1]}"]
    assert [(row["name"], row["reason"], row["message"]) for row in others] == [
        (f"Иванов {names[on_bus2]}", "wrong_bus", "Не тот автобус: участник едет в «Автобус 2 (К 456 ОР 11)»")]
    assert [row["message"] for row in offline] == ["Не тот автобус: участник едет в «Автобус 2 (К 456 ОР 11)»"]
