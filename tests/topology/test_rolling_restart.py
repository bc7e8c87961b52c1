"""A rolling restart behind nginx: each replica in turn gets SIGTERM and comes back, under mixed
reads and writes, and no request fails and no acknowledged write is lost. As docs/topology.md says,
the next replica stops only once nginx's fail_timeout has passed since the last one came back: until
then nginx may still hold the returned replica out of turn, and would find no replica to answer."""
import time

from testkit.edge import FAIL_TIMEOUT_S
from testkit.load import stored_activities
from tests.topology.clients import ClientPool, MixedLoad


def test_rolling_restart_under_load_fails_no_request(topology):
    load = MixedLoad(topology.url, threads=6, max_requests=6000, tag="rolling").start()
    codes = []
    try:
        time.sleep(1.5)
        for index in range(len(topology.replicas)):
            codes.append(topology.restart(index))
            time.sleep(FAIL_TIMEOUT_S + 1)
    finally:
        results = load.stop()
    failed = load.failures()
    assert failed == [], failed[:5]
    assert codes == [0, 0]
    posted = [r["uuid"] for r in results if r["kind"] == "post"]
    assert len(posted) > 20 and None not in posted
    with ClientPool("127.0.4.") as readers:  # several readers: the edge paces each address
        status_url = f"{topology.url}/api/activities/@andrewbrown/status/"
        missing = [u for u in posted if readers.get(status_url + u, timeout=10).status_code != 200]
    assert missing == []
    # Writes retried on another replica were never processed twice: one row per 201, no more.
    acknowledged = sorted(r["uuid"] for r in results if r["status"] == 201)
    assert sorted(stored_activities(topology.database_url, "rolling")["uuids"]) == acknowledged
    logs = topology.logs()
    assert "WORKER TIMEOUT" not in logs and "Traceback" not in logs
    print(f"rolling restart: {len(results)} requests ({len(posted)} posts), 0 failed, all posts readable")
