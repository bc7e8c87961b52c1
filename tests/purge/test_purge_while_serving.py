"""Two purgers running against a real gunicorn that is taking posts and replies: every write
succeeds (or, for a crud that is expired, gets a clean 404), nothing answers 5xx, nothing is lost."""
import subprocess
import threading
from datetime import timedelta

import requests
from sqlalchemy import func, select

from testkit.auth import bearer, sign_in
from testkit.gunicorn import backend_env
from tests.purge.conftest import ACTIVITIES, BACKEND, BIN, add_many, summary


def test_posts_and_replies_keep_working_while_two_purgers_run(module_database_url, start_server, engine_for):
    server = start_server(backend_env(module_database_url))
    engine = engine_for(module_database_url)
    with engine.begin() as conn:
        expired = add_many(conn, 3000, timedelta(minutes=-10), replies_each=1)
        doomed = conn.scalars(select(ACTIVITIES.c.uuid).where(ACTIVITIES.c.reply_to_activity_id.is_(None),
                                                              ACTIVITIES.c.message.like("bulk crud %"))
                              .order_by(ACTIVITIES.c.id.desc()).limit(40)).all()
    headers = bearer(sign_in("andrewbrown", url=server.url))
    live = requests.get(f"{server.url}/api/activities/home", timeout=10).json()[0]
    command = [str(BIN / "flask"), "--app", "app", "purge-expired", "--grace", "0", "--batch-size", "30"]
    purgers = [subprocess.Popen(command, cwd=BACKEND, env=backend_env(module_database_url), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results, lock = [], threading.Lock()

    def writer(n):
        session = requests.Session()
        step = 0
        while any(p.poll() is None for p in purgers) or step < 6:
            kind = ("post", "reply", "doomed", "home")[step % 4]
            if kind == "post":
                response = session.post(f"{server.url}/api/activities", headers=headers, timeout=30,
                                        json={"message": f"while purging {n}.{step}", "ttl": "1-day"})
            elif kind == "reply":
                response = session.post(f"{server.url}/api/activities/{live['uuid']}/reply", headers=headers,
                                        timeout=30, json={"message": f"reply while purging {n}.{step}"})
            elif kind == "doomed":
                response = session.post(f"{server.url}/api/activities/{doomed[step % len(doomed)]}/reply",
                                        headers=headers, timeout=30, json={"message": "to an expired crud"})
            else:
                response = session.get(f"{server.url}/api/activities/home", timeout=30)
            with lock:
                results.append((kind, response.status_code))
            step += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    outputs = [p.communicate(timeout=300) for p in purgers]
    for thread in threads:
        thread.join(60)

    for purger, (stdout, stderr) in zip(purgers, outputs, strict=True):
        assert purger.returncode == 0, stdout + stderr
    assert sum(summary(stdout)["activities"] for stdout, _ in outputs) == expired + 1  # and the seed's
    expected = {"post": 201, "reply": 201, "doomed": 404, "home": 200}
    wrong = [(kind, status) for kind, status in results if status != expected[kind]]
    assert not wrong, wrong
    replies = sum(1 for kind, _ in results if kind == "reply")
    shown = requests.get(f"{server.url}/api/activities/@andrewbrown/status/{live['uuid']}", timeout=10).json()
    assert shown["activity"]["replies_count"] == live["replies_count"] + replies
    with engine.connect() as conn:  # every reply is stored (feeds inline only the latest few)
        parent_id = conn.scalar(select(ACTIVITIES.c.id).where(ACTIVITIES.c.uuid == live["uuid"]))
        stored = conn.scalar(select(func.count()).select_from(ACTIVITIES)
                             .where(ACTIVITIES.c.reply_to_activity_id == parent_id))
    assert stored == live["replies_count"] + replies
    with engine.connect() as conn:
        assert not conn.scalar(select(ACTIVITIES.c.id).where(ACTIVITIES.c.message == "to an expired crud"))
