/* map.h - the one hash map of the code base: byte-string keys to pointers.
 *
 * Open addressing with linear probing in a power-of-two table at most half
 * full; keys are copied (any bytes, with a length), values belong to the
 * caller.  Keys are hashed with XXH64 under a seed chosen per process, so
 * names from an untrusted dump cannot be picked to collide.  Used for the
 * tables a reader meets, a manifest's tables, the loader's tables and the
 * files of a resumed load.  Not thread-safe: callers lock. */
#ifndef SL_MAP_H
#define SL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sl_map_entry {
	char *key; /* owned; NULL marks an empty slot */
	size_t klen;
	uint64_t hash;
	void *value;
};

struct sl_map {
	struct sl_map_entry *slots;
	size_t nslots, count;
};

#define SL_MAP_INIT        \
	{                  \
		NULL, 0, 0 \
	}

/* The value stored under key[0..klen), or NULL. */
void *sl_map_get(const struct sl_map *m, const void *key, size_t klen);

/* Store 'value' (not NULL) under key[0..klen), replacing what was there.
 * 0 or SL_ENOMEM (the map unchanged). */
int sl_map_put(struct sl_map *m, const void *key, size_t klen, void *value);

/* The same for the key made of two strings (a database and a table): they
 * cannot run into each other ("a" + "bc" is not "ab" + "c"). */
void *sl_map_get2(const struct sl_map *m, const char *a, const char *b);
int sl_map_put2(struct sl_map *m, const char *a, const char *b, void *value);

/* Walk the entries: start with *pos = 0; NULL after the last.  Order is the
 * table's, not the insertion's. */
struct sl_map_entry *sl_map_next(const struct sl_map *m, size_t *pos);

/* Free the keys and the table, and each value with free_value (NULL: leave
 * them).  The map is empty and usable again. */
void sl_map_free(struct sl_map *m, void (*free_value)(void *));

#endif
