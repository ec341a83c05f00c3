/* check_log: log lines stay lines whatever they quote; log_repr shows bytes
 * as Redis's sdscatrepr does. */
#include "tidecache/log.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(test_repr_escapes)
{
    char out[LOG_REPR_BYTES];
    ck_assert_str_eq(log_repr(out, sizeof out, "plain text", 10), "\"plain text\"");
    ck_assert_str_eq(log_repr(out, sizeof out, "", 0), "\"\"");
    ck_assert_str_eq(log_repr(out, sizeof out, "a\r\nb", 4), "\"a\\r\\nb\"");
    ck_assert_str_eq(log_repr(out, sizeof out, "q\"b\\", 4), "\"q\\\"b\\\\\"");
    ck_assert_str_eq(log_repr(out, sizeof out, "\t\a\b", 3), "\"\\t\\a\\b\"");
    ck_assert_str_eq(log_repr(out, sizeof out, "\x01\x7f\xff", 3), "\"\\x01\\x7f\\xff\"");
    /* a NUL inside is shown, not the end */
    ck_assert_str_eq(log_repr(out, sizeof out, "a\0b", 3), "\"a\\x00b\"");
}
END_TEST

START_TEST(test_repr_cut_to_fit)
{
    char big[1000];
    memset(big, '\n', sizeof big);
    char out[64];
    log_repr(out, sizeof out, big, sizeof big);
    size_t n = strlen(out);
    ck_assert_uint_lt(n, sizeof out);
    ck_assert_str_eq(out + n - 4, "\"...");
    /* never half an escape: the text before the quote is whole "\n" pairs */
    ck_assert_uint_eq((n - 5) % 2, 0);
    for (size_t i = 1; i + 4 < n; i += 2)
        ck_assert(out[i] == '\\' && out[i + 1] == 'n');
    /* too small to say anything: an empty string */
    char tiny[4];
    ck_assert_str_eq(log_repr(tiny, sizeof tiny, "abc", 3), "");
}
END_TEST

/* What a message becomes in the log file: the lines written. */
static char *logged(const char *msg)
{
    char path[] = "/tmp/check_log_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(log_setup(LOG_NOTICE, path), 0);
    log_notice("said: %s", msg);
    log_teardown();
    FILE *f = fopen(path, "r");
    static char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(path);
    return text;
}

START_TEST(test_message_is_one_line)
{
    char *text = logged("one\r\n12:M 01 Jan 2026 00:00:00.000 # forged\nthree");
    char *nl = strchr(text, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert_msg(nl[1] == '\0', "more than one line: %s", text);
    ck_assert_ptr_nonnull(strstr(text, "said: one\\x0d\\x0a12:M"));
    ck_assert_ptr_nonnull(strstr(text, "forged\\x0athree"));
    ck_assert_ptr_null(strchr(text, '\r'));
}
END_TEST

START_TEST(test_long_message_with_controls_is_cut_not_split)
{
    char msg[3000];
    for (size_t i = 0; i + 1 < sizeof msg; i++)
        msg[i] = i % 2 ? '\n' : 'x';
    msg[sizeof msg - 1] = '\0';
    char *text = logged(msg);
    ck_assert_ptr_eq(strchr(text, '\n'), text + strlen(text) - 1);
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_repr_escapes);
    tcase_add_test(tc, test_repr_cut_to_fit);
    tcase_add_test(tc, test_message_is_one_line);
    tcase_add_test(tc, test_long_message_with_controls_is_cut_not_split);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(log_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
