"""The benchmark's chart: throughput and latency per configuration and data size, as a PNG."""
from bench.datasets import size_label


def chart(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table, configs = results["summary"]["table"], results["meta"]["configs"]
    panels = [("home", "rps", "home feed: requests/s"), ("home", "p50_ms", "home feed: p50 ms"),
              ("home", "p99_ms", "home feed: p99 ms"), ("user", "p50_ms", "user feed: p50 ms"),
              ("search", "p50_ms", "search: p50 ms"), ("search", "p99_ms", "search: p99 ms")]
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5))
    for ax, (page, field, title) in zip(axes.flat, panels, strict=False):
        rows = [r for r in table if r["path"] == page]
        datasets = sorted({(r["database"], r["size"]) for r in rows})
        width = 0.8 / max(len(configs), 1)
        for n, config in enumerate(configs):
            values = {(r["database"], r["size"]): r[field] for r in rows if r["config"] == config}
            xs = [i + (n - (len(configs) - 1) / 2) * width for i in range(len(datasets))]
            ax.bar(xs, [values.get(d) or 0 for d in datasets], width, label=config)
        ax.set_xticks(range(len(datasets)), [f"{d}\n{size_label(s)}" for d, s in datasets], fontsize=8)
        ax.set_title(title, fontsize=10)
        measured = [r[field] for r in rows if r[field]]
        if field != "rps" and measured and max(measured) > 20 * min(measured):
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    meta = results["meta"]
    fig.suptitle(f"Cruddur benchmark {meta['started'][:10]} — {meta['workers']} gunicorn workers, wrk {meta['wrk']}, "
                 f"medians of {meta['rounds']} rounds × {meta['seconds']} s", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
