/* object: types, encodings and the owned tables of external values; see
 * include/tidecache/object.h. Every external encoding is an htab today;
 * the dispatch on the tag is where another would join. */
#include "tidecache/object.h"

#include "tidecache/hmap.h"
#include "tidecache/htab.h"
#include "tidecache/num.h"
#include "tidecache/set.h"
#include "tidecache/store.h"

#include <string.h>

int object_tag_external(unsigned char tag)
{
    return OBJECT_TAG_ENCODING(tag) == OBJ_ENC_HASHTABLE;
}

void *object_external_ptr(const void *payload)
{
    void *ptr;
    memcpy(&ptr, payload, sizeof ptr);
    return ptr;
}

void object_external_free(unsigned char tag, void *ptr)
{
    (void)tag;
    htab_destroy(ptr);
}

int object_external_free_some(unsigned char tag, void *ptr, size_t max_entries)
{
    (void)tag;
    return htab_free_some(ptr, max_entries);
}

size_t object_external_entries(unsigned char tag, const void *ptr)
{
    (void)tag;
    return htab_count(ptr);
}

void *object_external_copy(unsigned char tag, const void *ptr, size_t *account)
{
    if (OBJECT_TAG_TYPE(tag) == OBJ_HASH)
        return hmap_table_copy(ptr, account);
    return htab_copy(ptr, account);
}

int64_t object_deadline(const struct item *it)
{
    return item_type(it) == OBJ_HASH ? hmap_deadline(it) : 0;
}

size_t object_expire_due(struct store *s, struct item **itp, int64_t now_ms, size_t max)
{
    return item_type(*itp) == OBJ_HASH ? hmap_expire_due(s, itp, now_ms, max) : 0;
}

int object_empty(const struct item *it)
{
    switch (item_type(it)) {
    case OBJ_HASH: return hmap_len(it) == 0;
    case OBJ_SET: return set_card(it) == 0;
    case OBJ_STRING: break;
    }
    return 0;
}

void object_external_rebind(unsigned char tag, void *ptr, size_t *account)
{
    (void)tag;
    htab_rebind(ptr, account);
}

size_t object_external_memory(unsigned char tag, const void *ptr, size_t samples)
{
    (void)tag;
    return htab_memory_sampled(ptr, samples);
}

/* Redis stores a string of at most 44 bytes in one allocation with its
 * header ("embstr"), and an integer as a number. */
#define OBJECT_EMBSTR_MAX_BYTES 44
#define OBJECT_INT_MAX_CHARS 20

const char *object_string_encoding(const char *v, size_t len)
{
    long long n;
    char canon[24];
    if (len <= OBJECT_INT_MAX_CHARS && num_parse_ll(v, len, &n) &&
        num_format_ll(canon, n) == len && memcmp(canon, v, len) == 0)
        return "int";
    return len <= OBJECT_EMBSTR_MAX_BYTES ? "embstr" : "raw";
}

size_t object_external_recount(unsigned char tag, const void *ptr)
{
    (void)tag;
    return htab_recount(ptr);
}

const char *object_type_name(enum object_type type)
{
    switch (type) {
    case OBJ_STRING: return "string";
    case OBJ_HASH: return "hash";
    case OBJ_SET: return "set";
    }
    return "none";
}

const char *object_encoding_name(unsigned char tag)
{
    switch (OBJECT_TAG_ENCODING(tag)) {
    case OBJ_ENC_INTSET: return "intset";
    case OBJ_ENC_LISTPACK: return "listpack";
    case OBJ_ENC_HASHTABLE: return "hashtable";
    case OBJ_ENC_LISTPACK_EX: return "listpackex";
    }
    return "unknown";
}
