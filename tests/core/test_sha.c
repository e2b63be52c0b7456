/* test_sha.c - dorm_sha__hex against FIPS 180-4's test vectors (the empty
 * message, "abc", the 448- and 896-bit messages, a million 'a's) and, for
 * every length of 0 to 299 bytes (each padding case), against Python's
 * hashlib through the SHA-256 of all those digests. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha.h"

static const char *const M448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char *const M896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlm"
    "nopqrsmnopqrstnopqrstu";

static void expect(dorm_sha_kind k, const void *msg, size_t n, const char *want) {
    char hex[DORM_SHA_HEX_MAX];
    cr_expect_eq(dorm_sha__hex(k, msg, n, hex), strlen(want));
    cr_expect_str_eq(hex, want, "algorithm %d, %zu bytes", (int)k, n);
}

Test(sha, fips_180_vectors) {
    static const struct {
        const char *msg;
        const char *hex[5];
    } v[] = {
        {"",
         {"da39a3ee5e6b4b0d3255bfef95601890afd80709", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
          "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd4741"
          "7a"
          "81a538327af927da3e"}},
        {"abc",
         {"a9993e364706816aba3e25717850c26c9cd0d89d", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
          "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
          "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643c"
          "e8"
          "0e2a9ac94fa54ca49f"}},
        {M448,
         {"84983e441c3bd26ebaae4aa1f95129e5e54670f1", "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
          "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
          "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71d"
          "d7"
          "0354ec631238ca3445"}},
        {M896,
         {"a49b2446a02c645bf419f995b67091253a04a259", "c97ca9a559850ce97a04a96def6d99a9e0e0e2ab14e6b8df265fc0b3",
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
          "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
          "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd"
          "26"
          "545e96e55b874be909"}},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        for (int k = DORM_SHA1; k <= DORM_SHA512; k++)
            expect((dorm_sha_kind)k, v[i].msg, strlen(v[i].msg), v[i].hex[k]);
}

Test(sha, a_million_as) {
    static const char *const want[] = {
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f", "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67",
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985",
        "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa"
        "2e"
        "4eadb217ad8cc09b"};
    char *msg = malloc(1000000);
    cr_assert_not_null(msg);
    memset(msg, 'a', 1000000);
    for (int k = DORM_SHA1; k <= DORM_SHA512; k++) expect((dorm_sha_kind)k, msg, 1000000, want[k]);
    free(msg);
}

/* Every tail length around both block sizes: the digests of the first 0 ..
 * 299 bytes of (7i + 3) mod 256, concatenated, hashed with SHA-256 (Python:
 * hashlib.sha256("".join(hashlib.new(a, msg[:n]).hexdigest() for n in
 * range(300)).encode())). */
Test(sha, every_padding_length) {
    static const char *const want[] = {"0e3954f31cfaacdf5b4a063cfde7bc6a3b0b9b14ab03ae42616f8a9c8ae183eb",
                                       "076fd5a02781da4f66b8dc2a671b70298443c60543ebe72ce81841fd7bf3c82f",
                                       "e58750e2a145fc5559c66f9b6cfb156f52894470a74c4daec866d7b6ceea29ea",
                                       "3efd66b74d3029577b5c24bb28e66e43ddd6fb1f167fae452664c3bf7ee3f3a8",
                                       "5c846a8848b315dd7552344ea46db38bff097d5448f95dd81140d0c54edc7489"};
    unsigned char msg[300];
    for (int i = 0; i < 300; i++) msg[i] = (unsigned char)((i * 7 + 3) & 0xff);
    static char all[300 * 128 + 1];
    for (int k = DORM_SHA1; k <= DORM_SHA512; k++) {
        size_t len = 0;
        for (size_t n = 0; n < 300; n++) len += dorm_sha__hex((dorm_sha_kind)k, msg, n, all + len);
        expect(DORM_SHA256, all, len, want[k]);
    }
}
