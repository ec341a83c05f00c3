/* server: listeners, accept, the background timer, signals and shutdown;
 * see include/tidecache/server.h. */
#include "tidecache/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/cron.h"
#include "tidecache/log.h"
#include "tidecache/notify.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"

#define SERVER_MAX_LISTENERS 16
#define ACCEPT_RETRY_MS 100          /* pause after accept fails (e.g. out of descriptors) */
#define SHUTDOWN_GRACE_MS 2000       /* how long shutdown waits for replies to drain */

static const char MAXCLIENTS_ERROR[] = "-ERR max number of clients reached\r\n";

struct listener {
    struct evconnlistener *ev;
    int is_unix;
    char name[80];
};

static struct event_base *base;
static struct config *config;
static struct listener listeners[SERVER_MAX_LISTENERS];
static int nlisteners;
static int own_unixsocket;             /* we created config->unixsocket: unlink at exit */
static struct event *shutdown_ev;      /* polls draining clients at shutdown */
static int shutting_down;
static volatile sig_atomic_t signal_received; /* SIGTERM or SIGINT, 0 before one came */
static int64_t shutdown_deadline_ms;

static void tune_client_socket(int fd, int is_unix)
{
    if (is_unix)
        return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int interval = (int)config->tcp_keepalive;
    if (interval > 0) {
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        int idle = interval, probe_gap = interval / 3 ? interval / 3 : 1, probes = 3;
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &probe_gap, sizeof probe_gap);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
    }
}

/* A new client: refused with Redis's error past maxclients, otherwise handed
 * to the conn module. The socket arrives non-blocking and close-on-exec. */
static void on_accept(struct evconnlistener *ev, evutil_socket_t fd, struct sockaddr *peer,
                      int peer_len, void *arg)
{
    (void)ev;
    struct listener *l = arg;
    clock_update();
    if (conn_count() >= (size_t)config->maxclients) {
        ssize_t ignored = write(fd, MAXCLIENTS_ERROR, sizeof MAXCLIENTS_ERROR - 1);
        (void)ignored;
        close(fd);
        stats.connections_rejected++;
        return;
    }
    tune_client_socket(fd, l->is_unix);
    if (conn_create(base, fd, peer, (socklen_t)peer_len, l->is_unix))
        stats.connections_received++;
}

/* While a busy script holds the event loop, the listeners are polled by
 * hand: a new client is accepted as on_accept would, and gets -BUSY for
 * what it sends until the script ends. */
int server_serve_while_busy(void)
{
    int fds[SERVER_MAX_LISTENERS];
    for (int i = 0; i < nlisteners; i++)
        fds[i] = evconnlistener_get_fd(listeners[i].ev);
    int ready = conn_poll_while_busy(fds, nlisteners, 0);
    if (ready >= 0) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(fds[ready], (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            on_accept(listeners[ready].ev, fd, (struct sockaddr *)&ss, (int)len,
                      &listeners[ready]);
    }
    return signal_received != 0 || shutting_down;
}

static void on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    evconnlistener_enable(((struct listener *)arg)->ev);
}

/* accept() failed (out of descriptors, most likely): say so, and stop
 * accepting on this listener for a moment instead of spinning on it. */
static void on_accept_error(struct evconnlistener *ev, void *arg)
{
    struct listener *l = arg;
    log_warning("accepting a client on %s failed: %s", l->name, strerror(errno));
    evconnlistener_disable(ev);
    struct timeval tv = {0, ACCEPT_RETRY_MS * 1000};
    event_base_once(base, -1, EV_TIMEOUT, on_accept_retry, l, &tv);
}

static int add_listener(int fd, int is_unix, const char *name)
{
    if (nlisteners == SERVER_MAX_LISTENERS) {
        log_warning("too many listeners; %s skipped", name);
        close(fd);
        return TC_ERR;
    }
    struct listener *l = &listeners[nlisteners];
    l->is_unix = is_unix;
    snprintf(l->name, sizeof l->name, "%s", name);
    l->ev = evconnlistener_new(base, on_accept, l, LEV_OPT_CLOSE_ON_FREE, 0, fd);
    if (!l->ev) {
        close(fd);
        return TC_ERR;
    }
    evconnlistener_set_error_cb(l->ev, on_accept_error);
    nlisteners++;
    return TC_OK;
}

/* Open a TCP listener on one bind address. "*" and "::*" are the wildcard
 * addresses; IPv6 sockets are IPv6-only so 0.0.0.0 and :: can coexist. */
static int listen_tcp(const char *addr, int port, int backlog, char *why, size_t whylen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (strcmp(addr, "*") == 0 || inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        family = AF_INET;
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        if (strcmp(addr, "*") == 0)
            in4->sin_addr.s_addr = htonl(INADDR_ANY);
        len = sizeof *in4;
    } else if (strcmp(addr, "::*") == 0 || inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        family = AF_INET6;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        if (strcmp(addr, "::*") == 0)
            in6->sin6_addr = in6addr_any;
        len = sizeof *in6;
    } else {
        snprintf(why, whylen, "not an IP address");
        return -1;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, backlog) != 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int listen_unix(const char *path, int perm, int backlog, char *why, size_t whylen)
{
    struct sockaddr_un un;
    memset(&un, 0, sizeof un);
    if (strlen(path) >= sizeof un.sun_path) {
        snprintf(why, whylen, "path too long");
        return -1;
    }
    un.sun_family = AF_UNIX;
    strcpy(un.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&un, sizeof un) != 0 ||
        (perm && chmod(path, (mode_t)perm) != 0) || listen(fd, backlog) != 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* "ip:port" or the path of a passed listening socket, for the log. */
static void passed_socket_name(int fd, int *is_unix, char *name, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "?";
    memset(&ss, 0, sizeof ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *is_unix = ss.ss_family == AF_UNIX;
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof ip);
        snprintf(name, len, "%s:%d", ip, ntohs(in4->sin_port));
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        snprintf(name, len, "[%s]:%d", ip, ntohs(in6->sin6_port));
    } else if (ss.ss_family == AF_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)&ss;
        size_t n = strnlen(un->sun_path, sizeof un->sun_path);
        n = n < len ? n : len - 1;
        memcpy(name, un->sun_path, n);
        name[n] = '\0';
    } else {
        snprintf(name, len, "fd %d", fd);
    }
}

/* Serve the listening sockets passed by the service manager (socket
 * activation) instead of opening any: the manager holds them across
 * restarts, so no client is ever refused. Returns how many were taken, or
 * TC_ERR when one is unusable. A passed unix socket is never unlinked. */
static int adopt_passed_sockets(void)
{
    struct notify_listen_fd fds[SERVER_MAX_LISTENERS];
    int n = notify_listen_fds(fds, SERVER_MAX_LISTENERS);
    for (int i = 0; i < n; i++) {
        int fd = fds[i].fd, type = 0, listening = 0, is_unix;
        socklen_t ol = sizeof type;
        char name[80];
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ol);
        ol = sizeof listening;
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ol);
        passed_socket_name(fd, &is_unix, name, sizeof name);
        if (type != SOCK_STREAM || !listening) {
            log_warning("passed socket %s (%s) is not a listening stream socket", name,
                        fds[i].name[0] ? fds[i].name : "unnamed");
            for (int j = i; j < n; j++)
                close(fds[j].fd);
            return TC_ERR;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        if (add_listener(fd, is_unix, name) != TC_OK) {
            for (int j = i + 1; j < n; j++)
                close(fds[j].fd);
            return TC_ERR;
        }
    }
    if (n > 0)
        log_notice("serving %d socket%s passed by the service manager; port, bind and "
                   "unixsocket are not used", n, n == 1 ? "" : "s");
    return n;
}

/* The sockets passed by the service manager when there are any; else every
 * bind address on port, then the unix socket. An address written with a
 * leading '-' may be missing on this host (e.g. no IPv6); any other
 * failure is fatal, as is ending up with no listener at all. */
static int open_listeners(void)
{
    char why[128], name[80];
    int passed = adopt_passed_sockets();
    if (passed != 0)
        return passed > 0 ? TC_OK : TC_ERR;
    if (config->port > 0) {
        for (size_t i = 0; i < config->bind.count; i++) {
            const char *addr = config->bind.addr[i];
            int optional = addr[0] == '-';
            if (optional)
                addr++;
            snprintf(name, sizeof name, strchr(addr, ':') ? "[%s]:%lld" : "%s:%lld", addr,
                     config->port);
            int fd = listen_tcp(addr, (int)config->port, (int)config->tcp_backlog, why, sizeof why);
            if (fd < 0) {
                if (optional) {
                    log_verbose("optional address %s not available: %s", name, why);
                    continue;
                }
                log_warning("cannot listen on %s: %s", name, why);
                return TC_ERR;
            }
            if (add_listener(fd, 0, name) != TC_OK)
                return TC_ERR;
        }
    }
    if (config->unixsocket && *config->unixsocket) {
        int fd = listen_unix(config->unixsocket, config->unixsocketperm, (int)config->tcp_backlog,
                             why, sizeof why);
        if (fd < 0) {
            log_warning("cannot listen on unix socket %s: %s", config->unixsocket, why);
            return TC_ERR;
        }
        own_unixsocket = 1;
        if (add_listener(fd, 1, config->unixsocket) != TC_OK)
            return TC_ERR;
    }
    if (nlisteners == 0) {
        log_warning("no address to listen on (port 0 and no unixsocket)");
        return TC_ERR;
    }
    return TC_OK;
}

static void close_listeners(void)
{
    for (int i = 0; i < nlisteners; i++)
        evconnlistener_free(listeners[i].ev);
    if (own_unixsocket && config && config->unixsocket && *config->unixsocket)
        unlink(config->unixsocket);
    own_unixsocket = 0;
    nlisteners = 0;
}

static void on_shutdown_poll(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    clock_update();
    if (conn_count() == 0 || clock_now_ms() >= shutdown_deadline_ms) {
        event_base_loopbreak(base);
        return;
    }
    struct timeval tv = {0, 10 * 1000};
    event_add(shutdown_ev, &tv);
}

void server_request_shutdown(const char *why)
{
    if (shutting_down)
        return;
    shutting_down = 1;
    notify_stopping();
    log_notice("%s: shutting down", why);
    clock_update();
    close_listeners();
    conn_shutdown_all();
    shutdown_deadline_ms = clock_now_ms() + SHUTDOWN_GRACE_MS;
    struct timeval now = {0, 0};
    event_add(shutdown_ev, &now);
}

int server_shutting_down(void)
{
    return shutting_down;
}

/* SIGTERM and SIGINT: the handler only records the signal and writes a
 * byte to a pipe the event loop watches (the self-pipe), so the shutdown
 * itself runs in the loop, and a busy script, which holds the loop, can
 * see the flag from its hook and stop. */
static int signal_pipe[2] = {-1, -1};
static struct event *signal_ev;
static struct sigaction saved_actions[2]; /* restored at teardown */
static const int shutdown_signals[2] = {SIGTERM, SIGINT};

static void on_signal_raw(int sig)
{
    int saved_errno = errno;
    signal_received = sig;
    ssize_t ignored = write(signal_pipe[1], "", 1);
    (void)ignored;
    errno = saved_errno;
}

static void on_signal_pipe(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    (void)arg;
    char drain[64];
    while (read(fd, drain, sizeof drain) > 0)
        ;
    server_request_shutdown(signal_received == SIGINT ? "SIGINT received" : "SIGTERM received");
}

static int signals_setup(void)
{
    if (pipe2(signal_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
        return TC_ERR;
    signal_ev = event_new(base, signal_pipe[0], EV_READ | EV_PERSIST, on_signal_pipe, NULL);
    event_add(signal_ev, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal_raw;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 2; i++)
        sigaction(shutdown_signals[i], &sa, &saved_actions[i]);
    return TC_OK;
}

static void signals_teardown(void)
{
    if (signal_pipe[0] < 0)
        return;
    for (int i = 0; i < 2; i++)
        sigaction(shutdown_signals[i], &saved_actions[i], NULL);
    event_free(signal_ev);
    signal_ev = NULL;
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    signal_pipe[0] = signal_pipe[1] = -1;
    signal_received = 0;
}

int server_setup(struct event_base *event_base, struct config *cfg)
{
    base = event_base;
    config = cfg;
    signal(SIGPIPE, SIG_IGN);
    if (open_listeners() != TC_OK) {
        close_listeners();
        return TC_ERR;
    }
    cron_setup(base, cfg);
    shutdown_ev = event_new(base, -1, 0, on_shutdown_poll, NULL);
    if (signals_setup() != TC_OK)
        log_warning("cannot watch SIGTERM and SIGINT: %s", strerror(errno));

    char addrs[512] = "";
    size_t used = 0;
    for (int i = 0; i < nlisteners && used < sizeof addrs; i++)
        used += (size_t)snprintf(addrs + used, sizeof addrs - used, "%s%s", i ? ", " : "",
                                 listeners[i].name);
    log_notice("ready to accept connections on %s", addrs);
    return TC_OK;
}

void server_apply_config(void)
{
    log_set_level((enum log_level)config->loglevel);
}

int server_run(void)
{
    event_base_dispatch(base);
    return 0;
}

void server_teardown(void)
{
    close_listeners();
    conn_teardown();
    cron_teardown();
    if (shutdown_ev)
        event_free(shutdown_ev);
    signals_teardown();
    shutdown_ev = NULL;
    shutting_down = 0;
}
