"""Keyset pagination over (created_at, id): a signed cursor in, a `Link: rel="next"` header out.

A cursor is the last row's (created_at, id), signed with the app's SECRET_KEY (itsdangerous) for
the list that issued it. Anything else (forged, edited, truncated, from another list, or signed
under an old key) is `400 cursor_invalid` before any query runs, whatever it decodes to. The
payload is then parsed by a strict, bounded type, so even a cursor the server signed cannot carry
a value the database would reject."""
import base64
import binascii
import hashlib
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from flask import current_app, request
from itsdangerous import BadSignature, Signer
from pydantic import AwareDatetime, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy import and_, or_

from .errors import ApiError
from .validation import Query, parse_query

CURSOR_MAX_CHARS = 200
ROW_ID_MAX = 2**31 - 1  # PostgreSQL's integer; SQLite's rowid holds more, so this bounds both
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)

CursorPayload = TypeAdapter(
    tuple[AwareDatetime, Annotated[int, Field(strict=True, ge=1, le=ROW_ID_MAX)]],
)


class PageQuery(Query):
    model_config = ConfigDict(validate_default=False)  # absent is the server's default

    limit: int = Field(None, ge=1, description="page size; capped by the server")
    cursor: str = Field(None, description="opaque; from the previous page's Link header")


class Page:
    """The `limit` and `cursor` a list request asked for."""

    def __init__(self, limit, after):
        self.limit = limit
        self.after = after  # (created_at, id) of the last row already seen, or None

    @classmethod
    def from_request(cls):
        config = current_app.config
        query = parse_query(PageQuery)
        limit = min(query.limit or config["PAGE_LIMIT_DEFAULT"], config["PAGE_LIMIT_MAX"])
        return cls(limit, decode_cursor(query.cursor))

    def apply(self, query, created_col, id_col, newest_first=True):
        """Restrict and order `query`, fetching one extra row to know whether a next page exists."""
        if self.after is not None:
            created, row_id = self.after
            if newest_first:
                query = query.where(or_(created_col < created, and_(created_col == created, id_col < row_id)))
            else:
                query = query.where(or_(created_col > created, and_(created_col == created, id_col > row_id)))
        order = (created_col.desc(), id_col.desc()) if newest_first else (created_col.asc(), id_col.asc())
        return query.order_by(*order).limit(self.limit + 1)

    def split(self, rows, key):
        """Return (rows of this page, cursor for the next page or None)."""
        if len(rows) <= self.limit:
            return rows, None
        rows = rows[: self.limit]
        return rows, encode_cursor(*key(rows[-1]))


def _signer():
    # One salt per list: a cursor from the messages of one list means nothing to another.
    return Signer(current_app.config["SECRET_KEY"], salt=f"cruddur.cursor:{request.endpoint}",
                  digest_method=hashlib.sha256)


def encode_cursor(created_at, row_id):
    raw = CursorPayload.dump_json((created_at.astimezone(UTC), row_id))
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return _signer().sign(payload).decode()


def decode_cursor(cursor):
    if not cursor:
        return None
    try:
        if len(cursor) > CURSOR_MAX_CHARS:
            raise ValueError
        payload = _signer().unsign(cursor.encode("ascii"))
        raw = base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4))
        created_at, row_id = CursorPayload.validate_json(raw, strict=True)
        created_at = created_at.astimezone(UTC)
        if not EARLIEST <= created_at <= LATEST:
            raise ValueError
        return created_at, row_id
    except (BadSignature, ValidationError, ValueError, OverflowError, binascii.Error, UnicodeError):
        raise ApiError(400, "cursor_invalid") from None


def link_header(next_cursor):
    """The RFC 8288 Link header for the next page, keeping the request's other arguments.

    The URL starts with BACKEND_URL, the API's public address, never with the request's Host
    header, which any client can set."""
    if not next_cursor:
        return {}
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    args["cursor"] = next_cursor
    base = current_app.config["BACKEND_URL"].rstrip("/")
    return {"Link": f'<{base}{quote(request.path, safe="/@:")}?{urlencode(args)}>; rel="next"'}
