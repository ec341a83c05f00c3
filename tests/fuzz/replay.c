/* replay: run a fuzz target's inputs without libFuzzer.
 *
 *   replay_<name> PATH...   each PATH a file, or a folder whose files are run
 *
 * Linked with a fuzz target's source, this main feeds it every input given,
 * in name order within a folder, and prints how many ran. A target that finds
 * a problem aborts, so the exit status tells. `make test` builds it with the
 * project's compiler (and sanitizers under SANITIZE) to replay the seed
 * corpora and the saved regressions; `make fuzz-coverage` builds it with
 * coverage instrumentation. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT_BYTES (16 * 1024 * 1024) /* larger files are refused */

static size_t ran;

static void replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    uint8_t *data = malloc(REPLAY_MAX_INPUT_BYTES);
    size_t n = fread(data, 1, REPLAY_MAX_INPUT_BYTES, f);
    if (!feof(f)) {
        fprintf(stderr, "%s: larger than %d bytes\n", path, REPLAY_MAX_INPUT_BYTES);
        exit(2);
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    ran++;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        exit(2);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        replay_file(full);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 2;
        }
        if (S_ISDIR(st.st_mode))
            replay_dir(argv[i]);
        else
            replay_file(argv[i]);
    }
    printf("%zu inputs replayed\n", ran);
    return 0;
}
