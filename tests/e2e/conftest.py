"""Browser tests: Debian's Chromium driven by Playwright against a live daphne server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import servers

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = servers.ROOT / "artefacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    # Browser tests run last: Playwright's sync API keeps an event loop running in this
    # thread from the first browser test to the end of the session.
    here = Path(__file__).parent
    browser, others = [], []
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            browser.append(item)
        else:
            others.append(item)
    items[:] = others + browser


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = "browser tests need Chromium: install it with `apt-get install -y chromium`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # That loop makes Django think the tests' own (synchronous) ORM calls are async.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker):
    """One daphne for the session, on this run's test database (and Redis when set)."""
    with django_db_blocker.unblock():
        with servers.daphne(redis_url=os.environ.get("REDIS_URL", "")) as url:
            yield url


@pytest.fixture
def open_board(browser, request):
    """open_board(url, user, board, **context_options) -> a page on the board, socket live."""
    contexts = []

    def make(url: str, user, board=None, **options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        contexts.append(context)
        if user is not None:
            name, value = servers.session_cookie(user).split("=", 1)
            context.add_cookies([{"name": name, "value": value, "url": url}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        # What the Content-Security-Policy blocked: nothing may be (checked after each test).
        page.add_init_script(
            "window.cspBlocked = []; document.addEventListener('securitypolicyviolation', e =>"
            " window.cspBlocked.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(' ')));"
        )
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        if board is not None:
            page.goto(f"{url}/b/{board.pk}/")
            if options.get("java_script_enabled", True):
                page.wait_for_selector('#live-status[data-state="live"]', state="attached")
        return page

    yield make
    ARTEFACTS.mkdir(exist_ok=True)
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, context in enumerate(contexts):
        for page in context.pages:
            suffix = "-FAILED" if failed else ""
            page.screenshot(path=str(ARTEFACTS / f"{request.node.name}-{index}{suffix}.png"), full_page=True)
            if not failed:
                assert not page.js_errors, page.js_errors
                # Scripts and style sheets: ours must all run. (A style attribute blocked now and
                # then during Playwright's drags comes from no markup or script of ours.)
                blocked = page.evaluate("window.cspBlocked || []") if not page.is_closed() else []
                assert not [b for b in blocked if not b.startswith("style-src-attr")], blocked
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
