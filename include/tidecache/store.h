/* store: one keyspace of items with absolute expiry times.
 *
 * Items are single allocations holding key, value and (only when the key has
 * one) the expiry. A value is a string, or an object of another type
 * (include/tidecache/object.h): a tag byte and a payload that a compact
 * encoding keeps in the item and a table encoding points from.
 *
 * The key table is a chained hash table that grows and shrinks
 * incrementally: while a resize is in progress both the old and the new
 * table are live and every operation, plus store_rehash_step() from the
 * timer, moves a bounded number of buckets, so no call pays for the whole
 * table.
 *
 * Expiry is lazy (store_find deletes an expired item it meets) and active
 * (store_expire_step, called from the timer with a time budget), driven by
 * an index of the keys by expiry time (include/tidecache/expiry.h), so the
 * sweep's work is proportional to the keys that expire. "Now" is
 * clock_now_ms(); tests freeze the clock to drive expiry.
 *
 * Flushing a large keyspace empties it at once and leaves the freeing to
 * store_lazyfree_step, called from the timer.
 *
 * Item pointers returned by lookups are valid until the next call that may
 * write to the store (set, set_value, set_expire, delete, random, scan,
 * expire step, flush, rehash step, lazy-free step). store_find and the
 * table resize never move an item in memory; they only free items whose
 * expiry has passed. */
#ifndef TIDECACHE_STORE_H
#define TIDECACHE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct item;

struct store *store_create(void);
void store_destroy(struct store *s);

/* The live item under key, or NULL. An item whose expiry has passed is
 * deleted here and counts as expired. */
struct item *store_find(struct store *s, const char *key, size_t klen);

const char *item_key(const struct item *it);
size_t item_key_len(const struct item *it);
/* A string's bytes (an object's tag and payload: use item_payload). */
const char *item_value(const struct item *it);
size_t item_value_len(const struct item *it);
/* Absolute expiry in Unix milliseconds; 0 when the item never expires. */
int64_t item_expire_ms(const struct item *it);

/* Insert key, or replace its item, with value and expiry (0 = none).
 * Returns the stored item. */
struct item *store_set(struct store *s, const char *key, size_t klen, const void *value,
                       size_t vlen, int64_t expire_ms);

/* Remove key. Returns 1 if it was there (and live), else 0. */
int store_delete(struct store *s, const char *key, size_t klen);

/* Give a live item a new expiry (0 removes it). Returns the item, which may
 * have moved (adding an expiry can reallocate it). */
struct item *store_set_expire(struct store *s, struct item *it, int64_t expire_ms);

/* Number of items stored (expired ones not yet removed included, as Redis's
 * DBSIZE), and how many of them have an expiry. */
size_t store_count(const struct store *s);
size_t store_expires_count(const struct store *s);

/* Items removed because their expiry passed, since creation. */
uint64_t store_expired_total(const struct store *s);

/* Average remaining time to live, in ms, of the items with an expiry (0 when
 * there are none; never negative), as INFO keyspace's avg_ttl. Exact and
 * O(1): the store keeps the sum of their expiry times. */
int64_t store_avg_ttl_ms(const struct store *s);

/* Remove every item. The store is empty at once; the memory of a large
 * one (over a few thousand items) is freed by store_lazyfree_step, and
 * store_memory counts it until then. So is a deleted value of more than
 * about a thousand entries (a large hash or set). */
void store_flush(struct store *s);

/* Free flushed items (and released bucket arrays) for about budget_us
 * microseconds. Returns 1 when some are left, 0 when none. Cheap when there
 * is nothing to do: the timer calls it every tick. */
int store_lazyfree_step(struct store *s, int64_t budget_us);

/* Items flushed and large values deleted but not freed yet (INFO's
 * lazyfree_pending_objects). */
size_t store_lazyfree_pending(const struct store *s);

/* Active expiry: look for items whose expiry has passed and delete them,
 * stopping once budget_us microseconds have been spent. Returns the number
 * deleted; *more is set to 1 when the budget ran out before the sweep had
 * looked at everything that may be due (or at index upkeep that should be
 * done ahead of time), 0 otherwise. With budget enough, every item due at
 * clock_now_ms() is gone when it returns. */
size_t store_expire_step(struct store *s, int64_t budget_us, int *more);

/* The sweep's own figures, for INFO. Redis's expired_stale_perc (the
 * share of keys with a TTL that are expired but still stored) is
 * about 100 * due_backlog / store_expires_count: 0 while the sweep keeps
 * up. */
struct store_sweep_stats {
    size_t index_entries; /* expiry index entries, stale ones included */
    size_t index_bytes;   /* their memory (part of store_memory) */
    size_t due_backlog;   /* index entries due and not processed yet: 0 when
                             the sweep keeps up */
    int64_t lag_ms;       /* how long the oldest of those has been due */
    uint64_t processed;   /* index entries processed since creation */
    uint64_t cpu_us;      /* time spent sweeping since creation (INFO's
                             expire_cycle_cpu_milliseconds is this / 1000) */
};
void store_sweep_stats(const struct store *s, struct store_sweep_stats *out);

/* Advance an in-progress table resize for at most budget_us microseconds,
 * and start a shrink when the table has become sparse; with time left, give
 * back to the system (a piece at a time) bucket arrays a resize released.
 * Returns 1 when such work is left, 0 when none. */
int store_rehash_step(struct store *s, int64_t budget_us);

/* Bytes the store holds: items, tables, the expiry index and flushed items
 * not freed yet, as the allocator counts them. */
size_t store_memory(const struct store *s);

/* Replace a live item's value, keeping its key and expiry. value may point
 * into the item itself. Returns the item, which may have moved. Keys and
 * values are at most 4 GiB - 1 bytes (the protocol limits them far below). */
struct item *store_set_value(struct store *s, struct item *it, const void *value, size_t vlen);

/* Incremental iteration with Redis SCAN semantics: start with cursor 0, pass
 * back the returned cursor, stop when it returns 0. Each call visits about
 * count buckets and calls fn for every live item in them; every key present
 * for the whole iteration is reported at least once (some maybe more than
 * once), even when the table resizes between calls. Expired items met on the
 * way are deleted instead of reported. fn must not modify the store. */
uint64_t store_scan(struct store *s, uint64_t cursor, size_t count,
                    void (*fn)(void *ctx, const struct item *it), void *ctx);

/* A random live item, or NULL when the store is empty. Expired items met on
 * the way are deleted; if it keeps meeting only expired ones it gives up
 * after a bounded number (STORE_RANDOM_MAX_EXPIRED) and returns NULL, so a
 * store full of expired keys costs bounded work per call. */
#define STORE_RANDOM_MAX_EXPIRED 100
struct item *store_random(struct store *s);

/* ---- values of other types (include/tidecache/object.h) ---------------- */

enum object_type item_type(const struct item *it);
/* The object's tag; 0 for a string. */
unsigned char item_tag(const struct item *it);
/* An object's payload: writable in place (the item is the caller's until
 * the next call that may write to the store). */
unsigned char *item_payload(const struct item *it);
size_t item_payload_len(const struct item *it);

/* The counter a table encoding's allocations go to (htab_create), so that
 * store_memory stays exact. */
size_t *store_account(struct store *s);

/* Store an object under key (replacing whatever was there) with this tag,
 * payload and expiry (0: none). A table encoding's payload is its pointer,
 * and the item owns the table from then on. Returns the item. */
struct item *store_set_object(struct store *s, const char *key, size_t klen, unsigned char tag,
                              const void *payload, size_t plen, int64_t expire_ms);

/* Make a live object's payload plen bytes, keeping the bytes both sizes
 * share (shrink after compacting, grow before writing). Returns the item,
 * which may have moved. */
struct item *store_resize_payload(struct store *s, struct item *it, size_t plen);

/* Give a live object a new tag and payload (another encoding), keeping key,
 * expiry and access mark; the old payload's table, if any, is freed.
 * payload must not point into the item. Returns the new item. */
struct item *store_replace_payload(struct store *s, struct item *it, unsigned char tag,
                                   const void *payload, size_t plen);

/* MEMORY USAGE of a live item: its block and what it owns (a table from
 * `samples` of its entries, all when 0). */
size_t store_item_memory(const struct item *it, size_t samples);

/* Move a live item's value and expiry to key in store `to` (the same store
 * for RENAME, another for MOVE), replacing what key held there, and remove
 * the item: a table it owns moves with it, counted in `to` from then on.
 * Returns the new item, or NULL when the item had expired (it is deleted
 * as expired and nothing is stored). */
struct item *store_move(struct store *from, struct item *it, struct store *to, const char *key,
                        size_t klen);

/* ---- entries that expire inside a value (a hash's fields) ----------------
 * A value may hold entries with an expiry of their own
 * (include/tidecache/object.h: object_deadline). The store indexes such an
 * item at its earliest one, beside the key's own expiry, and its sweep
 * removes the entries as they fall due (object_expire_due), deleting the
 * key when its value is left empty: the sweep's work stays proportional
 * to what expires, inside values as well as keys. */

/* The type changed the item's earliest entry expiry from old_ms to new_ms
 * (either 0: none). */
void store_note_deadline(struct store *s, const struct item *it, int64_t old_ms, int64_t new_ms);

/* Items whose value holds entries with an expiry (INFO keyspace's
 * subexpiry: hashes with field expiries). */
size_t store_subexpiry_count(const struct store *s);

/* Count n entries removed because their expiry passed (INFO's
 * expired_subkeys), and the total since creation. */
void store_note_expired_fields(struct store *s, size_t n);
uint64_t store_expired_fields_total(const struct store *s);

/* ---- writes, for WATCH --------------------------------------------------
 * While a hook is set, every write to a key calls it with the key: a value
 * stored, replaced, changed in place, given another expiry, moved, or
 * deleted (expired set when the key went because its expiry passed). A
 * flush calls it once with key NULL before it empties the store. The hook
 * must not write to the store. */
typedef void store_write_hook(struct store *s, const char *key, size_t klen, int expired);
void store_set_write_hook(store_write_hook *fn);

/* Report a write the store did not make itself: the value of a live item
 * changed inside a table it owns (a set or hash). */
void store_note_write(struct store *s, const struct item *it);

/* ---- eviction support (include/tidecache/evict.h) -----------------------
 * Each item has a 5-bit access field, kept in spare header bits so that it
 * costs no memory. What it holds is global to every store:
 *   STORE_ACCESS_LRU  a referenced bit (0 or 1) for the CLOCK algorithm:
 *                     new keys start at 0, lookups and overwrites set it,
 *                     the eviction hand clears it;
 *   STORE_ACCESS_LFU  Redis's logarithmic access counter, from
 *                     STORE_LFU_INIT for a new key up to STORE_ACCESS_MAX;
 *                     an access increments it with probability
 *                     1 / ((count - STORE_LFU_INIT) * lfu_log_factor + 1),
 *                     the eviction hand decays it.
 * Replacing an item (store_set over a key, store_set_value,
 * store_set_expire) keeps its field. */
enum store_access_mode { STORE_ACCESS_LRU, STORE_ACCESS_LFU };
#define STORE_ACCESS_MAX 31u
#define STORE_LFU_INIT 1u
void store_set_access_mode(enum store_access_mode mode, unsigned lfu_log_factor);

/* Whether lookups and overwrites mark items (on by default). CLIENT
 * NO-TOUCH turns it off around a client's commands. */
void store_set_touching(int on);
int store_touching(void);

unsigned item_access(const struct item *it);
/* Values above STORE_ACCESS_MAX are stored as STORE_ACCESS_MAX. */
void item_set_access(struct item *it, unsigned v);

/* The eviction hand walks the table with a SCAN cursor (every key present
 * for a whole revolution is visited once in it, across resizes), offering
 * each live item to a visitor, which returns STORE_HAND_EVICT to have it
 * deleted (an eviction: not counted as expired) or STORE_HAND_KEEP; it may
 * change the item's access field but nothing else in the store. Expired
 * items met are deleted as expired. One call is one cursor step: one bucket,
 * or during a resize the buckets that map onto one bucket of the smaller
 * table. Returns the next cursor; 0 when the revolution is complete. */
enum { STORE_HAND_KEEP, STORE_HAND_EVICT };
typedef int store_hand_fn(void *ctx, struct item *it);
uint64_t store_hand_step(struct store *s, uint64_t cursor, store_hand_fn *fn, void *ctx);

/* Under a memory cap (bytes; 0 for none), a table does not grow while it
 * holds fewer than STORE_CAPPED_MAX_LOAD items per bucket and would still
 * when memory reaches the cap (at the store's average bytes per item): the
 * keys eviction would give up for a larger array are worth more than
 * slightly longer chains. Redis's dictionaries do the same up to 1.618. */
#define STORE_CAPPED_MAX_LOAD 2
void store_set_memory_limit(size_t bytes);

/* ---- checks (tests, the command fuzzer) --------------------------------- */

/* The item under key with no side effect at all: an expired one is
 * returned as it is, no access is marked, no resize advances. */
const struct item *store_peek(const struct store *s, const char *key, size_t klen);

/* Check the store's invariants, in O(items + buckets): each item sits in
 * the bucket of its hash, buckets already moved by a resize are empty, the
 * counts of items, of items with an expiry and the sum of expiries match
 * the items, flushed tables hold as many items as the store says, the
 * memory counter matches a recount at the allocator's sizes, and an expiry
 * index exists while items have an expiry. With expect_none_due, no item
 * may be past its expiry (after a sweep given budget enough). Returns
 * TC_OK, or TC_ERR with what is wrong in why. */
int store_verify(const struct store *s, int expect_none_due, char *why, size_t whylen);

#endif
