/* htab: chained hash table of byte-string entries with incremental resize;
 * see include/tidecache/htab.h.
 *
 * The layout follows the key table's (src/data/store.c) for the same
 * reason: density. An entry is the chain pointer, the key length as a
 * varint (1 byte below 128), the key and the owner's bytes; no cached
 * hash (a resize recomputes it). */
#include "tidecache/htab.h"

#include "tidecache/cursor.h"
#include "tidecache/hash.h"
#include "tidecache/mem.h"
#include "tidecache/varint.h"

#include <string.h>

struct hentry {
    struct hentry *next;
    unsigned char data[]; /* varint key length, key, owner's bytes */
};

#define HTAB_MIN_BUCKETS 4        /* never shrink below this */
#define HTAB_SHRINK_BELOW 8       /* shrink when entries < buckets / this */
#define HTAB_MAX_FACTOR 16        /* one resize changes the size by at most this */
#define HTAB_EMPTY_VISITS 10      /* empty buckets visited per bucket moved */

struct htab {
    struct hentry **b[2]; /* b[1] != NULL while a resize is in progress */
    size_t mask[2];
    size_t rehash_idx;    /* buckets of b[0] below this have been moved */
    size_t count;
    size_t *account;
    void *side; /* the owner's side block (htab_side), or NULL */
};

/* ---- accounting ---------------------------------------------------------- */

static void *counted_alloc(struct htab *h, size_t bytes)
{
    void *p = mem_alloc(bytes);
    *h->account += mem_block_size(p);
    return p;
}

static void *counted_calloc(struct htab *h, size_t n, size_t size)
{
    void *p = mem_calloc(n, size);
    *h->account += mem_block_size(p);
    return p;
}

static void counted_free(struct htab *h, void *p)
{
    *h->account -= mem_block_size(p);
    mem_free(p);
}

/* ---- entries ------------------------------------------------------------- */

const char *hentry_key(const struct hentry *e, size_t *klen)
{
    size_t n = varint_get(e->data, klen);
    return (const char *)e->data + n;
}

unsigned char *hentry_extra(struct hentry *e)
{
    size_t klen;
    const char *k = hentry_key(e, &klen);
    return (unsigned char *)k + klen;
}

static uint64_t hentry_hash(const struct hentry *e)
{
    size_t klen;
    const char *k = hentry_key(e, &klen);
    return hash_bytes(k, klen);
}

static int hentry_is(const struct hentry *e, const char *key, size_t klen)
{
    size_t len;
    const char *k = hentry_key(e, &len);
    return len == klen && memcmp(k, key, klen) == 0;
}

/* ---- the table ----------------------------------------------------------- */

struct htab *htab_create(size_t *account)
{
    struct htab *h = mem_calloc(1, sizeof *h);
    h->account = account;
    *account += mem_block_size(h);
    h->b[0] = counted_calloc(h, HTAB_MIN_BUCKETS, sizeof *h->b[0]);
    h->mask[0] = HTAB_MIN_BUCKETS - 1;
    return h;
}

void htab_destroy(struct htab *h)
{
    if (h)
        while (!htab_free_some(h, SIZE_MAX))
            ;
}

int htab_free_some(struct htab *h, size_t max_entries)
{
    htab_side_resize(h, 0);
    for (int t = 0; t < 2; t++) {
        if (!h->b[t])
            continue;
        size_t from = t == 0 && h->b[1] ? h->rehash_idx : 0;
        for (size_t i = from; i <= h->mask[t]; i++) {
            while (h->b[t][i]) {
                if (max_entries == 0)
                    return 0;
                struct hentry *e = h->b[t][i];
                h->b[t][i] = e->next;
                counted_free(h, e);
                h->count--;
                max_entries--;
            }
        }
    }
    for (int t = 0; t < 2; t++)
        if (h->b[t])
            counted_free(h, h->b[t]);
    *h->account -= mem_block_size(h);
    mem_free(h);
    return 1;
}

void *htab_side(const struct htab *h)
{
    return h->side;
}

void *htab_side_resize(struct htab *h, size_t bytes)
{
    size_t old = h->side ? mem_block_size(h->side) : 0;
    if (bytes == 0) {
        mem_free(h->side);
        h->side = NULL;
    } else {
        h->side = mem_realloc(h->side, bytes);
    }
    *h->account = *h->account - old + (h->side ? mem_block_size(h->side) : 0);
    return h->side;
}

void htab_rebind(struct htab *h, size_t *account)
{
    size_t bytes = htab_recount(h);
    *h->account -= bytes;
    *account += bytes;
    h->account = account;
}

size_t htab_count(const struct htab *h)
{
    return h->count;
}

static int resizing(const struct htab *h)
{
    return h->b[1] != NULL;
}

static size_t size_for(size_t count)
{
    size_t n = HTAB_MIN_BUCKETS;
    while (n <= count)
        n <<= 1;
    return n;
}

/* Move up to one non-empty bucket of b[0] into b[1] (visiting at most
 * HTAB_EMPTY_VISITS empty ones on the way), and finish the resize when b[0]
 * is exhausted: the per-operation share of a resize. */
static void rehash_step(struct htab *h)
{
    if (!resizing(h))
        return;
    for (size_t empty = 0; h->rehash_idx <= h->mask[0];) {
        struct hentry *e = h->b[0][h->rehash_idx];
        h->b[0][h->rehash_idx++] = NULL;
        if (!e) {
            if (++empty >= HTAB_EMPTY_VISITS)
                break;
            continue;
        }
        while (e) {
            struct hentry *next = e->next;
            struct hentry **slot = &h->b[1][hentry_hash(e) & h->mask[1]];
            e->next = *slot;
            *slot = e;
            e = next;
        }
        break;
    }
    if (h->rehash_idx > h->mask[0]) {
        counted_free(h, h->b[0]);
        h->b[0] = h->b[1];
        h->mask[0] = h->mask[1];
        h->b[1] = NULL;
        h->mask[1] = 0;
    }
}

/* Start a resize when the count has left [buckets / HTAB_SHRINK_BELOW,
 * buckets): O(1), the move happens a bucket per operation. A resize changes
 * the size by at most HTAB_MAX_FACTOR, which bounds the buckets one scan
 * step visits during it. */
static void maybe_resize(struct htab *h)
{
    if (resizing(h))
        return;
    size_t buckets = h->mask[0] + 1, want;
    if (h->count >= buckets) {
        want = size_for(h->count);
        if (want / buckets > HTAB_MAX_FACTOR)
            want = buckets * HTAB_MAX_FACTOR;
    } else if (buckets > HTAB_MIN_BUCKETS && h->count < buckets / HTAB_SHRINK_BELOW) {
        want = size_for(h->count);
        if (buckets / want > HTAB_MAX_FACTOR)
            want = buckets / HTAB_MAX_FACTOR;
    } else {
        return;
    }
    h->b[1] = counted_calloc(h, want, sizeof *h->b[1]);
    h->mask[1] = want - 1;
    h->rehash_idx = 0;
}

/* The link (bucket slot or predecessor's next) pointing at the entry with
 * this key, or NULL. */
static struct hentry **find_link(const struct htab *h, const char *key, size_t klen, uint64_t hv)
{
    for (int t = 0; t < 2 && h->b[t]; t++) {
        struct hentry **link = &h->b[t][hv & h->mask[t]];
        for (; *link; link = &(*link)->next)
            if (hentry_is(*link, key, klen))
                return link;
    }
    return NULL;
}

/* No resize work here: a find may run in the middle of a walk over the
 * same table (SINTER of a set with itself), which a moved bucket would
 * upset. Adds and deletes carry resizes forward. */
struct hentry *htab_find(const struct htab *h, const char *key, size_t klen)
{
    struct hentry **link = find_link(h, key, klen, hash_bytes(key, klen));
    return link ? *link : NULL;
}

struct hentry *htab_add(struct htab *h, const char *key, size_t klen, size_t extra)
{
    rehash_step(h);
    struct hentry *e = counted_alloc(h, sizeof *e + varint_len(klen) + klen + extra);
    size_t n = varint_put(e->data, klen);
    if (klen)
        memcpy(e->data + n, key, klen);
    h->count++;
    maybe_resize(h);
    int t = resizing(h) ? 1 : 0;
    struct hentry **slot = &h->b[t][hash_bytes(key, klen) & h->mask[t]];
    e->next = *slot;
    *slot = e;
    return e;
}

struct hentry *htab_resize_entry(struct htab *h, struct hentry *e, size_t extra)
{
    size_t klen;
    const char *k = hentry_key(e, &klen);
    struct hentry **link = find_link(h, k, klen, hash_bytes(k, klen));
    size_t old = mem_block_size(e);
    struct hentry *moved = mem_realloc(e, sizeof *e + varint_len(klen) + klen + extra);
    *h->account = *h->account - old + mem_block_size(moved);
    *link = moved;
    return moved;
}

int htab_delete(struct htab *h, const char *key, size_t klen)
{
    rehash_step(h);
    struct hentry **link = find_link(h, key, klen, hash_bytes(key, klen));
    if (!link)
        return 0;
    struct hentry *e = *link;
    *link = e->next;
    counted_free(h, e);
    h->count--;
    maybe_resize(h);
    return 1;
}

/* ---- walks ----------------------------------------------------------------- */

struct chain_walk {
    const struct htab *h;
    void (*fn)(void *ctx, const struct hentry *e);
    void *ctx;
};

static void walk_chain(void *ctx, int t, uint64_t bucket)
{
    struct chain_walk *w = ctx;
    for (const struct hentry *e = w->h->b[t][bucket]; e; e = e->next)
        w->fn(w->ctx, e);
}

/* Buckets of b[0] already moved by a resize are empty, so visiting them
 * reports nothing twice. */
uint64_t htab_scan(const struct htab *h, uint64_t cursor, size_t steps,
                   void (*fn)(void *ctx, const struct hentry *e), void *ctx)
{
    struct chain_walk w = {.h = h, .fn = fn, .ctx = ctx};
    const uint64_t mask[2] = {h->mask[0], h->mask[1]};
    if (steps == 0)
        steps = 1;
    do
        cursor = cursor_step(cursor, mask, resizing(h), walk_chain, &w);
    while (cursor != 0 && --steps > 0);
    return cursor;
}

void htab_iter_start(struct htab_iter *i, const struct htab *h)
{
    i->h = h;
    i->t = 0;
    i->bucket = 0;
    i->e = NULL;
}

/* Buckets of b[0] a resize has moved are empty: walking all of b[0] and
 * then b[1] meets every entry once. */
const struct hentry *htab_iter_next(struct htab_iter *i)
{
    if (i->e)
        i->e = i->e->next;
    while (!i->e) {
        if (i->t > 1 || !i->h->b[i->t])
            return NULL;
        if (i->bucket > i->h->mask[i->t]) {
            i->t++;
            i->bucket = 0;
            continue;
        }
        i->e = i->h->b[i->t][i->bucket++];
    }
    return i->e;
}

/* Fair draws: a random non-empty bucket alone would favour entries alone
 * in their bucket over those sharing one. A draw therefore picks a bucket
 * and a place in [0, max(chain length, HTAB_FAIR_CHAIN)), and starts over
 * when the place is past the chain: every entry in chains up to
 * HTAB_FAIR_CHAIN long (nearly all, at the table's load) is equally likely.
 *
 * Outside a resize a table holds at least one entry per HTAB_SHRINK_BELOW
 * buckets once the shrink it is due has run, so a few probes find an
 * entry; every empty probe also starts or advances that resize, which
 * bounds the loop. */
#define HTAB_FAIR_CHAIN 4

struct hentry *htab_random(struct htab *h, uint64_t (*rnd)(void))
{
    for (;;) {
        struct hentry *chain;
        uint64_t r = rnd();
        if (resizing(h)) {
            size_t n0 = h->mask[0] + 1 - h->rehash_idx;
            size_t idx = (size_t)(r % (n0 + h->mask[1] + 1));
            chain = idx < n0 ? h->b[0][h->rehash_idx + idx] : h->b[1][idx - n0];
        } else {
            chain = h->b[0][r & h->mask[0]];
        }
        if (!chain) {
            maybe_resize(h);
            rehash_step(h);
            continue;
        }
        size_t len = 0;
        for (struct hentry *e = chain; e; e = e->next)
            len++;
        /* the high bits: the low ones drew the bucket */
        size_t pick = (size_t)((r >> 32) % (len > HTAB_FAIR_CHAIN ? len : HTAB_FAIR_CHAIN));
        if (pick >= len)
            continue;
        while (pick-- > 0)
            chain = chain->next;
        return chain;
    }
}

/* Entries are copied block for block (the owner bytes' length is the
 * owner's to know, so the whole usable block is copied) into a table
 * already sized for them, so no resize runs while it fills. */
struct htab *htab_copy(const struct htab *h, size_t *account)
{
    struct htab *copy = mem_calloc(1, sizeof *copy);
    copy->account = account;
    *account += mem_block_size(copy);
    size_t buckets = size_for(h->count);
    copy->b[0] = counted_calloc(copy, buckets, sizeof *copy->b[0]);
    copy->mask[0] = buckets - 1;
    struct htab_iter i;
    htab_iter_start(&i, h);
    for (const struct hentry *e; (e = htab_iter_next(&i));) {
        size_t bytes = mem_block_size(e);
        struct hentry *dup = counted_alloc(copy, bytes);
        memcpy(dup, e, bytes);
        struct hentry **slot = &copy->b[0][hentry_hash(e) & copy->mask[0]];
        dup->next = *slot;
        *slot = dup;
    }
    copy->count = h->count;
    return copy;
}

/* ---- checks ------------------------------------------------------------------ */

size_t htab_memory_sampled(const struct htab *h, size_t samples)
{
    size_t bytes = mem_block_size(h) + (h->side ? mem_block_size(h->side) : 0);
    size_t seen = 0, entry_bytes = 0;
    for (int t = 0; t < 2; t++)
        if (h->b[t])
            bytes += mem_block_size(h->b[t]);
    struct htab_iter i;
    htab_iter_start(&i, h);
    for (const struct hentry *e; (samples == 0 || seen < samples) && (e = htab_iter_next(&i));) {
        entry_bytes += mem_block_size(e);
        seen++;
    }
    if (seen)
        bytes += seen == h->count ? entry_bytes : entry_bytes / seen * h->count;
    return bytes;
}

size_t htab_recount(const struct htab *h)
{
    size_t bytes = mem_block_size(h) + (h->side ? mem_block_size(h->side) : 0);
    for (int t = 0; t < 2; t++) {
        if (!h->b[t])
            continue;
        bytes += mem_block_size(h->b[t]);
        for (size_t i = 0; i <= h->mask[t]; i++)
            for (const struct hentry *e = h->b[t][i]; e; e = e->next)
                bytes += mem_block_size(e);
    }
    return bytes;
}

int htab_verify(const struct htab *h)
{
    size_t n = 0;
    for (int t = 0; t < 2; t++) {
        if (!h->b[t])
            continue;
        for (size_t i = 0; i <= h->mask[t]; i++) {
            for (const struct hentry *e = h->b[t][i]; e; e = e->next) {
                if (t == 0 && resizing(h) && i < h->rehash_idx)
                    return -1;
                if ((hentry_hash(e) & h->mask[t]) != i)
                    return -1;
                n++;
            }
        }
    }
    return n == h->count ? 0 : -1;
}
