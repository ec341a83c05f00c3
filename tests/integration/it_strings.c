/* Integration tests of the string commands beyond GET/SET: MGET, MSET,
 * MSETNX, SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX, APPEND, STRLEN,
 * GETRANGE, SUBSTR, SETRANGE, INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT, with
 * their edge cases and Redis 7's error texts, in RESP2 (hiredis) and RESP3
 * (exact reply bytes), the TTL policy (default-ttl, ttl-rule) for each of
 * them, and the unknown-command answer for other data types. */
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "harness.h"
#include "resp3.h"

#define TEST_TIMEOUT_S 60 /* per test, generous for sanitizer builds */

static struct server srv;
static redisContext *c;

static void start_plain(void)
{
    server_start(&srv, NULL);
    c = client_connect(&srv);
}

/* default-ttl 100 s; user: keys 1000 s; counter: keys 2000 s */
static void start_with_ttl_policy(void)
{
    server_start(&srv, "default-ttl 100\n"
                       "ttl-rule user: 1000\n"
                       "ttl-rule counter: 2000\n");
    c = client_connect(&srv);
}

/* proto-max-bulk-len at its minimum, 1 MiB */
static void start_small_bulk(void)
{
    server_start(&srv, "proto-max-bulk-len 1mb\n");
    c = client_connect(&srv);
}

static void stop(void)
{
    redisFree(c);
    ck_assert_int_eq(server_stop(&srv), 0);
}

/* Assert a bulk reply of exactly len bytes equal to p. */
static void expect_bytes(redisReply *r, const void *p, size_t len)
{
    ck_assert_msg(r->type == REDIS_REPLY_STRING, "expected string, got type %d", r->type);
    ck_assert_uint_eq(r->len, len);
    ck_assert_int_eq(memcmp(r->str, p, len), 0);
    freeReplyObject(r);
}

/* ---------------------------------------------------------------- MGET/MSET */

START_TEST(test_mset_mget)
{
    expect_status(client_cmd(c, "MSET a 1 b 2"), "OK");
    redisReply *r = client_cmd(c, "MGET a missing b");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 3);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STRING);
    ck_assert_str_eq(r->element[0]->str, "1");
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_NIL);
    ck_assert_str_eq(r->element[2]->str, "2");
    freeReplyObject(r);
    /* the same key twice: the last value wins; MGET repeats it */
    expect_status(client_cmd(c, "MSET a x a y"), "OK");
    r = client_cmd(c, "MGET a a");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "y");
    ck_assert_str_eq(r->element[1]->str, "y");
    freeReplyObject(r);
    /* MSET overwrites and clears a TTL (no default TTL configured) */
    expect_int(client_cmd(c, "EXPIRE a 100"), 1);
    expect_status(client_cmd(c, "MSET a z"), "OK");
    expect_int(client_cmd(c, "TTL a"), -1);
    /* binary-safe keys and values */
    expect_status(client_cmd(c, "MSET %b %b", "k\0\r\n", (size_t)4, "v\0\xff", (size_t)3), "OK");
    r = client_cmd(c, "MGET %b", "k\0\r\n", (size_t)4);
    ck_assert_uint_eq(r->element[0]->len, 3);
    ck_assert_int_eq(memcmp(r->element[0]->str, "v\0\xff", 3), 0);
    freeReplyObject(r);
    expect_status(client_cmd(c, "MSET e %s", ""), "OK");
    expect_str(client_cmd(c, "GET e"), "");
    /* errors */
    const char *arity = "ERR wrong number of arguments for 'mset' command";
    expect_error(client_cmd(c, "MSET a 1 b"), arity);
    expect_error(client_cmd(c, "MSET a"), arity);
    expect_error(client_cmd(c, "MSET"), arity);
    expect_str(client_cmd(c, "GET a"), "z");
    expect_int(client_cmd(c, "EXISTS b"), 1);
    expect_error(client_cmd(c, "MGET"), "ERR wrong number of arguments for 'mget' command");
}
END_TEST

START_TEST(test_msetnx)
{
    expect_int(client_cmd(c, "MSETNX x 1 y 2"), 1);
    expect_str(client_cmd(c, "GET y"), "2");
    /* all or nothing: one existing key blocks every write */
    expect_int(client_cmd(c, "MSETNX z 3 x 9"), 0);
    expect_int(client_cmd(c, "EXISTS z"), 0);
    expect_str(client_cmd(c, "GET x"), "1");
    /* a key named twice in one call is new: the last value wins */
    expect_int(client_cmd(c, "MSETNX w 1 w 2"), 1);
    expect_str(client_cmd(c, "GET w"), "2");
    const char *arity = "ERR wrong number of arguments for 'msetnx' command";
    expect_error(client_cmd(c, "MSETNX q 1 r"), arity);
    expect_error(client_cmd(c, "MSETNX q"), arity);
    expect_int(client_cmd(c, "EXISTS q"), 0);
}
END_TEST

/* ------------------------------------------------------- SETNX/SETEX/PSETEX */

START_TEST(test_setnx_setex_psetex)
{
    expect_int(client_cmd(c, "SETNX k v1"), 1);
    expect_int(client_cmd(c, "SETNX k v2"), 0);
    expect_str(client_cmd(c, "GET k"), "v1");
    expect_int(client_cmd(c, "TTL k"), -1);
    expect_error(client_cmd(c, "SETNX k"), "ERR wrong number of arguments for 'setnx' command");

    expect_status(client_cmd(c, "SETEX k 100 v3"), "OK");
    expect_str(client_cmd(c, "GET k"), "v3");
    expect_ttl(c, "k", 99, 100);
    expect_status(client_cmd(c, "PSETEX k 200000 v4"), "OK");
    long long pttl = client_int(c, "PTTL %s", "k");
    ck_assert(pttl > 199000 && pttl <= 200000);
    expect_str(client_cmd(c, "GET k"), "v4");

    const char *setex_inv = "ERR invalid expire time in 'setex' command";
    const char *psetex_inv = "ERR invalid expire time in 'psetex' command";
    expect_error(client_cmd(c, "SETEX k 0 v"), setex_inv);
    expect_error(client_cmd(c, "SETEX k -1 v"), setex_inv);
    expect_error(client_cmd(c, "SETEX k 9223372036854775807 v"), setex_inv);
    expect_error(client_cmd(c, "PSETEX k 0 v"), psetex_inv);
    expect_error(client_cmd(c, "PSETEX k -5 v"), psetex_inv);
    expect_error(client_cmd(c, "PSETEX k 9223372036854775807 v"), psetex_inv);
    expect_error(client_cmd(c, "SETEX k abc v"), "ERR value is not an integer or out of range");
    expect_error(client_cmd(c, "SETEX k 1.5 v"), "ERR value is not an integer or out of range");
    expect_error(client_cmd(c, "PSETEX k 10 v x"),
                 "ERR wrong number of arguments for 'psetex' command");
    expect_error(client_cmd(c, "SETEX k 10"), "ERR wrong number of arguments for 'setex' command");
    /* the failed writes changed nothing */
    expect_str(client_cmd(c, "GET k"), "v4");
    /* binary value */
    expect_status(client_cmd(c, "SETEX bin 10 %b", "a\0b", (size_t)3), "OK");
    expect_bytes(client_cmd(c, "GET bin"), "a\0b", 3);
}
END_TEST

/* ----------------------------------------------------------- GETSET/GETDEL */

START_TEST(test_getset_getdel)
{
    expect_nil(client_cmd(c, "GETSET k v1"));
    expect_str(client_cmd(c, "GETSET k v2"), "v1");
    expect_str(client_cmd(c, "GET k"), "v2");
    /* a rewrite: the TTL goes (no default configured) */
    expect_int(client_cmd(c, "EXPIRE k 100"), 1);
    expect_str(client_cmd(c, "GETSET k v3"), "v2");
    expect_int(client_cmd(c, "TTL k"), -1);
    expect_error(client_cmd(c, "GETSET k"), "ERR wrong number of arguments for 'getset' command");

    expect_str(client_cmd(c, "GETDEL k"), "v3");
    expect_int(client_cmd(c, "EXISTS k"), 0);
    expect_nil(client_cmd(c, "GETDEL k"));
    expect_status(client_cmd(c, "SET %b %b", "b\0k", (size_t)3, "\0\0", (size_t)2), "OK");
    expect_bytes(client_cmd(c, "GETDEL %b", "b\0k", (size_t)3), "\0\0", 2);
    expect_int(client_cmd(c, "EXISTS %b", "b\0k", (size_t)3), 0);
    expect_error(client_cmd(c, "GETDEL"), "ERR wrong number of arguments for 'getdel' command");
    expect_error(client_cmd(c, "GETDEL a b"), "ERR wrong number of arguments for 'getdel' command");
}
END_TEST

/* ------------------------------------------------------------------- GETEX */

START_TEST(test_getex)
{
    expect_status(client_cmd(c, "SET a v"), "OK");
    expect_str(client_cmd(c, "GETEX a"), "v");
    expect_int(client_cmd(c, "TTL a"), -1);
    expect_str(client_cmd(c, "GETEX a EX 100"), "v");
    expect_ttl(c, "a", 99, 100);
    expect_str(client_cmd(c, "GETEX a PX 50000"), "v");
    long long pttl = client_int(c, "PTTL %s", "a");
    ck_assert(pttl > 49000 && pttl <= 50000);
    expect_str(client_cmd(c, "GETEX a persist"), "v");
    expect_int(client_cmd(c, "TTL a"), -1);
    long long at = wall_ms() / 1000 + 300;
    expect_str(client_cmd(c, "GETEX a EXAT %lld", at), "v");
    expect_int(client_cmd(c, "EXPIRETIME a"), at);
    expect_str(client_cmd(c, "GETEX a PXAT %lld", at * 1000 + 123), "v");
    expect_int(client_cmd(c, "PEXPIRETIME a"), at * 1000 + 123);
    /* the same form twice: the last counts; PERSIST may repeat */
    expect_str(client_cmd(c, "GETEX a EX 10 EX 20"), "v");
    expect_ttl(c, "a", 19, 20);
    expect_str(client_cmd(c, "GETEX a PERSIST PERSIST"), "v");
    expect_int(client_cmd(c, "TTL a"), -1);
    /* a missing key: nil, and the expiry value is not even read */
    expect_nil(client_cmd(c, "GETEX missing EX 10"));
    expect_nil(client_cmd(c, "GETEX missing EX abc"));
    expect_nil(client_cmd(c, "GETEX missing EX 0"));
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    /* syntax errors come first, for missing keys too */
    const char *syn = "ERR syntax error";
    expect_error(client_cmd(c, "GETEX missing FOO"), syn);
    expect_error(client_cmd(c, "GETEX a EX"), syn);
    expect_error(client_cmd(c, "GETEX a EX 10 PX 10"), syn);
    expect_error(client_cmd(c, "GETEX a PERSIST EX 10"), syn);
    expect_error(client_cmd(c, "GETEX a EX 10 PERSIST"), syn);
    expect_error(client_cmd(c, "GETEX a KEEPTTL"), syn);
    expect_error(client_cmd(c, "GETEX a NX"), syn);
    expect_error(client_cmd(c, "GETEX a GET"), syn);
    /* invalid times on an existing key */
    const char *inv = "ERR invalid expire time in 'getex' command";
    expect_error(client_cmd(c, "GETEX a EX 0"), inv);
    expect_error(client_cmd(c, "GETEX a EX -5"), inv);
    expect_error(client_cmd(c, "GETEX a PX 0"), inv);
    expect_error(client_cmd(c, "GETEX a EXAT 0"), inv);
    expect_error(client_cmd(c, "GETEX a PXAT -1"), inv);
    expect_error(client_cmd(c, "GETEX a EX 9223372036854775807"), inv);
    expect_error(client_cmd(c, "GETEX a EXAT 9223372036854775807"), inv);
    expect_error(client_cmd(c, "GETEX a EX abc"), "ERR value is not an integer or out of range");
    expect_int(client_cmd(c, "TTL a"), -1);
    /* an absolute time already past: the value comes back, the key goes */
    expect_str(client_cmd(c, "GETEX a PXAT 1"), "v");
    expect_int(client_cmd(c, "EXISTS a"), 0);
    expect_error(client_cmd(c, "GETEX"), "ERR wrong number of arguments for 'getex' command");
}
END_TEST

/* ---------------------------------------------------------- APPEND/STRLEN */

START_TEST(test_append_strlen)
{
    expect_int(client_cmd(c, "APPEND a hello"), 5);
    expect_int(client_cmd(c, "APPEND a %s", " world"), 11);
    expect_str(client_cmd(c, "GET a"), "hello world");
    expect_int(client_cmd(c, "APPEND a %s", ""), 11);
    expect_int(client_cmd(c, "STRLEN a"), 11);
    expect_int(client_cmd(c, "STRLEN missing"), 0);
    /* appending nothing to a missing key still creates it, as Redis does */
    expect_int(client_cmd(c, "APPEND empty %s", ""), 0);
    expect_int(client_cmd(c, "EXISTS empty"), 1);
    expect_str(client_cmd(c, "GET empty"), "");
    /* binary-safe, and the TTL is kept */
    expect_int(client_cmd(c, "APPEND %b %b", "b\0", (size_t)2, "\0x", (size_t)2), 2);
    expect_int(client_cmd(c, "EXPIRE %b 100", "b\0", (size_t)2), 1);
    expect_int(client_cmd(c, "APPEND %b %b", "b\0", (size_t)2, "\r\n\0", (size_t)3), 5);
    expect_bytes(client_cmd(c, "GET %b", "b\0", (size_t)2), "\0x\r\n\0", 5);
    expect_int(client_cmd(c, "STRLEN %b", "b\0", (size_t)2), 5);
    long long ttl = client_int(c, "TTL %s", "b");
    ck_assert_int_eq(ttl, -2); /* "b" alone is another key */
    redisReply *r = client_cmd(c, "TTL %b", "b\0", (size_t)2);
    ck_assert(r->integer >= 99 && r->integer <= 100);
    freeReplyObject(r);
    /* a value built by many appends */
    for (int i = 0; i < 1000; i++)
        redisAppendCommand(c, "APPEND long 0123456789");
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(redisGetReply(c, (void **)&r), REDIS_OK);
        expect_int(r, (i + 1) * 10LL);
    }
    expect_int(client_cmd(c, "STRLEN long"), 10000);
    expect_str(client_cmd(c, "GETRANGE long 9990 -1"), "0123456789");
    expect_error(client_cmd(c, "APPEND a"), "ERR wrong number of arguments for 'append' command");
    expect_error(client_cmd(c, "STRLEN"), "ERR wrong number of arguments for 'strlen' command");
    expect_error(client_cmd(c, "STRLEN a b"), "ERR wrong number of arguments for 'strlen' command");
}
END_TEST

/* ---------------------------------------------------------------- GETRANGE */

START_TEST(test_getrange)
{
    expect_status(client_cmd(c, "SET a %s", "hello world"), "OK");
    expect_str(client_cmd(c, "GETRANGE a 0 4"), "hello");
    expect_str(client_cmd(c, "GETRANGE a -5 -1"), "world");
    expect_str(client_cmd(c, "GETRANGE a 0 -1"), "hello world");
    expect_str(client_cmd(c, "GETRANGE a 0 100"), "hello world");
    expect_str(client_cmd(c, "GETRANGE a -100 2"), "hel");
    expect_str(client_cmd(c, "GETRANGE a 10 10"), "d");
    expect_str(client_cmd(c, "GETRANGE a -1 -1"), "d");
    /* Redis 7.0 clamps a negative end to 0 */
    expect_str(client_cmd(c, "GETRANGE a 0 -100"), "h");
    expect_str(client_cmd(c, "GETRANGE a -100 -100"), "h");
    /* empty results */
    expect_str(client_cmd(c, "GETRANGE a 5 3"), "");
    expect_str(client_cmd(c, "GETRANGE a -1 -5"), "");
    expect_str(client_cmd(c, "GETRANGE a 11 11"), "");
    expect_str(client_cmd(c, "GETRANGE a 100 200"), "");
    expect_str(client_cmd(c, "GETRANGE missing 0 10"), "");
    expect_status(client_cmd(c, "SET e %s", ""), "OK");
    expect_str(client_cmd(c, "GETRANGE e 0 -1"), "");
    expect_str(client_cmd(c, "GETRANGE e 0 0"), "");
    /* extreme indexes */
    expect_str(client_cmd(c, "GETRANGE a 9223372036854775807 9223372036854775807"), "");
    expect_str(client_cmd(c, "GETRANGE a -9223372036854775808 -9223372036854775808"), "h");
    expect_str(client_cmd(c, "GETRANGE a -9223372036854775808 9223372036854775807"),
               "hello world");
    /* binary */
    expect_status(client_cmd(c, "SET b %b", "x\0y\0z", (size_t)5), "OK");
    expect_bytes(client_cmd(c, "GETRANGE b 1 3"), "\0y\0", 3);
    /* SUBSTR is the old name */
    expect_str(client_cmd(c, "SUBSTR a 0 2"), "hel");
    /* errors: the indexes are checked even for a missing key */
    const char *nan = "ERR value is not an integer or out of range";
    expect_error(client_cmd(c, "GETRANGE a x 1"), nan);
    expect_error(client_cmd(c, "GETRANGE a 0 1.5"), nan);
    expect_error(client_cmd(c, "GETRANGE missing x 1"), nan);
    expect_error(client_cmd(c, "GETRANGE a 0"), "ERR wrong number of arguments for 'getrange' command");
    expect_error(client_cmd(c, "SUBSTR a 0"), "ERR wrong number of arguments for 'substr' command");
}
END_TEST

/* ---------------------------------------------------------------- SETRANGE */

START_TEST(test_setrange)
{
    expect_int(client_cmd(c, "SETRANGE a 0 hello"), 5);
    expect_int(client_cmd(c, "SETRANGE a 10 x"), 11);
    expect_bytes(client_cmd(c, "GET a"), "hello\0\0\0\0\0x", 11);
    expect_int(client_cmd(c, "SETRANGE a 1 E"), 11);
    expect_bytes(client_cmd(c, "GET a"), "hEllo\0\0\0\0\0x", 11);
    expect_int(client_cmd(c, "SETRANGE a 9 %b", "\0yz", (size_t)3), 12);
    expect_bytes(client_cmd(c, "GET a"), "hEllo\0\0\0\0\0yz", 12);
    /* a new key gets zero padding before the offset */
    expect_int(client_cmd(c, "SETRANGE n 3 ab"), 5);
    expect_bytes(client_cmd(c, "GET n"), "\0\0\0ab", 5);
    /* an empty value changes nothing and creates nothing */
    expect_int(client_cmd(c, "SETRANGE none 5 %s", ""), 0);
    expect_int(client_cmd(c, "SETRANGE none 0 %s", ""), 0);
    expect_int(client_cmd(c, "EXISTS none"), 0);
    expect_int(client_cmd(c, "SETRANGE a 100 %s", ""), 12);
    expect_int(client_cmd(c, "STRLEN a"), 12);
    expect_int(client_cmd(c, "SETRANGE none 536870912 %s", ""), 0);
    /* the TTL is kept */
    expect_int(client_cmd(c, "EXPIRE a 100"), 1);
    expect_int(client_cmd(c, "SETRANGE a 0 H"), 12);
    expect_ttl(c, "a", 99, 100);
    /* errors */
    expect_error(client_cmd(c, "SETRANGE a -1 x"), "ERR offset is out of range");
    expect_error(client_cmd(c, "SETRANGE none -1 %s", ""), "ERR offset is out of range");
    expect_error(client_cmd(c, "SETRANGE a abc x"), "ERR value is not an integer or out of range");
    const char *big = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    expect_error(client_cmd(c, "SETRANGE a 536870912 x"), big);
    expect_error(client_cmd(c, "SETRANGE a 536870911 xy"), big);
    expect_error(client_cmd(c, "SETRANGE none 536870912 x"), big);
    expect_error(client_cmd(c, "SETRANGE a 9223372036854775807 x"), big);
    expect_int(client_cmd(c, "EXISTS none"), 0);
    expect_int(client_cmd(c, "STRLEN a"), 12);
    expect_error(client_cmd(c, "SETRANGE a 1"), "ERR wrong number of arguments for 'setrange' command");
}
END_TEST

/* proto-max-bulk-len bounds the strings SETRANGE and APPEND build. */
START_TEST(test_string_size_limit)
{
    const char *big = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    expect_int(client_cmd(c, "SETRANGE s 1048575 x"), 1048576);
    expect_error(client_cmd(c, "SETRANGE s 1048576 x"), big);
    expect_error(client_cmd(c, "SETRANGE s 1048575 xy"), big);
    expect_error(client_cmd(c, "APPEND s y"), big);
    expect_int(client_cmd(c, "APPEND s %s", ""), 1048576);
    expect_int(client_cmd(c, "STRLEN s"), 1048576);
    expect_int(client_cmd(c, "SETRANGE t 1048574 x"), 1048575);
    expect_int(client_cmd(c, "APPEND t y"), 1048576);
    expect_error(client_cmd(c, "APPEND t z"), big);
    expect_error(client_cmd(c, "SETRANGE u 1048576 x"), big);
    expect_int(client_cmd(c, "EXISTS u"), 0);
}
END_TEST

/* ------------------------------------------------------------- INCR family */

START_TEST(test_incr_decr)
{
    expect_int(client_cmd(c, "INCR a"), 1);
    expect_int(client_cmd(c, "INCR a"), 2);
    expect_int(client_cmd(c, "INCRBY a 10"), 12);
    expect_int(client_cmd(c, "DECR a"), 11);
    expect_int(client_cmd(c, "DECRBY a 5"), 6);
    expect_int(client_cmd(c, "INCRBY a -3"), 3);
    expect_int(client_cmd(c, "DECRBY a -4"), 7);
    expect_str(client_cmd(c, "GET a"), "7");
    expect_int(client_cmd(c, "DECR new"), -1);
    expect_int(client_cmd(c, "DECRBY new2 5"), -5);
    expect_int(client_cmd(c, "INCRBY new3 -5"), -5);
    expect_str(client_cmd(c, "GET new3"), "-5");
    /* the TTL is kept */
    expect_int(client_cmd(c, "EXPIRE a 100"), 1);
    expect_int(client_cmd(c, "INCR a"), 8);
    expect_ttl(c, "a", 99, 100);
    /* overflow */
    const char *ovf = "ERR increment or decrement would overflow";
    expect_status(client_cmd(c, "SET m 9223372036854775807"), "OK");
    expect_error(client_cmd(c, "INCR m"), ovf);
    expect_error(client_cmd(c, "INCRBY m 9223372036854775807"), ovf);
    expect_int(client_cmd(c, "INCRBY m 0"), 9223372036854775807LL);
    expect_int(client_cmd(c, "INCRBY m -9223372036854775807"), 0);
    expect_status(client_cmd(c, "SET m -9223372036854775808"), "OK");
    expect_error(client_cmd(c, "DECR m"), ovf);
    expect_error(client_cmd(c, "DECRBY m 1"), ovf);
    expect_error(client_cmd(c, "INCRBY m -1"), ovf);
    expect_int(client_cmd(c, "INCRBY m 9223372036854775807"), -1);
    expect_str(client_cmd(c, "GET m"), "-1");
    /* DECRBY of the most negative value cannot be negated */
    expect_error(client_cmd(c, "DECRBY m -9223372036854775808"), "ERR decrement would overflow");
    expect_error(client_cmd(c, "DECRBY missing -9223372036854775808"),
                 "ERR decrement would overflow");
    expect_int(client_cmd(c, "EXISTS missing"), 0);
    expect_error(client_cmd(c, "INCRBY m -9223372036854775808"), ovf);
    expect_int(client_cmd(c, "INCRBY m 1"), 0);
    expect_int(client_cmd(c, "INCRBY m -9223372036854775808"), LLONG_MIN);
}
END_TEST

START_TEST(test_incr_not_integer)
{
    const char *nan = "ERR value is not an integer or out of range";
    static const char *const bad[] = {"x", " 1", "1 ", "01", "1.0", "", "-0", "+1",
                                      "99999999999999999999", "9223372036854775808", "1e3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_status(client_cmd(c, "SET v %s", bad[i]), "OK");
        expect_error(client_cmd(c, "INCR v"), nan);
        expect_error(client_cmd(c, "DECRBY v 1"), nan);
        expect_str(client_cmd(c, "GET v"), bad[i]);
    }
    expect_status(client_cmd(c, "SET v %b", "1\0", (size_t)2), "OK");
    expect_error(client_cmd(c, "INCR v"), nan);
    expect_status(client_cmd(c, "SET v 5"), "OK");
    expect_error(client_cmd(c, "INCRBY v x"), nan);
    expect_error(client_cmd(c, "INCRBY v 1.5"), nan);
    expect_error(client_cmd(c, "DECRBY v %s", ""), nan);
    expect_error(client_cmd(c, "INCRBY v 9223372036854775808"), nan);
    expect_str(client_cmd(c, "GET v"), "5");
    expect_error(client_cmd(c, "INCR v b"), "ERR wrong number of arguments for 'incr' command");
    expect_error(client_cmd(c, "DECR"), "ERR wrong number of arguments for 'decr' command");
    expect_error(client_cmd(c, "INCRBY v"), "ERR wrong number of arguments for 'incrby' command");
    expect_error(client_cmd(c, "DECRBY v"), "ERR wrong number of arguments for 'decrby' command");
}
END_TEST

/* ------------------------------------------------------------- INCRBYFLOAT */

/* INCRBYFLOAT key by on a fresh key holding start (NULL: missing). */
static void expect_float_sum(const char *start, const char *by, const char *result)
{
    freeReplyObject(client_cmd(c, "DEL f"));
    if (start)
        expect_status(client_cmd(c, "SET f %s", start), "OK");
    expect_str(client_cmd(c, "INCRBYFLOAT f %s", by), result);
    expect_str(client_cmd(c, "GET f"), result);
}

START_TEST(test_incrbyfloat)
{
    /* Redis 7.0's long double arithmetic and "%.17Lf" trimmed form */
    expect_float_sum("10.5", "0.1", "10.6");
    expect_float_sum("3.0e3", "0", "3000");
    expect_float_sum("5.0e3", "2.0e2", "5200");
    expect_float_sum(NULL, "1", "1");
    expect_float_sum(NULL, "1.5", "1.5");
    expect_float_sum("1", "-1.5", "-0.5");
    expect_float_sum("1.1", "0.2", "1.3");
    expect_float_sum("100", "-100", "0");
    expect_float_sum(NULL, "-0.0", "0");
    expect_float_sum(NULL, "-1e-30", "0");
    expect_float_sum(NULL, "0x10", "16");
    expect_float_sum("0x1p3", "1", "9");
    expect_float_sum(NULL, ".5", "0.5");
    expect_float_sum(NULL, "5.", "5");
    expect_float_sum(NULL, "-.5e1", "-5");
    expect_float_sum(NULL, "1.23456789012345678901", "1.23456789012345679");
    expect_float_sum(NULL, "3.14159265358979323846", "3.14159265358979324");
    expect_float_sum("1", "1e20", "100000000000000000000");
    expect_float_sum(NULL, "123456789012345678", "123456789012345678");
    expect_float_sum("7", "1e-320", "7");
    /* an integer value is a float too */
    expect_float_sum("12", "0.5", "12.5");
    /* fixed notation, however large: 1e300 gives 301 digits */
    freeReplyObject(client_cmd(c, "DEL f"));
    redisReply *r = client_cmd(c, "INCRBYFLOAT f 1e300");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 301);
    ck_assert_int_eq(strncmp(r->str, "10000000000000000000", 20), 0);
    freeReplyObject(r);
    /* long double range: 1e400 is a valid value */
    expect_status(client_cmd(c, "SET f 1e400"), "OK");
    r = client_cmd(c, "INCRBYFLOAT f 1");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 401);
    freeReplyObject(r);
    /* the TTL is kept */
    expect_status(client_cmd(c, "SET t 1 EX 100"), "OK");
    expect_str(client_cmd(c, "INCRBYFLOAT t 1.5"), "2.5");
    expect_ttl(c, "t", 99, 100);
}
END_TEST

START_TEST(test_incrbyfloat_errors)
{
    const char *inv = "ERR value is not a valid float";
    const char *inf = "ERR increment would produce NaN or Infinity";
    /* a NUL inside the stored value or the increment: no number */
    expect_status(client_cmd(c, "SET nul %b", "1\0" "2", (size_t)3), "OK");
    expect_error(client_cmd(c, "INCRBYFLOAT nul 1"), inv);
    expect_error(client_cmd(c, "INCRBYFLOAT m %b", "1\0" "2", (size_t)3), inv);
    expect_error(client_cmd(c, "INCRBYFLOAT m inf"), inf);
    expect_error(client_cmd(c, "INCRBYFLOAT m -inf"), inf);
    expect_error(client_cmd(c, "INCRBYFLOAT m +inf"), inf);
    expect_error(client_cmd(c, "INCRBYFLOAT m infinity"), inf);
    expect_error(client_cmd(c, "INCRBYFLOAT m nan"), inv);
    expect_error(client_cmd(c, "INCRBYFLOAT m abc"), inv);
    expect_error(client_cmd(c, "INCRBYFLOAT m %s", ""), inv);
    expect_error(client_cmd(c, "INCRBYFLOAT m %s", " 1"), inv);
    expect_error(client_cmd(c, "INCRBYFLOAT m %s", "1 "), inv);
    expect_error(client_cmd(c, "INCRBYFLOAT m 1,5"), inv);
    expect_error(client_cmd(c, "INCRBYFLOAT m 1e5000"), inv);  /* overflows long double */
    expect_error(client_cmd(c, "INCRBYFLOAT m 1e-5000"), inv); /* underflows to zero */
    expect_int(client_cmd(c, "EXISTS m"), 0);
    /* the stored value must be a float */
    expect_status(client_cmd(c, "SET x abc"), "OK");
    expect_error(client_cmd(c, "INCRBYFLOAT x 1"), inv);
    expect_status(client_cmd(c, "SET x %s", "1 "), "OK");
    expect_error(client_cmd(c, "INCRBYFLOAT x 1"), inv);
    expect_status(client_cmd(c, "SET x inf"), "OK");
    expect_error(client_cmd(c, "INCRBYFLOAT x 1"), inf);
    expect_str(client_cmd(c, "GET x"), "inf");
    /* a sum past the long double range */
    expect_status(client_cmd(c, "SET y 1e4932"), "OK");
    expect_error(client_cmd(c, "INCRBYFLOAT y 1e4932"), inf);
    expect_error(client_cmd(c, "INCRBYFLOAT y"), "ERR wrong number of arguments for 'incrbyfloat' command");
}
END_TEST

/* ------------------------------------------------------------- TTL policy */

START_TEST(test_ttl_policy_writes)
{
    /* whole writes without an expiry get the default or the rule's TTL */
    expect_int(client_cmd(c, "SETNX plain v"), 1);
    expect_ttl(c, "plain", 99, 100);
    expect_int(client_cmd(c, "SETNX user:1 v"), 1);
    expect_ttl(c, "user:1", 999, 1000);
    expect_status(client_cmd(c, "MSET plain2 v user:2 v"), "OK");
    expect_ttl(c, "plain2", 99, 100);
    expect_ttl(c, "user:2", 999, 1000);
    expect_int(client_cmd(c, "MSETNX plain3 v user:3 v"), 1);
    expect_ttl(c, "plain3", 99, 100);
    expect_ttl(c, "user:3", 999, 1000);
    /* MSET over a persisted key rewrites it: the rule applies again */
    expect_int(client_cmd(c, "PERSIST user:2"), 1);
    expect_status(client_cmd(c, "MSET user:2 w"), "OK");
    expect_ttl(c, "user:2", 999, 1000);
    /* GETSET is a rewrite too (Redis would clear the TTL) */
    expect_status(client_cmd(c, "SET user:4 v EX 5"), "OK");
    expect_str(client_cmd(c, "GETSET user:4 w"), "v");
    expect_ttl(c, "user:4", 999, 1000);
    expect_nil(client_cmd(c, "GETSET new w"));
    expect_ttl(c, "new", 99, 100);
    /* an explicit expiry wins */
    expect_status(client_cmd(c, "SETEX user:5 7 v"), "OK");
    expect_ttl(c, "user:5", 6, 7);
    expect_status(client_cmd(c, "PSETEX plain4 7000 v"), "OK");
    expect_ttl(c, "plain4", 6, 7);
    /* GETEX only changes what it is told to */
    expect_str(client_cmd(c, "GETEX user:5"), "v");
    expect_ttl(c, "user:5", 6, 7);
    expect_str(client_cmd(c, "GETEX user:5 PERSIST"), "v");
    expect_int(client_cmd(c, "TTL user:5"), -1);
}
END_TEST

START_TEST(test_ttl_policy_in_place)
{
    /* creating a key through an in-place command: default or rule TTL */
    expect_int(client_cmd(c, "APPEND a x"), 1);
    expect_ttl(c, "a", 99, 100);
    expect_int(client_cmd(c, "SETRANGE user:r 2 x"), 3);
    expect_ttl(c, "user:r", 999, 1000);
    expect_int(client_cmd(c, "INCR counter:1"), 1);
    expect_ttl(c, "counter:1", 1999, 2000);
    expect_int(client_cmd(c, "DECRBY counter:2 3"), -3);
    expect_ttl(c, "counter:2", 1999, 2000);
    expect_str(client_cmd(c, "INCRBYFLOAT counter:3 1.5"), "1.5");
    expect_ttl(c, "counter:3", 1999, 2000);
    /* modifying in place keeps whatever the key has: an explicit TTL... */
    expect_status(client_cmd(c, "SET counter:4 10 EX 50"), "OK");
    expect_int(client_cmd(c, "INCRBY counter:4 5"), 15);
    expect_ttl(c, "counter:4", 49, 50);
    expect_str(client_cmd(c, "INCRBYFLOAT counter:4 0.5"), "15.5");
    expect_ttl(c, "counter:4", 49, 50);
    expect_int(client_cmd(c, "APPEND counter:4 0"), 5);
    expect_ttl(c, "counter:4", 49, 50);
    expect_int(client_cmd(c, "SETRANGE counter:4 0 2"), 5);
    expect_ttl(c, "counter:4", 49, 50);
    /* ...or none at all after PERSIST */
    expect_int(client_cmd(c, "PERSIST counter:1"), 1);
    expect_int(client_cmd(c, "INCR counter:1"), 2);
    expect_int(client_cmd(c, "TTL counter:1"), -1);
    expect_int(client_cmd(c, "PERSIST a"), 1);
    expect_int(client_cmd(c, "APPEND a y"), 2);
    expect_int(client_cmd(c, "SETRANGE a 5 z"), 6);
    expect_int(client_cmd(c, "TTL a"), -1);
}
END_TEST

/* ------------------------------------------------------- other data types */

START_TEST(test_other_types_unknown)
{
    expect_error(client_cmd(c, "LPUSH l x"),
                 "ERR unknown command 'LPUSH', with args beginning with: 'l' 'x' ");
    expect_error(client_cmd(c, "ZADD z 1 m"),
                 "ERR unknown command 'ZADD', with args beginning with: 'z' '1' 'm' ");
    expect_error(client_cmd(c, "XADD x * f v"),
                 "ERR unknown command 'XADD', with args beginning with: 'x' '*' 'f' 'v' ");
    expect_error(client_cmd(c, "rpop l"), "ERR unknown command 'rpop', with args beginning with: 'l' ");
    expect_int(client_cmd(c, "DBSIZE"), 0);
    expect_status(client_cmd(c, "PING"), "PONG");
}
END_TEST

/* ------------------------------------------------------------------ RESP3 */

START_TEST(test_resp3_replies)
{
    struct r3c *rc = r3_connect_resp3(&srv);
    r3_expect_raw(rc, "+OK\r\n", "MSET", "a", "1", "b", "2", NULL);
    r3_expect_raw(rc, "*3\r\n$1\r\n1\r\n_\r\n$1\r\n2\r\n", "MGET", "a", "nope", "b", NULL);
    r3_expect_raw(rc, ":0\r\n", "MSETNX", "a", "1", "c", "3", NULL);
    r3_expect_raw(rc, ":1\r\n", "MSETNX", "c", "3", NULL);
    r3_expect_raw(rc, ":0\r\n", "SETNX", "c", "x", NULL);
    r3_expect_raw(rc, "+OK\r\n", "SETEX", "d", "100", "v", NULL);
    r3_expect_raw(rc, "+OK\r\n", "PSETEX", "d", "100000", "v", NULL);
    r3_expect_raw(rc, "_\r\n", "GETSET", "e", "v", NULL);
    r3_expect_raw(rc, "$1\r\nv\r\n", "GETSET", "e", "w", NULL);
    r3_expect_raw(rc, "$1\r\nw\r\n", "GETDEL", "e", NULL);
    r3_expect_raw(rc, "_\r\n", "GETDEL", "e", NULL);
    r3_expect_raw(rc, "_\r\n", "GETEX", "e", "EX", "10", NULL);
    r3_expect_raw(rc, "$1\r\nv\r\n", "GETEX", "d", "PERSIST", NULL);
    r3_expect_raw(rc, ":2\r\n", "APPEND", "a", "x", NULL);
    r3_expect_raw(rc, ":2\r\n", "STRLEN", "a", NULL);
    r3_expect_raw(rc, "$1\r\nx\r\n", "GETRANGE", "a", "-1", "-1", NULL);
    r3_expect_raw(rc, "$0\r\n\r\n", "GETRANGE", "nope", "0", "-1", NULL);
    r3_expect_raw(rc, ":4\r\n", "SETRANGE", "a", "2", "yz", NULL);
    r3_expect_raw(rc, ":3\r\n", "INCR", "b", NULL);
    r3_expect_raw(rc, ":1\r\n", "DECRBY", "b", "2", NULL);
    /* INCRBYFLOAT answers a bulk string, not a RESP3 double */
    r3_expect_raw(rc, "$3\r\n2.5\r\n", "INCRBYFLOAT", "b", "1.5", NULL);
    r3_expect_raw(rc, "-ERR value is not a valid float\r\n", "INCRBYFLOAT", "b", "x", NULL);
    r3_expect_raw(rc, "-ERR wrong number of arguments for 'mset' command\r\n", "MSET", "a", "1", "b", NULL);
    r3_expect_raw(rc, "-ERR syntax error\r\n", "GETEX", "a", "FOO", NULL);
    r3_expect_raw(rc, "-ERR increment or decrement would overflow\r\n", "INCRBY", "c",
         "9223372036854775807", NULL);
    r3_close(rc);
}
END_TEST

/* The same commands through the resp3 client's parsed view. */
START_TEST(test_resp3_parsed)
{
    struct r3c *rc = r3_connect_resp3(&srv);
    r3_expect_status(r3_cmd(rc, "SET", "k", "v", NULL), "OK");
    struct r3 *r = r3_cmd(rc, "MGET", "k", "missing", NULL);
    ck_assert_int_eq(r->type, R3_ARRAY);
    ck_assert_uint_eq(r->n, 2);
    ck_assert_int_eq(r->elem[0]->type, R3_BULK);
    ck_assert_int_eq(r->elem[1]->type, R3_NULL);
    r3_free(r);
    r3_expect_null(r3_cmd(rc, "GETEX", "missing", NULL));
    r3_expect_bulk(r3_cmd(rc, "GETEX", "k", "EX", "100", NULL), "v");
    r3_expect_int(r3_cmd(rc, "INCRBY", "n", "41", NULL), 41);
    r3_expect_bulk(r3_cmd(rc, "INCRBYFLOAT", "n", "0.5", NULL), "41.5");
    r3_expect_error(r3_cmd(rc, "SETEX", "k", "0", "v", NULL),
                    "ERR invalid expire time in 'setex' command");
    r3_expect_error(r3_cmd(rc, "SETRANGE", "k", "-1", "v", NULL), "ERR offset is out of range");
    r3_expect_error(r3_cmd(rc, "LPUSH", "l", "x", NULL),
                    "ERR unknown command 'LPUSH', with args beginning with: 'l' 'x' ");
    /* binary through RESP3 */
    const char *argv[] = {"SET", "b\0k", "\0v\0"};
    const size_t lens[] = {3, 3, 3};
    r3_expect_status(r3_cmd_argv(rc, 3, argv, lens), "OK");
    const char *get[] = {"GETDEL", "b\0k"};
    r = r3_cmd_argv(rc, 2, get, lens);
    ck_assert_int_eq(r->type, R3_BULK);
    ck_assert_uint_eq(r->len, 3);
    ck_assert_int_eq(memcmp(r->str, "\0v\0", 3), 0);
    r3_free(r);
    r3_close(rc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("strings");
    TCase *tc = tcase_create("strings");
    tcase_add_checked_fixture(tc, start_plain, stop);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_mset_mget);
    tcase_add_test(tc, test_msetnx);
    tcase_add_test(tc, test_setnx_setex_psetex);
    tcase_add_test(tc, test_getset_getdel);
    tcase_add_test(tc, test_getex);
    tcase_add_test(tc, test_append_strlen);
    tcase_add_test(tc, test_getrange);
    tcase_add_test(tc, test_setrange);
    tcase_add_test(tc, test_incr_decr);
    tcase_add_test(tc, test_incr_not_integer);
    tcase_add_test(tc, test_incrbyfloat);
    tcase_add_test(tc, test_incrbyfloat_errors);
    tcase_add_test(tc, test_other_types_unknown);
    tcase_add_test(tc, test_resp3_replies);
    tcase_add_test(tc, test_resp3_parsed);
    suite_add_tcase(s, tc);

    TCase *limit = tcase_create("size limit");
    tcase_add_checked_fixture(limit, start_small_bulk, stop);
    tcase_set_timeout(limit, TEST_TIMEOUT_S);
    tcase_add_test(limit, test_string_size_limit);
    suite_add_tcase(s, limit);

    TCase *policy = tcase_create("ttl policy");
    tcase_add_checked_fixture(policy, start_with_ttl_policy, stop);
    tcase_set_timeout(policy, TEST_TIMEOUT_S);
    tcase_add_test(policy, test_ttl_policy_writes);
    tcase_add_test(policy, test_ttl_policy_in_place);
    suite_add_tcase(s, policy);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
