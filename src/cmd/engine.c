/* engine: setup and teardown of what serves commands; see
 * include/tidecache/engine.h. */
#include "tidecache/engine.h"

#include "tidecache/command.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/eval.h"
#include "tidecache/evict.h"
#include "tidecache/function.h"
#include "tidecache/script.h"

/* Keyspaces first (connections select one), then the command table and the
 * connections' way into it; scripting last, as its own connection needs
 * both. */
void engine_setup(struct config *cfg)
{
    static const struct conn_hooks hooks = {command_execute, command_conn_release};
    db_setup((int)cfg->databases);
    command_setup(cfg);
    conn_setup(cfg, &hooks);
    script_setup(cfg);
    eval_setup();
    function_setup();
}

void engine_teardown(void)
{
    function_teardown();
    eval_teardown();
    script_teardown();
    evict_teardown();
    db_teardown();
}
