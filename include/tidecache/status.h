/* Status codes shared by every module: a small set of non-positive ints.
 * Functions that can fail return one of these; positive values are never
 * status codes, so a function may return a count on success instead. */
#ifndef TIDECACHE_STATUS_H
#define TIDECACHE_STATUS_H

enum tc_status {
    TC_OK = 0,      /* done */
    TC_ERR = -1,    /* failed; the caller has (or is given) the reason */
    TC_EAGAIN = -2, /* not yet: more input or another step is needed */
    TC_ENOMEM = -3, /* a size limit or allocation failed */
};

#endif
