/* Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and the SCRIPT
 * container (EXISTS, FLUSH, HELP, KILL, LOAD). The scripts themselves are
 * the eval module's, their runs the script module's. */
#include <string.h>

#include "commands.h"
#include "tidecache/conn.h"
#include "tidecache/eval.h"
#include "tidecache/num.h"
#include "tidecache/reply.h"
#include "tidecache/script.h"

/* "script numkeys key ... arg ...": numkeys checked as Redis checks it.
 * Returns 0 with the count, or -1 after replying the error. */
int command_parse_numkeys(struct conn *c, size_t argc, const struct arg *numkeys_arg,
                          size_t after, size_t *out)
{
    long long n;
    if (!num_parse_ll(numkeys_arg->ptr, numkeys_arg->len, &n)) {
        reply_not_integer(c);
        return -1;
    }
    if (n > (long long)(argc - after)) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return -1;
    }
    if (n < 0) {
        reply_error(c, "ERR Number of keys can't be negative");
        return -1;
    }
    *out = (size_t)n;
    return 0;
}

/* EVAL and friends: by_sha for EVALSHA, read_only for the _RO forms. */
static void eval_generic(struct conn *c, size_t argc, struct arg *argv, int by_sha, int read_only)
{
    size_t nkeys;
    if (command_parse_numkeys(c, argc, &argv[2], 3, &nkeys) != 0)
        return;
    struct eval_script *s;
    if (by_sha) {
        s = eval_find(argv[1].ptr, argv[1].len);
        if (!s) {
            reply_error(c, "NOSCRIPT No matching script. Please use EVAL.");
            return;
        }
    } else {
        char err[512];
        s = eval_get(argv[1].ptr, argv[1].len, err, sizeof err);
        if (!s) {
            reply_error(c, err);
            return;
        }
    }
    struct script_call call = {
        .caller = c,
        .L = eval_state(),
        .fn_ref = s->fn_ref,
        .name = s->sha,
        .kind = SCRIPT_KIND_EVAL,
        .flags = s->flags,
        .read_only = read_only,
    };
    script_run_command(&call, argc, argv, nkeys);
}

void cmd_eval(struct conn *c, size_t argc, struct arg *argv)
{
    eval_generic(c, argc, argv, 0, 0);
}

void cmd_evalsha(struct conn *c, size_t argc, struct arg *argv)
{
    eval_generic(c, argc, argv, 1, 0);
}

void cmd_eval_ro(struct conn *c, size_t argc, struct arg *argv)
{
    eval_generic(c, argc, argv, 0, 1);
}

void cmd_evalsha_ro(struct conn *c, size_t argc, struct arg *argv)
{
    eval_generic(c, argc, argv, 1, 1);
}

/* The flags one EVAL call has: a script that declares flags writes or not
 * and may grow memory or not as it says (so the memory cap and read-only
 * checks see that), one without keeps the command's. */
unsigned eval_call_flags(const struct command *cmd, size_t argc, struct arg *argv)
{
    unsigned script_flags;
    (void)argc;
    if (cmd->proc == cmd_evalsha || cmd->proc == cmd_evalsha_ro) {
        struct eval_script *s = eval_find(argv[1].ptr, argv[1].len);
        if (!s)
            return cmd->flags;
        script_flags = s->flags;
    } else if (!eval_body_flags(argv[1].ptr, argv[1].len, &script_flags)) {
        return cmd->flags;
    }
    return script_command_flags(cmd->flags, script_flags);
}

/* ---- SCRIPT ------------------------------------------------------------- */

static void script_exists(struct conn *c, size_t argc, struct arg *argv)
{
    reply_array(c, argc - 2);
    for (size_t i = 2; i < argc; i++)
        reply_int(c, eval_find(argv[i].ptr, argv[i].len) != NULL);
}

/* SCRIPT FLUSH [ASYNC | SYNC]: the cache is small and freed at once either
 * way. */
static void script_flush(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc > 3 || (argc == 3 && !arg_is(&argv[2], "sync") && !arg_is(&argv[2], "async"))) {
        reply_error(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    eval_flush();
    reply_ok(c);
}

static void script_kill(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    script_kill_command(c, SCRIPT_KIND_EVAL);
}

static void script_load(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    char err[512];
    struct eval_script *s = eval_get(argv[2].ptr, argv[2].len, err, sizeof err);
    if (!s)
        reply_error(c, err);
    else
        reply_bulk(c, s->sha, SHA1_HEX_BYTES - 1);
}

static const char *const script_help_lines[] = {
    "EXISTS <sha1> [<sha1> ...]",
    "    For each SHA-1 given, 1 when that script is in the cache, else 0.",
    "FLUSH [ASYNC|SYNC]",
    "    Remove every script from the cache (both modes free them at once).",
    "KILL",
    "    Stop the script running now, if it has not written anything.",
    "LOAD <script>",
    "    Put a script in the cache without running it; returns its SHA-1.",
    NULL,
};

static void script_help(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    command_reply_help(c, "SCRIPT", script_help_lines);
}

/* clang-format off */
const struct command script_subcommands[] = {
    { .name = "script|exists", .arity = -3, .flags = CMD_NOSCRIPT,
      .proc = script_exists, .group = "scripting", .since = "2.6.0",
      .summary = "Determines whether server-side Lua scripts exist in the script cache.",
      .args = "sha1 [sha1 ...]" },
    { .name = "script|flush", .arity = -2, .flags = CMD_NOSCRIPT,
      .proc = script_flush, .group = "scripting", .since = "2.6.0",
      .summary = "Removes all server-side Lua scripts from the script cache.",
      .args = "[ASYNC | SYNC]" },
    { .name = "script|help", .arity = 2, .flags = CMD_LOADING | CMD_STALE,
      .proc = script_help, .group = "scripting", .since = "5.0.0",
      .summary = "Returns helpful text about the different subcommands.", .args = "" },
    { .name = "script|kill", .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = script_kill, .group = "scripting", .since = "2.6.0",
      .summary = "Terminates a server-side Lua script during execution.", .args = "" },
    { .name = "script|load", .arity = 3, .flags = CMD_NOSCRIPT | CMD_STALE,
      .proc = script_load, .group = "scripting", .since = "2.6.0",
      .summary = "Loads a server-side Lua script to the script cache.", .args = "script" },
};
/* clang-format on */
const size_t script_subcommand_count = sizeof script_subcommands / sizeof script_subcommands[0];

void cmd_script(struct conn *c, size_t argc, struct arg *argv)
{
    command_run_subcommand(c, argc, argv, "SCRIPT", script_subcommands, script_subcommand_count);
}
