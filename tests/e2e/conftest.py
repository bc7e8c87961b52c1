"""Browser tests: headless Chromium against gunicorn and the built frontend, on loopback."""
import os

import pytest
from playwright.sync_api import expect

from testkit.auth import DEMO_PASSWORD
from testkit.frontend import CHROMIUM, CHROMIUM_ARGS, StaticFrontend, build_frontend, require_chromium, start_backend
from testkit.net import free_port
from testkit.receivers import OTLPReceiver

from .browser_spans import BrowserSpanReceiver

# docs/frontend.md's picture: `CRUDDUR_SCREENSHOT=$PWD/docs/screenshots/home.png .venv/bin/python -m pytest tests/e2e`
# refreshes it.
SCREENSHOT_ENV = "CRUDDUR_SCREENSHOT"
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def receivers():
    """Where traces land: the backend's OTLP protobuf, and the browser's OTLP JSON."""
    started = {"backend": OTLPReceiver().start(), "browser": BrowserSpanReceiver().start()}
    yield started
    for receiver in started.values():
        receiver.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, receivers):
    """Backend and UI, started once, both exporting traces; stopped by PID at the end."""
    workdir = tmp_path_factory.mktemp("e2e")
    ui_port = free_port()
    ui_url = f"http://127.0.0.1:{ui_port}"
    backend = start_backend(workdir, ui_url, OTEL_SERVICE_NAME="backend-flask",
                            OTEL_EXPORTER_OTLP_ENDPOINT=receivers["backend"].url, OTEL_BSP_SCHEDULE_DELAY="200")
    ui = None
    try:
        dist = build_frontend(workdir / "dist", VITE_BACKEND_URL=backend.url,
                              VITE_OTEL_COLLECTOR_URL=receivers["browser"].url)
        ui = StaticFrontend(dist, ui_port).start()
        yield {"api": backend.url, "ui": ui.url}
    finally:
        if ui:
            ui.stop()
        backend.stop()


@pytest.fixture(scope="session")
def browser(playwright):
    require_chromium()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session", autouse=True)
def home_screenshot(browser, stack, tmp_path_factory):
    """docs/frontend.md's screenshot of the home feed, signed in as andrewbrown, taken before any test
    runs: the freshly seeded database holds the demo data only, and no test crud yet."""
    path = os.environ.get(SCREENSHOT_ENV) or str(tmp_path_factory.mktemp("screenshot") / "home.png")
    context = browser.new_context(base_url=stack["ui"], viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/signin")
        page.get_by_label("Handle or email").fill("andrewbrown")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("navigation", name="Main").get_by_text("@andrewbrown")).to_be_visible()
        page.goto("/")
        messages = page.locator(".activity-feed .activity-item .message")
        expect(messages.first).to_be_visible()
        page.screenshot(path=path)
        yield {"path": path, "messages": messages.all_inner_texts(), "errors": errors}
    finally:
        context.close()


def _is_unexpected(message):
    # The browser logs every 4xx it fetches; the tests provoke some on purpose.
    return message.type == "error" and not message.text.startswith("Failed to load resource")


@pytest.fixture
def page(browser, stack):
    """A fresh profile (no stored session). Uncaught exceptions and console errors,
    such as a CORS refusal, fail the test."""
    context = browser.new_context(base_url=stack["ui"], viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: _is_unexpected(message) and errors.append(message.text))
    yield page
    context.close()
    assert errors == [], f"errors in the page: {errors}"


@pytest.fixture
def sign_in_browser(page):
    def as_user(login="andrewbrown", password=DEMO_PASSWORD):
        page.goto("/signin")
        page.get_by_label("Handle or email").fill(login)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("navigation", name="Main").get_by_text(f"@{login}")).to_be_visible()
        return page

    return as_user
