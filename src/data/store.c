/* store: items, the incrementally resized key table, the expiry index and
 * lazy freeing; see include/tidecache/store.h.
 *
 * Density is the point of the item layout: one allocation per key, a 10-byte
 * header plus the fewest bytes that hold the value length, the 8-byte expiry
 * only for keys that have one, and no cached hash (a resize recomputes it;
 * SipHash of a short key costs less than the cache miss on the item). The
 * table is an array of item pointers chained through item->next, kept
 * between 1/8 and 1 item per bucket. Keys with an expiry are also indexed by
 * it (src/data/expiry.c): 4 bytes per key, by the low 32 bits of its hash. */
#include "tidecache/store.h"

#include "tidecache/clock.h"
#include "tidecache/cursor.h"
#include "tidecache/expiry.h"
#include "tidecache/hash.h"
#include "tidecache/mem.h"
#include "tidecache/object.h"
#include "tidecache/status.h"
#include "tidecache/varint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- items ------------------------------------------------------------ */

#define ITEM_F_EXPIRE 0x01u     /* an 8-byte expiry (Unix ms) follows the value length */
#define ITEM_F_VWIDTH_SHIFT 1   /* bits 1-2: the value length is stored in */
#define ITEM_F_VWIDTH_MASK 0x06u /* 1 << code bytes: 1, 2 or 4; code 3: an
                                    object (4 bytes, see below) */
#define ITEM_CODE_OBJECT 3u     /* the value is a tag byte and a payload */
#define ITEM_KLEN_BIG 255u      /* klen byte value: the key length is a uint32
                                   after the expiry (keys of 255+ bytes) */
#define EXPIRE_BYTES 8          /* size of the stored expiry */
#define BIGKLEN_BYTES 4         /* size of the stored long key length */

/* data[] holds, in order: value length (1, 2 or 4 bytes, the fewest that
 * hold it), [expiry, 8 bytes, if ITEM_F_EXPIRE], [key length, 4 bytes, if
 * klen == ITEM_KLEN_BIG], key, value, '\0'. The fields are unaligned and
 * read with memcpy. The '\0' after the value lets number parsing treat it as
 * a C string. A typical cache entry (11-byte key, 32-byte value, expiry)
 * takes 10 + 1 + 8 + 11 + 32 + 1 = 63 bytes: one 64-byte size class.
 *
 * A value of another type (include/tidecache/object.h) uses value-length
 * code 3: the length is a varint (1 byte up to 127, 2 up to 16383), the
 * value is the object's tag byte and its payload, and no '\0' follows, so
 * that a small set or hash packs as tightly as a string and strings pay
 * nothing for the other types. */
struct item {
    struct item *next; /* bucket chain */
    uint8_t flags;     /* ITEM_F_* */
    uint8_t klen;      /* key bytes, or ITEM_KLEN_BIG */
    unsigned char data[];
};

#define ITEM_HEADER_BYTES offsetof(struct item, data)

/* Code of the value-length field: for a string the narrowest (0, 1, 2)
 * that holds vlen; for an object ITEM_CODE_OBJECT. */
static unsigned vwidth_code(size_t vlen, int object)
{
    if (object)
        return ITEM_CODE_OBJECT;
    return vlen <= UINT8_MAX ? 0 : vlen <= UINT16_MAX ? 1 : 2;
}

static unsigned item_code(const struct item *it)
{
    return (it->flags & ITEM_F_VWIDTH_MASK) >> ITEM_F_VWIDTH_SHIFT;
}

static int item_is_object(const struct item *it)
{
    return item_code(it) == ITEM_CODE_OBJECT;
}

/* Bytes of the value-length field of a value of vlen bytes. */
static size_t vlen_width(size_t vlen, int object)
{
    return object ? varint_len(vlen) : (size_t)1 << vwidth_code(vlen, 0);
}

/* The same, read from an item: 1 << code for a string, the varint's
 * length for an object. */
static size_t item_vwidth(const struct item *it)
{
    unsigned code = item_code(it);
    if (code != ITEM_CODE_OBJECT)
        return (size_t)1 << code;
    size_t n = 1;
    while (it->data[n - 1] & 0x80)
        n++;
    return n;
}

static size_t item_expire_bytes(const struct item *it)
{
    return (it->flags & ITEM_F_EXPIRE) ? EXPIRE_BYTES : 0;
}

static unsigned char *item_key_ptr(const struct item *it)
{
    size_t off = item_vwidth(it) + item_expire_bytes(it) +
                 (it->klen == ITEM_KLEN_BIG ? BIGKLEN_BYTES : 0);
    return (unsigned char *)it->data + off;
}

size_t item_key_len(const struct item *it)
{
    if (it->klen != ITEM_KLEN_BIG)
        return it->klen;
    uint32_t klen;
    memcpy(&klen, it->data + item_vwidth(it) + item_expire_bytes(it), sizeof(klen));
    return klen;
}

const char *item_key(const struct item *it)
{
    return (const char *)item_key_ptr(it);
}

const char *item_value(const struct item *it)
{
    return (const char *)item_key_ptr(it) + item_key_len(it);
}

size_t item_value_len(const struct item *it)
{
    switch (item_code(it)) {
    case 0:
        return it->data[0];
    case 1: {
        uint16_t v;
        memcpy(&v, it->data, sizeof(v));
        return v;
    }
    case 2: {
        uint32_t v;
        memcpy(&v, it->data, sizeof(v));
        return v;
    }
    default: {
        size_t v;
        varint_get(it->data, &v);
        return v;
    }
    }
}

int64_t item_expire_ms(const struct item *it)
{
    if (!(it->flags & ITEM_F_EXPIRE))
        return 0;
    int64_t ms;
    memcpy(&ms, it->data + item_vwidth(it), sizeof(ms));
    return ms;
}

static void item_write_expire(struct item *it, int64_t expire_ms)
{
    memcpy(it->data + item_vwidth(it), &expire_ms, sizeof(expire_ms));
}

/* Whether the item's expiry has passed at now_ms. */
static int item_expired(const struct item *it, int64_t now_ms)
{
    return (it->flags & ITEM_F_EXPIRE) && item_expire_ms(it) <= now_ms;
}

/* The same against the cached clock, read only for items with an expiry. */
static int item_expired_now(const struct item *it)
{
    return (it->flags & ITEM_F_EXPIRE) && item_expire_ms(it) <= clock_now_ms();
}

static int item_key_equals(const struct item *it, const char *key, size_t klen)
{
    if (klen < ITEM_KLEN_BIG) {
        if (it->klen != klen)
            return 0;
    } else if (it->klen != ITEM_KLEN_BIG || item_key_len(it) != klen) {
        return 0;
    }
    return memcmp(item_key_ptr(it), key, klen) == 0;
}

static uint64_t item_hash(const struct item *it)
{
    return hash_bytes(item_key_ptr(it), item_key_len(it));
}

/* Bytes to request for an item; never less than the struct itself so every
 * member access stays inside the block. */
static size_t item_alloc_size(size_t klen, size_t vlen, int has_expire, int object)
{
    size_t n = ITEM_HEADER_BYTES + vlen_width(vlen, object) + (has_expire ? EXPIRE_BYTES : 0) +
               (klen >= ITEM_KLEN_BIG ? BIGKLEN_BYTES : 0) + klen + vlen + (object ? 0 : 1);
    return n < sizeof(struct item) ? sizeof(struct item) : n;
}

/* Lengths are stored in 32 bits; the protocol's limits keep real input far
 * below, so a longer one is a caller bug, not a client error. */
static void item_check_lengths(size_t klen, size_t vlen)
{
    if (klen > UINT32_MAX || vlen > UINT32_MAX) {
        fprintf(stderr, "tidecache: store item too large (key %zu, value %zu bytes)\n", klen,
                vlen);
        abort();
    }
}

/* Store vlen in the value-length field, whose width the flags already
 * give. */
static void item_write_vlen(struct item *it, size_t vlen)
{
    if (item_code(it) == ITEM_CODE_OBJECT) {
        varint_put(it->data, vlen);
    } else if (item_vwidth(it) == 1) {
        it->data[0] = (unsigned char)vlen;
    } else if (item_vwidth(it) == 2) {
        uint16_t v = (uint16_t)vlen;
        memcpy(it->data, &v, sizeof(v));
    } else {
        uint32_t v = (uint32_t)vlen;
        memcpy(it->data, &v, sizeof(v));
    }
}

/* Write the header, the expiry and the key of a freshly allocated item;
 * the caller copies the value. Returns where the value goes. */
static unsigned char *item_fill_key(struct item *it, const char *key, size_t klen, size_t vlen,
                                    int64_t expire_ms, int object)
{
    it->next = NULL;
    it->flags = (uint8_t)((expire_ms ? ITEM_F_EXPIRE : 0) |
                          (vwidth_code(vlen, object) << ITEM_F_VWIDTH_SHIFT));
    item_write_vlen(it, vlen);
    unsigned char *p = it->data + item_vwidth(it);
    if (expire_ms) {
        memcpy(p, &expire_ms, sizeof(expire_ms));
        p += EXPIRE_BYTES;
    }
    if (klen >= ITEM_KLEN_BIG) {
        uint32_t k32 = (uint32_t)klen;
        it->klen = ITEM_KLEN_BIG;
        memcpy(p, &k32, sizeof(k32));
        p += BIGKLEN_BYTES;
    } else {
        it->klen = (uint8_t)klen;
    }
    if (klen)
        memcpy(p, key, klen);
    return p + klen;
}

/* ---- access field (eviction) -------------------------------------------
 * The flag bits above the value-length code hold a 5-bit access field for
 * the eviction policies (src/data/evict.c), so that LRU and LFU cost no byte per
 * key. Its meaning is global (store_set_access_mode): a referenced bit for
 * the CLOCK algorithm (LRU policies), or a logarithmic access counter
 * (LFU policies). Items are marked here, on lookups and overwrites; the
 * eviction hand reads, clears and decays the field. */

#define ITEM_F_ACCESS_SHIFT 3     /* bits 3-7: the access field */
#define ITEM_F_ACCESS_MASK 0xf8u

static enum store_access_mode access_mode = STORE_ACCESS_LRU;
static unsigned lfu_log_factor = 10;          /* Redis's lfu-log-factor */
static int touching = 1;                      /* lookups mark items */
static uint64_t lfu_rng = UINT64_C(0x2545f4914f6cdd1d); /* xorshift64 state */

unsigned item_access(const struct item *it)
{
    return (it->flags & ITEM_F_ACCESS_MASK) >> ITEM_F_ACCESS_SHIFT;
}

void item_set_access(struct item *it, unsigned v)
{
    if (v > STORE_ACCESS_MAX)
        v = STORE_ACCESS_MAX;
    it->flags = (uint8_t)((it->flags & ~ITEM_F_ACCESS_MASK) | (v << ITEM_F_ACCESS_SHIFT));
}

void store_set_access_mode(enum store_access_mode mode, unsigned log_factor)
{
    access_mode = mode;
    lfu_log_factor = log_factor;
}

void store_set_touching(int on)
{
    touching = on;
}

int store_touching(void)
{
    return touching;
}

static store_write_hook *write_hook; /* WATCH's, while keys are watched */

void store_set_write_hook(store_write_hook *fn)
{
    write_hook = fn;
}

static void signal_write(struct store *s, const char *key, size_t klen, int expired)
{
    if (write_hook)
        write_hook(s, key, klen, expired);
}

static void signal_item_write(struct store *s, const struct item *it, int expired)
{
    if (write_hook)
        write_hook(s, item_key(it), item_key_len(it), expired);
}

void store_note_write(struct store *s, const struct item *it)
{
    signal_item_write(s, it, 0);
}

static size_t memory_limit; /* bytes; 0: no cap */

void store_set_memory_limit(size_t bytes)
{
    memory_limit = bytes;
}

/* Whether a table of `buckets` holding `count` items (of store_bytes in
 * all) should wait before growing: under a memory cap, while it holds fewer
 * than STORE_CAPPED_MAX_LOAD items per bucket and would still hold fewer
 * when memory reaches the cap at the store's average bytes per item, so the
 * larger array would only take the place of keys. */
static int growth_deferred(size_t count, size_t store_bytes, size_t buckets)
{
    size_t most = buckets * STORE_CAPPED_MAX_LOAD;
    if (!memory_limit || count == 0 || count >= most)
        return 0;
    size_t used = mem_used();
    size_t room = memory_limit > used ? memory_limit - used : 0;
    size_t per_item = store_bytes / count ? store_bytes / count : 1;
    return count + room / per_item < most;
}

/* The field of a new key: unreferenced under LRU (a key must be read again
 * to outlive keys written once, as in a segmented LRU's probation), Redis's
 * starting count under LFU so that a new key is not the first to go. */
static void item_access_init(struct item *it)
{
    if (access_mode == STORE_ACCESS_LFU)
        item_set_access(it, STORE_LFU_INIT);
}

/* Mark an access. LRU: set the referenced bit, writing only when it is
 * clear (a hit then dirties no cache line). LFU: Redis's logarithmic
 * increment, taken with probability 1 / ((count - init) * factor + 1), so
 * the 31 steps span about factor * 450 accesses. */
static void item_touch(struct item *it)
{
    if (!touching)
        return;
    unsigned v = item_access(it);
    if (access_mode == STORE_ACCESS_LRU) {
        if (v == 0)
            item_set_access(it, 1);
        return;
    }
    if (v >= STORE_ACCESS_MAX)
        return;
    uint64_t above = v > STORE_LFU_INIT ? v - STORE_LFU_INIT : 0;
    lfu_rng ^= lfu_rng << 13;
    lfu_rng ^= lfu_rng >> 7;
    lfu_rng ^= lfu_rng << 17;
    if (above == 0 || lfu_rng % (above * lfu_log_factor + 1) == 0)
        item_set_access(it, v + 1);
}

/* ---- the store -------------------------------------------------------- */

/* One bucket array; mask + 1 buckets (a power of two), or buckets == NULL
 * for the unused second table. */
struct table {
    struct item **buckets;
    size_t mask;
};

#define TABLE_MIN_BUCKETS 4      /* never shrink below this */
#define RESIZE_MAX_FACTOR 16      /* one resize changes the size by at most
                                     this factor; see maybe_resize */
#define SHRINK_BELOW_PER_BUCKET 8 /* shrink when items < buckets / this */
#define REHASH_OP_BUCKETS 1       /* non-empty buckets moved per operation */
#define REHASH_EMPTY_VISITS 10    /* empty buckets visited per bucket to move */
#define REHASH_CLOCK_BUCKETS 128  /* buckets moved between clock reads */
#define TABLE_MAX_BUCKETS (UINT64_C(1) << 32) /* the expiry index keeps 32 bits
                                                 of each key's hash */
#define LAZYFREE_SYNC_ITEMS 8192  /* a flush of at most this many items frees
                                     them at once (well under 1 ms) */
#define LAZYFREE_CLOCK_BUCKETS 256 /* buckets visited and blocks freed
                                      between clock reads */
#define TABLE_MAP_MIN_BUCKETS (1u << 18) /* arrays from 2 MiB up are mapped
                                            and given back in pieces */
#define UNMAP_PIECE_BYTES (1u << 20) /* given back per clock read (~0.1 ms) */
#define LAZYFREE_VALUE_ENTRIES 1024 /* a deleted value of more entries than
                                       this is freed by the lazy-free step */
#define LAZYFREE_VALUE_PIECE 1024   /* entries of it freed per clock read */

/* A mapped bucket array being given back to the system a piece at a time:
 * one munmap of 128 MiB would hold the event loop for tens of ms. */
struct unmap_job {
    unsigned char *p;
    size_t len; /* bytes still mapped from p */
    struct unmap_job *next;
};

/* A deleted value too large to free on the request path, freed a little
 * per tick. */
struct dead_value {
    void *ptr;
    unsigned char tag;
    struct dead_value *next;
};

/* Tables of a flushed keyspace, freed a little per tick. */
struct graveyard {
    struct table t[2];
    size_t idx;             /* next bucket of t[0] to free (t[0] emptied first) */
    struct graveyard *next;
};

/* While t[1].buckets != NULL a resize is in progress: buckets of t[0] below
 * rehash_idx have been moved (and are empty), new items go to t[1]. */
struct store {
    struct table t[2];
    size_t rehash_idx;
    size_t count;          /* items stored, expired ones included */
    size_t expires;        /* items with an expiry */
    __int128 expire_sum_ms; /* sum of the expiry times of those items, for
                               avg_ttl; 128 bits since 1e8 keys times 1.7e12
                               ms would overflow 64 */
    uint64_t expired_total;
    size_t deadline_items; /* items whose value holds entries with an expiry
                              of their own (object_deadline) */
    uint64_t expired_fields; /* such entries removed as expired */
    size_t mem_bytes;      /* allocator's size of items, bucket arrays and
                              flushed tables not yet freed */
    struct expiry *wheel;  /* index of the items with an expiry; NULL while
                              there are none */
    int sweeping;          /* inside expiry_run: keep the wheel */
    uint64_t sweep_processed; /* index entries processed by dropped wheels */
    uint64_t sweep_us;     /* time spent in store_expire_step */
    struct graveyard *grave; /* flushed tables awaiting lazy free */
    size_t grave_items;    /* items in them */
    struct unmap_job *unmaps; /* released bucket arrays still mapped */
    struct dead_value *dead;  /* deleted large values awaiting lazy free */
    size_t dead_count;
    uint64_t rng;          /* xorshift64* state for store_random */
};

static int store_resizing(const struct store *s)
{
    return s->t[1].buckets != NULL;
}

/* Keep expires and expire_sum_ms in step as an item with an expiry enters
 * or leaves the store (expire_ms 0: nothing to count). */
static void expiry_account_add(struct store *s, int64_t expire_ms)
{
    if (!expire_ms)
        return;
    s->expires++;
    s->expire_sum_ms += expire_ms;
}

static void expiry_account_del(struct store *s, int64_t expire_ms)
{
    if (!expire_ms)
        return;
    s->expires--;
    s->expire_sum_ms -= expire_ms;
}

/* With no item left that has an expiry, every entry of the index is stale:
 * the whole index goes (not in the middle of a sweep, which holds it). */
static void wheel_drop_if_unused(struct store *s)
{
    if (s->expires || s->deadline_items || !s->wheel || s->sweeping)
        return;
    struct expiry_stats st;
    expiry_get_stats(s->wheel, &st);
    s->sweep_processed += st.processed;
    expiry_destroy(s->wheel);
    s->wheel = NULL;
}

/* Index the item with this hash under its new expiry, unless the entry
 * made for its old one (0: none) covers the new one too; an old expiry
 * already due does not count, since its entry may be processed already. */
static void wheel_note(struct store *s, uint64_t hash, int64_t old_ms, int64_t new_ms)
{
    if (!new_ms)
        return;
    if (!s->wheel)
        s->wheel = expiry_create(clock_now_ms());
    else if (old_ms && old_ms > clock_now_ms() && expiry_covers(s->wheel, old_ms, new_ms))
        return;
    expiry_add(s->wheel, (uint32_t)hash, new_ms);
}

/* The earliest expiry of an entry inside the item's value (a hash's
 * fields), 0 when none: the store indexes the item at it as well. */
static int64_t item_deadline(const struct item *it)
{
    return item_is_object(it) ? object_deadline(it) : 0;
}

/* A new item; for an object (object set) value is the tag and payload. */
static struct item *item_create(struct store *s, const char *key, size_t klen, const void *value,
                                size_t vlen, int64_t expire_ms, int object)
{
    item_check_lengths(klen, vlen);
    struct item *it = mem_alloc(item_alloc_size(klen, vlen, expire_ms != 0, object));
    unsigned char *v = item_fill_key(it, key, klen, vlen, expire_ms, object);
    item_access_init(it);
    if (vlen)
        memcpy(v, value, vlen);
    if (!object)
        v[vlen] = '\0';
    s->mem_bytes += mem_block_size(it);
    return it;
}

/* Free the item's block only: its external value (if any) lives on in
 * another item. */
static void item_release(struct store *s, struct item *it)
{
    s->mem_bytes -= mem_block_size(it);
    mem_free(it);
}

static void dead_value_push(struct store *s, unsigned char tag, void *ptr);

/* Free the item and what it owns. An external value of more than
 * LAZYFREE_VALUE_ENTRIES entries (of any size when defer_values: a flush
 * of thousands of small sets) is left to store_lazyfree_step, so that
 * deleting a set of a million members answers at once. Returns the blocks
 * freed now (1 for the item, plus a small value's entries): the work a
 * lazy-free step counts against its budget. */
static size_t item_free(struct store *s, struct item *it, int defer_values)
{
    size_t freed = 1;
    if (item_is_object(it)) {
        unsigned char tag = (unsigned char)item_value(it)[0];
        if (object_tag_external(tag)) {
            void *ptr = object_external_ptr(item_value(it) + 1);
            size_t entries = object_external_entries(tag, ptr);
            if (defer_values || entries > LAZYFREE_VALUE_ENTRIES) {
                dead_value_push(s, tag, ptr);
            } else {
                object_external_free(tag, ptr);
                freed += entries;
            }
        }
    }
    item_release(s, it);
    return freed;
}

static size_t item_destroy(struct store *s, struct item *it)
{
    return item_free(s, it, 0);
}

/* Unlink the item *link points to and free it, keeping the counts; counts it
 * as expired when asked. Does not start or advance a resize, so callers may
 * use it while walking a bucket. */
static void store_unlink(struct store *s, struct item **link, int expired)
{
    struct item *it = *link;
    signal_item_write(s, it, expired);
    *link = it->next;
    s->count--;
    expiry_account_del(s, item_expire_ms(it));
    if (item_deadline(it))
        s->deadline_items--;
    if (expired)
        s->expired_total++;
    item_destroy(s, it);
    wheel_drop_if_unused(s);
}

/* ---- table sizing and incremental resize ------------------------------- */

/* Smallest power of two above count (load factor below 1), at least
 * TABLE_MIN_BUCKETS. */
static size_t table_size_for(size_t count)
{
    size_t n = TABLE_MIN_BUCKETS;
    while (n <= count)
        n <<= 1;
    return n;
}

static int table_mapped(const struct table *t)
{
    return t->mask + 1 >= TABLE_MAP_MIN_BUCKETS;
}

static void table_alloc(struct store *s, struct table *t, size_t nbuckets)
{
    t->mask = nbuckets - 1;
    if (table_mapped(t)) {
        t->buckets = mem_map(nbuckets * sizeof(*t->buckets));
        s->mem_bytes += mem_map_size(nbuckets * sizeof(*t->buckets));
    } else {
        t->buckets = mem_calloc(nbuckets, sizeof(*t->buckets));
        s->mem_bytes += mem_block_size(t->buckets);
    }
}

/* A mapped array is queued for store_lazyfree_step; a small one is freed
 * now. */
static void table_release(struct store *s, struct table *t)
{
    if (table_mapped(t)) {
        struct unmap_job *j = mem_alloc(sizeof(*j));
        s->mem_bytes += mem_block_size(j);
        j->p = (unsigned char *)t->buckets;
        j->len = mem_map_size((t->mask + 1) * sizeof(*t->buckets));
        j->next = s->unmaps;
        s->unmaps = j;
    } else {
        s->mem_bytes -= mem_block_size(t->buckets);
        mem_free(t->buckets);
    }
    t->buckets = NULL;
    t->mask = 0;
}

/* Give back mapped arrays for about budget_us (all of them when
 * budget_us < 0). Returns 1 when some are left. */
static int unmap_some(struct store *s, int64_t budget_us)
{
    int64_t start = budget_us >= 0 ? clock_mono_us() : 0;
    while (s->unmaps) {
        struct unmap_job *j = s->unmaps;
        size_t piece = j->len > UNMAP_PIECE_BYTES ? UNMAP_PIECE_BYTES : j->len;
        mem_unmap(j->p, piece);
        s->mem_bytes -= piece;
        j->p += piece;
        j->len -= piece;
        if (j->len == 0) {
            s->unmaps = j->next;
            s->mem_bytes -= mem_block_size(j);
            mem_free(j);
        }
        if (budget_us >= 0 && clock_mono_us() - start >= budget_us)
            return s->unmaps != NULL;
    }
    return 0;
}

/* Begin moving to a table of nbuckets. The array comes from calloc, which
 * for large sizes maps fresh zero pages, so starting costs no work
 * proportional to the table. */
static void resize_start(struct store *s, size_t nbuckets)
{
    table_alloc(s, &s->t[1], nbuckets);
    s->rehash_idx = 0;
}

/* Move the chain of t[0]'s bucket idx into t[1]. */
static void rehash_bucket(struct store *s, size_t idx)
{
    struct item *it = s->t[0].buckets[idx];
    struct table *to = &s->t[1];
    while (it) {
        struct item *next = it->next;
        struct item **slot = &to->buckets[item_hash(it) & to->mask];
        it->next = *slot;
        *slot = it;
        it = next;
    }
    s->t[0].buckets[idx] = NULL;
}

/* Move up to nonempty non-empty buckets of t[0], visiting at most
 * nonempty * REHASH_EMPTY_VISITS empty ones, so one call's work is bounded
 * even in a sparse table (the bound Redis's dict.c states for its rehash).
 * Finishes the resize when t[0] is exhausted. Returns buckets visited. */
static size_t rehash_move(struct store *s, size_t nonempty)
{
    size_t empty_left = nonempty * REHASH_EMPTY_VISITS;
    size_t visited = 0;
    struct table *from = &s->t[0];

    while (nonempty > 0 && s->rehash_idx <= from->mask) {
        size_t idx = s->rehash_idx++;
        visited++;
        if (from->buckets[idx]) {
            rehash_bucket(s, idx);
            nonempty--;
        } else if (--empty_left == 0) {
            break;
        }
    }
    if (s->rehash_idx > from->mask) {
        table_release(s, from);
        s->t[0] = s->t[1];
        s->t[1].buckets = NULL;
        s->t[1].mask = 0;
    }
    return visited;
}

/* Start a resize if the item count has left the table's range: grow at one
 * item per bucket, shrink below 1/SHRINK_BELOW_PER_BUCKET. O(1); the move
 * itself happens a little per operation.
 *
 * The new size is at most RESIZE_MAX_FACTOR times larger or smaller than the
 * old (a big drop shrinks in stages). Two reasons: a cursor step visits every
 * bucket of the large table that maps onto one small bucket, so the factor
 * bounds the buckets one scan step touches; and items inserted
 * while a shrink is in progress go to the new table, which must not be so
 * small that they pile up in a few chains before the shrink completes. */
static void maybe_resize(struct store *s)
{
    if (store_resizing(s))
        return;
    size_t buckets = s->t[0].mask + 1;
    size_t want;
    if (s->count >= buckets) {
        want = table_size_for(s->count);
        if (want / buckets > RESIZE_MAX_FACTOR)
            want = buckets * RESIZE_MAX_FACTOR;
        if ((uint64_t)want > TABLE_MAX_BUCKETS)
            want = (size_t)TABLE_MAX_BUCKETS;
        if (want == buckets || growth_deferred(s->count, s->mem_bytes, buckets))
            return;
    } else if (buckets > TABLE_MIN_BUCKETS && s->count < buckets / SHRINK_BELOW_PER_BUCKET) {
        want = table_size_for(s->count);
        if (buckets / want > RESIZE_MAX_FACTOR)
            want = buckets / RESIZE_MAX_FACTOR;
    } else {
        return;
    }
    resize_start(s, want);
}

/* The per-operation share of an in-progress resize. */
static void rehash_tick(struct store *s)
{
    if (store_resizing(s))
        rehash_move(s, REHASH_OP_BUCKETS);
}

/* ---- lookup ------------------------------------------------------------ */

/* The link (bucket slot or predecessor's next field) that points to the
 * item with this key, or NULL when the key is not stored. */
static struct item **lookup_link(struct store *s, const char *key, size_t klen, uint64_t h)
{
    for (int i = 0; i < 2 && s->t[i].buckets; i++) {
        struct item **link = &s->t[i].buckets[h & s->t[i].mask];
        for (; *link; link = &(*link)->next)
            if (item_key_equals(*link, key, klen))
                return link;
    }
    return NULL;
}

/* The link that points to this very item, found through its key's bucket.
 * The item must be stored. */
static struct item **link_of(struct store *s, const struct item *it)
{
    uint64_t h = item_hash(it);
    for (int i = 0; i < 2 && s->t[i].buckets; i++) {
        struct item **link = &s->t[i].buckets[h & s->t[i].mask];
        for (; *link; link = &(*link)->next)
            if (*link == it)
                return link;
    }
    fprintf(stderr, "tidecache: store item %p is not in its store\n", (const void *)it);
    abort();
}

/* Put a new item in place of the one *link points to, and free the old
 * (its block only when keep_value: the new item took its value over). */
static void item_replace(struct store *s, struct item **link, struct item *fresh, int keep_value)
{
    struct item *old = *link;
    fresh->next = old->next;
    *link = fresh;
    fresh->flags = (uint8_t)((fresh->flags & ~ITEM_F_ACCESS_MASK) |
                             (old->flags & ITEM_F_ACCESS_MASK));
    expiry_account_del(s, item_expire_ms(old));
    expiry_account_add(s, item_expire_ms(fresh));
    s->deadline_items += (item_deadline(fresh) != 0) - (item_deadline(old) != 0);
    if (keep_value)
        item_release(s, old);
    else
        item_destroy(s, old);
    wheel_drop_if_unused(s);
}

/* Link a new item (whose key, of hash h, is not stored) into the table,
 * counting it and indexing its expiry. */
static void item_insert(struct store *s, struct item *it, uint64_t h)
{
    int64_t expire_ms = item_expire_ms(it), deadline = item_deadline(it);
    s->count++;
    expiry_account_add(s, expire_ms);
    wheel_note(s, h, 0, expire_ms);
    if (deadline) {
        s->deadline_items++;
        wheel_note(s, h, 0, deadline);
    }
    maybe_resize(s);
    struct table *t = store_resizing(s) ? &s->t[1] : &s->t[0];
    struct item **slot = &t->buckets[h & t->mask];
    it->next = *slot;
    *slot = it;
}

/* ---- public operations -------------------------------------------------- */

struct store *store_create(void)
{
    struct store *s = mem_calloc(1, sizeof(*s));
    table_alloc(s, &s->t[0], TABLE_MIN_BUCKETS);
    s->rng = UINT64_C(0x9e3779b97f4a7c15);
    return s;
}

/* Free every item of a table. O(table): only flush and destroy do this. */
static void table_free_items(struct store *s, struct table *t, int defer_values)
{
    if (!t->buckets)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        struct item *it = t->buckets[i];
        while (it) {
            struct item *next = it->next;
            item_free(s, it, defer_values);
            it = next;
        }
    }
    table_release(s, t);
}

/* Free a graveyard's items for about budget_us (the whole of it when
 * budget_us < 0). Returns 1 when it is gone. */
static int grave_free_some(struct store *s, struct graveyard *g, int64_t budget_us)
{
    int64_t start = budget_us >= 0 ? clock_mono_us() : 0;
    size_t work = 0; /* buckets visited and blocks freed since the clock was read */
    for (;;) {
        struct table *t = &g->t[g->t[0].buckets ? 0 : 1];
        if (!t->buckets)
            return 1;
        if (g->idx > t->mask) {
            table_release(s, t);
            g->idx = 0;
            continue;
        }
        struct item *it = t->buckets[g->idx];
        t->buckets[g->idx++] = NULL;
        work++;
        while (it) {
            struct item *next = it->next;
            work += item_destroy(s, it);
            s->grave_items--;
            it = next;
        }
        if (budget_us >= 0 && work >= LAZYFREE_CLOCK_BUCKETS) {
            work = 0;
            if (clock_mono_us() - start >= budget_us)
                return 0;
        }
    }
}

/* A small keyspace is freed at once; a large one leaves its tables to
 * store_lazyfree_step and starts over with an empty table, so FLUSHALL of
 * millions of keys answers at once (Redis's FLUSHALL ASYNC). */
void store_flush(struct store *s)
{
    signal_write(s, NULL, 0, 0);
    if (s->count <= LAZYFREE_SYNC_ITEMS) {
        /* the items now, the tables of their values a little per tick */
        table_free_items(s, &s->t[0], 1);
        table_free_items(s, &s->t[1], 1);
    } else {
        struct graveyard *g = mem_calloc(1, sizeof(*g));
        s->mem_bytes += mem_block_size(g);
        g->t[0] = s->t[0];
        g->t[1] = s->t[1];
        g->next = s->grave;
        s->grave = g;
        s->grave_items += s->count;
        memset(s->t, 0, sizeof(s->t));
    }
    s->count = 0;
    s->expires = 0;
    s->deadline_items = 0;
    s->expire_sum_ms = 0;
    s->rehash_idx = 0;
    wheel_drop_if_unused(s);
    table_alloc(s, &s->t[0], TABLE_MIN_BUCKETS);
}

static void dead_value_push(struct store *s, unsigned char tag, void *ptr)
{
    struct dead_value *d = mem_alloc(sizeof *d);
    s->mem_bytes += mem_block_size(d);
    d->ptr = ptr;
    d->tag = tag;
    d->next = s->dead;
    s->dead = d;
    s->dead_count++;
}

/* Free deleted large values for about budget_us (all of them when
 * budget_us < 0), LAZYFREE_VALUE_PIECE entries between clock reads.
 * Returns 1 when some are left. */
static int dead_free_some(struct store *s, int64_t budget_us)
{
    int64_t start = budget_us >= 0 ? clock_mono_us() : 0;
    while (s->dead) {
        struct dead_value *d = s->dead;
        if (object_external_free_some(d->tag, d->ptr, LAZYFREE_VALUE_PIECE)) {
            s->dead = d->next;
            s->dead_count--;
            s->mem_bytes -= mem_block_size(d);
            mem_free(d);
        }
        if (budget_us >= 0 && clock_mono_us() - start >= budget_us)
            return s->dead != NULL;
    }
    return 0;
}

int store_lazyfree_step(struct store *s, int64_t budget_us)
{
    int64_t start = clock_mono_us();
    if (unmap_some(s, budget_us))
        return 1;
    int64_t left_us = budget_us - (clock_mono_us() - start);
    if (dead_free_some(s, left_us > 0 ? left_us : 0))
        return 1;
    while (s->grave) {
        struct graveyard *g = s->grave;
        int64_t left = budget_us - (clock_mono_us() - start);
        if (!grave_free_some(s, g, left > 0 ? left : 0))
            return 1;
        s->grave = g->next;
        s->mem_bytes -= mem_block_size(g);
        mem_free(g);
    }
    int64_t left = budget_us - (clock_mono_us() - start);
    /* flushed tables may have handed large values to the dead list */
    return unmap_some(s, left > 0 ? left : 0) || s->dead != NULL;
}

size_t store_lazyfree_pending(const struct store *s)
{
    return s->grave_items + s->dead_count;
}

void store_destroy(struct store *s)
{
    if (!s)
        return;
    while (s->grave) {
        struct graveyard *g = s->grave;
        grave_free_some(s, g, -1);
        s->grave = g->next;
        mem_free(g);
    }
    table_free_items(s, &s->t[0], 0);
    table_free_items(s, &s->t[1], 0);
    dead_free_some(s, -1);
    unmap_some(s, -1);
    expiry_destroy(s->wheel);
    mem_free(s);
}

struct item *store_find(struct store *s, const char *key, size_t klen)
{
    rehash_tick(s);
    struct item **link = lookup_link(s, key, klen, hash_bytes(key, klen));
    if (!link)
        return NULL;
    if (item_expired_now(*link)) {
        store_unlink(s, link, 1);
        maybe_resize(s);
        return NULL;
    }
    item_touch(*link);
    return *link;
}

struct item *store_set(struct store *s, const char *key, size_t klen, const void *value,
                       size_t vlen, int64_t expire_ms)
{
    rehash_tick(s);
    signal_write(s, key, klen, 0);
    uint64_t h = hash_bytes(key, klen);
    struct item **link = lookup_link(s, key, klen, h);
    /* Built before the old item is freed: value may point into it. */
    struct item *it = item_create(s, key, klen, value, vlen, expire_ms, 0);

    if (link) {
        int64_t old_ms = item_expire_ms(*link);
        if (old_ms && old_ms <= clock_now_ms())
            s->expired_total++;
        wheel_note(s, h, old_ms, expire_ms);
        item_replace(s, link, it, 0);
        item_touch(it);
        return it;
    }
    item_insert(s, it, h);
    return it;
}

int store_delete(struct store *s, const char *key, size_t klen)
{
    rehash_tick(s);
    struct item **link = lookup_link(s, key, klen, hash_bytes(key, klen));
    if (!link)
        return 0;
    int live = !item_expired_now(*link);
    store_unlink(s, link, !live);
    maybe_resize(s);
    return live;
}

/* Changing an existing expiry rewrites it in place; adding or removing one
 * lays the item out again (8 bytes more or less) so that keys without an
 * expiry never carry the field. */
struct item *store_set_expire(struct store *s, struct item *it, int64_t expire_ms)
{
    int64_t old_ms = item_expire_ms(it);
    if (old_ms != expire_ms)
        signal_item_write(s, it, 0);
    if (old_ms && expire_ms) {
        if (old_ms == expire_ms)
            return it;
        wheel_note(s, item_hash(it), old_ms, expire_ms);
        expiry_account_add(s, expire_ms);
        expiry_account_del(s, old_ms);
        item_write_expire(it, expire_ms);
        return it;
    }
    if (!old_ms && !expire_ms)
        return it;
    struct item **link = link_of(s, it);
    struct item *fresh = item_create(s, item_key(it), item_key_len(it), item_value(it),
                                     item_value_len(it), expire_ms, item_is_object(it));
    wheel_note(s, item_hash(it), 0, expire_ms);
    item_replace(s, link, fresh, 1);
    return fresh;
}

/* Resizes the block in place when the new value comes from elsewhere (the
 * allocator may grow or shrink without copying); copies into a new block
 * when the value lives inside the item, since realloc could free it. */
struct item *store_set_value(struct store *s, struct item *it, const void *value, size_t vlen)
{
    signal_item_write(s, it, 0);
    struct item **link = link_of(s, it);
    const unsigned char *v = value;
    const unsigned char *lo = (const unsigned char *)it;
    if ((vlen && v >= lo && v < lo + mem_block_size(it)) ||
        item_is_object(it) || vwidth_code(vlen, 0) != vwidth_code(item_value_len(it), 0)) {
        struct item *fresh = item_create(s, item_key(it), item_key_len(it), value, vlen,
                                         item_expire_ms(it), 0);
        item_replace(s, link, fresh, 0);
        return fresh;
    }
    item_check_lengths(0, vlen);
    size_t klen = item_key_len(it);
    size_t old_bytes = mem_block_size(it);
    struct item *moved =
        mem_realloc(it, item_alloc_size(klen, vlen, (it->flags & ITEM_F_EXPIRE) != 0, 0));
    s->mem_bytes = s->mem_bytes - old_bytes + mem_block_size(moved);
    *link = moved;
    item_write_vlen(moved, vlen);
    unsigned char *dst = item_key_ptr(moved) + klen;
    if (vlen)
        memcpy(dst, value, vlen);
    dst[vlen] = '\0';
    return moved;
}

/* ---- typed values -------------------------------------------------------- */

enum object_type item_type(const struct item *it)
{
    return item_is_object(it) ? OBJECT_TAG_TYPE(item_tag(it)) : OBJ_STRING;
}

unsigned char item_tag(const struct item *it)
{
    return item_is_object(it) ? (unsigned char)item_value(it)[0] : 0;
}

unsigned char *item_payload(const struct item *it)
{
    return (unsigned char *)item_value(it) + 1;
}

size_t item_payload_len(const struct item *it)
{
    return item_value_len(it) - 1;
}

size_t *store_account(struct store *s)
{
    return &s->mem_bytes;
}

/* The tag and payload as one value, built in a stack buffer when small. */
#define OBJECT_STACK_BYTES 256

struct item *store_set_object(struct store *s, const char *key, size_t klen, unsigned char tag,
                              const void *payload, size_t plen, int64_t expire_ms)
{
    store_delete(s, key, klen);
    rehash_tick(s);
    signal_write(s, key, klen, 0);
    uint64_t h = hash_bytes(key, klen);
    item_check_lengths(klen, plen + 1);
    struct item *it = mem_alloc(item_alloc_size(klen, plen + 1, expire_ms != 0, 1));
    unsigned char *v = item_fill_key(it, key, klen, plen + 1, expire_ms, 1);
    item_access_init(it);
    v[0] = tag;
    if (plen)
        memcpy(v + 1, payload, plen);
    s->mem_bytes += mem_block_size(it);
    item_insert(s, it, h);
    return it;
}

/* In place (realloc) while the length's varint keeps its width; when it
 * does not, the key and expiry before the value would have to move, so the
 * item is laid out anew. */
struct item *store_resize_payload(struct store *s, struct item *it, size_t plen)
{
    signal_item_write(s, it, 0);
    struct item **link = link_of(s, it);
    size_t klen = item_key_len(it), old_vlen = item_value_len(it);
    item_check_lengths(klen, plen + 1);
    size_t want = item_alloc_size(klen, plen + 1, (it->flags & ITEM_F_EXPIRE) != 0, 1);
    if (varint_len(plen + 1) != varint_len(old_vlen)) {
        struct item *fresh = mem_alloc(want);
        unsigned char *v =
            item_fill_key(fresh, item_key(it), klen, plen + 1, item_expire_ms(it), 1);
        memcpy(v, item_value(it), old_vlen < plen + 1 ? old_vlen : plen + 1);
        fresh->flags = (uint8_t)((fresh->flags & ~ITEM_F_ACCESS_MASK) |
                                 (it->flags & ITEM_F_ACCESS_MASK));
        fresh->next = it->next;
        s->mem_bytes += mem_block_size(fresh);
        *link = fresh;
        item_release(s, it);
        return fresh;
    }
    size_t old_bytes = mem_block_size(it);
    struct item *moved = mem_realloc(it, want);
    s->mem_bytes = s->mem_bytes - old_bytes + mem_block_size(moved);
    *link = moved;
    item_write_vlen(moved, plen + 1);
    return moved;
}

struct item *store_replace_payload(struct store *s, struct item *it, unsigned char tag,
                                   const void *payload, size_t plen)
{
    signal_item_write(s, it, 0);
    struct item **link = link_of(s, it);
    struct item *fresh = mem_alloc(
        item_alloc_size(item_key_len(it), plen + 1, (it->flags & ITEM_F_EXPIRE) != 0, 1));
    unsigned char *v = item_fill_key(fresh, item_key(it), item_key_len(it), plen + 1,
                                     item_expire_ms(it), 1);
    v[0] = tag;
    if (plen)
        memcpy(v + 1, payload, plen);
    s->mem_bytes += mem_block_size(fresh);
    item_replace(s, link, fresh, 0);
    return fresh;
}

size_t store_item_memory(const struct item *it, size_t samples)
{
    size_t bytes = mem_block_size(it);
    unsigned char tag = item_tag(it);
    if (item_is_object(it) && object_tag_external(tag))
        bytes += object_external_memory(tag, object_external_ptr(item_payload(it)), samples);
    return bytes;
}

struct item *store_move(struct store *from, struct item *it, struct store *to, const char *key,
                        size_t klen)
{
    int object = item_is_object(it);
    unsigned char tag = item_tag(it);
    int64_t expire_ms = item_expire_ms(it);
    if (expire_ms && expire_ms <= clock_now_ms()) {
        store_unlink(from, link_of(from, it), 1);
        return NULL;
    }
    struct item *fresh = item_create(to, key, klen, item_value(it), item_value_len(it),
                                     expire_ms, object);
    fresh->flags =
        (uint8_t)((fresh->flags & ~ITEM_F_ACCESS_MASK) | (it->flags & ITEM_F_ACCESS_MASK));
    /* out of the source first: the target may hold the same key (RENAME) */
    signal_item_write(from, it, 0);
    signal_write(to, key, klen, 0);
    struct item **link = link_of(from, it);
    *link = it->next;
    from->count--;
    expiry_account_del(from, expire_ms);
    if (item_deadline(it))
        from->deadline_items--;
    item_release(from, it);
    wheel_drop_if_unused(from);
    maybe_resize(from);
    if (object && object_tag_external(tag) && from != to)
        object_external_rebind(tag, object_external_ptr(item_payload(fresh)), &to->mem_bytes);
    store_delete(to, key, klen);
    rehash_tick(to);
    uint64_t h = hash_bytes(key, klen);
    item_insert(to, fresh, h);
    return fresh;
}

void store_note_deadline(struct store *s, const struct item *it, int64_t old_ms, int64_t new_ms)
{
    s->deadline_items += (new_ms != 0) - (old_ms != 0);
    if (new_ms)
        wheel_note(s, item_hash(it), old_ms, new_ms);
    wheel_drop_if_unused(s);
}

size_t store_subexpiry_count(const struct store *s)
{
    return s->deadline_items;
}

void store_note_expired_fields(struct store *s, size_t n)
{
    s->expired_fields += n;
}

uint64_t store_expired_fields_total(const struct store *s)
{
    return s->expired_fields;
}

size_t store_count(const struct store *s)
{
    return s->count;
}

size_t store_expires_count(const struct store *s)
{
    return s->expires;
}

uint64_t store_expired_total(const struct store *s)
{
    return s->expired_total;
}

/* Mean expiry minus now: exact, O(1). Keys already due but not yet removed
 * pull the mean down; a mean in the past reads as 0. */
int64_t store_avg_ttl_ms(const struct store *s)
{
    if (s->expires == 0)
        return 0;
    __int128 mean = s->expire_sum_ms / (__int128)s->expires;
    __int128 ttl = mean - clock_now_ms();
    return ttl > 0 ? (int64_t)ttl : 0;
}

size_t store_memory(const struct store *s)
{
    return s->mem_bytes + (s->wheel ? expiry_bytes(s->wheel) : 0);
}

/* Runs resize stages back to back while the budget lasts: a shrink by more
 * than RESIZE_MAX_FACTOR takes several. Then gives back the bucket arrays
 * that resizes left behind. */
int store_rehash_step(struct store *s, int64_t budget_us)
{
    int64_t start = clock_mono_us();
    for (;;) {
        maybe_resize(s);
        if (!store_resizing(s))
            break;
        rehash_move(s, REHASH_CLOCK_BUCKETS);
        if (clock_mono_us() - start >= budget_us)
            return 1;
    }
    int64_t left = budget_us - (clock_mono_us() - start);
    return unmap_some(s, left > 0 ? left : 0);
}

/* ---- cursor walk over both tables --------------------------------------- */

typedef void (*bucket_visit_fn)(struct store *s, struct item **head, void *ctx);

struct bucket_walk {
    struct store *s;
    bucket_visit_fn visit;
    void *ctx;
};

static void walk_bucket(void *ctx, int t, uint64_t bucket)
{
    struct bucket_walk *w = ctx;
    w->visit(w->s, &w->s->t[t].buckets[bucket], w->ctx);
}

/* Visit the bucket(s) of cursor v (include/tidecache/cursor.h) and return
 * the next cursor. visit may unlink items of the bucket it is given but
 * must not resize. */
static uint64_t store_cursor_step(struct store *s, uint64_t v, bucket_visit_fn visit, void *ctx)
{
    struct bucket_walk w = {.s = s, .visit = visit, .ctx = ctx};
    const uint64_t mask[2] = {s->t[0].mask, s->t[1].mask};
    return cursor_step(v, mask, store_resizing(s), walk_bucket, &w);
}

struct scan_ctx {
    void (*fn)(void *ctx, const struct item *it);
    void *ctx;
    int64_t now_ms;
};

/* Report the live items of one bucket, delete the expired ones. */
static void scan_visit(struct store *s, struct item **link, void *ctx)
{
    struct scan_ctx *sc = ctx;
    while (*link) {
        if (item_expired(*link, sc->now_ms)) {
            store_unlink(s, link, 1);
        } else {
            sc->fn(sc->ctx, *link);
            link = &(*link)->next;
        }
    }
}

uint64_t store_scan(struct store *s, uint64_t cursor, size_t count,
                    void (*fn)(void *ctx, const struct item *it), void *ctx)
{
    struct scan_ctx sc = {.fn = fn, .ctx = ctx, .now_ms = clock_now_ms()};
    if (count == 0)
        count = 1;
    do {
        cursor = store_cursor_step(s, cursor, scan_visit, &sc);
    } while (cursor != 0 && --count > 0);
    maybe_resize(s);
    return cursor;
}

/* ---- active expiry: the expiry index ----------------------------------
 * The wheel hands over the hashes of keys that are due (or whose slot is
 * being moved to a finer ring); sweep_visit looks each up in its bucket. */

struct sweep_ctx {
    struct store *s;
    int64_t now_ms;
    int64_t deadline_us; /* the step's budget ends (clock_mono_us) */
    size_t deleted;
    int left_due;        /* due entries inside values were left for later */
};

/* The part of a sweep visit for entries inside the value of the item at
 * *link: when its earliest one is due, remove those due,
 * SWEEP_ENTRIES_PER_VISIT at a time while the step's budget lasts (one
 * hash of a million due fields cannot hold the sweep past it; the rest is
 * indexed again for the next step), and delete the key when its value is
 * left empty (returns 1: *link is the next item); otherwise index the
 * item again when its deadline lies in the entry's range. */
#define SWEEP_ENTRIES_PER_VISIT 256

static int sweep_deadline(struct sweep_ctx *sc, struct item **link, uint32_t hash, int64_t lo_ms,
                          int64_t hi_ms)
{
    struct store *s = sc->s;
    struct item *it = *link;
    int64_t d = item_deadline(it);
    if (!d)
        return 0;
    if (d > sc->now_ms) {
        if (d >= lo_ms && d < hi_ms && (uint32_t)item_hash(it) == hash)
            expiry_add(s->wheel, hash, d);
        return 0;
    }
    do {
        object_expire_due(s, &it, sc->now_ms, SWEEP_ENTRIES_PER_VISIT);
        if (object_empty(it)) {
            store_unlink(s, link, 0);
            return 1;
        }
        d = item_deadline(it);
    } while (d && d <= sc->now_ms && clock_mono_us() < sc->deadline_us);
    if (d && d <= sc->now_ms) {
        /* fields sharing the indexed expiry leave the deadline where it
         * was, so nothing else would index the rest */
        expiry_add(s->wheel, (uint32_t)item_hash(it), d);
        sc->left_due = 1;
    }
    return 0;
}

/* Delete the expired items of the hash's bucket in both tables, and index
 * again those with this hash and an expiry in [lo_ms, hi_ms) that are not
 * due yet. Only items of this chain are touched, never through a pointer
 * the index kept. */
static void sweep_visit(void *ctx, uint32_t hash, int64_t lo_ms, int64_t hi_ms)
{
    struct sweep_ctx *sc = ctx;
    struct store *s = sc->s;
    for (int i = 0; i < 2 && s->t[i].buckets; i++) {
        struct item **link = &s->t[i].buckets[hash & s->t[i].mask];
        while (*link) {
            struct item *it = *link;
            if (it->flags & ITEM_F_EXPIRE) {
                int64_t e = item_expire_ms(it);
                if (e <= sc->now_ms) {
                    store_unlink(s, link, 1);
                    sc->deleted++;
                    continue;
                }
                if (e >= lo_ms && e < hi_ms && (uint32_t)item_hash(it) == hash)
                    expiry_add(s->wheel, hash, e);
            }
            if (sweep_deadline(sc, link, hash, lo_ms, hi_ms))
                continue;
            link = &(*link)->next;
        }
    }
}

size_t store_expire_step(struct store *s, int64_t budget_us, int *more)
{
    struct sweep_ctx sc = {.s = s, .now_ms = clock_now_ms(), .deleted = 0, .left_due = 0};
    int left = 0;
    if (s->wheel) {
        int64_t start = clock_mono_us();
        sc.deadline_us = start + budget_us;
        s->sweeping = 1;
        expiry_maybe_compact(s->wheel, s->expires + s->deadline_items);
        expiry_run(s->wheel, sc.now_ms, sc.deadline_us, sweep_visit, &sc, &left);
        left |= sc.left_due;
        s->sweeping = 0;
        wheel_drop_if_unused(s);
        s->sweep_us += (uint64_t)(clock_mono_us() - start);
    }
    maybe_resize(s);
    if (more)
        *more = left;
    return sc.deleted;
}

void store_sweep_stats(const struct store *s, struct store_sweep_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->processed = s->sweep_processed;
    out->cpu_us = s->sweep_us;
    if (!s->wheel)
        return;
    struct expiry_stats st;
    expiry_get_stats(s->wheel, &st);
    out->index_entries = st.entries;
    out->index_bytes = st.bytes;
    out->due_backlog = st.due_backlog;
    out->lag_ms = st.lag_ms;
    out->processed += st.processed;
}

/* ---- random item -------------------------------------------------------- */

#define RANDOM_PROBES_PER_REHASH 8 /* empty-bucket probes between rehash pushes */

static uint64_t store_rand(struct store *s)
{
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

/* A random non-empty bucket (the store must hold an item). During a resize
 * it draws from t[0]'s unmoved buckets and all of t[1]. Outside a resize the
 * table holds at least one item per SHRINK_BELOW_PER_BUCKET buckets (or is
 * the minimum size), so a few probes suffice. A table mid-shrink can be far
 * sparser; there every RANDOM_PROBES_PER_REHASH empty draws push the shrink
 * on by up to REHASH_EMPTY_VISITS + 1 buckets, so the loop ends at the latest
 * when the shrink does, and the probing is paid for as shrink work. */
static struct item **random_bucket(struct store *s)
{
    for (size_t probes = 1;; probes++) {
        struct item **head;
        if (store_resizing(s)) {
            size_t n0 = s->t[0].mask + 1 - s->rehash_idx;
            size_t idx = (size_t)(store_rand(s) % (n0 + s->t[1].mask + 1));
            head = idx < n0 ? &s->t[0].buckets[s->rehash_idx + idx] : &s->t[1].buckets[idx - n0];
        } else {
            head = &s->t[0].buckets[store_rand(s) & s->t[0].mask];
        }
        if (*head)
            return head;
        if (probes % RANDOM_PROBES_PER_REHASH == 0) {
            maybe_resize(s);
            rehash_tick(s);
        }
    }
}

struct item *store_random(struct store *s)
{
    int64_t now = clock_now_ms();
    struct item *found = NULL;
    for (int expired = 0; s->count > 0 && expired < STORE_RANDOM_MAX_EXPIRED;) {
        struct item **link = random_bucket(s);
        size_t len = 0;
        for (struct item *it = *link; it; it = it->next)
            len++;
        for (size_t pick = (size_t)(store_rand(s) % len); pick > 0; pick--)
            link = &(*link)->next;
        if (!item_expired(*link, now)) {
            found = *link;
            break;
        }
        store_unlink(s, link, 1);
        expired++;
    }
    maybe_resize(s);
    return found;
}

/* ---- eviction hand -------------------------------------------------------- */

struct hand_ctx {
    store_hand_fn *fn;
    void *ctx;
    int64_t now_ms;
};

/* Offer each live item of one bucket to the hand's visitor and delete those
 * it picks (not counted as expired); expired items met are deleted as
 * expired, which frees memory as well. */
static void hand_visit(struct store *s, struct item **link, void *ctx)
{
    struct hand_ctx *hc = ctx;
    while (*link) {
        struct item *it = *link;
        if (item_expired(it, hc->now_ms))
            store_unlink(s, link, 1);
        else if (hc->fn(hc->ctx, it) == STORE_HAND_EVICT)
            store_unlink(s, link, 0);
        else
            link = &it->next;
    }
}

/* One cursor step: the bucket(s) store_cursor_step visits, as SCAN would. */
uint64_t store_hand_step(struct store *s, uint64_t cursor, store_hand_fn *fn, void *ctx)
{
    struct hand_ctx hc = {.fn = fn, .ctx = ctx, .now_ms = clock_now_ms()};
    cursor = store_cursor_step(s, cursor, hand_visit, &hc);
    maybe_resize(s);
    return cursor;
}

/* ---- checks -------------------------------------------------------------- */

const struct item *store_peek(const struct store *s, const char *key, size_t klen)
{
    uint64_t h = hash_bytes(key, klen);
    for (int i = 0; i < 2 && s->t[i].buckets; i++)
        for (const struct item *it = s->t[i].buckets[h & s->t[i].mask]; it; it = it->next)
            if (item_key_equals(it, key, klen))
                return it;
    return NULL;
}

/* Bytes a bucket array takes, as table_alloc counted it. */
static size_t table_bytes(const struct table *t)
{
    if (!t->buckets)
        return 0;
    if (table_mapped(t))
        return mem_map_size((t->mask + 1) * sizeof(*t->buckets));
    return mem_block_size(t->buckets);
}

/* What store_verify tallies while it walks the tables. */
struct verify_tally {
    size_t items, expires, bytes, due, deadlines;
    __int128 expire_sum;
    int64_t now_ms;
};

/* Walk the chains of t from bucket `from` on, checking that each item sits
 * in the bucket of its hash, and tally them. Returns TC_ERR at the first
 * misplaced item. */
static int verify_table(const struct table *t, size_t from, struct verify_tally *v, char *why,
                        size_t whylen)
{
    if (!t->buckets)
        return TC_OK;
    v->bytes += table_bytes(t);
    for (size_t b = from; b <= t->mask; b++) {
        for (const struct item *it = t->buckets[b]; it; it = it->next) {
            if ((item_hash(it) & t->mask) != b) {
                snprintf(why, whylen, "item '%.*s' is in bucket %zu, not its own",
                         (int)(item_key_len(it) < 64 ? item_key_len(it) : 64), item_key(it), b);
                return TC_ERR;
            }
            int64_t e = item_expire_ms(it), d = item_deadline(it);
            v->items++;
            if (d) {
                v->deadlines++;
                if (d <= v->now_ms)
                    v->due++;
            }
            v->bytes += mem_block_size(it);
            if (item_is_object(it) && object_tag_external(item_tag(it)))
                v->bytes += object_external_recount(item_tag(it),
                                                    object_external_ptr(item_payload(it)));
            if (e) {
                v->expires++;
                v->expire_sum += e;
                if (e <= v->now_ms)
                    v->due++;
            }
        }
    }
    return TC_OK;
}

int store_verify(const struct store *s, int expect_none_due, char *why, size_t whylen)
{
    struct verify_tally v = {.now_ms = clock_now_ms()};
    if (!s->t[0].buckets) {
        snprintf(why, whylen, "the store has no table");
        return TC_ERR;
    }
    for (size_t b = 0; store_resizing(s) && b < s->rehash_idx && b <= s->t[0].mask; b++) {
        if (s->t[0].buckets[b]) {
            snprintf(why, whylen, "bucket %zu was rehashed but is not empty", b);
            return TC_ERR;
        }
    }
    if (verify_table(&s->t[0], store_resizing(s) ? s->rehash_idx : 0, &v, why, whylen) != TC_OK ||
        verify_table(&s->t[1], 0, &v, why, whylen) != TC_OK)
        return TC_ERR;
    if (v.items != s->count || v.expires != s->expires || v.expire_sum != s->expire_sum_ms) {
        snprintf(why, whylen, "counted %zu items, %zu with an expiry; the store says %zu and %zu",
                 v.items, v.expires, s->count, s->expires);
        return TC_ERR;
    }
    if (v.deadlines != s->deadline_items) {
        snprintf(why, whylen, "counted %zu items with entries that expire; the store says %zu",
                 v.deadlines, s->deadline_items);
        return TC_ERR;
    }
    size_t grave_items = 0;
    for (const struct graveyard *g = s->grave; g; g = g->next) {
        struct verify_tally gv = {.now_ms = v.now_ms};
        /* freed buckets are empty, so both tables are walked whole */
        if (verify_table(&g->t[0], 0, &gv, why, whylen) != TC_OK ||
            verify_table(&g->t[1], 0, &gv, why, whylen) != TC_OK)
            return TC_ERR;
        grave_items += gv.items;
        v.bytes += gv.bytes + mem_block_size(g);
    }
    if (grave_items != s->grave_items) {
        snprintf(why, whylen, "flushed tables hold %zu items; the store says %zu", grave_items,
                 s->grave_items);
        return TC_ERR;
    }
    for (const struct unmap_job *j = s->unmaps; j; j = j->next)
        v.bytes += j->len + mem_block_size(j);
    for (const struct dead_value *d = s->dead; d; d = d->next)
        v.bytes += object_external_recount(d->tag, d->ptr) + mem_block_size(d);
    if (v.bytes != s->mem_bytes) {
        snprintf(why, whylen, "recounted %zu bytes; the store says %zu", v.bytes, s->mem_bytes);
        return TC_ERR;
    }
    if (expect_none_due && v.due) {
        snprintf(why, whylen, "%zu items are past their expiry after a full sweep", v.due);
        return TC_ERR;
    }
    if ((s->expires || s->deadline_items) && !s->wheel) {
        snprintf(why, whylen, "%zu items have an expiry but there is no expiry index",
                 s->expires + s->deadline_items);
        return TC_ERR;
    }
    return TC_OK;
}
