/* Server commands: CONFIG (GET, SET, RESETSTAT, REWRITE, HELP), FLUSHDB, FLUSHALL,
 * TIME and SHUTDOWN. INFO is in info.c, COMMAND in introspection.c. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "commands.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/glob.h"
#include "tidecache/log.h"
#include "tidecache/mem.h"
#include "tidecache/reply.h"
#include "tidecache/script.h"
#include "tidecache/server.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"
#include "tidecache/store.h"

#define CONFIG_ERR_BYTES 512 /* room for a config module message */

/* ---------------------------------------------------- FLUSHDB, FLUSHALL */

/* The optional ASYNC | SYNC of both; replies the syntax error when wrong. */
static int flush_mode_valid(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc > 2 || (argc == 2 && !arg_is(&argv[1], "async") && !arg_is(&argv[1], "sync"))) {
        reply_syntax_error(c);
        return 0;
    }
    return 1;
}

/* FLUSHDB [ASYNC | SYNC]: empty the selected keyspace. It is empty at once
 * either way; the memory of a large one is freed in the background by the
 * store, so SYNC does not wait for that. */
void cmd_flushdb(struct conn *c, size_t argc, struct arg *argv)
{
    if (!flush_mode_valid(c, argc, argv))
        return;
    store_flush(c->db);
    reply_ok(c);
}

/* FLUSHALL [ASYNC | SYNC]: every keyspace, the same way. */
void cmd_flushall(struct conn *c, size_t argc, struct arg *argv)
{
    if (!flush_mode_valid(c, argc, argv))
        return;
    for (int i = 0; i < db_count(); i++)
        store_flush(db_get(i));
    reply_ok(c);
}

/* ---------------------------------------------------------------- TIME */

/* TIME: the wall clock now (not the cached clock) as two bulk strings,
 * seconds and microseconds, in both protocols. */
void cmd_time(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    struct timeval tv;
    char num[24];
    gettimeofday(&tv, NULL);
    reply_array(c, 2);
    snprintf(num, sizeof num, "%lld", (long long)tv.tv_sec);
    reply_cstr(c, num);
    snprintf(num, sizeof num, "%ld", (long)tv.tv_usec);
    reply_cstr(c, num);
}

/* ------------------------------------------------------------ SHUTDOWN */

enum shutdown_flag {
    SHUT_NOSAVE = 1u << 0,
    SHUT_SAVE = 1u << 1,
    SHUT_NOW = 1u << 2,
    SHUT_FORCE = 1u << 3,
    SHUT_ABORT = 1u << 4,
};

/* SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]: the clean shutdown SIGTERM
 * does. There is nothing to save and no replica to wait for, so SAVE, NOW
 * and FORCE change nothing, a shutdown never waits, and ABORT always finds
 * none in progress. On success there is no reply: the connection closes,
 * as with Redis. */
void cmd_shutdown(struct conn *c, size_t argc, struct arg *argv)
{
    static const struct {
        const char *word;
        unsigned flag;
    } words[] = {{"nosave", SHUT_NOSAVE}, {"save", SHUT_SAVE}, {"now", SHUT_NOW},
                 {"force", SHUT_FORCE},   {"abort", SHUT_ABORT}};
    unsigned flags = 0;
    for (size_t i = 1; i < argc; i++) {
        size_t w = 0;
        while (w < sizeof words / sizeof words[0] && !arg_is(&argv[i], words[w].word))
            w++;
        if (w == sizeof words / sizeof words[0]) {
            reply_syntax_error(c);
            return;
        }
        flags |= words[w].flag;
    }
    bool both_saves = (flags & SHUT_NOSAVE) && (flags & SHUT_SAVE);
    if (both_saves || ((flags & SHUT_ABORT) && flags != SHUT_ABORT)) {
        reply_syntax_error(c);
        return;
    }
    if (flags & SHUT_ABORT) {
        reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    /* A busy script holds the keyspace: only NOSAVE may stop the server
     * then, and it stops the script first, written or not. */
    if (script_busy()) {
        if (!(flags & SHUT_NOSAVE)) {
            reply_error(c, script_busy_error());
            return;
        }
        script_kill_for_shutdown();
    }
    char why[sizeof c->addr + 32];
    snprintf(why, sizeof why, "SHUTDOWN from client %s", c->addr);
    server_request_shutdown(why);
}

/* -------------------------------------------------------------- CONFIG */

/* Whether a CONFIG GET argument is a glob pattern rather than a name. */
static bool is_pattern(const char *s)
{
    return strpbrk(s, "*?[\\") != NULL;
}

/* Reply the value of option `name` as CONFIG GET shows it; values too
 * long for the stack buffer (long ttl-rule lists) are formatted twice. */
static void reply_option_value(struct conn *c, const struct config *cfg, const char *name)
{
    char small[256];
    int len = config_format(cfg, name, small, sizeof small);
    if (len < 0) {
        reply_cstr(c, "");
    } else if ((size_t)len < sizeof small) {
        reply_bulk(c, small, (size_t)len);
    } else {
        char *big = mem_alloc((size_t)len + 1);
        config_format(cfg, name, big, (size_t)len + 1);
        reply_bulk(c, big, (size_t)len);
        mem_free(big);
    }
}

/* CONFIG GET pattern [pattern ...]: every option matching any pattern
 * (case-insensitive glob), each once, in the order of the option table. An
 * exact name is echoed as it was typed, as Redis does. */
static void config_get(struct conn *c, size_t argc, struct arg *argv)
{
    size_t nopt = config_option_count();
    size_t *picked = mem_alloc(nopt * sizeof *picked + 1);   /* option index */
    const char **shown = mem_alloc(nopt * sizeof *shown + 1); /* name replied */
    bool *seen = mem_calloc(nopt + 1, sizeof *seen);
    size_t n = 0;
    for (size_t a = 2; a < argc; a++) {
        bool pattern = is_pattern(argv[a].ptr);
        for (size_t i = 0; i < nopt; i++) {
            const char *name = config_option_name(i);
            if (seen[i] || !glob_match(argv[a].ptr, argv[a].len, name, strlen(name), 1))
                continue;
            seen[i] = true;
            picked[n] = i;
            shown[n++] = pattern ? name : argv[a].ptr;
        }
    }
    reply_map(c, n);
    for (size_t k = 0; k < n; k++) {
        reply_cstr(c, shown[k]);
        reply_option_value(c, command_config(), config_option_name(picked[k]));
    }
    mem_free(picked);
    mem_free(shown);
    mem_free(seen);
}

/* The config module's "name: reason" without its "name: " prefix. */
static const char *reason_of(const char *err)
{
    const char *sep = strstr(err, ": ");
    return sep ? sep + 2 : err;
}

/* First pass of CONFIG SET: every name known, settable at runtime and given
 * once. Replies the error of the first bad pair and returns false. */
static bool config_set_check_names(struct conn *c, size_t argc, struct arg *argv)
{
    size_t nopt = config_option_count();
    bool *given = mem_calloc(nopt + 1, sizeof *given);
    bool ok = true;
    for (size_t a = 2; ok && a + 1 < argc; a += 2) {
        int idx = config_option_index(argv[a].ptr);
        ok = false;
        if (idx < 0)
            reply_errorf(c, "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                         argv[a].ptr);
        else if (!(config_option_flags((size_t)idx) & CONF_RUNTIME))
            reply_errorf(c,
                         "ERR CONFIG SET failed (possibly related to argument '%s') - can't "
                         "set immutable config",
                         argv[a].ptr);
        else if (given[idx])
            reply_errorf(c,
                         "ERR CONFIG SET failed (possibly related to argument '%s') - "
                         "duplicate parameter",
                         argv[a].ptr);
        else
            ok = given[idx] = true;
    }
    mem_free(given);
    return ok;
}

/* CONFIG SET name value [name value ...]: all pairs or none. Every value
 * is first applied to a copy of the live config; only when all of them
 * validate are they applied to the live config, which then takes effect
 * through server_apply_config(). */
static void config_set_pairs(struct conn *c, size_t argc, struct arg *argv)
{
    char err[CONFIG_ERR_BYTES];
    if ((argc - 2) % 2 != 0) {
        reply_syntax_error(c);
        return;
    }
    if (!config_set_check_names(c, argc, argv))
        return;
    struct config trial;
    config_copy(&trial, command_config());
    for (size_t a = 2; a + 1 < argc; a += 2) {
        bool ok = false;
        if (strlen(argv[a + 1].ptr) != argv[a + 1].len) /* values are C strings */
            snprintf(err, sizeof err, "%s: the value contains a NUL byte", argv[a].ptr);
        else
            ok = config_set_value(&trial, argv[a].ptr, argv[a + 1].ptr, err, sizeof err) == TC_OK;
        if (!ok) {
            reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                         argv[a].ptr, reason_of(err));
            config_free(&trial);
            return;
        }
    }
    config_free(&trial);
    for (size_t a = 2; a + 1 < argc; a += 2)
        config_set_value(command_config_writable(), argv[a].ptr, argv[a + 1].ptr, err, sizeof err);
    server_apply_config();
    reply_ok(c);
}

static void config_resetstat(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    stats_reset();
    reply_ok(c);
}

/* CONFIG REWRITE: write the live values into the file the server started
 * with (see config_rewrite for what is kept). */
static void config_rewrite_file(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    char err[CONFIG_ERR_BYTES];
    const struct config *cfg = command_config();
    if (!cfg->path) {
        reply_error(c, "ERR The server is running without a config file");
        return;
    }
    if (config_rewrite(cfg, err, sizeof err) != TC_OK) {
        log_warning("CONFIG REWRITE failed: %s", err);
        reply_errorf(c, "ERR Rewriting config file: %s", err);
        return;
    }
    log_notice("CONFIG REWRITE executed with success.");
    reply_ok(c);
}

static void config_help(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    static const char *const lines[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL,
    };
    command_reply_help(c, "CONFIG", lines);
}

/* clang-format off */
const struct command config_subcommands[] = {
    { .name = "config|get", .arity = -3, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = config_get, .group = "server", .since = "2.0.0",
      .summary = "Returns the effective values of configuration parameters.",
      .args = "parameter [parameter ...]" },
    { .name = "config|set", .arity = -4, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = config_set_pairs, .group = "server", .since = "2.0.0",
      .summary = "Sets configuration parameters in-flight.",
      .args = "parameter value [parameter value ...]" },
    { .name = "config|resetstat", .arity = 2, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = config_resetstat, .group = "server", .since = "2.0.0",
      .summary = "Resets the server's statistics.", .args = "" },
    { .name = "config|rewrite", .arity = 2, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = config_rewrite_file, .group = "server", .since = "2.8.0",
      .summary = "Persists the effective configuration to file.", .args = "" },
    { .name = "config|help", .arity = 2, .flags = CMD_LOADING | CMD_STALE,
      .proc = config_help, .group = "server", .since = "5.0.0",
      .summary = "Returns helpful text about the different subcommands.", .args = "" },
};
/* clang-format on */

const size_t config_subcommand_count = sizeof config_subcommands / sizeof config_subcommands[0];

/* CONFIG <subcommand> ... */
void cmd_config(struct conn *c, size_t argc, struct arg *argv)
{
    command_run_subcommand(c, argc, argv, "CONFIG", config_subcommands, config_subcommand_count);
}
