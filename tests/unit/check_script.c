/* check_script: the Lua sandbox (lua_vm), the conversions between replies
 * and Lua values (script_reply), and the struct and cmsgpack libraries, on
 * their own, without a server. */
#include "tidecache/lua_vm.h"
#include "tidecache/script_reply.h"

#include <check.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "tidecache/buf.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/mem.h"
#include "tidecache/status.h"

static struct lua_vm *vm;
static lua_State *L;

static void setup(void)
{
    vm = lua_vm_create();
    ck_assert_ptr_nonnull(vm);
    L = lua_vm_state(vm);
}

static void teardown(void)
{
    lua_vm_destroy(vm);
}

/* Run code as a script does; returns 0 and leaves the result on the stack,
 * or returns nonzero and leaves the error table's err text there. */
static int run(const char *code)
{
    lua_settop(L, 0);
    lua_pushcfunction(L, lua_vm_error_handler);
    if (lua_vm_load(L, code, strlen(code), "@user_script") != 0)
        return 1;
    if (lua_pcall(L, 0, 1, 1) != 0) {
        if (lua_istable(L, -1))
            lua_getfield(L, -1, "err");
        return 2;
    }
    return 0;
}

static void expect_error(const char *code, const char *fragment)
{
    int rc = run(code);
    ck_assert_msg(rc != 0, "no error from %s", code);
    const char *msg = lua_tostring(L, -1);
    ck_assert_msg(msg && strstr(msg, fragment), "%s: '%s' lacks '%s'", code, msg ? msg : "(nil)",
                  fragment);
}

static void expect_string(const char *code, const char *want)
{
    int rc = run(code);
    ck_assert_msg(rc == 0, "%s failed: %s", code, lua_tostring(L, -1));
    size_t len;
    const char *got = lua_tolstring(L, -1, &len);
    ck_assert_msg(got && strlen(want) == len && memcmp(got, want, len) == 0, "%s gave '%s'", code,
                  got ? got : "(nil)");
}

/* ---- sandbox ---------------------------------------------------------- */

START_TEST(test_globals_protected)
{
    expect_error("return undefined_name",
                 "user_script:1: Script attempted to access nonexistent global variable "
                 "'undefined_name'");
    expect_error("x = 1", "user_script:1: Attempt to modify a readonly table");
    expect_error("_G = {}", "Attempt to modify a readonly table");
    expect_error("setmetatable(_G, {})", "Attempt to modify a readonly table");
    expect_error("rawset(_G, 'x', 1)", "Attempt to modify a readonly table");
    expect_error("local m = getmetatable(_G) m.__index = {}", "Attempt to modify a readonly table");
    expect_error("string.rep = nil", "Attempt to modify a readonly table");
    expect_error("getmetatable('').__index.upper = nil", "Attempt to modify a readonly table");
    expect_error("table.insert(math, 1)", "Attempt to modify a readonly table");
    expect_error("cjson.encode = nil", "Attempt to modify a readonly table");
    expect_error("bit.band = nil", "Attempt to modify a readonly table");
    expect_error("struct.pack = nil", "Attempt to modify a readonly table");
    expect_error("cmsgpack.pack = nil", "Attempt to modify a readonly table");
    /* the script's own tables stay writable */
    expect_string("local t = {} t.x = 'ok' table.insert(t, 1) rawset(t, 'y', 2) return t.x", "ok");
    expect_string("return ('abc'):upper()", "ABC");
}
END_TEST

START_TEST(test_denied_functions)
{
    static const char *const denied[] = {"print", "dofile", "loadfile", "require", "os", "io",
                                         "package", "debug", "module"};
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        char code[64], want[96];
        snprintf(code, sizeof code, "return %s", denied[i]);
        snprintf(want, sizeof want, "nonexistent global variable '%s'", denied[i]);
        expect_error(code, want);
    }
}
END_TEST

START_TEST(test_bytecode_refused)
{
    expect_error("return loadstring(string.dump(function() return 1 end))()",
                 "attempt to call a nil value");
    expect_string("local f, why = loadstring(string.dump(function() end)) return why",
                  "attempt to load a binary chunk");
    expect_string("local parts = {string.dump(function() end)} local i = 0 "
                  "local f, why = load(function() i = i + 1 return parts[i] end) return why",
                  "attempt to load a binary chunk");
    expect_string("return loadstring('return 7')()", "7");
    const char bytecode[] = LUA_SIGNATURE "rest";
    ck_assert_int_ne(lua_vm_load(L, bytecode, sizeof bytecode - 1, "@x"), 0);
}
END_TEST

START_TEST(test_error_positions)
{
    expect_error("\n\nerror('boom')", "ERR user_script:3: boom");
    /* pcall hands an error table's err string back, as Redis's does */
    expect_string("local ok, e = pcall(error, {err = 'CODE x'}) return e", "CODE x");
    expect_string("local ok, e = pcall(function() error('plain') end) return e",
                  "user_script:1: plain");
    expect_string("local ok, a, b = pcall(function() return 'a', 'b' end) return a .. b", "ab");
    int rc = run("error({err='CODE custom'})");
    ck_assert_int_eq(rc, 2);
    ck_assert_str_eq(lua_tostring(L, -1), "CODE custom");
    lua_pop(L, 1);
    lua_getfield(L, -1, "line");
    ck_assert_int_eq((int)lua_tointeger(L, -1), 1);
    lua_getfield(L, -2, "source");
    ck_assert_str_eq(lua_tostring(L, -1), "@user_script");
}
END_TEST

START_TEST(test_memory_counted)
{
    size_t before = lua_vm_memory(vm), used_before = mem_used();
    expect_string("local t = {} for i = 1, 10000 do t[i] = tostring(i) end return "
                  "tostring(#t)",
                  "10000");
    size_t peak = lua_vm_memory(vm);
    ck_assert_uint_gt(peak, before + 100000);
    ck_assert_uint_gt(mem_used(), used_before + 100000);
    lua_settop(L, 0);
    lua_gc(L, LUA_GCCOLLECT, 0);
    ck_assert_uint_lt(lua_vm_memory(vm), peak - 100000);
}
END_TEST

/* ---- libraries -------------------------------------------------------- */

START_TEST(test_struct)
{
    expect_string("return struct.pack('>I2', 258)", "\x01\x02");
    expect_string("return struct.pack('<i4', -2)", "\xfe\xff\xff\xff");
    expect_string("return tostring(struct.unpack('<i2', '\\255\\255'))", "-1");
    expect_string("return tostring(struct.unpack('>H', '\\255\\254'))", "65534");
    expect_string("local a, b, n = struct.unpack('>bs', '\\5hi\\0') return a..b..n", "5hi5");
    expect_string("return struct.size('!4bi')", "8");
    expect_string("return struct.size('bi')", "5");
    expect_string("return struct.pack('c0', 'abc')", "abc");
    /* c0 takes its length from the number before it, which it consumes */
    expect_string("local s = struct.unpack('Bc0', '\\3abcd') return s", "abc");
    expect_string("return tostring(struct.unpack('>d', struct.pack('>d', 1.5)))", "1.5");
    expect_error("return struct.pack('q', 1)", "invalid format option 'q'");
    expect_error("return struct.unpack('>I4', 'ab')", "data string too short");
    expect_error("return struct.size('s')", "undefined sizes");
    expect_error("return struct.pack('i33', 1)", "larger than limit");
    expect_error("return struct.pack('!3i', 1)", "not a power of 2");
}
END_TEST

/* Hex of what cmsgpack.pack gives for an expression. */
static void expect_msgpack(const char *expr, const char *hex)
{
    char code[512];
    snprintf(code, sizeof code,
             "local e = cmsgpack.pack(%s) local h = '' for i = 1, #e do "
             "h = h .. string.format('%%02x', string.byte(e, i)) end return h",
             expr);
    expect_string(code, hex);
}

START_TEST(test_cmsgpack)
{
    expect_msgpack("0.1", "cb3fb999999999999a");
    expect_msgpack("1.5", "ca3fc00000");
    expect_msgpack("-1099511627776", "d3ffffff0000000000");
    expect_msgpack("5", "05");
    expect_msgpack("-1", "ff");
    expect_msgpack("200", "ccc8");
    expect_msgpack("-200", "d1ff38");
    expect_msgpack("70000", "ce00011170");
    expect_msgpack("2^40", "cf0000010000000000");
    expect_msgpack("'ab'", "a26162");
    expect_msgpack("string.rep('x', 40)", "d928" "78787878787878787878787878787878787878787878"
                                           "787878787878787878787878787878787878");
    expect_msgpack("{1, 2}", "920102");
    expect_msgpack("{}", "90");
    expect_msgpack("{a = true}", "81a161c3");
    expect_msgpack("nil, false", "c0c2");
    /* cycles stop at the nesting limit */
    expect_string("local a = {} a.x = a return tostring(#cmsgpack.pack(a) > 16)", "true");
    expect_string("local t = cmsgpack.unpack(cmsgpack.pack({1, 'two', {3}})) "
                  "return t[2] .. t[3][1]",
                  "two3");
    expect_string("local o, a = cmsgpack.unpack_one(cmsgpack.pack(1, 2), 0) return o .. a", "11");
    expect_string("local o, a = cmsgpack.unpack_limit(cmsgpack.pack('a', 'b'), 2) "
                  "return tostring(o)",
                  "-1");
    expect_error("return cmsgpack.unpack('\\193')", "Bad data format");
    expect_error("return cmsgpack.unpack('\\205\\1')", "Missing bytes");
}
END_TEST

START_TEST(test_cjson_and_bit)
{
    expect_string("return cjson.encode({1, 'a', {b = true}})", "[1,\"a\",{\"b\":true}]");
    expect_string("return table.concat(cjson.decode('[0.0, -5e3, 0.3e-3]'), ' ')", "0 -5000 0.0003");
    expect_string("return bit.tohex(bit.bor(0xf0, 0x0f), 2)", "ff");
    expect_string("return tostring(bit.lshift(1, 4))", "16");
}
END_TEST

/* ---- replies to Lua ----------------------------------------------------- */

/* Push the Lua value of a reply and describe it with cjson (maps and sets
 * sorted by cjson's own order are avoided: the tests use one field). */
static const char *reply_as_json(const char *reply, int proto)
{
    size_t used;
    lua_settop(L, 0);
    lua_vm_push_real_globals(L);
    lua_getfield(L, -1, "cjson");
    lua_getfield(L, -1, "encode");
    ck_assert_int_eq(script_push_reply(L, reply, strlen(reply), proto, &used), TC_OK);
    ck_assert_uint_eq(used, strlen(reply));
    if (lua_isnil(L, -1))
        return "nil";
    lua_call(L, 1, 1);
    return lua_tostring(L, -1);
}

START_TEST(test_reply_to_lua)
{
    ck_assert_str_eq(reply_as_json(":42\r\n", 2), "42");
    ck_assert_str_eq(reply_as_json("$3\r\nabc\r\n", 2), "\"abc\"");
    ck_assert_str_eq(reply_as_json("+OK\r\n", 2), "{\"ok\":\"OK\"}");
    ck_assert_str_eq(reply_as_json("-ERR bad thing\r\n", 2), "{\"err\":\"ERR bad thing\"}");
    ck_assert_str_eq(reply_as_json("-NOSPACE\r\n", 2), "{\"err\":\"ERR NOSPACE\"}");
    ck_assert_str_eq(reply_as_json("$-1\r\n", 2), "false");
    ck_assert_str_eq(reply_as_json("*-1\r\n", 2), "false");
    ck_assert_str_eq(reply_as_json("*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n", 2), "[1,[\"x\"],false]");
    ck_assert_str_eq(reply_as_json("_\r\n", 3), "nil");
    ck_assert_str_eq(reply_as_json("#t\r\n", 3), "true");
    ck_assert_str_eq(reply_as_json(",1.5\r\n", 3), "{\"double\":1.5}");
    ck_assert_str_eq(reply_as_json("(123\r\n", 3), "{\"big_number\":\"123\"}");
    ck_assert_str_eq(reply_as_json("%1\r\n$1\r\nk\r\n:2\r\n", 3), "{\"map\":{\"k\":2}}");
    ck_assert_str_eq(reply_as_json("~1\r\n$1\r\nm\r\n", 3), "{\"set\":{\"m\":true}}");
    const char *v = reply_as_json("=7\r\ntxt:abc\r\n", 3);
    ck_assert(strstr(v, "\"verbatim_string\"") && strstr(v, "\"format\":\"txt\"") &&
              strstr(v, "\"string\":\"abc\""));
    size_t used;
    ck_assert_int_eq(script_push_reply(L, "*2\r\n:1\r\n", 8, 2, &used), TC_ERR);
}
END_TEST

/* ---- Lua to replies ------------------------------------------------------- */

static struct conn *client;

static void client_setup(void)
{
    setup();
    db_setup(1);
    client = conn_create_detached(0);
}

static void client_teardown(void)
{
    conn_destroy(client);
    db_teardown();
    teardown();
}

/* What the value of a Lua expression replies, in RESP proto. */
static char *lua_as_reply_in(const char *expr, int proto, int script_proto)
{
    static char out[1024];
    char code[512];
    snprintf(code, sizeof code, "return %s", expr);
    ck_assert_msg(run(code) == 0, "%s: %s", expr, lua_tostring(L, -1));
    client->proto = proto;
    script_reply_value(L, -1, client, script_proto);
    size_t n = buf_used(&client->out);
    ck_assert_uint_lt(n, sizeof out);
    memcpy(out, client->out.data + client->out.start, n);
    out[n] = '\0';
    buf_consume(&client->out, n);
    return out;
}

/* What a script speaking RESP2 returns. */
static char *lua_as_reply(const char *expr, int proto)
{
    return lua_as_reply_in(expr, proto, 2);
}

START_TEST(test_lua_to_reply)
{
    ck_assert_str_eq(lua_as_reply("7", 2), ":7\r\n");
    ck_assert_str_eq(lua_as_reply("3.99", 2), ":3\r\n");
    ck_assert_str_eq(lua_as_reply("-0.5", 2), ":0\r\n");
    ck_assert_str_eq(lua_as_reply("1e20", 2), ":-9223372036854775808\r\n");
    ck_assert_str_eq(lua_as_reply("'s'", 2), "$1\r\ns\r\n");
    ck_assert_str_eq(lua_as_reply("true", 2), ":1\r\n");
    ck_assert_str_eq(lua_as_reply("false", 2), "$-1\r\n");
    ck_assert_str_eq(lua_as_reply("nil", 2), "$-1\r\n");
    /* booleans follow the script's protocol, nulls the client's */
    ck_assert_str_eq(lua_as_reply("true", 3), ":1\r\n");
    ck_assert_str_eq(lua_as_reply("false", 3), "_\r\n");
    ck_assert_str_eq(lua_as_reply_in("true", 3, 3), "#t\r\n");
    ck_assert_str_eq(lua_as_reply_in("false", 3, 3), "#f\r\n");
    ck_assert_str_eq(lua_as_reply_in("false", 2, 3), ":0\r\n");
    ck_assert_str_eq(lua_as_reply("nil", 3), "_\r\n");
    ck_assert_str_eq(lua_as_reply("{1, 'a', nil, 4}", 2), "*2\r\n:1\r\n$1\r\na\r\n");
    ck_assert_str_eq(lua_as_reply("{ok = 'fine'}", 2), "+fine\r\n");
    ck_assert_str_eq(lua_as_reply("{ok = 'a\\r\\nb'}", 2), "+a  b\r\n");
    ck_assert_str_eq(lua_as_reply("{err = 'CODE x'}", 2), "-CODE x\r\n");
    ck_assert_str_eq(lua_as_reply("{err = 'e', ok = 'o'}", 2), "-e\r\n");
    ck_assert_str_eq(lua_as_reply("{err = 5}", 2), "*0\r\n");
    ck_assert_str_eq(lua_as_reply("{double = 1.5}", 2), "$3\r\n1.5\r\n");
    ck_assert_str_eq(lua_as_reply("{double = 1.5}", 3), ",1.5\r\n");
    ck_assert_str_eq(lua_as_reply("{big_number = '12'}", 3), "(12\r\n");
    ck_assert_str_eq(lua_as_reply("{map = {a = 1}}", 2), "*2\r\n$1\r\na\r\n:1\r\n");
    ck_assert_str_eq(lua_as_reply("{map = {a = 1}}", 3), "%1\r\n$1\r\na\r\n:1\r\n");
    ck_assert_str_eq(lua_as_reply("{set = {a = true}}", 3), "~1\r\n$1\r\na\r\n");
    ck_assert_str_eq(lua_as_reply("{verbatim_string = {format = 'txt', string = 'hi'}}", 3),
                     "=6\r\ntxt:hi\r\n");
    ck_assert_str_eq(lua_as_reply("{type}", 2), "*1\r\n$-1\r\n");
    /* a table's metatable plays no part */
    ck_assert_str_eq(lua_as_reply("setmetatable({}, {__index = function() error('x') end})", 2),
                     "*0\r\n");
    ck_assert_str_eq(lua_as_reply("_G", 2), "*0\r\n");
}
END_TEST

static Suite *script_suite(void)
{
    Suite *s = suite_create("script");
    TCase *vm_case = tcase_create("sandbox");
    tcase_add_checked_fixture(vm_case, setup, teardown);
    tcase_add_test(vm_case, test_globals_protected);
    tcase_add_test(vm_case, test_denied_functions);
    tcase_add_test(vm_case, test_bytecode_refused);
    tcase_add_test(vm_case, test_error_positions);
    tcase_add_test(vm_case, test_memory_counted);
    tcase_add_test(vm_case, test_struct);
    tcase_add_test(vm_case, test_cmsgpack);
    tcase_add_test(vm_case, test_cjson_and_bit);
    tcase_add_test(vm_case, test_reply_to_lua);
    suite_add_tcase(s, vm_case);
    TCase *reply_case = tcase_create("replies");
    tcase_add_checked_fixture(reply_case, client_setup, client_teardown);
    tcase_add_test(reply_case, test_lua_to_reply);
    suite_add_tcase(s, reply_case);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(script_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
