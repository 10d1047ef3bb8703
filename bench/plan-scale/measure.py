"""Drives the plan-scale benchmark: set-up, alternating timed plans, RSS sampling, report."""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

VERSION = "0.1.0"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def weir_config(pipelines):
    out = ['terraform {\n  required_providers {\n    weir = { source = "weirdata/weir" }\n  }\n}\n',
           'provider "weir" {}\n',
           'resource "weir_source_postgres" "src" {\n  name = "src"\n  host = "db.internal"\n'
           '  database = "app"\n  user = "reader"\n  password_ref = "env:PG"\n}\n',
           'resource "weir_destination_snowflake" "dst" {\n  name = "dst"\n  account = "ORG-ACCT"\n'
           '  user = "LOADER"\n  warehouse = "WH"\n  database = "RAW"\n  schema = "APP"\n'
           '  private_key_ref = "env:SF_KEY"\n}\n']
    for i in range(pipelines):
        out.append(
            f'resource "weir_pipeline" "p{i}" {{\n  name = "p{i}"\n'
            '  source = weir_source_postgres.src.name\n  destination = weir_destination_snowflake.dst.name\n'
            f'  schedule = "{i % 60} * * * *"\n  table {{\n    name = "public.t{i}"\n'
            '    primary_key = ["id"]\n    cursor = "updated_at"\n  }\n}\n'
            f'resource "weir_quality_check" "c{i}" {{\n  name = "c{i}"\n  pipeline = weir_pipeline.p{i}.name\n'
            f'  table = "public.t{i}"\n  kind = "freshness"\n  max_age = "45m"\n}}\n')
    return "".join(out)


def null_config(pipelines):
    # Same resource count and a similar amount of attribute data per resource, served by a Go
    # provider on terraform-plugin-framework: what a typical plugin costs OpenTofu.
    out = ['terraform {\n  required_providers {\n    null = { source = "weirbench/null" }\n  }\n}\n']
    for i in range(pipelines + 1):
        out.append(
            f'resource "null_resource" "p{i}" {{\n  triggers = {{\n    name = "p{i}"\n    source = "src"\n'
            f'    destination = "dst"\n    schedule = "{i % 60} * * * *"\n    table = "public.t{i}"\n'
            '    primary_key = "id"\n    cursor = "updated_at"\n  }\n}\n'
            f'resource "null_resource" "c{i}" {{\n  triggers = {{\n    name = "c{i}"\n    pipeline = "p{i}"\n'
            '    kind = "freshness"\n    max_age = "45m"\n  }\n}\n')
    return "".join(out)


def data_config(pipelines):
    # The same in OpenTofu's built-in terraform_data: planning with no plugin at all.
    out = []
    for i in range(pipelines + 1):
        out.append(
            f'resource "terraform_data" "p{i}" {{\n  input = {{\n    name = "p{i}"\n    source = "src"\n'
            f'    destination = "dst"\n    schedule = "{i % 60} * * * *"\n'
            f'    table = [{{ name = "public.t{i}", primary_key = ["id"], cursor = "updated_at" }}]\n  }}\n}}\n'
            f'resource "terraform_data" "c{i}" {{\n  input = {{\n    name = "c{i}"\n    pipeline = "p{i}"\n'
            f'    kind = "freshness"\n    max_age = "45m"\n  }}\n}}\n')
    return "".join(out)


class RssSampler(threading.Thread):
    """Samples VmHWM of every terraform-provider-weir process until stopped; keeps the maximum."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.peak_anon_kb = 0
        self.running = True

    def run(self):
        while self.running:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if b"terraform-provider-weir" not in f.read().split(b"\0")[0]:
                            continue
                    with open(f"/proc/{pid}/status") as f:
                        status = f.read()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                    elif line.startswith("RssAnon:"):
                        self.peak_anon_kb = max(self.peak_anon_kb, int(line.split()[1]))
            time.sleep(0.02)


def tofu(tofu_bin, cwd, env, *args):
    return subprocess.run([tofu_bin, *args, "-no-color", "-input=false"], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--pipelines", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    root = Path(args.root)
    tofu_bin = str(root / ".tools/bin/tofu")
    work = Path(tempfile.mkdtemp(prefix="weir-bench-"))
    agent = None
    try:
        mirror = work / f"mirror/registry.opentofu.org/weirdata/weir/{VERSION}/linux_amd64"
        mirror.mkdir(parents=True)
        shutil.copy(root / "build-bench/terraform-provider-weir", mirror / f"terraform-provider-weir_v{VERSION}")
        null_mirror = work / f"mirror/registry.opentofu.org/weirbench/null/{VERSION}/linux_amd64"
        null_mirror.mkdir(parents=True)
        shutil.copy(root / ".tools/bin/terraform-provider-null-baseline", null_mirror / f"terraform-provider-null_v{VERSION}")
        (work / "tofurc").write_text(
            'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n'
            '    include = ["registry.opentofu.org/weirdata/weir", "registry.opentofu.org/weirbench/null"]\n  }\n'
            '  direct {\n    exclude = ["registry.opentofu.org/weirdata/weir", "registry.opentofu.org/weirbench/null"]\n'
            '  }\n}\n' % (work / "mirror"))
        (work / "tmp").mkdir()
        port = free_port()
        env = dict(os.environ, TF_CLI_CONFIG_FILE=str(work / "tofurc"), CHECKPOINT_DISABLE="1",
                   TMPDIR=str(work / "tmp"), WEIR_ENDPOINT=f"127.0.0.1:{port}",
                   WEIR_CA_CERT=str(work / "agent/dev/ca.pem"))
        env.pop("TF_LOG", None)
        agent = subprocess.Popen([str(root / "build-bench/weir-agent"), "serve", "--dev", "--data-dir",
                                  str(work / "agent"), "--listen", f"127.0.0.1:{port}", "--log-level", "warn"],
                                 stderr=subprocess.DEVNULL)
        for _ in range(100):
            token_file = work / "agent/dev/token"
            if token_file.exists():
                env["WEIR_TOKEN"] = token_file.read_text().strip()
                ok = subprocess.run([str(root / "build-bench/weir-agent"), "ctl", "list"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
                if ok:
                    break
            time.sleep(0.1)

        configs = {"weir": weir_config(args.pipelines), "null": null_config(args.pipelines),
                   "terraform_data": data_config(args.pipelines)}
        dirs = {}
        for name, text in configs.items():
            dirs[name] = work / name
            dirs[name].mkdir()
            (dirs[name] / "main.tf").write_text(text)
            r = tofu(tofu_bin, dirs[name], env, "init")
            if r.returncode:
                sys.exit(r.stdout)
        objects = 2 * args.pipelines + 2
        applies = {}
        for name, d in dirs.items():
            start = time.perf_counter()
            r = tofu(tofu_bin, d, env, "apply", "-auto-approve")
            applies[name] = time.perf_counter() - start
            if r.returncode:
                sys.exit(r.stdout[-4000:])
        times = {name: [] for name in dirs}
        sampler = RssSampler()
        sampler.start()
        for _ in range(args.runs):
            for name, d in dirs.items():
                start = time.perf_counter()
                r = tofu(tofu_bin, d, env, "plan", "-detailed-exitcode")
                elapsed = time.perf_counter() - start
                if r.returncode != 0:
                    sys.exit(f"{name} plan was not empty (exit {r.returncode}):\n{r.stdout[-4000:]}")
                times[name].append(elapsed)
        sampler.running = False
        sampler.join()
        medians = {name: statistics.median(t) for name, t in times.items()}
        print(f"objects per configuration: {objects}")
        print("apply (create all): " + ", ".join(f"{n} {t:.1f} s" for n, t in applies.items()))
        print(f"plan with refresh, {args.runs} runs each, interleaved:")
        for name, t in times.items():
            print(f"  {name:15} median {medians[name]:.2f} s  runs {', '.join(f'{x:.2f}' for x in t)}")
        print(f"  ratio weir/null           {medians['weir'] / medians['null']:.2f}")
        print(f"  ratio weir/terraform_data {medians['weir'] / medians['terraform_data']:.2f}")
        print(f"provider peak RSS (VmHWM): {sampler.peak_kb / 1024:.1f} MiB, "
              f"of which at most {sampler.peak_anon_kb / 1024:.1f} MiB anonymous (the rest is shared-library pages)")
    finally:
        if agent:
            agent.terminate()
            agent.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
