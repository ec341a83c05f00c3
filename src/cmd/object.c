/* Key introspection: OBJECT ENCODING, FREQ, REFCOUNT, HELP and MEMORY
 * USAGE, HELP. They read a key without marking it accessed (the eviction
 * policies' access field stays as it was), as Redis does. */
#include <limits.h>
#include <stdint.h>

#include "commands.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/num.h"
#include "tidecache/object.h"
#include "tidecache/reply.h"
#include "tidecache/store.h"

/* The live item under key, found without marking it accessed; NULL (with
 * nil replied) when missing. */
static struct item *peek_or_nil(struct conn *c, const struct arg *key)
{
    struct item *it = command_find_quietly(c, key);
    if (!it)
        reply_null(c);
    return it;
}

/* OBJECT ENCODING key: Redis's name for how the value is kept. */
static void object_encoding(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it = peek_or_nil(c, &argv[2]);
    if (!it)
        return;
    if (item_type(it) == OBJ_STRING)
        reply_cstr(c, object_string_encoding(item_value(it), item_value_len(it)));
    else
        reply_cstr(c, object_encoding_name(item_tag(it)));
}

static int policy_is_lfu(int policy)
{
    return policy == MAXMEMORY_ALLKEYS_LFU || policy == MAXMEMORY_VOLATILE_LFU;
}

/* OBJECT FREQ key: the logarithmic access counter of the LFU policies
 * (0..31 here: see include/tidecache/store.h); an error under others. */
static void object_freq(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it = peek_or_nil(c, &argv[2]);
    if (!it)
        return;
    if (!policy_is_lfu(command_config()->maxmemory_policy)) {
        reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not "
                       "tracked. Please note that when switching between policies at runtime "
                       "LRU and LFU data will take some time to adjust.");
        return;
    }
    reply_int(c, item_access(it));
}

/* Redis shares the values 0..9999 of integer strings between keys (so
 * their REFCOUNT reads as INT_MAX) unless an LRU or LFU policy needs each
 * key's own access data. */
#define SHARED_INTEGERS 10000

static int shares_integers(const struct config *cfg)
{
    int p = cfg->maxmemory_policy;
    return cfg->maxmemory == 0 ||
           !(p == MAXMEMORY_ALLKEYS_LRU || p == MAXMEMORY_VOLATILE_LRU || policy_is_lfu(p));
}

/* OBJECT REFCOUNT key: 1, or INT_MAX for a value Redis would share. Every
 * key here owns its value; the figure is Redis's, for clients that read
 * it. */
static void object_refcount(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it = peek_or_nil(c, &argv[2]);
    if (!it)
        return;
    long long n;
    int shared = item_type(it) == OBJ_STRING &&
                 object_string_encoding(item_value(it), item_value_len(it))[0] == 'i' &&
                 num_parse_ll(item_value(it), item_value_len(it), &n) && n >= 0 &&
                 n < SHARED_INTEGERS && shares_integers(command_config());
    reply_int(c, shared ? INT_MAX : 1);
}

static const char *const object_help_lines[] = {
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    NULL,
};

static void object_help(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    command_reply_help(c, "OBJECT", object_help_lines);
}

/* clang-format off */
const struct command object_subcommands[] = {
    { .name = "object|encoding", .arity = 3, .flags = CMD_READONLY,
      .first_key = 2, .last_key = 2, .key_step = 1,
      .proc = object_encoding, .group = "generic", .since = "2.2.3",
      .summary = "Returns the internal encoding of a Redis object.", .args = "key" },
    { .name = "object|freq", .arity = 3, .flags = CMD_READONLY,
      .first_key = 2, .last_key = 2, .key_step = 1,
      .proc = object_freq, .group = "generic", .since = "4.0.0",
      .summary = "Returns the logarithmic access frequency counter of a Redis object.",
      .args = "key" },
    { .name = "object|refcount", .arity = 3, .flags = CMD_READONLY,
      .first_key = 2, .last_key = 2, .key_step = 1,
      .proc = object_refcount, .group = "generic", .since = "2.2.3",
      .summary = "Returns the reference count of a value of a key.", .args = "key" },
    { .name = "object|help", .arity = 2, .flags = CMD_LOADING | CMD_STALE,
      .proc = object_help, .group = "generic", .since = "6.2.0",
      .summary = "Returns helpful text about the different subcommands.", .args = "" },
};
/* clang-format on */
const size_t object_subcommand_count = sizeof object_subcommands / sizeof object_subcommands[0];

void cmd_object(struct conn *c, size_t argc, struct arg *argv)
{
    command_run_subcommand(c, argc, argv, "OBJECT", object_subcommands, object_subcommand_count);
}

/* ---- MEMORY ------------------------------------------------------------- */

#define MEMORY_USAGE_SAMPLES 5 /* entries of a table sampled by default, as Redis */

/* MEMORY USAGE key [SAMPLES count]: the bytes the key and its value take
 * (its item, and a table it owns estimated from count entries; 0 samples
 * them all); nil for a missing key. */
static void memory_usage(struct conn *c, size_t argc, struct arg *argv)
{
    long long samples = MEMORY_USAGE_SAMPLES;
    for (size_t j = 3; j < argc; j++) {
        if (arg_is(&argv[j], "samples") && j + 1 < argc) {
            if (!num_parse_ll(argv[j + 1].ptr, argv[j + 1].len, &samples)) {
                reply_not_integer(c);
                return;
            }
            if (samples < 0) {
                reply_syntax_error(c);
                return;
            }
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    struct item *it = peek_or_nil(c, &argv[2]);
    if (it)
        reply_int(c, (long long)store_item_memory(it, (size_t)samples));
}

static const char *const memory_help_lines[] = {
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    NULL,
};

static void memory_help(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    command_reply_help(c, "MEMORY", memory_help_lines);
}

/* clang-format off */
const struct command memory_subcommands[] = {
    { .name = "memory|usage", .arity = -3, .flags = CMD_READONLY,
      .first_key = 2, .last_key = 2, .key_step = 1,
      .proc = memory_usage, .group = "server", .since = "4.0.0",
      .summary = "Estimates the memory usage of a key.", .args = "key [SAMPLES count]" },
    { .name = "memory|help", .arity = 2, .flags = CMD_LOADING | CMD_STALE,
      .proc = memory_help, .group = "server", .since = "4.0.0",
      .summary = "Returns helpful text about the different subcommands.", .args = "" },
};
/* clang-format on */
const size_t memory_subcommand_count = sizeof memory_subcommands / sizeof memory_subcommands[0];

void cmd_memory(struct conn *c, size_t argc, struct arg *argv)
{
    command_run_subcommand(c, argc, argv, "MEMORY", memory_subcommands, memory_subcommand_count);
}
