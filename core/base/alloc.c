/* alloc.c - allocation wrapper with fault injection for tests. */
#include "base/alloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__ /* defined by the headers above */
#include <malloc.h>
#endif

/* Remaining successful allocations before injected failures start; < 0 off.
 * Process-wide on purpose: it is a test switch, like SQLite's faultsim. */
static atomic_long fail_countdown = -1;
static atomic_long fail_count;

void sl_alloc_fail_after(long n)
{
	atomic_store(&fail_countdown, n);
}

long sl_alloc_failures(void)
{
	return atomic_load(&fail_count);
}

/* True when this allocation must fail. */
static int should_fail(void)
{
	long left = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
	if (left < 0)
		return 0;
	while (left > 0) {
		if (atomic_compare_exchange_weak(&fail_countdown, &left, left - 1))
			return 0;
		if (left < 0)
			return 0;
	}
	atomic_fetch_add(&fail_count, 1);
	return 1;
}

/* Large blocks kept for the next allocation (sl_alloc_large_recycled()):
 * the last LARGE_KEEP freed of at most large_max bytes, newest last, each
 * taken only for a size it does not exceed by half; a block freed when all
 * places are taken replaces the oldest, so one that fits nothing does not
 * stay. */
#define LARGE_MIN  (256 * 1024)
#define LARGE_KEEP 2
static atomic_bool large_recycle;
static _Atomic size_t large_max;
static pthread_mutex_t large_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	void *p;
	size_t size;
} large_kept[LARGE_KEEP];
static size_t large_nkept;

/* A kept block of at least n bytes, or NULL. */
static void *large_take(size_t n)
{
	void *p = NULL;
	if (n < LARGE_MIN || !atomic_load_explicit(&large_recycle, memory_order_relaxed))
		return NULL;
	pthread_mutex_lock(&large_lock);
	for (size_t i = large_nkept; i-- > 0;) {
		if (large_kept[i].size >= n && large_kept[i].size - n <= n / 2) {
			p = large_kept[i].p;
			memmove(&large_kept[i], &large_kept[i + 1],
			        (large_nkept - i - 1) * sizeof(large_kept[0]));
			large_nkept--;
			break;
		}
	}
	pthread_mutex_unlock(&large_lock);
	return p;
}

/* Keep p, a block being freed, when it is large; returns the block to free
 * instead (p itself, the oldest kept one it replaces, or NULL). */
static void *large_keep(void *p)
{
#ifdef __GLIBC__
	if (!p || !atomic_load_explicit(&large_recycle, memory_order_relaxed))
		return p;
	size_t size = malloc_usable_size(p);
	if (size < LARGE_MIN || size > atomic_load_explicit(&large_max, memory_order_relaxed))
		return p;
	void *out = NULL;
	pthread_mutex_lock(&large_lock);
	if (large_nkept == LARGE_KEEP) {
		out = large_kept[0].p;
		memmove(&large_kept[0], &large_kept[1], (LARGE_KEEP - 1) * sizeof(large_kept[0]));
		large_nkept--;
	}
	large_kept[large_nkept].p = p;
	large_kept[large_nkept++].size = size;
	pthread_mutex_unlock(&large_lock);
	return out;
#else
	return p;
#endif
}

void *sl_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	void *p = large_take(n);
	return p ? p : malloc(n ? n : 1);
}

void *sl_calloc(size_t nmemb, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

void *sl_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	void *kept = p ? NULL : large_take(n);
	return kept ? kept : realloc(p, n ? n : 1);
}

char *sl_strndup(const char *s, size_t n)
{
	char *d = sl_malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *sl_strdup(const char *s)
{
	return sl_strndup(s, strlen(s));
}

void sl_free(void *p)
{
	free(large_keep(p));
}

void sl_alloc_large_recycled(size_t max)
{
#ifdef __GLIBC__
	atomic_store(&large_max, max);
	/* A fixed threshold also stops glibc from raising it (and the trim
	 * threshold with it) after the first free of a mapped block. */
	mallopt(M_MMAP_THRESHOLD, LARGE_MIN);
	atomic_store(&large_recycle, true);
#else
	(void)max;
#endif
}
