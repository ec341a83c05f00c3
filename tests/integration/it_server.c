/* Integration tests of the server process: maxclients, idle timeout, QUIT,
 * SIGTERM and the pidfile, the command line and startup errors, the unix
 * socket and IPv6 listeners. Each test starts its own server. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "tidecache/config.h"
#include "tidecache/version.h"

#define TEST_TIMEOUT_S 60          /* per test, generous for sanitizer builds */
#define WAIT_MS 5000               /* bound of every poll-until loop */
#define POLL_STEP_MS 10
#define RUN_DEADLINE_MS 10000      /* bound on a non-serving invocation */
#define ACTIVE_PING_MS 200         /* the active client's pace in the timeout test */
#define IDLE_TIMEOUT_S 1
#define MAXCLIENTS 3

/* ------------------------------------------------------------------------ */
/* helpers */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A scratch directory under /tmp; the caller removes it. */
static void make_dir(char *dir, size_t cap, const char *tag)
{
    snprintf(dir, cap, "/tmp/tidecache-%s-XXXXXX", tag);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* A loopback port nobody listens on right now. */
static int pick_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int can_connect(int family, const char *ip, int port)
{
    int fd = socket(family, SOCK_STREAM, 0);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, ip, &a->sin6_addr);
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, ip, &a->sin_addr);
        len = sizeof *a;
    }
    int ok = connect(fd, (struct sockaddr *)&ss, len) == 0;
    close(fd);
    return ok;
}

/* Run the binary with args (NULL-terminated, argv[0] included) to
 * completion, bounded by RUN_DEADLINE_MS; stdout and stderr go to out.
 * Returns the exit status (128 + signal when killed). */
static int run_capture(char *const args[], char *out, size_t cap)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execv(tidecache_bin(), args);
        _exit(127);
    }
    close(fds[1]);
    size_t got = 0;
    long long deadline = mono_ms() + RUN_DEADLINE_MS;
    for (;;) {
        long long left = deadline - mono_ms();
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        char scratch[4096];
        char *dst = got + 1 < cap ? out + got : scratch;
        size_t room = got + 1 < cap ? cap - 1 - got : sizeof scratch;
        ssize_t n = read(fds[0], dst, room);
        if (n <= 0)
            break;
        if (dst != scratch)
            got += (size_t)n;
    }
    out[got] = '\0';
    close(fds[0]);
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && mono_ms() < deadline)
        sleep_ms(POLL_STEP_MS);
    if (r == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ck_abort_msg("%s did not finish within %d ms", args[1] ? args[1] : "tidecache",
                     RUN_DEADLINE_MS);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Whether the peer closed fd within WAIT_MS; bytes before the close are
 * discarded. */
static int wait_for_eof(int fd, long long deadline)
{
    char scratch[256];
    while (mono_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, POLL_STEP_MS) <= 0)
            continue;
        ssize_t n = recv(fd, scratch, sizeof scratch, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* maxclients */

START_TEST(test_maxclients)
{
    struct server s;
    server_start(&s, "maxclients 3");
    redisContext *c[MAXCLIENTS];
    for (int i = 0; i < MAXCLIENTS; i++) {
        c[i] = client_connect(&s);
        expect_status(client_cmd(c[i], "PING"), "PONG");
    }
    int fd = raw_connect(&s);
    char out[256];
    int closed = 0;
    size_t n = raw_read_all(fd, out, sizeof out, &closed);
    ck_assert_str_eq(out, "-ERR max number of clients reached\r\n");
    ck_assert_uint_eq(n, strlen("-ERR max number of clients reached\r\n"));
    ck_assert_msg(closed, "the refused connection was not closed");
    close(fd);
    for (int i = 0; i < MAXCLIENTS; i++) /* the others were not disturbed */
        expect_status(client_cmd(c[i], "PING"), "PONG");

    /* once one leaves, a newcomer is served (the server may need a moment
     * to notice the close) */
    redisFree(c[0]);
    long long deadline = mono_ms() + WAIT_MS;
    int served = 0;
    while (!served && mono_ms() < deadline) {
        fd = raw_connect(&s);
        raw_send(fd, "PING\r\n", 6);
        memset(out, 0, sizeof out);
        raw_read_n(fd, out, 7);
        served = strcmp(out, "+PONG\r\n") == 0;
        if (!served)
            ck_assert_msg(strncmp(out, "-ERR max number", 15) == 0, "unexpected reply \"%s\"",
                          out);
        close(fd);
        if (!served)
            sleep_ms(POLL_STEP_MS);
    }
    ck_assert_msg(served, "no client served after one of %d left", MAXCLIENTS);
    /* the freed slot is taken again and a fourth is still refused */
    c[0] = client_connect(&s);
    expect_status(client_cmd(c[0], "PING"), "PONG");
    fd = raw_connect(&s);
    raw_read_all(fd, out, sizeof out, &closed);
    ck_assert_str_eq(out, "-ERR max number of clients reached\r\n");
    close(fd);
    for (int i = 0; i < MAXCLIENTS; i++)
        redisFree(c[i]);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* timeout */

START_TEST(test_idle_timeout)
{
    struct server s;
    server_start(&s, "timeout 1");
    redisContext *active = client_connect(&s);
    int idle = raw_connect(&s);
    raw_send(idle, "PING\r\n", 6);
    char out[16] = "";
    raw_read_n(idle, out, 7);
    ck_assert_str_eq(out, "+PONG\r\n");
    long long start = mono_ms();
    long long deadline = start + WAIT_MS;
    long long idle_closed_at = 0;
    int pings = 0;
    /* the active client pings every 200 ms while the idle one is watched,
     * and for two timeouts more once it is gone */
    while (mono_ms() < deadline) {
        expect_status(client_cmd(active, "PING"), "PONG");
        pings++;
        long long until = mono_ms() + ACTIVE_PING_MS;
        if (!idle_closed_at && wait_for_eof(idle, until)) {
            idle_closed_at = mono_ms();
            deadline = idle_closed_at + 2 * IDLE_TIMEOUT_S * 1000;
        }
        while (mono_ms() < until)
            sleep_ms(POLL_STEP_MS);
    }
    ck_assert_msg(idle_closed_at, "idle client still open after %d ms", WAIT_MS);
    long long idle_for = idle_closed_at - start;
    ck_assert_msg(idle_for >= IDLE_TIMEOUT_S * 1000 - 100,
                  "idle client closed after only %lld ms", idle_for);
    ck_assert_int_ge(pings, 10);
    expect_status(client_cmd(active, "PING"), "PONG");
    close(idle);
    redisFree(active);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* QUIT */

START_TEST(test_quit)
{
    struct server s;
    server_start(&s, NULL);
    int fd = raw_connect(&s);
    const char *req = "QUIT\r\nSET q 1\r\n";
    raw_send(fd, req, strlen(req));
    char out[256];
    int closed = 0;
    raw_read_all(fd, out, sizeof out, &closed);
    ck_assert_str_eq(out, "+OK\r\n");
    ck_assert_msg(closed, "connection open after QUIT");
    close(fd);

    redisContext *c = client_connect(&s);
    expect_int(client_cmd(c, "EXISTS %s", "q"), 0);
    expect_status(client_cmd(c, "QUIT"), "OK");
    redisReply *r = redisCommand(c, "PING");
    ck_assert_msg(r == NULL, "a command ran after QUIT");
    redisFree(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* SIGTERM and the pidfile */

START_TEST(test_sigterm_pidfile)
{
    char dir[64], pidfile[128], conf[192];
    make_dir(dir, sizeof dir, "pid");
    snprintf(pidfile, sizeof pidfile, "%s/tidecache.pid", dir);
    snprintf(conf, sizeof conf, "pidfile %s", pidfile);
    struct server s;
    server_start(&s, conf);
    pid_t pid = s.pid;

    /* the pidfile is written once the listeners are up: allow a moment */
    long long deadline = mono_ms() + WAIT_MS;
    long from_file = 0;
    while (mono_ms() < deadline) {
        FILE *f = fopen(pidfile, "r");
        if (f) {
            int ok = fscanf(f, "%ld", &from_file) == 1;
            fclose(f);
            if (ok)
                break;
        }
        sleep_ms(POLL_STEP_MS);
    }
    ck_assert_int_eq(from_file, (long)pid);
    redisContext *c = client_connect(&s);
    expect_status(client_cmd(c, "PING"), "PONG");

    int status = server_stop(&s); /* SIGTERM, bounded wait */
    ck_assert_int_eq(status, 0);
    ck_assert_msg(access(pidfile, F_OK) != 0, "pidfile %s left behind", pidfile);
    redisFree(c);
    rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* command line and startup errors */

START_TEST(test_startup_errors)
{
    char dir[64], bad[128], good[128], out[16384];
    make_dir(dir, sizeof dir, "conf");
    snprintf(bad, sizeof bad, "%s/bad.conf", dir);
    snprintf(good, sizeof good, "%s/good.conf", dir);
    write_file(bad, "# a comment\nport 7777\nno-such-directive yes\n");
    write_file(good, "port 7777\nbind 127.0.0.1\nmaxclients 50\n");

    char *bad_args[] = {"tidecache", bad, NULL};
    ck_assert_int_eq(run_capture(bad_args, out, sizeof out), 1);
    char where[160];
    snprintf(where, sizeof where, "%s:3: ", bad);
    ck_assert_msg(strstr(out, where) != NULL, "expected \"%s...\" in \"%s\"", where, out);
    ck_assert_msg(strstr(out, "no-such-directive") != NULL, "directive not named: \"%s\"", out);

    char *bad_t_args[] = {"tidecache", "-t", bad, NULL};
    ck_assert_int_eq(run_capture(bad_t_args, out, sizeof out), 1);
    ck_assert_ptr_nonnull(strstr(out, where));
    ck_assert_ptr_null(strstr(out, "configuration OK"));

    char *test_args[] = {"tidecache", "-t", good, NULL};
    ck_assert_int_eq(run_capture(test_args, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "configuration OK") != NULL, "-t printed \"%s\"", out);

    char *missing_args[] = {"tidecache", "/nonexistent/tidecache.conf", NULL};
    ck_assert_int_ne(run_capture(missing_args, out, sizeof out), 0);

    char *version_args[] = {"tidecache", "--version", NULL};
    ck_assert_int_eq(run_capture(version_args, out, sizeof out), 0);
    ck_assert_msg(strncmp(out, "tidecache ", 10) == 0 && strstr(out, TIDECACHE_VERSION),
                  "--version printed \"%s\"", out);

    char *help_args[] = {"tidecache", "--help", NULL};
    ck_assert_int_eq(run_capture(help_args, out, sizeof out), 0);
#define EXPECT_OPTION_LISTED(field, name, ...)                                                 \
    do {                                                                                        \
        char line_a[64], line_b[64];                                                            \
        snprintf(line_a, sizeof line_a, "\n  %s ", name);                                       \
        snprintf(line_b, sizeof line_b, "\n  %s\n", name);                                      \
        ck_assert_msg(strstr(out, line_a) || strstr(out, line_b), "--help omits %s", name);     \
    } while (0);
    CONFIG_OPTIONS(EXPECT_OPTION_LISTED)
#undef EXPECT_OPTION_LISTED
    ck_assert_ptr_nonnull(strstr(out, "\n  port "));
    ck_assert_ptr_nonnull(strstr(out, "\n  bind "));
    ck_assert_ptr_nonnull(strstr(out, "\n  proto-max-bulk-len "));

    unlink(bad);
    unlink(good);
    rmdir(dir);
}
END_TEST

/* --port on the command line wins over the file's port. */
START_TEST(test_cmdline_port_override)
{
    struct server s;
    memset(&s, 0, sizeof s);
    make_dir(s.dir, sizeof s.dir, "port");
    snprintf(s.conf_path, sizeof s.conf_path, "%s/tidecache.conf", s.dir);
    snprintf(s.log_path, sizeof s.log_path, "%s/tidecache.log", s.dir);
    int file_port = pick_port(), cli_port = pick_port();
    while (cli_port == file_port)
        cli_port = pick_port();
    char conf[512], port_arg[16];
    snprintf(conf, sizeof conf, "port %d\nbind 127.0.0.1\nlogfile \"%s\"\n", file_port,
             s.log_path);
    write_file(s.conf_path, conf);
    snprintf(port_arg, sizeof port_arg, "%d", cli_port);

    s.port = cli_port;
    s.pid = fork();
    ck_assert_int_ge(s.pid, 0);
    if (s.pid == 0) {
        execl(tidecache_bin(), "tidecache", s.conf_path, "--port", port_arg, (char *)NULL);
        _exit(127);
    }
    long long deadline = mono_ms() + HARNESS_START_TIMEOUT_MS;
    while (!can_connect(AF_INET, "127.0.0.1", cli_port)) {
        ck_assert_msg(server_alive(&s), "tidecache exited during startup; see %s", s.log_path);
        ck_assert_msg(mono_ms() < deadline, "nothing listening on --port %d", cli_port);
        sleep_ms(POLL_STEP_MS);
    }
    redisContext *c = client_connect(&s);
    expect_status(client_cmd(c, "PING"), "PONG");
    ck_assert_msg(!can_connect(AF_INET, "127.0.0.1", file_port),
                  "the file's port %d is listening too", file_port);
    redisFree(c);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* listeners */

START_TEST(test_unixsocket)
{
    char dir[64], path[128], conf[256];
    make_dir(dir, sizeof dir, "unix");
    snprintf(path, sizeof path, "%s/tc.sock", dir);
    snprintf(conf, sizeof conf, "unixsocket %s\nunixsocketperm 700", path);
    struct server s;
    server_start(&s, conf);

    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_msg(S_ISSOCK(st.st_mode), "%s is not a socket", path);
    ck_assert_msg((st.st_mode & 07777) == 0700, "socket mode %o, not 700",
                  (unsigned)(st.st_mode & 07777));

    redisContext *c = redisConnectUnix(path);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(!c->err, "connect to %s: %s", path, c->errstr);
    struct timeval tv = {HARNESS_IO_TIMEOUT_MS / 1000, 0};
    redisSetTimeout(c, tv);
    expect_status(client_cmd(c, "PING"), "PONG");
    expect_status(client_cmd(c, "SET %s %s", "via", "unix"), "OK");
    redisContext *tcp = client_connect(&s);
    expect_str(client_cmd(tcp, "GET %s", "via"), "unix");
    redisFree(tcp);
    redisFree(c);

    ck_assert_int_eq(server_stop(&s), 0);
    ck_assert_msg(access(path, F_OK) != 0, "socket %s left behind", path);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* Whether this machine can bind the IPv6 loopback at all. */
static int have_ipv6_loopback(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

START_TEST(test_ipv6)
{
    if (!have_ipv6_loopback()) {
        printf("it_server: no IPv6 loopback on this machine; IPv6 test skipped\n");
        return;
    }
    struct server s;
    server_start(&s, "bind 127.0.0.1 ::1");
    struct timeval tv = {HARNESS_IO_TIMEOUT_MS / 1000, 0};
    redisContext *c6 = redisConnectWithTimeout("::1", s.port, tv);
    ck_assert_ptr_nonnull(c6);
    ck_assert_msg(!c6->err, "connect to [::1]:%d: %s", s.port, c6->errstr);
    redisSetTimeout(c6, tv);
    expect_status(client_cmd(c6, "PING"), "PONG");
    expect_status(client_cmd(c6, "SET %s %s", "v6", "yes"), "OK");
    redisContext *c4 = client_connect(&s);
    expect_str(client_cmd(c4, "GET %s", "v6"), "yes");
    redisFree(c4);
    redisFree(c6);
    ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */

static Suite *server_suite(void)
{
    Suite *s = suite_create("server");
    struct {
        const char *name;
        const TTest *test;
    } tests[] = {
        {"maxclients", test_maxclients},
        {"idle_timeout", test_idle_timeout},
        {"quit", test_quit},
        {"sigterm_pidfile", test_sigterm_pidfile},
        {"startup_errors", test_startup_errors},
        {"cmdline_port", test_cmdline_port_override},
        {"unixsocket", test_unixsocket},
        {"ipv6", test_ipv6},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        TCase *tc = tcase_create(tests[i].name);
        tcase_set_timeout(tc, TEST_TIMEOUT_S);
        tcase_add_test(tc, tests[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(server_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
