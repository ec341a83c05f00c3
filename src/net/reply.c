/* reply: handler-facing reply functions; see include/tidecache/reply.h. */
#include "tidecache/reply.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tidecache/conn.h"
#include "tidecache/resp.h"
#include "tidecache/stats.h"
#include "tidecache/strlist.h"

#define REPLY_ERROR_MAX_BYTES 512 /* formatted error texts are cut here */

void reply_ok(struct conn *c)
{
    resp_add_simple(&c->out, "OK", 2);
}

void reply_simple(struct conn *c, const char *s)
{
    resp_add_simple(&c->out, s, strlen(s));
}

void reply_bulk(struct conn *c, const void *p, size_t len)
{
    resp_add_bulk(&c->out, p, len);
}

void reply_cstr(struct conn *c, const char *s)
{
    resp_add_bulk(&c->out, s, strlen(s));
}

void reply_int(struct conn *c, long long v)
{
    resp_add_int(&c->out, v);
}

void reply_null(struct conn *c)
{
    resp_add_null(&c->out, c->proto);
}

void reply_null_array(struct conn *c)
{
    resp_add_null_array(&c->out, c->proto);
}

void reply_array(struct conn *c, size_t n)
{
    resp_add_array_len(&c->out, n);
}

void reply_map(struct conn *c, size_t pairs)
{
    resp_add_map_len(&c->out, c->proto, pairs);
}

void reply_set(struct conn *c, size_t n)
{
    resp_add_set_len(&c->out, c->proto, n);
}

void reply_double(struct conn *c, double v)
{
    resp_add_double(&c->out, c->proto, v);
}

void reply_bool(struct conn *c, int v)
{
    resp_add_bool(&c->out, c->proto, v);
}

void reply_verbatim(struct conn *c, const char *text, size_t len)
{
    resp_add_verbatim(&c->out, c->proto, "txt", text, len);
}

/* Append s to out as one line of its type: CR and LF become spaces. */
static void add_line_sanitized(struct conn *c, int is_error, const char *s, size_t len)
{
    struct buf *out = &c->out;
    size_t start = out->len;
    if (is_error)
        resp_add_error(out, s, len);
    else
        resp_add_simple(out, s, len);
    for (size_t i = start + 1; i < start + 1 + len; i++)
        if (out->data[i] == '\r' || out->data[i] == '\n')
            out->data[i] = ' ';
}

void reply_status_len(struct conn *c, const char *s, size_t len)
{
    add_line_sanitized(c, 0, s, len);
}

void reply_error_len(struct conn *c, const char *msg, size_t len)
{
    add_line_sanitized(c, 1, msg, len);
    stats.error_replies++;
}

void reply_bignum(struct conn *c, const char *digits, size_t len)
{
    resp_add_bignum(&c->out, c->proto, digits, len);
}

void reply_error(struct conn *c, const char *msg)
{
    char line[REPLY_ERROR_MAX_BYTES];
    size_t n = strlen(msg);
    if (n >= sizeof line)
        n = sizeof line - 1;
    for (size_t i = 0; i < n; i++)
        line[i] = (msg[i] == '\r' || msg[i] == '\n') ? ' ' : msg[i];
    resp_add_error(&c->out, line, n);
    stats.error_replies++;
}

void reply_errorf(struct conn *c, const char *fmt, ...)
{
    char msg[REPLY_ERROR_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply_error(c, msg);
}

void reply_syntax_error(struct conn *c)
{
    reply_error(c, "ERR syntax error");
}

void reply_strlist(struct conn *c, const struct strlist *l, int as_set)
{
    if (as_set)
        reply_set(c, l->count);
    else
        reply_array(c, l->count);
    for (size_t i = 0; i < l->count; i++) {
        size_t len;
        const char *s = strlist_get(l, i, &len);
        reply_bulk(c, s, len);
    }
}

void reply_scan(struct conn *c, uint64_t cursor, const struct strlist *l)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%" PRIu64, cursor);
    reply_array(c, 2);
    reply_bulk(c, text, (size_t)n);
    reply_strlist(c, l, 0);
}

void reply_wrong_type(struct conn *c)
{
    reply_error(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void reply_not_integer(struct conn *c)
{
    reply_error(c, "ERR value is not an integer or out of range");
}

void reply_wrong_arity(struct conn *c, const char *cmd_name)
{
    reply_errorf(c, "ERR wrong number of arguments for '%s' command", cmd_name);
}
