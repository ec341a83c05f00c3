/* crc64: see include/tidecache/crc64.h. A table of the CRC of every byte
 * value, built at first use, so each byte costs one lookup and a shift. */
#include "tidecache/crc64.h"

#define CRC64_JONES_REFLECTED UINT64_C(0x95ac9329ac4bc9b5) /* 0xad93d23594c935a9 bit-reversed */

static uint64_t table[256];
static int table_ready;

static void build_table(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint64_t crc = b;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (CRC64_JONES_REFLECTED & (0 - (crc & 1)));
        table[b] = crc;
    }
    table_ready = 1;
}

uint64_t crc64(uint64_t crc, const void *p, size_t n)
{
    const unsigned char *s = p;
    if (!table_ready)
        build_table();
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ s[i]) & 0xff] ^ (crc >> 8);
    return crc;
}
