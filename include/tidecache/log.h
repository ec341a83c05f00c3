/* log: levelled log lines to stderr or a file.
 *
 * Lines look like Redis's: "pid:M 23 Nov 2026 21:34:10.123 * message", with
 * the level shown as '.' debug, '-' verbose, '*' notice, '#' warning. */
#ifndef TIDECACHE_LOG_H
#define TIDECACHE_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3 };

/* path NULL or "" logs to stderr. Returns TC_OK, or TC_ERR when the file
 * cannot be opened (logging then stays where it was). */
int log_setup(enum log_level level, const char *path);
void log_teardown(void);
void log_set_level(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)

#endif
