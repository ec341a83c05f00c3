/* htab: the hash table inside a large hash or set.
 *
 * Entries are single allocations: a chain pointer, the key (a varint length
 * and its bytes) and as many bytes again as the owner asks for (a hash
 * field's value and expiry; nothing for a set member). The table is an
 * array of entry pointers chained through the entries, kept between 1/8
 * and 1 entry per bucket, and resized incrementally as the key table is:
 * while a resize is in progress both arrays are live and every find, add
 * and delete moves a bounded number of buckets, so no operation pays for
 * the whole table.
 *
 * Every byte it allocates is added to (and every byte it frees taken from)
 * the counter it was created with, at the allocator's sizes: the owning
 * keyspace's memory figure stays exact while the table changes.
 *
 * Entry pointers are valid until the next call that adds, deletes or
 * resizes an entry. Finds change nothing (they may run inside a walk of
 * the same table); adds, deletes and random draws carry a resize forward. */
#ifndef TIDECACHE_HTAB_H
#define TIDECACHE_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab;
struct hentry;

/* An empty table whose allocations are counted in *account. */
struct htab *htab_create(size_t *account);
void htab_destroy(struct htab *h);

/* A copy of the table (entries with their owner bytes), counted in
 * *account. */
struct htab *htab_copy(const struct htab *h, size_t *account);

/* Count the table in another counter from now on: its bytes move from the
 * old counter to the new one (a key moved to another keyspace). */
void htab_rebind(struct htab *h, size_t *account);

size_t htab_count(const struct htab *h);

/* The owner's side block: one allocation the table carries for its owner
 * (a hash keeps its index of field expiries there), counted, moved to
 * another counter and freed with the table; NULL until made. htab_copy
 * gives the copy none: its owner builds its own. */
void *htab_side(const struct htab *h);

/* Make the side block `bytes` long (0 frees it), keeping the bytes both
 * sizes share. Returns it. */
void *htab_side_resize(struct htab *h, size_t bytes);

/* The entry with this key, or NULL. */
struct hentry *htab_find(const struct htab *h, const char *key, size_t klen);

/* Add an entry for key, which must not be in the table, with `extra` bytes
 * after the key for the owner (uninitialized). Returns it. */
struct hentry *htab_add(struct htab *h, const char *key, size_t klen, size_t extra);

/* Give an entry `extra` owner bytes instead of what it had; the bytes both
 * sizes share are kept. Returns the entry, which may have moved. */
struct hentry *htab_resize_entry(struct htab *h, struct hentry *e, size_t extra);

/* Remove the entry with this key: 1 if it was there, else 0. */
int htab_delete(struct htab *h, const char *key, size_t klen);

const char *hentry_key(const struct hentry *e, size_t *klen);
unsigned char *hentry_extra(struct hentry *e);

/* steps steps (at least one) of a SCAN over the table: calls fn for every
 * entry of the bucket(s) of each cursor and returns the next cursor (0 when
 * the walk is complete, which ends the call early). Entries present for
 * the whole walk are reported at least once even when the table resizes
 * between calls; a walk with no change to the table between its calls
 * reports each entry exactly once. fn must not change the table. */
uint64_t htab_scan(const struct htab *h, uint64_t cursor, size_t steps,
                   void (*fn)(void *ctx, const struct hentry *e), void *ctx);

/* Every entry in turn, for a walk with no change to the table until it
 * ends: start with htab_iter_start, call htab_iter_next until it returns
 * NULL. */
struct htab_iter {
    const struct htab *h;
    int t;
    size_t bucket;
    const struct hentry *e;
};
void htab_iter_start(struct htab_iter *i, const struct htab *h);
const struct hentry *htab_iter_next(struct htab_iter *i);

/* A random entry (the table must not be empty), drawn by a random
 * non-empty bucket and a random place in its chain. rnd is a 64-bit random
 * number source. */
struct hentry *htab_random(struct htab *h, uint64_t (*rnd)(void));

/* Free up to max_entries entries (and then the arrays and the table
 * itself): the way a deleted large value is freed a little per tick.
 * Returns 1 when the table is gone, 0 when entries are left. */
int htab_free_some(struct htab *h, size_t max_entries);

/* Bytes the table holds, as MEMORY USAGE estimates them: the table and
 * its arrays exactly, the entries from the first `samples` of them (all
 * when samples is 0 or the table is smaller) times the count. */
size_t htab_memory_sampled(const struct htab *h, size_t samples);

/* ---- checks (tests, the command fuzzer) ---- */

/* Bytes the table holds, recounted by walking it (the counter it was
 * created with should have gained exactly this). */
size_t htab_recount(const struct htab *h);

/* Whether every entry sits in the bucket of its hash, moved buckets are
 * empty and the count is right: 0 when so, -1 otherwise. */
int htab_verify(const struct htab *h);

#endif
