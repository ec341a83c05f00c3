/*
 * Hash and set keys, and WRONGTYPE probes. Each of a worker's hashes and
 * sets has a role (big, small, wide or volatile; integer or string
 * members) that sets its range of fields or members and the mix of
 * operations it gets. This file names the fields and members, chooses the
 * operations and builds their arguments, follows the encoding a set goes
 * through, and checks the replies that speak of fields or members one by
 * one, or of the hash or set as a whole.
 *
 * - A reply about several fields or members is one observation of the
 *   value: a field seen there shows that the hash was there, a field that
 *   could not have expired seen missing shows that the whole hash was gone
 *   (its key TTL ran out, or it was evicted); both at once is a mismatch.
 *   Fields seen missing leave the model, values are compared byte for
 *   byte, and HGETALL and SMEMBERS are compared as a map and a set: their
 *   order is not defined. A field the model knows to have expired must
 *   never be returned.
 * - HSET, HINCRBY and SADD create the value when it is gone and extend it
 *   when it is there; the reply (the count of new fields or members, the
 *   incremented value) usually tells which, since an element already
 *   there is not new. When it cannot, the key becomes unknown, except for
 *   a hash without a key TTL: the other fields were "maybe" already, and
 *   stay so.
 * - Big hashes and sets get twice the encoding limits the server reports
 *   (CONFIG GET hash-max-listpack-entries and the set-* ones) plus 64 as
 *   their range of elements, so they cross from listpack or intset to
 *   hashtable; wide hashes get values longer than hash-max-listpack-value;
 *   integer sets have one string member aside that converts them when it
 *   comes. OBJECT ENCODING is checked where the model can tell (a value
 *   never past a limit since it was created is compact, one surely past a
 *   limit is a hashtable) and the summary counts the encodings seen.
 * - WRONGTYPE probes: a hash or set command on a string key, a string
 *   command on a hash or set key, a set command on a hash and the reverse
 *   must get the WRONGTYPE error when the key is there, and otherwise the
 *   reply for a missing key; the model stays as it was, so later commands
 *   check that nothing changed (MGET answers nil for a key of another
 *   type, without an error). A probe that would create the key were it
 *   missing (HSET, SADD, APPEND, ...) is only sent alone, to a key that
 *   cannot be missing: present without a TTL and, for a hash, with a
 *   field without one.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"

/* Hashes and sets. Of the hashes of a worker, the first HASH_BIG_TO are big
 * (their fields range over twice hash-max-listpack-entries + 64), then
 * small ones, wide ones (values past hash-max-listpack-value) and
 * volatile ones (read-mostly, short key TTLs, like cold string keys).
 * Sets: big integer sets, small integer sets, big string sets (a few long
 * members), small string sets, volatile string sets. */
#define HASH_BIG_TO          4  /* hashes [0, 4) are big */
#define HASH_SMALL_TO        12 /* [4, 12) small */
#define HASH_WIDE_TO         16 /* [12, 16) wide; the rest volatile */
#define SET_BIG_INT_TO       4  /* sets [0, 4) big, integers */
#define SET_SMALL_INT_TO     10 /* [4, 10) small, integers */
#define SET_BIG_STR_TO       14 /* [10, 14) big, strings */
#define SET_SMALL_STR_TO     20 /* [14, 20) small, strings; the rest volatile */
#define SMALL_HASH_FIELDS    24
#define VOLATILE_HASH_FIELDS 12
#define SMALL_SET_MEMBERS    48
#define VOLATILE_SET_MEMBERS 24
#define BIG_HASH_VALUE_MAX   16 /* bytes: big hashes are big by count only */
#define WIDE_VALUE_FACTOR    4  /* wide values reach 4 x hash-max-listpack-value */
#define WIDE_LONG_PERCENT    40 /* ... and pass it this often */
#define COUNTER_FIELD_EVERY  8  /* fields 7, 15, ...: integers only (HINCRBY) */
#define LONG_MEMBER_EVERY    64 /* big string sets: member 63, 127, ... is long */
#define LONG_MEMBER_BYTES    80
#define STR_MEMBER_PERCENT   2  /* integer sets: picks of their string member */
#define VOLATILE_WRITES_PCT  25 /* volatile hashes and sets: writes kept */

/* OBJECT ENCODING's replies, by enum encoding. */
static const char *const ENCODING_NAMES[ENC_COUNT] = {"listpack", "listpackex", "hashtable",
                                                      "intset"};

/* ------------------------------------------------------------------ */
/* A worker's hashes and sets                                          */
/* ------------------------------------------------------------------ */

/* A worker's hash and set models, all absent: roles and ranges by index
 * (see HASH_BIG_TO and the rest), big ones sized from the server's
 * encoding limits. */
void worker_models_init(struct worker *w)
{
    const struct coll_limits *lim = &w->ph->lim;
    for (int j = 0; j < HASHES_PER_WORKER + SETS_PER_WORKER; j++) {
        struct coll_model *cm = &w->colls[j];
        bool hash = j < HASHES_PER_WORKER;
        int i = hash ? j : j - HASHES_PER_WORKER;
        cm->type = hash ? KT_HASH : KT_SET;
        cm->lim = lim;
        if (hash) {
            cm->role = i < HASH_BIG_TO     ? ROLE_BIG
                       : i < HASH_SMALL_TO ? ROLE_SMALL
                       : i < HASH_WIDE_TO  ? ROLE_WIDE
                                           : ROLE_VOLATILE;
            cm->n = cm->role == ROLE_BIG        ? lim->big_hash_fields
                    : cm->role == ROLE_VOLATILE ? VOLATILE_HASH_FIELDS
                                                : SMALL_HASH_FIELDS;
        } else {
            cm->ints = i < SET_SMALL_INT_TO;
            cm->role = i < SET_BIG_INT_TO     ? ROLE_BIG
                       : i < SET_SMALL_INT_TO ? ROLE_SMALL
                       : i < SET_BIG_STR_TO   ? ROLE_BIG
                       : i < SET_SMALL_STR_TO ? ROLE_SMALL
                                              : ROLE_VOLATILE;
            cm->n = cm->role == ROLE_BIG ? (cm->ints ? lim->big_int_members : lim->big_str_members)
                    : cm->role == ROLE_VOLATILE ? VOLATILE_SET_MEMBERS
                                                : SMALL_SET_MEMBERS;
        }
        cm->elems = calloc((size_t)cm->n, sizeof *cm->elems);
        if (!cm->elems)
            abort();
        w->keys[(hash ? HASH_KEYS_FROM : SET_KEYS_FROM) + i].coll = cm;
    }
    w->seen = xmalloc(ELEMS_MAX);
    w->listed = xmalloc(ELEMS_MAX * sizeof *w->listed);
}

void worker_models_free(struct worker *w)
{
    for (int k = 0; k < MODEL_KEYS; k++)
        free(w->keys[k].val);
    for (int j = 0; j < HASHES_PER_WORKER + SETS_PER_WORKER; j++) {
        for (int i = 0; i < w->colls[j].n; i++)
            free(w->colls[j].elems[i].val);
        free(w->colls[j].elems);
    }
    free(w->seen);
    free(w->listed);
}

/* ------------------------------------------------------------------ */
/* Fields and members                                                  */
/* ------------------------------------------------------------------ */

/* Hash field i: "<i>" when i is even (a field that looks like an integer),
 * "f<i>" when it is odd. */
static int field_text(int i, char *buf, size_t cap)
{
    return snprintf(buf, cap, i % 2 ? "f%d" : "%d", i);
}

/* The index of the field named by len bytes at p in a range of n, or -1
 * when no field of the range has that name. */
static int field_index(const char *p, size_t len, int n)
{
    char buf[24], canon[24];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    const char *digits = buf[0] == 'f' ? buf + 1 : buf;
    if (digits[0] < '0' || digits[0] > '9')
        return -1;
    long i = strtol(digits, NULL, 10);
    if (i < 0 || i >= n)
        return -1;
    size_t clen = (size_t)field_text((int)i, canon, sizeof canon);
    return clen == len && memcmp(canon, p, len) == 0 ? (int)i : -1;
}

/* Members of integer sets, of three magnitudes so that an intset widens
 * as they come (16, 32, then 64 bits per member). Their ranges are
 * disjoint, so that the index can be read back from the integer. */
#define MEMBER_LOW_BASE  (-5000LL) /* -5000 + 37 i: 16 bits in small sets */
#define MEMBER_LOW_STEP  37
#define MEMBER_MID_BASE  1000000LL /* 1000000 + 40009 i (i % 8 == 3): 32 bits */
#define MEMBER_MID_STEP  40009
#define MEMBER_WIDE_STEP 4294967311LL /* -(i + 1) x this (i % 8 == 7): 64 bits */

static long long int_member(int i)
{
    if (i % 8 == 7)
        return -(long long)(i + 1) * MEMBER_WIDE_STEP;
    if (i % 8 == 3)
        return MEMBER_MID_BASE + (long long)i * MEMBER_MID_STEP;
    return MEMBER_LOW_BASE + (long long)i * MEMBER_LOW_STEP;
}

/* Member i of a set like cm (NULL: a small string set): integers for an
 * integer set but its last member, "s<i>"; "m<i>" in string sets, and in
 * big ones every LONG_MEMBER_EVERY-th member is LONG_MEMBER_BYTES long,
 * past the listpack limit. */
static int member_text(const struct coll_model *cm, int i, char *buf, size_t cap)
{
    if (cm && cm->type == KT_SET && cm->ints)
        return i < cm->n - 1 ? snprintf(buf, cap, "%lld", int_member(i))
                             : snprintf(buf, cap, "s%d", i);
    bool is_long = cm && cm->type == KT_SET && cm->role == ROLE_BIG &&
                   i % LONG_MEMBER_EVERY == LONG_MEMBER_EVERY - 1;
    int n = snprintf(buf, cap, is_long ? "m%d:" : "m%d", i);
    while (is_long && n < LONG_MEMBER_BYTES && (size_t)n + 1 < cap)
        buf[n++] = 'x';
    buf[n] = '\0';
    return n;
}

/* The index of the member named by len bytes at p in set cm, or -1. */
static int member_index(const struct coll_model *cm, const char *p, size_t len)
{
    char buf[OP_TEXT_BYTES], canon[OP_TEXT_BYTES];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    long long i;
    if (buf[0] == 'm' || buf[0] == 's') {
        i = strtoll(buf + 1, NULL, 10);
    } else {
        long long v = strtoll(buf, NULL, 10);
        if (v < MEMBER_LOW_BASE)
            i = -(v / MEMBER_WIDE_STEP) - 1;
        else if (v >= MEMBER_MID_BASE)
            i = (v - MEMBER_MID_BASE) / MEMBER_MID_STEP;
        else
            i = (v - MEMBER_LOW_BASE) / MEMBER_LOW_STEP;
    }
    if (i < 0 || i >= cm->n)
        return -1;
    size_t clen = (size_t)member_text(cm, (int)i, canon, sizeof canon);
    return clen == len && memcmp(canon, p, len) == 0 ? (int)i : -1;
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */
/* ------------------------------------------------------------------ */

/* The fields of op as arguments (with their values for HSET), or its
 * members: those of set cm, or of a small string set when cm is NULL (a
 * set command probing a key of another type). */
static void arg_elems(struct op *op, const struct coll_model *cm, bool members, bool with_values)
{
    for (int i = 0; i < op->nfields; i++) {
        char *t = op->text[op->argc];
        int n = members ? member_text(cm, op->field[i], t, OP_TEXT_BYTES)
                        : field_text(op->field[i], t, OP_TEXT_BYTES);
        arg_raw(op, t, (size_t)n, false);
        if (with_values)
            arg_raw(op, op->fval[i], op->fvlen[i], true);
    }
}

/* Command names of the hash and set commands that take fields or members
 * right after the key. */
static const char *elems_command_name(enum op_kind kind)
{
    switch (kind) {
    case OP_HSET: return "HSET";
    case OP_HGET: return "HGET";
    case OP_HMGET: return "HMGET";
    case OP_HDEL: return "HDEL";
    case OP_HEXISTS: return "HEXISTS";
    case OP_HSTRLEN: return "HSTRLEN";
    case OP_SADD: return "SADD";
    case OP_SREM: return "SREM";
    case OP_SISMEMBER: return "SISMEMBER";
    case OP_SMISMEMBER: return "SMISMEMBER";
    default: return NULL;
    }
}

/* Arguments of the hash and set commands and of OBJECT ENCODING. */
void build_collection(struct op *op, const struct worker *w)
{
    static const char *const EXPIRE_FLAGS[] = {"", "NX", "XX", "GT", "LT"};
    const struct key_model *km = &w->keys[op->key[0]];
    const struct coll_model *set = km_type(km) == KT_SET ? km->coll : NULL;
    const char *name = elems_command_name(op->kind);
    if (name) {
        arg_text(op, "%s", name);
        arg_key(op, w->id, 0);
        arg_elems(op, set, op_family(op->kind) == FAM_SET, op->kind == OP_HSET);
        return;
    }
    switch (op->kind) {
    case OP_HINCRBY:
        arg_text(op, "HINCRBY");
        arg_key(op, w->id, 0);
        arg_elems(op, NULL, false, false);
        arg_text(op, "%lld", op->delta);
        return;
    case OP_HEXPIRE:
        arg_text(op, op->absolute ? "HPEXPIREAT" : op->in_seconds ? "HEXPIRE" : "HPEXPIRE");
        arg_key(op, w->id, 0);
        arg_text(op, "%lld",
                 op->absolute     ? op->at_ms
                 : op->in_seconds ? op->ttl_ms / 1000
                                  : op->ttl_ms);
        if (op->expf != EXPF_NONE)
            arg_text(op, "%s", EXPIRE_FLAGS[op->expf]);
        arg_text(op, "FIELDS");
        arg_text(op, "%d", op->nfields);
        arg_elems(op, NULL, false, false);
        return;
    case OP_HTTL:
    case OP_HPERSIST:
        arg_text(op, op->kind == OP_HPERSIST ? "HPERSIST" : op->in_seconds ? "HTTL" : "HPTTL");
        arg_key(op, w->id, 0);
        arg_text(op, "FIELDS");
        arg_text(op, "%d", op->nfields);
        arg_elems(op, NULL, false, false);
        return;
    case OP_ENCODING:
        arg_text(op, "OBJECT");
        arg_text(op, "ENCODING");
        arg_key(op, w->id, 0);
        return;
    default: return;
    }
}

/* ------------------------------------------------------------------ */
/* Choosing operations                                                 */
/* ------------------------------------------------------------------ */

struct weighted_kind {
    enum op_kind kind;
    unsigned weight;
};

static enum op_kind pick_weighted(struct rng *g, const struct weighted_kind *t, size_t n)
{
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += t[i].weight;
    unsigned roll = (unsigned)rng_below(g, total);
    size_t i = 0;
    while (roll >= t[i].weight)
        roll -= t[i++].weight;
    return t[i].kind;
}

static const struct weighted_kind HASH_OPS[] = {
    {OP_HSET, 20},   {OP_HGET, 12},    {OP_HMGET, 6},   {OP_HDEL, 5},    {OP_HLEN, 5},
    {OP_HEXISTS, 5}, {OP_HINCRBY, 6},  {OP_HGETALL, 5}, {OP_HSTRLEN, 4}, {OP_HEXPIRE, 9},
    {OP_HTTL, 6},    {OP_HPERSIST, 3}, {OP_EXPIRE, 2},  {OP_PERSIST, 1}, {OP_PTTL, 2},
    {OP_TTL, 1},     {OP_TYPE, 1},     {OP_EXISTS, 1},  {OP_DEL, 1},     {OP_ENCODING, 2},
};

static const struct weighted_kind SET_OPS[] = {
    {OP_SADD, 24},    {OP_SREM, 7},   {OP_SISMEMBER, 12}, {OP_SMISMEMBER, 7}, {OP_SCARD, 7},
    {OP_SMEMBERS, 6}, {OP_SPOP, 5},   {OP_EXPIRE, 2},     {OP_PERSIST, 1},    {OP_PTTL, 2},
    {OP_TYPE, 1},     {OP_EXISTS, 1}, {OP_DEL, 2},        {OP_ENCODING, 2},
};

/* Volatile hashes and sets are read-mostly, like cold string keys: of the
 * writes chosen for them VOLATILE_WRITES_PCT stay writes (mostly ones
 * that set short TTLs), the rest become reads, so that their TTLs run out
 * while they are being read. */
static const enum op_kind VOLATILE_HASH_WRITES[] = {
    OP_HSET, OP_HSET, OP_HEXPIRE, OP_HEXPIRE, OP_EXPIRE, OP_PEXPIREAT, OP_HDEL, OP_HINCRBY};
static const enum op_kind VOLATILE_HASH_READS[] = {OP_HGET,    OP_HMGET,   OP_HLEN, OP_HEXISTS,
                                                   OP_HGETALL, OP_HSTRLEN, OP_HTTL, OP_PTTL,
                                                   OP_TTL,     OP_EXISTS};
static const enum op_kind VOLATILE_SET_WRITES[] = {OP_SADD,      OP_SADD, OP_EXPIRE,
                                                   OP_PEXPIREAT, OP_SREM, OP_SPOP};
static const enum op_kind VOLATILE_SET_READS[] = {
    OP_SISMEMBER, OP_SMISMEMBER, OP_SCARD, OP_SMEMBERS, OP_PTTL, OP_TTL, OP_EXISTS};

/* Commands that leave the key (and its elements' TTLs) as they are. */
static bool coll_op_is_read(enum op_kind kind)
{
    switch (kind) {
    case OP_HGET:
    case OP_HMGET:
    case OP_HLEN:
    case OP_HEXISTS:
    case OP_HGETALL:
    case OP_HSTRLEN:
    case OP_HTTL:
    case OP_SISMEMBER:
    case OP_SMISMEMBER:
    case OP_SCARD:
    case OP_SMEMBERS:
    case OP_ENCODING: return true;
    default: return op_is_read(kind);
    }
}

/* The hash or set model of key k, or NULL when k holds another type. */
static const struct coll_model *coll_of(const struct worker *w, int k, enum key_type type)
{
    const struct key_model *km = &w->keys[k];
    return km_type(km) == type ? km->coll : NULL;
}

/* An element index below range; present_pct of the time one the model has
 * (when a few draws find one), so that replies tell something. Integer
 * sets draw their string member STR_MEMBER_PERCENT of the time. */
static int pick_elem(struct worker *w, const struct coll_model *cm, int range, unsigned present_pct)
{
    struct rng *g = &w->rng;
    if (cm && rng_percent(g, present_pct)) {
        for (int tries = 0; tries < 8; tries++) {
            int i = (int)rng_below(g, (uint64_t)range);
            if (cm->elems[i].state == KEY_PRESENT)
                return i;
        }
    }
    if (cm && cm->type == KT_SET && cm->ints)
        return rng_percent(g, STR_MEMBER_PERCENT) ? range - 1
                                                  : (int)rng_below(g, (uint64_t)range - 1);
    return (int)rng_below(g, (uint64_t)range);
}

/* n distinct elements into op->field (fewer only if the draws keep
 * colliding); at most one long member when few_long (pipelines, whose
 * requests must stay small). */
static void pick_elems(struct worker *w, struct op *op, int n, const struct coll_model *cm,
                       int range, unsigned present_pct, bool few_long)
{
    op->nfields = 0;
    int longs = 0;
    for (int tries = 0; op->nfields < n && tries < 8 * OP_MAX_FIELDS; tries++) {
        int i = pick_elem(w, cm, range, present_pct);
        bool dup = false;
        for (int j = 0; j < op->nfields; j++)
            dup = dup || op->field[j] == i;
        bool is_long = cm && cm->type == KT_SET && !cm->ints && cm->role == ROLE_BIG &&
                       i % LONG_MEMBER_EVERY == LONG_MEMBER_EVERY - 1;
        if (dup || (few_long && is_long && longs > 0))
            continue;
        longs += is_long;
        op->field[op->nfields++] = i;
    }
}

static bool is_counter_field(int i)
{
    return i % COUNTER_FIELD_EVERY == COUNTER_FIELD_EVERY - 1;
}

/* HSET's value for slot: a decimal integer for a counter field (HINCRBY
 * works on those only); else bytes, binary or text, as long as the hash's
 * role has them, never longer than cap: up to 16 bytes in big hashes, up
 * to hash-max-listpack-value in small and volatile ones, past it now and
 * then in wide ones. */
static void make_field_value(struct worker *w, struct op *op, int slot, enum coll_role role,
                             size_t cap)
{
    struct rng *g = &w->rng;
    if (is_counter_field(op->field[slot])) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%lld",
                         rng_between(g, -COUNTER_START_ABS, COUNTER_START_ABS));
        op->fval[slot] = xmalloc((size_t)n);
        memcpy(op->fval[slot], buf, (size_t)n);
        op->fvlen[slot] = (size_t)n;
        return;
    }
    long long limit = w->ph->lim.hash_value;
    size_t max = (size_t)(limit > 0 ? limit : 0), len;
    if (role == ROLE_BIG && max > BIG_HASH_VALUE_MAX)
        max = BIG_HASH_VALUE_MAX;
    if (role == ROLE_WIDE && rng_percent(g, WIDE_LONG_PERCENT))
        len = (size_t)rng_between(g, (long long)max + 1, (long long)max * WIDE_VALUE_FACTOR + 1);
    else
        len = (size_t)rng_below(g, max + 1);
    len = len < cap ? len : cap;
    op->fval[slot] = xmalloc(len);
    op->fvlen[slot] = len;
    rng_fill(g, op->fval[slot], len, rng_percent(g, 20));
}

/* A field TTL: short (100 ms .. 1 s mostly, up to 3 s) so that fields run
 * out during the run, now and then long (not for volatile hashes). */
static long long pick_field_ttl_ms(struct worker *w, enum coll_role role)
{
    struct rng *g = &w->rng;
    if (role != ROLE_VOLATILE && rng_percent(g, 15))
        return 1000 * rng_between(g, LONG_TTL_MIN_S, LONG_TTL_MAX_S);
    return rng_between(g, SHORT_TTL_MIN_MS, rng_percent(g, 70) ? 1000 : SHORT_TTL_MAX_MS);
}

/* HPEXPIRE (relative ms, 0 now and then: the fields go at once), HEXPIRE
 * (whole seconds), or HPEXPIREAT (an instant ahead, or one past: the
 * fields go), with NX|XX|GT|LT 40% of the time. */
static void choose_field_expire(struct worker *w, struct op *op, enum coll_role role)
{
    struct rng *g = &w->rng;
    unsigned roll = (unsigned)rng_below(g, 100);
    long long now_ms = wall_us() / 1000;
    op->ttl = TTL_PX;
    if (roll < 5) {
        op->ttl_ms = 0;
    } else if (roll < 10) {
        op->absolute = true;
        op->at_ms = now_ms - rng_between(g, 1, 5000);
    } else if (roll < 25) {
        op->absolute = true;
        op->at_ms = now_ms + pick_field_ttl_ms(w, role);
    } else if (roll < 35) {
        op->in_seconds = true;
        op->ttl_ms = 1000 * rng_between(g, 1, SHORT_TTL_MAX_MS / 1000);
    } else {
        op->ttl_ms = pick_field_ttl_ms(w, role);
    }
    if (op->absolute)
        op->ttl = TTL_PXAT;
    op->expf = rng_percent(g, 60) ? EXPF_NONE : (enum expire_flag)rng_between(g, EXPF_NX, EXPF_LT);
}

/* EXPIRE / PEXPIRE / PEXPIREAT on a hash or set key: long TTLs for big
 * ones (regrowing them takes a while), short ones for volatile ones, and
 * either for the rest. */
static void choose_key_expire(struct worker *w, struct op *op, enum coll_role role)
{
    struct rng *g = &w->rng;
    if (op->kind == OP_PEXPIREAT) {
        op->ttl = TTL_PXAT;
    } else {
        op->in_seconds = rng_percent(g, 30);
        op->ttl = op->in_seconds ? TTL_EX : TTL_PX;
        op->expf =
            rng_percent(g, 60) ? EXPF_NONE : (enum expire_flag)rng_between(g, EXPF_NX, EXPF_LT);
    }
    bool long_ttl = role == ROLE_BIG || (role != ROLE_VOLATILE && rng_percent(g, 70));
    op->ttl_ms = long_ttl ? 1000 * rng_between(g, LONG_TTL_MIN_S, LONG_TTL_MAX_S)
                          : pick_ttl_ms(w, op->in_seconds);
    op->at_ms = wall_us() / 1000 + op->ttl_ms;
    if (role == ROLE_VOLATILE)
        shorten_ttl(w, op);
}

/* EXISTS over this key and up to two more hash or set keys of the worker. */
static void add_coll_keys(struct worker *w, struct op *op)
{
    int want = 1 + (int)rng_below(&w->rng, 3);
    for (int tries = 0; op->nkeys < want && tries < 8; tries++) {
        int k = HASH_KEYS_FROM + (int)rng_below(&w->rng, HASHES_PER_WORKER + SETS_PER_WORKER);
        bool dup = false;
        for (int i = 0; i < op->nkeys; i++)
            dup = dup || op->key[i] == k;
        if (!dup)
            op->key[op->nkeys++] = k;
    }
}

/* HSET to a hash with a key TTL names a field the model has without a TTL
 * of its own, when a few draws find one: the count of new fields then
 * tells whether the hash was still there (else, as it may go at any time
 * under eviction, the hash would become unknown). */
static void name_lasting_field(struct worker *w, struct op *op, const struct coll_model *cm)
{
    for (int tries = 0; tries < 8; tries++) {
        int i = (int)rng_below(&w->rng, (uint64_t)cm->n);
        bool dup = false;
        for (int j = 0; j < op->nfields; j++)
            dup = dup || op->field[j] == i;
        if (!dup && cm->elems[i].state == KEY_PRESENT && !cm->elems[i].has_ttl) {
            op->field[0] = i;
            return;
        }
    }
}

/* Arguments of a hash command (or of a key command on a hash key). The
 * key may hold another type (a probe): then fields range as in a small
 * hash. */
static void choose_hash_args(struct worker *w, struct op *op, size_t value_cap)
{
    struct rng *g = &w->rng;
    const struct coll_model *cm = coll_of(w, op->key[0], KT_HASH);
    enum coll_role role = cm ? cm->role : ROLE_SMALL;
    int range = cm ? cm->n : SMALL_HASH_FIELDS;
    bool big = role == ROLE_BIG;
    int n;
    switch (op->kind) {
    case OP_HSET:
        n = big ? (int)rng_between(g, 4, OP_MAX_FIELDS) : (int)rng_between(g, 1, 6);
        pick_elems(w, op, n, cm, range, 30, false);
        if (cm && w->keys[op->key[0]].has_ttl)
            name_lasting_field(w, op, cm);
        for (int i = 0; i < op->nfields; i++)
            make_field_value(w, op, i, role, value_cap / (size_t)op->nfields);
        break;
    case OP_HGET:
    case OP_HEXISTS:
    case OP_HSTRLEN: pick_elems(w, op, 1, cm, range, 50, false); break;
    case OP_HMGET: pick_elems(w, op, (int)rng_between(g, 2, 8), cm, range, 50, false); break;
    case OP_HDEL:
        pick_elems(w, op, (int)rng_between(g, 1, big ? 2 : 3), cm, range, 50, false);
        break;
    case OP_HINCRBY:
        op->nfields = 1;
        op->field[0] =
            (int)rng_below(g, (uint64_t)(range / COUNTER_FIELD_EVERY)) * COUNTER_FIELD_EVERY +
            COUNTER_FIELD_EVERY - 1;
        op->delta = rng_between(g, -INCRBY_MAX_ABS, INCRBY_MAX_ABS);
        break;
    case OP_HEXPIRE:
        pick_elems(w, op, (int)rng_between(g, 1, 4), cm, range, 60, false);
        choose_field_expire(w, op, role);
        break;
    case OP_HTTL:
        op->in_seconds = rng_percent(g, 30);
        pick_elems(w, op, (int)rng_between(g, 1, 4), cm, range, 60, false);
        break;
    case OP_HPERSIST: pick_elems(w, op, (int)rng_between(g, 1, 3), cm, range, 60, false); break;
    case OP_EXPIRE:
    case OP_PEXPIREAT: choose_key_expire(w, op, role); break;
    case OP_EXISTS: add_coll_keys(w, op); break;
    default: break;
    }
}

/* Arguments of a set command (or of a key command on a set key); for a
 * probe of another type's key, members as in a small string set. SADD to
 * a set with a TTL names a member it has when it can: the count of new
 * members then tells whether the set was still there. */
static void choose_member_args(struct worker *w, struct op *op, size_t value_cap)
{
    struct rng *g = &w->rng;
    const struct coll_model *cm = coll_of(w, op->key[0], KT_SET);
    enum coll_role role = cm ? cm->role : ROLE_SMALL;
    int range = cm ? cm->n : SMALL_SET_MEMBERS;
    bool few_long = value_cap < BIG_VALUE_MAX_BYTES;
    switch (op->kind) {
    case OP_SADD:
        pick_elems(w, op,
                   role == ROLE_BIG ? (int)rng_between(g, 4, OP_MAX_FIELDS)
                                    : (int)rng_between(g, 1, 5),
                   cm, range, 20, few_long);
        if (cm && w->keys[op->key[0]].has_ttl) {
            int keep = pick_elem(w, cm, range, 100);
            bool dup = false;
            for (int i = 0; i < op->nfields; i++)
                dup = dup || op->field[i] == keep;
            if (!dup && cm->elems[keep].state == KEY_PRESENT)
                op->field[0] = keep;
        }
        break;
    case OP_SREM: pick_elems(w, op, (int)rng_between(g, 1, 4), cm, range, 60, few_long); break;
    case OP_SISMEMBER: pick_elems(w, op, 1, cm, range, 50, few_long); break;
    case OP_SMISMEMBER:
        pick_elems(w, op, (int)rng_between(g, 2, 6), cm, range, 50, few_long);
        break;
    case OP_EXPIRE:
    case OP_PEXPIREAT: choose_key_expire(w, op, role); break;
    case OP_EXISTS: add_coll_keys(w, op); break;
    default: break;
    }
}

/* An operation on one of the worker's hashes or sets (keys [first,
 * first + count)). An unknown one is mostly deleted, the one command that
 * makes it known again; big ones are seldom deleted and their replies
 * kept small; volatile ones are read-mostly. */
void choose_coll_op(struct worker *w, struct op *op, size_t value_cap, bool hash)
{
    struct rng *g = &w->rng;
    op->nkeys = 1;
    op->key[0] = hash ? HASH_KEYS_FROM + (int)rng_below(g, HASHES_PER_WORKER)
                      : SET_KEYS_FROM + (int)rng_below(g, SETS_PER_WORKER);
    const struct key_model *km = &w->keys[op->key[0]];
    enum coll_role role = km->coll->role;
    if (km->state == KEY_UNKNOWN && rng_percent(g, 60)) {
        op->kind = OP_DEL;
        return;
    }
    op->kind = hash ? pick_weighted(g, HASH_OPS, COUNT_OF(HASH_OPS))
                    : pick_weighted(g, SET_OPS, COUNT_OF(SET_OPS));
    if (role == ROLE_BIG && op->kind == OP_DEL && !rng_percent(g, 5))
        op->kind = hash ? OP_HSET : OP_SADD;
    if (role == ROLE_BIG && (op->kind == OP_HGETALL || op->kind == OP_SMEMBERS) &&
        rng_percent(g, 50))
        op->kind = hash ? OP_HLEN : OP_SCARD;
    if (role == ROLE_VOLATILE && !coll_op_is_read(op->kind)) {
        bool write = rng_percent(g, VOLATILE_WRITES_PCT);
        if (hash)
            op->kind = write ? VOLATILE_HASH_WRITES[rng_below(g, COUNT_OF(VOLATILE_HASH_WRITES))]
                             : VOLATILE_HASH_READS[rng_below(g, COUNT_OF(VOLATILE_HASH_READS))];
        else
            op->kind = write ? VOLATILE_SET_WRITES[rng_below(g, COUNT_OF(VOLATILE_SET_WRITES))]
                             : VOLATILE_SET_READS[rng_below(g, COUNT_OF(VOLATILE_SET_READS))];
    }
    if (hash)
        choose_hash_args(w, op, value_cap);
    else
        choose_member_args(w, op, value_cap);
}

/* Whether the key cannot be missing, however long a command takes: present
 * with no TTL, and for a hash one field without a TTL (eviction only takes
 * keys with a TTL). */
static bool key_is_firm(const struct key_model *km)
{
    if (km->state != KEY_PRESENT || km->has_ttl)
        return false;
    if (km_type(km) != KT_HASH)
        return true;
    for (int i = 0; i < km->coll->n; i++)
        if (km->coll->elems[i].state == KEY_PRESENT && !km->coll->elems[i].has_ttl)
            return true;
    return false;
}

/* Commands that would create their key were it missing. */
static bool op_creates(enum op_kind kind)
{
    switch (kind) {
    case OP_HSET:
    case OP_HINCRBY:
    case OP_SADD:
    case OP_APPEND:
    case OP_INCRBY:
    case OP_SETRANGE: return true;
    default: return false;
    }
}

/* A WRONGTYPE probe: a command of one type on a key of another. Commands
 * that would create the key were it missing are chosen only when alone
 * (the model is current: no earlier command of a batch is pending) and
 * the key cannot be missing. */
void choose_probe_op(struct worker *w, struct op *op, size_t value_cap, bool alone)
{
    static const enum op_kind ON_STRINGS[] = {OP_HGET,       OP_HMGET,    OP_HLEN,  OP_HEXISTS,
                                              OP_HSTRLEN,    OP_HGETALL,  OP_HDEL,  OP_HTTL,
                                              OP_HPERSIST,   OP_HEXPIRE,  OP_SCARD, OP_SISMEMBER,
                                              OP_SMISMEMBER, OP_SMEMBERS, OP_SREM,  OP_SPOP};
    static const enum op_kind STRING_CMDS[] = {OP_GET,   OP_STRLEN, OP_GETRANGE, OP_GETDEL,
                                               OP_GETEX, OP_SET,    OP_MGET};
    static const enum op_kind ON_SETS[] = {OP_HGET, OP_HMGET,   OP_HLEN, OP_HGETALL,
                                           OP_HDEL, OP_HEXPIRE, OP_HTTL, OP_HPERSIST};
    static const enum op_kind ON_HASHES[] = {OP_SCARD,    OP_SISMEMBER, OP_SMISMEMBER,
                                             OP_SMEMBERS, OP_SREM,      OP_SPOP};
    static const enum op_kind CREATING_ON_STRINGS[] = {OP_HSET, OP_HINCRBY, OP_SADD};
    static const enum op_kind CREATING_ON_HASHES[] = {OP_APPEND, OP_INCRBY, OP_SETRANGE, OP_SADD};
    static const enum op_kind CREATING_ON_SETS[] = {OP_APPEND, OP_INCRBY, OP_SETRANGE, OP_HSET,
                                                    OP_HINCRBY};
    struct rng *g = &w->rng;
    op->nkeys = 1;
    unsigned roll = (unsigned)rng_below(g, 100);
    if (roll < 45)
        op->key[0] = rng_percent(g, 80) ? pick_key(w, KEYS_PER_WORKER)
                                        : KEYS_PER_WORKER + (int)rng_below(g, COUNTERS_PER_WORKER);
    else
        op->key[0] = HASH_KEYS_FROM + (int)rng_below(g, HASHES_PER_WORKER + SETS_PER_WORKER);
    enum key_type type = km_type(&w->keys[op->key[0]]);
    bool creating = alone && key_is_firm(&w->keys[op->key[0]]) && rng_percent(g, 30);
    if (creating && type == KT_STRING) {
        op->kind = CREATING_ON_STRINGS[rng_below(g, COUNT_OF(CREATING_ON_STRINGS))];
    } else if (creating) {
        op->kind = type == KT_HASH ? CREATING_ON_HASHES[rng_below(g, COUNT_OF(CREATING_ON_HASHES))]
                                   : CREATING_ON_SETS[rng_below(g, COUNT_OF(CREATING_ON_SETS))];
    } else if (type == KT_STRING) {
        op->kind = ON_STRINGS[rng_below(g, COUNT_OF(ON_STRINGS))];
    } else if (roll < 80) {
        op->kind = STRING_CMDS[rng_below(g, COUNT_OF(STRING_CMDS))];
    } else {
        op->kind = type == KT_HASH ? ON_HASHES[rng_below(g, COUNT_OF(ON_HASHES))]
                                   : ON_SETS[rng_below(g, COUNT_OF(ON_SETS))];
    }
    switch (op_family(op->kind)) {
    case FAM_HASH: choose_hash_args(w, op, value_cap); break;
    case FAM_SET: choose_member_args(w, op, value_cap); break;
    default:
        choose_args(w, op, value_cap);
        if (op->kind == OP_SET) { /* SET XX GET: WRONGTYPE, or nil and nothing set */
            op->cond = COND_XX;
            op->with_get = true;
        } else if (op->kind == OP_INCRBY) {
            op->incr = INCR_BY;
            op->delta = rng_between(g, -INCRBY_MAX_ABS, INCRBY_MAX_ABS);
        }
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Set members and encodings                                           */
/* ------------------------------------------------------------------ */

/* Members of a set model: all of them, or those op names. */
int set_card(const struct key_model *km)
{
    int n = 0;
    for (int i = 0; i < km->coll->n; i++)
        n += km->coll->elems[i].state == KEY_PRESENT;
    return n;
}

int members_named(const struct key_model *km, const struct op *op)
{
    int n = 0;
    for (int i = 0; i < op->nfields; i++)
        n += km->coll->elems[op->field[i]].state == KEY_PRESENT;
    return n;
}

/* Whether a listpack set may hold count members, the longest len bytes. */
static bool set_pack_fits(const struct coll_limits *lim, long long count, size_t len)
{
    return count <= lim->set_entries && count <= 65535 && (long long)len <= lim->set_value;
}

static size_t longest_member(const struct coll_model *cm)
{
    char text[OP_TEXT_BYTES];
    size_t longest = 0;
    for (int i = 0; i < cm->n; i++) {
        size_t len =
            cm->elems[i].state == KEY_PRESENT ? (size_t)member_text(cm, i, text, sizeof text) : 0;
        longest = len > longest ? len : longest;
    }
    return longest;
}

/* Member i joins the set (it was not in it), which changes encoding as
 * the server's sets do: a set created with an integer is an intset, which
 * becomes a listpack (if one holds all the members) or a hashtable when a
 * string joins or it passes set-max-intset-entries; a listpack becomes a
 * hashtable when it passes set-max-listpack-entries or gets a member
 * longer than set-max-listpack-value. Nothing converts back. */
static void set_add_member(struct key_model *km, int i)
{
    struct coll_model *cm = km->coll;
    const struct coll_limits *lim = cm->lim;
    char text[OP_TEXT_BYTES];
    size_t len = (size_t)member_text(cm, i, text, sizeof text);
    bool is_int = cm->ints && i < cm->n - 1;
    long long count = set_card(km);
    if (count == 0) {
        cm->set_enc = is_int && lim->set_intset > 0 ? ENC_INTSET
                      : set_pack_fits(lim, 1, len)  ? ENC_LISTPACK
                                                    : ENC_HASHTABLE;
    } else if (cm->set_enc == ENC_INTSET && !(is_int && count + 1 <= lim->set_intset)) {
        size_t longest = longest_member(cm);
        cm->set_enc = set_pack_fits(lim, count + 1, len > longest ? len : longest) ? ENC_LISTPACK
                                                                                   : ENC_HASHTABLE;
    } else if (cm->set_enc == ENC_LISTPACK && !set_pack_fits(lim, count + 1, len)) {
        cm->set_enc = ENC_HASHTABLE;
    }
    cm->elems[i].state = KEY_PRESENT;
}

/* SADD: adds to the set when it was there, creates it (no TTL) when not;
 * which one is not known when the count of new members is the same. */
void apply_sadd(struct key_model *km, const struct op *op, enum was was)
{
    if (was == WAS_EITHER) {
        km_forget(km);
        return;
    }
    if (was == WAS_ABSENT)
        km->state = KEY_PRESENT; /* check_key deleted it from the model first */
    if (km->state != KEY_PRESENT)
        return;
    for (int i = 0; i < op->nfields; i++)
        if (km->coll->elems[op->field[i]].state != KEY_PRESENT)
            set_add_member(km, op->field[i]);
}

/* SREM: a set left empty is deleted. With no member of the model named,
 * nothing changes whether the set was there or not. */
void apply_srem(struct key_model *km, const struct op *op, enum was was)
{
    if (was != WAS_PRESENT || km->state != KEY_PRESENT)
        return;
    for (int i = 0; i < op->nfields; i++)
        km->coll->elems[op->field[i]].state = KEY_ABSENT;
    if (set_card(km) == 0)
        km_delete(km);
}

/* ------------------------------------------------------------------ */
/* Checking replies                                                    */
/* ------------------------------------------------------------------ */

static void count_check(struct worker *w, enum key_state state, bool window)
{
    if (state == KEY_UNKNOWN)
        w->checks_unknown++;
    else if (window)
        w->checks_window++;
    else
        w->checks_exact++;
}

static bool int_in(const redisReply *r, long long lo, long long hi)
{
    return r->type == REDIS_REPLY_INTEGER && r->integer >= lo && r->integer <= hi;
}

/* An array of n integers, each in [lo, hi]. */
static bool ints_in(const redisReply *r, int n, long long lo, long long hi)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)n)
        return false;
    for (int i = 0; i < n; i++)
        if (!int_in(r->element[i], lo, hi))
            return false;
    return true;
}

/* An array of n elements (any number when n < 0), each a string, or a nil
 * when or_nil is set. */
static bool array_of_strings(const redisReply *r, long long n, bool or_nil)
{
    if (r->type != REDIS_REPLY_ARRAY || (n >= 0 && r->elements != (size_t)n))
        return false;
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type != REDIS_REPLY_STRING &&
            !(or_nil && r->element[i]->type == REDIS_REPLY_NIL))
            return false;
    return true;
}

/* An array of n nils. */
static bool nils(const redisReply *r, int n)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)n)
        return false;
    for (int i = 0; i < n; i++)
        if (r->element[i]->type != REDIS_REPLY_NIL)
            return false;
    return true;
}

/* The verdict on a reply to a command on a whole key: there_form and
 * gone_form say whether it is the reply for the key being there or gone,
 * p what the model allowed. Neither allowed: a mismatch (a lost key
 * without TTL counted when the key could not have gone), and the key is
 * forgotten; gone only: the key leaves the model. Returns what the key
 * was, or -1 after a mismatch. */
static int judge_key(struct worker *w, const struct op *op, struct key_model *km, enum presence p,
                     bool there_form, bool gone_form, const char *exp_there, const char *exp_gone,
                     const redisReply *r, int64_t t0, int64_t t1)
{
    count_check(w, km->state, p == MAYBE);
    bool there = p != SURE_ABSENT && there_form, gone = p != SURE_PRESENT && gone_form;
    if (!there && !gone) {
        char expected[700], model[300];
        if (p == MAYBE)
            snprintf(expected, sizeof expected, "%s (key there) or %s (key gone)", exp_there,
                     exp_gone);
        else
            snprintf(expected, sizeof expected, "%s", p == SURE_PRESENT ? exp_there : exp_gone);
        describe_model(km, t0, t1, model, sizeof model);
        if (p == SURE_PRESENT && !km->has_ttl && gone_form) {
            atomic_fetch_add(&w->ph->n.lost_no_ttl, 1);
            strncat(model, " [LOST KEY WITHOUT TTL]", sizeof model - strlen(model) - 1);
        }
        report_mismatch(w, op, 0, expected, r, model);
        km_forget(km);
        return -1;
    }
    if (gone && !there) {
        w->expiries_seen += km->state == KEY_PRESENT && km->has_ttl;
        km_delete(km);
        return WAS_ABSENT;
    }
    return there && gone ? WAS_EITHER : WAS_PRESENT;
}

/* The reply of a hash or set command for a missing key (described into
 * text): true when r is it. String commands answer as expect_if_absent
 * says. */
static bool absent_reply_matches(const struct op *op, const redisReply *r, char *text, size_t cap)
{
    struct expect e;
    switch (op->kind) {
    case OP_HGET:
    case OP_SPOP: e = exp_nil(); break;
    case OP_HLEN:
    case OP_HEXISTS:
    case OP_HSTRLEN:
    case OP_HDEL:
    case OP_SCARD:
    case OP_SISMEMBER:
    case OP_SREM: e = exp_int(0); break;
    case OP_HMGET:
        snprintf(text, cap, "an array of %d nils", op->nfields);
        return nils(r, op->nfields);
    case OP_HGETALL:
    case OP_SMEMBERS:
        snprintf(text, cap, "an empty array");
        return r->type == REDIS_REPLY_ARRAY && r->elements == 0;
    case OP_SMISMEMBER:
        snprintf(text, cap, "an array of %d zeros", op->nfields);
        return ints_in(r, op->nfields, 0, 0);
    case OP_HEXPIRE:
    case OP_HTTL:
    case OP_HPERSIST:
        snprintf(text, cap, "an array of %d times -2 (no such field)", op->nfields);
        return ints_in(r, op->nfields, -2, -2);
    default: e = expect_if_absent(op); break;
    }
    describe_expect(&e, text, cap);
    return reply_matches(r, &e);
}

/* A command on a key of another type: the WRONGTYPE error when the key is
 * there (nothing changes), the reply for a missing key when it is not.
 * MGET answers nil for such a key, there or not. A probe that creates its
 * key only goes to a key that cannot be missing. */
void check_probe(struct worker *w, const struct op *op, const redisReply *r, int64_t t0, int64_t t1)
{
    struct key_model *km = &w->keys[op->key[0]];
    w->probes++;
    if (op->kind == OP_MGET) {
        count_check(w, km->state, false);
        if (!nils(r, 1)) {
            report_mismatch(w, op, 0, "an array of one nil (MGET: a key of another type)", r, NULL);
            km_forget(km);
        }
        return;
    }
    char exp_gone[200], exp_there[120];
    struct expect wrongtype = exp_wrongtype();
    describe_expect(&wrongtype, exp_there, sizeof exp_there);
    bool gone_form = absent_reply_matches(op, r, exp_gone, sizeof exp_gone);
    if (op_creates(op->kind)) {
        snprintf(exp_gone, sizeof exp_gone, "(nothing else: the key cannot be missing)");
        gone_form = false;
    }
    int was = judge_key(w, op, km, classify(w, km, t0, t1), reply_matches(r, &wrongtype), gone_form,
                        exp_there, exp_gone, r, t0, t1);
    w->wrongtype_seen += was == WAS_PRESENT;
}

/* The encodings OBJECT ENCODING may name for a hash or set that is there,
 * as a mask of 1 << enum encoding. A hash is a listpack (listpackex once a
 * field got an expiry) until it passes hash-max-listpack-entries or gets a
 * value longer than hash-max-listpack-value, then a hashtable for good. */
static unsigned allowed_encodings(const struct key_model *km)
{
    const struct coll_model *cm = km->coll;
    const struct coll_limits *lim = cm->lim;
    unsigned table = 1u << ENC_HASHTABLE, compact = 1u << ENC_LISTPACK;
    if (cm->type == KT_SET) {
        if (km->state != KEY_PRESENT || cm->enc_unsure)
            return compact | table | 1u << ENC_INTSET;
        return 1u << cm->set_enc;
    }
    compact |= 1u << ENC_LISTPACKEX;
    if (km->state != KEY_PRESENT || cm->enc_unsure)
        return compact | table;
    if ((long long)cm->longest > lim->hash_value || cm->peak_lo > lim->hash_entries)
        return table;
    if (cm->peak_hi <= lim->hash_entries)
        return compact;
    return compact | table;
}

/* OBJECT ENCODING of a hash or set key: nil when it is gone, else one of
 * the encodings the model allows. The names seen are counted. */
void check_encoding(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                    int64_t t1)
{
    struct key_model *km = &w->keys[op->key[0]];
    unsigned allowed = allowed_encodings(km);
    int enc = -1;
    for (int e = 0; e < ENC_COUNT && r->type == REDIS_REPLY_STRING; e++)
        if (r->len == strlen(ENCODING_NAMES[e]) && memcmp(r->str, ENCODING_NAMES[e], r->len) == 0)
            enc = e;
    char exp_there[120] = "a string, one of";
    for (int e = 0; e < ENC_COUNT; e++)
        if (allowed & 1u << e)
            snprintf(exp_there + strlen(exp_there), sizeof exp_there - strlen(exp_there), " %s",
                     ENCODING_NAMES[e]);
    int was = judge_key(w, op, km, classify(w, km, t0, t1), enc >= 0 && (allowed & 1u << enc),
                        r->type == REDIS_REPLY_NIL, exp_there, "nil", r, t0, t1);
    if (was == WAS_PRESENT || (was == WAS_EITHER && enc >= 0)) {
        if (km_type(km) == KT_HASH)
            w->hash_enc[enc]++;
        else
            w->set_enc[enc]++;
    }
}

/* SMEMBERS against a known set: every member once, none else. Where they
 * differ goes to why. */
static bool members_match(struct worker *w, const struct key_model *km, const redisReply *r,
                          char *why, size_t cap)
{
    const struct coll_model *cm = km->coll;
    if (!array_of_strings(r, -1, false)) {
        snprintf(why, cap, "an array of strings");
        return false;
    }
    memset(w->seen, 0, (size_t)cm->n);
    for (size_t j = 0; j < r->elements; j++) {
        const redisReply *e = r->element[j];
        int i = member_index(cm, e->str, e->len);
        if (i < 0 || cm->elems[i].state != KEY_PRESENT || w->seen[i]) {
            snprintf(why, cap, "%s \"%.*s\"",
                     i < 0        ? "no such member can exist, yet got"
                     : w->seen[i] ? "each member once, yet got twice"
                                  : "not a member, yet got",
                     (int)(e->len < 90 ? e->len : 90), e->str);
            return false;
        }
        w->seen[i] = 1;
    }
    for (int i = 0; i < cm->n; i++) {
        if (cm->elems[i].state == KEY_PRESENT && !w->seen[i]) {
            char text[OP_TEXT_BYTES];
            member_text(cm, i, text, sizeof text);
            snprintf(why, cap, "member \"%s\" is missing", text);
            return false;
        }
    }
    return true;
}

/* SMISMEMBER, SMEMBERS and SPOP on a set key. A set is there or gone as a
 * whole (members never expire alone), and when the model knows it the
 * reply is exact: SMEMBERS compared as a set, SPOP's member one of the
 * model's, which it then leaves. */
void check_set_reply(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                     int64_t t1)
{
    struct key_model *km = &w->keys[op->key[0]];
    struct coll_model *cm = km->coll;
    bool known = km->state == KEY_PRESENT, there_form = false, gone_form = false;
    char exp_there[300] = "", exp_gone[80] = "", why[160] = "";
    int popped = -1;
    switch (op->kind) {
    case OP_SMISMEMBER:
        gone_form = ints_in(r, op->nfields, 0, 0);
        there_form = ints_in(r, op->nfields, 0, 1);
        snprintf(exp_there, sizeof exp_there, "an array");
        for (int i = 0; i < op->nfields && known; i++) {
            long long in = cm->elems[op->field[i]].state == KEY_PRESENT;
            there_form = there_form && r->element[i]->integer == in;
            snprintf(exp_there + strlen(exp_there), sizeof exp_there - strlen(exp_there), " %lld",
                     in);
        }
        snprintf(exp_gone, sizeof exp_gone, "an array of %d zeros", op->nfields);
        break;
    case OP_SMEMBERS:
        gone_form = r->type == REDIS_REPLY_ARRAY && r->elements == 0;
        there_form = known ? members_match(w, km, r, why, sizeof why)
                           : array_of_strings(r, -1, false) && r->elements > 0;
        snprintf(exp_there, sizeof exp_there, "the %d members of the model%s%s",
                 known ? set_card(km) : -1, why[0] ? ": " : "", why);
        snprintf(exp_gone, sizeof exp_gone, "an empty array");
        if (r->type == REDIS_REPLY_ARRAY && (long long)r->elements > w->largest_set)
            w->largest_set = (long long)r->elements;
        break;
    case OP_SPOP:
        gone_form = r->type == REDIS_REPLY_NIL;
        if (r->type == REDIS_REPLY_STRING)
            popped = member_index(cm, r->str, r->len);
        there_form = popped >= 0 && (!known || cm->elems[popped].state == KEY_PRESENT);
        snprintf(exp_there, sizeof exp_there, "a member of the model");
        snprintf(exp_gone, sizeof exp_gone, "nil");
        break;
    default: break;
    }
    int was = judge_key(w, op, km, classify(w, km, t0, t1), there_form, gone_form, exp_there,
                        exp_gone, r, t0, t1);
    if (op->kind == OP_SPOP && was == WAS_PRESENT && km->state == KEY_PRESENT) {
        cm->elems[popped].state = KEY_ABSENT;
        if (set_card(km) == 0)
            km_delete(km);
    }
}

/* ---- hashes ---- */

/* What one reply showed of a field, or of the hash as a whole. */
enum seen { SEEN_NOTHING, SEEN_THERE, SEEN_GONE };

/* One hash command's reply being checked against the model. */
struct hcheck {
    struct worker *w;
    const struct op *op;
    const redisReply *r;
    struct key_model *km;
    struct coll_model *cm;
    int64_t t0, t1;
    enum presence hp;   /* the hash, for a command that reclaims due fields */
    enum seen key_seen; /* what the reply showed of the hash itself */
    bool window;        /* some field or the hash could have been there or gone */
    bool done;          /* a mismatch was reported, or the hash became unknown */
};

static enum presence hc_field(const struct hcheck *hc, int fi)
{
    return field_presence(&hc->cm->elems[fi], hc->t0, hc->t1);
}

/* Whether field fi may be in the reply, and whether it may be missing. */
static bool hc_can_there(const struct hcheck *hc, int fi)
{
    return hc->hp != SURE_ABSENT && hc_field(hc, fi) != SURE_ABSENT;
}

static bool hc_can_gone(const struct hcheck *hc, int fi)
{
    return hc->hp != SURE_PRESENT || hc_field(hc, fi) != SURE_PRESENT;
}

/* A mismatch in a hash command's reply (about field fi, or the hash when
 * fi < 0): reported with the model, and the hash is forgotten. */
static void hc_fail(struct hcheck *hc, int fi, const char *expected, const redisReply *got)
{
    char model[700], key[300], field[300], name[24];
    describe_model(hc->km, hc->t0, hc->t1, key, sizeof key);
    if (fi >= 0) {
        field_text(fi, name, sizeof name);
        describe_model(&hc->cm->elems[fi], hc->t0, hc->t1, field, sizeof field);
        snprintf(model, sizeof model, "%s; field %s %s", key, name, field);
    } else {
        snprintf(model, sizeof model, "%s", key);
    }
    report_mismatch(hc->w, hc->op, 0, expected, got, model);
    km_forget(hc->km);
    hc->done = true;
}

/* Field fi's reply e fits neither the field there (ep) nor gone (ea). */
static void hc_field_mismatch(struct hcheck *hc, int fi, const struct expect *ep,
                              const struct expect *ea, const redisReply *e)
{
    char e1[300], e2[300], expected[800], name[24];
    bool can_there = hc_can_there(hc, fi), can_gone = hc_can_gone(hc, fi);
    const struct key_model *f = &hc->cm->elems[fi];
    describe_expect(ep, e1, sizeof e1);
    describe_expect(ea, e2, sizeof e2);
    field_text(fi, name, sizeof name);
    if (can_there && can_gone)
        snprintf(expected, sizeof expected, "field %s: %s (field there) or %s (field or hash gone)",
                 name, e1, e2);
    else
        snprintf(expected, sizeof expected, "field %s: %s", name, can_there ? e1 : e2);
    note_first_difference(ep, e, expected, sizeof expected);
    if (!can_gone && reply_matches(e, ea) && !hc->km->has_ttl && !f->has_ttl) {
        atomic_fetch_add(&hc->w->ph->n.lost_no_ttl, 1);
        strncat(expected, " [LOST FIELD WITHOUT TTL]", sizeof expected - strlen(expected) - 1);
    }
    hc_fail(hc, fi, expected, e);
}

/* Record what the reply showed of field fi. */
static void hc_mark(struct hcheck *hc, int fi, bool there, bool gone)
{
    hc->w->seen[fi] = there && gone ? SEEN_NOTHING : there ? SEEN_THERE : SEEN_GONE;
    hc->window = hc->window || hc_field(hc, fi) == MAYBE;
}

/* The hash was gone when the command ran. */
static void hc_hash_gone(struct hcheck *hc)
{
    if (hc->km->state == KEY_PRESENT) {
        if (hc->km->has_ttl)
            hc->w->expiries_seen++;
        else
            hc->w->field_expiries++; /* every field had run out */
    }
    km_delete(hc->km);
}

/* What the fields seen tell of the hash: one seen there shows that it was
 * there; one that could not have run out seen missing, that it was gone
 * (both: a mismatch). Fields seen missing then leave the model, all of
 * them when the hash was gone. */
static void hc_resolve(struct hcheck *hc)
{
    const unsigned char *seen = hc->w->seen;
    int there = hc->key_seen == SEEN_THERE ? -2 : -1, gone = hc->key_seen == SEEN_GONE ? -2 : -1;
    for (int i = 0; i < hc->cm->n; i++) {
        if (seen[i] == SEEN_THERE && there == -1)
            there = i;
        if (seen[i] == SEEN_GONE && gone == -1 && hc_field(hc, i) == SURE_PRESENT)
            gone = i;
    }
    if (there != -1 && gone != -1) {
        char a[24] = "the reply", b[24] = "the reply", expected[200];
        if (there >= 0)
            field_text(there, a, sizeof a);
        if (gone >= 0)
            field_text(gone, b, sizeof b);
        snprintf(expected, sizeof expected,
                 "one state of the hash, yet %s shows it there and %s shows it gone", a, b);
        hc_fail(hc, gone >= 0 ? gone : there, expected, hc->r);
        return;
    }
    if (gone != -1) {
        hc_hash_gone(hc);
        return;
    }
    for (int i = 0; i < hc->cm->n; i++) {
        struct key_model *f = &hc->cm->elems[i];
        if (seen[i] != SEEN_GONE)
            continue;
        hc->w->field_expiries += f->state == KEY_PRESENT && f->has_ttl;
        km_delete(f);
    }
}

/* After a hash command, which reclaims due fields when it looks the hash
 * up: fields whose window ended before it was sent are gone, and so is a
 * hash left without fields or whose own window ended. */
static void hc_settle(struct hcheck *hc)
{
    struct key_model *km = hc->km;
    if (hc->done || km->state != KEY_PRESENT)
        return;
    if (window_presence(km, hc->t0, hc->t1, false) == SURE_ABSENT) {
        km_delete(km);
        return;
    }
    bool any = false;
    for (int i = 0; i < hc->cm->n; i++) {
        struct key_model *f = &hc->cm->elems[i];
        if (f->state == KEY_PRESENT && f->has_ttl && hc->t0 > f->exp_hi_us + TOL_US)
            km_delete(f);
        any = any || f->state != KEY_ABSENT;
    }
    if (!any)
        km_delete(km);
}

/* A write that creates the hash when it is gone and changes it when it is
 * there, `was` saying which: the model as it stands before the write's own
 * fields go in. When either could be, a hash without a key TTL keeps its
 * other fields (were it gone, they were all "maybe", and missing is
 * allowed for them); any other hash becomes unknown (its key TTL would
 * differ). False when the hash became unknown. */
static bool hc_write_outcome(struct hcheck *hc, enum was was)
{
    struct key_model *km = hc->km;
    if (was == WAS_PRESENT)
        return true;
    if (was == WAS_ABSENT) {
        hc_hash_gone(hc);
        km->state = KEY_PRESENT;
        return true;
    }
    if (km->state == KEY_PRESENT && !km->has_ttl) {
        hc->cm->enc_unsure = true;
        return true;
    }
    km_forget(km);
    hc->done = true;
    return false;
}

/* After a write: the most fields the hash may have held, for OBJECT
 * ENCODING, and the longest value written. */
static void hc_note_size(struct hcheck *hc, size_t longest_written)
{
    int lo = 0, hi = 0;
    for (int i = 0; i < hc->cm->n; i++) {
        enum presence p = hc_field(hc, i);
        lo += p == SURE_PRESENT;
        hi += p != SURE_ABSENT;
    }
    struct coll_model *cm = hc->cm;
    cm->peak_lo = lo > cm->peak_lo ? lo : cm->peak_lo;
    cm->peak_hi = hi > cm->peak_hi ? hi : cm->peak_hi;
    cm->longest = longest_written > cm->longest ? longest_written : cm->longest;
}

/* HPTTL and HTTL of a field that is there: -1 without a TTL, else the time
 * left as PTTL computes it for keys, in seconds rounded up for HTTL. */
static struct expect field_ttl_expectation(const struct op *op, const struct key_model *f,
                                           int64_t t0, int64_t t1)
{
    if (!f->has_ttl)
        return exp_int(-1);
    long long lo_ms = floor_div(f->exp_lo_us - t1 - TOL_US, 1000);
    long long hi_ms = ceil_div(f->exp_hi_us - t0 + TOL_US, 1000);
    lo_ms = lo_ms < 0 ? 0 : lo_ms;
    hi_ms = hi_ms < 0 ? 0 : hi_ms;
    if (!op->in_seconds)
        return exp_range(lo_ms, hi_ms);
    return exp_range(ceil_div(lo_ms, 1000), ceil_div(hi_ms, 1000));
}

/* A field's reply to HGET, HMGET, HEXISTS, HSTRLEN, HPTTL, HTTL or
 * HPERSIST when it is there (ep; for an unknown field, its shape) and when
 * it is not (ea). */
static void field_forms(const struct op *op, const struct key_model *f, int64_t t0, int64_t t1,
                        struct expect *ep, struct expect *ea)
{
    bool known = f->state == KEY_PRESENT;
    *ea = exp_int(-2);
    switch (op->kind) {
    case OP_HGET:
    case OP_HMGET:
        *ep = known ? exp_str(f->val, f->len) : exp_any_str();
        *ea = exp_nil();
        return;
    case OP_HEXISTS:
        *ep = exp_int(1);
        *ea = exp_int(0);
        return;
    case OP_HSTRLEN:
        *ep = known ? exp_int((long long)f->len) : exp_range(0, LLONG_MAX);
        *ea = exp_int(0);
        return;
    case OP_HTTL:
        *ep = known ? field_ttl_expectation(op, f, t0, t1) : exp_range(-1, LLONG_MAX);
        return;
    case OP_HPERSIST: *ep = known ? exp_int(f->has_ttl ? 1 : -1) : exp_range(-1, 1); return;
    default: *ep = exp_nil(); return;
    }
}

/* HGET, HEXISTS, HSTRLEN (one field), HMGET, HTTL, HPTTL, HPERSIST (an
 * array, one reply per field). HPERSIST leaves the fields it names without
 * a TTL. */
static void hc_per_field(struct hcheck *hc)
{
    const struct op *op = hc->op;
    bool array = op->kind == OP_HMGET || op->kind == OP_HTTL || op->kind == OP_HPERSIST;
    if (array && (hc->r->type != REDIS_REPLY_ARRAY || hc->r->elements != (size_t)op->nfields)) {
        hc_fail(hc, -1, "an array with one reply per field", hc->r);
        return;
    }
    for (int i = 0; i < op->nfields; i++) {
        int fi = op->field[i];
        const redisReply *e = array ? hc->r->element[i] : hc->r;
        struct expect ep, ea;
        field_forms(op, &hc->cm->elems[fi], hc->t0, hc->t1, &ep, &ea);
        bool there = hc_can_there(hc, fi) && reply_matches(e, &ep);
        bool gone = hc_can_gone(hc, fi) && reply_matches(e, &ea);
        if (!there && !gone) {
            hc_field_mismatch(hc, fi, &ep, &ea, e);
            return;
        }
        hc_mark(hc, fi, there, gone);
    }
    hc_resolve(hc);
    if (hc->done || hc->km->state != KEY_PRESENT || op->kind != OP_HPERSIST)
        return;
    for (int i = 0; i < op->nfields; i++)
        if (hc->w->seen[op->field[i]] == SEEN_THERE &&
            hc->cm->elems[op->field[i]].state == KEY_PRESENT)
            km_persist(&hc->cm->elems[op->field[i]]);
}

/* Fields of the hash (those op names, or all when op names none): how
 * many are surely there and how many may be, were the hash there. */
static void hc_count(struct hcheck *hc, bool named, long long *sure, long long *poss)
{
    *sure = *poss = 0;
    int n = named ? hc->op->nfields : hc->cm->n;
    for (int i = 0; i < n; i++) {
        enum presence p = hc_field(hc, named ? hc->op->field[i] : i);
        *sure += p == SURE_PRESENT;
        *poss += p != SURE_ABSENT;
        hc->window = hc->window || p == MAYBE;
    }
}

/* Fields that may or may not be there (named ones, or all) that a count
 * showed all there or all gone. */
static void hc_mark_maybes(struct hcheck *hc, bool named, enum seen what)
{
    int n = named ? hc->op->nfields : hc->cm->n;
    for (int i = 0; i < n; i++) {
        int fi = named ? hc->op->field[i] : i;
        if (hc_field(hc, fi) == MAYBE)
            hc->w->seen[fi] = what;
    }
}

/* HLEN, and HDEL (named fields): a count between the fields surely there
 * and those that may be, or 0 when the hash may be gone. The extremes tell
 * which fields were there. */
static void hc_count_reply(struct hcheck *hc, bool named)
{
    long long sure, poss, least;
    hc_count(hc, named, &sure, &poss);
    least = named || sure > 0 ? sure : 1; /* a hash that is there has a field */
    bool k1 = hc->hp != SURE_ABSENT && int_in(hc->r, least, poss);
    bool k0 = hc->hp != SURE_PRESENT && int_in(hc->r, 0, 0);
    if (!k1 && !k0) {
        char expected[160];
        if (hc->hp == MAYBE)
            snprintf(expected, sizeof expected,
                     "integer in [%lld, %lld] (hash there) or 0 (hash gone)", least, poss);
        else if (hc->hp == SURE_PRESENT)
            snprintf(expected, sizeof expected, "integer in [%lld, %lld]", least, poss);
        else
            snprintf(expected, sizeof expected, "integer 0 (hash gone)");
        hc_fail(hc, -1, expected, hc->r);
        return;
    }
    if (k1 && !k0) {
        hc->key_seen = SEEN_THERE;
        if (hc->r->integer == sure)
            hc_mark_maybes(hc, named, SEEN_GONE);
        else if (hc->r->integer == poss)
            hc_mark_maybes(hc, named, SEEN_THERE);
    } else if (k0 && !k1) {
        hc->key_seen = SEEN_GONE;
    }
    hc_resolve(hc);
    if (!named && hc->r->integer > hc->w->largest_hash)
        hc->w->largest_hash = hc->r->integer;
}

/* HDEL: the count, then the fields it names are gone (and the hash with
 * its last field). */
static void hc_hdel(struct hcheck *hc)
{
    hc_count_reply(hc, true);
    if (hc->done || hc->km->state != KEY_PRESENT)
        return;
    for (int i = 0; i < hc->op->nfields; i++)
        km_delete(&hc->cm->elems[hc->op->field[i]]);
}

/* HGETALL: compared as a map. Every field listed must be one the model
 * may have, with its value; every field not listed one that may be gone. */
static void hc_hgetall(struct hcheck *hc)
{
    const redisReply *r = hc->r;
    struct coll_model *cm = hc->cm;
    if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
        hc_fail(hc, -1, "an array of field and value pairs", r);
        return;
    }
    const redisReply **listed = hc->w->listed;
    memset(listed, 0, (size_t)cm->n * sizeof *listed);
    for (size_t j = 0; j < r->elements; j += 2) {
        const redisReply *name = r->element[j];
        int fi = name->type == REDIS_REPLY_STRING ? field_index(name->str, name->len, cm->n) : -1;
        if (fi < 0 || listed[fi] || r->element[j + 1]->type != REDIS_REPLY_STRING) {
            hc_fail(hc, -1,
                    fi < 0       ? "field names of this hash only"
                    : listed[fi] ? "each field once"
                                 : "a string value for each field",
                    name);
            return;
        }
        listed[fi] = r->element[j + 1];
    }
    hc->key_seen = r->elements ? SEEN_THERE : SEEN_GONE;
    if ((long long)r->elements / 2 > hc->w->largest_hash)
        hc->w->largest_hash = (long long)r->elements / 2;
    for (int fi = 0; fi < cm->n; fi++) {
        const struct key_model *f = &cm->elems[fi];
        struct expect ep = f->state == KEY_PRESENT ? exp_str(f->val, f->len) : exp_any_str();
        char expected[400], name[24], value[300];
        field_text(fi, name, sizeof name);
        if (listed[fi] && !hc_can_there(hc, fi)) {
            snprintf(expected, sizeof expected,
                     "field %s not listed (the model has it deleted or run out)", name);
            hc_fail(hc, fi, expected, listed[fi]);
            return;
        }
        if (listed[fi] && !reply_matches(listed[fi], &ep)) {
            struct expect never = exp_nil(); /* a listed value is never nil */
            hc_field_mismatch(hc, fi, &ep, &never, listed[fi]);
            return;
        }
        if (!listed[fi] && !hc_can_gone(hc, fi)) {
            describe_expect(&ep, value, sizeof value);
            snprintf(expected, sizeof expected, "field %s listed, with %s", name, value);
            if (!hc->km->has_ttl && !f->has_ttl) {
                atomic_fetch_add(&hc->w->ph->n.lost_no_ttl, 1);
                strncat(expected, " [LOST FIELD WITHOUT TTL]",
                        sizeof expected - strlen(expected) - 1);
            }
            hc_fail(hc, fi, expected, r);
            return;
        }
        hc_mark(hc, fi, listed[fi] != NULL, listed[fi] == NULL);
    }
    hc_resolve(hc);
}

/* HSET: the count of new fields lies between those surely missing and
 * those that may be, were the hash there, or is every field when it was
 * gone. The fields then hold their values, without TTL. */
static void hc_hset(struct hcheck *hc)
{
    const struct op *op = hc->op;
    long long n = op->nfields, sure, poss;
    hc_count(hc, true, &sure, &poss);
    bool k1 = hc->hp != SURE_ABSENT && int_in(hc->r, n - poss, n - sure);
    bool k0 = hc->hp != SURE_PRESENT && int_in(hc->r, n, n);
    if (!k1 && !k0) {
        char expected[160];
        if (hc->hp == SURE_ABSENT)
            snprintf(expected, sizeof expected, "integer %lld (hash gone: every field new)", n);
        else if (hc->hp == SURE_PRESENT)
            snprintf(expected, sizeof expected, "integer in [%lld, %lld]", n - poss, n - sure);
        else
            snprintf(expected, sizeof expected,
                     "integer in [%lld, %lld] (hash there) or %lld (hash gone)", n - poss, n - sure,
                     n);
        hc_fail(hc, -1, expected, hc->r);
        return;
    }
    if (!hc_write_outcome(hc, k1 && k0 ? WAS_EITHER : k1 ? WAS_PRESENT : WAS_ABSENT))
        return;
    size_t longest = 0;
    for (int i = 0; i < op->nfields; i++) {
        struct key_model *f = &hc->cm->elems[op->field[i]];
        km_store(f, op->fval[i], op->fvlen[i]);
        km_persist(f);
        longest = op->fvlen[i] > longest ? op->fvlen[i] : longest;
    }
    hc_note_size(hc, longest);
}

/* HINCRBY of a counter field: its value plus the increment when it is
 * there (keeping its TTL), the increment when it or the hash is gone (a
 * new field, no TTL). The reply tells which unless the old value was 0. */
static void hc_hincrby(struct hcheck *hc)
{
    const struct op *op = hc->op;
    int fi = op->field[0];
    struct key_model *f = &hc->cm->elems[fi];
    enum presence fp = hc_field(hc, fi);
    bool known = f->state == KEY_PRESENT, had_ttl = f->has_ttl;
    if (hc->r->type != REDIS_REPLY_INTEGER) {
        hc_fail(hc, fi, "an integer", hc->r);
        return;
    }
    long long c = hc->r->integer, old = known ? model_integer(f) : 0;
    bool there = hc_can_there(hc, fi) && (!known || c == old + op->delta);
    bool field_gone = hc->hp != SURE_ABSENT && fp != SURE_PRESENT && c == op->delta;
    bool hash_gone = hc->hp != SURE_PRESENT && c == op->delta;
    hc->window = hc->window || fp == MAYBE || hc->hp == MAYBE;
    if (!there && !field_gone && !hash_gone) {
        struct expect ep = known ? exp_int(old + op->delta) : exp_range(LLONG_MIN, LLONG_MAX);
        struct expect ea = exp_int(op->delta);
        hc_field_mismatch(hc, fi, &ep, &ea, hc->r);
        return;
    }
    if (field_gone && !there && !hash_gone)
        hc->w->field_expiries += known && had_ttl;
    enum was was = !(there || field_gone) ? WAS_ABSENT : hash_gone ? WAS_EITHER : WAS_PRESENT;
    if (!hc_write_outcome(hc, was))
        return;
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", c);
    if (!there || (known && !had_ttl)) {
        km_store(f, digits, (size_t)len); /* a new field, or one without TTL either way */
        km_persist(f);
    } else if (known && !field_gone && !hash_gone) {
        km_store(f, digits, (size_t)len); /* its TTL stays */
    } else {
        km_forget(f); /* the value is c, but whether the old TTL stayed is not known */
    }
    hc_note_size(hc, (size_t)len);
}

#define REPLY_BIT(v) (1u << ((v) + 2))

/* HPEXPIRE and its siblings on a field that is there: the replies allowed,
 * as a mask of REPLY_BIT(reply). The condition compares the new expiry
 * with the field's as EXPIRE's does; a time not in the future deletes the
 * field (2) where another would set it (1). */
static unsigned field_expire_mask(const struct op *op, const struct key_model *f, int64_t t0,
                                  int64_t t1)
{
    if (f->state != KEY_PRESENT)
        return REPLY_BIT(0) | REPLY_BIT(1) | REPLY_BIT(2);
    int64_t new_lo, new_hi;
    unsigned set;
    if (op->absolute) {
        new_lo = new_hi = op->at_ms * 1000;
        set = new_hi <= t0 - TOL_US  ? REPLY_BIT(2)
              : new_lo > t1 + TOL_US ? REPLY_BIT(1)
                                     : REPLY_BIT(1) | REPLY_BIT(2);
    } else {
        new_lo = t0 + op->ttl_ms * 1000;
        new_hi = t1 + op->ttl_ms * 1000;
        set = op->ttl_ms == 0 ? REPLY_BIT(2) : REPLY_BIT(1);
    }
    struct expect c =
        cond_expectation(op->expf, f->has_ttl, f->exp_lo_us, f->exp_hi_us, new_lo, new_hi);
    return (c.lo <= 0 ? REPLY_BIT(0) : 0) | (c.hi >= 1 ? set : 0);
}

/* HPEXPIRE, HEXPIRE, HPEXPIREAT: per field -2 (no field), 0 (condition
 * not met), 1 (set: the field's window starts now), 2 (deleted). */
static void hc_hexpire(struct hcheck *hc)
{
    const struct op *op = hc->op;
    if (hc->r->type != REDIS_REPLY_ARRAY || hc->r->elements != (size_t)op->nfields) {
        hc_fail(hc, -1, "an array with one reply per field", hc->r);
        return;
    }
    for (int i = 0; i < op->nfields; i++) {
        int fi = op->field[i];
        const redisReply *e = hc->r->element[i];
        unsigned mask = field_expire_mask(op, &hc->cm->elems[fi], hc->t0, hc->t1);
        bool there = hc_can_there(hc, fi) && int_in(e, 0, 2) && (mask & REPLY_BIT(e->integer));
        bool gone = hc_can_gone(hc, fi) && int_in(e, -2, -2);
        if (!there && !gone) {
            char expected[200], name[24];
            field_text(fi, name, sizeof name);
            snprintf(expected, sizeof expected, "field %s: one of {", name);
            for (int v = 0; v <= 2; v++)
                if (hc_can_there(hc, fi) && (mask & REPLY_BIT(v)))
                    snprintf(expected + strlen(expected), sizeof expected - strlen(expected), " %d",
                             v);
            snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s }",
                     hc_can_gone(hc, fi) ? " -2" : "");
            hc_fail(hc, fi, expected, e);
            return;
        }
        hc_mark(hc, fi, there, gone);
    }
    hc_resolve(hc);
    if (hc->done || hc->km->state != KEY_PRESENT)
        return;
    for (int i = 0; i < op->nfields; i++) {
        struct key_model *f = &hc->cm->elems[op->field[i]];
        long long v = hc->r->element[i]->integer;
        if (v == 2)
            km_delete(f);
        else if (v == 1 && f->state == KEY_PRESENT)
            km_expire_from(f, op, hc->t0, hc->t1);
    }
}

/* The shape of a hash command's reply when the hash is unknown. */
static bool hash_shape_ok(const struct op *op, const redisReply *r)
{
    switch (op->kind) {
    case OP_HSET:
    case OP_HDEL: return int_in(r, 0, op->nfields);
    case OP_HGET: return r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_NIL;
    case OP_HMGET: return array_of_strings(r, op->nfields, true);
    case OP_HLEN:
    case OP_HSTRLEN: return int_in(r, 0, LLONG_MAX);
    case OP_HEXISTS: return int_in(r, 0, 1);
    case OP_HINCRBY: return r->type == REDIS_REPLY_INTEGER;
    case OP_HGETALL: return array_of_strings(r, -1, false) && r->elements % 2 == 0;
    case OP_HEXPIRE: return ints_in(r, op->nfields, -2, 2);
    case OP_HTTL: return ints_in(r, op->nfields, -2, LLONG_MAX);
    case OP_HPERSIST: return ints_in(r, op->nfields, -2, 1);
    default: return false;
    }
}

/* Check a hash command's reply on a hash key and update the model; then
 * the fields and the hash that the command's lookup reclaimed leave it. */
void check_hash_op(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                   int64_t t1)
{
    struct key_model *km = &w->keys[op->key[0]];
    struct hcheck hc = {.w = w, .op = op, .r = r, .km = km, .cm = km->coll, .t0 = t0, .t1 = t1};
    enum key_state before = km->state;
    if (km->state == KEY_UNKNOWN) {
        count_check(w, before, true);
        if (!hash_shape_ok(op, r))
            report_mismatch(w, op, 0, "a reply of this command's shape (the hash is unknown)", r,
                            "unknown");
        return;
    }
    hc.hp = hash_presence(w, km, t0, t1, true);
    hc.window = hc.hp == MAYBE;
    memset(w->seen, 0, (size_t)hc.cm->n);
    if (r->type == REDIS_REPLY_ERROR) {
        hc_fail(&hc, -1, "no error", r);
    } else {
        switch (op->kind) {
        case OP_HSET: hc_hset(&hc); break;
        case OP_HINCRBY: hc_hincrby(&hc); break;
        case OP_HDEL: hc_hdel(&hc); break;
        case OP_HLEN: hc_count_reply(&hc, false); break;
        case OP_HGETALL: hc_hgetall(&hc); break;
        case OP_HEXPIRE: hc_hexpire(&hc); break;
        default: hc_per_field(&hc); break;
        }
    }
    count_check(w, before, hc.window);
    hc_settle(&hc);
}
