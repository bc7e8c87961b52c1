"""The API's documentation page, /api/docs: Swagger UI reading /api/openapi.json, with every file
served by the backend itself (no CDN). Swagger UI's files are flask-swagger-ui's copy of its release;
that package's own page starts the UI with an inline script, which a Content-Security-Policy without
'unsafe-inline' refuses, so the page here is Cruddur's and the start-up script is a file of its own."""
from importlib.resources import files

from flask import Blueprint, Response, url_for

from ..operations import operation, page_file

SWAGGER_UI = files("flask_swagger_ui") / "dist"

bp = Blueprint("docs", __name__, url_prefix="/api/docs", static_folder=str(SWAGGER_UI),
               static_url_path="/swagger-ui")

# This page's policy instead of the API's `default-src 'none'` (security/headers.py keeps a view's own):
# scripts, styles and the document from this origin only; the stylesheet draws its icons from data: URIs.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; frame-ancestors 'none'")
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Cruddur API</title>
  <link rel="stylesheet" href="{swagger_css}">
  <link rel="stylesheet" href="{index_css}">
  <link rel="icon" type="image/png" href="{icon}">
</head>
<body>
  <div id="swagger-ui" data-url="{document}"></div>
  <script src="{swagger_js}"></script>
  <script src="{start_js}"></script>
</body>
</html>
"""
# No validatorUrl: Swagger UI would send the document to an outside validator for its badge.
START_SCRIPT = """window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.url,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
"""


@bp.get("")
@operation("This documentation, as a page (Swagger UI)", str, database=False)
def page():
    def asset(name):
        return url_for(".static", filename=name)

    html = PAGE.format(swagger_css=asset("swagger-ui.css"), index_css=asset("index.css"),
                       icon=asset("favicon-32x32.png"), swagger_js=asset("swagger-ui-bundle.js"),
                       start_js=url_for(".start_script"), document=url_for("general.openapi_document"))
    return html, {"Content-Security-Policy": PAGE_POLICY}


@bp.get("/start.js")
@page_file
def start_script():
    return Response(START_SCRIPT, mimetype="text/javascript")
