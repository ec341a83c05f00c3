/* Integration tests of the server commands: INFO, CONFIG (GET, SET,
 * RESETSTAT, REWRITE, HELP), COMMAND (COUNT, INFO, DOCS, LIST, GETKEYS,
 * GETKEYSANDFLAGS, HELP), FLUSHDB, TIME, SHUTDOWN, and the persistence and
 * debug commands that deliberately do not exist; each in RESP2 (hiredis)
 * and RESP3 (the resp3 test client). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "resp3.h"

#define TEST_TIMEOUT_S 60   /* per test, generous for sanitizer builds */
#define WAIT_MS 5000        /* bound of every poll-until loop */
#define POLL_STEP_MS 10
#define FIELD_BYTES 256

/* ------------------------------------------------------------------------ */
/* helpers */

/* INFO [section] over hiredis, as a malloc'ed string. */
static char *info_text(redisContext *h, const char *section)
{
    redisReply *r = section ? client_cmd(h, "INFO %s", section) : client_cmd(h, "INFO");
    ck_assert_msg(r->type == REDIS_REPLY_STRING, "INFO type %d", r->type);
    char *text = strdup(r->str);
    freeReplyObject(r);
    return text;
}

/* The value of "name:value" in INFO text, copied to out ("" if absent). */
static const char *field(const char *text, const char *name, char *out)
{
    char key[FIELD_BYTES];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *p = strstr(text, key);
    out[0] = '\0';
    if (!p)
        return out;
    p += strlen(key);
    size_t n = strcspn(p, "\r");
    if (n >= FIELD_BYTES)
        n = FIELD_BYTES - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static long long info_int(redisContext *h, const char *section, const char *name)
{
    char v[FIELD_BYTES];
    char *text = info_text(h, section);
    field(text, name, v);
    free(text);
    ck_assert_msg(v[0] != '\0', "INFO %s has no %s", section, name);
    return atoll(v);
}

/* CONFIG GET name over hiredis: the value, which must be there. */
static char *config_value(redisContext *h, const char *name)
{
    redisReply *r = client_cmd(h, "CONFIG GET %s", name);
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 2, "CONFIG GET %s", name);
    char *v = strdup(r->element[1]->str);
    freeReplyObject(r);
    return v;
}

static void expect_config(redisContext *h, const char *name, const char *want)
{
    char *v = config_value(h, name);
    ck_assert_msg(strcmp(v, want) == 0, "%s is %s, expected %s", name, v, want);
    free(v);
}

/* Whether a reply array of strings holds s. */
static int array_has(const redisReply *r, const char *s)
{
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->str && strcmp(r->element[i]->str, s) == 0)
            return 1;
    return 0;
}

static int r3_has(const struct r3 *r, const char *s)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->elem[i]->str && strcmp(r->elem[i]->str, s) == 0)
            return 1;
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* ------------------------------------------------------------------------ */
/* INFO */

START_TEST(test_info_format)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    char *text = info_text(h, NULL);
    ck_assert_msg(strncmp(text, "# Server\r\nredis_version:7.0.15\r\n", 32) == 0, "%.60s", text);
    static const char *const order[] = {"# Server\r\n",  "\r\n\r\n# Clients\r\n",
                                        "\r\n\r\n# Memory\r\n", "\r\n\r\n# Persistence\r\n",
                                        "\r\n\r\n# Stats\r\n", "\r\n\r\n# Replication\r\n",
                                        "\r\n\r\n# CPU\r\n", "\r\n\r\n# Modules\r\n",
                                        "\r\n\r\n# Cluster\r\n", "\r\n\r\n# Keyspace\r\n"};
    const char *at = text;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(at, order[i]);
        ck_assert_msg(p != NULL, "section %s missing or out of order", order[i]);
        at = p + 1;
    }
    /* Every line ends in CRLF, no bare LF. */
    for (const char *p = text; *p; p++)
        if (*p == '\n')
            ck_assert_msg(p > text && p[-1] == '\r', "bare LF at %ld", (long)(p - text));
    ck_assert_uint_eq(text[strlen(text) - 1], '\n');
    char v[FIELD_BYTES];
    ck_assert_str_eq(field(text, "tidecache_version", v), "0.1.0");
    ck_assert_str_eq(field(text, "redis_mode", v), "standalone");
    ck_assert_str_eq(field(text, "redis_git_sha1", v), "00000000");
    ck_assert_str_eq(field(text, "loading", v), "0");
    ck_assert_str_eq(field(text, "aof_enabled", v), "0");
    ck_assert_str_eq(field(text, "role", v), "master");
    ck_assert_str_eq(field(text, "connected_slaves", v), "0");
    ck_assert_msg(strcmp(field(text, "mem_allocator", v), "libc") == 0 ||
                      strncmp(v, "jemalloc-", 9) == 0,
                  "mem_allocator:%s", v);
    ck_assert_str_eq(field(text, "cluster_enabled", v), "0");
    ck_assert_int_eq(atoi(field(text, "tcp_port", v)), s.port);
    ck_assert_int_eq(atoi(field(text, "process_id", v)), s.pid);
    ck_assert_uint_eq(strlen(field(text, "run_id", v)), 40);
    ck_assert_uint_eq(strspn(v, "0123456789abcdef"), 40);
    ck_assert_uint_eq(strlen(field(text, "master_replid", v)), 40);
    ck_assert_str_eq(field(text, "config_file", v), s.conf_path);
    ck_assert_ptr_nonnull(strstr(field(text, "executable", v), "tidecache"));
    ck_assert_ptr_nonnull(strstr(field(text, "multiplexing_api", v), "epoll"));
    ck_assert_str_eq(field(text, "arch_bits", v), sizeof(long) == 8 ? "64" : "32");
    ck_assert_str_eq(field(text, "hz", v), "10");
    ck_assert_str_eq(field(text, "maxmemory_policy", v), "noeviction");
    ck_assert_str_eq(field(text, "maxmemory_human", v), "0B");
    ck_assert_str_eq(field(text, "connected_clients", v), "1");
    ck_assert_ptr_nonnull(strchr(field(text, "used_cpu_user", v), '.'));
    struct timeval tv;
    gettimeofday(&tv, NULL);
    long long server_us = atoll(field(text, "server_time_usec", v));
    ck_assert(llabs(server_us - ((long long)tv.tv_sec * 1000000 + tv.tv_usec)) < 60000000LL);
    /* Empty keyspace: the header alone, at the end. */
    size_t len = strlen(text);
    ck_assert_str_eq(text + len - strlen("# Keyspace\r\n"), "# Keyspace\r\n");
    free(text);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_info_sections)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_str(client_cmd(h, "INFO nosuchsection"), "");
    expect_str(client_cmd(h, "INFO cluster"), "# Cluster\r\ncluster_enabled:0\r\n");
    expect_str(client_cmd(h, "INFO CLUSTER nosuch"), "# Cluster\r\ncluster_enabled:0\r\n");
    expect_str(client_cmd(h, "INFO modules"), "# Modules\r\n");
    /* Several sections print in INFO's order, each once. */
    expect_str(client_cmd(h, "INFO keyspace cluster keyspace"),
               "# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n");
    redisReply *two = client_cmd(h, "INFO clients SERVER");
    ck_assert_msg(strncmp(two->str, "# Server\r\n", 10) == 0, "%.20s", two->str);
    ck_assert_ptr_nonnull(strstr(two->str, "\r\n\r\n# Clients\r\n"));
    ck_assert_ptr_null(strstr(two->str, "# Memory"));
    freeReplyObject(two);
    char *all = info_text(h, "all");
    char *everything = info_text(h, "everything");
    char *deflt = info_text(h, "default");
    ck_assert_ptr_nonnull(strstr(all, "# Keyspace"));
    ck_assert_ptr_nonnull(strstr(everything, "# Persistence"));
    ck_assert_ptr_nonnull(strstr(deflt, "# CPU"));
    free(all);
    free(everything);
    free(deflt);

    /* Keyspace lines for each non-empty keyspace, with expires and avg_ttl. */
    expect_status(client_cmd(h, "SET a 1"), "OK");
    expect_status(client_cmd(h, "SET b 2 EX 1000"), "OK");
    expect_status(client_cmd(h, "SELECT 3"), "OK");
    expect_status(client_cmd(h, "SET c 3"), "OK");
    char *ks = info_text(h, "keyspace");
    ck_assert_msg(strncmp(ks, "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=", 40) == 0, "%s", ks);
    long long avg = atoll(strstr(ks, "avg_ttl=") + 8);
    ck_assert_msg(avg > 900000 && avg <= 1000000, "avg_ttl %lld", avg);
    ck_assert_ptr_nonnull(strstr(ks, "\r\ndb3:keys=1,expires=0,avg_ttl=0,subexpiry=0\r\n"));
    free(ks);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_info_resp3)
{
    struct server s;
    server_start(&s, NULL);
    struct r3c *c = r3_connect_resp3(&s);
    struct r3 *r = r3_cmd(c, "INFO", NULL);
    ck_assert_msg(r && r->type == R3_VERBATIM, "%s", r3_show(r));
    ck_assert_str_eq(r->fmt, "txt");
    ck_assert(strncmp(r->str, "# Server\r\nredis_version:7.0.15\r\n", 32) == 0);
    ck_assert_ptr_nonnull(strstr(r->str, "\r\n# Keyspace\r\n"));
    r3_free(r);
    r = r3_cmd(c, "INFO", "cluster", NULL);
    ck_assert_msg(r && r->type == R3_VERBATIM, "%s", r3_show(r));
    ck_assert_str_eq(r->str, "# Cluster\r\ncluster_enabled:0\r\n");
    r3_free(r);
    r = r3_cmd(c, "INFO", "nope", NULL);
    ck_assert_msg(r && r->type == R3_VERBATIM && r->len == 0, "%s", r3_show(r));
    r3_free(r);
    r3_close(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_info_stats)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    redisContext *h2 = client_connect(&s);
    ck_assert_int_eq(info_int(h, "clients", "connected_clients"), 2);
    redisFree(h2);
    ck_assert_int_ge(info_int(h, "stats", "total_connections_received"), 2);
    expect_status(client_cmd(h, "SET k v"), "OK");
    expect_str(client_cmd(h, "GET k"), "v");
    expect_nil(client_cmd(h, "GET missing"));
    expect_nil(client_cmd(h, "GET missing2"));
    expect_error(client_cmd(h, "GET"), "ERR wrong number of arguments for 'get' command");
    ck_assert_int_eq(info_int(h, "stats", "keyspace_hits"), 1);
    ck_assert_int_eq(info_int(h, "stats", "keyspace_misses"), 2);
    ck_assert_int_ge(info_int(h, "stats", "total_error_replies"), 1);
    ck_assert_int_ge(info_int(h, "stats", "total_net_input_bytes"), 40);
    ck_assert_int_gt(info_int(h, "stats", "total_net_output_bytes"), 0);
    long long cmds = info_int(h, "stats", "total_commands_processed");
    ck_assert_int_ge(cmds, 8);
    ck_assert_int_eq(info_int(h, "stats", "total_commands_processed"), cmds + 1);

    /* Memory: peak never below used, dataset within used. */
    char *mem = info_text(h, "memory");
    char v[FIELD_BYTES];
    long long used = atoll(field(mem, "used_memory", v));
    ck_assert_int_gt(used, 0);
    ck_assert_int_ge(atoll(field(mem, "used_memory_peak", v)), used);
    ck_assert_int_le(atoll(field(mem, "used_memory_dataset", v)), used);
    ck_assert_int_gt(atoll(field(mem, "used_memory_rss", v)), 0);
    ck_assert_int_gt(atoll(field(mem, "total_system_memory", v)), 0);
    free(mem);

    /* expired_keys counts keys removed by expiry. */
    expect_int(client_cmd(h, "PEXPIRE k 1"), 1);
    long long deadline = mono_ms() + WAIT_MS;
    while (info_int(h, "stats", "expired_keys") < 1 && mono_ms() < deadline)
        poll(NULL, 0, POLL_STEP_MS);
    ck_assert_int_eq(info_int(h, "stats", "expired_keys"), 1);

    /* instantaneous_ops_per_sec follows a burst of commands. */
    long long ops = 0;
    deadline = mono_ms() + WAIT_MS;
    while (ops == 0 && mono_ms() < deadline) {
        for (int i = 0; i < 200; i++)
            redisAppendCommand(h, "PING");
        for (int i = 0; i < 200; i++) {
            redisReply *r;
            ck_assert_int_eq(redisGetReply(h, (void **)&r), REDIS_OK);
            freeReplyObject(r);
        }
        ops = info_int(h, "stats", "instantaneous_ops_per_sec");
    }
    ck_assert_int_gt(ops, 0);

    /* CONFIG RESETSTAT zeroes the counters. */
    expect_status(client_cmd(h, "CONFIG RESETSTAT"), "OK");
    char *stats = info_text(h, "stats");
    ck_assert_str_eq(field(stats, "keyspace_hits", v), "0");
    ck_assert_str_eq(field(stats, "keyspace_misses", v), "0");
    ck_assert_str_eq(field(stats, "expired_keys", v), "0");
    ck_assert_str_eq(field(stats, "total_error_replies", v), "0");
    ck_assert_str_eq(field(stats, "total_connections_received", v), "0");
    ck_assert_int_le(atoll(field(stats, "total_commands_processed", v)), 1);
    free(stats);
    ck_assert_int_ge(info_int(h, "server", "uptime_in_seconds"), 0);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* CONFIG */

START_TEST(test_config_get)
{
    struct server s;
    server_start(&s, "maxmemory 64mb\nmaxmemory-policy allkeys-lru\n");
    redisContext *h = client_connect(&s);
    redisReply *r = client_cmd(h, "CONFIG GET maxmemory");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "maxmemory");
    ck_assert_str_eq(r->element[1]->str, "67108864");
    freeReplyObject(r);
    /* An exact name is echoed as typed; a pattern gives canonical names. */
    r = client_cmd(h, "CONFIG GET MaxMemory");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "MaxMemory");
    freeReplyObject(r);
    r = client_cmd(h, "CONFIG GET MAXMEMORY*");
    ck_assert_uint_eq(r->elements, 6);
    ck_assert(array_has(r, "maxmemory") && array_has(r, "maxmemory-policy") &&
              array_has(r, "maxmemory-samples") && array_has(r, "allkeys-lru"));
    freeReplyObject(r);
    /* Several patterns; an option matched twice is listed once. */
    r = client_cmd(h, "CONFIG GET port maxmemory* maxmemory p?rt");
    ck_assert_uint_eq(r->elements, 8);
    ck_assert(array_has(r, "port"));
    freeReplyObject(r);
    r = client_cmd(h, "CONFIG GET nosuchoption");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
    r = client_cmd(h, "CONFIG GET *");
    ck_assert_uint_gt(r->elements, 30);
    ck_assert_uint_eq(r->elements % 2, 0);
    freeReplyObject(r);
    /* What redis-benchmark and test frameworks read. */
    expect_config(h, "save", "");
    expect_config(h, "appendonly", "no");
    expect_config(h, "bind", "127.0.0.1");
    expect_error(client_cmd(h, "CONFIG GET"),
                 "ERR wrong number of arguments for 'config|get' command");

    struct r3c *c = r3_connect_resp3(&s);
    struct r3 *m = r3_cmd(c, "CONFIG", "GET", "maxmemory*", NULL);
    ck_assert_msg(m && m->type == R3_MAP && m->n == 3, "%s", r3_show(m));
    ck_assert_str_eq(r3_map_get(m, "maxmemory")->str, "67108864");
    ck_assert_str_eq(r3_map_get(m, "maxmemory-policy")->str, "allkeys-lru");
    ck_assert_int_eq(r3_map_get(m, "maxmemory-samples")->type, R3_BULK);
    r3_free(m);
    m = r3_cmd(c, "CONFIG", "GET", "nope", NULL);
    ck_assert_msg(m && m->type == R3_MAP && m->n == 0, "%s", r3_show(m));
    r3_free(m);
    r3_close(c);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_config_set)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_status(client_cmd(h, "CONFIG SET maxmemory 10mb"), "OK");
    expect_config(h, "maxmemory", "10485760");
    ck_assert_int_eq(info_int(h, "memory", "maxmemory"), 10485760);
    expect_status(client_cmd(h, "CONFIG SET hz 20 maxmemory-policy volatile-ttl"), "OK");
    ck_assert_int_eq(info_int(h, "server", "hz"), 20);
    expect_config(h, "maxmemory-policy", "volatile-ttl");
    expect_status(client_cmd(h, "CONFIG SET MAXCLIENTS 50"), "OK");
    ck_assert_int_eq(info_int(h, "clients", "maxclients"), 50);
    expect_status(client_cmd(h, "CONFIG SET ttl-rule %s", "user: 60 sess: 3600"), "OK");
    expect_config(h, "ttl-rule", "user: 60 sess: 3600");
    expect_status(client_cmd(h, "SET user:1 x"), "OK");
    redisReply *r = client_cmd(h, "TTL user:1");
    ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
    ck_assert(r->integer > 50 && r->integer <= 60);
    freeReplyObject(r);

    /* Errors, with Redis's texts. */
    expect_error(client_cmd(h, "CONFIG SET port 7000"),
                 "ERR CONFIG SET failed (possibly related to argument 'port') - can't set "
                 "immutable config");
    expect_error(client_cmd(h, "CONFIG SET foo bar"),
                 "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    /* refusals are worded as Redis words them */
    expect_error(client_cmd(h, "CONFIG SET maxmemory lots"),
                 "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument "
                 "must be a memory value");
    expect_error(client_cmd(h, "CONFIG SET maxmemory -1"),
                 "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument "
                 "must be a memory value");
    expect_error(client_cmd(h, "CONFIG SET timeout x"),
                 "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument "
                 "couldn't be parsed into an integer");
    expect_error(client_cmd(h, "CONFIG SET maxmemory-samples 0"),
                 "ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - "
                 "argument must be between 1 and 64 inclusive");
    expect_error(client_cmd(h, "CONFIG SET loglevel loud"),
                 "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) "
                 "must be one of the following: debug, verbose, notice, warning");
    /* hz is clamped to 1..500, as Redis does, and refused only below 0 */
    expect_status(client_cmd(h, "CONFIG SET hz 0"), "OK");
    expect_config(h, "hz", "1");
    expect_status(client_cmd(h, "CONFIG SET hz 100000"), "OK");
    expect_config(h, "hz", "500");
    ck_assert_int_eq(info_int(h, "server", "hz"), 500);
    expect_error(client_cmd(h, "CONFIG SET hz -1"),
                 "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be "
                 "between 0 and 2147483647 inclusive");
    expect_status(client_cmd(h, "CONFIG SET hz 20"), "OK");
    expect_error(client_cmd(h, "CONFIG SET maxmemory 1mb maxmemory 2mb"),
                 "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate "
                 "parameter");
    expect_error(client_cmd(h, "CONFIG SET maxmemory 1mb hz"), "ERR syntax error");
    expect_error(client_cmd(h, "CONFIG SET maxmemory"),
                 "ERR wrong number of arguments for 'config|set' command");
    expect_error(client_cmd(h, "CONFIG SET requirepass %b", "a\0b", (size_t)3),
                 "ERR CONFIG SET failed (possibly related to argument 'requirepass') - the "
                 "value contains a NUL byte");
    /* All or nothing: the good first pair is not applied either. */
    expect_error(client_cmd(h, "CONFIG SET maxmemory 20mb maxmemory-policy nope"),
                 "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
                 "argument(s) must be one of the following: noeviction, allkeys-lru, volatile-lru, allkeys-lfu, "
                 "volatile-lfu, allkeys-random, volatile-random, volatile-ttl");
    expect_config(h, "maxmemory", "10485760");
    expect_error(client_cmd(h, "CONFIG SET maxmemory 20mb port 1"),
                 "ERR CONFIG SET failed (possibly related to argument 'port') - can't set "
                 "immutable config");
    expect_config(h, "maxmemory", "10485760");

    /* The compatibility options take their one value only. */
    expect_status(client_cmd(h, "CONFIG SET save %s", ""), "OK");
    expect_status(client_cmd(h, "CONFIG SET appendonly no"), "OK");
    expect_status(client_cmd(h, "CONFIG SET appendonly NO"), "OK");
    expect_error(client_cmd(h, "CONFIG SET save %s", "900 1"),
                 "ERR CONFIG SET failed (possibly related to argument 'save') - tidecache keeps "
                 "no snapshots; the only value accepted is \"\"");
    expect_error(client_cmd(h, "CONFIG SET appendonly yes"),
                 "ERR CONFIG SET failed (possibly related to argument 'appendonly') - tidecache "
                 "keeps no append-only file; the only value accepted is no");

    struct r3c *c = r3_connect_resp3(&s);
    r3_expect_status(r3_cmd(c, "CONFIG", "SET", "maxmemory", "1gb", NULL), "OK");
    r3_expect_error(r3_cmd(c, "CONFIG", "SET", "bind", "0.0.0.0", NULL),
                    "ERR CONFIG SET failed (possibly related to argument 'bind') - can't set "
                    "immutable config");
    r3_close(c);
    expect_config(h, "maxmemory", "1073741824");
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_config_subcommands)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_error(client_cmd(h, "CONFIG"), "ERR wrong number of arguments for 'config' command");
    expect_error(client_cmd(h, "CONFIG Foo"), "ERR unknown subcommand 'Foo'. Try CONFIG HELP.");
    expect_error(client_cmd(h, "CONFIG RESETSTAT x"),
                 "ERR wrong number of arguments for 'config|resetstat' command");
    expect_error(client_cmd(h, "CONFIG REWRITE x"),
                 "ERR wrong number of arguments for 'config|rewrite' command");
    expect_error(client_cmd(h, "CONFIG HELP x"),
                 "ERR wrong number of arguments for 'config|help' command");
    redisReply *r = client_cmd(h, "CONFIG HELP");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 11);
    for (size_t i = 0; i < r->elements; i++)
        ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r->element[0]->str,
                     "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    ck_assert_str_eq(r->element[1]->str, "GET <pattern>");
    ck_assert_str_eq(r->element[9]->str, "HELP");
    ck_assert_str_eq(r->element[10]->str, "    Prints this help.");
    freeReplyObject(r);
    struct r3c *c = r3_connect_resp3(&s);
    struct r3 *m = r3_cmd(c, "CONFIG", "HELP", NULL);
    ck_assert_msg(m && m->type == R3_ARRAY && m->n == 11, "%s", r3_show(m));
    ck_assert_int_eq(m->elem[0]->type, R3_STATUS);
    r3_free(m);
    r3_close(c);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* Start tidecache without a config file, directives on the command line. */
static pid_t start_without_file(int *port_out, char *log, size_t loglen)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    int port = ntohs(a.sin_port);
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    snprintf(log, loglen, "/tmp/tidecache-it-nofile-%d.log", port);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl(tidecache_bin(), "tidecache", "--port", port_s, "--bind", "127.0.0.1", "--logfile",
              log, (char *)NULL);
        _exit(127);
    }
    long long deadline = mono_ms() + WAIT_MS;
    for (;;) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        a.sin_port = htons((uint16_t)port);
        int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
        close(s);
        if (ok)
            break;
        ck_assert_msg(mono_ms() < deadline, "server without config file did not start");
        poll(NULL, 0, POLL_STEP_MS);
    }
    *port_out = port;
    return pid;
}

START_TEST(test_config_rewrite)
{
    struct server s;
    server_start(&s, "# cache settings below\nmaxmemory 64mb\n\n# tuning\nhz 10\n"
                     "ttl-rule old: 5\n");
    redisContext *h = client_connect(&s);
    expect_status(client_cmd(h, "CONFIG SET maxmemory 128mb hz 25"), "OK");
    expect_status(client_cmd(h, "CONFIG SET maxmemory-policy allkeys-lru"), "OK");
    expect_status(client_cmd(h, "CONFIG SET ttl-rule %s", "user: 60 \"a b\" 10"), "OK");
    expect_status(client_cmd(h, "CONFIG REWRITE"), "OK");
    char *text = harness_read_file(s.conf_path);
    /* Comments and unchanged lines stay where they were. */
    ck_assert_msg(strstr(text, "# cache settings below\nmaxmemory 128mb\n\n# tuning\nhz 25\n") !=
                      NULL,
                  "%s", text);
    char want_port[64];
    snprintf(want_port, sizeof want_port, "port %d\nbind 127.0.0.1\n", s.port);
    ck_assert_msg(strncmp(text, want_port, strlen(want_port)) == 0, "%s", text);
    /* ttl-rule lines replaced in place; new options appended once. */
    ck_assert_msg(strstr(text, "\nttl-rule user: 60\nttl-rule \"a b\" 10\n") != NULL, "%s", text);
    ck_assert_ptr_null(strstr(text, "old:"));
    const char *sig = strstr(text, "\n# Generated by CONFIG REWRITE\n");
    ck_assert_msg(sig != NULL, "%s", text);
    ck_assert_ptr_nonnull(strstr(sig, "\nmaxmemory-policy allkeys-lru\n"));
    free(text);

    /* A second rewrite after another change keeps one signature line. */
    expect_status(client_cmd(h, "CONFIG SET maxmemory-samples 7"), "OK");
    expect_status(client_cmd(h, "CONFIG REWRITE"), "OK");
    text = harness_read_file(s.conf_path);
    sig = strstr(text, "# Generated by CONFIG REWRITE");
    ck_assert_ptr_nonnull(sig);
    ck_assert_ptr_null(strstr(sig + 1, "# Generated by CONFIG REWRITE"));
    ck_assert_ptr_nonnull(strstr(text, "\nmaxmemory-samples 7\n"));
    free(text);

    /* The rewritten file is a valid config holding the live values. */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s --test-config %s >/dev/null 2>&1", tidecache_bin(), s.conf_path);
    ck_assert_int_eq(system(cmd), 0);
    write_file(s.conf_path, "port 1\n"); /* any content: rewritten again from live values */
    expect_status(client_cmd(h, "CONFIG REWRITE"), "OK");
    text = harness_read_file(s.conf_path);
    ck_assert_ptr_nonnull(strstr(text, "maxmemory 128mb\n"));
    snprintf(want_port, sizeof want_port, "port %d\n", s.port);
    ck_assert_msg(strncmp(text, want_port, strlen(want_port)) == 0, "%s", text);
    free(text);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);

    /* Without a config file. */
    char log[128];
    int port;
    pid_t pid = start_without_file(&port, log, sizeof log);
    struct timeval tv = {5, 0};
    h = redisConnectWithTimeout("127.0.0.1", port, tv);
    ck_assert(h && !h->err);
    expect_error(client_cmd(h, "CONFIG REWRITE"),
                 "ERR The server is running without a config file");
    char v[FIELD_BYTES];
    char *info = info_text(h, "server");
    ck_assert_str_eq(field(info, "config_file", v), "");
    free(info);
    redisFree(h);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    unlink(log);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* COMMAND */

/* Check the COMMAND INFO entry of GET, in RESP2 shape. */
static void check_get_info(const redisReply *e)
{
    ck_assert_int_eq(e->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(e->elements, 10);
    ck_assert_str_eq(e->element[0]->str, "get");
    ck_assert_int_eq(e->element[1]->integer, 2);
    ck_assert_uint_eq(e->element[2]->elements, 2);
    ck_assert_str_eq(e->element[2]->element[0]->str, "readonly");
    ck_assert_int_eq(e->element[2]->element[0]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(e->element[2]->element[1]->str, "fast");
    ck_assert_int_eq(e->element[3]->integer, 1);
    ck_assert_int_eq(e->element[4]->integer, 1);
    ck_assert_int_eq(e->element[5]->integer, 1);
    ck_assert_uint_eq(e->element[6]->elements, 3);
    ck_assert_str_eq(e->element[6]->element[0]->str, "@read");
    ck_assert_str_eq(e->element[6]->element[1]->str, "@string");
    ck_assert_str_eq(e->element[6]->element[2]->str, "@fast");
    ck_assert_uint_eq(e->element[7]->elements, 0);
    ck_assert_uint_eq(e->element[8]->elements, 1);
    const redisReply *spec = e->element[8]->element[0];
    ck_assert_uint_eq(spec->elements, 6);
    ck_assert_str_eq(spec->element[0]->str, "flags");
    ck_assert_str_eq(spec->element[1]->element[0]->str, "RO");
    ck_assert_str_eq(spec->element[1]->element[1]->str, "access");
    ck_assert_str_eq(spec->element[2]->str, "begin_search");
    ck_assert_str_eq(spec->element[3]->element[1]->str, "index");
    ck_assert_int_eq(spec->element[3]->element[3]->element[1]->integer, 1);
    ck_assert_str_eq(spec->element[4]->str, "find_keys");
    ck_assert_str_eq(spec->element[5]->element[1]->str, "range");
    const redisReply *range = spec->element[5]->element[3];
    ck_assert_str_eq(range->element[0]->str, "lastkey");
    ck_assert_int_eq(range->element[1]->integer, 0);
    ck_assert_str_eq(range->element[2]->str, "keystep");
    ck_assert_int_eq(range->element[3]->integer, 1);
    ck_assert_str_eq(range->element[4]->str, "limit");
    ck_assert_int_eq(range->element[5]->integer, 0);
    ck_assert_uint_eq(e->element[9]->elements, 0);
}

START_TEST(test_command_info)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    redisReply *all = client_cmd(h, "COMMAND");
    ck_assert_int_eq(all->type, REDIS_REPLY_ARRAY);
    expect_int(client_cmd(h, "COMMAND COUNT"), (long long)all->elements);
    int found = 0;
    for (size_t i = 0; i < all->elements; i++) {
        const redisReply *e = all->element[i];
        ck_assert_uint_eq(e->elements, 10);
        if (strcmp(e->element[0]->str, "get") == 0) {
            check_get_info(e);
            found++;
        }
        if (strcmp(e->element[0]->str, "save") == 0 || strcmp(e->element[0]->str, "debug") == 0)
            ck_abort_msg("%s must not be a command", e->element[0]->str);
    }
    ck_assert_int_eq(found, 1);
    freeReplyObject(all);

    redisReply *r = client_cmd(h, "COMMAND INFO get nosuch GET");
    ck_assert_uint_eq(r->elements, 3);
    check_get_info(r->element[0]);
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_NIL);
    check_get_info(r->element[2]);
    freeReplyObject(r);

    /* SET: write denyoom, @write @string @slow, key spec with notes. */
    r = client_cmd(h, "COMMAND INFO set");
    const redisReply *e = r->element[0];
    ck_assert_int_eq(e->element[1]->integer, -3);
    ck_assert_str_eq(e->element[2]->element[0]->str, "write");
    ck_assert_str_eq(e->element[2]->element[1]->str, "denyoom");
    ck_assert_str_eq(e->element[6]->element[2]->str, "@slow");
    const redisReply *spec = e->element[8]->element[0];
    ck_assert_str_eq(spec->element[0]->str, "notes");
    ck_assert_str_eq(spec->element[1]->str, "RW and ACCESS due to the optional `GET` argument");
    ck_assert_uint_eq(spec->element[3]->elements, 4);
    ck_assert_str_eq(spec->element[3]->element[3]->str, "variable_flags");
    freeReplyObject(r);

    /* Containers list their subcommands; a subcommand by its full name. */
    r = client_cmd(h, "COMMAND INFO config config|get ping");
    e = r->element[0];
    ck_assert_str_eq(e->element[0]->str, "config");
    ck_assert_int_eq(e->element[1]->integer, -2);
    ck_assert_uint_eq(e->element[2]->elements, 0);
    ck_assert_uint_eq(e->element[9]->elements, 5);
    ck_assert_str_eq(r->element[1]->element[0]->str, "config|get");
    ck_assert_int_eq(r->element[1]->element[1]->integer, -3);
    ck_assert_uint_eq(r->element[1]->element[6]->elements, 3);
    ck_assert_str_eq(r->element[1]->element[6]->element[2]->str, "@dangerous");
    ck_assert_uint_eq(r->element[2]->element[8]->elements, 0); /* ping: no key specs */
    freeReplyObject(r);
    /* DEL: -1 lastkey; MSET: keystep 2; tips as bulk strings. */
    r = client_cmd(h, "COMMAND INFO del");
    e = r->element[0];
    ck_assert_int_eq(e->element[4]->integer, -1);
    ck_assert(array_has(e->element[7], "request_policy:multi_shard"));
    ck_assert_int_eq(e->element[7]->element[0]->type, REDIS_REPLY_STRING);
    ck_assert_int_eq(e->element[8]->element[0]->element[5]->element[3]->element[1]->integer, -1);
    ck_assert_str_eq(e->element[8]->element[0]->element[1]->element[0]->str, "RM");
    freeReplyObject(r);
    expect_error(client_cmd(h, "COMMAND COUNT x"),
                 "ERR wrong number of arguments for 'command|count' command");
    expect_error(client_cmd(h, "COMMAND nope"), "ERR unknown subcommand 'nope'. Try COMMAND HELP.");
    r = client_cmd(h, "COMMAND HELP");
    ck_assert_str_eq(r->element[0]->str,
                     "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    ck_assert_str_eq(r->element[r->elements - 2]->str, "HELP");
    freeReplyObject(r);

    /* RESP3: sets for flags, categories, tips and key specs; maps inside. */
    struct r3c *c = r3_connect_resp3(&s);
    struct r3 *m = r3_cmd(c, "COMMAND", "INFO", "get", "nosuch", NULL);
    ck_assert_msg(m && m->type == R3_ARRAY && m->n == 2, "%s", r3_show(m));
    struct r3 *g = m->elem[0];
    ck_assert_int_eq(g->elem[2]->type, R3_SET);
    ck_assert_int_eq(g->elem[6]->type, R3_SET);
    ck_assert_int_eq(g->elem[7]->type, R3_SET);
    ck_assert_int_eq(g->elem[8]->type, R3_SET);
    ck_assert_int_eq(g->elem[9]->type, R3_SET);
    struct r3 *ks = g->elem[8]->elem[0];
    ck_assert_int_eq(ks->type, R3_MAP);
    ck_assert_int_eq(r3_map_get(ks, "flags")->type, R3_SET);
    ck_assert_int_eq(r3_map_get(ks, "begin_search")->type, R3_MAP);
    ck_assert_int_eq(r3_map_get(r3_map_get(r3_map_get(ks, "begin_search"), "spec"), "index")->integer,
                     1);
    ck_assert_int_eq(m->elem[1]->type, R3_NULL);
    r3_free(m);
    m = r3_cmd(c, "COMMAND", "INFO", "config", NULL);
    ck_assert_int_eq(m->elem[0]->elem[9]->type, R3_ARRAY); /* subcommands: an array */
    r3_free(m);
    r3_close(c);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* The DOCS "arguments" entry named name, from a RESP2 flat map. */
static const redisReply *r2_get(const redisReply *map, const char *key)
{
    for (size_t i = 0; i + 1 < map->elements; i += 2)
        if (strcmp(map->element[i]->str, key) == 0)
            return map->element[i + 1];
    return NULL;
}

START_TEST(test_command_docs)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    redisReply *r = client_cmd(h, "COMMAND DOCS get nosuch");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "get");
    const redisReply *d = r->element[1];
    ck_assert_str_eq(r2_get(d, "group")->str, "string");
    ck_assert_str_eq(r2_get(d, "since")->str, "1.0.0");
    ck_assert_str_eq(r2_get(d, "complexity")->str, "O(1)");
    ck_assert_ptr_nonnull(r2_get(d, "summary"));
    const redisReply *args = r2_get(d, "arguments");
    ck_assert_uint_eq(args->elements, 1);
    ck_assert_str_eq(r2_get(args->element[0], "name")->str, "key");
    ck_assert_str_eq(r2_get(args->element[0], "type")->str, "key");
    ck_assert_int_eq(r2_get(args->element[0], "key_spec_index")->integer, 0);
    freeReplyObject(r);

    /* SET: key value [NX | XX] [GET] [EX seconds | ... | KEEPTTL] as Redis
     * describes it. */
    r = client_cmd(h, "COMMAND DOCS set");
    args = r2_get(r->element[1], "arguments");
    ck_assert_uint_eq(args->elements, 5);
    ck_assert_str_eq(r2_get(args->element[1], "type")->str, "string");
    const redisReply *cond = args->element[2];
    ck_assert_str_eq(r2_get(cond, "name")->str, "condition");
    ck_assert_str_eq(r2_get(cond, "type")->str, "oneof");
    ck_assert_str_eq(r2_get(cond, "flags")->element[0]->str, "optional");
    ck_assert_int_eq(r2_get(cond, "flags")->element[0]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r2_get(r2_get(cond, "arguments")->element[1], "token")->str, "XX");
    ck_assert_str_eq(r2_get(r2_get(cond, "arguments")->element[1], "type")->str, "pure-token");
    ck_assert_str_eq(r2_get(args->element[3], "name")->str, "get");
    const redisReply *exp = args->element[4];
    ck_assert_str_eq(r2_get(exp, "name")->str, "expiration");
    const redisReply *alts = r2_get(exp, "arguments");
    ck_assert_uint_eq(alts->elements, 5);
    ck_assert_str_eq(r2_get(alts->element[0], "name")->str, "seconds");
    ck_assert_str_eq(r2_get(alts->element[0], "type")->str, "integer");
    ck_assert_str_eq(r2_get(alts->element[0], "token")->str, "EX");
    ck_assert_str_eq(r2_get(alts->element[2], "type")->str, "unix-time");
    ck_assert_str_eq(r2_get(alts->element[4], "type")->str, "pure-token");
    freeReplyObject(r);

    /* Repetition, blocks and containers. */
    r = client_cmd(h, "COMMAND DOCS del config");
    args = r2_get(r->element[1], "arguments");
    ck_assert_str_eq(r2_get(args->element[0], "flags")->element[0]->str, "multiple");
    const redisReply *subs = r2_get(r->element[3], "subcommands");
    ck_assert_uint_eq(subs->elements, 10);
    const redisReply *set = r2_get(subs, "config|set");
    ck_assert_ptr_nonnull(set);
    const redisReply *block = r2_get(set, "arguments")->element[0];
    ck_assert_str_eq(r2_get(block, "name")->str, "parameter_value");
    ck_assert_str_eq(r2_get(block, "type")->str, "block");
    ck_assert_uint_eq(r2_get(block, "arguments")->elements, 2);
    ck_assert_str_eq(r2_get(subs, "config|get") ? "ok" : "missing", "ok");
    freeReplyObject(r);
    r = client_cmd(h, "COMMAND DOCS dbsize");
    ck_assert_ptr_null(r2_get(r->element[1], "arguments")); /* none: no field */
    freeReplyObject(r);

    /* Every command's documentation is well formed: name and type on
     * every argument (redis-cli relies on it). Read with the test client:
     * CLIENT KILL's arguments nest deeper than hiredis 0.14 can parse, as
     * they do with Redis. */
    struct r3c *c2 = r3_connect(&s);
    struct r3 *all = r3_cmd(c2, "COMMAND", "DOCS", NULL);
    redisReply *count = client_cmd(h, "COMMAND COUNT");
    ck_assert_msg(all && all->type == R3_ARRAY, "%s", r3_show(all));
    ck_assert_uint_eq(all->n, 2 * (size_t)count->integer);
    freeReplyObject(count);
    for (size_t i = 1; i < all->n; i += 2) {
        ck_assert_ptr_nonnull(r3_map_get(all->elem[i], "summary"));
        const struct r3 *a = r3_map_get(all->elem[i], "arguments");
        for (size_t j = 0; a && j < a->n; j++) {
            ck_assert_ptr_nonnull(r3_map_get(a->elem[j], "name"));
            ck_assert_ptr_nonnull(r3_map_get(a->elem[j], "type"));
        }
    }
    r3_free(all);
    r3_close(c2);

    struct r3c *c = r3_connect_resp3(&s);
    struct r3 *m = r3_cmd(c, "COMMAND", "DOCS", "set", "nosuch", NULL);
    ck_assert_msg(m && m->type == R3_MAP && m->n == 1, "%s", r3_show(m));
    struct r3 *sd = r3_map_get(m, "set");
    ck_assert_int_eq(sd->type, R3_MAP);
    struct r3 *a3 = r3_map_get(sd, "arguments");
    ck_assert_int_eq(a3->type, R3_ARRAY);
    ck_assert_int_eq(a3->elem[2]->type, R3_MAP);
    ck_assert_int_eq(r3_map_get(a3->elem[2], "flags")->type, R3_SET);
    r3_free(m);
    m = r3_cmd(c, "COMMAND", "DOCS", "nosuch", NULL);
    ck_assert_msg(m && m->type == R3_MAP && m->n == 0, "%s", r3_show(m));
    r3_free(m);
    r3_close(c);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_command_list_getkeys)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    redisReply *r = client_cmd(h, "COMMAND LIST");
    ck_assert(array_has(r, "get") && array_has(r, "config") && array_has(r, "config|get") &&
              array_has(r, "command|docs"));
    ck_assert(!array_has(r, "save") && !array_has(r, "bgsave") && !array_has(r, "debug"));
    freeReplyObject(r);
    r = client_cmd(h, "COMMAND LIST FILTERBY PATTERN CONF*");
    ck_assert_uint_eq(r->elements, 6);
    ck_assert(array_has(r, "config") && array_has(r, "config|rewrite"));
    freeReplyObject(r);
    r = client_cmd(h, "COMMAND LIST FILTERBY ACLCAT DANGEROUS");
    ck_assert(array_has(r, "flushall") && array_has(r, "flushdb") && array_has(r, "info") &&
              array_has(r, "config|set") && array_has(r, "shutdown"));
    ck_assert(!array_has(r, "get") && !array_has(r, "config"));
    freeReplyObject(r);
    r = client_cmd(h, "COMMAND LIST FILTERBY ACLCAT @fast");
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
    r = client_cmd(h, "COMMAND LIST FILTERBY MODULE x");
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
    expect_error(client_cmd(h, "COMMAND LIST FILTERBY"), "ERR syntax error");
    expect_error(client_cmd(h, "COMMAND LIST FILTERBY FOO x"), "ERR syntax error");
    expect_error(client_cmd(h, "COMMAND LIST x"), "ERR syntax error");

    r = client_cmd(h, "COMMAND GETKEYS MSET a 1 b 2");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "a");
    ck_assert_str_eq(r->element[1]->str, "b");
    freeReplyObject(r);
    r = client_cmd(h, "COMMAND GETKEYS del x y z");
    ck_assert_uint_eq(r->elements, 3);
    ck_assert_str_eq(r->element[2]->str, "z");
    freeReplyObject(r);
    expect_error(client_cmd(h, "COMMAND GETKEYS nosuch a"), "ERR Invalid command specified");
    expect_error(client_cmd(h, "COMMAND GETKEYS get a b"),
                 "ERR Invalid number of arguments specified for command");
    expect_error(client_cmd(h, "COMMAND GETKEYS echo x"), "ERR The command has no key arguments");
    expect_error(client_cmd(h, "COMMAND GETKEYS config get x"),
                 "ERR The command has no key arguments");
    expect_error(client_cmd(h, "COMMAND GETKEYS get"),
                 "ERR wrong number of arguments for 'command|getkeys' command");
    r = client_cmd(h, "COMMAND GETKEYSANDFLAGS set k v");
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_str_eq(r->element[0]->element[0]->str, "k");
    ck_assert_str_eq(r->element[0]->element[1]->element[0]->str, "OW");
    ck_assert_str_eq(r->element[0]->element[1]->element[1]->str, "update");
    freeReplyObject(r);
    r = client_cmd(h, "COMMAND GETKEYSANDFLAGS set k v GET");
    ck_assert_str_eq(r->element[0]->element[1]->element[0]->str, "RW");
    freeReplyObject(r);

    struct r3c *c = r3_connect_resp3(&s);
    struct r3 *m = r3_cmd(c, "COMMAND", "GETKEYSANDFLAGS", "copy", "src", "dst", NULL);
    ck_assert_msg(m && m->type == R3_ARRAY && m->n == 2, "%s", r3_show(m));
    ck_assert_str_eq(m->elem[1]->elem[0]->str, "dst");
    ck_assert_int_eq(m->elem[1]->elem[1]->type, R3_SET);
    ck_assert(r3_has(m->elem[0]->elem[1], "RO") && r3_has(m->elem[1]->elem[1], "OW"));
    r3_free(m);
    m = r3_cmd(c, "COMMAND", "LIST", "FILTERBY", "PATTERN", "flush*", NULL);
    ck_assert_msg(m && m->type == R3_ARRAY && m->n == 2, "%s", r3_show(m));
    r3_free(m);
    r3_close(c);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* redis-cli: it builds its hints from COMMAND DOCS and aborts on a reply it
 * does not expect, so drive an interactive one through a pseudo-terminal. */

#define TTY_BYTES 65536

struct tty {
    int fd;
    pid_t pid;
    char out[TTY_BYTES]; /* everything the program printed, NUL-terminated */
    size_t len;
};

/* Read what the program prints for up to ms milliseconds, or until `want`
 * has appeared (when not NULL), answering the cursor-position queries the
 * line editor sends. Returns whether want was seen. */
static int tty_read(struct tty *t, long ms, const char *want)
{
    long long deadline = mono_ms() + ms;
    size_t scanned = 0;
    while (mono_ms() < deadline) {
        if (want && strstr(t->out, want))
            return 1;
        struct pollfd p = {t->fd, POLLIN, 0};
        if (poll(&p, 1, POLL_STEP_MS) <= 0)
            continue;
        ssize_t n = read(t->fd, t->out + t->len, sizeof t->out - 1 - t->len);
        if (n <= 0)
            break;
        t->len += (size_t)n;
        t->out[t->len] = '\0';
        for (const char *q = strstr(t->out + scanned, "\x1b[6n"); q; q = strstr(q + 1, "\x1b[6n"))
            ck_assert_int_eq(write(t->fd, "\x1b[1;1R", 6), 6);
        scanned = t->len >= 4 ? t->len - 4 : 0;
        if (t->len + 1 >= sizeof t->out) { /* full: start over */
            t->len = scanned = 0;
            t->out[0] = '\0';
        }
    }
    return want ? strstr(t->out, want) != NULL : 1;
}

/* Type text one key at a time, as a person would, so hints are redrawn. */
static void tty_type(struct tty *t, const char *text)
{
    for (const char *p = text; *p; p++) {
        ck_assert_int_eq(write(t->fd, p, 1), 1);
        tty_read(t, 20, NULL);
    }
}

START_TEST(test_redis_cli_hints)
{
    struct server s;
    server_start(&s, NULL);
    char port[16];
    snprintf(port, sizeof port, "%d", s.port);
    static struct tty t;
    memset(&t, 0, sizeof t);
    struct winsize ws = {.ws_row = 40, .ws_col = 220};
    t.pid = forkpty(&t.fd, NULL, NULL, &ws);
    ck_assert_int_ge(t.pid, 0);
    if (t.pid == 0) {
        setenv("TERM", "xterm", 1);
        setenv("REDISCLI_HISTFILE", "/dev/null", 1);
        setenv("REDISCLI_RCFILE", "/dev/null", 1);
        execlp("redis-cli", "redis-cli", "-h", "127.0.0.1", "-p", port, (char *)NULL);
        _exit(127);
    }
    char prompt[64];
    snprintf(prompt, sizeof prompt, "127.0.0.1:%d> ", s.port);
    ck_assert_msg(tty_read(&t, WAIT_MS, prompt), "no prompt: %s", t.out);
    t.len = 0;
    t.out[0] = '\0';
    tty_type(&t, "set k v ");
    ck_assert_msg(tty_read(&t, WAIT_MS,
                           "[NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|"
                           "PXAT unix-time-milliseconds|KEEPTTL]"),
                  "no SET hint: %s", t.out);
    tty_type(&t, "\025config set "); /* Ctrl-U clears the line */
    ck_assert_msg(tty_read(&t, WAIT_MS, "parameter value [parameter value ...]"),
                  "no CONFIG SET hint: %s", t.out);
    tty_type(&t, "\025command list ");
    ck_assert_msg(tty_read(&t, WAIT_MS, "[FILTERBY MODULE module-name|ACLCAT category|PATTERN "
                                        "pattern]"),
                  "no COMMAND LIST hint: %s", t.out);
    tty_type(&t, "\025help time\r");
    ck_assert_msg(tty_read(&t, WAIT_MS, "Returns the server time."), "no help: %s", t.out);
    tty_type(&t, "quit\r");
    int status = 0;
    long long deadline = mono_ms() + WAIT_MS;
    pid_t r;
    while ((r = waitpid(t.pid, &status, WNOHANG)) == 0 && mono_ms() < deadline)
        tty_read(&t, POLL_STEP_MS * 5, NULL);
    if (r == 0) {
        kill(t.pid, SIGKILL);
        waitpid(t.pid, &status, 0);
    }
    close(t.fd);
    ck_assert_msg(r == t.pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "redis-cli did not exit cleanly (status %d)", status);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* FLUSHDB, DBSIZE, TIME, SHUTDOWN, absent commands */

START_TEST(test_flushdb)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_status(client_cmd(h, "SET a 1"), "OK");
    expect_status(client_cmd(h, "SELECT 1"), "OK");
    expect_status(client_cmd(h, "SET b 1"), "OK");
    expect_status(client_cmd(h, "SET c 1"), "OK");
    expect_int(client_cmd(h, "DBSIZE"), 2);
    expect_status(client_cmd(h, "FLUSHDB"), "OK");
    expect_int(client_cmd(h, "DBSIZE"), 0);
    expect_status(client_cmd(h, "SELECT 0"), "OK");
    expect_int(client_cmd(h, "DBSIZE"), 1); /* the other keyspace is untouched */
    expect_status(client_cmd(h, "FLUSHDB ASYNC"), "OK");
    expect_int(client_cmd(h, "DBSIZE"), 0);
    expect_status(client_cmd(h, "FLUSHDB sync"), "OK");
    expect_error(client_cmd(h, "FLUSHDB now"), "ERR syntax error");
    expect_error(client_cmd(h, "FLUSHDB ASYNC SYNC"), "ERR syntax error");
    struct r3c *c = r3_connect_resp3(&s);
    r3_expect_status(r3_cmd(c, "SET", "x", "1", NULL), "OK");
    r3_expect_status(r3_cmd(c, "FLUSHDB", NULL), "OK");
    r3_expect_int(r3_cmd(c, "DBSIZE", NULL), 0);
    r3_close(c);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_time)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    struct timeval before, after;
    gettimeofday(&before, NULL);
    redisReply *r = client_cmd(h, "TIME");
    gettimeofday(&after, NULL);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STRING);
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_STRING);
    long long sec = atoll(r->element[0]->str), usec = atoll(r->element[1]->str);
    ck_assert(usec >= 0 && usec < 1000000);
    long long t = sec * 1000000 + usec;
    ck_assert(t >= (long long)before.tv_sec * 1000000 + before.tv_usec);
    ck_assert(t <= (long long)after.tv_sec * 1000000 + after.tv_usec);
    freeReplyObject(r);
    expect_error(client_cmd(h, "TIME x"), "ERR wrong number of arguments for 'time' command");
    struct r3c *c = r3_connect_resp3(&s);
    struct r3 *m = r3_cmd(c, "TIME", NULL);
    ck_assert_msg(m && m->type == R3_ARRAY && m->n == 2 && m->elem[0]->type == R3_BULK &&
                      m->elem[1]->type == R3_BULK,
                  "%s", r3_show(m));
    r3_free(m);
    r3_close(c);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_shutdown)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_error(client_cmd(h, "SHUTDOWN ABORT"), "ERR No shutdown in progress.");
    expect_error(client_cmd(h, "SHUTDOWN bogus"), "ERR syntax error");
    expect_error(client_cmd(h, "SHUTDOWN NOSAVE SAVE"), "ERR syntax error");
    expect_error(client_cmd(h, "SHUTDOWN NOW ABORT"), "ERR syntax error");
    struct r3c *c = r3_connect_resp3(&s);
    r3_expect_error(r3_cmd(c, "SHUTDOWN", "ABORT", NULL), "ERR No shutdown in progress.");
    r3_close(c);
    ck_assert(server_alive(&s));
    /* SHUTDOWN SAVE NOW FORCE: no reply, the connection closes, the process
     * exits cleanly on its own. */
    int fd = raw_connect(&s);
    static const char req[] = "*4\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n$3\r\nNOW\r\n$5\r\nFORCE\r\n";
    raw_send(fd, req, sizeof req - 1);
    char buf[64];
    int closed;
    size_t n = raw_read_all(fd, buf, sizeof buf, &closed);
    ck_assert_uint_eq(n, 0);
    ck_assert(closed);
    close(fd);
    long long deadline = mono_ms() + WAIT_MS;
    while (server_alive(&s) && mono_ms() < deadline)
        poll(NULL, 0, POLL_STEP_MS);
    ck_assert(!server_alive(&s));
    redisFree(h);
    char *log = harness_read_file(s.log_path);
    ck_assert_msg(strstr(log, "SHUTDOWN") != NULL, "%s", log);
    free(log);
    ck_assert_int_eq(server_stop(&s), 0); /* it had exited cleanly by itself */
}
END_TEST

START_TEST(test_absent_commands)
{
    struct server s;
    server_start(&s, NULL);
    redisContext *h = client_connect(&s);
    expect_error(client_cmd(h, "SAVE"), "ERR unknown command 'SAVE', with args beginning with: ");
    expect_error(client_cmd(h, "BGSAVE SCHEDULE"),
                 "ERR unknown command 'BGSAVE', with args beginning with: 'SCHEDULE' ");
    expect_error(client_cmd(h, "BGREWRITEAOF"),
                 "ERR unknown command 'BGREWRITEAOF', with args beginning with: ");
    expect_error(client_cmd(h, "lastsave"),
                 "ERR unknown command 'lastsave', with args beginning with: ");
    expect_error(client_cmd(h, "DEBUG SLEEP 0"),
                 "ERR unknown command 'DEBUG', with args beginning with: 'SLEEP' '0' ");
    expect_status(client_cmd(h, "PING"), "PONG"); /* the connection is fine */
    struct r3c *c = r3_connect_resp3(&s);
    r3_expect_error(r3_cmd(c, "SAVE", NULL),
                    "ERR unknown command 'SAVE', with args beginning with: ");
    r3_close(c);
    redisFree(h);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* helpers */

static Suite *server_cmds_suite(void)
{
    Suite *s = suite_create("server_cmds");
    TCase *tc = tcase_create("info");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_info_format);
    tcase_add_test(tc, test_info_sections);
    tcase_add_test(tc, test_info_resp3);
    tcase_add_test(tc, test_info_stats);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_config_get);
    tcase_add_test(tc, test_config_set);
    tcase_add_test(tc, test_config_subcommands);
    tcase_add_test(tc, test_config_rewrite);
    suite_add_tcase(s, tc);

    tc = tcase_create("command");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_command_info);
    tcase_add_test(tc, test_command_docs);
    tcase_add_test(tc, test_command_list_getkeys);
    tcase_add_test(tc, test_redis_cli_hints);
    suite_add_tcase(s, tc);

    tc = tcase_create("misc");
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_flushdb);
    tcase_add_test(tc, test_time);
    tcase_add_test(tc, test_shutdown);
    tcase_add_test(tc, test_absent_commands);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(server_cmds_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
