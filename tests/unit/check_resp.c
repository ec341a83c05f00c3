/* Unit tests for resp: the resumable request parser (every truncation of a
 * valid request is "incomplete, nothing consumed", fed from scratch and fed
 * byte by byte, in place and with the buffer moving), Redis's exact protocol
 * error texts, limits, pipelining, and the exact bytes of every encoder in
 * RESP2 and RESP3. Buffers handed to the parser are allocated at their exact
 * size so that the sanitizer build catches any read past the end. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidecache/buf.h"
#include "tidecache/mem.h"
#include "tidecache/resp.h"
#include "tidecache/status.h"

#define MAX_BULK_512MB (512LL * 1024 * 1024)
#define CASE_MAX_ARGS 24

/* A valid request and the arguments it must produce. */
struct valid_case {
    const char *name;
    const char *in;
    size_t in_len;
    size_t argc;
    const char *argv[CASE_MAX_ARGS];
    size_t arglen[CASE_MAX_ARGS]; /* 0 means strlen(argv[i]) */
};

#define S(lit) lit, sizeof(lit) - 1

static const struct valid_case valid_cases[] = {
    {"multibulk", S("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"), 3,
     {"SET", "key", "value"}, {0}},
    {"binary", S("*3\r\n$3\r\nSET\r\n$6\r\na\0b\r\nc\r\n$2\r\n\r\n\r\n"), 3,
     {"SET", "a\0b\r\nc", "\r\n"}, {3, 6, 2}},
    {"empty bulk", S("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"), 2, {"ECHO", ""}, {0}},
    {"many args",
     S("*10\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
       "$1\r\nd\r\n$1\r\n4\r\n$10\r\n0123456789\r\n"),
     10, {"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "0123456789"}, {0}},
    {"inline", S("SET  k\tv\r\n"), 3, {"SET", "k", "v"}, {0}},
    {"inline quotes",
     S("SET \"a b\" 'c\\'d' \"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\\q\" '\\n' x\"y z\"\r\n"), 6,
     {"SET", "a b", "c'd", "AJ\n\r\t\b\a\\\"q", "\\n", "xy z"}, {0}},
    {"inline hex nul", S("ECHO \"\\x00\\x7f\\xFf\" \"\\x4\" \"\"\r\n"), 4,
     {"ECHO", "\0\x7f\xff", "x4", ""}, {4, 3, 2, 0}},
    {"inline lf only", S("PING\n"), 1, {"PING"}, {0}},
    {"inline one arg no space", S("GET\r\n"), 1, {"GET"}, {0}},
    {"empty line", S("\r\n"), 0, {NULL}, {0}},
    {"lf line", S("\n"), 0, {NULL}, {0}},
    {"blank line", S("  \t \n"), 0, {NULL}, {0}},
    {"zero multibulk", S("*0\r\n"), 0, {NULL}, {0}},
    {"null multibulk", S("*-1\r\n"), 0, {NULL}, {0}},
};

#define N_VALID (sizeof valid_cases / sizeof valid_cases[0])

static size_t case_arglen(const struct valid_case *c, size_t i)
{
    return c->arglen[i] ? c->arglen[i] : strlen(c->argv[i]);
}

/* A fresh heap copy of s[0..n) of exactly n bytes (1 when n is 0). */
static char *dup_exact(const char *s, size_t n)
{
    char *d = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(d);
    if (n)
        memcpy(d, s, n);
    return d;
}

static void assert_args(const struct resp_parser *p, const struct valid_case *c)
{
    ck_assert_msg(p->argc == c->argc, "%s: argc %zu, want %zu", c->name, p->argc, c->argc);
    for (size_t i = 0; i < c->argc; i++) {
        size_t want = case_arglen(c, i);
        ck_assert_msg(p->argv[i].len == want, "%s: arg %zu len %zu, want %zu", c->name, i,
                      p->argv[i].len, want);
        ck_assert_msg(memcmp(p->argv[i].ptr, c->argv[i], want) == 0, "%s: arg %zu bytes",
                      c->name, i);
        ck_assert_msg(p->argv[i].ptr[want] == '\0', "%s: arg %zu not NUL-terminated", c->name,
                      i);
    }
}

/* Parse a whole buffer expected to hold exactly one request. */
static int parse_all(struct resp_parser *p, char *buf, size_t len, size_t *consumed)
{
    return resp_parse(p, buf, len, consumed);
}

START_TEST(test_prefixes_from_scratch)
{
    const struct valid_case *c = &valid_cases[_i];
    for (size_t k = 0; k < c->in_len; k++) {
        struct resp_parser p;
        resp_parser_init(&p, MAX_BULK_512MB);
        char *buf = dup_exact(c->in, k);
        size_t consumed = 99;
        int rc = parse_all(&p, buf, k, &consumed);
        ck_assert_msg(rc == TC_EAGAIN, "%s: prefix %zu gave %d (%s)", c->name, k, rc,
                      p.error ? p.error : "");
        ck_assert_uint_eq(consumed, 0);
        free(buf);
        resp_parser_free(&p);
    }
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    char *buf = dup_exact(c->in, c->in_len);
    size_t consumed = 0;
    ck_assert_int_eq(parse_all(&p, buf, c->in_len, &consumed), TC_OK);
    ck_assert_uint_eq(consumed, c->in_len);
    assert_args(&p, c);
    free(buf);
    resp_parser_free(&p);
}
END_TEST

/* Byte by byte through one parser. With `move`, every call sees the request
 * at a new address holding exactly the bytes so far (the old copy, including
 * what the parser wrote into it, is copied, then scribbled over and freed),
 * as when a connection's buffer is reallocated between reads. */
static void feed_bytewise(const struct valid_case *c, int move)
{
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    char *buf = malloc(move ? 1 : c->in_len);
    ck_assert_ptr_nonnull(buf);
    size_t consumed = 99;
    for (size_t k = 0; k <= c->in_len; k++) {
        if (move && k > 0) {
            char *moved = malloc(k);
            ck_assert_ptr_nonnull(moved);
            memcpy(moved, buf, k - 1);
            memset(buf, 'Z', k - 1);
            free(buf);
            buf = moved;
        }
        if (k > 0)
            buf[k - 1] = c->in[k - 1];
        int rc = resp_parse(&p, buf, k, &consumed);
        if (k < c->in_len) {
            ck_assert_msg(rc == TC_EAGAIN, "%s: prefix %zu gave %d", c->name, k, rc);
            ck_assert_uint_eq(consumed, 0);
        } else {
            ck_assert_int_eq(rc, TC_OK);
            ck_assert_uint_eq(consumed, c->in_len);
            assert_args(&p, c);
        }
    }
    free(buf);
    resp_parser_free(&p);
}

START_TEST(test_prefixes_resumed)
{
    feed_bytewise(&valid_cases[_i], 0);
}
END_TEST

START_TEST(test_prefixes_resumed_moving)
{
    feed_bytewise(&valid_cases[_i], 1);
}
END_TEST

/* The parser keeps offsets, not pointers: a partial request copied to a new
 * address (and the old one destroyed) completes correctly. */
START_TEST(test_buffer_moves)
{
    static const char req[] = "*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$5\r\nworld\r\n";
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    size_t part = 20; /* inside "hello" */
    char *a = dup_exact(req, part);
    size_t consumed;
    ck_assert_int_eq(resp_parse(&p, a, part, &consumed), TC_EAGAIN);
    ck_assert_uint_eq(resp_bytes_wanted(&p), 4); /* "lo\r\n" */
    char *b = malloc(sizeof req);
    memcpy(b, a, part);
    memset(a, '#', part);
    free(a);
    memcpy(b + part, req + part, sizeof req - 1 - part);
    ck_assert_int_eq(resp_parse(&p, b, sizeof req - 1, &consumed), TC_OK);
    ck_assert_uint_eq(consumed, sizeof req - 1);
    ck_assert_uint_eq(p.argc, 3);
    ck_assert_str_eq(p.argv[0].ptr, "SET");
    ck_assert_str_eq(p.argv[1].ptr, "hello");
    ck_assert_str_eq(p.argv[2].ptr, "world");
    ck_assert_ptr_eq(p.argv[0].ptr, b + 8);
    free(b);
    resp_parser_free(&p);
}
END_TEST

/* Bytes examined by an earlier call are not read again: spoiling the
 * already-parsed headers between calls changes nothing. */
START_TEST(test_no_rescan)
{
    char req[] = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    size_t len = sizeof req - 1;
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    size_t consumed;
    ck_assert_int_eq(resp_parse(&p, req, len - 3, &consumed), TC_EAGAIN);
    ck_assert_uint_eq(p.pos, len - 3);
    memset(req, 'Z', 8);          /* "*2\r\n$3\r\n" */
    memset(req + 13, 'Z', 4);     /* "$1\r\n" */
    ck_assert_int_eq(resp_parse(&p, req, len, &consumed), TC_OK);
    ck_assert_uint_eq(consumed, len);
    ck_assert_uint_eq(p.argc, 2);
    ck_assert_str_eq(p.argv[0].ptr, "GET");
    ck_assert_str_eq(p.argv[1].ptr, "k");
    resp_parser_free(&p);
}
END_TEST

/* A malformed input and Redis's reply to it. */
struct bad_case {
    const char *in;
    size_t in_len;
    const char *error;
};

#define E_MB "ERR Protocol error: invalid multibulk length"
#define E_BULK "ERR Protocol error: invalid bulk length"
#define E_QUOTES "ERR Protocol error: unbalanced quotes in request"

static const struct bad_case bad_cases[] = {
    {S("*abc\r\n"), E_MB},
    {S("*\r\n"), E_MB},
    {S("*+1\r\n"), E_MB},
    {S("* 1\r\n"), E_MB},
    {S("*1 \r\n"), E_MB},
    {S("*01\r\n"), E_MB},
    {S("*-\r\n"), E_MB},
    {S("*1048577\r\n"), E_MB},
    {S("*9223372036854775808\r\n"), E_MB},
    {S("*99999999999999999999999\r\n"), E_MB},
    {S("*1\r\n+foo\r\n"), "ERR Protocol error: expected '$', got '+'"},
    {S("*2\r\n$1\r\na\r\n:1\r\n"), "ERR Protocol error: expected '$', got ':'"},
    {S("*1\r\nGET\r\n"), "ERR Protocol error: expected '$', got 'G'"},
    {S("*1\r\n$-1\r\n"), E_BULK},
    {S("*1\r\n$abc\r\n"), E_BULK},
    {S("*1\r\n$\r\n"), E_BULK},
    {S("*1\r\n$1 \r\n"), E_BULK},
    {S("*1\r\n$+1\r\n"), E_BULK},
    {S("*1\r\n$01\r\n"), E_BULK},
    {S("*1\r\n$-0\r\n"), E_BULK},
    {S("*1\r\n$536870913\r\n"), E_BULK},
    {S("*1\r\n$99999999999999999999\r\n"), E_BULK},
    {S("GET \"abc\r\n"), E_QUOTES},
    {S("GET 'abc\r\n"), E_QUOTES},
    {S("GET \"a\"b\r\n"), E_QUOTES},
    {S("GET 'a'b\r\n"), E_QUOTES},
    {S("GET \"a\\\"\r\n"), E_QUOTES},
    {S("GET \"a\0\"\r\n"), E_QUOTES},
};

#define N_BAD (sizeof bad_cases / sizeof bad_cases[0])

START_TEST(test_errors)
{
    const struct bad_case *c = &bad_cases[_i];
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    char *buf = dup_exact(c->in, c->in_len);
    size_t consumed = 99;
    ck_assert_int_eq(resp_parse(&p, buf, c->in_len, &consumed), TC_ERR);
    ck_assert_uint_eq(consumed, 0);
    ck_assert_ptr_nonnull(p.error);
    ck_assert_str_eq(p.error, c->error);
    /* the error sticks: the connection is closing */
    ck_assert_int_eq(resp_parse(&p, buf, c->in_len, &consumed), TC_ERR);
    ck_assert_str_eq(p.error, c->error);
    free(buf);
    resp_parser_free(&p);
}
END_TEST

/* Redis does not check the two bytes after bulk data; neither do we, but the
 * first one still becomes '\0'. */
START_TEST(test_bulk_trailer_unchecked)
{
    static const char req[] = "*2\r\n$3\r\nGET\r\n$3\r\nabcXY";
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    char *buf = dup_exact(req, sizeof req - 1);
    size_t consumed;
    ck_assert_int_eq(resp_parse(&p, buf, sizeof req - 1, &consumed), TC_OK);
    ck_assert_uint_eq(consumed, sizeof req - 1);
    ck_assert_uint_eq(p.argc, 2);
    ck_assert_str_eq(p.argv[1].ptr, "abc");
    ck_assert_int_eq(buf[sizeof req - 3], '\0');
    free(buf);
    resp_parser_free(&p);
}
END_TEST

/* An inline line ends at a NUL byte, as Redis reads it as a C string. */
START_TEST(test_inline_nul_ends_line)
{
    static const char req[] = "GET a\0b c\r\n";
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    char *buf = dup_exact(req, sizeof req - 1);
    size_t consumed;
    ck_assert_int_eq(resp_parse(&p, buf, sizeof req - 1, &consumed), TC_OK);
    ck_assert_uint_eq(consumed, sizeof req - 1);
    ck_assert_uint_eq(p.argc, 2);
    ck_assert_str_eq(p.argv[0].ptr, "GET");
    ck_assert_str_eq(p.argv[1].ptr, "a");
    free(buf);
    resp_parser_free(&p);
}
END_TEST

START_TEST(test_pipelined)
{
    static const char stream[] = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n"
                                 "PING\r\n"
                                 "*0\r\n"
                                 "\n"
                                 "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$2\r\nxy\r\n"
                                 "ECHO 'q r'\n"
                                 "*1\r\n$4\r\nPI";
    static const size_t sizes[] = {20, 6, 4, 1, 28, 11};
    static const size_t argcs[] = {2, 1, 0, 0, 3, 2};
    static const char *first[] = {"GET", "PING", NULL, NULL, "SET", "ECHO"};
    static const char *last[] = {"a", "PING", NULL, NULL, "xy", "q r"};
    size_t len = sizeof stream - 1;
    char *buf = dup_exact(stream, len);
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    size_t off = 0, consumed;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        ck_assert_int_eq(resp_parse(&p, buf + off, len - off, &consumed), TC_OK);
        ck_assert_uint_eq(consumed, sizes[i]);
        ck_assert_uint_eq(p.argc, argcs[i]);
        if (argcs[i]) {
            ck_assert_str_eq(p.argv[0].ptr, first[i]);
            ck_assert_str_eq(p.argv[argcs[i] - 1].ptr, last[i]);
        }
        off += consumed;
    }
    ck_assert_int_eq(resp_parse(&p, buf + off, len - off, &consumed), TC_EAGAIN);
    ck_assert_uint_eq(consumed, 0);
    ck_assert_uint_eq(resp_bytes_wanted(&p), 4);
    free(buf);
    resp_parser_free(&p);
}
END_TEST

/* A bulk of exactly proto-max-bulk-len is accepted on its header alone and
 * costs nothing until its bytes come; one byte more is refused. */
START_TEST(test_large_declared_bulk)
{
    static const char hdr[] = "*2\r\n$3\r\nSET\r\n$536870912\r\n";
    size_t hlen = sizeof hdr - 1;
    size_t extra = 100;
    char *buf = calloc(1, hlen + extra);
    memcpy(buf, hdr, hlen);
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    size_t before = mem_used(), consumed;
    ck_assert_int_eq(resp_parse(&p, buf, hlen, &consumed), TC_EAGAIN);
    ck_assert_uint_eq(consumed, 0);
    ck_assert_uint_eq(resp_bytes_wanted(&p), 536870912 + 2);
    ck_assert_int_eq(resp_parse(&p, buf, hlen + extra, &consumed), TC_EAGAIN);
    ck_assert_uint_eq(resp_bytes_wanted(&p), 536870912 + 2 - extra);
    ck_assert_uint_le(mem_used() - before, 4096);
    resp_parser_free(&p);

    static const char too_big[] = "*2\r\n$3\r\nSET\r\n$536870913\r\n";
    memcpy(buf, too_big, sizeof too_big - 1);
    resp_parser_init(&p, MAX_BULK_512MB);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof too_big - 1, &consumed), TC_ERR);
    ck_assert_str_eq(p.error, E_BULK);
    resp_parser_free(&p);

    /* the limit is the configured one */
    static const char small[] = "*1\r\n$11\r\n";
    memcpy(buf, small, sizeof small - 1);
    resp_parser_init(&p, 10);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof small - 1, &consumed), TC_ERR);
    ck_assert_str_eq(p.error, E_BULK);
    resp_parser_free(&p);
    free(buf);
}
END_TEST

START_TEST(test_bytes_wanted)
{
    static const char req[] = "*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n";
    size_t len = sizeof req - 1;
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    char *buf = dup_exact(req, len);
    size_t consumed;
    size_t data2 = len - 12; /* first byte of "0123456789" */
    for (size_t k = 0; k < len; k++) {
        ck_assert_int_eq(resp_parse(&p, buf, k, &consumed), TC_EAGAIN);
        size_t want = 0;
        if (k >= 8 && k < 13)
            want = 13 - k; /* "GET\r\n" */
        else if (k >= data2)
            want = len - k;
        ck_assert_msg(resp_bytes_wanted(&p) == want, "at %zu: wanted %zu, expected %zu", k,
                      resp_bytes_wanted(&p), want);
    }
    ck_assert_int_eq(resp_parse(&p, buf, len, &consumed), TC_OK);
    ck_assert_uint_eq(resp_bytes_wanted(&p), 0);
    free(buf);
    resp_parser_free(&p);
}
END_TEST

/* "*1048576" is the most Redis takes; declaring it and sending nothing
 * allocates next to nothing, because the arrays follow the arguments that
 * arrive, not the declared count. */
START_TEST(test_args_limit)
{
    static const char ok[] = "*1048576\r\n";
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    size_t before = mem_used(), consumed;
    char *buf = dup_exact(ok, sizeof ok - 1);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof ok - 1, &consumed), TC_EAGAIN);
    ck_assert_uint_le(p.arg_cap, 8);
    ck_assert_uint_le(mem_used() - before, 1024);
    ck_assert_uint_eq(resp_bytes_wanted(&p), 0);
    free(buf);
    resp_parser_free(&p);

    static const char bad[] = "*1048577\r\n";
    resp_parser_init(&p, MAX_BULK_512MB);
    buf = dup_exact(bad, sizeof bad - 1);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof bad - 1, &consumed), TC_ERR);
    ck_assert_str_eq(p.error, E_MB);
    free(buf);
    resp_parser_free(&p);
}
END_TEST

/* Arrays grow geometrically with real arguments: 1000 arguments parse fine. */
START_TEST(test_many_args_grow)
{
    struct buf b;
    buf_init(&b);
    resp_add_array_len(&b, 1000);
    for (int i = 0; i < 1000; i++) {
        char s[16];
        int n = snprintf(s, sizeof s, "v%d", i);
        resp_add_bulk(&b, s, (size_t)n);
    }
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    size_t consumed;
    ck_assert_int_eq(resp_parse(&p, b.data, b.len, &consumed), TC_OK);
    ck_assert_uint_eq(consumed, b.len);
    ck_assert_uint_eq(p.argc, 1000);
    ck_assert_str_eq(p.argv[0].ptr, "v0");
    ck_assert_str_eq(p.argv[999].ptr, "v999");
    ck_assert_uint_ge(p.arg_cap, 1000);
    ck_assert_uint_le(p.arg_cap, 2048);
    resp_parser_free(&p);
    buf_free(&b);
}
END_TEST

/* Redis's 64 KB bound on a line still waiting for its end: more than that
 * is an error for inline requests and for both kinds of header. */
static void check_unterminated(const char *prefix, size_t fill_to, char fill, const char *err)
{
    size_t plen = strlen(prefix);
    for (size_t total = fill_to; total <= fill_to + 1; total++) {
        char *buf = malloc(total);
        memcpy(buf, prefix, plen);
        memset(buf + plen, fill, total - plen);
        struct resp_parser p;
        resp_parser_init(&p, MAX_BULK_512MB);
        size_t consumed;
        int rc = resp_parse(&p, buf, total, &consumed);
        if (total == fill_to) {
            ck_assert_int_eq(rc, TC_EAGAIN);
        } else {
            ck_assert_int_eq(rc, TC_ERR);
            ck_assert_str_eq(p.error, err);
        }
        resp_parser_free(&p);
        free(buf);
    }
}

START_TEST(test_too_big_lines)
{
    check_unterminated("GET ", RESP_MAX_INLINE_BYTES, 'a',
                       "ERR Protocol error: too big inline request");
    check_unterminated("*", RESP_MAX_INLINE_BYTES, '1',
                       "ERR Protocol error: too big mbulk count string");
    /* the '$' line starts at offset 4; it may be 64 KB on its own */
    check_unterminated("*1\r\n$", 4 + RESP_MAX_INLINE_BYTES, '1',
                       "ERR Protocol error: too big bulk count string");
}
END_TEST

/* The same bound applies when the line arrives in pieces. */
START_TEST(test_too_big_inline_incremental)
{
    size_t total = RESP_MAX_INLINE_BYTES + 1;
    char *buf = malloc(total);
    memset(buf, 'x', total);
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    size_t consumed;
    for (size_t k = 1024; k < total; k += 1024)
        ck_assert_int_eq(resp_parse(&p, buf, k, &consumed), TC_EAGAIN);
    ck_assert_int_eq(resp_parse(&p, buf, total, &consumed), TC_ERR);
    ck_assert_str_eq(p.error, "ERR Protocol error: too big inline request");
    resp_parser_free(&p);
    free(buf);
}
END_TEST

/* After TC_OK the parser is back at its start state with its arrays kept:
 * a steady stream of requests allocates nothing. */
START_TEST(test_steady_state_no_alloc)
{
    static const char req[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    char *buf = malloc(sizeof req);
    size_t consumed;
    memcpy(buf, req, sizeof req);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof req - 1, &consumed), TC_OK);
    size_t used = mem_used();
    size_t cap = p.arg_cap;
    size_t *off = p.arg_off;
    for (int i = 0; i < 1000; i++) {
        memcpy(buf, req, sizeof req);
        ck_assert_int_eq(resp_parse(&p, buf, sizeof req - 1, &consumed), TC_OK);
        ck_assert_uint_eq(p.argc, 3);
        ck_assert_int_eq(p.pos, 0);
        ck_assert_int_eq(p.bulk, -1);
        memcpy(buf, "PING\r\n", 6);
        ck_assert_int_eq(resp_parse(&p, buf, 6, &consumed), TC_OK);
        ck_assert_uint_eq(p.argc, 1);
    }
    ck_assert_uint_eq(mem_used(), used);
    ck_assert_uint_eq(p.arg_cap, cap);
    ck_assert_ptr_eq(p.arg_off, off);
    free(buf);
    resp_parser_free(&p);
    ck_assert_uint_lt(mem_used(), used);
}
END_TEST

/* A caller that hands back fewer bytes than before is not resuming the same
 * request; the parser starts over rather than reading out of bounds. */
START_TEST(test_shorter_buffer_restarts)
{
    static const char req[] = "*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n";
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    char *buf = dup_exact(req, sizeof req - 1);
    size_t consumed;
    ck_assert_int_eq(resp_parse(&p, buf, 17, &consumed), TC_EAGAIN);
    ck_assert_int_eq(resp_parse(&p, buf, 3, &consumed), TC_EAGAIN);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof req - 1, &consumed), TC_OK);
    ck_assert_uint_eq(p.argc, 2);
    ck_assert_str_eq(p.argv[1].ptr, "x");
    free(buf);
    resp_parser_free(&p);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Encoders */

static struct buf out;

static void out_setup(void)
{
    buf_init(&out);
}

static void out_teardown(void)
{
    buf_free(&out);
}

#define ck_out(lit)                                                                        \
    do {                                                                                   \
        ck_assert_uint_eq(buf_used(&out), sizeof(lit) - 1);                                \
        ck_assert_mem_eq(out.data + out.start, lit, sizeof(lit) - 1);                      \
        buf_consume(&out, buf_used(&out));                                                 \
    } while (0)

START_TEST(test_enc_simple_error)
{
    resp_add_simple(&out, "OK", 2);
    ck_out("+OK\r\n");
    resp_add_simple(&out, "", 0);
    ck_out("+\r\n");
    resp_add_error(&out, "ERR syntax error", 16);
    ck_out("-ERR syntax error\r\n");
}
END_TEST

START_TEST(test_enc_int)
{
    static const long long v[] = {0, 1, -1, 9, 10, 99, 100, 12345, -12345, 1000000007,
                                  LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char want[64];
        int n = snprintf(want, sizeof want, ":%lld\r\n", v[i]);
        resp_add_int(&out, v[i]);
        ck_assert_uint_eq(buf_used(&out), (size_t)n);
        ck_assert_mem_eq(out.data + out.start, want, (size_t)n);
        buf_consume(&out, buf_used(&out));
    }
    resp_add_int(&out, LLONG_MIN);
    ck_out(":-9223372036854775808\r\n");
}
END_TEST

START_TEST(test_enc_bulk)
{
    resp_add_bulk(&out, "hello", 5);
    ck_out("$5\r\nhello\r\n");
    resp_add_bulk(&out, "", 0);
    ck_out("$0\r\n\r\n");
    resp_add_bulk(&out, "a\0\r\n", 4);
    ck_out("$4\r\na\0\r\n\r\n");
    char big[1000];
    memset(big, 'z', sizeof big);
    resp_add_bulk(&out, big, sizeof big);
    ck_assert_uint_eq(buf_used(&out), 7 + 1000 + 2);
    ck_assert_mem_eq(out.data, "$1000\r\nzz", 9);
    ck_assert_mem_eq(out.data + 1007, "\r\n", 2);
    buf_consume(&out, buf_used(&out));
}
END_TEST

/* Encoders append after what is already queued, even when the buffer has
 * consumed bytes at its front. */
START_TEST(test_enc_appends)
{
    resp_add_simple(&out, "A", 1);
    resp_add_simple(&out, "B", 1);
    buf_consume(&out, 4);
    resp_add_int(&out, 7);
    resp_add_array_len(&out, 2);
    ck_out("+B\r\n:7\r\n*2\r\n");
}
END_TEST

START_TEST(test_enc_resp2)
{
    resp_add_null(&out, 2);
    ck_out("$-1\r\n");
    resp_add_null_array(&out, 2);
    ck_out("*-1\r\n");
    resp_add_array_len(&out, 0);
    ck_out("*0\r\n");
    resp_add_array_len(&out, 12);
    ck_out("*12\r\n");
    resp_add_map_len(&out, 2, 3);
    ck_out("*6\r\n");
    resp_add_set_len(&out, 2, 4);
    ck_out("*4\r\n");
    resp_add_double(&out, 2, 1.5);
    ck_out("$3\r\n1.5\r\n");
    resp_add_double(&out, 2, INFINITY);
    ck_out("$3\r\ninf\r\n");
    resp_add_double(&out, 2, -INFINITY);
    ck_out("$4\r\n-inf\r\n");
    resp_add_double(&out, 2, NAN);
    ck_out("$3\r\nnan\r\n");
    resp_add_bool(&out, 2, 1);
    ck_out(":1\r\n");
    resp_add_bool(&out, 2, 0);
    ck_out(":0\r\n");
    resp_add_verbatim(&out, 2, "txt", "some text", 9);
    ck_out("$9\r\nsome text\r\n");
}
END_TEST

START_TEST(test_enc_resp3)
{
    resp_add_null(&out, 3);
    ck_out("_\r\n");
    resp_add_null_array(&out, 3);
    ck_out("_\r\n");
    resp_add_array_len(&out, 3);
    ck_out("*3\r\n");
    resp_add_map_len(&out, 3, 3);
    ck_out("%3\r\n");
    resp_add_set_len(&out, 3, 4);
    ck_out("~4\r\n");
    resp_add_double(&out, 3, 1.5);
    ck_out(",1.5\r\n");
    resp_add_double(&out, 3, INFINITY);
    ck_out(",inf\r\n");
    resp_add_double(&out, 3, -INFINITY);
    ck_out(",-inf\r\n");
    resp_add_double(&out, 3, NAN);
    ck_out(",nan\r\n");
    resp_add_bool(&out, 3, 1);
    ck_out("#t\r\n");
    resp_add_bool(&out, 3, 0);
    ck_out("#f\r\n");
    resp_add_verbatim(&out, 3, "txt", "some text", 9);
    ck_out("=13\r\ntxt:some text\r\n");
    resp_add_verbatim(&out, 3, "mkd", "", 0);
    ck_out("=4\r\nmkd:\r\n");
}
END_TEST

/* Doubles: the shortest of %.15g..%.17g that reads back exactly. */
START_TEST(test_enc_double_forms)
{
    /* Redis 7.0's form: "%.17g", and inf / -inf spelled out */
    resp_add_double(&out, 3, 0.1);
    ck_out(",0.10000000000000001\r\n");
    resp_add_double(&out, 3, 3.0);
    ck_out(",3\r\n");
    resp_add_double(&out, 3, -2.25);
    ck_out(",-2.25\r\n");
    resp_add_double(&out, 3, 1e300);
    ck_out(",1.0000000000000001e+300\r\n");
    resp_add_double(&out, 3, 1.0 / 0.0);
    ck_out(",inf\r\n");
    resp_add_double(&out, 3, -1.0 / 0.0);
    ck_out(",-inf\r\n");
    resp_add_double(&out, 2, 1.5);
    ck_out("$3\r\n1.5\r\n");
    resp_add_double(&out, 3, 0.0);
    ck_out(",0\r\n");
    double vals[] = {1.0 / 7.0, 123456.789, 5e-324, 1.7976931348623157e308, -0.000123};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        resp_add_double(&out, 3, vals[i]);
        char *s = out.data + out.start;
        ck_assert_int_eq(s[0], ',');
        ck_assert_double_eq(strtod(s + 1, NULL), vals[i]);
        buf_consume(&out, buf_used(&out));
    }
}
END_TEST

/* What the encoders write, the parser reads back. */
START_TEST(test_enc_roundtrip)
{
    resp_add_array_len(&out, 3);
    resp_add_bulk(&out, "SET", 3);
    resp_add_bulk(&out, "k\r\n", 3);
    resp_add_bulk(&out, "", 0);
    struct resp_parser p;
    resp_parser_init(&p, MAX_BULK_512MB);
    size_t consumed;
    ck_assert_int_eq(resp_parse(&p, out.data, out.len, &consumed), TC_OK);
    ck_assert_uint_eq(consumed, out.len);
    ck_assert_uint_eq(p.argc, 3);
    ck_assert_mem_eq(p.argv[1].ptr, "k\r\n", 3);
    ck_assert_uint_eq(p.argv[2].len, 0);
    resp_parser_free(&p);
}
END_TEST

static Suite *resp_suite(void)
{
    Suite *s = suite_create("resp");

    TCase *tc = tcase_create("parser");
    tcase_add_loop_test(tc, test_prefixes_from_scratch, 0, (int)N_VALID);
    tcase_add_loop_test(tc, test_prefixes_resumed, 0, (int)N_VALID);
    tcase_add_loop_test(tc, test_prefixes_resumed_moving, 0, (int)N_VALID);
    tcase_add_test(tc, test_buffer_moves);
    tcase_add_test(tc, test_no_rescan);
    tcase_add_loop_test(tc, test_errors, 0, (int)N_BAD);
    tcase_add_test(tc, test_bulk_trailer_unchecked);
    tcase_add_test(tc, test_inline_nul_ends_line);
    tcase_add_test(tc, test_pipelined);
    tcase_add_test(tc, test_large_declared_bulk);
    tcase_add_test(tc, test_bytes_wanted);
    tcase_add_test(tc, test_args_limit);
    tcase_add_test(tc, test_many_args_grow);
    tcase_add_test(tc, test_too_big_lines);
    tcase_add_test(tc, test_too_big_inline_incremental);
    tcase_add_test(tc, test_steady_state_no_alloc);
    tcase_add_test(tc, test_shorter_buffer_restarts);
    suite_add_tcase(s, tc);

    TCase *enc = tcase_create("encoders");
    tcase_add_checked_fixture(enc, out_setup, out_teardown);
    tcase_add_test(enc, test_enc_simple_error);
    tcase_add_test(enc, test_enc_int);
    tcase_add_test(enc, test_enc_bulk);
    tcase_add_test(enc, test_enc_appends);
    tcase_add_test(enc, test_enc_resp2);
    tcase_add_test(enc, test_enc_resp3);
    tcase_add_test(enc, test_enc_double_forms);
    tcase_add_test(enc, test_enc_roundtrip);
    suite_add_tcase(s, enc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(resp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
