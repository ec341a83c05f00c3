/* conn: one client connection.
 *
 * A connection owns its input buffer and request parser, its output buffer,
 * the RESP version it speaks and the keyspace it uses. Reading, parsing,
 * dispatching to the command table and writing all happen here; the server
 * module only accepts sockets and hands them over.
 *
 * Flow control: requests are executed in the order they arrive, every
 * complete request of a read before the next read. Once the unsent output
 * passes CONN_OUTPUT_HIGH_WATER_BYTES the connection stops executing requests
 * and stops reading until the client has taken the output, so a client that
 * pipelines without reading cannot make the server buffer without bound. */
#ifndef TIDECACHE_CONN_H
#define TIDECACHE_CONN_H

#include <stdint.h>
#include <sys/socket.h>

#include "tidecache/buf.h"
#include "tidecache/resp.h"

#define CONN_OUTPUT_HIGH_WATER_BYTES (256 * 1024) /* stop executing above this */
#define CONN_READ_CHUNK_BYTES (16 * 1024)         /* free space offered to each read */
#define CONN_IDLE_BUFFER_BYTES (64 * 1024)        /* buffers larger than this are freed when empty */

struct event_base;
struct store;

enum conn_flag {
    CONN_CLOSE_AFTER_REPLY = 1u << 0, /* QUIT or protocol error: write what is queued, then close */
    CONN_READ_PAUSED = 1u << 1,       /* output above the high-water mark */
    CONN_WRITE_WANTED = 1u << 2,      /* write event armed */
    CONN_UNIX = 1u << 3,              /* connected over the unix socket */
    CONN_CLOSING = 1u << 4,           /* being torn down; ignore further events */
};

struct conn {
    int fd;
    unsigned flags;
    uint64_t id;           /* unique, increasing from 1 */
    int proto;             /* RESP version of replies: 2 or 3 */
    struct store *db;      /* selected keyspace */
    int db_index;
    int64_t created_ms;
    int64_t last_active_ms;
    char addr[128];        /* "ip:port", "[ip6]:port" or "socketpath:0" */

    struct buf in;
    struct resp_parser parser;
    struct buf out;

    struct event *read_ev;
    struct event *write_ev;

    struct conn *prev, *next; /* the server's list, least recently active first */
};

struct config;

/* Remember the live config (proto-max-bulk-len for new connections). */
void conn_setup(const struct config *cfg);

/* Close every connection at once (teardown). */
void conn_teardown(void);

/* Take over an accepted, non-blocking socket: create the connection and start
 * reading. Returns NULL (and closes fd) when events cannot be created. */
struct conn *conn_create(struct event_base *base, int fd, const struct sockaddr *peer,
                         socklen_t peer_len, int is_unix);

/* Close the socket and free everything the connection holds. */
void conn_destroy(struct conn *c);

/* Stop reading, and close once the queued replies are written (shutdown). */
void conn_close_after_reply(struct conn *c);

/* Connections open now. */
size_t conn_count(void);

/* Close connections idle for more than timeout_s seconds; the list is kept
 * in order of last activity, so this costs O(closed + 1). */
void conn_close_idle(long long timeout_s);

/* Shutdown: stop reading everywhere; connections close as soon as their
 * queued output is written. */
void conn_shutdown_all(void);

/* Bytes of output not yet sent. */
static inline size_t conn_pending_output(const struct conn *c) { return buf_used(&c->out); }

#endif
