/* lzf: LZF decompression; see include/tidecache/lzf.h. Every read and
 * write is checked against its buffer: the input comes from clients. */
#include "tidecache/lzf.h"

#include <string.h>

#define LZF_LITERAL_LIMIT 32 /* control bytes below this start a literal run */
#define LZF_LONG_MATCH 7     /* the 3-bit length that takes an extra byte */

size_t lzf_decompress(const void *in, size_t inlen, void *out, size_t outlen)
{
    const unsigned char *ip = in, *end = ip + inlen;
    unsigned char *op = out, *base = op, *limit = op + outlen;
    while (ip < end) {
        unsigned ctrl = *ip++;
        if (ctrl < LZF_LITERAL_LIMIT) {
            size_t len = ctrl + 1;
            if ((size_t)(end - ip) < len || (size_t)(limit - op) < len)
                return 0;
            memcpy(op, ip, len);
            op += len;
            ip += len;
            continue;
        }
        size_t len = ctrl >> 5;
        size_t dist = (size_t)(ctrl & 0x1f) << 8;
        if (len == LZF_LONG_MATCH) {
            if (ip >= end)
                return 0;
            len += *ip++;
        }
        if (ip >= end)
            return 0;
        dist += *ip++ + 1u;
        len += 2;
        if (dist > (size_t)(op - base) || (size_t)(limit - op) < len)
            return 0;
        const unsigned char *ref = op - dist;
        for (size_t i = 0; i < len; i++) /* may overlap: byte by byte */
            op[i] = ref[i];
        op += len;
    }
    return (size_t)(op - base);
}
