/* Integration tests of the hash type: HSET, HSETNX, HMSET, HGET, HMGET,
 * HGETALL, HKEYS, HVALS, HLEN, HEXISTS, HDEL, HINCRBY, HINCRBYFLOAT,
 * HSTRLEN, HRANDFIELD and HSCAN, with Redis 7's replies and error texts;
 * WRONGTYPE both ways between hashes and strings or sets; the keyspace
 * commands on hash keys (DEL, EXISTS, TYPE, EXPIRE, RENAME, COPY, MOVE,
 * SCAN TYPE, FLUSHALL, DBSIZE); the listpack and hashtable encodings
 * (OBJECT ENCODING, thresholds lowered with CONFIG SET and their old
 * ziplist names, every way of crossing them); binary, empty and long
 * fields and values; RESP3's map and pair replies; MULTI/EXEC and WATCH on
 * hashes; and the TTL policy for hashes that commands create. Expected
 * replies were checked against Redis 7.0.15, except HSCAN's NOVALUES
 * (Redis 7.4), HRANDFIELD's
 * reply-size guard and the TTL policy (tidecache's own).
 *
 * A hash table answers its fields in no particular order: replies are
 * compared as sets of field/value pairs, except in the one test of the
 * listpack's insertion order. */
#include <check.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "resp3.h"

#define TEST_TIMEOUT_S 120 /* per test, generous for sanitizer builds */
#define POLL_STEP_MS 10
#define EXPIRY_WAIT_MS 5000 /* bound on waiting for a short TTL to pass */

static const char *const WRONGTYPE =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
static const char *const NOT_INTEGER = "ERR value is not an integer or out of range";

static struct server srv;
static redisContext *c;

static void start_plain(void)
{
    server_start(&srv, NULL);
    c = client_connect(&srv);
}

/* default-ttl 100 s; user: keys 1000 s */
static void start_with_ttl_policy(void)
{
    server_start(&srv, "default-ttl 100\nttl-rule user: 1000\n");
    c = client_connect(&srv);
}

static void stop(void)
{
    redisFree(c);
    ck_assert_int_eq(server_stop(&srv), 0);
}

/* ---------------------------------------------------------------- helpers */

/* A field and its value, binary-safe. */
struct kv {
    const char *f;
    size_t fl;
    const char *v;
    size_t vl;
};

/* The pairs of a ','-separated list of field=value ("" is none; the value
 * runs from the first '=' on) into a malloc'ed array pointing into *copy
 * (also malloc'ed); returns the count. */
static size_t parse_kvs(const char *list, char **copy, struct kv **out)
{
    *copy = strdup(list);
    ck_assert_ptr_nonnull(*copy);
    size_t n = 0, cap = 16;
    *out = malloc(cap * sizeof **out);
    ck_assert_ptr_nonnull(*out);
    if (**copy == '\0')
        return 0;
    for (char *p = *copy;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        char *eq = strchr(p, '=');
        ck_assert_msg(eq != NULL, "pair without '=': %s", p);
        *eq = '\0';
        if (n == cap) {
            cap *= 2;
            *out = realloc(*out, cap * sizeof **out);
            ck_assert_ptr_nonnull(*out);
        }
        (*out)[n++] = (struct kv){p, strlen(p), eq + 1, strlen(eq + 1)};
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

/* The index of the field (p, len) among the n pairs, or -1. */
static int kv_index(const struct kv *want, size_t n, const char *p, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (want[i].fl == len && memcmp(want[i].f, p, len) == 0)
            return (int)i;
    return -1;
}

/* Whether the string reply e is the len bytes at p. */
static int reply_is(const redisReply *e, const char *p, size_t len)
{
    return e->type == REDIS_REPLY_STRING && e->len == len && memcmp(e->str, p, len) == 0;
}

/* Assert the flat array r of field, value, ... holds each of the n pairs
 * exactly once (any order) and nothing else. */
static void check_pairs(const redisReply *r, const struct kv *want, size_t n)
{
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "expected an array, got type %d (%s)", r->type,
                  r->str ? r->str : "");
    ck_assert_msg(r->elements == 2 * n, "%zu elements, expected %zu", r->elements, 2 * n);
    char *seen = calloc(n + 1, 1);
    ck_assert_ptr_nonnull(seen);
    for (size_t i = 0; i < r->elements; i += 2) {
        const redisReply *f = r->element[i], *v = r->element[i + 1];
        ck_assert_int_eq(f->type, REDIS_REPLY_STRING);
        ck_assert_int_eq(v->type, REDIS_REPLY_STRING);
        int k = kv_index(want, n, f->str, f->len);
        ck_assert_msg(k >= 0, "unexpected field '%.*s'", (int)f->len, f->str);
        ck_assert_msg(!seen[k], "field '%.*s' repeated", (int)f->len, f->str);
        seen[k] = 1;
        ck_assert_msg(reply_is(v, want[k].v, want[k].vl), "field '%.*s': value '%.*s'",
                      (int)f->len, f->str, (int)v->len, v->str);
    }
    free(seen);
}

/* Assert the flat array r of field, value, ... holds only pairs of want
 * (repeats allowed), exactly pairs of them. */
static void check_pairs_drawn(const redisReply *r, size_t pairs, const struct kv *want, size_t n)
{
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2 * pairs);
    for (size_t i = 0; i < r->elements; i += 2) {
        const redisReply *f = r->element[i], *v = r->element[i + 1];
        int k = kv_index(want, n, f->str, f->len);
        ck_assert_msg(k >= 0, "unexpected field '%.*s'", (int)f->len, f->str);
        ck_assert(reply_is(v, want[k].v, want[k].vl));
    }
}

/* One HSCAN call with the options opts (space-separated, no format
 * directives): the next cursor into *cursor, the reply (caller frees). */
static redisReply *hscan_once(const char *key, unsigned long long *cursor, const char *opts)
{
    char text[256], cur[24];
    const char *argv[16];
    int argc = 0;
    argv[argc++] = "HSCAN";
    argv[argc++] = key;
    snprintf(cur, sizeof cur, "%llu", *cursor);
    argv[argc++] = cur;
    snprintf(text, sizeof text, "%s", opts);
    for (char *save, *tok = strtok_r(text, " ", &save); tok && argc < 16;
         tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    ck_assert_msg(r != NULL, "no reply: %s", c->errstr);
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "HSCAN: type %d (%s)", r->type,
                  r->str ? r->str : "");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STRING);
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_ARRAY);
    char *end;
    *cursor = strtoull(r->element[0]->str, &end, 10);
    ck_assert(*end == '\0');
    return r;
}

/* Every read path answers the hash under key as the n pairs of want (n may
 * be 0: a missing key): HLEN, HGETALL, HKEYS, HVALS, HGET, HEXISTS and
 * HSTRLEN of each field, HMGET of all of them and a stranger, HRANDFIELD
 * (whole, negative, single) and a whole HSCAN. */
static void check_hash_kv(const char *key, const struct kv *want, size_t n)
{
    expect_int(client_cmd(c, "HLEN %s", key), (long long)n);
    redisReply *r = client_cmd(c, "HGETALL %s", key);
    check_pairs(r, want, n);
    freeReplyObject(r);
    /* HKEYS: each field once; HVALS: the values as a multiset */
    r = client_cmd(c, "HKEYS %s", key);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, n);
    char *seen = calloc(n + 1, 1);
    ck_assert_ptr_nonnull(seen);
    for (size_t i = 0; i < n; i++) {
        int k = kv_index(want, n, r->element[i]->str, r->element[i]->len);
        ck_assert_msg(k >= 0 && !seen[k], "HKEYS %s: field '%s'", key, r->element[i]->str);
        seen[k] = 1;
    }
    freeReplyObject(r);
    r = client_cmd(c, "HVALS %s", key);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, n);
    memset(seen, 0, n + 1);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < n && (seen[k] || !reply_is(r->element[i], want[k].v, want[k].vl)))
            k++;
        ck_assert_msg(k < n, "HVALS %s: unexpected value '%s'", key, r->element[i]->str);
        seen[k] = 1;
    }
    freeReplyObject(r);
    free(seen);
    /* per field, pipelined: HGET, HEXISTS, HSTRLEN */
    for (size_t i = 0; i < n; i++) {
        redisAppendCommand(c, "HGET %s %b", key, want[i].f, want[i].fl);
        redisAppendCommand(c, "HEXISTS %s %b", key, want[i].f, want[i].fl);
        redisAppendCommand(c, "HSTRLEN %s %b", key, want[i].f, want[i].fl);
    }
    for (size_t i = 0; i < n; i++) {
        redisReply *q;
        ck_assert_int_eq(redisGetReply(c, (void **)&q), REDIS_OK);
        ck_assert_msg(reply_is(q, want[i].v, want[i].vl), "HGET %s '%.*s'", key, (int)want[i].fl,
                      want[i].f);
        freeReplyObject(q);
        ck_assert_int_eq(redisGetReply(c, (void **)&q), REDIS_OK);
        expect_int(q, 1);
        ck_assert_int_eq(redisGetReply(c, (void **)&q), REDIS_OK);
        expect_int(q, (long long)want[i].vl);
    }
    /* HMGET of every field, in order, and one that is not there */
    const char **argv = malloc((n + 3) * sizeof *argv);
    size_t *lens = malloc((n + 3) * sizeof *lens);
    ck_assert(argv && lens);
    argv[0] = "HMGET";
    lens[0] = 5;
    argv[1] = key;
    lens[1] = strlen(key);
    for (size_t i = 0; i < n; i++) {
        argv[i + 2] = want[i].f;
        lens[i + 2] = want[i].fl;
    }
    argv[n + 2] = "no such field";
    lens[n + 2] = strlen(argv[n + 2]);
    r = redisCommandArgv(c, (int)n + 3, argv, lens);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, n + 1);
    for (size_t i = 0; i < n; i++)
        ck_assert(reply_is(r->element[i], want[i].v, want[i].vl));
    ck_assert_int_eq(r->element[n]->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    free(lens);
    free(argv);
    expect_int(client_cmd(c, "HEXISTS %s %s", key, "no such field"), 0);
    expect_nil(client_cmd(c, "HGET %s %s", key, "no such field"));
    /* HRANDFIELD: a count from the size on answers every pair once */
    r = client_cmd(c, "HRANDFIELD %s %d WITHVALUES", key, (int)n + 3);
    check_pairs(r, want, n);
    freeReplyObject(r);
    r = client_cmd(c, "HRANDFIELD %s -7 WITHVALUES", key);
    check_pairs_drawn(r, n ? 7 : 0, want, n);
    freeReplyObject(r);
    r = client_cmd(c, "HRANDFIELD %s", key);
    if (n == 0) {
        ck_assert_int_eq(r->type, REDIS_REPLY_NIL);
    } else {
        ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
        ck_assert(kv_index(want, n, r->str, r->len) >= 0);
    }
    freeReplyObject(r);
    /* a whole HSCAN, COUNT 3 at a time, returns every pair */
    int *hits = calloc(n + 1, sizeof *hits);
    ck_assert_ptr_nonnull(hits);
    unsigned long long cursor = 0;
    int calls = 0;
    do {
        r = hscan_once(key, &cursor, "COUNT 3");
        const redisReply *a = r->element[1];
        ck_assert_uint_eq(a->elements % 2, 0);
        for (size_t i = 0; i < a->elements; i += 2) {
            int k = kv_index(want, n, a->element[i]->str, a->element[i]->len);
            ck_assert_msg(k >= 0, "HSCAN %s gave '%s'", key, a->element[i]->str);
            ck_assert(reply_is(a->element[i + 1], want[k].v, want[k].vl));
            hits[k]++;
        }
        freeReplyObject(r);
        ck_assert_int_lt(++calls, 100000);
    } while (cursor != 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(hits[i] >= 1, "HSCAN %s never gave '%.*s'", key, (int)want[i].fl, want[i].f);
    free(hits);
    expect_int(client_cmd(c, "EXISTS %s", key), n ? 1 : 0);
}

/* check_hash_kv with the pairs of a field=value list. */
static void check_hash(const char *key, const char *list)
{
    char *copy;
    struct kv *want;
    size_t n = parse_kvs(list, &copy, &want);
    check_hash_kv(key, want, n);
    free(want);
    free(copy);
}

/* HSET key the fields "<fp><i>" with the values "<vp><i>" for i in
 * [from, to), 100 pairs per command; returns the sum of the replies (the
 * fields that were new). */
static long long hset_range(const char *key, const char *fp, const char *vp, int from, int to)
{
    enum { BATCH = 100 };
    static char names[2 * BATCH][48];
    const char *argv[2 * BATCH + 2] = {"HSET", key};
    long long added = 0;
    for (int i = from; i < to;) {
        int n = 0;
        for (; n < BATCH && i < to; n++, i++) {
            snprintf(names[2 * n], sizeof names[0], "%s%d", fp, i);
            snprintf(names[2 * n + 1], sizeof names[0], "%s%d", vp, i);
            argv[2 * n + 2] = names[2 * n];
            argv[2 * n + 3] = names[2 * n + 1];
        }
        redisReply *r = redisCommandArgv(c, 2 * n + 2, argv, NULL);
        ck_assert_msg(r != NULL, "no reply: %s", c->errstr);
        ck_assert_msg(r->type == REDIS_REPLY_INTEGER, "HSET: type %d (%s)", r->type,
                      r->str ? r->str : "");
        added += r->integer;
        freeReplyObject(r);
    }
    return added;
}

/* The index i of the string "<prefix><i>" (i < limit), or -1. */
static int range_index(const char *s, size_t len, const char *prefix, int limit)
{
    size_t plen = strlen(prefix);
    if (len <= plen || len > plen + 10 || strncmp(s, prefix, plen) != 0)
        return -1;
    int i = 0;
    for (size_t k = plen; k < len; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        i = i * 10 + (s[k] - '0');
    }
    return i < limit ? i : -1;
}

/* Count the pairs "<fp><i>" = "<vp><i>" of the flat array r into seen[i]
 * (the value must match); returns the number of other pairs. */
static size_t tally_pairs(const redisReply *r, const char *fp, const char *vp, int *seen,
                          int limit)
{
    size_t others = 0;
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements % 2, 0);
    for (size_t i = 0; i < r->elements; i += 2) {
        const redisReply *f = r->element[i], *v = r->element[i + 1];
        ck_assert_int_eq(f->type, REDIS_REPLY_STRING);
        ck_assert_int_eq(v->type, REDIS_REPLY_STRING);
        int k = range_index(f->str, f->len, fp, limit);
        if (k < 0) {
            others++;
            continue;
        }
        ck_assert_msg(range_index(v->str, v->len, vp, limit) == k, "%s: value %s", f->str,
                      v->str);
        seen[k]++;
    }
    return others;
}

/* The hash under key is exactly "<fp><i>" = "<vp><i>" for i in [0, n),
 * through HGETALL, HLEN, HKEYS and HVALS. */
static void expect_hrange(const char *key, const char *fp, const char *vp, int n)
{
    int *seen = calloc((size_t)n + 1, sizeof *seen);
    ck_assert_ptr_nonnull(seen);
    redisReply *r = client_cmd(c, "HGETALL %s", key);
    ck_assert_uint_eq(r->elements, 2 * (size_t)n);
    ck_assert_uint_eq(tally_pairs(r, fp, vp, seen, n), 0);
    freeReplyObject(r);
    for (int i = 0; i < n; i++)
        ck_assert_msg(seen[i] == 1, "%s%d seen %d times in %s", fp, i, seen[i], key);
    expect_int(client_cmd(c, "HLEN %s", key), n);
    const char *cmds[] = {"HKEYS", "HVALS"};
    const char *prefixes[] = {fp, vp};
    for (int k = 0; k < 2; k++) {
        memset(seen, 0, ((size_t)n + 1) * sizeof *seen);
        r = client_cmd(c, "%s %s", cmds[k], key);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_eq(r->elements, (size_t)n);
        for (size_t i = 0; i < r->elements; i++) {
            int idx = range_index(r->element[i]->str, r->element[i]->len, prefixes[k], n);
            ck_assert_msg(idx >= 0 && !seen[idx], "%s %s: %s", cmds[k], key, r->element[i]->str);
            seen[idx] = 1;
        }
        freeReplyObject(r);
    }
    free(seen);
}

/* A whole HSCAN of key with opts: pairs "<fp><i>" = "<vp><i>" counted in
 * seen[], others in *others; returns the number of calls. */
static int hscan_all(const char *key, const char *opts, const char *fp, const char *vp, int *seen,
                     int limit, size_t *others)
{
    unsigned long long cursor = 0;
    int calls = 0;
    *others = 0;
    do {
        redisReply *r = hscan_once(key, &cursor, opts);
        *others += tally_pairs(r->element[1], fp, vp, seen, limit);
        freeReplyObject(r);
        ck_assert_int_lt(++calls, 1000000);
    } while (cursor != 0);
    return calls;
}

/* Assert r (freed) is a flat array of exactly pairs field/value pairs of
 * the range "<fp><i>" = "<vp><i>", i < limit; returns how many distinct
 * fields it held. */
static int expect_drawn_range(redisReply *r, size_t pairs, const char *fp, const char *vp,
                              int limit)
{
    int *seen = calloc((size_t)limit, sizeof *seen);
    ck_assert_ptr_nonnull(seen);
    ck_assert_uint_eq(r->elements, 2 * pairs);
    ck_assert_uint_eq(tally_pairs(r, fp, vp, seen, limit), 0);
    int distinct = 0;
    for (int i = 0; i < limit; i++)
        distinct += seen[i] > 0;
    free(seen);
    freeReplyObject(r);
    return distinct;
}

/* Assert r is an array of exactly n strings, each a field of the range
 * "<fp><i>", i < limit; returns how many distinct ones (r is freed). */
static int expect_fields_drawn(redisReply *r, size_t n, const char *fp, int limit)
{
    int *seen = calloc((size_t)limit, sizeof *seen);
    ck_assert_ptr_nonnull(seen);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, n);
    int distinct = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_STRING);
        int k = range_index(r->element[i]->str, r->element[i]->len, fp, limit);
        ck_assert_msg(k >= 0, "unexpected field %s", r->element[i]->str);
        distinct += seen[k]++ == 0;
    }
    free(seen);
    freeReplyObject(r);
    return distinct;
}

/* Assert the array reply r is exactly the strings of the ','-separated
 * list want, in that order; "(nil)" stands for a nil. */
static void check_list(const redisReply *r, const char *want)
{
    char *copy = strdup(want);
    ck_assert_ptr_nonnull(copy);
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "expected [%s], got type %d (%s)", want, r->type,
                  r->str ? r->str : "");
    size_t i = 0;
    if (*copy) {
        for (char *save, *tok = strtok_r(copy, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save), i++) {
            ck_assert_msg(i < r->elements, "[%s]: only %zu elements", want, r->elements);
            if (strcmp(tok, "(nil)") == 0)
                ck_assert_msg(r->element[i]->type == REDIS_REPLY_NIL, "[%s]: %zu not nil", want,
                              i);
            else
                ck_assert_msg(reply_is(r->element[i], tok, strlen(tok)), "[%s]: element %zu is %s",
                              want, i, r->element[i]->str ? r->element[i]->str : "(nil)");
        }
    }
    ck_assert_msg(i == r->elements, "[%s]: %zu elements", want, r->elements);
    free(copy);
}

/* check_list, then free r. */
static void expect_list(redisReply *r, const char *want)
{
    check_list(r, want);
    freeReplyObject(r);
}

/* CONFIG GET name answers exactly [name, want]. */
static void expect_config(const char *name, const char *want)
{
    redisReply *r = client_cmd(c, "CONFIG GET %s", name);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, name);
    ck_assert_msg(strcmp(r->element[1]->str, want) == 0, "CONFIG GET %s: %s, expected %s", name,
                  r->element[1]->str, want);
    freeReplyObject(r);
}

/* Poll EXISTS key until it answers 0; fails after EXPIRY_WAIT_MS. */
static void wait_gone(const char *key)
{
    long long deadline = mono_ms() + EXPIRY_WAIT_MS;
    while (client_int(c, "EXISTS %s", key) != 0) {
        ck_assert_msg(mono_ms() < deadline, "%s still exists after %d ms", key, EXPIRY_WAIT_MS);
        poll(NULL, 0, POLL_STEP_MS);
    }
}

/* ------------------------------------------------------ HSET/HGET/HLEN */

/* HSET counts only new fields (a field repeated in one call once, the last
 * value winning); updates keep the other fields; HGET, HLEN, HEXISTS, also
 * on a missing key; TYPE is "hash"; the arity errors, among them an odd
 * number of field/value arguments. */
START_TEST(test_hset_hget_hlen)
{
    expect_int(client_cmd(c, "HLEN h"), 0);
    expect_nil(client_cmd(c, "HGET h f"));
    expect_int(client_cmd(c, "HEXISTS h f"), 0);
    expect_int(client_cmd(c, "EXISTS h"), 0);
    expect_int(client_cmd(c, "HSET h f v"), 1);
    expect_status(client_cmd(c, "TYPE h"), "hash");
    expect_str(client_cmd(c, "HGET h f"), "v");
    expect_int(client_cmd(c, "HSET h f v2 g w"), 1);
    expect_int(client_cmd(c, "HSET h f v3"), 0);
    expect_int(client_cmd(c, "HSET h f v3"), 0);
    check_hash("h", "f=v3,g=w");
    /* a field repeated within one call: counted once, the last value stays */
    expect_int(client_cmd(c, "HSET h a 1 a 2 a 3"), 1);
    expect_str(client_cmd(c, "HGET h a"), "3");
    expect_int(client_cmd(c, "HSET h a 4 b 5 a 6 b 7"), 1);
    check_hash("h", "f=v3,g=w,a=6,b=7");
    /* fields are case-sensitive, and a field named like the key is fine */
    expect_int(client_cmd(c, "HSET h F upper h self"), 2);
    expect_str(client_cmd(c, "HGET h f"), "v3");
    expect_str(client_cmd(c, "HGET h F"), "upper");
    expect_int(client_cmd(c, "HEXISTS h G"), 0);
    expect_int(client_cmd(c, "HLEN h"), 6);
    /* many fields in one call */
    ck_assert_int_eq(hset_range("many", "f", "v", 0, 1000), 1000);
    expect_hrange("many", "f", "v", 1000);
    ck_assert_int_eq(hset_range("many", "f", "w", 0, 1000), 0);
    expect_hrange("many", "f", "w", 1000);
    /* arity: too few, and an odd number of field/value arguments */
    expect_arity(c, "HSET", "hset");
    expect_arity(c, "HSET h", "hset");
    expect_arity(c, "HSET h f", "hset");
    expect_arity(c, "HSET h f v g", "hset");
    expect_arity(c, "HSET n f v g w x", "hset");
    expect_arity(c, "HGET h", "hget");
    expect_arity(c, "HGET h f g", "hget");
    expect_arity(c, "HLEN", "hlen");
    expect_arity(c, "HLEN h x", "hlen");
    expect_arity(c, "HEXISTS h", "hexists");
    expect_arity(c, "HEXISTS h f g", "hexists");
    /* a failed HSET changed nothing, created nothing */
    expect_int(client_cmd(c, "EXISTS n"), 0);
    check_hash("h", "f=v3,g=w,a=6,b=7,F=upper,h=self");
}
END_TEST

/* HMSET answers OK and sets like HSET; HSETNX sets only a missing field
 * (creating the key if needed) and answers 1 or 0. */
START_TEST(test_hmset_hsetnx)
{
    expect_status(client_cmd(c, "HMSET h a 1 b 2"), "OK");
    expect_status(client_cmd(c, "HMSET h a 10 c 3"), "OK");
    expect_status(client_cmd(c, "HMSET h a 10"), "OK");
    check_hash("h", "a=10,b=2,c=3");
    expect_arity(c, "HMSET", "hmset");
    expect_arity(c, "HMSET h", "hmset");
    expect_arity(c, "HMSET h a", "hmset");
    expect_arity(c, "HMSET h a 1 b", "hmset");
    expect_arity(c, "HMSET other a 1 b", "hmset");
    expect_int(client_cmd(c, "EXISTS other"), 0);
    /* HSETNX */
    expect_int(client_cmd(c, "HSETNX h a new"), 0);
    expect_str(client_cmd(c, "HGET h a"), "10");
    expect_int(client_cmd(c, "HSETNX h d 4"), 1);
    expect_int(client_cmd(c, "HSETNX h d 5"), 0);
    check_hash("h", "a=10,b=2,c=3,d=4");
    expect_int(client_cmd(c, "HSETNX fresh f v"), 1);
    check_hash("fresh", "f=v");
    expect_int(client_cmd(c, "HSETNX fresh %s %s", "", ""), 1);
    check_hash("fresh", "f=v,=");
    expect_arity(c, "HSETNX", "hsetnx");
    expect_arity(c, "HSETNX h", "hsetnx");
    expect_arity(c, "HSETNX h f", "hsetnx");
    expect_arity(c, "HSETNX h f v w", "hsetnx");
    /* in a large hash too */
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 300), 300);
    expect_int(client_cmd(c, "HSETNX big f7 x"), 0);
    expect_int(client_cmd(c, "HSETNX big f300 v300"), 1);
    expect_hrange("big", "f", "v", 301);
}
END_TEST

/* HMGET answers in request order with nils for missing fields (all nils
 * for a missing key); HGETALL, HKEYS, HVALS of a missing key are empty;
 * the three agree with each other on a hash. */
START_TEST(test_hmget_hgetall_hkeys_hvals)
{
    expect_list(client_cmd(c, "HMGET missing a b"), "(nil),(nil)");
    expect_list(client_cmd(c, "HGETALL missing"), "");
    expect_list(client_cmd(c, "HKEYS missing"), "");
    expect_list(client_cmd(c, "HVALS missing"), "");
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_int(client_cmd(c, "HSET h a 1 b 2 c 3"), 3);
    expect_list(client_cmd(c, "HMGET h c zz a a B b"), "3,(nil),1,1,(nil),2");
    expect_list(client_cmd(c, "HMGET h zz"), "(nil)");
    expect_list(client_cmd(c, "HMGET h b"), "2");
    /* a large hash: HKEYS and HVALS pair up as HGETALL does */
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 500), 500);
    redisReply *all = client_cmd(c, "HGETALL big");
    redisReply *keys = client_cmd(c, "HKEYS big");
    redisReply *vals = client_cmd(c, "HVALS big");
    ck_assert_uint_eq(all->elements, 1000);
    ck_assert_uint_eq(keys->elements, 500);
    ck_assert_uint_eq(vals->elements, 500);
    int seen[500] = {0};
    ck_assert_uint_eq(tally_pairs(all, "f", "v", seen, 500), 0);
    for (int i = 0; i < 500; i++)
        ck_assert_int_eq(seen[i], 1);
    freeReplyObject(all);
    freeReplyObject(keys);
    freeReplyObject(vals);
    expect_hrange("big", "f", "v", 500);
    redisReply *r = client_cmd(c, "HMGET big f499 f500 f0");
    ck_assert_uint_eq(r->elements, 3);
    ck_assert_str_eq(r->element[0]->str, "v499");
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_NIL);
    ck_assert_str_eq(r->element[2]->str, "v0");
    freeReplyObject(r);
    expect_arity(c, "HMGET", "hmget");
    expect_arity(c, "HMGET h", "hmget");
    expect_arity(c, "HGETALL", "hgetall");
    expect_arity(c, "HGETALL h x", "hgetall");
    expect_arity(c, "HKEYS", "hkeys");
    expect_arity(c, "HKEYS h x", "hkeys");
    expect_arity(c, "HVALS", "hvals");
    expect_arity(c, "HVALS h x", "hvals");
}
END_TEST

/* A small (listpack) hash answers in insertion order, as Redis does: an
 * update keeps a field's place, a field deleted and set again goes last;
 * HGETALL, HKEYS, HVALS, HSCAN and a whole HRANDFIELD agree. */
START_TEST(test_listpack_order)
{
    expect_int(client_cmd(c, "HSET h c 3 a 1 b 2"), 3);
    expect_list(client_cmd(c, "HKEYS h"), "c,a,b");
    expect_int(client_cmd(c, "HSET h a 10 d 4"), 1);
    expect_list(client_cmd(c, "HGETALL h"), "c,3,a,10,b,2,d,4");
    expect_int(client_cmd(c, "HDEL h c"), 1);
    expect_int(client_cmd(c, "HSET h c 30"), 1);
    expect_int(client_cmd(c, "HINCRBY h b 5"), 7);
    expect_list(client_cmd(c, "HGETALL h"), "a,10,b,7,d,4,c,30");
    expect_list(client_cmd(c, "HKEYS h"), "a,b,d,c");
    expect_list(client_cmd(c, "HVALS h"), "10,7,4,30");
    expect_list(client_cmd(c, "HRANDFIELD h 10 WITHVALUES"), "a,10,b,7,d,4,c,30");
    expect_list(client_cmd(c, "HRANDFIELD h 4"), "a,b,d,c");
    redisReply *r = client_cmd(c, "HSCAN h 0");
    ck_assert_str_eq(r->element[0]->str, "0");
    check_list(r->element[1], "a,10,b,7,d,4,c,30");
    freeReplyObject(r);
}
END_TEST

/* ------------------------------------------------------------------- HDEL */

/* HDEL counts the fields it removed (a field repeated in one call once);
 * the last field removed deletes the key; a missing key answers 0. */
START_TEST(test_hdel)
{
    expect_int(client_cmd(c, "HDEL missing a"), 0);
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_int(client_cmd(c, "HSET h a 1 b 2 c 3 d 4"), 4);
    expect_int(client_cmd(c, "HDEL h a a zz"), 1);
    expect_int(client_cmd(c, "HDEL h zz"), 0);
    expect_int(client_cmd(c, "HDEL h A"), 0);
    check_hash("h", "b=2,c=3,d=4");
    expect_int(client_cmd(c, "HDEL h b c"), 2);
    check_hash("h", "d=4");
    expect_int(client_cmd(c, "HDEL h d"), 1);
    expect_int(client_cmd(c, "EXISTS h"), 0);
    expect_status(client_cmd(c, "TYPE h"), "none");
    expect_int(client_cmd(c, "DBSIZE"), 0);
    check_hash("h", "");
    /* removing more than there is, all at once */
    expect_int(client_cmd(c, "HSET h x 1 y 2"), 2);
    expect_int(client_cmd(c, "HDEL h x y z x"), 2);
    expect_int(client_cmd(c, "EXISTS h"), 0);
    /* the name then starts a new hash */
    expect_int(client_cmd(c, "HSET h new 1"), 1);
    check_hash("h", "new=1");
    /* a large hash emptied field by field */
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 1000), 1000);
    for (int i = 0; i < 999; i++)
        redisAppendCommand(c, "HDEL big f%d", i);
    for (int i = 0; i < 999; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(c, (void **)&r), REDIS_OK);
        expect_int(r, 1);
    }
    check_hash("big", "f999=v999");
    expect_int(client_cmd(c, "HDEL big f999 f1"), 1);
    expect_int(client_cmd(c, "EXISTS big"), 0);
    expect_int(client_cmd(c, "DBSIZE"), 1);
    expect_arity(c, "HDEL", "hdel");
    expect_arity(c, "HDEL h", "hdel");
}
END_TEST

/* ---------------------------------------------------------------- HSTRLEN */

/* HSTRLEN: the value's length (integer-looking values too), 0 for a
 * missing field or key. */
START_TEST(test_hstrlen)
{
    expect_int(client_cmd(c, "HSTRLEN missing f"), 0);
    expect_int(client_cmd(c, "HSET h a hello n -123 z 0 big 9223372036854775807"), 4);
    expect_int(client_cmd(c, "HSET h e %s", ""), 1);
    expect_int(client_cmd(c, "HSTRLEN h a"), 5);
    expect_int(client_cmd(c, "HSTRLEN h n"), 4);
    expect_int(client_cmd(c, "HSTRLEN h z"), 1);
    expect_int(client_cmd(c, "HSTRLEN h big"), 19);
    expect_int(client_cmd(c, "HSTRLEN h e"), 0);
    expect_int(client_cmd(c, "HSTRLEN h zz"), 0);
    expect_int(client_cmd(c, "HINCRBY h n -900"), -1023);
    expect_int(client_cmd(c, "HSTRLEN h n"), 5);
    ck_assert_int_eq(hset_range("large", "f", "value-", 0, 300), 300);
    expect_int(client_cmd(c, "HSTRLEN large f7"), 7);
    expect_int(client_cmd(c, "HSTRLEN large f299"), 9);
    expect_int(client_cmd(c, "HSTRLEN large f300"), 0);
    expect_arity(c, "HSTRLEN h", "hstrlen");
    expect_arity(c, "HSTRLEN h a b", "hstrlen");
}
END_TEST

/* ---------------------------------------------------------------- HINCRBY */

/* HINCRBY: creates the field and the key at 0, adds, answers the new
 * value; the int64 edges and their overflow errors; a field value that is
 * not a canonical integer; an increment that is not one; nothing changes on
 * an error. */
START_TEST(test_hincrby)
{
    expect_int(client_cmd(c, "HINCRBY h f 5"), 5);
    expect_int(client_cmd(c, "HINCRBY h f -7"), -2);
    expect_int(client_cmd(c, "HINCRBY h f 0"), -2);
    expect_str(client_cmd(c, "HGET h f"), "-2");
    expect_int(client_cmd(c, "HINCRBY h g -9223372036854775808"), LLONG_MIN);
    expect_error(client_cmd(c, "HINCRBY h g -1"), "ERR increment or decrement would overflow");
    expect_int(client_cmd(c, "HINCRBY h g 9223372036854775807"), -1);
    /* the upper edge */
    expect_int(client_cmd(c, "HSET h big 9223372036854775806"), 1);
    expect_int(client_cmd(c, "HINCRBY h big 1"), LLONG_MAX);
    expect_error(client_cmd(c, "HINCRBY h big 1"), "ERR increment or decrement would overflow");
    expect_error(client_cmd(c, "HINCRBY h big 9223372036854775807"),
                 "ERR increment or decrement would overflow");
    expect_str(client_cmd(c, "HGET h big"), "9223372036854775807");
    expect_int(client_cmd(c, "HINCRBY h big -1"), LLONG_MAX - 1);
    /* the lower edge */
    expect_int(client_cmd(c, "HSET h neg -9223372036854775807"), 1);
    expect_int(client_cmd(c, "HINCRBY h neg -1"), LLONG_MIN);
    expect_error(client_cmd(c, "HINCRBY h neg -1"), "ERR increment or decrement would overflow");
    expect_error(client_cmd(c, "HINCRBY h neg -9223372036854775808"),
                 "ERR increment or decrement would overflow");
    expect_str(client_cmd(c, "HGET h neg"), "-9223372036854775808");
    /* values that are not canonical integers */
    static const char *const bad_values[] = {"hello", " 1", "1 ", "+1", "01", "-0", "1.0",
                                             "1e3", "0x10", "", "12345678901234567890",
                                             "9223372036854775808", "-9223372036854775809"};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        expect_int(client_cmd(c, "HSET h s %s", bad_values[i]), i == 0 ? 1 : 0);
        expect_error(client_cmd(c, "HINCRBY h s 1"), "ERR hash value is not an integer");
        expect_str(client_cmd(c, "HGET h s"), bad_values[i]);
    }
    /* increments that are not canonical integers: checked first, even on
     * a missing key */
    static const char *const bad_incr[] = {"abc", "1.5", "", "9223372036854775808", "+5", "-0",
                                           "007", " 1", "1 ", "-9223372036854775809", "1e3"};
    for (size_t i = 0; i < sizeof bad_incr / sizeof bad_incr[0]; i++) {
        expect_error(client_cmd(c, "HINCRBY h f %s", bad_incr[i]), NOT_INTEGER);
        expect_error(client_cmd(c, "HINCRBY missing f %s", bad_incr[i]), NOT_INTEGER);
        expect_error(client_cmd(c, "HINCRBY h s %s", bad_incr[i]), NOT_INTEGER);
    }
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_int(client_cmd(c, "HINCRBY h f 1"), -1);
    /* a field created by HINCRBY next to others, and in a large hash */
    expect_int(client_cmd(c, "HINCRBY h new 42"), 42);
    check_hash("h", "f=-1,g=-1,big=9223372036854775806,neg=-9223372036854775808,"
                    "s=-9223372036854775809,new=42");
    ck_assert_int_eq(hset_range("large", "f", "v", 0, 300), 300);
    expect_int(client_cmd(c, "HSET large n 10"), 1);
    expect_int(client_cmd(c, "HINCRBY large n 5"), 15);
    expect_int(client_cmd(c, "HINCRBY large m -5"), -5);
    expect_error(client_cmd(c, "HINCRBY large f1 1"), "ERR hash value is not an integer");
    expect_str(client_cmd(c, "HGET large n"), "15");
    expect_int(client_cmd(c, "HLEN large"), 302);
    expect_arity(c, "HINCRBY h f", "hincrby");
    expect_arity(c, "HINCRBY h f 1 2", "hincrby");
    expect_arity(c, "HINCRBY", "hincrby");
}
END_TEST

/* ----------------------------------------------------------- HINCRBYFLOAT */

/* HINCRBYFLOAT hf field by on a fresh field holding start (NULL: missing):
 * the reply and the stored value are result. */
static void expect_hfloat_sum(const char *start, const char *by, const char *result)
{
    freeReplyObject(client_cmd(c, "HDEL hf x"));
    if (start)
        expect_int(client_cmd(c, "HSET hf x %s", start), 1);
    expect_str(client_cmd(c, "HINCRBYFLOAT hf x %s", by), result);
    expect_str(client_cmd(c, "HGET hf x"), result);
}

/* HINCRBYFLOAT: Redis's long double sum and its "%.17Lf" form with the
 * trailing zeros trimmed ("10.5", "5.0e3" read as 5000, ...), on a missing
 * field, a float or integer value, next to other fields. */
START_TEST(test_hincrbyfloat)
{
    expect_int(client_cmd(c, "HSET hf keep me"), 1);
    expect_hfloat_sum("10.5", "0.1", "10.6");
    expect_hfloat_sum(NULL, "10.5", "10.5");
    expect_hfloat_sum("5.0e3", "2.0e2", "5200");
    expect_hfloat_sum(NULL, "5.0e3", "5000");
    expect_hfloat_sum("3.0e3", "0", "3000");
    expect_hfloat_sum(NULL, "1", "1");
    expect_hfloat_sum(NULL, "3.0000", "3");
    expect_hfloat_sum("1", "-1.5", "-0.5");
    expect_hfloat_sum("1.1", "0.2", "1.3");
    expect_hfloat_sum("0.1", "0.2", "0.3");
    expect_hfloat_sum("100", "-100", "0");
    expect_hfloat_sum("10.50", "0", "10.5");
    expect_hfloat_sum(NULL, "-0.0", "0");
    expect_hfloat_sum(NULL, "-1e-30", "0");
    expect_hfloat_sum(NULL, "1e-20", "0");
    expect_hfloat_sum(NULL, "0x10", "16");
    expect_hfloat_sum("0x1p3", "1", "9");
    expect_hfloat_sum(NULL, ".5", "0.5");
    expect_hfloat_sum(NULL, "5.", "5");
    expect_hfloat_sum(NULL, "+2.5", "2.5");
    expect_hfloat_sum(NULL, "1E2", "100");
    expect_hfloat_sum(NULL, "1.23456789012345678901", "1.23456789012345679");
    expect_hfloat_sum(NULL, "3.14159265358979323846", "3.14159265358979324");
    expect_hfloat_sum("1", "1e20", "100000000000000000000");
    expect_hfloat_sum(NULL, "123456789012345678", "123456789012345678");
    expect_hfloat_sum("9223372036854775807", "1", "9223372036854775808");
    expect_hfloat_sum("12", "0.5", "12.5");
    expect_hfloat_sum("7", "1e-320", "7");
    /* fixed notation, however large: 1e300 gives 301 digits */
    freeReplyObject(client_cmd(c, "HDEL hf x"));
    redisReply *r = client_cmd(c, "HINCRBYFLOAT hf x 1e300");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 301);
    ck_assert_int_eq(strncmp(r->str, "10000000000000000000", 20), 0);
    freeReplyObject(r);
    expect_int(client_cmd(c, "HSTRLEN hf x"), 301);
    /* long double range: 1e400 is a valid value */
    expect_int(client_cmd(c, "HSET hf y 1e400"), 1);
    r = client_cmd(c, "HINCRBYFLOAT hf y 1");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 401);
    freeReplyObject(r);
    /* a new key, and the other fields untouched */
    expect_str(client_cmd(c, "HINCRBYFLOAT fresh f 2.5"), "2.5");
    check_hash("fresh", "f=2.5");
    expect_str(client_cmd(c, "HGET hf keep"), "me");
    expect_int(client_cmd(c, "HLEN hf"), 3);
    /* in a large hash */
    ck_assert_int_eq(hset_range("large", "f", "v", 0, 300), 300);
    expect_str(client_cmd(c, "HINCRBYFLOAT large n 1.5"), "1.5");
    expect_str(client_cmd(c, "HINCRBYFLOAT large n 1.5"), "3");
    expect_int(client_cmd(c, "HLEN large"), 301);
}
END_TEST

/* HINCRBYFLOAT's errors: an increment that is not a float, or is NaN or
 * infinite (checked first, even on a missing key); a value that is not a
 * float; a sum that is not finite. Nothing changes on an error. */
START_TEST(test_hincrbyfloat_errors)
{
    const char *inv = "ERR value is not a valid float";
    const char *naninf = "ERR value is NaN or Infinity";
    const char *produce = "ERR increment would produce NaN or Infinity";
    const char *notfloat = "ERR hash value is not a float";
    expect_int(client_cmd(c, "HSET h f 1.5"), 1);
    const char *keys[] = {"h", "missing"};
    for (size_t k = 0; k < 2; k++) {
        const char *key = keys[k];
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f inf", key), naninf);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f -inf", key), naninf);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f +inf", key), naninf);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f Infinity", key), naninf);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f -infinity", key), naninf);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f nan", key), inv);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f NaN", key), inv);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f abc", key), inv);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f %s", key, ""), inv);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f %s", key, " 1"), inv);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f %s", key, "1 "), inv);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f 1,5", key), inv);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f 1e5000", key), inv);
        expect_error(client_cmd(c, "HINCRBYFLOAT %s f 1e-5000", key), inv);
    }
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_str(client_cmd(c, "HGET h f"), "1.5");
    /* the stored value must be a float */
    static const char *const bad_values[] = {"hello", "", " 1.5", "1 ", "1,5", "nan"};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        expect_int(client_cmd(c, "HSET h s %s", bad_values[i]), i == 0 ? 1 : 0);
        expect_error(client_cmd(c, "HINCRBYFLOAT h s 1"), notfloat);
        expect_str(client_cmd(c, "HGET h s"), bad_values[i]);
    }
    /* an infinite value, or a sum past the long double range */
    expect_int(client_cmd(c, "HSET h i inf"), 1);
    expect_error(client_cmd(c, "HINCRBYFLOAT h i 1"), produce);
    expect_str(client_cmd(c, "HGET h i"), "inf");
    expect_int(client_cmd(c, "HSET h j -inf"), 1);
    expect_error(client_cmd(c, "HINCRBYFLOAT h j 1"), produce);
    expect_int(client_cmd(c, "HSET h y 1e4932"), 1);
    expect_error(client_cmd(c, "HINCRBYFLOAT h y 1e4932"), produce);
    expect_str(client_cmd(c, "HGET h y"), "1e4932");
    check_hash("h", "f=1.5,s=nan,i=inf,j=-inf,y=1e4932");
    expect_arity(c, "HINCRBYFLOAT h f", "hincrbyfloat");
    expect_arity(c, "HINCRBYFLOAT h f 1 2", "hincrbyfloat");
    expect_arity(c, "HINCRBYFLOAT", "hincrbyfloat");
}
END_TEST

/* ------------------------------------------------------------- HRANDFIELD */

/* HRANDFIELD leaves the hash alone: one field (nil for a missing key),
 * distinct fields for a positive count (all from the size on), exactly
 * -count fields for a negative one, none for 0; WITHVALUES pairs each field
 * with its value in a flat RESP2 array. */
START_TEST(test_hrandfield)
{
    expect_nil(client_cmd(c, "HRANDFIELD missing"));
    expect_list(client_cmd(c, "HRANDFIELD missing 3"), "");
    expect_list(client_cmd(c, "HRANDFIELD missing -3"), "");
    expect_list(client_cmd(c, "HRANDFIELD missing 0"), "");
    expect_list(client_cmd(c, "HRANDFIELD missing 3 WITHVALUES"), "");
    expect_list(client_cmd(c, "HRANDFIELD missing -3 withvalues"), "");
    expect_int(client_cmd(c, "EXISTS missing"), 0);

    char *copy;
    struct kv *want;
    size_t n = parse_kvs("a=1,b=2,c=3,d=4,e=5", &copy, &want);
    expect_int(client_cmd(c, "HSET h a 1 b 2 c 3 d 4 e 5"), 5);
    redisReply *r = client_cmd(c, "HRANDFIELD h");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert(kv_index(want, n, r->str, r->len) >= 0);
    freeReplyObject(r);
    expect_list(client_cmd(c, "HRANDFIELD h 0"), "");
    expect_list(client_cmd(c, "HRANDFIELD h 0 WITHVALUES"), "");
    /* positive: distinct, with the right values */
    for (long long count = 1; count <= 7; count++) {
        r = client_cmd(c, "HRANDFIELD h %lld WITHVALUES", count);
        size_t got = count < 5 ? (size_t)count : 5;
        if (count >= 5) {
            check_pairs(r, want, n);
        } else {
            check_pairs_drawn(r, got, want, n);
            for (size_t i = 0; i < r->elements; i += 2)
                for (size_t j = 0; j < i; j += 2)
                    ck_assert_str_ne(r->element[i]->str, r->element[j]->str);
        }
        freeReplyObject(r);
        r = client_cmd(c, "HRANDFIELD h %lld", count);
        ck_assert_uint_eq(r->elements, got);
        for (size_t i = 0; i < r->elements; i++) {
            ck_assert(kv_index(want, n, r->element[i]->str, r->element[i]->len) >= 0);
            for (size_t j = 0; j < i; j++)
                ck_assert_str_ne(r->element[i]->str, r->element[j]->str);
        }
        freeReplyObject(r);
    }
    r = client_cmd(c, "HRANDFIELD h 9223372036854775807");
    ck_assert_uint_eq(r->elements, 5);
    freeReplyObject(r);
    r = client_cmd(c, "HRANDFIELD h 4611686018427387903 WITHVALUES");
    check_pairs(r, want, n);
    freeReplyObject(r);
    /* negative: exactly |count|, repeating (300 from 5 show all five) */
    r = client_cmd(c, "HRANDFIELD h -300 WITHVALUES");
    check_pairs_drawn(r, 300, want, n);
    int seen[5] = {0};
    for (size_t i = 0; i < r->elements; i += 2)
        seen[r->element[i]->str[0] - 'a'] = 1;
    freeReplyObject(r);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(seen[i], "%c never drawn", 'a' + i);
    r = client_cmd(c, "HRANDFIELD h -1");
    ck_assert_uint_eq(r->elements, 1);
    freeReplyObject(r);
    r = client_cmd(c, "HRANDFIELD h -12");
    ck_assert_uint_eq(r->elements, 12);
    for (size_t i = 0; i < r->elements; i++)
        ck_assert(kv_index(want, n, r->element[i]->str, r->element[i]->len) >= 0);
    freeReplyObject(r);
    /* random: 50 draws of 2 cover the five fields */
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < 50; i++) {
        r = client_cmd(c, "HRANDFIELD h 2");
        for (size_t j = 0; j < r->elements; j++)
            seen[r->element[j]->str[0] - 'a'] = 1;
        freeReplyObject(r);
    }
    for (int i = 0; i < 5; i++)
        ck_assert_msg(seen[i], "%c never drawn", 'a' + i);
    check_hash("h", "a=1,b=2,c=3,d=4,e=5"); /* nothing removed */
    /* a one-field hash */
    expect_int(client_cmd(c, "HSET one f v"), 1);
    expect_str(client_cmd(c, "HRANDFIELD one"), "f");
    expect_list(client_cmd(c, "HRANDFIELD one 1 WITHVALUES"), "f,v");
    expect_list(client_cmd(c, "HRANDFIELD one -3 WITHVALUES"), "f,v,f,v,f,v");
    expect_list(client_cmd(c, "HRANDFIELD one -2"), "f,f");
    /* a large hash: the ways of drawing distinct fields */
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 1000), 1000);
    const int counts[] = {10, 300, 600, 999, 1000};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        r = client_cmd(c, "HRANDFIELD big %d WITHVALUES", counts[k]);
        ck_assert_int_eq(expect_drawn_range(r, (size_t)counts[k], "f", "v", 1000), counts[k]);
        r = client_cmd(c, "HRANDFIELD big %d", counts[k]);
        ck_assert_int_eq(expect_fields_drawn(r, (size_t)counts[k], "f", 1000), counts[k]);
    }
    r = client_cmd(c, "HRANDFIELD big 5000 WITHVALUES");
    ck_assert_int_eq(expect_drawn_range(r, 1000, "f", "v", 1000), 1000);
    r = client_cmd(c, "HRANDFIELD big -5000 WITHVALUES");
    ck_assert_int_gt(expect_drawn_range(r, 5000, "f", "v", 1000), 500); /* ~993 expected */
    r = client_cmd(c, "HRANDFIELD big -5000");
    ck_assert_int_gt(expect_fields_drawn(r, 5000, "f", 1000), 500);
    expect_hrange("big", "f", "v", 1000);
    free(want);
    free(copy);
}
END_TEST

/* HRANDFIELD's argument errors, checked before the key is looked up. */
START_TEST(test_hrandfield_errors)
{
    expect_int(client_cmd(c, "HSET h a 1 b 2"), 2);
    const char *keys[] = {"h", "missing"};
    for (size_t k = 0; k < 2; k++) {
        const char *key = keys[k];
        expect_error(client_cmd(c, "HRANDFIELD %s abc", key), NOT_INTEGER);
        expect_error(client_cmd(c, "HRANDFIELD %s 1.5", key), NOT_INTEGER);
        expect_error(client_cmd(c, "HRANDFIELD %s %s", key, ""), NOT_INTEGER);
        expect_error(client_cmd(c, "HRANDFIELD %s 9223372036854775808", key), NOT_INTEGER);
        expect_error(client_cmd(c, "HRANDFIELD %s WITHVALUES", key), NOT_INTEGER);
        expect_error(client_cmd(c, "HRANDFIELD %s abc WITHVALUES", key), NOT_INTEGER);
        expect_error(client_cmd(c, "HRANDFIELD %s -9223372036854775808", key),
                     "ERR value is out of range, value must between -9223372036854775807 and "
                     "9223372036854775807");
        /* WITHVALUES doubles the reply: half the range */
        expect_error(client_cmd(c, "HRANDFIELD %s -9223372036854775807 WITHVALUES", key),
                     "ERR value is out of range");
        expect_error(client_cmd(c, "HRANDFIELD %s -4611686018427387904 WITHVALUES", key),
                     "ERR value is out of range");
        expect_error(client_cmd(c, "HRANDFIELD %s 4611686018427387904 WITHVALUES", key),
                     "ERR value is out of range");
        expect_error(client_cmd(c, "HRANDFIELD %s 1 FOO", key), "ERR syntax error");
        expect_error(client_cmd(c, "HRANDFIELD %s 1 WITHVALUE", key), "ERR syntax error");
        expect_error(client_cmd(c, "HRANDFIELD %s 1 WITHVALUES x", key), "ERR syntax error");
        expect_error(client_cmd(c, "HRANDFIELD %s 2 WITHVALUES WITHVALUES", key),
                     "ERR syntax error");
        expect_error(client_cmd(c, "HRANDFIELD %s 1 2 3", key), "ERR syntax error");
    }
    expect_arity(c, "HRANDFIELD", "hrandfield");
    check_hash("h", "a=1,b=2");
    expect_int(client_cmd(c, "EXISTS missing"), 0);
}
END_TEST

/* tidecache's own guard, as for SRANDMEMBER: a repeated draw whose reply
 * would pass proto-max-bulk-len is refused instead of being buffered whole
 * (Redis 7.0 tries to build it: -4611686018427387903 WITHVALUES exhausts
 * its memory); one under the bound is answered. */
START_TEST(test_hrandfield_huge_negative_count)
{
    expect_int(client_cmd(c, "HSET h a 1 b 2 c 3"), 3);
    expect_status(client_cmd(c, "CONFIG SET proto-max-bulk-len 1mb"), "OK");
    const char *err = "ERR count is too large: the reply would exceed proto-max-bulk-len";
    expect_error(client_cmd(c, "HRANDFIELD h -9223372036854775807"), err);
    expect_error(client_cmd(c, "HRANDFIELD h -4611686018427387903 WITHVALUES"), err);
    expect_error(client_cmd(c, "HRANDFIELD h -1000000"), err);
    expect_error(client_cmd(c, "HRANDFIELD h -1000000 WITHVALUES"), err);
    redisReply *r = client_cmd(c, "HRANDFIELD h -10000 WITHVALUES");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 20000);
    freeReplyObject(r);
    check_hash("h", "a=1,b=2,c=3");
}
END_TEST

/* ------------------------------------------------------------------ HSCAN */

/* HSCAN of a small hash: every pair at once with cursor 0, whatever COUNT;
 * MATCH on fields (the last one counts); a missing key is an empty scan
 * whatever the options; the cursor and option errors; WRONGTYPE. */
START_TEST(test_hscan_small)
{
    expect_int(client_cmd(c, "HSET h k0 v0 k1 v1 k2 v2 k3 v3 k4 v4 x y"), 6);
    unsigned long long cursor = 0;
    redisReply *r = hscan_once("h", &cursor, "COUNT 1");
    ck_assert_uint_eq(cursor, 0);
    int seen[10] = {0};
    ck_assert_uint_eq(tally_pairs(r->element[1], "k", "v", seen, 10), 1);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(seen[i], 1);
    freeReplyObject(r);
    /* MATCH applies to the fields, not the values */
    memset(seen, 0, sizeof seen);
    size_t others;
    hscan_all("h", "MATCH k[13] COUNT 100", "k", "v", seen, 10, &others);
    ck_assert_uint_eq(others, 0);
    ck_assert(seen[1] == 1 && seen[3] == 1 && !seen[0] && !seen[2] && !seen[4]);
    memset(seen, 0, sizeof seen);
    hscan_all("h", "MATCH v*", "k", "v", seen, 10, &others);
    ck_assert_uint_eq(others, 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(seen[i], 0);
    memset(seen, 0, sizeof seen);
    hscan_all("h", "MATCH nothing MATCH x", "k", "v", seen, 10, &others);
    ck_assert_uint_eq(others, 1);
    memset(seen, 0, sizeof seen);
    hscan_all("h", "match K* count 2", "k", "v", seen, 10, &others); /* case-sensitive */
    ck_assert_uint_eq(others, 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(seen[i], 0);
    /* a missing key: an empty scan, options unread */
    const char *empty_opts[] = {"", "COUNT 0", "MATCH", "NOVALUES", "FOO bar"};
    for (size_t i = 0; i < sizeof empty_opts / sizeof empty_opts[0]; i++) {
        cursor = 0;
        r = hscan_once("missing", &cursor, empty_opts[i]);
        ck_assert_uint_eq(cursor, 0);
        ck_assert_uint_eq(r->element[1]->elements, 0);
        freeReplyObject(r);
    }
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    /* cursor forms Redis accepts: strtoull's */
    const char *cursors[] = {"00", "", "18446744073709551615", "-1"};
    for (size_t i = 0; i < sizeof cursors / sizeof cursors[0]; i++) {
        r = client_cmd(c, "HSCAN h %s", cursors[i]);
        ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "HSCAN h '%s': %s", cursors[i],
                      r->str ? r->str : "");
        ck_assert_str_eq(r->element[0]->str, "0");
        ck_assert_uint_eq(r->element[1]->elements, 12);
        freeReplyObject(r);
    }
    /* errors */
    const char *cur = "ERR invalid cursor";
    expect_error(client_cmd(c, "HSCAN h abc"), cur);
    expect_error(client_cmd(c, "HSCAN h 1.5"), cur);
    expect_error(client_cmd(c, "HSCAN h %s", " 1"), cur);
    expect_error(client_cmd(c, "HSCAN h 18446744073709551616"), cur);
    expect_error(client_cmd(c, "HSCAN missing abc"), cur);
    const char *syn = "ERR syntax error";
    expect_error(client_cmd(c, "HSCAN h 0 COUNT 0"), syn);
    expect_error(client_cmd(c, "HSCAN h 0 COUNT -1"), syn);
    expect_error(client_cmd(c, "HSCAN h 0 COUNT 5 COUNT 0"), syn);
    expect_error(client_cmd(c, "HSCAN h 0 MATCH"), syn);
    expect_error(client_cmd(c, "HSCAN h 0 COUNT"), syn);
    expect_error(client_cmd(c, "HSCAN h 0 TYPE string"), syn);
    expect_error(client_cmd(c, "HSCAN h 0 FOO bar"), syn);
    expect_error(client_cmd(c, "HSCAN h 0 COUNT abc"), NOT_INTEGER);
    expect_error(client_cmd(c, "HSCAN h 0 COUNT 99999999999999999999"), NOT_INTEGER);
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_error(client_cmd(c, "HSCAN str 0"), WRONGTYPE);
    expect_error(client_cmd(c, "HSCAN str 0 COUNT 0"), WRONGTYPE);
    expect_error(client_cmd(c, "HSCAN str abc"), cur);
    expect_arity(c, "HSCAN h", "hscan");
    expect_arity(c, "HSCAN", "hscan");
}
END_TEST

/* HSCAN ... NOVALUES (Redis 7.4, accepted by tidecache): only the fields,
 * for a small and a large hash, with MATCH and COUNT, in any option order;
 * a whole scan still returns every field. */
START_TEST(test_hscan_novalues)
{
    expect_int(client_cmd(c, "HSET h a 1 b 2 c 3"), 3);
    unsigned long long cursor = 0;
    redisReply *r = hscan_once("h", &cursor, "NOVALUES");
    ck_assert_uint_eq(cursor, 0);
    const redisReply *a = r->element[1];
    ck_assert_uint_eq(a->elements, 3);
    int seen[3] = {0};
    for (size_t i = 0; i < a->elements; i++) {
        ck_assert_uint_eq(a->element[i]->len, 1);
        int k = a->element[i]->str[0] - 'a';
        ck_assert(k >= 0 && k < 3);
        seen[k]++;
    }
    ck_assert(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    freeReplyObject(r);
    cursor = 0;
    r = hscan_once("h", &cursor, "MATCH b NOVALUES COUNT 5");
    check_list(r->element[1], "b");
    freeReplyObject(r);
    cursor = 0;
    r = hscan_once("h", &cursor, "novalues match [ac]");
    ck_assert_uint_eq(r->element[1]->elements, 2);
    freeReplyObject(r);
    /* a large hash, COUNT 10: every field, no value */
    enum { N = 1000 };
    ck_assert_int_eq(hset_range("big", "f", "v", 0, N), N);
    int *hits = calloc(N, sizeof *hits);
    ck_assert_ptr_nonnull(hits);
    cursor = 0;
    int calls = 0;
    do {
        r = hscan_once("big", &cursor, "COUNT 10 NOVALUES");
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const redisReply *e = r->element[1]->element[i];
            int k = range_index(e->str, e->len, "f", N);
            ck_assert_msg(k >= 0, "HSCAN NOVALUES gave %s", e->str);
            hits[k]++;
        }
        freeReplyObject(r);
        ck_assert_int_lt(++calls, 100000);
    } while (cursor != 0);
    ck_assert_int_gt(calls, 5);
    for (int i = 0; i < N; i++)
        ck_assert_msg(hits[i] >= 1, "f%d not returned", i);
    free(hits);
    /* the other option errors stay */
    expect_error(client_cmd(c, "HSCAN h 0 NOVALUES COUNT 0"), "ERR syntax error");
    expect_error(client_cmd(c, "HSCAN h 0 NOVALUES FOO"), "ERR syntax error");
}
END_TEST

/* HSCAN of a large hash: COUNT 10 takes many calls and returns every field
 * with its value; the default COUNT; MATCH filters; a large COUNT takes it
 * whole. */
START_TEST(test_hscan_large)
{
    enum { N = 1000 };
    ck_assert_int_eq(hset_range("big", "f", "v", 0, N), N);
    ck_assert_int_eq(hset_range("big", "other", "x", 0, 50), 50);
    int seen[N];
    memset(seen, 0, sizeof seen);
    size_t others;
    int calls = hscan_all("big", "COUNT 10", "f", "v", seen, N, &others);
    for (int i = 0; i < N; i++)
        ck_assert_msg(seen[i] >= 1, "f%d not returned", i);
    ck_assert_uint_ge(others, 50);
    ck_assert_int_gt(calls, 5);
    /* without COUNT: the default of 10 */
    memset(seen, 0, sizeof seen);
    calls = hscan_all("big", "", "f", "v", seen, N, &others);
    for (int i = 0; i < N; i++)
        ck_assert(seen[i] >= 1);
    ck_assert_int_gt(calls, 5);
    /* MATCH */
    memset(seen, 0, sizeof seen);
    hscan_all("big", "MATCH f1?? COUNT 7", "f", "v", seen, N, &others);
    ck_assert_uint_eq(others, 0);
    for (int i = 0; i < N; i++)
        ck_assert_msg((i >= 100 && i < 200) ? seen[i] >= 1 : seen[i] == 0, "f%d seen %d", i,
                      seen[i]);
    /* a COUNT above the size takes everything in one call */
    unsigned long long cursor = 0;
    redisReply *r = hscan_once("big", &cursor, "COUNT 100000");
    ck_assert_uint_eq(cursor, 0);
    ck_assert_uint_eq(r->element[1]->elements, 2 * (N + 50));
    freeReplyObject(r);
    /* a small COUNT returns a part and a cursor to go on with */
    cursor = 0;
    r = hscan_once("big", &cursor, "COUNT 5");
    ck_assert_uint_ne(cursor, 0);
    ck_assert_uint_lt(r->element[1]->elements, 400);
    freeReplyObject(r);
    expect_int(client_cmd(c, "HLEN big"), N + 50);
}
END_TEST

/* HSCAN's guarantee: a field present for the whole iteration is returned
 * (with its value) at least once while fields are added between the calls
 * (growing the table through several sizes) and removed again (shrinking
 * it). */
START_TEST(test_hscan_during_changes)
{
    enum { STABLE = 1000 };
    ck_assert_int_eq(hset_range("h", "stable:", "value:", 0, STABLE), STABLE);
    int seen[STABLE];
    memset(seen, 0, sizeof seen);
    unsigned long long cursor = 0;
    struct scan_churn ch = {.add_fmt = "HSET h %s x", .del_fmt = "HDEL h %s", .per_call = 200,
                            .max = 20000};
    do {
        redisReply *r = hscan_once("h", &cursor, "COUNT 10");
        /* anything but a stable field must be a churn field */
        if (tally_pairs(r->element[1], "stable:", "value:", seen, STABLE))
            scan_churn_expect_names(r->element[1], 2);
        freeReplyObject(r);
        scan_churn_step(c, &ch);
    } while (cursor != 0);
    for (int i = 0; i < STABLE; i++)
        ck_assert_msg(seen[i] >= 1, "stable:%d never returned (%d calls, %d added, %d removed)", i,
                      ch.calls, ch.added, ch.removed);
    ck_assert_int_gt(ch.added, 4 * STABLE);
    ck_assert(ch.emptied);
    expect_int(client_cmd(c, "HLEN h"), STABLE + ch.added - ch.removed);
}
END_TEST

/* -------------------------------------------------------------- WRONGTYPE */

/* Every hash command on a string key and on a set key answers WRONGTYPE and
 * changes nothing. */
START_TEST(test_wrongtype_hash_commands)
{
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_int(client_cmd(c, "SADD set m"), 1);
    const char *keys[] = {"str", "set"};
    const char *cmds[] = {
        "HSET %s f v",         "HSET %s f v g w",       "HSETNX %s f v",
        "HMSET %s f v",        "HGET %s f",             "HMGET %s f g",
        "HGETALL %s",          "HKEYS %s",              "HVALS %s",
        "HLEN %s",             "HEXISTS %s f",          "HDEL %s f",
        "HINCRBY %s f 1",      "HINCRBYFLOAT %s f 1.5", "HSTRLEN %s f",
        "HRANDFIELD %s",       "HRANDFIELD %s 0",       "HRANDFIELD %s 2",
        "HRANDFIELD %s -2 WITHVALUES", "HSCAN %s 0",    "HSCAN %s 0 MATCH * COUNT 5",
    };
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
            redisReply *r = client_cmd(c, cmds[i], keys[k]);
            ck_assert_msg(r->type == REDIS_REPLY_ERROR && strcmp(r->str, WRONGTYPE) == 0,
                          "%s on %s: type %d (%s)", cmds[i], keys[k], r->type,
                          r->str ? r->str : "");
            freeReplyObject(r);
        }
    /* argument errors come first */
    expect_arity(c, "HSET str f", "hset");
    expect_arity(c, "HSET str f v g", "hset");
    expect_error(client_cmd(c, "HINCRBY str f abc"), NOT_INTEGER);
    expect_error(client_cmd(c, "HINCRBYFLOAT str f abc"), "ERR value is not a valid float");
    expect_error(client_cmd(c, "HINCRBYFLOAT set f inf"), "ERR value is NaN or Infinity");
    expect_error(client_cmd(c, "HRANDFIELD str abc"), NOT_INTEGER);
    expect_error(client_cmd(c, "HRANDFIELD set 1 FOO"), "ERR syntax error");
    expect_error(client_cmd(c, "HSCAN set abc"), "ERR invalid cursor");
    expect_str(client_cmd(c, "GET str"), "v");
    expect_list(client_cmd(c, "SMEMBERS set"), "m");
    expect_int(client_cmd(c, "DBSIZE"), 2);
}
END_TEST

/* String and set commands on a hash key answer WRONGTYPE and leave it;
 * MGET answers nil, SETNX and SET NX see it as existing; SET, MSET and a
 * STORE command replace it whole; TYPE answers "hash". */
START_TEST(test_wrongtype_other_commands)
{
    expect_int(client_cmd(c, "HSET h f v"), 1);
    const char *cmds[] = {
        "GET h",           "APPEND h x",       "INCR h",          "DECRBY h 2",
        "INCRBYFLOAT h 1", "STRLEN h",         "GETRANGE h 0 1",  "SETRANGE h 0 x",
        "GETSET h x",      "GETDEL h",         "GETEX h",         "SET h x GET",
        "SADD h m",        "SREM h f",         "SMEMBERS h",      "SISMEMBER h f",
        "SMISMEMBER h f",  "SCARD h",          "SPOP h",          "SRANDMEMBER h",
        "SRANDMEMBER h 2", "SMOVE h other f",  "SINTER h",        "SUNION h",
        "SDIFF h",         "SINTERSTORE d h",  "SINTERCARD 1 h",  "SSCAN h 0",
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        redisReply *r = client_cmd(c, cmds[i]);
        ck_assert_msg(r->type == REDIS_REPLY_ERROR && strcmp(r->str, WRONGTYPE) == 0,
                      "%s: type %d (%s)", cmds[i], r->type, r->str ? r->str : "");
        freeReplyObject(r);
    }
    expect_int(client_cmd(c, "SADD s m"), 1);
    expect_error(client_cmd(c, "SMOVE s h m"), WRONGTYPE);
    expect_list(client_cmd(c, "SMEMBERS s"), "m");
    check_hash("h", "f=v");
    expect_status(client_cmd(c, "TYPE h"), "hash");
    expect_int(client_cmd(c, "EXISTS d other"), 0);
    /* seen as existing, not changed */
    expect_nil(client_cmd(c, "SET h x NX"));
    expect_int(client_cmd(c, "SETNX h x"), 0);
    expect_int(client_cmd(c, "MSETNX h x other y"), 0);
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_list(client_cmd(c, "MGET h str missing"), "(nil),v,(nil)");
    check_hash("h", "f=v");
    /* whole writes replace the hash */
    expect_status(client_cmd(c, "SET h x"), "OK");
    expect_status(client_cmd(c, "TYPE h"), "string");
    expect_str(client_cmd(c, "GET h"), "x");
    expect_error(client_cmd(c, "HGET h f"), WRONGTYPE);
    expect_int(client_cmd(c, "HSET h2 f v"), 1);
    expect_status(client_cmd(c, "MSET h2 y"), "OK");
    expect_str(client_cmd(c, "GET h2"), "y");
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 500), 500);
    expect_int(client_cmd(c, "SUNIONSTORE big s"), 1);
    expect_status(client_cmd(c, "TYPE big"), "set");
    expect_error(client_cmd(c, "HLEN big"), WRONGTYPE);
    /* and a string replaced by a hash through DEL then HSET */
    expect_int(client_cmd(c, "DEL h"), 1);
    expect_int(client_cmd(c, "HSET h g w"), 1);
    check_hash("h", "g=w");
}
END_TEST

/* ------------------------------------------------------------------ RESP3 */

/* RESP3 bytes: HGETALL is a map, HRANDFIELD WITHVALUES an array of
 * [field, value] arrays, HMGET an array with nulls, the missing-key
 * nulls; the other replies as in RESP2. */
START_TEST(test_resp3_replies)
{
    struct r3c *rc = r3_connect_resp3(&srv);
    r3_expect_raw(rc, "%0\r\n", "HGETALL", "h", NULL);
    r3_expect_raw(rc, "*0\r\n", "HKEYS", "h", NULL);
    r3_expect_raw(rc, "*0\r\n", "HVALS", "h", NULL);
    r3_expect_raw(rc, "_\r\n", "HGET", "h", "f", NULL);
    r3_expect_raw(rc, "*2\r\n_\r\n_\r\n", "HMGET", "h", "f", "g", NULL);
    r3_expect_raw(rc, "_\r\n", "HRANDFIELD", "h", NULL);
    r3_expect_raw(rc, "*0\r\n", "HRANDFIELD", "h", "2", NULL);
    r3_expect_raw(rc, "*0\r\n", "HRANDFIELD", "h", "-2", "WITHVALUES", NULL);
    r3_expect_raw(rc, "*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "h", "0", NULL);
    r3_expect_raw(rc, ":0\r\n", "HLEN", "h", NULL);
    r3_expect_raw(rc, ":1\r\n", "HSET", "h", "f", "v", NULL);
    r3_expect_raw(rc, "+OK\r\n", "HMSET", "h", "f", "v", NULL);
    r3_expect_raw(rc, ":0\r\n", "HSETNX", "h", "f", "w", NULL);
    r3_expect_raw(rc, "%1\r\n$1\r\nf\r\n$1\r\nv\r\n", "HGETALL", "h", NULL);
    r3_expect_raw(rc, "*1\r\n$1\r\nf\r\n", "HKEYS", "h", NULL);
    r3_expect_raw(rc, "*1\r\n$1\r\nv\r\n", "HVALS", "h", NULL);
    r3_expect_raw(rc, "$1\r\nv\r\n", "HGET", "h", "f", NULL);
    r3_expect_raw(rc, "*3\r\n$1\r\nv\r\n_\r\n$1\r\nv\r\n", "HMGET", "h", "f", "g", "f", NULL);
    r3_expect_raw(rc, "$1\r\nf\r\n", "HRANDFIELD", "h", NULL);
    r3_expect_raw(rc, "*1\r\n$1\r\nf\r\n", "HRANDFIELD", "h", "5", NULL);
    r3_expect_raw(rc, "*2\r\n$1\r\nf\r\n$1\r\nf\r\n", "HRANDFIELD", "h", "-2", NULL);
    r3_expect_raw(rc, "*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "HRANDFIELD", "h", "1", "WITHVALUES",
                  NULL);
    r3_expect_raw(rc, "*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
                  "HRANDFIELD", "h", "-2", "WITHVALUES", NULL);
    r3_expect_raw(rc, "*0\r\n", "HRANDFIELD", "h", "0", "WITHVALUES", NULL);
    r3_expect_raw(rc, "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "HSCAN", "h", "0", NULL);
    r3_expect_raw(rc, ":1\r\n", "HEXISTS", "h", "f", NULL);
    r3_expect_raw(rc, ":1\r\n", "HSTRLEN", "h", "f", NULL);
    r3_expect_raw(rc, ":1\r\n", "HLEN", "h", NULL);
    r3_expect_raw(rc, "+hash\r\n", "TYPE", "h", NULL);
    r3_expect_raw(rc, ":5\r\n", "HINCRBY", "h", "n", "5", NULL);
    /* HINCRBYFLOAT answers a bulk string, not a RESP3 double */
    r3_expect_raw(rc, "$3\r\n2.5\r\n", "HINCRBYFLOAT", "h", "x", "2.5", NULL);
    r3_expect_raw(rc, ":3\r\n", "HDEL", "h", "f", "n", "x", NULL);
    r3_expect_raw(rc, ":0\r\n", "EXISTS", "h", NULL);
    r3_expect_raw(rc, ":1\r\n", "HSET", "h2", "f", "x", NULL);
    r3_expect_raw(rc, "-ERR hash value is not an integer\r\n", "HINCRBY", "h2", "f", "1", NULL);
    r3_expect_raw(rc, "+OK\r\n", "SET", "str", "v", NULL);
    r3_expect_raw(rc, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                  "HSET", "str", "f", "v", NULL);
    r3_close(rc);
}
END_TEST

/* The same through the parsed view on larger hashes: the map's pairs, the
 * pairs of HRANDFIELD WITHVALUES (positive and negative counts), HMGET's
 * nulls, binary fields and values. */
START_TEST(test_resp3_parsed)
{
    struct r3c *rc = r3_connect_resp3(&srv);
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 300), 300);
    struct r3 *r = r3_cmd(rc, "HGETALL", "big", NULL);
    ck_assert_msg(r->type == R3_MAP, "%s", r3_type_name(r->type));
    ck_assert_uint_eq(r->n, 300);
    int seen[300] = {0};
    for (size_t i = 0; i < r->n; i++) {
        const struct r3 *f = r->elem[2 * i], *v = r->elem[2 * i + 1];
        ck_assert_int_eq(f->type, R3_BULK);
        ck_assert_int_eq(v->type, R3_BULK);
        int k = range_index(f->str, f->len, "f", 300);
        ck_assert(k >= 0);
        ck_assert_int_eq(range_index(v->str, v->len, "v", 300), k);
        seen[k]++;
    }
    for (int i = 0; i < 300; i++)
        ck_assert_int_eq(seen[i], 1);
    struct r3 *v = r3_map_get(r, "f123");
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v->str, "v123");
    r3_free(r);
    /* HRANDFIELD WITHVALUES: arrays of two, for every way of drawing */
    const char *counts[] = {"1", "10", "200", "299", "300", "1000", "-1", "-5", "-1000"};
    const size_t lens[] = {1, 10, 200, 299, 300, 300, 1, 5, 1000};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        r = r3_cmd(rc, "HRANDFIELD", "big", counts[k], "WITHVALUES", NULL);
        ck_assert_msg(r->type == R3_ARRAY, "HRANDFIELD %s: %s", counts[k], r3_show(r));
        ck_assert_uint_eq(r->n, lens[k]);
        memset(seen, 0, sizeof seen);
        for (size_t i = 0; i < r->n; i++) {
            const struct r3 *p = r->elem[i];
            ck_assert_msg(p->type == R3_ARRAY && p->n == 2, "HRANDFIELD %s: %s", counts[k],
                          r3_show(p));
            int f = range_index(p->elem[0]->str, p->elem[0]->len, "f", 300);
            ck_assert(f >= 0);
            ck_assert_int_eq(range_index(p->elem[1]->str, p->elem[1]->len, "v", 300), f);
            seen[f]++;
        }
        if (counts[k][0] != '-')
            for (int i = 0; i < 300; i++)
                ck_assert_int_le(seen[i], 1);
        r3_free(r);
        /* without WITHVALUES: a flat array of fields */
        r = r3_cmd(rc, "HRANDFIELD", "big", counts[k], NULL);
        ck_assert_int_eq(r->type, R3_ARRAY);
        ck_assert_uint_eq(r->n, lens[k]);
        for (size_t i = 0; i < r->n; i++)
            ck_assert_int_eq(r->elem[i]->type, R3_BULK);
        r3_free(r);
    }
    /* HMGET: bulks and nulls in request order */
    r = r3_cmd(rc, "HMGET", "big", "f1", "nope", "f2", "f1", NULL);
    ck_assert_int_eq(r->type, R3_ARRAY);
    ck_assert_uint_eq(r->n, 4);
    ck_assert_str_eq(r->elem[0]->str, "v1");
    ck_assert_int_eq(r->elem[1]->type, R3_NULL);
    ck_assert_str_eq(r->elem[2]->str, "v2");
    ck_assert_str_eq(r->elem[3]->str, "v1");
    r3_free(r);
    /* HSCAN: the cursor and a flat array */
    r = r3_cmd(rc, "HSCAN", "big", "0", "COUNT", "1000", NULL);
    ck_assert_int_eq(r->type, R3_ARRAY);
    ck_assert_uint_eq(r->n, 2);
    ck_assert_int_eq(r->elem[0]->type, R3_BULK);
    ck_assert_int_eq(r->elem[1]->type, R3_ARRAY);
    ck_assert_uint_eq(r->elem[1]->n, 600);
    r3_free(r);
    /* binary fields and values through RESP3 */
    const char *argv[] = {"HSET", "b", "\0\r\n", "\xff\0"};
    const size_t blens[] = {4, 1, 3, 2};
    r3_expect_int(r3_cmd_argv(rc, 4, argv, blens), 1);
    r = r3_cmd(rc, "HGETALL", "b", NULL);
    ck_assert_int_eq(r->type, R3_MAP);
    ck_assert_uint_eq(r->n, 1);
    ck_assert_uint_eq(r->elem[0]->len, 3);
    ck_assert_int_eq(memcmp(r->elem[0]->str, "\0\r\n", 3), 0);
    ck_assert_uint_eq(r->elem[1]->len, 2);
    ck_assert_int_eq(memcmp(r->elem[1]->str, "\xff\0", 2), 0);
    r3_free(r);
    r3_close(rc);
}
END_TEST

/* ------------------------------------------------------------ MULTI/WATCH */

/* Hash commands queued in MULTI run in order at EXEC; a WRONGTYPE or an odd
 * HSET inside fails alone (arity -4 passes at queue time); too few
 * arguments while queuing abort the transaction. */
START_TEST(test_multi_exec)
{
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    const char *queued[] = {
        "HSET h a 1 b 2", "HINCRBY h a 10", "HGET h a",      "HSETNX h b x",
        "HDEL h b",       "HSET str f v",   "HSET h c 3 d",  "HMSET h c 3 d 4",
        "HGETALL h",      "HLEN h",         "HINCRBYFLOAT h a 0.5", "EXISTS h",
    };
    const size_t nq = sizeof queued / sizeof queued[0];
    for (size_t i = 0; i < nq; i++)
        expect_status(client_cmd(c, queued[i]), "QUEUED");
    redisReply *r = client_cmd(c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, nq);
    ck_assert_int_eq(r->element[0]->integer, 2);
    ck_assert_int_eq(r->element[1]->integer, 11);
    ck_assert_str_eq(r->element[2]->str, "11");
    ck_assert_int_eq(r->element[3]->integer, 0);
    ck_assert_int_eq(r->element[4]->integer, 1);
    ck_assert_int_eq(r->element[5]->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->element[5]->str, WRONGTYPE);
    ck_assert_int_eq(r->element[6]->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->element[6]->str, "ERR wrong number of arguments for 'hset' command");
    ck_assert_str_eq(r->element[7]->str, "OK");
    ck_assert_int_eq(r->element[8]->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->element[8]->elements, 6);
    ck_assert_int_eq(r->element[9]->integer, 3);
    ck_assert_str_eq(r->element[10]->str, "11.5");
    ck_assert_int_eq(r->element[11]->integer, 1);
    freeReplyObject(r);
    check_hash("h", "a=11.5,c=3,d=4");
    expect_str(client_cmd(c, "GET str"), "v");
    /* too few arguments while queuing: EXECABORT, nothing runs */
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "HSET h z 26"), "QUEUED");
    expect_arity(c, "HSET h a", "hset");
    expect_error(client_cmd(c, "EXEC"),
                 "EXECABORT Transaction discarded because of previous errors.");
    check_hash("h", "a=11.5,c=3,d=4");
    /* DISCARD drops queued hash commands */
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "HDEL h a c d"), "QUEUED");
    expect_status(client_cmd(c, "DISCARD"), "OK");
    check_hash("h", "a=11.5,c=3,d=4");
}
END_TEST

/* Run a transaction on c (watching what it watches) and answer whether
 * EXEC ran it (1) or aborted (0). */
static int exec_runs(void)
{
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "HLEN w"), "QUEUED");
    redisReply *r = client_cmd(c, "EXEC");
    int ran = r->type == REDIS_REPLY_ARRAY;
    ck_assert_msg(ran || r->type == REDIS_REPLY_NIL, "EXEC: type %d", r->type);
    freeReplyObject(r);
    return ran;
}

struct watch_case {
    const char *setup; /* on c, before WATCH w */
    const char *cmd;   /* on the other client */
    int runs;          /* EXEC runs afterwards */
};

/* Run each case (setup, WATCH w, cmd from the other client o, EXEC) and
 * fail once at the end, listing every case whose EXEC did not do as
 * expected. */
static void check_watch_cases(redisContext *o, const struct watch_case *cases, size_t n)
{
    char report[2048] = "";
    size_t used = 0;
    int wrong = 0;
    for (size_t i = 0; i < n; i++) {
        freeReplyObject(client_cmd(c, "DEL w"));
        freeReplyObject(client_cmd(c, cases[i].setup));
        expect_status(client_cmd(c, "WATCH w"), "OK");
        freeReplyObject(client_cmd(o, cases[i].cmd));
        if (exec_runs() != cases[i].runs) {
            wrong++;
            int k = snprintf(report + used, sizeof report - used, "\n  %s, WATCH w, %s: EXEC %s",
                             cases[i].setup, cases[i].cmd,
                             cases[i].runs ? "aborted, Redis runs it" : "ran, Redis aborts it");
            if (k > 0 && (size_t)k < sizeof report - used)
                used += (size_t)k;
        }
    }
    ck_assert_msg(wrong == 0, "%d of %zu WATCH cases differ:%s", wrong, n, report);
}

/* WATCH on a hash key: another client's HSET of a new value or a new
 * field, HSETNX of a new field, HDEL of a present field, EXPIRE and DEL
 * abort EXEC; HSETNX of an existing field, HDEL of a missing one, failed
 * commands and reads do not. */
START_TEST(test_watch_hash)
{
    redisContext *o = client_connect(&srv);
    static const struct watch_case cases[] = {
        {"HSET w f v", "HSET w f v2", 0},
        {"HSET w f v", "HSET w g v", 0},
        {"HSET w f v", "HSET w f v g w", 0},
        {"HSET w f v", "HMSET w f v2", 0},
        {"HSET w f v", "HSETNX w f x", 1},
        {"HSET w f v", "HSETNX w g x", 0},
        {"HSET w f v", "HDEL w zz", 1},
        {"HSET w f v", "HDEL w f", 0},
        {"HSET w f 1", "HINCRBY w f 1", 0},
        {"HSET w f 1", "HINCRBY w f abc", 1},
        {"HSET w f x", "HINCRBY w f 1", 1},
        {"HSET w f 1", "HINCRBYFLOAT w f 0.5", 0},
        {"HSET w f 1", "HINCRBYFLOAT w f inf", 1},
        {"HSET w f x", "HINCRBYFLOAT w f 1", 1},
        {"HSET w f v", "HGET w f", 1},
        {"HSET w f v", "HGETALL w", 1},
        {"HSET w f v", "HRANDFIELD w -5 WITHVALUES", 1},
        {"HSET w f v", "HSCAN w 0", 1},
        {"HSET w f v", "EXPIRE w 100", 0},
        {"HSET w f v", "DEL w", 0},
        {"DEL w", "HSET w f v", 0},
        {"DEL w", "HDEL w f", 1},
    };
    check_watch_cases(o, cases, sizeof cases / sizeof cases[0]);
    /* a large hash: HSET of a new value for one of its fields */
    ck_assert_int_eq(hset_range("w", "f", "v", 0, 500), 500);
    expect_status(client_cmd(c, "WATCH w"), "OK");
    expect_int(client_cmd(o, "HSET w f250 changed"), 0);
    ck_assert_int_eq(exec_runs(), 0);
    expect_str(client_cmd(c, "HGET w f250"), "changed");
    redisFree(o);
}
END_TEST

/* Redis's HSET, HMSET, HINCRBY and HINCRBYFLOAT signal the key modified
 * whenever they succeed (t_hash.c calls signalModifiedKey unconditionally):
 * setting a field to the value it holds, or incrementing by 0, aborts a
 * WATCHing transaction too. */
START_TEST(test_watch_hash_same_value)
{
    redisContext *o = client_connect(&srv);
    static const struct watch_case cases[] = {
        {"HSET w f v", "HSET w f v", 0},
        {"HSET w f v", "HMSET w f v", 0},
        {"HSET w f 1", "HINCRBY w f 0", 0},
        {"HSET w f 1.5", "HINCRBYFLOAT w f 0", 0},
    };
    check_watch_cases(o, cases, sizeof cases / sizeof cases[0]);
    redisFree(o);
}
END_TEST

/* --------------------------------------------------------------- keyspace */

/* DEL, UNLINK, EXISTS, TYPE and DBSIZE with hash keys; a large hash deleted
 * and its name reused at once; a hash under a binary key. */
START_TEST(test_del_exists_type_dbsize)
{
    expect_int(client_cmd(c, "HSET h f v"), 1);
    expect_status(client_cmd(c, "SET str v"), "OK");
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 2000), 2000);
    expect_int(client_cmd(c, "DBSIZE"), 3);
    expect_int(client_cmd(c, "EXISTS h str big missing h"), 4);
    expect_status(client_cmd(c, "TYPE h"), "hash");
    expect_status(client_cmd(c, "TYPE big"), "hash");
    expect_status(client_cmd(c, "TYPE str"), "string");
    expect_int(client_cmd(c, "DEL h missing"), 1);
    expect_int(client_cmd(c, "EXISTS h"), 0);
    expect_status(client_cmd(c, "TYPE h"), "none");
    expect_int(client_cmd(c, "DEL big"), 1);
    expect_int(client_cmd(c, "HSET big fresh 1"), 1);
    check_hash("big", "fresh=1");
    expect_int(client_cmd(c, "UNLINK big str"), 2);
    expect_int(client_cmd(c, "DBSIZE"), 0);
    expect_int(client_cmd(c, "HSET %b f v", "k\0\r\n", (size_t)4), 1);
    expect_status(client_cmd(c, "TYPE %b", "k\0\r\n", (size_t)4), "hash");
    expect_str(client_cmd(c, "HGET %b f", "k\0\r\n", (size_t)4), "v");
    expect_int(client_cmd(c, "EXISTS k"), 0);
    expect_int(client_cmd(c, "DEL %b", "k\0\r\n", (size_t)4), 1);
    expect_int(client_cmd(c, "DBSIZE"), 0);
}
END_TEST

/* EXPIRE/TTL on a hash: the TTL is the whole key's, kept by every change;
 * the hash expires whole (small and large) and the name then starts a new
 * hash without one. */
START_TEST(test_expire_hash)
{
    expect_int(client_cmd(c, "HSET h a 1 b 2"), 2);
    expect_int(client_cmd(c, "TTL h"), -1);
    expect_int(client_cmd(c, "EXPIRE h 100"), 1);
    expect_ttl(c, "h", 99, 100);
    expect_int(client_cmd(c, "HSET h c 3"), 1);
    expect_int(client_cmd(c, "HSET h a 10"), 0);
    expect_status(client_cmd(c, "HMSET h d 4"), "OK");
    expect_int(client_cmd(c, "HSETNX h e 5"), 1);
    expect_int(client_cmd(c, "HINCRBY h a 1"), 11);
    expect_str(client_cmd(c, "HINCRBYFLOAT h b 0.5"), "2.5");
    expect_int(client_cmd(c, "HDEL h c"), 1);
    expect_ttl(c, "h", 99, 100);
    expect_int(client_cmd(c, "PERSIST h"), 1);
    expect_int(client_cmd(c, "TTL h"), -1);
    /* the last field removed and set again: a new key, no TTL */
    expect_int(client_cmd(c, "EXPIRE h 100"), 1);
    expect_int(client_cmd(c, "HDEL h a b d e"), 4);
    expect_int(client_cmd(c, "HSET h z 1"), 1);
    expect_int(client_cmd(c, "TTL h"), -1);
    /* a short TTL: the whole hash goes */
    expect_int(client_cmd(c, "PEXPIRE h 50"), 1);
    wait_gone("h");
    check_hash("h", "");
    expect_status(client_cmd(c, "TYPE h"), "none");
    expect_int(client_cmd(c, "HSET h y 2"), 1);
    check_hash("h", "y=2");
    expect_int(client_cmd(c, "TTL h"), -1);
    /* a large hash too */
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 3000), 3000);
    expect_int(client_cmd(c, "PEXPIRE big 50"), 1);
    wait_gone("big");
    expect_int(client_cmd(c, "HSET big f1 new"), 1);
    check_hash("big", "f1=new");
    /* a time in the past deletes at once */
    expect_int(client_cmd(c, "EXPIRE h -1"), 1);
    expect_int(client_cmd(c, "EXISTS h"), 0);
    expect_int(client_cmd(c, "PEXPIREAT big 1"), 1);
    expect_int(client_cmd(c, "EXISTS big"), 0);
    expect_int(client_cmd(c, "DBSIZE"), 0);
}
END_TEST

/* RENAME and RENAMENX move a hash's fields and TTL (small and large); the
 * old name then starts a separate hash. */
START_TEST(test_rename_hash)
{
    expect_int(client_cmd(c, "HSET a f 1 g x"), 2);
    expect_int(client_cmd(c, "EXPIRE a 100"), 1);
    expect_status(client_cmd(c, "RENAME a b"), "OK");
    expect_int(client_cmd(c, "EXISTS a"), 0);
    check_hash("b", "f=1,g=x");
    expect_ttl(c, "b", 99, 100);
    /* over a string, which goes with its TTL */
    expect_status(client_cmd(c, "SET str v EX 500"), "OK");
    expect_int(client_cmd(c, "PERSIST b"), 1);
    expect_status(client_cmd(c, "RENAME b str"), "OK");
    check_hash("str", "f=1,g=x");
    expect_int(client_cmd(c, "TTL str"), -1);
    /* RENAMENX */
    expect_int(client_cmd(c, "HSET p f 1"), 1);
    expect_int(client_cmd(c, "HSET q g 2"), 1);
    expect_int(client_cmd(c, "RENAMENX p q"), 0);
    check_hash("p", "f=1");
    check_hash("q", "g=2");
    expect_int(client_cmd(c, "EXPIRE p 300"), 1);
    expect_int(client_cmd(c, "RENAMENX p r"), 1);
    check_hash("r", "f=1");
    expect_ttl(c, "r", 299, 300);
    expect_int(client_cmd(c, "HSET p other 1"), 1);
    check_hash("p", "other=1");
    check_hash("r", "f=1");
    /* a large hash */
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 1000), 1000);
    expect_int(client_cmd(c, "EXPIRE big 1000"), 1);
    expect_status(client_cmd(c, "RENAME big big2"), "OK");
    expect_hrange("big2", "f", "v", 1000);
    expect_ttl(c, "big2", 999, 1000);
    expect_int(client_cmd(c, "HSET big2 extra 1"), 1);
    expect_int(client_cmd(c, "HDEL big2 f0"), 1);
    expect_int(client_cmd(c, "HLEN big2"), 1000);
    expect_int(client_cmd(c, "EXISTS big"), 0);
    expect_error(client_cmd(c, "RENAME big x"), "ERR no such key");
}
END_TEST

/* COPY of a small hash and of a large (300-field) one, in the same
 * database and into DB 1: fields, values and TTL copied, and the copy
 * independent of its source both ways. */
START_TEST(test_copy_hash)
{
    expect_int(client_cmd(c, "HSET small a 1 b 2 c 3"), 3);
    expect_int(client_cmd(c, "COPY small small:copy"), 1);
    check_hash("small:copy", "a=1,b=2,c=3");
    expect_int(client_cmd(c, "TTL small:copy"), -1);
    expect_int(client_cmd(c, "HSET small:copy a 10 d 4"), 1);
    expect_int(client_cmd(c, "HDEL small:copy b"), 1);
    expect_int(client_cmd(c, "HINCRBY small:copy c 1"), 4);
    check_hash("small", "a=1,b=2,c=3");
    expect_int(client_cmd(c, "HSET small e 5"), 1);
    expect_int(client_cmd(c, "HEXISTS small:copy e"), 0);
    check_hash("small:copy", "a=10,c=4,d=4");
    /* a large hash, with its TTL */
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 300), 300);
    expect_int(client_cmd(c, "EXPIRE big 100"), 1);
    expect_int(client_cmd(c, "COPY big big:copy"), 1);
    expect_hrange("big:copy", "f", "v", 300);
    expect_ttl(c, "big:copy", 99, 100);
    ck_assert_int_eq(hset_range("big:copy", "n", "m", 0, 100), 100);
    expect_int(client_cmd(c, "HDEL big:copy f0 f1 f2"), 3);
    expect_int(client_cmd(c, "HSET big:copy f3 changed"), 0);
    expect_hrange("big", "f", "v", 300);
    expect_int(client_cmd(c, "HDEL big f299"), 1);
    expect_str(client_cmd(c, "HGET big:copy f299"), "v299");
    expect_str(client_cmd(c, "HGET big:copy f3"), "changed");
    expect_int(client_cmd(c, "HLEN big:copy"), 397);
    expect_int(client_cmd(c, "DEL big"), 1);
    expect_int(client_cmd(c, "HLEN big:copy"), 397);
    /* existing destination: 0 without REPLACE; REPLACE over a string */
    expect_int(client_cmd(c, "COPY small small:copy"), 0);
    check_hash("small:copy", "a=10,c=4,d=4");
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_int(client_cmd(c, "COPY small str REPLACE"), 1);
    check_hash("str", "a=1,b=2,c=3,e=5");
    /* into DB 1, small and large */
    ck_assert_int_eq(hset_range("large", "f", "v", 0, 250), 250);
    expect_int(client_cmd(c, "COPY small small DB 1"), 1);
    expect_int(client_cmd(c, "COPY large large DB 1"), 1);
    expect_int(client_cmd(c, "COPY small small DB 1"), 0);
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    check_hash("small", "a=1,b=2,c=3,e=5");
    expect_hrange("large", "f", "v", 250);
    expect_int(client_cmd(c, "HSET small z 26"), 1);
    expect_int(client_cmd(c, "HDEL large f0"), 1);
    expect_int(client_cmd(c, "HSET large f1 other"), 0);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    check_hash("small", "a=1,b=2,c=3,e=5");
    expect_hrange("large", "f", "v", 250);
    expect_int(client_cmd(c, "DEL large"), 1);
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    expect_int(client_cmd(c, "HLEN large"), 249);
    expect_str(client_cmd(c, "HGET large f1"), "other");
    expect_int(client_cmd(c, "DBSIZE"), 2);
}
END_TEST

/* MOVE key db with hashes: moved with fields and TTL (small and large); 0
 * when missing here or present there. */
START_TEST(test_move_hash)
{
    expect_int(client_cmd(c, "HSET h a 1 b 2"), 2);
    expect_int(client_cmd(c, "EXPIRE h 100"), 1);
    expect_int(client_cmd(c, "MOVE h 1"), 1);
    expect_int(client_cmd(c, "EXISTS h"), 0);
    expect_int(client_cmd(c, "MOVE h 1"), 0);
    expect_int(client_cmd(c, "HSET h x 1"), 1);
    expect_int(client_cmd(c, "MOVE h 1"), 0);
    check_hash("h", "x=1");
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 1000), 1000);
    expect_int(client_cmd(c, "MOVE big 15"), 1);
    expect_int(client_cmd(c, "EXISTS big"), 0);
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    check_hash("h", "a=1,b=2");
    expect_ttl(c, "h", 98, 100);
    expect_status(client_cmd(c, "SELECT 15"), "OK");
    expect_hrange("big", "f", "v", 1000);
    expect_int(client_cmd(c, "HSET big f0 changed"), 0);
    expect_int(client_cmd(c, "MOVE big 0"), 1);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    expect_str(client_cmd(c, "HGET big f0"), "changed");
    expect_int(client_cmd(c, "HLEN big"), 1000);
}
END_TEST

/* SCAN's TYPE filter tells hashes from strings and sets. */
START_TEST(test_scan_type)
{
    enum { HASHES = 40, STRINGS = 30, SETS = 20 };
    for (int i = 0; i < HASHES; i++)
        redisAppendCommand(c, "HSET hash:%d f v", i);
    client_drain(c, HASHES, REDIS_REPLY_INTEGER);
    ck_assert_int_eq(hset_range("hash:big", "f", "v", 0, 500), 500);
    for (int i = 0; i < STRINGS; i++)
        redisAppendCommand(c, "SET str:%d v", i);
    client_drain(c, STRINGS, REDIS_REPLY_STATUS);
    for (int i = 0; i < SETS; i++)
        redisAppendCommand(c, "SADD set:%d m", i);
    client_drain(c, SETS, REDIS_REPLY_INTEGER);
    const char *opts[] = {"TYPE hash", "TYPE HASH", "TYPE string", "TYPE set",
                          "MATCH hash:1* TYPE hash", "MATCH str:* TYPE hash"};
    const int want[] = {HASHES + 1, HASHES + 1, STRINGS, SETS, 11, 0};
    const char *prefix[] = {"hash:", "hash:", "str:", "set:", "hash:", "-"};
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        unsigned long long cursor = 0;
        char seen[HASHES + 2] = {0};
        int distinct = 0, calls = 0;
        do {
            char cmd[128];
            snprintf(cmd, sizeof cmd, "SCAN %llu COUNT 7 %s", cursor, opts[k]);
            redisReply *r = client_cmd(c, cmd);
            ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
            cursor = strtoull(r->element[0]->str, NULL, 10);
            for (size_t i = 0; i < r->element[1]->elements; i++) {
                const char *key = r->element[1]->element[i]->str;
                ck_assert_msg(strncmp(key, prefix[k], strlen(prefix[k])) == 0,
                              "SCAN %s gave %s", opts[k], key);
                int n = strcmp(key, "hash:big") == 0 ? HASHES + 1 : atoi(strchr(key, ':') + 1);
                ck_assert(n >= 0 && n < HASHES + 2);
                distinct += !seen[n];
                seen[n] = 1;
            }
            freeReplyObject(r);
            ck_assert_int_lt(++calls, 10000);
        } while (cursor != 0);
        ck_assert_msg(distinct == want[k], "SCAN %s: %d keys, expected %d", opts[k], distinct,
                      want[k]);
    }
}
END_TEST

/* FLUSHALL with many large hashes in several databases: empty at once, the
 * names free for new hashes, the memory given back over the next ticks. */
START_TEST(test_flushall_large_hashes)
{
    long long empty = client_info_field(c, "memory", "used_memory");
    char key[32];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "big:%d", i);
        ck_assert_int_eq(hset_range(key, "field-", "value-", 0, 2000), 2000);
    }
    for (int i = 0; i < 100; i++)
        redisAppendCommand(c, "HSET small:%d a 1 b 2", i);
    client_drain(c, 100, REDIS_REPLY_INTEGER);
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    ck_assert_int_eq(hset_range("big:0", "field-", "value-", 0, 2000), 2000);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 120);
    long long before = client_info_field(c, "memory", "used_memory");
    ck_assert_int_gt(before - empty, 40000LL * 16);
    expect_status(client_cmd(c, "FLUSHALL"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 0);
    expect_int(client_cmd(c, "HLEN big:0"), 0);
    expect_nil(client_cmd(c, "HGET big:3 field-5"));
    expect_int(client_cmd(c, "HSET big:0 field-5 new"), 1);
    check_hash("big:0", "field-5=new");
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 0);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    /* the memory comes back (bounded poll) */
    long long deadline = mono_ms() + 10000, used = before;
    long long target = empty + (before - empty) / 4;
    while (mono_ms() < deadline && (used = client_info_field(c, "memory", "used_memory")) > target)
        poll(NULL, 0, POLL_STEP_MS * 4);
    ck_assert_msg(used <= target, "used_memory %lld, %lld before, %lld empty", used, before, empty);
    expect_status(client_cmd(c, "FLUSHALL ASYNC"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 0);
}
END_TEST

/* -------------------------------------------------------------- encodings */

/* The encoding options: defaults 512 and 64 (Redis's built-in defaults),
 * the old ziplist names as aliases (a SET through
 * either name shows through both), the errors of a bad entry count. */
START_TEST(test_config_options)
{
    expect_config("hash-max-listpack-entries", "512");
    expect_config("hash-max-listpack-value", "64");
    expect_config("hash-max-ziplist-entries", "512");
    expect_config("hash-max-ziplist-value", "64");
    expect_status(client_cmd(c, "CONFIG SET hash-max-ziplist-entries 4"), "OK");
    expect_config("hash-max-listpack-entries", "4");
    expect_config("hash-max-ziplist-entries", "4");
    expect_status(client_cmd(c, "CONFIG SET hash-max-listpack-value 8"), "OK");
    expect_config("hash-max-ziplist-value", "8");
    expect_config("hash-max-listpack-value", "8");
    expect_status(client_cmd(c, "CONFIG SET hash-max-ziplist-value 9 hash-max-listpack-entries 5"),
                  "OK");
    expect_config("hash-max-listpack-value", "9");
    expect_config("hash-max-ziplist-entries", "5");
    expect_error(client_cmd(c, "CONFIG SET hash-max-listpack-entries abc"),
                 "ERR CONFIG SET failed (possibly related to argument "
                 "'hash-max-listpack-entries') - argument couldn't be parsed into an integer");
    expect_error(client_cmd(c, "CONFIG SET hash-max-listpack-entries -1"),
                 "ERR CONFIG SET failed (possibly related to argument "
                 "'hash-max-listpack-entries') - argument must be between 0 and "
                 "9223372036854775807 inclusive");
    expect_config("hash-max-listpack-entries", "5");
    expect_config("hash-max-listpack-value", "9");
    /* a pattern lists both names of each */
    redisReply *r = client_cmd(c, "CONFIG GET hash-max-*");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 8);
    freeReplyObject(r);
}
END_TEST

/* hash-max-listpack-value is a memory value in Redis 7 (a size config):
 * "1kb" is 1024, under either name, and a bad value gets the memory
 * value error. */
START_TEST(test_config_value_is_memory)
{
    expect_status(client_cmd(c, "CONFIG SET hash-max-listpack-value 1kb"), "OK");
    expect_config("hash-max-ziplist-value", "1024");
    expect_status(client_cmd(c, "CONFIG SET hash-max-ziplist-value 2KB"), "OK");
    expect_config("hash-max-listpack-value", "2048");
    expect_error(client_cmd(c, "CONFIG SET hash-max-ziplist-value -1"),
                 "ERR CONFIG SET failed (possibly related to argument "
                 "'hash-max-ziplist-value') - argument must be a memory value");
    expect_error(client_cmd(c, "CONFIG SET hash-max-listpack-value abc"),
                 "ERR CONFIG SET failed (possibly related to argument "
                 "'hash-max-listpack-value') - argument must be a memory value");
    expect_config("hash-max-listpack-value", "2048");
}
END_TEST

/* OBJECT ENCODING: "listpack" for a small hash, "hashtable" past a limit;
 * a hash table stays one when it shrinks, as in Redis; the limit checks
 * are "more than": 4 entries of 8 bytes fit limits of 4 and 8. */
START_TEST(test_object_encoding)
{
    expect_int(client_cmd(c, "HSET small a 1"), 1);
    expect_encoding(c, "small", "listpack");
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 600), 600);
    expect_encoding(c, "big", "hashtable");
    expect_int(client_cmd(c, "HDEL big f0"), 1);
    for (int i = 1; i < 599; i++)
        redisAppendCommand(c, "HDEL big f%d", i);
    client_drain(c, 598, REDIS_REPLY_INTEGER);
    check_hash("big", "f599=v599");
    expect_encoding(c, "big", "hashtable");
    expect_nil(client_cmd(c, "OBJECT ENCODING missing"));
    expect_status(client_cmd(c, "CONFIG SET hash-max-listpack-entries 4 "
                                "hash-max-listpack-value 8"),
                  "OK");
    expect_int(client_cmd(c, "HSET fit 12345678 abcdefgh b 2 c 3 d 4"), 4);
    expect_encoding(c, "fit", "listpack");
    check_hash("fit", "12345678=abcdefgh,b=2,c=3,d=4");
    expect_int(client_cmd(c, "HDEL fit b"), 1);
    expect_int(client_cmd(c, "HSET fit e 5"), 1);
    expect_encoding(c, "fit", "listpack");
    /* a limit of 0 entries: any field makes a hash table */
    expect_status(client_cmd(c, "CONFIG SET hash-max-listpack-entries 0"), "OK");
    expect_int(client_cmd(c, "HSET zero f v"), 1);
    expect_encoding(c, "zero", "hashtable");
    check_hash("zero", "f=v");
    expect_encoding(c, "small", "listpack"); /* existing hashes stay as they are */
    check_hash("small", "a=1");
}
END_TEST

/* With hash-max-listpack-entries 4 and hash-max-listpack-value 8, hashes
 * cross each limit by field count, a long field and a long value, through
 * HSET, HSETNX, HMSET, HINCRBY and HINCRBYFLOAT; every field and value
 * survives each conversion and every command still answers right, also
 * after the limits are raised again. */
START_TEST(test_encoding_thresholds)
{
    /* made under the default limits, grown after they are lowered */
    ck_assert_int_eq(hset_range("pre", "f", "v", 0, 10), 10);
    expect_status(client_cmd(c, "CONFIG SET hash-max-ziplist-entries 4 "
                                "hash-max-ziplist-value 8"),
                  "OK");
    expect_encoding(c, "pre", "listpack");
    expect_hrange("pre", "f", "v", 10);
    ck_assert_int_eq(hset_range("pre", "f", "v", 10, 11), 1);
    expect_encoding(c, "pre", "hashtable");
    expect_hrange("pre", "f", "v", 11);
    /* HSET, by count: one at a time, and five at once */
    expect_int(client_cmd(c, "HSET cnt a 1 b 2 c 3 d 4"), 4);
    expect_encoding(c, "cnt", "listpack");
    expect_int(client_cmd(c, "HSET cnt d 40 a 10"), 0);
    expect_encoding(c, "cnt", "listpack");
    expect_int(client_cmd(c, "HSET cnt e 5"), 1);
    expect_encoding(c, "cnt", "hashtable");
    check_hash("cnt", "a=10,b=2,c=3,d=40,e=5");
    expect_int(client_cmd(c, "HSET cnt5 a 1 b 2 c 3 d 4 e 5"), 5);
    expect_encoding(c, "cnt5", "hashtable");
    check_hash("cnt5", "a=1,b=2,c=3,d=4,e=5");
    expect_int(client_cmd(c, "HSET dup a 1 b 2 c 3 d 4 d 5"), 4); /* 4 distinct fields */
    expect_encoding(c, "dup", "listpack");
    check_hash("dup", "a=1,b=2,c=3,d=5");
    /* HSET, by a long field or a long value (8 bytes fit, 9 do not) */
    expect_int(client_cmd(c, "HSET lf a 1 12345678 x"), 2);
    expect_encoding(c, "lf", "listpack");
    expect_int(client_cmd(c, "HSET lf 123456789 y"), 1);
    expect_encoding(c, "lf", "hashtable");
    check_hash("lf", "a=1,12345678=x,123456789=y");
    expect_int(client_cmd(c, "HSET lv a 1 b 12345678"), 2);
    expect_encoding(c, "lv", "listpack");
    expect_int(client_cmd(c, "HSET lv b 123456789"), 0);
    expect_encoding(c, "lv", "hashtable");
    check_hash("lv", "a=1,b=123456789");
    expect_int(client_cmd(c, "HSET lv b short"), 0);
    check_hash("lv", "a=1,b=short");
    expect_int(client_cmd(c, "HSET lvnew longvalue1 x"), 1);
    expect_encoding(c, "lvnew", "hashtable");
    /* HSETNX: by count, by a long field; a long value for a field that is
     * there already sets nothing and converts nothing */
    const char *nx[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; i++)
        expect_int(client_cmd(c, "HSETNX nx %s %d", nx[i], (int)i), 1);
    expect_encoding(c, "nx", "listpack");
    expect_int(client_cmd(c, "HSETNX nx a longvalue1"), 0);
    expect_encoding(c, "nx", "listpack");
    expect_int(client_cmd(c, "HSETNX nx e 4"), 1);
    expect_encoding(c, "nx", "hashtable");
    check_hash("nx", "a=0,b=1,c=2,d=3,e=4");
    expect_int(client_cmd(c, "HSETNX nxf a 1"), 1);
    expect_int(client_cmd(c, "HSETNX nxf longfield1 2"), 1);
    expect_encoding(c, "nxf", "hashtable");
    check_hash("nxf", "a=1,longfield1=2");
    expect_int(client_cmd(c, "HSETNX nxv a 1"), 1);
    expect_int(client_cmd(c, "HSETNX nxv b longvalue1"), 1);
    expect_encoding(c, "nxv", "hashtable");
    check_hash("nxv", "a=1,b=longvalue1");
    /* HMSET: by count and by a long value */
    expect_status(client_cmd(c, "HMSET hm a 1 b 2 c 3 d 4 e 5"), "OK");
    expect_encoding(c, "hm", "hashtable");
    check_hash("hm", "a=1,b=2,c=3,d=4,e=5");
    expect_status(client_cmd(c, "HMSET hmv a 1"), "OK");
    expect_status(client_cmd(c, "HMSET hmv b 2 a 123456789"), "OK");
    expect_encoding(c, "hmv", "hashtable");
    check_hash("hmv", "a=123456789,b=2");
    /* HINCRBY: by count, by a long field, by a value growing to 9 digits */
    for (size_t i = 0; i < 4; i++)
        expect_int(client_cmd(c, "HINCRBY inc %s %d", nx[i], (int)i + 1), (long long)i + 1);
    expect_encoding(c, "inc", "listpack");
    expect_int(client_cmd(c, "HINCRBY inc e -5"), -5);
    expect_encoding(c, "inc", "hashtable");
    check_hash("inc", "a=1,b=2,c=3,d=4,e=-5");
    expect_int(client_cmd(c, "HINCRBY incf a 1"), 1);
    expect_int(client_cmd(c, "HINCRBY incf longfield1 2"), 2);
    expect_encoding(c, "incf", "hashtable");
    check_hash("incf", "a=1,longfield1=2");
    expect_int(client_cmd(c, "HSET incv x y"), 1);
    expect_int(client_cmd(c, "HINCRBY incv n 99999999"), 99999999);
    expect_encoding(c, "incv", "listpack");
    expect_int(client_cmd(c, "HINCRBY incv n 1"), 100000000);
    expect_encoding(c, "incv", "hashtable");
    check_hash("incv", "x=y,n=100000000");
    /* HINCRBYFLOAT: by count, by a long field, by a longer result */
    for (size_t i = 0; i < 4; i++)
        expect_str(client_cmd(c, "HINCRBYFLOAT flt %s 0.5", nx[i]), "0.5");
    expect_encoding(c, "flt", "listpack");
    expect_str(client_cmd(c, "HINCRBYFLOAT flt e 1.5"), "1.5");
    expect_encoding(c, "flt", "hashtable");
    check_hash("flt", "a=0.5,b=0.5,c=0.5,d=0.5,e=1.5");
    expect_str(client_cmd(c, "HINCRBYFLOAT fltf a 1"), "1");
    expect_str(client_cmd(c, "HINCRBYFLOAT fltf longfield1 1"), "1");
    expect_encoding(c, "fltf", "hashtable");
    check_hash("fltf", "a=1,longfield1=1");
    expect_str(client_cmd(c, "HINCRBYFLOAT fltv f 1.5"), "1.5");
    expect_encoding(c, "fltv", "listpack");
    expect_str(client_cmd(c, "HINCRBYFLOAT fltv f 0.1234567"), "1.6234567");
    expect_encoding(c, "fltv", "hashtable");
    check_hash("fltv", "f=1.6234567");
    /* failed commands convert nothing */
    expect_int(client_cmd(c, "HSET fail a x"), 1);
    expect_error(client_cmd(c, "HINCRBY fail a 1"), "ERR hash value is not an integer");
    expect_error(client_cmd(c, "HINCRBYFLOAT fail a 1"), "ERR hash value is not a float");
    expect_encoding(c, "fail", "listpack");
    check_hash("fail", "a=x");
    /* raising the limits again: existing hashes unchanged, and growing */
    expect_status(client_cmd(c, "CONFIG SET hash-max-listpack-entries 128 "
                                "hash-max-listpack-value 64"),
                  "OK");
    check_hash("cnt", "a=10,b=2,c=3,d=40,e=5");
    expect_encoding(c, "cnt", "hashtable");
    expect_int(client_cmd(c, "HSET cnt f 6 g 7"), 2);
    check_hash("cnt", "a=10,b=2,c=3,d=40,e=5,f=6,g=7");
    expect_int(client_cmd(c, "HSET dup e 6 f 7"), 2);
    expect_encoding(c, "dup", "listpack");
    check_hash("dup", "a=1,b=2,c=3,d=5,e=6,f=7");
    expect_int(client_cmd(c, "HDEL nx a b c d"), 4);
    check_hash("nx", "e=4");
    expect_int(client_cmd(c, "HDEL nx e"), 1);
    expect_int(client_cmd(c, "EXISTS nx"), 0);
}
END_TEST

/* Hashes crossing the default limits: 512 fields fit a listpack, the
 * 513th makes a hash table; 64-byte fields and values fit, 65 do not. */
START_TEST(test_encoding_default_limits)
{
    ck_assert_int_eq(hset_range("cnt", "f", "v", 0, 512), 512);
    expect_encoding(c, "cnt", "listpack");
    expect_hrange("cnt", "f", "v", 512);
    ck_assert_int_eq(hset_range("cnt", "f", "v", 512, 513), 1);
    expect_encoding(c, "cnt", "hashtable");
    expect_hrange("cnt", "f", "v", 513);
    char b64[66], b65[66];
    memset(b64, 'x', 64);
    b64[64] = '\0';
    memset(b65, 'y', 65);
    b65[65] = '\0';
    expect_int(client_cmd(c, "HSET v a %s %s b", b64, b64), 2);
    expect_encoding(c, "v", "listpack");
    expect_int(client_cmd(c, "HSET v c %s", b65), 1);
    expect_encoding(c, "v", "hashtable");
    expect_str(client_cmd(c, "HGET v a"), b64);
    expect_str(client_cmd(c, "HGET v %s", b64), "b");
    expect_str(client_cmd(c, "HGET v c"), b65);
    expect_int(client_cmd(c, "HSET f %s 1", b65), 1);
    expect_encoding(c, "f", "hashtable");
    expect_str(client_cmd(c, "HGET f %s", b65), "1");
    expect_int(client_cmd(c, "HEXISTS f %s", b64), 0);
}
END_TEST

/* Values and fields that look like numbers come back byte for byte, in
 * a listpack and in a hash table: non-canonical integers, int64 edges and
 * past them; "1" and "01" are different fields. */
START_TEST(test_number_like_values)
{
    static const char *const vals[] = {
        "0",    "-0",  "007", "+1",  " 1", "1 ",  "12",  "-12", "1.0", "1e3", "0x10",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "00", "-", "+", "4294967296",
    };
    const size_t n = sizeof vals / sizeof vals[0];
    const char *keys[] = {"small", "big"};
    ck_assert_int_eq(hset_range("big", "pad", "v", 0, 600), 600);
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < n; i++) {
            expect_int(client_cmd(c, "HSET %s f%d %s", keys[k], (int)i, vals[i]), 1);
            expect_int(client_cmd(c, "HSET %s %s %d", keys[k], vals[i], (int)i), 1);
        }
        for (size_t i = 0; i < n; i++) {
            expect_str(client_cmd(c, "HGET %s f%d", keys[k], (int)i), vals[i]);
            expect_int(client_cmd(c, "HSTRLEN %s f%d", keys[k], (int)i),
                       (long long)strlen(vals[i]));
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", i);
            expect_str(client_cmd(c, "HGET %s %s", keys[k], vals[i]), idx);
        }
        expect_int(client_cmd(c, "HEXISTS %s 1", keys[k]), 0);
        expect_int(client_cmd(c, "HEXISTS %s 7", keys[k]), 0);
        expect_int(client_cmd(c, "HSET %s 1 one", keys[k]), 1);
        expect_nil(client_cmd(c, "HGET %s 01", keys[k]));
        expect_str(client_cmd(c, "HGET %s 1", keys[k]), "one");
        expect_int(client_cmd(c, "HDEL %s 1", keys[k]), 1);
        expect_int(client_cmd(c, "HEXISTS %s +1", keys[k]), 1);
    }
    expect_encoding(c, "small", "listpack");
    expect_encoding(c, "big", "hashtable");
    expect_int(client_cmd(c, "HLEN small"), 2 * (long long)n);
    expect_int(client_cmd(c, "HLEN big"), 600 + 2 * (long long)n);
}
END_TEST

/* Fields and values with NUL, CR LF and high bytes, the empty field and the
 * empty value, in a small and a large hash; a hash whose only field is
 * empty. */
START_TEST(test_binary_fields_values)
{
    static const struct kv bin[] = {
        {"a\0b", 3, "v\0w", 3},   {"a\r\nb", 4, "\r\n", 2}, {"", 0, "empty field", 11},
        {"\0", 1, "", 0},         {"\xff\xfe", 2, "\xff", 1}, {"\r\n", 2, "a\0\r\n\xff", 5},
        {"1\0", 2, "1\0", 2},     {"empty value", 11, "", 0},
    };
    const size_t n = sizeof bin / sizeof bin[0];
    const char *keys[] = {"small", "big"};
    ck_assert_int_eq(hset_range("big", "f", "v", 0, 300), 300);
    for (size_t k = 0; k < 2; k++) {
        const char *key = keys[k];
        for (size_t i = 0; i < n; i++)
            expect_int(client_cmd(c, "HSET %s %b %b", key, bin[i].f, bin[i].fl, bin[i].v,
                                  bin[i].vl),
                       1);
        for (size_t i = 0; i < n; i++)
            expect_int(client_cmd(c, "HSETNX %s %b x", key, bin[i].f, bin[i].fl), 0);
        if (k == 0)
            check_hash_kv(key, bin, n);
        expect_int(client_cmd(c, "HLEN %s", key), (long long)(k ? 300 + n : n));
        for (size_t i = 0; i < n; i++) {
            redisReply *r = client_cmd(c, "HGET %s %b", key, bin[i].f, bin[i].fl);
            ck_assert(reply_is(r, bin[i].v, bin[i].vl));
            freeReplyObject(r);
            expect_int(client_cmd(c, "HSTRLEN %s %b", key, bin[i].f, bin[i].fl),
                       (long long)bin[i].vl);
        }
        expect_int(client_cmd(c, "HEXISTS %s %b", key, "a", (size_t)1), 0);
        expect_int(client_cmd(c, "HEXISTS %s %b", key, "a\0", (size_t)2), 0);
        expect_int(client_cmd(c, "HEXISTS %s %b", key, "1", (size_t)1), 0);
        expect_int(client_cmd(c, "HEXISTS %s %b", key, "\0\0", (size_t)2), 0);
        /* HSCAN MATCH on binary fields */
        redisReply *r = client_cmd(c, "HSCAN %s 0 MATCH %b COUNT 10000", key, "a*", (size_t)2);
        ck_assert_uint_eq(r->element[1]->elements, 4);
        for (size_t i = 0; i < 4; i += 2) {
            int idx = kv_index(bin, n, r->element[1]->element[i]->str,
                               r->element[1]->element[i]->len);
            ck_assert(idx == 0 || idx == 1);
            ck_assert(reply_is(r->element[1]->element[i + 1], bin[idx].v, bin[idx].vl));
        }
        freeReplyObject(r);
        /* the empty field removed, the NUL one stays */
        expect_int(client_cmd(c, "HDEL %s %s", key, ""), 1);
        expect_int(client_cmd(c, "HEXISTS %s %s", key, ""), 0);
        expect_int(client_cmd(c, "HEXISTS %s %b", key, "\0", (size_t)1), 1);
        /* an increment on a binary field */
        expect_int(client_cmd(c, "HINCRBY %s %b 5", key, "n\0", (size_t)2), 5);
        expect_int(client_cmd(c, "HINCRBY %s %b 5", key, "n\0", (size_t)2), 10);
        expect_int(client_cmd(c, "HEXISTS %s n", key), 0);
        expect_int(client_cmd(c, "HLEN %s", key), (long long)(k ? 300 + n : n));
    }
    /* the empty field as the only one, with an empty value */
    expect_int(client_cmd(c, "HSET e %s %s", "", ""), 1);
    check_hash("e", "=");
    expect_str(client_cmd(c, "HRANDFIELD e"), "");
    expect_int(client_cmd(c, "HDEL e %s", ""), 1);
    expect_int(client_cmd(c, "EXISTS e"), 0);
}
END_TEST

/* Long values and fields: a 100 KB value, a 10 KB field, updated to short
 * and back; the other fields stay. */
START_TEST(test_long_values)
{
    enum { LONG_VALUE = 100 * 1024, LONG_FIELD = 10 * 1024 };
    char *value = malloc(LONG_VALUE), *field = malloc(LONG_FIELD);
    ck_assert(value && field);
    for (size_t i = 0; i < LONG_VALUE; i++)
        value[i] = (char)('a' + i % 26);
    value[LONG_VALUE / 2] = '\0';
    value[LONG_VALUE - 1] = '\xff';
    for (size_t i = 0; i < LONG_FIELD; i++)
        field[i] = (char)('0' + i % 10);
    expect_int(client_cmd(c, "HSET h a 1 b 2"), 2);
    expect_encoding(c, "h", "listpack");
    expect_int(client_cmd(c, "HSET h big %b", value, (size_t)LONG_VALUE), 1);
    expect_encoding(c, "h", "hashtable");
    expect_int(client_cmd(c, "HSTRLEN h big"), LONG_VALUE);
    redisReply *r = client_cmd(c, "HGET h big");
    ck_assert(reply_is(r, value, LONG_VALUE));
    freeReplyObject(r);
    expect_int(client_cmd(c, "HSET h %b v", field, (size_t)LONG_FIELD), 1);
    expect_str(client_cmd(c, "HGET h %b", field, (size_t)LONG_FIELD), "v");
    expect_int(client_cmd(c, "HSET h %b %b", field, (size_t)LONG_FIELD, value, (size_t)LONG_VALUE),
               0);
    struct kv want[] = {{"a", 1, "1", 1},
                        {"b", 1, "2", 1},
                        {"big", 3, value, LONG_VALUE},
                        {field, LONG_FIELD, value, LONG_VALUE}};
    check_hash_kv("h", want, 4);
    /* updated to a short value and back */
    expect_int(client_cmd(c, "HSET h big short"), 0);
    expect_str(client_cmd(c, "HGET h big"), "short");
    expect_int(client_cmd(c, "HSET h big %b", value, (size_t)LONG_VALUE), 0);
    check_hash_kv("h", want, 4);
    /* a long value in a fresh hash, then deleted */
    expect_int(client_cmd(c, "HSETNX n f %b", value, (size_t)LONG_VALUE), 1);
    expect_int(client_cmd(c, "HSTRLEN n f"), LONG_VALUE);
    expect_int(client_cmd(c, "HDEL n f"), 1);
    expect_int(client_cmd(c, "EXISTS n"), 0);
    expect_int(client_cmd(c, "HDEL h %b big", field, (size_t)LONG_FIELD), 2);
    check_hash("h", "a=1,b=2");
    free(value);
    free(field);
}
END_TEST

/* --------------------------------------------------------- the TTL policy */

/* The TTL policy applies to the hashes commands create (HSET, HMSET,
 * HSETNX, HINCRBY, HINCRBYFLOAT), not to changes of an existing hash; a
 * failed command creates nothing. */
START_TEST(test_ttl_policy_hashes)
{
    expect_int(client_cmd(c, "HSET h f v"), 1);
    expect_ttl(c, "h", 99, 100);
    expect_int(client_cmd(c, "HSET user:h f v"), 1);
    expect_ttl(c, "user:h", 999, 1000);
    expect_status(client_cmd(c, "HMSET hm f v"), "OK");
    expect_ttl(c, "hm", 99, 100);
    expect_int(client_cmd(c, "HSETNX user:nx f v"), 1);
    expect_ttl(c, "user:nx", 999, 1000);
    expect_int(client_cmd(c, "HINCRBY user:i f 1"), 1);
    expect_ttl(c, "user:i", 999, 1000);
    expect_str(client_cmd(c, "HINCRBYFLOAT fl f 1.5"), "1.5");
    expect_ttl(c, "fl", 99, 100);
    /* changes keep the TTL, or the lack of one */
    expect_int(client_cmd(c, "PERSIST h"), 1);
    expect_int(client_cmd(c, "HSET h g w"), 1);
    expect_int(client_cmd(c, "HSET h f v2"), 0);
    expect_status(client_cmd(c, "HMSET h m 1"), "OK");
    expect_int(client_cmd(c, "HSETNX h n 1"), 1);
    expect_int(client_cmd(c, "HINCRBY h n 1"), 2);
    expect_str(client_cmd(c, "HINCRBYFLOAT h n 0.5"), "2.5");
    expect_int(client_cmd(c, "HDEL h g"), 1);
    expect_int(client_cmd(c, "TTL h"), -1);
    expect_int(client_cmd(c, "EXPIRE user:h 50"), 1);
    expect_int(client_cmd(c, "HSET user:h g w"), 1);
    expect_status(client_cmd(c, "HMSET user:h m 1"), "OK");
    expect_int(client_cmd(c, "HSETNX user:h n 1"), 1);
    expect_int(client_cmd(c, "HINCRBY user:h n 1"), 2);
    expect_str(client_cmd(c, "HINCRBYFLOAT user:h n 0.5"), "2.5");
    expect_int(client_cmd(c, "HDEL user:h g"), 1);
    expect_ttl(c, "user:h", 49, 50);
    /* failed commands create nothing */
    expect_error(client_cmd(c, "HINCRBY user:bad f abc"), NOT_INTEGER);
    expect_error(client_cmd(c, "HINCRBYFLOAT user:bad f inf"), "ERR value is NaN or Infinity");
    expect_arity(c, "HSET user:bad f v g", "hset");
    expect_int(client_cmd(c, "EXISTS user:bad"), 0);
    /* a hash emptied and set again is a new key */
    expect_int(client_cmd(c, "HDEL h f m n"), 3);
    expect_int(client_cmd(c, "EXISTS h"), 0);
    expect_int(client_cmd(c, "HSET h z 1"), 1);
    expect_ttl(c, "h", 99, 100);
    /* RENAME and COPY carry the source's expiry */
    expect_int(client_cmd(c, "PERSIST h"), 1);
    expect_int(client_cmd(c, "COPY h user:c"), 1);
    expect_int(client_cmd(c, "TTL user:c"), -1);
    expect_status(client_cmd(c, "RENAME h user:r"), "OK");
    expect_int(client_cmd(c, "TTL user:r"), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hashes");
    TCase *tc = tcase_create("hashes");
    tcase_add_checked_fixture(tc, start_plain, stop);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_hset_hget_hlen);
    tcase_add_test(tc, test_hmset_hsetnx);
    tcase_add_test(tc, test_hmget_hgetall_hkeys_hvals);
    tcase_add_test(tc, test_listpack_order);
    tcase_add_test(tc, test_hdel);
    tcase_add_test(tc, test_hstrlen);
    tcase_add_test(tc, test_hincrby);
    tcase_add_test(tc, test_hincrbyfloat);
    tcase_add_test(tc, test_hincrbyfloat_errors);
    tcase_add_test(tc, test_hrandfield);
    tcase_add_test(tc, test_hrandfield_errors);
    tcase_add_test(tc, test_hscan_small);
    tcase_add_test(tc, test_hscan_novalues);
    tcase_add_test(tc, test_hscan_large);
    tcase_add_test(tc, test_hscan_during_changes);
    tcase_add_test(tc, test_wrongtype_hash_commands);
    tcase_add_test(tc, test_wrongtype_other_commands);
    tcase_add_test(tc, test_resp3_replies);
    tcase_add_test(tc, test_resp3_parsed);
    tcase_add_test(tc, test_multi_exec);
    tcase_add_test(tc, test_watch_hash);
    tcase_add_test(tc, test_watch_hash_same_value);
    suite_add_tcase(s, tc);

    TCase *keyspace = tcase_create("keyspace");
    tcase_add_checked_fixture(keyspace, start_plain, stop);
    tcase_set_timeout(keyspace, TEST_TIMEOUT_S);
    tcase_add_test(keyspace, test_del_exists_type_dbsize);
    tcase_add_test(keyspace, test_expire_hash);
    tcase_add_test(keyspace, test_rename_hash);
    tcase_add_test(keyspace, test_copy_hash);
    tcase_add_test(keyspace, test_move_hash);
    tcase_add_test(keyspace, test_scan_type);
    tcase_add_test(keyspace, test_flushall_large_hashes);
    suite_add_tcase(s, keyspace);

    TCase *enc = tcase_create("encodings");
    tcase_add_checked_fixture(enc, start_plain, stop);
    tcase_set_timeout(enc, TEST_TIMEOUT_S);
    tcase_add_test(enc, test_config_options);
    tcase_add_test(enc, test_config_value_is_memory);
    tcase_add_test(enc, test_object_encoding);
    tcase_add_test(enc, test_encoding_thresholds);
    tcase_add_test(enc, test_encoding_default_limits);
    tcase_add_test(enc, test_number_like_values);
    tcase_add_test(enc, test_binary_fields_values);
    tcase_add_test(enc, test_long_values);
    suite_add_tcase(s, enc);

    TCase *limits = tcase_create("reply limits");
    tcase_add_checked_fixture(limits, start_plain, stop);
    tcase_set_timeout(limits, TEST_TIMEOUT_S);
    tcase_add_test(limits, test_hrandfield_huge_negative_count);
    suite_add_tcase(s, limits);

    TCase *policy = tcase_create("ttl policy");
    tcase_add_checked_fixture(policy, start_with_ttl_policy, stop);
    tcase_set_timeout(policy, TEST_TIMEOUT_S);
    tcase_add_test(policy, test_ttl_policy_hashes);
    suite_add_tcase(s, policy);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
