/* Set commands: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SPOP,
 * SRANDMEMBER, SMOVE, SINTER, SINTERCARD, SINTERSTORE, SUNION,
 * SUNIONSTORE, SDIFF, SDIFFSTORE, SSCAN; the type itself is
 * src/data/set.c.
 *
 * A set whose last member goes is deleted, as in Redis. A set a command
 * creates (SADD, SMOVE's destination, the *STORE commands) gets the TTL
 * policy's default expiry like any key written without one. Replies that
 * are sets of distinct members use RESP3's set type. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "commands.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/glob.h"
#include "tidecache/mem.h"
#include "tidecache/num.h"
#include "tidecache/reply.h"
#include "tidecache/set.h"
#include "tidecache/status.h"
#include "tidecache/store.h"
#include "tidecache/strlist.h"

static struct set_limits limits(void)
{
    const struct config *cfg = command_config();
    struct set_limits l = {cfg->set_max_intset_entries, cfg->set_max_listpack_entries,
                           cfg->set_max_listpack_value};
    return l;
}

/* The set under key (see command_lookup_typed). */
static int set_lookup(struct conn *c, const struct arg *key, int read, struct item **it)
{
    return command_lookup_typed(c, key, OBJ_SET, read, it);
}

/* Add m to the set under key, creating it (with the default expiry) when
 * *it is NULL. Returns 1 when m was added. */
static int add_member(struct store *s, const struct arg *key, struct item **it, const char *m,
                      size_t len, const struct set_limits *lim)
{
    if (!*it)
        *it = set_create(s, key->ptr, key->len, m, len, command_default_expire(key->ptr, key->len),
                         lim);
    return set_add(s, it, m, len, lim);
}

/* Remove m from the set under key, deleting the key when it empties.
 * Returns 1 when m was there; *it is NULL once the key is gone. */
static int remove_member(struct store *s, const struct arg *key, struct item **it, const char *m,
                         size_t len)
{
    if (!set_remove(s, it, m, len))
        return 0;
    if (set_card(*it) == 0) {
        store_delete(s, key->ptr, key->len);
        *it = NULL;
    }
    return 1;
}

/* SADD key member [member ...]: the number of members added. */
void cmd_sadd(struct conn *c, size_t argc, struct arg *argv)
{
    struct item *it;
    if (set_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    struct set_limits lim = limits();
    long long added = 0;
    for (size_t i = 2; i < argc; i++)
        added += add_member(c->db, &argv[1], &it, argv[i].ptr, argv[i].len, &lim);
    reply_int(c, added);
}

/* SREM key member [member ...]: the number of members removed. */
void cmd_srem(struct conn *c, size_t argc, struct arg *argv)
{
    struct item *it;
    if (set_lookup(c, &argv[1], 0, &it) != TC_OK)
        return;
    long long removed = 0;
    for (size_t i = 2; i < argc && it; i++)
        removed += remove_member(c->db, &argv[1], &it, argv[i].ptr, argv[i].len);
    reply_int(c, removed);
}

/* Every member of a set (NULL: none) as a set reply. */
static void reply_members(struct conn *c, const struct item *it)
{
    if (!it) {
        reply_set(c, 0);
        return;
    }
    reply_set(c, set_card(it));
    struct set_iter i;
    struct set_member m;
    set_iter_start(&i, it);
    while (set_iter_next(&i, &m))
        reply_bulk(c, m.p, m.len);
}

/* SMEMBERS key */
void cmd_smembers(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (set_lookup(c, &argv[1], 1, &it) == TC_OK)
        reply_members(c, it);
}

/* SISMEMBER key member: 1 or 0. */
void cmd_sismember(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (set_lookup(c, &argv[1], 1, &it) == TC_OK)
        reply_int(c, it && set_contains(it, argv[2].ptr, argv[2].len));
}

/* SMISMEMBER key member [member ...]: 1 or 0 for each. */
void cmd_smismember(struct conn *c, size_t argc, struct arg *argv)
{
    struct item *it;
    if (set_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    reply_array(c, argc - 2);
    for (size_t i = 2; i < argc; i++)
        reply_int(c, it && set_contains(it, argv[i].ptr, argv[i].len));
}

/* SCARD key: 0 for a missing key. */
void cmd_scard(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *it;
    if (set_lookup(c, &argv[1], 1, &it) == TC_OK)
        reply_int(c, it ? (long long)set_card(it) : 0);
}

/* Remove count random members (fewer than the set holds) into out. */
static void pop_some(struct conn *c, const struct arg *key, struct item *it, size_t count,
                     struct strlist *out)
{
    for (size_t i = 0; i < count; i++) {
        struct set_member m;
        set_random(it, command_rand, &m);
        strlist_push(out, m.p, m.len);
        size_t len;
        const char *copy = strlist_get(out, out->count - 1, &len);
        remove_member(c->db, key, &it, copy, len);
    }
}

/* SPOP key [count]: one random member removed (nil for a missing key), or
 * with count that many distinct ones (all of them, deleting the key, when
 * count reaches the set's size) as a set reply. */
void cmd_spop(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc > 3) {
        reply_syntax_error(c);
        return;
    }
    long long count = 1;
    if (argc == 3 && (!num_parse_ll(argv[2].ptr, argv[2].len, &count) || count < 0)) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    struct item *it;
    if (set_lookup(c, &argv[1], 0, &it) != TC_OK) /* a write: no hit or miss counted */
        return;
    if (argc == 2) {
        if (!it) {
            reply_null(c);
            return;
        }
        struct strlist one;
        strlist_init(&one);
        pop_some(c, &argv[1], it, 1, &one);
        size_t len;
        const char *m = strlist_get(&one, 0, &len);
        reply_bulk(c, m, len);
        strlist_free(&one);
        return;
    }
    if (!it || count == 0) {
        reply_set(c, 0);
        return;
    }
    if ((unsigned long long)count >= set_card(it)) {
        reply_members(c, it);
        store_delete(c->db, argv[1].ptr, argv[1].len);
        return;
    }
    struct strlist popped;
    strlist_init(&popped);
    pop_some(c, &argv[1], it, (size_t)count, &popped);
    reply_strlist(c, &popped, 1);
    strlist_free(&popped);
}

/* count distinct random members of a set of card > count: when count is
 * a large share of the set, every member is copied and random ones are
 * dropped until count are left; otherwise random draws are kept until
 * count distinct ones are found (each draw then succeeds with probability
 * above 2/3). */
#define SRANDMEMBER_COPY_SHARE 3

static void distinct_random(const struct item *it, size_t count, struct strlist *out)
{
    size_t card = set_card(it);
    if (count * SRANDMEMBER_COPY_SHARE > card) {
        struct set_iter i;
        struct set_member m;
        set_iter_start(&i, it);
        while (set_iter_next(&i, &m))
            strlist_push(out, m.p, m.len);
        while (out->count > count)
            strlist_swap_remove(out, (size_t)(command_rand() % out->count));
        return;
    }
    struct drawn seen;
    drawn_init(&seen);
    while (out->count < count) {
        struct set_member m;
        set_random(it, command_rand, &m);
        if (drawn_add(&seen, m.p, m.len))
            strlist_push(out, m.p, m.len);
    }
    drawn_free(&seen);
}

/* Whether -count repeated draws would make too large a reply (see
 * command_repeat_reply_too_large), from the mean of a few drawn members. */
static int repeat_reply_too_large(const struct item *it, long long n)
{
    unsigned long long sampled = 0;
    for (int i = 0; i < RANDOM_REPLY_SAMPLES; i++) {
        struct set_member m;
        set_random(it, command_rand, &m);
        sampled += m.len + BULK_OVERHEAD_BYTES;
    }
    return command_repeat_reply_too_large((unsigned long long)n, sampled / RANDOM_REPLY_SAMPLES);
}

/* SRANDMEMBER key [count]: one random member (nil for a missing key); with
 * a positive count up to that many distinct members, with a negative one
 * exactly -count members that may repeat (refused past proto-max-bulk-len
 * of reply); an array either way. */
void cmd_srandmember(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc > 3) {
        reply_syntax_error(c);
        return;
    }
    long long count = 0;
    if (argc == 3 && command_parse_rand_count(c, &argv[2], &count) != TC_OK)
        return;
    struct item *it;
    if (set_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    struct set_member m;
    if (argc == 2) {
        if (!it) {
            reply_null(c);
            return;
        }
        set_random(it, command_rand, &m);
        reply_bulk(c, m.p, m.len);
        return;
    }
    if (!it || count == 0) {
        reply_array(c, 0);
        return;
    }
    if (count < 0) {
        if (repeat_reply_too_large(it, -count)) {
            reply_error(c, RANDOM_REPLY_TOO_LARGE);
            return;
        }
        reply_array(c, (size_t)-count);
        for (long long i = 0; i < -count; i++) {
            set_random(it, command_rand, &m);
            reply_bulk(c, m.p, m.len);
        }
        return;
    }
    if ((unsigned long long)count >= set_card(it)) {
        struct set_iter i;
        set_iter_start(&i, it);
        reply_array(c, set_card(it));
        while (set_iter_next(&i, &m))
            reply_bulk(c, m.p, m.len);
        return;
    }
    struct strlist picked;
    strlist_init(&picked);
    distinct_random(it, (size_t)count, &picked);
    reply_strlist(c, &picked, 0);
    strlist_free(&picked);
}

/* SMOVE source destination member: 1 when member moved (or was in source
 * when both are the same key), 0 when it is not in source. */
void cmd_smove(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    struct item *src, *dst;
    if (set_lookup(c, &argv[1], 0, &src) != TC_OK)
        return;
    if (!src) { /* before the destination's type, as Redis answers */
        reply_int(c, 0);
        return;
    }
    if (set_lookup(c, &argv[2], 0, &dst) != TC_OK)
        return;
    const struct arg *m = &argv[3];
    if (!set_contains(src, m->ptr, m->len)) {
        reply_int(c, 0);
        return;
    }
    if (src == dst) {
        reply_int(c, 1);
        return;
    }
    /* m stays valid: it is the client's argument, not the source's bytes */
    remove_member(c->db, &argv[1], &src, m->ptr, m->len);
    struct set_limits lim = limits();
    add_member(c->db, &argv[2], &dst, m->ptr, m->len, &lim);
    reply_int(c, 1);
}

/* ---- intersection, union, difference ----------------------------------- */

enum combine { COMBINE_INTER, COMBINE_UNION, COMBINE_DIFF };

/* The sets named by keys[0..n): NULL for a missing key, which *missing
 * then reports (an intersection with it is empty). Replies WRONGTYPE and
 * returns TC_ERR when any key holds another type, as Redis checks every
 * key before combining. */
static int gather_sets(struct conn *c, const struct arg *keys, size_t n, const struct item **sets,
                       int *missing)
{
    *missing = 0;
    for (size_t i = 0; i < n; i++) {
        struct item *it;
        if (set_lookup(c, &keys[i], 1, &it) != TC_OK)
            return TC_ERR;
        sets[i] = it;
        *missing |= it == NULL;
    }
    return TC_OK;
}

/* The members of the combination of sets[0..n) into out, at most limit of
 * them (0: no limit). The items must stay unchanged meanwhile. */
static void combine_sets(const struct item **sets, size_t n, enum combine op, size_t limit,
                         struct strlist *out)
{
    struct set_iter i;
    struct set_member m;
    if (op == COMBINE_UNION) {
        struct drawn seen;
        drawn_init(&seen);
        for (size_t k = 0; k < n; k++) {
            if (!sets[k])
                continue;
            set_iter_start(&i, sets[k]);
            while (set_iter_next(&i, &m))
                if (drawn_add(&seen, m.p, m.len))
                    strlist_push(out, m.p, m.len);
        }
        drawn_free(&seen);
        return;
    }
    /* intersection: walk the smallest set; difference: walk the first */
    size_t walk = 0;
    for (size_t k = 1; op == COMBINE_INTER && k < n; k++)
        if (set_card(sets[k]) < set_card(sets[walk]))
            walk = k;
    if (!sets[walk])
        return;
    set_iter_start(&i, sets[walk]);
    while (set_iter_next(&i, &m) && (limit == 0 || out->count < limit)) {
        int keep = 1;
        for (size_t k = 0; k < n && keep; k++) {
            if (k == walk || (op == COMBINE_DIFF && !sets[k]))
                continue;
            int in = set_contains(sets[k], m.p, m.len);
            keep = op == COMBINE_INTER ? in : !in;
        }
        if (keep)
            strlist_push(out, m.p, m.len);
    }
}

/* SINTER / SUNION / SDIFF key [key ...]: the members as a set reply. */
static void combine_reply(struct conn *c, size_t argc, struct arg *argv, enum combine op)
{
    size_t n = argc - 1;
    const struct item **sets = mem_alloc(n * sizeof *sets);
    int missing;
    if (gather_sets(c, &argv[1], n, sets, &missing) == TC_OK) {
        struct strlist out;
        strlist_init(&out);
        if (!missing || op != COMBINE_INTER)
            combine_sets(sets, n, op, 0, &out);
        reply_strlist(c, &out, 1);
        strlist_free(&out);
    }
    mem_free(sets);
}

/* SINTERSTORE / SUNIONSTORE / SDIFFSTORE destination key [key ...]: the
 * result replaces destination (deleted when empty); its size is replied. */
static void combine_store(struct conn *c, size_t argc, struct arg *argv, enum combine op)
{
    size_t n = argc - 2;
    const struct item **sets = mem_alloc(n * sizeof *sets);
    int missing;
    if (gather_sets(c, &argv[2], n, sets, &missing) != TC_OK) {
        mem_free(sets);
        return;
    }
    struct strlist out;
    strlist_init(&out);
    if (!missing || op != COMBINE_INTER)
        combine_sets(sets, n, op, 0, &out);
    mem_free(sets);
    const struct arg *dst = &argv[1];
    store_delete(c->db, dst->ptr, dst->len);
    struct set_limits lim = limits();
    struct item *it = NULL;
    for (size_t i = 0; i < out.count; i++) {
        size_t len;
        const char *m = strlist_get(&out, i, &len);
        add_member(c->db, dst, &it, m, len, &lim);
    }
    reply_int(c, (long long)out.count);
    strlist_free(&out);
}

void cmd_sinter(struct conn *c, size_t argc, struct arg *argv)
{
    combine_reply(c, argc, argv, COMBINE_INTER);
}

void cmd_sunion(struct conn *c, size_t argc, struct arg *argv)
{
    combine_reply(c, argc, argv, COMBINE_UNION);
}

void cmd_sdiff(struct conn *c, size_t argc, struct arg *argv)
{
    combine_reply(c, argc, argv, COMBINE_DIFF);
}

void cmd_sinterstore(struct conn *c, size_t argc, struct arg *argv)
{
    combine_store(c, argc, argv, COMBINE_INTER);
}

void cmd_sunionstore(struct conn *c, size_t argc, struct arg *argv)
{
    combine_store(c, argc, argv, COMBINE_UNION);
}

void cmd_sdiffstore(struct conn *c, size_t argc, struct arg *argv)
{
    combine_store(c, argc, argv, COMBINE_DIFF);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit]: the size of the
 * intersection, counting stopped at limit when it is above 0. */
void cmd_sintercard(struct conn *c, size_t argc, struct arg *argv)
{
    long long numkeys;
    if (!num_parse_ll(argv[1].ptr, argv[1].len, &numkeys) || numkeys <= 0) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return;
    }
    if ((unsigned long long)numkeys > argc - 2) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    long long limit = 0;
    for (size_t j = 2 + (size_t)numkeys; j < argc; j += 2) {
        if (arg_is(&argv[j], "limit") && j + 1 < argc) {
            if (!num_parse_ll(argv[j + 1].ptr, argv[j + 1].len, &limit) || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                return;
            }
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    size_t n = (size_t)numkeys;
    const struct item **sets = mem_alloc(n * sizeof *sets);
    int missing;
    if (gather_sets(c, &argv[2], n, sets, &missing) == TC_OK) {
        struct strlist out;
        strlist_init(&out);
        if (!missing)
            combine_sets(sets, n, COMBINE_INTER, (size_t)limit, &out);
        reply_int(c, (long long)out.count);
        strlist_free(&out);
    }
    mem_free(sets);
}

/* ---- SSCAN ---------------------------------------------------------------- */

struct sscan_ctx {
    struct strlist found;
    const struct arg *pattern;
};

static void sscan_visit(void *ctx, const char *m, size_t len)
{
    struct sscan_ctx *sc = ctx;
    if (!sc->pattern || glob_match(sc->pattern->ptr, sc->pattern->len, m, len, 0))
        strlist_push(&sc->found, m, len);
}

/* SSCAN key cursor [MATCH pattern] [COUNT count]: [next cursor, members].
 * A compact set comes whole with cursor 0; a table is walked COUNT buckets
 * per call with SCAN's guarantees. As in Redis the options are read after
 * the key: a missing key answers an empty scan whatever follows. */
void cmd_sscan(struct conn *c, size_t argc, struct arg *argv)
{
    uint64_t cursor;
    struct scan_options o;
    struct item *it;
    if (command_parse_cursor(c, &argv[2], &cursor) != TC_OK ||
        set_lookup(c, &argv[1], 1, &it) != TC_OK)
        return;
    if (!it) { /* options unread, as Redis answers a missing key */
        struct strlist none;
        strlist_init(&none);
        reply_scan(c, 0, &none);
        return;
    }
    if (command_parse_scan_options(c, argc, argv, 3, 0, &o) != TC_OK)
        return;
    struct sscan_ctx sc = {.pattern = o.pattern};
    strlist_init(&sc.found);
    if (o.pattern && o.pattern->len == 1 && o.pattern->ptr[0] == '*')
        sc.pattern = NULL;
    cursor = set_scan(it, cursor, (size_t)(o.count > SIZE_MAX ? SIZE_MAX : o.count), sscan_visit,
                      &sc);
    reply_scan(c, cursor, &sc.found);
    strlist_free(&sc.found);
}
