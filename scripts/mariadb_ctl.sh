#!/usr/bin/env bash
# scripts/mariadb_ctl.sh - starts and stops the server scripts/mariadb_start.sh
# set up (its data folder, private socket and owner), for mariadb_start.sh
# itself and for tests that stop, kill and restart their server.
# $DORM_MY_STATE names the state file (default build/mariadb.env).
# Usage: scripts/mariadb_ctl.sh start | stop [-m fast|immediate] | status
#   stop -m fast (the default) shuts the server down cleanly (SIGTERM);
#   stop -m immediate kills it (SIGKILL), as a crash would.
# Every wait is bounded ($DORM_MY_WAIT seconds, 60 by default); start logs
# to the server's log file, so the server never holds the caller's output.
# DORM_MY_DURABLE=1 at the first start makes InnoDB write its log at every
# commit (for tests that crash the server and count the commits kept);
# later starts of the same server keep it.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
state=${DORM_MY_STATE:-build/mariadb.env}
[[ -f $state ]] || { echo "mariadb_ctl.sh: no server state in $state" >&2; exit 1; }
MYDIR=$(sed -n 's/^MYDIR=//p' "$state")
MYOWNER=$(sed -n 's/^MYOWNER=//p' "$state")
MYSOCK=$(sed -n 's/^MYSOCK=//p' "$state")
as_owner=()
[[ -n $MYOWNER ]] && as_owner=(runuser -u "$MYOWNER" --)
tenths=$((${DORM_MY_WAIT:-60} * 10))

# The server's own process: its pid file (runuser's child when started as
# root), else the pid recorded at start.
server_pid() {
    if [[ -s $MYDIR/mysqld.pid ]]; then cat "$MYDIR/mysqld.pid"; else sed -n 's/^MYPID=//p' "$state"; fi
}

running() {
    local pid
    pid=$(server_pid)
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

answers() {
    local client
    client=$(command -v mariadb || command -v mysql) || return 1
    "$client" --no-defaults -S "$MYSOCK" -u root -e "SELECT 1" >/dev/null 2>&1
}

start() {
    local server=""
    for s in mariadbd /usr/sbin/mariadbd mysqld /usr/sbin/mysqld; do
        if command -v "$s" >/dev/null 2>&1; then server=$(command -v "$s"); break; fi
    done
    [[ -n $server ]] || { echo "mariadb_ctl.sh: mariadbd not found" >&2; return 1; }
    if running && answers; then return 0; fi
    local durable=${DORM_MY_DURABLE:-$(sed -n 's/^MYDURABLE=//p' "$state")}
    sed -i '/^MYDURABLE=/d' "$state"
    echo "MYDURABLE=${durable:-0}" >>"$state"
    local flush=0
    [[ ${durable:-0} == 1 ]] && flush=1
    # utf8mb4_bin: byte order for names and case-sensitive `=`, as SQLite and
    # PostgreSQL (C collation) compare (see docs/backends.md).  Transient
    # statistics: a migration test's RENAME INDEX once failed under load with
    # "duplicate key in table 'mysql.innodb_index_stats'", most likely the
    # background recalculation a test's inserts queue writing rows under the
    # index's new name first (a server-side race; not reproduced alone).
    "${as_owner[@]}" "$server" --no-defaults --datadir="$MYDIR/data" --socket="$MYSOCK" --skip-networking \
        --pid-file="$MYDIR/mysqld.pid" --log-error="$MYDIR/server.log" --tmpdir="$MYDIR/tmp" \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
        --innodb-flush-log-at-trx-commit="$flush" --innodb-doublewrite=0 --innodb-flush-method=nosync \
        --innodb-buffer-pool-size=64M --innodb-log-file-size=64M --skip-log-bin --performance-schema=OFF \
        --innodb-stats-persistent=OFF \
        --skip-name-resolve --max-connections=300 </dev/null >/dev/null 2>&1 &
    local pid=$!
    sed -i '/^MYPID=/d' "$state"
    echo "MYPID=$pid" >>"$state"
    for _ in $(seq 1 "$tenths"); do
        answers && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$MYDIR/server.log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "mariadb_ctl.sh: the server did not answer within ${DORM_MY_WAIT:-60} s (log: $MYDIR/server.log)" >&2
    return 1
}

stop() {
    local signal=TERM pid
    [[ ${1:-} == -m ]] && case ${2:-} in
    fast) ;;
    immediate) signal=KILL ;;
    *) echo "mariadb_ctl.sh: stop -m fast|immediate" >&2; return 2 ;;
    esac
    running || return 0
    pid=$(server_pid)
    kill -"$signal" "$pid" 2>/dev/null
    for _ in $(seq 1 "$tenths"); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "mariadb_ctl.sh: the server did not stop within ${DORM_MY_WAIT:-60} s (log: $MYDIR/server.log)" >&2
    return 1
}

case ${1:-} in
start) start ;;
stop) shift; stop "$@" ;;
status) running && answers ;;
*) echo "usage: mariadb_ctl.sh start | stop [-m fast|immediate] | status" >&2; exit 2 ;;
esac
