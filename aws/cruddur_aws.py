"""Plumbing shared by Cruddur's AWS scripts.

boto3 reads the standard environment itself (AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_ENDPOINT_URL). This module adds what a
script needs on top: an early, readable failure when region or credentials are
missing, short timeouts, and one place that turns AWS errors into a message and
an exit code instead of a traceback.
"""
import functools
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

EXIT_AWS_ERROR = 1
EXIT_NOT_CONFIGURED = 2

# Fail fast when the endpoint is wrong or down: these scripts are interactive.
_CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=15,
    retries={"max_attempts": 2, "mode": "standard"},
)


class ScriptError(Exception):
    """A failure already explained in words; carries the exit code."""

    def __init__(self, message, exit_code=EXIT_AWS_ERROR):
        super().__init__(message)
        self.exit_code = exit_code


def aws_session():
    """A boto3 session, or ScriptError when region or credentials are missing."""
    session = boto3.Session()
    if not session.region_name:
        raise ScriptError(
            "No AWS region configured. Set AWS_DEFAULT_REGION (for example us-east-1) "
            "or choose a profile with a region.",
            EXIT_NOT_CONFIGURED,
        )
    if session.get_credentials() is None:
        raise ScriptError(
            "No AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "or AWS_PROFILE. For an emulator, any non-empty values do, together with "
            "AWS_ENDPOINT_URL.",
            EXIT_NOT_CONFIGURED,
        )
    return session


def aws_client(session, service):
    return session.client(service, config=_CLIENT_CONFIG)


def describe_target(session, *clients):
    """One line naming the region and the endpoint each client talks to."""
    endpoints = ", ".join(f"{c.meta.service_model.service_name}={c.meta.endpoint_url}" for c in clients)
    return f"region {session.region_name}; endpoints: {endpoints}"


def run_cli(main):
    """Decorate a script's main(argv) -> int so that errors print one line, not a traceback."""

    @functools.wraps(main)
    def wrapper(argv=None):
        try:
            return main(argv)
        except ScriptError as err:
            print(f"error: {err}", file=sys.stderr)
            return err.exit_code
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "ClientError")
            message = err.response.get("Error", {}).get("Message", str(err))
            print(f"error: AWS refused {err.operation_name}: {code}: {message}", file=sys.stderr)
            return EXIT_AWS_ERROR
        except BotoCoreError as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_AWS_ERROR
        except KeyboardInterrupt:
            return 130

    return wrapper
