/* cursor: see include/tidecache/cursor.h. */
#include "tidecache/cursor.h"

static uint64_t bit_reverse64(uint64_t v)
{
    v = ((v >> 1) & UINT64_C(0x5555555555555555)) | ((v & UINT64_C(0x5555555555555555)) << 1);
    v = ((v >> 2) & UINT64_C(0x3333333333333333)) | ((v & UINT64_C(0x3333333333333333)) << 2);
    v = ((v >> 4) & UINT64_C(0x0f0f0f0f0f0f0f0f)) | ((v & UINT64_C(0x0f0f0f0f0f0f0f0f)) << 4);
    v = ((v >> 8) & UINT64_C(0x00ff00ff00ff00ff)) | ((v & UINT64_C(0x00ff00ff00ff00ff)) << 8);
    v = ((v >> 16) & UINT64_C(0x0000ffff0000ffff)) | ((v & UINT64_C(0x0000ffff0000ffff)) << 16);
    return (v >> 32) | (v << 32);
}

/* Set the bits above the mask, so that the increment of the reversed value
 * carries straight into the mask's top bit. */
uint64_t cursor_next(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = bit_reverse64(v);
    v++;
    return bit_reverse64(v);
}

uint64_t cursor_step(uint64_t v, const uint64_t mask[2], int resizing,
                     void (*visit)(void *ctx, int t, uint64_t bucket), void *ctx)
{
    if (!resizing) {
        visit(ctx, 0, v & mask[0]);
        return cursor_next(v, mask[0]);
    }
    int small = mask[0] <= mask[1] ? 0 : 1, large = 1 - small;
    visit(ctx, small, v & mask[small]);
    do {
        visit(ctx, large, v & mask[large]);
        v = cursor_next(v, mask[large]);
    } while (v & (mask[small] ^ mask[large]));
    return v;
}
