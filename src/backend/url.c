/* url.c - parsing database URLs (scheme://user:password@host:port/path?k=v)
 * into a dorm_url, with percent-decoding, the SQLite path forms and error
 * messages that name the problem but never show the password. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "core/alloc.h"
#include "core/chars.h"

/* Longest URL echoed in an error message (the rest is cut with "..."). */
#define URL_ECHO_MAX 200

/* The URL as error messages show it: the password replaced by "***".  The
 * user information ends at the last '@' before the query string, even past a
 * '/', so that a password holding an unencoded '/' is hidden too. */
static void redact(const char *url, char *out, size_t cap) {
    const char *auth = strstr(url, "://");
    const char *at = NULL, *colon = NULL;
    if (auth) {
        auth += 3;
        size_t alen = strcspn(auth, "?");
        for (const char *p = auth; p < auth + alen; p++)
            if (*p == '@') at = p;
        if (at) colon = memchr(auth, ':', (size_t)(at - auth));
    }
    int n;
    if (colon)
        n = snprintf(out, cap, "%.*s:***%s", (int)(colon - url), url, at);
    else
        n = snprintf(out, cap, "%s", url);
    if (n >= 0 && (size_t)n >= cap) memcpy(out + cap - 4, "...", 4);
}

/* Fails with DORM_ECONFIG naming the problem: `what`, then `detail` (the
 * offending part, never the password) quoted, then `after`. */
static int fail(dorm_errbuf *e, const char *url, const char *what, const char *detail, size_t dlen, const char *after) {
    char shown[URL_ECHO_MAX + 1];
    redact(url, shown, sizeof shown);
    if (detail)
        return dorm_err(e, DORM_ECONFIG, "Invalid database URL '%s': %s'%.*s'%s", shown, what,
                        (int)(dlen > 64 ? 64 : dlen), detail, after);
    return dorm_err(e, DORM_ECONFIG, "Invalid database URL '%s': %s", shown, what);
}

/* Stores in *dst a malloc'd, percent-decoded copy of s[0..n).  `plus` turns
 * '+' into a space (form encoding, used by the query string).  0, DORM_ENOMEM,
 * or 1 for a malformed escape or a decoded NUL (which would cut the string). */
static int decode(char **dst, const char *s, size_t n, bool plus) {
    char *out = dorm_mem__alloc(n + 1);
    if (!out) return DORM_ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[o++] = plus && s[i] == '+' ? ' ' : s[i];
            continue;
        }
        int hi = i + 2 < n ? dorm_hex_value(s[i + 1]) : -1;
        int lo = i + 2 < n ? dorm_hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            dorm_mem__free(out);
            return 1;
        }
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    *dst = out;
    return 0;
}

/* decode() for a component named `what`, turning its failure into an error. */
static int component(char **dst, const char *s, size_t n, bool plus, const char *url, const char *what,
                     dorm_errbuf *e) {
    int rc = decode(dst, s, n, plus);
    if (rc == DORM_ENOMEM) return dorm_err(e, DORM_ENOMEM, "out of memory");
    if (rc) {
        char msg[80];
        snprintf(msg, sizeof msg, "bad percent-escape in the %s", what);
        return fail(e, url, msg, NULL, 0, NULL);
    }
    return 0;
}

/* Parses "host[:port]" or "[v6-address][:port]"; an empty host stays NULL.
 * `masked`: an '@' follows in the path, so a bad "port" may be the piece of a
 * password holding an unencoded '/', and is not echoed. */
static int parse_hostport(dorm_url *out, const char *s, size_t n, bool masked, const char *url, dorm_errbuf *e) {
    const char *host = s, *port = NULL;
    size_t hlen = n, plen = 0;
    if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close) return fail(e, url, "unclosed '[' in the host", NULL, 0, NULL);
        host = s + 1;
        hlen = (size_t)(close - host);
        const char *after = close + 1;
        if (after < s + n) {
            if (*after != ':')
                return fail(e, url, "unexpected text ", after, (size_t)(s + n - after), " after the host");
            port = after + 1;
            plen = (size_t)(s + n - port);
        }
    } else {
        for (size_t i = n; i-- > 0;)
            if (s[i] == ':') {
                hlen = i;
                port = s + i + 1;
                plen = n - i - 1;
                break;
            }
    }
    if (port) {
        long v = 0;
        bool digits = plen > 0;
        for (size_t i = 0; i < plen; i++) {
            if (port[i] < '0' || port[i] > '9')
                digits = false;
            else if (v <= 65535)
                v = v * 10 + (port[i] - '0');
        }
        if (!digits && masked)
            return fail(e, url, "the port is not a number (a '/' in a password must be written %2F)", NULL, 0, NULL);
        if (!digits) return fail(e, url, "port ", port, plen, " is not a number");
        if (v < 1 || v > 65535) return fail(e, url, "port ", port, plen, " is out of range");
        out->port = (int)v;
    }
    if (hlen) return component(&out->host, host, hlen, false, url, "host", e);
    return 0;
}

/* Parses "user[:password]"; absent or empty parts stay NULL. */
static int parse_userinfo(dorm_url *out, const char *s, size_t n, const char *url, dorm_errbuf *e) {
    const char *colon = memchr(s, ':', n);
    size_t ulen = colon ? (size_t)(colon - s) : n;
    int rc = 0;
    if (ulen) rc = component(&out->user, s, ulen, false, url, "user name", e);
    if (!rc && colon && colon + 1 < s + n)
        rc = component(&out->password, colon + 1, (size_t)(s + n - colon - 1), false, url, "password", e);
    return rc;
}

/* Parses "k=v&k2=v2" into keys/values; empty segments are skipped. */
static int parse_query(dorm_url *out, const char *s, const char *url, dorm_errbuf *e) {
    size_t count = 1;
    for (const char *p = s; *p; p++)
        if (*p == '&') count++;
    out->keys = dorm_mem__calloc(count, sizeof *out->keys);
    out->values = dorm_mem__calloc(count, sizeof *out->values);
    if (!out->keys || !out->values) return dorm_err(e, DORM_ENOMEM, "out of memory");
    while (*s) {
        size_t seg = strcspn(s, "&");
        if (seg) {
            const char *eq = memchr(s, '=', seg);
            size_t klen = eq ? (size_t)(eq - s) : seg;
            if (!klen) return fail(e, url, "query parameter ", s, seg, " has no name");
            size_t i = out->nparams;
            int rc = component(&out->keys[i], s, klen, true, url, "query string", e);
            if (rc) return rc;
            out->nparams++;
            const char *v = eq ? eq + 1 : s + seg;
            rc = component(&out->values[i], v, (size_t)(s + seg - v), true, url, "query string", e);
            if (rc) return rc;
        }
        s += seg;
        if (*s == '&') s++;
    }
    return 0;
}

static int parse(const char *url, dorm_url *out, dorm_errbuf *e) {
    const char *sep = strstr(url, "://");
    if (!sep || sep == url) return fail(e, url, "expected scheme://...", NULL, 0, NULL);
    for (const char *p = url; p < sep; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (p > url && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'));
        if (!ok) return fail(e, url, "scheme ", url, (size_t)(sep - url), " is not valid");
    }
    size_t slen = (size_t)(sep - url);
    out->scheme = dorm_mem__alloc(slen + 1);
    if (!out->scheme) return dorm_err(e, DORM_ENOMEM, "out of memory");
    for (size_t i = 0; i < slen; i++)
        out->scheme[i] = (char)(url[i] >= 'A' && url[i] <= 'Z' ? url[i] - 'A' + 'a' : url[i]);
    out->scheme[slen] = '\0';

    const char *rest = sep + 3;
    const char *query = strchr(rest, '?');
    const char *end = query ? query : rest + strlen(rest);
    const char *slash = memchr(rest, '/', (size_t)(end - rest));
    const char *auth_end = slash ? slash : end;
    const char *path = slash ? slash + 1 : end;
    int rc;

    /* "sqlite://:memory:" names SQLite's in-memory database in the host slot. */
    if (!slash && auth_end - rest == 8 && memcmp(rest, ":memory:", 8) == 0) {
        path = rest;
        auth_end = rest;
    }
    const char *at = NULL;
    for (const char *p = rest; p < auth_end; p++)
        if (*p == '@') at = p;
    if (at && (rc = parse_userinfo(out, rest, (size_t)(at - rest), url, e))) return rc;
    const char *hp = at ? at + 1 : rest;
    bool masked = memchr(auth_end, '@', (size_t)(end - auth_end)) != NULL;
    if ((rc = parse_hostport(out, hp, (size_t)(auth_end - hp), masked, url, e))) return rc;
    if ((rc = component(&out->path, path, (size_t)(end - path), false, url, "path", e))) return rc;
    if (query && (rc = parse_query(out, query + 1, url, e))) return rc;
    return 0;
}

int dorm_url__parse(const char *url, dorm_url *out, dorm_errbuf *e) {
    memset(out, 0, sizeof *out);
    if (!url || !*url) return dorm_err(e, DORM_ECONFIG, "Invalid database URL '': the URL is empty");
    int rc = parse(url, out, e);
    if (rc) dorm_url__free(out);
    return rc;
}

void dorm_url__free(dorm_url *u) {
    if (!u) return;
    for (size_t i = 0; i < u->nparams; i++) {
        dorm_mem__free(u->keys[i]);
        dorm_mem__free(u->values[i]);
    }
    dorm_mem__free(u->keys);
    dorm_mem__free(u->values);
    dorm_mem__free(u->scheme);
    dorm_mem__free(u->user);
    dorm_mem__free(u->password);
    dorm_mem__free(u->host);
    dorm_mem__free(u->path);
    memset(u, 0, sizeof *u);
}
