/* Integration tests of tidecache as a service: readiness, reload, stop and
 * watchdog notifications over a notify socket this test owns, socket
 * activation through build/tests/listen_exec, SIGHUP reloads with a client
 * connected throughout, logfile reopening and the journal's priority
 * prefixes. Every wait is bounded by WAIT_MS. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS 10000        /* longest wait for any one event */
#define WATCHDOG_TEST_USEC 100000
#define NOTIFY_MSG_MAX 4096
#define POLL_SLICE_MS 50     /* how often a wait checks that the process lives */

/* One tidecache process started by these tests, with its scratch files. */
struct svc {
    struct server srv;       /* pid, port, conf_path, log_path, dir (harness) */
    char notify_path[300];   /* our end of NOTIFY_SOCKET; "" when none */
    char err_path[300];      /* the process's stderr */
    int notify_fd;           /* -1 when none */
    int exited;              /* reaped; exit_status holds how it ended */
    int exit_status;
};

/* What the child's environment gets on top of ours. */
struct spawn_opts {
    int notify;              /* set NOTIFY_SOCKET */
    int abstract;            /* ... as an abstract name ('@') */
    long watchdog_usec;      /* WATCHDOG_USEC when > 0 */
    int watchdog_other_pid;  /* WATCHDOG_PID names another process */
    int journal;             /* JOURNAL_STREAM: 1 stderr's dev:ino, 2 another file's */
    const char *activation;  /* listen_exec options before "--", or NULL */
};

static void write_file(const char *path, const char *fmt, ...)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

/* The whole file as a string (static buffer, "" when missing). */
static const char *read_text(const char *path)
{
    static char text[1 << 16];
    text[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return text;
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* Scratch directory, a free port, and the notify socket we listen on. */
static void svc_init(struct svc *s, const struct spawn_opts *o)
{
    memset(s, 0, sizeof *s);
    s->notify_fd = -1;
    snprintf(s->srv.dir, sizeof s->srv.dir, "/tmp/tidecache-svc-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s->srv.dir));
    snprintf(s->srv.conf_path, sizeof s->srv.conf_path, "%s/tidecache.conf", s->srv.dir);
    snprintf(s->srv.log_path, sizeof s->srv.log_path, "%s/tidecache.log", s->srv.dir);
    snprintf(s->err_path, sizeof s->err_path, "%s/stderr", s->srv.dir);
    s->srv.port = free_port();
    if (!o->notify)
        return;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    socklen_t len;
    s->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(s->notify_fd, 0);
    if (o->abstract) {
        snprintf(s->notify_path, sizeof s->notify_path, "@tidecache-test-%d-%lld", (int)getpid(),
                 mono_ms());
        memcpy(a.sun_path + 1, s->notify_path + 1, strlen(s->notify_path) - 1);
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(s->notify_path));
    } else {
        snprintf(s->notify_path, sizeof s->notify_path, "%s/notify", s->srv.dir);
        strcpy(a.sun_path, s->notify_path);
        len = sizeof a;
    }
    ck_assert_int_eq(bind(s->notify_fd, (struct sockaddr *)&a, len), 0);
}

/* In the child: the environment opts asks for, stdout/stderr to err_path. */
static void child_setup(const struct svc *s, const struct spawn_opts *o)
{
    int fd = open(s->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        _exit(126);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    char buf[64];
    unsetenv("NOTIFY_SOCKET");
    unsetenv("JOURNAL_STREAM");
    unsetenv("LISTEN_FDS");
    if (o->notify)
        setenv("NOTIFY_SOCKET", s->notify_path, 1);
    if (o->watchdog_usec > 0) {
        snprintf(buf, sizeof buf, "%ld", o->watchdog_usec);
        setenv("WATCHDOG_USEC", buf, 1);
        snprintf(buf, sizeof buf, "%d", o->watchdog_other_pid ? 1 : (int)getpid());
        setenv("WATCHDOG_PID", buf, 1);
    }
    if (o->journal) {
        struct stat st;
        fstat(o->journal == 1 ? STDERR_FILENO : STDIN_FILENO, &st);
        snprintf(buf, sizeof buf, "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
        setenv("JOURNAL_STREAM", buf, 1);
    }
}

/* build/tests/listen_exec beside build/tidecache. */
static void helper_path(char *out, size_t len)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s", tidecache_bin());
    snprintf(out, len, "%s/tests/listen_exec", dirname(bin));
}

/* Start tidecache on the config file already written, with opts. Does not
 * wait for readiness. */
static void svc_spawn(struct svc *s, const struct spawn_opts *o)
{
    char helper[600];
    helper_path(helper, sizeof helper);
    s->srv.pid = fork();
    ck_assert_int_ge(s->srv.pid, 0);
    if (s->srv.pid > 0)
        return;
    child_setup(s, o);
    if (!o->activation) {
        execl(tidecache_bin(), "tidecache", s->srv.conf_path, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", tidecache_bin(), strerror(errno));
        _exit(127);
    }
    char *argv[32];
    int n = 0;
    char opts[1024];
    snprintf(opts, sizeof opts, "%s", o->activation);
    argv[n++] = helper;
    for (char *save = NULL, *w = strtok_r(opts, " ", &save); w && n < 28;
         w = strtok_r(NULL, " ", &save))
        argv[n++] = w;
    argv[n++] = "--";
    argv[n++] = (char *)tidecache_bin();
    argv[n++] = s->srv.conf_path;
    argv[n] = NULL;
    execv(helper, argv);
    fprintf(stderr, "cannot run %s: %s\n", helper, strerror(errno));
    _exit(127);
}

/* Whether the process has exited; reaps it and keeps its status. */
static int svc_exited(struct svc *s)
{
    int status;
    if (s->exited)
        return 1;
    if (s->srv.pid <= 0 || waitpid(s->srv.pid, &status, WNOHANG) != s->srv.pid)
        return 0;
    s->exited = 1;
    s->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 1;
}

/* Wait for the process to exit (SIGKILL after WAIT_MS); returns the exit
 * status (128 + signal when killed). */
static int svc_wait_exit(struct svc *s)
{
    if (s->srv.pid <= 0)
        return -1;
    long long deadline = mono_ms() + WAIT_MS;
    while (!svc_exited(s) && mono_ms() < deadline)
        poll(NULL, 0, 10);
    if (!s->exited) {
        kill(s->srv.pid, SIGKILL);
        while (!svc_exited(s))
            poll(NULL, 0, 10);
    }
    s->srv.pid = 0;
    return s->exit_status;
}

static int svc_stop(struct svc *s)
{
    if (s->srv.pid > 0 && !s->exited)
        kill(s->srv.pid, SIGTERM);
    return svc_wait_exit(s);
}

static void svc_cleanup(struct svc *s)
{
    if (s->srv.pid > 0)
        svc_stop(s);
    if (s->notify_fd >= 0)
        close(s->notify_fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->srv.dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Whether the datagram msg holds the line `line` exactly, or a line
 * starting with it when line ends in '='. */
static int msg_has(const char *msg, const char *line)
{
    size_t n = strlen(line);
    int prefix = n > 0 && line[n - 1] == '=';
    for (const char *p = msg; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if ((prefix && len >= n && memcmp(p, line, n) == 0) ||
            (!prefix && len == n && memcmp(p, line, n) == 0))
            return 1;
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

/* The next datagram within timeout_ms into out; 0 on timeout. */
static int recv_msg(struct svc *s, char *out, size_t cap, int timeout_ms)
{
    struct pollfd p = {s->notify_fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1)
        return 0;
    ssize_t n = recv(s->notify_fd, out, cap - 1, 0);
    ck_assert_int_gt(n, 0);
    out[n] = '\0';
    return 1;
}

/* Read datagrams until one holds `line`; others (STATUS=, WATCHDOG=1) are
 * skipped unless they hold `never`. Fails after WAIT_MS, or once the
 * process has exited and everything it sent has been read. */
static void expect_msg(struct svc *s, const char *line, const char *never, char *out, size_t cap)
{
    long long deadline = mono_ms() + WAIT_MS;
    for (;;) {
        if (!recv_msg(s, out, cap, POLL_SLICE_MS)) {
            ck_assert_msg(mono_ms() < deadline, "no %s from tidecache within %d ms; stderr: %s",
                          line, WAIT_MS, read_text(s->err_path));
            int gone = svc_exited(s);
            ck_assert_msg(!gone || recv_msg(s, out, cap, 0),
                          "tidecache exited (status %d) while %s was awaited; stderr: %s",
                          s->exit_status, line, read_text(s->err_path));
            if (!gone)
                continue;
        }
        if (msg_has(out, line))
            return;
        ck_assert_msg(!never || !msg_has(out, never), "got '%s' while waiting for %s", out, line);
    }
}

/* ------------------------------------------------------------- readiness */

START_TEST(test_ready_reload_stop)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\nlogfile \"%s\"\n", s.srv.port,
               s.srv.log_path);
    svc_spawn(&s, &o);

    expect_msg(&s, "READY=1", "STOPPING=1", msg, sizeof msg);
    ck_assert_msg(port_accepts(s.srv.port), "READY=1 sent before port %d accepts", s.srv.port);
    ck_assert_msg(msg_has(msg, "STATUS="), "READY=1 without STATUS=: %s", msg);

    kill(s.srv.pid, SIGHUP);
    expect_msg(&s, "RELOADING=1", "READY=1", msg, sizeof msg);
    ck_assert_msg(msg_has(msg, "MONOTONIC_USEC="), "RELOADING=1 without MONOTONIC_USEC: %s",
                  msg);
    long long usec = atoll(strstr(msg, "MONOTONIC_USEC=") + strlen("MONOTONIC_USEC="));
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long mine = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    ck_assert_msg(usec > 0 && usec <= mine && mine - usec < WAIT_MS * 1000LL,
                  "MONOTONIC_USEC %lld is not a recent CLOCK_MONOTONIC time (now %lld)", usec,
                  mine);
    expect_msg(&s, "READY=1", "STOPPING=1", msg, sizeof msg);
    ck_assert(port_accepts(s.srv.port));

    kill(s.srv.pid, SIGTERM);
    expect_msg(&s, "STOPPING=1", NULL, msg, sizeof msg);
    ck_assert_int_eq(svc_wait_exit(&s), 0);
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_status_updates)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\n", s.srv.port);
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);
    ck_assert_msg(msg_has(msg, "STATUS=Ready: keys=0 clients=0"), "READY=1 message: %s", msg);

    redisContext *c = client_connect(&s.srv);
    expect_status(client_cmd(c, "MSET %s %s %s %s %s %s", "a", "1", "b", "2", "c", "3"), "OK");
    /* The timer refreshes the status every two seconds. */
    expect_msg(&s, "STATUS=Ready: keys=3 clients=1", NULL, msg, sizeof msg);
    redisFree(c);
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_notify_abstract_socket)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1, .abstract = 1};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\n", s.srv.port);
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);
    ck_assert(port_accepts(s.srv.port));
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_watchdog_pings)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1, .watchdog_usec = WATCHDOG_TEST_USEC};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\n", s.srv.port);
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);
    /* Pings every WATCHDOG_USEC / 2: three of them take about 150 ms. */
    long long start = mono_ms();
    for (int i = 0; i < 3; i++)
        expect_msg(&s, "WATCHDOG=1", NULL, msg, sizeof msg);
    ck_assert_int_lt(mono_ms() - start, WATCHDOG_TEST_USEC / 1000 * 3);
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_watchdog_for_another_pid)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1, .watchdog_usec = WATCHDOG_TEST_USEC,
                           .watchdog_other_pid = 1};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\n", s.srv.port);
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", "WATCHDOG=1", msg, sizeof msg);
    /* Four periods without a ping: WATCHDOG_PID names another process. */
    while (recv_msg(&s, msg, sizeof msg, WATCHDOG_TEST_USEC / 1000 * 4))
        ck_assert_msg(!msg_has(msg, "WATCHDOG=1"), "ping for another pid's watchdog");
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

/* ----------------------------------------------------- socket activation */

START_TEST(test_activation_tcp)
{
    struct svc s;
    char spec[128];
    struct spawn_opts o = {.notify = 1, .activation = spec};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    int passed_port = free_port();
    snprintf(spec, sizeof spec, "-t 127.0.0.1:%d -n web", passed_port);
    /* The config's own port must stay closed: passed sockets replace it. */
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\nlogfile \"%s\"\n", s.srv.port,
               s.srv.log_path);
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);

    struct server via = s.srv;
    via.port = passed_port;
    redisContext *c = client_connect(&via);
    expect_status(client_cmd(c, "SET %s %s", "k", "through fd 3"), "OK");
    expect_str(client_cmd(c, "GET %s", "k"), "through fd 3");
    redisFree(c);
    ck_assert_msg(!port_accepts(s.srv.port), "config port opened despite passed sockets");
    ck_assert_ptr_nonnull(strstr(read_text(s.srv.log_path), "passed by the service manager"));
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_activation_unix_and_tcp)
{
    struct svc s;
    char spec[512], upath[400];
    struct spawn_opts o = {.notify = 1, .activation = spec};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    snprintf(upath, sizeof upath, "%s/tc.sock", s.srv.dir);
    snprintf(spec, sizeof spec, "-u %s -t 127.0.0.1:%d -n unix:tcp", upath, s.srv.port);
    /* The config names the same path: still not ours to remove at exit. */
    write_file(s.srv.conf_path, "port 0\nunixsocket %s\n", upath);
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);

    struct timeval tv = {HARNESS_IO_TIMEOUT_MS / 1000, 0};
    redisContext *u = redisConnectUnixWithTimeout(upath, tv);
    ck_assert_ptr_nonnull(u);
    ck_assert_msg(!u->err, "unix connect: %s", u->errstr);
    redisSetTimeout(u, tv);
    expect_status(client_cmd(u, "SET %s %s", "k", "unix"), "OK");
    redisContext *t = client_connect(&s.srv);
    expect_str(client_cmd(t, "GET %s", "k"), "unix");
    redisFree(t);
    redisFree(u);

    ck_assert_int_eq(svc_stop(&s), 0);
    struct stat st;
    ck_assert_msg(stat(upath, &st) == 0 && S_ISSOCK(st.st_mode),
                  "a passed unix socket was unlinked at exit");
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_activation_for_another_pid)
{
    struct svc s;
    char spec[128];
    struct spawn_opts o = {.notify = 1, .activation = spec};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    int passed_port = free_port();
    snprintf(spec, sizeof spec, "-t 127.0.0.1:%d -p 1", passed_port);
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\n", s.srv.port);
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);
    /* LISTEN_PID is not ours: the sockets are not for us, the config is. */
    redisContext *c = client_connect(&s.srv);
    expect_status(client_cmd(c, "PING"), "PONG");
    redisFree(c);
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

/* ---------------------------------------------------------------- reload */

/* SIGHUP, then wait for RELOADING=1 and READY=1: the reload is complete. */
static void reload_and_wait(struct svc *s)
{
    char msg[NOTIFY_MSG_MAX];
    kill(s->srv.pid, SIGHUP);
    expect_msg(s, "RELOADING=1", NULL, msg, sizeof msg);
    expect_msg(s, "READY=1", NULL, msg, sizeof msg);
}

/* CONFIG GET name into out; 0 when the server has no CONFIG command. */
static int config_get(redisContext *c, const char *name, char *out, size_t cap)
{
    redisReply *r = client_cmd(c, "CONFIG GET %s", name);
    int ok = 0;
    if (r->type == REDIS_REPLY_ERROR) {
        ck_assert_msg(strstr(r->str, "unknown command") != NULL, "CONFIG GET: %s", r->str);
    } else if (r->type == REDIS_REPLY_ARRAY) {
        ck_assert_uint_eq(r->elements, 2);
        snprintf(out, cap, "%s", r->element[1]->str);
        ok = 1;
    } else {
        ck_abort_msg("CONFIG GET: reply type %d", r->type);
    }
    freeReplyObject(r);
    return ok;
}

/* SET key without a TTL, and return its TTL. */
static long long set_and_ttl(redisContext *c, const char *key)
{
    expect_status(client_cmd(c, "SET %s %s", key, "v"), "OK");
    redisReply *r = client_cmd(c, "TTL %s", key);
    ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
    long long ttl = r->integer;
    freeReplyObject(r);
    return ttl;
}

static void write_reload_conf(struct svc *s, int port, const char *extra)
{
    write_file(s->srv.conf_path, "port %d\nbind 127.0.0.1\nlogfile \"%s\"\n%s", port,
               s->srv.log_path, extra);
}

START_TEST(test_reload_applies_runtime_options)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1};
    char msg[NOTIFY_MSG_MAX], val[64];
    svc_init(&s, &o);
    write_reload_conf(&s, s.srv.port, "default-ttl 100\n");
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);

    redisContext *c = client_connect(&s.srv);
    long long ttl = set_and_ttl(c, "before");
    ck_assert_msg(ttl >= 99 && ttl <= 100, "TTL before reload: %lld", ttl);

    write_reload_conf(&s, s.srv.port, "default-ttl 200\nmaxmemory 1mb\n");
    reload_and_wait(&s);
    ttl = set_and_ttl(c, "after");
    ck_assert_msg(ttl >= 199 && ttl <= 200, "TTL after reload: %lld", ttl);
    if (config_get(c, "default-ttl", val, sizeof val))
        ck_assert_str_eq(val, "200");
    if (config_get(c, "maxmemory", val, sizeof val))
        ck_assert_str_eq(val, "1048576");
    const char *log = read_text(s.srv.log_path);
    ck_assert_ptr_nonnull(strstr(log, "reload: default-ttl changed"));
    ck_assert_ptr_nonnull(strstr(log, "reload: maxmemory changed"));
    ck_assert_ptr_nonnull(strstr(log, "configuration reloaded: 2 options changed"));

    /* Removing a line brings its default back. */
    write_reload_conf(&s, s.srv.port, "maxmemory 1mb\n");
    reload_and_wait(&s);
    ck_assert_int_eq(set_and_ttl(c, "no-ttl"), -1);

    /* The same connection served every step. */
    expect_status(client_cmd(c, "PING"), "PONG");
    redisFree(c);
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_reload_rejects_broken_file)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1};
    char msg[NOTIFY_MSG_MAX], val[64];
    svc_init(&s, &o);
    write_reload_conf(&s, s.srv.port, "default-ttl 100\n");
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);
    redisContext *c = client_connect(&s.srv);

    /* Line 5 is bad: line 4, although good, must not be taken either. */
    write_reload_conf(&s, s.srv.port, "default-ttl 300\nmaxmemory lots\n");
    reload_and_wait(&s);
    long long ttl = set_and_ttl(c, "k");
    ck_assert_msg(ttl >= 99 && ttl <= 100, "TTL after a rejected reload: %lld", ttl);
    if (config_get(c, "maxmemory", val, sizeof val))
        ck_assert_str_eq(val, "0");
    char where[300];
    snprintf(where, sizeof where, "%s:5: maxmemory", s.srv.conf_path);
    const char *log = read_text(s.srv.log_path);
    ck_assert_msg(strstr(log, "reload failed") && strstr(log, where),
                  "no 'reload failed ... %s' in the log:\n%s", where, log);
    expect_status(client_cmd(c, "PING"), "PONG");
    redisFree(c);
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_reload_ignores_startup_options)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    write_reload_conf(&s, s.srv.port, "");
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);
    redisContext *c = client_connect(&s.srv);

    int other = free_port();
    write_reload_conf(&s, other, "default-ttl 50\n");
    reload_and_wait(&s);
    const char *log = read_text(s.srv.log_path);
    ck_assert_msg(strstr(log, "reload: port changed but takes effect only after a restart; "
                              "ignored") != NULL,
                  "port change not reported:\n%s", log);
    ck_assert_msg(!port_accepts(other), "the new port was opened");
    char val[64], want[16];
    snprintf(want, sizeof want, "%d", s.srv.port);
    if (config_get(c, "port", val, sizeof val))
        ck_assert_str_eq(val, want);
    long long ttl = set_and_ttl(c, "k");
    ck_assert_msg(ttl >= 49 && ttl <= 50, "runtime option beside a fixed one: TTL %lld", ttl);
    expect_status(client_cmd(c, "PING"), "PONG");
    redisFree(c);
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_reload_reopens_logfile)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1};
    char msg[NOTIFY_MSG_MAX], rotated[400];
    svc_init(&s, &o);
    write_reload_conf(&s, s.srv.port, "");
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);

    /* What logrotate does: move the file away, then SIGHUP. */
    snprintf(rotated, sizeof rotated, "%s.1", s.srv.log_path);
    ck_assert_int_eq(rename(s.srv.log_path, rotated), 0);
    reload_and_wait(&s);
    ck_assert_ptr_nonnull(strstr(read_text(s.srv.log_path), "SIGHUP received"));
    ck_assert_ptr_null(strstr(read_text(rotated), "SIGHUP received"));
    ck_assert_int_eq(svc_stop(&s), 0);
    svc_cleanup(&s);
}
END_TEST

/* --------------------------------------------------------------- journal */

/* Every line of text starts with '<' digit '>'. */
static int all_lines_prefixed(const char *text)
{
    for (const char *p = text; *p;) {
        if (!(p[0] == '<' && p[1] >= '0' && p[1] <= '7' && p[2] == '>'))
            return 0;
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : p + strlen(p);
    }
    return 1;
}

START_TEST(test_journal_priority_prefix)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1, .journal = 1};
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\nloglevel verbose\n", s.srv.port);
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\nloglevel verbose\nhz nine\n",
               s.srv.port);
    reload_and_wait(&s);
    ck_assert_int_eq(svc_stop(&s), 0);

    const char *err = read_text(s.err_path);
    ck_assert_msg(strstr(err, "<5>tidecache ") != NULL, "no <5> notice:\n%s", err);
    ck_assert_msg(strstr(err, "\n<4>reload failed") != NULL, "no <4> warning:\n%s", err);
    ck_assert_msg(all_lines_prefixed(err), "a line without <N>:\n%s", err);
    ck_assert_msg(strstr(err, ":M ") == NULL, "timestamped line in the journal:\n%s", err);
    svc_cleanup(&s);
}
END_TEST

START_TEST(test_journal_stream_of_another_file)
{
    struct svc s;
    struct spawn_opts o = {.notify = 1, .journal = 2}; /* not stderr: plain lines */
    char msg[NOTIFY_MSG_MAX];
    svc_init(&s, &o);
    write_file(s.srv.conf_path, "port %d\nbind 127.0.0.1\n", s.srv.port);
    svc_spawn(&s, &o);
    expect_msg(&s, "READY=1", NULL, msg, sizeof msg);
    ck_assert_int_eq(svc_stop(&s), 0);
    const char *err = read_text(s.err_path);
    ck_assert_msg(err[0] != '<' && strstr(err, ":M ") != NULL, "stderr:\n%s", err);
    svc_cleanup(&s);
}
END_TEST

static Suite *service_suite(void)
{
    Suite *s = suite_create("service");
    TCase *tc = tcase_create("notify");
    tcase_add_test(tc, test_ready_reload_stop);
    tcase_add_test(tc, test_status_updates);
    tcase_add_test(tc, test_notify_abstract_socket);
    tcase_add_test(tc, test_watchdog_pings);
    tcase_add_test(tc, test_watchdog_for_another_pid);
    suite_add_tcase(s, tc);
    tc = tcase_create("activation");
    tcase_add_test(tc, test_activation_tcp);
    tcase_add_test(tc, test_activation_unix_and_tcp);
    tcase_add_test(tc, test_activation_for_another_pid);
    suite_add_tcase(s, tc);
    tc = tcase_create("reload");
    tcase_add_test(tc, test_reload_applies_runtime_options);
    tcase_add_test(tc, test_reload_rejects_broken_file);
    tcase_add_test(tc, test_reload_ignores_startup_options);
    tcase_add_test(tc, test_reload_reopens_logfile);
    suite_add_tcase(s, tc);
    tc = tcase_create("journal");
    tcase_add_test(tc, test_journal_priority_prefix);
    tcase_add_test(tc, test_journal_stream_of_another_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(service_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
