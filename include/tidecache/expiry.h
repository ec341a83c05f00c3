/* expiry: the index of a keyspace's items by expiry time, so that the
 * active sweep's work is proportional to the keys that expire, not to all
 * keys with a TTL.
 *
 * A hierarchical timing wheel of LEVELS rings of 128 slots; level k's slots
 * are 64^k ms wide (1 ms, 64 ms, 4.1 s, 262 s, 4.7 h, 12.4 days, 2.2 years),
 * and each ring covers two slots of the level above, so a slot of level k can
 * be moved down ("cascaded") one whole slot before the first of its keys is
 * due. Beyond the top ring an overflow list holds the rest.
 *
 * An entry is the low 32 bits of the key's hash, and nothing that points
 * into an item: items move (realloc) and die without telling the index.
 * Whoever processes an entry looks the hash up in the key table and checks
 * the items there (the visit callback). An entry whose item was deleted or
 * whose expiry changed is simply dropped then ("stale"). Entries of level 1
 * (keys due within ~8 s) also carry the low 32 bits of the expiry, so that
 * level cascades into the 1 ms ring without lookups. Costs: 4 bytes per key
 * with a long TTL, 8 within seconds of its expiry, plus chunk slack.
 *
 * Stale entries are bounded: a TTL change that stays within the same slot
 * of a hash-only level adds no entry (expiry_covers), and when stale entries
 * outnumber live keys, slots are revalidated one by one (compaction).
 *
 * All work is incremental: expiry_run stops at a deadline, and so never
 * holds a client for longer than its caller allows. Time is passed in, so
 * tests drive the wheel with any clock; when it steps back by more than a
 * second, the wheel re-indexes its entries against the new time. */
#ifndef TIDECACHE_EXPIRY_H
#define TIDECACHE_EXPIRY_H

#include <stddef.h>
#include <stdint.h>

struct expiry;

/* Called for each entry processed: the items of the key table whose hash's
 * low 32 bits are hash and whose expiry lies in [lo_ms, hi_ms) were indexed
 * here. The callback deletes those that are due (and may delete any other
 * expired item it meets), and calls expiry_add again for each of them that
 * is not due yet, with its current expiry. It must not call expiry_run. */
typedef void (*expiry_visit_fn)(void *ctx, uint32_t hash, int64_t lo_ms, int64_t hi_ms);

/* An empty index whose "now" starts at now_ms. */
struct expiry *expiry_create(int64_t now_ms);
void expiry_destroy(struct expiry *x);

/* Index a key whose hash has these low 32 bits and that expires at
 * expire_ms (any value; one in the past is processed by the next run). */
void expiry_add(struct expiry *x, uint32_t hash, int64_t expire_ms);

/* Whether an entry added for expiry old_ms also covers new_ms, so that a
 * key whose expiry moves from old_ms to new_ms needs no new entry: both lie
 * in one slot of a hash-only level, where entries are validated by range. */
int expiry_covers(const struct expiry *x, int64_t old_ms, int64_t new_ms);

/* Advance to now_ms and process entries: those due (visit deletes their
 * items), then cascades of slots to the finer rings, then compaction, until
 * nothing is left or clock_mono_us() passes deadline_us (at least
 * EXPIRY_MIN_ENTRIES are processed per call, so a zero budget still makes
 * progress). *more is set to 1 when work is left, else 0. Returns the
 * number of entries processed. */
#define EXPIRY_MIN_ENTRIES 32
size_t expiry_run(struct expiry *x, int64_t now_ms, int64_t deadline_us, expiry_visit_fn visit,
                  void *ctx, int *more);

/* Start a compaction round when entries exceed twice live (the keys with
 * an expiry) by a margin: slots of the hash-only levels are then detached
 * one at a time by expiry_run and their entries revalidated. */
void expiry_maybe_compact(struct expiry *x, size_t live);

/* Allocator's size of the index (O(1)). */
size_t expiry_bytes(const struct expiry *x);

/* Figures for INFO and tests. */
struct expiry_stats {
    size_t entries;       /* entries held, stale ones included */
    size_t bytes;         /* allocator's size of the index */
    size_t due_backlog;   /* entries due but not processed yet */
    int64_t lag_ms;       /* now minus the oldest unprocessed due time; 0 if none */
    uint64_t processed;   /* entries processed since creation */
    uint64_t cascaded;    /* of those, entries moved to a finer ring */
    uint64_t compactions; /* compaction rounds started */
};
void expiry_get_stats(const struct expiry *x, struct expiry_stats *out);

#endif
