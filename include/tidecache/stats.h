/* stats: the server's counters, as INFO reports them.
 *
 * Counters are plain fields bumped on the request path (the server is
 * single-threaded), so counting costs one increment. */
#ifndef TIDECACHE_STATS_H
#define TIDECACHE_STATS_H

#include <stdint.h>

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
};

extern struct stats stats;

void stats_reset(void);

#endif
