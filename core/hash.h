/* hash.h - FNV-1a string hashing for the small hash tables of plugins
 * (tables by db and name, file names of a resumed load). */
#ifndef SL_HASH_H
#define SL_HASH_H

#include <stdint.h>

#define SL_HASH_SEED UINT64_C(14695981039346656037)

/* Continue hash 'h' over the bytes of 's'.  Start from SL_HASH_SEED. */
static inline uint64_t sl_hash_str(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return h;
}

/* Hash of the pair (db, name): the NUL between them keeps "a" + "bc" and
 * "ab" + "c" apart. */
static inline uint64_t sl_hash_pair(const char *db, const char *name)
{
	uint64_t h = sl_hash_str(SL_HASH_SEED, db) * UINT64_C(1099511628211);
	return sl_hash_str(h, name);
}

#endif
