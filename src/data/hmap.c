/* hmap: the hash type over pack, pack with expiries and table; see
 * include/tidecache/hmap.h. */
#include "tidecache/hmap.h"

#include "tidecache/htab.h"
#include "tidecache/mem.h"
#include "tidecache/object.h"
#include "tidecache/pack.h"
#include "tidecache/varint.h"

#include <string.h>

#define HASH_PACK OBJECT_TAG(OBJ_HASH, OBJ_ENC_LISTPACK)
#define HASH_PACK_EX OBJECT_TAG(OBJ_HASH, OBJ_ENC_LISTPACK_EX)
#define HASH_TABLE OBJECT_TAG(OBJ_HASH, OBJ_ENC_HASHTABLE)

#define PACK_PAIR 2      /* entries per field in a pack: the field, its value */
#define PACK_TRIPLE 3    /* in a pack with expiries: and the expiry entry */
#define EX_HEAD_BYTES 8  /* before a pack with expiries: its earliest one (0: none) */
#define EXPIRY_BYTES 8   /* an expiry entry's bytes (none: an empty entry) */
#define TAIL_BYTES 12    /* after a table entry's value: expiry, heap slot */
#define HEAP_MIN_SLOTS 4 /* smallest expiry heap */

static struct htab *table_of(const struct item *it)
{
    return object_external_ptr(item_payload(it));
}

static int is_pack(const struct item *it)
{
    return OBJECT_TAG_ENCODING(item_tag(it)) != OBJ_ENC_HASHTABLE;
}

/* Whether a pack of `stride` entries per field may hold count fields whose
 * longest field or value is longest bytes. */
static int pack_fits(size_t count, size_t stride, size_t longest, const struct hmap_limits *lim)
{
    return count <= (size_t)lim->listpack_entries && count * stride <= PACK_MAX_ENTRIES &&
           longest <= (size_t)lim->listpack_value;
}

struct item *hmap_create(struct store *s, const char *key, size_t klen, size_t flen, size_t vlen,
                         int64_t expire_ms, const struct hmap_limits *lim)
{
    if (pack_fits(1, PACK_PAIR, flen > vlen ? flen : vlen, lim)) {
        unsigned char head[PACK_HEADER_BYTES];
        pack_init(head);
        return store_set_object(s, key, klen, HASH_PACK, head, PACK_HEADER_BYTES, expire_ms);
    }
    struct htab *h = htab_create(store_account(s));
    return store_set_object(s, key, klen, HASH_TABLE, &h, sizeof h, expire_ms);
}

/* ---- packs -----------------------------------------------------------------
 * A plain pack alternates fields and values. A pack with expiries (Redis's
 * "listpackex") keeps a third entry per field, its expiry in 8 bytes or
 * empty for none, after an 8-byte head with the earliest of them, so that
 * the store reads a hash's next deadline without a walk. */

struct pk {
    unsigned char *p; /* the pack, after the head */
    size_t len;       /* its bytes */
    size_t head;      /* payload bytes before it */
    size_t stride;    /* entries per field */
};

static struct pk pk_of(const struct item *it)
{
    unsigned char *p = item_payload(it);
    size_t head = item_tag(it) == HASH_PACK_EX ? EX_HEAD_BYTES : 0;
    struct pk k = {p + head, item_payload_len(it) - head, head, head ? PACK_TRIPLE : PACK_PAIR};
    return k;
}

/* Read the field at offset off into out (expire_ms 0 for none); returns
 * the offset of the next field. */
static size_t pk_read(const struct pk *k, size_t off, struct hmap_field *out)
{
    off = pack_entry(k->p, off, &out->f, &out->flen);
    off = pack_entry(k->p, off, &out->v, &out->vlen);
    out->expire_ms = 0;
    if (k->stride == PACK_TRIPLE) {
        const char *x;
        size_t xlen;
        off = pack_entry(k->p, off, &x, &xlen);
        if (xlen == EXPIRY_BYTES)
            memcpy(&out->expire_ms, x, EXPIRY_BYTES);
    }
    return off;
}

/* The offset of the field's n-th entry after the field itself (1: the
 * value, 2: the expiry). */
static size_t pk_entry_after(const struct pk *k, size_t off, int n)
{
    const char *x;
    size_t xlen;
    while (n-- > 0)
        off = pack_entry(k->p, off, &x, &xlen);
    return off;
}

/* Replace the entry at offset off with s[0..len), growing the item before
 * the move or shrinking it after. Returns the item. */
static struct item *pk_replace(struct store *s, struct item *it, size_t off, const char *v,
                               size_t vlen)
{
    struct pk k = pk_of(it);
    const char *old;
    size_t old_len, plen = k.len;
    pack_entry(k.p, off, &old, &old_len);
    size_t old_bytes = pack_entry_bytes(old_len), new_bytes = pack_entry_bytes(vlen);
    if (new_bytes > old_bytes) {
        it = store_resize_payload(s, it, k.head + plen + new_bytes - old_bytes);
        k = pk_of(it);
    }
    size_t len = pack_replace(k.p, plen, off, v, vlen);
    if (new_bytes < old_bytes)
        it = store_resize_payload(s, it, k.head + len);
    return it;
}

static int64_t ex_head(const struct item *it)
{
    int64_t at;
    memcpy(&at, item_payload(it), sizeof at);
    return at;
}

/* Recompute the head of a pack with expiries after its fields changed. */
static void ex_refresh_head(struct item *it)
{
    struct pk k = pk_of(it);
    int64_t first = 0;
    struct hmap_field field;
    for (size_t off = PACK_HEADER_BYTES; off < k.len;) {
        off = pk_read(&k, off, &field);
        if (field.expire_ms && (!first || field.expire_ms < first))
            first = field.expire_ms;
    }
    memcpy(item_payload(it), &first, sizeof first);
}

/* Rewrite a plain pack as a pack with expiries, none set yet. */
static struct item *to_pack_ex(struct store *s, struct item *it)
{
    struct pk k = pk_of(it);
    size_t n = pack_count(k.p) / PACK_PAIR;
    size_t len = EX_HEAD_BYTES + k.len + n * pack_entry_bytes(0);
    unsigned char *buf = mem_alloc(len);
    memset(buf, 0, EX_HEAD_BYTES);
    unsigned char *p = buf + EX_HEAD_BYTES;
    pack_init(p);
    size_t plen = PACK_HEADER_BYTES;
    struct hmap_field field;
    for (size_t off = PACK_HEADER_BYTES; off < k.len;) {
        off = pk_read(&k, off, &field);
        pack_append(p, plen, field.f, field.flen);
        plen += pack_entry_bytes(field.flen);
        pack_append(p, plen, field.v, field.vlen);
        plen += pack_entry_bytes(field.vlen);
        pack_append(p, plen, "", 0);
        plen += pack_entry_bytes(0);
    }
    it = store_replace_payload(s, it, HASH_PACK_EX, buf, len);
    mem_free(buf);
    return it;
}

/* ---- tables ----------------------------------------------------------------
 * An entry's owner bytes: a varint of the value's length times two, plus
 * one when a tail follows; the value; the tail, for a field with an
 * expiry: the expiry (8 bytes) and the entry's slot in the table's expiry
 * heap (4 bytes). The heap, a binary min-heap of (expiry, entry) kept in
 * the table's side block, finds the next field due in O(1) and updates in
 * O(log n): each slot's entry knows its slot, so a field whose expiry
 * changes or that goes is moved or taken out exactly, and no stale slot
 * ever waits in the heap. */

struct heap_slot {
    int64_t at;
    struct hentry *e;
};

struct heap {
    uint32_t n, cap;
    struct heap_slot v[];
};

static struct heap *heap_of(const struct htab *h)
{
    return htab_side(h);
}

static size_t value_bytes(size_t vlen, int tail)
{
    return varint_len(vlen * 2 + (tail != 0)) + vlen + (tail ? TAIL_BYTES : 0);
}

/* Decode an entry: its value, and its tail (NULL when the field has no
 * expiry). */
static void entry_decode(struct hentry *e, const char **v, size_t *vlen, unsigned char **tail)
{
    unsigned char *x = hentry_extra(e);
    size_t word, n = varint_get(x, &word);
    *vlen = word / 2;
    *v = (const char *)x + n;
    *tail = (word & 1) ? x + n + *vlen : NULL;
}

static int64_t tail_at(const unsigned char *tail)
{
    int64_t at;
    memcpy(&at, tail, sizeof at);
    return at;
}

static uint32_t tail_slot(const unsigned char *tail)
{
    uint32_t slot;
    memcpy(&slot, tail + sizeof(int64_t), sizeof slot);
    return slot;
}

/* Write an entry's header and value (and a tail holding `at` when at is
 * not 0; its slot is written when the heap places it). */
static void entry_write(struct hentry *e, const char *v, size_t vlen, int64_t at)
{
    unsigned char *x = hentry_extra(e);
    size_t n = varint_put(x, vlen * 2 + (at != 0));
    if (vlen)
        memmove(x + n, v, vlen);
    if (at)
        memcpy(x + n + vlen, &at, sizeof at);
}

static void heap_place(struct heap *x, uint32_t i, struct heap_slot slot)
{
    const char *v;
    size_t vlen;
    unsigned char *tail;
    x->v[i] = slot;
    entry_decode(slot.e, &v, &vlen, &tail);
    memcpy(tail + sizeof(int64_t), &i, sizeof i);
}

static void heap_sift(struct heap *x, uint32_t i)
{
    struct heap_slot moving = x->v[i];
    while (i > 0 && x->v[(i - 1) / 2].at > moving.at) {
        heap_place(x, i, x->v[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= x->n)
            break;
        if (c + 1 < x->n && x->v[c + 1].at < x->v[c].at)
            c++;
        if (x->v[c].at >= moving.at)
            break;
        heap_place(x, i, x->v[c]);
        i = c;
    }
    heap_place(x, i, moving);
}

static void heap_push(struct htab *h, struct hentry *e, int64_t at)
{
    struct heap *x = heap_of(h);
    uint32_t n = x ? x->n : 0;
    if (!x || x->n == x->cap) {
        uint32_t cap = x ? x->cap * 2 : HEAP_MIN_SLOTS;
        x = htab_side_resize(h, sizeof *x + cap * sizeof x->v[0]);
        x->cap = cap;
        x->n = n;
    }
    x->n++;
    x->v[n] = (struct heap_slot){at, e};
    heap_sift(x, n);
}

/* Take slot i out; the heap goes with its last slot, and gives memory back
 * when a quarter full. */
static void heap_remove(struct htab *h, uint32_t i)
{
    struct heap *x = heap_of(h);
    uint32_t last = --x->n;
    if (i != last) {
        x->v[i] = x->v[last];
        heap_sift(x, i);
    }
    if (x->n == 0) {
        htab_side_resize(h, 0);
    } else if (x->cap > HEAP_MIN_SLOTS && x->n < x->cap / 4) {
        uint32_t cap = x->cap / 2;
        x = htab_side_resize(h, sizeof *x + cap * sizeof x->v[0]);
        x->cap = cap;
    }
}

/* Give a table entry the expiry at (0: none). Returns the entry, which may
 * have moved. */
static struct hentry *table_set_expiry(struct htab *h, struct hentry *e, int64_t at)
{
    const char *v;
    size_t vlen;
    unsigned char *tail;
    entry_decode(e, &v, &vlen, &tail);
    if (tail && at) {
        memcpy(tail, &at, sizeof at);
        uint32_t i = tail_slot(tail);
        heap_of(h)->v[i].at = at;
        heap_sift(heap_of(h), i);
        return e;
    }
    if (!tail && !at)
        return e;
    if (tail)
        heap_remove(h, tail_slot(tail));
    /* the header keeps its width: doubling the length sets its low bit */
    e = htab_resize_entry(h, e, value_bytes(vlen, at != 0));
    entry_decode(e, &v, &vlen, &tail);
    entry_write(e, v, vlen, at);
    if (at)
        heap_push(h, e, at);
    return e;
}

/* Set field f to v, keeping its expiry when keep_ttl; 1 when f is new. */
static int table_set(struct htab *h, const char *f, size_t flen, const char *v, size_t vlen,
                     int keep_ttl)
{
    struct hentry *e = htab_find(h, f, flen);
    int64_t at = 0;
    uint32_t slot = 0;
    if (e) {
        const char *old;
        size_t old_len;
        unsigned char *tail;
        entry_decode(e, &old, &old_len, &tail);
        if (tail && keep_ttl) {
            at = tail_at(tail);
            slot = tail_slot(tail);
        } else if (tail) {
            heap_remove(h, tail_slot(tail));
        }
    }
    struct hentry *n = e ? htab_resize_entry(h, e, value_bytes(vlen, at != 0))
                         : htab_add(h, f, flen, value_bytes(vlen, 0));
    entry_write(n, v, vlen, at);
    if (at)
        heap_place(heap_of(h), slot, (struct heap_slot){at, n});
    return e == NULL;
}

/* Remove field f and its slot in the expiry heap: 1 when it was there. */
static int table_delete(struct htab *h, const char *f, size_t flen)
{
    struct hentry *e = htab_find(h, f, flen);
    if (!e)
        return 0;
    const char *v;
    size_t vlen;
    unsigned char *tail;
    entry_decode(e, &v, &vlen, &tail);
    if (tail)
        heap_remove(h, tail_slot(tail));
    return htab_delete(h, f, flen);
}

struct htab *hmap_table_copy(const struct htab *h, size_t *account)
{
    struct htab *copy = htab_copy(h, account);
    if (!heap_of(h))
        return copy;
    struct htab_iter i;
    htab_iter_start(&i, copy);
    for (const struct hentry *e; (e = htab_iter_next(&i));) {
        const char *v;
        size_t vlen;
        unsigned char *tail;
        entry_decode((struct hentry *)e, &v, &vlen, &tail);
        if (tail)
            heap_push(copy, (struct hentry *)e, tail_at(tail));
    }
    return copy;
}

static void table_field(struct hentry *e, struct hmap_field *out)
{
    unsigned char *tail;
    out->f = hentry_key(e, &out->flen);
    entry_decode(e, &out->v, &out->vlen, &tail);
    out->expire_ms = tail ? tail_at(tail) : 0;
}

/* ---- reading -------------------------------------------------------------- */

size_t hmap_len(const struct item *it)
{
    if (!is_pack(it))
        return htab_count(table_of(it));
    struct pk k = pk_of(it);
    return pack_count(k.p) / k.stride;
}

/* Find field f: 1 with *out filled, or 0. */
static int find_field(const struct item *it, const char *f, size_t flen, struct hmap_field *out)
{
    if (!is_pack(it)) {
        struct hentry *e = htab_find(table_of(it), f, flen);
        if (e)
            table_field(e, out);
        return e != NULL;
    }
    struct pk k = pk_of(it);
    size_t off = pack_find(k.p, k.len, f, flen, k.stride);
    if (off)
        pk_read(&k, off, out);
    return off != 0;
}

int hmap_get(const struct item *it, const char *f, size_t flen, const char **v, size_t *vlen)
{
    struct hmap_field field;
    if (!find_field(it, f, flen, &field))
        return 0;
    *v = field.v;
    *vlen = field.vlen;
    return 1;
}

void hmap_iter_start(struct hmap_iter *i, const struct item *it)
{
    i->off = PACK_HEADER_BYTES;
    i->p = NULL;
    if (!is_pack(it)) {
        htab_iter_start(&i->hi, table_of(it));
        return;
    }
    struct pk k = pk_of(it);
    i->p = k.p;
    i->len = k.len;
    i->stride = k.stride;
}

int hmap_iter_next(struct hmap_iter *i, struct hmap_field *out)
{
    if (!i->p) {
        struct hentry *e = (struct hentry *)htab_iter_next(&i->hi);
        if (e)
            table_field(e, out);
        return e != NULL;
    }
    if (i->off >= i->len)
        return 0;
    struct pk k = {(unsigned char *)i->p, i->len, 0, i->stride};
    i->off = pk_read(&k, i->off, out);
    return 1;
}

void hmap_random(const struct item *it, uint64_t (*rnd)(void), struct hmap_field *out)
{
    if (!is_pack(it)) {
        table_field(htab_random(table_of(it), rnd), out);
        return;
    }
    struct pk k = pk_of(it);
    size_t pick = (size_t)(rnd() % hmap_len(it));
    pk_read(&k, pack_offset_of(k.p, k.len, pick * k.stride), out);
}

struct scan_walk {
    void (*fn)(void *ctx, const struct hmap_field *field);
    void *ctx;
};

static void scan_entry(void *ctx, const struct hentry *e)
{
    struct scan_walk *w = ctx;
    struct hmap_field field;
    table_field((struct hentry *)e, &field);
    w->fn(w->ctx, &field);
}

uint64_t hmap_scan(const struct item *it, uint64_t cursor, size_t count,
                   void (*fn)(void *ctx, const struct hmap_field *field), void *ctx)
{
    if (is_pack(it)) {
        struct hmap_iter i;
        struct hmap_field field;
        hmap_iter_start(&i, it);
        while (hmap_iter_next(&i, &field))
            fn(ctx, &field);
        return 0;
    }
    struct scan_walk w = {fn, ctx};
    return htab_scan(table_of(it), cursor, count, scan_entry, &w);
}

int64_t hmap_deadline(const struct item *it)
{
    if (item_tag(it) == HASH_PACK_EX)
        return ex_head(it);
    if (item_tag(it) != HASH_TABLE)
        return 0;
    const struct heap *x = heap_of(table_of(it));
    return x ? x->v[0].at : 0;
}

int hmap_field_expiry(const struct item *it, const char *f, size_t flen, int64_t *at_ms)
{
    struct hmap_field field;
    if (!find_field(it, f, flen, &field))
        return 0;
    *at_ms = field.expire_ms;
    return 1;
}

/* ---- changing ---------------------------------------------------------------- */

/* Tell the store when the hash's earliest field expiry moved. */
static void note_deadline(struct store *s, const struct item *it, int64_t before)
{
    int64_t after = hmap_deadline(it);
    if (after != before)
        store_note_deadline(s, it, before, after);
}

/* Rewrite a pack as a table, keeping fields, values, expiries, key and
 * the key's expiry. */
static struct item *to_table(struct store *s, struct item *it)
{
    struct htab *h = htab_create(store_account(s));
    struct hmap_iter i;
    struct hmap_field field;
    hmap_iter_start(&i, it);
    while (hmap_iter_next(&i, &field)) {
        size_t extra = value_bytes(field.vlen, field.expire_ms != 0);
        struct hentry *e = htab_add(h, field.f, field.flen, extra);
        entry_write(e, field.v, field.vlen, field.expire_ms);
        if (field.expire_ms)
            heap_push(h, e, field.expire_ms);
    }
    return store_replace_payload(s, it, HASH_TABLE, &h, sizeof h);
}

static int set_field(struct store *s, struct item **itp, const char *f, size_t flen,
                     const char *v, size_t vlen, int keep_ttl, const struct hmap_limits *lim)
{
    struct item *it = *itp;
    if (!is_pack(it))
        return table_set(table_of(it), f, flen, v, vlen, keep_ttl);
    struct pk k = pk_of(it);
    size_t off = pack_find(k.p, k.len, f, flen, k.stride);
    size_t count = hmap_len(it) + (off == 0);
    if (!pack_fits(count, k.stride, flen > vlen ? flen : vlen, lim)) {
        *itp = to_table(s, it);
        return set_field(s, itp, f, flen, v, vlen, keep_ttl, lim);
    }
    if (off) {
        struct hmap_field old;
        pk_read(&k, off, &old);
        it = pk_replace(s, it, pk_entry_after(&k, off, 1), v, vlen);
        if (old.expire_ms && !keep_ttl) {
            k = pk_of(it);
            it = pk_replace(s, it, pk_entry_after(&k, off, 2), "", 0);
            ex_refresh_head(it);
        }
        *itp = it;
        return 0;
    }
    size_t grow = pack_entry_bytes(flen) + pack_entry_bytes(vlen) +
                  (k.stride == PACK_TRIPLE ? pack_entry_bytes(0) : 0);
    size_t plen = k.len;
    it = store_resize_payload(s, it, k.head + plen + grow);
    k = pk_of(it);
    pack_append(k.p, plen, f, flen);
    plen += pack_entry_bytes(flen);
    pack_append(k.p, plen, v, vlen);
    plen += pack_entry_bytes(vlen);
    if (k.stride == PACK_TRIPLE)
        pack_append(k.p, plen, "", 0);
    *itp = it;
    return 1;
}

/* Every set is a write, even of the value the field had (WATCH sees it),
 * as in Redis. */
static int set_and_note(struct store *s, struct item **itp, const char *f, size_t flen,
                        const char *v, size_t vlen, int keep_ttl, const struct hmap_limits *lim)
{
    int64_t before = hmap_deadline(*itp);
    int added = set_field(s, itp, f, flen, v, vlen, keep_ttl, lim);
    if (before)
        note_deadline(s, *itp, before);
    store_note_write(s, *itp);
    return added;
}

int hmap_set(struct store *s, struct item **itp, const char *f, size_t flen, const char *v,
             size_t vlen, const struct hmap_limits *lim)
{
    return set_and_note(s, itp, f, flen, v, vlen, 0, lim);
}

int hmap_update(struct store *s, struct item **itp, const char *f, size_t flen, const char *v,
                size_t vlen, const struct hmap_limits *lim)
{
    return set_and_note(s, itp, f, flen, v, vlen, 1, lim);
}

/* Remove field f, telling nobody; 1 when it was there. */
static int delete_field(struct store *s, struct item **itp, const char *f, size_t flen)
{
    struct item *it = *itp;
    if (!is_pack(it))
        return table_delete(table_of(it), f, flen);
    struct pk k = pk_of(it);
    size_t off = pack_find(k.p, k.len, f, flen, k.stride);
    if (!off)
        return 0;
    *itp = store_resize_payload(s, it, k.head + pack_delete(k.p, k.len, off, k.stride));
    if (k.stride == PACK_TRIPLE)
        ex_refresh_head(*itp);
    return 1;
}

int hmap_delete(struct store *s, struct item **itp, const char *f, size_t flen)
{
    int64_t before = hmap_deadline(*itp);
    if (!delete_field(s, itp, f, flen))
        return 0;
    note_deadline(s, *itp, before);
    store_note_write(s, *itp);
    return 1;
}

/* Give field f (present) the expiry at, or none when at is 0. */
static void write_expiry(struct store *s, struct item **itp, const char *f, size_t flen,
                         int64_t at)
{
    struct item *it = *itp;
    if (!is_pack(it)) {
        table_set_expiry(table_of(it), htab_find(table_of(it), f, flen), at);
        return;
    }
    if (item_tag(it) == HASH_PACK) {
        if (!at)
            return;
        it = to_pack_ex(s, it);
    }
    struct pk k = pk_of(it);
    size_t xoff = pk_entry_after(&k, pack_find(k.p, k.len, f, flen, k.stride), 2);
    char bytes[EXPIRY_BYTES];
    memcpy(bytes, &at, sizeof bytes);
    it = pk_replace(s, it, xoff, bytes, at ? EXPIRY_BYTES : 0);
    ex_refresh_head(it);
    *itp = it;
}

int hmap_expire_field(struct store *s, struct item **itp, const char *f, size_t flen,
                      int64_t at_ms, enum hmap_expire_cond cond, int64_t now_ms)
{
    struct hmap_field field;
    if (!find_field(*itp, f, flen, &field))
        return HMAP_NO_FIELD;
    int64_t cur = field.expire_ms;
    if ((cond == HMAP_COND_NX && cur) || (cond == HMAP_COND_XX && !cur) ||
        (cond == HMAP_COND_GT && (!cur || cur >= at_ms)) ||
        (cond == HMAP_COND_LT && cur && cur <= at_ms))
        return HMAP_COND_FAILED;
    int64_t before = hmap_deadline(*itp);
    int result = HMAP_EXPIRY_SET;
    if (at_ms <= now_ms) {
        delete_field(s, itp, f, flen);
        result = HMAP_FIELD_DELETED;
    } else {
        write_expiry(s, itp, f, flen, at_ms);
    }
    note_deadline(s, *itp, before);
    store_note_write(s, *itp);
    return result;
}

int hmap_persist_field(struct store *s, struct item **itp, const char *f, size_t flen)
{
    struct hmap_field field;
    if (!find_field(*itp, f, flen, &field))
        return HMAP_NO_FIELD;
    if (!field.expire_ms)
        return HMAP_NO_EXPIRY;
    int64_t before = hmap_deadline(*itp);
    write_expiry(s, itp, f, flen, 0);
    note_deadline(s, *itp, before);
    store_note_write(s, *itp);
    return HMAP_PERSISTED;
}

/* What keep_undue needs: the pack, the time, how many it may drop, and
 * what it finds. */
struct due_filter {
    const struct pk *k;
    int64_t now_ms;
    size_t max, removed;
    int64_t first; /* earliest expiry among the fields kept */
};

/* pack_filter's test for a pack with expiries: drops due fields (up to
 * max) and notes the earliest expiry of those kept, so that one pass
 * both compacts the pack and gives its new head. */
static int keep_undue(void *ctx, const unsigned char *p, size_t off)
{
    struct due_filter *df = ctx;
    struct hmap_field field;
    (void)p;
    pk_read(df->k, off, &field);
    int64_t at = field.expire_ms;
    if (at && at <= df->now_ms && df->removed < df->max) {
        df->removed++;
        return 0;
    }
    if (at && (!df->first || at < df->first))
        df->first = at;
    return 1;
}

size_t hmap_expire_due(struct store *s, struct item **itp, int64_t now_ms, size_t max)
{
    int64_t before = hmap_deadline(*itp);
    if (!before || before > now_ms)
        return 0;
    size_t removed = 0;
    struct item *it = *itp;
    if (!is_pack(it)) {
        struct htab *h = table_of(it);
        const struct heap *x;
        while (removed < max && (x = heap_of(h)) && x->v[0].at <= now_ms) {
            size_t flen;
            const char *f = hentry_key(x->v[0].e, &flen);
            heap_remove(h, 0);
            htab_delete(h, f, flen);
            removed++;
        }
    } else {
        struct pk k = pk_of(it);
        struct due_filter df = {&k, now_ms, max, 0, 0};
        size_t len = pack_filter(k.p, k.len, k.stride, keep_undue, &df);
        it = store_resize_payload(s, it, k.head + len);
        memcpy(item_payload(it), &df.first, sizeof df.first);
        removed = df.removed;
        *itp = it;
    }
    note_deadline(s, *itp, before);
    store_note_write(s, *itp);
    store_note_expired_fields(s, removed);
    return removed;
}
