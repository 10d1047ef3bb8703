#!/usr/bin/env python3
"""Prints one `run:` step of a GitHub Actions workflow as a bash script, so a test runs the
workflow's own commands instead of a copy of them: the job's and the step's `env:` become exports,
then the step's `run:` text follows. GitHub runs such a step as `bash -e SCRIPT`.

Expressions are resolved as GitHub would for the few kinds these steps use, and anything else is an
error (never silently left in the script):
  ${{ secrets.NAME }}             as a whole env: value, from the environment variable
                                  SECRET_NAME when the step runs (the script holds no secret)
  ${{ steps.ID.outputs.NAME }}    from the GITHUB_OUTPUT file (NAME=value lines) of earlier steps

Usage: workflow_step.py WORKFLOW.yml JOB "STEP NAME"
"""
import os
import re
import shlex
import sys

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def outputs():
    path = os.environ.get("GITHUB_OUTPUT", "")
    found = {}
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                key, sep, value = line.rstrip("\n").partition("=")
                if sep:
                    found[key] = value
    return found


def resolve(text, where):
    def one(match):
        expr = match.group(1)
        m = re.fullmatch(r"steps\.[A-Za-z_][A-Za-z0-9_-]*\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)", expr)
        if m:
            return outputs().get(m.group(1), "")
        sys.exit(f"workflow_step: {where}: expression ${{{{ {expr} }}}} is not supported here")

    return EXPR.sub(one, str(text))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, job_name, step_name = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    job = (workflow.get("jobs") or {}).get(job_name)
    if not isinstance(job, dict):
        sys.exit(f"workflow_step: {path} has no job {job_name}")
    steps = [s for s in job.get("steps", []) if s.get("name") == step_name]
    if len(steps) != 1:
        sys.exit(f"workflow_step: {path} job {job_name}: want one step named {step_name!r}, found {len(steps)}")
    step = steps[0]
    if "run" not in step or step.get("shell", "bash") != "bash" or "working-directory" in step:
        sys.exit(f"workflow_step: step {step_name!r} is not a plain bash run step")
    lines = ["# generated from %s, job %s, step %r" % (os.path.basename(path), job_name, step_name)]
    for scope, env in (("job", job.get("env") or {}), ("step", step.get("env") or {})):
        for key, value in env.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                sys.exit(f"workflow_step: bad {scope} env name {key!r}")
            secret = re.fullmatch(r"\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", str(value))
            if secret:  # referenced, never written into the script
                name = "SECRET_" + secret.group(1)
                lines.append(f'export {key}="${{{name}:?the workflow needs secrets.{secret.group(1)}}}"')
            else:
                lines.append(f"export {key}={shlex.quote(resolve(value, f'{scope} env {key}'))}")
    lines.append(resolve(step["run"], f"step {step_name!r}"))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
