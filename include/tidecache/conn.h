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
    CONN_NO_EVICT = 1u << 5,          /* CLIENT NO-EVICT on: exempt from client eviction */
    CONN_NO_TOUCH = 1u << 6,          /* CLIENT NO-TOUCH on: reads leave keys' access time alone */
    CONN_DETACHED = 1u << 7,          /* no socket: fed and read in-process (conn_create_detached) */
    CONN_LISTED = 1u << 8,            /* in the server's lists: CLIENT LIST, KILL, timeouts */
    CONN_PROTECTED = 1u << 9,         /* its command is still running (a busy script): never
                                         destroyed or read meanwhile, only flagged to close */
};

#define CONN_ADDR_BYTES 128 /* "ip:port", "[ip6]:port" or "socketpath:0", NUL included */

struct conn {
    int fd;
    unsigned flags;
    uint64_t id;           /* unique, increasing from 1 */
    int proto;             /* RESP version of replies: 2 or 3 */
    struct store *db;      /* selected keyspace */
    int db_index;
    int64_t created_ms;
    int64_t last_active_ms;
    char addr[CONN_ADDR_BYTES];  /* peer: "ip:port", "[ip6]:port" or "socketpath:0" */
    char laddr[CONN_ADDR_BYTES]; /* our end, in the same forms */

    /* Authentication: set when AUTH/HELLO AUTH succeeded, or at creation
     * (and RESET) when no password is configured then. */
    int authenticated;
    /* CLIENT SETNAME / SETINFO: mem_alloc'ed C strings owned by the
     * connection, NULL when unset (never empty). */
    char *name;
    char *lib_name;
    char *lib_ver;
    /* The command being run or last run, as CLIENT LIST's cmd= shows it:
     * static strings (the command table's name, a subcommand's name), NULL
     * before the first command and after an unknown one. */
    const char *cmd_name;
    const char *cmd_sub;
    /* MULTI queue and WATCHed keys (multi module); NULL when neither. */
    struct multi_state *multi;

    struct buf in;
    struct resp_parser parser;
    struct buf out;

    struct event *read_ev;
    struct event *write_ev;

    struct conn *prev, *next; /* the server's list, least recently active first */
    struct conn *by_id_prev, *by_id_next; /* every connection, in creation (id) order */
};

struct config;

/* What the layer above does with a connection: run one parsed request
 * (the command table's dispatch), and release the per-connection state it
 * keeps (a MULTI queue, watched keys...) when the connection goes. The net
 * layer calls these and knows nothing of commands. */
struct conn_hooks {
    void (*dispatch)(struct conn *c, size_t argc, struct arg *argv);
    void (*release)(struct conn *c);
};

/* Remember the live config (proto-max-bulk-len for new connections) and
 * the hooks (copied). */
void conn_setup(const struct config *cfg, const struct conn_hooks *hooks);

/* Close every connection at once (teardown). */
void conn_teardown(void);

/* Take over an accepted, non-blocking socket: create the connection and start
 * reading. Returns NULL (and closes fd) when events cannot be created. */
struct conn *conn_create(struct event_base *base, int fd, const struct sockaddr *peer,
                         socklen_t peer_len, int is_unix);

/* A connection without a socket, for running requests in-process (the
 * command fuzzer, scripts): requests go in with conn_feed, and replies stay
 * in c->out for the owner to read and consume; nothing is ever written or
 * read by the event loop. fd is -1 and the address "?:0". With listed set it
 * joins the server's lists like a client (CLIENT LIST shows it, CLIENT KILL
 * and the idle timeout close it, shutdown closes it); unlisted, only its
 * owner ever sees it. */
struct conn *conn_create_detached(int listed);

/* Append n bytes of requests to a detached connection's input and run
 * every complete request, as a read from a socket would (pipelining, the
 * flow control of CONN_OUTPUT_HIGH_WATER_BYTES, protocol errors). Requests
 * held back by flow control run at a later call, once the owner has
 * consumed output; n may be 0 for that. Returns the bytes of input not run
 * yet. The connection is never destroyed here; once CONN_CLOSE_AFTER_REPLY
 * is set (QUIT, a protocol error, CLIENT KILL of itself, SHUTDOWN) the owner
 * reads the output and destroys it. A listed one may be destroyed by other
 * connections' commands (CLIENT KILL) or the idle timeout at any time in
 * between: its owner keeps its id and finds it with conn_find_by_id. */
size_t conn_feed(struct conn *c, const void *p, size_t n);

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

/* Whether c must authenticate before running commands without CMD_NOAUTH:
 * a password is configured now (requirepass, read live) and c has not
 * authenticated. */
int conn_auth_required(const struct conn *c);

/* Whether the password configured now (requirepass) is set. */
int conn_password_configured(void);

/* The connection with this id, or NULL. O(connections). */
struct conn *conn_find_by_id(uint64_t id);

/* Called for each connection; return nonzero to stop the walk. */
typedef int conn_visit_fn(struct conn *c, void *arg);

/* Visit every connection in creation (id) order. The visitor may kill the
 * connection it is given (conn_kill) but no other one. */
void conn_foreach(conn_visit_fn *fn, void *arg);

/* CLIENT KILL: close victim. When victim is self (the connection running
 * the command) it closes once its replies are written; any other
 * connection is destroyed at once, which is safe because commands run one
 * at a time and none of another connection's state is on the stack while
 * self's command runs. Callers must not use victim afterwards. */
void conn_kill(struct conn *victim, struct conn *self);

/* While a long command holds the event loop (a busy script), serve the
 * other connections from inside it: wait at most timeout_ms for sockets
 * to be ready (listed connections that are not protected, and the extra
 * descriptors), read and run their requests and write their replies as
 * the event loop would. Returns the index of the first extra descriptor
 * that is readable, or -1. */
int conn_poll_while_busy(const int *extra_fds, int nextra, int timeout_ms);

/* Bytes of output not yet sent. */
static inline size_t conn_pending_output(const struct conn *c) { return buf_used(&c->out); }

#endif
