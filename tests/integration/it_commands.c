/* Integration tests of the commands: GET, SET and its options, DEL, EXISTS,
 * TTL, PTTL, EXPIRE, PEXPIRE, PERSIST, DBSIZE, FLUSHALL, PING, ECHO, and the
 * TTL policy (default-ttl, ttl-rule), against a running build/tidecache. */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "harness.h"

static struct server srv;
static redisContext *c;

static void start_plain(void)
{
    server_start(&srv, NULL);
    c = client_connect(&srv);
}

static void start_with_ttl_policy(void)
{
    server_start(&srv, "default-ttl 100\n"
                       "ttl-rule user: 1000\n"
                       "ttl-rule user:session: 3000\n"
                       "ttl-rule fast: 1\n");
    c = client_connect(&srv);
}

static void stop(void)
{
    redisFree(c);
    ck_assert_int_eq(server_stop(&srv), 0);
}

START_TEST(test_get_set_basic)
{
    expect_nil(client_cmd(c, "GET missing"));
    expect_status(client_cmd(c, "SET k v1"), "OK");
    expect_str(client_cmd(c, "GET k"), "v1");
    expect_status(client_cmd(c, "SET k v2"), "OK");
    expect_str(client_cmd(c, "GET k"), "v2");
    expect_status(client_cmd(c, "set K lower"), "OK");
    expect_str(client_cmd(c, "gEt K"), "lower");
    expect_str(client_cmd(c, "GET k"), "v2");
    expect_error(client_cmd(c, "GET"), "ERR wrong number of arguments for 'get' command");
    expect_error(client_cmd(c, "GET a b"), "ERR wrong number of arguments for 'get' command");
    expect_error(client_cmd(c, "SET a"), "ERR wrong number of arguments for 'set' command");
}
END_TEST

START_TEST(test_set_nx_xx_get)
{
    expect_nil(client_cmd(c, "SET k v XX"));
    expect_int(client_cmd(c, "EXISTS k"), 0);
    expect_status(client_cmd(c, "SET k v NX"), "OK");
    expect_nil(client_cmd(c, "SET k w NX"));
    expect_str(client_cmd(c, "GET k"), "v");
    expect_status(client_cmd(c, "SET k w XX"), "OK");
    expect_str(client_cmd(c, "GET k"), "w");
    expect_str(client_cmd(c, "SET k x GET"), "w");
    expect_nil(client_cmd(c, "SET new y GET"));
    expect_str(client_cmd(c, "GET new"), "y");
    /* NX with GET: the old value comes back and nothing is written */
    expect_str(client_cmd(c, "SET k z NX GET"), "x");
    expect_str(client_cmd(c, "GET k"), "x");
    expect_nil(client_cmd(c, "SET absent z XX GET"));
    expect_int(client_cmd(c, "EXISTS absent"), 0);
    expect_error(client_cmd(c, "SET k v NX XX"), "ERR syntax error");
    expect_error(client_cmd(c, "SET k v XX NX"), "ERR syntax error");
    expect_error(client_cmd(c, "SET k v BOGUS"), "ERR syntax error");
}
END_TEST

START_TEST(test_set_expiry_options)
{
    expect_status(client_cmd(c, "SET k v EX 100"), "OK");
    long long ttl = client_int(c, "TTL %s", "k");
    ck_assert(ttl >= 99 && ttl <= 100);
    expect_status(client_cmd(c, "SET k v PX 5000"), "OK");
    long long pttl = client_int(c, "PTTL %s", "k");
    ck_assert(pttl > 4000 && pttl <= 5000);
    long long at = wall_ms() / 1000 + 200;
    expect_status(client_cmd(c, "SET k v EXAT %lld", at), "OK");
    ttl = client_int(c, "TTL %s", "k");
    ck_assert(ttl >= 198 && ttl <= 200);
    expect_status(client_cmd(c, "SET k v PXAT %lld", wall_ms() + 300000), "OK");
    ttl = client_int(c, "TTL %s", "k");
    ck_assert(ttl >= 298 && ttl <= 300);
    /* the same form twice: the last wins */
    expect_status(client_cmd(c, "SET k v EX 10 EX 20"), "OK");
    ttl = client_int(c, "TTL %s", "k");
    ck_assert(ttl >= 19 && ttl <= 20);
    /* a plain SET clears the TTL */
    expect_status(client_cmd(c, "SET k v"), "OK");
    expect_int(client_cmd(c, "TTL k"), -1);
    /* KEEPTTL keeps it */
    expect_status(client_cmd(c, "SET k v EX 50"), "OK");
    expect_status(client_cmd(c, "SET k v2 KEEPTTL"), "OK");
    ttl = client_int(c, "TTL %s", "k");
    ck_assert(ttl >= 49 && ttl <= 50);
    expect_str(client_cmd(c, "GET k"), "v2");
    /* a time in the past removes the key */
    expect_status(client_cmd(c, "SET k v PXAT 1"), "OK");
    expect_int(client_cmd(c, "EXISTS k"), 0);
}
END_TEST

START_TEST(test_set_expiry_errors)
{
    const char *inv = "ERR invalid expire time in 'set' command";
    expect_error(client_cmd(c, "SET k v EX 0"), inv);
    expect_error(client_cmd(c, "SET k v EX -1"), inv);
    expect_error(client_cmd(c, "SET k v PX 0"), inv);
    expect_error(client_cmd(c, "SET k v EXAT 0"), inv);
    expect_error(client_cmd(c, "SET k v EX 9223372036854775807"), inv);
    expect_error(client_cmd(c, "SET k v PX 9223372036854775807"), inv);
    expect_error(client_cmd(c, "SET k v EX abc"), "ERR value is not an integer or out of range");
    expect_error(client_cmd(c, "SET k v EX 1.5"), "ERR value is not an integer or out of range");
    expect_error(client_cmd(c, "SET k v EX"), "ERR syntax error");
    expect_error(client_cmd(c, "SET k v EX 10 PX 100"), "ERR syntax error");
    expect_error(client_cmd(c, "SET k v KEEPTTL EX 10"), "ERR syntax error");
    expect_error(client_cmd(c, "SET k v EX 10 KEEPTTL"), "ERR syntax error");
    expect_int(client_cmd(c, "EXISTS k"), 0);
}
END_TEST

START_TEST(test_del_exists)
{
    expect_status(client_cmd(c, "SET a 1"), "OK");
    expect_status(client_cmd(c, "SET b 2"), "OK");
    expect_int(client_cmd(c, "EXISTS a b c"), 2);
    expect_int(client_cmd(c, "EXISTS a a a"), 3);
    expect_int(client_cmd(c, "DEL a c"), 1);
    expect_int(client_cmd(c, "DEL a"), 0);
    expect_int(client_cmd(c, "DEL b b"), 1);
    expect_int(client_cmd(c, "EXISTS a b"), 0);
    expect_error(client_cmd(c, "DEL"), "ERR wrong number of arguments for 'del' command");
    expect_error(client_cmd(c, "EXISTS"), "ERR wrong number of arguments for 'exists' command");
}
END_TEST

START_TEST(test_ttl_pttl)
{
    expect_int(client_cmd(c, "TTL none"), -2);
    expect_int(client_cmd(c, "PTTL none"), -2);
    expect_status(client_cmd(c, "SET k v"), "OK");
    expect_int(client_cmd(c, "TTL k"), -1);
    expect_int(client_cmd(c, "PTTL k"), -1);
    expect_status(client_cmd(c, "SET k v PX 1500"), "OK");
    /* 1500 ms rounds to 2 s, as Redis rounds */
    long long ttl = client_int(c, "TTL %s", "k");
    ck_assert(ttl == 1 || ttl == 2);
}
END_TEST

START_TEST(test_expire_pexpire)
{
    expect_int(client_cmd(c, "EXPIRE none 10"), 0);
    expect_status(client_cmd(c, "SET k v"), "OK");
    expect_int(client_cmd(c, "EXPIRE k 100"), 1);
    long long ttl = client_int(c, "TTL %s", "k");
    ck_assert(ttl >= 99 && ttl <= 100);
    expect_int(client_cmd(c, "PEXPIRE k 200000"), 1);
    ttl = client_int(c, "TTL %s", "k");
    ck_assert(ttl >= 199 && ttl <= 200);
    /* NX: only without a TTL; XX: only with one */
    expect_int(client_cmd(c, "EXPIRE k 10 NX"), 0);
    expect_int(client_cmd(c, "EXPIRE k 10 XX"), 1);
    expect_status(client_cmd(c, "SET p v"), "OK");
    expect_int(client_cmd(c, "EXPIRE p 10 XX"), 0);
    expect_int(client_cmd(c, "TTL p"), -1);
    /* GT: a key without TTL counts as infinite, so GT never applies to it */
    expect_int(client_cmd(c, "EXPIRE p 10 GT"), 0);
    expect_int(client_cmd(c, "EXPIRE p 10 LT"), 1);
    expect_int(client_cmd(c, "EXPIRE p 5 GT"), 0);
    expect_int(client_cmd(c, "EXPIRE p 50 GT"), 1);
    expect_int(client_cmd(c, "EXPIRE p 100 LT"), 0);
    expect_int(client_cmd(c, "EXPIRE p 20 LT"), 1);
    ttl = client_int(c, "TTL %s", "p");
    ck_assert(ttl >= 19 && ttl <= 20);
    expect_int(client_cmd(c, "EXPIRE p 30 xx gt"), 1);
    /* option errors */
    expect_error(client_cmd(c, "EXPIRE p 10 NX XX"),
                 "ERR NX and XX, GT or LT options at the same time are not compatible");
    expect_error(client_cmd(c, "EXPIRE p 10 GT LT"),
                 "ERR GT and LT options at the same time are not compatible");
    expect_error(client_cmd(c, "EXPIRE p 10 FOO"), "ERR Unsupported option FOO");
    expect_error(client_cmd(c, "EXPIRE p ten"), "ERR value is not an integer or out of range");
    expect_error(client_cmd(c, "EXPIRE p 9223372036854775807"),
                 "ERR invalid expire time in 'expire' command");
    expect_error(client_cmd(c, "PEXPIRE p 9223372036854775807"),
                 "ERR invalid expire time in 'pexpire' command");
    /* a time in the past deletes the key and counts as done */
    expect_int(client_cmd(c, "EXPIRE p -1"), 1);
    expect_int(client_cmd(c, "EXISTS p"), 0);
    expect_int(client_cmd(c, "PEXPIRE k 0"), 1);
    expect_int(client_cmd(c, "EXISTS k"), 0);
}
END_TEST

START_TEST(test_persist)
{
    expect_int(client_cmd(c, "PERSIST none"), 0);
    expect_status(client_cmd(c, "SET k v"), "OK");
    expect_int(client_cmd(c, "PERSIST k"), 0);
    expect_int(client_cmd(c, "EXPIRE k 100"), 1);
    expect_int(client_cmd(c, "PERSIST k"), 1);
    expect_int(client_cmd(c, "TTL k"), -1);
    expect_str(client_cmd(c, "GET k"), "v");
}
END_TEST

START_TEST(test_short_px_expires)
{
    expect_status(client_cmd(c, "SET k v PX 50"), "OK");
    expect_str(client_cmd(c, "GET k"), "v");
    /* bounded poll: the key must be gone once its 50 ms are up */
    long long deadline = wall_ms() + 2000;
    redisReply *r;
    for (;;) {
        r = client_cmd(c, "GET k");
        if (r->type == REDIS_REPLY_NIL || wall_ms() > deadline)
            break;
        freeReplyObject(r);
        poll(NULL, 0, 10);
    }
    expect_nil(r);
    expect_int(client_cmd(c, "TTL k"), -2);
}
END_TEST

/* Keys with short TTLs that nobody reads again leave through the active
 * sweep: DBSIZE falls to the persistent keys. */
START_TEST(test_active_expiry_dbsize)
{
    for (int i = 0; i < 1000; i++)
        redisAppendCommand(c, "SET short:%d v PX 100", i);
    for (int i = 0; i < 100; i++)
        redisAppendCommand(c, "SET keep:%d v", i);
    for (int i = 0; i < 1100; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(c, (void **)&r), REDIS_OK);
        expect_status(r, "OK");
    }
    long long deadline = wall_ms() + 3000;
    long long n;
    do {
        poll(NULL, 0, 20);
        redisReply *r = client_cmd(c, "DBSIZE");
        n = r->integer;
        freeReplyObject(r);
    } while (n != 100 && wall_ms() < deadline);
    ck_assert_int_eq(n, 100);
}
END_TEST

START_TEST(test_dbsize_flushall)
{
    expect_int(client_cmd(c, "DBSIZE"), 0);
    for (int i = 0; i < 50; i++)
        freeReplyObject(client_cmd(c, "SET k%d v", i));
    expect_int(client_cmd(c, "DBSIZE"), 50);
    expect_status(client_cmd(c, "FLUSHALL"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 0);
    freeReplyObject(client_cmd(c, "SET a b"));
    expect_status(client_cmd(c, "FLUSHALL ASYNC"), "OK");
    expect_int(client_cmd(c, "DBSIZE"), 0);
    expect_status(client_cmd(c, "flushall sync"), "OK");
    expect_error(client_cmd(c, "FLUSHALL FAST"), "ERR syntax error");
    expect_error(client_cmd(c, "FLUSHALL ASYNC SYNC"), "ERR syntax error");
    expect_error(client_cmd(c, "DBSIZE x"), "ERR wrong number of arguments for 'dbsize' command");
}
END_TEST

START_TEST(test_ping_echo)
{
    expect_status(client_cmd(c, "PING"), "PONG");
    expect_str(client_cmd(c, "PING %s", "hello world"), "hello world");
    expect_error(client_cmd(c, "PING a b"), "ERR wrong number of arguments for 'ping' command");
    redisReply *r = client_cmd(c, "ECHO %b", "a\0b", (size_t)3);
    ck_assert_uint_eq(r->len, 3);
    ck_assert_int_eq(memcmp(r->str, "a\0b", 3), 0);
    freeReplyObject(r);
    expect_error(client_cmd(c, "ECHO"), "ERR wrong number of arguments for 'echo' command");
}
END_TEST

START_TEST(test_unknown_command)
{
    expect_error(client_cmd(c, "FOO a b"), "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
    expect_error(client_cmd(c, "LPUSH l x"),
                 "ERR unknown command 'LPUSH', with args beginning with: 'l' 'x' ");
    expect_error(client_cmd(c, "NOPE"), "ERR unknown command 'NOPE', with args beginning with: ");
    /* a newline in an argument cannot break the reply line */
    expect_error(client_cmd(c, "FOO %s", "a\r\nb"),
                 "ERR unknown command 'FOO', with args beginning with: 'a  b' ");
}
END_TEST

START_TEST(test_default_ttl_and_rules)
{
    expect_status(client_cmd(c, "SET plain v"), "OK");
    long long ttl = client_int(c, "TTL %s", "plain");
    ck_assert(ttl >= 99 && ttl <= 100);
    expect_status(client_cmd(c, "SET user:42 v"), "OK");
    ttl = client_int(c, "TTL %s", "user:42");
    ck_assert(ttl >= 999 && ttl <= 1000);
    /* longest prefix wins */
    expect_status(client_cmd(c, "SET user:session:9 v"), "OK");
    ttl = client_int(c, "TTL %s", "user:session:9");
    ck_assert(ttl >= 2999 && ttl <= 3000);
    /* an explicit TTL wins over the rules */
    expect_status(client_cmd(c, "SET user:1 v EX 5"), "OK");
    ttl = client_int(c, "TTL %s", "user:1");
    ck_assert(ttl >= 4 && ttl <= 5);
    /* KEEPTTL keeps the current TTL; on a new key the rule applies */
    expect_status(client_cmd(c, "SET user:1 w KEEPTTL"), "OK");
    ttl = client_int(c, "TTL %s", "user:1");
    ck_assert(ttl >= 4 && ttl <= 5);
    expect_status(client_cmd(c, "SET user:2 w KEEPTTL"), "OK");
    ttl = client_int(c, "TTL %s", "user:2");
    ck_assert(ttl >= 999 && ttl <= 1000);
    /* PERSIST removes the TTL for good */
    expect_int(client_cmd(c, "PERSIST user:2"), 1);
    expect_int(client_cmd(c, "TTL user:2"), -1);
    /* the rule's TTL really expires the key */
    expect_status(client_cmd(c, "SET fast:x v"), "OK");
    long long pttl = client_int(c, "PTTL %s", "fast:x");
    ck_assert(pttl > 0 && pttl <= 1000);
    long long deadline = wall_ms() + 3000;
    long long exists;
    do {
        poll(NULL, 0, 20);
        exists = client_int(c, "EXISTS %s", "fast:x");
    } while (exists && wall_ms() < deadline);
    ck_assert_int_eq(exists, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("commands");
    TCase *tc = tcase_create("commands");
    tcase_add_checked_fixture(tc, start_plain, stop);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_get_set_basic);
    tcase_add_test(tc, test_set_nx_xx_get);
    tcase_add_test(tc, test_set_expiry_options);
    tcase_add_test(tc, test_set_expiry_errors);
    tcase_add_test(tc, test_del_exists);
    tcase_add_test(tc, test_ttl_pttl);
    tcase_add_test(tc, test_expire_pexpire);
    tcase_add_test(tc, test_persist);
    tcase_add_test(tc, test_short_px_expires);
    tcase_add_test(tc, test_active_expiry_dbsize);
    tcase_add_test(tc, test_dbsize_flushall);
    tcase_add_test(tc, test_ping_echo);
    tcase_add_test(tc, test_unknown_command);
    suite_add_tcase(s, tc);

    TCase *policy = tcase_create("ttl policy");
    tcase_add_checked_fixture(policy, start_with_ttl_policy, stop);
    tcase_set_timeout(policy, 30);
    tcase_add_test(policy, test_default_ttl_and_rules);
    suite_add_tcase(s, policy);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
