/* evict: the memory cap (maxmemory) and its eviction policies.
 *
 * What counts is mem_used(): the allocator's size of every block tidecache
 * holds (items, tables, the expiry index, client buffers), INFO's
 * used_memory. When it is above maxmemory, keys are evicted by the policy
 * until it is not, before every command (as Redis's performEvictions) and
 * from the timer, each time within a time budget, so lowering maxmemory at
 * runtime evicts down to it in slices between clients' requests, never in
 * one stall. Keyspaces flushed but not yet freed (FLUSHALL of a large one)
 * are freed first: that costs no key.
 *
 * Policies, with Redis's meanings (volatile-*: only keys with an expiry):
 *   allkeys-lru, volatile-lru   least recently used first, by the CLOCK
 *       algorithm: a hand walks the key table in SCAN order; a key read or
 *       overwritten since the hand last passed has its referenced bit
 *       cleared and is kept, one without it is evicted. A new key starts
 *       unreferenced, so keys read again outlive keys written once (the
 *       probation of a segmented LRU).
 *   allkeys-lfu, volatile-lfu   least frequently used first: Redis's
 *       logarithmic counter (lfu-log-factor), decayed by one per
 *       lfu-decay-time minutes (estimated from the hand's revolutions; 0
 *       decays on every pass); the hand takes maxmemory-samples keys per
 *       round into a pool of the EVICT_POOL_SIZE best candidates and the
 *       lowest count goes.
 *   volatile-ttl   the nearest expiry first, through the same pool.
 *   allkeys-random, volatile-random   the next key (with an expiry) at the
 *       hand: table order is hash order, which is random.
 *   noeviction   nothing is evicted.
 * The hand visits every key once per revolution, so no cold key escapes
 * sampling for long, and it needs no per-key memory: the access field lives
 * in spare header bits (include/tidecache/store.h).
 *
 * When memory stays over the cap and nothing can be evicted (noeviction,
 * volatile-* without keys that have an expiry, empty keyspaces), commands
 * that may grow memory (CMD_DENYOOM) are refused with EVICT_OOM_ERROR;
 * reads, DEL, FLUSHALL, EXPIRE and the connection commands still run. */
#ifndef TIDECACHE_EVICT_H
#define TIDECACHE_EVICT_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct event_base;

#define EVICT_OOM_ERROR "OOM command not allowed when used memory > 'maxmemory'."

#define EVICT_POOL_SIZE 16             /* candidates kept between rounds */
#define EVICT_COMMAND_BUDGET_US 500    /* eviction work before one command */
#define EVICT_SLICE_US 1000            /* one background slice */

enum evict_result {
    EVICT_OK,      /* memory is within the cap (or there is none) */
    EVICT_RUNNING, /* still over, but the budget ran out while keys were
                      being evicted: the timer goes on with it */
    EVICT_FAIL,    /* over, and nothing can be evicted */
};

/* Bring memory under cfg->maxmemory, spending at most budget_us
 * microseconds. Also keeps the store in step with the config (the access
 * marking the policy needs, the cap that holds back table growth), so the
 * timer calls it even when maxmemory is 0. */
enum evict_result evict_perform(const struct config *cfg, int64_t budget_us);

/* Timer hook (each hz tick): a slice of EVICT_SLICE_US when over the cap;
 * while work is left, further slices are queued on base to run right after
 * the pending I/O, until memory is under the cap or nothing more can go. */
void evict_tick(struct event_base *base, const struct config *cfg);

/* Forget the candidates kept between rounds (freeing their key copies),
 * the hands' positions and any queued slice: before the keyspaces or the
 * event loop go. */
void evict_teardown(void);

/* Keys evicted since the process started (INFO's evicted_keys counts since
 * the last CONFIG RESETSTAT, in stats). */
uint64_t evict_total(void);

#endif
