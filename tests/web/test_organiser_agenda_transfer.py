"""Importing and exporting an event's agenda file from the workspace."""

from __future__ import annotations

import asyncio
import json
import re
import tomllib
from pathlib import Path

import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.visits import transport
from tests.conftest import settings_for
from tests.factories import NOW, add_staff, register, sign_in, signed_in, staff
from tests.web.test_organiser_setup import query

SCHEDULES = Path(__file__).resolve().parents[2] / "schedules"
BASE = "/organiser/events/syktyvkar-2021/agenda"



def _session_keys(database_url: str) -> set[str]:
    rows = query(database_url, sa.select(t.sessions.c.key).join(t.events, t.events.c.id == t.sessions.c.event_id)
                 .where(t.events.c.slug == "syktyvkar-2021", t.sessions.c.cancelled_at.is_(None)))
    return {row["key"] for row in rows}


def _upload(client: TestClient, csrf: str, name: str, content: bytes):
    return client.post(BASE + "/import", data={"csrf_token": csrf},
                       files={"agenda": (name, content, "application/toml")})


def test_export_downloads_the_events_toml(client: TestClient, database_url: str) -> None:
    signed_in(client, database_url, "org@example.ru", role="organiser")

    response = client.get(BASE + "/export")

    assert response.headers["content-disposition"] == 'attachment; filename="syktyvkar-2021.toml"'
    assert response.headers["content-type"].startswith("application/toml")
    data = tomllib.loads(response.text)
    assert data["event"]["slug"] == "syktyvkar-2021"
    assert {s["key"] for s in data["sessions"]} == _session_keys(database_url)


def test_import_applies_the_file_reports_the_changes_and_audits(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    text = client.get(BASE + "/export").text
    changed = text.replace('key = "d2-coffee"', 'key = "d2-coffee-break"')

    response = _upload(client, csrf, "syktyvkar.toml", changed.encode())

    assert response.status_code == 200
    assert "Программа загружена." in response.text
    assert "Сессий добавлено: 1" in response.text and "Сессий отменено или удалено: 1" in response.text
    keys = _session_keys(database_url)
    assert "d2-coffee-break" in keys and "d2-coffee" not in keys
    (entry,) = query(database_url, sa.select(t.audit_log).where(t.audit_log.c.action == "agenda.import"))
    assert (entry["actor"], entry["subject"]) == ("org@example.ru", "syktyvkar.toml")


def test_another_events_file_is_refused(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    before = _session_keys(database_url)
    kirov_title = query(database_url, sa.select(t.events.c.title).where(t.events.c.slug == "kirov-2020"))

    response = _upload(client, csrf, "kirov-2020.toml", (SCHEDULES / "kirov-2020.toml").read_bytes())

    assert response.status_code == 422
    assert "Ничего не загружено" in response.text
    assert ("<code>kirov-2020.toml</code> · <code>event.slug</code> — "
            "Этот файл — для мероприятия kirov-2020, а не для syktyvkar-2021") in response.text
    assert _session_keys(database_url) == before
    assert query(database_url, sa.select(t.events.c.title).where(t.events.c.slug == "kirov-2020")) == kirov_title
    assert query(database_url, sa.select(t.audit_log).where(t.audit_log.c.action == "agenda.import")) == []


def test_broken_toml_is_shown_with_its_line(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    before = _session_keys(database_url)
    broken = b'[event]\nslug = "syktyvkar-2021"\ntitle = "unterminated\n'

    response = _upload(client, csrf, "broken.toml", broken)

    assert response.status_code == 422
    assert "<code>broken.toml</code> — not valid TOML" in response.text
    assert "line 3" in response.text
    assert _session_keys(database_url) == before


def test_every_problem_of_a_file_is_listed_with_its_path(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    text = (SCHEDULES / "syktyvkar-2021.toml").read_text(encoding="utf-8")
    bad = text.replace('venue = "mondi"', 'venue = "nowhere"', 1).replace('region = "11"', 'region = "999"', 1)

    response = _upload(client, csrf, "bad.toml", bad.encode())

    assert response.status_code == 422
    assert "<code>event.region</code>" in response.text
    assert "unknown venue &#39;nowhere&#39;" in response.text
    assert "Программа загружена" not in response.text


def test_door_staff_and_other_organisers_cannot_import(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "door@example.ru", role="door", event="syktyvkar-2021")
    csrf = sign_in(client, "door@example.ru")

    response = _upload(client, csrf, "s.toml", (SCHEDULES / "syktyvkar-2021.toml").read_bytes())

    assert response.status_code == 403
    assert client.get(BASE + "/export").status_code == 403


MONDI = "Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми"


def _seat_two_on_mondi(database_url: str, tmp_path: Path) -> None:
    """Two colleagues hold places on the Mondi visit and sit together on its first bus."""
    async def run() -> None:
        async with Store(database_url) as store:
            mondi = await store.fetch_val(sa.select(t.sessions.c.id).where(t.sessions.c.key == "visit-mondi"))
            event_id = await store.fetch_val(sa.select(t.sessions.c.event_id).where(t.sessions.c.id == mondi))
            for n in range(2):
                await register(store, settings_for(database_url, tmp_path / "data"), n,
                               organisation_name="ООО «Лузалес»", sessions=[str(mondi)])
            filler = await staff(store, "filler@example.ru", admin=True, name="Filler")
            await transport.assign(store, member=filler, event_id=event_id, session_id=mondi, ip=None, now=NOW)

    asyncio.run(run())


def _without_mondi_bus(text: str, key: str) -> str:
    start = text.index(f'[[sessions.visit.transport]]\nkey = "{key}"', text.index('key = "visit-mondi"'))
    end = text.index("[[", start + 2)
    return text[:start] + text[end:]


def _mondi_buses(database_url: str) -> list[tuple[str, int]]:
    rows = query(database_url, sa.select(t.transport_groups.c.key,
                                         sa.func.count(t.transport_seats.c.group_id).label("seats"))
                 .join(t.sessions, t.sessions.c.id == t.transport_groups.c.session_id)
                 .outerjoin(t.transport_seats, t.transport_seats.c.group_id == t.transport_groups.c.id)
                 .where(t.sessions.c.key == "visit-mondi").group_by(t.transport_groups.c.key)
                 .order_by(t.transport_groups.c.key))
    return [(row["key"], row["seats"]) for row in rows]


def test_a_file_leaving_out_a_bus_with_riders_is_refused_on_the_page(client: TestClient, database_url: str,
                                                                      tmp_path: Path) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    _seat_two_on_mondi(database_url, tmp_path)
    text = client.get(BASE + "/export").text
    index = re.findall(r'^\[\[sessions\]\]\nkey = "([^"]+)"', text, re.M).index("visit-mondi")

    response = _upload(client, csrf, "syktyvkar.toml", _without_mondi_bus(text, "bus-1").encode())

    assert response.status_code == 422
    assert "Ничего не загружено" in response.text
    assert (f"<code>syktyvkar.toml</code> · <code>sessions[{index}].visit.transport</code> — Автобуса «Автобус 1 "
            f"(К 123 ОР 11)» посещения «{MONDI}» нет в файле, а в нём рассажены участники (2): сначала пересадите их "
            "в другой автобус в кабинете организатора или оставьте автобус в файле") in response.text
    assert _mondi_buses(database_url) == [("bus-1", 2), ("bus-2", 0)]
    assert query(database_url, sa.select(t.audit_log).where(t.audit_log.c.action == "agenda.import")) == []


def test_a_file_leaving_out_an_empty_bus_removes_it_and_the_page_names_it(client: TestClient, database_url: str,
                                                                          tmp_path: Path) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    _seat_two_on_mondi(database_url, tmp_path)
    text = client.get(BASE + "/export").text

    response = _upload(client, csrf, "syktyvkar.toml", _without_mondi_bus(text, "bus-2").encode())

    assert response.status_code == 200
    assert "Программа загружена." in response.text
    assert "Автобусов добавлено: 0" in response.text and "Автобусов изменено: 0" in response.text
    assert f"Автобусов удалено: 1<ul><li>Автобус 2 (К 456 ОР 11) — {MONDI}</li></ul>" in response.text
    assert _mondi_buses(database_url) == [("bus-1", 2)]


def test_a_file_leaving_out_a_visit_with_riders_cancels_it_and_the_page_counts_their_letters(
        client: TestClient, database_url: str, tmp_path: Path) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    _seat_two_on_mondi(database_url, tmp_path)
    text = client.get(BASE + "/export").text
    start = text.index('[[sessions]]\nkey = "visit-mondi"')
    without_visit = text[:start] + text[text.index("[[sessions]]", start + 2):]

    response = _upload(client, csrf, "syktyvkar.toml", without_visit.encode())

    assert response.status_code == 200
    assert "Сессий отменено или удалено: 1" in response.text
    assert "Писем участникам, рассаженным в автобусы отменённых посещений: 2" in response.text
    assert "visit-mondi" not in _session_keys(database_url)
    assert _mondi_buses(database_url) == [("bus-1", 2), ("bus-2", 0)]
    letters = query(database_url, sa.select(t.outbox.c.recipient).where(t.outbox.c.subject.like("Изменения%"))
                    .order_by(t.outbox.c.recipient))
    assert [row["recipient"] for row in letters] == ["delegate0@example.ru", "delegate1@example.ru"]


def _with_mondi_bus_line(text: str, key: str, line: str, new_line: str) -> str:
    """The file with one line of a Mondi bus written differently."""
    start = text.index(f'[[sessions.visit.transport]]\nkey = "{key}"', text.index('key = "visit-mondi"'))
    at = text.index(line + "\n", start)
    assert at < text.index("[[", start + 2)
    return text[:at] + new_line + text[at + len(line):]


def _mondi_bus_seats(database_url: str) -> list[tuple[str, str, int]]:
    rows = query(database_url, sa.select(t.transport_groups.c.key, t.transport_groups.c.plate,
                                         t.transport_groups.c.seats)
                 .join(t.sessions, t.sessions.c.id == t.transport_groups.c.session_id)
                 .where(t.sessions.c.key == "visit-mondi").order_by(t.transport_groups.c.key))
    return [(row["key"], row["plate"], row["seats"]) for row in rows]


def test_a_file_giving_a_bus_fewer_seats_than_its_riders_is_refused_on_the_page(
        client: TestClient, database_url: str, tmp_path: Path) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    _seat_two_on_mondi(database_url, tmp_path)
    text = client.get(BASE + "/export").text
    index = re.findall(r'^\[\[sessions\]\]\nkey = "([^"]+)"', text, re.M).index("visit-mondi")
    before = _mondi_bus_seats(database_url)
    one_seat = _with_mondi_bus_line(_with_mondi_bus_line(text, "bus-1", "seats = 20", "seats = 1"),
                                    "bus-1", 'plate = "К 123 ОР 11"', 'plate = "А 001 АА 11"')

    response = _upload(client, csrf, "syktyvkar.toml", one_seat.encode())

    assert response.status_code == 422
    assert "Ничего не загружено" in response.text
    assert (f"<code>syktyvkar.toml</code> · <code>sessions[{index}].visit.transport[0].seats</code> — У автобуса "
            f"«Автобус 1 (К 123 ОР 11)» посещения «{MONDI}» в файле меньше мест (1), чем в нём рассажено участников "
            "(2): сначала пересадите часть из них в другой автобус в кабинете организатора или укажите в файле не "
            "меньше мест") in response.text
    assert _mondi_bus_seats(database_url) == before == [("bus-1", "К 123 ОР 11", 20), ("bus-2", "К 456 ОР 11", 20)]
    assert query(database_url, sa.select(t.audit_log).where(t.audit_log.c.action == "agenda.import")) == []
    assert query(database_url, sa.select(t.outbox).where(t.outbox.c.subject.like("Изменились%"))) == []


def test_a_file_with_a_new_plate_for_a_bus_tells_its_riders_and_the_page_and_audit_count_them(
        client: TestClient, database_url: str, tmp_path: Path) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    _seat_two_on_mondi(database_url, tmp_path)
    text = client.get(BASE + "/export").text
    new_plate = _with_mondi_bus_line(text, "bus-1", 'plate = "К 123 ОР 11"', 'plate = "А 001 АА 11"')

    response = _upload(client, csrf, "syktyvkar.toml", new_plate.encode())

    assert response.status_code == 200
    assert f"Автобусов изменено: 1<ul><li>Автобус 1 (А 001 АА 11) — {MONDI}</li></ul>" in response.text
    assert "Писем участникам, рассаженным в автобусы с новым названием, номером или куратором: 2" in response.text
    letters = query(database_url, sa.select(t.outbox).where(t.outbox.c.subject.like("Изменились данные%"))
                    .order_by(t.outbox.c.recipient))
    assert [row["recipient"] for row in letters] == ["delegate0@example.ru", "delegate1@example.ru"]
    assert all(row["subject"] == f"Изменились данные вашего автобуса: {MONDI}" for row in letters)
    (entry,) = query(database_url, sa.select(t.audit_log).where(t.audit_log.c.action == "agenda.import"))
    assert json.loads(entry["details"])["bus_riders_told"] == 2
