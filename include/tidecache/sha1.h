/* sha1: SHA-1 (FIPS 180-4), for script names: EVALSHA refers to a script by
 * the SHA-1 of its body in lower-case hex, as Redis does, and scripts call
 * redis.sha1hex. Not used for anything that needs a secure hash. */
#ifndef TIDECACHE_SHA1_H
#define TIDECACHE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_BYTES 20
#define SHA1_HEX_BYTES 41 /* 40 hex digits and a NUL */

struct sha1 {
    uint32_t h[5];
    uint64_t length;          /* bytes hashed so far */
    unsigned char block[64];  /* the partial block not hashed yet */
    size_t fill;              /* bytes in it */
};

void sha1_init(struct sha1 *s);
void sha1_update(struct sha1 *s, const void *p, size_t n);
void sha1_final(struct sha1 *s, unsigned char digest[SHA1_DIGEST_BYTES]);

/* The digest of p[0..n) as 40 lower-case hex digits and a NUL. */
void sha1_hex(const void *p, size_t n, char out[SHA1_HEX_BYTES]);

#endif
