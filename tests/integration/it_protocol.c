/* Integration tests of the wire protocol: pipelining, requests split across
 * writes, binary safety, inline commands, protocol errors and what follows
 * them, memory bounds for huge declared bulks and for clients that do not
 * read their replies. Each test starts its own server on a free port. */
#include <ctype.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define TEST_TIMEOUT_S 60            /* per test, generous for sanitizer builds */
#define PIPELINE_REQUESTS 10000
#define SPLIT_VALUE_BYTES 1000
#define MB_BYTES (1024 * 1024)
#define BIG_VALUE_BYTES (20 * MB_BYTES)
#define INLINE_FLOOD_BYTES 70000     /* above the 64 KB inline limit */
#define RSS_GROWTH_LIMIT_KB (5 * 1024)
#define RSS_LIMIT_KB (60 * 1024)      /* backpressure bound for the plain build */
#define SANITIZER_RSS_FACTOR 3        /* ASan's shadow memory and quarantine */
#define BP_VALUE_BYTES (100 * 1024)
#define BP_REQUESTS 20000
#define BP_SEND_WINDOW_MS 3000        /* how long to push requests nobody reads */
#define BP_SETTLE_MS 500              /* time the server gets to misbehave */
#define BP_DRAIN_STALL_MS 10000       /* longest wait for the next reply bytes */
#define BP_DRAIN_DEADLINE_MS 300000   /* bound on reading every reply back: the
                                         2 GB take 3-7 s here, but a loaded
                                         machine may be far slower; a stall,
                                         not slowness, is the failure */
#define PROMPT_REPLY_MS 1000          /* "prompt" for the other client */

/* ------------------------------------------------------------------------ */
/* helpers */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int under_sanitizer(void)
{
    return strstr(tidecache_bin(), "sanitize") != NULL;
}

/* Resident set size of pid in kB, from /proc/<pid>/status (VmRSS). */
static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    ck_assert_msg(kb > 0, "no VmRSS in %s", path);
    return kb;
}

/* Printable rendering of up to 120 bytes, for failure messages. */
static const char *shown(const char *p, size_t n)
{
    static char out[4][512];
    static int slot;
    char *o = out[slot++ % 4];
    size_t w = 0;
    for (size_t i = 0; i < n && i < 120 && w + 5 < sizeof out[0]; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '\r')
            w += (size_t)sprintf(o + w, "\\r");
        else if (ch == '\n')
            w += (size_t)sprintf(o + w, "\\n");
        else if (ch < 32 || ch >= 127)
            w += (size_t)sprintf(o + w, "\\x%02x", ch);
        else
            o[w++] = (char)ch;
    }
    if (n > 120 && w + 4 < sizeof out[0])
        w += (size_t)sprintf(o + w, "...");
    o[w] = '\0';
    return o;
}

/* Read exactly strlen(want) bytes (bounded by the socket timeout) and
 * compare them with want. */
static void expect_raw(int fd, const char *want, size_t len)
{
    char *got = malloc(len + 1);
    ck_assert_ptr_nonnull(got);
    size_t n = raw_read_n(fd, got, len);
    ck_assert_msg(n == len && memcmp(got, want, len) == 0, "expected \"%s\", got \"%s\"",
                  shown(want, len), shown(got, n));
    free(got);
}

static void send_str(int fd, const char *s)
{
    raw_send(fd, s, strlen(s));
}

static void expect_raw_str(int fd, const char *want)
{
    expect_raw(fd, want, strlen(want));
}

/* A growable byte string for building requests and expected replies. */
struct bytes {
    char *p;
    size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        ck_assert_ptr_nonnull(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void bytes_printf(struct bytes *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0 && (size_t)n < sizeof tmp);
    bytes_add(b, tmp, (size_t)n);
}

/* Append a multibulk request of argc NUL-terminated words. */
static void add_request(struct bytes *b, int argc, ...)
{
    va_list ap;
    va_start(ap, argc);
    bytes_printf(b, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        const char *a = va_arg(ap, const char *);
        bytes_printf(b, "$%zu\r\n", strlen(a));
        bytes_add(b, a, strlen(a));
        bytes_add(b, "\r\n", 2);
    }
    va_end(ap);
}

static void add_bulk_reply(struct bytes *b, const char *s)
{
    bytes_printf(b, "$%zu\r\n%s\r\n", strlen(s), s);
}

static void fill_pattern(char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)((i * 31 + (i >> 8) + seed) & 0xff);
}

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* The survivor check run after every protocol error: an already connected
 * client still works and sees its data, and the server is alive. */
static void expect_survivor_ok(const struct server *s, redisContext *c)
{
    ck_assert_msg(server_alive(s), "server died");
    expect_status(client_cmd(c, "PING"), "PONG");
    expect_str(client_cmd(c, "GET %s", "keep"), "intact");
    expect_int(client_cmd(c, "EXISTS %s", "keep"), 1);
}

/* Open a connection, send req, and expect exactly `want` followed by the
 * server closing the connection. */
static void expect_reply_then_close(const struct server *s, const char *req, size_t reqlen,
                                    const char *want)
{
    int fd = raw_connect(s);
    raw_send(fd, req, reqlen);
    char out[4096];
    int closed = 0;
    size_t n = raw_read_all(fd, out, sizeof out, &closed);
    ck_assert_msg(n == strlen(want) && memcmp(out, want, n) == 0,
                  "request \"%s\": expected \"%s\", got \"%s\"", shown(req, reqlen),
                  shown(want, strlen(want)), shown(out, n));
    ck_assert_msg(closed, "request \"%s\": connection not closed after the error",
                  shown(req, reqlen));
    close(fd);
}

static void stop_cleanly(struct server *s)
{
    ck_assert_int_eq(server_stop(s), 0);
}

/* ------------------------------------------------------------------------ */
/* pipelining */

/* 10,000 requests of SET, GET, EXISTS, DEL and PING in one write; the
 * replies must come back complete, in order, byte for byte. */
START_TEST(test_pipeline_10000)
{
    struct server s;
    server_start(&s, NULL);
    struct bytes req = {0}, want = {0};
    char key[32], prev[32], val[32], other[32];
    for (int i = 0; i < PIPELINE_REQUESTS; i++) {
        int j = i / 5;
        snprintf(key, sizeof key, "k%d", j);
        snprintf(prev, sizeof prev, "k%d", j - 1);
        switch (i % 5) {
        case 0:
            snprintf(val, sizeof val, "v%d", i);
            add_request(&req, 3, "SET", key, val);
            bytes_printf(&want, "+OK\r\n");
            break;
        case 1:
            snprintf(val, sizeof val, "v%d", i - 1);
            add_request(&req, 2, "GET", key);
            add_bulk_reply(&want, val);
            break;
        case 2:
            snprintf(other, sizeof other, "missing%d", j);
            add_request(&req, 4, "EXISTS", key, other, key);
            bytes_printf(&want, ":2\r\n");
            break;
        case 3:
            add_request(&req, 2, "DEL", j == 0 ? "nokey" : prev);
            bytes_printf(&want, ":%d\r\n", j == 0 ? 0 : 1);
            break;
        default:
            if (j % 2 == 0) {
                add_request(&req, 1, "PING");
                bytes_printf(&want, "+PONG\r\n");
            } else {
                add_request(&req, 2, "GET", prev);
                bytes_printf(&want, "$-1\r\n");
            }
            break;
        }
    }
    int fd = raw_connect(&s);
    ssize_t n = send(fd, req.p, req.len, MSG_NOSIGNAL);
    ck_assert_msg(n > 0, "send: %s", strerror(errno));
    if ((size_t)n < req.len)
        raw_send(fd, req.p + n, req.len - (size_t)n);

    char *got = malloc(want.len);
    ck_assert_ptr_nonnull(got);
    size_t have = raw_read_n(fd, got, want.len);
    ck_assert_msg(have == want.len, "got %zu of %zu reply bytes", have, want.len);
    for (size_t i = 0; i < want.len; i++)
        ck_assert_msg(got[i] == want.p[i], "reply stream differs at byte %zu: \"%s\" vs \"%s\"",
                      i, shown(got + i, want.len - i), shown(want.p + i, want.len - i));
    /* nothing extra queued: the next reply is the PONG of a new request */
    send_str(fd, "PING\r\n");
    expect_raw_str(fd, "+PONG\r\n");

    redisContext *c = client_connect(&s);
    expect_int(client_cmd(c, "DBSIZE"), 1); /* only the last key survives its DEL */
    snprintf(key, sizeof key, "k%d", PIPELINE_REQUESTS / 5 - 1);
    snprintf(val, sizeof val, "v%d", PIPELINE_REQUESTS - 5);
    expect_str(client_cmd(c, "GET %s", key), val);
    redisFree(c);
    close(fd);
    free(got);
    free(req.p);
    free(want.p);
    stop_cleanly(&s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* requests split across writes */

/* A multibulk SET with a 1000-byte value sent one byte per write, then a
 * GET and an inline PING in a few odd-sized chunks, then two requests whose
 * boundary falls inside a chunk. */
START_TEST(test_split_requests)
{
    struct server s;
    server_start(&s, NULL);
    char value[SPLIT_VALUE_BYTES];
    fill_pattern(value, sizeof value, 7);
    struct bytes req = {0};
    bytes_printf(&req, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n", SPLIT_VALUE_BYTES);
    bytes_add(&req, value, sizeof value);
    bytes_add(&req, "\r\n", 2);

    int fd = raw_connect(&s);
    set_nodelay(fd);
    for (size_t i = 0; i < req.len; i++) {
        raw_send(fd, req.p + i, 1);
        if (i % 64 == 0)
            sleep_ms(1); /* let the server see the partial request */
    }
    expect_raw_str(fd, "+OK\r\n");

    const char *chunks[] = {"*2\r\n$3\r\nG", "ET\r\n$", "3\r\nbig\r", "\n", "PI", "NG\r", "\n"};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        raw_send(fd, chunks[i], strlen(chunks[i]));
        sleep_ms(20);
    }
    struct bytes want = {0};
    bytes_printf(&want, "$%d\r\n", SPLIT_VALUE_BYTES);
    bytes_add(&want, value, sizeof value);
    bytes_add(&want, "\r\n+PONG\r\n", 9);
    expect_raw(fd, want.p, want.len);

    const char *mixed[] = {"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2\r\nhi\r\n*2\r\n$3\r\nGE",
                           "T\r\n$1\r\nx\r\n*1\r", "\n$4\r\nPING\r\n"};
    for (size_t i = 0; i < sizeof mixed / sizeof mixed[0]; i++) {
        raw_send(fd, mixed[i], strlen(mixed[i]));
        sleep_ms(20);
    }
    expect_raw_str(fd, "+OK\r\n$2\r\nhi\r\n+PONG\r\n");
    close(fd);
    free(req.p);
    free(want.p);
    stop_cleanly(&s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* binary safety and sizes */

static void roundtrip(redisContext *c, const char *key, size_t klen, const char *val, size_t vlen)
{
    expect_status(client_cmd(c, "SET %b %b", key, klen, val, vlen), "OK");
    redisReply *r = client_cmd(c, "GET %b", key, klen);
    ck_assert_msg(r->type == REDIS_REPLY_STRING, "GET of key \"%s\": type %d", shown(key, klen),
                  r->type);
    ck_assert_msg(r->len == vlen, "GET of key \"%s\": %zu bytes instead of %zu", shown(key, klen),
                  r->len, vlen);
    ck_assert_msg(vlen == 0 || memcmp(r->str, val, vlen) == 0, "GET of key \"%s\": value differs",
                  shown(key, klen));
    freeReplyObject(r);
    expect_int(client_cmd(c, "EXISTS %b", key, klen), 1);
}

START_TEST(test_binary_keys_values)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *c = client_connect(&s);

    char all[256], rev[1024];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    for (int i = 0; i < 1024; i++)
        rev[i] = (char)(255 - i % 256);
    roundtrip(c, all, sizeof all, rev, sizeof rev);
    roundtrip(c, "a\0b\r\nc", 6, "\r\n\0\r\n$-1\r\n", 11);
    roundtrip(c, "\r\n", 2, "\0", 1);
    roundtrip(c, "", 0, "", 0);
    roundtrip(c, "empty", 5, "", 0);
    /* keys differing only after a NUL are distinct */
    roundtrip(c, "n\0a", 3, "first", 5);
    roundtrip(c, "n\0b", 3, "second", 6);
    expect_str(client_cmd(c, "GET %b", "n\0a", (size_t)3), "first");
    expect_int(client_cmd(c, "DBSIZE"), 7);
    expect_int(client_cmd(c, "DEL %b", "", (size_t)0), 1);
    expect_nil(client_cmd(c, "GET %b", "", (size_t)0));

    /* the same bytes through a raw multibulk request */
    int fd = raw_connect(&s);
    struct bytes req = {0}, want = {0};
    bytes_printf(&req, "*2\r\n$3\r\nGET\r\n$256\r\n");
    bytes_add(&req, all, sizeof all);
    bytes_add(&req, "\r\n", 2);
    raw_send(fd, req.p, req.len);
    bytes_printf(&want, "$1024\r\n");
    bytes_add(&want, rev, sizeof rev);
    bytes_add(&want, "\r\n", 2);
    expect_raw(fd, want.p, want.len);
    close(fd);
    free(req.p);
    free(want.p);

    char *big = malloc(BIG_VALUE_BYTES);
    ck_assert_ptr_nonnull(big);
    fill_pattern(big, MB_BYTES, 3);
    roundtrip(c, "one-mb", 6, big, MB_BYTES);
    fill_pattern(big, BIG_VALUE_BYTES, 11);
    roundtrip(c, "twenty-mb", 9, big, BIG_VALUE_BYTES);
    expect_int(client_cmd(c, "DEL %s %s", "one-mb", "twenty-mb"), 2);
    free(big);
    redisFree(c);
    stop_cleanly(&s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* inline commands */

START_TEST(test_inline_commands)
{
    struct server s;
    server_start(&s, NULL);
    int fd = raw_connect(&s);

    send_str(fd, "PING\r\n");
    expect_raw_str(fd, "+PONG\r\n");
    send_str(fd, "SET a \"b c\"\r\nGET a\r\n");
    expect_raw_str(fd, "+OK\r\n$3\r\nb c\r\n");
    send_str(fd, "ECHO 'x y'\r\n");
    expect_raw_str(fd, "$3\r\nx y\r\n");
    send_str(fd, "PING\n");
    expect_raw_str(fd, "+PONG\r\n");
    send_str(fd, "  set   b   \"q\\x41\\n\"  \r\nget b\n");
    expect_raw_str(fd, "+OK\r\n$3\r\nqA\n\r\n");
    /* empty lines produce no reply: the next bytes are the PONG */
    send_str(fd, "\r\n\r\n\n   \r\nPING\r\n");
    expect_raw_str(fd, "+PONG\r\n");
    send_str(fd, "\r\n");
    send_str(fd, "ECHO done\r\n");
    expect_raw_str(fd, "$4\r\ndone\r\n");
    close(fd);

    redisContext *c = client_connect(&s);
    expect_str(client_cmd(c, "GET %s", "a"), "b c");
    redisFree(c);
    stop_cleanly(&s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* protocol errors */

START_TEST(test_protocol_errors)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *c = client_connect(&s);
    expect_status(client_cmd(c, "SET %s %s", "keep", "intact"), "OK");

    static const struct {
        const char *req;
        const char *want;
    } cases[] = {
        {"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
        {"*1048577\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
        {"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\n+foo\r\n", "-ERR Protocol error: expected '$', got '+'\r\n"},
        {"SET a \"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
        {"PING\r\n*1\r\n$x\r\n", "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"},
        {"SET p 1\r\nGET p\r\n*2\r\n$3\r\nGET\r\n:1\r\n",
         "+OK\r\n$1\r\n1\r\n-ERR Protocol error: expected '$', got ':'\r\n"},
        {"ECHO 'x\r\nPING\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_reply_then_close(&s, cases[i].req, strlen(cases[i].req), cases[i].want);
        expect_survivor_ok(&s, c);
    }

    char *flood = malloc(INLINE_FLOOD_BYTES);
    ck_assert_ptr_nonnull(flood);
    memset(flood, 'a', INLINE_FLOOD_BYTES);
    expect_reply_then_close(&s, flood, INLINE_FLOOD_BYTES,
                            "-ERR Protocol error: too big inline request\r\n");
    free(flood);
    expect_survivor_ok(&s, c);

    /* the request after an error on the same connection never runs */
    expect_reply_then_close(&s, "*x\r\nSET after 1\r\n", strlen("*x\r\nSET after 1\r\n"),
                            "-ERR Protocol error: invalid multibulk length\r\n");
    expect_int(client_cmd(c, "EXISTS %s", "after"), 0);
    expect_survivor_ok(&s, c);
    redisFree(c);
    stop_cleanly(&s);
}
END_TEST

/* Bytes a client sends end up in the log only escaped: a CR or LF in a
 * malformed request cannot end the line and start a forged one. */
START_TEST(test_protocol_error_logged_on_one_line)
{
    struct server s;
    server_start(&s, "loglevel verbose\n");
    static const char forged[] = "*1\r\n\n12345:M 01 Jan 2026 00:00:00.000 # forged\r\n";
    expect_reply_then_close(&s, forged, sizeof forged - 1,
                            "-ERR Protocol error: expected '$', got ' '\r\n");
    char *log = harness_read_file(s.log_path);
    stop_cleanly(&s);
    int escaped = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        ck_assert_msg(strstr(line, "# forged") == NULL || strstr(line, "protocol error"),
                      "a client's bytes started a log line: %s", line);
        ck_assert_msg(isdigit((unsigned char)line[0]) && strstr(line, ":M "),
                      "not a log line: %s", line);
        escaped |= strstr(line, "got '\\n'") != NULL;
    }
    ck_assert_msg(escaped, "the protocol error is not logged with its byte escaped");
    free(log);
}
END_TEST

/* A client that declares a 512 MB bulk and sends 3 bytes of it must not make
 * the server reserve the declared size. */
START_TEST(test_huge_declared_bulk)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *c = client_connect(&s);
    expect_status(client_cmd(c, "SET %s %s", "keep", "intact"), "OK");
    long before = rss_kb(s.pid);

    int fd = raw_connect(&s);
    send_str(fd, "*1\r\n$536870912\r\nabc");
    long peak = before;
    for (int i = 0; i < 10; i++) { /* give the server 500 ms to misbehave */
        sleep_ms(50);
        long now = rss_kb(s.pid);
        peak = now > peak ? now : peak;
    }
    ck_assert_msg(peak - before < RSS_GROWTH_LIMIT_KB,
                  "RSS grew by %ld kB (from %ld kB) for a declared 512 MB bulk", peak - before,
                  before);
    expect_survivor_ok(&s, c);
    close(fd);
    expect_survivor_ok(&s, c);
    /* a new client is served too */
    redisContext *c2 = client_connect(&s);
    expect_status(client_cmd(c2, "PING"), "PONG");
    redisFree(c2);
    redisFree(c);
    stop_cleanly(&s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* command errors */

START_TEST(test_command_errors)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *c = client_connect(&s);
    expect_error(client_cmd(c, "foo a b"),
                 "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
    expect_error(client_cmd(c, "foo"), "ERR unknown command 'foo', with args beginning with: ");
    expect_error(client_cmd(c, "GET"), "ERR wrong number of arguments for 'get' command");
    expect_error(client_cmd(c, "GET a b"), "ERR wrong number of arguments for 'get' command");
    expect_status(client_cmd(c, "sEt %s %s", "k", "v"), "OK");
    expect_str(client_cmd(c, "gEt %s", "k"), "v");
    expect_error(client_cmd(c, "gEt"), "ERR wrong number of arguments for 'get' command");
    redisFree(c);

    /* the exact bytes, trailing space included, and the connection stays */
    int fd = raw_connect(&s);
    send_str(fd, "foo a b\r\nfoo\r\n*1\r\n$3\r\nGET\r\nPING\r\n");
    expect_raw_str(fd, "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"
                       "-ERR unknown command 'foo', with args beginning with: \r\n"
                       "-ERR wrong number of arguments for 'get' command\r\n"
                       "+PONG\r\n");
    /* CR and LF inside an echoed name become spaces, so the error stays
     * one line, as in Redis */
    send_str(fd, "*2\r\n$5\r\nf\r\noo\r\n$2\r\n\r\n\r\n");
    expect_raw_str(fd, "-ERR unknown command 'f  oo', with args beginning with: '  ' \r\n");
    close(fd);
    stop_cleanly(&s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* backpressure */

/* Check `len` received bytes against the stream of identical replies
 * `tmpl` (tlen bytes each); *pos is the offset within the stream. */
static void check_reply_stream(const char *got, size_t len, const char *tmpl, size_t tlen,
                               unsigned long long *pos)
{
    while (len > 0) {
        size_t off = (size_t)(*pos % tlen);
        size_t take = tlen - off < len ? tlen - off : len;
        ck_assert_msg(memcmp(got, tmpl + off, take) == 0,
                      "reply %llu differs at offset %zu: \"%s\"", *pos / tlen, off,
                      shown(got, take));
        got += take;
        len -= take;
        *pos += take;
    }
}

/* 20,000 pipelined GETs of a 100 KB value (2 GB of replies) from a client
 * that reads nothing: the server must stop reading instead of buffering,
 * keep serving others, and deliver every reply once the client reads. */
START_TEST(test_backpressure)
{
    struct server s;
    server_start(&s, NULL);
    long limit_kb = RSS_LIMIT_KB * (under_sanitizer() ? SANITIZER_RSS_FACTOR : 1);
    redisContext *c = client_connect(&s);
    char *value = malloc(BP_VALUE_BYTES);
    ck_assert_ptr_nonnull(value);
    fill_pattern(value, BP_VALUE_BYTES, 5);
    expect_status(client_cmd(c, "SET %s %b", "key", value, (size_t)BP_VALUE_BYTES), "OK");
    long base = rss_kb(s.pid);
    ck_assert_msg(base < limit_kb / 2, "baseline RSS %ld kB already near the %ld kB bound", base,
                  limit_kb);

    struct bytes req = {0}, tmpl = {0};
    for (int i = 0; i < BP_REQUESTS; i++)
        add_request(&req, 2, "GET", "key");
    bytes_printf(&tmpl, "$%d\r\n", BP_VALUE_BYTES);
    bytes_add(&tmpl, value, BP_VALUE_BYTES);
    bytes_add(&tmpl, "\r\n", 2);

    int fd = raw_connect(&s);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    size_t sent = 0;
    long long deadline = mono_ms() + BP_SEND_WINDOW_MS;
    while (sent < req.len && mono_ms() < deadline) {
        ssize_t n = send(fd, req.p + sent, req.len - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
            continue;
        }
        ck_assert_msg(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR),
                      "send: %s", strerror(errno));
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        poll(&p, 1, 50);
    }
    ck_assert_msg(sent > 0, "nothing could be sent");

    /* the stalled server stays small and answers someone else promptly */
    long peak = 0;
    for (int i = 0; i < 5; i++) {
        sleep_ms(BP_SETTLE_MS / 5);
        long long t0 = mono_ms();
        expect_status(client_cmd(c, "PING"), "PONG");
        expect_int(client_cmd(c, "EXISTS %s", "key"), 1);
        long long took = mono_ms() - t0;
        ck_assert_msg(took < PROMPT_REPLY_MS, "other client waited %lld ms", took);
        long r = rss_kb(s.pid);
        peak = r > peak ? r : peak;
    }
    ck_assert_msg(peak < limit_kb, "RSS %ld kB (baseline %ld kB) over %ld kB with %zu request "
                  "bytes unread", peak, base, limit_kb, sent);

    /* read everything back, sending the rest of the requests as room opens */
    char *in = malloc(MB_BYTES);
    ck_assert_ptr_nonnull(in);
    unsigned long long received = 0, total = (unsigned long long)BP_REQUESTS * tmpl.len;
    deadline = mono_ms() + BP_DRAIN_DEADLINE_MS;
    long long next_rss = mono_ms(), last_progress = mono_ms();
    while (received < total && mono_ms() < deadline) {
        ck_assert_msg(mono_ms() - last_progress < BP_DRAIN_STALL_MS,
                      "no reply bytes for %d ms after %llu of %llu", BP_DRAIN_STALL_MS, received,
                      total);
        struct pollfd p = {.fd = fd, .events = POLLIN | (sent < req.len ? POLLOUT : 0)};
        if (poll(&p, 1, 100) <= 0)
            continue;
        if ((p.revents & POLLOUT) && sent < req.len) {
            ssize_t n = send(fd, req.p + sent, req.len - sent, MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(fd, in, MB_BYTES, 0);
            ck_assert_msg(n > 0, "connection lost after %llu of %llu reply bytes", received, total);
            check_reply_stream(in, (size_t)n, tmpl.p, tmpl.len, &received);
            last_progress = mono_ms();
        }
        /* ASan's quarantine keeps freed output buffers, so the bound
         * during the drain applies to the plain build only */
        if (!under_sanitizer() && mono_ms() >= next_rss) {
            long r = rss_kb(s.pid);
            ck_assert_msg(r < limit_kb, "RSS %ld kB while draining", r);
            next_rss = mono_ms() + 100;
        }
    }
    ck_assert_msg(received == total, "%llu of %llu reply bytes (%llu of %d replies) in %d ms",
                  received, total, received / tmpl.len, BP_REQUESTS, BP_DRAIN_DEADLINE_MS);
    ck_assert_uint_eq(sent, req.len);

    /* no reply lost or duplicated: the next one is the PONG */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    send_str(fd, "PING\r\n");
    expect_raw_str(fd, "+PONG\r\n");
    close(fd);
    expect_status(client_cmd(c, "PING"), "PONG");
    redisFree(c);
    free(in);
    free(value);
    free(req.p);
    free(tmpl.p);
    stop_cleanly(&s);
}
END_TEST

/* ------------------------------------------------------------------------ */

static Suite *protocol_suite(void)
{
    Suite *s = suite_create("protocol");
    struct {
        const char *name;
        const TTest *test;
    } tests[] = {
        {"pipeline", test_pipeline_10000},
        {"split", test_split_requests},
        {"binary", test_binary_keys_values},
        {"inline", test_inline_commands},
        {"protocol_errors", test_protocol_errors},
        {"protocol_error_log", test_protocol_error_logged_on_one_line},
        {"huge_declared_bulk", test_huge_declared_bulk},
        {"command_errors", test_command_errors},
        {"backpressure", test_backpressure},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        TCase *tc = tcase_create(tests[i].name);
        /* the backpressure drain may take up to its own deadline */
        tcase_set_timeout(tc, tests[i].test == test_backpressure
                                  ? TEST_TIMEOUT_S + BP_DRAIN_DEADLINE_MS / 1000
                                  : TEST_TIMEOUT_S);
        tcase_add_test(tc, tests[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(protocol_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
