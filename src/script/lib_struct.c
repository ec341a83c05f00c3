/* lib_struct: the struct library scripts use to pack binary data; see
 * include/tidecache/script_libs.h.
 *
 * A format is read one option at a time. Each option has a size (the
 * bytes it packs to) and, after "!n", an alignment: padding zeros go before
 * an option whose size is not 0 so that its offset is a multiple of
 * min(size, n). Without "!" nothing is aligned. Integers are packed from
 * the Lua number truncated to 64 bits, byte by byte in the chosen order;
 * options wider than 8 bytes hold zeros above. Unpacking sign-extends the
 * signed (lower-case) options. */
#include <ctype.h>
#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tidecache/script_libs.h"

#define STRUCT_MAX_INT_BYTES 32 /* widest i[n] / I[n] */
#define STRUCT_MAX_ALIGN 8      /* "!" alone: the platform's widest alignment */

enum byte_order { ORDER_LITTLE, ORDER_BIG };

struct format {
    const char *p;         /* next option */
    enum byte_order order;
    size_t align;          /* 1 until "!" */
};

static enum byte_order native_order(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one ? ORDER_LITTLE : ORDER_BIG;
}

static void format_init(struct format *f, const char *p)
{
    f->p = p;
    f->order = native_order();
    f->align = 1;
}

/* Digits after an option ("i4", "c10", "!2"), or dflt when there are none. */
static int read_count(lua_State *L, struct format *f, int dflt)
{
    if (!isdigit((unsigned char)*f->p))
        return dflt;
    int n = 0;
    while (isdigit((unsigned char)*f->p)) {
        int digit = *f->p++ - '0';
        if (n > (INT_MAX - digit) / 10)
            luaL_error(L, "integral size overflow");
        n = n * 10 + digit;
    }
    return n;
}

/* The size of option opt (reading its count), 0 for those without one. */
static size_t option_size(lua_State *L, struct format *f, char opt)
{
    switch (opt) {
    case 'b': case 'B': return sizeof(char);
    case 'h': case 'H': return sizeof(short);
    case 'l': case 'L': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return (size_t)read_count(L, f, 1);
    case 'i': case 'I': {
        int n = read_count(L, f, (int)sizeof(int));
        if (n > STRUCT_MAX_INT_BYTES)
            luaL_error(L, "integral size %d is larger than limit of %d", n, STRUCT_MAX_INT_BYTES);
        return (size_t)n;
    }
    default: return 0;
    }
}

/* Padding bytes before an option of this size at offset pos. */
static size_t padding(lua_State *L, const struct format *f, char opt, size_t size, size_t pos)
{
    if (size == 0 || opt == 'c')
        return 0;
    size_t a = size < f->align ? size : f->align;
    if (a & (a - 1))
        luaL_error(L, "format asks for alignment not power of 2");
    return (a - (pos & (a - 1))) & (a - 1);
}

/* Options that pack nothing: byte order, alignment, spaces. Anything else
 * that got here is not an option. */
static void control_option(lua_State *L, struct format *f, char opt)
{
    switch (opt) {
    case ' ': return;
    case '<': f->order = ORDER_LITTLE; return;
    case '>': f->order = ORDER_BIG; return;
    case '!': {
        int a = read_count(L, f, STRUCT_MAX_ALIGN);
        if (a <= 0 || (a & (a - 1)))
            luaL_error(L, "alignment %d is not a power of 2", a);
        f->align = (size_t)a;
        return;
    }
    default:
        luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
    }
}

static int is_integer_option(char opt)
{
    return strchr("bBhHlLTiI", opt) != NULL;
}

/* A Lua number as the 64-bit integer packed for it: truncated toward zero,
 * saturated at the ends (NaN packs as 0). */
static uint64_t number_bits(lua_Number n)
{
    if (n != n)
        return 0;
    if (n >= 9223372036854775807.0)
        return (uint64_t)INT64_MAX;
    if (n <= -9223372036854775808.0)
        return (uint64_t)INT64_MIN;
    return (uint64_t)(int64_t)n;
}

static void put_integer(luaL_Buffer *b, uint64_t v, enum byte_order order, size_t size)
{
    unsigned char bytes[STRUCT_MAX_INT_BYTES];
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = i < sizeof v ? (unsigned char)(v >> (8 * i)) : 0;
        bytes[order == ORDER_LITTLE ? i : size - 1 - i] = byte;
    }
    luaL_addlstring(b, (const char *)bytes, size);
}

/* Copy size bytes of a float or double in the chosen byte order. */
static void put_swapped(luaL_Buffer *b, const void *p, size_t size, enum byte_order order)
{
    unsigned char bytes[sizeof(double)];
    memcpy(bytes, p, size);
    if (order != native_order())
        for (size_t i = 0; i < size / 2; i++) {
            unsigned char t = bytes[i];
            bytes[i] = bytes[size - 1 - i];
            bytes[size - 1 - i] = t;
        }
    luaL_addlstring(b, (const char *)bytes, size);
}

static int struct_pack(lua_State *L)
{
    struct format f;
    format_init(&f, luaL_checkstring(L, 1));
    int arg = 2;
    size_t pos = 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    while (*f.p) {
        char opt = *f.p++;
        size_t size = option_size(L, &f, opt);
        for (size_t pad = padding(L, &f, opt, size, pos); pad > 0; pad--, pos++)
            luaL_addchar(&b, '\0');
        if (is_integer_option(opt)) {
            put_integer(&b, number_bits(luaL_checknumber(L, arg++)), f.order, size);
        } else if (opt == 'x') {
            luaL_addchar(&b, '\0');
        } else if (opt == 'f') {
            float v = (float)luaL_checknumber(L, arg++);
            put_swapped(&b, &v, sizeof v, f.order);
        } else if (opt == 'd') {
            double v = luaL_checknumber(L, arg++);
            put_swapped(&b, &v, sizeof v, f.order);
        } else if (opt == 'c' || opt == 's') {
            size_t len;
            const char *s = luaL_checklstring(L, arg, &len);
            if (size == 0)
                size = len;
            luaL_argcheck(L, len >= size, arg, "string too short");
            arg++;
            luaL_addlstring(&b, s, size);
            if (opt == 's') {
                luaL_addchar(&b, '\0');
                size++;
            }
        } else {
            control_option(L, &f, opt);
        }
        pos += size;
    }
    luaL_pushresult(&b);
    return 1;
}

/* The integer of size bytes at p, sign-extended when signed. */
static lua_Number get_integer(const unsigned char *p, enum byte_order order, int is_signed,
                              size_t size)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = p[order == ORDER_LITTLE ? size - 1 - i : i];
        v = (v << 8) | byte;
    }
    if (!is_signed)
        return (lua_Number)v;
    if (size < sizeof v && (v >> (8 * size - 1)) & 1)
        v |= ~(uint64_t)0 << (8 * size);
    return (lua_Number)(int64_t)v;
}

static lua_Number get_swapped(const char *p, size_t size, enum byte_order order)
{
    unsigned char bytes[sizeof(double)];
    memcpy(bytes, p, size);
    if (order != native_order())
        for (size_t i = 0; i < size / 2; i++) {
            unsigned char t = bytes[i];
            bytes[i] = bytes[size - 1 - i];
            bytes[size - 1 - i] = t;
        }
    if (size == sizeof(float)) {
        float v;
        memcpy(&v, bytes, sizeof v);
        return v;
    }
    double v;
    memcpy(&v, bytes, sizeof v);
    return v;
}

/* Push the string option at pos ('c' of size, 'c0' sized by the number
 * just unpacked, 's' up to its NUL). Returns the bytes it takes. */
static size_t unpack_string(lua_State *L, char opt, size_t size, const char *data, size_t len,
                            size_t pos)
{
    if (opt == 's') {
        const char *end = memchr(data + pos, '\0', len - pos);
        if (!end)
            luaL_error(L, "unfinished string in data");
        size = (size_t)(end - (data + pos));
        lua_pushlstring(L, data + pos, size);
        return size + 1;
    }
    if (size == 0) {
        if (lua_gettop(L) <= 2 || !lua_isnumber(L, -1))
            luaL_error(L, "format 'c0' needs a previous size");
        lua_Number n = lua_tonumber(L, -1);
        lua_pop(L, 1);
        luaL_argcheck(L, n >= 0 && n <= (lua_Number)(len - pos), 2, "data string too short");
        size = (size_t)n;
    }
    lua_pushlstring(L, data + pos, size);
    return size;
}

static int struct_unpack(lua_State *L)
{
    struct format f;
    format_init(&f, luaL_checkstring(L, 1));
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    lua_Integer start = luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, start >= 1, 3, "offset must be 1 or greater");
    size_t pos = (size_t)start - 1;
    luaL_argcheck(L, pos <= len, 3, "offset must not exceed the data length");
    lua_settop(L, 2);
    while (*f.p) {
        char opt = *f.p++;
        size_t size = option_size(L, &f, opt);
        pos += padding(L, &f, opt, size, pos);
        luaL_argcheck(L, pos <= len && size <= len - pos, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        if (is_integer_option(opt)) {
            lua_pushnumber(L, get_integer((const unsigned char *)data + pos, f.order,
                                          islower((unsigned char)opt), size));
        } else if (opt == 'f' || opt == 'd') {
            lua_pushnumber(L, get_swapped(data + pos, size, f.order));
        } else if (opt == 'c' || opt == 's') {
            size = unpack_string(L, opt, size, data, len, pos);
        } else if (opt != 'x') {
            control_option(L, &f, opt);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos + 1);
    return lua_gettop(L) - 2;
}

static int struct_size(lua_State *L)
{
    struct format f;
    format_init(&f, luaL_checkstring(L, 1));
    size_t pos = 0;
    while (*f.p) {
        char opt = *f.p++;
        size_t size = option_size(L, &f, opt);
        pos += padding(L, &f, opt, size, pos);
        if (opt == 's')
            luaL_argerror(L, 1, "options 's' have undefined sizes");
        if (opt == 'c' && size == 0)
            luaL_argerror(L, 1, "option 'c0' has undefined size");
        if (size == 0)
            control_option(L, &f, opt);
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

int script_open_struct(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"pack", struct_pack}, {"unpack", struct_unpack}, {"size", struct_size}, {NULL, NULL}};
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    return 1;
}
