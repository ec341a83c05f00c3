/* fuzz_resp: the request parser on arbitrary bytes.
 *
 * The input is a stream of pipelined requests. It is parsed twice:
 *   - in one piece, request after request, as a read that brought it all;
 *   - in small pieces whose sizes come from a generator seeded by the input,
 *     through one parser, with the unconsumed bytes moved to a new buffer of
 *     exactly their size before every call (as a connection's buffer moves).
 * Beyond "no crash, no out-of-bounds access, no undefined behaviour" it
 * checks the parser's promises: consumed never exceeds the bytes given and
 * is 0 unless TC_OK; every argument lies inside the consumed request and is
 * followed by '\0'; both ways of feeding give the same requests and the same
 * final status and error (the 64 KB line limits aside, which depend on how
 * bytes arrive); each request, encoded back with the encoders, parses to the
 * same arguments; and memory accounting returns to where it started. */
#include "tidecache/buf.h"
#include "tidecache/mem.h"
#include "tidecache/resp.h"
#include "tidecache/status.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_BULK_BYTES (1024 * 1024) /* proto-max-bulk-len for the run */
#define FUZZ_MAX_CHUNK_BYTES 64           /* largest piece in the split feed */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_resp: %s\n", what);
    abort();
}

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond))                                                                       \
            fuzz_fail(#cond);                                                              \
    } while (0)

/* Check one result against the contract, and append it to `trace` in a
 * canonical form: the request as a multibulk, or the final status. */
static void fuzz_record(const struct resp_parser *p, int rc, const char *buf, size_t len,
                        size_t consumed, struct buf *trace)
{
    FUZZ_CHECK(rc == TC_OK || rc == TC_EAGAIN || rc == TC_ERR);
    if (rc != TC_OK) {
        FUZZ_CHECK(consumed == 0);
        if (rc == TC_ERR) {
            FUZZ_CHECK(p->error != NULL);
            resp_add_error(trace, p->error, strlen(p->error));
        } else {
            FUZZ_CHECK(resp_bytes_wanted(p) <= FUZZ_MAX_BULK_BYTES + 2);
            resp_add_simple(trace, "EAGAIN", 6);
        }
        return;
    }
    FUZZ_CHECK(consumed > 0 && consumed <= len);
    FUZZ_CHECK(p->argc <= RESP_MAX_ARGS);
    resp_add_array_len(trace, p->argc);
    for (size_t i = 0; i < p->argc; i++) {
        const struct arg *a = &p->argv[i];
        FUZZ_CHECK(a->ptr >= buf && a->ptr + a->len < buf + consumed);
        FUZZ_CHECK(a->ptr[a->len] == '\0');
        resp_add_bulk(trace, a->ptr, a->len);
    }
}

/* The canonical multibulk form of a request must parse back to itself. */
static void fuzz_roundtrip(const char *enc, size_t len)
{
    char *copy = mem_alloc(len);
    memcpy(copy, enc, len);
    struct resp_parser p;
    resp_parser_init(&p, FUZZ_MAX_BULK_BYTES);
    size_t consumed = 0;
    int rc = resp_parse(&p, copy, len, &consumed);
    FUZZ_CHECK(rc == TC_OK);
    FUZZ_CHECK(consumed == len);
    struct buf again;
    buf_init(&again);
    fuzz_record(&p, rc, copy, len, consumed, &again);
    FUZZ_CHECK(again.len == len && memcmp(again.data, enc, len) == 0);
    buf_free(&again);
    resp_parser_free(&p);
    mem_free(copy);
}

/* All at once: every request of the input in turn, then the final status. */
static void fuzz_whole(const uint8_t *data, size_t size, struct buf *trace)
{
    char *buf = mem_alloc(size ? size : 1);
    if (size)
        memcpy(buf, data, size);
    struct resp_parser p;
    resp_parser_init(&p, FUZZ_MAX_BULK_BYTES);
    size_t off = 0;
    for (;;) {
        size_t consumed = 0;
        int rc = resp_parse(&p, buf + off, size - off, &consumed);
        size_t mark = trace->len;
        fuzz_record(&p, rc, buf + off, size - off, consumed, trace);
        if (rc != TC_OK)
            break;
        fuzz_roundtrip(trace->data + mark, trace->len - mark);
        off += consumed;
    }
    resp_parser_free(&p);
    mem_free(buf);
}

/* xorshift32: the piece sizes of the split feed, reproducible per input. */
static uint32_t fuzz_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Move the live bytes to a fresh block of exactly their size (plus `more`
 * bytes of input), scribbling over and freeing the old one. */
static char *fuzz_move(char *old, size_t live, const uint8_t *more, size_t more_len)
{
    char *fresh = mem_alloc(live + more_len ? live + more_len : 1);
    if (live)
        memcpy(fresh, old, live);
    if (more_len)
        memcpy(fresh + live, more, more_len);
    if (live)
        memset(old, 0xA5, live);
    mem_free(old);
    return fresh;
}

/* In pieces: after each piece, take every complete request, then drop the
 * consumed bytes; the partial request moves to a new address each time. */
static void fuzz_split(const uint8_t *data, size_t size, struct buf *trace)
{
    uint32_t seed = 0x9e3779b9u ^ (uint32_t)size;
    for (size_t i = 0; i < size && i < 8; i++)
        seed = seed * 31 + data[i];
    if (seed == 0)
        seed = 1;

    struct resp_parser p;
    resp_parser_init(&p, FUZZ_MAX_BULK_BYTES);
    char *buf = NULL;
    size_t live = 0, fed = 0;
    int rc = TC_EAGAIN;
    do {
        size_t piece = 1 + fuzz_next(&seed) % FUZZ_MAX_CHUNK_BYTES;
        if (piece > size - fed)
            piece = size - fed;
        buf = fuzz_move(buf, live, data + fed, piece);
        live += piece;
        fed += piece;
        for (;;) {
            size_t consumed = 0;
            rc = resp_parse(&p, buf, live, &consumed);
            if (rc != TC_OK)
                break;
            fuzz_record(&p, rc, buf, live, consumed, trace);
            memmove(buf, buf + consumed, live - consumed);
            live -= consumed;
        }
    } while (rc == TC_EAGAIN && fed < size);
    fuzz_record(&p, rc, buf, live, 0, trace);
    resp_parser_free(&p);
    mem_free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t mem_before = mem_used();
    struct buf whole, split;
    buf_init(&whole);
    buf_init(&split);

    fuzz_whole(data, size, &whole);
    fuzz_split(data, size, &split);

    if (!memmem(whole.data, whole.len, "too big", 7) &&
        !memmem(split.data, split.len, "too big", 7)) {
        FUZZ_CHECK(whole.len == split.len);
        FUZZ_CHECK(memcmp(whole.data, split.data, whole.len) == 0);
    }

    buf_free(&whole);
    buf_free(&split);
    FUZZ_CHECK(mem_used() == mem_before);
    return 0;
}
