/* validators.c - Django's validate_slug, EmailValidator and URLValidator, the
 * regular expressions of django/core/validators.py written out as scanners
 * over UTF-8 text (with the IP address and IDNA/punycode rules they use),
 * so full_clean accepts and refuses what Django does. */
#include <stdint.h>
#include <string.h>

#include "core/chars.h"
#include "model/validators.h"

/* The next code point of UTF-8 text at *p (advanced past it); -1 for a
 * malformed sequence, 0 at the end. */
static int32_t next_cp(const char **p, const char *end) {
    const unsigned char *s = (const unsigned char *)*p;
    if ((const char *)s >= end) return 0;
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!n || end - (const char *)s < n) return -1;
    int32_t cp = n == 1 ? s[0] : s[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return -1;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    static const int32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    *p += n;
    return cp;
}

/* Whether s..end is UTF-8 (a Python str always is). */
static bool utf8(const char *s, const char *end) {
    while (s < end)
        if (next_cp(&s, end) < 0) return false;
    return true;
}

static bool same_ascii_nocase(const char *s, size_t n, const char *word) {
    if (strlen(word) != n) return false;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 32) != word[i]) return false;
    return true;
}

/* Python's str.isspace(), which `\s` matches in a str pattern. */
static bool is_space(int32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
        (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static bool is_alpha(int32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(int32_t c) { return is_alpha(c) || dorm_is_digit(c); }

bool dorm_valid__slug(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (!is_alnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
    return true;
}

/* ---- IP addresses (Python's ipaddress, as Django calls it) ------------------ */

/* IPv4Address(s) plus Django's rule against leading zeros. */
static bool ipv4_strict(const char *s, const char *end) {
    int parts = 0;
    while (s <= end) {
        const char *dot = memchr(s, '.', (size_t)(end - s));
        const char *e = dot ? dot : end;
        size_t n = (size_t)(e - s);
        if (n == 0 || n > 3 || (n > 1 && s[0] == '0')) return false;
        int v = 0;
        for (const char *q = s; q < e; q++) {
            if (!dorm_is_digit((unsigned char)*q)) return false;
            v = v * 10 + (*q - '0');
        }
        if (v > 255 || ++parts > 4) return false;
        if (!dot) break;
        s = dot + 1;
    }
    return parts == 4;
}

/* IPv6Address(s): hextets of 1-4 hex digits, one "::" at most, an IPv4 tail
 * counting as two; at most 39 characters (Django's limit). */
static bool ipv6(const char *s, const char *end) {
    if (end - s > 39) return false;
    const char *part[10];
    size_t len[10];
    int n = 0;
    for (const char *p = s;; n++) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (n == 9) return false;
        part[n] = p;
        len[n] = (size_t)((colon ? colon : end) - p);
        if (!colon) {
            n++;
            break;
        }
        p = colon + 1;
    }
    if (n < 3) return false;
    int hextets = n;
    if (memchr(part[n - 1], '.', len[n - 1])) {
        if (!ipv4_strict(part[n - 1], part[n - 1] + len[n - 1])) return false;
        hextets++; /* the IPv4 tail is two hextets */
    }
    if (hextets > 9) return false;
    int skip = -1;
    for (int i = 1; i < n - 1; i++)
        if (!len[i]) {
            if (skip >= 0) return false;
            skip = i;
        }
    if (skip >= 0) {
        int hi = skip, lo = hextets - skip - 1;
        if (!len[0] && --hi) return false;
        if (!len[n - 1] && --lo) return false;
        if (8 - (hi + lo) < 1) return false;
    } else if (hextets != 8 || !len[0] || !len[n - 1]) {
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (i == n - 1 && hextets > n) break; /* the IPv4 tail, checked */
        if (len[i] > 4) return false;
        for (size_t k = 0; k < len[i]; k++)
            if (!dorm_is_hex((unsigned char)part[i][k])) return false;
    }
    return true;
}

/* ---- IDNA (Python's "idna" codec, as django.utils.encoding.punycode) -------- */

static char puny_digit(uint32_t d) { return (char)(d < 26 ? 'a' + d : '0' + (d - 26)); }

static uint32_t puny_adapt(uint32_t delta, uint32_t points, bool first) {
    delta = first ? delta / 700 : delta / 2;
    delta += delta / points;
    uint32_t k = 0;
    while (delta > ((36 - 1) * 26) / 2) {
        delta /= 36 - 1;
        k += 36;
    }
    return k + (36 * delta) / (delta + 38);
}

/* RFC 3492's encoding of cps[0..n) into out (cap bytes); its length, or 0 when
 * it does not fit. */
static size_t punycode(const int32_t *cps, size_t n, char *out, size_t cap) {
    size_t o = 0, basic = 0;
    for (size_t i = 0; i < n; i++)
        if (cps[i] < 0x80) {
            if (o + 1 >= cap) return 0;
            out[o++] = (char)cps[i];
            basic++;
        }
    if (basic) {
        if (o + 1 >= cap) return 0;
        out[o++] = '-';
    }
    uint32_t cp = 0x80, delta = 0, bias = 72;
    for (size_t h = basic; h < n;) {
        uint32_t m = UINT32_MAX;
        for (size_t i = 0; i < n; i++)
            if ((uint32_t)cps[i] >= cp && (uint32_t)cps[i] < m) m = (uint32_t)cps[i];
        delta += (m - cp) * (uint32_t)(h + 1);
        cp = m;
        for (size_t i = 0; i < n; i++) {
            if ((uint32_t)cps[i] < cp) delta++;
            if ((uint32_t)cps[i] != cp) continue;
            uint32_t q = delta;
            for (uint32_t k = 36;; k += 36) {
                uint32_t t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
                if (q < t) break;
                if (o + 1 >= cap) return 0;
                out[o++] = puny_digit(t + (q - t) % (36 - t));
                q = (q - t) / (36 - t);
            }
            if (o + 1 >= cap) return 0;
            out[o++] = puny_digit(q);
            bias = puny_adapt(delta, (uint32_t)(h + 1), h == basic);
            delta = 0;
            h++;
        }
        delta++;
        cp++;
    }
    out[o] = '\0';
    return o;
}

/* Nameprep (RFC 3491) as the codec applies it to a non-ASCII label: 1 for a
 * code point mapped to nothing (table B.1), -1 for a prohibited one (tables
 * C.1.2, C.2.2, C.3 to C.9), else 0.  Case folding and NFKC are left out:
 * they change no answer of the patterns, which ignore case. */
static int nameprep(int32_t c) {
    static const int32_t dropped[][2] = {{0xAD, 0xAD},     {0x34F, 0x34F},   {0x1806, 0x1806}, {0x180B, 0x180D},
                                         {0x200B, 0x200D}, {0x2060, 0x2060}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF}};
    static const int32_t prohibited[][2] = {
        {0x80, 0xA0},       {0x340, 0x341},     {0x6DD, 0x6DD},     {0x70F, 0x70F},     {0x1680, 0x1680},
        {0x180E, 0x180E},   {0x2000, 0x200F},   {0x2028, 0x202F},   {0x205F, 0x2063},   {0x206A, 0x206F},
        {0x2FF0, 0x2FFB},   {0x3000, 0x3000},   {0xD800, 0xF8FF},   {0xFDD0, 0xFDEF},   {0xFFF9, 0xFFFD},
        {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0x10FFFF}};
    for (size_t i = 0; i < sizeof dropped / sizeof *dropped; i++)
        if (c >= dropped[i][0] && c <= dropped[i][1]) return 1;
    if ((c & 0xFFFE) == 0xFFFE) return -1;
    for (size_t i = 0; i < sizeof prohibited / sizeof *prohibited; i++)
        if (c >= prohibited[i][0] && c <= prohibited[i][1]) return -1;
    return 0;
}

/* A domain with non-ASCII labels as the idna codec writes it (those labels,
 * nameprepped, become "xn--" + punycode), into out; false where the codec
 * raises UnicodeError (an empty or over-long label, a prohibited character,
 * a non-ASCII label already starting "xn--").  The bidi rule is not
 * checked. */
static bool idna(const char *s, const char *end, char *out, size_t cap) {
    size_t o = 0;
    while (s < end) {
        int32_t cps[64], c = 0;
        size_t n = 0;
        bool ascii = true;
        while (s < end) {
            if ((c = next_cp(&s, end)) < 0) return false;
            /* The label separators the codec knows: '.' and its wide forms. */
            if (c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61) break;
            if (n == 64) return false;
            ascii = ascii && c < 0x80;
            cps[n++] = c;
        }
        if (!ascii) {
            size_t kept = 0;
            for (size_t i = 0; i < n; i++) {
                int what = nameprep(cps[i]);
                if (what < 0) return false;
                if (what == 0) cps[kept++] = cps[i];
            }
            n = kept;
            ascii = true;
            for (size_t i = 0; i < n; i++) ascii = ascii && cps[i] < 0x80;
            if (!ascii && n >= 4 && cps[0] == 'x' && cps[1] == 'n' && cps[2] == '-' && cps[3] == '-') return false;
        }
        if (n == 0) return false;
        char label[80];
        size_t len = 4;
        if (ascii) {
            for (len = 0; len < n; len++) label[len] = (char)cps[len];
        } else {
            memcpy(label, "xn--", 4);
            size_t k = punycode(cps, n, label + 4, sizeof label - 4);
            if (!k) return false;
            len += k;
        }
        if (len > 63 || o + len + 2 > cap) return false;
        memcpy(out + o, label, len);
        o += len;
        /* A trailing dot is kept, as the codec keeps it. */
        if (c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61) out[o++] = '.';
    }
    out[o] = '\0';
    return o > 0;
}

/* ---- EmailValidator -------------------------------------------------------- */

static bool atext(unsigned char c) { return is_alnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c)); }

/* user_regex: a dot-atom, or a quoted string. */
static bool email_user(const char *s, const char *end) {
    if (s < end && *s == '"') {
        if (end - s < 2 || end[-1] != '"') return false;
        for (const unsigned char *p = (const unsigned char *)s + 1; p < (const unsigned char *)end - 1; p++) {
            unsigned c = *p;
            if (c == '\\') {
                if (++p >= (const unsigned char *)end - 1) return false;
                c = *p;
                if (c == 0 || c == '\n' || c == '\r' || c > 127) return false;
            } else if (c == 0 || c == '\t' || c == '\n' || c == '\r' || c == ' ' || c == '"' || c == '\\' || c > 127) {
                return false;
            }
        }
        return true;
    }
    bool atom = false;
    for (const char *p = s; p < end; p++) {
        if (*p == '.') {
            if (!atom) return false;
            atom = false;
        } else if (atext((unsigned char)*p)) {
            atom = true;
        } else {
            return false;
        }
    }
    return atom;
}

/* domain_regex: dot-separated labels of letters, digits and hyphens, the last
 * 2-63 long and not ending with a hyphen, the others 1-63 and not starting or
 * ending with one. */
static bool email_domain(const char *s) {
    int labels = 0;
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (n > 63 || n < (dot ? 1u : 2u) || s[n - 1] == '-' || (dot && s[0] == '-')) return false;
        for (size_t i = 0; i < n; i++)
            if (!is_alnum((unsigned char)s[i]) && s[i] != '-') return false;
        labels++;
        if (!dot) return labels >= 2;
        s = dot + 1;
    }
}

/* validate_domain_part: the pattern, or an address literal [1.2.3.4] / [::1]. */
static bool email_domain_part(const char *s) {
    if (email_domain(s)) return true;
    size_t n = strlen(s);
    if (n < 3 || s[0] != '[' || s[n - 1] != ']') return false;
    for (size_t i = 1; i < n - 1; i++)
        if (!dorm_is_hex((unsigned char)s[i]) && s[i] != ':' && s[i] != '.') return false;
    return ipv4_strict(s + 1, s + n - 1) || ipv6(s + 1, s + n - 1);
}

bool dorm_valid__email(const char *s) {
    const char *at = strrchr(s, '@');
    if (!at || !utf8(s, s + strlen(s))) return false;
    if (!email_user(s, at)) return false;
    const char *domain = at + 1;
    if (strcmp(domain, "localhost") == 0 || email_domain_part(domain)) return true;
    /* Django tries the IDNA form of a domain the pattern refused. */
    char ace[512];
    return idna(domain, domain + strlen(domain), ace, sizeof ace) && email_domain_part(ace);
}

/* ---- URLValidator ---------------------------------------------------------- */

/* A character of a host label: ASCII letters and digits, and every code
 * point from U+00A1 to U+FFFF (Django's `ul`). */
static bool host_char(int32_t c, bool digits) {
    return is_alpha(c) || (digits && dorm_is_digit(c)) || (c >= 0xA1 && c <= 0xFFFF);
}

/* hostname_re + domain_re + tld_re: labels of 1-63 characters that neither
 * start nor end with a hyphen, the last (the TLD) of letters only, 2-63, or
 * "xn--" and 1-59 letters and digits; one trailing dot allowed. */
static bool url_hostname(const char *s, const char *end) {
    if (end > s && end[-1] == '.') end--;
    int labels = 0;
    while (s < end) {
        const char *dot = memchr(s, '.', (size_t)(end - s));
        const char *e = dot ? dot : end, *p = s;
        bool tld = !dot, letters = true, first = true;
        int32_t c = 0, last = 0;
        size_t n = 0;
        while (p < e) {
            if ((c = next_cp(&p, e)) < 0) return false;
            if (first && c == '-') return false;
            first = false;
            if (c != '-' && !host_char(c, true)) return false;
            letters = letters && (c == '-' || host_char(c, false));
            last = c;
            n++;
        }
        if (n == 0 || n > 63 || last == '-') return false;
        if (tld && !(letters && n >= 2)) {
            bool ace = n > 4 && n <= 63 && (s[0] | 32) == 'x' && (s[1] | 32) == 'n' && s[2] == '-' && s[3] == '-';
            for (const char *q = s + 4; ace && q < e; q++) ace = is_alnum((unsigned char)*q);
            if (!ace) return false;
        }
        labels++;
        s = dot ? dot + 1 : end;
        if (dot && s == end) return false;
    }
    return labels >= 2;
}

/* The end of a user or password of "user:pass@": no whitespace, ':', '@'
 * or '/'. */
static const char *user_part(const char *p, const char *end) {
    for (;;) {
        const char *next = p;
        int32_t c = next_cp(&next, end);
        if (c <= 0 || c == ':' || c == '@' || c == '/' || is_space(c)) return p;
        p = next;
    }
}

/* URLValidator's pattern after the scheme's "://", with the IPv6 check of
 * a bracketed host (which Python's urlsplit also makes). */
static bool url_pattern(const char *p, const char *end) {
    const char *q = user_part(p, end);
    if (q > p && *q == ':') q = user_part(q + 1, end);
    if (q > p && *q == '@') p = q + 1;
    const char *host_end;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || close == p + 1) return false;
        for (const char *h = p + 1; h < close; h++)
            if (!dorm_is_hex((unsigned char)*h) && *h != ':' && *h != '.') return false;
        if (!ipv6(p + 1, close)) return false;
        host_end = close + 1;
    } else {
        host_end = p + strcspn(p, ":/?#");
        /* ipv4_re refuses leading zeros, as validate_ipv4_address does. */
        if (!ipv4_strict(p, host_end) && !url_hostname(p, host_end) &&
            !same_ascii_nocase(p, (size_t)(host_end - p), "localhost"))
            return false;
    }
    p = host_end;
    if (*p == ':') {
        int digits = 0;
        for (p++; dorm_is_digit((unsigned char)*p); p++) digits++;
        if (digits < 2 || digits > 5) return false;
    }
    if (*p && !strchr("/?#", *p)) return false;
    while (p < end)
        if (is_space(next_cp(&p, end))) return false;
    return true;
}

/* The characters of urlsplit(url).hostname: the netloc after its last '@',
 * without brackets or port; 0 for none. */
static size_t hostname_len(const char *netloc, const char *end) {
    for (const char *at = netloc; at < end; at++)
        if (*at == '@') netloc = at + 1;
    const char *host_end = netloc < end && *netloc == '[' ? memchr(netloc, ']', (size_t)(end - netloc)) : NULL;
    if (host_end)
        netloc++;
    else
        host_end = netloc + strcspn(netloc, ":") < end ? netloc + strcspn(netloc, ":") : end;
    size_t n = 0;
    for (const char *h = netloc; h < host_end; n++) next_cp(&h, host_end);
    return n;
}

bool dorm_valid__url(const char *s) {
    const char *end = s + strlen(s);
    if (strpbrk(s, "\t\r\n") || !utf8(s, end)) return false;
    size_t chars = 0;
    for (const char *p = s; p < end && chars <= 2048; chars++) next_cp(&p, end);
    if (chars > 2048) return false;
    const char *sep = strstr(s, "://");
    if (!sep) return false;
    static const char *const schemes[] = {"http", "https", "ftp", "ftps"};
    bool known = false;
    for (size_t i = 0; i < 4 && !known; i++) known = same_ascii_nocase(s, (size_t)(sep - s), schemes[i]);
    if (!known) return false;
    const char *netloc = sep + 3, *netloc_end = netloc + strcspn(netloc, "/?#");
    /* RFC 1034's 253 characters for a whole host name. */
    size_t host = hostname_len(netloc, netloc_end);
    if (host == 0 || host > 253) return false;
    if (url_pattern(netloc, end)) return true;
    /* Django tries again with the netloc in its IDNA form. */
    char ace[1024];
    if (!idna(netloc, netloc_end, ace, sizeof ace)) return false;
    size_t n = strlen(ace), rest = (size_t)(end - netloc_end);
    if (n + rest + 1 > sizeof ace) return false;
    memcpy(ace + n, netloc_end, rest + 1);
    return url_pattern(ace, ace + n + rest);
}
