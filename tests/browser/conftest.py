"""Headless Chromium for browser tests, driven by Playwright against the system Chromium.

`.ci/browser` installs /usr/bin/chromium (CI runs it). Where it is absent the browser tests are skipped
with a message saying so — except in CI (CI=true), where a missing browser is a failure.
Playwright never downloads its own browsers here (`playwright install` is not used).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import screenshot_folder

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}  # a common phone's CSS viewport


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"headless Chromium not found at {CHROMIUM}: run .ci/browser to install it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: browser tests must run in CI)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone_page(chromium) -> Iterator[object]:
    """A fresh page in a phone-sized, touch-enabled, zh-CN browser context."""
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                   locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = screenshot_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


