"""Renders modules/weir-agent-aws/modules/render with real tofu: `tofu init` and `tofu apply` of a
root that calls only that submodule (no provider is involved), then `tofu output -json`."""
import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RENDER = os.path.join(ROOT, "modules", "weir-agent-aws", "modules", "render")
OUTPUTS = ["instance_policy_json", "assume_role_policy_json", "key_policy_json", "user_data", "agent_env",
           "boot_conf", "token_parameter_name", "ca_parameter_name", "log_group_arn"]


def hcl(value):
    return json.dumps(value)  # JSON strings, numbers, lists and objects are valid HCL expressions


def render(workdir, inputs, expect_failure=False):
    """Returns the outputs as a dict, or with expect_failure the error text of a refused apply."""
    os.makedirs(workdir, exist_ok=True)
    args = "\n".join(f"  {k} = {hcl(v)}" for k, v in inputs.items())
    outs = "\n".join(f"    {k} = module.render.{k}" for k in OUTPUTS)
    with open(os.path.join(workdir, "main.tf"), "w") as f:
        f.write(f'module "render" {{\n  source = "{RENDER}"\n{args}\n}}\n\noutput "r" {{\n  value = {{\n{outs}\n  }}\n}}\n')
    tofu = os.path.join(ROOT, ".tools", "bin", "tofu")
    cli_config = os.path.join(workdir, "cli.tfrc")  # empty: no registry, mirrors or plugin cache needed
    open(cli_config, "w").close()
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_CLI_CONFIG_FILE=cli_config, NO_COLOR="1")
    run = lambda *a: subprocess.run([tofu, *a], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    init = run("init", "-input=false", "-no-color")
    if init.returncode:
        raise RuntimeError("tofu init: " + init.stderr + init.stdout)
    apply = run("apply", "-auto-approve", "-input=false", "-no-color")
    if expect_failure:
        if apply.returncode == 0:
            raise AssertionError("tofu apply accepted inputs it should refuse: " + json.dumps(inputs))
        return apply.stderr + apply.stdout
    if apply.returncode:
        raise RuntimeError("tofu apply: " + apply.stderr + apply.stdout)
    out = run("output", "-json", "r")
    if out.returncode:
        raise RuntimeError("tofu output: " + out.stderr)
    return json.loads(out.stdout)


DEFAULT_INPUTS = {
    "name": "weir-agent",
    "environment": "dev",
    "region": "eu-central-1",
    "account_id": "123456789012",
    "kms_key_arn": "arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555",
    "stage_bucket": "acme-weir-stage",
    "stage_prefix": "dev/",
    "secret_arns": ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-abc-XyZ123"],
    "log_group_name": "/weir/dev/weir-agent",
    "data_volume_id": "vol-0123456789abcdef0",
    "package_source": "s3://acme-weir-stage/packages/weir-agent_amd64.deb",
    "package_sha256": "a" * 64,
    "tls_names": ["weir-0123.elb.eu-central-1.amazonaws.com"],
}
