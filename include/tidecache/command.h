/* command: the command table and its dispatch.
 *
 * Every command is one entry: name, arity (Redis's convention: n means
 * exactly n arguments including the name, -n means at least n), flags, key
 * positions, handler, and the documentation COMMAND reports. */
#ifndef TIDECACHE_COMMAND_H
#define TIDECACHE_COMMAND_H

#include <stddef.h>

#include "tidecache/resp.h"

struct conn;
struct config;

enum command_flag {
    CMD_WRITE = 1u << 0,
    CMD_READONLY = 1u << 1,
    CMD_DENYOOM = 1u << 2,   /* may grow memory: refused over maxmemory */
    CMD_FAST = 1u << 3,
    CMD_ADMIN = 1u << 4,
    CMD_NOAUTH = 1u << 5,    /* allowed before authentication */
    CMD_LOADING = 1u << 6,
    CMD_STALE = 1u << 7,
    CMD_RANDOM = 1u << 8,
    CMD_NOSCRIPT = 1u << 9,   /* refused inside scripts */
    CMD_NO_MULTI = 1u << 10,  /* refused inside MULTI */
    CMD_ALLOW_BUSY = 1u << 11, /* runs while a script is busy */
    CMD_SKIP_SLOWLOG = 1u << 12, /* never in the slow log (EXEC: its commands are) */
    CMD_SKIP_MONITOR = 1u << 13, /* not shown by MONITOR (scripts: their commands are) */
    CMD_NO_MANDATORY_KEYS = 1u << 14, /* may be called with no key at all (numkeys 0) */
};

typedef void command_proc(struct conn *c, size_t argc, struct arg *argv);

struct command {
    const char *name;      /* lower case */
    int arity;
    unsigned flags;
    int first_key, last_key, key_step; /* key positions, as COMMAND INFO gives them */
    command_proc *proc;
    const char *group;     /* COMMAND DOCS group: string, keyspace, connection, server, generic */
    const char *since;     /* Redis version that introduced it */
    const char *summary;
    /* The arguments after the name, in the syntax of Redis's documentation:
     * "key value [NX | XX] [EX seconds | PX milliseconds]", "key [key ...]".
     * COMMAND DOCS derives each argument's type and flags from it. */
    const char *args;
    /* When set, the flags of one call differ from flags and this gives them
     * (EVAL of a script that declares its flags writes or not, may grow
     * memory or not). */
    unsigned (*flags_of)(const struct command *cmd, size_t argc, struct arg *argv);
    /* When not 0: the keys are counted by the integer argument at this
     * position and follow it (EVAL, FCALL: "script numkeys key ... arg ..."),
     * instead of first_key..last_key. */
    int numkeys_at;
    /* A container (CONFIG, CLIENT...): its subcommands' descriptors, each
     * named "container|sub", and a pointer to their count. NULL for others. */
    const struct command *subcommands;
    const size_t *subcommand_count;
};

/* Sort the table and remember the config handlers read (default TTL...). */
void command_setup(struct config *cfg);

/* Look a name up, case-insensitively. NULL when unknown. */
const struct command *command_lookup(const char *name, size_t len);

/* Check arity and run the command for connection c. */
void command_execute(struct conn *c, size_t argc, struct arg *argv);

/* Run a command already looked up and checked, for c (EXEC's queue, the
 * commands of scripts, which check what they may run themselves): counted
 * in the statistics, under c's CLIENT NO-TOUCH mode. */
void command_call(struct conn *c, const struct command *cmd, size_t argc, struct arg *argv);

/* The descriptor whose flags govern a call: the subcommand's for a
 * container whose argv[1] names one (CONFIG GET, SCRIPT KILL), else cmd. */
const struct command *command_resolve(const struct command *cmd, size_t argc,
                                      const struct arg *argv);

/* Whether memory was over maxmemory, with nothing left to evict, when the
 * command being run now began (Redis's script_oom): scripts use it to
 * refuse writes that grow memory. */
int command_over_memory(void);

/* While a script is busy, every command without CMD_ALLOW_BUSY is answered
 * with error (NULL: back to normal). */
void command_set_busy(const char *error);

/* Forget what the command layer keeps for a connection that is going (its
 * MULTI queue and watched keys). */
void command_conn_release(struct conn *c);

/* The table, for COMMAND. */
size_t command_count(void);
const struct command *command_at(size_t i);

/* The subcommand table of a container command ("config|get"...); NULL (and
 * *count 0) for a command without one. */
const struct command *command_subcommands_of(const struct command *cmd, size_t *count);

#endif
