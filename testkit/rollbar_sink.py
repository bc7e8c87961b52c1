"""The local Rollbar sink that docker compose runs (rollbar-sink/nginx.conf), as Debian's nginx on a
loopback port: the shipped server block, with only its port and its items file moved, inside a
minimal main config whose pid, logs and temp files live in the sink's own directory. Started and
stopped by PID."""
import json
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import requests

from .net import free_port, wait_for_http
from .paths import ROOT

SHIPPED_CONF = ROOT / "rollbar-sink" / "nginx.conf"
NGINX = "/usr/sbin/nginx"
ITEMS_FILE = "/tmp/rollbar-items.jsonl"  # where the shipped config keeps the items, in the container

MAIN_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 256; }}
http {{
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/rollbar-sink.conf;
}}
"""


def render(conf, port, items_path):
    """The shipped server block listening on 127.0.0.1:`port`, keeping its items in `items_path`.
    Fails if the shipped config no longer has what is replaced (a test would otherwise run another one)."""
    replacements = ((" listen 8088;", f" listen 127.0.0.1:{port};"),
                    ("http://127.0.0.1:8088/", f"http://127.0.0.1:{port}/"),
                    (ITEMS_FILE, str(items_path)))
    for old, new in replacements:
        if old not in conf:
            raise ValueError(f"rollbar-sink/nginx.conf no longer has {old!r}")
        conf = conf.replace(old, new)
    return conf


class RollbarSink:
    """rollbar-sink/nginx.conf on a free loopback port. `url` is the sink's base (as the README's
    `curl http://localhost:8088/items.jsonl`), `api` the Rollbar endpoint the backend posts to."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.url}/api/1/"
        self.dir = Path(tempfile.mkdtemp(prefix="cruddur-rollbar-sink-"))
        self.dir.chmod(0o755)  # nginx's worker runs as an unprivileged user: it serves items.jsonl from here
        self.items_path = self.dir / "rollbar-items.jsonl"
        self.output = self.dir / "output.log"  # the container's output: the shipped `access_log /dev/stdout`
        self.process = None

    def start(self):
        (self.dir / "nginx.conf").write_text(MAIN_CONF.format(dir=self.dir))
        (self.dir / "rollbar-sink.conf").write_text(render(SHIPPED_CONF.read_text(), self.port, self.items_path))
        command = [NGINX, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")]
        subprocess.run([*command, "-t", "-q"], check=True, capture_output=True)
        with open(self.output, "wb") as output:
            self.process = subprocess.Popen(command, start_new_session=True, stdout=output,
                                            stderr=subprocess.STDOUT)
        wait_for_http(self.url + "/healthz", timeout=20, process=self.process)
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def post(self, body, **kwargs):
        """POST `body` (bytes or str) to the item endpoint as pyrollbar does."""
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        return requests.post(self.api + "item/", data=body, headers=headers, timeout=10, **kwargs)

    def items_text(self):
        """items.jsonl as the sink serves it."""
        reply = requests.get(self.url + "/items.jsonl", timeout=10)
        reply.raise_for_status()
        return reply.text

    def lines(self):
        """Each line of items.jsonl, parsed: {"time", "body"}."""
        return [json.loads(line) for line in self.items_text().splitlines() if line.strip()]

    def items(self):
        """The items the sink holds: each line's body, parsed. A line with an empty body is skipped: the
        shipped config also logs the requests it refuses (a GET, a body over 1 MiB) with no body."""
        return [json.loads(line["body"]) for line in self.lines() if line["body"]]

    def error_log(self):
        path = self.dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        """Stop nginx (master and worker) by the master's PID, and remove the sink's directory."""
        if self.alive():
            self.process.send_signal(signal.SIGQUIT)  # graceful: the worker finishes and exits
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)
