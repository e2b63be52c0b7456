/* uuid.c - UUIDs: parsing the spellings Python's uuid.UUID(hex) reads,
 * formatting as Django stores them (32 lowercase hex digits, or dashed), and
 * random version 4 UUIDs from the kernel's generator. */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dorm/error.h"
#include "core/chars.h"
#include "dorm/value.h"

static bool has_prefix(const char *p, const char *end, const char *prefix) {
    size_t n = strlen(prefix);
    return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

/* uuid.UUID(hex=...): drop "urn:" and "uuid:", strip braces at both ends,
 * drop every dash, then exactly 32 hex digits. */
int dorm_uuid_parse(const char *s, size_t len, dorm_uuid *out) {
    if (!s) return DORM_EVALUE;
    const char *p = s, *end = s + len;
    if (has_prefix(p, end, "urn:")) p += 4;
    if (has_prefix(p, end, "uuid:")) p += 5;
    while (p < end && (*p == '{' || *p == '}')) p++;
    while (end > p && (end[-1] == '{' || end[-1] == '}')) end--;
    dorm_uuid u = {{0}};
    int n = 0;
    for (; p < end; p++) {
        if (*p == '-') continue;
        int v = dorm_hex_value(*p);
        if (v < 0 || n == 32) return DORM_EVALUE;
        if (n % 2 == 0)
            u.bytes[n / 2] = (uint8_t)(v << 4);
        else
            u.bytes[n / 2] |= (uint8_t)v;
        n++;
    }
    if (n != 32) return DORM_EVALUE;
    *out = u;
    return 0;
}

static const char hexdigits[] = "0123456789abcdef";

size_t dorm_uuid_format(dorm_uuid u, char *buf) {
    for (int i = 0; i < 16; i++) {
        buf[2 * i] = hexdigits[u.bytes[i] >> 4];
        buf[2 * i + 1] = hexdigits[u.bytes[i] & 15];
    }
    buf[32] = '\0';
    return 32;
}

size_t dorm_uuid_format_dashed(dorm_uuid u, char *buf) {
    size_t n = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) buf[n++] = '-';
        buf[n++] = hexdigits[u.bytes[i] >> 4];
        buf[n++] = hexdigits[u.bytes[i] & 15];
    }
    buf[n] = '\0';
    return n;
}

static bool fill_getrandom(uint8_t *p, size_t n) {
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static bool fill_urandom(uint8_t *p, size_t n) {
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        p += r;
        n -= (size_t)r;
    }
    close(fd);
    return n == 0;
}

/* Last resort when the kernel gives no randomness (seccomp, no /dev): a
 * splitmix64 stream over the clock, a counter and an address, so UUIDs stay
 * distinct within the process even if they are not unpredictable. */
static void fill_fallback(uint8_t *p, size_t n) {
    static uint64_t counter;
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
    x ^= (uint64_t)(uintptr_t)&counter + (++counter << 32);
    for (size_t i = 0; i < n; i += 8) {
        x += UINT64_C(0x9E3779B97F4A7C15);
        uint64_t z = x;
        z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
        z ^= z >> 31;
        size_t k = n - i < 8 ? n - i : 8;
        memcpy(p + i, &z, k);
    }
}

dorm_uuid dorm_uuid4(void) {
    dorm_uuid u;
    if (!fill_getrandom(u.bytes, sizeof u.bytes) && !fill_urandom(u.bytes, sizeof u.bytes))
        fill_fallback(u.bytes, sizeof u.bytes);
    u.bytes[6] = (uint8_t)((u.bytes[6] & 0x0F) | 0x40);
    u.bytes[8] = (uint8_t)((u.bytes[8] & 0x3F) | 0x80);
    return u;
}
