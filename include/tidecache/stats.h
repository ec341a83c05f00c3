/* stats: the server's counters, as INFO reports them.
 *
 * Counters are plain fields bumped on the request path (the server is
 * single-threaded), so counting costs one increment. The per-second rates
 * INFO shows (instantaneous_ops_per_sec, ..._kbps) are sampled as Redis
 * samples them: every STATS_SAMPLE_PERIOD_MS the timer records the rate
 * since the previous sample into a ring of STATS_SAMPLES, and the reported
 * rate is the ring's average, i.e. roughly the last 1.6 seconds. */
#ifndef TIDECACHE_STATS_H
#define TIDECACHE_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_SAMPLES 16            /* rate samples averaged */
#define STATS_SAMPLE_PERIOD_MS 100  /* minimum gap between two samples */

/* The rates sampled. */
enum stats_metric { STATS_OPS, STATS_NET_INPUT, STATS_NET_OUTPUT, STATS_METRICS };

struct stats_rate {
    int64_t last_ms;              /* time of the last sample; 0 before the first */
    uint64_t last_count;          /* counter value then */
    uint64_t samples[STATS_SAMPLES]; /* per second */
    int next;                     /* ring index written next */
};

struct stats {
    int64_t start_ms;
    uint64_t connections_received;
    uint64_t connections_rejected;
    uint64_t commands_processed;
    uint64_t keyspace_hits;
    uint64_t keyspace_misses;
    uint64_t error_replies;
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
    uint64_t evicted_keys;
    uint64_t expired_base;        /* db_total_expired() at the last reset */
    uint64_t expired_fields_base; /* db_total_expired_fields() then */
    size_t peak_memory;           /* highest mem_used() seen, bytes; never reset */
    struct stats_rate rate[STATS_METRICS];
};

extern struct stats stats;

/* CONFIG RESETSTAT (and startup): counters and rates restart; the start
 * time and the memory peak stay, as in Redis. */
void stats_reset(void);

/* Timer hook: note the memory peak, and record a rate sample when
 * STATS_SAMPLE_PERIOD_MS have passed since the last one. now_ms is the
 * cached clock. Cheap enough to call on every tick. */
void stats_tick(int64_t now_ms);

/* Raise the memory peak to mem_used() if it is above it; returns the peak. */
size_t stats_peak_memory(void);

/* Average of the samples of a metric, per second (ops, or bytes). */
uint64_t stats_rate(enum stats_metric m);

/* Keys removed by expiry since the last reset, over every keyspace. */
uint64_t stats_expired_keys(void);

/* Hash fields removed by their own expiry since the last reset. */
uint64_t stats_expired_fields(void);

#endif
