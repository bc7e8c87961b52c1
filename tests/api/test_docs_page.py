"""/api/docs: Swagger UI on the API's own document, every file from the backend itself (offline, no
CDN), under a Content-Security-Policy that allows this origin only."""
from html.parser import HTMLParser

import pytest
import requests

from cruddur import create_app, openapi
from testkit.frontend import CHROMIUM, CHROMIUM_ARGS, require_chromium
from testkit.gunicorn import backend_env

CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class Page(HTMLParser):
    """What a page loads (scripts, stylesheets, icons), and the text of any inline script or style."""

    def __init__(self, html):
        super().__init__()
        self.loads, self.inline, self.attributes, self._tag = [], [], {}, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._tag = tag
        if "id" in attrs:
            self.attributes[f"{tag}#{attrs['id']}"] = attrs
        if tag == "script" and "src" in attrs:
            self.loads.append(attrs["src"])
        elif tag == "link":
            self.loads.append(attrs["href"])
        if "style" in attrs:
            self.inline.append(attrs["style"])

    def handle_data(self, data):
        if self._tag in ("script", "style") and data.strip():
            self.inline.append(data)

    def handle_endtag(self, tag):
        self._tag = None


@pytest.fixture(scope="module")
def docs_app(new_database_url):
    """One app on an empty database (nothing here reads one), in place of one per database."""
    return create_app({"SQLALCHEMY_DATABASE_URI": new_database_url("sqlite")})


@pytest.fixture(autouse=True)
def demo_data():
    """No demo data to reseed."""


@pytest.fixture
def docs(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response


def test_the_page_loads_only_files_the_backend_serves(client, docs):
    page = Page(docs.get_data(as_text=True))
    assert page.inline == [], "an inline script or style, which the page's policy refuses"
    assert len(page.loads) >= 4
    for url in page.loads:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.mimetype == CONTENT_TYPES[url[url.rindex("."):]], url
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
        asset.close()


def test_the_page_reads_the_served_document(client, docs):
    page = Page(docs.get_data(as_text=True))
    assert page.attributes["div#swagger-ui"]["data-url"] == "/api/openapi.json"
    start = client.get(next(url for url in page.loads if url.endswith("/start.js"))).get_data(as_text=True)
    assert 'getElementById("swagger-ui").dataset.url' in start
    assert "validatorUrl: null" in start  # no badge from an outside validator


def test_the_page_policy_allows_this_origin_only(docs):
    policy = dict(part.strip().split(" ", 1) for part in docs.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == policy["connect-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"  # Swagger UI's stylesheet draws its icons from data: URIs
    assert docs.headers["X-Frame-Options"] == "DENY"


def test_the_page_is_documented_and_its_files_are_not(docs_app):
    document = openapi.document(docs_app)
    page = document["paths"]["/api/docs"]["get"]
    assert list(page["responses"]["200"]["content"]) == ["text/html"]
    assert not [path for path in document["paths"] if path.startswith("/api/docs/")]


@pytest.fixture(scope="module")
def server(new_database_url, start_server):
    return start_server(backend_env(new_database_url("sqlite")), workers=1)


def test_a_browser_shows_every_operation_and_runs_one(server, playwright):
    require_chromium()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        page = browser.new_page()
        requested, problems = [], []
        page.on("request", lambda request: requested.append(request.url))
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{server.url}/api/docs", wait_until="networkidle")
        page.wait_for_selector(".opblock", timeout=15_000)
        document = requests.get(f"{server.url}/api/openapi.json", timeout=10).json()
        operations = sum(len(item) for item in document["paths"].values())
        assert page.locator(".opblock").count() == operations
        health = page.locator("#operations-general-general_health_check")
        health.locator(".opblock-summary").click()
        health.get_by_role("button", name="Try it out").click()
        health.get_by_role("button", name="Execute").click()
        status = page.locator(".live-responses-table tbody .response-col_status")
        status.wait_for(timeout=15_000)
        assert status.inner_text().strip() == "200"  # the page's policy lets it call the API
    finally:
        browser.close()
    assert problems == []
    assert [url for url in requested if not url.startswith(server.url + "/")] == []
