/* num: strict number parsing and fast formatting, with Redis's rules. */
#ifndef TIDECACHE_NUM_H
#define TIDECACHE_NUM_H

#include <stddef.h>

/* Parse a whole string as a signed 64-bit decimal: optional '-', digits, no
 * spaces, no '+', no leading zeros (except "0"), in range. Returns 1 and
 * stores *out on success, 0 otherwise. */
int num_parse_ll(const char *s, size_t len, long long *out);

/* Parse a whole string as a finite or infinite double (strtod rules, no
 * spaces, not NaN). Returns 1 on success. */
int num_parse_double(const char *s, size_t len, double *out);

/* Write v in decimal to out (at least 21 bytes); returns the length. */
size_t num_format_ll(char *out, long long v);

#endif
