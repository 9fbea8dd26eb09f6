"""Consultations in the workspace: an organiser publishes, the specialist works their day on a
phone, another event's organiser is refused, and an event's reminders are set."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.reminders import preferences
from tests.conftest import load_demo, settings_for
from tests.consultation_support import person
from tests.factories import add_staff, sign_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
# Far enough ahead to be in the future whenever the suite runs; the workspace reads the real clock.
START = "2035-01-16T10:00"


@pytest.fixture
def workspace(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    load_demo(database_url)
    add_staff(database_url, "kirov@example.ru", role="organiser", event="kirov-2020")
    add_staff(database_url, "komi@example.ru", role="organiser", event="syktyvkar-2021")
    add_staff(database_url, "olkova@example.ru", role="consultant", event="kirov-2020")
    with TestClient(create_app(settings_for(database_url, tmp_path / "data")),
                    base_url="https://events.example.org") as client:
        yield client


def _fetch_one(url: str, query: sa.Select) -> dict[str, object]:
    async def run() -> dict[str, object]:
        async with Store(url) as store:
            row = await store.fetch_one(query)
            assert row is not None
            return dict(row)

    return asyncio.run(run())


def _event_id(url: str, slug: str) -> int:
    return int(_fetch_one(url, sa.select(t.events.c.id).where(t.events.c.slug == slug))["id"])


def test_organiser_publishes_and_the_specialist_records_the_consultation(workspace: TestClient,
                                                                          database_url: str) -> None:
    csrf = sign_in(workspace, "kirov@example.ru")
    published = workspace.post("/organiser/consultations", data={
        "csrf_token": csrf, "topic": "Вступление в кластер", "specialist_name": "Олькова Анна",
        "specialist_email": "olkova@example.ru", "event_id": str(_event_id(database_url, "kirov-2020")),
        "starts_at": START, "minutes": "45", "place": "Центр «Мой бизнес», каб. 12"}, follow_redirects=False)
    assert published.status_code == 303
    slot = workspace.get("/api/v1/consultations/slots", params={"topic": "Вступление в кластер"}).json()["slots"][0]
    assert (slot["starts_at"], slot["ends_at"], slot["event"]) == (
        "2035-01-16T10:00:00+03:00", "2035-01-16T10:45:00+03:00", "kirov-2020")
    booked = workspace.post(f"/api/v1/consultations/slots/{slot['id']}/bookings", json=person(5),
                            headers={"X-Forwarded-For": "198.51.100.5"}).json()
    listing = workspace.get("/organiser/consultations").text

    workspace.post("/organiser/logout", data={"csrf_token": csrf})
    csrf = sign_in(workspace, "olkova@example.ru")
    home = workspace.get("/organiser").text
    day = workspace.get("/organiser/consultations/day", params={"date": "2035-01-16"}).text
    saved = workspace.post(f"/organiser/consultations/bookings/{booked['id']}", data={
        "csrf_token": csrf, "outcome": "no_show", "note": "Перезвонить, перенести на февраль", "date": "2035-01-16"})
    public = workspace.get(booked["booking_url"].replace("https://events.example.org", "")).text

    assert 'href="/organiser/consultations/day"' in home
    assert "<strong>16 января, вторник, 10:00–10:45 (МСК)</strong>" in listing
    assert "Петрова Мария Ивановна" in day and '<label for="note-' in day
    assert "<strong>10:00–10:45 (МСК)</strong>" in day
    assert "<dd>16 января, вторник, 10:00–10:45 (МСК)</dd>" in public
    assert "Перезвонить, перенести на февраль" in saved.text
    record = _fetch_one(database_url, sa.select(t.consultation_bookings.c.outcome, t.consultation_bookings.c.staff_note)
                        .where(t.consultation_bookings.c.id == booked["id"]))
    assert record == {"outcome": "no_show", "staff_note": "Перезвонить, перенести на февраль"}
    assert "Перезвонить" not in public


def test_another_events_organiser_may_not_touch_the_slot(workspace: TestClient, database_url: str) -> None:
    csrf = sign_in(workspace, "kirov@example.ru")
    workspace.post("/organiser/consultations", data={
        "csrf_token": csrf, "topic": "Субсидии", "specialist_name": "Груздева Светлана",
        "event_id": str(_event_id(database_url, "kirov-2020")), "starts_at": START, "minutes": "30",
        "place": "Киров"})
    slot_id = workspace.get("/api/v1/consultations/slots", params={"topic": "Субсидии"}).json()["slots"][0]["id"]
    workspace.post("/organiser/logout", data={"csrf_token": csrf})

    csrf = sign_in(workspace, "komi@example.ru")
    moved = workspace.post(f"/organiser/consultations/{slot_id}/move",
                           data={"csrf_token": csrf, "starts_at": "2035-01-17T10:00"})
    cancelled = workspace.post(f"/organiser/consultations/{slot_id}/cancel", data={"csrf_token": csrf})
    foreign = workspace.post("/organiser/consultations", data={
        "csrf_token": csrf, "topic": "Чужое", "specialist_name": "Кто-то", "starts_at": START, "minutes": "30",
        "place": "Киров", "event_id": str(_event_id(database_url, "kirov-2020"))})

    assert (moved.status_code, cancelled.status_code, foreign.status_code) == (403, 403, 403)
    after = workspace.get("/api/v1/consultations/slots", params={"topic": "Субсидии"}).json()["slots"]
    assert [(s["id"], s["starts_at"]) for s in after] == [(slot_id, "2035-01-16T10:00:00+03:00")]


def test_organiser_sets_the_events_reminders(workspace: TestClient, database_url: str) -> None:
    csrf = sign_in(workspace, "kirov@example.ru")
    wrong = workspace.post("/organiser/events/kirov-2020/reminders",
                           data={"csrf_token": csrf, "day_before_at": "25:00"})
    workspace.post("/organiser/events/kirov-2020/reminders", data={
        "csrf_token": csrf, "day_before_at": "12:30", "day_before": "on", "consultation_day_before": "on"})

    event_id = _event_id(database_url, "kirov-2020")

    async def chosen() -> preferences.ReminderSettings:
        async with Store(database_url) as store:
            return await preferences.for_event(store, event_id)

    settings = asyncio.run(chosen())
    assert wrong.status_code == 422 and 'id="e-day_before_at">Укажите время' in wrong.text
    assert (settings.day_before_at.isoformat(), settings.day_before, settings.consultation_day_before,
            settings.consultation_hour_before) == ("12:30:00", True, True, False)
    assert 'href="/organiser/events/kirov-2020/reminders"' in workspace.get("/organiser/events/kirov-2020").text


def _subjects(url: str) -> list[tuple[str, str]]:
    async def run() -> list[tuple[str, str]]:
        async with Store(url) as store:
            rows = await store.fetch_all(sa.select(t.outbox.c.recipient, t.outbox.c.message).order_by(t.outbox.c.id))
        return [(row["recipient"], str(email.message_from_string(row["message"], policy=email.policy.default)
                                       ["Subject"])) for row in rows]

    return asyncio.run(run())


def test_moving_or_cancelling_a_booked_slot_tells_its_holder(workspace: TestClient, database_url: str) -> None:
    csrf = sign_in(workspace, "kirov@example.ru")
    workspace.post("/organiser/consultations", data={
        "csrf_token": csrf, "topic": "Маркетинг", "specialist_name": "Олькова Анна",
        "event_id": str(_event_id(database_url, "kirov-2020")), "starts_at": START, "minutes": "30", "place": "Киров"})
    slot_id = workspace.get("/api/v1/consultations/slots", params={"topic": "Маркетинг"}).json()["slots"][0]["id"]
    booked = workspace.post(f"/api/v1/consultations/slots/{slot_id}/bookings", json=person(7),
                            headers={"X-Forwarded-For": "198.51.100.7"}).json()

    workspace.post(f"/organiser/consultations/{slot_id}/move",
                   data={"csrf_token": csrf, "starts_at": "2035-01-17T11:00"})
    workspace.post(f"/organiser/consultations/{slot_id}/cancel", data={"csrf_token": csrf})

    assert [subject.split(":")[0] for _, subject in _subjects(database_url)] == [
        "Вы записаны на консультацию", "Консультация перенесена", "Центр отменил консультацию"]
    assert "17 января" in _subjects(database_url)[1][1] and "11:00" in _subjects(database_url)[1][1]
    status = _fetch_one(database_url, sa.select(t.consultation_bookings.c.status)
                        .where(t.consultation_bookings.c.id == booked["id"]))
    assert status == {"status": "cancelled"}
    assert workspace.get("/api/v1/consultations/slots", params={"topic": "Маркетинг"}).json()["slots"] == []
