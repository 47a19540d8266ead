"""One way to drive Debian's Chromium with Playwright in the tests: the executable, its flags,
a launched browser (`launched`), and pages that keep their script errors (`page.errors`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _missing

CHROMIUM = os.environ.get("SB_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A camera and a microphone that need no person and no permission prompt (video visits).
MEDIA_FLAGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@contextmanager
def playwright_session() -> Iterator[Any]:
    """Playwright, once Chromium is known to be there (else a failure under `make test`)."""
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium ({CHROMIUM}; infra/chromium.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@contextmanager
def launched(*extra_flags: str) -> Iterator[Any]:
    """A headless Chromium, closed afterwards."""
    with playwright_session() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*FLAGS, *extra_flags]
        )
        try:
            yield browser
        finally:
            browser.close()


def keeping_errors(page: Any, console: bool = True) -> Any:
    """The page, with `page.errors`: uncaught script errors (and console errors if asked)."""
    errors: list[str] = []
    if console:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    return page


TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def tablet(tmp_path):
    """A browser context sized and behaving like a tablet (touch), with its page."""
    from playwright.sync_api import expect

    # Sync waits for timers and the network; on a busy 2-core CI machine 5 s is too tight.
    expect.set_options(timeout=20_000)
    with launched() as browser:
        context = browser.new_context(
            locale="da-DK", viewport=TABLET, has_touch=True, service_workers="allow"
        )
        yield context, keeping_errors(context.new_page())
        context.close()
    expect.set_options(timeout=5_000)


def script_errors(page) -> list[str]:
    """Our scripts' errors and CSP refusals; not failed loads (offline, the 401 before login)."""
    return [
        e
        for e in page.errors
        if not e.startswith("Failed to load resource") and "ERR_INTERNET_DISCONNECTED" not in e
    ]
