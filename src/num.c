/* num: strict number parsing and formatting; see include/tidecache/num.h. */
#include "tidecache/num.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
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

size_t num_format_ll(char *out, long long v)
{
    char tmp[NUM_MAX_DIGITS + 1];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    out[len] = '\0';
    return len;
}
