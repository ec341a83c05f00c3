/* script: running a Lua function for a client, as EVAL and FCALL do.
 *
 * A run binds a compiled Lua function to its caller: KEYS and ARGV (EVAL)
 * or the keys and args parameters (FCALL), the script's flags, whether it
 * may write, and the script's own connection (detached, unlisted) on which
 * redis.call runs commands through the command table. The `redis` table
 * scripts see is registered here (script_register_api): call, pcall,
 * error_reply, status_reply, sha1hex, log and the LOG_* levels, setresp,
 * set_repl and the REPL_* flags, replicate_commands, breakpoint, debug,
 * acl_check_cmd, REDIS_VERSION and REDIS_VERSION_NUM.
 *
 * What a command called from a script may do follows Redis 7: unknown
 * commands, wrong arity and commands flagged noscript are refused; write
 * commands are refused in read-only runs (the no-writes flag, EVAL_RO...);
 * when memory was over maxmemory as the run began, commands that may grow
 * memory are refused until the script has written something (after that
 * it cannot be stopped halfway). redis.call raises an error reply as a Lua
 * error, redis.pcall returns it as a table.
 *
 * Time: a run past busy-reply-threshold milliseconds is "busy": the event
 * loop is then served from inside the run (server_serve_while_busy), and
 * other clients get -BUSY except for commands flagged allow-busy (SCRIPT
 * KILL, FUNCTION KILL, SHUTDOWN NOSAVE, connection commands). script_kill
 * stops a busy run that has not written; one that wrote answers
 * UNKILLABLE. A run is atomic: nothing else touches the keyspace until it
 * returns. */
#ifndef TIDECACHE_SCRIPT_H
#define TIDECACHE_SCRIPT_H

#include <stddef.h>

#include <lua.h>

#include "tidecache/resp.h"

struct conn;
struct config;

/* Flags a script declares (#!lua flags=... for EVAL, flags={...} for a
 * function), with Redis's names. */
enum script_flag {
    SCRIPT_FLAG_NO_WRITES = 1u << 0,
    SCRIPT_FLAG_ALLOW_OOM = 1u << 1,
    SCRIPT_FLAG_ALLOW_STALE = 1u << 2,
    SCRIPT_FLAG_NO_CLUSTER = 1u << 3,
    SCRIPT_FLAG_ALLOW_CROSS_SLOT = 1u << 4,
    SCRIPT_FLAG_EVAL_COMPAT = 1u << 5, /* an EVAL script without a shebang */
};

/* The flag named name[0..len) ("no-writes"...), or 0 when there is none. */
unsigned script_flag_by_name(const char *name, size_t len);

/* The names of the flags set, in Redis's order, for FUNCTION LIST:
 * calls fn for each. */
void script_flag_names(unsigned flags, void (*fn)(void *ctx, const char *name), void *ctx);

/* How a script's declared flags change the command flags processCommand
 * checks (for scripts with declared flags): write unless no-writes,
 * denyoom unless allow-oom or no-writes. */
unsigned script_command_flags(unsigned cmd_flags, unsigned script_flags);

enum script_kind { SCRIPT_KIND_EVAL, SCRIPT_KIND_FUNCTION };

struct script_call {
    struct conn *caller;
    lua_State *L;
    int fn_ref;             /* registry reference of the function */
    const char *name;       /* the SHA-1 (EVAL) or the function's name */
    enum script_kind kind;  /* EVAL: KEYS and ARGV globals; functions get
                               keys and args as parameters */
    unsigned flags;         /* SCRIPT_FLAG_* */
    int read_only;          /* called as EVAL_RO, EVALSHA_RO, FCALL_RO */
    const struct arg *keys;
    size_t nkeys;
    const struct arg *args;
    size_t nargs;
    const struct arg *argv; /* the whole command, for FUNCTION STATS */
    size_t argc;
};

/* Remember the live config (busy-reply-threshold, maxmemory). */
void script_setup(const struct config *cfg);
void script_teardown(void);

/* Register the redis table (read-only) as a global of state L, and the
 * hook that watches run time. */
void script_register_api(lua_State *L);

/* Run call->fn_ref and reply its result (or error) to the caller. */
void script_run(const struct script_call *call);

/* Bind the keys and args of a command shaped "CMD script numkeys key ...
 * arg ..." (EVAL, FCALL and their forms; numkeys already checked), then
 * run call as script_run does. */
void script_run_command(struct script_call *call, size_t argc, const struct arg *argv,
                        size_t nkeys);

/* Whether a run is in progress, and whether it has become busy. */
int script_running(void);
int script_busy(void);

/* The call being run (NULL when none), and for how long it has run. */
const struct script_call *script_current_call(void);
long long script_current_duration_ms(void);

/* SCRIPT KILL (kind EVAL) / FUNCTION KILL (FUNCTION) from c: replies OK,
 * NOTBUSY, UNKILLABLE, or the error for a run of the other kind. */
void script_kill_command(struct conn *c, enum script_kind kind);

/* SHUTDOWN NOSAVE during a busy run: stop it, written or not. */
void script_kill_for_shutdown(void);

/* The -BUSY error other clients get during a busy run. */
const char *script_busy_error(void);

/* Run a Lua function for FUNCTION LOAD (no caller, no commands) with the
 * time limit of a load: returns 0, or nonzero with the error text pushed
 * ("FUNCTION LOAD timeout" past busy-reply-threshold). */
int script_run_load(lua_State *L, int nargs);

#endif
