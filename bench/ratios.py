"""From raw rounds to numbers: medians per configuration, the target ratios and the floors' sum."""
import statistics

from bench.configs import FLOORS

TARGETS = {  # name: (what, comparison, bound, or {database: bound})
    "P1a": ("home req/s full ÷ bare", ">=", {"sqlite": 0.75, "postgresql": 0.80}),
    "P1a cpu": ("home CPU ms/request bare ÷ full (req/s ratio if CPU-bound; robust to other load)", ">=",
                {"sqlite": 0.75, "postgresql": 0.80}),
    "P1a otel-xray": ("home req/s full-otel-xray ÷ bare (X-Ray made by the collector)", ">=",
                      {"sqlite": 0.75, "postgresql": 0.80}),
    "P1a cpu otel-xray": ("home CPU ms/request bare ÷ full-otel-xray", ">=", {"sqlite": 0.75, "postgresql": 0.80}),
    "P1b": ("home req/s sampled ÷ bare", ">=", 0.95),
    "P1b cpu": ("home CPU ms/request bare ÷ sampled", ">=", 0.95),
    "floors": ("home CPU ms/request full ÷ sum of the floors (bare + each library's own cost)", "<=",
               1.10),
    "full÷course": ("home req/s full ÷ course", None, None),
    "P2": ("home p99 down ÷ full", "<=", 1.10),
    "P3": ("p50 at largest ÷ at smallest size (full)", "<=", 1.5),
    "memory": ("peak RSS (VmHWM) per worker full ÷ bare", None, None),
    "rss": ("resident memory (VmRSS) per worker after the rounds, full ÷ bare", None, None),
}


def bound_for(name, database):
    bound = TARGETS[name][2]
    return bound.get(database) if isinstance(bound, dict) else bound


# What each floor adds to: floor-sqlalchemy is floor-flask plus the SQLAlchemy instrumentation.
FLOOR_BASE = {"floor-sqlalchemy": "floor-flask"}


def floor_cost(cpu, database, size, name):
    """A floor's own CPU per request: over bare, or over the floor it extends."""
    floor, base = cpu(database, size, name), cpu(database, size, FLOOR_BASE.get(name, "bare"))
    return None if floor is None or base is None else floor - base


def floor_sum(cpu, database, size):
    """bare's CPU per request plus each library's own cost, or None while one is missing."""
    bare = cpu(database, size, "bare")
    costs = [floor_cost(cpu, database, size, name) for name in FLOORS]
    if bare is None or None in costs:
        return None
    return bare + sum(costs)


def _key(row, *fields):
    return tuple(row[f] for f in fields)


def summarize(results):
    grouped = {}
    for run in results["runs"]:
        grouped.setdefault(_key(run, "database", "size", "path", "config"), []).append(run)
    memory = {_key(m, "database", "size", "config"): m for m in results["memory"]}
    largest = lambda values: max((v for v in values if v is not None), default=None)  # noqa: E731
    table = []
    for (database, size, path, config), runs in grouped.items():
        table.append({"database": database, "size": size, "path": path, "config": config, "rounds": len(runs),
                      **{k: _median(r.get(k) if r.get("requests") or k == "rps" else None for r in runs)
                         for k in ("rps", "p50_ms", "p99_ms", "cpu_ms_per_request")},
                      "errors": sum(r["non_2xx"] + r["socket_errors"] for r in runs),
                      "peak_rss_mib": largest(memory.get((database, size, config), {}).get("peak", [])),
                      "rss_mib": largest(memory.get((database, size, config), {}).get("rss", []))})
    return {"table": table, "ratios": ratios(table)}


def _median(values):
    """Median of the rounds that measured something (a round where every request timed out has no latency)."""
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def ratios(table):
    cell = {_key(r, "database", "size", "path", "config"): r for r in table}
    get = lambda db, size, path, config, field: cell.get((db, size, path, config), {}).get(field)  # noqa: E731
    datasets = sorted({(r["database"], r["size"]) for r in table})
    rows = []
    for db, size in datasets:
        per = {
            "P1a": ratio(get(db, size, "home", "full", "rps"), get(db, size, "home", "bare", "rps")),
            "P1a cpu": ratio(get(db, size, "home", "bare", "cpu_ms_per_request"),
                              get(db, size, "home", "full", "cpu_ms_per_request")),
            "P1a otel-xray": ratio(get(db, size, "home", "full-otel-xray", "rps"),
                                   get(db, size, "home", "bare", "rps")),
            "P1a cpu otel-xray": ratio(get(db, size, "home", "bare", "cpu_ms_per_request"),
                                       get(db, size, "home", "full-otel-xray", "cpu_ms_per_request")),
            "P1b": ratio(get(db, size, "home", "sampled", "rps"), get(db, size, "home", "bare", "rps")),
            "P1b cpu": ratio(get(db, size, "home", "bare", "cpu_ms_per_request"),
                              get(db, size, "home", "sampled", "cpu_ms_per_request")),
            "full÷course": ratio(get(db, size, "home", "full", "rps"), get(db, size, "home", "course", "rps")),
            "P2": ratio(get(db, size, "home", "down", "p99_ms"), get(db, size, "home", "full", "p99_ms")),
            "memory": ratio(get(db, size, "home", "full", "peak_rss_mib"),
                             get(db, size, "home", "bare", "peak_rss_mib")),
            "rss": ratio(get(db, size, "home", "full", "rss_mib"), get(db, size, "home", "bare", "rss_mib")),
            "floors": ratio(get(db, size, "home", "full", "cpu_ms_per_request"),
                             floor_sum(lambda d, s, c: get(d, s, "home", c, "cpu_ms_per_request"), db, size)),
        }
        rows += [{"name": name, "database": db, "size": size, "value": value} for name, value in per.items()]
    for db in sorted({d for d, _ in datasets}):
        sizes = sorted(s for d, s in datasets if d == db)
        if len(sizes) < 2:
            continue
        for path in ("home", "home100", "user", "search"):
            for config in ("full", "bare"):
                value = ratio(get(db, sizes[-1], path, config, "p50_ms"), get(db, sizes[0], path, config, "p50_ms"))
                timeouts = get(db, sizes[-1], path, config, "errors")
                if value is not None or timeouts:
                    rows.append({"name": "P3", "database": db, "size": sizes[-1], "from_size": sizes[0],
                                 "path": path, "config": config, "value": value,
                                 "timeouts": timeouts or 0})
    headline = _headline_datasets(datasets)
    for row in rows:
        _what, op, _ = TARGETS[row["name"]]
        bound = bound_for(row["name"], row["database"])
        row["bound"] = bound
        row["headline"] = row.get("config") == "full" if row["name"] == "P3" \
            else (row["database"], row["size"]) in headline
        if op and row["value"] is not None:
            row["met"] = row["value"] >= bound if op == ">=" else row["value"] <= bound
        if row.get("timeouts"):  # the p50 counts only the requests that finished within wrk's timeout
            row["met"] = False
    return rows


def _headline_datasets(datasets):
    """The issue's P1 datasets: SQLite at its smallest size, PostgreSQL at (or nearest) 100k activities."""
    chosen = set()
    sqlite = sorted(s for d, s in datasets if d == "sqlite")
    postgres = sorted((abs(s - 100_000), s) for d, s in datasets if d == "postgresql")
    if sqlite:
        chosen.add(("sqlite", sqlite[0]))
    if postgres:
        chosen.add(("postgresql", postgres[0][1]))
    return chosen
