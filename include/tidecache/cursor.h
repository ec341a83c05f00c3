/* cursor: the reverse-binary cursor of SCAN over power-of-two tables.
 *
 * A cursor counts up from the top bit of the table mask down, so the two
 * buckets a bucket splits into when the table doubles (i and i + size) are
 * visited one right after the other, and a cursor taken from a table of one
 * size stays meaningful in a table of another: every bucket whose entries
 * could live in an unvisited bucket of either size is still ahead of it.
 * This is the cursor scheme of Redis's SCAN; the key table (store) and the
 * tables inside hashes and sets (htab) both walk by it. */
#ifndef TIDECACHE_CURSOR_H
#define TIDECACHE_CURSOR_H

#include <stdint.h>

/* The cursor after v in a table with this mask (buckets - 1); 0 after the
 * last bucket. */
uint64_t cursor_next(uint64_t v, uint64_t mask);

/* One SCAN step over a table that may be resizing: mask[0] is the table's
 * mask, mask[1] that of the table it is moving to (resizing set), else
 * unused. Calls visit(ctx, t, bucket) for table t's buckets of cursor v:
 * one bucket outside a resize; during one, the smaller table's bucket and
 * every bucket of the larger that maps onto it, so each entry is seen
 * wherever the resize has put it. Returns the next cursor, 0 at the end. */
uint64_t cursor_step(uint64_t v, const uint64_t mask[2], int resizing,
                     void (*visit)(void *ctx, int t, uint64_t bucket), void *ctx);

#endif
