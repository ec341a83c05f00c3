/* intset: a set of integers as a sorted array, the compact encoding of a
 * set whose members are all integers (Redis's intset idea).
 *
 * The payload is one byte giving the width of every element (2, 4 or 8
 * bytes, the narrowest that holds them all) and the elements in ascending
 * order, little-endian, unaligned. Membership is a binary search; an
 * insert or delete moves the elements after it. The functions work on a
 * payload in place: the caller sizes it (intset_bytes) before an insert
 * and after a delete. */
#ifndef TIDECACHE_INTSET_H
#define TIDECACHE_INTSET_H

#include <stddef.h>
#include <stdint.h>

#define INTSET_HEADER_BYTES 1

/* The payload of an empty set; its width is the narrowest. */
void intset_init(unsigned char *p);

size_t intset_count(const unsigned char *p, size_t plen);
int64_t intset_get(const unsigned char *p, size_t idx);

/* Whether v is in the set; *pos is where it is or would go. */
int intset_find(const unsigned char *p, size_t plen, int64_t v, size_t *pos);

/* Payload bytes for count elements of width enough for the set's elements
 * and v. */
size_t intset_bytes_with(const unsigned char *p, size_t count, int64_t v);

/* Insert v (not in the set) at pos, in a payload already grown to
 * intset_bytes_with(p, count + 1, v) that holds count elements; widens
 * every element first when v needs it. */
void intset_insert(unsigned char *p, size_t count, int64_t v, size_t pos);

/* Delete the element at pos of count; the payload then needs
 * INTSET_HEADER_BYTES + (count - 1) * width bytes (intset_bytes). */
void intset_delete(unsigned char *p, size_t count, size_t pos);

/* Payload bytes for count elements at the set's current width. */
size_t intset_bytes(const unsigned char *p, size_t count);

/* Parse s as a member an intset can hold: the canonical decimal form of a
 * 64-bit integer (no sign on 0, no leading zeros or spaces), as Redis
 * checks before keeping a member as an integer. */
int intset_parse(const char *s, size_t len, int64_t *v);

#endif
