/* strlist: see include/tidecache/strlist.h. */
#include "tidecache/strlist.h"

#include "tidecache/mem.h"

#include <string.h>

void strlist_init(struct strlist *l)
{
    memset(l, 0, sizeof *l);
    buf_init(&l->bytes);
}

void strlist_free(struct strlist *l)
{
    buf_free(&l->bytes);
    mem_free(l->refs);
    l->refs = NULL;
    l->count = l->cap = 0;
}

void strlist_push(struct strlist *l, const char *s, size_t len)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->refs = mem_realloc(l->refs, l->cap * sizeof *l->refs);
    }
    l->refs[l->count].off = buf_used(&l->bytes);
    l->refs[l->count].len = len;
    l->count++;
    if (len)
        buf_append(&l->bytes, s, len);
}

const char *strlist_get(const struct strlist *l, size_t i, size_t *len)
{
    *len = l->refs[i].len;
    /* only empty strings so far: the buffer may never have been allocated */
    return *len ? l->bytes.data + l->bytes.start + l->refs[i].off : "";
}

void strlist_swap_remove(struct strlist *l, size_t i)
{
    l->refs[i] = l->refs[--l->count];
}
