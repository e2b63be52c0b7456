# table.awk - docs/performance.md's table from the "bench ..." and "check ..."
# lines of run.sh / run_server.sh: per workload the median round of raw C,
# dorm and Django in µs per operation and their ratios, and a warning for
# every checksum that differs from raw C's.  -v gom=1 (SQLite) adds the
# Django/raw, libgom and libgom/dorm columns.
# The median of the rounds of impl on w (each round the best of its runs).
function median(impl, w,    k, i, j, t, a) {
    k = cnt[impl, w]
    for (i = 1; i <= k; i++) a[i] = secs[impl, w, i]
    for (i = 2; i <= k; i++) {
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
function us(impl, w) { return ((impl, w) in cnt) ? median(impl, w) / n[impl, w] * 1e6 : -1 }
function cell(v) { return v < 0 ? "n/a" : sprintf(v < 100 ? "%.2f" : "%.0f", v) }
function ratio(a, b) { return (a < 0 || b <= 0) ? "n/a" : sprintf("%.2f", a / b) }
/^bench / {
    impl = field($0, "impl"); w = field($0, "workload"); s = field($0, "seconds") + 0
    secs[impl, w, ++cnt[impl, w]] = s
    n[impl, w] = field($0, "n")
    c = field($0, "checksum")
    if ((impl, w) in sum && sum[impl, w] != c)
        printf "WARNING: %s: %s gave checksums %s and %s in different rounds\n", w, impl,
               sum[impl, w], c > "/dev/stderr"
    sum[impl, w] = c
    if (!(w in seen)) { seen[w] = 1; order[++nw] = w }
}
/^check / { chk[field($0, "impl"), field($0, "what")] = field($0, "checksum") }
END {
    nothers = split(gom ? "dorm django libgom" : "dorm django", others, " ")
    if (gom) {
        print "| workload | raw C (µs/op) | dorm (µs/op) | Django (µs/op) | dorm/raw | Django/dorm" \
              " | Django/raw | libgom (µs/op) | libgom/dorm |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    } else {
        print "| workload | raw C (µs/op) | dorm (µs/op) | Django (µs/op) | dorm/raw | Django/dorm |"
        print "|---|---:|---:|---:|---:|---:|"
    }
    for (i = 1; i <= nw; i++) {
        w = order[i]; r = us("raw", w); d = us("dorm", w); g = us("django", w)
        printf "| %s | %s | %s | %s | %s | %s", w, cell(r), cell(d), cell(g), ratio(d, r), ratio(g, d)
        if (gom) { o = us("libgom", w); printf " | %s | %s | %s", ratio(g, r), cell(o), ratio(o, d) }
        print " |"
    }
    for (i = 1; i <= nw; i++) {
        w = order[i]
        for (k = 1; k <= nothers; k++)
            if (("raw", w) in sum && (others[k], w) in sum && sum["raw", w] != sum[others[k], w])
                printf "WARNING: %s: checksum of %s (%s) differs from raw C (%s)\n", w, others[k],
                       sum[others[k], w], sum["raw", w] > "/dev/stderr"
    }
    for (k = 1; k <= 2; k++)
        if (("raw", "schema") in chk && (others[k], "schema") in chk &&
            chk["raw", "schema"] != chk[others[k], "schema"])
            printf "WARNING: the schema %s created differs from raw C's (Django 3.2's DDL)\n", others[k] > "/dev/stderr"
}
