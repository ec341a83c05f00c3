/* hmap: the hash type (a key's map of fields to values) over its two
 * encodings.
 *
 * A small hash is a pack (include/tidecache/pack.h) of alternating field
 * and value entries, in insertion order, while it has at most
 * hash-max-listpack-entries fields and no field or value longer than
 * hash-max-listpack-value bytes; any other hash is a table
 * (include/tidecache/htab.h) whose entries hold the field as their key and
 * the value (varint length, bytes) as their owner bytes. A hash converts
 * to a table when a write crosses a limit, never back, as in Redis.
 *
 * Functions that change a hash take the store and a pointer to the key's
 * item, which they update when the item moves. A hash never stays empty:
 * callers delete the key when the last field goes. Pointers to values are
 * valid until the hash changes. */
#ifndef TIDECACHE_HMAP_H
#define TIDECACHE_HMAP_H

#include "tidecache/htab.h"
#include "tidecache/store.h"

#include <stddef.h>
#include <stdint.h>

/* The encoding thresholds (config options of the same names). */
struct hmap_limits {
    long long listpack_entries; /* hash-max-listpack-entries */
    long long listpack_value;   /* hash-max-listpack-value */
};

/* Store an empty hash under key (replacing what it held) with this expiry
 * (0: none), in the encoding fit for a first field and value of these
 * lengths; hmap_set adds them. */
struct item *hmap_create(struct store *s, const char *key, size_t klen, size_t flen, size_t vlen,
                         int64_t expire_ms, const struct hmap_limits *lim);

/* The value of field f: 1 with *v, *vlen set, or 0 when there is none. */
int hmap_get(const struct item *it, const char *f, size_t flen, const char **v, size_t *vlen);

/* Set field f to v: 1 when f is new, 0 when its value was replaced. v must
 * not point into the hash. */
int hmap_set(struct store *s, struct item **it, const char *f, size_t flen, const char *v,
             size_t vlen, const struct hmap_limits *lim);

/* Remove field f: 1 when it was there. */
int hmap_delete(struct store *s, struct item **it, const char *f, size_t flen);

size_t hmap_len(const struct item *it);

/* A field and its value, read out of a hash. */
struct hmap_field {
    const char *f, *v;
    size_t flen, vlen;
};

/* Every field in turn: hmap_iter_start, then hmap_iter_next until it
 * returns 0. The hash must not change during the walk. */
struct hmap_iter {
    const struct item *it;
    size_t off; /* pack offset */
    struct htab_iter hi;
};
void hmap_iter_start(struct hmap_iter *i, const struct item *it);
int hmap_iter_next(struct hmap_iter *i, struct hmap_field *out);

/* A field drawn at random (the hash must not be empty): uniformly in a
 * pack, by a random bucket and place in its chain in a table. */
void hmap_random(const struct item *it, uint64_t (*rnd)(void), struct hmap_field *out);

/* One step of HSCAN: calls fn for the fields of count buckets and returns
 * the next cursor (0 at the end). A pack is reported whole in one step, as
 * Redis does. */
uint64_t hmap_scan(const struct item *it, uint64_t cursor, size_t count,
                   void (*fn)(void *ctx, const struct hmap_field *field), void *ctx);

#endif
