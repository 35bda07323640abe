"""Fixtures for the browser layer: a live server and a headless Chromium driven by Playwright.

Every test under tests/browser is marked `browser`. When no Chromium can be found
(CHROMIUM_PATH, else `chromium`, `chromium-browser` or `google-chrome` on PATH) those
tests are skipped and the rest of the suite still runs. Playwright's own browser
download is never used: Chromium is always launched from an explicit executable path.
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.audit import DESKTOP, PHONE
from tests.conftest import PASSWORD

BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = (
    "no Chromium found: install Debian's chromium package or set CHROMIUM_PATH "
    "to a Chromium or Chrome executable"
)
#: A small touch phone, as Playwright's context options.
PHONE_OPTIONS = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
#: How long an expectation or action may wait, in milliseconds. Pages here are
#: small and served locally, so anything slower than this is a real fault.
TIMEOUT_MS = 10_000


def find_chromium() -> str | None:
    """CHROMIUM_PATH if set (a path, or a name on PATH), else the first browser found on PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return shutil.which(configured)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def no_chromium_reason() -> str:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return f"no Chromium found: CHROMIUM_PATH={configured} is not an executable file"
    return NO_CHROMIUM


def is_browser_test(item: pytest.Item) -> bool:
    return BROWSER_DIR in Path(item.path).resolve().parents


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests in this folder `browser`; skip them all when there is no Chromium."""
    chromium = find_chromium()
    skip = pytest.mark.skip(reason=no_chromium_reason())
    for item in items:
        if not is_browser_test(item):
            continue
        if item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)
        if chromium is None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip(no_chromium_reason())
    return path


@pytest.fixture(scope="session")
def playwright():
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(playwright, chromium_path):
    browser = playwright.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def open_page(browser, base_url: str, **context_options):
    context = browser.new_context(base_url=base_url, locale="en-GB", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    """A desktop page (1280x800, British English) whose relative URLs go to the live server."""
    context, page = open_page(browser, live_server, viewport=DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A small touch phone (360x740) on the live server."""
    context, page = open_page(browser, live_server, **PHONE_OPTIONS)
    yield page
    context.close()


@pytest.fixture(params=["desktop", "phone"])
def device(request):
    """The same test on a 1280px desktop page and on a 360px touch phone."""
    return request.getfixturevalue("page" if request.param == "desktop" else "phone")


@pytest.fixture
def log_in() -> Callable:
    """Log a page in through the login form: `log_in(page, "ada@example.org")`."""

    def submit(page, email: str, password: str = PASSWORD, *, remember: bool = False) -> None:
        page.goto("/account/login")
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        if remember:
            page.get_by_label("Keep me logged in on this device").check()
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    return submit
