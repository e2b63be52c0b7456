/* sha.c - SHA-1, SHA-224/256 and SHA-384/512 (FIPS 180-4) in one pass over
 * a whole message: the SQL functions hash one value at a time.  Checked
 * against the standard's test vectors in tests/core/test_sha.c. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/sha.h"

/* SHA-512's round constants; their first 32 bits are SHA-256's (FIPS 180-4
 * 4.2.2 and 4.2.3 take both from the same cube roots). */
static const uint64_t K[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
    0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
    0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
    0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
    0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
    0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
    0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
    0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
    0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
    0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817};

/* Initial hash values: SHA-256's are the first 32 bits of SHA-512's, and
 * SHA-224's the last 32 bits of SHA-384's (FIPS 180-4 5.3). */
static const uint64_t IV512[8] = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
                                  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
static const uint64_t IV384[8] = {0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
                                  0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4};

typedef struct sha_state {
    uint32_t h32[8];
    uint64_t h64[8];
    void (*block)(struct sha_state *st, const unsigned char *p);
} sha_state;

static uint32_t rotl32(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }
static uint32_t rotr32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }
static uint64_t rotr64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t be64(const unsigned char *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

static void sha1_block(sha_state *st, const unsigned char *p) {
    uint32_t w[80], a = st->h32[0], b = st->h32[1], c = st->h32[2], d = st->h32[3], e = st->h32[4];
    for (int t = 0; t < 16; t++) w[t] = be32(p + 4 * t);
    for (int t = 16; t < 80; t++) w[t] = rotl32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20)
            f = (b & c) | (~b & d), k = 0x5a827999;
        else if (t < 40)
            f = b ^ c ^ d, k = 0x6ed9eba1;
        else if (t < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
        else
            f = b ^ c ^ d, k = 0xca62c1d6;
        uint32_t tmp = rotl32(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rotl32(b, 30);
        b = a;
        a = tmp;
    }
    st->h32[0] += a;
    st->h32[1] += b;
    st->h32[2] += c;
    st->h32[3] += d;
    st->h32[4] += e;
}

static void sha256_block(sha_state *st, const unsigned char *p) {
    uint32_t w[64], v[8];
    for (int t = 0; t < 16; t++) w[t] = be32(p + 4 * t);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    memcpy(v, st->h32, sizeof v);
    for (int t = 0; t < 64; t++) {
        uint32_t e = v[4], a = v[0];
        uint32_t t1 = v[7] + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & v[5]) ^ (~e & v[6])) +
            (uint32_t)(K[t] >> 32) + w[t];
        uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) st->h32[i] += v[i];
}

static void sha512_block(sha_state *st, const unsigned char *p) {
    uint64_t w[80], v[8];
    for (int t = 0; t < 16; t++) w[t] = be64(p + 8 * t);
    for (int t = 16; t < 80; t++) {
        uint64_t s0 = rotr64(w[t - 15], 1) ^ rotr64(w[t - 15], 8) ^ (w[t - 15] >> 7);
        uint64_t s1 = rotr64(w[t - 2], 19) ^ rotr64(w[t - 2], 61) ^ (w[t - 2] >> 6);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    memcpy(v, st->h64, sizeof v);
    for (int t = 0; t < 80; t++) {
        uint64_t e = v[4], a = v[0];
        uint64_t t1 = v[7] + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) + ((e & v[5]) ^ (~e & v[6])) + K[t] + w[t];
        uint64_t t2 = (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) st->h64[i] += v[i];
}

size_t dorm_sha__hex(dorm_sha_kind k, const void *data, size_t n, char hex[DORM_SHA_HEX_MAX]) {
    static const size_t digest_bytes[] = {20, 28, 32, 48, 64};
    sha_state st;
    bool wide = k == DORM_SHA384 || k == DORM_SHA512;
    for (int i = 0; i < 8; i++) {
        st.h64[i] = k == DORM_SHA384 ? IV384[i] : IV512[i];
        st.h32[i] = k == DORM_SHA224 ? (uint32_t)IV384[i] : (uint32_t)(IV512[i] >> 32);
    }
    if (k == DORM_SHA1) {
        static const uint32_t iv1[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
        memcpy(st.h32, iv1, sizeof iv1);
    }
    st.block = k == DORM_SHA1 ? sha1_block : wide ? sha512_block : sha256_block;
    /* The whole blocks of the message, then its tail, the 0x80 byte, zeros
     * and its length in bits (big-endian, 64 or 128 bits) in one or two
     * more blocks. */
    size_t block = wide ? 128 : 64, lenbytes = wide ? 16 : 8;
    const unsigned char *p = data;
    size_t whole = n - n % block, rest = n - whole;
    for (size_t i = 0; i < whole; i += block) st.block(&st, p + i);
    unsigned char tail[256] = {0};
    if (rest) memcpy(tail, p + whole, rest);
    tail[rest] = 0x80;
    size_t total = rest + 1 + lenbytes <= block ? block : 2 * block;
    uint64_t bits = (uint64_t)n << 3;
    for (int i = 0; i < 8; i++) tail[total - 1 - (size_t)i] = (unsigned char)(bits >> (8 * i));
    if (wide) tail[total - 9] = (unsigned char)((uint64_t)n >> 61);
    for (size_t i = 0; i < total; i += block) st.block(&st, tail + i);
    static const char digits[] = "0123456789abcdef";
    size_t len = digest_bytes[k];
    for (size_t i = 0; i < len; i++) {
        unsigned char byte = wide ? (unsigned char)(st.h64[i / 8] >> (56 - 8 * (i % 8)))
                                  : (unsigned char)(st.h32[i / 4] >> (24 - 8 * (i % 4)));
        hex[2 * i] = digits[byte >> 4];
        hex[2 * i + 1] = digits[byte & 15];
    }
    hex[2 * len] = '\0';
    return 2 * len;
}
