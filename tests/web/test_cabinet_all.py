"""The cabinet across events: asked for by e-mail without revealing anything, opened by its link."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.clock import FixedClock
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.cabinet import sections
from events_app.services.cabinet.sections import Item, Section
from tests.conftest import settings_for
from tests.consultation_support import NOW, add_delegate, add_event, add_slot, person

CLOCK = FixedClock(NOW)


@pytest.fixture
def app_client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    CLOCK.set(NOW)
    app = create_app(settings_for(sqlite_url, tmp_path / "data"), clock=CLOCK)
    with TestClient(app, headers={"X-Forwarded-For": "198.51.100.9"}) as client:
        yield client


def _prepare(url: str) -> int:
    """Delegate 1 in two events in two zones with a certificate from the first, and a consultation
    slot; the slot's id."""
    async def run() -> int:
        async with Store(url) as store:
            for slug, zone in (("samara-2026", "Europe/Samara"), ("kirov-2026", "Europe/Kirov")):
                event_id = await add_event(store, slug=slug, timezone=zone, day=date(2026, 4, 2))
                registration_id = await add_delegate(store, event_id, date(2026, 4, 2), n=1)
                if slug.startswith("samara"):
                    await store.execute(t.certificates.insert().values(
                        number="2026-SAM-0001", event_id=event_id, registration_id=registration_id,
                        holder_name="Иванов Пётр", issued_at=NOW))
            return await add_slot(store)

    return asyncio.run(run())


def _execute(url: str, statement: Any) -> None:
    async def run() -> None:
        async with Store(url) as store:
            await store.execute(statement)

    asyncio.run(run())


def _letters(url: str) -> list[tuple[str, str]]:
    async def run() -> list[tuple[str, str]]:
        async with Store(url) as store:
            rows = await store.fetch_all(sa.select(t.outbox.c.recipient, t.outbox.c.message).order_by(t.outbox.c.id))
        found = []
        for row in rows:
            message = email.message_from_string(row["message"], policy=email.policy.default)
            body = message.get_body(("plain",))
            found.append((row["recipient"], body.get_content() if body is not None else ""))
        return found

    return asyncio.run(run())


def test_asking_answers_the_same_for_known_and_unknown_addresses(app_client: TestClient, sqlite_url: str) -> None:
    _prepare(sqlite_url)
    known = app_client.post("/cabinet", data={"email": "delegate1@example.ru"})
    unknown = app_client.post("/cabinet", data={"email": "nobody@example.ru"})

    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("delegate1@example.ru", "@") == unknown.text.replace("nobody@example.ru", "@")
    assert [recipient for recipient, _ in _letters(sqlite_url)] == ["delegate1@example.ru"]


def test_the_link_lists_registrations_and_bookings_across_events(app_client: TestClient, sqlite_url: str) -> None:
    slot_id = _prepare(sqlite_url)
    app_client.post(f"/api/v1/consultations/slots/{slot_id}/bookings", json=person(1, email="delegate1@example.ru"))
    app_client.post("/cabinet", data={"email": "delegate1@Example.RU"})
    letters = _letters(sqlite_url)
    link = re.search(r"https://events\.example\.org(/cabinet/all/\S+)", letters[-1][1])
    assert link is not None, letters

    page = app_client.get(link.group(1))

    assert page.headers["cache-control"] == "private, no-store"
    assert page.text.count('<li class="cabinet-item') == 4
    assert "№ 2026-SAM-0001" in page.text and "Сертификаты" in page.text
    # The certificate's own page and its PDF, both open from the cabinet.
    assert 'href="https://events.example.org/c/2026-SAM-0001"' in page.text
    assert 'href="https://events.example.org/c/2026-SAM-0001/pdf"' in page.text
    pdf = app_client.get("/c/2026-SAM-0001/pdf")
    assert (pdf.headers["content-type"], pdf.content[:5]) == ("application/pdf", b"%PDF-")
    assert "Практическая сессия samara-2026" in page.text and "Практическая сессия kirov-2026" in page.text
    assert "Субсидии для участников кластеров" in page.text and "1 апреля, среда, 10:00 (МСК)" in page.text
    assert page.text.count("/cabinet/") >= 2 and "/consultations/b/" in page.text
    assert "Регистрации и билеты" in page.text and "Записи на консультации" in page.text


def test_the_english_cabinet_names_events_and_cities_in_english(app_client: TestClient, sqlite_url: str) -> None:
    _prepare(sqlite_url)
    _execute(sqlite_url, t.events.update().where(t.events.c.slug == "samara-2026").values(
        title_en="Practical session in Samara", city_en="Samara"))
    app_client.post("/cabinet", data={"email": "delegate1@example.ru"})
    link = re.search(r"https://events\.example\.org(/cabinet/all/\S+)", _letters(sqlite_url)[-1][1])
    assert link is not None
    app_client.get("/lang/en")

    page = app_client.get(link.group(1)).text
    items = [" ".join(re.sub(r"<[^>]+>", " ", item).split())
             for item in re.findall(r'<li class="cabinet-item[^"]*">(.*?)</li>', page, flags=re.S)]

    # The Kirov event has no English variants: it is shown as entered.
    assert [item.split(" Registration confirmed")[0].split(" Certificate issued")[0] for item in items] == [
        "Practical session in Samara 2 April 2026 · Samara", "Практическая сессия kirov-2026 2 April 2026 · Самара",
        "Practical session in Samara · № 2026-SAM-0001 2 April 2026 · Samara"]


def test_a_forged_or_expired_link_is_refused(app_client: TestClient, sqlite_url: str) -> None:
    _prepare(sqlite_url)
    app_client.post("/cabinet", data={"email": "delegate1@example.ru"})
    link = re.search(r"https://events\.example\.org(/cabinet/all/\S+)", _letters(sqlite_url)[-1][1])
    assert link is not None

    forged = app_client.get(link.group(1)[:-2] + "xx")
    CLOCK.move(timedelta(days=7, seconds=1))
    expired = app_client.get(link.group(1))

    assert (forged.status_code, expired.status_code) == (403, 403)
    assert "Delegate1" not in expired.text and "delegate1@example.ru" not in expired.text


async def test_a_feature_adds_its_own_section(store: Store, tmp_path: Path) -> None:
    async def certificates(store: Store, settings: object, address: str, now: object) -> Section | None:
        return Section("certificates", "Certificates", [Item(title=f"Сертификат для {address}", status="Issued")])

    sections.register(certificates)
    try:
        found = await sections.load(store, settings_for(store.url, tmp_path), "someone@example.ru", now=NOW)
    finally:
        sections.LOADERS.remove(certificates)

    assert [(section.key, [item.title for item in section.items]) for section in found] == [
        ("certificates", ["Сертификат для someone@example.ru"])]
