/* cron: the hz timer's background work; see include/tidecache/cron.h. */
#include "tidecache/cron.h"

#include <event2/event.h>

#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/evict.h"
#include "tidecache/stats.h"
#include "tidecache/store.h"

#define CRON_EXPIRE_SLICE_US 1000   /* one active-expiry slice; no client waits longer */
#define CRON_EXPIRE_DUTY_PERCENT 25 /* share of each tick slices may use when keys pile up */
#define CRON_BACKLOG_DUTY_PERCENT 50 /* the share once expired entries have waited a tick */
#define CRON_REHASH_SLICE_US 1000   /* table-resize work per keyspace per tick */

static struct event_base *base;
static const struct config *config;
static struct event *tick_ev;        /* hz timer */
static struct event *expire_more_ev; /* follow-up expiry slices within a tick */
static int64_t tick_started_us;      /* when the current tick began */

/* Whether some keyspace's sweep has left due entries (keys or hash fields)
 * waiting for longer than period_us: a backlog that a quarter of a core
 * does not drain within a tick, as when a million fields fall due at one
 * instant. */
static int expiry_backlogged(int64_t period_us)
{
    for (int i = 0; i < db_count(); i++) {
        struct store_sweep_stats st;
        store_sweep_stats(db_get(i), &st);
        if (st.due_backlog && st.lag_ms * 1000 >= period_us)
            return 1;
    }
    return 0;
}

/* One background slice over every keyspace, at most CRON_EXPIRE_SLICE_US long:
 * the active-expiry sweep, then the lazy freeing of flushed keyspaces, then
 * table resizing (beyond the tick's own CRON_REHASH_SLICE_US, so a table that
 * doubled at 10M keys is done in seconds, not a minute).
 * Keyspaces take turns at going first, so a busy one cannot starve the
 * others. When work is left over, another slice is queued right after the
 * pending I/O is served, until the slices of this tick have used
 * CRON_EXPIRE_DUTY_PERCENT of the tick: a backlog of expired keys drains at a
 * quarter of a core while no request waits more than one slice. Once due
 * entries have waited a whole tick, slices may take CRON_BACKLOG_DUTY_PERCENT:
 * memory held by expired data comes back sooner, and still no request waits
 * for more than one slice. */
static void expire_slice(void)
{
    static int first_db; /* keyspace that goes first in the next slice */
    int more_any = 0;
    int64_t slice_start = clock_mono_us();
    int ndb = db_count();
    for (int n = 0; n < ndb; n++) {
        int64_t left = CRON_EXPIRE_SLICE_US - (clock_mono_us() - slice_start);
        if (left <= 0) {
            more_any = 1;
            break;
        }
        struct store *s = db_get((first_db + n) % ndb);
        int more = 0;
        store_expire_step(s, left, &more);
        more_any |= more;
        left = CRON_EXPIRE_SLICE_US - (clock_mono_us() - slice_start);
        more_any |= store_lazyfree_step(s, left > 0 ? left : 0);
        left = CRON_EXPIRE_SLICE_US - (clock_mono_us() - slice_start);
        if (left > 0)
            more_any |= store_rehash_step(s, left);
    }
    first_db = ndb ? (first_db + 1) % ndb : 0;
    int64_t tick_us = 1000000 / config->hz;
    int64_t spent_us = clock_mono_us() - tick_started_us;
    if (more_any && (spent_us < tick_us * CRON_EXPIRE_DUTY_PERCENT / 100 ||
                     (spent_us < tick_us * CRON_BACKLOG_DUTY_PERCENT / 100 &&
                      expiry_backlogged(tick_us)))) {
        /* A zero timeout, not event_active: libevent runs activated events
         * back to back without polling, while a due timer waits for the
         * next poll, so the clients' pending requests go first. */
        static const struct timeval now = {0, 0};
        event_add(expire_more_ev, &now);
    }
}

static void on_expire_more(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    clock_update();
    expire_slice();
}

static void arm_tick(void)
{
    int64_t period_us = 1000000 / config->hz;
    struct timeval tv = {(time_t)(period_us / 1000000), (suseconds_t)(period_us % 1000000)};
    event_add(tick_ev, &tv);
}

/* The background tick, hz times a second: idle clients, active expiry,
 * incremental table resizing. Re-armed each time so an hz change applies at
 * the next tick. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    cron_tick();
    arm_tick();
}

void cron_tick(void)
{
    clock_update();
    tick_started_us = clock_mono_us();
    conn_close_idle(config->timeout);
    for (int i = 0; i < db_count(); i++)
        store_rehash_step(db_get(i), CRON_REHASH_SLICE_US);
    expire_slice();
    evict_tick(base, config); /* over maxmemory: evict down to it in slices */
    stats_tick(clock_now_ms()); /* memory peak, instantaneous_ops_per_sec */
}

void cron_setup(struct event_base *event_base, const struct config *cfg)
{
    base = event_base;
    config = cfg;
    tick_ev = event_new(base, -1, 0, on_tick, NULL);
    expire_more_ev = event_new(base, -1, 0, on_expire_more, NULL);
    arm_tick();
}

void cron_teardown(void)
{
    if (tick_ev)
        event_free(tick_ev);
    if (expire_more_ev)
        event_free(expire_more_ev);
    tick_ev = expire_more_ev = NULL;
}
