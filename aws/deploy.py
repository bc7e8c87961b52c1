#!/usr/bin/env python3
"""Deploy Cruddur's production shape (aws/cfn/) to ECS Fargate with CloudFormation.

The stacks, in order: <prefix>-network (skipped with --vpc-id and --subnet-ids), <prefix>-data and
<prefix>-service; each one's outputs are the next one's parameters. Every template is validated
first, and every change goes through a change set that is printed before it runs.

A real run:
  1. creates or updates the network and data stacks;
  2. updates the service stack with the new image for the one-off tasks only (a new service
     stack starts with no backend tasks), so the running service is untouched;
  3. runs the migration task (`flask --app app db upgrade`) and stops on a non-zero exit;
  4. updates the service stack with the new backend image: ECS rolls the service.
--dry-run validates, prints each change set, then deletes it (and a stack it would have created).
Honours AWS_DEFAULT_REGION, the usual credential variables and AWS_ENDPOINT_URL.
"""
import argparse
import contextlib
import sys
import time
from pathlib import Path

from botocore.exceptions import ClientError, WaiterError
from cruddur_aws import ScriptError, aws_client, aws_session, describe_target, run_cli

CFN = Path(__file__).resolve().parent / "cfn"
TEMPLATES = ("network", "data", "service")
PLACEHOLDER_IMAGE = "public.ecr.aws/docker/library/busybox:latest"  # --dry-run without images
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Deploy Cruddur to ECS Fargate (aws/cfn/) with CloudFormation.")
    parser.add_argument("--dry-run", action="store_true", help="validate and print the change sets; change nothing")
    parser.add_argument("--prefix", default="cruddur", help="stack name prefix (default: cruddur)")
    parser.add_argument("--backend-image", help="backend-flask image (required unless --dry-run)")
    parser.add_argument("--frontend-image", help="frontend-react-js image (required unless --dry-run)")
    parser.add_argument("--vpc-id", help="use this VPC instead of creating the network stack")
    parser.add_argument("--subnet-ids", help="comma-separated subnets of --vpc-id, in two zones")
    parser.add_argument("--certificate-arn", default="", help="ACM certificate: HTTPS, with HTTP redirected")
    parser.add_argument("--public-url", default="", help="the origin users reach (default: the load balancer)")
    parser.add_argument("--min-tasks", type=int, default=1, help="backend tasks at least (default 1)")
    parser.add_argument("--max-tasks", type=int, default=4, help="backend tasks at most (default 4)")
    parser.add_argument("--version", default="dev", help="CRUDDUR_VERSION (default: dev)")
    args = parser.parse_args(argv)
    if bool(args.vpc_id) != bool(args.subnet_ids):
        parser.error("--vpc-id and --subnet-ids go together")
    if not args.dry_run and not (args.backend_image and args.frontend_image):
        parser.error("--backend-image and --frontend-image are required unless --dry-run")
    return args


class Deployer:
    def __init__(self, session, args):
        self.args = args
        self.cfn = aws_client(session, "cloudformation")
        self.ecs = aws_client(session, "ecs")
        self.ec2 = aws_client(session, "ec2")

    def stack_name(self, template):
        return f"{self.args.prefix}-{template}"

    def validate(self):
        for template in TEMPLATES:
            self.cfn.validate_template(TemplateBody=(CFN / f"{template}.yaml").read_text())
            print(f"valid: aws/cfn/{template}.yaml")

    def outputs(self, template):
        """The stack's outputs, or None when it does not exist (or was never executed)."""
        try:
            stack = self.cfn.describe_stacks(StackName=self.stack_name(template))["Stacks"][0]
        except ClientError as err:
            if "does not exist" in str(err):
                return None
            raise
        if stack["StackStatus"] == "REVIEW_IN_PROGRESS":
            return None
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def change_set(self, template, parameters):
        """Create and print a change set: (name, type, has_changes)."""
        stack, exists = self.stack_name(template), self.outputs(template) is not None
        kind = "UPDATE" if exists else "CREATE"
        name = f"deploy-{int(time.time())}"
        if exists:  # keep what was set by hand (e.g. the Rollbar secret), as CloudFormation would not
            previous = self.cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Parameters", [])
            parameters = {p["ParameterKey"]: None for p in previous} | parameters
        self.cfn.create_change_set(
            StackName=stack, ChangeSetName=name, ChangeSetType=kind,
            TemplateBody=(CFN / f"{template}.yaml").read_text(), Capabilities=["CAPABILITY_IAM"],
            Parameters=[{"ParameterKey": k, "UsePreviousValue": True} if v is None else
                        {"ParameterKey": k, "ParameterValue": str(v)} for k, v in parameters.items()])
        # A change set with no changes ends FAILED; the status below says which.
        with contextlib.suppress(WaiterError):
            self.cfn.get_waiter("change_set_create_complete").wait(
                StackName=stack, ChangeSetName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        described = self.cfn.describe_change_set(StackName=stack, ChangeSetName=name)
        if described["Status"] == "FAILED" and not any(s in described.get("StatusReason", "") for s in NO_CHANGES):
            raise ScriptError(f"{stack}: change set failed: {described.get('StatusReason')}")
        changes = [c["ResourceChange"] for c in described.get("Changes", [])]
        print(f"{stack}: {kind.lower()}, {len(changes)} change(s)")
        for change in changes:
            replace = " (replacement)" if change.get("Replacement") == "True" else ""
            print(f"  {change['Action']:<7} {change['ResourceType']:<48} {change['LogicalResourceId']}{replace}")
        return name, kind, bool(changes)

    def discard(self, template, name, kind):
        stack = self.stack_name(template)
        self.cfn.delete_change_set(StackName=stack, ChangeSetName=name)
        if kind == "CREATE":  # the change set left an empty stack in REVIEW_IN_PROGRESS
            self.cfn.delete_stack(StackName=stack)

    def apply(self, template, parameters):
        name, kind, has_changes = self.change_set(template, parameters)
        stack = self.stack_name(template)
        if not has_changes:
            self.cfn.delete_change_set(StackName=stack, ChangeSetName=name)
            return self.outputs(template)
        self.cfn.execute_change_set(StackName=stack, ChangeSetName=name)
        waiter = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
        try:
            self.cfn.get_waiter(waiter).wait(StackName=stack, WaiterConfig={"Delay": 10, "MaxAttempts": 180})
        except WaiterError as err:
            raise ScriptError(f"{stack}: {kind.lower()} failed ({err}); see its events in the console") from err
        print(f"{stack}: {kind.lower()} complete")
        return self.outputs(template)

    def parameters(self, template, upstream, phase=None):
        a = self.args
        if template == "network":
            return {}
        if template == "data":
            return {"VpcId": upstream["VpcId"], "SubnetIds": upstream["SubnetIds"]}
        new_stack = self.outputs("service") is None
        backend = a.backend_image or PLACEHOLDER_IMAGE
        params = {
            "VpcId": upstream["VpcId"], "VpcCidr": upstream["VpcCidr"], "SubnetIds": upstream["SubnetIds"],
            "TaskSecurityGroupId": upstream["TaskSecurityGroupId"], "SecretKeyArn": upstream["SecretKeyArn"],
            "DatabaseUrlArn": upstream["DatabaseUrlArn"], "RedisUrl": upstream["RedisUrl"],
            "TaskImage": backend, "FrontendImage": a.frontend_image or PLACEHOLDER_IMAGE,
            "CertificateArn": a.certificate_arn, "PublicUrl": a.public_url, "CruddurVersion": a.version,
            "BackendMaxTasks": a.max_tasks,
            "BackendImage": backend, "BackendMinTasks": a.min_tasks,
        }
        if phase == "tasks":  # leave the running service as it is until the migration has run
            params.update(BackendImage=backend if new_stack else None, BackendMinTasks=0 if new_stack else None)
        return params

    def upstream(self):
        if self.args.vpc_id:  # its range is where the load balancer's nodes are (nginx's NGINX_REAL_IP_FROM)
            try:
                [vpc] = self.ec2.describe_vpcs(VpcIds=[self.args.vpc_id])["Vpcs"]
            except ClientError as err:
                raise ScriptError(f"--vpc-id {self.args.vpc_id}: {err}") from err
            return {"VpcId": self.args.vpc_id, "VpcCidr": vpc["CidrBlock"], "SubnetIds": self.args.subnet_ids}
        return self.outputs("network")

    def dry_run(self):
        inputs = self.upstream() if self.args.vpc_id else {}
        for template in TEMPLATES[1:] if self.args.vpc_id else TEMPLATES:
            if inputs is None:
                print(f"{self.stack_name(template)}: its change set needs the outputs of the stack before it, "
                      "which does not exist yet")
                continue
            name, kind, _ = self.change_set(template, self.parameters(template, inputs))
            self.discard(template, name, kind)
            outputs = self.outputs(template)
            inputs = None if outputs is None else {**inputs, **outputs}
        print("dry run: nothing changed")

    def deploy(self):
        network = self.upstream() if self.args.vpc_id else self.apply("network", {})
        data = {**network, **self.apply("data", self.parameters("data", network))}
        service = self.apply("service", self.parameters("service", data, phase="tasks"))
        self.migrate(data, service)
        service = self.apply("service", self.parameters("service", data))
        print(f"deployed: {service['PublicUrl']}")

    def migrate(self, data, service):
        task = self.ecs.run_task(
            cluster=service["ClusterName"], taskDefinition=service["MigrateTaskDefinitionArn"],
            launchType="FARGATE", count=1, startedBy="bin/deploy",
            networkConfiguration={"awsvpcConfiguration": {
                "subnets": data["SubnetIds"].split(","), "securityGroups": [data["TaskSecurityGroupId"]],
                "assignPublicIp": "ENABLED"}})
        if task.get("failures"):
            raise ScriptError(f"the migration task did not start: {task['failures']}")
        arn = task["tasks"][0]["taskArn"]
        print(f"migration: {arn}")
        self.ecs.get_waiter("tasks_stopped").wait(cluster=service["ClusterName"], tasks=[arn],
                                                  WaiterConfig={"Delay": 6, "MaxAttempts": 100})
        stopped = self.ecs.describe_tasks(cluster=service["ClusterName"], tasks=[arn])["tasks"][0]
        code = stopped["containers"][0].get("exitCode")
        if code != 0:
            raise ScriptError(f"the migration exited with {code} ({stopped.get('stoppedReason', '')}); the service "
                              f"still runs its previous image; logs: /{self.stack_name('service')}/tasks")
        print("migration: done")


@run_cli
def main(argv=None):
    args = parse_args(argv)
    session = aws_session()
    deployer = Deployer(session, args)
    print(describe_target(session, deployer.cfn, deployer.ecs))
    deployer.validate()
    deployer.dry_run() if args.dry_run else deployer.deploy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
