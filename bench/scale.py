"""P3, side by side: every list route at the smallest and the largest dataset, served at once and
measured in interleaved rounds, so that other load on the machine falls on both sizes alike.

For each database, one bare gunicorn per size serves its cached dataset (bench/datasets.py). Each
round runs wrk on every route, at both sizes, in an order that alternates from round to round.
P3 is the median p50 at the largest size ÷ the median p50 at the smallest, per route; the
signed-in routes (notifications, conversations, messages) run as `bench0001`, the busiest user.

Usage: bin/bench --scale [--sizes 1k,1m] [--databases sqlite,postgresql] [--rounds N] [--seconds S]"""
import statistics
from urllib.parse import quote

import requests

from bench import datasets, measure
from bench.ratios import TARGETS
from testkit.auth import sign_in
from testkit.gunicorn import Gunicorn, backend_env

ROUTES = {
    "home": "/api/activities/home",
    "home100": "/api/activities/home?limit=100",
    "profile": "/api/activities/@{handle}",
    "search": "/api/activities/search?term={term}",
    "status": "/api/activities/@{busiest_handle}/status/{busiest_uuid}",
    "notifications": "/api/activities/notifications",
    "message_groups": "/api/message_groups",
    "messages": "/api/messages/{group_uuid}",
}
SIGNED_IN = {"notifications", "message_groups", "messages"}


def _targets(server, dataset):
    """The URL of every route on this server, and the bearer header for the signed-in ones."""
    token = sign_in(dataset.user_handle, url=server.url)
    auth = {"Authorization": f"Bearer {token}"}
    busiest = max(requests.get(server.url + "/api/activities/home?limit=100", timeout=30).json(),
                  key=lambda a: a["replies_count"])
    groups = requests.get(server.url + "/api/message_groups", headers=auth, timeout=30).json()
    values = {"handle": dataset.user_handle, "term": quote(dataset.search_term), "busiest_handle": busiest["handle"],
              "busiest_uuid": busiest["uuid"], "group_uuid": groups[0]["uuid"]}
    urls = {name: server.url + path.format(**values) for name, path in ROUTES.items()}
    for name, url in urls.items():
        response = requests.get(url, headers=auth if name in SIGNED_IN else {}, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{dataset.label} answered {response.status_code} on {name}: {response.text[:300]}")
    return urls, [f"Authorization: Bearer {token}"]


def run(args, workdir):
    sizes = (args.sizes[0], args.sizes[-1])
    results = {"runs": [], "p3": [], "bound": TARGETS["P3"][2]}
    for database in args.databases:
        pg = datasets.CachedPostgres().start() if database == "postgresql" else None
        servers = {}
        try:
            loaded = {size: pg.dataset(size) if pg else datasets.sqlite_dataset(size) for size in sizes}
            for size, dataset in loaded.items():
                print(f"==> {dataset.label}: starting gunicorn ({args.workers} workers)", flush=True)
                servers[size] = Gunicorn(backend_env(dataset.url), workers=args.workers,
                                         log_path=workdir / f"scale-{database}-{size}.log").start()
            targets = {size: _targets(servers[size], loaded[size]) for size in sizes}
            for urls, auth in targets.values():  # warm every worker's connections and caches
                for name, url in urls.items():
                    measure.wrk(url, 1, headers=auth if name in SIGNED_IN else ())
            total, done = args.rounds * len(ROUTES) * len(sizes), 0
            for round_no in range(args.rounds):
                for name in ROUTES:
                    for size in sizes if round_no % 2 == 0 else reversed(sizes):
                        urls, auth = targets[size]
                        result = measure.wrk(urls[name], args.seconds, headers=auth if name in SIGNED_IN else ())
                        done += 1
                        results["runs"].append({"database": database, "size": size, "route": name,
                                                "round": round_no + 1, **result})
                        errors = f"  non-2xx {result['non_2xx']}" if result["non_2xx"] else ""
                        print(f"[{done}/{total}] {loaded[size].label:16s} {name:14s} "
                              f"p50 {result['p50_ms'] or 0:8.2f} ms  {result['rps']:8.1f} req/s{errors}", flush=True)
        finally:
            for server in servers.values():
                server.stop()
            if pg:
                pg.stop()
        for name in ROUTES:
            p50 = {size: statistics.median(r["p50_ms"] for r in results["runs"]
                                           if (r["database"], r["size"], r["route"]) == (database, size, name))
                   for size in sizes}
            errors = sum(r["non_2xx"] + r["socket_errors"] for r in results["runs"]
                         if (r["database"], r["route"]) == (database, name))
            results["p3"].append({"database": database, "route": name, "from_size": sizes[0], "size": sizes[1],
                                  "p50_small_ms": p50[sizes[0]], "p50_large_ms": p50[sizes[1]],
                                  "value": p50[sizes[1]] / p50[sizes[0]], "errors": errors})
    return results


def markdown(results):
    lines = ["# P3: list routes at the largest ÷ the smallest dataset, side by side", "",
             f"`{results['meta']['command']}`. Both sizes served at once and measured in alternating rounds; "
             "p50 by wrk "
             f"(-t{measure.THREADS} -c{measure.CONNECTIONS}, bare configuration), median over the rounds.", "",
             "| database | route | p50 small (ms) | p50 large (ms) | large ÷ small | goal | errors |",
             "|---|---|---|---|---|---|---|"]
    for row in results["p3"]:
        met = "met" if row["value"] <= results["bound"] else "NOT met"
        lines.append(f"| {row['database']} | {row['route']} | {row['p50_small_ms']:.2f} | {row['p50_large_ms']:.2f} "
                     f"| {row['value']:.2f} | <= {results['bound']} ({met}) | {row['errors']} |")
    return "\n".join(lines) + "\n"
