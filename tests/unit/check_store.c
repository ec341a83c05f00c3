/* check_store: items, lookup, expiry, incremental resize, scan, random and
 * memory accounting of the store, with the clock frozen. */
#include "tidecache/store.h"

#include "tidecache/clock.h"
#include "tidecache/htab.h"
#include "tidecache/mem.h"
#include "tidecache/object.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Assertions that cost nothing when they pass: Check's ck_assert records a
 * mark point (a write to a file) on every success, which dominates loops of
 * millions of checks. These call into Check only on failure. */
#define expect(e)                                                                  \
    do {                                                                           \
        if (!(e))                                                                  \
            ck_abort_msg("%s:%d: expected %s", __FILE__, __LINE__, #e);            \
    } while (0)
#define expect_msg(e, ...)                                                         \
    do {                                                                           \
        if (!(e))                                                                  \
            ck_abort_msg(__VA_ARGS__);                                             \
    } while (0)
#define expect_u(a, op, b)                                                         \
    do {                                                                           \
        uintmax_t a_ = (uintmax_t)(a), b_ = (uintmax_t)(b);                        \
        if (!(a_ op b_))                                                           \
            ck_abort_msg("%s:%d: %s %s %s failed: %ju vs %ju", __FILE__, __LINE__, \
                         #a, #op, #b, a_, b_);                                     \
    } while (0)
#define expect_i(a, op, b)                                                         \
    do {                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                           \
        if (!(a_ op b_))                                                           \
            ck_abort_msg("%s:%d: %s %s %s failed: %jd vs %jd", __FILE__, __LINE__, \
                         #a, #op, #b, a_, b_);                                     \
    } while (0)

#define T0_MS INT64_C(1700000000000) /* frozen "now" at the start of each test */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

static void setup(void)
{
    clock_set_ms(T0_MS);
}

static size_t fmt_key(char *buf, size_t cap, const char *prefix, long i)
{
    int n = snprintf(buf, cap, "%s%07ld", prefix, i);
    return (size_t)n;
}

static struct item *find_str(struct store *s, const char *key)
{
    return store_find(s, key, strlen(key));
}

static struct item *set_str(struct store *s, const char *key, const char *value, int64_t exp)
{
    return store_set(s, key, strlen(key), value, strlen(value), exp);
}

static int value_is(const struct item *it, const void *v, size_t vlen)
{
    return it && item_value_len(it) == vlen && memcmp(item_value(it), v, vlen) == 0 &&
           item_value(it)[vlen] == '\0';
}

static int value_is_str(const struct item *it, const char *v)
{
    return value_is(it, v, strlen(v));
}

/* store_memory less the expiry index: items and tables only. */
static size_t data_memory(const struct store *s)
{
    struct store_sweep_stats st;
    store_sweep_stats(s, &st);
    return store_memory(s) - st.index_bytes;
}

/* Run the lazy free of flushed items to the end. */
static void drain_lazyfree(struct store *s)
{
    for (int i = 0; i < 100000 && store_lazyfree_step(s, 1000); i++)
        ;
    expect_u(store_lazyfree_pending(s), ==, 0);
}

/* ---- basics --------------------------------------------------------------- */

START_TEST(test_set_get_delete_overwrite)
{
    struct store *s = store_create();
    expect(find_str(s, "a") == NULL);
    struct item *it = set_str(s, "a", "1", 0);
    expect(value_is_str(it, "1"));
    expect(find_str(s, "a") == it);
    expect_u(item_key_len(it), ==, 1);
    expect_i(item_key(it)[0], ==, 'a');
    expect_i(item_expire_ms(it), ==, 0);
    expect_u(store_count(s), ==, 1);

    it = set_str(s, "a", "twenty-two", 0);
    expect(value_is_str(find_str(s, "a"), "twenty-two"));
    expect(find_str(s, "a") == it);
    expect_u(store_count(s), ==, 1);

    set_str(s, "b", "2", 0);
    expect_u(store_count(s), ==, 2);
    expect_i(store_delete(s, "a", 1), ==, 1);
    expect_i(store_delete(s, "a", 1), ==, 0);
    expect(find_str(s, "a") == NULL);
    expect(value_is_str(find_str(s, "b"), "2"));
    expect_u(store_count(s), ==, 1);
    expect_u(store_expired_total(s), ==, 0);
    store_destroy(s);
}
END_TEST

START_TEST(test_binary_keys_and_values)
{
    struct store *s = store_create();
    static const char k1[] = {'a', '\0', 'b', '\r', '\n'};
    static const char k2[] = {'a', '\0', 'c', '\r', '\n'};
    static const char v1[] = {'\0', '\r', '\n', '\0', 'x'};
    static const char v2[] = {'\r', '\n'};
    store_set(s, k1, sizeof(k1), v1, sizeof(v1), 0);
    store_set(s, k2, sizeof(k2), v2, sizeof(v2), 0);
    struct item *it = store_find(s, k1, sizeof(k1));
    expect(value_is(it, v1, sizeof(v1)));
    expect_u(item_key_len(it), ==, sizeof(k1));
    expect(memcmp(item_key(it), k1, sizeof(k1)) == 0);
    expect(value_is(store_find(s, k2, sizeof(k2)), v2, sizeof(v2)));
    /* A prefix up to the NUL is a different key. */
    expect(store_find(s, "a", 1) == NULL);
    expect(store_find(s, k1, 2) == NULL);

    /* Empty key and empty value; "" and "\0" differ. */
    store_set(s, "", 0, "", 0, 0);
    it = store_find(s, "", 0);
    expect(it != NULL);
    expect_u(item_key_len(it), ==, 0);
    expect(value_is(it, "", 0));
    expect(store_find(s, "\0", 1) == NULL);
    store_set(s, "\0", 1, "nul", 3, 0);
    expect(value_is(store_find(s, "", 0), "", 0));
    expect(value_is(store_find(s, "\0", 1), "nul", 3));
    expect_u(store_count(s), ==, 4);
    expect_i(store_delete(s, "", 0), ==, 1);
    expect(store_find(s, "", 0) == NULL);
    expect_u(store_count(s), ==, 3);
    store_destroy(s);
}
END_TEST

/* Keys around the one-byte length limit and far past it, with and without an
 * expiry (every combination of the optional header fields). */
START_TEST(test_long_keys)
{
    static const size_t lens[] = {254, 255, 256, 1000, 70000};
    struct store *s = store_create();
    char *key = malloc(70000);
    for (size_t j = 0; j < 70000; j++)
        key[j] = (char)(j * 7 + 3);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        for (int with_exp = 0; with_exp < 2; with_exp++) {
            int64_t exp = with_exp ? T0_MS + 5000 : 0;
            key[0] = (char)with_exp;
            struct item *it = store_set(s, key, lens[i], "val", 3, exp);
            expect_u(item_key_len(it), ==, lens[i]);
            expect(memcmp(item_key(it), key, lens[i]) == 0);
            expect_i(item_expire_ms(it), ==, exp);
            expect(value_is(it, "val", 3));
        }
    }
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        for (int with_exp = 0; with_exp < 2; with_exp++) {
            key[0] = (char)with_exp;
            struct item *it = store_find(s, key, lens[i]);
            expect(it != NULL);
            expect_u(item_key_len(it), ==, lens[i]);
            expect_i(item_expire_ms(it), ==, with_exp ? T0_MS + 5000 : 0);
            /* One byte shorter is another key (stored or not). */
            struct item *shorter = store_find(s, key, lens[i] - 1);
            expect(shorter != it);
            if (shorter)
                expect_u(item_key_len(shorter), ==, lens[i] - 1);
        }
    }
    expect_u(store_count(s), ==, 10);
    expect_u(store_expires_count(s), ==, 5);
    key[0] = 1;
    expect_i(store_delete(s, key, 70000), ==, 1);
    expect(store_find(s, key, 70000) == NULL);
    expect_u(store_expires_count(s), ==, 4);
    free(key);
    store_destroy(s);
}
END_TEST

START_TEST(test_large_value)
{
    const size_t big = 16u << 20; /* 16 MiB */
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    char *v = malloc(big);
    for (size_t i = 0; i < big; i++)
        v[i] = (char)(i * 31 + (i >> 13));
    struct item *it = store_set(s, "big", 3, v, big, 0);
    expect(value_is(it, v, big));
    expect_u(store_memory(s), >=, m0 + big);
    it = store_set_expire(s, find_str(s, "big"), T0_MS + 10);
    expect(value_is(it, v, big));
    expect_i(item_expire_ms(it), ==, T0_MS + 10);
    it = store_set_value(s, it, "small", 5);
    expect(value_is_str(find_str(s, "big"), "small"));
    expect_i(item_expire_ms(it), ==, T0_MS + 10);
    expect_u(data_memory(s), <, m0 + 4096);
    it = store_set_value(s, it, v, big);
    expect(value_is(find_str(s, "big"), v, big));
    expect_i(store_delete(s, "big", 3), ==, 1);
    expect_u(store_memory(s), ==, m0);
    free(v);
    store_destroy(s);
}
END_TEST

/* Every width of the value-length field (1, 2, 4 bytes) and its edges,
 * short and long keys, with and without an expiry; values changed across
 * the widths in both directions keep key, expiry and neighbours intact. */
START_TEST(test_item_layout)
{
    static const size_t vlens[] = {0, 1, 254, 255, 256, 65535, 65536, 65537, 1u << 20,
                                   16u << 20};
    static const size_t klens[] = {0, 1, 11, 254, 255, 300};
    const size_t nv = sizeof(vlens) / sizeof(vlens[0]), nk = sizeof(klens) / sizeof(klens[0]);
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    /* Values are taken at small offsets into v: room for them past 16 MiB. */
    unsigned char *v = malloc((16u << 20) + 16);
    char key[300];
    for (size_t i = 0; i < (16u << 20) + 16; i++)
        v[i] = (unsigned char)(i * 131 + (i >> 11));
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (char)(i * 7);
    /* Key k (length klens[k]) starts with byte k, so each is distinct. */
    for (size_t k = 0; k < nk; k++) {
        if (klens[k])
            key[0] = (char)k;
        int64_t exp = k % 2 ? T0_MS + 1000 + (int64_t)k : 0;
        for (size_t j = 0; j < nv; j++) {
            struct item *it = store_set(s, key, klens[k], v + j, vlens[j], exp);
            expect(value_is(it, v + j, vlens[j]));
            expect_u(item_key_len(it), ==, klens[k]);
            expect(memcmp(item_key(it), key, klens[k]) == 0);
            expect_i(item_expire_ms(it), ==, exp);
        }
        /* Down and up again through every width with set_value. */
        struct item *it = store_find(s, key, klens[k]);
        for (size_t j = nv; j-- > 0;) {
            it = store_set_value(s, it, v + 1, vlens[j]);
            expect(value_is(it, v + 1, vlens[j]));
            expect_i(item_expire_ms(it), ==, exp);
            expect(store_find(s, key, klens[k]) == it);
        }
        for (size_t j = 0; j < nv; j++) {
            it = store_set_value(s, it, v + 2, vlens[j]);
            expect(value_is(it, v + 2, vlens[j]));
            expect(memcmp(item_key(it), key, klens[k]) == 0);
        }
        it = store_set_value(s, it, v, 100);
    }
    for (size_t k = 0; k < nk; k++) {
        if (klens[k])
            key[0] = (char)k;
        struct item *it = store_find(s, key, klens[k]);
        expect(value_is(it, v, 100));
        expect_i(item_expire_ms(it), ==, k % 2 ? T0_MS + 1000 + (int64_t)k : 0);
    }
    expect_u(store_count(s), ==, nk);
    expect_u(store_expires_count(s), ==, nk / 2);
    for (size_t k = 0; k < nk; k++) {
        if (klens[k])
            key[0] = (char)k;
        expect_i(store_delete(s, key, klens[k]), ==, 1);
    }
    /* Only the (grown) bucket array is left. */
    expect_u(store_memory(s), <=, m0 + 16 * sizeof(void *));
    free(v);
    store_destroy(s);
}
END_TEST

/* ---- expiry ------------------------------------------------------------- */

START_TEST(test_expiry_at_due_time)
{
    struct store *s = store_create();
    struct item *it = set_str(s, "k", "v", T0_MS + 1000);
    expect_i(item_expire_ms(it), ==, T0_MS + 1000);
    set_str(s, "forever", "v", 0);
    expect_u(store_expires_count(s), ==, 1);

    clock_set_ms(T0_MS + 999);
    expect(value_is_str(find_str(s, "k"), "v"));
    expect_u(store_expired_total(s), ==, 0);
    clock_set_ms(T0_MS + 1000);
    expect_u(store_count(s), ==, 2); /* not yet removed */
    expect(find_str(s, "k") == NULL);
    expect_u(store_expired_total(s), ==, 1);
    expect_u(store_count(s), ==, 1);
    expect_u(store_expires_count(s), ==, 0);
    expect(find_str(s, "k") == NULL);
    expect_u(store_expired_total(s), ==, 1);

    /* DEL of an expired key: not there (0), but removed as expired. */
    set_str(s, "d", "v", T0_MS + 1001);
    clock_set_ms(T0_MS + 1001);
    expect_i(store_delete(s, "d", 1), ==, 0);
    expect_u(store_expired_total(s), ==, 2);
    expect_u(store_count(s), ==, 1);

    /* SET over an expired key counts the old one as expired. */
    set_str(s, "o", "old", T0_MS + 1002);
    clock_set_ms(T0_MS + 5000);
    set_str(s, "o", "new", 0);
    expect_u(store_expired_total(s), ==, 3);
    expect(value_is_str(find_str(s, "o"), "new"));
    expect_u(store_count(s), ==, 2);
    expect_u(store_expires_count(s), ==, 0);
    expect(value_is_str(find_str(s, "forever"), "v"));
    store_destroy(s);
}
END_TEST

START_TEST(test_set_expire)
{
    struct store *s = store_create();
    char key[32];
    /* Enough keys that chains and the second table are exercised. */
    for (long i = 0; i < 3000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "k", i), key, 8, 0);

    for (long i = 0; i < 3000; i++) {
        size_t n = fmt_key(key, sizeof(key), "k", i);
        struct item *it = store_find(s, key, n);
        expect(it != NULL);
        it = store_set_expire(s, it, T0_MS + 100 + i);
        expect_i(item_expire_ms(it), ==, T0_MS + 100 + i);
        expect_u(item_key_len(it), ==, n);
        expect(memcmp(item_key(it), key, n) == 0);
        expect(value_is(it, key, 8));
        expect(store_find(s, key, n) == it);
    }
    expect_u(store_expires_count(s), ==, 3000);
    expect_u(store_count(s), ==, 3000);

    /* Change in place. */
    for (long i = 0; i < 3000; i += 2) {
        size_t n = fmt_key(key, sizeof(key), "k", i);
        struct item *it = store_find(s, key, n);
        expect(store_set_expire(s, it, T0_MS + 100000) == it);
        expect_i(item_expire_ms(store_find(s, key, n)), ==, T0_MS + 100000);
    }
    /* Remove from the others. */
    for (long i = 1; i < 3000; i += 2) {
        size_t n = fmt_key(key, sizeof(key), "k", i);
        struct item *it = store_set_expire(s, store_find(s, key, n), 0);
        expect_i(item_expire_ms(it), ==, 0);
        expect(value_is(it, key, 8));
    }
    expect_u(store_expires_count(s), ==, 1500);

    /* Odd keys never expire now, even keys are due at +100000. */
    clock_set_ms(T0_MS + 50000);
    for (long i = 0; i < 3000; i++)
        expect(store_find(s, key, fmt_key(key, sizeof(key), "k", i)) != NULL);
    clock_set_ms(T0_MS + 100000);
    for (long i = 0; i < 3000; i++) {
        struct item *it = store_find(s, key, fmt_key(key, sizeof(key), "k", i));
        expect(i % 2 ? it != NULL : it == NULL);
    }
    expect_u(store_count(s), ==, 1500);
    expect_u(store_expires_count(s), ==, 0);
    expect_u(store_expired_total(s), ==, 1500);
    store_destroy(s);
}
END_TEST

/* avg_ttl: exact mean of the remaining TTLs, kept through every way an
 * expiry enters, changes or leaves the store. */
START_TEST(test_avg_ttl)
{
    struct store *s = store_create();
    expect_i(store_avg_ttl_ms(s), ==, 0);
    set_str(s, "p", "v", 0);
    expect_i(store_avg_ttl_ms(s), ==, 0);
    set_str(s, "a", "v", T0_MS + 1000);
    expect_i(store_avg_ttl_ms(s), ==, 1000);
    set_str(s, "b", "v", T0_MS + 3000);
    expect_i(store_avg_ttl_ms(s), ==, 2000);
    clock_set_ms(T0_MS + 500);
    expect_i(store_avg_ttl_ms(s), ==, 1500);

    /* Change in place, add one, remove one, overwrite, value change. */
    struct item *it = store_set_expire(s, find_str(s, "a"), T0_MS + 5500);
    expect_i(store_avg_ttl_ms(s), ==, (5000 + 2500) / 2);
    store_set_expire(s, find_str(s, "p"), T0_MS + 2000);
    expect_i(store_avg_ttl_ms(s), ==, (5000 + 2500 + 1500) / 3);
    store_set_expire(s, find_str(s, "p"), 0);
    expect_i(store_avg_ttl_ms(s), ==, (5000 + 2500) / 2);
    set_str(s, "b", "w", 0);
    expect_i(store_avg_ttl_ms(s), ==, 5000);
    it = store_set_value(s, find_str(s, "a"), "a longer value", 14);
    expect_i(item_expire_ms(it), ==, T0_MS + 5500);
    expect_i(store_avg_ttl_ms(s), ==, 5000);
    set_str(s, "b", "x", T0_MS + 1500);
    expect_i(store_avg_ttl_ms(s), ==, (5000 + 1000) / 2);
    expect_u(store_expires_count(s), ==, 2);

    /* Expiry by lookup, by the sweep, delete; a mean in the past is 0. */
    clock_set_ms(T0_MS + 1500);
    expect_i(store_avg_ttl_ms(s), ==, (4000 + 0) / 2);
    expect(find_str(s, "b") == NULL);
    expect_i(store_avg_ttl_ms(s), ==, 4000);
    expect_u(store_expires_count(s), ==, 1);
    expect_u(store_expired_total(s), ==, 1);
    clock_set_ms(T0_MS + 9000);
    expect_i(store_avg_ttl_ms(s), ==, 0);
    int more;
    expect_u(store_expire_step(s, 1000000, &more), ==, 1);
    expect_u(store_expired_total(s), ==, 2);
    expect_u(store_expires_count(s), ==, 0);
    expect_i(store_avg_ttl_ms(s), ==, 0);
    set_str(s, "c", "v", T0_MS + 10000);
    expect_i(store_delete(s, "c", 1), ==, 1);
    expect_i(store_avg_ttl_ms(s), ==, 0);

    /* Many keys far in the future: no overflow, exact mean. */
    char key[32];
    const int64_t far = INT64_C(4000000000000000); /* year ~128,000 */
    for (long i = 0; i < 10000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "f", i), "v", 1, far + i);
    expect_i(store_avg_ttl_ms(s), ==, far + 4999 - (T0_MS + 9000)); /* mean of i: 4999.5 */
    set_str(s, "g", "v", T0_MS + 10000);
    store_flush(s);
    expect_i(store_avg_ttl_ms(s), ==, 0);
    expect_u(store_expires_count(s), ==, 0);
    set_str(s, "h", "v", T0_MS + 9100);
    expect_i(store_avg_ttl_ms(s), ==, 100);
    store_destroy(s);
}
END_TEST

/* Only keys with an expiry carry its 8 bytes: adding one grows the item,
 * removing it shrinks the item again. Whatever the allocator's size
 * classes, some value length puts the item just below a class boundary, so
 * the 8 bytes show in the block size for at least one of 16 lengths (the
 * allocator may round a block up, never down: never larger without). */
START_TEST(test_expiry_field_density)
{
    static const char val[] = "0123456789abcdef0123456789abcdef";
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    int grew = 0;
    for (size_t vlen = 16; vlen < 32; vlen++) {
        struct item *it = store_set(s, "dens-key", 8, val, vlen, 0);
        size_t plain = store_memory(s) - m0;
        it = store_set_expire(s, it, T0_MS + 1000);
        size_t with_exp = data_memory(s) - m0;
        expect_u(plain, <=, with_exp);
        grew |= plain < with_exp;
        it = store_set_expire(s, it, 0);
        expect_u(store_memory(s) - m0, ==, plain);
        expect(value_is(it, val, vlen));
        expect(memcmp(item_key(it), "dens-key", 8) == 0);
        expect_i(item_expire_ms(it), ==, 0);
        expect_u(store_expires_count(s), ==, 0);
    }
    expect(grew);
    /* A typical cache entry (11-byte key, 32-byte value, TTL) fits in one
     * 64-byte block: header 10 + value length 1 + expiry 8 + key 11 +
     * value 32 + NUL 1 = 63. */
    size_t before = data_memory(s);
    store_set(s, "user:123456", 11, val, 32, T0_MS + 60000);
    /* jemalloc's size class is exactly 64; glibc adds an 8-byte header. */
    size_t cap = strncmp(mem_allocator(), "jemalloc", 8) == 0 ? 64 : 72;
    expect_u(data_memory(s) - before, <=, cap);
    store_destroy(s);
}
END_TEST

START_TEST(test_set_value)
{
    struct store *s = store_create();
    char key[32];
    for (long i = 0; i < 500; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "k", i), "abc", 3, i % 2 ? T0_MS + 50 : 0);
    char big[1000];
    memset(big, 'z', sizeof(big));
    for (long i = 0; i < 500; i++) {
        size_t n = fmt_key(key, sizeof(key), "k", i);
        struct item *it = store_find(s, key, n);
        it = store_set_value(s, it, big, sizeof(big) - (size_t)i);
        expect(value_is(it, big, sizeof(big) - (size_t)i));
        expect(memcmp(item_key(it), key, n) == 0);
        expect_i(item_expire_ms(it), ==, i % 2 ? T0_MS + 50 : 0);
        expect(store_find(s, key, n) == it);
    }
    for (long i = 0; i < 500; i++) {
        size_t n = fmt_key(key, sizeof(key), "k", i);
        expect(value_is(store_find(s, key, n), big, sizeof(big) - (size_t)i));
    }
    /* Shrink, and a value taken from the item itself (as SETRANGE/GETRANGE
     * style callers may pass). */
    struct item *it = set_str(s, "self", "hello world", 0);
    it = store_set_value(s, it, item_value(it) + 6, 5);
    expect(value_is_str(it, "world"));
    it = store_set_value(s, it, item_value(it), 3);
    expect(value_is_str(find_str(s, "self"), "wor"));
    it = store_set_value(s, it, "", 0);
    expect(value_is_str(find_str(s, "self"), ""));
    expect_u(store_count(s), ==, 501);
    expect_u(store_expires_count(s), ==, 250);
    store_destroy(s);
}
END_TEST

/* ---- resize ------------------------------------------------------------- */

static void check_all_present(struct store *s, long from, long to, long stride)
{
    char key[32];
    for (long i = from; i < to; i += stride) {
        size_t n = fmt_key(key, sizeof(key), "key:", i);
        struct item *it = store_find(s, key, n);
        expect_msg(it != NULL, "key %ld missing", i);
        expect(value_is(it, key, n));
    }
}

START_TEST(test_resize_under_load)
{
    const long n = 1000000;
    struct store *s = store_create();
    char key[32];
    for (long i = 0; i < n; i++) {
        size_t kl = fmt_key(key, sizeof(key), "key:", i);
        store_set(s, key, kl, key, kl, 0);
        expect_u(store_count(s), ==, (size_t)i + 1);
        if (i % 3 == 0) {
            kl = fmt_key(key, sizeof(key), "key:", i / 2);
            expect(value_is(store_find(s, key, kl), key, kl));
            kl = fmt_key(key, sizeof(key), "key:", i + 1);
            expect(store_find(s, key, kl) == NULL);
        }
        if (i == n / 4 || i == n / 2 || i == 3 * n / 4)
            check_all_present(s, 0, i + 1, 1);
    }
    check_all_present(s, 0, n, 1);
    size_t peak = store_memory(s);

    /* Delete all but every 100th key: the table shrinks, step by step. */
    size_t left = (size_t)n;
    for (long i = 0; i < n; i++) {
        if (i % 100 == 0)
            continue;
        size_t kl = fmt_key(key, sizeof(key), "key:", i);
        expect_i(store_delete(s, key, kl), ==, 1);
        expect_u(store_count(s), ==, --left);
        if (i % 7 == 0) {
            expect(store_find(s, key, kl) == NULL);
            kl = fmt_key(key, sizeof(key), "key:", (i / 100) * 100);
            expect(store_find(s, key, kl) != NULL);
        }
        if (i % 250001 == 0)
            check_all_present(s, 0, n, 100);
    }
    int busy = 1;
    for (int i = 0; i < 1000 && busy; i++)
        busy = store_rehash_step(s, 1000);
    expect_i(busy, ==, 0); /* shrunk, and the old arrays given back */
    expect_i(store_rehash_step(s, 0), ==, 0);
    check_all_present(s, 0, n, 100);
    expect_u(store_count(s), ==, 10000);
    /* 10,000 small items and a table sized for them. */
    expect_u(store_memory(s), <, peak / 50);
    expect_u(store_memory(s), <, 10000 * 48 + 16384 * 8 + 4096);
    store_destroy(s);
}
END_TEST

/* ---- randomized against a reference model ------------------------------ */

#define MODEL_KEYS 4000
#define MODEL_VMAX 40

struct model_entry {
    int present;
    int64_t expire_ms; /* 0 = none */
    size_t vlen;
    char value[MODEL_VMAX];
};

struct model {
    struct model_entry e[MODEL_KEYS];
    int64_t now_ms;
    uint64_t created; /* sets that created a key (no live key before) */
    uint64_t deleted; /* successful deletes */
    uint64_t rng;
};

static uint64_t model_rand(struct model *m)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng;
}

static int model_live(const struct model *m, int id)
{
    const struct model_entry *e = &m->e[id];
    return e->present && (e->expire_ms == 0 || e->expire_ms > m->now_ms);
}

/* Key of id: binary (may hold NUL bytes), a few of them long. */
static size_t model_key(int id, char *buf)
{
    size_t n = id % 97 == 0 ? 300 : 5;
    memset(buf, 'x', n);
    buf[0] = 'k';
    memcpy(buf + 1, &id, sizeof(id));
    return n;
}

static void model_fill_value(struct model *m, struct model_entry *e)
{
    e->vlen = (size_t)(model_rand(m) % MODEL_VMAX);
    for (size_t i = 0; i < e->vlen; i++)
        e->value[i] = (char)model_rand(m);
}

static int64_t model_pick_expire(struct model *m)
{
    return model_rand(m) % 2 ? 0 : m->now_ms + 1 + (int64_t)(model_rand(m) % 2000);
}

static void model_check_key(struct store *s, struct model *m, int id)
{
    char key[300];
    size_t kl = model_key(id, key);
    struct item *it = store_find(s, key, kl);
    if (!model_live(m, id)) {
        expect(it == NULL);
        return;
    }
    expect(it != NULL);
    expect(value_is(it, m->e[id].value, m->e[id].vlen));
    expect_i(item_expire_ms(it), ==, m->e[id].expire_ms);
}

static void model_op_set(struct store *s, struct model *m, int id)
{
    char key[300];
    size_t kl = model_key(id, key);
    struct model_entry *e = &m->e[id];
    if (!model_live(m, id))
        m->created++;
    e->present = 1;
    e->expire_ms = model_pick_expire(m);
    model_fill_value(m, e);
    struct item *it = store_set(s, key, kl, e->value, e->vlen, e->expire_ms);
    expect(value_is(it, e->value, e->vlen));
}

static void model_op_delete(struct store *s, struct model *m, int id)
{
    char key[300];
    size_t kl = model_key(id, key);
    int live = model_live(m, id);
    expect_i(store_delete(s, key, kl), ==, live);
    m->deleted += (uint64_t)live;
    m->e[id].present = 0;
}

/* SETEXPIRE / SETVALUE style updates on a found item. */
static void model_op_update(struct store *s, struct model *m, int id, int value_too)
{
    char key[300];
    size_t kl = model_key(id, key);
    struct item *it = store_find(s, key, kl);
    if (!model_live(m, id)) {
        expect(it == NULL);
        m->e[id].present = 0;
        return;
    }
    expect(it != NULL);
    struct model_entry *e = &m->e[id];
    if (value_too) {
        model_fill_value(m, e);
        it = store_set_value(s, it, e->value, e->vlen);
    } else {
        e->expire_ms = model_pick_expire(m);
        it = store_set_expire(s, it, e->expire_ms);
    }
    expect(store_find(s, key, kl) == it);
}

static size_t model_live_count(const struct model *m, int with_expiry_only)
{
    size_t n = 0;
    for (int id = 0; id < MODEL_KEYS; id++)
        if (model_live(m, id) && (!with_expiry_only || m->e[id].expire_ms))
            n++;
    return n;
}

struct scan_seen {
    unsigned char *seen; /* per model id */
    size_t calls;
};

static void scan_record_model(void *ctx, const struct item *it)
{
    struct scan_seen *ss = ctx;
    int id;
    expect_u(item_key_len(it), >=, 5);
    memcpy(&id, item_key(it) + 1, sizeof(id));
    expect(id >= 0 && id < MODEL_KEYS);
    ss->seen[id] = 1;
    ss->calls++;
}

/* After a full active-expiry pass the store holds exactly the live keys. */
static void model_check_full(struct store *s, struct model *m)
{
    int more = 1;
    store_expire_step(s, INT64_C(1000000000), &more);
    expect_i(more, ==, 0);
    expect_u(store_count(s), ==, model_live_count(m, 0));
    expect_u(store_expires_count(s), ==, model_live_count(m, 1));

    unsigned char seen[MODEL_KEYS] = {0};
    struct scan_seen ss = {.seen = seen, .calls = 0};
    uint64_t cur = 0;
    do
        cur = store_scan(s, cur, 7, scan_record_model, &ss);
    while (cur != 0);
    expect_u(ss.calls, ==, store_count(s)); /* no resize: each once */
    for (int id = 0; id < MODEL_KEYS; id++) {
        expect_i(seen[id], ==, model_live(m, id));
        model_check_key(s, m, id);
    }
}

START_TEST(test_randomized_against_model)
{
    struct model *m = calloc(1, sizeof(*m));
    m->now_ms = T0_MS;
    m->rng = 0x1234567u + (uint64_t)_i;
    struct store *s = store_create();

    for (long op = 0; op < 200000; op++) {
        /* Alternate phases of growth and shrinkage to force resizes. */
        int growing = (op / 25000) % 2 == 0;
        int span = growing ? MODEL_KEYS : MODEL_KEYS / 8 + 1;
        int id = (int)(model_rand(m) % (uint64_t)span);
        unsigned r = (unsigned)(model_rand(m) % 100);
        if (!growing && r < 45)
            id = (int)(model_rand(m) % MODEL_KEYS);
        unsigned set_pct = growing ? 40 : 5;

        if (r < set_pct) {
            model_op_set(s, m, id);
        } else if (r < 45) {
            model_op_delete(s, m, id);
        } else if (r < 75) {
            model_check_key(s, m, id);
        } else if (r < 80) {
            model_op_update(s, m, id, 0);
        } else if (r < 84) {
            model_op_update(s, m, id, 1);
        } else if (r < 92) {
            m->now_ms += (int64_t)(model_rand(m) % 200);
            clock_set_ms(m->now_ms);
        } else if (r < 95) {
            int more;
            store_expire_step(s, 0, &more);
        } else if (r < 98) {
            store_rehash_step(s, 0);
        } else {
            struct item *it = store_random(s);
            if (it) {
                int rid;
                memcpy(&rid, item_key(it) + 1, sizeof(rid));
                expect(model_live(m, rid));
            } else {
                expect_u(model_live_count(m, 0), ==, 0);
            }
        }
        /* Items stored = created - deleted - expired, whoever removed them. */
        expect_u(store_count(s), ==, m->created - m->deleted - store_expired_total(s));
        expect_u(store_expires_count(s), >=, 0);
        if (op % 10000 == 9999)
            model_check_full(s, m);
    }
    model_check_full(s, m);
    store_destroy(s);
    free(m);
}
END_TEST

/* ---- active expiry ------------------------------------------------------ */

START_TEST(test_active_expiry_small_steps)
{
    const long n = 20000;
    struct store *s = store_create();
    char key[32];
    for (long i = 0; i < n; i++) {
        int64_t exp = i % 4 == 0 ? 0 : i % 4 == 1 ? T0_MS + 200 : T0_MS + 100;
        size_t kl = fmt_key(key, sizeof(key), "key:", i);
        store_set(s, key, kl, key, kl, exp);
    }
    expect_u(store_expires_count(s), ==, (size_t)(n / 4 * 3));
    int more = 0;
    expect_u(store_expire_step(s, 1000000, &more), ==, 0);
    expect_i(more, ==, 0);

    /* Half are due: remove them with zero-budget steps (64 buckets each),
     * with inserts and deletes between steps that resize the table. */
    clock_set_ms(T0_MS + 100);
    long extra = 0;
    size_t removed = 0;
    for (int step = 0; step < 100000 && removed < (size_t)n / 2; step++) {
        removed += store_expire_step(s, 0, &more);
        expect_u(store_count(s), >=, (size_t)(n / 2) + (size_t)extra);
        if (step % 50 < 25) {
            for (int j = 0; j < 40; j++, extra++) {
                size_t kl = fmt_key(key, sizeof(key), "extra:", extra);
                store_set(s, key, kl, "x", 1, 0);
            }
        } else {
            for (int j = 0; j < 40 && extra > 0; j++) {
                size_t kl = fmt_key(key, sizeof(key), "extra:", --extra);
                expect_i(store_delete(s, key, kl), ==, 1);
            }
        }
        store_rehash_step(s, 0);
    }
    expect_u(removed, ==, (size_t)n / 2);
    expect_u(store_expired_total(s), ==, (size_t)n / 2);
    expect_u(store_count(s), ==, (size_t)(n / 2) + (size_t)extra);
    expect_u(store_expires_count(s), ==, (size_t)n / 4);
    for (long i = 0; i < n; i++) {
        struct item *it = store_find(s, key, fmt_key(key, sizeof(key), "key:", i));
        expect(i % 4 < 2 ? it != NULL : it == NULL);
    }

    /* A single call with a generous budget finishes the rest. */
    clock_set_ms(T0_MS + 200);
    expect_u(store_expire_step(s, 1000000, &more), ==, (size_t)n / 4);
    expect_i(more, ==, 0);
    expect_u(store_expires_count(s), ==, 0);
    expect_u(store_count(s), ==, (size_t)(n / 4) + (size_t)extra);
    store_destroy(s);
}
END_TEST

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_active_expiry_million)
{
    const long n = 1000000;
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    char key[32];
    for (long i = 0; i < n; i++) {
        size_t kl = fmt_key(key, sizeof(key), "key:", i);
        store_set(s, key, kl, "0123456789abcdef0123456789abcdef", 32, T0_MS + 10 + i % 1000);
    }
    clock_set_ms(T0_MS + 2000);
    double t = cpu_seconds();
    size_t removed = 0;
    int more = 1, calls = 0;
    while (store_count(s) > 0 && calls < 100000) {
        removed += store_expire_step(s, 1000, &more); /* 1 ms per call */
        store_rehash_step(s, 1000);
        calls++;
    }
    t = cpu_seconds() - t;
    fprintf(stderr, "expired %zu items in %d steps, %.3f s CPU\n", removed, calls, t);
    expect_u(removed, ==, (size_t)n);
    expect_u(store_count(s), ==, 0);
    expect_u(store_expired_total(s), ==, (uint64_t)n);
    if (!UNDER_SANITIZER)
        expect_msg(t < 1.0, "active expiry of 1M items took %.3f s CPU", t);
    for (int i = 0; i < 100; i++)
        store_rehash_step(s, 100000);
    expect_u(store_memory(s), ==, m0);
    store_destroy(s);
}
END_TEST

/* The expiry index through the store: keys with TTLs from 1 ms to years,
 * changed by SET (with and without a TTL, and with the old one kept, as
 * KEEPTTL does), EXPIRE, PERSIST and value updates, while the clock moves in
 * steps of every size. After each full sweep the store holds exactly the
 * keys not yet due: none went early, none is left behind. */
struct ttl_model {
    int64_t *exp; /* per key: -1 absent, 0 no TTL, else the expiry */
    long n;
    uint64_t rng;
};

static uint64_t ttl_rand(struct ttl_model *m)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng;
}

static int64_t ttl_pick(struct ttl_model *m, int64_t now)
{
    unsigned bits = (unsigned)(ttl_rand(m) % 37);
    return now + 1 + (int64_t)(ttl_rand(m) % (UINT64_C(1) << bits));
}

static size_t ttl_live(const struct ttl_model *m, int64_t now)
{
    size_t n = 0;
    for (long i = 0; i < m->n; i++)
        n += m->exp[i] == 0 || m->exp[i] > now;
    return n;
}

static void ttl_op(struct store *s, struct ttl_model *m, int64_t now)
{
    char key[32];
    long i = (long)(ttl_rand(m) % (uint64_t)m->n);
    size_t kl = fmt_key(key, sizeof(key), "t:", i);
    int live = m->exp[i] == 0 || m->exp[i] > now;
    struct item *it = store_find(s, key, kl);
    expect(live && m->exp[i] >= 0 ? it != NULL : it == NULL);
    if (!it)
        m->exp[i] = -1;
    unsigned r = (unsigned)(ttl_rand(m) % 8);
    if (r < 3 || !it) { /* SET, with a TTL two times in three */
        m->exp[i] = ttl_rand(m) % 3 ? ttl_pick(m, now) : 0;
        store_set(s, key, kl, "v", 1, m->exp[i]);
    } else if (r == 3) { /* SET ... KEEPTTL */
        store_set(s, key, kl, "kept", 4, item_expire_ms(it));
    } else if (r == 4) { /* EXPIRE: later or earlier */
        m->exp[i] = ttl_pick(m, now);
        store_set_expire(s, it, m->exp[i]);
    } else if (r == 5) { /* PERSIST */
        m->exp[i] = 0;
        store_set_expire(s, it, 0);
    } else if (r == 6) { /* APPEND-style value change keeps the TTL */
        store_set_value(s, it, "a longer value", 14);
    } else {
        expect_i(store_delete(s, key, kl), ==, 1);
        m->exp[i] = -1;
    }
}

START_TEST(test_expiry_index_exact)
{
    struct ttl_model m = {.n = 20000, .rng = 0xfeedu + (uint64_t)_i};
    m.exp = malloc(sizeof(int64_t) * (size_t)m.n);
    struct store *s = store_create();
    char key[32];
    int64_t now = T0_MS;
    for (long i = 0; i < m.n; i++) {
        m.exp[i] = ttl_pick(&m, now);
        store_set(s, key, fmt_key(key, sizeof(key), "t:", i), "v", 1, m.exp[i]);
    }
    for (int step = 0; step < 400; step++) {
        for (int j = 0; j < 200; j++)
            ttl_op(s, &m, now);
        unsigned r = (unsigned)(ttl_rand(&m) % 10);
        now += r < 6 ? (int64_t)(ttl_rand(&m) % 100)
                     : r < 9 ? (int64_t)(ttl_rand(&m) % 100000)
                             : (int64_t)(ttl_rand(&m) % (UINT64_C(1) << 34));
        clock_set_ms(now);
        int more = 1;
        store_expire_step(s, INT64_C(1000000000), &more);
        expect_i(more, ==, 0);
        expect_u(store_count(s), ==, ttl_live(&m, now));
    }
    free(m.exp);
    store_destroy(s);
}
END_TEST

/* The sweep's work follows the keys that expire: 1,000 keys due among
 * 200,000 with a long TTL cost about 1,000 index entries, and are all gone
 * within one tick of their expiry. */
START_TEST(test_sweep_cost_follows_expiring)
{
    struct store *s = store_create();
    char key[32];
    for (long i = 0; i < 200000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "long:", i), "v", 1, T0_MS + 3600000);
    for (long i = 0; i < 1000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "short:", i), "v", 1, T0_MS + 1000);
    int more;
    store_expire_step(s, 1000000, &more);
    struct store_sweep_stats before, after;
    store_sweep_stats(s, &before);
    expect_u(before.index_entries, ==, 201000);
    for (int64_t t = 100; t <= 1100; t += 100) {
        clock_set_ms(T0_MS + t);
        store_expire_step(s, 1000000, &more);
        expect_i(more, ==, 0);
    }
    store_sweep_stats(s, &after);
    expect_u(store_count(s), ==, 200000);
    expect_u(store_expired_total(s), ==, 1000);
    expect_u(after.processed - before.processed, <=, 3000);
    expect_u(after.due_backlog, ==, 0);
    /* About 4 bytes of index per long-TTL key. */
    expect_u(after.index_bytes, <, 200000 * 5 + 32768);
    store_destroy(s);
}
END_TEST

/* A key deleted and written again, or given new TTLs, over and over keeps
 * the index bounded. */
START_TEST(test_index_stays_bounded)
{
    struct store *s = store_create();
    char key[32];
    const long n = 10000;
    struct store_sweep_stats st;
    size_t peak = 0;
    for (int round = 0; round < 40; round++) {
        for (long i = 0; i < n; i++) {
            size_t kl = fmt_key(key, sizeof(key), "b:", i);
            store_delete(s, key, kl);
            store_set(s, key, kl, "v", 1, T0_MS + 86400000 + round * INT64_C(20000000));
            struct item *it = store_find(s, key, kl);
            store_set_expire(s, it, item_expire_ms(it) + 1 + i % 7);
        }
        clock_set_ms(T0_MS + round * 1000);
        int more;
        for (int k = 0; k < 1000 && store_expire_step(s, 1000000, &more) + (size_t)more; k++)
            ;
        store_sweep_stats(s, &st);
        if (st.index_entries > peak)
            peak = st.index_entries;
    }
    expect_u(peak, <=, 4 * (size_t)n + 2 * 65536);
    expect_u(store_count(s), ==, (size_t)n);
    clock_set_ms(T0_MS + 86400000 + 41 * INT64_C(20000000));
    int more;
    store_expire_step(s, INT64_C(1000000000), &more);
    expect_u(store_count(s), ==, 0);
    store_sweep_stats(s, &st);
    expect_u(st.index_entries, ==, 0);
    store_destroy(s);
}
END_TEST

/* ---- scan --------------------------------------------------------------- */

struct scan_count {
    unsigned *hits; /* per base key */
    long base;
};

static void scan_record(void *ctx, const struct item *it)
{
    struct scan_count *sc = ctx;
    char buf[32];
    size_t kl = item_key_len(it);
    if (kl < 5 || memcmp(item_key(it), "base:", 5) != 0)
        return;
    expect_u(kl, <, sizeof(buf));
    memcpy(buf, item_key(it), kl);
    buf[kl] = '\0';
    long id = strtol(buf + 5, NULL, 10);
    expect(id >= 0 && id < sc->base);
    sc->hits[id]++;
}

/* Scan in small calls while churn() changes the table between calls; every
 * base key must be reported. Returns the number of calls. */
static long scan_with_churn(struct store *s, struct scan_count *sc, size_t count,
                            void (*churn)(struct store *, long))
{
    uint64_t cur = 0;
    long calls = 0;
    memset(sc->hits, 0, sizeof(unsigned) * (size_t)sc->base);
    do {
        cur = store_scan(s, cur, count, scan_record, sc);
        if (churn)
            churn(s, calls);
        calls++;
        expect_i(calls, <, 10000000);
    } while (cur != 0);
    for (long i = 0; i < sc->base; i++)
        expect_msg(sc->hits[i] >= 1, "base key %ld not reported", i);
    return calls;
}

/* Grows the keyspace from 3,000 to about 18,000 keys over the first calls,
 * then stops: a scan over a keyspace that grows without end need not end. */
static void churn_grow(struct store *s, long call)
{
    char key[32];
    if (call >= 400)
        return;
    for (long j = 0; j < 37; j++) {
        size_t kl = fmt_key(key, sizeof(key), "grow:", call * 37 + j);
        store_set(s, key, kl, "g", 1, 0);
    }
}

static void churn_shrink(struct store *s, long call)
{
    char key[32];
    for (long j = 0; j < 300; j++) {
        size_t kl = fmt_key(key, sizeof(key), "fill:", call * 300 + j);
        store_delete(s, key, kl);
    }
    if (call % 3 == 0)
        store_rehash_step(s, 0);
}

/* Grow and shrink in waves: both directions while one scan runs. */
static void churn_waves(struct store *s, long call)
{
    char key[32];
    long wave = (call / 40) % 2;
    for (long j = 0; j < 200; j++) {
        size_t kl = fmt_key(key, sizeof(key), "wave:", (call % 40) * 200 + j);
        if (wave == 0)
            store_set(s, key, kl, "w", 1, 0);
        else
            store_delete(s, key, kl);
    }
}

START_TEST(test_scan)
{
    const long base = 3000;
    struct store *s = store_create();
    struct scan_count sc = {.hits = calloc((size_t)base, sizeof(unsigned)), .base = base};
    char key[32];
    for (long i = 0; i < base; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "base:", i), "b", 1, 0);
    for (int i = 0; i < 100; i++)
        store_rehash_step(s, 100000);

    /* Stable table: every key exactly once. */
    scan_with_churn(s, &sc, 10, NULL);
    for (long i = 0; i < base; i++)
        expect_u(sc.hits[i], ==, 1);

    /* Growth (several doublings) during the scan. */
    scan_with_churn(s, &sc, 2, churn_grow);
    expect_u(store_count(s), >, (size_t)base * 4);

    /* Shrink during the scan: many extra keys deleted between calls. */
    for (long i = 0; i < 120000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "fill:", i), "f", 1, 0);
    scan_with_churn(s, &sc, 3, churn_shrink);

    /* Waves of growth and shrinkage. */
    scan_with_churn(s, &sc, 1, churn_waves);
    scan_with_churn(s, &sc, 25, churn_waves);

    /* Expired keys are not reported but removed. */
    for (long i = 0; i < 100; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "gone:", i), "x", 1, T0_MS + 1);
    clock_set_ms(T0_MS + 1);
    size_t before = store_count(s);
    uint64_t exp_before = store_expired_total(s);
    scan_with_churn(s, &sc, 10, NULL);
    expect_u(store_count(s), ==, before - 100);
    expect_u(store_expired_total(s), ==, exp_before + 100);

    free(sc.hits);
    store_destroy(s);
}
END_TEST

/* ---- random ------------------------------------------------------------- */

START_TEST(test_random)
{
    struct store *s = store_create();
    char key[32];
    expect(store_random(s) == NULL);
    set_str(s, "only", "1", 0);
    for (int i = 0; i < 10; i++)
        expect(store_random(s) == find_str(s, "only"));
    expect_i(store_delete(s, "only", 4), ==, 1);
    expect(store_random(s) == NULL);

    /* Ten keys: all come up. */
    for (long i = 0; i < 10; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "r", i), "v", 1, 0);
    unsigned seen = 0;
    for (int i = 0; i < 2000; i++) {
        struct item *it = store_random(s);
        expect(it != NULL);
        seen |= 1u << (item_key(it)[7] - '0');
    }
    expect_u(seen, ==, 0x3ffu);
    store_flush(s);

    /* Many expired keys and one live one: never an expired one, and each
     * call does bounded work; eventually the live one comes back. */
    for (long i = 0; i < 5000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "e", i), "v", 1, T0_MS + 5);
    set_str(s, "live", "1", 0);
    clock_set_ms(T0_MS + 5);
    struct item *got = NULL;
    for (int i = 0; i < 1000 && !got; i++) {
        size_t c = store_count(s);
        got = store_random(s);
        expect_u(c - store_count(s), <=, STORE_RANDOM_MAX_EXPIRED);
    }
    expect(got == find_str(s, "live"));
    expect_i(store_delete(s, "live", 4), ==, 1);

    /* Only expired keys: NULL every time, and the store drains. */
    for (long i = 0; i < 5000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "e", i), "v", 1, T0_MS + 6);
    clock_set_ms(T0_MS + 6);
    for (int i = 0; i < 1000 && store_count(s) > 0; i++)
        expect(store_random(s) == NULL);
    expect_u(store_count(s), ==, 0);
    expect(store_random(s) == NULL);
    store_destroy(s);
}
END_TEST

/* Random picks during a resize, in a table mid-shrink that is very sparse. */
START_TEST(test_random_sparse)
{
    struct store *s = store_create();
    char key[32];
    for (long i = 0; i < 200000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "k", i), "v", 1, 0);
    for (long i = 1; i < 200000; i++)
        store_delete(s, key, fmt_key(key, sizeof(key), "k", i));
    expect_u(store_count(s), ==, 1);
    struct item *it = store_random(s);
    expect(it != NULL);
    expect(memcmp(item_key(it), "k0000000", 8) == 0);
    store_destroy(s);
}
END_TEST

/* ---- memory --------------------------------------------------------------- */

START_TEST(test_memory_and_flush)
{
    size_t used0 = mem_used();
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    expect_u(m0, >, 0);
    char key[32];
    static const char filler[50] = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abc";
    for (long i = 0; i < 100000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "m", i), filler, (size_t)(i % 50),
                  i % 3 ? T0_MS + 1000 : 0);
    expect_u(store_memory(s), >, m0 + 100000 * 16);
    /* Flush in the middle of a resize too: empty at once, memory freed by
     * the lazy-free steps. */
    store_flush(s);
    expect_u(store_lazyfree_pending(s), ==, 100000);
    expect_u(store_count(s), ==, 0);
    drain_lazyfree(s);
    expect_u(store_memory(s), ==, m0);
    expect_u(store_expires_count(s), ==, 0);
    expect(find_str(s, "m0000001") == NULL);
    set_str(s, "after", "flush", 0);
    expect(value_is_str(find_str(s, "after"), "flush"));
    store_flush(s);
    expect_u(store_memory(s), ==, m0);

    /* store_memory tracks the allocator's own count. */
    size_t base = mem_used() - store_memory(s);
    for (long i = 0; i < 20000; i++) {
        size_t kl = fmt_key(key, sizeof(key), "m", i);
        struct item *it = store_set(s, key, kl, key, kl, 0);
        if (i % 5 == 0)
            store_set_expire(s, it, T0_MS + 1);
        if (i % 7 == 0)
            store_set_value(s, store_find(s, key, kl), "a longer value than before", 26);
        expect_u(mem_used() - base, ==, store_memory(s));
    }
    clock_set_ms(T0_MS + 1);
    int more;
    store_expire_step(s, 1000000, &more);
    expect_u(mem_used() - base, ==, store_memory(s));
    store_destroy(s);
    expect_u(mem_used(), ==, used0);
}
END_TEST

/* FLUSHALL of a large keyspace: empty at once, memory freed step by step
 * while the store keeps working; a second flush before the first is done;
 * destroy with frees still pending. */
START_TEST(test_lazy_flush)
{
    size_t used0 = mem_used();
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    char key[32];
    for (long i = 0; i < 300000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "f", i), "value", 5,
                  i % 2 ? T0_MS + 1000 : 0);
    size_t full = store_memory(s);
    store_flush(s);
    expect_u(store_count(s), ==, 0);
    expect_u(store_expires_count(s), ==, 0);
    expect_i(store_avg_ttl_ms(s), ==, 0);
    expect(store_find(s, "f0000001", 8) == NULL);
    expect_u(store_lazyfree_pending(s), ==, 300000);
    expect_u(store_memory(s), <=, full);
    /* New writes meanwhile; each step frees some. */
    size_t prev = store_lazyfree_pending(s);
    for (long i = 0; i < 1000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "f", i), "new", 3, 0);
    int steps = 0;
    size_t mem_prev = store_memory(s);
    while (store_lazyfree_step(s, 0)) {
        size_t now_pending = store_lazyfree_pending(s);
        expect_u(now_pending, <=, prev);
        expect_u(store_memory(s), <=, mem_prev);
        prev = now_pending;
        mem_prev = store_memory(s);
        steps++;
        expect_i(steps, <, 1000000);
    }
    expect_i(steps, >, 10);
    expect_u(store_lazyfree_pending(s), ==, 0);
    expect_u(store_count(s), ==, 1000);
    expect(value_is_str(find_str(s, "f0000999"), "new"));
    /* Flush twice in a row, then destroy before anything is freed. */
    for (long i = 0; i < 50000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "g", i), "v", 1, 0);
    store_flush(s);
    for (long i = 0; i < 50000; i++)
        store_set(s, key, fmt_key(key, sizeof(key), "h", i), "v", 1, T0_MS + 5);
    store_flush(s);
    expect_u(store_lazyfree_pending(s), ==, 101000);
    expect_u(store_memory(s), >, m0);
    store_destroy(s);
    expect_u(mem_used(), ==, used0);
}
END_TEST


/* ---- values of other types ------------------------------------------------ */

static void expect_verified(const struct store *s)
{
    char why[256];
    expect_msg(store_verify(s, 0, why, sizeof why) == 0, "store_verify: %s", why);
}

#define SET_LISTPACK OBJECT_TAG(OBJ_SET, OBJ_ENC_LISTPACK)
#define SET_TABLE OBJECT_TAG(OBJ_SET, OBJ_ENC_HASHTABLE)

/* A table-encoded value: an htab counted in the store, members m0..m(n-1). */
static struct item *set_table_object(struct store *s, const char *key, size_t n,
                                     int64_t expire_ms)
{
    struct htab *h = htab_create(store_account(s));
    char m[32];
    for (size_t i = 0; i < n; i++)
        htab_add(h, m, (size_t)snprintf(m, sizeof m, "m%zu", i), 0);
    return store_set_object(s, key, strlen(key), SET_TABLE, &h, sizeof h, expire_ms);
}

static struct htab *table_of(const struct item *it)
{
    return object_external_ptr(item_payload(it));
}

/* Strings and objects side by side: types, tags, payloads, and an object's
 * payload growing and shrinking in place with its key and expiry kept. */
START_TEST(test_objects_in_items)
{
    size_t used0 = mem_used();
    struct store *s = store_create();
    set_str(s, "str", "value", 0);
    struct item *it = store_set_object(s, "obj", 3, SET_LISTPACK, "abc", 3, T0_MS + 5000);
    expect(item_type(it) == OBJ_SET);
    expect_u(item_tag(it), ==, SET_LISTPACK);
    expect_u(item_payload_len(it), ==, 3);
    expect(memcmp(item_payload(it), "abc", 3) == 0);
    expect_i(item_expire_ms(it), ==, T0_MS + 5000);
    expect(item_type(find_str(s, "str")) == OBJ_STRING);
    expect_u(item_tag(find_str(s, "str")), ==, 0);
    it = store_resize_payload(s, find_str(s, "obj"), 70000);
    expect(memcmp(item_payload(it), "abc", 3) == 0);
    memset(item_payload(it) + 3, 'x', 70000 - 3);
    expect_u(item_payload_len(it), ==, 70000);
    expect_verified(s);
    it = store_resize_payload(s, it, 2);
    expect(memcmp(item_payload(it), "ab", 2) == 0 && item_payload_len(it) == 2);
    expect_i(item_expire_ms(it), ==, T0_MS + 5000);
    /* the expiry can change and go; the value stays an object */
    it = store_set_expire(s, it, 0);
    expect(item_type(it) == OBJ_SET && memcmp(item_payload(it), "ab", 2) == 0);
    it = store_set_expire(s, it, T0_MS + 10);
    expect_u(item_tag(it), ==, SET_LISTPACK);
    expect_u(store_expires_count(s), ==, 1);
    /* a 300-byte key with an expiry, its payload crossing the varint
     * length's 1-to-2-byte boundary both ways */
    char longkey[300];
    memset(longkey, 'L', sizeof longkey);
    struct item *lk = store_set_object(s, longkey, sizeof longkey, SET_LISTPACK, "p", 1,
                                       T0_MS + 7000);
    for (size_t n = 2; n <= 300; n += 37) {
        lk = store_resize_payload(s, lk, n);
        memset(item_payload(lk) + n - 1, (int)n, 1);
        expect_u(item_payload_len(lk), ==, n);
        expect(item_payload(lk)[0] == 'p');
        expect_u(item_key_len(lk), ==, sizeof longkey);
        expect(memcmp(item_key(lk), longkey, sizeof longkey) == 0);
        expect_i(item_expire_ms(lk), ==, T0_MS + 7000);
        expect(store_find(s, longkey, sizeof longkey) == lk);
    }
    lk = store_resize_payload(s, lk, 1);
    expect(item_payload(lk)[0] == 'p' && item_tag(lk) == SET_LISTPACK);
    store_delete(s, longkey, sizeof longkey);
    expect_verified(s);
    /* a string over an object, an object over a string */
    set_str(s, "obj", "now a string", 0);
    expect(item_type(find_str(s, "obj")) == OBJ_STRING);
    store_set_object(s, "str", 3, SET_LISTPACK, "", 0, 0);
    expect(item_type(find_str(s, "str")) == OBJ_SET);
    expect_u(store_count(s), ==, 2);
    expect_u(store_expires_count(s), ==, 0);
    expect_verified(s);
    store_destroy(s);
    expect_u(mem_used(), ==, used0);
}
END_TEST

/* A table-encoded value is owned by its item: its bytes are in
 * store_memory while it changes, it goes when the key is overwritten,
 * deleted or expires, and another encoding replacing it frees it. */
START_TEST(test_table_values_owned)
{
    size_t used0 = mem_used();
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    struct item *it = set_table_object(s, "set", 100, 0);
    expect_verified(s);
    htab_add(table_of(it), "more", 4, 0);
    expect_verified(s);
    set_str(s, "set", "x", 0); /* overwritten: the table goes */
    expect_verified(s);
    set_table_object(s, "set", 10, T0_MS + 100);
    it = store_replace_payload(s, find_str(s, "set"), SET_LISTPACK, "m0", 2);
    expect_i(item_expire_ms(it), ==, T0_MS + 100);
    expect_verified(s);
    set_table_object(s, "set", 10, T0_MS + 100);
    clock_set_ms(T0_MS + 100);
    expect(find_str(s, "set") == NULL); /* expired with its table */
    expect_verified(s);
    set_table_object(s, "set", 10, 0);
    expect_i(store_delete(s, "set", 3), ==, 1);
    expect_u(store_memory(s), ==, m0);
    expect_verified(s);
    store_destroy(s);
    expect_u(mem_used(), ==, used0);
}
END_TEST

/* RENAME and MOVE: the value, its table and expiry go to the new key (in
 * the same or another store), the table counted where it now lives. */
START_TEST(test_move_values)
{
    size_t used0 = mem_used();
    struct store *a = store_create(), *b = store_create();
    size_t a0 = store_memory(a), b0 = store_memory(b);
    struct item *it = set_table_object(a, "src", 500, T0_MS + 9000);
    set_str(a, "dst", "old", 0);
    it = store_move(a, it, a, "dst", 3);
    expect(it && item_type(it) == OBJ_SET && htab_count(table_of(it)) == 500);
    expect_i(item_expire_ms(it), ==, T0_MS + 9000);
    expect(find_str(a, "src") == NULL);
    expect_u(store_count(a), ==, 1);
    expect_verified(a);
    it = store_move(a, find_str(a, "dst"), b, "dst", 3);
    expect(it && htab_count(table_of(it)) == 500);
    expect_u(store_memory(a), ==, a0);
    expect_u(store_count(a), ==, 0);
    expect_u(store_expires_count(b), ==, 1);
    expect_verified(a);
    expect_verified(b);
    set_str(b, "s", "string", 0);
    it = store_move(b, find_str(b, "s"), a, "s2", 2);
    expect(value_is_str(it, "string"));
    /* an expired source moves nowhere */
    it = store_set_object(a, "gone", 4, SET_LISTPACK, "x", 1, T0_MS + 1);
    clock_set_ms(T0_MS + 1);
    expect(store_move(a, it, b, "gone", 4) == NULL);
    expect(store_peek(b, "gone", 4) == NULL);
    store_delete(b, "dst", 3);
    expect_u(store_memory(b), ==, b0);
    expect_verified(a);
    store_destroy(a);
    store_destroy(b);
    expect_u(mem_used(), ==, used0);
}
END_TEST

/* A large deleted value is freed by the lazy-free step, a piece per call,
 * counted in store_memory and lazyfree_pending until then; a small one at
 * once. */
START_TEST(test_large_value_lazy_free)
{
    size_t used0 = mem_used();
    struct store *s = store_create();
    size_t m0 = store_memory(s);
    set_table_object(s, "small", 10, 0);
    store_delete(s, "small", 5);
    expect_u(store_lazyfree_pending(s), ==, 0);
    expect_u(store_memory(s), ==, m0);
    set_table_object(s, "big", 50000, 0);
    size_t full = store_memory(s);
    store_delete(s, "big", 3);
    expect_u(store_count(s), ==, 0);
    expect_u(store_lazyfree_pending(s), ==, 1);
    expect_u(store_memory(s), >, full / 2);
    expect_verified(s);
    int steps = 0;
    while (store_lazyfree_step(s, 0)) {
        expect_verified(s);
        steps++;
        expect_i(steps, <, 100000);
    }
    expect_i(steps, >=, 10); /* 1024 entries per clock read, budget 0 */
    expect_u(store_memory(s), ==, m0);
    expect_u(store_lazyfree_pending(s), ==, 0);
    /* a flush of a small keyspace frees its items at once and leaves the
     * tables of their values, small ones included, to the lazy-free step */
    set_table_object(s, "big", 5000, 0);
    set_table_object(s, "small", 10, 0);
    store_flush(s);
    expect_u(store_count(s), ==, 0);
    expect_u(store_lazyfree_pending(s), ==, 2);
    expect_verified(s);
    drain_lazyfree(s);
    expect_u(store_memory(s), ==, m0);
    set_table_object(s, "big", 5000, 0);
    store_delete(s, "big", 3);
    store_destroy(s);
    expect_u(mem_used(), ==, used0);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *basic = tcase_create("basic");
    tcase_add_checked_fixture(basic, setup, NULL);
    tcase_add_test(basic, test_set_get_delete_overwrite);
    tcase_add_test(basic, test_binary_keys_and_values);
    tcase_add_test(basic, test_long_keys);
    tcase_add_test(basic, test_large_value);
    tcase_add_test(basic, test_set_value);
    tcase_add_test(basic, test_item_layout);
    suite_add_tcase(s, basic);

    TCase *expiry = tcase_create("expiry");
    tcase_add_checked_fixture(expiry, setup, NULL);
    tcase_set_timeout(expiry, 120);
    tcase_add_test(expiry, test_expiry_at_due_time);
    tcase_add_test(expiry, test_set_expire);
    tcase_add_test(expiry, test_expiry_field_density);
    tcase_add_test(expiry, test_avg_ttl);
    tcase_add_loop_test(expiry, test_expiry_index_exact, 0, 2);
    tcase_add_test(expiry, test_sweep_cost_follows_expiring);
    tcase_add_test(expiry, test_index_stays_bounded);
    tcase_add_test(expiry, test_active_expiry_small_steps);
    tcase_add_test(expiry, test_active_expiry_million);
    suite_add_tcase(s, expiry);

    TCase *table = tcase_create("table");
    tcase_add_checked_fixture(table, setup, NULL);
    tcase_set_timeout(table, 300);
    tcase_add_test(table, test_resize_under_load);
    tcase_add_loop_test(table, test_randomized_against_model, 0, 2);
    tcase_add_test(table, test_scan);
    tcase_add_test(table, test_random);
    tcase_add_test(table, test_random_sparse);
    tcase_add_test(table, test_memory_and_flush);
    tcase_add_test(table, test_lazy_flush);
    suite_add_tcase(s, table);

    TCase *objects = tcase_create("objects");
    tcase_add_checked_fixture(objects, setup, NULL);
    tcase_add_test(objects, test_objects_in_items);
    tcase_add_test(objects, test_table_values_owned);
    tcase_add_test(objects, test_move_values);
    tcase_add_test(objects, test_large_value_lazy_free);
    suite_add_tcase(s, objects);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
