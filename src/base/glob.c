/* glob: Redis-style pattern matching; see include/tidecache/glob.h.
 *
 * The matcher walks pattern and string together. At a '*' it remembers
 * where it was; when a later byte fails to match, it goes back to just after
 * the most recent '*' and lets that star swallow one more byte. Only the
 * most recent star ever needs retrying: whatever an earlier star could
 * swallow, the later one can swallow instead. That bounds the work by
 * plen * slen and needs no recursion. */
#include "tidecache/glob.h"

#include <string.h>

static unsigned char fold(unsigned char ch, int nocase)
{
    return nocase && ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
}

/* Match one byte ch against the set that starts just after a '[' at
 * pat[i]. Returns whether it matched, and stores in *next the index just
 * past the set's ']' (or plen when the set is never closed). */
static int match_set(const unsigned char *pat, size_t plen, size_t i, unsigned char ch,
                     int nocase, size_t *next)
{
    int negate = i < plen && pat[i] == '^';
    int found = 0;
    if (negate)
        i++;
    while (i < plen && pat[i] != ']') {
        if (pat[i] == '\\' && i + 1 < plen) {
            found |= pat[i + 1] == ch; /* exact, as Redis compares escapes */
            i += 2;
        } else if (i + 2 < plen && pat[i + 1] == '-') {
            unsigned char lo = fold(pat[i], nocase), hi = fold(pat[i + 2], nocase);
            unsigned char c = fold(ch, nocase);
            if (lo > hi) {
                unsigned char t = lo;
                lo = hi;
                hi = t;
            }
            found |= c >= lo && c <= hi;
            i += 3;
        } else {
            found |= fold(pat[i], nocase) == fold(ch, nocase);
            i++;
        }
    }
    *next = i < plen ? i + 1 : plen;
    return negate ? !found : found;
}

/* Match one byte ch against the single-byte element at pat[p] (anything
 * but '*'). Returns whether it matched; *next is the index after the
 * element. */
static int match_one(const unsigned char *pat, size_t plen, size_t p, unsigned char ch,
                     int nocase, size_t *next)
{
    switch (pat[p]) {
    case '?':
        *next = p + 1;
        return 1;
    case '[':
        return match_set(pat, plen, p + 1, ch, nocase, next);
    case '\\':
        if (p + 1 < plen)
            p++; /* the escaped byte is literal; a final '\' is itself */
        break;
    default:
        break;
    }
    *next = p + 1;
    return fold(pat[p], nocase) == fold(ch, nocase);
}

int glob_match(const char *pattern, size_t plen, const char *string, size_t slen, int nocase)
{
    const unsigned char *pat = (const unsigned char *)pattern;
    const unsigned char *str = (const unsigned char *)string;
    size_t p = 0, s = 0;
    size_t star_p = 0, star_s = 0; /* resume points after the last '*' */
    int have_star = 0;
    if (slen == 0) /* Redis's quirk, kept: "*" matches "", "**" does not */
        return plen == 0 || (plen == 1 && pat[0] == '*');
    while (s < slen) {
        if (p < plen && pat[p] == '*') {
            while (p < plen && pat[p] == '*')
                p++;
            if (p == plen)
                return 1;
            have_star = 1;
            star_p = p;
            star_s = s;
            continue;
        }
        size_t next;
        if (p < plen && match_one(pat, plen, p, str[s], nocase, &next)) {
            p = next;
            s++;
            continue;
        }
        if (!have_star)
            return 0;
        p = star_p;
        s = ++star_s;
    }
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}

int glob_match_cstr(const char *pat, const char *str, int nocase)
{
    return glob_match(pat, strlen(pat), str, strlen(str), nocase);
}
