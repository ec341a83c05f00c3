/* check_hash: SipHash-1-3 known answers and seed behaviour. */
#include "tidecache/hash.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* SipHash-1-3 under the key 00 01 .. 0f of the messages 00 01 .. (n-1),
 * n = 0..64, from a separate reference implementation. */
static const uint64_t kat_seq_key[65] = {
    UINT64_C(0xabac0158050fc4dc), /* 0 */
    UINT64_C(0xc9f49bf37d57ca93), /* 1 */
    UINT64_C(0x82cb9b024dc7d44d), /* 2 */
    UINT64_C(0x8bf80ab8e7ddf7fb), /* 3 */
    UINT64_C(0xcf75576088d38328), /* 4 */
    UINT64_C(0xdef9d52f49533b67), /* 5 */
    UINT64_C(0xc50d2b50c59f22a7), /* 6 */
    UINT64_C(0xd3927d989bb11140), /* 7 */
    UINT64_C(0x369095118d299a8e), /* 8 */
    UINT64_C(0x25a48eb36c063de4), /* 9 */
    UINT64_C(0x79de85ee92ff097f), /* 10 */
    UINT64_C(0x70c118c1f94dc352), /* 11 */
    UINT64_C(0x78a384b157b4d9a2), /* 12 */
    UINT64_C(0x306f760c1229ffa7), /* 13 */
    UINT64_C(0x605aa111c0f95d34), /* 14 */
    UINT64_C(0xd320d86d2a519956), /* 15 */
    UINT64_C(0xcc4fdd1a7d908b66), /* 16 */
    UINT64_C(0x9cf2689063dbd80c), /* 17 */
    UINT64_C(0x8ffc389cb473e63e), /* 18 */
    UINT64_C(0xf21f9de58d297d1c), /* 19 */
    UINT64_C(0xc0dc2f46a6cce040), /* 20 */
    UINT64_C(0xb992abfe2b45f844), /* 21 */
    UINT64_C(0x7ffe7b9ba320872e), /* 22 */
    UINT64_C(0x525a0e7fdae6c123), /* 23 */
    UINT64_C(0xf464aeb267349c8c), /* 24 */
    UINT64_C(0x45cd5928705b0979), /* 25 */
    UINT64_C(0x3a3e35e3ca9913a5), /* 26 */
    UINT64_C(0xa91dc74e4ade3b35), /* 27 */
    UINT64_C(0xfb0bed02ef6cd00d), /* 28 */
    UINT64_C(0x88d93cb44ab1e1f4), /* 29 */
    UINT64_C(0x540f11d643c5e663), /* 30 */
    UINT64_C(0x2370dd1f8c21d1bc), /* 31 */
    UINT64_C(0x81157b6c16a7b60d), /* 32 */
    UINT64_C(0x4d54b9e57a8ff9bf), /* 33 */
    UINT64_C(0x759f12781f2a753e), /* 34 */
    UINT64_C(0xcea1a3bebf186b91), /* 35 */
    UINT64_C(0x2cf508d3ada26206), /* 36 */
    UINT64_C(0xb6101c2da3c33057), /* 37 */
    UINT64_C(0xb3f47496ae3a36a1), /* 38 */
    UINT64_C(0x626b57547b108392), /* 39 */
    UINT64_C(0xc1d2363299e41531), /* 40 */
    UINT64_C(0x667cc1923f1ad944), /* 41 */
    UINT64_C(0x65704ffec8138825), /* 42 */
    UINT64_C(0x24f280d1c28949a6), /* 43 */
    UINT64_C(0xc2ca1cedfaf8876b), /* 44 */
    UINT64_C(0xc2164bfc9f042196), /* 45 */
    UINT64_C(0xa16e9c9368b1d623), /* 46 */
    UINT64_C(0x49fb169c8b5114fd), /* 47 */
    UINT64_C(0x9f3143f8df074c46), /* 48 */
    UINT64_C(0xc6fdaf2412cc86b3), /* 49 */
    UINT64_C(0x7eaf49d10a52098f), /* 50 */
    UINT64_C(0x1cf313559d292f9a), /* 51 */
    UINT64_C(0xc44a30dda2f41f12), /* 52 */
    UINT64_C(0x36fae98943a71ed0), /* 53 */
    UINT64_C(0x318fb34c73f0bce6), /* 54 */
    UINT64_C(0xa27abf3670a7e980), /* 55 */
    UINT64_C(0xb4bcc0db243c6d75), /* 56 */
    UINT64_C(0x23f8d852fdb71513), /* 57 */
    UINT64_C(0x8f035f4da67d8a08), /* 58 */
    UINT64_C(0xd89cd0e5b7e8f148), /* 59 */
    UINT64_C(0xf6f4e6bcf7a644ee), /* 60 */
    UINT64_C(0xaec59ad80f1837f2), /* 61 */
    UINT64_C(0xc3b2f6154b6694e0), /* 62 */
    UINT64_C(0x9d199062b7bbb3a8), /* 63 */
    UINT64_C(0xf17997ec4b4a6065), /* 64 */
};

static const uint8_t seq_key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t zero_key[16] = {0};

START_TEST(test_known_answers_all_lengths)
{
    unsigned char msg[64];
    for (int i = 0; i < 64; i++)
        msg[i] = (unsigned char)i;
    hash_set_seed(seq_key);
    for (size_t n = 0; n <= 64; n++)
        ck_assert_msg(hash_bytes(msg, n) == kat_seq_key[n], "length %zu", n);
}
END_TEST

START_TEST(test_known_answers_zero_key)
{
    static const unsigned char zeros[64] = {0};
    hash_set_seed(zero_key);
    ck_assert(hash_bytes("", 0) == UINT64_C(0xd1fba762150c532c));
    ck_assert(hash_bytes("a", 1) == UINT64_C(0x407448d2b89b1813));
    ck_assert(hash_bytes("hello", 5) == UINT64_C(0xe2e77b41cb4e1f9e));
    ck_assert(hash_bytes("key:000000001", 13) == UINT64_C(0xf114d81835ee32ca));
    ck_assert(hash_bytes(zeros, 64) == UINT64_C(0x60ca1dd2da82f510));
}
END_TEST

/* Unaligned input gives the same answer as aligned input. */
START_TEST(test_unaligned_input)
{
    unsigned char buf[80];
    hash_set_seed(seq_key);
    for (size_t off = 1; off < 8; off++) {
        for (int i = 0; i < 64; i++)
            buf[off + (size_t)i] = (unsigned char)i;
        for (size_t n = 0; n <= 64; n += 7)
            ck_assert_msg(hash_bytes(buf + off, n) == kat_seq_key[n], "off %zu len %zu", off, n);
    }
}
END_TEST

START_TEST(test_seed_changes_hash)
{
    static const char *msgs[] = {"", "a", "user:1000", "a somewhat longer key of 33 bytes"};
    uint8_t other[16];
    memcpy(other, zero_key, sizeof(other));
    other[15] = 1;
    for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        size_t n = strlen(msgs[i]);
        hash_set_seed(zero_key);
        uint64_t a = hash_bytes(msgs[i], n);
        hash_set_seed(seq_key);
        uint64_t b = hash_bytes(msgs[i], n);
        hash_set_seed(other);
        uint64_t c = hash_bytes(msgs[i], n);
        ck_assert(a != b);
        ck_assert(a != c);
        ck_assert(b != c);
        /* Setting the seed back gives the first answer again. */
        hash_set_seed(zero_key);
        ck_assert(hash_bytes(msgs[i], n) == a);
    }
}
END_TEST

/* The length is part of the hash: trailing zero bytes change it. */
START_TEST(test_length_matters)
{
    static const unsigned char zeros[16] = {0};
    hash_set_seed(seq_key);
    for (size_t n = 0; n < 16; n++)
        ck_assert(hash_bytes(zeros, n) != hash_bytes(zeros, n + 1));
}
END_TEST

static Suite *hash_suite(void)
{
    Suite *s = suite_create("hash");
    TCase *tc = tcase_create("siphash13");
    tcase_add_test(tc, test_known_answers_all_lengths);
    tcase_add_test(tc, test_known_answers_zero_key);
    tcase_add_test(tc, test_unaligned_input);
    tcase_add_test(tc, test_seed_changes_hash);
    tcase_add_test(tc, test_length_matters);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hash_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
