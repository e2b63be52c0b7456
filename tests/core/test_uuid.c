/* test_uuid.c - UUID parsing (the spellings Python's uuid.UUID reads),
 * formatting with and without dashes, and random version 4 UUIDs. */
#include <criterion/criterion.h>
#include <string.h>

#include "dorm/error.h"
#include "dorm/value.h"

static const char *hex_of(const char *s) {
    static char buf[DORM_FMT_MAX];
    dorm_uuid u;
    if (dorm_uuid_parse(s, strlen(s), &u) != 0) return "ERR";
    dorm_uuid_format(u, buf);
    return buf;
}

Test(uuid, parse_like_python) {
    static const struct {
        const char *s, *hex;
    } cases[] = {
        {"{12345678-1234-5678-1234-567812345678}", "12345678123456781234567812345678"},
        {"urn:uuid:12345678-1234-5678-1234-567812345678", "12345678123456781234567812345678"},
        {"12345678123456781234567812345678", "12345678123456781234567812345678"},
        {"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
        {"{{a0eebc999c0b4ef8bb6d6bb9bd380a11}}", "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
        {"a0-eebc999c0b4ef8bb6d6bb9bd380a1-1", "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
        {"uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
        {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "ERR"},
        {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g", "ERR"},
        {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111", "ERR"},
        {"URN:UUID:a0eebc999c0b4ef8bb6d6bb9bd380a11", "ERR"},
        {"", "ERR"},
        {"{}", "ERR"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_str_eq(hex_of(cases[i].s), cases[i].hex, "%s", cases[i].s);
    dorm_uuid u;
    cr_assert_eq(dorm_uuid_parse(NULL, 0, &u), DORM_EVALUE);
    cr_assert_eq(dorm_uuid_parse("a0eebc999c0b4ef8bb6d6bb9bd380a11ff", 32, &u), 0, "length bounds the text");
}

Test(uuid, format_and_round_trip) {
    dorm_uuid u;
    char hex[DORM_FMT_MAX], dashed[DORM_FMT_MAX];
    const char *s = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    cr_assert_eq(dorm_uuid_parse(s, strlen(s), &u), 0);
    cr_assert_eq(u.bytes[0], 0xa0);
    cr_assert_eq(u.bytes[15], 0x11);
    cr_assert_eq(dorm_uuid_format(u, hex), 32);
    cr_assert_str_eq(hex, "a0eebc999c0b4ef8bb6d6bb9bd380a11");
    cr_assert_eq(dorm_uuid_format_dashed(u, dashed), 36);
    cr_assert_str_eq(dashed, s);
    for (int i = 0; i < 200; i++) {
        dorm_uuid a = dorm_uuid4(), b, c;
        dorm_uuid_format(a, hex);
        dorm_uuid_format_dashed(a, dashed);
        cr_assert_eq(dorm_uuid_parse(hex, 32, &b), 0);
        cr_assert_eq(dorm_uuid_parse(dashed, 36, &c), 0);
        cr_assert_eq(memcmp(a.bytes, b.bytes, 16), 0);
        cr_assert_eq(memcmp(a.bytes, c.bytes, 16), 0);
    }
}

Test(uuid, uuid4_version_variant_and_uniqueness) {
    enum { N = 1000 };
    static dorm_uuid seen[N];
    int ones[128] = {0};
    for (int i = 0; i < N; i++) {
        seen[i] = dorm_uuid4();
        cr_assert_eq(seen[i].bytes[6] >> 4, 4, "version 4");
        cr_assert_eq(seen[i].bytes[8] >> 6, 2, "RFC 4122 variant");
        for (int b = 0; b < 128; b++) ones[b] += (seen[i].bytes[b / 8] >> (b % 8)) & 1;
        for (int j = 0; j < i; j++) cr_assert_neq(memcmp(seen[i].bytes, seen[j].bytes, 16), 0);
    }
    /* The 122 random bits each come out set about half the time. */
    for (int b = 0; b < 128; b++) {
        int byte = b / 8, bit = b % 8;
        if (byte == 6 && bit >= 4) continue;
        if (byte == 8 && bit >= 6) continue;
        cr_assert(ones[b] > 350 && ones[b] < 650, "bit %d set %d times", b, ones[b]);
    }
}
