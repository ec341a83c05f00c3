/* mem: allocation with exact accounting; see include/tidecache/mem.h.
 *
 * The daemon links jemalloc (Debian's libjemalloc), which replaces malloc
 * and friends for the whole process: its size classes are 16 bytes apart
 * up to 128 (glibc's chunks carry an 8-byte header and round to 16), so a
 * 63-byte item takes 64 bytes instead of 80, and it returns freed pages to
 * the system. Builds without it (the sanitizer builds, whose runtime brings
 * its own malloc) use the C library's; nothing here depends on which. */
#include "tidecache/mem.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* jemalloc's options, read by jemalloc when it starts (the name is its
 * interface; the C library ignores it). A background thread returns freed
 * pages to the system, so the event loop never pays for it, and pages are
 * returned after 1 s instead of 10: a table left behind by a resize or a
 * flushed keyspace stops counting in RSS soon after (Redis runs jemalloc's
 * background thread too). */
const char *malloc_conf = "background_thread:true,dirty_decay_ms:1000";

/* jemalloc's control interface, when jemalloc is linked: a weak reference,
 * NULL otherwise. */
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

/* Bytes of live blocks, as malloc_usable_size reports them. The server is
 * single-threaded, so a plain counter is exact. */
static size_t used_bytes;

/* Out of memory: nothing sensible can continue with data half-written. */
static void mem_out_of_memory(size_t size)
{
    fprintf(stderr, "tidecache: out of memory allocating %zu bytes\n", size);
    abort();
}

void *mem_alloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        mem_out_of_memory(size);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *mem_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        mem_out_of_memory(count * size);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *mem_realloc(void *ptr, size_t size)
{
    size_t old = ptr ? malloc_usable_size(ptr) : 0;
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        mem_out_of_memory(size);
    used_bytes += malloc_usable_size(p) - old;
    return p;
}

void *mem_try_realloc(void *ptr, size_t size)
{
    size_t old = ptr ? malloc_usable_size(ptr) : 0;
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        return NULL;
    used_bytes += malloc_usable_size(p) - old;
    return p;
}

void mem_free(void *ptr)
{
    if (!ptr)
        return;
    used_bytes -= malloc_usable_size(ptr);
    free(ptr);
}

char *mem_strndup(const char *s, size_t len)
{
    char *p = mem_alloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}

size_t mem_used(void)
{
    return used_bytes;
}

size_t mem_block_size(const void *ptr)
{
    return ptr ? malloc_usable_size((void *)ptr) : 0;
}

/* Whole pages: the size mem_map really takes for bytes. */
static size_t page_round(size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (bytes + page - 1) / page * page;
}

size_t mem_map_size(size_t bytes)
{
    return page_round(bytes);
}

void *mem_map(size_t bytes)
{
    size_t len = page_round(bytes);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        mem_out_of_memory(len);
    used_bytes += len;
    return p;
}

void mem_unmap(void *ptr, size_t bytes)
{
    if (!ptr || !bytes)
        return;
    size_t len = page_round(bytes);
    munmap(ptr, len);
    used_bytes -= len;
}

const char *mem_allocator(void)
{
    static char name[48];
    if (name[0])
        return name;
    const char *version = NULL;
    size_t len = sizeof(version);
    if (mallctl && mallctl("version", &version, &len, NULL, 0) == 0 && version) {
        /* "5.3.0-0-g54eaed1d8b56..." -> "jemalloc-5.3.0" */
        size_t n = strcspn(version, "-");
        snprintf(name, sizeof(name), "jemalloc-%.*s", (int)n, version);
    } else {
        snprintf(name, sizeof(name), "libc");
    }
    return name;
}
