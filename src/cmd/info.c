/* INFO [section ...]: the server's state in Redis's text format.
 *
 * The reply is "# Section\r\nfield:value\r\n..." per section, sections
 * separated by an empty line, as a bulk string (RESP2) or a verbatim "txt"
 * string (RESP3). Fields are Redis's names, so dashboards and client
 * libraries that read INFO (redis_version, loading, role, used_memory,
 * keyspace_hits...) work unchanged; features tidecache does not have
 * (persistence, replication, modules, cluster) report their idle values. */
#include <event2/event.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "commands.h"
#include "tidecache/buf.h"
#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/eval.h"
#include "tidecache/function.h"
#include "tidecache/mem.h"
#include "tidecache/reply.h"
#include "tidecache/stats.h"
#include "tidecache/store.h"
#include "tidecache/version.h"

#define INFO_LINE_BYTES 512   /* a formatted line; longer ones are allocated */
#define RUN_ID_HEX_CHARS 40   /* run_id and master_replid, as Redis */
#define SECONDS_PER_DAY 86400

/* --------------------------------------------------------------- output */

/* Append one "field:value" line (printf-style, without the CRLF). */
__attribute__((format(printf, 2, 3))) static void line(struct buf *b, const char *fmt, ...)
{
    char small[INFO_LINE_BYTES];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        buf_append(b, small, (size_t)n);
    } else {
        char *big = mem_alloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        buf_append(b, big, (size_t)n);
        mem_free(big);
    }
    buf_append(b, "\r\n", 2);
}

/* Bytes as Redis's *_human fields write them: 1023B, 1.50K, 12.00M... */
static const char *human(char *out, size_t cap, unsigned long long n)
{
    static const char units[] = "KMGTP";
    double v = (double)n;
    if (n < 1024) {
        snprintf(out, cap, "%lluB", n);
        return out;
    }
    for (size_t u = 0; u < sizeof units - 1; u++) {
        v /= 1024;
        if (v < 1024 || u == sizeof units - 2) {
            snprintf(out, cap, "%.2f%c", v, units[u]);
            return out;
        }
    }
    return out;
}

/* ------------------------------------------------------------ process */

/* 40 random hex characters, drawn once per process (run_id, replid). */
static const char *random_id(char *id)
{
    if (id[0])
        return id;
    unsigned char raw[RUN_ID_HEX_CHARS / 2];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        unsigned long long seed = (unsigned long long)clock_mono_us() ^ (unsigned long long)getpid();
        for (size_t i = 0; i < sizeof raw; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            raw[i] = (unsigned char)(seed >> 56);
        }
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    return id;
}

static const char *run_id(void)
{
    static char id[RUN_ID_HEX_CHARS + 1];
    return random_id(id);
}

static const char *master_replid(void)
{
    static char id[RUN_ID_HEX_CHARS + 1];
    return random_id(id);
}

/* A fixed id of this build: FNV-1a of the version and the compiler. */
static unsigned long long build_id(void)
{
    const char *s = "tidecache " TIDECACHE_VERSION " " __VERSION__;
    unsigned long long h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Resident set size in bytes, from /proc/self/statm; 0 if unreadable. */
static size_t rss_bytes(void)
{
    unsigned long pages_total = 0, pages_resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &pages_total, &pages_resident) != 2)
        pages_resident = 0;
    fclose(f);
    return (size_t)pages_resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* Scripts' share of used_memory, under Redis's names: the two Lua states
 * (EVAL's, the functions') and what the caches of scripts and libraries
 * hold beside them. All of it is part of used_memory. */
static void section_memory_scripts(struct buf *b)
{
    char h[32];
    size_t vm_eval = eval_vm_memory(), vm_functions = function_vm_memory();
    size_t scripts_eval = eval_scripts_memory(), functions = function_memory();
    line(b, "used_memory_lua:%zu", vm_eval);
    line(b, "used_memory_vm_eval:%zu", vm_eval);
    line(b, "used_memory_lua_human:%s", human(h, sizeof h, vm_eval));
    line(b, "used_memory_scripts_eval:%zu", scripts_eval);
    line(b, "number_of_cached_scripts:%zu", eval_count());
    line(b, "number_of_functions:%zu", function_count());
    line(b, "number_of_libraries:%zu", library_count());
    line(b, "used_memory_vm_functions:%zu", vm_functions);
    line(b, "used_memory_vm_total:%zu", vm_eval + vm_functions);
    line(b, "used_memory_vm_total_human:%s", human(h, sizeof h, vm_eval + vm_functions));
    line(b, "used_memory_functions:%zu", functions);
    line(b, "used_memory_scripts:%zu", scripts_eval + functions);
    line(b, "used_memory_scripts_human:%s", human(h, sizeof h, scripts_eval + functions));
}

/* ----------------------------------------------------------- sections */

static void section_server(struct buf *b, struct conn *c)
{
    const struct config *cfg = command_config();
    struct utsname un;
    struct timeval tv;
    char exe[PATH_MAX], conf_abs[PATH_MAX];
    if (!cfg->path || !realpath(cfg->path, conf_abs))
        snprintf(conf_abs, sizeof conf_abs, "%s", cfg->path ? cfg->path : "");
    ssize_t exe_len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[exe_len > 0 ? exe_len : 0] = '\0';
    if (uname(&un) != 0)
        memset(&un, 0, sizeof un);
    gettimeofday(&tv, NULL);
    long long uptime_s = (clock_now_ms() - stats.start_ms) / 1000;
    line(b, "redis_version:%s", TIDECACHE_REDIS_COMPAT_VERSION);
    line(b, "tidecache_version:%s", TIDECACHE_VERSION);
    line(b, "redis_git_sha1:00000000");
    line(b, "redis_git_dirty:0");
    line(b, "redis_build_id:%016llx", build_id());
    line(b, "redis_mode:standalone");
    line(b, "os:%s %s %s", un.sysname, un.release, un.machine);
    line(b, "arch_bits:%d", (int)(sizeof(long) * 8));
    line(b, "monotonic_clock:POSIX clock_gettime");
    line(b, "multiplexing_api:%s",
         c->read_ev ? event_base_get_method(event_get_base(c->read_ev)) : "unknown");
#ifdef __GNUC__
    line(b, "gcc_version:%d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
    line(b, "gcc_version:0.0.0");
#endif
    line(b, "process_id:%ld", (long)getpid());
    line(b, "run_id:%s", run_id());
    line(b, "tcp_port:%lld", cfg->port);
    line(b, "server_time_usec:%lld", (long long)tv.tv_sec * 1000000 + tv.tv_usec);
    line(b, "uptime_in_seconds:%lld", uptime_s);
    line(b, "uptime_in_days:%lld", uptime_s / SECONDS_PER_DAY);
    line(b, "hz:%lld", cfg->hz);
    line(b, "configured_hz:%lld", cfg->hz);
    line(b, "executable:%s", exe);
    line(b, "config_file:%s", conf_abs);
    line(b, "io_threads_active:0");
}

static void section_clients(struct buf *b, struct conn *c)
{
    (void)c;
    line(b, "connected_clients:%zu", conn_count());
    line(b, "cluster_connections:0");
    line(b, "maxclients:%lld", command_config()->maxclients);
    line(b, "blocked_clients:0");
    line(b, "tracking_clients:0");
    line(b, "clients_in_timeout_table:0");
}

static double percent(size_t part, size_t whole)
{
    return whole ? (double)part * 100.0 / (double)whole : 0.0;
}

static void section_memory(struct buf *b, struct conn *c)
{
    (void)c;
    const struct config *cfg = command_config();
    char h[32];
    char policy[64];
    size_t used = mem_used();
    size_t peak = stats_peak_memory();
    size_t rss = rss_bytes();
    size_t dataset = 0, lazyfree = 0;
    for (int i = 0; i < db_count(); i++) {
        dataset += store_memory(db_get(i));
        lazyfree += store_lazyfree_pending(db_get(i));
    }
    if (dataset > used)
        dataset = used;
    unsigned long long total = (unsigned long long)sysconf(_SC_PHYS_PAGES) *
                               (unsigned long long)sysconf(_SC_PAGESIZE);
    if (config_format(cfg, "maxmemory-policy", policy, sizeof policy) < 0)
        policy[0] = '\0';
    line(b, "used_memory:%zu", used);
    line(b, "used_memory_human:%s", human(h, sizeof h, used));
    line(b, "used_memory_rss:%zu", rss);
    line(b, "used_memory_rss_human:%s", human(h, sizeof h, rss));
    line(b, "used_memory_peak:%zu", peak);
    line(b, "used_memory_peak_human:%s", human(h, sizeof h, peak));
    line(b, "used_memory_peak_perc:%.2f%%", percent(used, peak));
    line(b, "used_memory_overhead:%zu", used - dataset);
    line(b, "used_memory_dataset:%zu", dataset);
    line(b, "used_memory_dataset_perc:%.2f%%", percent(dataset, used));
    line(b, "total_system_memory:%llu", total);
    line(b, "total_system_memory_human:%s", human(h, sizeof h, total));
    section_memory_scripts(b);
    line(b, "maxmemory:%lld", cfg->maxmemory);
    line(b, "maxmemory_human:%s", human(h, sizeof h, (unsigned long long)cfg->maxmemory));
    line(b, "maxmemory_policy:%s", policy);
    line(b, "mem_fragmentation_ratio:%.2f", used ? (double)rss / (double)used : 0.0);
    line(b, "mem_fragmentation_bytes:%lld", (long long)rss - (long long)used);
    line(b, "mem_allocator:%s", mem_allocator());
    line(b, "lazyfree_pending_objects:%zu", lazyfree);
}

/* Nothing is ever saved: the fields say so in Redis's words. */
static void section_persistence(struct buf *b, struct conn *c)
{
    (void)c;
    line(b, "loading:0");
    line(b, "async_loading:0");
    line(b, "rdb_changes_since_last_save:0");
    line(b, "rdb_bgsave_in_progress:0");
    line(b, "rdb_last_save_time:%lld", (long long)(stats.start_ms / 1000));
    line(b, "rdb_last_bgsave_status:ok");
    line(b, "rdb_last_bgsave_time_sec:-1");
    line(b, "rdb_current_bgsave_time_sec:-1");
    line(b, "rdb_saves:0");
    line(b, "aof_enabled:0");
    line(b, "aof_rewrite_in_progress:0");
    line(b, "aof_rewrite_scheduled:0");
    line(b, "aof_last_rewrite_time_sec:-1");
    line(b, "aof_current_rewrite_time_sec:-1");
    line(b, "aof_last_bgrewrite_status:ok");
    line(b, "aof_rewrites:0");
    line(b, "aof_last_write_status:ok");
}

static void section_stats(struct buf *b, struct conn *c)
{
    (void)c;
    line(b, "total_connections_received:%llu", (unsigned long long)stats.connections_received);
    line(b, "total_commands_processed:%llu", (unsigned long long)stats.commands_processed);
    line(b, "instantaneous_ops_per_sec:%llu", (unsigned long long)stats_rate(STATS_OPS));
    line(b, "total_net_input_bytes:%llu", (unsigned long long)stats.net_input_bytes);
    line(b, "total_net_output_bytes:%llu", (unsigned long long)stats.net_output_bytes);
    line(b, "instantaneous_input_kbps:%.2f", (double)stats_rate(STATS_NET_INPUT) / 1024);
    line(b, "instantaneous_output_kbps:%.2f", (double)stats_rate(STATS_NET_OUTPUT) / 1024);
    line(b, "rejected_connections:%llu", (unsigned long long)stats.connections_rejected);
    line(b, "sync_full:0");
    line(b, "sync_partial_ok:0");
    line(b, "sync_partial_err:0");
    line(b, "expired_keys:%llu", (unsigned long long)stats_expired_keys());
    line(b, "expired_subkeys:%llu", (unsigned long long)stats_expired_fields());
    line(b, "evicted_keys:%llu", (unsigned long long)stats.evicted_keys);
    line(b, "evicted_clients:0");
    line(b, "keyspace_hits:%llu", (unsigned long long)stats.keyspace_hits);
    line(b, "keyspace_misses:%llu", (unsigned long long)stats.keyspace_misses);
    line(b, "pubsub_channels:0");
    line(b, "pubsub_patterns:0");
    line(b, "latest_fork_usec:0");
    line(b, "total_forks:0");
    line(b, "total_error_replies:%llu", (unsigned long long)stats.error_replies);
}

static void section_replication(struct buf *b, struct conn *c)
{
    (void)c;
    line(b, "role:master");
    line(b, "connected_slaves:0");
    line(b, "master_failover_state:no-failover");
    line(b, "master_replid:%s", master_replid());
    line(b, "master_replid2:0000000000000000000000000000000000000000");
    line(b, "master_repl_offset:0");
    line(b, "second_repl_offset:-1");
    line(b, "repl_backlog_active:0");
    line(b, "repl_backlog_size:0");
    line(b, "repl_backlog_first_byte_offset:0");
    line(b, "repl_backlog_histlen:0");
}

static void cpu_line(struct buf *b, const char *name, const struct timeval *tv)
{
    line(b, "%s:%ld.%06ld", name, (long)tv->tv_sec, (long)tv->tv_usec);
}

static void section_cpu(struct buf *b, struct conn *c)
{
    (void)c;
    struct rusage self, children, thread;
    memset(&self, 0, sizeof self);
    memset(&children, 0, sizeof children);
    memset(&thread, 0, sizeof thread);
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
    cpu_line(b, "used_cpu_sys", &self.ru_stime);
    cpu_line(b, "used_cpu_user", &self.ru_utime);
    cpu_line(b, "used_cpu_sys_children", &children.ru_stime);
    cpu_line(b, "used_cpu_user_children", &children.ru_utime);
    cpu_line(b, "used_cpu_sys_main_thread", &thread.ru_stime);
    cpu_line(b, "used_cpu_user_main_thread", &thread.ru_utime);
}

static void section_modules(struct buf *b, struct conn *c)
{
    (void)b;
    (void)c; /* no modules: the header alone */
}

static void section_cluster(struct buf *b, struct conn *c)
{
    (void)c;
    line(b, "cluster_enabled:0");
}

/* One line per keyspace that holds keys. */
static void section_keyspace(struct buf *b, struct conn *c)
{
    (void)c;
    for (int i = 0; i < db_count(); i++) {
        const struct store *s = db_get(i);
        size_t keys = store_count(s);
        if (keys == 0)
            continue;
        line(b, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld,subexpiry=%zu", i, keys,
             store_expires_count(s), (long long)store_avg_ttl_ms(s), store_subexpiry_count(s));
    }
}

/* ----------------------------------------------------------- selection */

/* In the order INFO prints them. */
static const struct {
    const char *name;   /* as an INFO argument */
    const char *title;  /* after "# " */
    void (*fn)(struct buf *b, struct conn *c);
} sections[] = {
    {"server", "Server", section_server},
    {"clients", "Clients", section_clients},
    {"memory", "Memory", section_memory},
    {"persistence", "Persistence", section_persistence},
    {"stats", "Stats", section_stats},
    {"replication", "Replication", section_replication},
    {"cpu", "CPU", section_cpu},
    {"modules", "Modules", section_modules},
    {"cluster", "Cluster", section_cluster},
    {"keyspace", "Keyspace", section_keyspace},
};

#define NSECTIONS (sizeof sections / sizeof sections[0])

/* Mark the sections the arguments ask for. No argument, "default", "all"
 * and "everything" all mean every section here (the sections Redis leaves
 * out of the default, commandstats and latencystats, do not exist). Names
 * are case-insensitive; unknown ones select nothing. */
static void select_sections(size_t argc, struct arg *argv, bool *want)
{
    bool every = argc < 2;
    for (size_t a = 1; a < argc; a++) {
        if (arg_is(&argv[a], "default") || arg_is(&argv[a], "all") ||
            arg_is(&argv[a], "everything"))
            every = true;
        for (size_t i = 0; i < NSECTIONS; i++)
            if (arg_is(&argv[a], sections[i].name))
                want[i] = true;
    }
    for (size_t i = 0; every && i < NSECTIONS; i++)
        want[i] = true;
}

/* INFO [section [section ...]] */
void cmd_info(struct conn *c, size_t argc, struct arg *argv)
{
    bool want[NSECTIONS] = {false};
    struct buf b;
    size_t printed = 0;
    select_sections(argc, argv, want);
    stats_peak_memory();
    buf_init(&b);
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (!want[i])
            continue;
        if (printed++)
            buf_append(&b, "\r\n", 2);
        line(&b, "# %s", sections[i].title);
        sections[i].fn(&b, c);
    }
    reply_verbatim(c, b.data ? b.data + b.start : "", buf_used(&b));
    buf_free(&b);
}
