/* Unit tests for num: strict integer and double parsing, formatting. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidecache/num.h"

static int parses(const char *s, long long *out)
{
    return num_parse_ll(s, strlen(s), out);
}

START_TEST(test_parse_ll_accepts)
{
    long long v;
    ck_assert(parses("0", &v) && v == 0);
    ck_assert(parses("42", &v) && v == 42);
    ck_assert(parses("-7", &v) && v == -7);
    ck_assert(parses("9223372036854775807", &v) && v == LLONG_MAX);
    ck_assert(parses("-9223372036854775808", &v) && v == LLONG_MIN);
}
END_TEST

START_TEST(test_parse_ll_refuses)
{
    static const char *bad[] = {"", "-", "+1", " 1", "1 ", "01", "-0", "1.5", "abc", "1a",
                                "9223372036854775808", "-9223372036854775809",
                                "99999999999999999999", "123456789012345678901"};
    long long v = 12345;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(!parses(bad[i], &v), "accepted '%s'", bad[i]);
        ck_assert_int_eq(v, 12345);
    }
}
END_TEST

START_TEST(test_parse_double)
{
    double d;
    ck_assert(num_parse_double("1.5", 3, &d) && d == 1.5);
    ck_assert(num_parse_double("-2e3", 4, &d) && d == -2000.0);
    ck_assert(num_parse_double("inf", 3, &d) && d > 1e308);
    ck_assert(!num_parse_double("nan", 3, &d));
    ck_assert(!num_parse_double(" 1", 2, &d));
    ck_assert(!num_parse_double("1x", 2, &d));
    ck_assert(!num_parse_double("", 0, &d));
}
END_TEST

START_TEST(test_format_ll)
{
    char out[32];
    static const long long values[] = {0, 1, -1, 10, 123456789, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        size_t n = num_format_ll(out, values[i]);
        char expect[32];
        int m = snprintf(expect, sizeof expect, "%lld", values[i]);
        ck_assert_uint_eq(n, (size_t)m);
        ck_assert_str_eq(out, expect);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("num");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_parse_ll_accepts);
    tcase_add_test(tc, test_parse_ll_refuses);
    tcase_add_test(tc, test_parse_double);
    tcase_add_test(tc, test_format_ll);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
