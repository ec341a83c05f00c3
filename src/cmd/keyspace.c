/* Keyspace commands: DEL, UNLINK, EXISTS, TOUCH, TYPE, TTL, PTTL, EXPIRE,
 * PEXPIRE, EXPIREAT, PEXPIREAT, EXPIRETIME, PEXPIRETIME, PERSIST, RENAME,
 * RENAMENX, COPY, RANDOMKEY, KEYS, SCAN, DBSIZE. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "tidecache/buf.h"
#include "tidecache/clock.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/glob.h"
#include "tidecache/mem.h"
#include "tidecache/num.h"
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

/* The number of argv[1..argc) that exist; a key named twice counts twice. */
static long long count_existing(struct conn *c, size_t argc, struct arg *argv)
{
    long long found = 0;
    for (size_t i = 1; i < argc; i++)
        found += store_find(c->db, argv[i].ptr, argv[i].len) != NULL;
    return found;
}

/* EXISTS key [key ...] */
void cmd_exists(struct conn *c, size_t argc, struct arg *argv)
{
    reply_int(c, count_existing(c, argc, argv));
}

/* TOUCH key [key ...]: the keys that exist. The store keeps no access time
 * yet, so touching is only the lookup (which also expires a due key). */
void cmd_touch(struct conn *c, size_t argc, struct arg *argv)
{
    reply_int(c, count_existing(c, argc, argv));
}

/* TYPE key: "string" or "none", as a status reply. */
void cmd_type(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    reply_simple(c, store_find(c->db, argv[1].ptr, argv[1].len) ? "string" : "none");
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
    struct item *it = store_find(c->db, key->ptr, key->len);
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
    /* The source stays live across store_set (the cached clock does not
     * move within a command, and writing dst frees only dst's old item). */
    store_set(c->db, dst->ptr, dst->len, item_value(it), item_value_len(it), item_expire_ms(it));
    store_delete(c->db, src->ptr, src->len);
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
    store_set(target, dst->ptr, dst->len, item_value(it), item_value_len(it), item_expire_ms(it));
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
    struct buf bytes;      /* the keys, back to back */
    size_t *ends;          /* ends[i]: offset in bytes just past key i */
    size_t count, cap;
    size_t visited;        /* live keys met, kept or not */
    const struct arg *pattern; /* MATCH pattern; NULL keeps every key */
    int keep;              /* 0 when a TYPE filter names no stored type */
};

static void key_list_init(struct key_list *kl, const struct arg *pattern, int keep)
{
    memset(kl, 0, sizeof *kl);
    buf_init(&kl->bytes);
    /* "*" matches everything: skip the matcher, as Redis does */
    kl->pattern = pattern && !(pattern->len == 1 && pattern->ptr[0] == '*') ? pattern : NULL;
    kl->keep = keep;
}

static void key_list_free(struct key_list *kl)
{
    buf_free(&kl->bytes);
    mem_free(kl->ends);
}

/* store_scan callback: count the key, keep it when the filters pass. */
static void key_list_visit(void *ctx, const struct item *it)
{
    struct key_list *kl = ctx;
    kl->visited++;
    if (!kl->keep)
        return;
    const char *key = item_key(it);
    size_t klen = item_key_len(it);
    if (kl->pattern && !glob_match(kl->pattern->ptr, kl->pattern->len, key, klen, 0))
        return;
    if (kl->count == kl->cap) {
        kl->cap = kl->cap ? kl->cap * 2 : 16;
        kl->ends = mem_realloc(kl->ends, kl->cap * sizeof *kl->ends);
    }
    buf_append(&kl->bytes, key, klen);
    kl->ends[kl->count++] = buf_used(&kl->bytes);
}

/* The kept keys as an array of bulk strings. */
static void key_list_reply(struct conn *c, const struct key_list *kl)
{
    reply_array(c, kl->count);
    size_t start = 0;
    for (size_t i = 0; i < kl->count; i++) {
        size_t len = kl->ends[i] - start;
        /* empty keys only: the buffer may never have been allocated */
        const char *key = len ? kl->bytes.data + kl->bytes.start + start : "";
        reply_bulk(c, key, len);
        start = kl->ends[i];
    }
}

/* KEYS pattern: every key matching, in one full pass over the table. */
void cmd_keys(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct key_list kl;
    key_list_init(&kl, &argv[1], 1);
    store_scan(c->db, 0, SIZE_MAX, key_list_visit, &kl);
    key_list_reply(c, &kl);
    key_list_free(&kl);
}

/* SCAN's cursor, read as Redis reads it: strtoull's syntax (so "-1" wraps to
 * the largest cursor and "" is 0), no leading space, nothing after the
 * digits, no overflow. */
static int scan_parse_cursor(struct conn *c, const struct arg *a, uint64_t *cursor)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(a->ptr, &end, 10);
    if (isspace((unsigned char)a->ptr[0]) || *end != '\0' || errno == ERANGE) {
        reply_error(c, "ERR invalid cursor");
        return TC_ERR;
    }
    *cursor = v;
    return TC_OK;
}

#define SCAN_DEFAULT_COUNT 10     /* keys per call without COUNT, as Redis */
#define SCAN_STEPS_PER_COUNT 10   /* buckets visited per requested key, at most */

struct scan_options {
    const struct arg *pattern;
    unsigned long long count;
    int type_is_string; /* no TYPE, or TYPE string */
};

/* [MATCH pattern] [COUNT count] [TYPE type], repeatable (the last counts).
 * COUNT below 1 is a syntax error, as in Redis. */
static int scan_parse_options(struct conn *c, size_t argc, struct arg *argv,
                              struct scan_options *o)
{
    o->pattern = NULL;
    o->count = SCAN_DEFAULT_COUNT;
    o->type_is_string = 1;
    for (size_t j = 2; j < argc; j += 2) {
        if (j + 1 >= argc) {
            reply_syntax_error(c);
            return TC_ERR;
        }
        if (arg_is(&argv[j], "count")) {
            long long v;
            if (!num_parse_ll(argv[j + 1].ptr, argv[j + 1].len, &v)) {
                reply_not_integer(c);
                return TC_ERR;
            }
            if (v < 1) {
                reply_syntax_error(c);
                return TC_ERR;
            }
            o->count = (unsigned long long)v;
        } else if (arg_is(&argv[j], "match")) {
            o->pattern = &argv[j + 1];
        } else if (arg_is(&argv[j], "type")) {
            o->type_is_string = arg_is(&argv[j + 1], "string");
        } else {
            reply_syntax_error(c);
            return TC_ERR;
        }
    }
    return TC_OK;
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
    if (scan_parse_cursor(c, &argv[1], &cursor) != TC_OK ||
        scan_parse_options(c, argc, argv, &o) != TC_OK)
        return;
    struct key_list kl;
    key_list_init(&kl, o.pattern, o.type_is_string);
    unsigned long long steps =
        o.count > ULLONG_MAX / SCAN_STEPS_PER_COUNT ? ULLONG_MAX : o.count * SCAN_STEPS_PER_COUNT;
    do {
        cursor = store_scan(c->db, cursor, 1, key_list_visit, &kl);
    } while (cursor != 0 && --steps > 0 && kl.visited < o.count);

    char text[24];
    int n = snprintf(text, sizeof text, "%" PRIu64, cursor);
    reply_array(c, 2);
    reply_bulk(c, text, (size_t)n);
    key_list_reply(c, &kl);
    key_list_free(&kl);
}
