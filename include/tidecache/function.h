/* function: Lua function libraries (FUNCTION LOAD, FCALL), as Redis 7 has
 * them.
 *
 * A library is Lua code whose first line names it: "#!lua name=mylib".
 * Loading runs the code once, with a globals table holding only a reduced
 * redis table (register_function, log and the LOG_* levels, REDIS_VERSION,
 * REDIS_VERSION_NUM): the code registers its functions with
 * redis.register_function(name, callback) or
 * redis.register_function{function_name=, callback=, flags={...},
 * description=}. The load is all or nothing: a library that registers no
 * function, registers a name twice, collides with another library's
 * function, fails or runs past FUNCTION_LOAD_TIMEOUT_MS leaves everything
 * as it was. Functions run with the full globals (the redis table of
 * scripts) and get (keys, args). Library names are case-sensitive,
 * function names are not.
 *
 * Every library lives in one Lua state, apart from EVAL's; FUNCTION FLUSH
 * makes a new one. FUNCTION DUMP writes Redis's payload format (each
 * library's code as an RDB string after opcode 245, then the RDB version
 * and a CRC64), so payloads move between tidecache and Redis 7 both ways
 * (LZF-compressed strings from Redis included). */
#ifndef TIDECACHE_FUNCTION_H
#define TIDECACHE_FUNCTION_H

#include <stddef.h>

#include <lua.h>

struct conn;
struct buf;

struct function {
    char *name;        /* as registered */
    char *description; /* NULL when none was given */
    unsigned flags;    /* SCRIPT_FLAG_* */
    int fn_ref;        /* the callback, in the state's registry */
    struct library *library;
    struct function *next_in_library;
    struct function *next;  /* hash chain */
};

struct library {
    char *name;
    char *code;
    size_t code_len;
    struct function *functions;
    size_t nfunctions;
    struct library *next;
};

void function_setup(void);
void function_teardown(void);

lua_State *function_state(void);

/* The function named name[0..len), any case, or NULL. */
struct function *function_find(const char *name, size_t len);

/* FUNCTION LOAD: load code as a library (replacing one of the same name
 * when replace is set). Returns 0 with the library's name in *name, or -1
 * with Redis's error text (code included) in err. */
int function_load(const char *code, size_t len, int replace, const char **name, char *err,
                  size_t errlen);

/* FUNCTION DELETE: 0, or -1 when there is no library of that name. */
int function_delete(const char *name, size_t len);

/* FUNCTION FLUSH: every library goes, and the state is made anew. */
void function_flush(void);

/* The libraries, for FUNCTION LIST (in load order). */
const struct library *function_libraries(void);

/* FUNCTION DUMP into out; FUNCTION RESTORE of a payload with a policy.
 * restore returns 0, or -1 with the error text in err. */
enum function_restore_policy { RESTORE_APPEND, RESTORE_REPLACE, RESTORE_FLUSH };
void function_dump(struct buf *out);
int function_restore(const char *payload, size_t len, enum function_restore_policy policy,
                     char *err, size_t errlen);

/* For INFO and FUNCTION STATS. */
size_t function_count(void);
size_t library_count(void);
size_t function_memory(void);
size_t function_vm_memory(void);

#endif
