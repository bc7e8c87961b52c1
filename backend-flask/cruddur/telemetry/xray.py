"""AWS X-Ray: one segment per request from XRayMiddleware, sharing the OTEL trace id.

On when `AWS_XRAY_SDK_ENABLED` is true, or `AWS_XRAY_DAEMON_ADDRESS` is set (and X-Ray is not
explicitly disabled), in app.config. Each app has its own `AWSXRayRecorder` (`XRay.recorder`),
given to its XRayMiddleware and used for its services' subsegments: the SDK's module-level
`xray_recorder` is never used. Sampling uses local rules derived from the centralised rule in
`xray_sampling_rule.json` beside this module (`aws/json/xray.json` links to it, so the image,
built from backend-flask/ alone, carries the same file), so nothing polls the daemon over TCP;
when OTEL is on, its sampling decision is handed to X-Ray instead.

Process-wide by nature: the SDK's on/off switch (`global_sdk_config`, which also obeys
AWS_XRAY_SDK_ENABLED in the environment over any call), switched on by any app with X-Ray on."""
import json
import logging
import socket
from pathlib import Path

from aws_xray_sdk import global_sdk_config
from aws_xray_sdk.core import xray_recorder as sdk_default_recorder
from aws_xray_sdk.core.emitters.udp_emitter import PROTOCOL_DELIMITER, PROTOCOL_HEADER
from aws_xray_sdk.core.exceptions.exceptions import SegmentNotFoundException
from aws_xray_sdk.core.recorder import SERVICE_INFO, AWSXRayRecorder
from aws_xray_sdk.core.sampling.local.sampler import LocalSampler
from aws_xray_sdk.ext.flask.middleware import XRayMiddleware
from flask import request
from opentelemetry import trace

from . import patches, propagation, resource

log = logging.getLogger("cruddur.telemetry.xray")

RULES_FILE = Path(__file__).resolve().with_name("xray_sampling_rule.json")
DEFAULT_DAEMON = "127.0.0.1:2000"
_process = {"enabled_apps": 0}

# The SDK's module-level recorder opens a UDP socket for its emitter when it is imported. Cruddur
# never sends through it (each app has its own recorder), so the socket is closed at once.
patches.close_udp_emitter(sdk_default_recorder.emitter)


def enabled_in(config):
    flag = config["AWS_XRAY_SDK_ENABLED"].strip().lower()
    if flag in ("false", "0", "no"):
        return False
    return flag in ("true", "1", "yes") or bool(config["AWS_XRAY_DAEMON_ADDRESS"])


def local_rules(path=RULES_FILE):
    """Translate the centralised rule (aws/json/xray.json) into the SDK's local rule format."""
    try:
        rule = json.loads(Path(path).read_text())["SamplingRule"]
    except (OSError, ValueError, KeyError):
        return None
    target = {"fixed_target": int(rule["ReservoirSize"]), "rate": float(rule["FixedRate"])}
    return {"version": 2, "default": target, "rules": [{
        "description": rule.get("RuleName", "Cruddur"),
        "host": rule.get("Host", "*"),
        "http_method": rule.get("HTTPMethod", "*"),
        "url_path": rule.get("URLPath", "*"),
        **target,
    }]}


def udp_address(address):
    """(host, port) of the daemon's UDP listener, from `host:port` or `tcp:h:p udp:h:p`."""
    parts = address.split()
    udp = next((p[len("udp:"):] for p in parts if p.startswith("udp:")), parts[0] if parts else DEFAULT_DAEMON)
    host, _, port = udp.rpartition(":")
    return host, int(port)


class SegmentEmitter:
    """Sends segments to the daemon on a connected, non-blocking UDP socket of its own.

    A datagram queued at a slow reader stays charged to the sender's buffer, so a blocking socket
    stalls the request once the daemon falls behind; this one drops the segment instead (and
    counts it). It also skips the debug line the SDK's emitter formats from every segment."""

    def __init__(self, daemon_address):
        self.address = udp_address(daemon_address)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self._connected = False
        self.dropped = 0

    def send_entity(self, entity):
        try:
            if not self._connected:
                self.sock.connect(self.address)
                self._connected = True
            self.sock.send(f"{PROTOCOL_HEADER}{PROTOCOL_DELIMITER}{entity.serialize()}".encode())
        except Exception:  # a full buffer or a missing daemon must never reach the request
            self.dropped += 1
            log.debug("could not send a segment to the X-Ray daemon", exc_info=True)

    def close(self):
        self.sock.close()


def _share_trace_id():
    """Hand OTEL's trace id and sampling decision to the X-Ray middleware that runs next.

    Runs between the OTEL server span's hook and XRayMiddleware's hook; it must never raise."""
    try:
        ctx = trace.get_current_span().get_span_context()
        if not ctx.is_valid:
            _clean_header()
            return
        incoming = propagation.parse(request.environ.get("HTTP_X_AMZN_TRACE_ID"))
        # The caller's Parent only when it is valid and of this trace; a load balancer's Root-only
        # header leaves the segment without a parent (OTEL's stand-in parent is no segment).
        parent = incoming.parent if incoming is not None and int(incoming.trace_id, 16) == ctx.trace_id else None
        header = propagation.TraceHeader(format(ctx.trace_id, "032x"), parent, ctx.trace_flags.sampled)
        request.environ["HTTP_X_AMZN_TRACE_ID"] = header.to_header()
    except Exception:
        log.debug("could not share the trace id with X-Ray", exc_info=True)


def _clean_header():
    """With OTEL off: the middleware that runs next reads only valid fields of X-Amzn-Trace-Id (the
    SDK's parser keeps any Root, so a malformed one would become the segment's trace id). A header
    without a valid Root keeps only its sampling decision (edge.py's, or the caller's).

    Runs just before XRayMiddleware's hook; it must never raise."""
    try:
        raw = request.environ.get("HTTP_X_AMZN_TRACE_ID")
        if raw is None:
            return
        header = propagation.parse(raw)
        if header is not None:
            request.environ["HTTP_X_AMZN_TRACE_ID"] = header.to_header()
            return
        sampled = next((v.strip() for k, _, v in (p.partition("=") for p in raw.split(";"))
                        if k.strip() == "Sampled" and v.strip() in ("0", "1")), None)
        if sampled is None:
            del request.environ["HTTP_X_AMZN_TRACE_ID"]
        else:
            request.environ["HTTP_X_AMZN_TRACE_ID"] = f"Sampled={sampled}"
    except Exception:
        log.debug("could not clean the X-Ray trace header", exc_info=True)


def _identify_segment(recorder, identity):
    """A before_request hook, after XRayMiddleware's: the segment's `service.version` and an
    `environment` annotation, the values the OTEL resource carries. It must never raise."""
    service = {**SERVICE_INFO, "version": identity[resource.SERVICE_VERSION]}

    def identify():
        try:
            segment = recorder.current_segment()
            if segment is not None and segment.sampled:
                segment.set_service(service)
                segment.put_annotation("environment", identity[resource.ENVIRONMENT])
        except Exception:
            log.debug("could not identify the X-Ray segment", exc_info=True)

    return identify


class XRay:
    """One app's X-Ray recorder (None when X-Ray is off for the app)."""

    def __init__(self, recorder=None, daemon=None, rule_name=None):
        self.recorder = recorder
        self.daemon = daemon
        self.rule_name = rule_name

    @property
    def enabled(self):
        return self.recorder is not None

    def current_entity(self):
        """The open subsegment or segment of this request, or None (outside requests: CLI, start-up)."""
        if self.recorder is None:
            return None
        try:
            return self.recorder.context.get_trace_entity()
        except SegmentNotFoundException:  # AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR outside a request
            return None

    def describe(self):
        """Where segments go, and the sampling rules in effect on this app's recorder."""
        if self.recorder is None:
            return "off"
        rules = patches.local_sampler_rules(self.recorder.sampler)
        if not rules or self.rule_name is None:
            return f"udp {self.daemon} (SDK default sampling)"
        rule = rules[0]
        return (f"udp {self.daemon} (sampling rule {self.rule_name}: "
                f"rate {rule.rate}, reservoir {rule.fixed_target}/s)")

    def close(self):
        if self.recorder is not None:
            self.recorder.emitter.close()


def _recorder(config, daemon, rules):
    recorder = AWSXRayRecorder()
    unused = recorder.emitter
    # Set through the recorder's properties, not configure(): configure() prefers the environment's
    # AWS_XRAY_* values over its arguments, and these come from app.config.
    recorder.emitter = SegmentEmitter(daemon)
    patches.close_udp_emitter(unused)
    recorder.sampler = LocalSampler(rules) if rules else LocalSampler()
    recorder.service = config["OTEL_SERVICE_NAME"]
    recorder.dynamic_naming = config["AWS_XRAY_URL"] or None
    recorder.context.context_missing = config["AWS_XRAY_CONTEXT_MISSING"]
    return recorder


def init_app(app, tracing):
    if not enabled_in(app.config):
        if not _process["enabled_apps"]:
            global_sdk_config.set_sdk_enabled(False)
        return XRay()
    global_sdk_config.set_sdk_enabled(True)
    _process["enabled_apps"] += 1
    rules = local_rules()
    if rules is None:
        log.warning("X-Ray sampling rule file unreadable; using the SDK's default rules",
                    extra={"rules_file": str(RULES_FILE)})
    daemon = app.config["AWS_XRAY_DAEMON_ADDRESS"] or DEFAULT_DAEMON
    recorder = _recorder(app.config, daemon, rules)
    app.before_request(_share_trace_id if tracing.enabled else _clean_header)
    XRayMiddleware(app, recorder)
    app.before_request(_identify_segment(recorder, resource.identity(app.config)))
    return XRay(recorder, daemon, rules["rules"][0]["description"] if rules else None)
