/* clock: cached wall clock; see include/tidecache/clock.h. */
#include "tidecache/clock.h"

#include <time.h>

static int64_t cached_ms;
static int frozen;

void clock_update(void)
{
    if (frozen)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cached_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
    if (cached_ms == 0)
        clock_update();
    return cached_ms;
}

void clock_set_ms(int64_t ms)
{
    frozen = 1;
    cached_ms = ms;
}

void clock_unfreeze(void)
{
    frozen = 0;
    clock_update();
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
