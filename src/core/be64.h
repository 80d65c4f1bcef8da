/* be64.h - 64-bit big-endian integers in byte buffers (keys that sort by
 * number under memcmp, fixed-layout records). */
#ifndef EMU_CORE_BE64_H
#define EMU_CORE_BE64_H

#include <stdint.h>

/** Write @p v into p[0..7], most significant byte first. */
static inline void be64_put(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/** Read p[0..7] written by be64_put(). */
static inline uint64_t be64_get(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
