/* lua_vm: the sandboxed Lua 5.1 state; see include/tidecache/lua_vm.h.
 *
 * Layout of a state:
 *   LUA_GLOBALSINDEX     the globals proxy: an empty table whose metatable
 *                        (a read-only one) reads from the real globals
 *   real globals         the libraries, KEYS, ARGV, redis...; a table whose
 *                        own metatable raises the nonexistent-global error
 *                        for names it lacks
 *   registry             READONLY_KEY: the metatable marker every read-only
 *                        proxy's metatable holds, so C code can tell them */
#include "tidecache/lua_vm.h"

#include <lauxlib.h>
#include <lua-bitop.h>
#include <lua-cjson.h>
#include <lualib.h>
#include <string.h>

#include "tidecache/mem.h"
#include "tidecache/script_libs.h"

struct lua_vm {
    lua_State *L;
    size_t bytes; /* the state's allocations, at the allocator's sizes */
};

/* Registry keys: addresses of these statics are unique light userdata. */
static const char READONLY_KEY = 'r';      /* marker field of read-only metatables */
static const char SHOWN_KEY = 's';         /* what getmetatable() shows of a proxy */
static const char REAL_GLOBALS_KEY = 'g';  /* the real globals table */

static const char READONLY_ERROR[] = "Attempt to modify a readonly table";

/* ---- allocation -------------------------------------------------------- */

/* Lua's allocator over the mem module. A failed allocation returns NULL,
 * which Lua turns into a "not enough memory" error for the script, since a
 * script chooses its sizes (string.rep). */
static void *vm_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)osize;
    struct lua_vm *vm = ud;
    if (nsize == 0) {
        if (ptr) {
            vm->bytes -= mem_block_size(ptr);
            mem_free(ptr);
        }
        return NULL;
    }
    size_t old = ptr ? mem_block_size(ptr) : 0;
    void *p = mem_try_realloc(ptr, nsize);
    if (p)
        vm->bytes = vm->bytes - old + mem_block_size(p);
    return p;
}

/* ---- errors raised at the script's position ------------------------------ */

/* Raise msg as an error positioned at the Lua code that led here: the
 * caller of the metamethod or library function that raises it (level 1;
 * level 0 is the running C function). */
static int raise_at_caller(lua_State *L, const char *msg)
{
    luaL_where(L, 1);
    lua_pushstring(L, msg);
    lua_concat(L, 2);
    return lua_error(L);
}

static int readonly_newindex(lua_State *L)
{
    return raise_at_caller(L, READONLY_ERROR);
}

/* __index of the real globals: a name that is not there. */
static int missing_global(lua_State *L)
{
    const char *name = lua_tostring(L, 2);
    lua_pushfstring(L, "Script attempted to access nonexistent global variable '%s'",
                    name ? name : "?");
    return raise_at_caller(L, lua_tostring(L, -1));
}

/* ---- read-only proxies -------------------------------------------------
 * A proxy's metatable holds, under keys scripts cannot name (light
 * userdata): READONLY_KEY, and SHOWN_KEY, what getmetatable() gives for the
 * proxy (nothing, except for _G). __index, the real table, is reachable
 * only from C: the getmetatable scripts call is ours. */

/* The real table behind the read-only proxy at idx, pushed; 0 (nothing
 * pushed) when idx is no proxy. */
static int push_target(lua_State *L, int idx)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
        return 0;
    lua_pushlightuserdata(L, (void *)&READONLY_KEY);
    lua_rawget(L, -2);
    int marked = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!marked) {
        lua_pop(L, 1);
        return 0;
    }
    lua_getfield(L, -1, "__index");
    lua_remove(L, -2);
    return 1;
}

static int is_readonly(lua_State *L, int idx)
{
    if (!push_target(L, idx))
        return 0;
    lua_pop(L, 1);
    return 1;
}

/* Replace the table on top with a proxy of it that reads from it and
 * refuses writes; getmetatable() of the proxy shows the value under the
 * top when show is set (popped too), else nothing. */
static void make_proxy(lua_State *L, int show)
{
    int target = lua_gettop(L);
    lua_newtable(L); /* proxy */
    lua_newtable(L); /* its metatable */
    lua_pushvalue(L, target);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushlightuserdata(L, (void *)&READONLY_KEY);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    if (show) {
        lua_pushlightuserdata(L, (void *)&SHOWN_KEY);
        lua_pushvalue(L, target - 1);
        lua_rawset(L, -3);
    }
    lua_setmetatable(L, -2);
    lua_replace(L, target);
    if (show)
        lua_remove(L, target - 1);
}

void lua_vm_make_readonly(lua_State *L)
{
    make_proxy(L, 0);
}

/* getmetatable as scripts see it: a proxy shows only what it was given
 * to show; other values as in Lua (which honours __metatable). */
static int sandbox_getmetatable(lua_State *L)
{
    luaL_checkany(L, 1);
    if (is_readonly(L, 1)) {
        lua_getmetatable(L, 1);
        lua_pushlightuserdata(L, (void *)&SHOWN_KEY);
        lua_rawget(L, -2);
        return 1;
    }
    if (!lua_getmetatable(L, 1))
        return 0;
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

/* ---- library functions that read or write tables raw ----------------------- */

/* Raise msg with no position, as Redis's C functions do. */
static int raise_plain(lua_State *L, const char *msg)
{
    lua_pushstring(L, msg);
    return lua_error(L);
}

/* Each replaces a library function of the same name: it refuses a read-only
 * table as its first argument and otherwise calls the original, kept as
 * its upvalue. */
static int guarded_call(lua_State *L)
{
    if (is_readonly(L, 1))
        return raise_plain(L, READONLY_ERROR);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Each replaces a library function that reads a table raw (rawget, next):
 * given a read-only proxy it reads the real table behind, so scripts see
 * the library's contents; what they get back is values, never the table. */
static int through_call(lua_State *L)
{
    luaL_checkany(L, 1);
    if (push_target(L, 1))
        lua_replace(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Replace field name of the table on top by fn with the original as its
 * upvalue. */
static void wrap_field(lua_State *L, const char *name, lua_CFunction fn)
{
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
}

/* pairs(t) as next, t, nil with the wrapped next, which reads a proxy's
 * real table while the script only ever holds the proxy. */
static int sandbox_pairs(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* ---- binary chunks --------------------------------------------------------- */

static int is_binary_chunk(const char *code, size_t len)
{
    return len > 0 && code[0] == LUA_SIGNATURE[0];
}

/* loadstring(s [, name]) without bytecode: nil and a message for it. */
static int safe_loadstring(lua_State *L)
{
    size_t len;
    const char *code = luaL_checklstring(L, 1, &len);
    if (is_binary_chunk(code, len)) {
        lua_pushnil(L);
        lua_pushliteral(L, "attempt to load a binary chunk");
        return 2;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* State for safe_load's reader: the user's reader function, and whether
 * the first piece was checked. */
struct load_state {
    lua_State *L;
    int checked;
    int binary;
};

/* Reader for lua_load that calls the function at stack index 1 (as Lua's
 * own load does) and stops at a binary first piece. */
static const char *load_reader(lua_State *L, void *ud, size_t *size)
{
    struct load_state *ls = ud;
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
        *size = 0;
        return NULL;
    }
    if (!lua_isstring(L, -1))
        luaL_error(L, "reader function must return a string");
    lua_replace(L, 3); /* keep it alive while lua_load reads it */
    const char *piece = lua_tolstring(L, 3, size);
    if (!ls->checked && *size > 0) {
        ls->checked = 1;
        if (is_binary_chunk(piece, *size)) {
            ls->binary = 1;
            *size = 0;
            return NULL;
        }
    }
    return piece;
}

/* load(func [, chunkname]) without bytecode. */
static int safe_load(lua_State *L)
{
    struct load_state ls = {L, 0, 0};
    const char *name = luaL_optstring(L, 2, "=(load)");
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 3);
    int rc = lua_load(L, load_reader, &ls, name);
    if (ls.binary) {
        lua_pushnil(L);
        lua_pushliteral(L, "attempt to load a binary chunk");
        return 2;
    }
    if (rc == 0)
        return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

/* pcall as Redis gives it to scripts: an error raised as a table (what
 * redis.call raises for a failed command) comes back as the table's err
 * string, which is what scripts written for Redis expect to get. */
static int string_error_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    if (lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0) != 0) {
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1))
                lua_replace(L, -2);
            else
                lua_pop(L, 1);
        }
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    return lua_gettop(L);
}

int lua_vm_load(lua_State *L, const char *code, size_t len, const char *name)
{
    if (is_binary_chunk(code, len)) {
        lua_pushliteral(L, "attempt to load a binary chunk");
        return LUA_ERRSYNTAX;
    }
    return luaL_loadbuffer(L, code, len, name);
}

/* ---- the error handler ------------------------------------------------------ */

int lua_vm_error_handler(lua_State *L)
{
    lua_Debug ar;
    int level = 1, have = lua_getstack(L, level, &ar) && lua_getinfo(L, "nSl", &ar);
    if (have && strcmp(ar.what, "C") == 0) {
        level = 2;
        have = lua_getstack(L, level, &ar) && lua_getinfo(L, "nSl", &ar);
    }
    if (!lua_istable(L, 1)) {
        const char *msg = lua_tostring(L, 1);
        lua_newtable(L);
        lua_pushfstring(L, "ERR %s", msg ? msg : "(error object is not a string)");
        lua_setfield(L, -2, "err");
        lua_replace(L, 1);
    }
    lua_settop(L, 1);
    if (have) {
        lua_pushstring(L, ar.source);
        lua_setfield(L, 1, "source");
        lua_pushinteger(L, ar.currentline);
        lua_setfield(L, 1, "line");
    }
    return 1;
}

/* ---- setup ------------------------------------------------------------------- */

/* Open a library by its luaopen_ function and make its table the global
 * name (libraries that register a global of their own set the same). */
static void open_library(lua_State *L, lua_CFunction open, const char *name)
{
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_getglobal(L, name);
    }
    lua_setglobal(L, name);
}

void lua_vm_push_real_globals(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&REAL_GLOBALS_KEY);
    lua_rawget(L, LUA_REGISTRYINDEX);
}

void lua_vm_set_global(lua_State *L, const char *name)
{
    lua_vm_push_real_globals(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

void lua_vm_push_strict_env(lua_State *L)
{
    lua_newtable(L);
    lua_newtable(L);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

/* Base library: the functions Redis denies go, load and loadstring refuse
 * bytecode, and the raw writers refuse read-only tables. */
static void sandbox_base(lua_State *L)
{
    static const char *const denied[] = {"dofile", "loadfile", "print",   "setfenv",
                                         "getfenv", "newproxy", NULL};
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    for (int i = 0; denied[i]; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, denied[i]);
    }
    lua_getfield(L, -1, "loadstring");
    lua_pushcclosure(L, safe_loadstring, 1);
    lua_setfield(L, -2, "loadstring");
    lua_pushcfunction(L, safe_load);
    lua_setfield(L, -2, "load");
    lua_pushcfunction(L, string_error_pcall);
    lua_setfield(L, -2, "pcall");
    lua_pushcfunction(L, sandbox_getmetatable);
    lua_setfield(L, -2, "getmetatable");
    wrap_field(L, "rawset", guarded_call);
    wrap_field(L, "setmetatable", guarded_call);
    wrap_field(L, "rawget", through_call);
    wrap_field(L, "next", through_call);
    lua_getfield(L, -1, "next");
    lua_pushcclosure(L, sandbox_pairs, 1);
    lua_setfield(L, -2, "pairs");
    lua_getfield(L, -1, "table");
    wrap_field(L, "insert", guarded_call);
    wrap_field(L, "remove", guarded_call);
    wrap_field(L, "sort", guarded_call);
    lua_pop(L, 2);
}

/* Turn the globals table into the real globals behind a read-only proxy:
 * library tables become read-only, names the real globals lack raise the
 * nonexistent-global error, and the proxy becomes LUA_GLOBALSINDEX, which
 * _G names. */
static void seal_globals(lua_State *L)
{
    static const char *const libraries[] = {"string", "table", "math",   "coroutine",
                                            "cjson",  "bit",   "struct", "cmsgpack"};
    lua_pushvalue(L, LUA_GLOBALSINDEX); /* real globals */
    for (size_t i = 0; i < sizeof libraries / sizeof libraries[0]; i++) {
        lua_getfield(L, -1, libraries[i]);
        lua_vm_make_readonly(L);
        lua_setfield(L, -2, libraries[i]);
    }
    lua_pushlightuserdata(L, (void *)&REAL_GLOBALS_KEY);
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    /* getmetatable(_G) shows, read-only, a metatable with the functions
     * Redis's has: __index raising the nonexistent-global error */
    lua_newtable(L);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_vm_make_readonly(L);
    lua_pushvalue(L, -2);
    make_proxy(L, 1); /* real globals, proxy */
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "_G");
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_pop(L, 1);
}

/* Strings' metatable: its __index, which getmetatable("") reaches, must be
 * the read-only string table, and the metatable itself is shown only as a
 * read-only proxy. Runs after seal_globals made the proxy. */
static void seal_string_metatable(lua_State *L)
{
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_getglobal(L, "string");
        lua_setfield(L, -2, "__index");
        lua_pushvalue(L, -1);
        lua_vm_make_readonly(L);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

struct lua_vm *lua_vm_create(void)
{
    struct lua_vm *vm = mem_calloc(1, sizeof *vm);
    vm->L = lua_newstate(vm_alloc, vm);
    if (!vm->L) {
        mem_free(vm);
        return NULL;
    }
    lua_State *L = vm->L;
    static const struct {
        const char *name;
        lua_CFunction open;
    } standard[] = {{"", luaopen_base}, {LUA_TABLIBNAME, luaopen_table},
                    {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math}};
    for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++) {
        lua_pushcfunction(L, standard[i].open);
        lua_pushstring(L, standard[i].name);
        lua_call(L, 1, 0);
    }
    open_library(L, luaopen_cjson, "cjson");
    open_library(L, luaopen_bit, "bit");
    open_library(L, script_open_struct, "struct");
    open_library(L, script_open_cmsgpack, "cmsgpack");
    sandbox_base(L);
    seal_globals(L);
    seal_string_metatable(L);
    return vm;
}

void lua_vm_destroy(struct lua_vm *vm)
{
    if (!vm)
        return;
    lua_close(vm->L);
    mem_free(vm);
}

lua_State *lua_vm_state(struct lua_vm *vm)
{
    return vm->L;
}

size_t lua_vm_memory(const struct lua_vm *vm)
{
    return vm->bytes;
}
