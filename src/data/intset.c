/* intset: see include/tidecache/intset.h. */
#include "tidecache/intset.h"

#include "tidecache/num.h"

#include <string.h>

static size_t width_of(const unsigned char *p)
{
    return p[0];
}

static size_t width_for(int64_t v)
{
    if (v >= INT16_MIN && v <= INT16_MAX)
        return 2;
    if (v >= INT32_MIN && v <= INT32_MAX)
        return 4;
    return 8;
}

static int64_t read_at(const unsigned char *p, size_t width, size_t idx)
{
    const unsigned char *e = p + INTSET_HEADER_BYTES + idx * width;
    if (width == 2) {
        int16_t v;
        memcpy(&v, e, sizeof v);
        return v;
    }
    if (width == 4) {
        int32_t v;
        memcpy(&v, e, sizeof v);
        return v;
    }
    int64_t v;
    memcpy(&v, e, sizeof v);
    return v;
}

static void write_at(unsigned char *p, size_t width, size_t idx, int64_t v)
{
    unsigned char *e = p + INTSET_HEADER_BYTES + idx * width;
    if (width == 2) {
        int16_t x = (int16_t)v;
        memcpy(e, &x, sizeof x);
    } else if (width == 4) {
        int32_t x = (int32_t)v;
        memcpy(e, &x, sizeof x);
    } else {
        memcpy(e, &v, sizeof v);
    }
}

void intset_init(unsigned char *p)
{
    p[0] = 2;
}

size_t intset_count(const unsigned char *p, size_t plen)
{
    return (plen - INTSET_HEADER_BYTES) / width_of(p);
}

int64_t intset_get(const unsigned char *p, size_t idx)
{
    return read_at(p, width_of(p), idx);
}

int intset_find(const unsigned char *p, size_t plen, int64_t v, size_t *pos)
{
    size_t width = width_of(p), lo = 0, hi = intset_count(p, plen);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t m = read_at(p, width, mid);
        if (m == v) {
            *pos = mid;
            return 1;
        }
        if (m < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return 0;
}

size_t intset_bytes_with(const unsigned char *p, size_t count, int64_t v)
{
    size_t width = width_for(v) > width_of(p) ? width_for(v) : width_of(p);
    return INTSET_HEADER_BYTES + count * width;
}

size_t intset_bytes(const unsigned char *p, size_t count)
{
    return INTSET_HEADER_BYTES + count * width_of(p);
}

/* Widening rewrites the elements from the last down, so none is
 * overwritten before it is read. */
void intset_insert(unsigned char *p, size_t count, int64_t v, size_t pos)
{
    size_t width = width_of(p), wide = width_for(v);
    if (wide > width) {
        for (size_t i = count; i-- > 0;)
            write_at(p, wide, i, read_at(p, width, i));
        p[0] = (unsigned char)wide;
        width = wide;
    }
    unsigned char *at = p + INTSET_HEADER_BYTES + pos * width;
    memmove(at + width, at, (count - pos) * width);
    write_at(p, width, pos, v);
}

void intset_delete(unsigned char *p, size_t count, size_t pos)
{
    size_t width = width_of(p);
    unsigned char *at = p + INTSET_HEADER_BYTES + pos * width;
    memmove(at, at + width, (count - pos - 1) * width);
}

int intset_parse(const char *s, size_t len, int64_t *v)
{
    long long x;
    if (!num_parse_ll(s, len, &x))
        return 0;
    char canon[24];
    size_t n = num_format_ll(canon, x);
    if (n != len || memcmp(canon, s, len) != 0)
        return 0;
    *v = x;
    return 1;
}
