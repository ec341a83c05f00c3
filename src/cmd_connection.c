/* Connection commands: PING, ECHO, QUIT. */
#include "commands.h"
#include "tidecache/conn.h"
#include "tidecache/reply.h"

/* PING [message] */
void cmd_ping(struct conn *c, size_t argc, struct arg *argv)
{
    if (argc > 2) {
        reply_wrong_arity(c, "ping");
        return;
    }
    if (argc == 2)
        reply_bulk(c, argv[1].ptr, argv[1].len);
    else
        reply_simple(c, "PONG");
}

void cmd_echo(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    reply_bulk(c, argv[1].ptr, argv[1].len);
}

/* QUIT: +OK, then the connection closes; nothing sent after it runs. */
void cmd_quit(struct conn *c, size_t argc, struct arg *argv)
{
    (void)argc;
    (void)argv;
    reply_ok(c);
    c->flags |= CONN_CLOSE_AFTER_REPLY;
}
