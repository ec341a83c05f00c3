/*
 * A worker thread. It picks operations from the mix (counters, string keys,
 * hashes, sets, WRONGTYPE probes), turns each into an argument vector,
 * sends it alone, in a pipeline or in a MULTI block, and hands every reply
 * to the check for its command and its key's type. A connection that
 * breaks is a mismatch: the worker then forgets its whole model, since
 * which commands ran is not known, and connects again, a few times at most.
 *
 * - Pipelines stay under ~32 KB of requests: the server stops reading from a
 *   client whose unread replies pass 256 KB, and a client that writes more
 *   before reading would wait on itself.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"

/* The mix, in percent of all operations: counters take 10 (op_choose),
 * hashes, sets and WRONGTYPE probes these, and string keys the rest. */
#define HASH_OP_PERCENT 16
#define SET_OP_PERCENT  12
#define PROBE_PERCENT   2

/* Batches. */
#define PIPELINE_MIN_OPS         10
#define PIPELINE_MAX_OPS         50
#define PIPELINE_VALUE_MAX_BYTES 600 /* 50 ops stay under ~32 KB of requests */
#define MULTI_MIN_OPS            2
#define MULTI_MAX_OPS            5

#define MAX_RECONNECTS 5 /* per worker, then it stops */

/* ------------------------------------------------------------------ */
/* The operation record                                                */
/* ------------------------------------------------------------------ */

enum family op_family(enum op_kind kind)
{
    switch (kind) {
    case OP_DEL:
    case OP_EXISTS:
    case OP_EXPIRE:
    case OP_PEXPIREAT:
    case OP_PERSIST:
    case OP_TTL:
    case OP_PTTL:
    case OP_PEXPIRETIME:
    case OP_TYPE:
    case OP_ENCODING: return FAM_KEY;
    case OP_HSET:
    case OP_HGET:
    case OP_HMGET:
    case OP_HDEL:
    case OP_HLEN:
    case OP_HEXISTS:
    case OP_HINCRBY:
    case OP_HGETALL:
    case OP_HSTRLEN:
    case OP_HEXPIRE:
    case OP_HTTL:
    case OP_HPERSIST: return FAM_HASH;
    case OP_SADD:
    case OP_SREM:
    case OP_SISMEMBER:
    case OP_SMISMEMBER:
    case OP_SCARD:
    case OP_SMEMBERS:
    case OP_SPOP: return FAM_SET;
    default: return FAM_STRING;
    }
}

static void op_free(struct op *op)
{
    for (int i = 0; i < OP_MAX_KEYS; i++) {
        free(op->val[i]);
        op->val[i] = NULL;
    }
    for (int i = 0; i < OP_MAX_FIELDS; i++) {
        free(op->fval[i]);
        op->fval[i] = NULL;
    }
}

/* Append one argument (not copied: it must outlive the request). */
void arg_raw(struct op *op, const void *p, size_t len, bool blob)
{
    op->argv[op->argc] = p;
    op->argvlen[op->argc] = len;
    op->blob[op->argc] = blob;
    op->argc++;
}

/* Append a formatted argument, kept in the op's own text slot. */
void arg_text(struct op *op, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = op->text[op->argc];
    vsnprintf(t, OP_TEXT_BYTES, fmt, ap);
    va_end(ap);
    arg_raw(op, t, strlen(t), false);
}

void arg_key(struct op *op, int worker, int slot)
{
    char *t = op->text[op->argc];
    key_name(t, OP_TEXT_BYTES, worker, op->key[slot]);
    arg_raw(op, t, strlen(t), false);
}

void arg_value(struct op *op, int slot)
{
    arg_raw(op, op->val[slot], op->vlen[slot], true);
}

/* Commands whose arguments are "NAME key [key ...]". */
static const char *keys_only_name(enum op_kind kind)
{
    switch (kind) {
    case OP_GET: return "GET";
    case OP_MGET: return "MGET";
    case OP_DEL: return "DEL";
    case OP_EXISTS: return "EXISTS";
    case OP_STRLEN: return "STRLEN";
    case OP_GETDEL: return "GETDEL";
    case OP_PERSIST: return "PERSIST";
    case OP_TTL: return "TTL";
    case OP_PTTL: return "PTTL";
    case OP_PEXPIRETIME: return "PEXPIRETIME";
    case OP_TYPE: return "TYPE";
    case OP_HLEN: return "HLEN";
    case OP_HGETALL: return "HGETALL";
    case OP_SCARD: return "SCARD";
    case OP_SMEMBERS: return "SMEMBERS";
    case OP_SPOP: return "SPOP";
    default: return NULL;
    }
}

/* The argument vector of op, pointing into op and its values. */
static void op_build_argv(struct op *op, const struct worker *w)
{
    op->argc = 0;
    const char *name = keys_only_name(op->kind);
    if (!name && (op_family(op->kind) == FAM_HASH || op_family(op->kind) == FAM_SET ||
                  op->kind == OP_ENCODING)) {
        build_collection(op, w);
        return;
    }
    if (!name) {
        build_with_args(op, w->id);
        return;
    }
    arg_text(op, "%s", name);
    for (int i = 0; i < op->nkeys; i++)
        arg_key(op, w->id, i);
}

/* ------------------------------------------------------------------ */
/* The mix                                                             */
/* ------------------------------------------------------------------ */

/* A random operation on this worker's keys, with values up to value_cap
 * bytes (big ones only when it allows them); alone when it is sent by
 * itself, its reply read before anything else is chosen. */
static void op_choose(struct worker *w, struct op *op, size_t value_cap, bool alone)
{
    memset(op, 0, sizeof *op);
    unsigned kind_roll = (unsigned)rng_below(&w->rng, 100);
    if (kind_roll < 10) {
        choose_counter_op(w, op);
        return;
    }
    if (kind_roll < 10 + HASH_OP_PERCENT + SET_OP_PERCENT) {
        choose_coll_op(w, op, value_cap, kind_roll < 10 + HASH_OP_PERCENT);
        return;
    }
    if (kind_roll < 10 + HASH_OP_PERCENT + SET_OP_PERCENT + PROBE_PERCENT) {
        choose_probe_op(w, op, value_cap, alone);
        return;
    }
    choose_string_op(w, op, value_cap);
}

/* ------------------------------------------------------------------ */
/* Checking replies                                                    */
/* ------------------------------------------------------------------ */

static void forget_op_keys(struct worker *w, const struct op *op)
{
    for (int i = 0; i < op->nkeys; i++)
        km_forget(&w->keys[op->key[i]]);
}

/* Check any operation's reply and update the model. */
static void check_op_kind(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                          int64_t t1)
{
    enum family fam = op_family(op->kind);
    enum key_type type = km_type(&w->keys[op->key[0]]);
    if ((fam == FAM_STRING && type != KT_STRING) || (fam == FAM_HASH && type != KT_HASH) ||
        (fam == FAM_SET && type != KT_SET)) {
        check_probe(w, op, r, t0, t1);
        return;
    }
    w->hash_ops += type == KT_HASH;
    w->set_ops += type == KT_SET;
    if (fam == FAM_HASH) {
        check_hash_op(w, op, r, t0, t1);
        return;
    }
    if (op->kind == OP_SMISMEMBER || op->kind == OP_SMEMBERS || op->kind == OP_SPOP) {
        check_set_reply(w, op, r, t0, t1);
        return;
    }
    if (op->kind == OP_ENCODING) {
        check_encoding(w, op, r, t0, t1);
        return;
    }
    if (op->kind == OP_SCARD && r->type == REDIS_REPLY_INTEGER && r->integer > w->largest_set)
        w->largest_set = r->integer;
    switch (op->kind) {
    case OP_MGET:
        if (r->type != REDIS_REPLY_ARRAY || (int)r->elements != op->nkeys) {
            report_mismatch(w, op, -1, "an array with one element per key", r, NULL);
            forget_op_keys(w, op);
            return;
        }
        for (int i = 0; i < op->nkeys; i++)
            check_key(w, op, i, r->element[i], t0, t1);
        return;
    case OP_MSET:
        if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "OK") != 0) {
            report_mismatch(w, op, -1, "+OK", r, NULL);
            forget_op_keys(w, op);
            return;
        }
        for (int i = 0; i < op->nkeys; i++) {
            km_store(&w->keys[op->key[i]], op->val[i], op->vlen[i]);
            km_persist(&w->keys[op->key[i]]);
        }
        return;
    case OP_DEL:
    case OP_EXISTS: check_count(w, op, r, t0, t1); return;
    default: check_key(w, op, 0, r, t0, t1);
    }
}

/* check_op_kind, with the checks on hash and set keys counted apart too. */
static void check_op(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                     int64_t t1)
{
    long long exact = w->checks_exact, window = w->checks_window, unknown = w->checks_unknown;
    check_op_kind(w, op, r, t0, t1);
    if (km_type(&w->keys[op->key[0]]) != KT_STRING && op_family(op->kind) != FAM_STRING) {
        w->coll_checks[0] += w->checks_exact - exact;
        w->coll_checks[1] += w->checks_window - window;
        w->coll_checks[2] += w->checks_unknown - unknown;
    }
}

/* ------------------------------------------------------------------ */
/* Workers                                                             */
/* ------------------------------------------------------------------ */

/* Drop the connection and everything the model knew about the keys (which
 * commands ran is not known), then connect again, a few times at most. */
static void worker_reconnect(struct worker *w)
{
    for (int k = 0; k < MODEL_KEYS; k++)
        km_forget(&w->keys[k]);
    if (w->c)
        redisFree(w->c);
    w->c = NULL;
    while (!w->c && w->reconnects < MAX_RECONNECTS && !phase_over(w->ph)) {
        w->reconnects++;
        w->c = connect_ctx(w->ph->srv.port, COMMAND_TIMEOUT_MS);
    }
    if (!w->c)
        w->dead = true;
}

/* The connection broke or timed out: a mismatch, then a new connection. */
static void worker_connection_failed(struct worker *w, const struct op *op)
{
    char what[300];
    snprintf(what, sizeof what, "a reply (connection failed: %s)", w->c ? w->c->errstr : "none");
    report_mismatch(w, op, op && op->nkeys ? 0 : -1, what, NULL, NULL);
    worker_reconnect(w);
}

/* One command, its reply checked at once; values up to 100 KB. */
static void worker_single(struct worker *w)
{
    struct op op;
    op_choose(w, &op, BIG_VALUE_MAX_BYTES, true);
    op_build_argv(&op, w);
    snprintf(w->context, sizeof w->context, "single");
    int64_t t0 = wall_us();
    redisReply *r = redisCommandArgv(w->c, op.argc, op.argv, op.argvlen);
    int64_t t1 = wall_us();
    if (!r) {
        worker_connection_failed(w, &op);
    } else {
        check_op(w, &op, r, t0, t1);
        freeReplyObject(r);
        atomic_fetch_add(&w->ph->n.ops, 1);
    }
    op_free(&op);
}

/* 10..50 commands written at once, then every reply read and checked in
 * order; each reply's window runs from before the batch to its arrival. */
static void worker_pipeline(struct worker *w, struct op *batch)
{
    int n = (int)rng_between(&w->rng, PIPELINE_MIN_OPS, PIPELINE_MAX_OPS);
    for (int i = 0; i < n; i++) {
        op_choose(w, &batch[i], PIPELINE_VALUE_MAX_BYTES, false);
        op_build_argv(&batch[i], w);
    }
    int64_t t0 = wall_us();
    for (int i = 0; i < n; i++)
        redisAppendCommandArgv(w->c, batch[i].argc, batch[i].argv, batch[i].argvlen);
    for (int i = 0; i < n && w->c; i++) {
        void *reply = NULL;
        snprintf(w->context, sizeof w->context, "pipeline %d/%d", i + 1, n);
        if (redisGetReply(w->c, &reply) != REDIS_OK || !reply) {
            worker_connection_failed(w, &batch[i]);
            break;
        }
        check_op(w, &batch[i], reply, t0, wall_us());
        freeReplyObject(reply);
        atomic_fetch_add(&w->ph->n.ops, 1);
    }
    for (int i = 0; i < n; i++)
        op_free(&batch[i]);
}

enum block_read { READ_OK, READ_WRONG, READ_BROKEN };

/* Read one reply of a MULTI block and compare it with status (any reply
 * when status is NULL, handed back in *out). A wrong reply is reported; a
 * broken connection is reported and replaced. */
static enum block_read read_block_reply(struct worker *w, const char *status, redisReply **out)
{
    void *reply = NULL;
    if (redisGetReply(w->c, &reply) != REDIS_OK || !reply) {
        worker_connection_failed(w, NULL);
        return READ_BROKEN;
    }
    redisReply *r = reply;
    if (status && (r->type != REDIS_REPLY_STATUS || strcmp(r->str, status) != 0)) {
        char expected[64];
        snprintf(expected, sizeof expected, "+%s", status);
        report_mismatch(w, NULL, -1, expected, r, NULL);
        freeReplyObject(r);
        return READ_WRONG;
    }
    if (out)
        *out = r;
    else
        freeReplyObject(r);
    return READ_OK;
}

/* MULTI, the queued commands and EXEC: +OK, +QUEUED for each, then EXEC's
 * reply (NULL unless everything before it was right). */
static enum block_read read_multi_block(struct worker *w, int n, redisReply **exec)
{
    *exec = NULL;
    enum block_read st = read_block_reply(w, "OK", NULL);
    for (int i = 0; i < n && st == READ_OK; i++)
        st = read_block_reply(w, "QUEUED", NULL);
    if (st == READ_OK)
        st = read_block_reply(w, NULL, exec);
    if (st == READ_OK && ((*exec)->type != REDIS_REPLY_ARRAY || (int)(*exec)->elements != n)) {
        report_mismatch(w, NULL, -1, "EXEC: an array with one reply per queued command", *exec,
                        NULL);
        freeReplyObject(*exec);
        *exec = NULL;
        st = READ_WRONG;
    }
    return st;
}

/* MULTI, 2..5 commands, EXEC; every element of EXEC's array is checked
 * against the model, with a window from before MULTI to after EXEC. */
static void worker_multi(struct worker *w, struct op *batch)
{
    int n = (int)rng_between(&w->rng, MULTI_MIN_OPS, MULTI_MAX_OPS);
    for (int i = 0; i < n; i++) {
        op_choose(w, &batch[i], BIG_VALUE_MAX_BYTES, false);
        op_build_argv(&batch[i], w);
    }
    snprintf(w->context, sizeof w->context, "multi of %d", n);
    int64_t t0 = wall_us();
    redisAppendCommand(w->c, "MULTI");
    for (int i = 0; i < n; i++)
        redisAppendCommandArgv(w->c, batch[i].argc, batch[i].argv, batch[i].argvlen);
    redisAppendCommand(w->c, "EXEC");
    redisReply *exec;
    enum block_read st = read_multi_block(w, n, &exec);
    int64_t t1 = wall_us();
    for (int i = 0; i < n; i++) {
        snprintf(w->context, sizeof w->context, "multi %d/%d", i + 1, n);
        if (exec)
            check_op(w, &batch[i], exec->element[i], t0, t1);
        op_free(&batch[i]);
    }
    if (exec)
        freeReplyObject(exec);
    if (st == READ_WRONG) /* out of step with the replies: start afresh */
        worker_reconnect(w);
    atomic_fetch_add(&w->ph->n.ops, n + 2);
}

/* A worker: single commands, pipelines and MULTI blocks until the phase
 * ends or its connection cannot be re-established. */
void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct op *batch = xmalloc(sizeof(struct op) * PIPELINE_MAX_OPS);
    w->c = connect_ctx(w->ph->srv.port, COMMAND_TIMEOUT_MS);
    if (!w->c)
        worker_connection_failed(w, NULL);
    while (!w->dead && !phase_over(w->ph)) {
        unsigned roll = (unsigned)rng_below(&w->rng, 100);
        if (roll < 6)
            worker_pipeline(w, batch);
        else if (roll < 10)
            worker_multi(w, batch);
        else
            worker_single(w);
    }
    free(batch);
    if (w->c)
        redisFree(w->c);
    w->c = NULL;
    return NULL;
}
