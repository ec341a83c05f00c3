/* eval: the EVAL script cache; see include/tidecache/eval.h.
 *
 * The cache is a chained hash table keyed by the SHA-1 text, doubling when
 * it holds more scripts than buckets. Scripts are few in practice, but a
 * client may load any number, and each costs O(1) to find. */
#include "tidecache/eval.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidecache/hash.h"
#include "tidecache/lua_vm.h"
#include "tidecache/mem.h"
#include "tidecache/script.h"

#define EVAL_MIN_BUCKETS 16

static struct lua_vm *vm;
static struct eval_script **buckets;
static size_t nbuckets, count, bodies_bytes;

static void make_vm(void)
{
    vm = lua_vm_create();
    if (!vm) {
        fprintf(stderr, "tidecache: cannot create the Lua state\n");
        abort();
    }
    script_register_api(lua_vm_state(vm));
}

void eval_setup(void)
{
    make_vm();
    nbuckets = EVAL_MIN_BUCKETS;
    buckets = mem_calloc(nbuckets, sizeof *buckets);
}

static void free_scripts(void)
{
    for (size_t i = 0; i < nbuckets; i++) {
        struct eval_script *s = buckets[i];
        while (s) {
            struct eval_script *next = s->next;
            mem_free(s);
            s = next;
        }
        buckets[i] = NULL;
    }
    count = bodies_bytes = 0;
}

void eval_teardown(void)
{
    if (!buckets)
        return;
    free_scripts();
    mem_free(buckets);
    buckets = NULL;
    nbuckets = 0;
    lua_vm_destroy(vm);
    vm = NULL;
}

lua_State *eval_state(void)
{
    return lua_vm_state(vm);
}

static size_t bucket_of(const char *sha)
{
    return (size_t)hash_bytes(sha, SHA1_HEX_BYTES - 1) & (nbuckets - 1);
}

struct eval_script *eval_find(const char *sha, size_t len)
{
    char lower[SHA1_HEX_BYTES];
    if (len != SHA1_HEX_BYTES - 1)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char ch = sha[i];
        lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    lower[len] = '\0';
    for (struct eval_script *s = buckets[bucket_of(lower)]; s; s = s->next)
        if (memcmp(s->sha, lower, len) == 0)
            return s;
    return NULL;
}

static void grow(void)
{
    size_t n = nbuckets * 2;
    struct eval_script **fresh = mem_calloc(n, sizeof *fresh);
    size_t old_n = nbuckets;
    struct eval_script **old = buckets;
    buckets = fresh;
    nbuckets = n;
    for (size_t i = 0; i < old_n; i++) {
        struct eval_script *s = old[i];
        while (s) {
            struct eval_script *next = s->next;
            size_t b = bucket_of(s->sha);
            s->next = buckets[b];
            buckets[b] = s;
            s = next;
        }
    }
    mem_free(old);
}

/* ---- shebang ------------------------------------------------------------- */

/* Parse "#!lua [flags=a,b]" on the first line of body. Sets *flags and
 * *skip (the bytes of the line before its newline; 0 without a shebang).
 * Returns 0, or -1 with Redis's error text in err. */
static int parse_shebang(const char *body, size_t len, unsigned *flags, size_t *skip, char *err,
                         size_t errlen)
{
    *flags = SCRIPT_FLAG_EVAL_COMPAT;
    *skip = 0;
    if (len < 2 || body[0] != '#' || body[1] != '!')
        return 0;
    const char *nl = memchr(body, '\n', len);
    if (!nl) {
        snprintf(err, errlen, "ERR Invalid script shebang");
        return -1;
    }
    *skip = (size_t)(nl - body);
    const char *p = body, *end = nl;
    int word = 0;
    *flags = 0;
    while (p < end) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        const char *w = p;
        while (p < end && !isspace((unsigned char)*p))
            p++;
        size_t wl = (size_t)(p - w);
        if (wl == 0)
            break;
        if (word++ == 0) {
            if (wl != 5 || memcmp(w, "#!lua", 5) != 0) {
                snprintf(err, errlen, "ERR Unexpected engine in script shebang: %.*s", (int)wl, w);
                return -1;
            }
        } else if (wl >= 6 && memcmp(w, "flags=", 6) == 0) {
            const char *f = w + 6;
            while (f < p) {
                const char *comma = memchr(f, ',', (size_t)(p - f));
                const char *fe = comma ? comma : p;
                unsigned flag = script_flag_by_name(f, (size_t)(fe - f));
                if (!flag) {
                    snprintf(err, errlen, "ERR Unexpected flag in script shebang: %.*s",
                             (int)(fe - f), f);
                    return -1;
                }
                *flags |= flag;
                f = comma ? comma + 1 : p;
            }
        } else {
            snprintf(err, errlen, "ERR Unknown lua shebang option: %.*s", (int)wl, w);
            return -1;
        }
    }
    return 0;
}

int eval_body_flags(const char *body, size_t len, unsigned *flags)
{
    char sha[SHA1_HEX_BYTES], err[128];
    size_t skip;
    sha1_hex(body, len, sha);
    struct eval_script *s = eval_find(sha, SHA1_HEX_BYTES - 1);
    if (s) {
        *flags = s->flags;
        return 1;
    }
    return parse_shebang(body, len, flags, &skip, err, sizeof err) == 0;
}

/* ---- compiling ---------------------------------------------------------------- */

struct eval_script *eval_get(const char *body, size_t len, char *err, size_t errlen)
{
    char sha[SHA1_HEX_BYTES];
    sha1_hex(body, len, sha);
    struct eval_script *s = eval_find(sha, SHA1_HEX_BYTES - 1);
    if (s)
        return s;
    unsigned flags;
    size_t skip;
    if (parse_shebang(body, len, &flags, &skip, err, errlen) != 0)
        return NULL;
    lua_State *L = lua_vm_state(vm);
    if (lua_vm_load(L, body + skip, len - skip, "@user_script") != 0) {
        snprintf(err, errlen, "ERR Error compiling script (new function): %s",
                 lua_tostring(L, -1) ? lua_tostring(L, -1) : "unknown error");
        lua_pop(L, 1);
        return NULL;
    }
    s = mem_alloc(sizeof *s + len);
    memcpy(s->sha, sha, sizeof sha);
    s->flags = flags;
    s->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    s->body_len = len;
    memcpy(s->body, body, len);
    if (count >= nbuckets)
        grow();
    size_t b = bucket_of(s->sha);
    s->next = buckets[b];
    buckets[b] = s;
    count++;
    bodies_bytes += mem_block_size(s);
    return s;
}

void eval_flush(void)
{
    free_scripts();
    lua_vm_destroy(vm);
    make_vm();
    if (nbuckets > EVAL_MIN_BUCKETS) {
        mem_free(buckets);
        nbuckets = EVAL_MIN_BUCKETS;
        buckets = mem_calloc(nbuckets, sizeof *buckets);
    }
}

size_t eval_count(void)
{
    return count;
}

size_t eval_scripts_memory(void)
{
    return bodies_bytes + mem_block_size(buckets);
}

size_t eval_vm_memory(void)
{
    return vm ? lua_vm_memory(vm) : 0;
}
