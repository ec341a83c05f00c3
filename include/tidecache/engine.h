/* engine: everything that serves commands, set up and torn down as one:
 * the keyspaces, the command table, the connections' hooks into it, and
 * scripting (the script runner, EVAL's cache, the function libraries).
 * main() and the command fuzzer both start the server through here, so
 * what the fuzzer runs is what the daemon runs. Listeners, the timer and
 * signals are the server module's, set up after this. */
#ifndef TIDECACHE_ENGINE_H
#define TIDECACHE_ENGINE_H

struct config;

/* Set every module up for cfg, in order. */
void engine_setup(struct config *cfg);

/* Tear them down in reverse (after server_teardown closed the clients). */
void engine_teardown(void);

#endif
