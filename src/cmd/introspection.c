/* COMMAND and its subcommands (COUNT, DOCS, GETKEYS, GETKEYSANDFLAGS,
 * HELP, INFO, LIST), all generated from the command table, plus the
 * subcommand dispatch CONFIG and COMMAND share.
 *
 * COMMAND DOCS arguments come from each entry's argument syntax (Redis's
 * documentation syntax, such as
 * "key value [NX | XX] [EX seconds | PX milliseconds | KEEPTTL]"), turned
 * into the argument tree Redis replies for its own commands, so that
 * redis-cli builds its hints from it. Two steps. parse_* reads the syntax
 * into groups and words:
 *   [a b]      optional group        <a | b>   required group
 *   a | b      alternatives          x [x ...] repetition ("..." ends a group)
 * convert_* then gives every argument Redis's shape: a lower-case word is an
 * argument named by it (type from its name: key, integer, double,
 * unix-time, pattern or string); an upper-case word a token, which labels
 * the argument after it ("EX seconds") or stands alone ("NX", a
 * pure-token); a group with alternatives is a "oneof", a group of several
 * arguments a "block"; "[...]" repeating what precedes it makes that
 * argument "multiple". Groups are named as Redis names its unnamed ones
 * (member names joined by '_'), except for a few Redis names itself. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "tidecache/conn.h"
#include "tidecache/glob.h"
#include "tidecache/mem.h"
#include "tidecache/num.h"
#include "tidecache/reply.h"

#define DOC_NAME_MAX_BYTES 160 /* longest generated group name kept */

/* ------------------------------------------------------------- syntax */

struct syn;

/* A sequence of words and groups. */
struct synseq {
    struct syn *item;
    size_t n;
    bool ellipsis; /* ended with "..." */
};

/* A word, or a group of one or more alternative sequences. */
struct syn {
    bool group;
    const char *text; /* word */
    size_t len;
    bool optional;    /* group: [ ] rather than < > */
    struct synseq *alt;
    size_t nalt;
};

struct lexer {
    const char *p;
};

enum tok { TOK_END, TOK_WORD, TOK_OPEN_OPT, TOK_OPEN_REQ, TOK_CLOSE, TOK_PIPE, TOK_ELLIPSIS };

/* The next token; words are runs without spaces or []<>|. */
static enum tok lex(struct lexer *lx, const char **text, size_t *len)
{
    while (*lx->p == ' ')
        lx->p++;
    char ch = *lx->p;
    if (ch == '\0')
        return TOK_END;
    lx->p++;
    switch (ch) {
    case '[': return TOK_OPEN_OPT;
    case '<': return TOK_OPEN_REQ;
    case ']':
    case '>': return TOK_CLOSE;
    case '|': return TOK_PIPE;
    default: break;
    }
    const char *start = lx->p - 1;
    while (*lx->p && !strchr(" []<>|", *lx->p))
        lx->p++;
    *text = start;
    *len = (size_t)(lx->p - start);
    return *len == 3 && memcmp(start, "...", 3) == 0 ? TOK_ELLIPSIS : TOK_WORD;
}

static enum tok peek(const struct lexer *lx)
{
    struct lexer copy = *lx;
    const char *t;
    size_t n;
    return lex(&copy, &t, &n);
}

static struct syn *seq_push(struct synseq *s)
{
    s->item = mem_realloc(s->item, (s->n + 1) * sizeof *s->item);
    memset(&s->item[s->n], 0, sizeof s->item[0]);
    return &s->item[s->n++];
}

static void seq_free(struct synseq *s);

static void syn_free(struct syn *x)
{
    for (size_t i = 0; i < x->nalt; i++)
        seq_free(&x->alt[i]);
    mem_free(x->alt);
}

static void seq_free(struct synseq *s)
{
    for (size_t i = 0; i < s->n; i++)
        syn_free(&s->item[i]);
    mem_free(s->item);
    s->item = NULL;
    s->n = 0;
}

static bool parse_seq(struct lexer *lx, struct synseq *out, int depth);

/* A group after its opening bracket: alternatives up to the closing one. */
static bool parse_group(struct lexer *lx, struct syn *g, int depth)
{
    g->group = true;
    for (;;) {
        g->alt = mem_realloc(g->alt, (g->nalt + 1) * sizeof *g->alt);
        memset(&g->alt[g->nalt], 0, sizeof g->alt[0]);
        if (!parse_seq(lx, &g->alt[g->nalt++], depth + 1))
            return false;
        const char *t;
        size_t n;
        enum tok k = lex(lx, &t, &n);
        if (k == TOK_CLOSE)
            return true;
        if (k != TOK_PIPE)
            return false;
    }
}

/* Words and groups until a closing bracket, a '|' or the end (not
 * consumed). Nesting deeper than a documentation string ever goes is
 * refused rather than followed. */
static bool parse_seq(struct lexer *lx, struct synseq *out, int depth)
{
    if (depth > 16)
        return false;
    for (;;) {
        enum tok k = peek(lx);
        if (k == TOK_END || k == TOK_CLOSE || k == TOK_PIPE)
            return true;
        const char *t = NULL;
        size_t n = 0;
        lex(lx, &t, &n);
        if (k == TOK_ELLIPSIS) {
            out->ellipsis = true;
        } else if (k == TOK_WORD) {
            struct syn *w = seq_push(out);
            w->text = t;
            w->len = n;
        } else {
            struct syn *g = seq_push(out);
            g->optional = k == TOK_OPEN_OPT;
            if (!parse_group(lx, g, depth))
                return false;
        }
    }
}

/* ---------------------------------------------------------- arguments */

enum { DARG_OPTIONAL = 1u, DARG_MULTIPLE = 2u, DARG_MULTIPLE_TOKEN = 4u };

struct darg {
    char *name;
    const char *type;
    char *token;        /* NULL when none */
    int key_spec;       /* key_spec_index, -1 when not a key */
    unsigned flags;
    struct darg *sub;   /* oneof and block members */
    size_t nsub;
};

struct dargs {
    struct darg *a;
    size_t n;
};

/* What conversion needs to know about the command. */
struct doc_ctx {
    const struct command *cmd;
};

static void dargs_free(struct dargs *l);

static void darg_free(struct darg *d)
{
    mem_free(d->name);
    mem_free(d->token);
    struct dargs sub = {d->sub, d->nsub};
    dargs_free(&sub);
}

static void dargs_free(struct dargs *l)
{
    for (size_t i = 0; i < l->n; i++)
        darg_free(&l->a[i]);
    mem_free(l->a);
    l->a = NULL;
    l->n = 0;
}

static struct darg *dargs_push(struct dargs *l)
{
    l->a = mem_realloc(l->a, (l->n + 1) * sizeof *l->a);
    memset(&l->a[l->n], 0, sizeof l->a[0]);
    l->a[l->n].key_spec = -1;
    return &l->a[l->n++];
}

/* A token is written in capitals (digits and '-' allowed). */
static bool is_token(const struct syn *w)
{
    bool letter = false;
    if (w->group)
        return false;
    for (size_t i = 0; i < w->len; i++) {
        unsigned char ch = (unsigned char)w->text[i];
        if (islower(ch))
            return false;
        letter |= isupper(ch) != 0;
    }
    return letter;
}

static char *lower_dup(const char *s, size_t len)
{
    char *out = mem_strndup(s, len);
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
    return out;
}

/* The type Redis gives an argument of this name; `top_pos` is its position
 * among the command's leading fixed arguments (0 elsewhere), which makes it
 * a key when the table's key range covers it (COPY source destination). */
static const char *type_of(const struct doc_ctx *ctx, const char *name, int top_pos, int *key)
{
    static const char *const integers[] = {
        "seconds", "milliseconds", "count", "cursor", "timeout", "index", "db",
        "destination-db", "increment", "decrement", "offset", "start", "end", "numkeys",
        "numfields", "limit", "port", "protover", "client-id", "numreplicas", NULL};
    const struct command *cmd = ctx->cmd;
    *key = 0;
    if (strcmp(name, "key") == 0 ||
        (top_pos > 0 && cmd->first_key > 0 && top_pos >= cmd->first_key &&
         cmd->last_key > 0 && top_pos <= cmd->last_key)) {
        *key = 1;
        return "key";
    }
    if (strncmp(name, "unix-time-", 10) == 0)
        return "unix-time";
    if (strcmp(name, "pattern") == 0)
        return "pattern";
    if (strcmp(name, "increment") == 0 && strstr(cmd->name, "float"))
        return "double";
    for (size_t i = 0; integers[i]; i++)
        if (strcmp(name, integers[i]) == 0)
            return "integer";
    return "string";
}

static bool two_key_specs(const struct command *cmd);

/* A named argument from a lower-case word. A key refers to the command's
 * key spec: the only one, or for a command with one spec per key (COPY
 * source destination) the one of its position. */
static void make_plain(const struct doc_ctx *ctx, struct darg *d, const struct syn *w, int top_pos)
{
    int key;
    d->name = mem_strndup(w->text, w->len);
    d->type = type_of(ctx, d->name, top_pos, &key);
    d->key_spec = -1;
    if (key)
        d->key_spec = top_pos > ctx->cmd->first_key && two_key_specs(ctx->cmd) ? 1 : 0;
}

/* Redis's own names for groups that would otherwise get the joined name. */
static const struct {
    const char *joined;
    const char *name;
} group_names[] = {
    {"nx_xx", "condition"},
    {"nx_xx_gt_lt", "condition"},
    {"seconds_milliseconds_unix-time-seconds_unix-time-milliseconds_keepttl", "expiration"},
    {"seconds_milliseconds_unix-time-seconds_unix-time-milliseconds_persist", "expiration"},
    {"async_sync", "async"},
    {"write_all", "mode"},
    {"module-name_category_pattern", "filterby"},
    {"protover_username_password_clientname", "arguments"},
};

/* A group's name: its members' names joined by '_', or Redis's name. */
static char *group_name(const struct darg *members, size_t n)
{
    char joined[DOC_NAME_MAX_BYTES];
    size_t used = 0;
    joined[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < sizeof joined; i++)
        used += (size_t)snprintf(joined + used, sizeof joined - used, "%s%s", i ? "_" : "",
                                 members[i].name);
    for (size_t i = 0; i < sizeof group_names / sizeof group_names[0]; i++)
        if (strcmp(joined, group_names[i].joined) == 0)
            return mem_strdup(group_names[i].name);
    return mem_strdup(joined);
}

/* Make d a oneof or block holding the arguments in l (taken over). */
static void make_group(struct darg *d, const char *type, struct dargs *l)
{
    d->type = type;
    d->sub = l->a;
    d->nsub = l->n;
    d->name = group_name(l->a, l->n);
    l->a = NULL;
    l->n = 0;
}

static void convert_seq(const struct doc_ctx *ctx, const struct synseq *s, bool top,
                        struct dargs *out);

/* Collapse a converted sequence into one argument: itself when it is one,
 * a block otherwise. A block whose first member carries a token takes the
 * token over ("AUTH username password" is the block username_password with
 * token AUTH); a leading pure token becomes the block's token outright. */
static void collapse(struct dargs *l, struct darg *into)
{
    if (l->n == 1) {
        *into = l->a[0];
        mem_free(l->a);
        l->a = NULL;
        l->n = 0;
        return;
    }
    char *token = l->a[0].token;
    l->a[0].token = NULL;
    if (token && strcmp(l->a[0].type, "pure-token") == 0) {
        darg_free(&l->a[0]);
        memmove(&l->a[0], &l->a[1], (l->n - 1) * sizeof l->a[0]);
        l->n--;
    }
    make_group(into, "block", l);
    into->token = token;
}

/* A group (not a repetition) as one argument: a oneof for alternatives,
 * otherwise its contents collapsed; [ ] make it optional. */
static void convert_group(const struct doc_ctx *ctx, const struct syn *g, struct darg *d)
{
    if (g->nalt > 1) {
        struct dargs alts = {NULL, 0};
        for (size_t i = 0; i < g->nalt; i++) {
            struct dargs one = {NULL, 0};
            convert_seq(ctx, &g->alt[i], false, &one);
            if (one.n == 0)
                continue;
            collapse(&one, dargs_push(&alts));
        }
        make_group(d, "oneof", &alts);
    } else {
        struct dargs one = {NULL, 0};
        convert_seq(ctx, &g->alt[0], false, &one);
        if (one.n == 0) {
            d->name = mem_strdup("");
            d->type = "string";
        } else {
            collapse(&one, d);
        }
    }
    if (g->optional)
        d->flags |= DARG_OPTIONAL;
}

/* Whether group g is "[x y ...]" repeating the k words before s->item[i]. */
static bool repeats_previous(const struct synseq *s, size_t i, const struct syn *g)
{
    if (g->nalt != 1 || !g->alt[0].ellipsis)
        return false;
    const struct synseq *body = &g->alt[0];
    size_t k = body->n;
    if (k == 0 || k > i)
        return false;
    for (size_t j = 0; j < k; j++) {
        const struct syn *a = &s->item[i - k + j], *b = &body->item[j];
        if (a->group || b->group || a->len != b->len || memcmp(a->text, b->text, a->len) != 0)
            return false;
    }
    return true;
}

/* Mark the arguments made from the last k words as repeated: one argument
 * becomes multiple (and multiple_token when its token repeats too, as in
 * "GET pattern [GET pattern ...]"), several become a multiple block. first
 * is the index in out of the first of them. */
static void mark_repeated(struct dargs *out, size_t first, size_t k)
{
    size_t n = out->n - first;
    if (n == 1) {
        out->a[first].flags |= DARG_MULTIPLE;
        if (k > 1 && out->a[first].token)
            out->a[first].flags |= DARG_MULTIPLE_TOKEN;
        return;
    }
    struct dargs members = {mem_alloc(n * sizeof *members.a), n};
    memcpy(members.a, &out->a[first], n * sizeof *members.a);
    out->n = first;
    struct darg *block = dargs_push(out);
    make_group(block, "block", &members);
    block->flags |= DARG_MULTIPLE;
}

/* Convert the items of s, appending to out. `top` is the command's own
 * sequence, where leading words have argv positions. */
static void convert_seq(const struct doc_ctx *ctx, const struct synseq *s, bool top,
                        struct dargs *out)
{
    size_t *start = mem_alloc((s->n + 1) * sizeof *start); /* out index per item */
    bool fixed = top; /* still among the leading words */
    for (size_t i = 0; i < s->n; i++) {
        const struct syn *x = &s->item[i];
        start[i] = out->n;
        if (x->group && repeats_previous(s, i, x)) {
            size_t k = x->alt[0].n;
            size_t first = start[i - k];
            if (first < out->n) {
                mark_repeated(out, first, k);
                for (size_t j = i - k; j <= i; j++)
                    start[j] = first;
            }
            fixed = false;
            continue;
        }
        if (x->group) {
            fixed = false;
            convert_group(ctx, x, dargs_push(out));
            continue;
        }
        if (!is_token(x)) {
            make_plain(ctx, dargs_push(out), x, fixed ? (int)i + 1 : 0);
            continue;
        }
        fixed = false;
        const struct syn *next = i + 1 < s->n ? &s->item[i + 1] : NULL;
        struct darg *d = dargs_push(out);
        if (next && !next->group && !is_token(next)) {
            make_plain(ctx, d, next, 0);
            i++;
            start[i] = start[i - 1];
        } else if (next && next->group && !next->optional && next->nalt > 1) {
            convert_group(ctx, next, d);
            i++;
            start[i] = start[i - 1];
        } else {
            d->name = lower_dup(x->text, x->len);
            d->type = "pure-token";
        }
        d->token = mem_strndup(x->text, x->len);
    }
    mem_free(start);
}

/* The argument tree of cmd (empty when it takes none or its syntax does
 * not parse). */
static void doc_args(const struct command *cmd, struct dargs *out)
{
    struct lexer lx = {cmd->args ? cmd->args : ""};
    struct synseq top = {NULL, 0, false};
    struct doc_ctx ctx = {cmd};
    out->a = NULL;
    out->n = 0;
    if (parse_seq(&lx, &top, 0) && peek(&lx) == TOK_END)
        convert_seq(&ctx, &top, true, out);
    seq_free(&top);
}

/* ------------------------------------------------------------- replies */

static void reply_darg(struct conn *c, const struct darg *d);

static void reply_dargs(struct conn *c, const struct darg *a, size_t n)
{
    reply_array(c, n);
    for (size_t i = 0; i < n; i++)
        reply_darg(c, &a[i]);
}

/* One argument, with Redis's fields in Redis's order. */
static void reply_darg(struct conn *c, const struct darg *d)
{
    size_t nflags = !!(d->flags & DARG_OPTIONAL) + !!(d->flags & DARG_MULTIPLE) +
                    !!(d->flags & DARG_MULTIPLE_TOKEN);
    reply_map(c, 2 + (d->key_spec >= 0) + (d->token != NULL) + (nflags > 0) + (d->nsub > 0));
    reply_cstr(c, "name");
    reply_cstr(c, d->name);
    reply_cstr(c, "type");
    reply_cstr(c, d->type);
    if (d->key_spec >= 0) {
        reply_cstr(c, "key_spec_index");
        reply_int(c, d->key_spec);
    }
    if (d->token) {
        reply_cstr(c, "token");
        reply_cstr(c, d->token);
    }
    if (nflags) {
        reply_cstr(c, "flags");
        reply_set(c, nflags);
        if (d->flags & DARG_OPTIONAL)
            reply_simple(c, "optional");
        if (d->flags & DARG_MULTIPLE)
            reply_simple(c, "multiple");
        if (d->flags & DARG_MULTIPLE_TOKEN)
            reply_simple(c, "multiple_token");
    }
    if (d->nsub) {
        reply_cstr(c, "arguments");
        reply_dargs(c, d->sub, d->nsub);
    }
}

/* How many top-level arguments COMMAND DOCS lists for cmd. */
static size_t doc_arg_count(const struct command *cmd)
{
    struct dargs l;
    doc_args(cmd, &l);
    size_t n = l.n;
    dargs_free(&l);
    return n;
}

/* COMMAND DOCS "arguments" of cmd. */
static void reply_doc_args(struct conn *c, const struct command *cmd)
{
    struct dargs l;
    doc_args(cmd, &l);
    reply_dargs(c, l.a, l.n);
    dargs_free(&l);
}

/* ------------------------------------------------- per-command facts */

/* Facts about a command that decide only what COMMAND shows. */
enum {
    META_CONTAINER = 1u << 0, /* only holds subcommands: no group category */
    META_NO_KEYSPACE = 1u << 1, /* a server command on keys Redis keeps out of @keyspace */
};

/* What COMMAND reports that the table does not hold, taken from Redis's
 * descriptions of the same commands: flags without a bit of their own,
 * ACL categories that follow from neither group nor flags, tips, key-spec
 * flags where "RO access" / "RW access update" would be wrong, and
 * complexity where "O(1)" would be. Commands not listed get the derived
 * values. */
struct command_meta {
    const char *name;
    unsigned flags;         /* META_* */
    const char *acl;        /* extra categories, e.g. "@dangerous" */
    const char *tips;       /* space-separated */
    const char *key_flags;  /* space-separated key-spec flags */
    const char *notes;      /* key-spec notes */
    const char *complexity;
    const char *key2_flags; /* set for a command Redis describes with two key
                             * specs, its first key and the rest (COPY, RENAME,
                             * SINTERSTORE): the second spec's flags */
};

#define O_N_KEYS "O(N) where N is the number of keys"
#define O_N_COMMANDS "O(N) where N is the total number of Redis commands"
#define O_N_LOOKUP "O(N) where N is the number of commands to look up"
#define O_N_ARGS "O(N) where N is the number of arguments to the command"
#define O_N_PARAMS "O(N) when N is the number of configuration parameters provided"
#define MULTI_SUM "request_policy:multi_shard response_policy:agg_sum"
#define ALL_NODES "request_policy:all_nodes response_policy:all_succeeded"
#define ALL_SHARDS "request_policy:all_shards response_policy:all_succeeded"
#define ONE_SUCCEEDED "request_policy:all_shards response_policy:one_succeeded"
#define NOTES_ASSUME_RW "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"
#define NOTES_ASSUME_RO "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"
#define BY_SCRIPT "Depends on the script that is executed."
#define BY_FUNCTION "Depends on the function that is executed."

/* clang-format off */
static const struct command_meta metas[] = {
    { "append", 0, NULL, NULL, "RW insert", NULL, NULL, NULL },
    { "auth", 0, NULL, NULL, NULL, NULL, NULL, NULL },
    { "client", META_CONTAINER, NULL, NULL, NULL, NULL, "Depends on subcommand.", NULL },
    { "command", 0, "@connection", "nondeterministic_output_order", NULL, NULL, O_N_COMMANDS, NULL },
    { "command|count", 0, "@connection", NULL, NULL, NULL, NULL, NULL },
    { "command|docs", 0, "@connection", "nondeterministic_output_order", NULL, NULL, O_N_LOOKUP, NULL },
    { "command|getkeys", 0, "@connection", NULL, NULL, NULL, O_N_ARGS, NULL },
    { "command|getkeysandflags", 0, "@connection", NULL, NULL, NULL, O_N_ARGS, NULL },
    { "command|help", 0, "@connection", NULL, NULL, NULL, NULL, NULL },
    { "command|info", 0, "@connection", "nondeterministic_output_order", NULL, NULL, O_N_LOOKUP, NULL },
    { "command|list", 0, "@connection", "nondeterministic_output_order", NULL, NULL, O_N_COMMANDS, NULL },
    { "config", META_CONTAINER, NULL, NULL, NULL, NULL, "Depends on subcommand.", NULL },
    { "config|get", 0, NULL, NULL, NULL, NULL, O_N_PARAMS, NULL },
    { "config|resetstat", 0, NULL, NULL, NULL, NULL, NULL, NULL },
    { "config|rewrite", 0, NULL, NULL, NULL, NULL, NULL, NULL },
    { "config|set", 0, NULL, "request_policy:all_nodes response_policy:all_succeeded",
      NULL, NULL, O_N_PARAMS, NULL },
    { "copy", 0, NULL, NULL, "RO access", NULL, NULL, "OW update" },
    { "dbsize", 0, NULL, "request_policy:all_shards response_policy:agg_sum", NULL, NULL, NULL, NULL },
    { "del", 0, NULL, MULTI_SUM, "RM delete", NULL, O_N_KEYS " that will be removed.", NULL },
    { "exists", 0, NULL, MULTI_SUM, "RO", NULL, O_N_KEYS " to check.", NULL },
    { "expire", 0, NULL, NULL, "RW update", NULL, NULL, NULL },
    { "expireat", 0, NULL, NULL, "RW update", NULL, NULL, NULL },
    { "flushall", 0, "@dangerous", "request_policy:all_shards response_policy:all_succeeded",
      NULL, NULL, "O(N) where N is the total number of keys in all databases", NULL },
    { "flushdb", 0, "@dangerous", "request_policy:all_shards response_policy:all_succeeded",
      NULL, NULL, "O(N) where N is the number of keys in the selected database", NULL },
    { "getdel", 0, NULL, NULL, "RW access delete", NULL, NULL, NULL },
    { "getex", 0, NULL, NULL, "RW access update", "RW and UPDATE because it changes the TTL", NULL, NULL },
    { "hello", 0, NULL, NULL, NULL, NULL, NULL, NULL },
    { "info", 0, "@dangerous",
      "nondeterministic_output request_policy:all_shards response_policy:special", NULL, NULL,
      NULL, NULL },
    { "keys", 0, "@dangerous", "request_policy:all_shards nondeterministic_output_order", NULL,
      NULL, "O(N) with N being the number of keys in the database", NULL },
    { "mget", 0, NULL, "request_policy:multi_shard", NULL, NULL, O_N_KEYS " to retrieve.", NULL },
    { "mset", 0, NULL, "request_policy:multi_shard response_policy:all_succeeded", "OW update",
      NULL, O_N_KEYS " to set.", NULL },
    { "msetnx", 0, NULL, "request_policy:multi_shard response_policy:agg_min", "OW insert", NULL,
      O_N_KEYS " to set.", NULL },
    { "persist", 0, NULL, NULL, "RW update", NULL, NULL, NULL },
    { "pexpire", 0, NULL, NULL, "RW update", NULL, NULL, NULL },
    { "pexpireat", 0, NULL, NULL, "RW update", NULL, NULL, NULL },
    { "ping", 0, NULL, "request_policy:all_shards response_policy:all_succeeded", NULL, NULL,
      NULL, NULL },
    { "psetex", 0, NULL, NULL, "OW update", NULL, NULL, NULL },
    { "pttl", 0, NULL, "nondeterministic_output", NULL, NULL, NULL, NULL },
    { "quit", 0, NULL, NULL, NULL, NULL, NULL, NULL },
    { "randomkey", 0, NULL, "request_policy:all_shards nondeterministic_output", NULL, NULL, NULL, NULL },
    { "rename", 0, NULL, NULL, "RW access delete", NULL, NULL, "OW update" },
    { "renamenx", 0, NULL, NULL, "RW access delete", NULL, NULL, "OW insert" },
    { "reset", 0, NULL, NULL, NULL, NULL, NULL, NULL },
    { "scan", 0, NULL, "nondeterministic_output request_policy:special", NULL, NULL,
      "O(1) for every call. O(N) for a complete iteration", NULL },
    { "set", 0, NULL, NULL, "RW access update variable_flags",
      "RW and ACCESS due to the optional `GET` argument", NULL, NULL },
    { "setex", 0, NULL, NULL, "OW update", NULL, NULL, NULL },
    { "setnx", 0, NULL, NULL, "OW insert", NULL, NULL, NULL },
    { "setrange", 0, NULL, NULL, "RW update", NULL, NULL, NULL },
    { "shutdown", 0, NULL, NULL, NULL, NULL, NULL, NULL },
    { "strlen", 0, NULL, NULL, "RO", NULL, NULL, NULL },
    { "time", 0, NULL, "nondeterministic_output", NULL, NULL, NULL, NULL },
    { "touch", 0, NULL, MULTI_SUM, "RO", NULL, O_N_KEYS " that will be touched.", NULL },
    { "ttl", 0, NULL, "nondeterministic_output", NULL, NULL, NULL, NULL },
    { "type", 0, NULL, NULL, "RO", NULL, NULL, NULL },
    { "unlink", 0, NULL, MULTI_SUM, "RM delete", NULL, NULL, NULL },
    { "hset", 0, NULL, NULL, "RW update", NULL, "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", NULL },
    { "hsetnx", 0, NULL, NULL, "RW insert", NULL, NULL, NULL },
    { "hmset", 0, NULL, NULL, "RW update", NULL, "O(N) where N is the number of fields being set.", NULL },
    { "hmget", 0, NULL, NULL, NULL, NULL, "O(N) where N is the number of fields being requested.", NULL },
    { "hgetall", 0, NULL, "nondeterministic_output_order", NULL, NULL, "O(N) where N is the size of the hash.", NULL },
    { "hkeys", 0, NULL, "nondeterministic_output_order", NULL, NULL, "O(N) where N is the size of the hash.", NULL },
    { "hvals", 0, NULL, "nondeterministic_output_order", NULL, NULL, "O(N) where N is the size of the hash.", NULL },
    { "hlen", 0, NULL, NULL, "RO", NULL, NULL, NULL },
    { "hexists", 0, NULL, NULL, "RO", NULL, NULL, NULL },
    { "hdel", 0, NULL, NULL, "RW delete", NULL, "O(N) where N is the number of fields to be removed.", NULL },
    { "hstrlen", 0, NULL, NULL, "RO", NULL, NULL, NULL },
    { "hrandfield", 0, NULL, NULL, NULL, NULL, "O(N) where N is the number of fields returned", NULL },
    { "hscan", 0, NULL, NULL, NULL, NULL, "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", NULL },
    { "hexpire", 0, NULL, NULL, "RW update", NULL, "O(N) where N is the number of specified fields", NULL },
    { "hpexpire", 0, NULL, NULL, "RW update", NULL, "O(N) where N is the number of specified fields", NULL },
    { "hexpireat", 0, NULL, NULL, "RW update", NULL, "O(N) where N is the number of specified fields", NULL },
    { "hpexpireat", 0, NULL, NULL, "RW update", NULL, "O(N) where N is the number of specified fields", NULL },
    { "httl", 0, NULL, NULL, "RO access", NULL, "O(N) where N is the number of specified fields", NULL },
    { "hpttl", 0, NULL, NULL, "RO access", NULL, "O(N) where N is the number of specified fields", NULL },
    { "hexpiretime", 0, NULL, NULL, "RO access", NULL, "O(N) where N is the number of specified fields", NULL },
    { "hpexpiretime", 0, NULL, NULL, "RO access", NULL, "O(N) where N is the number of specified fields", NULL },
    { "hpersist", 0, NULL, NULL, "RW update", NULL, "O(N) where N is the number of specified fields", NULL },
    { "sadd", 0, NULL, NULL, "RW insert", NULL, "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", NULL },
    { "srem", 0, NULL, NULL, "RW delete", NULL, "O(N) where N is the number of members to be removed.", NULL },
    { "smembers", 0, NULL, "nondeterministic_output_order", NULL, NULL, "O(N) where N is the set cardinality.", NULL },
    { "sismember", 0, NULL, NULL, "RO", NULL, NULL, NULL },
    { "smismember", 0, NULL, NULL, NULL, NULL, "O(N) where N is the number of elements being checked for membership", NULL },
    { "scard", 0, NULL, NULL, "RO", NULL, NULL, NULL },
    { "spop", 0, NULL, NULL, "RW access delete", NULL, "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", NULL },
    { "srandmember", 0, NULL, NULL, NULL, NULL, "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", NULL },
    { "smove", 0, NULL, NULL, "RW access delete", NULL, NULL, "RW insert" },
    { "sinter", 0, NULL, "nondeterministic_output_order", NULL, NULL, "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", NULL },
    { "sintercard", 0, NULL, NULL, NULL, NULL, "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", NULL },
    { "sinterstore", 0, NULL, NULL, "RW update", NULL, "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", "RO access" },
    { "sunion", 0, NULL, "nondeterministic_output_order", NULL, NULL, "O(N) where N is the total number of elements in all given sets.", NULL },
    { "sunionstore", 0, NULL, NULL, "OW update", NULL, "O(N) where N is the total number of elements in all given sets.", "RO access" },
    { "sdiff", 0, NULL, "nondeterministic_output_order", NULL, NULL, "O(N) where N is the total number of elements in all given sets.", NULL },
    { "sdiffstore", 0, NULL, NULL, "OW update", NULL, "O(N) where N is the total number of elements in all given sets.", "RO access" },
    { "sscan", 0, NULL, NULL, NULL, NULL, "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", NULL },
    { "object", META_CONTAINER, NULL, NULL, NULL, NULL, "Depends on subcommand.", NULL },
    { "object|encoding", 0, NULL, "nondeterministic_output", "RO", NULL, NULL, NULL },
    { "object|freq", 0, NULL, "nondeterministic_output", "RO", NULL, NULL, NULL },
    { "object|refcount", 0, NULL, "nondeterministic_output", "RO", NULL, NULL, NULL },
    { "memory", META_CONTAINER, NULL, NULL, NULL, NULL, "Depends on subcommand.", NULL },
    { "memory|usage", META_NO_KEYSPACE, NULL, NULL, "RO", NULL, "O(N) where N is the number of samples.", NULL },
    { "eval", 0, NULL, NULL, "RW access update", NOTES_ASSUME_RW, BY_SCRIPT, NULL },
    { "evalsha", 0, NULL, NULL, "RW access update", NULL, BY_SCRIPT, NULL },
    { "eval_ro", 0, NULL, NULL, "RO access", NOTES_ASSUME_RO, BY_SCRIPT, NULL },
    { "evalsha_ro", 0, NULL, NULL, "RO access", NULL, BY_SCRIPT, NULL },
    { "fcall", 0, NULL, NULL, "RW access update", NOTES_ASSUME_RW, BY_FUNCTION, NULL },
    { "fcall_ro", 0, NULL, NULL, "RO access", NOTES_ASSUME_RO, BY_FUNCTION, NULL },
    { "script", META_CONTAINER, NULL, NULL, NULL, NULL, "Depends on subcommand.", NULL },
    { "script|exists", 0, NULL, "request_policy:all_shards response_policy:agg_logical_and", NULL,
      NULL, "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).", NULL },
    { "script|flush", 0, NULL, ALL_NODES, NULL, NULL,
      "O(N) with N being the number of scripts in cache", NULL },
    { "script|kill", 0, NULL, ONE_SUCCEEDED, NULL, NULL, NULL, NULL },
    { "script|load", 0, NULL, ALL_NODES, NULL, NULL,
      "O(N) with N being the length in bytes of the script body.", NULL },
    { "function", META_CONTAINER, NULL, NULL, NULL, NULL, "Depends on subcommand.", NULL },
    { "function|delete", 0, NULL, ALL_SHARDS, NULL, NULL, NULL, NULL },
    { "function|dump", 0, NULL, NULL, NULL, NULL, "O(N) where N is the number of functions", NULL },
    { "function|flush", 0, NULL, ALL_SHARDS, NULL, NULL,
      "O(N) where N is the number of functions deleted", NULL },
    { "function|kill", 0, NULL, ONE_SUCCEEDED, NULL, NULL, NULL, NULL },
    { "function|list", 0, NULL, "nondeterministic_output_order", NULL, NULL,
      "O(N) where N is the number of functions", NULL },
    { "function|load", 0, NULL, ALL_SHARDS, NULL, NULL,
      "O(1) (considering compilation time is redundant)", NULL },
    { "function|restore", 0, NULL, ALL_SHARDS, NULL, NULL,
      "O(N) where N is the number of functions on the payload", NULL },
    { "function|stats", 0, NULL,
      "nondeterministic_output request_policy:all_shards response_policy:special", NULL, NULL,
      NULL, NULL },
};
/* clang-format on */

static const struct command_meta *meta_of(const char *name)
{
    for (size_t i = 0; i < sizeof metas / sizeof metas[0]; i++)
        if (strcmp(metas[i].name, name) == 0)
            return &metas[i];
    return NULL;
}

/* ------------------------------------------------------------ subcommands */

const struct command *command_subcommands_of(const struct command *cmd, size_t *count)
{
    *count = cmd->subcommand_count ? *cmd->subcommand_count : 0;
    return cmd->subcommands;
}

/* The part of "container|sub" after the bar. */
static const char *sub_name(const struct command *sub)
{
    const char *bar = strchr(sub->name, '|');
    return bar ? bar + 1 : sub->name;
}

void command_run_subcommand(struct conn *c, size_t argc, struct arg *argv, const char *upper,
                            const struct command *subs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct command *sub = &subs[i];
        if (!arg_is(&argv[1], sub_name(sub)))
            continue;
        c->cmd_sub = sub_name(sub);
        if ((sub->arity > 0 && argc != (size_t)sub->arity) ||
            (sub->arity < 0 && argc < (size_t)-sub->arity)) {
            reply_wrong_arity(c, sub->name);
            return;
        }
        sub->proc(c, argc, argv);
        return;
    }
    reply_errorf(c, "ERR unknown subcommand '%.128s'. Try %s HELP.", argv[1].ptr, upper);
}

void command_reply_help(struct conn *c, const char *upper, const char *const *lines)
{
    size_t n = 0;
    while (lines[n])
        n++;
    reply_array(c, n + 3);
    char first[96];
    snprintf(first, sizeof first, "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
             upper);
    reply_simple(c, first);
    for (size_t i = 0; i < n; i++)
        reply_simple(c, lines[i]);
    reply_simple(c, "HELP");
    reply_simple(c, "    Prints this help.");
}

void command_reply_subcommand_syntax_error(struct conn *c, const struct arg *argv,
                                           const char *upper)
{
    reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.",
                 argv[1].ptr, upper);
}

/* A command by name, or a subcommand by "container|sub"; NULL if unknown. */
static const struct command *lookup_full(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    const struct command *cmd = command_lookup(name, bar ? (size_t)(bar - name) : len);
    if (!cmd || !bar)
        return cmd;
    size_t n;
    const struct command *subs = command_subcommands_of(cmd, &n);
    struct arg want = {(char *)bar + 1, len - (size_t)(bar + 1 - name)};
    for (size_t i = 0; i < n; i++)
        if (arg_is(&want, sub_name(&subs[i])))
            return &subs[i];
    return NULL;
}

/* ------------------------------------------------------- COMMAND INFO */

/* Count the words of a space-separated list (NULL is empty). */
static size_t word_count(const char *s)
{
    size_t n = 0;
    while (s && *s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        n++;
        s += strcspn(s, " ");
    }
    return n;
}

/* Reply each word of a space-separated list, as status or bulk strings. */
static void reply_words(struct conn *c, const char *s, int status)
{
    char word[64];
    while (s && *s) {
        while (*s == ' ')
            s++;
        size_t len = strcspn(s, " ");
        if (len == 0)
            break;
        snprintf(word, sizeof word, "%.*s", (int)len, s);
        if (status)
            reply_simple(c, word);
        else
            reply_bulk(c, s, len);
        s += len;
    }
}

/* The flags COMMAND shows, in Redis's order. */
static void reply_flags(struct conn *c, const struct command *cmd)
{
    const struct {
        const char *name;
        int on;
    } f[] = {
        {"write", (cmd->flags & CMD_WRITE) != 0},
        {"readonly", (cmd->flags & CMD_READONLY) != 0},
        {"denyoom", (cmd->flags & CMD_DENYOOM) != 0},
        {"admin", (cmd->flags & CMD_ADMIN) != 0},
        {"noscript", (cmd->flags & CMD_NOSCRIPT) != 0},
        {"loading", (cmd->flags & CMD_LOADING) != 0},
        {"stale", (cmd->flags & CMD_STALE) != 0},
        {"skip_monitor", (cmd->flags & CMD_SKIP_MONITOR) != 0},
        {"skip_slowlog", (cmd->flags & CMD_SKIP_SLOWLOG) != 0},
        {"fast", (cmd->flags & CMD_FAST) != 0},
        {"no_auth", (cmd->flags & CMD_NOAUTH) != 0},
        {"no_mandatory_keys", (cmd->flags & CMD_NO_MANDATORY_KEYS) != 0},
        {"no_multi", (cmd->flags & CMD_NO_MULTI) != 0},
        {"movablekeys", cmd->numkeys_at > 0},
        {"allow_busy", (cmd->flags & CMD_ALLOW_BUSY) != 0},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        n += f[i].on;
    reply_set(c, n);
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].on)
            reply_simple(c, f[i].name);
}

static bool has_word(const char *list, const char *word)
{
    size_t len = strlen(word);
    for (const char *p = list ? strstr(list, word) : NULL; p; p = strstr(p + 1, word))
        if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return true;
    return false;
}

/* Which ACL categories cmd is in: from its group (generic is @keyspace,
 * set @set, hash @hash, string @string, connection @connection; a server command that reads or
 * writes keys is @keyspace; a container has none), its flags (@read, @write, @admin with
 * @dangerous, @fast or else @slow) and the extras Redis assigns by hand. */
static size_t acl_categories(const struct command *cmd, const char **out)
{
    const struct command_meta *m = meta_of(cmd->name);
    const char *extra = m ? m->acl : NULL;
    const char *group = cmd->group && !(m && (m->flags & META_CONTAINER)) ? cmd->group : "";
    bool data = (cmd->flags & (CMD_READONLY | CMD_WRITE)) != 0;
    const struct {
        const char *name;
        bool on;
    } cats[] = {
        {"@keyspace", strcmp(group, "generic") == 0 ||
                          (strcmp(group, "server") == 0 && data && !(m && (m->flags & META_NO_KEYSPACE)))},
        {"@read", (cmd->flags & CMD_READONLY) != 0},
        {"@write", (cmd->flags & CMD_WRITE) != 0},
        {"@set", strcmp(group, "set") == 0},
        {"@hash", strcmp(group, "hash") == 0},
        {"@string", strcmp(group, "string") == 0},
        {"@admin", (cmd->flags & CMD_ADMIN) != 0},
        {"@fast", (cmd->flags & CMD_FAST) != 0},
        {"@slow", (cmd->flags & CMD_FAST) == 0},
        {"@dangerous", (cmd->flags & CMD_ADMIN) != 0 || has_word(extra, "@dangerous")},
        {"@connection", strcmp(group, "connection") == 0 || has_word(extra, "@connection")},
        {"@transaction", strcmp(group, "transactions") == 0},
        {"@scripting", strcmp(group, "scripting") == 0},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
        if (cats[i].on)
            out[n++] = cats[i].name;
    return n;
}

/* Whether cmd is in category cat, given without '@', any case. */
static bool in_category(const struct command *cmd, const char *cat)
{
    const char *cats[16];
    size_t n = acl_categories(cmd, cats);
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(cats[i] + 1, cat) == 0)
            return true;
    return false;
}

/* Whether Redis describes cmd with two key specs, its first key and the
 * keys after it: a command listed with the second spec's flags. */
static bool two_key_specs(const struct command *cmd)
{
    const struct command_meta *m = meta_of(cmd->name);
    return m && m->key2_flags && cmd->first_key > 0 &&
           (cmd->last_key < 0 || cmd->last_key > cmd->first_key);
}

/* The flags of key spec `spec` (0, or 1 for the second of two). */
static const char *key_flags(const struct command *cmd, int spec)
{
    const struct command_meta *m = meta_of(cmd->name);
    if (spec == 1 && two_key_specs(cmd))
        return m->key2_flags;
    if (m && m->key_flags)
        return m->key_flags;
    if (cmd->flags & CMD_WRITE)
        return "RW access update";
    return "RO access";
}

/* Key spec `spec` of a command with keys, as Redis describes the commands
 * tidecache has: its first key by index, the rest as a range (lastkey
 * relative to the first, or negative from the end); with two specs, the
 * first covers the first key and the second the keys after it. */
static void reply_key_spec(struct conn *c, const struct command *cmd, int spec)
{
    const struct command_meta *m = meta_of(cmd->name);
    const char *flags = key_flags(cmd, spec);
    bool two = two_key_specs(cmd);
    bool notes = spec == 0 && m && m->notes;
    reply_map(c, 3 + notes);
    if (notes) {
        reply_cstr(c, "notes");
        reply_cstr(c, m->notes);
    }
    reply_cstr(c, "flags");
    reply_set(c, word_count(flags));
    reply_words(c, flags, 1);
    reply_cstr(c, "begin_search");
    reply_map(c, 2);
    reply_cstr(c, "type");
    reply_cstr(c, "index");
    reply_cstr(c, "spec");
    reply_map(c, 1);
    reply_cstr(c, "index");
    reply_int(c, cmd->numkeys_at > 0 ? cmd->numkeys_at : cmd->first_key + spec);
    reply_cstr(c, "find_keys");
    if (cmd->numkeys_at > 0) { /* the count is the argument searched for, keys follow */
        reply_map(c, 2);
        reply_cstr(c, "type");
        reply_cstr(c, "keynum");
        reply_cstr(c, "spec");
        reply_map(c, 3);
        reply_cstr(c, "keynumidx");
        reply_int(c, 0);
        reply_cstr(c, "firstkey");
        reply_int(c, 1);
        reply_cstr(c, "keystep");
        reply_int(c, 1);
        return;
    }
    reply_map(c, 2);
    reply_cstr(c, "type");
    reply_cstr(c, "range");
    reply_cstr(c, "spec");
    reply_map(c, 3);
    reply_cstr(c, "lastkey");
    if (cmd->last_key < 0 && !(two && spec == 0))
        reply_int(c, cmd->last_key);
    else if (two)
        reply_int(c, spec == 0 ? 0 : cmd->last_key - cmd->first_key - 1);
    else
        reply_int(c, cmd->last_key - cmd->first_key);
    reply_cstr(c, "keystep");
    reply_int(c, cmd->key_step);
    reply_cstr(c, "limit");
    reply_int(c, 0);
}

/* Tips: the listed ones, plus nondeterministic_output for CMD_RANDOM. */
static void reply_tips(struct conn *c, const struct command *cmd)
{
    const struct command_meta *m = meta_of(cmd->name);
    const char *tips = m ? m->tips : NULL;
    bool random = (cmd->flags & CMD_RANDOM) && !has_word(tips, "nondeterministic_output");
    reply_set(c, word_count(tips) + random);
    if (random)
        reply_cstr(c, "nondeterministic_output");
    reply_words(c, tips, 0);
}

/* One command as COMMAND INFO describes it: name, arity, flags, first,
 * last and step key, ACL categories, tips, key specs, subcommands. */
static void reply_command_info(struct conn *c, const struct command *cmd)
{
    const char *cats[16];
    size_t ncats = acl_categories(cmd, cats);
    size_t nsubs;
    const struct command *subs = command_subcommands_of(cmd, &nsubs);
    reply_array(c, 10);
    reply_cstr(c, cmd->name);
    reply_int(c, cmd->arity);
    reply_flags(c, cmd);
    reply_int(c, cmd->first_key);
    reply_int(c, cmd->last_key);
    reply_int(c, cmd->key_step);
    reply_set(c, ncats);
    for (size_t i = 0; i < ncats; i++)
        reply_simple(c, cats[i]);
    reply_tips(c, cmd);
    int nspecs = cmd->first_key > 0 ? 1 + two_key_specs(cmd) : cmd->numkeys_at > 0;
    reply_set(c, (size_t)nspecs);
    for (int i = 0; i < nspecs; i++)
        reply_key_spec(c, cmd, i);
    if (!subs) {
        reply_set(c, 0);
        return;
    }
    reply_array(c, nsubs);
    for (size_t i = 0; i < nsubs; i++)
        reply_command_info(c, &subs[i]);
}

static void reply_all_info(struct conn *c)
{
    size_t n = command_count();
    reply_array(c, n);
    for (size_t i = 0; i < n; i++)
        reply_command_info(c, command_at(i));
}

/* COMMAND INFO [command-name ...]: null for an unknown name. */
static void command_info(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc == 2) {
        reply_all_info(c);
        return;
    }
    reply_array(c, argc - 2);
    for (size_t i = 2; i < argc; i++) {
        const struct command *cmd = lookup_full(argv[i].ptr, argv[i].len);
        if (cmd)
            reply_command_info(c, cmd);
        else
            reply_null(c);
    }
}

/* ------------------------------------------------------- COMMAND DOCS */

/* Complexity: the listed text, else O(1) for fast and single-key
 * commands, O(N) in the keys for multi-key ones. */
static const char *complexity(const struct command *cmd)
{
    const struct command_meta *m = meta_of(cmd->name);
    if (m && m->complexity)
        return m->complexity;
    if (!(cmd->flags & CMD_FAST) && cmd->last_key < 0)
        return O_N_KEYS ".";
    return "O(1)";
}

static void reply_command_docs(struct conn *c, const struct command *cmd)
{
    size_t nsubs;
    const struct command *subs = command_subcommands_of(cmd, &nsubs);
    bool args = doc_arg_count(cmd) > 0;
    reply_map(c, 4 + args + (subs != NULL));
    reply_cstr(c, "summary");
    reply_cstr(c, cmd->summary ? cmd->summary : "");
    reply_cstr(c, "since");
    reply_cstr(c, cmd->since ? cmd->since : "");
    reply_cstr(c, "group");
    reply_cstr(c, cmd->group ? cmd->group : "");
    reply_cstr(c, "complexity");
    reply_cstr(c, complexity(cmd));
    if (args) {
        reply_cstr(c, "arguments");
        reply_doc_args(c, cmd);
    }
    if (subs) {
        reply_cstr(c, "subcommands");
        reply_map(c, nsubs);
        for (size_t i = 0; i < nsubs; i++) {
            reply_cstr(c, subs[i].name);
            reply_command_docs(c, &subs[i]);
        }
    }
}

/* COMMAND DOCS [command-name ...]: a map from name to documentation;
 * unknown names are left out. */
static void command_docs(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc == 2) {
        size_t n = command_count();
        reply_map(c, n);
        for (size_t i = 0; i < n; i++) {
            reply_cstr(c, command_at(i)->name);
            reply_command_docs(c, command_at(i));
        }
        return;
    }
    size_t known = 0;
    for (size_t i = 2; i < argc; i++)
        known += lookup_full(argv[i].ptr, argv[i].len) != NULL;
    reply_map(c, known);
    for (size_t i = 2; i < argc; i++) {
        const struct command *cmd = lookup_full(argv[i].ptr, argv[i].len);
        if (!cmd)
            continue;
        reply_cstr(c, cmd->name);
        reply_command_docs(c, cmd);
    }
}

/* ------------------------------------------------------- COMMAND LIST */

enum list_filter { FILTER_NONE, FILTER_MODULE, FILTER_ACLCAT, FILTER_PATTERN };

static bool list_keeps(const struct command *cmd, enum list_filter f, const struct arg *value)
{
    switch (f) {
    case FILTER_NONE: return true;
    case FILTER_MODULE: return false; /* no command comes from a module */
    case FILTER_ACLCAT: return in_category(cmd, value->ptr);
    case FILTER_PATTERN:
        return glob_match(value->ptr, value->len, cmd->name, strlen(cmd->name), 1);
    }
    return false;
}

/* Walk every command and subcommand; reply the names kept when `reply` is
 * set. Returns how many are kept. */
static size_t list_walk(struct conn *c, enum list_filter f, const struct arg *value, bool reply)
{
    size_t kept = 0;
    for (size_t i = 0; i < command_count(); i++) {
        const struct command *cmd = command_at(i);
        size_t nsubs;
        const struct command *subs = command_subcommands_of(cmd, &nsubs);
        for (size_t j = 0; j <= nsubs; j++) {
            const struct command *x = j == 0 ? cmd : &subs[j - 1];
            if (!list_keeps(x, f, value))
                continue;
            kept++;
            if (reply)
                reply_cstr(c, x->name);
        }
    }
    return kept;
}

/* COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>] */
static void command_list(struct conn *c, size_t argc, struct arg *argv)
{
    enum list_filter f = FILTER_NONE;
    struct arg *value = NULL;
    if (argc != 2) {
        if (argc != 5 || !arg_is(&argv[2], "filterby")) {
            reply_syntax_error(c);
            return;
        }
        if (arg_is(&argv[3], "module"))
            f = FILTER_MODULE;
        else if (arg_is(&argv[3], "aclcat"))
            f = FILTER_ACLCAT;
        else if (arg_is(&argv[3], "pattern"))
            f = FILTER_PATTERN;
        else {
            reply_syntax_error(c);
            return;
        }
        value = &argv[4];
    }
    reply_array(c, list_walk(c, f, value, false));
    list_walk(c, f, value, true);
}

/* ---------------------------------------------- COMMAND GETKEYS and co */

/* The command described by argv[2..argc) (a subcommand when its container
 * has one of that name), checked against its arity. Replies Redis's error
 * and returns NULL when it is unknown or miscounted. */
static const struct command *getkeys_target(struct conn *c, size_t argc, struct arg *argv)
{
    const struct command *cmd = command_lookup(argv[2].ptr, argv[2].len);
    size_t n = argc - 2;
    if (cmd && argc > 3) {
        size_t nsubs;
        const struct command *subs = command_subcommands_of(cmd, &nsubs);
        for (size_t i = 0; i < nsubs; i++)
            if (arg_is(&argv[3], sub_name(&subs[i])))
                cmd = &subs[i];
    }
    if (!cmd) {
        reply_error(c, "ERR Invalid command specified");
        return NULL;
    }
    if ((cmd->arity > 0 && n != (size_t)cmd->arity) || (cmd->arity < 0 && n < (size_t)-cmd->arity)) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return NULL;
    }
    if (cmd->first_key <= 0 && cmd->numkeys_at <= 0) {
        reply_error(c, "ERR The command has no key arguments");
        return NULL;
    }
    return cmd;
}

/* Positions (relative to argv + 2, of n arguments) of the keys of a
 * numkeys command: the count's argument, then that many keys; none when
 * the count is no integer, negative or more than there are. */
static size_t numkeys_positions(const struct command *cmd, const struct arg *argv, size_t n,
                                size_t *pos)
{
    size_t at = (size_t)cmd->numkeys_at;
    long long count;
    if (at >= n || !num_parse_ll(argv[at].ptr, argv[at].len, &count) || count < 0 ||
        (unsigned long long)count > n - at - 1)
        return 0;
    for (size_t i = 0; i < (size_t)count; i++)
        pos[i] = at + 1 + i;
    return (size_t)count;
}

/* Positions (relative to argv + 2) of the keys in a call of cmd with n
 * arguments: first_key, then every key_step up to last_key. */
static size_t key_positions(const struct command *cmd, const struct arg *argv, size_t n,
                            size_t *pos)
{
    if (cmd->numkeys_at > 0)
        return numkeys_positions(cmd, argv, n, pos);
    long last = cmd->last_key < 0 ? (long)n + cmd->last_key : cmd->last_key;
    long step = cmd->key_step > 0 ? cmd->key_step : 1;
    size_t k = 0;
    for (long i = cmd->first_key; i <= last && i < (long)n; i += step)
        pos[k++] = (size_t)i;
    return k;
}

/* The flags of one key in an actual call, as GETKEYSANDFLAGS gives them:
 * the spec's flags, except for SET, whose flags depend on its arguments
 * (variable_flags): it reads the old value only with GET. */
static const char *call_key_flags(const struct command *cmd, size_t argc, struct arg *argv,
                                  int spec)
{
    if (strcmp(cmd->name, "set") != 0)
        return key_flags(cmd, spec);
    for (size_t i = 5; i < argc; i++) /* COMMAND GETKEYSANDFLAGS SET key value opts... */
        if (arg_is(&argv[i], "get"))
            return "RW access update";
    return "OW update";
}

static void getkeys(struct conn *c, size_t argc, struct arg *argv, bool with_flags)
{
    const struct command *cmd = getkeys_target(c, argc, argv);
    if (!cmd)
        return;
    size_t *pos = mem_alloc(argc * sizeof *pos);
    size_t k = key_positions(cmd, argv + 2, argc - 2, pos);
    if (k == 0 && !(cmd->flags & CMD_NO_MANDATORY_KEYS)) { /* SINTERCARD 0 ... */
        reply_error(c, "ERR Invalid arguments specified for command");
        mem_free(pos);
        return;
    }
    bool two = two_key_specs(cmd);
    reply_array(c, k);
    for (size_t i = 0; i < k; i++) {
        const struct arg *key = &argv[2 + pos[i]];
        const char *flags =
            call_key_flags(cmd, argc, argv, two && pos[i] > (size_t)cmd->first_key);
        if (with_flags) {
            reply_array(c, 2);
            reply_bulk(c, key->ptr, key->len);
            reply_set(c, word_count(flags));
            reply_words(c, flags, 1);
        } else {
            reply_bulk(c, key->ptr, key->len);
        }
    }
    mem_free(pos);
}

static void command_getkeys(struct conn *c, size_t argc, struct arg *argv)
{
    getkeys(c, argc, argv, false);
}

static void command_getkeysandflags(struct conn *c, size_t argc, struct arg *argv)
{
    getkeys(c, argc, argv, true);
}

static void command_count_cmd(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    reply_int(c, (long long)command_count());
}

static void command_help(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    static const char *const lines[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL,
    };
    command_reply_help(c, "COMMAND", lines);
}

/* clang-format off */
const struct command command_subcommands[] = {
    { .name = "command|count", .arity = 2, .flags = CMD_LOADING | CMD_STALE,
      .proc = command_count_cmd, .group = "server", .since = "2.8.13",
      .summary = "Returns a count of commands.", .args = "" },
    { .name = "command|docs", .arity = -2, .flags = CMD_LOADING | CMD_STALE,
      .proc = command_docs, .group = "server", .since = "7.0.0",
      .summary = "Returns documentary information about one, multiple or all commands.",
      .args = "[command-name [command-name ...]]" },
    { .name = "command|getkeys", .arity = -4, .flags = CMD_LOADING | CMD_STALE,
      .proc = command_getkeys, .group = "server", .since = "2.8.13",
      .summary = "Extracts the key names from an arbitrary command.",
      .args = "command [arg [arg ...]]" },
    { .name = "command|getkeysandflags", .arity = -4, .flags = CMD_LOADING | CMD_STALE,
      .proc = command_getkeysandflags, .group = "server", .since = "7.0.0",
      .summary = "Extracts the key names and access flags for an arbitrary command.",
      .args = "command [arg [arg ...]]" },
    { .name = "command|help", .arity = 2, .flags = CMD_LOADING | CMD_STALE,
      .proc = command_help, .group = "server", .since = "5.0.0",
      .summary = "Returns helpful text about the different subcommands.", .args = "" },
    { .name = "command|info", .arity = -2, .flags = CMD_LOADING | CMD_STALE,
      .proc = command_info, .group = "server", .since = "2.8.13",
      .summary = "Returns information about one, multiple or all commands.",
      .args = "[command-name [command-name ...]]" },
    { .name = "command|list", .arity = -2, .flags = CMD_LOADING | CMD_STALE,
      .proc = command_list, .group = "server", .since = "7.0.0",
      .summary = "Returns a list of command names.",
      .args = "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]" },
};
/* clang-format on */

const size_t command_subcommand_count = sizeof command_subcommands / sizeof command_subcommands[0];

/* COMMAND [subcommand ...]: without a subcommand, every command's info. */
void cmd_command(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc == 1) {
        reply_all_info(c);
        return;
    }
    command_run_subcommand(c, argc, argv, "COMMAND", command_subcommands,
                           command_subcommand_count);
}
