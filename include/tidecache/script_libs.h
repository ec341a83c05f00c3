/* script_libs: the libraries Redis gives scripts that Debian has no package
 * for, written here to their documented behaviour.
 *
 * struct (Roberto Ierusalimschy's binary packing library, as Redis embeds
 * it): struct.pack(fmt, ...), struct.unpack(fmt, s [, pos]), struct.size(fmt)
 * with the format letters > < ! x b B h H l L T i[n] I[n] c[n] s f d and
 * spaces, native sizes of this platform, and alignment only after "!".
 *
 * cmsgpack (MessagePack, as Redis's lua_cmsgpack): cmsgpack.pack(...) packs
 * each argument and concatenates them; cmsgpack.unpack(s) returns every
 * object in s; cmsgpack.unpack_one(s [, offset]) and
 * cmsgpack.unpack_limit(s, limit [, offset]) return the offset of the next
 * object (-1 at the end) followed by at most one or limit objects. Numbers
 * that are whole and fit 64 bits pack as the smallest integer encoding,
 * others as float 32 when that is exact, else float 64; a table whose keys
 * are exactly 1..n packs as an array, any other as a map; tables nest at
 * most CMSGPACK_MAX_NESTING deep and deeper values pack as nil, so cyclic
 * tables pack too. */
#ifndef TIDECACHE_SCRIPT_LIBS_H
#define TIDECACHE_SCRIPT_LIBS_H

#include <lua.h>

#define CMSGPACK_MAX_NESTING 16

/* luaopen_-style: push the library's table and return 1. */
int script_open_struct(lua_State *L);
int script_open_cmsgpack(lua_State *L);

#endif
