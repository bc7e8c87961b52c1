"""Debian's nginx running Cruddur's shipped edge template, and Debian's redis-server holding the
limits: real processes on loopback ports, started and stopped by PID."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .net import free_port, wait_for_http
from .paths import FRONTEND

TEMPLATES = FRONTEND / "nginx" / "templates"
# The shipped upstream's parameters for each replica (`server ${BACKEND_ADDR} <these>;`): a test's own
# replicas get the same. FAIL_TIMEOUT_S is how long nginx keeps a replica it could not reach out of turn.
SERVER_PARAMETERS = re.search(r"server \$\{BACKEND_ADDR\} ([^;]*);",
                              (TEMPLATES / "upstream.conf.template").read_text()).group(1)
FAIL_TIMEOUT_S = int(re.search(r"fail_timeout=(\d+)s", SERVER_PARAMETERS).group(1))
# The image's NGINX_REAL_IP_FROM: the peers whose X-Forwarded-For nginx believes (real_ip.conf.template).
REAL_IP_FROM = re.search(r"NGINX_REAL_IP_FROM=(\S+)", (FRONTEND / "Dockerfile").read_text()).group(1)

# The image's own nginx.conf, less what a test does not need: its `events` block
# (worker_connections 1024, per worker) and the http block that includes every rendered template.
# The image runs `worker_processes auto` (one per core); one worker here holds the edge to the
# smaller figure, 1024 connections in all. A container's open-file limit is far above 1024, so
# worker_connections is what runs out first, here too.
MAIN_CONF = """\
worker_processes 1;
worker_rlimit_nofile 8192;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/conf.d/*.conf;
}}
"""


def render(template, env):
    """What the nginx image's entrypoint does to /etc/nginx/templates/*.template: envsubst with
    only the variables that are defined, so nginx's own $variables pass through untouched."""
    shell_format = " ".join(f"${{{name}}}" for name in env)
    return subprocess.run(["envsubst", shell_format], input=template.read_text(), env=env,
                          capture_output=True, text=True, check=True).stdout


def _stop(process, timeout=15):
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Nginx:
    """The shipped server block, rendered as the image renders it, in front of `backends`
    (host:port strings) given as this test's own upstream block; `root` serves the UI's files
    from another directory than the image's /usr/share/nginx/html. `real_ip_from` is
    NGINX_REAL_IP_FROM: by default the image's own (frontend-react-js/Dockerfile), which trusts no
    client's X-Forwarded-For; a test standing for a load balancer passes its proxies' range."""

    def __init__(self, backends, root=None, real_ip_from=REAL_IP_FROM):
        self.backends = backends
        self.real_ip_from = real_ip_from
        self.root = root  # another directory for the UI's files than the image's
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="cruddur-nginx-"))
        self.dir.chmod(0o755)  # nginx's workers run as an unprivileged user and write temp files here
        self.process = None

    def _write_config(self):
        conf_d = self.dir / "conf.d"
        conf_d.mkdir(exist_ok=True)
        (self.dir / "nginx.conf").write_text(MAIN_CONF.format(dir=self.dir))
        env = {"NGINX_PORT": f"127.0.0.1:{self.port}", "NGINX_REAL_IP_FROM": self.real_ip_from,
               "PATH": os.environ["PATH"]}
        # Every shipped template, as the image renders them, except the upstream: the test's own
        # replicas stand in for `server ${BACKEND_ADDR}`.
        for template in sorted(TEMPLATES.glob("*.template")):
            if template.name != "upstream.conf.template":
                conf = render(template, env)
                if self.root:
                    conf = conf.replace("root /usr/share/nginx/html;", f"root {self.root};")
                (conf_d / template.name.removesuffix(".template")).write_text(conf)
        servers = "".join(f"    server {b} {SERVER_PARAMETERS};\n" for b in self.backends)
        (conf_d / "upstream.conf").write_text(f"upstream cruddur_backend {{\n{servers}}}\n")

    def start(self):
        self._write_config()
        subprocess.run(["nginx", "-t", "-q", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
                       check=True, capture_output=True)
        self.process = subprocess.Popen(["nginx", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
                                        start_new_session=True, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_for_http(self.url + "/healthz", process=self.process)
        return self

    def stop(self):
        """Stop nginx and remove its directory (config, logs, temp files)."""
        _stop(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """redis-server on a loopback port, without persistence; restartable on the same port."""

    def __init__(self):
        self.port = free_port()
        self.uri = f"redis://127.0.0.1:{self.port}/0"
        self.dir = None
        self.process = None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="cruddur-redis-")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--daemonize", "no"],
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        return self

    def stop(self):
        """Stop redis-server and remove its working directory; `start()` makes a new one."""
        _stop(self.process)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
