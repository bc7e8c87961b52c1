"""Keyset pagination over (created_at, id): an opaque cursor in, a `Link: rel="next"` header out."""
import base64
import binascii
import json
from datetime import datetime
from urllib.parse import urlencode

from flask import current_app, request
from sqlalchemy import and_, or_

from .errors import ApiError
from .validation import query_int


class Page:
    """The `limit` and `cursor` a list request asked for."""

    def __init__(self, limit, after):
        self.limit = limit
        self.after = after  # (created_at, id) of the last row already seen, or None

    @classmethod
    def from_request(cls):
        config = current_app.config
        limit = query_int("limit", config["PAGE_LIMIT_DEFAULT"], 1, config["PAGE_LIMIT_MAX"])
        return cls(limit, decode_cursor(request.args.get("cursor")))

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


def encode_cursor(created_at, row_id):
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, row_id = json.loads(raw)
        created_at = datetime.fromisoformat(created)
        if created_at.tzinfo is None or not isinstance(row_id, int):
            raise ValueError
        return created_at, row_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ApiError(400, "cursor_invalid") from None


def link_header(next_cursor):
    """The RFC 8288 Link header for the next page, keeping the request's other arguments."""
    if not next_cursor:
        return {}
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    args["cursor"] = next_cursor
    return {"Link": f'<{request.base_url}?{urlencode(args)}>; rel="next"'}
