#!/usr/bin/env bash
# Release artifacts end to end: the version/revision header, `--version`, scripts/release run on the
# built binaries, the weir-agent .deb (control, contents, conffiles, a real install/remove/purge in a
# throwaway overlay of this machine's root, the agent started as the packaged `weir` user from the
# packaged settings), `systemd-analyze verify` on the unit, the provider's SHA256SUMS and GPG
# signature, and real `tofu init` offline from the packed and unpacked filesystem mirrors and from
# the network mirror over HTTPS, with lock-file hashes checked and tampered zips refused.
# Usage: run.sh AGENT_BINARY PROVIDER_BINARY   (tofu from $TOFU or .tools/bin/tofu; needs root or
# passwordless sudo for the install step: mount namespace, overlayfs, chroot)
set -euo pipefail

agent_bin=$(realpath "$1")
provider_bin=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tofu=${TOFU:-$root/.tools/bin/tofu}
[[ -x $tofu ]] || { echo "FAIL: OpenTofu not found at $tofu; run scripts/bootstrap first" >&2; exit 1; }
version=$(tr -d '[:space:]' < "$root/VERSION")
arch=$(dpkg --print-architecture)
platform=linux_$arch

work=$(mktemp -d "${TMPDIR:-/tmp}/weir-release.XXXXXX")
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp
export GNUPGHOME=$work/gnupg
server_pid=""
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2> /dev/null || true; wait "$server_pid" 2> /dev/null || true; fi
  gpgconf --kill gpg-agent 2> /dev/null || true
  if [[ ${KEEP_RELEASE_TEST:-} != 1 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

step() { printf '\n=== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
contains() { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected \"$2\" in $1"; }; }
lacks() { if grep -qF -- "$2" "$1"; then echo "--- $1:"; cat "$1"; fail "\"$2\" must not appear in $1"; fi; }
says() {  # like contains, across tofu's line wrapping
  tr -s ' \n' ' ' < "$1" | grep -qF -- "$2" || { echo "--- $1:"; cat "$1"; fail "expected \"$2\" in $1"; }
}
matches() { [[ $1 =~ $2 ]] || fail "'$1' does not match /$2/"; }

step "the revision header: unknown without git, the short commit, +dirty, rewritten only on change"
gen() { cmake -DSOURCE_DIR="$1" -DOUTPUT="$2" -P "$root/cmake/weir_revision.cmake"; }
mkdir -p "$work/nogit"
gen "$work/nogit" "$work/nogit.h"
contains "$work/nogit.h" '#define WEIR_GIT_REVISION "unknown"'
repo=$work/repo
git init -q "$repo"
echo one > "$repo/file"
git -C "$repo" add file
git -C "$repo" -c user.name=t -c user.email=t@t.invalid commit -qm one
head=$(git -C "$repo" rev-parse --short=7 HEAD)
gen "$repo" "$work/repo.h"
contains "$work/repo.h" "#define WEIR_GIT_REVISION \"$head\""
touch -d @1000000000 "$work/repo.h"
gen "$repo" "$work/repo.h"
[[ $(stat -c %Y "$work/repo.h") == 1000000000 ]] || fail "an unchanged revision rewrote the header"
echo changed > "$repo/file"
gen "$repo" "$work/repo.h"
contains "$work/repo.h" "#define WEIR_GIT_REVISION \"$head+dirty\""
mkdir -p "$repo/sub-tarball"   # a source tree inside someone else's repository is not that commit
gen "$repo/sub-tarball" "$work/sub.h"
contains "$work/sub.h" '#define WEIR_GIT_REVISION "unknown"'

step "--version of both binaries"
v_re=${version//./\\.}
agent_version=$("$agent_bin" --version)
matches "$agent_version" "^weir-agent $v_re \(git ([0-9a-f]{7}(\+dirty)?|unknown)\)$"
provider_version=$("$provider_bin" --version)
matches "$provider_version" "^terraform-provider-weir $v_re \(git ([0-9a-f]{7}(\+dirty)?|unknown)\)$"
"$agent_bin" --help > "$work/help.out"
contains "$work/help.out" "weir-agent --version"

step "a GPG signing key for this test (batch, no passphrase, throwaway GNUPGHOME)"
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "Weir release test <release-test@weir.invalid>" ed25519 sign never
fpr=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }')
[[ -n $fpr ]] || fail "no test key"

step "scripts/release refuses bad input"
printf '#!/bin/sh\necho "weir-agent 9.9.9 (git abcdef0)"\n' > "$work/old-agent"
chmod +x "$work/old-agent"
if "$root/scripts/release" --prebuilt "$work/old-agent" "$provider_bin" --out "$work/bad" --allow-dirty \
     > "$work/bad.out" 2>&1; then fail "a binary of another version was packaged"; fi
contains "$work/bad.out" "reports 'weir-agent 9.9.9 (git abcdef0)' but VERSION says $version"
mkdir -p "$work/foreign" && touch "$work/foreign/keep-me"
if "$root/scripts/release" --prebuilt "$agent_bin" "$provider_bin" --out "$work/foreign" --allow-dirty \
     > "$work/foreign.out" 2>&1; then fail "release emptied a directory it did not make"; fi
contains "$work/foreign.out" "is not empty and not an earlier release output"
[[ -e $work/foreign/keep-me ]] || fail "release deleted a foreign file"

step "scripts/release on the built binaries"
dist=$work/dist
WEIR_GPG_KEY=$fpr "$root/scripts/release" --prebuilt "$agent_bin" "$provider_bin" --out "$dist" --allow-dirty \
  | tee "$work/release.out"
deb=$dist/weir-agent_${version}_${arch}.deb
zip=$dist/terraform-provider-weir_${version}_${platform}.zip
sums=$dist/terraform-provider-weir_${version}_SHA256SUMS
for f in "$deb" "$zip" "$sums" "$sums.sig" "$dist/terraform-provider-weir_${version}_manifest.json" \
         "$dist/terraform-provider-weir_${version}.lock.hcl" "$dist/weir-release-signing-key.asc"; do
  [[ -s $f ]] || fail "missing $f"
done

step "the .deb: control, contents, conffiles, maintainer scripts"
dpkg-deb -f "$deb" Package Version Architecture Depends > "$work/control"
cat "$work/control"
contains "$work/control" "Package: weir-agent"
contains "$work/control" "Version: $version"
contains "$work/control" "Architecture: $arch"
contains "$work/control" "adduser"
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' > "$work/contents"
cat "$work/contents"
contains "$work/contents" "-rwxr-xr-x root/root ./usr/bin/weir-agent"
contains "$work/contents" "-rw-r--r-- root/root ./usr/lib/systemd/system/weir-agent.service"
contains "$work/contents" "-rw------- root/root ./etc/weir/agent.env"
contains "$work/contents" "./usr/share/doc/weir-agent/install.md"
dpkg-deb --ctrl-tarfile "$deb" | tar -t > "$work/control-members"
for member in ./control ./conffiles ./md5sums ./postinst ./prerm ./postrm; do contains "$work/control-members" "$member"; done
[[ $(dpkg-deb -f "$deb" Package > /dev/null && dpkg-deb --info "$deb" conffiles) == /etc/weir/agent.env ]] ||
  fail "conffiles must list exactly /etc/weir/agent.env"
x=$work/extracted
dpkg-deb -x "$deb" "$x"
[[ $("$x/usr/bin/weir-agent" --version) == "$agent_version" ]] || fail "the packaged agent reports another version"
# Every library the packaged binary links directly (NEEDED) comes from a package named in Depends.
for needed in $(objdump -p "$x/usr/bin/weir-agent" | awk '$1 == "NEEDED" { print $2 }'); do
  lib=$(ldd "$x/usr/bin/weir-agent" | awk -v n="$needed" '$1 == n { print $3 }')
  [[ -n $lib ]] || fail "ldd does not resolve $needed"
  owner=$(dpkg -S "$lib" 2> /dev/null || dpkg -S "$(realpath "$lib")" 2> /dev/null || true)
  owner=${owner%%:*}
  [[ -n $owner ]] || fail "no package owns $lib"
  grep -qE "(^Depends: |, )$owner( |,|$)" "$work/control" || fail "Depends lacks $owner (for $needed)"
done
# Every WEIR_ setting agent.env mentions is a real `serve` setting.
"$x/usr/bin/weir-agent" serve --help > "$work/serve-help"
for var in $(grep -o 'WEIR_[A-Z_]*' "$x/etc/weir/agent.env" | sort -u); do
  contains "$work/serve-help" "env $var"
done

step "the unit: hardening present, no ExecReload (the agent has no reload signal), systemd-analyze verify"
unit=$x/usr/lib/systemd/system/weir-agent.service
for line in User=weir StateDirectory=weir ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes PrivateTmp=yes \
            CapabilityBoundingSet= Restart=on-failure EnvironmentFile=/etc/weir/agent.env \
            "ExecStart=/usr/bin/weir-agent serve"; do
  grep -qxF -- "$line" "$unit" || fail "the unit lacks '$line'"
done
if grep -q SIGHUP "$root"/agent/serve.c "$root"/agent/main.c 2> /dev/null; then
  grep -q '^ExecReload=' "$unit" || fail "the agent handles SIGHUP now: declare ExecReload in the unit"
else
  lacks "$unit" "ExecReload"
fi
# verify insists the ExecStart binary exists at its path; outside the install below, a copy of the
# unit points at the extracted binary and settings. Warnings (unknown keys, bad values) fail too.
sed -e "s|^ExecStart=/usr/bin/weir-agent|ExecStart=$x/usr/bin/weir-agent|" \
    -e "s|^EnvironmentFile=/etc/weir/|EnvironmentFile=$x/etc/weir/|" "$unit" > "$work/weir-agent.service"
systemd-analyze verify --man=no "$work/weir-agent.service" > "$work/verify.out" 2>&1 ||
  { cat "$work/verify.out"; fail "systemd-analyze verify failed"; }
[[ ! -s $work/verify.out ]] || { cat "$work/verify.out"; fail "systemd-analyze verify warned"; }

step "install, start as the weir user, remove and purge in a throwaway overlay of this machine's root"
as_root=()
if [[ $(id -u) != 0 ]]; then
  sudo -n true 2> /dev/null || fail "the install step needs root or passwordless sudo (mount namespace, overlayfs)"
  as_root=(sudo -n)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cp "$deb" "$work/weir-agent.deb"
"${as_root[@]}" unshare --mount --fork bash "$here/install_in_overlay.sh" "$work/weir-agent.deb" "$agent_version" \
  "$port" "$work/overlay" 2>&1 | tee "$work/install.out"
[[ ${PIPESTATUS[0]} == 0 ]] || fail "the install step failed"
contains "$work/install.out" "install step: passed"

step "provider files: zip layout, SHA256SUMS, signature"
python3 - "$zip" "$version" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = [i.filename for i in z.infolist()]
want = "terraform-provider-weir_v" + sys.argv[2]
if names != [want]:
    sys.exit(f"zip holds {names}, want [{want!r}]")
mode = (z.getinfo(want).external_attr >> 16) & 0o777
if mode != 0o755:
    sys.exit(f"{want} has mode {oct(mode)} in the zip, want 0o755")
PY
(cd "$dist" && sha256sum --check --strict "$(basename "$sums")")
gpg --batch --verify "$sums.sig" "$sums" 2> "$work/gpg.out" || { cat "$work/gpg.out"; fail "signature does not verify"; }
contains "$work/gpg.out" "Good signature"
# The exported public key alone verifies it, as a registry or a user would.
mkdir -m 0700 "$work/verifier"
GNUPGHOME=$work/verifier gpg --batch --quiet --import "$dist/weir-release-signing-key.asc"
GNUPGHOME=$work/verifier gpg --batch --verify "$sums.sig" "$sums" 2> /dev/null || fail "the exported key does not verify"
GNUPGHOME=$work/verifier gpgconf --kill gpg-agent 2> /dev/null || true
cp "$sums" "$work/sums-tampered"
printf '%064d  terraform-provider-weir_%s_linux_arm64.zip\n' 0 "$version" >> "$work/sums-tampered"
if gpg --batch --verify "$sums.sig" "$work/sums-tampered" 2> /dev/null; then fail "a changed SHA256SUMS verified"; fi

step "h1: as OpenTofu computes it"
h1=$(grep -o '"h1:[^"]*"' "$dist/terraform-provider-weir_${version}.lock.hcl" | tr -d '"')
zh=$(grep -o '"zh:[^"]*"' "$dist/terraform-provider-weir_${version}.lock.hcl" | tr -d '"')
[[ $zh == "zh:$(sha256sum "$zip" | cut -d' ' -f1)" ]] || fail "zh: is not the zip's sha256"

export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
unset TF_LOG TF_PLUGIN_CACHE_DIR
config=$work/config
mkdir -p "$config"
cat > "$config/main.tf" <<'HCL'
terraform {
  required_providers {
    weir = { source = "weirdata/weir" }
  }
}
HCL
fs_rc() {  # tofurc for a filesystem mirror at $1
  cat <<RC
provider_installation {
  filesystem_mirror {
    path    = "$1"
    include = ["registry.opentofu.org/weirdata/weir"]
  }
  direct {
    exclude = ["registry.opentofu.org/weirdata/weir"]
  }
}
RC
}
# tofu init in a fresh copy of the configuration; $1 = case name, $2 = tofurc, $3 = lock file or "".
init() {
  local dir=$work/case-$1
  rm -rf "$dir"; mkdir -p "$dir"; cp "$config/main.tf" "$dir/"
  [[ -z $3 ]] || cp "$3" "$dir/.terraform.lock.hcl"
  printf '%s\n' "$2" > "$work/$1.tofurc"
  (cd "$dir" && TF_CLI_CONFIG_FILE=$work/$1.tofurc "$tofu" init -input=false -no-color) > "$work/$1.out" 2>&1
}
lock_hashes() { grep -o '"[hz][h1]:[^"]*"' "$1" | tr -d '"' | sort | tr '\n' ' '; }

# tofu's own h1: for the package, from a lock file it writes itself (no lock given).
init packed-nolock "$(fs_rc "$dist/mirror/packed")" "" || { cat "$work/packed-nolock.out"; fail "tofu init (packed, no lock)"; }
contains "$work/case-packed-nolock/.terraform.lock.hcl" "\"$h1\""
echo "tofu recorded $h1 for the packed zip, as provider_release.py computed"

step "tofu init offline: packed and unpacked filesystem mirrors, with the release's lock entry"
lock=$dist/terraform-provider-weir_${version}.lock.hcl
for layout in packed unpacked; do
  init "$layout" "$(fs_rc "$dist/mirror/$layout")" "$lock" || { cat "$work/$layout.out"; fail "tofu init ($layout)"; }
  contains "$work/$layout.out" "Installed weirdata/weir v$version"
  contains "$work/case-$layout/.terraform.lock.hcl" "\"$h1\""
  contains "$work/case-$layout/.terraform.lock.hcl" "\"$zh\""
  installed=$work/case-$layout/.terraform/providers/registry.opentofu.org/weirdata/weir/$version/$platform/terraform-provider-weir_v$version
  [[ -x $installed ]] || fail "tofu did not install the binary ($layout)"
  [[ $("$installed" --version) == "$provider_version" ]] || fail "the installed provider reports another version"
done

step "a tampered zip in the filesystem mirror is refused by the lock file"
tampered=$work/tampered
mkdir -p "$tampered/unzipped"
(cd "$tampered/unzipped" && unzip -q "$zip" && printf 'x' >> "terraform-provider-weir_v$version" &&
  zip -q -X "$tampered/terraform-provider-weir_${version}_${platform}.zip" "terraform-provider-weir_v$version")
mkdir -p "$tampered/fs/registry.opentofu.org/weirdata/weir"
cp "$tampered/terraform-provider-weir_${version}_${platform}.zip" "$tampered/fs/registry.opentofu.org/weirdata/weir/"
if init fs-tampered "$(fs_rc "$tampered/fs")" "$lock"; then fail "tofu installed a tampered zip"; fi
says "$work/fs-tampered.out" "package for registry.opentofu.org/weirdata/weir $version doesn't match any of the checksums previously recorded in the dependency lock file"

step "network mirror over HTTPS on loopback (test CA through SSL_CERT_FILE)"
pki=$work/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=weir release test CA" \
  -keyout "$pki/ca.key" -out "$pki/ca.pem" 2> /dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$pki/server.key" -out "$pki/server.csr" 2> /dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$pki/ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
  -extfile "$pki/ext" -out "$pki/server.pem" 2> /dev/null
serve() {  # serve directory $1 on a fresh port; sets $mirror_url
  if [[ -n $server_pid ]]; then kill "$server_pid" 2> /dev/null || true; wait "$server_pid" 2> /dev/null || true; fi
  rm -f "$work/port"
  python3 "$here/https_mirror.py" "$1" "$pki/server.pem" "$pki/server.key" "$work/port" 120 2>> "$work/mirror.log" &
  server_pid=$!
  for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
  [[ -s $work/port ]] || { cat "$work/mirror.log"; fail "the HTTPS mirror did not start"; }
  mirror_url=https://localhost:$(cat "$work/port")/
}
net_rc() {
  cat <<RC
provider_installation {
  network_mirror {
    url     = "$1"
    include = ["registry.opentofu.org/weirdata/weir"]
  }
  direct {
    exclude = ["registry.opentofu.org/weirdata/weir"]
  }
}
RC
}
export SSL_CERT_FILE=$pki/ca.pem
serve "$dist/mirror/network"
init network "$(net_rc "$mirror_url")" "$lock" || { cat "$work/network.out"; fail "tofu init (network mirror)"; }
contains "$work/network.out" "Installed weirdata/weir v$version"
contains "$work/mirror.log" "GET /registry.opentofu.org/weirdata/weir/index.json"
contains "$work/mirror.log" "GET /registry.opentofu.org/weirdata/weir/$version.json"
# Without a lock file, tofu records the hashes the mirror vouches for: exactly h1: and zh:.
init network-nolock "$(net_rc "$mirror_url")" "" || { cat "$work/network-nolock.out"; fail "tofu init (network, no lock)"; }
[[ $(lock_hashes "$work/case-network-nolock/.terraform.lock.hcl") == "$(printf '%s\n' "$h1" "$zh" | sort | tr '\n' ' ')" ]] ||
  fail "tofu recorded $(lock_hashes "$work/case-network-nolock/.terraform.lock.hcl") from the network mirror"

step "a tampered zip behind the network mirror is refused, with and without a lock file"
cp -r "$dist/mirror/network" "$tampered/net"
cp "$tampered/terraform-provider-weir_${version}_${platform}.zip" "$tampered/net/registry.opentofu.org/weirdata/weir/"
serve "$tampered/net"
if init net-tampered "$(net_rc "$mirror_url")" "$lock"; then fail "tofu installed a tampered zip (network, lock)"; fi
says "$work/net-tampered.out" "provider package doesn't match the any of the expected checksums"
if init net-tampered-nolock "$(net_rc "$mirror_url")" ""; then fail "tofu installed a tampered zip (network, mirror hashes)"; fi
says "$work/net-tampered-nolock.out" "provider package doesn't match the any of the expected checksums"
[[ ! -e $work/case-net-tampered-nolock/.terraform/providers/registry.opentofu.org/weirdata/weir/$version/$platform ]] ||
  fail "a refused package was left installed"

step "the release script can be run as documented"
contains "$root/docs/install.md" "scripts/release"
contains "$root/.gitignore" "/dist/"

printf '\nrelease artifacts: all checks passed\n'
