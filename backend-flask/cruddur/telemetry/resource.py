"""What every signal says about this service: the OpenTelemetry resource, and the identity (version,
environment) that X-Ray mirrors and Rollbar already reports.

Precedence, for the resource's attributes:
- Cruddur's own settings set four keys: `service.name` (OTEL_SERVICE_NAME), `service.version`
  (CRUDDUR_VERSION, else the code version Rollbar reports: the git commit, else `dev`),
  `deployment.environment.name` (CRUDDUR_ENV) and `service.instance.id` (one uuid4 per process).
  They win over the same keys in OTEL_RESOURCE_ATTRIBUTES, as OTEL_SERVICE_NAME does in the SDK, so
  that the spans, the X-Ray segments and the Rollbar items all name the same version and
  environment; an operator's value they replace is named in a start-up warning, never dropped
  silently.
- Every other key of OTEL_RESOURCE_ATTRIBUTES (read by the SDK itself) arrives as it is."""
import logging
import os
import uuid

from opentelemetry.sdk.resources import OTELResourceDetector, Resource

from .rollbar import code_version

log = logging.getLogger("cruddur.telemetry.resource")

SERVICE_NAME = "service.name"
SERVICE_VERSION = "service.version"
ENVIRONMENT = "deployment.environment.name"
INSTANCE_ID = "service.instance.id"

_process = {"pid": None, "instance_id": None}
_versions = {}  # CRUDDUR_VERSION -> the code version (git is asked once per process)


def instance_id():
    """This process's `service.instance.id`: a uuid4 made in the process itself, so each gunicorn
    worker (the app is built after fork) has its own, and it stays the same for the worker's life."""
    pid = os.getpid()
    if _process["pid"] != pid:
        _process.update(pid=pid, instance_id=str(uuid.uuid4()))
    return _process["instance_id"]


def identity(config):
    """{service.version, deployment.environment.name} as Cruddur's settings give them."""
    configured = config["CRUDDUR_VERSION"]
    if configured not in _versions:
        _versions[configured] = code_version(configured)
    return {SERVICE_VERSION: _versions[configured], ENVIRONMENT: config["ENV"]}


def create(config):
    """The app's resource: the SDK's defaults and OTEL_RESOURCE_ATTRIBUTES, then Cruddur's own keys."""
    own = {SERVICE_NAME: config["OTEL_SERVICE_NAME"], **identity(config), INSTANCE_ID: instance_id()}
    given = OTELResourceDetector().detect().attributes  # OTEL_RESOURCE_ATTRIBUTES (and OTEL_SERVICE_NAME)
    replaced = {key: given[key] for key in own if key in given and given[key] != own[key]}
    if replaced:
        log.warning("resource attributes from the environment replaced by Cruddur's settings",
                    extra={"replaced": replaced, "kept": {key: own[key] for key in replaced}})
    return Resource.create(own)
