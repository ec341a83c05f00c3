/* Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH; see
 * include/tidecache/multi.h. */
#include <stdint.h>
#include <string.h>

#include "commands.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/hash.h"
#include "tidecache/mem.h"
#include "tidecache/multi.h"
#include "tidecache/reply.h"
#include "tidecache/set.h"
#include "tidecache/stats.h"
#include "tidecache/store.h"

struct queued {
    const struct command *cmd;
    size_t argc;
    struct arg *argv; /* each argument its own NUL-terminated copy */
};

struct watched {
    int db_index;
    char *key;
    size_t klen;
    uint64_t fingerprint; /* watch_fingerprint() when WATCH ran */
};

struct multi_state {
    int open;   /* between MULTI and EXEC/DISCARD */
    int failed; /* a command was refused while open: EXEC aborts */
    unsigned queued_flags; /* the flags of every queued command, or'ed */
    struct queued *queue;
    size_t nqueued, queue_cap;
    struct watched *watch;
    size_t nwatched, watch_cap;
};

static struct multi_state *state_of(struct conn *c)
{
    if (!c->multi)
        c->multi = mem_calloc(1, sizeof *c->multi);
    return c->multi;
}

static void queue_clear(struct multi_state *m)
{
    for (size_t i = 0; i < m->nqueued; i++) {
        for (size_t j = 0; j < m->queue[i].argc; j++)
            mem_free(m->queue[i].argv[j].ptr);
        mem_free(m->queue[i].argv);
    }
    mem_free(m->queue);
    m->queue = NULL;
    m->nqueued = m->queue_cap = 0;
    m->open = m->failed = 0;
    m->queued_flags = 0;
}

static void watch_clear(struct multi_state *m)
{
    for (size_t i = 0; i < m->nwatched; i++)
        mem_free(m->watch[i].key);
    mem_free(m->watch);
    m->watch = NULL;
    m->nwatched = m->watch_cap = 0;
}

void multi_reset(struct conn *c)
{
    if (!c->multi)
        return;
    queue_clear(c->multi);
    watch_clear(c->multi);
    mem_free(c->multi);
    c->multi = NULL;
}

/* Commands that act at once even inside MULTI, as in Redis. */
static int runs_immediately(const struct command *cmd)
{
    static const char *const names[] = {"exec", "discard", "multi", "watch", "quit", "reset"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(cmd->name, names[i]) == 0)
            return 1;
    return 0;
}

int multi_open(const struct conn *c)
{
    return c->multi && c->multi->open;
}

unsigned multi_queued_flags(const struct conn *c)
{
    return c->multi ? c->multi->queued_flags : 0;
}

int multi_queue(struct conn *c, const struct command *cmd, unsigned flags, size_t argc,
                struct arg *argv)
{
    struct multi_state *m = c->multi;
    if (!m || !m->open || runs_immediately(cmd))
        return 0;
    if (cmd->flags & CMD_NO_MULTI) {
        reply_error(c, "ERR Command not allowed inside a transaction");
        m->failed = 1;
        return 1;
    }
    if (m->nqueued == m->queue_cap) {
        m->queue_cap = m->queue_cap ? m->queue_cap * 2 : 8;
        m->queue = mem_realloc(m->queue, m->queue_cap * sizeof *m->queue);
    }
    m->queued_flags |= flags;
    struct queued *q = &m->queue[m->nqueued++];
    q->cmd = cmd;
    q->argc = argc;
    q->argv = mem_alloc(argc * sizeof *q->argv);
    for (size_t i = 0; i < argc; i++) {
        q->argv[i].ptr = mem_strndup(argv[i].ptr, argv[i].len);
        q->argv[i].len = argv[i].len;
    }
    reply_simple(c, "QUEUED");
    return 1;
}

void multi_flag_error(struct conn *c)
{
    if (c->multi && c->multi->open)
        c->multi->failed = 1;
}

/* What WATCH compares: 0 for an absent key, else a digest of the value
 * (its type, and its bytes or members) mixed with the expiry (never 0). A
 * set's digest walks its members. */
static uint64_t watch_fingerprint(struct store *s, const char *key, size_t klen)
{
    struct item *it = store_find(s, key, klen);
    if (!it)
        return 0;
    uint64_t h = item_type(it) == OBJ_SET ? set_digest(it) ^ OBJ_SET
                                          : hash_bytes(item_value(it), item_value_len(it));
    h ^= (uint64_t)item_expire_ms(it) * 0x9e3779b97f4a7c15ULL;
    return h ? h : 1;
}

static int watched_keys_unchanged(const struct multi_state *m)
{
    for (size_t i = 0; i < m->nwatched; i++) {
        const struct watched *w = &m->watch[i];
        if (watch_fingerprint(db_get(w->db_index), w->key, w->klen) != w->fingerprint)
            return 0;
    }
    return 1;
}

/* MULTI */
void cmd_multi(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    struct multi_state *m = state_of(c);
    if (m->open) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    m->open = 1;
    m->failed = 0;
    reply_ok(c);
}

/* EXEC: the queued commands' replies as one array, or EXECABORT after a
 * refused command, or a null array when a watched key changed. Either way
 * the transaction and the watches end. */
void cmd_exec(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    struct multi_state *m = c->multi;
    if (!m || !m->open) {
        reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    if (m->failed) {
        reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
    } else if (!watched_keys_unchanged(m)) {
        reply_null_array(c);
    } else {
        /* run from a detached queue: a queued command may touch c->multi
         * (RESET is never queued, but UNWATCH is) */
        struct queued *queue = m->queue;
        size_t n = m->nqueued;
        m->queue = NULL;
        m->nqueued = m->queue_cap = 0;
        m->open = 0;
        reply_array(c, n);
        for (size_t i = 0; i < n; i++)
            command_call(c, queue[i].cmd, queue[i].argc, queue[i].argv);
        struct multi_state done = {.queue = queue, .nqueued = n};
        queue_clear(&done);
    }
    multi_reset(c);
}

/* DISCARD */
void cmd_discard(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    if (!c->multi || !c->multi->open) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    multi_reset(c);
    reply_ok(c);
}

/* WATCH key [key ...] in the selected database. */
void cmd_watch(struct conn *c, size_t argc, struct arg *argv)
{
    struct multi_state *m = state_of(c);
    if (m->open) {
        reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (size_t i = 1; i < argc; i++) {
        if (m->nwatched == m->watch_cap) {
            m->watch_cap = m->watch_cap ? m->watch_cap * 2 : 4;
            m->watch = mem_realloc(m->watch, m->watch_cap * sizeof *m->watch);
        }
        struct watched *w = &m->watch[m->nwatched++];
        w->db_index = c->db_index;
        w->key = mem_strndup(argv[i].ptr, argv[i].len);
        w->klen = argv[i].len;
        w->fingerprint = watch_fingerprint(c->db, argv[i].ptr, argv[i].len);
    }
    reply_ok(c);
}

/* UNWATCH */
void cmd_unwatch(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    if (c->multi)
        watch_clear(c->multi);
    reply_ok(c);
}
