/* Integration tests of the set type: SADD, SREM, SMEMBERS, SISMEMBER,
 * SMISMEMBER, SCARD, SPOP, SRANDMEMBER, SMOVE, SINTER, SUNION, SDIFF and
 * their STORE forms, SINTERCARD and SSCAN, with Redis 7's replies and error
 * texts; WRONGTYPE both ways between sets and strings; the keyspace
 * commands on set keys (DEL, EXISTS, TYPE, EXPIRE, RENAME, COPY, MOVE,
 * SCAN TYPE, FLUSHALL, DBSIZE); the three encodings seen through behaviour
 * only (thresholds lowered with CONFIG SET, integer edges, non-canonical
 * integers, binary members); RESP3's set replies; INFO's keyspace hits and
 * misses, COMMAND INFO and COMMAND GETKEYS for the set commands;
 * MULTI/EXEC and WATCH on sets; and the TTL policy for sets that commands
 * create. Expected replies were checked against Redis 7.0.15.
 *
 * Set replies come in no particular order: members are compared sorted. */
#include <check.h>
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


/* SADD the members "<prefix><n>" for n in [from, to) to key, 100 per
 * command; every one must be new. */
static void add_range(const char *key, const char *prefix, int from, int to)
{
    enum { BATCH = 100 };
    char names[BATCH][48];
    const char *argv[BATCH + 2] = {"SADD", key};
    for (int i = from; i < to;) {
        int n = 0;
        for (; n < BATCH && i < to; n++, i++) {
            snprintf(names[n], sizeof names[n], "%s%d", prefix, i);
            argv[n + 2] = names[n];
        }
        redisReply *r = redisCommandArgv(c, n + 2, argv, NULL);
        ck_assert_msg(r != NULL, "no reply: %s", c->errstr);
        expect_int(r, n);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort n strings and join them with ',' (malloc'ed). */
static char *join_sorted(const char **items, size_t n)
{
    qsort(items, n, sizeof *items, cmp_str);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(items[i]) + 1;
    char *out = malloc(len);
    ck_assert_ptr_nonnull(out);
    out[0] = '\0';
    char *p = out;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(items[i]);
        memcpy(p, items[i], l);
        p += l;
        if (i + 1 < n)
            *p++ = ',';
        *p = '\0';
    }
    return out;
}

/* The items of a ','-separated list ("" is none) into a malloc'ed array of
 * pointers into *copy (also malloc'ed); returns the count. */
static size_t split_list(const char *list, char **copy, const char ***items)
{
    *copy = strdup(list);
    ck_assert_ptr_nonnull(*copy);
    size_t n = 0, cap = 16;
    *items = malloc(cap * sizeof **items);
    ck_assert_ptr_nonnull(*items);
    if (**copy == '\0')
        return 0;
    for (char *p = *copy;;) {
        if (n == cap) {
            cap *= 2;
            *items = realloc(*items, cap * sizeof **items);
            ck_assert_ptr_nonnull(*items);
        }
        (*items)[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

/* The same list sorted (malloc'ed). */
static char *sort_list(const char *list)
{
    char *copy;
    const char **items;
    size_t n = split_list(list, &copy, &items);
    char *out = join_sorted(items, n);
    free(items);
    free(copy);
    return out;
}

/* Assert r is an array of distinct strings (bulk or status) equal, in any
 * order, to the members of the ','-separated list want (members without
 * ',' or NUL). */
static void check_members(const redisReply *r, const char *want)
{
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY,
                  "expected members %s, got type %d (%s)", want, r->type, r->str ? r->str : "");
    const char **items = malloc((r->elements + 1) * sizeof *items);
    ck_assert_ptr_nonnull(items);
    for (size_t i = 0; i < r->elements; i++) {
        ck_assert(r->element[i]->type == REDIS_REPLY_STRING ||
                  r->element[i]->type == REDIS_REPLY_STATUS);
        ck_assert_uint_eq(strlen(r->element[i]->str), r->element[i]->len);
        items[i] = r->element[i]->str;
    }
    char *got = join_sorted(items, r->elements);
    for (size_t i = 1; i < r->elements; i++)
        ck_assert_msg(strcmp(items[i - 1], items[i]) != 0, "member %s repeated in %s", items[i],
                      got);
    char *exp = sort_list(want);
    ck_assert_msg(strcmp(got, exp) == 0, "members: got {%s}, expected {%s}", got, exp);
    free(exp);
    free(got);
    free(items);
}

/* check_members, then free r. */
static void expect_members(redisReply *r, const char *want)
{
    check_members(r, want);
    freeReplyObject(r);
}

/* SMEMBERS key is want, and SCARD agrees. */
static void expect_smembers(const char *key, const char *want)
{
    expect_members(client_cmd(c, "SMEMBERS %s", key), want);
    char *copy;
    const char **items;
    size_t n = split_list(want, &copy, &items);
    expect_int(client_cmd(c, "SCARD %s", key), (long long)n);
    free(items);
    free(copy);
}

/* The index of s among the n items, or -1. */
static int item_index(const char *s, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], s) == 0)
            return (int)i;
    return -1;
}

/* Whether s is one of the n items. */
static int in_items(const char *s, const char *const *items, size_t n)
{
    return item_index(s, items, n) >= 0;
}

/* Assert r (freed) is an array of exactly n strings, each one of the
 * members of want; returns how many distinct members it held. */
static size_t expect_drawn_from(redisReply *r, size_t n, const char *want)
{
    char *copy;
    const char **items;
    size_t count = split_list(want, &copy, &items);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, n);
    size_t distinct = 0;
    for (size_t i = 0; i < r->elements; i++) {
        ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_STRING);
        ck_assert_msg(in_items(r->element[i]->str, items, count), "%s is not in {%s}",
                      r->element[i]->str, want);
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(r->element[j]->str, r->element[i]->str) != 0;
        distinct += (size_t)first;
    }
    free(items);
    free(copy);
    freeReplyObject(r);
    return distinct;
}

/* Every read path answers the set under key as want (','-separated, not
 * empty): SMEMBERS, SCARD, SISMEMBER and SMISMEMBER of each member and of
 * a stranger, SRANDMEMBER with positive and negative counts, a whole SSCAN,
 * SINTER/SUNION/SDIFF of the key alone (and SUNION, SDIFF of it twice) and
 * SINTERCARD. */
static void check_set(const char *key, const char *want)
{
    char *copy;
    const char **items;
    size_t n = split_list(want, &copy, &items);
    ck_assert_uint_gt(n, 0);
    expect_smembers(key, want);
    expect_status(client_cmd(c, "TYPE %s", key), "set");
    for (size_t i = 0; i < n; i++)
        expect_int(client_cmd(c, "SISMEMBER %s %s", key, items[i]), 1);
    expect_int(client_cmd(c, "SISMEMBER %s %s", key, "no-such-member"), 0);
    /* SMISMEMBER key <every member> stranger */
    const char **argv = malloc((n + 3) * sizeof *argv);
    ck_assert_ptr_nonnull(argv);
    argv[0] = "SMISMEMBER";
    argv[1] = key;
    for (size_t i = 0; i < n; i++)
        argv[i + 2] = items[i];
    argv[n + 2] = "no-such-member";
    redisReply *r = redisCommandArgv(c, (int)n + 3, argv, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, n + 1);
    for (size_t i = 0; i <= n; i++)
        ck_assert_int_eq(r->element[i]->integer, i < n ? 1 : 0);
    freeReplyObject(r);
    free(argv);
    /* SRANDMEMBER: all of them past the size, |count| of them below zero */
    expect_members(client_cmd(c, "SRANDMEMBER %s %d", key, (int)n + 5), want);
    expect_members(client_cmd(c, "SRANDMEMBER %s %d", key, (int)n), want);
    expect_drawn_from(client_cmd(c, "SRANDMEMBER %s -20", key), 20, want);
    size_t half = (n + 1) / 2;
    r = client_cmd(c, "SRANDMEMBER %s %d", key, (int)half);
    ck_assert_uint_eq(expect_drawn_from(r, half, want), half); /* distinct */
    r = client_cmd(c, "SRANDMEMBER %s", key);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_msg(in_items(r->str, items, n), "SRANDMEMBER %s gave %s", key, r->str);
    freeReplyObject(r);
    /* a whole SSCAN, COUNT 1 at a time, returns every member */
    int *seen = calloc(n, sizeof *seen);
    ck_assert_ptr_nonnull(seen);
    unsigned long long cursor = 0;
    int calls = 0;
    do {
        r = client_cmd(c, "SSCAN %s %llu COUNT 1", key, cursor);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_eq(r->elements, 2);
        cursor = strtoull(r->element[0]->str, NULL, 10);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            int idx = item_index(r->element[1]->element[i]->str, items, n);
            ck_assert_msg(idx >= 0, "SSCAN %s gave %s", key, r->element[1]->element[i]->str);
            seen[idx]++;
        }
        freeReplyObject(r);
        ck_assert_int_lt(++calls, 100000);
    } while (cursor != 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(seen[i] >= 1, "SSCAN %s never gave %s", key, items[i]);
    free(seen);
    /* the combinations of the key with itself */
    expect_members(client_cmd(c, "SINTER %s", key), want);
    expect_members(client_cmd(c, "SUNION %s %s", key, key), want);
    expect_members(client_cmd(c, "SDIFF %s", key), want);
    expect_members(client_cmd(c, "SDIFF %s %s", key, key), "");
    expect_int(client_cmd(c, "SINTERCARD 1 %s", key), (long long)n);
    free(items);
    free(copy);
}

/* Empty the set under key with SPOP (one, then two, then the rest) and
 * check that the members popped are exactly want and the key is gone. */
static void pop_all(const char *key, const char *want)
{
    char *copy;
    const char **items;
    size_t n = split_list(want, &copy, &items);
    ck_assert_uint_ge(n, 4);
    const char **popped = malloc(n * sizeof *popped);
    redisReply *replies[3];
    size_t got = 0;
    replies[0] = client_cmd(c, "SPOP %s", key);
    ck_assert_int_eq(replies[0]->type, REDIS_REPLY_STRING);
    popped[got++] = replies[0]->str;
    replies[1] = client_cmd(c, "SPOP %s 2", key);
    replies[2] = client_cmd(c, "SPOP %s 1000000", key);
    for (int k = 1; k < 3; k++) {
        ck_assert_int_eq(replies[k]->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_eq(replies[k]->elements, k == 1 ? 2 : n - 3);
        for (size_t i = 0; i < replies[k]->elements; i++)
            popped[got++] = replies[k]->element[i]->str;
    }
    ck_assert_uint_eq(got, n);
    char *p = join_sorted(popped, got);
    char *exp = sort_list(want);
    ck_assert_msg(strcmp(p, exp) == 0, "popped {%s}, expected {%s}", p, exp);
    free(p);
    free(exp);
    for (int k = 0; k < 3; k++)
        freeReplyObject(replies[k]);
    free(popped);
    free(items);
    free(copy);
    expect_int(client_cmd(c, "EXISTS %s", key), 0);
}

/* Count the strings "<prefix><n>" of the array r into seen[n] (n < limit);
 * returns the number of other strings. */
static size_t tally(const redisReply *r, const char *prefix, int *seen, int limit)
{
    size_t others = 0, plen = strlen(prefix);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        ck_assert_int_eq(e->type, REDIS_REPLY_STRING);
        char *end;
        long n = -1;
        if (e->len > plen && strncmp(e->str, prefix, plen) == 0)
            n = strtol(e->str + plen, &end, 10);
        if (n >= 0 && n < limit && *end == '\0')
            seen[n]++;
        else
            others++;
    }
    return others;
}

/* SMEMBERS key is exactly "<prefix>0" .. "<prefix><n-1>". */
static void expect_range(const char *key, const char *prefix, int n)
{
    int *seen = calloc((size_t)n, sizeof *seen);
    ck_assert_ptr_nonnull(seen);
    redisReply *r = client_cmd(c, "SMEMBERS %s", key);
    ck_assert_uint_eq(r->elements, (size_t)n);
    ck_assert_uint_eq(tally(r, prefix, seen, n), 0);
    for (int i = 0; i < n; i++)
        ck_assert_msg(seen[i] == 1, "%s%d seen %d times in %s", prefix, i, seen[i], key);
    freeReplyObject(r);
    free(seen);
    expect_int(client_cmd(c, "SCARD %s", key), n);
}

/* One SSCAN call: the next cursor into *cursor, the reply (caller frees). */
static redisReply *sscan_once(const char *key, unsigned long long *cursor, const char *opts)
{
    char text[256], cur[24];
    const char *argv[16];
    int argc = 0;
    argv[argc++] = "SSCAN";
    argv[argc++] = key;
    snprintf(cur, sizeof cur, "%llu", *cursor);
    argv[argc++] = cur;
    snprintf(text, sizeof text, "%s", opts);
    for (char *save, *tok = strtok_r(text, " ", &save); tok && argc < 16;
         tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    ck_assert_msg(r != NULL, "no reply: %s", c->errstr);
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "SSCAN: type %d (%s)", r->type,
                  r->str ? r->str : "");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STRING);
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_ARRAY);
    char *end;
    *cursor = strtoull(r->element[0]->str, &end, 10);
    ck_assert(*end == '\0');
    return r;
}

/* A whole SSCAN of key with opts: members "<prefix><n>" counted in seen[],
 * others in *others; returns the number of calls. */
static int sscan_all(const char *key, const char *opts, const char *prefix, int *seen, int limit,
                     size_t *others)
{
    unsigned long long cursor = 0;
    int calls = 0;
    *others = 0;
    do {
        redisReply *r = sscan_once(key, &cursor, opts);
        *others += tally(r->element[1], prefix, seen, limit);
        freeReplyObject(r);
        ck_assert_int_lt(++calls, 1000000);
    } while (cursor != 0);
    return calls;
}

/* How many elements of the array r are the len bytes at p. */
static int count_in(const redisReply *r, const void *p, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < r->elements; i++)
        n += r->element[i]->type == REDIS_REPLY_STRING && r->element[i]->len == len &&
             memcmp(r->element[i]->str, p, len) == 0;
    return n;
}

/* Assert the integer array reply r (freed) is vals[0..n). */
static void expect_ints(redisReply *r, size_t n, const long long *vals)
{
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_INTEGER);
        ck_assert_int_eq(r->element[i]->integer, vals[i]);
    }
    freeReplyObject(r);
}


/* CONFIG GET name answers exactly [name, want]. */
static void expect_config(const char *name, const char *want)
{
    redisReply *r = client_cmd(c, "CONFIG GET %s", name);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, name);
    ck_assert_str_eq(r->element[1]->str, want);
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

/* ------------------------------------------------------ SADD/SREM/SCARD */

/* SADD counts only new members (one repeated in a call once), SREM only
 * present ones; the last member removed deletes the key; arity errors. */
START_TEST(test_sadd_srem_scard)
{
    expect_int(client_cmd(c, "SCARD s"), 0);
    expect_int(client_cmd(c, "SADD s a b c"), 3);
    expect_int(client_cmd(c, "SADD s a d d d"), 1);
    expect_int(client_cmd(c, "SCARD s"), 4);
    expect_smembers("s", "a,b,c,d");
    expect_status(client_cmd(c, "TYPE s"), "set");
    expect_int(client_cmd(c, "SREM s a x a"), 1);
    expect_int(client_cmd(c, "SREM s x y"), 0);
    expect_int(client_cmd(c, "SREM missing a"), 0);
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_smembers("s", "b,c,d");
    expect_int(client_cmd(c, "SREM s b c d"), 3);
    expect_int(client_cmd(c, "EXISTS s"), 0);
    expect_status(client_cmd(c, "TYPE s"), "none");
    expect_int(client_cmd(c, "SCARD s"), 0);
    expect_int(client_cmd(c, "DBSIZE"), 0);
    /* members are case-sensitive; removing more than there is */
    expect_int(client_cmd(c, "SADD s A a"), 2);
    expect_int(client_cmd(c, "SISMEMBER s A"), 1);
    expect_int(client_cmd(c, "SREM s a A a b"), 2);
    expect_int(client_cmd(c, "EXISTS s"), 0);
    /* many members in one call */
    add_range("many", "m", 0, 1000);
    expect_range("many", "m", 1000);
    /* arity */
    expect_arity(c, "SADD s", "sadd");
    expect_arity(c, "SADD", "sadd");
    expect_arity(c, "SREM s", "srem");
    expect_arity(c, "SCARD", "scard");
    expect_arity(c, "SCARD a b", "scard");
    expect_int(client_cmd(c, "EXISTS s"), 0);
}
END_TEST

/* SMEMBERS, SISMEMBER, SMISMEMBER (answers in request order), also for a
 * missing key. */
START_TEST(test_smembers_sismember_smismember)
{
    expect_members(client_cmd(c, "SMEMBERS missing"), "");
    expect_int(client_cmd(c, "SISMEMBER missing a"), 0);
    const long long zeros[] = {0, 0};
    expect_ints(client_cmd(c, "SMISMEMBER missing a b"), 2, zeros);
    expect_int(client_cmd(c, "SADD s x y z"), 3);
    expect_int(client_cmd(c, "SISMEMBER s x"), 1);
    expect_int(client_cmd(c, "SISMEMBER s w"), 0);
    expect_int(client_cmd(c, "SISMEMBER s X"), 0);
    const long long want[] = {1, 0, 1, 1, 0};
    expect_ints(client_cmd(c, "SMISMEMBER s z w x x Y"), 5, want);
    const long long one[] = {1};
    expect_ints(client_cmd(c, "SMISMEMBER s y"), 1, one);
    expect_members(client_cmd(c, "SMEMBERS s"), "x,y,z");
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_arity(c, "SMEMBERS", "smembers");
    expect_arity(c, "SMEMBERS a b", "smembers");
    expect_arity(c, "SISMEMBER s", "sismember");
    expect_arity(c, "SISMEMBER s a b", "sismember");
    expect_arity(c, "SMISMEMBER s", "smismember");
}
END_TEST

/* ------------------------------------------------------------------- SPOP */

/* SPOP without and with a count: members removed are distinct and leave
 * the set; count 0 is empty; a count reaching the size deletes the key. */
START_TEST(test_spop)
{
    expect_nil(client_cmd(c, "SPOP missing"));
    expect_members(client_cmd(c, "SPOP missing 3"), "");
    expect_members(client_cmd(c, "SPOP missing 0"), "");
    expect_int(client_cmd(c, "EXISTS missing"), 0);

    expect_int(client_cmd(c, "SADD s a b c d e"), 5);
    redisReply *r = client_cmd(c, "SPOP s");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert(strlen(r->str) == 1 && r->str[0] >= 'a' && r->str[0] <= 'e');
    expect_int(client_cmd(c, "SISMEMBER s %s", r->str), 0);
    freeReplyObject(r);
    expect_int(client_cmd(c, "SCARD s"), 4);
    /* count 0 changes nothing */
    expect_members(client_cmd(c, "SPOP s 0"), "");
    expect_int(client_cmd(c, "SCARD s"), 4);
    /* 2 of 4: distinct, gone from the set */
    r = client_cmd(c, "SPOP s 2");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_ne(r->element[0]->str, r->element[1]->str);
    for (size_t i = 0; i < 2; i++)
        expect_int(client_cmd(c, "SISMEMBER s %s", r->element[i]->str), 0);
    freeReplyObject(r);
    expect_int(client_cmd(c, "SCARD s"), 2);
    /* a count equal to the size takes all and deletes the key */
    r = client_cmd(c, "SMEMBERS s");
    char rest[2][8];
    snprintf(rest[0], sizeof rest[0], "%s", r->element[0]->str);
    snprintf(rest[1], sizeof rest[1], "%s", r->element[1]->str);
    freeReplyObject(r);
    char want[32];
    snprintf(want, sizeof want, "%s,%s", rest[0], rest[1]);
    expect_members(client_cmd(c, "SPOP s 2"), want);
    expect_int(client_cmd(c, "EXISTS s"), 0);
    /* ... and so does a larger one */
    expect_int(client_cmd(c, "SADD s 1 2 3"), 3);
    expect_members(client_cmd(c, "SPOP s 10"), "1,2,3");
    expect_int(client_cmd(c, "EXISTS s"), 0);
    /* popping one at a time empties and deletes it */
    expect_int(client_cmd(c, "SADD s x y"), 2);
    freeReplyObject(client_cmd(c, "SPOP s"));
    freeReplyObject(client_cmd(c, "SPOP s"));
    expect_int(client_cmd(c, "EXISTS s"), 0);
    expect_nil(client_cmd(c, "SPOP s"));
    /* every member of a large set comes out exactly once */
    add_range("big", "m", 0, 1000);
    int seen[1000] = {0};
    r = client_cmd(c, "SPOP big 10");
    ck_assert_uint_eq(r->elements, 10);
    ck_assert_uint_eq(tally(r, "m", seen, 1000), 0);
    freeReplyObject(r);
    r = client_cmd(c, "SPOP big 900");
    ck_assert_uint_eq(r->elements, 900);
    ck_assert_uint_eq(tally(r, "m", seen, 1000), 0);
    freeReplyObject(r);
    expect_int(client_cmd(c, "SCARD big"), 90);
    for (int i = 0; i < 89; i++) {
        r = client_cmd(c, "SPOP big");
        ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
        int n = atoi(r->str + 1);
        ck_assert(n >= 0 && n < 1000);
        seen[n]++;
        freeReplyObject(r);
    }
    r = client_cmd(c, "SPOP big 1");
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_uint_eq(tally(r, "m", seen, 1000), 0);
    freeReplyObject(r);
    for (int i = 0; i < 1000; i++)
        ck_assert_msg(seen[i] == 1, "m%d popped %d times", i, seen[i]);
    expect_int(client_cmd(c, "EXISTS big"), 0);
    /* errors: the count is checked first, even for a missing key */
    const char *positive = "ERR value is out of range, must be positive";
    expect_int(client_cmd(c, "SADD s a"), 1);
    expect_error(client_cmd(c, "SPOP s -1"), positive);
    expect_error(client_cmd(c, "SPOP s abc"), positive);
    expect_error(client_cmd(c, "SPOP s 1.5"), positive);
    expect_error(client_cmd(c, "SPOP s %s", ""), positive);
    expect_error(client_cmd(c, "SPOP s 9223372036854775808"), positive);
    expect_error(client_cmd(c, "SPOP missing -1"), positive);
    expect_error(client_cmd(c, "SPOP s 1 2"), "ERR syntax error");
    expect_error(client_cmd(c, "SPOP s 1 COUNT"), "ERR syntax error");
    expect_arity(c, "SPOP", "spop");
    expect_smembers("s", "a");
}
END_TEST

/* ------------------------------------------------------------ SRANDMEMBER */

/* SRANDMEMBER leaves the set alone: one member, distinct members for a
 * positive count (all of them from the size on), exactly -count members
 * for a negative one, none for 0; nil / empty for a missing key. */
/* A repeated draw whose reply would pass proto-max-bulk-len is refused
 * instead of being buffered whole; one just under the bound is answered. */
START_TEST(test_srandmember_huge_negative_count)
{
    expect_int(client_cmd(c, "SADD s a b c"), 3);
    expect_status(client_cmd(c, "CONFIG SET proto-max-bulk-len 1mb"), "OK");
    const char *err = "ERR count is too large: the reply would exceed proto-max-bulk-len";
    expect_error(client_cmd(c, "SRANDMEMBER s -9223372036854775807"), err);
    expect_error(client_cmd(c, "SRANDMEMBER s -1000000"), err);
    redisReply *r = client_cmd(c, "SRANDMEMBER s -10000");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 10000);
    freeReplyObject(r);
    expect_int(client_cmd(c, "SCARD s"), 3);
}
END_TEST

START_TEST(test_srandmember)
{
    expect_nil(client_cmd(c, "SRANDMEMBER missing"));
    expect_members(client_cmd(c, "SRANDMEMBER missing 3"), "");
    expect_members(client_cmd(c, "SRANDMEMBER missing -3"), "");
    expect_members(client_cmd(c, "SRANDMEMBER missing 0"), "");
    expect_int(client_cmd(c, "EXISTS missing"), 0);

    const char *five = "a,b,c,d,e";
    expect_int(client_cmd(c, "SADD s a b c d e"), 5);
    redisReply *r = client_cmd(c, "SRANDMEMBER s");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert(strlen(r->str) == 1 && r->str[0] >= 'a' && r->str[0] <= 'e');
    freeReplyObject(r);
    expect_members(client_cmd(c, "SRANDMEMBER s 0"), "");
    ck_assert_uint_eq(expect_drawn_from(client_cmd(c, "SRANDMEMBER s 2"), 2, five), 2);
    ck_assert_uint_eq(expect_drawn_from(client_cmd(c, "SRANDMEMBER s 4"), 4, five), 4);
    expect_members(client_cmd(c, "SRANDMEMBER s 5"), five);
    expect_members(client_cmd(c, "SRANDMEMBER s 100"), five);
    /* negative: exactly |count| members, repeating (300 from 5 members:
     * all five show up) */
    ck_assert_uint_eq(expect_drawn_from(client_cmd(c, "SRANDMEMBER s -300"), 300, five), 5);
    expect_drawn_from(client_cmd(c, "SRANDMEMBER s -1"), 1, five);
    expect_drawn_from(client_cmd(c, "SRANDMEMBER s -5"), 5, five);
    /* random: 50 draws of 2 cover the five members */
    int seen[5] = {0};
    for (int i = 0; i < 50; i++) {
        r = client_cmd(c, "SRANDMEMBER s 2");
        for (size_t j = 0; j < r->elements; j++)
            seen[r->element[j]->str[0] - 'a'] = 1;
        freeReplyObject(r);
    }
    for (int i = 0; i < 5; i++)
        ck_assert_msg(seen[i], "%c never drawn", 'a' + i);
    expect_smembers("s", five); /* nothing removed */
    /* a large set: the two ways of drawing distinct members */
    add_range("big", "m", 0, 1000);
    int big[1000];
    size_t counts[] = {10, 300, 600, 999};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        memset(big, 0, sizeof big);
        r = client_cmd(c, "SRANDMEMBER big %d", (int)counts[k]);
        ck_assert_uint_eq(r->elements, counts[k]);
        ck_assert_uint_eq(tally(r, "m", big, 1000), 0);
        freeReplyObject(r);
        for (int i = 0; i < 1000; i++)
            ck_assert_int_le(big[i], 1);
    }
    memset(big, 0, sizeof big);
    r = client_cmd(c, "SRANDMEMBER big -5000");
    ck_assert_uint_eq(r->elements, 5000);
    ck_assert_uint_eq(tally(r, "m", big, 1000), 0);
    freeReplyObject(r);
    int distinct = 0;
    for (int i = 0; i < 1000; i++)
        distinct += big[i] > 0;
    ck_assert_int_gt(distinct, 500); /* about 993 expected */
    expect_range("big", "m", 1000);
    /* errors */
    const char *nan = "ERR value is not an integer or out of range";
    expect_error(client_cmd(c, "SRANDMEMBER s abc"), nan);
    expect_error(client_cmd(c, "SRANDMEMBER s 1.5"), nan);
    expect_error(client_cmd(c, "SRANDMEMBER s %s", ""), nan);
    expect_error(client_cmd(c, "SRANDMEMBER s 9223372036854775808"), nan);
    expect_error(client_cmd(c, "SRANDMEMBER missing abc"), nan);
    expect_error(client_cmd(c, "SRANDMEMBER s -9223372036854775808"),
                 "ERR value is out of range, value must between -9223372036854775807 and "
                 "9223372036854775807");
    expect_error(client_cmd(c, "SRANDMEMBER s 1 2"), "ERR syntax error");
    expect_arity(c, "SRANDMEMBER", "srandmember");
}
END_TEST

/* ------------------------------------------------------------------ SMOVE */

/* SMOVE: moved (1) or not in the source (0); the same key; an existing
 * destination member; a destination created, a source deleted; TTLs of
 * both stay; WRONGTYPE on either side moves nothing. */
START_TEST(test_smove)
{
    expect_int(client_cmd(c, "SADD src a b c"), 3);
    expect_int(client_cmd(c, "SADD dst x"), 1);
    expect_int(client_cmd(c, "SMOVE src dst a"), 1);
    expect_smembers("src", "b,c");
    expect_smembers("dst", "a,x");
    expect_int(client_cmd(c, "SMOVE src dst zz"), 0);
    expect_int(client_cmd(c, "SMOVE src dst a"), 0);
    expect_int(client_cmd(c, "SMOVE missing dst a"), 0);
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_smembers("src", "b,c");
    expect_smembers("dst", "a,x");
    /* the same key: 1 when the member is there, nothing changes */
    expect_int(client_cmd(c, "SMOVE src src b"), 1);
    expect_int(client_cmd(c, "SMOVE src src zz"), 0);
    expect_int(client_cmd(c, "SMOVE missing missing a"), 0);
    expect_smembers("src", "b,c");
    /* already in the destination: it leaves the source all the same */
    expect_int(client_cmd(c, "SADD dst b"), 1);
    expect_int(client_cmd(c, "SMOVE src dst b"), 1);
    expect_smembers("src", "c");
    expect_smembers("dst", "a,b,x");
    /* the destination is created, the emptied source deleted */
    expect_int(client_cmd(c, "SMOVE src fresh c"), 1);
    expect_int(client_cmd(c, "EXISTS src"), 0);
    expect_smembers("fresh", "c");
    expect_int(client_cmd(c, "TTL fresh"), -1);
    /* both keys keep their TTLs */
    expect_int(client_cmd(c, "SADD src p q"), 2);
    expect_int(client_cmd(c, "EXPIRE src 100"), 1);
    expect_int(client_cmd(c, "EXPIRE dst 200"), 1);
    expect_int(client_cmd(c, "SMOVE src dst p"), 1);
    expect_ttl(c, "src", 99, 100);
    expect_ttl(c, "dst", 199, 200);
    /* WRONGTYPE on either side: nothing moves */
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_error(client_cmd(c, "SMOVE str dst a"), WRONGTYPE);
    expect_error(client_cmd(c, "SMOVE src str q"), WRONGTYPE);
    expect_error(client_cmd(c, "SMOVE src str nope"), WRONGTYPE);
    expect_error(client_cmd(c, "SMOVE str str v"), WRONGTYPE);
    expect_smembers("src", "q");
    expect_str(client_cmd(c, "GET str"), "v");
    expect_arity(c, "SMOVE a b", "smove");
    expect_arity(c, "SMOVE a b c d", "smove");
}
END_TEST

/* Redis answers 0 for a missing source before it looks at the
 * destination's type (t_set.c smoveCommand). */
START_TEST(test_smove_missing_source_wrongtype_destination)
{
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_int(client_cmd(c, "SMOVE missing str a"), 0);
    expect_str(client_cmd(c, "GET str"), "v");
}
END_TEST

/* 2,000 one-member sets moved into one: each source is deleted as it
 * empties (the keyspace shrinks meanwhile) and the destination gets all. */
START_TEST(test_smove_many_sources)
{
    enum { N = 2000 };
    for (int i = 0; i < N; i++)
        redisAppendCommand(c, "SADD src:%d m%d", i, i);
    client_drain(c, N, REDIS_REPLY_INTEGER);
    for (int i = 0; i < N; i++)
        redisAppendCommand(c, "SMOVE src:%d dst m%d", i, i);
    for (int i = 0; i < N; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(c, (void **)&r), REDIS_OK);
        expect_int(r, 1);
    }
    expect_int(client_cmd(c, "DBSIZE"), 1);
    expect_range("dst", "m", N);
}
END_TEST

/* ------------------------------------------------ SINTER/SUNION/SDIFF */

/* The three combinations: missing keys are empty sets, a key may repeat,
 * and every key's type is checked even after a missing one. */
START_TEST(test_sinter_sunion_sdiff)
{
    expect_int(client_cmd(c, "SADD a 1 2 3 x y"), 5);
    expect_int(client_cmd(c, "SADD b 2 3 4 y z"), 5);
    expect_int(client_cmd(c, "SADD c 3 y w"), 3);
    expect_members(client_cmd(c, "SINTER a b"), "2,3,y");
    expect_members(client_cmd(c, "SINTER a b c"), "3,y");
    expect_members(client_cmd(c, "SINTER c b a"), "3,y");
    expect_members(client_cmd(c, "SINTER a"), "1,2,3,x,y");
    expect_members(client_cmd(c, "SINTER a a"), "1,2,3,x,y");
    expect_members(client_cmd(c, "SUNION a b"), "1,2,3,4,x,y,z");
    expect_members(client_cmd(c, "SUNION a b c"), "1,2,3,4,w,x,y,z");
    expect_members(client_cmd(c, "SUNION c"), "3,w,y");
    expect_members(client_cmd(c, "SDIFF a b"), "1,x");
    expect_members(client_cmd(c, "SDIFF b a"), "4,z");
    expect_members(client_cmd(c, "SDIFF a b c"), "1,x");
    expect_members(client_cmd(c, "SDIFF a c"), "1,2,x");
    expect_members(client_cmd(c, "SDIFF a a"), "");
    /* missing keys */
    expect_members(client_cmd(c, "SINTER a missing"), "");
    expect_members(client_cmd(c, "SINTER missing a"), "");
    expect_members(client_cmd(c, "SINTER missing"), "");
    expect_members(client_cmd(c, "SUNION missing a missing"), "1,2,3,x,y");
    expect_members(client_cmd(c, "SUNION missing other"), "");
    expect_members(client_cmd(c, "SDIFF missing a"), "");
    expect_members(client_cmd(c, "SDIFF a missing"), "1,2,3,x,y");
    expect_int(client_cmd(c, "EXISTS missing other"), 0);
    /* a large set against small ones */
    add_range("big", "m", 0, 500);
    expect_int(client_cmd(c, "SADD big 2 y"), 2);
    expect_members(client_cmd(c, "SINTER a big"), "2,y");
    expect_members(client_cmd(c, "SINTER big a b"), "2,y");
    expect_members(client_cmd(c, "SDIFF a big"), "1,3,x");
    redisReply *r = client_cmd(c, "SUNION big a");
    ck_assert_uint_eq(r->elements, 505);
    freeReplyObject(r);
    r = client_cmd(c, "SDIFF big a");
    ck_assert_uint_eq(r->elements, 500);
    freeReplyObject(r);
    /* WRONGTYPE for any key, also after a missing one */
    expect_status(client_cmd(c, "SET str v"), "OK");
    const char *cmds[] = {"SINTER", "SUNION", "SDIFF"};
    for (size_t i = 0; i < 3; i++) {
        expect_error(client_cmd(c, "%s str", cmds[i]), WRONGTYPE);
        expect_error(client_cmd(c, "%s a str", cmds[i]), WRONGTYPE);
        expect_error(client_cmd(c, "%s str a", cmds[i]), WRONGTYPE);
        expect_error(client_cmd(c, "%s missing str", cmds[i]), WRONGTYPE);
        expect_error(client_cmd(c, "%s a missing str", cmds[i]), WRONGTYPE);
    }
    expect_arity(c, "SINTER", "sinter");
    expect_arity(c, "SUNION", "sunion");
    expect_arity(c, "SDIFF", "sdiff");
}
END_TEST

/* SINTER, SINTERSTORE and SINTERCARD naming the same large set twice
 * answer the whole set, each member once, at every size the set grows
 * through (its table resizing on the way). */
START_TEST(test_sinter_same_key_twice)
{
    enum { MAX = 2000, STEP = 50 };
    int seen[MAX];
    for (int n = STEP; n <= MAX; n += STEP) {
        add_range("s", "m", n - STEP, n);
        memset(seen, 0, sizeof seen);
        redisReply *r = client_cmd(c, "SINTER s s");
        ck_assert_uint_eq(tally(r, "m", seen, MAX), 0);
        size_t got = r->elements;
        freeReplyObject(r);
        for (int i = 0; i < n; i++)
            ck_assert_msg(seen[i] == 1, "size %d: SINTER s s returned m%d %d times (%zu replies)",
                          n, i, seen[i], got);
        ck_assert_uint_eq(got, (size_t)n);
        /* more members, each time with the table in another state */
        add_range("s", "x", 0, n);
        expect_int(client_cmd(c, "SINTERSTORE d s s"), 2LL * n);
        expect_int(client_cmd(c, "SCARD d"), 2LL * n);
        add_range("s", "y", 0, n);
        expect_int(client_cmd(c, "SINTERCARD 2 s s"), 3LL * n);
        add_range("s", "z", 0, n);
        expect_int(client_cmd(c, "SINTERCARD 3 s d s"), 2LL * n);
        /* back to the "m" members only, for the next round */
        for (int i = 0; i < n; i++)
            redisAppendCommand(c, "SREM s x%d y%d z%d", i, i, i);
        client_drain(c, (size_t)n, REDIS_REPLY_INTEGER);
        expect_int(client_cmd(c, "SCARD s"), n);
    }
}
END_TEST

/* The STORE forms: the size is answered, the destination replaced (a
 * string too, and its TTL cleared), a destination that is also a source,
 * an empty result deletes the destination; WRONGTYPE leaves it alone. */
START_TEST(test_store_variants)
{
    expect_int(client_cmd(c, "SADD a 1 2 3 x"), 4);
    expect_int(client_cmd(c, "SADD b 2 3 4 y"), 4);
    expect_int(client_cmd(c, "SINTERSTORE d a b"), 2);
    expect_smembers("d", "2,3");
    expect_int(client_cmd(c, "SUNIONSTORE d a b"), 6);
    expect_smembers("d", "1,2,3,4,x,y");
    expect_int(client_cmd(c, "SDIFFSTORE d a b"), 2);
    expect_smembers("d", "1,x");
    /* the sources are unchanged */
    expect_smembers("a", "1,2,3,x");
    expect_smembers("b", "2,3,4,y");
    /* a string destination is replaced; the TTL goes */
    expect_status(client_cmd(c, "SET d str EX 100"), "OK");
    expect_int(client_cmd(c, "SUNIONSTORE d a"), 4);
    expect_smembers("d", "1,2,3,x");
    expect_int(client_cmd(c, "TTL d"), -1);
    expect_int(client_cmd(c, "EXPIRE d 100"), 1);
    expect_int(client_cmd(c, "SINTERSTORE d b"), 4);
    expect_int(client_cmd(c, "TTL d"), -1);
    /* the destination among the sources */
    expect_int(client_cmd(c, "SUNIONSTORE a a b"), 6);
    expect_smembers("a", "1,2,3,4,x,y");
    expect_int(client_cmd(c, "SDIFFSTORE a a b"), 2);
    expect_smembers("a", "1,x");
    expect_int(client_cmd(c, "SADD a 2"), 1);
    expect_int(client_cmd(c, "SINTERSTORE a b a"), 1);
    expect_smembers("a", "2");
    /* an empty result deletes the destination, whatever it held */
    expect_int(client_cmd(c, "SINTERSTORE a a missing"), 0);
    expect_int(client_cmd(c, "EXISTS a"), 0);
    expect_status(client_cmd(c, "SET s v"), "OK");
    expect_int(client_cmd(c, "SDIFFSTORE s b b"), 0);
    expect_int(client_cmd(c, "EXISTS s"), 0);
    expect_int(client_cmd(c, "SUNIONSTORE s missing other"), 0);
    expect_int(client_cmd(c, "EXISTS s"), 0);
    expect_int(client_cmd(c, "SADD d q"), 1);
    expect_int(client_cmd(c, "SDIFFSTORE d missing b"), 0);
    expect_int(client_cmd(c, "EXISTS d"), 0);
    expect_int(client_cmd(c, "SINTERSTORE d missing"), 0);
    expect_int(client_cmd(c, "EXISTS d"), 0);
    /* a large result */
    add_range("big", "m", 0, 400);
    add_range("big2", "m", 200, 600);
    expect_int(client_cmd(c, "SUNIONSTORE u big big2"), 600);
    expect_range("u", "m", 600);
    expect_int(client_cmd(c, "SINTERSTORE i big big2"), 200);
    expect_int(client_cmd(c, "SDIFFSTORE df big big2"), 200);
    expect_int(client_cmd(c, "SDIFFSTORE df df"), 200);
    expect_range("df", "m", 200);
    expect_int(client_cmd(c, "SUNIONSTORE big big i"), 400);
    expect_range("big", "m", 400);
    /* WRONGTYPE: checked for every source, the destination untouched */
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_int(client_cmd(c, "SADD d keep"), 1);
    const char *cmds[] = {"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"};
    for (size_t i = 0; i < 3; i++) {
        expect_error(client_cmd(c, "%s d str", cmds[i]), WRONGTYPE);
        expect_error(client_cmd(c, "%s d b str", cmds[i]), WRONGTYPE);
        expect_error(client_cmd(c, "%s d missing str", cmds[i]), WRONGTYPE);
        expect_error(client_cmd(c, "%s d b missing str", cmds[i]), WRONGTYPE);
        expect_smembers("d", "keep");
    }
    expect_str(client_cmd(c, "GET str"), "v");
    expect_arity(c, "SINTERSTORE d", "sinterstore");
    expect_arity(c, "SUNIONSTORE d", "sunionstore");
    expect_arity(c, "SDIFFSTORE d", "sdiffstore");
}
END_TEST

/* ------------------------------------------------------------- SINTERCARD */

/* SINTERCARD: the size of the intersection, stopped at LIMIT (0: none);
 * the numkeys and LIMIT errors, syntax errors and WRONGTYPE. */
START_TEST(test_sintercard)
{
    expect_int(client_cmd(c, "SADD a 1 2 3 x y"), 5);
    expect_int(client_cmd(c, "SADD b 2 3 4 y z"), 5);
    expect_int(client_cmd(c, "SINTERCARD 1 a"), 5);
    expect_int(client_cmd(c, "SINTERCARD 2 a b"), 3);
    expect_int(client_cmd(c, "SINTERCARD 2 a a"), 5);
    expect_int(client_cmd(c, "SINTERCARD 2 a missing"), 0);
    expect_int(client_cmd(c, "SINTERCARD 1 missing"), 0);
    expect_int(client_cmd(c, "SINTERCARD 2 a b LIMIT 0"), 3);
    expect_int(client_cmd(c, "SINTERCARD 2 a b LIMIT 1"), 1);
    expect_int(client_cmd(c, "SINTERCARD 2 a b limit 2"), 2);
    expect_int(client_cmd(c, "SINTERCARD 2 a b LIMIT 3"), 3);
    expect_int(client_cmd(c, "SINTERCARD 2 a b LIMIT 100"), 3);
    expect_int(client_cmd(c, "SINTERCARD 1 a LIMIT 1 LIMIT 0"), 5); /* the last one counts */
    /* a key named "LIMIT" counted among the keys */
    expect_int(client_cmd(c, "SADD LIMIT 2 y"), 2);
    expect_int(client_cmd(c, "SINTERCARD 2 a LIMIT"), 2);
    /* a large intersection, limited */
    add_range("big", "m", 0, 1000);
    add_range("big2", "m", 500, 1500);
    expect_int(client_cmd(c, "SINTERCARD 2 big big2"), 500);
    expect_int(client_cmd(c, "SINTERCARD 2 big big2 LIMIT 7"), 7);
    /* numkeys */
    const char *numkeys = "ERR numkeys should be greater than 0";
    expect_error(client_cmd(c, "SINTERCARD 0 a"), numkeys);
    expect_error(client_cmd(c, "SINTERCARD -1 a"), numkeys);
    expect_error(client_cmd(c, "SINTERCARD abc a"), numkeys);
    expect_error(client_cmd(c, "SINTERCARD 1.5 a"), numkeys);
    expect_error(client_cmd(c, "SINTERCARD 99999999999999999999 a"), numkeys);
    const char *toomany = "ERR Number of keys can't be greater than number of args";
    expect_error(client_cmd(c, "SINTERCARD 2 a"), toomany);
    expect_error(client_cmd(c, "SINTERCARD 3 a b"), toomany);
    expect_error(client_cmd(c, "SINTERCARD 9223372036854775807 a"), toomany);
    /* LIMIT */
    const char *negative = "ERR LIMIT can't be negative";
    expect_error(client_cmd(c, "SINTERCARD 1 a LIMIT -1"), negative);
    expect_error(client_cmd(c, "SINTERCARD 1 a LIMIT abc"), negative);
    expect_error(client_cmd(c, "SINTERCARD 1 a LIMIT 1.5"), negative);
    expect_error(client_cmd(c, "SINTERCARD 1 a LIMIT 99999999999999999999"), negative);
    expect_error(client_cmd(c, "SINTERCARD 1 a LIMIT"), "ERR syntax error");
    expect_error(client_cmd(c, "SINTERCARD 1 a FOO 1"), "ERR syntax error");
    expect_error(client_cmd(c, "SINTERCARD 1 a LIMIT 1 b"), "ERR syntax error");
    /* WRONGTYPE, also after a missing key */
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_error(client_cmd(c, "SINTERCARD 1 str"), WRONGTYPE);
    expect_error(client_cmd(c, "SINTERCARD 2 a str"), WRONGTYPE);
    expect_error(client_cmd(c, "SINTERCARD 2 missing str"), WRONGTYPE);
    expect_arity(c, "SINTERCARD 1", "sintercard");
    expect_arity(c, "SINTERCARD", "sintercard");
}
END_TEST

/* ------------------------------------------------------------------ SSCAN */

/* SSCAN of small sets: every member, cursor 0 at the end; MATCH; the
 * option and cursor errors; a missing key is an empty scan whatever the
 * options; WRONGTYPE. */
START_TEST(test_sscan_small)
{
    /* a small set of integers comes whole in one call, whatever COUNT */
    expect_int(client_cmd(c, "SADD ints 1 2 3 10 11"), 5);
    unsigned long long cursor = 0;
    redisReply *r = sscan_once("ints", &cursor, "COUNT 1");
    ck_assert_uint_eq(cursor, 0);
    check_members(r->element[1], "1,2,3,10,11");
    freeReplyObject(r);
    cursor = 0;
    r = sscan_once("ints", &cursor, "MATCH 1*");
    ck_assert_uint_eq(cursor, 0);
    int seen[20] = {0};
    ck_assert_uint_eq(tally(r->element[1], "", seen, 20), 0);
    ck_assert_uint_eq(r->element[1]->elements, 3);
    ck_assert(seen[1] && seen[10] && seen[11]);
    freeReplyObject(r);
    /* small string sets: a whole scan returns every member */
    expect_int(client_cmd(c, "SADD s k0 k1 k2 k3 k4 x"), 6);
    memset(seen, 0, sizeof seen);
    size_t others;
    sscan_all("s", "COUNT 2", "k", seen, 20, &others);
    for (int i = 0; i < 5; i++)
        ck_assert_int_ge(seen[i], 1);
    ck_assert_uint_ge(others, 1);
    memset(seen, 0, sizeof seen);
    sscan_all("s", "MATCH k* COUNT 100", "k", seen, 20, &others);
    ck_assert_uint_eq(others, 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_ge(seen[i], 1);
    memset(seen, 0, sizeof seen);
    sscan_all("s", "MATCH nothing*", "k", seen, 20, &others);
    ck_assert_uint_eq(others, 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(seen[i], 0);
    /* the last MATCH counts */
    memset(seen, 0, sizeof seen);
    sscan_all("s", "MATCH nothing MATCH k[13]", "k", seen, 20, &others);
    ck_assert_uint_eq(others, 0);
    ck_assert(seen[1] >= 1 && seen[3] >= 1 && seen[0] == 0 && seen[2] == 0 && seen[4] == 0);
    /* a missing key: an empty scan, options unread */
    r = client_cmd(c, "SSCAN missing 0");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "0");
    ck_assert_uint_eq(r->element[1]->elements, 0);
    freeReplyObject(r);
    r = client_cmd(c, "SSCAN missing 0 COUNT 0");
    ck_assert_str_eq(r->element[0]->str, "0");
    ck_assert_uint_eq(r->element[1]->elements, 0);
    freeReplyObject(r);
    /* cursor forms Redis accepts */
    r = client_cmd(c, "SSCAN ints 00");
    ck_assert_str_eq(r->element[0]->str, "0");
    ck_assert_uint_eq(r->element[1]->elements, 5);
    freeReplyObject(r);
    r = client_cmd(c, "SSCAN ints %s", "");
    ck_assert_uint_eq(r->element[1]->elements, 5);
    freeReplyObject(r);
    /* errors */
    const char *cur = "ERR invalid cursor";
    expect_error(client_cmd(c, "SSCAN s abc"), cur);
    expect_error(client_cmd(c, "SSCAN s 1.5"), cur);
    expect_error(client_cmd(c, "SSCAN s 18446744073709551616"), cur);
    expect_error(client_cmd(c, "SSCAN missing abc"), cur);
    const char *syn = "ERR syntax error";
    expect_error(client_cmd(c, "SSCAN s 0 COUNT 0"), syn);
    expect_error(client_cmd(c, "SSCAN s 0 COUNT -1"), syn);
    expect_error(client_cmd(c, "SSCAN s 0 COUNT 5 COUNT 0"), syn);
    expect_error(client_cmd(c, "SSCAN s 0 MATCH"), syn);
    expect_error(client_cmd(c, "SSCAN s 0 TYPE string"), syn);
    expect_error(client_cmd(c, "SSCAN s 0 NOVALUES"), syn);
    expect_error(client_cmd(c, "SSCAN s 0 COUNT abc"),
                 "ERR value is not an integer or out of range");
    expect_error(client_cmd(c, "SSCAN s 0 COUNT 99999999999999999999"),
                 "ERR value is not an integer or out of range");
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_error(client_cmd(c, "SSCAN str 0"), WRONGTYPE);
    expect_error(client_cmd(c, "SSCAN str 0 COUNT 0"), WRONGTYPE);
    expect_error(client_cmd(c, "SSCAN str abc"), cur);
    expect_arity(c, "SSCAN s", "sscan");
}
END_TEST

/* SSCAN of a large set: COUNT 10 takes many calls and returns every
 * member; MATCH filters; a large COUNT takes it whole. */
START_TEST(test_sscan_large)
{
    enum { N = 1000 };
    add_range("big", "m", 0, N);
    add_range("big", "other", 0, 50);
    int seen[N];
    memset(seen, 0, sizeof seen);
    size_t others;
    int calls = sscan_all("big", "COUNT 10", "m", seen, N, &others);
    for (int i = 0; i < N; i++)
        ck_assert_msg(seen[i] >= 1, "m%d not returned", i);
    ck_assert_uint_ge(others, 50);
    ck_assert_int_gt(calls, 5);
    /* without COUNT: the default of 10 */
    memset(seen, 0, sizeof seen);
    calls = sscan_all("big", "", "m", seen, N, &others);
    for (int i = 0; i < N; i++)
        ck_assert(seen[i] >= 1);
    ck_assert_int_gt(calls, 5);
    /* MATCH */
    memset(seen, 0, sizeof seen);
    sscan_all("big", "MATCH m1?? COUNT 7", "m", seen, N, &others);
    ck_assert_uint_eq(others, 0);
    for (int i = 0; i < N; i++)
        ck_assert_msg((i >= 100 && i < 200) ? seen[i] >= 1 : seen[i] == 0, "m%d seen %d", i,
                      seen[i]);
    /* a COUNT above the size takes everything in one call */
    unsigned long long cursor = 0;
    redisReply *r = sscan_once("big", &cursor, "COUNT 100000");
    ck_assert_uint_eq(cursor, 0);
    ck_assert_uint_eq(r->element[1]->elements, N + 50);
    freeReplyObject(r);
    /* a small COUNT returns a part and a cursor to go on with */
    cursor = 0;
    r = sscan_once("big", &cursor, "COUNT 5");
    ck_assert_uint_ne(cursor, 0);
    ck_assert_uint_lt(r->element[1]->elements, 200);
    freeReplyObject(r);
    /* nothing changed */
    expect_int(client_cmd(c, "SCARD big"), N + 50);
}
END_TEST

/* SSCAN's guarantee: a member present for the whole iteration is returned
 * at least once while members are added between the calls (growing the
 * table through several sizes) and then removed again (shrinking it). */
START_TEST(test_sscan_during_changes)
{
    enum { STABLE = 1000 };
    add_range("s", "stable:", 0, STABLE);
    int seen[STABLE];
    memset(seen, 0, sizeof seen);
    unsigned long long cursor = 0;
    struct scan_churn ch = {.add_fmt = "SADD s %s", .del_fmt = "SREM s %s", .per_call = 200,
                            .max = 20000};
    do {
        redisReply *r = sscan_once("s", &cursor, "COUNT 10");
        /* anything but a stable member must be a churn member */
        if (tally(r->element[1], "stable:", seen, STABLE))
            scan_churn_expect_names(r->element[1], 1);
        freeReplyObject(r);
        scan_churn_step(c, &ch);
    } while (cursor != 0);
    for (int i = 0; i < STABLE; i++)
        ck_assert_msg(seen[i] >= 1, "stable:%d never returned (%d calls, %d added, %d removed)", i,
                      ch.calls, ch.added, ch.removed);
    /* the churn did happen: the set grew well past its stable members and
     * was emptied of churn again (so it shrank) before the scan ended */
    ck_assert_int_gt(ch.added, 4 * STABLE);
    ck_assert(ch.emptied);
    expect_int(client_cmd(c, "SCARD s"), STABLE + ch.added - ch.removed);
}
END_TEST

/* -------------------------------------------------------------- WRONGTYPE */

/* Every set command on a string key answers WRONGTYPE and changes
 * nothing. */
START_TEST(test_wrongtype_set_commands)
{
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_int(client_cmd(c, "SADD set a"), 1);
    const char *cmds[] = {
        "SADD str a",        "SREM str a",          "SMEMBERS str",
        "SISMEMBER str a",   "SMISMEMBER str a b",  "SCARD str",
        "SPOP str",          "SPOP str 0",          "SPOP str 2",
        "SRANDMEMBER str",   "SRANDMEMBER str 0",   "SRANDMEMBER str -2",
        "SMOVE str set v",   "SMOVE set str a",     "SINTER str",
        "SINTER set str",    "SUNION str set",      "SDIFF set str",
        "SINTERSTORE d str", "SUNIONSTORE d set str", "SDIFFSTORE d str",
        "SINTERCARD 1 str",  "SINTERCARD 2 set str", "SSCAN str 0",
        "SSCAN str 0 MATCH *",
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        redisReply *r = client_cmd(c, cmds[i]);
        ck_assert_msg(r->type == REDIS_REPLY_ERROR && strcmp(r->str, WRONGTYPE) == 0,
                      "%s: type %d (%s)", cmds[i], r->type, r->str ? r->str : "");
        freeReplyObject(r);
    }
    expect_str(client_cmd(c, "GET str"), "v");
    expect_smembers("set", "a");
    expect_int(client_cmd(c, "EXISTS d"), 0);
    expect_int(client_cmd(c, "DBSIZE"), 2);
}
END_TEST

/* String commands on a set key answer WRONGTYPE (after their own argument
 * errors, as in Redis) and leave the set; SET without GET, SETEX, MSET
 * overwrite it; SET NX, SETNX, MSETNX see it as existing; MGET answers nil;
 * TYPE answers "set". */
START_TEST(test_wrongtype_string_commands)
{
    expect_int(client_cmd(c, "SADD s a b"), 2);
    const char *cmds[] = {
        "GET s",           "APPEND s x",         "INCR s",             "DECR s",
        "INCRBY s 2",      "DECRBY s 2",         "INCRBYFLOAT s 1.5",  "INCRBYFLOAT s abc",
        "STRLEN s",        "GETRANGE s 0 1",     "SUBSTR s 0 1",       "SETRANGE s 0 x",
        "GETSET s x",      "GETDEL s",           "GETEX s",            "GETEX s EX 10",
        "GETEX s PERSIST", "SET s x GET",        "SET s x NX GET",     "SET s x XX GET",
        "SET s x GET EX 10",
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        redisReply *r = client_cmd(c, cmds[i]);
        ck_assert_msg(r->type == REDIS_REPLY_ERROR && strcmp(r->str, WRONGTYPE) == 0,
                      "%s: type %d (%s)", cmds[i], r->type, r->str ? r->str : "");
        freeReplyObject(r);
    }
    expect_error(client_cmd(c, "SETRANGE s 0 %s", ""), WRONGTYPE);
    /* argument errors come first */
    expect_error(client_cmd(c, "GETRANGE s x 1"), "ERR value is not an integer or out of range");
    expect_error(client_cmd(c, "SETRANGE s -1 x"), "ERR offset is out of range");
    expect_error(client_cmd(c, "GETEX s FOO"), "ERR syntax error");
    expect_error(client_cmd(c, "INCRBY s x"), "ERR value is not an integer or out of range");
    expect_smembers("s", "a,b");
    expect_int(client_cmd(c, "TTL s"), -1);
    /* seen as existing, not changed */
    expect_nil(client_cmd(c, "SET s x NX"));
    expect_int(client_cmd(c, "SETNX s x"), 0);
    expect_int(client_cmd(c, "MSETNX s x other y"), 0);
    expect_int(client_cmd(c, "EXISTS other"), 0);
    expect_status(client_cmd(c, "TYPE s"), "set");
    /* MGET: nil for the set */
    expect_status(client_cmd(c, "SET str v"), "OK");
    redisReply *r = client_cmd(c, "MGET s str missing s");
    ck_assert_uint_eq(r->elements, 4);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_NIL);
    ck_assert_str_eq(r->element[1]->str, "v");
    ck_assert_int_eq(r->element[2]->type, REDIS_REPLY_NIL);
    ck_assert_int_eq(r->element[3]->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    expect_smembers("s", "a,b");
    /* whole writes replace the set with a string */
    expect_status(client_cmd(c, "SET s x XX"), "OK");
    expect_status(client_cmd(c, "TYPE s"), "string");
    expect_str(client_cmd(c, "GET s"), "x");
    expect_int(client_cmd(c, "SADD t a"), 1);
    expect_status(client_cmd(c, "SET t y"), "OK");
    expect_str(client_cmd(c, "GET t"), "y");
    expect_int(client_cmd(c, "SADD u a"), 1);
    expect_status(client_cmd(c, "SETEX u 100 y"), "OK");
    expect_str(client_cmd(c, "GET u"), "y");
    expect_int(client_cmd(c, "SADD v a"), 1);
    expect_status(client_cmd(c, "MSET v z plain 1"), "OK");
    expect_str(client_cmd(c, "GET v"), "z");
    expect_int(client_cmd(c, "SADD w a"), 1);
    expect_status(client_cmd(c, "PSETEX w 100000 y"), "OK");
    expect_str(client_cmd(c, "GET w"), "y");
    /* a large set replaced by SET */
    add_range("big", "m", 0, 500);
    expect_status(client_cmd(c, "SET big small"), "OK");
    expect_str(client_cmd(c, "GET big"), "small");
    expect_error(client_cmd(c, "SCARD big"), WRONGTYPE);
    /* and a string replaced by a set through a STORE command */
    expect_int(client_cmd(c, "SADD src a"), 1);
    expect_int(client_cmd(c, "SUNIONSTORE big src"), 1);
    expect_error(client_cmd(c, "GET big"), WRONGTYPE);
    expect_smembers("big", "a");
}
END_TEST

/* --------------------------------------------------------------- keyspace */

/* DEL, UNLINK, EXISTS, TYPE and DBSIZE with set keys; a large set deleted
 * and the name reused at once. */
START_TEST(test_del_exists_type_dbsize)
{
    expect_int(client_cmd(c, "SADD s a"), 1);
    expect_status(client_cmd(c, "SET str v"), "OK");
    add_range("big", "m", 0, 2000);
    expect_int(client_cmd(c, "DBSIZE"), 3);
    expect_int(client_cmd(c, "EXISTS s str big missing s"), 4);
    expect_status(client_cmd(c, "TYPE s"), "set");
    expect_status(client_cmd(c, "TYPE big"), "set");
    expect_status(client_cmd(c, "TYPE str"), "string");
    expect_int(client_cmd(c, "DEL s missing"), 1);
    expect_int(client_cmd(c, "EXISTS s"), 0);
    expect_status(client_cmd(c, "TYPE s"), "none");
    expect_int(client_cmd(c, "DEL big"), 1);
    expect_int(client_cmd(c, "SADD big fresh"), 1);
    expect_smembers("big", "fresh");
    expect_int(client_cmd(c, "UNLINK big str"), 2);
    expect_int(client_cmd(c, "DBSIZE"), 0);
    /* a set under a binary key */
    expect_int(client_cmd(c, "SADD %b m", "k\0\r\n", (size_t)4), 1);
    expect_status(client_cmd(c, "TYPE %b", "k\0\r\n", (size_t)4), "set");
    expect_int(client_cmd(c, "EXISTS k"), 0);
    expect_int(client_cmd(c, "DEL %b", "k\0\r\n", (size_t)4), 1);
    expect_int(client_cmd(c, "DBSIZE"), 0);
}
END_TEST

/* EXPIRE/TTL on a set: adds and removes keep the TTL; the set expires as a
 * whole (small and large), and the name then starts a new set without
 * one. */
START_TEST(test_expire_set)
{
    expect_int(client_cmd(c, "SADD s a b"), 2);
    expect_int(client_cmd(c, "TTL s"), -1);
    expect_int(client_cmd(c, "EXPIRE s 100"), 1);
    expect_ttl(c, "s", 99, 100);
    expect_int(client_cmd(c, "SADD s c"), 1);
    expect_int(client_cmd(c, "SREM s c"), 1);
    expect_int(client_cmd(c, "SMOVE s other a"), 1);
    expect_ttl(c, "s", 99, 100);
    expect_int(client_cmd(c, "TTL other"), -1);
    expect_int(client_cmd(c, "PERSIST s"), 1);
    expect_int(client_cmd(c, "TTL s"), -1);
    /* the last member removed and re-added: a new key, no TTL */
    expect_int(client_cmd(c, "EXPIRE s 100"), 1);
    expect_int(client_cmd(c, "SREM s b"), 1);
    expect_int(client_cmd(c, "SADD s b"), 1);
    expect_int(client_cmd(c, "TTL s"), -1);
    /* a short TTL: the whole set goes */
    expect_int(client_cmd(c, "SADD s c d"), 2);
    expect_int(client_cmd(c, "PEXPIRE s 50"), 1);
    wait_gone("s");
    expect_int(client_cmd(c, "SCARD s"), 0);
    expect_int(client_cmd(c, "SISMEMBER s b"), 0);
    expect_members(client_cmd(c, "SMEMBERS s"), "");
    expect_status(client_cmd(c, "TYPE s"), "none");
    expect_int(client_cmd(c, "SADD s z"), 1);
    expect_smembers("s", "z");
    expect_int(client_cmd(c, "TTL s"), -1);
    /* a large set too */
    add_range("big", "m", 0, 3000);
    expect_int(client_cmd(c, "PEXPIRE big 50"), 1);
    wait_gone("big");
    expect_int(client_cmd(c, "SADD big m1 new"), 2);
    expect_smembers("big", "m1,new");
    /* a time in the past deletes at once */
    expect_int(client_cmd(c, "EXPIRE s -1"), 1);
    expect_int(client_cmd(c, "EXISTS s"), 0);
    expect_int(client_cmd(c, "PEXPIREAT big 1"), 1);
    expect_int(client_cmd(c, "EXISTS big"), 0);
    expect_int(client_cmd(c, "DBSIZE"), 1); /* "other" */
}
END_TEST

/* RENAME and RENAMENX move a set's members and TTL (small and large). */
START_TEST(test_rename_set)
{
    expect_int(client_cmd(c, "SADD a 1 2 x"), 3);
    expect_int(client_cmd(c, "EXPIRE a 100"), 1);
    expect_status(client_cmd(c, "RENAME a b"), "OK");
    expect_int(client_cmd(c, "EXISTS a"), 0);
    check_set("b", "1,2,x");
    expect_ttl(c, "b", 99, 100);
    /* over a string, which goes with its TTL */
    expect_status(client_cmd(c, "SET str v EX 500"), "OK");
    expect_int(client_cmd(c, "PERSIST b"), 1);
    expect_status(client_cmd(c, "RENAME b str"), "OK");
    check_set("str", "1,2,x");
    expect_int(client_cmd(c, "TTL str"), -1);
    /* a string over a set */
    expect_status(client_cmd(c, "SET s2 v"), "OK");
    expect_status(client_cmd(c, "RENAME s2 str"), "OK");
    expect_str(client_cmd(c, "GET str"), "v");
    /* RENAMENX */
    expect_int(client_cmd(c, "SADD p m"), 1);
    expect_int(client_cmd(c, "SADD q n"), 1);
    expect_int(client_cmd(c, "RENAMENX p q"), 0);
    expect_smembers("p", "m");
    expect_smembers("q", "n");
    expect_int(client_cmd(c, "EXPIRE p 300"), 1);
    expect_int(client_cmd(c, "RENAMENX p r"), 1);
    expect_smembers("r", "m");
    expect_ttl(c, "r", 299, 300);
    /* the old name starts a new, separate set */
    expect_int(client_cmd(c, "SADD p other"), 1);
    expect_smembers("p", "other");
    expect_smembers("r", "m");
    /* a large set */
    add_range("big", "m", 0, 1000);
    expect_int(client_cmd(c, "EXPIRE big 1000"), 1);
    expect_status(client_cmd(c, "RENAME big big2"), "OK");
    expect_range("big2", "m", 1000);
    expect_ttl(c, "big2", 999, 1000);
    expect_int(client_cmd(c, "SADD big2 extra"), 1);
    expect_int(client_cmd(c, "SREM big2 m0"), 1);
    expect_int(client_cmd(c, "SCARD big2"), 1000);
    expect_int(client_cmd(c, "EXISTS big"), 0);
    expect_error(client_cmd(c, "RENAME big x"), "ERR no such key");
}
END_TEST

/* COPY of a set (integers, strings, a large one), in the same database and
 * into another: members and TTL copied, and the copy independent of its
 * source both ways. */
START_TEST(test_copy_set)
{
    expect_int(client_cmd(c, "SADD ints 1 2 3"), 3);
    expect_int(client_cmd(c, "SADD strs a b c"), 3);
    add_range("big", "m", 0, 300);
    expect_int(client_cmd(c, "EXPIRE big 100"), 1);
    const char *srcs[] = {"ints", "strs"};
    const char *wants[] = {"1,2,3", "a,b,c"};
    for (size_t i = 0; i < 2; i++) {
        char dst[32];
        snprintf(dst, sizeof dst, "%s:copy", srcs[i]);
        expect_int(client_cmd(c, "COPY %s %s", srcs[i], dst), 1);
        check_set(dst, wants[i]);
        expect_int(client_cmd(c, "TTL %s", dst), -1);
        /* changing the copy leaves the source */
        expect_int(client_cmd(c, "SADD %s new", dst), 1);
        expect_int(client_cmd(c, "SREM %s %s", dst, i == 0 ? "1" : "a"), 1);
        expect_smembers(srcs[i], wants[i]);
        /* and the other way round */
        expect_int(client_cmd(c, "SADD %s 99", srcs[i]), 1);
        expect_int(client_cmd(c, "SISMEMBER %s 99", dst), 0);
        expect_int(client_cmd(c, "SREM %s 99", srcs[i]), 1);
    }
    expect_smembers("ints:copy", "2,3,new");
    expect_smembers("strs:copy", "b,c,new");
    /* a large set (a hash table): copied whole, TTL included */
    expect_int(client_cmd(c, "COPY big big:copy"), 1);
    expect_range("big:copy", "m", 300);
    expect_ttl(c, "big:copy", 99, 100);
    add_range("big:copy", "n", 0, 100);
    expect_int(client_cmd(c, "SREM big:copy m0 m1 m2"), 3);
    expect_range("big", "m", 300);
    expect_int(client_cmd(c, "SREM big m299"), 1);
    expect_int(client_cmd(c, "SISMEMBER big:copy m299"), 1);
    expect_int(client_cmd(c, "SCARD big:copy"), 397);
    /* deleting the source leaves the copy */
    expect_int(client_cmd(c, "DEL big"), 1);
    expect_int(client_cmd(c, "SCARD big:copy"), 397);
    /* existing destination: 0 without REPLACE; REPLACE over a string */
    expect_int(client_cmd(c, "COPY ints strs"), 0);
    expect_smembers("strs", "a,b,c");
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_int(client_cmd(c, "COPY ints str REPLACE"), 1);
    expect_smembers("str", "1,2,3");
    expect_status(client_cmd(c, "SET str2 v"), "OK");
    expect_int(client_cmd(c, "COPY str2 ints REPLACE"), 1);
    expect_str(client_cmd(c, "GET ints"), "v");
    /* into another database */
    expect_int(client_cmd(c, "COPY strs strs DB 1"), 1);
    expect_int(client_cmd(c, "COPY big:copy big DB 1"), 1);
    expect_int(client_cmd(c, "COPY strs strs DB 1"), 0);
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    check_set("strs", "a,b,c");
    expect_int(client_cmd(c, "SCARD big"), 397);
    expect_int(client_cmd(c, "SADD strs d"), 1);
    expect_int(client_cmd(c, "SREM big n0"), 1);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    expect_smembers("strs", "a,b,c");
    expect_int(client_cmd(c, "SISMEMBER big:copy n0"), 1);
    expect_int(client_cmd(c, "DEL big:copy"), 1);
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    expect_int(client_cmd(c, "SCARD big"), 396);
    expect_int(client_cmd(c, "DBSIZE"), 2);
}
END_TEST

/* MOVE key db with sets: moved with members and TTL; 0 when missing here
 * or present there; the database argument's errors. */
START_TEST(test_move_set)
{
    expect_int(client_cmd(c, "SADD s a b"), 2);
    expect_int(client_cmd(c, "EXPIRE s 100"), 1);
    expect_int(client_cmd(c, "MOVE s 1"), 1);
    expect_int(client_cmd(c, "EXISTS s"), 0);
    expect_int(client_cmd(c, "MOVE s 1"), 0);
    expect_int(client_cmd(c, "MOVE missing 1"), 0);
    /* present there: 0, and both stay */
    expect_int(client_cmd(c, "SADD s x"), 1);
    expect_int(client_cmd(c, "MOVE s 1"), 0);
    expect_smembers("s", "x");
    /* a large set */
    add_range("big", "m", 0, 1000);
    expect_int(client_cmd(c, "MOVE big 15"), 1);
    expect_int(client_cmd(c, "EXISTS big"), 0);
    expect_int(client_cmd(c, "SADD big here"), 1);
    /* errors: checked before the key */
    const char *same = "ERR source and destination objects are the same";
    expect_error(client_cmd(c, "MOVE s 0"), same);
    expect_error(client_cmd(c, "MOVE missing 0"), same);
    const char *range = "ERR DB index is out of range";
    expect_error(client_cmd(c, "MOVE s 16"), range);
    expect_error(client_cmd(c, "MOVE s -1"), range);
    expect_error(client_cmd(c, "MOVE missing 16"), range);
    const char *nan = "ERR value is not an integer or out of range";
    expect_error(client_cmd(c, "MOVE s abc"), nan);
    expect_error(client_cmd(c, "MOVE s 1.5"), nan);
    expect_error(client_cmd(c, "MOVE s %s", ""), nan);
    expect_arity(c, "MOVE s", "move");
    expect_arity(c, "MOVE s 1 2", "move");
    expect_smembers("s", "x");
    /* a string moves too */
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_int(client_cmd(c, "MOVE str 1"), 1);
    /* read them where they went */
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    check_set("s", "a,b");
    expect_ttl(c, "s", 98, 100);
    expect_str(client_cmd(c, "GET str"), "v");
    expect_int(client_cmd(c, "SADD s c"), 1);
    expect_int(client_cmd(c, "MOVE s 0"), 0); /* db 0 has "s" */
    expect_status(client_cmd(c, "SELECT 15"), "OK");
    expect_range("big", "m", 1000);
    expect_int(client_cmd(c, "SREM big m0"), 1);
    add_range("big", "n", 0, 10);
    expect_int(client_cmd(c, "SCARD big"), 1009);
    /* and back: the name is taken in db 0 */
    expect_int(client_cmd(c, "MOVE big 0"), 0);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    expect_smembers("big", "here");
    expect_int(client_cmd(c, "DEL big"), 1);
    expect_status(client_cmd(c, "SELECT 15"), "OK");
    expect_int(client_cmd(c, "MOVE big 0"), 1);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    expect_int(client_cmd(c, "SCARD big"), 1009);
}
END_TEST

/* Redis reads MOVE's database as an int: a value past its range gets the
 * range error (getIntFromObjectOrReply), as COPY ... DB does. */
START_TEST(test_move_db_int_range)
{
    expect_int(client_cmd(c, "SADD s a"), 1);
    const char *intrange =
        "ERR value is out of range, value must between -2147483648 and 2147483647";
    expect_error(client_cmd(c, "MOVE s 2147483648"), intrange);
    expect_error(client_cmd(c, "MOVE s 99999999999"), intrange);
    expect_error(client_cmd(c, "MOVE s -2147483649"), intrange);
    expect_smembers("s", "a");
}
END_TEST

/* SCAN's TYPE filter tells sets from strings. */
START_TEST(test_scan_type)
{
    enum { SETS = 40, STRINGS = 60 };
    for (int i = 0; i < SETS; i++)
        redisAppendCommand(c, "SADD set:%d m", i);
    client_drain(c, SETS, REDIS_REPLY_INTEGER);
    for (int i = 0; i < STRINGS; i++)
        redisAppendCommand(c, "SET str:%d v", i);
    client_drain(c, STRINGS, REDIS_REPLY_STATUS);
    const char *opts[] = {"TYPE set", "TYPE SET", "TYPE string", "MATCH set:1* TYPE set",
                          "MATCH set:* TYPE string", "TYPE hash"};
    const int want[] = {SETS, SETS, STRINGS, 11, 0, 0};
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        unsigned long long cursor = 0;
        int sets[SETS] = {0}, strings[STRINGS] = {0};
        int total = 0, calls = 0;
        do {
            char cmd[128];
            snprintf(cmd, sizeof cmd, "SCAN %llu COUNT 7 %s", cursor, opts[k]);
            redisReply *r = client_cmd(c, cmd);
            ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
            cursor = strtoull(r->element[0]->str, NULL, 10);
            for (size_t i = 0; i < r->element[1]->elements; i++) {
                int n;
                const char *key = r->element[1]->element[i]->str;
                if (sscanf(key, "set:%d", &n) == 1)
                    sets[n]++;
                else if (sscanf(key, "str:%d", &n) == 1)
                    strings[n]++;
                else
                    ck_abort_msg("unexpected key %s", key);
                ck_assert_int_eq(strncmp(key, "str:", 4) == 0, strstr(opts[k], "string") != NULL);
            }
            total += (int)r->element[1]->elements;
            freeReplyObject(r);
            ck_assert_int_lt(++calls, 10000);
        } while (cursor != 0);
        int distinct = 0;
        for (int i = 0; i < SETS; i++)
            distinct += sets[i] > 0;
        for (int i = 0; i < STRINGS; i++)
            distinct += strings[i] > 0;
        ck_assert_msg(distinct == want[k], "SCAN %s: %d keys, expected %d", opts[k], distinct,
                      want[k]);
        ck_assert_int_ge(total, distinct);
    }
}
END_TEST

/* FLUSHALL with large sets in several databases: empty at once, the names
 * free for new sets, the memory given back over the next ticks. */
START_TEST(test_flushall_large_sets)
{
    long long empty = client_info_field(c, "memory", "used_memory");
    char key[32];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "big:%d", i);
        add_range(key, "member-", 0, 2000);
    }
    for (int i = 0; i < 100; i++)
        redisAppendCommand(c, "SADD small:%d 1 2 3 a", i);
    client_drain(c, 100, REDIS_REPLY_INTEGER);
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    add_range("big:0", "member-", 0, 2000);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 120);
    long long before = client_info_field(c, "memory", "used_memory");
    ck_assert_int_gt(before - empty, 40000LL * 16);
    expect_status(client_cmd(c, "FLUSHALL"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 0);
    expect_int(client_cmd(c, "SCARD big:0"), 0);
    expect_int(client_cmd(c, "SISMEMBER big:3 member-5"), 0);
    expect_int(client_cmd(c, "SADD big:0 member-5 new"), 2);
    expect_smembers("big:0", "member-5,new");
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 0);
    expect_int(client_cmd(c, "SCARD big:0"), 0);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    /* the memory comes back (bounded poll) */
    long long deadline = mono_ms() + 10000, used = before;
    long long target = empty + (before - empty) / 4;
    while (mono_ms() < deadline && (used = client_info_field(c, "memory", "used_memory")) > target)
        poll(NULL, 0, POLL_STEP_MS * 4);
    ck_assert_msg(used <= target, "used_memory %lld, %lld before, %lld empty", used, before, empty);
    /* FLUSHDB empties the selected database only */
    add_range("big:1", "member-", 0, 2000);
    expect_status(client_cmd(c, "SELECT 2"), "OK");
    add_range("other", "member-", 0, 2000);
    expect_status(client_cmd(c, "FLUSHDB"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 0);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    expect_range("big:1", "member-", 2000);
    expect_status(client_cmd(c, "FLUSHALL ASYNC"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 0);
}
END_TEST

/* -------------------------------------------------------------- encodings */

/* CONFIG GET and SET of the three encoding options: defaults, new values,
 * and the errors of a bad value. */
START_TEST(test_config_options)
{
    expect_config("set-max-intset-entries", "512");
    expect_config("set-max-listpack-entries", "128");
    expect_config("set-max-listpack-value", "64");
    expect_status(client_cmd(c, "CONFIG SET set-max-intset-entries 4 set-max-listpack-entries 5 "
                                "set-max-listpack-value 8"),
                  "OK");
    expect_config("set-max-intset-entries", "4");
    expect_config("set-max-listpack-entries", "5");
    expect_config("set-max-listpack-value", "8");
    expect_error(client_cmd(c, "CONFIG SET set-max-intset-entries abc"),
                 "ERR CONFIG SET failed (possibly related to argument 'set-max-intset-entries') - "
                 "argument couldn't be parsed into an integer");
    expect_error(client_cmd(c, "CONFIG SET set-max-intset-entries -1"),
                 "ERR CONFIG SET failed (possibly related to argument 'set-max-intset-entries') - "
                 "argument must be between 0 and 9223372036854775807 inclusive");
    expect_config("set-max-intset-entries", "4");
    redisReply *r = client_cmd(c, "CONFIG GET set-max-*");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 6);
    freeReplyObject(r);
}
END_TEST

/* With set-max-intset-entries 4, set-max-listpack-entries 4 and
 * set-max-listpack-value 8, sets that cross each threshold (by SADD, SMOVE
 * and the STORE commands) keep every member and answer every command
 * correctly, also after the limits are raised again. */
START_TEST(test_encoding_thresholds)
{
    /* sets made under the default limits, grown after they are lowered */
    expect_int(client_cmd(c, "SADD preints 1 2 3 4 5 6 7 8 9 10"), 10);
    expect_int(client_cmd(c, "SADD prestrs a b c d e f g h i j"), 10);
    expect_int(client_cmd(c, "SADD prelong 12345678901234567890x y"), 2);
    expect_status(client_cmd(c, "CONFIG SET set-max-intset-entries 4 set-max-listpack-entries 4 "
                                "set-max-listpack-value 8"),
                  "OK");
    check_set("preints", "1,2,3,4,5,6,7,8,9,10");
    expect_int(client_cmd(c, "SADD preints 11"), 1);
    check_set("preints", "1,2,3,4,5,6,7,8,9,10,11");
    expect_int(client_cmd(c, "SADD prestrs k"), 1);
    check_set("prestrs", "a,b,c,d,e,f,g,h,i,j,k");
    expect_int(client_cmd(c, "SADD prelong z"), 1);
    check_set("prelong", "12345678901234567890x,y,z");
    /* integers only, past 4 members */
    expect_int(client_cmd(c, "SADD ints 4 3 2 1"), 4);
    check_set("ints", "1,2,3,4");
    expect_int(client_cmd(c, "SADD ints 5 3"), 1);
    check_set("ints", "1,2,3,4,5");
    expect_int(client_cmd(c, "SREM ints 1 2 3 4"), 4);
    check_set("ints", "5");
    expect_int(client_cmd(c, "SADD ints -1 x"), 2);
    check_set("ints", "-1,5,x");
    /* integers, then a short string */
    expect_int(client_cmd(c, "SADD mix 1 2 3"), 3);
    expect_int(client_cmd(c, "SADD mix abc"), 1);
    check_set("mix", "1,2,3,abc");
    expect_int(client_cmd(c, "SISMEMBER mix 02"), 0);
    expect_int(client_cmd(c, "SADD mix 2"), 0);
    expect_int(client_cmd(c, "SADD mix x"), 1);
    check_set("mix", "1,2,3,abc,x");
    /* integers, then a string longer than 8 bytes */
    expect_int(client_cmd(c, "SADD mix2 1 2"), 2);
    expect_int(client_cmd(c, "SADD mix2 abcdefghi"), 1);
    check_set("mix2", "1,2,abcdefghi");
    /* integers longer than 8 characters, then a short string */
    expect_int(client_cmd(c, "SADD longints 123456789 -12345678"), 2);
    expect_int(client_cmd(c, "SADD longints x"), 1);
    check_set("longints", "-12345678,123456789,x");
    /* strings: up to 4 of up to 8 bytes, then a fifth */
    expect_int(client_cmd(c, "SADD strs a bb ccc dddddddd"), 4);
    check_set("strs", "a,bb,ccc,dddddddd");
    expect_int(client_cmd(c, "SADD strs e"), 1);
    check_set("strs", "a,bb,ccc,dddddddd,e");
    expect_int(client_cmd(c, "SADD strs 7"), 1);
    expect_int(client_cmd(c, "SISMEMBER strs 07"), 0);
    /* strings, then a long one; and a long one from the start */
    expect_int(client_cmd(c, "SADD long1 a"), 1);
    expect_int(client_cmd(c, "SADD long1 abcdefghi"), 1);
    check_set("long1", "a,abcdefghi");
    expect_int(client_cmd(c, "SADD long2 abcdefghij"), 1);
    check_set("long2", "abcdefghij");
    expect_int(client_cmd(c, "SADD long2 1"), 1);
    check_set("long2", "1,abcdefghij");
    /* SMOVE into full destinations */
    expect_int(client_cmd(c, "SADD d1 1 2 3 4"), 4);
    expect_int(client_cmd(c, "SMOVE strs d1 a"), 1);
    check_set("d1", "1,2,3,4,a");
    expect_int(client_cmd(c, "SADD d2 p q r s"), 4);
    expect_int(client_cmd(c, "SMOVE ints d2 x"), 1);
    check_set("d2", "p,q,r,s,x");
    expect_int(client_cmd(c, "SADD d3 1 2 3 4"), 4);
    expect_int(client_cmd(c, "SMOVE ints d3 5"), 1);
    check_set("d3", "1,2,3,4,5");
    check_set("ints", "-1");
    /* results built whole, past the limits or within them */
    expect_int(client_cmd(c, "SUNIONSTORE u ints mix strs"), 11);
    check_set("u", "-1,1,2,3,abc,x,bb,ccc,dddddddd,e,7");
    expect_int(client_cmd(c, "SINTERSTORE i2 mix mix2"), 2);
    check_set("i2", "1,2");
    expect_int(client_cmd(c, "SADD i2 3 4 5"), 3);
    check_set("i2", "1,2,3,4,5");
    expect_int(client_cmd(c, "SDIFFSTORE df strs ints"), 5);
    check_set("df", "bb,ccc,dddddddd,e,7");
    expect_int(client_cmd(c, "SUNIONSTORE lp mix2 long1"), 4);
    check_set("lp", "1,2,a,abcdefghi");
    expect_int(client_cmd(c, "SINTERSTORE sm d3 d1"), 4);
    check_set("sm", "1,2,3,4");
    /* combinations across encodings */
    expect_members(client_cmd(c, "SINTER mix d3 i2"), "1,2,3");
    expect_members(client_cmd(c, "SDIFF d3 mix"), "4,5");
    expect_int(client_cmd(c, "SINTERCARD 3 mix d3 i2"), 3);
    /* set-max-intset-entries 0: integers are kept as strings */
    expect_status(client_cmd(c, "CONFIG SET set-max-intset-entries 0"), "OK");
    expect_int(client_cmd(c, "SADD z 3 1 2"), 3);
    check_set("z", "1,2,3");
    expect_int(client_cmd(c, "SISMEMBER z 01"), 0);
    expect_int(client_cmd(c, "SADD z 4 5"), 2);
    check_set("z", "1,2,3,4,5");
    /* raising the limits again: existing sets unchanged, and growing */
    expect_status(client_cmd(c, "CONFIG SET set-max-intset-entries 512 "
                                "set-max-listpack-entries 128 set-max-listpack-value 64"),
                  "OK");
    check_set("mix", "1,2,3,abc,x");
    check_set("d1", "1,2,3,4,a");
    check_set("sm", "1,2,3,4");
    expect_int(client_cmd(c, "SADD sm 5 6 7 8 9"), 5);
    check_set("sm", "1,2,3,4,5,6,7,8,9");
    expect_int(client_cmd(c, "SADD pk a b c d e"), 5);
    check_set("pk", "a,b,c,d,e");
    /* SPOP takes every member of each, once */
    pop_all("pk", "a,b,c,d,e");
    pop_all("preints", "1,2,3,4,5,6,7,8,9,10,11");
    pop_all("u", "-1,1,2,3,abc,x,bb,ccc,dddddddd,e,7");
    pop_all("sm", "1,2,3,4,5,6,7,8,9");
    pop_all("d2", "p,q,r,s,x");
    pop_all("i2", "1,2,3,4,5");
}
END_TEST

/* Sets crossing the default limits: 512 integers, 128 short strings,
 * a 64-byte and a 65-byte member. */
START_TEST(test_encoding_default_limits)
{
    char name[80];
    /* 512 integers, then the 513th */
    for (int i = 0; i < 512; i++)
        redisAppendCommand(c, "SADD ints %d", i * 3 - 700);
    client_drain(c, 512, REDIS_REPLY_INTEGER);
    expect_int(client_cmd(c, "SCARD ints"), 512);
    expect_int(client_cmd(c, "SADD ints 100000"), 1);
    expect_int(client_cmd(c, "SCARD ints"), 513);
    for (int i = 0; i < 512; i++)
        redisAppendCommand(c, "SISMEMBER ints %d", i * 3 - 700);
    for (int i = 0; i < 512; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(c, (void **)&r), REDIS_OK);
        expect_int(r, 1);
    }
    expect_int(client_cmd(c, "SISMEMBER ints -699"), 0);
    expect_int(client_cmd(c, "SISMEMBER ints 100000"), 1);
    /* 128 strings, then the 129th */
    add_range("strs", "s", 0, 128);
    expect_range("strs", "s", 128);
    add_range("strs", "s", 128, 129);
    expect_range("strs", "s", 129);
    /* 64 bytes fit a compact set, 65 do not */
    memset(name, 'v', 64);
    name[64] = '\0';
    expect_int(client_cmd(c, "SADD v a %s", name), 2);
    expect_int(client_cmd(c, "SISMEMBER v %s", name), 1);
    strcat(name, "w");
    expect_int(client_cmd(c, "SADD v %s", name), 1);
    expect_int(client_cmd(c, "SISMEMBER v %s", name), 1);
    name[64] = '\0';
    expect_int(client_cmd(c, "SISMEMBER v %s", name), 1);
    expect_int(client_cmd(c, "SCARD v"), 3);
    /* an intset of 512 taking a string */
    expect_int(client_cmd(c, "SREM ints 100000"), 1);
    expect_int(client_cmd(c, "SADD ints x"), 1);
    expect_int(client_cmd(c, "SCARD ints"), 513);
    expect_int(client_cmd(c, "SISMEMBER ints -700"), 1);
    expect_int(client_cmd(c, "SISMEMBER ints x"), 1);
}
END_TEST

/* Integers at the int16/int32/int64 edges, added in widening order: each
 * add keeps the earlier members; past int64 they are strings. */
START_TEST(test_integer_edges)
{
    static const char *const edges[] = {
        "0",          "32767",       "-32768",     "32768",
        "-32769",     "2147483647",  "-2147483648", "2147483648",
        "-2147483649", "9223372036854775807", "-9223372036854775808",
    };
    const size_t n = sizeof edges / sizeof edges[0];
    char want[512] = "";
    for (size_t i = 0; i < n; i++) {
        expect_int(client_cmd(c, "SADD e %s", edges[i]), 1);
        expect_int(client_cmd(c, "SADD e %s", edges[i]), 0);
        for (size_t j = 0; j <= i; j++)
            expect_int(client_cmd(c, "SISMEMBER e %s", edges[j]), 1);
        expect_int(client_cmd(c, "SCARD e"), (long long)i + 1);
        if (i)
            strcat(want, ",");
        strcat(want, edges[i]);
    }
    check_set("e", want);
    const char *absent[] = {"1", "-1", "32766", "-32767", "2147483646", "9223372036854775806"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        expect_int(client_cmd(c, "SISMEMBER e %s", absent[i]), 0);
    /* beyond int64: strings, distinct from every integer */
    expect_int(client_cmd(c, "SADD e 9223372036854775808 -9223372036854775809"), 2);
    strcat(want, ",9223372036854775808,-9223372036854775809");
    check_set("e", want);
    expect_int(client_cmd(c, "SREM e 9223372036854775807"), 1);
    expect_int(client_cmd(c, "SISMEMBER e 9223372036854775808"), 1);
    expect_int(client_cmd(c, "SISMEMBER e 9223372036854775807"), 0);
    /* an intset widened by one large member keeps the small ones after it
     * is removed again */
    expect_int(client_cmd(c, "SADD w 1 2 3"), 3);
    expect_int(client_cmd(c, "SADD w -9223372036854775808"), 1);
    expect_int(client_cmd(c, "SREM w -9223372036854775808"), 1);
    check_set("w", "1,2,3");
    expect_int(client_cmd(c, "SADD w 40000 -40000"), 2);
    check_set("w", "-40000,1,2,3,40000");
    expect_int(client_cmd(c, "SREM w 1 2 3 40000"), 4);
    check_set("w", "-40000");
    /* narrow first, then wide, then narrow again */
    expect_int(client_cmd(c, "SADD n -1 9223372036854775807 -2"), 3);
    check_set("n", "-1,-2,9223372036854775807");
    pop_all("e", "0,32767,-32768,32768,-32769,2147483647,-2147483648,2147483648,-2147483649,"
                 "-9223372036854775808,9223372036854775808,-9223372036854775809");
}
END_TEST

/* Non-canonical integer strings ("007", "+1", "-0", " 1", ...) are members
 * of their own, distinct from the integers they spell, in a set of
 * integers, of strings and in a large one. */
START_TEST(test_noncanonical_integers)
{
    static const char *const odd[] = {"007", "+1", "-0", " 1", "1 ", "01",  "0x10",
                                      "1e3", "1.0", "07", "+0", "00", "-01", "1\n"};
    const size_t n = sizeof odd / sizeof odd[0];
    const char *keys[] = {"ints", "strs", "big"};
    expect_int(client_cmd(c, "SADD ints 0 1 7"), 3);
    expect_int(client_cmd(c, "SADD strs 0 1 7 a"), 4);
    add_range("big", "m", 0, 300);
    expect_int(client_cmd(c, "SADD big 0 1 7"), 3);
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < n; i++)
            expect_int(client_cmd(c, "SISMEMBER %s %s", keys[k], odd[i]), 0);
        for (size_t i = 0; i < n; i++)
            expect_int(client_cmd(c, "SADD %s %s", keys[k], odd[i]), 1);
        for (size_t i = 0; i < n; i++)
            expect_int(client_cmd(c, "SISMEMBER %s %s", keys[k], odd[i]), 1);
        expect_int(client_cmd(c, "SREM %s 7", keys[k]), 1);
        expect_int(client_cmd(c, "SISMEMBER %s 007", keys[k]), 1);
        expect_int(client_cmd(c, "SISMEMBER %s 07", keys[k]), 1);
        expect_int(client_cmd(c, "SREM %s 0", keys[k]), 1);
        expect_int(client_cmd(c, "SISMEMBER %s -0", keys[k]), 1);
        expect_int(client_cmd(c, "SISMEMBER %s 00", keys[k]), 1);
        expect_int(client_cmd(c, "SISMEMBER %s 1", keys[k]), 1);
        expect_int(client_cmd(c, "SREM %s +1 01", keys[k]), 2);
        expect_int(client_cmd(c, "SISMEMBER %s 1", keys[k]), 1);
    }
    redisReply *r = client_cmd(c, "SMEMBERS ints");
    ck_assert_uint_eq(r->elements, n - 2 + 1);
    ck_assert_int_eq(count_in(r, " 1", 2), 1);
    ck_assert_int_eq(count_in(r, "1\n", 2), 1);
    ck_assert_int_eq(count_in(r, "1", 1), 1);
    ck_assert_int_eq(count_in(r, "-0", 2), 1);
    ck_assert_int_eq(count_in(r, "0", 1), 0);
    freeReplyObject(r);
    expect_int(client_cmd(c, "SCARD strs"), (long long)(n - 2 + 2));
    expect_int(client_cmd(c, "SCARD big"), (long long)(300 + n - 2 + 1));
    /* a set made only of the odd forms */
    expect_int(client_cmd(c, "SADD only 007 -0 +5"), 3);
    check_set("only", "007,-0,+5");
    expect_int(client_cmd(c, "SADD only 7 0 5"), 3);
    check_set("only", "007,-0,+5,7,0,5");
    expect_members(client_cmd(c, "SINTER only ints"), "-0,007");
}
END_TEST

/* Members with NUL, CR LF and high bytes, and the empty string, in small
 * and large sets; a set whose only member is empty. */
START_TEST(test_binary_members)
{
    static const struct {
        const char *p;
        size_t len;
    } bin[] = {{"a\0b", 3}, {"a\r\nb", 4}, {"", 0}, {"\0", 1}, {"\xff\xfe", 2}, {"\r\n", 2},
               {"1\0", 2}};
    const size_t n = sizeof bin / sizeof bin[0];
    const char *keys[] = {"small", "big"};
    add_range("big", "m", 0, 300);
    for (size_t k = 0; k < 2; k++) {
        const char *key = keys[k];
        long long base = k ? 300 : 0;
        for (size_t i = 0; i < n; i++)
            expect_int(client_cmd(c, "SADD %s %b", key, bin[i].p, bin[i].len), 1);
        for (size_t i = 0; i < n; i++)
            expect_int(client_cmd(c, "SADD %s %b", key, bin[i].p, bin[i].len), 0);
        expect_int(client_cmd(c, "SCARD %s", key), base + (long long)n);
        redisReply *r = client_cmd(c, "SMEMBERS %s", key);
        ck_assert_uint_eq(r->elements, (size_t)base + n);
        for (size_t i = 0; i < n; i++)
            ck_assert_int_eq(count_in(r, bin[i].p, bin[i].len), 1);
        freeReplyObject(r);
        for (size_t i = 0; i < n; i++)
            expect_int(client_cmd(c, "SISMEMBER %s %b", key, bin[i].p, bin[i].len), 1);
        expect_int(client_cmd(c, "SISMEMBER %s %b", key, "a", (size_t)1), 0);
        expect_int(client_cmd(c, "SISMEMBER %s %b", key, "a\0", (size_t)2), 0);
        expect_int(client_cmd(c, "SISMEMBER %s %b", key, "1", (size_t)1), 0);
        expect_int(client_cmd(c, "SISMEMBER %s %b", key, "\0\0", (size_t)2), 0);
        /* SSCAN MATCH on binary members */
        r = client_cmd(c, "SSCAN %s 0 MATCH %b COUNT 10000", key, "a*", (size_t)2);
        ck_assert_int_eq(count_in(r->element[1], "a\0b", 3), 1);
        ck_assert_int_eq(count_in(r->element[1], "a\r\nb", 4), 1);
        ck_assert_uint_eq(r->element[1]->elements, 2);
        freeReplyObject(r);
        /* combined and moved */
        r = client_cmd(c, "SUNION %s %s", key, key);
        ck_assert_uint_eq(r->elements, (size_t)base + n);
        ck_assert_int_eq(count_in(r, "", 0), 1);
        freeReplyObject(r);
        expect_int(client_cmd(c, "SMOVE %s moved %b", key, "a\0b", (size_t)3), 1);
        expect_int(client_cmd(c, "SISMEMBER moved %b", "a\0b", (size_t)3), 1);
        expect_int(client_cmd(c, "SISMEMBER %s %b", key, "a\0b", (size_t)3), 0);
        expect_int(client_cmd(c, "SREM moved %b", "a\0b", (size_t)3), 1);
        /* the empty member removed */
        expect_int(client_cmd(c, "SREM %s %s", key, ""), 1);
        expect_int(client_cmd(c, "SISMEMBER %s %s", key, ""), 0);
        expect_int(client_cmd(c, "SISMEMBER %s %b", key, "\0", (size_t)1), 1);
        expect_int(client_cmd(c, "SCARD %s", key), base + (long long)n - 2);
    }
    /* the empty string as the only member */
    expect_int(client_cmd(c, "SADD e %s", ""), 1);
    expect_int(client_cmd(c, "SCARD e"), 1);
    redisReply *r = client_cmd(c, "SMEMBERS e");
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_uint_eq(r->element[0]->len, 0);
    freeReplyObject(r);
    expect_str(client_cmd(c, "SRANDMEMBER e"), "");
    expect_str(client_cmd(c, "SPOP e"), "");
    expect_int(client_cmd(c, "EXISTS e"), 0);
    /* a NUL-only member, popped with a count */
    expect_int(client_cmd(c, "SADD e %b", "\0\0", (size_t)2), 1);
    r = client_cmd(c, "SPOP e 5");
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_int_eq(count_in(r, "\0\0", 2), 1);
    freeReplyObject(r);
    expect_int(client_cmd(c, "EXISTS e"), 0);
}
END_TEST

/* ------------------------------------------------------------------ RESP3 */

/* RESP3: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count answer the
 * set type; SRANDMEMBER with a count and SMISMEMBER an array; the nulls. */
START_TEST(test_resp3_replies)
{
    struct r3c *rc = r3_connect_resp3(&srv);
    r3_expect_raw(rc, "~0\r\n", "SMEMBERS", "s", NULL);
    r3_expect_raw(rc, "_\r\n", "SPOP", "s", NULL);
    r3_expect_raw(rc, "~0\r\n", "SPOP", "s", "3", NULL);
    r3_expect_raw(rc, "_\r\n", "SRANDMEMBER", "s", NULL);
    r3_expect_raw(rc, "*0\r\n", "SRANDMEMBER", "s", "3", NULL);
    r3_expect_raw(rc, "*0\r\n", "SRANDMEMBER", "s", "-3", NULL);
    r3_expect_raw(rc, "~0\r\n", "SINTER", "s", NULL);
    r3_expect_raw(rc, "~0\r\n", "SUNION", "s", NULL);
    r3_expect_raw(rc, "~0\r\n", "SDIFF", "s", NULL);
    r3_expect_raw(rc, "*2\r\n:0\r\n:0\r\n", "SMISMEMBER", "s", "a", "b", NULL);
    r3_expect_raw(rc, "*2\r\n$1\r\n0\r\n*0\r\n", "SSCAN", "s", "0", NULL);
    r3_expect_raw(rc, ":1\r\n", "SADD", "s", "a", NULL);
    r3_expect_raw(rc, "~1\r\n$1\r\na\r\n", "SMEMBERS", "s", NULL);
    r3_expect_raw(rc, "~1\r\n$1\r\na\r\n", "SINTER", "s", "s", NULL);
    r3_expect_raw(rc, "~0\r\n", "SINTER", "s", "missing", NULL);
    r3_expect_raw(rc, "~1\r\n$1\r\na\r\n", "SUNION", "s", "missing", NULL);
    r3_expect_raw(rc, "~1\r\n$1\r\na\r\n", "SDIFF", "s", "missing", NULL);
    r3_expect_raw(rc, "*1\r\n$1\r\na\r\n", "SRANDMEMBER", "s", "5", NULL);
    r3_expect_raw(rc, "*2\r\n$1\r\na\r\n$1\r\na\r\n", "SRANDMEMBER", "s", "-2", NULL);
    r3_expect_raw(rc, "*0\r\n", "SRANDMEMBER", "s", "0", NULL);
    r3_expect_raw(rc, "$1\r\na\r\n", "SRANDMEMBER", "s", NULL);
    r3_expect_raw(rc, "*3\r\n:1\r\n:0\r\n:1\r\n", "SMISMEMBER", "s", "a", "b", "a", NULL);
    r3_expect_raw(rc, ":1\r\n", "SISMEMBER", "s", "a", NULL);
    r3_expect_raw(rc, ":1\r\n", "SCARD", "s", NULL);
    r3_expect_raw(rc, ":1\r\n", "SINTERCARD", "1", "s", NULL);
    r3_expect_raw(rc, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n", "SSCAN", "s", "0", NULL);
    r3_expect_raw(rc, "+set\r\n", "TYPE", "s", NULL);
    r3_expect_raw(rc, "~0\r\n", "SPOP", "s", "0", NULL);
    r3_expect_raw(rc, "~1\r\n$1\r\na\r\n", "SPOP", "s", "5", NULL);
    r3_expect_raw(rc, ":0\r\n", "EXISTS", "s", NULL);
    r3_expect_raw(rc, ":1\r\n", "SADD", "s", "b", NULL);
    r3_expect_raw(rc, "$1\r\nb\r\n", "SPOP", "s", NULL);
    r3_expect_raw(rc, ":0\r\n", "SUNIONSTORE", "d", "missing", NULL);
    r3_expect_raw(rc, "+OK\r\n", "SET", "str", "v", NULL);
    r3_expect_raw(rc, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                  "SADD", "str", "x", NULL);
    r3_expect_raw(rc, "-ERR value is out of range, must be positive\r\n", "SPOP", "s", "-1",
                  NULL);
    r3_close(rc);
}
END_TEST

/* The same through the parsed view: set and array types of larger
 * replies, and their members. */
START_TEST(test_resp3_parsed)
{
    struct r3c *rc = r3_connect_resp3(&srv);
    r3_expect_int(r3_cmd(rc, "SADD", "s", "1", "2", "3", "x", "y", NULL), 5);
    add_range("big", "m", 0, 300);
    const char *const set_cmds[][5] = {
        {"SMEMBERS", "s"}, {"SINTER", "s", "s"}, {"SUNION", "s", "big"},
        {"SDIFF", "big", "s"}, {"SMEMBERS", "big"},
    };
    const size_t set_sizes[] = {5, 5, 305, 300, 300};
    for (size_t i = 0; i < sizeof set_sizes / sizeof set_sizes[0]; i++) {
        int argc = set_cmds[i][2] ? 3 : 2;
        struct r3 *r = r3_cmd_argv(rc, argc, set_cmds[i], NULL);
        ck_assert_ptr_nonnull(r);
        ck_assert_msg(r->type == R3_SET, "%s: %s", set_cmds[i][0], r3_type_name(r->type));
        ck_assert_uint_eq(r->n, set_sizes[i]);
        for (size_t j = 0; j < r->n; j++)
            ck_assert_int_eq(r->elem[j]->type, R3_BULK);
        r3_free(r);
    }
    /* SPOP with a count: a set, below and above the size */
    struct r3 *r = r3_cmd(rc, "SPOP", "big", "2", NULL);
    ck_assert_msg(r->type == R3_SET, "%s", r3_show(r));
    ck_assert_uint_eq(r->n, 2);
    r3_free(r);
    r = r3_cmd(rc, "SPOP", "big", "1000", NULL);
    ck_assert_msg(r->type == R3_SET, "%s", r3_show(r));
    ck_assert_uint_eq(r->n, 298);
    r3_free(r);
    /* SRANDMEMBER with a count: an array, below and above the size and
     * negative */
    const char *counts[] = {"2", "5", "100", "-7"};
    const size_t lens[] = {2, 5, 5, 7};
    for (size_t i = 0; i < 4; i++) {
        r = r3_cmd(rc, "SRANDMEMBER", "s", counts[i], NULL);
        ck_assert_msg(r->type == R3_ARRAY, "SRANDMEMBER %s: %s", counts[i], r3_show(r));
        ck_assert_uint_eq(r->n, lens[i]);
        r3_free(r);
    }
    /* SMISMEMBER: an array of integers */
    r = r3_cmd(rc, "SMISMEMBER", "s", "x", "nope", "1", NULL);
    ck_assert_int_eq(r->type, R3_ARRAY);
    ck_assert_uint_eq(r->n, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(r->elem[i]->type, R3_INT);
    ck_assert_int_eq(r->elem[0]->integer, 1);
    ck_assert_int_eq(r->elem[1]->integer, 0);
    ck_assert_int_eq(r->elem[2]->integer, 1);
    r3_free(r);
    /* SSCAN: an array of the cursor and an array of members */
    r = r3_cmd(rc, "SSCAN", "s", "0", NULL);
    ck_assert_int_eq(r->type, R3_ARRAY);
    ck_assert_uint_eq(r->n, 2);
    ck_assert_int_eq(r->elem[0]->type, R3_BULK);
    ck_assert_int_eq(r->elem[1]->type, R3_ARRAY);
    ck_assert_uint_eq(r->elem[1]->n, 5);
    r3_free(r);
    r3_expect_null(r3_cmd(rc, "SPOP", "missing", NULL));
    r3_expect_error(r3_cmd(rc, "SINTERCARD", "0", "s", NULL),
                    "ERR numkeys should be greater than 0");
    /* binary members through RESP3 */
    const char *argv[] = {"SADD", "b", "\0\r\n"};
    const size_t blens[] = {4, 1, 3};
    r3_expect_int(r3_cmd_argv(rc, 3, argv, blens), 1);
    r = r3_cmd(rc, "SMEMBERS", "b", NULL);
    ck_assert_int_eq(r->type, R3_SET);
    ck_assert_uint_eq(r->n, 1);
    ck_assert_uint_eq(r->elem[0]->len, 3);
    ck_assert_int_eq(memcmp(r->elem[0]->str, "\0\r\n", 3), 0);
    r3_free(r);
    r3_close(rc);
}
END_TEST

/* ------------------------------------------------------------- INFO stats */

/* Run cmd (no format directives) and assert how much it moved INFO's
 * keyspace_hits and keyspace_misses. */
static void expect_stats_delta(const char *cmd, long long hits, long long misses)
{
    long long h0 = client_info_field(c, "stats", "keyspace_hits");
    long long m0 = client_info_field(c, "stats", "keyspace_misses");
    freeReplyObject(client_cmd(c, cmd));
    long long h1 = client_info_field(c, "stats", "keyspace_hits");
    long long m1 = client_info_field(c, "stats", "keyspace_misses");
    ck_assert_msg(h1 - h0 == hits && m1 - m0 == misses,
                  "%s: %lld hits and %lld misses, expected %lld and %lld", cmd, h1 - h0, m1 - m0,
                  hits, misses);
}

/* keyspace_hits / keyspace_misses count each key a set command reads, as
 * Redis's lookupKeyRead does, sources of the STORE forms included; the
 * writes (SADD, SREM, SMOVE) count nothing. */
START_TEST(test_keyspace_stats)
{
    expect_int(client_cmd(c, "SADD s a b c d e f"), 6);
    expect_stats_delta("SMEMBERS s", 1, 0);
    expect_stats_delta("SMEMBERS missing", 0, 1);
    expect_stats_delta("SISMEMBER s a", 1, 0);
    expect_stats_delta("SMISMEMBER s a b", 1, 0);
    expect_stats_delta("SCARD s", 1, 0);
    expect_stats_delta("SRANDMEMBER s", 1, 0);
    expect_stats_delta("SRANDMEMBER s -3", 1, 0);
    expect_stats_delta("SRANDMEMBER missing", 0, 1);
    expect_stats_delta("SRANDMEMBER missing 3", 0, 1);
    expect_stats_delta("SSCAN s 0", 1, 0);
    expect_stats_delta("SSCAN missing 0", 0, 1);
    expect_stats_delta("SINTER s s missing", 2, 1);
    expect_stats_delta("SUNION missing s", 1, 1);
    expect_stats_delta("SDIFF s missing", 1, 1);
    expect_stats_delta("SINTERCARD 2 s missing", 1, 1);
    expect_stats_delta("SINTERSTORE d s missing", 1, 1);
    expect_stats_delta("SUNIONSTORE d s", 1, 0);
    expect_stats_delta("SDIFFSTORE d missing s", 1, 1);
    expect_stats_delta("SADD s g", 0, 0);
    expect_stats_delta("SADD new g", 0, 0);
    expect_stats_delta("SREM s g", 0, 0);
    expect_stats_delta("SMOVE s d zz", 0, 0);
    expect_stats_delta("SMOVE missing d zz", 0, 0);
}
END_TEST

/* SPOP looks its key up for writing in Redis (lookupKeyWrite): it counts
 * neither a hit nor a miss. */
START_TEST(test_spop_keyspace_stats)
{
    expect_int(client_cmd(c, "SADD s a b c d e f"), 6);
    expect_stats_delta("SPOP s", 0, 0);
    expect_stats_delta("SPOP s 2", 0, 0);
    expect_stats_delta("SPOP s 0", 0, 0);
    expect_stats_delta("SPOP missing", 0, 0);
    expect_stats_delta("SPOP missing 2", 0, 0);
}
END_TEST

/* ---------------------------------------------------------------- COMMAND */

/* COMMAND INFO of every set command: arity, flags, key positions and ACL
 * categories as Redis 7.0 reports them. */
START_TEST(test_command_info)
{
    static const struct {
        const char *name;
        long long arity, first, last, step;
        const char *flags; /* ',' separated, any order */
        const char *acl;
    } want[] = {
        {"sadd", -3, 1, 1, 1, "write,denyoom,fast", "@write,@set,@fast"},
        {"srem", -3, 1, 1, 1, "write,fast", "@write,@set,@fast"},
        {"smembers", 2, 1, 1, 1, "readonly", "@read,@set,@slow"},
        {"sismember", 3, 1, 1, 1, "readonly,fast", "@read,@set,@fast"},
        {"smismember", -3, 1, 1, 1, "readonly,fast", "@read,@set,@fast"},
        {"scard", 2, 1, 1, 1, "readonly,fast", "@read,@set,@fast"},
        {"spop", -2, 1, 1, 1, "write,fast", "@write,@set,@fast"},
        {"srandmember", -2, 1, 1, 1, "readonly", "@read,@set,@slow"},
        {"smove", 4, 1, 2, 1, "write,fast", "@write,@set,@fast"},
        {"sinter", -2, 1, -1, 1, "readonly", "@read,@set,@slow"},
        {"sinterstore", -3, 1, -1, 1, "write,denyoom", "@write,@set,@slow"},
        {"sunion", -2, 1, -1, 1, "readonly", "@read,@set,@slow"},
        {"sunionstore", -3, 1, -1, 1, "write,denyoom", "@write,@set,@slow"},
        {"sdiff", -2, 1, -1, 1, "readonly", "@read,@set,@slow"},
        {"sdiffstore", -3, 1, -1, 1, "write,denyoom", "@write,@set,@slow"},
        {"sscan", -3, 1, 1, 1, "readonly", "@read,@set,@slow"},
        {"sintercard", -3, 0, 0, 0, "readonly,movablekeys", "@read,@set,@slow"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        redisReply *r = client_cmd(c, "COMMAND INFO %s", want[i].name);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_eq(r->elements, 1);
        const redisReply *e = r->element[0];
        ck_assert_msg(e->type == REDIS_REPLY_ARRAY && e->elements >= 7, "COMMAND INFO %s",
                      want[i].name);
        ck_assert_str_eq(e->element[0]->str, want[i].name);
        ck_assert_int_eq(e->element[1]->integer, want[i].arity);
        check_members(e->element[2], want[i].flags);
        ck_assert_int_eq(e->element[3]->integer, want[i].first);
        ck_assert_int_eq(e->element[4]->integer, want[i].last);
        ck_assert_int_eq(e->element[5]->integer, want[i].step);
        check_members(e->element[6], want[i].acl);
        freeReplyObject(r);
    }
}
END_TEST

/* COMMAND GETKEYS finds the keys of the set commands, SINTERCARD's through
 * its numkeys; a numkeys that names no keys is an error, as in Redis. */
START_TEST(test_command_getkeys)
{
    expect_members(client_cmd(c, "COMMAND GETKEYS SADD k m"), "k");
    expect_members(client_cmd(c, "COMMAND GETKEYS SMOVE a b m"), "a,b");
    expect_members(client_cmd(c, "COMMAND GETKEYS SINTERSTORE d a b"), "d,a,b");
    expect_members(client_cmd(c, "COMMAND GETKEYS SSCAN k 0 MATCH x"), "k");
    expect_members(client_cmd(c, "COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1"), "a,b");
    const char *invalid = "ERR Invalid arguments specified for command";
    expect_error(client_cmd(c, "COMMAND GETKEYS SINTERCARD 3 a b"), invalid);
    expect_error(client_cmd(c, "COMMAND GETKEYS SINTERCARD 0 a"), invalid);
    expect_error(client_cmd(c, "COMMAND GETKEYS SINTERCARD x a"), invalid);
}
END_TEST

/* ------------------------------------------------------------ MULTI/WATCH */

/* Set commands queued in MULTI run in order at EXEC; a WRONGTYPE inside
 * fails alone; an arity error while queuing aborts the transaction. */
START_TEST(test_multi_exec)
{
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "SADD s a b c"), "QUEUED");
    expect_status(client_cmd(c, "SREM s a"), "QUEUED");
    expect_status(client_cmd(c, "SCARD s"), "QUEUED");
    expect_status(client_cmd(c, "SISMEMBER s b"), "QUEUED");
    expect_status(client_cmd(c, "SADD str x"), "QUEUED");
    expect_status(client_cmd(c, "SMOVE s t b"), "QUEUED");
    expect_status(client_cmd(c, "SUNIONSTORE u s t"), "QUEUED");
    expect_status(client_cmd(c, "SMEMBERS u"), "QUEUED");
    expect_status(client_cmd(c, "SPOP s 5"), "QUEUED");
    redisReply *other = client_cmd(c, "PING"); /* queued too */
    expect_status(other, "QUEUED");
    /* nothing ran yet */
    expect_status(client_cmd(c, "EXISTS s"), "QUEUED");
    redisReply *r = client_cmd(c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 11);
    ck_assert_int_eq(r->element[0]->integer, 3);
    ck_assert_int_eq(r->element[1]->integer, 1);
    ck_assert_int_eq(r->element[2]->integer, 2);
    ck_assert_int_eq(r->element[3]->integer, 1);
    ck_assert_int_eq(r->element[4]->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->element[4]->str, WRONGTYPE);
    ck_assert_int_eq(r->element[5]->integer, 1);
    ck_assert_int_eq(r->element[6]->integer, 2);
    check_members(r->element[7], "b,c");
    check_members(r->element[8], "c");
    ck_assert_str_eq(r->element[9]->str, "PONG");
    ck_assert_int_eq(r->element[10]->integer, 0);
    freeReplyObject(r);
    expect_smembers("t", "b");
    expect_str(client_cmd(c, "GET str"), "v");
    /* an arity error while queuing: EXECABORT, nothing runs */
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "SADD t z"), "QUEUED");
    expect_arity(c, "SADD t", "sadd");
    expect_error(client_cmd(c, "EXEC"),
                 "EXECABORT Transaction discarded because of previous errors.");
    expect_smembers("t", "b");
    /* DISCARD drops queued set commands */
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "SADD t z"), "QUEUED");
    expect_status(client_cmd(c, "DISCARD"), "OK");
    expect_smembers("t", "b");
}
END_TEST

/* Run an empty transaction on c (watching what it watches) and answer
 * whether EXEC ran it (1) or aborted (0). */
static int exec_runs(void)
{
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "SCARD w"), "QUEUED");
    redisReply *r = client_cmd(c, "EXEC");
    int ran = r->type == REDIS_REPLY_ARRAY;
    ck_assert_msg(ran || r->type == REDIS_REPLY_NIL, "EXEC: type %d", r->type);
    freeReplyObject(r);
    return ran;
}

/* WATCH on a set key: another client's SADD of a new member, SREM of a
 * present one, SPOP, SMOVE in or out, EXPIRE, DEL and STORE with other
 * members abort EXEC; an SADD of a member already there, an SREM of one
 * missing, SPOP 0, SRANDMEMBER and reads do not. */
START_TEST(test_watch_set)
{
    redisContext *o = client_connect(&srv);
    add_range("big", "m", 0, 500);
    static const struct {
        const char *setup; /* on c, before WATCH w; NULL: none */
        const char *cmd;   /* on the other client */
        int runs;          /* EXEC runs afterwards */
    } cases[] = {
        {"SADD w a b", "SADD w c", 0},
        {"SADD w a b", "SADD w a", 1},
        {"SADD w a b", "SADD w a b a", 1},
        {"SADD w a b", "SREM w zz", 1},
        {"SADD w a b", "SREM w a", 0},
        {"SADD w a b", "SPOP w", 0},
        {"SADD w a b", "SPOP w 0", 1},
        {"SADD w a b", "SRANDMEMBER w -5", 1},
        {"SADD w a b", "SMEMBERS w", 1},
        {"SADD w a b", "SMOVE w x a", 0},
        {"SADD w a b", "SMOVE big w m1", 0},
        {"SADD w a m1", "SMOVE big w m1", 1},
        {"SADD w a b", "SMOVE w w a", 1},
        {"SADD w a b", "EXPIRE w 100", 0},
        {"SADD w a b", "DEL w", 0},
        {"SADD w a b", "SUNIONSTORE w big", 0},
        {"SADD w a b", "SINTERSTORE w missing", 0},
        {"SADD w a b", "SINTERSTORE x w", 1},
        {NULL, "SADD w a", 0},
        {NULL, "SINTERSTORE w missing", 1},
        {"SUNIONSTORE w big", "SADD w m7", 1},
        {"SUNIONSTORE w big", "SADD w new", 0},
        {"SUNIONSTORE w big", "SREM w m7", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        freeReplyObject(client_cmd(c, "DEL w x"));
        if (cases[i].setup)
            freeReplyObject(client_cmd(c, cases[i].setup));
        expect_status(client_cmd(c, "WATCH w"), "OK");
        redisReply *r = client_cmd(o, cases[i].cmd);
        ck_assert_msg(r->type != REDIS_REPLY_ERROR, "%s: %s", cases[i].cmd, r->str);
        freeReplyObject(r);
        ck_assert_msg(exec_runs() == cases[i].runs, "WATCH after %s, then %s: EXEC %s",
                      cases[i].setup ? cases[i].setup : "(nothing)", cases[i].cmd,
                      cases[i].runs ? "aborted" : "ran");
        /* the source big set may have lost m1: put it back */
        freeReplyObject(client_cmd(c, "SADD big m1"));
    }
    redisFree(o);
}
END_TEST

/* --------------------------------------------------------- the TTL policy */

/* The TTL policy applies to the sets commands create (SADD, SMOVE's
 * destination, the STORE commands), not to changes of an existing set. */
START_TEST(test_ttl_policy_sets)
{
    expect_int(client_cmd(c, "SADD s a"), 1);
    expect_ttl(c, "s", 99, 100);
    expect_int(client_cmd(c, "SADD user:s a"), 1);
    expect_ttl(c, "user:s", 999, 1000);
    /* changes keep the TTL, or the lack of one */
    expect_int(client_cmd(c, "PERSIST s"), 1);
    expect_int(client_cmd(c, "SADD s b c"), 2);
    expect_int(client_cmd(c, "SREM s c"), 1);
    expect_int(client_cmd(c, "TTL s"), -1);
    expect_int(client_cmd(c, "EXPIRE user:s 50"), 1);
    expect_int(client_cmd(c, "SADD user:s b"), 1);
    expect_int(client_cmd(c, "SREM user:s b"), 1);
    expect_ttl(c, "user:s", 49, 50);
    /* SMOVE: a created destination gets the policy, an existing one keeps
     * its own */
    expect_int(client_cmd(c, "SMOVE s user:d a"), 1);
    expect_ttl(c, "user:d", 999, 1000);
    expect_int(client_cmd(c, "TTL s"), -1);
    expect_int(client_cmd(c, "SMOVE user:d user:s a"), 1);
    expect_ttl(c, "user:s", 49, 50);
    /* the STORE commands write their destination whole */
    expect_int(client_cmd(c, "SUNIONSTORE user:u s user:s"), 2);
    expect_ttl(c, "user:u", 999, 1000);
    expect_int(client_cmd(c, "SINTERSTORE plain s s"), 1);
    expect_ttl(c, "plain", 99, 100);
    expect_int(client_cmd(c, "PERSIST plain"), 1);
    expect_int(client_cmd(c, "SDIFFSTORE plain s user:s"), 1);
    expect_ttl(c, "plain", 99, 100);
    /* a set emptied and added to again is a new key */
    expect_int(client_cmd(c, "SREM s b"), 1);
    expect_int(client_cmd(c, "SADD s z"), 1);
    expect_ttl(c, "s", 99, 100);
    /* RENAME and COPY carry the source's expiry */
    expect_int(client_cmd(c, "PERSIST s"), 1);
    expect_int(client_cmd(c, "COPY s user:c"), 1);
    expect_int(client_cmd(c, "TTL user:c"), -1);
    expect_status(client_cmd(c, "RENAME s user:r"), "OK");
    expect_int(client_cmd(c, "TTL user:r"), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sets");
    TCase *tc = tcase_create("sets");
    tcase_add_checked_fixture(tc, start_plain, stop);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_sadd_srem_scard);
    tcase_add_test(tc, test_smembers_sismember_smismember);
    tcase_add_test(tc, test_spop);
    tcase_add_test(tc, test_srandmember);
    tcase_add_test(tc, test_srandmember_huge_negative_count);
    tcase_add_test(tc, test_smove);
    tcase_add_test(tc, test_smove_missing_source_wrongtype_destination);
    tcase_add_test(tc, test_smove_many_sources);
    tcase_add_test(tc, test_sinter_sunion_sdiff);
    tcase_add_test(tc, test_sinter_same_key_twice);
    tcase_add_test(tc, test_store_variants);
    tcase_add_test(tc, test_sintercard);
    tcase_add_test(tc, test_sscan_small);
    tcase_add_test(tc, test_sscan_large);
    tcase_add_test(tc, test_sscan_during_changes);
    tcase_add_test(tc, test_wrongtype_set_commands);
    tcase_add_test(tc, test_wrongtype_string_commands);
    tcase_add_test(tc, test_resp3_replies);
    tcase_add_test(tc, test_resp3_parsed);
    tcase_add_test(tc, test_keyspace_stats);
    tcase_add_test(tc, test_spop_keyspace_stats);
    tcase_add_test(tc, test_command_info);
    tcase_add_test(tc, test_command_getkeys);
    tcase_add_test(tc, test_multi_exec);
    tcase_add_test(tc, test_watch_set);
    suite_add_tcase(s, tc);

    TCase *keyspace = tcase_create("keyspace");
    tcase_add_checked_fixture(keyspace, start_plain, stop);
    tcase_set_timeout(keyspace, TEST_TIMEOUT_S);
    tcase_add_test(keyspace, test_del_exists_type_dbsize);
    tcase_add_test(keyspace, test_expire_set);
    tcase_add_test(keyspace, test_rename_set);
    tcase_add_test(keyspace, test_copy_set);
    tcase_add_test(keyspace, test_move_set);
    tcase_add_test(keyspace, test_move_db_int_range);
    tcase_add_test(keyspace, test_scan_type);
    tcase_add_test(keyspace, test_flushall_large_sets);
    suite_add_tcase(s, keyspace);

    TCase *enc = tcase_create("encodings");
    tcase_add_checked_fixture(enc, start_plain, stop);
    tcase_set_timeout(enc, TEST_TIMEOUT_S);
    tcase_add_test(enc, test_config_options);
    tcase_add_test(enc, test_encoding_thresholds);
    tcase_add_test(enc, test_encoding_default_limits);
    tcase_add_test(enc, test_integer_edges);
    tcase_add_test(enc, test_noncanonical_integers);
    tcase_add_test(enc, test_binary_members);
    suite_add_tcase(s, enc);

    TCase *policy = tcase_create("ttl policy");
    tcase_add_checked_fixture(policy, start_with_ttl_policy, stop);
    tcase_set_timeout(policy, TEST_TIMEOUT_S);
    tcase_add_test(policy, test_ttl_policy_sets);
    suite_add_tcase(s, policy);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
