# field.awk - field(line, key): the value of key=value in a "bench ..." or
# "check ..." line of the benchmark programs, "" when absent.  Loaded before
# table.awk and spread.awk (awk -f field.awk -f ...).
function field(line, key,    i, n, parts, kv) {
    n = split(line, parts, " ")
    for (i = 1; i <= n; i++) {
        split(parts[i], kv, "=")
        if (kv[1] == key) return substr(parts[i], length(key) + 2)
    }
    return ""
}
