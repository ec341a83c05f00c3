/* resp_reader: strict reading of RESP replies; see
 * include/tidecache/resp_reader.h. */
#include "tidecache/resp_reader.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidecache/status.h"

#define RESP_NUMBER_MAX_BYTES 32 /* longest integer or double text read */
#define RESP_VERBATIM_FORMAT_BYTES 3

__attribute__((format(printf, 3, 4))) static int read_fail(char *why, size_t whylen,
                                                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return TC_ERR;
}

/* The line after the type byte: [p+1, end) up to its CRLF. Returns TC_OK
 * with *line_len and *used (the CRLF included), TC_EAGAIN without a CRLF
 * yet, TC_ERR when a bare CR or LF comes first. */
static int read_line(const char *p, size_t n, size_t *line_len, size_t *used, char *why,
                     size_t whylen)
{
    for (size_t i = 1; i < n; i++) {
        if (p[i] == '\n')
            return read_fail(why, whylen, "LF without CR in a '%c' line", p[0]);
        if (p[i] != '\r')
            continue;
        if (i + 1 == n)
            return TC_EAGAIN;
        if (p[i + 1] != '\n')
            return read_fail(why, whylen, "CR not followed by LF in a '%c' line", p[0]);
        *line_len = i - 1;
        *used = i + 2;
        return TC_OK;
    }
    return TC_EAGAIN;
}

/* An integer as the protocol writes it: optional '-', digits, no '+', no
 * spaces, within long long. */
static int parse_integer(const char *s, size_t len, long long *out)
{
    char text[RESP_NUMBER_MAX_BYTES + 1];
    if (len == 0 || len > RESP_NUMBER_MAX_BYTES)
        return TC_ERR;
    for (size_t i = 0; i < len; i++)
        if (!(s[i] >= '0' && s[i] <= '9') && !(i == 0 && s[i] == '-' && len > 1))
            return TC_ERR;
    memcpy(text, s, len);
    text[len] = '\0';
    errno = 0;
    *out = strtoll(text, NULL, 10);
    return errno == ERANGE ? TC_ERR : TC_OK;
}

/* A RESP3 double: inf, -inf, nan, or a number strtod reads whole. */
static int parse_double(const char *s, size_t len, double *out)
{
    char text[RESP_NUMBER_MAX_BYTES + 1];
    if (len == 0 || len > RESP_NUMBER_MAX_BYTES)
        return TC_ERR;
    memcpy(text, s, len);
    text[len] = '\0';
    if (strcmp(text, "inf") == 0 || strcmp(text, "-inf") == 0) {
        *out = text[0] == '-' ? -INFINITY : INFINITY;
        return TC_OK;
    }
    if (strcmp(text, "nan") == 0) {
        *out = NAN;
        return TC_OK;
    }
    char *end;
    errno = 0;
    *out = strtod(text, &end);
    if (*end != '\0' || !isfinite(*out) || text[0] == ' ' || text[0] == '+')
        return TC_ERR;
    return TC_OK;
}

/* A length-prefixed value ($ ! =): the header gave len; the body and its
 * CRLF follow the header's used bytes. */
static int read_blob(const char *p, size_t n, size_t header, long long len, struct resp_value *v,
                     size_t *used, char *why, size_t whylen)
{
    if ((unsigned long long)len > (unsigned long long)(SIZE_MAX - header - 2))
        return read_fail(why, whylen, "length %lld too large", len);
    size_t end = header + (size_t)len;
    if (n < end + 2)
        return TC_EAGAIN;
    if (p[end] != '\r' || p[end + 1] != '\n')
        return read_fail(why, whylen, "'%c' body of %lld bytes not followed by CRLF", p[0], len);
    v->str = p + header;
    v->len = (size_t)len;
    *used = end + 2;
    return TC_OK;
}

int resp_read(const char *p, size_t n, int proto, struct resp_value *v, size_t *used, char *why,
              size_t whylen)
{
    size_t line_len = 0, header = 0;
    memset(v, 0, sizeof *v);
    if (n == 0)
        return TC_EAGAIN;
    char type = p[0];
    if (proto != 3 && strchr("_,#(=!%~>|", type) && type != '\0')
        return read_fail(why, whylen, "RESP3 type '%c' on a RESP2 connection", type);
    int rc = read_line(p, n, &line_len, &header, why, whylen);
    if (rc != TC_OK)
        return rc;
    const char *line = p + 1;
    long long num = 0;
    *used = header;
    switch (type) {
    case '+':
    case '-':
        if (type == '-' && line_len == 0)
            return read_fail(why, whylen, "empty error");
        v->kind = type == '+' ? RESP_SIMPLE : RESP_ERROR;
        v->str = line;
        v->len = line_len;
        return TC_OK;
    case ':':
        if (parse_integer(line, line_len, &v->integer) != TC_OK)
            return read_fail(why, whylen, "bad integer '%.*s'", (int)line_len, line);
        v->kind = RESP_INT;
        return TC_OK;
    case '_':
        if (line_len != 0)
            return read_fail(why, whylen, "null with text");
        v->kind = RESP_NULL;
        return TC_OK;
    case '#':
        if (line_len != 1 || (line[0] != 't' && line[0] != 'f'))
            return read_fail(why, whylen, "bad boolean");
        v->kind = RESP_BOOL;
        v->integer = line[0] == 't';
        return TC_OK;
    case ',':
        if (parse_double(line, line_len, &v->dbl) != TC_OK)
            return read_fail(why, whylen, "bad double '%.*s'", (int)line_len, line);
        v->kind = RESP_DOUBLE;
        v->str = line;
        v->len = line_len;
        return TC_OK;
    case '(':
        for (size_t i = 0; i < line_len; i++)
            if (!(line[i] >= '0' && line[i] <= '9') && !(i == 0 && line[i] == '-' && line_len > 1))
                return read_fail(why, whylen, "bad big number");
        if (line_len == 0)
            return read_fail(why, whylen, "empty big number");
        v->kind = RESP_BIGNUM;
        v->str = line;
        v->len = line_len;
        return TC_OK;
    default: break;
    }
    if (!strchr("$!=*%~>|", type) || type == '\0')
        return read_fail(why, whylen, "unknown type byte 0x%02x", (unsigned char)type);
    if (parse_integer(line, line_len, &num) != TC_OK)
        return read_fail(why, whylen, "bad length in a '%c' header", type);
    if (num == -1 && proto != 3 && (type == '$' || type == '*')) {
        v->kind = RESP_NULL;
        return TC_OK;
    }
    if (num < 0)
        return read_fail(why, whylen, "negative length %lld in a '%c' header", num, type);
    switch (type) {
    case '$':
    case '!':
        v->kind = type == '$' ? RESP_BULK : RESP_ERROR;
        return read_blob(p, n, header, num, v, used, why, whylen);
    case '=':
        v->kind = RESP_VERBATIM;
        rc = read_blob(p, n, header, num, v, used, why, whylen);
        if (rc != TC_OK)
            return rc;
        if (v->len < RESP_VERBATIM_FORMAT_BYTES + 1 || v->str[RESP_VERBATIM_FORMAT_BYTES] != ':')
            return read_fail(why, whylen, "verbatim string without its format");
        memcpy(v->format, v->str, RESP_VERBATIM_FORMAT_BYTES);
        v->str += RESP_VERBATIM_FORMAT_BYTES + 1;
        v->len -= RESP_VERBATIM_FORMAT_BYTES + 1;
        return TC_OK;
    case '*': v->kind = RESP_ARRAY; break;
    case '%': v->kind = RESP_MAP; break;
    case '~': v->kind = RESP_SET; break;
    case '>': v->kind = RESP_PUSH; break;
    default: v->kind = RESP_ATTRIBUTE; break;
    }
    v->count = (size_t)num;
    return TC_OK;
}

int resp_read_reply(const char *p, size_t n, int proto, size_t *used, char *why, size_t whylen)
{
    size_t off = 0;
    unsigned long long pending = 1; /* values still to read */
    while (pending > 0) {
        struct resp_value v;
        size_t u;
        int rc = resp_read(p + off, n - off, proto, &v, &u, why, whylen);
        if (rc != TC_OK)
            return rc;
        off += u;
        pending--;
        switch (v.kind) {
        case RESP_ARRAY:
        case RESP_SET:
        case RESP_PUSH: pending += v.count; break;
        case RESP_MAP: pending += 2ull * v.count; break;
        case RESP_ATTRIBUTE: pending += 2ull * v.count + 1; break;
        default: break;
        }
    }
    *used = off;
    return TC_OK;
}
