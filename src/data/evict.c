/* evict: the memory cap and its policies; see include/tidecache/evict.h.
 *
 * Each keyspace has a hand: a SCAN cursor over its key table
 * (store_hand_step). A round moves one keyspace's hand, chosen at random in
 * proportion to the keys it holds (with an expiry, for the volatile
 * policies), until the policy has a victim:
 *   CLOCK (LRU)   the first key without its referenced bit; the bit of
 *                 every key passed on the way is cleared.
 *   RANDOM        the first key eligible at all.
 *   POOL (LFU, volatile-ttl)   maxmemory-samples eligible keys are ranked
 *                 (access count after decay, or expiry time) into a pool
 *                 of the EVICT_POOL_SIZE lowest ranks seen, and the lowest
 *                 goes, if it still is what was ranked.
 * A round moves its hand at most ROUND_MAX_STEPS cursor steps, and callers
 * check the time between rounds, so the budgets hold. */
#include "tidecache/evict.h"

#include <event2/event.h>
#include <string.h>

#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/db.h"
#include "tidecache/mem.h"
#include "tidecache/stats.h"
#include "tidecache/store.h"

#define EVICT_MAX_DBS 1024         /* the databases option's maximum */
#define POOL_INLINE_KEY_BYTES 48   /* keys up to this long are copied into
                                      the pool entry, longer ones allocated */
#define ROUND_MAX_STEPS 256        /* cursor steps of one round at most */
#define MS_PER_MINUTE 60000

enum kind { KIND_NONE, KIND_CLOCK, KIND_RANDOM, KIND_POOL_LFU, KIND_POOL_TTL };

/* One keyspace's hand. A revolution ends when the cursor comes back to 0;
 * the start times of the last two let the LFU decay estimate how long ago
 * the hand last passed a key. */
struct hand {
    uint64_t cursor;
    int64_t pass_start_ms; /* current revolution; 0 before the first step */
    int64_t prev_start_ms; /* the one before (= pass_start_ms during the first) */
};

/* A candidate of the pool: the key is copied, never pointed to, since the
 * item may be replaced or freed before the pool's turn comes. */
struct pool_entry {
    int db;
    uint64_t rank;  /* lower goes first: LFU count, or expiry in Unix ms */
    size_t klen;
    char *heap_key; /* mem_alloc'ed copy when klen > POOL_INLINE_KEY_BYTES */
    char inline_key[POOL_INLINE_KEY_BYTES];
};

static struct hand hands[EVICT_MAX_DBS];
static struct pool_entry pool[EVICT_POOL_SIZE]; /* ascending rank */
static size_t pool_len;
static enum kind pool_kind = KIND_NONE; /* what the pool's ranks are */
static uint64_t rng = UINT64_C(0x9e3779b97f4a7c15); /* xorshift64 state */
static uint64_t evicted_total;

/* The timer's follow-up slices. */
static struct event_base *slice_base;
static const struct config *slice_cfg;
static int slice_queued;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Uniform in [0, 1). */
static double random_unit(void)
{
    return (double)(next_random() >> 11) * (1.0 / 9007199254740992.0);
}

/* The kind of victim search a policy uses, and whether only keys with an
 * expiry are eligible. */
static enum kind policy_kind(int policy, int *volatile_only)
{
    *volatile_only = policy == MAXMEMORY_VOLATILE_LRU || policy == MAXMEMORY_VOLATILE_LFU ||
                     policy == MAXMEMORY_VOLATILE_RANDOM || policy == MAXMEMORY_VOLATILE_TTL;
    switch (policy) {
    case MAXMEMORY_ALLKEYS_LRU:
    case MAXMEMORY_VOLATILE_LRU:
        return KIND_CLOCK;
    case MAXMEMORY_ALLKEYS_LFU:
    case MAXMEMORY_VOLATILE_LFU:
        return KIND_POOL_LFU;
    case MAXMEMORY_ALLKEYS_RANDOM:
    case MAXMEMORY_VOLATILE_RANDOM:
        return KIND_RANDOM;
    case MAXMEMORY_VOLATILE_TTL:
        return KIND_POOL_TTL;
    default:
        return KIND_NONE;
    }
}

static int over_cap(const struct config *cfg)
{
    return mem_used() > (size_t)cfg->maxmemory;
}

static void count_eviction(size_t n)
{
    evicted_total += n;
    stats.evicted_keys += n;
}

/* ---- hands ---------------------------------------------------------------- */

/* Move keyspace db's hand one cursor step with this visitor. */
static void hand_advance(int db, store_hand_fn *fn, void *ctx)
{
    struct hand *h = &hands[db];
    if (h->pass_start_ms == 0)
        h->pass_start_ms = h->prev_start_ms = clock_now_ms();
    h->cursor = store_hand_step(db_get(db), h->cursor, fn, ctx);
    if (h->cursor == 0) {
        h->prev_start_ms = h->pass_start_ms;
        h->pass_start_ms = clock_now_ms();
    }
}

/* How far round its revolution a cursor is, in [0, 1): the cursor counts
 * with its bits reversed (store.c's SCAN order), so reversed it is the
 * position. */
static double cursor_fraction(uint64_t v)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {
        r = (r << 1) | (v & 1);
        v >>= 1;
    }
    return (double)(r >> 11) * (1.0 / 9007199254740992.0);
}

/* Milliseconds since the hand last passed the position it is at: the
 * previous revolution passed it at the same fraction of its course. */
static int64_t since_last_pass_ms(const struct hand *h, int64_t now_ms)
{
    double f = cursor_fraction(h->cursor);
    int64_t last = h->prev_start_ms + (int64_t)(f * (double)(h->pass_start_ms - h->prev_start_ms));
    return now_ms > last ? now_ms - last : 0;
}

/* A keyspace with something eligible, drawn in proportion to how much it
 * holds; -1 when none has anything. */
static int pick_db(int volatile_only)
{
    int n = db_count() < EVICT_MAX_DBS ? db_count() : EVICT_MAX_DBS;
    uint64_t total = 0;
    for (int i = 0; i < n; i++)
        total += volatile_only ? store_expires_count(db_get(i)) : store_count(db_get(i));
    if (total == 0)
        return -1;
    uint64_t r = next_random() % total;
    for (int i = 0; i < n; i++) {
        uint64_t w = volatile_only ? store_expires_count(db_get(i)) : store_count(db_get(i));
        if (r < w)
            return i;
        r -= w;
    }
    return -1;
}

/* ---- CLOCK and RANDOM --------------------------------------------------- */

struct pick_ctx {
    int volatile_only;
    int clock;      /* CLOCK: spare referenced keys (clearing the bit) */
    size_t evicted;
};

static int pick_visit(void *ctx, struct item *it)
{
    struct pick_ctx *pc = ctx;
    if (pc->volatile_only && item_expire_ms(it) == 0)
        return STORE_HAND_KEEP;
    if (pc->clock && item_access(it) != 0) {
        item_set_access(it, 0);
        return STORE_HAND_KEEP;
    }
    pc->evicted++;
    return STORE_HAND_EVICT;
}

/* Move db's hand until it has evicted (every victim of the last bucket
 * visited goes; a bucket holds about one key). Returns keys evicted. */
static size_t round_pick(int db, int volatile_only, int clock)
{
    struct pick_ctx pc = {.volatile_only = volatile_only, .clock = clock, .evicted = 0};
    for (int steps = 0; steps < ROUND_MAX_STEPS && pc.evicted == 0; steps++)
        hand_advance(db, pick_visit, &pc);
    return pc.evicted;
}

/* ---- the pool (LFU, volatile-ttl) --------------------------------------- */

static const char *entry_key(const struct pool_entry *e)
{
    return e->klen > POOL_INLINE_KEY_BYTES ? e->heap_key : e->inline_key;
}

static void entry_release(struct pool_entry *e)
{
    if (e->klen > POOL_INLINE_KEY_BYTES)
        mem_free(e->heap_key);
    e->heap_key = NULL;
}

/* Remove entry i, keeping the order. */
static void pool_remove(size_t i)
{
    entry_release(&pool[i]);
    memmove(&pool[i], &pool[i + 1], (pool_len - i - 1) * sizeof pool[0]);
    pool_len--;
}

static void pool_clear(void)
{
    while (pool_len)
        pool_remove(pool_len - 1);
}

static int pool_has(int db, const char *key, size_t klen)
{
    for (size_t i = 0; i < pool_len; i++)
        if (pool[i].db == db && pool[i].klen == klen && memcmp(entry_key(&pool[i]), key, klen) == 0)
            return 1;
    return 0;
}

/* Offer a candidate: it enters in rank order unless the pool is full of
 * lower ranks; the highest rank drops out to make room. */
static void pool_offer(int db, uint64_t rank, const char *key, size_t klen)
{
    if (pool_len == EVICT_POOL_SIZE && rank >= pool[pool_len - 1].rank)
        return;
    if (pool_has(db, key, klen))
        return;
    if (pool_len == EVICT_POOL_SIZE)
        pool_remove(pool_len - 1);
    size_t at = pool_len;
    while (at > 0 && pool[at - 1].rank > rank)
        at--;
    memmove(&pool[at + 1], &pool[at], (pool_len - at) * sizeof pool[0]);
    pool_len++;
    struct pool_entry *e = &pool[at];
    e->db = db;
    e->rank = rank;
    e->klen = klen;
    e->heap_key = NULL;
    char *dst = e->inline_key;
    if (klen > POOL_INLINE_KEY_BYTES)
        dst = e->heap_key = mem_alloc(klen);
    memcpy(dst, key, klen);
}

/* Redis's LFU decay: one step per lfu-decay-time minutes elapsed; the
 * fraction of a step is taken with that probability, so the expected decay
 * is exact whatever the revolution's length. decay_min 0 decays one step
 * on every pass. */
static unsigned lfu_decay(unsigned v, int64_t elapsed_ms, long long decay_min)
{
    uint64_t steps = 1;
    if (decay_min > 0) {
        double x = (double)elapsed_ms / ((double)decay_min * MS_PER_MINUTE);
        steps = (uint64_t)x;
        if (random_unit() < x - (double)steps)
            steps++;
    }
    return steps >= v ? 0 : v - (unsigned)steps;
}

struct sample_ctx {
    int db;
    int volatile_only;
    enum kind kind;
    int64_t elapsed_ms;  /* since the hand last passed (LFU) */
    long long decay_min; /* lfu-decay-time */
    size_t sampled;
};

/* Rank an eligible key into the pool; LFU counts decay on the way. */
static int sample_visit(void *ctx, struct item *it)
{
    struct sample_ctx *sc = ctx;
    int64_t expire_ms = item_expire_ms(it);
    if (sc->volatile_only && expire_ms == 0)
        return STORE_HAND_KEEP;
    uint64_t rank = (uint64_t)expire_ms;
    if (sc->kind == KIND_POOL_LFU) {
        unsigned v = lfu_decay(item_access(it), sc->elapsed_ms, sc->decay_min);
        item_set_access(it, v);
        rank = v;
    }
    pool_offer(sc->db, rank, item_key(it), item_key_len(it));
    sc->sampled++;
    return STORE_HAND_KEEP;
}

/* The rank a key has now, or UINT64_MAX when it is gone or no longer
 * eligible. Looked up without touching it. */
static uint64_t current_rank(struct store *s, const struct pool_entry *e, enum kind kind,
                             int volatile_only)
{
    store_set_touching(0);
    struct item *it = store_find(s, entry_key(e), e->klen);
    store_set_touching(1);
    if (!it || (volatile_only && item_expire_ms(it) == 0))
        return UINT64_MAX;
    return kind == KIND_POOL_LFU ? item_access(it) : (uint64_t)item_expire_ms(it);
}

/* Evict the lowest-ranked pool entry that still ranks as it did (a key
 * read since it was sampled, or given another expiry, is dropped instead).
 * Returns 1 when a key went. */
static size_t pool_evict(enum kind kind, int volatile_only)
{
    while (pool_len > 0) {
        struct pool_entry *e = &pool[0];
        struct store *s = db_get(e->db);
        int ok = s && current_rank(s, e, kind, volatile_only) <= e->rank &&
                 store_delete(s, entry_key(e), e->klen);
        pool_remove(0);
        if (ok)
            return 1;
    }
    return 0;
}

/* Sample maxmemory-samples eligible keys of db into the pool, then evict
 * the best candidate. Returns keys evicted. */
static size_t round_pool(int db, enum kind kind, int volatile_only, const struct config *cfg)
{
    if (pool_kind != kind) {
        pool_clear();
        pool_kind = kind;
    }
    struct sample_ctx sc = {.db = db, .volatile_only = volatile_only, .kind = kind,
                            .decay_min = cfg->lfu_decay_time, .sampled = 0};
    size_t want = cfg->maxmemory_samples > 0 ? (size_t)cfg->maxmemory_samples : 1;
    for (int steps = 0; steps < ROUND_MAX_STEPS && sc.sampled < want; steps++) {
        sc.elapsed_ms = since_last_pass_ms(&hands[db], clock_now_ms());
        hand_advance(db, sample_visit, &sc);
    }
    return pool_evict(kind, volatile_only);
}

/* ---- the loop -------------------------------------------------------------- */

/* Free flushed keyspaces first (they cost no key), until the deadline.
 * Returns 1 when some are still pending. */
static int free_flushed(const struct config *cfg, int64_t deadline_us)
{
    int pending = 0;
    for (int i = 0; i < db_count(); i++) {
        struct store *s = db_get(i);
        if (!store_lazyfree_pending(s))
            continue;
        int64_t left = deadline_us - clock_mono_us();
        if (over_cap(cfg))
            store_lazyfree_step(s, left > 0 ? left : 0);
        pending |= store_lazyfree_pending(s) != 0;
    }
    return pending;
}

enum evict_result evict_perform(const struct config *cfg, int64_t budget_us)
{
    int volatile_only;
    enum kind kind = policy_kind(cfg->maxmemory_policy, &volatile_only);
    store_set_access_mode(kind == KIND_POOL_LFU ? STORE_ACCESS_LFU : STORE_ACCESS_LRU,
                          (unsigned)cfg->lfu_log_factor);
    store_set_memory_limit(cfg->maxmemory > 0 ? (size_t)cfg->maxmemory : 0);
    if (cfg->maxmemory <= 0 || !over_cap(cfg))
        return EVICT_OK;
    int64_t deadline_us = clock_mono_us() + budget_us;
    int pending = free_flushed(cfg, deadline_us);
    enum evict_result stuck = pending ? EVICT_RUNNING : EVICT_FAIL;
    if (kind == KIND_NONE)
        return over_cap(cfg) ? stuck : EVICT_OK;
    while (over_cap(cfg)) {
        int db = pick_db(volatile_only);
        if (db < 0)
            return stuck;
        size_t n = (kind == KIND_POOL_LFU || kind == KIND_POOL_TTL)
                       ? round_pool(db, kind, volatile_only, cfg)
                       : round_pick(db, volatile_only, kind == KIND_CLOCK);
        count_eviction(n);
        if (clock_mono_us() >= deadline_us)
            return over_cap(cfg) ? EVICT_RUNNING : EVICT_OK;
    }
    return EVICT_OK;
}

/* ---- timer ----------------------------------------------------------------- */

static void slice_run(void);

static void on_slice(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    slice_queued = 0;
    clock_update();
    slice_run();
}

/* One slice; when it ran out of time with keys still going, queue the
 * next to run once the I/O already waiting has been served. */
static void slice_run(void)
{
    if (evict_perform(slice_cfg, EVICT_SLICE_US) != EVICT_RUNNING || slice_queued)
        return;
    struct timeval now = {0, 0};
    if (event_base_once(slice_base, -1, EV_TIMEOUT, on_slice, NULL, &now) == 0)
        slice_queued = 1;
}

void evict_tick(struct event_base *base, const struct config *cfg)
{
    slice_base = base;
    slice_cfg = cfg;
    slice_run();
}

void evict_teardown(void)
{
    pool_clear();
    pool_kind = KIND_NONE;
    memset(hands, 0, sizeof hands);
    slice_base = NULL;
    slice_cfg = NULL;
    slice_queued = 0;
}

uint64_t evict_total(void)
{
    return evicted_total;
}
