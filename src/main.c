/* tidecache: entry point. Parses the command line, loads the config, sets
 * the modules up in order, runs the event loop and tears down in reverse. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "tidecache/clock.h"
#include "tidecache/command.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/hash.h"
#include "tidecache/log.h"
#include "tidecache/server.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"
#include "tidecache/version.h"

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

static int serve(struct config *cfg)
{
    if (log_setup((enum log_level)cfg->loglevel, cfg->logfile) != TC_OK) {
        fprintf(stderr, "tidecache: cannot open logfile %s: %s\n", cfg->logfile, strerror(errno));
        return 1;
    }
    clock_update();
    stats_reset();
    seed_hash();
    db_setup((int)cfg->databases);
    command_setup(cfg);
    conn_setup(cfg);

    struct event_config *ecfg = event_config_new();
    struct event_base *base = event_base_new_with_config(ecfg);
    event_config_free(ecfg);
    if (!base) {
        log_warning("cannot create the event loop");
        return 1;
    }
    log_notice("tidecache %s starting, pid %d, config %s", TIDECACHE_VERSION, (int)getpid(),
               cfg->path ? cfg->path : "(none: defaults)");
    int status = 1;
    if (server_setup(base, cfg) == TC_OK) {
        write_pidfile(cfg->pidfile);
        status = server_run();
        if (cfg->pidfile && *cfg->pidfile)
            unlink(cfg->pidfile);
        log_notice("tidecache is now ready to exit, bye bye");
    }
    server_teardown();
    db_teardown();
    event_base_free(base);
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
        status = serve(&cfg);
    config_free(&cfg);
    return status;
}
