from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.agenda import Agenda, EventStatus, Session, SessionKind
from events_app.domain.agenda_file import AgendaFileError, parse_agenda_text
from events_app.domain.site_visits import TransportGroup
from events_app.services.programme.exporter import export_agenda
from events_app.services.programme.importer import (
    BusNote,
    SeatedBus,
    SeatedBusesRefused,
    import_agendas,
    read_agenda_files,
)
from events_app.services.visits import details, transport
from events_app.services.visits.details import GroupView
from events_app.settings import Settings
from tests.conftest import DEMO_FILES, SCHEDULES, settings_for
from tests.factories import NOW, LoadedEvent, agenda, load_event, register, staff


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _snapshot(store: Store) -> dict[str, list[dict[str, object]]]:
    """Every row of every table, in a stable order: equal snapshots mean nothing changed.

    Except the programme version: a counter that says "look again" to the caches of public pages.
    A re-import rewrites the event's links and speakers even when they are the same, so it may move
    the counter; that costs one rebuilt page, never a stale one.
    """
    result = {}
    for table in t.metadata.sorted_tables:
        if table is t.programme_version:
            continue
        rows = await store.fetch_all(sa.select(table).order_by(*table.primary_key.columns))
        result[table.name] = [dict(row) for row in rows]
    return result


async def _session_row(store: Store, key: str) -> dict[str, object]:
    row = await store.fetch_one(sa.select(t.sessions).where(t.sessions.c.key == key))
    assert row is not None
    return dict(row)


async def test_import_loads_all_demo_events(store: Store) -> None:
    reports = await import_agendas(store, read_agenda_files(DEMO_FILES))

    slugs = [row["slug"] for row in await store.fetch_all(sa.select(t.events.c.slug).order_by(t.events.c.slug))]
    assert slugs == ["kaluga-2021", "kirov-2020", "proclusters-2022", "saransk-2021", "syktyvkar-2021"]
    assert all(report.created for report in reports)
    visits = await store.fetch_val(sa.select(sa.func.count()).select_from(t.sessions)
                                   .where(t.sessions.c.kind == "site_visit"))
    assert visits == 6


async def test_reimport_of_same_files_changes_nothing(store: Store) -> None:
    await import_agendas(store, read_agenda_files(DEMO_FILES), now=datetime(2026, 1, 1, tzinfo=UTC))
    before = await _snapshot(store)

    reports = await import_agendas(store, read_agenda_files(DEMO_FILES), now=datetime(2026, 2, 1, tzinfo=UTC))

    assert await _snapshot(store) == before
    assert [(r.sessions_added, r.sessions_changed, r.sessions_cancelled) for r in reports] == [(0, 0, 0)] * 5


async def test_round_trip_import_export_import_changes_nothing(store: Store, tmp_path: Path) -> None:
    await import_agendas(store, read_agenda_files(DEMO_FILES), now=datetime(2026, 1, 1, tzinfo=UTC))
    before = await _snapshot(store)
    exported = []
    for source in DEMO_FILES:
        slug = parse_agenda_text(source.read_text(encoding="utf-8"), file=str(source)).event.slug
        target = tmp_path / f"{slug}.toml"
        target.write_text(await export_agenda(store, slug), encoding="utf-8")
        exported.append(target)

    await import_agendas(store, read_agenda_files(exported), now=datetime(2026, 2, 1, tzinfo=UTC))

    assert await _snapshot(store) == before
    assert ([_canonical(a) for a in read_agenda_files(exported)]
            == [_canonical(a) for a in read_agenda_files(DEMO_FILES)])


def _canonical(agenda: Agenda) -> Agenda:
    """The same agenda with its lists in key order (an export orders sessions by time)."""
    return replace(agenda, **{name: tuple(sorted(getattr(agenda, name), key=lambda item: item.key))
                              for name in ("organisations", "venues", "people", "sessions")})


async def test_session_at_ten_moscow_is_stored_as_seven_utc(store: Store) -> None:
    await import_agendas(store, read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"]))

    row = await _session_row(store, "visit-mondi")

    assert row["starts_at"] == datetime(2021, 4, 1, 7, 0, tzinfo=UTC)


async def test_moving_a_session_keeps_its_id_and_raises_its_sequence(store: Store) -> None:
    agenda = read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"])[0]
    await import_agendas(store, [agenda])
    before = await _session_row(store, "visit-luzales")
    moved = tuple(replace(s, starts_at=s.starts_at.replace(hour=14, minute=0),
                          ends_at=s.ends_at.replace(hour=15, minute=30))
                  if s.key == "visit-luzales" else s for s in agenda.sessions)

    reports = await import_agendas(store, [replace(agenda, sessions=moved)], now=datetime(2026, 3, 1, tzinfo=UTC))
    after = await _session_row(store, "visit-luzales")

    assert after["id"] == before["id"]
    assert after["sequence"] == before["sequence"] + 1
    assert after["starts_at"] == datetime(2021, 4, 1, 11, 0, tzinfo=UTC)
    assert after["updated_at"] == datetime(2026, 3, 1, tzinfo=UTC)
    assert reports[0].sessions_changed == 1


async def test_editing_only_a_description_does_not_raise_the_sequence(store: Store) -> None:
    agenda = read_agenda_files([SCHEDULES / "kaluga-2021.toml"])[0]
    await import_agendas(store, [agenda])
    first = agenda.sessions[0]
    edited = (replace(first, description="Новое описание"), *agenda.sessions[1:])

    await import_agendas(store, [replace(agenda, sessions=edited)])

    row = await _session_row(store, first.key)
    assert (row["description"], row["sequence"]) == ("Новое описание", 0)


async def test_session_left_out_of_a_published_event_is_cancelled_not_deleted(store: Store) -> None:
    agenda = read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"])[0]
    await import_agendas(store, [agenda])
    without = tuple(s for s in agenda.sessions if s.key != "visit-algraf")

    reports = await import_agendas(store, [replace(agenda, sessions=without)], now=datetime(2026, 3, 1, tzinfo=UTC))
    row = await _session_row(store, "visit-algraf")
    exported = parse_agenda_text(await export_agenda(store, "syktyvkar-2021"), file="export")

    assert row["cancelled_at"] == datetime(2026, 3, 1, tzinfo=UTC)
    assert row["sequence"] == 1
    assert reports[0].sessions_cancelled == 1
    assert "visit-algraf" not in {s.key for s in exported.sessions}


async def test_session_put_back_is_restored_with_a_new_sequence(store: Store) -> None:
    agenda = read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"])[0]
    await import_agendas(store, [agenda])
    await import_agendas(store, [replace(agenda,
                                         sessions=tuple(s for s in agenda.sessions if s.key != "visit-algraf"))])

    await import_agendas(store, [agenda])

    row = await _session_row(store, "visit-algraf")
    assert (row["cancelled_at"], row["sequence"]) == (None, 2)


async def test_bad_file_among_several_imports_nothing(store: Store, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    text = (SCHEDULES / "kaluga-2021.toml").read_text(encoding="utf-8")
    broken.write_text(text.replace('timezone = "Europe/Moscow"', 'timezone = "Europe/Kaluga"'), encoding="utf-8")

    with pytest.raises(AgendaFileError) as caught:
        read_agenda_files([SCHEDULES / "syktyvkar-2021.toml", broken])

    assert [f"{e.file}: {e.path}" for e in caught.value.errors] == [f"{broken}: event.timezone"]
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.events)) == 0


async def test_failure_inside_the_transaction_leaves_no_half_imported_event(store: Store) -> None:
    good, other = read_agenda_files([SCHEDULES / "kaluga-2021.toml", SCHEDULES / "kirov-2020.toml"])
    # An agenda that slipped past the file checks: its session names a venue that does not exist.
    stray = Session(key="stray", kind=SessionKind.SEMINAR, title="x", venue_key="nowhere",
                    starts_at=other.sessions[0].starts_at, ends_at=other.sessions[0].ends_at)
    bad = replace(other, sessions=(*other.sessions, stray))

    with pytest.raises(KeyError):
        await import_agendas(store, [good, bad])

    for table in (t.events, t.organisations, t.venues, t.sessions, t.people):
        assert await store.fetch_val(sa.select(sa.func.count()).select_from(table)) == 0, table.name


async def test_same_organisation_defined_differently_in_two_files_is_refused(tmp_path: Path) -> None:
    first = SCHEDULES / "saransk-2021.toml"
    second = tmp_path / "kaluga.toml"
    second.write_text((SCHEDULES / "kaluga-2021.toml").read_text(encoding="utf-8")
                      .replace('key = "akit"\nname = "', 'key = "akit"\nname = "Другая '), encoding="utf-8")

    with pytest.raises(AgendaFileError) as caught:
        read_agenda_files([first, second])

    assert [e.message for e in caught.value.errors] == [f"organisation 'akit' is defined differently in {first}"]


async def _bus(store: Store, key: str) -> tuple[object, object]:
    row = await store.fetch_one(sa.select(t.visit_details.c.departs_at, t.visit_details.c.returns_at)
                                .join(t.sessions, t.sessions.c.id == t.visit_details.c.session_id)
                                .where(t.sessions.c.key == key))
    assert row is not None
    return row["departs_at"], row["returns_at"]


async def test_reimport_moving_a_visit_moves_its_bus_and_a_second_import_keeps_it(store: Store) -> None:
    agenda = read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"])[0]
    await import_agendas(store, [agenda])
    assert await _bus(store, "visit-luzales") == (datetime(2021, 4, 1, 10, 0, tzinfo=UTC),
                                                  datetime(2021, 4, 1, 12, 0, tzinfo=UTC))
    moved = replace(agenda, sessions=tuple(
        replace(s, starts_at=s.starts_at.replace(hour=11, minute=0), ends_at=s.ends_at.replace(hour=12, minute=30))
        if s.key == "visit-luzales" else s for s in agenda.sessions))

    await import_agendas(store, [moved])
    first = await _bus(store, "visit-luzales")
    await import_agendas(store, [moved])

    # 13:30 → 11:00 Moscow: the bus leaves at 10:30 instead of 13:00 and is back about 12:30.
    assert first == (datetime(2021, 4, 1, 7, 30, tzinfo=UTC), datetime(2021, 4, 1, 9, 30, tzinfo=UTC))
    assert await _bus(store, "visit-luzales") == first


async def test_reimport_with_new_bus_times_in_the_file_takes_them_as_written(store: Store) -> None:
    agenda = read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"])[0]
    await import_agendas(store, [agenda])
    moved = replace(agenda, sessions=tuple(
        replace(s, starts_at=s.starts_at.replace(hour=11, minute=0), ends_at=s.ends_at.replace(hour=12, minute=30),
                visit=replace(s.visit, departs_at=s.starts_at.replace(hour=10, minute=15),
                              returns_at=s.starts_at.replace(hour=13, minute=0)))
        if s.key == "visit-luzales" else s for s in agenda.sessions))

    await import_agendas(store, [moved])

    assert await _bus(store, "visit-luzales") == (datetime(2021, 4, 1, 7, 15, tzinfo=UTC),
                                                  datetime(2021, 4, 1, 10, 0, tzinfo=UTC))


# Buses a re-import leaves out: removed when empty, refused while delegates are seated on them.


async def _seated_on_mondi(store: Store, settings: Settings, riders: int) -> tuple[LoadedEvent, GroupView]:
    """Syktyvkar with `riders` colleagues seated together on one bus of the Mondi visit."""
    loaded = await load_event(store)
    mondi = loaded.sessions["visit-mondi"]
    for n in range(riders):
        await register(store, settings, n, organisation_name="ООО «Лузалес»", sessions=[str(mondi)])
    member = await staff(store, "org@example.ru", admin=True)
    await transport.assign(store, member=member, event_id=loaded.id, session_id=mondi, ip=None, now=NOW)
    (bus,) = [group for group in (await details.get_visit(store, loaded.id, mondi)).groups if group.taken]
    return loaded, bus


def _with_mondi_buses(source: Agenda, buses: Callable[[tuple[TransportGroup, ...]], tuple[TransportGroup, ...]],
                      ) -> Agenda:
    return replace(source, sessions=tuple(
        replace(s, visit=replace(s.visit, transport=buses(s.visit.transport)))
        if s.key == "visit-mondi" and s.visit is not None else s for s in source.sessions))


async def _buses_and_seats(store: Store) -> list[list[dict[str, object]]]:
    return [[dict(row) for row in await store.fetch_all(sa.select(table).order_by(*table.primary_key.columns))]
            for table in (t.transport_groups, t.transport_seats, t.visit_details, t.sessions)]


async def test_reimport_leaving_out_a_bus_with_riders_is_refused_and_writes_nothing(
        store: Store, settings: Settings) -> None:
    _, bus = await _seated_on_mondi(store, settings, 3)
    source = agenda()
    index, mondi = next((i, s) for i, s in enumerate(source.sessions) if s.key == "visit-mondi")
    without = _with_mondi_buses(source, lambda groups: tuple(g for g in groups if g.key != bus.key))
    # The same file also renames a session: that is not stored either.
    renamed = replace(without, sessions=tuple(replace(s, title="Новое название") if s.key == "d2-coffee" else s
                                              for s in without.sessions))
    before = await _buses_and_seats(store)

    with pytest.raises(SeatedBusesRefused) as caught:
        await import_agendas(store, [renamed], now=datetime(2026, 3, 1, tzinfo=UTC))

    assert caught.value.buses == (SeatedBus("syktyvkar-2021", f"sessions[{index}].visit.transport", mondi.title,
                                            bus.label, 3),)
    assert await _buses_and_seats(store) == before
    (problem,) = caught.value.as_file_error({"syktyvkar-2021": "s.toml"}).errors
    assert str(problem) == (
        f"s.toml: sessions[{index}].visit.transport: The bus «{bus.label}» of the site visit «{mondi.title}» is not "
        "in the file, but delegates are seated on it (3): move them to another bus in the workspace first, or keep "
        "the bus in the file")


async def test_reimport_dropping_the_visit_part_of_a_visit_with_riders_is_refused(
        store: Store, settings: Settings) -> None:
    _, bus = await _seated_on_mondi(store, settings, 2)
    source = agenda()
    index = next(i for i, s in enumerate(source.sessions) if s.key == "visit-mondi")
    before = await _buses_and_seats(store)

    with pytest.raises(SeatedBusesRefused) as caught:
        await import_agendas(store, [replace(source, sessions=tuple(
            replace(s, visit=None) if s.key == "visit-mondi" else s for s in source.sessions))])

    assert [(b.path, b.bus, b.seated) for b in caught.value.buses] == [(f"sessions[{index}].visit", bus.label, 2)]
    assert await _buses_and_seats(store) == before


async def test_reimport_removes_an_empty_bus_and_reports_every_bus_it_touched(
        store: Store, settings: Settings) -> None:
    loaded, seated = await _seated_on_mondi(store, settings, 2)
    source = agenda()
    mondi = next(s for s in source.sessions if s.key == "visit-mondi")
    assert mondi.visit is not None
    empty = next(g for g in mondi.visit.transport if g.key != seated.key)
    new_bus = TransportGroup(key="bus-3", name="Автобус 3", seats=30, plate="К 789 ОР 11")

    def rebuilt(groups: tuple[TransportGroup, ...]) -> tuple[TransportGroup, ...]:
        return (*(replace(g, curator_name="Мария Сидорова") for g in groups if g.key == seated.key), new_bus)

    (report,) = await import_agendas(store, [_with_mondi_buses(source, rebuilt)])

    visit = await details.get_visit(store, loaded.id, loaded.sessions["visit-mondi"])
    assert [(g.key, g.taken, g.curator_name) for g in visit.groups] == [
        (seated.key, 2, "Мария Сидорова"), ("bus-3", 0, None)]
    assert (report.buses_added, report.buses_changed, report.buses_removed) == (
        (BusNote("Автобус 3 (К 789 ОР 11)", mondi.title),), (BusNote(seated.label, mondi.title),),
        (BusNote(f"{empty.name} ({empty.plate})", mondi.title),))
    assert str(report).splitlines() == [
        "syktyvkar-2021: updated; sessions added 0, changed 0, cancelled 0; buses added 1, changed 1, removed 1",
        f"  bus added: Автобус 3 (К 789 ОР 11), «{mondi.title}»",
        f"  bus changed: {seated.label}, «{mondi.title}»",
        f"  bus removed: {empty.name} ({empty.plate}), «{mondi.title}»",
    ]


async def test_a_visit_left_out_of_the_file_is_cancelled_and_its_riders_get_the_cancellation_letter(
        store: Store, settings: Settings) -> None:
    loaded, bus = await _seated_on_mondi(store, settings, 2)
    await register(store, settings, 7, email="luzales@example.ru", sessions=[str(loaded.sessions["visit-luzales"])])
    source = agenda()
    mondi = next(s for s in source.sessions if s.key == "visit-mondi")

    (report,) = await import_agendas(store, [replace(source, sessions=tuple(
        s for s in source.sessions if s.key != "visit-mondi"))], now=datetime(2026, 3, 1, tzinfo=UTC),
        settings=settings)

    row = await _session_row(store, "visit-mondi")
    seats = await store.fetch_val(sa.select(sa.func.count()).select_from(t.transport_seats)
                                  .where(t.transport_seats.c.group_id == bus.id))
    assert (report.sessions_cancelled, report.buses_removed, report.riders_told) == (1, (), 2)
    assert str(report).splitlines()[0].endswith("; riders of cancelled visits told 2")
    assert (row["cancelled_at"], seats) == (datetime(2026, 3, 1, tzinfo=UTC), 2)
    letters = await store.fetch_all(sa.select(t.outbox).where(t.outbox.c.subject.like("Изменения в программе%"))
                                    .order_by(t.outbox.c.recipient))
    assert [letter["recipient"] for letter in letters] == ["delegate0@example.ru", "delegate1@example.ru"]
    text = email.message_from_string(letters[0]["message"], policy=email.policy.default).get_body(("plain",))
    assert f"- Отмена: «{mondi.title}», 1 апреля, четверг, 10:00–12:00" in text.get_content()


# Buses a re-import keeps: never fewer seats than their riders, and a new name, plate or curator is mailed to them.


async def test_reimport_giving_a_bus_fewer_seats_than_its_riders_is_refused_and_writes_nothing(
        store: Store, settings: Settings) -> None:
    _, bus = await _seated_on_mondi(store, settings, 3)
    source = agenda()
    index, mondi = next((i, s) for i, s in enumerate(source.sessions) if s.key == "visit-mondi")
    assert mondi.visit is not None
    position = next(p for p, g in enumerate(mondi.visit.transport) if g.key == bus.key)
    # Two seats for three riders, under a new name; the file also renames a session: none of it is stored.
    shrunk = _with_mondi_buses(source, lambda groups: tuple(
        replace(g, seats=2, name="Синий автобус") if g.key == bus.key else g for g in groups))
    renamed = replace(shrunk, sessions=tuple(replace(s, title="Новое название") if s.key == "d2-coffee" else s
                                             for s in shrunk.sessions))
    before = await _buses_and_seats(store)

    with pytest.raises(SeatedBusesRefused) as caught:
        await import_agendas(store, [renamed], now=datetime(2026, 3, 1, tzinfo=UTC), settings=settings)

    path = f"sessions[{index}].visit.transport[{position}].seats"
    assert caught.value.buses == (SeatedBus("syktyvkar-2021", path, mondi.title, bus.label, 3, 2),)
    assert await _buses_and_seats(store) == before
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox)
                                 .where(t.outbox.c.subject.like("Изменились%"))) == 0
    (problem,) = caught.value.as_file_error({"syktyvkar-2021": "s.toml"}).errors
    assert str(problem) == (
        f"s.toml: {path}: The bus «{bus.label}» of the site visit «{mondi.title}» has fewer seats in the file (2) "
        "than delegates seated on it (3): move some to another bus in the workspace first, or give it at least as "
        "many seats in the file")


async def test_reimport_names_every_bus_it_refuses_left_out_or_shrunk(store: Store, settings: Settings) -> None:
    loaded, mondi_bus = await _seated_on_mondi(store, settings, 2)
    luzales = loaded.sessions["visit-luzales"]
    await register(store, settings, 7, organisation_name="АО «Лузалес»", sessions=[str(luzales)])
    member = await staff(store, "seater@example.ru", admin=True)
    await transport.assign(store, member=member, event_id=loaded.id, session_id=luzales, ip=None, now=NOW)
    (luzales_bus,) = [g for g in (await details.get_visit(store, loaded.id, luzales)).groups if g.taken]
    source = _with_mondi_buses(agenda(), lambda groups: tuple(g for g in groups if g.key != mondi_bus.key))
    source = replace(source, sessions=tuple(
        replace(s, visit=replace(s.visit, transport=tuple(replace(g, seats=0 if g.key == luzales_bus.key else g.seats)
                                                          for g in s.visit.transport)))
        if s.key == "visit-luzales" and s.visit is not None else s for s in source.sessions))
    before = await _buses_and_seats(store)

    with pytest.raises(SeatedBusesRefused) as caught:
        await import_agendas(store, [source])

    assert sorted((b.bus, b.seated, b.seats) for b in caught.value.buses) == sorted(
        [(mondi_bus.label, 2, None), (luzales_bus.label, 1, 0)])
    assert await _buses_and_seats(store) == before


async def _rider_letters(store: Store) -> list[tuple[str, str]]:
    rows = await store.fetch_all(sa.select(t.outbox).where(t.outbox.c.subject.like("Изменились данные%"))
                                 .order_by(t.outbox.c.recipient))
    return [(row["recipient"], email.message_from_string(row["message"], policy=email.policy.default)
             .get_body(("plain",)).get_content()) for row in rows]


def _renamed_bus(key: str) -> Callable[[tuple[TransportGroup, ...]], tuple[TransportGroup, ...]]:
    def rebuilt(groups: tuple[TransportGroup, ...]) -> tuple[TransportGroup, ...]:
        return tuple(replace(g, name="Синий автобус", plate="А 001 АА 11", curator_name="Мария Сидорова")
                     if g.key == key else g for g in groups)
    return rebuilt


async def test_reimport_renaming_a_bus_sends_its_riders_the_workspace_letter_and_nobody_else(
        store: Store, settings: Settings) -> None:
    loaded, bus = await _seated_on_mondi(store, settings, 2)
    # Not riders of that bus: a delegate seated on another visit's bus, and a latecomer of the same visit
    # whom registration seats at once, on its emptier bus.
    luzales = loaded.sessions["visit-luzales"]
    await register(store, settings, 7, email="luzales@example.ru", sessions=[str(luzales)])
    member = await staff(store, "seater@example.ru", admin=True)
    await transport.assign(store, member=member, event_id=loaded.id, session_id=luzales, ip=None, now=NOW)
    await register(store, settings, 8, email="latecomer@example.ru", organisation_name="ООО «Другое»",
                   sessions=[str(loaded.sessions["visit-mondi"])])
    seats = {g.key: g.taken for g in (await details.get_visit(store, loaded.id, loaded.sessions["visit-mondi"])).groups}
    assert seats[bus.key] == 2 and sum(seats.values()) == 3
    mondi = next(s for s in agenda().sessions if s.key == "visit-mondi")

    (report,) = await import_agendas(store, [_with_mondi_buses(agenda(), _renamed_bus(bus.key))],
                                     now=datetime(2026, 3, 1, tzinfo=UTC), settings=settings)

    assert (report.buses_changed, report.bus_riders_told, report.riders_told) == (
        (BusNote("Синий автобус (А 001 АА 11)", mondi.title),), 2, 0)
    assert str(report).splitlines()[0].endswith("; riders of changed buses told 2")
    letters = await _rider_letters(store)
    assert [recipient for recipient, _ in letters] == ["delegate0@example.ru", "delegate1@example.ru"]
    for _, text in letters:
        assert "Организаторы изменили данные вашего автобуса" in text
        assert "Ваш автобус: Синий автобус (А 001 АА 11), куратор Мария Сидорова" in text
        assert bus.label not in text


async def test_reimport_changing_only_seats_or_a_bus_nobody_rides_sends_no_letter(
        store: Store, settings: Settings) -> None:
    _, bus = await _seated_on_mondi(store, settings, 2)

    def rebuilt(groups: tuple[TransportGroup, ...]) -> tuple[TransportGroup, ...]:
        return tuple(replace(g, seats=g.seats + 5) if g.key == bus.key else replace(g, name="Запасной автобус")
                     for g in groups)

    (report,) = await import_agendas(store, [_with_mondi_buses(agenda(), rebuilt)], settings=settings)

    assert (len(report.buses_changed), report.bus_riders_told) == (2, 0)
    assert await _rider_letters(store) == []


async def test_reimport_of_a_draft_event_renames_the_bus_without_letters(store: Store, settings: Settings) -> None:
    loaded, bus = await _seated_on_mondi(store, settings, 2)
    source = _with_mondi_buses(agenda(), _renamed_bus(bus.key))

    (report,) = await import_agendas(store, [replace(source, event=replace(source.event, status=EventStatus.DRAFT))],
                                     settings=settings)

    visit = await details.get_visit(store, loaded.id, loaded.sessions["visit-mondi"])
    assert [(g.label, g.taken) for g in visit.groups if g.key == bus.key] == [("Синий автобус (А 001 АА 11)", 2)]
    assert (len(report.buses_changed), report.bus_riders_told) == (1, 0)
    assert await _rider_letters(store) == []
