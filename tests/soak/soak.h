/*
 * What the parts of the soak test share (soak.c says what the test does and
 * which part holds what): the constants more than one part uses, a phase
 * and its server, the per-key model a worker keeps, the operation record,
 * and the functions one part calls in another. Whatever only one part uses
 * stays in that part's file, static.
 */
#ifndef TIDECACHE_SOAK_H
#define TIDECACHE_SOAK_H

#include <hiredis/hiredis.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Keys and the model. */
#define KEYS_PER_WORKER     256 /* soak:<worker>:<i>, i below this */
#define COUNTERS_PER_WORKER 4   /* soak:<worker>:ctr:<j> */
#define HASHES_PER_WORKER   24  /* soak:<worker>:h:<i> */
#define SETS_PER_WORKER     24  /* soak:<worker>:s:<i> */
#define HASH_KEYS_FROM      (KEYS_PER_WORKER + COUNTERS_PER_WORKER)
#define SET_KEYS_FROM       (HASH_KEYS_FROM + HASHES_PER_WORKER)
#define MODEL_KEYS          (SET_KEYS_FROM + SETS_PER_WORKER)
#define TOL_US              50000 /* 50 ms around an expiry instant */

/* Values and TTLs. */
#define BIG_VALUE_MAX_BYTES (100 * 1024)
#define SHORT_TTL_MIN_MS    100
#define SHORT_TTL_MAX_MS    3000
#define LONG_TTL_MIN_S      10
#define LONG_TTL_MAX_S      100
#define COUNTER_START_ABS   1000000 /* SET of a counter: a value in +-this */
#define INCRBY_MAX_ABS      100000

/* Hashes and sets: how many elements a big one ranges over (see
 * read_coll_limits), and how many one command names. */
#define BIG_ELEMS_EXTRA 64   /* past twice the encoding limit */
#define BIG_ELEMS_MAX   2048 /* the range of a big hash or set at most... */
#define ELEMS_MAX       2049 /* ... and of a big integer set, with its string member */
#define OP_MAX_FIELDS   16   /* fields or members named by one command */

/* Operations. */
#define OP_MAX_KEYS   8
#define OP_MAX_ARGS   40 /* HSET key and 16 field/value pairs, with room */
#define OP_TEXT_BYTES 96 /* a long set member fits */

/* Bounds. */
#define COMMAND_TIMEOUT_MS   15000
#define MAX_MISMATCH_REPORTS 20 /* printed in detail; all are counted */

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A random stream (soak_util.c); every thread has its own. */
struct rng {
    uint64_t state;
};

/* ------------------------------------------------------------------ */
/* A phase: one server, its threads and counters                       */
/* ------------------------------------------------------------------ */

enum soak_mode { MODE_PLAIN, MODE_MAXMEMORY };

struct server_proc {
    pid_t pid;
    int port;
    char dir[64];
    char conf_path[128];
    char log_path[128];
    char out_path[128]; /* the server's stdout and stderr */
    int early_status;   /* wait status of a server that exited during startup */
};

/* The encoding limits of hashes and sets, as the server reports them. */
struct coll_limits {
    long long hash_entries; /* hash-max-listpack-entries */
    long long hash_value;   /* hash-max-listpack-value */
    long long set_intset;   /* set-max-intset-entries */
    long long set_entries;  /* set-max-listpack-entries */
    long long set_value;    /* set-max-listpack-value */
    int big_hash_fields;    /* the range of fields of a big hash */
    int big_int_members;    /* ... of members of a big integer set (its string one included) */
    int big_str_members;    /* ... of a big string set */
};

/* OBJECT ENCODING's replies for hashes and sets, counted by index (the
 * names are ENCODING_NAMES in soak_types.c). */
enum encoding { ENC_LISTPACK, ENC_LISTPACKEX, ENC_HASHTABLE, ENC_INTSET, ENC_COUNT };

struct counters {
    atomic_llong ops;
    atomic_llong mismatches;
    atomic_llong lost_no_ttl;
    atomic_llong garbage_conns;
    atomic_llong unread_pipelines;
    atomic_llong scans;
    atomic_llong config_changes;
    atomic_llong fill_writes;
    atomic_llong fill_oom;
    atomic_llong chaos_errors;
    atomic_llong ping_failures;
    atomic_llong checks_exact;   /* key replies the model predicted exactly */
    atomic_llong checks_window;  /* ... where the key could be there or gone */
    atomic_llong checks_unknown; /* ... on unknown keys: type checked only */
    atomic_llong expiries_seen;  /* replies showing that a key's TTL had run out */

    /* Hash and set keys. */
    atomic_llong hash_ops;       /* hash commands on hash keys, checked */
    atomic_llong set_ops;        /* set commands on set keys, checked */
    atomic_llong coll_checks[3]; /* their checks: exact, within a window, on unknown keys */
    atomic_llong probes;         /* commands on a key of another type (WRONGTYPE) */
    atomic_llong wrongtype_seen; /* ... answered with the error: the key was there */
    atomic_llong field_expiries; /* replies showing that a field's TTL had run out */
    atomic_llong largest_hash;   /* most fields a reply showed (HLEN, HGETALL) */
    atomic_llong largest_set;    /* most members a reply showed (SCARD, SMEMBERS) */
    /* OBJECT ENCODING replies seen, by enum encoding. */
    atomic_llong hash_enc[ENC_COUNT];
    atomic_llong set_enc[ENC_COUNT];
};

struct mem_sample {
    double rss_mib;
    double hwm_mib;
    int64_t at_ms; /* since the phase started */
};

struct phase {
    enum soak_mode mode;
    const char *name;
    int seconds;
    int nworkers;
    uint64_t seed;
    struct server_proc srv;
    atomic_bool stop;
    atomic_bool fatal; /* the server stopped answering: the phase ends early */
    int64_t start_ms, deadline_ms;
    struct counters n;
    struct coll_limits lim; /* the server's encoding limits, read at the start */
    pthread_mutex_t print_lock;
    struct mem_sample *samples; /* written by the monitor, read after join */
    size_t nsamples, samples_cap;
};

/* ------------------------------------------------------------------ */
/* The key model and expected replies                                  */
/* ------------------------------------------------------------------ */

enum key_state { KEY_ABSENT, KEY_PRESENT, KEY_UNKNOWN };

enum key_type { KT_STRING, KT_HASH, KT_SET };

/* What a key is for: sizes and the mix of operations it gets. */
enum coll_role { ROLE_BIG, ROLE_SMALL, ROLE_WIDE, ROLE_VOLATILE };

struct coll_model;

/* A key, or one field of a hash: absent, present with a value (bytes) and
 * maybe an expiry, or unknown. Hash and set keys also have a coll. */
struct key_model {
    enum key_state state;
    unsigned char *val;
    size_t len, cap;
    bool has_ttl;
    int64_t exp_lo_us, exp_hi_us; /* wall clock: the expiry lies in [lo, hi] */
    struct coll_model *coll;      /* NULL for string keys */
};

/* The elements of a hash or set key, by index (see field_text and
 * member_text): a hash field is a key_model of its own (value and expiry
 * window); a set member is KEY_PRESENT or KEY_ABSENT. They mean something
 * only while the key is KEY_PRESENT. */
struct coll_model {
    enum key_type type;
    enum coll_role role;
    bool ints; /* a set of integers, but for its last member (a string) */
    int n;     /* the range of indexes */
    struct key_model *elems;
    const struct coll_limits *lim;
    /* For OBJECT ENCODING, since the value was last created. Hashes: the
     * most fields it held (at least, at most) and its longest value; the
     * encoding follows from the limits. Sets: the encoding itself, which
     * the model follows member by member (it knows them all). Neither
     * when the creation went unseen (enc_unsure: any encoding goes). */
    int peak_lo, peak_hi;
    size_t longest;
    enum encoding set_enc;
    bool enc_unsure;
};

/* What the model can say about a key at a request sent at t0, answered at t1. */
enum presence { SURE_PRESENT, SURE_ABSENT, MAYBE };

/* What the reply revealed: the key was there, was not, or cannot be told. */
enum was { WAS_PRESENT, WAS_ABSENT, WAS_EITHER };

enum expect_kind { EXP_NIL, EXP_STATUS, EXP_STR, EXP_ANY_STR, EXP_INT_RANGE, EXP_WRONGTYPE };

struct expect {
    enum expect_kind kind;
    const unsigned char *s;
    size_t len;
    long long lo, hi;
};

/* ------------------------------------------------------------------ */
/* A worker and its operations                                         */
/* ------------------------------------------------------------------ */

/* A worker thread: its connection, its random stream, the model of its
 * keys, and its counts, added to the phase's when it is joined. */
struct worker {
    int id;
    struct phase *ph;
    pthread_t thread;
    redisContext *c;
    struct rng rng;
    int reconnects;
    bool dead;
    char context[48]; /* "single", "pipeline 3/17", "multi 2/4": for reports */
    long long checks_exact, checks_window, checks_unknown, expiries_seen; /* summed at the end */
    long long hash_ops, set_ops, probes, wrongtype_seen, field_expiries;
    long long largest_hash, largest_set, hash_enc[ENC_COUNT], set_enc[ENC_COUNT];
    long long
        coll_checks[3]; /* of the checks, those on hash and set keys: exact, window, unknown */
    struct key_model keys[MODEL_KEYS];
    struct coll_model colls[HASHES_PER_WORKER + SETS_PER_WORKER];
    unsigned char *seen;       /* ELEMS_MAX: what one reply showed of each element */
    const redisReply **listed; /* ELEMS_MAX: HGETALL's value of each field */
};

enum op_kind {
    OP_SET,
    OP_SETNX,
    OP_SETEX,
    OP_PSETEX,
    OP_GETSET,
    OP_GET,
    OP_MGET,
    OP_DEL,
    OP_EXISTS,
    OP_STRLEN,
    OP_APPEND,
    OP_GETRANGE,
    OP_SETRANGE,
    OP_INCRBY,
    OP_GETDEL,
    OP_GETEX,
    OP_EXPIRE,
    OP_PEXPIREAT,
    OP_PERSIST,
    OP_TTL,
    OP_PTTL,
    OP_PEXPIRETIME,
    OP_MSET,
    OP_TYPE,
    /* hashes */
    OP_HSET,
    OP_HGET,
    OP_HMGET,
    OP_HDEL,
    OP_HLEN,
    OP_HEXISTS,
    OP_HINCRBY,
    OP_HGETALL,
    OP_HSTRLEN,
    OP_HEXPIRE, /* HPEXPIRE, HEXPIRE or HPEXPIREAT */
    OP_HTTL,    /* HPTTL or HTTL */
    OP_HPERSIST,
    /* sets */
    OP_SADD,
    OP_SREM,
    OP_SISMEMBER,
    OP_SMISMEMBER,
    OP_SCARD,
    OP_SMEMBERS,
    OP_SPOP,
    /* any type */
    OP_ENCODING /* OBJECT ENCODING */
};

/* The type of key a command is for; FAM_KEY commands take any. */
enum family { FAM_STRING, FAM_HASH, FAM_SET, FAM_KEY };

enum set_cond { COND_NONE, COND_NX, COND_XX };
enum expire_flag { EXPF_NONE, EXPF_NX, EXPF_XX, EXPF_GT, EXPF_LT };
enum ttl_arg { TTL_NONE, TTL_EX, TTL_PX, TTL_PXAT, TTL_KEEP, TTL_PERSIST };
enum incr_form { INCR_ONE, DECR_ONE, INCR_BY, DECR_BY };

struct op {
    enum op_kind kind;
    int nkeys;
    int key[OP_MAX_KEYS];
    unsigned char *val[OP_MAX_KEYS]; /* owned; one per key for MSET, else val[0] */
    size_t vlen[OP_MAX_KEYS];
    enum set_cond cond;
    bool with_get;
    enum ttl_arg ttl;
    enum expire_flag expf;
    bool in_seconds;  /* EX / EXPIRE / SETEX rather than PX / PEXPIRE / PSETEX */
    long long ttl_ms; /* relative TTL */
    long long at_ms;  /* absolute unix ms for PXAT and PEXPIREAT */
    enum incr_form incr;
    long long delta;      /* INCR family: the change it makes */
    long long start, end; /* GETRANGE; SETRANGE uses start as the offset */
    int nfields;          /* hash fields or set members named, by index, distinct */
    int field[OP_MAX_FIELDS];
    unsigned char *fval[OP_MAX_FIELDS]; /* HSET: owned, one value per field */
    size_t fvlen[OP_MAX_FIELDS];
    bool absolute; /* HPEXPIREAT: at_ms; else ttl_ms from now (0: the field goes at once) */
    int argc;
    const char *argv[OP_MAX_ARGS];
    size_t argvlen[OP_MAX_ARGS];
    bool blob[OP_MAX_ARGS]; /* value arguments: reports show their length only */
    char text[OP_MAX_ARGS][OP_TEXT_BYTES];
};

/* ------------------------------------------------------------------ */
/* Chaos threads                                                       */
/* ------------------------------------------------------------------ */

struct chaos {
    struct phase *ph;
    struct rng rng;
    pthread_t thread;
};

/* ------------------------------------------------------------------ */
/* Functions one part calls in another, by the file that has them      */
/* ------------------------------------------------------------------ */

/* soak_util.c: time, randomness, allocation, loopback connections. */
int64_t wall_us(void);
int64_t mono_ms(void);
void sleep_ms(long ms);
long long floor_div(long long a, long long b);
long long ceil_div(long long a, long long b);
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_below(struct rng *r, uint64_t n);
long long rng_between(struct rng *r, long long lo, long long hi);
bool rng_percent(struct rng *r, unsigned pct);
void rng_fill(struct rng *r, unsigned char *p, size_t n, bool text);
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
int pick_free_port(void);
int raw_connect(int port, int timeout_ms);
redisContext *connect_ctx(int port, int timeout_ms);
bool ping_fresh(int port);

/* soak.c: the phase every thread runs in. */
bool phase_over(struct phase *ph);
void phase_print(struct phase *ph, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* soak_model.c: the key model, expected replies, reports. */
enum key_type km_type(const struct key_model *km);
enum presence window_presence(const struct key_model *km, int64_t t0, int64_t t1, bool evictable);
enum presence field_presence(const struct key_model *f, int64_t t0, int64_t t1);
enum presence hash_presence(const struct worker *w, const struct key_model *km, int64_t t0,
                            int64_t t1, bool reclaims);
enum presence classify(const struct worker *w, const struct key_model *km, int64_t t0, int64_t t1);
void km_reserve(struct key_model *km, size_t n);
void km_store(struct key_model *km, const void *p, size_t len);
void km_delete(struct key_model *km);
void km_forget(struct key_model *km);
void km_persist(struct key_model *km);
void km_expire_from(struct key_model *km, const struct op *op, int64_t t0, int64_t t1);
long long model_integer(const struct key_model *km);
const char *key_name(char *buf, size_t cap, int worker, int k);
const char *type_name(const struct key_model *km);
struct expect exp_nil(void);
struct expect exp_status(const char *s);
struct expect exp_str(const unsigned char *s, size_t len);
struct expect exp_any_str(void);
struct expect exp_range(long long lo, long long hi);
struct expect exp_int(long long v);
struct expect exp_wrongtype(void);
bool reply_matches(const redisReply *r, const struct expect *e);
struct expect cond_expectation(enum expire_flag expf, bool has_ttl, int64_t old_lo, int64_t old_hi,
                               int64_t new_lo, int64_t new_hi);
void describe_expect(const struct expect *e, char *buf, size_t cap);
void describe_model(const struct key_model *km, int64_t t0, int64_t t1, char *buf, size_t cap);
void report_mismatch(struct worker *w, const struct op *op, int slot, const char *expected,
                     const redisReply *r, const char *model);
void note_first_difference(const struct expect *e, const redisReply *r, char *buf, size_t cap);

/* soak_worker.c: argument vectors, and the worker thread. */
enum family op_family(enum op_kind kind);
void arg_raw(struct op *op, const void *p, size_t len, bool blob);
void arg_text(struct op *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arg_key(struct op *op, int worker, int slot);
void arg_value(struct op *op, int slot);
void *worker_main(void *arg);

/* soak_strings.c: string keys, counters, commands on a key as a whole. */
void build_with_args(struct op *op, int worker);
int pick_key(struct worker *w, int below);
long long pick_ttl_ms(struct worker *w, bool whole_seconds);
void choose_args(struct worker *w, struct op *op, size_t value_cap);
void choose_counter_op(struct worker *w, struct op *op);
void shorten_ttl(struct worker *w, struct op *op);
bool op_is_read(enum op_kind kind);
void choose_string_op(struct worker *w, struct op *op, size_t value_cap);
struct expect expect_if_absent(const struct op *op);
void check_key(struct worker *w, const struct op *op, int slot, const redisReply *r, int64_t t0,
               int64_t t1);
void check_count(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                 int64_t t1);

/* soak_types.c: hash and set keys, WRONGTYPE probes. */
void worker_models_init(struct worker *w);
void worker_models_free(struct worker *w);
void build_collection(struct op *op, const struct worker *w);
void choose_coll_op(struct worker *w, struct op *op, size_t value_cap, bool hash);
void choose_probe_op(struct worker *w, struct op *op, size_t value_cap, bool alone);
int set_card(const struct key_model *km);
int members_named(const struct key_model *km, const struct op *op);
void apply_sadd(struct key_model *km, const struct op *op, enum was was);
void apply_srem(struct key_model *km, const struct op *op, enum was was);
void check_probe(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                 int64_t t1);
void check_encoding(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                    int64_t t1);
void check_set_reply(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                     int64_t t1);
void check_hash_op(struct worker *w, const struct op *op, const redisReply *r, int64_t t0,
                   int64_t t1);

/* soak_chaos.c: the chaos threads, each given its struct chaos. */
void *garbage_main(void *arg);
void *unread_main(void *arg);
void *scanner_main(void *arg);
void *config_main(void *arg);
void *filler_main(void *arg);

#endif
