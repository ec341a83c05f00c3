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

/* The same object for its one writer, CONFIG SET. */
struct config *command_config_writable(void);

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

/* string.c */
command_proc cmd_get, cmd_set, cmd_mget, cmd_mset, cmd_msetnx, cmd_setnx, cmd_setex, cmd_psetex,
    cmd_getset, cmd_getdel, cmd_getex, cmd_append, cmd_strlen, cmd_getrange, cmd_setrange,
    cmd_incr, cmd_decr, cmd_incrby, cmd_decrby, cmd_incrbyfloat;

/* keyspace.c */
command_proc cmd_del, cmd_exists, cmd_ttl, cmd_pttl, cmd_expire, cmd_pexpire, cmd_persist,
    cmd_dbsize, cmd_touch, cmd_type, cmd_expireat, cmd_pexpireat, cmd_expiretime,
    cmd_pexpiretime, cmd_rename, cmd_renamenx, cmd_copy, cmd_randomkey, cmd_keys, cmd_scan;

/* multi.c */
command_proc cmd_multi, cmd_exec, cmd_discard, cmd_watch, cmd_unwatch;

/* scripting.c, functions.c */
command_proc cmd_eval, cmd_evalsha, cmd_eval_ro, cmd_evalsha_ro, cmd_script, cmd_fcall,
    cmd_fcall_ro, cmd_function;
extern const struct command script_subcommands[];
extern const size_t script_subcommand_count;
extern const struct command function_subcommands[];
extern const size_t function_subcommand_count;
/* The flags of one EVAL or FCALL call (command.flags_of). */
unsigned eval_call_flags(const struct command *cmd, size_t argc, struct arg *argv);
unsigned fcall_call_flags(const struct command *cmd, size_t argc, struct arg *argv);
/* numkeys of "x numkeys key ... arg ..." (keys start at index after):
 * Redis's checks and errors. Returns 0 with the count, or -1 after
 * replying the error. */
int command_parse_numkeys(struct conn *c, size_t argc, const struct arg *numkeys_arg,
                          size_t after, size_t *out);

/* connection.c */
command_proc cmd_ping, cmd_echo, cmd_quit, cmd_hello, cmd_auth, cmd_select, cmd_reset, cmd_client;
/* CLIENT's subcommands ("client|id", ...), in the form of CONFIG's below. */
extern const struct command client_subcommands[];
extern const size_t client_subcommand_count;

/* server.c, info.c, introspection.c */
command_proc cmd_config, cmd_flushdb, cmd_flushall, cmd_time, cmd_shutdown, cmd_info, cmd_command;

/* Subcommands of the containers CONFIG and COMMAND, each a full descriptor
 * named "container|sub" (arity counted from the container's name), so that
 * COMMAND describes them as Redis does. */
extern const struct command config_subcommands[];
extern const size_t config_subcommand_count;
extern const struct command command_subcommands[];
extern const size_t command_subcommand_count;


/* Run subcommand argv[1] of a container from its table: sets c->cmd_sub,
 * checks the subcommand's arity ("ERR wrong number of arguments for
 * 'config|get' command") and answers Redis's "ERR unknown subcommand 'x'.
 * Try CONFIG HELP." (upper is the container's name in capitals). */
void command_run_subcommand(struct conn *c, size_t argc, struct arg *argv, const char *upper,
                            const struct command *subs, size_t n);

/* A container's HELP reply: the "UPPER <subcommand> [<arg> [value] [opt]
 * ...]. Subcommands are:" line, the NULL-terminated lines, then HELP's own
 * two lines, each a status string. */
void command_reply_help(struct conn *c, const char *upper, const char *const *lines);

/* Redis's reply for a subcommand given arguments it does not take: "ERR
 * unknown subcommand or wrong number of arguments for 'flush'. Try
 * FUNCTION HELP." (upper is the container's name in capitals). */
void command_reply_subcommand_syntax_error(struct conn *c, const struct arg *argv,
                                           const char *upper);

#endif
