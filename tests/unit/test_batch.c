/* test_batch.c - unit tests for reference-counted batches (core/batch.c).
 *
 * Creation and names, cost accounting, failure under injected allocation
 * faults, and a batch shared by several threads where the last release
 * frees it.  In ASan builds LeakSanitizer is asked, after the last release,
 * whether anything is still allocated; that proves the body was freed by
 * whichever thread dropped the last reference. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers under -std=c11 too */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "base/alloc.h"
#include "base/error.h"
#include "engine/batch.h"
#include "unit.h"

/* ASan builds (gcc says __SANITIZE_ADDRESS__, clang __has_feature) carry
 * LeakSanitizer, which the sharing tests ask for leaks directly. */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifndef HAVE_LSAN
#define HAVE_LSAN 0
#endif
#if HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

static void test_new_fields(void)
{
	struct sl_batch *b = sl_batch_new(SL_BATCH_FILE, SL_FILE_TABLE_SCHEMA, NULL, "shop",
	                                  "shop.orders-schema.sql");

	CHECK(b != NULL);
	CHECK_EQ_INT(b->kind, SL_BATCH_FILE);
	CHECK_EQ_INT(b->file_kind, SL_FILE_TABLE_SCHEMA);
	CHECK(b->table == NULL);
	CHECK_EQ_STR(b->schema, "shop");
	CHECK_EQ_STR(b->name, "shop.orders-schema.sql");
	CHECK_EQ_INT(b->body.len, 0);
	CHECK_EQ_INT(b->rows, 0);
	CHECK_EQ_INT(atomic_load(&b->refs), 1);
	sl_batch_release(b);

	/* Names are optional: an end-of-table record has none. */
	b = sl_batch_new(SL_BATCH_TABLE_END, SL_FILE_DATA, NULL, NULL, NULL);
	CHECK(b != NULL);
	CHECK(b->schema == NULL);
	CHECK(b->name == NULL);
	sl_batch_release(b);
	sl_batch_release(NULL);
}

static void test_names_are_copied(void)
{
	char schema[] = "db", name[] = "db.t.00001.sql";
	struct sl_batch *b = sl_batch_new(SL_BATCH_FILE, SL_FILE_DATA, NULL, schema, name);

	CHECK(b != NULL);
	schema[0] = 'X';
	name[0] = 'X';
	CHECK_EQ_STR(b->schema, "db");
	CHECK_EQ_STR(b->name, "db.t.00001.sql");
	sl_batch_release(b);
}

static void test_cost(void)
{
	struct sl_batch *b = sl_batch_new(SL_BATCH_FILE, SL_FILE_DATA, NULL, "db", "f");
	struct sl_batch *end = sl_batch_new(SL_BATCH_TABLE_END, SL_FILE_DATA, NULL, "db", NULL);

	CHECK(b && end);
	size_t empty = sl_batch_cost(b);
	/* Empty batches still cost something, so a ring of them is bounded. */
	CHECK(empty > 0);
	CHECK_EQ_INT(sl_batch_cost(end), empty);
	CHECK_EQ_INT(sl_buf_append(&b->body, "INSERT INTO t VALUES (1);\n", 26), 0);
	CHECK_EQ_INT(sl_batch_cost(b), empty + 26);
	char big[100000];
	memset(big, 'x', sizeof(big));
	CHECK_EQ_INT(sl_buf_append(&b->body, big, sizeof(big)), 0);
	CHECK_EQ_INT(sl_batch_cost(b), empty + 26 + sizeof(big));
	sl_batch_release(b);
	sl_batch_release(end);
}

static void test_new_under_alloc_failure(void)
{
	/* Walk every allocation of sl_batch_new(): each failure returns NULL
	 * and frees what was already allocated (LeakSanitizer checks). */
	struct sl_batch *b = NULL;
	long n;
	long before = sl_alloc_failures();

	for (n = 0; n < 10; n++) {
		sl_alloc_fail_after(n);
		b = sl_batch_new(SL_BATCH_FILE, SL_FILE_DATA, NULL, "db", "db.t.00000.sql");
		sl_alloc_fail_after(-1);
		if (b)
			break;
	}
	CHECK(b != NULL);
	CHECK_EQ_INT(n, 3); /* struct, schema, name */
	CHECK_EQ_INT(sl_alloc_failures() - before, 3);
	sl_batch_release(b);
}

static void test_ref_release_single_thread(void)
{
	struct sl_batch *b = sl_batch_new(SL_BATCH_FILE, SL_FILE_DATA, NULL, "db", "f");

	CHECK(b != NULL);
	CHECK(sl_batch_ref(b) == b);
	CHECK(sl_batch_ref(b) == b);
	CHECK_EQ_INT(atomic_load(&b->refs), 3);
	sl_batch_release(b);
	sl_batch_release(b);
	CHECK_EQ_INT(atomic_load(&b->refs), 1);
	CHECK_EQ_STR(b->name, "f"); /* still alive: one reference left */
	sl_batch_release(b);
}

/* --- sharing across threads ------------------------------------------- */

enum { NHOLDERS = 8, BODY_LEN = 1 << 16, CHURN = 20000 };

struct holder {
	struct sl_batch *b; /* one reference owned by this holder */
	pthread_barrier_t *start;
	bool body_ok;
};

/* Each holder reads the whole body, churns the count with extra
 * references, then drops its own reference.  Whoever is last frees. */
static void *holder_main(void *arg)
{
	struct holder *h = arg;
	unsigned long sum = 0;

	pthread_barrier_wait(h->start);
	for (int i = 0; i < CHURN; i++) {
		struct sl_batch *extra = sl_batch_ref(h->b);
		sl_batch_release(extra);
	}
	for (size_t i = 0; i < h->b->body.len; i++)
		sum += (unsigned char)h->b->body.data[i];
	h->body_ok = h->b->body.len == BODY_LEN && sum == (unsigned long)BODY_LEN * 'q';
	sl_batch_release(h->b);
	return NULL;
}

static void share(bool main_releases_first)
{
	struct sl_batch *b =
	    sl_batch_new(SL_BATCH_FILE, SL_FILE_DATA, NULL, "db", "db.t.00000.sql");
	struct holder h[NHOLDERS];
	pthread_t t[NHOLDERS];
	pthread_barrier_t start;

	CHECK(b != NULL);
	if (!b)
		return;
	CHECK_EQ_INT(sl_buf_reserve(&b->body, BODY_LEN), 0);
	memset(b->body.data, 'q', BODY_LEN);
	b->body.len = BODY_LEN;

	pthread_barrier_init(&start, NULL, NHOLDERS + 1);
	for (int i = 0; i < NHOLDERS; i++) {
		h[i].b = sl_batch_ref(b); /* one reference per holder, like one per ring */
		h[i].start = &start;
		h[i].body_ok = false;
		CHECK(pthread_create(&t[i], NULL, holder_main, &h[i]) == 0);
	}
	CHECK_EQ_INT(atomic_load(&b->refs), NHOLDERS + 1);
	if (main_releases_first) {
		/* The creator lets go first: a holder thread frees the batch. */
		sl_batch_release(b);
		b = NULL;
	}
	pthread_barrier_wait(&start);
	for (int i = 0; i < NHOLDERS; i++) {
		pthread_join(t[i], NULL);
		CHECK(h[i].body_ok);
	}
	if (!main_releases_first) {
		/* Every holder is gone; the creator's reference is the last. */
		CHECK_EQ_INT(atomic_load(&b->refs), 1);
		sl_batch_release(b);
	}
	pthread_barrier_destroy(&start);
#if HAVE_LSAN
	/* Nothing this test allocated may remain: the body, names and struct
	 * were freed by the last release. */
	CHECK_EQ_INT(__lsan_do_recoverable_leak_check(), 0);
#endif
}

static void test_shared_last_holder_frees(void)
{
	share(true);
}

static void test_shared_creator_frees(void)
{
	share(false);
}

int main(void)
{
	UNIT_RUN(test_new_fields);
	UNIT_RUN(test_names_are_copied);
	UNIT_RUN(test_cost);
	UNIT_RUN(test_new_under_alloc_failure);
	UNIT_RUN(test_ref_release_single_thread);
	UNIT_RUN(test_shared_last_holder_frees);
	UNIT_RUN(test_shared_creator_frees);
	return UNIT_DONE();
}
