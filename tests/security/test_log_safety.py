"""User-controlled text cannot forge log lines: a real gunicorn is sent newlines and fake JSON
access lines in paths and bodies, and its stdout still has exactly one JSON access line per request."""
import json
from urllib.parse import quote

import requests

from testkit.auth import bearer, sign_in
from testkit.gunicorn import backend_env

FORGED = json.dumps({"level": "INFO", "logger": "cruddur.access", "message": "request", "method": "GET",
                     "path": "/forged", "status": 200, "user": "andrewbrown"})
EVIL = f"evil\n{FORGED}\r\n{FORGED}\u2028end"


def test_one_json_access_line_per_request(new_database_url, start_server):
    server = start_server(backend_env(new_database_url("sqlite")), workers=1)
    url = server.url
    auth = bearer(sign_in("worf", url=url))
    sent = [
        requests.get(f"{url}/api/activities/@{quote(EVIL)}", timeout=10),
        requests.get(f"{url}/api/users/@{quote(EVIL)}/short", timeout=10),
        requests.get(f"{url}/api/activities/search", params={"term": EVIL}, timeout=10),
        requests.post(f"{url}/api/activities", json={"message": EVIL[:200], "ttl": "1-hour"}, headers=auth, timeout=10),
        requests.post(f"{url}/api/auth/signup", json={"handle": EVIL, "display_name": EVIL, "email": EVIL,
                                                     "password": EVIL}, timeout=10),
        requests.post(f"{url}/api/auth/signin", json={"login": EVIL, "password": EVIL}, timeout=10),
        requests.get(f"{url}/api/activities/home", headers={"User-Agent": FORGED}, timeout=10),
    ]
    assert [r.status_code for r in sent] == [404, 404, 422, 201, 422, 401, 200]
    server.stop()

    lines = server.output().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert all(line.startswith("{") or "forged" not in line for line in lines), "a forged line escaped"
    access = [r for r in records if r.get("logger") == "cruddur.access"]
    assert not [r for r in access if r["path"] == "/forged"]
    evil_paths = [r for r in access if r["path"].startswith(("/api/activities/@evil", "/api/users/@evil"))]
    assert [r["path"] for r in evil_paths] == [f"/api/activities/@{EVIL}", f"/api/users/@{EVIL}/short"]
    by_path = {}
    for record in access:
        by_path[record["path"]] = by_path.get(record["path"], 0) + 1
    for response in sent:
        path = requests.utils.unquote(response.request.path_url.split("?")[0])
        assert by_path.get(path, 0) >= 1, path
    # Exactly one access line per request made after start-up (the readiness probe adds health checks).
    assert len([r for r in access if r["path"] != "/api/health-check"]) == len(sent) + 1  # + the sign-in above
