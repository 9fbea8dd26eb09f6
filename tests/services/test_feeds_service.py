from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import vobject

from events_app.data.database import Store
from events_app.domain.agenda import Agenda
from events_app.domain.errors import InvalidInput, NotFound
from events_app.services.programme import feeds
from events_app.services.programme.importer import import_agendas, read_agenda_files
from tests.conftest import SCHEDULES

PUBLICATION = feeds.Publication(base_url="https://events.example.org", host="events.example.org",
                                kind_labels={"site_visit": "Посещение предприятия", "transfer": "Трансфер"})


def _syktyvkar() -> Agenda:
    return read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"])[0]


def _list(body: bytes) -> list[vobject.base.Component]:
    return list(vobject.readOne(body.decode("utf-8")).contents.get("vevent", []))


def _events(body: bytes) -> dict[str, vobject.base.Component]:
    """The calendar's events by title (a cancelled one without its prefix)."""
    return {event.summary.value.removeprefix("Отменено: "): event for event in _list(body)}


LUZALES = "Посещение ООО «Лузалес»: презентация совместного кластерного проекта «Освоение производства плит МДФ»"
ALGRAF = "Посещение ООО «Алграф»: промышленный технопарк"


async def test_moving_a_session_keeps_its_uid_and_raises_its_sequence(store: Store) -> None:
    agenda = _syktyvkar()
    await import_agendas(store, [agenda], now=datetime(2026, 1, 1, tzinfo=UTC))
    before = _events(await feeds.event_calendar(store, "syktyvkar-2021", PUBLICATION))[LUZALES]
    moved = tuple(replace(s, starts_at=s.starts_at.replace(hour=14, minute=0),
                          ends_at=s.ends_at.replace(hour=15, minute=30))
                  if s.key == "visit-luzales" else s for s in agenda.sessions)

    await import_agendas(store, [replace(agenda, sessions=moved)], now=datetime(2026, 3, 1, tzinfo=UTC))
    after = _events(await feeds.event_calendar(store, "syktyvkar-2021", PUBLICATION))[LUZALES]

    assert after.uid.value == before.uid.value
    assert before.uid.value.endswith("@events.example.org")
    assert (int(before.sequence.value), int(after.sequence.value)) == (0, 1)
    assert (before.last_modified.value, after.last_modified.value) == (
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    assert after.dtstart.value.strftime("%H:%M %z") == "14:00 +0300"


async def test_session_left_out_stays_in_the_feed_as_cancelled(store: Store) -> None:
    agenda = _syktyvkar()
    await import_agendas(store, [agenda])
    uid = _events(await feeds.event_calendar(store, "syktyvkar-2021", PUBLICATION))[ALGRAF].uid.value

    await import_agendas(store, [replace(agenda,
                                         sessions=tuple(s for s in agenda.sessions if s.key != "visit-algraf"))])
    body = await feeds.event_calendar(store, "syktyvkar-2021", PUBLICATION)

    algraf = _events(body)[ALGRAF]
    assert (algraf.uid.value, algraf.status.value, algraf.sequence.value) == (uid, "CANCELLED", "1")
    assert algraf.summary.value == f"Отменено: {ALGRAF}"
    assert sorted(event.status.value for event in _list(body)) == (["CANCELLED"]
                                                                   + ["CONFIRMED"] * (len(agenda.sessions) - 1))


async def test_cancelled_session_is_left_out_of_schedules_and_spreadsheets(store: Store) -> None:
    agenda = _syktyvkar()
    await import_agendas(store, [agenda])
    await import_agendas(store, [replace(agenda,
                                         sessions=tuple(s for s in agenda.sessions if s.key != "visit-algraf"))])

    schedule = json.loads(await feeds.schedule_json(store, "syktyvkar-2021", PUBLICATION))
    csv_bytes = await feeds.agenda_csv(store, "syktyvkar-2021", PUBLICATION)
    sheet = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig")), delimiter=";"))

    titles = [talk["title"] for day in schedule["schedule"]["conference"]["days"] for talks in day["rooms"].values()
              for talk in talks]
    assert ALGRAF not in titles and len(titles) == len(agenda.sessions) - 1
    assert ALGRAF not in [row[5] for row in sheet] and len(sheet) == len(agenda.sessions)


async def test_kind_and_day_filters_choose_the_sessions(store: Store) -> None:
    await import_agendas(store, [_syktyvkar()])

    visits = await feeds.event_calendar(store, "syktyvkar-2021", PUBLICATION, kind="site_visit")
    second_day = await feeds.event_calendar(store, "syktyvkar-2021", PUBLICATION, day="2021-04-02", kind="transfer")

    assert [e.summary.value for e in _events(visits).values()] == [
        "Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми", LUZALES, ALGRAF]
    assert vobject.readOne(visits.decode()).x_wr_calname.value == (
        "Практическая сессия по развитию промышленных кластеров России — Посещение предприятия")
    assert list(_events(second_day)) == ["Трансфер в Финно-Угорский этнокультурный парк", "Трансфер в Сыктывкар"]
    assert vobject.readOne(second_day.decode()).x_wr_calname.value.endswith("— Трансфер, 2 апреля")


async def test_unknown_filters_are_refused(store: Store) -> None:
    await import_agendas(store, [_syktyvkar()])

    with pytest.raises(InvalidInput):
        await feeds.event_calendar(store, "syktyvkar-2021", PUBLICATION, day="2021-04-05")
    with pytest.raises(InvalidInput):
        await feeds.event_calendar(store, "syktyvkar-2021", PUBLICATION, kind="excursion")


async def test_one_session_calendar_serves_a_cancelled_session_as_cancelled(store: Store) -> None:
    agenda = _syktyvkar()
    await import_agendas(store, [agenda])
    visits = _events(await feeds.event_calendar(store, "syktyvkar-2021", PUBLICATION, kind="site_visit"))
    session_id = int(visits[ALGRAF].uid.value.split("@")[0].removeprefix("session-"))
    await import_agendas(store, [replace(agenda,
                                         sessions=tuple(s for s in agenda.sessions if s.key != "visit-algraf"))])

    calendar = await feeds.session_calendar(store, "syktyvkar-2021", session_id, PUBLICATION)
    event = vobject.readOne(calendar.decode()).vevent

    assert (event.uid.value, event.status.value) == (f"session-{session_id}@events.example.org", "CANCELLED")
    with pytest.raises(NotFound):
        await feeds.session_calendar(store, "kirov-2020", session_id, PUBLICATION)
