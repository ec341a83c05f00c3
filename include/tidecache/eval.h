/* eval: the scripts EVAL and SCRIPT LOAD compiled, cached by SHA-1.
 *
 * One sandboxed Lua state (lua_vm) holds every EVAL script; SCRIPT FLUSH
 * replaces it with a new one. A script is compiled once, when it is first
 * seen (EVAL or SCRIPT LOAD), into a function kept in the state's registry,
 * and found again by the SHA-1 of its body (EVALSHA, case-insensitive).
 *
 * Shebang: a body starting with "#!lua" declares flags on its first line
 * ("#!lua flags=no-writes,allow-oom"); that line is not compiled but its
 * newline is, so line numbers in errors stay the user's. A body without a
 * shebang runs in Redis's compatibility mode (SCRIPT_FLAG_EVAL_COMPAT). */
#ifndef TIDECACHE_EVAL_H
#define TIDECACHE_EVAL_H

#include <stddef.h>

#include <lua.h>

#include "tidecache/sha1.h"

struct eval_script {
    char sha[SHA1_HEX_BYTES]; /* lower-case hex */
    unsigned flags;           /* SCRIPT_FLAG_* */
    int fn_ref;               /* the compiled chunk, in the state's registry */
    size_t body_len;
    struct eval_script *next; /* hash chain */
    char body[];              /* the script as sent */
};

/* Create the state and the empty cache. */
void eval_setup(void);
void eval_teardown(void);

/* The state scripts run in (valid until eval_flush). */
lua_State *eval_state(void);

/* The script with this SHA-1 (40 hex digits, any case), or NULL. */
struct eval_script *eval_find(const char *sha, size_t len);

/* The script with this body: found, or compiled and added. NULL when it
 * does not compile or its shebang is wrong, with Redis's error text (code
 * included, "ERR Error compiling script (new function): ...") in err. */
struct eval_script *eval_get(const char *body, size_t len, char *err, size_t errlen);

/* The flags a body declares (SCRIPT_FLAG_EVAL_COMPAT when none) without
 * compiling it: from the cache when it is there, else from its shebang.
 * Returns 0 when the shebang is invalid (the call then fails later). */
int eval_body_flags(const char *body, size_t len, unsigned *flags);

/* SCRIPT FLUSH: every script goes, and the state is made anew. */
void eval_flush(void);

/* For INFO: scripts cached, bytes of their bodies and entries, bytes the
 * state holds. */
size_t eval_count(void);
size_t eval_scripts_memory(void);
size_t eval_vm_memory(void);

#endif
