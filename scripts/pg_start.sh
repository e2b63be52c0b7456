#!/usr/bin/env bash
# scripts/pg_start.sh - starts a throw-away PostgreSQL server for the tests:
# initdb into a private folder (build/pg by default), listening only on a unix
# socket there, fsync off, run as `nobody` when invoked as root.  Prints the
# URL of its empty database dorm_test (with pgcrypto, as every database it
# creates); scripts/pg_stop.sh stops and removes it.
# Usage: scripts/pg_start.sh [DIR]
#   $DORM_PG_STATE names the state file (default build/pg.env), so that a
#   second server (that of bench/run_server.sh pg) can run beside the tests' one.
set -euo pipefail

cd "$(dirname "$0")/.." || exit 1
state=${DORM_PG_STATE:-build/pg.env}
dir=${1:-build/pg}

# Debian keeps the server programs out of PATH, under one folder per version.
bindir=""
if command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/initdb" ]]; then
    bindir=$(pg_config --bindir)
else
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x $d/initdb ]]; then bindir=$d; break; fi
    done
fi
if [[ -z $bindir ]] && command -v initdb >/dev/null 2>&1; then
    bindir=$(dirname "$(command -v initdb)")
fi
if [[ -z $bindir ]]; then
    echo "pg_start.sh: initdb not found; install the postgresql package (scripts/deps.sh)" >&2
    exit 1
fi

[[ -f $state ]] && scripts/pg_stop.sh >/dev/null 2>&1 || true
mkdir -p build

# PostgreSQL refuses to run as root: then the server runs as nobody, which
# must be able to reach the folder (else a private one under /tmp is used).
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
    as_owner=(runuser -u nobody --)
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sockdir=$dir/sock
if { [[ ${#as_owner[@]} -gt 0 ]] && ! "${as_owner[@]}" test -x "$dir"; } || [[ ${#sockdir} -gt 80 ]]; then
    rmdir "$dir" 2>/dev/null || true
    dir=$(mktemp -d /tmp/dorm-pg.XXXXXX)
    sockdir=$dir/sock
fi
rm -rf "$dir/data" "$sockdir"
mkdir -p "$dir/data" "$sockdir"
chmod 700 "$dir/data"
if [[ ${#as_owner[@]} -gt 0 ]]; then
    chown nobody "$dir" "$dir/data" "$sockdir"
fi

# A port number only names the socket file inside the private folder; one
# that no other socket there uses is enough.
port=$((40000 + $$ % 20000))
while [[ -e $sockdir/.s.PGSQL.$port ]]; do port=$((port + 1)); done

"${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U dorm --auth=trust -E UTF8 --no-locale --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sockdir'
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
CONF

echo "PGBIN=$bindir" >"$state"
echo "PGDIR=$dir" >>"$state"
echo "PGOWNER=${as_owner[*]:+nobody}" >>"$state"
if ! "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
    cat "$dir/server.log" >&2
    exit 1
fi
# pgcrypto (Django's SHA1 ... SHA512 call its DIGEST) in template1, so that
# every database created here has it, in its public schema.
"$bindir/psql" -h "$sockdir" -p "$port" -U dorm -d template1 -q -X \
    -c "CREATE EXTENSION IF NOT EXISTS pgcrypto" >/dev/null ||
    echo "pg_start.sh: no pgcrypto extension (postgresql-contrib): the SHA1 ... SHA512 tests will fail" >&2
"$bindir/createdb" -h "$sockdir" -p "$port" -U dorm dorm_test
url="postgres:///dorm_test?host=$sockdir&port=$port&user=dorm"
echo "URL=$url" >>"$state"
echo "$url"
