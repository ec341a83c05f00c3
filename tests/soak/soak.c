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
 * Reasoning
 * - Each worker owns its keys ("soak:<worker>:<i>" and a few counters), so
 *   only the server's expiry and eviction can change them behind the
 *   worker's back, and every reply can be predicted from a per-key model:
 *   absent, present with a value (bytes) and maybe an expiry, or unknown.
 * - The instant a key expires is only known within a window: a write with a
 *   TTL sent at t0 and answered at t1 expires in [t0 + ttl, t1 + ttl]
 *   (exactly at the given instant for PXAT / PEXPIREAT). A later request sent
 *   at t0 and answered at t1 must see the key when t1 < window start - TOL
 *   and must not see it when t0 > window end + TOL (TOL = 50 ms, for the
 *   server's cached clock); in between either answer is right, and the
 *   answer tells the model which one happened. With a memory cap and a
 *   volatile-* policy, a key with a TTL may vanish at any time, but a key
 *   without one never may: losing one is a mismatch of its own kind.
 * - When neither candidate can be excluded and the two lead to different
 *   states (SET KEEPTTL on a key that may just have expired, APPEND to an
 *   empty value that may be gone), the key becomes "unknown"; its next
 *   operation is usually one that overwrites or deletes it, after which the
 *   model is exact again. Replies about unknown keys are checked for their
 *   type only.
 * - Workers run flat out, so a key that is written all the time never
 *   reaches its TTL. Hence three kinds of keys: a few hot ones that take
 *   half of the operations (many commands on one key close together), warm
 *   ones with the full mix, and cold ones (the upper half) that are mostly
 *   read and only written with short TTLs: theirs run out while they are
 *   being read, which is where expiry is checked. The summary counts the
 *   expiries the workers saw and the checks that fell inside a window.
 * - Pipelines stay under ~32 KB of requests: the server stops reading from a
 *   client whose unread replies pass 256 KB, and a client that writes more
 *   before reading would wait on itself.
 * - Chaos threads (garbage requests, unread pipelines, scans, config changes)
 *   are judged only by the server still answering PING on a fresh
 *   connection; they exist to make the checked traffic run through every
 *   other path of the server at the same time.
 * - Memory: VmRSS and VmHWM are read from /proc every second. The run fails
 *   when the mean RSS of the last quarter of the samples exceeds the mean of
 *   the second quarter by more than 15% + 8 MiB: the first quarter is
 *   warm-up (tables and pools growing), and a server that keeps growing
 *   after that under a steady load leaks.
 */
#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Keys and the model. */
#define KEYS_PER_WORKER     256 /* soak:<worker>:<i>, i below this */
#define COUNTERS_PER_WORKER 4   /* soak:<worker>:ctr:<j> */
#define MODEL_KEYS          (KEYS_PER_WORKER + COUNTERS_PER_WORKER)
#define HOT_KEYS            16    /* half the picks: a key sees many ops close together */
#define TOL_US              50000 /* 50 ms around an expiry instant */
/* Keys from COLD_KEYS_FROM on are read-mostly and short-lived: of the
 * single-key writes chosen for them only COLD_WRITE_PERCENT stay writes,
 * always with a short TTL (the rest become reads), and MSET and DEL leave
 * them alone, so the TTLs they get run out while they are being read. */
#define COLD_KEYS_FROM     128
#define COLD_WRITE_PERCENT 20

/* Values and TTLs. */
#define SMALL_VALUE_MAX_BYTES    2000
#define BIG_VALUE_MIN_BYTES      (20 * 1024)
#define BIG_VALUE_MAX_BYTES      (100 * 1024)
#define BIG_VALUE_PERCENT        2
#define PIPELINE_VALUE_MAX_BYTES 600 /* 50 ops stay under ~32 KB of requests */
#define SHORT_TTL_MIN_MS         100
#define SHORT_TTL_MAX_MS         3000
#define LONG_TTL_MIN_S           10
#define LONG_TTL_MAX_S           100
#define SETRANGE_MAX_OFFSET      300
#define SETRANGE_MAX_BYTES       64
#define COUNTER_START_ABS        1000000 /* SET of a counter: a value in +-this */
#define INCRBY_MAX_ABS           100000

/* Batches. */
#define PIPELINE_MIN_OPS 10
#define PIPELINE_MAX_OPS 50
#define MULTI_MIN_OPS    2
#define MULTI_MAX_OPS    5
#define OP_MAX_KEYS      8
#define OP_MAX_ARGS      20
#define OP_TEXT_BYTES    40

/* Timeouts and bounds (milliseconds unless named otherwise). */
#define START_TIMEOUT_MS        15000
#define START_ATTEMPTS          3
#define STOP_TIMEOUT_MS         20000
#define POLL_INTERVAL_MS        10
#define CONNECT_TIMEOUT_MS      5000
#define COMMAND_TIMEOUT_MS      15000
#define LIVENESS_TIMEOUT_MS     5000
#define LIVENESS_FAILURES_FATAL 3  /* consecutive failed PINGs end the phase */
#define MAX_RECONNECTS          5  /* per worker, then it stops */
#define MAX_MISMATCH_REPORTS    20 /* printed in detail; all are counted */
#define SAMPLE_INTERVAL_MS      1000

/* Chaos. */
#define GARBAGE_BUF_BYTES      (80 * 1024)
#define GARBAGE_INLINE_BYTES   (70 * 1024) /* past the server's 64 KB inline limit */
#define GARBAGE_SEND_MS        500
#define GARBAGE_READ_MS        150
#define CHAOS_PING_EVERY       25 /* chaos iterations between liveness PINGs */
#define BIG_CHAOS_KEYS         8  /* soak:chaos:big:<n>, read by unread pipelines */
#define UNREAD_MIN_GETS        1000
#define UNREAD_MAX_GETS        4000
#define UNREAD_SEND_MS         1000
#define SCAN_MAX_CALLS         100000 /* per full SCAN iteration */
#define CONFIG_MIN_INTERVAL_MS 800
#define CONFIG_MAX_INTERVAL_MS 1200
#define FILL_KEYS              4096 /* soak:fill:<n> */
#define FILL_BATCH             8
#define FILL_MIN_BYTES         (32 * 1024)
#define FILL_MAX_BYTES         (128 * 1024)
#define FILL_PAUSE_MS          40 /* between batches: ~15 MB/s at most */
#define FILL_MIN_TTL_S         5
#define FILL_MAX_TTL_S         60

/* Memory rule. */
#define MAXMEMORY_TEXT    "32mb"
#define WARMUP_FRACTION   0.10
#define DRIFT_FACTOR      1.15
#define DRIFT_SLACK_MIB   8.0
#define MIN_DRIFT_SAMPLES 8

#define MIB (1024.0 * 1024.0)

/* ------------------------------------------------------------------ */
/* Time, randomness, allocation                                        */
/* ------------------------------------------------------------------ */

/* Wall-clock microseconds: expiry instants are wall-clock (PXAT,
 * PEXPIRETIME), so the model keeps its windows in the same clock. */
static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Monotonic milliseconds, for deadlines. */
static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static long long floor_div(long long a, long long b)
{
    long long q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static long long ceil_div(long long a, long long b)
{
    return -floor_div(-a, b);
}

struct rng {
    uint64_t state;
};

/* splitmix64 of the seed, so that neighbouring seeds give unrelated streams. */
static void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    r->state = z ? z : 1;
}

/* xorshift64*: fast, and good enough to pick operations. */
static uint64_t rng_next(struct rng *r)
{
    uint64_t x = r->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_below(struct rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}

/* Uniform in [lo, hi], both included. */
static long long rng_between(struct rng *r, long long lo, long long hi)
{
    return lo + (long long)rng_below(r, (uint64_t)(hi - lo) + 1);
}

static bool rng_percent(struct rng *r, unsigned pct)
{
    return rng_below(r, 100) < pct;
}

/* Random bytes, any value; or, when text, letters and digits only. */
static void rng_fill(struct rng *r, unsigned char *p, size_t n, bool text)
{
    static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x = rng_next(r);
        for (size_t j = 0; j < 8 && i + j < n; j++, x >>= 8)
            p[i + j] = text ? (unsigned char)ALNUM[(x & 0xff) % 36] : (unsigned char)(x & 0xff);
    }
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "soak: out of memory\n");
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "soak: out of memory\n");
        abort();
    }
    return q;
}

/* ------------------------------------------------------------------ */
/* Sockets                                                             */
/* ------------------------------------------------------------------ */

static struct sockaddr_in loopback_addr(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A loopback port the kernel considers free right now. */
static int pick_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = loopback_addr(0);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* A non-blocking TCP connection to 127.0.0.1:port, established within
 * timeout_ms; -1 when it is not. */
static int raw_connect(int port, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct sockaddr_in a = loopback_addr(port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t elen = sizeof err;
    if (poll(&pfd, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 ||
        err != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool port_accepts(int port)
{
    int fd = raw_connect(port, 200);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* Send as much of buf as the peer takes within timeout_ms; errors (the
 * server closing after a protocol error) end the sending quietly. */
static void send_bounded(int fd, const char *buf, size_t len, int timeout_ms)
{
    int64_t deadline = mono_ms() + timeout_ms;
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return;
        int64_t left = deadline - mono_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        if (left <= 0 || poll(&pfd, 1, (int)left) != 1)
            return;
    }
}

/* Read and discard whatever arrives until EOF, an error or timeout_ms. */
static void drain_bounded(int fd, int timeout_ms)
{
    char scratch[16384];
    int64_t deadline = mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - mono_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, (int)left) != 1)
            return;
        ssize_t n = recv(fd, scratch, sizeof scratch, 0);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return;
    }
}

/* Close, sometimes with a reset instead of a FIN. */
static void close_maybe_reset(int fd, bool reset)
{
    if (reset) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close(fd);
}

/* A hiredis connection with connect and I/O timeouts; NULL on failure. */
static redisContext *connect_ctx(int port, int timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (!c)
        return NULL;
    if (c->err) {
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    return c;
}

/* Whether the server answers PING with PONG on a fresh connection. */
static bool ping_fresh(int port)
{
    redisContext *c = connect_ctx(port, LIVENESS_TIMEOUT_MS);
    if (!c)
        return false;
    redisReply *r = redisCommand(c, "PING");
    bool ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
    if (r)
        freeReplyObject(r);
    redisFree(c);
    return ok;
}

/* ------------------------------------------------------------------ */
/* The server process                                                  */
/* ------------------------------------------------------------------ */

enum soak_mode { MODE_PLAIN, MODE_MAXMEMORY };

struct server_proc {
    pid_t pid;
    int port;
    char dir[64];
    char conf_path[128];
    char log_path[128];
    char out_path[128]; /* the server's stdout and stderr */
    int early_status;   /* wait status of a server that exited during startup */
};

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
/* A phase: one server, its workers, chaos threads and counters        */
/* ------------------------------------------------------------------ */

struct counters {
    atomic_llong ops;
    atomic_llong mismatches;
    atomic_llong lost_no_ttl;
    atomic_llong garbage_conns;
    atomic_llong unread_pipelines;
    atomic_llong scans;
    atomic_llong config_changes;
    atomic_llong fill_writes;
    atomic_llong fill_oom;
    atomic_llong chaos_errors;
    atomic_llong ping_failures;
    atomic_llong checks_exact;   /* key replies the model predicted exactly */
    atomic_llong checks_window;  /* ... where the key could be there or gone */
    atomic_llong checks_unknown; /* ... on unknown keys: type checked only */
    atomic_llong expiries_seen;  /* replies showing that a key's TTL had run out */
};

struct mem_sample {
    double rss_mib;
    double hwm_mib;
    int64_t at_ms; /* since the phase started */
};

struct phase {
    enum soak_mode mode;
    const char *name;
    int seconds;
    int nworkers;
    uint64_t seed;
    struct server_proc srv;
    atomic_bool stop;
    atomic_bool fatal; /* the server stopped answering: the phase ends early */
    int64_t start_ms, deadline_ms;
    struct counters n;
    pthread_mutex_t print_lock;
    struct mem_sample *samples; /* written by the monitor, read after join */
    size_t nsamples, samples_cap;
};

/* Whether threads should stop: the deadline passed or the phase ended early. */
static bool phase_over(struct phase *ph)
{
    return atomic_load(&ph->stop) || mono_ms() >= ph->deadline_ms;
}

/* Print a line under the phase's lock so that threads do not interleave. */
static void phase_print(struct phase *ph, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void phase_print(struct phase *ph, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&ph->print_lock);
    vfprintf(stdout, fmt, ap);
    fflush(stdout);
    pthread_mutex_unlock(&ph->print_lock);
    va_end(ap);
}

/* A chaos thread saw something odd: counted and, the first few times,
 * printed. It does not fail the run by itself. */
static void chaos_note(struct phase *ph, const char *what, const redisReply *r)
{
    long long n = atomic_fetch_add(&ph->n.chaos_errors, 1);
    if (n < MAX_MISMATCH_REPORTS)
        phase_print(ph, "  note [%s] chaos: %s%s%.*s\n", ph->name, what, r && r->str ? ": " : "",
                    r && r->str ? (int)(r->len < 200 ? r->len : 200) : 0,
                    r && r->str ? r->str : "");
}

/* A fresh connection's PING, counted when it fails. */
static void chaos_liveness(struct phase *ph)
{
    if (!ping_fresh(ph->srv.port)) {
        atomic_fetch_add(&ph->n.ping_failures, 1);
        phase_print(ph, "  FAIL [%s] server did not answer PING on a fresh connection\n", ph->name);
    }
}

/* ------------------------------------------------------------------ */
/* The key model and expected replies                                  */
/* ------------------------------------------------------------------ */

enum key_state { KEY_ABSENT, KEY_PRESENT, KEY_UNKNOWN };

struct key_model {
    enum key_state state;
    unsigned char *val;
    size_t len, cap;
    bool has_ttl;
    int64_t exp_lo_us, exp_hi_us; /* wall clock: the expiry lies in [lo, hi] */
};

/* What the model can say about a key at a request sent at t0, answered at t1. */
enum presence { SURE_PRESENT, SURE_ABSENT, MAYBE };

/* What the reply revealed: the key was there, was not, or cannot be told. */
enum was { WAS_PRESENT, WAS_ABSENT, WAS_EITHER };

struct worker {
    int id;
    struct phase *ph;
    pthread_t thread;
    redisContext *c;
    struct rng rng;
    int reconnects;
    bool dead;
    char context[48]; /* "single", "pipeline 3/17", "multi 2/4": for reports */
    long long checks_exact, checks_window, checks_unknown, expiries_seen; /* summed at the end */
    struct key_model keys[MODEL_KEYS];
};

/* What a request sent at t0 and answered at t1 may see of the key: surely
 * there, surely gone (its whole expiry window passed), or either. */
static enum presence classify(const struct worker *w, const struct key_model *km, int64_t t0,
                              int64_t t1)
{
    if (km->state == KEY_UNKNOWN)
        return MAYBE;
    if (km->state == KEY_ABSENT)
        return SURE_ABSENT;
    if (!km->has_ttl)
        return SURE_PRESENT;
    if (t0 > km->exp_hi_us + TOL_US)
        return SURE_ABSENT;
    /* Under volatile-* eviction a key with a TTL may go at any time. */
    if (w->ph->mode == MODE_PLAIN && t1 < km->exp_lo_us - TOL_US)
        return SURE_PRESENT;
    return MAYBE;
}

/* Room for n bytes of value. */
static void km_reserve(struct key_model *km, size_t n)
{
    if (n > km->cap) {
        size_t cap = n < 64 ? 64 : n;
        km->val = xrealloc(km->val, cap);
        km->cap = cap;
    }
}

/* Present with this value; the caller sets or keeps the TTL. */
static void km_store(struct key_model *km, const void *p, size_t len)
{
    km_reserve(km, len);
    if (len)
        memmove(km->val, p, len);
    km->len = len;
    km->state = KEY_PRESENT;
}

/* Known to be absent. */
static void km_delete(struct key_model *km)
{
    km->state = KEY_ABSENT;
    km->len = 0;
    km->has_ttl = false;
}

/* Nothing known: absent, or present with any value and TTL. */
static void km_forget(struct key_model *km)
{
    km->state = KEY_UNKNOWN;
    km->len = 0;
    km->has_ttl = false;
}

static void km_persist(struct key_model *km)
{
    km->has_ttl = false;
}

enum expect_kind { EXP_NIL, EXP_STATUS, EXP_STR, EXP_ANY_STR, EXP_INT_RANGE };

struct expect {
    enum expect_kind kind;
    const unsigned char *s;
    size_t len;
    long long lo, hi;
};

static struct expect exp_nil(void)
{
    return (struct expect){.kind = EXP_NIL};
}

static struct expect exp_status(const char *s)
{
    return (struct expect){.kind = EXP_STATUS, .s = (const unsigned char *)s, .len = strlen(s)};
}

static struct expect exp_str(const unsigned char *s, size_t len)
{
    return (struct expect){.kind = EXP_STR, .s = s, .len = len};
}

static struct expect exp_any_str(void)
{
    return (struct expect){.kind = EXP_ANY_STR};
}

static struct expect exp_range(long long lo, long long hi)
{
    return (struct expect){.kind = EXP_INT_RANGE, .lo = lo, .hi = hi};
}

static struct expect exp_int(long long v)
{
    return exp_range(v, v);
}

/* Whether reply r is the one e describes (exact bytes, type only, or an
 * integer range). */
static bool reply_matches(const redisReply *r, const struct expect *e)
{
    switch (e->kind) {
    case EXP_NIL: return r->type == REDIS_REPLY_NIL;
    case EXP_STATUS:
        return r->type == REDIS_REPLY_STATUS && (size_t)r->len == e->len &&
               memcmp(r->str, e->s, e->len) == 0;
    case EXP_STR:
        return r->type == REDIS_REPLY_STRING && (size_t)r->len == e->len &&
               (e->len == 0 || memcmp(r->str, e->s, e->len) == 0);
    case EXP_ANY_STR: return r->type == REDIS_REPLY_STRING;
    case EXP_INT_RANGE:
        return r->type == REDIS_REPLY_INTEGER && r->integer >= e->lo && r->integer <= e->hi;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */
/* ------------------------------------------------------------------ */

enum op_kind {
    OP_SET,
    OP_SETNX,
    OP_SETEX,
    OP_PSETEX,
    OP_GETSET,
    OP_GET,
    OP_MGET,
    OP_DEL,
    OP_EXISTS,
    OP_STRLEN,
    OP_APPEND,
    OP_GETRANGE,
    OP_SETRANGE,
    OP_INCRBY,
    OP_GETDEL,
    OP_GETEX,
    OP_EXPIRE,
    OP_PEXPIREAT,
    OP_PERSIST,
    OP_TTL,
    OP_PTTL,
    OP_PEXPIRETIME,
    OP_MSET,
    OP_TYPE
};

enum set_cond { COND_NONE, COND_NX, COND_XX };
enum expire_flag { EXPF_NONE, EXPF_NX, EXPF_XX, EXPF_GT, EXPF_LT };
enum ttl_arg { TTL_NONE, TTL_EX, TTL_PX, TTL_PXAT, TTL_KEEP, TTL_PERSIST };
enum incr_form { INCR_ONE, DECR_ONE, INCR_BY, DECR_BY };

struct op {
    enum op_kind kind;
    int nkeys;
    int key[OP_MAX_KEYS];
    unsigned char *val[OP_MAX_KEYS]; /* owned; one per key for MSET, else val[0] */
    size_t vlen[OP_MAX_KEYS];
    enum set_cond cond;
    bool with_get;
    enum ttl_arg ttl;
    enum expire_flag expf;
    bool in_seconds;  /* EX / EXPIRE / SETEX rather than PX / PEXPIRE / PSETEX */
    long long ttl_ms; /* relative TTL */
    long long at_ms;  /* absolute unix ms for PXAT and PEXPIREAT */
    enum incr_form incr;
    long long delta;      /* INCR family: the change it makes */
    long long start, end; /* GETRANGE; SETRANGE uses start as the offset */
    int argc;
    const char *argv[OP_MAX_ARGS];
    size_t argvlen[OP_MAX_ARGS];
    bool blob[OP_MAX_ARGS]; /* value arguments: reports show their length only */
    char text[OP_MAX_ARGS][OP_TEXT_BYTES];
};

static void op_free(struct op *op)
{
    for (int i = 0; i < OP_MAX_KEYS; i++) {
        free(op->val[i]);
        op->val[i] = NULL;
    }
}

/* The name of model key k of a worker: soak:<w>:<i> or soak:<w>:ctr:<j>. */
static const char *key_name(char *buf, size_t cap, int worker, int k)
{
    if (k < KEYS_PER_WORKER)
        snprintf(buf, cap, "soak:%d:%d", worker, k);
    else
        snprintf(buf, cap, "soak:%d:ctr:%d", worker, k - KEYS_PER_WORKER);
    return buf;
}

/* Append one argument (not copied: it must outlive the request). */
static void arg_raw(struct op *op, const void *p, size_t len, bool blob)
{
    op->argv[op->argc] = p;
    op->argvlen[op->argc] = len;
    op->blob[op->argc] = blob;
    op->argc++;
}

/* Append a formatted argument, kept in the op's own text slot. */
static void arg_text(struct op *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg_text(struct op *op, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = op->text[op->argc];
    vsnprintf(t, OP_TEXT_BYTES, fmt, ap);
    va_end(ap);
    arg_raw(op, t, strlen(t), false);
}

static void arg_key(struct op *op, int worker, int slot)
{
    char *t = op->text[op->argc];
    key_name(t, OP_TEXT_BYTES, worker, op->key[slot]);
    arg_raw(op, t, strlen(t), false);
}

static void arg_value(struct op *op, int slot)
{
    arg_raw(op, op->val[slot], op->vlen[slot], true);
}

/* The TTL arguments of SET and GETEX. */
static void arg_ttl(struct op *op)
{
    switch (op->ttl) {
    case TTL_EX:
        arg_text(op, "EX");
        arg_text(op, "%lld", op->ttl_ms / 1000);
        break;
    case TTL_PX:
        arg_text(op, "PX");
        arg_text(op, "%lld", op->ttl_ms);
        break;
    case TTL_PXAT:
        arg_text(op, "PXAT");
        arg_text(op, "%lld", op->at_ms);
        break;
    case TTL_KEEP: arg_text(op, "KEEPTTL"); break;
    case TTL_PERSIST: arg_text(op, "PERSIST"); break;
    case TTL_NONE: break;
    }
}

/* SET key value [NX|XX] [GET] [EX s|PX ms|PXAT unix-ms|KEEPTTL] */
static void build_set(struct op *op, int worker)
{
    arg_text(op, "SET");
    arg_key(op, worker, 0);
    arg_value(op, 0);
    if (op->cond != COND_NONE)
        arg_text(op, op->cond == COND_NX ? "NX" : "XX");
    if (op->with_get)
        arg_text(op, "GET");
    arg_ttl(op);
}

/* Commands whose arguments are "NAME key [key ...]". */
static const char *keys_only_name(enum op_kind kind)
{
    switch (kind) {
    case OP_GET: return "GET";
    case OP_MGET: return "MGET";
    case OP_DEL: return "DEL";
    case OP_EXISTS: return "EXISTS";
    case OP_STRLEN: return "STRLEN";
    case OP_GETDEL: return "GETDEL";
    case OP_PERSIST: return "PERSIST";
    case OP_TTL: return "TTL";
    case OP_PTTL: return "PTTL";
    case OP_PEXPIRETIME: return "PEXPIRETIME";
    case OP_TYPE: return "TYPE";
    default: return NULL;
    }
}

/* Arguments of the commands that take more than keys. */
static void build_with_args(struct op *op, int worker)
{
    static const char *const EXPIRE_FLAGS[] = {"", "NX", "XX", "GT", "LT"};
    static const char *const INCR_NAMES[] = {"INCR", "DECR", "INCRBY", "DECRBY"};
    switch (op->kind) {
    case OP_SET: build_set(op, worker); return;
    case OP_SETNX:
    case OP_GETSET:
    case OP_APPEND:
        arg_text(op, op->kind == OP_SETNX ? "SETNX" : op->kind == OP_GETSET ? "GETSET" : "APPEND");
        arg_key(op, worker, 0);
        arg_value(op, 0);
        return;
    case OP_SETEX:
    case OP_PSETEX:
        arg_text(op, op->kind == OP_SETEX ? "SETEX" : "PSETEX");
        arg_key(op, worker, 0);
        arg_text(op, "%lld", op->kind == OP_SETEX ? op->ttl_ms / 1000 : op->ttl_ms);
        arg_value(op, 0);
        return;
    case OP_GETRANGE:
    case OP_SETRANGE:
        arg_text(op, op->kind == OP_GETRANGE ? "GETRANGE" : "SETRANGE");
        arg_key(op, worker, 0);
        arg_text(op, "%lld", op->start);
        if (op->kind == OP_GETRANGE)
            arg_text(op, "%lld", op->end);
        else
            arg_value(op, 0);
        return;
    case OP_INCRBY:
        arg_text(op, "%s", INCR_NAMES[op->incr]);
        arg_key(op, worker, 0);
        if (op->incr == INCR_BY || op->incr == DECR_BY)
            arg_text(op, "%lld", op->incr == INCR_BY ? op->delta : -op->delta);
        return;
    case OP_GETEX:
        arg_text(op, "GETEX");
        arg_key(op, worker, 0);
        arg_ttl(op);
        return;
    case OP_EXPIRE:
        arg_text(op, op->in_seconds ? "EXPIRE" : "PEXPIRE");
        arg_key(op, worker, 0);
        arg_text(op, "%lld", op->in_seconds ? op->ttl_ms / 1000 : op->ttl_ms);
        if (op->expf != EXPF_NONE)
            arg_text(op, "%s", EXPIRE_FLAGS[op->expf]);
        return;
    case OP_PEXPIREAT:
        arg_text(op, "PEXPIREAT");
        arg_key(op, worker, 0);
        arg_text(op, "%lld", op->at_ms);
        return;
    case OP_MSET:
        arg_text(op, "MSET");
        for (int i = 0; i < op->nkeys; i++) {
            arg_key(op, worker, i);
            arg_value(op, i);
        }
        return;
    default: return;
    }
}

/* The argument vector of op, pointing into op and its values. */
static void op_build_argv(struct op *op, int worker)
{
    op->argc = 0;
    const char *name = keys_only_name(op->kind);
    if (!name) {
        build_with_args(op, worker);
        return;
    }
    arg_text(op, "%s", name);
    for (int i = 0; i < op->nkeys; i++)
        arg_key(op, worker, i);
}

/* The command as text, values shown by length, for reports. */
static void describe_op(const struct op *op, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < op->argc && used + 1 < cap; i++) {
        int n = op->blob[i] ? snprintf(buf + used, cap - used, "%s<%zu bytes>", i ? " " : "",
                                       op->argvlen[i])
                            : snprintf(buf + used, cap - used, "%s%.*s", i ? " " : "",
                                       (int)op->argvlen[i], op->argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* ------------------------------------------------------------------ */
/* Choosing operations                                                 */
/* ------------------------------------------------------------------ */

/* A regular key below the given index: half of the time a hot one. */
static int pick_key(struct worker *w, int below)
{
    if (rng_percent(&w->rng, 50))
        return (int)rng_below(&w->rng, HOT_KEYS);
    return (int)rng_below(&w->rng, (uint64_t)below);
}

/* n different regular keys below the given index (fewer only if the picks
 * keep colliding). */
static void pick_distinct_keys(struct worker *w, struct op *op, int n, int below)
{
    op->nkeys = 0;
    for (int tries = 0; op->nkeys < n && tries < 8 * OP_MAX_KEYS; tries++) {
        int k = pick_key(w, below);
        bool dup = false;
        for (int i = 0; i < op->nkeys; i++)
            dup = dup || op->key[i] == k;
        if (!dup)
            op->key[op->nkeys++] = k;
    }
}

/* A new random value in slot: mostly 0..2000 bytes, now and then 20..100 KB
 * when cap_bytes allows, binary or text, never longer than cap_bytes. */
static void op_make_value(struct worker *w, struct op *op, int slot, size_t cap_bytes)
{
    size_t len;
    if (cap_bytes >= BIG_VALUE_MAX_BYTES && rng_percent(&w->rng, BIG_VALUE_PERCENT))
        len = (size_t)rng_between(&w->rng, BIG_VALUE_MIN_BYTES, BIG_VALUE_MAX_BYTES);
    else
        len = (size_t)rng_below(
            &w->rng, (cap_bytes < SMALL_VALUE_MAX_BYTES ? cap_bytes : SMALL_VALUE_MAX_BYTES) + 1);
    op->val[slot] = xmalloc(len);
    op->vlen[slot] = len;
    rng_fill(&w->rng, op->val[slot], len, rng_percent(&w->rng, 20));
}

static void op_set_text_value(struct op *op, int slot, long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", v);
    op->val[slot] = xmalloc((size_t)n);
    memcpy(op->val[slot], buf, (size_t)n);
    op->vlen[slot] = (size_t)n;
}

/* A relative TTL: mostly short (100 ms .. 3 s) so that keys expire while in
 * use, sometimes long (10 .. 100 s); whole seconds for EX and friends. */
static long long pick_ttl_ms(struct worker *w, bool whole_seconds)
{
    bool short_ttl = rng_percent(&w->rng, 75);
    if (!short_ttl)
        return 1000 * rng_between(&w->rng, LONG_TTL_MIN_S, LONG_TTL_MAX_S);
    if (whole_seconds)
        return 1000 * rng_between(&w->rng, SHORT_TTL_MIN_MS / 1000 + 1, SHORT_TTL_MAX_MS / 1000);
    if (rng_percent(&w->rng, 50)) /* half of them under a second: expiry within the run */
        return rng_between(&w->rng, SHORT_TTL_MIN_MS, 1000);
    return rng_between(&w->rng, SHORT_TTL_MIN_MS, SHORT_TTL_MAX_MS);
}

/* Fill op->ttl and its numbers with one of the forms allowed (a bitmask of
 * 1 << enum ttl_arg). */
static void pick_ttl_arg(struct worker *w, struct op *op, unsigned allowed)
{
    do {
        op->ttl = (enum ttl_arg)rng_below(&w->rng, TTL_PERSIST + 1);
    } while (!(allowed & (1u << op->ttl)));
    op->in_seconds = op->ttl == TTL_EX;
    op->ttl_ms = pick_ttl_ms(w, op->in_seconds);
    op->at_ms = wall_us() / 1000 + op->ttl_ms;
}

/* Arguments of a SET on a regular key. */
static void choose_set_args(struct worker *w, struct op *op)
{
    unsigned roll = (unsigned)rng_below(&w->rng, 100);
    op->cond = roll < 70 ? COND_NONE : roll < 85 ? COND_NX : COND_XX;
    op->with_get = rng_percent(&w->rng, 30);
    if (rng_percent(&w->rng, 35))
        op->ttl = TTL_NONE;
    else
        pick_ttl_arg(w, op, 1u << TTL_EX | 1u << TTL_PX | 1u << TTL_PXAT | 1u << TTL_KEEP);
}

/* Kind-specific arguments for an operation on regular keys. */
static void choose_args(struct worker *w, struct op *op, size_t value_cap)
{
    struct rng *g = &w->rng;
    const struct key_model *km = &w->keys[op->key[0]];
    long long len = km->state == KEY_PRESENT ? (long long)km->len : 100;
    switch (op->kind) {
    case OP_SET: choose_set_args(w, op); break;
    case OP_SETEX:
    case OP_PSETEX:
        op->in_seconds = op->kind == OP_SETEX;
        op->ttl = op->in_seconds ? TTL_EX : TTL_PX;
        op->ttl_ms = pick_ttl_ms(w, op->in_seconds);
        break;
    case OP_GETRANGE:
        op->start = rng_between(g, -len - 10, len + 10);
        op->end = rng_percent(g, 30) ? -1 : rng_between(g, -len - 10, len + 10);
        break;
    case OP_SETRANGE:
        op->start = rng_between(g, 0, SETRANGE_MAX_OFFSET);
        op->val[0] = xmalloc(SETRANGE_MAX_BYTES);
        op->vlen[0] = rng_percent(g, 5) ? 0 : (size_t)rng_between(g, 1, SETRANGE_MAX_BYTES);
        rng_fill(g, op->val[0], op->vlen[0], false);
        break;
    case OP_GETEX:
        if (rng_percent(g, 10))
            op->ttl = TTL_NONE;
        else
            pick_ttl_arg(w, op, 1u << TTL_EX | 1u << TTL_PX | 1u << TTL_PXAT | 1u << TTL_PERSIST);
        break;
    case OP_EXPIRE:
        op->in_seconds = rng_percent(g, 30);
        op->ttl = op->in_seconds ? TTL_EX : TTL_PX;
        op->ttl_ms = pick_ttl_ms(w, op->in_seconds);
        op->expf =
            rng_percent(g, 60) ? EXPF_NONE : (enum expire_flag)rng_between(g, EXPF_NX, EXPF_LT);
        break;
    case OP_PEXPIREAT:
        op->ttl = TTL_PXAT;
        op->ttl_ms = pick_ttl_ms(w, false);
        op->at_ms = wall_us() / 1000 + op->ttl_ms;
        break;
    default: break;
    }
    bool needs_value = op->kind == OP_SET || op->kind == OP_SETNX || op->kind == OP_SETEX ||
                       op->kind == OP_PSETEX || op->kind == OP_GETSET || op->kind == OP_APPEND;
    if (needs_value)
        op_make_value(w, op, 0, value_cap);
    for (int i = 0; op->kind == OP_MSET && i < op->nkeys; i++)
        op_make_value(w, op, i, value_cap / 4);
}

static const struct {
    enum op_kind kind;
    unsigned weight;
    int min_keys, max_keys;
} OP_TABLE[] = {
    {OP_SET, 22, 1, 1},        {OP_GET, 12, 1, 1},    {OP_MGET, 4, 2, 8},   {OP_DEL, 3, 1, 4},
    {OP_EXISTS, 3, 1, 4},      {OP_STRLEN, 3, 1, 1},  {OP_APPEND, 4, 1, 1}, {OP_GETRANGE, 4, 1, 1},
    {OP_SETRANGE, 4, 1, 1},    {OP_GETDEL, 3, 1, 1},  {OP_GETEX, 5, 1, 1},  {OP_EXPIRE, 7, 1, 1},
    {OP_PEXPIREAT, 2, 1, 1},   {OP_PERSIST, 3, 1, 1}, {OP_TTL, 4, 1, 1},    {OP_PTTL, 5, 1, 1},
    {OP_PEXPIRETIME, 1, 1, 1}, {OP_SETNX, 3, 1, 1},   {OP_MSET, 3, 2, 4},   {OP_SETEX, 1, 1, 1},
    {OP_PSETEX, 1, 1, 1},      {OP_GETSET, 1, 1, 1},  {OP_TYPE, 1, 1, 1},
};

/* An operation on a counter: mostly INCR/DECR/INCRBY/DECRBY, with reads,
 * TTL changes and resets in between. */
static void choose_counter_op(struct worker *w, struct op *op)
{
    struct rng *g = &w->rng;
    op->nkeys = 1;
    op->key[0] = KEYS_PER_WORKER + (int)rng_below(g, COUNTERS_PER_WORKER);
    bool unknown = w->keys[op->key[0]].state == KEY_UNKNOWN;
    unsigned roll = (unsigned)rng_below(g, 100);
    if (unknown && roll < 70)
        roll = 95 + (unsigned)rng_below(g, 5);
    if (roll < 70) {
        op->kind = OP_INCRBY;
        op->incr = (enum incr_form)rng_below(g, 4);
        long long by = rng_between(g, -INCRBY_MAX_ABS, INCRBY_MAX_ABS);
        op->delta = op->incr == INCR_ONE   ? 1
                    : op->incr == DECR_ONE ? -1
                    : op->incr == INCR_BY  ? by
                                           : -by;
    } else if (roll < 78) {
        op->kind = OP_GET;
    } else if (roll < 84) {
        op->kind = OP_EXPIRE;
        op->ttl = TTL_PX;
        op->ttl_ms = pick_ttl_ms(w, false);
    } else if (roll < 89) {
        op->kind = OP_PERSIST;
    } else if (roll < 92) {
        op->kind = OP_PTTL;
    } else if (roll < 95) {
        op->kind = OP_DEL;
    } else {
        op->kind = OP_SET;
        op_set_text_value(op, 0, rng_between(g, -COUNTER_START_ABS, COUNTER_START_ABS));
    }
}

/* An operation that makes an unknown key known again. */
static void choose_resync_op(struct worker *w, struct op *op, size_t value_cap)
{
    static const enum op_kind RESYNC[] = {OP_SET, OP_DEL, OP_GETDEL, OP_SETEX, OP_GET};
    op->kind = RESYNC[rng_below(&w->rng, sizeof RESYNC / sizeof RESYNC[0])];
    if (op->kind == OP_SET || op->kind == OP_SETEX || op->kind == OP_GET)
        choose_args(w, op, value_cap);
    if (op->kind == OP_SET) {
        op->cond = COND_NONE;
        if (op->ttl == TTL_KEEP)
            op->ttl = TTL_NONE;
    }
}

/* Writes to cold keys: each sets a TTL or keeps the one there. */
static const enum op_kind COLD_WRITES[] = {OP_SET,    OP_SET,      OP_SET,   OP_PSETEX,
                                           OP_SETEX,  OP_EXPIRE,   OP_GETEX, OP_PEXPIREAT,
                                           OP_APPEND, OP_SETRANGE, OP_GETDEL};

/* A cold key's write gets a short TTL, whatever was chosen: 100 ms .. 1 s
 * mostly, up to 3 s otherwise. */
static void shorten_ttl(struct worker *w, struct op *op)
{
    bool sets_ttl = op->kind == OP_SET || op->kind == OP_GETEX || op->kind == OP_EXPIRE ||
                    op->kind == OP_SETEX || op->kind == OP_PSETEX || op->kind == OP_PEXPIREAT;
    if (!sets_ttl)
        return;
    if (op->ttl == TTL_NONE || op->ttl == TTL_KEEP || op->ttl == TTL_PERSIST)
        op->ttl = op->kind == OP_PEXPIREAT ? TTL_PXAT : TTL_PX;
    op->in_seconds = op->ttl == TTL_EX;
    long long max_ms = rng_percent(&w->rng, 70) ? 1000 : SHORT_TTL_MAX_MS;
    op->ttl_ms = op->in_seconds ? 1000 * rng_between(&w->rng, 1, max_ms / 1000)
                                : rng_between(&w->rng, SHORT_TTL_MIN_MS, max_ms);
    op->at_ms = wall_us() / 1000 + op->ttl_ms;
}

/* Reads that leave a key's TTL alone. */
static const enum op_kind COLD_READS[] = {OP_GET,    OP_GET,      OP_PTTL,   OP_TTL,
                                          OP_EXISTS, OP_GETRANGE, OP_STRLEN, OP_PEXPIRETIME};

static bool op_is_read(enum op_kind kind)
{
    switch (kind) {
    case OP_GET:
    case OP_MGET:
    case OP_EXISTS:
    case OP_STRLEN:
    case OP_GETRANGE:
    case OP_TTL:
    case OP_PTTL:
    case OP_PEXPIRETIME:
    case OP_TYPE: return true;
    default: return false;
    }
}

/* A random operation on this worker's keys, with values up to value_cap
 * bytes (big ones only when it allows them). */
static void op_choose(struct worker *w, struct op *op, size_t value_cap)
{
    memset(op, 0, sizeof *op);
    if (rng_percent(&w->rng, 10)) {
        choose_counter_op(w, op);
        return;
    }
    unsigned total = 0;
    for (size_t i = 0; i < sizeof OP_TABLE / sizeof OP_TABLE[0]; i++)
        total += OP_TABLE[i].weight;
    unsigned roll = (unsigned)rng_below(&w->rng, total);
    size_t pick = 0;
    while (roll >= OP_TABLE[pick].weight)
        roll -= OP_TABLE[pick++].weight;
    op->kind = OP_TABLE[pick].kind;
    bool deletes_or_clears = op->kind == OP_MSET || op->kind == OP_DEL;
    pick_distinct_keys(w, op,
                       (int)rng_between(&w->rng, OP_TABLE[pick].min_keys, OP_TABLE[pick].max_keys),
                       deletes_or_clears ? COLD_KEYS_FROM : KEYS_PER_WORKER);
    if (op->nkeys == 1 && w->keys[op->key[0]].state == KEY_UNKNOWN && rng_percent(&w->rng, 60)) {
        choose_resync_op(w, op, value_cap);
        return;
    }
    bool cold = op->nkeys == 1 && op->key[0] >= COLD_KEYS_FROM;
    if (cold && !op_is_read(op->kind)) {
        bool write = rng_percent(&w->rng, COLD_WRITE_PERCENT);
        op->kind = write
                       ? COLD_WRITES[rng_below(&w->rng, sizeof COLD_WRITES / sizeof COLD_WRITES[0])]
                       : COLD_READS[rng_below(&w->rng, sizeof COLD_READS / sizeof COLD_READS[0])];
    }
    choose_args(w, op, value_cap);
    if (cold)
        shorten_ttl(w, op);
}

/* ------------------------------------------------------------------ */
/* Expected replies and effects                                        */
/* ------------------------------------------------------------------ */

/* GETRANGE's slice of a value of len bytes, as Redis 7.0 computes it. */
static void getrange_slice(size_t len, long long start, long long end, size_t *off, size_t *n)
{
    long long slen = (long long)len;
    *off = 0;
    *n = 0;
    if (start < 0 && end < 0 && start > end)
        return;
    if (start < 0)
        start += slen;
    if (end < 0)
        end += slen;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= slen)
        end = slen - 1;
    if (slen == 0 || start > end)
        return;
    *off = (size_t)start;
    *n = (size_t)(end - start + 1);
}

/* SETRANGE's reply for an existing value of len bytes. */
static long long setrange_len(size_t len, const struct op *op)
{
    if (op->vlen[0] == 0)
        return (long long)len;
    long long reach = op->start + (long long)op->vlen[0];
    return reach > (long long)len ? reach : (long long)len;
}

/* A counter's value: counters only ever hold decimal integers. */
static long long model_integer(const struct key_model *km)
{
    char buf[32];
    size_t n = km->len < sizeof buf - 1 ? km->len : sizeof buf - 1;
    if (n)
        memcpy(buf, km->val, n);
    buf[n] = '\0';
    return strtoll(buf, NULL, 10);
}

/* TTL, PTTL or PEXPIRETIME of a known, present key. */
static struct expect ttl_expectation(const struct op *op, const struct key_model *km, int64_t t0,
                                     int64_t t1)
{
    if (!km->has_ttl)
        return exp_int(-1);
    if (op->kind == OP_PEXPIRETIME)
        return exp_range(floor_div(km->exp_lo_us - TOL_US, 1000),
                         ceil_div(km->exp_hi_us + TOL_US, 1000));
    long long lo_ms = floor_div(km->exp_lo_us - t1 - TOL_US, 1000);
    long long hi_ms = ceil_div(km->exp_hi_us - t0 + TOL_US, 1000);
    lo_ms = lo_ms < 0 ? 0 : lo_ms;
    hi_ms = hi_ms < 0 ? 0 : hi_ms;
    if (op->kind == OP_PTTL)
        return exp_range(lo_ms, hi_ms);
    return exp_range((lo_ms + 500) / 1000, (hi_ms + 500) / 1000); /* TTL rounds as Redis does */
}

/* EXPIRE / PEXPIRE [NX|XX|GT|LT] on a known, present key: 1 when it sets the
 * TTL. GT and LT compare the new expiry with the old one; where the windows
 * (widened by TOL) overlap, both answers are right. */
static struct expect expire_expectation(const struct op *op, const struct key_model *km, int64_t t0,
                                        int64_t t1)
{
    int64_t new_min = t0 + op->ttl_ms * 1000 - TOL_US, new_max = t1 + op->ttl_ms * 1000 + TOL_US;
    int64_t old_min = km->exp_lo_us - TOL_US, old_max = km->exp_hi_us + TOL_US;
    switch (op->expf) {
    case EXPF_NONE: return exp_int(1);
    case EXPF_NX: return exp_int(km->has_ttl ? 0 : 1);
    case EXPF_XX: return exp_int(km->has_ttl ? 1 : 0);
    case EXPF_GT:
        if (!km->has_ttl || new_max <= old_min)
            return exp_int(0);
        return new_min > old_max ? exp_int(1) : exp_range(0, 1);
    case EXPF_LT:
        if (!km->has_ttl || new_max < old_min)
            return exp_int(1);
        return new_min >= old_max ? exp_int(0) : exp_range(0, 1);
    }
    return exp_range(0, 1);
}

/* The reply when the key is there; for an unknown key only its shape. */
static struct expect expect_if_present(const struct op *op, const struct key_model *km, int64_t t0,
                                       int64_t t1)
{
    bool known = km->state == KEY_PRESENT;
    struct expect value = known ? exp_str(km->val, km->len) : exp_any_str();
    size_t off, n;
    switch (op->kind) {
    case OP_GET:
    case OP_MGET:
    case OP_GETDEL:
    case OP_GETEX:
    case OP_GETSET: return value;
    case OP_SET: return op->with_get ? value : op->cond == COND_NX ? exp_nil() : exp_status("OK");
    case OP_SETNX: return exp_int(0);
    case OP_SETEX:
    case OP_PSETEX:
    case OP_MSET: return exp_status("OK");
    case OP_STRLEN: return known ? exp_int((long long)km->len) : exp_range(0, LLONG_MAX);
    case OP_APPEND:
        return known ? exp_int((long long)(km->len + op->vlen[0]))
                     : exp_range((long long)op->vlen[0], LLONG_MAX);
    case OP_GETRANGE:
        if (!known)
            return exp_any_str();
        getrange_slice(km->len, op->start, op->end, &off, &n);
        return exp_str(km->val + off, n);
    case OP_SETRANGE: return known ? exp_int(setrange_len(km->len, op)) : exp_range(0, LLONG_MAX);
    case OP_INCRBY:
        return known ? exp_int(model_integer(km) + op->delta) : exp_range(LLONG_MIN, LLONG_MAX);
    case OP_EXPIRE: return known ? expire_expectation(op, km, t0, t1) : exp_range(0, 1);
    case OP_PEXPIREAT: return exp_int(1);
    case OP_PERSIST: return known ? exp_int(km->has_ttl ? 1 : 0) : exp_range(0, 1);
    case OP_TTL:
    case OP_PTTL:
    case OP_PEXPIRETIME: return known ? ttl_expectation(op, km, t0, t1) : exp_range(-1, LLONG_MAX);
    case OP_TYPE: return exp_status("string");
    case OP_DEL:
    case OP_EXISTS: break;
    }
    return exp_nil();
}

/* The reply when the key is not there. */
static struct expect expect_if_absent(const struct op *op)
{
    switch (op->kind) {
    case OP_GET:
    case OP_MGET:
    case OP_GETDEL:
    case OP_GETEX:
    case OP_GETSET: return exp_nil();
    case OP_SET:
        if (op->with_get || op->cond == COND_XX)
            return exp_nil();
        return exp_status("OK");
    case OP_SETNX: return exp_int(1);
    case OP_SETEX:
    case OP_PSETEX:
    case OP_MSET: return exp_status("OK");
    case OP_STRLEN: return exp_int(0);
    case OP_APPEND: return exp_int((long long)op->vlen[0]);
    case OP_GETRANGE: return exp_str(NULL, 0);
    case OP_SETRANGE: return exp_int(op->vlen[0] ? op->start + (long long)op->vlen[0] : 0);
    case OP_INCRBY: return exp_int(op->delta);
    case OP_EXPIRE:
    case OP_PEXPIREAT:
    case OP_PERSIST: return exp_int(0);
    case OP_TTL:
    case OP_PTTL:
    case OP_PEXPIRETIME: return exp_int(-2);
    case OP_TYPE: return exp_status("none");
    case OP_DEL:
    case OP_EXISTS: break;
    }
    return exp_nil();
}

/* Give km the TTL op sets, measured from a request sent at t0, answered at t1. */
static void km_expire_from(struct key_model *km, const struct op *op, int64_t t0, int64_t t1)
{
    km->has_ttl = true;
    if (op->ttl == TTL_PXAT) {
        km->exp_lo_us = km->exp_hi_us = op->at_ms * 1000;
    } else {
        km->exp_lo_us = t0 + op->ttl_ms * 1000;
        km->exp_hi_us = t1 + op->ttl_ms * 1000;
    }
}

/* SET's effect; was says whether the key was there when it ran. */
static void apply_set(struct key_model *km, const struct op *op, enum was was, int64_t t0,
                      int64_t t1)
{
    bool known = km->state == KEY_PRESENT;
    if (op->cond != COND_NONE && was == WAS_EITHER) {
        km_forget(km);
        return;
    }
    bool did = op->cond == COND_NONE || (op->cond == COND_NX && was == WAS_ABSENT) ||
               (op->cond == COND_XX && was == WAS_PRESENT);
    if (!did)
        return;
    if (op->ttl == TTL_KEEP) {
        if (was == WAS_ABSENT || (was == WAS_PRESENT && known)) {
            km_store(km, op->val[0], op->vlen[0]);
            if (was == WAS_ABSENT)
                km_persist(km);
        } else {
            km_forget(km); /* value known, but whether a TTL survived is not */
        }
        return;
    }
    km_store(km, op->val[0], op->vlen[0]);
    if (op->ttl == TTL_NONE)
        km_persist(km);
    else
        km_expire_from(km, op, t0, t1);
}

/* APPEND, SETRANGE and the INCR family: they build on the old value and
 * keep its TTL, or create the key without one. */
static void apply_modify(struct key_model *km, const struct op *op, enum was was,
                         const redisReply *r)
{
    if (op->kind == OP_SETRANGE && op->vlen[0] == 0)
        return;
    bool known = km->state == KEY_PRESENT;
    if (was == WAS_EITHER || (was == WAS_PRESENT && !known)) {
        km_forget(km);
        return;
    }
    if (was == WAS_ABSENT)
        km_store(km, NULL, 0);
    if (op->kind == OP_APPEND) {
        if (op->vlen[0] == 0) /* a new key holds "": nothing to copy, maybe no buffer */
            return;
        km_reserve(km, km->len + op->vlen[0]);
        memcpy(km->val + km->len, op->val[0], op->vlen[0]);
        km->len += op->vlen[0];
    } else if (op->kind == OP_SETRANGE) {
        size_t off = (size_t)op->start, need = off + op->vlen[0];
        km_reserve(km, need);
        if (off > km->len)
            memset(km->val + km->len, 0, off - km->len);
        memcpy(km->val + off, op->val[0], op->vlen[0]);
        km->len = need > km->len ? need : km->len;
    } else {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%lld", r->integer);
        km_store(km, buf, (size_t)n);
    }
}

/* GETEX, EXPIRE, PEXPIREAT and PERSIST: they change the TTL only. */
static void apply_ttl_change(struct key_model *km, const struct op *op, enum was was,
                             const redisReply *r, int64_t t0, int64_t t1)
{
    bool known = km->state == KEY_PRESENT;
    if (op->kind == OP_GETEX) {
        if (was != WAS_PRESENT || op->ttl == TTL_NONE)
            return;
        if (!known) /* the reply carries the value: the key is known again */
            km_store(km, r->str, (size_t)r->len);
        if (op->ttl == TTL_PERSIST)
            km_persist(km);
        else
            km_expire_from(km, op, t0, t1);
        return;
    }
    if (!known || r->type != REDIS_REPLY_INTEGER || r->integer != 1)
        return;
    if (op->kind == OP_PERSIST)
        km_persist(km);
    else
        km_expire_from(km, op, t0, t1);
}

/* The model after a single-key operation whose reply has been checked. */
static void apply_effect(struct key_model *km, const struct op *op, enum was was,
                         const redisReply *r, int64_t t0, int64_t t1)
{
    switch (op->kind) {
    case OP_SET: apply_set(km, op, was, t0, t1); break;
    case OP_SETNX:
        if (was == WAS_ABSENT) {
            km_store(km, op->val[0], op->vlen[0]);
            km_persist(km);
        }
        break;
    case OP_SETEX:
    case OP_PSETEX:
        km_store(km, op->val[0], op->vlen[0]);
        km_expire_from(km, op, t0, t1);
        break;
    case OP_GETSET:
        km_store(km, op->val[0], op->vlen[0]);
        km_persist(km);
        break;
    case OP_APPEND:
    case OP_SETRANGE:
    case OP_INCRBY: apply_modify(km, op, was, r); break;
    case OP_GETDEL:
    case OP_DEL: km_delete(km); break;
    case OP_GETEX:
    case OP_EXPIRE:
    case OP_PEXPIREAT:
    case OP_PERSIST: apply_ttl_change(km, op, was, r, t0, t1); break;
    default: break;
    }
}

/* ------------------------------------------------------------------ */
/* Checking replies                                                    */
/* ------------------------------------------------------------------ */

/* Printable form of bytes: text as is, the rest as \xHH, cut at 40 bytes. */
static void escape_bytes(const unsigned char *p, size_t len, char *out, size_t cap)
{
    size_t used = 0;
    for (size_t i = 0; i < len && i < 40 && used + 5 < cap; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
            out[used++] = (char)p[i];
        else
            used += (size_t)snprintf(out + used, cap - used, "\\x%02x", p[i]);
    }
    out[used] = '\0';
    if (len > 40 && used + 4 < cap)
        strcat(out, "...");
}

/* An expected reply as text, for reports. */
static void describe_expect(const struct expect *e, char *buf, size_t cap)
{
    char esc[200];
    switch (e->kind) {
    case EXP_NIL: snprintf(buf, cap, "nil"); break;
    case EXP_STATUS: snprintf(buf, cap, "+%.*s", (int)e->len, (const char *)e->s); break;
    case EXP_STR:
        escape_bytes(e->s, e->len, esc, sizeof esc);
        snprintf(buf, cap, "string of %zu bytes \"%s\"", e->len, esc);
        break;
    case EXP_ANY_STR: snprintf(buf, cap, "any string"); break;
    case EXP_INT_RANGE:
        if (e->lo == e->hi)
            snprintf(buf, cap, "integer %lld", e->lo);
        else
            snprintf(buf, cap, "integer in [%lld, %lld]", e->lo, e->hi);
        break;
    }
}

/* A reply as text (strings escaped and cut), for reports. */
static void describe_reply(const redisReply *r, char *buf, size_t cap)
{
    char esc[200];
    if (!r) {
        snprintf(buf, cap, "no reply");
        return;
    }
    switch (r->type) {
    case REDIS_REPLY_NIL: snprintf(buf, cap, "nil"); break;
    case REDIS_REPLY_INTEGER: snprintf(buf, cap, "integer %lld", r->integer); break;
    case REDIS_REPLY_ARRAY: snprintf(buf, cap, "array of %zu", (size_t)r->elements); break;
    case REDIS_REPLY_STRING:
        escape_bytes((const unsigned char *)r->str, (size_t)r->len, esc, sizeof esc);
        snprintf(buf, cap, "string of %zu bytes \"%s\"", (size_t)r->len, esc);
        break;
    default:
        escape_bytes((const unsigned char *)r->str, (size_t)r->len, esc, sizeof esc);
        snprintf(buf, cap, "%s \"%s\"", r->type == REDIS_REPLY_ERROR ? "error" : "status", esc);
        break;
    }
}

/* The model of a key as text, its expiry window relative to the request. */
static void describe_model(const struct key_model *km, int64_t t0, int64_t t1, char *buf,
                           size_t cap)
{
    if (km->state != KEY_PRESENT) {
        snprintf(buf, cap, "%s", km->state == KEY_ABSENT ? "absent" : "unknown");
        return;
    }
    if (!km->has_ttl) {
        snprintf(buf, cap, "present, %zu bytes, no TTL", km->len);
        return;
    }
    snprintf(buf, cap,
             "present, %zu bytes, expires between send%+.1f ms and reply%+.1f ms (reply came %.1f "
             "ms after send)",
             km->len, (double)(km->exp_lo_us - t0) / 1000.0, (double)(km->exp_hi_us - t1) / 1000.0,
             (double)(t1 - t0) / 1000.0);
}

/* Count a mismatch; print the first MAX_MISMATCH_REPORTS in detail. */
static void report_mismatch(struct worker *w, const struct op *op, int slot, const char *expected,
                            const redisReply *r, const char *model)
{
    long long n = atomic_fetch_add(&w->ph->n.mismatches, 1);
    if (n >= MAX_MISMATCH_REPORTS)
        return;
    char cmd[512], got[256], key[OP_TEXT_BYTES] = "-";
    if (op) {
        describe_op(op, cmd, sizeof cmd);
        if (slot >= 0)
            key_name(key, sizeof key, w->id, op->key[slot]);
    } else {
        snprintf(cmd, sizeof cmd, "-");
    }
    describe_reply(r, got, sizeof got);
    phase_print(
        w->ph,
        "  MISMATCH %lld [%s] worker %d key %s (%s): %s\n    expected: %s\n    got:      %s\n"
        "    model:    %s\n",
        n + 1, w->ph->name, w->id, key, w->context, cmd, expected, got, model ? model : "-");
}

/* When a string was expected and another came, where they first differ
 * (the printed prefixes may look alike). */
static void note_first_difference(const struct expect *e, const redisReply *r, char *buf,
                                  size_t cap)
{
    if (e->kind != EXP_STR || r->type != REDIS_REPLY_STRING)
        return;
    size_t i = 0;
    while (i < e->len && i < (size_t)r->len && e->s[i] == (unsigned char)r->str[i])
        i++;
    size_t used = strlen(buf);
    snprintf(buf + used, cap - used, "; first difference at byte %zu", i);
}

/* Check the reply of a single-key operation (or one element of MGET)
 * against the model, then update the model. */
static void check_key(struct worker *w, const struct op *op, int slot, const redisReply *r,
                      int64_t t0, int64_t t1)
{
    struct key_model *km = &w->keys[op->key[slot]];
    enum presence p = classify(w, km, t0, t1);
    if (km->state == KEY_UNKNOWN)
        w->checks_unknown++;
    else if (p == MAYBE)
        w->checks_window++;
    else
        w->checks_exact++;
    struct expect ep = expect_if_present(op, km, t0, t1), ea = expect_if_absent(op);
    bool match_present = p != SURE_ABSENT && reply_matches(r, &ep);
    bool match_absent = p != SURE_PRESENT && reply_matches(r, &ea);
    if (!match_present && !match_absent) {
        char e1[300], e2[300], expected[700], model[300];
        describe_expect(&ep, e1, sizeof e1);
        describe_expect(&ea, e2, sizeof e2);
        if (p == MAYBE)
            snprintf(expected, sizeof expected, "%s (key there) or %s (key gone)", e1, e2);
        else
            snprintf(expected, sizeof expected, "%s", p == SURE_PRESENT ? e1 : e2);
        describe_model(km, t0, t1, model, sizeof model);
        note_first_difference(&ep, r, expected, sizeof expected);
        if (p == SURE_PRESENT && !km->has_ttl && reply_matches(r, &ea)) {
            atomic_fetch_add(&w->ph->n.lost_no_ttl, 1);
            strncat(model, " [LOST KEY WITHOUT TTL]", sizeof model - strlen(model) - 1);
        }
        report_mismatch(w, op, slot, expected, r, model);
        km_forget(km);
        return;
    }
    enum was was = match_present && match_absent ? WAS_EITHER
                   : match_present               ? WAS_PRESENT
                                                 : WAS_ABSENT;
    if (was == WAS_ABSENT) {
        w->expiries_seen += km->state == KEY_PRESENT && km->has_ttl;
        km_delete(km);
    }
    apply_effect(km, op, was, r, t0, t1);
}

/* DEL and EXISTS over several keys: the count lies between the keys surely
 * there and those that may be; the extremes tell which ones were. */
static void check_count(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                        int64_t t1)
{
    enum presence p[OP_MAX_KEYS];
    long long sure = 0, maybe = 0, sure_no_ttl = 0;
    for (int i = 0; i < op->nkeys; i++) {
        const struct key_model *km = &w->keys[op->key[i]];
        p[i] = classify(w, km, t0, t1);
        sure += p[i] == SURE_PRESENT;
        sure_no_ttl += p[i] == SURE_PRESENT && !km->has_ttl;
        maybe += p[i] == MAYBE;
    }
    bool ok = r->type == REDIS_REPLY_INTEGER && r->integer >= sure && r->integer <= sure + maybe;
    if (!ok) {
        char expected[96];
        snprintf(expected, sizeof expected, "integer in [%lld, %lld]", sure, sure + maybe);
        if (r->type == REDIS_REPLY_INTEGER && r->integer < sure)
            atomic_fetch_add(&w->ph->n.lost_no_ttl,
                             sure - r->integer < sure_no_ttl ? sure - r->integer : sure_no_ttl);
        report_mismatch(w, op, 0, expected, r, NULL);
    }
    for (int i = 0; i < op->nkeys; i++) {
        struct key_model *km = &w->keys[op->key[i]];
        if (op->kind == OP_DEL || p[i] == SURE_ABSENT)
            km_delete(km);
        else if (!ok)
            km_forget(km);
        else if (p[i] == MAYBE && r->integer == sure)
            km_delete(km);
    }
}

static void forget_op_keys(struct worker *w, const struct op *op)
{
    for (int i = 0; i < op->nkeys; i++)
        km_forget(&w->keys[op->key[i]]);
}

/* Check any operation's reply and update the model. */
static void check_op(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                     int64_t t1)
{
    switch (op->kind) {
    case OP_MGET:
        if (r->type != REDIS_REPLY_ARRAY || (int)r->elements != op->nkeys) {
            report_mismatch(w, op, -1, "an array with one element per key", r, NULL);
            forget_op_keys(w, op);
            return;
        }
        for (int i = 0; i < op->nkeys; i++)
            check_key(w, op, i, r->element[i], t0, t1);
        return;
    case OP_MSET:
        if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "OK") != 0) {
            report_mismatch(w, op, -1, "+OK", r, NULL);
            forget_op_keys(w, op);
            return;
        }
        for (int i = 0; i < op->nkeys; i++) {
            km_store(&w->keys[op->key[i]], op->val[i], op->vlen[i]);
            km_persist(&w->keys[op->key[i]]);
        }
        return;
    case OP_DEL:
    case OP_EXISTS: check_count(w, op, r, t0, t1); return;
    default: check_key(w, op, 0, r, t0, t1);
    }
}

/* ------------------------------------------------------------------ */
/* Workers                                                             */
/* ------------------------------------------------------------------ */

/* Drop the connection and everything the model knew about the keys (which
 * commands ran is not known), then connect again, a few times at most. */
static void worker_reconnect(struct worker *w)
{
    for (int k = 0; k < MODEL_KEYS; k++)
        km_forget(&w->keys[k]);
    if (w->c)
        redisFree(w->c);
    w->c = NULL;
    while (!w->c && w->reconnects < MAX_RECONNECTS && !phase_over(w->ph)) {
        w->reconnects++;
        w->c = connect_ctx(w->ph->srv.port, COMMAND_TIMEOUT_MS);
    }
    if (!w->c)
        w->dead = true;
}

/* The connection broke or timed out: a mismatch, then a new connection. */
static void worker_connection_failed(struct worker *w, const struct op *op)
{
    char what[300];
    snprintf(what, sizeof what, "a reply (connection failed: %s)", w->c ? w->c->errstr : "none");
    report_mismatch(w, op, op && op->nkeys ? 0 : -1, what, NULL, NULL);
    worker_reconnect(w);
}

/* One command, its reply checked at once; values up to 100 KB. */
static void worker_single(struct worker *w)
{
    struct op op;
    op_choose(w, &op, BIG_VALUE_MAX_BYTES);
    op_build_argv(&op, w->id);
    snprintf(w->context, sizeof w->context, "single");
    int64_t t0 = wall_us();
    redisReply *r = redisCommandArgv(w->c, op.argc, op.argv, op.argvlen);
    int64_t t1 = wall_us();
    if (!r) {
        worker_connection_failed(w, &op);
    } else {
        check_op(w, &op, r, t0, t1);
        freeReplyObject(r);
        atomic_fetch_add(&w->ph->n.ops, 1);
    }
    op_free(&op);
}

/* 10..50 commands written at once, then every reply read and checked in
 * order; each reply's window runs from before the batch to its arrival. */
static void worker_pipeline(struct worker *w, struct op *batch)
{
    int n = (int)rng_between(&w->rng, PIPELINE_MIN_OPS, PIPELINE_MAX_OPS);
    for (int i = 0; i < n; i++) {
        op_choose(w, &batch[i], PIPELINE_VALUE_MAX_BYTES);
        op_build_argv(&batch[i], w->id);
    }
    int64_t t0 = wall_us();
    for (int i = 0; i < n; i++)
        redisAppendCommandArgv(w->c, batch[i].argc, batch[i].argv, batch[i].argvlen);
    for (int i = 0; i < n && w->c; i++) {
        void *reply = NULL;
        snprintf(w->context, sizeof w->context, "pipeline %d/%d", i + 1, n);
        if (redisGetReply(w->c, &reply) != REDIS_OK || !reply) {
            worker_connection_failed(w, &batch[i]);
            break;
        }
        check_op(w, &batch[i], reply, t0, wall_us());
        freeReplyObject(reply);
        atomic_fetch_add(&w->ph->n.ops, 1);
    }
    for (int i = 0; i < n; i++)
        op_free(&batch[i]);
}

enum block_read { READ_OK, READ_WRONG, READ_BROKEN };

/* Read one reply of a MULTI block and compare it with status (any reply
 * when status is NULL, handed back in *out). A wrong reply is reported; a
 * broken connection is reported and replaced. */
static enum block_read read_block_reply(struct worker *w, const char *status, redisReply **out)
{
    void *reply = NULL;
    if (redisGetReply(w->c, &reply) != REDIS_OK || !reply) {
        worker_connection_failed(w, NULL);
        return READ_BROKEN;
    }
    redisReply *r = reply;
    if (status && (r->type != REDIS_REPLY_STATUS || strcmp(r->str, status) != 0)) {
        char expected[64];
        snprintf(expected, sizeof expected, "+%s", status);
        report_mismatch(w, NULL, -1, expected, r, NULL);
        freeReplyObject(r);
        return READ_WRONG;
    }
    if (out)
        *out = r;
    else
        freeReplyObject(r);
    return READ_OK;
}

/* MULTI, the queued commands and EXEC: +OK, +QUEUED for each, then EXEC's
 * reply (NULL unless everything before it was right). */
static enum block_read read_multi_block(struct worker *w, int n, redisReply **exec)
{
    *exec = NULL;
    enum block_read st = read_block_reply(w, "OK", NULL);
    for (int i = 0; i < n && st == READ_OK; i++)
        st = read_block_reply(w, "QUEUED", NULL);
    if (st == READ_OK)
        st = read_block_reply(w, NULL, exec);
    if (st == READ_OK && ((*exec)->type != REDIS_REPLY_ARRAY || (int)(*exec)->elements != n)) {
        report_mismatch(w, NULL, -1, "EXEC: an array with one reply per queued command", *exec,
                        NULL);
        freeReplyObject(*exec);
        *exec = NULL;
        st = READ_WRONG;
    }
    return st;
}

/* MULTI, 2..5 commands, EXEC; every element of EXEC's array is checked
 * against the model, with a window from before MULTI to after EXEC. */
static void worker_multi(struct worker *w, struct op *batch)
{
    int n = (int)rng_between(&w->rng, MULTI_MIN_OPS, MULTI_MAX_OPS);
    for (int i = 0; i < n; i++) {
        op_choose(w, &batch[i], BIG_VALUE_MAX_BYTES);
        op_build_argv(&batch[i], w->id);
    }
    snprintf(w->context, sizeof w->context, "multi of %d", n);
    int64_t t0 = wall_us();
    redisAppendCommand(w->c, "MULTI");
    for (int i = 0; i < n; i++)
        redisAppendCommandArgv(w->c, batch[i].argc, batch[i].argv, batch[i].argvlen);
    redisAppendCommand(w->c, "EXEC");
    redisReply *exec;
    enum block_read st = read_multi_block(w, n, &exec);
    int64_t t1 = wall_us();
    for (int i = 0; i < n; i++) {
        snprintf(w->context, sizeof w->context, "multi %d/%d", i + 1, n);
        if (exec)
            check_op(w, &batch[i], exec->element[i], t0, t1);
        op_free(&batch[i]);
    }
    if (exec)
        freeReplyObject(exec);
    if (st == READ_WRONG) /* out of step with the replies: start afresh */
        worker_reconnect(w);
    atomic_fetch_add(&w->ph->n.ops, n + 2);
}

/* A worker: single commands, pipelines and MULTI blocks until the phase
 * ends or its connection cannot be re-established. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct op *batch = xmalloc(sizeof(struct op) * PIPELINE_MAX_OPS);
    w->c = connect_ctx(w->ph->srv.port, COMMAND_TIMEOUT_MS);
    if (!w->c)
        worker_connection_failed(w, NULL);
    while (!w->dead && !phase_over(w->ph)) {
        unsigned roll = (unsigned)rng_below(&w->rng, 100);
        if (roll < 6)
            worker_pipeline(w, batch);
        else if (roll < 10)
            worker_multi(w, batch);
        else
            worker_single(w);
    }
    free(batch);
    if (w->c)
        redisFree(w->c);
    w->c = NULL;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Chaos threads                                                       */
/* ------------------------------------------------------------------ */

struct chaos {
    struct phase *ph;
    struct rng rng;
    pthread_t thread;
};

/* Malformed or hostile input: bad lengths, bad prefixes, huge declared
 * bulks, unbalanced quotes, oversized inline lines, binary junk. Only
 * commands that write nothing appear, so the checked keys stay untouched. */
static size_t garbage_payload(struct rng *g, char *buf, size_t cap)
{
#define TEMPLATE(s)                                                                                \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }
    static const struct {
        const char *bytes;
        size_t len;
    } TEMPLATES[] = {
        TEMPLATE("*abc\r\n"),
        TEMPLATE("*99999999999\r\n"),
        TEMPLATE("*1048577\r\n"),
        TEMPLATE("*-7\r\n*1\r\n$4\r\nPING\r\n"),
        TEMPLATE("*2\r\n$3\r\nGET\r\n$-3\r\n"),
        TEMPLATE("*1\r\n$abc\r\n"),
        TEMPLATE("*1\r\n%4\r\nPING\r\n"),
        TEMPLATE("*1\r\n*1\r\n$4\r\nPING\r\n"),
        TEMPLATE("*2\r\n$4\r\nECHO\r\n$9999999999\r\n"),
        TEMPLATE("*2\r\n$4\r\nECHO\r\n$600000000\r\n"),
        TEMPLATE("*2\r\n$4\r\nECHO\r\n$4000000\r\nshort"),
        TEMPLATE("*3\r\n$4\r\nECHO\r\n$5\r\nab"),
        TEMPLATE("*1000000\r\n$4\r\nECHO\r\n"),
        TEMPLATE("ECHO \"unbalanced\r\n"),
        TEMPLATE("GET 'x\r\n"),
        TEMPLATE("ECHO \"a\\\"\r\n"),
        TEMPLATE("ECHO \"abc\"def\r\n"),
        TEMPLATE("PING\r\nFOO bar baz\r\n*0\r\n\r\n\r\n"),
        TEMPLATE("*2\r\n$4\r\nPING\r\n$1\r\nxx\r\n"),
        TEMPLATE("$4\r\nPING\r\n"),
        TEMPLATE("*1\r\n$4\r\nPING"),
        TEMPLATE("*2\r\n$4\r\nECHO\r\n$3\r\n\x00\xff\x01\r\n"),
        TEMPLATE("\x00\x01\x02\r\n\xff\xfe\r\n"),
    };
#undef TEMPLATE
    size_t ntemplates = sizeof TEMPLATES / sizeof TEMPLATES[0];
    size_t kind = (size_t)rng_below(g, ntemplates + 3), len = 0;
    if (kind < ntemplates) {
        len = TEMPLATES[kind].len;
        memcpy(buf, TEMPLATES[kind].bytes, len);
        if (rng_percent(g, 30)) {
            size_t extra = (size_t)rng_below(g, 512);
            rng_fill(g, (unsigned char *)buf + len, extra, false);
            len += extra;
        }
    } else if (kind == ntemplates) {
        len = (size_t)rng_between(g, 1, 2048);
        rng_fill(g, (unsigned char *)buf, len, false);
    } else if (kind == ntemplates + 1) {
        len = GARBAGE_INLINE_BYTES < cap ? GARBAGE_INLINE_BYTES : cap;
        memset(buf, 'a', len);
    } else {
        memcpy(buf, "PING\r\n", 6);
        len = 6 + (size_t)rng_between(g, 1, 1024);
        rng_fill(g, (unsigned char *)buf + 6, len - 6, false);
    }
    return len;
}

/* Connect, send garbage, read whatever comes back briefly, close; again. */
static void *garbage_main(void *arg)
{
    struct chaos *ch = arg;
    struct phase *ph = ch->ph;
    char *buf = xmalloc(GARBAGE_BUF_BYTES);
    for (long long iter = 1; !phase_over(ph); iter++) {
        size_t len = garbage_payload(&ch->rng, buf, GARBAGE_BUF_BYTES);
        int fd = raw_connect(ph->srv.port, CONNECT_TIMEOUT_MS);
        if (fd < 0) {
            chaos_note(ph, "garbage: connect failed", NULL);
            sleep_ms(100);
            continue;
        }
        send_bounded(fd, buf, len, GARBAGE_SEND_MS);
        drain_bounded(fd, GARBAGE_READ_MS);
        close_maybe_reset(fd, rng_percent(&ch->rng, 20));
        atomic_fetch_add(&ph->n.garbage_conns, 1);
        if (iter % CHAOS_PING_EVERY == 0)
            chaos_liveness(ph);
        sleep_ms((long)rng_below(&ch->rng, 20));
    }
    free(buf);
    return NULL;
}

/* The big keys unread pipelines ask for, written once per phase. */
static void write_big_chaos_keys(struct chaos *ch)
{
    redisContext *c = connect_ctx(ch->ph->srv.port, COMMAND_TIMEOUT_MS);
    if (!c) {
        chaos_note(ch->ph, "unread pipelines: cannot connect", NULL);
        return;
    }
    unsigned char *val = xmalloc(BIG_VALUE_MAX_BYTES);
    for (int i = 0; i < BIG_CHAOS_KEYS; i++) {
        size_t len = (size_t)rng_between(&ch->rng, BIG_VALUE_MAX_BYTES / 2, BIG_VALUE_MAX_BYTES);
        rng_fill(&ch->rng, val, len, false);
        redisReply *r = redisCommand(c, "SET soak:chaos:big:%d %b", i, val, len);
        if (!r || r->type != REDIS_REPLY_STATUS)
            chaos_note(ch->ph, "unread pipelines: SET of a big key failed", r);
        if (r)
            freeReplyObject(r);
    }
    free(val);
    redisFree(c);
}

/* A client that asks for megabytes and reads none of it, then leaves. */
static void *unread_main(void *arg)
{
    struct chaos *ch = arg;
    struct phase *ph = ch->ph;
    write_big_chaos_keys(ch);
    size_t cap = (size_t)UNREAD_MAX_GETS * 48;
    char *buf = xmalloc(cap);
    for (long long iter = 1; !phase_over(ph); iter++) {
        int gets = (int)rng_between(&ch->rng, UNREAD_MIN_GETS, UNREAD_MAX_GETS);
        size_t len = 0;
        for (int i = 0; i < gets; i++)
            len += (size_t)snprintf(buf + len, cap - len,
                                    "*2\r\n$3\r\nGET\r\n$16\r\nsoak:chaos:big:%d\r\n",
                                    (int)rng_below(&ch->rng, BIG_CHAOS_KEYS));
        int fd = raw_connect(ph->srv.port, CONNECT_TIMEOUT_MS);
        if (fd < 0) {
            chaos_note(ph, "unread pipelines: connect failed", NULL);
            sleep_ms(100);
            continue;
        }
        send_bounded(fd, buf, len, UNREAD_SEND_MS);
        sleep_ms((long)rng_between(&ch->rng, 20, 200));
        close_maybe_reset(fd, rng_percent(&ch->rng, 50));
        atomic_fetch_add(&ph->n.unread_pipelines, 1);
        if (iter % (CHAOS_PING_EVERY / 5) == 0)
            chaos_liveness(ph);
    }
    free(buf);
    return NULL;
}

/* One full SCAN iteration with random MATCH / COUNT / TYPE; false when the
 * connection failed. */
static bool scan_all(struct chaos *ch, redisContext *c, int worker)
{
    char cursor[32] = "0", pattern[32];
    snprintf(pattern, sizeof pattern, "soak:%d:*", worker);
    long count = (long)rng_between(&ch->rng, 1, 500);
    bool match = rng_percent(&ch->rng, 60), type = rng_percent(&ch->rng, 40);
    for (int calls = 0; calls < SCAN_MAX_CALLS && !phase_over(ch->ph); calls++) {
        const char *argv[8] = {"SCAN", cursor, "COUNT", NULL};
        char count_text[24];
        snprintf(count_text, sizeof count_text, "%ld", count);
        int argc = 3;
        argv[argc++] = count_text;
        if (match) {
            argv[argc++] = "MATCH";
            argv[argc++] = pattern;
        }
        if (type) {
            argv[argc++] = "TYPE";
            argv[argc++] = "string";
        }
        redisReply *r = redisCommandArgv(c, argc, argv, NULL);
        if (!r)
            return false;
        bool shaped = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                      r->element[0]->type == REDIS_REPLY_STRING &&
                      r->element[1]->type == REDIS_REPLY_ARRAY;
        if (!shaped) {
            chaos_note(ch->ph, "SCAN reply is not [cursor, keys]", r);
            freeReplyObject(r);
            return true;
        }
        snprintf(cursor, sizeof cursor, "%.*s", (int)r->element[0]->len, r->element[0]->str);
        freeReplyObject(r);
        if (strcmp(cursor, "0") == 0)
            break;
    }
    return true;
}

/* KEYS on one worker's prefix: every name must carry that prefix. */
static bool keys_prefix(struct chaos *ch, redisContext *c, int worker)
{
    char prefix[32];
    int plen = snprintf(prefix, sizeof prefix, "soak:%d:", worker);
    redisReply *r = redisCommand(c, "KEYS %s*", prefix);
    if (!r)
        return false;
    if (r->type != REDIS_REPLY_ARRAY) {
        chaos_note(ch->ph, "KEYS did not answer an array", r);
    } else {
        for (size_t i = 0; i < (size_t)r->elements; i++) {
            const redisReply *e = r->element[i];
            if (e->type != REDIS_REPLY_STRING || e->len < (size_t)plen ||
                memcmp(e->str, prefix, (size_t)plen) != 0) {
                chaos_note(ch->ph, "KEYS returned a name outside its pattern", e);
                break;
            }
        }
    }
    freeReplyObject(r);
    return true;
}

/* One scanner round; false when the connection failed. */
static bool scanner_round(struct chaos *ch, redisContext *c, int nworkers)
{
    static const char *const OTHERS[] = {"DBSIZE", "INFO", "RANDOMKEY", "CLIENT LIST"};
    int worker = (int)rng_below(&ch->rng, (uint64_t)nworkers);
    if (!scan_all(ch, c, worker) || !keys_prefix(ch, c, worker))
        return false;
    for (size_t i = 0; i < sizeof OTHERS / sizeof OTHERS[0]; i++) {
        redisReply *r = redisCommand(c, OTHERS[i]);
        if (!r)
            return false;
        if (r->type == REDIS_REPLY_ERROR)
            chaos_note(ch->ph, OTHERS[i], r);
        freeReplyObject(r);
    }
    return true;
}

/* Scanner rounds on one connection, reconnecting when it breaks. */
static void *scanner_main(void *arg)
{
    struct chaos *ch = arg;
    struct phase *ph = ch->ph;
    redisContext *c = NULL;
    while (!phase_over(ph)) {
        if (!c && !(c = connect_ctx(ph->srv.port, COMMAND_TIMEOUT_MS))) {
            chaos_note(ph, "scanner: connect failed", NULL);
            sleep_ms(200);
            continue;
        }
        if (!scanner_round(ch, c, ph->nworkers)) {
            chaos_note(ph, "scanner: connection failed", NULL);
            redisFree(c);
            c = NULL;
            continue;
        }
        atomic_fetch_add(&ph->n.scans, 1);
        sleep_ms((long)rng_between(&ch->rng, 10, 50));
    }
    if (c)
        redisFree(c);
    return NULL;
}

/* One round of runtime config changes: hz, maxmemory-samples, loglevel and,
 * with a memory cap, a volatile-* policy (keys without a TTL stay safe). */
static void config_round(struct chaos *ch, redisContext *c)
{
    static const char *const LEVELS[] = {"notice", "verbose", "warning"};
    static const char *const POLICIES[] = {"volatile-lru", "volatile-lfu", "volatile-ttl",
                                           "volatile-random"};
    char hz[16], samples[16];
    snprintf(hz, sizeof hz, "%lld", rng_between(&ch->rng, 1, 100));
    snprintf(samples, sizeof samples, "%lld", rng_between(&ch->rng, 3, 10));
    const char *level = LEVELS[rng_below(&ch->rng, 3)];
    const char *policy = POLICIES[rng_below(&ch->rng, 4)];
    bool capped = ch->ph->mode == MODE_MAXMEMORY;
    const char *pairs[] = {"hz",       hz,    "maxmemory-samples", samples,
                           "loglevel", level, "maxmemory-policy",  policy};
    int npairs = capped ? 4 : 3;
    bool together = rng_percent(&ch->rng, 50), ok = true;
    for (int i = 0; i < npairs; i += together ? npairs : 1) {
        const char *argv[2 + 2 * 4] = {"CONFIG", "SET"};
        int argc = 2;
        for (int j = i; j < (together ? npairs : i + 1); j++) {
            argv[argc++] = pairs[2 * j];
            argv[argc++] = pairs[2 * j + 1];
        }
        redisReply *r = redisCommandArgv(c, argc, argv, NULL);
        if (!r || r->type != REDIS_REPLY_STATUS) {
            chaos_note(ch->ph, "CONFIG SET failed", r);
            ok = false;
        }
        if (r)
            freeReplyObject(r);
    }
    if (ok)
        atomic_fetch_add(&ch->ph->n.config_changes, 1);
}

/* A config round every second or so, each on a fresh connection. */
static void *config_main(void *arg)
{
    struct chaos *ch = arg;
    struct phase *ph = ch->ph;
    while (!phase_over(ph)) {
        int64_t next =
            mono_ms() + rng_between(&ch->rng, CONFIG_MIN_INTERVAL_MS, CONFIG_MAX_INTERVAL_MS);
        while (!phase_over(ph) && mono_ms() < next)
            sleep_ms(50);
        if (phase_over(ph))
            break;
        redisContext *c = connect_ctx(ph->srv.port, COMMAND_TIMEOUT_MS);
        if (!c) {
            chaos_note(ph, "config: connect failed", NULL);
            continue;
        }
        config_round(ch, c);
        redisFree(c);
    }
    return NULL;
}

/* Maxmemory mode: large keys with a TTL, pipelined, so that the memory cap
 * is reached and eviction runs for the whole phase. */
static void *filler_main(void *arg)
{
    struct chaos *ch = arg;
    struct phase *ph = ch->ph;
    unsigned char *val = xmalloc(FILL_MAX_BYTES);
    rng_fill(&ch->rng, val, FILL_MAX_BYTES, false);
    redisContext *c = NULL;
    for (unsigned next_key = 0; !phase_over(ph);) {
        if (!c && !(c = connect_ctx(ph->srv.port, COMMAND_TIMEOUT_MS))) {
            chaos_note(ph, "filler: connect failed", NULL);
            sleep_ms(200);
            continue;
        }
        for (int i = 0; i < FILL_BATCH; i++, next_key = (next_key + 1) % FILL_KEYS)
            redisAppendCommand(c, "SET soak:fill:%u %b EX %lld", next_key, val,
                               (size_t)rng_between(&ch->rng, FILL_MIN_BYTES, FILL_MAX_BYTES),
                               rng_between(&ch->rng, FILL_MIN_TTL_S, FILL_MAX_TTL_S));
        for (int i = 0; i < FILL_BATCH && c; i++) {
            void *reply = NULL;
            if (redisGetReply(c, &reply) != REDIS_OK || !reply) {
                chaos_note(ph, "filler: connection failed", NULL);
                redisFree(c);
                c = NULL;
                break;
            }
            redisReply *r = reply;
            if (r->type == REDIS_REPLY_STATUS)
                atomic_fetch_add(&ph->n.fill_writes, 1);
            else if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "OOM", 3) == 0)
                atomic_fetch_add(&ph->n.fill_oom, 1);
            else
                chaos_note(ph, "filler: SET failed", r);
            freeReplyObject(r);
        }
        sleep_ms(FILL_PAUSE_MS);
    }
    if (c)
        redisFree(c);
    free(val);
    return NULL;
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
    long long used_memory, evicted_keys, expired_keys;
};

/* After the load: PING on a fresh connection, and a few INFO fields. */
static void read_final_state(struct phase *ph, struct final_state *f)
{
    f->answers = ping_fresh(ph->srv.port);
    f->used_memory = f->evicted_keys = f->expired_keys = -1;
    redisContext *c = connect_ctx(ph->srv.port, COMMAND_TIMEOUT_MS);
    if (!c)
        return;
    redisReply *r = redisCommand(c, "INFO");
    if (r && r->type == REDIS_REPLY_STRING) {
        f->used_memory = info_field(r->str, "used_memory");
        f->evicted_keys = info_field(r->str, "evicted_keys");
        f->expired_keys = info_field(r->str, "expired_keys");
    }
    if (r)
        freeReplyObject(r);
    redisFree(c);
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
        for (int k = 0; k < MODEL_KEYS; k++)
            free(w->keys[k].val);
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
