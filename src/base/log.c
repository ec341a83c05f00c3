/* log: levelled log lines; see include/tidecache/log.h. */
#include "tidecache/log.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tidecache/status.h"

/* <syslog.h> defines LOG_DEBUG, LOG_NOTICE and LOG_WARNING as macros, the
 * names of enum log_level: its values are kept here under other names and
 * the macros dropped, so the rest of this file sees the enum. */
#include <syslog.h>
static const int syslog_priority[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};
static const int syslog_facility[] = {LOG_USER,   LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                      LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
#undef LOG_DEBUG
#undef LOG_INFO
#undef LOG_NOTICE
#undef LOG_WARNING

#define LOG_LINE_MAX_BYTES 1024 /* longer messages are cut */
#define LOG_IDENT_MAX_BYTES 64  /* syslog ident, NUL included */

static enum log_level min_level = LOG_NOTICE;
static FILE *log_file;             /* NULL: stderr */
static char log_path[PATH_MAX];    /* of log_file, for log_reopen */
static int journal;                /* stderr is the journal: "<N>" lines */
static int syslog_on;
static char syslog_ident[LOG_IDENT_MAX_BYTES];

/* JOURNAL_STREAM is "device:inode" of the stream systemd connected to the
 * service's stdout/stderr. It is inherited by children and survives
 * redirections, so it counts only while stderr is still that stream. */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char extra;
    struct stat st;
    if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &extra) != 2)
        return 0;
    if (fstat(STDERR_FILENO, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int log_setup(enum log_level level, const char *path)
{
    min_level = level;
    if (!path || !*path) {
        log_teardown();
        journal = stderr_is_journal();
        return TC_OK;
    }
    if (strlen(path) >= sizeof log_path)
        return TC_ERR;
    FILE *f = fopen(path, "a");
    if (!f)
        return TC_ERR;
    log_teardown();
    log_file = f;
    strcpy(log_path, path);
    journal = 0;
    return TC_OK;
}

int log_reopen(void)
{
    if (!log_file)
        return TC_OK;
    FILE *f = fopen(log_path, "a");
    if (!f)
        return TC_ERR;
    fclose(log_file);
    log_file = f;
    return TC_OK;
}

void log_syslog_setup(int enabled, const char *ident, enum log_facility facility)
{
    if (syslog_on)
        closelog();
    syslog_on = enabled;
    if (!enabled)
        return;
    if (facility < LOG_FACILITY_USER || facility > LOG_FACILITY_LOCAL7)
        facility = LOG_FACILITY_USER;
    /* openlog keeps the pointer, so the ident lives here. */
    snprintf(syslog_ident, sizeof syslog_ident, "%s", ident && *ident ? ident : "tidecache");
    openlog(syslog_ident, LOG_PID | LOG_NDELAY, syslog_facility[facility]);
}

int log_to_journal(void)
{
    return journal;
}

void log_teardown(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
    log_path[0] = '\0';
}

void log_set_level(enum log_level level)
{
    min_level = level;
}

/* "pid:M 23 Nov 2026 21:34:10.123 * msg", as Redis writes its lines. */
static void write_plain(FILE *out, enum log_level level, const char *msg)
{
    static const char marks[] = {'.', '-', '*', '#'};
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char when[64];
    size_t n = strftime(when, sizeof when, "%d %b %Y %H:%M:%S", &tm);
    snprintf(when + n, sizeof when - n, ".%03d", (int)(tv.tv_usec / 1000));
    fprintf(out, "%d:M %s %c %s\n", (int)getpid(), when, marks[level], msg);
    fflush(out);
}

/* The escape of one byte of log_repr: its text and length (0 for a byte
 * written as it is). */
static size_t repr_escape(unsigned char ch, char esc[5])
{
    /* pairs: the byte, then the letter of its escape */
    static const char named[] = "\\\\\"\"\nn\rr\tt\aa\bb";
    for (size_t i = 0; i + 1 < sizeof named; i += 2) {
        if ((unsigned char)named[i] == ch) {
            esc[0] = '\\';
            esc[1] = named[i + 1];
            return 2;
        }
    }
    if (ch >= 0x20 && ch < 0x7f)
        return 0;
    snprintf(esc, 5, "\\x%02x", ch);
    return 4;
}

const char *log_repr(char *out, size_t outlen, const void *s, size_t len)
{
    static const char cut[] = "...";
    const unsigned char *p = s;
    size_t w = 0;
    if (outlen < sizeof cut + 2) {
        if (outlen)
            out[0] = '\0';
        return out;
    }
    /* room for the closing quote, "..." and the NUL */
    size_t limit = outlen - 1 - (sizeof cut - 1) - 1;
    out[w++] = '"';
    size_t i = 0;
    for (; i < len; i++) {
        char esc[5];
        size_t n = repr_escape(p[i], esc);
        size_t need = n ? n : 1;
        if (w + need > limit)
            break;
        if (n)
            memcpy(out + w, esc, n);
        else
            out[w] = (char)p[i];
        w += need;
    }
    out[w++] = '"';
    if (i < len) {
        memcpy(out + w, cut, sizeof cut - 1);
        w += sizeof cut - 1;
    }
    out[w] = '\0';
    return out;
}

/* Rewrite control bytes of msg (NUL-terminated, in a buffer of cap bytes)
 * as \xHH escapes, in place, cutting what no longer fits: a log message is
 * one line whatever its arguments held. */
static void escape_controls(char *msg, size_t cap)
{
    size_t len = strlen(msg), controls = 0;
    for (size_t i = 0; i < len; i++)
        controls += (unsigned char)msg[i] < 0x20 || msg[i] == 0x7f;
    if (!controls)
        return;
    char copy[LOG_LINE_MAX_BYTES];
    memcpy(copy, msg, len + 1);
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)copy[i];
        int control = ch < 0x20 || ch == 0x7f;
        size_t need = control ? 4 : 1;
        if (w + need >= cap)
            break;
        if (control)
            snprintf(msg + w, 5, "\\x%02x", ch);
        else
            msg[w] = (char)ch;
        w += need;
    }
    msg[w] = '\0';
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level < min_level || level < LOG_DEBUG || level > LOG_WARNING)
        return;

    char msg[LOG_LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    escape_controls(msg, sizeof msg);

    if (syslog_on)
        syslog(syslog_priority[level], "%s", msg);
    if (journal && !log_file) {
        fprintf(stderr, "<%d>%s\n", syslog_priority[level], msg);
        fflush(stderr);
        return;
    }
    write_plain(log_file ? log_file : stderr, level, msg);
}
