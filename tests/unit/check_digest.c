/* check_digest: SHA-1 (script names), CRC64 (DUMP payload checksums) and LZF
 * decompression (compressed strings in DUMP payloads), against published
 * test vectors and a payload redis-server 7.0 dumped. */
#include "tidecache/crc64.h"
#include "tidecache/lzf.h"
#include "tidecache/sha1.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MILLION 1000000

/* FIPS 180 examples and the empty message. */
START_TEST(test_sha1_known_answers)
{
    static const struct {
        const char *msg, *hex;
    } cases[] = {
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char hex[SHA1_HEX_BYTES];
        sha1_hex(cases[i].msg, strlen(cases[i].msg), hex);
        ck_assert_str_eq(hex, cases[i].hex);
    }
}
END_TEST

/* A million 'a's fed in uneven pieces that straddle block boundaries give
 * the published digest: the buffering of partial blocks is right. */
START_TEST(test_sha1_incremental)
{
    static const size_t pieces[] = {1, 63, 64, 65, 7, 128, 3};
    char chunk[128];
    memset(chunk, 'a', sizeof chunk);
    struct sha1 s;
    sha1_init(&s);
    size_t done = 0;
    for (size_t i = 0; done < MILLION; i = (i + 1) % (sizeof pieces / sizeof pieces[0])) {
        size_t n = pieces[i] < MILLION - done ? pieces[i] : MILLION - done;
        sha1_update(&s, chunk, n);
        done += n;
    }
    unsigned char digest[SHA1_DIGEST_BYTES];
    sha1_final(&s, digest);
    static const unsigned char want[SHA1_DIGEST_BYTES] = {
        0x34, 0xaa, 0x97, 0x3c, 0xd4, 0xc4, 0xda, 0xa4, 0xf6, 0x1e,
        0xeb, 0x2b, 0xdb, 0xad, 0x27, 0x31, 0x65, 0x34, 0x01, 0x6f};
    ck_assert_mem_eq(digest, want, SHA1_DIGEST_BYTES);
}
END_TEST

/* Messages whose padding lands on either side of the 56-byte mark. */
START_TEST(test_sha1_padding_edges)
{
    static const struct {
        size_t len;
        const char *hex;
    } cases[] = {
        {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
        {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
        {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
    };
    char msg[64];
    memset(msg, 'a', sizeof msg);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char hex[SHA1_HEX_BYTES];
        sha1_hex(msg, cases[i].len, hex);
        ck_assert_str_eq(hex, cases[i].hex);
    }
}
END_TEST

/* The check value of CRC-64/Jones as Redis uses it, and continuation. */
START_TEST(test_crc64_check_value)
{
    ck_assert_uint_eq(crc64(0, "123456789", 9), UINT64_C(0xe9c6d914c4b8d9ca));
    ck_assert_uint_eq(crc64(0, "", 0), 0);
    uint64_t split = crc64(crc64(0, "1234", 4), "56789", 5);
    ck_assert_uint_eq(split, UINT64_C(0xe9c6d914c4b8d9ca));
}
END_TEST

/* FUNCTION DUMP from redis-server 7.0.15 of a library of eight functions,
 * rdbcompression on: opcode, LZF string (144 compressed bytes, 458 plain),
 * RDB version 10, CRC64 little-endian. */
static const char redis_dump[] =
    "\xf5\xc3\x40\x90\x41\xca\x1f\x23\x21\x6c\x75\x61\x20\x6e\x61\x6d"
    "\x65\x3d\x70\x61\x63\x6b\x65\x64\x0a\x72\x65\x64\x69\x73\x2e\x72"
    "\x65\x67\x69\x73\x74\x65\x72\x0f\x5f\x66\x75\x6e\x63\x74\x69\x6f"
    "\x6e\x28\x27\x66\x30\x27\x2c\x20\xe0\x00\x0e\x0e\x29\x20\x72\x65"
    "\x74\x75\x72\x6e\x20\x30\x20\x65\x6e\x64\x29\xe0\x12\x36\x00\x31"
    "\xe0\x0c\x36\x00\x31\xe0\x17\x36\x00\x32\xe0\x0c\x36\x00\x32\xe0"
    "\x17\x36\x00\x33\xe0\x0c\x36\x00\x33\xe0\x17\x36\x00\x34\xe0\x0c"
    "\x36\x00\x34\xe0\x17\x36\x00\x35\xe0\x0c\x36\x00\x35\xe0\x17\x36"
    "\x00\x36\xe0\x0c\x36\x00\x36\xe0\x17\x36\x00\x37\xe0\x0c\x36\x00"
    "\x37\x40\x36\x01\x29\x0a\x0a\x00\x4f\xb5\xcb\x60\x74\xc3\x56\xb7";
#define DUMP_BYTES (sizeof redis_dump - 1)
#define DUMP_LZF_AT 6
#define DUMP_LZF_BYTES 144
#define DUMP_PLAIN_BYTES 458
#define DUMP_CRC_AT (DUMP_BYTES - 8)

/* The library text that dump holds. */
static size_t dumped_library(char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "#!lua name=packed\n");
    for (int i = 0; i < 8; i++)
        n += (size_t)snprintf(out + n, cap - n,
                              "redis.register_function('f%d', function() return %d end)\n", i, i);
    return n;
}

START_TEST(test_crc64_of_redis_payload)
{
    uint64_t stored = 0;
    for (int i = 7; i >= 0; i--)
        stored = stored << 8 | (unsigned char)redis_dump[DUMP_CRC_AT + (size_t)i];
    ck_assert_uint_eq(crc64(0, redis_dump, DUMP_CRC_AT), stored);
}
END_TEST

START_TEST(test_lzf_redis_payload)
{
    char want[1024], got[DUMP_PLAIN_BYTES];
    size_t want_len = dumped_library(want, sizeof want);
    ck_assert_uint_eq(want_len, DUMP_PLAIN_BYTES);
    size_t n = lzf_decompress(redis_dump + DUMP_LZF_AT, DUMP_LZF_BYTES, got, sizeof got);
    ck_assert_uint_eq(n, DUMP_PLAIN_BYTES);
    ck_assert_mem_eq(got, want, DUMP_PLAIN_BYTES);
    /* one byte too little room is refused, not overrun */
    ck_assert_uint_eq(lzf_decompress(redis_dump + DUMP_LZF_AT, DUMP_LZF_BYTES, got,
                                     DUMP_PLAIN_BYTES - 1),
                      0);
}
END_TEST

/* Hand-made streams for each form: literal, short and long back reference,
 * overlapping copy, and a distance above 256. */
START_TEST(test_lzf_forms)
{
    char out[512];
    /* literal "abc", then 3 bytes from 3 back */
    ck_assert_uint_eq(lzf_decompress("\x02" "abc" "\x20\x02", 6, out, sizeof out), 6);
    ck_assert_mem_eq(out, "abcabc", 6);
    /* literal "a", then 7 bytes from 1 back (overlapping) */
    ck_assert_uint_eq(lzf_decompress("\x00" "a" "\xa0\x00", 4, out, sizeof out), 8);
    ck_assert_mem_eq(out, "aaaaaaaa", 8);
    /* literal "ab", then a long match: 7 + 3 + 2 = 12 bytes from 2 back */
    ck_assert_uint_eq(lzf_decompress("\x01" "ab" "\xe0\x03\x01", 6, out, sizeof out), 14);
    ck_assert_mem_eq(out, "ababababababab", 14);
    /* nine 32-byte literals, then 3 bytes from 257 back */
    char in[9 * 33 + 2];
    for (int run = 0; run < 9; run++) {
        in[run * 33] = 31;
        for (int i = 0; i < 32; i++)
            in[run * 33 + 1 + i] = (char)('A' + (run * 32 + i) % 26);
    }
    in[9 * 33] = 0x21;
    in[9 * 33 + 1] = 0x00;
    ck_assert_uint_eq(lzf_decompress(in, sizeof in, out, sizeof out), 9 * 32 + 3);
    ck_assert_mem_eq(out + 9 * 32, out + 9 * 32 - 257, 3);
}
END_TEST

/* Malformed streams are refused with 0 and never read or write outside
 * their buffers (the sanitizer build checks the latter). */
START_TEST(test_lzf_malformed)
{
    char out[64];
    /* reference before the start of the output */
    ck_assert_uint_eq(lzf_decompress("\x00" "a" "\x20\x05", 4, out, sizeof out), 0);
    ck_assert_uint_eq(lzf_decompress("\x20\x00", 2, out, sizeof out), 0);
    /* literal run longer than the input */
    ck_assert_uint_eq(lzf_decompress("\x05" "ab", 3, out, sizeof out), 0);
    /* back reference missing its distance byte, long match missing its length */
    ck_assert_uint_eq(lzf_decompress("\x00" "a" "\x20", 3, out, sizeof out), 0);
    ck_assert_uint_eq(lzf_decompress("\x00" "a" "\xe0", 3, out, sizeof out), 0);
    /* output larger than the room given */
    ck_assert_uint_eq(lzf_decompress("\x00" "a" "\xa0\x00", 4, out, 4), 0);
    ck_assert_uint_eq(lzf_decompress("\x03" "abcd", 5, out, 3), 0);
    /* empty input is an empty output */
    ck_assert_uint_eq(lzf_decompress("", 0, out, sizeof out), 0);
}
END_TEST

static Suite *digest_suite(void)
{
    Suite *s = suite_create("digest");
    TCase *tc = tcase_create("sha1");
    tcase_add_test(tc, test_sha1_known_answers);
    tcase_add_test(tc, test_sha1_incremental);
    tcase_add_test(tc, test_sha1_padding_edges);
    suite_add_tcase(s, tc);
    tc = tcase_create("crc64");
    tcase_add_test(tc, test_crc64_check_value);
    tcase_add_test(tc, test_crc64_of_redis_payload);
    suite_add_tcase(s, tc);
    tc = tcase_create("lzf");
    tcase_add_test(tc, test_lzf_redis_payload);
    tcase_add_test(tc, test_lzf_forms);
    tcase_add_test(tc, test_lzf_malformed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(digest_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
