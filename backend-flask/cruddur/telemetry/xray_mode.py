"""Which path X-Ray segments take (`CRUDDUR_XRAY_MODE`), decided without loading the X-Ray SDK.

- `sdk`, the default, as the course teaches it: the X-Ray SDK in the backend (telemetry/xray.py)
  records a segment per request and sends it over UDP to the X-Ray daemon (AWS_XRAY_*).
- `otel`: the backend never imports the X-Ray SDK and sends nothing to a daemon. The collector's
  `awsxray` exporter makes the segments from the spans the backend already sends over OTLP
  (otel-collector/xray-otel.yml): the same trace id, each SERVER span a segment, each service
  span a subsegment, and the `app.*` attributes that the exporter is told to index as
  annotations. Every response carries `X-Amzn-Trace-Id: Root=…` as in the SDK mode.

AWS put the X-Ray SDKs and daemon in maintenance mode on 2026-02-25, with end of support on
2027-02-25, and recommends OpenTelemetry (docs/observability.md, "Two ways to X-Ray")."""
import logging

from ..config import XRAY_MODES, xray_mode

log = logging.getLogger("cruddur.telemetry.xray")

SDK, OTEL = XRAY_MODES


def mode_of(config):
    """The app's X-Ray mode (create_app's overrides included); a ConfigError for any other value."""
    return xray_mode(config.get("XRAY_MODE"))


class XRayOff:
    """No X-Ray recorder in this app: no segment, no subsegment (the SDK mode switched off)."""

    recorder = None
    daemon = None
    enabled = False

    def current_entity(self):
        return None

    def describe(self):
        return "off"

    def close(self):
        """Nothing to close: no socket was opened."""


class ThroughCollector(XRayOff):
    """The `otel` mode: segments are the collector's job; the backend holds no X-Ray state."""

    def __init__(self, tracing_enabled):
        self.tracing_enabled = tracing_enabled

    def describe(self):
        if not self.tracing_enabled:
            return "otel mode, but OpenTelemetry is off: no segments"
        return "otel (the collector's awsxray exporter makes segments from the spans)"


def init_app(app, tracing):
    """The app's X-Ray state for its mode. Only the `sdk` mode imports the X-Ray SDK."""
    mode = mode_of(app.config)
    if mode == OTEL:
        if app.config["AWS_XRAY_DAEMON_ADDRESS"]:
            log.info("CRUDDUR_XRAY_MODE=otel: AWS_XRAY_DAEMON_ADDRESS is not used; segments come from "
                     "the collector")
        if not tracing.enabled:
            log.warning("CRUDDUR_XRAY_MODE=otel with OpenTelemetry off: X-Ray receives no segments")
        return ThroughCollector(tracing.enabled)
    from . import xray  # the X-Ray SDK is loaded here, and only here

    return xray.init_app(app, tracing)
