/* String commands: GET, SET. */
#include <string.h>

#include "commands.h"
#include "tidecache/clock.h"
#include "tidecache/conn.h"
#include "tidecache/reply.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"
#include "tidecache/store.h"

/* GET key */
void cmd_get(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it = store_find(c->db, argv[1].ptr, argv[1].len);
    if (!it) {
        stats.keyspace_misses++;
        reply_null(c);
        return;
    }
    stats.keyspace_hits++;
    reply_bulk(c, item_value(it), item_value_len(it));
}

enum set_flag {
    SET_NX = 1u << 0,
    SET_XX = 1u << 1,
    SET_GET = 1u << 2,
    SET_KEEPTTL = 1u << 3,
    SET_EX = 1u << 4,
    SET_PX = 1u << 5,
    SET_EXAT = 1u << 6,
    SET_PXAT = 1u << 7,
};

#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* The options of SET, as Redis accepts them: NX and XX exclude each other,
 * KEEPTTL and the expiry forms exclude each other, and the same expiry form
 * may be repeated (the last one counts). Returns the index of the expiry
 * argument in *expire_at (0 when none), or TC_ERR after replying. */
static int set_parse_options(struct conn *c, size_t argc, struct arg *argv, unsigned *flags,
                             size_t *expire_at)
{
    static const struct {
        const char *word;
        unsigned flag;
    } expire_forms[] = {{"ex", SET_EX}, {"px", SET_PX}, {"exat", SET_EXAT}, {"pxat", SET_PXAT}};

    *flags = 0;
    *expire_at = 0;
    for (size_t j = 3; j < argc; j++) {
        struct arg *opt = &argv[j];
        int has_next = j + 1 < argc;
        if (arg_is(opt, "nx") && !(*flags & SET_XX)) {
            *flags |= SET_NX;
            continue;
        }
        if (arg_is(opt, "xx") && !(*flags & SET_NX)) {
            *flags |= SET_XX;
            continue;
        }
        if (arg_is(opt, "get")) {
            *flags |= SET_GET;
            continue;
        }
        if (arg_is(opt, "keepttl") && !(*flags & SET_ANY_EXPIRE)) {
            *flags |= SET_KEEPTTL;
            continue;
        }
        int matched = 0;
        for (size_t f = 0; f < sizeof expire_forms / sizeof expire_forms[0]; f++) {
            unsigned others = (SET_ANY_EXPIRE | SET_KEEPTTL) & ~expire_forms[f].flag;
            if (arg_is(opt, expire_forms[f].word) && !(*flags & others) && has_next) {
                *flags |= expire_forms[f].flag;
                *expire_at = ++j;
                matched = 1;
                break;
            }
        }
        if (!matched) {
            reply_syntax_error(c);
            return TC_ERR;
        }
    }
    return TC_OK;
}

/* SET key value [NX|XX] [GET] [EX s|PX ms|EXAT unix-s|PXAT unix-ms|KEEPTTL]
 * A key written without an expiry and without KEEPTTL gets the configured
 * default (default-ttl, ttl-rule); KEEPTTL keeps the old key's expiry, and a
 * new key under KEEPTTL gets the default too. An expiry already in the past
 * stores nothing and removes the key, as Redis does. */
void cmd_set(struct conn *c, size_t argc, struct arg *argv)
{
    unsigned flags;
    size_t expire_at;
    if (set_parse_options(c, argc, argv, &flags, &expire_at) != TC_OK)
        return;

    int64_t expire_ms = 0;
    if (expire_at) {
        int seconds = (flags & (SET_EX | SET_EXAT)) != 0;
        int relative = (flags & (SET_EX | SET_PX)) != 0;
        if (command_parse_expire(c, &argv[expire_at], seconds ? EXPIRE_SECONDS : EXPIRE_MILLISECONDS,
                                 relative, 1, "set", &expire_ms) != TC_OK)
            return;
    }

    const char *key = argv[1].ptr;
    size_t klen = argv[1].len;
    struct item *old = store_find(c->db, key, klen);
    if (flags & SET_GET) {
        if (old)
            reply_bulk(c, item_value(old), item_value_len(old));
        else
            reply_null(c);
    }
    if (((flags & SET_NX) && old) || ((flags & SET_XX) && !old)) {
        if (!(flags & SET_GET))
            reply_null(c);
        return;
    }

    if (!expire_at) {
        if ((flags & SET_KEEPTTL) && old)
            expire_ms = item_expire_ms(old);
        else
            expire_ms = command_default_expire(key, klen);
    }

    if (expire_at && expire_ms <= clock_now_ms())
        store_delete(c->db, key, klen);
    else
        store_set(c->db, key, klen, argv[2].ptr, argv[2].len, expire_ms);
    if (!(flags & SET_GET))
        reply_ok(c);
}
