/* tidecache: entry point. Parses the command line, loads the config, sets
 * the modules up in order, runs the event loop and tears down in reverse. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/engine.h"
#include "tidecache/hash.h"
#include "tidecache/log.h"
#include "tidecache/notify.h"
#include "tidecache/server.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"
#include "tidecache/version.h"

#define STATUS_INTERVAL_MS 2000 /* how often `systemctl status` text is refreshed */
#define RESERVED_FDS 32         /* descriptors besides clients: listeners, log, notify */

enum run_mode { MODE_SERVE, MODE_TEST_CONFIG, MODE_HELP, MODE_VERSION, MODE_SAMPLE_CONFIG };

struct cmdline {
    enum run_mode mode;
    const char *config_path; /* NULL: defaults only */
    int nargs;               /* "--directive value ..." after the path */
    char **args;
};

static void usage_error(const char *what)
{
    fprintf(stderr, "tidecache: %s\nTry 'tidecache --help'.\n", what);
    exit(1);
}

/* tidecache [CONFIG] [--directive value ...], plus -h/--help, -v/--version,
 * -t/--test-config and --sample-config, as redis-server takes them. */
static struct cmdline parse_cmdline(int argc, char **argv)
{
    struct cmdline cl = {MODE_SERVE, NULL, 0, NULL};
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            cl.mode = MODE_HELP;
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0)
            cl.mode = MODE_VERSION;
        else if (strcmp(a, "-t") == 0 || strcmp(a, "--test-config") == 0)
            cl.mode = MODE_TEST_CONFIG;
        else if (strcmp(a, "--sample-config") == 0)
            cl.mode = MODE_SAMPLE_CONFIG;
        else if (a[0] == '-' && a[1] == '-')
            break; /* directives from here on */
        else if (a[0] == '-')
            usage_error("unknown option");
        else if (!cl.config_path)
            cl.config_path = a;
        else
            usage_error("more than one config file given");
    }
    cl.nargs = argc - i;
    cl.args = argv + i;
    return cl;
}

static void write_pidfile(const char *path)
{
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "w");
    if (!f) {
        log_warning("cannot write pidfile %s: %s", path, strerror(errno));
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

/* Where the running config came from, for reloading it the same way. */
struct service {
    struct config *cfg;          /* the live config every module holds */
    const struct cmdline *cl;    /* the file and the command-line directives */
    struct event *hup_ev;        /* SIGHUP: reload */
    struct event *status_ev;     /* STATUS= refresh */
    struct event *watchdog_ev;   /* WATCHDOG=1 pings */
};

/* The service manager's one-line status: what an operator wants at a
 * glance in `systemctl status`. */
static void status_line(char *out, size_t len)
{
    snprintf(out, len, "Ready: keys=%zu clients=%zu", db_total_keys(), conn_count());
}

static void on_status_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    char status[128];
    status_line(status, sizeof status);
    notify_status("%s", status);
}

/* Pinged from its own timer, so a loop stuck in one callback stops the
 * pings and the service manager restarts the process. */
static void on_watchdog_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    notify_watchdog();
}

/* Reload reports every option whose value changed; options fixed at
 * startup keep their old value until a restart, which is said loudly. */
static void on_option_changed(const char *name, int applied, void *arg)
{
    (void)arg;
    if (applied)
        log_notice("reload: %s changed", name);
    else
        log_warning("reload: %s changed but takes effect only after a restart; ignored", name);
}

/* SIGHUP: reopen the log file (logrotate), read the config file and the
 * original command-line directives again into a fresh config, and take its
 * runtime options into the live one. A config with an error changes
 * nothing. Clients stay connected throughout. */
static void reload(struct service *svc)
{
    char err[512], status[128];
    notify_reloading();
    if (log_reopen() != TC_OK)
        log_warning("cannot reopen logfile %s: %s; still writing to the old one",
                    svc->cfg->logfile, strerror(errno));
    log_notice("SIGHUP received: reloading %s",
               svc->cl->config_path ? svc->cl->config_path : "the command-line configuration");
    struct config fresh;
    config_init(&fresh);
    if (config_load(&fresh, svc->cl->config_path, svc->cl->nargs, svc->cl->args, err,
                    sizeof err) != TC_OK) {
        log_warning("reload failed, the running configuration stays in force: %s", err);
    } else {
        int taken = config_merge_runtime(svc->cfg, &fresh, on_option_changed, NULL);
        server_apply_config();
        log_notice("configuration reloaded: %d option%s changed", taken, taken == 1 ? "" : "s");
    }
    config_free(&fresh);
    status_line(status, sizeof status);
    notify_ready(status);
}

static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    reload(arg);
}

/* Each client holds a descriptor: say so when the limit cannot fit
 * maxclients (the unit file sets LimitNOFILE to match). */
static void check_fd_limit(const struct config *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)cfg->maxclients + RESERVED_FDS)
        log_warning("open file limit %llu is below maxclients %lld + %d: clients past "
                    "the limit will be refused",
                    (unsigned long long)rl.rlim_cur, cfg->maxclients, RESERVED_FDS);
}

/* Arm SIGHUP, the status refresh and (when asked for) the watchdog, then
 * tell the service manager the server is ready: the listeners are open,
 * so a client connecting from now on is accepted. */
static void service_start(struct service *svc, struct event_base *base)
{
    char status[128];
    svc->hup_ev = evsignal_new(base, SIGHUP, on_sighup, svc);
    evsignal_add(svc->hup_ev, NULL);
    if (notify_enabled()) {
        struct timeval every = {STATUS_INTERVAL_MS / 1000, (STATUS_INTERVAL_MS % 1000) * 1000};
        svc->status_ev = event_new(base, -1, EV_PERSIST, on_status_timer, svc);
        event_add(svc->status_ev, &every);
    }
    int64_t wd_us = notify_watchdog_interval_us();
    if (wd_us > 0) {
        struct timeval every = {(time_t)(wd_us / 1000000), (suseconds_t)(wd_us % 1000000)};
        svc->watchdog_ev = event_new(base, -1, EV_PERSIST, on_watchdog_timer, svc);
        event_add(svc->watchdog_ev, &every);
        notify_watchdog();
    }
    status_line(status, sizeof status);
    notify_ready(status);
}

static void service_stop(struct service *svc)
{
    struct event **evs[] = {&svc->hup_ev, &svc->status_ev, &svc->watchdog_ev};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
        if (*evs[i])
            event_free(*evs[i]);
        *evs[i] = NULL;
    }
}

/* The hash secret: random per process, so colliding keys cannot be
 * precomputed. */
static void seed_hash(void)
{
    uint8_t seed[16] = {0};
    if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        int64_t t = clock_mono_us() ^ (int64_t)getpid() << 32;
        memcpy(seed, &t, sizeof t);
    }
    hash_set_seed(seed);
}

static int serve(struct config *cfg, const struct cmdline *cl)
{
    if (log_setup((enum log_level)cfg->loglevel, cfg->logfile) != TC_OK) {
        fprintf(stderr, "tidecache: cannot open logfile %s: %s\n", cfg->logfile, strerror(errno));
        return 1;
    }
    log_syslog_setup(cfg->syslog_enabled, cfg->syslog_ident,
                     (enum log_facility)cfg->syslog_facility);
    if (notify_setup() != TC_OK)
        log_warning("cannot notify the service manager: %s", notify_error());
    clock_update();
    stats_reset();
    seed_hash();
    engine_setup(cfg);

    struct event_config *ecfg = event_config_new();
    struct event_base *base = event_base_new_with_config(ecfg);
    event_config_free(ecfg);
    if (!base) {
        log_warning("cannot create the event loop");
        return 1;
    }
    log_notice("tidecache %s starting, pid %d, config %s", TIDECACHE_VERSION, (int)getpid(),
               cfg->path ? cfg->path : "(none: defaults)");
    check_fd_limit(cfg);
    int status = 1;
    struct service svc = {cfg, cl, NULL, NULL, NULL};
    if (server_setup(base, cfg) == TC_OK) {
        write_pidfile(cfg->pidfile);
        service_start(&svc, base);
        status = server_run();
        if (cfg->pidfile && *cfg->pidfile)
            unlink(cfg->pidfile);
        log_notice("tidecache is now ready to exit, bye bye");
    }
    service_stop(&svc);
    server_teardown();
    engine_teardown();
    event_base_free(base);
    notify_teardown();
    log_syslog_setup(0, NULL, LOG_FACILITY_USER);
    log_teardown();
    return status;
}

int main(int argc, char **argv)
{
    struct cmdline cl = parse_cmdline(argc, argv);
    switch (cl.mode) {
    case MODE_HELP:
        config_print_help(stdout);
        return 0;
    case MODE_VERSION:
        printf("tidecache %s (Redis protocol %s compatible)\n", TIDECACHE_VERSION,
               TIDECACHE_REDIS_COMPAT_VERSION);
        return 0;
    case MODE_SAMPLE_CONFIG:
        config_write_sample(stdout);
        return 0;
    default:
        break;
    }

    struct config cfg;
    config_init(&cfg);
    char err[512];
    if (config_load(&cfg, cl.config_path, cl.nargs, cl.args, err, sizeof err) != TC_OK) {
        fprintf(stderr, "%s\n", err);
        config_free(&cfg);
        return 1;
    }
    int status = 0;
    if (cl.mode == MODE_TEST_CONFIG)
        printf("configuration OK\n");
    else
        status = serve(&cfg, &cl);
    config_free(&cfg);
    return status;
}
