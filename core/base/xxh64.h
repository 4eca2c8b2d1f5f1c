/* xxh64.h - XXH64, the 64-bit xxHash of Yann Collet, for dump checksums.
 *
 * Manifests of archives and directories carry a checksum of every file;
 * XXH64 is a documented, widely implemented non-cryptographic hash (the
 * `xxhsum -H1` tool and Python's `xxhash` package compute the same values)
 * and runs at memory speed, so a single sink thread can hash what it
 * writes.  It detects damage, not tampering. */
#ifndef SL_XXH64_H
#define SL_XXH64_H

#include <stddef.h>
#include <stdint.h>

/* XXH64 of p[0..len) with 'seed'.  Never fails. */
uint64_t sl_xxh64(const void *p, size_t len, uint64_t seed);

#endif
