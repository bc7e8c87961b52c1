"""What each view declares about itself, once: the `operation` decorator parses the request into
the view's arguments, serializes what the view returns through its response schema, and leaves
the declaration on the view (`view.operation`) for openapi.py to publish.

    @bp.post("/<activity_uuid>/reply")
    @login_required
    @operation("Reply to a live crud", schemas.Activity, status=201, body=ReplyBody, errors=(404,))
    def reply(activity_uuid: Uuid, body): ...

- path arguments: the type the view gives each documents it (`Uuid`, `Handle`); untyped is text.
- `body`: a model from validation.py; the view gets `body=` (400, 413 and 422 are then documented).
- `query`: a query model from validation.py; the view gets `query=` (400 and 422).
- `paged`: the view gets `page=` (pagination.Page: `limit` and `cursor`) and returns
  `(items, next_cursor)`; the next page goes in the Link header.
- `response`: a schemas model or `list[Model]` that the view's result is serialized through;
  `dict` (a free-form JSON object) or `str` (text/html) for a view that returns its own response.
  A view may return `(result, status)` to answer another documented status, as the health check does.
- `errors`: statuses only the view knows it answers (404, or 401 for bad credentials); the rest
  follow from the declaration, the view's auth (auth.py) and the rate limits (security/limits.py).
- `database=False` for the views that never touch the database (no 503).

A view that serves a file a page loads is declared `@page_file` instead: the document leaves it out."""
import functools
from dataclasses import dataclass, field

from flask import Response

from . import schemas
from .pagination import Page, PageQuery, link_header
from .validation import parse, parse_query


@dataclass(frozen=True)
class Operation:
    summary: str
    response: object
    status: int = 200
    body: type | None = None
    query: type | None = None
    paged: bool = False
    errors: frozenset = field(default_factory=frozenset)
    database: bool = True

    @property
    def query_models(self):
        return tuple(m for m in (self.query, PageQuery if self.paged else None) if m is not None)

    @property
    def serializes(self):
        return self.response not in (dict, str)


def operation(summary, response, *, status=200, body=None, query=None, paged=False, errors=(), database=True):
    spec = Operation(summary, response, status, body, query, paged, frozenset(errors), database)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if spec.query is not None:
                kwargs["query"] = parse_query(spec.query)
            if spec.paged:
                kwargs["page"] = Page.from_request()
            if spec.body is not None:
                kwargs["body"] = parse(spec.body)
            result = view(*args, **kwargs)
            if not spec.serializes:
                return result
            headers = {}
            if spec.paged:
                result, next_cursor = result
                headers = link_header(next_cursor)
            status = spec.status
            if isinstance(result, tuple):
                result, status = result
            return Response(schemas.to_json(spec.response, result), status, headers, mimetype="application/json")

        wrapper.operation = spec
        return wrapper

    return decorate


def page_file(view):
    """Declares a view that serves a file a page loads (the docs page's start-up script): not an API
    operation, so the document leaves it out, as it does Flask's static routes."""
    view.operation = None
    return view


def is_page_file(view):
    return getattr(view, "operation", False) is None
