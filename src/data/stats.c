/* stats: the server's counters; see include/tidecache/stats.h. */
#include "tidecache/stats.h"

#include <string.h>

#include "tidecache/clock.h"
#include "tidecache/db.h"
#include "tidecache/mem.h"

struct stats stats;

void stats_reset(void)
{
    int64_t start = stats.start_ms ? stats.start_ms : clock_now_ms();
    size_t peak = stats.peak_memory;
    memset(&stats, 0, sizeof stats);
    stats.start_ms = start;
    stats.peak_memory = peak;
    stats.expired_base = db_total_expired();
    stats.expired_fields_base = db_total_expired_fields();
}

/* The counter behind a metric, read now. */
static uint64_t metric_count(enum stats_metric m)
{
    switch (m) {
    case STATS_OPS: return stats.commands_processed;
    case STATS_NET_INPUT: return stats.net_input_bytes;
    case STATS_NET_OUTPUT: return stats.net_output_bytes;
    default: return 0;
    }
}

/* One sample: the counter's growth since the last sample, per second. The
 * first call only sets the starting point. */
static void rate_sample(struct stats_rate *r, uint64_t count, int64_t now_ms)
{
    if (r->last_ms != 0 && now_ms > r->last_ms) {
        uint64_t delta = count >= r->last_count ? count - r->last_count : 0;
        r->samples[r->next] = delta * 1000 / (uint64_t)(now_ms - r->last_ms);
        r->next = (r->next + 1) % STATS_SAMPLES;
    }
    r->last_ms = now_ms;
    r->last_count = count;
}

void stats_tick(int64_t now_ms)
{
    stats_peak_memory();
    struct stats_rate *first = &stats.rate[0];
    if (first->last_ms != 0 && now_ms - first->last_ms < STATS_SAMPLE_PERIOD_MS)
        return;
    for (int m = 0; m < STATS_METRICS; m++)
        rate_sample(&stats.rate[m], metric_count((enum stats_metric)m), now_ms);
}

size_t stats_peak_memory(void)
{
    size_t used = mem_used();
    if (used > stats.peak_memory)
        stats.peak_memory = used;
    return stats.peak_memory;
}

uint64_t stats_rate(enum stats_metric m)
{
    if ((unsigned)m >= STATS_METRICS)
        return 0;
    uint64_t sum = 0;
    for (int i = 0; i < STATS_SAMPLES; i++)
        sum += stats.rate[m].samples[i];
    return sum / STATS_SAMPLES;
}

uint64_t stats_expired_fields(void)
{
    uint64_t total = db_total_expired_fields();
    return total >= stats.expired_fields_base ? total - stats.expired_fields_base : 0;
}

uint64_t stats_expired_keys(void)
{
    uint64_t total = db_total_expired();
    return total >= stats.expired_base ? total - stats.expired_base : 0;
}
