/* Integration test harness: starts build/tidecache (or $TIDECACHE_BIN) on a
 * free loopback port with a generated config, and talks to it with hiredis
 * or raw sockets. Every wait is bounded: readiness is polled for at most
 * HARNESS_START_TIMEOUT_MS, reads time out after HARNESS_IO_TIMEOUT_MS. */
#ifndef TIDECACHE_HARNESS_H
#define TIDECACHE_HARNESS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <sys/types.h>

#define HARNESS_START_TIMEOUT_MS 10000
#define HARNESS_IO_TIMEOUT_MS 5000

struct server {
    pid_t pid;
    int port;
    char conf_path[256];
    char log_path[256];
    char dir[64];          /* scratch directory of this server */
};

/* Start a server whose config is "port N\nbind 127.0.0.1\n" plus extra_conf
 * (may be NULL). Aborts the test on failure. */
void server_start(struct server *s, const char *extra_conf);

/* SIGTERM, then wait for exit; returns the exit status (or 128+signal). */
int server_stop(struct server *s);

/* Whether the process is still running. */
int server_alive(const struct server *s);

/* A hiredis connection to s, with I/O timeouts. */
redisContext *client_connect(const struct server *s);

/* Run a command given as separate strings (binary-safe through lengths). */
redisReply *client_cmd(redisContext *c, const char *fmt, ...);

/* Check helpers on replies: each frees the reply. */
void expect_status(redisReply *r, const char *status);
void expect_error(redisReply *r, const char *error);
void expect_int(redisReply *r, long long v);
void expect_str(redisReply *r, const char *s);
void expect_nil(redisReply *r);

/* cmd (no format directives) answers the arity error of command name. */
void expect_arity(redisContext *c, const char *cmd, const char *name);

/* OBJECT ENCODING key answers want. */
void expect_encoding(redisContext *c, const char *key, const char *want);

/* Raw loopback socket to s, with a receive timeout. */
int raw_connect(const struct server *s);
void raw_send(int fd, const void *p, size_t len);
/* Read until the peer closes or the timeout: returns bytes read into out
 * (NUL-terminated, at most cap-1); *closed says whether EOF was seen. */
size_t raw_read_all(int fd, char *out, size_t cap, int *closed);
/* Read exactly len bytes (or until timeout/EOF); returns bytes read. */
size_t raw_read_n(int fd, char *out, size_t len);

/* Monotonic and wall-clock milliseconds, for bounded waits and for
 * absolute expiry times. */
long long mono_ms(void);
long long wall_ms(void);

/* A loopback TCP port the kernel considers free right now, and whether
 * something accepts connections on one. */
int free_port(void);
int port_accepts(int port);

/* The integer reply of a command (fails the test on another type). */
long long client_int(redisContext *c, const char *fmt, ...);

/* A numeric field of an INFO section ("keyspace_hits" of "stats"), or -1
 * when the section has no such field. */
long long client_info_field(redisContext *c, const char *section, const char *field);

/* The changes a SCAN-family test makes between its calls, to prove that
 * entries present throughout are returned while the table grows through
 * several sizes and shrinks again: add_fmt and del_fmt take one name
 * ("SADD s %s", "SREM s %s"); each step adds per_call "churn:<n>" entries
 * (for 40 calls, up to max in all), then removes as many (for 40 calls),
 * and so on. emptied is set once every churn entry has gone again. */
struct scan_churn {
    const char *add_fmt, *del_fmt;
    int per_call, max;
    int added, removed, calls, emptied;
};
void scan_churn_step(redisContext *c, struct scan_churn *ch);

/* Check that every name at elements[0], [stride], ... of a SCAN-family
 * reply is a "stable:" or a "churn:" one. */
void scan_churn_expect_names(const redisReply *elements, size_t stride);

/* Read count replies of commands queued with redisAppendCommand and check
 * each is of the given type (REDIS_REPLY_*). */
void client_drain(redisContext *c, size_t count, int type);

/* TTL key is within [lo, hi] seconds. */
void expect_ttl(redisContext *c, const char *key, long long lo, long long hi);

/* The first 64 KiB of a text file, malloc'ed and NUL-terminated (fails the
 * test when it cannot be read). */
char *harness_read_file(const char *path);

/* Path of the tidecache binary under test. */
const char *tidecache_bin(void);

#endif
