"""Frontend benchmark (not a test): initial JS size, gzip, and time to first feed render in
headless Chromium on loopback, against gunicorn on a seeded SQLite database.

    .venv/bin/python -m bench.frontend [--runs 15]
"""
import argparse
import gzip
import re
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from testkit.frontend import CHROMIUM, CHROMIUM_ARGS, StaticFrontend, build_frontend, start_backend
from testkit.net import free_port

# Records, in the page's own clock, when the first feed item is in the DOM.
FIRST_RENDER_PROBE = """
new MutationObserver((_, observer) => {
  if (document.querySelector('.activity-feed .activity-item')) {
    window.__firstFeedRender = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""


def initial_js(dist):
    """The entry script plus its modulepreloads: what the browser fetches before first render."""
    html = (dist / "index.html").read_text()
    paths = re.findall(r'<script[^>]+type="module"[^>]+src="/([^"]+)"', html)
    paths += re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="/([^"]+)"', html)
    files = [dist / p for p in paths]
    lazy = [f for f in (dist / "assets").glob("*.js") if f not in files]
    return files, lazy


def gz(path):
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def new_probed_context(browser):
    context = browser.new_context()
    context.add_init_script(FIRST_RENDER_PROBE)
    return context


# Where the time went: scripts parsed (DOMContentLoaded) and the feed request's span.
TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const feed = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/activities/home'));
  return { render: window.__firstFeedRender, scripts: nav.domContentLoadedEventEnd,
           feedStart: feed.startTime, feedEnd: feed.responseEnd };
}"""


def first_render_ms(page, url):
    """Milliseconds from navigation start to the first feed item in the DOM, and a breakdown."""
    page.goto(url)
    page.wait_for_function("window.__firstFeedRender !== undefined", timeout=30_000)
    return page.evaluate(TIMINGS)


def cold_render_ms(browser, url):
    context = new_probed_context(browser)
    try:
        return first_render_ms(context.new_page(), url)
    finally:
        context.close()


def summary(values):
    ordered = sorted(values)
    if not ordered:
        return "no runs"
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   min {ordered[0]:7.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cruddur-bench-frontend-") as workdir:
        measure(Path(workdir), args.runs)


def measure(workdir, count):
    """Serve a fresh build next to a seeded backend in `workdir`, and print the figures."""
    ui_port = free_port()
    backend = start_backend(workdir, f"http://127.0.0.1:{ui_port}")
    ui = None
    try:
        dist = build_frontend(workdir / "dist", VITE_BACKEND_URL=backend.url)
        ui = StaticFrontend(dist, ui_port).start()

        files, lazy = initial_js(dist)
        raw, packed = sum(f.stat().st_size for f in files), sum(gz(f) for f in files)
        print(f"initial JS: {len(files)} file(s), {raw / 1024:.1f} KB raw, {packed / 1024:.1f} KB gzip")
        for f in sorted(lazy):
            print(f"  lazy chunk {f.name}: {f.stat().st_size / 1024:.1f} KB raw, {gz(f) / 1024:.1f} KB gzip")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            cold_render_ms(browser, ui.url + "/")  # warm the server and the OS caches
            cold = [cold_render_ms(browser, ui.url + "/") for _ in range(count)]
            context = new_probed_context(browser)
            page = context.new_page()
            first_render_ms(page, ui.url + "/")
            warm = [first_render_ms(page, ui.url + "/") for _ in range(count)]
            context.close()
            browser.close()
        for label, runs in (("new profile each run", cold), ("reload with HTTP cache", warm)):
            print(f"first feed render, home, {label} ({count} runs): {summary([r['render'] for r in runs])}")
            print(f"  of which scripts ready (DOMContentLoaded): {summary([r['scripts'] for r in runs])}")
            print(f"  of which the feed request (CORS preflight + GET): "
                  f"{summary([r['feedEnd'] - r['feedStart'] for r in runs])}")
    finally:
        if ui:
            ui.stop()
        backend.stop()


if __name__ == "__main__":
    main()
