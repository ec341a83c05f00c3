/* check_expiry: the timing wheel against a simple model of a key table,
 * with an injected clock: every key is handed back exactly when due (never
 * before: the model would notice a key deleted early), whatever its TTL,
 * through TTL changes, deletions, hash collisions, small budgets, clock
 * jumps both ways and compaction; the work done is proportional to the keys
 * that expire. */
#include "tidecache/expiry.h"

#include "tidecache/mem.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Cheap assertions for hot loops: Check is called only on failure. */
#define expect(e)                                                                  \
    do {                                                                           \
        if (!(e))                                                                  \
            ck_abort_msg("%s:%d: expected %s", __FILE__, __LINE__, #e);            \
    } while (0)
#define expect_i(a, op, b)                                                         \
    do {                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                           \
        if (!(a_ op b_))                                                           \
            ck_abort_msg("%s:%d: %s %s %s failed: %jd vs %jd", __FILE__, __LINE__, \
                         #a, #op, #b, a_, b_);                                     \
    } while (0)

#define T0_MS INT64_C(1700000000000)
#define NO_DEADLINE INT64_MAX

/* ---- the model: keys with a hash and an expiry -------------------------- */

struct key {
    uint32_t hash;
    int64_t expire_ms; /* 0: no expiry (or deleted) */
    int live;
};

struct model {
    struct key *k;
    size_t n;
    int64_t now_ms;
    struct expiry *x;
    uint64_t rng;
    size_t deleted;       /* keys the visits deleted */
    size_t visits;
    size_t live_expiring; /* live keys with an expiry */
    /* hash -> key ids, as chains of a table with one bucket per hash */
    size_t *bucket_head;  /* per hash & bucket_mask */
    size_t *next;         /* per key; SIZE_MAX ends a chain */
    size_t bucket_mask;
};

static uint64_t rnd(struct model *m)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng;
}

static struct model *model_create(size_t n, size_t distinct_hashes, uint64_t seed)
{
    struct model *m = calloc(1, sizeof(*m));
    m->k = calloc(n, sizeof(*m->k));
    m->next = malloc(n * sizeof(size_t));
    m->n = n;
    m->now_ms = T0_MS;
    m->rng = seed;
    m->bucket_mask = 1;
    while (m->bucket_mask < n)
        m->bucket_mask <<= 1;
    m->bucket_mask--;
    m->bucket_head = malloc((m->bucket_mask + 1) * sizeof(size_t));
    for (size_t i = 0; i <= m->bucket_mask; i++)
        m->bucket_head[i] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        /* distinct_hashes < n makes several keys share a hash. */
        uint64_t h = (i % distinct_hashes) * UINT64_C(0x9e3779b97f4a7c15);
        m->k[i].hash = (uint32_t)(h >> 32) ^ (uint32_t)h;
        size_t b = m->k[i].hash & m->bucket_mask;
        m->next[i] = m->bucket_head[b];
        m->bucket_head[b] = i;
    }
    m->x = expiry_create(m->now_ms);
    return m;
}

static void model_destroy(struct model *m)
{
    expiry_destroy(m->x);
    free(m->bucket_head);
    free(m->next);
    free(m->k);
    free(m);
}

/* The visit callback, as the store implements it: delete the due keys of
 * the hash's chain, index again those not due with an expiry in range. */
static void visit(void *ctx, uint32_t hash, int64_t lo_ms, int64_t hi_ms)
{
    struct model *m = ctx;
    m->visits++;
    for (size_t i = m->bucket_head[hash & m->bucket_mask]; i != SIZE_MAX; i = m->next[i]) {
        struct key *k = &m->k[i];
        if (!k->live || !k->expire_ms)
            continue;
        if (k->expire_ms <= m->now_ms) {
            k->live = 0;
            k->expire_ms = 0;
            m->deleted++;
            m->live_expiring--;
            continue;
        }
        if (k->hash == hash && k->expire_ms >= lo_ms && k->expire_ms < hi_ms)
            expiry_add(m->x, hash, k->expire_ms);
    }
}

/* Give key i expiry e (0 removes it), indexing it as the store does. */
static void model_set(struct model *m, size_t i, int64_t e)
{
    struct key *k = &m->k[i];
    int64_t old = k->live ? k->expire_ms : 0;
    if (!k->live)
        k->live = 1;
    m->live_expiring += (e != 0) - (old != 0);
    k->expire_ms = e;
    if (e && !(old && expiry_covers(m->x, old, e)))
        expiry_add(m->x, k->hash, e);
}

static void model_delete(struct model *m, size_t i)
{
    struct key *k = &m->k[i];
    if (k->live && k->expire_ms)
        m->live_expiring--;
    k->live = 0;
    k->expire_ms = 0;
}

static size_t model_run(struct model *m, int64_t deadline_us, int *more)
{
    return expiry_run(m->x, m->now_ms, deadline_us, visit, m, more);
}

/* After a run without a deadline: no live key is due. */
static void expect_nothing_due(struct model *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->k[i].live && m->k[i].expire_ms && m->k[i].expire_ms <= m->now_ms)
            ck_abort_msg("key %zu due at %lld still live at %lld", i,
                         (long long)m->k[i].expire_ms, (long long)m->now_ms);
}

/* A TTL spread over every level: 1 ms to ~10 years, log-uniform. */
static int64_t random_ttl(struct model *m)
{
    int bits = (int)(rnd(m) % 39); /* 2^38 ms ~ 8.7 years */
    return 1 + (int64_t)(rnd(m) % (UINT64_C(1) << bits));
}

/* Clock steps: mostly small, sometimes hours or years. */
static int64_t random_step(struct model *m)
{
    unsigned r = (unsigned)(rnd(m) % 100);
    if (r < 60)
        return (int64_t)(rnd(m) % 50);
    if (r < 90)
        return (int64_t)(rnd(m) % 5000);
    if (r < 98)
        return (int64_t)(rnd(m) % 4000000);
    return (int64_t)(rnd(m) % (UINT64_C(1) << 36));
}

/* ---- tests ------------------------------------------------------------------ */

START_TEST(test_every_key_exactly_when_due)
{
    const size_t n = 20000;
    struct model *m = model_create(n, n, 0x51a7u + (uint64_t)_i);
    for (size_t i = 0; i < n; i++)
        model_set(m, i, m->now_ms + random_ttl(m));
    for (int step = 0; step < 3000 && m->live_expiring > 0; step++) {
        m->now_ms += random_step(m);
        int more = 1;
        model_run(m, NO_DEADLINE, &more);
        expect_i(more, ==, 0);
        expect_nothing_due(m);
    }
    /* Far enough ahead, everything has gone, and the index is empty. */
    m->now_ms += INT64_C(1) << 40;
    int more;
    model_run(m, NO_DEADLINE, &more);
    expect_nothing_due(m);
    expect_i(m->live_expiring, ==, 0);
    struct expiry_stats st;
    expiry_get_stats(m->x, &st);
    expect_i(st.entries, ==, 0);
    expect_i(st.due_backlog, ==, 0);
    model_destroy(m);
}
END_TEST

/* Keys change their TTL (later, earlier, removed, set again), are deleted
 * and come back, while the clock moves: each live key still goes exactly
 * when due. */
START_TEST(test_ttl_changes_and_deletes)
{
    const size_t n = 5000;
    struct model *m = model_create(n, n, 0xc0ffeeu + (uint64_t)_i);
    for (long op = 0; op < 400000; op++) {
        size_t i = (size_t)(rnd(m) % n);
        unsigned r = (unsigned)(rnd(m) % 100);
        if (r < 40) {
            model_set(m, i, m->now_ms + random_ttl(m));
        } else if (r < 50) {
            /* A small change: the same slot of an upper level, mostly. */
            if (m->k[i].live && m->k[i].expire_ms)
                model_set(m, i, m->k[i].expire_ms + (int64_t)(rnd(m) % 1000));
        } else if (r < 55) {
            if (m->k[i].live)
                model_set(m, i, 0); /* PERSIST */
        } else if (r < 62) {
            model_delete(m, i);
        } else if (r < 64) {
            /* An expiry already in the past (EXPIREAT yesterday). */
            model_set(m, i, m->now_ms - (int64_t)(rnd(m) % 100000));
        } else if (r < 90) {
            m->now_ms += (int64_t)(rnd(m) % 300);
        } else if (r < 99) {
            int more;
            model_run(m, 0, &more); /* tiny budget: partial work */
        } else {
            int more;
            expiry_maybe_compact(m->x, m->live_expiring);
            model_run(m, NO_DEADLINE, &more);
            expect_i(more, ==, 0);
            expect_nothing_due(m);
        }
    }
    int more;
    model_run(m, NO_DEADLINE, &more);
    expect_nothing_due(m);
    model_destroy(m);
}
END_TEST

/* Many keys share each hash (as keys share a bucket): a visit for one hash
 * must neither lose nor duplicate the others. */
START_TEST(test_hash_collisions)
{
    const size_t n = 30000;
    struct model *m = model_create(n, 97, 77);
    for (size_t i = 0; i < n; i++)
        model_set(m, i, m->now_ms + 1 + (int64_t)(rnd(m) % 600000));
    for (int step = 0; step < 2000 && m->live_expiring > 0; step++) {
        m->now_ms += (int64_t)(rnd(m) % 700);
        int more;
        model_run(m, NO_DEADLINE, &more);
        expect_nothing_due(m);
    }
    expect_i(m->live_expiring, ==, 0);
    expect_i(m->deleted, ==, n);
    model_destroy(m);
}
END_TEST

/* Zero budgets: every call still makes progress, and *more says whether
 * work is left. */
START_TEST(test_small_budgets_make_progress)
{
    const size_t n = 50000;
    struct model *m = model_create(n, n, 5);
    for (size_t i = 0; i < n; i++)
        model_set(m, i, m->now_ms + 10 + (int64_t)(i % 5000));
    m->now_ms += 6000;
    int more = 1;
    size_t calls = 0, total = 0;
    while (more) {
        size_t done = model_run(m, 0, &more);
        expect(done >= EXPIRY_MIN_ENTRIES || !more);
        total += done;
        calls++;
        expect(calls < n);
    }
    expect_i(m->deleted, ==, n);
    expect(total >= n);
    expect_nothing_due(m);
    model_destroy(m);
}
END_TEST

/* The clock goes back (an NTP step) and forward again: nothing is deleted
 * early, nothing is lost. */
START_TEST(test_clock_back_and_forth)
{
    const size_t n = 10000;
    struct model *m = model_create(n, n, 99);
    for (size_t i = 0; i < n; i++)
        model_set(m, i, m->now_ms + 1 + (int64_t)(rnd(m) % 20000));
    int more;
    m->now_ms += 8000;
    model_run(m, NO_DEADLINE, &more);
    expect_nothing_due(m);
    size_t gone = m->deleted;
    /* Back by 5 s: items due between now and then are not touched. */
    m->now_ms -= 5000;
    for (size_t i = 0; i < 100; i++)
        model_set(m, i, m->now_ms + 100); /* behind the wheel's position */
    model_run(m, NO_DEADLINE, &more);
    expect_nothing_due(m);
    expect_i(m->deleted, ==, gone);
    for (int s = 0; s < 300; s++) {
        m->now_ms += 100;
        model_run(m, NO_DEADLINE, &more);
        expect_nothing_due(m);
    }
    expect_i(m->live_expiring, ==, 0);
    model_destroy(m);
}
END_TEST

/* The clock steps back an hour: the wheel starts over at the new time, so
 * keys written afterwards are handled as usual (not looked at on every run
 * until the clock catches up), and keys written before still go when due. */
START_TEST(test_clock_steps_back_far)
{
    const size_t n = 20000;
    struct model *m = model_create(n, n, 123);
    for (size_t i = 0; i < n / 2; i++)
        model_set(m, i, m->now_ms + 1 + (int64_t)(rnd(m) % 7200000));
    int more;
    m->now_ms += 1000;
    model_run(m, NO_DEADLINE, &more);
    m->now_ms -= 3600000;
    model_run(m, NO_DEADLINE, &more);
    expect_nothing_due(m);
    for (size_t i = n / 2; i < n; i++)
        model_set(m, i, m->now_ms + 1 + (int64_t)(rnd(m) % 20000));
    size_t work = 0;
    for (int step = 0; step < 250; step++) { /* 25 s in 100 ms ticks */
        m->now_ms += 100;
        work += model_run(m, NO_DEADLINE, &more);
        expect_nothing_due(m);
    }
    for (size_t i = n / 2; i < n; i++)
        expect(!m->k[i].live);
    /* Each new key costs a few entries of work, not one per run. */
    expect_i(work, <, 8 * n);
    m->now_ms += 2 * 7200000;
    model_run(m, NO_DEADLINE, &more);
    expect_nothing_due(m);
    expect_i(m->live_expiring, ==, 0);
    model_destroy(m);
}
END_TEST

/* Expiries at and around the edges: 0 (never used by the store, but must
 * not break), negative, now, far beyond the top ring. */
START_TEST(test_edge_times)
{
    struct model *m = model_create(8, 8, 1);
    model_set(m, 0, m->now_ms);
    model_set(m, 1, -5);
    model_set(m, 2, m->now_ms + 1);
    model_set(m, 3, INT64_C(253402300799000)); /* 9999-12-31 */
    model_set(m, 4, INT64_MAX);
    model_set(m, 5, m->now_ms + (INT64_C(1) << 37));
    int more;
    model_run(m, NO_DEADLINE, &more);
    expect(!m->k[0].live && !m->k[1].live);
    expect(m->k[2].live && m->k[3].live && m->k[4].live && m->k[5].live);
    m->now_ms += 1;
    model_run(m, NO_DEADLINE, &more);
    expect(!m->k[2].live);
    m->now_ms += (INT64_C(1) << 37);
    model_run(m, NO_DEADLINE, &more);
    expect(!m->k[5].live && m->k[3].live);
    m->now_ms = INT64_C(253402300799000);
    model_run(m, NO_DEADLINE, &more);
    expect(!m->k[3].live && m->k[4].live);
    expect_nothing_due(m);
    model_destroy(m);
}
END_TEST

/* The sweep's cost follows the keys that expire: 1,000 short TTLs among
 * 500,000 long ones take about 1,000 entries of work, not 500,000. */
START_TEST(test_cost_follows_expiring_keys)
{
    const size_t nlong = 500000, nshort = 1000;
    struct model *m = model_create(nlong + nshort, nlong + nshort, 3);
    for (size_t i = 0; i < nlong; i++)
        model_set(m, i, m->now_ms + 3600000 + (int64_t)(i % 1000));
    int more;
    model_run(m, NO_DEADLINE, &more);
    for (size_t i = nlong; i < nlong + nshort; i++)
        model_set(m, i, m->now_ms + 1000);
    size_t work = 0;
    for (int s = 0; s < 12; s++) { /* 1.2 s in ticks of 100 ms */
        m->now_ms += 100;
        work += model_run(m, NO_DEADLINE, &more);
    }
    expect_i(m->deleted, ==, nshort);
    expect_i(work, <=, 3 * nshort);
    model_destroy(m);
}
END_TEST

/* Keys with long TTLs deleted and written again over and over leave stale
 * entries; compaction keeps them within a bound of the live keys. */
START_TEST(test_compaction_bounds_stale_entries)
{
    const size_t n = 20000;
    struct model *m = model_create(n, n, 11);
    struct expiry_stats st;
    size_t peak = 0;
    for (int round = 0; round < 60; round++) {
        for (size_t i = 0; i < n; i++) {
            model_delete(m, i);
            /* A new TTL in another upper slot each round. */
            model_set(m, i, m->now_ms + 86400000 + (int64_t)round * 600000 +
                                (int64_t)(rnd(m) % 1000));
        }
        m->now_ms += 1000;
        int more;
        expiry_maybe_compact(m->x, m->live_expiring);
        model_run(m, NO_DEADLINE, &more);
        expiry_get_stats(m->x, &st);
        if (st.entries > peak)
            peak = st.entries;
    }
    expect_i(m->live_expiring, ==, n);
    /* Without compaction: 60 * n entries. */
    expect_i(peak, <=, 4 * n + 2 * 65536);
    expect(st.compactions > 0);
    /* All still expire when due. */
    m->now_ms += INT64_C(86400000) * 3;
    int more;
    model_run(m, NO_DEADLINE, &more);
    expect_nothing_due(m);
    expect_i(m->live_expiring, ==, 0);
    model_destroy(m);
}
END_TEST

/* A key rewritten with the same long TTL many times within a slot adds no
 * entries; the index costs about 4 bytes per long-TTL key. */
START_TEST(test_density)
{
    const size_t n = 100000;
    size_t used0 = mem_used();
    struct model *m = model_create(n, n, 21);
    for (size_t i = 0; i < n; i++)
        model_set(m, i, m->now_ms + 3600000);
    struct expiry_stats st;
    expiry_get_stats(m->x, &st);
    expect_i(st.entries, ==, n);
    for (int again = 0; again < 10; again++) {
        m->now_ms += 50;
        for (size_t i = 0; i < n; i++)
            model_set(m, i, m->now_ms + 3600000);
    }
    expiry_get_stats(m->x, &st);
    expect_i(st.entries, ==, n);
    /* 4 bytes per entry, chunk headers and slack, the fixed rings. */
    expect_i(st.bytes, <, n * 4 + n * 4 / 100 + 32768);
    model_destroy(m);
    expect_i(mem_used(), ==, used0);
}
END_TEST

static Suite *expiry_suite(void)
{
    Suite *s = suite_create("expiry");
    TCase *tc = tcase_create("wheel");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_every_key_exactly_when_due, 0, 3);
    tcase_add_loop_test(tc, test_ttl_changes_and_deletes, 0, 2);
    tcase_add_test(tc, test_hash_collisions);
    tcase_add_test(tc, test_small_budgets_make_progress);
    tcase_add_test(tc, test_clock_back_and_forth);
    tcase_add_test(tc, test_clock_steps_back_far);
    tcase_add_test(tc, test_edge_times);
    tcase_add_test(tc, test_cost_follows_expiring_keys);
    tcase_add_test(tc, test_compaction_bounds_stale_entries);
    tcase_add_test(tc, test_density);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(expiry_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
