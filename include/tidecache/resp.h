/* resp: the RESP request parser and the reply encoders.
 *
 * Parser. A request is either multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") or
 * inline ("GET k\r\n", as telnet and redis-benchmark send). The parser is a
 * resumable state machine whose state lives in struct resp_parser (one per
 * connection): when a read ends mid-request it returns TC_EAGAIN having
 * remembered how far it got, and the next call continues from there instead of
 * scanning the request again. Arguments are (pointer, length) pairs into the
 * caller's buffer: nothing is copied. For multibulk requests the byte after
 * each argument (the '\r' of its CRLF) is overwritten with '\0', so every
 * argument is also a C string; inline arguments are unquoted in place and
 * NUL-terminated too.
 *
 * Limits (Redis's): at most RESP_MAX_ARGS arguments, each bulk at most
 * max_bulk_len bytes, an inline line or a header line at most
 * RESP_MAX_INLINE_BYTES. Violations and malformed input give TC_ERR and
 * Redis's exact error text in p->error.
 *
 * Encoders append one RESP value to a struct buf; `proto` (2 or 3) picks the
 * RESP2 or RESP3 form where the two differ. */
#ifndef TIDECACHE_RESP_H
#define TIDECACHE_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "tidecache/buf.h"

#define RESP_MAX_ARGS (1024 * 1024)          /* arguments in one multibulk request */
#define RESP_MAX_INLINE_BYTES (64 * 1024)    /* inline request line, and header lines */

struct arg {
    char *ptr;
    size_t len;
};

struct resp_parser {
    /* configuration */
    long long max_bulk_len; /* proto-max-bulk-len, bytes */

    /* progress through the current request; offsets are relative to the
     * start of the request, which is always buf[0] of the caller's buffer */
    int state;
    size_t pos;            /* bytes of the request examined so far */
    long long multibulk;   /* arguments declared by the '*' header */
    long long bulk;        /* length of the bulk being read, -1 before its header */

    /* completed arguments of the current request, as offsets, turned into
     * pointers in argv when the request completes (the buffer may move
     * between calls) */
    size_t argc;
    size_t *arg_off;
    size_t *arg_len;
    size_t arg_cap;

    /* result */
    struct arg *argv; /* argc entries, valid until the buffer changes */
    size_t argv_cap;
    const char *error; /* on TC_ERR: message, e.g. "ERR Protocol error: invalid bulk length" */
    char error_buf[96];
};

void resp_parser_init(struct resp_parser *p, long long max_bulk_len);
void resp_parser_free(struct resp_parser *p);

/* Parse one request from buf[0..len), where buf[0] is the first byte of the
 * request (the caller drops consumed requests from the front).
 *  TC_OK      a whole request: p->argc / p->argv hold it (argc may be 0 for an
 *             empty line or "*0", which the caller skips), *consumed is its size.
 *             The parser is ready for the next request.
 *  TC_EAGAIN  incomplete: *consumed = 0; call again with the same request at
 *             buf[0] and more bytes after it.
 *  TC_ERR     protocol error: p->error holds the text; the connection must be
 *             closed after replying. */
int resp_parse(struct resp_parser *p, char *buf, size_t len, size_t *consumed);

/* Bytes the parser still needs to finish the bulk it is reading (0 when it is
 * not inside a bulk). The connection grows its buffer by at most this much,
 * and only as bytes arrive, so a large declared bulk costs memory only as its
 * bytes come in. */
size_t resp_bytes_wanted(const struct resp_parser *p);

/* Encoders. */
void resp_add_simple(struct buf *b, const char *s, size_t len); /* +s */
void resp_add_error(struct buf *b, const char *msg, size_t len); /* -msg (msg starts with the code) */
void resp_add_int(struct buf *b, long long v);                  /* :v */
void resp_add_bulk(struct buf *b, const void *p, size_t len);   /* $len p */
void resp_add_null(struct buf *b, int proto);                   /* $-1 or _ */
void resp_add_null_array(struct buf *b, int proto);             /* *-1 or _ */
void resp_add_array_len(struct buf *b, size_t n);               /* *n */
void resp_add_map_len(struct buf *b, int proto, size_t pairs);  /* %n, or *2n in RESP2 */
void resp_add_set_len(struct buf *b, int proto, size_t n);      /* ~n, or *n in RESP2 */
void resp_add_double(struct buf *b, int proto, double v);       /* ,v, or bulk in RESP2 (%.17g) */
void resp_add_bignum(struct buf *b, int proto, const char *digits,
                     size_t len);                               /* (digits, or bulk in RESP2 */
void resp_add_bool(struct buf *b, int proto, int v);            /* #t/#f, or :1/:0 in RESP2 */
void resp_add_verbatim(struct buf *b, int proto, const char *fmt3, const void *p,
                       size_t len);                             /* =len fmt:p, or bulk in RESP2 */

#endif
