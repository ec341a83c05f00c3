/* config: the option table and the redis.conf-style reader; see
 * include/tidecache/config.h.
 *
 * Everything here is driven by one descriptor table built from
 * CONFIG_OPTIONS: a file line, a command-line directive, CONFIG SET and the
 * defaults all end in conf_apply(), so an option is validated the same way
 * wherever its value comes from. Loads work on a copy of the config and
 * swap it in only when every line was good. */
#include "tidecache/config.h"

#include "tidecache/mem.h"
#include "tidecache/status.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* One option, as CONFIG_OPTIONS describes it. */
struct conf_desc {
    const char *name;
    enum conf_type type;
    size_t offset; /* of the field in struct config */
    const char *def;
    long long min, max;
    unsigned flags;
    const char *const *enums; /* NULL-terminated, CONF_ENUM only */
    const char *help;
};

#define CONF_DESC(field, name, type, def, min, max, flags, enums, help) \
    {name, type, offsetof(struct config, field), def, min, max, flags, enums, help},

/* In CONFIG_OPTIONS order, which is the order of the docs. There are few
 * enough options that a case-insensitive linear search is the lookup. */
static const struct conf_desc conf_table[] = {CONFIG_OPTIONS(CONF_DESC)};

#define CONF_COUNT (sizeof conf_table / sizeof conf_table[0])

enum {
    CONF_ADDRS_MAX = 16,   /* addresses on one bind line, as Redis allows */
    CONF_MSG_MAX = 1024,   /* bytes of one error message without file:line */
    CONF_SHOW_MAX = 64,    /* bytes of an argument quoted in a message */
    CONF_WRAP_COLS = 78,   /* width of wrapped help text, in columns */
    CONF_TEXT_MAX = 2048,  /* bytes of one option's assembled help text */
    CONF_OCTAL_DIGITS = 8, /* more octal digits than this is out of range */
};

#define CONF_FILE_MAX_BYTES (16L * 1024 * 1024) /* larger files are refused */

/* How a directive's arguments combine with what is already set: a file or
 * command-line line adds one ttl-rule; CONFIG SET and the defaults replace
 * the whole list with PREFIX SECONDS pairs. Every other option takes the
 * same values in both modes; only the wording of a refusal differs: a line
 * of a file says what was wrong with which value, CONFIG SET answers with
 * Redis's reasons ("argument must be between 1 and 500 inclusive"), which
 * clients and tools match on. */
enum conf_mode { CONF_MODE_LINE, CONF_MODE_SET };

/* Arguments of one directive. len[i] is the length of argv[i], which is
 * also NUL-terminated; only a ttl-rule prefix may hold NUL bytes. */
struct conf_args {
    int argc;
    char **argv;
    size_t *len;
};

/* Results of the number parsers. */
enum conf_num { CONF_NUM_OK, CONF_NUM_BAD, CONF_NUM_RANGE };

/* ---------------------------------------------------------------- helpers */

static void *conf_field(struct config *c, const struct conf_desc *d)
{
    return (char *)c + d->offset;
}

static const void *conf_cfield(const struct config *c, const struct conf_desc *d)
{
    return (const char *)c + d->offset;
}

#define CONF_ALIAS(alias, option) {alias, option},
static const struct {
    const char *alias;
    const char *option;
} conf_aliases[] = {CONFIG_ALIASES(CONF_ALIAS)};

#define CONF_ALIAS_COUNT (sizeof conf_aliases / sizeof conf_aliases[0])

static const struct conf_desc *conf_find_exact(const char *name, size_t len)
{
    for (size_t i = 0; i < CONF_COUNT; i++) {
        const struct conf_desc *d = &conf_table[i];
        if (strlen(d->name) == len && strncasecmp(d->name, name, len) == 0)
            return d;
    }
    return NULL;
}

/* The descriptor named name[0..len) (case-insensitive), or the one an
 * alias of that name stands for, or NULL. */
static const struct conf_desc *conf_find(const char *name, size_t len)
{
    const struct conf_desc *d = conf_find_exact(name, len);
    for (size_t i = 0; !d && i < CONF_ALIAS_COUNT; i++)
        if (strlen(conf_aliases[i].alias) == len &&
            strncasecmp(conf_aliases[i].alias, name, len) == 0)
            d = conf_find_exact(conf_aliases[i].option, strlen(conf_aliases[i].option));
    return d;
}

static bool conf_is_space(char ch)
{
    return isspace((unsigned char)ch) != 0;
}

static bool conf_is_hex(char ch)
{
    return isxdigit((unsigned char)ch) != 0;
}

static int conf_hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    return tolower((unsigned char)ch) - 'a' + 10;
}

/* Write a printf-style message to msg; always returns TC_ERR so that a
 * failing check can `return conf_fail(...)`. */
__attribute__((format(printf, 3, 4))) static int conf_fail(char *msg, size_t msglen,
                                                           const char *fmt, ...)
{
    va_list ap;
    if (!msg || msglen == 0)
        return TC_ERR;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return TC_ERR;
}

/* A printable rendering of s[0..len) for messages: unprintable bytes as
 * \xHH, cut after CONF_SHOW_MAX bytes with "...", so that a message about a
 * hostile line stays one short line. dst must hold CONF_SHOW_MAX * 4 + 4. */
static const char *conf_show(char *dst, const char *s, size_t len)
{
    size_t o = 0;
    size_t n = len > CONF_SHOW_MAX ? CONF_SHOW_MAX : len;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch >= 0x7f) {
            snprintf(dst + o, 5, "\\x%02x", ch);
            o += 4;
        } else {
            dst[o++] = (char)ch;
        }
    }
    if (n < len) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

#define CONF_SHOW_BUF (CONF_SHOW_MAX * 4 + 4)

/* ------------------------------------------------------ text accumulation */

/* A string built piece by piece into a caller's buffer: len counts every
 * byte offered, as snprintf does, while at most cap - 1 are stored. */
struct conf_out {
    char *buf;
    size_t cap;
    size_t len;
};

static void conf_out_add(struct conf_out *o, const char *s, size_t n)
{
    if (o->len + 1 < o->cap) {
        size_t room = o->cap - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
    if (o->cap > 0)
        o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
}

static void conf_out_str(struct conf_out *o, const char *s)
{
    conf_out_add(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void conf_out_fmt(struct conf_out *o,
                                                               const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        conf_out_add(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Whether s[0..len) must be double-quoted to read back as one argument. */
static bool conf_needs_quotes(const char *s, size_t len)
{
    if (len == 0)
        return true;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\'' || ch == '\\')
            return true;
    }
    return false;
}

/* Append s[0..len) so that the line splitter reads it back as exactly this
 * one argument: bare when that is safe, else double-quoted with escapes. */
static void conf_out_arg(struct conf_out *o, const char *s, size_t len)
{
    if (!conf_needs_quotes(s, len)) {
        conf_out_add(o, s, len);
        return;
    }
    conf_out_add(o, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': conf_out_add(o, "\\\"", 2); break;
        case '\\': conf_out_add(o, "\\\\", 2); break;
        case '\n': conf_out_add(o, "\\n", 2); break;
        case '\r': conf_out_add(o, "\\r", 2); break;
        case '\t': conf_out_add(o, "\\t", 2); break;
        default:
            if (ch < 0x20 || ch >= 0x7f)
                conf_out_fmt(o, "\\x%02x", ch);
            else
                conf_out_add(o, (const char *)&ch, 1);
        }
    }
    conf_out_add(o, "\"", 1);
}

/* ------------------------------------------------------------- splitting */

/* Release what conf_split allocated: the store, which always starts at
 * argv[0], and the two arrays. */
static void conf_args_free(struct conf_args *a)
{
    if (a->argv)
        mem_free(a->argv[0]);
    mem_free(a->argv);
    mem_free(a->len);
    a->argv = NULL;
    a->len = NULL;
    a->argc = 0;
}

/* Arguments given as C strings (command line, CONFIG SET): a borrows argv
 * and only owns the array of lengths, which the caller frees. */
static void conf_args_view(struct conf_args *a, int argc, char **argv)
{
    a->argc = argc > 0 ? argc : 0;
    a->argv = argv;
    a->len = mem_alloc((size_t)a->argc * sizeof *a->len + 1);
    for (int i = 0; i < a->argc; i++)
        a->len[i] = strlen(argv[i]);
}

/* Decode one double-quoted argument body starting after the opening quote
 * at p[*i]. Escapes: \n \r \t \b \a \xHH, and \ before any other byte
 * stands for that byte. The closing quote must be followed by a space or
 * the end. Returns TC_OK with *i past the quote, or TC_ERR. */
static int conf_split_dquote(const char *p, size_t len, size_t *i, char **out)
{
    for (size_t k = *i; k < len; k++) {
        char ch = p[k];
        if (ch == '\\' && k + 3 < len && p[k + 1] == 'x' && conf_is_hex(p[k + 2]) &&
            conf_is_hex(p[k + 3])) {
            *(*out)++ = (char)(conf_hex_value(p[k + 2]) * 16 + conf_hex_value(p[k + 3]));
            k += 3;
        } else if (ch == '\\' && k + 1 < len) {
            char e = p[++k];
            switch (e) {
            case 'n': e = '\n'; break;
            case 'r': e = '\r'; break;
            case 't': e = '\t'; break;
            case 'b': e = '\b'; break;
            case 'a': e = '\a'; break;
            default: break;
            }
            *(*out)++ = e;
        } else if (ch == '"') {
            if (k + 1 < len && !conf_is_space(p[k + 1]))
                return TC_ERR;
            *i = k + 1;
            return TC_OK;
        } else {
            *(*out)++ = ch;
        }
    }
    return TC_ERR;
}

/* Single-quoted: every byte literal except \' for a quote. Same closing
 * rule as double quotes. */
static int conf_split_squote(const char *p, size_t len, size_t *i, char **out)
{
    for (size_t k = *i; k < len; k++) {
        char ch = p[k];
        if (ch == '\\' && k + 1 < len && p[k + 1] == '\'') {
            *(*out)++ = '\'';
            k++;
        } else if (ch == '\'') {
            if (k + 1 < len && !conf_is_space(p[k + 1]))
                return TC_ERR;
            *i = k + 1;
            return TC_OK;
        } else {
            *(*out)++ = ch;
        }
    }
    return TC_ERR;
}

/* Split p[0..len) into arguments as redis.conf lines are split: spaces
 * separate, quotes (which may open anywhere in an argument) group, and a
 * quoted part ends its argument. Returns TC_OK, or TC_ERR for unbalanced
 * quotes (a is then empty).
 *
 * Every argument takes at least one input byte and a separator, so there
 * are at most (len + 1) / 2 of them, and decoding never makes one longer:
 * the store for all of them fits in len + 1 bytes. */
static int conf_split(const char *p, size_t len, struct conf_args *a)
{
    size_t cap = len / 2 + 1;
    char *out = mem_alloc(len + 1);
    a->argv = mem_alloc(cap * sizeof *a->argv);
    a->len = mem_alloc(cap * sizeof *a->len);
    a->argc = 0;
    a->argv[0] = out; /* so that conf_args_free finds the store */

    size_t i = 0;
    for (;;) {
        while (i < len && conf_is_space(p[i]))
            i++;
        if (i >= len)
            return TC_OK;
        char *start = out;
        bool done = false;
        while (!done && i < len) {
            char ch = p[i++];
            int rc = TC_OK;
            if (ch == '"')
                rc = conf_split_dquote(p, len, &i, &out), done = true;
            else if (ch == '\'')
                rc = conf_split_squote(p, len, &i, &out), done = true;
            else if (conf_is_space(ch))
                done = true;
            else
                *out++ = ch;
            if (rc != TC_OK) {
                conf_args_free(a);
                return TC_ERR;
            }
        }
        *out++ = '\0';
        a->argv[a->argc] = start;
        a->len[a->argc] = (size_t)(out - 1 - start);
        a->argc++;
    }
}

/* ------------------------------------------------------------ the values */

static void conf_addrs_free(struct config_addrs *a)
{
    for (size_t i = 0; i < a->count; i++)
        mem_free(a->addr[i]);
    mem_free(a->addr);
    a->addr = NULL;
    a->count = 0;
}

static void conf_rules_free(struct config_ttl_rules *r)
{
    for (size_t i = 0; i < r->count; i++)
        mem_free(r->rule[i].prefix);
    mem_free(r->rule);
    r->rule = NULL;
    r->count = 0;
}

/* Add a rule, or change the seconds of the rule with the same prefix: the
 * later of two lines for one prefix wins. */
static void conf_rules_put(struct config_ttl_rules *r, const char *prefix, size_t plen,
                           long long seconds)
{
    for (size_t i = 0; i < r->count; i++) {
        if (r->rule[i].prefix_len == plen && memcmp(r->rule[i].prefix, prefix, plen) == 0) {
            r->rule[i].seconds = seconds;
            return;
        }
    }
    r->rule = mem_realloc(r->rule, (r->count + 1) * sizeof *r->rule);
    r->rule[r->count].prefix = mem_strndup(prefix, plen);
    r->rule[r->count].prefix_len = plen;
    r->rule[r->count].seconds = seconds;
    r->count++;
}

/* Free whatever option d owns in c and leave it empty. */
static void conf_value_free(struct config *c, const struct conf_desc *d)
{
    if (d->type == CONF_STRING) {
        char **s = conf_field(c, d);
        mem_free(*s);
        *s = NULL;
    } else if (d->type == CONF_ADDRS) {
        conf_addrs_free(conf_field(c, d));
    } else if (d->type == CONF_TTLRULES) {
        conf_rules_free(conf_field(c, d));
    }
}

/* Deep copy of option d from src to dst; dst's field is overwritten. */
static void conf_value_copy(struct config *dst, const struct config *src,
                            const struct conf_desc *d)
{
    if (d->type == CONF_STRING) {
        char *const *from = conf_cfield(src, d);
        char **to = conf_field(dst, d);
        *to = *from ? mem_strdup(*from) : NULL;
    } else if (d->type == CONF_ADDRS) {
        const struct config_addrs *from = conf_cfield(src, d);
        struct config_addrs *to = conf_field(dst, d);
        to->count = from->count;
        to->addr = from->count ? mem_alloc(from->count * sizeof *to->addr) : NULL;
        for (size_t i = 0; i < from->count; i++)
            to->addr[i] = mem_strdup(from->addr[i]);
    } else if (d->type == CONF_TTLRULES) {
        const struct config_ttl_rules *from = conf_cfield(src, d);
        struct config_ttl_rules *to = conf_field(dst, d);
        to->count = from->count;
        to->rule = from->count ? mem_alloc(from->count * sizeof *to->rule) : NULL;
        for (size_t i = 0; i < from->count; i++) {
            to->rule[i] = from->rule[i];
            to->rule[i].prefix = mem_strndup(from->rule[i].prefix, from->rule[i].prefix_len);
        }
    }
}

/* ---------------------------------------------------------- number parsing */

/* Decimal integer with an optional '-', nothing else around it. */
static enum conf_num conf_parse_ll(const char *s, size_t len, long long *out)
{
    size_t i = 0;
    bool neg = len > 0 && s[0] == '-';
    unsigned long long v = 0;
    unsigned long long limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
    bool over = false;
    if (neg)
        i++;
    if (i == len)
        return CONF_NUM_BAD;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return CONF_NUM_BAD;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (limit - digit) / 10)
            over = true;
        else
            v = v * 10 + digit;
    }
    if (over)
        return CONF_NUM_RANGE;
    if (neg)
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    else
        *out = (long long)v;
    return CONF_NUM_OK;
}

/* Bytes per unit suffix, Redis's convention: k is 1000, kb is 1024. */
static const struct {
    const char *suffix;
    long long bytes;
} conf_units[] = {
    {"b", 1},          {"k", 1000},       {"kb", KB},
    {"m", 1000000},    {"mb", MB},        {"g", 1000000000LL},
    {"gb", GB},
};

/* Non-negative integer with an optional unit (case-insensitive). */
static enum conf_num conf_parse_size(const char *s, size_t len, long long *out)
{
    size_t digits = 0;
    while (digits < len && s[digits] >= '0' && s[digits] <= '9')
        digits++;
    if (digits == 0)
        return CONF_NUM_BAD;
    long long mult = 0;
    if (digits == len) {
        mult = 1;
    } else {
        for (size_t u = 0; u < sizeof conf_units / sizeof conf_units[0]; u++) {
            if (strlen(conf_units[u].suffix) == len - digits &&
                strncasecmp(conf_units[u].suffix, s + digits, len - digits) == 0)
                mult = conf_units[u].bytes;
        }
        if (mult == 0)
            return CONF_NUM_BAD;
    }
    long long n;
    if (conf_parse_ll(s, digits, &n) != CONF_NUM_OK || __builtin_mul_overflow(n, mult, out))
        return CONF_NUM_RANGE;
    return CONF_NUM_OK;
}

/* Octal digits only, such as 700 or 0770. */
static enum conf_num conf_parse_octal(const char *s, size_t len, long long *out)
{
    long long v = 0;
    size_t i = 0;
    if (len == 0)
        return CONF_NUM_BAD;
    while (i + 1 < len && s[i] == '0')
        i++;
    for (size_t k = i; k < len; k++)
        if (s[k] < '0' || s[k] > '7')
            return CONF_NUM_BAD;
    if (len - i > CONF_OCTAL_DIGITS)
        return CONF_NUM_RANGE;
    for (; i < len; i++)
        v = v * 8 + (s[i] - '0');
    *out = v;
    return CONF_NUM_OK;
}

/* A size for people: the largest binary unit that divides it, as in 512mb. */
static void conf_out_size(struct conf_out *o, long long v)
{
    if (v != 0 && v % GB == 0)
        conf_out_fmt(o, "%lldgb", v / GB);
    else if (v != 0 && v % MB == 0)
        conf_out_fmt(o, "%lldmb", v / MB);
    else if (v != 0 && v % KB == 0)
        conf_out_fmt(o, "%lldkb", v / KB);
    else
        conf_out_fmt(o, "%lld", v);
}

/* "min to max" as d's type writes numbers. */
static void conf_out_range(struct conf_out *o, const struct conf_desc *d)
{
    if (d->type == CONF_SIZE) {
        conf_out_size(o, d->min);
        conf_out_str(o, " to ");
        conf_out_size(o, d->max);
    } else if (d->type == CONF_OCTAL) {
        conf_out_fmt(o, "%llo to %llo", (unsigned long long)d->min,
                     (unsigned long long)d->max);
    } else {
        conf_out_fmt(o, "%lld to %lld", d->min, d->max);
    }
}

/* ------------------------------------------------------ applying a value */

/* Check a parsed number against d's bounds and the parser's verdict;
 * `what` names the expected form ("an integer"...). A CONF_CLAMP option
 * takes 0..CONF_CLAMP_ACCEPT_MAX and brings *v into its range. In
 * CONF_MODE_SET (CONFIG SET) the reason is worded as Redis words it. */
static int conf_check_num(const struct conf_desc *d, enum conf_num rc, long long *v,
                          const char *arg, size_t len, const char *what, enum conf_mode mode,
                          char *msg, size_t msglen)
{
    char shown[CONF_SHOW_BUF];
    char range[128];
    struct conf_out o = {range, sizeof range, 0};
    int redis = mode == CONF_MODE_SET;
    long long lo = (d->flags & CONF_CLAMP) ? 0 : d->min;
    long long hi = (d->flags & CONF_CLAMP) ? CONF_CLAMP_ACCEPT_MAX : d->max;
    if (rc == CONF_NUM_BAD && redis)
        return conf_fail(msg, msglen, "%s: %s", d->name,
                         d->type == CONF_SIZE ? "argument must be a memory value"
                                              : "argument couldn't be parsed into an integer");
    if (rc == CONF_NUM_BAD)
        return conf_fail(msg, msglen, "%s: '%s' is not %s", d->name, conf_show(shown, arg, len),
                         what);
    if ((d->flags & CONF_CLAMP) && rc == CONF_NUM_OK && *v >= lo && *v <= hi) {
        *v = *v < d->min ? d->min : *v > d->max ? d->max : *v;
        return TC_OK;
    }
    if (rc == CONF_NUM_RANGE || *v < d->min || *v > d->max) {
        if (redis && d->type == CONF_SIZE && (rc == CONF_NUM_RANGE || *v < 0))
            return conf_fail(msg, msglen, "%s: argument must be a memory value", d->name);
        if (redis)
            return conf_fail(msg, msglen, "%s: argument must be between %lld and %lld inclusive",
                             d->name, lo, hi);
        if (d->flags & CONF_CLAMP)
            conf_out_fmt(&o, "%lld to %lld", lo, hi);
        else
            conf_out_range(&o, d);
        return conf_fail(msg, msglen, "%s: '%s' is out of range (%s)", d->name,
                         conf_show(shown, arg, len), range);
    }
    return TC_OK;
}

/* CONF_INT, CONF_SIZE and CONF_OCTAL: parse, check the bounds, store. */
static int conf_set_number(struct config *c, const struct conf_desc *d, const char *arg,
                           size_t len, enum conf_mode mode, char *msg, size_t msglen)
{
    long long v = 0;
    enum conf_num rc;
    const char *what;
    if (d->type == CONF_SIZE) {
        rc = conf_parse_size(arg, len, &v);
        what = "a size (bytes, or a number with a unit: b, k, kb, m, mb, g, gb)";
    } else if (d->type == CONF_OCTAL) {
        rc = conf_parse_octal(arg, len, &v);
        what = "an octal number";
    } else {
        rc = conf_parse_ll(arg, len, &v);
        what = "an integer";
    }
    if (conf_check_num(d, rc, &v, arg, len, what, mode, msg, msglen) != TC_OK)
        return TC_ERR;
    if (d->type == CONF_OCTAL)
        *(int *)conf_field(c, d) = (int)v;
    else
        *(long long *)conf_field(c, d) = v;
    return TC_OK;
}

/* CONF_BOOL: yes or no, in any case, as Redis takes them. */
static int conf_set_bool(struct config *c, const struct conf_desc *d, const char *arg,
                         size_t len, enum conf_mode mode, char *msg, size_t msglen)
{
    char shown[CONF_SHOW_BUF];
    int *v = conf_field(c, d);
    if (len == 3 && strncasecmp(arg, "yes", 3) == 0)
        *v = 1;
    else if (len == 2 && strncasecmp(arg, "no", 2) == 0)
        *v = 0;
    else if (mode == CONF_MODE_SET)
        return conf_fail(msg, msglen, "%s: argument must be 'yes' or 'no'", d->name);
    else
        return conf_fail(msg, msglen, "%s: '%s' is not yes or no", d->name,
                         conf_show(shown, arg, len));
    return TC_OK;
}

/* CONF_ENUM: one of the names (any case), stored as its index; the
 * message lists every name so the fix is in the error. */
static int conf_set_enum(struct config *c, const struct conf_desc *d, const char *arg,
                         size_t len, enum conf_mode mode, char *msg, size_t msglen)
{
    char shown[CONF_SHOW_BUF];
    char names[CONF_MSG_MAX / 2];
    struct conf_out o = {names, sizeof names, 0};
    for (int i = 0; d->enums[i]; i++) {
        if (strlen(d->enums[i]) == len && strncasecmp(d->enums[i], arg, len) == 0) {
            *(int *)conf_field(c, d) = i;
            return TC_OK;
        }
        conf_out_str(&o, i ? ", " : "");
        conf_out_str(&o, d->enums[i]);
    }
    if (mode == CONF_MODE_SET)
        return conf_fail(msg, msglen, "%s: argument(s) must be one of the following: %s",
                         d->name, names);
    return conf_fail(msg, msglen, "%s: '%s' is not one of %s", d->name,
                     conf_show(shown, arg, len), names);
}

/* CONF_STRING: any one argument, empty included. */
static int conf_set_string(struct config *c, const struct conf_desc *d, const char *arg,
                           size_t len)
{
    char **s = conf_field(c, d);
    mem_free(*s);
    *s = mem_strndup(arg, len);
    return TC_OK;
}

/* An address for bind: IPv4 or IPv6 literal, "*" or "::*", with an
 * optional leading '-' (may be unavailable). */
static bool conf_addr_ok(const char *arg)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (arg[0] == '-')
        arg++;
    return strcmp(arg, "*") == 0 || strcmp(arg, "::*") == 0 ||
           inet_pton(AF_INET, arg, buf) == 1 || inet_pton(AF_INET6, arg, buf) == 1;
}

/* CONF_ADDRS: 1 to CONF_ADDRS_MAX addresses, all checked before the list
 * is replaced. */
static int conf_set_addrs(struct config *c, const struct conf_desc *d,
                          const struct conf_args *a, char *msg, size_t msglen)
{
    char shown[CONF_SHOW_BUF];
    if (a->argc < 1)
        return conf_fail(msg, msglen, "%s: wrong number of arguments (expected at least 1)",
                         d->name);
    if (a->argc > CONF_ADDRS_MAX)
        return conf_fail(msg, msglen, "%s: too many addresses (at most %d)", d->name,
                         CONF_ADDRS_MAX);
    for (int i = 0; i < a->argc; i++) {
        if (!conf_addr_ok(a->argv[i]))
            return conf_fail(msg, msglen, "%s: '%s' is not an IPv4 or IPv6 address", d->name,
                             conf_show(shown, a->argv[i], a->len[i]));
    }
    struct config_addrs *list = conf_field(c, d);
    conf_addrs_free(list);
    list->addr = mem_alloc((size_t)a->argc * sizeof *list->addr);
    for (int i = 0; i < a->argc; i++)
        list->addr[i] = mem_strndup(a->argv[i], a->len[i]);
    list->count = (size_t)a->argc;
    return TC_OK;
}

/* Validate one PREFIX SECONDS pair; *seconds gets the value. */
static int conf_check_rule(const struct conf_desc *d, const struct conf_args *a, int i,
                           long long *seconds, char *msg, size_t msglen)
{
    if (a->len[i] == 0)
        return conf_fail(msg, msglen, "%s: the prefix is empty", d->name);
    enum conf_num rc = conf_parse_ll(a->argv[i + 1], a->len[i + 1], seconds);
    return conf_check_num(d, rc, seconds, a->argv[i + 1], a->len[i + 1], "an integer",
                          CONF_MODE_LINE, msg, msglen);
}

/* ttl-rule. A line adds one rule; CONFIG SET and the default replace the
 * list with any number of pairs, all checked before anything changes. */
static int conf_set_rules(struct config *c, const struct conf_desc *d,
                          const struct conf_args *a, enum conf_mode mode, char *msg,
                          size_t msglen)
{
    struct config_ttl_rules *rules = conf_field(c, d);
    long long seconds;
    if (mode == CONF_MODE_LINE) {
        if (a->argc != 2)
            return conf_fail(msg, msglen, "%s: wrong number of arguments (expected 2)", d->name);
        if (conf_check_rule(d, a, 0, &seconds, msg, msglen) != TC_OK)
            return TC_ERR;
        conf_rules_put(rules, a->argv[0], a->len[0], seconds);
        return TC_OK;
    }
    if (a->argc % 2 != 0)
        return conf_fail(msg, msglen,
                         "%s: wrong number of arguments (expected PREFIX SECONDS pairs)",
                         d->name);
    for (int i = 0; i < a->argc; i += 2)
        if (conf_check_rule(d, a, i, &seconds, msg, msglen) != TC_OK)
            return TC_ERR;
    conf_rules_free(rules);
    for (int i = 0; i < a->argc; i += 2) {
        conf_parse_ll(a->argv[i + 1], a->len[i + 1], &seconds);
        conf_rules_put(rules, a->argv[i], a->len[i], seconds);
    }
    return TC_OK;
}

/* Options that exist only so that redis.conf files and Redis clients that
 * set or read them keep working: each accepts one value (any case), which
 * is its default, and says why when given another. */
static const struct {
    const char *name;
    const char *only;
    const char *why;
} conf_fixed[] = {
    {"save", "", "tidecache keeps no snapshots; the only value accepted is \"\""},
    {"appendonly", "no", "tidecache keeps no append-only file; the only value accepted is no"},
};

/* The conf_fixed index of d, or -1 when d takes any valid value. */
static int conf_fixed_find(const struct conf_desc *d)
{
    for (size_t i = 0; i < sizeof conf_fixed / sizeof conf_fixed[0]; i++)
        if (strcmp(conf_fixed[i].name, d->name) == 0)
            return (int)i;
    return -1;
}

/* Set option d of c from its arguments. Returns TC_OK, or TC_ERR with
 * "name: message" in msg and c unchanged. Every way of setting an option
 * comes through here. */
static int conf_apply(struct config *c, const struct conf_desc *d, const struct conf_args *a,
                      enum conf_mode mode, char *msg, size_t msglen)
{
    char shown[CONF_SHOW_BUF];
    int fixed = conf_fixed_find(d);
    if (fixed >= 0 && (a->argc != 1 || a->len[0] != strlen(conf_fixed[fixed].only) ||
                       strncasecmp(a->argv[0], conf_fixed[fixed].only, a->len[0]) != 0))
        return conf_fail(msg, msglen, "%s: %s", d->name, conf_fixed[fixed].why);
    for (int i = 0; i < a->argc; i++) {
        bool prefix = d->type == CONF_TTLRULES && i % 2 == 0;
        if (!prefix && memchr(a->argv[i], '\0', a->len[i]))
            return conf_fail(msg, msglen, "%s: '%s' contains a NUL byte", d->name,
                             conf_show(shown, a->argv[i], a->len[i]));
    }
    if (d->type == CONF_ADDRS)
        return conf_set_addrs(c, d, a, msg, msglen);
    if (d->type == CONF_TTLRULES)
        return conf_set_rules(c, d, a, mode, msg, msglen);
    if (a->argc != 1)
        return conf_fail(msg, msglen, "%s: wrong number of arguments (expected 1)", d->name);
    switch (d->type) {
    case CONF_BOOL: return conf_set_bool(c, d, a->argv[0], a->len[0], mode, msg, msglen);
    case CONF_ENUM: return conf_set_enum(c, d, a->argv[0], a->len[0], mode, msg, msglen);
    case CONF_STRING: return conf_set_string(c, d, a->argv[0], a->len[0]);
    default: return conf_set_number(c, d, a->argv[0], a->len[0], mode, msg, msglen);
    }
}

/* ------------------------------------------------------ public: lifetime */

/* Defaults go through the same parser as a file: a string default is taken
 * as it is (it may be empty), every other default is split like a line.
 * A default that does not parse is a bug in the table, caught by the
 * tests; it aborts rather than run with a half-set config. */
static void conf_set_default(struct config *c, const struct conf_desc *d)
{
    char msg[CONF_MSG_MAX];
    struct conf_args a = {0, NULL, NULL};
    if (d->type == CONF_STRING) {
        conf_set_string(c, d, d->def, strlen(d->def));
        return;
    }
    int rc = conf_split(d->def, strlen(d->def), &a);
    if (rc == TC_OK)
        rc = conf_apply(c, d, &a, CONF_MODE_SET, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "%s: unbalanced quotes", d->name);
    conf_args_free(&a);
    if (rc != TC_OK) {
        fprintf(stderr, "tidecache: bad default in the option table: %s\n", msg);
        abort();
    }
}

void config_init(struct config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < CONF_COUNT; i++)
        conf_set_default(c, &conf_table[i]);
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < CONF_COUNT; i++)
        conf_value_free(c, &conf_table[i]);
    mem_free(c->path);
    c->path = NULL;
}

int config_copy(struct config *dst, const struct config *src)
{
    memcpy(dst, src, sizeof *dst);
    for (size_t i = 0; i < CONF_COUNT; i++)
        conf_value_copy(dst, src, &conf_table[i]);
    dst->path = src->path ? mem_strdup(src->path) : NULL;
    return TC_OK;
}

/* ------------------------------------------------------- public: loading */

/* One line of a file (without its '\n'): comment, blank or directive. */
static int conf_parse_line(struct config *c, const char *line, size_t len, char *msg,
                           size_t msglen)
{
    char shown[CONF_SHOW_BUF];
    struct conf_args a = {0, NULL, NULL};
    while (len > 0 && conf_is_space(line[0]))
        line++, len--;
    while (len > 0 && conf_is_space(line[len - 1]))
        len--;
    if (len == 0 || line[0] == '#')
        return TC_OK;
    if (memchr(line, '\0', len))
        return conf_fail(msg, msglen, "NUL byte in line");
    if (conf_split(line, len, &a) != TC_OK)
        return conf_fail(msg, msglen, "unbalanced quotes");
    const struct conf_desc *d = conf_find(a.argv[0], a.len[0]);
    int rc;
    if (!d) {
        rc = conf_fail(msg, msglen, "unknown directive '%s'",
                       conf_show(shown, a.argv[0], a.len[0]));
    } else {
        struct conf_args rest = {a.argc - 1, a.argv + 1, a.len + 1};
        rc = conf_apply(c, d, &rest, CONF_MODE_LINE, msg, msglen);
    }
    conf_args_free(&a);
    return rc;
}

/* Every line of text, stopping at the first bad one. */
static int conf_parse_text(struct config *c, const char *text, size_t len, const char *source,
                           char *err, size_t errlen)
{
    char msg[CONF_MSG_MAX];
    long lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        lineno++;
        if (conf_parse_line(c, text + pos, end - pos, msg, sizeof msg) != TC_OK)
            return conf_fail(err, errlen, "%s:%ld: %s", source, lineno, msg);
        pos = end + 1;
    }
    return TC_OK;
}

/* Directives given as redis-server takes them: "--name arg ... --name ...".
 * Each "--name" starts a directive and the items up to the next "--" item
 * are its arguments. */
static int conf_parse_argv(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
    char msg[CONF_MSG_MAX];
    char shown[CONF_SHOW_BUF];
    int i = 0;
    while (i < argc) {
        const char *item = argv[i];
        if (strncmp(item, "--", 2) != 0)
            return conf_fail(err, errlen,
                             "command line: '%s' is not a directive (directives start with --)",
                             conf_show(shown, item, strlen(item)));
        const struct conf_desc *d = conf_find(item + 2, strlen(item + 2));
        if (!d)
            return conf_fail(err, errlen, "command line: unknown directive '%s'",
                             conf_show(shown, item + 2, strlen(item + 2)));
        int j = i + 1;
        while (j < argc && strncmp(argv[j], "--", 2) != 0)
            j++;
        struct conf_args a;
        conf_args_view(&a, j - i - 1, argv + i + 1);
        int rc = conf_apply(c, d, &a, CONF_MODE_LINE, msg, sizeof msg);
        mem_free(a.len);
        if (rc != TC_OK)
            return conf_fail(err, errlen, "command line: %s", msg);
        i = j;
    }
    return TC_OK;
}

/* The whole file at path in a mem_alloc'ed buffer; refuses files over
 * CONF_FILE_MAX_BYTES so that a wrong path such as /dev/zero fails fast. */
static int conf_read_file(const char *path, char **text, size_t *len, char *err,
                          size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return conf_fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = mem_alloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= (size_t)CONF_FILE_MAX_BYTES) {
                mem_free(buf);
                fclose(f);
                return conf_fail(err, errlen, "%s: file too large (%ld bytes or more)", path,
                                 CONF_FILE_MAX_BYTES);
            }
            cap *= 2;
            buf = mem_realloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        mem_free(buf);
        fclose(f);
        return conf_fail(err, errlen, "%s: cannot read: %s", path, strerror(e));
    }
    fclose(f);
    *text = buf;
    *len = n;
    return TC_OK;
}

/* Replace *c by *next, releasing what c held. */
static void conf_swap_in(struct config *c, struct config *next)
{
    config_free(c);
    *c = *next;
}

int config_load(struct config *c, const char *path, int argc, char **argv, char *err,
                size_t errlen)
{
    struct config next;
    config_copy(&next, c);
    if (path) {
        char *text = NULL;
        size_t len = 0;
        int rc = conf_read_file(path, &text, &len, err, errlen);
        if (rc == TC_OK)
            rc = conf_parse_text(&next, text, len, path, err, errlen);
        mem_free(text);
        if (rc != TC_OK) {
            config_free(&next);
            return TC_ERR;
        }
        mem_free(next.path);
        next.path = mem_strdup(path);
    }
    if (conf_parse_argv(&next, argc, argv, err, errlen) != TC_OK) {
        config_free(&next);
        return TC_ERR;
    }
    conf_swap_in(c, &next);
    return TC_OK;
}

int config_load_text(struct config *c, const char *text, size_t len, const char *source,
                     char *err, size_t errlen)
{
    struct config next;
    config_copy(&next, c);
    if (conf_parse_text(&next, text, len, source, err, errlen) != TC_OK) {
        config_free(&next);
        return TC_ERR;
    }
    conf_swap_in(c, &next);
    return TC_OK;
}

/* ------------------------------------------- public: options and values */

size_t config_option_count(void)
{
    return CONF_COUNT + CONF_ALIAS_COUNT;
}

const char *config_option_name(size_t i)
{
    if (i < CONF_COUNT)
        return conf_table[i].name;
    return i < CONF_COUNT + CONF_ALIAS_COUNT ? conf_aliases[i - CONF_COUNT].alias : NULL;
}

unsigned config_option_flags(size_t i)
{
    const char *name = config_option_name(i);
    const struct conf_desc *d = name ? conf_find(name, strlen(name)) : NULL;
    return d ? d->flags : 0;
}

/* Option d's value in CONFIG GET form. */
static void conf_out_value(struct conf_out *o, const struct config *c,
                           const struct conf_desc *d)
{
    const void *f = conf_cfield(c, d);
    switch (d->type) {
    case CONF_INT:
    case CONF_SIZE: conf_out_fmt(o, "%lld", *(const long long *)f); break;
    case CONF_BOOL: conf_out_str(o, *(const int *)f ? "yes" : "no"); break;
    case CONF_STRING: conf_out_str(o, *(char *const *)f ? *(char *const *)f : ""); break;
    case CONF_ENUM: conf_out_str(o, d->enums[*(const int *)f]); break;
    case CONF_OCTAL: conf_out_fmt(o, "%o", (unsigned)*(const int *)f); break;
    case CONF_ADDRS: {
        const struct config_addrs *a = f;
        for (size_t i = 0; i < a->count; i++) {
            conf_out_str(o, i ? " " : "");
            conf_out_str(o, a->addr[i]);
        }
        break;
    }
    case CONF_TTLRULES: {
        const struct config_ttl_rules *r = f;
        for (size_t i = 0; i < r->count; i++) {
            conf_out_str(o, i ? " " : "");
            conf_out_arg(o, r->rule[i].prefix, r->rule[i].prefix_len);
            conf_out_fmt(o, " %lld", r->rule[i].seconds);
        }
        break;
    }
    }
}

int config_format(const struct config *c, const char *name, char *out, size_t outlen)
{
    const struct conf_desc *d = conf_find(name, strlen(name));
    struct conf_out o = {out, outlen, 0};
    if (!d)
        return TC_ERR;
    if (outlen > 0)
        out[0] = '\0';
    conf_out_value(&o, c, d);
    return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

int config_set(struct config *c, const char *name, int argc, char **argv, char *err,
               size_t errlen)
{
    char shown[CONF_SHOW_BUF];
    const struct conf_desc *d = conf_find(name, strlen(name));
    if (!d)
        return conf_fail(err, errlen, "unknown directive '%s'",
                         conf_show(shown, name, strlen(name)));
    struct conf_args a;
    conf_args_view(&a, argc, argv);
    int rc = conf_apply(c, d, &a, CONF_MODE_SET, err, errlen);
    mem_free(a.len);
    return rc;
}

int64_t config_ttl_ms_for_key(const struct config *c, const char *key, size_t klen)
{
    const struct ttl_rule *best = NULL;
    for (size_t i = 0; i < c->ttl_rules.count; i++) {
        const struct ttl_rule *r = &c->ttl_rules.rule[i];
        if (r->prefix_len <= klen && memcmp(r->prefix, key, r->prefix_len) == 0 &&
            (!best || r->prefix_len > best->prefix_len))
            best = r;
    }
    long long seconds = best ? best->seconds : c->default_ttl;
    return (int64_t)seconds * 1000;
}

/* ------------------------------------------------ public: documentation */

/* Print text word by word, each line starting with indent and none wider
 * than CONF_WRAP_COLS unless a single word is. */
static void conf_wrap(FILE *out, const char *indent, const char *text)
{
    size_t col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t w = strcspn(p, " ");
        if (col > 0 && col + 1 + w > CONF_WRAP_COLS) {
            fputc('\n', out);
            col = 0;
        }
        if (col == 0) {
            fputs(indent, out);
            col = strlen(indent);
        } else {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, w, out);
        col += w;
        p += w;
    }
    if (col > 0)
        fputc('\n', out);
}

/* Help text of d followed by what values it takes: the body of both
 * --help and the sample config. */
static void conf_out_describe(struct conf_out *o, const struct conf_desc *d)
{
    conf_out_str(o, d->help);
    switch (d->type) {
    case CONF_INT:
    case CONF_SIZE:
    case CONF_OCTAL:
        if (d->max == LLONG_MAX && d->min == 0)
            break;
        conf_out_str(o, " Range: ");
        conf_out_range(o, d);
        conf_out_str(o, (d->flags & CONF_CLAMP) ? "; values outside it are brought into it." : ".");
        break;
    case CONF_TTLRULES:
        conf_out_str(o, " SECONDS range: ");
        conf_out_range(o, d);
        conf_out_str(o, ".");
        break;
    case CONF_ENUM:
        conf_out_str(o, " One of:");
        for (int i = 0; d->enums[i]; i++) {
            conf_out_str(o, i ? ", " : " ");
            conf_out_str(o, d->enums[i]);
        }
        conf_out_str(o, ".");
        break;
    case CONF_BOOL:
        if (conf_fixed_find(d) < 0)
            conf_out_str(o, " Either yes or no.");
        break;
    default: break;
    }
}

static const char *conf_runtime_shown(const struct conf_desc *d)
{
    return d->flags & CONF_RUNTIME ? "can be changed at runtime" : "fixed at startup";
}

/* The default as a person reads it. */
static const char *conf_default_shown(const struct conf_desc *d)
{
    if (d->type == CONF_STRING && d->def[0] == '\0')
        return "\"\"";
    if (d->type == CONF_TTLRULES && d->def[0] == '\0')
        return "none";
    return d->def;
}

/* What the arguments of d look like, for --help. */
static const char *conf_kind(const struct conf_desc *d)
{
    switch (d->type) {
    case CONF_INT: return "N";
    case CONF_SIZE: return "BYTES";
    case CONF_BOOL: return "yes|no";
    case CONF_STRING: return "STRING";
    case CONF_ENUM: return "NAME";
    case CONF_OCTAL: return "MODE";
    case CONF_ADDRS: return "ADDRESS...";
    case CONF_TTLRULES: return "PREFIX SECONDS";
    }
    return "";
}

void config_print_help(FILE *out)
{
    char text[CONF_TEXT_MAX];
    fputs("Usage: tidecache [/path/to/tidecache.conf] [--directive value ...]\n"
          "\n"
          "  -h, --help           print this help and exit\n"
          "  -v, --version        print the version and exit\n"
          "  -t, --test-config    check the configuration, print \"configuration OK\"\n"
          "                       and exit\n"
          "      --sample-config  print a documented sample configuration and exit\n"
          "\n"
          "Directives are read from the file, then from the command line, where\n"
          "each one is written --name followed by its arguments; the later wins.\n"
          "\n"
          "Directives:\n",
          out);
    for (size_t i = 0; i < CONF_COUNT; i++) {
        const struct conf_desc *d = &conf_table[i];
        struct conf_out o = {text, sizeof text, 0};
        fprintf(out, "\n  %s %s\n", d->name, conf_kind(d));
        conf_out_describe(&o, d);
        conf_wrap(out, "      ", text);
        fprintf(out, "      Default: %s (%s)\n", conf_default_shown(d), conf_runtime_shown(d));
    }
    for (size_t i = 0; i < CONF_ALIAS_COUNT; i++)
        fprintf(out, "\n  %s ...\n      Another name of %s.\n", conf_aliases[i].alias,
                conf_aliases[i].option);
}

/* The directive line of d in the sample: its default, as a file holds it. */
static void conf_sample_line(FILE *out, const struct conf_desc *d)
{
    char line[CONF_TEXT_MAX];
    struct conf_out o = {line, sizeof line, 0};
    if (d->type == CONF_TTLRULES) {
        fprintf(out, "# %s session: 3600\n", d->name);
        return;
    }
    conf_out_str(&o, d->name);
    conf_out_str(&o, " ");
    if (d->type == CONF_STRING)
        conf_out_arg(&o, d->def, strlen(d->def));
    else
        conf_out_str(&o, d->def);
    fprintf(out, "%s\n", line);
}

void config_write_sample(FILE *out)
{
    char text[CONF_TEXT_MAX];
    fputs("# tidecache configuration file.\n"
          "#\n"
          "# One directive per line: its name, then its arguments. Lines starting\n"
          "# with '#' are comments. An argument with spaces goes in double quotes,\n"
          "# where \\n, \\t, \\\" and \\xHH escapes work; single quotes keep text as\n"
          "# it is. Names are case-insensitive. When a directive appears twice the\n"
          "# later wins, except ttl-rule, which adds a rule each time.\n"
          "#\n"
          "# Sizes take an optional unit: 1k = 1000 bytes, 1kb = 1024 bytes, and so on\n"
          "# for m, mb, g and gb.\n"
          "#\n"
          "# Any directive can also be given on the command line, after the file:\n"
          "#   tidecache /etc/tidecache/tidecache.conf --port 7000 --loglevel debug\n",
          out);
    for (size_t i = 0; i < CONF_COUNT; i++) {
        const struct conf_desc *d = &conf_table[i];
        struct conf_out o = {text, sizeof text, 0};
        conf_out_describe(&o, d);
        conf_out_fmt(&o, " %c%s.", toupper((unsigned char)conf_runtime_shown(d)[0]),
                     conf_runtime_shown(d) + 1);
        fputc('\n', out);
        conf_wrap(out, "# ", text);
        fprintf(out, "# Default: %s\n", conf_default_shown(d));
        conf_sample_line(out, d);
    }
}

/* ------------------------------------------------------- public: reload */

/* Bytes of the field option d occupies in struct config. */
static size_t conf_field_size(const struct conf_desc *d)
{
    switch (d->type) {
    case CONF_INT:
    case CONF_SIZE: return sizeof(long long);
    case CONF_BOOL:
    case CONF_ENUM:
    case CONF_OCTAL: return sizeof(int);
    case CONF_STRING: return sizeof(char *);
    case CONF_ADDRS: return sizeof(struct config_addrs);
    case CONF_TTLRULES: return sizeof(struct config_ttl_rules);
    }
    return 0;
}

static bool conf_str_equal(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether option d holds the same value in a and b (list order counts). */
static bool conf_value_equal(const struct config *a, const struct config *b,
                             const struct conf_desc *d)
{
    const void *fa = conf_cfield(a, d), *fb = conf_cfield(b, d);
    if (d->type == CONF_STRING)
        return conf_str_equal(*(char *const *)fa, *(char *const *)fb);
    if (d->type == CONF_ADDRS) {
        const struct config_addrs *x = fa, *y = fb;
        if (x->count != y->count)
            return false;
        for (size_t i = 0; i < x->count; i++)
            if (strcmp(x->addr[i], y->addr[i]) != 0)
                return false;
        return true;
    }
    if (d->type == CONF_TTLRULES) {
        const struct config_ttl_rules *x = fa, *y = fb;
        if (x->count != y->count)
            return false;
        for (size_t i = 0; i < x->count; i++)
            if (x->rule[i].seconds != y->rule[i].seconds ||
                x->rule[i].prefix_len != y->rule[i].prefix_len ||
                memcmp(x->rule[i].prefix, y->rule[i].prefix, x->rule[i].prefix_len) != 0)
                return false;
        return true;
    }
    return memcmp(fa, fb, conf_field_size(d)) == 0;
}

int config_merge_runtime(struct config *live, const struct config *fresh, config_change_fn *cb,
                         void *arg)
{
    int taken = 0;
    for (size_t i = 0; i < CONF_COUNT; i++) {
        const struct conf_desc *d = &conf_table[i];
        if (conf_value_equal(live, fresh, d))
            continue;
        int applied = (d->flags & CONF_RUNTIME) != 0;
        if (applied) {
            conf_value_free(live, d);
            memcpy(conf_field(live, d), conf_cfield(fresh, d), conf_field_size(d));
            conf_value_copy(live, fresh, d);
            taken++;
        }
        if (cb)
            cb(d->name, applied, arg);
    }
    return taken;
}

/* ------------------------------------------- public: CONFIG SET, REWRITE */

int config_option_index(const char *name)
{
    const struct conf_desc *d = conf_find(name, strlen(name));
    return d ? (int)(d - conf_table) : -1;
}


int config_set_value(struct config *c, const char *name, const char *value, char *err,
                     size_t errlen)
{
    char shown[CONF_SHOW_BUF];
    const struct conf_desc *d = conf_find(name, strlen(name));
    struct conf_args a;
    int rc;
    if (!d)
        return conf_fail(err, errlen, "unknown directive '%s'",
                         conf_show(shown, name, strlen(name)));
    if (d->type == CONF_ADDRS || d->type == CONF_TTLRULES) {
        if (conf_split(value, strlen(value), &a) != TC_OK)
            return conf_fail(err, errlen, "%s: unbalanced quotes", d->name);
        rc = conf_apply(c, d, &a, CONF_MODE_SET, err, errlen);
        conf_args_free(&a);
        return rc;
    }
    char *one[1] = {(char *)value};
    conf_args_view(&a, 1, one);
    rc = conf_apply(c, d, &a, CONF_MODE_SET, err, errlen);
    mem_free(a.len);
    return rc;
}

#define CONF_REWRITE_SIGNATURE "# Generated by CONFIG REWRITE"

/* The directive lines that give option d its value in c, each ending in a
 * newline: one line, or one per rule for ttl-rule (none when there is no
 * rule). Sizes use the largest unit that divides them, as in 512mb. */
static void conf_out_option_lines(struct conf_out *o, const struct config *c,
                                  const struct conf_desc *d)
{
    const void *f = conf_cfield(c, d);
    if (d->type == CONF_TTLRULES) {
        const struct config_ttl_rules *r = f;
        for (size_t i = 0; i < r->count; i++) {
            conf_out_str(o, d->name);
            conf_out_str(o, " ");
            conf_out_arg(o, r->rule[i].prefix, r->rule[i].prefix_len);
            conf_out_fmt(o, " %lld\n", r->rule[i].seconds);
        }
        return;
    }
    conf_out_str(o, d->name);
    conf_out_str(o, " ");
    if (d->type == CONF_STRING) {
        const char *s = *(char *const *)f ? *(char *const *)f : "";
        conf_out_arg(o, s, strlen(s));
    } else if (d->type == CONF_SIZE) {
        conf_out_size(o, *(const long long *)f);
    } else {
        conf_out_value(o, c, d);
    }
    conf_out_str(o, "\n");
}

/* Write option d's lines for c to out. */
static void conf_write_option(FILE *out, const struct config *c, const struct conf_desc *d)
{
    struct conf_out probe = {NULL, 0, 0};
    conf_out_option_lines(&probe, c, d);
    char *text = mem_alloc(probe.len + 1);
    struct conf_out o = {text, probe.len + 1, 0};
    conf_out_option_lines(&o, c, d);
    fwrite(text, 1, probe.len, out);
    mem_free(text);
}

/* The option a file line sets, or NULL for a comment, a blank line, a line
 * that does not split or an unknown directive. When found, *a holds the
 * line's arguments (the caller frees them). */
static const struct conf_desc *conf_line_desc(const char *line, size_t len, struct conf_args *a)
{
    while (len > 0 && conf_is_space(line[0]))
        line++, len--;
    if (len == 0 || line[0] == '#' || conf_split(line, len, a) != TC_OK)
        return NULL;
    const struct conf_desc *d = a->argc > 0 ? conf_find(a->argv[0], a->len[0]) : NULL;
    if (!d)
        conf_args_free(a);
    return d;
}

/* One line of the old file: where it is, and the option it sets. */
struct conf_rw_line {
    size_t off, len;
    const struct conf_desc *d;
};

/* Split text into lines and find what option each sets, applying every
 * directive to file_cfg (bad values are skipped, so an option whose line no
 * longer parses counts as changed). Returns the mem_alloc'ed array. */
static struct conf_rw_line *conf_rw_scan(const char *text, size_t len, size_t *nlines,
                                         struct config *file_cfg)
{
    char msg[CONF_MSG_MAX];
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    struct conf_rw_line *lines = mem_alloc(cap * sizeof *lines);
    size_t n = 0, pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        struct conf_args a = {0, NULL, NULL};
        lines[n].off = pos;
        lines[n].len = end - pos;
        lines[n].d = conf_line_desc(text + pos, end - pos, &a);
        if (lines[n].d) {
            struct conf_args rest = {a.argc - 1, a.argv + 1, a.len + 1};
            conf_apply(file_cfg, lines[n].d, &rest, CONF_MODE_LINE, msg, sizeof msg);
            conf_args_free(&a);
        }
        n++;
        pos = end + 1;
    }
    *nlines = n;
    return lines;
}

/* The new file: old lines kept in place, except the lines of options whose
 * value changed, whose first line gives way to the current value and whose
 * other lines go; options changed but absent from the file follow the
 * signature line at the end. */
static void conf_rw_write(FILE *out, const struct config *c, const char *text,
                          const struct conf_rw_line *lines, size_t nlines, const bool *changed)
{
    bool written[CONF_COUNT] = {false};
    bool has_signature = false;
    for (size_t i = 0; i < nlines; i++) {
        const char *p = text + lines[i].off;
        size_t len = lines[i].len;
        size_t idx = lines[i].d ? (size_t)(lines[i].d - conf_table) : CONF_COUNT;
        if (idx == CONF_COUNT || !changed[idx]) {
            has_signature |= len >= strlen(CONF_REWRITE_SIGNATURE) &&
                             memcmp(p, CONF_REWRITE_SIGNATURE, strlen(CONF_REWRITE_SIGNATURE)) == 0;
            fwrite(p, 1, len, out);
            fputc('\n', out);
        } else if (!written[idx]) {
            conf_write_option(out, c, lines[i].d);
            written[idx] = true;
        }
    }
    for (size_t i = 0; i < CONF_COUNT; i++) {
        if (!changed[i] || written[i])
            continue;
        if (!has_signature)
            fputs(CONF_REWRITE_SIGNATURE "\n", out);
        has_signature = true;
        conf_write_option(out, c, &conf_table[i]);
    }
}

/* Write the new text to a temporary file beside path, with path's mode,
 * and rename it over path, so a crash never leaves half a config. */
static int conf_rw_replace(const struct config *c, const char *text,
                           const struct conf_rw_line *lines, size_t nlines, const bool *changed,
                           char *err, size_t errlen)
{
    size_t tmplen = strlen(c->path) + 32;
    char *tmp = mem_alloc(tmplen);
    snprintf(tmp, tmplen, "%s.tmp-%ld", c->path, (long)getpid());
    FILE *out = fopen(tmp, "w");
    if (!out) {
        int e = errno;
        mem_free(tmp);
        return conf_fail(err, errlen, "%s", strerror(e));
    }
    struct stat st;
    if (stat(c->path, &st) == 0)
        fchmod(fileno(out), st.st_mode & 07777);
    conf_rw_write(out, c, text, lines, nlines, changed);
    int ok = fflush(out) == 0 && fsync(fileno(out)) == 0;
    int e = errno;
    ok = fclose(out) == 0 && ok;
    if (ok && rename(tmp, c->path) != 0) {
        e = errno;
        ok = 0;
    }
    if (!ok)
        unlink(tmp);
    mem_free(tmp);
    return ok ? TC_OK : conf_fail(err, errlen, "%s", strerror(e));
}

int config_rewrite(const struct config *c, char *err, size_t errlen)
{
    if (!c->path)
        return conf_fail(err, errlen, "no config file");
    char *text = NULL;
    size_t len = 0;
    if (access(c->path, F_OK) != 0 && errno == ENOENT)
        text = mem_strdup("");
    else if (conf_read_file(c->path, &text, &len, err, errlen) != TC_OK)
        return TC_ERR;
    struct config file_cfg;
    config_init(&file_cfg);
    size_t nlines;
    struct conf_rw_line *lines = conf_rw_scan(text, len, &nlines, &file_cfg);
    bool changed[CONF_COUNT];
    for (size_t i = 0; i < CONF_COUNT; i++)
        changed[i] = !conf_value_equal(&file_cfg, c, &conf_table[i]);
    int rc = conf_rw_replace(c, text, lines, nlines, changed, err, errlen);
    config_free(&file_cfg);
    mem_free(lines);
    mem_free(text);
    return rc;
}
