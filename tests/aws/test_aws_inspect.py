"""aws/inspect_telemetry.py prints what reached X-Ray and CloudWatch Logs on a moto server."""
import json
import os
import time


def _put_trace(xray, trace_id, seconds_ago):
    end = time.time() - seconds_ago
    segment = {
        "trace_id": trace_id, "id": os.urandom(8).hex(), "name": "backend-flask",
        "start_time": end - 0.25, "end_time": end,
        "http": {"request": {"method": "GET", "url": "http://localhost:4567/api/activities/home"},
                 "response": {"status": 200}},
    }
    result = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(segment)])
    assert result["UnprocessedTraceSegments"] == []


def _put_log(logs, message):
    logs.create_log_group(logGroupName="cruddur")
    logs.create_log_stream(logGroupName="cruddur", logStreamName="backend-flask-host-1")
    logs.put_log_events(logGroupName="cruddur", logStreamName="backend-flask-host-1",
                        logEvents=[{"timestamp": int(time.time() * 1000) - 5000, "message": message}])


def test_prints_recent_traces_graph_and_log_events(aws_env, run_script, boto_clients):
    recent, old = "1-" + format(int(time.time()), "08x") + "-" + "a" * 24, "1-5f000000-" + "b" * 24
    _put_trace(boto_clients["xray"], recent, seconds_ago=30)
    _put_trace(boto_clients["xray"], old, seconds_ago=3600)
    _put_log(boto_clients["logs"], '{"method": "GET", "path": "/api/activities/home", "status": 200}')

    result = run_script("inspect_telemetry.py", "--minutes", "10", env=aws_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "== X-Ray trace summaries" in out and recent in out
    assert old not in out, "a trace from an hour ago is outside a 10-minute window"
    assert "== X-Ray service graph" in out
    assert "== CloudWatch Logs cruddur" in out
    assert "backend-flask-host-1" in out and '"path": "/api/activities/home"' in out


def test_empty_account_says_so(aws_env, run_script):
    result = run_script("inspect_telemetry.py", env=aws_env)
    assert result.returncode == 0, result.stderr
    assert "no traces in this window" in result.stdout
    assert "log group cruddur does not exist yet" in result.stdout


def test_only_selects_sections(aws_env, run_script):
    result = run_script("inspect_telemetry.py", "--only", "logs", env=aws_env)
    assert result.returncode == 0, result.stderr
    assert "X-Ray" not in result.stdout.split("\n", 1)[1]
    assert "== CloudWatch Logs" in result.stdout


def test_missing_credentials_is_a_message(aws_env, run_script):
    env = {k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    result = run_script("inspect_telemetry.py", env=env)
    assert result.returncode == 2
    assert "No AWS credentials" in result.stderr and "Traceback" not in result.stderr


def test_help_and_argument_checks(run_script):
    env = {"PATH": "/usr/bin:/bin"}
    help_ = run_script("inspect_telemetry.py", "--help", env=env)
    assert help_.returncode == 0 and "--minutes" in help_.stdout
    too_long = run_script("inspect_telemetry.py", "--minutes", "100000", env=env)
    assert too_long.returncode == 2 and "--minutes must be between" in too_long.stderr
