#!/usr/bin/env bash
# scripts/mariadb_start.sh - starts a throw-away MariaDB server for the tests:
# mariadb-install-db into a private folder (build/mariadb by default), a unix
# socket there and no TCP port, durability off, run as `nobody` when invoked
# as root, with the time zone tables loaded.  Prints the URL of its empty
# database dorm_test; scripts/mariadb_stop.sh stops and removes it.
# Usage: scripts/mariadb_start.sh [DIR]
#   $DORM_MY_STATE names the state file (default build/mariadb.env), so that a
#   second server (that of bench/run_server.sh my) can run beside the tests' one.
set -euo pipefail

cd "$(dirname "$0")/.." || exit 1
state=${DORM_MY_STATE:-build/mariadb.env}
dir=${1:-build/mariadb}

server=$(command -v mariadbd || command -v /usr/sbin/mariadbd || command -v mysqld || command -v /usr/sbin/mysqld || true)
install_db=$(command -v mariadb-install-db || command -v mysql_install_db || true)
client=$(command -v mariadb || command -v mysql || true)
if [[ -z $server || -z $install_db || -z $client ]]; then
    echo "mariadb_start.sh: mariadbd, mariadb-install-db or mariadb not found; install the mariadb-server package (scripts/deps.sh)" >&2
    exit 1
fi

[[ -f $state ]] && scripts/mariadb_stop.sh >/dev/null 2>&1 || true
mkdir -p build

# The server refuses to run as root without --user: then it runs as nobody,
# which must be able to reach the folder (else a private one under /tmp is
# used).  A unix socket path is limited to about 100 bytes.
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
    as_owner=(runuser -u nobody --)
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if { [[ ${#as_owner[@]} -gt 0 ]] && ! "${as_owner[@]}" test -x "$dir"; } || [[ ${#dir} -gt 80 ]]; then
    rmdir "$dir" 2>/dev/null || true
    dir=$(mktemp -d /tmp/dorm-my.XXXXXX)
fi
sock=$dir/mysqld.sock
rm -rf "$dir/data" "$sock"
mkdir -p "$dir/data" "$dir/tmp"
chmod 700 "$dir/data"
if [[ ${#as_owner[@]} -gt 0 ]]; then
    chown nobody "$dir" "$dir/data" "$dir/tmp"
fi

# The server's temporary files in the folder too: two installs at once (the
# fault tests' servers) would clash in a shared /tmp.
"${as_owner[@]}" "$install_db" --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve --tmpdir="$dir/tmp" >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }

echo "MYDIR=$dir" >"$state"
echo "MYOWNER=${as_owner[*]:+nobody}" >>"$state"
echo "MYSOCK=$sock" >>"$state"
# The server itself, with a bounded wait for its socket to answer.
DORM_MY_STATE=$state scripts/mariadb_ctl.sh start || exit 1
my=("$client" --no-defaults -S "$sock" -u root)

# CONVERT_TZ needs the zone tables (Django's has_zoneinfo_database).
if command -v mariadb-tzinfo-to-sql >/dev/null 2>&1 && [[ -d /usr/share/zoneinfo ]]; then
    mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null | "${my[@]}" mysql
fi
"${my[@]}" -e "CREATE USER 'dorm'@'localhost'; GRANT ALL ON *.* TO 'dorm'@'localhost' WITH GRANT OPTION; CREATE DATABASE dorm_test"
url="mysql://dorm@localhost/dorm_test?unix_socket=$sock"
echo "URL=$url" >>"$state"
echo "$url"
