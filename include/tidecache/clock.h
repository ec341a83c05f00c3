/* clock: the cached wall clock every expiry decision uses.
 *
 * Reading the system clock per request would cost a call per GET; instead
 * the event loop refreshes the cached value once per wakeup (each read
 * callback and each timer tick), so every request handled in one wakeup sees
 * one consistent "now". Tests set the clock by hand (clock_set_ms) to drive
 * expiry without sleeping. */
#ifndef TIDECACHE_CLOCK_H
#define TIDECACHE_CLOCK_H

#include <stdint.h>

/* Refresh the cached value from CLOCK_REALTIME, unless it is frozen. */
void clock_update(void);

/* Cached wall-clock time, milliseconds since the Unix epoch. */
int64_t clock_now_ms(void);

/* Freeze the clock at ms (tests); clock_update() no longer changes it
 * until clock_unfreeze(). */
void clock_set_ms(int64_t ms);
void clock_unfreeze(void);

/* Monotonic microseconds straight from the system, for work budgets. */
int64_t clock_mono_us(void);

#endif
