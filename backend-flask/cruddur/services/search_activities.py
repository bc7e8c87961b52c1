"""Live activities whose message contains the search term, newest first."""
from sqlalchemy import select

from ..models import Activity
from ..telemetry.service import annotate, service_call
from .activity_queries import escape_like, live, page_of


@service_call
def run(term, page, now):
    query = select(Activity).where(live(now), Activity.message.ilike(f"%{escape_like(term)}%", escape="\\"))
    items, next_cursor = page_of(page, query, now)
    annotate(search_term_length=len(term), result_length=len(items), now=now.isoformat())
    return items, next_cursor
