#!/usr/bin/env bash
# (d) The boot script against a real loop device (root, losetup): a blank volume is formatted and
# mounted; a volume holding a store is mounted again (found by its NVMe by-id name) and NOT
# reformatted; a foreign file system and a package with the wrong digest are refused. The package
# is a real .deb built here; systemctl and the AWS helper are recorded (the helper itself is tested
# against moto by policy_moto.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
boot=$root/modules/weir-agent-aws/modules/render/files/weir-boot.sh
[[ $(id -u) == 0 ]] || { echo "boot_script: needs root (loop devices, mount)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-boot.XXXXXX")
loop=
cleanup() {
  mountpoint -q "$work/mnt" 2>/dev/null && umount "$work/mnt"
  [[ -n $loop ]] && losetup -d "$loop"
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "boot_script: FAIL: $*" >&2; exit 1; }

truncate -s 64M "$work/disk.img"
loop=$(losetup -f --show "$work/disk.img") || fail "losetup cannot create a loop device here"
mkdir -p "$work"/{etc/boot.d,units,cache,by-id,mnt,pkg/DEBIAN,pkg/usr/bin,root}
printf 'Package: weir-agent\nVersion: 0.0.1\nArchitecture: all\nMaintainer: test\nDescription: boot test\n' > "$work/pkg/DEBIAN/control"
printf '#!/bin/sh\necho weir-agent\n' > "$work/pkg/usr/bin/weir-agent"; chmod 0755 "$work/pkg/usr/bin/weir-agent"
dpkg-deb -b "$work/pkg" "$work/weir-agent.deb" > /dev/null
sha=$(sha256sum "$work/weir-agent.deb" | cut -c1-64)

write_conf() { # device package-digest
  cat > "$work/etc/boot.conf" <<CONF
WEIR_NAME='weir-agent'
WEIR_VOLUME_ID='vol-0123456789abcdef0'
WEIR_DEVICE='$1'
WEIR_MOUNT='$work/mnt'
WEIR_PACKAGE='s3://stage/packages/weir-agent_amd64.deb'
WEIR_PACKAGE_SHA256='$2'
WEIR_TOKEN_PARAMETER='/weir/dev/agent/token'
WEIR_CA_PARAMETER='/weir/dev/agent/ca.pem'
WEIR_TLS_NAMES='weir-nlb.elb.internal weir.dev.example'
AWS_REGION='eu-central-1'
CONF
}
printf 'WEIR_LISTEN="0.0.0.0:7443"\nWEIR_DATA_DIR="/var/lib/weir"\n' > "$work/etc/boot.d/agent.env"
printf 'WEIR_NAME="weir-agent"\n' > "$work/etc/boot.d/push.env"
export WEIR_BOOT_ETC=$work/etc WEIR_BOOT_UNITS=$work/units WEIR_BOOT_FSTAB=$work/fstab WEIR_BOOT_CACHE=$work/cache
export WEIR_BOOT_BY_ID=$work/by-id WEIR_BOOT_POLICY_RC=$work/policy-rc.d WEIR_BOOT_USER=root
export WEIR_BOOT_AWS=$root/tests/modules/fake_weir_aws.sh WEIR_BOOT_SYSTEMCTL="$work/systemctl"
export FAKE_AWS_LOG=$work/aws.log FAKE_AWS_DEB=$work/weir-agent.deb FAKE_AWS_DIR=$work
printf '#!/bin/sh\necho "$*" >> %s/systemctl.log\n' "$work" > "$work/systemctl"; chmod +x "$work/systemctl"
# dpkg-deb --extract needs a target directory after the .deb: give it one through a wrapper.
printf '#!/bin/sh\n[ -f %s/policy-rc.d ] || { echo "policy-rc.d missing during install" >&2; exit 1; }\nexec dpkg-deb --extract "$1" %s/root\n' "$work" "$work" > "$work/install"
chmod +x "$work/install"
export WEIR_BOOT_INSTALL=$work/install

# 1. First boot on a blank volume.
write_conf "$loop" "$sha"
"$boot" > "$work/out1.log" 2>&1 || { cat "$work/out1.log"; fail "first boot failed"; }
grep -q "is blank: creating ext4" "$work/out1.log" || fail "a blank volume was not formatted"
[[ $(blkid -p -o value -s TYPE "$loop") == ext4 ]] || fail "no ext4 on the volume"
mountpoint -q "$work/mnt" || fail "the volume is not mounted"
[[ $(findmnt -n -o SOURCE "$work/mnt") == "$loop" ]] || fail "something else is mounted"
uuid=$(blkid -o value -s UUID "$loop")
grep -qx "UUID=$uuid $work/mnt ext4 nodev,nosuid,noatime,nofail 0 2" "$work/fstab" || fail "no fstab entry"
cmp -s "$work/etc/agent.env" "$work/etc/boot.d/agent.env" || fail "agent.env not written"
[[ $(stat -c %a "$work/etc/agent.env") == 640 ]] || fail "agent.env mode is not 0640"
[[ $(cat "$work/etc/token") == token-from-ssm-0123456789 && $(stat -c %a "$work/etc/token") == 640 ]] || fail "token file"
[[ -x $work/root/usr/bin/weir-agent ]] || fail "package not installed"
[[ ! -e $work/policy-rc.d ]] || fail "policy-rc.d left behind"
openssl x509 -in "$work/mnt/tls/cert.pem" -noout -ext subjectAltName | grep -q "DNS:weir-nlb.elb.internal, DNS:weir.dev.example, IP Address:127.0.0.1" ||
  fail "certificate names"
cmp -s "$work/published-ca.pem" "$work/mnt/tls/cert.pem" || fail "CA not published"
[[ $(stat -c %a "$work/mnt/tls/key.pem") == 600 ]] || fail "key mode"
grep -q "ExecStart=.* push" "$work/units/weir-push.service" && grep -q "OnUnitActiveSec=60" "$work/units/weir-push.timer" ||
  fail "shipper units"
diff <(cat "$work/systemctl.log") <(printf 'daemon-reload\nenable weir-agent.service weir-push.timer\nrestart weir-agent.service\nstart weir-push.timer\n') ||
  fail "systemctl sequence"
diff "$work/aws.log" <(printf 'attach-volume vol-0123456789abcdef0 %s\ns3-get s3://stage/packages/weir-agent_amd64.deb %s/cache/weir-agent.deb\nssm-get /weir/dev/agent/token %s/etc/token\nssm-put /weir/dev/agent/ca.pem %s/mnt/tls/cert.pem\n' "$loop" "$work" "$work" "$work") ||
  fail "AWS helper calls"
echo "boot_script: blank volume formatted, mounted, package installed, env and token written, agent started"

# 2. The instance is replaced: the store is on the volume, which now shows up as an NVMe disk.
echo "store-bytes" > "$work/mnt/weir.db"
cert_before=$(sha256sum < "$work/mnt/tls/cert.pem")
umount "$work/mnt"
ln -s "$loop" "$work/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0"
write_conf /dev/sdf-not-present "$sha"
"$boot" > "$work/out2.log" 2>&1 || { cat "$work/out2.log"; fail "second boot failed"; }
grep -q "already holds the store (ext4): keeping it" "$work/out2.log" || fail "no keep message"
grep -q "is blank" "$work/out2.log" && fail "a volume with data was reformatted"
[[ $(cat "$work/mnt/weir.db") == store-bytes ]] || fail "the store did not survive"
[[ $(blkid -o value -s UUID "$loop") == "$uuid" ]] || fail "the file system was recreated"
[[ $(sha256sum < "$work/mnt/tls/cert.pem") == "$cert_before" ]] || fail "the certificate was reissued"
[[ $(grep -c "UUID=$uuid" "$work/fstab") == 1 ]] || fail "fstab entry duplicated"
echo "boot_script: volume with data found by its NVMe name, mounted, not reformatted, certificate kept"

# 3. Refusals: a package with another digest; a volume holding something else.
umount "$work/mnt"
write_conf "$loop" "$(printf '0%.0s' {1..64})"
if "$boot" > "$work/out3.log" 2>&1; then fail "a package with the wrong digest was installed"; fi
grep -q "package digest does not match" "$work/out3.log" || fail "no digest message"
umount "$work/mnt"
mkswap "$loop" > /dev/null 2>&1
write_conf "$loop" "$sha"
if "$boot" > "$work/out4.log" 2>&1; then fail "a swap volume was accepted"; fi
grep -q "holds a swap file system, not the ext4 this module creates; not touching it" "$work/out4.log" || { cat "$work/out4.log"; fail "no refusal message"; }
[[ $(blkid -p -o value -s TYPE "$loop") == swap ]] || fail "the foreign volume was changed"
echo "boot_script: wrong package digest and a foreign file system are refused"
