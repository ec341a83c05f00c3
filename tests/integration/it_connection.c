/* Integration tests of the connection commands (HELLO, AUTH, SELECT, CLIENT,
 * RESET, PING, ECHO) in RESP2 (hiredis) and RESP3 (the resp3 test client),
 * and a self-test of the resp3 client itself. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "resp3.h"

#define TEST_TIMEOUT_S 60 /* per test, generous for sanitizer builds */

/* ------------------------------------------------------------------------ */
/* resp3 client self-test: canned bytes through a socketpair */

/* A client reading from one end of a socketpair; the other end is *peer. */
static struct r3c *pair_client(int *peer)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct r3c *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->fd = sv[0];
    *peer = sv[1];
    return c;
}

static void feed(int fd, const char *s)
{
    raw_send(fd, s, strlen(s));
}

START_TEST(test_r3_scalars)
{
    int peer;
    struct r3c *c = pair_client(&peer);
    static const char first[] = "+OK\r\n-ERR bad\r\n:-42\r\n$3\r\na\0b\r\n$-1\r\n*-1\r\n_\r\n";
    raw_send(peer, first, sizeof first - 1);
    r3_expect_status(r3_read(c), "OK");
    r3_expect_error(r3_read(c), "ERR bad");
    r3_expect_int(r3_read(c), -42);
    struct r3 *r = r3_read(c);
    ck_assert_int_eq(r->type, R3_BULK);
    ck_assert_uint_eq(r->len, 3);
    ck_assert_int_eq(memcmp(r->str, "a\0b", 3), 0);
    r3_free(r);
    r3_expect_null(r3_read(c));
    r3_expect_null(r3_read(c));
    r3_expect_null(r3_read(c));

    feed(peer, ",3.5\r\n,inf\r\n#t\r\n#f\r\n(12345678901234567890\r\n"
               "=7\r\ntxt:a b\r\n!5\r\nERR x\r\n");
    r = r3_read(c);
    ck_assert_int_eq(r->type, R3_DOUBLE);
    ck_assert(r->dbl == 3.5);
    ck_assert_str_eq(r->str, "3.5");
    r3_free(r);
    r = r3_read(c);
    ck_assert_int_eq(r->type, R3_DOUBLE);
    ck_assert(r->dbl > 1e308);
    r3_free(r);
    r = r3_read(c);
    ck_assert_int_eq(r->type, R3_BOOL);
    ck_assert_int_eq(r->integer, 1);
    r3_free(r);
    r = r3_read(c);
    ck_assert_int_eq(r->type, R3_BOOL);
    ck_assert_int_eq(r->integer, 0);
    r3_free(r);
    r = r3_read(c);
    ck_assert_int_eq(r->type, R3_BIGNUM);
    ck_assert_str_eq(r->str, "12345678901234567890");
    r3_free(r);
    r = r3_read(c);
    ck_assert_int_eq(r->type, R3_VERBATIM);
    ck_assert_str_eq(r->fmt, "txt");
    ck_assert_str_eq(r->str, "a b");
    ck_assert_uint_eq(r->len, 3);
    r3_free(r);
    r3_expect_error(r3_read(c), "ERR x");
    close(peer);
    ck_assert_ptr_null(r3_read(c)); /* EOF */
    r3_close(c);
}
END_TEST

START_TEST(test_r3_aggregates)
{
    int peer;
    struct r3c *c = pair_client(&peer);
    feed(peer, "%2\r\n+server\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n"
               "|1\r\n+ttl\r\n:3600\r\n*3\r\n:1\r\n*0\r\n~2\r\n+a\r\n+b\r\n"
               ">2\r\n$7\r\nmessage\r\n%0\r\n");
    struct r3 *r = r3_read(c);
    ck_assert_msg(r->type == R3_MAP && r->n == 2, "%s", r3_show(r));
    ck_assert_str_eq(r3_show(r), "{+server: $redis, $proto: :3}");
    ck_assert_str_eq(r3_map_get(r, "server")->str, "redis");
    ck_assert_int_eq(r3_map_get(r, "proto")->integer, 3);
    ck_assert_ptr_null(r3_map_get(r, "nope"));
    r3_free(r);

    r = r3_read(c); /* the attribute is skipped */
    ck_assert_str_eq(r3_show(r), "[:1, [], (+a, +b)]");
    ck_assert_int_eq(r->elem[2]->type, R3_SET);
    r3_free(r);

    r = r3_read(c);
    ck_assert_int_eq(r->type, R3_PUSH);
    ck_assert_str_eq(r3_show(r), "<$message, {}>");
    r3_free(r);

    feed(peer, "?bogus\r\n");
    ck_assert_ptr_null(r3_read(c));
    close(peer);
    r3_close(c);
}
END_TEST

/* The client against the live server: binary-safe arguments and RESP2 replies. */
START_TEST(test_r3_live)
{
    struct server s;
    server_start(&s, NULL);
    struct r3c *c = r3_connect(&s);
    r3_expect_status(r3_cmd(c, "PING", NULL), "PONG");
    const char *argv[] = {"SET", "k\r\n", "v\0w"};
    const size_t lens[] = {3, 3, 3};
    r3_expect_status(r3_cmd_argv(c, 3, argv, lens), "OK");
    const char *get[] = {"GET", "k\r\n"};
    const size_t glens[] = {3, 3};
    struct r3 *r = r3_cmd_argv(c, 2, get, glens);
    ck_assert_msg(r->type == R3_BULK && r->len == 3 && memcmp(r->str, "v\0w", 3) == 0, "%s",
                  r3_show(r));
    r3_free(r);
    r3_expect_null(r3_cmd(c, "GET", "missing", NULL));
    r3_expect_status(r3_cmd(c, "QUIT", NULL), "OK");
    ck_assert(r3_closed(c));
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* helpers */

#define PASSWORD "s3cret-pass"
#define PASSWORD_CONF "requirepass " PASSWORD "\n"
#define NOAUTH "NOAUTH Authentication required."
#define WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define HELLO_NOAUTH                                                                            \
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "   \
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "     \
    "protocol version at the same time"
#define FIELD_BYTES 256

/* Copy the value of "name=" in a CLIENT LIST/INFO line into out ("" when
 * absent); returns out. */
static char *line_field(const char *line, const char *name, char *out)
{
    char key[64];
    snprintf(key, sizeof key, " %s=", name);
    const char *p = strncmp(line, key + 1, strlen(key + 1)) == 0 ? line + strlen(key + 1) : NULL;
    if (!p) {
        p = strstr(line, key);
        if (p)
            p += strlen(key);
    }
    size_t n = 0;
    if (p)
        while (p[n] && p[n] != ' ' && p[n] != '\n' && n + 1 < FIELD_BYTES)
            n++;
    memcpy(out, p ? p : "", n);
    out[n] = '\0';
    return out;
}

/* CLIENT INFO over the resp3 client as a malloc'ed line (verbatim in RESP3,
 * bulk in RESP2). */
static char *r3_client_info(struct r3c *c)
{
    struct r3 *r = r3_cmd(c, "CLIENT", "INFO", NULL);
    ck_assert_msg(r && (r->type == R3_VERBATIM || r->type == R3_BULK), "%s", r3_show(r));
    char *line = strdup(r->str);
    r3_free(r);
    return line;
}

/* Assert that field `name` of c's CLIENT INFO equals want. */
static void expect_info_field(struct r3c *c, const char *name, const char *want)
{
    char *line = r3_client_info(c);
    char v[FIELD_BYTES];
    ck_assert_msg(strcmp(line_field(line, name, v), want) == 0, "%s=%s expected, line: %s", name,
                  want, line);
    free(line);
}

/* The id of a resp3 connection (CLIENT ID). */
static long long r3_client_id(struct r3c *c)
{
    struct r3 *r = r3_cmd(c, "CLIENT", "ID", NULL);
    ck_assert_msg(r && r->type == R3_INT, "%s", r3_show(r));
    long long id = r->integer;
    r3_free(r);
    return id;
}

/* Switch to RESP3 and return the HELLO reply. */
static struct r3 *hello3(struct r3c *c)
{
    struct r3 *r = r3_cmd(c, "HELLO", "3", NULL);
    ck_assert_msg(r && r->type == R3_MAP, "%s", r3_show(r));
    return r;
}

/* Send a request as raw bytes and read exactly strlen(want) bytes back. */
static void expect_raw(int fd, const char *request, const char *want)
{
    char got[1024];
    size_t n = strlen(want);
    ck_assert_uint_lt(n, sizeof got);
    raw_send(fd, request, strlen(request));
    size_t r = raw_read_n(fd, got, n);
    got[r] = '\0';
    ck_assert_msg(r == n && memcmp(got, want, n) == 0, "sent %s: expected %s, got %s", request,
                  want, got);
}

/* ------------------------------------------------------------------------ */
/* HELLO */

START_TEST(test_hello3_map)
{
    struct server s;
    server_start(&s, NULL);
    struct r3c *c = r3_connect(&s);
    struct r3 *r = hello3(c);
    ck_assert_uint_eq(r->n, 7);
    static const char *const keys[] = {"server", "version", "proto", "id", "mode", "role",
                                       "modules"};
    for (size_t i = 0; i < 7; i++) { /* Redis's order, keys as bulk strings */
        ck_assert_int_eq(r->elem[2 * i]->type, R3_BULK);
        ck_assert_str_eq(r->elem[2 * i]->str, keys[i]);
    }
    ck_assert_str_eq(r3_map_get(r, "server")->str, "redis");
    ck_assert_int_eq(r3_map_get(r, "server")->type, R3_BULK);
    ck_assert_str_eq(r3_map_get(r, "version")->str, "7.0.15");
    ck_assert_int_eq(r3_map_get(r, "proto")->type, R3_INT);
    ck_assert_int_eq(r3_map_get(r, "proto")->integer, 3);
    ck_assert_int_eq(r3_map_get(r, "id")->type, R3_INT);
    long long id = r3_map_get(r, "id")->integer;
    ck_assert_int_gt(id, 0);
    ck_assert_str_eq(r3_map_get(r, "mode")->str, "standalone");
    ck_assert_str_eq(r3_map_get(r, "role")->str, "master");
    ck_assert_int_eq(r3_map_get(r, "modules")->type, R3_ARRAY);
    ck_assert_uint_eq(r3_map_get(r, "modules")->n, 0);
    r3_free(r);

    ck_assert_int_eq(r3_client_id(c), id); /* CLIENT ID matches HELLO's id */
    r = r3_cmd(c, "HELLO", NULL);          /* no arguments: stays in RESP3 */
    ck_assert_msg(r->type == R3_MAP && r3_map_get(r, "proto")->integer == 3, "%s", r3_show(r));
    r3_free(r);
    r3_expect_null(r3_cmd(c, "GET", "missing", NULL));
    expect_info_field(c, "resp", "3");
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_hello2_flat_array)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    redisReply *r = client_cmd(h, "HELLO 2");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 14);
    ck_assert_str_eq(r->element[0]->str, "server");
    ck_assert_str_eq(r->element[1]->str, "redis");
    ck_assert_str_eq(r->element[4]->str, "proto");
    ck_assert_int_eq(r->element[5]->type, REDIS_REPLY_INTEGER);
    ck_assert_int_eq(r->element[5]->integer, 2);
    ck_assert_str_eq(r->element[6]->str, "id");
    long long id = r->element[7]->integer;
    ck_assert_int_eq(r->element[13]->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->element[13]->elements, 0);
    freeReplyObject(r);
    expect_int(client_cmd(h, "CLIENT ID"), id);
    r = client_cmd(h, "HELLO"); /* no arguments on a RESP2 connection: RESP2 */
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 14);
    freeReplyObject(r);
    redisFree(h);

    /* from RESP3 back to RESP2: the reply already in the new protocol */
    struct r3c *c = r3_connect(&s);
    r3_free(hello3(c));
    struct r3 *x = r3_cmd(c, "HELLO", "2", NULL);
    ck_assert_msg(x->type == R3_ARRAY && x->n == 14, "%s", r3_show(x));
    ck_assert_int_eq(r3_map_get(x, "proto")->integer, 2);
    r3_free(x);
    expect_info_field(c, "resp", "2");
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_hello_errors)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_error(client_cmd(h, "HELLO 4"), "NOPROTO unsupported protocol version");
    expect_error(client_cmd(h, "HELLO 1"), "NOPROTO unsupported protocol version");
    expect_error(client_cmd(h, "HELLO -1"), "NOPROTO unsupported protocol version");
    expect_error(client_cmd(h, "HELLO x"),
                 "ERR Protocol version is not an integer or out of range");
    expect_error(client_cmd(h, "HELLO 99999999999999999999"),
                 "ERR Protocol version is not an integer or out of range");
    expect_error(client_cmd(h, "HELLO 3 foo"), "ERR Syntax error in HELLO option 'foo'");
    expect_error(client_cmd(h, "HELLO 3 AUTH default"), "ERR Syntax error in HELLO option 'AUTH'");
    expect_error(client_cmd(h, "HELLO 3 SETNAME"), "ERR Syntax error in HELLO option 'SETNAME'");
    expect_error(client_cmd(h, "HELLO 3 SETNAME %s", "a b"),
                 "ERR Client names cannot contain spaces, newlines or special characters.");
    expect_error(client_cmd(h, "HELLO 3 AUTH bob x"), WRONGPASS);
    /* no password configured: the default user accepts any password */
    redisReply *r = client_cmd(h, "HELLO 2 AUTH default anything SETNAME n1");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    expect_str(client_cmd(h, "CLIENT GETNAME"), "n1");
    /* none of the failed HELLOs switched the protocol */
    r = client_cmd(h, "CLIENT INFO");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_ptr_nonnull(strstr(r->str, " resp=2 "));
    freeReplyObject(r);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* AUTH */

START_TEST(test_auth_without_password)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_error(client_cmd(h, "AUTH x"),
                 "ERR AUTH <password> called without any password configured for the default "
                 "user. Are you sure your configuration is correct?");
    expect_status(client_cmd(h, "AUTH default x"), "OK");
    expect_error(client_cmd(h, "AUTH bob x"), WRONGPASS);
    expect_error(client_cmd(h, "AUTH a b c"), "ERR syntax error");
    expect_error(client_cmd(h, "AUTH"), "ERR wrong number of arguments for 'auth' command");
    expect_status(client_cmd(h, "PING"), "PONG");
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_auth_required)
{
    struct server s;
    server_start(&s, PASSWORD_CONF);
    redisContext *h = client_connect(&s);
    expect_error(client_cmd(h, "PING"), NOAUTH);
    expect_error(client_cmd(h, "GET k"), NOAUTH);
    expect_error(client_cmd(h, "SELECT 1"), NOAUTH);
    expect_error(client_cmd(h, "CLIENT GETNAME"), NOAUTH);
    /* Redis answers unknown commands and wrong arity before NOAUTH */
    expect_error(client_cmd(h, "FOOBAR a"),
                 "ERR unknown command 'FOOBAR', with args beginning with: 'a' ");
    expect_error(client_cmd(h, "GET"), "ERR wrong number of arguments for 'get' command");
    /* and a container's unknown subcommand or subcommand arity too */
    expect_error(client_cmd(h, "CONFIG FOO"), "ERR unknown subcommand 'FOO'. Try CONFIG HELP.");
    expect_error(client_cmd(h, "CONFIG GET"),
                 "ERR wrong number of arguments for 'config|get' command");
    expect_error(client_cmd(h, "CONFIG GET maxmemory"), NOAUTH);
    expect_error(client_cmd(h, "HELLO 3"), HELLO_NOAUTH);
    expect_error(client_cmd(h, "HELLO"), HELLO_NOAUTH);
    expect_error(client_cmd(h, "AUTH wrong"), WRONGPASS);
    expect_error(client_cmd(h, "AUTH bob " PASSWORD), WRONGPASS);
    expect_error(client_cmd(h, "AUTH DEFAULT " PASSWORD), WRONGPASS); /* user names are exact */
    expect_error(client_cmd(h, "AUTH " PASSWORD "x"), WRONGPASS);
    expect_error(client_cmd(h, "AUTH s3cret"), WRONGPASS);
    expect_error(client_cmd(h, "PING"), NOAUTH);
    expect_status(client_cmd(h, "AUTH " PASSWORD), "OK");
    expect_status(client_cmd(h, "PING"), "PONG");
    expect_error(client_cmd(h, "AUTH wrong"), WRONGPASS); /* a failure does not log out */
    expect_status(client_cmd(h, "PING"), "PONG");
    expect_status(client_cmd(h, "AUTH default " PASSWORD), "OK");
    expect_status(client_cmd(h, "SET k v"), "OK");
    expect_str(client_cmd(h, "GET k"), "v");
    redisFree(h);

    h = client_connect(&s); /* the next connection starts unauthenticated */
    expect_error(client_cmd(h, "GET k"), NOAUTH);
    expect_status(client_cmd(h, "AUTH default " PASSWORD), "OK");
    expect_str(client_cmd(h, "GET k"), "v");
    redisFree(h);

    h = client_connect(&s); /* QUIT works before authenticating */
    expect_status(client_cmd(h, "QUIT"), "OK");
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_hello_auth)
{
    struct server s;
    server_start(&s, PASSWORD_CONF);
    struct r3c *c = r3_connect(&s);
    r3_expect_error(r3_cmd(c, "HELLO", "3", "AUTH", "default", "bad", NULL), WRONGPASS);
    r3_expect_error(r3_cmd(c, "HELLO", "3", "AUTH", "bob", PASSWORD, NULL), WRONGPASS);
    r3_expect_error(r3_cmd(c, "HELLO", "4", "AUTH", "default", PASSWORD, NULL),
                    "NOPROTO unsupported protocol version");
    r3_expect_error(r3_cmd(c, "HELLO", "3", "SETNAME", "a b", "AUTH", "default", PASSWORD, NULL),
                    "ERR Client names cannot contain spaces, newlines or special characters.");
    r3_expect_error(r3_cmd(c, "PING", NULL), NOAUTH); /* none of those authenticated */
    /* the protocol was not switched by the failures: RESP2 null */
    r3_expect_status(r3_cmd(c, "AUTH", PASSWORD, NULL), "OK");
    expect_info_field(c, "resp", "2");
    r3_close(c);

    c = r3_connect(&s);
    struct r3 *r = r3_cmd(c, "HELLO", "3", "AUTH", "default", PASSWORD, "SETNAME", "nm", NULL);
    ck_assert_msg(r->type == R3_MAP && r3_map_get(r, "proto")->integer == 3, "%s", r3_show(r));
    r3_free(r);
    r3_expect_bulk(r3_cmd(c, "CLIENT", "GETNAME", NULL), "nm");
    r3_expect_null(r3_cmd(c, "GET", "missing", NULL));
    r3_expect_status(r3_cmd(c, "PING", NULL), "PONG");
    r3_close(c);

    c = r3_connect(&s); /* HELLO 2 AUTH works too and answers a flat array */
    r = r3_cmd(c, "HELLO", "2", "AUTH", "default", PASSWORD, NULL);
    ck_assert_msg(r->type == R3_ARRAY && r->n == 14, "%s", r3_show(r));
    r3_free(r);
    r3_expect_status(r3_cmd(c, "PING", NULL), "PONG");
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* requirepass is read live: a password set at runtime applies to new
 * connections and to AUTH at once. */
START_TEST(test_requirepass_runtime)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    redisReply *r = client_cmd(h, "CONFIG SET requirepass newpass");
    if (r->type == REDIS_REPLY_ERROR) { /* CONFIG SET not available in this build */
        ck_assert_msg(strncmp(r->str, "ERR unknown command", 19) == 0, "%s", r->str);
        freeReplyObject(r);
        redisFree(h);
        ck_assert_int_eq(server_stop(&s), 0);
        return;
    }
    expect_status(r, "OK");
    expect_status(client_cmd(h, "PING"), "PONG"); /* already in: stays in, as in Redis */
    redisContext *h2 = client_connect(&s);
    expect_error(client_cmd(h2, "PING"), NOAUTH);
    expect_error(client_cmd(h2, "AUTH wrong"), WRONGPASS);
    expect_status(client_cmd(h2, "AUTH newpass"), "OK");
    expect_status(client_cmd(h2, "PING"), "PONG");
    expect_status(client_cmd(h, "CONFIG SET requirepass %s", ""), "OK");
    redisContext *h3 = client_connect(&s);
    expect_status(client_cmd(h3, "PING"), "PONG");
    redisFree(h3);
    redisFree(h2);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* SELECT */

START_TEST(test_select)
{
    struct server s;
    server_start(&s, "databases 4\n");
    redisContext *h = client_connect(&s);
    expect_status(client_cmd(h, "SELECT 1"), "OK");
    expect_status(client_cmd(h, "SET k in-db1"), "OK");
    expect_int(client_cmd(h, "DBSIZE"), 1);
    expect_status(client_cmd(h, "SELECT 0"), "OK");
    expect_nil(client_cmd(h, "GET k"));
    expect_int(client_cmd(h, "DBSIZE"), 0);
    expect_status(client_cmd(h, "SET k in-db0"), "OK");
    expect_status(client_cmd(h, "SELECT 3"), "OK");
    expect_nil(client_cmd(h, "GET k"));
    expect_status(client_cmd(h, "SELECT 1"), "OK");
    expect_str(client_cmd(h, "GET k"), "in-db1");
    expect_error(client_cmd(h, "SELECT 4"), "ERR DB index is out of range");
    expect_error(client_cmd(h, "SELECT -1"), "ERR DB index is out of range");
    expect_error(client_cmd(h, "SELECT x"), "ERR value is not an integer or out of range");
    expect_error(client_cmd(h, "SELECT 99999999999"),
                 "ERR value is out of range, value must between -2147483648 and 2147483647");
    expect_error(client_cmd(h, "SELECT"), "ERR wrong number of arguments for 'select' command");
    expect_str(client_cmd(h, "GET k"), "in-db1"); /* errors kept the selection */
    redisFree(h);

    /* a new connection starts in 0; RESP3 shows db= and the same isolation */
    struct r3c *c = r3_connect(&s);
    r3_free(hello3(c));
    r3_expect_bulk(r3_cmd(c, "GET", "k", NULL), "in-db0");
    r3_expect_status(r3_cmd(c, "SELECT", "2", NULL), "OK");
    r3_expect_null(r3_cmd(c, "GET", "k", NULL));
    expect_info_field(c, "db", "2");
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* CLIENT */

START_TEST(test_client_names)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_nil(client_cmd(h, "CLIENT GETNAME"));
    expect_status(client_cmd(h, "CLIENT SETNAME app-1"), "OK");
    expect_str(client_cmd(h, "CLIENT GETNAME"), "app-1");
    static const char *const bad[] = {"a b", "a\nb", "a\rb", "tab\there", "\x01", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(client_cmd(h, "CLIENT SETNAME %s", bad[i]),
                     "ERR Client names cannot contain spaces, newlines or special characters.");
    expect_str(client_cmd(h, "CLIENT GETNAME"), "app-1"); /* unchanged by the errors */
    expect_status(client_cmd(h, "CLIENT SETNAME %s", ""), "OK"); /* empty clears */
    expect_nil(client_cmd(h, "CLIENT GETNAME"));
    expect_error(client_cmd(h, "CLIENT SETNAME"),
                 "ERR wrong number of arguments for 'client|setname' command");
    expect_error(client_cmd(h, "CLIENT SETNAME a b"),
                 "ERR wrong number of arguments for 'client|setname' command");
    expect_error(client_cmd(h, "CLIENT GETNAME x"),
                 "ERR wrong number of arguments for 'client|getname' command");
    expect_error(client_cmd(h, "CLIENT ID x"),
                 "ERR wrong number of arguments for 'client|id' command");
    expect_error(client_cmd(h, "CLIENT"), "ERR wrong number of arguments for 'client' command");
    expect_error(client_cmd(h, "CLIENT FOO"), "ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
    redisReply *r = client_cmd(h, "CLIENT HELP");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_gt(r->elements, 10);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r->element[0]->str,
                     "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    freeReplyObject(r);
    redisFree(h);

    struct r3c *c = r3_connect(&s);
    r3_free(hello3(c));
    r3_expect_null(r3_cmd(c, "CLIENT", "GETNAME", NULL)); /* RESP3 null */
    r3_expect_status(r3_cmd(c, "CLIENT", "SETNAME", "x", NULL), "OK");
    r3_expect_bulk(r3_cmd(c, "CLIENT", "GETNAME", NULL), "x");
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_client_setinfo)
{
    struct server s;
    server_start(&s, NULL);
    struct r3c *c = r3_connect(&s);
    r3_expect_status(r3_cmd(c, "CLIENT", "SETINFO", "LIB-NAME", "redis-py", NULL), "OK");
    r3_expect_status(r3_cmd(c, "CLIENT", "SETINFO", "lib-ver", "5.0.1", NULL), "OK");
    r3_expect_error(r3_cmd(c, "CLIENT", "SETINFO", "LIB-NAME", "a b", NULL),
                    "ERR LIB-NAME cannot contain spaces, newlines or special characters.");
    r3_expect_error(r3_cmd(c, "CLIENT", "SETINFO", "lib-ver", "1\n2", NULL),
                    "ERR lib-ver cannot contain spaces, newlines or special characters.");
    r3_expect_error(r3_cmd(c, "CLIENT", "SETINFO", "bad", "x", NULL),
                    "ERR Unrecognized option 'bad'");
    r3_expect_error(r3_cmd(c, "CLIENT", "SETINFO", "lib-name", NULL),
                    "ERR wrong number of arguments for 'client|setinfo' command");
    expect_info_field(c, "lib-name", "redis-py");
    expect_info_field(c, "lib-ver", "5.0.1");
    r3_expect_status(r3_cmd(c, "CLIENT", "SETINFO", "lib-ver", "", NULL), "OK");
    expect_info_field(c, "lib-ver", "");
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_client_list_info)
{
    struct server s;
    server_start(&s, NULL);
    struct r3c *a = r3_connect(&s);
    struct r3c *b = r3_connect(&s);
    long long ida = r3_client_id(a), idb = r3_client_id(b);
    ck_assert_int_gt(idb, ida);
    r3_expect_status(r3_cmd(a, "CLIENT", "SETNAME", "alpha", NULL), "OK");
    r3_free(hello3(a));

    /* RESP3: a verbatim string of one line per client, in id order */
    struct r3 *r = r3_cmd(a, "CLIENT", "LIST", NULL);
    ck_assert_msg(r->type == R3_VERBATIM, "%s", r3_show(r));
    ck_assert_str_eq(r->fmt, "txt");
    char want[128];
    snprintf(want, sizeof want, "id=%lld addr=", ida);
    ck_assert_msg(strncmp(r->str, want, strlen(want)) == 0, "%s", r->str);
    char *second = strchr(r->str, '\n');
    ck_assert_ptr_nonnull(second);
    snprintf(want, sizeof want, "id=%lld addr=", idb);
    ck_assert_msg(strncmp(second + 1, want, strlen(want)) == 0, "%s", r->str);
    ck_assert_int_eq(r->str[r->len - 1], '\n');
    char v[FIELD_BYTES];
    ck_assert_str_eq(line_field(r->str, "name", v), "alpha");
    ck_assert_str_eq(line_field(r->str, "resp", v), "3");
    ck_assert_str_eq(line_field(r->str, "cmd", v), "client|list");
    ck_assert_str_eq(line_field(second + 1, "resp", v), "2");
    ck_assert_str_eq(line_field(second + 1, "cmd", v), "client|id");
    r3_free(r);

    /* every field of Redis 7.2's line, in its order */
    char *line = r3_client_info(a);
    static const char *const fields[] = {
        "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub",
        "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll",
        "omem", "tot-mem", "events", "cmd", "user", "redir", "resp", "lib-name", "lib-ver"};
    const char *p = line;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char key[32];
        snprintf(key, sizeof key, "%s=", fields[i]);
        ck_assert_msg(strncmp(p, key, strlen(key)) == 0, "field %s at: %s", fields[i], p);
        p = strpbrk(p, " \n");
        ck_assert_ptr_nonnull(p);
        p++;
    }
    ck_assert_int_eq(*p, '\0');
    char port[16];
    snprintf(port, sizeof port, ":%d", s.port);
    ck_assert_ptr_nonnull(strstr(line_field(line, "laddr", v), port));
    ck_assert_str_eq(line_field(line, "flags", v), "N");
    ck_assert_str_eq(line_field(line, "cmd", v), "client|info");
    ck_assert_str_eq(line_field(line, "user", v), "default");
    ck_assert_str_eq(line_field(line, "argv-mem", v), "10");
    ck_assert_str_eq(line_field(line, "qbuf", v), "26");
    ck_assert_str_eq(line_field(line, "events", v), "r");
    ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1); /* one line, ends in \n */
    free(line);

    /* filters */
    r = r3_cmd(a, "CLIENT", "LIST", "TYPE", "normal", NULL);
    ck_assert_msg(r->type == R3_VERBATIM && strstr(r->str, "name=alpha"), "%s", r3_show(r));
    r3_free(r);
    r = r3_cmd(a, "CLIENT", "LIST", "TYPE", "pubsub", NULL);
    ck_assert_msg(r->type == R3_VERBATIM && r->len == 0, "%s", r3_show(r));
    r3_free(r);
    snprintf(want, sizeof want, "%lld", idb);
    r = r3_cmd(a, "CLIENT", "LIST", "ID", want, "999999", NULL);
    ck_assert_msg(r->type == R3_VERBATIM, "%s", r3_show(r));
    ck_assert_str_eq(line_field(r->str, "id", v), want);
    ck_assert_ptr_eq(strchr(r->str, '\n'), r->str + r->len - 1); /* exactly one line */
    r3_free(r);
    r3_expect_error(r3_cmd(a, "CLIENT", "LIST", "TYPE", "foo", NULL),
                    "ERR Unknown client type 'foo'");
    r3_expect_error(r3_cmd(a, "CLIENT", "LIST", "ID", "x", NULL), "ERR Invalid client ID");
    r3_expect_error(r3_cmd(a, "CLIENT", "LIST", "foo", NULL), "ERR syntax error");
    r3_expect_error(r3_cmd(a, "CLIENT", "LIST", "ID", NULL), "ERR syntax error");
    r3_expect_error(r3_cmd(a, "CLIENT", "INFO", "x", NULL),
                    "ERR wrong number of arguments for 'client|info' command");

    /* RESP2: a bulk string */
    r = r3_cmd(b, "CLIENT", "LIST", NULL);
    ck_assert_msg(r->type == R3_BULK && strstr(r->str, "name=alpha"), "%s", r3_show(r));
    r3_free(r);
    r3_close(a);
    r3_close(b);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* The addr= of a connection, from its own CLIENT INFO. */
static void r3_client_addr(struct r3c *c, char *out)
{
    char *line = r3_client_info(c);
    line_field(line, "addr", out);
    free(line);
}

START_TEST(test_client_kill)
{
    struct server s;
    server_start(&s, NULL);
    struct r3c *a = r3_connect(&s);
    char idbuf[32], addr[FIELD_BYTES];

    /* by ID, from another connection */
    struct r3c *b = r3_connect(&s);
    snprintf(idbuf, sizeof idbuf, "%lld", r3_client_id(b));
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "ID", idbuf, NULL), 1);
    ck_assert(r3_closed(b));
    r3_close(b);
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "ID", idbuf, NULL), 0); /* gone */

    /* by ADDR */
    b = r3_connect(&s);
    r3_client_addr(b, addr);
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "ADDR", addr, NULL), 1);
    ck_assert(r3_closed(b));
    r3_close(b);

    /* old form: ip:port */
    b = r3_connect(&s);
    r3_client_addr(b, addr);
    r3_expect_status(r3_cmd(a, "CLIENT", "KILL", addr, NULL), "OK");
    ck_assert(r3_closed(b));
    r3_close(b);
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", addr, NULL), "ERR No such client");
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", "ID", NULL), "ERR No such client");

    /* LADDR with SKIPME (default yes): every other connection, not us */
    struct r3c *b1 = r3_connect(&s), *b2 = r3_connect(&s);
    r3_expect_status(r3_cmd(b1, "PING", NULL), "PONG");
    r3_expect_status(r3_cmd(b2, "PING", NULL), "PONG");
    snprintf(addr, sizeof addr, "127.0.0.1:%d", s.port);
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "LADDR", addr, NULL), 2);
    ck_assert(r3_closed(b1));
    ck_assert(r3_closed(b2));
    r3_close(b1);
    r3_close(b2);
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "LADDR", "1.2.3.4:5", NULL), 0);

    /* errors */
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", "ID", "x", NULL),
                    "ERR client-id should be greater than 0");
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", "ID", "-5", NULL),
                    "ERR client-id should be greater than 0");
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", "TYPE", "foo", "ID", "1", NULL),
                    "ERR Unknown client type 'foo'");
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", "USER", "bob", NULL), "ERR No such user 'bob'");
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", "FOO", "x", NULL), "ERR syntax error");
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", "ID", "1", "SKIPME", "maybe", NULL),
                    "ERR syntax error");
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", "ID", "1", "SKIPME", NULL), "ERR syntax error");
    r3_expect_error(r3_cmd(a, "CLIENT", "KILL", NULL),
                    "ERR wrong number of arguments for 'client|kill' command");
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "TYPE", "pubsub", NULL), 0);
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "USER", "default", NULL), 0); /* skips me */

    /* ourselves: skipped by default, killed with SKIPME no after the reply */
    snprintf(idbuf, sizeof idbuf, "%lld", r3_client_id(a));
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "ID", idbuf, NULL), 0);
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "ID", idbuf, "SKIPME", "no", NULL), 1);
    ck_assert(r3_closed(a));
    r3_close(a);

    /* old form on ourselves: +OK, then closed */
    a = r3_connect(&s);
    r3_client_addr(a, addr);
    r3_expect_status(r3_cmd(a, "CLIENT", "KILL", addr, NULL), "OK");
    ck_assert(r3_closed(a));
    r3_close(a);

    /* the server is fine afterwards */
    ck_assert(server_alive(&s));
    redisContext *h = client_connect(&s);
    expect_status(client_cmd(h, "PING"), "PONG");
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* A connection killed while it has a pipeline of requests and unread
 * output: the server must drop it cleanly (no use after free). */
START_TEST(test_client_kill_busy_connection)
{
    struct server s;
    server_start(&s, NULL);
    struct r3c *a = r3_connect(&s);
    struct r3c *b = r3_connect(&s);
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%lld", r3_client_id(b));
    for (int i = 0; i < 200; i++) /* replies nobody reads */
        r3_send_argv(b, 2, (const char *const[]){"ECHO", "some-payload-to-queue"}, NULL);
    /* b's requests and a's KILL race; either way b ends closed */
    r3_expect_int(r3_cmd(a, "CLIENT", "KILL", "ID", idbuf, NULL), 1);
    ck_assert(r3_closed(b));
    r3_close(b);
    r3_expect_status(r3_cmd(a, "PING", NULL), "PONG");
    r3_close(a);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_client_no_evict_no_touch)
{
    struct server s;
    server_start(&s, NULL);
    struct r3c *c = r3_connect(&s);
    r3_expect_status(r3_cmd(c, "CLIENT", "NO-EVICT", "on", NULL), "OK");
    expect_info_field(c, "flags", "e");
    r3_expect_status(r3_cmd(c, "CLIENT", "NO-TOUCH", "ON", NULL), "OK");
    expect_info_field(c, "flags", "eT");
    r3_expect_status(r3_cmd(c, "CLIENT", "NO-EVICT", "off", NULL), "OK");
    expect_info_field(c, "flags", "T");
    r3_expect_status(r3_cmd(c, "CLIENT", "NO-TOUCH", "Off", NULL), "OK");
    expect_info_field(c, "flags", "N");
    r3_expect_error(r3_cmd(c, "CLIENT", "NO-EVICT", "maybe", NULL), "ERR syntax error");
    r3_expect_error(r3_cmd(c, "CLIENT", "NO-TOUCH", "1", NULL), "ERR syntax error");
    r3_expect_error(r3_cmd(c, "CLIENT", "NO-EVICT", NULL),
                    "ERR wrong number of arguments for 'client|no-evict' command");
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* RESET, PING, ECHO, encodings */

START_TEST(test_reset)
{
    struct server s;
    server_start(&s, PASSWORD_CONF);
    struct r3c *c = r3_connect(&s);
    r3_expect_status(r3_cmd(c, "RESET", NULL), "RESET"); /* allowed before AUTH */
    struct r3 *r = r3_cmd(c, "HELLO", "3", "AUTH", "default", PASSWORD, "SETNAME", "nm", NULL);
    ck_assert_msg(r->type == R3_MAP, "%s", r3_show(r));
    r3_free(r);
    r3_expect_status(r3_cmd(c, "SELECT", "2", NULL), "OK");
    r3_expect_status(r3_cmd(c, "CLIENT", "NO-EVICT", "on", NULL), "OK");
    r3_expect_status(r3_cmd(c, "CLIENT", "NO-TOUCH", "on", NULL), "OK");
    r3_expect_status(r3_cmd(c, "CLIENT", "SETINFO", "lib-name", "mylib", NULL), "OK");
    r3_expect_status(r3_cmd(c, "RESET", NULL), "RESET");
    r3_expect_error(r3_cmd(c, "PING", NULL), NOAUTH); /* unauthenticated again */
    r3_expect_status(r3_cmd(c, "AUTH", PASSWORD, NULL), "OK");
    char *line = r3_client_info(c);
    char v[FIELD_BYTES];
    ck_assert_str_eq(line_field(line, "resp", v), "2");
    ck_assert_str_eq(line_field(line, "db", v), "0");
    ck_assert_str_eq(line_field(line, "name", v), "");
    ck_assert_str_eq(line_field(line, "flags", v), "N");
    ck_assert_str_eq(line_field(line, "lib-name", v), "mylib"); /* library info stays */
    free(line);
    r3_expect_null(r3_cmd(c, "CLIENT", "GETNAME", NULL));
    r3_expect_error(r3_cmd(c, "RESET", "x", NULL),
                    "ERR wrong number of arguments for 'reset' command");
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_ping_echo)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_status(client_cmd(h, "PING"), "PONG");
    expect_str(client_cmd(h, "PING %s", "hello there"), "hello there");
    redisReply *r = client_cmd(h, "ECHO %b", "a\0\r\nb", (size_t)5);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 5);
    ck_assert_int_eq(memcmp(r->str, "a\0\r\nb", 5), 0);
    freeReplyObject(r);
    expect_error(client_cmd(h, "PING a b"), "ERR wrong number of arguments for 'ping' command");
    expect_error(client_cmd(h, "ECHO"), "ERR wrong number of arguments for 'echo' command");
    redisFree(h);

    struct r3c *c = r3_connect(&s);
    r3_free(hello3(c));
    r3_expect_status(r3_cmd(c, "PING", NULL), "PONG");
    r3_expect_bulk(r3_cmd(c, "PING", "x", NULL), "x");
    r3_expect_bulk(r3_cmd(c, "ECHO", "y", NULL), "y");
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* Exact bytes: null, map and verbatim in RESP3; their RESP2 forms. */
START_TEST(test_resp3_encodings)
{
    struct server s;
    server_start(&s, NULL);
    int fd = raw_connect(&s);
    expect_raw(fd, "GET missing\r\n", "$-1\r\n");
    expect_raw(fd, "CLIENT GETNAME\r\n", "$-1\r\n");
    expect_raw(fd, "HELLO 3\r\n",
               "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n");
    char rest[512];
    size_t n = raw_read_n(fd, rest, strlen("$5\r\nproto\r\n:3\r\n"));
    rest[n] = '\0';
    ck_assert_str_eq(rest, "$5\r\nproto\r\n:3\r\n");
    /* drain the rest of the map: id (any), mode, role, modules */
    struct r3c drain = {.fd = fd};
    for (int i = 0; i < 8; i++)
        r3_free(r3_read(&drain));
    ck_assert_uint_eq(drain.pos, drain.len); /* nothing read ahead */
    expect_raw(fd, "GET missing\r\n", "_\r\n");
    expect_raw(fd, "CLIENT GETNAME\r\n", "_\r\n");
    expect_raw(fd, "CLIENT LIST TYPE master\r\n", "=4\r\ntxt:\r\n");
    expect_raw(fd, "HELLO 2\r\n", "*14\r\n$6\r\nserver\r\n");
    close(fd);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* Rejected commands (unknown, wrong arity, NOAUTH) are error replies but
 * not processed commands, as in Redis. */
START_TEST(test_rejections_in_stats)
{
    struct server s;
    server_start(&s, PASSWORD_CONF);
    redisContext *h = client_connect(&s);
    expect_status(client_cmd(h, "AUTH " PASSWORD), "OK");
    redisReply *r = client_cmd(h, "INFO stats");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    const char *e = strstr(r->str, "total_error_replies:");
    const char *p = strstr(r->str, "total_commands_processed:");
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(p);
    long long errors0 = atoll(e + strlen("total_error_replies:"));
    long long cmds0 = atoll(p + strlen("total_commands_processed:"));
    freeReplyObject(r);

    redisContext *u = client_connect(&s);
    expect_error(client_cmd(u, "NOSUCHCMD"),
                 "ERR unknown command 'NOSUCHCMD', with args beginning with: ");
    expect_error(client_cmd(u, "GET"), "ERR wrong number of arguments for 'get' command");
    expect_error(client_cmd(u, "GET k"), NOAUTH);
    redisFree(u);

    r = client_cmd(h, "INFO stats");
    e = strstr(r->str, "total_error_replies:");
    p = strstr(r->str, "total_commands_processed:");
    ck_assert_int_eq(atoll(e + strlen("total_error_replies:")), errors0 + 3);
    ck_assert_int_eq(atoll(p + strlen("total_commands_processed:")), cmds0 + 1); /* the INFO */
    freeReplyObject(r);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */

static Suite *connection_suite(void)
{
    Suite *s = suite_create("connection");
    TCase *tc = tcase_create("resp3-client");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_r3_scalars);
    tcase_add_test(tc, test_r3_aggregates);
    tcase_add_test(tc, test_r3_live);
    suite_add_tcase(s, tc);

    tc = tcase_create("hello-auth");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_hello3_map);
    tcase_add_test(tc, test_hello2_flat_array);
    tcase_add_test(tc, test_hello_errors);
    tcase_add_test(tc, test_auth_without_password);
    tcase_add_test(tc, test_auth_required);
    tcase_add_test(tc, test_hello_auth);
    tcase_add_test(tc, test_requirepass_runtime);
    tcase_add_test(tc, test_rejections_in_stats);
    suite_add_tcase(s, tc);

    tc = tcase_create("select-client-reset");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_select);
    tcase_add_test(tc, test_client_names);
    tcase_add_test(tc, test_client_setinfo);
    tcase_add_test(tc, test_client_list_info);
    tcase_add_test(tc, test_client_kill);
    tcase_add_test(tc, test_client_kill_busy_connection);
    tcase_add_test(tc, test_client_no_evict_no_touch);
    tcase_add_test(tc, test_reset);
    tcase_add_test(tc, test_ping_echo);
    tcase_add_test(tc, test_resp3_encodings);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(connection_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
