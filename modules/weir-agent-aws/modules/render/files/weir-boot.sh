#!/bin/bash
# weir-boot: brings an agent host up from user data, and is safe to run again on every boot:
# attach the persistent data volume, format it only if it is blank, mount it on the state
# directory, install the weir-agent package, fetch the token, keep a TLS certificate on the
# volume (publishing its public half), write /etc/weir/agent.env, start the agent and the
# heartbeat/log shipper. Settings come from /etc/weir/boot.conf (written by user data).
# Paths and commands can be overridden through WEIR_BOOT_* variables (the tests do).
set -euo pipefail

etc=${WEIR_BOOT_ETC:-/etc/weir}
# shellcheck source=/dev/null
. "$etc/boot.conf"
: "${WEIR_NAME:?}" "${WEIR_VOLUME_ID:?}" "${WEIR_DEVICE:?}" "${WEIR_MOUNT:?}" "${WEIR_PACKAGE:?}"
: "${WEIR_TOKEN_PARAMETER:?}" "${WEIR_CA_PARAMETER:?}" "${WEIR_TLS_NAMES:?}"
aws=${WEIR_BOOT_AWS:-/usr/local/lib/weir/weir-aws}
systemctl=${WEIR_BOOT_SYSTEMCTL:-systemctl}
install_deb=${WEIR_BOOT_INSTALL:-apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold}
by_id=${WEIR_BOOT_BY_ID:-/dev/disk/by-id}
fstab=${WEIR_BOOT_FSTAB:-/etc/fstab}
units=${WEIR_BOOT_UNITS:-/etc/systemd/system}
cache=${WEIR_BOOT_CACHE:-/var/cache/weir}
owner=${WEIR_BOOT_USER:-weir}

say() { echo "weir-boot: $*"; }
die() { echo "weir-boot: $*" >&2; exit 1; }

# 1. The volume: attached by us (the group's previous instance may still be letting go of it).
"$aws" attach-volume "$WEIR_VOLUME_ID" "$WEIR_DEVICE"
# Xen instances show it under its device name, Nitro ones as an NVMe disk whose serial is the
# volume id without the dash.
nvme="$by_id/nvme-Amazon_Elastic_Block_Store_${WEIR_VOLUME_ID/-/}"
dev=
for _ in $(seq 1 60); do
  if [[ -b $nvme || -L $nvme ]]; then dev=$(readlink -f "$nvme"); break; fi
  if [[ -b $WEIR_DEVICE ]]; then dev=$WEIR_DEVICE; break; fi
  sleep 1
done
[[ -n $dev && -b $dev ]] || die "$WEIR_VOLUME_ID is attached but no block device appeared ($WEIR_DEVICE, $nvme)"

# 2. Format only a blank volume: blkid -p exits 2 when it finds no signature at all. Any other
# failure stops here rather than risk formatting a volume that holds the store.
set +e
fstype=$(blkid -p -o value -s TYPE "$dev")
probe=$?
set -e
if [[ $probe == 2 ]]; then
  say "$dev is blank: creating ext4"
  mkfs.ext4 -q -L weir-data "$dev"
elif [[ $probe != 0 ]]; then
  die "cannot probe $dev (blkid exit $probe); not formatting"
elif [[ $fstype != ext4 ]]; then
  die "$dev holds a $fstype file system, not the ext4 this module creates; not touching it"
else
  say "$dev already holds the store (ext4): keeping it"
fi

# 3. Mount on the agent's state directory, and on later reboots of this instance through fstab.
mkdir -p "$WEIR_MOUNT"
uuid=$(blkid -o value -s UUID "$dev")
if ! mountpoint -q "$WEIR_MOUNT"; then
  mount -o nodev,nosuid,noatime "$dev" "$WEIR_MOUNT"
fi
grep -q "UUID=$uuid " "$fstab" 2>/dev/null ||
  echo "UUID=$uuid $WEIR_MOUNT ext4 nodev,nosuid,noatime,nofail 0 2" >> "$fstab"
say "mounted $dev (UUID $uuid) on $WEIR_MOUNT"

# 4. The package, checked against its pinned digest when one is given. The service must not start
# before its settings exist, so package scripts are told not to start it.
mkdir -p "$cache"
deb=$cache/weir-agent.deb
case $WEIR_PACKAGE in
  s3://*) "$aws" s3-get "$WEIR_PACKAGE" "$deb" ;;
  https://*) curl -fsS --retry 5 --max-time 300 -o "$deb" "$WEIR_PACKAGE" ;;
  *) die "package source must be s3:// or https://" ;;
esac
if [[ -n ${WEIR_PACKAGE_SHA256:-} ]]; then
  echo "$WEIR_PACKAGE_SHA256  $deb" | sha256sum -c --quiet - || die "package digest does not match"
fi
policy=${WEIR_BOOT_POLICY_RC:-/usr/sbin/policy-rc.d}
printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 0755 "$policy"
trap 'rm -f "$policy"' EXIT
$install_deb "$deb"
rm -f "$policy"
say "installed $WEIR_PACKAGE"

# 5. The bearer token, from its SecureString parameter, readable by the agent's user only.
install -d -m 0750 -o root -g "$owner" "$etc"
"$aws" ssm-get "$WEIR_TOKEN_PARAMETER" "$etc/token"
chown "root:$owner" "$etc/token"; chmod 0640 "$etc/token"

# 6. A certificate kept on the volume (so a replaced instance keeps it), reissued when the names
# change; its public half goes to an SSM parameter that clients read as their CA.
tls=$WEIR_MOUNT/tls
mkdir -p "$tls"; chmod 0700 "$tls"
if [[ ! -s $tls/cert.pem || $(cat "$tls/names" 2>/dev/null) != "$WEIR_TLS_NAMES" ]]; then
  san=$(tr ' ' '\n' <<< "$WEIR_TLS_NAMES" | sed '/^$/d; s/^/DNS:/' | paste -sd, -)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
    -subj "/CN=weir-agent $WEIR_NAME" -addext "subjectAltName=$san,IP:127.0.0.1" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
  echo "$WEIR_TLS_NAMES" > "$tls/names"
  say "issued a certificate for $WEIR_TLS_NAMES"
fi
chown -R "$owner:$owner" "$tls"; chmod 0600 "$tls/key.pem"
"$aws" ssm-put "$WEIR_CA_PARAMETER" "$tls/cert.pem"

# 7. Settings: the agent's environment file, and the shipper's.
install -m 0640 -o root -g "$owner" "$etc/boot.d/agent.env" "$etc/agent.env"
install -m 0600 "$etc/boot.d/push.env" "$etc/push.env"
chown -R "$owner:$owner" "$WEIR_MOUNT"
cat > "$units/weir-push.service" <<UNIT
[Unit]
Description=Weir agent heartbeat metrics and logs to CloudWatch
After=weir-agent.service
[Service]
Type=oneshot
EnvironmentFile=$etc/push.env
ExecStart=$aws push
UNIT
cat > "$units/weir-push.timer" <<UNIT
[Unit]
Description=Ship Weir agent metrics and logs every minute
[Timer]
OnBootSec=60
OnUnitActiveSec=60
[Install]
WantedBy=timers.target
UNIT

# 8. Start.
$systemctl daemon-reload
$systemctl enable weir-agent.service weir-push.timer
$systemctl restart weir-agent.service
$systemctl start weir-push.timer
say "weir-agent started"
