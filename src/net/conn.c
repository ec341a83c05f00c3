/* conn: one client connection; see include/tidecache/conn.h. */
#include "tidecache/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/db.h"
#include "tidecache/log.h"
#include "tidecache/mem.h"
#include "tidecache/reply.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"

/* Reading resumes once the unsent output has fallen to this. */
#define CONN_OUTPUT_LOW_WATER_BYTES (CONN_OUTPUT_HIGH_WATER_BYTES / 2)

static const struct config *config;
static struct conn_hooks hooks;
static uint64_t next_id = 1;
static size_t open_count;
static struct conn *oldest, *newest; /* by last activity */
static struct conn *first_by_id, *last_by_id; /* by creation */

/* The connection whose command is running now, if any. */
static struct conn *executing;

static void conn_on_read(evutil_socket_t fd, short what, void *arg);
static void conn_list(struct conn *c);
static void conn_on_write(evutil_socket_t fd, short what, void *arg);

void conn_setup(const struct config *cfg, const struct conn_hooks *h)
{
    config = cfg;
    hooks = *h;
}

void conn_teardown(void)
{
    while (oldest)
        conn_destroy(oldest);
}

size_t conn_count(void)
{
    return open_count;
}

static void list_unlink(struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        oldest = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        newest = c->prev;
    c->prev = c->next = NULL;
}

static void list_append(struct conn *c)
{
    c->prev = newest;
    c->next = NULL;
    if (newest)
        newest->next = c;
    else
        oldest = c;
    newest = c;
}

static void id_list_append(struct conn *c)
{
    c->by_id_prev = last_by_id;
    c->by_id_next = NULL;
    if (last_by_id)
        last_by_id->by_id_next = c;
    else
        first_by_id = c;
    last_by_id = c;
}

static void id_list_unlink(struct conn *c)
{
    if (c->by_id_prev)
        c->by_id_prev->by_id_next = c->by_id_next;
    else
        first_by_id = c->by_id_next;
    if (c->by_id_next)
        c->by_id_next->by_id_prev = c->by_id_prev;
    else
        last_by_id = c->by_id_prev;
    c->by_id_prev = c->by_id_next = NULL;
}

/* Mark activity: the connection moves to the young end of the list. */
static void conn_touch(struct conn *c)
{
    c->last_active_ms = clock_now_ms();
    if (newest != c && (c->flags & CONN_LISTED)) {
        list_unlink(c);
        list_append(c);
    }
}

/* A socket address as Redis shows one: "ip:port", "[ip6]:port", or for a
 * unix socket "path:0". */
static void format_sockaddr(char *out, size_t outlen, const struct sockaddr *sa, socklen_t salen)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
        size_t path_max = salen > offsetof(struct sockaddr_un, sun_path)
                              ? salen - offsetof(struct sockaddr_un, sun_path)
                              : 0;
        snprintf(out, outlen, "%.*s:0", (int)strnlen(un->sun_path, path_max), un->sun_path);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        snprintf(out, outlen, "[%s]:%u", ip, ntohs(in6->sin6_port));
    } else {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof ip);
        snprintf(out, outlen, "%s:%u", ip, ntohs(in4->sin_port));
    }
}

/* addr= and laddr= of CLIENT LIST. Our end comes from getsockname, which
 * for a unix socket gives the listening path (also for a socket passed by
 * systemd); unix clients themselves are unnamed, so like Redis their addr
 * is that path too. */
static void format_addresses(struct conn *c, const struct sockaddr *peer, socklen_t peer_len,
                             int is_unix)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0)
        format_sockaddr(c->laddr, sizeof c->laddr, (struct sockaddr *)&ss, len);
    else
        snprintf(c->laddr, sizeof c->laddr, "?:0");
    if (is_unix)
        snprintf(c->addr, sizeof c->addr, "%s", c->laddr);
    else
        format_sockaddr(c->addr, sizeof c->addr, peer, peer_len);
}

int conn_password_configured(void)
{
    return config && config->requirepass && config->requirepass[0] != '\0';
}

int conn_auth_required(const struct conn *c)
{
    return !c->authenticated && conn_password_configured();
}

struct conn *conn_create(struct event_base *base, int fd, const struct sockaddr *peer,
                         socklen_t peer_len, int is_unix)
{
    struct conn *c = mem_calloc(1, sizeof *c);
    c->fd = fd;
    c->id = next_id++;
    c->proto = 2;
    c->db = db_get(0);
    c->db_index = 0;
    c->created_ms = c->last_active_ms = clock_now_ms();
    if (is_unix)
        c->flags |= CONN_UNIX;
    format_addresses(c, peer, peer_len, is_unix);
    c->authenticated = !conn_password_configured();
    buf_init(&c->in);
    buf_init(&c->out);
    resp_parser_init(&c->parser, config ? config->proto_max_bulk_len : 512 * MB);
    c->read_ev = event_new(base, fd, EV_READ | EV_PERSIST, conn_on_read, c);
    c->write_ev = event_new(base, fd, EV_WRITE | EV_PERSIST, conn_on_write, c);
    if (!c->read_ev || !c->write_ev || event_add(c->read_ev, NULL) != 0) {
        log_warning("cannot watch client socket %d", fd);
        if (c->read_ev)
            event_free(c->read_ev);
        if (c->write_ev)
            event_free(c->write_ev);
        resp_parser_free(&c->parser);
        close(fd);
        mem_free(c);
        return NULL;
    }
    conn_list(c);
    return c;
}

/* Join the server's lists (CLIENT LIST, KILL, timeouts, shutdown). */
static void conn_list(struct conn *c)
{
    c->flags |= CONN_LISTED;
    list_append(c);
    id_list_append(c);
    open_count++;
}

struct conn *conn_create_detached(int listed)
{
    struct conn *c = mem_calloc(1, sizeof *c);
    c->fd = -1;
    c->flags = CONN_DETACHED;
    c->id = next_id++;
    c->proto = 2;
    c->db = db_get(0);
    c->db_index = 0;
    c->created_ms = c->last_active_ms = clock_now_ms();
    snprintf(c->addr, sizeof c->addr, "?:0");
    snprintf(c->laddr, sizeof c->laddr, "?:0");
    c->authenticated = !conn_password_configured();
    buf_init(&c->in);
    buf_init(&c->out);
    resp_parser_init(&c->parser, config ? config->proto_max_bulk_len : 512 * MB);
    if (listed)
        conn_list(c);
    return c;
}

void conn_destroy(struct conn *c)
{
    if (!(c->flags & CONN_DETACHED)) {
        event_free(c->read_ev);
        event_free(c->write_ev);
        close(c->fd);
    }
    if (c->flags & CONN_LISTED) {
        list_unlink(c);
        id_list_unlink(c);
        open_count--;
    }
    buf_free(&c->in);
    buf_free(&c->out);
    resp_parser_free(&c->parser);
    mem_free(c->name);
    mem_free(c->lib_name);
    mem_free(c->lib_ver);
    if (hooks.release)
        hooks.release(c);
    mem_free(c);
}

static void conn_pause_reading(struct conn *c)
{
    if (!(c->flags & CONN_READ_PAUSED)) {
        if (c->read_ev)
            event_del(c->read_ev);
        c->flags |= CONN_READ_PAUSED;
    }
}

static void conn_resume_reading(struct conn *c)
{
    if (c->flags & CONN_READ_PAUSED) {
        if (c->read_ev)
            event_add(c->read_ev, NULL);
        c->flags &= ~CONN_READ_PAUSED;
    }
}

/* Execute every complete request in the input buffer, in order, until the
 * input runs out, the output passes the high-water mark (then reading
 * pauses), or the connection is to close (QUIT, protocol error). The parser
 * keeps its progress through a partial request between calls. */
static void conn_process_input(struct conn *c)
{
    while (!(c->flags & CONN_CLOSE_AFTER_REPLY) && buf_used(&c->in) > 0) {
        if (conn_pending_output(c) > CONN_OUTPUT_HIGH_WATER_BYTES) {
            conn_pause_reading(c);
            return;
        }
        size_t consumed = 0;
        int rc = resp_parse(&c->parser, c->in.data + c->in.start, buf_used(&c->in), &consumed);
        if (rc == TC_EAGAIN)
            return;
        if (rc == TC_ERR) {
            char shown[LOG_REPR_BYTES];
            log_verbose("protocol error from client %s: %s", c->addr,
                        log_repr(shown, sizeof shown, c->parser.error, strlen(c->parser.error)));
            reply_error(c, c->parser.error);
            c->flags |= CONN_CLOSE_AFTER_REPLY;
            return;
        }
        if (c->parser.argc > 0) {
            /* saved, not cleared: a busy script serves other connections
             * from inside its own command */
            struct conn *outer = executing;
            executing = c;
            hooks.dispatch(c, c->parser.argc, c->parser.argv);
            executing = outer;
        }
        buf_consume(&c->in, consumed);
    }
    /* closing: nothing more is read, so the input cannot grow meanwhile */
    if (c->flags & CONN_CLOSE_AFTER_REPLY)
        conn_pause_reading(c);
}

/* Write queued output. Returns TC_OK when all is written, TC_EAGAIN when the
 * socket is full (the write event is then armed), TC_ERR when the peer is
 * gone. */
static int conn_write(struct conn *c)
{
    if (c->flags & CONN_DETACHED) /* the owner takes the output */
        return buf_used(&c->out) ? TC_EAGAIN : TC_OK;
    while (buf_used(&c->out) > 0) {
        ssize_t n = write(c->fd, c->out.data + c->out.start, buf_used(&c->out));
        if (n > 0) {
            stats.net_output_bytes += (uint64_t)n;
            buf_consume(&c->out, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!(c->flags & CONN_WRITE_WANTED)) {
                event_add(c->write_ev, NULL);
                c->flags |= CONN_WRITE_WANTED;
            }
            return TC_EAGAIN;
        }
        return TC_ERR;
    }
    if (c->flags & CONN_WRITE_WANTED) {
        event_del(c->write_ev);
        c->flags &= ~CONN_WRITE_WANTED;
    }
    buf_shrink_if_idle(&c->out, CONN_IDLE_BUFFER_BYTES);
    return TC_OK;
}

/* Run requests and write replies until the connection would block: after a
 * write frees room, requests held back by the high-water mark run too. */
static void conn_drive(struct conn *c)
{
    for (;;) {
        conn_process_input(c);
        int rc = conn_write(c);
        if (rc == TC_ERR || (rc == TC_OK && (c->flags & CONN_CLOSE_AFTER_REPLY))) {
            conn_destroy(c);
            return;
        }
        if ((c->flags & CONN_READ_PAUSED) && !(c->flags & CONN_CLOSE_AFTER_REPLY) &&
            conn_pending_output(c) <= CONN_OUTPUT_LOW_WATER_BYTES) {
            conn_resume_reading(c);
            if (buf_used(&c->in) > 0)
                continue;
        }
        return;
    }
}

/* Free space to offer the next read. Normally one chunk; inside a large
 * bulk, up to what the bulk still needs but never more than what has already
 * arrived, so a declared size is reserved only as its bytes come in. */
static size_t conn_read_room(const struct conn *c)
{
    size_t wanted = resp_bytes_wanted(&c->parser);
    size_t room = CONN_READ_CHUNK_BYTES;
    if (wanted > room) {
        size_t have = buf_used(&c->in);
        room = wanted < have ? wanted : (have > room ? have : room);
    }
    return room;
}

static void conn_on_read(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct conn *c = arg;
    clock_update();
    buf_reserve(&c->in, conn_read_room(c));
    ssize_t n = read(fd, c->in.data + c->in.len, c->in.cap - c->in.len);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        conn_destroy(c);
        return;
    }
    if (n < 0)
        return;
    c->in.len += (size_t)n;
    stats.net_input_bytes += (uint64_t)n;
    conn_touch(c);
    conn_drive(c);
}

static void conn_on_write(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct conn *c = arg;
    clock_update();
    conn_touch(c);
    conn_drive(c);
}

size_t conn_feed(struct conn *c, const void *p, size_t n)
{
    buf_append(&c->in, p, n);
    conn_touch(c);
    if ((c->flags & CONN_READ_PAUSED) && !(c->flags & CONN_CLOSE_AFTER_REPLY) &&
        conn_pending_output(c) <= CONN_OUTPUT_LOW_WATER_BYTES)
        conn_resume_reading(c);
    conn_process_input(c);
    return buf_used(&c->in);
}

void conn_close_idle(long long timeout_s)
{
    if (timeout_s <= 0)
        return;
    int64_t limit_ms = clock_now_ms() - timeout_s * 1000;
    while (oldest && oldest->last_active_ms < limit_ms) {
        log_verbose("closing idle client %s", oldest->addr);
        conn_destroy(oldest);
    }
}

/* Stop reading and close once the output is written. The connection whose
 * command is running (SHUTDOWN from a client) must outlive that command, as
 * its caller still uses it: conn_drive closes it after the command returns. */
void conn_close_after_reply(struct conn *c)
{
    conn_pause_reading(c);
    c->flags |= CONN_CLOSE_AFTER_REPLY;
    if (c == executing || (c->flags & CONN_PROTECTED))
        return;
    if (conn_write(c) != TC_EAGAIN)
        conn_destroy(c);
}

void conn_shutdown_all(void)
{
    struct conn *c = oldest;
    while (c) {
        struct conn *next = c->next;
        conn_close_after_reply(c);
        c = next;
    }
}

struct conn *conn_find_by_id(uint64_t id)
{
    for (struct conn *c = first_by_id; c; c = c->by_id_next)
        if (c->id == id)
            return c;
    return NULL;
}

void conn_foreach(conn_visit_fn *fn, void *arg)
{
    struct conn *c = first_by_id;
    while (c) {
        struct conn *next = c->by_id_next; /* c may be destroyed by fn */
        if (fn(c, arg))
            return;
        c = next;
    }
}

void conn_kill(struct conn *victim, struct conn *self)
{
    if (victim == self || (victim->flags & CONN_PROTECTED)) {
        victim->flags |= CONN_CLOSE_AFTER_REPLY;
        return;
    }
    log_verbose("killing client %s", victim->addr);
    conn_destroy(victim);
}

/* One pollfd per connection that can make progress: reading unless paused
 * or closing, writing while output waits. */
static size_t poll_fill(struct pollfd *pfd, struct conn **who, size_t cap)
{
    size_t n = 0;
    for (struct conn *c = first_by_id; c && n < cap; c = c->by_id_next) {
        if (c->flags & (CONN_DETACHED | CONN_PROTECTED))
            continue;
        short events = 0;
        if (!(c->flags & (CONN_READ_PAUSED | CONN_CLOSE_AFTER_REPLY)))
            events |= POLLIN;
        if (buf_used(&c->out) > 0)
            events |= POLLOUT;
        if (!events)
            continue;
        pfd[n].fd = c->fd;
        pfd[n].events = events;
        pfd[n].revents = 0;
        who[n++] = c;
    }
    return n;
}

int conn_poll_while_busy(const int *extra_fds, int nextra, int timeout_ms)
{
    size_t cap = open_count + (size_t)nextra;
    struct pollfd *pfd = mem_alloc((cap ? cap : 1) * sizeof *pfd);
    struct conn **who = mem_alloc((cap ? cap : 1) * sizeof *who);
    for (int i = 0; i < nextra; i++) {
        pfd[i].fd = extra_fds[i];
        pfd[i].events = POLLIN;
        pfd[i].revents = 0;
    }
    size_t n = poll_fill(pfd + nextra, who, open_count);
    int ready = poll(pfd, (nfds_t)(n + (size_t)nextra), timeout_ms);
    int first_extra = -1;
    for (int i = 0; ready > 0 && i < nextra; i++)
        if (first_extra < 0 && (pfd[i].revents & POLLIN))
            first_extra = i;
    /* Connections may close one another while requests run (CLIENT KILL
     * is refused while busy, but a read error closes its own), so each is
     * looked up again by id before it is served. */
    for (size_t i = 0; ready > 0 && i < n; i++) {
        short rev = pfd[nextra + i].revents;
        if (!rev)
            continue;
        uint64_t id = who[i]->id;
        if (rev & (POLLIN | POLLHUP | POLLERR)) {
            struct conn *c = conn_find_by_id(id);
            if (c)
                conn_on_read(c->fd, EV_READ, c);
        }
        if (rev & POLLOUT) {
            struct conn *c = conn_find_by_id(id);
            if (c)
                conn_on_write(c->fd, EV_WRITE, c);
        }
    }
    mem_free(pfd);
    mem_free(who);
    return first_extra;
}
