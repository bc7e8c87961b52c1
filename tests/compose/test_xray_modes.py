"""X-Ray in both of its modes, read back from the local AWS's X-Ray API (moto) for the same requests.

- `sdk` (the default): gunicorn with the X-Ray SDK sends UDP segments to a local socket, and each
  document is uploaded with PutTraceSegments, which is the X-Ray daemon's whole job (the daemon's
  Go module is not served here; see test_real_collector.py).
- `otel`: gunicorn with CRUDDUR_XRAY_MODE=otel sends its spans over OTLP/HTTP protobuf to the real
  collector, built by the Collector Builder from otel-collector/builder-config.yaml and started on
  the files compose gives it in that mode; its awsxray exporter uploads to moto. The backend never
  loads the X-Ray SDK.

In each mode: a signed-in feed (a segment with its service subsegment and the annotation), a 404
(`error`), a 500 from an injected fault (`fault`), and a load balancer's Root-only X-Amzn-Trace-Id
(the segment keeps the load balancer's trace id). On both databases."""
import json
import os
import subprocess
import time

import pytest
import requests

from cruddur.telemetry import propagation
from testkit import go_programs
from testkit.auth import bearer, sign_in
from testkit.gunicorn import BACKEND, BIN
from testkit.net import free_port
from testkit.receivers import MotoServer, wait_until, xray_id
from testkit.signals import signals_env
from testkit.workers import progress_line

from .collector_run import collector_configs, running_collector

pytestmark = pytest.mark.timeout(1800)  # the first run builds the collector

VERSION = "test-build-1"
HANDLE = "andrewbrown"
MODES = ("sdk", "otel")
# Where each mode puts the service's searchable annotation: the SDK's own key, the exporter's from
# the span attribute (collector release 0.159 keeps the dot: its exporter.xray.allowDot gate is on).
ANNOTATION = {"sdk": "user_handle", "otel": "app.user_handle"}


@pytest.fixture(scope="module")
def otelcol(request):
    return go_programs.collector(progress=lambda text: progress_line(request.config, text)).path


@pytest.fixture(scope="module")
def local_aws():
    moto = MotoServer().start()
    moto.reset()  # moto keeps its resources per process: forget what earlier modules made
    yield moto
    moto.stop()


@pytest.fixture(scope="module")
def collector(otelcol, local_aws, compose_with, tmp_path_factory):
    """The collector on the files compose gives it with CRUDDUR_XRAY_MODE=otel and no AWS account,
    its awsxray exporter pointed at the module's moto (Jaeger's exporter at a closed port)."""
    configs = collector_configs(compose_with, {"CRUDDUR_XRAY_MODE": "otel"})
    exporters = {"awsxray": {"endpoint": local_aws.url},
                 "otlp_grpc/jaeger": {"endpoint": f"127.0.0.1:{free_port()}"}}
    with running_collector(otelcol, configs, tmp_path_factory.mktemp("otelcol"), exporters,
                           env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}) as running:
        yield running


def mode_env(mode, database_url, receivers, collector_url=None):
    # No dynamic naming (AWS_XRAY_URL): both modes name the segment after OTEL_SERVICE_NAME.
    env = signals_env(database_url, receivers, CRUDDUR_VERSION=VERSION, AWS_XRAY_URL="",
                      CRUDDUR_FAULTS="notifications_activities:error")
    if mode == "otel":
        env.update(CRUDDUR_XRAY_MODE="otel", OTEL_EXPORTER_OTLP_ENDPOINT=collector_url)
    return env


class Daemon:
    """What the X-Ray daemon does with the SDK's datagrams: PutTraceSegments, each document once."""

    def __init__(self, receiver, xray):
        self.receiver, self.xray, self.sent = receiver, xray, 0

    def upload(self):
        documents = self.receiver.documents()
        for start in range(self.sent, len(documents), 50):  # the API's most per call
            batch = documents[start:start + 50]
            answer = self.xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(d) for d in batch])
            assert not answer["UnprocessedTraceSegments"], answer["UnprocessedTraceSegments"]
        self.sent = len(documents)


def alb_root():
    """A trace id as an Application Load Balancer makes one: 1-<epoch seconds>-<24 hex>."""
    return f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"


@pytest.fixture(scope="module")
def daemon(receivers, local_aws):
    return Daemon(receivers["xray"], local_aws.client("xray"))


@pytest.fixture(scope="module", params=MODES)
def run(request, module_database_url, receivers, start_server, daemon):
    mode = request.param
    collector_url = request.getfixturevalue("collector")["otlp_http"] if mode == "otel" else None
    env = mode_env(mode, module_database_url, receivers, collector_url)
    server = start_server(env, workers=1)
    url = server.url
    token = sign_in(HANDLE, url=url)
    root = alb_root()
    answers = {
        "feed": requests.get(f"{url}/api/activities/home", headers=bearer(token), timeout=10),
        "404": requests.get(f"{url}/api/users/@nobody_here/short", timeout=10),
        "500": requests.get(f"{url}/api/activities/notifications", headers=bearer(token), timeout=10),
        "alb": requests.get(f"{url}/api/activities/home", headers={"X-Amzn-Trace-Id": f"Root={root}"}, timeout=10),
    }
    assert [a.status_code for a in answers.values()] == [200, 404, 500, 200], [a.text for a in answers.values()]
    return {"mode": mode, "env": env, "answers": answers, "root": root, "server": server,
            "daemon": daemon if mode == "sdk" else None,
            "collector": request.getfixturevalue("collector") if mode == "otel" else None}


def documents(run, xray, trace_id, until):
    """The trace's documents from the X-Ray API, nested subsegments flattened (each with its
    parent_id), once `until(documents)` holds; the collector's log or the server's on failure."""

    def read():
        if run["daemon"] is not None:
            run["daemon"].upload()
        traces = xray.batch_get_traces(TraceIds=[trace_id])["Traces"]
        found = [] if not traces else flatten([json.loads(s["Document"]) for s in traces[0]["Segments"]])
        return found if until(found) else None

    found = wait_until(read, timeout=30, interval=0.3)
    if found is None:
        where = run["collector"]["log"] if run["collector"] else None
        pytest.fail(f"no such documents for {trace_id} in the local AWS's X-Ray: "
                    f"{where.read_text(errors='replace')[-3000:] if where else run['server'].output()[-3000:]}")
    return found


def flatten(docs, parent=None):
    flat = []
    for doc in docs:
        nested = doc.pop("subsegments", [])
        if parent is not None:
            doc.setdefault("parent_id", parent)
        flat.append(doc)
        flat.extend(flatten(nested, doc["id"]))
    return flat


def trace_id_of(response):
    return response.headers["traceresponse"].split("-")[1]


def segment_of(docs):
    [segment] = [d for d in docs if d.get("type") != "subsegment" and d["name"] == "backend-flask"]
    return segment


def has_segment_and(name=None):
    def check(docs):
        names = {d["name"] for d in docs}
        return "backend-flask" in names and (name is None or name in names)
    return check


def test_feed_is_a_segment_with_its_service_subsegment_and_annotation(run, local_aws):
    response = run["answers"]["feed"]
    trace_id = trace_id_of(response)
    assert propagation.parse(response.headers["X-Amzn-Trace-Id"]).trace_id == trace_id
    docs = documents(run, local_aws.client("xray"), xray_id(trace_id), has_segment_and("home_activities"))
    segment = segment_of(docs)
    assert segment["trace_id"] == xray_id(trace_id)
    assert segment["http"]["request"]["method"] == "GET"
    assert segment["http"]["response"]["status"] == 200
    assert segment["service"]["version"] == VERSION
    assert not segment.get("error") and not segment.get("fault")
    [service] = [d for d in docs if d["name"] == "home_activities"]
    assert service["parent_id"] == segment["id"]
    assert service["annotations"][ANNOTATION[run["mode"]]] == HANDLE
    # The signed-in user's token never leaves in a document.
    assert run["answers"]["feed"].request.headers["Authorization"].split()[1] not in json.dumps(docs)


def test_handled_404_flags_error_and_injected_500_flags_fault(run, local_aws):
    xray = local_aws.client("xray")
    not_found = segment_of(documents(run, xray, xray_id(trace_id_of(run["answers"]["404"])), has_segment_and()))
    assert not_found["error"] is True and not not_found.get("fault")
    assert not_found["http"]["response"]["status"] == 404
    failed = documents(run, xray, xray_id(trace_id_of(run["answers"]["500"])),
                       has_segment_and("notifications_activities"))
    assert segment_of(failed)["fault"] is True
    [service] = [d for d in failed if d["name"] == "notifications_activities"]
    assert service["fault"] is True


def test_load_balancers_root_is_the_segments_trace_id(run, local_aws):
    response = run["answers"]["alb"]
    root = run["root"]
    assert xray_id(trace_id_of(response)) == root
    assert propagation.parse(response.headers["X-Amzn-Trace-Id"]).xray_root == root
    segment = segment_of(documents(run, local_aws.client("xray"), root, has_segment_and("home_activities")))
    assert segment["trace_id"] == root
    # The load balancer records no segment. The SDK's segment has no parent; the exporter names the
    # span's parent, the stand-in derived from the Root (telemetry/propagation.py), which no segment has.
    stand_in = format(propagation.stand_in_parent(root[2:].replace("-", "")), "016x")
    assert segment.get("parent_id") == (stand_in if run["mode"] == "otel" else None)


def test_only_the_sdk_mode_loads_the_xray_sdk(run):
    """The app module gunicorn imports, in a fresh interpreter with the run's environment."""
    probe = "import sys, app; print('loaded:', [m for m in sys.modules if m.split('.')[0] == 'aws_xray_sdk'][:1])"
    out = subprocess.run([str(BIN / "python"), "-c", probe], cwd=BACKEND, env=run["env"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    [loaded] = [line for line in out.splitlines() if line.startswith("loaded: ")]
    assert (loaded != "loaded: []") == (run["mode"] == "sdk"), out
    assert ("xray=otel (" in run["server"].output()) == (run["mode"] == "otel")
