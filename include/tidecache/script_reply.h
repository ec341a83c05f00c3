/* script_reply: the conversions between command replies and Lua values that
 * Redis documents for scripts ("Conversion between Lua and Redis data
 * types").
 *
 * Reply to Lua (what redis.call returns), by the protocol the script chose
 * with redis.setresp:
 *   integer -> number; bulk string -> string; array -> table 1..n;
 *   status -> {ok = text}; error -> {err = text};
 *   RESP2 null bulk and null array -> false;
 *   RESP3: null -> nil; boolean -> boolean; double -> {double = number};
 *   big number -> {big_number = text}; map -> {map = {field = value}};
 *   set -> {set = {member = true}};
 *   verbatim -> {verbatim_string = {string = text, format = "txt"}}.
 * Lua to reply (what a script returns), in the protocol of the client:
 *   number -> integer (truncated toward zero; NaN and values out of range
 *   as Redis gives them); string -> bulk; true -> 1 and false -> null
 *   when the script speaks RESP2, booleans when it chose RESP3; nil -> null;
 *   table with an err string -> error; with an ok string -> status; with a
 *   double, big_number, map, set or verbatim_string field -> that type
 *   (flattened for RESP2 as Redis does); any other table -> an array of its
 *   elements 1.. up to the first nil; other values -> null.
 * Tables are read raw: a table's metatable plays no part. */
#ifndef TIDECACHE_SCRIPT_REPLY_H
#define TIDECACHE_SCRIPT_REPLY_H

#include <stddef.h>

#include <lua.h>

struct conn;

/* Push the Lua value of the one whole reply at p[0..n), written in RESP
 * proto. Returns TC_OK (bytes taken in *used), or TC_ERR when the reply is
 * malformed or nested deeper than the Lua stack allows (nothing pushed). */
int script_push_reply(lua_State *L, const char *p, size_t n, int proto, size_t *used);

/* Write the Lua value at idx to c as a reply in c's protocol. Booleans
 * follow the script's protocol (redis.setresp, script_proto), as in Redis
 * 7.0: under 2, true is the integer 1 and false a null; under 3 they are
 * booleans (:1 and :0 for a RESP2 client). */
void script_reply_value(lua_State *L, int idx, struct conn *c, int script_proto);

/* Push an error table {err = "CODE message"} from an error text as a
 * command writes it ("-CODE message", or a bare message, which gets the
 * code ERR; trailing CR and LF are dropped): what redis.pcall returns for a
 * failed command and redis.error_reply builds. */
void script_push_error(lua_State *L, const char *text, size_t len);

#endif
