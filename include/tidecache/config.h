/* config: the option table and the redis.conf-style reader.
 *
 * CONFIG_OPTIONS is the single list of every option. From it come the fields
 * of struct config, the descriptor table used for parsing and validation, the
 * defaults (each default is a string fed through the same parser as a file
 * line, so a default can never be in a form the file could not hold), the
 * --help text and the sample config file.
 *
 * X(field, "name", type, "default", min, max, flags, enum_names, "help")
 *   type        CONF_INT (long long, min..max), CONF_SIZE (bytes, accepts
 *               k/kb/m/mb/g/gb units, min..max), CONF_BOOL (yes/no),
 *               CONF_STRING, CONF_ENUM (index into enum_names),
 *               CONF_OCTAL (file mode such as 700), CONF_ADDRS (one or more
 *               addresses on a line), CONF_TTLRULES (repeatable
 *               "PREFIX SECONDS" lines)
 *   flags       CONF_RUNTIME when the option can change while running;
 *               CONF_CLAMP when, as in Redis, any value from 0 to
 *               CONF_CLAMP_ACCEPT_MAX is taken and brought into min..max
 *               instead of refused (hz)
 *   enum_names  NULL-terminated list for CONF_ENUM, NULL otherwise */
#ifndef TIDECACHE_CONFIG_H
#define TIDECACHE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum conf_type {
    CONF_INT,
    CONF_SIZE,
    CONF_BOOL,
    CONF_STRING,
    CONF_ENUM,
    CONF_OCTAL,
    CONF_ADDRS,
    CONF_TTLRULES,
};

#define CONF_RUNTIME 1u /* may be changed at runtime (CONFIG SET, reload) */
#define CONF_CLAMP 2u   /* out-of-range values are clamped, not refused */
#define CONF_CLAMP_ACCEPT_MAX 2147483647LL /* largest value a CONF_CLAMP option takes */

enum maxmemory_policy {
    MAXMEMORY_NOEVICTION,
    MAXMEMORY_ALLKEYS_LRU,
    MAXMEMORY_VOLATILE_LRU,
    MAXMEMORY_ALLKEYS_LFU,
    MAXMEMORY_VOLATILE_LFU,
    MAXMEMORY_ALLKEYS_RANDOM,
    MAXMEMORY_VOLATILE_RANDOM,
    MAXMEMORY_VOLATILE_TTL,
};

#define CONF_LOGLEVEL_NAMES ((const char *const[]){"debug", "verbose", "notice", "warning", NULL})
/* In the order of enum log_facility (include/tidecache/log.h). */
#define CONF_SYSLOG_FACILITY_NAMES                                                         \
    ((const char *const[]){"user", "local0", "local1", "local2", "local3", "local4",      \
                           "local5", "local6", "local7", NULL})
#define CONF_POLICY_NAMES                                                                  \
    ((const char *const[]){"noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu",    \
                           "volatile-lfu", "allkeys-random", "volatile-random",           \
                           "volatile-ttl", NULL})

#define KB 1024LL
#define MB (1024LL * KB)
#define GB (1024LL * MB)

/* clang-format off */
#define CONFIG_OPTIONS(X) \
    X(port, "port", CONF_INT, "6379", 0, 65535, 0, NULL, \
      "TCP port to accept connections on; 0 disables TCP.") \
    X(bind, "bind", CONF_ADDRS, "127.0.0.1 -::1", 0, 0, 0, NULL, \
      "Addresses to listen on (IPv4 or IPv6); a leading '-' marks one that may be unavailable.") \
    X(tcp_backlog, "tcp-backlog", CONF_INT, "511", 1, 65535, 0, NULL, \
      "Length of the queue of connections not yet accepted.") \
    X(unixsocket, "unixsocket", CONF_STRING, "", 0, 0, 0, NULL, \
      "Path of a unix socket to listen on as well; empty for none.") \
    X(unixsocketperm, "unixsocketperm", CONF_OCTAL, "0", 0, 0777, 0, NULL, \
      "Permissions of the unix socket in octal, such as 770; 0 keeps the umask's.") \
    X(databases, "databases", CONF_INT, "16", 1, 1024, 0, NULL, \
      "Number of keyspaces, numbered from 0; clients choose one with SELECT.") \
    X(requirepass, "requirepass", CONF_STRING, "", 0, 0, CONF_RUNTIME, NULL, \
      "Password clients must give with AUTH before other commands; empty for none.") \
    X(maxclients, "maxclients", CONF_INT, "10000", 1, 1000000, CONF_RUNTIME, NULL, \
      "Most clients connected at once; others get an error and are closed.") \
    X(timeout, "timeout", CONF_INT, "0", 0, 2147483647, CONF_RUNTIME, NULL, \
      "Close a client idle for this many seconds; 0 never does.") \
    X(tcp_keepalive, "tcp-keepalive", CONF_INT, "300", 0, 2147483647, CONF_RUNTIME, NULL, \
      "Seconds between TCP keepalive probes on client connections; 0 disables them.") \
    X(hz, "hz", CONF_INT, "10", 1, 500, CONF_RUNTIME | CONF_CLAMP, NULL, \
      "Background ticks per second: expiry sweep, client timeouts, table resizing.") \
    X(busy_reply_threshold, "busy-reply-threshold", CONF_INT, "5000", 0, INT64_MAX, CONF_RUNTIME, NULL, \
      "Milliseconds a script may run before other clients are answered -BUSY and SCRIPT KILL or FUNCTION KILL may stop it. Also named lua-time-limit.") \
    X(default_ttl, "default-ttl", CONF_INT, "0", 0, 4294967295LL, CONF_RUNTIME, NULL, \
      "Seconds to live given to a key written without a TTL; 0 means it never expires.") \
    X(ttl_rules, "ttl-rule", CONF_TTLRULES, "", 0, 4294967295LL, CONF_RUNTIME, NULL, \
      "ttl-rule PREFIX SECONDS: keys starting with PREFIX written without a TTL get SECONDS; the longest prefix wins. Repeatable.") \
    X(maxmemory, "maxmemory", CONF_SIZE, "0", 0, INT64_MAX, CONF_RUNTIME, NULL, \
      "Memory budget in bytes (units like 64mb or 1gb); 0 means no limit.") \
    X(maxmemory_policy, "maxmemory-policy", CONF_ENUM, "noeviction", 0, 0, CONF_RUNTIME, CONF_POLICY_NAMES, \
      "What to evict when maxmemory is reached.") \
    X(maxmemory_samples, "maxmemory-samples", CONF_INT, "5", 1, 64, CONF_RUNTIME, NULL, \
      "Keys sampled per eviction by the sampling policies (the LFU ones and volatile-ttl).") \
    X(lfu_log_factor, "lfu-log-factor", CONF_INT, "10", 0, 2147483647, CONF_RUNTIME, NULL, \
      "LFU policies: how slowly a key's access counter grows; the counter tops out after about 450 times this many accesses.") \
    X(lfu_decay_time, "lfu-decay-time", CONF_INT, "1", 0, 2147483647, CONF_RUNTIME, NULL, \
      "LFU policies: minutes after which the access counter of a key not used meanwhile drops by one; 0 drops it each time eviction passes the key.") \
    X(hash_max_listpack_entries, "hash-max-listpack-entries", CONF_INT, "512", 0, INT64_MAX, CONF_RUNTIME, NULL, \
      "A hash is kept in one compact block (the listpack encoding) while it has at most this many fields (32767 at most) and no field or value longer than hash-max-listpack-value; a larger hash is a hash table. Also named hash-max-ziplist-entries.") \
    X(hash_max_listpack_value, "hash-max-listpack-value", CONF_SIZE, "64", 0, INT64_MAX, CONF_RUNTIME, NULL, \
      "Longest field or value, in bytes, of a hash kept in one compact block (see hash-max-listpack-entries). Also named hash-max-ziplist-value.") \
    X(set_max_intset_entries, "set-max-intset-entries", CONF_INT, "512", 0, INT64_MAX, CONF_RUNTIME, NULL, \
      "A set of integers only is kept as a sorted array (the intset encoding) while it has at most this many members.") \
    X(set_max_listpack_entries, "set-max-listpack-entries", CONF_INT, "128", 0, INT64_MAX, CONF_RUNTIME, NULL, \
      "A set of strings is kept in one compact block (the listpack encoding) while it has at most this many members (65535 at most) and none longer than set-max-listpack-value; a larger set is a hash table.") \
    X(set_max_listpack_value, "set-max-listpack-value", CONF_SIZE, "64", 0, INT64_MAX, CONF_RUNTIME, NULL, \
      "Longest member, in bytes, of a set kept in one compact block (see set-max-listpack-entries).") \
    X(loglevel, "loglevel", CONF_ENUM, "notice", 0, 0, CONF_RUNTIME, CONF_LOGLEVEL_NAMES, \
      "Log verbosity, from the most verbose (debug) to the least (warning).") \
    X(logfile, "logfile", CONF_STRING, "", 0, 0, 0, NULL, \
      "File to log to; empty logs to standard error (under systemd, the journal). SIGHUP reopens it.") \
    X(syslog_enabled, "syslog-enabled", CONF_BOOL, "no", 0, 0, 0, NULL, \
      "Send log lines to the system logger (syslog) as well.") \
    X(syslog_ident, "syslog-ident", CONF_STRING, "tidecache", 0, 0, 0, NULL, \
      "Name log lines carry in syslog.") \
    X(syslog_facility, "syslog-facility", CONF_ENUM, "local0", 0, 0, 0, CONF_SYSLOG_FACILITY_NAMES, \
      "Syslog facility of the log lines.") \
    X(pidfile, "pidfile", CONF_STRING, "", 0, 0, 0, NULL, \
      "File to write the process id to at start and remove at exit; empty for none.") \
    X(proto_max_bulk_len, "proto-max-bulk-len", CONF_SIZE, "512mb", 1 * MB, 4 * GB - 1, CONF_RUNTIME, NULL, \
      "Largest single string a client may send, in bytes.") \
    X(save, "save", CONF_STRING, "", 0, 0, CONF_RUNTIME, NULL, \
      "Accepted so that redis.conf files and clients that set or read it work; it has no effect: tidecache keeps no snapshots, so the only value accepted is \"\" (no save points).") \
    X(appendonly, "appendonly", CONF_BOOL, "no", 0, 0, CONF_RUNTIME, NULL, \
      "Accepted so that redis.conf files and clients that set or read it work; it has no effect: tidecache keeps no append-only file, so the only value accepted is no.")
/* clang-format on */

/* Other names options answer to, as Redis keeps them for old configs:
 * A("alias", "option"). An alias reads and sets its option everywhere
 * (files, CONFIG GET and SET) and CONFIG GET patterns list it too. */
#define CONFIG_ALIASES(A) \
    A("lua-time-limit", "busy-reply-threshold") \
    A("hash-max-ziplist-entries", "hash-max-listpack-entries") \
    A("hash-max-ziplist-value", "hash-max-listpack-value")

struct config_addrs {
    char **addr; /* as written, including a leading '-' when optional */
    size_t count;
};

struct ttl_rule {
    char *prefix;
    size_t prefix_len;
    long long seconds;
};

struct config_ttl_rules {
    struct ttl_rule *rule;
    size_t count;
};

#define CONF_CTYPE_CONF_INT long long
#define CONF_CTYPE_CONF_SIZE long long
#define CONF_CTYPE_CONF_BOOL int
#define CONF_CTYPE_CONF_STRING char *
#define CONF_CTYPE_CONF_ENUM int
#define CONF_CTYPE_CONF_OCTAL int
#define CONF_CTYPE_CONF_ADDRS struct config_addrs
#define CONF_CTYPE_CONF_TTLRULES struct config_ttl_rules
#define CONF_FIELD(field, name, type, def, min, max, flags, enums, help) CONF_CTYPE_##type field;

struct config {
    CONFIG_OPTIONS(CONF_FIELD)
    char *path; /* the file it was read from; NULL when none */
};

/* Fill c with every option's default. */
void config_init(struct config *c);
/* Release what c holds; c may be config_init'ed again or freed twice. */
void config_free(struct config *c);
/* Deep copy of src into dst, which is overwritten without being freed.
 * Returns TC_OK. */
int config_copy(struct config *dst, const struct config *src);

/* Read the file at path (NULL for none), then the command-line directives in
 * argv ("--name value ..." as redis-server takes them), on top of c.
 * Returns TC_OK, or TC_ERR with "file:line: message" (or
 * "command line: message") in err; c is then left with its previous values. */
int config_load(struct config *c, const char *path, int argc, char **argv, char *err,
                size_t errlen);

/* Parse config text from memory, naming it `source` in errors (tests, fuzz). */
int config_load_text(struct config *c, const char *text, size_t len, const char *source,
                     char *err, size_t errlen);

/* Print every option with its default and help (for --help). */
void config_print_help(FILE *out);

/* Write the documented sample config (conf/tidecache.conf is this output). */
void config_write_sample(FILE *out);

/* The option table in CONFIG_OPTIONS order followed by the aliases, for
 * CONFIG GET patterns and reload: i runs from 0 to config_option_count() -
 * 1. config_option_name returns NULL and config_option_flags 0 for an i out
 * of range; an alias has its option's flags. */
size_t config_option_count(void);
const char *config_option_name(size_t i);
unsigned config_option_flags(size_t i);

/* The value of option `name` (case-insensitive) as CONFIG GET shows it:
 * numbers and sizes in plain bytes, yes/no, enum names, octal modes such as
 * 700, addresses joined by spaces, ttl rules as "prefix seconds ..." (a
 * prefix is double-quoted when it holds spaces, quotes or unprintable
 * bytes). Writes at most outlen bytes including the NUL, like snprintf, and
 * returns the full length, or TC_ERR when no option has that name. */
int config_format(const struct config *c, const char *name, char *out, size_t outlen);

/* Set option `name` (case-insensitive) from already split arguments,
 * validated exactly as a file line is (refusals of numbers, sizes, yes/no
 * and names are worded as Redis's CONFIG SET words them). ttl-rule takes PREFIX SECONDS pairs
 * (any even count, 0 clears them) and replaces every rule; bind replaces the
 * list. The caller checks CONF_RUNTIME when it matters. Returns TC_OK, or
 * TC_ERR with "name: message" in err and c unchanged. */
int config_set(struct config *c, const char *name, int argc, char **argv, char *err,
               size_t errlen);

/* TTL in ms that a key written without one receives: the longest matching
 * ttl-rule, else default-ttl; 0 means none. */
int64_t config_ttl_ms_for_key(const struct config *c, const char *key, size_t klen);

/* Called by config_merge_runtime for each option whose value differs:
 * applied is 1 when the new value was taken, 0 when it was left alone
 * because the option is fixed at startup. */
typedef void config_change_fn(const char *name, int applied, void *arg);

/* Reload: take into live the value of every CONF_RUNTIME option that
 * differs in fresh (a config loaded anew), leaving the other options and
 * live->path as they are; report each differing option to cb (may be NULL).
 * live stays at the same address, so modules holding it see the new
 * values. Returns the number of options taken. */
int config_merge_runtime(struct config *live, const struct config *fresh, config_change_fn *cb,
                         void *arg);

/* The index of option `name` (case-insensitive) in the table, or -1. */
int config_option_index(const char *name);

/* CONFIG SET: set option `name` from one value string, validated as a file
 * line is, refusals worded as Redis's ("hz: argument must be between 0 and
 * 2147483647 inclusive"). bind and ttl-rule split the string as a config line is split
 * ("user: 60 \"a b\" 10") and replace the whole list; every other option
 * takes the string as its one argument (so a password may hold spaces).
 * Does not check CONF_RUNTIME. Returns TC_OK, or TC_ERR with
 * "name: message" in err and c unchanged. */
int config_set_value(struct config *c, const char *name, const char *value, char *err,
                     size_t errlen);

/* CONFIG REWRITE: make the file c was read from (c->path) hold c's values.
 * Comments, blank lines, unknown lines and the lines of options whose value
 * is unchanged stay as they are, where they are; an option whose value
 * differs has its first line replaced (ttl-rule: by all its rules) and its
 * other lines removed; changed options the file lacks are appended after a
 * "# Generated by CONFIG REWRITE" line. The file is replaced atomically
 * (temporary file and rename) and keeps its mode; a missing file is
 * created. Returns TC_OK, or TC_ERR with the reason (strerror text, or
 * "no config file" when c->path is NULL) in err. */
int config_rewrite(const struct config *c, char *err, size_t errlen);

#endif
