/*
 * The per-key model a worker keeps, and what it allows a reply to be. A key,
 * or a field of a hash, is absent, present with a value and maybe an expiry
 * window, or unknown. This file says what a request sent at t0 and answered
 * at t1 may see of it, changes the model, builds and matches expected
 * replies, and reports mismatches with the command, the reply and the
 * model. The checks of each type of key rest on it: soak_strings.c and
 * soak_types.c.
 *
 * - The instant a key expires is only known within a window: a write with a
 *   TTL sent at t0 and answered at t1 expires in [t0 + ttl, t1 + ttl]
 *   (exactly at the given instant for PXAT / PEXPIREAT). A later request sent
 *   at t0 and answered at t1 must see the key when t1 < window start - TOL
 *   and must not see it when t0 > window end + TOL (TOL = 50 ms, for the
 *   server's cached clock); in between either answer is right, and the
 *   answer tells the model which one happened. With a memory cap and a
 *   volatile-* policy, a key with a TTL may vanish at any time, but a key
 *   without one never may: losing one is a mismatch of its own kind.
 * - When neither candidate can be excluded and the two lead to different
 *   states (SET KEEPTTL on a key that may just have expired, APPEND to an
 *   empty value that may be gone), the key becomes "unknown"; its next
 *   operation is usually one that overwrites or deletes it, after which the
 *   model is exact again. Replies about unknown keys are checked for their
 *   type only.
 * - Hashes ("soak:<worker>:h:<i>") and sets ("soak:<worker>:s:<i>") are
 *   modelled element by element: a hash field is absent, unknown, or
 *   present with a value and maybe an expiry window of its own (HPEXPIRE
 *   and its siblings, same window rule as keys); a set member is present
 *   or absent. A hash exists while one of its fields does: a hash command
 *   reclaims the fields that ran out before it looks, and a hash left
 *   without any is gone. So for hash commands a hash is surely there only
 *   when its key is (no TTL, or before its window) and one field is (no
 *   expiry, or before its window), surely gone when its key is or every
 *   field is. Commands on the key as a whole (EXISTS, TYPE, TTL, EXPIRE,
 *   DEL, OBJECT) reclaim nothing: they may still meet a hash whose fields
 *   all ran out until the server's sweep removes it, so for them such a
 *   hash may be either there or gone.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"

/* ------------------------------------------------------------------ */
/* The key model                                                       */
/* ------------------------------------------------------------------ */

/* The key's type: fixed by its index, since a key only ever gets
 * commands of its own type (but for WRONGTYPE probes, which change
 * nothing). */
enum key_type km_type(const struct key_model *km)
{
    return km->coll ? km->coll->type : KT_STRING;
}

/* Where an expiry window [lo, hi] puts a request sent at t0, answered at
 * t1: surely before it, surely after it, or either. With evictable set, a
 * value with a TTL may also have gone at any time (volatile-* eviction). */
enum presence window_presence(const struct key_model *km, int64_t t0, int64_t t1, bool evictable)
{
    if (km->state == KEY_UNKNOWN)
        return MAYBE;
    if (km->state == KEY_ABSENT)
        return SURE_ABSENT;
    if (!km->has_ttl)
        return SURE_PRESENT;
    if (t0 > km->exp_hi_us + TOL_US)
        return SURE_ABSENT;
    if (!evictable && t1 < km->exp_lo_us - TOL_US)
        return SURE_PRESENT;
    return MAYBE;
}

/* A hash field, its hash being there: fields are never evicted alone. */
enum presence field_presence(const struct key_model *f, int64_t t0, int64_t t1)
{
    return window_presence(f, t0, t1, false);
}

/* The hash under km: surely there when its key is and one field is,
 * surely gone when its key is. When every field is surely gone, a hash
 * command (reclaims set) finds no hash, while a command on the key alone
 * may still meet it until the sweep takes it. */
enum presence hash_presence(const struct worker *w, const struct key_model *km, int64_t t0,
                            int64_t t1, bool reclaims)
{
    enum presence kp = window_presence(km, t0, t1, w->ph->mode == MODE_MAXMEMORY);
    if (km->state != KEY_PRESENT || kp == SURE_ABSENT)
        return kp;
    bool any_sure = false, any_maybe = false;
    for (int i = 0; i < km->coll->n && !any_sure; i++) {
        enum presence fp = field_presence(&km->coll->elems[i], t0, t1);
        any_sure = fp == SURE_PRESENT;
        any_maybe = any_maybe || fp == MAYBE;
    }
    if (any_sure && kp == SURE_PRESENT)
        return SURE_PRESENT;
    if (!any_sure && !any_maybe && reclaims)
        return SURE_ABSENT;
    return MAYBE;
}

/* What a request sent at t0 and answered at t1 may see of the key: surely
 * there, surely gone (its whole expiry window passed), or either. For a
 * hash this is what commands on the key as a whole see. */
enum presence classify(const struct worker *w, const struct key_model *km, int64_t t0, int64_t t1)
{
    if (km_type(km) == KT_HASH)
        return hash_presence(w, km, t0, t1, false);
    /* Under volatile-* eviction a key with a TTL may go at any time. */
    return window_presence(km, t0, t1, w->ph->mode == MODE_MAXMEMORY);
}

/* Room for n bytes of value. */
void km_reserve(struct key_model *km, size_t n)
{
    if (n > km->cap) {
        size_t cap = n < 64 ? 64 : n;
        km->val = xrealloc(km->val, cap);
        km->cap = cap;
    }
}

/* Present with this value; the caller sets or keeps the TTL. */
void km_store(struct key_model *km, const void *p, size_t len)
{
    km_reserve(km, len);
    if (len)
        memmove(km->val, p, len);
    km->len = len;
    km->state = KEY_PRESENT;
}

/* Known to be absent: a hash or set with all its elements. */
void km_delete(struct key_model *km)
{
    km->state = KEY_ABSENT;
    km->len = 0;
    km->has_ttl = false;
    struct coll_model *cm = km->coll;
    if (!cm)
        return;
    for (int i = 0; i < cm->n; i++) {
        cm->elems[i].state = KEY_ABSENT;
        cm->elems[i].len = 0;
        cm->elems[i].has_ttl = false;
    }
    cm->peak_lo = cm->peak_hi = 0;
    cm->longest = 0;
    cm->enc_unsure = false;
}

/* Nothing known: absent, or present with any value and TTL (a hash or set
 * with any elements). */
void km_forget(struct key_model *km)
{
    km->state = KEY_UNKNOWN;
    km->len = 0;
    km->has_ttl = false;
}

void km_persist(struct key_model *km)
{
    km->has_ttl = false;
}

/* Give km the TTL op sets, measured from a request sent at t0, answered at t1. */
void km_expire_from(struct key_model *km, const struct op *op, int64_t t0, int64_t t1)
{
    km->has_ttl = true;
    if (op->ttl == TTL_PXAT) {
        km->exp_lo_us = km->exp_hi_us = op->at_ms * 1000;
    } else {
        km->exp_lo_us = t0 + op->ttl_ms * 1000;
        km->exp_hi_us = t1 + op->ttl_ms * 1000;
    }
}

/* A counter's value: counters only ever hold decimal integers. */
long long model_integer(const struct key_model *km)
{
    char buf[32];
    size_t n = km->len < sizeof buf - 1 ? km->len : sizeof buf - 1;
    if (n)
        memcpy(buf, km->val, n);
    buf[n] = '\0';
    return strtoll(buf, NULL, 10);
}

/* The name of model key k of a worker: soak:<w>:<i>, soak:<w>:ctr:<j>,
 * soak:<w>:h:<j> (hashes) or soak:<w>:s:<j> (sets). */
const char *key_name(char *buf, size_t cap, int worker, int k)
{
    if (k < KEYS_PER_WORKER)
        snprintf(buf, cap, "soak:%d:%d", worker, k);
    else if (k < HASH_KEYS_FROM)
        snprintf(buf, cap, "soak:%d:ctr:%d", worker, k - KEYS_PER_WORKER);
    else if (k < SET_KEYS_FROM)
        snprintf(buf, cap, "soak:%d:h:%d", worker, k - HASH_KEYS_FROM);
    else
        snprintf(buf, cap, "soak:%d:s:%d", worker, k - SET_KEYS_FROM);
    return buf;
}

const char *type_name(const struct key_model *km)
{
    switch (km_type(km)) {
    case KT_HASH: return "hash";
    case KT_SET: return "set";
    default: return "string";
    }
}

/* ------------------------------------------------------------------ */
/* Expected replies                                                    */
/* ------------------------------------------------------------------ */

#define WRONGTYPE_TEXT "WRONGTYPE Operation against a key holding the wrong kind of value"

struct expect exp_nil(void)
{
    return (struct expect){.kind = EXP_NIL};
}

struct expect exp_status(const char *s)
{
    return (struct expect){.kind = EXP_STATUS, .s = (const unsigned char *)s, .len = strlen(s)};
}

struct expect exp_str(const unsigned char *s, size_t len)
{
    return (struct expect){.kind = EXP_STR, .s = s, .len = len};
}

struct expect exp_any_str(void)
{
    return (struct expect){.kind = EXP_ANY_STR};
}

struct expect exp_range(long long lo, long long hi)
{
    return (struct expect){.kind = EXP_INT_RANGE, .lo = lo, .hi = hi};
}

struct expect exp_int(long long v)
{
    return exp_range(v, v);
}

/* The error for a command on a key of another type. */
struct expect exp_wrongtype(void)
{
    return (struct expect){.kind = EXP_WRONGTYPE};
}

/* Whether reply r is the one e describes (exact bytes, type only, or an
 * integer range). */
bool reply_matches(const redisReply *r, const struct expect *e)
{
    switch (e->kind) {
    case EXP_NIL: return r->type == REDIS_REPLY_NIL;
    case EXP_STATUS:
        return r->type == REDIS_REPLY_STATUS && (size_t)r->len == e->len &&
               memcmp(r->str, e->s, e->len) == 0;
    case EXP_STR:
        return r->type == REDIS_REPLY_STRING && (size_t)r->len == e->len &&
               (e->len == 0 || memcmp(r->str, e->s, e->len) == 0);
    case EXP_ANY_STR: return r->type == REDIS_REPLY_STRING;
    case EXP_INT_RANGE:
        return r->type == REDIS_REPLY_INTEGER && r->integer >= e->lo && r->integer <= e->hi;
    case EXP_WRONGTYPE: return r->type == REDIS_REPLY_ERROR && strcmp(r->str, WRONGTYPE_TEXT) == 0;
    }
    return false;
}

/* EXPIRE's NX|XX|GT|LT (and HPEXPIRE's for a field): 1 when the new expiry,
 * somewhere in [new_lo, new_hi], replaces the old one, somewhere in
 * [old_lo, old_hi] (none when !has_ttl, which counts as infinite for GT
 * and LT). GT and LT compare the two; where the windows (widened by TOL)
 * overlap, both answers are right. */
struct expect cond_expectation(enum expire_flag expf, bool has_ttl, int64_t old_lo, int64_t old_hi,
                               int64_t new_lo, int64_t new_hi)
{
    int64_t new_min = new_lo - TOL_US, new_max = new_hi + TOL_US;
    int64_t old_min = old_lo - TOL_US, old_max = old_hi + TOL_US;
    switch (expf) {
    case EXPF_NONE: return exp_int(1);
    case EXPF_NX: return exp_int(has_ttl ? 0 : 1);
    case EXPF_XX: return exp_int(has_ttl ? 1 : 0);
    case EXPF_GT:
        if (!has_ttl || new_max <= old_min)
            return exp_int(0);
        return new_min > old_max ? exp_int(1) : exp_range(0, 1);
    case EXPF_LT:
        if (!has_ttl || new_max < old_min)
            return exp_int(1);
        return new_min >= old_max ? exp_int(0) : exp_range(0, 1);
    }
    return exp_range(0, 1);
}

/* ------------------------------------------------------------------ */
/* Reports                                                             */
/* ------------------------------------------------------------------ */

/* Printable form of bytes: text as is, the rest as \xHH, cut at 40 bytes. */
static void escape_bytes(const unsigned char *p, size_t len, char *out, size_t cap)
{
    size_t used = 0;
    for (size_t i = 0; i < len && i < 40 && used + 5 < cap; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
            out[used++] = (char)p[i];
        else
            used += (size_t)snprintf(out + used, cap - used, "\\x%02x", p[i]);
    }
    out[used] = '\0';
    if (len > 40 && used + 4 < cap)
        strcat(out, "...");
}

/* An expected reply as text, for reports. */
void describe_expect(const struct expect *e, char *buf, size_t cap)
{
    char esc[200];
    switch (e->kind) {
    case EXP_NIL: snprintf(buf, cap, "nil"); break;
    case EXP_STATUS: snprintf(buf, cap, "+%.*s", (int)e->len, (const char *)e->s); break;
    case EXP_STR:
        escape_bytes(e->s, e->len, esc, sizeof esc);
        snprintf(buf, cap, "string of %zu bytes \"%s\"", e->len, esc);
        break;
    case EXP_ANY_STR: snprintf(buf, cap, "any string"); break;
    case EXP_INT_RANGE:
        if (e->lo == e->hi)
            snprintf(buf, cap, "integer %lld", e->lo);
        else
            snprintf(buf, cap, "integer in [%lld, %lld]", e->lo, e->hi);
        break;
    case EXP_WRONGTYPE: snprintf(buf, cap, "error \"%s\"", WRONGTYPE_TEXT); break;
    }
}

/* A reply as text (strings escaped and cut), for reports. */
static void describe_reply(const redisReply *r, char *buf, size_t cap)
{
    char esc[200];
    if (!r) {
        snprintf(buf, cap, "no reply");
        return;
    }
    switch (r->type) {
    case REDIS_REPLY_NIL: snprintf(buf, cap, "nil"); break;
    case REDIS_REPLY_INTEGER: snprintf(buf, cap, "integer %lld", r->integer); break;
    case REDIS_REPLY_ARRAY: snprintf(buf, cap, "array of %zu", (size_t)r->elements); break;
    case REDIS_REPLY_STRING:
        escape_bytes((const unsigned char *)r->str, (size_t)r->len, esc, sizeof esc);
        snprintf(buf, cap, "string of %zu bytes \"%s\"", (size_t)r->len, esc);
        break;
    default:
        escape_bytes((const unsigned char *)r->str, (size_t)r->len, esc, sizeof esc);
        snprintf(buf, cap, "%s \"%s\"", r->type == REDIS_REPLY_ERROR ? "error" : "status", esc);
        break;
    }
}

/* The model of a key as text, its expiry window relative to the request. */
void describe_model(const struct key_model *km, int64_t t0, int64_t t1, char *buf, size_t cap)
{
    if (km->state != KEY_PRESENT) {
        snprintf(buf, cap, "%s", km->state == KEY_ABSENT ? "absent" : "unknown");
        return;
    }
    char what[96];
    if (km->coll) {
        int sure = 0, maybe = 0;
        for (int i = 0; i < km->coll->n; i++) {
            enum presence p = field_presence(&km->coll->elems[i], t0, t1);
            sure += p == SURE_PRESENT;
            maybe += p == MAYBE;
        }
        snprintf(what, sizeof what, "%s present, %d %s surely there and %d maybe", type_name(km),
                 sure, km_type(km) == KT_HASH ? "fields" : "members", maybe);
    } else {
        snprintf(what, sizeof what, "present, %zu bytes", km->len);
    }
    if (!km->has_ttl) {
        snprintf(buf, cap, "%s, no TTL", what);
        return;
    }
    snprintf(buf, cap,
             "%s, expires between send%+.1f ms and reply%+.1f ms (reply came %.1f ms after send)",
             what, (double)(km->exp_lo_us - t0) / 1000.0, (double)(km->exp_hi_us - t1) / 1000.0,
             (double)(t1 - t0) / 1000.0);
}

/* The command as text, values shown by length, for reports. */
static void describe_op(const struct op *op, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < op->argc && used + 1 < cap; i++) {
        int n = op->blob[i] ? snprintf(buf + used, cap - used, "%s<%zu bytes>", i ? " " : "",
                                       op->argvlen[i])
                            : snprintf(buf + used, cap - used, "%s%.*s", i ? " " : "",
                                       (int)op->argvlen[i], op->argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Count a mismatch; print the first MAX_MISMATCH_REPORTS in detail. */
void report_mismatch(struct worker *w, const struct op *op, int slot, const char *expected,
                     const redisReply *r, const char *model)
{
    long long n = atomic_fetch_add(&w->ph->n.mismatches, 1);
    if (n >= MAX_MISMATCH_REPORTS)
        return;
    char cmd[512], got[256], key[OP_TEXT_BYTES] = "-";
    if (op) {
        describe_op(op, cmd, sizeof cmd);
        if (slot >= 0)
            key_name(key, sizeof key, w->id, op->key[slot]);
    } else {
        snprintf(cmd, sizeof cmd, "-");
    }
    describe_reply(r, got, sizeof got);
    phase_print(
        w->ph,
        "  MISMATCH %lld [%s] worker %d key %s (%s): %s\n    expected: %s\n    got:      %s\n"
        "    model:    %s\n",
        n + 1, w->ph->name, w->id, key, w->context, cmd, expected, got, model ? model : "-");
}

/* When a string was expected and another came, where they first differ
 * (the printed prefixes may look alike). */
void note_first_difference(const struct expect *e, const redisReply *r, char *buf, size_t cap)
{
    if (e->kind != EXP_STR || r->type != REDIS_REPLY_STRING)
        return;
    size_t i = 0;
    while (i < e->len && i < (size_t)r->len && e->s[i] == (unsigned char)r->str[i])
        i++;
    size_t used = strlen(buf);
    snprintf(buf + used, cap - used, "; first difference at byte %zu", i);
}
