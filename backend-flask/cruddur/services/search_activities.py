"""Live activities whose message contains the search term, newest first."""
from sqlalchemy import select

from ..models import Activity, fold
from ..telemetry.service import annotate, service_call
from .activity_queries import escape_like, live, page_of


@service_call
def run(term, page, now):
    # Both sides case-folded by Python: the same rows on SQLite and PostgreSQL, for any script, and a
    # plain LIKE that PostgreSQL's trigram index on message_folded serves.
    query = select(Activity).where(live(now), Activity.message_folded.like(f"%{escape_like(fold(term))}%",
                                                                          escape="\\"))
    items, next_cursor = page_of(page, query, now)
    annotate(search_term_length=len(term), result_length=len(items), now=now.isoformat())
    return items, next_cursor
