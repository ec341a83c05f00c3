/*
 * Helpers every part of the soak test uses: wall-clock and monotonic time,
 * a small random generator (each thread seeds its own from the phase's
 * seed), allocation that aborts instead of failing, and loopback
 * connections whose every wait is bounded, raw or through hiredis.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

#define LIVENESS_TIMEOUT_MS 5000 /* to connect, and for the PING's answer */

/* ------------------------------------------------------------------ */
/* Time, randomness, allocation                                        */
/* ------------------------------------------------------------------ */

/* Wall-clock microseconds: expiry instants are wall-clock (PXAT,
 * PEXPIRETIME), so the model keeps its windows in the same clock. */
int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Monotonic milliseconds, for deadlines. */
int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

long long floor_div(long long a, long long b)
{
    long long q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

long long ceil_div(long long a, long long b)
{
    return -floor_div(-a, b);
}

/* splitmix64 of the seed, so that neighbouring seeds give unrelated streams. */
void rng_seed(struct rng *r, uint64_t seed)
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

uint64_t rng_below(struct rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}

/* Uniform in [lo, hi], both included. */
long long rng_between(struct rng *r, long long lo, long long hi)
{
    return lo + (long long)rng_below(r, (uint64_t)(hi - lo) + 1);
}

bool rng_percent(struct rng *r, unsigned pct)
{
    return rng_below(r, 100) < pct;
}

/* Random bytes, any value; or, when text, letters and digits only. */
void rng_fill(struct rng *r, unsigned char *p, size_t n, bool text)
{
    static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x = rng_next(r);
        for (size_t j = 0; j < 8 && i + j < n; j++, x >>= 8)
            p[i + j] = text ? (unsigned char)ALNUM[(x & 0xff) % 36] : (unsigned char)(x & 0xff);
    }
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "soak: out of memory\n");
        abort();
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "soak: out of memory\n");
        abort();
    }
    return q;
}

/* ------------------------------------------------------------------ */
/* Loopback connections                                                */
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
int pick_free_port(void)
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
int raw_connect(int port, int timeout_ms)
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

/* A hiredis connection with connect and I/O timeouts; NULL on failure. */
redisContext *connect_ctx(int port, int timeout_ms)
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
bool ping_fresh(int port)
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
