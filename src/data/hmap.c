/* hmap: the hash type over pack and table; see include/tidecache/hmap.h. */
#include "tidecache/hmap.h"

#include "tidecache/htab.h"
#include "tidecache/mem.h"
#include "tidecache/object.h"
#include "tidecache/pack.h"
#include "tidecache/varint.h"

#include <string.h>

#define HASH_PACK OBJECT_TAG(OBJ_HASH, OBJ_ENC_LISTPACK)
#define HASH_TABLE OBJECT_TAG(OBJ_HASH, OBJ_ENC_HASHTABLE)

#define PACK_PAIR 2 /* entries per field: the field, then its value */

static struct htab *table_of(const struct item *it)
{
    return object_external_ptr(item_payload(it));
}

static int is_pack(const struct item *it)
{
    return OBJECT_TAG_ENCODING(item_tag(it)) == OBJ_ENC_LISTPACK;
}

/* Whether a pack may hold count fields whose longest field or value is
 * longest bytes. */
static int pack_fits(size_t count, size_t longest, const struct hmap_limits *lim)
{
    return count <= (size_t)lim->listpack_entries && count * PACK_PAIR <= PACK_MAX_ENTRIES &&
           longest <= (size_t)lim->listpack_value;
}

struct item *hmap_create(struct store *s, const char *key, size_t klen, size_t flen, size_t vlen,
                         int64_t expire_ms, const struct hmap_limits *lim)
{
    if (pack_fits(1, flen > vlen ? flen : vlen, lim)) {
        unsigned char head[PACK_HEADER_BYTES];
        pack_init(head);
        return store_set_object(s, key, klen, HASH_PACK, head, PACK_HEADER_BYTES, expire_ms);
    }
    struct htab *h = htab_create(store_account(s));
    return store_set_object(s, key, klen, HASH_TABLE, &h, sizeof h, expire_ms);
}

/* ---- table entries: the value after the field --------------------------- */

static void entry_value(struct hentry *e, const char **v, size_t *vlen)
{
    const unsigned char *x = hentry_extra(e);
    size_t n = varint_get(x, vlen);
    *v = (const char *)x + n;
}

static void entry_write_value(struct hentry *e, const char *v, size_t vlen)
{
    unsigned char *x = hentry_extra(e);
    size_t n = varint_put(x, vlen);
    if (vlen)
        memcpy(x + n, v, vlen);
}

static size_t value_bytes(size_t vlen)
{
    return varint_len(vlen) + vlen;
}

static void table_set(struct htab *h, const char *f, size_t flen, const char *v, size_t vlen,
                      int *added)
{
    struct hentry *e = htab_find(h, f, flen);
    *added = e == NULL;
    e = e ? htab_resize_entry(h, e, value_bytes(vlen)) : htab_add(h, f, flen, value_bytes(vlen));
    entry_write_value(e, v, vlen);
}

/* ---- reading -------------------------------------------------------------- */

size_t hmap_len(const struct item *it)
{
    return is_pack(it) ? pack_count(item_payload(it)) / PACK_PAIR : htab_count(table_of(it));
}

int hmap_get(const struct item *it, const char *f, size_t flen, const char **v, size_t *vlen)
{
    if (!is_pack(it)) {
        struct hentry *e = htab_find(table_of(it), f, flen);
        if (e)
            entry_value(e, v, vlen);
        return e != NULL;
    }
    const unsigned char *p = item_payload(it);
    size_t off = pack_find(p, item_payload_len(it), f, flen, PACK_PAIR);
    if (!off)
        return 0;
    const char *field;
    size_t len;
    pack_entry(p, pack_entry(p, off, &field, &len), v, vlen);
    return 1;
}

void hmap_iter_start(struct hmap_iter *i, const struct item *it)
{
    i->it = it;
    i->off = PACK_HEADER_BYTES;
    if (!is_pack(it))
        htab_iter_start(&i->hi, table_of(it));
}

int hmap_iter_next(struct hmap_iter *i, struct hmap_field *out)
{
    if (!is_pack(i->it)) {
        struct hentry *e = (struct hentry *)htab_iter_next(&i->hi);
        if (!e)
            return 0;
        out->f = hentry_key(e, &out->flen);
        entry_value(e, &out->v, &out->vlen);
        return 1;
    }
    const unsigned char *p = item_payload(i->it);
    if (i->off >= item_payload_len(i->it))
        return 0;
    i->off = pack_entry(p, i->off, &out->f, &out->flen);
    i->off = pack_entry(p, i->off, &out->v, &out->vlen);
    return 1;
}

void hmap_random(const struct item *it, uint64_t (*rnd)(void), struct hmap_field *out)
{
    if (!is_pack(it)) {
        struct hentry *e = htab_random(table_of(it), rnd);
        out->f = hentry_key(e, &out->flen);
        entry_value(e, &out->v, &out->vlen);
        return;
    }
    const unsigned char *p = item_payload(it);
    size_t plen = item_payload_len(it);
    size_t pick = (size_t)(rnd() % hmap_len(it));
    size_t off = pack_offset_of(p, plen, pick * PACK_PAIR);
    pack_entry(p, pack_entry(p, off, &out->f, &out->flen), &out->v, &out->vlen);
}

struct scan_walk {
    void (*fn)(void *ctx, const struct hmap_field *field);
    void *ctx;
};

static void scan_entry(void *ctx, const struct hentry *e)
{
    struct scan_walk *w = ctx;
    struct hmap_field field;
    field.f = hentry_key(e, &field.flen);
    entry_value((struct hentry *)e, &field.v, &field.vlen);
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

/* ---- changing ---------------------------------------------------------------- */

/* Rewrite a pack as a table, keeping fields, values, key and expiry. */
static struct item *to_table(struct store *s, struct item *it)
{
    struct htab *h = htab_create(store_account(s));
    struct hmap_iter i;
    struct hmap_field field;
    int added;
    hmap_iter_start(&i, it);
    while (hmap_iter_next(&i, &field))
        table_set(h, field.f, field.flen, field.v, field.vlen, &added);
    return store_replace_payload(s, it, HASH_TABLE, &h, sizeof h);
}

/* Replace the value entry at offset voff of a pack item, growing the item
 * before the move or shrinking it after. Returns the item. */
static struct item *pack_set_value(struct store *s, struct item *it, size_t voff, const char *v,
                                   size_t vlen)
{
    const char *old;
    size_t old_len, plen = item_payload_len(it);
    pack_entry(item_payload(it), voff, &old, &old_len);
    size_t old_bytes = pack_entry_bytes(old_len), new_bytes = pack_entry_bytes(vlen);
    if (new_bytes > old_bytes)
        it = store_resize_payload(s, it, plen + new_bytes - old_bytes);
    size_t len = pack_replace(item_payload(it), plen, voff, v, vlen);
    if (new_bytes < old_bytes)
        it = store_resize_payload(s, it, len);
    return it;
}

static int set_field(struct store *s, struct item **itp, const char *f, size_t flen,
                     const char *v, size_t vlen, const struct hmap_limits *lim)
{
    struct item *it = *itp;
    int added;
    if (!is_pack(it)) {
        table_set(table_of(it), f, flen, v, vlen, &added);
        return added;
    }
    const unsigned char *p = item_payload(it);
    size_t plen = item_payload_len(it);
    size_t off = pack_find(p, plen, f, flen, PACK_PAIR);
    size_t count = hmap_len(it) + (off == 0);
    if (!pack_fits(count, flen > vlen ? flen : vlen, lim)) {
        *itp = to_table(s, it);
        return set_field(s, itp, f, flen, v, vlen, lim);
    }
    if (off) {
        const char *field;
        size_t len;
        *itp = pack_set_value(s, it, pack_entry(p, off, &field, &len), v, vlen);
        return 0;
    }
    it = store_resize_payload(s, it, plen + pack_entry_bytes(flen) + pack_entry_bytes(vlen));
    pack_append(item_payload(it), plen, f, flen);
    pack_append(item_payload(it), plen + pack_entry_bytes(flen), v, vlen);
    *itp = it;
    return 1;
}

/* Every set is a write, even of the value the field had (WATCH sees it),
 * as in Redis. */
int hmap_set(struct store *s, struct item **itp, const char *f, size_t flen, const char *v,
             size_t vlen, const struct hmap_limits *lim)
{
    int added = set_field(s, itp, f, flen, v, vlen, lim);
    store_note_write(s, *itp);
    return added;
}

int hmap_delete(struct store *s, struct item **itp, const char *f, size_t flen)
{
    struct item *it = *itp;
    if (!is_pack(it)) {
        int removed = htab_delete(table_of(it), f, flen);
        if (removed)
            store_note_write(s, it);
        return removed;
    }
    unsigned char *p = item_payload(it);
    size_t plen = item_payload_len(it);
    size_t off = pack_find(p, plen, f, flen, PACK_PAIR);
    if (!off)
        return 0;
    *itp = store_resize_payload(s, it, pack_delete(p, plen, off, PACK_PAIR));
    return 1;
}
