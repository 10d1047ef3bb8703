#!/usr/bin/env python3
"""(b) The module's rendered instance policy, enforced by moto with IAM on: every call the agent
host makes succeeds under it, and with any one statement removed exactly that statement's calls
are refused with AccessDenied.

Calls go through the code that runs on the host: the agent's own C (policy_probe: Secrets Manager,
SSM, KMS envelope, S3 stage upload) and the weir-aws helper from user data (SSM put, S3 package
download, EC2 attach, CloudWatch metrics, CloudWatch Logs).

moto 5.0 evaluates Action for every service but Resource only for S3, and no Condition: the test
gives moto the rendered policy with non-S3 resources widened to "*" (printed below). S3 resource
scoping is therefore enforced here for real (and "cloudwatch:" actions are spelled "monitoring:",
the SigV4 name moto checks them under); the exact ARNs and conditions of the other statements
are asserted by check_render.py, and only a real account evaluates them."""
import json
import os
import subprocess
import sys
import urllib.request

import boto3

sys.path.insert(0, os.path.dirname(__file__))
from render import DEFAULT_INPUTS, RENDER, render  # noqa: E402

probe, work = sys.argv[1], sys.argv[2]
endpoint, region = os.environ["AWS_ENDPOINT_URL"], os.environ["AWS_REGION"]
helper = os.path.join(RENDER, "files", "weir-aws.py")
admin = boto3.session.Session(aws_access_key_id="seed", aws_secret_access_key="seed", region_name=region)
client = lambda service, s=admin: s.client(service, endpoint_url=endpoint)

# Seed, before authentication is on.
iam = client("iam")
iam.create_user(UserName="admin")
iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
admin_key = iam.create_access_key(UserName="admin")["AccessKey"]
key_arn = client("kms").create_key(Description="weir agent")["KeyMetadata"]["Arn"]
client("s3").create_bucket(Bucket="acme-weir-stage", CreateBucketConfiguration={"LocationConstraint": region})
client("s3").put_object(Bucket="acme-weir-stage", Key="packages/weir-agent_amd64.deb", Body=b"!<arch>\ndeb")
client("secretsmanager").create_secret(Name="weir/dev/payments", SecretString=json.dumps({"password": "pw-1"}))
ssm = client("ssm")
ssm.put_parameter(Name="/weir/dev/agent/token", Value="token-0123456789abcdef", Type="SecureString")
ssm.put_parameter(Name="/weir/dev/agent/ca.pem", Value="pending", Type="String")
client("logs").create_log_group(logGroupName="/weir/dev/weir-agent")
ec2 = client("ec2")
image = ec2.describe_images()["Images"][0]["ImageId"]
instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": region + "a"},
                             TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "weir:agent", "Value": "weir-agent"}]}])["Instances"][0]["InstanceId"]
volume = ec2.create_volume(AvailabilityZone=region + "a", Size=10, Encrypted=True, KmsKeyId=key_arn,
                           TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "weir:agent", "Value": "weir-agent"}]}])["VolumeId"]
account = client("sts").get_caller_identity()["Account"]

# The policy, rendered by real tofu from this account's resources.
inputs = dict(DEFAULT_INPUTS, account_id=account, kms_key_arn=key_arn, data_volume_id=volume, secret_arns=[])
rendered = json.loads(render(os.path.join(work, "render"), inputs)["instance_policy_json"])


def for_moto(statements):
    """moto's reading of the policy: non-S3 resources widened to "*" (it matches them against "*"),
    and CloudWatch actions under the signing name "monitoring" (moto prefixes actions with the
    SigV4 service name, where IAM says "cloudwatch")."""
    out = []
    for s in statements:
        s = dict(s, Action=[a.replace("cloudwatch:", "monitoring:", 1) for a in s["Action"]])
        out.append(s if any(a.startswith("s3:") for a in s["Action"]) else dict(s, Resource="*"))
    return json.dumps({"Version": "2012-10-17", "Statement": out})


print("policy_moto: moto's form of the rendered policy:", for_moto(rendered["Statement"]))
role = iam.create_role(RoleName="weir-agent", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
iam.put_role_policy(RoleName="weir-agent", PolicyName="weir-agent", PolicyDocument=for_moto(rendered["Statement"]))
creds = client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName=instance)["Credentials"]
req = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"})
urllib.request.urlopen(req, timeout=10).read()  # from here on: signatures and policies checked
iam = boto3.session.Session(aws_access_key_id=admin_key["AccessKeyId"], aws_secret_access_key=admin_key["SecretAccessKey"],
                            region_name=region).client("iam", endpoint_url=endpoint)

env = dict(os.environ, AWS_ACCESS_KEY_ID=creds["AccessKeyId"], AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
           AWS_SESSION_TOKEN=creds["SessionToken"], WEIR_PROBE_KMS_KEY=key_arn, WEIR_INSTANCE_ID=instance,
           WEIR_NAME="weir-agent", WEIR_LOG_GROUP="/weir/dev/weir-agent", WEIR_PUSH_STATE=os.path.join(work, "push"),
           WEIR_LOG_COMMAND="printf '%s\\n' '{\"@level\":\"info\",\"@message\":\"control API listening\"}'")
metrics = os.path.join(work, "metrics.txt")
with open(metrics, "w") as f:  # what the agent's /metrics serves (store up, one table's last success)
    f.write("weir_store_up 1\nweir_last_success_timestamp_seconds{pipeline=\"p\",table=\"t\"} 1700000000\n")
env["WEIR_METRICS_URL"] = "file://" + metrics
chunk = os.path.join(work, "chunk.csv.zst")
with open(chunk, "wb") as f:
    f.write(b"\x28\xb5\x2f\xfd" + b"x" * 1000)
ca = os.path.join(work, "ca.pem")
with open(ca, "w") as f:
    f.write("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")

# Each call, the statement that allows it, and how it runs: ("probe", args) is the agent's C code,
# ("helper", args) the host helper. Stage upload outside the prefix must fail even with the full policy.
CALLS = [
    ("secret via Secrets Manager", "ReadAgentSecrets", [probe, "secret", "aws-sm:weir/dev/payments#password"]),
    ("secret via SSM", "ReadAgentParameters", [probe, "secret", "ssm:/weir/dev/agent/token"]),
    ("token fetch at boot", "ReadAgentParameters", [sys.executable, helper, "ssm-get", "/weir/dev/agent/token", os.path.join(work, "token")]),
    ("CA publication", "PublishAgentCa", [sys.executable, helper, "ssm-put", "/weir/dev/agent/ca.pem", ca]),
    ("KMS envelope", "UseAgentKey", [probe, "kms", key_arn, os.path.join(work, "secrets.key.kms")]),
    ("stage upload", "WriteStage", [probe, "s3", "s3://acme-weir-stage/dev/", "p/t/run-1/000001.csv.zst", chunk]),
    ("package download", "ReadAgentPackage", [sys.executable, helper, "s3-get", "s3://acme-weir-stage/packages/weir-agent_amd64.deb", os.path.join(work, "agent.deb")]),
    ("volume attach", "AttachDataVolume", [sys.executable, helper, "attach-volume", volume, "/dev/sdf"]),
    ("heartbeat and logs", "PutWeirMetrics+WriteAgentLogs", [sys.executable, helper, "push"]),
]
OUTSIDE = ("stage upload outside the prefix", [probe, "s3", "s3://acme-weir-stage/prod/", "p/t/run-1/000001.csv.zst", chunk])
NOT_HERE = {"AttachEncryptedVolume": "EC2 creates the grant inside AttachVolume; moto does not call KMS",
            "SessionManager": "moto serves no Session Manager channel (ssmmessages)",
            "DescribeDataVolume": "moto authorizes ec2:DescribeVolumes like AttachVolume's statement; checked with it below"}


def run(args):
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).strip()


def detach():
    for a in client("ec2", boto3.session.Session(aws_access_key_id=admin_key["AccessKeyId"],
                    aws_secret_access_key=admin_key["SecretAccessKey"], region_name=region)).describe_volumes(
                    VolumeIds=[volume])["Volumes"][0]["Attachments"]:
        boto3.session.Session(aws_access_key_id=admin_key["AccessKeyId"], aws_secret_access_key=admin_key["SecretAccessKey"],
                              region_name=region).client("ec2", endpoint_url=endpoint).detach_volume(VolumeId=volume, InstanceId=a["InstanceId"])


failures = []
for label, _, args in CALLS:
    detach()
    rc, out = run(args)
    if rc != 0:
        failures.append(f"full policy: {label} failed: {out}")
rc, out = run(OUTSIDE[1])
if rc == 0 or "AccessDenied" not in out:
    failures.append(f"full policy: {OUTSIDE[0]} was not refused with AccessDenied: {out}")
print(f"policy_moto: full policy: {len(CALLS)} calls allowed, stage upload outside dev/ refused")

removals = [s["Sid"] for s in rendered["Statement"] if s["Sid"] not in NOT_HERE or s["Sid"] == "DescribeDataVolume"]
for sid in removals:
    iam.put_role_policy(RoleName="weir-agent", PolicyName="weir-agent",
                        PolicyDocument=for_moto([s for s in rendered["Statement"] if s["Sid"] != sid]))
    denied = 0
    for label, needs, args in CALLS:
        detach()
        rc, out = run(args)
        should_fail = sid in needs.split("+") or (sid == "DescribeDataVolume" and needs == "AttachDataVolume")
        if should_fail and (rc == 0 or "AccessDenied" not in out):
            failures.append(f"without {sid}: {label} was not refused with AccessDenied: {out}")
        elif not should_fail and rc != 0:
            failures.append(f"without {sid}: {label} failed although {sid} does not cover it: {out}")
        denied += should_fail
    print(f"policy_moto: without {sid}: {denied} call(s) refused with AccessDenied, the other {len(CALLS) - denied} allowed")
for sid, why in NOT_HERE.items():
    if sid != "DescribeDataVolume":
        print(f"policy_moto: {sid} not exercised here: {why}")
for f in failures:
    print("policy_moto: FAIL:", f)
sys.exit(1 if failures else 0)
