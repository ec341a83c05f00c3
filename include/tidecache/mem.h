/* mem: the one allocator entry point, with exact accounting.
 *
 * Every byte tidecache holds for data and clients goes through these
 * functions so that mem_used() is the allocator's own view (usable size of
 * every live block), which INFO reports as used_memory and the memory cap
 * compares against. Allocation failure is not recoverable in a cache that
 * has already accepted the data: it logs and aborts, as input size limits
 * (proto-max-bulk-len, argument counts) keep bad input from causing it. */
#ifndef TIDECACHE_MEM_H
#define TIDECACHE_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *ptr, size_t size);
void mem_free(void *ptr);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t len);

/* Bytes currently allocated through this module (usable sizes). */
size_t mem_used(void);

/* Usable size of a block returned by mem_alloc (0 for NULL). */
size_t mem_block_size(const void *ptr);

/* The allocator in use, as INFO's mem_allocator shows it: "jemalloc-5.3.0"
 * when the daemon is linked with jemalloc, "libc" otherwise. */
const char *mem_allocator(void);

#endif
