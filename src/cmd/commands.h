/* Handlers of the command table, grouped by file, and what they share.
 * Private to the command module's files (command.c, cmd_*.c). */
#ifndef TIDECACHE_COMMANDS_H
#define TIDECACHE_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "tidecache/command.h"
#include "tidecache/object.h"
#include "tidecache/resp.h"

struct conn;
struct config;
struct htab;
struct item;
struct store;

/* The live config, for handlers that read options (default TTL...). */
const struct config *command_config(void);

/* The same object for its one writer, CONFIG SET. */
struct config *command_config_writable(void);

/* Case-insensitive comparison of an argument with a lower-case word. */
int arg_is(const struct arg *a, const char *word);

/* The value under key into *it (NULL when the key is missing), counted as
 * a keyspace hit or miss when `read` (a lookup whose value is answered, as
 * INFO counts them). When the key holds another type than `type`, replies
 * WRONGTYPE and returns TC_ERR. */
int command_lookup_typed(struct conn *c, const struct arg *key, enum object_type type, int read,
                         struct item **it);

/* The live item under key, found without marking it accessed (TTL, TYPE,
 * EXISTS, OBJECT: lookups that do not count as a use of the key, as in
 * Redis). An expired key is deleted as by any lookup. */
struct item *command_find_quietly(struct conn *c, const struct arg *key);

/* A SCAN-family cursor, read as Redis reads it: strtoull's syntax (so "-1"
 * wraps to the largest cursor and "" is 0), no leading space, nothing after
 * the digits, no overflow; else "ERR invalid cursor" and TC_ERR. */
int command_parse_cursor(struct conn *c, const struct arg *a, uint64_t *cursor);

#define SCAN_DEFAULT_COUNT 10   /* entries per call without COUNT, as Redis */
#define SCAN_STEPS_PER_COUNT 10 /* buckets visited per requested entry, at most */

struct scan_options {
    const struct arg *pattern; /* MATCH, or NULL */
    unsigned long long count;  /* COUNT, SCAN_DEFAULT_COUNT without */
    const struct arg *type;    /* TYPE (SCAN only), or NULL */
};

/* The options from argv[first] on: [MATCH pattern] [COUNT count] and, when
 * allow_type, [TYPE type], repeatable (the last counts). COUNT below 1 and
 * anything else are syntax errors, as in Redis. Replies and returns TC_ERR
 * on an error. */
int command_parse_scan_options(struct conn *c, size_t argc, struct arg *argv, size_t first,
                               int allow_type, struct scan_options *o);

/* Buckets a SCAN-family call may visit for COUNT count. */
unsigned long long scan_steps_for(unsigned long long count);

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

/* random.c: draws for SPOP, SRANDMEMBER, HRANDFIELD */
uint64_t command_rand(void);

/* Strings drawn so far, to keep draws distinct: a table counted in its own
 * counter, not in a keyspace's memory. */
struct drawn {
    size_t bytes;
    struct htab *h;
};
void drawn_init(struct drawn *d);
int drawn_add(struct drawn *d, const char *s, size_t len); /* 1 when new */
void drawn_free(struct drawn *d);

/* A reply of n draws with repetition is bounded only by n: RANDMEMBER-style
 * commands refuse one whose expected size (n times the mean bytes of a
 * drawn reply element) passes proto-max-bulk-len, which Redis would buffer
 * whole and run out of memory on. */
#define RANDOM_REPLY_SAMPLES 8  /* draws that estimate the mean */
#define BULK_OVERHEAD_BYTES 16  /* "$<len>\r\n...\r\n" around an element, at most */
#define RANDOM_REPLY_TOO_LARGE "ERR count is too large: the reply would exceed proto-max-bulk-len"
int command_repeat_reply_too_large(unsigned long long n, unsigned long long mean_bytes);

/* The count of SRANDMEMBER or HRANDFIELD: an integer whose negation fits
 * (Redis's range -LONG_MAX..LONG_MAX); replies the error and returns
 * TC_ERR otherwise. */
int command_parse_rand_count(struct conn *c, const struct arg *a, long long *count);

/* hash.c */
command_proc cmd_hset, cmd_hsetnx, cmd_hmset, cmd_hget, cmd_hmget, cmd_hgetall, cmd_hkeys,
    cmd_hvals, cmd_hlen, cmd_hexists, cmd_hdel, cmd_hincrby, cmd_hincrbyfloat, cmd_hstrlen,
    cmd_hrandfield, cmd_hscan, cmd_hexpire, cmd_hpexpire, cmd_hexpireat, cmd_hpexpireat,
    cmd_httl, cmd_hpttl, cmd_hexpiretime, cmd_hpexpiretime, cmd_hpersist;

/* object.c */
command_proc cmd_object, cmd_memory;
extern const struct command object_subcommands[], memory_subcommands[];
extern const size_t object_subcommand_count, memory_subcommand_count;

/* set.c */
command_proc cmd_sadd, cmd_srem, cmd_smembers, cmd_sismember, cmd_smismember, cmd_scard, cmd_spop,
    cmd_srandmember, cmd_smove, cmd_sinter, cmd_sintercard, cmd_sinterstore, cmd_sunion,
    cmd_sunionstore, cmd_sdiff, cmd_sdiffstore, cmd_sscan;

/* string.c */
command_proc cmd_get, cmd_set, cmd_mget, cmd_mset, cmd_msetnx, cmd_setnx, cmd_setex, cmd_psetex,
    cmd_getset, cmd_getdel, cmd_getex, cmd_append, cmd_strlen, cmd_getrange, cmd_setrange,
    cmd_incr, cmd_decr, cmd_incrby, cmd_decrby, cmd_incrbyfloat;

/* keyspace.c */
command_proc cmd_del, cmd_exists, cmd_ttl, cmd_pttl, cmd_expire, cmd_pexpire, cmd_persist,
    cmd_dbsize, cmd_touch, cmd_type, cmd_expireat, cmd_pexpireat, cmd_expiretime,
    cmd_pexpiretime, cmd_rename, cmd_renamenx, cmd_copy, cmd_move, cmd_randomkey, cmd_keys, cmd_scan;

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
