/* fuzz_command: sequences of commands through the real dispatch path.
 *
 * Each input runs against a fresh server: the config's defaults (with a
 * unix socket for a listener, proto-max-bulk-len 1mb, and a maxmemory and
 * policy the first bytes choose), every keyspace empty, three function
 * libraries loaded, the event loop and its timer set up as main() does, and
 * the clock frozen at FUZZ_START_MS.
 * The rest of the input is decoded into operations:
 *   - a command: its name from the command table (a subcommand for
 *     containers), its arguments following the syntax the table documents
 *     for it ("key value [NX | XX] ...": keys, integers at their edges,
 *     values, patterns, option words) or drawn at random from the same pools
 *     or from the input's own bytes; encoded as a RESP request and fed to one
 *     of FUZZ_CLIENTS detached connections (conn_create_detached), so that it
 *     goes through the request parser, authentication, the memory cap,
 *     MULTI queueing and the handler exactly as a socket's bytes would;
 *   - raw bytes fed to a connection (inline requests, protocol errors);
 *   - the clock moved forward (or back a little, as NTP may);
 *   - one timer tick (cron_tick and the slices it queues): idle timeouts,
 *     expiry sweep, lazy free, resizes, eviction;
 *   - a full sweep followed by a check that nothing due is left.
 * After every operation:
 *   - each reply is well-formed RESP in the connection's protocol, and a
 *     command gets exactly one (none only when it shut the server down);
 *   - every keyspace passes store_verify: items where their hash says,
 *     counts, and the memory counter equal to a recount;
 *   - DBSIZE of the keyspace in use matches the distinct keys a full SCAN
 *     reaches (the scan deletes expired keys first, as DBSIZE counts them);
 *   - no expired key is served: for every key of the pool, PTTL through the
 *     dispatch path answers -2 when the key is past its expiry, and the
 *     exact remaining time (or -1, or -2 if it was evicted meanwhile)
 *     otherwise.
 * After the input, everything is torn down and used memory must be back
 * where it started: nothing is leaked from the accounting.
 *
 * Commands are picked by index from the table, so a command group that is
 * added is fuzzed from the day it lands; tests/fuzz/command.dict holds the
 * option words for the raw-byte operations, and check_fuzz_dict (make
 * test) fails when a word of the table is missing from it. */
#include <event2/event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tidecache/buf.h"
#include "tidecache/clock.h"
#include "tidecache/command.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/cron.h"
#include "tidecache/db.h"
#include "tidecache/engine.h"
#include "tidecache/function.h"
#include "tidecache/log.h"
#include "tidecache/mem.h"
#include "tidecache/resp.h"
#include "tidecache/resp_reader.h"
#include "tidecache/server.h"
#include "tidecache/sha1.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"
#include "tidecache/store.h"

#define FUZZ_START_MS INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define FUZZ_CLIENTS 3
#define FUZZ_MAX_OPS 64         /* operations per input */
#define FUZZ_MAX_ARGS 16        /* arguments of one command, name included */
#define FUZZ_MAX_RAW_BYTES 96   /* raw bytes fed in one operation */
#define FUZZ_BIG_VALUE_BYTES (70 * 1024) /* a value past 64 KiB: 4-byte length field */
#define FUZZ_LONG_KEY_BYTES 300 /* a key past 255 bytes: the long key-length field */
#define FUZZ_SWEEP_ROUNDS 1000  /* expire steps one full sweep may take */
#define FUZZ_SWEEP_BUDGET_US 100000
#define FUZZ_MAX_TEMPLATE 48    /* tokens kept from a command's syntax */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((format(printf, 1, 2), noreturn)) static void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_command: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

/* ---- input ------------------------------------------------------------- */

struct input {
    const uint8_t *p;
    size_t n;
};

static unsigned take(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/* ---- argument pools ------------------------------------------------------ */

struct str {
    const char *p;
    size_t len;
};

#define S(lit) {lit, sizeof(lit) - 1}

static char long_key[FUZZ_LONG_KEY_BYTES];
static char big_value[FUZZ_BIG_VALUE_BYTES];

static struct str keys[] = {
    S("k0"), S("k1"), S("k2"), S("k3"), S(""), S("{k}1"), S("k\0z"), {long_key, sizeof long_key},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const struct str ints[] = {
    S("0"), S("1"), S("-1"), S("2"), S("3"), S("5"), S("10"), S("15"), S("16"), S("100"),
    S("1000"), S("65535"), S("65536"), S("2147483647"), S("2147483648"), S("-2147483648"),
    S("4294967295"), S("4294967296"), S("9223372036854775807"), S("-9223372036854775808"),
    S("9223372036854775808"), S("-9223372036854775809"), S("1.5"), S("-0"), S("+5"), S(" 5"),
    S(""), S("1e2"), S("0x10"), S("007"), S("1048576"), S("1048577"), S("536870911"),
};
#define NINTS (sizeof ints / sizeof ints[0])

static const struct str values[] = {
    S("v"), S(""), S("0"), S("1"), S("-1"), S("10"), S("3.14"), S("-2.5e3"), S("1e308"),
    S("inf"), S("-inf"), S("+inf"), S("nan"), S("abc"), S(" 1"), S("1 "), S("+1"), S("0x1"),
    S("9223372036854775807"), S("9223372036854775808"), S("-9223372036854775808"),
    S("17976931348623157e292"), S("yes"), S("no"), S("string"), S("hash"), S("list"),
    S("none"), S("normal"), S("master"), S("replica"), S("pubsub"), S("all"), S("default"),
    S("everything"), S("server"), S("clients"), S("memory"), S("stats"), S("keyspace"),
    S("persistence"), S("\r\n"), S("a\0b"), S("a b"), S("\"quoted\""), S("allkeys-lru"),
    S("volatile-lru"), S("allkeys-lfu"), S("volatile-lfu"), S("volatile-ttl"),
    S("allkeys-random"), S("volatile-random"), S("noeviction"), S("debug"), S("verbose"),
    S("notice"), S("warning"), S("on"), S("off"), S("1mb"), S("100kb"), S("64k"), S("1gb"),
    S("k0"), S("tidecache"), S("lib-name"), S("1.0"), S("user:"), S("user: 60"),
    {big_value, sizeof big_value},
};
#define NVALUES (sizeof values / sizeof values[0])

static const struct str patterns[] = {
    S("*"), S("k*"), S("?0"), S("[k]*"), S("[^a]*"), S("\\*"), S("k[0-"), S("*\\"), S(""),
    S("**"), S("*k*1*"), S("[a-z]?"), S("max*"), S("h?"),
};
#define NPATTERNS (sizeof patterns / sizeof patterns[0])

/* Scripts: what applications send (locks, counters, conversions of every
 * reply type, errors, flags), and function libraries. Their SHA-1s are
 * worked out at start for EVALSHA. */
static const struct str scripts[] = {
    S("return 1"),
    S("return redis.call('set', KEYS[1], ARGV[1])"),
    S("return redis.pcall('get', KEYS[1])"),
    S("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else "
      "return 0 end"),
    S("local v = redis.call('incrby', KEYS[1], ARGV[1]) redis.call('pexpire', KEYS[1], 1000) "
      "return v"),
    S("return {1, 'a', {err='e'}, {ok='o'}, false, true, {double=1.5}, {map={a=1}}, "
      "{set={b=true}}, {big_number='12'}}"),
    S("redis.setresp(3) return {redis.call('get', KEYS[1]), redis.call('exists', KEYS[1])}"),
    S("return cjson.encode(cjson.decode(ARGV[1]))"),
    S("return cmsgpack.unpack(cmsgpack.pack(KEYS, ARGV))"),
    S("return struct.unpack('>I2s', ARGV[1])"),
    S("return redis.error_reply(ARGV[1])"),
    S("return redis.status_reply(ARGV[1])"),
    S("error(ARGV[1])"),
    S("return redis.call('nosuchcommand')"),
    S("return redis.call('config', 'get', 'hz')"),
    S("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])"),
    S("#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'x')"),
    S("#!lua\nreturn redis.call('append', KEYS[1], ARGV[1])"),
    S("#!lua flags=allow-oom\nreturn redis.call('setrange', KEYS[1], 100, ARGV[1])"),
    S("local t = {} for i = 1, 200 do t[i] = redis.call('incr', KEYS[1]) end return t"),
    S("return redis.call('select', ARGV[1])"),
    S("return a"),
    S("x = 1"),
    S("return redis.sha1hex(ARGV[1])"),
    /* the script-side libraries and conversions fed the fuzzer's bytes */
    S("return struct.pack(ARGV[1], ARGV[2], ARGV[3])"),
    S("return {struct.unpack(ARGV[1], ARGV[2], tonumber(ARGV[3]))}"),
    S("return cmsgpack.unpack(ARGV[1])"),
    S("return cmsgpack.pack(cjson.decode(ARGV[1]))"),
    S("return cjson.decode(ARGV[1])"),
    S("return bit.tohex(tonumber(ARGV[1]) or 0, tonumber(ARGV[2]) or 8)"),
    /* any command of the table, as scripts may call it */
    S("return redis.pcall(unpack(ARGV))"),
    S("redis.setresp(3) return redis.pcall(unpack(ARGV))"),
    S("#!lua flags=no-writes\nreturn redis.pcall(unpack(ARGV))"),
};
#define NSCRIPTS (sizeof scripts / sizeof scripts[0])

static const struct str libraries[] = {
    S("#!lua name=lib1\nredis.register_function('f1', function(keys, args) return "
      "redis.call('get', keys[1]) end)"),
    S("#!lua name=lib2\nredis.register_function{function_name='ro', callback=function(keys, "
      "args) return #keys + #args end, flags={'no-writes'}, description='count'}"),
    S("#!lua name=lib3\nredis.register_function('w', function(keys, args) return "
      "redis.call('set', keys[1], args[1]) end)"),
    S("#!lua name=lib1\nreturn 1"),
    S("#!lua name=bad\nredis.register_function('f1', function() end)"),
    S("#!lua\nredis.register_function('x', function() end)"),
    S("#!lua name=lib4\nredis.register_function('any', function(keys, args) return "
      "redis.call(unpack(args)) end)"),
};
#define NLIBRARIES (sizeof libraries / sizeof libraries[0])

static const struct str function_names[] = {S("f1"), S("ro"), S("w"), S("any"), S("F1"),
                                            S("nosuch")};
#define NFUNCTION_NAMES (sizeof function_names / sizeof function_names[0])

static char script_shas[NSCRIPTS][SHA1_HEX_BYTES];

/* ---- command syntax templates --------------------------------------------- */

enum arg_kind { ARG_KEY, ARG_INT, ARG_VALUE, ARG_PATTERN, ARG_CONFIG, ARG_WORD, ARG_TIME_S,
                ARG_TIME_MS, ARG_SCRIPT, ARG_SHA, ARG_LIBRARY, ARG_FUNCTION, ARG_KINDS };

struct token {
    enum arg_kind kind;
    struct str word; /* ARG_WORD: the literal, in the table's case */
};

struct template {
    struct token tok[FUZZ_MAX_TEMPLATE];
    size_t n;
};

/* What a placeholder of the documented syntax stands for, by its name. */
static enum arg_kind placeholder_kind(const char *name, size_t len)
{
    static const struct {
        const char *name;
        enum arg_kind kind;
    } names[] = {
        {"key", ARG_KEY}, {"newkey", ARG_KEY}, {"source", ARG_KEY}, {"destination", ARG_KEY},
        {"pattern", ARG_PATTERN}, {"parameter", ARG_CONFIG},
        {"unix-time-seconds", ARG_TIME_S}, {"unix-time-milliseconds", ARG_TIME_MS},
        {"seconds", ARG_INT}, {"milliseconds", ARG_INT}, {"offset", ARG_INT},
        {"start", ARG_INT}, {"end", ARG_INT}, {"increment", ARG_INT}, {"decrement", ARG_INT},
        {"cursor", ARG_INT}, {"count", ARG_INT}, {"index", ARG_INT}, {"destination-db", ARG_INT},
        {"protover", ARG_INT}, {"client-id", ARG_INT}, {"maxage", ARG_INT}, {"timeout", ARG_INT},
        {"numkeys", ARG_INT}, {"numfields", ARG_INT}, {"id", ARG_INT}, {"db", ARG_INT},
        {"limit", ARG_INT},
        {"script", ARG_SCRIPT}, {"sha1", ARG_SHA},
        {"function-code", ARG_LIBRARY}, {"function", ARG_FUNCTION},
        {"library-name", ARG_FUNCTION},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == len && memcmp(names[i].name, name, len) == 0)
            return names[i].kind;
    return ARG_VALUE;
}

/* Tokens of a documented syntax such as "key value [NX | XX] [GET]": words
 * in capitals are literals, others placeholders; brackets, bars and
 * ellipses only group, so they are dropped. */
static void template_parse(const char *args, struct template *t)
{
    t->n = 0;
    const char *p = args ? args : "";
    while (*p && t->n < FUZZ_MAX_TEMPLATE) {
        while (*p && strchr(" []()|<>", *p))
            p++;
        const char *start = p;
        while (*p && !strchr(" []()|<>", *p))
            p++;
        size_t len = (size_t)(p - start);
        if (len == 0 || (len == 3 && memcmp(start, "...", 3) == 0))
            continue;
        struct token *tok = &t->tok[t->n++];
        if (start[0] >= 'A' && start[0] <= 'Z') {
            tok->kind = ARG_WORD;
            tok->word.p = start;
            tok->word.len = len;
        } else {
            tok->kind = placeholder_kind(start, len);
        }
    }
}

/* ---- the server under test --------------------------------------------- */

static struct config cfg;
static struct event_base *base;
static uint64_t client_ids[FUZZ_CLIENTS];
static struct conn *checker; /* unlisted: runs the invariant checks' commands */
static char socket_path[64];
static char time_text[4][24]; /* now in s and ms, and a bit later, for EXPIREAT... */

static const char *const policies[] = {"noeviction", "allkeys-lru", "volatile-lru",
                                       "allkeys-lfu", "volatile-lfu", "allkeys-random",
                                       "volatile-random", "volatile-ttl"};

static void set_option(const char *name, const char *value)
{
    char err[256];
    if (config_set_value(&cfg, name, value, err, sizeof err) != TC_OK)
        fuzz_fail("cannot set %s: %s", name, err);
}

/* Libraries loaded before the input runs, so that FCALL reaches a function
 * without a lucky FUNCTION LOAD earlier in the same input: lib1, lib2 and
 * lib4 (lib3 is left for the input to load). */
static void preload_libraries(void)
{
    static const size_t preloaded[] = {0, 1, 6};
    for (size_t i = 0; i < sizeof preloaded / sizeof preloaded[0]; i++) {
        const struct str *lib = &libraries[preloaded[i]];
        const char *name;
        char err[256];
        if (function_load(lib->p, lib->len, 0, &name, err, sizeof err) != 0)
            fuzz_fail("preloading library %zu: %s", preloaded[i], err);
    }
}

static void server_start(unsigned mem_choice, unsigned policy_choice)
{
    clock_set_ms(FUZZ_START_MS);
    config_init(&cfg);
    set_option("port", "0");
    snprintf(socket_path, sizeof socket_path, "/tmp/tidecache-fuzz-%d.sock", (int)getpid());
    set_option("unixsocket", socket_path);
    set_option("proto-max-bulk-len", "1mb");
    /* no cap, or one a little above what the empty server holds */
    static const char *const caps[] = {"0", "0", "400kb", "600kb", "1mb"};
    set_option("maxmemory", caps[mem_choice % (sizeof caps / sizeof caps[0])]);
    set_option("maxmemory-policy", policies[policy_choice % (sizeof policies / sizeof policies[0])]);
    log_setup(LOG_WARNING, "/dev/null");
    stats_reset();
    engine_setup(&cfg);
    base = event_base_new();
    if (!base || server_setup(base, &cfg) != TC_OK)
        fuzz_fail("server setup failed");
    log_set_level((enum log_level)cfg.loglevel);
    for (int i = 0; i < FUZZ_CLIENTS; i++)
        client_ids[i] = conn_create_detached(1)->id;
    checker = conn_create_detached(0);
    preload_libraries();
}

static void server_stop(void)
{
    conn_destroy(checker);
    checker = NULL;
    server_teardown();
    engine_teardown();
    event_base_free(base);
    base = NULL;
    config_free(&cfg);
    log_teardown();
    clock_unfreeze();
}

/* ---- replies --------------------------------------------------------------- */

/* Check and consume every reply in c's output; returns how many. */
static size_t take_replies(struct conn *c, int proto, const char *what)
{
    size_t replies = 0;
    char why[256];
    while (buf_used(&c->out) > 0) {
        size_t used;
        const char *p = c->out.data + c->out.start;
        int rc = resp_read_reply(p, buf_used(&c->out), proto, &used, why, sizeof why);
        if (rc != TC_OK)
            fuzz_fail("%s: malformed reply (%s) in %.*s", what,
                      rc == TC_EAGAIN ? "incomplete" : why,
                      (int)(buf_used(&c->out) < 200 ? buf_used(&c->out) : 200), p);
        buf_consume(&c->out, used);
        replies++;
    }
    return replies;
}

/* Run one command on the checker connection in keyspace db; the reply is
 * left in its output. */
static void checker_run(int db, size_t argc, const struct str *argv)
{
    struct buf req;
    buf_init(&req);
    char head[32];
    int n = snprintf(head, sizeof head, "*%zu\r\n", argc);
    buf_append(&req, head, (size_t)n);
    for (size_t i = 0; i < argc; i++)
        resp_add_bulk(&req, argv[i].p, argv[i].len);
    checker->db = db_get(db);
    checker->db_index = db;
    checker->authenticated = 1;
    checker->proto = 2;
    conn_feed(checker, req.data + req.start, buf_used(&req));
    buf_free(&req);
    if (buf_used(&checker->in) != 0 || (checker->flags & CONN_CLOSE_AFTER_REPLY))
        fuzz_fail("the checker's request did not run cleanly");
}

/* The one reply of the checker's last command, read as an integer. */
static long long checker_int(const char *what)
{
    struct resp_value v;
    size_t used;
    char why[256];
    const char *p = checker->out.data + checker->out.start;
    if (resp_read(p, buf_used(&checker->out), 2, &v, &used, why, sizeof why) != TC_OK ||
        v.kind != RESP_INT || used != buf_used(&checker->out))
        fuzz_fail("%s: expected one integer reply, got %.*s", what,
                  (int)(buf_used(&checker->out) < 200 ? buf_used(&checker->out) : 200), p);
    buf_consume(&checker->out, used);
    return v.integer;
}

/* ---- invariants ------------------------------------------------------------ */

static void check_stores(int expect_none_due)
{
    char why[256];
    for (int i = 0; i < db_count(); i++)
        if (store_verify(db_get(i), expect_none_due, why, sizeof why) != TC_OK)
            fuzz_fail("keyspace %d: %s", i, why);
}

/* Keys met by a scan, for counting distinct ones. */
struct key_seen {
    char **keys;
    size_t *lens;
    size_t n, cap;
};

static void seen_add(void *ctx, const struct item *it)
{
    struct key_seen *ks = ctx;
    for (size_t i = 0; i < ks->n; i++)
        if (ks->lens[i] == item_key_len(it) && memcmp(ks->keys[i], item_key(it), ks->lens[i]) == 0)
            return;
    if (ks->n == ks->cap) {
        ks->cap = ks->cap ? ks->cap * 2 : 16;
        ks->keys = realloc(ks->keys, ks->cap * sizeof *ks->keys);
        ks->lens = realloc(ks->lens, ks->cap * sizeof *ks->lens);
    }
    ks->keys[ks->n] = malloc(item_key_len(it) + 1);
    memcpy(ks->keys[ks->n], item_key(it), item_key_len(it));
    ks->lens[ks->n++] = item_key_len(it);
}

/* A full scan reaches exactly the keys DBSIZE counts once it has removed
 * the expired ones it met. */
static void check_scan_matches_dbsize(int db)
{
    struct store *s = db_get(db);
    struct key_seen ks = {0};
    uint64_t cursor = 0;
    size_t steps = 0;
    do {
        cursor = store_scan(s, cursor, 1, seen_add, &ks);
        if (++steps > 100000000)
            fuzz_fail("keyspace %d: the scan does not end", db);
    } while (cursor != 0);
    if (ks.n != store_count(s))
        fuzz_fail("keyspace %d: a full scan reaches %zu keys, DBSIZE is %zu", db, ks.n,
                  store_count(s));
    static const struct str dbsize[] = {S("DBSIZE")};
    checker_run(db, 1, dbsize);
    long long n = checker_int("DBSIZE");
    if ((size_t)n != ks.n && !cfg.maxmemory) /* under a cap DBSIZE may evict first */
        fuzz_fail("keyspace %d: DBSIZE answers %lld, a full scan reached %zu keys", db, n, ks.n);
    for (size_t i = 0; i < ks.n; i++)
        free(ks.keys[i]);
    free(ks.keys);
    free(ks.lens);
}

/* Every key of the pool, as PTTL sees it, agrees with what is stored:
 * nothing past its expiry is served, and the remaining time is exact. */
static void check_expiry_served(int db)
{
    int64_t now = clock_now_ms();
    for (size_t k = 0; k < NKEYS; k++) {
        const struct item *it = store_peek(db_get(db), keys[k].p, keys[k].len);
        int64_t e = it ? item_expire_ms(it) : 0;
        int present = it != NULL, due = it && e && e <= now;
        struct str argv[] = {S("PTTL"), keys[k]};
        checker_run(db, 2, argv);
        long long pttl = checker_int("PTTL");
        if (!present || due) {
            if (pttl != -2)
                fuzz_fail("keyspace %d key #%zu: %s, but PTTL answers %lld", db, k,
                          present ? "past its expiry" : "absent", pttl);
        } else if (pttl != -2 && pttl != (e ? e - now : -1)) {
            fuzz_fail("keyspace %d key #%zu: expires in %lld ms, but PTTL answers %lld", db, k,
                      (long long)(e ? e - now : -1), pttl);
        }
    }
}

static void check_invariants(int db)
{
    check_stores(0);
    check_scan_matches_dbsize(db);
    check_expiry_served(db);
    if (db != 0)
        check_expiry_served(0);
    check_stores(0);
}

/* ---- operations -------------------------------------------------------------- */

static struct conn *client(unsigned i)
{
    i %= FUZZ_CLIENTS;
    struct conn *c = conn_find_by_id(client_ids[i]);
    if (!c) { /* killed, timed out or quit: a new client takes its place */
        c = conn_create_detached(1);
        client_ids[i] = c->id;
    }
    return c;
}

/* FUZZ_TRACE=1 in the environment prints every request fed, to read what
 * a saved input does. */
static void trace_request(const struct conn *c, const char *p, size_t n)
{
    static int trace = -1;
    if (trace < 0)
        trace = getenv("FUZZ_TRACE") != NULL;
    if (!trace)
        return;
    fprintf(stderr, "client %llu:", (unsigned long long)c->id);
    for (size_t i = 0; i < n && i < 400; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '\r' && i + 1 < n && p[i + 1] == '\n') {
            fputc(' ', stderr);
            i++;
        } else if (ch >= 0x20 && ch < 0x7f) {
            fputc(ch, stderr);
        } else {
            fprintf(stderr, "\\x%02x", ch);
        }
    }
    fputc('\n', stderr);
}

/* Feed bytes to a client and check what comes back. A command must get
 * one reply (none only when it shut the server down). Returns 1 when the
 * server is shutting down. */
static int feed(struct conn *c, const char *p, size_t n, int is_command)
{
    int proto_before = c->proto;
    uint64_t id = c->id;
    int was_shutting = server_shutting_down();
    trace_request(c, p, n);
    size_t left = conn_feed(c, p, n);
    if (conn_find_by_id(id) != c)
        fuzz_fail("a connection destroyed itself while running its own request");
    int proto = c->proto;
    size_t replies = take_replies(c, proto, "reply");
    (void)proto_before;
    int shutting = server_shutting_down() && !was_shutting;
    if (is_command && replies != 1 && !(shutting && replies == 0))
        fuzz_fail("a command got %zu replies", replies);
    if (left > 0 && !is_command) { /* a partial request: the client goes away mid-way */
        conn_destroy(c);
        return server_shutting_down();
    }
    if (left > 0)
        fuzz_fail("%zu bytes of a whole request were not run", left);
    if (c->flags & CONN_CLOSE_AFTER_REPLY)
        conn_destroy(c);
    return server_shutting_down();
}

/* The text of an argument of the given kind, chosen by the input. */
static struct str pick(struct input *in, enum arg_kind kind)
{
    unsigned b = take(in);
    switch (kind) {
    case ARG_KEY: return keys[b % NKEYS];
    case ARG_INT: return ints[b % NINTS];
    case ARG_PATTERN: return patterns[b % NPATTERNS];
    case ARG_TIME_S: return (struct str){time_text[b % 2 * 2], strlen(time_text[b % 2 * 2])};
    case ARG_TIME_MS:
        return (struct str){time_text[b % 2 * 2 + 1], strlen(time_text[b % 2 * 2 + 1])};
    case ARG_CONFIG: {
        size_t n = config_option_count();
        if (b % 8 == 0)
            return patterns[b / 8 % NPATTERNS];
        const char *name = config_option_name(b % n);
        return (struct str){name, strlen(name)};
    }
    case ARG_SCRIPT: return scripts[b % NSCRIPTS];
    case ARG_SHA:
        if (b % 8 == 0)
            return values[b / 8 % NVALUES];
        return (struct str){script_shas[b % NSCRIPTS], SHA1_HEX_BYTES - 1};
    case ARG_LIBRARY: return libraries[b % NLIBRARIES];
    case ARG_FUNCTION: return function_names[b % NFUNCTION_NAMES];
    default: return values[b % NVALUES];
    }
}

/* A binary argument cut from the input itself. */
static struct str pick_bytes(struct input *in)
{
    size_t len = take(in) % 24;
    if (len > in->n)
        len = in->n;
    struct str s = {(const char *)in->p, len};
    in->p += len;
    in->n -= len;
    return s;
}

/* The timestamps EXPIREAT-style arguments use: now and a second later, in
 * seconds and in milliseconds. */
static void refresh_times(void)
{
    int64_t now = clock_now_ms();
    snprintf(time_text[0], sizeof time_text[0], "%lld", (long long)(now / 1000));
    snprintf(time_text[1], sizeof time_text[1], "%lld", (long long)now);
    snprintf(time_text[2], sizeof time_text[2], "%lld", (long long)(now / 1000 + 1));
    snprintf(time_text[3], sizeof time_text[3], "%lld", (long long)(now + 1500));
}

/* CONFIG SET proto-max-bulk-len to something large would let SETRANGE and
 * APPEND allocate gigabytes, as Redis would too: not a finding. */
static int allocates_without_bound(size_t argc, const struct str *argv)
{
    for (size_t i = 0; i < argc; i++)
        if (argv[i].len == 18 && strncasecmp(argv[i].p, "proto-max-bulk-len", 18) == 0)
            return 1;
    return 0;
}

/* Build a command from the input and run it on client c. */
static int op_command(struct input *in, struct conn *c)
{
    struct str argv[FUZZ_MAX_ARGS];
    size_t argc = 0;
    const struct command *cmd = command_at(take(in) % command_count());
    argv[argc++] = (struct str){cmd->name, strlen(cmd->name)};
    struct template t;
    size_t nsubs;
    const struct command *subs = command_subcommands_of(cmd, &nsubs);
    const char *syntax = cmd->args;
    int arity = cmd->arity;
    if (subs && nsubs && take(in) % 8 != 0) {
        const struct command *sub = &subs[take(in) % nsubs];
        const char *bar = strchr(sub->name, '|');
        const char *name = bar ? bar + 1 : sub->name;
        argv[argc++] = (struct str){name, strlen(name)};
        syntax = sub->args;
        arity = sub->arity;
    }
    template_parse(syntax, &t);
    size_t want = arity > 0 ? (size_t)arity : (size_t)-arity + take(in) % 6;
    unsigned shape = take(in);
    if (shape % 8 == 0)
        want += 1;
    else if (shape % 8 == 1 && want > 1)
        want -= 1;
    if (want > FUZZ_MAX_ARGS)
        want = FUZZ_MAX_ARGS;
    size_t next_tok = 0;
    while (argc < want) {
        unsigned how = take(in);
        if (how % 16 < 9 && t.n > 0) { /* follow the syntax, sometimes skipping ahead */
            if (how % 16 == 8)
                next_tok += 1;
            struct token *tok = &t.tok[next_tok++ % t.n];
            argv[argc++] = tok->kind == ARG_WORD ? tok->word : pick(in, tok->kind);
        } else if (how % 16 == 15) {
            argv[argc++] = pick_bytes(in);
        } else {
            argv[argc++] = pick(in, (enum arg_kind)(how % ARG_KINDS));
        }
    }
    if (allocates_without_bound(argc, argv))
        return 0;
    struct buf req;
    buf_init(&req);
    char head[32];
    int n = snprintf(head, sizeof head, "*%zu\r\n", argc);
    buf_append(&req, head, (size_t)n);
    unsigned casing = take(in);
    for (size_t i = 0; i < argc; i++) {
        if (i == 0 && casing % 2) { /* command names are case-insensitive */
            char upper[64];
            size_t len = argv[0].len < sizeof upper ? argv[0].len : sizeof upper;
            for (size_t j = 0; j < len; j++)
                upper[j] = (char)(argv[0].p[j] >= 'a' && argv[0].p[j] <= 'z' ? argv[0].p[j] - 32
                                                                             : argv[0].p[j]);
            resp_add_bulk(&req, upper, len);
        } else {
            resp_add_bulk(&req, argv[i].p, argv[i].len);
        }
    }
    int stop = feed(c, req.data + req.start, buf_used(&req), 1);
    buf_free(&req);
    return stop;
}

static int op_raw(struct input *in, struct conn *c)
{
    size_t len = take(in) % FUZZ_MAX_RAW_BYTES;
    if (len > in->n)
        len = in->n;
    char raw[FUZZ_MAX_RAW_BYTES];
    memcpy(raw, in->p, len);
    in->p += len;
    in->n -= len;
    return feed(c, raw, len, 0);
}

static void op_clock(struct input *in)
{
    static const int64_t steps_ms[] = {1, 2, 10, 99, 100, 500, 999, 1000, 1001, 1500, 5000,
                                       60000, 3600000, 86400000, -1, -1000, -5000};
    int64_t step = steps_ms[take(in) % (sizeof steps_ms / sizeof steps_ms[0])];
    clock_set_ms(clock_now_ms() + step);
}

/* One tick of the timer and the follow-up slices it queued. */
static void op_tick(void)
{
    cron_tick();
    event_base_loop(base, EVLOOP_NONBLOCK);
}

/* Sweep every keyspace to the end; then nothing due may be left. */
static void op_full_sweep(void)
{
    for (int i = 0; i < db_count(); i++) {
        int more = 1;
        for (int r = 0; more && r < FUZZ_SWEEP_ROUNDS; r++)
            store_expire_step(db_get(i), FUZZ_SWEEP_BUDGET_US, &more);
        if (more)
            fuzz_fail("keyspace %d: the sweep still has work after %d rounds", i,
                      FUZZ_SWEEP_ROUNDS);
    }
    check_stores(1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    if (!initialized) {
        memset(long_key, 'L', sizeof long_key);
        memset(big_value, 'B', sizeof big_value);
        for (size_t i = 0; i < NSCRIPTS; i++)
            sha1_hex(scripts[i].p, scripts[i].len, script_shas[i]);
        initialized = 1;
    }
    struct input in = {data, size};
    size_t baseline = mem_used();
    unsigned mem_choice = take(&in), policy_choice = take(&in);
    server_start(mem_choice, policy_choice);
    unsigned current = 0;
    for (int op = 0; op < FUZZ_MAX_OPS && in.n > 0; op++) {
        refresh_times();
        unsigned kind = take(&in) % 16;
        struct conn *c = client(current);
        int stop = 0;
        if (kind < 10)
            stop = op_command(&in, c);
        else if (kind == 10)
            op_clock(&in);
        else if (kind == 11)
            op_tick();
        else if (kind == 12)
            op_full_sweep();
        else if (kind == 13)
            current = take(&in);
        else
            stop = op_raw(&in, c);
        if (stop)
            break;
        struct conn *now = conn_find_by_id(client_ids[current % FUZZ_CLIENTS]);
        check_invariants(now ? now->db_index : 0);
    }
    server_stop();
    if (mem_used() != baseline)
        fuzz_fail("%zu bytes are still counted as used after teardown (%zu before)", mem_used(),
                  baseline);
    return 0;
}
