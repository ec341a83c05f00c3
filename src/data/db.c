/* db: the numbered keyspaces; see include/tidecache/db.h. */
#include "tidecache/db.h"

#include "tidecache/mem.h"
#include "tidecache/store.h"

static struct store **dbs;
static int ndbs;

void db_setup(int count)
{
    dbs = mem_calloc((size_t)count, sizeof *dbs);
    for (int i = 0; i < count; i++)
        dbs[i] = store_create();
    ndbs = count;
}

void db_teardown(void)
{
    for (int i = 0; i < ndbs; i++)
        store_destroy(dbs[i]);
    mem_free(dbs);
    dbs = NULL;
    ndbs = 0;
}

int db_count(void)
{
    return ndbs;
}

struct store *db_get(int index)
{
    return index >= 0 && index < ndbs ? dbs[index] : NULL;
}

size_t db_total_keys(void)
{
    size_t n = 0;
    for (int i = 0; i < ndbs; i++)
        n += store_count(dbs[i]);
    return n;
}

uint64_t db_total_expired_fields(void)
{
    uint64_t n = 0;
    for (int i = 0; i < ndbs; i++)
        n += store_expired_fields_total(dbs[i]);
    return n;
}

uint64_t db_total_expired(void)
{
    uint64_t n = 0;
    for (int i = 0; i < ndbs; i++)
        n += store_expired_total(dbs[i]);
    return n;
}
