"""Importing and exporting an event's agenda file from the workspace."""

from __future__ import annotations

import tomllib
from pathlib import Path

import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.data import tables as t
from tests.factories import add_staff, sign_in, signed_in
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
