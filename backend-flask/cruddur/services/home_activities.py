"""The home feed: every live crud, newest first, with its replies (`user` is None when signed out)."""
from sqlalchemy import select

from ..models import Activity
from ..telemetry.service import annotate, service_call
from .activity_queries import page_of, top_level_live


@service_call
def run(user, page, now):
    query = select(Activity).where(top_level_live(now))
    items, next_cursor = page_of(page, query, now)
    annotate(user_handle=user.handle if user else None, result_length=len(items), now=now.isoformat())
    return items, next_cursor
