/* A small blocking RESP2/RESP3 test client; see resp3.h. */
#include "resp3.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define R3_MAX_DEPTH 64          /* nesting bound: a malformed reply cannot recurse forever */
#define R3_MAX_ARGS 64           /* arguments r3_cmd accepts */
#define R3_SHOW_BUFS 4           /* rotating buffers of r3_show */
#define R3_SHOW_BYTES 4096

struct r3c *r3_connect(const struct server *s)
{
    struct r3c *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->fd = raw_connect(s);
    return c;
}

void r3_close(struct r3c *c)
{
    if (c == NULL)
        return;
    close(c->fd);
    free(c);
}

/* Append len bytes to a growing buffer; aborts the test on allocation failure. */
static void out_append(char **out, size_t *olen, size_t *ocap, const void *p, size_t len)
{
    if (*olen + len + 1 > *ocap) {
        size_t cap = *ocap ? *ocap : 256;
        while (cap < *olen + len + 1)
            cap *= 2;
        *out = realloc(*out, cap);
        ck_assert_ptr_nonnull(*out);
        *ocap = cap;
    }
    memcpy(*out + *olen, p, len);
    *olen += len;
    (*out)[*olen] = '\0';
}

void r3_send_argv(struct r3c *c, int argc, const char *const *argv, const size_t *lens)
{
    char *out = NULL;
    size_t olen = 0, ocap = 0;
    char head[64];
    int n = snprintf(head, sizeof head, "*%d\r\n", argc);
    out_append(&out, &olen, &ocap, head, (size_t)n);
    for (int i = 0; i < argc; i++) {
        size_t len = lens ? lens[i] : strlen(argv[i]);
        n = snprintf(head, sizeof head, "$%zu\r\n", len);
        out_append(&out, &olen, &ocap, head, (size_t)n);
        out_append(&out, &olen, &ocap, argv[i], len);
        out_append(&out, &olen, &ocap, "\r\n", 2);
    }
    raw_send(c->fd, out, olen);
    free(out);
}

/* Make at least one unread byte available; 0 on timeout or EOF. */
static int fill(struct r3c *c)
{
    if (c->pos < c->len)
        return 1;
    c->pos = c->len = 0;
    for (;;) {
        ssize_t n = recv(c->fd, c->buf, sizeof c->buf, 0);
        if (n > 0) {
            c->len = (size_t)n;
            return 1;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno == ECONNRESET)
            c->eof = 1;
        return 0;
    }
}

/* Read one line without its CRLF into a malloc'd NUL-terminated string. */
static char *read_line(struct r3c *c, size_t *len)
{
    char *out = NULL;
    size_t olen = 0, ocap = 0;
    out_append(&out, &olen, &ocap, "", 0);
    for (;;) {
        if (!fill(c)) {
            free(out);
            return NULL;
        }
        char ch = c->buf[c->pos++];
        if (ch == '\n' && olen > 0 && out[olen - 1] == '\r') {
            out[--olen] = '\0';
            *len = olen;
            return out;
        }
        out_append(&out, &olen, &ocap, &ch, 1);
    }
}

/* Read exactly n bytes into dst; 0 on timeout or EOF. */
static int read_exact(struct r3c *c, char *dst, size_t n)
{
    while (n > 0) {
        if (!fill(c))
            return 0;
        size_t take = c->len - c->pos < n ? c->len - c->pos : n;
        memcpy(dst, c->buf + c->pos, take);
        c->pos += take;
        dst += take;
        n -= take;
    }
    return 1;
}

/* Parse a decimal length/count/integer; 0 when the text is not one. */
static int parse_ll(const char *s, long long *v)
{
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return errno == 0 && end != s && *end == '\0';
}

static struct r3 *read_reply(struct r3c *c, int depth);

/* Read a bulk-like payload of the declared length (plus CRLF) into r. */
static int read_blob(struct r3c *c, struct r3 *r, long long len)
{
    char crlf[2];
    r->str = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(r->str);
    if (!read_exact(c, r->str, (size_t)len) || !read_exact(c, crlf, 2))
        return 0;
    r->str[len] = '\0';
    r->len = (size_t)len;
    return crlf[0] == '\r' && crlf[1] == '\n';
}

/* Read count child replies (twice as many for a map) into r->elem. */
static int read_children(struct r3c *c, struct r3 *r, long long count, int depth)
{
    size_t total = (size_t)count * (r->type == R3_MAP ? 2 : 1);
    r->n = (size_t)count;
    r->elem = calloc(total ? total : 1, sizeof *r->elem);
    ck_assert_ptr_nonnull(r->elem);
    for (size_t i = 0; i < total; i++) {
        r->elem[i] = read_reply(c, depth + 1);
        if (r->elem[i] == NULL)
            return 0;
    }
    return 1;
}

/* Fill r from its type byte and header line; 0 when malformed. */
static int decode(struct r3c *c, struct r3 *r, char t, char *line, size_t llen, int depth)
{
    long long v = 0;
    switch (t) {
    case '+': r->type = R3_STATUS; break;
    case '-': r->type = R3_ERROR; break;
    case '(': r->type = R3_BIGNUM; break;
    case ':': r->type = R3_INT; return parse_ll(line, &r->integer);
    case '_': r->type = R3_NULL; return llen == 0;
    case '#':
        r->type = R3_BOOL;
        r->integer = line[0] == 't';
        return llen == 1 && (line[0] == 't' || line[0] == 'f');
    case ',': {
        char *end;
        r->type = R3_DOUBLE;
        r->dbl = strtod(line, &end);
        break; /* keep the text too */
    }
    case '$': case '=': case '!':
        if (!parse_ll(line, &v) || v < -1)
            return 0;
        if (v == -1) {
            r->type = R3_NULL;
            return 1;
        }
        r->type = t == '=' ? R3_VERBATIM : t == '!' ? R3_ERROR : R3_BULK;
        if (!read_blob(c, r, v))
            return 0;
        if (t == '=') {
            if (r->len < 4 || r->str[3] != ':')
                return 0;
            memcpy(r->fmt, r->str, 3);
            memmove(r->str, r->str + 4, r->len - 4 + 1);
            r->len -= 4;
        }
        return 1;
    case '*': case '%': case '~': case '>':
        if (!parse_ll(line, &v) || v < -1)
            return 0;
        if (v == -1) {
            r->type = R3_NULL;
            return 1;
        }
        r->type = t == '*' ? R3_ARRAY : t == '%' ? R3_MAP : t == '~' ? R3_SET : R3_PUSH;
        return read_children(c, r, v, depth);
    default:
        return 0;
    }
    r->str = line; /* +, -, (, , keep their line */
    r->len = llen;
    return 2;
}

/* Skip one attribute map (|n followed by 2n replies). */
static int skip_attribute(struct r3c *c, const char *line, int depth)
{
    long long v;
    if (!parse_ll(line, &v) || v < 0)
        return 0;
    for (long long i = 0; i < 2 * v; i++) {
        struct r3 *x = read_reply(c, depth + 1);
        if (x == NULL)
            return 0;
        r3_free(x);
    }
    return 1;
}

/* Read one reply, skipping attributes in front of it. */
static struct r3 *read_reply(struct r3c *c, int depth)
{
    if (depth > R3_MAX_DEPTH)
        return NULL;
    for (;;) {
        size_t llen;
        char *line = read_line(c, &llen);
        if (line == NULL || llen == 0) {
            free(line);
            return NULL;
        }
        char t = line[0];
        memmove(line, line + 1, llen); /* drop the type byte, keep the NUL */
        llen--;
        if (t == '|') {
            int ok = skip_attribute(c, line, depth);
            free(line);
            if (!ok)
                return NULL;
            continue;
        }
        struct r3 *r = calloc(1, sizeof *r);
        ck_assert_ptr_nonnull(r);
        int rc = decode(c, r, t, line, llen, depth);
        if (rc != 2)
            free(line); /* the line was not kept as the string */
        if (rc == 0) {
            r3_free(r);
            return NULL;
        }
        return r;
    }
}

struct r3 *r3_read(struct r3c *c)
{
    return read_reply(c, 0);
}

struct r3 *r3_cmd_argv(struct r3c *c, int argc, const char *const *argv, const size_t *lens)
{
    r3_send_argv(c, argc, argv, lens);
    return r3_read(c);
}

struct r3 *r3_cmd(struct r3c *c, const char *arg0, ...)
{
    const char *argv[R3_MAX_ARGS];
    int argc = 0;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a != NULL; a = va_arg(ap, const char *)) {
        ck_assert_int_lt(argc, R3_MAX_ARGS);
        argv[argc++] = a;
    }
    va_end(ap);
    return r3_cmd_argv(c, argc, argv, NULL);
}

int r3_closed(struct r3c *c)
{
    while (fill(c))
        c->pos = c->len;
    return c->eof;
}

void r3_free(struct r3 *r)
{
    if (r == NULL)
        return;
    if (r->elem) {
        size_t total = r->n * (r->type == R3_MAP ? 2 : 1);
        for (size_t i = 0; i < total; i++)
            r3_free(r->elem[i]);
        free(r->elem);
    }
    free(r->str);
    free(r);
}

struct r3 *r3_map_get(const struct r3 *r, const char *key)
{
    if (r == NULL)
        return NULL;
    size_t pairs = r->type == R3_MAP ? r->n : r->type == R3_ARRAY ? r->n / 2 : 0;
    size_t klen = strlen(key);
    for (size_t i = 0; i < pairs; i++) {
        const struct r3 *k = r->elem[2 * i];
        if (k && k->str && k->len == klen && memcmp(k->str, key, klen) == 0)
            return r->elem[2 * i + 1];
    }
    return NULL;
}

const char *r3_type_name(int type)
{
    static const char *const names[] = {"?", "status", "error", "integer", "bulk", "null",
                                        "array", "map", "set", "double", "bool", "verbatim",
                                        "bignum", "push"};
    return type > 0 && type <= R3_PUSH ? names[type] : "?";
}

/* A bounded string writer for r3_render. */
struct sink {
    char *out;
    size_t cap, len;
};

static void put(struct sink *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n && s->len + 1 < s->cap; i++)
        s->out[s->len++] = p[i];
    if (s->cap)
        s->out[s->len] = '\0';
}

static void putf(struct sink *s, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(s, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void render(struct sink *s, const struct r3 *r)
{
    static const char open[] = {0, 0, 0, 0, 0, 0, '[', '{', '(', 0, 0, 0, 0, '<'};
    static const char close_[] = {0, 0, 0, 0, 0, 0, ']', '}', ')', 0, 0, 0, 0, '>'};
    if (r == NULL) {
        put(s, "(none)", 6);
        return;
    }
    switch (r->type) {
    case R3_INT: putf(s, ":%lld", r->integer); return;
    case R3_BOOL: put(s, r->integer ? "#t" : "#f", 2); return;
    case R3_NULL: put(s, "_", 1); return;
    case R3_STATUS: put(s, "+", 1); break;
    case R3_ERROR: put(s, "-", 1); break;
    case R3_BULK: put(s, "$", 1); break;
    case R3_DOUBLE: put(s, ",", 1); break;
    case R3_BIGNUM: put(s, "(", 1); break;
    case R3_VERBATIM: putf(s, "=%s:", r->fmt); break;
    default: {
        size_t total = r->n * (r->type == R3_MAP ? 2 : 1);
        put(s, &open[r->type], 1);
        for (size_t i = 0; i < total; i++) {
            if (i)
                put(s, r->type == R3_MAP && i % 2 ? ": " : ", ", 2);
            render(s, r->elem[i]);
        }
        put(s, &close_[r->type], 1);
        return;
    }
    }
    put(s, r->str, r->len);
}

size_t r3_render(const struct r3 *r, char *out, size_t cap)
{
    struct sink s = {out, cap, 0};
    if (cap)
        out[0] = '\0';
    render(&s, r);
    return s.len;
}

const char *r3_show(const struct r3 *r)
{
    static char bufs[R3_SHOW_BUFS][R3_SHOW_BYTES];
    static int next;
    char *b = bufs[next];
    next = (next + 1) % R3_SHOW_BUFS;
    r3_render(r, b, R3_SHOW_BYTES);
    return b;
}

/* Assert that r is of type t with the string s, then free it. */
static void expect_text(struct r3 *r, int t, const char *s)
{
    int same = r != NULL && r->type == t && r->len == strlen(s) && memcmp(r->str, s, r->len) == 0;
    ck_assert_msg(same, "expected %s '%s', got %s", r3_type_name(t), s, r3_show(r));
    r3_free(r);
}

void r3_expect_status(struct r3 *r, const char *status)
{
    expect_text(r, R3_STATUS, status);
}

void r3_expect_error(struct r3 *r, const char *error)
{
    expect_text(r, R3_ERROR, error);
}

void r3_expect_bulk(struct r3 *r, const char *s)
{
    expect_text(r, R3_BULK, s);
}

void r3_expect_int(struct r3 *r, long long v)
{
    ck_assert_msg(r != NULL && r->type == R3_INT && r->integer == v, "expected :%lld, got %s", v,
                  r3_show(r));
    r3_free(r);
}

void r3_expect_null(struct r3 *r)
{
    ck_assert_msg(r != NULL && r->type == R3_NULL, "expected null, got %s", r3_show(r));
    r3_free(r);
}

struct r3c *r3_connect_resp3(const struct server *s)
{
    struct r3c *c = r3_connect(s);
    struct r3 *r = r3_cmd(c, "HELLO", "3", NULL);
    ck_assert_msg(r && r->type == R3_MAP, "HELLO 3: %s", r3_show(r));
    r3_free(r);
    return c;
}

void r3_expect_raw(struct r3c *c, const char *expected, const char *arg0, ...)
{
    const char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a && argc < 16; a = va_arg(ap, const char *))
        argv[argc++] = a;
    va_end(ap);
    ck_assert_uint_eq(c->pos, c->len); /* nothing left over from an earlier reply */
    r3_send_argv(c, argc, argv, NULL);
    char got[R3_EXPECT_RAW_MAX_BYTES];
    size_t n = strlen(expected);
    ck_assert_uint_lt(n, sizeof got);
    size_t have = raw_read_n(c->fd, got, n);
    got[have] = '\0';
    ck_assert_msg(have == n && memcmp(got, expected, n) == 0, "%s: expected %s, got %s", arg0,
                  expected, got);
}
