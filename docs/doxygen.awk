# docs/doxygen.awk - Doxygen's INPUT_FILTER for the public headers: their
# contract comments are plain C comments, which this turns into Doxygen's,
# so that the headers keep the project's one comment style.
#  - The file's first comment documents the file ("/* dorm/db.h - ..." ->
#    "/** @file dorm/db.h ...").
#  - A comment that opens a line documents the declaration right below it
#    (a comment followed by a blank line or another comment is a note and
#    stays plain); when several
#    declarations follow it with no blank line between (a function and its
#    macro, dorm_atomic_begin/_commit/_rollback), they become one member
#    group that shares it (DISTRIBUTE_GROUP_DOC).
#  - A comment after code on its line documents that line (a member, an
#    enum value, a macro).
#  - Section rules ("/* ---- ... ---- */") stay plain.
#  - The macros' own helpers (DORM__MAP, dorm__...) and forward declarations
#    of structs become empty lines, passed over: a comment above them
#    documents what follows them.
# Lines are neither added nor removed, so Doxygen's warnings name real lines.

# code_part(s): s without its comment text and string / character literals
# (which may hold braces or semicolons); `comment` says whether s starts
# inside a comment and is left saying whether it ends inside one.
function code_part(s,    out, i, c, n, q) {
    out = ""
    n = length(s)
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (comment) {
            if (c == "*" && substr(s, i + 1, 1) == "/") { comment = 0; i++ }
            continue
        }
        if (c == "/" && substr(s, i + 1, 1) == "*") { comment = 1; i++; continue }
        if (c == "\"" || c == "'") {
            q = c
            for (i++; i <= n && substr(s, i, 1) != q; i++)
                if (substr(s, i, 1) == "\\") i++
            continue
        }
        out = out c
    }
    return out
}

# Pass 1, per line: the converted text, whether a doc comment opens the
# line (and where it ends), and the brace depth before and after the line.
{
    line = $0
    lead[NR] = 0
    if (!in_comment) {
        if (match(line, /^[ \t]*\/\*/)) {
            opener = substr(line, 1, RLENGTH)
            rest = substr(line, RLENGTH + 1)
            if (!seen_first) {
                seen_first = 1
                if (match(rest, /^ [^ ]+ - /)) {
                    name = substr(rest, 2, RLENGTH - 4)
                    rest = " @file " name " " substr(rest, RLENGTH + 1)
                }
                line = opener "*" rest
            } else if (rest !~ /^[*!]/ && rest !~ /^ ----/) {
                line = opener "*" rest
                lead[NR] = 1
            }
        } else if (match(line, /[^ \t][ \t]*\/\*/)) {
            pos = index(substr(line, RSTART), "/*") + RSTART - 1
            if (substr(line, pos + 2, 1) != "*")
                line = substr(line, 1, pos + 1) "*<" substr(line, pos + 2)
        }
    }
    text[NR] = line
    original[NR] = $0
    start_in_comment = in_comment
    comment = in_comment
    code[NR] = code_part($0)
    in_comment = comment
    ends_in_comment[NR] = in_comment
    if (lead[NR]) {
        end_of[NR] = NR
        open_lead = in_comment ? NR : 0
    } else if (open_lead && start_in_comment) {
        end_of[open_lead] = NR
        if (!in_comment) open_lead = 0
    }
    define[NR] = (code[NR] ~ /^[ \t]*#[ \t]*define/) || (NR > 1 && continued[NR - 1])
    continued[NR] = (code[NR] ~ /\\[ \t]*$/) && define[NR]
    hidden[NR] = (code[NR] ~ /^[ \t]*#[ \t]*define[ \t]+(DORM__|dorm__)/) || (NR > 1 && continued[NR - 1] && hidden[NR - 1])
    if (code[NR] ~ /^[ \t]*struct[ \t]+[A-Za-z_0-9]+[ \t]*;[ \t]*$/ && !start_in_comment) hidden[NR] = 1
    if (hidden[NR]) text[NR] = ""
    depth_before[NR] = depth
    if (!define[NR]) {
        n = length(code[NR])
        for (i = 1; i <= n; i++) {
            c = substr(code[NR], i, 1)
            if (c == "{") depth++
            else if (c == "}") depth--
        }
    }
}

# declarations(first, base): how many declarations the lines from `first`
# hold at brace depth `base` (a member line "T *a, *b;" holds two) before a blank line, a comment, a preprocessor
# line or the end of the enclosing braces; `last` gets the last line and
# `stop` the line that ended the run.
function declarations(first, base,    count, l, d, p, s, i, c, n) {
    count = 0
    p = 0
    last = first - 1
    stop = NR + 1
    for (l = first; l <= NR; l++) {
        stop = l
        if (hidden[l]) continue
        d = depth_before[l]
        if (d == base) {
            if (text[l] ~ /^[ \t]*$/ || text[l] ~ /^[ \t]*\/\*/) break
            if (code[l] ~ /^[ \t]*#/ && !define[l]) break
            if (code[l] ~ /^[ \t]*}/) break
        }
        if (define[l]) {
            if (!(l > 1 && continued[l - 1])) count++
            if (!ends_in_comment[l]) last = l
            continue
        }
        s = code[l]
        n = length(s)
        for (i = 1; i <= n; i++) {
            c = substr(s, i, 1)
            if (c == "{") d++
            else if (c == "(") p++
            else if (c == ")") p--
            else if (c == "}") {
                d--
                if (d == base && substr(s, i + 1) ~ /^[ \t]*$/) count++
            } else if ((c == ";" || (c == "," && p == 0)) && d == base) count++
        }
        if (!ends_in_comment[l]) last = l
        stop = l + 1
    }
    return count
}

# A group closes after its last line, or where a macro is its last line
# (Doxygen reads the rest of a #define line as the macro) at the start of
# the line that ended it, unless that is a preprocessor line: no group then.
END {
    for (l = 1; l <= NR; l++) {
        if (!lead[l]) continue
        for (next_line = end_of[l] + 1; next_line <= NR && hidden[next_line]; next_line++)
            ;
        if (next_line > NR || text[next_line] ~ /^[ \t]*$/ || text[next_line] ~ /^[ \t]*\/\*/) {
            lead[l] = 0
            text[l] = original[l]
        }
    }
    for (l = 1; l <= NR; l++) {
        if (!lead[l] || declarations(end_of[l] + 1, depth_before[l]) < 2) continue
        if (!define[last]) {
            text[last] = text[last] " /**@}*/"
        } else if (stop <= NR && code[stop] !~ /^[ \t]*#/) {
            closes[stop] = "/**@}*/"
        } else {
            continue
        }
        opens[l] = "/**@{*/"
    }
    for (l = 1; l <= NR; l++) print closes[l] opens[l] text[l]
}
