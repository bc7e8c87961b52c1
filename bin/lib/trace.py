"""bin/trace: one request's four signals (docs/observability.md, "Following one request").

For one trace id (32 hex, or the X-Ray form `1-xxxxxxxx-yyyy…`) it prints
1. the span tree from Jaeger's HTTP query API (`GET {jaeger}/api/traces/{id}`);
2. the X-Ray segments and their subsegments (`BatchGetTraces`);
3. the log lines in CloudWatch Logs group `cruddur` whose JSON has that `trace_id`;
4. the Rollbar items whose `custom.trace_id` is that id, from the local Rollbar sink's
   `GET {sink}/items.jsonl` (rollbar-sink/nginx.conf: one `{"time", "body": "<item JSON>"}` line per item).

By default it reads the local stack that `docker compose up` runs: Jaeger on localhost:16686, the
local AWS (moto) on localhost:4566, with dummy credentials when none are set, and the Rollbar sink on
localhost:8088. When the real services
are configured it prints their console links instead of reading them: Honeycomb (HONEYCOMB_API_KEY),
X-Ray and CloudWatch Logs Insights (AWS credentials without AWS_ENDPOINT_URL), Rollbar
(ROLLBAR_ACCESS_TOKEN). No secret is ever printed: items are summarised from named fields only, and
any secret value found in the environment or in an item is masked in what is written.

A backend that is unreachable or empty is reported in its own section; the others go on. Exit status:
0 when at least one signal was found, 1 when none was, 2 on bad usage (a malformed trace id included).
Uses the standard library, requests and boto3 only (the dev venv has them)."""
import argparse
import contextlib
import json
import os
import re
import sys
import time
import urllib.parse
from datetime import UTC, datetime

DEFAULT_JAEGER_URL = "http://localhost:16686"
DEFAULT_AWS_ENDPOINT_URL = "http://localhost:4566"
DEFAULT_REGION = "us-east-1"
DEFAULT_LOG_GROUP = "cruddur"
DEFAULT_ROLLBAR_SINK_URL = "http://localhost:8088"
ACCESS_LOGGER = "cruddur.access"
DEFAULT_DATASET = "backend-flask"
CONNECT_TIMEOUT = 3  # seconds, for every HTTP and AWS call
READ_TIMEOUT = 5
DEFAULT_MAX_PAGES = 10  # FilterLogEvents pages read per log group (each up to 10,000 events or 1 MB)
SINK_MAX_BYTES = 20 * 1024 * 1024  # of the sink's items.jsonl read at most (it grows while compose runs)
SINK_MAX_SECONDS = 30  # to read it in all, whatever the per-read timeout lets through
SINK_CHUNK = 64 * 1024
SPAN_ATTRIBUTES = ("http.request.method", "http.route", "url.path", "http.response.status_code",
                   "db.system.name", "error.type", "otel.status_description")

# pyrollbar's default scrub_fields plus the ones Cruddur adds (backend-flask/cruddur/telemetry/rollbar.py):
# a value under any of these keys is never printed, and is masked wherever else it appears.
SCRUB_FIELDS = frozenset(k.lower() for k in (
    "pw", "passwd", "password", "secret", "confirm_password", "confirmPassword", "password_confirmation",
    "passwordConfirmation", "access_token", "accessToken", "auth", "authentication", "authorization",
    "cookie", "set-cookie", "token", "refresh_token", "id_token", "secret_key", "api_key", "x-api-key",
    "x-honeycomb-team", "rollbar_access_token", "session"))
# Environment values that must never reach the output.
SECRET_ENV = ("ROLLBAR_ACCESS_TOKEN", "HONEYCOMB_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
              "AWS_ACCESS_KEY_ID")
MASK = "[redacted]"

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_XRAY = re.compile(r"1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})")
_SINCE = re.compile(r"([1-9][0-9]{0,6})([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class UsageError(Exception):
    """Bad arguments: exit status 2, with this message."""


# ---------------------------------------------------------------------------------------------- ids

def parse_trace_id(text):
    """The 32 lowercase hex of a trace id given as 32 hex or in the X-Ray form `1-<8 hex>-<24 hex>`
    (a `Root=` prefix, as in X-Amzn-Trace-Id, is accepted too). Raises UsageError otherwise."""
    value = text.strip() if isinstance(text, str) else ""
    value = value.removeprefix("Root=")
    if _HEX32.fullmatch(value):
        trace_id = value.lower()
    elif match := _XRAY.fullmatch(value):
        trace_id = (match.group(1) + match.group(2)).lower()
    else:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise UsageError(f"not a trace id: {shown!r} (want 32 hex digits, the X-Ray form "
                         "1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy, or `last`)")
    if trace_id == "0" * 32:
        raise UsageError("not a trace id: all zeros is the invalid trace id")
    return trace_id


def xray_form(trace_id):
    return f"1-{trace_id[:8]}-{trace_id[8:]}"


def parse_since(text):
    """Seconds in `90s`, `30m`, `1h`, `2d`."""
    match = _SINCE.fullmatch(text.strip())
    if not match:
        raise UsageError(f"--since {text!r}: want a number and a unit, e.g. 30m, 1h, 2d")
    return int(match.group(1)) * _UNITS[match.group(2)]


# ------------------------------------------------------------------------------------------- config

class Settings:
    """Where each signal is read from, or linked to, from the options and the environment."""

    def __init__(self, args, environ):
        env = {k: v for k, v in environ.items() if v != ""}
        self.env = env
        self.jaeger_url = (args.jaeger_url or env.get("CRUDDUR_JAEGER_URL") or DEFAULT_JAEGER_URL).rstrip("/")
        self.region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        endpoint = args.aws_endpoint_url or env.get("AWS_ENDPOINT_URL")
        has_credentials = bool((env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"))
                               or env.get("AWS_PROFILE"))
        # Real AWS: credentials and no endpoint. Otherwise the local AWS that compose publishes.
        self.aws_real = has_credentials and not endpoint
        self.aws_endpoint = None if self.aws_real else (endpoint or DEFAULT_AWS_ENDPOINT_URL).rstrip("/")
        self.aws_has_credentials = has_credentials
        self.log_group = args.log_group or env.get("CLOUDWATCH_LOG_GROUP") or DEFAULT_LOG_GROUP
        self.rollbar_sink_url = (args.rollbar_sink_url or env.get("CRUDDUR_ROLLBAR_SINK_URL")
                                 or DEFAULT_ROLLBAR_SINK_URL).rstrip("/")
        self.since = args.since
        self.max_pages = args.max_pages
        self.honeycomb = bool(env.get("HONEYCOMB_API_KEY"))
        self.rollbar_real = bool(env.get("ROLLBAR_ACCESS_TOKEN"))
        self.secrets = [env[name] for name in SECRET_ENV if len(env.get(name, "")) >= 4]

    def aws_client(self, service):
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                        retries={"total_max_attempts": 1, "mode": "standard"})
        kwargs = {"region_name": self.region, "config": config}
        if not self.aws_real:
            kwargs["endpoint_url"] = self.aws_endpoint
            if not self.aws_has_credentials:  # the local AWS takes any; never used against real AWS
                kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")
        return boto3.client(service, **kwargs)


def _reason(exc):
    """A short cause for a failed call: connection refused, timed out, the HTTP status, the AWS code."""
    inner = getattr(exc, "kwargs", {}).get("error") if isinstance(getattr(exc, "kwargs", None), dict) else None
    text = f"{exc} {inner or ''}"
    for needle, reason in (("Connection refused", "connection refused"),
                           ("Name or service not known", "unknown host"),
                           ("nodename nor servname", "unknown host"),
                           ("timed out", f"no answer within {READ_TIMEOUT}s"),
                           ("Read timeout", f"no answer within {READ_TIMEOUT}s"),
                           ("Connect timeout", f"no connection within {CONNECT_TIMEOUT}s")):
        if needle in text:
            return reason
    code = getattr(exc, "response", None)
    if isinstance(code, dict) and code.get("Error", {}).get("Code"):
        return f"{code['Error']['Code']}: {code['Error'].get('Message', '')}".rstrip(": ")
    return type(exc).__name__ + (f": {text[:200]}" if text else "")


def _unreachable(exc):
    """True when the failure means the backend is not there at all (not an error it answered)."""
    import botocore.exceptions
    import requests

    return isinstance(exc, (requests.ConnectionError, requests.Timeout, botocore.exceptions.EndpointConnectionError,
                            botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError,
                            botocore.exceptions.ConnectionClosedError))


def _failure(what, exc):
    return f"{what}: {'unreachable' if _unreachable(exc) else 'failed'} ({_reason(exc)})"


# ------------------------------------------------------------------------------------------- Jaeger

def _tag_value(tag):
    return tag.get("value")


def read_jaeger(settings, trace_id, problems, progress):
    """{"url", "spans": [...]} with each span's depth in the tree, or None (a problem says why)."""
    import requests

    what = f"Jaeger at {settings.jaeger_url}"
    progress(f"reading {what}")
    try:
        reply = requests.get(f"{settings.jaeger_url}/api/traces/{trace_id}",
                             timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except requests.RequestException as exc:
        problems.append(_failure(what, exc))
        return None
    if reply.status_code == 404:
        problems.append(f"{what}: no trace {trace_id}")
        return None
    try:
        reply.raise_for_status()
        data = reply.json().get("data") or []
    except (requests.RequestException, ValueError, AttributeError) as exc:
        problems.append(f"{what}: failed ({_reason(exc)})")
        return None
    spans, processes = [], {}
    for trace in data:
        processes.update(trace.get("processes") or {})
        spans.extend(trace.get("spans") or [])
    if not spans:
        problems.append(f"{what}: no trace {trace_id}")
        return None
    return {"url": settings.jaeger_url, "spans": _span_tree(spans, processes)}


def _span_tree(raw_spans, processes):
    """The spans in tree order (parents first, siblings by start time), each with its depth."""
    spans = {}
    for raw in raw_spans:
        tags = {t.get("key"): _tag_value(t) for t in raw.get("tags") or []}
        parent = next((r.get("spanID") for r in raw.get("references") or []
                       if r.get("refType") == "CHILD_OF" and r.get("traceID") == raw.get("traceID")), None)
        status = tags.get("otel.status_code") or ("ERROR" if tags.get("error") in (True, "true") else "UNSET")
        attributes = {k: v for k, v in tags.items() if k in SPAN_ATTRIBUTES or str(k).startswith("app.")}
        spans[raw.get("spanID")] = {
            "span_id": raw.get("spanID"),
            "parent_id": parent,
            "service": (processes.get(raw.get("processID")) or {}).get("serviceName", "?"),
            "name": raw.get("operationName", "?"),
            "kind": str(tags.get("span.kind", "")).upper() or None,
            "start": raw.get("startTime", 0) / 1e6,
            "duration_ms": round(raw.get("duration", 0) / 1000, 3),
            "status": status,
            "error": status == "ERROR",
            "attributes": scrub(attributes),
        }
    children = {}
    for span in spans.values():
        parent = span["parent_id"] if span["parent_id"] in spans else None
        children.setdefault(parent, []).append(span)
    ordered = []

    def walk(parent, depth):
        for span in sorted(children.get(parent, []), key=lambda s: s["start"]):
            ordered.append({**span, "depth": depth})
            walk(span["span_id"], depth + 1)

    walk(None, 0)
    return ordered


# -------------------------------------------------------------------------------------------- X-Ray

def read_xray(settings, trace_id, problems, progress):
    """{"endpoint", "id", "segments": [tree]} or None (a problem says why)."""
    import botocore.exceptions

    what = f"X-Ray at {settings.aws_endpoint}"
    progress(f"reading {what}")
    xray_id = xray_form(trace_id)
    try:
        reply = settings.aws_client("xray").batch_get_traces(TraceIds=[xray_id])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        problems.append(_failure(what, exc))
        return None
    documents = []
    for trace in reply.get("Traces") or []:
        for segment in trace.get("Segments") or []:
            try:
                documents.append(json.loads(segment.get("Document") or "{}"))
            except ValueError:
                problems.append(f"{what}: segment {segment.get('Id')} has a document that is not JSON")
    if not documents:
        problems.append(f"{what}: no trace {xray_id}")
        return None
    return {"endpoint": settings.aws_endpoint, "id": xray_id, "segments": _segment_tree(documents)}


def _segment_node(doc):
    start, end = doc.get("start_time"), doc.get("end_time")
    http = doc.get("http") or {}
    request, response = http.get("request") or {}, http.get("response") or {}
    cause = doc.get("cause") or {}
    exceptions = cause.get("exceptions") if isinstance(cause, dict) else None
    node = {
        "id": doc.get("id"),
        "name": doc.get("name", "?"),
        "start": start,
        "end": end,
        "duration_ms": round((end - start) * 1000, 3) if isinstance(start, (int, float))
        and isinstance(end, (int, float)) else None,
        "in_progress": bool(doc.get("in_progress")),
        "flags": [flag for flag in ("fault", "error", "throttle") if doc.get(flag)],
        "namespace": doc.get("namespace"),
        "http": {k: v for k, v in (("method", request.get("method")), ("url", _path_of(request.get("url"))),
                                   ("status", response.get("status"))) if v is not None},
        "annotations": scrub(doc.get("annotations") or {}),
        "exception": ({"type": exceptions[0].get("type"), "message": exceptions[0].get("message")}
                      if exceptions else None),
        "subsegments": [],
        "_parent": doc.get("parent_id"),
    }
    for sub in doc.get("subsegments") or []:
        node["subsegments"].append(_segment_node(sub))
    return node


def _segment_tree(documents):
    """Segments with their subsegments nested; a document sent on its own (parent_id) goes under its parent."""
    roots = [_segment_node(doc) for doc in documents]
    index = {}

    def register(node):
        index[node["id"]] = node
        for sub in node["subsegments"]:
            register(sub)

    for node in roots:
        register(node)
    top = []
    for node in roots:
        parent = index.get(node["_parent"])
        if parent is not None and parent is not node:
            parent["subsegments"].append(node)
        else:
            top.append(node)

    def tidy(node):
        node.pop("_parent", None)
        node["subsegments"].sort(key=lambda n: n["start"] or 0)
        for sub in node["subsegments"]:
            tidy(sub)
        return node

    return [tidy(node) for node in sorted(top, key=lambda n: n["start"] or 0)]


def _path_of(url):
    """A URL's path, without its query string (which may carry tokens)."""
    if not isinstance(url, str):
        return url
    return urllib.parse.urlsplit(url).path or url.split("?", 1)[0]


# ---------------------------------------------------------------------------------- CloudWatch Logs

def filter_events(settings, group, pattern, problems, progress):
    """The events of `group` in the --since window matching `pattern` (a term filter CloudWatch and moto
    both honour; the caller checks each event exactly), at most --max-pages pages. None when unreadable."""
    import botocore.exceptions

    what = f"CloudWatch Logs group {group} at {settings.aws_endpoint}"
    progress(f"reading {what} (last {settings.since}s)")
    now_ms = int(time.time() * 1000)
    kwargs = {"logGroupName": group, "startTime": now_ms - settings.since * 1000, "endTime": now_ms + 60_000}
    if pattern:
        kwargs["filterPattern"] = pattern
    events, pages = [], 0
    try:
        logs = settings.aws_client("logs")
        while True:
            reply = logs.filter_log_events(**kwargs)
            events.extend(reply.get("events") or [])
            pages += 1
            token = reply.get("nextToken")
            if not token:
                break
            if pages >= settings.max_pages:
                problems.append(f"{what}: stopped after {pages} pages (--max-pages); narrow --since")
                break
            kwargs["nextToken"] = token
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            problems.append(f"{what}: the group does not exist")
        else:
            problems.append(_failure(what, exc))
        return None
    except botocore.exceptions.BotoCoreError as exc:
        problems.append(_failure(what, exc))
        return None
    return events


def _json_message(event):
    try:
        message = json.loads(event.get("message") or "")
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def read_logs(settings, trace_id, problems, progress):
    """The log lines whose JSON carries this trace_id, oldest first; None when the group is unreadable."""
    events = filter_events(settings, settings.log_group, f'"{trace_id}"', problems, progress)
    if events is None:
        return None
    lines = []
    for event in events:
        message = _json_message(event)
        if message is not None and message.get("trace_id") == trace_id:
            lines.append({"timestamp": _iso(event.get("timestamp", 0) / 1000), "stream": event.get("logStreamName"),
                          "message": scrub(message), "_ms": event.get("timestamp", 0)})
    lines.sort(key=lambda line: line.pop("_ms"))
    if not lines:
        problems.append(f"CloudWatch Logs group {settings.log_group} at {settings.aws_endpoint}: "
                        f"no line with trace_id {trace_id} in the last {settings.since}s")
    return lines


def newest_access_trace_id(settings, problems, progress):
    """The trace id of the newest access line (logger cruddur.access) in the window, or None."""
    events = filter_events(settings, settings.log_group, f'"{ACCESS_LOGGER}"', problems, progress)
    best = None
    for event in events or []:
        message = _json_message(event)
        if not message or message.get("logger") != ACCESS_LOGGER:
            continue
        trace_id = message.get("trace_id")
        if not (isinstance(trace_id, str) and _HEX32.fullmatch(trace_id)):
            continue
        if best is None or event.get("timestamp", 0) >= best[0]:
            best = (event.get("timestamp", 0), trace_id.lower())
    if events is not None and best is None:
        problems.append(f"CloudWatch Logs group {settings.log_group}: no {ACCESS_LOGGER} line with a trace_id "
                        f"in the last {settings.since}s")
    return best[1] if best else None


# ------------------------------------------------------------------------------------------- Rollbar

def rollbar_payload(message):
    """The item (`{"access_token", "data"}`) in a line of the sink's items.jsonl: the envelope nginx
    writes (`{"time", "body": "<the item's JSON>"}`), or a bare item. None when the line is neither."""
    try:
        item = json.loads(message) if isinstance(message, str) else message
    except ValueError:
        return None
    if isinstance(item, dict) and "data" not in item and "body" in item:
        body = item["body"]
        try:
            item = json.loads(body) if isinstance(body, (str, bytes)) else body
        except ValueError:
            return None
    if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
        return None
    return item


def _exception_of(body):
    """(class, message) of an item body: trace, the last of a trace_chain, or a message."""
    body = body if isinstance(body, dict) else {}
    trace = body.get("trace")
    chain = body.get("trace_chain")
    if not trace and isinstance(chain, list) and chain:
        trace = chain[0]
    if isinstance(trace, dict):
        exception = trace.get("exception") or {}
        return exception.get("class"), exception.get("message")
    message = body.get("message")
    if isinstance(message, dict):
        return None, message.get("body")
    return None, None


def secret_values(value, found=None):
    """Every string held under a scrubbed key anywhere in `value` (masked ones excepted)."""
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, inner in value.items():
            if str(key).lower() in SCRUB_FIELDS and isinstance(inner, str):
                if len(inner) >= 4 and set(inner) != {"*"}:
                    found.add(inner)
            else:
                secret_values(inner, found)
    elif isinstance(value, list):
        for inner in value:
            secret_values(inner, found)
    return found


def scrub(value):
    """A copy with the values under scrubbed keys replaced by the mask."""
    if isinstance(value, dict):
        return {k: (MASK if str(k).lower() in SCRUB_FIELDS else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _mask_in(value, secrets):
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {k: _mask_in(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_in(v, secrets) for v in value]
    return value


def summarize_item(item):
    """The printable parts of a Rollbar item; nothing else of it is kept."""
    data = item["data"]
    request = data.get("request") if isinstance(data.get("request"), dict) else {}
    person = data.get("person") if isinstance(data.get("person"), dict) else {}
    custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
    exc_class, exc_message = _exception_of(data.get("body"))
    timestamp = data.get("timestamp")
    summary = {
        "level": data.get("level"),
        "exception_class": exc_class,
        "message": exc_message,
        "method": request.get("method"),
        "path": _path_of(request.get("url")),
        "person": person.get("username"),
        "trace_id": custom.get("trace_id"),
        "environment": data.get("environment"),
        "timestamp": _iso(timestamp) if isinstance(timestamp, (int, float)) else None,
        "uuid": data.get("uuid"),
    }
    secrets = secret_values(item)
    return _mask_in(summary, secrets)


def sink_lines(reply, what, problems):
    """The lines of a streamed items.jsonl, at most SINK_MAX_BYTES of it read within SINK_MAX_SECONDS;
    a problem says so when a cap cut it (the lines read until then are kept)."""
    received, pending = 0, b""
    deadline = time.monotonic() + SINK_MAX_SECONDS
    for chunk in reply.iter_content(chunk_size=SINK_CHUNK):
        received += len(chunk)
        if received > SINK_MAX_BYTES:
            problems.append(f"{what}: stopped after {SINK_MAX_BYTES / (1024 * 1024):g} MiB of items.jsonl (the cap); "
                            "the items after it were not read")
            return
        *lines, pending = (pending + chunk).split(b"\n")
        yield from lines
        if time.monotonic() > deadline:
            problems.append(f"{what}: stopped after {SINK_MAX_SECONDS}s reading items.jsonl (the cap); "
                            "the items after it were not read")
            return
    if pending.strip():
        yield pending


def read_rollbar(settings, trace_id, problems, progress):
    """The sink's items with this custom.trace_id, in the order it received them; None when unreadable."""
    import requests

    what = f"Rollbar sink at {settings.rollbar_sink_url}"
    progress(f"reading {what}")
    items = []
    try:
        with requests.get(f"{settings.rollbar_sink_url}/items.jsonl", stream=True,
                          timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)) as reply:
            if reply.status_code == 404:
                problems.append(f"{what}: no items.jsonl (404)")
                return None
            reply.raise_for_status()
            for line in sink_lines(reply, what, problems):
                if trace_id.encode() not in line.lower():
                    continue  # cheap: most lines are other requests' items
                item = rollbar_payload(line.decode("utf-8", errors="replace"))
                if item is None:
                    continue
                custom = item["data"].get("custom")
                if isinstance(custom, dict) and str(custom.get("trace_id", "")).lower() == trace_id:
                    items.append(summarize_item(item))
    except requests.RequestException as exc:
        problems.append(_failure(what, exc))
        return None
    if not items:
        problems.append(f"{what}: no Rollbar item with trace_id {trace_id}")
    return items


# --------------------------------------------------------------------------------------------- links

def _insights_quote(text):
    """The CloudWatch console's escaping inside a queryDetail value: URL-encoding with `*` for `%`."""
    return urllib.parse.quote(text, safe="").replace("~", "%7E").replace("%", "*")


def console_links(settings, trace_id):
    """Links to the real services' consoles, for those that are configured."""
    env, links = settings.env, {}
    if settings.honeycomb:
        ui = "ui.eu1.honeycomb.io" if "eu1" in env.get("HONEYCOMB_ENDPOINT", "") else "ui.honeycomb.io"
        dataset = urllib.parse.quote(env.get("HONEYCOMB_DATASET") or DEFAULT_DATASET, safe="")
        team = env.get("HONEYCOMB_TEAM")
        if team:
            team = urllib.parse.quote(team, safe="")
            environment = env.get("HONEYCOMB_ENVIRONMENT")
            where = f"{team}/environments/{urllib.parse.quote(environment, safe='')}" if environment else team
            links["honeycomb"] = f"https://{ui}/{where}/datasets/{dataset}/trace?trace_id={trace_id}"
        else:
            links["honeycomb"] = f"https://{ui}/ (set HONEYCOMB_TEAM for a direct link to trace {trace_id})"
    if settings.aws_real:
        region = urllib.parse.quote(settings.region, safe="")
        console = f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        links["xray"] = f"{console}#xray:traces/{xray_form(trace_id)}"
        query = (f'fields @timestamp, @logStream, @message\n| filter trace_id = "{trace_id}"\n'
                 "| sort @timestamp asc")
        detail = (f"~(end~0~start~-{settings.since}~timeType~'RELATIVE~unit~'seconds"
                  f"~editorString~'{_insights_quote(query)}~source~(~'{_insights_quote(settings.log_group)}))")
        links["cloudwatch_logs"] = f"{console}#logsV2:logs-insights$3FqueryDetail$3D{detail}"
    if settings.rollbar_real:
        project = env.get("ROLLBAR_PROJECT_URL", "").rstrip("/")
        if project:
            links["rollbar"] = f"{project}/items/?query={trace_id}"
        else:
            links["rollbar"] = (f"https://app.rollbar.com/ (set ROLLBAR_PROJECT_URL for a search link; "
                                f"search for {trace_id})")
    return links


# -------------------------------------------------------------------------------------------- report

def _iso(seconds):
    if not isinstance(seconds, (int, float)):
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def collect(settings, trace_id, progress):
    """Everything bin/trace prints, as the --json object."""
    problems = []
    report = {"trace_id": trace_id, "xray_trace_id": xray_form(trace_id), "jaeger": None, "xray": None,
              "logs": [], "rollbar": [], "links": console_links(settings, trace_id), "problems": problems}
    report["jaeger"] = read_jaeger(settings, trace_id, problems, progress)
    if settings.aws_real:
        progress("AWS credentials without AWS_ENDPOINT_URL: linking to the X-Ray and CloudWatch consoles")
    else:
        report["xray"] = read_xray(settings, trace_id, problems, progress)
        report["logs"] = read_logs(settings, trace_id, problems, progress) or []
    if settings.rollbar_real:
        progress("ROLLBAR_ACCESS_TOKEN is set: linking to Rollbar")
    else:
        report["rollbar"] = read_rollbar(settings, trace_id, problems, progress) or []
    return report


def found_any(report):
    return bool(report["jaeger"] or report["xray"] or report["logs"] or report["rollbar"])


def _attrs(values):
    return "  ".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in values.items())


def _count(items, noun):
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def render_text(report, settings):
    out = [f"trace {report['trace_id']}  (X-Ray {report['xray_trace_id']})", ""]
    problems = report["problems"]

    def section_problems(prefix):
        return [f"  {p}" for p in problems if p.startswith(prefix)]

    jaeger = report["jaeger"]
    out.append(f"== Jaeger ({settings.jaeger_url})" + (f": {_count(jaeger['spans'], 'span')}" if jaeger else ""))
    if jaeger:
        for span in jaeger["spans"]:
            flags = [span["kind"]] if span["kind"] else []
            if span["status"] != "UNSET":
                flags.append(span["status"])
            line = (f"{'  ' * (span['depth'] + 1)}{span['service']}  {span['name']}  {span['duration_ms']:g} ms"
                    f"  [{' '.join(flags)}]")
            out.append(line + (f"  {_attrs(span['attributes'])}" if span["attributes"] else ""))
    out.extend(section_problems("Jaeger"))
    out.append("")

    if settings.aws_real:
        out += ["== X-Ray (real service)", f"  {report['links']['xray']}", ""]
        out += [f"== CloudWatch Logs {settings.log_group} (real service, Logs Insights)",
                f"  {report['links']['cloudwatch_logs']}", ""]
    else:
        xray = report["xray"]
        out.append(f"== X-Ray ({settings.aws_endpoint})" + (f": {_count(xray['segments'], 'segment')}" if xray else ""))
        if xray:
            def walk(node, depth):
                parts = [f"{'  ' * (depth + 1)}{node['name']}"]
                if depth == 0:
                    parts.append(_iso(node["start"]) or "?")
                parts.append(f"{node['duration_ms']:g} ms" if node["duration_ms"] is not None else "in progress")
                if node["flags"]:
                    parts.append(f"[{' '.join(node['flags'])}]")
                if node["http"]:
                    parts.append(" ".join(str(v) for v in node["http"].values()))
                if node["annotations"]:
                    parts.append(_attrs(node["annotations"]))
                if node["exception"]:
                    parts.append(f"{node['exception']['type']}: {node['exception']['message']}")
                out.append("  ".join(parts))
                for sub in node["subsegments"]:
                    walk(sub, depth + 1)

            for segment in xray["segments"]:
                walk(segment, 0)
        out.extend(section_problems("X-Ray"))
        out.append("")
        logs = report["logs"]
        out.append(f"== CloudWatch Logs {settings.log_group}" + (f": {_count(logs, 'line')}" if logs else ""))
        for line in logs:  # the ids are the heading's; --json keeps them
            rest = {k: v for k, v in line["message"].items() if k not in ("trace_id", "xray_trace_id")}
            out.append(f"  {line['timestamp']}  {line['stream']}  {json.dumps(rest)}")
        out.extend(section_problems(f"CloudWatch Logs group {settings.log_group} "))
        out.append("")

    if settings.rollbar_real:
        out += ["== Rollbar (real service)", f"  {report['links']['rollbar']}", ""]
    else:
        items = report["rollbar"]
        out.append(f"== Rollbar (local sink at {settings.rollbar_sink_url})"
                   + (f": {_count(items, 'item')}" if items else ""))
        for item in items:
            what = ": ".join(str(x) for x in (item["exception_class"], item["message"]) if x) or "(no message)"
            request = " ".join(str(x) for x in (item["method"], item["path"]) if x) or "(no request)"
            out.append(f"  {item['level'] or '?'}  {what}  {request}  person={item['person'] or '-'}"
                       f"  trace_id={item['trace_id']}")
        out.extend(section_problems("Rollbar"))
        out.append("")

    honeycomb = report["links"].get("honeycomb")
    if honeycomb:
        out += ["== Honeycomb", f"  {honeycomb}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- main

def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="bin/trace",
        description="Print one request's four signals: the Jaeger span tree, the X-Ray segments, the CloudWatch "
        "log lines and the Rollbar items, from the local stack (docker compose up), or the consoles' links "
        "for the real services that are configured.",
        epilog="Environment: CRUDDUR_JAEGER_URL, AWS_ENDPOINT_URL, AWS_REGION/AWS_DEFAULT_REGION, "
        "CLOUDWATCH_LOG_GROUP, CRUDDUR_ROLLBAR_SINK_URL; links: HONEYCOMB_API_KEY (+ HONEYCOMB_TEAM, "
        "HONEYCOMB_ENVIRONMENT, HONEYCOMB_DATASET), AWS credentials without AWS_ENDPOINT_URL, ROLLBAR_ACCESS_TOKEN "
        "(+ ROLLBAR_PROJECT_URL). Exit status: 0 a signal was found, 1 none was, 2 bad usage.")
    parser.add_argument("trace", help="the trace id: 32 hex, the X-Ray form 1-xxxxxxxx-yyyy…, or `last` "
                        "(the newest access line's in CloudWatch Logs)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--jaeger-url",
                        help=f"Jaeger's query API (default: $CRUDDUR_JAEGER_URL or {DEFAULT_JAEGER_URL})")
    parser.add_argument("--aws-endpoint-url",
                        help=f"the AWS endpoint (default: $AWS_ENDPOINT_URL or {DEFAULT_AWS_ENDPOINT_URL})")
    parser.add_argument("--rollbar-sink-url",
                        help="the local Rollbar sink, read while ROLLBAR_ACCESS_TOKEN is unset "
                        f"(default: $CRUDDUR_ROLLBAR_SINK_URL or {DEFAULT_ROLLBAR_SINK_URL})")
    parser.add_argument("--log-group", help=f"the log group (default: $CLOUDWATCH_LOG_GROUP or {DEFAULT_LOG_GROUP})")
    parser.add_argument("--since", default="1h", help="how far back to read CloudWatch Logs: 90s, 30m, 1h, 2d "
                        "(default: 1h; the Rollbar sink keeps every item, and is read whole)")
    parser.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES,
                        help="most FilterLogEvents pages read per log group (default: %(default)s)")
    args = parser.parse_args(argv)  # exits 2 with the usage on a bad option, 0 after --help
    args.since = parse_since(args.since)
    if args.max_pages < 1:
        raise UsageError("--max-pages must be at least 1")
    return args


def main(argv=None, environ=None, stdout=None, stderr=None):
    environ = os.environ if environ is None else environ
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):  # argparse's usage, --help
            args = parse_args(argv)
        trace_id = None if args.trace == "last" else parse_trace_id(args.trace)
    except UsageError as exc:
        print(f"bin/trace: {exc}", file=stderr)
        return 2
    except SystemExit as exit_:  # argparse printed the usage (code 2) or --help (code 0)
        return exit_.code or 0
    settings = Settings(args, environ)

    def progress(text):
        print(_mask_in(text, settings.secrets), file=stderr, flush=True)

    if trace_id is None:
        problems = []
        trace_id = newest_access_trace_id(settings, problems, progress)
        if trace_id is None:
            for problem in problems:
                print(f"bin/trace last: {_mask_in(problem, settings.secrets)}", file=stderr)
            return 1
        progress(f"last: trace {trace_id}, from the newest {ACCESS_LOGGER} line in {settings.log_group}")
    report = collect(settings, trace_id, progress)
    report = _mask_in(report, settings.secrets)
    if args.json:
        print(json.dumps(report, indent=2), file=stdout)
    else:
        print(render_text(report, settings), file=stdout)
    return 0 if found_any(report) else 1


if __name__ == "__main__":
    sys.exit(main())
