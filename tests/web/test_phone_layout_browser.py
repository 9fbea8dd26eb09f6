"""A delegate's and door staff's pages on a 360 × 740 phone in Chromium: nothing scrolls sideways,
long Russian words wrap, field errors read as sentences, and the ticket's QR code is on the first
screen. Screenshots go to $EVENTS_SHOTS (default /tmp/ux-shots) for a person to look at."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright

from tests.web.browser_support import launch, start_playwright
from tests.web.test_scanner_browser import EVENT, PHONE, Server, _get, _register, server

__all__ = ["server"]
SHOTS = Path(os.environ.get("EVENTS_SHOTS", "/tmp/ux-shots"))
SCREEN_HEIGHT = PHONE["viewport"]["height"]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    yield from start_playwright()


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def _width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _longest_title_session(server: Server) -> int:
    sessions = _get(f"{server.base_url}/api/v1/events/{EVENT}/sessions")["sessions"]
    return int(next(s["id"] for s in sessions if "деревообрабатывающего" in s["title"]))


def test_public_and_delegate_pages_do_not_scroll_sideways_at_360_px(server: Server, phone: Page) -> None:
    session = _longest_title_session(server)
    pages = {
        "events": "/", "event": f"/events/{EVENT}", "agenda": f"/events/{EVENT}/agenda",
        "session": f"/events/{EVENT}/sessions/{session}", "register": f"/events/{EVENT}/register",
        "cabinet-link": "/cabinet",
    }
    widths = {}
    for name, path in pages.items():
        phone.goto(server.base_url + path)
        _shot(phone, f"phone-{name}")
        widths[name] = _width(phone)

    assert widths == dict.fromkeys(pages, 360)


def test_checkbox_errors_read_as_a_sentence_not_a_word_per_line(server: Server, phone: Page) -> None:
    phone.goto(f"{server.base_url}/events/{EVENT}/register")
    phone.locator("form.form button[type=submit]").last.click()
    phone.wait_for_load_state()
    _shot(phone, "phone-register-errors")
    errors = phone.locator("p.error:not(:empty)")
    boxes = [errors.nth(i).bounding_box() for i in range(errors.count())]
    widths = [int(box["width"]) for box in boxes if box]

    assert len(widths) >= 5, "the empty form shows its errors"
    # Each message gets the width of the form (about 300 px of 360), never a 28 px column
    # that puts one word on each line.
    assert min(widths) >= 250, widths
    assert _width(phone) == 360


def test_ticket_qr_code_is_on_the_first_screen(server: Server, phone: Page) -> None:
    ticket = _register(server, "Константинопольская", "Александра", "long@example.ru")

    phone.goto(ticket)
    _shot(phone, "phone-ticket")
    box = phone.locator("img.qr").bounding_box()

    assert box is not None
    assert box["y"] + box["height"] <= SCREEN_HEIGHT
    assert _width(phone) == 360


def test_workspace_header_is_compact_on_a_phone(server: Server, phone: Page) -> None:
    subprocess.run([sys.executable, "-m", "events_app.cli", "create-user", "door@example.ru", "--role", "door",
                    "--event", EVENT, "--password-stdin"], env=server.env, input="door-password-1\n", text=True,
                   check=True, capture_output=True, timeout=60)
    phone.goto(f"{server.base_url}/organiser/login")
    phone.locator("#email").fill("door@example.ru")
    phone.locator("#password").fill("door-password-1")
    phone.locator("form button[type=submit]").click()
    phone.wait_for_load_state()
    phone.goto(f"{server.base_url}/organiser/events/{EVENT}")
    _shot(phone, "phone-workspace")
    header = phone.locator("header.workspace-header").bounding_box()

    assert header is not None
    assert header["height"] <= 160
    assert _width(phone) == 360
