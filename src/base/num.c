/* num: strict number parsing and formatting; see include/tidecache/num.h. */
#include "tidecache/num.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_MAX_DIGITS 20 /* digits of the longest 64-bit value */

int num_parse_ll(const char *s, size_t len, long long *out)
{
    if (len == 0 || len > NUM_MAX_DIGITS)
        return 0;
    size_t i = 0;
    int negative = 0;
    if (s[0] == '-') {
        negative = 1;
        i = 1;
        if (len == 1)
            return 0;
    }
    /* leading zeros are refused, so every value has one spelling */
    if (s[i] == '0') {
        if (len == 1) {
            *out = 0;
            return 1;
        }
        return 0;
    }
    unsigned long long v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - digit) / 10)
            return 0;
        v = v * 10 + digit;
    }
    if (negative) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return 0;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return 0;
        *out = (long long)v;
    }
    return 1;
}

int num_parse_double(const char *s, size_t len, double *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof tmp)
        return 0;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (tmp[0] == ' ' || tmp[0] == '\t' || tmp[len - 1] == ' ')
        return 0;
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end != tmp + len || isnan(v) || (errno == ERANGE && v != 0 && !isinf(v)))
        return 0;
    *out = v;
    return 1;
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Write v in decimal at dst; returns the length. Two digits per division,
 * written from the end: integers are on the hot path of every reply header. */
static size_t format_u64(char *dst, unsigned long long v)
{
    size_t n = 1;
    for (unsigned long long t = v; t >= 10; t /= 10)
        n++;
    size_t i = n;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        dst[--i] = digit_pairs[d + 1];
        dst[--i] = digit_pairs[d];
    }
    if (v >= 10) {
        unsigned d = (unsigned)v * 2;
        dst[--i] = digit_pairs[d + 1];
        dst[--i] = digit_pairs[d];
    } else {
        dst[--i] = (char)('0' + v);
    }
    return n;
}

size_t num_format_ll(char *out, long long v)
{
    size_t n;
    if (v >= 0) {
        n = format_u64(out, (unsigned long long)v);
    } else {
        out[0] = '-';
        n = 1 + format_u64(out + 1, 0ULL - (unsigned long long)v);
    }
    out[n] = '\0';
    return n;
}

/* strtold needs a terminated copy: arguments may hold any byte. */
int num_parse_long_double(const char *s, size_t len, long double *out)
{
    char tmp[NUM_LONG_DOUBLE_MAX_CHARS];
    if (len == 0 || len >= sizeof tmp)
        return 0;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (isspace((unsigned char)tmp[0]))
        return 0;
    char *end;
    errno = 0;
    long double v = strtold(tmp, &end);
    /* end short of len: a NUL inside the argument ("1\0002" is no number) */
    if (end != tmp + len || isnan(v) || (errno == ERANGE && (isinf(v) || v == 0)))
        return 0;
    *out = v;
    return 1;
}

size_t num_format_long_double(char *out, size_t cap, long double v)
{
    int n = snprintf(out, cap, "%.17Lf", v);
    if (n <= 0 || (size_t)n >= cap)
        return 0;
    size_t len = (size_t)n;
    if (memchr(out, '.', len)) {
        while (out[len - 1] == '0')
            len--;
        if (out[len - 1] == '.')
            len--;
    }
    if (len == 2 && out[0] == '-' && out[1] == '0') {
        out[0] = '0';
        len = 1;
    }
    out[len] = '\0';
    return len;
}

int num_add_ll(long long a, long long b, long long *sum)
{
    long long r;
    if (__builtin_add_overflow(a, b, &r))
        return 0;
    *sum = r;
    return 1;
}
