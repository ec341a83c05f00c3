/* check_evict: the memory cap. The store's access field and eviction hand,
 * each policy's choice of victims (evict_perform on keyspaces of the db
 * module, with the clock frozen), the OOM outcome, flushed keyspaces freed
 * before any key, the timer's follow-up slices, and the accounting:
 * used_memory back at its starting value after FLUSHALL and after every
 * client has disconnected (real connections over socket pairs). */
#include "tidecache/evict.h"

#include "tidecache/clock.h"
#include "tidecache/command.h"
#include "tidecache/config.h"
#include "tidecache/conn.h"
#include "tidecache/db.h"
#include "tidecache/mem.h"
#include "tidecache/stats.h"
#include "tidecache/store.h"

#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Assertions that call into Check only on failure (loops of many checks). */
#define expect(e)                                                                  \
    do {                                                                           \
        if (!(e))                                                                  \
            ck_abort_msg("%s:%d: expected %s", __FILE__, __LINE__, #e);            \
    } while (0)
#define expect_u(a, op, b)                                                         \
    do {                                                                           \
        uintmax_t a_ = (uintmax_t)(a), b_ = (uintmax_t)(b);                        \
        if (!(a_ op b_))                                                           \
            ck_abort_msg("%s:%d: %s %s %s failed: %ju vs %ju", __FILE__, __LINE__, \
                         #a, #op, #b, a_, b_);                                     \
    } while (0)

#define T0_MS INT64_C(1700000000000) /* frozen "now" at the start of each test */
#define BIG_BUDGET_US 10000000       /* enough for any eviction here */
#define VALUE_BYTES 100
#define MINUTE_MS 60000

static struct config cfg;
static struct store *S; /* keyspace 0 */

static void setup(void)
{
    clock_set_ms(T0_MS);
    config_init(&cfg);
    db_setup(1);
    S = db_get(0);
    stats_reset();
    store_set_touching(1);
}

static void teardown(void)
{
    /* back to no cap, so the store forgets it too */
    cfg.maxmemory = 0;
    evict_perform(&cfg, 0);
    db_teardown();
    config_free(&cfg);
}

static size_t key_of(char *buf, const char *prefix, long i)
{
    return (size_t)snprintf(buf, 32, "%s%05ld", prefix, i);
}

/* Write keys prefix00000.. with VALUE_BYTES-byte values and a TTL in ms
 * (0: none). */
static void fill(const char *prefix, long n, int64_t ttl_ms)
{
    char key[32], value[VALUE_BYTES];
    memset(value, 'v', sizeof value);
    for (long i = 0; i < n; i++) {
        size_t klen = key_of(key, prefix, i);
        store_set(S, key, klen, value, sizeof value, ttl_ms ? T0_MS + ttl_ms : 0);
    }
}

/* The item of prefix<i> without marking an access; NULL when absent. */
static struct item *peek(const char *prefix, long i)
{
    char key[32];
    size_t klen = key_of(key, prefix, i);
    store_set_touching(0);
    struct item *it = store_find(S, key, klen);
    store_set_touching(1);
    return it;
}

/* Read prefix<i> (an access). */
static void read_key(const char *prefix, long i)
{
    char key[32];
    size_t klen = key_of(key, prefix, i);
    expect(store_find(S, key, klen) != NULL);
}

static long count_present(const char *prefix, long from, long to)
{
    long n = 0;
    for (long i = from; i < to; i++)
        n += peek(prefix, i) != NULL;
    return n;
}

/* Bytes one test item takes (with an expiry or not): what deleting one
 * frees. */
static size_t item_bytes(int with_ttl)
{
    char value[VALUE_BYTES];
    memset(value, 'v', sizeof value);
    store_set(S, "~probe", 6, value, sizeof value, with_ttl ? T0_MS + 3600 * 1000 : 0);
    size_t with = mem_used();
    store_delete(S, "~probe", 6);
    return with - mem_used();
}

/* A cap that forces `keys` test items out. */
static long long cap_freeing(size_t keys)
{
    return (long long)(mem_used() - keys * item_bytes(0));
}

/* The same for items with an expiry. */
static long long cap_freeing_volatile(size_t keys)
{
    return (long long)(mem_used() - keys * item_bytes(1));
}

static void use_policy(int policy)
{
    cfg.maxmemory_policy = policy;
    evict_perform(&cfg, 0); /* the store's access marking follows the policy */
}

/* ---- the store's access field and hand ---------------------------------- */

START_TEST(test_access_field_lru)
{
    use_policy(MAXMEMORY_ALLKEYS_LRU);
    fill("k", 3, 0);
    expect_u(item_access(peek("k", 0)), ==, 0); /* new keys start unreferenced */
    read_key("k", 0);
    expect_u(item_access(peek("k", 0)), ==, 1);
    /* replacing the item keeps the mark; an overwrite is an access */
    struct item *it = store_set_expire(S, peek("k", 0), T0_MS + 5000);
    expect_u(item_access(it), ==, 1);
    it = store_set_value(S, it, "a much longer value than the one before, to move it", 51);
    expect_u(item_access(it), ==, 1);
    store_set(S, "k00001", 6, "x", 1, 0);
    expect_u(item_access(peek("k", 1)), ==, 1);
    /* no touching: reads and overwrites leave the mark alone */
    store_set_touching(0);
    expect(store_find(S, "k00002", 6) != NULL);
    store_set(S, "k00002", 6, "y", 1, 0);
    store_set_touching(1);
    expect_u(item_access(peek("k", 2)), ==, 0);
    item_set_access(peek("k", 2), 99);
    expect_u(item_access(peek("k", 2)), ==, STORE_ACCESS_MAX);
}
END_TEST

START_TEST(test_access_field_lfu)
{
    use_policy(MAXMEMORY_ALLKEYS_LFU);
    fill("k", 2, 0);
    expect_u(item_access(peek("k", 0)), ==, STORE_LFU_INIT);
    read_key("k", 0);
    expect_u(item_access(peek("k", 0)), ==, STORE_LFU_INIT + 1); /* the first is certain */
    for (int i = 0; i < 1000; i++)
        read_key("k", 0);
    /* logarithmic: 1000 accesses at factor 10 give about 14 steps, far
     * from one per access and far from the top */
    unsigned v = item_access(peek("k", 0));
    expect_u(v, >=, 8);
    expect_u(v, <=, 20);
    /* factor 0: every access counts, up to the top */
    cfg.lfu_log_factor = 0;
    use_policy(MAXMEMORY_ALLKEYS_LFU);
    for (int i = 0; i < 10; i++)
        read_key("k", 1);
    expect_u(item_access(peek("k", 1)), ==, STORE_LFU_INIT + 10);
    for (int i = 0; i < 100; i++)
        read_key("k", 1);
    expect_u(item_access(peek("k", 1)), ==, STORE_ACCESS_MAX);
}
END_TEST

static int count_visit(void *ctx, struct item *it)
{
    (void)it;
    (*(size_t *)ctx)++;
    return STORE_HAND_KEEP;
}

static int evict_odd_visit(void *ctx, struct item *it)
{
    (void)ctx;
    return (item_key(it)[item_key_len(it) - 1] - '0') % 2 ? STORE_HAND_EVICT : STORE_HAND_KEEP;
}

START_TEST(test_hand_revolution)
{
    fill("k", 1000, 0);
    fill("t", 10, 1000);
    clock_set_ms(T0_MS + 2000); /* the t keys are expired now */
    size_t visits = 0;
    uint64_t cursor = 0;
    int steps = 0;
    do {
        cursor = store_hand_step(S, cursor, count_visit, &visits);
        steps++;
    } while (cursor != 0 && steps < 1000000);
    expect_u(visits, ==, 1000);                  /* each live key once */
    expect_u(store_expired_total(S), ==, 10);    /* expired ones went as expired */
    expect_u(store_count(S), ==, 1000);
    do
        cursor = store_hand_step(S, cursor, evict_odd_visit, NULL);
    while (cursor != 0);
    expect_u(store_count(S), ==, 500);
    expect_u(store_expired_total(S), ==, 10);    /* evictions are not expiries */
    expect_u(count_present("k", 0, 1000), ==, 500);
}
END_TEST

/* ---- policies ------------------------------------------------------------- */

START_TEST(test_no_cap_or_under_cap_is_ok)
{
    use_policy(MAXMEMORY_ALLKEYS_LRU);
    fill("k", 100, 0);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK); /* maxmemory 0 */
    cfg.maxmemory = (long long)mem_used() + 1000;
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    expect_u(store_count(S), ==, 100);
    expect_u(evict_total(), ==, 0);
}
END_TEST

START_TEST(test_allkeys_lru_keeps_read_keys)
{
    use_policy(MAXMEMORY_ALLKEYS_LRU);
    fill("k", 4000, 0);
    for (long i = 0; i < 400; i++) /* A: read after being written */
        read_key("k", i);
    uint64_t before = evict_total();
    cfg.maxmemory = cap_freeing(3000);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    expect_u(mem_used(), <=, (size_t)cfg.maxmemory);
    size_t gone = 4000 - store_count(S);
    expect_u(gone, >=, 3000);
    expect_u(evict_total() - before, ==, gone);
    expect_u(stats.evicted_keys, ==, gone);
    expect_u(store_expired_total(S), ==, 0);
    expect_u(count_present("k", 0, 400), ==, 400); /* every read key stayed */

    /* second chance: B, the keys never read that are left, are read now;
     * the only keys unread since the hand passed are then A's, so the next
     * evictions take A's and leave every B */
    long b[1000], nb = 0;
    for (long i = 400; i < 4000 && nb < 1000; i++) {
        if (peek("k", i)) {
            read_key("k", i);
            b[nb++] = i;
        }
    }
    expect_u(nb, >=, 400);
    cfg.maxmemory = cap_freeing(200);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    for (long j = 0; j < nb; j++)
        expect(peek("k", b[j]) != NULL);
    expect_u(count_present("k", 0, 400), <=, 200);
}
END_TEST

START_TEST(test_volatile_lru_spares_persistent_keys)
{
    use_policy(MAXMEMORY_VOLATILE_LRU);
    fill("p", 1000, 0);
    fill("v", 1000, 3600 * 1000);
    for (long i = 0; i < 100; i++)
        read_key("v", i);
    cfg.maxmemory = cap_freeing_volatile(500);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    expect_u(count_present("p", 0, 1000), ==, 1000);
    expect_u(count_present("v", 0, 100), ==, 100);
    expect_u(count_present("v", 0, 1000), <=, 520);
    /* with every volatile key gone, nothing is left to evict */
    cfg.maxmemory = cap_freeing_volatile(1200);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_FAIL);
    expect_u(count_present("v", 0, 1000), ==, 0);
    expect_u(count_present("p", 0, 1000), ==, 1000);
    expect_u(store_expires_count(S), ==, 0);
}
END_TEST

START_TEST(test_volatile_ttl_nearest_first)
{
    use_policy(MAXMEMORY_VOLATILE_TTL);
    cfg.maxmemory_samples = 10;
    fill("p", 500, 0);
    char key[32], value[VALUE_BYTES];
    memset(value, 'v', sizeof value);
    for (long i = 0; i < 3000; i++) { /* v<i> expires in (i + 1) seconds */
        size_t klen = key_of(key, "v", i);
        store_set(S, key, klen, value, sizeof value, T0_MS + (i + 1) * 1000);
    }
    cfg.maxmemory = cap_freeing_volatile(1000);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    expect_u(count_present("p", 0, 500), ==, 500);
    long gone = 3000 - count_present("v", 0, 3000);
    long near_gone = 1000 - count_present("v", 0, 1000);
    long far_gone = 1000 - count_present("v", 2000, 3000);
    expect_u(gone, >=, 950);
    /* mostly the nearest third; of the farthest third almost nothing */
    expect_u(near_gone, >=, gone * 3 / 4);
    expect_u(far_gone, <=, gone / 20);
}
END_TEST

START_TEST(test_allkeys_lfu_keeps_frequent_keys)
{
    use_policy(MAXMEMORY_ALLKEYS_LFU);
    fill("k", 4000, 0);
    for (int r = 0; r < 30; r++)
        for (long i = 0; i < 200; i++)
            read_key("k", i);
    for (long i = 200; i < 400; i++) /* read once: above the new keys */
        read_key("k", i);
    cfg.maxmemory = cap_freeing(2000);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    expect_u(count_present("k", 0, 200), ==, 200);
    expect_u(count_present("k", 200, 400), >=, 190);
    expect_u(count_present("k", 400, 4000), <=, 1650);
}
END_TEST

START_TEST(test_lfu_decay)
{
    use_policy(MAXMEMORY_ALLKEYS_LFU);
    cfg.lfu_decay_time = 1;
    fill("k", 2000, 0);
    for (long i = 0; i < 2000; i++)
        item_set_access(peek("k", i), 20);
    cfg.maxmemory = cap_freeing(5); /* the hand starts at T0 */
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    clock_set_ms(T0_MS + 10 * MINUTE_MS);
    cfg.maxmemory = cap_freeing(5);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    /* keys the hand passed ten minutes on lost ten steps; others none */
    long decayed = 0, other = 0;
    for (long i = 0; i < 2000; i++) {
        struct item *it = peek("k", i);
        if (!it)
            continue;
        decayed += item_access(it) == 10;
        other += item_access(it) != 10 && item_access(it) != 20;
    }
    expect(decayed > 0);
    expect_u(other, ==, 0);

    /* lfu-decay-time 0: a step each time the hand passes */
    cfg.lfu_decay_time = 0;
    for (long i = 0; i < 2000; i++)
        if (peek("k", i))
            item_set_access(peek("k", i), 20);
    cfg.maxmemory = cap_freeing(5);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    long stepped = 0;
    for (long i = 0; i < 2000; i++) {
        struct item *it = peek("k", i);
        if (it && item_access(it) != 20) {
            expect_u(item_access(it), ==, 19);
            stepped++;
        }
    }
    expect(stepped > 0);
}
END_TEST

START_TEST(test_random_policies)
{
    use_policy(MAXMEMORY_VOLATILE_RANDOM);
    fill("p", 1000, 0);
    fill("v", 1000, 3600 * 1000);
    cfg.maxmemory = cap_freeing_volatile(500);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    expect_u(count_present("p", 0, 1000), ==, 1000);
    expect_u(count_present("v", 0, 1000), <=, 520);
    use_policy(MAXMEMORY_ALLKEYS_RANDOM);
    cfg.maxmemory = cap_freeing(500);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    /* both kinds go now, in proportion */
    expect(count_present("p", 0, 1000) < 1000);
    expect(count_present("v", 0, 1000) < 500);
}
END_TEST

START_TEST(test_noeviction_and_nothing_evictable)
{
    use_policy(MAXMEMORY_NOEVICTION);
    fill("k", 500, 0);
    cfg.maxmemory = cap_freeing(100);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_FAIL);
    expect_u(store_count(S), ==, 500);
    use_policy(MAXMEMORY_VOLATILE_LFU); /* no key has an expiry */
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_FAIL);
    use_policy(MAXMEMORY_VOLATILE_TTL);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_FAIL);
    expect_u(store_count(S), ==, 500);
    expect_u(evict_total(), ==, 0);
    use_policy(MAXMEMORY_ALLKEYS_LFU);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    expect(store_count(S) < 500);
    /* a cap below what an empty server holds: every key goes, then FAIL */
    cfg.maxmemory = 1;
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_FAIL);
    expect_u(store_count(S), ==, 0);
}
END_TEST

START_TEST(test_flushed_keyspace_freed_first)
{
    use_policy(MAXMEMORY_ALLKEYS_LRU);
    size_t empty = mem_used();
    fill("old", 20000, 0);
    store_flush(S); /* large: left to lazy freeing */
    expect(store_lazyfree_pending(S) > 0);
    fill("new", 100, 0);
    cfg.maxmemory = (long long)(empty + (mem_used() - empty) / 4);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
    expect_u(store_count(S), ==, 100); /* the flushed items went, no key */
    expect_u(evict_total(), ==, 0);
    /* noeviction still frees them */
    use_policy(MAXMEMORY_NOEVICTION);
    fill("old", 20000, 0);
    store_flush(S);
    cfg.maxmemory = (long long)(empty + (mem_used() - empty) / 4);
    expect(evict_perform(&cfg, BIG_BUDGET_US) == EVICT_OK);
}
END_TEST

START_TEST(test_budget_bounds_one_call)
{
    use_policy(MAXMEMORY_ALLKEYS_LRU);
    fill("k", 20000, 0);
    cfg.maxmemory = cap_freeing(19000);
    /* a zero budget does one round and says the work goes on */
    expect(evict_perform(&cfg, 0) == EVICT_RUNNING);
    expect(evict_total() >= 1);
    expect(evict_total() < 100);
}
END_TEST

START_TEST(test_timer_slices_finish_the_work)
{
    struct event_base *base = event_base_new();
    use_policy(MAXMEMORY_ALLKEYS_LRU);
    fill("k", 60000, 0);
    cfg.maxmemory = cap_freeing(50000);
    evict_tick(base, &cfg);
    for (int i = 0; i < 100000 && mem_used() > (size_t)cfg.maxmemory; i++)
        event_base_loop(base, EVLOOP_NONBLOCK);
    expect_u(mem_used(), <=, (size_t)cfg.maxmemory);
    expect_u(store_count(S), >=, 9500);
    expect_u(store_count(S), <=, 10100);
    event_base_free(base);
}
END_TEST

START_TEST(test_growth_held_back_under_cap)
{
    use_policy(MAXMEMORY_ALLKEYS_LRU);
    fill("k", 1000, 0);
    size_t before = store_memory(S);
    cfg.maxmemory = (long long)mem_used() + 8 * 1024;
    evict_perform(&cfg, 0);
    /* 1024+ items would double a 1024-bucket table; the cap has room for
     * only a few dozen more items, so the table stays */
    fill("k", 1030, 0);
    size_t items = store_memory(S) - before;
    expect_u(items, <, 30 * 256); /* no new bucket array in there */
}
END_TEST

/* ---- accounting ------------------------------------------------------------ */

struct client {
    int fd; /* our end of the socket pair */
};

/* Connect a client through a socket pair, as the server's accept would. */
static struct client client_open(struct event_base *base)
{
    int sv[2];
    expect(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
    struct sockaddr_un peer = {.sun_family = AF_UNIX};
    expect(conn_create(base, sv[1], (struct sockaddr *)&peer, sizeof peer, 1) != NULL);
    return (struct client){.fd = sv[0]};
}

/* Send a request and run the loop until at least min_bytes of replies have
 * come back; returns the bytes read. */
static size_t client_roundtrip(struct event_base *base, struct client *cl, const char *req,
                               size_t len, size_t min_bytes)
{
    static char in[1 << 20];
    size_t sent = 0, got = 0;
    for (int i = 0; i < 200000 && (sent < len || got < min_bytes); i++) {
        if (sent < len) {
            ssize_t n = write(cl->fd, req + sent, len - sent);
            if (n > 0)
                sent += (size_t)n;
        }
        event_base_loop(base, EVLOOP_NONBLOCK);
        ssize_t n = read(cl->fd, in, sizeof in);
        if (n > 0)
            got += (size_t)n;
    }
    expect_u(got, >=, min_bytes);
    return got;
}

static void client_close(struct event_base *base, struct client *cl, size_t open_after)
{
    close(cl->fd);
    for (int i = 0; i < 100000 && conn_count() > open_after; i++)
        event_base_loop(base, EVLOOP_NONBLOCK);
    expect_u(conn_count(), ==, open_after);
}

/* A pipeline of n "SET key<i> <vlen bytes> [EX 100]" requests. */
static char *set_pipeline(long n, size_t vlen, int with_ttl, size_t *len)
{
    size_t cap = (size_t)n * (vlen + 96) + 64;
    char *p = malloc(cap), *v = malloc(vlen + 1);
    memset(v, 'x', vlen);
    v[vlen] = '\0';
    size_t used = 0;
    for (long i = 0; i < n; i++) {
        char key[32];
        int klen = snprintf(key, sizeof key, "key%ld", i);
        used += (size_t)snprintf(p + used, cap - used,
                                 "*%d\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%zu\r\n%s\r\n%s",
                                 with_ttl ? 5 : 3, klen, key, vlen, v,
                                 with_ttl ? "$2\r\nEX\r\n$3\r\n100\r\n" : "");
    }
    free(v);
    *len = used;
    return p;
}

static void drain_background(void)
{
    for (int i = 0; i < 100000 && store_lazyfree_step(S, 1000); i++)
        ;
    for (int i = 0; i < 1000; i++)
        store_rehash_step(S, 1000);
    expect_u(store_lazyfree_pending(S), ==, 0);
}

START_TEST(test_used_memory_back_after_flushall_and_disconnects)
{
    struct event_base *base = event_base_new();
    command_setup(&cfg);
    static const struct conn_hooks hooks = {command_execute, command_conn_release};
    conn_setup(&cfg, &hooks);
    size_t start = mem_used();

    /* one client loads keys (some with a TTL), a large value, a name */
    struct client a = client_open(base);
    size_t len;
    char *req = set_pipeline(20000, 40, 0, &len);
    client_roundtrip(base, &a, req, len, 20000 * 5);
    free(req);
    req = set_pipeline(3000, 64, 1, &len);
    client_roundtrip(base, &a, req, len, 3000 * 5);
    free(req);
    req = set_pipeline(1, 300000, 0, &len); /* grows both buffers past 64 KiB */
    client_roundtrip(base, &a, req, len, 5);
    free(req);
    static const char get_big[] = "*2\r\n$3\r\nGET\r\n$4\r\nkey0\r\n";
    client_roundtrip(base, &a, get_big, sizeof get_big - 1, 300000);
    static const char name[] = "*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$4\r\nload\r\n";
    client_roundtrip(base, &a, name, sizeof name - 1, 5);
    expect(mem_used() > start + 20000 * 40);

    /* a second client, idle meanwhile: its footprint is the baseline */
    struct client b = client_open(base);
    static const char ping[] = "*1\r\n$4\r\nPING\r\n";
    client_roundtrip(base, &b, ping, sizeof ping - 1, 7);

    static const char flush[] = "*1\r\n$8\r\nFLUSHALL\r\n";
    client_roundtrip(base, &a, flush, sizeof flush - 1, 5);
    client_close(base, &a, 1);
    drain_background();
    size_t b_only = mem_used();
    client_close(base, &b, 0);
    expect_u(mem_used(), ==, start);
    expect(b_only > start); /* b's connection was counted while open */

    /* again with FLUSHALL last and nobody left */
    struct client c = client_open(base);
    req = set_pipeline(5000, 200, 1, &len);
    client_roundtrip(base, &c, req, len, 5000 * 5);
    free(req);
    client_close(base, &c, 0);
    store_flush(S);
    drain_background();
    expect_u(mem_used(), ==, start);
    event_base_free(base);
}
END_TEST

static Suite *evict_suite(void)
{
    Suite *s = suite_create("evict");
    TCase *store_tc = tcase_create("store");
    tcase_add_checked_fixture(store_tc, setup, teardown);
    tcase_add_test(store_tc, test_access_field_lru);
    tcase_add_test(store_tc, test_access_field_lfu);
    tcase_add_test(store_tc, test_hand_revolution);
    suite_add_tcase(s, store_tc);

    TCase *policy = tcase_create("policy");
    tcase_add_checked_fixture(policy, setup, teardown);
    tcase_set_timeout(policy, 60);
    tcase_add_test(policy, test_no_cap_or_under_cap_is_ok);
    tcase_add_test(policy, test_allkeys_lru_keeps_read_keys);
    tcase_add_test(policy, test_volatile_lru_spares_persistent_keys);
    tcase_add_test(policy, test_volatile_ttl_nearest_first);
    tcase_add_test(policy, test_allkeys_lfu_keeps_frequent_keys);
    tcase_add_test(policy, test_lfu_decay);
    tcase_add_test(policy, test_random_policies);
    tcase_add_test(policy, test_noeviction_and_nothing_evictable);
    tcase_add_test(policy, test_flushed_keyspace_freed_first);
    tcase_add_test(policy, test_budget_bounds_one_call);
    tcase_add_test(policy, test_timer_slices_finish_the_work);
    tcase_add_test(policy, test_growth_held_back_under_cap);
    suite_add_tcase(s, policy);

    TCase *acct = tcase_create("accounting");
    tcase_add_checked_fixture(acct, setup, teardown);
    tcase_set_timeout(acct, 60);
    tcase_add_test(acct, test_used_memory_back_after_flushall_and_disconnects);
    suite_add_tcase(s, acct);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(evict_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
