/* check_set: the set type over intset, pack and table, against a model (a
 * flag per member of a fixed pool) under randomized adds and removes, with
 * limits that make sets cross every conversion; plus the intset and pack
 * encodings on their own, iteration, random members, SSCAN across a
 * table's resizes, and the keyspace's memory returning to where it
 * started. */
#include "tidecache/clock.h"
#include "tidecache/intset.h"
#include "tidecache/mem.h"
#include "tidecache/object.h"
#include "tidecache/pack.h"
#include "tidecache/set.h"
#include "tidecache/store.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL 600 /* members the random operations draw from */
#define MEMBER_BYTES 40

static char pool[POOL][MEMBER_BYTES];
static size_t pool_len[POOL];
static uint64_t rng_state;

/* xorshift64*: the multiply spreads the state into every output bit. */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

/* Members 0..299 are integers of every width (and so intset material);
 * the rest strings, some longer than a small listpack value limit, one
 * empty and one with a NUL inside. */
static void make_pool(void)
{
    static const long long edges[] = {0,          -1,        1,         32767,
                                      -32768,     32768,     -32769,    2147483647,
                                      -2147483648LL, 2147483648LL, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < 300; i++) {
        long long v = i < sizeof edges / sizeof edges[0] ? edges[i] : (long long)(i * 7919) - 1000;
        pool_len[i] = (size_t)snprintf(pool[i], MEMBER_BYTES, "%lld", v);
    }
    for (size_t i = 300; i < POOL; i++)
        pool_len[i] = (size_t)snprintf(pool[i], MEMBER_BYTES, "member-%zu%.*s", i, (int)(i % 25),
                                       "xxxxxxxxxxxxxxxxxxxxxxxxx");
    pool_len[300] = 0;
    memcpy(pool[301], "a\0b", 3);
    pool_len[301] = 3;
    /* non-canonical integers stay strings */
    pool_len[302] = (size_t)snprintf(pool[302], MEMBER_BYTES, "007");
    pool_len[303] = (size_t)snprintf(pool[303], MEMBER_BYTES, "+1");
    pool_len[304] = (size_t)snprintf(pool[304], MEMBER_BYTES, "-0");
    rng_state = UINT64_C(0x9e3779b97f4a7c15);
}

static void expect_verified(const struct store *s)
{
    char why[256];
    if (store_verify(s, 0, why, sizeof why) != 0)
        ck_abort_msg("store_verify: %s", why);
}

static int pool_index(const char *m, size_t len)
{
    for (int i = 0; i < POOL; i++)
        if (pool_len[i] == len && memcmp(pool[i], m, len) == 0)
            return i;
    return -1;
}

/* The set holds exactly the members the model marks, each once. */
static void expect_matches_model(const struct item *it, const unsigned char *present, size_t live)
{
    ck_assert_uint_eq(set_card(it), live);
    unsigned seen[POOL] = {0};
    struct set_iter i;
    struct set_member m;
    size_t n = 0;
    set_iter_start(&i, it);
    while (set_iter_next(&i, &m)) {
        int idx = pool_index(m.p, m.len);
        ck_assert_int_ge(idx, 0);
        ck_assert(present[idx]);
        ck_assert_uint_eq(seen[idx]++, 0);
        n++;
    }
    ck_assert_uint_eq(n, live);
    for (int k = 0; k < POOL; k++)
        ck_assert_int_eq(set_contains(it, pool[k], pool_len[k]), present[k]);
}

static const char *encoding(const struct item *it)
{
    return set_encoding_name(it);
}

/* Limits small enough that the random walk crosses each of them. */
static const struct set_limits small = {.intset_entries = 20, .listpack_entries = 30,
                                        .listpack_value = 16};

/* Random adds and removes, biased to grow then shrink, drawing first from
 * integers only and then from everything; the set's contents, encoding
 * rules and the keyspace's memory are checked throughout. Run with
 * default-like and small limits. */
START_TEST(test_model)
{
    make_pool();
    const struct set_limits big = {.intset_entries = 512, .listpack_entries = 128,
                                   .listpack_value = 64};
    const struct set_limits *lim = _i == 0 ? &small : &big;
    size_t used0 = mem_used();
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    unsigned char present[POOL] = {0};
    size_t live = 0;
    struct item *it = NULL;
    int saw_intset = 0, saw_pack = 0, saw_table = 0;
    for (int round = 0; round < 40000; round++) {
        size_t range = round < 10000 ? 300 : POOL;
        size_t k = (size_t)(rng() % range);
        int adding = (round / 5000) % 2 == 0 ? rng() % 4 != 0 : rng() % 4 == 0;
        if (adding) {
            if (!it)
                it = set_create(s, "k", 1, pool[k], pool_len[k], 0, lim);
            ck_assert_int_eq(set_add(s, &it, pool[k], pool_len[k], lim), !present[k]);
            live += !present[k];
            present[k] = 1;
        } else if (it) {
            ck_assert_int_eq(set_remove(s, &it, pool[k], pool_len[k]), present[k]);
            live -= present[k];
            present[k] = 0;
            if (live == 0) {
                ck_assert_int_eq(store_delete(s, "k", 1), 1);
                it = NULL;
            }
        }
        if (it) {
            const char *enc = encoding(it);
            saw_intset |= strcmp(enc, "intset") == 0;
            saw_pack |= strcmp(enc, "listpack") == 0;
            saw_table |= strcmp(enc, "hashtable") == 0;
            ck_assert_ptr_eq(store_find(s, "k", 1), it);
        }
        if (round % 997 == 0) {
            if (it)
                expect_matches_model(it, present, live);
            expect_verified(s);
        }
    }
    ck_assert(saw_intset && saw_table);
    if (lim == &small)
        ck_assert(saw_pack);
    if (it)
        expect_matches_model(it, present, live);
    store_delete(s, "k", 1);
    while (store_lazyfree_step(s, 1000))
        ;
    ck_assert_uint_eq(store_memory(s), m0);
    store_destroy(s);
    ck_assert_uint_eq(mem_used(), used0);
}
END_TEST

/* Each conversion at its limit: an intset past set-max-intset-entries
 * becomes a pack when the pack holds it, else a table; a string member
 * moves an intset to a pack, a long one straight to a table; a pack past
 * either of its limits becomes a table. Never back. */
START_TEST(test_conversions)
{
    make_pool();
    struct store *s = store_create();
    const struct set_limits lim = {.intset_entries = 3, .listpack_entries = 5,
                                   .listpack_value = 10};
    char m[32];
    struct item *it = set_create(s, "a", 1, "1", 1, 0, &lim);
    for (int i = 1; i <= 3; i++)
        set_add(s, &it, m, (size_t)snprintf(m, sizeof m, "%d", i), &lim);
    ck_assert_str_eq(encoding(it), "intset");
    set_add(s, &it, "4", 1, &lim);
    ck_assert_str_eq(encoding(it), "listpack");
    set_add(s, &it, "5", 1, &lim);
    ck_assert_str_eq(encoding(it), "listpack");
    set_add(s, &it, "6", 1, &lim);
    ck_assert_str_eq(encoding(it), "hashtable");
    for (int i = 1; i < 6; i++)
        set_remove(s, &it, m, (size_t)snprintf(m, sizeof m, "%d", i));
    ck_assert_str_eq(encoding(it), "hashtable");
    ck_assert_uint_eq(set_card(it), 1);

    it = set_create(s, "b", 1, "7", 1, 0, &lim);
    set_add(s, &it, "7", 1, &lim);
    set_add(s, &it, "x", 1, &lim);
    ck_assert_str_eq(encoding(it), "listpack");
    set_add(s, &it, "a-long-member", 13, &lim);
    ck_assert_str_eq(encoding(it), "hashtable");

    it = set_create(s, "c", 1, "7", 1, 0, &lim);
    set_add(s, &it, "7", 1, &lim);
    set_add(s, &it, "a-long-member", 13, &lim);
    ck_assert_str_eq(encoding(it), "hashtable");

    /* an intset whose integers are too long for a pack goes to a table */
    it = set_create(s, "d", 1, "1", 1, 0, &lim);
    set_add(s, &it, "-9223372036854775808", 20, &lim);
    set_add(s, &it, "x", 1, &lim);
    ck_assert_str_eq(encoding(it), "hashtable");
    ck_assert(set_contains(it, "-9223372036854775808", 20));

    /* with the intset disabled an integer starts a pack */
    const struct set_limits no_intset = {.intset_entries = 0, .listpack_entries = 5,
                                         .listpack_value = 10};
    it = set_create(s, "e", 1, "1", 1, 0, &no_intset);
    ck_assert_str_eq(encoding(it), "listpack");
    expect_verified(s);
    store_destroy(s);
}
END_TEST

/* The intset on its own: widths grow to fit, order holds, deletes close
 * the gap. */
START_TEST(test_intset_widths)
{
    unsigned char buf[1 + 8 * 16];
    intset_init(buf);
    size_t n = 0, plen = INTSET_HEADER_BYTES;
    const int64_t vals[] = {5, -3, 40000, -40000, 3000000000LL, INT64_MIN, INT64_MAX, 0};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        size_t pos;
        ck_assert(!intset_find(buf, plen, vals[i], &pos));
        plen = intset_bytes_with(buf, n + 1, vals[i]);
        intset_insert(buf, n, vals[i], pos);
        n++;
        ck_assert_uint_eq(intset_count(buf, plen), n);
        for (size_t j = 1; j < n; j++)
            ck_assert(intset_get(buf, j - 1) < intset_get(buf, j));
        for (size_t j = 0; j <= i; j++)
            ck_assert(intset_find(buf, plen, vals[j], &pos) && intset_get(buf, pos) == vals[j]);
    }
    ck_assert_uint_eq(plen, 1 + 8 * n);
    size_t pos;
    ck_assert(intset_find(buf, plen, 40000, &pos));
    intset_delete(buf, n, pos);
    plen = intset_bytes(buf, --n);
    ck_assert(!intset_find(buf, plen, 40000, &pos));
    ck_assert(intset_find(buf, plen, INT64_MAX, &pos) && pos == n - 1);
    int64_t v;
    ck_assert(intset_parse("-9223372036854775808", 20, &v) && v == INT64_MIN);
    ck_assert(!intset_parse("007", 3, &v));
    ck_assert(!intset_parse("-0", 2, &v));
    ck_assert(!intset_parse("+1", 2, &v));
    ck_assert(!intset_parse("", 0, &v));
    ck_assert(!intset_parse("9223372036854775808", 19, &v));
}
END_TEST

/* The pack on its own: appends, finds with a stride, deletes of runs. */
START_TEST(test_pack_entries)
{
    unsigned char buf[512];
    pack_init(buf);
    size_t plen = PACK_HEADER_BYTES;
    const char *words[] = {"f1", "v1", "", "v2", "field3", "a value of 200 bytes"};
    char long_value[200];
    memset(long_value, 'z', sizeof long_value);
    for (size_t i = 0; i < 6; i++) {
        const char *w = i == 5 ? long_value : words[i];
        size_t len = i == 5 ? sizeof long_value : strlen(words[i]);
        pack_append(buf, plen, w, len);
        plen += pack_entry_bytes(len);
    }
    ck_assert_uint_eq(pack_count(buf), 6);
    ck_assert_uint_eq(pack_entry_bytes(200), 202);
    /* stride 2: fields only; "v1" is a value, not a field */
    ck_assert_uint_eq(pack_find(buf, plen, "v1", 2, 2), 0);
    ck_assert_uint_ne(pack_find(buf, plen, "v1", 2, 1), 0);
    size_t off = pack_find(buf, plen, "", 0, 2);
    ck_assert_uint_eq(off, pack_offset_of(buf, plen, 2));
    const char *e;
    size_t len;
    size_t next = pack_entry(buf, off, &e, &len);
    ck_assert_uint_eq(len, 0);
    pack_entry(buf, next, &e, &len);
    ck_assert(len == 2 && memcmp(e, "v2", 2) == 0);
    plen = pack_delete(buf, plen, off, 2);
    ck_assert_uint_eq(pack_count(buf), 4);
    off = pack_find(buf, plen, "field3", 6, 2);
    ck_assert_uint_eq(off, pack_offset_of(buf, plen, 2));
    pack_entry(buf, pack_entry(buf, off, &e, &len), &e, &len);
    ck_assert_uint_eq(len, 200);
    ck_assert_uint_eq(pack_offset_of(buf, plen, 4), plen);
}
END_TEST

/* Random members come from the set and, in each encoding, every member
 * turns up. */
START_TEST(test_random_members)
{
    make_pool();
    struct store *s = store_create();
    const struct set_limits lim = {.intset_entries = 512, .listpack_entries = 128,
                                   .listpack_value = 64};
    const size_t sizes[] = {10, 40, 200}; /* intset, pack, table */
    const size_t first[] = {0, 300, 300};
    for (size_t t = 0; t < 3; t++) {
        struct item *it = NULL;
        for (size_t k = first[t]; k < first[t] + sizes[t]; k++) {
            if (!it)
                it = set_create(s, "r", 1, pool[k], pool_len[k], 0, &lim);
            set_add(s, &it, pool[k], pool_len[k], &lim);
        }
        unsigned seen[POOL] = {0};
        for (int d = 0; d < 20000; d++) {
            struct set_member m;
            set_random(it, rng, &m);
            int idx = pool_index(m.p, m.len);
            ck_assert_int_ge(idx, 0);
            seen[idx]++;
        }
        for (size_t k = first[t]; k < first[t] + sizes[t]; k++)
            ck_assert_msg(seen[k] > 0, "encoding %s member %zu never drawn (card %zu)",
                          encoding(it), k, set_card(it));
        store_delete(s, "r", 1);
    }
    store_destroy(s);
}
END_TEST

struct scan_seen {
    unsigned count[POOL];
};

static void note_member(void *ctx, const char *m, size_t len)
{
    struct scan_seen *ss = ctx;
    int idx = pool_index(m, len);
    ck_assert_int_ge(idx, 0);
    ss->count[idx]++;
}

/* SSCAN's walk: a compact set whole in one step with cursor 0; a table
 * member present throughout is reported even while others come and go. */
START_TEST(test_scan)
{
    make_pool();
    struct store *s = store_create();
    const struct set_limits lim = {.intset_entries = 512, .listpack_entries = 128,
                                   .listpack_value = 64};
    struct item *it = set_create(s, "c", 1, pool[0], pool_len[0], 0, &lim);
    for (size_t k = 0; k < 50; k++)
        set_add(s, &it, pool[k], pool_len[k], &lim);
    struct scan_seen ss = {0};
    ck_assert_uint_eq(set_scan(it, 0, 1, note_member, &ss), 0);
    for (size_t k = 0; k < 50; k++)
        ck_assert_uint_eq(ss.count[k], 1);

    it = set_create(s, "t", 1, pool[300], pool_len[300], 0, &lim);
    for (size_t k = 300; k < 450; k++) /* 150 members: a table */
        set_add(s, &it, pool[k], pool_len[k], &lim);
    ck_assert_str_eq(encoding(it), "hashtable");
    memset(&ss, 0, sizeof ss);
    uint64_t cursor = 0;
    size_t next = 450, steps = 0;
    do {
        cursor = set_scan(it, cursor, 2, note_member, &ss);
        if (steps++ < 30) {
            for (int j = 0; j < 5 && next < POOL; j++, next++)
                set_add(s, &it, pool[next], pool_len[next], &lim);
        }
    } while (cursor != 0 && steps < 100000);
    for (size_t k = 300; k < 450; k++)
        ck_assert_uint_ge(ss.count[k], 1);
    expect_verified(s);
    store_destroy(s);
}
END_TEST

static void setup(void)
{
    clock_set_ms(INT64_C(1700000000000));
}

static Suite *set_suite(void)
{
    Suite *s = suite_create("set");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_model, 0, 2);
    tcase_add_test(tc, test_conversions);
    tcase_add_test(tc, test_random_members);
    tcase_add_test(tc, test_scan);
    suite_add_tcase(s, tc);
    tc = tcase_create("encodings");
    tcase_add_test(tc, test_intset_widths);
    tcase_add_test(tc, test_pack_entries);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(set_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
