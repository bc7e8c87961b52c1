"""Hostile-input screening: 400 for input no route can use, before a model or the database sees
it, and 413 for a chunked body over the size limit, as for a declared one."""
import io
import re

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import ApiError

SURROGATE = re.compile("[\ud800-\udfff]")
TOO_LARGE = "cruddur.body_too_large"  # environ key: a chunked body went past MAX_CONTENT_LENGTH


def _strings(value):
    """Every string in a decoded JSON value, keys included, without recursion (the parser has
    already bounded the depth)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _first_problem(values):
    """`nul_character` or `body_invalid_text` for the first string that cannot be stored as text."""
    for text in _strings(values):
        if "\x00" in text:
            return "nul_character"
        if SURROGATE.search(text):  # a lone "\ud800": not Unicode text, cannot be encoded as UTF-8
            return "body_invalid_text"
    return None


class BoundedChunkedBody:
    """WSGI middleware: a chunked body (no Content-Length) is read up to one byte past the size
    limit before Flask sees the request. Werkzeug would stop reading such a stream at the limit and
    hand back the truncated bytes, which would then fail as malformed JSON (400); read here, the
    body is handed on whole with its length, or the request is marked too large (413)."""

    def __init__(self, wsgi_app, limit):
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ, start_response):
        if (self.limit is not None and not environ.get("CONTENT_LENGTH")
                and environ.get("wsgi.input_terminated")):
            stream, data = environ["wsgi.input"], bytearray()
            while len(data) <= self.limit:
                chunk = stream.read(min(64 * 1024, self.limit + 1 - len(data)))
                if not chunk:
                    break
                data.extend(chunk)
            if len(data) > self.limit:
                environ[TOO_LARGE] = True
                data = bytearray()
            environ["wsgi.input"] = io.BytesIO(bytes(data))
            environ["CONTENT_LENGTH"] = str(len(data))
        return self.wsgi_app(environ, start_response)


def _screen_request():
    """400 for NUL characters (PostgreSQL text cannot hold them) and strings that are not Unicode
    text (lone surrogates, which JSON's \\u escapes can spell) in the path, query or JSON body, and
    for JSON nested too deeply for the parser; 413 for a chunked body over the limit."""
    if request.environ.get(TOO_LARGE):
        raise RequestEntityTooLarge()
    try:
        body = request.get_json(silent=True) if request.is_json else None
    except RecursionError:
        raise ApiError(400, "body_invalid_json") from None
    problem = _first_problem([request.path, *request.args.keys(), *request.args.values(), body])
    if problem:
        raise ApiError(400, problem)


def init_app(app):
    app.wsgi_app = BoundedChunkedBody(app.wsgi_app, app.config.get("MAX_CONTENT_LENGTH"))
    app.before_request(_screen_request)  # before the limiter, whose key reads the body
