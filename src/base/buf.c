/* buf: growable byte buffer; see include/tidecache/buf.h. */
#include "tidecache/buf.h"

#include <string.h>

#include "tidecache/mem.h"

#define BUF_MIN_BYTES 512 /* first allocation */

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->start = b->len = b->cap = 0;
}

void buf_free(struct buf *b)
{
    mem_free(b->data);
    buf_init(b);
}

/* Make room for `extra` more bytes at the end. Live bytes are first moved to
 * the front when that alone frees enough space and they are at most half the
 * buffer (so the move is cheap compared with the appends it enables);
 * otherwise the buffer grows geometrically, so n appends cost O(n). */
void buf_reserve(struct buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return;
    size_t used = b->len - b->start;
    if (b->start > 0 && b->cap - used >= extra && used <= b->cap / 2) {
        buf_compact(b);
        return;
    }
    buf_compact(b);
    size_t want = used + extra;
    size_t cap = b->cap ? b->cap : BUF_MIN_BYTES;
    while (cap < want)
        cap = cap * 2 > cap ? cap * 2 : want;
    b->data = mem_realloc(b->data, cap);
    b->cap = cap;
}

/* Appending nothing is a no-op, also on a buffer never allocated (whose
 * data is NULL, which memcpy may not be given even for zero bytes). */
void buf_append(struct buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void buf_consume(struct buf *b, size_t n)
{
    b->start += n;
    if (b->start >= b->len)
        b->start = b->len = 0;
}

void buf_compact(struct buf *b)
{
    if (b->start == 0)
        return;
    memmove(b->data, b->data + b->start, b->len - b->start);
    b->len -= b->start;
    b->start = 0;
}

void buf_shrink_if_idle(struct buf *b, size_t keep_bytes)
{
    if (b->len == b->start && b->cap > keep_bytes) {
        mem_free(b->data);
        buf_init(b);
    }
}
