/* check_glob: Redis-style pattern matching, including Redis's edge cases
 * (unclosed sets, trailing backslash, reversed ranges, binary bytes). */
#include "tidecache/glob.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define M(p, s) glob_match_cstr((p), (s), 0)
#define MI(p, s) glob_match_cstr((p), (s), 1)

START_TEST(test_literal)
{
    ck_assert(M("", ""));
    ck_assert(!M("", "a"));
    ck_assert(!M("a", ""));
    ck_assert(M("hello", "hello"));
    ck_assert(!M("hello", "hellO"));
    ck_assert(!M("hello", "hell"));
    ck_assert(!M("hell", "hello"));
}
END_TEST

START_TEST(test_star)
{
    ck_assert(M("*", ""));
    ck_assert(M("*", "anything"));
    ck_assert(!M("**", ""));      /* Redis: only "" and "*" match "" */
    ck_assert(!M("?*", ""));
    ck_assert(M("h*o", "ho"));
    ck_assert(M("h*o", "hello"));
    ck_assert(!M("h*o", "hell"));
    ck_assert(M("*llo", "hello"));
    ck_assert(M("he*", "hello"));
    ck_assert(M("*l*", "hello"));
    ck_assert(M("a*b*c", "axxbyyc"));
    ck_assert(M("a*b*c", "abcbc"));
    ck_assert(!M("a*b*c", "axxbyy"));
    ck_assert(M("*a*a*a*b", "aaaab"));
    ck_assert(!M("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    ck_assert(M("user:*", "user:"));
    ck_assert(M("*:*", ":"));
    ck_assert(!M("*?", ""));
    ck_assert(M("*?", "x"));
}
END_TEST

START_TEST(test_question)
{
    ck_assert(M("h?llo", "hello"));
    ck_assert(M("h?llo", "hallo"));
    ck_assert(!M("h?llo", "hllo"));
    ck_assert(M("???", "abc"));
    ck_assert(!M("???", "ab"));
    ck_assert(M("?", "*"));
}
END_TEST

START_TEST(test_sets)
{
    ck_assert(M("h[ae]llo", "hello"));
    ck_assert(M("h[ae]llo", "hallo"));
    ck_assert(!M("h[ae]llo", "hillo"));
    ck_assert(M("h[^e]llo", "hallo"));
    ck_assert(!M("h[^e]llo", "hello"));
    ck_assert(M("h[a-b]llo", "hbllo"));
    ck_assert(!M("h[a-b]llo", "hcllo"));
    ck_assert(M("[z-a]", "m"));     /* reversed range */
    ck_assert(M("[a-cx]", "x"));
    ck_assert(M("[a-cx]", "b"));
    ck_assert(!M("[a-cx]", "d"));
    ck_assert(!M("[]", "a"));       /* empty set matches nothing */
    ck_assert(M("[^]", "a"));       /* its negation anything */
    ck_assert(M("[\\]]", "]"));     /* escaped ']' in a set */
    ck_assert(M("[\\^]", "^"));
    ck_assert(M("[a-]", "a"));      /* "a-]" is the range a..] and the set is unclosed */
    ck_assert(M("[a-]", "^"));
    ck_assert(!M("[a-]", "-"));
    ck_assert(M("[-a]", "-"));
    ck_assert(M("[^-a]", "b"));
}
END_TEST

START_TEST(test_unclosed_set)
{
    /* An unclosed set runs to the end of the pattern. */
    ck_assert(M("[abc", "a"));
    ck_assert(M("[abc", "c"));
    ck_assert(!M("[abc", "ab"));
    ck_assert(M("x[", "x") == 0);
    ck_assert(!M("[", ""));
    ck_assert(!M("[", "["));
    ck_assert(M("[^", "a"));
}
END_TEST

START_TEST(test_escapes)
{
    ck_assert(M("\\*", "*"));
    ck_assert(!M("\\*", "a"));
    ck_assert(M("\\?", "?"));
    ck_assert(!M("\\?", "x"));
    ck_assert(M("\\[a]", "[a]"));
    ck_assert(M("a\\\\b", "a\\b"));
    ck_assert(M("\\a", "a"));
    ck_assert(M("ab\\", "ab\\"));  /* a final backslash is literal */
    ck_assert(!M("ab\\", "ab"));
    ck_assert(M("*\\*", "star*"));
    ck_assert(!M("*\\*", "star"));
}
END_TEST

START_TEST(test_nocase)
{
    ck_assert(MI("HeLLo", "hello"));
    ck_assert(MI("hello", "HELLO"));
    ck_assert(MI("h[A-C]llo", "hbllo"));
    ck_assert(MI("h[a-c]llo", "hBllo"));
    ck_assert(MI("[^a]", "c"));
    ck_assert(!MI("[^a]", "A"));
    ck_assert(MI("maxmemory*", "MAXMEMORY-policy"));
    ck_assert(!M("maxmemory*", "MAXMEMORY-policy"));
    ck_assert(!MI("[\\A]", "a"));  /* escapes in a set compare exactly */
    ck_assert(MI("[\\A]", "A"));
    ck_assert(MI("\\A", "a"));
}
END_TEST

START_TEST(test_binary)
{
    const char pat[] = {'a', '*', '\0', '?'};
    const char yes[] = {'a', 'x', 'y', '\0', 'z'};
    const char no[] = {'a', 'x', 'y', 'z'};
    ck_assert(glob_match(pat, sizeof pat, yes, sizeof yes, 0));
    ck_assert(!glob_match(pat, sizeof pat, no, sizeof no, 0));
    ck_assert(glob_match("[\x80-\xff]", 5, "\xc3", 1, 0));
    ck_assert(!glob_match("[\x80-\xff]", 5, "a", 1, 0));
    /* Lengths bound both sides: bytes after them are ignored. */
    ck_assert(glob_match("abZZ", 2, "abYY", 2, 0));
}
END_TEST

/* A pattern that makes a recursive matcher exponential: here it is a
 * bounded number of steps, and still correct. */
START_TEST(test_pathological)
{
    char str[4097];
    memset(str, 'a', sizeof str - 1);
    str[sizeof str - 1] = '\0';
    ck_assert(!M("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", str));
    ck_assert(M("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", str));
}
END_TEST

static Suite *glob_suite(void)
{
    Suite *s = suite_create("glob");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_literal);
    tcase_add_test(tc, test_star);
    tcase_add_test(tc, test_question);
    tcase_add_test(tc, test_sets);
    tcase_add_test(tc, test_unclosed_set);
    tcase_add_test(tc, test_escapes);
    tcase_add_test(tc, test_nocase);
    tcase_add_test(tc, test_binary);
    tcase_add_test(tc, test_pathological);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(glob_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
