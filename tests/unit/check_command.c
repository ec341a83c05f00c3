/* check_command: the command table's own consistency, and that the command
 * fuzzer's dictionary (tests/fuzz/command.dict) holds every word of it, so
 * a command group that is added cannot be forgotten there. */
#include "tidecache/command.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidecache/config.h"

#define DICT_MAX_BYTES (256 * 1024)

static struct config cfg;

static void setup(void)
{
    config_init(&cfg);
    command_setup(&cfg);
}

static void teardown(void)
{
    config_free(&cfg);
}

/* Every command and subcommand, containers' subcommands included. */
static void each_command(void (*fn)(const struct command *cmd, const struct command *parent))
{
    for (size_t i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        fn(cmd, NULL);
        size_t n;
        const struct command *subs = command_subcommands_of(cmd, &n);
        for (size_t j = 0; j < n; j++)
            fn(&subs[j], cmd);
    }
}

static void check_descriptor(const struct command *cmd, const struct command *parent)
{
    ck_assert_msg(cmd->name && cmd->summary && cmd->since && cmd->group && cmd->args,
                  "%s: a descriptor field is missing", cmd->name);
    for (const char *p = cmd->name; *p; p++)
        ck_assert_msg(!isupper((unsigned char)*p), "%s: names are lower case", cmd->name);
    ck_assert_msg(cmd->arity != 0, "%s: arity 0", cmd->name);
    ck_assert_msg(!((cmd->flags & CMD_WRITE) && (cmd->flags & CMD_READONLY)),
                  "%s: both write and readonly", cmd->name);
    ck_assert_msg(!(cmd->flags & CMD_DENYOOM) || (cmd->flags & CMD_WRITE),
                  "%s: denyoom without write", cmd->name);
    if (parent) {
        size_t len = strlen(parent->name);
        ck_assert_msg(strncmp(cmd->name, parent->name, len) == 0 && cmd->name[len] == '|',
                      "%s: a subcommand of %s is named container|sub", cmd->name, parent->name);
        ck_assert_msg(cmd->arity >= 2 || cmd->arity <= -2, "%s: arity counts the container",
                      cmd->name);
    }
    if (cmd->first_key) {
        ck_assert_msg(cmd->first_key > 0 && cmd->key_step > 0, "%s: bad key positions",
                      cmd->name);
        ck_assert_msg(cmd->last_key < 0 || cmd->last_key >= cmd->first_key,
                      "%s: last key before the first", cmd->name);
    }
}

START_TEST(test_descriptors)
{
    each_command(check_descriptor);
}
END_TEST

START_TEST(test_lookup_every_name_any_case)
{
    for (size_t i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        char upper[64];
        size_t len = strlen(cmd->name);
        ck_assert_uint_lt(len, sizeof upper);
        for (size_t j = 0; j <= len; j++)
            upper[j] = (char)toupper((unsigned char)cmd->name[j]);
        ck_assert_ptr_eq(command_lookup(cmd->name, len), cmd);
        ck_assert_ptr_eq(command_lookup(upper, len), cmd);
        if (i > 0)
            ck_assert_msg(strcmp(command_at(i - 1)->name, cmd->name) < 0, "table not sorted at %s",
                          cmd->name);
    }
    ck_assert_ptr_null(command_lookup("nosuchcommand", 13));
    ck_assert_ptr_null(command_lookup("", 0));
    ck_assert_ptr_null(command_lookup("get\0x", 5));
}
END_TEST

/* ---- the fuzz dictionary -------------------------------------------------- */

static char *dict;

static void dict_load(void)
{
    const char *dir = getenv("TIDECACHE_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fuzz/command.dict", dir ? dir : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    dict = malloc(DICT_MAX_BYTES);
    size_t n = fread(dict, 1, DICT_MAX_BYTES - 1, f);
    dict[n] = '\0';
    fclose(f);
}

/* Whether the dictionary has the line "word" (any case in the table, the
 * dictionary holds the word as the table writes it). */
static int dict_has(const char *word, size_t len)
{
    char line[128];
    if (len + 4 > sizeof line)
        return 1;
    snprintf(line, sizeof line, "\"%.*s\"\n", (int)len, word);
    return strstr(dict, line) != NULL;
}

static size_t missing;

static void expect_in_dict(const char *word, size_t len, const char *cmd)
{
    if (dict_has(word, len))
        return;
    if (missing++ < 20)
        fprintf(stderr, "tests/fuzz/command.dict lacks \"%.*s\" (of %s)\n", (int)len, word, cmd);
}

/* The command's name (a subcommand's part after the bar) and the option
 * words of its documented syntax: the words in capitals. */
static void check_words(const struct command *cmd, const struct command *parent)
{
    const char *bar = strchr(cmd->name, '|');
    const char *name = bar && parent ? bar + 1 : cmd->name;
    expect_in_dict(name, strlen(name), cmd->name);
    const char *p = cmd->args;
    while (p && *p) {
        while (*p && strchr(" []()|<>", *p))
            p++;
        const char *start = p;
        while (*p && !strchr(" []()|<>", *p))
            p++;
        if (p > start && isupper((unsigned char)start[0]))
            expect_in_dict(start, (size_t)(p - start), cmd->name);
    }
}

START_TEST(test_fuzz_dictionary_has_every_word)
{
    dict_load();
    missing = 0;
    each_command(check_words);
    free(dict);
    ck_assert_msg(missing == 0, "%zu words of the command table are missing from "
                                "tests/fuzz/command.dict", missing);
}
END_TEST

static Suite *command_suite(void)
{
    Suite *s = suite_create("command");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_descriptors);
    tcase_add_test(tc, test_lookup_every_name_any_case);
    tcase_add_test(tc, test_fuzz_dictionary_has_every_word);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(command_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
