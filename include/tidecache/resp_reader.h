/* resp_reader: reading RESP2 and RESP3 replies, strictly.
 *
 * The server writes replies and never reads them, except where it runs a
 * command in-process and needs what the command answered: the scripting
 * engine turns a command's reply into Lua values, and the command fuzzer
 * checks that every reply is well-formed. Both read the connection's output
 * with this module.
 *
 * resp_read reads one value: a scalar whole, an aggregate only its header
 * (its elements follow as further values: count of them, twice that for a
 * map or an attribute). Anything that is not exactly what the protocol
 * allows is refused: a missing CRLF, a length that does not match, CR or LF
 * inside a simple string or an error, an integer with a sign and no digits
 * or out of range, a double that does not parse, a RESP3 type on a RESP2
 * connection. */
#ifndef TIDECACHE_RESP_READER_H
#define TIDECACHE_RESP_READER_H

#include <stddef.h>

enum resp_kind {
    RESP_SIMPLE,     /* +text */
    RESP_ERROR,      /* -text, and RESP3's !len blob error */
    RESP_INT,        /* :n */
    RESP_BULK,       /* $len */
    RESP_NULL,       /* $-1 and *-1 (RESP2), _ (RESP3) */
    RESP_ARRAY,      /* *n */
    RESP_MAP,        /* %n: n pairs follow */
    RESP_SET,        /* ~n */
    RESP_PUSH,       /* >n */
    RESP_ATTRIBUTE,  /* |n: n pairs, then the value they describe */
    RESP_DOUBLE,     /* ,text */
    RESP_BOOL,       /* #t or #f */
    RESP_BIGNUM,     /* (digits */
    RESP_VERBATIM,   /* =len fmt:text */
};

struct resp_value {
    enum resp_kind kind;
    const char *str;  /* text of SIMPLE, ERROR, BULK, DOUBLE, BIGNUM, VERBATIM
                         (without its format and colon); not NUL-terminated */
    size_t len;
    long long integer; /* INT; BOOL as 0 or 1 */
    double dbl;       /* DOUBLE */
    size_t count;     /* ARRAY, SET, PUSH: elements; MAP, ATTRIBUTE: pairs */
    char format[4];   /* VERBATIM: "txt", "mkd"... NUL-terminated */
};

/* Read the value that starts at p[0], of the n bytes there, from a
 * connection speaking RESP `proto` (2 or 3). Returns TC_OK with the bytes
 * it took in *used; TC_EAGAIN when the bytes end before the value does;
 * TC_ERR when it is malformed, with the reason in why (whylen bytes). */
int resp_read(const char *p, size_t n, int proto, struct resp_value *v, size_t *used, char *why,
              size_t whylen);

/* Read one whole reply, aggregates with all their elements, the same way.
 * O(reply) time and no memory: nesting is followed by counting. */
int resp_read_reply(const char *p, size_t n, int proto, size_t *used, char *why, size_t whylen);

#endif
