"""Debian's Chromium driven by Playwright, the same way in every browser test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

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
