#!/usr/bin/env python3
"""Register the backend's ECS Fargate task definition: gunicorn with the X-Ray daemon as a sidecar.

aws/ecs/backend-task-definition.json is the definition, with ${NAME} placeholders this script
fills: the account (from STS), the region, the image, the public URL, the Redis URL and the code
version. Secrets (SECRET_KEY, DATABASE_URL, the Honeycomb header, the Rollbar token) are SSM
parameters under /cruddur/backend-flask/, read by the execution role at start; the definition
holds only their ARNs. Honours AWS_DEFAULT_REGION, the usual credential variables and
AWS_ENDPOINT_URL (for example an emulator).
"""
import argparse
import json
import string
import subprocess
import sys
from pathlib import Path

from cruddur_aws import EXIT_NOT_CONFIGURED, ScriptError, aws_client, aws_session, describe_target, run_cli

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "ecs" / "backend-task-definition.json"


def code_version():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
                              timeout=5, check=True).stdout.strip() or "dev"
    except (OSError, subprocess.SubprocessError):
        return "dev"


def render(values, template=TEMPLATE):
    try:
        return json.loads(string.Template(template.read_text()).substitute(values))
    except KeyError as err:
        raise ScriptError(f"{template} names a placeholder this script does not fill: {err}",
                          EXIT_NOT_CONFIGURED) from err


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Register Cruddur's backend task definition (Fargate, X-Ray daemon sidecar) with ECS.")
    parser.add_argument("--public-url", required=True, metavar="URL",
                        help="the origin users reach (the load balancer): FRONTEND_URL and BACKEND_URL")
    parser.add_argument("--redis-url", required=True, metavar="URL",
                        help="RATELIMIT_STORAGE_URI shared by every task, e.g. redis://cruddur.xxxx.cache.amazonaws.com:6379/0")
    parser.add_argument("--image", metavar="IMAGE",
                        help="backend image (default: this account's ECR repository cruddur-backend-flask:latest)")
    parser.add_argument("--version", default=None, help="CRUDDUR_VERSION (default: the git commit, else dev)")
    parser.add_argument("--dry-run", action="store_true", help="print the task definition, register nothing")
    return parser.parse_args(argv)


@run_cli
def main(argv=None):
    args = parse_args(argv)
    session = aws_session()
    ecs, sts = aws_client(session, "ecs"), aws_client(session, "sts")
    account = sts.get_caller_identity()["Account"]
    region = session.region_name
    definition = render({
        "AWS_ACCOUNT_ID": account,
        "AWS_DEFAULT_REGION": region,
        "BACKEND_IMAGE": args.image or f"{account}.dkr.ecr.{region}.amazonaws.com/cruddur-backend-flask:latest",
        "FRONTEND_URL": args.public_url.rstrip("/"),
        "BACKEND_URL": args.public_url.rstrip("/"),
        "RATELIMIT_STORAGE_URI": args.redis_url,
        "CRUDDUR_VERSION": args.version or code_version(),
    })
    if args.dry_run:
        print(json.dumps(definition, indent=2))
        return 0
    print(describe_target(session, ecs))
    registered = ecs.register_task_definition(**definition)["taskDefinition"]
    print(f"registered {registered['family']}:{registered['revision']} ({registered['taskDefinitionArn']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
