"""Cruddur's three stacks deployed to moto's CloudFormation, in bin/deploy's order, once for the
module; then the resources read back through each service's own API. The types moto lacks
(tests.aws.cfn.moto_lacks), and the properties moto's CloudFormation drops from the types it has
(listed in docs/aws.md), are checked from the template."""
import ast
import json
from urllib.parse import unquote

import pytest

from tests.aws.cfn import REPO, for_moto, load, moto_lacks

IMAGES = {"BackendImage": "backend:2", "TaskImage": "backend:2", "FrontendImage": "frontend:2"}


@pytest.fixture(scope="module")
def aws(moto_server):
    moto_server["server"].reset()
    server = moto_server["server"]
    clients = {name: server.client(name) for name in
               ("cloudformation", "ec2", "rds", "elbv2", "ecs", "iam", "logs")}

    def deploy(name, **parameters):
        cfn = clients["cloudformation"]
        cfn.create_stack(StackName=f"cruddur-{name}", TemplateBody=for_moto(load(name)),
                         Capabilities=["CAPABILITY_IAM"],
                         Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in parameters.items()])
        stack = cfn.describe_stacks(StackName=f"cruddur-{name}")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

    network = deploy("network")
    data = deploy("data", **network)
    service = deploy("service", VpcId=network["VpcId"], VpcCidr=network["VpcCidr"], SubnetIds=network["SubnetIds"],
                     **data, **IMAGES)
    yield {"network": network, "data": data, "service": service, **clients}
    server.reset()


def _physical(aws, stack, logical):
    # (moto's DescribeStackResource fails on a stack holding a SecurityGroupIngress; the list works)
    resources = aws["cloudformation"].list_stack_resources(StackName=f"cruddur-{stack}")["StackResourceSummaries"]
    return next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == logical)


def test_network_has_two_public_subnets_in_two_zones(aws):
    subnets = aws["ec2"].describe_subnets(SubnetIds=aws["network"]["SubnetIds"].split(","))["Subnets"]
    assert {s["VpcId"] for s in subnets} == {aws["network"]["VpcId"]}
    assert len({s["AvailabilityZone"] for s in subnets}) == 2
    routes = aws["ec2"].describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [aws["network"]["VpcId"]]}])
    assert any(r.get("GatewayId", "").startswith("igw-") and r["DestinationCidrBlock"] == "0.0.0.0/0"
               for table in routes["RouteTables"] for r in table["Routes"])


def test_database_is_private_encrypted_postgres_reachable_from_the_tasks_only(aws):
    db = aws["rds"].describe_db_instances()["DBInstances"][0]
    assert (db["Engine"], db["DBInstanceClass"], db["DBName"]) == ("postgres", "db.t4g.micro", "cruddur")
    assert db["PubliclyAccessible"] is False and db["StorageEncrypted"] is True and db["BackupRetentionPeriod"] == 7
    assert len(db["VpcSecurityGroups"]) == 1
    template = load("data")["Resources"]
    assert template["Database"]["DeletionPolicy"] == "Snapshot"
    # moto keeps a security group's inline rules only for CIDR sources: checked from the template.
    [rule] = template["DatabaseSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert (rule["FromPort"], rule["ToPort"]) == (5432, 5432)
    assert rule["SourceSecurityGroupId"] == {"Ref": "TaskSecurityGroup"}


def test_secrets_are_generated_never_written_in_the_template():
    resources = load("data")["Resources"]
    for name in ("SecretKey", "DatabaseCredentials"):
        generated = resources[name]["Properties"]["GenerateSecretString"]
        assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True
        assert "SecretString" not in resources[name]["Properties"]
    url = resources["DatabaseUrl"]["Properties"]["SecretString"]["Fn::Sub"]
    assert url.startswith("postgresql+psycopg://{{resolve:secretsmanager:${DatabaseCredentials}")
    assert "{{resolve:secretsmanager:${DatabaseCredentials}:SecretString:password}}" in url
    db = resources["Database"]["Properties"]
    assert "resolve:secretsmanager" in db["MasterUserPassword"]["Fn::Sub"]


def test_redis_for_the_limits_is_reachable_from_the_tasks_only(aws):
    resources = load("data")["Resources"]
    cache = resources["Cache"]["Properties"]
    assert (cache["Engine"], cache["CacheNodeType"], cache["NumCacheNodes"]) == ("redis", {"Ref": "CacheNodeType"}, 1)
    [rule] = resources["CacheSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert (rule["FromPort"], rule["SourceSecurityGroupId"]) == (6379, {"Ref": "TaskSecurityGroup"})
    assert aws["data"]["RedisUrl"].startswith("redis://") and aws["data"]["RedisUrl"].endswith(":6379/0")


def test_load_balancer_sends_everything_to_nginx_and_nothing_straight_to_gunicorn(aws):
    elbv2 = aws["elbv2"]
    # One target group: nginx in the backend task. Its health check passes through nginx to
    # gunicorn, so a task whose gunicorn is down leaves the rotation.
    [group] = elbv2.describe_target_groups()["TargetGroups"]
    assert (group["Port"], group["Protocol"], group["TargetType"]) == (3000, "HTTP", "ip")
    assert group["HealthCheckPath"] == "/api/health-check" and group["Matcher"]["HttpCode"] == "200"
    # moto's CloudFormation drops target group attributes: checked from the template.
    resources = load("service")["Resources"]
    assert [k for k, r in resources.items() if r["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup"] == [
        "BackendTargetGroup"]
    attributes = {a["Key"]: a["Value"] for a in resources["BackendTargetGroup"]["Properties"]["TargetGroupAttributes"]}
    # Workers stop within 5 s: drain that long and a little more, not the default 300 s.
    assert 5 < int(attributes["deregistration_delay.timeout_seconds"]) <= 15
    [balancer] = elbv2.describe_load_balancers()["LoadBalancers"]
    [listener] = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    assert listener["Port"] == 80  # no certificate given: HTTP, forwarded
    assert listener["DefaultActions"][0]["TargetGroupArn"] == group["TargetGroupArn"]
    # No path rule: /api/ and /rollbar/ reach gunicorn only through nginx's buffering and limits.
    assert [r for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not r["IsDefault"]] == []
    assert not [k for k, r in resources.items() if r["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule"]


def test_only_the_load_balancer_reaches_the_tasks_and_only_on_nginx_port(aws):
    # moto keeps a standalone ingress rule but loses its source group in the stack: checked from the template.
    ingress = [r["Properties"] for r in load("service")["Resources"].values()
               if r["Type"] == "AWS::EC2::SecurityGroupIngress"]
    to_tasks = [r for r in ingress if r["GroupId"] == {"Ref": "TaskSecurityGroupId"}]
    assert [(r["FromPort"], r["ToPort"], r["SourceSecurityGroupId"]) for r in to_tasks] == [
        (3000, 3000, {"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]})]
    assert "SecurityGroupIngress" not in load("data")["Resources"]["TaskSecurityGroup"]["Properties"]
    # gunicorn's port is in no rule of any group, in either stack.
    for name in ("data", "service"):
        for resource in load(name)["Resources"].values():
            rules = ([resource["Properties"]] if resource["Type"] == "AWS::EC2::SecurityGroupIngress" else
                     resource["Properties"].get("SecurityGroupIngress", [])
                     if resource["Type"] == "AWS::EC2::SecurityGroup" else [])
            assert all(not (r["FromPort"] <= 4567 <= r["ToPort"]) for r in rules), resource
    tasks = aws["ec2"].describe_security_groups(GroupIds=[aws["data"]["TaskSecurityGroupId"]])["SecurityGroups"][0]
    assert all(not (p.get("FromPort", 0) <= 4567 <= p.get("ToPort", -1)) for p in tasks["IpPermissions"])


def test_with_a_certificate_http_redirects_to_https():
    resources = load("service")["Resources"]
    redirect, forward = resources["HttpListener"]["Properties"]["DefaultActions"][0]["Fn::If"][1:]
    assert redirect["Type"] == "redirect" and redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    assert forward["Type"] == "forward"
    https = resources["HttpsListener"]
    assert https["Condition"] == "HasCertificate" and https["Properties"]["Port"] == 443
    assert https["Properties"]["DefaultActions"] == [
        {"Type": "forward", "TargetGroupArn": {"Ref": "BackendTargetGroup"}}]
    # The service registers into the target group only once the listener that forwards to it exists.
    [tag] = resources["BackendService"]["Properties"]["Tags"]
    assert tag["Value"] == {"Fn::If": ["HasCertificate", {"Ref": "HttpsListener"}, {"Ref": "HttpListener"}]}


def _task(aws, family):
    return aws["ecs"].describe_task_definition(taskDefinition=f"cruddur-service-{family}")["taskDefinition"]


def _template_task(logical):
    return load("service")["Resources"][logical]["Properties"]


def test_backend_task_runs_nginx_in_front_of_gunicorn_with_the_xray_daemon_beside_it(aws):
    task = _task(aws, "backend-flask")
    assert task["memory"] == "1024"
    # moto's CloudFormation keeps a task definition's family, containers and memory only.
    template = _template_task("BackendTaskDefinition")
    assert template["RequiresCompatibilities"] == ["FARGATE"]
    assert (template["NetworkMode"], template["Cpu"]) == ("awsvpc", "512")
    containers = {c["name"]: c for c in task["containerDefinitions"]}
    assert set(containers) == {"xray-daemon", "backend-flask", "nginx"}
    daemon, backend, nginx = containers["xray-daemon"], containers["backend-flask"], containers["nginx"]
    assert daemon["portMappings"][0]["containerPort"] == 2000 and daemon["portMappings"][0]["protocol"] == "udp"
    env = {e["name"]: e["value"] for e in backend["environment"]}
    assert daemon["command"][-1] == env["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    assert backend["image"] == "backend:2" and backend["command"] == ["gunicorn", "app:app"]
    assert "/api/health-check" in backend["healthCheck"]["command"][1]
    assert f"127.0.0.1:{env['PORT']}/" in backend["healthCheck"]["command"][1]
    assert backend["stopTimeout"] >= 10  # gunicorn's graceful_timeout
    assert env["RATELIMIT_STORAGE_URI"] == aws["data"]["RedisUrl"] and env["CRUDDUR_ENV"] == "production"
    assert env["FRONTEND_URL"] == env["BACKEND_URL"] == aws["service"]["PublicUrl"]
    assert env["CLOUDWATCH_LOG_GROUP"] == "/cruddur-service/app"
    secrets = {s["name"]: s["valueFrom"] for s in backend["secrets"] if s}  # moto keeps AWS::NoValue as null
    assert secrets == {"SECRET_KEY": aws["data"]["SecretKeyArn"], "DATABASE_URL": aws["data"]["DatabaseUrlArn"]}
    # Only nginx's port is mapped; gunicorn is reached on the task's loopback.
    assert [m["containerPort"] for c in (backend, nginx) for m in c.get("portMappings", [])] == [3000]
    assert nginx["image"] == "frontend:2" and nginx["essential"] is True
    # Exactly what nginx's templates read: the port, gunicorn beside it, and the load balancer's
    # nodes (the VPC's range), whose X-Forwarded-For names the client.
    assert {e["name"]: e["value"] for e in nginx["environment"]} == {
        "NGINX_PORT": "3000", "BACKEND_ADDR": f"127.0.0.1:{env['PORT']}",
        "NGINX_REAL_IP_FROM": aws["network"]["VpcCidr"]}
    assert aws["network"]["VpcCidr"] == "10.20.0.0/16"
    # nginx then appends that client to X-Forwarded-For as the one hop gunicorn trusts.
    assert env["CRUDDUR_PROXY_HOPS"] == "1"
    # nginx starts once gunicorn is healthy, and (the dependency reversed) stops before it.
    assert nginx["dependsOn"] == [{"containerName": "backend-flask", "condition": "HEALTHY"}]
    assert backend["dependsOn"] == [{"containerName": "xray-daemon", "condition": "START"}]
    assert 0 < nginx["stopTimeout"] <= backend["stopTimeout"]
    for container in containers.values():
        options = container["logConfiguration"]["options"]
        assert container["logConfiguration"]["logDriver"] == "awslogs"
        assert options["awslogs-group"] == "/cruddur-service/backend-flask" and options["awslogs-region"] == "us-east-1"


def test_migration_and_purge_run_the_cli_never_the_seed(aws):
    for family, command in (("migrate", ["flask", "--app", "app", "db", "upgrade"]),
                            ("purge", ["flask", "--app", "app", "purge-expired"])):
        [container] = _task(aws, family)["containerDefinitions"]
        assert container["command"] == command and container["image"] == "backend:2"
        assert {s["name"] for s in container["secrets"]} == {"SECRET_KEY", "DATABASE_URL"}
    assert aws["service"]["MigrateTaskDefinitionArn"].endswith(":task-definition/cruddur-service-migrate:1")


def test_log_groups_keep_two_weeks(aws):
    groups = aws["logs"].describe_log_groups(logGroupNamePrefix="/cruddur-service/")["logGroups"]
    assert {g["logGroupName"].rsplit("/", 1)[1]: g["retentionInDays"] for g in groups} == {
        "backend-flask": 14, "tasks": 14, "app": 14}


def test_one_service_runs_on_fargate_behind_the_target_group(aws):
    ecs, cluster = aws["ecs"], aws["service"]["ClusterName"]
    [backend] = ecs.describe_services(cluster=cluster, services=[aws["service"]["BackendServiceName"]])["services"]
    assert backend["desiredCount"] == 1
    assert backend["taskDefinition"].endswith("task-definition/cruddur-service-backend-flask:1")
    assert ecs.list_services(cluster=cluster)["serviceArns"] == [backend["serviceArn"]]
    # moto's CloudFormation keeps a service's cluster, task definition and count only.
    resources = load("service")["Resources"]
    assert [k for k, r in resources.items() if r["Type"] == "AWS::ECS::Service"] == ["BackendService"]
    service = resources["BackendService"]["Properties"]
    assert service["LaunchType"] == "FARGATE"
    assert service["LoadBalancers"] == [{"ContainerName": "nginx", "ContainerPort": 3000,
                                         "TargetGroupArn": {"Ref": "BackendTargetGroup"}}]
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["SecurityGroups"] == [{"Ref": "TaskSecurityGroupId"}]
    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert service["DeploymentConfiguration"]["MinimumHealthyPercent"] == 100


def _role_policy(aws, logical):
    iam, name = aws["iam"], _physical(aws, "service", logical)
    policies = iam.list_role_policies(RoleName=name)["PolicyNames"]
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []  # no managed policies
    documents = [iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in policies]
    # moto's CloudFormation stores an inline document as Python's repr of it, not as JSON
    documents = [ast.literal_eval(unquote(d)) if isinstance(d, str) else d for d in documents]
    return [statement for document in documents for statement in document["Statement"]]


def test_one_least_privilege_role_per_task(aws):
    tasks = {logical: _template_task(logical) for logical in
             ("BackendTaskDefinition", "MigrateTaskDefinition", "PurgeTaskDefinition")}
    defined = [k for k, r in load("service")["Resources"].items() if r["Type"] == "AWS::ECS::TaskDefinition"]
    assert defined == list(tasks)
    assert [t["TaskRoleArn"] for t in tasks.values()] == [
        {"Fn::GetAtt": [role, "Arn"]} for role in ("BackendTaskRole", "MigrateTaskRole", "PurgeTaskRole")]
    backend = _role_policy(aws, "BackendTaskRole")
    assert {a for s in backend for a in s["Action"]} == {
        "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
        "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"}
    assert _role_policy(aws, "MigrateTaskRole") == _role_policy(aws, "PurgeTaskRole") == []
    assert [k for k, r in load("service")["Resources"].items() if r["Type"] == "AWS::IAM::Role"] == [
        "AppExecutionRole", "BackendTaskRole", "MigrateTaskRole", "PurgeTaskRole", "PurgeSchedulerRole"]
    for logical in ("AppExecutionRole", "BackendTaskRole", "PurgeSchedulerRole"):
        for statement in _role_policy(aws, logical):
            actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            assert all("*" not in a for a in actions), (logical, actions)
            if statement["Resource"] == "*":  # only what AWS offers no resource for
                assert set(actions) <= {"ecr:GetAuthorizationToken", "xray:PutTraceSegments",
                                        "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                                        "xray:GetSamplingTargets"}, (logical, actions)


def test_types_moto_lacks_are_checked_from_the_template():
    lacking = {**moto_lacks(load("data")), **moto_lacks(load("service"))}
    assert set(lacking.values()) == {
        "AWS::SecretsManager::Secret", "AWS::ElastiCache::SubnetGroup", "AWS::ElastiCache::CacheCluster",
        "AWS::XRay::SamplingRule", "AWS::XRay::Group", "AWS::ApplicationAutoScaling::ScalableTarget",
        "AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::Scheduler::Schedule"}
    docs = (REPO / "docs" / "aws.md").read_text()
    assert all(f"`{kind}`" in docs for kind in lacking.values())


def test_autoscaling_tracks_backend_cpu():
    resources = load("service")["Resources"]
    target = resources["BackendScalableTarget"]["Properties"]
    assert target["ResourceId"] == {"Fn::Sub": "service/${Cluster}/${BackendService.Name}"}
    assert (target["MinCapacity"], target["MaxCapacity"]) == ({"Ref": "BackendMinTasks"}, {"Ref": "BackendMaxTasks"})
    policy = resources["BackendCpuScaling"]["Properties"]
    assert policy["PolicyType"] == "TargetTrackingScaling"
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"


def test_purge_runs_on_a_schedule_with_a_role_that_can_start_only_it():
    resources = load("service")["Resources"]
    schedule = resources["PurgeSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == {"Ref": "PurgeScheduleExpression"}
    target = schedule["Target"]
    assert target["Arn"] == {"Fn::GetAtt": ["Cluster", "Arn"]}
    assert target["RoleArn"] == {"Fn::GetAtt": ["PurgeSchedulerRole", "Arn"]}
    assert target["EcsParameters"]["TaskDefinitionArn"] == {"Ref": "PurgeTaskDefinition"}
    assert target["EcsParameters"]["LaunchType"] == "FARGATE"
    [run, pass_role] = resources["PurgeSchedulerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert run["Action"] == "ecs:RunTask"
    assert run["Resource"]["Fn::Sub"].endswith("task-definition/${AWS::StackName}-purge:*")
    assert pass_role["Resource"] == [{"Fn::GetAtt": [role, "Arn"]} for role in ("AppExecutionRole", "PurgeTaskRole")]
    assert load("service")["Parameters"]["PurgeScheduleExpression"]["Default"] == "rate(1 hour)"


def test_xray_rule_and_group_match_the_ones_the_backend_uses():
    resources = load("service")["Resources"]
    rule = dict(resources["XRaySamplingRule"]["Properties"]["SamplingRule"])
    expected = json.loads((REPO / "aws" / "json" / "xray.json").read_text())["SamplingRule"]
    assert {k: v for k, v in rule.items() if k != "RuleName"} == {k: v for k, v in expected.items() if k != "RuleName"}
    assert resources["XRayGroup"]["Properties"]["FilterExpression"] == 'service("backend-flask")'
