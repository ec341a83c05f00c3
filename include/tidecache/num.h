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

/* *sum = a + b: 1 on success, 0 (and *sum untouched) when the sum leaves
 * the 64-bit range, as INCRBY and HINCRBY refuse it. */
int num_add_ll(long long a, long long b, long long *sum);

/* Write v in decimal to out (at least 21 bytes); returns the length. */
size_t num_format_ll(char *out, long long v);

/* Longest text of a long double INCRBYFLOAT and HINCRBYFLOAT read or
 * write, in bytes, as Redis bounds it: "%.17Lf" of the largest 80-bit long
 * double (~1.2e4932) takes 4951 bytes. */
#define NUM_LONG_DOUBLE_MAX_CHARS 5120

/* A whole string as a long double, by Redis's rules: strtold syntax (hex
 * and "inf" included), no leading space, nothing after the number, not
 * NaN, and not out of range (overflow to infinity or underflow to zero).
 * Returns 1 on success. */
int num_parse_long_double(const char *s, size_t len, long double *out);

/* Redis's human form of a long double: "%.17Lf" with trailing zeros (and a
 * trailing point) removed, "-0" written "0". Returns the length, or 0 when
 * it does not fit in cap bytes. */
size_t num_format_long_double(char *out, size_t cap, long double v);

#endif
