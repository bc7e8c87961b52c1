"""The one keyset page fetch the list use cases share: rows of `query` ordered by two columns (a
time, then an id to break ties), the next page's cursor made from the same two columns."""
from ..db import db


def fetch_page(page, query, created_col, id_col, newest_first=True, row_key=None):
    """(rows, next_cursor) for `page` (pagination.Page) of `query`. The cursor is read from each row's
    attributes named like the columns, so `created_col` and `id_col` are written once; `row_key`
    reads it otherwise, where the order is on another table's columns equal to the row's."""
    rows = list(db.session.scalars(page.apply(query, created_col, id_col, newest_first=newest_first)))
    return page.split(rows, row_key or (lambda row: (getattr(row, created_col.key), getattr(row, id_col.key))))
