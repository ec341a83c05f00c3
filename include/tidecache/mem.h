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

/* mem_realloc for sizes a client chooses and the caller can refuse (a
 * script's string.rep): NULL, with ptr untouched, when the allocation
 * fails, instead of aborting. */
void *mem_try_realloc(void *ptr, size_t size);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t len);

/* Bytes currently allocated through this module (usable sizes). */
size_t mem_used(void);

/* Usable size of a block returned by mem_alloc (0 for NULL). */
size_t mem_block_size(const void *ptr);

/* Large zero-filled arrays straight from the kernel, for hash tables of
 * many megabytes: mapping costs no clearing (pages are zero when first
 * touched), and the owner can give the array back in pieces, so freeing
 * 128 MiB never stalls the event loop for tens of milliseconds as one
 * free() of it does. mem_map returns page-aligned memory of
 * mem_map_size(bytes) bytes, counted in mem_used(). mem_unmap releases
 * [ptr, ptr + bytes) of such a mapping; ptr must be page-aligned, and bytes
 * a multiple of the page size unless the range ends where the mapping
 * does. */
void *mem_map(size_t bytes);
size_t mem_map_size(size_t bytes);
void mem_unmap(void *ptr, size_t bytes);

/* The allocator in use, as INFO's mem_allocator shows it: "jemalloc-5.3.0"
 * when the daemon is linked with jemalloc, "libc" otherwise. */
const char *mem_allocator(void);

#endif
