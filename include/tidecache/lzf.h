/* lzf: decompression of the LZF format Redis uses for strings in RDB data
 * (so FUNCTION RESTORE takes payloads Redis dumped with compression on).
 *
 * The format is a sequence of runs, each starting with a control byte:
 * below 32 it is a literal run of control + 1 bytes that follow; otherwise
 * a back reference: length (control >> 5) + 2 (with an extra length byte
 * added when the 3 bits are all set), at a distance of ((control & 31) << 8)
 * + the next byte + 1 before the current output position. */
#ifndef TIDECACHE_LZF_H
#define TIDECACHE_LZF_H

#include <stddef.h>

#define LZF_MAX_OUTPUT_BYTES (512u * 1024 * 1024) /* larger claims are refused */

/* Decompress in[0..inlen) into out, which holds outlen bytes. Returns the
 * bytes written, or 0 when the input is malformed or would not fit. */
size_t lzf_decompress(const void *in, size_t inlen, void *out, size_t outlen);

#endif
