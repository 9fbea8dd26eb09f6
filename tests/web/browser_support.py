"""Debian's Chromium driven by Playwright, and the service it walks, the same way in every browser test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = Path("/usr/bin/chromium")
HEADLESS_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update")


def start_playwright() -> Iterator[Playwright]:
    """For a module fixture: Playwright, or a skip (a failure under CI) when Chromium is missing."""
    if not CHROMIUM.exists():
        message = f"the browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as driver:
        yield driver


def launch(driver: Playwright, *extra_args: str) -> Browser:
    return driver.chromium.launch(executable_path=str(CHROMIUM), args=[*HEADLESS_ARGS, *extra_args])


def picture(page: Page, path: Path) -> None:
    """A screenshot of what the person sees now, once the page has finished loading. A picture is for
    people to look at, not a check: one that Chromium refuses mid-navigation is tried once more."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state()
    try:
        page.screenshot(path=str(path))
    except PlaywrightError:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(path))


def service_env(data_dir: Path, base_url: str, **settings: str) -> dict[str, str]:
    """The environment of a service under test: this process's, without its own `EVENTS_*` settings,
    with the data folder, the base URL and `settings` (EVENTS_SECRET_KEY=…, EVENTS_SMTP_URL=…)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("EVENTS_")}
    env.update(EVENTS_DATA_DIR=str(data_dir), EVENTS_BASE_URL=base_url, **settings)
    return env


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(json.load(response)["status"] == "ready")
    except OSError:
        return False


@contextmanager
def serving(env: Mapping[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`events-app serve` on `port` for the block, entered once `/readyz` says ready and stopped on
    leaving. Its output goes to serve.log in the data folder; a service that dies or never gets
    ready fails the test with that log."""
    log_path = Path(env["EVENTS_DATA_DIR"]) / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "events_app.cli", "serve", "--port", str(port)],
                                   env=dict(env), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not _ready(f"http://127.0.0.1:{port}/readyz"):
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)
