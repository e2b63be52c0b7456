# spread.awk - the spread of the benchmark over its rounds: for raw C and
# dorm, the per-round best of each workload as min / median / max µs per
# operation, the ratio of the medians, and "noisy" where the spread of
# either (max - min, relative to its median) is wider than the difference
# that ratio reports (it then says nothing).  Reads the
# "bench ..." lines of run.sh / run_server.sh (after field.awk); prints
# nothing for one round.
# Sorts the k values of v[impl, w, 1..k] in place (insertion sort: a few rounds).
function sort_values(impl, w, k,    i, j, t) {
    for (i = 2; i <= k; i++) {
        t = v[impl, w, i]
        for (j = i - 1; j >= 1 && v[impl, w, j] > t; j--) v[impl, w, j + 1] = v[impl, w, j]
        v[impl, w, j + 1] = t
    }
}
function median(impl, w, k) {
    return k % 2 ? v[impl, w, (k + 1) / 2] : (v[impl, w, k / 2] + v[impl, w, k / 2 + 1]) / 2
}
function cell(x) { return sprintf(x < 100 ? "%.2f" : "%.0f", x) }
/^bench / {
    impl = field($0, "impl"); w = field($0, "workload")
    if (impl != "raw" && impl != "dorm") next
    k = ++cnt[impl, w]
    v[impl, w, k] = (field($0, "seconds") + 0) / field($0, "n") * 1e6
    if (!(w in seen)) { seen[w] = 1; order[++nw] = w }
    if (k > rounds) rounds = k
}
END {
    if (rounds < 2) exit
    printf "\nSpread over %d rounds (µs/op, min / median / max of each round's best):\n\n", rounds
    print "| workload | raw C | dorm | dorm/raw (median) | |"
    print "|---|---|---|---:|---|"
    for (i = 1; i <= nw; i++) {
        w = order[i]
        if (!cnt["raw", w] || !cnt["dorm", w]) continue
        sort_values("raw", w, cnt["raw", w]); sort_values("dorm", w, cnt["dorm", w])
        rmin = v["raw", w, 1]; rmax = v["raw", w, cnt["raw", w]]; rmed = median("raw", w, cnt["raw", w])
        dmin = v["dorm", w, 1]; dmax = v["dorm", w, cnt["dorm", w]]; dmed = median("dorm", w, cnt["dorm", w])
        diff = dmed / rmed - 1; if (diff < 0) diff = -diff
        noisy = (rmax - rmin) / rmed > diff || (dmax - dmin) / dmed > diff
        printf "| %s | %s / %s / %s | %s / %s / %s | %.2f | %s |\n", w, cell(rmin), cell(rmed), cell(rmax),
               cell(dmin), cell(dmed), cell(dmax), dmed / rmed, noisy ? "noisy" : ""
    }
}
