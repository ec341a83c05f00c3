/* hmap: the hash type (a key's map of fields to values) over its two
 * encodings.
 *
 * A small hash is a pack (include/tidecache/pack.h) of alternating field
 * and value entries, in insertion order, while it has at most
 * hash-max-listpack-entries fields and no field or value longer than
 * hash-max-listpack-value bytes; any other hash is a table
 * (include/tidecache/htab.h) whose entries hold the field as their key and
 * the value (varint length, bytes) as their owner bytes. A hash converts
 * to a table when a write crosses a limit, never back, as in Redis.
 *
 * Fields may expire on their own (Redis 7.4's HEXPIRE). A pack in which a
 * field was ever given an expiry becomes a pack with expiries (OBJECT
 * ENCODING "listpackex": a third entry per field, and the earliest expiry
 * in a head); a table keeps each expiry after the field's value and a
 * min-heap of them beside the table. Either way the hash's earliest field
 * expiry (hmap_deadline) is read in O(1): the store indexes the key at it
 * and its sweep calls hmap_expire_due, so that due fields are reclaimed
 * through the expiry index, never by scanning hashes. Commands reclaim a
 * hash's due fields when they look it up (hmap_expire_due), so the reads
 * below never meet an expired field; they do not check expiries.
 *
 * Functions that change a hash take the store and a pointer to the key's
 * item, which they update when the item moves. A hash never stays empty:
 * callers delete the key when the last field goes. Pointers to values are
 * valid until the hash changes. */
#ifndef TIDECACHE_HMAP_H
#define TIDECACHE_HMAP_H

#include "tidecache/htab.h"
#include "tidecache/store.h"

#include <stddef.h>
#include <stdint.h>

/* The encoding thresholds (config options of the same names). */
struct hmap_limits {
    long long listpack_entries; /* hash-max-listpack-entries */
    long long listpack_value;   /* hash-max-listpack-value */
};

/* Store an empty hash under key (replacing what it held) with this expiry
 * (0: none), in the encoding fit for a first field and value of these
 * lengths; hmap_set adds them. */
struct item *hmap_create(struct store *s, const char *key, size_t klen, size_t flen, size_t vlen,
                         int64_t expire_ms, const struct hmap_limits *lim);

/* The value of field f: 1 with *v, *vlen set, or 0 when there is none. */
int hmap_get(const struct item *it, const char *f, size_t flen, const char **v, size_t *vlen);

/* Set field f to v: 1 when f is new, 0 when its value was replaced. v must
 * not point into the hash. */
int hmap_set(struct store *s, struct item **it, const char *f, size_t flen, const char *v,
             size_t vlen, const struct hmap_limits *lim);

/* Set field f to v as hmap_set does, but keep the field's expiry (HINCRBY
 * and HINCRBYFLOAT, as in Redis); hmap_set clears it (HSET). */
int hmap_update(struct store *s, struct item **it, const char *f, size_t flen, const char *v,
                size_t vlen, const struct hmap_limits *lim);

/* Remove field f: 1 when it was there. */
int hmap_delete(struct store *s, struct item **it, const char *f, size_t flen);

/* Fields stored, due ones not reclaimed yet included. */
size_t hmap_len(const struct item *it);

/* A field, its value and its expiry (Unix ms; 0: none), read out of a
 * hash. */
struct hmap_field {
    const char *f, *v;
    size_t flen, vlen;
    int64_t expire_ms;
};

/* ---- field expiry ---------------------------------------------------------- */

/* The earliest expiry of a field of the hash (Unix ms), 0 when none has
 * one. O(1). */
int64_t hmap_deadline(const struct item *it);

/* Field f's expiry: 1 with *at_ms set (0: none), or 0 when there is no
 * such field. */
int hmap_field_expiry(const struct item *it, const char *f, size_t flen, int64_t *at_ms);

/* HEXPIRE's conditions, and its replies per field (Redis 7.4's). */
enum hmap_expire_cond { HMAP_COND_NONE, HMAP_COND_NX, HMAP_COND_XX, HMAP_COND_GT, HMAP_COND_LT };
#define HMAP_NO_FIELD (-2)     /* no such field */
#define HMAP_NO_EXPIRY (-1)    /* the field has no expiry (HPERSIST, HTTL) */
#define HMAP_COND_FAILED 0     /* NX, XX, GT or LT did not hold */
#define HMAP_EXPIRY_SET 1      /* the expiry was set or changed */
#define HMAP_PERSISTED 1       /* HPERSIST removed the expiry */
#define HMAP_FIELD_DELETED 2   /* the time had come: the field is deleted */

/* Give field f the expiry at_ms when cond holds (no expiry counts as
 * infinite for GT and LT); a time at or before now_ms deletes the field.
 * Returns one of the replies above; the caller deletes the key when the
 * hash is left empty. */
int hmap_expire_field(struct store *s, struct item **it, const char *f, size_t flen,
                      int64_t at_ms, enum hmap_expire_cond cond, int64_t now_ms);

/* Remove field f's expiry: HMAP_PERSISTED, HMAP_NO_EXPIRY or
 * HMAP_NO_FIELD. */
int hmap_persist_field(struct store *s, struct item **it, const char *f, size_t flen);

/* Delete up to max fields whose expiry is at or before now_ms (counted in
 * the store's expired fields). Returns how many went; the caller deletes
 * the key when the hash is left empty. O(1) when none is due. */
size_t hmap_expire_due(struct store *s, struct item **it, int64_t now_ms, size_t max);

/* A copy of a hash's table with its expiry heap, counted in *account
 * (COPY). */
struct htab *hmap_table_copy(const struct htab *h, size_t *account);

/* Every field in turn: hmap_iter_start, then hmap_iter_next until it
 * returns 0. The hash must not change during the walk. */
struct hmap_iter {
    const unsigned char *p; /* a pack's entries, read once at the start; NULL for a table */
    size_t len;             /* their bytes */
    size_t stride;          /* entries per field */
    size_t off;             /* offset of the next field */
    struct htab_iter hi;
};
void hmap_iter_start(struct hmap_iter *i, const struct item *it);
int hmap_iter_next(struct hmap_iter *i, struct hmap_field *out);

/* A field drawn at random (the hash must not be empty): uniformly in a
 * pack, by a random bucket and place in its chain in a table. */
void hmap_random(const struct item *it, uint64_t (*rnd)(void), struct hmap_field *out);

/* One step of HSCAN: calls fn for the fields of count buckets and returns
 * the next cursor (0 at the end). A pack is reported whole in one step, as
 * Redis does. */
uint64_t hmap_scan(const struct item *it, uint64_t cursor, size_t count,
                   void (*fn)(void *ctx, const struct hmap_field *field), void *ctx);

#endif
