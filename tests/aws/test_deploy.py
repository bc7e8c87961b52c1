"""bin/deploy against moto: --dry-run validates every template, prints the change sets and leaves
nothing behind; missing region or credentials stop it before its first request."""
import subprocess

import boto3

from tests.aws.cfn import REPO

DEPLOY = REPO / "bin" / "deploy"


def deploy(*args, env):
    return subprocess.run([str(DEPLOY), *args], env=env, capture_output=True, text=True, timeout=120)


def _client(env, service):
    return boto3.client(service, endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _live_stacks(env):
    return [s["StackName"] for s in _client(env, "cloudformation").list_stacks()["StackSummaries"]
            if s["StackStatus"] != "DELETE_COMPLETE"]


def test_dry_run_on_a_new_account_shows_the_network_and_creates_nothing(aws_env):
    result = deploy("--dry-run", env=aws_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("valid:")] == [
        "valid: aws/cfn/network.yaml", "valid: aws/cfn/data.yaml", "valid: aws/cfn/service.yaml"]
    assert "cruddur-network: create, 9 change(s)" in lines
    assert any(line.split()[:3] == ["Add", "AWS::EC2::VPC", "Vpc"] for line in lines)
    assert any(line.startswith("cruddur-data: its change set needs the outputs") for line in lines)
    assert lines[-1] == "dry run: nothing changed"
    assert _live_stacks(aws_env) == []
    assert _client(aws_env, "ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.20.0.0/16"]}])["Vpcs"] == []


def test_dry_run_with_an_existing_vpc_shows_the_data_stack(aws_env):
    ec2 = _client(aws_env, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for cidr, zone in (("10.9.0.0/20", "us-east-1a"), ("10.9.16.0/20", "us-east-1b"))]
    result = deploy("--dry-run", "--vpc-id", vpc, "--subnet-ids", ",".join(subnets), env=aws_env)
    assert result.returncode == 0, result.stderr
    assert "cruddur-network" not in result.stdout
    assert "cruddur-data: create, 10 change(s)" in result.stdout
    for kind, logical in (("AWS::RDS::DBInstance", "Database"), ("AWS::ElastiCache::CacheCluster", "Cache"),
                          ("AWS::SecretsManager::Secret", "SecretKey")):
        assert any(line.split()[:3] == ["Add", kind, logical] for line in result.stdout.splitlines()), kind
    assert _live_stacks(aws_env) == []


def test_missing_region_or_credentials_stop_before_any_request(aws_env):
    for missing in ("AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID"):
        env = {k: v for k, v in aws_env.items() if k != missing}
        result = deploy("--dry-run", env=env)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith("error: No AWS ")
        assert ("region" if missing == "AWS_DEFAULT_REGION" else "credentials") in line
        assert result.stdout == ""
    assert _live_stacks(aws_env) == []


def test_a_real_run_needs_the_images(aws_env):
    result = deploy(env=aws_env)
    assert result.returncode == 2 and "--backend-image and --frontend-image are required" in result.stderr
    assert _live_stacks(aws_env) == []
