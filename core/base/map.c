/* map.c - the hash map (map.h). */
#include "base/map.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/xxh64.h"

static uint64_t map_seed;
static pthread_once_t map_seed_once = PTHREAD_ONCE_INIT;

static void map_seed_init(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid() ^
	             (uint64_t)(uintptr_t)&ts;
	map_seed = sl_xxh64(&s, sizeof(s), 0);
}

static uint64_t map_hash(const void *key, size_t klen)
{
	pthread_once(&map_seed_once, map_seed_init);
	return sl_xxh64(key, klen, map_seed);
}

/* The slot holding key, or the empty one where it would go. */
static size_t map_find(const struct sl_map *m, const void *key, size_t klen, uint64_t h)
{
	size_t i = (size_t)h & (m->nslots - 1);
	while (m->slots[i].key && (m->slots[i].hash != h || m->slots[i].klen != klen ||
	                           memcmp(m->slots[i].key, key, klen) != 0))
		i = (i + 1) & (m->nslots - 1);
	return i;
}

/* Double the table (or create it).  0 or SL_ENOMEM (the map unchanged). */
static int map_grow(struct sl_map *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 64;
	struct sl_map_entry *slots = sl_calloc(n, sizeof(*slots));
	if (!slots)
		return SL_ENOMEM;
	for (size_t i = 0; i < m->nslots; i++) {
		if (!m->slots[i].key)
			continue;
		size_t j = (size_t)m->slots[i].hash & (n - 1);
		while (slots[j].key)
			j = (j + 1) & (n - 1);
		slots[j] = m->slots[i];
	}
	sl_free(m->slots);
	m->slots = slots;
	m->nslots = n;
	return 0;
}

void *sl_map_get(const struct sl_map *m, const void *key, size_t klen)
{
	if (!m->count)
		return NULL;
	size_t i = map_find(m, key, klen, map_hash(key, klen));
	return m->slots[i].key ? m->slots[i].value : NULL;
}

int sl_map_put(struct sl_map *m, const void *key, size_t klen, void *value)
{
	uint64_t h = map_hash(key, klen);
	if (m->count) {
		size_t i = map_find(m, key, klen, h);
		if (m->slots[i].key) {
			m->slots[i].value = value;
			return 0;
		}
	}
	if ((m->count + 1) * 2 > m->nslots && map_grow(m))
		return SL_ENOMEM;
	char *copy = sl_malloc(klen + 1);
	if (!copy)
		return SL_ENOMEM;
	memcpy(copy, key, klen);
	copy[klen] = '\0';
	size_t i = map_find(m, key, klen, h);
	m->slots[i] = (struct sl_map_entry){copy, klen, h, value};
	m->count++;
	return 0;
}

/* "a\0b" in buf when it fits, else in a new allocation (*heap, caller
 * frees).  NULL on ENOMEM. */
static const char *pair_key(char *buf, size_t cap, const char *a, const char *b, size_t *klen,
                            char **heap)
{
	size_t la = strlen(a), lb = strlen(b);
	char *k = buf;
	*heap = NULL;
	*klen = la + 1 + lb;
	if (*klen > cap && !(k = *heap = sl_malloc(*klen)))
		return NULL;
	memcpy(k, a, la + 1);
	memcpy(k + la + 1, b, lb);
	return k;
}

void *sl_map_get2(const struct sl_map *m, const char *a, const char *b)
{
	char buf[512], *heap;
	size_t klen;
	const char *k = pair_key(buf, sizeof(buf), a, b, &klen, &heap);
	void *v = k ? sl_map_get(m, k, klen) : NULL;
	sl_free(heap);
	return v;
}

int sl_map_put2(struct sl_map *m, const char *a, const char *b, void *value)
{
	char buf[512], *heap;
	size_t klen;
	const char *k = pair_key(buf, sizeof(buf), a, b, &klen, &heap);
	int rc = k ? sl_map_put(m, k, klen, value) : SL_ENOMEM;
	sl_free(heap);
	return rc;
}

struct sl_map_entry *sl_map_next(const struct sl_map *m, size_t *pos)
{
	while (*pos < m->nslots) {
		struct sl_map_entry *e = &m->slots[(*pos)++];
		if (e->key)
			return e;
	}
	return NULL;
}

void sl_map_free(struct sl_map *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->nslots; i++) {
		if (!m->slots[i].key)
			continue;
		if (free_value)
			free_value(m->slots[i].value);
		sl_free(m->slots[i].key);
	}
	sl_free(m->slots);
	memset(m, 0, sizeof(*m));
}
