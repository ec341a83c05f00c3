/* Integration tests of transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "resp3.h"

static struct server srv;
static redisContext *c;     /* the transaction's client */
static redisContext *other; /* a second client that changes keys */

static void start(void)
{
    server_start(&srv, NULL);
    c = client_connect(&srv);
    other = client_connect(&srv);
}

static void stop(void)
{
    redisFree(c);
    redisFree(other);
    ck_assert_int_eq(server_stop(&srv), 0);
}

START_TEST(test_exec_runs_queue_in_order)
{
    expect_status(client_cmd(c, "SET a 1"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "INCR a"), "QUEUED");
    expect_status(client_cmd(c, "SET b x"), "QUEUED");
    expect_status(client_cmd(c, "GET a"), "QUEUED");
    /* nothing has run yet: another client sees the old state */
    expect_str(client_cmd(other, "GET a"), "1");
    expect_int(client_cmd(other, "EXISTS b"), 0);
    redisReply *r = client_cmd(c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 3);
    ck_assert_int_eq(r->element[0]->integer, 2);
    ck_assert_str_eq(r->element[1]->str, "OK");
    ck_assert_str_eq(r->element[2]->str, "2");
    freeReplyObject(r);
    expect_str(client_cmd(other, "GET b"), "x");
    /* an empty transaction is an empty array */
    expect_status(client_cmd(c, "MULTI"), "OK");
    r = client_cmd(c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
}
END_TEST

START_TEST(test_runtime_error_inside_exec)
{
    expect_status(client_cmd(c, "SET s notanumber"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "INCR s"), "QUEUED");
    expect_status(client_cmd(c, "SET t 1"), "QUEUED");
    redisReply *r = client_cmd(c, "EXEC");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->element[0]->str, "ERR value is not an integer or out of range");
    ck_assert_str_eq(r->element[1]->str, "OK");
    freeReplyObject(r);
    expect_str(client_cmd(c, "GET t"), "1");
}
END_TEST

START_TEST(test_queue_errors_abort)
{
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "SET q 1"), "QUEUED");
    expect_error(client_cmd(c, "NOSUCH x"), "ERR unknown command 'NOSUCH', with args beginning with: 'x' ");
    expect_error(client_cmd(c, "GET"), "ERR wrong number of arguments for 'get' command");
    expect_error(client_cmd(c, "EXEC"), "EXECABORT Transaction discarded because of previous errors.");
    expect_int(client_cmd(c, "EXISTS q"), 0);
    /* the connection is out of MULTI again */
    expect_status(client_cmd(c, "SET q 2"), "OK");
    /* EXEC itself refused: the transaction goes at once, the reason named */
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "SET q 3"), "QUEUED");
    expect_error(client_cmd(c, "EXEC now"),
                 "EXECABORT Transaction discarded because of: wrong number of arguments for "
                 "'exec' command");
    expect_error(client_cmd(c, "EXEC"), "ERR EXEC without MULTI");
    expect_str(client_cmd(c, "GET q"), "2");
}
END_TEST

START_TEST(test_misuse_errors)
{
    expect_error(client_cmd(c, "EXEC"), "ERR EXEC without MULTI");
    expect_error(client_cmd(c, "DISCARD"), "ERR DISCARD without MULTI");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_error(client_cmd(c, "MULTI"), "ERR MULTI calls can not be nested");
    expect_error(client_cmd(c, "WATCH a"), "ERR WATCH inside MULTI is not allowed");
    expect_status(client_cmd(c, "SET d 1"), "QUEUED");
    expect_status(client_cmd(c, "DISCARD"), "OK");
    expect_int(client_cmd(c, "EXISTS d"), 0);
    expect_error(client_cmd(c, "MULTI x"), "ERR wrong number of arguments for 'multi' command");
}
END_TEST

START_TEST(test_watch_detects_changes)
{
    expect_status(client_cmd(c, "SET w 1"), "OK");
    /* unchanged: runs */
    expect_status(client_cmd(c, "WATCH w"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "SET w 2"), "QUEUED");
    redisReply *r = client_cmd(c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    expect_str(client_cmd(c, "GET w"), "2");

    /* written by another client: nothing runs, null array */
    expect_status(client_cmd(c, "WATCH w"), "OK");
    expect_status(client_cmd(other, "SET w 3"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "SET w 4"), "QUEUED");
    expect_nil(client_cmd(c, "EXEC"));
    expect_str(client_cmd(c, "GET w"), "3");

    /* a watched key that did not exist and was created */
    expect_status(client_cmd(c, "WATCH fresh"), "OK");
    expect_status(client_cmd(other, "SET fresh 1"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "DEL fresh"), "QUEUED");
    expect_nil(client_cmd(c, "EXEC"));

    /* deleted, and given a TTL */
    expect_status(client_cmd(c, "WATCH w"), "OK");
    expect_int(client_cmd(other, "DEL w"), 1);
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_nil(client_cmd(c, "EXEC"));
    expect_status(client_cmd(c, "SET w 5"), "OK");
    expect_status(client_cmd(c, "WATCH w"), "OK");
    expect_int(client_cmd(other, "EXPIRE w 100"), 1);
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_nil(client_cmd(c, "EXEC"));

    /* EXEC ends the watch: the next transaction runs */
    expect_status(client_cmd(other, "SET w 6"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    r = client_cmd(c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
}
END_TEST

START_TEST(test_watch_expiry_unwatch_discard)
{
    /* a watched key that expires aborts */
    expect_status(client_cmd(c, "SET e v PX 30"), "OK");
    expect_status(client_cmd(c, "WATCH e"), "OK");
    long long deadline = 0;
    redisReply *r;
    for (int i = 0; i < 200; i++) { /* bounded: at most ~2 s */
        r = client_cmd(other, "EXISTS e");
        deadline = r->integer;
        freeReplyObject(r);
        if (!deadline)
            break;
        poll(NULL, 0, 10);
    }
    ck_assert_int_eq(deadline, 0);
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_nil(client_cmd(c, "EXEC"));

    /* UNWATCH forgets */
    expect_status(client_cmd(c, "SET u 1"), "OK");
    expect_status(client_cmd(c, "WATCH u"), "OK");
    expect_status(client_cmd(other, "SET u 2"), "OK");
    expect_status(client_cmd(c, "UNWATCH"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "GET u"), "QUEUED");
    r = client_cmd(c, "EXEC");
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_str_eq(r->element[0]->str, "2");
    freeReplyObject(r);

    /* DISCARD forgets too */
    expect_status(client_cmd(c, "WATCH u"), "OK");
    expect_status(client_cmd(other, "SET u 3"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    expect_status(client_cmd(c, "DISCARD"), "OK");
    expect_status(client_cmd(c, "MULTI"), "OK");
    r = client_cmd(c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);

    /* watches are per database */
    expect_status(client_cmd(c, "SELECT 1"), "OK");
    expect_status(client_cmd(c, "WATCH u"), "OK");
    expect_status(client_cmd(other, "SET u 4"), "OK"); /* db 0 */
    expect_status(client_cmd(c, "MULTI"), "OK");
    r = client_cmd(c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
}
END_TEST

/* RESP3: the aborted EXEC is the RESP3 null; RESET leaves MULTI. */
START_TEST(test_resp3_and_reset)
{
    struct r3c *t = r3_connect(&srv);
    struct r3 *r = r3_cmd(t, "HELLO", "3", NULL);
    r3_free(r);
    r3_free(r3_cmd(t, "WATCH", "k", NULL));
    expect_status(client_cmd(other, "SET k 1"), "OK");
    r = r3_cmd(t, "MULTI", NULL);
    ck_assert_int_eq(r->type, R3_STATUS);
    r3_free(r);
    r3_free(r3_cmd(t, "GET", "k", NULL));
    r = r3_cmd(t, "EXEC", NULL);
    ck_assert_msg(r->type == R3_NULL, "%s", r3_show(r));
    r3_free(r);

    r3_free(r3_cmd(t, "MULTI", NULL));
    r = r3_cmd(t, "RESET", NULL);
    ck_assert_int_eq(r->type, R3_STATUS);
    ck_assert_str_eq(r->str, "RESET");
    r3_free(r);
    r = r3_cmd(t, "EXEC", NULL);
    ck_assert_int_eq(r->type, R3_ERROR);
    ck_assert_str_eq(r->str, "ERR EXEC without MULTI");
    r3_free(r);
    r3_close(t);
}
END_TEST

/* A connection that closes inside MULTI with queued commands and watches
 * leaves nothing behind (the sanitizer build checks the memory). */
START_TEST(test_close_inside_multi)
{
    redisContext *x = client_connect(&srv);
    expect_status(client_cmd(x, "WATCH a b c"), "OK");
    expect_status(client_cmd(x, "MULTI"), "OK");
    for (int i = 0; i < 100; i++)
        expect_status(client_cmd(x, "SET k%d v", i), "QUEUED");
    redisFree(x);
    expect_status(client_cmd(c, "PING"), "PONG");
    expect_int(client_cmd(c, "EXISTS k1"), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("multi");
    TCase *tc = tcase_create("multi");
    tcase_add_checked_fixture(tc, start, stop);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_exec_runs_queue_in_order);
    tcase_add_test(tc, test_runtime_error_inside_exec);
    tcase_add_test(tc, test_queue_errors_abort);
    tcase_add_test(tc, test_misuse_errors);
    tcase_add_test(tc, test_watch_detects_changes);
    tcase_add_test(tc, test_watch_expiry_unwatch_discard);
    tcase_add_test(tc, test_resp3_and_reset);
    tcase_add_test(tc, test_close_inside_multi);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
