/* lua_vm: one sandboxed Lua 5.1 state, as scripts see it.
 *
 * Scripts written for Redis run unchanged, so the sandbox is Redis's: the
 * libraries base (without dofile, loadfile and print), table, string, math,
 * cjson and bit (Debian's lua-cjson and lua-bitop, the versions Redis
 * embeds), struct and cmsgpack (src/script/lib_*.c); no os, io, package,
 * require or debug. Binary chunks are refused by load and loadstring: Lua
 * 5.1 trusts bytecode, and crafted bytecode can corrupt the VM. pcall
 * returns an error raised as a table ({err = ...}, what redis.call raises)
 * as its err string, as Redis's pcall does.
 *
 * Read-only tables. Redis patches its Lua so that globals and library
 * tables refuse writes. Stock Lua has no such thing, so a read-only table is
 * an empty proxy whose metatable sends reads to the real table and refuses
 * writes ("Attempt to modify a readonly table"); its __metatable is itself a
 * read-only proxy, so getmetatable() gives nothing writable, and rawset,
 * setmetatable, table.insert, table.remove and table.sort refuse read-only
 * tables. The globals table of the state is such a proxy: reading a global
 * that does not exist raises "Script attempted to access nonexistent global
 * variable 'x'", assigning one raises the read-only error. The host writes
 * the real globals (KEYS, ARGV, the redis table) with lua_vm_set_global.
 *
 * Memory: every allocation of the state goes through the mem module, so it
 * is part of used_memory, and the state's own share is counted apart for
 * INFO (used_memory_vm_eval...). */
#ifndef TIDECACHE_LUA_VM_H
#define TIDECACHE_LUA_VM_H

#include <stddef.h>

#include <lua.h>

struct lua_vm;

/* A new sandboxed state. Returns NULL when Lua cannot be set up. */
struct lua_vm *lua_vm_create(void);
void lua_vm_destroy(struct lua_vm *vm);

lua_State *lua_vm_state(struct lua_vm *vm);

/* Bytes the state holds, at the allocator's sizes. */
size_t lua_vm_memory(const struct lua_vm *vm);

/* Pop the value on top of the stack into the real globals under name,
 * bypassing the protection (the host's own globals: KEYS, ARGV, redis). */
void lua_vm_set_global(lua_State *L, const char *name);

/* Push the real globals table (for the host; never give it to a script). */
void lua_vm_push_real_globals(lua_State *L);

/* Replace the table on top of the stack by a read-only proxy of it. */
void lua_vm_make_readonly(lua_State *L);

/* Push a new, empty environment table for code that must see only some
 * globals (a function library's load run): reads of names it lacks raise
 * the nonexistent-global error, writes the read-only error once it is
 * sealed by lua_vm_make_readonly. */
void lua_vm_push_strict_env(lua_State *L);

/* The message handler scripts run under (lua_pcall's errfunc): turns any
 * error into a table {err = "ERR ..." (a string error) or the error table's
 * own err, source = "@user_script", line = n} naming the script position
 * that raised it (the caller, when a C function raised it). */
int lua_vm_error_handler(lua_State *L);

/* Compile code as a chunk named name ("@user_script"). Returns 0 with the
 * function pushed, or nonzero with the error message pushed. Binary chunks
 * are refused. */
int lua_vm_load(lua_State *L, const char *code, size_t len, const char *name);

#endif
