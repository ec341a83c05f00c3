/* set: the set type over its three encodings.
 *
 * A set of integers only is an intset (include/tidecache/intset.h) while it
 * has at most set-max-intset-entries members; a small set of short strings
 * is a pack (include/tidecache/pack.h) while it has at most
 * set-max-listpack-entries members of at most set-max-listpack-value bytes;
 * any other set is a table (include/tidecache/htab.h). A set converts to
 * the next encoding when an add crosses a limit (intset to pack when the
 * pack would hold it, else to the table), never back: as Redis 7.2 does.
 * A set built whole (SINTERSTORE and the like) starts in the most compact
 * encoding that holds it.
 *
 * Functions that change a set take the store and a pointer to the key's
 * item, which they update when the item moves. A set never stays empty:
 * callers delete the key when the last member goes. */
#ifndef TIDECACHE_SET_H
#define TIDECACHE_SET_H

#include "tidecache/htab.h"
#include "tidecache/store.h"

#include <stddef.h>
#include <stdint.h>

/* The encoding thresholds (config options of the same names). */
struct set_limits {
    long long intset_entries;   /* set-max-intset-entries */
    long long listpack_entries; /* set-max-listpack-entries */
    long long listpack_value;   /* set-max-listpack-value */
};

/* A member read out of a set: p points into the set (valid until it
 * changes) or, for an integer, into buf. */
struct set_member {
    const char *p;
    size_t len;
    char buf[24];
};

/* Store an empty set under key (replacing what it held) with this expiry
 * (0: none), in the encoding fit for its first member m; set_add adds m. */
struct item *set_create(struct store *s, const char *key, size_t klen, const char *m,
                        size_t len, int64_t expire_ms, const struct set_limits *lim);

/* Add m: 1 when it was not there, 0 when it was. */
int set_add(struct store *s, struct item **it, const char *m, size_t len,
            const struct set_limits *lim);

/* Remove m: 1 when it was there. */
int set_remove(struct store *s, struct item **it, const char *m, size_t len);

int set_contains(const struct item *it, const char *m, size_t len);
size_t set_card(const struct item *it);

/* A member drawn at random (the set must not be empty): uniformly in a
 * compact set; in a table by a random bucket and a random place in its
 * chain, chains being short. rnd is a 64-bit random source. */
void set_random(const struct item *it, uint64_t (*rnd)(void), struct set_member *out);

/* Every member in turn: set_iter_start, then set_iter_next until it
 * returns 0. The set must not change during the walk. */
struct set_iter {
    const struct item *it;
    unsigned char tag;
    size_t pos;        /* intset index or pack offset */
    struct htab_iter hi;
};
void set_iter_start(struct set_iter *i, const struct item *it);
int set_iter_next(struct set_iter *i, struct set_member *out);

/* One step of SSCAN: calls fn for the members of about count buckets and
 * returns the next cursor (0 at the end). A compact set is reported whole
 * in one step, as Redis does. */
uint64_t set_scan(const struct item *it, uint64_t cursor, size_t count,
                  void (*fn)(void *ctx, const char *m, size_t len), void *ctx);

/* OBJECT ENCODING's name of the set's encoding. */
const char *set_encoding_name(const struct item *it);

#endif
