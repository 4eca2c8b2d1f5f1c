/* xxh64.h - XXH64, the 64-bit xxHash of Yann Collet, for dump checksums.
 *
 * Manifests of archives and directories and the frames of a stream carry
 * a checksum of every file; XXH64 is a documented, widely implemented
 * non-cryptographic hash (`xxhsum -H1` and Python's `xxhash` compute the
 * same values) and runs at memory speed, so a single sink thread can hash
 * what it writes.  It detects damage, not tampering.  The implementation
 * is libxxhash's (Debian's libxxhash-dev); this header is the one place
 * that names it. */
#ifndef SL_XXH64_H
#define SL_XXH64_H

#include <stddef.h>
#include <stdint.h>

/* XXH64 of p[0..len) with 'seed'.  Never fails. */
uint64_t sl_xxh64(const void *p, size_t len, uint64_t seed);

/* The same over input that comes in pieces. */
struct sl_xxh64_state {
	uint64_t opaque[11]; /* libxxhash's XXH64_state_t, which fits in 88 bytes */
};
void sl_xxh64_begin(struct sl_xxh64_state *st, uint64_t seed);
void sl_xxh64_update(struct sl_xxh64_state *st, const void *p, size_t len);
uint64_t sl_xxh64_end(const struct sl_xxh64_state *st);

#endif
