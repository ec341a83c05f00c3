/* varint: lengths in 7-bit groups, low group first, the top bit of each
 * byte saying another follows: 1 byte below 128, 2 below 16384. The
 * length prefix of entries in the compact encodings and the tables of
 * hashes and sets. */
#ifndef TIDECACHE_VARINT_H
#define TIDECACHE_VARINT_H

#include <stddef.h>

#define VARINT_MAX_BYTES 10 /* a 64-bit value */

/* Write v at p; returns the bytes written. */
size_t varint_put(unsigned char *p, size_t v);

/* Read a varint at p into *v; returns the bytes read. The encoding must be
 * one varint_put wrote (no bounds are checked: the data is our own). */
size_t varint_get(const unsigned char *p, size_t *v);

/* Bytes varint_put writes for v. */
size_t varint_len(size_t v);

#endif
