#!/usr/bin/env python3
"""Registry-style release files and provider mirrors for terraform-provider-weir (run by scripts/release).

Writes, into OUT:
  terraform-provider-weir_<v>_<os>_<arch>.zip   the binary as terraform-provider-weir_v<v>, mode 0755
  terraform-provider-weir_<v>_manifest.json     plugin protocol 6.0, as registries expect
  terraform-provider-weir_<v>_SHA256SUMS        sha256 of the zip and the manifest (sha256sum format)
  terraform-provider-weir_<v>.lock.hcl          the provider block for .terraform.lock.hcl (h1: and zh:)
  mirror/packed/...    filesystem mirror, packed:   HOST/NS/TYPE/terraform-provider-weir_<v>_<os>_<arch>.zip
  mirror/unpacked/...  filesystem mirror, unpacked: HOST/NS/TYPE/<v>/<os>_<arch>/terraform-provider-weir_v<v>
  mirror/network/...   network mirror:              HOST/NS/TYPE/{index.json,<v>.json,<zip>}

h1: is Go's dirhash Hash1 over the zip's entries (what OpenTofu records for a package: sha256 of
"<hex sha256 of each file>  <name>\\n" lines sorted by name, base64); zh: is the zip's own sha256.
Standard library only.
"""
import argparse
import base64
import hashlib
import json
import os
import shutil
import sys
import time
import zipfile

HOST, NAMESPACE, TYPE = "registry.opentofu.org", "weirdata", "weir"
NAME = "terraform-provider-" + TYPE


def h1_of_zip(path):
    """Go's dirhash.HashZip(path, dirhash.Hash1), as OpenTofu computes a packed provider's hash."""
    lines = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(info.filename for info in z.infolist()):
            if "\n" in name:
                raise ValueError("zip entry names with newlines have no h1 hash")
            lines.append("%s  %s\n" % (hashlib.sha256(z.read(name)).hexdigest(), name))
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="the built terraform-provider-weir")
    ap.add_argument("--version", required=True, help="release version, MAJOR.MINOR.PATCH")
    ap.add_argument("--platform", required=True, help="OS_ARCH, e.g. linux_amd64")
    ap.add_argument("--epoch", type=int, default=315532800, help="timestamp of the zip entries (reproducible zips)")
    ap.add_argument("--out", required=True, help="output directory")
    args = ap.parse_args()

    v, platform, out = args.version, args.platform, args.out
    parts = v.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        sys.exit("provider_release: version must be MAJOR.MINOR.PATCH, got %r" % v)
    if platform.count("_") != 1:
        sys.exit("provider_release: platform must be OS_ARCH, got %r" % platform)
    if not os.access(args.binary, os.X_OK):
        sys.exit("provider_release: %s is not an executable file" % args.binary)

    zip_name = "%s_%s_%s.zip" % (NAME, v, platform)
    zip_path = os.path.join(out, zip_name)
    entry = "%s_v%s" % (NAME, v)
    info = zipfile.ZipInfo(entry, date_time=time.gmtime(max(args.epoch, 315532800))[:6])
    info.external_attr = (0o100755 << 16)  # regular file, rwxr-xr-x: unzip and tofu keep it executable
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so the mode above is honoured
    os.makedirs(out, exist_ok=True)
    with open(args.binary, "rb") as f, zipfile.ZipFile(zip_path, "w") as z:
        z.writestr(info, f.read(), compresslevel=9)

    manifest_name = "%s_%s_manifest.json" % (NAME, v)
    write(os.path.join(out, manifest_name),
          json.dumps({"version": 1, "metadata": {"protocol_versions": ["6.0"]}}, indent=2) + "\n")

    sums = "".join("%s  %s\n" % (sha256_file(os.path.join(out, n)), n) for n in sorted([zip_name, manifest_name]))
    write(os.path.join(out, "%s_%s_SHA256SUMS" % (NAME, v)), sums)

    h1 = h1_of_zip(zip_path)
    zh = "zh:" + sha256_file(zip_path)
    write(os.path.join(out, "%s_%s.lock.hcl" % (NAME, v)),
          '# Provider lock entry for weirdata/weir %s (%s): paste into .terraform.lock.hcl.\n'
          'provider "%s/%s/%s" {\n  version = "%s"\n  hashes = [\n    "%s",\n    "%s",\n  ]\n}\n'
          % (v, platform, HOST, NAMESPACE, TYPE, v, h1, zh))

    addr = os.path.join(HOST, NAMESPACE, TYPE)
    mirror = os.path.join(out, "mirror")
    shutil.rmtree(mirror, ignore_errors=True)
    packed = os.path.join(mirror, "packed", addr)
    os.makedirs(packed)
    shutil.copy2(zip_path, os.path.join(packed, zip_name))

    unpacked = os.path.join(mirror, "unpacked", addr, v, platform)
    os.makedirs(unpacked)
    with zipfile.ZipFile(zip_path) as z:
        z.extract(entry, unpacked)
    os.chmod(os.path.join(unpacked, entry), 0o755)

    network = os.path.join(mirror, "network", addr)
    os.makedirs(network)
    shutil.copy2(zip_path, os.path.join(network, zip_name))
    write(os.path.join(network, "index.json"), json.dumps({"versions": {v: {}}}, indent=2) + "\n")
    write(os.path.join(network, v + ".json"),
          json.dumps({"archives": {platform: {"url": zip_name, "hashes": [h1, zh]}}}, indent=2) + "\n")
    print("provider_release: %s %s %s" % (zip_name, h1, zh))


if __name__ == "__main__":
    main()
