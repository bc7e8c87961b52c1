"""The real docker-compose.yml, started on the test's own engine with the test-only override."""
import json
import time
from pathlib import Path

from testkit.net import free_port

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PROJECT = "cruddur-compose-up"
HONEYCOMB_TEST_KEY = "cruddur-compose-up-test-key"  # reaches only the Honeycomb stand-in
# One service faults on purpose, for a Rollbar item: the notifications feed, which no other
# compose-up test reads.
FAULTS = "notifications_activities:error"


class Stack:
    """`receivers_image` None: the upstream images, including the daemon, the collector and Jaeger."""

    def __init__(self, engine, receivers_image, captured):
        self.engine = engine
        self.upstream = receivers_image is None
        files = [REPO / "docker-compose.yml", HERE / "compose.test.yml"]
        if not self.upstream:
            files.append(HERE / "compose.receivers.yml")
        self.files = [arg for path in files for arg in ("-f", str(path))]
        self.ports = {name: free_port() for name in ("ui", "collector", "moto", "jaeger", "rollbar")}
        self.url = f"http://localhost:{self.ports['ui']}"
        self.captured = captured
        self.env = {
            "CRUDDUR_TEST_UI_PORT": str(self.ports["ui"]),
            "CRUDDUR_TEST_COLLECTOR_PORT": str(self.ports["collector"]),
            "CRUDDUR_TEST_MOTO_PORT": str(self.ports["moto"]),
            "CRUDDUR_TEST_JAEGER_PORT": str(self.ports["jaeger"]),
            "CRUDDUR_TEST_ROLLBAR_PORT": str(self.ports["rollbar"]),
            "CRUDDUR_TEST_RECEIVERS": receivers_image or "",
            "CRUDDUR_TEST_CAPTURED": str(captured),
            # What a user exports for their own URLs; no AWS credentials and no Rollbar token.
            "FRONTEND_URL": self.url, "BACKEND_URL": self.url,
            "OTEL_COLLECTOR_URL": f"http://localhost:{self.ports['collector']}",
            "CRUDDUR_FAULTS": FAULTS,
        }
        if not self.upstream:  # a Honeycomb key, with Honeycomb's endpoint at its stand-in
            self.env.update(HONEYCOMB_API_KEY=HONEYCOMB_TEST_KEY, HONEYCOMB_ENDPOINT="http://honeycomb:4318")
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                     "AWS_PROFILE", "ROLLBAR_ACCESS_TOKEN", "HONEYCOMB_API_KEY"):
            self.env.setdefault(name, "")  # the test's own shell must not leak an account in

    def compose(self, *args, timeout=1200, check=True):
        return self.engine.compose("-p", PROJECT, *self.files, *args, env=self.env, timeout=timeout, check=check)

    def up(self, *args):
        return self.compose("up", "--detach", "--build", "--scale", "backend-flask=2", *args)

    def containers(self):
        """docker inspect of every container of the project, stopped ones included."""
        ids = self.compose("ps", "--all", "--quiet").stdout.split()
        return json.loads(self.engine.docker("inspect", *ids).stdout) if ids else []

    @staticmethod
    def service(container):
        return container["Config"]["Labels"]["com.docker.compose.service"]

    def wait_healthy(self, timeout=300):
        deadline = time.monotonic() + timeout
        while True:
            states = {c["Name"]: self._state(c) for c in self.containers()}
            if states and all(state in ("healthy", "completed") for state in states.values()):
                return states
            if any(state in ("failed", "unhealthy") for state in states.values()) or time.monotonic() > deadline:
                raise AssertionError(f"the stack did not become healthy: {states}\n"
                                     + self.compose("logs", "--no-color", check=False).stdout[-6000:])
            time.sleep(1)

    def _state(self, container):
        state = container["State"]
        if self.service(container) == "migrate" and state["Status"] == "exited":
            return "completed" if state["ExitCode"] == 0 else "failed"
        return state.get("Health", {}).get("Status", state["Status"])

    def logs(self, service):
        """What the service's containers wrote, as `docker logs` has it (no compose decoration)."""
        out = []
        for container in self.containers():
            if self.service(container) == service:
                result = self.engine.docker("logs", container["Id"], check=False)
                out.append(result.stdout + result.stderr)
        return "".join(out)

    def captured_files(self, role):
        folder = self.captured / role
        return [path.read_bytes() for path in sorted(folder.glob("*.bin"))] if folder.exists() else []

    def captured_requests(self, role):
        """(headers, body) of each request a receiver kept with its headers (the Honeycomb stand-in)."""
        folder = self.captured / role
        paths = sorted(folder.glob("*.bin")) if folder.exists() else []
        return [(json.loads(path.with_suffix(".headers.json").read_text()), path.read_bytes())
                for path in paths if path.with_suffix(".headers.json").exists()]

    def down(self, *args):
        return self.compose("down", "--timeout", "20", *args, check=False)
