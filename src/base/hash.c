/* hash: SipHash-1-3 over a 128-bit secret; see include/tidecache/hash.h.
 *
 * SipHash keeps four 64-bit words of state initialised from the key. Each
 * 8-byte little-endian message word is mixed in with one SipRound (the "1"),
 * the last word carries the message length in its top byte, and three
 * SipRounds (the "3") finalise. One compression round is enough for a hash
 * table: the goal is that a client cannot predict bucket collisions without
 * the key, not cryptographic strength. */
#include "tidecache/hash.h"

#include <string.h>

#define SIP_C_ROUNDS 1 /* compression rounds per message word */
#define SIP_D_ROUNDS 3 /* finalisation rounds */

/* Key words k0, k1 (little-endian halves of the 16-byte seed); all zeros
 * until hash_set_seed() is called. */
static uint64_t seed_k0;
static uint64_t seed_k1;

/* Read 8 bytes as a little-endian 64-bit integer, whatever the host order;
 * the bytes need not be aligned. */
static uint64_t load_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t rotl64(uint64_t x, unsigned bits)
{
    return (x << bits) | (x >> (64 - bits));
}

struct sip_state {
    uint64_t v0, v1, v2, v3;
};

/* One SipRound: the add-rotate-xor network of the SipHash definition. */
static inline void sip_round(struct sip_state *st)
{
    st->v0 += st->v1;
    st->v1 = rotl64(st->v1, 13);
    st->v1 ^= st->v0;
    st->v0 = rotl64(st->v0, 32);
    st->v2 += st->v3;
    st->v3 = rotl64(st->v3, 16);
    st->v3 ^= st->v2;
    st->v0 += st->v3;
    st->v3 = rotl64(st->v3, 21);
    st->v3 ^= st->v0;
    st->v2 += st->v1;
    st->v1 = rotl64(st->v1, 17);
    st->v1 ^= st->v2;
    st->v2 = rotl64(st->v2, 32);
}

/* Mix one message word into the state. */
static inline void sip_compress(struct sip_state *st, uint64_t m)
{
    st->v3 ^= m;
    for (int i = 0; i < SIP_C_ROUNDS; i++)
        sip_round(st);
    st->v0 ^= m;
}

void hash_set_seed(const uint8_t seed[16])
{
    seed_k0 = load_le64(seed);
    seed_k1 = load_le64(seed + 8);
}

/* SipHash-1-3 of len bytes at data under the current seed. */
uint64_t hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    struct sip_state st = {
        .v0 = seed_k0 ^ UINT64_C(0x736f6d6570736575),
        .v1 = seed_k1 ^ UINT64_C(0x646f72616e646f6d),
        .v2 = seed_k0 ^ UINT64_C(0x6c7967656e657261),
        .v3 = seed_k1 ^ UINT64_C(0x7465646279746573),
    };
    size_t whole = len & ~(size_t)7;

    for (size_t off = 0; off < whole; off += 8)
        sip_compress(&st, load_le64(p + off));

    /* Last word: the 0..7 remaining bytes, and len mod 256 in the top byte. */
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    for (size_t i = 0; i < (len & 7); i++)
        last |= (uint64_t)p[whole + i] << (8 * i);
    sip_compress(&st, last);

    st.v2 ^= 0xff;
    for (int i = 0; i < SIP_D_ROUNDS; i++)
        sip_round(&st);
    return st.v0 ^ st.v1 ^ st.v2 ^ st.v3;
}
