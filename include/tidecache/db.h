/* db: the numbered keyspaces (SELECT n). */
#ifndef TIDECACHE_DB_H
#define TIDECACHE_DB_H

#include <stddef.h>
#include <stdint.h>

struct store;

void db_setup(int count);
void db_teardown(void);
int db_count(void);
struct store *db_get(int index);

/* Keys in all keyspaces, keys removed by expiry in all of them, and hash
 * fields removed by their own expiry. */
size_t db_total_keys(void);
uint64_t db_total_expired(void);
uint64_t db_total_expired_fields(void);

#endif
