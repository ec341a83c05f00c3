/* command: the command table and dispatch; see include/tidecache/command.h. */
#include "tidecache/command.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/evict.h"
#include "tidecache/multi.h"
#include "tidecache/num.h"
#include "tidecache/reply.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"
#include "tidecache/store.h"

#define COMMAND_NAME_MAX_BYTES 32 /* longer names cannot be commands */
#define UNKNOWN_ARGS_QUOTED_BYTES 128 /* argument text quoted in the unknown-command error */

/* clang-format off */
static struct command table[] = {
    /* strings */
    { .name = "get", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_get, .group = "string", .since = "1.0.0", .summary = "Returns the string value of a key.",
      .args = "key" },
    { .name = "set", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_set, .group = "string", .since = "1.0.0",
      .summary = "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
      .args = "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]" },
    { .name = "mget", .arity = -2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_mget, .group = "string", .since = "1.0.0",
      .summary = "Atomically returns the string values of one or more keys.",
      .args = "key [key ...]" },
    { .name = "mset", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 2,
      .proc = cmd_mset, .group = "string", .since = "1.0.1",
      .summary = "Atomically creates or modifies the string values of one or more keys.",
      .args = "key value [key value ...]" },
    { .name = "msetnx", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 2,
      .proc = cmd_msetnx, .group = "string", .since = "1.0.1",
      .summary = "Atomically modifies the string values of one or more keys only when all keys don't exist.",
      .args = "key value [key value ...]" },
    { .name = "setnx", .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_setnx, .group = "string", .since = "1.0.0",
      .summary = "Set the string value of a key only when the key doesn't exist.",
      .args = "key value" },
    { .name = "setex", .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_setex, .group = "string", .since = "2.0.0",
      .summary = "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
      .args = "key seconds value" },
    { .name = "psetex", .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_psetex, .group = "string", .since = "2.6.0",
      .summary = "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
      .args = "key milliseconds value" },
    { .name = "getset", .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_getset, .group = "string", .since = "1.0.0",
      .summary = "Returns the previous string value of a key after setting it to a new value.",
      .args = "key value" },
    { .name = "getdel", .arity = 2, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_getdel, .group = "string", .since = "6.2.0",
      .summary = "Returns the string value of a key after deleting the key.",
      .args = "key" },
    { .name = "getex", .arity = -2, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_getex, .group = "string", .since = "6.2.0",
      .summary = "Returns the string value of a key after setting its expiration time.",
      .args = "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]" },
    { .name = "append", .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_append, .group = "string", .since = "2.0.0",
      .summary = "Appends a string to the value of a key. Creates the key if it doesn't exist.",
      .args = "key value" },
    { .name = "strlen", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_strlen, .group = "string", .since = "2.2.0",
      .summary = "Returns the length of a string value.",
      .args = "key" },
    { .name = "getrange", .arity = 4, .flags = CMD_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_getrange, .group = "string", .since = "2.4.0",
      .summary = "Returns a substring of the string stored at a key.",
      .args = "key start end" },
    { .name = "substr", .arity = 4, .flags = CMD_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_getrange, .group = "string", .since = "1.0.0",
      .summary = "Returns a substring from a string value.",
      .args = "key start end" },
    { .name = "setrange", .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_setrange, .group = "string", .since = "2.2.0",
      .summary = "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
      .args = "key offset value" },
    { .name = "incr", .arity = 2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_incr, .group = "string", .since = "1.0.0",
      .summary = "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
      .args = "key" },
    { .name = "decr", .arity = 2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_decr, .group = "string", .since = "1.0.0",
      .summary = "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
      .args = "key" },
    { .name = "incrby", .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_incrby, .group = "string", .since = "1.0.0",
      .summary = "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
      .args = "key increment" },
    { .name = "decrby", .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_decrby, .group = "string", .since = "1.0.0",
      .summary = "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
      .args = "key decrement" },
    { .name = "incrbyfloat", .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_incrbyfloat, .group = "string", .since = "2.6.0",
      .summary = "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
      .args = "key increment" },
    /* keyspace */
    { .name = "del", .arity = -2, .flags = CMD_WRITE, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_del, .group = "generic", .since = "1.0.0", .summary = "Deletes one or more keys.",
      .args = "key [key ...]" },
    { .name = "exists", .arity = -2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_exists, .group = "generic", .since = "1.0.0", .summary = "Determines whether one or more keys exist.",
      .args = "key [key ...]" },
    { .name = "ttl", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_ttl, .group = "generic", .since = "1.0.0", .summary = "Returns the expiration time in seconds of a key.",
      .args = "key" },
    { .name = "pttl", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_pttl, .group = "generic", .since = "2.6.0", .summary = "Returns the expiration time in milliseconds of a key.",
      .args = "key" },
    { .name = "expire", .arity = -3, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_expire, .group = "generic", .since = "1.0.0", .summary = "Sets the expiration time of a key in seconds.",
      .args = "key seconds [NX | XX | GT | LT]" },
    { .name = "pexpire", .arity = -3, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_pexpire, .group = "generic", .since = "2.6.0", .summary = "Sets the expiration time of a key in milliseconds.",
      .args = "key milliseconds [NX | XX | GT | LT]" },
    { .name = "persist", .arity = 2, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_persist, .group = "generic", .since = "2.2.0", .summary = "Removes the expiration time of a key.",
      .args = "key" },
    { .name = "unlink", .arity = -2, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_del, .group = "generic", .since = "4.0.0",
      .summary = "Asynchronously deletes one or more keys.",
      .args = "key [key ...]" },
    { .name = "touch", .arity = -2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_touch, .group = "generic", .since = "3.2.1",
      .summary = "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
      .args = "key [key ...]" },
    { .name = "type", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_type, .group = "generic", .since = "1.0.0",
      .summary = "Determines the type of value stored at a key.",
      .args = "key" },
    { .name = "expireat", .arity = -3, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_expireat, .group = "generic", .since = "1.2.0",
      .summary = "Sets the expiration time of a key to a Unix timestamp.",
      .args = "key unix-time-seconds [NX | XX | GT | LT]" },
    { .name = "pexpireat", .arity = -3, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_pexpireat, .group = "generic", .since = "2.6.0",
      .summary = "Sets the expiration time of a key to a Unix milliseconds timestamp.",
      .args = "key unix-time-milliseconds [NX | XX | GT | LT]" },
    { .name = "expiretime", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_expiretime, .group = "generic", .since = "7.0.0",
      .summary = "Returns the expiration time of a key as a Unix timestamp.",
      .args = "key" },
    { .name = "pexpiretime", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_pexpiretime, .group = "generic", .since = "7.0.0",
      .summary = "Returns the expiration time of a key as a Unix milliseconds timestamp.",
      .args = "key" },
    { .name = "rename", .arity = 3, .flags = CMD_WRITE, .first_key = 1, .last_key = 2, .key_step = 1,
      .proc = cmd_rename, .group = "generic", .since = "1.0.0",
      .summary = "Renames a key and overwrites the destination.",
      .args = "key newkey" },
    { .name = "renamenx", .arity = 3, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 2, .key_step = 1,
      .proc = cmd_renamenx, .group = "generic", .since = "1.0.0",
      .summary = "Renames a key only when the target key name doesn't exist.",
      .args = "key newkey" },
    { .name = "copy", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 2, .key_step = 1,
      .proc = cmd_copy, .group = "generic", .since = "6.2.0",
      .summary = "Copies the value of a key to a new key.",
      .args = "source destination [DB destination-db] [REPLACE]" },
    { .name = "move", .arity = 3, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_move, .group = "generic", .since = "1.0.0",
      .summary = "Moves a key to another database.",
      .args = "key db" },
    { .name = "object", .arity = -2, .flags = 0,
      .subcommands = object_subcommands, .subcommand_count = &object_subcommand_count,
      .proc = cmd_object, .group = "generic", .since = "2.2.3",
      .summary = "A container for object introspection commands.", .args = "" },
    { .name = "memory", .arity = -2, .flags = 0,
      .subcommands = memory_subcommands, .subcommand_count = &memory_subcommand_count,
      .proc = cmd_memory, .group = "server", .since = "4.0.0",
      .summary = "A container for memory diagnostics commands.", .args = "" },
    { .name = "randomkey", .arity = 1, .flags = CMD_READONLY,
      .proc = cmd_randomkey, .group = "generic", .since = "1.0.0",
      .summary = "Returns a random key name from the database.",
      .args = "" },
    { .name = "keys", .arity = 2, .flags = CMD_READONLY,
      .proc = cmd_keys, .group = "generic", .since = "1.0.0",
      .summary = "Returns all key names that match a pattern.",
      .args = "pattern" },
    { .name = "scan", .arity = -2, .flags = CMD_READONLY,
      .proc = cmd_scan, .group = "generic", .since = "2.8.0",
      .summary = "Iterates over the key names in the database.",
      .args = "cursor [MATCH pattern] [COUNT count] [TYPE type]" },
    /* server */
    { .name = "dbsize", .arity = 1, .flags = CMD_READONLY | CMD_FAST,
      .proc = cmd_dbsize, .group = "server", .since = "1.0.0", .summary = "Returns the number of keys in the database.",
      .args = "" },
    { .name = "flushall", .arity = -1, .flags = CMD_WRITE,
      .proc = cmd_flushall, .group = "server", .since = "1.0.0", .summary = "Removes all keys from all databases.",
      .args = "[ASYNC | SYNC]" },
    { .name = "flushdb", .arity = -1, .flags = CMD_WRITE,
      .proc = cmd_flushdb, .group = "server", .since = "1.0.0", .summary = "Removes all keys from the current database.",
      .args = "[ASYNC | SYNC]" },
    { .name = "info", .arity = -1, .flags = CMD_LOADING | CMD_STALE | CMD_RANDOM,
      .proc = cmd_info, .group = "server", .since = "1.0.0",
      .summary = "Returns information and statistics about the server.",
      .args = "[section [section ...]]" },
    { .name = "config", .arity = -2, .flags = 0,
      .subcommands = config_subcommands, .subcommand_count = &config_subcommand_count,
      .proc = cmd_config, .group = "server", .since = "2.0.0", .summary = "A container for server configuration commands.",
      .args = "" },
    { .name = "command", .arity = -1, .flags = CMD_LOADING | CMD_STALE,
      .subcommands = command_subcommands, .subcommand_count = &command_subcommand_count,
      .proc = cmd_command, .group = "server", .since = "2.8.13", .summary = "Returns detailed information about all commands.",
      .args = "" },
    { .name = "time", .arity = 1, .flags = CMD_LOADING | CMD_STALE | CMD_FAST | CMD_RANDOM,
      .proc = cmd_time, .group = "server", .since = "2.6.0", .summary = "Returns the server time.",
      .args = "" },
    { .name = "shutdown", .arity = -1, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_NO_MULTI | CMD_ALLOW_BUSY,
      .proc = cmd_shutdown, .group = "server", .since = "1.0.0", .summary = "Shuts down the server.",
      .args = "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]" },
    /* transactions */
    { .name = "multi", .arity = 1, .flags = CMD_FAST | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = cmd_multi, .group = "transactions", .since = "1.2.0",
      .summary = "Starts a transaction.", .args = "" },
    { .name = "exec", .arity = 1, .flags = CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_SKIP_SLOWLOG,
      .proc = cmd_exec, .group = "transactions", .since = "1.2.0",
      .summary = "Executes all commands in a transaction.", .args = "" },
    { .name = "discard", .arity = 1, .flags = CMD_FAST | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = cmd_discard, .group = "transactions", .since = "2.0.0",
      .summary = "Discards a transaction.", .args = "" },
    { .name = "watch", .arity = -2, .flags = CMD_FAST | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_watch, .group = "transactions", .since = "2.2.0",
      .summary = "Monitors changes to keys to determine the execution of a transaction.",
      .args = "key [key ...]" },
    { .name = "unwatch", .arity = 1, .flags = CMD_FAST | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = cmd_unwatch, .group = "transactions", .since = "2.2.0",
      .summary = "Forgets about watched keys of a transaction.", .args = "" },
    /* hashes */
    { .name = "hset", .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hset, .group = "hash", .since = "2.0.0",
      .summary = "Creates or modifies the value of a field in a hash.",
      .args = "key field value [field value ...]" },
    { .name = "hsetnx", .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hsetnx, .group = "hash", .since = "2.0.0",
      .summary = "Sets the value of a field in a hash only when the field doesn't exist.",
      .args = "key field value" },
    { .name = "hmset", .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hmset, .group = "hash", .since = "2.0.0",
      .summary = "Sets the values of multiple fields.",
      .args = "key field value [field value ...]" },
    { .name = "hget", .arity = 3, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hget, .group = "hash", .since = "2.0.0",
      .summary = "Returns the value of a field in a hash.",
      .args = "key field" },
    { .name = "hmget", .arity = -3, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hmget, .group = "hash", .since = "2.0.0",
      .summary = "Returns the values of all fields in a hash.",
      .args = "key field [field ...]" },
    { .name = "hgetall", .arity = 2, .flags = CMD_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hgetall, .group = "hash", .since = "2.0.0",
      .summary = "Returns all fields and values in a hash.",
      .args = "key" },
    { .name = "hkeys", .arity = 2, .flags = CMD_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hkeys, .group = "hash", .since = "2.0.0",
      .summary = "Returns all fields in a hash.",
      .args = "key" },
    { .name = "hvals", .arity = 2, .flags = CMD_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hvals, .group = "hash", .since = "2.0.0",
      .summary = "Returns all values in a hash.",
      .args = "key" },
    { .name = "hlen", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hlen, .group = "hash", .since = "2.0.0",
      .summary = "Returns the number of fields in a hash.",
      .args = "key" },
    { .name = "hexists", .arity = 3, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hexists, .group = "hash", .since = "2.0.0",
      .summary = "Determines whether a field exists in a hash.",
      .args = "key field" },
    { .name = "hdel", .arity = -3, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hdel, .group = "hash", .since = "2.0.0",
      .summary = "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
      .args = "key field [field ...]" },
    { .name = "hincrby", .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hincrby, .group = "hash", .since = "2.0.0",
      .summary = "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
      .args = "key field increment" },
    { .name = "hincrbyfloat", .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hincrbyfloat, .group = "hash", .since = "2.6.0",
      .summary = "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
      .args = "key field increment" },
    { .name = "hstrlen", .arity = 3, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hstrlen, .group = "hash", .since = "3.2.0",
      .summary = "Returns the length of the value of a field.",
      .args = "key field" },
    { .name = "hrandfield", .arity = -2, .flags = CMD_READONLY | CMD_RANDOM, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hrandfield, .group = "hash", .since = "6.2.0",
      .summary = "Returns one or more random fields from a hash.",
      .args = "key [count [WITHVALUES]]" },
    { .name = "hscan", .arity = -3, .flags = CMD_READONLY | CMD_RANDOM, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hscan, .group = "hash", .since = "2.8.0",
      .summary = "Iterates over fields and values of a hash.",
      .args = "key cursor [MATCH pattern] [COUNT count] [NOVALUES]" },
    { .name = "hexpire", .arity = -6, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hexpire, .group = "hash", .since = "7.4.0",
      .summary = "Set expiry for hash field using relative time to expire (seconds)",
      .args = "key seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]" },
    { .name = "hpexpire", .arity = -6, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hpexpire, .group = "hash", .since = "7.4.0",
      .summary = "Set expiry for hash field using relative time to expire (milliseconds)",
      .args = "key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]" },
    { .name = "hexpireat", .arity = -6, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hexpireat, .group = "hash", .since = "7.4.0",
      .summary = "Set expiry for hash field using an absolute Unix timestamp (seconds)",
      .args = "key unix-time-seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]" },
    { .name = "hpexpireat", .arity = -6, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hpexpireat, .group = "hash", .since = "7.4.0",
      .summary = "Set expiry for hash field using an absolute Unix timestamp (milliseconds)",
      .args = "key unix-time-milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]" },
    { .name = "httl", .arity = -5, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_httl, .group = "hash", .since = "7.4.0",
      .summary = "Returns the TTL in seconds of a hash field.",
      .args = "key FIELDS numfields field [field ...]" },
    { .name = "hpttl", .arity = -5, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hpttl, .group = "hash", .since = "7.4.0",
      .summary = "Returns the TTL in milliseconds of a hash field.",
      .args = "key FIELDS numfields field [field ...]" },
    { .name = "hexpiretime", .arity = -5, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hexpiretime, .group = "hash", .since = "7.4.0",
      .summary = "Returns the expiration time of a hash field as a Unix timestamp, in seconds.",
      .args = "key FIELDS numfields field [field ...]" },
    { .name = "hpexpiretime", .arity = -5, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hpexpiretime, .group = "hash", .since = "7.4.0",
      .summary = "Returns the expiration time of a hash field as a Unix timestamp, in msec.",
      .args = "key FIELDS numfields field [field ...]" },
    { .name = "hpersist", .arity = -5, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_hpersist, .group = "hash", .since = "7.4.0",
      .summary = "Removes the expiration time for each specified field",
      .args = "key FIELDS numfields field [field ...]" },
    /* sets */
    { .name = "sadd", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_sadd, .group = "set", .since = "1.0.0",
      .summary = "Adds one or more members to a set. Creates the key if it doesn't exist.",
      .args = "key member [member ...]" },
    { .name = "srem", .arity = -3, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_srem, .group = "set", .since = "1.0.0",
      .summary = "Removes one or more members from a set. Deletes the set if the last member was removed.",
      .args = "key member [member ...]" },
    { .name = "smembers", .arity = 2, .flags = CMD_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_smembers, .group = "set", .since = "1.0.0",
      .summary = "Returns all members of a set.",
      .args = "key" },
    { .name = "sismember", .arity = 3, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_sismember, .group = "set", .since = "1.0.0",
      .summary = "Determines whether a member belongs to a set.",
      .args = "key member" },
    { .name = "smismember", .arity = -3, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_smismember, .group = "set", .since = "6.2.0",
      .summary = "Determines whether multiple members belong to a set.",
      .args = "key member [member ...]" },
    { .name = "scard", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_scard, .group = "set", .since = "1.0.0",
      .summary = "Returns the number of members in a set.",
      .args = "key" },
    { .name = "spop", .arity = -2, .flags = CMD_WRITE | CMD_FAST | CMD_RANDOM, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_spop, .group = "set", .since = "1.0.0",
      .summary = "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
      .args = "key [count]" },
    { .name = "srandmember", .arity = -2, .flags = CMD_READONLY | CMD_RANDOM, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_srandmember, .group = "set", .since = "1.0.0",
      .summary = "Get one or multiple random members from a set",
      .args = "key [count]" },
    { .name = "smove", .arity = 4, .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 2, .key_step = 1,
      .proc = cmd_smove, .group = "set", .since = "1.0.0",
      .summary = "Moves a member from one set to another.",
      .args = "source destination member" },
    { .name = "sinter", .arity = -2, .flags = CMD_READONLY, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_sinter, .group = "set", .since = "1.0.0",
      .summary = "Returns the intersect of multiple sets.",
      .args = "key [key ...]" },
    { .name = "sinterstore", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_sinterstore, .group = "set", .since = "1.0.0",
      .summary = "Stores the intersect of multiple sets in a key.",
      .args = "destination key [key ...]" },
    { .name = "sunion", .arity = -2, .flags = CMD_READONLY, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_sunion, .group = "set", .since = "1.0.0",
      .summary = "Returns the union of multiple sets.",
      .args = "key [key ...]" },
    { .name = "sunionstore", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_sunionstore, .group = "set", .since = "1.0.0",
      .summary = "Stores the union of multiple sets in a key.",
      .args = "destination key [key ...]" },
    { .name = "sdiff", .arity = -2, .flags = CMD_READONLY, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_sdiff, .group = "set", .since = "1.0.0",
      .summary = "Returns the difference of multiple sets.",
      .args = "key [key ...]" },
    { .name = "sdiffstore", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 1,
      .proc = cmd_sdiffstore, .group = "set", .since = "1.0.0",
      .summary = "Stores the difference of multiple sets in a key.",
      .args = "destination key [key ...]" },
    { .name = "sscan", .arity = -3, .flags = CMD_READONLY | CMD_RANDOM, .first_key = 1, .last_key = 1, .key_step = 1,
      .proc = cmd_sscan, .group = "set", .since = "2.8.0",
      .summary = "Iterates over members of a set.",
      .args = "key cursor [MATCH pattern] [COUNT count]" },
    { .name = "sintercard", .arity = -3, .flags = CMD_READONLY, .numkeys_at = 1,
      .proc = cmd_sintercard, .group = "set", .since = "7.0.0",
      .summary = "Returns the number of members of the intersect of multiple sets.",
      .args = "numkeys key [key ...] [LIMIT limit]" },
    /* scripting */
    { .name = "eval", .arity = -3,
      .flags = CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS,
      .numkeys_at = 2, .flags_of = eval_call_flags,
      .proc = cmd_eval, .group = "scripting", .since = "2.6.0",
      .summary = "Executes a server-side Lua script.",
      .args = "script numkeys [key [key ...]] [arg [arg ...]]" },
    { .name = "evalsha", .arity = -3,
      .flags = CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS,
      .numkeys_at = 2, .flags_of = eval_call_flags,
      .proc = cmd_evalsha, .group = "scripting", .since = "2.6.0",
      .summary = "Executes a server-side Lua script by SHA1 digest.",
      .args = "sha1 numkeys [key [key ...]] [arg [arg ...]]" },
    { .name = "eval_ro", .arity = -3,
      .flags = CMD_READONLY | CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS,
      .numkeys_at = 2, .flags_of = eval_call_flags,
      .proc = cmd_eval_ro, .group = "scripting", .since = "7.0.0",
      .summary = "Executes a read-only server-side Lua script.",
      .args = "script numkeys [key [key ...]] [arg [arg ...]]" },
    { .name = "evalsha_ro", .arity = -3,
      .flags = CMD_READONLY | CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS,
      .numkeys_at = 2, .flags_of = eval_call_flags,
      .proc = cmd_evalsha_ro, .group = "scripting", .since = "7.0.0",
      .summary = "Executes a read-only server-side Lua script by SHA1 digest.",
      .args = "sha1 numkeys [key [key ...]] [arg [arg ...]]" },
    { .name = "script", .arity = -2, .flags = 0,
      .subcommands = script_subcommands, .subcommand_count = &script_subcommand_count,
      .proc = cmd_script, .group = "scripting", .since = "2.6.0",
      .summary = "A container for Lua scripts management commands.", .args = "" },
    { .name = "fcall", .arity = -3,
      .flags = CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS,
      .numkeys_at = 2, .flags_of = fcall_call_flags,
      .proc = cmd_fcall, .group = "scripting", .since = "7.0.0",
      .summary = "Invokes a function.",
      .args = "function numkeys [key [key ...]] [arg [arg ...]]" },
    { .name = "fcall_ro", .arity = -3,
      .flags = CMD_READONLY | CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS,
      .numkeys_at = 2, .flags_of = fcall_call_flags,
      .proc = cmd_fcall_ro, .group = "scripting", .since = "7.0.0",
      .summary = "Invokes a read-only function.",
      .args = "function numkeys [key [key ...]] [arg [arg ...]]" },
    { .name = "function", .arity = -2, .flags = 0,
      .subcommands = function_subcommands, .subcommand_count = &function_subcommand_count,
      .proc = cmd_function, .group = "scripting", .since = "7.0.0",
      .summary = "A container for function commands.", .args = "" },
    /* connection */
    { .name = "ping", .arity = -1, .flags = CMD_FAST,
      .proc = cmd_ping, .group = "connection", .since = "1.0.0", .summary = "Returns the server's liveliness response.",
      .args = "[message]" },
    { .name = "echo", .arity = 2, .flags = CMD_FAST | CMD_LOADING | CMD_STALE,
      .proc = cmd_echo, .group = "connection", .since = "1.0.0", .summary = "Returns the given string.",
      .args = "message" },
    { .name = "quit", .arity = -1, .flags = CMD_FAST | CMD_NOAUTH | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = cmd_quit, .group = "connection", .since = "1.0.0", .summary = "Closes the connection.",
      .args = "" },
    { .name = "hello", .arity = -1, .flags = CMD_FAST | CMD_NOAUTH | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = cmd_hello, .group = "connection", .since = "6.0.0", .summary = "Handshakes with the Redis server.",
      .args = "[protover [AUTH username password] [SETNAME clientname]]" },
    { .name = "auth", .arity = -2, .flags = CMD_FAST | CMD_NOAUTH | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = cmd_auth, .group = "connection", .since = "1.0.0", .summary = "Authenticates the connection.",
      .args = "[username] password" },
    { .name = "select", .arity = 2, .flags = CMD_FAST | CMD_LOADING | CMD_STALE,
      .proc = cmd_select, .group = "connection", .since = "1.0.0", .summary = "Changes the selected database.",
      .args = "index" },
    { .name = "reset", .arity = 1, .flags = CMD_FAST | CMD_NOAUTH | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_ALLOW_BUSY,
      .proc = cmd_reset, .group = "connection", .since = "6.2.0", .summary = "Resets the connection.",
      .args = "" },
    { .name = "client", .arity = -2, .flags = 0,
      .subcommands = client_subcommands, .subcommand_count = &client_subcommand_count,
      .proc = cmd_client, .group = "connection", .since = "2.4.0", .summary = "A container for client connection commands.",
      .args = "" },
};
/* clang-format on */

#define TABLE_SIZE (sizeof table / sizeof table[0])

static struct config *config;

static int command_cmp(const void *a, const void *b)
{
    return strcmp(((const struct command *)a)->name, ((const struct command *)b)->name);
}

/* Name lookup runs for every request (and every redis.call of a script):
 * an open-addressing index over the table, hashed on the name folded to
 * lower case in the same pass that reads it. Slot values are table
 * positions + 1, 0 for an empty slot. Sized for a load under 1/2 at the
 * command counts the table will reach. */
#define COMMAND_INDEX_SLOTS 1024
#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u
static uint16_t name_index[COMMAND_INDEX_SLOTS];
static uint8_t name_lengths[TABLE_SIZE];

_Static_assert(TABLE_SIZE * 2 <= COMMAND_INDEX_SLOTS, "command index too small for the table");

static uint32_t name_hash_step(uint32_t h, unsigned char ch)
{
    return (h ^ ch) * FNV_PRIME;
}

void command_setup(struct config *cfg)
{
    config = cfg;
    qsort(table, TABLE_SIZE, sizeof table[0], command_cmp);
    memset(name_index, 0, sizeof name_index);
    for (size_t i = 0; i < TABLE_SIZE; i++) {
        size_t len = strlen(table[i].name);
        uint32_t h = FNV_OFFSET;
        for (size_t j = 0; j < len; j++)
            h = name_hash_step(h, (unsigned char)table[i].name[j]);
        size_t slot = h & (COMMAND_INDEX_SLOTS - 1);
        while (name_index[slot])
            slot = (slot + 1) & (COMMAND_INDEX_SLOTS - 1);
        name_index[slot] = (uint16_t)(i + 1);
        name_lengths[i] = (uint8_t)len;
    }
}

const struct config *command_config(void)
{
    return config;
}

struct config *command_config_writable(void)
{
    return config;
}

/* The name is folded into a stack buffer while it is hashed; a candidate
 * matches on length and bytes (a NUL inside the name never matches: table
 * names have none, so "get\0x" is no GET). No allocation. */
const struct command *command_lookup(const char *name, size_t len)
{
    char lower[COMMAND_NAME_MAX_BYTES];
    if (len == 0 || len >= sizeof lower)
        return NULL;
    uint32_t h = FNV_OFFSET;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
        h = name_hash_step(h, (unsigned char)lower[i]);
    }
    for (size_t slot = h & (COMMAND_INDEX_SLOTS - 1); name_index[slot];
         slot = (slot + 1) & (COMMAND_INDEX_SLOTS - 1)) {
        size_t i = name_index[slot] - 1u;
        if (name_lengths[i] == len && memcmp(table[i].name, lower, len) == 0)
            return &table[i];
    }
    return NULL;
}

/* Redis's text: the name and up to 128 bytes of the arguments, each quoted
 * and followed by a space. */
static void reply_unknown_command(struct conn *c, size_t argc, struct arg *argv)
{
    char args[UNKNOWN_ARGS_QUOTED_BYTES * 2 + 16];
    size_t used = 0;
    args[0] = '\0';
    for (size_t i = 1; i < argc && used < UNKNOWN_ARGS_QUOTED_BYTES; i++) {
        int room = (int)(UNKNOWN_ARGS_QUOTED_BYTES - used);
        int take = argv[i].len < (size_t)room ? (int)argv[i].len : room;
        used += (size_t)snprintf(args + used, sizeof args - used, "'%.*s' ", take, argv[i].ptr);
    }
    int name_len = argv[0].len < 128 ? (int)argv[0].len : 128;
    reply_errorf(c, "ERR unknown command '%.*s', with args beginning with: %s", name_len,
                 argv[0].ptr, args);
}

/* Redis checks a container's subcommand (unknown name, wrong arity) before
 * authentication. On a connection that is refused with NOAUTH, reply that
 * error instead when there is one, and return 1; 0 when the subcommand is
 * valid (or cmd is no container). Only the refused path pays for this. */
static int reject_bad_subcommand(struct conn *c, const struct command *cmd, size_t argc,
                                 struct arg *argv)
{
    size_t n;
    const struct command *subs = command_subcommands_of(cmd, &n);
    if (!subs || argc < 2)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *bar = strchr(subs[i].name, '|');
        if (!arg_is(&argv[1], bar ? bar + 1 : subs[i].name))
            continue;
        int arity = subs[i].arity;
        if ((arity > 0 && argc == (size_t)arity) || (arity < 0 && argc >= (size_t)-arity))
            return 0;
        break;
    }
    char upper[COMMAND_NAME_MAX_BYTES];
    size_t len = strlen(cmd->name);
    for (size_t i = 0; i <= len && i < sizeof upper; i++) {
        char ch = cmd->name[i];
        upper[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    upper[sizeof upper - 1] = '\0';
    command_run_subcommand(c, argc, argv, upper, subs, n); /* replies the error only */
    return 1;
}

/* Refuse cmd with error (Redis's text, its code first). EXEC refused
 * inside MULTI discards the transaction, answering EXECABORT with the
 * reason (its "ERR " dropped), as Redis's rejectCommand does; any other
 * command refused inside MULTI makes EXEC fail later. */
static void reject(struct conn *c, const struct command *cmd, const char *error)
{
    if (cmd->proc == cmd_exec && multi_open(c)) {
        if (strncmp(error, "ERR ", 4) == 0)
            error += 4;
        reply_errorf(c, "EXECABORT Transaction discarded because of: %s", error);
        multi_reset(c);
        return;
    }
    reply_error(c, error);
    multi_flag_error(c);
}

/* Over maxmemory when the command being run began (after eviction had its
 * chance), for the scripts it starts; set by command_execute. */
static int over_memory_at_start;

/* While a script is busy, the error other clients get (NULL otherwise). */
static const char *busy_error;

int command_over_memory(void)
{
    return over_memory_at_start;
}

void command_set_busy(const char *error)
{
    busy_error = error;
}

/* The memory cap, as Redis checks it before every command: over maxmemory,
 * keys are evicted first (for at most EVICT_COMMAND_BUDGET_US); when memory
 * stays over and nothing can be evicted, a command that may grow memory
 * (flags, as this call has them) is refused with the OOM error, and 1
 * returned. Inside MULTI every command is, but those that end or leave
 * the transaction; EXEC is when a queued command may grow memory, and then
 * discards the transaction. Not checked while a script is busy: the script
 * holds the keyspace. */
static int refused_for_memory(struct conn *c, const struct command *cmd, unsigned flags)
{
    over_memory_at_start = 0;
    if (config->maxmemory == 0 || busy_error)
        return 0;
    over_memory_at_start = evict_perform(config, EVICT_COMMAND_BUDGET_US) == EVICT_FAIL;
    if (!over_memory_at_start)
        return 0;
    int in_multi = multi_open(c);
    int is_exec = cmd->proc == cmd_exec;
    int ends_multi = is_exec || cmd->proc == cmd_discard || cmd->proc == cmd_quit ||
                     cmd->proc == cmd_reset;
    if (is_exec && in_multi && !(multi_queued_flags(c) & CMD_DENYOOM))
        return 0;
    if (!(is_exec && in_multi) && !(flags & CMD_DENYOOM) && !(in_multi && !ends_multi))
        return 0;
    reject(c, cmd, EVICT_OOM_ERROR);
    return 1;
}

/* Run the handler. A CLIENT NO-TOUCH connection leaves the keys' access
 * marks (LRU/LFU) alone, except with TOUCH, as in Redis. */
void command_call(struct conn *c, const struct command *cmd, size_t argc, struct arg *argv)
{
    int no_touch = (c->flags & CONN_NO_TOUCH) && cmd->proc != cmd_touch;
    stats.commands_processed++;
    if (no_touch)
        store_set_touching(0);
    cmd->proc(c, argc, argv);
    if (no_touch)
        store_set_touching(1);
}

void command_execute(struct conn *c, size_t argc, struct arg *argv)
{
    const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);
    c->cmd_name = cmd ? cmd->name : NULL; /* CLIENT LIST's cmd= */
    c->cmd_sub = NULL;
    if (!cmd) {
        reply_unknown_command(c, argc, argv);
        multi_flag_error(c);
        return;
    }
    if ((cmd->arity > 0 && argc != (size_t)cmd->arity) ||
        (cmd->arity < 0 && argc < (size_t)-cmd->arity)) {
        char error[COMMAND_NAME_MAX_BYTES + 64];
        snprintf(error, sizeof error, "ERR wrong number of arguments for '%s' command",
                 cmd->name);
        reject(c, cmd, error);
        return;
    }
    /* Redis's order: unknown command and arity errors come before NOAUTH. */
    if (!(cmd->flags & CMD_NOAUTH) && conn_auth_required(c)) {
        if (reject_bad_subcommand(c, cmd, argc, argv))
            multi_flag_error(c);
        else
            reject(c, cmd, "NOAUTH Authentication required.");
        return;
    }
    const struct command *effective = command_resolve(cmd, argc, argv);
    unsigned flags = effective->flags_of ? effective->flags_of(effective, argc, argv)
                                         : effective->flags;
    if (refused_for_memory(c, cmd, flags))
        return;
    if (busy_error && !(flags & CMD_ALLOW_BUSY)) {
        reject(c, cmd, busy_error);
        return;
    }
    if (multi_queue(c, cmd, flags, argc, argv))
        return;
    command_call(c, cmd, argc, argv);
}

const struct command *command_resolve(const struct command *cmd, size_t argc,
                                      const struct arg *argv)
{
    size_t n;
    const struct command *subs = command_subcommands_of(cmd, &n);
    if (!subs || argc < 2)
        return cmd;
    for (size_t i = 0; i < n; i++) {
        const char *bar = strchr(subs[i].name, '|');
        if (arg_is(&argv[1], bar ? bar + 1 : subs[i].name))
            return &subs[i];
    }
    return cmd;
}

void command_conn_release(struct conn *c)
{
    multi_reset(c);
}

size_t command_count(void)
{
    return TABLE_SIZE;
}

const struct command *command_at(size_t i)
{
    return i < TABLE_SIZE ? &table[i] : NULL;
}

int arg_is(const struct arg *a, const char *word)
{
    size_t n = strlen(word);
    return a->len == n && strncasecmp(a->ptr, word, n) == 0;
}

int command_lookup_typed(struct conn *c, const struct arg *key, enum object_type type, int read,
                         struct item **it)
{
    *it = store_find(c->db, key->ptr, key->len);
    if (read) {
        if (*it)
            stats.keyspace_hits++;
        else
            stats.keyspace_misses++;
    }
    if (*it && item_type(*it) != type) {
        reply_wrong_type(c);
        return TC_ERR;
    }
    return TC_OK;
}

struct item *command_find_quietly(struct conn *c, const struct arg *key)
{
    int was = store_touching();
    store_set_touching(0);
    struct item *it = store_find(c->db, key->ptr, key->len);
    store_set_touching(was);
    return it;
}

int command_parse_cursor(struct conn *c, const struct arg *a, uint64_t *cursor)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(a->ptr, &end, 10); /* arguments end in a NUL */
    if (isspace((unsigned char)a->ptr[0]) || *end != '\0' || errno == ERANGE) {
        reply_error(c, "ERR invalid cursor");
        return TC_ERR;
    }
    *cursor = v;
    return TC_OK;
}

int command_parse_scan_options(struct conn *c, size_t argc, struct arg *argv, size_t first,
                               int allow_type, struct scan_options *o)
{
    o->pattern = NULL;
    o->count = SCAN_DEFAULT_COUNT;
    o->type = NULL;
    for (size_t j = first; j < argc; j += 2) {
        if (j + 1 >= argc) {
            reply_syntax_error(c);
            return TC_ERR;
        }
        if (arg_is(&argv[j], "count")) {
            long long v;
            if (!num_parse_ll(argv[j + 1].ptr, argv[j + 1].len, &v)) {
                reply_not_integer(c);
                return TC_ERR;
            }
            if (v < 1) {
                reply_syntax_error(c);
                return TC_ERR;
            }
            o->count = (unsigned long long)v;
        } else if (arg_is(&argv[j], "match")) {
            o->pattern = &argv[j + 1];
        } else if (allow_type && arg_is(&argv[j], "type")) {
            o->type = &argv[j + 1];
        } else {
            reply_syntax_error(c);
            return TC_ERR;
        }
    }
    return TC_OK;
}

unsigned long long scan_steps_for(unsigned long long count)
{
    return count > ULLONG_MAX / SCAN_STEPS_PER_COUNT ? ULLONG_MAX : count * SCAN_STEPS_PER_COUNT;
}

int64_t command_default_expire(const char *key, size_t klen)
{
    int64_t ttl_ms = config_ttl_ms_for_key(config, key, klen);
    return ttl_ms ? clock_now_ms() + ttl_ms : 0;
}

int command_parse_expire(struct conn *c, const struct arg *a, enum expire_unit unit,
                         int relative, int must_be_positive, const char *cmd, int64_t *out)
{
    long long v;
    if (!num_parse_ll(a->ptr, a->len, &v)) {
        reply_not_integer(c);
        return TC_ERR;
    }
    int valid = !(must_be_positive && v <= 0);
    if (valid && unit == EXPIRE_SECONDS) {
        if (v > LLONG_MAX / 1000 || v < LLONG_MIN / 1000)
            valid = 0;
        else
            v *= 1000;
    }
    if (valid && relative) {
        int64_t now = clock_now_ms();
        if (v > LLONG_MAX - now)
            valid = 0;
        else
            v += now;
    }
    if (!valid) {
        reply_errorf(c, "ERR invalid expire time in '%s' command", cmd);
        return TC_ERR;
    }
    *out = v;
    return TC_OK;
}
