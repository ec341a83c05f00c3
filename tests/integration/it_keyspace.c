/* Integration tests of the keyspace commands beyond DEL/EXISTS/TTL/EXPIRE:
 * EXPIREAT, PEXPIREAT, EXPIRETIME, PEXPIRETIME, TOUCH, UNLINK, TYPE, RENAME,
 * RENAMENX, COPY (within and across databases), RANDOMKEY, KEYS and SCAN
 * (MATCH, COUNT, TYPE, and its guarantee while the table resizes), with
 * Redis 7's replies and error texts in RESP2 (hiredis) and RESP3 (exact
 * reply bytes), and how RENAME and COPY treat the TTL policy. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "harness.h"
#include "resp3.h"

#define TEST_TIMEOUT_S 120 /* per test, generous for sanitizer builds */

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


/* ------------------------------------------------------- EXPIREAT family */

START_TEST(test_expireat_pexpireat)
{
    long long at = wall_ms() / 1000 + 500;
    expect_int(client_cmd(c, "EXPIREAT none %lld", at), 0);
    expect_status(client_cmd(c, "SET k v"), "OK");
    expect_int(client_cmd(c, "EXPIREAT k %lld", at), 1);
    expect_int(client_cmd(c, "EXPIRETIME k"), at);
    expect_int(client_cmd(c, "PEXPIRETIME k"), at * 1000);
    expect_ttl(c, "k", 498, 500);
    expect_int(client_cmd(c, "PEXPIREAT k %lld", at * 1000 + 999), 1);
    expect_int(client_cmd(c, "PEXPIRETIME k"), at * 1000 + 999);
    /* seconds are truncated, not rounded */
    expect_int(client_cmd(c, "EXPIRETIME k"), at);
    /* NX | XX | GT | LT, as EXPIRE has them */
    expect_int(client_cmd(c, "EXPIREAT k %lld NX", at + 10), 0);
    expect_int(client_cmd(c, "EXPIREAT k %lld XX", at + 10), 1);
    expect_int(client_cmd(c, "EXPIREAT k %lld GT", at + 5), 0);
    expect_int(client_cmd(c, "EXPIREAT k %lld gt", at + 20), 1);
    expect_int(client_cmd(c, "EXPIREAT k %lld LT", at + 30), 0);
    expect_int(client_cmd(c, "PEXPIREAT k %lld lt", (at + 15) * 1000), 1);
    expect_int(client_cmd(c, "EXPIRETIME k"), at + 15);
    expect_status(client_cmd(c, "SET p v"), "OK");
    expect_int(client_cmd(c, "EXPIREAT p %lld XX", at), 0);
    expect_int(client_cmd(c, "EXPIREAT p %lld GT", at), 0); /* no TTL counts as infinite */
    expect_int(client_cmd(c, "EXPIREAT p %lld LT", at), 1);
    /* errors */
    expect_error(client_cmd(c, "EXPIREAT p 100 NX XX"),
                 "ERR NX and XX, GT or LT options at the same time are not compatible");
    expect_error(client_cmd(c, "PEXPIREAT p 100 GT LT"),
                 "ERR GT and LT options at the same time are not compatible");
    expect_error(client_cmd(c, "EXPIREAT p 100 foo"), "ERR Unsupported option foo");
    expect_error(client_cmd(c, "EXPIREAT p abc"), "ERR value is not an integer or out of range");
    expect_error(client_cmd(c, "EXPIREAT p 9223372036854775807"),
                 "ERR invalid expire time in 'expireat' command");
    expect_error(client_cmd(c, "EXPIREAT p 9223372036854776"),
                 "ERR invalid expire time in 'expireat' command");
    expect_error(client_cmd(c, "EXPIREAT p -9223372036854776"),
                 "ERR invalid expire time in 'expireat' command");
    expect_error(client_cmd(c, "EXPIREAT p"), "ERR wrong number of arguments for 'expireat' command");
    expect_error(client_cmd(c, "PEXPIREAT p"),
                 "ERR wrong number of arguments for 'pexpireat' command");
    expect_int(client_cmd(c, "EXPIRETIME p"), at);
    /* the largest absolute ms time is valid */
    expect_int(client_cmd(c, "PEXPIREAT p 9223372036854775807"), 1);
    expect_int(client_cmd(c, "PEXPIRETIME p"), 9223372036854775807LL);
    /* a time in the past (0 and negative included) deletes the key */
    expect_int(client_cmd(c, "EXPIREAT p 1"), 1);
    expect_int(client_cmd(c, "EXISTS p"), 0);
    expect_status(client_cmd(c, "SET p v"), "OK");
    expect_int(client_cmd(c, "EXPIREAT p 0"), 1);
    expect_int(client_cmd(c, "EXISTS p"), 0);
    expect_status(client_cmd(c, "SET p v"), "OK");
    expect_int(client_cmd(c, "PEXPIREAT p -5"), 1);
    expect_int(client_cmd(c, "EXISTS p"), 0);
    /* ... unless the condition refuses it */
    expect_status(client_cmd(c, "SET p v"), "OK");
    expect_int(client_cmd(c, "EXPIREAT p 1 GT"), 0);
    expect_int(client_cmd(c, "EXPIREAT p 1 XX"), 0);
    expect_int(client_cmd(c, "EXISTS p"), 1);
}
END_TEST

START_TEST(test_expiretime)
{
    expect_int(client_cmd(c, "EXPIRETIME none"), -2);
    expect_int(client_cmd(c, "PEXPIRETIME none"), -2);
    expect_status(client_cmd(c, "SET k v"), "OK");
    expect_int(client_cmd(c, "EXPIRETIME k"), -1);
    expect_int(client_cmd(c, "PEXPIRETIME k"), -1);
    long long before = wall_ms();
    expect_int(client_cmd(c, "PEXPIRE k 100000"), 1);
    long long after = wall_ms();
    long long pat = client_int(c, "PEXPIRETIME %s", "k");
    ck_assert(pat >= before + 100000 && pat <= after + 100000);
    expect_int(client_cmd(c, "EXPIRETIME k"), pat / 1000);
    expect_error(client_cmd(c, "EXPIRETIME"), "ERR wrong number of arguments for 'expiretime' command");
    expect_error(client_cmd(c, "PEXPIRETIME a b"),
                 "ERR wrong number of arguments for 'pexpiretime' command");
}
END_TEST

/* ------------------------------------------------------ TOUCH/UNLINK/TYPE */

START_TEST(test_touch_unlink_type)
{
    expect_status(client_cmd(c, "MSET a 1 b 2"), "OK");
    expect_int(client_cmd(c, "TOUCH a b c a"), 3);
    expect_int(client_cmd(c, "TOUCH c"), 0);
    expect_status(client_cmd(c, "TYPE a"), "string");
    expect_status(client_cmd(c, "type none"), "none");
    expect_status(client_cmd(c, "SET %b v", "t\0y", (size_t)3), "OK");
    redisReply *r = client_cmd(c, "TYPE %b", "t\0y", (size_t)3);
    expect_status(r, "string");
    expect_int(client_cmd(c, "UNLINK a c a"), 1);
    expect_int(client_cmd(c, "EXISTS a b"), 1);
    expect_int(client_cmd(c, "UNLINK b %b", "t\0y", (size_t)3), 2);
    expect_int(client_cmd(c, "DBSIZE"), 0);
    expect_status(client_cmd(c, "TYPE a"), "none");
    expect_error(client_cmd(c, "TOUCH"), "ERR wrong number of arguments for 'touch' command");
    expect_error(client_cmd(c, "UNLINK"), "ERR wrong number of arguments for 'unlink' command");
    expect_error(client_cmd(c, "TYPE"), "ERR wrong number of arguments for 'type' command");
    expect_error(client_cmd(c, "TYPE a b"), "ERR wrong number of arguments for 'type' command");
}
END_TEST

/* ---------------------------------------------------------------- RENAME */

START_TEST(test_rename)
{
    expect_error(client_cmd(c, "RENAME none x"), "ERR no such key");
    expect_error(client_cmd(c, "RENAME none none"), "ERR no such key");
    expect_error(client_cmd(c, "RENAMENX none x"), "ERR no such key");
    expect_error(client_cmd(c, "RENAMENX none none"), "ERR no such key");
    expect_status(client_cmd(c, "SET a 1"), "OK");
    expect_status(client_cmd(c, "RENAME a a"), "OK");
    expect_int(client_cmd(c, "RENAMENX a a"), 0);
    expect_str(client_cmd(c, "GET a"), "1");
    expect_status(client_cmd(c, "RENAME a b"), "OK");
    expect_int(client_cmd(c, "EXISTS a"), 0);
    expect_str(client_cmd(c, "GET b"), "1");
    /* the TTL moves with the value; the destination's is replaced */
    expect_int(client_cmd(c, "EXPIRE b 100"), 1);
    expect_status(client_cmd(c, "SET d 4"), "OK");
    expect_status(client_cmd(c, "RENAME b d"), "OK");
    expect_str(client_cmd(c, "GET d"), "1");
    expect_ttl(c, "d", 99, 100);
    expect_status(client_cmd(c, "SET e 5 EX 500"), "OK");
    expect_status(client_cmd(c, "SET f 6"), "OK");
    expect_status(client_cmd(c, "RENAME f e"), "OK");
    expect_int(client_cmd(c, "TTL e"), -1);
    /* RENAMENX */
    expect_int(client_cmd(c, "RENAMENX d e"), 0);
    expect_str(client_cmd(c, "GET d"), "1");
    expect_int(client_cmd(c, "RENAMENX d g"), 1);
    expect_str(client_cmd(c, "GET g"), "1");
    expect_ttl(c, "g", 98, 100);
    expect_int(client_cmd(c, "EXISTS d"), 0);
    /* binary names and values */
    expect_status(client_cmd(c, "SET %b %b", "s\0rc", (size_t)4, "v\0", (size_t)2), "OK");
    expect_status(client_cmd(c, "RENAME %b %b", "s\0rc", (size_t)4, "d\0st", (size_t)4), "OK");
    redisReply *r = client_cmd(c, "GET %b", "d\0st", (size_t)4);
    ck_assert_uint_eq(r->len, 2);
    ck_assert_int_eq(memcmp(r->str, "v\0", 2), 0);
    freeReplyObject(r);
    expect_int(client_cmd(c, "EXISTS %b", "s\0rc", (size_t)4), 0);
    /* a large value survives the move */
    char *big = malloc(100000);
    memset(big, 'x', 100000);
    big[99999] = 'y';
    expect_status(client_cmd(c, "SET big %b", big, (size_t)100000), "OK");
    expect_status(client_cmd(c, "RENAME big big2"), "OK");
    r = client_cmd(c, "GET big2");
    ck_assert_uint_eq(r->len, 100000);
    ck_assert_int_eq(memcmp(r->str, big, 100000), 0);
    freeReplyObject(r);
    free(big);
    expect_error(client_cmd(c, "RENAME a"), "ERR wrong number of arguments for 'rename' command");
    expect_error(client_cmd(c, "RENAMENX a"), "ERR wrong number of arguments for 'renamenx' command");
}
END_TEST

/* ------------------------------------------------------------------- COPY */

START_TEST(test_copy_same_db)
{
    expect_int(client_cmd(c, "COPY none x"), 0);
    expect_int(client_cmd(c, "EXISTS x"), 0);
    expect_status(client_cmd(c, "SET a 1"), "OK");
    expect_int(client_cmd(c, "COPY a b"), 1);
    expect_str(client_cmd(c, "GET b"), "1");
    expect_str(client_cmd(c, "GET a"), "1");
    expect_int(client_cmd(c, "TTL b"), -1);
    /* an existing destination needs REPLACE */
    expect_status(client_cmd(c, "SET a 2"), "OK");
    expect_int(client_cmd(c, "COPY a b"), 0);
    expect_str(client_cmd(c, "GET b"), "1");
    expect_int(client_cmd(c, "COPY a b REPLACE"), 1);
    expect_str(client_cmd(c, "GET b"), "2");
    expect_int(client_cmd(c, "COPY a b replace replace"), 1);
    /* the TTL is copied, and a destination's own TTL is replaced */
    expect_int(client_cmd(c, "EXPIRE a 100"), 1);
    expect_int(client_cmd(c, "COPY a c"), 1);
    expect_ttl(c, "c", 99, 100);
    expect_status(client_cmd(c, "SET d x EX 500"), "OK");
    expect_int(client_cmd(c, "PERSIST a"), 1);
    expect_int(client_cmd(c, "COPY a d REPLACE"), 1);
    expect_int(client_cmd(c, "TTL d"), -1);
    /* the copy is independent of its source */
    expect_int(client_cmd(c, "APPEND d z"), 2);
    expect_str(client_cmd(c, "GET a"), "2");
    /* binary */
    expect_status(client_cmd(c, "SET %b %b", "\0s", (size_t)2, "\0v", (size_t)2), "OK");
    expect_int(client_cmd(c, "COPY %b %b", "\0s", (size_t)2, "\0d", (size_t)2), 1);
    redisReply *r = client_cmd(c, "GET %b", "\0d", (size_t)2);
    ck_assert_uint_eq(r->len, 2);
    ck_assert_int_eq(memcmp(r->str, "\0v", 2), 0);
    freeReplyObject(r);
    /* errors */
    const char *same = "ERR source and destination objects are the same";
    expect_error(client_cmd(c, "COPY a a"), same);
    expect_error(client_cmd(c, "COPY a a REPLACE"), same);
    expect_error(client_cmd(c, "COPY a a DB 0"), same);
    expect_error(client_cmd(c, "COPY none none"), same);
    expect_error(client_cmd(c, "COPY a x foo"), "ERR syntax error");
    expect_error(client_cmd(c, "COPY a x DB"), "ERR syntax error");
    expect_error(client_cmd(c, "COPY a x DB 2 REPLACE extra"), "ERR syntax error");
    expect_error(client_cmd(c, "COPY a"), "ERR wrong number of arguments for 'copy' command");
    expect_int(client_cmd(c, "EXISTS x"), 0);
}
END_TEST

START_TEST(test_copy_across_dbs)
{
    expect_status(client_cmd(c, "SET a 1"), "OK");
    expect_int(client_cmd(c, "EXPIRE a 100"), 1);
    /* the same name in another database is another key */
    expect_int(client_cmd(c, "COPY a a DB 1"), 1);
    expect_int(client_cmd(c, "COPY a a DB 1"), 0);
    expect_int(client_cmd(c, "COPY a a DB 1 REPLACE"), 1);
    expect_int(client_cmd(c, "COPY a b REPLACE DB 2"), 1);
    expect_int(client_cmd(c, "COPY a c DB 1 DB 15"), 1); /* the last DB counts */
    expect_int(client_cmd(c, "COPY none x DB 1"), 0);
    /* none of those landed in database 0 */
    expect_int(client_cmd(c, "EXISTS b c"), 0);
    expect_int(client_cmd(c, "DBSIZE"), 1);
    /* database range and integer errors, checked even for a missing source */
    const char *range = "ERR DB index is out of range";
    expect_error(client_cmd(c, "COPY a x DB 16"), range);
    expect_error(client_cmd(c, "COPY a x DB -1"), range);
    expect_error(client_cmd(c, "COPY none x DB 99"), range);
    expect_error(client_cmd(c, "COPY a x DB abc"), "ERR value is not an integer or out of range");
    const char *intrange =
        "ERR value is out of range, value must between -2147483648 and 2147483647";
    expect_error(client_cmd(c, "COPY a x DB 99999999999"), intrange);
    expect_error(client_cmd(c, "COPY a x DB 2147483648"), intrange);
    expect_error(client_cmd(c, "COPY a x DB -2147483649"), intrange);

    /* read the copies from their databases */
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    expect_str(client_cmd(c, "GET a"), "1");
    expect_status(client_cmd(c, "TYPE a"), "string");
    expect_ttl(c, "a", 98, 100);
    expect_int(client_cmd(c, "EXISTS c"), 0);
    /* and back from database 1 to 0, where the name exists */
    expect_status(client_cmd(c, "SET only1 v"), "OK");
    expect_int(client_cmd(c, "COPY only1 a DB 0"), 0);
    expect_int(client_cmd(c, "COPY only1 a DB 0 REPLACE"), 1);
    expect_int(client_cmd(c, "COPY a a DB 0"), 0);
    expect_error(client_cmd(c, "COPY a a DB 1"), "ERR source and destination objects are the same");
    expect_status(client_cmd(c, "SELECT 2"), "OK");
    expect_str(client_cmd(c, "GET b"), "1");
    expect_status(client_cmd(c, "SELECT 15"), "OK");
    expect_str(client_cmd(c, "GET c"), "1");
    expect_ttl(c, "c", 98, 100);
    expect_status(client_cmd(c, "SELECT 0"), "OK");
    expect_str(client_cmd(c, "GET a"), "v");
    expect_int(client_cmd(c, "TTL a"), -1);
}
END_TEST

/* ------------------------------------------------------------- RANDOMKEY */

START_TEST(test_randomkey)
{
    expect_nil(client_cmd(c, "RANDOMKEY"));
    expect_status(client_cmd(c, "SET %b v", "o\0ne", (size_t)4), "OK");
    redisReply *r = client_cmd(c, "RANDOMKEY");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 4);
    ck_assert_int_eq(memcmp(r->str, "o\0ne", 4), 0);
    freeReplyObject(r);
    for (int i = 0; i < 50; i++)
        redisAppendCommand(c, "SET key:%d v", i);
    client_drain(c, 50, REDIS_REPLY_STATUS);
    /* every answer is a stored key, and not always the same one */
    int seen[50] = {0};
    int distinct = 0;
    for (int i = 0; i < 200; i++) {
        r = client_cmd(c, "RANDOMKEY");
        ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
        int n;
        if (sscanf(r->str, "key:%d", &n) == 1) {
            ck_assert(n >= 0 && n < 50);
            distinct += !seen[n];
            seen[n] = 1;
        } else {
            ck_assert_uint_eq(r->len, 4);
        }
        freeReplyObject(r);
    }
    ck_assert_int_gt(distinct, 5);
    expect_status(client_cmd(c, "FLUSHALL"), "OK");
    expect_nil(client_cmd(c, "RANDOMKEY"));
    expect_error(client_cmd(c, "RANDOMKEY x"), "ERR wrong number of arguments for 'randomkey' command");
}
END_TEST

/* ------------------------------------------------------------------ KEYS */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* KEYS pattern, sorted, joined with ',' into out. */
static const char *keys_sorted(const char *pattern, char *out, size_t cap)
{
    redisReply *r = client_cmd(c, "KEYS %s", pattern);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    const char **names = calloc(r->elements + 1, sizeof *names);
    for (size_t i = 0; i < r->elements; i++)
        names[i] = r->element[i]->str;
    qsort(names, r->elements, sizeof *names, cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < r->elements; i++) {
        strncat(out, names[i], cap - strlen(out) - 1);
        if (i + 1 < r->elements)
            strncat(out, ",", cap - strlen(out) - 1);
    }
    free(names);
    freeReplyObject(r);
    return out;
}

START_TEST(test_keys)
{
    char buf[512];
    ck_assert_str_eq(keys_sorted("*", buf, sizeof buf), "");
    expect_status(client_cmd(c, "MSET a 1 b 2 abc 3 hello 4 hallo 5 hxllo 6 hllo 7 %s 8 %s 9",
                             "h*llo", "x?y"), "OK");
    ck_assert_str_eq(keys_sorted("*", buf, sizeof buf), "a,abc,b,h*llo,hallo,hello,hllo,hxllo,x?y");
    ck_assert_str_eq(keys_sorted("a*", buf, sizeof buf), "a,abc");
    ck_assert_str_eq(keys_sorted("h?llo", buf, sizeof buf), "h*llo,hallo,hello,hxllo");
    ck_assert_str_eq(keys_sorted("h*llo", buf, sizeof buf), "h*llo,hallo,hello,hllo,hxllo");
    ck_assert_str_eq(keys_sorted("h[ae]llo", buf, sizeof buf), "hallo,hello");
    ck_assert_str_eq(keys_sorted("h[^e]llo", buf, sizeof buf), "h*llo,hallo,hxllo");
    ck_assert_str_eq(keys_sorted("h[a-b]llo", buf, sizeof buf), "hallo");
    ck_assert_str_eq(keys_sorted("h\\*llo", buf, sizeof buf), "h*llo");
    ck_assert_str_eq(keys_sorted("x\\?y", buf, sizeof buf), "x?y");
    ck_assert_str_eq(keys_sorted("A*", buf, sizeof buf), ""); /* case-sensitive */
    ck_assert_str_eq(keys_sorted("nomatch", buf, sizeof buf), "");
    ck_assert_str_eq(keys_sorted("abc", buf, sizeof buf), "abc");
    /* binary keys and patterns */
    expect_status(client_cmd(c, "SET %b v", "n\0ul", (size_t)4), "OK");
    redisReply *r = client_cmd(c, "KEYS %b", "n\0*", (size_t)3);
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_uint_eq(r->element[0]->len, 4);
    ck_assert_int_eq(memcmp(r->element[0]->str, "n\0ul", 4), 0);
    freeReplyObject(r);
    /* many keys, and expired ones left out */
    for (int i = 0; i < 3000; i++)
        redisAppendCommand(c, "SET many:%d v", i);
    client_drain(c, 3000, REDIS_REPLY_STATUS);
    expect_status(client_cmd(c, "SET gone v PXAT 1"), "OK");
    r = client_cmd(c, "KEYS many:*");
    ck_assert_uint_eq(r->elements, 3000);
    freeReplyObject(r);
    r = client_cmd(c, "KEYS gone");
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
    expect_error(client_cmd(c, "KEYS"), "ERR wrong number of arguments for 'keys' command");
    expect_error(client_cmd(c, "KEYS a b"), "ERR wrong number of arguments for 'keys' command");
}
END_TEST

/* ------------------------------------------------------------------ SCAN */

/* One SCAN call: the next cursor into *cursor and the reply (caller frees). */
static redisReply *scan_once(unsigned long long *cursor, const char *opts)
{
    /* SCAN, the cursor, then opts split at spaces */
    char text[256], cur[24];
    const char *argv[16];
    size_t argc = 0;
    argv[argc++] = "SCAN";
    snprintf(cur, sizeof cur, "%llu", *cursor);
    argv[argc++] = cur;
    snprintf(text, sizeof text, "%s", opts);
    for (char *save, *tok = strtok_r(text, " ", &save); tok && argc < 16;
         tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    redisReply *r = redisCommandArgv(c, (int)argc, argv, NULL);
    ck_assert_msg(r != NULL, "no reply: %s", c->errstr);
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "SCAN: type %d (%s)", r->type, r->str ? r->str : "");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STRING);
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_ARRAY);
    char *end;
    *cursor = strtoull(r->element[0]->str, &end, 10);
    ck_assert(*end == '\0');
    return r;
}

/* Run a whole SCAN with the options; count the keys "<prefix><n>" (n <
 * limit) in seen[], return the number of keys returned in total. */
static size_t scan_all(const char *opts, const char *prefix, int *seen, int limit)
{
    unsigned long long cursor = 0;
    size_t total = 0, calls = 0;
    size_t plen = strlen(prefix);
    do {
        redisReply *r = scan_once(&cursor, opts);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const char *k = r->element[1]->element[i]->str;
            int n;
            if (strncmp(k, prefix, plen) == 0 && sscanf(k + plen, "%d", &n) == 1 && n >= 0 &&
                n < limit)
                seen[n]++;
        }
        total += r->element[1]->elements;
        freeReplyObject(r);
        ck_assert_uint_lt(++calls, 1000000);
    } while (cursor != 0);
    return total;
}

START_TEST(test_scan_basic)
{
    unsigned long long cursor = 0;
    redisReply *r = scan_once(&cursor, "");
    ck_assert_uint_eq(cursor, 0);
    ck_assert_uint_eq(r->element[1]->elements, 0);
    freeReplyObject(r);

    enum { N = 500 };
    for (int i = 0; i < N; i++)
        redisAppendCommand(c, "SET key:%d v", i);
    for (int i = 0; i < 50; i++)
        redisAppendCommand(c, "SET other:%d v", i);
    client_drain(c, N + 50, REDIS_REPLY_STATUS);

    int seen[N];
    memset(seen, 0, sizeof seen);
    size_t total = scan_all("COUNT 10", "key:", seen, N);
    for (int i = 0; i < N; i++)
        ck_assert_msg(seen[i] >= 1, "key:%d not returned", i);
    ck_assert_uint_ge(total, N + 50);

    /* MATCH filters, TYPE string keeps everything, any other TYPE nothing */
    memset(seen, 0, sizeof seen);
    total = scan_all("MATCH key:* COUNT 7", "key:", seen, N);
    for (int i = 0; i < N; i++)
        ck_assert(seen[i] >= 1);
    ck_assert_uint_ge(total, N);
    ck_assert_uint_lt(total, N + 50);
    memset(seen, 0, sizeof seen);
    total = scan_all("MATCH key:1?? TYPE string", "key:", seen, N);
    ck_assert_uint_eq(total, 100);
    for (int i = 100; i < 200; i++)
        ck_assert_int_eq(seen[i], 1);
    memset(seen, 0, sizeof seen);
    ck_assert_uint_eq(scan_all("type STRING count 1000", "key:", seen, N), N + 50);
    ck_assert_uint_eq(scan_all("TYPE list", "key:", seen, N), 0);
    ck_assert_uint_eq(scan_all("TYPE hash COUNT 5", "key:", seen, N), 0);
    ck_assert_uint_eq(scan_all("TYPE nosuchtype", "key:", seen, N), 0);

    /* COUNT is how much work a call does: a large COUNT takes it all at once */
    cursor = 0;
    r = scan_once(&cursor, "COUNT 100000");
    ck_assert_uint_eq(cursor, 0);
    ck_assert_uint_eq(r->element[1]->elements, N + 50);
    freeReplyObject(r);
    /* a small COUNT returns a bounded part and a cursor to go on with */
    cursor = 0;
    r = scan_once(&cursor, "COUNT 5");
    ck_assert_uint_ne(cursor, 0);
    ck_assert_uint_le(r->element[1]->elements, 50);
    freeReplyObject(r);
}
END_TEST

/* The empty string is a key like any other, also as the only key KEYS and
 * SCAN return (their key buffer then holds no byte at all). */
START_TEST(test_empty_key_listed)
{
    expect_status(client_cmd(c, "SET %b v", "", (size_t)0), "OK");
    redisReply *r = client_cmd(c, "KEYS *");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_uint_eq(r->element[0]->len, 0);
    freeReplyObject(r);
    r = client_cmd(c, "SCAN 0");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "0");
    ck_assert_uint_eq(r->element[1]->elements, 1);
    ck_assert_uint_eq(r->element[1]->element[0]->len, 0);
    freeReplyObject(r);
    expect_str(client_cmd(c, "GET %b", "", (size_t)0), "v");
    expect_int(client_cmd(c, "DEL %b", "", (size_t)0), 1);
}
END_TEST

START_TEST(test_scan_errors)
{
    expect_status(client_cmd(c, "SET a 1"), "OK");
    const char *cur = "ERR invalid cursor";
    expect_error(client_cmd(c, "SCAN abc"), cur);
    expect_error(client_cmd(c, "SCAN 1.5"), cur);
    expect_error(client_cmd(c, "SCAN 0x1"), cur);
    expect_error(client_cmd(c, "SCAN %s", " 0"), cur);
    expect_error(client_cmd(c, "SCAN 18446744073709551616"), cur);
    expect_error(client_cmd(c, "SCAN abc COUNT 0"), cur); /* the cursor is read first */
    const char *syn = "ERR syntax error";
    expect_error(client_cmd(c, "SCAN 0 COUNT 0"), syn);
    expect_error(client_cmd(c, "SCAN 0 COUNT -1"), syn);
    expect_error(client_cmd(c, "SCAN 0 MATCH"), syn);
    expect_error(client_cmd(c, "SCAN 0 COUNT 10 MATCH"), syn);
    expect_error(client_cmd(c, "SCAN 0 FOO bar"), syn);
    expect_error(client_cmd(c, "SCAN 0 COUNT abc"), "ERR value is not an integer or out of range");
    expect_error(client_cmd(c, "SCAN"), "ERR wrong number of arguments for 'scan' command");
    /* cursor forms Redis accepts: leading zeros, '+', and "" as 0 */
    unsigned long long cursor;
    const char *ok[] = {"00", "+0", ""};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        redisReply *r = client_cmd(c, "SCAN %s", ok[i]);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_str_eq(r->element[0]->str, "0");
        ck_assert_uint_eq(r->element[1]->elements, 1);
        freeReplyObject(r);
    }
    /* the last cursor ("-1" wraps to it) ends the iteration */
    redisReply *r = client_cmd(c, "SCAN -1");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_str_eq(r->element[0]->str, "0");
    freeReplyObject(r);
    cursor = 18446744073709551615ULL;
    r = scan_once(&cursor, "COUNT 10 COUNT 20 MATCH * TYPE string");
    ck_assert_uint_eq(cursor, 0);
    freeReplyObject(r);
}
END_TEST

/* SCAN's guarantee: a key present for the whole iteration is returned at
 * least once, while thousands of inserts grow the table and deletes shrink
 * it again between the calls. */
START_TEST(test_scan_during_resizes)
{
    enum { STABLE = 1000, CHURN_PER_CALL = 400, CHURN_MAX = 40000 };
    for (int i = 0; i < STABLE; i++)
        redisAppendCommand(c, "SET stable:%d v", i);
    client_drain(c, STABLE, REDIS_REPLY_STATUS);

    int seen[STABLE];
    memset(seen, 0, sizeof seen);
    unsigned long long cursor = 0;
    int added = 0, removed = 0, calls = 0, emptied = 0;
    do {
        redisReply *r = scan_once(&cursor, "COUNT 10");
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            int n;
            if (sscanf(r->element[1]->element[i]->str, "stable:%d", &n) == 1)
                seen[n]++;
        }
        freeReplyObject(r);
        calls++;
        /* first grow the table through several doublings, then empty it out
         * so that it shrinks, then grow it again */
        int phase = (calls / 40) % 3;
        size_t queued = 0;
        if (phase != 1 && added < CHURN_MAX) {
            for (int i = 0; i < CHURN_PER_CALL; i++, queued++)
                redisAppendCommand(c, "SET churn:%d v", added++);
        } else {
            for (int i = 0; i < CHURN_PER_CALL && removed < added; i++, queued++)
                redisAppendCommand(c, "DEL churn:%d", removed++);
            emptied |= removed == added && added > 0;
        }
        for (size_t i = 0; i < queued; i++) {
            redisReply *q;
            ck_assert_int_eq(redisGetReply(c, (void **)&q), REDIS_OK);
            ck_assert(q->type != REDIS_REPLY_ERROR);
            freeReplyObject(q);
        }
        ck_assert_int_lt(calls, 200000);
    } while (cursor != 0);
    for (int i = 0; i < STABLE; i++)
        ck_assert_msg(seen[i] >= 1, "stable:%d never returned (%d calls, %d added, %d removed)", i,
                      calls, added, removed);
    /* the churn did happen: the table grew well past the stable keys and
     * was emptied of churn again (so it shrank) before the scan ended */
    ck_assert_int_gt(added, 8 * STABLE);
    ck_assert(emptied);
}
END_TEST

/* --------------------------------------------------------- the TTL policy */

START_TEST(test_ttl_policy_rename_copy)
{
    /* RENAME and COPY carry the source's expiry, never the policy's */
    expect_status(client_cmd(c, "SET src v EX 5000"), "OK");
    expect_int(client_cmd(c, "COPY src user:copy"), 1);
    expect_ttl(c, "user:copy", 4999, 5000);
    expect_int(client_cmd(c, "PERSIST src"), 1);
    expect_int(client_cmd(c, "COPY src user:copy2"), 1);
    expect_int(client_cmd(c, "TTL user:copy2"), -1);
    expect_int(client_cmd(c, "COPY src plain DB 3"), 1);
    expect_status(client_cmd(c, "RENAME src user:moved"), "OK");
    expect_int(client_cmd(c, "TTL user:moved"), -1);
    expect_status(client_cmd(c, "SET t v"), "OK");
    expect_ttl(c, "t", 99, 100);
    expect_int(client_cmd(c, "RENAMENX t user:t"), 1);
    expect_ttl(c, "user:t", 99, 100);
    expect_status(client_cmd(c, "SELECT 3"), "OK");
    expect_int(client_cmd(c, "TTL plain"), -1);
    /* EXPIREAT/PEXPIREAT set what they are told */
    long long at = wall_ms() / 1000 + 50;
    expect_int(client_cmd(c, "EXPIREAT plain %lld", at), 1);
    expect_int(client_cmd(c, "EXPIRETIME plain"), at);
}
END_TEST

/* ------------------------------------------------------------------ RESP3 */

START_TEST(test_resp3_replies)
{
    struct r3c *rc = r3_connect_resp3(&srv);
    r3_expect_raw(rc, "_\r\n", "RANDOMKEY", NULL);
    r3_expect_raw(rc, "*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0", NULL);
    r3_expect_raw(rc, "*0\r\n", "KEYS", "*", NULL);
    r3_expect_raw(rc, "+OK\r\n", "SET", "k", "v", NULL);
    r3_expect_raw(rc, "$1\r\nk\r\n", "RANDOMKEY", NULL);
    r3_expect_raw(rc, "*1\r\n$1\r\nk\r\n", "KEYS", "*", NULL);
    r3_expect_raw(rc, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n", "SCAN", "0", "MATCH", "k", "COUNT", "100", NULL);
    r3_expect_raw(rc, "*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0", "TYPE", "zset", NULL);
    r3_expect_raw(rc, "+string\r\n", "TYPE", "k", NULL);
    r3_expect_raw(rc, "+none\r\n", "TYPE", "nope", NULL);
    r3_expect_raw(rc, ":1\r\n", "TOUCH", "k", "nope", NULL);
    r3_expect_raw(rc, ":-1\r\n", "EXPIRETIME", "k", NULL);
    r3_expect_raw(rc, ":-2\r\n", "PEXPIRETIME", "nope", NULL);
    r3_expect_raw(rc, ":1\r\n", "PEXPIREAT", "k", "99999999999123", NULL);
    r3_expect_raw(rc, ":99999999999123\r\n", "PEXPIRETIME", "k", NULL);
    r3_expect_raw(rc, ":99999999999\r\n", "EXPIRETIME", "k", NULL);
    r3_expect_raw(rc, ":0\r\n", "EXPIREAT", "k", "1", "GT", NULL);
    r3_expect_raw(rc, ":1\r\n", "COPY", "k", "k2", NULL);
    r3_expect_raw(rc, ":0\r\n", "COPY", "k", "k2", NULL);
    r3_expect_raw(rc, ":1\r\n", "COPY", "k", "k", "DB", "1", NULL);
    r3_expect_raw(rc, "+OK\r\n", "RENAME", "k2", "k3", NULL);
    r3_expect_raw(rc, ":0\r\n", "RENAMENX", "k3", "k", NULL);
    r3_expect_raw(rc, ":1\r\n", "RENAMENX", "k3", "k4", NULL);
    r3_expect_raw(rc, ":1\r\n", "UNLINK", "k4", NULL);
    r3_expect_raw(rc, "-ERR no such key\r\n", "RENAME", "nope", "x", NULL);
    r3_expect_raw(rc, "-ERR invalid cursor\r\n", "SCAN", "x", NULL);
    r3_expect_raw(rc, "-ERR DB index is out of range\r\n", "COPY", "k", "x", "DB", "16", NULL);
    r3_expect_raw(rc, "-ERR source and destination objects are the same\r\n", "COPY", "k", "k", NULL);
    r3_expect_raw(rc, "-ERR invalid expire time in 'expireat' command\r\n", "EXPIREAT", "k",
         "9223372036854775807", NULL);
    r3_expect_raw(rc, ":1\r\n", "PEXPIREAT", "k", "-9223372036854775808", NULL);
    r3_expect_raw(rc, ":0\r\n", "EXISTS", "k", NULL);
    r3_close(rc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("keyspace");
    TCase *tc = tcase_create("keyspace");
    tcase_add_checked_fixture(tc, start_plain, stop);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_expireat_pexpireat);
    tcase_add_test(tc, test_empty_key_listed);
    tcase_add_test(tc, test_expiretime);
    tcase_add_test(tc, test_touch_unlink_type);
    tcase_add_test(tc, test_rename);
    tcase_add_test(tc, test_copy_same_db);
    tcase_add_test(tc, test_copy_across_dbs);
    tcase_add_test(tc, test_randomkey);
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_scan_basic);
    tcase_add_test(tc, test_scan_errors);
    tcase_add_test(tc, test_scan_during_resizes);
    tcase_add_test(tc, test_resp3_replies);
    suite_add_tcase(s, tc);

    TCase *policy = tcase_create("ttl policy");
    tcase_add_checked_fixture(policy, start_with_ttl_policy, stop);
    tcase_set_timeout(policy, TEST_TIMEOUT_S);
    tcase_add_test(policy, test_ttl_policy_rename_copy);
    suite_add_tcase(s, policy);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
