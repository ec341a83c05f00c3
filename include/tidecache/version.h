/* The version of tidecache, and the Redis version whose behaviour it
 * follows (reported as redis_version so clients enable the right features). */
#ifndef TIDECACHE_VERSION_H
#define TIDECACHE_VERSION_H

#define TIDECACHE_VERSION "0.1.0"
#define TIDECACHE_REDIS_COMPAT_VERSION "7.0.15"

#endif
