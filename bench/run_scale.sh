#!/usr/bin/env bash
# run_scale.sh - the threads / pool / replica benchmark: starts a private
# PostgreSQL primary (scripts/pg_start.sh) and a hot standby of it
# (scripts/pg_standby.sh) in a temporary folder, runs dorm_scale against
# them and prints the Markdown table of docs/performance.md's section on
# threads, pools and replicas.  Stops both servers at the end.
# Usage: bench/run_scale.sh [BINDIR]   (BINDIR holds dorm_scale: `make
# bench-postgres` builds it into build-bench/bench)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build-bench/bench}/dorm_scale
[[ -x $BIN ]] || { echo "run_scale.sh: $BIN not built (make bench-postgres builds it)" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dorm-bench-scale.XXXXXX")
chmod 755 "$TMP"
cleanup() {
    DORM_PG_STATE=$TMP/standby.env "$ROOT/scripts/pg_stop.sh" || true
    DORM_PG_STATE=$TMP/pg.env "$ROOT/scripts/pg_stop.sh" || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
primary=$(DORM_PG_STATE=$TMP/pg.env "$ROOT/scripts/pg_start.sh" "$TMP/pg")
replica=$(DORM_PG_STATE=$TMP/standby.env "$ROOT/scripts/pg_standby.sh" "$TMP/pg.env" "$TMP/standby")
"$BIN" "$primary" "$replica" | tee "$TMP/results.txt" >&2
echo
echo "| workload | setup | 1 thread | 2 threads | 4 threads |"
echo "|---|---|---|---|---|"
awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      key = f["workload"] SUBSEP f["setup"]; rate[key, f["threads"]] = f["per_second"]
      if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
    END { for (i = 0; i < n; i++) { split(order[i], p, SUBSEP)
            printf "| %s | %s | %s/s | %s | %s |\n", p[1], p[2], rate[order[i], 1],
                   rate[order[i], 2] ? rate[order[i], 2] "/s" : "-", rate[order[i], 4] ? rate[order[i], 4] "/s" : "-" } }
' "$TMP/results.txt"
