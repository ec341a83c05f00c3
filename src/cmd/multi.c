/* Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH; see
 * include/tidecache/multi.h. */
#include <stdint.h>
#include <string.h>

#include "commands.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/clock.h"
#include "tidecache/htab.h"
#include "tidecache/mem.h"
#include "tidecache/multi.h"
#include "tidecache/reply.h"
#include "tidecache/stats.h"
#include "tidecache/store.h"

struct queued {
    const struct command *cmd;
    size_t argc;
    struct arg *argv; /* each argument its own NUL-terminated copy */
};

/* A key this connection watches. */
struct watched {
    int db_index;
    char *key;
    size_t klen;
    int expired; /* stored but past its expiry when WATCH ran: its deletion
                    as expired is no change (Redis's rule) */
};

struct multi_state {
    int open;   /* between MULTI and EXEC/DISCARD */
    int failed; /* a command was refused while open: EXEC aborts */
    int dirty;  /* a watched key was written since WATCH: EXEC aborts */
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

/* ---- the watch index ------------------------------------------------------
 * Every watched key, by keyspace and name, with the connections watching
 * it: the store's write hook (set only while some key is watched, so that
 * writes cost nothing otherwise) looks each written key up here and marks
 * its watchers' transactions dirty, as Redis's touchWatchedKey does. */

struct watcher {
    struct conn *c;
    struct watcher *next;
};

static size_t index_bytes;          /* the index's memory, in its own counter */
static struct htab *watch_index;    /* "<db index><key>" -> struct watcher * */
static size_t watched_total;        /* entries of every connection's list */

/* The index's key for key in keyspace db: the index's 4 bytes, the key. */
static char *index_key(int db, const char *key, size_t klen, size_t *len)
{
    char *k = mem_alloc(sizeof db + klen + 1);
    memcpy(k, &db, sizeof db);
    if (klen)
        memcpy(k + sizeof db, key, klen);
    *len = sizeof db + klen;
    return k;
}

static struct watcher *watchers_of(struct hentry *e)
{
    struct watcher *w;
    memcpy(&w, hentry_extra(e), sizeof w);
    return w;
}

static void set_watchers(struct hentry *e, struct watcher *w)
{
    memcpy(hentry_extra(e), &w, sizeof w);
}

/* Mark the watchers of (db, key) dirty, except one that watched the key
 * already expired when the write is that key's deletion as expired. */
static void touch_key(int db, const char *key, size_t klen, int expired)
{
    size_t len;
    char *k = index_key(db, key, klen, &len);
    struct hentry *e = htab_find(watch_index, k, len);
    mem_free(k);
    for (struct watcher *w = e ? watchers_of(e) : NULL; w; w = w->next) {
        struct multi_state *m = w->c->multi;
        for (size_t i = 0; expired && i < m->nwatched; i++) {
            struct watched *x = &m->watch[i];
            if (x->expired && x->db_index == db && x->klen == klen &&
                memcmp(x->key, key, klen) == 0) {
                x->expired = 0; /* gone now: a later write is a change */
                goto next;
            }
        }
        m->dirty = 1;
    next:;
    }
}

/* A flush touches the watched keys of the keyspace that exist in it, as
 * Redis's touchAllWatchedKeysInDb: watching a missing key survives it. */
static void touch_all(struct store *s, int db)
{
    struct htab_iter i;
    htab_iter_start(&i, watch_index);
    for (const struct hentry *e; (e = htab_iter_next(&i));) {
        size_t len;
        const char *k = hentry_key(e, &len);
        int kdb;
        memcpy(&kdb, k, sizeof kdb);
        if (kdb != db || !store_peek(s, k + sizeof kdb, len - sizeof kdb))
            continue;
        for (struct watcher *w = watchers_of((struct hentry *)e); w; w = w->next)
            w->c->multi->dirty = 1;
    }
}

static int db_index_of(const struct store *s)
{
    for (int i = 0; i < db_count(); i++)
        if (db_get(i) == s)
            return i;
    return -1;
}

static void on_write(struct store *s, const char *key, size_t klen, int expired)
{
    int db = db_index_of(s);
    if (key)
        touch_key(db, key, klen, expired);
    else
        touch_all(s, db);
}

static void index_add(struct conn *c, int db, const char *key, size_t klen)
{
    if (!watch_index)
        watch_index = htab_create(&index_bytes);
    size_t len;
    char *k = index_key(db, key, klen, &len);
    struct hentry *e = htab_find(watch_index, k, len);
    if (!e) {
        e = htab_add(watch_index, k, len, sizeof(struct watcher *));
        set_watchers(e, NULL);
    }
    mem_free(k);
    struct watcher *w = mem_alloc(sizeof *w);
    w->c = c;
    w->next = watchers_of(e);
    set_watchers(e, w);
    if (watched_total++ == 0)
        store_set_write_hook(on_write);
}

static void index_remove(struct conn *c, int db, const char *key, size_t klen)
{
    size_t len;
    char *k = index_key(db, key, klen, &len);
    struct hentry *e = htab_find(watch_index, k, len);
    struct watcher *head = watchers_of(e), **link = &head;
    while (*link && (*link)->c != c)
        link = &(*link)->next;
    struct watcher *gone = *link;
    *link = gone->next;
    mem_free(gone);
    if (head)
        set_watchers(e, head);
    else
        htab_delete(watch_index, k, len);
    mem_free(k);
    if (--watched_total == 0) {
        store_set_write_hook(NULL);
        htab_destroy(watch_index);
        watch_index = NULL;
    }
}

static void watch_clear(struct conn *c, struct multi_state *m)
{
    for (size_t i = 0; i < m->nwatched; i++) {
        index_remove(c, m->watch[i].db_index, m->watch[i].key, m->watch[i].klen);
        mem_free(m->watch[i].key);
    }
    mem_free(m->watch);
    m->watch = NULL;
    m->nwatched = m->watch_cap = 0;
    m->dirty = 0;
}

void multi_reset(struct conn *c)
{
    if (!c->multi)
        return;
    queue_clear(c->multi);
    watch_clear(c, c->multi);
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

/* Whether EXEC must abort for its watches: a watched key was written, or
 * one that was live at WATCH has passed its expiry without being deleted
 * yet (Redis's isWatchedKeyExpired). */
static int watches_broken(const struct multi_state *m)
{
    if (m->dirty)
        return 1;
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < m->nwatched; i++) {
        const struct watched *w = &m->watch[i];
        const struct item *it = store_peek(db_get(w->db_index), w->key, w->klen);
        if (!w->expired && it && item_expire_ms(it) && item_expire_ms(it) <= now)
            return 1;
    }
    return 0;
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
    } else if (watches_broken(m)) {
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
    int64_t now = clock_now_ms();
    for (size_t i = 1; i < argc; i++) {
        int seen = 0; /* watching a key twice is watching it once */
        for (size_t j = 0; j < m->nwatched && !seen; j++)
            seen = m->watch[j].db_index == c->db_index && m->watch[j].klen == argv[i].len &&
                   memcmp(m->watch[j].key, argv[i].ptr, argv[i].len) == 0;
        if (seen)
            continue;
        if (m->nwatched == m->watch_cap) {
            m->watch_cap = m->watch_cap ? m->watch_cap * 2 : 4;
            m->watch = mem_realloc(m->watch, m->watch_cap * sizeof *m->watch);
        }
        struct watched *w = &m->watch[m->nwatched++];
        const struct item *it = store_peek(c->db, argv[i].ptr, argv[i].len);
        w->db_index = c->db_index;
        w->key = mem_strndup(argv[i].ptr, argv[i].len);
        w->klen = argv[i].len;
        w->expired = it && item_expire_ms(it) && item_expire_ms(it) <= now;
        index_add(c, c->db_index, argv[i].ptr, argv[i].len);
    }
    reply_ok(c);
}

/* UNWATCH */
void cmd_unwatch(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    if (c->multi)
        watch_clear(c, c->multi);
    reply_ok(c);
}
