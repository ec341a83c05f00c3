/* function: function libraries; see include/tidecache/function.h.
 *
 * Loading swaps what the globals proxy reads from: during a library's load
 * run its __index is the load globals (only the reduced redis table), after
 * it the real globals again; the callbacks the code registered keep the
 * proxy as their environment, so when they run they see everything. */
#include "tidecache/function.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tidecache/buf.h"
#include "tidecache/crc64.h"
#include "tidecache/hash.h"
#include "tidecache/lua_vm.h"
#include "tidecache/lzf.h"
#include "tidecache/mem.h"
#include "tidecache/script.h"

#define FUNCTION_MIN_BUCKETS 16
#define FUNCTION_NAME_MAX_BYTES 256 /* longest function name looked up */
#define RDB_OPCODE_FUNCTION_PRE_GA 246
#define RDB_OPCODE_FUNCTION 245
#define RDB_VERSION 10            /* of the payloads written (Redis 7.0's) */
#define DUMP_FOOTER_BYTES 10      /* RDB version (2) and CRC64 (8) */

static struct lua_vm *vm;
static struct library *libraries, *libraries_tail;
static struct function **buckets;
static size_t nbuckets, nfunctions, nlibraries, struct_bytes;

/* Registry key of the load globals table. */
static const char LOAD_GLOBALS_KEY = 'l';

/* A function registered by the load run in progress. */
struct pending {
    char *name;
    char *description;
    unsigned flags;
    int fn_ref;
};

struct load_ctx {
    struct pending *fns;
    size_t n, cap;
};

static struct load_ctx *loading;

static const char NAME_RULE_ERROR[] =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one "
    "character long";

/* ---- names ----------------------------------------------------------------- */

static int valid_name(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

/* The bucket of a function name: its hash folded to lower case. */
static size_t bucket_of(const char *name, size_t len)
{
    char lower[FUNCTION_NAME_MAX_BYTES];
    size_t n = len < sizeof lower ? len : sizeof lower;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    return (size_t)hash_bytes(lower, n) & (nbuckets - 1);
}

static int same_name(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && strncasecmp(a, b, blen) == 0;
}

struct function *function_find(const char *name, size_t len)
{
    if (!buckets)
        return NULL;
    for (struct function *f = buckets[bucket_of(name, len)]; f; f = f->next)
        if (same_name(f->name, name, len))
            return f;
    return NULL;
}

static struct library *library_find(const char *name, size_t len)
{
    for (struct library *l = libraries; l; l = l->next)
        if (strlen(l->name) == len && memcmp(l->name, name, len) == 0)
            return l;
    return NULL;
}

/* ---- the register_function API ----------------------------------------------- */

static int raise_err(lua_State *L, const char *msg)
{
    lua_newtable(L);
    lua_pushfstring(L, "ERR %s", msg);
    lua_setfield(L, -2, "err");
    return lua_error(L);
}

/* Flags from a table of flag names. */
static void read_flags(lua_State *L, int idx, unsigned *flags)
{
    if (!lua_istable(L, idx))
        raise_err(L, "flags argument to redis.register_function must be a table representing "
                     "function flags");
    *flags = 0;
    for (int i = 1;; i++) {
        lua_rawgeti(L, idx, i);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        size_t len;
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        unsigned flag = s ? script_flag_by_name(s, len) : 0;
        if (!flag)
            raise_err(L, "unknown flag given");
        *flags |= flag;
        lua_pop(L, 1);
    }
}

/* The named-arguments form: leaves name at -2 and callback at -1 (with
 * description and flags read into p). */
static void read_named_args(lua_State *L, struct pending *p)
{
    int t = 1;
    lua_pushnil(L); /* name */
    lua_pushnil(L); /* callback */
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            raise_err(L, "named argument key given to redis.register_function is not a string");
        const char *key = lua_tostring(L, -2);
        if (strcmp(key, "function_name") == 0) {
            if (lua_type(L, -1) != LUA_TSTRING)
                raise_err(L, "function_name argument given to redis.register_function must be a "
                             "string");
            lua_replace(L, t + 1);
        } else if (strcmp(key, "callback") == 0) {
            if (lua_type(L, -1) != LUA_TFUNCTION)
                raise_err(L, "callback argument given to redis.register_function must be a "
                             "function");
            lua_replace(L, t + 2);
        } else if (strcmp(key, "description") == 0) {
            if (lua_type(L, -1) != LUA_TSTRING)
                raise_err(L, "description argument given to redis.register_function must be a "
                             "string");
            size_t len;
            const char *d = lua_tolstring(L, -1, &len);
            mem_free(p->description);
            p->description = mem_strndup(d, len);
            lua_pop(L, 1);
        } else if (strcmp(key, "flags") == 0) {
            read_flags(L, lua_gettop(L), &p->flags);
            lua_pop(L, 1);
        } else {
            raise_err(L, "unknown argument given to redis.register_function");
        }
    }
    if (lua_isnil(L, t + 1))
        raise_err(L, "redis.register_function must get a function name argument");
    if (lua_isnil(L, t + 2))
        raise_err(L, "redis.register_function must get a callback argument");
}

/* redis.register_function(name, callback) or redis.register_function{...}.
 * Anything that fails leaves p's description to the collector of the
 * load (the pending list owns nothing until the end). */
static int register_function(lua_State *L)
{
    if (!loading)
        return raise_err(L, "redis.register_function can only be called on FUNCTION LOAD command");
    struct pending p = {0};
    int argc = lua_gettop(L);
    if (argc == 0 || argc > 2)
        return raise_err(L, "wrong number of arguments to redis.register_function");
    if (argc == 1) {
        if (!lua_istable(L, 1))
            return raise_err(L, "calling redis.register_function with a single argument is only "
                                "applicable to Lua table (representing named arguments).");
        read_named_args(L, &p);
    } else {
        if (lua_type(L, 1) != LUA_TSTRING)
            return raise_err(L, "first argument to redis.register_function must be a string");
        if (lua_type(L, 2) != LUA_TFUNCTION) {
            mem_free(p.description);
            return raise_err(L, "second argument to redis.register_function must be a function");
        }
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 2);
    }
    size_t len;
    const char *name = lua_tolstring(L, -2, &len);
    if (!valid_name(name, len)) {
        mem_free(p.description);
        return raise_err(L, NAME_RULE_ERROR);
    }
    for (size_t i = 0; i < loading->n; i++) {
        if (same_name(loading->fns[i].name, name, len)) {
            mem_free(p.description);
            return raise_err(L, "Function already exists in the library");
        }
    }
    if (loading->n == loading->cap) {
        loading->cap = loading->cap ? loading->cap * 2 : 4;
        loading->fns = mem_realloc(loading->fns, loading->cap * sizeof *loading->fns);
    }
    p.name = mem_strndup(name, len);
    p.fn_ref = luaL_ref(L, LUA_REGISTRYINDEX); /* pops the callback */
    loading->fns[loading->n++] = p;
    return 0;
}

/* ---- the state ------------------------------------------------------------------- */

/* Copy field name of the table at from into the table on top. */
static void copy_field(lua_State *L, int from, const char *name)
{
    lua_getfield(L, from, name);
    lua_setfield(L, -2, name);
}

/* The globals a load run sees: only redis, with register_function, log,
 * the LOG_* levels and the version. Any other name, there or in redis,
 * is the nonexistent-global error; nothing is writable. */
static void make_load_globals(lua_State *L)
{
    static const char *const shared[] = {"log",         "LOG_DEBUG",     "LOG_VERBOSE",
                                         "LOG_NOTICE",  "LOG_WARNING",   "REDIS_VERSION",
                                         "REDIS_VERSION_NUM"};
    lua_vm_push_real_globals(L);
    lua_getfield(L, -1, "redis");
    int runtime_redis = lua_gettop(L);
    lua_vm_push_strict_env(L); /* load globals */
    lua_vm_push_strict_env(L); /* load redis */
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
        copy_field(L, runtime_redis, shared[i]);
    lua_pushcfunction(L, register_function);
    lua_setfield(L, -2, "register_function");
    lua_vm_make_readonly(L);
    lua_setfield(L, -2, "redis");
    lua_pushlightuserdata(L, (void *)&LOAD_GLOBALS_KEY);
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_pop(L, 3);
}

/* Point the globals proxy at the load globals (load) or the real ones. */
static void use_globals(lua_State *L, int load)
{
    lua_getmetatable(L, LUA_GLOBALSINDEX);
    if (load) {
        lua_pushlightuserdata(L, (void *)&LOAD_GLOBALS_KEY);
        lua_rawget(L, LUA_REGISTRYINDEX);
    } else {
        lua_vm_push_real_globals(L);
    }
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

static void make_vm(void)
{
    vm = lua_vm_create();
    if (!vm) {
        fprintf(stderr, "tidecache: cannot create the Lua state\n");
        abort();
    }
    script_register_api(lua_vm_state(vm));
    make_load_globals(lua_vm_state(vm));
}

void function_setup(void)
{
    make_vm();
    nbuckets = FUNCTION_MIN_BUCKETS;
    buckets = mem_calloc(nbuckets, sizeof *buckets);
}

lua_State *function_state(void)
{
    return lua_vm_state(vm);
}

/* ---- the registry ---------------------------------------------------------------- */

static void add_function(struct function *f)
{
    if (nfunctions >= nbuckets) {
        size_t old_n = nbuckets;
        struct function **old = buckets;
        nbuckets *= 2;
        buckets = mem_calloc(nbuckets, sizeof *buckets);
        for (size_t i = 0; i < old_n; i++) {
            for (struct function *g = old[i], *next; g; g = next) {
                next = g->next;
                size_t b = bucket_of(g->name, strlen(g->name));
                g->next = buckets[b];
                buckets[b] = g;
            }
        }
        mem_free(old);
    }
    size_t b = bucket_of(f->name, strlen(f->name));
    f->next = buckets[b];
    buckets[b] = f;
    nfunctions++;
}

static void remove_function(struct function *f)
{
    struct function **link = &buckets[bucket_of(f->name, strlen(f->name))];
    while (*link != f)
        link = &(*link)->next;
    *link = f->next;
    nfunctions--;
}

static size_t library_bytes(const struct library *l)
{
    size_t n = mem_block_size(l) + mem_block_size(l->name) + mem_block_size(l->code);
    for (const struct function *f = l->functions; f; f = f->next_in_library)
        n += mem_block_size(f) + mem_block_size(f->name) + mem_block_size(f->description);
    return n;
}

/* Unlink a library and its functions, and free them (references too, when
 * the state is still used). */
static void library_free(struct library *l, int unref)
{
    struct library **link = &libraries;
    while (*link && *link != l)
        link = &(*link)->next;
    if (*link) {
        *link = l->next;
        if (libraries_tail == l) {
            libraries_tail = NULL;
            for (struct library *t = libraries; t; t = t->next)
                libraries_tail = t;
        }
        nlibraries--;
    }
    struct_bytes -= library_bytes(l);
    for (struct function *f = l->functions, *next; f; f = next) {
        next = f->next_in_library;
        remove_function(f);
        if (unref)
            luaL_unref(lua_vm_state(vm), LUA_REGISTRYINDEX, f->fn_ref);
        mem_free(f->name);
        mem_free(f->description);
        mem_free(f);
    }
    mem_free(l->name);
    mem_free(l->code);
    mem_free(l);
}

static void library_add(struct library *l)
{
    l->next = NULL;
    if (libraries_tail)
        libraries_tail->next = l;
    else
        libraries = l;
    libraries_tail = l;
    nlibraries++;
    for (struct function *f = l->functions; f; f = f->next_in_library)
        add_function(f);
    struct_bytes += library_bytes(l);
}

/* ---- loading ------------------------------------------------------------------------ */

#define METADATA_WORD_BYTES 512 /* one word of the metadata line, unquoted */

static int hex_digit(char ch)
{
    return isdigit((unsigned char)ch) ? ch - '0' : tolower((unsigned char)ch) - 'a' + 10;
}

/* The next word of the metadata line at *p (before end), unquoted as
 * Redis splits such lines: a double-quoted part takes \n \r \t \b \a \\ \"
 * and \xHH escapes, a single-quoted part only \', and a closing quote must
 * end the word. Returns the word's length (0 at the end of the line), or -1
 * for unbalanced quotes or a word too long. */
static int next_word(const char **p, const char *end, char *out, size_t cap)
{
    const char *s = *p;
    while (s < end && isspace((unsigned char)*s))
        s++;
    size_t n = 0;
    int quote = 0; /* the quote character while inside a quoted part */
    while (s < end && (quote || !isspace((unsigned char)*s))) {
        char ch = *s++;
        if (!quote && (ch == '"' || ch == '\'')) {
            quote = ch;
            continue;
        }
        if (quote && ch == quote) {
            if (s < end && !isspace((unsigned char)*s))
                return -1;
            quote = 0;
            continue;
        }
        if (quote == '"' && ch == '\\' && s < end) {
            char e = *s++;
            if (e == 'x' && end - s >= 2 && isxdigit((unsigned char)s[0]) &&
                isxdigit((unsigned char)s[1])) {
                ch = (char)(hex_digit(s[0]) * 16 + hex_digit(s[1]));
                s += 2;
            } else {
                static const char from[] = "nrtba", to[] = "\n\r\t\b\a";
                const char *f = strchr(from, e);
                ch = f && e ? to[f - from] : e;
            }
        } else if (quote == '\'' && ch == '\\' && s < end && *s == '\'') {
            ch = *s++;
        }
        if (n + 1 >= cap)
            return -1;
        out[n++] = ch;
    }
    if (quote)
        return -1;
    out[n] = '\0';
    *p = s;
    return (int)n;
}

/* "#!<engine> name=<library>" on the first line: the library's name and
 * the bytes of the line. Returns 0, or -1 with the error. */
static int parse_metadata(const char *code, size_t len, char *name, size_t name_cap,
                          size_t *skip, char *err, size_t errlen)
{
    if (len < 2 || code[0] != '#' || code[1] != '!') {
        snprintf(err, errlen, "ERR Missing library metadata");
        return -1;
    }
    const char *nl = memchr(code, '\n', len);
    if (!nl) { /* the metadata line must end: the code follows it */
        snprintf(err, errlen, "ERR Invalid library metadata");
        return -1;
    }
    *skip = (size_t)(nl - code);
    const char *p = code;
    char word[METADATA_WORD_BYTES];
    int wl = next_word(&p, nl, word, sizeof word);
    if (wl < 2) {
        snprintf(err, errlen, "ERR Invalid library metadata");
        return -1;
    }
    if (strcasecmp(word + 2, "lua") != 0) {
        snprintf(err, errlen, "ERR Engine '%s' not found", word + 2);
        return -1;
    }
    int have_name = 0;
    while ((wl = next_word(&p, nl, word, sizeof word)) > 0) {
        if (strncmp(word, "name=", 5) != 0) {
            snprintf(err, errlen, "ERR Invalid metadata value given: %s", word);
            return -1;
        }
        if (have_name) {
            snprintf(err, errlen,
                     "ERR Invalid metadata value, name argument was given multiple times");
            return -1;
        }
        have_name = 1;
        size_t nl_len = (size_t)wl - 5;
        if (!valid_name(word + 5, nl_len) || nl_len >= name_cap) {
            snprintf(err, errlen, "ERR %s", NAME_RULE_ERROR);
            return -1;
        }
        memcpy(name, word + 5, nl_len + 1);
    }
    if (wl < 0) {
        snprintf(err, errlen, "ERR Invalid library metadata");
        return -1;
    }
    if (!have_name) {
        snprintf(err, errlen, "ERR Library name was not given");
        return -1;
    }
    return 0;
}

static void pending_free(lua_State *L, struct load_ctx *ctx, int unref)
{
    for (size_t i = 0; i < ctx->n; i++) {
        if (unref)
            luaL_unref(L, LUA_REGISTRYINDEX, ctx->fns[i].fn_ref);
        mem_free(ctx->fns[i].name);
        mem_free(ctx->fns[i].description);
    }
    mem_free(ctx->fns);
    ctx->fns = NULL;
    ctx->n = ctx->cap = 0;
}

/* Run the library code and collect what it registers into ctx. Returns
 * 0, or -1 with the error. */
static int run_library_code(lua_State *L, const char *code, size_t len, size_t skip,
                            struct load_ctx *ctx, char *err, size_t errlen)
{
    if (lua_vm_load(L, code + skip, len - skip, "@user_function") != 0) {
        snprintf(err, errlen, "ERR Error compiling function: %s",
                 lua_tostring(L, -1) ? lua_tostring(L, -1) : "unknown error");
        lua_pop(L, 1);
        return -1;
    }
    use_globals(L, 1);
    loading = ctx;
    int rc = script_run_load(L, 0);
    loading = NULL;
    use_globals(L, 0);
    if (rc != 0) {
        const char *msg = NULL;
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            msg = lua_tostring(L, -1);
            lua_pop(L, 1);
        } else {
            msg = lua_tostring(L, -1);
        }
        snprintf(err, errlen, "ERR Error registering functions: %s", msg ? msg : "unknown error");
        lua_pop(L, 1);
        return -1;
    }
    if (ctx->n == 0) {
        snprintf(err, errlen, "ERR No functions registered");
        return -1;
    }
    return 0;
}

/* The library for what ctx collected. */
static struct library *library_from(const char *name, const char *code, size_t len,
                                    struct load_ctx *ctx)
{
    struct library *l = mem_calloc(1, sizeof *l);
    l->name = mem_strdup(name);
    l->code = mem_strndup(code, len);
    l->code_len = len;
    for (size_t i = ctx->n; i-- > 0;) {
        struct function *f = mem_calloc(1, sizeof *f);
        f->name = ctx->fns[i].name;
        f->description = ctx->fns[i].description;
        f->flags = ctx->fns[i].flags;
        f->fn_ref = ctx->fns[i].fn_ref;
        f->library = l;
        f->next_in_library = l->functions;
        l->functions = f;
        l->nfunctions++;
    }
    mem_free(ctx->fns);
    ctx->fns = NULL;
    ctx->n = ctx->cap = 0;
    return l;
}

static void free_all(int unref);

/* One library of a load or restore, staged until all of them loaded. */
struct staged {
    char name[FUNCTION_NAME_MAX_BYTES];
    const char *code;
    size_t len;
    struct load_ctx ctx;
    struct library *old; /* the library of that name, if any */
};

/* Whether existing library l stays once the staged ones are in. */
static int survives(const struct library *l, const struct staged *st, size_t n,
                    enum function_restore_policy policy)
{
    if (policy == RESTORE_FLUSH)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (st[i].old == l)
            return 0;
    return 1;
}

/* A function name registered twice among the staged libraries, or by one
 * of them and a library that stays. */
static const char *collision(const struct staged *st, size_t n,
                             enum function_restore_policy policy)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < st[i].ctx.n; k++) {
            const char *name = st[i].ctx.fns[k].name;
            struct function *f = function_find(name, strlen(name));
            if (f && survives(f->library, st, n, policy))
                return name;
            for (size_t j = 0; j < i; j++)
                for (size_t m = 0; m < st[j].ctx.n; m++)
                    if (same_name(st[j].ctx.fns[m].name, name, strlen(name)))
                        return name;
        }
    }
    return NULL;
}

/* Load n library codes at once under a policy: every code is run and
 * checked before anything changes, so a failure leaves the libraries as
 * they were. Returns 0, or -1 with the error. */
static int load_libraries(const char *const *codes, const size_t *lens, size_t n,
                          enum function_restore_policy policy, int restoring, char *err,
                          size_t errlen)
{
    lua_State *L = lua_vm_state(vm);
    struct staged *st = mem_calloc(n ? n : 1, sizeof *st);
    size_t staged = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++, staged++) {
        size_t skip;
        st[i].code = codes[i];
        st[i].len = lens[i];
        rc = parse_metadata(codes[i], lens[i], st[i].name, sizeof st[i].name, &skip, err, errlen);
        if (rc != 0)
            break;
        st[i].old = library_find(st[i].name, strlen(st[i].name));
        int twice = 0;
        for (size_t j = 0; j < i; j++)
            twice |= strcmp(st[j].name, st[i].name) == 0;
        if ((st[i].old && policy == RESTORE_APPEND) || twice) {
            /* FUNCTION LOAD quotes the name, FUNCTION RESTORE does not */
            snprintf(err, errlen, restoring ? "ERR Library %s already exists"
                                            : "ERR Library '%s' already exists",
                     st[i].name);
            rc = -1;
            break;
        }
        rc = run_library_code(L, codes[i], lens[i], skip, &st[i].ctx, err, errlen);
    }
    const char *clash = rc == 0 ? collision(st, n, policy) : NULL;
    if (clash) {
        snprintf(err, errlen, "ERR Function %s already exists", clash);
        rc = -1;
    }
    if (rc != 0) {
        for (size_t i = 0; i < n; i++)
            pending_free(L, &st[i].ctx, 1);
        mem_free(st);
        return -1;
    }
    if (policy == RESTORE_FLUSH)
        free_all(1);
    for (size_t i = 0; i < n; i++) {
        if (st[i].old && policy != RESTORE_FLUSH)
            library_free(st[i].old, 1);
        library_add(library_from(st[i].name, st[i].code, st[i].len, &st[i].ctx));
    }
    mem_free(st);
    return 0;
}

int function_load(const char *code, size_t len, int replace, const char **name_out, char *err,
                  size_t errlen)
{
    const char *codes[1] = {code};
    size_t lens[1] = {len};
    if (load_libraries(codes, lens, 1, replace ? RESTORE_REPLACE : RESTORE_APPEND, 0, err,
                       errlen) != 0)
        return -1;
    *name_out = libraries_tail->name;
    return 0;
}

int function_delete(const char *name, size_t len)
{
    struct library *l = library_find(name, len);
    if (!l)
        return -1;
    library_free(l, 1);
    return 0;
}

static void free_all(int unref)
{
    while (libraries)
        library_free(libraries, unref);
    libraries_tail = NULL;
}

void function_flush(void)
{
    free_all(0);
    lua_vm_destroy(vm);
    make_vm();
}

void function_teardown(void)
{
    if (!buckets)
        return;
    free_all(0);
    mem_free(buckets);
    buckets = NULL;
    nbuckets = 0;
    lua_vm_destroy(vm);
    vm = NULL;
}

const struct library *function_libraries(void)
{
    return libraries;
}

/* ---- DUMP and RESTORE ---------------------------------------------------------------- */

/* An RDB length: 6 bits, 14 bits, or a 32- or 64-bit big-endian number
 * after a marker byte. */
static void rdb_put_length(struct buf *out, uint64_t len)
{
    unsigned char b[9];
    size_t n;
    if (len < (1u << 6)) {
        b[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1u << 14)) {
        b[0] = (unsigned char)(0x40 | (len >> 8));
        b[1] = (unsigned char)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        b[0] = 0x80;
        for (int i = 0; i < 4; i++)
            b[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        b[0] = 0x81;
        for (int i = 0; i < 8; i++)
            b[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    buf_append(out, b, n);
}

void function_dump(struct buf *out)
{
    size_t start = buf_used(out);
    for (const struct library *l = libraries; l; l = l->next) {
        unsigned char op = RDB_OPCODE_FUNCTION;
        buf_append(out, &op, 1);
        rdb_put_length(out, l->code_len);
        buf_append(out, l->code, l->code_len);
    }
    unsigned char footer[DUMP_FOOTER_BYTES];
    footer[0] = RDB_VERSION & 0xff;
    footer[1] = (RDB_VERSION >> 8) & 0xff;
    buf_append(out, footer, 2);
    uint64_t crc = crc64(0, out->data + out->start + start, buf_used(out) - start);
    for (int i = 0; i < 8; i++)
        footer[2 + i] = (unsigned char)(crc >> (8 * i));
    buf_append(out, footer + 2, 8);
}

/* Reading a payload: a cursor over its body (the footer excluded). */
struct reader {
    const unsigned char *p;
    size_t left;
};

/* An RDB length, or a string encoding marker (*encoded set, the encoding in
 * *len). Returns 0, or -1 when the bytes run out. */
static int rdb_get_length(struct reader *r, uint64_t *len, int *encoded)
{
    if (r->left < 1)
        return -1;
    unsigned char b = *r->p++;
    r->left--;
    *encoded = 0;
    switch (b >> 6) {
    case 0: *len = b & 0x3f; return 0;
    case 1:
        if (r->left < 1)
            return -1;
        *len = ((uint64_t)(b & 0x3f) << 8) | *r->p++;
        r->left--;
        return 0;
    case 3:
        *encoded = 1;
        *len = b & 0x3f;
        return 0;
    default: break;
    }
    size_t n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
    if (n == 0 || r->left < n)
        return -1;
    *len = 0;
    for (size_t i = 0; i < n; i++)
        *len = (*len << 8) | r->p[i];
    r->p += n;
    r->left -= n;
    return 0;
}

#define RDB_ENC_LZF 3 /* an LZF-compressed string */

/* An RDB string: raw, or LZF-compressed; integer encodings are not code.
 * Returns a mem_alloc'ed copy and its length, or NULL. */
static char *rdb_get_string(struct reader *r, size_t *len)
{
    uint64_t n;
    int encoded;
    if (rdb_get_length(r, &n, &encoded) != 0)
        return NULL;
    if (!encoded) {
        if (n > r->left)
            return NULL;
        char *s = mem_alloc((size_t)n + 1);
        memcpy(s, r->p, (size_t)n);
        s[n] = '\0';
        r->p += n;
        r->left -= (size_t)n;
        *len = (size_t)n;
        return s;
    }
    uint64_t clen, ulen;
    int e1, e2;
    if (n != RDB_ENC_LZF || rdb_get_length(r, &clen, &e1) != 0 ||
        rdb_get_length(r, &ulen, &e2) != 0 || e1 || e2 || clen > r->left ||
        ulen > LZF_MAX_OUTPUT_BYTES)
        return NULL;
    char *s = mem_alloc((size_t)ulen + 1);
    if (lzf_decompress(r->p, (size_t)clen, s, (size_t)ulen) != (size_t)ulen) {
        mem_free(s);
        return NULL;
    }
    s[ulen] = '\0';
    r->p += clen;
    r->left -= (size_t)clen;
    *len = (size_t)ulen;
    return s;
}

/* Whether the payload ends with a version this server reads and a CRC64
 * that matches. */
static int payload_valid(const unsigned char *p, size_t len)
{
    if (len < DUMP_FOOTER_BYTES)
        return 0;
    const unsigned char *footer = p + len - DUMP_FOOTER_BYTES;
    unsigned version = footer[0] | (unsigned)footer[1] << 8;
    if (version > RDB_VERSION)
        return 0;
    uint64_t crc = crc64(0, p, len - 8), stored = 0;
    for (int i = 0; i < 8; i++)
        stored |= (uint64_t)footer[2 + i] << (8 * i);
    return crc == stored;
}

/* The libraries of a payload's codes, all loaded in a scratch registry
 * first so that a failure changes nothing. */
int function_restore(const char *payload, size_t len, enum function_restore_policy policy,
                     char *err, size_t errlen)
{
    const unsigned char *p = (const unsigned char *)payload;
    if (!payload_valid(p, len)) {
        snprintf(err, errlen, "ERR DUMP payload version or checksum are wrong");
        return -1;
    }
    struct reader r = {p, len - DUMP_FOOTER_BYTES};
    /* collect the codes */
    size_t ncodes = 0, cap = 0;
    char **codes = NULL;
    size_t *lens = NULL;
    int rc = 0;
    while (r.left > 0 && rc == 0) {
        unsigned char op = *r.p++;
        r.left--;
        if (op == RDB_OPCODE_FUNCTION_PRE_GA) {
            snprintf(err, errlen, "ERR Pre-GA function format not supported");
            rc = -1;
            break;
        }
        size_t clen;
        char *code = op == RDB_OPCODE_FUNCTION ? rdb_get_string(&r, &clen) : NULL;
        if (!code) {
            snprintf(err, errlen, "ERR given type is not a function");
            rc = -1;
            break;
        }
        if (ncodes == cap) {
            cap = cap ? cap * 2 : 4;
            codes = mem_realloc(codes, cap * sizeof *codes);
            lens = mem_realloc(lens, cap * sizeof *lens);
        }
        codes[ncodes] = code;
        lens[ncodes++] = clen;
    }
    if (rc == 0)
        rc = load_libraries((const char *const *)codes, lens, ncodes, policy, 1, err, errlen);
    for (size_t i = 0; i < ncodes; i++)
        mem_free(codes[i]);
    mem_free(codes);
    mem_free(lens);
    return rc;
}

/* ---- figures --------------------------------------------------------------------------- */

size_t function_count(void)
{
    return nfunctions;
}

size_t library_count(void)
{
    return nlibraries;
}

size_t function_memory(void)
{
    return struct_bytes + mem_block_size(buckets);
}

size_t function_vm_memory(void)
{
    return vm ? lua_vm_memory(vm) : 0;
}
