/* object: the types a key can hold and how their values are encoded.
 *
 * A key holds a string, a hash or a set. A string's value is its bytes,
 * stored in the key's item. Any other value is an object: the item's value
 * is a one-byte tag (type and encoding) followed by the encoding's payload.
 * A compact encoding keeps its whole payload in the item (one allocation
 * for key and value, as Redis's listpack and intset ideas); a table
 * encoding's payload is a pointer to a table of its own (src/data/htab.c),
 * which the item owns: freed with it, counted with it, moved with it.
 *
 * The names are Redis's, as TYPE and OBJECT ENCODING report them. */
#ifndef TIDECACHE_OBJECT_H
#define TIDECACHE_OBJECT_H

#include <stddef.h>
#include <stdint.h>

enum object_type {
    OBJ_STRING = 0,
    OBJ_HASH = 1,
    OBJ_SET = 2,
};

enum object_encoding {
    OBJ_ENC_INTSET = 1,    /* sorted array of integers (sets) */
    OBJ_ENC_LISTPACK = 2,  /* length-prefixed entries in a row (hashes, sets) */
    OBJ_ENC_HASHTABLE = 3, /* payload: a struct htab pointer */
    OBJ_ENC_LISTPACK_EX = 4, /* a hash's pack with field expiries */
};

#define OBJECT_TAG(type, encoding) ((unsigned char)((type) << 4 | (encoding)))
#define OBJECT_TAG_TYPE(tag) ((enum object_type)((tag) >> 4))
#define OBJECT_TAG_ENCODING(tag) ((enum object_encoding)((tag) & 0x0f))

/* Whether the payload of a value with this tag is a pointer to an
 * allocation the item owns. */
int object_tag_external(unsigned char tag);

/* The owned allocation of an external payload, read from the payload's
 * bytes (unaligned). */
void *object_external_ptr(const void *payload);

/* Free an external value's allocation now, its bytes taken from the
 * counter it was counted in. */
void object_external_free(unsigned char tag, void *ptr);

/* Free up to max_entries of an external value: 1 when it is gone. The way
 * a large value deleted from the keyspace is freed a little per tick. */
int object_external_free_some(unsigned char tag, void *ptr, size_t max_entries);

/* Entries an external value holds (what freeing it costs). */
size_t object_external_entries(unsigned char tag, const void *ptr);

/* A copy of an external value, counted in *account (COPY). */
void *object_external_copy(unsigned char tag, const void *ptr, size_t *account);

/* Count an external value's bytes in *account from now on. */
void object_external_rebind(unsigned char tag, void *ptr, size_t *account);

/* Bytes an external value holds, estimated from `samples` entries (0:
 * all), as MEMORY USAGE reports them. */
size_t object_external_memory(unsigned char tag, const void *ptr, size_t samples);

/* OBJECT ENCODING of a string value, as Redis would keep it: "int" for
 * the canonical decimal form of a 64-bit integer, "embstr" up to 44
 * bytes, "raw" beyond. */
const char *object_string_encoding(const char *v, size_t len);

/* Bytes an external value holds, recounted by walking it (checks). */
size_t object_external_recount(unsigned char tag, const void *ptr);

/* ---- entries that expire inside a value (a hash's fields) ---------------- */

struct store;
struct item;

/* The earliest expiry (Unix ms) of an entry of the object's value, 0 when
 * none has one. O(1): the store asks on every insert and delete. */
int64_t object_deadline(const struct item *it);

/* Delete up to max entries of the value whose expiry is at or before
 * now_ms; returns how many went. The item may move (*itp follows); the
 * caller deletes the key when object_empty says so. */
size_t object_expire_due(struct store *s, struct item **itp, int64_t now_ms, size_t max);

/* Whether the object's value has no entry left. */
int object_empty(const struct item *it);

/* Redis's names: TYPE's ("string", "hash", "set") and OBJECT ENCODING's
 * for a tag ("intset", "listpack", "hashtable"). */
const char *object_type_name(enum object_type type);
const char *object_encoding_name(unsigned char tag);

#endif
