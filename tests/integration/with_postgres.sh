#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's server binaries) on a free loopback port in a temp dir,
# with SCRAM password auth, runs the given command with WEIR_TEST_PG_* set, then stops and removes
# the server. Never touches a system cluster. As root, the server runs as the `postgres` user.
# Usage: with_postgres.sh COMMAND [ARGS...]
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $bindir/initdb ]] || { echo "PostgreSQL server binaries not found; run scripts/bootstrap" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/weir-pg.XXXXXX")
as_pg=()
if [[ $(id -u) == 0 ]]; then
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
password="it-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
stop() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

# TLS with a throwaway CA, so clients can be tested with sslmode=verify-full.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 2 \
  -subj /CN=weir-test-ca > /dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$dir/server.key" -out "$dir/server.csr" -subj /CN=localhost > /dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$dir/san.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -out "$dir/server.crt" -days 2 -extfile "$dir/san.ext" > /dev/null 2>&1
chmod 600 "$dir/server.key"
[[ ${#as_pg[@]} == 0 ]] || chown postgres "$dir/server.key" "$dir/server.crt"

printf '%s\n' "$password" > "$dir/pwfile"
chmod 644 "$dir/pwfile"
"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U weir --pwfile="$dir/pwfile" -A scram-sha-256 \
  --encoding=UTF8 --locale=C > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; exit 1; }
"${as_pg[@]}" mkdir -p "$dir/sock"
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start > /dev/null ||
  { cat "$dir/server.log"; exit 1; }

export WEIR_TEST_PG_HOST=127.0.0.1 WEIR_TEST_PG_PORT=$port WEIR_TEST_PG_USER=weir WEIR_TEST_PG_DB=postgres
export WEIR_TEST_PG_PASSWORD=$password WEIR_TEST_PG_DATA=$dir/data WEIR_TEST_PG_BIN=$bindir
export WEIR_TEST_PG_CA=$dir/ca.crt WEIR_TEST_PG_OTHER_CA=$dir/server.crt
# `$WEIR_TEST_PG_CTL stop|start` lets a test take the server down and bring it back.
cat > "$dir/pgctl" <<CTL
#!/usr/bin/env bash
set -e
case \$1 in
  stop) ${as_pg[*]} "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null ;;
  start) ${as_pg[*]} "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start > /dev/null ;;
esac
CTL
chmod 755 "$dir/pgctl"
export WEIR_TEST_PG_CTL=$dir/pgctl
set +e
"$@"
code=$?
set -e
if [[ $code != 0 ]]; then echo "--- server log:"; tail -20 "$dir/server.log"; fi
exit $code
