/* check_htab: the table inside large hashes and sets, against a model (a
 * flag per key of a fixed pool) under randomized adds and deletes that grow
 * and shrink it through incremental resizes; SCAN's guarantees across
 * resizes; exact memory accounting; bounded freeing. */
#include "tidecache/htab.h"
#include "tidecache/mem.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL 4000         /* distinct keys the random operations draw from */
#define KEY_BYTES 24

static char pool[POOL][KEY_BYTES];
static size_t pool_len[POOL];
static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Keys of varied lengths, the empty key and one with a NUL inside. */
static void make_pool(void)
{
    for (size_t i = 0; i < POOL; i++)
        pool_len[i] = (size_t)snprintf(pool[i], KEY_BYTES, "key:%zu:%.*s", i, (int)(i % 9),
                                       "xxxxxxxxx");
    pool_len[0] = 0;
    memcpy(pool[1], "a\0b", 3);
    pool_len[1] = 3;
    rng_state = UINT64_C(0x9e3779b97f4a7c15);
}

static void check_consistent(const struct htab *h, size_t account, size_t expect_count)
{
    ck_assert_int_eq(htab_verify(h), 0);
    ck_assert_uint_eq(htab_count(h), expect_count);
    ck_assert_uint_eq(htab_recount(h), account);
}

/* Random adds, deletes and finds against the model; the table's contents,
 * count and bytes are checked along the way and at the end, and a bias
 * toward adds then toward deletes makes it grow and shrink. */
START_TEST(test_model)
{
    make_pool();
    size_t account = 0, live = 0;
    unsigned char present[POOL] = {0};
    struct htab *h = htab_create(&account);
    for (int round = 0; round < 60000; round++) {
        size_t k = (size_t)(rng() % POOL);
        int adding = (round / 15000) % 2 == 0 ? rng() % 4 != 0 : rng() % 4 == 0;
        if (adding) {
            if (present[k]) {
                ck_assert_ptr_nonnull(htab_find(h, pool[k], pool_len[k]));
            } else {
                struct hentry *e = htab_add(h, pool[k], pool_len[k], sizeof(uint32_t));
                uint32_t tag = (uint32_t)k;
                memcpy(hentry_extra(e), &tag, sizeof tag);
                present[k] = 1;
                live++;
            }
        } else {
            ck_assert_int_eq(htab_delete(h, pool[k], pool_len[k]), present[k]);
            if (present[k])
                live--;
            present[k] = 0;
        }
        if (round % 5000 == 0)
            check_consistent(h, account, live);
    }
    for (size_t k = 0; k < POOL; k++) {
        struct hentry *e = htab_find(h, pool[k], pool_len[k]);
        ck_assert_int_eq(e != NULL, present[k]);
        if (e) {
            size_t klen;
            const char *key = hentry_key(e, &klen);
            ck_assert_uint_eq(klen, pool_len[k]);
            ck_assert(memcmp(key, pool[k], klen) == 0);
            uint32_t tag;
            memcpy(&tag, hentry_extra(e), sizeof tag);
            ck_assert_uint_eq(tag, k);
        }
    }
    check_consistent(h, account, live);
    htab_destroy(h);
    ck_assert_uint_eq(account, 0);
}
END_TEST

struct seen {
    unsigned count[POOL];
};

static void note_seen(void *ctx, const struct hentry *e)
{
    struct seen *s = ctx;
    size_t klen;
    const char *key = hentry_key(e, &klen);
    unsigned idx;
    if (klen == 0)
        idx = 0;
    else if (klen == 3 && memcmp(key, "a\0b", 3) == 0)
        idx = 1;
    else
        ck_assert_int_eq(sscanf(key, "key:%u:", &idx), 1);
    ck_assert_uint_lt(idx, POOL);
    s->count[idx]++;
}

/* Without changes between steps, a walk reports each entry exactly once,
 * in a table at rest and in one caught in the middle of a resize. */
START_TEST(test_scan_exactly_once)
{
    make_pool();
    size_t account = 0;
    for (size_t n = 1; n <= 2000; n = n * 3 + 1) {
        struct htab *h = htab_create(&account);
        for (size_t k = 0; k < n; k++)
            htab_add(h, pool[k], pool_len[k], 0);
        struct seen s = {0};
        uint64_t cursor = 0;
        do
            cursor = htab_scan(h, cursor, 1, note_seen, &s);
        while (cursor != 0);
        for (size_t k = 0; k < POOL; k++)
            ck_assert_uint_eq(s.count[k], k < n ? 1 : 0);
        htab_destroy(h);
    }
    ck_assert_uint_eq(account, 0);
}
END_TEST

/* Keys present for the whole walk are reported at least once while other
 * keys come and go between steps, enough to grow the table several times
 * and shrink it again mid-walk. */
START_TEST(test_scan_across_resizes)
{
    make_pool();
    size_t account = 0;
    struct htab *h = htab_create(&account);
    const size_t stable = 100; /* keys 0..99 stay */
    for (size_t k = 0; k < stable; k++)
        htab_add(h, pool[k], pool_len[k], 0);
    struct seen s = {0};
    uint64_t cursor = 0;
    size_t next = stable, steps = 0;
    do {
        cursor = htab_scan(h, cursor, 1, note_seen, &s);
        steps++;
        if (steps < 40) {
            for (int i = 0; i < 80 && next < POOL; i++, next++)
                htab_add(h, pool[next], pool_len[next], 0);
        } else {
            for (int i = 0; i < 200 && next > stable; i++) {
                next--;
                ck_assert_int_eq(htab_delete(h, pool[next], pool_len[next]), 1);
            }
        }
    } while (cursor != 0 && steps < 100000);
    ck_assert_uint_eq(cursor, 0);
    for (size_t k = 0; k < stable; k++)
        ck_assert_uint_ge(s.count[k], 1);
    check_consistent(h, account, htab_count(h));
    htab_destroy(h);
    ck_assert_uint_eq(account, 0);
}
END_TEST

/* Growing or shrinking an entry's owner bytes keeps the bytes both sizes
 * share, the key, and the entry findable; the counter follows. */
START_TEST(test_resize_entry)
{
    make_pool();
    size_t account = 0;
    struct htab *h = htab_create(&account);
    for (size_t k = 0; k < 50; k++)
        memset(hentry_extra(htab_add(h, pool[k], pool_len[k], 4)), (int)k, 4);
    struct hentry *e = htab_find(h, pool[7], pool_len[7]);
    e = htab_resize_entry(h, e, 300);
    unsigned char *x = hentry_extra(e);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(x[i], 7);
    memset(x + 4, 0xee, 296);
    check_consistent(h, account, 50);
    e = htab_resize_entry(h, htab_find(h, pool[7], pool_len[7]), 2);
    ck_assert_ptr_eq(htab_find(h, pool[7], pool_len[7]), e);
    ck_assert_uint_eq(hentry_extra(e)[1], 7);
    check_consistent(h, account, 50);
    htab_destroy(h);
    ck_assert_uint_eq(account, 0);
}
END_TEST

/* Random entries come from the table, and every entry of a small table
 * turns up in a few thousand draws; a sparse table left by mass deletes
 * still answers (its shrink runs as it probes). */
START_TEST(test_random)
{
    make_pool();
    size_t account = 0;
    struct htab *h = htab_create(&account);
    for (size_t k = 0; k < 20; k++)
        htab_add(h, pool[k], pool_len[k], 0);
    struct seen s = {0};
    for (int i = 0; i < 4000; i++)
        note_seen(&s, htab_random(h, rng));
    for (size_t k = 0; k < 20; k++)
        ck_assert_uint_gt(s.count[k], 0);
    for (size_t k = 20; k < POOL; k++)
        htab_add(h, pool[k], pool_len[k], 0);
    for (size_t k = 1; k < POOL; k++)
        htab_delete(h, pool[k], pool_len[k]);
    for (int i = 0; i < 10; i++) {
        size_t klen;
        hentry_key(htab_random(h, rng), &klen);
        ck_assert_uint_eq(klen, 0); /* key 0 is the one left */
    }
    check_consistent(h, account, 1);
    htab_destroy(h);
    ck_assert_uint_eq(account, 0);
}
END_TEST

/* Freeing a piece at a time: never more than asked per call, the counter
 * going down as it goes, zero at the end. */
START_TEST(test_free_some_bounded)
{
    make_pool();
    size_t account = 0;
    struct htab *h = htab_create(&account);
    for (size_t k = 0; k < POOL; k++)
        htab_add(h, pool[k], pool_len[k], 8);
    size_t calls = 0, before = account;
    while (!htab_free_some(h, 100)) {
        calls++;
        ck_assert_uint_lt(account, before);
        before = account;
    }
    ck_assert_uint_eq(calls, POOL / 100 - 1 + (POOL % 100 != 0));
    ck_assert_uint_eq(account, 0);
}
END_TEST

/* A table's bytes move between counters with it. */
START_TEST(test_rebind)
{
    make_pool();
    size_t a = 0, b = 7;
    struct htab *h = htab_create(&a);
    for (size_t k = 0; k < 300; k++)
        htab_add(h, pool[k], pool_len[k], 0);
    size_t bytes = a;
    htab_rebind(h, &b);
    ck_assert_uint_eq(a, 0);
    ck_assert_uint_eq(b, 7 + bytes);
    htab_add(h, pool[300], pool_len[300], 0);
    ck_assert_uint_eq(a, 0);
    htab_destroy(h);
    ck_assert_uint_eq(b, 7);
}
END_TEST

static Suite *htab_suite(void)
{
    Suite *s = suite_create("htab");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, test_model);
    tcase_add_test(tc, test_resize_entry);
    tcase_add_test(tc, test_random);
    tcase_add_test(tc, test_free_some_bounded);
    tcase_add_test(tc, test_rebind);
    suite_add_tcase(s, tc);
    tc = tcase_create("scan");
    tcase_add_test(tc, test_scan_exactly_once);
    tcase_add_test(tc, test_scan_across_resizes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(htab_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
