/* alloc.c - allocation wrapper with fault injection for tests. */
#include "base/alloc.h"

#include <stdatomic.h>
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

void *sl_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
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
	return realloc(p, n ? n : 1);
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
	free(p);
}

void sl_alloc_large_unpooled(void)
{
#ifdef __GLIBC__
	/* A fixed threshold also stops glibc from raising it (and the trim
	 * threshold with it) after the first free of a mapped block. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}
