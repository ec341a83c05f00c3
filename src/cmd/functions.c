/* Function commands: FCALL, FCALL_RO and the FUNCTION container (DELETE,
 * DUMP, FLUSH, HELP, KILL, LIST, LOAD, RESTORE, STATS). The libraries are
 * the function module's, their runs the script module's. */
#include <string.h>

#include "commands.h"
#include "tidecache/buf.h"
#include "tidecache/conn.h"
#include "tidecache/function.h"
#include "tidecache/glob.h"
#include "tidecache/mem.h"
#include "tidecache/num.h"
#include "tidecache/reply.h"
#include "tidecache/script.h"

#define FUNCTION_ERROR_BYTES 1024

/* FCALL function numkeys key ... arg ...: the function is looked up first,
 * then numkeys (which, unlike EVAL's, reads "Bad number of keys provided"
 * when it is no integer). */
static void fcall_generic(struct conn *c, size_t argc, struct arg *argv, int read_only)
{
    struct function *f = function_find(argv[1].ptr, argv[1].len);
    if (!f) {
        reply_error(c, "ERR Function not found");
        return;
    }
    long long n;
    if (!num_parse_ll(argv[2].ptr, argv[2].len, &n)) {
        reply_error(c, "ERR Bad number of keys provided");
        return;
    }
    size_t nkeys;
    if (command_parse_numkeys(c, argc, &argv[2], 3, &nkeys) != 0)
        return;
    struct script_call call = {
        .caller = c,
        .L = function_state(),
        .fn_ref = f->fn_ref,
        .name = f->name,
        .kind = SCRIPT_KIND_FUNCTION,
        .flags = f->flags,
        .read_only = read_only,
    };
    script_run_command(&call, argc, argv, nkeys);
}

void cmd_fcall(struct conn *c, size_t argc, struct arg *argv)
{
    fcall_generic(c, argc, argv, 0);
}

void cmd_fcall_ro(struct conn *c, size_t argc, struct arg *argv)
{
    fcall_generic(c, argc, argv, 1);
}

/* A function's declared flags decide whether this call writes and may
 * grow memory. */
unsigned fcall_call_flags(const struct command *cmd, size_t argc, struct arg *argv)
{
    (void)argc;
    struct function *f = function_find(argv[1].ptr, argv[1].len);
    return f ? script_command_flags(cmd->flags, f->flags) : cmd->flags;
}

/* ---- FUNCTION ------------------------------------------------------------ */

/* FUNCTION LOAD [REPLACE] code */
static void function_load_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    int replace = 0;
    for (size_t i = 2; i + 1 < argc; i++) {
        if (!arg_is(&argv[i], "replace")) {
            reply_errorf(c, "ERR Unknown option given: %.*s", (int)argv[i].len, argv[i].ptr);
            return;
        }
        replace = 1;
    }
    char err[FUNCTION_ERROR_BYTES];
    const char *name;
    const struct arg *code = &argv[argc - 1];
    if (function_load(code->ptr, code->len, replace, &name, err, sizeof err) != 0)
        reply_error(c, err);
    else
        reply_cstr(c, name);
}

static void function_delete_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    if (function_delete(argv[2].ptr, argv[2].len) != 0)
        reply_error(c, "ERR Library not found");
    else
        reply_ok(c);
}

/* FUNCTION FLUSH [ASYNC | SYNC]: the libraries are freed at once either
 * way. */
static void function_flush_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc > 3) {
        command_reply_subcommand_syntax_error(c, argv, "FUNCTION");
        return;
    }
    if (argc == 3 && !arg_is(&argv[2], "sync") && !arg_is(&argv[2], "async")) {
        reply_error(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    function_flush();
    reply_ok(c);
}

static void function_kill_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    script_kill_command(c, SCRIPT_KIND_FUNCTION);
}

static void reply_flag_name(void *ctx, const char *name)
{
    reply_simple(ctx, name);
}

static size_t count_flags(unsigned flags)
{
    size_t n = 0;
    for (; flags; flags &= flags - 1)
        n++;
    return n;
}

/* One library as FUNCTION LIST shows it. */
static void reply_library(struct conn *c, const struct library *l, int with_code)
{
    reply_map(c, with_code ? 4 : 3);
    reply_cstr(c, "library_name");
    reply_cstr(c, l->name);
    reply_cstr(c, "engine");
    reply_cstr(c, "LUA");
    reply_cstr(c, "functions");
    reply_array(c, l->nfunctions);
    for (const struct function *f = l->functions; f; f = f->next_in_library) {
        reply_map(c, 3);
        reply_cstr(c, "name");
        reply_cstr(c, f->name);
        reply_cstr(c, "description");
        if (f->description)
            reply_cstr(c, f->description);
        else
            reply_null(c);
        reply_cstr(c, "flags");
        reply_set(c, count_flags(f->flags & ~SCRIPT_FLAG_EVAL_COMPAT));
        script_flag_names(f->flags, reply_flag_name, c);
    }
    if (with_code) {
        reply_cstr(c, "library_code");
        reply_bulk(c, l->code, l->code_len);
    }
}

/* FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE] */
static void function_list_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    const struct arg *pattern = NULL;
    int with_code = 0;
    for (size_t i = 2; i < argc; i++) {
        if (arg_is(&argv[i], "withcode") && !with_code) {
            with_code = 1;
        } else if (arg_is(&argv[i], "libraryname") && !pattern) {
            if (i + 1 >= argc) {
                reply_error(c, "ERR library name argument was not given");
                return;
            }
            pattern = &argv[++i];
        } else {
            reply_errorf(c, "ERR Unknown argument %.*s", (int)argv[i].len, argv[i].ptr);
            return;
        }
    }
    size_t n = 0;
    for (const struct library *l = function_libraries(); l; l = l->next)
        n += !pattern || glob_match(pattern->ptr, pattern->len, l->name, strlen(l->name), 1);
    reply_array(c, n);
    for (const struct library *l = function_libraries(); l; l = l->next)
        if (!pattern || glob_match(pattern->ptr, pattern->len, l->name, strlen(l->name), 1))
            reply_library(c, l, with_code);
}

/* FUNCTION STATS: the function running now (name, the command that called
 * it, milliseconds so far) or nil, and the engine's counts. */
static void function_stats_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    const struct script_call *run = script_current_call();
    if (run && run->kind == SCRIPT_KIND_EVAL) {
        reply_error(c, script_busy_error());
        return;
    }
    reply_map(c, 2);
    reply_cstr(c, "running_script");
    if (!run) {
        reply_null(c);
    } else {
        reply_map(c, 3);
        reply_cstr(c, "name");
        reply_cstr(c, run->name);
        reply_cstr(c, "command");
        reply_array(c, run->argc);
        for (size_t i = 0; i < run->argc; i++)
            reply_bulk(c, run->argv[i].ptr, run->argv[i].len);
        reply_cstr(c, "duration_ms");
        reply_int(c, script_current_duration_ms());
    }
    reply_cstr(c, "engines");
    reply_map(c, 1);
    reply_cstr(c, "LUA");
    reply_map(c, 2);
    reply_cstr(c, "libraries_count");
    reply_int(c, (long long)library_count());
    reply_cstr(c, "functions_count");
    reply_int(c, (long long)function_count());
}

static void function_dump_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    struct buf out;
    buf_init(&out);
    function_dump(&out);
    reply_bulk(c, out.data + out.start, buf_used(&out));
    buf_free(&out);
}

/* FUNCTION RESTORE payload [FLUSH | APPEND | REPLACE] */
static void function_restore_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    enum function_restore_policy policy = RESTORE_APPEND;
    if (argc > 4) {
        command_reply_subcommand_syntax_error(c, argv, "FUNCTION");
        return;
    }
    if (argc == 4) {
        if (arg_is(&argv[3], "flush")) {
            policy = RESTORE_FLUSH;
        } else if (arg_is(&argv[3], "append")) {
            policy = RESTORE_APPEND;
        } else if (arg_is(&argv[3], "replace")) {
            policy = RESTORE_REPLACE;
        } else {
            reply_error(c, "ERR Wrong restore policy given, value should be either FLUSH, "
                           "APPEND or REPLACE.");
            return;
        }
    }
    char err[FUNCTION_ERROR_BYTES];
    if (function_restore(argv[2].ptr, argv[2].len, policy, err, sizeof err) != 0)
        reply_error(c, err);
    else
        reply_ok(c);
}

static const char *const function_help_lines[] = {
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Load a library from its code; REPLACE replaces one of the same name.",
    "DELETE <LIBRARY NAME>",
    "    Remove a library and its functions.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Every library (or those whose name matches PATTERN) with its engine,",
    "    its functions (name, description, flags) and, with WITHCODE, its code.",
    "STATS",
    "    The function running now (name, command, duration in ms) or nil, and",
    "    the count of libraries and functions per engine.",
    "KILL",
    "    Stop the function running now, if it has not written anything.",
    "FLUSH [ASYNC|SYNC]",
    "    Remove every library (both modes free them at once).",
    "DUMP",
    "    A payload holding every library, for FUNCTION RESTORE (here or on Redis).",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Load the libraries of a payload: FLUSH removes the others first, APPEND",
    "    (the default) fails on a name already loaded, REPLACE replaces it.",
    NULL,
};

static void function_help_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    command_reply_help(c, "FUNCTION", function_help_lines);
}

/* clang-format off */
const struct command function_subcommands[] = {
    { .name = "function|delete", .arity = 3, .flags = CMD_WRITE | CMD_NOSCRIPT,
      .proc = function_delete_cmd, .group = "scripting", .since = "7.0.0",
      .summary = "Deletes a library and its functions.", .args = "library-name" },
    { .name = "function|dump", .arity = 2, .flags = CMD_NOSCRIPT,
      .proc = function_dump_cmd, .group = "scripting", .since = "7.0.0",
      .summary = "Dumps all libraries into a serialized binary payload.", .args = "" },
    { .name = "function|flush", .arity = -2, .flags = CMD_WRITE | CMD_NOSCRIPT,
      .proc = function_flush_cmd, .group = "scripting", .since = "7.0.0",
      .summary = "Deletes all libraries and functions.", .args = "[ASYNC | SYNC]" },
    { .name = "function|help", .arity = 2, .flags = CMD_LOADING | CMD_STALE,
      .proc = function_help_cmd, .group = "scripting", .since = "7.0.0",
      .summary = "Returns helpful text about the different subcommands.", .args = "" },
    { .name = "function|kill", .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = function_kill_cmd, .group = "scripting", .since = "7.0.0",
      .summary = "Terminates a function during execution.", .args = "" },
    { .name = "function|list", .arity = -2, .flags = CMD_NOSCRIPT,
      .proc = function_list_cmd, .group = "scripting", .since = "7.0.0",
      .summary = "Returns information about all libraries.",
      .args = "[LIBRARYNAME library-name-pattern] [WITHCODE]" },
    { .name = "function|load", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT,
      .proc = function_load_cmd, .group = "scripting", .since = "7.0.0",
      .summary = "Creates a library.", .args = "[REPLACE] function-code" },
    { .name = "function|restore", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT,
      .proc = function_restore_cmd, .group = "scripting", .since = "7.0.0",
      .summary = "Restores all libraries from a payload.",
      .args = "serialized-value [FLUSH | APPEND | REPLACE]" },
    { .name = "function|stats", .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = function_stats_cmd, .group = "scripting", .since = "7.0.0",
      .summary = "Returns information about a function during execution.", .args = "" },
};
/* clang-format on */
const size_t function_subcommand_count =
    sizeof function_subcommands / sizeof function_subcommands[0];

void cmd_function(struct conn *c, size_t argc, struct arg *argv)
{
    command_run_subcommand(c, argc, argv, "FUNCTION", function_subcommands,
                           function_subcommand_count);
}
