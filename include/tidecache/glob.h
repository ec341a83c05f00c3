/* glob: Redis-style pattern matching (KEYS, SCAN MATCH, CONFIG GET,
 * COMMAND LIST FILTERBY PATTERN).
 *
 * Patterns and strings are byte strings with lengths: either may hold NUL
 * bytes. The rules are Redis's:
 *   *        any run of bytes, empty included
 *   ?        exactly one byte
 *   [abc]    one byte of the set;  [^abc] one byte not in it
 *   [a-z]    one byte in the range (the ends may be given in either order);
 *            ranges, single bytes and \-escapes mix: [a-cx\]]
 *   \x       the byte x itself, whatever it is (\* matches '*')
 * A '[' whose set is never closed extends to the end of the pattern, and a
 * '\' that ends the pattern stands for itself, as in Redis. The empty
 * string matches only "" and "*" (Redis matches it with no other pattern,
 * "**" included, while KEYS * and SCAN take every key). With nocase,
 * letters match either case (ASCII only), except a \-escaped byte inside a
 * set, which Redis compares exactly.
 *
 * Matching costs at most O(plen * slen) steps and no recursion, so a
 * hostile pattern such as "*a*a*a*a*b" cannot stall the server. */
#ifndef TIDECACHE_GLOB_H
#define TIDECACHE_GLOB_H

#include <stddef.h>

/* 1 if the whole of str[0..slen) matches pat[0..plen), else 0. */
int glob_match(const char *pat, size_t plen, const char *str, size_t slen, int nocase);

/* The same on NUL-terminated strings. */
int glob_match_cstr(const char *pat, const char *str, int nocase);

#endif
