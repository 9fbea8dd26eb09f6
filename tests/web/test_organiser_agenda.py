"""The agenda builder's pages: the day grid, session forms and their errors, drafts, publishing, versions."""

from __future__ import annotations

import asyncio
import re

import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.data import tables as t
from events_app.data.database import Store
from tests.factories import add_staff, sign_in, signed_in

EVENT = "syktyvkar-2021"
BASE = f"/organiser/events/{EVENT}/agenda"



def _query(database_url: str, query: sa.ClauseElement) -> list[dict[str, object]]:
    async def run() -> list[dict[str, object]]:
        async with Store(database_url) as store:
            return [dict(row) for row in await store.fetch_all(query)]

    return asyncio.run(run())


def _session_id(database_url: str, key: str) -> int:
    rows = _query(database_url, sa.select(t.sessions.c.id).where(t.sessions.c.key == key))
    return int(rows[0]["id"])


def _venue_id(database_url: str, key: str) -> int:
    rows = _query(database_url, sa.select(t.venues.c.id).join(t.events).where(
        t.venues.c.key == key, t.events.c.slug == EVENT))
    return int(rows[0]["id"])


def _form(csrf: str, venue: int | str, **overrides: str) -> dict[str, str]:
    return {"csrf_token": csrf, "title": "Круглый стол", "title_en": "", "kind": "workshop", "venue": str(venue),
            "day": "2021-04-01", "start": "10:30", "end": "11:30", "capacity": "", "description": "", **overrides}


def test_agenda_page_shows_the_day_grid_with_venues_and_sessions(client: TestClient, database_url: str) -> None:
    signed_in(client, database_url, "olga@example.ru", role="organiser")

    page = client.get(BASE + "?day=2021-04-01")

    assert page.status_code == 200
    assert 'class="venue-head" data-row="1" data-col="2"' in page.text
    assert "Посещение АО «Монди СЛПК»" in page.text
    mondi = _session_id(database_url, "visit-mondi")
    # 10:00 is the ninth quarter hour after 08:00: row 2 + 8; two hours are eight rows.
    assert re.search(rf'id="block-s{mondi}"[^>]*data-row="10" data-row-end="18"', page.text, re.S)
    assert f'{BASE}/import"' in page.text and f'{BASE}/export"' in page.text and f'{BASE}/versions"' in page.text
    assert "style=" not in page.text


def test_agenda_page_is_refused_to_door_staff(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "door@example.ru", role="door", event=EVENT)
    sign_in(client, "door@example.ru")

    page = client.get(BASE)

    assert page.status_code == 403


def test_new_session_overlapping_another_is_saved_as_draft_and_flagged(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    mondi = _venue_id(database_url, "mondi")

    saved = client.post(BASE + "/sessions", data=_form(csrf, mondi), follow_redirects=False)
    page = client.get(BASE + "?day=2021-04-01")

    assert saved.status_code == 303
    drafts = _query(database_url, sa.select(t.session_drafts))
    assert [(d["title"], d["session_id"], d["venue_id"]) for d in drafts] == [("Круглый стол", None, mondi)]
    assert _query(database_url, sa.select(t.sessions.c.id).where(t.sessions.c.title == "Круглый стол")) == []
    ref = f"d{drafts[0]['id']}"
    assert re.search(rf'class="block kind-workshop drafted has-conflict"\s+id="block-{ref}"', page.text)
    assert "«Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми» и «Круглый стол» пересекаются" in page.text  # noqa: E501
    assert "Новое в программе: «Круглый стол»" in page.text


def test_session_form_with_end_before_start_shows_the_field_error(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")

    answer = client.post(BASE + "/sessions", data=_form(csrf, "", start="12:00", end="11:00"))

    assert answer.status_code == 422
    assert re.search(r'id="e-end">Окончание должно быть позже начала<', answer.text)
    assert 'value="Круглый стол"' in answer.text
    assert _query(database_url, sa.select(t.session_drafts)) == []


def test_session_form_with_unknown_venue_and_bad_capacity_names_both_fields(client: TestClient,
                                                                            database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")

    answer = client.post(BASE + "/sessions", data=_form(csrf, "999999", capacity="-3", title=""))

    assert answer.status_code == 422
    assert re.search(r'id="e-venue">Выберите одну из площадок мероприятия<', answer.text)
    assert re.search(r'id="e-capacity">[^<]+<', answer.text)
    assert re.search(r'id="e-title">Введите название<', answer.text)
    assert _query(database_url, sa.select(t.session_drafts)) == []


def test_moving_a_session_by_json_keeps_it_published_until_publish(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    luzales = _session_id(database_url, "visit-luzales")

    answer = client.post(f"{BASE}/sessions/s{luzales}/place", headers={"X-CSRF-Token": csrf},
                         json={"day": "2021-04-01", "start": "14:00", "end": "15:30",
                               "venue": str(_venue_id(database_url, "luzales"))})

    assert answer.status_code == 200
    assert answer.json()["ref"] == f"s{luzales}"
    published = _query(database_url, sa.select(t.sessions.c.starts_at,
                                               t.sessions.c.sequence).where(t.sessions.c.id == luzales))
    assert published[0]["sequence"] == 0
    assert published[0]["starts_at"].isoformat() == "2021-04-01T10:30:00+00:00"
    public = client.get(f"/events/{EVENT}/agenda?day=2021-04-01")
    assert "13:30" in public.text


def test_moving_with_end_before_start_answers_json_error(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    luzales = _session_id(database_url, "visit-luzales")

    answer = client.post(f"{BASE}/sessions/s{luzales}/place", headers={"X-CSRF-Token": csrf},
                         json={"day": "2021-04-01", "start": "14:00", "end": "13:00", "venue": ""})

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == {"end": "Окончание должно быть позже начала"}


def test_moving_without_the_csrf_header_is_refused(client: TestClient, database_url: str) -> None:
    signed_in(client, database_url, "olga@example.ru", role="organiser")
    luzales = _session_id(database_url, "visit-luzales")

    answer = client.post(f"{BASE}/sessions/s{luzales}/place",
                         json={"day": "2021-04-01", "start": "14:00", "end": "15:00", "venue": ""})

    assert answer.status_code == 403
    assert _query(database_url, sa.select(t.session_drafts)) == []


def test_publish_applies_the_draft_and_the_version_page_reads_the_change(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    luzales = _session_id(database_url, "visit-luzales")
    client.post(f"{BASE}/sessions/s{luzales}", data=_form(
        csrf, _venue_id(database_url, "luzales"), kind="site_visit", start="14:00", end="15:30", capacity="40",
        signup_required="on",
        title="Посещение ООО «Лузалес»: презентация совместного кластерного проекта «Освоение производства плит МДФ»"))

    # Only 0 min from Лузалес to Алграф now: a conflict, published knowingly.
    published = client.post(BASE + "/publish", data={"csrf_token": csrf, "confirm": "yes"}, follow_redirects=False)
    version = client.get(published.headers["location"])
    versions = client.get(BASE + "/versions")

    assert published.headers["location"] == f"{BASE}/versions/1"
    assert "«Посещение ООО «Лузалес»: презентация совместного кластерного проекта «Освоение производства плит МДФ»»: время изменено с 13:30 на 14:00" in version.text  # noqa: E501
    assert f'href="{BASE}/versions/1"' in versions.text
    row = _query(database_url, sa.select(t.sessions.c.sequence).where(t.sessions.c.id == luzales))[0]
    assert row["sequence"] == 1
    assert _query(database_url, sa.select(t.session_drafts)) == []


def test_publish_without_drafts_is_refused(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")

    answer = client.post(BASE + "/publish", data={"csrf_token": csrf})

    assert answer.status_code == 422
    assert "Нет изменений для публикации" in answer.text
    assert _query(database_url, sa.select(t.agenda_publications)) == []


def test_remove_then_discard_all_leaves_the_agenda_as_published(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    algraf = _session_id(database_url, "visit-algraf")

    client.post(f"{BASE}/sessions/s{algraf}/remove", data={"csrf_token": csrf})
    removed = _query(database_url, sa.select(t.session_drafts.c.removed, t.session_drafts.c.session_id))
    page = client.get(BASE + "?day=2021-04-01")
    client.post(BASE + "/discard", data={"csrf_token": csrf})

    assert removed == [{"removed": True, "session_id": algraf}]
    assert "Будет удалено при публикации" in page.text
    assert _query(database_url, sa.select(t.session_drafts)) == []


def test_unknown_version_is_not_found(client: TestClient, database_url: str) -> None:
    signed_in(client, database_url, "olga@example.ru", role="organiser")

    answer = client.get(BASE + "/versions/7")

    assert answer.status_code == 404
    assert "Такой версии программы нет" in answer.text


def test_public_changes_page_lists_published_versions(client: TestClient, database_url: str) -> None:
    from events_app.web.programme import changes

    if not any(getattr(route, "name", "") == "agenda_changes" for route in client.app.router.routes):
        client.app.router.routes.extend(changes.routes)  # type: ignore[attr-defined]  # until app.py mounts it
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    algraf = _session_id(database_url, "visit-algraf")
    client.post(f"{BASE}/sessions/s{algraf}/remove", data={"csrf_token": csrf})
    client.post(BASE + "/publish", data={"csrf_token": csrf})

    page = client.get(f"/events/{EVENT}/changes")

    assert page.status_code == 200
    assert "Версия 1" in page.text
    assert "Отмена: «Посещение ООО «Алграф»: промышленный технопарк», 1 апреля, четверг, 15:30–17:00" in page.text
    assert "olga@example.ru" not in page.text


def test_edit_form_shows_the_session_and_new_form_takes_the_cell(client: TestClient, database_url: str) -> None:
    signed_in(client, database_url, "olga@example.ru", role="organiser")
    luzales = _session_id(database_url, "visit-luzales")
    venue = _venue_id(database_url, "luzales")

    edit = client.get(f"{BASE}/sessions/s{luzales}")
    new = client.get(f"{BASE}/sessions/new?day=2021-04-02&start=16:15&venue={venue}")

    assert re.search(r'id="f-start" name="start" type="time" value="13:30"', edit.text)
    assert re.search(r'id="f-capacity" name="capacity" type="number" value="40"', edit.text)
    assert re.search(rf'<option value="{venue}" selected>', edit.text)
    assert re.search(r'id="f-day" name="day" type="date" value="2021-04-02"', new.text)
    assert re.search(r'id="f-end" name="end" type="time" value="17:15"', new.text)
    assert re.search(rf'<option value="{venue}" selected>', new.text)


def test_publishing_with_open_conflicts_names_them_and_asks_once_more(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    luzales, mondi = _session_id(database_url, "visit-luzales"), _session_id(database_url, "visit-mondi")
    mondi_row = _query(database_url, sa.select(t.sessions).where(t.sessions.c.id == mondi))[0]
    # Лузалес moved onto Монди's venue and time: a venue overlap.
    client.post(f"{BASE}/sessions/s{luzales}/place", headers={"X-CSRF-Token": csrf}, json={
        "day": "2021-04-01", "start": "10:00", "end": "11:30", "venue": str(mondi_row["venue_id"])})

    asked = client.post(BASE + "/publish", data={"csrf_token": csrf})
    nothing = _query(database_url, sa.select(t.agenda_publications))
    done = client.post(BASE + "/publish", data={"csrf_token": csrf, "confirm": "yes"}, follow_redirects=False)

    assert "<h1>Опубликовать с открытыми конфликтами?</h1>" in asked.text
    named = re.findall(r'<li class="conflict">([^<]+)</li>', asked.text)
    assert any("пересекаются на площадке" in line and "Лузалес" in line for line in named), named
    assert nothing == []
    assert done.headers["location"] == f"{BASE}/versions/1"
