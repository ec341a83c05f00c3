/* lib_cmsgpack: MessagePack for scripts; see include/tidecache/script_libs.h.
 *
 * Encoding writes into a growing buffer; decoding walks the input with a
 * cursor that fails with "Missing bytes in input." when a value runs past
 * the end and "Bad data format in input." on a type byte MessagePack does
 * not define. Decoded arrays and maps become Lua tables (arrays from 1),
 * nil stays nil, integers beyond 2^53 lose precision as Lua numbers do. */
#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tidecache/script_libs.h"

/* ---- encoding ------------------------------------------------------------- */

/* The output grows in a userdata kept at a fixed stack slot: unlike a
 * luaL_Buffer it leaves the stack above free for the tables being walked,
 * and a Lua error raised midway leaves nothing behind that the collector
 * does not free. */
struct outbuf {
    lua_State *L;
    int slot;
    unsigned char *data;
    size_t len, cap;
};

#define OUTBUF_FIRST_BYTES 256

static void outbuf_init(struct outbuf *o, lua_State *L)
{
    o->L = L;
    o->data = lua_newuserdata(L, OUTBUF_FIRST_BYTES);
    o->slot = lua_gettop(L);
    o->len = 0;
    o->cap = OUTBUF_FIRST_BYTES;
}

static void put_bytes(struct outbuf *o, const void *p, size_t n)
{
    if (o->cap - o->len < n) {
        size_t cap = o->cap;
        while (cap - o->len < n) {
            if (cap > ((size_t)-1) / 2)
                luaL_error(o->L, "MessagePack output too large");
            cap *= 2;
        }
        unsigned char *grown = lua_newuserdata(o->L, cap);
        memcpy(grown, o->data, o->len);
        lua_replace(o->L, o->slot);
        o->data = grown;
        o->cap = cap;
    }
    memcpy(o->data + o->len, p, n);
    o->len += n;
}

/* A type byte followed by v in n big-endian bytes. */
static void put_be(struct outbuf *b, unsigned char type, uint64_t v, size_t n)
{
    unsigned char out[9];
    out[0] = type;
    for (size_t i = 0; i < n; i++)
        out[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    put_bytes(b, out, n + 1);
}

static void encode_int(struct outbuf *b, int64_t n)
{
    if (n >= 0) {
        uint64_t u = (uint64_t)n;
        if (u <= 0x7f) {
            unsigned char c = (unsigned char)u;
            put_bytes(b, &c, 1);
        } else if (u <= 0xff) {
            put_be(b, 0xcc, u, 1);
        } else if (u <= 0xffff) {
            put_be(b, 0xcd, u, 2);
        } else if (u <= 0xffffffffu) {
            put_be(b, 0xce, u, 4);
        } else {
            put_be(b, 0xcf, u, 8);
        }
    } else if (n >= -32) {
        unsigned char c = (unsigned char)(int8_t)n;
        put_bytes(b, &c, 1);
    } else if (n >= INT8_MIN) {
        put_be(b, 0xd0, (uint64_t)n, 1);
    } else if (n >= INT16_MIN) {
        put_be(b, 0xd1, (uint64_t)n, 2);
    } else if (n >= INT32_MIN) {
        put_be(b, 0xd2, (uint64_t)n, 4);
    } else {
        put_be(b, 0xd3, (uint64_t)n, 8);
    }
}

/* A whole number that fits 64 bits as an integer; any other as float 32
 * when that holds it exactly, else float 64. */
static void encode_number(struct outbuf *b, lua_Number n)
{
    if (isfinite(n) && n == floor(n) && n >= -9223372036854775808.0 &&
        n < 9223372036854775808.0) {
        encode_int(b, (int64_t)n);
        return;
    }
    float f = (float)n;
    if ((double)f == n || (n != n)) {
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        put_be(b, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &n, sizeof bits);
        put_be(b, 0xcb, bits, 8);
    }
}

static void encode_string(struct outbuf *b, const char *s, size_t len)
{
    if (len < 32) {
        unsigned char c = (unsigned char)(0xa0 | len);
        put_bytes(b, &c, 1);
    } else if (len <= 0xff) {
        put_be(b, 0xd9, len, 1);
    } else if (len <= 0xffff) {
        put_be(b, 0xda, len, 2);
    } else {
        put_be(b, 0xdb, len, 4);
    }
    put_bytes(b, s, len);
}

/* Header of an array (is_map 0) or map of n entries. */
static void encode_header(struct outbuf *b, size_t n, int is_map)
{
    if (n < 16) {
        unsigned char c = (unsigned char)((is_map ? 0x80 : 0x90) | n);
        put_bytes(b, &c, 1);
    } else if (n <= 0xffff) {
        put_be(b, is_map ? 0xde : 0xdc, n, 2);
    } else {
        put_be(b, is_map ? 0xdf : 0xdd, n, 4);
    }
}

/* The length n when the table at idx has exactly the keys 1..n (an empty
 * table included), else -1 (a map). */
static long long array_length(lua_State *L, int idx)
{
    long long count = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER) {
            lua_pop(L, 1);
            return -1;
        }
        lua_Number k = lua_tonumber(L, -1);
        if (k < 1 || k != floor(k)) {
            lua_pop(L, 1);
            return -1;
        }
        count++;
        if (k > (lua_Number)max)
            max = (long long)k;
    }
    return max == count ? count : -1;
}

static void encode_value(lua_State *L, struct outbuf *b, int level);

/* The table on top of the stack (left there). */
static void encode_table(lua_State *L, struct outbuf *b, int level)
{
    int idx = lua_gettop(L);
    luaL_checkstack(L, 4, "too deeply nested");
    long long n = array_length(L, idx);
    if (n >= 0) {
        encode_header(b, (size_t)n, 0);
        for (long long i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, (int)i);
            encode_value(L, b, level + 1);
        }
        return;
    }
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        pairs++;
    }
    encode_header(b, pairs, 1);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        encode_value(L, b, level + 1); /* key */
        encode_value(L, b, level + 1); /* value */
    }
}

/* Encode and pop the value on top of the stack. */
static void encode_value(lua_State *L, struct outbuf *b, int level)
{
    static const unsigned char nil = 0xc0, no = 0xc2, yes = 0xc3;
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE && level >= CMSGPACK_MAX_NESTING)
        t = LUA_TNIL;
    switch (t) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        encode_string(b, s, len);
        break;
    }
    case LUA_TNUMBER: encode_number(b, lua_tonumber(L, -1)); break;
    case LUA_TBOOLEAN: put_bytes(b, lua_toboolean(L, -1) ? &yes : &no, 1); break;
    case LUA_TTABLE: encode_table(L, b, level); break;
    default: put_bytes(b, &nil, 1); break;
    }
    lua_pop(L, 1);
}

static int cmsgpack_pack(lua_State *L)
{
    int n = lua_gettop(L);
    if (n == 0)
        return luaL_argerror(L, 0, "MessagePack pack needs input.");
    struct outbuf b;
    outbuf_init(&b, L);
    for (int i = 1; i <= n; i++) {
        lua_pushvalue(L, i);
        encode_value(L, &b, 0);
    }
    lua_pushlstring(L, (const char *)b.data, b.len);
    return 1;
}

/* ---- decoding ------------------------------------------------------------- */

struct cursor {
    const unsigned char *p;
    size_t left;
};

static void need(lua_State *L, const struct cursor *c, size_t n)
{
    if (c->left < n)
        luaL_error(L, "Missing bytes in input.");
}

static uint64_t take_be(lua_State *L, struct cursor *c, size_t n)
{
    need(L, c, n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | c->p[i];
    c->p += n;
    c->left -= n;
    return v;
}

static void push_bytes(lua_State *L, struct cursor *c, size_t n)
{
    need(L, c, n);
    lua_pushlstring(L, (const char *)c->p, n);
    c->p += n;
    c->left -= n;
}

static void decode_value(lua_State *L, struct cursor *c);

static void decode_array(lua_State *L, struct cursor *c, size_t n)
{
    luaL_checkstack(L, 2, "too deeply nested");
    lua_createtable(L, n < (1u << 16) ? (int)n : 0, 0);
    for (size_t i = 1; i <= n; i++) {
        decode_value(L, c);
        lua_rawseti(L, -2, (int)i);
    }
}

static void decode_map(lua_State *L, struct cursor *c, size_t n)
{
    luaL_checkstack(L, 3, "too deeply nested");
    lua_createtable(L, 0, n < (1u << 16) ? (int)n : 0);
    for (size_t i = 0; i < n; i++) {
        decode_value(L, c);
        decode_value(L, c);
        if (lua_isnil(L, -2)) /* a nil key cannot be stored: the entry goes */
            lua_pop(L, 2);
        else
            lua_rawset(L, -3);
    }
}

static lua_Number float_bits(uint64_t bits, size_t n)
{
    if (n == 4) {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        return f;
    }
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* Decode one value and push it. */
static void decode_value(lua_State *L, struct cursor *c)
{
    unsigned char t = (unsigned char)take_be(L, c, 1);
    if (t <= 0x7f) {
        lua_pushnumber(L, t);
    } else if (t >= 0xe0) {
        lua_pushnumber(L, (int8_t)t);
    } else if ((t & 0xe0) == 0xa0) {
        push_bytes(L, c, t & 0x1f);
    } else if ((t & 0xf0) == 0x90) {
        decode_array(L, c, t & 0x0f);
    } else if ((t & 0xf0) == 0x80) {
        decode_map(L, c, t & 0x0f);
    } else {
        switch (t) {
        case 0xc0: lua_pushnil(L); break;
        case 0xc2: lua_pushboolean(L, 0); break;
        case 0xc3: lua_pushboolean(L, 1); break;
        case 0xca: lua_pushnumber(L, float_bits(take_be(L, c, 4), 4)); break;
        case 0xcb: lua_pushnumber(L, float_bits(take_be(L, c, 8), 8)); break;
        case 0xcc: lua_pushnumber(L, (lua_Number)take_be(L, c, 1)); break;
        case 0xcd: lua_pushnumber(L, (lua_Number)take_be(L, c, 2)); break;
        case 0xce: lua_pushnumber(L, (lua_Number)take_be(L, c, 4)); break;
        case 0xcf: lua_pushnumber(L, (lua_Number)take_be(L, c, 8)); break;
        case 0xd0: lua_pushnumber(L, (int8_t)take_be(L, c, 1)); break;
        case 0xd1: lua_pushnumber(L, (int16_t)take_be(L, c, 2)); break;
        case 0xd2: lua_pushnumber(L, (int32_t)take_be(L, c, 4)); break;
        case 0xd3: lua_pushnumber(L, (lua_Number)(int64_t)take_be(L, c, 8)); break;
        case 0xc4: case 0xd9: push_bytes(L, c, (size_t)take_be(L, c, 1)); break;
        case 0xc5: case 0xda: push_bytes(L, c, (size_t)take_be(L, c, 2)); break;
        case 0xc6: case 0xdb: push_bytes(L, c, (size_t)take_be(L, c, 4)); break;
        case 0xdc: decode_array(L, c, (size_t)take_be(L, c, 2)); break;
        case 0xdd: decode_array(L, c, (size_t)take_be(L, c, 4)); break;
        case 0xde: decode_map(L, c, (size_t)take_be(L, c, 2)); break;
        case 0xdf: decode_map(L, c, (size_t)take_be(L, c, 4)); break;
        default: luaL_error(L, "Bad data format in input.");
        }
    }
}

/* Decode at most limit objects (0: all) of s from offset; push the next
 * offset (-1 at the end) when with_offset, then the objects. */
static int unpack_from(lua_State *L, int with_offset, lua_Integer limit, lua_Integer offset)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    luaL_argcheck(L, offset >= 0 && (size_t)offset <= len, 3, "offset out of range");
    lua_settop(L, 1);
    struct cursor c = {(const unsigned char *)s + offset, len - (size_t)offset};
    if (with_offset)
        lua_pushnil(L); /* the offset goes here */
    int n = 0;
    while (c.left > 0 && (limit <= 0 || n < limit)) {
        luaL_checkstack(L, 2, "too many objects to unpack");
        decode_value(L, &c);
        n++;
    }
    if (with_offset) {
        lua_pushinteger(L, c.left > 0 ? (lua_Integer)(len - c.left) : -1);
        lua_replace(L, 2);
        return n + 1;
    }
    return n;
}

static int cmsgpack_unpack(lua_State *L)
{
    return unpack_from(L, 0, 0, 0);
}

static int cmsgpack_unpack_one(lua_State *L)
{
    return unpack_from(L, 1, 1, luaL_optinteger(L, 2, 0));
}

static int cmsgpack_unpack_limit(lua_State *L)
{
    lua_Integer limit = luaL_checkinteger(L, 2);
    return unpack_from(L, 1, limit, luaL_optinteger(L, 3, 0));
}

int script_open_cmsgpack(lua_State *L)
{
    static const luaL_Reg functions[] = {{"pack", cmsgpack_pack},
                                         {"unpack", cmsgpack_unpack},
                                         {"unpack_one", cmsgpack_unpack_one},
                                         {"unpack_limit", cmsgpack_unpack_limit},
                                         {NULL, NULL}};
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    lua_pushliteral(L, "lua-cmsgpack");
    lua_setfield(L, -2, "_NAME");
    return 1;
}
