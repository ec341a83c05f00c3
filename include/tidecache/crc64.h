/* crc64: the 64-bit CRC Redis puts at the end of DUMP payloads (Jones'
 * polynomial 0xad93d23594c935a9, reflected, initial value 0, no final
 * xor), so payloads check the same way on both servers. */
#ifndef TIDECACHE_CRC64_H
#define TIDECACHE_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Continue crc over p[0..n); start with crc 0. */
uint64_t crc64(uint64_t crc, const void *p, size_t n);

#endif
