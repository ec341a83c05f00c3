/* Hash commands: HSET, HSETNX, HMSET, HGET, HMGET, HGETALL, HKEYS, HVALS,
 * HLEN, HEXISTS, HDEL, HINCRBY, HINCRBYFLOAT, HSTRLEN, HRANDFIELD, HSCAN,
 * and field expiry as Redis 7.4 has it: HEXPIRE, HPEXPIRE, HEXPIREAT,
 * HPEXPIREAT, HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST; the type
 * itself is src/data/hmap.c.
 *
 * A hash whose last field goes (deleted, or expired) is deleted, as in
 * Redis. A hash a command creates gets the TTL policy's default expiry
 * like any key written without one; changing fields keeps the key's
 * expiry. Every command reclaims a hash's expired fields when it looks the
 * hash up, so none is ever served. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "commands.h"
#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/glob.h"
#include "tidecache/hmap.h"
#include "tidecache/mem.h"
#include "tidecache/num.h"
#include "tidecache/reply.h"
#include "tidecache/status.h"
#include "tidecache/store.h"
#include "tidecache/strlist.h"

static struct hmap_limits limits(void)
{
    const struct config *cfg = command_config();
    struct hmap_limits l = {cfg->hash_max_listpack_entries, cfg->hash_max_listpack_value};
    return l;
}

/* Delete the hash under key when it has no field left; 1 when so (*it is
 * then NULL). */
static int drop_if_empty(struct store *s, const struct arg *key, struct item **it)
{
    if (hmap_len(*it) != 0)
        return 0;
    store_delete(s, key->ptr, key->len);
    *it = NULL;
    return 1;
}

/* The hash under key (see command_lookup_typed), with its fields whose
 * expiry has passed reclaimed first, all of them: a hash left empty is
 * deleted and answers as missing. */
static int hash_lookup(struct conn *c, const struct arg *key, int read, struct item **it)
{
    if (command_lookup_typed(c, key, OBJ_HASH, read, it) != TC_OK)
        return TC_ERR;
    if (*it && hmap_expire_due(c->db, it, clock_now_ms(), SIZE_MAX))
        drop_if_empty(c->db, key, it);
    return TC_OK;
}

/* Set field f of the hash under key to v, creating the hash (with the
 * default expiry) when *it is NULL; the field's own expiry is kept when
 * keep_ttl (HINCRBY), cleared otherwise (HSET). Returns 1 when f is new. */
static int set_field(struct store *s, const struct arg *key, struct item **it, const char *f,
                     size_t flen, const char *v, size_t vlen, int keep_ttl,
                     const struct hmap_limits *lim)
{
    if (!*it)
        *it = hmap_create(s, key->ptr, key->len, flen, vlen,
                          command_default_expire(key->ptr, key->len), lim);
    return keep_ttl ? hmap_update(s, it, f, flen, v, vlen, lim)
                    : hmap_set(s, it, f, flen, v, vlen, lim);
}

/* Set every field/value pair of argv[2..argc); the count of new fields.
 * An odd number of arguments is an arity error naming cmd. */
static int set_pairs(struct conn *c, size_t argc, struct arg *argv, const char *cmd,
                     long long *added)
{
    if (argc % 2 != 0) {
        reply_wrong_arity(c, cmd);
        return TC_ERR;
    }
    struct item *it;
    if (hash_lookup(c, &argv[1], 0, &it) != TC_OK)
        return TC_ERR;
    struct hmap_limits lim = limits();
    *added = 0;
    for (size_t j = 2; j + 1 < argc; j += 2)
        *added += set_field(c->db, &argv[1], &it, argv[j].ptr, argv[j].len, argv[j + 1].ptr,
                            argv[j + 1].len, 0, &lim);
    return TC_OK;
}

/* HSET key field value [field value ...]: the number of fields added. */
void cmd_hset(struct conn *c, size_t argc, struct arg *argv)
{
    long long added;
    if (set_pairs(c, argc, argv, "hset", &added) == TC_OK)
        reply_int(c, added);
}

/* HMSET key field value [field value ...]: OK. */
void cmd_hmset(struct conn *c, size_t argc, struct arg *argv)
{
    long long added;
    if (set_pairs(c, argc, argv, "hmset", &added) == TC_OK)
        reply_ok(c);
}

/* HSETNX key field value: 1 when field was set, 0 when it existed. */
void cmd_hsetnx(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (hash_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    const char *v;
    size_t vlen;
    if (it && hmap_get(it, argv[2].ptr, argv[2].len, &v, &vlen)) {
        reply_int(c, 0);
        return;
    }
    struct hmap_limits lim = limits();
    set_field(c->db, &argv[1], &it, argv[2].ptr, argv[2].len, argv[3].ptr, argv[3].len, 0, &lim);
    reply_int(c, 1);
}

/* HGET key field: the value, or nil. */
void cmd_hget(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (hash_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    const char *v;
    size_t vlen;
    if (it && hmap_get(it, argv[2].ptr, argv[2].len, &v, &vlen))
        reply_bulk(c, v, vlen);
    else
        reply_null(c);
}

/* HMGET key field [field ...]: the values, nil for each missing field. */
void cmd_hmget(struct conn *c, size_t argc, struct arg *argv)
{
    struct item *it;
    if (hash_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    reply_array(c, argc - 2);
    for (size_t j = 2; j < argc; j++) {
        const char *v;
        size_t vlen;
        if (it && hmap_get(it, argv[j].ptr, argv[j].len, &v, &vlen))
            reply_bulk(c, v, vlen);
        else
            reply_null(c);
    }
}

/* What HGETALL, HKEYS and HVALS answer of each field. */
enum hash_part { PART_FIELDS = 1, PART_VALUES = 2, PART_BOTH = 3 };

/* The hash's fields and/or values: a map for both (an array of pairs in
 * RESP2), an array otherwise; empty for a missing key. */
static void reply_parts(struct conn *c, const struct arg *key, enum hash_part part)
{
    struct item *it;
    if (hash_lookup(c, key, 1, &it) != TC_OK)
        return;
    size_t n = it ? hmap_len(it) : 0;
    if (part == PART_BOTH)
        reply_map(c, n);
    else
        reply_array(c, n);
    if (!it)
        return;
    struct hmap_iter i;
    struct hmap_field field;
    hmap_iter_start(&i, it);
    while (hmap_iter_next(&i, &field)) {
        if (part & PART_FIELDS)
            reply_bulk(c, field.f, field.flen);
        if (part & PART_VALUES)
            reply_bulk(c, field.v, field.vlen);
    }
}

void cmd_hgetall(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    reply_parts(c, &argv[1], PART_BOTH);
}

void cmd_hkeys(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    reply_parts(c, &argv[1], PART_FIELDS);
}

void cmd_hvals(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    reply_parts(c, &argv[1], PART_VALUES);
}

/* HLEN key: 0 for a missing key. */
void cmd_hlen(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (hash_lookup(c, &argv[1], 1, &it) == TC_OK)
        reply_int(c, it ? (long long)hmap_len(it) : 0);
}

/* HEXISTS key field: 1 or 0. */
void cmd_hexists(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (hash_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    const char *v;
    size_t vlen;
    reply_int(c, it && hmap_get(it, argv[2].ptr, argv[2].len, &v, &vlen));
}

/* HSTRLEN key field: the value's length, 0 when there is none. */
void cmd_hstrlen(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (hash_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    const char *v;
    size_t vlen;
    reply_int(c, it && hmap_get(it, argv[2].ptr, argv[2].len, &v, &vlen) ? (long long)vlen : 0);
}

/* HDEL key field [field ...]: the number of fields removed; the key goes
 * with its last field. */
void cmd_hdel(struct conn *c, size_t argc, struct arg *argv)
{
    struct item *it;
    if (hash_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    long long removed = 0;
    for (size_t j = 2; j < argc && it; j++) {
        removed += hmap_delete(c->db, &it, argv[j].ptr, argv[j].len);
        drop_if_empty(c->db, &argv[1], &it);
    }
    reply_int(c, removed);
}

/* HINCRBY key field increment: the new value. The field's value must be a
 * canonical 64-bit integer (0 when missing); overflow is refused. */
void cmd_hincrby(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    long long incr, v = 0;
    if (!num_parse_ll(argv[3].ptr, argv[3].len, &incr)) {
        reply_not_integer(c);
        return;
    }
    struct item *it;
    if (hash_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    const char *old;
    size_t olen;
    if (it && hmap_get(it, argv[2].ptr, argv[2].len, &old, &olen) &&
        !num_parse_ll(old, olen, &v)) {
        reply_error(c, "ERR hash value is not an integer");
        return;
    }
    if (!num_add_ll(v, incr, &v)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    char digits[32];
    size_t n = num_format_ll(digits, v);
    struct hmap_limits lim = limits();
    set_field(c->db, &argv[1], &it, argv[2].ptr, argv[2].len, digits, n, 1, &lim);
    reply_int(c, v);
}

/* HINCRBYFLOAT key field increment: the new value, as a bulk string, in
 * long double as Redis computes it. An infinite increment is refused
 * before the key is read. */
void cmd_hincrbyfloat(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    long double incr, v = 0;
    if (!num_parse_long_double(argv[3].ptr, argv[3].len, &incr)) {
        reply_error(c, "ERR value is not a valid float");
        return;
    }
    if (isinf(incr)) {
        reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    struct item *it;
    if (hash_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    const char *old;
    size_t olen;
    if (it && hmap_get(it, argv[2].ptr, argv[2].len, &old, &olen) &&
        !num_parse_long_double(old, olen, &v)) {
        reply_error(c, "ERR hash value is not a float");
        return;
    }
    v += incr;
    char text[NUM_LONG_DOUBLE_MAX_CHARS];
    size_t n = isnan(v) || isinf(v) ? 0 : num_format_long_double(text, sizeof text, v);
    if (n == 0) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    struct hmap_limits lim = limits();
    set_field(c->db, &argv[1], &it, argv[2].ptr, argv[2].len, text, n, 1, &lim);
    reply_bulk(c, text, n);
}

/* ---- HRANDFIELD --------------------------------------------------------- */

/* One drawn field as the reply wants it: the field, or with values a pair
 * (a 2-element array in RESP3, two elements of the flat array in RESP2). */
static void reply_drawn(struct conn *c, const struct hmap_field *field, int withvalues)
{
    if (withvalues && c->proto == 3)
        reply_array(c, 2);
    reply_bulk(c, field->f, field->flen);
    if (withvalues)
        reply_bulk(c, field->v, field->vlen);
}

/* The array header for n drawn fields. */
static void reply_drawn_header(struct conn *c, size_t n, int withvalues)
{
    reply_array(c, withvalues && c->proto != 3 ? n * 2 : n);
}

/* Whether -count repeated draws would make too large a reply (see
 * command_repeat_reply_too_large), from the mean of a few drawn fields. */
static int repeat_reply_too_large(const struct item *it, long long n, int withvalues)
{
    unsigned long long sampled = 0;
    for (int i = 0; i < RANDOM_REPLY_SAMPLES; i++) {
        struct hmap_field field;
        hmap_random(it, command_rand, &field);
        sampled += field.flen + BULK_OVERHEAD_BYTES +
                   (withvalues ? field.vlen + BULK_OVERHEAD_BYTES : 0);
    }
    return command_repeat_reply_too_large((unsigned long long)n, sampled / RANDOM_REPLY_SAMPLES);
}

/* count distinct fields of a hash of more than count: when count is a
 * large share of it, every field is taken and random ones dropped;
 * otherwise random draws are kept until count distinct ones are found. */
#define HRANDFIELD_COPY_SHARE 3

static void reply_distinct(struct conn *c, const struct item *it, size_t count, int withvalues)
{
    struct strlist fields, values;
    strlist_init(&fields);
    strlist_init(&values);
    struct hmap_field field;
    if (count * HRANDFIELD_COPY_SHARE > hmap_len(it)) {
        struct hmap_iter i;
        hmap_iter_start(&i, it);
        while (hmap_iter_next(&i, &field)) {
            strlist_push(&fields, field.f, field.flen);
            strlist_push(&values, field.v, field.vlen);
        }
        while (fields.count > count) {
            size_t drop = (size_t)(command_rand() % fields.count);
            strlist_swap_remove(&fields, drop);
            strlist_swap_remove(&values, drop);
        }
    } else {
        struct drawn seen;
        drawn_init(&seen);
        while (fields.count < count) {
            hmap_random(it, command_rand, &field);
            if (drawn_add(&seen, field.f, field.flen)) {
                strlist_push(&fields, field.f, field.flen);
                strlist_push(&values, field.v, field.vlen);
            }
        }
        drawn_free(&seen);
    }
    reply_drawn_header(c, fields.count, withvalues);
    for (size_t k = 0; k < fields.count; k++) {
        field.f = strlist_get(&fields, k, &field.flen);
        field.v = strlist_get(&values, k, &field.vlen);
        reply_drawn(c, &field, withvalues);
    }
    strlist_free(&fields);
    strlist_free(&values);
}

/* HRANDFIELD key [count [WITHVALUES]]: one random field (nil for a missing
 * key); with a positive count up to that many distinct fields, with a
 * negative one exactly -count that may repeat (refused past
 * proto-max-bulk-len of reply); WITHVALUES adds each field's value. */
void cmd_hrandfield(struct conn *c, size_t argc, struct arg *argv)
{
    long long count = 0;
    int withvalues = 0;
    if (argc >= 3) {
        if (command_parse_rand_count(c, &argv[2], &count) != TC_OK)
            return;
        if (argc > 4 || (argc == 4 && !arg_is(&argv[3], "withvalues"))) {
            reply_syntax_error(c);
            return;
        }
        withvalues = argc == 4;
        if (withvalues && (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2)) {
            reply_error(c, "ERR value is out of range");
            return;
        }
    }
    struct item *it;
    if (hash_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    struct hmap_field field;
    if (argc == 2) {
        if (!it) {
            reply_null(c);
            return;
        }
        hmap_random(it, command_rand, &field);
        reply_bulk(c, field.f, field.flen);
        return;
    }
    if (!it || count == 0) {
        reply_array(c, 0);
        return;
    }
    if (count < 0) {
        if (repeat_reply_too_large(it, -count, withvalues)) {
            reply_error(c, RANDOM_REPLY_TOO_LARGE);
            return;
        }
        reply_drawn_header(c, (size_t)-count, withvalues);
        for (long long k = 0; k < -count; k++) {
            hmap_random(it, command_rand, &field);
            reply_drawn(c, &field, withvalues);
        }
        return;
    }
    if ((unsigned long long)count >= hmap_len(it)) {
        struct hmap_iter i;
        hmap_iter_start(&i, it);
        reply_drawn_header(c, hmap_len(it), withvalues);
        while (hmap_iter_next(&i, &field))
            reply_drawn(c, &field, withvalues);
        return;
    }
    reply_distinct(c, it, (size_t)count, withvalues);
}

/* ---- HSCAN ---------------------------------------------------------------- */

struct hscan_ctx {
    struct strlist found;
    const struct arg *pattern;
    int novalues;
};

static void hscan_visit(void *ctx, const struct hmap_field *field)
{
    struct hscan_ctx *hc = ctx;
    if (hc->pattern && !glob_match(hc->pattern->ptr, hc->pattern->len, field->f, field->flen, 0))
        return;
    strlist_push(&hc->found, field->f, field->flen);
    if (!hc->novalues)
        strlist_push(&hc->found, field->v, field->vlen);
}

/* HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]: [next cursor,
 * field, value, ...] (fields only with NOVALUES, as Redis 7.4 adds it). A
 * pack comes whole with cursor 0; a table is walked COUNT buckets per call
 * with SCAN's guarantees. As in Redis the options are read after the key:
 * a missing key answers an empty scan whatever follows. */
void cmd_hscan(struct conn *c, size_t argc, struct arg *argv)
{
    uint64_t cursor;
    struct item *it;
    if (command_parse_cursor(c, &argv[2], &cursor) != TC_OK ||
        hash_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    struct hscan_ctx hc = {.pattern = NULL, .novalues = 0};
    strlist_init(&hc.found);
    if (!it) {
        reply_scan(c, 0, &hc.found);
        return;
    }
    /* NOVALUES stands alone among MATCH p and COUNT n, in any order */
    struct arg *opts = mem_alloc(argc * sizeof *opts);
    size_t nopts = 0;
    for (size_t j = 0; j < argc; j++) {
        if (j >= 3 && arg_is(&argv[j], "novalues")) {
            hc.novalues = 1;
            continue;
        }
        opts[nopts++] = argv[j];
        if (j >= 3 && j + 1 < argc && (arg_is(&argv[j], "match") || arg_is(&argv[j], "count")))
            opts[nopts++] = argv[++j];
    }
    struct scan_options o;
    int ok = command_parse_scan_options(c, nopts, opts, 3, 0, &o) == TC_OK;
    struct arg pattern = o.pattern ? *o.pattern : (struct arg){0}; /* o points into opts */
    mem_free(opts);
    if (!ok)
        return;
    if (o.pattern && !(pattern.len == 1 && pattern.ptr[0] == '*'))
        hc.pattern = &pattern;
    cursor = hmap_scan(it, cursor, (size_t)(o.count > SIZE_MAX ? SIZE_MAX : o.count),
                       hscan_visit, &hc);
    reply_scan(c, cursor, &hc.found);
    strlist_free(&hc.found);
}

/* ---- field expiry ------------------------------------------------------------ */

/* The latest expiry a field may have, in Unix ms: Redis 7.4 keeps field
 * expiries in 46 bits. */
#define FIELD_EXPIRY_MAX_MS ((INT64_C(1) << 46) - 1)

/* Parse "FIELDS numfields field ..." starting at argv[at]: sets *first to
 * the first field's index, or replies Redis's error (count_error for a
 * count that is not a positive integer; HEXPIRE's wording differs from
 * HTTL's) and returns TC_ERR. */
static int parse_fields(struct conn *c, size_t argc, struct arg *argv, size_t at,
                        const char *count_error, size_t *first)
{
    if (at >= argc || !arg_is(&argv[at], "fields")) {
        reply_error(c, "ERR Mandatory argument FIELDS is missing or not at the right position");
        return TC_ERR;
    }
    long long n;
    if (at + 1 >= argc || !num_parse_ll(argv[at + 1].ptr, argv[at + 1].len, &n) || n < 1 ||
        n > LONG_MAX) {
        reply_error(c, count_error);
        return TC_ERR;
    }
    if ((unsigned long long)n != argc - at - 2) {
        reply_error(c, "ERR The `numfields` parameter must match the number of arguments");
        return TC_ERR;
    }
    *first = at + 2;
    return TC_OK;
}

/* The optional NX|XX|GT|LT of HEXPIRE at argv[at]. */
static enum hmap_expire_cond parse_cond(size_t argc, const struct arg *argv, size_t at)
{
    if (at >= argc)
        return HMAP_COND_NONE;
    if (arg_is(&argv[at], "nx"))
        return HMAP_COND_NX;
    if (arg_is(&argv[at], "xx"))
        return HMAP_COND_XX;
    if (arg_is(&argv[at], "gt"))
        return HMAP_COND_GT;
    if (arg_is(&argv[at], "lt"))
        return HMAP_COND_LT;
    return HMAP_COND_NONE;
}

/* HEXPIRE and its siblings: key time [NX|XX|GT|LT] FIELDS numfields
 * field ...; an array of per-field results (-2 no such field, 0 condition
 * not met, 1 set, 2 deleted because the time has come). The key's type is
 * checked before the arguments, the arguments before the key's absence,
 * as in Redis. */
static void expire_fields(struct conn *c, size_t argc, struct arg *argv, enum expire_unit unit,
                          int relative, const char *cmd)
{
    struct item *it;
    if (hash_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    long long t;
    if (!num_parse_ll(argv[2].ptr, argv[2].len, &t)) {
        reply_not_integer(c);
        return;
    }
    if (t < 0) {
        reply_error(c, "ERR invalid expire time, must be >= 0");
        return;
    }
    int64_t now = clock_now_ms(), base = relative ? now : 0;
    int in_range = unit == EXPIRE_MILLISECONDS || t <= FIELD_EXPIRY_MAX_MS / 1000;
    if (in_range && unit == EXPIRE_SECONDS)
        t *= 1000;
    if (!in_range || t > FIELD_EXPIRY_MAX_MS - base) {
        reply_errorf(c, "ERR invalid expire time in '%s' command", cmd);
        return;
    }
    enum hmap_expire_cond cond = parse_cond(argc, argv, 3);
    size_t first;
    if (parse_fields(c, argc, argv, cond == HMAP_COND_NONE ? 3 : 4,
                     "ERR Parameter `numFields` should be greater than 0", &first) != TC_OK)
        return;
    reply_array(c, argc - first);
    for (size_t j = first; j < argc; j++) {
        int r = HMAP_NO_FIELD;
        if (it) {
            r = hmap_expire_field(c->db, &it, argv[j].ptr, argv[j].len, t + base, cond, now);
            drop_if_empty(c->db, &argv[1], &it);
        }
        reply_int(c, r);
    }
}

void cmd_hexpire(struct conn *c, size_t argc, struct arg *argv)
{
    expire_fields(c, argc, argv, EXPIRE_SECONDS, 1, "hexpire");
}

void cmd_hpexpire(struct conn *c, size_t argc, struct arg *argv)
{
    expire_fields(c, argc, argv, EXPIRE_MILLISECONDS, 1, "hpexpire");
}

void cmd_hexpireat(struct conn *c, size_t argc, struct arg *argv)
{
    expire_fields(c, argc, argv, EXPIRE_SECONDS, 0, "hexpireat");
}

void cmd_hpexpireat(struct conn *c, size_t argc, struct arg *argv)
{
    expire_fields(c, argc, argv, EXPIRE_MILLISECONDS, 0, "hpexpireat");
}

#define FIELDS_COUNT_ERROR "ERR Number of fields must be a positive integer"

/* HTTL and its siblings: key FIELDS numfields field ...; per field -2 (no
 * such field), -1 (no expiry), or the time left (relative) or the expiry,
 * in ms or in seconds rounded up, as Redis 7.4 answers. */
static void field_times(struct conn *c, size_t argc, struct arg *argv, enum expire_unit unit,
                        int relative)
{
    struct item *it;
    size_t first;
    if (hash_lookup(c, &argv[1], 1, &it) != TC_OK ||
        parse_fields(c, argc, argv, 2, FIELDS_COUNT_ERROR, &first) != TC_OK)
        return;
    int64_t base = relative ? clock_now_ms() : 0;
    reply_array(c, argc - first);
    for (size_t j = first; j < argc; j++) {
        int64_t at;
        if (!it || !hmap_field_expiry(it, argv[j].ptr, argv[j].len, &at))
            reply_int(c, HMAP_NO_FIELD);
        else if (!at)
            reply_int(c, HMAP_NO_EXPIRY);
        else
            reply_int(c, unit == EXPIRE_SECONDS ? (at - base + 999) / 1000 : at - base);
    }
}

void cmd_httl(struct conn *c, size_t argc, struct arg *argv)
{
    field_times(c, argc, argv, EXPIRE_SECONDS, 1);
}

void cmd_hpttl(struct conn *c, size_t argc, struct arg *argv)
{
    field_times(c, argc, argv, EXPIRE_MILLISECONDS, 1);
}

void cmd_hexpiretime(struct conn *c, size_t argc, struct arg *argv)
{
    field_times(c, argc, argv, EXPIRE_SECONDS, 0);
}

void cmd_hpexpiretime(struct conn *c, size_t argc, struct arg *argv)
{
    field_times(c, argc, argv, EXPIRE_MILLISECONDS, 0);
}

/* HPERSIST key FIELDS numfields field ...: per field 1 (expiry removed),
 * -1 (it had none) or -2 (no such field). */
void cmd_hpersist(struct conn *c, size_t argc, struct arg *argv)
{
    struct item *it;
    size_t first;
    if (hash_lookup(c, &argv[1], 0, &it) != TC_OK ||
        parse_fields(c, argc, argv, 2, FIELDS_COUNT_ERROR, &first) != TC_OK)
        return;
    reply_array(c, argc - first);
    for (size_t j = first; j < argc; j++)
        reply_int(c, it ? hmap_persist_field(c->db, &it, argv[j].ptr, argv[j].len)
                        : HMAP_NO_FIELD);
}
