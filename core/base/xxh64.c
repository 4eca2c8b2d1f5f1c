/* xxh64.c - XXH64 through libxxhash (xxh64.h). */
#include "base/xxh64.h"

#define XXH_STATIC_LINKING_ONLY /* XXH64_state_t's size, for stack states */
#include <xxhash.h>

_Static_assert(sizeof(XXH64_state_t) <= sizeof(struct sl_xxh64_state),
               "sl_xxh64_state is too small for libxxhash's state");

uint64_t sl_xxh64(const void *p, size_t len, uint64_t seed)
{
	return XXH64(p, len, seed);
}

void sl_xxh64_begin(struct sl_xxh64_state *st, uint64_t seed)
{
	XXH64_reset((XXH64_state_t *)(void *)st, seed);
}

void sl_xxh64_update(struct sl_xxh64_state *st, const void *p, size_t len)
{
	XXH64_update((XXH64_state_t *)(void *)st, p, len);
}

uint64_t sl_xxh64_end(const struct sl_xxh64_state *st)
{
	return XXH64_digest((const XXH64_state_t *)(const void *)st);
}
