/* Integration test harness; see harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_INTERVAL_MS 10

long long wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

long long client_int(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    ck_assert_msg(r != NULL, "no reply: %s", c->errstr);
    ck_assert_msg(r->type == REDIS_REPLY_INTEGER, "%s: expected an integer, got type %d (%s)", fmt,
                  r->type, r->str ? r->str : "");
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

void expect_ttl(redisContext *c, const char *key, long long lo, long long hi)
{
    long long ttl = client_int(c, "TTL %s", key);
    ck_assert_msg(ttl >= lo && ttl <= hi, "TTL %s = %lld, expected %lld..%lld", key, ttl, lo, hi);
}

const char *tidecache_bin(void)
{
    const char *bin = getenv("TIDECACHE_BIN");
    return bin && *bin ? bin : "build/tidecache";
}

long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

int port_accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

void server_start(struct server *s, const char *extra_conf)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/tidecache-it-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s->dir));
    snprintf(s->conf_path, sizeof s->conf_path, "%s/tidecache.conf", s->dir);
    snprintf(s->log_path, sizeof s->log_path, "%s/tidecache.log", s->dir);
    s->port = free_port();
    FILE *f = fopen(s->conf_path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "port %d\nbind 127.0.0.1\nlogfile \"%s\"\n%s\n", s->port, s->log_path,
            extra_conf ? extra_conf : "");
    fclose(f);

    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        execl(tidecache_bin(), "tidecache", s->conf_path, (char *)NULL);
        _exit(127);
    }
    long long deadline = mono_ms() + HARNESS_START_TIMEOUT_MS;
    while (!port_accepts(s->port)) {
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid)
            ck_abort_msg("tidecache exited during startup (status %d); see %s", status, s->log_path);
        if (mono_ms() > deadline)
            ck_abort_msg("tidecache did not accept connections within %d ms", HARNESS_START_TIMEOUT_MS);
        poll(NULL, 0, POLL_INTERVAL_MS);
    }
}

int server_alive(const struct server *s)
{
    int status;
    return s->pid > 0 && waitpid(s->pid, &status, WNOHANG) == 0;
}

int server_stop(struct server *s)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    int status = 0;
    long long deadline = mono_ms() + HARNESS_START_TIMEOUT_MS;
    pid_t r;
    while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && mono_ms() < deadline)
        poll(NULL, 0, POLL_INTERVAL_MS);
    if (r == 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
    }
    s->pid = 0;
    unlink(s->conf_path);
    unlink(s->log_path);
    rmdir(s->dir);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

redisContext *client_connect(const struct server *s)
{
    struct timeval tv = {HARNESS_IO_TIMEOUT_MS / 1000, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(!c->err, "connect: %s", c->errstr);
    redisSetTimeout(c, tv);
    return c;
}

redisReply *client_cmd(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    ck_assert_msg(r != NULL, "no reply: %s", c->errstr);
    return r;
}

void expect_status(redisReply *r, const char *status)
{
    ck_assert_msg(r->type == REDIS_REPLY_STATUS, "expected status %s, got type %d (%s)", status,
                  r->type, r->str ? r->str : "");
    ck_assert_str_eq(r->str, status);
    freeReplyObject(r);
}

void expect_error(redisReply *r, const char *error)
{
    ck_assert_msg(r->type == REDIS_REPLY_ERROR, "expected error '%s', got type %d (%s)", error,
                  r->type, r->str ? r->str : "");
    ck_assert_str_eq(r->str, error);
    freeReplyObject(r);
}

void expect_int(redisReply *r, long long v)
{
    ck_assert_msg(r->type == REDIS_REPLY_INTEGER, "expected integer %lld, got type %d (%s)", v,
                  r->type, r->str ? r->str : "");
    ck_assert_int_eq(r->integer, v);
    freeReplyObject(r);
}

void expect_str(redisReply *r, const char *s)
{
    ck_assert_msg(r->type == REDIS_REPLY_STRING, "expected string '%s', got type %d (%s)", s,
                  r->type, r->str ? r->str : "");
    ck_assert_uint_eq(r->len, strlen(s));
    ck_assert_int_eq(memcmp(r->str, s, r->len), 0);
    freeReplyObject(r);
}

void expect_nil(redisReply *r)
{
    ck_assert_msg(r->type == REDIS_REPLY_NIL, "expected nil, got type %d (%s)", r->type,
                  r->str ? r->str : "");
    freeReplyObject(r);
}

void expect_arity(redisContext *c, const char *cmd, const char *name)
{
    char want[128];
    snprintf(want, sizeof want, "ERR wrong number of arguments for '%s' command", name);
    expect_error(client_cmd(c, cmd), want);
}

void expect_encoding(redisContext *c, const char *key, const char *want)
{
    redisReply *r = client_cmd(c, "OBJECT ENCODING %s", key);
    ck_assert_msg(r->type == REDIS_REPLY_STRING && strcmp(r->str, want) == 0,
                  "OBJECT ENCODING %s: %s, expected %s", key, r->str ? r->str : "(nil)", want);
    freeReplyObject(r);
}

int raw_connect(const struct server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {HARNESS_IO_TIMEOUT_MS / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

void raw_send(int fd, const void *p, size_t len)
{
    const char *b = p;
    while (len > 0) {
        ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
        ck_assert_msg(n > 0, "send failed: %s", strerror(errno));
        b += n;
        len -= (size_t)n;
    }
}

size_t raw_read_all(int fd, char *out, size_t cap, int *closed)
{
    size_t got = 0;
    *closed = 0;
    while (got + 1 < cap) {
        ssize_t n = recv(fd, out + got, cap - 1 - got, 0);
        if (n == 0) {
            *closed = 1;
            break;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ECONNRESET)
                *closed = 1;
            break;
        }
        got += (size_t)n;
    }
    out[got] = '\0';
    return got;
}

size_t raw_read_n(int fd, char *out, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, out + got, len - got, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            break;
        }
        got += (size_t)n;
    }
    return got;
}

#define HARNESS_READ_MAX_BYTES (64 * 1024)

char *harness_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    char *buf = malloc(HARNESS_READ_MAX_BYTES);
    ck_assert_ptr_nonnull(buf);
    size_t n = fread(buf, 1, HARNESS_READ_MAX_BYTES - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

void client_drain(redisContext *c, size_t count, int type)
{
    for (size_t i = 0; i < count; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(c, (void **)&r), REDIS_OK);
        ck_assert_msg(r->type == type, "reply %zu: type %d (%s)", i, r->type, r->str ? r->str : "");
        freeReplyObject(r);
    }
}

long long client_info_field(redisContext *c, const char *section, const char *field)
{
    redisReply *r = redisCommand(c, "INFO %s", section);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    long long v = -1;
    size_t flen = strlen(field);
    for (const char *p = r->str; p && *p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, field, flen) == 0 && p[flen] == ':') {
            v = strtoll(p + flen + 1, NULL, 10);
            break;
        }
    }
    freeReplyObject(r);
    return v;
}

#define SCAN_CHURN_PHASE_CALLS 40 /* calls of growing, then of shrinking */
#define SCAN_CHURN_MAX_CALLS 100000

void scan_churn_step(redisContext *c, struct scan_churn *ch)
{
    char name[32];
    size_t queued = 0;
    ch->calls++;
    int phase = (ch->calls / SCAN_CHURN_PHASE_CALLS) % 3;
    if (phase != 1 && ch->added < ch->max) {
        for (int i = 0; i < ch->per_call; i++, queued++) {
            snprintf(name, sizeof name, "churn:%d", ch->added++);
            redisAppendCommand(c, ch->add_fmt, name);
        }
    } else {
        for (int i = 0; i < ch->per_call && ch->removed < ch->added; i++, queued++) {
            snprintf(name, sizeof name, "churn:%d", ch->removed++);
            redisAppendCommand(c, ch->del_fmt, name);
        }
        ch->emptied |= ch->removed == ch->added && ch->added > 0;
    }
    for (size_t i = 0; i < queued; i++) {
        redisReply *q;
        ck_assert_int_eq(redisGetReply(c, (void **)&q), REDIS_OK);
        expect_int(q, 1);
    }
    ck_assert_int_lt(ch->calls, SCAN_CHURN_MAX_CALLS);
}

void scan_churn_expect_names(const redisReply *elements, size_t stride)
{
    for (size_t i = 0; i < elements->elements; i += stride) {
        const char *n = elements->element[i]->str;
        ck_assert_msg(strncmp(n, "stable:", 7) == 0 || strncmp(n, "churn:", 6) == 0,
                      "unexpected name %s", n);
    }
}
