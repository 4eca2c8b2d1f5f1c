/* test_alloc.c - unit tests for the allocation wrapper's fault injection
 * (core/alloc.c) and for what the byte buffer does when it fires.
 *
 * sl_alloc_fail_after(n) lets n more allocations succeed, then fails every
 * one until it is turned off with -1; the countdown is shared by all
 * threads.  A failed sl_buf append must return SL_ENOMEM and leave the
 * buffer as it was. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "unit.h"

static void test_fail_after_nth(void)
{
	long before = sl_alloc_failures();

	/* Two more succeed, the third and every later one fail. */
	sl_alloc_fail_after(2);
	void *a = sl_malloc(10);
	void *b = sl_calloc(3, 4);
	void *c = sl_malloc(10);
	void *d = sl_realloc(NULL, 10);
	void *e = sl_calloc(1, 1);
	char *f = sl_strdup("x");
	sl_alloc_fail_after(-1);
	CHECK(a != NULL);
	CHECK(b != NULL);
	CHECK(c == NULL);
	CHECK(d == NULL);
	CHECK(e == NULL);
	CHECK(f == NULL);
	CHECK_EQ_INT(sl_alloc_failures() - before, 4);

	/* Off again: allocations succeed, nothing more is counted. */
	void *g = sl_malloc(10);
	CHECK(g != NULL);
	CHECK_EQ_INT(sl_alloc_failures() - before, 4);
	sl_free(a);
	sl_free(b);
	sl_free(g);
}

static void test_fail_after_zero(void)
{
	long before = sl_alloc_failures();

	sl_alloc_fail_after(0);
	CHECK(sl_malloc(1) == NULL);
	CHECK(sl_malloc(0) == NULL);
	sl_alloc_fail_after(-1);
	CHECK_EQ_INT(sl_alloc_failures() - before, 2);
	/* Any negative value turns it off. */
	sl_alloc_fail_after(-5);
	void *p = sl_malloc(1);
	CHECK(p != NULL);
	sl_free(p);
	CHECK_EQ_INT(sl_alloc_failures() - before, 2);
}

static void test_zero_sizes_and_free_null(void)
{
	/* Zero-size requests return a real pointer, never a NULL "success". */
	void *a = sl_malloc(0);
	void *b = sl_calloc(0, 8);
	void *c = sl_realloc(NULL, 0);
	CHECK(a && b && c);
	sl_free(a);
	sl_free(b);
	sl_free(c);
	sl_free(NULL);
}

static void test_strdup_strndup(void)
{
	char *s = sl_strdup("hello");
	char *t = sl_strndup("hello world", 5);
	char *u = sl_strndup("a\0b", 3); /* copies n bytes, NULs included */

	CHECK_EQ_STR(s, "hello");
	CHECK_EQ_STR(t, "hello");
	CHECK(u && memcmp(u, "a\0b", 4) == 0);
	sl_free(s);
	sl_free(t);
	sl_free(u);

	sl_alloc_fail_after(0);
	CHECK(sl_strdup("hello") == NULL);
	CHECK(sl_strndup("hello", 3) == NULL);
	sl_alloc_fail_after(-1);
}

static void test_realloc_failure_keeps_block(void)
{
	char *p = sl_malloc(16);

	CHECK(p != NULL);
	memcpy(p, "0123456789abcde", 16);
	sl_alloc_fail_after(0);
	char *q = sl_realloc(p, 1 << 20);
	sl_alloc_fail_after(-1);
	CHECK(q == NULL);
	CHECK(memcmp(p, "0123456789abcde", 16) == 0); /* still ours, still intact */
	sl_free(p);
}

/* The buffer holds exactly 'lit' and is NUL-terminated. */
#define CHECK_BUF(b, lit)                                                  \
	do {                                                               \
		CHECK_EQ_MEM((b)->data, (b)->len, lit);                    \
		CHECK((b)->len < (b)->cap && (b)->data[(b)->len] == '\0'); \
	} while (0)

static void test_buf_under_failure(void)
{
	struct sl_buf b = SL_BUF_INIT;
	char big[1000];

	memset(big, 'x', sizeof(big));

	/* An empty buffer that cannot allocate stays empty. */
	sl_alloc_fail_after(0);
	CHECK_EQ_INT(sl_buf_append(&b, "abc", 3), SL_ENOMEM);
	CHECK_EQ_INT(sl_buf_puts(&b, "abc"), SL_ENOMEM);
	CHECK_EQ_INT(sl_buf_putc(&b, 'a'), SL_ENOMEM);
	CHECK_EQ_INT(sl_buf_printf(&b, "%d", 42), SL_ENOMEM);
	CHECK_EQ_INT(sl_buf_put_ident(&b, "t"), SL_ENOMEM);
	CHECK_EQ_INT(sl_buf_put_quoted(&b, "v", 1), SL_ENOMEM);
	sl_alloc_fail_after(-1);
	CHECK(b.data == NULL);
	CHECK_EQ_INT(b.len, 0);
	CHECK_EQ_INT(b.cap, 0);

	CHECK_EQ_INT(sl_buf_puts(&b, "hello"), 0);
	size_t cap = b.cap;

	/* Appends that need more room fail; the contents stay. */
	sl_alloc_fail_after(0);
	CHECK_EQ_INT(sl_buf_append(&b, big, sizeof(big)), SL_ENOMEM);
	CHECK_BUF(&b, "hello");
	CHECK_EQ_INT(sl_buf_printf(&b, "%0900d", 7), SL_ENOMEM);
	CHECK_BUF(&b, "hello");
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ_INT(sl_buf_puts(&b, big), SL_ENOMEM);
	CHECK_BUF(&b, "hello");
	CHECK_EQ_INT(sl_buf_put_ident(&b, big), SL_ENOMEM);
	CHECK_BUF(&b, "hello");
	CHECK_EQ_INT(sl_buf_put_quoted(&b, big, 500), SL_ENOMEM);
	CHECK_BUF(&b, "hello");
	CHECK_EQ_INT(sl_buf_reserve(&b, 100000), SL_ENOMEM);
	CHECK_BUF(&b, "hello");
	CHECK_EQ_INT(b.cap, cap);

	/* Appends that fit in the capacity need no allocation and succeed. */
	CHECK_EQ_INT(sl_buf_puts(&b, ", "), 0);
	CHECK_EQ_INT(sl_buf_put_ident(&b, "w"), 0);
	CHECK_BUF(&b, "hello, `w`");
	sl_alloc_fail_after(-1);

	/* And once allocation works again, so does the buffer. */
	CHECK_EQ_INT(sl_buf_append(&b, big, 3), 0);
	CHECK_BUF(&b, "hello, `w`xxx");
	sl_buf_free(&b);
}

static void test_buf_fail_midway(void)
{
	/* Let the buffer grow a few times, then fail: whatever was appended
	 * before the failure is intact. */
	struct sl_buf b = SL_BUF_INIT;
	size_t ok = 0;
	int rc = 0;

	sl_alloc_fail_after(3);
	for (size_t i = 0; i < 100000; i++) {
		rc = sl_buf_putc(&b, (char)('a' + i % 26));
		if (rc)
			break;
		ok++;
	}
	sl_alloc_fail_after(-1);
	CHECK_EQ_INT(rc, SL_ENOMEM);
	CHECK_EQ_INT(b.len, ok);
	CHECK(ok >= 256);
	size_t bad = 0;
	for (size_t i = 0; i < ok; i++)
		bad += b.data[i] != (char)('a' + i % 26);
	CHECK_EQ_INT(bad, 0);
	sl_buf_free(&b);
}

enum { NTHREADS = 4, PER_THREAD = 1000, BUDGET = 1500 };

static atomic_int granted;

static void *alloc_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < PER_THREAD; i++) {
		void *p = sl_malloc(8);
		if (p) {
			atomic_fetch_add(&granted, 1);
			sl_free(p);
		}
	}
	return NULL;
}

static void test_countdown_shared_by_threads(void)
{
	pthread_t t[NTHREADS];
	long before = sl_alloc_failures();

	atomic_store(&granted, 0);
	sl_alloc_fail_after(BUDGET);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, alloc_main, NULL) == 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	sl_alloc_fail_after(-1);
	/* Exactly BUDGET allocations succeeded across all threads. */
	CHECK_EQ_INT(atomic_load(&granted), BUDGET);
	CHECK_EQ_INT(sl_alloc_failures() - before, NTHREADS * PER_THREAD - BUDGET);
}

int main(void)
{
	UNIT_RUN(test_fail_after_nth);
	UNIT_RUN(test_fail_after_zero);
	UNIT_RUN(test_zero_sizes_and_free_null);
	UNIT_RUN(test_strdup_strndup);
	UNIT_RUN(test_realloc_failure_keeps_block);
	UNIT_RUN(test_buf_under_failure);
	UNIT_RUN(test_buf_fail_midway);
	UNIT_RUN(test_countdown_shared_by_threads);
	return UNIT_DONE();
}
