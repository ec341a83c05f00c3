/* resp: the resumable RESP request parser and the reply encoders; see
 * include/tidecache/resp.h for the contract.
 *
 * Parser states and what `pos` means in each (every offset is relative to
 * buf[0], the first byte of the request, because the caller may move its
 * buffer between calls):
 *   START        nothing examined yet
 *   INLINE       bytes [0, pos) hold no '\n'
 *   MB_HEADER    bytes [1, pos) of the "*<n>" line hold no '\r'
 *   BULK_HEADER  bytes [line, pos) of the "$<len>" line hold no '\r', where
 *                line = arg_off[argc], the pending argument's slot
 *   BULK_DATA    the bulk starts at arg_off[argc] and is arg_len[argc] bytes
 *                long; bytes up to pos have arrived
 *   FAILED       a protocol error was reported; every later call repeats it
 * So a call never looks again at a byte an earlier call has examined, and a
 * request that arrives one byte per read costs O(its size) in total. */
#include "tidecache/resp.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidecache/mem.h"
#include "tidecache/num.h"
#include "tidecache/status.h"

enum resp_state {
    RESP_START,
    RESP_INLINE,
    RESP_MB_HEADER,
    RESP_BULK_HEADER,
    RESP_BULK_DATA,
    RESP_FAILED,
};

/* Internal step result: the state changed and parsing goes on in this call.
 * Positive, so it can never be mistaken for a tc_status. */
#define RESP_NEXT 1

#define RESP_ARGS_INITIAL 8 /* first size of the argument arrays, entries */
/* Argument arrays larger than this (entries; 32 bytes each across the three
 * arrays) are freed before the next request, so one huge MSET does not pin
 * memory on an idle connection, while ordinary requests never allocate. */
#define RESP_ARGS_KEEP 1024

#define ERR_MBULK_LEN "ERR Protocol error: invalid multibulk length"
#define ERR_BULK_LEN "ERR Protocol error: invalid bulk length"
#define ERR_MBULK_BIG "ERR Protocol error: too big mbulk count string"
#define ERR_BULK_BIG "ERR Protocol error: too big bulk count string"
#define ERR_INLINE_BIG "ERR Protocol error: too big inline request"
#define ERR_QUOTES "ERR Protocol error: unbalanced quotes in request"

/* ------------------------------------------------------------------------ */
/* Parser: bookkeeping */

/* Forget the request in progress (not the arrays, which are reused). */
static void parser_restart(struct resp_parser *p)
{
    p->state = RESP_START;
    p->pos = 0;
    p->multibulk = 0;
    p->bulk = -1;
}

void resp_parser_init(struct resp_parser *p, long long max_bulk_len)
{
    memset(p, 0, sizeof *p);
    p->max_bulk_len = max_bulk_len;
    parser_restart(p);
}

/* Release the argument arrays; the parser stays usable and will allocate
 * them again on demand. */
static void parser_free_arrays(struct resp_parser *p)
{
    mem_free(p->arg_off);
    mem_free(p->arg_len);
    mem_free(p->argv);
    p->arg_off = p->arg_len = NULL;
    p->argv = NULL;
    p->arg_cap = p->argv_cap = 0;
    p->argc = 0;
}

void resp_parser_free(struct resp_parser *p)
{
    parser_free_arrays(p);
    parser_restart(p);
}

/* Make room for at least `need` argument offsets. Growth is geometric and
 * follows the arguments that actually arrive, never the count a client
 * declares, so "*1048576" followed by silence costs a few bytes. */
static void parser_reserve_args(struct resp_parser *p, size_t need)
{
    if (need <= p->arg_cap)
        return;
    size_t cap = p->arg_cap ? p->arg_cap : RESP_ARGS_INITIAL;
    while (cap < need)
        cap *= 2;
    p->arg_off = mem_realloc(p->arg_off, cap * sizeof *p->arg_off);
    p->arg_len = mem_realloc(p->arg_len, cap * sizeof *p->arg_len);
    p->arg_cap = cap;
}

/* Record a protocol error; the parser stays failed until freed or re-initialised. */
static int parser_fail(struct resp_parser *p, const char *msg)
{
    p->error = msg;
    p->state = RESP_FAILED;
    return TC_ERR;
}

/* Find the header line that starts at `line` and whose unexamined part
 * starts at p->pos: on success *cr is the offset of its '\r' and the byte
 * after it (taken to be '\n', unchecked, as Redis does) is present.
 * Returns TC_OK, TC_EAGAIN (p->pos advanced past what was examined), or
 * TC_ERR with `too_big` when the line is already longer than Redis allows. */
static int find_header_end(struct resp_parser *p, const char *buf, size_t len, size_t line,
                           const char *too_big, size_t *cr)
{
    const char *hit = memchr(buf + p->pos, '\r', len - p->pos);
    if (hit == NULL) {
        p->pos = len;
        if (len - line > RESP_MAX_INLINE_BYTES)
            return parser_fail(p, too_big);
        return TC_EAGAIN;
    }
    size_t at = (size_t)(hit - buf);
    if (at + 1 >= len) {
        p->pos = at; /* look at this '\r' again once its '\n' is here */
        return TC_EAGAIN;
    }
    *cr = at;
    return TC_OK;
}

/* ------------------------------------------------------------------------ */
/* Parser: multibulk */

/* Open the slot for the next argument: its header line starts at p->pos. */
static int begin_bulk_header(struct resp_parser *p)
{
    parser_reserve_args(p, p->argc + 1);
    p->arg_off[p->argc] = p->pos;
    p->bulk = -1;
    p->state = RESP_BULK_HEADER;
    return RESP_NEXT;
}

/* "*<n>\r\n": n <= 0 is a complete empty request (Redis replies nothing);
 * more than RESP_MAX_ARGS, or not a number, is an error. */
static int parse_mb_header(struct resp_parser *p, const char *buf, size_t len)
{
    size_t cr;
    int rc = find_header_end(p, buf, len, 0, ERR_MBULK_BIG, &cr);
    if (rc != TC_OK)
        return rc;

    long long n;
    if (!num_parse_ll(buf + 1, cr - 1, &n) || n > RESP_MAX_ARGS)
        return parser_fail(p, ERR_MBULK_LEN);
    p->pos = cr + 2;
    if (n <= 0)
        return TC_OK;
    p->multibulk = n;
    return begin_bulk_header(p);
}

/* "$<len>\r\n": the line must start with '$' (checked, as in Redis, only
 * once the whole line is here) and len must be 0..max_bulk_len. */
static int parse_bulk_header(struct resp_parser *p, const char *buf, size_t len)
{
    size_t line = p->arg_off[p->argc];
    size_t cr;
    int rc = find_header_end(p, buf, len, line, ERR_BULK_BIG, &cr);
    if (rc != TC_OK)
        return rc;

    if (buf[line] != '$') {
        snprintf(p->error_buf, sizeof p->error_buf,
                 "ERR Protocol error: expected '$', got '%c'", buf[line]);
        return parser_fail(p, p->error_buf);
    }
    long long n;
    if (!num_parse_ll(buf + line + 1, cr - line - 1, &n) || n < 0 || n > p->max_bulk_len)
        return parser_fail(p, ERR_BULK_LEN);

    p->pos = cr + 2;
    p->arg_off[p->argc] = p->pos;
    p->arg_len[p->argc] = (size_t)n;
    p->bulk = n;
    p->state = RESP_BULK_DATA;
    return RESP_NEXT;
}

/* Bulk bytes and the two bytes after them. Like Redis, those two bytes are
 * skipped without checking that they are "\r\n"; the first becomes '\0' so
 * the argument is a C string. */
static int parse_bulk_data(struct resp_parser *p, char *buf, size_t len)
{
    size_t end = p->arg_off[p->argc] + (size_t)p->bulk + 2;
    if (len < end) {
        p->pos = len;
        return TC_EAGAIN;
    }
    buf[end - 2] = '\0';
    p->pos = end;
    p->argc++;
    p->bulk = -1;
    if (p->argc == (size_t)p->multibulk)
        return TC_OK;
    return begin_bulk_header(p);
}

/* ------------------------------------------------------------------------ */
/* Parser: inline */

/* isspace() of the "C" locale, without its locale lookup. */
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The inline line as a C string would be read: byte i, or 0 past the end. */
static int line_byte(const char *s, size_t end, size_t i)
{
    return i < end ? (unsigned char)s[i] : 0;
}

/* One step inside double quotes at *r, writing at *w (never past *r).
 * Escapes: \n \r \t \b \a, \xHH, and a backslash before any other byte
 * stands for that byte. Returns 1 at the closing quote, 0 to go on, -1 when
 * the quote is unbalanced or closed against a non-space. */
static int dquote_step(char *s, size_t end, size_t *r, size_t *w)
{
    int c = line_byte(s, end, *r);
    int next = line_byte(s, end, *r + 1);
    int hi = hex_value(line_byte(s, end, *r + 2));
    int lo = hex_value(line_byte(s, end, *r + 3));

    if (c == '\\' && next == 'x' && hi >= 0 && lo >= 0) {
        s[(*w)++] = (char)(hi * 16 + lo);
        *r += 4;
    } else if (c == '\\' && next != 0) {
        static const char from[] = "nrtba", to[] = "\n\r\t\b\a";
        const char *e = strchr(from, next);
        s[(*w)++] = e ? to[e - from] : (char)next;
        *r += 2;
    } else if (c == '"') {
        (*r)++;
        return next != 0 && !is_space(next) ? -1 : 1;
    } else if (c == 0) {
        return -1;
    } else {
        s[(*w)++] = (char)c;
        (*r)++;
    }
    return 0;
}

/* One step inside single quotes: only \' is an escape. Same results as
 * dquote_step. */
static int squote_step(char *s, size_t end, size_t *r, size_t *w)
{
    int c = line_byte(s, end, *r);
    int next = line_byte(s, end, *r + 1);

    if (c == '\\' && next == '\'') {
        s[(*w)++] = '\'';
        *r += 2;
    } else if (c == '\'') {
        (*r)++;
        return next != 0 && !is_space(next) ? -1 : 1;
    } else if (c == 0) {
        return -1;
    } else {
        s[(*w)++] = (char)c;
        (*r)++;
    }
    return 0;
}

/* Unquote the token that starts at *r (a non-blank byte) in place, writing
 * at *w, the way Redis's sdssplitargs reads it: a bare token ends at a space,
 * tab, CR, LF or the end; quotes may open anywhere in it and the token ends
 * at the closing quote. On return *w is the end of the token's bytes. */
static int take_token(char *s, size_t end, size_t *r, size_t *w)
{
    int quote = 0;
    for (;;) {
        if (quote) {
            int rc = quote == '"' ? dquote_step(s, end, r, w) : squote_step(s, end, r, w);
            if (rc != 0)
                return rc < 0 ? TC_ERR : TC_OK;
            continue;
        }
        int c = line_byte(s, end, *r);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0) {
            if (c != 0)
                (*r)++;
            return TC_OK;
        }
        if (c == '"' || c == '\'')
            quote = c;
        else
            s[(*w)++] = (char)c;
        (*r)++;
    }
}

/* Split s[0..end) into arguments, unquoting each in place and ending each
 * with '\0'. There is always room for that '\0': a token ending at a
 * separator or at a closing quote leaves a byte free behind it, and the last
 * one may use s[end], which is the line's CR, LF or a NUL. */
static int split_inline(struct resp_parser *p, char *s, size_t end)
{
    size_t r = 0, w = 0;
    for (;;) {
        while (r < end && is_space((unsigned char)s[r]))
            r++;
        if (r >= end)
            return TC_OK;
        size_t start = w;
        if (take_token(s, end, &r, &w) != TC_OK)
            return parser_fail(p, ERR_QUOTES);
        parser_reserve_args(p, p->argc + 1);
        p->arg_off[p->argc] = start;
        p->arg_len[p->argc] = w - start;
        p->argc++;
        s[w++] = '\0';
    }
}

/* A line up to '\n' (a '\r' before it is dropped). As in Redis, where the
 * line is handled as a C string, a NUL byte ends its content. */
static int parse_inline(struct resp_parser *p, char *buf, size_t len)
{
    const char *nl = memchr(buf + p->pos, '\n', len - p->pos);
    if (nl == NULL) {
        p->pos = len;
        if (len > RESP_MAX_INLINE_BYTES)
            return parser_fail(p, ERR_INLINE_BIG);
        return TC_EAGAIN;
    }
    size_t end = (size_t)(nl - buf);
    p->pos = end + 1;
    if (end > 0 && buf[end - 1] == '\r')
        end--;
    const char *nul = memchr(buf, '\0', end);
    if (nul != NULL)
        end = (size_t)(nul - buf);
    return split_inline(p, buf, end);
}

/* ------------------------------------------------------------------------ */
/* Parser: driver */

/* First byte of a request: '*' starts a multibulk request, anything else an
 * inline one. Drops oversized arrays left by an earlier request. */
static int begin_request(struct resp_parser *p, const char *buf, size_t len)
{
    if (p->arg_cap > RESP_ARGS_KEEP)
        parser_free_arrays(p);
    p->argc = 0;
    p->error = NULL;
    if (len == 0)
        return TC_EAGAIN;
    /* an inline request may be just "\n", so its scan starts at byte 0 */
    int multibulk = buf[0] == '*';
    p->pos = multibulk ? 1 : 0;
    p->state = multibulk ? RESP_MB_HEADER : RESP_INLINE;
    return RESP_NEXT;
}

/* Turn the completed request's offsets into pointers into buf. */
static void publish_args(struct resp_parser *p, char *buf)
{
    if (p->argv_cap < p->argc) {
        p->argv = mem_realloc(p->argv, p->arg_cap * sizeof *p->argv);
        p->argv_cap = p->arg_cap;
    }
    for (size_t i = 0; i < p->argc; i++) {
        p->argv[i].ptr = buf + p->arg_off[i];
        p->argv[i].len = p->arg_len[i];
    }
}

int resp_parse(struct resp_parser *p, char *buf, size_t len, size_t *consumed)
{
    *consumed = 0;
    if (p->state == RESP_FAILED)
        return TC_ERR;
    if (len < p->pos) /* not the bytes we saw before: start over */
        parser_restart(p);

    int rc;
    do {
        switch (p->state) {
        case RESP_START:
            rc = begin_request(p, buf, len);
            break;
        case RESP_INLINE:
            rc = parse_inline(p, buf, len);
            break;
        case RESP_MB_HEADER:
            rc = parse_mb_header(p, buf, len);
            break;
        case RESP_BULK_HEADER:
            rc = parse_bulk_header(p, buf, len);
            break;
        case RESP_BULK_DATA:
            rc = parse_bulk_data(p, buf, len);
            break;
        default:
            return TC_ERR;
        }
    } while (rc == RESP_NEXT);

    if (rc == TC_OK) {
        publish_args(p, buf);
        *consumed = p->pos;
        parser_restart(p);
    }
    return rc;
}

size_t resp_bytes_wanted(const struct resp_parser *p)
{
    if (p->state != RESP_BULK_DATA)
        return 0;
    return p->arg_off[p->argc] + (size_t)p->bulk + 2 - p->pos;
}

/* ------------------------------------------------------------------------ */
/* Encoders */

#define RESP_LL_MAX_CHARS 20 /* "-9223372036854775808" */
#define RESP_HEADER_MAX_BYTES (1 + RESP_LL_MAX_CHARS + 2) /* type, number, CRLF */

/* Append "<type><v>\r\n" into space the caller has reserved. */
static void put_header(struct buf *b, char type, long long v)
{
    char *d = b->data + b->len;
    d[0] = type;
    size_t n = 1 + num_format_ll(d + 1, v);
    d[n] = '\r';
    d[n + 1] = '\n';
    b->len += n + 2;
}

/* Header for a count or length held in a size_t. Counts that do not fit a
 * long long cannot describe data in memory, so clamping is never visible. */
static void add_header(struct buf *b, char type, size_t n)
{
    buf_reserve(b, RESP_HEADER_MAX_BYTES);
    put_header(b, type, n > (size_t)LLONG_MAX ? LLONG_MAX : (long long)n);
}

/* Append "<type><p>\r\n", for the line types (+, -, and fixed lines). */
static void add_line(struct buf *b, char type, const void *p, size_t len)
{
    buf_reserve(b, len + 3);
    char *d = b->data + b->len;
    d[0] = type;
    memcpy(d + 1, p, len);
    d[len + 1] = '\r';
    d[len + 2] = '\n';
    b->len += len + 3;
}

static void add_raw(struct buf *b, const char *s, size_t len)
{
    buf_append(b, s, len);
}

void resp_add_simple(struct buf *b, const char *s, size_t len)
{
    add_line(b, '+', s, len);
}

void resp_add_error(struct buf *b, const char *msg, size_t len)
{
    add_line(b, '-', msg, len);
}

void resp_add_int(struct buf *b, long long v)
{
    buf_reserve(b, RESP_HEADER_MAX_BYTES);
    put_header(b, ':', v);
}

/* One reservation for header, payload and CRLF, then plain stores. */
void resp_add_bulk(struct buf *b, const void *p, size_t len)
{
    buf_reserve(b, RESP_HEADER_MAX_BYTES + len + 2);
    put_header(b, '$', (long long)len);
    char *d = b->data + b->len;
    if (len > 0)
        memcpy(d, p, len);
    d[len] = '\r';
    d[len + 1] = '\n';
    b->len += len + 2;
}

void resp_add_null(struct buf *b, int proto)
{
    if (proto >= 3)
        add_raw(b, "_\r\n", 3);
    else
        add_raw(b, "$-1\r\n", 5);
}

void resp_add_null_array(struct buf *b, int proto)
{
    if (proto >= 3)
        add_raw(b, "_\r\n", 3);
    else
        add_raw(b, "*-1\r\n", 5);
}

void resp_add_array_len(struct buf *b, size_t n)
{
    add_header(b, '*', n);
}

void resp_add_map_len(struct buf *b, int proto, size_t pairs)
{
    if (proto >= 3)
        add_header(b, '%', pairs);
    else
        add_header(b, '*', pairs * 2);
}

void resp_add_set_len(struct buf *b, int proto, size_t n)
{
    add_header(b, proto >= 3 ? '~' : '*', n);
}

#define RESP_DOUBLE_MAX_CHARS 32 /* "%.17g" of any double, with room */

/* Format v as Redis 7.0 does for double replies: "inf" and "-inf", and
 * otherwise printf's "%.17g" (so 1.1 reads "1.1000000000000001", and NaN
 * "nan" or "-nan" as the C library writes it). Returns the length. */
static size_t format_double(char *dst, double v)
{
    if (isinf(v)) {
        memcpy(dst, v > 0 ? "inf" : "-inf", v > 0 ? 3 : 4);
        return v > 0 ? 3 : 4;
    }
    return (size_t)snprintf(dst, RESP_DOUBLE_MAX_CHARS, "%.17g", v);
}

void resp_add_double(struct buf *b, int proto, double v)
{
    char s[RESP_DOUBLE_MAX_CHARS];
    size_t n = format_double(s, v);
    if (proto >= 3)
        add_line(b, ',', s, n);
    else
        resp_add_bulk(b, s, n);
}

void resp_add_bignum(struct buf *b, int proto, const char *digits, size_t len)
{
    if (proto >= 3)
        add_line(b, '(', digits, len);
    else
        resp_add_bulk(b, digits, len);
}

void resp_add_bool(struct buf *b, int proto, int v)
{
    if (proto >= 3)
        add_raw(b, v ? "#t\r\n" : "#f\r\n", 4);
    else
        add_raw(b, v ? ":1\r\n" : ":0\r\n", 4);
}

/* RESP3: "=<len>\r\n<fmt3>:<p>\r\n", where len counts the 4-byte "fmt:"
 * prefix and fmt3 is exactly three bytes ("txt", "mkd"). RESP2: a bulk of
 * p alone. */
void resp_add_verbatim(struct buf *b, int proto, const char *fmt3, const void *p, size_t len)
{
    if (proto < 3) {
        resp_add_bulk(b, p, len);
        return;
    }
    buf_reserve(b, RESP_HEADER_MAX_BYTES + 4 + len + 2);
    put_header(b, '=', (long long)(len + 4));
    char *d = b->data + b->len;
    memcpy(d, fmt3, 3);
    d[3] = ':';
    if (len > 0)
        memcpy(d + 4, p, len);
    d[len + 4] = '\r';
    d[len + 5] = '\n';
    b->len += len + 6;
}
