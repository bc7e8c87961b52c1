"""A bounded mixed load (reads, posts, replies, injected faults) from client threads on loopback."""
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from .auth import bearer, sign_in


def one_request(session, url, kind, n, headers, parent, tag, fault_path=None):
    """Send request number `n` of `kind` (home, search, post, reply, fault); return its record."""
    try:
        if kind == "home":
            response = session.get(f"{url}/api/activities/home", timeout=15)
        elif kind == "search":
            response = session.get(f"{url}/api/activities/search?term=cloud", timeout=15)
        elif kind == "post":
            response = session.post(f"{url}/api/activities", headers=headers, timeout=15,
                                    json={"message": f"{tag} {n}", "ttl": "1-day"})
        elif kind == "reply":
            response = session.post(f"{url}/api/activities/{parent}/reply", headers=headers, timeout=15,
                                    json={"message": f"{tag} reply {n}"})
        else:
            response = session.get(url + fault_path, timeout=15)
    except requests.RequestException as exc:
        return {"kind": kind, "status": None, "error": type(exc).__name__, "uuid": None, "trace_id": None}
    body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else None
    traceresponse = response.headers.get("traceresponse", "")
    return {"kind": kind, "status": response.status_code, "error": None,
            "uuid": body.get("uuid") if isinstance(body, dict) else None,
            "trace_id": traceresponse.split("-")[1] if traceresponse else None, "n": n}


def mixed_load(url, requests_total=200, threads=8, tag="load", fault_path=None):
    """Send `requests_total` requests (bounded) over `threads` connections; return one record per
    request: what was asked, the status, and the uuid of what was posted."""
    headers = bearer(sign_in("andrewbrown", url=url))
    parent = requests.get(f"{url}/api/activities/home", timeout=10).json()[0]["uuid"]
    plan = itertools.cycle(["home", "post", "search", "reply", "fault"] if fault_path
                           else ["home", "post", "search", "reply"])
    jobs = [(n, next(plan)) for n in range(requests_total)]
    local = threading.local()

    def one(job):
        n, kind = job
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return one_request(local.session, url, kind, n, headers, parent, tag, fault_path)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, jobs)), parent


EXPECTED = {"home": 200, "search": 200, "post": 201, "reply": 201, "fault": 500}


def failures(results):
    return [r for r in results if r["status"] != EXPECTED[r["kind"]]]


def stored_activities(database_url, tag):
    """Read the database behind the server: the tagged rows, and each parent's replies_count
    against its actual number of replies."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            uuids = conn.execute(text("SELECT uuid FROM activities WHERE message LIKE :tag"),
                                 {"tag": f"{tag} %"}).scalars().all()
            counts = conn.execute(text(
                "SELECT p.uuid, p.replies_count, (SELECT count(*) FROM activities r "
                "WHERE r.reply_to_activity_id = p.id) FROM activities p")).all()
    finally:
        engine.dispose()
    return {"uuids": uuids, "replies_count": {u: c for u, c, _ in counts}, "replies_of": {u: n for u, _, n in counts}}
