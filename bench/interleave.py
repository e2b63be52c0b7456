#!/usr/bin/env python3
"""interleave.py - runs the benchmark programs side by side, taking turns
round by round on each workload, so that every implementation measures a
workload within the same minute as the others (load that comes and goes on
a shared machine then weighs on all of them alike).

Usage: interleave.py ROUNDS NAME CMD [ARG...] [-- NAME CMD [ARG...]]...

Each program runs with BENCH_STEP=1 and BENCH_ROUNDS=ROUNDS: before every
round of a workload it prints "ready <workload>" and waits for a line on
stdin (bench_step in common.c, rounds() in django_bench.py).  This driver
lets the programs waiting on the earliest workload (in WORKLOADS order) go
one after the other, one round each, until none waits on it any more; the
others stay blocked meanwhile.  Their "bench"/"check" lines go to stdout in
the order they come.  A program that fails is reported on stderr and
dropped; the others go on.
"""
import os
import subprocess
import sys

WORKLOADS = [
    "create", "bulk_create", "fetch_all", "values_list_flat", "get_pk", "filter_order_slice",
    "update_const", "select_related", "prefetch_related", "page_offset", "page_keyset",
    "m2m_filter_distinct", "annotate_having", "values_group", "subquery_latest", "window_rank",
    "union_filters",
]


def parse(argv):
    if len(argv) < 3 or not argv[1].isdigit():
        sys.exit(__doc__)
    programs, cur = [], []
    for a in argv[2:] + ["--"]:
        if a == "--":
            if len(cur) >= 2:
                programs.append((cur[0], cur[1:]))
            cur = []
        else:
            cur.append(a)
    return int(argv[1]), programs


class Program:
    def __init__(self, name, cmd, rounds):
        env = dict(os.environ, BENCH_STEP="1", BENCH_ROUNDS=str(rounds))
        self.name = name
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                     text=True, bufsize=1)
        self.waiting = None
        self.advance()

    def advance(self):
        """Passes result lines on until the next "ready" (or the end)."""
        for line in self.proc.stdout:
            if line.startswith("ready "):
                self.waiting = line.split()[1]
                return
            sys.stdout.write(line)
            sys.stdout.flush()
        self.waiting = None
        rc = self.proc.wait()
        if rc != 0:
            print(f"{self.name} failed (exit status {rc})", file=sys.stderr)

    def go(self):
        try:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        self.advance()


def rank(workload):
    return WORKLOADS.index(workload) if workload in WORKLOADS else -1


def main():
    rounds, specs = parse(sys.argv)
    programs = [Program(name, cmd, rounds) for name, cmd in specs]
    while True:
        waiting = [p for p in programs if p.waiting]
        if not waiting:
            break
        workload = min((p.waiting for p in waiting), key=rank)
        print(f"{workload}: {', '.join(p.name for p in waiting if p.waiting == workload)}", file=sys.stderr)
        while True:
            turn = [p for p in programs if p.waiting == workload]
            if not turn:
                break
            for p in turn:
                p.go()
    for p in programs:
        if p.proc.stdin:
            p.proc.stdin.close()


if __name__ == "__main__":
    main()
