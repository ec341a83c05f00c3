/* notify: the service manager's notify and socket-activation protocols;
 * see include/tidecache/notify.h. */
#include "tidecache/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tidecache/clock.h"
#include "tidecache/status.h"

#define NOTIFY_MSG_MAX_BYTES 1024 /* one datagram; STATUS= text is cut to fit */

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_addr_len;
static int64_t watchdog_interval_us;
static char setup_error[160];

static struct notify_listen_fd passed[NOTIFY_LISTEN_FDS_MAX];
static int npassed;

/* A decimal number filling all of s, within 0..max. */
static int parse_ulong(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || *s < '0' || *s > '9')
        return TC_ERR;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return TC_ERR;
    *out = v;
    return TC_OK;
}

/* Whether a PID variable (LISTEN_PID, WATCHDOG_PID) names this process;
 * an unset WATCHDOG_PID means "this process", hence if_unset. */
static int pid_is_mine(const char *var, int if_unset)
{
    const char *s = getenv(var);
    unsigned long long pid;
    if (!s)
        return if_unset;
    return parse_ulong(s, INT_MAX, &pid) == TC_OK && (pid_t)pid == getpid();
}

/* NOTIFY_SOCKET: an absolute path, or '@' and an abstract name (the '@'
 * becomes the leading NUL byte, and the address length ends the name). */
static int open_notify_socket(const char *path)
{
    size_t len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len < 2 || len >= sizeof notify_addr.sun_path) {
        snprintf(setup_error, sizeof setup_error, "NOTIFY_SOCKET '%.100s' is not a usable path",
                 path);
        return TC_ERR;
    }
    memset(&notify_addr, 0, sizeof notify_addr);
    notify_addr.sun_family = AF_UNIX;
    memcpy(notify_addr.sun_path, path, len);
    if (path[0] == '@')
        notify_addr.sun_path[0] = '\0';
    notify_addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (notify_fd < 0) {
        snprintf(setup_error, sizeof setup_error, "notify socket: %s", strerror(errno));
        return TC_ERR;
    }
    return TC_OK;
}

/* WATCHDOG_USEC, when meant for this process: ping at half the period, as
 * the protocol recommends, so one late tick does not trip it. */
static void read_watchdog(void)
{
    unsigned long long usec;
    watchdog_interval_us = 0;
    if (parse_ulong(getenv("WATCHDOG_USEC"), INT64_MAX, &usec) != TC_OK || usec == 0)
        return;
    if (!pid_is_mine("WATCHDOG_PID", 1))
        return;
    watchdog_interval_us = (int64_t)(usec / 2 ? usec / 2 : 1);
}

/* The next ':'-separated name of LISTEN_FDNAMES into dst; *p advances. */
static void next_fdname(const char **p, char *dst, size_t cap)
{
    size_t n = 0;
    const char *s = *p;
    while (s && *s && *s != ':') {
        if (n + 1 < cap)
            dst[n++] = *s;
        s++;
    }
    dst[n] = '\0';
    *p = s && *s == ':' ? s + 1 : s;
}

/* LISTEN_FDS sockets from descriptor 3 on, when LISTEN_PID is this
 * process. They are made close-on-exec at once, as the protocol asks;
 * those past NOTIFY_LISTEN_FDS_MAX are closed. */
static void read_listen_fds(void)
{
    unsigned long long n;
    npassed = 0;
    if (!pid_is_mine("LISTEN_PID", 0) ||
        parse_ulong(getenv("LISTEN_FDS"), INT_MAX - NOTIFY_LISTEN_FDS_START, &n) != TC_OK)
        return;
    const char *names = getenv("LISTEN_FDNAMES");
    for (unsigned long long i = 0; i < n; i++) {
        int fd = NOTIFY_LISTEN_FDS_START + (int)i;
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0)
            continue;
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        if (npassed == NOTIFY_LISTEN_FDS_MAX) {
            close(fd);
            continue;
        }
        passed[npassed].fd = fd;
        next_fdname(&names, passed[npassed].name, sizeof passed[npassed].name);
        npassed++;
    }
}

int notify_setup(void)
{
    int rc = TC_OK;
    const char *path = getenv("NOTIFY_SOCKET");
    setup_error[0] = '\0';
    if (path && *path)
        rc = open_notify_socket(path);
    read_watchdog();
    read_listen_fds();
    static const char *const vars[] = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
                                       "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    return rc;
}

void notify_teardown(void)
{
    if (notify_fd >= 0)
        close(notify_fd);
    notify_fd = -1;
    for (int i = 0; i < npassed; i++)
        close(passed[i].fd);
    npassed = 0;
    watchdog_interval_us = 0;
}

const char *notify_error(void)
{
    return setup_error;
}

int notify_enabled(void)
{
    return notify_fd >= 0;
}

/* One datagram to the manager. Non-blocking: a manager that does not read
 * its socket must not stall the event loop, so a full queue drops it. */
static void send_msg(const char *msg, size_t len)
{
    if (notify_fd < 0)
        return;
    ssize_t n;
    do
        n = sendto(notify_fd, msg, len, MSG_NOSIGNAL, (const struct sockaddr *)&notify_addr,
                   notify_addr_len);
    while (n < 0 && errno == EINTR);
}

/* Append "STATUS=text" with newlines flattened, cut to what fits. */
static size_t put_status(char *msg, size_t used, size_t cap, const char *text)
{
    int n = snprintf(msg + used, cap - used, "STATUS=%s", text);
    size_t end = n < 0 ? used : used + (size_t)n;
    if (end >= cap)
        end = cap - 1;
    for (size_t i = used; i < end; i++)
        if (msg[i] == '\n' || msg[i] == '\r')
            msg[i] = ' ';
    return end;
}

void notify_ready(const char *status)
{
    char msg[NOTIFY_MSG_MAX_BYTES];
    size_t used = (size_t)snprintf(msg, sizeof msg, "READY=1\n");
    if (status)
        used = put_status(msg, used, sizeof msg, status);
    send_msg(msg, used);
}

void notify_reloading(void)
{
    char msg[96];
    int n = snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%lld",
                     (long long)clock_mono_us());
    send_msg(msg, (size_t)n);
}

void notify_stopping(void)
{
    static const char msg[] = "STOPPING=1";
    send_msg(msg, sizeof msg - 1);
}

void notify_status(const char *fmt, ...)
{
    if (notify_fd < 0)
        return;
    char text[NOTIFY_MSG_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char msg[NOTIFY_MSG_MAX_BYTES];
    send_msg(msg, put_status(msg, 0, sizeof msg, text));
}

int64_t notify_watchdog_interval_us(void)
{
    return notify_fd >= 0 ? watchdog_interval_us : 0;
}

void notify_watchdog(void)
{
    static const char msg[] = "WATCHDOG=1";
    if (watchdog_interval_us > 0)
        send_msg(msg, sizeof msg - 1);
}

int notify_listen_fds(struct notify_listen_fd *out, int max)
{
    int n = npassed < max ? npassed : max;
    memcpy(out, passed, (size_t)(n > 0 ? n : 0) * sizeof *out);
    for (int i = n; i < npassed; i++)
        close(passed[i].fd);
    npassed = 0;
    return n;
}
