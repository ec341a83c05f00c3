/* expiry: hierarchical timing wheel of key hashes; see
 * include/tidecache/expiry.h.
 *
 * Positions. Time is in ms; "cur" is the first millisecond not yet handed
 * to the sweep. Level k's absolute slot of a time t is t >> (6k). An entry
 * for expiry e sits at the lowest level k whose window holds it,
 * slot(e) - slot(cur) < RING_SLOTS; at k >= 1 that slot is then at least two
 * ahead of the current one, because one ahead would have fit level k - 1.
 * When cur enters slot S - 1 of level k >= 1, slot S is detached as a
 * cascade task: a whole slot-width before its first key can be due, its
 * entries are re-added one level (or more) down. When cur passes a 1 ms
 * slot of level 0, the slot is detached as a due task: the visit callback
 * deletes its items. An entry placed where it could never be reached (its
 * time already behind cur) goes to the pending list, which the same run
 * turns into a due task.
 *
 * Entries live in chunk lists: small blocks first, up to CHUNK_MAX_BYTES,
 * so a slot with one entry costs 64 bytes and a slot with a million costs
 * 4 bytes per entry plus under 4 KiB. */
#include "tidecache/expiry.h"

#include "tidecache/clock.h"
#include "tidecache/mem.h"

#include <string.h>

#define LEVELS 7           /* 1 ms ... 2.2-year slots; beyond: overflow */
#define LEVEL_BITS 6       /* level k + 1 slot = 64 level-k slots */
#define RING_SLOTS 128     /* two upper slots' worth per ring */
#define EXACT_LEVEL 1      /* its entries carry the expiry's low 32 bits */
#define CHUNK_MIN_BYTES 64 /* first chunk of a list */
#define CHUNK_MAX_BYTES 4096
#define CLOCK_EVERY 32           /* entries between deadline checks */
#define COMPACT_MIN_STALE 65536  /* stale entries tolerated before compacting */
#define URGENT_AHEAD_MS 64       /* cascades due this soon go before due work */
#define REWIND_MS 1000           /* a clock step back beyond this rebuilds */
#define SEEN_MIN_SLOTS 64        /* smallest per-task set of visited hashes */
#define SEEN_MAX_SLOTS (1u << 20) /* largest: 4 MiB, full for tasks of ~780k hashes */

struct chunk {
    struct chunk *next;
    uint32_t len; /* words used */
    uint32_t cap; /* words available */
    uint32_t w[];
};

/* A slot, the pending list, or a task's entries. */
struct list {
    struct chunk *head, *tail;
    size_t n; /* entries */
};

enum task_kind {
    TASK_DUE,    /* visit each entry: its items are due */
    TASK_LOOKUP, /* visit each entry: re-adds the items not due yet */
    TASK_EXACT,  /* entries carry their expiry: re-add without a lookup */
};

/* Hashes a lookup task has visited already, so that its other entries for
 * the same hash (a key deleted and written again within one slot leaves
 * one each) are dropped instead of re-added: open addressing, 0 marks an
 * empty slot (hash 0 has its own flag). Stops taking new hashes at 3/4
 * full, so a huge task dedupes only in part rather than growing it. */
struct seen_set {
    uint32_t *v;
    uint32_t mask;
    uint32_t n;
    uint8_t zero; /* hash 0 was visited */
};

struct task {
    struct list l;
    uint32_t pos;      /* words of l.head already processed */
    uint8_t kind;      /* enum task_kind */
    int64_t lo, hi;    /* the items' expiries lie in [lo, hi) */
    int64_t since_ms;  /* for due tasks: when the entries became due */
    struct seen_set seen; /* lookup tasks, from their first entry */
};

struct queue {
    struct task *v;
    size_t n, cap;
};

struct expiry {
    struct list ring[LEVELS][RING_SLOTS];
    uint64_t nonempty[LEVELS][RING_SLOTS / 64];
    struct list overflow; /* beyond the top ring */
    struct list pending;  /* behind cur; turned into a due task by this run */
    struct list deferred; /* re-added by a due task (clock went back): next run */
    uint64_t cur;         /* first ms not yet detached */
    int64_t last_now_ms;
    int in_due;           /* a due task is being processed */
    struct queue due;     /* in order of time */
    struct queue cascade; /* sorted by lo */
    size_t entries;
    size_t bytes; /* allocator's size of everything here */
    /* compaction: slots of levels EXACT_LEVEL + 1 .. LEVELS - 1, then the
     * overflow list, revalidated one at a time */
    int compacting;
    unsigned compact_level, compact_idx;
    size_t compact_floor; /* entries after the last round */
    uint64_t processed, cascaded, compactions;
};

/* ---- chunk lists -------------------------------------------------------- */

static void *x_alloc(struct expiry *x, size_t n)
{
    void *p = mem_alloc(n);
    x->bytes += mem_block_size(p);
    return p;
}

static void x_free(struct expiry *x, void *p)
{
    if (!p)
        return;
    x->bytes -= mem_block_size(p);
    mem_free(p);
}

static struct chunk *chunk_new(struct expiry *x, size_t bytes)
{
    struct chunk *c = x_alloc(x, bytes);
    c->next = NULL;
    c->len = 0;
    c->cap = (uint32_t)((bytes - sizeof(struct chunk)) / sizeof(uint32_t));
    return c;
}

/* Append an entry of nw words (1 or 2). An entry equal to the list's last
 * one is not added twice (a key rewritten over and over lands here). */
static void list_append(struct expiry *x, struct list *l, const uint32_t *w, uint32_t nw)
{
    struct chunk *t = l->tail;
    if (t && t->len >= nw && memcmp(&t->w[t->len - nw], w, nw * sizeof(*w)) == 0)
        return;
    if (!t || t->cap - t->len < nw) {
        size_t bytes = CHUNK_MIN_BYTES;
        if (t) {
            size_t prev = sizeof(struct chunk) + t->cap * sizeof(uint32_t);
            bytes = prev * 4 > CHUNK_MAX_BYTES ? CHUNK_MAX_BYTES : prev * 4;
        }
        struct chunk *c = chunk_new(x, bytes);
        if (t)
            t->next = c;
        else
            l->head = c;
        l->tail = t = c;
    }
    memcpy(&t->w[t->len], w, nw * sizeof(*w));
    t->len += nw;
    l->n++;
    x->entries++;
}

static void list_free(struct expiry *x, struct list *l)
{
    struct chunk *c = l->head;
    while (c) {
        struct chunk *next = c->next;
        x_free(x, c);
        c = next;
    }
    x->entries -= l->n;
    memset(l, 0, sizeof(*l));
}

/* Move src's entries to the end of dst, leaving src empty. O(1). */
static void list_splice(struct list *dst, struct list *src)
{
    if (!src->head)
        return;
    if (dst->tail)
        dst->tail->next = src->head;
    else
        dst->head = src->head;
    dst->tail = src->tail;
    dst->n += src->n;
    memset(src, 0, sizeof(*src));
}

/* ---- task queues --------------------------------------------------------- */

static void queue_reserve(struct expiry *x, struct queue *q)
{
    if (q->n < q->cap)
        return;
    size_t cap = q->cap ? q->cap * 2 : 8;
    struct task *v = x_alloc(x, cap * sizeof(*v));
    if (q->n)
        memcpy(v, q->v, q->n * sizeof(*v));
    x_free(x, q->v);
    q->v = v;
    q->cap = cap;
}

/* Queue a task for the entries of l (taken over), keeping the queue in
 * order of lo. */
static void queue_push(struct expiry *x, struct queue *q, struct list *l, enum task_kind kind,
                       int64_t lo, int64_t hi, int64_t since_ms)
{
    if (!l->head)
        return;
    queue_reserve(x, q);
    size_t i = q->n;
    while (i > 0 && q->v[i - 1].lo > lo) {
        q->v[i] = q->v[i - 1];
        i--;
    }
    struct task *t = &q->v[i];
    memset(t, 0, sizeof(*t));
    list_splice(&t->l, l);
    t->kind = (uint8_t)kind;
    t->lo = lo;
    t->hi = hi;
    t->since_ms = since_ms;
    q->n++;
}

static void queue_pop_front(struct expiry *x, struct queue *q)
{
    x_free(x, q->v[0].seen.v);
    q->n--;
    memmove(&q->v[0], &q->v[1], q->n * sizeof(q->v[0]));
}

static void queue_free(struct expiry *x, struct queue *q)
{
    for (size_t i = 0; i < q->n; i++) {
        list_free(x, &q->v[i].l);
        x_free(x, q->v[i].seen.v);
    }
    x_free(x, q->v);
    memset(q, 0, sizeof(*q));
}

/* ---- placement ----------------------------------------------------------- */

#define PLACE_PENDING (-1)
#define PLACE_OVERFLOW LEVELS

static unsigned level_shift(int k)
{
    return (unsigned)(LEVEL_BITS * k);
}

/* Level (or PLACE_PENDING / PLACE_OVERFLOW) and absolute slot for expiry t
 * (ms, clamped at 0). */
static int place(const struct expiry *x, int64_t t, uint64_t *slot)
{
    uint64_t u = t < 0 ? 0 : (uint64_t)t;
    *slot = u;
    if (u < x->cur)
        return PLACE_PENDING;
    for (int k = 0; k < LEVELS; k++) {
        uint64_t s = u >> level_shift(k);
        if (s - (x->cur >> level_shift(k)) < RING_SLOTS) {
            *slot = s;
            return k;
        }
    }
    return PLACE_OVERFLOW;
}

static void ring_append(struct expiry *x, int k, uint64_t slot, const uint32_t *w, uint32_t nw)
{
    unsigned idx = (unsigned)(slot & (RING_SLOTS - 1));
    list_append(x, &x->ring[k][idx], w, nw);
    x->nonempty[k][idx / 64] |= UINT64_C(1) << (idx % 64);
}

void expiry_add(struct expiry *x, uint32_t hash, int64_t expire_ms)
{
    uint64_t slot;
    int k = place(x, expire_ms, &slot);
    if (k == PLACE_PENDING) {
        list_append(x, x->in_due ? &x->deferred : &x->pending, &hash, 1);
    } else if (k == PLACE_OVERFLOW) {
        list_append(x, &x->overflow, &hash, 1);
    } else if (k == EXACT_LEVEL) {
        uint32_t w[2] = {hash, (uint32_t)expire_ms};
        ring_append(x, k, slot, w, 2);
    } else {
        ring_append(x, k, slot, &hash, 1);
    }
}

int expiry_covers(const struct expiry *x, int64_t old_ms, int64_t new_ms)
{
    uint64_t a, b;
    int ka = place(x, old_ms, &a);
    int kb = place(x, new_ms, &b);
    if (ka != kb)
        return 0;
    if (ka == PLACE_OVERFLOW)
        return 1;
    return ka > EXACT_LEVEL && a == b;
}

/* ---- detaching slots ------------------------------------------------------- */

/* Take ring slot idx of level k out of the wheel into *into. */
static void ring_take(struct expiry *x, int k, unsigned idx, struct list *into)
{
    list_splice(into, &x->ring[k][idx]);
    x->nonempty[k][idx / 64] &= ~(UINT64_C(1) << (idx % 64));
}

static int ring_is_set(const struct expiry *x, int k, unsigned idx)
{
    return (x->nonempty[k][idx / 64] >> (idx % 64)) & 1;
}

/* Detach the level-0 slots [from, to) into one due task. A span of a whole
 * ring or more takes every non-empty slot. */
static void detach_level0(struct expiry *x, uint64_t from, uint64_t to, int64_t now_ms)
{
    struct list l = {0};
    uint64_t span = to - from < RING_SLOTS ? to - from : RING_SLOTS;
    for (uint64_t i = 0; i < span; i++) {
        unsigned idx = (unsigned)((from + i) & (RING_SLOTS - 1));
        if (ring_is_set(x, 0, idx))
            ring_take(x, 0, idx, &l);
    }
    queue_push(x, &x->due, &l, TASK_DUE, (int64_t)from, (int64_t)to, now_ms);
}

/* Slot s of level k >= 1 becomes a cascade task. */
static void detach_upper(struct expiry *x, int k, uint64_t s)
{
    unsigned idx = (unsigned)(s & (RING_SLOTS - 1));
    if (!ring_is_set(x, k, idx))
        return;
    struct list l = {0};
    ring_take(x, k, idx, &l);
    int64_t lo = (int64_t)(s << level_shift(k));
    int64_t hi = (int64_t)((s + 1) << level_shift(k));
    queue_push(x, &x->cascade, &l, k == EXACT_LEVEL ? TASK_EXACT : TASK_LOOKUP, lo, hi, 0);
}

/* Level k >= 1 moves from slot co to cn: slots co + 2 .. cn + 1 are due for
 * cascading. The ring held slots co + 2 .. co + 127, so a long jump takes
 * all of them. */
static void detach_level(struct expiry *x, int k, uint64_t co, uint64_t cn)
{
    uint64_t first = co + 2, last = cn + 1;
    if (last - first + 1 >= RING_SLOTS) {
        for (unsigned idx = 0; idx < RING_SLOTS; idx++)
            if (ring_is_set(x, k, idx))
                detach_upper(x, k, first + ((idx - first) & (RING_SLOTS - 1)));
        return;
    }
    for (uint64_t s = first; s <= last; s++)
        detach_upper(x, k, s);
}

/* The wall clock stepped back far (an operator or NTP set it): keys
 * written now expire behind cur and would be looked at on every run until
 * the clock catches up. Instead the wheel starts over at now_ms: every slot
 * and list becomes a task that re-adds its keys against the new position
 * (absolute ranges stay right whatever cur is). Work proportional to the
 * entries, done by the following runs within their budgets. */
static void rewind_to(struct expiry *x, int64_t now_ms)
{
    for (int k = 0; k < LEVELS; k++) {
        uint64_t c = x->cur >> level_shift(k);
        uint64_t first = k == 0 ? c : c + 2; /* the ring holds first .. c + 127 */
        for (unsigned idx = 0; idx < RING_SLOTS; idx++) {
            if (!ring_is_set(x, k, idx))
                continue;
            uint64_t slot = first + ((idx - first) & (RING_SLOTS - 1));
            struct list l = {0};
            ring_take(x, k, idx, &l);
            queue_push(x, &x->cascade, &l, k == EXACT_LEVEL ? TASK_EXACT : TASK_LOOKUP,
                       (int64_t)(slot << level_shift(k)),
                       (int64_t)((slot + 1) << level_shift(k)), 0);
        }
    }
    queue_push(x, &x->cascade, &x->overflow, TASK_LOOKUP, 0, INT64_MAX, 0);
    queue_push(x, &x->cascade, &x->pending, TASK_LOOKUP, 0, INT64_MAX, 0);
    queue_push(x, &x->cascade, &x->deferred, TASK_LOOKUP, 0, INT64_MAX, 0);
    x->cur = (uint64_t)now_ms + 1;
}

/* Move cur to now_ms + 1: everything due by now_ms leaves the wheel. */
static void advance(struct expiry *x, int64_t now_ms)
{
    if (now_ms < 0)
        return;
    uint64_t o = x->cur, n = (uint64_t)now_ms + 1;
    if (n + REWIND_MS < o) {
        rewind_to(x, now_ms);
        return;
    }
    if (n <= o)
        return;
    detach_level0(x, o, n, now_ms);
    for (int k = 1; k < LEVELS; k++) {
        uint64_t co = o >> level_shift(k), cn = n >> level_shift(k);
        if (co == cn)
            break;
        detach_level(x, k, co, cn);
        if (k == LEVELS - 1)
            queue_push(x, &x->cascade, &x->overflow, TASK_LOOKUP, 0, INT64_MAX, 0);
    }
    x->cur = n;
}

/* ---- processing ------------------------------------------------------------ */

/* The front task's next entry into w; 0 when the task is finished (its
 * chunks are freed as they are used up). */
static int task_next(struct expiry *x, struct task *t, uint32_t *w, uint32_t nw)
{
    while (t->l.head && t->pos >= t->l.head->len) {
        struct chunk *done = t->l.head;
        t->l.head = done->next;
        if (!t->l.head)
            t->l.tail = NULL;
        x_free(x, done);
        t->pos = 0;
    }
    if (!t->l.head)
        return 0;
    memcpy(w, &t->l.head->w[t->pos], nw * sizeof(*w));
    t->pos += nw;
    t->l.n--;
    x->entries--;
    return 1;
}

/* Rebuild an exact entry's expiry from its low 32 bits and the slot start. */
static int64_t exact_time(int64_t lo, uint32_t low32)
{
    return lo + (int64_t)(uint32_t)(low32 - (uint32_t)lo);
}

/* Whether task t has visited hash already; records it if not (and the set
 * has room). The set is sized for the task's entries when first used. */
static int seen_check(struct expiry *x, struct task *t, uint32_t hash)
{
    struct seen_set *ss = &t->seen;
    if (hash == 0) {
        int was = ss->zero;
        ss->zero = 1;
        return was;
    }
    if (!ss->v) {
        size_t want = SEEN_MIN_SLOTS;
        while (want < 2 * (t->l.n + 1) && want < SEEN_MAX_SLOTS)
            want <<= 1;
        ss->v = mem_calloc(want, sizeof(uint32_t));
        x->bytes += mem_block_size(ss->v);
        ss->mask = (uint32_t)(want - 1);
    }
    for (uint32_t i = (hash * UINT32_C(0x9e3779b1)) & ss->mask;; i = (i + 1) & ss->mask) {
        if (ss->v[i] == hash)
            return 1;
        if (ss->v[i] == 0) {
            if (ss->n < ss->mask / 4 * 3) {
                ss->v[i] = hash;
                ss->n++;
            }
            return 0;
        }
    }
}

/* Process one entry of task t (of queue q, at its front); returns 0 and
 * drops the task when it has none left. */
static int task_step(struct expiry *x, struct queue *q, expiry_visit_fn visit, void *ctx)
{
    struct task *t = &q->v[0];
    uint32_t w[2];
    int exact = t->kind == TASK_EXACT;
    if (!task_next(x, t, w, exact ? 2 : 1)) {
        queue_pop_front(x, q);
        return 0;
    }
    x->processed++;
    if (exact) {
        x->cascaded++;
        expiry_add(x, w[0], exact_time(t->lo, w[1]));
    } else if (t->kind == TASK_DUE) {
        x->in_due = 1;
        visit(ctx, w[0], t->lo, t->hi);
        x->in_due = 0;
    } else if (!seen_check(x, t, w[0])) {
        /* One visit re-adds every item of the hash: later entries of the
         * same hash in this task would only duplicate them. Items written
         * meanwhile have entries of their own elsewhere. */
        x->cascaded++;
        visit(ctx, w[0], t->lo, t->hi);
    }
    return 1;
}

/* The next compaction slot, detached as a cascade task; ends the round
 * after the overflow list. */
static void compact_next(struct expiry *x)
{
    while (x->compact_level < LEVELS) {
        int k = (int)x->compact_level;
        unsigned idx = x->compact_idx++;
        if (x->compact_idx == RING_SLOTS) {
            x->compact_idx = 0;
            x->compact_level++;
        }
        if (ring_is_set(x, k, idx)) {
            /* The slot's absolute number: the ring holds slots
             * c + 2 .. c + 127 of this level. */
            uint64_t first = (x->cur >> level_shift(k)) + 2;
            detach_upper(x, k, first + ((idx - first) & (RING_SLOTS - 1)));
            return;
        }
    }
    queue_push(x, &x->cascade, &x->overflow, TASK_LOOKUP, 0, INT64_MAX, 0);
    x->compacting = 0;
    x->compact_floor = x->entries;
}

void expiry_maybe_compact(struct expiry *x, size_t live)
{
    if (x->compacting || x->entries <= 2 * live + COMPACT_MIN_STALE ||
        x->entries <= 2 * x->compact_floor)
        return;
    x->compacting = 1;
    x->compact_level = EXACT_LEVEL + 1;
    x->compact_idx = 0;
    x->compactions++;
}

/* The queue to take the next entry from, or NULL when nothing is left:
 * cascades that are about to come due, then due entries, then the pending
 * list (as a due task), then the remaining cascades, then compaction. */
static struct queue *next_queue(struct expiry *x, int64_t now_ms)
{
    if (x->cascade.n && x->cascade.v[0].lo <= now_ms + URGENT_AHEAD_MS)
        return &x->cascade;
    if (x->due.n)
        return &x->due;
    if (x->pending.head) {
        queue_push(x, &x->due, &x->pending, TASK_DUE, 0, (int64_t)x->cur, now_ms);
        return &x->due;
    }
    if (x->cascade.n)
        return &x->cascade;
    if (x->compacting) {
        compact_next(x);
        if (x->cascade.n)
            return &x->cascade;
    }
    return NULL;
}

size_t expiry_run(struct expiry *x, int64_t now_ms, int64_t deadline_us, expiry_visit_fn visit,
                  void *ctx, int *more)
{
    x->last_now_ms = now_ms;
    advance(x, now_ms);
    list_splice(&x->pending, &x->deferred);
    size_t done = 0;
    struct queue *q;
    while ((q = next_queue(x, now_ms)) != NULL) {
        if (done >= EXPIRY_MIN_ENTRIES && done % CLOCK_EVERY == 0 &&
            clock_mono_us() >= deadline_us) {
            if (more)
                *more = 1;
            return done;
        }
        done += (size_t)task_step(x, q, visit, ctx);
    }
    if (more)
        *more = 0;
    return done;
}

/* ---- lifetime and figures ---------------------------------------------------- */

struct expiry *expiry_create(int64_t now_ms)
{
    struct expiry *x = mem_calloc(1, sizeof(*x));
    x->bytes = mem_block_size(x);
    x->cur = now_ms < 0 ? 0 : (uint64_t)now_ms;
    x->last_now_ms = now_ms;
    return x;
}

void expiry_destroy(struct expiry *x)
{
    if (!x)
        return;
    for (int k = 0; k < LEVELS; k++)
        for (unsigned i = 0; i < RING_SLOTS; i++)
            list_free(x, &x->ring[k][i]);
    list_free(x, &x->overflow);
    list_free(x, &x->pending);
    list_free(x, &x->deferred);
    queue_free(x, &x->due);
    queue_free(x, &x->cascade);
    mem_free(x);
}

size_t expiry_bytes(const struct expiry *x)
{
    return x->bytes;
}

void expiry_get_stats(const struct expiry *x, struct expiry_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->entries = x->entries;
    out->bytes = x->bytes;
    out->due_backlog = x->pending.n + x->deferred.n;
    for (size_t i = 0; i < x->due.n; i++)
        out->due_backlog += x->due.v[i].l.n;
    if (x->due.n && x->last_now_ms > x->due.v[0].since_ms)
        out->lag_ms = x->last_now_ms - x->due.v[0].since_ms;
    out->processed = x->processed;
    out->cascaded = x->cascaded;
    out->compactions = x->compactions;
}
