/* A small blocking RESP2/RESP3 test client over a raw loopback socket.
 *
 * It sends one command as an argv array (binary-safe) and reads one reply of
 * any RESP2 or RESP3 type into a tree. Attributes (|) are read and dropped.
 * Every read has a receive timeout (HARNESS_IO_TIMEOUT_MS): a missing reply
 * gives NULL instead of a hang. Test code only: it allocates with malloc. */
#ifndef TIDECACHE_RESP3_H
#define TIDECACHE_RESP3_H

#include <stddef.h>

#include "harness.h"

enum r3_type {
    R3_STATUS = 1, /* +simple string: str, len */
    R3_ERROR,      /* -error: str, len */
    R3_INT,        /* :integer: integer */
    R3_BULK,       /* $bulk string: str, len */
    R3_NULL,       /* _ (RESP3), $-1 and *-1 (RESP2) */
    R3_ARRAY,      /* *: n elements in elem */
    R3_MAP,        /* %: n pairs, elem holds 2n entries key, value, ... */
    R3_SET,        /* ~: n elements */
    R3_DOUBLE,     /* ,: dbl, and the text as sent in str */
    R3_BOOL,       /* #: integer 1 or 0 */
    R3_VERBATIM,   /* =: str/len is the payload after "fmt:", fmt the format */
    R3_BIGNUM,     /* (: the digits in str */
    R3_PUSH,       /* >: n elements */
};

struct r3 {
    int type;          /* enum r3_type */
    long long integer; /* R3_INT, R3_BOOL */
    double dbl;        /* R3_DOUBLE */
    char *str;         /* NUL-terminated; binary-safe through len */
    size_t len;
    size_t n;          /* elements; for R3_MAP the number of pairs */
    struct r3 **elem;
    char fmt[4];       /* R3_VERBATIM: the 3-byte format ("txt"), NUL-terminated */
};

#define R3_READBUF_BYTES 16384

/* A connection: the socket and a read buffer. */
struct r3c {
    int fd;
    char buf[R3_READBUF_BYTES];
    size_t pos, len;
    int eof; /* peer closed the connection */
};

/* Connect to the server (loopback, I/O timeouts). Aborts the test on failure. */
struct r3c *r3_connect(const struct server *s);
/* Close and free. NULL is accepted. */
void r3_close(struct r3c *c);

/* Send a command: argc arguments; lens may be NULL (then strlen is used). */
void r3_send_argv(struct r3c *c, int argc, const char *const *argv, const size_t *lens);
/* Read one reply; NULL on timeout, EOF or malformed input. */
struct r3 *r3_read(struct r3c *c);
/* Send and read: r3_send_argv + r3_read. */
struct r3 *r3_cmd_argv(struct r3c *c, int argc, const char *const *argv, const size_t *lens);
/* Send and read a command given as NUL-terminated strings ending with NULL,
 * e.g. r3_cmd(c, "SET", "k", "v", NULL). */
struct r3 *r3_cmd(struct r3c *c, const char *arg0, ...);

/* Connect to s and switch to RESP3 with HELLO 3 (asserting its map). */
struct r3c *r3_connect_resp3(const struct server *s);

/* Send the NULL-terminated arguments and assert the reply's exact bytes
 * (at most R3_EXPECT_RAW_MAX_BYTES; nothing may be left unread before). */
#define R3_EXPECT_RAW_MAX_BYTES 4096
void r3_expect_raw(struct r3c *c, const char *expected, const char *arg0, ...);
/* Whether the peer has closed the connection (waits up to the I/O timeout
 * for EOF; replies that arrive meanwhile are discarded). */
int r3_closed(struct r3c *c);

/* Free a reply tree. NULL is accepted. */
void r3_free(struct r3 *r);
/* The value of the map entry whose key (status, bulk or verbatim) equals key,
 * or NULL. Also accepts a RESP2 flat array of key, value pairs. */
struct r3 *r3_map_get(const struct r3 *r, const char *key);
/* Name of a type, e.g. "map". */
const char *r3_type_name(int type);
/* Render as text, e.g. `%{+server: $redis, ...}`; truncated to cap-1 bytes. */
size_t r3_render(const struct r3 *r, char *out, size_t cap);
/* Render into one of a few rotating static buffers, for assertion messages. */
const char *r3_show(const struct r3 *r);

/* Check helpers, in the style of harness.h: each asserts and frees r. */
void r3_expect_status(struct r3 *r, const char *status);
void r3_expect_error(struct r3 *r, const char *error);
void r3_expect_int(struct r3 *r, long long v);
void r3_expect_bulk(struct r3 *r, const char *s);
void r3_expect_null(struct r3 *r);

#endif
