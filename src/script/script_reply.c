/* script_reply: replies to Lua values and back; see
 * include/tidecache/script_reply.h. */
#include "tidecache/script_reply.h"

#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tidecache/conn.h"
#include "tidecache/reply.h"
#include "tidecache/resp_reader.h"
#include "tidecache/status.h"

#define SCRIPT_REPLY_STACK_SLOTS 4 /* Lua stack slots one nesting level takes */

/* ---- reply -> Lua --------------------------------------------------------- */

/* A table with one field, name = (the value on top), replacing that value. */
static void wrap_in_field(lua_State *L, const char *name)
{
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);
}

static int push_value(lua_State *L, const char *p, size_t n, int proto, size_t *used);

/* An error reply's text (its '-' already gone) as Redis turns it into a
 * table: kept when it has a code and a message, given the code ERR when
 * it is one word. */
static void push_error_reply(lua_State *L, const char *text, size_t len)
{
    lua_newtable(L);
    if (memchr(text, ' ', len)) {
        lua_pushlstring(L, text, len);
    } else {
        lua_pushliteral(L, "ERR ");
        lua_pushlstring(L, text, len);
        lua_concat(L, 2);
    }
    lua_setfield(L, -2, "err");
}

/* The count elements of an aggregate whose header took *off bytes, as a
 * Lua array, a map's fields, or a set's members. */
static int push_aggregate(lua_State *L, const char *p, size_t n, int proto, size_t *off,
                          const struct resp_value *v)
{
    if (!lua_checkstack(L, SCRIPT_REPLY_STACK_SLOTS))
        return TC_ERR;
    lua_createtable(L, v->kind == RESP_ARRAY || v->kind == RESP_PUSH ? (int)v->count : 0,
                    v->kind == RESP_ARRAY ? 0 : (int)v->count);
    for (size_t i = 0; i < v->count; i++) {
        size_t u;
        if (push_value(L, p + *off, n - *off, proto, &u) != TC_OK)
            return TC_ERR;
        *off += u;
        if (v->kind == RESP_MAP) {
            if (push_value(L, p + *off, n - *off, proto, &u) != TC_OK)
                return TC_ERR;
            *off += u;
            if (lua_isnil(L, -2))
                lua_pop(L, 2); /* a nil key cannot be a field */
            else
                lua_rawset(L, -3);
        } else if (v->kind == RESP_SET) {
            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
            } else {
                lua_pushboolean(L, 1);
                lua_rawset(L, -3);
            }
        } else {
            lua_rawseti(L, -2, (int)i + 1);
        }
    }
    if (v->kind == RESP_MAP)
        wrap_in_field(L, "map");
    else if (v->kind == RESP_SET)
        wrap_in_field(L, "set");
    return TC_OK;
}

/* Push the Lua value of the reply at p (its elements included). */
static int push_value(lua_State *L, const char *p, size_t n, int proto, size_t *used)
{
    struct resp_value v;
    char why[128];
    size_t off;
    if (resp_read(p, n, proto, &v, &off, why, sizeof why) != TC_OK)
        return TC_ERR;
    switch (v.kind) {
    case RESP_SIMPLE:
        lua_pushlstring(L, v.str, v.len);
        wrap_in_field(L, "ok");
        break;
    case RESP_ERROR: push_error_reply(L, v.str, v.len); break;
    case RESP_INT: lua_pushnumber(L, (lua_Number)v.integer); break;
    case RESP_BULK: lua_pushlstring(L, v.str, v.len); break;
    case RESP_NULL:
        if (proto >= 3)
            lua_pushnil(L);
        else
            lua_pushboolean(L, 0);
        break;
    case RESP_BOOL: lua_pushboolean(L, (int)v.integer); break;
    case RESP_DOUBLE:
        lua_pushnumber(L, v.dbl);
        wrap_in_field(L, "double");
        break;
    case RESP_BIGNUM:
        lua_pushlstring(L, v.str, v.len);
        wrap_in_field(L, "big_number");
        break;
    case RESP_VERBATIM:
        lua_newtable(L);
        lua_pushlstring(L, v.str, v.len);
        lua_setfield(L, -2, "string");
        lua_pushstring(L, v.format);
        lua_setfield(L, -2, "format");
        wrap_in_field(L, "verbatim_string");
        break;
    case RESP_ATTRIBUTE: { /* attributes describe the value after them: skipped */
        for (size_t i = 0; i < 2 * v.count; i++) {
            size_t u;
            if (resp_read_reply(p + off, n - off, proto, &u, why, sizeof why) != TC_OK)
                return TC_ERR;
            off += u;
        }
        size_t u;
        if (push_value(L, p + off, n - off, proto, &u) != TC_OK)
            return TC_ERR;
        off += u;
        break;
    }
    default:
        if (push_aggregate(L, p, n, proto, &off, &v) != TC_OK)
            return TC_ERR;
        break;
    }
    *used = off;
    return TC_OK;
}

int script_push_reply(lua_State *L, const char *p, size_t n, int proto, size_t *used)
{
    int top = lua_gettop(L);
    if (push_value(L, p, n, proto, used) != TC_OK) {
        lua_settop(L, top);
        return TC_ERR;
    }
    return TC_OK;
}

/* "-CODE message" keeps its code; a message without a leading '-' (or a
 * '-' with no space after the code) gets the code ERR, as Redis builds the
 * err field. */
void script_push_error(lua_State *L, const char *text, size_t len)
{
    while (len > 0 && (text[len - 1] == '\r' || text[len - 1] == '\n'))
        len--;
    lua_newtable(L);
    if (len > 0 && text[0] == '-') {
        const char *space = memchr(text, ' ', len);
        if (space) {
            lua_pushlstring(L, text + 1, len - 1);
        } else {
            lua_pushliteral(L, "ERR ");
            lua_pushlstring(L, text + 1, len - 1);
            lua_concat(L, 2);
        }
    } else {
        lua_pushliteral(L, "ERR ");
        lua_pushlstring(L, text, len);
        lua_concat(L, 2);
    }
    lua_setfield(L, -2, "err");
}

/* ---- Lua -> reply ----------------------------------------------------------- */

/* A Lua number as Redis replies it: the cast to long long of the C
 * library, which gives LLONG_MIN for NaN and for values out of range. */
static long long number_to_integer(lua_Number n)
{
    if (n != n || n >= 9223372036854775808.0 || n < -9223372036854775808.0)
        return LLONG_MIN;
    return (long long)n;
}

/* The field name of the table at idx, read raw; pushes it. */
static int raw_field(lua_State *L, int idx, const char *name)
{
    lua_pushstring(L, name);
    lua_rawget(L, idx);
    return lua_type(L, -1);
}

static void reply_table(lua_State *L, int idx, struct conn *c, int script_proto);

/* Map: {map = {field = value}}; RESP2 flattens it to field, value, ... */
static void reply_map_field(lua_State *L, int map, struct conn *c, int script_proto)
{
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, map)) {
        lua_pop(L, 1);
        pairs++;
    }
    reply_map(c, pairs);
    lua_pushnil(L);
    while (lua_next(L, map)) {
        script_reply_value(L, lua_gettop(L) - 1, c, script_proto);
        script_reply_value(L, lua_gettop(L), c, script_proto);
        lua_pop(L, 1);
    }
}

/* Set: {set = {member = true}}: the members. */
static void reply_set_field(lua_State *L, int set, struct conn *c, int script_proto)
{
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, set)) {
        lua_pop(L, 1);
        n++;
    }
    reply_set(c, n);
    lua_pushnil(L);
    while (lua_next(L, set)) {
        lua_pop(L, 1);
        script_reply_value(L, lua_gettop(L), c, script_proto);
    }
}

/* Tables with one of the typed fields; returns 0 for a plain array. The
 * order of the checks is Redis's: err, ok, double, big_number, map, set,
 * verbatim_string. */
static int reply_typed_table(lua_State *L, int idx, struct conn *c, int script_proto)
{
    size_t len;
    const char *s;
    if (raw_field(L, idx, "err") == LUA_TSTRING) {
        s = lua_tolstring(L, -1, &len);
        reply_error_len(c, s, len);
        return 1;
    }
    lua_pop(L, 1);
    if (raw_field(L, idx, "ok") == LUA_TSTRING) {
        s = lua_tolstring(L, -1, &len);
        reply_status_len(c, s, len);
        return 1;
    }
    lua_pop(L, 1);
    if (raw_field(L, idx, "double") == LUA_TNUMBER) {
        reply_double(c, lua_tonumber(L, -1));
        return 1;
    }
    lua_pop(L, 1);
    if (raw_field(L, idx, "big_number") == LUA_TSTRING) {
        s = lua_tolstring(L, -1, &len);
        reply_bignum(c, s, len);
        return 1;
    }
    lua_pop(L, 1);
    if (raw_field(L, idx, "map") == LUA_TTABLE) {
        reply_map_field(L, lua_gettop(L), c, script_proto);
        return 1;
    }
    lua_pop(L, 1);
    if (raw_field(L, idx, "set") == LUA_TTABLE) {
        reply_set_field(L, lua_gettop(L), c, script_proto);
        return 1;
    }
    lua_pop(L, 1);
    if (raw_field(L, idx, "verbatim_string") == LUA_TTABLE) {
        int v = lua_gettop(L);
        raw_field(L, v, "string");
        raw_field(L, v, "format");
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
            s = lua_tolstring(L, -2, &len);
            reply_verbatim(c, s, len);
            return 1;
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    return 0;
}

/* An array of the elements 1.. up to the first nil. */
static void reply_table(lua_State *L, int idx, struct conn *c, int script_proto)
{
    int top = lua_gettop(L);
    if (reply_typed_table(L, idx, c, script_proto)) {
        lua_settop(L, top);
        return;
    }
    lua_settop(L, top);
    size_t n = 0;
    for (;; n++) {
        lua_rawgeti(L, idx, (int)n + 1);
        int nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil)
            break;
    }
    reply_array(c, n);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, (int)i);
        script_reply_value(L, lua_gettop(L), c, script_proto);
        lua_pop(L, 1);
    }
}

void script_reply_value(lua_State *L, int idx, struct conn *c, int script_proto)
{
    if (idx < 0)
        idx = lua_gettop(L) + idx + 1;
    if (!lua_checkstack(L, SCRIPT_REPLY_STACK_SLOTS)) {
        reply_error(c, "ERR reached lua stack limit");
        return;
    }
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        reply_bulk(c, s, len);
        break;
    }
    case LUA_TNUMBER: reply_int(c, number_to_integer(lua_tonumber(L, idx))); break;
    case LUA_TBOOLEAN: /* by the script's protocol, as Redis 7.0 does */
        if (script_proto >= 3)
            reply_bool(c, lua_toboolean(L, idx));
        else if (lua_toboolean(L, idx))
            reply_int(c, 1);
        else
            reply_null(c);
        break;
    case LUA_TTABLE: reply_table(L, idx, c, script_proto); break;
    default: reply_null(c); break;
    }
}
