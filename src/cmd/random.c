/* Draws for the commands that answer random members or fields (SPOP,
 * SRANDMEMBER, HRANDFIELD): the random source, a set of what was drawn
 * already, and the bound on replies of repeated draws. */
#include <limits.h>

#include "commands.h"
#include "tidecache/clock.h"
#include "tidecache/config.h"
#include "tidecache/htab.h"
#include "tidecache/num.h"
#include "tidecache/reply.h"
#include "tidecache/status.h"

/* xorshift64*, seeded from the clock when first used. */
static uint64_t rng_state;

uint64_t command_rand(void)
{
    if (!rng_state)
        rng_state = (uint64_t)clock_mono_us() | 1;
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

void drawn_init(struct drawn *d)
{
    d->bytes = 0;
    d->h = htab_create(&d->bytes);
}

int drawn_add(struct drawn *d, const char *s, size_t len)
{
    if (htab_find(d->h, s, len))
        return 0;
    htab_add(d->h, s, len, 0);
    return 1;
}

void drawn_free(struct drawn *d)
{
    htab_destroy(d->h);
}

int command_parse_rand_count(struct conn *c, const struct arg *a, long long *count)
{
    if (!num_parse_ll(a->ptr, a->len, count)) {
        reply_not_integer(c);
        return TC_ERR;
    }
    if (*count == LLONG_MIN) { /* -count must be representable */
        reply_errorf(c, "ERR value is out of range, value must between %lld and %lld",
                     -LLONG_MAX, LLONG_MAX);
        return TC_ERR;
    }
    return TC_OK;
}

int command_repeat_reply_too_large(unsigned long long n, unsigned long long mean_bytes)
{
    unsigned long long limit = (unsigned long long)command_config()->proto_max_bulk_len;
    return mean_bytes && n > limit / mean_bytes;
}
