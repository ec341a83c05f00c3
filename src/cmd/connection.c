/* Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET and the
 * CLIENT container. They act on the calling connection's state (protocol,
 * keyspace, authentication, name) and, for CLIENT LIST / KILL, on the other
 * connections through the conn module's lookup and iteration. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "tidecache/buf.h"
#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/mem.h"
#include "tidecache/multi.h"
#include "tidecache/num.h"
#include "tidecache/reply.h"
#include "tidecache/version.h"

#define DEFAULT_USER "default" /* the only user: requirepass is its password */

/* ------------------------------------------------------------------------ */
/* PING, ECHO, QUIT */

/* PING [message] */
void cmd_ping(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc > 2) {
        reply_wrong_arity(c, "ping");
        return;
    }
    if (argc == 2)
        reply_bulk(c, argv[1].ptr, argv[1].len);
    else
        reply_simple(c, "PONG");
}

void cmd_echo(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    reply_bulk(c, argv[1].ptr, argv[1].len);
}

/* QUIT: +OK, then the connection closes; nothing sent after it runs. */
void cmd_quit(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    reply_ok(c);
    c->flags |= CONN_CLOSE_AFTER_REPLY;
}

/* ------------------------------------------------------------------------ */
/* authentication */

static int str_eq_arg(const char *s, const struct arg *a)
{
    return strlen(s) == a->len && memcmp(s, a->ptr, a->len) == 0;
}

/* Compare a password given by a client with the configured one in time that
 * depends only on the length of what the client sent, so response timing
 * tells nothing about how many leading bytes were right. */
static int password_equal(const char *given, size_t glen, const char *secret)
{
    size_t slen = strlen(secret);
    unsigned diff = glen != slen;
    for (size_t i = 0; i < glen; i++)
        diff |= (unsigned char)given[i] ^ (unsigned char)secret[slen ? i % slen : 0];
    return diff == 0;
}

/* Whether user (NULL for the one-argument AUTH form, meaning "default") may
 * log in with pass. The password is read from the live config on every call
 * because requirepass can change at runtime. With no password configured the
 * default user accepts any password, as Redis's "nopass" default user does. */
static int credentials_valid(const struct arg *user, const struct arg *pass)
{
    if (user && !str_eq_arg(DEFAULT_USER, user))
        return 0;
    if (!conn_password_configured())
        return 1;
    return password_equal(pass->ptr, pass->len, command_config()->requirepass);
}

static void reply_wrongpass(struct conn *c)
{
    reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
}

/* AUTH [username] password */
void cmd_auth(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc > 3) {
        reply_syntax_error(c);
        return;
    }
    if (argc == 2 && !conn_password_configured()) {
        reply_error(c, "ERR AUTH <password> called without any password configured for the "
                       "default user. Are you sure your configuration is correct?");
        return;
    }
    const struct arg *user = argc == 3 ? &argv[1] : NULL;
    if (!credentials_valid(user, &argv[argc - 1])) {
        reply_wrongpass(c); /* a failed attempt leaves an authenticated connection as it was */
        return;
    }
    c->authenticated = 1;
    reply_ok(c);
}

/* ------------------------------------------------------------------------ */
/* names and library attributes */

/* Redis's rule for names and CLIENT SETINFO values: printable ASCII without
 * spaces, so that CLIENT LIST stays splittable on spaces and newlines. */
static int attr_valid(const struct arg *a)
{
    for (size_t i = 0; i < a->len; i++)
        if (a->ptr[i] < '!' || a->ptr[i] > '~')
            return 0;
    return 1;
}

/* Replace an owned string field by a copy of a; empty clears it to NULL. */
static void attr_set(char **slot, const struct arg *a)
{
    mem_free(*slot);
    *slot = a->len ? mem_strndup(a->ptr, a->len) : NULL;
}

static void reply_bad_name(struct conn *c)
{
    reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
}

/* ------------------------------------------------------------------------ */
/* HELLO */

/* What HELLO's arguments ask for; pointers into argv. */
struct hello_args {
    long long proto;           /* 0: keep the current protocol */
    const struct arg *user, *pass;
    const struct arg *name;
};

/* Parse "[protover [AUTH username password] [SETNAME clientname]]" in
 * Redis's order: protocol version, then each option, validating SETNAME's
 * name on the way. Replies the error and returns 0 on a bad argument. */
static int hello_parse(struct conn *c, size_t argc, struct arg *argv, struct hello_args *h)
{
    memset(h, 0, sizeof *h);
    if (argc < 2)
        return 1;
    if (!num_parse_ll(argv[1].ptr, argv[1].len, &h->proto)) {
        reply_error(c, "ERR Protocol version is not an integer or out of range");
        return 0;
    }
    if (h->proto < 2 || h->proto > 3) {
        reply_error(c, "NOPROTO unsupported protocol version");
        return 0;
    }
    for (size_t j = 2; j < argc; j++) {
        size_t more = argc - 1 - j;
        if (arg_is(&argv[j], "auth") && more >= 2) {
            h->user = &argv[j + 1];
            h->pass = &argv[j + 2];
            j += 2;
        } else if (arg_is(&argv[j], "setname") && more >= 1) {
            h->name = &argv[j + 1];
            if (!attr_valid(h->name)) {
                reply_bad_name(c);
                return 0;
            }
            j++;
        } else {
            reply_errorf(c, "ERR Syntax error in HELLO option '%s'", argv[j].ptr);
            return 0;
        }
    }
    return 1;
}

/* The handshake map, in the protocol now in force: a RESP3 map or a RESP2
 * flat array of 14 entries, with Redis's keys and order. */
static void hello_reply(struct conn *c)
{
    reply_map(c, 7);
    reply_cstr(c, "server");
    reply_cstr(c, "redis");
    reply_cstr(c, "version");
    reply_cstr(c, TIDECACHE_REDIS_COMPAT_VERSION);
    reply_cstr(c, "proto");
    reply_int(c, c->proto);
    reply_cstr(c, "id");
    reply_int(c, (long long)c->id);
    reply_cstr(c, "mode");
    reply_cstr(c, "standalone");
    reply_cstr(c, "role");
    reply_cstr(c, "master");
    reply_cstr(c, "modules");
    reply_array(c, 0);
}

/* HELLO [protover [AUTH username password] [SETNAME clientname]]: nothing
 * changes unless every step succeeds (a failed AUTH keeps the protocol). */
void cmd_hello(struct conn *c, size_t argc, struct arg *argv)
{
    struct hello_args h;
    if (!hello_parse(c, argc, argv, &h))
        return;
    if (h.user) {
        if (!credentials_valid(h.user, h.pass)) {
            reply_wrongpass(c);
            return;
        }
        c->authenticated = 1;
    }
    if (conn_auth_required(c)) {
        reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO AUTH <user> <pass> option can be used to "
                       "authenticate the client and select the RESP protocol version at the "
                       "same time");
        return;
    }
    if (h.name)
        attr_set(&c->name, h.name);
    if (h.proto)
        c->proto = (int)h.proto;
    hello_reply(c);
}

/* ------------------------------------------------------------------------ */
/* SELECT, RESET */

/* SELECT index: every index names its own keyspace. */
void cmd_select(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    long long index;
    if (!num_parse_ll(argv[1].ptr, argv[1].len, &index)) {
        reply_not_integer(c);
        return;
    }
    if (index < INT32_MIN || index > INT32_MAX) { /* Redis reads the index as a C int */
        reply_errorf(c, "ERR value is out of range, value must between %d and %d", INT32_MIN,
                     INT32_MAX);
        return;
    }
    if (index < 0 || index >= db_count()) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    c->db_index = (int)index;
    c->db = db_get(c->db_index);
    reply_ok(c);
}

/* RESET: the state of a fresh connection (RESP2, keyspace 0, no name,
 * authenticated only if no password is configured, NO-EVICT and NO-TOUCH
 * off). The library attributes stay: they describe the client program. */
void cmd_reset(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    c->proto = 2;
    c->db_index = 0;
    c->db = db_get(0);
    mem_free(c->name);
    c->name = NULL;
    c->authenticated = !conn_password_configured();
    c->flags &= ~(unsigned)(CONN_NO_EVICT | CONN_NO_TOUCH);
    multi_reset(c);
    reply_simple(c, "RESET");
}

/* ------------------------------------------------------------------------ */
/* CLIENT LIST / INFO lines */

/* printf onto the end of a buffer. */
static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Redis's flag letters for the states a connection can be in here. */
static void client_flags(const struct conn *x, char *out)
{
    char *p = out;
    if (x->flags & CONN_CLOSE_AFTER_REPLY)
        *p++ = 'c';
    if (x->flags & CONN_UNIX)
        *p++ = 'U';
    if (x->flags & CONN_NO_EVICT)
        *p++ = 'e';
    if (x->flags & CONN_NO_TOUCH)
        *p++ = 'T';
    if (p == out)
        *p++ = 'N';
    *p = '\0';
}

/* Bytes a connection holds besides its buffers' contents: the struct, the
 * parser's argument arrays, its strings. */
static size_t client_overhead_bytes(const struct conn *x)
{
    size_t n = sizeof *x + x->parser.argv_cap * sizeof(struct arg) +
               x->parser.arg_cap * 2 * sizeof(size_t);
    n += mem_block_size(x->name) + mem_block_size(x->lib_name) + mem_block_size(x->lib_ver);
    return n;
}

/* Context of a CLIENT LIST / INFO: the caller and the size of its current
 * arguments (argv-mem=; other connections hold no arguments between
 * commands). */
struct list_ctx {
    struct buf *out;
    const struct conn *self;
    size_t self_argv_bytes;
};

/* One line of CLIENT LIST, in Redis 7.2's field order. Pub/sub,
 * transactions, tracking and ACL users do not exist here, so their fields
 * carry their idle values. qbuf= counts unparsed input (including the
 * current request for the caller), obl= queued output, omem= the output
 * buffer's allocation while output is queued. */
static void client_line(const struct list_ctx *lc, const struct conn *x)
{
    char flags[8];
    client_flags(x, flags);
    int64_t now = clock_now_ms();
    size_t argv_mem = x == lc->self ? lc->self_argv_bytes : 0;
    size_t obl = buf_used(&x->out);
    size_t omem = obl ? x->out.cap : 0;
    size_t tot = client_overhead_bytes(x) + x->in.cap + x->out.cap + argv_mem;
    buf_printf(lc->out,
               "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d "
               "sub=0 psub=0 ssub=0 multi=-1 qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=0 "
               "rbs=%zu rbp=%zu obl=%zu oll=0 omem=%zu tot-mem=%zu events=%s%s cmd=%s%s%s "
               "user=default redir=-1 resp=%d lib-name=%s lib-ver=%s\n",
               (unsigned long long)x->id, x->addr, x->laddr, x->fd, x->name ? x->name : "",
               (long long)((now - x->created_ms) / 1000),
               (long long)((now - x->last_active_ms) / 1000), flags, x->db_index,
               buf_used(&x->in), x->in.cap - x->in.len, argv_mem, x->out.cap, x->out.len, obl,
               omem, tot, (x->flags & CONN_READ_PAUSED) ? "" : "r",
               (x->flags & CONN_WRITE_WANTED) ? "w" : "", x->cmd_name ? x->cmd_name : "NULL",
               x->cmd_sub ? "|" : "", x->cmd_sub ? x->cmd_sub : "", x->proto,
               x->lib_name ? x->lib_name : "", x->lib_ver ? x->lib_ver : "");
}

static int list_visit(struct conn *x, void *arg)
{
    client_line(arg, x);
    return 0;
}

static size_t argv_bytes(size_t argc, const struct arg *argv)
{
    size_t n = 0;
    for (size_t i = 0; i < argc; i++)
        n += argv[i].len;
    return n;
}

/* Send the lines collected in b: a verbatim string in RESP3, a bulk in RESP2. */
static void reply_lines(struct conn *c, struct buf *b)
{
    reply_verbatim(c, b->data ? b->data + b->start : "", buf_used(b));
    buf_free(b);
}

/* ------------------------------------------------------------------------ */
/* CLIENT subcommands */

/* Connection types of CLIENT LIST/KILL TYPE. Every connection here is
 * "normal"; the others are valid names that match nothing. Returns 1 for
 * normal, 0 for another known type, -1 for an unknown name. */
static int client_type_is_normal(const struct arg *a)
{
    if (arg_is(a, "normal"))
        return 1;
    if (arg_is(a, "master") || arg_is(a, "replica") || arg_is(a, "slave") || arg_is(a, "pubsub"))
        return 0;
    return -1;
}

static void reply_unknown_type(struct conn *c, const struct arg *a)
{
    reply_errorf(c, "ERR Unknown client type '%s'", a->ptr);
}

static void client_id(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    reply_int(c, (long long)c->id);
}

static void client_setname(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    if (!attr_valid(&argv[2])) {
        reply_bad_name(c);
        return;
    }
    attr_set(&c->name, &argv[2]);
    reply_ok(c);
}

static void client_getname(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    if (c->name)
        reply_cstr(c, c->name);
    else
        reply_null(c);
}

/* CLIENT SETINFO LIB-NAME|LIB-VER value, with Redis 7.2's texts. */
static void client_setinfo(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    char **slot;
    if (arg_is(&argv[2], "lib-name"))
        slot = &c->lib_name;
    else if (arg_is(&argv[2], "lib-ver"))
        slot = &c->lib_ver;
    else {
        reply_errorf(c, "ERR Unrecognized option '%s'", argv[2].ptr);
        return;
    }
    if (!attr_valid(&argv[3])) {
        reply_errorf(c, "ERR %s cannot contain spaces, newlines or special characters.",
                     argv[2].ptr);
        return;
    }
    attr_set(slot, &argv[3]);
    reply_ok(c);
}

/* CLIENT LIST [TYPE type] | [ID id [id ...]]: TYPE and ID exclusive, as in
 * Redis 7.0; IDs are listed in the order given. */
static void client_list(struct conn *c, size_t argc, struct arg *argv)
{
    struct buf b;
    buf_init(&b);
    struct list_ctx lc = {&b, c, argv_bytes(argc, argv)};
    if (argc == 2) {
        conn_foreach(list_visit, &lc);
    } else if (argc == 4 && arg_is(&argv[2], "type")) {
        int normal = client_type_is_normal(&argv[3]);
        if (normal < 0) {
            buf_free(&b);
            reply_unknown_type(c, &argv[3]);
            return;
        }
        if (normal)
            conn_foreach(list_visit, &lc);
    } else if (argc > 3 && arg_is(&argv[2], "id")) {
        for (size_t j = 3; j < argc; j++) {
            long long id;
            if (!num_parse_ll(argv[j].ptr, argv[j].len, &id)) {
                buf_free(&b);
                reply_error(c, "ERR Invalid client ID");
                return;
            }
        }
        for (size_t j = 3; j < argc; j++) {
            long long id;
            num_parse_ll(argv[j].ptr, argv[j].len, &id);
            struct conn *x = id > 0 ? conn_find_by_id((uint64_t)id) : NULL;
            if (x)
                client_line(&lc, x);
        }
    } else {
        buf_free(&b);
        reply_syntax_error(c);
        return;
    }
    reply_lines(c, &b);
}

static void client_info(struct conn *c, size_t argc, struct arg *argv)
{
    struct buf b;
    buf_init(&b);
    struct list_ctx lc = {&b, c, argv_bytes(argc, argv)};
    client_line(&lc, c);
    reply_lines(c, &b);
}

/* Filters of CLIENT KILL; unset ones match everything. */
struct kill_filter {
    struct conn *self;
    const struct arg *addr, *laddr;
    uint64_t id;         /* 0: any */
    int type_matches;    /* 0 when TYPE named a type no connection has */
    int skipme;
    long long killed;
};

static int kill_visit(struct conn *x, void *arg)
{
    struct kill_filter *f = arg;
    if (!f->type_matches || (f->id && x->id != f->id) ||
        (f->addr && !str_eq_arg(x->addr, f->addr)) ||
        (f->laddr && !str_eq_arg(x->laddr, f->laddr)) || (f->skipme && x == f->self))
        return 0;
    conn_kill(x, f->self); /* x must not be touched after this */
    f->killed++;
    return 0;
}

/* One "option value" pair of the new CLIENT KILL form into f. Replies the
 * error and returns 0 when it is invalid. */
static int kill_parse_pair(struct conn *c, const struct arg *opt, const struct arg *val,
                           struct kill_filter *f)
{
    long long id;
    if (arg_is(opt, "id")) {
        if (!num_parse_ll(val->ptr, val->len, &id) || id < 1) {
            reply_error(c, "ERR client-id should be greater than 0");
            return 0;
        }
        f->id = (uint64_t)id;
    } else if (arg_is(opt, "type")) {
        int normal = client_type_is_normal(val);
        if (normal < 0) {
            reply_unknown_type(c, val);
            return 0;
        }
        f->type_matches = f->type_matches && normal;
    } else if (arg_is(opt, "addr")) {
        f->addr = val;
    } else if (arg_is(opt, "laddr")) {
        f->laddr = val;
    } else if (arg_is(opt, "user")) {
        if (!str_eq_arg(DEFAULT_USER, val)) {
            reply_errorf(c, "ERR No such user '%s'", val->ptr);
            return 0;
        }
    } else if (arg_is(opt, "skipme") && (arg_is(val, "yes") || arg_is(val, "no"))) {
        f->skipme = arg_is(val, "yes");
    } else {
        reply_syntax_error(c);
        return 0;
    }
    return 1;
}

/* CLIENT KILL ip:port (old form: +OK or "No such client", may kill the
 * caller) | CLIENT KILL <option value> ... (integer count; SKIPME defaults
 * to yes). A killed caller closes after this reply. */
static void client_kill(struct conn *c, size_t argc, struct arg *argv)
{
    struct kill_filter f = {.self = c, .type_matches = 1, .skipme = 1};
    int old_form = argc == 3;
    if (old_form) {
        f.addr = &argv[2];
        f.skipme = 0;
    } else {
        for (size_t i = 2; i < argc; i += 2) {
            if (i + 1 >= argc) {
                reply_syntax_error(c);
                return;
            }
            if (!kill_parse_pair(c, &argv[i], &argv[i + 1], &f))
                return;
        }
    }
    conn_foreach(kill_visit, &f);
    if (!old_form)
        reply_int(c, f.killed);
    else if (f.killed)
        reply_ok(c);
    else
        reply_error(c, "ERR No such client");
}

/* CLIENT NO-EVICT|NO-TOUCH on|off: the flag is remembered (CLIENT LIST
 * shows it; RESET clears it). */
static void client_onoff(struct conn *c, struct arg *value, unsigned flag)
{
    if (arg_is(value, "on"))
        c->flags |= flag;
    else if (arg_is(value, "off"))
        c->flags &= ~flag;
    else {
        reply_syntax_error(c);
        return;
    }
    reply_ok(c);
}

static void client_no_evict(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    client_onoff(c, &argv[2], CONN_NO_EVICT);
}

static void client_no_touch(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    client_onoff(c, &argv[2], CONN_NO_TOUCH);
}

/* The lines between the header and HELP's own lines. */
static const char *const client_help_lines[] = {
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id>",
    "      Kill connections by client id.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "    * ID <client-id> [<client-id> ...]",
    "      Return clients of specified IDs only.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <option> <value>",
    "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.",
    "    * LIB-VER: the client lib version.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
    NULL,
};

static void client_help(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    command_reply_help(c, "CLIENT", client_help_lines);
}

/* CLIENT's subcommands, full descriptors for COMMAND (arity counted from
 * CLIENT itself, flags as Redis gives them). */
/* clang-format off */
const struct command client_subcommands[] = {
    { .name = "client|id", .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = client_id, .group = "connection", .since = "5.0.0",
      .summary = "Returns the unique client ID of the connection.", .args = "" },
    { .name = "client|setname", .arity = 3, .flags = CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = client_setname, .group = "connection", .since = "2.6.9",
      .summary = "Sets the connection name.", .args = "connection-name" },
    { .name = "client|getname", .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = client_getname, .group = "connection", .since = "2.6.9",
      .summary = "Returns the name of the connection.", .args = "" },
    { .name = "client|setinfo", .arity = 4, .flags = CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = client_setinfo, .group = "connection", .since = "7.2.0",
      .summary = "Sets information specific to the client or connection.",
      .args = "<LIB-NAME libname | LIB-VER libver>" },
    { .name = "client|list", .arity = -2, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_RANDOM,
      .proc = client_list, .group = "connection", .since = "2.4.0",
      .summary = "Lists open connections.",
      .args = "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]" },
    { .name = "client|info", .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_NOSCRIPT | CMD_RANDOM,
      .proc = client_info, .group = "connection", .since = "6.2.0",
      .summary = "Returns information about the connection.", .args = "" },
    { .name = "client|kill", .arity = -3, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = client_kill, .group = "connection", .since = "2.4.0",
      .summary = "Terminates open connections.",
      .args = "<ip:port | [ID client-id] [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME <YES | NO>]>" },
    { .name = "client|no-evict", .arity = 3, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = client_no_evict, .group = "connection", .since = "7.0.0",
      .summary = "Sets the client eviction mode of the connection.", .args = "<ON | OFF>" },
    { .name = "client|no-touch", .arity = 3, .flags = CMD_LOADING | CMD_STALE | CMD_NOSCRIPT,
      .proc = client_no_touch, .group = "connection", .since = "7.2.0",
      .summary = "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
      .args = "<ON | OFF>" },
    { .name = "client|help", .arity = 2, .flags = CMD_LOADING | CMD_STALE,
      .proc = client_help, .group = "connection", .since = "5.0.0",
      .summary = "Returns helpful text about the different subcommands.", .args = "" },
};
/* clang-format on */
const size_t client_subcommand_count = sizeof client_subcommands / sizeof client_subcommands[0];

/* CLIENT <subcommand> ...: dispatch through the shared container code, which
 * answers Redis's texts for an unknown subcommand and a wrong argument count
 * ('client|setname'). */
void cmd_client(struct conn *c, size_t argc, struct arg *argv)
{
    command_run_subcommand(c, argc, argv, "CLIENT", client_subcommands, client_subcommand_count);
}
