/* Integration tests of hash field expiry, with Redis 7.4's replies and error
 * texts: HEXPIRE, HPEXPIRE, HEXPIREAT and HPEXPIREAT with NX, XX, GT and LT
 * (the reply per field: -2, 0, 1 or 2, a field named twice handled twice,
 * times now or past deleting the field and the emptied key); HTTL, HPTTL,
 * HEXPIRETIME, HPEXPIRETIME and HPERSIST; the argument checks in Redis's
 * order (arity, WRONGTYPE, the time and its range, the condition, FIELDS,
 * numfields) on existing and missing keys; what HSET, HMSET, HSETNX,
 * HINCRBY, HINCRBYFLOAT and HDEL do to a field's TTL; that no read serves a
 * field once its time has passed; active reclaim of fields nobody reads,
 * with the keys they empty, and INFO's expired_subkeys; the listpackex and
 * hashtable encodings and the conversion between them; RENAME, COPY and
 * MOVE; MULTI/EXEC, WATCH and RESP3.
 *
 * Where the encoding could matter a test runs on a small (listpack) hash,
 * the key "lp", and on a hash table, the key "ht", which holds a "pad"
 * field whose value is longer than hash-max-listpack-value. Replies that depend on time are
 * checked against absolute times (HPEXPIREAT, read back exactly with
 * HPEXPIRETIME) or against bounds taken from the clock before and after a
 * command; short TTLs are waited for by polling with a bound. */
#include <check.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "resp3.h"

#define TEST_TIMEOUT_S 120 /* per test, generous for sanitizer builds */
#define POLL_STEP_MS 2
#define EXPIRY_WAIT_MS 5000  /* bound on waiting for a short TTL to pass */
#define RECLAIM_WAIT_MS 5000 /* bound on active reclaim after the due time */
#define FAR_MS (1000LL * 1000 * 1000) /* about 11.6 days ahead */
#define MAX_AT_MS 70368744177663LL    /* 2^46 - 1, the latest expiry time */
#define MAX_FIELDS 64                 /* in the lists the helpers parse */

/* Longer than the default hash-max-listpack-value (64): makes a hash table. */
#define PAD_VALUE "0123456789012345678901234567890123456789012345678901234567890123456789"

static const char *const WRONGTYPE =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
static const char *const NOT_INTEGER = "ERR value is not an integer or out of range";
static const char *const NEGATIVE = "ERR invalid expire time, must be >= 0";
static const char *const NO_FIELDS =
    "ERR Mandatory argument FIELDS is missing or not at the right position";
static const char *const NUMFIELDS_SET = "ERR Parameter `numFields` should be greater than 0";
static const char *const NUMFIELDS_GET = "ERR Number of fields must be a positive integer";
static const char *const MISMATCH =
    "ERR The `numfields` parameter must match the number of arguments";

/* The two keys the encoding-sensitive tests run on; keys named after them
 * ("lp:copy", "ht:copy") are of the same kind. */
static const char *const KEYS[] = {"lp", "ht"};
#define NKEYS (sizeof KEYS / sizeof KEYS[0])

static struct server srv;
static redisContext *c;

static void start(void)
{
    server_start(&srv, NULL);
    c = client_connect(&srv);
}

static void stop(void)
{
    redisFree(c);
    ck_assert_int_eq(server_stop(&srv), 0);
}

/* ---------------------------------------------------------------- helpers */

/* Whether key is the hash-table one or named after it ("ht:copy"). */
static int is_ht(const char *key)
{
    return strncmp(key, "ht", 2) == 0;
}

/* A short rendering of r into buf, for failure messages. */
static const char *render(const redisReply *r, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    if (r == NULL)
        return "(no reply)";
    switch (r->type) {
    case REDIS_REPLY_INTEGER:
        snprintf(buf, cap, "%lld", r->integer);
        break;
    case REDIS_REPLY_NIL:
        snprintf(buf, cap, "(nil)");
        break;
    case REDIS_REPLY_ERROR:
        snprintf(buf, cap, "(error) %s", r->str);
        break;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_STRING:
        snprintf(buf, cap, "\"%.*s\"", (int)(r->len > 80 ? 80 : r->len), r->str);
        break;
    case REDIS_REPLY_ARRAY:
        used = (size_t)snprintf(buf, cap, "[");
        for (size_t i = 0; i < r->elements && used + 2 < cap; i++) {
            char one[128];
            render(r->element[i], one, sizeof one);
            int k = snprintf(buf + used, cap - used, "%s%s", i ? "," : "", one);
            if (k < 0 || (size_t)k >= cap - used)
                break;
            used += (size_t)k;
        }
        if (used + 2 <= cap)
            snprintf(buf + used, cap - used, "]");
        break;
    default:
        snprintf(buf, cap, "(type %d)", r->type);
    }
    return buf;
}

/* Parse a ','-separated list of integers into v (at most MAX_FIELDS);
 * returns the count ("" is none). */
static size_t parse_ints(const char *list, long long *v)
{
    size_t n = 0;
    const char *p = list;
    while (*p && n < MAX_FIELDS) {
        char *end;
        v[n++] = strtoll(p, &end, 10);
        ck_assert_msg(end != p, "bad integer list '%s'", list);
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

/* Whether r is an array of exactly the integers of the list want. */
static int reply_is_ints(const redisReply *r, const char *want)
{
    long long v[MAX_FIELDS];
    size_t n = parse_ints(want, v);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (r->element[i]->type != REDIS_REPLY_INTEGER || r->element[i]->integer != v[i])
            return 0;
    return 1;
}

/* r (freed) is the array of integers want, e.g. "1,-2,0". */
static void expect_ints(redisReply *r, const char *want)
{
    char got[512];
    ck_assert_msg(reply_is_ints(r, want), "expected [%s], got %s", want,
                  render(r, got, sizeof got));
    freeReplyObject(r);
}

/* The one integer of the one-element array that the command answers. */
static long long field_int(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    ck_assert_msg(r != NULL, "no reply: %s", c->errstr);
    char got[256];
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
                      r->element[0]->type == REDIS_REPLY_INTEGER,
                  "%s: expected one integer in an array, got %s", fmt,
                  render(r, got, sizeof got));
    long long v = r->element[0]->integer;
    freeReplyObject(r);
    return v;
}

/* The exact expiry time (unix ms) of one field, -1 or -2. */
static long long pexpiretime(const char *key, const char *field)
{
    return field_int("HPEXPIRETIME %s FIELDS 1 %s", key, field);
}

/* ceil(ms / 1000) for ms >= 0, as HTTL rounds. */
static long long ceil_s(long long ms)
{
    return (ms + 999) / 1000;
}

/* HPTTL and HTTL of a field expiring at the unix ms at agree with at and
 * the clock read around each command. */
static void expect_field_ttls(const char *key, const char *field, long long at)
{
    long long t0 = wall_ms();
    long long pttl = field_int("HPTTL %s FIELDS 1 %s", key, field);
    long long t1 = wall_ms();
    ck_assert_msg(pttl >= at - t1 && pttl <= at - t0, "HPTTL %s %s = %lld, expected %lld..%lld",
                  key, field, pttl, at - t1, at - t0);
    t0 = wall_ms();
    long long ttl = field_int("HTTL %s FIELDS 1 %s", key, field);
    t1 = wall_ms();
    ck_assert_msg(ttl >= ceil_s(at - t1) && ttl <= ceil_s(at - t0),
                  "HTTL %s %s = %lld, expected %lld..%lld", key, field, ttl, ceil_s(at - t1),
                  ceil_s(at - t0));
}

/* A new hash under key with the space-separated field value pairs; the
 * "ht" key gets the long pad field too, which makes it a hash table. */
static void make_hash(const char *key, const char *pairs)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "HSET %s %s", key, pairs);
    redisReply *r = client_cmd(c, cmd);
    ck_assert_msg(r->type == REDIS_REPLY_INTEGER && r->integer > 0, "%s: %s", cmd,
                  r->str ? r->str : "");
    freeReplyObject(r);
    if (is_ht(key)) {
        expect_int(client_cmd(c, "HSET %s pad %s", key, PAD_VALUE), 1);
        expect_encoding(c, key, "hashtable");
    } else {
        expect_encoding(c, key, "listpack");
    }
}

/* HGETALL key is exactly the pairs of the ','-separated field=value list
 * (in any order), with the pad pair of the "ht" key; HLEN agrees. */
static void expect_hash(const char *key, const char *list)
{
    char want[2048];
    snprintf(want, sizeof want, "%s%s%s", list, is_ht(key) && *list ? "," : "",
             is_ht(key) ? "pad=" PAD_VALUE : "");
    char *tokens[MAX_FIELDS];
    size_t n = 0;
    for (char *save, *tok = strtok_r(want, ",", &save); tok && n < MAX_FIELDS;
         tok = strtok_r(NULL, ",", &save))
        tokens[n++] = tok;
    int seen[MAX_FIELDS] = {0};
    redisReply *r = client_cmd(c, "HGETALL %s", key);
    char got[2048];
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 2 * n,
                  "HGETALL %s: expected %zu pairs, got %s", key, n, render(r, got, sizeof got));
    for (size_t i = 0; i < r->elements; i += 2) {
        char pair[256];
        snprintf(pair, sizeof pair, "%s=%s", r->element[i]->str, r->element[i + 1]->str);
        size_t k = 0;
        while (k < n && (seen[k] || strcmp(tokens[k], pair) != 0))
            k++;
        ck_assert_msg(k < n, "HGETALL %s: unexpected %s in %s", key, pair,
                      render(r, got, sizeof got));
        seen[k] = 1;
    }
    freeReplyObject(r);
    expect_int(client_cmd(c, "HLEN %s", key), (long long)n);
}

/* Poll HEXISTS key field until it answers 0; fails after EXPIRY_WAIT_MS. */
static void wait_field_gone(const char *key, const char *field)
{
    long long deadline = mono_ms() + EXPIRY_WAIT_MS;
    while (client_int(c, "HEXISTS %s %s", key, field) != 0) {
        ck_assert_msg(mono_ms() < deadline, "field %s of %s still there after %d ms", field, key,
                      EXPIRY_WAIT_MS);
        poll(NULL, 0, POLL_STEP_MS);
    }
}

/* Poll DBSIZE (touching no key) until it is want; fails after bound ms. */
static void wait_dbsize(long long want, long long bound)
{
    long long deadline = mono_ms() + bound, n;
    while ((n = client_int(c, "DBSIZE")) != want) {
        ck_assert_msg(mono_ms() < deadline, "DBSIZE %lld, expected %lld after %lld ms", n, want,
                      bound);
        poll(NULL, 0, POLL_STEP_MS);
    }
}

/* Poll INFO stats until expired_subkeys is want; fails after bound ms. */
static void wait_expired_subkeys(long long want, long long bound)
{
    long long deadline = mono_ms() + bound, n;
    while ((n = client_info_field(c, "stats", "expired_subkeys")) != want) {
        ck_assert_msg(n < want, "expired_subkeys %lld, expected %lld", n, want);
        ck_assert_msg(mono_ms() < deadline, "expired_subkeys %lld, expected %lld after %lld ms", n,
                      want, bound);
        poll(NULL, 0, POLL_STEP_MS);
    }
}

/* Run the command given as argc strings; the caller frees the reply. */
static redisReply *cmd_argv(int argc, const char **argv)
{
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    ck_assert_msg(r != NULL, "no reply: %s", c->errstr);
    return r;
}

/* HSET key the fields "f<i>" = "v<i>" for i in [from, to), 100 a call. */
static void hset_fields(const char *key, int from, int to)
{
    enum { BATCH = 100 };
    static char names[2 * BATCH][24];
    const char *argv[2 * BATCH + 2] = {"HSET", key};
    for (int i = from; i < to;) {
        int n = 0;
        for (; n < BATCH && i < to; n++, i++) {
            snprintf(names[2 * n], sizeof names[0], "f%d", i);
            snprintf(names[2 * n + 1], sizeof names[0], "v%d", i);
            argv[2 * n + 2] = names[2 * n];
            argv[2 * n + 3] = names[2 * n + 1];
        }
        redisReply *r = cmd_argv(2 * n + 2, argv);
        ck_assert_msg(r->type == REDIS_REPLY_INTEGER, "HSET %s: %s", key, r->str ? r->str : "");
        freeReplyObject(r);
    }
}

/* cmd key time FIELDS n f<from> ... f<to-1> (cmd is one word, e.g.
 * "HPEXPIRE"; time a number as text): every reply element is want. */
static void fields_cmd(const char *cmd, const char *key, const char *time, int from, int to,
                       long long want)
{
    int n = to - from;
    const char **argv = malloc((size_t)(n + 5) * sizeof *argv);
    char (*names)[24] = malloc((size_t)n * sizeof *names);
    char count[24];
    ck_assert(argv && names);
    int argc = 0;
    argv[argc++] = cmd;
    argv[argc++] = key;
    if (time)
        argv[argc++] = time;
    argv[argc++] = "FIELDS";
    snprintf(count, sizeof count, "%d", n);
    argv[argc++] = count;
    for (int i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "f%d", from + i);
        argv[argc++] = names[i];
    }
    redisReply *r = cmd_argv(argc, argv);
    char got[256];
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == (size_t)n, "%s %s: %s", cmd, key,
                  render(r, got, sizeof got));
    for (int i = 0; i < n; i++)
        ck_assert_msg(r->element[i]->type == REDIS_REPLY_INTEGER &&
                          r->element[i]->integer == want,
                      "%s %s: f%d answered %s, expected %lld", cmd, key, from + i,
                      render(r->element[i], got, sizeof got), want);
    freeReplyObject(r);
    free(names);
    free(argv);
}

/* Whether the array r holds the string s at index offset, offset+stride... */
static int array_has(const redisReply *r, const char *s, size_t offset, size_t stride)
{
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    for (size_t i = offset; i < r->elements; i += stride)
        if (r->element[i]->type == REDIS_REPLY_STRING && strcmp(r->element[i]->str, s) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------ setting and reading TTLs */

/* HEXPIRE on existing and missing fields and keys: 1 for a field that is
 * there, -2 for one that is not, all -2 for a missing key (not created);
 * the key's own TTL is neither set nor changed, and PERSIST of the key
 * leaves the fields' TTLs; the fields are all still served. */
START_TEST(test_hexpire_basic)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        make_hash(key, "a 1 b 2 c 3");
        expect_ints(client_cmd(c, "HEXPIRE %s 100 FIELDS 1 a", key), "1");
        expect_int(client_cmd(c, "TTL %s", key), -1);
        expect_ints(client_cmd(c, "HEXPIRE %s 100 FIELDS 3 zz a b", key), "-2,1,1");
        expect_int(client_cmd(c, "TTL %s", key), -1);
        expect_encoding(c, key, is_ht(key) ? "hashtable" : "listpackex");
        long long at = pexpiretime(key, "a");
        expect_field_ttls(key, "a", at);
        expect_ints(client_cmd(c, "HTTL %s FIELDS 2 c zz", key), "-1,-2");
        /* the key's own TTL is another thing */
        expect_int(client_cmd(c, "EXPIRE %s 1000", key), 1);
        expect_ints(client_cmd(c, "HEXPIRE %s 200 FIELDS 1 c", key), "1");
        expect_ttl(c, key, 999, 1000);
        expect_int(client_cmd(c, "PERSIST %s", key), 1);
        expect_int(client_cmd(c, "TTL %s", key), -1);
        expect_field_ttls(key, "a", at);
        expect_field_ttls(key, "c", pexpiretime(key, "c"));
        expect_hash(key, "a=1,b=2,c=3");
        expect_status(client_cmd(c, "TYPE %s", key), "hash");
    }
    /* a missing key: -2 for each field, nothing created */
    expect_ints(client_cmd(c, "HEXPIRE missing 100 FIELDS 2 a b"), "-2,-2");
    expect_ints(client_cmd(c, "HPEXPIRE missing 100 FIELDS 1 a"), "-2");
    expect_ints(client_cmd(c, "HEXPIREAT missing 1 FIELDS 1 a"), "-2");
    expect_ints(client_cmd(c, "HPEXPIREAT missing 0 NX FIELDS 3 a a b"), "-2,-2,-2");
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_int(client_cmd(c, "DBSIZE"), 2);
}
END_TEST

/* The four commands and their units: HEXPIRE seconds and HPEXPIRE ms from
 * now, HEXPIREAT unix seconds and HPEXPIREAT unix ms; HEXPIRETIME rounds
 * the ms up to a second, HTTL rounds the time left up. */
START_TEST(test_units)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        make_hash(key, "a 1 b 2 c 3 d 4 e 5 f 6 g 7");
        long long t0 = wall_ms();
        expect_ints(client_cmd(c, "HEXPIRE %s 100 FIELDS 1 a", key), "1");
        long long t1 = wall_ms();
        long long at = pexpiretime(key, "a");
        ck_assert_msg(at >= t0 + 100000 && at <= t1 + 100000, "HEXPIRE 100: at %lld, now %lld",
                      at, t0);
        expect_field_ttls(key, "a", at);
        ck_assert_int_eq(field_int("HEXPIRETIME %s FIELDS 1 a", key), (at + 999) / 1000);
        t0 = wall_ms();
        expect_ints(client_cmd(c, "HPEXPIRE %s 123456 FIELDS 1 b", key), "1");
        t1 = wall_ms();
        at = pexpiretime(key, "b");
        ck_assert_msg(at >= t0 + 123456 && at <= t1 + 123456, "HPEXPIRE 123456: at %lld, now %lld",
                      at, t0);
        expect_field_ttls(key, "b", at);
        ck_assert_int_eq(field_int("HEXPIRETIME %s FIELDS 1 b", key), (at + 999) / 1000);
        /* absolute seconds */
        long long s = wall_ms() / 1000 + 7777;
        expect_ints(client_cmd(c, "HEXPIREAT %s %lld FIELDS 1 c", key, s), "1");
        ck_assert_int_eq(pexpiretime(key, "c"), s * 1000);
        ck_assert_int_eq(field_int("HEXPIRETIME %s FIELDS 1 c", key), s);
        expect_field_ttls(key, "c", s * 1000);
        /* absolute ms: one past a whole second, one short of the next, one
         * on it */
        long long base = (wall_ms() / 1000 + 5000) * 1000;
        const long long ats[] = {base + 1, base + 999, base};
        const char *fields[] = {"d", "e", "f"};
        for (size_t i = 0; i < 3; i++) {
            expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 %s", key, ats[i], fields[i]),
                        "1");
            ck_assert_int_eq(pexpiretime(key, fields[i]), ats[i]);
            expect_field_ttls(key, fields[i], ats[i]);
        }
        char want[128];
        snprintf(want, sizeof want, "%lld,%lld,%lld,%lld", base + 1, base + 999, base,
                 (long long)-1);
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 4 d e f g", key), want);
        snprintf(want, sizeof want, "%lld,%lld,%lld,-1,-2", base / 1000 + 1, base / 1000 + 1,
                 base / 1000);
        expect_ints(client_cmd(c, "HEXPIRETIME %s FIELDS 5 d e f g zz", key), want);
        /* 1500 ms left reads as 2 s, then 1 s */
        expect_ints(client_cmd(c, "HPEXPIRE %s 1500 FIELDS 1 g", key), "1");
        expect_field_ttls(key, "g", pexpiretime(key, "g"));
    }
}
END_TEST

/* HTTL, HPTTL, HEXPIRETIME and HPEXPIRETIME per field: -2 without the
 * field, -1 without a TTL, the time otherwise, in request order (a field
 * named twice answered twice); all -2 on a missing key. */
START_TEST(test_ttl_queries)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        make_hash(key, "a 1 b 2 c 3");
        long long at = wall_ms() + FAR_MS + 321;
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 2 a b", key, at), "1,1");
        char want[128];
        snprintf(want, sizeof want, "%lld,-1,-2,%lld,%lld", at, at, at);
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 5 a c zz b a", key), want);
        snprintf(want, sizeof want, "-1,%lld,-2", (at + 999) / 1000);
        expect_ints(client_cmd(c, "HEXPIRETIME %s FIELDS 3 c b zz", key), want);
        /* HTTL and HPTTL of several fields in one call */
        long long t0 = wall_ms();
        redisReply *r = client_cmd(c, "HPTTL %s FIELDS 4 zz a c b", key);
        long long t1 = wall_ms();
        char got[256];
        ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 4, "HPTTL: %s",
                      render(r, got, sizeof got));
        ck_assert_int_eq(r->element[0]->integer, -2);
        ck_assert_int_eq(r->element[2]->integer, -1);
        for (size_t i = 1; i < 4; i += 2)
            ck_assert_msg(r->element[i]->integer >= at - t1 && r->element[i]->integer <= at - t0,
                          "HPTTL: %s", render(r, got, sizeof got));
        freeReplyObject(r);
        t0 = wall_ms();
        r = client_cmd(c, "HTTL %s FIELDS 4 b zz c a", key);
        t1 = wall_ms();
        ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 4, "HTTL: %s",
                      render(r, got, sizeof got));
        ck_assert_int_eq(r->element[1]->integer, -2);
        ck_assert_int_eq(r->element[2]->integer, -1);
        for (size_t i = 0; i < 4; i += 3)
            ck_assert_msg(r->element[i]->integer >= ceil_s(at - t1) &&
                              r->element[i]->integer <= ceil_s(at - t0),
                          "HTTL: %s", render(r, got, sizeof got));
        freeReplyObject(r);
        /* reads change nothing */
        expect_encoding(c, key, is_ht(key) ? "hashtable" : "listpackex");
        expect_hash(key, "a=1,b=2,c=3");
    }
    /* a hash that never had a TTL: -1, and its encoding stays */
    expect_int(client_cmd(c, "HSET plain a 1"), 1);
    expect_ints(client_cmd(c, "HTTL plain FIELDS 2 a zz"), "-1,-2");
    expect_ints(client_cmd(c, "HPTTL plain FIELDS 1 a"), "-1");
    expect_ints(client_cmd(c, "HEXPIRETIME plain FIELDS 1 a"), "-1");
    expect_ints(client_cmd(c, "HPEXPIRETIME plain FIELDS 1 a"), "-1");
    expect_encoding(c, "plain", "listpack");
    /* a missing key */
    const char *cmds[] = {"HTTL", "HPTTL", "HEXPIRETIME", "HPEXPIRETIME", "HPERSIST"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        expect_ints(client_cmd(c, "%s missing FIELDS 3 a b a", cmds[i]), "-2,-2,-2");
        expect_ints(client_cmd(c, "%s missing fields 1 a", cmds[i]), "-2");
    }
    expect_int(client_cmd(c, "EXISTS missing"), 0);
}
END_TEST

/* ------------------------------------------------------------- conditions */

/* NX only without a TTL, XX only with one, GT only above the current time
 * (a field without a TTL never: no TTL is infinite), LT only below it (a
 * field without a TTL always); equal times do not pass GT or LT; the
 * conditions are case-insensitive; several fields in one call each answer
 * for themselves, and a field named twice sees the first change. */
START_TEST(test_conditions)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        make_hash(key, "a 1 b 2 c 3 d 4 e 5");
        long long t = wall_ms() + FAR_MS;
        /* no TTL: XX and GT do not apply, NX and LT do */
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld XX FIELDS 1 a", key, t), "0");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld GT FIELDS 1 a", key, t), "0");
        ck_assert_int_eq(pexpiretime(key, "a"), -1);
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld NX FIELDS 1 a", key, t), "1");
        ck_assert_int_eq(pexpiretime(key, "a"), t);
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld LT FIELDS 1 b", key, t), "1");
        ck_assert_int_eq(pexpiretime(key, "b"), t);
        /* with a TTL: NX does not apply, XX does */
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld NX FIELDS 1 a", key, t + 100), "0");
        ck_assert_int_eq(pexpiretime(key, "a"), t);
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld XX FIELDS 1 a", key, t + 50), "1");
        ck_assert_int_eq(pexpiretime(key, "a"), t + 50);
        /* GT: strictly later */
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld GT FIELDS 1 a", key, t + 50), "0");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld GT FIELDS 1 a", key, t + 49), "0");
        ck_assert_int_eq(pexpiretime(key, "a"), t + 50);
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld GT FIELDS 1 a", key, t + 51), "1");
        ck_assert_int_eq(pexpiretime(key, "a"), t + 51);
        /* LT: strictly earlier */
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld LT FIELDS 1 a", key, t + 51), "0");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld LT FIELDS 1 a", key, t + 52), "0");
        ck_assert_int_eq(pexpiretime(key, "a"), t + 51);
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld LT FIELDS 1 a", key, t + 10), "1");
        ck_assert_int_eq(pexpiretime(key, "a"), t + 10);
        /* no condition: any time */
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 a", key, t + 20), "1");
        ck_assert_int_eq(pexpiretime(key, "a"), t + 20);
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 a", key, t + 20), "1");
        /* case-insensitive */
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld nx FIELDS 1 c", key, t), "1");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld xX FIELDS 1 c", key, t + 1), "1");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld Gt FIELDS 1 c", key, t + 2), "1");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld lt FIELDS 1 c", key, t + 1), "1");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld Nx FIELDS 1 c", key, t + 9), "0");
        ck_assert_int_eq(pexpiretime(key, "c"), t + 1);
        /* several fields: a t+20, b t, c t+1, d none, zz missing */
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld GT FIELDS 5 a b c d zz", key, t + 5),
                    "0,1,1,0,-2");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld LT FIELDS 4 a b d zz", key, t + 3),
                    "1,1,1,-2");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld NX FIELDS 3 e a e", key, t + 9), "1,0,0");
        /* a field named twice: the second sees the first */
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld GT FIELDS 2 e e", key, t + 30), "1,0");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld XX FIELDS 2 e e", key, t + 40), "1,1");
        char want[160];
        snprintf(want, sizeof want, "%lld,%lld,%lld,%lld,%lld", t + 3, t + 3, t + 5, t + 3,
                 t + 40);
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 5 a b c d e", key), want);
        /* the relative forms compare the same way */
        expect_ints(client_cmd(c, "HEXPIRE %s 100 GT FIELDS 1 a", key), "0");
        expect_ints(client_cmd(c, "HPEXPIRE %s 100000 XX FIELDS 1 b", key), "1");
        expect_ints(client_cmd(c, "HEXPIRE %s 100 LT FIELDS 1 b", key), "0");
        expect_ints(client_cmd(c, "HEXPIRE %s 99 LT FIELDS 1 b", key), "1");
        expect_ints(client_cmd(c, "HEXPIRE %s 1000 NX FIELDS 1 b", key), "0");
        expect_ints(client_cmd(c, "HEXPIREAT %s %lld GT FIELDS 1 b", key, t / 1000 + 100), "1");
        ck_assert_int_eq(pexpiretime(key, "b"), (t / 1000 + 100) * 1000);
        expect_hash(key, "a=1,b=2,c=3,d=4,e=5");
    }
}
END_TEST

/* ------------------------------------------------------- now and the past */

/* A time now or past deletes the field (reply 2), for each command (also
 * HEXPIRE 0), after the condition is checked: a condition that does not
 * hold answers 0 and deletes nothing. A field named twice is deleted, then
 * missing; the last field deleted deletes the key, whose name then starts
 * a hash without TTLs. */
START_TEST(test_past_times)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        make_hash(key, "a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8");
        long long t = wall_ms() + FAR_MS;
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 2 c d", key, t), "1,1");
        /* conditions not met: nothing deleted */
        expect_ints(client_cmd(c, "HPEXPIREAT %s 1 XX FIELDS 1 a", key), "0");
        expect_ints(client_cmd(c, "HPEXPIREAT %s 1 GT FIELDS 2 a c", key), "0,0");
        expect_ints(client_cmd(c, "HEXPIRE %s 0 NX FIELDS 1 c", key), "0");
        expect_ints(client_cmd(c, "HEXPIREAT %s 0 GT FIELDS 1 d", key), "0");
        expect_hash(key, "a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8");
        ck_assert_int_eq(pexpiretime(key, "c"), t);
        /* met: deleted */
        expect_ints(client_cmd(c, "HPEXPIREAT %s 1 LT FIELDS 1 c", key), "2");
        expect_ints(client_cmd(c, "HPEXPIREAT %s 1 XX FIELDS 1 d", key), "2");
        expect_ints(client_cmd(c, "HPEXPIREAT %s 1 NX FIELDS 1 a", key), "2");
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 3 a c d", key), "-2,-2,-2");
        expect_int(client_cmd(c, "HEXISTS %s c", key), 0);
        expect_hash(key, "b=2,e=5,f=6,g=7,h=8");
        /* each command, with 0 and with a time just past */
        expect_ints(client_cmd(c, "HEXPIRE %s 0 FIELDS 2 b b", key), "2,-2");
        expect_ints(client_cmd(c, "HPEXPIRE %s 0 FIELDS 2 zz e", key), "-2,2");
        expect_ints(client_cmd(c, "HEXPIREAT %s %lld FIELDS 1 f", key, wall_ms() / 1000 - 1),
                    "2");
        expect_ints(client_cmd(c, "HEXPIREAT %s %lld FIELDS 1 g", key, wall_ms() / 1000), "2");
        expect_hash(key, "h=8");
        /* the last field: the key goes */
        if (is_ht(key))
            expect_ints(client_cmd(c, "HPEXPIREAT %s 0 FIELDS 1 pad", key), "2");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 2 h h", key, wall_ms() - 1), "2,-2");
        expect_int(client_cmd(c, "EXISTS %s", key), 0);
        expect_status(client_cmd(c, "TYPE %s", key), "none");
        expect_ints(client_cmd(c, "HTTL %s FIELDS 1 h", key), "-2");
        /* the name starts a new hash, without TTLs */
        expect_int(client_cmd(c, "HSET %s h 9", key), 1);
        expect_ints(client_cmd(c, "HTTL %s FIELDS 1 h", key), "-1");
        expect_encoding(c, key, "listpack");
        expect_int(client_cmd(c, "DEL %s", key), 1);
    }
    /* a hash emptied by one call */
    expect_int(client_cmd(c, "HSET one a 1 b 2 c 3"), 3);
    expect_ints(client_cmd(c, "HEXPIRE one 0 FIELDS 4 a zz b c"), "2,-2,2,2");
    expect_int(client_cmd(c, "EXISTS one"), 0);
    expect_int(client_cmd(c, "DBSIZE"), 0);
}
END_TEST

/* The limits of the time: 2^46-1 ms is the latest expiry; HEXPIREAT up to
 * its whole second; past it (or a relative time that would end past it)
 * the range error with the command's name in lowercase. */
START_TEST(test_time_limits)
{
    make_hash("lp", "a 1 b 2 c 3");
    expect_ints(client_cmd(c, "HPEXPIREAT lp %lld FIELDS 1 a", MAX_AT_MS), "1");
    ck_assert_int_eq(pexpiretime("lp", "a"), MAX_AT_MS);
    ck_assert_int_eq(field_int("HEXPIRETIME lp FIELDS 1 a"), (MAX_AT_MS + 999) / 1000);
    expect_field_ttls("lp", "a", MAX_AT_MS);
    expect_ints(client_cmd(c, "HEXPIREAT lp %lld FIELDS 1 b", MAX_AT_MS / 1000), "1");
    ck_assert_int_eq(pexpiretime("lp", "b"), MAX_AT_MS / 1000 * 1000);
    ck_assert_int_eq(field_int("HEXPIRETIME lp FIELDS 1 b"), MAX_AT_MS / 1000);
    /* long relative times that stay in range */
    long long t0 = wall_ms();
    expect_ints(client_cmd(c, "HPEXPIRE lp 60000000000000 FIELDS 1 c"), "1");
    long long t1 = wall_ms();
    long long at = pexpiretime("lp", "c");
    ck_assert(at >= t0 + 60000000000000LL && at <= t1 + 60000000000000LL);
    t0 = wall_ms();
    expect_ints(client_cmd(c, "HEXPIRE lp 60000000000 FIELDS 1 c"), "1");
    t1 = wall_ms();
    at = pexpiretime("lp", "c");
    ck_assert(at >= t0 + 60000000000000LL && at <= t1 + 60000000000000LL);
    /* out of range */
    struct {
        const char *cmd, *name, *time;
    } const bad[] = {
        {"HPEXPIREAT", "hpexpireat", "70368744177664"},
        {"HPEXPIREAT", "hpexpireat", "9223372036854775807"},
        {"HEXPIREAT", "hexpireat", "70368744178"},
        {"HEXPIREAT", "hexpireat", "9223372036854775807"},
        {"HEXPIRE", "hexpire", "70368744178"},
        {"HEXPIRE", "hexpire", "70368744177"},
        {"HEXPIRE", "hexpire", "9223372036854775807"},
        {"HPEXPIRE", "hpexpire", "70368744177663"},
        {"HPEXPIRE", "hpexpire", "70368744177664"},
        {"HPEXPIRE", "hpexpire", "9223372036854775807"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "ERR invalid expire time in '%s' command", bad[i].name);
        const char *keys[] = {"lp", "missing"};
        for (size_t k = 0; k < 2; k++) {
            expect_error(client_cmd(c, "%s %s %s FIELDS 1 a", bad[i].cmd, keys[k], bad[i].time),
                         want);
            /* checked before the condition and FIELDS */
            expect_error(client_cmd(c, "%s %s %s NOPE FIELDS 0", bad[i].cmd, keys[k], bad[i].time),
                         want);
        }
    }
    /* nothing changed */
    ck_assert_int_eq(pexpiretime("lp", "a"), MAX_AT_MS);
    ck_assert_int_eq(pexpiretime("lp", "b"), MAX_AT_MS / 1000 * 1000);
    expect_hash("lp", "a=1,b=2,c=3");
    expect_int(client_cmd(c, "EXISTS missing"), 0);
}
END_TEST

/* ----------------------------------------------------------------- errors */

/* The argument checks of the HEXPIRE family, in order: arity (-6),
 * WRONGTYPE before any argument is read, the time (an integer, >= 0), the
 * optional condition, FIELDS, numfields (1..LONG_MAX), the count of
 * fields; on an existing and on a missing key; nothing changes. */
START_TEST(test_hexpire_errors)
{
    struct {
        const char *cmd, *name;
    } const cmds[] = {
        {"HEXPIRE", "hexpire"},
        {"HPEXPIRE", "hpexpire"},
        {"HEXPIREAT", "hexpireat"},
        {"HPEXPIREAT", "hpexpireat"},
    };
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_int(client_cmd(c, "SADD set m"), 1);
    make_hash("lp", "a 1 b 2");
    long long t = wall_ms() + FAR_MS;
    expect_ints(client_cmd(c, "HPEXPIREAT lp %lld FIELDS 1 a", t), "1");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *cmd = cmds[i].cmd;
        char text[256];
        /* arity */
        const char *short_args[] = {"", " lp", " lp 10", " lp 10 FIELDS", " lp 10 FIELDS 1",
                                    " str 10 FIELDS 1", " lp 10 NX FIELDS"};
        for (size_t k = 0; k < sizeof short_args / sizeof short_args[0]; k++) {
            snprintf(text, sizeof text, "%s%s", cmd, short_args[k]);
            expect_arity(c, text, cmds[i].name);
        }
        /* WRONGTYPE first */
        const char *wrong[] = {"str 10 FIELDS 1 a", "set 10 FIELDS 1 a", "str abc FIELDS 1 a",
                               "str -1 FIELDS 1 a", "set 10 NOPE 1 a", "str 10 FIELDS 0 a",
                               "set 10 FIELDS 2 a", "str 9223372036854775807 FIELDS 1 a"};
        for (size_t k = 0; k < sizeof wrong / sizeof wrong[0]; k++) {
            snprintf(text, sizeof text, "%s %s", cmd, wrong[k]);
            expect_error(client_cmd(c, text), WRONGTYPE);
        }
        const char *keys[] = {"lp", "missing"};
        for (size_t k = 0; k < 2; k++) {
            const char *key = keys[k];
            /* the time */
            const char *not_int[] = {"abc", "1.5", "9223372036854775808", "1e3", "0x10", "10abc",
                                     "-9223372036854775809"};
            for (size_t j = 0; j < sizeof not_int / sizeof not_int[0]; j++) {
                expect_error(client_cmd(c, "%s %s %s FIELDS 1 a", cmd, key, not_int[j]),
                             NOT_INTEGER);
                expect_error(client_cmd(c, "%s %s %s NOPE 0 a", cmd, key, not_int[j]),
                             NOT_INTEGER);
            }
            expect_error(client_cmd(c, "%s %s %s FIELDS 1 a", cmd, key, ""), NOT_INTEGER);
            expect_error(client_cmd(c, "%s %s %s FIELDS 1 a", cmd, key, " 1"), NOT_INTEGER);
            expect_error(client_cmd(c, "%s %s -1 FIELDS 1 a", cmd, key), NEGATIVE);
            expect_error(client_cmd(c, "%s %s -9223372036854775808 FIELDS 1 a", cmd, key),
                         NEGATIVE);
            expect_error(client_cmd(c, "%s %s -1 NOPE 0 a", cmd, key), NEGATIVE);
            /* FIELDS right after the time or the condition */
            const char *no_fields[] = {"10 NOPE 1 a",        "10 FIELD 1 a",
                                       "10 NX XX FIELDS 1 a", "10 NXX FIELDS 1 a",
                                       "10 NX 1 a a",         "10 1 FIELDS a b",
                                       "10 GT NOPE 1 a",      "10 a FIELDS 1 a"};
            for (size_t j = 0; j < sizeof no_fields / sizeof no_fields[0]; j++) {
                snprintf(text, sizeof text, "%s %s %s", cmd, key, no_fields[j]);
                expect_error(client_cmd(c, text), NO_FIELDS);
            }
            /* numfields */
            const char *bad_num[] = {"10 FIELDS 0 a",      "10 FIELDS -1 a",
                                     "10 FIELDS abc a",    "10 FIELDS 1.5 a",
                                     "10 NX FIELDS 0 a",   "10 FIELDS 9223372036854775808 a",
                                     "10 LT FIELDS -5 a b"};
            for (size_t j = 0; j < sizeof bad_num / sizeof bad_num[0]; j++) {
                snprintf(text, sizeof text, "%s %s %s", cmd, key, bad_num[j]);
                expect_error(client_cmd(c, text), NUMFIELDS_SET);
            }
            const char *mismatch[] = {"10 FIELDS 2 a",     "10 FIELDS 1 a b",
                                      "10 NX FIELDS 1",    "10 FIELDS 3 a b",
                                      "10 GT FIELDS 2 a",  "10 FIELDS 9223372036854775807 a",
                                      "10 FIELDS 1 a NX"};
            for (size_t j = 0; j < sizeof mismatch / sizeof mismatch[0]; j++) {
                snprintf(text, sizeof text, "%s %s %s", cmd, key, mismatch[j]);
                expect_error(client_cmd(c, text), MISMATCH);
            }
            /* FIELDS and the conditions are case-insensitive; what follows
             * FIELDS n is field names, whatever they look like */
            expect_ints(client_cmd(c, "%s %s 10 fields 1 zz", cmd, key), "-2");
            expect_ints(client_cmd(c, "%s %s 10 xx Fields 1 zz", cmd, key), "-2");
            expect_ints(client_cmd(c, "%s %s 10 FIELDS 1 NX", cmd, key), "-2");
            expect_ints(client_cmd(c, "%s %s 10 FIELDS 2 FIELDS 1", cmd, key), "-2,-2");
        }
    }
    /* nothing changed, nothing created */
    ck_assert_int_eq(pexpiretime("lp", "a"), t);
    ck_assert_int_eq(pexpiretime("lp", "b"), -1);
    expect_hash("lp", "a=1,b=2");
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_str(client_cmd(c, "GET str"), "v");
    expect_int(client_cmd(c, "DBSIZE"), 3);
}
END_TEST

/* The argument checks of HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME and
 * HPERSIST, in order: arity (-5), WRONGTYPE, FIELDS at argv[2], numfields
 * (1..LONG_MAX), the count of fields; on an existing and a missing key. */
START_TEST(test_query_errors)
{
    struct {
        const char *cmd, *name;
    } const cmds[] = {
        {"HTTL", "httl"},
        {"HPTTL", "hpttl"},
        {"HEXPIRETIME", "hexpiretime"},
        {"HPEXPIRETIME", "hpexpiretime"},
        {"HPERSIST", "hpersist"},
    };
    expect_status(client_cmd(c, "SET str v"), "OK");
    expect_int(client_cmd(c, "SADD set m"), 1);
    make_hash("lp", "a 1 b 2");
    long long t = wall_ms() + FAR_MS;
    expect_ints(client_cmd(c, "HPEXPIREAT lp %lld FIELDS 1 a", t), "1");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *cmd = cmds[i].cmd;
        char text[256];
        const char *short_args[] = {"", " lp", " lp FIELDS", " lp FIELDS 1", " str FIELDS 1",
                                    " missing FIELDS 1"};
        for (size_t k = 0; k < sizeof short_args / sizeof short_args[0]; k++) {
            snprintf(text, sizeof text, "%s%s", cmd, short_args[k]);
            expect_arity(c, text, cmds[i].name);
        }
        const char *wrong[] = {"str FIELDS 1 a", "set FIELDS 1 a", "str NOPE 1 a",
                               "set FIELDS 0 a", "str FIELDS 2 a"};
        for (size_t k = 0; k < sizeof wrong / sizeof wrong[0]; k++) {
            snprintf(text, sizeof text, "%s %s", cmd, wrong[k]);
            expect_error(client_cmd(c, text), WRONGTYPE);
        }
        const char *keys[] = {"lp", "missing"};
        for (size_t k = 0; k < 2; k++) {
            const char *key = keys[k];
            const char *no_fields[] = {"NOPE 1 a", "FIELD 1 a", "1 FIELDS a", "NX FIELDS 1 a",
                                       "a b c"};
            for (size_t j = 0; j < sizeof no_fields / sizeof no_fields[0]; j++) {
                snprintf(text, sizeof text, "%s %s %s", cmd, key, no_fields[j]);
                expect_error(client_cmd(c, text), NO_FIELDS);
            }
            const char *bad_num[] = {"FIELDS 0 a", "FIELDS -1 a", "FIELDS abc a", "FIELDS 1.5 a",
                                     "FIELDS 9223372036854775808 a", "FIELDS -1 a b"};
            for (size_t j = 0; j < sizeof bad_num / sizeof bad_num[0]; j++) {
                snprintf(text, sizeof text, "%s %s %s", cmd, key, bad_num[j]);
                expect_error(client_cmd(c, text), NUMFIELDS_GET);
            }
            const char *mismatch[] = {"FIELDS 2 a", "FIELDS 1 a b", "FIELDS 3 a b",
                                      "FIELDS 9223372036854775807 a"};
            for (size_t j = 0; j < sizeof mismatch / sizeof mismatch[0]; j++) {
                snprintf(text, sizeof text, "%s %s %s", cmd, key, mismatch[j]);
                expect_error(client_cmd(c, text), MISMATCH);
            }
            expect_ints(client_cmd(c, "%s %s fIeLdS 1 zz", cmd, key), "-2");
            expect_ints(client_cmd(c, "%s %s FIELDS 1 FIELDS", cmd, key), "-2");
        }
    }
    ck_assert_int_eq(pexpiretime("lp", "a"), t);
    expect_hash("lp", "a=1,b=2");
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_int(client_cmd(c, "DBSIZE"), 3);
}
END_TEST

/* ---------------------------------------------------------------- HPERSIST */

/* HPERSIST per field: 1 when it removed a TTL, -1 without one, -2 without
 * the field (a field named twice: 1 then -1); the field then keeps no TTL
 * and does not expire; the key's own TTL is left alone. */
START_TEST(test_hpersist)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        make_hash(key, "a 1 b 2 c 3 d 4 e 5");
        long long t = wall_ms() + FAR_MS;
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 3 a b d", key, t), "1,1,1");
        expect_ints(client_cmd(c, "HPERSIST %s FIELDS 4 a zz b c", key), "1,-2,1,-1");
        expect_ints(client_cmd(c, "HTTL %s FIELDS 3 a b c", key), "-1,-1,-1");
        ck_assert_int_eq(pexpiretime(key, "d"), t);
        expect_ints(client_cmd(c, "HPERSIST %s FIELDS 2 a b", key), "-1,-1");
        expect_ints(client_cmd(c, "HPERSIST %s FIELDS 2 d d", key), "1,-1");
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 5 a b c d e", key), "-1,-1,-1,-1,-1");
        /* the key's TTL is another thing, both ways */
        expect_int(client_cmd(c, "EXPIRE %s 1000", key), 1);
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 a", key, t), "1");
        expect_ints(client_cmd(c, "HPERSIST %s FIELDS 1 a", key), "1");
        expect_ttl(c, key, 999, 1000);
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 a", key, t), "1");
        expect_int(client_cmd(c, "PERSIST %s", key), 1);
        ck_assert_int_eq(pexpiretime(key, "a"), t);
        /* persisted, it stays when its former time passes: b and c share
         * one time, c is persisted, b is waited for */
        expect_ints(client_cmd(c, "HPEXPIRE %s 100 FIELDS 2 c b", key), "1,1");
        expect_ints(client_cmd(c, "HPERSIST %s FIELDS 1 c", key), "1");
        wait_field_gone(key, "b");
        expect_int(client_cmd(c, "HEXISTS %s c", key), 1);
        expect_ints(client_cmd(c, "HTTL %s FIELDS 2 c b", key), "-1,-2");
        expect_hash(key, "a=1,c=3,d=4,e=5");
    }
}
END_TEST

/* ------------------------------------------- writes and a field's TTL */

/* HSET and HMSET of a field clear its TTL (the same value too), leaving
 * the other fields' TTLs; HSETNX of an existing field changes nothing;
 * HINCRBY and HINCRBYFLOAT keep the TTL; HDEL removes field and TTL, and
 * the field set again has none; new fields come without a TTL. */
START_TEST(test_writes)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        make_hash(key, "a 1 b 2 c 3 d 4 n 10 x 1.5 s same");
        long long t = wall_ms() + FAR_MS;
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 7 a b c d n x s", key, t),
                    "1,1,1,1,1,1,1");
        expect_int(client_cmd(c, "HSET %s a new", key), 0);
        expect_ints(client_cmd(c, "HTTL %s FIELDS 1 a", key), "-1");
        ck_assert_int_eq(pexpiretime(key, "b"), t);
        expect_int(client_cmd(c, "HSET %s s same", key), 0);
        expect_ints(client_cmd(c, "HTTL %s FIELDS 1 s", key), "-1");
        expect_status(client_cmd(c, "HMSET %s b new2", key), "OK");
        expect_ints(client_cmd(c, "HTTL %s FIELDS 1 b", key), "-1");
        expect_int(client_cmd(c, "HSETNX %s c zz", key), 0);
        expect_str(client_cmd(c, "HGET %s c", key), "3");
        ck_assert_int_eq(pexpiretime(key, "c"), t);
        expect_int(client_cmd(c, "HINCRBY %s n 5", key), 15);
        ck_assert_int_eq(pexpiretime(key, "n"), t);
        expect_str(client_cmd(c, "HINCRBYFLOAT %s x 1", key), "2.5");
        ck_assert_int_eq(pexpiretime(key, "x"), t);
        /* HDEL, and the field set again */
        expect_int(client_cmd(c, "HDEL %s d", key), 1);
        expect_ints(client_cmd(c, "HTTL %s FIELDS 1 d", key), "-2");
        expect_int(client_cmd(c, "HSET %s d 44", key), 1);
        expect_ints(client_cmd(c, "HTTL %s FIELDS 1 d", key), "-1");
        /* new fields, by each command */
        expect_int(client_cmd(c, "HSET %s p 1", key), 1);
        expect_int(client_cmd(c, "HSETNX %s q 1", key), 1);
        expect_int(client_cmd(c, "HINCRBY %s r 1", key), 1);
        expect_str(client_cmd(c, "HINCRBYFLOAT %s u 0.5", key), "0.5");
        expect_ints(client_cmd(c, "HTTL %s FIELDS 4 p q r u", key), "-1,-1,-1,-1");
        /* a field whose TTL was cleared can get one again */
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld NX FIELDS 1 a", key, t + 1), "1");
        ck_assert_int_eq(pexpiretime(key, "a"), t + 1);
        expect_hash(key, "a=new,b=new2,c=3,d=44,n=15,x=2.5,s=same,p=1,q=1,r=1,u=0.5");
        char want[160];
        snprintf(want, sizeof want, "%lld,-1,%lld,-1,%lld,%lld,-1", t + 1, t, t, t);
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 7 a b c d n x s", key), want);
    }
}
END_TEST

/* --------------------------------------------------- expired, not served */

enum probe {
    P_HGET, P_HMGET, P_HEXISTS, P_HSTRLEN, P_HLEN, P_HKEYS, P_HVALS, P_HGETALL, P_HSCAN,
    P_HRAND_ALL, P_HRAND_NEG, P_HRAND_ONE, P_HTTL, P_HPTTL, P_HPEXPIRETIME, P_COUNT
};

static const char *const probe_names[P_COUNT] = {
    "HGET", "HMGET", "HEXISTS", "HSTRLEN", "HLEN", "HKEYS", "HVALS", "HGETALL", "HSCAN",
    "HRANDFIELD 1000 WITHVALUES", "HRANDFIELD -50", "HRANDFIELD", "HTTL", "HPTTL",
    "HPEXPIRETIME",
};

/* Random draws need not show a field that is there. */
static int probe_may_miss(int p)
{
    return p == P_HRAND_NEG || p == P_HRAND_ONE;
}

/* Whether a whole HSCAN of key (COUNT 2) returns field. */
static int hscan_has(const char *key, const char *field)
{
    unsigned long long cursor = 0;
    int found = 0, calls = 0;
    do {
        redisReply *r = client_cmd(c, "HSCAN %s %llu COUNT 2", key, cursor);
        ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 2, "HSCAN %s: type %d", key,
                      r->type);
        cursor = strtoull(r->element[0]->str, NULL, 10);
        found |= array_has(r->element[1], field, 0, 2);
        freeReplyObject(r);
        ck_assert_int_lt(++calls, 10000);
    } while (cursor != 0);
    return found;
}

/* Ask every read path of key whether it serves field (whose value is
 * unique in the hash, which has n fields with it): shown[p] for each. */
static void probe_field(const char *key, const char *field, const char *value, long long n,
                        long long at, int shown[P_COUNT])
{
    char got[512];
    redisReply *r = client_cmd(c, "HGET %s %s", key, field);
    shown[P_HGET] = r->type == REDIS_REPLY_STRING;
    ck_assert(r->type == REDIS_REPLY_NIL || strcmp(r->str, value) == 0);
    freeReplyObject(r);
    r = client_cmd(c, "HMGET %s zz %s", key, field);
    ck_assert(r->type == REDIS_REPLY_ARRAY && r->elements == 2);
    shown[P_HMGET] = r->element[1]->type == REDIS_REPLY_STRING;
    freeReplyObject(r);
    shown[P_HEXISTS] = (int)client_int(c, "HEXISTS %s %s", key, field);
    long long len = client_int(c, "HSTRLEN %s %s", key, field);
    ck_assert(len == 0 || len == (long long)strlen(value));
    shown[P_HSTRLEN] = len != 0;
    long long hlen = client_int(c, "HLEN %s", key);
    ck_assert_msg(hlen == n || hlen == n - 1, "HLEN %s = %lld, expected %lld or %lld", key, hlen,
                  n, n - 1);
    shown[P_HLEN] = hlen == n;
    r = client_cmd(c, "HKEYS %s", key);
    shown[P_HKEYS] = array_has(r, field, 0, 1);
    ck_assert_msg(r->elements == (size_t)(n - 1 + shown[P_HKEYS]), "HKEYS %s: %s", key,
                  render(r, got, sizeof got));
    freeReplyObject(r);
    r = client_cmd(c, "HVALS %s", key);
    shown[P_HVALS] = array_has(r, value, 0, 1);
    freeReplyObject(r);
    r = client_cmd(c, "HGETALL %s", key);
    shown[P_HGETALL] = array_has(r, field, 0, 2);
    ck_assert_msg(r->elements == (size_t)(2 * (n - 1 + shown[P_HGETALL])), "HGETALL %s: %s", key,
                  render(r, got, sizeof got));
    freeReplyObject(r);
    shown[P_HSCAN] = hscan_has(key, field);
    r = client_cmd(c, "HRANDFIELD %s 1000 WITHVALUES", key);
    shown[P_HRAND_ALL] = array_has(r, field, 0, 2);
    ck_assert_msg(r->elements == (size_t)(2 * (n - 1 + shown[P_HRAND_ALL])),
                  "HRANDFIELD %s 1000: %s", key, render(r, got, sizeof got));
    freeReplyObject(r);
    r = client_cmd(c, "HRANDFIELD %s -50", key);
    ck_assert_uint_eq(r->elements, 50);
    shown[P_HRAND_NEG] = array_has(r, field, 0, 1);
    freeReplyObject(r);
    r = client_cmd(c, "HRANDFIELD %s", key);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    shown[P_HRAND_ONE] = strcmp(r->str, field) == 0;
    freeReplyObject(r);
    long long v = field_int("HTTL %s FIELDS 1 %s", key, field);
    ck_assert_msg(v == -2 || v >= 0, "HTTL %s %s = %lld", key, field, v);
    shown[P_HTTL] = v != -2;
    v = field_int("HPTTL %s FIELDS 1 %s", key, field);
    ck_assert_msg(v == -2 || v >= 0, "HPTTL %s %s = %lld", key, field, v);
    shown[P_HPTTL] = v != -2;
    v = pexpiretime(key, field);
    ck_assert_msg(v == -2 || v == at, "HPEXPIRETIME %s %s = %lld, expected %lld", key, field, v,
                  at);
    shown[P_HPEXPIRETIME] = v != -2;
}

/* A field whose time has passed is never served: every read path asked
 * again and again across its expiry answers it while the clock (read
 * after the reply) is before its time, and never once the clock (read
 * before the request) is past it; a field set again under that name is a
 * new one without a TTL; INFO counts each expired field once. */
START_TEST(test_expired_not_served)
{
    ck_assert_int_eq(client_info_field(c, "stats", "expired_subkeys"), 0);
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        make_hash(key, "keep k1 gone g1 other o1");
        long long n = is_ht(key) ? 4 : 3;
        long long far = wall_ms() + FAR_MS;
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 other", key, far), "1");
        long long at = wall_ms() + 300;
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 gone", key, at), "1");
        long long deadline = mono_ms() + 300 + EXPIRY_WAIT_MS;
        int after = 0, rounds = 0;
        while (after < 5) {
            ck_assert_msg(mono_ms() < deadline, "%d rounds, %d after the expiry", rounds, after);
            int shown[P_COUNT];
            long long t0 = wall_ms();
            probe_field(key, "gone", "g1", n, at, shown);
            long long t1 = wall_ms();
            for (int p = 0; p < P_COUNT; p++) {
                if (t0 > at)
                    ck_assert_msg(!shown[p], "%s %s served the field %lld ms after its expiry",
                                  probe_names[p], key, t0 - at);
                else if (t1 < at && !probe_may_miss(p))
                    ck_assert_msg(shown[p], "%s %s lost the field %lld ms before its expiry",
                                  probe_names[p], key, at - t1);
            }
            after += t0 > at;
            rounds++;
            poll(NULL, 0, POLL_STEP_MS);
        }
        expect_hash(key, "keep=k1,other=o1");
        ck_assert_int_eq(pexpiretime(key, "other"), far);
        /* the name again: a new field, no TTL */
        expect_int(client_cmd(c, "HSET %s gone g2", key), 1);
        expect_ints(client_cmd(c, "HTTL %s FIELDS 1 gone", key), "-1");
        expect_hash(key, "keep=k1,other=o1,gone=g2");
    }
    wait_expired_subkeys(2, EXPIRY_WAIT_MS);
}
END_TEST

/* Short TTLs pass: fields given 100 ms go (polled with a bound) with the
 * others left; the last field going takes the key. */
START_TEST(test_short_ttl)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        make_hash(key, "a 1 b 2 c 3");
        expect_ints(client_cmd(c, "HPEXPIRE %s 100 FIELDS 2 a b", key), "1,1");
        wait_field_gone(key, "a");
        expect_int(client_cmd(c, "HEXISTS %s b", key), 0); /* the same time */
        expect_hash(key, "c=3");
        if (is_ht(key))
            expect_ints(client_cmd(c, "HPERSIST %s FIELDS 1 pad", key), "-1");
        expect_ints(client_cmd(c, "HEXPIRE %s 1 FIELDS 1 c", key), "1");
        if (is_ht(key))
            expect_ints(client_cmd(c, "HPEXPIRE %s 100 FIELDS 1 pad", key), "1");
    }
    /* neither key is read again: active reclaim removes them */
    wait_dbsize(0, 1000 + EXPIRY_WAIT_MS);
    for (size_t k = 0; k < NKEYS; k++) {
        expect_int(client_cmd(c, "EXISTS %s", KEYS[k]), 0);
        expect_ints(client_cmd(c, "HTTL %s FIELDS 1 c", KEYS[k]), "-2");
    }
}
END_TEST

/* --------------------------------------------------------- active reclaim */

/* Fields nobody reads are reclaimed: 100 listpack hashes of 10 fields (in
 * half of them every field has a 100 ms TTL, in the other half five) among
 * keys without TTLs; DBSIZE and INFO keyspace fall to the keys with fields
 * left, with only DBSIZE and INFO asked; expired_subkeys counts every
 * expired field; the fields without a TTL, and the keys without, stay. */
START_TEST(test_active_reclaim)
{
    enum { SMALL = 100, PER = 10, PLAIN = 10 };
    ck_assert_int_eq(client_info_field(c, "stats", "expired_subkeys"), 0);
    char key[32];
    for (int i = 0; i < SMALL; i++) {
        snprintf(key, sizeof key, "h:%d", i);
        hset_fields(key, 0, PER);
    }
    for (int i = 0; i < PLAIN; i++)
        expect_status(client_cmd(c, "SET plain:%d v", i), "OK");
    expect_int(client_cmd(c, "HSET nottl a 1 b 2"), 2);
    expect_int(client_cmd(c, "DBSIZE"), SMALL + PLAIN + 1);
    for (int i = 0; i < SMALL; i++) {
        snprintf(key, sizeof key, "h:%d", i);
        fields_cmd("HPEXPIRE", key, "100", 0, i < SMALL / 2 ? PER : PER / 2, 1);
    }
    long long due = mono_ms() + 100;
    expect_encoding(c, "h:0", "listpackex");
    long long left = SMALL / 2 + PLAIN + 1;
    wait_dbsize(left, due - mono_ms() + RECLAIM_WAIT_MS);
    redisReply *r = client_cmd(c, "INFO keyspace");
    char want[64];
    snprintf(want, sizeof want, "db0:keys=%lld,", left);
    ck_assert_msg(r->type == REDIS_REPLY_STRING && strstr(r->str, want) != NULL,
                  "INFO keyspace: %s", r->str ? r->str : "");
    freeReplyObject(r);
    long long expired = SMALL / 2 * PER + SMALL / 2 * (PER / 2);
    wait_expired_subkeys(expired, due - mono_ms() + RECLAIM_WAIT_MS);
    /* what is left */
    for (int i = 0; i < SMALL; i++) {
        snprintf(key, sizeof key, "h:%d", i);
        if (i < SMALL / 2) {
            expect_int(client_cmd(c, "EXISTS %s", key), 0);
            continue;
        }
        expect_hash(key, "f5=v5,f6=v6,f7=v7,f8=v8,f9=v9");
        expect_ints(client_cmd(c, "HTTL %s FIELDS 2 f0 f9", key), "-2,-1");
    }
    expect_hash("nottl", "a=1,b=2");
    expect_str(client_cmd(c, "GET plain:0"), "v");
    expect_int(client_cmd(c, "DBSIZE"), left);
    ck_assert_int_eq(client_info_field(c, "stats", "expired_subkeys"), expired);
}
END_TEST

/* Large hashes are reclaimed whole too, with no read: a hash table whose
 * 600 fields all have a 100 ms TTL goes, one with 300 of its 600 keeps the
 * other 300, a listpack hash whose 400 fields all have one goes; INFO's
 * expired_subkeys reaches all 1300. */
START_TEST(test_active_reclaim_large)
{
    ck_assert_int_eq(client_info_field(c, "stats", "expired_subkeys"), 0);
    hset_fields("big:0", 0, 600);
    hset_fields("big:1", 0, 600);
    hset_fields("lp:400", 0, 400);
    expect_encoding(c, "big:0", "hashtable");
    expect_encoding(c, "lp:400", "listpack");
    fields_cmd("HPEXPIRE", "big:0", "100", 0, 600, 1);
    fields_cmd("HPEXPIRE", "big:1", "100", 0, 300, 1);
    fields_cmd("HPEXPIRE", "lp:400", "100", 0, 400, 1);
    long long due = mono_ms() + 100;
    expect_encoding(c, "lp:400", "listpackex");
    wait_expired_subkeys(1300, due - mono_ms() + RECLAIM_WAIT_MS);
    wait_dbsize(1, due - mono_ms() + RECLAIM_WAIT_MS);
    expect_int(client_cmd(c, "EXISTS big:0 lp:400"), 0);
    expect_int(client_cmd(c, "HLEN big:1"), 300);
    fields_cmd("HTTL", "big:1", NULL, 0, 300, -2);
    fields_cmd("HTTL", "big:1", NULL, 300, 600, -1);
    expect_str(client_cmd(c, "HGET big:1 f599"), "v599");
    ck_assert_int_eq(client_info_field(c, "stats", "expired_subkeys"), 1300);
}
END_TEST

/* -------------------------------------------------------------- encodings */

/* OBJECT ENCODING: "listpackex" once a small hash has a field TTL (and
 * still after HPERSIST); a hash past hash-max-listpack-entries, or with a
 * value past hash-max-listpack-value, is a "hashtable" whose fields take
 * TTLs too; converting keeps every field's TTL to the ms, and a short one
 * still passes afterwards. */
START_TEST(test_encodings)
{
    expect_int(client_cmd(c, "HSET s a 1 b 2"), 2);
    expect_encoding(c, "s", "listpack");
    expect_ints(client_cmd(c, "HEXPIRE s 100 FIELDS 1 a"), "1");
    expect_encoding(c, "s", "listpackex");
    expect_ints(client_cmd(c, "HPERSIST s FIELDS 1 a"), "1");
    expect_encoding(c, "s", "listpackex");
    expect_hash("s", "a=1,b=2");
    /* by count: 4 entries fit, the 5th converts */
    expect_status(client_cmd(c, "CONFIG SET hash-max-listpack-entries 4"), "OK");
    expect_int(client_cmd(c, "HSET cnt a 1 b 2 c 3"), 3);
    long long t = wall_ms() + FAR_MS;
    expect_ints(client_cmd(c, "HPEXPIREAT cnt %lld FIELDS 1 a", t), "1");
    expect_ints(client_cmd(c, "HPEXPIRE cnt 5000000 FIELDS 1 b"), "1");
    long long bt = pexpiretime("cnt", "b");
    expect_encoding(c, "cnt", "listpackex");
    long long before = field_int("HPTTL cnt FIELDS 1 b");
    expect_int(client_cmd(c, "HSET cnt d 4"), 1);
    expect_encoding(c, "cnt", "listpackex");
    expect_int(client_cmd(c, "HSET cnt e 5"), 1);
    expect_encoding(c, "cnt", "hashtable");
    long long after = field_int("HPTTL cnt FIELDS 1 b");
    ck_assert_msg(after <= before && before - after < 1000, "HPTTL %lld before, %lld after",
                  before, after);
    char want[128];
    snprintf(want, sizeof want, "%lld,%lld,-1,-1,-1", t, bt);
    expect_ints(client_cmd(c, "HPEXPIRETIME cnt FIELDS 5 a b c d e"), want);
    /* TTLs in the hash table */
    expect_ints(client_cmd(c, "HPEXPIREAT cnt %lld NX FIELDS 3 a c d", t + 1), "0,1,1");
    expect_ints(client_cmd(c, "HPEXPIREAT cnt %lld GT FIELDS 2 a b", t + 1), "1,1");
    expect_ints(client_cmd(c, "HPEXPIREAT cnt 1 FIELDS 1 d"), "2");
    expect_ints(client_cmd(c, "HPERSIST cnt FIELDS 3 a b d"), "1,1,-2");
    snprintf(want, sizeof want, "-1,-1,%lld,-1", t + 1);
    expect_ints(client_cmd(c, "HPEXPIRETIME cnt FIELDS 4 a b c e"), want);
    expect_hash("cnt", "a=1,b=2,c=3,e=5");
    expect_encoding(c, "cnt", "hashtable");
    /* by a long value */
    expect_int(client_cmd(c, "HSET lv a 1"), 1);
    expect_ints(client_cmd(c, "HPEXPIREAT lv %lld FIELDS 1 a", t), "1");
    expect_encoding(c, "lv", "listpackex");
    expect_int(client_cmd(c, "HSET lv long %s", PAD_VALUE), 1);
    expect_encoding(c, "lv", "hashtable");
    ck_assert_int_eq(pexpiretime("lv", "a"), t);
    ck_assert_int_eq(pexpiretime("lv", "long"), -1);
    /* a hash table from the start */
    expect_int(client_cmd(c, "HSET five a 1 b 2 c 3 d 4 e 5"), 5);
    expect_encoding(c, "five", "hashtable");
    expect_ints(client_cmd(c, "HPEXPIREAT five %lld FIELDS 5 a b c d e", t), "1,1,1,1,1");
    snprintf(want, sizeof want, "%lld,%lld,%lld,%lld,%lld", t, t, t, t, t);
    expect_ints(client_cmd(c, "HPEXPIRETIME five FIELDS 5 a b c d e"), want);
    /* a short TTL set before the conversion passes after it */
    expect_int(client_cmd(c, "HSET conv a 1 b 2"), 2);
    expect_ints(client_cmd(c, "HPEXPIRE conv 200 FIELDS 1 a"), "1");
    expect_int(client_cmd(c, "HSET conv c 3 d 4 e 5"), 3);
    expect_encoding(c, "conv", "hashtable");
    wait_field_gone("conv", "a");
    expect_ints(client_cmd(c, "HTTL conv FIELDS 2 a b"), "-2,-1");
    expect_int(client_cmd(c, "HLEN conv"), 4);
    /* 600 fields with TTLs, half persisted */
    expect_status(client_cmd(c, "CONFIG SET hash-max-listpack-entries 512"), "OK");
    hset_fields("big", 0, 600);
    expect_encoding(c, "big", "hashtable");
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", t);
    fields_cmd("HPEXPIREAT", "big", ts, 0, 600, 1);
    fields_cmd("HPEXPIRETIME", "big", NULL, 0, 600, t);
    fields_cmd("HPERSIST", "big", NULL, 0, 300, 1);
    fields_cmd("HTTL", "big", NULL, 0, 300, -1);
    fields_cmd("HPEXPIRETIME", "big", NULL, 300, 600, t);
    fields_cmd("HPEXPIRE", "big", "0", 590, 600, 2);
    expect_int(client_cmd(c, "HLEN big"), 590);
    expect_encoding(c, "big", "hashtable");
}
END_TEST

/* --------------------------------------------------------------- keyspace */

/* RENAME, COPY (same database and another) and MOVE carry every field's
 * TTL to the ms; the copy and its source change independently. */
START_TEST(test_rename_copy_move)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        char renamed[32], copied[32];
        snprintf(renamed, sizeof renamed, "%s:renamed", key);
        snprintf(copied, sizeof copied, "%s:copied", key);
        make_hash(key, "a 1 b 2 c 3");
        long long t = wall_ms() + FAR_MS;
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 a", key, t), "1");
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 b", key, t + 5), "1");
        char want[128];
        snprintf(want, sizeof want, "%lld,%lld,-1", t, t + 5);
        expect_status(client_cmd(c, "RENAME %s %s", key, renamed), "OK");
        expect_int(client_cmd(c, "EXISTS %s", key), 0);
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 3 a b c", renamed), want);
        expect_encoding(c, renamed, is_ht(key) ? "hashtable" : "listpackex");
        expect_int(client_cmd(c, "COPY %s %s", renamed, copied), 1);
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 3 a b c", copied), want);
        expect_encoding(c, copied, is_ht(key) ? "hashtable" : "listpackex");
        /* independent both ways */
        expect_ints(client_cmd(c, "HPERSIST %s FIELDS 1 a", copied), "1");
        ck_assert_int_eq(pexpiretime(renamed, "a"), t);
        expect_ints(client_cmd(c, "HPEXPIREAT %s 1 FIELDS 1 b", renamed), "2");
        ck_assert_int_eq(pexpiretime(copied, "b"), t + 5);
        expect_ints(client_cmd(c, "HPEXPIREAT %s %lld FIELDS 1 c", copied, t + 9), "1");
        ck_assert_int_eq(pexpiretime(renamed, "c"), -1);
        expect_hash(renamed, "a=1,c=3");
        expect_hash(copied, "a=1,b=2,c=3");
        /* COPY into DB 1, MOVE into DB 2 */
        expect_int(client_cmd(c, "COPY %s %s DB 1", renamed, renamed), 1);
        expect_int(client_cmd(c, "MOVE %s 2", copied), 1);
        expect_int(client_cmd(c, "EXISTS %s", copied), 0);
        expect_status(client_cmd(c, "SELECT 1"), "OK");
        snprintf(want, sizeof want, "%lld,-2,-1", t);
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 3 a b c", renamed), want);
        expect_hash(renamed, "a=1,c=3");
        expect_status(client_cmd(c, "SELECT 2"), "OK");
        snprintf(want, sizeof want, "-1,%lld,%lld", t + 5, t + 9);
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 3 a b c", copied), want);
        expect_hash(copied, "a=1,b=2,c=3");
        expect_status(client_cmd(c, "SELECT 0"), "OK");
        snprintf(want, sizeof want, "%lld,-2,-1", t);
        expect_ints(client_cmd(c, "HPEXPIRETIME %s FIELDS 3 a b c", renamed), want);
    }
}
END_TEST

/* A hash under key with fields a and b given 300 ms (and the pad field of
 * a hash table too when pad_too). */
static void make_expiring(const char *key, int pad_too)
{
    make_hash(key, "a 1 b 2");
    expect_ints(client_cmd(c, "HPEXPIRE %s 300 FIELDS 2 a b", key), "1,1");
    if (is_ht(key) && pad_too)
        expect_ints(client_cmd(c, "HPEXPIRE %s 300 FIELDS 1 pad", key), "1");
}

/* Short TTLs pass after RENAME, COPY and MOVE, under the new name and in
 * the other database, with no read of the keys: hashes whose fields all
 * expire go; a copy keeps the field persisted in it while its source
 * loses it, and the other way round. */
START_TEST(test_rename_copy_move_expiry)
{
    for (size_t k = 0; k < NKEYS; k++) {
        const char *key = KEYS[k];
        char x[32], cp[32], y[32], z[32], renamed[32];
        snprintf(x, sizeof x, "%s:x", key);
        snprintf(cp, sizeof cp, "%s:copy", key);
        snprintf(y, sizeof y, "%s:y", key);
        snprintf(z, sizeof z, "%s:z", key);
        snprintf(renamed, sizeof renamed, "%s:renamed", key);
        make_expiring(x, 0);
        expect_int(client_cmd(c, "COPY %s %s", x, cp), 1);
        expect_int(client_cmd(c, "COPY %s %s DB 1", x, x), 1);
        expect_ints(client_cmd(c, "HPERSIST %s FIELDS 1 a", cp), "1");
        expect_ints(client_cmd(c, "HPERSIST %s FIELDS 1 b", x), "1");
        make_expiring(y, 1);
        expect_int(client_cmd(c, "MOVE %s 2", y), 1);
        make_expiring(z, 1);
        expect_status(client_cmd(c, "RENAME %s %s", z, renamed), "OK");
    }
    /* only DBSIZE is asked until the keys are gone */
    wait_dbsize(2 * NKEYS, 1000 + RECLAIM_WAIT_MS);
    expect_status(client_cmd(c, "SELECT 2"), "OK");
    wait_dbsize(0, 1000 + RECLAIM_WAIT_MS);
    /* DB 1: the copy of lp:x goes whole, the copy of ht:x keeps its pad */
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    wait_dbsize(1, 1000 + RECLAIM_WAIT_MS);
    expect_int(client_cmd(c, "EXISTS lp:x"), 0);
    expect_hash("ht:x", "");
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    for (size_t k = 0; k < NKEYS; k++) {
        char x[32], cp[32];
        snprintf(x, sizeof x, "%s:x", KEYS[k]);
        snprintf(cp, sizeof cp, "%s:copy", KEYS[k]);
        wait_field_gone(x, "a");
        wait_field_gone(cp, "b");
        expect_hash(x, "b=2");
        expect_hash(cp, "a=1");
        expect_ints(client_cmd(c, "HTTL %s FIELDS 2 a b", x), "-2,-1");
        expect_ints(client_cmd(c, "HTTL %s FIELDS 2 a b", cp), "-1,-2");
    }
}
END_TEST

/* ------------------------------------------------------------ MULTI/WATCH */

/* The commands queued in MULTI run in order at EXEC, each answering its
 * array; an argument error inside fails alone; too few arguments while
 * queuing abort the transaction; DISCARD drops an HPERSIST. */
START_TEST(test_multi_exec)
{
    expect_status(client_cmd(c, "SET str v"), "OK");
    long long t = wall_ms() + FAR_MS;
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "HSET h a 1 b 2 c 3"), "QUEUED");
    expect_status(client_cmd(c, "HPEXPIREAT h %lld FIELDS 2 a zz", t), "QUEUED");
    expect_status(client_cmd(c, "HPEXPIRETIME h FIELDS 2 a b"), "QUEUED");
    expect_status(client_cmd(c, "HEXPIRE h 100 NX FIELDS 1 a"), "QUEUED");
    expect_status(client_cmd(c, "HPERSIST h FIELDS 2 a b"), "QUEUED");
    expect_status(client_cmd(c, "HPEXPIREAT h 1 FIELDS 1 c"), "QUEUED");
    expect_status(client_cmd(c, "HTTL h FIELDS 3 a b c"), "QUEUED");
    expect_status(client_cmd(c, "HEXPIRE h 100 NOPE 1 a"), "QUEUED");
    expect_status(client_cmd(c, "HEXPIRE str 100 FIELDS 1 a"), "QUEUED");
    expect_status(client_cmd(c, "HEXPIRE h 0 FIELDS 2 a b"), "QUEUED");
    expect_status(client_cmd(c, "EXISTS h"), "QUEUED");
    redisReply *r = client_cmd(c, "EXEC");
    char got[1024];
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 11, "EXEC: %s",
                  render(r, got, sizeof got));
    char at[64];
    snprintf(at, sizeof at, "%lld,-1", t);
    const char *want[] = {NULL, "1,-2", at, "0", "1,-1", "2", "-1,-1,-2", NULL, NULL, "2,2"};
    for (size_t i = 1; i < 10; i++)
        if (want[i])
            ck_assert_msg(reply_is_ints(r->element[i], want[i]), "EXEC element %zu: %s", i,
                          render(r, got, sizeof got));
    ck_assert_int_eq(r->element[0]->integer, 3);
    ck_assert_int_eq(r->element[7]->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->element[7]->str, NO_FIELDS);
    ck_assert_int_eq(r->element[8]->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->element[8]->str, WRONGTYPE);
    ck_assert_int_eq(r->element[10]->type, REDIS_REPLY_INTEGER);
    ck_assert_int_eq(r->element[10]->integer, 0);
    freeReplyObject(r);
    expect_int(client_cmd(c, "EXISTS h"), 0);
    /* too few arguments while queuing: EXECABORT, nothing runs */
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "HSET h z 26"), "QUEUED");
    expect_arity(c, "HEXPIRE h 10 FIELDS 1", "hexpire");
    expect_arity(c, "HTTL h FIELDS 1", "httl");
    expect_error(client_cmd(c, "EXEC"),
                 "EXECABORT Transaction discarded because of previous errors.");
    expect_int(client_cmd(c, "EXISTS h"), 0);
    /* DISCARD */
    expect_int(client_cmd(c, "HSET k a 1"), 1);
    expect_ints(client_cmd(c, "HPEXPIREAT k %lld FIELDS 1 a", t), "1");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "HPERSIST k FIELDS 1 a"), "QUEUED");
    expect_status(client_cmd(c, "DISCARD"), "OK");
    ck_assert_int_eq(pexpiretime("k", "a"), t);
}
END_TEST

struct watch_case {
    const char *setup, *setup2; /* on c, before WATCH w; setup2 may be NULL */
    const char *cmd;            /* on the other client */
    int runs;                   /* EXEC runs afterwards */
};

/* Run a transaction on c (watching what it watches): whether EXEC ran it
 * (1) or aborted (0). */
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

/* WATCH w: HEXPIRE-family commands that set, change or delete (a time in
 * the past) abort EXEC, as does an HPERSIST that removes a TTL; the ones
 * that change nothing (condition not met, no such field, no TTL to
 * remove, argument errors, a missing key) and the reads do not. */
START_TEST(test_watch)
{
    redisContext *o = client_connect(&srv);
    static const struct watch_case cases[] = {
        {"HSET w f v", NULL, "HEXPIRE w 100 FIELDS 1 f", 0},
        {"HSET w f v", NULL, "HPEXPIRE w 100000 FIELDS 1 f", 0},
        {"HSET w f v g v", NULL, "HPEXPIREAT w 1 FIELDS 1 f", 0},
        {"HSET w f v", NULL, "HEXPIREAT w 1 FIELDS 1 f", 0},
        {"HSET w f v", NULL, "HEXPIRE w 100 FIELDS 2 zz f", 0},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HPERSIST w FIELDS 1 f", 0},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HEXPIRE w 200 FIELDS 1 f", 0},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HEXPIRE w 200 GT FIELDS 1 f", 0},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HEXPIRE w 50 LT FIELDS 1 f", 0},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HSET w f v2", 0},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HEXPIRE w 200 NX FIELDS 1 f", 1},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HEXPIRE w 50 GT FIELDS 1 f", 1},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HPEXPIREAT w 1 NX FIELDS 1 f", 1},
        {"HSET w f v", NULL, "HEXPIRE w 100 XX FIELDS 1 f", 1},
        {"HSET w f v", NULL, "HEXPIRE w 100 GT FIELDS 1 f", 1},
        {"HSET w f v", NULL, "HEXPIRE w 100 FIELDS 1 zz", 1},
        {"HSET w f v", NULL, "HPEXPIREAT w 1 FIELDS 1 zz", 1},
        {"HSET w f v", NULL, "HPERSIST w FIELDS 1 f", 1},
        {"HSET w f v", NULL, "HPERSIST w FIELDS 1 zz", 1},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HTTL w FIELDS 1 f", 1},
        {"HSET w f v", "HEXPIRE w 100 FIELDS 1 f", "HPEXPIRETIME w FIELDS 1 f", 1},
        {"HSET w f v", NULL, "HEXPIRE w abc FIELDS 1 f", 1},
        {"HSET w f v", NULL, "HEXPIRE w 100 NOPE 1 f", 1},
        {"HSET w f v", NULL, "HPERSIST w FIELDS 0 f", 1},
        {"DEL w", NULL, "HEXPIRE w 100 FIELDS 1 f", 1},
        {"DEL w", NULL, "HPERSIST w FIELDS 1 f", 1},
    };
    const size_t n = sizeof cases / sizeof cases[0];
    char report[4096] = "";
    size_t used = 0;
    int wrong = 0;
    for (size_t i = 0; i < n; i++) {
        freeReplyObject(client_cmd(c, "DEL w"));
        freeReplyObject(client_cmd(c, cases[i].setup));
        if (cases[i].setup2)
            freeReplyObject(client_cmd(c, cases[i].setup2));
        expect_status(client_cmd(c, "WATCH w"), "OK");
        freeReplyObject(client_cmd(o, cases[i].cmd));
        if (exec_runs() != cases[i].runs) {
            wrong++;
            int k = snprintf(report + used, sizeof report - used,
                             "\n  %s%s%s, WATCH w, %s: EXEC %s",
                             cases[i].setup, cases[i].setup2 ? ", " : "",
                             cases[i].setup2 ? cases[i].setup2 : "", cases[i].cmd,
                             cases[i].runs ? "aborted, expected to run" : "ran, expected to abort");
            if (k > 0 && (size_t)k < sizeof report - used)
                used += (size_t)k;
        }
    }
    ck_assert_msg(wrong == 0, "%d of %zu WATCH cases differ:%s", wrong, n, report);
    redisFree(o);
}
END_TEST

/* ------------------------------------------------------------------ RESP3 */

/* Under RESP3 the replies are arrays of integers, byte for byte; errors as
 * in RESP2. */
START_TEST(test_resp3)
{
    struct r3c *rc = r3_connect_resp3(&srv);
    long long t = wall_ms() + FAR_MS;
    char ts[24], want[128];
    snprintf(ts, sizeof ts, "%lld", t);
    r3_expect_raw(rc, ":3\r\n", "HSET", "h", "a", "1", "b", "2", "c", "3", NULL);
    r3_expect_raw(rc, "*3\r\n:1\r\n:-2\r\n:1\r\n", "HPEXPIREAT", "h", ts, "FIELDS", "3", "a", "zz",
                  "b", NULL);
    snprintf(want, sizeof want, "*3\r\n:%lld\r\n:-1\r\n:-2\r\n", t);
    r3_expect_raw(rc, want, "HPEXPIRETIME", "h", "FIELDS", "3", "a", "c", "zz", NULL);
    snprintf(want, sizeof want, "*1\r\n:%lld\r\n", (t + 999) / 1000);
    r3_expect_raw(rc, want, "HEXPIRETIME", "h", "FIELDS", "1", "b", NULL);
    r3_expect_raw(rc, "*2\r\n:0\r\n:1\r\n", "HPEXPIREAT", "h", ts, "NX", "FIELDS", "2", "a", "c",
                  NULL);
    /* HPTTL and HTTL: integers in range */
    long long t0 = wall_ms();
    struct r3 *r = r3_cmd(rc, "HPTTL", "h", "FIELDS", "2", "a", "zz", NULL);
    long long t1 = wall_ms();
    ck_assert_msg(r && r->type == R3_ARRAY && r->n == 2 && r->elem[0]->type == R3_INT &&
                      r->elem[1]->type == R3_INT,
                  "HPTTL: %s", r3_show(r));
    ck_assert(r->elem[0]->integer >= t - t1 && r->elem[0]->integer <= t - t0);
    ck_assert_int_eq(r->elem[1]->integer, -2);
    r3_free(r);
    t0 = wall_ms();
    r = r3_cmd(rc, "HTTL", "h", "FIELDS", "2", "zz", "b", NULL);
    t1 = wall_ms();
    ck_assert_msg(r && r->type == R3_ARRAY && r->n == 2 && r->elem[0]->type == R3_INT &&
                      r->elem[1]->type == R3_INT,
                  "HTTL: %s", r3_show(r));
    ck_assert_int_eq(r->elem[0]->integer, -2);
    ck_assert(r->elem[1]->integer >= ceil_s(t - t1) && r->elem[1]->integer <= ceil_s(t - t0));
    r3_free(r);
    r3_expect_raw(rc, "*3\r\n:1\r\n:-1\r\n:-2\r\n", "HPERSIST", "h", "FIELDS", "3", "a", "a", "zz",
                  NULL);
    r3_expect_raw(rc, "*2\r\n:-2\r\n:-2\r\n", "HTTL", "missing", "FIELDS", "2", "a", "b", NULL);
    r3_expect_raw(rc, "*1\r\n:-2\r\n", "HPERSIST", "missing", "FIELDS", "1", "a", NULL);
    r3_expect_raw(rc, "*1\r\n:-2\r\n", "HEXPIRE", "missing", "10", "FIELDS", "1", "a", NULL);
    r3_expect_raw(rc, "*1\r\n:2\r\n", "HPEXPIREAT", "h", "1", "FIELDS", "1", "b", NULL);
    r3_expect_raw(rc, "-ERR Mandatory argument FIELDS is missing or not at the right position\r\n",
                  "HEXPIRE", "h", "10", "NOPE", "1", "a", NULL);
    r3_expect_raw(rc, "-ERR Number of fields must be a positive integer\r\n", "HTTL", "h",
                  "FIELDS", "0", "a", NULL);
    r3_expect_raw(rc, "-ERR wrong number of arguments for 'hpersist' command\r\n", "HPERSIST", "h",
                  "FIELDS", "1", NULL);
    r3_expect_raw(rc, "*3\r\n:2\r\n:2\r\n:-2\r\n", "HEXPIRE", "h", "0", "FIELDS", "3", "a", "c",
                  "b", NULL);
    r3_expect_raw(rc, ":0\r\n", "EXISTS", "h", NULL);
    r3_close(rc);
}
END_TEST

/* One test case of the suite, with a fresh server per test. */
static TCase *tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, start, stop);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    suite_add_tcase(s, tc);
    return tc;
}

int main(void)
{
    Suite *s = suite_create("hash field expiry");
    TCase *tc = tcase(s, "ttl");
    tcase_add_test(tc, test_hexpire_basic);
    tcase_add_test(tc, test_units);
    tcase_add_test(tc, test_ttl_queries);
    tcase_add_test(tc, test_conditions);
    tcase_add_test(tc, test_past_times);
    tcase_add_test(tc, test_time_limits);
    tcase_add_test(tc, test_hpersist);
    tcase_add_test(tc, test_writes);

    tc = tcase(s, "errors");
    tcase_add_test(tc, test_hexpire_errors);
    tcase_add_test(tc, test_query_errors);

    tc = tcase(s, "expiry");
    tcase_add_test(tc, test_expired_not_served);
    tcase_add_test(tc, test_short_ttl);
    tcase_add_test(tc, test_active_reclaim);
    tcase_add_test(tc, test_active_reclaim_large);

    tc = tcase(s, "encodings");
    tcase_add_test(tc, test_encodings);

    tc = tcase(s, "keyspace");
    tcase_add_test(tc, test_rename_copy_move);
    tcase_add_test(tc, test_rename_copy_move_expiry);

    tc = tcase(s, "transactions and RESP3");
    tcase_add_test(tc, test_multi_exec);
    tcase_add_test(tc, test_watch);
    tcase_add_test(tc, test_resp3);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
