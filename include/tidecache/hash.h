/* hash: the keyed hash function of the key table.
 *
 * SipHash-1-3 with a secret key chosen at startup, so a client cannot choose
 * keys that all land in one bucket (hash flooding). */
#ifndef TIDECACHE_HASH_H
#define TIDECACHE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Set the 16-byte secret (random at startup, fixed in tests). */
void hash_set_seed(const uint8_t seed[16]);

uint64_t hash_bytes(const void *data, size_t len);

#endif
