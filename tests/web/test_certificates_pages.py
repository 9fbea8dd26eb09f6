"""Certificates through the application: the organiser's page, the public verification page, the
holder's cabinet; and on a 360 px phone in Chromium, the cabinet's certificate link."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import openpyxl
import pytest
from playwright.sync_api import Browser, expect
from starlette.testclient import TestClient

from events_app.data.database import Store
from events_app.domain.links import sign_cabinet_link
from tests.conftest import settings_for
from tests.factories import add_staff, cli, sign_in
from tests.process_support import ROOT, SECRET, Server, running, service_env
from tests.services.document_support import register
from tests.services.test_certificates import DEFENCE_DAY, _attend
from tests.web.browser_support import launch, start_playwright

T = TypeVar("T")
BASE = "/organiser/events/proclusters-2022/certificates"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "locale": "ru-RU"}


def _delegates(database_url: str, tmp_path: Path, base_url: str = "https://events.example.org") -> dict[str, int]:
    """Шестова meets «6 of 8 and the defence day», Пятова joined five webinars only."""

    async def run() -> dict[str, int]:
        settings = settings_for(database_url, tmp_path / "data", EVENTS_BASE_URL=base_url)
        async with Store(database_url) as store:
            from tests.services.document_support import load_event

            ids = await load_event(store, "proclusters-2022") if not await _loaded(store) else await _ids(store)
            people = {}
            for n, (surname, webinars) in enumerate([("Шестова", 6), ("Пятова", 5)]):
                result = await register(store, settings, n, slug="proclusters-2022", surname=surname,
                                        days=("2022-10-27",))
                await _attend(store, ids, result.id, webinars=webinars, days=(DEFENCE_DAY,))
                people[surname] = result.id
            return people

    return asyncio.run(run())


async def _loaded(store: Store) -> bool:
    import sqlalchemy as sa

    from events_app.data import tables as t
    return await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == "proclusters-2022")) is not None


async def _ids(store: Store) -> dict[str, int]:
    import sqlalchemy as sa

    from events_app.data import tables as t
    event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == "proclusters-2022"))
    rows = await store.fetch_all(sa.select(t.sessions.c.key, t.sessions.c.id).where(t.sessions.c.event_id == event_id))
    return {**{row["key"]: row["id"] for row in rows}, "event": int(event_id)}


RULE_FORM = {"min_online": "6", "checkin": "day", "checkin_day": "2022-10-27", "hours": "72",
             "signatory": "Д. И. Королев"}


def test_organiser_sets_the_rule_issues_revokes_and_exports(client: TestClient, database_url: str,
                                                            tmp_path: Path) -> None:
    people = _delegates(database_url, tmp_path)
    add_staff(database_url, "org@example.ru", role="organiser", event="proclusters-2022")
    csrf = sign_in(client, "org@example.ru")

    bad = client.post(BASE + "/rule", data={**RULE_FORM, "min_online": "9", "csrf_token": csrf})
    saved = client.post(BASE + "/rule", data={**RULE_FORM, "csrf_token": csrf}, follow_redirects=False)
    before = client.get(BASE)
    issued = client.post(BASE + "/issue", data={"csrf_token": csrf})
    [number] = re.findall(r'href="/c/([\w-]+)"', issued.text)
    valid = client.get(f"/c/{number}")
    cabinet = client.get(_cabinet(people["Шестова"]))
    revoked = client.post(f"{BASE}/{number}/revoke", data={"csrf_token": csrf})
    after = client.get(f"/c/{number}")
    register_file = client.post(BASE + "/register.xlsx", data={"csrf_token": csrf})

    assert bad.status_code == 422 and "От 0 до числа онлайн-сессий" in bad.text
    assert saved.status_code == 303
    assert "Условия выполнили: 1 из 2 подтверждённых участников." in before.text
    assert "Выдано сертификатов: 1." in issued.text
    assert "Сертификат действителен." in valid.text and "Шестова Анна Сергеевна" in valid.text
    assert f'/c/{number}/pdf"' in cabinet.text and "Ваш сертификат" in cabinet.text
    assert "Сертификат отозван: на его странице это указано." in revoked.text
    assert "Сертификат отозван." in after.text and "Сертификат действителен." not in after.text
    sheet = openpyxl.load_workbook(io.BytesIO(register_file.content)).active
    assert sheet is not None and sheet["A2"].value == number and sheet["B2"].value == "Шестова Анна Сергеевна"


def test_verification_page_dates_the_certificate_with_its_year(client: TestClient, database_url: str,
                                                               tmp_path: Path) -> None:
    _delegates(database_url, tmp_path)
    add_staff(database_url, "org@example.ru", role="organiser", event="proclusters-2022")
    csrf = sign_in(client, "org@example.ru")
    client.post(BASE + "/rule", data={**RULE_FORM, "csrf_token": csrf})
    [number] = re.findall(r'href="/c/([\w-]+)"', client.post(BASE + "/issue", data={"csrf_token": csrf}).text)
    client.post(f"{BASE}/{number}/revoke", data={"csrf_token": csrf})

    page = client.get(f"/c/{number}").text
    dates = re.findall(r"<dt>(Дата выдачи|Отозван)</dt>\s*<dd>([^<]*)</dd>", page)

    # A certificate is checked months or years later: its dates carry the year, not the weekday.
    assert [label for label, _value in dates] == ["Дата выдачи", "Отозван"], page
    assert all(re.fullmatch(r"\d{1,2} [а-я]+ \d{4}", value) for _label, value in dates), dates


def test_unknown_certificate_number_is_a_404_page(client: TestClient) -> None:
    answer = client.get("/c/2022-001-00001-ABCD")

    assert answer.status_code == 404
    assert "Сертификата с таким номером нет" in answer.text


def _cabinet(registration_id: int, key: str = "test-secret-key-that-is-long-enough-0123456789",
             base: str = "") -> str:
    token = sign_cabinet_link(key, registration_id=registration_id, link_version=0, now=datetime.now(UTC))
    return f"{base}/cabinet/{token}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    for driver in start_playwright():
        chromium = launch(driver)
        yield chromium
        chromium.close()


@pytest.mark.postgres
def test_on_a_phone_the_cabinet_links_to_the_certificate_and_its_check(browser: Browser, postgres_database: str,
                                                                        tmp_path: Path) -> None:
    from tests.conftest import _empty_postgres

    # Playwright's sync API keeps an event loop running in this thread: set-up runs in another.
    def aside(work: Callable[[], T]) -> T:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(work).result()

    aside(lambda: asyncio.run(_empty_postgres(postgres_database)))
    server = Server(service_env(tmp_path / "data", database_url=postgres_database))
    base = server.base
    server.env["EVENTS_BASE_URL"] = base
    for args in (("migrate",), ("import", str(ROOT / "schedules" / "proclusters-2022.toml"))):
        cli(server.env, *args)  # fails the test with what the command printed
    people = aside(lambda: _delegates(postgres_database, tmp_path, base_url=base))

    async def issue() -> None:
        from events_app.domain.certificates import CheckinRule, CompletionRule
        from events_app.services.certificates import issuing
        from events_app.services.checkin.devices import event_id_of

        settings = settings_for(postgres_database, tmp_path / "data", EVENTS_BASE_URL=base)
        async with Store(postgres_database) as store:
            event_id = await event_id_of(store, "proclusters-2022")
            await issuing.save_rule(store, event_id=event_id, now=datetime.now(UTC), actor=None, rule=CompletionRule(
                min_online=6, checkin=CheckinRule.DAY, checkin_day=date(2022, 10, 27)))
            await issuing.issue(store, settings, event_id=event_id, now=datetime.now(UTC))

    aside(lambda: asyncio.run(issue()))
    with running(server):
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(_cabinet(people["Шестова"], key=SECRET, base=base))
        download = page.get_by_role("link", name="Скачать сертификат (PDF)")
        check = page.get_by_role("link", name=re.compile(r"^Сертификат № "))
        expect(download).to_be_visible()
        box = download.bounding_box()
        assert box is not None and box["height"] >= 24 and box["x"] + box["width"] <= 360
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        check.click()
        expect(page.get_by_text("Сертификат действителен.")).to_be_visible()
        expect(page.get_by_text("Шестова Анна Сергеевна")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        context.close()
