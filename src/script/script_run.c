/* script: running scripts and the redis API they call; see
 * include/tidecache/script.h.
 *
 * One run at a time (scripts cannot start scripts: EVAL and FCALL are
 * flagged noscript), so the run in progress is a static here. Its commands
 * go through the script's own detached connection: the command's handler
 * writes its reply there exactly as for a client, and the reply is read
 * back with resp_reader and turned into a Lua value (script_reply). */
#include "tidecache/script.h"

#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tidecache/clock.h"
#include "tidecache/command.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/log.h"
#include "tidecache/mem.h"
#include "tidecache/num.h"
#include "tidecache/lua_vm.h"
#include "tidecache/reply.h"
#include "tidecache/resp_reader.h"
#include "tidecache/script_reply.h"
#include "tidecache/server.h"
#include "tidecache/sha1.h"
#include "tidecache/status.h"
#include "tidecache/version.h"

#define SCRIPT_HOOK_INSTRUCTIONS 100000 /* VM instructions between time checks */
#define FUNCTION_LOAD_TIMEOUT_MS 500    /* a library's load run may take this long */
#define SCRIPT_GC_PERIOD_RUNS 50        /* runs between extra collection steps */
#define SCRIPT_MAX_CALL_ARGS 1000000    /* arguments of one redis.call */
#define SCRIPT_NUMBER_ARG_BYTES 64      /* "%.17g" of a number argument */
#define SCRIPT_EXACT_INTEGER 9007199254740992.0 /* 2^53: doubles hold every integer below */

static const char BUSY_EVAL_ERROR[] =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
static const char BUSY_FUNCTION_ERROR[] =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

/* The run in progress. */
struct run {
    const struct script_call *call;
    struct conn *client;  /* the script's connection */
    int read_only;        /* no-writes flag or an _RO command */
    int wrote;            /* a write command has run */
    int oom_at_start;     /* memory was over the cap when the run began */
    int64_t start_us;
    int busy;             /* past busy-reply-threshold */
    int kill;             /* SCRIPT KILL / FUNCTION KILL / shutdown asked */
    int loading;          /* FUNCTION LOAD's run: only a time limit */
};

static const struct config *config;
static struct run *current;
static struct conn *script_client; /* reused by every run */

/* ---- flags ---------------------------------------------------------------- */

static const struct {
    const char *name;
    unsigned flag;
} flag_names[] = {
    {"no-writes", SCRIPT_FLAG_NO_WRITES},     {"allow-oom", SCRIPT_FLAG_ALLOW_OOM},
    {"allow-stale", SCRIPT_FLAG_ALLOW_STALE}, {"no-cluster", SCRIPT_FLAG_NO_CLUSTER},
    {"allow-cross-slot-keys", SCRIPT_FLAG_ALLOW_CROSS_SLOT},
};

unsigned script_flag_by_name(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
        if (strlen(flag_names[i].name) == len && memcmp(flag_names[i].name, name, len) == 0)
            return flag_names[i].flag;
    return 0;
}

void script_flag_names(unsigned flags, void (*fn)(void *ctx, const char *name), void *ctx)
{
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
        if (flags & flag_names[i].flag)
            fn(ctx, flag_names[i].name);
}

unsigned script_command_flags(unsigned cmd_flags, unsigned script_flags)
{
    if (script_flags & SCRIPT_FLAG_EVAL_COMPAT)
        return cmd_flags;
    cmd_flags &= ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE);
    if (!(script_flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)))
        cmd_flags |= CMD_DENYOOM;
    if (!(script_flags & SCRIPT_FLAG_NO_WRITES))
        cmd_flags |= CMD_WRITE;
    if (script_flags & SCRIPT_FLAG_ALLOW_STALE)
        cmd_flags |= CMD_STALE;
    return cmd_flags;
}

/* ---- errors raised to scripts ------------------------------------------------ */

/* Raise an error table for text ("-CODE msg" or a bare message, which gets
 * the code ERR), as redis.call raises a failed command; it carries no
 * position, as Redis's errors from its own functions do not. */
static int raise_error(lua_State *L, const char *text)
{
    script_push_error(L, text, strlen(text));
    return lua_error(L);
}

/* redis.call raises, redis.pcall returns the error table. */
static int fail_call(lua_State *L, int raise, const char *text)
{
    script_push_error(L, text, strlen(text));
    return raise ? lua_error(L) : 1;
}

/* ---- redis.call / redis.pcall ---------------------------------------------- */

/* The n arguments of a redis.call as command arguments: strings as they
 * are, numbers in "%.17g" form (their texts kept in numbers). Returns n,
 * or 0 when one is of another type. */
static size_t collect_args(lua_State *L, int n, struct arg *argv,
                           char (*numbers)[SCRIPT_NUMBER_ARG_BYTES])
{
    for (int i = 1; i <= n; i++) {
        struct arg *a = &argv[i - 1];
        if (lua_type(L, i) == LUA_TNUMBER) {
            double v = (double)lua_tonumber(L, i);
            a->ptr = numbers[i - 1];
            /* a whole number up to 2^53 reads the same in "%.17g" as in
             * plain integer form, which is much cheaper to write */
            if (v > -SCRIPT_EXACT_INTEGER && v < SCRIPT_EXACT_INTEGER &&
                v == (double)(long long)v && !(v == 0 && signbit(v)))
                a->len = num_format_ll(numbers[i - 1], (long long)v);
            else
                a->len = (size_t)snprintf(numbers[i - 1], SCRIPT_NUMBER_ARG_BYTES, "%.17g", v);
        } else if (lua_type(L, i) == LUA_TSTRING) {
            a->ptr = (char *)lua_tolstring(L, i, &a->len);
        } else {
            return 0;
        }
    }
    return (size_t)n;
}

/* Why a command may not run from this script now, or NULL. The flags are
 * those of the subcommand for a container (CONFIG GET is noscript). */
static const char *refusal(const struct run *run, const struct command *cmd, size_t argc,
                           const struct arg *argv)
{
    if (!cmd)
        return "Unknown Redis command called from script";
    if ((cmd->arity > 0 && argc != (size_t)cmd->arity) ||
        (cmd->arity < 0 && argc < (size_t)-cmd->arity))
        return "Wrong number of args calling Redis command from script";
    unsigned flags = command_resolve(cmd, argc, argv)->flags;
    if (flags & CMD_NOSCRIPT)
        return "This Redis command is not allowed from script";
    if (run->read_only && (flags & CMD_WRITE))
        return "Write commands are not allowed from read-only scripts.";
    if (config->maxmemory && run->oom_at_start && !run->wrote && (flags & CMD_DENYOOM) &&
        !(run->call->flags & SCRIPT_FLAG_ALLOW_OOM))
        return "-OOM command not allowed when used memory > 'maxmemory'.";
    return NULL;
}

/* Run a command on the script's connection; the reply replaces the
 * arguments on the Lua stack. Returns 1 when it was an error reply. */
static int run_command(lua_State *L, struct run *run, const struct command *cmd, size_t argc,
                       struct arg *argv)
{
    struct conn *c = run->client;
    if (command_resolve(cmd, argc, argv)->flags & CMD_WRITE)
        run->wrote = 1;
    command_call(c, cmd, argc, argv);
    lua_settop(L, 0);
    size_t used = 0;
    const char *p = c->out.data + c->out.start;
    int is_error = buf_used(&c->out) > 0 && p[0] == '-';
    if (script_push_reply(L, p, buf_used(&c->out), c->proto, &used) != TC_OK) {
        lua_pushnil(L); /* cannot happen for replies the encoders wrote */
        used = buf_used(&c->out);
    }
    buf_consume(&c->out, buf_used(&c->out));
    return is_error;
}

/* Argument arrays of redis.call, grown to the largest call seen and kept:
 * no allocation per call, and nothing to free when a Lua error unwinds. */
static struct arg *call_argv;
static char (*call_numbers)[SCRIPT_NUMBER_ARG_BYTES];
static size_t call_cap;

static void call_arrays_reserve(size_t n)
{
    if (n <= call_cap)
        return;
    size_t cap = call_cap ? call_cap : 16;
    while (cap < n)
        cap *= 2;
    call_argv = mem_realloc(call_argv, cap * sizeof *call_argv);
    call_numbers = mem_realloc(call_numbers, cap * sizeof *call_numbers);
    call_cap = cap;
}

static int redis_call_common(lua_State *L, int raise)
{
    struct run *run = current;
    if (!run || run->loading)
        return fail_call(L, raise, "redis.call can only be called inside a script invocation");
    int argc = lua_gettop(L);
    if (argc == 0)
        return fail_call(L, raise, "Please specify at least one argument for this redis lib call");
    if (argc > SCRIPT_MAX_CALL_ARGS)
        return fail_call(L, raise, "Too many arguments for this redis lib call");
    call_arrays_reserve((size_t)argc);
    struct arg *argv = call_argv;
    if (collect_args(L, argc, argv, call_numbers) == 0)
        return fail_call(L, raise, "Lua redis lib command arguments must be strings or integers");
    const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);
    const char *why = refusal(run, cmd, (size_t)argc, argv);
    if (why)
        return fail_call(L, raise, why);
    int is_error = run_command(L, run, cmd, (size_t)argc, argv);
    if (is_error && raise)
        return lua_error(L);
    return 1;
}

static int redis_call(lua_State *L)
{
    return redis_call_common(L, 1);
}

static int redis_pcall(lua_State *L)
{
    return redis_call_common(L, 0);
}

/* ---- the rest of the redis table ------------------------------------------- */

static int redis_error_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING)
        return fail_call(L, 0, "wrong number or type of arguments");
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    if (len > 0 && s[0] == '-') {
        script_push_error(L, s, len);
    } else {
        lua_pushliteral(L, "-");
        lua_pushvalue(L, 1);
        lua_concat(L, 2);
        s = lua_tolstring(L, -1, &len);
        script_push_error(L, s, len);
    }
    return 1;
}

static int redis_status_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING)
        return fail_call(L, 0, "wrong number or type of arguments");
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

static int redis_sha1hex(lua_State *L)
{
    if (lua_gettop(L) != 1)
        return raise_error(L, "wrong number of arguments");
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    char hex[SHA1_HEX_BYTES];
    sha1_hex(s ? s : "", s ? len : 0, hex);
    lua_pushstring(L, hex);
    return 1;
}

/* redis.log(level, message ...): the arguments joined by spaces. */
static int redis_log(lua_State *L)
{
    int argc = lua_gettop(L);
    if (argc < 2)
        return raise_error(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1))
        return raise_error(L, "First argument must be a number (log level).");
    lua_Integer level = lua_tointeger(L, 1);
    if (level < LOG_DEBUG || level > LOG_WARNING)
        return raise_error(L, "Invalid debug level.");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 2; i <= argc; i++) {
        size_t len;
        const char *s = lua_tolstring(L, i, &len);
        if (!s)
            continue;
        if (i > 2)
            luaL_addchar(&b, ' ');
        luaL_addlstring(&b, s, len);
    }
    luaL_pushresult(&b);
    log_msg((enum log_level)level, "%s", lua_tostring(L, -1));
    return 0;
}

static int redis_setresp(lua_State *L)
{
    if (!current || current->loading)
        return raise_error(L, "redis.setresp can only be called inside a script invocation");
    if (lua_gettop(L) != 1)
        return raise_error(L, "redis.setresp() requires one argument.");
    lua_Integer resp = lua_tointeger(L, 1);
    if (resp != 2 && resp != 3)
        return raise_error(L, "RESP version must be 2 or 3.");
    current->client->proto = (int)resp;
    return 0;
}

enum { REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_ALL = 3 };

static int redis_set_repl(lua_State *L)
{
    if (!current || current->loading)
        return raise_error(L, "redis.set_repl can only be called inside a script invocation");
    if (lua_gettop(L) != 1)
        return raise_error(L, "redis.set_repl() requires one argument.");
    lua_Integer flags = lua_tointeger(L, 1);
    if (flags < REPL_NONE || flags > REPL_ALL)
        return raise_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL "
                              "or REPL_NONE.");
    return 0; /* nothing is replicated: accepted, no effect */
}

static int redis_replicate_commands(lua_State *L)
{
    lua_pushboolean(L, 1);
    return 1;
}

/* No debugger: breakpoint is never taken, debug prints nowhere. */
static int redis_breakpoint(lua_State *L)
{
    lua_pushboolean(L, 0);
    return 1;
}

static int redis_debug(lua_State *L)
{
    (void)L;
    return 0;
}

/* redis.acl_check_cmd(command, args...): whether the user running the
 * script may run it. Every client may run every command until users with
 * permissions exist; an unknown command is an error. */
static int redis_acl_check_cmd(lua_State *L)
{
    if (lua_gettop(L) < 1 || lua_type(L, 1) != LUA_TSTRING)
        return raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
    size_t len;
    const char *name = lua_tolstring(L, 1, &len);
    const struct command *cmd = command_lookup(name, len);
    if (!cmd)
        return raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
    int argc = lua_gettop(L);
    if ((cmd->arity > 0 && argc != cmd->arity) || (cmd->arity < 0 && argc < -cmd->arity))
        return raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, 1);
    return 1;
}

static lua_Number script_version_num(void);

static void set_number(lua_State *L, const char *name, lua_Number v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
}

/* ---- time --------------------------------------------------------------------- */

const char *script_busy_error(void)
{
    return current && current->call && current->call->kind == SCRIPT_KIND_FUNCTION
               ? BUSY_FUNCTION_ERROR
               : BUSY_EVAL_ERROR;
}

/* Every SCRIPT_HOOK_INSTRUCTIONS: past the threshold the run becomes busy
 * and serves the other clients from here on; a kill raises an error, and
 * from then on every line raises it again, so pcall cannot swallow it. */
static void time_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    struct run *run = current;
    if (!run)
        return;
    if (run->kill) {
        lua_sethook(L, time_hook, LUA_MASKLINE, 0);
        if (run->loading)
            return (void)raise_error(L, "FUNCTION LOAD timeout");
        return (void)raise_error(L, "Script killed by user with SCRIPT KILL...");
    }
    int64_t elapsed_ms = (clock_mono_us() - run->start_us) / 1000;
    if (run->loading) {
        if (elapsed_ms < FUNCTION_LOAD_TIMEOUT_MS)
            return;
        run->kill = 1;
        lua_sethook(L, time_hook, LUA_MASKLINE, 0);
        return (void)raise_error(L, "FUNCTION LOAD timeout");
    }
    if (elapsed_ms < config->busy_reply_threshold)
        return;
    if (!run->busy) {
        run->busy = 1;
        log_warning("Slow script detected: still in execution after %lld milliseconds. You can "
                    "try killing the script using the %s command. Script name is: %s.",
                    (long long)elapsed_ms,
                    run->call->kind == SCRIPT_KIND_EVAL ? "SCRIPT KILL" : "FUNCTION KILL",
                    run->call->name);
        command_set_busy(script_busy_error());
    }
    if (server_serve_while_busy())
        run->kill = 1; /* shutting down: stopped even if it wrote */
}

void script_register_api(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"call", redis_call},
        {"pcall", redis_pcall},
        {"error_reply", redis_error_reply},
        {"status_reply", redis_status_reply},
        {"sha1hex", redis_sha1hex},
        {"log", redis_log},
        {"setresp", redis_setresp},
        {"set_repl", redis_set_repl},
        {"replicate_commands", redis_replicate_commands},
        {"breakpoint", redis_breakpoint},
        {"debug", redis_debug},
        {"acl_check_cmd", redis_acl_check_cmd},
        {NULL, NULL},
    };
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    set_number(L, "LOG_DEBUG", LOG_DEBUG);
    set_number(L, "LOG_VERBOSE", LOG_VERBOSE);
    set_number(L, "LOG_NOTICE", LOG_NOTICE);
    set_number(L, "LOG_WARNING", LOG_WARNING);
    set_number(L, "REPL_NONE", REPL_NONE);
    set_number(L, "REPL_AOF", REPL_AOF);
    set_number(L, "REPL_SLAVE", REPL_SLAVE);
    set_number(L, "REPL_REPLICA", REPL_SLAVE);
    set_number(L, "REPL_ALL", REPL_ALL);
    lua_pushstring(L, TIDECACHE_REDIS_COMPAT_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
    set_number(L, "REDIS_VERSION_NUM", script_version_num());
    lua_vm_make_readonly(L);
    lua_vm_set_global(L, "redis");
    lua_sethook(L, time_hook, LUA_MASKCOUNT, SCRIPT_HOOK_INSTRUCTIONS);
}

/* ---- runs ---------------------------------------------------------------------- */

/* REDIS_VERSION_NUM: 0x00MMmmpp of the Redis version followed. */
static lua_Number script_version_num(void)
{
    int major = 0, minor = 0, patch = 0;
    sscanf(TIDECACHE_REDIS_COMPAT_VERSION, "%d.%d.%d", &major, &minor, &patch);
    return (lua_Number)((major << 16) | (minor << 8) | patch);
}

/* Registry references of the tables reused by every run: KEYS and ARGV
 * (EVAL's globals, FCALL's parameters), per state. */
static const char KEYS_KEY = 'k', ARGV_KEY = 'a';

/* Push the reused table under key, filled with n arguments. */
static void push_args_table(lua_State *L, const char *key, const struct arg *a, size_t n)
{
    lua_pushlightuserdata(L, (void *)key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushlightuserdata(L, (void *)key);
        lua_pushvalue(L, -2);
        lua_rawset(L, LUA_REGISTRYINDEX);
    }
    for (size_t i = 0; i < n; i++) {
        lua_pushlstring(L, a[i].ptr, a[i].len);
        lua_rawseti(L, -2, (int)i + 1);
    }
}

/* Empty a reused table after a run, whatever the script put in it. */
static void clear_args_table(lua_State *L, const char *key)
{
    lua_pushlightuserdata(L, (void *)key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, -4);
        }
    }
    lua_pop(L, 1);
}

/* The checks Redis makes before a script with declared flags runs. Replies
 * the refusal and returns 0, or returns 1. */
static int may_start(const struct script_call *call, int oom)
{
    unsigned f = call->flags;
    if (f & SCRIPT_FLAG_EVAL_COMPAT)
        return 1;
    if (!(f & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) && oom && config->maxmemory) {
        reply_error(call->caller, "OOM allow-oom flag is not set on the script, can not run it "
                                  "when used memory > 'maxmemory'");
        return 0;
    }
    if (!(f & SCRIPT_FLAG_NO_WRITES) && call->read_only) {
        reply_error(call->caller, "ERR Can not execute a script with write flag using *_ro command.");
        return 0;
    }
    return 1;
}

/* The error reply for a failed run, from the handler's error table:
 * "<err> script: <name>, on <source>:<line>." as Redis words it. */
static void reply_run_error(lua_State *L, const struct script_call *call)
{
    struct conn *c = call->caller;
    if (!lua_istable(L, -1)) {
        const char *msg = lua_tostring(L, -1);
        reply_errorf(c, "ERR Error running script %s, %.100s", call->name,
                     msg ? msg : "unknown error");
        return;
    }
    int t = lua_gettop(L);
    lua_getfield(L, t, "err");
    lua_getfield(L, t, "source");
    lua_getfield(L, t, "line");
    size_t len;
    const char *err = lua_tolstring(L, t + 1, &len);
    if (!err) {
        err = "ERR unknown error";
        len = strlen(err);
    }
    if (lua_isstring(L, t + 2) && lua_isstring(L, t + 3)) {
        lua_pushlstring(L, err, len);
        lua_pushfstring(L, " script: %s, on %s:%s.", call->name, lua_tostring(L, t + 2),
                        lua_tostring(L, t + 3));
        lua_concat(L, 2);
        err = lua_tolstring(L, -1, &len);
    }
    reply_error_len(c, err, len);
}

void script_run(const struct script_call *call)
{
    static unsigned runs_since_gc;
    lua_State *L = call->L;
    int oom = command_over_memory();
    if (!may_start(call, oom))
        return;
    struct run run = {
        .call = call,
        .client = script_client,
        .read_only = call->read_only || (call->flags & SCRIPT_FLAG_NO_WRITES),
        .oom_at_start = oom,
        .start_us = clock_mono_us(),
    };
    struct conn *sc = script_client;
    sc->db = call->caller->db;
    sc->db_index = call->caller->db_index;
    sc->proto = 2;
    current = &run;
    call->caller->flags |= CONN_PROTECTED;
    lua_sethook(L, time_hook, LUA_MASKCOUNT, SCRIPT_HOOK_INSTRUCTIONS);
    lua_settop(L, 0);
    lua_pushcfunction(L, lua_vm_error_handler);
    lua_rawgeti(L, LUA_REGISTRYINDEX, call->fn_ref);
    int nparams = 0;
    push_args_table(L, &KEYS_KEY, call->keys, call->nkeys);
    push_args_table(L, &ARGV_KEY, call->args, call->nargs);
    if (call->kind == SCRIPT_KIND_EVAL) {
        lua_vm_set_global(L, "ARGV");
        lua_vm_set_global(L, "KEYS");
    } else {
        nparams = 2;
    }
    if (lua_pcall(L, nparams, 1, 1) != 0)
        reply_run_error(L, call);
    else
        script_reply_value(L, -1, call->caller, sc->proto);
    lua_settop(L, 0);
    clear_args_table(L, &KEYS_KEY);
    clear_args_table(L, &ARGV_KEY);
    buf_consume(&sc->out, buf_used(&sc->out));
    call->caller->flags &= ~CONN_PROTECTED;
    current = NULL;
    if (run.busy) {
        command_set_busy(NULL);
        log_notice("Script returned after %lld ms of busy state",
                   (long long)((clock_mono_us() - run.start_us) / 1000));
    }
    if (++runs_since_gc >= SCRIPT_GC_PERIOD_RUNS) {
        lua_gc(L, LUA_GCSTEP, SCRIPT_GC_PERIOD_RUNS);
        runs_since_gc = 0;
    }
}

#define SCRIPT_CMD_FIRST_KEY 3 /* CMD script numkeys key... */

void script_run_command(struct script_call *call, size_t argc, const struct arg *argv,
                        size_t nkeys)
{
    call->keys = argv + SCRIPT_CMD_FIRST_KEY;
    call->nkeys = nkeys;
    call->args = argv + SCRIPT_CMD_FIRST_KEY + nkeys;
    call->nargs = argc - SCRIPT_CMD_FIRST_KEY - nkeys;
    call->argv = argv;
    call->argc = argc;
    script_run(call);
}

int script_run_load(lua_State *L, int nargs)
{
    struct run run = {.loading = 1, .start_us = clock_mono_us()};
    struct run *outer = current;
    current = &run;
    lua_sethook(L, time_hook, LUA_MASKCOUNT, SCRIPT_HOOK_INSTRUCTIONS);
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, lua_vm_error_handler);
    lua_insert(L, base);
    int rc = lua_pcall(L, nargs, 0, base);
    lua_remove(L, base);
    current = outer;
    return rc;
}

int script_running(void)
{
    return current != NULL && !current->loading;
}

int script_busy(void)
{
    return current != NULL && current->busy;
}

const struct script_call *script_current_call(void)
{
    return current && !current->loading ? current->call : NULL;
}

long long script_current_duration_ms(void)
{
    return current ? (long long)((clock_mono_us() - current->start_us) / 1000) : 0;
}

void script_kill_command(struct conn *c, enum script_kind kind)
{
    struct run *run = current;
    if (!run || run->loading) {
        reply_error(c, "NOTBUSY No scripts in execution right now.");
        return;
    }
    if (run->wrote) {
        reply_error(c, "UNKILLABLE Sorry the script already executed write commands against the "
                       "dataset. You can either wait the script termination or kill the server "
                       "in a hard way using the SHUTDOWN NOSAVE command.");
        return;
    }
    if (kind != run->call->kind) {
        reply_error(c, run->call->kind == SCRIPT_KIND_EVAL ? BUSY_EVAL_ERROR : BUSY_FUNCTION_ERROR);
        return;
    }
    run->kill = 1;
    reply_ok(c);
}

void script_kill_for_shutdown(void)
{
    if (current)
        current->kill = 1;
}

void script_setup(const struct config *cfg)
{
    config = cfg;
    if (!script_client)
        script_client = conn_create_detached(0);
    script_client->authenticated = 1;
}

void script_teardown(void)
{
    if (script_client)
        conn_destroy(script_client);
    script_client = NULL;
    current = NULL;
    mem_free(call_argv);
    mem_free(call_numbers);
    call_argv = NULL;
    call_numbers = NULL;
    call_cap = 0;
}
