/* regex.c - RegexValidator's patterns on libc's POSIX regular expressions:
 * Python's common spellings rewritten into extended syntax, compiled once
 * with the registry, matched as re.search matches (`$` before a final \n). */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "model/regex.h"

/* The pattern in POSIX terms: \d and \D (inside and outside brackets), \A
 * and \Z written out, a lazy quantifier made greedy (whether a pattern
 * matches somewhere does not depend on it), "(?:" made a plain group and a
 * leading "(?i)" turned into *icase; *dollar tells whether the pattern has
 * a `$` of its own (not a \Z).  malloc'd; NULL when out of memory. */
static char *translate(const char *p, bool *icase, bool *dollar) {
    size_t n = strlen(p);
    char *out = dorm_mem__alloc(n * 6 + 1), *o = out;
    if (!out) return NULL;
    if (strncmp(p, "(?i)", 4) == 0) {
        *icase = true;
        p += 4;
        n -= 4;
    }
    bool bracket = false, quantified = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        bool was_quantified = quantified;
        quantified = false;
        if (c == '\\' && i + 1 < n) {
            char e = p[++i];
            const char *with = NULL;
            if (e == 'd')
                with = bracket ? "0-9" : "[0-9]";
            else if (e == 'D' && !bracket)
                with = "[^0-9]";
            else if (e == 'A' && !bracket)
                with = "^";
            else if (e == 'Z' && !bracket)
                with = "$";
            if (with) {
                size_t k = strlen(with);
                memcpy(o, with, k);
                o += k;
            } else {
                *o++ = c;
                *o++ = e;
            }
            continue;
        }
        if (bracket) {
            if (c == ']') bracket = false;
            *o++ = c;
            continue;
        }
        /* "[]" and "[^]" take a literal ] first; otherwise ] ends the set. */
        if (c == '[') {
            bracket = true;
            *o++ = c;
            if (p[i + 1] == '^') *o++ = p[++i];
            if (p[i + 1] == ']') *o++ = p[++i];
            continue;
        }
        if (c == '?' && was_quantified) continue;
        if (c == '(' && p[i + 1] == '?' && p[i + 2] == ':') {
            *o++ = c;
            i += 2;
            continue;
        }
        quantified = c == '*' || c == '+' || c == '?' || c == '}';
        *dollar = *dollar || c == '$';
        *o++ = c;
    }
    *o = '\0';
    return out;
}

/* A compiled pattern, and whether its `$` is Python's. */
typedef struct pattern {
    regex_t re;
    bool dollar;
} pattern;

int dorm_regex__compile(const char *text, int flags, void **out, char *err, size_t errlen) {
    *out = NULL;
    if (err && errlen) err[0] = '\0';
    bool icase = flags & DORM_REGEX_IGNORECASE, dollar = false;
    char *posix = translate(text ? text : "", &icase, &dollar);
    pattern *re = dorm_mem__alloc(sizeof *re);
    if (!posix || !re) {
        dorm_mem__free(posix);
        dorm_mem__free(re);
        return DORM_ENOMEM;
    }
    re->dollar = dollar;
    int rc = regcomp(&re->re, posix, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
    dorm_mem__free(posix);
    if (rc) {
        if (err && errlen) regerror(rc, &re->re, err, errlen);
        dorm_mem__free(re);
        return rc == REG_ESPACE ? DORM_ENOMEM : DORM_EVALUE;
    }
    *out = re;
    return DORM_OK;
}

int dorm_regex__search(const void *compiled, const char *s, size_t n) {
    const pattern *re = compiled;
    if (regexec(&re->re, s, 0, NULL, 0) == 0) return 1;
    /* Python's `$` also matches before a newline that ends the string. */
    if (!re->dollar || n == 0 || s[n - 1] != '\n') return 0;
    char *cut = dorm_mem__alloc(n);
    if (!cut) return DORM_ENOMEM;
    memcpy(cut, s, n - 1);
    cut[n - 1] = '\0';
    int found = regexec(&re->re, cut, 0, NULL, 0) == 0;
    dorm_mem__free(cut);
    return found;
}

void dorm_regex__free(void *compiled) {
    pattern *re = compiled;
    if (!re) return;
    regfree(&re->re);
    dorm_mem__free(re);
}
