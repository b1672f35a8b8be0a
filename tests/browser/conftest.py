"""Playwright fixtures for browser tests: Debian's Chromium against pytest-django's live_server.

No request may leave 127.0.0.1: every page request is recorded and a test fails if one went to
another host (vendored assets only, never a CDN), and if the browser blocked anything under the
Content-Security-Policy (Chromium logs "Refused to ... Content Security Policy"). Browser tests need
@pytest.mark.django_db(transaction=True) so the live server thread sees their data.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API keeps an asyncio loop in the main thread for the whole session, so
# Django sees "an event loop is running" and would refuse ORM calls from tests and fixtures.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

CHROMIUM_ARGS = [
    "--no-sandbox",  # the suite runs as root in CI containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces for the 127.0.0.1 rule: names other than localhost do not resolve, so even
    # a stray request never reaches the network. The request log below still fails the test.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def _chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium not found: install Debian's chromium or set CHROMIUM_PATH (never downloaded).")
    return path


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=_chromium_path(), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _is_external(url):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return False  # data:, blob:, about: never touch the network
    return parts.hostname not in LOCAL_HOSTS


def _is_csp_violation(text):
    # Chromium: "Refused to execute inline script because it violates the following Content Security
    # Policy directive: ..." (also "Refused to apply inline style", "load the image", "connect to", ...).
    return "Content Security Policy" in text


@pytest.fixture
def page(browser):
    """A fresh Chinese-locale page; fails the test if any request left 127.0.0.1 or the
    Content-Security-Policy blocked a script, style, image, font, fetch, frame or form.

    page.console_errors collects console errors and uncaught page exceptions, for tests that
    want to assert a screen ran cleanly.
    """
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.console_errors = []
    page.csp_violations = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on(
        "console", lambda msg: _is_csp_violation(msg.text) and page.csp_violations.append(f"{page.url}: {msg.text}")
    )
    page.on("pageerror", lambda error: page.console_errors.append(f"uncaught: {error}"))
    yield page
    context.close()
    problems = []
    external = sorted({url for url in requested if _is_external(url)})
    if external:
        problems.append("requests left 127.0.0.1:\n  " + "\n  ".join(external))
    if page.csp_violations:
        problems.append("Content-Security-Policy violations:\n  " + "\n  ".join(page.csp_violations))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def screenshot_dir():
    path = Path(os.environ.get("SCREENSHOT_DIR", "test-artifacts/screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path
