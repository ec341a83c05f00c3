/* strlist: a growing list of byte strings copied back to back, for replies
 * that must be counted before they are written (KEYS, SCAN, the set
 * commands) and for values read out of a structure the same command then
 * changes. */
#ifndef TIDECACHE_STRLIST_H
#define TIDECACHE_STRLIST_H

#include "tidecache/buf.h"

#include <stddef.h>

struct strlist_ref {
    size_t off, len; /* where string i is in bytes */
};

struct strlist {
    struct buf bytes; /* the strings, back to back */
    struct strlist_ref *refs;
    size_t count, cap;
};

void strlist_init(struct strlist *l);
void strlist_free(struct strlist *l);
void strlist_push(struct strlist *l, const char *s, size_t len);

/* String i (valid until the next push); *len its length. */
const char *strlist_get(const struct strlist *l, size_t i, size_t *len);

/* Remove string i by moving the last one into its place (order is not
 * kept). */
void strlist_swap_remove(struct strlist *l, size_t i);

#endif
