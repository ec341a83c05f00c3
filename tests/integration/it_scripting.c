/* Integration tests of scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT,
 * FUNCTION, FCALL and FCALL_RO, the Lua sandbox and its libraries, the
 * conversions between Lua values and RESP2/RESP3 replies, shebang flags,
 * scripts under maxmemory, busy scripts (SCRIPT KILL, FUNCTION KILL,
 * SHUTDOWN, SIGTERM), and scripts inside transactions.
 *
 * Every expected reply and error text is Redis 7.0's (checked against
 * redis-server 7.0.15; all tests but test_ttl_rules, which is about
 * tidecache's own TTL policy, pass against it). Each test runs against a
 * fresh server, so that a test which changes the Lua state cannot affect
 * another. */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "resp3.h"
#include "tidecache/sha1.h" /* script names; the hash itself is unit-tested */

#define TEST_TIMEOUT_S 60 /* per test, generous for sanitizer builds */
#define WAIT_MS 5000      /* bound of every poll-until loop */
#define POLL_STEP_MS 5
#define MSG_BYTES 1024
#define FIELD_BYTES 256
#define BUSY_THRESHOLD_MS "50" /* busy-reply-threshold of the busy tests */

static struct server srv;
static redisContext *cl; /* the main client of a test */

static void start(void)
{
    server_start(&srv, NULL);
    cl = client_connect(&srv);
}

static void stop(void)
{
    redisFree(cl);
    ck_assert_int_eq(server_stop(&srv), 0);
}

/* ------------------------------------------------------------------------ */
/* helpers */

/* The error text of a script that fails at run time:
 * "<msg> script: <sha1 of body>, on @user_script:<line>." */
static void script_error_text(char *out, size_t cap, const char *body, const char *msg, int line)
{
    char sha[SHA1_HEX_BYTES];
    sha1_hex(body, strlen(body), sha);
    snprintf(out, cap, "%s script: %s, on @user_script:%d.", msg, sha, line);
}

/* EVAL body 0 fails at run time with msg at line. */
static void expect_eval_error(redisContext *h, const char *body, const char *msg, int line)
{
    char want[MSG_BYTES];
    script_error_text(want, sizeof want, body, msg, line);
    expect_error(client_cmd(h, "EVAL %s 0", body), want);
}

/* EVAL body 0 fails because it reads a global that does not exist. */
static void expect_no_global(redisContext *h, const char *body, const char *name)
{
    char msg[MSG_BYTES];
    snprintf(msg, sizeof msg,
             "ERR user_script:1: Script attempted to access nonexistent global variable '%s'",
             name);
    expect_eval_error(h, body, msg, 1);
}

#define READONLY_ERR "ERR user_script:1: Attempt to modify a readonly table"

/* An array reply of n bulk strings (NULL: a nil element); frees r. */
static void expect_strings(redisReply *r, size_t n, const char *const *want)
{
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "expected an array, got type %d (%s)", r->type,
                  r->str ? r->str : "");
    ck_assert_uint_eq(r->elements, n);
    for (size_t i = 0; i < n; i++) {
        redisReply *e = r->element[i];
        if (want[i] == NULL) {
            ck_assert_msg(e->type == REDIS_REPLY_NIL, "element %zu: expected nil, got type %d", i,
                          e->type);
            continue;
        }
        ck_assert_msg(e->type == REDIS_REPLY_STRING, "element %zu: expected '%s', got type %d (%s)",
                      i, want[i], e->type, e->str ? e->str : "");
        ck_assert_str_eq(e->str, want[i]);
    }
    freeReplyObject(r);
}

/* An array reply of n integers; frees r. */
static void expect_ints(redisReply *r, size_t n, const long long *want)
{
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "expected an array, got type %d (%s)", r->type,
                  r->str ? r->str : "");
    ck_assert_uint_eq(r->elements, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(r->element[i]->type == REDIS_REPLY_INTEGER, "element %zu: type %d", i,
                      r->element[i]->type);
        ck_assert_int_eq(r->element[i]->integer, want[i]);
    }
    freeReplyObject(r);
}

/* The integer value of "name:value" in INFO section (which must have it). */
static long long info_int(redisContext *h, const char *section, const char *name)
{
    redisReply *r = client_cmd(h, "INFO %s", section);
    ck_assert_msg(r->type == REDIS_REPLY_STRING, "INFO type %d", r->type);
    char key[FIELD_BYTES];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *p = strstr(r->str, key);
    ck_assert_msg(p != NULL, "INFO %s has no %s", section, name);
    long long v = atoll(p + strlen(key));
    freeReplyObject(r);
    return v;
}

/* The 40-digit SHA-1 SCRIPT LOAD answers for body (checked against ours). */
static void script_load(redisContext *h, const char *body, char sha[41])
{
    sha1_hex(body, strlen(body), sha);
    expect_str(client_cmd(h, "SCRIPT LOAD %s", body), sha);
}

/* Send a command on a raw connection without reading its reply. */
static void send_only(struct r3c *c, const char *arg0, ...)
{
    const char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a != NULL && argc < 16; a = va_arg(ap, const char *))
        argv[argc++] = a;
    va_end(ap);
    r3_send_argv(c, argc, argv, NULL);
}

/* Poll PING on h until it answers an error, which must be want; bounded. */
static void wait_busy(redisContext *h, const char *want)
{
    long long deadline = mono_ms() + WAIT_MS;
    for (;;) {
        redisReply *r = client_cmd(h, "PING");
        if (r->type == REDIS_REPLY_ERROR) {
            ck_assert_str_eq(r->str, want);
            freeReplyObject(r);
            return;
        }
        ck_assert_msg(r->type == REDIS_REPLY_STATUS, "PING: type %d", r->type);
        freeReplyObject(r);
        ck_assert_msg(mono_ms() < deadline, "no BUSY reply within %d ms", WAIT_MS);
        poll(NULL, 0, POLL_STEP_MS);
    }
}

/* Wait (bounded) for the server process to exit by itself. */
static int wait_exit(struct server *s, int ms)
{
    long long deadline = mono_ms() + ms;
    while (server_alive(s)) {
        if (mono_ms() > deadline)
            return 0;
        poll(NULL, 0, POLL_STEP_MS);
    }
    return 1;
}

#define BUSY_EVAL_ERR                                                                              \
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
#define BUSY_FUNCTION_ERR                                                                          \
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
#define UNKILLABLE_ERR                                                                             \
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You "        \
    "can either wait the script termination or kill the server in a hard way using the "           \
    "SHUTDOWN NOSAVE command."
#define KILLED_ERR "ERR Script killed by user with SCRIPT KILL..."
#define OOM_ERR "OOM command not allowed when used memory > 'maxmemory'."
#define RO_SCRIPT_ERR "ERR Write commands are not allowed from read-only scripts."
#define RO_COMMAND_ERR "ERR Can not execute a script with write flag using *_ro command."
#define NOT_ALLOWED_ERR "ERR This Redis command is not allowed from script"
#define BAD_ARG_ERR "ERR Lua redis lib command arguments must be strings or integers"

/* ------------------------------------------------------------------------ */
/* EVAL basics and conversions */

START_TEST(test_eval_keys_argv)
{
    static const char *const all[] = {"k1", "k2", "a1", "a2"};
    redisReply *r =
        client_cmd(cl, "EVAL %s 2 k1 k2 a1 a2", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}");
    expect_strings(r, 4, all);
    static const long long two_two[] = {2, 2};
    expect_ints(client_cmd(cl, "EVAL %s 2 k1 k2 a1 a2", "return {#KEYS, #ARGV}"), 2, two_two);
    static const long long none[] = {0, 0};
    expect_ints(client_cmd(cl, "EVAL %s 0", "return {#KEYS, #ARGV}"), 2, none);
    static const long long only_args[] = {0, 3};
    expect_ints(client_cmd(cl, "EVAL %s 0 x y z", "return {#KEYS, #ARGV}"), 2, only_args);
    /* arguments are binary-safe */
    expect_int(client_cmd(cl, "EVAL %s 0 %b", "return string.len(ARGV[1])", "a\0b", (size_t)3), 3);
    /* a script is a function: locals do not outlive it, KEYS is fresh */
    expect_str(client_cmd(cl, "EVAL %s 1 key", "KEYS[1] = 'changed'; return KEYS[1]"), "changed");
    expect_str(client_cmd(cl, "EVAL %s 1 key", "return KEYS[1]"), "key");
}
END_TEST

START_TEST(test_numkeys_errors)
{
    expect_error(client_cmd(cl, "EVAL %s x", "return 1"),
                 "ERR value is not an integer or out of range");
    expect_error(client_cmd(cl, "EVAL %s -1", "return 1"), "ERR Number of keys can't be negative");
    expect_error(client_cmd(cl, "EVAL %s 2 a", "return 1"),
                 "ERR Number of keys can't be greater than number of args");
    expect_error(client_cmd(cl, "EVAL %s", "return 1"),
                 "ERR wrong number of arguments for 'eval' command");
    expect_error(client_cmd(cl, "EVAL"), "ERR wrong number of arguments for 'eval' command");
    expect_error(client_cmd(cl, "EVAL_RO %s 3 a b", "return 1"),
                 "ERR Number of keys can't be greater than number of args");
    char sha[SHA1_HEX_BYTES];
    script_load(cl, "return 1", sha);
    expect_error(client_cmd(cl, "EVALSHA %s x", sha),
                 "ERR value is not an integer or out of range");
    expect_error(client_cmd(cl, "EVALSHA %s -5", sha), "ERR Number of keys can't be negative");
    expect_error(client_cmd(cl, "EVALSHA %s 2 a", sha),
                 "ERR Number of keys can't be greater than number of args");
    /* numkeys is checked before the script is looked up */
    expect_error(client_cmd(cl, "EVALSHA ffffffffffffffffffffffffffffffffffffffff 2 a"),
                 "ERR Number of keys can't be greater than number of args");
    expect_error(client_cmd(cl, "EVALSHA %s", sha),
                 "ERR wrong number of arguments for 'evalsha' command");
    expect_int(client_cmd(cl, "EVAL %s 1 a", "return 1"), 1); /* numkeys == args is fine */
}
END_TEST

START_TEST(test_call_string_commands)
{
    expect_str(client_cmd(cl, "EVAL %s 1 sk hello",
                          "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])"),
               "hello");
    expect_str(client_cmd(cl, "GET sk"), "hello"); /* the write is real */
    expect_int(client_cmd(cl, "EVAL %s 1 cnt", "return redis.call('incr', KEYS[1])"), 1);
    expect_int(client_cmd(cl, "EVAL %s 1 cnt", "return redis.call('INCRBY', KEYS[1], 10)"), 11);
    expect_int(client_cmd(cl, "EVAL %s 0", "return redis.call('append', 'ap', 'xy')"), 2);
    expect_int(client_cmd(cl, "EVAL %s 0", "return redis.call('StrLen', 'ap')"), 2);
    static const char *const mget[] = {"hello", NULL, "xy"};
    expect_strings(client_cmd(cl, "EVAL %s 0", "return redis.call('mget', 'sk', 'nokey', 'ap')"), 3,
                   mget);
    /* status replies are tables with an ok field, nil is false in RESP2 mode */
    expect_status(client_cmd(cl, "EVAL %s 0", "return redis.call('set', 'a', 'b')"), "OK");
    expect_str(client_cmd(cl, "EVAL %s 0", "return type(redis.call('ping'))"), "table");
    expect_str(client_cmd(cl, "EVAL %s 0", "return redis.call('ping').ok"), "PONG");
    expect_str(client_cmd(cl, "EVAL %s 0", "return type(redis.call('get', 'nokey'))"), "boolean");
    expect_str(client_cmd(cl, "EVAL %s 0", "return tostring(redis.call('get', 'nokey'))"), "false");
    expect_str(client_cmd(cl, "EVAL %s 0", "return type(redis.call('incr', 'cnt'))"), "number");
    expect_int(client_cmd(cl, "EVAL %s 0", "return redis.call('del', 'sk', 'a', 'nokey')"), 2);
    expect_nil(client_cmd(cl, "GET sk"));
    expect_int(client_cmd(cl, "EVAL %s 0", "return redis.call('exists', 'ap', 'cnt')"), 2);
}
END_TEST

/* Lua -> RESP2, checked on the wire. */
START_TEST(test_resp2_conversions)
{
    struct r3c *t = r3_connect(&srv);
    r3_expect_raw(t, ":3\r\n", "EVAL", "return 3.99", "0", NULL);
    r3_expect_raw(t, ":-3\r\n", "EVAL", "return -3.99", "0", NULL);
    r3_expect_raw(t, ":42\r\n", "EVAL", "return 42", "0", NULL);
    r3_expect_raw(t, "$5\r\nhello\r\n", "EVAL", "return 'hello'", "0", NULL);
    r3_expect_raw(t, "$0\r\n\r\n", "EVAL", "return ''", "0", NULL);
    r3_expect_raw(t, "$-1\r\n", "EVAL", "return nil", "0", NULL);
    r3_expect_raw(t, "$-1\r\n", "EVAL", "return false", "0", NULL);
    r3_expect_raw(t, ":1\r\n", "EVAL", "return true", "0", NULL);
    r3_expect_raw(t, "*0\r\n", "EVAL", "return {}", "0", NULL);
    /* an array stops at its first nil */
    r3_expect_raw(t, "*3\r\n:1\r\n:2\r\n:3\r\n", "EVAL", "return {1, 2, 3, nil, 4}", "0", NULL);
    r3_expect_raw(t, "*3\r\n:1\r\n$1\r\nx\r\n:2\r\n", "EVAL", "return {1.5, 'x', 2.9}", "0", NULL);
    r3_expect_raw(t, "*4\r\n:1\r\n*2\r\n:2\r\n*2\r\n:3\r\n$1\r\nx\r\n:1\r\n$-1\r\n", "EVAL",
                  "return {1, {2, {3, 'x'}}, true, false}", "0", NULL);
    r3_expect_raw(t, "+FINE\r\n", "EVAL", "return {ok = 'FINE'}", "0", NULL);
    r3_expect_raw(t, "-MYERR bad\r\n", "EVAL", "return {err = 'MYERR bad'}", "0", NULL);
    r3_expect_raw(t, "-bad\r\n", "EVAL", "return {err = 'bad'}", "0", NULL);
    /* RESP3-only types degrade to their RESP2 forms */
    r3_expect_raw(t, "$3\r\n3.5\r\n", "EVAL", "return {double = 3.5}", "0", NULL);
    r3_expect_raw(t, "*2\r\n$1\r\na\r\n:1\r\n", "EVAL", "return {map = {a = 1}}", "0", NULL);
    r3_expect_raw(t, "*1\r\n$1\r\na\r\n", "EVAL", "return {set = {a = true}}", "0", NULL);
    r3_expect_raw(t, "$22\r\n1234567890123456789012\r\n", "EVAL",
                  "return {big_number = '1234567890123456789012'}", "0", NULL);
    r3_expect_raw(t, "$5\r\nhello\r\n", "EVAL",
                  "return {verbatim_string = {format = 'txt', string = 'hello'}}", "0", NULL);
    r3_expect_raw(t, "+PONG\r\n", "PING", NULL); /* nothing extra was sent */
    r3_close(t);
}
END_TEST

/* Lua -> RESP3 for a HELLO 3 client; the script itself stays in RESP2 mode
 * unless it calls redis.setresp(3). */
START_TEST(test_resp3_conversions)
{
    struct r3c *t = r3_connect_resp3(&srv);
    r3_expect_raw(t, ":3\r\n", "EVAL", "return 3.99", "0", NULL);
    r3_expect_raw(t, "_\r\n", "EVAL", "return nil", "0", NULL);
    r3_expect_raw(t, "$2\r\nhi\r\n", "EVAL", "return 'hi'", "0", NULL);
    r3_expect_raw(t, "*2\r\n:1\r\n*1\r\n$1\r\nx\r\n", "EVAL", "return {1, {'x'}}", "0", NULL);
    r3_expect_raw(t, "*2\r\n:1\r\n:2\r\n", "EVAL", "return {1, 2, nil, 3}", "0", NULL);
    r3_expect_raw(t, "+FINE\r\n", "EVAL", "return {ok = 'FINE'}", "0", NULL);
    r3_expect_raw(t, "-MYERR bad\r\n", "EVAL", "return {err = 'MYERR bad'}", "0", NULL);
    r3_expect_raw(t, ",3.5\r\n", "EVAL", "return {double = 3.5}", "0", NULL);
    r3_expect_raw(t, ",0.10000000000000001\r\n", "EVAL", "return {double = 0.1}", "0", NULL);
    r3_expect_raw(t, ",10\r\n", "EVAL", "return {double = 10}", "0", NULL);
    r3_expect_raw(t, ",inf\r\n", "EVAL", "return {double = 1/0}", "0", NULL);
    r3_expect_raw(t, ",-inf\r\n", "EVAL", "return {double = -1/0}", "0", NULL);
    r3_expect_raw(t, "%1\r\n$1\r\na\r\n:1\r\n", "EVAL", "return {map = {a = 1}}", "0", NULL);
    r3_expect_raw(t, "~1\r\n$1\r\na\r\n", "EVAL", "return {set = {a = true}}", "0", NULL);
    r3_expect_raw(t, "%1\r\n$1\r\nk\r\n~1\r\n$1\r\nx\r\n", "EVAL",
                  "return {map = {k = {set = {x = true}}}}", "0", NULL);
    r3_expect_raw(t, "(123456789012345678901234567890\r\n", "EVAL",
                  "return {big_number = '123456789012345678901234567890'}", "0", NULL);
    r3_expect_raw(t, "=9\r\ntxt:hello\r\n", "EVAL",
                  "return {verbatim_string = {format = 'txt', string = 'hello'}}", "0", NULL);
    /* Booleans: a script in RESP2 mode answers true as 1 and false as null,
     * whatever the client's protocol; in RESP3 mode as RESP3 booleans. */
    r3_expect_raw(t, ":1\r\n", "EVAL", "return true", "0", NULL);
    r3_expect_raw(t, "_\r\n", "EVAL", "return false", "0", NULL);
    r3_expect_raw(t, "*2\r\n:1\r\n_\r\n", "EVAL", "return {true, false}", "0", NULL);
    r3_expect_raw(t, "#t\r\n", "EVAL", "redis.setresp(3); return true", "0", NULL);
    r3_expect_raw(t, "#f\r\n", "EVAL", "redis.setresp(3); return false", "0", NULL);
    r3_expect_raw(t, "*2\r\n#t\r\n#f\r\n", "EVAL", "redis.setresp(3); return {true, false, nil}",
                  "0", NULL);
    /* a RESP3 null from redis.call comes back as the RESP3 null */
    r3_expect_raw(t, "_\r\n", "EVAL", "redis.setresp(3); return redis.call('get', 'nokey')", "0",
                  NULL);
    r3_expect_raw(t, "+PONG\r\n", "PING", NULL);
    r3_close(t);
}
END_TEST

/* redis.setresp(3) changes what redis.call returns to the script. */
START_TEST(test_setresp)
{
    expect_str(client_cmd(cl, "EVAL %s 0", "return type(redis.call('get', 'nokey'))"), "boolean");
    expect_str(
        client_cmd(cl, "EVAL %s 0", "redis.setresp(2); return type(redis.call('get', 'nokey'))"),
        "boolean");
    expect_str(
        client_cmd(cl, "EVAL %s 0", "redis.setresp(3); return type(redis.call('get', 'nokey'))"),
        "nil");
    expect_str(client_cmd(cl, "EVAL %s 0",
                          "redis.setresp(3); return tostring(redis.call('get', 'nokey') == nil)"),
               "true");
    /* the mode lasts for the one script only */
    expect_str(client_cmd(cl, "EVAL %s 0", "return type(redis.call('get', 'nokey'))"), "boolean");
    /* a map reply (COMMAND DOCS) is a {map = ...} table in RESP3 mode, a flat
     * array in RESP2 mode */
    static const char *const as_map[] = {"table", "table", "1.0.0", "string"};
    expect_strings(client_cmd(cl, "EVAL %s 0",
                              "redis.setresp(3); local r = redis.call('command', 'docs', 'get'); "
                              "return {type(r.map), type(r.map.get.map), r.map.get.map.since, "
                              "r.map.get.map.group}"),
                   4, as_map);
    static const char *const as_array[] = {"nil", "get"};
    expect_strings(client_cmd(cl, "EVAL %s 0",
                              "local r = redis.call('command', 'docs', 'get'); "
                              "return {type(r.map), r[1]}"),
                   2, as_array);
    /* a RESP2 client gets RESP2 forms of the script's RESP3 values */
    struct r3c *t = r3_connect(&srv);
    r3_expect_raw(t, "$-1\r\n", "EVAL", "redis.setresp(3); return redis.call('get', 'nokey')", "0",
                  NULL);
    r3_expect_raw(t, ":1\r\n", "EVAL", "redis.setresp(3); return true", "0", NULL);
    r3_expect_raw(t, ":0\r\n", "EVAL", "redis.setresp(3); return false", "0", NULL);
    r3_expect_raw(t, "+PONG\r\n", "PING", NULL);
    r3_close(t);
    expect_eval_error(cl, "redis.setresp(4)", "ERR RESP version must be 2 or 3.", 1);
    expect_eval_error(cl, "redis.setresp()", "ERR redis.setresp() requires one argument.", 1);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* errors */

START_TEST(test_runtime_errors)
{
    expect_no_global(cl, "return nosuch.x", "nosuch");
    expect_eval_error(cl, "local a = nil; return a.b",
                      "ERR user_script:1: attempt to index local 'a' (a nil value)", 1);
    expect_eval_error(cl, "error('boom')", "ERR user_script:1: boom", 1);
    expect_eval_error(cl, "error({err = 'MY custom'})", "MY custom", 1);
    expect_eval_error(cl, "local x = 1\nlocal y = 2\nerror('third')", "ERR user_script:3: third",
                      3);
    /* a Redis error raised by redis.call names the script and the line */
    expect_status(client_cmd(cl, "SET str abc"), "OK");
    expect_eval_error(cl, "local x = 1\nreturn redis.call('incr', 'str')",
                      "ERR value is not an integer or out of range", 2);
    /* the same through EVALSHA */
    char sha[41], want[MSG_BYTES];
    script_load(cl, "error('from sha')", sha);
    script_error_text(want, sizeof want, "error('from sha')", "ERR user_script:1: from sha", 1);
    expect_error(client_cmd(cl, "EVALSHA %s 0", sha), want);
    /* the connection and the server carry on */
    expect_status(client_cmd(cl, "PING"), "PONG");
}
END_TEST

START_TEST(test_compile_errors)
{
    expect_error(client_cmd(cl, "EVAL %s 0", "return 1 +"),
                 "ERR Error compiling script (new function): user_script:1: unexpected symbol "
                 "near '<eof>'");
    expect_error(client_cmd(cl, "EVAL %s 0", "return 'unfinished"),
                 "ERR Error compiling script (new function): user_script:1: unfinished string "
                 "near '<eof>'");
    expect_error(client_cmd(cl, "SCRIPT LOAD %s", "return +"),
                 "ERR Error compiling script (new function): user_script:1: unexpected symbol "
                 "near '+'");
    /* a script that does not compile is not cached */
    char sha[SHA1_HEX_BYTES];
    sha1_hex("return 1 +", strlen("return 1 +"), sha);
    static const long long absent[] = {0};
    expect_ints(client_cmd(cl, "SCRIPT EXISTS %s", sha), 1, absent);
    ck_assert_int_eq(info_int(cl, "memory", "number_of_cached_scripts"), 0);
}
END_TEST

START_TEST(test_call_vs_pcall)
{
    expect_eval_error(cl, "return redis.call('nosuchcmd')",
                      "ERR Unknown Redis command called from script", 1);
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.pcall('nosuchcmd')"),
                 "ERR Unknown Redis command called from script");
    expect_eval_error(cl, "return redis.call('get')",
                      "ERR Wrong number of args calling Redis command from script", 1);
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.pcall('get')"),
                 "ERR Wrong number of args calling Redis command from script");
    expect_status(client_cmd(cl, "SET str abc"), "OK");
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.pcall('incr', 'str')"),
                 "ERR value is not an integer or out of range");
    /* pcall hands the error to the script as a table with an err field,
     * and the script goes on */
    expect_str(client_cmd(cl, "EVAL %s 0",
                          "local r = redis.pcall('incr', 'str'); redis.call('set', 'after', '1'); "
                          "return type(r) .. ':' .. r.err"),
               "table:ERR value is not an integer or out of range");
    expect_str(client_cmd(cl, "GET after"), "1");
    /* a successful pcall returns what call returns */
    expect_str(client_cmd(cl, "EVAL %s 0", "return redis.pcall('get', 'str')"), "abc");
    expect_status(client_cmd(cl, "EVAL %s 0", "return redis.pcall('set', 'p', '1')"), "OK");
    /* Lua's own pcall around redis.call catches the error as its text */
    static const char *const caught[] = {"false", "string",
                                         "ERR value is not an integer or out of range"};
    expect_strings(client_cmd(cl, "EVAL %s 0",
                              "local ok, e = pcall(redis.call, 'incr', 'str'); "
                              "return {tostring(ok), type(e), tostring(e)}"),
                   3, caught);
    /* after the failed call the key is unchanged */
    expect_str(client_cmd(cl, "GET str"), "abc");
}
END_TEST

START_TEST(test_error_status_reply)
{
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.error_reply('MYERR x')"), "MYERR x");
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.error_reply('x y')"), "x y");
    expect_status(client_cmd(cl, "EVAL %s 0", "return redis.status_reply('FINE')"), "FINE");
    static const char *const err_table[] = {"table", "ERR x"};
    expect_strings(
        client_cmd(cl, "EVAL %s 0", "local e = redis.error_reply('x'); return {type(e), e.err}"), 2,
        err_table);
    static const char *const ok_table[] = {"table", "x"};
    expect_strings(
        client_cmd(cl, "EVAL %s 0", "local s = redis.status_reply('x'); return {type(s), s.ok}"), 2,
        ok_table);
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.error_reply()"),
                 "ERR wrong number or type of arguments");
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.error_reply(5)"),
                 "ERR wrong number or type of arguments");
}
END_TEST

START_TEST(test_forbidden_commands)
{
    static const char *const bodies[] = {
        "return redis.call('multi')",
        "return redis.call('exec')",
        "return redis.call('config', 'get', 'hz')",
        "return redis.call('shutdown')",
        "return redis.call('shutdown', 'nosave')",
        "return redis.call('eval', 'return 1', '0')",
        "return redis.call('eval_ro', 'return 1', '0')",
        "return redis.call('fcall', 'f', '0')",
        "return redis.call('script', 'load', 'return 1')",
        "return redis.call('function', 'list')",
        "return redis.call('watch', 'x')",
        "return redis.call('client', 'list')",
        "return redis.call('auth', 'x')",
        "return redis.call('hello', '3')",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        expect_eval_error(cl, bodies[i], NOT_ALLOWED_ERR, 1);
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.pcall('multi')"), NOT_ALLOWED_ERR);
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.pcall('config', 'set', 'hz', '20')"),
                 NOT_ALLOWED_ERR);
    /* nothing of it happened: the server runs, the config is unchanged */
    ck_assert(server_alive(&srv));
    redisReply *r = client_cmd(cl, "CONFIG GET hz");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[1]->str, "10");
    freeReplyObject(r);
    expect_status(client_cmd(cl, "PING"), "PONG");
    expect_eval_error(cl, "return redis.call()",
                      "ERR Please specify at least one argument for this redis lib call", 1);
    /* commands a script may run: INFO, TIME, PING, SELECT */
    expect_int(client_cmd(cl, "EVAL %s 0", "return #redis.call('time')"), 2);
    expect_int(client_cmd(cl, "EVAL %s 0", "return redis.call('info', 'server') ~= nil"), 1);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* sandbox */

START_TEST(test_globals_protected)
{
    expect_eval_error(cl, "a = 5", READONLY_ERR, 1);
    expect_eval_error(cl, "_G.x = 1", READONLY_ERR, 1);
    expect_eval_error(cl, "function f() end", READONLY_ERR, 1);
    expect_no_global(cl, "return undefined_thing", "undefined_thing");
    expect_no_global(cl, "return a", "a"); /* the refused write left nothing */
    /* the protection itself cannot be removed; these errors carry no
     * position */
    expect_eval_error(cl, "setmetatable(_G, nil)", "ERR Attempt to modify a readonly table", 1);
    expect_eval_error(cl, "setmetatable(_G, {})", "ERR Attempt to modify a readonly table", 1);
    expect_eval_error(cl, "rawset(_G, 'x', 1)", "ERR Attempt to modify a readonly table", 1);
    expect_eval_error(cl, "local mt = getmetatable(_G); mt.__newindex = nil", READONLY_ERR, 1);
    /* locals are free */
    expect_int(client_cmd(cl, "EVAL %s 0", "local t = {}; t.x = 1; return t.x"), 1);
    expect_int(client_cmd(cl, "EVAL %s 0", "local function f(n) return n * 2 end; return f(21)"),
               42);
    expect_str(client_cmd(cl, "EVAL %s 0", "return _VERSION"), "Lua 5.1");
}
END_TEST

START_TEST(test_library_tables_readonly)
{
    static const char *const bodies[] = {
        "redis.call = function() return 1 end",
        "redis.newfield = 1",
        "cjson.encode = nil",
        "string.upper = nil",
        "math.floor = nil",
        "table.insert = nil",
        "bit.band = nil",
        "getmetatable('').__index.upper = nil",
        "getmetatable('').__index = {}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        expect_eval_error(cl, bodies[i], READONLY_ERR, 1);
    /* all of them still work */
    expect_status(client_cmd(cl, "EVAL %s 0", "return redis.call('ping')"), "PONG");
    expect_str(client_cmd(cl, "EVAL %s 0", "return string.upper('abc')"), "ABC");
    expect_str(client_cmd(cl, "EVAL %s 0", "local s = 'abc'; return s:upper()"), "ABC");
    expect_int(client_cmd(cl, "EVAL %s 0", "return math.floor(2.5)"), 2);
    expect_str(client_cmd(cl, "EVAL %s 0", "return cjson.encode({1})"), "[1]");
}
END_TEST

/* The read-only tables are the real tables: they can be read with rawget
 * and walked with pairs and next. */
START_TEST(test_readonly_tables_are_real)
{
    static const char *const raw[] = {"table", "function", "string"};
    expect_strings(client_cmd(cl, "EVAL %s 0",
                              "return {type(rawget(_G, 'redis')), type(rawget(string, 'upper')), "
                              "type(next(string))}"),
                   3, raw);
    expect_int(
        client_cmd(cl, "EVAL %s 0", "local n = 0 for _ in pairs(string) do n = n + 1 end return n"),
        15);
    expect_int(client_cmd(cl, "EVAL %s 0",
                          "local n = 0 for k in pairs(redis) do if k == 'call' or k == 'pcall' "
                          "then n = n + 1 end end return n"),
               2);
}
END_TEST

/* Nothing reached through the metatables of the protected tables lets a
 * script change what later scripts see. */
START_TEST(test_no_escape_through_metatables)
{
    /* a global set through _G's metatable does not appear */
    expect_int(client_cmd(cl, "EVAL %s 0",
                          "local mt = getmetatable(_G); local idx = mt and mt.__index; "
                          "if type(idx) == 'table' then idx.leaked = 1 end; return 1"),
               1);
    expect_no_global(cl, "return leaked", "leaked");
    /* nor a redis.call replaced through redis's metatable */
    expect_int(client_cmd(cl, "EVAL %s 0",
                          "local mt = getmetatable(redis); if mt and type(mt.__index) == 'table' "
                          "then mt.__index.call = function() return 42 end end; return 1"),
               1);
    expect_status(client_cmd(cl, "EVAL %s 0", "return redis.call('ping')"), "PONG");
    /* nor string.upper through string's metatable */
    expect_int(client_cmd(cl, "EVAL %s 0",
                          "local mt = getmetatable(string); if mt and type(mt.__index) == 'table' "
                          "then mt.__index.upper = function() return 'changed' end end; return 1"),
               1);
    expect_str(client_cmd(cl, "EVAL %s 0", "return string.upper('a')"), "A");
    expect_str(client_cmd(cl, "EVAL %s 0", "return ('a'):upper()"), "A");
}
END_TEST

START_TEST(test_bytecode_and_absent_globals)
{
    /* bytecode is refused: loadstring returns nil, load rejects strings */
    expect_int(client_cmd(cl, "EVAL %s 0",
                          "local f = loadstring(string.dump(function() return 1 end)); "
                          "return f == nil"),
               1);
    expect_eval_error(
        cl, "return load(string.dump(function() return 1 end))",
        "ERR user_script:1: bad argument #1 to 'load' (function expected, got string)", 1);
    expect_int(client_cmd(cl, "EVAL %s 0", "local f = loadstring('return 7'); return f()"), 7);
    /* what the sandbox leaves out */
    static const char *const absent[] = {"os",       "io",      "print",   "require",
                                         "loadfile", "dofile",  "debug",   "module",
                                         "package",  "setfenv", "getfenv", "newproxy"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "return type(%s)", absent[i]);
        expect_no_global(cl, body, absent[i]);
    }
    expect_no_global(cl, "return os.time()", "os");
    /* and what it keeps */
    static const char *const present[] = {"table", "function", "function", "function", "function"};
    expect_strings(client_cmd(cl, "EVAL %s 0",
                              "return {type(coroutine), type(collectgarbage), type(gcinfo), "
                              "type(xpcall), type(unpack)}"),
                   5, present);
}
END_TEST

START_TEST(test_libraries)
{
    expect_str(client_cmd(cl, "EVAL %s 0", "return cjson.encode({1, 2, {a = 1}})"),
               "[1,2,{\"a\":1}]");
    expect_int(client_cmd(cl, "EVAL %s 0", "return cjson.decode('[1,2,{\"a\":3}]')[3].a"), 3);
    expect_int(client_cmd(cl, "EVAL %s 0", "return bit.band(0xff, 0x0f)"), 15);
    expect_str(client_cmd(cl, "EVAL %s 0", "return bit.tohex(65535)"), "0000ffff");
    redisReply *r = client_cmd(cl, "EVAL %s 0", "return struct.pack('>I2', 258)");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 2);
    ck_assert_int_eq(memcmp(r->str, "\x01\x02", 2), 0);
    freeReplyObject(r);
    static const long long unpacked[] = {258, 3};
    expect_ints(client_cmd(cl, "EVAL %s 0", "return {struct.unpack('>I2', '\\1\\2')}"), 2,
                unpacked);
    r = client_cmd(cl, "EVAL %s 0", "return cmsgpack.pack({1, 2, 3})");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 4);
    ck_assert_int_eq(memcmp(r->str, "\x93\x01\x02\x03", 4), 0);
    freeReplyObject(r);
    static const long long round_trip[] = {1, 2, 3};
    expect_ints(client_cmd(cl, "EVAL %s 0", "return cmsgpack.unpack(cmsgpack.pack({1, 2, 3}))"), 3,
                round_trip);
    expect_str(client_cmd(cl, "EVAL %s 0", "return redis.sha1hex('')"),
               "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    char sha[SHA1_HEX_BYTES];
    sha1_hex("tidecache", 9, sha);
    expect_str(client_cmd(cl, "EVAL %s 0", "return redis.sha1hex('tidecache')"), sha);
    expect_int(client_cmd(cl, "EVAL %s 0", "redis.log(redis.LOG_WARNING, 'from a test'); return 1"),
               1);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* EVALSHA and the script cache */

START_TEST(test_evalsha_noscript)
{
    const char *body = "return {KEYS[1], ARGV[1]}";
    char sha[41], upper[41];
    sha1_hex(body, strlen(body), sha);
    for (int i = 0; i < 41; i++)
        upper[i] = (char)(sha[i] >= 'a' && sha[i] <= 'f' ? sha[i] - 'a' + 'A' : sha[i]);
    expect_error(client_cmd(cl, "EVALSHA %s 1 k a", sha),
                 "NOSCRIPT No matching script. Please use EVAL.");
    expect_error(client_cmd(cl, "EVALSHA abc 0"), "NOSCRIPT No matching script. Please use EVAL.");
    expect_error(client_cmd(cl, "EVALSHA_RO %s 0", sha),
                 "NOSCRIPT No matching script. Please use EVAL.");
    /* EVAL caches what it runs */
    static const char *const ka[] = {"k", "a"};
    expect_strings(client_cmd(cl, "EVAL %s 1 k a", body), 2, ka);
    static const char *const kb[] = {"k2", "b"};
    expect_strings(client_cmd(cl, "EVALSHA %s 1 k2 b", sha), 2, kb);
    expect_strings(client_cmd(cl, "EVALSHA %s 1 k2 b", upper), 2, kb);
    expect_strings(client_cmd(cl, "EVALSHA_RO %s 1 k2 b", sha), 2, kb);
    expect_status(client_cmd(cl, "SCRIPT FLUSH"), "OK");
    expect_error(client_cmd(cl, "EVALSHA %s 1 k a", sha),
                 "NOSCRIPT No matching script. Please use EVAL.");
}
END_TEST

START_TEST(test_script_load_exists_flush)
{
    expect_str(client_cmd(cl, "SCRIPT LOAD %s", "return 1"),
               "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    expect_int(client_cmd(cl, "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"), 1);
    static const long long exist[] = {1, 1, 0, 0};
    expect_ints(client_cmd(cl, "SCRIPT EXISTS E0E1F9FABFC9D4800C877A703B823AC0578FF8DB "
                               "e0e1f9fabfc9d4800c877a703b823ac0578ff8db ffff "
                               "0000000000000000000000000000000000000000"),
                4, exist);
    /* loading twice is fine and answers the same */
    expect_str(client_cmd(cl, "SCRIPT LOAD %s", "return 1"),
               "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    expect_status(client_cmd(cl, "SCRIPT FLUSH"), "OK");
    static const long long gone[] = {0};
    expect_ints(client_cmd(cl, "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db"), 1, gone);
    char sha[SHA1_HEX_BYTES];
    script_load(cl, "return 2", sha);
    expect_status(client_cmd(cl, "SCRIPT FLUSH ASYNC"), "OK");
    expect_ints(client_cmd(cl, "SCRIPT EXISTS %s", sha), 1, gone);
    script_load(cl, "return 3", sha);
    expect_status(client_cmd(cl, "script flush sync"), "OK");
    expect_ints(client_cmd(cl, "SCRIPT EXISTS %s", sha), 1, gone);
    expect_error(client_cmd(cl, "SCRIPT FLUSH bad"),
                 "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    expect_error(client_cmd(cl, "SCRIPT FLUSH SYNC ASYNC"),
                 "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
}
END_TEST

START_TEST(test_script_subcommand_errors)
{
    expect_error(client_cmd(cl, "SCRIPT"), "ERR wrong number of arguments for 'script' command");
    expect_error(client_cmd(cl, "SCRIPT EXISTS"),
                 "ERR wrong number of arguments for 'script|exists' command");
    expect_error(client_cmd(cl, "SCRIPT LOAD"),
                 "ERR wrong number of arguments for 'script|load' command");
    expect_error(client_cmd(cl, "SCRIPT LOAD a b"),
                 "ERR wrong number of arguments for 'script|load' command");
    expect_error(client_cmd(cl, "SCRIPT NOSUCH"),
                 "ERR unknown subcommand 'NOSUCH'. Try SCRIPT HELP.");
    expect_error(client_cmd(cl, "SCRIPT HELP x"),
                 "ERR wrong number of arguments for 'script|help' command");
    expect_error(client_cmd(cl, "SCRIPT KILL"), "NOTBUSY No scripts in execution right now.");
    expect_error(client_cmd(cl, "FUNCTION KILL"), "NOTBUSY No scripts in execution right now.");
    redisReply *r = client_cmd(cl, "SCRIPT HELP");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_ge(r->elements, 8);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r->element[0]->str,
                     "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    freeReplyObject(r);
}
END_TEST

START_TEST(test_info_cached_scripts_memory)
{
    static const char *const fields[] = {"used_memory_lua",          "used_memory_vm_eval",
                                         "used_memory_scripts_eval", "number_of_cached_scripts",
                                         "number_of_functions",      "number_of_libraries",
                                         "used_memory_vm_functions", "used_memory_vm_total",
                                         "used_memory_functions",    "used_memory_scripts"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        ck_assert_int_ge(info_int(cl, "memory", fields[i]), 0);
    ck_assert_int_gt(info_int(cl, "memory", "used_memory_vm_eval"), 0);
    ck_assert_int_eq(info_int(cl, "memory", "number_of_cached_scripts"), 0);
    char sha[SHA1_HEX_BYTES];
    script_load(cl, "return 'a'", sha);
    script_load(cl, "return 'b'", sha);
    script_load(cl, "return 'b'", sha); /* the same one again */
    expect_int(client_cmd(cl, "EVAL %s 0", "return 4"), 4);
    ck_assert_int_eq(info_int(cl, "memory", "number_of_cached_scripts"), 3);
    expect_status(client_cmd(cl, "SCRIPT FLUSH"), "OK");
    ck_assert_int_eq(info_int(cl, "memory", "number_of_cached_scripts"), 0);

    /* many scripts: the memory they take shows, and goes with SCRIPT FLUSH */
    enum { SCRIPTS = 500, MIN_GROWTH = 40000 };
    long long used0 = info_int(cl, "memory", "used_memory");
    long long eval0 = info_int(cl, "memory", "used_memory_scripts_eval");
    for (int i = 0; i < SCRIPTS; i++)
        redisAppendCommand(cl, "SCRIPT LOAD %s",
                           "return 'a script body long enough to take some room in the cache'");
    for (int i = 0; i < SCRIPTS; i++) {
        char body[128];
        snprintf(body, sizeof body, "return 'script %d, a body long enough to take some room'", i);
        redisAppendCommand(cl, "SCRIPT LOAD %s", body);
    }
    for (int i = 0; i < 2 * SCRIPTS; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(cl, (void **)&r), REDIS_OK);
        ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
        freeReplyObject(r);
    }
    ck_assert_int_eq(info_int(cl, "memory", "number_of_cached_scripts"), SCRIPTS + 1);
    long long used1 = info_int(cl, "memory", "used_memory");
    long long eval1 = info_int(cl, "memory", "used_memory_scripts_eval");
    ck_assert_msg(used1 >= used0 + MIN_GROWTH, "used_memory %lld -> %lld", used0, used1);
    ck_assert_msg(eval1 >= eval0 + MIN_GROWTH, "used_memory_scripts_eval %lld -> %lld", eval0,
                  eval1);
    expect_status(client_cmd(cl, "SCRIPT FLUSH"), "OK");
    ck_assert_int_eq(info_int(cl, "memory", "number_of_cached_scripts"), 0);
    long long used2 = info_int(cl, "memory", "used_memory");
    long long eval2 = info_int(cl, "memory", "used_memory_scripts_eval");
    ck_assert_msg(used2 <= used1 - MIN_GROWTH, "used_memory %lld -> %lld after SCRIPT FLUSH", used1,
                  used2);
    ck_assert_msg(eval2 <= eval0 + 1024, "used_memory_scripts_eval %lld after SCRIPT FLUSH", eval2);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* shebang flags */

START_TEST(test_shebang_no_writes)
{
    char want[MSG_BYTES];
    const char *w = "#!lua flags=no-writes\nreturn redis.call('set', 'x', '1')";
    script_error_text(want, sizeof want, w, RO_SCRIPT_ERR, 2);
    expect_error(client_cmd(cl, "EVAL %s 1 x", w), want);
    expect_int(client_cmd(cl, "EXISTS x"), 0);
    expect_error(
        client_cmd(cl, "EVAL %s 1 x", "#!lua flags=no-writes\nreturn redis.pcall('set', 'x', '1')"),
        RO_SCRIPT_ERR);
    expect_status(client_cmd(cl, "SET x v"), "OK");
    expect_str(
        client_cmd(cl, "EVAL %s 1 x", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])"),
        "v");
    /* a #!lua script without flags may write */
    expect_status(client_cmd(cl, "EVAL %s 1 y", "#!lua\nreturn redis.call('set', KEYS[1], '2')"),
                  "OK");
    expect_str(client_cmd(cl, "GET y"), "2");
    /* several flags, an empty list */
    expect_int(client_cmd(cl, "EVAL %s 0", "#!lua flags=no-writes,allow-oom\nreturn 1"), 1);
    expect_int(client_cmd(cl, "EVAL %s 0", "#!lua flags=\nreturn 1"), 1);
    expect_int(
        client_cmd(cl, "EVAL %s 0",
                   "#!lua flags=allow-stale,no-cluster,allow-cross-slot-keys,allow-oom\nreturn 1"),
        1);
    expect_int(client_cmd(cl, "EVAL %s 0", "#!lua  flags=no-writes\nreturn 1"), 1);
}
END_TEST

START_TEST(test_eval_ro)
{
    char want[MSG_BYTES];
    const char *w = "return redis.call('set', 'x', '1')";
    script_error_text(want, sizeof want, w, RO_SCRIPT_ERR, 1);
    expect_error(client_cmd(cl, "EVAL_RO %s 1 x", w), want);
    expect_error(client_cmd(cl, "EVAL_RO %s 1 x", "return redis.pcall('set', 'x', '1')"),
                 RO_SCRIPT_ERR);
    expect_int(client_cmd(cl, "EXISTS x"), 0);
    expect_status(client_cmd(cl, "SET x v"), "OK");
    /* a script without shebang reads fine through EVAL_RO */
    expect_str(client_cmd(cl, "EVAL_RO %s 1 x", "return redis.call('get', KEYS[1])"), "v");
    /* a #!lua script without no-writes cannot be started by *_RO at all */
    expect_error(client_cmd(cl, "EVAL_RO %s 0", "#!lua\nreturn 1"), RO_COMMAND_ERR);
    expect_error(client_cmd(cl, "EVAL_RO %s 0", "#!lua flags=allow-oom\nreturn 1"), RO_COMMAND_ERR);
    expect_int(client_cmd(cl, "EVAL_RO %s 0", "#!lua flags=no-writes\nreturn 1"), 1);
    char sha[SHA1_HEX_BYTES];
    script_load(cl, "#!lua\nreturn redis.call('get', 'x')", sha);
    expect_error(client_cmd(cl, "EVALSHA_RO %s 0", sha), RO_COMMAND_ERR);
    expect_str(client_cmd(cl, "EVALSHA %s 0", sha), "v");
    script_load(cl, "return redis.call('set', 'x', 'w')", sha);
    script_error_text(want, sizeof want, "return redis.call('set', 'x', 'w')", RO_SCRIPT_ERR, 1);
    expect_error(client_cmd(cl, "EVALSHA_RO %s 1 x", sha), want);
    expect_str(client_cmd(cl, "GET x"), "v");
}
END_TEST

START_TEST(test_shebang_errors)
{
    expect_error(client_cmd(cl, "EVAL %s 0", "#!lua flags=bogus\nreturn 1"),
                 "ERR Unexpected flag in script shebang: bogus");
    expect_error(client_cmd(cl, "EVAL %s 0", "#!lua flags=no-writes,what?\nreturn 1"),
                 "ERR Unexpected flag in script shebang: what?");
    expect_error(client_cmd(cl, "EVAL %s 0", "#!python\nreturn 1"),
                 "ERR Unexpected engine in script shebang: #!python");
    expect_error(client_cmd(cl, "EVAL %s 0", "#!luA\nreturn 1"),
                 "ERR Unexpected engine in script shebang: #!luA");
    expect_error(client_cmd(cl, "EVAL %s 0", "#! lua\nreturn 1"),
                 "ERR Unexpected engine in script shebang: #!");
    expect_error(client_cmd(cl, "EVAL %s 0", "#!lua name=x\nreturn 1"),
                 "ERR Unknown lua shebang option: name=x");
    expect_error(client_cmd(cl, "EVAL %s 0", "#!lua"), "ERR Invalid script shebang");
    expect_error(client_cmd(cl, "SCRIPT LOAD %s", "#!lua flags=bogus\nreturn 1"),
                 "ERR Unexpected flag in script shebang: bogus");
    ck_assert_int_eq(info_int(cl, "memory", "number_of_cached_scripts"), 0);
}
END_TEST

START_TEST(test_shebang_line_numbers)
{
    char want[MSG_BYTES];
    const char *body = "#!lua\nreturn nosuch";
    script_error_text(
        want, sizeof want, body,
        "ERR user_script:2: Script attempted to access nonexistent global variable 'nosuch'", 2);
    expect_error(client_cmd(cl, "EVAL %s 0", body), want);
    body = "#!lua\n\nerror('x')";
    script_error_text(want, sizeof want, body, "ERR user_script:3: x", 3);
    expect_error(client_cmd(cl, "EVAL %s 0", body), want);
    expect_error(client_cmd(cl, "EVAL %s 0", "#!lua\nreturn 1 +"),
                 "ERR Error compiling script (new function): user_script:2: unexpected symbol near "
                 "'<eof>'");
    expect_int(client_cmd(cl, "EVAL %s 0", "#!lua\nreturn 7"), 7);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* scripts under maxmemory */

static void enter_oom(redisContext *h)
{
    expect_status(client_cmd(h, "SET mk v"), "OK");
    expect_status(client_cmd(h, "CONFIG SET maxmemory-policy noeviction"), "OK");
    expect_status(client_cmd(h, "CONFIG SET maxmemory 1"), "OK");
    expect_error(client_cmd(h, "SET other 1"), OOM_ERR);
}

static void leave_oom(redisContext *h)
{
    expect_status(client_cmd(h, "CONFIG SET maxmemory 0"), "OK");
    expect_status(client_cmd(h, "SET other 1"), "OK");
}

START_TEST(test_oom_compat_mode)
{
    enter_oom(cl);
    /* a script without shebang runs; its write is refused, its read works */
    char want[MSG_BYTES];
    const char *w = "return redis.call('set', 'x', '1')";
    script_error_text(want, sizeof want, w, OOM_ERR, 1);
    expect_error(client_cmd(cl, "EVAL %s 1 x", w), want);
    expect_error(client_cmd(cl, "EVAL %s 1 x", "return redis.pcall('set', 'x', '1')"), OOM_ERR);
    expect_int(
        client_cmd(cl, "EVAL %s 1 x",
                   "local t = redis.pcall('set', 'x', 'y'); "
                   "if t['err'] == \"OOM command not allowed when used memory > 'maxmemory'.\" "
                   "then return 1 else return 0 end"),
        1);
    expect_str(client_cmd(cl, "EVAL %s 1 mk", "return redis.call('get', KEYS[1])"), "v");
    expect_str(client_cmd(cl, "EVAL_RO %s 1 mk", "return redis.call('get', KEYS[1])"), "v");
    expect_int(client_cmd(cl, "EVAL %s 0", "return 1"), 1);
    leave_oom(cl);
    expect_status(client_cmd(cl, "EVAL %s 1 x", w), "OK");
}
END_TEST

START_TEST(test_oom_shebang)
{
    enter_oom(cl);
    /* a #!lua script without allow-oom does not start, whatever it does */
    expect_error(client_cmd(cl, "EVAL %s 0", "#!lua\nreturn redis.call('get', 'mk')"), OOM_ERR);
    expect_error(client_cmd(cl, "EVAL %s 0", "#!lua flags=\nreturn 1"), OOM_ERR);
    char sha[SHA1_HEX_BYTES];
    script_load(cl, "#!lua\nreturn 5", sha);
    expect_error(client_cmd(cl, "EVALSHA %s 0", sha), OOM_ERR);
    /* no-writes implies allow-oom */
    expect_str(client_cmd(cl, "EVAL %s 0", "#!lua flags=no-writes\nreturn redis.call('get', 'mk')"),
               "v");
    expect_int(client_cmd(cl, "EVAL_RO %s 1 mk",
                          "#!lua flags=no-writes\nredis.call('get', KEYS[1]); return 1"),
               1);
    /* allow-oom runs, and may write */
    expect_int(client_cmd(cl, "EVAL %s 1 x",
                          "#!lua flags=allow-oom\nredis.call('set', KEYS[1], '1'); return 1"),
               1);
    expect_str(
        client_cmd(cl, "EVAL %s 1 x", "#!lua flags=allow-oom\nreturn redis.call('get', KEYS[1])"),
        "1");
    leave_oom(cl);
    expect_int(client_cmd(cl, "EVAL %s 0", "#!lua\nreturn 5"), 5);
}
END_TEST

/* A transaction holding a denyoom script when memory runs out before EXEC. */
START_TEST(test_oom_transaction)
{
    redisContext *other = client_connect(&srv);
    expect_status(client_cmd(cl, "SET mk v"), "OK");
    expect_status(client_cmd(cl, "MULTI"), "OK");
    expect_status(client_cmd(cl, "EVAL %s 0", "#!lua\nreturn 1"), "QUEUED");
    expect_status(client_cmd(cl, "EVAL %s 0", "return redis.call('set', 'q', '1')"), "QUEUED");
    expect_status(client_cmd(other, "CONFIG SET maxmemory 1"), "OK");
    expect_error(client_cmd(cl, "EXEC"),
                 "EXECABORT Transaction discarded because of: OOM command not allowed when used "
                 "memory > 'maxmemory'.");
    expect_status(client_cmd(other, "CONFIG SET maxmemory 0"), "OK");
    expect_int(client_cmd(cl, "EXISTS q"), 0);
    redisFree(other);
}
END_TEST

START_TEST(test_oom_functions)
{
    expect_str(client_cmd(cl, "FUNCTION LOAD %s",
                          "#!lua name=oomlib\n"
                          "redis.register_function('plain', function() return 1 end)\n"
                          "redis.register_function{function_name = 'ro', callback = function() "
                          "return redis.call('get', 'mk') end, flags = {'no-writes'}}\n"
                          "redis.register_function{function_name = 'ao', callback = function() "
                          "return redis.call('set', 'aok', '1') end, flags = {'allow-oom'}}"),
               "oomlib");
    enter_oom(cl);
    expect_error(client_cmd(cl, "FCALL plain 0"), OOM_ERR);
    expect_str(client_cmd(cl, "FCALL ro 0"), "v");
    expect_str(client_cmd(cl, "FCALL_RO ro 0"), "v");
    expect_status(client_cmd(cl, "FCALL ao 0"), "OK");
    expect_error(
        client_cmd(cl, "FUNCTION LOAD %s",
                   "#!lua name=oom2\nredis.register_function('p2', function() return 1 end)"),
        OOM_ERR);
    leave_oom(cl);
    expect_str(client_cmd(cl, "GET aok"), "1");
    expect_int(client_cmd(cl, "FCALL plain 0"), 1);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* busy scripts */

static void busy_start(void)
{
    server_start(&srv, "busy-reply-threshold " BUSY_THRESHOLD_MS "\n");
    cl = client_connect(&srv);
}

START_TEST(test_busy_script_kill)
{
    /* lua-time-limit is the old name of the same option */
    redisReply *r = client_cmd(cl, "CONFIG GET lua-time-limit");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[1]->str, BUSY_THRESHOLD_MS);
    freeReplyObject(r);
    expect_status(client_cmd(cl, "CONFIG SET busy-reply-threshold 50"), "OK");

    const char *spin = "while true do end";
    struct r3c *runner = r3_connect(&srv);
    send_only(runner, "EVAL", spin, "0", NULL);
    wait_busy(cl, BUSY_EVAL_ERR);
    expect_error(client_cmd(cl, "GET k"), BUSY_EVAL_ERR);
    expect_error(client_cmd(cl, "INFO"), BUSY_EVAL_ERR);
    expect_error(client_cmd(cl, "SHUTDOWN"), BUSY_EVAL_ERR);
    expect_error(client_cmd(cl, "FUNCTION STATS"), BUSY_EVAL_ERR);
    expect_error(client_cmd(cl, "FUNCTION KILL"), BUSY_EVAL_ERR); /* the wrong kind */
    /* MULTI is allowed, the commands queued after it are not */
    redisContext *tx = client_connect(&srv);
    expect_status(client_cmd(tx, "MULTI"), "OK");
    expect_error(client_cmd(tx, "GET k"), BUSY_EVAL_ERR);
    /* EXEC refused as busy discards the transaction at once, saying why */
    redisContext *tx2 = client_connect(&srv);
    expect_status(client_cmd(tx2, "MULTI"), "OK");
    expect_error(client_cmd(tx2, "EXEC"),
                 "EXECABORT Transaction discarded because of: " BUSY_EVAL_ERR);
    expect_error(client_cmd(tx2, "EXEC"), BUSY_EVAL_ERR);
    redisFree(tx2);
    expect_status(client_cmd(cl, "SCRIPT KILL"), "OK");
    char want[MSG_BYTES];
    script_error_text(want, sizeof want, spin, KILLED_ERR, 1);
    r3_expect_error(r3_read(runner), want);
    expect_error(client_cmd(tx, "EXEC"),
                 "EXECABORT Transaction discarded because of previous errors.");
    redisFree(tx);
    expect_status(client_cmd(cl, "PING"), "PONG");
    expect_error(client_cmd(cl, "SCRIPT KILL"), "NOTBUSY No scripts in execution right now.");
    /* the killed connection is usable */
    struct r3 *pong = r3_cmd(runner, "PING", NULL);
    r3_expect_status(pong, "PONG");
    /* pcall cannot swallow the kill */
    const char *stubborn = "while true do pcall(function() while true do end end) end";
    send_only(runner, "EVAL", stubborn, "0", NULL);
    wait_busy(cl, BUSY_EVAL_ERR);
    expect_status(client_cmd(cl, "SCRIPT KILL"), "OK");
    script_error_text(want, sizeof want, stubborn, KILLED_ERR, 1);
    r3_expect_error(r3_read(runner), want);
    expect_status(client_cmd(cl, "PING"), "PONG");
    r3_close(runner);
}
END_TEST

/* A script that wrote cannot be killed; SHUTDOWN NOSAVE still stops the
 * server. */
START_TEST(test_unkillable_script)
{
    struct r3c *runner = r3_connect(&srv);
    send_only(runner, "EVAL", "redis.call('set', 'w', '1') while true do end", "0", NULL);
    wait_busy(cl, BUSY_EVAL_ERR);
    expect_error(client_cmd(cl, "SCRIPT KILL"), UNKILLABLE_ERR);
    expect_error(client_cmd(cl, "FUNCTION KILL"), UNKILLABLE_ERR);
    expect_error(client_cmd(cl, "PING"), BUSY_EVAL_ERR);
    expect_error(client_cmd(cl, "SHUTDOWN"), BUSY_EVAL_ERR);
    expect_error(client_cmd(cl, "SHUTDOWN SAVE"), BUSY_EVAL_ERR);
    ck_assert(server_alive(&srv));
    redisReply *r = redisCommand(cl, "SHUTDOWN NOSAVE");
    ck_assert_msg(r == NULL, "SHUTDOWN NOSAVE answered type %d (%s)", r ? r->type : 0,
                  r && r->str ? r->str : "");
    ck_assert_msg(wait_exit(&srv, WAIT_MS), "the server did not exit after SHUTDOWN NOSAVE");
    ck_assert(r3_closed(runner));
    r3_close(runner);
}
END_TEST

START_TEST(test_function_busy_kill)
{
    expect_str(
        client_cmd(cl, "FUNCTION LOAD %s",
                   "#!lua name=busy\n"
                   "redis.register_function{function_name = 'spin', callback = function() "
                   "while true do end end, flags = {'no-writes'}}\n"
                   "redis.register_function('spinw', function() redis.call('set', 'fw', '1') "
                   "while true do end end)"),
        "busy");
    struct r3c *runner = r3_connect(&srv);
    send_only(runner, "FCALL", "spin", "0", NULL);
    wait_busy(cl, BUSY_FUNCTION_ERR);
    /* FUNCTION STATS names the running function */
    redisReply *r = client_cmd(cl, "FUNCTION STATS");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 4);
    ck_assert_str_eq(r->element[0]->str, "running_script");
    redisReply *run = r->element[1];
    ck_assert_int_eq(run->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(run->elements, 6);
    ck_assert_str_eq(run->element[0]->str, "name");
    ck_assert_str_eq(run->element[1]->str, "spin");
    ck_assert_str_eq(run->element[2]->str, "command");
    static const char *const cmd[] = {"FCALL", "spin", "0"};
    ck_assert_uint_eq(run->element[3]->elements, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(run->element[3]->element[i]->str, cmd[i]);
    ck_assert_str_eq(run->element[4]->str, "duration_ms");
    ck_assert_int_eq(run->element[5]->type, REDIS_REPLY_INTEGER);
    ck_assert_int_ge(run->element[5]->integer, 0);
    ck_assert_str_eq(r->element[2]->str, "engines");
    freeReplyObject(r);
    /* SCRIPT KILL is the wrong kind */
    expect_error(client_cmd(cl, "SCRIPT KILL"), BUSY_FUNCTION_ERR);
    expect_status(client_cmd(cl, "FUNCTION KILL"), "OK");
    r3_expect_error(r3_read(runner), KILLED_ERR " script: spin, on @user_function:2.");
    expect_status(client_cmd(cl, "PING"), "PONG");

    /* the same from RESP3, through FCALL_RO */
    struct r3c *t = r3_connect_resp3(&srv);
    send_only(runner, "FCALL_RO", "spin", "0", NULL);
    wait_busy(cl, BUSY_FUNCTION_ERR);
    struct r3 *stats = r3_cmd(t, "FUNCTION", "STATS", NULL);
    ck_assert_msg(stats && stats->type == R3_MAP, "%s", r3_show(stats));
    struct r3 *running = r3_map_get(stats, "running_script");
    ck_assert_msg(running && running->type == R3_MAP, "%s", r3_show(stats));
    struct r3 *name = r3_map_get(running, "name");
    ck_assert_msg(name && name->type == R3_BULK && strcmp(name->str, "spin") == 0, "%s",
                  r3_show(running));
    struct r3 *command = r3_map_get(running, "command");
    ck_assert_msg(command && command->type == R3_ARRAY && command->n == 3 &&
                      strcmp(command->elem[0]->str, "FCALL_RO") == 0,
                  "%s", r3_show(running));
    r3_free(stats);
    r3_expect_status(r3_cmd(t, "FUNCTION", "KILL", NULL), "OK");
    r3_expect_error(r3_read(runner), KILLED_ERR " script: spin, on @user_function:2.");
    r3_close(t);

    /* a function that wrote cannot be killed either */
    send_only(runner, "FCALL", "spinw", "0", NULL);
    wait_busy(cl, BUSY_FUNCTION_ERR);
    expect_error(client_cmd(cl, "FUNCTION KILL"), UNKILLABLE_ERR);
    expect_error(client_cmd(cl, "SCRIPT KILL"), UNKILLABLE_ERR);
    redisReply *gone = redisCommand(cl, "SHUTDOWN NOSAVE");
    ck_assert_ptr_null(gone);
    ck_assert_msg(wait_exit(&srv, WAIT_MS), "the server did not exit after SHUTDOWN NOSAVE");
    r3_close(runner);
}
END_TEST

/* SIGTERM while a script that wrote is busy: the shutdown waits for the
 * script to end (it cannot be killed), then the server exits by itself. */
/* SIGTERM while a script that wrote is busy: the script is stopped and the
 * server exits at once, cleanly. (Redis waits for the script to end; a
 * cache keeps nothing past its exit, so an operator's stop is not held up
 * by a script that would otherwise have to be killed.) The script would run
 * SCRIPT_MS; the exit comes long before. */
START_TEST(test_sigterm_while_busy)
{
    enum { SCRIPT_MS = 20000 };
    char body[512];
    snprintf(body, sizeof body,
             "redis.call('set', 'sigkey', '1')\n"
             "local function now() local t = redis.call('time') "
             "return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end\n"
             "local stop = now() + %d\n"
             "while now() < stop do end\n"
             "return 'done'",
             SCRIPT_MS);
    struct r3c *runner = r3_connect(&srv);
    send_only(runner, "EVAL", body, "0", NULL);
    wait_busy(cl, BUSY_EVAL_ERR);
    expect_error(client_cmd(cl, "SCRIPT KILL"), UNKILLABLE_ERR);
    long long signalled = mono_ms();
    ck_assert_int_eq(kill(srv.pid, SIGTERM), 0);
    ck_assert_msg(wait_exit(&srv, 2 * WAIT_MS), "the server did not exit after SIGTERM");
    ck_assert_int_lt(mono_ms() - signalled, SCRIPT_MS / 2);
    r3_close(runner);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* functions */

#define MYLIB                                                                                      \
    "#!lua name=mylib\n"                                                                           \
    "redis.register_function('myfunc', function(keys, args) return {keys[1], args[1], #keys, "     \
    "#args} end)"

START_TEST(test_function_load_fcall)
{
    ck_assert_int_eq(info_int(cl, "memory", "number_of_functions"), 0);
    ck_assert_int_eq(info_int(cl, "memory", "number_of_libraries"), 0);
    expect_str(client_cmd(cl, "FUNCTION LOAD %s", MYLIB), "mylib");
    redisReply *r = client_cmd(cl, "FCALL myfunc 1 k a b");
    ck_assert_uint_eq(r->elements, 4);
    ck_assert_str_eq(r->element[0]->str, "k");
    ck_assert_str_eq(r->element[1]->str, "a");
    ck_assert_int_eq(r->element[2]->integer, 1);
    ck_assert_int_eq(r->element[3]->integer, 2);
    freeReplyObject(r);
    /* function names are case-insensitive */
    r = client_cmd(cl, "FCALL MyFunc 0");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 0); /* keys[1] is nil: the array ends there */
    freeReplyObject(r);
    r = client_cmd(cl, "FCALL_RO MYFUNC 1 k");
    /* myfunc has no no-writes flag */
    ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->str, RO_COMMAND_ERR);
    freeReplyObject(r);
    expect_error(client_cmd(cl, "FCALL nosuch 0"), "ERR Function not found");
    expect_error(client_cmd(cl, "FCALL myfunc x"), "ERR Bad number of keys provided");
    expect_error(client_cmd(cl, "FCALL myfunc -1"), "ERR Number of keys can't be negative");
    expect_error(client_cmd(cl, "FCALL myfunc 3 a"),
                 "ERR Number of keys can't be greater than number of args");
    expect_error(client_cmd(cl, "FCALL myfunc"),
                 "ERR wrong number of arguments for 'fcall' command");
    ck_assert_int_eq(info_int(cl, "memory", "number_of_functions"), 1);
    ck_assert_int_eq(info_int(cl, "memory", "number_of_libraries"), 1);

    /* LOAD of an existing library fails; REPLACE replaces */
    expect_error(
        client_cmd(cl, "FUNCTION LOAD %s",
                   "#!lua name=mylib\nredis.register_function('myfunc', function() return 2 end)"),
        "ERR Library 'mylib' already exists");
    expect_str(client_cmd(cl, "FUNCTION LOAD REPLACE %s",
                          "#!lua name=mylib\n"
                          "redis.register_function('myfunc', function() return 2 end)\n"
                          "redis.register_function('other', function(keys) "
                          "return redis.call('set', keys[1], 'from function') end)"),
               "mylib");
    expect_int(client_cmd(cl, "FCALL myfunc 0"), 2);
    expect_status(client_cmd(cl, "FCALL other 1 fk"), "OK");
    expect_str(client_cmd(cl, "GET fk"), "from function");
    ck_assert_int_eq(info_int(cl, "memory", "number_of_functions"), 2);
    ck_assert_int_eq(info_int(cl, "memory", "number_of_libraries"), 1);
    ck_assert_int_gt(info_int(cl, "memory", "used_memory_vm_functions"), 0);
}
END_TEST

START_TEST(test_function_load_errors)
{
    static const struct {
        const char *code, *error;
    } cases[] = {
        {"redis.register_function('f', function() return 2 end)", "ERR Missing library metadata"},
        {"#!python name=x\n", "ERR Engine 'python' not found"},
        {"#!lua\nredis.register_function('f', function() return 2 end)",
         "ERR Library name was not given"},
        {"#!lua name=bad-name!\nredis.register_function('f', function() return 2 end)",
         "ERR Library names can only contain letters, numbers, or underscores(_) and must be at "
         "least one character long"},
        {"#!lua name=l2 foo=bar\n", "ERR Invalid metadata value given: foo=bar"},
        {"#!lua name=l2\nredis.register_function('bad name', function() return 2 end)",
         "ERR Error registering functions: ERR Library names can only contain letters, numbers, "
         "or underscores(_) and must be at least one character long"},
        {"#!lua name=l2\nredis.register_function('', function() end)",
         "ERR Error registering functions: ERR Library names can only contain letters, numbers, "
         "or underscores(_) and must be at least one character long"},
        {"#!lua name=l2\nredis.register_function('f', function() return 2 end)\n"
         "redis.register_function('f', function() return 2 end)",
         "ERR Error registering functions: ERR Function already exists in the library"},
        {"#!lua name=l2\nredis.register_function('taken', function() return 2 end)",
         "ERR Function taken already exists"},
        {"#!lua name=l2\nlocal x = 1", "ERR No functions registered"},
        {"#!lua name=l2\nredis.register_function('f2', 5)",
         "ERR Error registering functions: ERR second argument to redis.register_function must "
         "be a function"},
        /* load time runs with a restricted set of globals */
        {"#!lua name=l2\nredis.call('ping')",
         "ERR Error registering functions: ERR user_function:2: Script attempted to access "
         "nonexistent global variable 'call'"},
        {"#!lua name=l2\nreturn math.random()",
         "ERR Error registering functions: ERR user_function:2: Script attempted to access "
         "nonexistent global variable 'math'"},
        {"#!lua name=l2\nerror('boom')",
         "ERR Error registering functions: ERR user_function:2: Script attempted to access "
         "nonexistent global variable 'error'"},
        {"#!lua name=l2\nredis.register_function('f1', function() return 1 end)\nredis.setresp(3)",
         "ERR Error registering functions: ERR user_function:3: Script attempted to access "
         "nonexistent global variable 'setresp'"},
        {"#!lua name=l2\nredis.register_function('f1', function() return 1 end)\n"
         "local s = string.upper('x')",
         "ERR Error registering functions: ERR user_function:3: Script attempted to access "
         "nonexistent global variable 'string'"},
        {"#!lua name=l2\nreturn +",
         "ERR Error compiling function: user_function:2: unexpected symbol near '+'"},
    };
    expect_str(
        client_cmd(cl, "FUNCTION LOAD %s",
                   "#!lua name=owner\nredis.register_function('taken', function() return 1 end)"),
        "owner");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(client_cmd(cl, "FUNCTION LOAD %s", cases[i].code), cases[i].error);
    /* REPLACE cannot take a function of another library either */
    expect_error(
        client_cmd(cl, "FUNCTION LOAD REPLACE %s",
                   "#!lua name=l3\nredis.register_function('taken', function() return 3 end)"),
        "ERR Function taken already exists");
    /* nothing of the failed loads is left behind */
    ck_assert_int_eq(info_int(cl, "memory", "number_of_libraries"), 1);
    ck_assert_int_eq(info_int(cl, "memory", "number_of_functions"), 1);
    expect_int(client_cmd(cl, "FCALL taken 0"), 1);
    expect_error(client_cmd(cl, "FCALL f 0"), "ERR Function not found");
    expect_error(client_cmd(cl, "FCALL f1 0"), "ERR Function not found");
    /* redis.log is available while loading */
    expect_str(
        client_cmd(cl, "FUNCTION LOAD %s",
                   "#!lua name=logs\nredis.register_function('f1', function() return 1 end)\n"
                   "redis.log(redis.LOG_NOTICE, 'loading')"),
        "logs");
    expect_error(client_cmd(cl, "FUNCTION LOAD"),
                 "ERR wrong number of arguments for 'function|load' command");
}
END_TEST

START_TEST(test_function_register_named_args)
{
    expect_str(
        client_cmd(cl, "FUNCTION LOAD %s",
                   "#!lua name=libA\n"
                   "redis.register_function{function_name = 'ro_get', callback = function(keys) "
                   "return redis.call('get', keys[1]) end, flags = {'no-writes'}, "
                   "description = 'reads'}\n"
                   "redis.register_function('wr', function(keys, args) "
                   "return redis.call('set', keys[1], args[1]) end)\n"
                   "redis.register_function{function_name = 'sneaky', callback = function(keys) "
                   "return redis.call('set', keys[1], 'x') end, flags = {'no-writes'}}"),
        "libA");
    expect_nil(client_cmd(cl, "FCALL_RO ro_get 1 k"));
    expect_error(client_cmd(cl, "FCALL_RO wr 1 k v"), RO_COMMAND_ERR);
    expect_status(client_cmd(cl, "FCALL wr 1 k v"), "OK");
    expect_str(client_cmd(cl, "FCALL_RO RO_GET 1 k"), "v");
    expect_str(client_cmd(cl, "FCALL ro_get 1 k"), "v");
    /* a no-writes function cannot write, called either way */
    expect_error(client_cmd(cl, "FCALL sneaky 1 k"),
                 RO_SCRIPT_ERR " script: sneaky, on @user_function:4.");
    expect_error(client_cmd(cl, "FCALL_RO sneaky 1 k"),
                 RO_SCRIPT_ERR " script: sneaky, on @user_function:4.");
    expect_str(client_cmd(cl, "GET k"), "v");

    static const struct {
        const char *code, *error;
    } cases[] = {
        {"#!lua name=libC\nredis.register_function{function_name = 'f', callback = function() "
         "return 1 end, flags = {'bad-flag'}}",
         "ERR Error registering functions: ERR unknown flag given"},
        {"#!lua name=libC\nredis.register_function{function_name = 'f', callback = function() "
         "return 1 end, flags = 'x'}",
         "ERR Error registering functions: ERR flags argument to redis.register_function must "
         "be a table representing function flags"},
        {"#!lua name=libC\nredis.register_function{function_name = 'f', callback = function() "
         "return 1 end, bogus = 1}",
         "ERR Error registering functions: ERR unknown argument given to "
         "redis.register_function"},
        {"#!lua name=libC\nredis.register_function{function_name = 'f'}",
         "ERR Error registering functions: ERR redis.register_function must get a callback "
         "argument"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(client_cmd(cl, "FUNCTION LOAD %s", cases[i].code), cases[i].error);
}
END_TEST

/* One entry of FUNCTION LIST in RESP2: library_name, engine, functions
 * [, library_code]; returns the functions array. */
static redisReply *list_entry(redisReply *lib, const char *name, int with_code)
{
    ck_assert_int_eq(lib->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(lib->elements, with_code ? 8 : 6);
    ck_assert_str_eq(lib->element[0]->str, "library_name");
    ck_assert_str_eq(lib->element[1]->str, name);
    ck_assert_str_eq(lib->element[2]->str, "engine");
    ck_assert_str_eq(lib->element[3]->str, "LUA");
    ck_assert_str_eq(lib->element[4]->str, "functions");
    if (with_code)
        ck_assert_str_eq(lib->element[6]->str, "library_code");
    return lib->element[5];
}

/* The element of a FUNCTION LIST reply (or of a functions array) whose
 * second element (library_name or name) is name: the order is not
 * specified. */
static redisReply *find_named(redisReply *list, const char *name)
{
    ck_assert_int_eq(list->type, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < list->elements; i++) {
        redisReply *e = list->element[i];
        if (e->type == REDIS_REPLY_ARRAY && e->elements >= 2 && e->element[1]->str &&
            strcmp(e->element[1]->str, name) == 0)
            return e;
    }
    ck_abort_msg("%s is not listed", name);
    return NULL;
}

#define LIB_B "#!lua name=libB\nredis.register_function('bfunc', function() return 'b' end)"

START_TEST(test_function_list)
{
    expect_str(
        client_cmd(cl, "FUNCTION LOAD %s",
                   "#!lua name=libA\n"
                   "redis.register_function{function_name = 'ro_get', callback = function(keys) "
                   "return redis.call('get', keys[1]) end, flags = {'no-writes'}, "
                   "description = 'reads'}\n"
                   "redis.register_function('wr', function(keys, args) "
                   "return redis.call('set', keys[1], args[1]) end)"),
        "libA");
    expect_str(client_cmd(cl, "FUNCTION LOAD %s", LIB_B), "libB");
    redisReply *r = client_cmd(cl, "FUNCTION LIST");
    ck_assert_uint_eq(r->elements, 2);
    redisReply *fa = list_entry(find_named(r, "libA"), "libA", 0);
    ck_assert_uint_eq(fa->elements, 2);
    redisReply *f = find_named(fa, "ro_get");
    ck_assert_uint_eq(f->elements, 6);
    ck_assert_str_eq(f->element[0]->str, "name");
    ck_assert_str_eq(f->element[1]->str, "ro_get");
    ck_assert_str_eq(f->element[2]->str, "description");
    ck_assert_str_eq(f->element[3]->str, "reads");
    ck_assert_str_eq(f->element[4]->str, "flags");
    ck_assert_uint_eq(f->element[5]->elements, 1);
    ck_assert_int_eq(f->element[5]->element[0]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(f->element[5]->element[0]->str, "no-writes");
    f = find_named(fa, "wr");
    ck_assert_str_eq(f->element[2]->str, "description");
    ck_assert_int_eq(f->element[3]->type, REDIS_REPLY_NIL);
    ck_assert_uint_eq(f->element[5]->elements, 0);
    redisReply *fb = list_entry(find_named(r, "libB"), "libB", 0);
    ck_assert_uint_eq(fb->elements, 1);
    ck_assert_str_eq(fb->element[0]->element[1]->str, "bfunc");
    freeReplyObject(r);

    /* LIBRARYNAME: a case-insensitive glob */
    r = client_cmd(cl, "FUNCTION LIST LIBRARYNAME liba");
    ck_assert_uint_eq(r->elements, 1);
    list_entry(r->element[0], "libA", 0);
    freeReplyObject(r);
    r = client_cmd(cl, "FUNCTION LIST LIBRARYNAME lib*");
    ck_assert_uint_eq(r->elements, 2);
    freeReplyObject(r);
    r = client_cmd(cl, "FUNCTION LIST LIBRARYNAME nomatch*");
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
    /* WITHCODE */
    r = client_cmd(cl, "FUNCTION LIST LIBRARYNAME libB WITHCODE");
    ck_assert_uint_eq(r->elements, 1);
    list_entry(r->element[0], "libB", 1);
    ck_assert_str_eq(r->element[0]->element[7]->str, LIB_B);
    freeReplyObject(r);
    r = client_cmd(cl, "FUNCTION LIST WITHCODE LIBRARYNAME libB");
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_str_eq(r->element[0]->element[7]->str, LIB_B);
    freeReplyObject(r);
    expect_error(client_cmd(cl, "FUNCTION LIST WITHCODE LIBRARYNAME"),
                 "ERR library name argument was not given");
    expect_error(client_cmd(cl, "FUNCTION LIST bogus"), "ERR Unknown argument bogus");
    expect_error(client_cmd(cl, "FUNCTION LIST WITHCODE WITHCODE"),
                 "ERR Unknown argument WITHCODE");
    expect_error(client_cmd(cl, "FUNCTION LIST LIBRARYNAME a LIBRARYNAME b"),
                 "ERR Unknown argument LIBRARYNAME");

    /* RESP3: maps */
    struct r3c *t = r3_connect_resp3(&srv);
    struct r3 *l = r3_cmd(t, "FUNCTION", "LIST", "LIBRARYNAME", "libB", NULL);
    ck_assert_msg(l && l->type == R3_ARRAY && l->n == 1 && l->elem[0]->type == R3_MAP, "%s",
                  r3_show(l));
    struct r3 *nm = r3_map_get(l->elem[0], "library_name");
    ck_assert_msg(nm && nm->type == R3_BULK && strcmp(nm->str, "libB") == 0, "%s", r3_show(l));
    r3_free(l);
    r3_close(t);
}
END_TEST

START_TEST(test_function_delete_flush_stats)
{
    expect_str(client_cmd(cl, "FUNCTION LOAD %s", MYLIB), "mylib");
    expect_str(client_cmd(cl, "FUNCTION LOAD %s", LIB_B), "libB");
    redisReply *r = client_cmd(cl, "FUNCTION STATS");
    ck_assert_uint_eq(r->elements, 4);
    ck_assert_str_eq(r->element[0]->str, "running_script");
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_NIL);
    ck_assert_str_eq(r->element[2]->str, "engines");
    redisReply *eng = r->element[3];
    ck_assert_uint_eq(eng->elements, 2);
    ck_assert_str_eq(eng->element[0]->str, "LUA");
    redisReply *lua = eng->element[1];
    ck_assert_uint_eq(lua->elements, 4);
    ck_assert_str_eq(lua->element[0]->str, "libraries_count");
    ck_assert_int_eq(lua->element[1]->integer, 2);
    ck_assert_str_eq(lua->element[2]->str, "functions_count");
    ck_assert_int_eq(lua->element[3]->integer, 2);
    freeReplyObject(r);

    expect_status(client_cmd(cl, "FUNCTION DELETE libB"), "OK");
    expect_error(client_cmd(cl, "FUNCTION DELETE libB"), "ERR Library not found");
    expect_error(client_cmd(cl, "FCALL bfunc 0"), "ERR Function not found");
    ck_assert_int_eq(info_int(cl, "memory", "number_of_libraries"), 1);
    expect_error(client_cmd(cl, "FUNCTION DELETE"),
                 "ERR wrong number of arguments for 'function|delete' command");
    expect_error(client_cmd(cl, "FUNCTION FLUSH bad"),
                 "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    expect_error(client_cmd(cl, "FUNCTION NOSUCH"),
                 "ERR unknown subcommand 'NOSUCH'. Try FUNCTION HELP.");
    expect_error(client_cmd(cl, "FUNCTION"),
                 "ERR wrong number of arguments for 'function' command");
    r = client_cmd(cl, "FUNCTION HELP");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_str_eq(r->element[0]->str,
                     "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    freeReplyObject(r);

    expect_status(client_cmd(cl, "FUNCTION FLUSH"), "OK");
    expect_error(client_cmd(cl, "FCALL myfunc 0"), "ERR Function not found");
    r = client_cmd(cl, "FUNCTION LIST");
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
    ck_assert_int_eq(info_int(cl, "memory", "number_of_functions"), 0);
    ck_assert_int_eq(info_int(cl, "memory", "number_of_libraries"), 0);
    expect_str(client_cmd(cl, "FUNCTION LOAD %s", LIB_B), "libB");
    expect_status(client_cmd(cl, "FUNCTION FLUSH ASYNC"), "OK");
    expect_str(client_cmd(cl, "FUNCTION LOAD %s", LIB_B), "libB");
    expect_status(client_cmd(cl, "FUNCTION FLUSH SYNC"), "OK");
    r = client_cmd(cl, "FUNCTION STATS");
    ck_assert_int_eq(r->element[3]->element[1]->element[1]->integer, 0);
    ck_assert_int_eq(r->element[3]->element[1]->element[3]->integer, 0);
    freeReplyObject(r);
}
END_TEST

/* The bytes of a FUNCTION DUMP, malloc'ed. */
static char *function_dump(redisContext *h, size_t *len)
{
    redisReply *r = client_cmd(h, "FUNCTION DUMP");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    char *p = malloc(r->len + 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, r->str, r->len);
    *len = r->len;
    freeReplyObject(r);
    return p;
}

START_TEST(test_function_dump_restore)
{
    expect_str(
        client_cmd(cl, "FUNCTION LOAD %s",
                   "#!lua name=d1\nredis.register_function('df', function() return 'd1' end)"),
        "d1");
    size_t len;
    char *payload = function_dump(cl, &len);
    /* the payload holds the library code */
    ck_assert_ptr_nonnull(memmem(payload, len, "#!lua name=d1", 13));
    /* APPEND (the default) refuses a library that exists */
    expect_error(client_cmd(cl, "FUNCTION RESTORE %b", payload, len),
                 "ERR Library d1 already exists");
    expect_error(client_cmd(cl, "FUNCTION RESTORE %b APPEND", payload, len),
                 "ERR Library d1 already exists");
    expect_status(client_cmd(cl, "FUNCTION RESTORE %b REPLACE", payload, len), "OK");
    expect_status(client_cmd(cl, "FUNCTION RESTORE %b FLUSH", payload, len), "OK");
    expect_str(client_cmd(cl, "FCALL df 0"), "d1");
    expect_error(
        client_cmd(cl, "FUNCTION RESTORE %b BOGUS", payload, len),
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    expect_error(client_cmd(cl, "FUNCTION RESTORE %b FLUSH REPLACE", payload, len),
                 "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION "
                 "HELP.");

    /* FLUSH then RESTORE brings it back */
    expect_status(client_cmd(cl, "FUNCTION FLUSH"), "OK");
    expect_error(client_cmd(cl, "FCALL df 0"), "ERR Function not found");
    expect_status(client_cmd(cl, "FUNCTION RESTORE %b", payload, len), "OK");
    expect_str(client_cmd(cl, "FCALL df 0"), "d1");

    /* corrupted payloads are refused and the libraries stay as they were */
    expect_status(client_cmd(cl, "FUNCTION FLUSH"), "OK");
    expect_str(
        client_cmd(
            cl, "FUNCTION LOAD %s",
            "#!lua name=other\nredis.register_function('df', function() return 'other' end)"),
        "other");
    char *bad = malloc(len);
    ck_assert_ptr_nonnull(bad);
    memcpy(bad, payload, len);
    bad[5] ^= 0xff;
    expect_error(client_cmd(cl, "FUNCTION RESTORE %b FLUSH", bad, len),
                 "ERR DUMP payload version or checksum are wrong");
    expect_error(client_cmd(cl, "FUNCTION RESTORE %b FLUSH", payload, len - 3),
                 "ERR DUMP payload version or checksum are wrong");
    expect_error(client_cmd(cl, "FUNCTION RESTORE garbage FLUSH"),
                 "ERR DUMP payload version or checksum are wrong");
    expect_str(client_cmd(cl, "FCALL df 0"), "other");
    /* a library whose function collides with another library's is refused,
     * with APPEND and REPLACE alike */
    expect_error(client_cmd(cl, "FUNCTION RESTORE %b", payload, len),
                 "ERR Function df already exists");
    expect_error(client_cmd(cl, "FUNCTION RESTORE %b REPLACE", payload, len),
                 "ERR Function df already exists");
    expect_str(client_cmd(cl, "FCALL df 0"), "other");
    redisReply *r = client_cmd(cl, "FUNCTION LIST");
    ck_assert_uint_eq(r->elements, 1);
    list_entry(r->element[0], "other", 0);
    freeReplyObject(r);
    /* a dump of nothing restores to nothing */
    expect_status(client_cmd(cl, "FUNCTION FLUSH"), "OK");
    size_t empty_len;
    char *empty = function_dump(cl, &empty_len);
    expect_str(client_cmd(cl, "FUNCTION LOAD %s", LIB_B), "libB");
    expect_status(client_cmd(cl, "FUNCTION RESTORE %b FLUSH", empty, empty_len), "OK");
    r = client_cmd(cl, "FUNCTION LIST");
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
    free(empty);
    free(bad);
    free(payload);
}
END_TEST

START_TEST(test_function_runtime_errors)
{
    expect_str(client_cmd(cl, "FUNCTION LOAD %s",
                          "#!lua name=errlib\n"
                          "redis.register_function('ferr', function(keys, args)\n"
                          "  return redis.call('nosuch')\n"
                          "end)\n"
                          "redis.register_function('ferr2', function() error('bad thing') end)\n"
                          "redis.register_function('fglob', function() return undefinedvar end)\n"
                          "redis.register_function('fset', function() xglob = 1 end)\n"
                          "redis.register_function('fsel', function() redis.call('select', '3') "
                          "return redis.call('set', 'selk', '1') end)"),
               "errlib");
    expect_error(client_cmd(cl, "FCALL ferr 0"),
                 "ERR Unknown Redis command called from script script: ferr, on @user_function:3.");
    expect_error(client_cmd(cl, "FCALL ferr2 0"),
                 "ERR user_function:5: bad thing script: ferr2, on @user_function:5.");
    expect_error(client_cmd(cl, "FCALL fglob 0"),
                 "ERR user_function:6: Script attempted to access nonexistent global variable "
                 "'undefinedvar' script: fglob, on @user_function:6.");
    expect_error(client_cmd(cl, "FCALL fset 0"),
                 "ERR user_function:7: Attempt to modify a readonly table script: fset, on "
                 "@user_function:7.");
    /* a function's SELECT stays inside the call */
    expect_status(client_cmd(cl, "FCALL fsel 0"), "OK");
    expect_int(client_cmd(cl, "EXISTS selk"), 0);
    expect_status(client_cmd(cl, "SELECT 3"), "OK");
    expect_int(client_cmd(cl, "EXISTS selk"), 1);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* transactions and keys */

START_TEST(test_eval_in_multi)
{
    redisContext *other = client_connect(&srv);
    expect_status(client_cmd(cl, "MULTI"), "OK");
    expect_status(client_cmd(cl, "EVAL %s 1 mc", "return redis.call('incr', KEYS[1])"), "QUEUED");
    expect_status(client_cmd(cl, "EVAL %s 5", "return 1"), "QUEUED");
    expect_status(client_cmd(cl, "EVALSHA ffffffffffffffffffffffffffffffffffffffff 0"), "QUEUED");
    expect_status(client_cmd(cl, "EVAL %s 1 mc", "return redis.call('incr', KEYS[1])"), "QUEUED");
    expect_status(client_cmd(cl, "EVAL %s 0", "#!lua flags=bogus\nreturn 1"), "QUEUED");
    expect_status(client_cmd(cl, "EVAL %s 0", "error('x')"), "QUEUED");
    /* nothing ran yet */
    expect_int(client_cmd(other, "EXISTS mc"), 0);
    redisReply *r = client_cmd(cl, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 6);
    ck_assert_int_eq(r->element[0]->integer, 1);
    ck_assert_str_eq(r->element[1]->str, "ERR Number of keys can't be greater than number of args");
    ck_assert_str_eq(r->element[2]->str, "NOSCRIPT No matching script. Please use EVAL.");
    ck_assert_int_eq(r->element[3]->integer, 2);
    ck_assert_str_eq(r->element[4]->str, "ERR Unexpected flag in script shebang: bogus");
    char want[MSG_BYTES];
    script_error_text(want, sizeof want, "error('x')", "ERR user_script:1: x", 1);
    ck_assert_int_eq(r->element[5]->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->element[5]->str, want);
    freeReplyObject(r);
    expect_str(client_cmd(other, "GET mc"), "2");
    /* an arity error while queueing aborts the transaction */
    expect_status(client_cmd(cl, "MULTI"), "OK");
    expect_status(client_cmd(cl, "EVAL %s 1 mc", "return redis.call('incr', KEYS[1])"), "QUEUED");
    expect_error(client_cmd(cl, "EVAL"), "ERR wrong number of arguments for 'eval' command");
    expect_error(client_cmd(cl, "EXEC"),
                 "EXECABORT Transaction discarded because of previous errors.");
    expect_str(client_cmd(other, "GET mc"), "2");
    redisFree(other);
}
END_TEST

START_TEST(test_watch_and_scripts)
{
    redisContext *other = client_connect(&srv);
    expect_status(client_cmd(cl, "SET wk 1"), "OK");
    /* a script that writes the watched key aborts the transaction */
    expect_status(client_cmd(cl, "WATCH wk"), "OK");
    expect_status(
        client_cmd(other, "EVAL %s 1 wk", "return redis.call('set', KEYS[1], 'by script')"), "OK");
    expect_status(client_cmd(cl, "MULTI"), "OK");
    expect_status(client_cmd(cl, "SET wk mine"), "QUEUED");
    expect_nil(client_cmd(cl, "EXEC"));
    expect_str(client_cmd(cl, "GET wk"), "by script");
    /* so does a function */
    expect_str(client_cmd(cl, "FUNCTION LOAD %s",
                          "#!lua name=w\nredis.register_function('touch', function(keys) "
                          "return redis.call('set', keys[1], 'by function') end)"),
               "w");
    expect_status(client_cmd(cl, "WATCH wk"), "OK");
    expect_status(client_cmd(other, "FCALL touch 1 wk"), "OK");
    expect_status(client_cmd(cl, "MULTI"), "OK");
    expect_status(client_cmd(cl, "SET wk mine"), "QUEUED");
    expect_nil(client_cmd(cl, "EXEC"));
    /* a script that only reads it does not */
    expect_status(client_cmd(cl, "WATCH wk"), "OK");
    expect_str(client_cmd(other, "EVAL %s 1 wk", "return redis.call('get', KEYS[1])"),
               "by function");
    expect_status(client_cmd(cl, "MULTI"), "OK");
    expect_status(client_cmd(cl, "SET wk mine"), "QUEUED");
    redisReply *r = client_cmd(cl, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 1);
    freeReplyObject(r);
    expect_str(client_cmd(cl, "GET wk"), "mine");
    /* a script's write to an unwatched key does not either */
    expect_status(client_cmd(cl, "WATCH wk"), "OK");
    expect_status(
        client_cmd(other, "EVAL %s 1 elsewhere", "return redis.call('set', KEYS[1], '1')"), "OK");
    expect_status(client_cmd(cl, "MULTI"), "OK");
    expect_status(client_cmd(cl, "GET wk"), "QUEUED");
    r = client_cmd(cl, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    redisFree(other);
}
END_TEST

START_TEST(test_command_getkeys)
{
    static const char *const two[] = {"a", "b"};
    expect_strings(client_cmd(cl, "COMMAND GETKEYS EVAL %s 2 a b c", "return 1"), 2, two);
    static const char *const one[] = {"x"};
    expect_strings(client_cmd(cl, "COMMAND GETKEYS FCALL f 1 x y"), 1, one);
    expect_strings(client_cmd(cl, "COMMAND GETKEYS FCALL_RO f 1 x y"), 1, one);
    expect_strings(client_cmd(cl, "COMMAND GETKEYS EVALSHA_RO abc 1 x"), 1, one);
    expect_strings(client_cmd(cl, "COMMAND GETKEYS EVALSHA abc 1 x"), 1, one);
    expect_strings(client_cmd(cl, "COMMAND GETKEYS EVAL_RO %s 1 x", "return 1"), 1, one);
    expect_strings(client_cmd(cl, "COMMAND GETKEYS EVAL %s 0", "return 1"), 0, NULL);
    expect_strings(client_cmd(cl, "COMMAND GETKEYS FCALL_RO f 3 x"), 0, NULL);
    expect_strings(client_cmd(cl, "COMMAND GETKEYS EVAL %s -1", "return 1"), 0, NULL);
}
END_TEST

START_TEST(test_select_inside_script)
{
    expect_int(client_cmd(cl, "EVAL %s 0",
                          "redis.call('select', '5'); redis.call('set', 'dbk', 'v'); return 1"),
               1);
    expect_int(client_cmd(cl, "EXISTS dbk"), 0); /* the caller is still in db 0 */
    expect_status(client_cmd(cl, "SELECT 5"), "OK");
    expect_int(client_cmd(cl, "EXISTS dbk"), 1);
    /* a script starts in its caller's db */
    expect_str(client_cmd(cl, "EVAL %s 0", "return redis.call('get', 'dbk')"), "v");
    expect_int(client_cmd(cl, "EVAL %s 0",
                          "redis.call('select', '0'); return redis.call('exists', 'dbk')"),
               0);
    expect_int(client_cmd(cl, "EXISTS dbk"), 1);
    char want[MSG_BYTES];
    script_error_text(want, sizeof want, "return redis.call('select', '99')",
                      "ERR DB index is out of range", 1);
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.call('select', '99')"), want);
}
END_TEST

/* Keys a script writes without a TTL follow ttl-rule and default-ttl, like
 * the same commands sent by a client (tidecache's TTL policy). */
START_TEST(test_ttl_rules)
{
    struct server s;
    server_start(&s, "default-ttl 200\nttl-rule s: 100\n");
    redisContext *h = client_connect(&s);
    expect_status(client_cmd(h, "EVAL %s 1 s:x", "return redis.call('set', KEYS[1], 'v')"), "OK");
    expect_ttl(h, "s:x", 95, 100);
    expect_status(client_cmd(h, "EVAL %s 1 plain", "return redis.call('set', KEYS[1], 'v')"), "OK");
    expect_ttl(h, "plain", 195, 200);
    expect_status(
        client_cmd(h, "EVAL %s 1 s:ex", "return redis.call('set', KEYS[1], 'v', 'EX', 30)"), "OK");
    expect_ttl(h, "s:ex", 25, 30);
    expect_str(client_cmd(h, "FUNCTION LOAD %s",
                          "#!lua name=t\nredis.register_function('put', function(keys) "
                          "return redis.call('set', keys[1], 'v') end)"),
               "t");
    expect_status(client_cmd(h, "FCALL put 1 s:f"), "OK");
    expect_ttl(h, "s:f", 95, 100);
    expect_status(client_cmd(h, "EVAL %s 0", "return redis.call('mset', 's:m1', '1', 'm2', '2')"),
                  "OK");
    expect_ttl(h, "s:m1", 95, 100);
    expect_ttl(h, "m2", 195, 200);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* script arguments */

START_TEST(test_number_arguments)
{
    static const struct {
        const char *lua, *stored;
    } cases[] = {
        {"0.1", "0.10000000000000001"},
        {"3", "3"},
        {"-2.5", "-2.5"},
        {"1e20", "1e+20"},
        {"1/3", "0.33333333333333331"},
        {"2^53", "9007199254740992"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "return redis.call('set', 'n', %s)", cases[i].lua);
        expect_status(client_cmd(cl, "EVAL %s 0", body), "OK");
        expect_str(client_cmd(cl, "GET n"), cases[i].stored);
    }
    /* numbers work as keys and as command names' arguments alike */
    expect_status(client_cmd(cl, "EVAL %s 0", "return redis.call('set', 5, 6)"), "OK");
    expect_str(client_cmd(cl, "GET 5"), "6");
    expect_int(client_cmd(cl, "EVAL %s 0", "return redis.call('incrby', 5, 4)"), 10);
}
END_TEST

START_TEST(test_bad_arguments)
{
    expect_eval_error(cl, "return redis.call('set', {}, 1)", BAD_ARG_ERR, 1);
    expect_eval_error(cl, "return redis.call('set', 'k', nil)", BAD_ARG_ERR, 1);
    expect_eval_error(cl, "return redis.call('set', 'k', true)", BAD_ARG_ERR, 1);
    expect_eval_error(cl, "return redis.call('set', 'k', function() end)", BAD_ARG_ERR, 1);
    expect_eval_error(cl, "return redis.call({})", BAD_ARG_ERR, 1);
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.pcall('set', 'k', {})"), BAD_ARG_ERR);
    expect_eval_error(cl, "return redis.call()",
                      "ERR Please specify at least one argument for this redis lib call", 1);
    expect_error(client_cmd(cl, "EVAL %s 0", "return redis.pcall()"),
                 "ERR Please specify at least one argument for this redis lib call");
    expect_int(client_cmd(cl, "EXISTS k"), 0);
}
END_TEST

START_TEST(test_many_arguments)
{
    expect_status(client_cmd(cl, "EVAL %s 0",
                             "local t = {'mset'}; for i = 1, 2500 do t[#t + 1] = 'mk' .. i; "
                             "t[#t + 1] = i end; return redis.call(unpack(t))"),
                  "OK");
    expect_int(client_cmd(cl, "DBSIZE"), 2500);
    expect_str(client_cmd(cl, "GET mk1234"), "1234");
    expect_int(client_cmd(cl, "EVAL %s 0",
                          "local t = {}; for i = 1, 5000 do t[i] = i end; return #{unpack(t)}"),
               5000);
    redisReply *r = client_cmd(cl, "EVAL %s 0",
                               "local t = {}; for i = 1, 2500 do t[i] = 'mk' .. i end; "
                               "return redis.call('mget', unpack(t))");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2500);
    ck_assert_str_eq(r->element[0]->str, "1");
    ck_assert_str_eq(r->element[2499]->str, "2500");
    freeReplyObject(r);
    /* as many KEYS and ARGV as a client sends */
    enum { N = 3000 };
    const char **argv = malloc((N + 3) * sizeof *argv);
    char(*names)[16] = malloc(N * sizeof *names);
    ck_assert_ptr_nonnull(argv);
    ck_assert_ptr_nonnull(names);
    argv[0] = "EVAL";
    argv[1] = "return #KEYS + #ARGV * 100000";
    argv[2] = "1000";
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "a%d", i);
        argv[3 + i] = names[i];
    }
    r = redisCommandArgv(cl, N + 3, argv, NULL);
    ck_assert_ptr_nonnull(r);
    expect_int(r, 1000 + 2000 * 100000LL);
    free(names);
    free(argv);
}
END_TEST

/* ------------------------------------------------------------------------ */

static TCase *tcase(Suite *s, const char *name, void (*setup)(void))
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    if (setup)
        tcase_add_checked_fixture(tc, setup, stop);
    suite_add_tcase(s, tc);
    return tc;
}

static Suite *scripting_suite(void)
{
    Suite *s = suite_create("scripting");
    TCase *tc = tcase(s, "eval", start);
    tcase_add_test(tc, test_eval_keys_argv);
    tcase_add_test(tc, test_numkeys_errors);
    tcase_add_test(tc, test_call_string_commands);
    tcase_add_test(tc, test_resp2_conversions);
    tcase_add_test(tc, test_resp3_conversions);
    tcase_add_test(tc, test_setresp);

    tc = tcase(s, "errors", start);
    tcase_add_test(tc, test_runtime_errors);
    tcase_add_test(tc, test_compile_errors);
    tcase_add_test(tc, test_call_vs_pcall);
    tcase_add_test(tc, test_error_status_reply);
    tcase_add_test(tc, test_forbidden_commands);

    tc = tcase(s, "sandbox", start);
    tcase_add_test(tc, test_globals_protected);
    tcase_add_test(tc, test_library_tables_readonly);
    tcase_add_test(tc, test_readonly_tables_are_real);
    tcase_add_test(tc, test_no_escape_through_metatables);
    tcase_add_test(tc, test_bytecode_and_absent_globals);
    tcase_add_test(tc, test_libraries);

    tc = tcase(s, "cache", start);
    tcase_add_test(tc, test_evalsha_noscript);
    tcase_add_test(tc, test_script_load_exists_flush);
    tcase_add_test(tc, test_script_subcommand_errors);
    tcase_add_test(tc, test_info_cached_scripts_memory);

    tc = tcase(s, "flags", start);
    tcase_add_test(tc, test_shebang_no_writes);
    tcase_add_test(tc, test_eval_ro);
    tcase_add_test(tc, test_shebang_errors);
    tcase_add_test(tc, test_shebang_line_numbers);

    tc = tcase(s, "oom", start);
    tcase_add_test(tc, test_oom_compat_mode);
    tcase_add_test(tc, test_oom_shebang);
    tcase_add_test(tc, test_oom_transaction);
    tcase_add_test(tc, test_oom_functions);

    tc = tcase(s, "busy", busy_start);
    tcase_add_test(tc, test_busy_script_kill);
    tcase_add_test(tc, test_unkillable_script);
    tcase_add_test(tc, test_function_busy_kill);
    tcase_add_test(tc, test_sigterm_while_busy);

    tc = tcase(s, "functions", start);
    tcase_add_test(tc, test_function_load_fcall);
    tcase_add_test(tc, test_function_load_errors);
    tcase_add_test(tc, test_function_register_named_args);
    tcase_add_test(tc, test_function_list);
    tcase_add_test(tc, test_function_delete_flush_stats);
    tcase_add_test(tc, test_function_dump_restore);
    tcase_add_test(tc, test_function_runtime_errors);

    tc = tcase(s, "keys", start);
    tcase_add_test(tc, test_eval_in_multi);
    tcase_add_test(tc, test_watch_and_scripts);
    tcase_add_test(tc, test_command_getkeys);
    tcase_add_test(tc, test_select_inside_script);
    tc = tcase(s, "ttl", NULL);
    tcase_add_test(tc, test_ttl_rules);

    tc = tcase(s, "arguments", start);
    tcase_add_test(tc, test_number_arguments);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_many_arguments);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scripting_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
