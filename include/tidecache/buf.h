/* buf: a growable byte buffer, used for connection input and output.
 *
 * data[start..len) is the live content: consumers advance `start` instead of
 * moving bytes on every read, and buf_compact() moves the tail to the front
 * when that is worth it. */
#ifndef TIDECACHE_BUF_H
#define TIDECACHE_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t start; /* first live byte */
    size_t len;   /* end of live bytes */
    size_t cap;   /* bytes allocated */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);

/* Ensure at least `extra` bytes are free after len (may move data). */
void buf_reserve(struct buf *b, size_t extra);

void buf_append(struct buf *b, const void *p, size_t n);

/* Live bytes. */
static inline size_t buf_used(const struct buf *b) { return b->len - b->start; }

/* Drop n live bytes from the front; resets to empty when all are gone. */
void buf_consume(struct buf *b, size_t n);

/* Move live bytes to offset 0. */
void buf_compact(struct buf *b);

/* Return memory to the allocator when the buffer is empty and larger than
 * keep_bytes. */
void buf_shrink_if_idle(struct buf *b, size_t keep_bytes);

#endif
