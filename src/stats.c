/* stats: the server's counters; see include/tidecache/stats.h. */
#include "tidecache/stats.h"

#include <string.h>

#include "tidecache/clock.h"

struct stats stats;

/* CONFIG RESETSTAT: counters restart; the start time stays. */
void stats_reset(void)
{
    int64_t start = stats.start_ms ? stats.start_ms : clock_now_ms();
    memset(&stats, 0, sizeof stats);
    stats.start_ms = start;
}
