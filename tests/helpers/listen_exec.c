/* listen_exec: start a program the way a service manager does with socket
 * activation, for the tests.
 *
 *   listen_exec [-t IPV4:PORT | -u PATH]... [-n NAMES] [-p PID] -- PROGRAM [ARG...]
 *
 * Opens one listening socket per -t (TCP on an IPv4 address) and -u (unix
 * socket at PATH, replacing a stale one), in the order given, moves them to
 * descriptors 3, 4, ..., sets LISTEN_FDS, LISTEN_PID (this process, which
 * the exec keeps; -p gives another, to test that it is ignored) and
 * LISTEN_FDNAMES (-n, names separated by ':'), then execs PROGRAM. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_SOCKETS 8
#define FIRST_FD 3     /* the protocol's first passed descriptor */
#define PARK_FD 100    /* sockets wait here while 3.. are arranged */
#define BACKLOG 128

__attribute__((noreturn)) static void die(const char *what)
{
    fprintf(stderr, "listen_exec: %s: %s\n", what, strerror(errno));
    exit(127);
}

__attribute__((noreturn)) static void usage(void)
{
    fprintf(stderr, "usage: listen_exec [-t IPV4:PORT | -u PATH]... [-n NAMES] [-p PID] "
                    "-- PROGRAM [ARG...]\n");
    exit(2);
}

static int listen_tcp4(const char *spec)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof host)
        usage();
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        usage();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0)
        die("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, BACKLOG) != 0)
        die(spec);
    return fd;
}

static int listen_unix(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        usage();
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    unlink(path);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, BACKLOG) != 0)
        die(path);
    return fd;
}

int main(int argc, char **argv)
{
    int fds[MAX_SOCKETS], n = 0, i;
    const char *names = NULL, *pid = NULL;
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (i + 1 >= argc)
            usage();
        const char *opt = argv[i], *val = argv[++i];
        if ((strcmp(opt, "-t") == 0 || strcmp(opt, "-u") == 0) && n == MAX_SOCKETS)
            usage();
        if (strcmp(opt, "-t") == 0)
            fds[n++] = listen_tcp4(val);
        else if (strcmp(opt, "-u") == 0)
            fds[n++] = listen_unix(val);
        else if (strcmp(opt, "-n") == 0)
            names = val;
        else if (strcmp(opt, "-p") == 0)
            pid = val;
        else
            usage();
    }
    if (i + 1 >= argc)
        usage();
    /* Park every socket above the target range first, so that placing one
     * at 3 + k never overwrites another not yet placed. */
    for (int k = 0; k < n; k++) {
        int parked = fcntl(fds[k], F_DUPFD, PARK_FD);
        if (parked < 0)
            die("fcntl");
        close(fds[k]);
        fds[k] = parked;
    }
    for (int k = 0; k < n; k++) {
        if (dup2(fds[k], FIRST_FD + k) < 0)
            die("dup2");
        close(fds[k]);
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%d", n);
    setenv("LISTEN_FDS", buf, 1);
    snprintf(buf, sizeof buf, "%d", (int)getpid());
    setenv("LISTEN_PID", pid ? pid : buf, 1);
    if (names)
        setenv("LISTEN_FDNAMES", names, 1);
    execv(argv[i + 1], argv + i + 1);
    die(argv[i + 1]);
}
