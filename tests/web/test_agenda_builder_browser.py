"""The agenda builder in a real browser, end to end: an organiser signs in, adds a session that
clashes with another, moves a site visit a delegate chose, publishes; the delegate's mailbox (a
real SMTP server) gets the change and their calendar feed shows the new time.

The service runs as a subprocess with the demo event moved to today, as in
`test_scanner_browser.py`; Debian's Chromium is driven by Playwright.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright, expect

from tests.conftest import SCHEDULES
from tests.factories import PASSWORD, cli, delegate_json, event_today
from tests.smtp_server import Inbox, free_port, start_smtp
from tests.web.browser_support import launch, service_env, serving, start_playwright

EVENT = "syktyvkar-2021"
WAIT_MS = 20_000
ORGANISER = "olga@example.ru"
DESKTOP = {"viewport": {"width": 1400, "height": 1000}, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}
LUZALES = "Посещение ООО «Лузалес»: презентация совместного кластерного проекта «Освоение производства плит МДФ»"


@dataclass(frozen=True)
class Server:
    base_url: str
    env: dict[str, str]
    today: date
    inbox: Inbox


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _eventually(check: Any, seconds: float = 40) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.25)
    return result


@contextmanager
def organiser_service(data_dir: Path, prepare: Callable[[str], None] | None = None) -> Iterator[Server]:
    """The service with Syktyvkar moved to today, its organiser's account and letters going to a
    local SMTP server; `prepare` is given the database's URL for more set-up before it starts."""
    inbox = Inbox()
    smtp_port, port = free_port(), free_port()
    smtp = start_smtp(inbox, smtp_port)
    base_url = f"http://127.0.0.1:{port}"
    env = service_env(data_dir, base_url, EVENTS_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")
    today = event_today()  # the server runs on the real clock: the event is moved to its today
    try:
        cli(env, "migrate")
        cli(env, "import", str(SCHEDULES / f"{EVENT}.toml"), "--shift-to", today.isoformat())
        cli(env, "create-user", ORGANISER, "--role", "organiser", "--event", EVENT, "--password-stdin",
            stdin=PASSWORD + "\n")
        if prepare is not None:
            prepare(f"sqlite:///{data_dir / 'events.db'}")
        with serving(env, port):
            yield Server(base_url, env, today, inbox)
    finally:
        smtp.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with organiser_service(tmp_path_factory.mktemp("agenda-server")) as running:
        yield running


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    yield from start_playwright()


def _register_for_luzales(server: Server) -> dict[str, Any]:
    visits = json.loads(_get(f"{server.base_url}/api/v1/events/{EVENT}/sessions?day={server.today}&kind=site_visit"))
    luzales = next(s for s in visits["sessions"] if s["title"] == LUZALES)
    answer = _post(f"{server.base_url}/api/v1/events/{EVENT}/registrations", delegate_json(
        patronymic="Сергеевна", email="anna@example.ru", organisation_name="ООО «Лузалес»",
        days=[server.today.isoformat()], sessions=[luzales["id"]]))
    assert answer["status"] == "confirmed"
    return {"calendar_url": answer["calendar_url"], "session_id": luzales["id"]}


def _vevent(calendar: str, session_id: int) -> str:
    [block] = [b for b in calendar.split("BEGIN:VEVENT") if f"UID:session-{session_id}@" in b]
    return block


def _change_letters(server: Server) -> list[str]:
    return [received.message.get_body(("plain",)).get_content()
            for received in server.inbox.received
            if received.rcpt_tos == ["anna@example.ru"] and str(received.message["Subject"]).startswith("Изменения в программе")]  # noqa: E501


def test_organiser_builds_publishes_and_the_delegate_is_told(server: Server, playwright: Playwright) -> None:
    delegate = _register_for_luzales(server)
    before = _vevent(_get(delegate["calendar_url"]).decode(), delegate["session_id"])
    assert "SEQUENCE:0" in before
    browser = launch(playwright)
    try:
        page = browser.new_context(**DESKTOP).new_page()
        page.goto(f"{server.base_url}/organiser/login")
        page.fill("#email", ORGANISER)
        page.fill("#password", PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(f"{server.base_url}/organiser")

        page.goto(f"{server.base_url}/organiser/events/{EVENT}/agenda?day={server.today}")
        grid = page.locator("#agenda-grid")
        expect(grid).to_be_visible(timeout=WAIT_MS)

        # An empty cell of Mondi's column at 12:00 opens the form with the venue and the time in it.
        mondi_column = page.locator(".venue-head", has_text="АО «Монди СЛПК»").get_attribute("data-col")
        page.locator(f'.cell[data-col="{mondi_column}"][href*="start=12:00"]').click()
        expect(page.locator("#f-start")).to_have_value("12:00")
        expect(page.locator("#f-venue option:checked")).to_have_text("АО «Монди СЛПК»")
        page.fill("#f-title", "Круглый стол с руководством комбината")
        page.fill("#f-start", "11:00")
        page.fill("#f-end", "12:30")
        page.get_by_role("button", name="Сохранить черновик").click()

        def block(title: str) -> Any:
            return page.locator(".block").filter(has=page.get_by_role("link", name=title, exact=True))

        new_block = block("Круглый стол с руководством комбината")
        expect(new_block).to_have_class(re.compile(r"\bhas-conflict\b"), timeout=WAIT_MS)
        expect(new_block).to_have_class(re.compile(r"\bdrafted\b"))
        expect(page.locator(".agenda-conflicts .conflict").first).to_contain_text(
            "пересекаются на площадке АО «Монди СЛПК»")

        # Drag the Luzales visit an hour later (four rows of 15 minutes)…
        handle = block(LUZALES).locator(".block-time")
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        row_height = page.locator('.cell[data-row="3"]').first.bounding_box()["height"]
        assert box is not None
        page.mouse.move(box["x"] + 5, box["y"] + box["height"] / 2)
        page.mouse.down()
        for step in range(1, 9):
            page.mouse.move(box["x"] + 5, box["y"] + box["height"] / 2 + row_height * 4 * step / 8)
        page.mouse.up()
        expect(block(LUZALES).locator(".block-time")).to_have_text("14:30–16:00", timeout=WAIT_MS)

        # …then half an hour back with the keyboard.
        for expected in ("14:15–15:45", "14:00–15:30"):
            block(LUZALES).focus()
            page.keyboard.press("Alt+ArrowUp")
            expect(block(LUZALES).locator(".block-time")).to_have_text(expected, timeout=WAIT_MS)

        page.get_by_role("button", name="Опубликовать").click()
        # Open conflicts: publishing names them and asks once more.
        expect(page.locator("h1")).to_have_text("Опубликовать с открытыми конфликтами?", timeout=WAIT_MS)
        expect(page.locator(".confirm-items .conflict").first).to_contain_text("пересекаются на площадке")
        page.get_by_role("button", name="Всё равно опубликовать").click()
        expect(page.locator("h1")).to_have_text("Версия 1", timeout=WAIT_MS)
        expect(page.locator(".changelog")).to_contain_text(f"«{LUZALES}»: время изменено с 13:30 на 14:00")
    finally:
        browser.close()

    [letter] = _eventually(lambda: _change_letters(server))
    assert f"- «{LUZALES}»: время изменено с 13:30 на 14:00" in letter
    assert "Круглый стол" not in letter
    after = _vevent(_get(delegate["calendar_url"]).decode(), delegate["session_id"])
    assert f"DTSTART;TZID=Europe/Moscow:{server.today:%Y%m%d}T140000" in after
    assert "SEQUENCE:1" in after


def test_grid_messages_are_in_the_page_language(server: Server, playwright: Playwright) -> None:
    browser = launch(playwright)
    try:
        page = browser.new_context(**DESKTOP).new_page()
        page.goto(f"{server.base_url}/organiser/login")
        page.fill("#email", ORGANISER)
        page.fill("#password", PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(f"{server.base_url}/organiser")
        grid_url = f"{server.base_url}/organiser/events/{EVENT}/agenda?day={server.today}"
        visit = page.locator(".block").filter(has=page.get_by_role("link", name=LUZALES, exact=True))

        # The server cannot be reached: the grid says so in Russian.
        page.route("**/place", lambda route: route.abort())
        page.goto(grid_url)
        expect(page.locator("#agenda-grid")).to_be_visible(timeout=WAIT_MS)
        visit.focus()
        page.keyboard.press("Alt+ArrowUp")
        expect(page.locator("#grid-status")).to_have_text("Нет связи с сервером: изменение не сохранено.",
                                                         timeout=WAIT_MS)

        # A refusal without a message of its own, in the English interface.
        page.unroute("**/place")
        page.route("**/place", lambda route: route.fulfill(status=422, content_type="application/json",
                                                            body='{"error": {}}'))
        page.goto(f"{server.base_url}/lang/en?next=/organiser/events/{EVENT}/agenda%3Fday%3D{server.today}")
        expect(page.locator("#agenda-grid")).to_be_visible(timeout=WAIT_MS)
        visit.focus()
        page.keyboard.press("Alt+ArrowUp")
        expect(page.locator("#grid-status")).to_have_text("The change was not saved.", timeout=WAIT_MS)
    finally:
        browser.close()
