#!/usr/bin/env python3
"""(a) The render submodule evaluated by real tofu: the policies parse and grant exactly the least
privilege set, user data carries the boot script and helper byte for byte with settings the boot
script and the agent understand, and bad inputs are refused with a clear message."""
import base64
import glob
import gzip
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from render import DEFAULT_INPUTS, RENDER, ROOT, render  # noqa: E402

A = "arn:aws"
ACCT = "eu-central-1:123456789012"
KEY = DEFAULT_INPUTS["kms_key_arn"]
EXPECTED = {
    "ReadAgentSecrets": (["secretsmanager:GetSecretValue"],
                         [f"{A}:secretsmanager:{ACCT}:secret:weir/dev/*", DEFAULT_INPUTS["secret_arns"][0]]),
    "ReadAgentParameters": (["ssm:GetParameter"], [f"{A}:ssm:{ACCT}:parameter/weir/dev/*"]),
    "PublishAgentCa": (["ssm:PutParameter"], [f"{A}:ssm:{ACCT}:parameter/weir/dev/agent/ca.pem"]),
    "UseAgentKey": (["kms:Decrypt", "kms:GenerateDataKey"], [KEY]),
    "AttachEncryptedVolume": (["kms:CreateGrant"], [KEY]),
    "WriteStage": (["s3:PutObject"], [f"{A}:s3:::acme-weir-stage/dev/*"]),
    "ReadAgentPackage": (["s3:GetObject"], [f"{A}:s3:::acme-weir-stage/packages/weir-agent_amd64.deb"]),
    "WriteAgentLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{A}:logs:{ACCT}:log-group:/weir/dev/weir-agent:*"]),
    "PutWeirMetrics": (["cloudwatch:PutMetricData"], ["*"]),
    "AttachDataVolume": (["ec2:AttachVolume"], [f"{A}:ec2:{ACCT}:volume/vol-0123456789abcdef0", f"{A}:ec2:{ACCT}:instance/*"]),
    "DescribeDataVolume": (["ec2:DescribeVolumes"], ["*"]),
    "SessionManager": (["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel",
                        "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
                        "ssmmessages:OpenDataChannel"], ["*"]),
}
CONDITIONS = {
    "PutWeirMetrics": {"StringEquals": {"cloudwatch:namespace": "Weir"}},
    "AttachDataVolume": {"StringEquals": {"aws:ResourceTag/weir:agent": "weir-agent"}},
    "AttachEncryptedVolume": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
}
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)


def embedded(user_data, target):
    m = re.search(r"echo '([A-Za-z0-9+/=]+)' \| base64 -d (\| gunzip )?> " + re.escape(target) + r"\n", user_data)
    check(m, f"user data does not write {target}")
    raw = base64.b64decode(m.group(1))
    return gzip.decompress(raw).decode() if m.group(2) else raw.decode()


def agent_settings():
    """WEIR_* names the agent reads, from its settings table (wherever config.c lives now)."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, "agent", "**", "config.c"), recursive=True):
        names |= set(re.findall(r'"(WEIR_[A-Z_]+)"', open(path).read()))
    check(names, "agent/**/config.c not found")
    return names


def main():
    work = tempfile.mkdtemp(prefix="weir-render.")
    r = render(os.path.join(work, "s3"), DEFAULT_INPUTS)

    policy = json.loads(r["instance_policy_json"])
    check(policy["Version"] == "2012-10-17", "policy version")
    sids = [s["Sid"] for s in policy["Statement"]]
    check(sorted(sids) == sorted(EXPECTED), f"statements {sids}")
    for s in policy["Statement"]:
        actions, resources = EXPECTED[s["Sid"]]
        check(s["Effect"] == "Allow", f"{s['Sid']} effect")
        check(sorted(s["Action"]) == sorted(actions), f"{s['Sid']} actions {s['Action']}")
        check(sorted(s["Resource"]) == sorted(resources), f"{s['Sid']} resources {s['Resource']}")
        check(s.get("Condition") == CONDITIONS.get(s["Sid"]), f"{s['Sid']} condition {s.get('Condition')}")
        check(not any(a.endswith(":*") or a == "*" for a in s["Action"]), f"{s['Sid']} has a wildcard action")
    trust = json.loads(r["assume_role_policy_json"])
    check(trust["Statement"] == [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                  "Action": "sts:AssumeRole"}], "trust policy")
    key_policy = json.loads(r["key_policy_json"])
    logs = [s for s in key_policy["Statement"] if s["Sid"] == "LogsEncryptAgentLogGroup"][0]
    check(logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"] ==
          f"{A}:logs:{ACCT}:log-group:/weir/dev/weir-agent", "key policy limits Logs to the agent's group")

    ud = r["user_data"]
    check(ud.startswith("#!/bin/bash\n") and len(ud) <= 16384, f"user data header/size ({len(ud)} bytes)")
    files = os.path.join(RENDER, "files")
    boot = embedded(ud, "/usr/local/lib/weir/weir-boot")
    check(boot == open(os.path.join(files, "weir-boot.sh")).read(), "embedded boot script differs from files/weir-boot.sh")
    check(embedded(ud, "/usr/local/lib/weir/weir-aws") == open(os.path.join(files, "weir-aws.py")).read(),
          "embedded helper differs from files/weir-aws.py")
    check(embedded(ud, "/etc/weir/boot.conf") == r["boot_conf"], "boot.conf")
    check(embedded(ud, "/etc/weir/boot.d/agent.env") == r["agent_env"], "agent.env")
    check("systemctl enable weir-boot.service" in ud and "ExecStart=/usr/local/lib/weir/weir-boot" in ud,
          "user data does not run the boot script on every boot")
    for step in ("attach-volume", "blkid -p", "mkfs.ext4", "mount -o nodev,nosuid,noatime", "$install_deb \"$deb\"",
                 "ssm-get \"$WEIR_TOKEN_PARAMETER\"", "$etc/agent.env", "restart weir-agent.service"):
        check(step in boot, f"boot script lacks step {step!r}")

    conf = dict(re.findall(r"^([A-Z0-9_]+)='([^']*)'$", r["boot_conf"], re.M))
    needed = set(re.findall(r'"\$\{(WEIR_[A-Z0-9_]+):\?\}"', boot))
    check(needed and needed <= set(conf), f"boot.conf lacks {needed - set(conf)}")
    check(conf["WEIR_TOKEN_PARAMETER"] == "/weir/dev/agent/token" and conf["WEIR_MOUNT"] == "/var/lib/weir", "boot.conf values")

    env = dict(re.findall(r'^([A-Z0-9_]+)="(.*)"$', r["agent_env"], re.M))
    known = agent_settings()
    unknown = [k for k in env if k.startswith("WEIR_") and k not in known]
    check(not unknown, f"agent.env sets what the agent does not read: {unknown}")
    check(env["WEIR_KMS_KEY_ID"] == KEY and env["WEIR_TOKEN_FILE"] == "/etc/weir/token" and
          env["WEIR_DATA_DIR"] == "/var/lib/weir" and env["WEIR_METRICS_ADDR"] == "127.0.0.1:9464" and
          env["WEIR_LISTEN"] == "0.0.0.0:7443" and env["AWS_REGION"] == "eu-central-1", f"agent.env values {env}")
    check("WEIR_TOKEN=" not in r["agent_env"], "the token itself must never be in agent.env")

    # A package from https: no S3 read statement at all.
    https = dict(DEFAULT_INPUTS, package_source="https://downloads.example/weir-agent_1.0_amd64.deb")
    r2 = render(os.path.join(work, "https"), https)
    check("ReadAgentPackage" not in r2["instance_policy_json"] and "s3:GetObject" not in r2["instance_policy_json"],
          "https package still grants s3:GetObject")

    # Refusals with a message that says what to fix.
    for bad, words in (({"extra_environment": {"WEIR_TOKEN": "x"}}, "never WEIR_TOKEN"),
                       ({"package_source": "ftp://x/y.deb"}, "package_source: s3://BUCKET/KEY.deb"),
                       ({"package_sha256": "abc"}, "64 lowercase hex digits")):
        text = render(os.path.join(work, "bad"), dict(DEFAULT_INPUTS, **bad), expect_failure=True)
        check(words in " ".join(text.split()), f"refusal of {bad} does not say {words!r}: {text[-400:]}")
    print(f"check_render: {checks} checks passed ({len(policy['Statement'])} statements, user data {len(ud)} bytes)")


if __name__ == "__main__":
    main()
