"""AWS X-Ray: one segment per request from XRayMiddleware, sharing the OTEL trace id.

On when `AWS_XRAY_SDK_ENABLED=true` or `AWS_XRAY_DAEMON_ADDRESS` is set (and not explicitly
disabled). Sampling uses local rules derived from the centralised rule in
`xray_sampling_rule.json` beside this module (`aws/json/xray.json` links to it, so the image,
built from backend-flask/ alone, carries the same file), so nothing polls the daemon over TCP;
when OTEL is on, its sampling decision is handed to X-Ray instead."""
import atexit
import json
import logging
import os
from pathlib import Path

from aws_xray_sdk import global_sdk_config
from aws_xray_sdk.core import xray_recorder
from aws_xray_sdk.core.exceptions.exceptions import SegmentNotFoundException
from aws_xray_sdk.core.emitters.udp_emitter import PROTOCOL_DELIMITER, PROTOCOL_HEADER, UDPEmitter
from aws_xray_sdk.core.sampling.local.sampler import LocalSampler
from aws_xray_sdk.ext.flask.middleware import XRayMiddleware
from flask import request
from opentelemetry import trace

from . import otel

log = logging.getLogger("cruddur.telemetry.xray")

RULES_FILE = Path(__file__).resolve().with_name("xray_sampling_rule.json")
_state = {"enabled": False, "daemon": None, "rules": None}


def enabled_in(env=os.environ):
    flag = env.get("AWS_XRAY_SDK_ENABLED", "").strip().lower()
    if flag in ("false", "0", "no"):
        return False
    return flag in ("true", "1", "yes") or bool(env.get("AWS_XRAY_DAEMON_ADDRESS"))


def enabled():
    return _state["enabled"]


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


class SegmentEmitter(UDPEmitter):
    """The SDK's emitter on a connected, non-blocking UDP socket.

    A datagram queued at a slow reader stays charged to the sender's buffer, so a blocking socket
    stalls the request once the daemon falls behind; this one drops the segment instead (and
    counts it). It also skips the debug line the SDK formats from the whole segment on every send."""

    def __init__(self, daemon_address):
        super().__init__(daemon_address)
        self._socket.setblocking(False)
        self._connected_to = None
        self.dropped = 0

    def _send_data(self, data):
        address = (self._ip, self._port)
        if self._connected_to != address:
            self._socket.connect(address)
            self._connected_to = address
        self._socket.send(data.encode("utf-8"))

    def send_entity(self, entity):
        try:
            self._send_data(f"{PROTOCOL_HEADER}{PROTOCOL_DELIMITER}{entity.serialize()}")
        except Exception:  # a full buffer or a missing daemon must never reach the request
            self.dropped += 1
            log.debug("could not send a segment to the X-Ray daemon", exc_info=True)


def _share_trace_id():
    """Hand OTEL's trace id and sampling decision to the X-Ray middleware that runs next.

    Runs between the OTEL server span's hook and XRayMiddleware's hook; it must never raise."""
    try:
        ctx = trace.get_current_span().get_span_context()
        if not ctx.is_valid:
            return
        hex_id = format(ctx.trace_id, "032x")
        header = f"Root=1-{hex_id[:8]}-{hex_id[8:]};Sampled={1 if ctx.trace_flags.sampled else 0}"
        incoming = request.environ.get("HTTP_X_AMZN_TRACE_ID", "")
        parent = next((p for p in incoming.split(";") if p.strip().startswith("Parent=")), None)
        request.environ["HTTP_X_AMZN_TRACE_ID"] = f"{header};{parent.strip()}" if parent else header
    except Exception:
        log.debug("could not share the trace id with X-Ray", exc_info=True)


def _close_emitter(emitter):
    sock = getattr(emitter, "_socket", None)
    if sock is not None:
        sock.close()


def _close_current_emitter():
    _close_emitter(xray_recorder.emitter)


# The SDK's recorder opens a UDP socket for its default emitter when it is imported. Cruddur never
# sends through that emitter (init_app replaces it, or switches the SDK off), so its socket is
# closed here; a replaced emitter's socket is closed at once, and the last one at exit.
_close_current_emitter()
atexit.register(_close_current_emitter)


def init_app(app):
    previous = xray_recorder.emitter
    if not enabled_in():
        global_sdk_config.set_sdk_enabled(False)
        _close_emitter(previous)  # nothing sends while the SDK is off
        return
    global_sdk_config.set_sdk_enabled(True)
    rules = local_rules()
    if rules is None:
        log.warning("X-Ray sampling rule file unreadable; using the SDK's default rules",
                    extra={"rules_file": str(RULES_FILE)})
    daemon = os.environ.get("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000")
    emitter = SegmentEmitter(daemon)
    xray_recorder.configure(
        service=os.environ.get("OTEL_SERVICE_NAME", "backend-flask"),
        dynamic_naming=os.environ.get("AWS_XRAY_URL") or None,
        daemon_address=daemon,
        emitter=emitter,
        context_missing=os.environ.get("AWS_XRAY_CONTEXT_MISSING", "IGNORE_ERROR"),
        sampler=LocalSampler(rules) if rules else LocalSampler(),
        plugins=(),
    )
    if previous is not emitter:
        _close_emitter(previous)
    if otel.enabled():
        app.before_request(_share_trace_id)
    XRayMiddleware(app, xray_recorder)
    _state.update(enabled=True, daemon=daemon, rules=rules)


def describe():
    if not _state["enabled"]:
        return "off"
    rules = _state["rules"]
    if rules is None:
        return f"udp {_state['daemon']} (SDK default sampling)"
    rule = rules["rules"][0]
    return (f"udp {_state['daemon']} (sampling rule {rule['description']}: "
            f"rate {rule['rate']}, reservoir {rule['fixed_target']}/s)")


def current_entity():
    """The open subsegment or segment of this request, or None (outside requests: CLI, start-up)."""
    if not _state["enabled"]:
        return None
    try:
        return xray_recorder.context.get_trace_entity()
    except SegmentNotFoundException:  # AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR outside a request
        return None
