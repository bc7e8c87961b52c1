"""The numbers issue 13 ("Hostile input") closes on, measured against a real gunicorn (2 workers)
on a fresh, seeded SQLite database, on loopback:

- the home feed's first page (`?limit=1`) in bytes, and its median time over 20 requests, when its
  crud has N replies (posted through the API, default 1,500);
- the sign-up probing rate: a bounded loop of sign-ups with a taken handle and a new candidate
  email each time, one client, sequential (what an attacker enumerating accounts would do), and
  beside it the rate of failed sign-ins for unknown logins.

    .venv/bin/python -m bench.hostile_input                      # this checkout's backend
    .venv/bin/python -m bench.hostile_input --backend /tmp/old/backend-flask --label before

Not a test, and not part of bin/bench: it prints one JSON line per measurement."""
import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import requests

from testkit.auth import bearer, sign_in
from testkit.gunicorn import Gunicorn, flask_command, without_settings
from testkit.paths import BACKEND


def serve(backend, workdir):
    """Migrate, seed and serve `backend` (a backend-flask/ directory) on a SQLite file in `workdir`."""
    env = without_settings(os.environ)
    env.update(DATABASE_URL=f"sqlite:///{workdir}/hostile.sqlite3", SECRET_KEY="hostile-input-bench-key-0123456789",
               XDG_DATA_HOME=str(workdir), PYTHONUNBUFFERED="1")
    for command in (("db", "upgrade"), ("seed",)):
        flask_command(env, *command, backend=backend)
    return Gunicorn(env, workers=2, log_path=Path(workdir) / "gunicorn.log", backend=backend).start()


def feed_page(session, url, replies):
    headers = bearer(sign_in("worf", url=url, http=session))
    crud = session.post(url + "/api/activities", json={"message": "one busy crud", "ttl": "1-day"},
                        headers=headers).json()
    empty = len(session.get(url + "/api/activities/home?limit=1").content)
    for n in range(replies):
        response = session.post(url + f"/api/activities/{crud['uuid']}/reply", headers=headers,
                                json={"message": f"reply number {n} from worf"})
        response.raise_for_status()
    times = []
    for _ in range(20):
        started = time.perf_counter()
        response = session.get(url + "/api/activities/home?limit=1")
        times.append(time.perf_counter() - started)
    [item] = response.json()
    return {"home_limit1_bytes_without_replies": empty,
            f"home_limit1_bytes_with_{replies}_replies": len(response.content),
            "home_limit1_median_ms": round(sorted(times)[len(times) // 2] * 1000, 1),
            "replies_count": item["replies_count"], "replies_inlined": len(item["replies"])}


def signup_probes(session, url, probes):
    statuses = {}
    started = time.perf_counter()
    for n in range(probes):
        response = session.post(url + "/api/auth/signup", json={
            "handle": "bayko", "display_name": "Probe", "email": f"candidate{n}@probe.example",
            "password": "probe-password"})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    elapsed = time.perf_counter() - started
    return {"signup_probes": probes, "seconds": round(elapsed, 2), "probes_per_second": round(probes / elapsed, 1),
            "statuses": statuses}


def signin_probes(session, url, probes):
    """Failed sign-ins for unknown logins, for comparison (kept under the per-address limit)."""
    statuses = {}
    started = time.perf_counter()
    for n in range(probes):
        response = session.post(url + "/api/auth/signin", json={"login": f"nobody{n}", "password": "probe-password"})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    elapsed = time.perf_counter() - started
    return {"signin_probes": probes, "seconds": round(elapsed, 2), "probes_per_second": round(probes / elapsed, 1),
            "statuses": statuses}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=str(BACKEND))
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--replies", type=int, default=1500)
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--signin-probes", type=int, default=30, help="at most the per-address limit (50/minute)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cruddur-hostile-") as workdir:
        server = serve(args.backend, workdir)
        url = server.url
        try:
            session = requests.Session()
            print(json.dumps({"label": args.label, **feed_page(session, url, args.replies)}), flush=True)
            print(json.dumps({"label": args.label, **signup_probes(session, url, args.probes)}), flush=True)
            print(json.dumps({"label": args.label, **signin_probes(session, url, args.signin_probes)}), flush=True)
        finally:
            server.stop(timeout=30)


if __name__ == "__main__":
    main()
