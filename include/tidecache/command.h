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
};

/* Sort the table and remember the config handlers read (default TTL...). */
void command_setup(struct config *cfg);

/* Look a name up, case-insensitively. NULL when unknown. */
const struct command *command_lookup(const char *name, size_t len);

/* Check arity and run the command for connection c. */
void command_execute(struct conn *c, size_t argc, struct arg *argv);

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
