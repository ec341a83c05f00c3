/*
 * Soak test for tidecache: minutes or hours of mixed, checked traffic against
 * one server process, with protocol abuse and runtime config changes going on
 * alongside, while the server's memory is watched for upward drift.
 *
 *   soak --server BIN --seconds N [--mode plain|maxmemory|both] [--clients C]
 *        [--seed S]
 *
 * Contract
 * - The program starts BIN itself (fork/exec) on a free 127.0.0.1 port, with
 *   a config written to a mkdtemp directory (logfile there too, hz 10), and
 *   contacts nothing but 127.0.0.1. Mode "plain" has no memory cap. Mode
 *   "maxmemory" sets maxmemory 32mb and maxmemory-policy volatile-lru, and
 *   adds a filler thread writing large keys with a TTL so that eviction runs
 *   the whole time. Mode "both" (the default) runs plain for half of the
 *   seconds, then a fresh server in maxmemory mode for the other half.
 * - Exit status 0 only when every phase had no mismatch, no lost key without
 *   a TTL, no upward memory drift, no sanitizer report in the server's log or
 *   output, the server answered PING on fresh connections throughout, and it
 *   exited with status 0 after SIGTERM. Any failure exits 1; bad arguments 2.
 *   On failure the server's directory (config, log, output) is kept and named.
 * - Every loop stops by itself: workers and chaos threads at the phase's
 *   deadline, every network wait under a timeout, server start and stop under
 *   fixed bounds.
 *
 * Parts
 * - soak.c (this file): arguments, the server process (start, stop, its
 *   files), phases (threads started and joined, the server's final state),
 *   the memory watch and the summary lines.
 * - soak_worker.c: a worker thread: the mix of operations, their argument
 *   vectors, single commands, pipelines and MULTI blocks, and the check
 *   each reply goes to.
 * - soak_model.c: the per-key model every check relies on: expiry windows,
 *   what a request may see of a key, expected replies, mismatch reports.
 * - soak_strings.c: string keys and counters, and the commands on a key as
 *   a whole: the operations chosen, their expected replies and effects.
 * - soak_types.c: the same for hash and set keys, field by field and
 *   member by member, with their encodings; and WRONGTYPE probes.
 * - soak_chaos.c: the chaos threads, and the filler of maxmemory mode.
 * - soak_util.c: time, randomness, allocation and loopback connections.
 * - soak.h: what more than one part uses.
 *
 * Reasoning
 * - Each worker owns its keys ("soak:<worker>:<i>" and a few counters), so
 *   only the server's expiry and eviction can change them behind the
 *   worker's back, and every reply can be predicted from a per-key model:
 *   absent, present with a value (bytes) and maybe an expiry, or unknown.
 *   How the model tells a right reply from a wrong one is explained in
 *   soak_model.c, and what is particular to each type of key in
 *   soak_strings.c and soak_types.c.
 * - Memory: VmRSS and VmHWM are read from /proc every second. The run fails
 *   when the mean RSS of the last quarter of the samples exceeds the mean of
 *   the second quarter by more than 15% + 8 MiB: the first quarter is
 *   warm-up (tables and pools growing), and a server that keeps growing
 *   after that under a steady load leaks.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "soak.h"

/* Timeouts and bounds (milliseconds unless named otherwise). */
#define START_TIMEOUT_MS        15000
#define START_ATTEMPTS          3
#define STOP_TIMEOUT_MS         20000
#define POLL_INTERVAL_MS        10
#define LIVENESS_FAILURES_FATAL 3 /* consecutive failed PINGs end the phase */
#define SAMPLE_INTERVAL_MS      1000

/* Memory rule. */
#define MAXMEMORY_TEXT    "32mb"
#define WARMUP_FRACTION   0.10
#define DRIFT_FACTOR      1.15
#define DRIFT_SLACK_MIB   8.0
#define MIN_DRIFT_SAMPLES 8

#define MIB (1024.0 * 1024.0)

/* ------------------------------------------------------------------ */
/* The server process                                                  */
/* ------------------------------------------------------------------ */

static bool port_accepts(int port)
{
    int fd = raw_connect(port, 200);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* The server's config: loopback only, log in the scratch directory, and
 * the memory cap in maxmemory mode. */
static bool write_config(const struct server_proc *s, enum soak_mode mode)
{
    FILE *f = fopen(s->conf_path, "w");
    if (!f)
        return false;
    fprintf(f, "port %d\nbind 127.0.0.1\nlogfile \"%s\"\nhz 10\n", s->port, s->log_path);
    if (mode == MODE_MAXMEMORY)
        fprintf(f, "maxmemory %s\nmaxmemory-policy volatile-lru\n", MAXMEMORY_TEXT);
    return fclose(f) == 0;
}

/* Child side of the fork: output to out_path, stdin from /dev/null, and a
 * SIGTERM should this program die first, so no server outlives it. */
static void exec_server(const struct server_proc *s, const char *bin)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int out = open(s->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
    }
    if (in >= 0)
        dup2(in, STDIN_FILENO);
    execl(bin, "tidecache", s->conf_path, (char *)NULL);
    _exit(127);
}

/* Fork and exec once; wait (bounded) until the port accepts connections.
 * Returns 1 when serving, 0 when the server exited (the port may have been
 * taken meanwhile: worth another try), -1 on a hard failure. */
static int launch_once(struct server_proc *s, const char *bin)
{
    fflush(stdout);
    fflush(stderr);
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0)
        exec_server(s, bin);
    int64_t deadline = mono_ms() + START_TIMEOUT_MS;
    while (!port_accepts(s->port)) {
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            s->early_status = status;
            return 0;
        }
        if (mono_ms() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            s->pid = 0;
            fprintf(stderr, "soak: server did not accept connections within %d ms\n",
                    START_TIMEOUT_MS);
            return -1;
        }
        sleep_ms(POLL_INTERVAL_MS);
    }
    return 1;
}

/* Start bin on a free port with a fresh config in a new temp directory. */
static bool server_start(struct server_proc *s, const char *bin, enum soak_mode mode)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/tidecache-soak-XXXXXX");
    if (!mkdtemp(s->dir)) {
        perror("soak: mkdtemp");
        return false;
    }
    snprintf(s->conf_path, sizeof s->conf_path, "%s/tidecache.conf", s->dir);
    snprintf(s->log_path, sizeof s->log_path, "%s/tidecache.log", s->dir);
    snprintf(s->out_path, sizeof s->out_path, "%s/output.log", s->dir);
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        s->port = pick_free_port();
        if (s->port <= 0 || !write_config(s, mode)) {
            fprintf(stderr, "soak: cannot prepare %s\n", s->conf_path);
            return false;
        }
        int r = launch_once(s, bin);
        if (r != 0)
            return r > 0;
    }
    int st = s->early_status;
    fprintf(stderr, "soak: server exited during startup %d times (last: %s %d%s); see %s and %s\n",
            START_ATTEMPTS, WIFEXITED(st) ? "status" : "signal",
            WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
            WIFEXITED(st) && WEXITSTATUS(st) == 127 ? ", could not exec" : "", s->log_path,
            s->out_path);
    return false;
}

/* SIGTERM, then wait (bounded) for the exit. Returns the exit status,
 * 128 + signal when killed by one, or -1 when it had to be SIGKILLed. */
static int server_stop(struct server_proc *s)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    int status = 0;
    pid_t r;
    int64_t deadline = mono_ms() + STOP_TIMEOUT_MS;
    while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && mono_ms() < deadline)
        sleep_ms(POLL_INTERVAL_MS);
    if (r == 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
        s->pid = 0;
        return -1;
    }
    s->pid = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

/* First line of path that carries a sanitizer's report, copied into line;
 * false when there is none (or no file). */
static bool find_sanitizer_report(const char *path, char *line_out, size_t cap)
{
    static const char *const MARKERS[] = {"runtime error:", "AddressSanitizer", "LeakSanitizer"};
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char *line = NULL;
    size_t linecap = 0;
    bool found = false;
    while (!found && getline(&line, &linecap, f) >= 0) {
        for (size_t i = 0; i < sizeof MARKERS / sizeof MARKERS[0] && !found; i++) {
            if (strstr(line, MARKERS[i])) {
                found = true;
                snprintf(line_out, cap, "%s", line);
                line_out[strcspn(line_out, "\r\n")] = '\0';
            }
        }
    }
    free(line);
    fclose(f);
    return found;
}

static void server_remove_files(const struct server_proc *s)
{
    unlink(s->conf_path);
    unlink(s->log_path);
    unlink(s->out_path);
    rmdir(s->dir);
}

/* ------------------------------------------------------------------ */
/* Phases                                                              */
/* ------------------------------------------------------------------ */

/* Whether threads should stop: the deadline passed or the phase ended early. */
bool phase_over(struct phase *ph)
{
    return atomic_load(&ph->stop) || mono_ms() >= ph->deadline_ms;
}

/* Print a line under the phase's lock so that threads do not interleave. */
void phase_print(struct phase *ph, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&ph->print_lock);
    vfprintf(stdout, fmt, ap);
    fflush(stdout);
    pthread_mutex_unlock(&ph->print_lock);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Memory monitor                                                      */
/* ------------------------------------------------------------------ */

/* VmRSS and VmHWM of pid in MiB; false when unreadable (a zombie has none). */
static bool read_proc_memory(pid_t pid, double *rss_mib, double *hwm_mib)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    long long rss_kib = -1, hwm_kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            rss_kib = strtoll(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            hwm_kib = strtoll(line + 6, NULL, 10);
    }
    fclose(f);
    if (rss_kib < 0 || hwm_kib < 0)
        return false;
    *rss_mib = (double)rss_kib / 1024.0;
    *hwm_mib = (double)hwm_kib / 1024.0;
    return true;
}

/* Every second: a memory sample and a PING on a fresh connection. A server
 * that stops answering ends the phase early. */
static void *monitor_main(void *arg)
{
    struct phase *ph = arg;
    int failures_in_a_row = 0;
    while (!phase_over(ph)) {
        int64_t next = mono_ms() + SAMPLE_INTERVAL_MS;
        struct mem_sample s = {.at_ms = mono_ms() - ph->start_ms};
        if (!read_proc_memory(ph->srv.pid, &s.rss_mib, &s.hwm_mib)) {
            phase_print(ph, "  FAIL [%s] the server process is gone\n", ph->name);
            atomic_store(&ph->fatal, true);
            atomic_store(&ph->stop, true);
            break;
        }
        if (ph->nsamples < ph->samples_cap)
            ph->samples[ph->nsamples++] = s;
        if (ping_fresh(ph->srv.port)) {
            failures_in_a_row = 0;
        } else {
            atomic_fetch_add(&ph->n.ping_failures, 1);
            phase_print(ph, "  FAIL [%s] server did not answer PING on a fresh connection\n",
                        ph->name);
            if (++failures_in_a_row >= LIVENESS_FAILURES_FATAL) {
                atomic_store(&ph->fatal, true);
                atomic_store(&ph->stop, true);
            }
        }
        while (!phase_over(ph) && mono_ms() < next)
            sleep_ms(50);
    }
    return NULL;
}

struct mem_report {
    double start, peak, end;
    double second_quarter, last_quarter, limit;
    bool evaluated, ok;
};

/* Mean RSS of samples [from, to), in MiB. */
static double mean_rss(const struct mem_sample *s, size_t from, size_t to)
{
    double sum = 0;
    for (size_t i = from; i < to; i++)
        sum += s[i].rss_mib;
    return to > from ? sum / (double)(to - from) : 0;
}

/* Start (first sample after the warm-up), peak, end, and the drift rule:
 * mean of the last quarter <= mean of the second quarter * 1.15 + 8 MiB. */
static void analyze_memory(const struct phase *ph, struct mem_report *m)
{
    memset(m, 0, sizeof *m);
    m->ok = true;
    size_t n = ph->nsamples;
    if (n == 0)
        return;
    int64_t warmup_ms = (int64_t)(WARMUP_FRACTION * ph->seconds * 1000);
    size_t first = 0;
    while (first + 1 < n && ph->samples[first].at_ms < warmup_ms)
        first++;
    m->start = ph->samples[first].rss_mib;
    m->end = ph->samples[n - 1].rss_mib;
    for (size_t i = 0; i < n; i++)
        m->peak = ph->samples[i].hwm_mib > m->peak ? ph->samples[i].hwm_mib : m->peak;
    if (n < MIN_DRIFT_SAMPLES)
        return;
    m->evaluated = true;
    m->second_quarter = mean_rss(ph->samples, n / 4, n / 2);
    m->last_quarter = mean_rss(ph->samples, 3 * n / 4, n);
    m->limit = m->second_quarter * DRIFT_FACTOR + DRIFT_SLACK_MIB;
    m->ok = m->last_quarter <= m->limit;
}

/* ------------------------------------------------------------------ */
/* Running a phase                                                     */
/* ------------------------------------------------------------------ */

/* A numeric field of an INFO reply ("name:value"), or -1. */
static long long info_field(const char *info, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *p = info; p && *p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, name, nlen) == 0 && p[nlen] == ':')
            return strtoll(p + nlen + 1, NULL, 10);
    }
    return -1;
}

struct final_state {
    bool answers;
    long long used_memory, evicted_keys, expired_keys, expired_subkeys;
};

/* After the load: PING on a fresh connection, and a few INFO fields. */
static void read_final_state(struct phase *ph, struct final_state *f)
{
    f->answers = ping_fresh(ph->srv.port);
    f->used_memory = f->evicted_keys = f->expired_keys = f->expired_subkeys = -1;
    redisContext *c = connect_ctx(ph->srv.port, COMMAND_TIMEOUT_MS);
    if (!c)
        return;
    redisReply *r = redisCommand(c, "INFO");
    if (r && r->type == REDIS_REPLY_STRING) {
        f->used_memory = info_field(r->str, "used_memory");
        f->evicted_keys = info_field(r->str, "evicted_keys");
        f->expired_keys = info_field(r->str, "expired_keys");
        f->expired_subkeys = info_field(r->str, "expired_subkeys");
    }
    if (r)
        freeReplyObject(r);
    redisFree(c);
}

/* The range of a big hash or set: twice the limit it should pass, plus
 * BIG_ELEMS_EXTRA, within [BIG_ELEMS_EXTRA, BIG_ELEMS_MAX]. */
static int big_range(long long limit)
{
    long long n = 2 * (limit > 0 ? limit : 0) + BIG_ELEMS_EXTRA;
    return (int)(n < BIG_ELEMS_MAX ? n : BIG_ELEMS_MAX);
}

/* The server's encoding limits (CONFIG GET), its defaults when a value
 * cannot be read, and the ranges of big hashes and sets from them. */
static void read_coll_limits(struct phase *ph)
{
    static const char *const NAMES[] = {"hash-max-listpack-entries", "hash-max-listpack-value",
                                        "set-max-intset-entries", "set-max-listpack-entries",
                                        "set-max-listpack-value"};
    struct coll_limits *lim = &ph->lim;
    long long *const values[] = {&lim->hash_entries, &lim->hash_value, &lim->set_intset,
                                 &lim->set_entries, &lim->set_value};
    const long long defaults[] = {512, 64, 512, 128, 64};
    redisContext *c = connect_ctx(ph->srv.port, COMMAND_TIMEOUT_MS);
    for (size_t i = 0; i < COUNT_OF(NAMES); i++) {
        *values[i] = defaults[i];
        redisReply *r = c ? redisCommand(c, "CONFIG GET %s", NAMES[i]) : NULL;
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
            r->element[1]->type == REDIS_REPLY_STRING)
            *values[i] = strtoll(r->element[1]->str, NULL, 10);
        else
            printf("  note [%s] CONFIG GET %s failed: the default %lld is assumed\n", ph->name,
                   NAMES[i], defaults[i]);
        if (r)
            freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    lim->big_hash_fields = big_range(lim->hash_entries);
    lim->big_int_members = big_range(lim->set_intset) + 1; /* and its string member */
    lim->big_str_members = big_range(lim->set_entries);
    printf("soak %s: hash-max-listpack-entries %lld, hash-max-listpack-value %lld, "
           "set-max-intset-entries %lld, set-max-listpack-entries %lld, set-max-listpack-value "
           "%lld; big hashes range over %d fields, big integer sets %d members, big string sets "
           "%d\n",
           ph->name, lim->hash_entries, lim->hash_value, lim->set_intset, lim->set_entries,
           lim->set_value, lim->big_hash_fields, lim->big_int_members, lim->big_str_members);
    fflush(stdout);
}

struct threads {
    struct worker *workers;
    struct chaos chaos[5];
    int nchaos;
    pthread_t monitor;
};

/* Workers (seeded from the phase's seed), chaos threads and the monitor. */
static void start_threads(struct phase *ph, struct threads *t)
{
    t->workers = calloc((size_t)ph->nworkers, sizeof *t->workers);
    if (!t->workers)
        abort();
    for (int i = 0; i < ph->nworkers; i++) {
        struct worker *w = &t->workers[i];
        w->id = i;
        w->ph = ph;
        rng_seed(&w->rng, ph->seed * 1000 + (uint64_t)i);
        worker_models_init(w);
        pthread_create(&w->thread, NULL, worker_main, w);
    }
    void *(*const chaos_fns[])(void *) = {garbage_main, unread_main, scanner_main, config_main,
                                          filler_main};
    t->nchaos = ph->mode == MODE_MAXMEMORY ? 5 : 4;
    for (int i = 0; i < t->nchaos; i++) {
        t->chaos[i].ph = ph;
        rng_seed(&t->chaos[i].rng, ph->seed * 1000 + 500 + (uint64_t)i);
        pthread_create(&t->chaos[i].thread, NULL, chaos_fns[i], &t->chaos[i]);
    }
    pthread_create(&t->monitor, NULL, monitor_main, ph);
}

/* Stop every thread, wait for it, gather the workers' check counts and
 * free their models. */
static void join_threads(struct phase *ph, struct threads *t)
{
    atomic_store(&ph->stop, true);
    for (int i = 0; i < ph->nworkers; i++) {
        struct worker *w = &t->workers[i];
        pthread_join(w->thread, NULL);
        atomic_fetch_add(&ph->n.checks_exact, w->checks_exact);
        atomic_fetch_add(&ph->n.checks_window, w->checks_window);
        atomic_fetch_add(&ph->n.checks_unknown, w->checks_unknown);
        atomic_fetch_add(&ph->n.expiries_seen, w->expiries_seen);
        atomic_fetch_add(&ph->n.hash_ops, w->hash_ops);
        atomic_fetch_add(&ph->n.set_ops, w->set_ops);
        atomic_fetch_add(&ph->n.probes, w->probes);
        atomic_fetch_add(&ph->n.wrongtype_seen, w->wrongtype_seen);
        atomic_fetch_add(&ph->n.field_expiries, w->field_expiries);
        for (int e = 0; e < 3; e++)
            atomic_fetch_add(&ph->n.coll_checks[e], w->coll_checks[e]);
        for (int e = 0; e < ENC_COUNT; e++) {
            atomic_fetch_add(&ph->n.hash_enc[e], w->hash_enc[e]);
            atomic_fetch_add(&ph->n.set_enc[e], w->set_enc[e]);
        }
        if (w->largest_hash > atomic_load(&ph->n.largest_hash))
            atomic_store(&ph->n.largest_hash, w->largest_hash);
        if (w->largest_set > atomic_load(&ph->n.largest_set))
            atomic_store(&ph->n.largest_set, w->largest_set);
        worker_models_free(w);
    }
    for (int i = 0; i < t->nchaos; i++)
        pthread_join(t->chaos[i].thread, NULL);
    pthread_join(t->monitor, NULL);
    free(t->workers);
}

static void format_mib(char *buf, size_t cap, long long bytes)
{
    if (bytes < 0)
        snprintf(buf, cap, "n/a");
    else
        snprintf(buf, cap, "%.1f MiB", (double)bytes / MIB);
}

/* The lines after the summary: how strict the checks were, server figures,
 * and one line per reason the phase failed. */
static void print_details(struct phase *ph, const struct final_state *f, int exit_status,
                          const char *sanitizer_line, const struct mem_report *m)
{
    struct counters *n = &ph->n;
    char used[32];
    format_mib(used, sizeof used, f->used_memory);
    printf("  details [%s]: key checks %lld exact, %lld within an expiry window, %lld on unknown "
           "keys; %lld expiries seen by workers; %lld chaos notes; used_memory %s, expired_keys "
           "%lld, evicted_keys %lld; server exit status %d\n",
           ph->name, atomic_load(&n->checks_exact), atomic_load(&n->checks_window),
           atomic_load(&n->checks_unknown), atomic_load(&n->expiries_seen),
           atomic_load(&n->chaos_errors), used, f->expired_keys, f->evicted_keys, exit_status);
    printf("  collections [%s]: %lld hash ops, %lld set ops (checks %lld exact, %lld within a "
           "window, %lld on unknown keys), %lld WRONGTYPE probes (%lld met the key: WRONGTYPE); "
           "%lld field expiries seen by workers, expired_subkeys %lld; largest hash seen %lld "
           "fields, largest set %lld members; OBJECT ENCODING seen: hashes listpack %lld, "
           "listpackex %lld, hashtable %lld; sets intset %lld, listpack %lld, hashtable %lld\n",
           ph->name, atomic_load(&n->hash_ops), atomic_load(&n->set_ops),
           atomic_load(&n->coll_checks[0]), atomic_load(&n->coll_checks[1]),
           atomic_load(&n->coll_checks[2]), atomic_load(&n->probes),
           atomic_load(&n->wrongtype_seen), atomic_load(&n->field_expiries), f->expired_subkeys,
           atomic_load(&n->largest_hash), atomic_load(&n->largest_set),
           atomic_load(&n->hash_enc[ENC_LISTPACK]), atomic_load(&n->hash_enc[ENC_LISTPACKEX]),
           atomic_load(&n->hash_enc[ENC_HASHTABLE]), atomic_load(&n->set_enc[ENC_INTSET]),
           atomic_load(&n->set_enc[ENC_LISTPACK]), atomic_load(&n->set_enc[ENC_HASHTABLE]));
    if (atomic_load(&n->largest_hash) <= ph->lim.hash_entries)
        printf("  note [%s] no hash was seen past hash-max-listpack-entries\n", ph->name);
    if (atomic_load(&n->largest_set) <= ph->lim.set_intset)
        printf("  note [%s] no set was seen past set-max-intset-entries\n", ph->name);
    if (!m->ok)
        printf("  FAIL [%s] memory drift\n", ph->name);
    if (!f->answers || atomic_load(&ph->fatal) || atomic_load(&n->ping_failures))
        printf("  FAIL [%s] the server stopped answering PING (%lld failed)\n", ph->name,
               atomic_load(&n->ping_failures));
    if (exit_status != 0)
        printf("  FAIL [%s] the server did not exit with status 0 after SIGTERM (status %d)\n",
               ph->name, exit_status);
    if (sanitizer_line[0])
        printf("  FAIL [%s] sanitizer report: %s\n", ph->name, sanitizer_line);
    if (ph->mode == MODE_MAXMEMORY && f->evicted_keys == 0)
        printf("  note [%s] no key was evicted: the memory cap was never reached\n", ph->name);
}

/* The verdict and the summary of a phase. */
static bool summarize(struct phase *ph, const struct final_state *f, int exit_status,
                      const char *sanitizer_line)
{
    struct mem_report m;
    analyze_memory(ph, &m);
    struct counters *n = &ph->n;
    char drift[256], fill[96] = "";
    if (m.evaluated)
        snprintf(drift, sizeof drift,
                 "drift rule: mean RSS of the last quarter %.1f MiB <= mean of the second quarter "
                 "%.1f MiB x %.2f + %.0f MiB = %.1f MiB",
                 m.last_quarter, m.second_quarter, DRIFT_FACTOR, DRIFT_SLACK_MIB, m.limit);
    else
        snprintf(drift, sizeof drift, "drift rule not applied: fewer than %d samples",
                 MIN_DRIFT_SAMPLES);
    if (ph->mode == MODE_MAXMEMORY)
        snprintf(fill, sizeof fill, ", %lld filler writes (%lld OOM)", atomic_load(&n->fill_writes),
                 atomic_load(&n->fill_oom));
    bool ok = atomic_load(&n->mismatches) == 0 && atomic_load(&n->lost_no_ttl) == 0 &&
              atomic_load(&n->ping_failures) == 0 && !atomic_load(&ph->fatal) && f->answers &&
              m.ok && exit_status == 0 && !sanitizer_line[0];
    printf("soak %s: %lld ops (%d workers), %lld mismatches, %lld lost keys without TTL; "
           "chaos: %lld garbage conns, %lld unread pipelines, %lld scans, %lld config changes%s; "
           "RSS start %.1f MiB, peak %.1f MiB, end %.1f MiB (%s): %s\n",
           ph->name, atomic_load(&n->ops), ph->nworkers, atomic_load(&n->mismatches),
           atomic_load(&n->lost_no_ttl), atomic_load(&n->garbage_conns),
           atomic_load(&n->unread_pipelines), atomic_load(&n->scans),
           atomic_load(&n->config_changes), fill, m.start, m.peak, m.end, drift,
           ok ? "ok" : "FAILED");
    print_details(ph, f, exit_status, sanitizer_line, &m);
    fflush(stdout);
    return ok;
}

/* One phase: start the server, load it for ph->seconds, stop it, judge. */
static bool run_phase(struct phase *ph, const char *bin)
{
    printf("soak %s: starting %s for %d s, %d workers, seed %" PRIu64 "\n", ph->name, bin,
           ph->seconds, ph->nworkers, ph->seed);
    fflush(stdout);
    if (!server_start(&ph->srv, bin, ph->mode)) {
        printf("soak %s: FAILED: the server did not start\n", ph->name);
        return false;
    }
    pthread_mutex_init(&ph->print_lock, NULL);
    read_coll_limits(ph);
    ph->samples_cap = (size_t)ph->seconds * 2 + 16;
    ph->samples = calloc(ph->samples_cap, sizeof *ph->samples);
    ph->start_ms = mono_ms();
    ph->deadline_ms = ph->start_ms + (int64_t)ph->seconds * 1000;
    struct threads t;
    start_threads(ph, &t);
    while (!phase_over(ph))
        sleep_ms(100);
    join_threads(ph, &t);

    struct final_state f;
    read_final_state(ph, &f);
    int status = server_stop(&ph->srv);
    char sanitizer_line[512] = "";
    if (!find_sanitizer_report(ph->srv.log_path, sanitizer_line, sizeof sanitizer_line))
        find_sanitizer_report(ph->srv.out_path, sanitizer_line, sizeof sanitizer_line);
    bool ok = summarize(ph, &f, status, sanitizer_line);
    if (ok)
        server_remove_files(&ph->srv);
    else
        printf("  the server's config, log and output are kept in %s\n", ph->srv.dir);
    free(ph->samples);
    pthread_mutex_destroy(&ph->print_lock);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */
/* ------------------------------------------------------------------ */

#define SEED_MASK ((1ULL << 62) - 1) /* printed seeds can be passed back to --seed */

struct options {
    const char *server;
    int seconds;
    int clients;
    bool plain, maxmemory;
    uint64_t seed;
};

static void usage(void)
{
    fprintf(stderr, "usage: soak --server BIN --seconds N [--mode plain|maxmemory|both] [--clients "
                    "C] [--seed S]\n");
    exit(2);
}

static long parse_number(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        usage();
    return v;
}

/* Command-line options; anything unexpected prints the usage and exits 2. */
static void parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){.seconds = 600,
                          .clients = 8,
                          .plain = true,
                          .maxmemory = true,
                          .seed = ((uint64_t)wall_us() ^ ((uint64_t)getpid() << 40)) & SEED_MASK};
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!value)
            usage();
        if (strcmp(argv[i], "--server") == 0) {
            o->server = value;
        } else if (strcmp(argv[i], "--seconds") == 0) {
            o->seconds = (int)parse_number(value, 1, 7 * 24 * 3600);
        } else if (strcmp(argv[i], "--clients") == 0) {
            o->clients = (int)parse_number(value, 1, 256);
        } else if (strcmp(argv[i], "--seed") == 0) {
            o->seed = (uint64_t)parse_number(value, 0, (long)SEED_MASK);
        } else if (strcmp(argv[i], "--mode") == 0) {
            o->plain = strcmp(value, "plain") == 0 || strcmp(value, "both") == 0;
            o->maxmemory = strcmp(value, "maxmemory") == 0 || strcmp(value, "both") == 0;
            if (!o->plain && !o->maxmemory)
                usage();
        } else {
            usage();
        }
    }
    if (!o->server)
        usage();
}

/* Run the phases the mode asks for, each with a fresh server; exit 0 only
 * when all of them passed. */
int main(int argc, char **argv)
{
    struct options o;
    parse_options(argc, argv, &o);
    signal(SIGPIPE, SIG_IGN);
    bool ok = true;
    int plain_seconds = o.plain && o.maxmemory ? (o.seconds + 1) / 2 : o.seconds;
    static struct phase phases[2];
    int nphases = 0;
    if (o.plain)
        phases[nphases++] =
            (struct phase){.mode = MODE_PLAIN, .name = "plain", .seconds = plain_seconds};
    if (o.maxmemory)
        phases[nphases++] =
            (struct phase){.mode = MODE_MAXMEMORY,
                           .name = "maxmemory",
                           .seconds = o.plain ? o.seconds - plain_seconds : o.seconds};
    for (int i = 0; i < nphases; i++) {
        struct phase *ph = &phases[i];
        if (ph->seconds <= 0)
            continue;
        ph->nworkers = o.clients;
        ph->seed = o.seed + (uint64_t)i;
        ok = run_phase(ph, o.server) && ok;
    }
    printf("soak: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
