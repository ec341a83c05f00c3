/* Unit tests of the notify module: the datagrams it sends to a socket the
 * test owns (path and abstract), the watchdog interval it derives, socket
 * activation descriptors, and the environment it leaves behind. */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tidecache/clock.h"
#include "tidecache/notify.h"
#include "tidecache/status.h"

#define RECV_TIMEOUT_MS 2000

static const char *const VARS[] = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
                                   "LISTEN_PID",    "LISTEN_FDS",    "LISTEN_FDNAMES"};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; i++)
        unsetenv(VARS[i]);
}

static void setenv_int(const char *name, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    setenv(name, buf, 1);
}

/* A datagram socket bound at a fresh path (or abstract name when
 * abstract); its NOTIFY_SOCKET spelling goes to name. */
static int bind_receiver(int abstract, char *name, size_t len)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    socklen_t alen;
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    if (abstract) {
        snprintf(name, len, "@tidecache-check-notify-%d", (int)getpid());
        memcpy(a.sun_path + 1, name + 1, strlen(name) - 1);
        alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
    } else {
        snprintf(name, len, "/tmp/tidecache-check-notify-%d", (int)getpid());
        unlink(name);
        strcpy(a.sun_path, name);
        alen = sizeof a;
    }
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, alen), 0);
    return fd;
}

static void expect_datagram(int fd, const char *want)
{
    char buf[2048];
    struct pollfd p = {fd, POLLIN, 0};
    ck_assert_msg(poll(&p, 1, RECV_TIMEOUT_MS) == 1, "no datagram; expected '%s'", want);
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    ck_assert_int_gt(n, 0);
    buf[n] = '\0';
    ck_assert_str_eq(buf, want);
}

START_TEST(test_no_environment)
{
    clear_env();
    ck_assert_int_eq(notify_setup(), TC_OK);
    ck_assert_int_eq(notify_enabled(), 0);
    ck_assert_int_eq(notify_watchdog_interval_us(), 0);
    struct notify_listen_fd fds[4];
    ck_assert_int_eq(notify_listen_fds(fds, 4), 0);
    notify_ready("ignored"); /* no socket: nothing happens */
    notify_stopping();
    notify_teardown();
}
END_TEST

START_TEST(test_messages_to_path)
{
    char name[108];
    clear_env();
    int fd = bind_receiver(_i, name, sizeof name);
    setenv("NOTIFY_SOCKET", name, 1);
    ck_assert_int_eq(notify_setup(), TC_OK);
    ck_assert_int_eq(notify_enabled(), 1);
    ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));

    notify_ready("Ready: keys=1 clients=2");
    expect_datagram(fd, "READY=1\nSTATUS=Ready: keys=1 clients=2");
    notify_status("two\nlines %d", 7);
    expect_datagram(fd, "STATUS=two lines 7");
    notify_stopping();
    expect_datagram(fd, "STOPPING=1");
    notify_watchdog(); /* no WATCHDOG_USEC: nothing sent */
    notify_ready(NULL);
    expect_datagram(fd, "READY=1\n");

    int64_t before = clock_mono_us();
    notify_reloading();
    char buf[256];
    ck_assert_int_gt(recv(fd, buf, sizeof buf - 1, 0), 0);
    long long usec;
    ck_assert_int_eq(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%lld", &usec), 1);
    ck_assert_int_ge(usec, before);
    ck_assert_int_le(usec, clock_mono_us());

    notify_teardown();
    ck_assert_int_eq(notify_enabled(), 0);
    close(fd);
    if (name[0] == '/')
        unlink(name);
}
END_TEST

START_TEST(test_bad_notify_socket)
{
    clear_env();
    setenv("NOTIFY_SOCKET", "relative/path", 1);
    ck_assert_int_eq(notify_setup(), TC_ERR);
    ck_assert_ptr_nonnull(strstr(notify_error(), "relative/path"));
    ck_assert_int_eq(notify_enabled(), 0);
    notify_teardown();
}
END_TEST

START_TEST(test_watchdog_interval)
{
    char name[108];
    clear_env();
    int fd = bind_receiver(0, name, sizeof name);
    setenv("NOTIFY_SOCKET", name, 1);
    setenv("WATCHDOG_USEC", "3000000", 1);
    setenv_int("WATCHDOG_PID", getpid());
    ck_assert_int_eq(notify_setup(), TC_OK);
    ck_assert_int_eq(notify_watchdog_interval_us(), 1500000);
    ck_assert_ptr_null(getenv("WATCHDOG_USEC"));
    ck_assert_ptr_null(getenv("WATCHDOG_PID"));
    notify_watchdog();
    expect_datagram(fd, "WATCHDOG=1");
    notify_teardown();

    /* Without WATCHDOG_PID the watchdog is ours too. */
    setenv("NOTIFY_SOCKET", name, 1);
    setenv("WATCHDOG_USEC", "20", 1);
    ck_assert_int_eq(notify_setup(), TC_OK);
    ck_assert_int_eq(notify_watchdog_interval_us(), 10);
    notify_teardown();

    /* Another process's watchdog, and values that are not numbers. */
    static const char *const cases[][2] = {
        {"1000000", "1"}, {"abc", NULL}, {"-5", NULL}, {"0", NULL}, {"100x", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv("NOTIFY_SOCKET", name, 1);
        setenv("WATCHDOG_USEC", cases[i][0], 1);
        if (cases[i][1])
            setenv("WATCHDOG_PID", cases[i][1], 1);
        ck_assert_int_eq(notify_setup(), TC_OK);
        ck_assert_msg(notify_watchdog_interval_us() == 0, "WATCHDOG_USEC=%s WATCHDOG_PID=%s",
                      cases[i][0], cases[i][1] ? cases[i][1] : "(unset)");
        notify_teardown();
    }
    close(fd);
    unlink(name);
}
END_TEST

/* In a child (descriptors 3 and 4 belong to it alone): two sockets at 3
 * and 4 with LISTEN_* as given; exits 0 when notify hands over `expect`
 * of them, named "a" and "b", close-on-exec, and clears the variables. */
static void run_listen_child(const char *pid_value, int expect)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        clear_env();
        for (int fd = 3; fd <= 4; fd++) {
            int s = socket(AF_UNIX, SOCK_STREAM, 0);
            if (s != fd && (dup2(s, fd) != fd || close(s) != 0))
                _exit(10);
        }
        char buf[32];
        snprintf(buf, sizeof buf, "%d", (int)getpid());
        setenv("LISTEN_PID", pid_value ? pid_value : buf, 1);
        setenv("LISTEN_FDS", "2", 1);
        setenv("LISTEN_FDNAMES", "a:b", 1);
        if (notify_setup() != TC_OK)
            _exit(11);
        if (getenv("LISTEN_PID") || getenv("LISTEN_FDS") || getenv("LISTEN_FDNAMES"))
            _exit(12);
        struct notify_listen_fd fds[4];
        int n = notify_listen_fds(fds, 4);
        if (n != expect)
            _exit(13);
        for (int i = 0; i < n; i++)
            if (fds[i].fd != 3 + i || strcmp(fds[i].name, i ? "b" : "a") != 0 ||
                !(fcntl(fds[i].fd, F_GETFD) & FD_CLOEXEC))
                _exit(14);
        if (notify_listen_fds(fds, 4) != 0)
            _exit(15);
        _exit(0);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed with status %d",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

START_TEST(test_listen_fds)
{
    run_listen_child(NULL, 2);
}
END_TEST

START_TEST(test_listen_fds_for_another_pid)
{
    run_listen_child("1", 0);
}
END_TEST

static Suite *notify_suite(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("notify");
    tcase_add_test(tc, test_no_environment);
    tcase_add_loop_test(tc, test_messages_to_path, 0, 2); /* 0: path, 1: abstract */
    tcase_add_test(tc, test_bad_notify_socket);
    tcase_add_test(tc, test_watchdog_interval);
    tcase_add_test(tc, test_listen_fds);
    tcase_add_test(tc, test_listen_fds_for_another_pid);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(notify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
