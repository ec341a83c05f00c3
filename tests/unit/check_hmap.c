/* check_hmap: the hash type over pack and table, against a model (the
 * value of each field of a fixed pool, or none) under randomized sets and
 * deletes, with limits that make hashes convert; values replaced in place
 * in both encodings, iteration, random fields, HSCAN across resizes, and
 * the keyspace's memory returning to where it started. Field expiry
 * against a model with an injected clock: expiries set under every
 * condition, kept or cleared by writes, removed, reclaimed on lookup and
 * by the store's sweep through its expiry index, hashes deleted with
 * their last field. */
#include "tidecache/clock.h"
#include "tidecache/hmap.h"
#include "tidecache/mem.h"
#include "tidecache/object.h"
#include "tidecache/pack.h"
#include "tidecache/store.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL 400 /* fields the random operations draw from */
#define FIELD_BYTES 32
#define VALUE_BYTES 96

static char pool[POOL][FIELD_BYTES];
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

/* Fields of varied lengths, one empty and one with a NUL inside. */
static void make_pool(void)
{
    for (size_t i = 0; i < POOL; i++)
        pool_len[i] = (size_t)snprintf(pool[i], FIELD_BYTES, "field-%zu%.*s", i, (int)(i % 17),
                                       "yyyyyyyyyyyyyyyyy");
    pool_len[0] = 0;
    memcpy(pool[1], "f\0g", 3);
    pool_len[1] = 3;
    rng_state = UINT64_C(0x9e3779b97f4a7c15);
}

struct model {
    int present[POOL];
    char value[POOL][VALUE_BYTES];
    size_t vlen[POOL];
    size_t live;
};

/* A value of 0 to 79 bytes, its bytes from the round number. */
static size_t make_value(char *out, int round)
{
    size_t len = (size_t)(rng() % 80);
    for (size_t i = 0; i < len; i++)
        out[i] = (char)('a' + (round + (int)i) % 26);
    return len;
}

static int pool_index(const char *f, size_t flen)
{
    for (int i = 0; i < POOL; i++)
        if (pool_len[i] == flen && memcmp(pool[i], f, flen) == 0)
            return i;
    return -1;
}

static void expect_verified(const struct store *s)
{
    char why[256];
    if (store_verify(s, 0, why, sizeof why) != 0)
        ck_abort_msg("store_verify: %s", why);
}

/* The hash holds exactly the model's fields, each once, with its value. */
static void expect_matches_model(const struct item *it, const struct model *m)
{
    ck_assert_uint_eq(hmap_len(it), m->live);
    unsigned seen[POOL] = {0};
    struct hmap_iter i;
    struct hmap_field field;
    hmap_iter_start(&i, it);
    while (hmap_iter_next(&i, &field)) {
        int k = pool_index(field.f, field.flen);
        ck_assert_int_ge(k, 0);
        ck_assert(m->present[k]);
        ck_assert_uint_eq(seen[k]++, 0);
        ck_assert_uint_eq(field.vlen, m->vlen[k]);
        ck_assert(memcmp(field.v, m->value[k], field.vlen) == 0);
    }
    for (int k = 0; k < POOL; k++) {
        const char *v;
        size_t vlen;
        ck_assert_int_eq(hmap_get(it, pool[k], pool_len[k], &v, &vlen), m->present[k]);
        if (m->present[k])
            ck_assert(vlen == m->vlen[k] && memcmp(v, m->value[k], vlen) == 0);
    }
}

/* Random sets (new fields and replaced values, longer and shorter) and
 * deletes, growing then shrinking; small limits (a pack of at most 12
 * fields of up to 40 bytes) or Redis's defaults. */
START_TEST(test_model)
{
    make_pool();
    const struct hmap_limits small = {.listpack_entries = 12, .listpack_value = 40};
    const struct hmap_limits defaults = {.listpack_entries = 128, .listpack_value = 64};
    const struct hmap_limits *lim = _i == 0 ? &small : &defaults;
    size_t used0 = mem_used();
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    static struct model m;
    memset(&m, 0, sizeof m);
    struct item *it = NULL;
    int saw_pack = 0, saw_table = 0;
    for (int round = 0; round < 30000; round++) {
        size_t k = (size_t)(rng() % (round < 8000 ? 20 : POOL));
        int setting = (round / 6000) % 2 == 0 ? rng() % 4 != 0 : rng() % 4 == 0;
        if (setting) {
            char v[VALUE_BYTES];
            size_t vlen = make_value(v, round);
            if (!it)
                it = hmap_create(s, "h", 1, pool_len[k], vlen, 0, lim);
            ck_assert_int_eq(hmap_set(s, &it, pool[k], pool_len[k], v, vlen, lim), !m.present[k]);
            m.live += !m.present[k];
            m.present[k] = 1;
            memcpy(m.value[k], v, vlen);
            m.vlen[k] = vlen;
        } else if (it) {
            ck_assert_int_eq(hmap_delete(s, &it, pool[k], pool_len[k]), m.present[k]);
            m.live -= (size_t)m.present[k];
            m.present[k] = 0;
            if (m.live == 0) {
                ck_assert_int_eq(store_delete(s, "h", 1), 1);
                it = NULL;
            }
        }
        if (it) {
            const char *enc = object_encoding_name(item_tag(it));
            saw_pack |= strcmp(enc, "listpack") == 0;
            saw_table |= strcmp(enc, "hashtable") == 0;
            ck_assert_ptr_eq(store_find(s, "h", 1), it);
        }
        if (round % 997 == 0) {
            if (it)
                expect_matches_model(it, &m);
            expect_verified(s);
        }
    }
    ck_assert(saw_pack && saw_table);
    if (it)
        expect_matches_model(it, &m);
    store_delete(s, "h", 1);
    while (store_lazyfree_step(s, 1000))
        ;
    ck_assert_uint_eq(store_memory(s), m0);
    store_destroy(s);
    ck_assert_uint_eq(mem_used(), used0);
}
END_TEST

/* Each limit converts a pack to a table, keeping every field: the field
 * count, a long field, a long value (also as a replaced value). */
START_TEST(test_conversions)
{
    struct store *s = store_create();
    const struct hmap_limits lim = {.listpack_entries = 3, .listpack_value = 8};
    const char *why[] = {"count", "field", "value", "replaced"};
    for (int w = 0; w < 4; w++) {
        struct item *it = hmap_create(s, "h", 1, 1, 1, 0, &lim);
        hmap_set(s, &it, "a", 1, "1", 1, &lim);
        hmap_set(s, &it, "b", 1, "2", 1, &lim);
        ck_assert_str_eq(object_encoding_name(item_tag(it)), "listpack");
        if (w == 0) {
            hmap_set(s, &it, "c", 1, "3", 1, &lim);
            ck_assert_str_eq(object_encoding_name(item_tag(it)), "listpack");
            hmap_set(s, &it, "d", 1, "4", 1, &lim);
        } else if (w == 1) {
            hmap_set(s, &it, "a-long-field", 12, "3", 1, &lim);
        } else if (w == 2) {
            hmap_set(s, &it, "c", 1, "a-long-value", 12, &lim);
        } else {
            hmap_set(s, &it, "a", 1, "a-long-value", 12, &lim);
        }
        ck_assert_msg(strcmp(object_encoding_name(item_tag(it)), "hashtable") == 0,
                      "no conversion by %s", why[w]);
        const char *v;
        size_t vlen;
        ck_assert(hmap_get(it, "b", 1, &v, &vlen) && vlen == 1 && v[0] == '2');
        ck_assert(hmap_get(it, "a", 1, &v, &vlen));
        ck_assert_uint_eq(hmap_len(it), w == 0 || w == 1 || w == 2 ? 3 + (w == 0) : 2);
        hmap_delete(s, &it, "b", 1);
        ck_assert_str_eq(object_encoding_name(item_tag(it)), "hashtable");
        store_delete(s, "h", 1);
    }
    expect_verified(s);
    store_destroy(s);
}
END_TEST

/* Replacing a value in a pack keeps the order and the other entries, for
 * longer and shorter values and across the varint's 1-to-2-byte width. */
START_TEST(test_pack_replace)
{
    unsigned char buf[1024];
    pack_init(buf);
    size_t plen = PACK_HEADER_BYTES;
    const char *words[] = {"f1", "v1", "f2", "v2", "f3", "v3"};
    for (int i = 0; i < 6; i++) {
        pack_append(buf, plen, words[i], 2);
        plen += pack_entry_bytes(2);
    }
    char big[300];
    memset(big, 'B', sizeof big);
    size_t off = pack_offset_of(buf, plen, 3);
    plen = pack_replace(buf, plen, off, big, sizeof big);
    ck_assert_uint_eq(pack_count(buf), 6);
    const char *e;
    size_t len;
    size_t next = pack_entry(buf, off, &e, &len);
    ck_assert(len == 300 && e[299] == 'B');
    pack_entry(buf, next, &e, &len);
    ck_assert(len == 2 && memcmp(e, "f3", 2) == 0);
    plen = pack_replace(buf, plen, off, "x", 1);
    ck_assert_uint_eq(plen, PACK_HEADER_BYTES + 5 * pack_entry_bytes(2) + pack_entry_bytes(1));
    ck_assert_uint_eq(pack_find(buf, plen, "f3", 2, 2), pack_offset_of(buf, plen, 4));
}
END_TEST

struct scan_seen {
    unsigned count[POOL];
};

static void note_field(void *ctx, const struct hmap_field *field)
{
    struct scan_seen *ss = ctx;
    int k = pool_index(field->f, field->flen);
    ck_assert_int_ge(k, 0);
    ck_assert_uint_eq(field->vlen, 1);
    ck_assert_int_eq(field->v[0], 'v');
    ss->count[k]++;
}

/* HSCAN's walk over a table: a field present throughout is reported with
 * its value while others come and go; random fields come from the hash. */
START_TEST(test_scan_and_random)
{
    make_pool();
    struct store *s = store_create();
    const struct hmap_limits lim = {.listpack_entries = 128, .listpack_value = 64};
    struct item *it = hmap_create(s, "t", 1, 1, 1, 0, &lim);
    for (size_t k = 0; k < 200; k++)
        hmap_set(s, &it, pool[k], pool_len[k], "v", 1, &lim);
    ck_assert_str_eq(object_encoding_name(item_tag(it)), "hashtable");
    struct scan_seen ss = {0};
    uint64_t cursor = 0;
    size_t next = 200, steps = 0;
    do {
        cursor = hmap_scan(it, cursor, 2, note_field, &ss);
        if (steps++ < 30)
            for (int j = 0; j < 5 && next < POOL; j++, next++)
                hmap_set(s, &it, pool[next], pool_len[next], "v", 1, &lim);
    } while (cursor != 0 && steps < 100000);
    for (size_t k = 0; k < 200; k++)
        ck_assert_uint_ge(ss.count[k], 1);
    for (int d = 0; d < 2000; d++) {
        struct hmap_field field;
        hmap_random(it, rng, &field);
        ck_assert_int_ge(pool_index(field.f, field.flen), 0);
    }
    expect_verified(s);
    store_destroy(s);
}
END_TEST

static void setup(void)
{
    clock_set_ms(INT64_C(1700000000000));
}

/* ---- field expiry ----------------------------------------------------------- */

#define FE_KEYS 6
#define FE_FIELDS 40 /* of the pool, per key */
#define FE_START_MS INT64_C(1700000000000)

struct fe_model {
    int present[FE_FIELDS];
    int64_t at[FE_FIELDS]; /* 0: no expiry */
    char value[FE_FIELDS][8];
    size_t live;
};

static int64_t fe_deadline(const struct fe_model *m)
{
    int64_t first = 0;
    for (int k = 0; k < FE_FIELDS; k++)
        if (m->present[k] && m->at[k] && (!first || m->at[k] < first))
            first = m->at[k];
    return first;
}

/* Drop the model's fields due at now; returns how many. */
static size_t fe_expire(struct fe_model *m, int64_t now)
{
    size_t n = 0;
    for (int k = 0; k < FE_FIELDS; k++)
        if (m->present[k] && m->at[k] && m->at[k] <= now) {
            m->present[k] = 0;
            m->live--;
            n++;
        }
    return n;
}

static void fe_expect(struct store *s, const char *key, const struct fe_model *m)
{
    const struct item *it = store_peek(s, key, 1);
    if (m->live == 0) {
        ck_assert_ptr_null(it);
        return;
    }
    ck_assert_ptr_nonnull(it);
    ck_assert_uint_eq(hmap_len(it), m->live);
    ck_assert_int_eq(hmap_deadline(it), fe_deadline(m));
    for (int k = 0; k < FE_FIELDS; k++) {
        int64_t at = -1;
        ck_assert_int_eq(hmap_field_expiry(it, pool[k], pool_len[k], &at), m->present[k]);
        if (m->present[k]) {
            const char *v;
            size_t vlen;
            ck_assert_int_eq(at, m->at[k]);
            ck_assert(hmap_get(it, pool[k], pool_len[k], &v, &vlen));
            ck_assert(vlen == 1 && v[0] == m->value[k][0]);
        }
    }
}

/* Random writes, deletes, expiries (NX, XX, GT, LT, in the past), persists
 * and clock steps over a few keys, each step checked against the model;
 * due fields go on lookup (as commands reclaim them) or by the sweep,
 * which must leave nothing due behind and delete emptied hashes. */
START_TEST(test_field_expiry_model)
{
    make_pool();
    const struct hmap_limits small = {.listpack_entries = 12, .listpack_value = 40};
    const struct hmap_limits defaults = {.listpack_entries = 128, .listpack_value = 64};
    const struct hmap_limits *lim = _i == 0 ? &small : &defaults;
    size_t used0 = mem_used();
    int64_t now = FE_START_MS;
    clock_set_ms(now);
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    static struct fe_model m[FE_KEYS];
    memset(m, 0, sizeof m);
    uint64_t expired = 0;
    int saw_ex = 0, saw_table = 0;
    for (int round = 0; round < 40000; round++) {
        int key = (int)(rng() % FE_KEYS);
        char name[2] = {(char)('a' + key), 0};
        struct fe_model *fm = &m[key];
        int k = (int)(rng() % FE_FIELDS);
        struct item *it = store_find(s, name, 1);
        if (it && rng() % 2) {
            /* a command's lookup */
            size_t n = hmap_expire_due(s, &it, now, SIZE_MAX);
            ck_assert_uint_eq(n, fe_expire(fm, now));
            expired += n;
            if (hmap_len(it) == 0) {
                store_delete(s, name, 1);
                it = NULL;
            }
        }
        unsigned op = (unsigned)(rng() % 16);
        if (op < 5) {
            char v = (char)('a' + rng() % 26);
            int keep = op == 4;
            if (!it)
                it = hmap_create(s, name, 1, pool_len[k], 1, 0, lim);
            int added = keep ? hmap_update(s, &it, pool[k], pool_len[k], &v, 1, lim)
                             : hmap_set(s, &it, pool[k], pool_len[k], &v, 1, lim);
            /* a due field not reclaimed yet still counts as present */
            ck_assert_int_eq(added, !fm->present[k]);
            if (!fm->present[k] || !keep)
                fm->at[k] = 0;
            fm->live += !fm->present[k];
            fm->present[k] = 1;
            fm->value[k][0] = v;
        } else if (op < 7 && it) {
            ck_assert_int_eq(hmap_delete(s, &it, pool[k], pool_len[k]), fm->present[k]);
            fm->live -= (size_t)fm->present[k];
            fm->present[k] = 0;
            if (fm->live == 0) {
                store_delete(s, name, 1);
                it = NULL;
            }
        } else if (op < 12 && it) {
            enum hmap_expire_cond cond = (enum hmap_expire_cond)(rng() % 5);
            int64_t at = now - 20 + (int64_t)(rng() % 2000);
            int r = hmap_expire_field(s, &it, pool[k], pool_len[k], at, cond, now);
            int64_t cur = fm->at[k];
            int want = !fm->present[k] ? HMAP_NO_FIELD
                       : (cond == HMAP_COND_NX && cur) || (cond == HMAP_COND_XX && !cur) ||
                               (cond == HMAP_COND_GT && (!cur || cur >= at)) ||
                               (cond == HMAP_COND_LT && cur && cur <= at)
                           ? HMAP_COND_FAILED
                       : at <= now ? HMAP_FIELD_DELETED
                                   : HMAP_EXPIRY_SET;
            ck_assert_int_eq(r, want);
            if (want == HMAP_EXPIRY_SET)
                fm->at[k] = at;
            if (want == HMAP_FIELD_DELETED) {
                fm->present[k] = 0;
                fm->live--;
                if (fm->live == 0) {
                    store_delete(s, name, 1);
                    it = NULL;
                }
            }
        } else if (op < 13 && it) {
            int want = !fm->present[k] ? HMAP_NO_FIELD
                       : fm->at[k]       ? HMAP_PERSISTED
                                         : HMAP_NO_EXPIRY;
            ck_assert_int_eq(hmap_persist_field(s, &it, pool[k], pool_len[k]), want);
            fm->at[k] = 0;
        } else if (op < 16) {
            now += (int64_t)(rng() % 120);
            clock_set_ms(now);
            int more = 1;
            for (int step = 0; more && step < 100; step++)
                store_expire_step(s, 1000000, &more);
            ck_assert_int_eq(more, 0);
            for (int j = 0; j < FE_KEYS; j++)
                expired += fe_expire(&m[j], now);
            char why[256];
            if (store_verify(s, 1, why, sizeof why) != 0)
                ck_abort_msg("store_verify after a sweep: %s", why);
        }
        /* read again: a sweep may have moved or deleted the item */
        const struct item *now_it = store_peek(s, name, 1);
        if (now_it) {
            saw_ex |= item_tag(now_it) == OBJECT_TAG(OBJ_HASH, OBJ_ENC_LISTPACK_EX);
            saw_table |= hmap_deadline(now_it) &&
                         item_tag(now_it) == OBJECT_TAG(OBJ_HASH, OBJ_ENC_HASHTABLE);
        }
        fe_expect(s, name, fm);
        if (round % 499 == 0) {
            expect_verified(s);
            for (int j = 0; j < FE_KEYS; j++) {
                char other[2] = {(char)('a' + j), 0};
                fe_expect(s, other, &m[j]);
            }
        }
        ck_assert_uint_eq(store_expired_fields_total(s), expired);
    }
    ck_assert(saw_ex && (saw_table || lim == &defaults));
    store_flush(s);
    while (store_lazyfree_step(s, 1000))
        ;
    ck_assert_uint_eq(store_memory(s), m0);
    store_destroy(s);
    clock_unfreeze();
    ck_assert_uint_eq(mem_used(), used0);
}
END_TEST

/* More fields due at one instant than a sweep visit takes, in both
 * encodings, with budget enough and with none: the sweep comes back until
 * every one is gone, and deletes the hash whose fields all expired. */
START_TEST(test_many_fields_due_at_once)
{
    const struct hmap_limits lim = {.listpack_entries = _i == 0 ? 2000 : 16, .listpack_value = 64};
    int64_t now = FE_START_MS;
    clock_set_ms(now);
    struct store *s = store_create();
    struct item *all = hmap_create(s, "all", 3, 8, 1, 0, &lim);
    struct item *half = NULL;
    for (int i = 0; i < 1000; i++) {
        char f[16];
        int n = snprintf(f, sizeof f, "f%d", i);
        all = store_find(s, "all", 3);
        hmap_set(s, &all, f, (size_t)n, "v", 1, &lim);
        ck_assert_int_eq(hmap_expire_field(s, &all, f, (size_t)n, now + 10, HMAP_COND_NONE, now),
                         HMAP_EXPIRY_SET);
        half = store_find(s, "half", 4);
        if (!half)
            half = hmap_create(s, "half", 4, 8, 1, 0, &lim);
        hmap_set(s, &half, f, (size_t)n, "v", 1, &lim);
        if (i % 2)
            hmap_expire_field(s, &half, f, (size_t)n, now + 10, HMAP_COND_NONE, now);
    }
    clock_set_ms(now + 10);
    int more = 1;
    /* the table case runs on no budget at all: a visit at a time */
    for (int step = 0; more && step < 1000; step++)
        store_expire_step(s, _i == 0 ? 1000000 : 0, &more);
    ck_assert_int_eq(more, 0);
    ck_assert_ptr_null(store_peek(s, "all", 3));
    ck_assert_uint_eq(hmap_len(store_peek(s, "half", 4)), 500);
    ck_assert_int_eq(hmap_deadline(store_peek(s, "half", 4)), 0);
    ck_assert_uint_eq(store_expired_fields_total(s), 1500);
    expect_verified(s);
    store_destroy(s);
    clock_unfreeze();
}
END_TEST

static Suite *hmap_suite(void)
{
    Suite *s = suite_create("hmap");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_model, 0, 2);
    tcase_add_test(tc, test_conversions);
    tcase_add_test(tc, test_pack_replace);
    tcase_add_test(tc, test_scan_and_random);
    tcase_add_loop_test(tc, test_field_expiry_model, 0, 2);
    tcase_add_loop_test(tc, test_many_fields_due_at_once, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hmap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
