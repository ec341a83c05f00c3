/* Handlers of the command table, grouped by file, and what they share.
 * Private to the command module's files (command.c, cmd_*.c). */
#ifndef TIDECACHE_COMMANDS_H
#define TIDECACHE_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "tidecache/command.h"
#include "tidecache/resp.h"

struct conn;
struct config;
struct store;

/* The live config, for handlers that read options (default TTL...). */
const struct config *command_config(void);

/* Case-insensitive comparison of an argument with a lower-case word. */
int arg_is(const struct arg *a, const char *word);

/* The TTL policy for a key written without a TTL: the absolute expiry in ms,
 * or 0 for none (default-ttl and ttl-rule). */
int64_t command_default_expire(const char *key, size_t klen);

/* Units of a relative or absolute expiry argument. */
enum expire_unit { EXPIRE_SECONDS, EXPIRE_MILLISECONDS };

/* Turn an expiry argument into absolute Unix ms. `relative` adds now.
 * Replies the error and returns TC_ERR when the argument is not an integer,
 * or (when must_be_positive) not above zero, or overflows; the error names
 * `cmd` as Redis does ("ERR invalid expire time in 'set' command"). */
int command_parse_expire(struct conn *c, const struct arg *a, enum expire_unit unit,
                         int relative, int must_be_positive, const char *cmd, int64_t *out);

/* cmd_string.c */
command_proc cmd_get, cmd_set;

/* cmd_keyspace.c */
command_proc cmd_del, cmd_exists, cmd_ttl, cmd_pttl, cmd_expire, cmd_pexpire, cmd_persist,
    cmd_dbsize, cmd_flushall;

/* cmd_connection.c */
command_proc cmd_ping, cmd_echo, cmd_quit;

#endif
