/* multi: transactions (MULTI, EXEC, DISCARD) and optimistic locking (WATCH,
 * UNWATCH) per connection.
 *
 * Between MULTI and EXEC, commands are checked (name, arity, authentication)
 * and queued with copies of their arguments; EXEC runs them back to back,
 * which on a single-threaded server is all atomicity takes. A command that
 * fails the checks is answered at once and makes EXEC answer EXECABORT.
 * Over maxmemory, every command but EXEC, DISCARD, QUIT and RESET is
 * refused inside MULTI (the queue would grow memory), and EXEC itself is
 * when a queued command may grow memory: the transaction is discarded.
 *
 * WATCH remembers a fingerprint of each watched key (absent, or a hash of
 * its value and expiry). EXEC runs only if every fingerprint is unchanged;
 * otherwise it answers a null array and runs nothing. So a watched key that
 * was written, deleted, expired or given a new TTL aborts the transaction,
 * as in Redis; one written back to the very same value and TTL does not,
 * which leaves the transaction's premise (what it read) intact. */
#ifndef TIDECACHE_MULTI_H
#define TIDECACHE_MULTI_H

#include <stddef.h>

#include "tidecache/resp.h"

struct conn;
struct command;

/* Inside MULTI, queue cmd (unless it is one that runs at once: EXEC,
 * DISCARD, MULTI, WATCH, QUIT, RESET), reply +QUEUED and return 1; refuse
 * a CMD_NO_MULTI command (SHUTDOWN) with Redis's error, which makes EXEC
 * fail, and return 1; otherwise return 0 and let the caller run it. */
int multi_queue(struct conn *c, const struct command *cmd, unsigned flags, size_t argc,
                struct arg *argv);

/* Whether c is between MULTI and EXEC, and the flags of the commands it
 * queued (flags as multi_queue was given them), or'ed: EXEC is refused
 * over maxmemory when one of them may grow memory. */
int multi_open(const struct conn *c);
unsigned multi_queued_flags(const struct conn *c);

/* A command sent inside MULTI was refused (unknown, arity, NOAUTH): EXEC
 * will answer EXECABORT. No effect outside MULTI. */
void multi_flag_error(struct conn *c);

/* Forget the transaction and the watched keys (RESET, connection close). */
void multi_reset(struct conn *c);

#endif
