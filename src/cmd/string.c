/* String commands: GET, SET, MGET, MSET, MSETNX, SETNX, SETEX, PSETEX,
 * GETSET, GETDEL, GETEX, APPEND, STRLEN, GETRANGE, SETRANGE, INCR, DECR,
 * INCRBY, DECRBY, INCRBYFLOAT.
 *
 * TTL policy: a key created or wholly rewritten without an explicit expiry
 * (SET, SETNX, MSET, MSETNX, GETSET) gets the configured default
 * (command_default_expire). Commands that change a value in place (APPEND,
 * SETRANGE, the INCR family) keep the key's expiry, and give the default to
 * a key they create. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/mem.h"
#include "tidecache/num.h"
#include "tidecache/object.h"
#include "tidecache/reply.h"
#include "tidecache/stats.h"
#include "tidecache/status.h"
#include "tidecache/store.h"

/* The longest string the store keeps: its lengths are 32-bit. */
#define STRING_STORE_MAX_BYTES ((uint64_t)UINT32_MAX)

/* A lookup whose value is answered to the client: counted as a keyspace hit
 * or miss, as INFO reports them. */
static struct item *lookup_read(struct conn *c, const struct arg *key)
{
    struct item *it = store_find(c->db, key->ptr, key->len);
    if (it)
        stats.keyspace_hits++;
    else
        stats.keyspace_misses++;
    return it;
}

/* The string under key (see command_lookup_typed). */
static int string_lookup(struct conn *c, const struct arg *key, int read, struct item **it)
{
    return command_lookup_typed(c, key, OBJ_STRING, read, it);
}

/* The item's value as a bulk string, or nil for no item. */
static void reply_value(struct conn *c, const struct item *it)
{
    if (it)
        reply_bulk(c, item_value(it), item_value_len(it));
    else
        reply_null(c);
}

/* Store a whole new value under key: in place when the item exists (its
 * expiry stays), else as a new key with the default TTL. */
static void value_replace(struct conn *c, const struct arg *key, struct item *it, const char *p,
                          size_t len)
{
    if (it)
        store_set_value(c->db, it, p, len);
    else
        store_set(c->db, key->ptr, key->len, p, len, command_default_expire(key->ptr, key->len));
}

/* GET key */
void cmd_get(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (string_lookup(c, &argv[1], 1, &it) == TC_OK)
        reply_value(c, it);
}

/* MGET key [key ...]: nil for each missing key and each of another type. */
void cmd_mget(struct conn *c, size_t argc, struct arg *argv)
{
    reply_array(c, argc - 1);
    for (size_t i = 1; i < argc; i++) {
        struct item *it = lookup_read(c, &argv[i]);
        reply_value(c, it && item_type(it) == OBJ_STRING ? it : NULL);
    }
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
    SET_PERSIST = 1u << 8, /* GETEX only */
};

#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* Whether opt is an expiry form (EX, PX, EXAT, PXAT) that may follow the
 * options already in *flags: the same form may repeat (the last counts),
 * but not another form nor any of `excluded`, and it needs its value after
 * it. Adds the form to *flags when it matches. */
static int expire_form_match(const struct arg *opt, int has_next, unsigned *flags,
                             unsigned excluded)
{
    static const struct {
        const char *word;
        unsigned flag;
    } forms[] = {{"ex", SET_EX}, {"px", SET_PX}, {"exat", SET_EXAT}, {"pxat", SET_PXAT}};

    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        if (!arg_is(opt, forms[f].word))
            continue;
        unsigned others = ((SET_ANY_EXPIRE | excluded) & ~forms[f].flag);
        if ((*flags & others) || !has_next)
            return 0;
        *flags |= forms[f].flag;
        return 1;
    }
    return 0;
}

/* The absolute expiry in Unix ms of the expiry form in flags, read from a;
 * replies the error (naming cmd) and returns TC_ERR when invalid. */
static int expire_form_parse(struct conn *c, unsigned flags, const struct arg *a, const char *cmd,
                             int64_t *expire_ms)
{
    int seconds = (flags & (SET_EX | SET_EXAT)) != 0;
    int relative = (flags & (SET_EX | SET_PX)) != 0;
    return command_parse_expire(c, a, seconds ? EXPIRE_SECONDS : EXPIRE_MILLISECONDS, relative, 1,
                                cmd, expire_ms);
}

/* The options of SET, as Redis accepts them: NX and XX exclude each other,
 * KEEPTTL and the expiry forms exclude each other, and the same expiry form
 * may be repeated (the last one counts). Returns the index of the expiry
 * argument in *expire_at (0 when none), or TC_ERR after replying. */
static int set_parse_options(struct conn *c, size_t argc, struct arg *argv, unsigned *flags,
                             size_t *expire_at)
{
    *flags = 0;
    *expire_at = 0;
    for (size_t j = 3; j < argc; j++) {
        struct arg *opt = &argv[j];
        if (arg_is(opt, "nx") && !(*flags & SET_XX))
            *flags |= SET_NX;
        else if (arg_is(opt, "xx") && !(*flags & SET_NX))
            *flags |= SET_XX;
        else if (arg_is(opt, "get"))
            *flags |= SET_GET;
        else if (arg_is(opt, "keepttl") && !(*flags & SET_ANY_EXPIRE))
            *flags |= SET_KEEPTTL;
        else if (expire_form_match(opt, j + 1 < argc, flags, SET_KEEPTTL))
            *expire_at = ++j;
        else {
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
    if (expire_at && expire_form_parse(c, flags, &argv[expire_at], "set", &expire_ms) != TC_OK)
        return;

    const char *key = argv[1].ptr;
    size_t klen = argv[1].len;
    struct item *old = store_find(c->db, key, klen);
    if (flags & SET_GET) {
        if (old && item_type(old) != OBJ_STRING) {
            reply_wrong_type(c);
            return;
        }
        reply_value(c, old);
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

/* SETNX key value: 1 when the key was created (with the default TTL). */
void cmd_setnx(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    if (store_find(c->db, argv[1].ptr, argv[1].len)) {
        reply_int(c, 0);
        return;
    }
    store_set(c->db, argv[1].ptr, argv[1].len, argv[2].ptr, argv[2].len,
              command_default_expire(argv[1].ptr, argv[1].len));
    reply_int(c, 1);
}

/* SETEX key seconds value / PSETEX key milliseconds value: the time must be
 * above zero, else Redis's "invalid expire time" naming the command. */
static void setex_generic(struct conn *c, struct arg *argv, enum expire_unit unit,
                          const char *name)
{
    int64_t expire_ms;
    if (command_parse_expire(c, &argv[2], unit, 1, 1, name, &expire_ms) != TC_OK)
        return;
    store_set(c->db, argv[1].ptr, argv[1].len, argv[3].ptr, argv[3].len, expire_ms);
    reply_ok(c);
}

void cmd_setex(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    setex_generic(c, argv, EXPIRE_SECONDS, "setex");
}

void cmd_psetex(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    setex_generic(c, argv, EXPIRE_MILLISECONDS, "psetex");
}

/* Store every key/value pair of MSET/MSETNX, each key with its default TTL. */
static void mset_pairs(struct conn *c, size_t argc, struct arg *argv)
{
    for (size_t j = 1; j + 1 < argc; j += 2)
        store_set(c->db, argv[j].ptr, argv[j].len, argv[j + 1].ptr, argv[j + 1].len,
                  command_default_expire(argv[j].ptr, argv[j].len));
}

/* MSET key value [key value ...]: an incomplete pair is an arity error. */
void cmd_mset(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc % 2 == 0) {
        reply_wrong_arity(c, "mset");
        return;
    }
    mset_pairs(c, argc, argv);
    reply_ok(c);
}

/* MSETNX key value [key value ...]: all or nothing; 0 when any key exists. */
void cmd_msetnx(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc % 2 == 0) {
        reply_wrong_arity(c, "msetnx");
        return;
    }
    for (size_t j = 1; j < argc; j += 2) {
        if (store_find(c->db, argv[j].ptr, argv[j].len)) {
            reply_int(c, 0);
            return;
        }
    }
    mset_pairs(c, argc, argv);
    reply_int(c, 1);
}

/* GETSET key value: the old value (or nil); the new value is a rewrite, so
 * it takes the default TTL (Redis would clear the TTL). */
void cmd_getset(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (string_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    reply_value(c, it);
    store_set(c->db, argv[1].ptr, argv[1].len, argv[2].ptr, argv[2].len,
              command_default_expire(argv[1].ptr, argv[1].len));
}

/* GETDEL key */
void cmd_getdel(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (string_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    reply_value(c, it);
    if (it)
        store_delete(c->db, argv[1].ptr, argv[1].len);
}

/* GETEX's options: one expiry form (repeatable, the last counts) or
 * PERSIST (repeatable); anything else is a syntax error. */
static int getex_parse_options(struct conn *c, size_t argc, struct arg *argv, unsigned *flags,
                               size_t *expire_at)
{
    *flags = 0;
    *expire_at = 0;
    for (size_t j = 2; j < argc; j++) {
        if (arg_is(&argv[j], "persist") && !(*flags & SET_ANY_EXPIRE))
            *flags |= SET_PERSIST;
        else if (expire_form_match(&argv[j], j + 1 < argc, flags, SET_PERSIST))
            *expire_at = ++j;
        else {
            reply_syntax_error(c);
            return TC_ERR;
        }
    }
    return TC_OK;
}

/* GETEX key [EX s|PX ms|EXAT unix-s|PXAT unix-ms|PERSIST]: the value, and
 * the key's expiry changed. As in Redis the options' syntax is checked
 * first, the expiry value only when the key exists; an expiry already past
 * deletes the key after its value is returned. */
void cmd_getex(struct conn *c, size_t argc, struct arg *argv)
{
    unsigned flags;
    size_t expire_at;
    if (getex_parse_options(c, argc, argv, &flags, &expire_at) != TC_OK)
        return;
    struct item *it;
    if (string_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    if (!it) {
        reply_null(c);
        return;
    }
    int64_t expire_ms = 0;
    if (expire_at && expire_form_parse(c, flags, &argv[expire_at], "getex", &expire_ms) != TC_OK)
        return;
    reply_value(c, it);
    if (expire_at && expire_ms <= clock_now_ms())
        store_delete(c->db, argv[1].ptr, argv[1].len);
    else if (expire_at)
        store_set_expire(c->db, it, expire_ms);
    else if (flags & SET_PERSIST)
        store_set_expire(c->db, it, 0);
}

/* Whether a string of size + append bytes may be built: within
 * proto-max-bulk-len, as Redis checks, and within what the store holds.
 * Replies Redis's error and returns TC_ERR when not. */
static int string_length_check(struct conn *c, uint64_t size, uint64_t append)
{
    uint64_t limit = (uint64_t)command_config()->proto_max_bulk_len;
    if (limit > STRING_STORE_MAX_BYTES)
        limit = STRING_STORE_MAX_BYTES;
    if (size > limit || append > limit - size) {
        reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return TC_ERR;
    }
    return TC_OK;
}

/* Write p[0..len) at offset into the value of key (item it, or NULL when the
 * key is missing), zero-filling any gap past the old end, as SETRANGE and
 * APPEND do. The caller has checked the resulting length. Returns it. */
static size_t value_write_at(struct conn *c, const struct arg *key, struct item *it,
                             size_t offset, const char *p, size_t len)
{
    size_t old_len = it ? item_value_len(it) : 0;
    size_t new_len = offset + len > old_len ? offset + len : old_len;
    char *tmp = mem_alloc(new_len ? new_len : 1);
    if (old_len)
        memcpy(tmp, item_value(it), old_len);
    if (offset > old_len)
        memset(tmp + old_len, 0, offset - old_len);
    if (len)
        memcpy(tmp + offset, p, len);
    value_replace(c, key, it, tmp, new_len);
    mem_free(tmp);
    return new_len;
}

/* APPEND key value: the new length. */
void cmd_append(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (string_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    if (!it) {
        value_replace(c, &argv[1], NULL, argv[2].ptr, argv[2].len);
        reply_int(c, (long long)argv[2].len);
        return;
    }
    size_t old_len = item_value_len(it);
    if (string_length_check(c, old_len, argv[2].len) != TC_OK)
        return;
    reply_int(c, (long long)value_write_at(c, &argv[1], it, old_len, argv[2].ptr, argv[2].len));
}

/* STRLEN key: 0 for a missing key. */
void cmd_strlen(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (string_lookup(c, &argv[1], 1, &it) == TC_OK)
        reply_int(c, it ? (long long)item_value_len(it) : 0);
}

/* GETRANGE key start end (and SUBSTR): inclusive byte range, negative
 * indexes count from the end. With Redis 7.0's clamping: both negative and
 * start > end gives ""; after adding the length, negatives become 0 and end
 * is cut at the last byte; an empty or inverted range gives "". */
void cmd_getrange(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    long long start, end;
    if (!num_parse_ll(argv[2].ptr, argv[2].len, &start) ||
        !num_parse_ll(argv[3].ptr, argv[3].len, &end)) {
        reply_not_integer(c);
        return;
    }
    struct item *it;
    if (string_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    long long len = it ? (long long)item_value_len(it) : 0;
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= len)
        end = len - 1;
    if (len == 0 || start > end)
        reply_bulk(c, "", 0);
    else
        reply_bulk(c, item_value(it) + start, (size_t)(end - start + 1));
}

/* SETRANGE key offset value: the new length. An empty value changes
 * nothing and never creates the key. */
void cmd_setrange(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    long long offset;
    if (!num_parse_ll(argv[2].ptr, argv[2].len, &offset)) {
        reply_not_integer(c);
        return;
    }
    if (offset < 0) {
        reply_error(c, "ERR offset is out of range");
        return;
    }
    struct item *it;
    if (string_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    if (argv[3].len == 0) {
        reply_int(c, it ? (long long)item_value_len(it) : 0);
        return;
    }
    if (string_length_check(c, (uint64_t)offset, argv[3].len) != TC_OK)
        return;
    size_t len = value_write_at(c, &argv[1], it, (size_t)offset, argv[3].ptr, argv[3].len);
    reply_int(c, (long long)len);
}

/* Add delta to the integer in key (0 when missing) and reply the result.
 * The value must be a canonical 64-bit integer; overflow is refused. */
static void incr_by(struct conn *c, const struct arg *key, long long delta)
{
    struct item *it;
    if (string_lookup(c, key, 0, &it) != TC_OK)
        return;
    long long v = 0;
    if (it && !num_parse_ll(item_value(it), item_value_len(it), &v)) {
        reply_not_integer(c);
        return;
    }
    if (!num_add_ll(v, delta, &v)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    char digits[32];
    size_t n = num_format_ll(digits, v);
    value_replace(c, key, it, digits, n);
    reply_int(c, v);
}

void cmd_incr(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    incr_by(c, &argv[1], 1);
}

void cmd_decr(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    incr_by(c, &argv[1], -1);
}

void cmd_incrby(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    long long delta;
    if (!num_parse_ll(argv[2].ptr, argv[2].len, &delta)) {
        reply_not_integer(c);
        return;
    }
    incr_by(c, &argv[1], delta);
}

/* DECRBY key decrement: the most negative decrement cannot be negated,
 * which Redis reports with its own text. */
void cmd_decrby(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    long long delta;
    if (!num_parse_ll(argv[2].ptr, argv[2].len, &delta)) {
        reply_not_integer(c);
        return;
    }
    if (delta == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_by(c, &argv[1], -delta);
}

/* INCRBYFLOAT key increment: computed in long double as Redis does, the
 * result stored and replied (a bulk string in both protocols) in Redis's
 * human form. */
void cmd_incrbyfloat(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (string_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    long double v = 0, incr;
    if ((it && !num_parse_long_double(item_value(it), item_value_len(it), &v)) ||
        !num_parse_long_double(argv[2].ptr, argv[2].len, &incr)) {
        reply_error(c, "ERR value is not a valid float");
        return;
    }
    v += incr;
    if (isnan(v) || isinf(v)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char text[NUM_LONG_DOUBLE_MAX_CHARS];
    size_t n = num_format_long_double(text, sizeof text, v);
    if (n == 0) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    value_replace(c, &argv[1], it, text, n);
    reply_bulk(c, text, n);
}
