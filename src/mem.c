/* mem: allocation with exact accounting; see include/tidecache/mem.h. */
#include "tidecache/mem.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
