"""Two experts score on phone-sized screens while the projector's stage screen follows the chair.

The service runs as a subprocess, as in production; Debian's Chromium (`apt-get install chromium`)
is driven by Playwright. Without it the test is skipped locally and fails under CI.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from events_app import i18n
from events_app.clock import SystemClock
from events_app.data.database import Store
from events_app.domain.links import sign_stage_link
from events_app.domain.staff import Role
from events_app.services.defences import blocks
from events_app.services.programme import catalogue
from tests.conftest import SCHEDULES
from tests.factories import NOW, PASSWORD, cli, staff
from tests.smtp_server import free_port
from tests.web.browser_support import launch, service_env, serving, start_playwright

EVENT = "syktyvkar-2021"
SECRET = "browser-test-secret-key-that-is-long-enough-42"
WAIT_MS = 20_000
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}
PROJECTOR = {"viewport": {"width": 1280, "height": 720}, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@dataclass(frozen=True)
class Server:
    base_url: str
    block_id: int
    slot_ids: list[int]
    stage_url: str


async def _prepare(database_url: str) -> tuple[int, list[int]]:
    """The organiser's set-up, done before the day: two slots, the usual criteria, a jury of two."""
    now = NOW  # the set-up is dated before the event; the server itself runs on the real clock
    async with Store(database_url) as store:
        event = await catalogue.get_event(store, EVENT)
        actor = await staff(store, "chair@example.ru", Role.ORGANISER, event_id=event.id, name="Председатель")
        (session,) = [s for s, _count in await blocks.list_blocks(store, event)]
        slot_ids = []
        for title, organisations in (("Освоение производства плит МДФ", "ООО «Лузалес»"),
                                     ("Литий-ионные аккумуляторы", "Елабужский аккумуляторный завод")):
            slot_ids.append(await blocks.add_slot(store, event, session.id, {
                "project_title": title, "organisations": organisations, "regions": "", "presenters": "Петров Пётр",
                "talk_minutes": "15", "question_minutes": "5"}, actor=actor, ip=None, now=now))
        with i18n.language("ru"):
            await blocks.add_usual_criteria(store, event, session.id, translate=i18n.gettext, actor=actor,
                                              ip=None, now=now)
        for email, name in (("expert1@example.ru", "Анна Экспертова"), ("expert2@example.ru", "Борис Судейский")):
            expert = await staff(store, email, Role.EXPERT, event_id=event.id, name=name)
            await blocks.assign_expert(store, event, session.id, expert.id, actor=actor, ip=None, now=now)
        return session.id, slot_ids


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("jury-server")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = service_env(data_dir, base_url, EVENTS_SECRET_KEY=SECRET)
    cli(env, "migrate")
    cli(env, "import", str(SCHEDULES / f"{EVENT}.toml"))
    block_id, slot_ids = asyncio.run(_prepare(f"sqlite:///{data_dir / 'events.db'}"))
    token = sign_stage_link(SECRET, session_id=block_id, now=SystemClock().now())  # the server's clock
    with serving(env, port):
        yield Server(base_url, block_id, slot_ids, f"{base_url}/stage/{token}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    for driver in start_playwright():
        launched = launch(driver)
        yield launched
        launched.close()


def _signed_in(browser: Browser, server: Server, email: str, target: str) -> Page:
    context: BrowserContext = browser.new_context(base_url=server.base_url, **PHONE)
    page = context.new_page()
    page.goto(f"/organiser/login?next={target}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{target}")
    return page


def _score(page: Page, values: tuple[int, int, int, int], remarks: str) -> None:
    fields = page.locator("input[name^=criterion-]")
    expect(fields).to_have_count(4)
    for index, value in enumerate(values):
        fields.nth(index).fill(str(value))
    page.fill("#f-remarks", remarks)
    page.get_by_role("button", name="Отправить оценки").click()
    expect(page.locator("#sheet-saved")).to_have_text("Ваши оценки сохранены.")


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_two_experts_score_on_phones_while_the_stage_screen_follows_the_chair(server: Server, browser: Browser) -> None:
    jury = f"/organiser/events/{EVENT}/jury"
    control = f"/organiser/events/{EVENT}/defences/{server.block_id}/stage"
    stage = browser.new_context(**PROJECTOR).new_page()
    stage.goto(server.stage_url)
    expect(stage.locator("#phase")).to_have_text("Не начато")
    expect(stage.locator("#next-title")).to_have_text("Освоение производства плит МДФ")
    stage.evaluate("window.loadedOnce = true")  # gone if the page reloads

    chair = _signed_in(browser, server, "chair@example.ru", control)
    chair.get_by_role("button", name="Начать с первого проекта").click()

    expect(stage.locator("#title")).to_have_text("Освоение производства плит МДФ", timeout=WAIT_MS)
    expect(stage.locator("#phase")).to_have_text("Выступление")
    expect(stage.locator("#countdown")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    expect(stage.locator("#next-title")).to_have_text("Литий-ионные аккумуляторы")

    first = _signed_in(browser, server, "expert1@example.ru", jury)
    second = _signed_in(browser, server, "expert2@example.ru", jury)
    for expert in (first, second):
        expect(expert.locator(".jury-now")).to_contain_text("Освоение производства плит МДФ")
        _fits_the_phone(expert)
        expert.locator(".jury-now a").click()
        expect(expert.locator("#others-hidden")).to_be_visible()
        _fits_the_phone(expert)
    expect(first.locator("label[for^=f-criterion-]").first).to_contain_text("Актуальность")
    _score(first, (8, 7, 9, 6), "Уточнить экономический эффект")
    expect(first.locator("#others-none")).to_have_text("Другие эксперты ещё не оценили этот проект.")
    expect(second.locator("#others-hidden")).to_have_text(
        "Оценки других экспертов видны после того, как вы отправите свои.")  # the first one's are in, but hidden
    _score(second, (6, 6, 7, 5), "Актуально для региона")
    expect(second.locator("#others")).to_contain_text("Анна Экспертова")
    expect(second.locator("#others")).to_contain_text("Уточнить экономический эффект")
    first.reload()
    expect(first.locator("#others")).to_contain_text("Борис Судейский")

    chair.get_by_role("button", name="Следующий проект").click()

    expect(stage.locator("#title")).to_have_text("Литий-ионные аккумуляторы", timeout=WAIT_MS)
    expect(stage.locator("#organisations")).to_have_text("Елабужский аккумуляторный завод")
    expect(stage.locator("#next-title")).to_have_count(0)
    assert stage.evaluate("window.loadedOnce") is True
    first.goto(jury)
    expect(first.locator(".jury-now")).to_contain_text("Литий-ионные аккумуляторы")
