/* Keyspace commands: DEL, UNLINK, EXISTS, TOUCH, TYPE, TTL, PTTL, EXPIRE,
 * PEXPIRE, EXPIREAT, PEXPIREAT, EXPIRETIME, PEXPIRETIME, PERSIST, RENAME,
 * RENAMENX, COPY, MOVE, RANDOMKEY, KEYS, SCAN, DBSIZE. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "tidecache/clock.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/glob.h"
#include "tidecache/mem.h"
#include "tidecache/num.h"
#include "tidecache/object.h"
#include "tidecache/reply.h"
#include "tidecache/status.h"
#include "tidecache/store.h"
#include "tidecache/strlist.h"

/* DEL key [key ...] */
void cmd_del(struct conn *c, size_t argc, struct arg *argv)
{
    long long deleted = 0;
    for (size_t i = 1; i < argc; i++)
        deleted += store_delete(c->db, argv[i].ptr, argv[i].len);
    reply_int(c, deleted);
}

/* The number of argv[1..argc) that exist; a key named twice counts twice.
 * Marks them accessed when `touch` (TOUCH does, EXISTS does not). */
static long long count_existing(struct conn *c, size_t argc, struct arg *argv, int touch)
{
    long long found = 0;
    for (size_t i = 1; i < argc; i++)
        found += (touch ? store_find(c->db, argv[i].ptr, argv[i].len)
                        : command_find_quietly(c, &argv[i])) != NULL;
    return found;
}

/* EXISTS key [key ...] */
void cmd_exists(struct conn *c, size_t argc, struct arg *argv)
{
    reply_int(c, count_existing(c, argc, argv, 0));
}

/* TOUCH key [key ...]: the keys that exist, each marked accessed (the
 * eviction policies' access field) as a read marks it. */
void cmd_touch(struct conn *c, size_t argc, struct arg *argv)
{
    reply_int(c, count_existing(c, argc, argv, 1));
}

/* TYPE key: "string", "hash", "set" or "none", as a status reply. */
void cmd_type(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it = command_find_quietly(c, &argv[1]);
    reply_simple(c, it ? object_type_name(item_type(it)) : "none");
}

/* TTL and PTTL: -2 for a missing key, -1 for one without expiry; seconds
 * are rounded to the nearest, as Redis rounds them. */
static void ttl_reply(struct conn *c, struct arg *key, int in_ms)
{
    struct item *it = command_find_quietly(c, key);
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

/* EXPIRE / PEXPIRE key time and EXPIREAT / PEXPIREAT key unix-time, with
 * [NX|XX|GT|LT]: `relative` says whether the time counts from now. A time
 * already past deletes the key (and counts as set). */
static void expire_generic(struct conn *c, size_t argc, struct arg *argv, enum expire_unit unit,
                           int relative, const char *name)
{
    unsigned flags;
    int64_t when;
    if (expire_parse_flags(c, argc, argv, &flags) != TC_OK)
        return;
    if (command_parse_expire(c, &argv[2], unit, relative, 0, name, &when) != TC_OK)
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
    expire_generic(c, argc, argv, EXPIRE_SECONDS, 1, "expire");
}

void cmd_pexpire(struct conn *c, size_t argc, struct arg *argv)
{
    expire_generic(c, argc, argv, EXPIRE_MILLISECONDS, 1, "pexpire");
}

void cmd_expireat(struct conn *c, size_t argc, struct arg *argv)
{
    expire_generic(c, argc, argv, EXPIRE_SECONDS, 0, "expireat");
}

void cmd_pexpireat(struct conn *c, size_t argc, struct arg *argv)
{
    expire_generic(c, argc, argv, EXPIRE_MILLISECONDS, 0, "pexpireat");
}

/* EXPIRETIME / PEXPIRETIME key: the absolute expiry in Unix seconds
 * (truncated) or ms; -2 for a missing key, -1 for one without expiry. */
static void expiretime_reply(struct conn *c, const struct arg *key, int in_ms)
{
    struct item *it = command_find_quietly(c, key);
    if (!it) {
        reply_int(c, -2);
        return;
    }
    int64_t expire = item_expire_ms(it);
    if (!expire)
        reply_int(c, -1);
    else
        reply_int(c, in_ms ? expire : expire / 1000);
}

void cmd_expiretime(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    expiretime_reply(c, &argv[1], 0);
}

void cmd_pexpiretime(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    expiretime_reply(c, &argv[1], 1);
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

/* RENAME / RENAMENX key newkey: the value and its expiry move to newkey. A
 * missing key is an error even when both names are the same; the same name
 * otherwise changes nothing (RENAMENX then answers 0). */
static void rename_generic(struct conn *c, struct arg *argv, int nx)
{
    struct arg *src = &argv[1], *dst = &argv[2];
    struct item *it = store_find(c->db, src->ptr, src->len);
    if (!it) {
        reply_error(c, "ERR no such key");
        return;
    }
    int same = src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0;
    if (same || (nx && store_find(c->db, dst->ptr, dst->len))) {
        if (nx)
            reply_int(c, 0);
        else
            reply_ok(c);
        return;
    }
    store_move(c->db, it, c->db, dst->ptr, dst->len);
    if (nx)
        reply_int(c, 1);
    else
        reply_ok(c);
}

void cmd_rename(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    rename_generic(c, argv, 0);
}

void cmd_renamenx(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    rename_generic(c, argv, 1);
}

/* COPY's options: [DB destination-db] [REPLACE], in any order and
 * repeatable (the last DB counts). The database index must fit an int and
 * name an existing keyspace, checked as it is read, as Redis does. */
static int copy_parse_options(struct conn *c, size_t argc, struct arg *argv, int *dbid,
                              int *replace)
{
    for (size_t j = 3; j < argc; j++) {
        if (arg_is(&argv[j], "replace")) {
            *replace = 1;
        } else if (arg_is(&argv[j], "db") && j + 1 < argc) {
            long long v;
            j++;
            if (!num_parse_ll(argv[j].ptr, argv[j].len, &v)) {
                reply_not_integer(c);
                return TC_ERR;
            }
            if (v < INT_MIN || v > INT_MAX) {
                reply_errorf(c, "ERR value is out of range, value must between %d and %d", INT_MIN,
                             INT_MAX);
                return TC_ERR;
            }
            if (!db_get((int)v)) {
                reply_error(c, "ERR DB index is out of range");
                return TC_ERR;
            }
            *dbid = (int)v;
        } else {
            reply_syntax_error(c);
            return TC_ERR;
        }
    }
    return TC_OK;
}

/* Store a copy of the item's value and expiry under key in target
 * (replacing what was there); a table is copied whole. The item stays
 * valid: writing key frees only key's old item. */
static void value_copy(struct store *target, const struct arg *key, const struct item *it)
{
    unsigned char tag = item_tag(it);
    if (item_type(it) == OBJ_STRING) {
        store_set(target, key->ptr, key->len, item_value(it), item_value_len(it),
                  item_expire_ms(it));
    } else if (object_tag_external(tag)) {
        void *copy = object_external_copy(tag, object_external_ptr(item_payload(it)),
                                          store_account(target));
        store_set_object(target, key->ptr, key->len, tag, &copy, sizeof copy, item_expire_ms(it));
    } else {
        store_set_object(target, key->ptr, key->len, tag, item_payload(it), item_payload_len(it),
                         item_expire_ms(it));
    }
}

/* COPY source destination [DB destination-db] [REPLACE]: 1 when copied.
 * The copy keeps the source's expiry (not the TTL policy's default). */
void cmd_copy(struct conn *c, size_t argc, struct arg *argv)
{
    int dbid = c->db_index, replace = 0;
    if (copy_parse_options(c, argc, argv, &dbid, &replace) != TC_OK)
        return;
    struct arg *src = &argv[1], *dst = &argv[2];
    if (dbid == c->db_index && src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    struct item *it = store_find(c->db, src->ptr, src->len);
    struct store *target = db_get(dbid);
    if (!it || (!replace && store_find(target, dst->ptr, dst->len))) {
        reply_int(c, 0);
        return;
    }
    value_copy(target, dst, it);
    reply_int(c, 1);
}

/* MOVE key db: 1 when the key moved to keyspace db (with its expiry), 0
 * when it is missing here or present there. */
void cmd_move(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    long long v;
    if (!num_parse_ll(argv[2].ptr, argv[2].len, &v)) {
        reply_not_integer(c);
        return;
    }
    if (v < INT_MIN || v > INT_MAX) {
        reply_errorf(c, "ERR value is out of range, value must between %d and %d", INT_MIN,
                     INT_MAX);
        return;
    }
    struct store *target = db_get((int)v);
    if (!target) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    if (target == c->db) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    struct item *it = store_find(c->db, argv[1].ptr, argv[1].len);
    if (!it || store_find(target, argv[1].ptr, argv[1].len)) {
        reply_int(c, 0);
        return;
    }
    store_move(c->db, it, target, argv[1].ptr, argv[1].len);
    reply_int(c, 1);
}

/* RANDOMKEY: a random key, or nil when none is found. */
void cmd_randomkey(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    struct item *it = store_random(c->db);
    if (it)
        reply_bulk(c, item_key(it), item_key_len(it));
    else
        reply_null(c);
}

/* Keys gathered by KEYS and SCAN. They are copied out of the store while it
 * is walked, so they stay valid whatever the walk does to the table. */
struct key_list {
    struct strlist keys;
    size_t visited;        /* live keys met, kept or not */
    const struct arg *pattern; /* MATCH pattern; NULL keeps every key */
    int keep;              /* 0 when a TYPE filter names no stored type */
    int type;              /* the type a TYPE filter keeps; -1 for any */
};

static void key_list_init(struct key_list *kl, const struct arg *pattern, int keep)
{
    memset(kl, 0, sizeof *kl);
    strlist_init(&kl->keys);
    /* "*" matches everything: skip the matcher, as Redis does */
    kl->pattern = pattern && !(pattern->len == 1 && pattern->ptr[0] == '*') ? pattern : NULL;
    kl->keep = keep;
    kl->type = -1;
}

/* store_scan callback: count the key, keep it when the filters pass. */
static void key_list_visit(void *ctx, const struct item *it)
{
    struct key_list *kl = ctx;
    kl->visited++;
    if (!kl->keep)
        return;
    if (kl->type >= 0 && (int)item_type(it) != kl->type)
        return;
    const char *key = item_key(it);
    size_t klen = item_key_len(it);
    if (kl->pattern && !glob_match(kl->pattern->ptr, kl->pattern->len, key, klen, 0))
        return;
    strlist_push(&kl->keys, key, klen);
}

/* KEYS pattern: every key matching, in one full pass over the table. */
void cmd_keys(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct key_list kl;
    key_list_init(&kl, &argv[1], 1);
    store_scan(c->db, 0, SIZE_MAX, key_list_visit, &kl);
    reply_strlist(c, &kl.keys, 0);
    strlist_free(&kl.keys);
}

/* The type a TYPE option names (any case), or -2. */
static int scan_type_named(const struct arg *name)
{
    static const enum object_type types[] = {OBJ_STRING, OBJ_HASH, OBJ_SET};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (arg_is(name, object_type_name(types[i])))
            return (int)types[i];
    return -2;
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: [next cursor as a
 * bulk string, [keys]]. Like Redis, a call walks buckets until it has met
 * COUNT keys or walked 10 * COUNT buckets or the cursor wrapped to 0, and
 * filters by MATCH and TYPE afterwards, so a call may return fewer keys
 * (even none) while the cursor is not 0 yet. Every key present for the
 * whole iteration is returned at least once, also across table resizes
 * (store_scan's guarantee). */
void cmd_scan(struct conn *c, size_t argc, struct arg *argv)
{
    uint64_t cursor;
    struct scan_options o;
    if (command_parse_cursor(c, &argv[1], &cursor) != TC_OK ||
        command_parse_scan_options(c, argc, argv, 2, 1, &o) != TC_OK)
        return;
    int type = o.type ? scan_type_named(o.type) : -1;
    struct key_list kl;
    key_list_init(&kl, o.pattern, type != -2);
    kl.type = type;
    unsigned long long steps = scan_steps_for(o.count);
    do {
        cursor = store_scan(c->db, cursor, 1, key_list_visit, &kl);
    } while (cursor != 0 && --steps > 0 && kl.visited < o.count);

    reply_scan(c, cursor, &kl.keys);
    strlist_free(&kl.keys);
}
