"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live server.

Registered once, as a plugin of the root conftest: one session-wide browser for every browser test. (Two copies
of the session fixture, one per conftest that imported it, started Playwright twice in one thread and failed.)
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# In the checkout's own var/ (gitignored), not beside it where other checkouts write too.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[1] / "var" / "screenshots"))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium); CI always has it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which Django takes for an async context;
    # the test's own database calls are ordinary synchronous ones (Playwright's documented workaround).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def open_page(browser, live_server):
    """open_page(language) -> a Playwright page whose browser asks for that language, at the live server."""
    contexts = []

    def open_(language: str):
        context = browser.new_context(locale=language, viewport={"width": 1200, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base = live_server.url
        return page

    yield open_
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
