/* notify: talking to the service manager (systemd or anything that speaks
 * its protocols), without linking libsystemd.
 *
 * Readiness: when NOTIFY_SOCKET names a unix datagram socket (a path, or an
 * abstract name written with a leading '@'), each notify_* call below sends
 * one datagram of "KEY=value" lines to it: READY=1 once clients can connect,
 * RELOADING=1 and READY=1 around a reload, STOPPING=1 at shutdown, STATUS=
 * lines for `systemctl status`, WATCHDOG=1 pings. Without NOTIFY_SOCKET every
 * call does nothing, so callers never check.
 *
 * Watchdog: WATCHDOG_USEC (and WATCHDOG_PID, when set, naming this process)
 * ask for a WATCHDOG=1 at least that often; notify_watchdog_interval_us()
 * says how often to send one.
 *
 * Socket activation: LISTEN_PID (this process), LISTEN_FDS (a count) and
 * LISTEN_FDNAMES (names separated by ':') describe listening sockets passed
 * as descriptors 3, 4, ...; notify_listen_fds() hands them over.
 *
 * notify_setup() reads and then unsets every one of these variables, so a
 * child process could never mistake them for its own. */
#ifndef TIDECACHE_NOTIFY_H
#define TIDECACHE_NOTIFY_H

#include <stdint.h>

#define NOTIFY_LISTEN_FDS_START 3   /* first passed descriptor, by the protocol */
#define NOTIFY_LISTEN_FDS_MAX 64    /* more passed sockets than this are closed */
#define NOTIFY_FDNAME_MAX_BYTES 256 /* longest name kept, NUL included */

/* One socket passed by the service manager. */
struct notify_listen_fd {
    int fd;                              /* close-on-exec, still blocking */
    char name[NOTIFY_FDNAME_MAX_BYTES];  /* from LISTEN_FDNAMES; "" when none */
};

/* Read the environment (see above), open the notify socket, unset the
 * variables. Call once, before anything that could fork. Returns TC_OK, or
 * TC_ERR when NOTIFY_SOCKET is set but unusable (readiness is then never
 * sent; the caller logs the reason given by notify_error()). */
int notify_setup(void);

/* Close the notify socket and any passed socket not taken. */
void notify_teardown(void);

/* Why notify_setup() failed, for the log. */
const char *notify_error(void);

/* Whether a notify socket is in use. */
int notify_enabled(void);

/* Send "READY=1" with a STATUS= line. */
void notify_ready(const char *status);

/* Send "RELOADING=1" with MONOTONIC_USEC=now (which systemd 253 and later
 * require to match the reload to the SIGHUP; older ones ignore it). */
void notify_reloading(void);

/* Send "STOPPING=1". */
void notify_stopping(void);

/* Send "STATUS=<printf output>" (one line; newlines become spaces). */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Microseconds between watchdog pings: half of WATCHDOG_USEC, or 0 when no
 * watchdog was asked for (or it was meant for another process). */
int64_t notify_watchdog_interval_us(void);

/* Send "WATCHDOG=1" when a watchdog was asked for. */
void notify_watchdog(void);

/* Hand over the sockets passed at start (at most max of them): fills
 * out[0..n) and returns n, 0 when none were passed (or they were meant for
 * another process). The caller owns the descriptors from then on; a second
 * call returns 0. */
int notify_listen_fds(struct notify_listen_fd *out, int max);

#endif
