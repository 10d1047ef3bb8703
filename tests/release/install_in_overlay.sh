#!/usr/bin/env bash
# Installs the weir-agent .deb for real — dpkg -i with its maintainer scripts — into a throwaway
# overlay of this machine's root, then checks the user, permissions and binary, starts the agent as
# the `weir` user from the packaged /etc/weir/agent.env the way the unit would (systemd itself is not
# running here), talks to it with `weir-agent ctl`, and removes and purges the package.
# Run by tests/release/run.sh as root inside `unshare --mount`: every mount here is private to this
# namespace and the overlay's upper layer is a tmpfs, so the host is never changed.
# Usage: install_in_overlay.sh DEB EXPECTED_VERSION_LINE LOOPBACK_PORT SCRATCH_DIR
set -euo pipefail

deb=$1 expected_version=$2 port=$3 scratch=$4
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "must run as root in a private mount namespace"
# Never let a mount made here reach the host's namespace.
mount --make-rprivate /

agent_pid=""
# The agent started below must not outlive a failed check (it would hold the caller's pipe open).
trap 'if [[ -n $agent_pid ]]; then kill "$agent_pid" 2> /dev/null || true; wait "$agent_pid" 2> /dev/null || true; fi' EXIT
mkdir -p "$scratch"
mount -t tmpfs -o size=512m tmpfs "$scratch"
mkdir "$scratch/upper" "$scratch/work" "$scratch/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$scratch/root"
r=$scratch/root
mount --rbind /dev "$r/dev"
mount -t proc proc "$r/proc"
# /run and /tmp are fresh: no systemd socket of the host is visible, so the maintainer scripts take
# their "systemd not running" paths, and nothing of the host's /tmp leaks in.
mount -t tmpfs tmpfs "$r/run"
mount -t tmpfs tmpfs "$r/tmp"
cp "$deb" "$r/tmp/weir-agent.deb"
in_root() { chroot "$r" "$@"; }

echo "--- dpkg -i"
if in_root getent passwd weir > /dev/null; then fail "this machine already has a weir user; the test needs a root without one"; fi
in_root dpkg -i /tmp/weir-agent.deb > "$r/tmp/install.out" 2>&1 || { cat "$r/tmp/install.out"; fail "dpkg -i failed"; }
cat "$r/tmp/install.out"
grep -q "systemctl enable --now weir-agent" "$r/tmp/install.out" || fail "postinst did not say how to start the agent"
in_root dpkg-query -W -f='${Status} ${Version}\n' weir-agent | grep -q "^install ok installed " || fail "not installed"

echo "--- user, permissions, binary"
IFS=: read -r _ _ uid _ _ home shell < <(in_root getent passwd weir)
(( uid < 1000 )) || fail "weir is not a system user (uid $uid)"
[[ $home == /var/lib/weir && $shell == /usr/sbin/nologin ]] || fail "weir has home $home and shell $shell"
in_root getent group weir > /dev/null || fail "no weir group"
[[ $(in_root stat -c '%U:%G %a' /etc/weir) == "root:weir 750" ]] || fail "/etc/weir is $(in_root stat -c '%U:%G %a' /etc/weir)"
[[ $(in_root stat -c '%U:%G %a' /etc/weir/agent.env) == "root:root 600" ]] || fail "agent.env is $(in_root stat -c '%U:%G %a' /etc/weir/agent.env)"
[[ $(in_root /usr/bin/weir-agent --version) == "$expected_version" ]] || fail "installed binary reports $(in_root /usr/bin/weir-agent --version)"

echo "--- systemd-analyze verify on the installed unit (real paths)"
in_root systemd-analyze verify --man=no /usr/lib/systemd/system/weir-agent.service > "$r/tmp/verify.out" 2>&1 ||
  { cat "$r/tmp/verify.out"; fail "systemd-analyze verify failed on the installed unit"; }
[[ ! -s $r/tmp/verify.out ]] || { cat "$r/tmp/verify.out"; fail "systemd-analyze verify warned on the installed unit"; }

echo "--- the agent as user weir with the packaged settings"
# What the operator does per agent.env's instructions: certificate, key and token readable by weir.
in_root install -d -o root -g weir -m 0750 /etc/weir/tls
in_root openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout /etc/weir/tls/key.pem -out /etc/weir/tls/cert.pem 2> /dev/null
head -c 24 /dev/urandom | base64 > "$r/etc/weir/token"
in_root chown root:weir /etc/weir/tls/key.pem /etc/weir/tls/cert.pem /etc/weir/token
in_root chmod 0640 /etc/weir/tls/key.pem /etc/weir/tls/cert.pem /etc/weir/token
# StateDirectory=weir: systemd would create /var/lib/weir for the service user, mode 0700.
in_root install -d -o weir -g weir -m 0700 /var/lib/weir
# EnvironmentFile= semantics for this file (plain VAR=value lines and comments); the listen address
# is moved to a free loopback port for the test.
mapfile -t settings < <(grep -E '^[A-Z_]+=' "$r/etc/weir/agent.env")
# UMask=0077 as in the unit; exec so that $! is the agent itself.
(umask 0077; exec chroot "$r" env -i PATH=/usr/bin:/bin "${settings[@]}" WEIR_LISTEN="127.0.0.1:$port" \
  setpriv --reuid=weir --regid=weir --init-groups --no-new-privs /usr/bin/weir-agent serve 2> "$r/tmp/agent.log") &
agent_pid=$!
ok=0
for _ in $(seq 100); do
  if in_root env WEIR_ENDPOINT="127.0.0.1:$port" WEIR_CA_CERT=/etc/weir/tls/cert.pem \
       WEIR_TOKEN="$(cat "$r/etc/weir/token")" /usr/bin/weir-agent ctl list > "$r/tmp/ctl.out" 2>&1; then
    ok=1; break
  fi
  kill -0 "$agent_pid" 2> /dev/null || break
  sleep 0.1
done
kill "$agent_pid" 2> /dev/null || true
wait "$agent_pid" 2> /dev/null || true
agent_pid=""
(( ok )) || { cat "$r/tmp/agent.log" "$r/tmp/ctl.out"; fail "the packaged agent did not answer ctl as user weir"; }
[[ $(in_root stat -c '%U %a' /var/lib/weir/weir.db) == "weir 600" ]] ||
  fail "the store is $(in_root stat -c '%U %a' /var/lib/weir/weir.db), want weir 600"
echo "agent answered ctl list as user weir; store $(in_root stat -c '%U %a' /var/lib/weir/weir.db)"

echo "--- reinstalling (an upgrade to the same version) keeps local edits and the administrator's modes"
echo "# local edit" >> "$r/etc/weir/agent.env"
chmod 0640 "$r/etc/weir/agent.env"
in_root dpkg -i /tmp/weir-agent.deb > "$r/tmp/upgrade.out" 2>&1 || { cat "$r/tmp/upgrade.out"; fail "reinstall failed"; }
grep -q "# local edit" "$r/etc/weir/agent.env" || fail "the upgrade lost the edited conffile"
[[ $(in_root stat -c %a /etc/weir/agent.env) == 640 ]] || fail "the upgrade reset agent.env's mode"
if grep -q "systemctl enable --now" "$r/tmp/upgrade.out"; then fail "an upgrade repeated the first-install note"; fi

echo "--- dpkg -r keeps the conffile, dpkg -P removes it and keeps the store"
in_root dpkg -r weir-agent > "$r/tmp/remove.out" 2>&1 || { cat "$r/tmp/remove.out"; fail "dpkg -r failed"; }
[[ ! -e $r/usr/bin/weir-agent && ! -e $r/usr/lib/systemd/system/weir-agent.service ]] || fail "files left after remove"
grep -q "# local edit" "$r/etc/weir/agent.env" || fail "remove lost the edited conffile"
in_root dpkg -P weir-agent > "$r/tmp/purge.out" 2>&1 || { cat "$r/tmp/purge.out"; fail "dpkg -P failed"; }
cat "$r/tmp/purge.out"
[[ ! -e $r/etc/weir/agent.env ]] || fail "purge left agent.env"
[[ -e $r/var/lib/weir/weir.db ]] || fail "purge deleted the store"
grep -q "kept /var/lib/weir" "$r/tmp/purge.out" || fail "purge did not say it kept the store"
echo "install step: passed"
