/* log: levelled log lines; see include/tidecache/log.h. */
#include "tidecache/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tidecache/status.h"

#define LOG_LINE_MAX_BYTES 1024 /* longer messages are cut */

static enum log_level min_level = LOG_NOTICE;
static FILE *log_file; /* NULL: stderr */

int log_setup(enum log_level level, const char *path)
{
    min_level = level;
    if (!path || !*path) {
        log_teardown();
        return TC_OK;
    }
    FILE *f = fopen(path, "a");
    if (!f)
        return TC_ERR;
    log_teardown();
    log_file = f;
    return TC_OK;
}

void log_teardown(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

void log_set_level(enum log_level level)
{
    min_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char marks[] = {'.', '-', '*', '#'};
    if (level < min_level)
        return;

    char msg[LOG_LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char when[64];
    size_t n = strftime(when, sizeof when, "%d %b %Y %H:%M:%S", &tm);
    snprintf(when + n, sizeof when - n, ".%03d", (int)(tv.tv_usec / 1000));

    FILE *out = log_file ? log_file : stderr;
    fprintf(out, "%d:M %s %c %s\n", (int)getpid(), when, marks[level], msg);
    fflush(out);
}
