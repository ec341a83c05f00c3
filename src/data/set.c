/* set: the set type over intset, pack and table; see
 * include/tidecache/set.h. */
#include "tidecache/set.h"

#include "tidecache/htab.h"
#include "tidecache/intset.h"
#include "tidecache/mem.h"
#include "tidecache/num.h"
#include "tidecache/object.h"
#include "tidecache/pack.h"

#include <string.h>

#define SET_INTSET OBJECT_TAG(OBJ_SET, OBJ_ENC_INTSET)
#define SET_PACK OBJECT_TAG(OBJ_SET, OBJ_ENC_LISTPACK)
#define SET_TABLE OBJECT_TAG(OBJ_SET, OBJ_ENC_HASHTABLE)

static struct htab *table_of(const struct item *it)
{
    return object_external_ptr(item_payload(it));
}

/* Whether a pack may hold count members of which the longest is len
 * bytes. */
static int pack_fits(size_t count, size_t len, const struct set_limits *lim)
{
    return count <= (size_t)lim->listpack_entries && count <= PACK_MAX_ENTRIES &&
           len <= (size_t)lim->listpack_value;
}

struct item *set_create(struct store *s, const char *key, size_t klen, const char *m,
                        size_t len, int64_t expire_ms, const struct set_limits *lim)
{
    int64_t v;
    unsigned char head[PACK_HEADER_BYTES > INTSET_HEADER_BYTES ? PACK_HEADER_BYTES
                                                                : INTSET_HEADER_BYTES];
    if (lim->intset_entries > 0 && intset_parse(m, len, &v)) {
        intset_init(head);
        return store_set_object(s, key, klen, SET_INTSET, head, INTSET_HEADER_BYTES, expire_ms);
    }
    if (pack_fits(1, len, lim)) {
        pack_init(head);
        return store_set_object(s, key, klen, SET_PACK, head, PACK_HEADER_BYTES, expire_ms);
    }
    struct htab *h = htab_create(store_account(s));
    return store_set_object(s, key, klen, SET_TABLE, &h, sizeof h, expire_ms);
}

/* ---- reading ---------------------------------------------------------------- */

size_t set_card(const struct item *it)
{
    switch (OBJECT_TAG_ENCODING(item_tag(it))) {
    case OBJ_ENC_INTSET: return intset_count(item_payload(it), item_payload_len(it));
    case OBJ_ENC_LISTPACK: return pack_count(item_payload(it));
    default: return htab_count(table_of(it));
    }
}

int set_contains(const struct item *it, const char *m, size_t len)
{
    switch (OBJECT_TAG_ENCODING(item_tag(it))) {
    case OBJ_ENC_INTSET: {
        int64_t v;
        size_t pos;
        return intset_parse(m, len, &v) &&
               intset_find(item_payload(it), item_payload_len(it), v, &pos);
    }
    case OBJ_ENC_LISTPACK:
        return pack_find(item_payload(it), item_payload_len(it), m, len, 1) != 0;
    default: return htab_find(table_of(it), m, len) != NULL;
    }
}

static void member_of_int(struct set_member *out, int64_t v)
{
    out->len = num_format_ll(out->buf, v);
    out->p = out->buf;
}

void set_iter_start(struct set_iter *i, const struct item *it)
{
    i->it = it;
    i->tag = item_tag(it);
    i->pos = OBJECT_TAG_ENCODING(i->tag) == OBJ_ENC_LISTPACK ? PACK_HEADER_BYTES : 0;
    if (OBJECT_TAG_ENCODING(i->tag) == OBJ_ENC_HASHTABLE)
        htab_iter_start(&i->hi, table_of(it));
}

int set_iter_next(struct set_iter *i, struct set_member *out)
{
    const unsigned char *p = item_payload(i->it);
    size_t plen = item_payload_len(i->it);
    switch (OBJECT_TAG_ENCODING(i->tag)) {
    case OBJ_ENC_INTSET:
        if (i->pos >= intset_count(p, plen))
            return 0;
        member_of_int(out, intset_get(p, i->pos++));
        return 1;
    case OBJ_ENC_LISTPACK:
        if (i->pos >= plen)
            return 0;
        i->pos = pack_entry(p, i->pos, &out->p, &out->len);
        return 1;
    default: {
        const struct hentry *e = htab_iter_next(&i->hi);
        if (!e)
            return 0;
        out->p = hentry_key(e, &out->len);
        return 1;
    }
    }
}

void set_random(const struct item *it, uint64_t (*rnd)(void), struct set_member *out)
{
    const unsigned char *p = item_payload(it);
    size_t plen = item_payload_len(it);
    switch (OBJECT_TAG_ENCODING(item_tag(it))) {
    case OBJ_ENC_INTSET:
        member_of_int(out, intset_get(p, (size_t)(rnd() % intset_count(p, plen))));
        return;
    case OBJ_ENC_LISTPACK:
        pack_entry(p, pack_offset_of(p, plen, (size_t)(rnd() % pack_count(p))), &out->p,
                   &out->len);
        return;
    default:
        out->p = hentry_key(htab_random(table_of(it), rnd), &out->len);
        return;
    }
}

struct scan_walk {
    void (*fn)(void *ctx, const char *m, size_t len);
    void *ctx;
};

static void scan_entry(void *ctx, const struct hentry *e)
{
    struct scan_walk *w = ctx;
    size_t len;
    const char *m = hentry_key(e, &len);
    w->fn(w->ctx, m, len);
}

uint64_t set_scan(const struct item *it, uint64_t cursor, size_t count,
                  void (*fn)(void *ctx, const char *m, size_t len), void *ctx)
{
    if (OBJECT_TAG_ENCODING(item_tag(it)) != OBJ_ENC_HASHTABLE) {
        struct set_iter i;
        struct set_member m;
        set_iter_start(&i, it);
        while (set_iter_next(&i, &m))
            fn(ctx, m.p, m.len);
        return 0;
    }
    struct scan_walk w = {fn, ctx};
    return htab_scan(table_of(it), cursor, count, scan_entry, &w);
}

const char *set_encoding_name(const struct item *it)
{
    return object_encoding_name(item_tag(it));
}

/* ---- conversion ---------------------------------------------------------------- */

/* Rewrite the set in the pack or table encoding (to SET_PACK or SET_TABLE),
 * keeping its members, key and expiry. */
static struct item *convert(struct store *s, struct item *it, unsigned char to)
{
    struct set_iter i;
    struct set_member m;
    if (to == SET_TABLE) {
        struct htab *h = htab_create(store_account(s));
        set_iter_start(&i, it);
        while (set_iter_next(&i, &m))
            htab_add(h, m.p, m.len, 0);
        return store_replace_payload(s, it, SET_TABLE, &h, sizeof h);
    }
    size_t bytes = PACK_HEADER_BYTES;
    set_iter_start(&i, it);
    while (set_iter_next(&i, &m))
        bytes += pack_entry_bytes(m.len);
    unsigned char *buf = mem_alloc(bytes);
    size_t plen = PACK_HEADER_BYTES;
    pack_init(buf);
    set_iter_start(&i, it);
    while (set_iter_next(&i, &m)) {
        pack_append(buf, plen, m.p, m.len);
        plen += pack_entry_bytes(m.len);
    }
    it = store_replace_payload(s, it, SET_PACK, buf, plen);
    mem_free(buf);
    return it;
}

/* ---- changing ------------------------------------------------------------------- */

static int add_member(struct store *s, struct item **itp, const char *m, size_t len,
                      const struct set_limits *lim);

/* Characters of the longest member of an intset of count > 0 members: its
 * smallest or its largest integer, the set being sorted. */
static size_t intset_longest(const unsigned char *p, size_t count)
{
    char buf[24];
    size_t first = num_format_ll(buf, intset_get(p, 0));
    size_t last = num_format_ll(buf, intset_get(p, count - 1));
    return first > last ? first : last;
}

/* The encoding an intset of count members moves to when it must hold a
 * member of len characters more: a pack when one holds all of them. */
static unsigned char intset_successor(const struct item *it, size_t count, size_t len,
                                      const struct set_limits *lim)
{
    size_t longest = count ? intset_longest(item_payload(it), count) : 0;
    if (len > longest)
        longest = len;
    return pack_fits(count + 1, longest, lim) ? SET_PACK : SET_TABLE;
}

static int intset_add(struct store *s, struct item **itp, const char *m, size_t len,
                      const struct set_limits *lim)
{
    struct item *it = *itp;
    size_t count = set_card(it);
    int64_t v;
    size_t pos;
    if (intset_parse(m, len, &v)) {
        if (intset_find(item_payload(it), item_payload_len(it), v, &pos))
            return 0;
        if (count + 1 <= (size_t)lim->intset_entries) {
            it = store_resize_payload(s, it, intset_bytes_with(item_payload(it), count + 1, v));
            intset_insert(item_payload(it), count, v, pos);
            *itp = it;
            return 1;
        }
    }
    *itp = convert(s, it, intset_successor(it, count, len, lim));
    return add_member(s, itp, m, len, lim);
}

static int pack_add(struct store *s, struct item **itp, const char *m, size_t len,
                    const struct set_limits *lim)
{
    struct item *it = *itp;
    if (pack_find(item_payload(it), item_payload_len(it), m, len, 1))
        return 0;
    size_t count = pack_count(item_payload(it));
    if (!pack_fits(count + 1, len, lim)) {
        *itp = convert(s, it, SET_TABLE);
        return add_member(s, itp, m, len, lim);
    }
    size_t plen = item_payload_len(it);
    it = store_resize_payload(s, it, plen + pack_entry_bytes(len));
    pack_append(item_payload(it), plen, m, len);
    *itp = it;
    return 1;
}

static int add_member(struct store *s, struct item **itp, const char *m, size_t len,
                      const struct set_limits *lim)
{
    switch (OBJECT_TAG_ENCODING(item_tag(*itp))) {
    case OBJ_ENC_INTSET: return intset_add(s, itp, m, len, lim);
    case OBJ_ENC_LISTPACK: return pack_add(s, itp, m, len, lim);
    default: {
        struct htab *h = table_of(*itp);
        if (htab_find(h, m, len))
            return 0;
        htab_add(h, m, len, 0);
        return 1;
    }
    }
}

/* An add that changes nothing is no write (WATCH is not disturbed), as in
 * Redis. */
int set_add(struct store *s, struct item **itp, const char *m, size_t len,
            const struct set_limits *lim)
{
    int added = add_member(s, itp, m, len, lim);
    if (added)
        store_note_write(s, *itp);
    return added;
}

static int remove_member(struct store *s, struct item **itp, const char *m, size_t len)
{
    struct item *it = *itp;
    unsigned char *p = item_payload(it);
    size_t plen = item_payload_len(it);
    switch (OBJECT_TAG_ENCODING(item_tag(it))) {
    case OBJ_ENC_INTSET: {
        int64_t v;
        size_t pos, count = intset_count(p, plen);
        if (!intset_parse(m, len, &v) || !intset_find(p, plen, v, &pos))
            return 0;
        intset_delete(p, count, pos);
        *itp = store_resize_payload(s, it, intset_bytes(p, count - 1));
        return 1;
    }
    case OBJ_ENC_LISTPACK: {
        size_t off = pack_find(p, plen, m, len, 1);
        if (!off)
            return 0;
        *itp = store_resize_payload(s, it, pack_delete(p, plen, off, 1));
        return 1;
    }
    default: return htab_delete(table_of(it), m, len);
    }
}

int set_remove(struct store *s, struct item **itp, const char *m, size_t len)
{
    int removed = remove_member(s, itp, m, len);
    if (removed)
        store_note_write(s, *itp);
    return removed;
}
