/*
 * String keys and counters: the operations chosen for them and their
 * arguments, the reply each command should get when its key is there and
 * when it is gone, and what the command does to the model. check_key also
 * takes the commands on a key as a whole (EXPIRE and the TTL family,
 * PERSIST, TYPE) whatever the key holds, and SADD, SREM, SISMEMBER and
 * SCARD, whose replies follow from the members soak_types.c keeps;
 * check_count takes DEL and EXISTS over any keys.
 *
 * - Workers run flat out, so a key that is written all the time never
 *   reaches its TTL. Hence three kinds of keys: a few hot ones that take
 *   half of the operations (many commands on one key close together), warm
 *   ones with the full mix, and cold ones (the upper half) that are mostly
 *   read and only written with short TTLs: theirs run out while they are
 *   being read, which is where expiry is checked. The summary counts the
 *   expiries the workers saw and the checks that fell inside a window.
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "soak.h"

/* Keys. */
#define HOT_KEYS 16 /* half the picks: a key sees many ops close together */
/* Keys from COLD_KEYS_FROM on are read-mostly and short-lived: of the
 * single-key writes chosen for them only COLD_WRITE_PERCENT stay writes,
 * always with a short TTL (the rest become reads), and MSET and DEL leave
 * them alone, so the TTLs they get run out while they are being read. */
#define COLD_KEYS_FROM     128
#define COLD_WRITE_PERCENT 20

/* Values. */
#define SMALL_VALUE_MAX_BYTES 2000
#define BIG_VALUE_MIN_BYTES   (20 * 1024)
#define BIG_VALUE_PERCENT     2
#define SETRANGE_MAX_OFFSET   300
#define SETRANGE_MAX_BYTES    64

/* ------------------------------------------------------------------ */
/* Arguments                                                           */
/* ------------------------------------------------------------------ */

/* The TTL arguments of SET and GETEX. */
static void arg_ttl(struct op *op)
{
    switch (op->ttl) {
    case TTL_EX:
        arg_text(op, "EX");
        arg_text(op, "%lld", op->ttl_ms / 1000);
        break;
    case TTL_PX:
        arg_text(op, "PX");
        arg_text(op, "%lld", op->ttl_ms);
        break;
    case TTL_PXAT:
        arg_text(op, "PXAT");
        arg_text(op, "%lld", op->at_ms);
        break;
    case TTL_KEEP: arg_text(op, "KEEPTTL"); break;
    case TTL_PERSIST: arg_text(op, "PERSIST"); break;
    case TTL_NONE: break;
    }
}

/* SET key value [NX|XX] [GET] [EX s|PX ms|PXAT unix-ms|KEEPTTL] */
static void build_set(struct op *op, int worker)
{
    arg_text(op, "SET");
    arg_key(op, worker, 0);
    arg_value(op, 0);
    if (op->cond != COND_NONE)
        arg_text(op, op->cond == COND_NX ? "NX" : "XX");
    if (op->with_get)
        arg_text(op, "GET");
    arg_ttl(op);
}

/* Arguments of the commands that take more than keys. */
void build_with_args(struct op *op, int worker)
{
    static const char *const EXPIRE_FLAGS[] = {"", "NX", "XX", "GT", "LT"};
    static const char *const INCR_NAMES[] = {"INCR", "DECR", "INCRBY", "DECRBY"};
    switch (op->kind) {
    case OP_SET: build_set(op, worker); return;
    case OP_SETNX:
    case OP_GETSET:
    case OP_APPEND:
        arg_text(op, op->kind == OP_SETNX ? "SETNX" : op->kind == OP_GETSET ? "GETSET" : "APPEND");
        arg_key(op, worker, 0);
        arg_value(op, 0);
        return;
    case OP_SETEX:
    case OP_PSETEX:
        arg_text(op, op->kind == OP_SETEX ? "SETEX" : "PSETEX");
        arg_key(op, worker, 0);
        arg_text(op, "%lld", op->kind == OP_SETEX ? op->ttl_ms / 1000 : op->ttl_ms);
        arg_value(op, 0);
        return;
    case OP_GETRANGE:
    case OP_SETRANGE:
        arg_text(op, op->kind == OP_GETRANGE ? "GETRANGE" : "SETRANGE");
        arg_key(op, worker, 0);
        arg_text(op, "%lld", op->start);
        if (op->kind == OP_GETRANGE)
            arg_text(op, "%lld", op->end);
        else
            arg_value(op, 0);
        return;
    case OP_INCRBY:
        arg_text(op, "%s", INCR_NAMES[op->incr]);
        arg_key(op, worker, 0);
        if (op->incr == INCR_BY || op->incr == DECR_BY)
            arg_text(op, "%lld", op->incr == INCR_BY ? op->delta : -op->delta);
        return;
    case OP_GETEX:
        arg_text(op, "GETEX");
        arg_key(op, worker, 0);
        arg_ttl(op);
        return;
    case OP_EXPIRE:
        arg_text(op, op->in_seconds ? "EXPIRE" : "PEXPIRE");
        arg_key(op, worker, 0);
        arg_text(op, "%lld", op->in_seconds ? op->ttl_ms / 1000 : op->ttl_ms);
        if (op->expf != EXPF_NONE)
            arg_text(op, "%s", EXPIRE_FLAGS[op->expf]);
        return;
    case OP_PEXPIREAT:
        arg_text(op, "PEXPIREAT");
        arg_key(op, worker, 0);
        arg_text(op, "%lld", op->at_ms);
        return;
    case OP_MSET:
        arg_text(op, "MSET");
        for (int i = 0; i < op->nkeys; i++) {
            arg_key(op, worker, i);
            arg_value(op, i);
        }
        return;
    default: return;
    }
}

/* ------------------------------------------------------------------ */
/* Choosing operations                                                 */
/* ------------------------------------------------------------------ */

/* A regular key below the given index: half of the time a hot one. */
int pick_key(struct worker *w, int below)
{
    if (rng_percent(&w->rng, 50))
        return (int)rng_below(&w->rng, HOT_KEYS);
    return (int)rng_below(&w->rng, (uint64_t)below);
}

/* n different regular keys below the given index (fewer only if the picks
 * keep colliding). */
static void pick_distinct_keys(struct worker *w, struct op *op, int n, int below)
{
    op->nkeys = 0;
    for (int tries = 0; op->nkeys < n && tries < 8 * OP_MAX_KEYS; tries++) {
        int k = pick_key(w, below);
        bool dup = false;
        for (int i = 0; i < op->nkeys; i++)
            dup = dup || op->key[i] == k;
        if (!dup)
            op->key[op->nkeys++] = k;
    }
}

/* A new random value in slot: mostly 0..2000 bytes, now and then 20..100 KB
 * when cap_bytes allows, binary or text, never longer than cap_bytes. */
static void op_make_value(struct worker *w, struct op *op, int slot, size_t cap_bytes)
{
    size_t len;
    if (cap_bytes >= BIG_VALUE_MAX_BYTES && rng_percent(&w->rng, BIG_VALUE_PERCENT))
        len = (size_t)rng_between(&w->rng, BIG_VALUE_MIN_BYTES, BIG_VALUE_MAX_BYTES);
    else
        len = (size_t)rng_below(
            &w->rng, (cap_bytes < SMALL_VALUE_MAX_BYTES ? cap_bytes : SMALL_VALUE_MAX_BYTES) + 1);
    op->val[slot] = xmalloc(len);
    op->vlen[slot] = len;
    rng_fill(&w->rng, op->val[slot], len, rng_percent(&w->rng, 20));
}

static void op_set_text_value(struct op *op, int slot, long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", v);
    op->val[slot] = xmalloc((size_t)n);
    memcpy(op->val[slot], buf, (size_t)n);
    op->vlen[slot] = (size_t)n;
}

/* A relative TTL: mostly short (100 ms .. 3 s) so that keys expire while in
 * use, sometimes long (10 .. 100 s); whole seconds for EX and friends. */
long long pick_ttl_ms(struct worker *w, bool whole_seconds)
{
    bool short_ttl = rng_percent(&w->rng, 75);
    if (!short_ttl)
        return 1000 * rng_between(&w->rng, LONG_TTL_MIN_S, LONG_TTL_MAX_S);
    if (whole_seconds)
        return 1000 * rng_between(&w->rng, SHORT_TTL_MIN_MS / 1000 + 1, SHORT_TTL_MAX_MS / 1000);
    if (rng_percent(&w->rng, 50)) /* half of them under a second: expiry within the run */
        return rng_between(&w->rng, SHORT_TTL_MIN_MS, 1000);
    return rng_between(&w->rng, SHORT_TTL_MIN_MS, SHORT_TTL_MAX_MS);
}

/* Fill op->ttl and its numbers with one of the forms allowed (a bitmask of
 * 1 << enum ttl_arg). */
static void pick_ttl_arg(struct worker *w, struct op *op, unsigned allowed)
{
    do {
        op->ttl = (enum ttl_arg)rng_below(&w->rng, TTL_PERSIST + 1);
    } while (!(allowed & (1u << op->ttl)));
    op->in_seconds = op->ttl == TTL_EX;
    op->ttl_ms = pick_ttl_ms(w, op->in_seconds);
    op->at_ms = wall_us() / 1000 + op->ttl_ms;
}

/* Arguments of a SET on a regular key. */
static void choose_set_args(struct worker *w, struct op *op)
{
    unsigned roll = (unsigned)rng_below(&w->rng, 100);
    op->cond = roll < 70 ? COND_NONE : roll < 85 ? COND_NX : COND_XX;
    op->with_get = rng_percent(&w->rng, 30);
    if (rng_percent(&w->rng, 35))
        op->ttl = TTL_NONE;
    else
        pick_ttl_arg(w, op, 1u << TTL_EX | 1u << TTL_PX | 1u << TTL_PXAT | 1u << TTL_KEEP);
}

/* Kind-specific arguments for an operation on regular keys. */
void choose_args(struct worker *w, struct op *op, size_t value_cap)
{
    struct rng *g = &w->rng;
    const struct key_model *km = &w->keys[op->key[0]];
    long long len = km->state == KEY_PRESENT ? (long long)km->len : 100;
    switch (op->kind) {
    case OP_SET: choose_set_args(w, op); break;
    case OP_SETEX:
    case OP_PSETEX:
        op->in_seconds = op->kind == OP_SETEX;
        op->ttl = op->in_seconds ? TTL_EX : TTL_PX;
        op->ttl_ms = pick_ttl_ms(w, op->in_seconds);
        break;
    case OP_GETRANGE:
        op->start = rng_between(g, -len - 10, len + 10);
        op->end = rng_percent(g, 30) ? -1 : rng_between(g, -len - 10, len + 10);
        break;
    case OP_SETRANGE:
        op->start = rng_between(g, 0, SETRANGE_MAX_OFFSET);
        op->val[0] = xmalloc(SETRANGE_MAX_BYTES);
        op->vlen[0] = rng_percent(g, 5) ? 0 : (size_t)rng_between(g, 1, SETRANGE_MAX_BYTES);
        rng_fill(g, op->val[0], op->vlen[0], false);
        break;
    case OP_GETEX:
        if (rng_percent(g, 10))
            op->ttl = TTL_NONE;
        else
            pick_ttl_arg(w, op, 1u << TTL_EX | 1u << TTL_PX | 1u << TTL_PXAT | 1u << TTL_PERSIST);
        break;
    case OP_EXPIRE:
        op->in_seconds = rng_percent(g, 30);
        op->ttl = op->in_seconds ? TTL_EX : TTL_PX;
        op->ttl_ms = pick_ttl_ms(w, op->in_seconds);
        op->expf =
            rng_percent(g, 60) ? EXPF_NONE : (enum expire_flag)rng_between(g, EXPF_NX, EXPF_LT);
        break;
    case OP_PEXPIREAT:
        op->ttl = TTL_PXAT;
        op->ttl_ms = pick_ttl_ms(w, false);
        op->at_ms = wall_us() / 1000 + op->ttl_ms;
        break;
    default: break;
    }
    bool needs_value = op->kind == OP_SET || op->kind == OP_SETNX || op->kind == OP_SETEX ||
                       op->kind == OP_PSETEX || op->kind == OP_GETSET || op->kind == OP_APPEND;
    if (needs_value)
        op_make_value(w, op, 0, value_cap);
    for (int i = 0; op->kind == OP_MSET && i < op->nkeys; i++)
        op_make_value(w, op, i, value_cap / 4);
}

static const struct {
    enum op_kind kind;
    unsigned weight;
    int min_keys, max_keys;
} OP_TABLE[] = {
    {OP_SET, 22, 1, 1},        {OP_GET, 12, 1, 1},    {OP_MGET, 4, 2, 8},   {OP_DEL, 3, 1, 4},
    {OP_EXISTS, 3, 1, 4},      {OP_STRLEN, 3, 1, 1},  {OP_APPEND, 4, 1, 1}, {OP_GETRANGE, 4, 1, 1},
    {OP_SETRANGE, 4, 1, 1},    {OP_GETDEL, 3, 1, 1},  {OP_GETEX, 5, 1, 1},  {OP_EXPIRE, 7, 1, 1},
    {OP_PEXPIREAT, 2, 1, 1},   {OP_PERSIST, 3, 1, 1}, {OP_TTL, 4, 1, 1},    {OP_PTTL, 5, 1, 1},
    {OP_PEXPIRETIME, 1, 1, 1}, {OP_SETNX, 3, 1, 1},   {OP_MSET, 3, 2, 4},   {OP_SETEX, 1, 1, 1},
    {OP_PSETEX, 1, 1, 1},      {OP_GETSET, 1, 1, 1},  {OP_TYPE, 1, 1, 1},
};

/* An operation on a counter: mostly INCR/DECR/INCRBY/DECRBY, with reads,
 * TTL changes and resets in between. */
void choose_counter_op(struct worker *w, struct op *op)
{
    struct rng *g = &w->rng;
    op->nkeys = 1;
    op->key[0] = KEYS_PER_WORKER + (int)rng_below(g, COUNTERS_PER_WORKER);
    bool unknown = w->keys[op->key[0]].state == KEY_UNKNOWN;
    unsigned roll = (unsigned)rng_below(g, 100);
    if (unknown && roll < 70)
        roll = 95 + (unsigned)rng_below(g, 5);
    if (roll < 70) {
        op->kind = OP_INCRBY;
        op->incr = (enum incr_form)rng_below(g, 4);
        long long by = rng_between(g, -INCRBY_MAX_ABS, INCRBY_MAX_ABS);
        op->delta = op->incr == INCR_ONE   ? 1
                    : op->incr == DECR_ONE ? -1
                    : op->incr == INCR_BY  ? by
                                           : -by;
    } else if (roll < 78) {
        op->kind = OP_GET;
    } else if (roll < 84) {
        op->kind = OP_EXPIRE;
        op->ttl = TTL_PX;
        op->ttl_ms = pick_ttl_ms(w, false);
    } else if (roll < 89) {
        op->kind = OP_PERSIST;
    } else if (roll < 92) {
        op->kind = OP_PTTL;
    } else if (roll < 95) {
        op->kind = OP_DEL;
    } else {
        op->kind = OP_SET;
        op_set_text_value(op, 0, rng_between(g, -COUNTER_START_ABS, COUNTER_START_ABS));
    }
}

/* An operation that makes an unknown key known again. */
static void choose_resync_op(struct worker *w, struct op *op, size_t value_cap)
{
    static const enum op_kind RESYNC[] = {OP_SET, OP_DEL, OP_GETDEL, OP_SETEX, OP_GET};
    op->kind = RESYNC[rng_below(&w->rng, sizeof RESYNC / sizeof RESYNC[0])];
    if (op->kind == OP_SET || op->kind == OP_SETEX || op->kind == OP_GET)
        choose_args(w, op, value_cap);
    if (op->kind == OP_SET) {
        op->cond = COND_NONE;
        if (op->ttl == TTL_KEEP)
            op->ttl = TTL_NONE;
    }
}

/* Writes to cold keys: each sets a TTL or keeps the one there. */
static const enum op_kind COLD_WRITES[] = {OP_SET,    OP_SET,      OP_SET,   OP_PSETEX,
                                           OP_SETEX,  OP_EXPIRE,   OP_GETEX, OP_PEXPIREAT,
                                           OP_APPEND, OP_SETRANGE, OP_GETDEL};

/* A cold key's write gets a short TTL, whatever was chosen: 100 ms .. 1 s
 * mostly, up to 3 s otherwise. */
void shorten_ttl(struct worker *w, struct op *op)
{
    bool sets_ttl = op->kind == OP_SET || op->kind == OP_GETEX || op->kind == OP_EXPIRE ||
                    op->kind == OP_SETEX || op->kind == OP_PSETEX || op->kind == OP_PEXPIREAT;
    if (!sets_ttl)
        return;
    if (op->ttl == TTL_NONE || op->ttl == TTL_KEEP || op->ttl == TTL_PERSIST)
        op->ttl = op->kind == OP_PEXPIREAT ? TTL_PXAT : TTL_PX;
    op->in_seconds = op->ttl == TTL_EX;
    long long max_ms = rng_percent(&w->rng, 70) ? 1000 : SHORT_TTL_MAX_MS;
    op->ttl_ms = op->in_seconds ? 1000 * rng_between(&w->rng, 1, max_ms / 1000)
                                : rng_between(&w->rng, SHORT_TTL_MIN_MS, max_ms);
    op->at_ms = wall_us() / 1000 + op->ttl_ms;
}

/* Reads that leave a key's TTL alone. */
static const enum op_kind COLD_READS[] = {OP_GET,    OP_GET,      OP_PTTL,   OP_TTL,
                                          OP_EXISTS, OP_GETRANGE, OP_STRLEN, OP_PEXPIRETIME};

bool op_is_read(enum op_kind kind)
{
    switch (kind) {
    case OP_GET:
    case OP_MGET:
    case OP_EXISTS:
    case OP_STRLEN:
    case OP_GETRANGE:
    case OP_TTL:
    case OP_PTTL:
    case OP_PEXPIRETIME:
    case OP_TYPE: return true;
    default: return false;
    }
}

/* An operation on the regular keys, into op as op_choose zeroed it: a
 * command of OP_TABLE by weight, on distinct keys; an unknown key mostly
 * gets one that makes it known again, and a cold key mostly a read, or a
 * write with a short TTL. */
void choose_string_op(struct worker *w, struct op *op, size_t value_cap)
{
    unsigned total = 0;
    for (size_t i = 0; i < sizeof OP_TABLE / sizeof OP_TABLE[0]; i++)
        total += OP_TABLE[i].weight;
    unsigned roll = (unsigned)rng_below(&w->rng, total);
    size_t pick = 0;
    while (roll >= OP_TABLE[pick].weight)
        roll -= OP_TABLE[pick++].weight;
    op->kind = OP_TABLE[pick].kind;
    bool deletes_or_clears = op->kind == OP_MSET || op->kind == OP_DEL;
    pick_distinct_keys(w, op,
                       (int)rng_between(&w->rng, OP_TABLE[pick].min_keys, OP_TABLE[pick].max_keys),
                       deletes_or_clears ? COLD_KEYS_FROM : KEYS_PER_WORKER);
    if (op->nkeys == 1 && w->keys[op->key[0]].state == KEY_UNKNOWN && rng_percent(&w->rng, 60)) {
        choose_resync_op(w, op, value_cap);
        return;
    }
    bool cold = op->nkeys == 1 && op->key[0] >= COLD_KEYS_FROM;
    if (cold && !op_is_read(op->kind)) {
        bool write = rng_percent(&w->rng, COLD_WRITE_PERCENT);
        op->kind = write
                       ? COLD_WRITES[rng_below(&w->rng, sizeof COLD_WRITES / sizeof COLD_WRITES[0])]
                       : COLD_READS[rng_below(&w->rng, sizeof COLD_READS / sizeof COLD_READS[0])];
    }
    choose_args(w, op, value_cap);
    if (cold)
        shorten_ttl(w, op);
}

/* ------------------------------------------------------------------ */
/* Expected replies and effects                                        */
/* ------------------------------------------------------------------ */

/* GETRANGE's slice of a value of len bytes, as Redis 7.0 computes it. */
static void getrange_slice(size_t len, long long start, long long end, size_t *off, size_t *n)
{
    long long slen = (long long)len;
    *off = 0;
    *n = 0;
    if (start < 0 && end < 0 && start > end)
        return;
    if (start < 0)
        start += slen;
    if (end < 0)
        end += slen;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= slen)
        end = slen - 1;
    if (slen == 0 || start > end)
        return;
    *off = (size_t)start;
    *n = (size_t)(end - start + 1);
}

/* SETRANGE's reply for an existing value of len bytes. */
static long long setrange_len(size_t len, const struct op *op)
{
    if (op->vlen[0] == 0)
        return (long long)len;
    long long reach = op->start + (long long)op->vlen[0];
    return reach > (long long)len ? reach : (long long)len;
}

/* TTL, PTTL or PEXPIRETIME of a known, present key. */
static struct expect ttl_expectation(const struct op *op, const struct key_model *km, int64_t t0,
                                     int64_t t1)
{
    if (!km->has_ttl)
        return exp_int(-1);
    if (op->kind == OP_PEXPIRETIME)
        return exp_range(floor_div(km->exp_lo_us - TOL_US, 1000),
                         ceil_div(km->exp_hi_us + TOL_US, 1000));
    long long lo_ms = floor_div(km->exp_lo_us - t1 - TOL_US, 1000);
    long long hi_ms = ceil_div(km->exp_hi_us - t0 + TOL_US, 1000);
    lo_ms = lo_ms < 0 ? 0 : lo_ms;
    hi_ms = hi_ms < 0 ? 0 : hi_ms;
    if (op->kind == OP_PTTL)
        return exp_range(lo_ms, hi_ms);
    return exp_range((lo_ms + 500) / 1000, (hi_ms + 500) / 1000); /* TTL rounds as Redis does */
}

/* EXPIRE / PEXPIRE [NX|XX|GT|LT] on a known, present key: 1 when it sets the
 * TTL. */
static struct expect expire_expectation(const struct op *op, const struct key_model *km, int64_t t0,
                                        int64_t t1)
{
    return cond_expectation(op->expf, km->has_ttl, km->exp_lo_us, km->exp_hi_us,
                            t0 + op->ttl_ms * 1000, t1 + op->ttl_ms * 1000);
}

/* The reply when the key is there; for an unknown key only its shape. */
static struct expect expect_if_present(const struct op *op, const struct key_model *km, int64_t t0,
                                       int64_t t1)
{
    bool known = km->state == KEY_PRESENT;
    struct expect value = known ? exp_str(km->val, km->len) : exp_any_str();
    size_t off, n;
    switch (op->kind) {
    case OP_GET:
    case OP_MGET:
    case OP_GETDEL:
    case OP_GETEX:
    case OP_GETSET: return value;
    case OP_SET: return op->with_get ? value : op->cond == COND_NX ? exp_nil() : exp_status("OK");
    case OP_SETNX: return exp_int(0);
    case OP_SETEX:
    case OP_PSETEX:
    case OP_MSET: return exp_status("OK");
    case OP_STRLEN: return known ? exp_int((long long)km->len) : exp_range(0, LLONG_MAX);
    case OP_APPEND:
        return known ? exp_int((long long)(km->len + op->vlen[0]))
                     : exp_range((long long)op->vlen[0], LLONG_MAX);
    case OP_GETRANGE:
        if (!known)
            return exp_any_str();
        getrange_slice(km->len, op->start, op->end, &off, &n);
        return exp_str(km->val + off, n);
    case OP_SETRANGE: return known ? exp_int(setrange_len(km->len, op)) : exp_range(0, LLONG_MAX);
    case OP_INCRBY:
        return known ? exp_int(model_integer(km) + op->delta) : exp_range(LLONG_MIN, LLONG_MAX);
    case OP_EXPIRE: return known ? expire_expectation(op, km, t0, t1) : exp_range(0, 1);
    case OP_PEXPIREAT: return exp_int(1);
    case OP_PERSIST: return known ? exp_int(km->has_ttl ? 1 : 0) : exp_range(0, 1);
    case OP_TTL:
    case OP_PTTL:
    case OP_PEXPIRETIME: return known ? ttl_expectation(op, km, t0, t1) : exp_range(-1, LLONG_MAX);
    case OP_TYPE: return exp_status(type_name(km));
    case OP_SADD:
        return known ? exp_int(op->nfields - members_named(km, op)) : exp_range(0, op->nfields);
    case OP_SREM: return known ? exp_int(members_named(km, op)) : exp_range(0, op->nfields);
    case OP_SISMEMBER: return known ? exp_int(members_named(km, op)) : exp_range(0, 1);
    case OP_SCARD: return known ? exp_int(set_card(km)) : exp_range(1, LLONG_MAX);
    default: break;
    }
    return exp_nil();
}

/* The reply when the key is not there. */
struct expect expect_if_absent(const struct op *op)
{
    switch (op->kind) {
    case OP_GET:
    case OP_MGET:
    case OP_GETDEL:
    case OP_GETEX:
    case OP_GETSET: return exp_nil();
    case OP_SET:
        if (op->with_get || op->cond == COND_XX)
            return exp_nil();
        return exp_status("OK");
    case OP_SETNX: return exp_int(1);
    case OP_SETEX:
    case OP_PSETEX:
    case OP_MSET: return exp_status("OK");
    case OP_STRLEN: return exp_int(0);
    case OP_APPEND: return exp_int((long long)op->vlen[0]);
    case OP_GETRANGE: return exp_str(NULL, 0);
    case OP_SETRANGE: return exp_int(op->vlen[0] ? op->start + (long long)op->vlen[0] : 0);
    case OP_INCRBY: return exp_int(op->delta);
    case OP_EXPIRE:
    case OP_PEXPIREAT:
    case OP_PERSIST: return exp_int(0);
    case OP_TTL:
    case OP_PTTL:
    case OP_PEXPIRETIME: return exp_int(-2);
    case OP_TYPE: return exp_status("none");
    case OP_SADD: return exp_int(op->nfields);
    case OP_SREM:
    case OP_SISMEMBER:
    case OP_SCARD: return exp_int(0);
    default: break;
    }
    return exp_nil();
}

/* SET's effect; was says whether the key was there when it ran. */
static void apply_set(struct key_model *km, const struct op *op, enum was was, int64_t t0,
                      int64_t t1)
{
    bool known = km->state == KEY_PRESENT;
    if (op->cond != COND_NONE && was == WAS_EITHER) {
        km_forget(km);
        return;
    }
    bool did = op->cond == COND_NONE || (op->cond == COND_NX && was == WAS_ABSENT) ||
               (op->cond == COND_XX && was == WAS_PRESENT);
    if (!did)
        return;
    if (op->ttl == TTL_KEEP) {
        if (was == WAS_ABSENT || (was == WAS_PRESENT && known)) {
            km_store(km, op->val[0], op->vlen[0]);
            if (was == WAS_ABSENT)
                km_persist(km);
        } else {
            km_forget(km); /* value known, but whether a TTL survived is not */
        }
        return;
    }
    km_store(km, op->val[0], op->vlen[0]);
    if (op->ttl == TTL_NONE)
        km_persist(km);
    else
        km_expire_from(km, op, t0, t1);
}

/* APPEND, SETRANGE and the INCR family: they build on the old value and
 * keep its TTL, or create the key without one. */
static void apply_modify(struct key_model *km, const struct op *op, enum was was,
                         const redisReply *r)
{
    if (op->kind == OP_SETRANGE && op->vlen[0] == 0)
        return;
    bool known = km->state == KEY_PRESENT;
    if (was == WAS_EITHER || (was == WAS_PRESENT && !known)) {
        km_forget(km);
        return;
    }
    if (was == WAS_ABSENT)
        km_store(km, NULL, 0);
    if (op->kind == OP_APPEND) {
        if (op->vlen[0] == 0) /* a new key holds "": nothing to copy, maybe no buffer */
            return;
        km_reserve(km, km->len + op->vlen[0]);
        memcpy(km->val + km->len, op->val[0], op->vlen[0]);
        km->len += op->vlen[0];
    } else if (op->kind == OP_SETRANGE) {
        size_t off = (size_t)op->start, need = off + op->vlen[0];
        km_reserve(km, need);
        if (off > km->len)
            memset(km->val + km->len, 0, off - km->len);
        memcpy(km->val + off, op->val[0], op->vlen[0]);
        km->len = need > km->len ? need : km->len;
    } else {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%lld", r->integer);
        km_store(km, buf, (size_t)n);
    }
}

/* GETEX, EXPIRE, PEXPIREAT and PERSIST: they change the TTL only. */
static void apply_ttl_change(struct key_model *km, const struct op *op, enum was was,
                             const redisReply *r, int64_t t0, int64_t t1)
{
    bool known = km->state == KEY_PRESENT;
    if (op->kind == OP_GETEX) {
        if (was != WAS_PRESENT || op->ttl == TTL_NONE)
            return;
        if (!known) /* the reply carries the value: the key is known again */
            km_store(km, r->str, (size_t)r->len);
        if (op->ttl == TTL_PERSIST)
            km_persist(km);
        else
            km_expire_from(km, op, t0, t1);
        return;
    }
    if (!known || r->type != REDIS_REPLY_INTEGER || r->integer != 1)
        return;
    if (op->kind == OP_PERSIST)
        km_persist(km);
    else
        km_expire_from(km, op, t0, t1);
}

/* The model after a single-key operation whose reply has been checked. */
static void apply_effect(struct key_model *km, const struct op *op, enum was was,
                         const redisReply *r, int64_t t0, int64_t t1)
{
    switch (op->kind) {
    case OP_SET: apply_set(km, op, was, t0, t1); break;
    case OP_SETNX:
        if (was == WAS_ABSENT) {
            km_store(km, op->val[0], op->vlen[0]);
            km_persist(km);
        }
        break;
    case OP_SETEX:
    case OP_PSETEX:
        km_store(km, op->val[0], op->vlen[0]);
        km_expire_from(km, op, t0, t1);
        break;
    case OP_GETSET:
        km_store(km, op->val[0], op->vlen[0]);
        km_persist(km);
        break;
    case OP_APPEND:
    case OP_SETRANGE:
    case OP_INCRBY: apply_modify(km, op, was, r); break;
    case OP_GETDEL:
    case OP_DEL: km_delete(km); break;
    case OP_GETEX:
    case OP_EXPIRE:
    case OP_PEXPIREAT:
    case OP_PERSIST: apply_ttl_change(km, op, was, r, t0, t1); break;
    case OP_SADD: apply_sadd(km, op, was); break;
    case OP_SREM: apply_srem(km, op, was); break;
    default: break;
    }
}

/* ------------------------------------------------------------------ */
/* Checking replies                                                    */
/* ------------------------------------------------------------------ */

/* Check the reply of a single-key operation (or one element of MGET)
 * against the model, then update the model. */
void check_key(struct worker *w, const struct op *op, int slot, const redisReply *r, int64_t t0,
               int64_t t1)
{
    struct key_model *km = &w->keys[op->key[slot]];
    enum presence p = classify(w, km, t0, t1);
    if (km->state == KEY_UNKNOWN)
        w->checks_unknown++;
    else if (p == MAYBE)
        w->checks_window++;
    else
        w->checks_exact++;
    struct expect ep = expect_if_present(op, km, t0, t1), ea = expect_if_absent(op);
    bool match_present = p != SURE_ABSENT && reply_matches(r, &ep);
    bool match_absent = p != SURE_PRESENT && reply_matches(r, &ea);
    if (!match_present && !match_absent) {
        char e1[300], e2[300], expected[700], model[300];
        describe_expect(&ep, e1, sizeof e1);
        describe_expect(&ea, e2, sizeof e2);
        if (p == MAYBE)
            snprintf(expected, sizeof expected, "%s (key there) or %s (key gone)", e1, e2);
        else
            snprintf(expected, sizeof expected, "%s", p == SURE_PRESENT ? e1 : e2);
        describe_model(km, t0, t1, model, sizeof model);
        note_first_difference(&ep, r, expected, sizeof expected);
        if (p == SURE_PRESENT && !km->has_ttl && reply_matches(r, &ea)) {
            atomic_fetch_add(&w->ph->n.lost_no_ttl, 1);
            strncat(model, " [LOST KEY WITHOUT TTL]", sizeof model - strlen(model) - 1);
        }
        report_mismatch(w, op, slot, expected, r, model);
        km_forget(km);
        return;
    }
    enum was was = match_present && match_absent ? WAS_EITHER
                   : match_present               ? WAS_PRESENT
                                                 : WAS_ABSENT;
    if (was == WAS_ABSENT) {
        w->expiries_seen += km->state == KEY_PRESENT && km->has_ttl;
        km_delete(km);
    }
    apply_effect(km, op, was, r, t0, t1);
}

/* DEL and EXISTS over several keys: the count lies between the keys surely
 * there and those that may be; the extremes tell which ones were. */
void check_count(struct worker *w, const struct op *op, const redisReply *r, int64_t t0, int64_t t1)
{
    enum presence p[OP_MAX_KEYS];
    long long sure = 0, maybe = 0, sure_no_ttl = 0;
    for (int i = 0; i < op->nkeys; i++) {
        const struct key_model *km = &w->keys[op->key[i]];
        p[i] = classify(w, km, t0, t1);
        sure += p[i] == SURE_PRESENT;
        sure_no_ttl += p[i] == SURE_PRESENT && !km->has_ttl;
        maybe += p[i] == MAYBE;
    }
    bool ok = r->type == REDIS_REPLY_INTEGER && r->integer >= sure && r->integer <= sure + maybe;
    if (!ok) {
        char expected[96];
        snprintf(expected, sizeof expected, "integer in [%lld, %lld]", sure, sure + maybe);
        if (r->type == REDIS_REPLY_INTEGER && r->integer < sure)
            atomic_fetch_add(&w->ph->n.lost_no_ttl,
                             sure - r->integer < sure_no_ttl ? sure - r->integer : sure_no_ttl);
        report_mismatch(w, op, 0, expected, r, NULL);
    }
    for (int i = 0; i < op->nkeys; i++) {
        struct key_model *km = &w->keys[op->key[i]];
        if (op->kind == OP_DEL || p[i] == SURE_ABSENT)
            km_delete(km);
        else if (!ok)
            km_forget(km);
        else if (p[i] == MAYBE && r->integer == sure)
            km_delete(km);
    }
}
