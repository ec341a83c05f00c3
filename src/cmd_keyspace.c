/* Keyspace commands: DEL, EXISTS, TTL, PTTL, EXPIRE, PEXPIRE, PERSIST,
 * DBSIZE, FLUSHALL. */
#include "commands.h"
#include "tidecache/clock.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/reply.h"
#include "tidecache/status.h"
#include "tidecache/store.h"

/* DEL key [key ...] */
void cmd_del(struct conn *c, size_t argc, struct arg *argv)
{
    long long deleted = 0;
    for (size_t i = 1; i < argc; i++)
        deleted += store_delete(c->db, argv[i].ptr, argv[i].len);
    reply_int(c, deleted);
}

/* EXISTS key [key ...]: a key named twice counts twice. */
void cmd_exists(struct conn *c, size_t argc, struct arg *argv)
{
    long long found = 0;
    for (size_t i = 1; i < argc; i++)
        found += store_find(c->db, argv[i].ptr, argv[i].len) != NULL;
    reply_int(c, found);
}

/* TTL and PTTL: -2 for a missing key, -1 for one without expiry; seconds
 * are rounded to the nearest, as Redis rounds them. */
static void ttl_reply(struct conn *c, struct arg *key, int in_ms)
{
    struct item *it = store_find(c->db, key->ptr, key->len);
    if (!it) {
        reply_int(c, -2);
        return;
    }
    int64_t expire = item_expire_ms(it);
    if (!expire) {
        reply_int(c, -1);
        return;
    }
    int64_t ttl = expire - clock_now_ms();
    if (ttl < 0)
        ttl = 0;
    reply_int(c, in_ms ? ttl : (ttl + 500) / 1000);
}

void cmd_ttl(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    ttl_reply(c, &argv[1], 0);
}

void cmd_pttl(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    ttl_reply(c, &argv[1], 1);
}

enum expire_flag { EXPIRE_NX = 1, EXPIRE_XX = 2, EXPIRE_GT = 4, EXPIRE_LT = 8 };

/* NX | XX | GT | LT after the time, with Redis's compatibility errors. */
static int expire_parse_flags(struct conn *c, size_t argc, struct arg *argv, unsigned *flags)
{
    *flags = 0;
    for (size_t j = 3; j < argc; j++) {
        if (arg_is(&argv[j], "nx"))
            *flags |= EXPIRE_NX;
        else if (arg_is(&argv[j], "xx"))
            *flags |= EXPIRE_XX;
        else if (arg_is(&argv[j], "gt"))
            *flags |= EXPIRE_GT;
        else if (arg_is(&argv[j], "lt"))
            *flags |= EXPIRE_LT;
        else {
            reply_errorf(c, "ERR Unsupported option %.*s", (int)argv[j].len, argv[j].ptr);
            return TC_ERR;
        }
    }
    if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return TC_ERR;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return TC_ERR;
    }
    return TC_OK;
}

/* Whether the NX/XX/GT/LT condition lets `when` replace `current` (0 = no
 * expiry, which GT and LT treat as an infinite TTL). */
static int expire_condition_holds(unsigned flags, int64_t current, int64_t when)
{
    if ((flags & EXPIRE_NX) && current)
        return 0;
    if ((flags & EXPIRE_XX) && !current)
        return 0;
    if ((flags & EXPIRE_GT) && (!current || when <= current))
        return 0;
    if ((flags & EXPIRE_LT) && current && when >= current)
        return 0;
    return 1;
}

/* EXPIRE / PEXPIRE key time [NX|XX|GT|LT]. A time already past deletes the
 * key (and counts as set). */
static void expire_generic(struct conn *c, size_t argc, struct arg *argv, enum expire_unit unit,
                           const char *name)
{
    unsigned flags;
    int64_t when;
    if (expire_parse_flags(c, argc, argv, &flags) != TC_OK)
        return;
    if (command_parse_expire(c, &argv[2], unit, 1, 0, name, &when) != TC_OK)
        return;
    struct item *it = store_find(c->db, argv[1].ptr, argv[1].len);
    if (!it || !expire_condition_holds(flags, item_expire_ms(it), when)) {
        reply_int(c, 0);
        return;
    }
    if (when <= clock_now_ms())
        store_delete(c->db, argv[1].ptr, argv[1].len);
    else
        store_set_expire(c->db, it, when);
    reply_int(c, 1);
}

void cmd_expire(struct conn *c, size_t argc, struct arg *argv)
{
    expire_generic(c, argc, argv, EXPIRE_SECONDS, "expire");
}

void cmd_pexpire(struct conn *c, size_t argc, struct arg *argv)
{
    expire_generic(c, argc, argv, EXPIRE_MILLISECONDS, "pexpire");
}

/* PERSIST key: 1 when an expiry was removed. */
void cmd_persist(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it = store_find(c->db, argv[1].ptr, argv[1].len);
    if (!it || !item_expire_ms(it)) {
        reply_int(c, 0);
        return;
    }
    store_set_expire(c->db, it, 0);
    reply_int(c, 1);
}

void cmd_dbsize(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    reply_int(c, (long long)store_count(c->db));
}

/* FLUSHALL [ASYNC|SYNC] */
void cmd_flushall(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc > 2 || (argc == 2 && !arg_is(&argv[1], "async") && !arg_is(&argv[1], "sync"))) {
        reply_syntax_error(c);
        return;
    }
    for (int i = 0; i < db_count(); i++)
        store_flush(db_get(i));
    reply_ok(c);
}
