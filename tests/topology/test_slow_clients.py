"""Slow clients meet nginx, never gunicorn's sync workers: 16 connections dribbling their headers
for 20 s leave the API answering and every worker alive."""
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from tests.topology.clients import ClientPool, dribble_headers

SLOW_CLIENTS, SLOW_SECONDS = 16, 20


def _timed_reads(url, count=None, until=None):
    """Home-feed reads, one at a time, taking turns over 16 clients (127.0.3.x): the edge paces
    each address to 20 requests a second, and this is normal traffic, not one client's flood."""
    latencies = []
    with ClientPool("127.0.3.") as clients:
        while (count is None or len(latencies) < count) and (until is None or time.monotonic() < until):
            started = time.perf_counter()
            response = clients.get(f"{url}/api/activities/home", timeout=5)  # a blocked API fails here
            assert response.status_code == 200
            latencies.append((time.perf_counter() - started) * 1000)
            if len(latencies) >= 5000:
                break
    return latencies


def p99(values):
    return statistics.quantiles(values, n=100)[98]


def test_slow_clients_do_not_block_the_api(topology):
    _timed_reads(topology.url, count=50)  # warm both replicas
    baseline = _timed_reads(topology.url, count=200)
    with ThreadPoolExecutor(SLOW_CLIENTS) as pool:
        slow = [pool.submit(dribble_headers, topology.nginx.port, SLOW_SECONDS) for _ in range(SLOW_CLIENTS)]
        time.sleep(1)  # every slow connection is open and dribbling
        during = _timed_reads(topology.url, until=time.monotonic() + SLOW_SECONDS - 2)
        cut_off = [future.result(timeout=SLOW_SECONDS + 10) for future in slow]
    logs = topology.logs()
    assert "WORKER TIMEOUT" not in logs and "SIGKILL" not in logs
    # nginx's client_header_timeout closed every dribbling connection before it finished.
    assert all(cut_off)
    print(f"home p99 through nginx: baseline {p99(baseline):.1f} ms, with {SLOW_CLIENTS} slow clients "
          f"{p99(during):.1f} ms over {len(during)} requests")
