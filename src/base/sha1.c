/* sha1: SHA-1 as FIPS 180-4 specifies it; see include/tidecache/sha1.h. */
#include "tidecache/sha1.h"

#include <string.h>

#define SHA1_BLOCK_BYTES 64
#define SHA1_ROUNDS 80

static uint32_t rol32(uint32_t v, unsigned n)
{
    return (v << n) | (v >> (32 - n));
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* One 512-bit block: the message schedule, then 80 rounds in four groups
 * of 20 with their own function and constant (FIPS 180-4, 6.1.2). */
static void sha1_block(uint32_t h[5], const unsigned char *block)
{
    uint32_t w[SHA1_ROUNDS];
    for (int t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < SHA1_ROUNDS; t++)
        w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < SHA1_ROUNDS; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999u;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1u;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdcu;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6u;
        }
        uint32_t tmp = rol32(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void sha1_init(struct sha1 *s)
{
    static const uint32_t initial[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
                                        0xc3d2e1f0u};
    memcpy(s->h, initial, sizeof initial);
    s->length = 0;
    s->fill = 0;
}

void sha1_update(struct sha1 *s, const void *p, size_t n)
{
    const unsigned char *in = p;
    s->length += n;
    while (n > 0) {
        size_t take = SHA1_BLOCK_BYTES - s->fill;
        if (take > n)
            take = n;
        memcpy(s->block + s->fill, in, take);
        s->fill += take;
        in += take;
        n -= take;
        if (s->fill == SHA1_BLOCK_BYTES) {
            sha1_block(s->h, s->block);
            s->fill = 0;
        }
    }
}

/* Padding: a 1 bit, zeros up to 56 bytes mod 64, then the length in bits
 * as a big-endian 64-bit number. */
void sha1_final(struct sha1 *s, unsigned char digest[SHA1_DIGEST_BYTES])
{
    uint64_t bits = s->length * 8;
    static const unsigned char one = 0x80, zero = 0;
    sha1_update(s, &one, 1);
    while (s->fill != SHA1_BLOCK_BYTES - 8)
        sha1_update(s, &zero, 1);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_update(s, len, sizeof len);
    for (int i = 0; i < 5; i++)
        store_be32(digest + 4 * i, s->h[i]);
}

void sha1_hex(const void *p, size_t n, char out[SHA1_HEX_BYTES])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[SHA1_DIGEST_BYTES];
    struct sha1 s;
    sha1_init(&s);
    sha1_update(&s, p, n);
    sha1_final(&s, digest);
    for (int i = 0; i < SHA1_DIGEST_BYTES; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[2 * SHA1_DIGEST_BYTES] = '\0';
}
