/* log: levelled log lines to stderr, a file, the journal and syslog.
 *
 * Lines look like Redis's: "pid:M 23 Nov 2026 21:34:10.123 * message", with
 * the level shown as '.' debug, '-' verbose, '*' notice, '#' warning.
 *
 * When lines go to stderr and stderr is the systemd journal (JOURNAL_STREAM
 * holds "device:inode" of stderr), they are written as "<N>message" instead:
 * the journal reads the syslog priority N from the prefix (debug <7>,
 * verbose <6>, notice <5>, warning <4>) and adds time and pid itself.
 *
 * With syslog on, every line is also sent to syslog(3) at that priority.
 *
 * A message is always one line: strings that come from clients are quoted
 * with log_repr, and any control byte that still reaches log_msg (a CR or
 * LF in a value a format put in) is written as an escape, so no client can
 * split a line or forge one. */
#ifndef TIDECACHE_LOG_H
#define TIDECACHE_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3 };

/* syslog facilities, in the order of CONF_SYSLOG_FACILITY_NAMES. */
enum log_facility {
    LOG_FACILITY_USER = 0,
    LOG_FACILITY_LOCAL0 = 1, /* local0 .. local7 follow in order */
    LOG_FACILITY_LOCAL7 = 8,
};

/* path NULL or "" logs to stderr. Returns TC_OK, or TC_ERR when the file
 * cannot be opened (logging then stays where it was). Whether stderr is
 * the journal is decided here. */
int log_setup(enum log_level level, const char *path);

/* Reopen the log file by its path (after logrotate moved it). Returns
 * TC_OK (also when logging to stderr), or TC_ERR with the old file kept. */
int log_reopen(void);

/* Send lines to syslog(3) as well, with this ident (copied) and facility;
 * log_syslog_setup(0, ...) stops it. */
void log_syslog_setup(int enabled, const char *ident, enum log_facility facility);

/* Whether lines carry the journal's "<N>" prefix (see above). */
int log_to_journal(void);

void log_teardown(void);
void log_set_level(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* s[0..len) for a log line, as Redis's sdscatrepr shows a string: in double
 * quotes, with \\, \", \n, \r, \t, \a, \b and \xHH for every other
 * byte that is not printable ASCII. At most outlen bytes are written, NUL
 * included; a longer result is cut and ends in "...". Returns out. */
#define LOG_REPR_BYTES 256 /* a good size for out */
const char *log_repr(char *out, size_t outlen, const void *s, size_t len);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)

#endif
