/* Integration tests of active expiry and lazy flushing in the real server:
 * DBSIZE falls to the keys without a TTL soon after the others expire, even
 * when a few short TTLs hide among many long ones, and FLUSHALL of many keys
 * answers at once and gives the memory back afterwards. Waits are polls with
 * a bound, never fixed sleeps. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define TEST_TIMEOUT_S 120
#define POLL_STEP_MS 5
/* How long after their expiry keys may still be counted. The goal is well
 * under a second (hz 10: one tick, plus the 1 ms wheel slot); the bound is
 * loose for sanitizer builds on a busy machine. */
#define LAG_BOUND_MS 1500

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static long long cmd_int(redisContext *c, const char *cmd)
{
    redisReply *r = redisCommand(c, cmd);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

/* Pipeline count SETs of prefix<i>, with the option (e.g. "EX") and its
 * value when opt is not NULL, and read every reply. */
static void load(redisContext *c, const char *prefix, long count, const char *opt,
                 const char *arg)
{
    char key[64];
    for (long i = 0; i < count; i++) {
        snprintf(key, sizeof key, "%s%ld", prefix, i);
        if (opt)
            redisAppendCommand(c, "SET %s 0123456789abcdef0123456789abcdef %s %s", key, opt,
                               arg);
        else
            redisAppendCommand(c, "SET %s 0123456789abcdef0123456789abcdef", key);
    }
    for (long i = 0; i < count; i++) {
        redisReply *r = NULL;
        ck_assert_int_eq(redisGetReply(c, (void **)&r), REDIS_OK);
        ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
        freeReplyObject(r);
    }
}

/* Poll DBSIZE until it is at most target; returns when that happened
 * (monotonic ms), or -1 after deadline. */
static long long wait_dbsize(redisContext *c, long long target, long long deadline)
{
    while (mono_ms() < deadline) {
        if (cmd_int(c, "DBSIZE") <= target)
            return mono_ms();
        sleep_ms(POLL_STEP_MS);
    }
    return -1;
}

/* 5,000 keys with a 400 ms TTL among 5,000 without: never read, they
 * leave DBSIZE soon after they expire. */
START_TEST(test_dbsize_after_expiry)
{
    struct server srv;
    server_start(&srv, NULL);
    redisContext *c = client_connect(&srv);
    load(c, "keep:", 5000, NULL, NULL);
    load(c, "ttl:", 5000, "PX", "400");
    long long due = mono_ms() + 400;
    long long at = wait_dbsize(c, 5000, due + 10000);
    ck_assert_msg(at >= 0, "DBSIZE never fell to 5000");
    ck_assert_msg(at - due <= LAG_BOUND_MS, "keys left %lld ms after their expiry", at - due);
    ck_assert_int_eq(cmd_int(c, "DBSIZE"), 5000);
    ck_assert_int_eq(client_info_field(c, "stats", "expired_keys"), 5000);
    redisFree(c);
    ck_assert_int_eq(server_stop(&srv), 0);
}
END_TEST

/* 200 keys with a 300 ms TTL written after 50,000 keys with a 1-hour TTL:
 * the sweep finds them directly, not by sampling the 50,000. */
START_TEST(test_short_ttl_among_long)
{
    struct server srv;
    server_start(&srv, NULL);
    redisContext *c = client_connect(&srv);
    load(c, "long:", 50000, "EX", "3600");
    load(c, "short:", 200, "PX", "300");
    long long due = mono_ms() + 300;
    long long at = wait_dbsize(c, 50000, due + 10000);
    ck_assert_msg(at >= 0, "short-TTL keys never left");
    ck_assert_msg(at - due <= LAG_BOUND_MS, "keys left %lld ms after their expiry", at - due);
    ck_assert_int_eq(cmd_int(c, "DBSIZE"), 50000);
    redisReply *r = redisCommand(c, "INFO keyspace");
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(strstr(r->str, "db0:keys=50000,expires=50000,avg_ttl=") != NULL, "%s",
                  r->str);
    long long avg = strtoll(strstr(r->str, "avg_ttl=") + 8, NULL, 10);
    ck_assert_int_gt(avg, 3500000);
    ck_assert_int_le(avg, 3600000);
    freeReplyObject(r);
    redisFree(c);
    ck_assert_int_eq(server_stop(&srv), 0);
}
END_TEST

/* FLUSHALL of 200,000 keys: empty at once, answering at once, and the
 * memory goes back over the next ticks while other commands are served. */
START_TEST(test_flushall_frees_incrementally)
{
    struct server srv;
    server_start(&srv, NULL);
    redisContext *c = client_connect(&srv);
    load(c, "f:", 200000, "EX", "3600");
    long long before = client_info_field(c, "memory", "used_memory");
    ck_assert_int_gt(before, 200000LL * 64);
    redisReply *r = redisCommand(c, "FLUSHALL");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->str, "OK");
    freeReplyObject(r);
    ck_assert_int_eq(cmd_int(c, "DBSIZE"), 0);
    r = redisCommand(c, "SET after flush");
    freeReplyObject(r);
    ck_assert_int_eq(cmd_int(c, "DBSIZE"), 1);
    long long deadline = mono_ms() + 10000, used = before;
    while (mono_ms() < deadline && (used = client_info_field(c, "memory", "used_memory")) > before / 4)
        sleep_ms(POLL_STEP_MS * 4);
    ck_assert_msg(used <= before / 4, "used_memory %lld of %lld after 10 s", used, before);
    redisFree(c);
    ck_assert_int_eq(server_stop(&srv), 0);
}
END_TEST

static Suite *expiry_suite(void)
{
    Suite *s = suite_create("it_expiry");
    TCase *tc = tcase_create("expiry");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_dbsize_after_expiry);
    tcase_add_test(tc, test_short_ttl_among_long);
    tcase_add_test(tc, test_flushall_frees_incrementally);
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
