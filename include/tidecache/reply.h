/* reply: what command handlers use to answer a client.
 *
 * Each function appends one RESP value to the connection's output in the
 * RESP version the connection speaks. Handlers never touch the socket: the
 * connection writes the output when the batch of requests is done. */
#ifndef TIDECACHE_REPLY_H
#define TIDECACHE_REPLY_H

#include <stddef.h>
#include <stdint.h>

struct conn;

void reply_ok(struct conn *c);
void reply_simple(struct conn *c, const char *s);
void reply_bulk(struct conn *c, const void *p, size_t len);
void reply_cstr(struct conn *c, const char *s); /* bulk of a C string */
void reply_int(struct conn *c, long long v);
void reply_null(struct conn *c);
void reply_null_array(struct conn *c);
void reply_array(struct conn *c, size_t n);
void reply_map(struct conn *c, size_t pairs);
void reply_set(struct conn *c, size_t n);
void reply_double(struct conn *c, double v);
void reply_bool(struct conn *c, int v);
void reply_verbatim(struct conn *c, const char *text, size_t len);
void reply_bignum(struct conn *c, const char *digits, size_t len);

/* A status of len bytes that may hold any byte: CR and LF become spaces, as
 * Redis does, so the reply stays one line. */
void reply_status_len(struct conn *c, const char *s, size_t len);

/* An error reply. The text starts with its code ("ERR ...", "WRONGPASS ...");
 * CR and LF inside it become spaces, as Redis does, so the reply stays one
 * line whatever arguments it quotes. Counted in the error statistics. */
void reply_error(struct conn *c, const char *msg);
/* The same for an error text of any length that may hold any byte
 * (scripts' errors): not cut, CR and LF made spaces. */
void reply_error_len(struct conn *c, const char *msg, size_t len);
void reply_errorf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The common errors, with Redis's exact texts. */
void reply_syntax_error(struct conn *c);        /* ERR syntax error */
void reply_not_integer(struct conn *c);
struct strlist;
/* The strings of l as an array of bulk strings, or a set (RESP3's set
 * type; an array in RESP2) when as_set. */
void reply_strlist(struct conn *c, const struct strlist *l, int as_set);
/* A SCAN-family reply: [cursor as a bulk string, [the strings of l]]. */
void reply_scan(struct conn *c, uint64_t cursor, const struct strlist *l);
/* WRONGTYPE Operation against a key holding the wrong kind of value */
void reply_wrong_type(struct conn *c);         /* ERR value is not an integer or out of range */
void reply_wrong_arity(struct conn *c, const char *cmd_name);

#endif
