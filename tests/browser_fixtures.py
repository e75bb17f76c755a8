"""Chromium driven by Playwright against the live test server, one fresh context per test.

A plugin of the whole suite (tests/conftest.py), so that any test module can take
`page`, `new_page`, `sign_in`, … as arguments.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
# Root on a closed network: no sandbox, no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for a module's browser tests, closed when the module is done.

    Module scope, not session: while Playwright's sync API is open, an asyncio loop
    runs in this thread, and async_to_sync() in any later test would refuse to run.
    """
    if not CHROMIUM.exists():
        reason = f"Browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    # With that loop running, Django takes every query made by the test itself
    # (factories, fixtures) for one made from async code and refuses it.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if saved is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


class ConsoleLog:
    """What the page wrote to the console as errors, and any uncaught exception."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")

    @property
    def csp_violations(self) -> list[str]:
        return [text for text in self.errors if "Content Security Policy" in text]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def new_page(browser: Browser, console: ConsoleLog) -> Iterator[Callable[..., Page]]:
    """`new_page(viewport=..., color_scheme=...)` opens a page in a fresh context.

    A fresh context has no cookies and no local storage (so no saved colour mode).

    Every page is checked for CSP violations when the test ends, whatever the test is about.
    """
    contexts = []

    def _new_page(viewport: dict | None = None, color_scheme: str = "light") -> Page:
        # Reduced motion turns Bootstrap's transitions off, so nothing is caught mid-fade.
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            color_scheme=color_scheme,
            reduced_motion="reduce",
            locale="en-US",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", console.on_console)
        page.on("pageerror", console.on_page_error)
        return page

    yield _new_page
    for context in contexts:
        context.close()
    assert console.csp_violations == [], "The Content Security Policy blocked something"


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def sign_in(live_server) -> Callable[[Page, object], None]:
    """`sign_in(page, user)` signs in through the login form, as a person would."""

    def _sign_in(page: Page, user, password: str = PASSWORD) -> None:
        page.goto(f"{live_server.url}/account/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()

    return _sign_in


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def page_width(page: Page) -> int:
    """How wide the page's content is: wider than the viewport means it scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")
