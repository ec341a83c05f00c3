/* command: the command table and dispatch; see include/tidecache/command.h. */
#include "tidecache/command.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/num.h"
#include "tidecache/reply.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"

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
    /* server */
    { .name = "dbsize", .arity = 1, .flags = CMD_READONLY | CMD_FAST,
      .proc = cmd_dbsize, .group = "server", .since = "1.0.0", .summary = "Returns the number of keys in the database.",
      .args = "" },
    { .name = "flushall", .arity = -1, .flags = CMD_WRITE,
      .proc = cmd_flushall, .group = "server", .since = "1.0.0", .summary = "Removes all keys from all databases.",
      .args = "[ASYNC | SYNC]" },
    /* connection */
    { .name = "ping", .arity = -1, .flags = CMD_FAST | CMD_STALE,
      .proc = cmd_ping, .group = "connection", .since = "1.0.0", .summary = "Returns the server's liveliness response.",
      .args = "[message]" },
    { .name = "echo", .arity = 2, .flags = CMD_FAST | CMD_STALE,
      .proc = cmd_echo, .group = "connection", .since = "1.0.0", .summary = "Returns the given string.",
      .args = "message" },
    { .name = "quit", .arity = -1, .flags = CMD_FAST | CMD_NOAUTH | CMD_LOADING | CMD_STALE,
      .proc = cmd_quit, .group = "connection", .since = "1.0.0", .summary = "Closes the connection.",
      .args = "" },
};
/* clang-format on */

#define TABLE_SIZE (sizeof table / sizeof table[0])

static const struct config *config;

static int command_cmp(const void *a, const void *b)
{
    return strcmp(((const struct command *)a)->name, ((const struct command *)b)->name);
}

void command_setup(const struct config *cfg)
{
    config = cfg;
    qsort(table, TABLE_SIZE, sizeof table[0], command_cmp);
}

const struct config *command_config(void)
{
    return config;
}

/* Binary search of the sorted table with the name folded to lower case in a
 * stack buffer: no allocation, about log2(table size) string compares. */
const struct command *command_lookup(const char *name, size_t len)
{
    char lower[COMMAND_NAME_MAX_BYTES];
    if (len == 0 || len >= sizeof lower)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    lower[len] = '\0';
    size_t lo = 0, hi = TABLE_SIZE;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(lower, table[mid].name);
        if (cmp == 0)
            return &table[mid];
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
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

void command_execute(struct conn *c, size_t argc, struct arg *argv)
{
    const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);
    if (!cmd) {
        reply_unknown_command(c, argc, argv);
        return;
    }
    if ((cmd->arity > 0 && argc != (size_t)cmd->arity) ||
        (cmd->arity < 0 && argc < (size_t)-cmd->arity)) {
        reply_wrong_arity(c, cmd->name);
        return;
    }
    stats.commands_processed++;
    cmd->proc(c, argc, argv);
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
