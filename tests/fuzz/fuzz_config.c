/* fuzz_config: config_load_text and the command-line reader on arbitrary
 * bytes.
 *
 * Beyond "no crash, no leak" it checks the reader's promises: a failed load
 * leaves the config exactly as it was and says why in "fuzz:LINE: ..."
 * form; a successful one leaves values that config_format can show and
 * that config_set accepts back; memory accounting returns to where it
 * started once the config is freed. */
#include "tidecache/config.h"

#include "tidecache/mem.h"
#include "tidecache/status.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_SNAP_LEN 65536 /* bytes of every option's value together */
#define FUZZ_ARGV_MAX 32    /* command-line items taken from one input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every option as "name=value\n"; values longer than the buffer are cut,
 * which is fine for telling whether something changed. */
static void fuzz_snapshot(const struct config *c, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < config_option_count() && used + 1 < outlen; i++) {
        const char *name = config_option_name(i);
        int n = snprintf(out + used, outlen - used, "%s=", name);
        used += (size_t)n;
        if (used >= outlen)
            break;
        if (config_format(c, name, out + used, outlen - used) < 0)
            abort();
        used += strlen(out + used);
        if (used + 1 < outlen)
            out[used++] = '\n', out[used] = '\0';
    }
}

/* Options that hold one value read back through config_set unchanged. */
static void fuzz_roundtrip(struct config *c)
{
    char value[4096], again[4096], err[1024];
    for (size_t i = 0; i < config_option_count(); i++) {
        const char *name = config_option_name(i);
        if (strcmp(name, "bind") == 0 || strcmp(name, "ttl-rule") == 0)
            continue;
        int n = config_format(c, name, value, sizeof value);
        if (n < 0 || (size_t)n >= sizeof value)
            continue;
        char *argv[1] = {value};
        if (config_set(c, name, 1, argv, err, sizeof err) != TC_OK)
            abort();
        config_format(c, name, again, sizeof again);
        if (strcmp(value, again) != 0)
            abort();
    }
}

/* One config_load_text run on the whole input. */
static void fuzz_text(const uint8_t *data, size_t size)
{
    char before[FUZZ_SNAP_LEN], after[FUZZ_SNAP_LEN], err[1024];
    struct config c;
    config_init(&c);
    fuzz_snapshot(&c, before, FUZZ_SNAP_LEN);
    if (config_load_text(&c, (const char *)data, size, "fuzz", err, sizeof err) == TC_OK) {
        int64_t ms = config_ttl_ms_for_key(&c, (const char *)data, size);
        if (ms < 0)
            abort();
        fuzz_roundtrip(&c);
    } else {
        if (strncmp(err, "fuzz:", 5) != 0)
            abort();
        fuzz_snapshot(&c, after, FUZZ_SNAP_LEN);
        if (strcmp(before, after) != 0)
            abort();
    }
    config_free(&c);
}

/* The input cut at NUL bytes into command-line items. */
static void fuzz_argv(const uint8_t *data, size_t size)
{
    char err[1024];
    char *copy = malloc(size + 1);
    char *argv[FUZZ_ARGV_MAX];
    int argc = 0;
    if (!copy)
        return;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (size_t pos = 0; pos <= size && argc < FUZZ_ARGV_MAX;) {
        argv[argc++] = copy + pos;
        pos += strlen(copy + pos) + 1;
    }
    struct config c;
    config_init(&c);
    if (config_load(&c, NULL, argc, argv, err, sizeof err) != TC_OK &&
        strncmp(err, "command line: ", 14) != 0)
        abort();
    config_free(&c);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t base = mem_used();
    fuzz_text(data, size);
    fuzz_argv(data, size);
    if (mem_used() != base)
        abort();
    return 0;
}
