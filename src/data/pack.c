/* pack: see include/tidecache/pack.h. */
#include "tidecache/pack.h"

#include "tidecache/varint.h"

#include <stdint.h>
#include <string.h>

static void set_count(unsigned char *p, size_t n)
{
    uint16_t v = (uint16_t)n;
    memcpy(p, &v, sizeof v);
}

void pack_init(unsigned char *p)
{
    set_count(p, 0);
}

size_t pack_count(const unsigned char *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

size_t pack_entry(const unsigned char *p, size_t off, const char **s, size_t *len)
{
    off += varint_get(p + off, len);
    *s = (const char *)p + off;
    return off + *len;
}

size_t pack_find(const unsigned char *p, size_t plen, const char *s, size_t len, size_t stride)
{
    size_t off = PACK_HEADER_BYTES;
    while (off < plen) {
        const char *e;
        size_t elen;
        size_t next = pack_entry(p, off, &e, &elen);
        if (elen == len && memcmp(e, s, len) == 0)
            return off;
        off = next;
        for (size_t skip = 1; skip < stride && off < plen; skip++)
            off = pack_entry(p, off, &e, &elen);
    }
    return 0;
}

size_t pack_filter(unsigned char *p, size_t plen, size_t stride, pack_keep_fn *keep, void *ctx)
{
    size_t to = PACK_HEADER_BYTES, kept = 0;
    for (size_t off = PACK_HEADER_BYTES; off < plen;) {
        size_t next = off;
        for (size_t i = 0; i < stride; i++) {
            const char *s;
            size_t len;
            next = pack_entry(p, next, &s, &len);
        }
        if (keep(ctx, p, off)) {
            if (to != off)
                memmove(p + to, p + off, next - off);
            to += next - off;
            kept += stride;
        }
        off = next;
    }
    set_count(p, kept);
    return to;
}

size_t pack_entry_bytes(size_t len)
{
    return varint_len(len) + len;
}

void pack_append(unsigned char *p, size_t plen, const char *s, size_t len)
{
    size_t off = plen + varint_put(p + plen, len);
    if (len)
        memcpy(p + off, s, len);
    set_count(p, pack_count(p) + 1);
}

size_t pack_delete(unsigned char *p, size_t plen, size_t off, size_t n)
{
    size_t end = off;
    for (size_t i = 0; i < n; i++) {
        const char *s;
        size_t len;
        end = pack_entry(p, end, &s, &len);
    }
    memmove(p + off, p + end, plen - end);
    set_count(p, pack_count(p) - n);
    return plen - (end - off);
}

size_t pack_replace(unsigned char *p, size_t plen, size_t off, const char *s, size_t len)
{
    const char *old;
    size_t old_len;
    size_t end = pack_entry(p, off, &old, &old_len);
    size_t fresh = pack_entry_bytes(len);
    memmove(p + off + fresh, p + end, plen - end);
    size_t n = varint_put(p + off, len);
    if (len)
        memcpy(p + off + n, s, len);
    return plen - (end - off) + fresh;
}

size_t pack_offset_of(const unsigned char *p, size_t plen, size_t idx)
{
    size_t off = PACK_HEADER_BYTES;
    for (size_t i = 0; i < idx && off < plen; i++) {
        const char *s;
        size_t len;
        off = pack_entry(p, off, &s, &len);
    }
    return off;
}
