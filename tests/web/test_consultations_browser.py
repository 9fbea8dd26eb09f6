"""On a 360 px phone: book a consultation through the labelled fields, then find the booking in the
cabinet across events; and the specialist's day, where the consultation is recorded.

The service runs as a subprocess with the demo loaded (its consultation slots lie after today),
its letters go to a real aiosmtpd server, and Debian's Chromium is driven by Playwright.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.staff import Role
from events_app.services.checkin.devices import event_id_of
from events_app.services.staff import accounts
from tests.smtp_server import Inbox, free_port, start_smtp
from tests.web.browser_support import launch, service_env, serving, start_playwright

SECRET = "browser-test-secret-key-that-is-long-enough-17"
PASSWORD = "correct-horse-battery"
WAIT_MS = 20_000
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@dataclass(frozen=True)
class Server:
    base_url: str
    inbox: Inbox
    database_url: str


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "events_app.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


async def _consultant(database_url: str) -> None:
    """A specialist with an account, given the demo's first Груздева slot."""
    now = datetime.now(UTC)
    async with Store(database_url) as store:
        staff_id = await accounts.create_staff(store, email="gruzdeva@example.ru", name="Груздева Светлана",
                                               password=PASSWORD, is_admin=False, now=now)
        await accounts.grant_role(store, staff_id=staff_id, event_id=await event_id_of(store, "kirov-2020"),
                                  role=Role.CONSULTANT, now=now)
        await store.execute(t.consultation_slots.update()
                            .where(t.consultation_slots.c.specialist_name == "Груздева Светлана")
                            .values(specialist_staff_id=staff_id))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("consultations-server")
    port, smtp_port = free_port(), free_port()
    inbox = Inbox()
    controller = start_smtp(inbox, smtp_port)
    base_url = f"http://127.0.0.1:{port}"
    env = service_env(data_dir, base_url, EVENTS_SECRET_KEY=SECRET, EVENTS_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")
    _cli(env, "migrate")
    _cli(env, "demo")
    database_url = f"sqlite:///{data_dir / 'events.db'}"
    asyncio.run(_consultant(database_url))
    try:
        with serving(env, port):
            yield Server(base_url, inbox, database_url)
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    for driver in start_playwright():
        launched = launch(driver)
        yield launched
        launched.close()


def _phone(browser: Browser, server: Server) -> Page:
    return browser.new_context(base_url=server.base_url, **PHONE).new_page()


def _fits_the_phone(page: Page) -> None:
    # After a click that submits a form the next page may still be loading: measure the loaded one.
    page.wait_for_load_state("load")
    width = page.wait_for_function(
        "document.readyState === 'complete' && document.documentElement && document.documentElement.scrollWidth")
    assert width.json_value() <= 360


def _letter_to(inbox: Inbox, address: str, subject: str) -> str:
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        for item in inbox.received:
            if item.rcpt_tos == [address] and str(item.message["Subject"]).startswith(subject):
                body = item.message.get_body(("plain",))
                assert body is not None
                return str(body.get_content())
        time.sleep(0.1)  # waiting on the condition "the letter arrived", not on a poll interval
    raise AssertionError(f"no letter «{subject}» to {address}: {[str(i.message['Subject']) for i in inbox.received]}")


def _book(page: Page, topic: str, email: str) -> str:
    page.goto("/consultations")
    page.get_by_label("Тема").select_option(topic)
    page.get_by_role("button", name="Показать").click()
    _fits_the_phone(page)
    first = page.locator("a.slot-link").first
    # The slot's time and topic use the phone's width, not a narrow column beside nothing.
    box = page.locator("li.consultation-slot").first.bounding_box()
    assert box is not None and box["width"] >= 320, box
    when = first.inner_text().split(" ·")[0]
    assert "\n" not in when, when
    first.click()
    page.get_by_label("Фамилия").fill("Петрова")
    page.get_by_label("Имя", exact=True).fill("Мария")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Телефон").fill("+7 912 345-67-89")
    page.get_by_label("Организация", exact=True).fill("ООО «Швейная фабрика»")
    page.get_by_label("ИНН организации").fill("7707083893")
    page.get_by_label("Я даю согласие на обработку персональных данных").check()
    _fits_the_phone(page)
    page.get_by_role("button", name="Записаться").click()
    expect(page.get_by_role("heading", name="Ваша консультация")).to_be_visible()
    return when


def test_a_phone_books_a_slot_and_finds_it_in_the_cabinet_across_events(server: Server, browser: Browser) -> None:
    page = _phone(browser, server)
    when = _book(page, "Вступление в кластер лёгкой промышленности", "maria@example.ru")
    expect(page.locator(".status.ok")).to_contain_text("Петрова Мария")
    _fits_the_phone(page)
    _letter_to(server.inbox, "maria@example.ru", "Вы записаны на консультацию")

    page.goto("/cabinet")
    page.get_by_label("Электронная почта").fill("maria@example.ru")
    page.get_by_role("button", name="Отправить ссылку").click()
    expect(page.get_by_role("status")).to_contain_text("maria@example.ru")
    link = re.search(r"http://127\.0\.0\.1:\d+/cabinet/all/\S+",
                     _letter_to(server.inbox, "maria@example.ru", "Ваши регистрации и записи"))
    assert link is not None
    page.goto(link.group(0))

    section = page.locator("#consultations")
    expect(section.get_by_role("heading", name="Записи на консультации")).to_be_visible()
    expect(section).to_contain_text("Вступление в кластер лёгкой промышленности · Олькова Анна")
    expect(section).to_contain_text(when.split("–")[0])
    _fits_the_phone(page)
    section.get_by_role("link", name="Ваша консультация").click()
    expect(page.get_by_role("button", name="Отменить запись")).to_be_visible()


def test_the_specialist_records_a_consultation_on_the_phone(server: Server, browser: Browser) -> None:
    booker = _phone(browser, server)
    _book(booker, "Субсидии для участников кластеров", "ivan@example.ru")
    slot_day = _booked_day(server, "Груздева Светлана")

    page = _phone(browser, server)
    page.goto(f"/organiser/login?next=/organiser/consultations/day?date={slot_day}")
    page.fill("#email", "gruzdeva@example.ru")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/organiser/consultations/day**")
    card = page.locator(".consultant-day .card", has_text="Петрова Мария")
    expect(card).to_contain_text("+79123456789")
    _fits_the_phone(page)
    card.get_by_label("Не пришёл").check()
    card.get_by_label("Заметка (видят только сотрудники)").fill("Просила перезвонить после 15:00")
    card.get_by_role("button", name="Сохранить").click()

    expect(page.get_by_role("status")).to_have_text("Сохранено.")
    saved = page.locator(".consultant-day .card", has_text="Петрова Мария")
    expect(saved.get_by_label("Не пришёл")).to_be_checked()
    expect(saved.get_by_label("Заметка (видят только сотрудники)")).to_have_value("Просила перезвонить после 15:00")


def _booked_day(server: Server, specialist: str) -> str:
    """The local date of the specialist's booked slot, as the API gives it."""
    query = urllib.parse.urlencode({"specialist": specialist})
    with urllib.request.urlopen(f"{server.base_url}/api/v1/consultations/slots?{query}", timeout=10) as response:
        slots = json.load(response)["slots"]
    return str(next(slot["starts_at"][:10] for slot in slots if slot["status"] == "booked"))
