/* pack: strings in a row, the compact encoding of a small set or hash
 * (Redis's listpack idea, without its back-lengths: every walk here goes
 * forward).
 *
 * The payload is a 2-byte entry count (little-endian) and the entries,
 * each a varint length and its bytes. A hash's entries alternate field
 * and value. Lookups walk the entries, which is why a pack is kept small
 * (set-max-listpack-entries and friends); edits move the bytes after the
 * edit. The functions work on a payload in place: the caller grows it
 * before an append and shrinks it after a delete. */
#ifndef TIDECACHE_PACK_H
#define TIDECACHE_PACK_H

#include <stddef.h>

#define PACK_HEADER_BYTES 2
#define PACK_MAX_ENTRIES 65535 /* the count's range: past it, a table */

/* The payload of an empty pack (PACK_HEADER_BYTES long). */
void pack_init(unsigned char *p);

size_t pack_count(const unsigned char *p);

/* Walk: start at PACK_HEADER_BYTES; pack_entry reads the entry at offset
 * off into *s, *len and returns the offset of the next one (plen at the
 * end). */
size_t pack_entry(const unsigned char *p, size_t off, const char **s, size_t *len);

/* The offset of the first entry equal to s (stepping `stride` entries at a
 * time: 1 for a set, 2 for a hash's fields), or 0 when there is none. */
size_t pack_find(const unsigned char *p, size_t plen, const char *s, size_t len, size_t stride);

/* Bytes an entry of len bytes takes. */
size_t pack_entry_bytes(size_t len);

/* Append an entry at the end of a payload of plen bytes, already grown by
 * pack_entry_bytes(len); counts it. */
void pack_append(unsigned char *p, size_t plen, const char *s, size_t len);

/* Delete n consecutive entries starting at offset off from a payload of
 * plen bytes; returns the payload's new length. */
size_t pack_delete(unsigned char *p, size_t plen, size_t off, size_t n);

/* Replace the entry at offset off of a payload of plen bytes with s[0..len):
 * the payload must have room for the new length, which is returned (grow
 * it before a longer entry, shrink it after a shorter one). */
size_t pack_replace(unsigned char *p, size_t plen, size_t off, const char *s, size_t len);

/* Keep the groups of `stride` consecutive entries (a hash's field and
 * value, ...) for which keep(ctx, p, off) is true, in one pass that moves
 * each kept group once, and count them; keep is called with each group's
 * offset in order, before any byte at or after it moves. Returns the
 * payload's new length. */
typedef int pack_keep_fn(void *ctx, const unsigned char *p, size_t off);
size_t pack_filter(unsigned char *p, size_t plen, size_t stride, pack_keep_fn *keep, void *ctx);

/* The offset of entry idx (0-based), walking from the start. */
size_t pack_offset_of(const unsigned char *p, size_t plen, size_t idx);

#endif
