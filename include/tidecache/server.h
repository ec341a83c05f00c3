/* server: listeners, accepting clients, the background timer and shutdown. */
#ifndef TIDECACHE_SERVER_H
#define TIDECACHE_SERVER_H

struct config;
struct event_base;

/* Open every listener the config asks for and arm the timer and signals.
 * Returns TC_OK, or TC_ERR after logging why (nothing could be bound...). */
int server_setup(struct event_base *base, struct config *cfg);

/* Make the modules pick up runtime options that just changed in the live
 * config (CONFIG SET, reload): log level now, hz at the next tick; options
 * read on use (maxclients, timeout, default-ttl, ttl-rule...) need nothing. */
void server_apply_config(void);

/* Run the event loop until shutdown; returns the exit status. */
int server_run(void);

/* Stop accepting, let clients receive what is queued, then leave the loop. */
void server_request_shutdown(const char *why);

/* Serve clients while a busy script holds the event loop: accept new ones
 * and run what every connection sends (conn_poll_while_busy), without
 * waiting. Called from the script's time hook. Returns 1 when the server
 * is to shut down (a signal came, or SHUTDOWN NOSAVE ran): the script must
 * stop so that the loop can. */
int server_serve_while_busy(void);

/* Whether a shutdown was requested (and the listeners are closed). */
int server_shutting_down(void);

void server_teardown(void);

#endif
