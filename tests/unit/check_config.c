/* check_config: the option table, the redis.conf-style reader, command-line
 * directives, CONFIG GET/SET formatting, ttl rules and the sample config. */
#include "tidecache/config.h"

#include "tidecache/mem.h"
#include "tidecache/status.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERR_LEN 1024
#define SNAP_LEN 8192

/* Every option as "name=value\n", to tell whether a config changed. */
static void snapshot(const struct config *c, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < config_option_count(); i++) {
        char value[1024];
        const char *name = config_option_name(i);
        ck_assert_int_ge(config_format(c, name, value, sizeof value), 0);
        used += (size_t)snprintf(out + used, outlen - used, "%s=%s\n", name, value);
        ck_assert_uint_lt(used, outlen);
    }
}

static int load(struct config *c, const char *text, char *err)
{
    return config_load_text(c, text, strlen(text), "t.conf", err, ERR_LEN);
}

static void load_ok(struct config *c, const char *text)
{
    char err[ERR_LEN] = "";
    ck_assert_msg(load(c, text, err) == TC_OK, "load failed: %s", err);
}

/* A temporary file holding text; the caller unlinks path. */
static void write_temp(char *path, const char *text)
{
    strcpy(path, "/tmp/check_config_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(text);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static char *format(const struct config *c, const char *name)
{
    static char buf[1024];
    ck_assert_int_ge(config_format(c, name, buf, sizeof buf), 0);
    return buf;
}

START_TEST(test_defaults)
{
    size_t base = mem_used();
    struct config c;
    config_init(&c);
    ck_assert_int_eq(c.port, 6379);
    ck_assert_uint_eq(c.bind.count, 2);
    ck_assert_str_eq(c.bind.addr[0], "127.0.0.1");
    ck_assert_str_eq(c.bind.addr[1], "-::1");
    ck_assert_int_eq(c.tcp_backlog, 511);
    ck_assert_str_eq(c.unixsocket, "");
    ck_assert_int_eq(c.unixsocketperm, 0);
    ck_assert_int_eq(c.maxclients, 10000);
    ck_assert_int_eq(c.timeout, 0);
    ck_assert_int_eq(c.tcp_keepalive, 300);
    ck_assert_int_eq(c.hz, 10);
    ck_assert_int_eq(c.default_ttl, 0);
    ck_assert_uint_eq(c.ttl_rules.count, 0);
    ck_assert_int_eq(c.maxmemory, 0);
    ck_assert_int_eq(c.maxmemory_policy, MAXMEMORY_NOEVICTION);
    ck_assert_int_eq(c.maxmemory_samples, 5);
    ck_assert_str_eq(format(&c, "loglevel"), "notice");
    ck_assert_int_eq(c.loglevel, 2);
    ck_assert_str_eq(c.logfile, "");
    ck_assert_str_eq(c.pidfile, "");
    ck_assert_int_eq(c.proto_max_bulk_len, 512 * MB);
    ck_assert_ptr_null(c.path);
    config_free(&c);
    config_free(&c); /* a second free is harmless */
    ck_assert_uint_eq(mem_used(), base);
}
END_TEST

/* Every option, with comments, blank and indented lines, CRLF, upper-case
 * names, quotes, repeats (the later wins) and several ttl-rules. */
static const char good_file[] =
    "# tidecache test config\r\n"
    "\r\n"
    "   PORT 7000   \r\n"
    "port 7001\n"
    "\t# an indented comment\n"
    "bind 0.0.0.0 -:: * ::* 192.168.1.10 -fe80::1\n"
    "tcp-backlog 1024\n"
    "unixsocket \"/tmp/tide cache.sock\"\n"
    "unixsocketperm 0770\n"
    "maxclients 5000\n"
    "timeout 30\n"
    "Tcp-KeepAlive 60\r\n"
    "hz 100\n"
    "default-ttl 60\n"
    "ttl-rule user: 1800\n"
    "ttl-rule \"user:session:\" 3600\n"
    "ttl-rule 'it\\'s' 5\n"
    "ttl-rule \"bin\\x00key\" 7\n"
    "ttl-rule user: 1900\n"
    "maxmemory 1g\n"
    "maxmemory 128mb\n"
    "maxmemory-policy ALLKEYS-LRU\n"
    "maxmemory-samples 10\n"
    "loglevel warning\n"
    "logfile \"/var/log/tide\\tcache.log\"\n"
    "pidfile ''\n"
    "proto-max-bulk-len 1GB";

START_TEST(test_good_file)
{
    size_t base = mem_used();
    struct config c;
    config_init(&c);
    load_ok(&c, good_file);
    ck_assert_int_eq(c.port, 7001);
    ck_assert_uint_eq(c.bind.count, 6);
    ck_assert_str_eq(c.bind.addr[0], "0.0.0.0");
    ck_assert_str_eq(c.bind.addr[1], "-::");
    ck_assert_str_eq(c.bind.addr[2], "*");
    ck_assert_str_eq(c.bind.addr[3], "::*");
    ck_assert_str_eq(c.bind.addr[5], "-fe80::1");
    ck_assert_int_eq(c.tcp_backlog, 1024);
    ck_assert_str_eq(c.unixsocket, "/tmp/tide cache.sock");
    ck_assert_int_eq(c.unixsocketperm, 0770);
    ck_assert_int_eq(c.maxclients, 5000);
    ck_assert_int_eq(c.timeout, 30);
    ck_assert_int_eq(c.tcp_keepalive, 60);
    ck_assert_int_eq(c.hz, 100);
    ck_assert_int_eq(c.default_ttl, 60);
    ck_assert_uint_eq(c.ttl_rules.count, 4);
    ck_assert_str_eq(c.ttl_rules.rule[0].prefix, "user:");
    ck_assert_int_eq(c.ttl_rules.rule[0].seconds, 1900);
    ck_assert_str_eq(c.ttl_rules.rule[1].prefix, "user:session:");
    ck_assert_int_eq(c.ttl_rules.rule[1].seconds, 3600);
    ck_assert_str_eq(c.ttl_rules.rule[2].prefix, "it's");
    ck_assert_uint_eq(c.ttl_rules.rule[3].prefix_len, 7);
    ck_assert_mem_eq(c.ttl_rules.rule[3].prefix, "bin\0key", 7);
    ck_assert_int_eq(c.maxmemory, 128 * MB);
    ck_assert_int_eq(c.maxmemory_policy, MAXMEMORY_ALLKEYS_LRU);
    ck_assert_int_eq(c.maxmemory_samples, 10);
    ck_assert_int_eq(c.loglevel, 3);
    ck_assert_str_eq(c.logfile, "/var/log/tide\tcache.log");
    ck_assert_str_eq(c.pidfile, "");
    ck_assert_int_eq(c.proto_max_bulk_len, 1 * GB);
    config_free(&c);
    ck_assert_uint_eq(mem_used(), base);
}
END_TEST

static const struct {
    const char *text;
    long long bytes;
} sizes[] = {
    {"0", 0},
    {"123", 123},
    {"1b", 1},
    {"7B", 7},
    {"2k", 2000},
    {"2K", 2000},
    {"2kb", 2048},
    {"2kB", 2048},
    {"3m", 3000000},
    {"3M", 3000000},
    {"3mb", 3 * MB},
    {"3MB", 3 * MB},
    {"4g", 4000000000LL},
    {"4G", 4000000000LL},
    {"4gb", 4 * GB},
    {"4Gb", 4 * GB},
    {"8589934591gb", 8589934591LL * GB},
};

START_TEST(test_size_units)
{
    struct config c;
    char line[64];
    config_init(&c);
    snprintf(line, sizeof line, "maxmemory %s\n", sizes[_i].text);
    load_ok(&c, line);
    ck_assert_int_eq(c.maxmemory, sizes[_i].bytes);
    config_free(&c);
}
END_TEST

static const char *const policy_error =
    "t.conf:1: maxmemory-policy: 'foo' is not one of noeviction, allkeys-lru, "
    "volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl";

/* Bad input and the exact message for it. */
static const struct {
    const char *text;
    const char *error;
} bad_lines[] = {
    {"port 6379\nprot 7000\n", "t.conf:2: unknown directive 'prot'"},
    {"\n# c\n\n\nport 99999\n", "t.conf:5: port: '99999' is out of range (0 to 65535)"},
    {"port -1", "t.conf:1: port: '-1' is out of range (0 to 65535)"},
    {"port 99999999999999999999",
     "t.conf:1: port: '99999999999999999999' is out of range (0 to 65535)"},
    {"port 12ab", "t.conf:1: port: '12ab' is not an integer"},
    {"port +5", "t.conf:1: port: '+5' is not an integer"},
    {"port \"\"", "t.conf:1: port: '' is not an integer"},
    {"port", "t.conf:1: port: wrong number of arguments (expected 1)"},
    {"port 1 2", "t.conf:1: port: wrong number of arguments (expected 1)"},
    {"port 6379 # no comments after a directive",
     "t.conf:1: port: wrong number of arguments (expected 1)"},
    {"port 1\r\nport x\r\n", "t.conf:2: port: 'x' is not an integer"},
    {"hz -1", "t.conf:1: hz: '-1' is out of range (0 to 2147483647)"},
    {"hz 2147483648", "t.conf:1: hz: '2147483648' is out of range (0 to 2147483647)"},
    {"maxmemory-policy foo", NULL},
    {"loglevel loud",
     "t.conf:1: loglevel: 'loud' is not one of debug, verbose, notice, warning"},
    {"logfile \"abc", "t.conf:1: unbalanced quotes"},
    {"logfile \"abc\"def", "t.conf:1: unbalanced quotes"},
    {"logfile 'abc", "t.conf:1: unbalanced quotes"},
    {"logfile 'abc'def", "t.conf:1: unbalanced quotes"},
    {"logfile \"abc\\\"", "t.conf:1: unbalanced quotes"},
    {"logfile a b", "t.conf:1: logfile: wrong number of arguments (expected 1)"},
    {"logfile \"a\\x00b\"", "t.conf:1: logfile: 'a\\x00b' contains a NUL byte"},
    {"maxmemory 10xb",
     "t.conf:1: maxmemory: '10xb' is not a size (bytes, or a number with a unit: b, k, kb, "
     "m, mb, g, gb)"},
    {"maxmemory -5mb",
     "t.conf:1: maxmemory: '-5mb' is not a size (bytes, or a number with a unit: b, k, kb, "
     "m, mb, g, gb)"},
    {"maxmemory 9999999999gb",
     "t.conf:1: maxmemory: '9999999999gb' is out of range (0 to 9223372036854775807)"},
    {"proto-max-bulk-len 1000",
     "t.conf:1: proto-max-bulk-len: '1000' is out of range (1mb to 4294967295)"},
    {"proto-max-bulk-len 5gb",
     "t.conf:1: proto-max-bulk-len: '5gb' is out of range (1mb to 4294967295)"},
    {"unixsocketperm 789", "t.conf:1: unixsocketperm: '789' is not an octal number"},
    {"unixsocketperm 1000", "t.conf:1: unixsocketperm: '1000' is out of range (0 to 777)"},
    {"unixsocketperm 7777777777777777777777",
     "t.conf:1: unixsocketperm: '7777777777777777777777' is out of range (0 to 777)"},
    {"bind 127.0.0.1 localhost", "t.conf:1: bind: 'localhost' is not an IPv4 or IPv6 address"},
    {"bind 256.0.0.1", "t.conf:1: bind: '256.0.0.1' is not an IPv4 or IPv6 address"},
    {"bind --::1", "t.conf:1: bind: '--::1' is not an IPv4 or IPv6 address"},
    {"bind", "t.conf:1: bind: wrong number of arguments (expected at least 1)"},
    {"bind 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9 "
     "1.1.1.10 1.1.1.11 1.1.1.12 1.1.1.13 1.1.1.14 1.1.1.15 1.1.1.16 1.1.1.17",
     "t.conf:1: bind: too many addresses (at most 16)"},
    {"ttl-rule user:", "t.conf:1: ttl-rule: wrong number of arguments (expected 2)"},
    {"ttl-rule a 1 b 2", "t.conf:1: ttl-rule: wrong number of arguments (expected 2)"},
    {"ttl-rule \"\" 5", "t.conf:1: ttl-rule: the prefix is empty"},
    {"ttl-rule a 4294967296", "t.conf:1: ttl-rule: '4294967296' is out of range (0 to 4294967295)"},
    {"ttl-rule a -1", "t.conf:1: ttl-rule: '-1' is out of range (0 to 4294967295)"},
    {"ttl-rule a b", "t.conf:1: ttl-rule: 'b' is not an integer"},
    {"\"\" 1", "t.conf:1: unknown directive ''"},
    {"port 7000\nhz 20\nttl-rule z 9\nbogus\x01 x\n", "t.conf:4: unknown directive 'bogus\\x01'"},
    {"port 7000\n\"unterminated\n", "t.conf:2: unbalanced quotes"},
};

/* A config with non-default values everywhere, to see nothing changes. */
static void config_init_changed(struct config *c)
{
    config_init(c);
    load_ok(c, good_file);
}

START_TEST(test_bad_line)
{
    char before[SNAP_LEN], after[SNAP_LEN], err[ERR_LEN];
    struct config c;
    config_init_changed(&c);
    snapshot(&c, before, sizeof before);
    size_t base = mem_used();
    ck_assert_int_eq(load(&c, bad_lines[_i].text, err), TC_ERR);
    ck_assert_str_eq(err, bad_lines[_i].error ? bad_lines[_i].error : policy_error);
    snapshot(&c, after, sizeof after);
    ck_assert_str_eq(after, before);
    ck_assert_uint_eq(mem_used(), base);
    config_free(&c);
}
END_TEST

/* hz, as in Redis, takes any value from 0 to INT_MAX and keeps it within
 * 1..500; CONFIG SET goes through the same parser. */
/* An alias reads and sets its option: lua-time-limit is busy-reply-threshold. */
START_TEST(test_alias)
{
    struct config c;
    config_init(&c);
    load_ok(&c, "lua-time-limit 250");
    ck_assert_int_eq(c.busy_reply_threshold, 250);
    char err[ERR_LEN], out[32];
    ck_assert_int_eq(config_set_value(&c, "LUA-TIME-LIMIT", "300", err, sizeof err), TC_OK);
    ck_assert_int_eq(c.busy_reply_threshold, 300);
    ck_assert_int_ge(config_format(&c, "lua-time-limit", out, sizeof out), 0);
    ck_assert_str_eq(out, "300");
    ck_assert_int_eq(config_option_index("lua-time-limit"),
                     config_option_index("busy-reply-threshold"));
    config_free(&c);
}
END_TEST

START_TEST(test_hz_is_clamped)
{
    static const struct {
        const char *text;
        long long hz;
    } cases[] = {{"hz 0", 1}, {"hz 1", 1}, {"hz 500", 500}, {"hz 501", 500},
                 {"hz 2147483647", 500}, {"hz 77", 77}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        config_init(&c);
        load_ok(&c, cases[i].text);
        ck_assert_int_eq(c.hz, cases[i].hz);
        char err[ERR_LEN];
        ck_assert_int_eq(config_set_value(&c, "hz", cases[i].text + 3, err, sizeof err), TC_OK);
        ck_assert_int_eq(c.hz, cases[i].hz);
        config_free(&c);
    }
}
END_TEST

START_TEST(test_nul_byte_in_line)
{
    static const char text[] = "port 7000\nport 1\0002\n";
    char err[ERR_LEN];
    struct config c;
    config_init(&c);
    ck_assert_int_eq(config_load_text(&c, text, sizeof text - 1, "t.conf", err, sizeof err),
                     TC_ERR);
    ck_assert_str_eq(err, "t.conf:2: NUL byte in line");
    ck_assert_int_eq(c.port, 6379);
    config_free(&c);
}
END_TEST

START_TEST(test_error_buffer_small)
{
    char err[8];
    struct config c;
    config_init(&c);
    ck_assert_int_eq(config_load_text(&c, "prot 1", 6, "t.conf", err, sizeof err), TC_ERR);
    ck_assert_str_eq(err, "t.conf:");
    ck_assert_int_eq(config_load_text(&c, "prot 1", 6, "t.conf", NULL, 0), TC_ERR);
    config_free(&c);
}
END_TEST

START_TEST(test_quoting)
{
    struct config c;
    config_init(&c);
    load_ok(&c, "logfile \"a\\\"b\\\\c\\n\\r\\t\\b\\a\\x41\\x4a\\q\\xZZ\"");
    ck_assert_str_eq(c.logfile, "a\"b\\c\n\r\t\b\aAJqxZZ");
    load_ok(&c, "logfile 'it\\'s \\n raw'");
    ck_assert_str_eq(c.logfile, "it's \\n raw");
    load_ok(&c, "logfile ab\"c d\"");
    ck_assert_str_eq(c.logfile, "abc d");
    load_ok(&c, "logfile \"\"\t");
    ck_assert_str_eq(c.logfile, "");
    load_ok(&c, "\"pidfile\" '/run/t.pid'");
    ck_assert_str_eq(c.pidfile, "/run/t.pid");
    load_ok(&c, "bind   \"127.0.0.1\"\t'::1'  ");
    ck_assert_uint_eq(c.bind.count, 2);
    ck_assert_str_eq(c.bind.addr[1], "::1");
    config_free(&c);
}
END_TEST

START_TEST(test_empty_and_comment_only)
{
    char before[SNAP_LEN], after[SNAP_LEN];
    struct config c;
    config_init(&c);
    snapshot(&c, before, sizeof before);
    load_ok(&c, "");
    load_ok(&c, "\n\r\n   \n# port 1\n   #hz 3\r\n");
    snapshot(&c, after, sizeof after);
    ck_assert_str_eq(after, before);
    config_free(&c);
}
END_TEST

START_TEST(test_file_and_command_line)
{
    char path[64], err[ERR_LEN];
    char *argv[] = {"--port",     "7001",  "--bind",   "127.0.0.1", "::1", "--ttl-rule",
                    "user:",      "60",    "--MAXMEMORY", "1mb",   "--logfile",
                    "/tmp/a b.log"};
    size_t base = mem_used();
    struct config c;
    write_temp(path, "port 7000\nbind 10.0.0.1\nttl-rule a 1\nhz 20\n");
    config_init(&c);
    ck_assert_int_eq(config_load(&c, path, 12, argv, err, sizeof err), TC_OK);
    unlink(path);
    ck_assert_int_eq(c.port, 7001);
    ck_assert_int_eq(c.hz, 20);
    ck_assert_uint_eq(c.bind.count, 2);
    ck_assert_str_eq(c.bind.addr[0], "127.0.0.1");
    ck_assert_str_eq(c.bind.addr[1], "::1");
    ck_assert_str_eq(format(&c, "ttl-rule"), "a 1 user: 60");
    ck_assert_int_eq(c.maxmemory, MB);
    ck_assert_str_eq(c.logfile, "/tmp/a b.log");
    ck_assert_str_eq(c.path, path);
    config_free(&c);
    ck_assert_uint_eq(mem_used(), base);
}
END_TEST

START_TEST(test_no_file)
{
    char err[ERR_LEN];
    char *argv[] = {"--hz", "50"};
    struct config c;
    config_init(&c);
    ck_assert_int_eq(config_load(&c, NULL, 2, argv, err, sizeof err), TC_OK);
    ck_assert_int_eq(c.hz, 50);
    ck_assert_ptr_null(c.path);
    ck_assert_int_eq(config_load(&c, NULL, 0, NULL, err, sizeof err), TC_OK);
    ck_assert_int_eq(c.hz, 50);
    config_free(&c);
}
END_TEST

static struct {
    int argc;
    char *argv[4];
    const char *error;
} bad_argv[] = {
    {2, {"--port", "x"}, "command line: port: 'x' is not an integer"},
    {2, {"--prot", "1"}, "command line: unknown directive 'prot'"},
    {1, {"7000"}, "command line: '7000' is not a directive (directives start with --)"},
    {1, {"--port"}, "command line: port: wrong number of arguments (expected 1)"},
    {3, {"--hz", "5", "--port"}, "command line: port: wrong number of arguments (expected 1)"},
    {3,
     {"--ttl-rule", "a", "--5"},
     "command line: ttl-rule: wrong number of arguments (expected 2)"},
    {2, {"--", "1"}, "command line: unknown directive ''"},
};

START_TEST(test_bad_command_line)
{
    char before[SNAP_LEN], after[SNAP_LEN], err[ERR_LEN], path[64];
    struct config c;
    config_init(&c);
    snapshot(&c, before, sizeof before);
    size_t base = mem_used();
    write_temp(path, "port 7000\n");
    int rc = config_load(&c, path, bad_argv[_i].argc, bad_argv[_i].argv, err, sizeof err);
    ck_assert_int_eq(rc, TC_ERR);
    unlink(path);
    ck_assert_str_eq(err, bad_argv[_i].error);
    snapshot(&c, after, sizeof after);
    ck_assert_str_eq(after, before); /* the good file is not applied either */
    ck_assert_ptr_null(c.path);
    ck_assert_uint_eq(mem_used(), base);
    config_free(&c);
}
END_TEST

START_TEST(test_file_errors)
{
    char err[ERR_LEN], expect[ERR_LEN], path[64];
    struct config c;
    config_init(&c);
    ck_assert_int_eq(config_load(&c, "/nonexistent/tidecache.conf", 0, NULL, err, sizeof err),
                     TC_ERR);
    snprintf(expect, sizeof expect, "/nonexistent/tidecache.conf: cannot open: %s",
             strerror(ENOENT));
    ck_assert_str_eq(err, expect);

    ck_assert_int_eq(config_load(&c, "/tmp", 0, NULL, err, sizeof err), TC_ERR);
    snprintf(expect, sizeof expect, "/tmp: cannot read: %s", strerror(EISDIR));
    ck_assert_str_eq(err, expect);

    write_temp(path, "port 7000\nmaxclients 0\n");
    ck_assert_int_eq(config_load(&c, path, 0, NULL, err, sizeof err), TC_ERR);
    unlink(path);
    snprintf(expect, sizeof expect, "%s:2: maxclients: '0' is out of range (1 to 1000000)", path);
    ck_assert_str_eq(err, expect);
    ck_assert_int_eq(c.port, 6379);
    ck_assert_ptr_null(c.path);
    config_free(&c);
}
END_TEST

START_TEST(test_ttl_longest_prefix)
{
    struct config c;
    config_init(&c);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "user:1", 6), 0);
    load_ok(&c, "default-ttl 7\n"
                "ttl-rule user: 10\n"
                "ttl-rule user:session: 20\n"
                "ttl-rule u 5\n"
                "ttl-rule forever: 0\n"
                "ttl-rule \"b\\x00\" 3\n"
                "ttl-rule big 4294967295\n");
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "user:session:abc", 16), 20000);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "user:session:", 13), 20000);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "user:session", 12), 10000);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "user:1", 6), 10000);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "user", 4), 5000);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "user:session:abc", 3), 5000); /* klen counts */
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "x", 1), 7000);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "", 0), 7000);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "forever:1", 9), 0);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "b\0z", 3), 3000);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "bz", 2), 7000);
    ck_assert_int_eq(config_ttl_ms_for_key(&c, "bigkey", 6), 4294967295000LL);
    config_free(&c);
}
END_TEST

START_TEST(test_format)
{
    char buf[8];
    struct config c;
    config_init_changed(&c);
    ck_assert_str_eq(format(&c, "port"), "7001");
    ck_assert_str_eq(format(&c, "PORT"), "7001");
    ck_assert_str_eq(format(&c, "bind"), "0.0.0.0 -:: * ::* 192.168.1.10 -fe80::1");
    ck_assert_str_eq(format(&c, "unixsocket"), "/tmp/tide cache.sock");
    ck_assert_str_eq(format(&c, "unixsocketperm"), "770");
    ck_assert_str_eq(format(&c, "maxmemory"), "134217728");
    ck_assert_str_eq(format(&c, "maxmemory-policy"), "allkeys-lru");
    ck_assert_str_eq(format(&c, "loglevel"), "warning");
    ck_assert_str_eq(format(&c, "pidfile"), "");
    ck_assert_str_eq(format(&c, "proto-max-bulk-len"), "1073741824");
    ck_assert_str_eq(format(&c, "ttl-rule"),
                     "user: 1900 user:session: 3600 \"it's\" 5 \"bin\\x00key\" 7");
    ck_assert_int_eq(config_format(&c, "bind", buf, sizeof buf), 39);
    ck_assert_str_eq(buf, "0.0.0.0");
    ck_assert_int_eq(config_format(&c, "pidfile", buf, sizeof buf), 0);
    ck_assert_int_eq(config_format(&c, "port", NULL, 0), 4);
    ck_assert_int_eq(config_format(&c, "nope", buf, sizeof buf), TC_ERR);
    config_free(&c);
}
END_TEST

/* Arguments of a formatted value for config_set: lists split on spaces,
 * every other option is one argument. */
static int split_value(const char *name, char *value, char **argv)
{
    int argc = 0;
    if (strcmp(name, "bind") != 0 && strcmp(name, "ttl-rule") != 0) {
        argv[0] = value;
        return 1;
    }
    for (char *tok = strtok(value, " "); tok; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    return argc;
}

START_TEST(test_format_set_roundtrip)
{
    char before[SNAP_LEN], after[SNAP_LEN], err[ERR_LEN];
    struct config from, to;
    size_t base = mem_used();
    config_init(&from);
    load_ok(&from, "port 7001\nbind 0.0.0.0 -::1\nunixsocket /tmp/t.sock\n"
                   "unixsocketperm 750\nmaxclients 77\ntimeout 9\ntcp-keepalive 8\nhz 33\n"
                   "default-ttl 11\nttl-rule a: 1\nttl-rule b: 2\nmaxmemory 3gb\n"
                   "maxmemory-policy volatile-ttl\nmaxmemory-samples 12\nloglevel debug\n"
                   "logfile \"/tmp/x y.log\"\npidfile /run/t.pid\nproto-max-bulk-len 2mb\n"
                   "tcp-backlog 99\n");
    config_init(&to);
    for (size_t i = 0; i < config_option_count(); i++) {
        const char *name = config_option_name(i);
        char value[1024];
        char *argv[64];
        ck_assert_int_ge(config_format(&from, name, value, sizeof value), 0);
        int argc = split_value(name, value, argv);
        ck_assert_msg(config_set(&to, name, argc, argv, err, sizeof err) == TC_OK, "%s: %s",
                      name, err);
    }
    snapshot(&from, before, sizeof before);
    snapshot(&to, after, sizeof after);
    ck_assert_str_eq(after, before);
    config_free(&from);
    config_free(&to);
    ck_assert_uint_eq(mem_used(), base);
}
END_TEST

START_TEST(test_set)
{
    char before[SNAP_LEN], after[SNAP_LEN], err[ERR_LEN];
    char *port_bad[] = {"70000"};
    char *bind_bad[] = {"127.0.0.1", "nope"};
    char *rules[] = {"x:", "5", "y:", "6", "x:", "7"};
    char *rules_odd[] = {"x:", "5", "y:"};
    char *two[] = {"1", "2"};
    char *yes[] = {"8000"};
    struct config c;
    config_init_changed(&c);
    size_t base = mem_used();
    snapshot(&c, before, sizeof before);

    ck_assert_int_eq(config_set(&c, "port", 1, port_bad, err, sizeof err), TC_ERR);
    ck_assert_str_eq(err, "port: argument must be between 0 and 65535 inclusive");
    ck_assert_int_eq(config_set(&c, "port", 2, two, err, sizeof err), TC_ERR);
    ck_assert_str_eq(err, "port: wrong number of arguments (expected 1)");
    ck_assert_int_eq(config_set(&c, "bind", 2, bind_bad, err, sizeof err), TC_ERR);
    ck_assert_str_eq(err, "bind: 'nope' is not an IPv4 or IPv6 address");
    ck_assert_int_eq(config_set(&c, "ttl-rule", 3, rules_odd, err, sizeof err), TC_ERR);
    ck_assert_str_eq(err, "ttl-rule: wrong number of arguments (expected PREFIX SECONDS pairs)");
    ck_assert_int_eq(config_set(&c, "nope", 1, yes, err, sizeof err), TC_ERR);
    ck_assert_str_eq(err, "unknown directive 'nope'");
    snapshot(&c, after, sizeof after);
    ck_assert_str_eq(after, before);
    ck_assert_uint_eq(mem_used(), base);

    ck_assert_int_eq(config_set(&c, "Port", 1, yes, err, sizeof err), TC_OK);
    ck_assert_int_eq(c.port, 8000);
    ck_assert_int_eq(config_set(&c, "ttl-rule", 6, rules, err, sizeof err), TC_OK);
    ck_assert_str_eq(format(&c, "ttl-rule"), "x: 7 y: 6");
    ck_assert_int_eq(config_set(&c, "ttl-rule", 0, NULL, err, sizeof err), TC_OK);
    ck_assert_uint_eq(c.ttl_rules.count, 0);
    config_free(&c);
}
END_TEST

#define COUNT_OPTION(field, name, type, def, min, max, flags, enums, help) +1
#define COUNT_ALIAS(alias, option) +1

START_TEST(test_option_table)
{
    size_t n = config_option_count();
    struct config c;
    ck_assert_uint_eq(n, 0 CONFIG_OPTIONS(COUNT_OPTION) CONFIG_ALIASES(COUNT_ALIAS));
    ck_assert_ptr_null(config_option_name(n));
    ck_assert_uint_eq(config_option_flags(n), 0);
    ck_assert_str_eq(config_option_name(0), "port");
    config_init(&c);
    for (size_t i = 0; i < n; i++) {
        const char *name = config_option_name(i);
        ck_assert_ptr_nonnull(name);
        ck_assert_int_ge(config_format(&c, name, NULL, 0), 0);
        for (size_t j = i + 1; j < n; j++)
            ck_assert_str_ne(name, config_option_name(j));
        if (strcmp(name, "maxclients") == 0 || strcmp(name, "maxmemory") == 0)
            ck_assert_uint_eq(config_option_flags(i) & CONF_RUNTIME, CONF_RUNTIME);
        if (strcmp(name, "port") == 0 || strcmp(name, "bind") == 0)
            ck_assert_uint_eq(config_option_flags(i) & CONF_RUNTIME, 0);
    }
    config_free(&c);
}
END_TEST

START_TEST(test_copy)
{
    size_t base = mem_used();
    char before[SNAP_LEN], after[SNAP_LEN];
    struct config a, b;
    config_init_changed(&a);
    a.path = mem_strdup("/etc/t.conf");
    config_copy(&b, &a);
    snapshot(&a, before, sizeof before);
    snapshot(&b, after, sizeof after);
    ck_assert_str_eq(after, before);
    ck_assert_str_eq(b.path, "/etc/t.conf");
    ck_assert_ptr_ne(b.logfile, a.logfile);
    ck_assert_ptr_ne(b.bind.addr, a.bind.addr);
    ck_assert_ptr_ne(b.ttl_rules.rule[0].prefix, a.ttl_rules.rule[0].prefix);
    load_ok(&b, "logfile other\nbind ::1\nttl-rule user: 1\n");
    snapshot(&a, after, sizeof after);
    ck_assert_str_eq(after, before);
    config_free(&a);
    config_free(&b);
    ck_assert_uint_eq(mem_used(), base);
}
END_TEST

/* Whole contents of a file (malloc'ed, NUL-terminated); NULL if missing. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len + 4096 + 1 > cap) {
            cap = cap * 2 + 8192;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        size_t got = fread(buf + *len, 1, 4096, f);
        *len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

START_TEST(test_sample_matches_table)
{
    char path[4096], err[ERR_LEN];
    const char *srcdir = getenv("TIDECACHE_SRCDIR");
    char *sample = NULL;
    size_t sample_len = 0, file_len = 0;
    FILE *out = open_memstream(&sample, &sample_len);
    ck_assert_ptr_nonnull(out);
    config_write_sample(out);
    fclose(out);

    snprintf(path, sizeof path, "%s/conf/tidecache.conf", srcdir ? srcdir : ".");
    char *file = read_all(path, &file_len);
    ck_assert_msg(file != NULL, "cannot read %s (set TIDECACHE_SRCDIR)", path);
    ck_assert_msg(file_len == sample_len && memcmp(file, sample, file_len) == 0,
                  "%s differs from config_write_sample(); regenerate it", path);

    /* The sample reads back as exactly the defaults. */
    char want[SNAP_LEN], got[SNAP_LEN];
    struct config d, c;
    config_init(&d);
    config_init(&c);
    load_ok(&c, "port 1\nbind ::1\nloglevel debug\nlogfile x\n");
    ck_assert_int_eq(config_load(&c, path, 0, NULL, err, sizeof err), TC_OK);
    snapshot(&d, want, sizeof want);
    snapshot(&c, got, sizeof got);
    ck_assert_str_eq(got, want);
    config_free(&c);
    config_free(&d);

    /* Wrapped to at most 78 columns. */
    for (char *line = strtok(sample, "\n"); line; line = strtok(NULL, "\n"))
        ck_assert_msg(strlen(line) <= 78, "line too long: %s", line);
    ck_assert_ptr_nonnull(strstr(file, "\n# ttl-rule session: 3600\n"));
    ck_assert_ptr_nonnull(strstr(file, "\nbind 127.0.0.1 -::1\n"));
    ck_assert_ptr_nonnull(strstr(file, "\nlogfile \"\"\n"));
    ck_assert_ptr_nonnull(strstr(file, "\n# Default: 512mb\nproto-max-bulk-len 512mb\n"));
    free(file);
    free(sample);
}
END_TEST

START_TEST(test_help)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    config_print_help(out);
    fclose(out);
    ck_assert_ptr_nonnull(
        strstr(text, "Usage: tidecache [/path/to/tidecache.conf] [--directive value ...]\n"));
    ck_assert_ptr_nonnull(strstr(text, "-h, --help"));
    ck_assert_ptr_nonnull(strstr(text, "-v, --version"));
    ck_assert_ptr_nonnull(strstr(text, "-t, --test-config"));
    ck_assert_ptr_nonnull(strstr(text, "--sample-config"));
    for (size_t i = 0; i < config_option_count(); i++) {
        char want[128];
        snprintf(want, sizeof want, "\n  %s ", config_option_name(i));
        ck_assert_msg(strstr(text, want) != NULL, "no help for %s", config_option_name(i));
    }
    ck_assert_ptr_nonnull(strstr(text, "      Default: 6379 (fixed at startup)\n"));
    ck_assert_ptr_nonnull(strstr(text, "      Default: 10 (can be changed at runtime)\n"));
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        ck_assert_msg(strlen(line) <= 78, "line too long: %s", line);
    free(text);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_good_file);
    tcase_add_loop_test(tc, test_size_units, 0, (int)(sizeof sizes / sizeof sizes[0]));
    tcase_add_loop_test(tc, test_bad_line, 0, (int)(sizeof bad_lines / sizeof bad_lines[0]));
    tcase_add_test(tc, test_hz_is_clamped);
    tcase_add_test(tc, test_alias);
    tcase_add_test(tc, test_nul_byte_in_line);
    tcase_add_test(tc, test_error_buffer_small);
    tcase_add_test(tc, test_quoting);
    tcase_add_test(tc, test_empty_and_comment_only);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_test(tc, test_file_and_command_line);
    tcase_add_test(tc, test_no_file);
    tcase_add_loop_test(tc, test_bad_command_line, 0, (int)(sizeof bad_argv / sizeof bad_argv[0]));
    tcase_add_test(tc, test_file_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("values");
    tcase_add_test(tc, test_ttl_longest_prefix);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_format_set_roundtrip);
    tcase_add_test(tc, test_set);
    tcase_add_test(tc, test_option_table);
    tcase_add_test(tc, test_copy);
    suite_add_tcase(s, tc);

    tc = tcase_create("docs");
    tcase_add_test(tc, test_sample_matches_table);
    tcase_add_test(tc, test_help);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
