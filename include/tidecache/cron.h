/* cron: the background work of the hz timer.
 *
 * hz times a second (config hz, read at every tick so CONFIG SET applies at
 * the next one) the timer closes idle clients, advances table resizes,
 * sweeps expired keys, frees flushed keyspaces, evicts down to maxmemory and
 * samples the statistics. Work that is left over when a tick's slice runs
 * out continues in further slices queued right after the pending I/O, so no
 * client waits behind more than one slice. */
#ifndef TIDECACHE_CRON_H
#define TIDECACHE_CRON_H

struct config;
struct event_base;

/* Arm the timer on base. */
void cron_setup(struct event_base *base, const struct config *cfg);
void cron_teardown(void);

/* One tick's work now, as the timer does it (the timer stays armed as it
 * was): for tests and the command fuzzer, which drive time by hand. Its
 * follow-up slices are queued on the base like the timer's. */
void cron_tick(void);

#endif
