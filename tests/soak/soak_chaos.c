/*
 * The chaos threads of a phase: garbage and hostile protocol input, clients
 * that ask for megabytes and read none of it, SCAN, KEYS and INFO rounds,
 * runtime CONFIG SET changes, and in maxmemory mode a filler that keeps the
 * memory cap reached. None of them writes a worker's key.
 *
 * Chaos threads are judged only by the server still answering PING on a
 * fresh connection; they exist to make the checked traffic run through
 * every other path of the server at the same time. Anything odd they see
 * is counted and noted, and fails nothing by itself.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "soak.h"

/* Chaos. */
#define CONNECT_TIMEOUT_MS     5000
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

/* ------------------------------------------------------------------ */
/* Raw connections                                                     */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* Notes and liveness                                                  */
/* ------------------------------------------------------------------ */

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
/* Chaos threads                                                       */
/* ------------------------------------------------------------------ */

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
void *garbage_main(void *arg)
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
void *unread_main(void *arg)
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
void *scanner_main(void *arg)
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
void *config_main(void *arg)
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
void *filler_main(void *arg)
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
