/* Integration tests of the memory cap: the OOM error and what keeps working
 * under noeviction, which keys each policy keeps (LRU keeps keys read
 * again, CLIENT NO-TOUCH reads protect nothing, volatile-* never evicts a
 * persistent key, volatile-ttl takes the nearest expiry first, LFU keeps
 * frequent keys), lowering maxmemory at runtime (CONFIG SET and SIGHUP)
 * evicting down to it in slices while clients are served, the INFO fields,
 * and used_memory back at its starting value after FLUSHALL and after
 * every other client has disconnected.
 *
 * Caps are set relative to the used_memory the server reports, a few
 * megabytes above an empty server, so the tests do not depend on the
 * allocator's exact sizes. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define TEST_TIMEOUT_S 120  /* per test, generous for sanitizer builds */
#define WAIT_MS 10000       /* bound of every poll-until loop */
#define POLL_STEP_MS 10
#define VALUE_BYTES 100
#define FIELD_BYTES 64
#define OOM_TEXT "OOM command not allowed when used memory > 'maxmemory'."

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* An INFO field as a number; it must be there. */
static long long info_ll(redisContext *h, const char *section, const char *name)
{
    redisReply *r = client_cmd(h, "INFO %s", section);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    char key[FIELD_BYTES];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *p = strstr(r->str, key);
    ck_assert_msg(p != NULL, "INFO %s has no %s", section, name);
    long long v = atoll(p + strlen(key));
    freeReplyObject(r);
    return v;
}

/* An INFO field as text (copied into out). */
static const char *info_str(redisContext *h, const char *section, const char *name, char *out)
{
    redisReply *r = client_cmd(h, "INFO %s", section);
    char key[FIELD_BYTES];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *p = strstr(r->str, key);
    ck_assert_msg(p != NULL, "INFO %s has no %s", section, name);
    p += strlen(key);
    size_t n = strcspn(p, "\r");
    n = n < FIELD_BYTES - 1 ? n : FIELD_BYTES - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    freeReplyObject(r);
    return out;
}

static long long used_memory(redisContext *h)
{
    return info_ll(h, "memory", "used_memory");
}

static void set_cap(redisContext *h, long long bytes)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", bytes);
    expect_status(client_cmd(h, "CONFIG SET maxmemory %s", v), "OK");
}

static void set_policy(redisContext *h, const char *policy)
{
    expect_status(client_cmd(h, "CONFIG SET maxmemory-policy %s", policy), "OK");
}

/* Poll until used_memory is within the cap; fails after WAIT_MS. INFO
 * reports the memory of its own reply as it is being written, which the
 * eviction before the command could not account for: CAP_SLACK_BYTES
 * covers it. */
#define CAP_SLACK_BYTES (16 * 1024)
static void wait_under_cap(redisContext *h, long long cap)
{
    long long end = mono_ms() + WAIT_MS, used = 0;
    while (mono_ms() < end && (used = used_memory(h)) > cap + CAP_SLACK_BYTES)
        sleep_ms(POLL_STEP_MS);
    ck_assert_msg(used <= cap + CAP_SLACK_BYTES, "used_memory %lld still above %lld", used, cap);
}

/* SET prefix<i> for i in [from, from + n) with VALUE_BYTES-byte values and
 * EX ex_s (0: none), pipelined; every reply must be OK. */
static void load(redisContext *h, const char *prefix, long from, long n, long ex_s)
{
    char value[VALUE_BYTES + 1];
    memset(value, 'v', VALUE_BYTES);
    value[VALUE_BYTES] = '\0';
    for (long i = from; i < from + n; i++) {
        char key[32], ex[24];
        snprintf(key, sizeof key, "%s%ld", prefix, i);
        snprintf(ex, sizeof ex, "%ld", ex_s);
        if (ex_s)
            redisAppendCommand(h, "SET %s %s EX %s", key, value, ex);
        else
            redisAppendCommand(h, "SET %s %s", key, value);
    }
    for (long i = 0; i < n; i++) {
        redisReply *r = NULL;
        ck_assert_int_eq(redisGetReply(h, (void **)&r), REDIS_OK);
        expect_status(r, "OK");
    }
}

/* GET prefix<i> for i in [from, to), pipelined. */
static void read_keys(redisContext *h, const char *prefix, long from, long to)
{
    for (long i = from; i < to; i++)
        redisAppendCommand(h, "GET %s%ld", prefix, i);
    for (long i = from; i < to; i++) {
        redisReply *r = NULL;
        ck_assert_int_eq(redisGetReply(h, (void **)&r), REDIS_OK);
        freeReplyObject(r);
    }
}

/* A connection with CLIENT NO-TOUCH on, to look at keys without marking
 * them used. */
static redisContext *observer(const struct server *s)
{
    redisContext *h = client_connect(s);
    expect_status(client_cmd(h, "CLIENT NO-TOUCH on"), "OK");
    return h;
}

/* How many of prefix<i>, i in [from, to), exist. */
static long present(redisContext *h, const char *prefix, long from, long to)
{
    long n = 0;
    for (long i = from; i < to; i++)
        redisAppendCommand(h, "EXISTS %s%ld", prefix, i);
    for (long i = from; i < to; i++) {
        redisReply *r = NULL;
        ck_assert_int_eq(redisGetReply(h, (void **)&r), REDIS_OK);
        ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
        n += r->integer;
        freeReplyObject(r);
    }
    return n;
}

/* Bytes per key of prefix<from..from+n) measured while loading them. */
static long long load_measured(redisContext *h, const char *prefix, long from, long n, long ex_s)
{
    long long before = used_memory(h);
    load(h, prefix, from, n, ex_s);
    return (used_memory(h) - before) / n;
}

/* ------------------------------------------------------------------------ */

START_TEST(test_noeviction_oom)
{
    struct server s;
    server_start(&s, "maxmemory-policy noeviction");
    redisContext *h = client_connect(&s);
    load(h, "keep:", 0, 100, 0);
    expect_status(client_cmd(h, "SET counter 10"), "OK");
    set_cap(h, used_memory(h) + 1024 * 1024);
    /* fill until the first refusal */
    char value[1001];
    memset(value, 'x', 1000);
    value[1000] = '\0';
    long i = 0;
    redisReply *r = NULL;
    for (; i < 100000; i++) {
        r = client_cmd(h, "SET fill:%ld %s", i, value);
        if (r->type == REDIS_REPLY_ERROR)
            break;
        freeReplyObject(r);
    }
    ck_assert_msg(i > 500 && i < 100000, "%ld writes before OOM", i);
    expect_error(r, OOM_TEXT);
    /* every command that may grow memory is refused */
    expect_error(client_cmd(h, "SET other v"), OOM_TEXT);
    expect_error(client_cmd(h, "SETNX other v"), OOM_TEXT);
    expect_error(client_cmd(h, "MSET a 1 b 2"), OOM_TEXT);
    expect_error(client_cmd(h, "APPEND keep:1 more"), OOM_TEXT);
    expect_error(client_cmd(h, "INCR counter"), OOM_TEXT);
    expect_error(client_cmd(h, "SETEX other 10 v"), OOM_TEXT);
    /* reads, deletes, expiry, connection and server commands still work */
    redisReply *g = client_cmd(h, "GET keep:1");
    ck_assert_int_eq(g->type, REDIS_REPLY_STRING);
    ck_assert_int_eq((int)g->len, VALUE_BYTES);
    freeReplyObject(g);
    expect_int(client_cmd(h, "EXISTS keep:2"), 1);
    expect_int(client_cmd(h, "DEL keep:3"), 1);
    expect_int(client_cmd(h, "EXPIRE keep:4 100"), 1);
    expect_int(client_cmd(h, "PERSIST keep:4"), 1);
    expect_int(client_cmd(h, "TTL keep:5"), -1);
    expect_status(client_cmd(h, "PING"), "PONG");
    expect_str(client_cmd(h, "ECHO hi"), "hi");
    expect_status(client_cmd(h, "SELECT 1"), "OK");
    expect_status(client_cmd(h, "SELECT 0"), "OK");
    expect_status(client_cmd(h, "CLIENT SETNAME full"), "OK");
    ck_assert_int_eq(info_ll(h, "stats", "evicted_keys"), 0);
    char v[FIELD_BYTES];
    ck_assert_str_eq(info_str(h, "memory", "maxmemory_policy", v), "noeviction");
    ck_assert(info_ll(h, "memory", "maxmemory") > 0);
    ck_assert(info_ll(h, "memory", "used_memory_rss") > 0);
    ck_assert(atof(info_str(h, "memory", "mem_fragmentation_ratio", v)) > 0);
    ck_assert(info_ll(h, "stats", "total_error_replies") >= 7);
    /* a new client can connect and read too */
    redisContext *h2 = client_connect(&s);
    expect_int(client_cmd(h2, "EXISTS keep:6"), 1);
    expect_error(client_cmd(h2, "SET x y"), OOM_TEXT);
    redisFree(h2);
    /* FLUSHALL works and makes room */
    expect_status(client_cmd(h, "FLUSHALL"), "OK");
    long long end = mono_ms() + WAIT_MS;
    redisReply *w;
    while ((w = client_cmd(h, "SET after flush"))->type == REDIS_REPLY_ERROR && mono_ms() < end) {
        freeReplyObject(w);
        sleep_ms(POLL_STEP_MS);
    }
    expect_status(w, "OK");
    expect_str(client_cmd(h, "GET after"), "flush");
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_allkeys_lru_keeps_read_keys)
{
    struct server s;
    server_start(&s, "maxmemory-policy allkeys-lru");
    redisContext *h = client_connect(&s), *obs = observer(&s);
    long long per_key = load_measured(h, "k:", 0, 10000, 0);
    read_keys(h, "k:", 0, 1000); /* read again: these stay */
    long long cap = used_memory(h) - 4000 * per_key;
    set_cap(obs, cap); /* the timer evicts down to it */
    wait_under_cap(obs, cap);
    ck_assert_int_eq(present(obs, "k:", 0, 1000), 1000);
    long rest = present(obs, "k:", 1000, 10000);
    ck_assert_msg(rest >= 4000 && rest <= 5200, "%ld of the unread keys left", rest);
    /* every missing key was evicted (a few more may go meanwhile, as the
     * observer's own replies take memory) */
    long long evicted = info_ll(obs, "stats", "evicted_keys");
    ck_assert_msg(evicted >= 9000 - rest && evicted <= 9000 - rest + 50,
                  "%lld evicted, %ld missing", evicted, 9000 - rest);
    ck_assert_int_eq(info_ll(obs, "stats", "expired_keys"), 0);
    /* writes keep working at the cap, evicting as they go */
    load(h, "new:", 0, 2000, 0);
    ck_assert(used_memory(obs) <= cap + 64 * 1024);
    ck_assert_int_eq(present(obs, "new:", 1990, 2000), 10);
    redisFree(h);
    redisFree(obs);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_no_touch_reads_protect_nothing)
{
    struct server s;
    server_start(&s, "maxmemory-policy allkeys-lru");
    redisContext *h = client_connect(&s), *obs = observer(&s);
    long long per_key = load_measured(h, "k:", 0, 6000, 0);
    read_keys(obs, "k:", 0, 1000);  /* NO-TOUCH reads */
    read_keys(h, "k:", 1000, 2000); /* ordinary reads */
    long long cap = used_memory(h) - 3000 * per_key;
    set_cap(obs, cap);
    wait_under_cap(obs, cap);
    ck_assert_int_eq(present(obs, "k:", 1000, 2000), 1000);
    long untouched = present(obs, "k:", 0, 1000);
    ck_assert_msg(untouched < 800, "%ld of the NO-TOUCH reads left", untouched);
    redisFree(h);
    redisFree(obs);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_volatile_lru_spares_persistent_keys)
{
    struct server s;
    server_start(&s, "maxmemory-policy volatile-lru");
    redisContext *h = client_connect(&s), *obs = observer(&s);
    load(h, "p:", 0, 3000, 0);
    long long per_key = load_measured(h, "v:", 0, 3000, 3600);
    read_keys(h, "v:", 0, 300);
    long long cap = used_memory(h) - 1500 * per_key;
    set_cap(obs, cap);
    wait_under_cap(obs, cap);
    ck_assert_int_eq(present(obs, "p:", 0, 3000), 3000);
    ck_assert_int_eq(present(obs, "v:", 0, 300), 300);
    long v = present(obs, "v:", 0, 3000);
    ck_assert_msg(v <= 1550, "%ld volatile keys left", v);
    /* below what the persistent keys need: every volatile key goes, then
     * writes are refused */
    cap = used_memory(obs) - (v + 200) * per_key;
    set_cap(obs, cap);
    long long end = mono_ms() + WAIT_MS;
    while (mono_ms() < end && present(obs, "v:", 0, 3000) > 0)
        sleep_ms(POLL_STEP_MS);
    ck_assert_int_eq(present(obs, "v:", 0, 3000), 0);
    ck_assert_int_eq(present(obs, "p:", 0, 3000), 3000);
    expect_error(client_cmd(h, "SET one more"), OOM_TEXT);
    expect_int(client_cmd(h, "DEL p:0"), 1);
    redisFree(h);
    redisFree(obs);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_volatile_ttl_nearest_first)
{
    struct server s;
    server_start(&s, "maxmemory-policy volatile-ttl\nmaxmemory-samples 10");
    redisContext *h = client_connect(&s), *obs = observer(&s);
    load(h, "p:", 0, 1000, 0);
    long long before = used_memory(h);
    for (long i = 0; i < 3000; i++) /* t:<i> expires in 1000 + i seconds */
        redisAppendCommand(h, "SET t:%ld %0100d EX %ld", i, 0, 1000 + i);
    for (long i = 0; i < 3000; i++) {
        redisReply *r = NULL;
        ck_assert_int_eq(redisGetReply(h, (void **)&r), REDIS_OK);
        expect_status(r, "OK");
    }
    long long per_key = (used_memory(h) - before) / 3000;
    long long cap = used_memory(h) - 1000 * per_key;
    set_cap(obs, cap);
    wait_under_cap(obs, cap);
    ck_assert_int_eq(present(obs, "p:", 0, 1000), 1000);
    long gone = 3000 - present(obs, "t:", 0, 3000);
    long near_gone = 1000 - present(obs, "t:", 0, 1000);
    long far_gone = 1000 - present(obs, "t:", 2000, 3000);
    ck_assert_msg(gone >= 900, "%ld evicted", gone);
    long want_near = gone < 1000 ? gone : 1000; /* the nearest go first */
    ck_assert_msg(near_gone * 10 >= want_near * 9, "%ld of %ld from the nearest third", near_gone,
                  gone);
    ck_assert_msg(far_gone * 20 <= gone, "%ld of %ld from the farthest third", far_gone, gone);
    redisFree(h);
    redisFree(obs);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_random_policies)
{
    struct server s;
    server_start(&s, "maxmemory-policy volatile-random");
    redisContext *h = client_connect(&s), *obs = observer(&s);
    load(h, "p:", 0, 2000, 0);
    long long per_key = load_measured(h, "v:", 0, 2000, 3600);
    long long cap = used_memory(h) - 1000 * per_key;
    set_cap(obs, cap);
    wait_under_cap(obs, cap);
    ck_assert_int_eq(present(obs, "p:", 0, 2000), 2000);
    ck_assert(present(obs, "v:", 0, 2000) <= 1050);
    set_policy(obs, "allkeys-random");
    cap = used_memory(obs) - 1000 * per_key;
    set_cap(obs, cap);
    wait_under_cap(obs, cap);
    long p = present(obs, "p:", 0, 2000);
    ck_assert_msg(p < 2000 && p > 1000, "%ld persistent keys left", p);
    redisFree(h);
    redisFree(obs);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_lfu_keeps_frequent_keys)
{
    struct server s;
    server_start(&s, "maxmemory-policy allkeys-lfu");
    redisContext *h = client_connect(&s), *obs = observer(&s);
    long long per_key = load_measured(h, "k:", 0, 6000, 0);
    for (int round = 0; round < 20; round++)
        read_keys(h, "k:", 0, 500);
    long long cap = used_memory(h) - 3000 * per_key;
    set_cap(obs, cap);
    wait_under_cap(obs, cap);
    /* sampled, so a frequent key may rarely go: nearly all stay */
    long hot = present(obs, "k:", 0, 500);
    ck_assert_msg(hot >= 490, "%ld of 500 frequent keys left", hot);
    ck_assert(present(obs, "k:", 500, 6000) <= 2600);
    /* volatile-lfu: the same among keys with an expiry, persistent ones stay */
    expect_status(client_cmd(h, "FLUSHALL"), "OK");
    set_cap(obs, 0);
    set_policy(obs, "volatile-lfu");
    load(h, "p:", 0, 2000, 0);
    per_key = load_measured(h, "v:", 0, 4000, 3600);
    for (int round = 0; round < 20; round++)
        read_keys(h, "v:", 0, 400);
    cap = used_memory(h) - 2000 * per_key;
    set_cap(obs, cap);
    wait_under_cap(obs, cap);
    ck_assert_int_eq(present(obs, "p:", 0, 2000), 2000);
    hot = present(obs, "v:", 0, 400);
    ck_assert_msg(hot >= 390, "%ld of 400 frequent volatile keys left", hot);
    ck_assert(present(obs, "v:", 400, 4000) <= 2100);
    redisFree(h);
    redisFree(obs);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* Lowering the cap a long way evicts in slices: a client pinging meanwhile
 * is answered promptly all along. One slow answer in the run is allowed
 * up to PING_OUTLIER_MS: on a loaded 2-core machine the test process
 * itself may wait that long for a CPU, while a stall of the server would
 * delay every PING of the eviction, not one. */
#define PING_PROMPT_MS 100
#define PING_OUTLIER_MS 1000
START_TEST(test_shrink_at_runtime_without_stall)
{
    struct server s;
    server_start(&s, "maxmemory-policy allkeys-lru");
    redisContext *h = client_connect(&s), *pinger = client_connect(&s);
    long long start = used_memory(h);
    for (long part = 0; part < 10; part++)
        load(h, "k:", part * 20000, 20000, 0);
    long long cap = start + 1024 * 1024;
    long long t0 = mono_ms(), worst = 0, second = 0;
    set_cap(h, cap);
    long long used = used_memory(pinger);
    while (mono_ms() - t0 < WAIT_MS && used > cap + CAP_SLACK_BYTES) {
        long long p0 = mono_ms();
        expect_status(client_cmd(pinger, "PING"), "PONG");
        long long rt = mono_ms() - p0;
        if (rt > worst) {
            second = worst;
            worst = rt;
        } else if (rt > second) {
            second = rt;
        }
        used = info_ll(pinger, "memory", "used_memory");
    }
    ck_assert_msg(used <= cap + CAP_SLACK_BYTES, "used_memory %lld above %lld", used, cap);
    ck_assert_msg(second < PING_PROMPT_MS, "two PINGs waited %lld and %lld ms", worst, second);
    ck_assert_msg(worst < PING_OUTLIER_MS, "a PING waited %lld ms", worst);
    ck_assert(info_ll(pinger, "stats", "evicted_keys") > 150000);
    redisFree(h);
    redisFree(pinger);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* SIGHUP reload takes a new maxmemory and policy from the file. */
START_TEST(test_sighup_applies_cap)
{
    struct server s;
    server_start(&s, "maxmemory-policy noeviction");
    redisContext *h = client_connect(&s);
    load(h, "k:", 0, 20000, 0);
    long long cap = used_memory(h) / 2;
    FILE *f = fopen(s.conf_path, "a");
    ck_assert(f != NULL);
    fprintf(f, "maxmemory %lld\nmaxmemory-policy allkeys-lru\n", cap);
    fclose(f);
    kill(s.pid, SIGHUP);
    long long end = mono_ms() + WAIT_MS;
    while (mono_ms() < end && info_ll(h, "memory", "maxmemory") != cap)
        sleep_ms(POLL_STEP_MS);
    ck_assert_int_eq(info_ll(h, "memory", "maxmemory"), cap);
    wait_under_cap(h, cap);
    char v[FIELD_BYTES];
    ck_assert_str_eq(info_str(h, "memory", "maxmemory_policy", v), "allkeys-lru");
    ck_assert(info_ll(h, "stats", "evicted_keys") > 5000);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* used_memory is an exact account: after other clients have loaded keys,
 * grown their buffers and left, and FLUSHALL has been freed, it is back
 * where it started, to the byte. */
START_TEST(test_used_memory_returns_to_start)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    used_memory(h); /* size this client's buffers for INFO once */
    long long start = used_memory(h);
    redisContext *others[4];
    for (int i = 0; i < 4; i++) {
        others[i] = client_connect(&s);
        expect_status(client_cmd(others[i], "CLIENT SETNAME loader%d", i), "OK");
        char prefix[16];
        snprintf(prefix, sizeof prefix, "c%d:", i);
        load(others[i], prefix, 0, 5000, i % 2 ? 3600 : 0);
    }
    char *big = malloc(200001);
    memset(big, 'b', 200000);
    big[200000] = '\0';
    expect_status(client_cmd(others[0], "SET big %s", big), "OK");
    redisReply *r = client_cmd(others[1], "GET big");
    ck_assert_int_eq((int)r->len, 200000);
    freeReplyObject(r);
    free(big);
    ck_assert(used_memory(h) > start + 20000 * VALUE_BYTES);
    for (int i = 0; i < 4; i++)
        redisFree(others[i]);
    expect_status(client_cmd(h, "FLUSHALL"), "OK");
    long long end = mono_ms() + WAIT_MS, used = 0;
    while (mono_ms() < end && (used = used_memory(h)) != start)
        sleep_ms(POLL_STEP_MS);
    ck_assert_msg(used == start, "used_memory %lld, started at %lld", used, start);
    ck_assert_int_eq(info_ll(h, "memory", "lazyfree_pending_objects"), 0);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

static Suite *maxmemory_suite(void)
{
    Suite *s = suite_create("maxmemory");
    struct {
        const char *name;
        const TTest *test;
    } tests[] = {
        {"noeviction_oom", test_noeviction_oom},
        {"allkeys_lru", test_allkeys_lru_keeps_read_keys},
        {"no_touch", test_no_touch_reads_protect_nothing},
        {"volatile_lru", test_volatile_lru_spares_persistent_keys},
        {"volatile_ttl", test_volatile_ttl_nearest_first},
        {"random", test_random_policies},
        {"lfu", test_lfu_keeps_frequent_keys},
        {"shrink_runtime", test_shrink_at_runtime_without_stall},
        {"sighup", test_sighup_applies_cap},
        {"used_memory", test_used_memory_returns_to_start},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        TCase *tc = tcase_create(tests[i].name);
        tcase_set_timeout(tc, TEST_TIMEOUT_S);
        tcase_add_test(tc, tests[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(maxmemory_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
