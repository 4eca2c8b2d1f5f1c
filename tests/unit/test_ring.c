/* test_ring.c - unit tests for the bounded batch ring (core/ring.c).
 *
 * Single-threaded FIFO behaviour, the byte and slot bounds
 * blocking a producer, oversize batches, close and cancel waking blocked
 * threads, and a many-producers x many-consumers stress that checks every
 * batch arrives exactly once and in per-producer order.  Blocking is proven
 * through the ring's push_waits statistic, which a producer increments in
 * the same critical section in which it starts waiting: once the test sees
 * it, the producer is inside pthread_cond_wait().  Leaks are caught by
 * LeakSanitizer in the sanitizer builds (tests/unit/run-tsan for TSan). */
#define _POSIX_C_SOURCE 200809L /* barriers, nanosleep, alarm under -std=c11 too */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "engine/batch.h"
#include "engine/ring.h"
#include "unit.h"

/* A batch tagged with a producer id and a sequence number (in 'rows'),
 * carrying 'body_len' bytes of body. */
static struct sl_batch *mk(unsigned producer, unsigned seq, size_t body_len)
{
	struct sl_batch *b =
	    sl_batch_new(SL_BATCH_FILE, SL_FILE_DATA, NULL, "db", "db.t.00000.sql");

	if (!b)
		return NULL;
	b->rows = ((uint64_t)producer << 32) | seq;
	if (body_len) {
		if (sl_buf_reserve(&b->body, body_len)) {
			sl_batch_release(b);
			return NULL;
		}
		memset(b->body.data, 'x', body_len);
		b->body.len = body_len;
	}
	return b;
}

static unsigned tag_producer(const struct sl_batch *b)
{
	return (unsigned)(b->rows >> 32);
}

static unsigned tag_seq(const struct sl_batch *b)
{
	return (unsigned)(b->rows & 0xffffffffu);
}

/* What the ring charges for a batch with an empty body. */
static size_t empty_cost(void)
{
	struct sl_batch *b = mk(0, 0, 0);
	size_t cost = sl_batch_cost(b);

	sl_batch_release(b);
	return cost;
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

/* Wait (up to 10 s) until the ring has seen 'n' pushes that had to block.
 * Returns true when it did. */
static bool wait_push_waits(struct sl_ring *r, uint64_t n)
{
	struct sl_ring_stats st;

	for (int i = 0; i < 100000; i++) {
		sl_ring_get_stats(r, &st);
		if (st.push_waits >= n)
			return true;
		sleep_us(100);
	}
	return false;
}

/* One blocking call on a thread: a push of 'batch' or a pop into 'got'. */
struct call {
	struct sl_ring *ring;
	struct sl_batch *batch; /* push: the batch; pop: what was popped */
	bool pop;
	int rc;
	atomic_int done;
};

static void *call_main(void *arg)
{
	struct call *c = arg;

	if (c->pop) {
		c->rc = sl_ring_pop(c->ring, &c->batch);
	} else {
		c->rc = sl_ring_push(c->ring, c->batch);
	}
	atomic_store(&c->done, 1);
	return NULL;
}

static void start_call(pthread_t *t, struct call *c, struct sl_ring *r, struct sl_batch *b,
                       bool pop)
{
	c->ring = r;
	c->batch = b;
	c->pop = pop;
	c->rc = 1;
	atomic_init(&c->done, 0);
	CHECK(pthread_create(t, NULL, call_main, c) == 0);
}

static void test_fifo_single_thread(void)
{
	struct sl_ring *r = sl_ring_new(1 << 20, 4);
	struct sl_batch *b = NULL;

	CHECK(r != NULL);
	/* 100 rounds through 4 slots: head and tail wrap many times. */
	unsigned next_push = 0, next_pop = 0;
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 1 + round % 4; i++)
			CHECK_EQ_INT(sl_ring_push(r, mk(0, next_push++, 0)), 0);
		while (next_pop < next_push) {
			CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
			CHECK_EQ_INT(tag_seq(b), next_pop);
			next_pop++;
			sl_batch_release(b);
		}
	}
	struct sl_ring_stats st;
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.pushed, next_push);
	CHECK_EQ_INT(st.popped, next_pop);
	CHECK_EQ_INT(st.push_waits, 0);
	CHECK_EQ_INT(st.count, 0);
	CHECK_EQ_INT(st.bytes, 0);
	CHECK_EQ_INT(st.peak_bytes, 4 * empty_cost());
	sl_ring_free(r);
}

static void test_new_rejects_zero_caps(void)
{
	CHECK(sl_ring_new(0, 4) == NULL);
	CHECK(sl_ring_new(4096, 0) == NULL);
	sl_ring_free(NULL);
}

static void test_new_under_alloc_failure(void)
{
	/* Every allocation of sl_ring_new() may fail; each failure is clean
	 * (ASan would report a leak otherwise). */
	struct sl_ring *r = NULL;
	long n;

	for (n = 0; n < 10; n++) {
		sl_alloc_fail_after(n);
		r = sl_ring_new(4096, 8);
		sl_alloc_fail_after(-1);
		if (r)
			break;
	}
	CHECK(r != NULL);
	CHECK(n > 0);
	sl_ring_free(r);
}

static void test_byte_bound_blocks(void)
{
	size_t cost = empty_cost();
	struct sl_ring *r = sl_ring_new(3 * cost, 100);
	struct sl_ring_stats st;
	struct sl_batch *b = NULL;
	struct call c;
	pthread_t t;

	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ_INT(sl_ring_push(r, mk(0, i, 0)), 0);
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.bytes, 3 * cost);
	CHECK_EQ_INT(st.push_waits, 0);

	/* The fourth batch exceeds cap_bytes: the producer blocks. */
	start_call(&t, &c, r, mk(0, 3, 0), false);
	CHECK(wait_push_waits(r, 1));
	CHECK_EQ_INT(atomic_load(&c.done), 0);
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.count, 3);

	/* One pop makes room for exactly one batch. */
	CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
	CHECK_EQ_INT(tag_seq(b), 0);
	sl_batch_release(b);
	pthread_join(t, NULL);
	CHECK_EQ_INT(c.rc, 0);

	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.count, 3);
	CHECK_EQ_INT(st.bytes, 3 * cost);
	CHECK_EQ_INT(st.peak_bytes, 3 * cost);
	CHECK_EQ_INT(st.push_waits, 1);
	for (unsigned i = 1; i < 4; i++) {
		CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
		CHECK_EQ_INT(tag_seq(b), i);
		sl_batch_release(b);
	}
	sl_ring_free(r);
}

/* A shrunk ring blocks at its new byte capacity; a larger one is ignored. */
static void test_shrink(void)
{
	size_t cost = empty_cost();
	struct sl_ring *r = sl_ring_new(4 * cost, 100);
	struct sl_ring_stats st;
	struct sl_batch *b = NULL;
	struct call c;
	pthread_t t;

	sl_ring_shrink(r, 2 * cost);
	sl_ring_shrink(r, 8 * cost); /* never grows */
	for (unsigned i = 0; i < 2; i++)
		CHECK_EQ_INT(sl_ring_push(r, mk(0, i, 0)), 0);
	start_call(&t, &c, r, mk(0, 2, 0), false);
	CHECK(wait_push_waits(r, 1));
	CHECK_EQ_INT(atomic_load(&c.done), 0);
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.count, 2);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
		CHECK_EQ_INT(tag_seq(b), i);
		sl_batch_release(b);
		if (i == 0)
			pthread_join(t, NULL);
	}
	CHECK_EQ_INT(c.rc, 0);
	sl_ring_free(r);
}

static void test_byte_bound_counts_body(void)
{
	/* Two 1000-byte bodies fit in 2 * (1000 + overhead); a third does not,
	 * even though slots are plenty. */
	size_t cost = empty_cost() + 1000;
	struct sl_ring *r = sl_ring_new(2 * cost + 10, 100);
	struct sl_ring_stats st;
	struct sl_batch *b = NULL;
	struct call c;
	pthread_t t;

	CHECK_EQ_INT(sl_ring_push(r, mk(0, 0, 1000)), 0);
	CHECK_EQ_INT(sl_ring_push(r, mk(0, 1, 1000)), 0);
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.bytes, 2 * cost);
	start_call(&t, &c, r, mk(0, 2, 1000), false);
	CHECK(wait_push_waits(r, 1));
	CHECK_EQ_INT(atomic_load(&c.done), 0);
	CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
	sl_batch_release(b);
	pthread_join(t, NULL);
	CHECK_EQ_INT(c.rc, 0);
	sl_ring_free(r); /* releases the two still queued */
}

static void test_slot_bound_blocks(void)
{
	struct sl_ring *r = sl_ring_new((size_t)1 << 30, 2);
	struct sl_ring_stats st;
	struct sl_batch *b = NULL;
	struct call c;
	pthread_t t;

	CHECK_EQ_INT(sl_ring_push(r, mk(0, 0, 0)), 0);
	CHECK_EQ_INT(sl_ring_push(r, mk(0, 1, 0)), 0);
	start_call(&t, &c, r, mk(0, 2, 0), false);
	CHECK(wait_push_waits(r, 1));
	CHECK_EQ_INT(atomic_load(&c.done), 0);
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.count, 2);

	CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
	CHECK_EQ_INT(tag_seq(b), 0);
	sl_batch_release(b);
	pthread_join(t, NULL);
	CHECK_EQ_INT(c.rc, 0);
	for (unsigned i = 1; i < 3; i++) {
		CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
		CHECK_EQ_INT(tag_seq(b), i);
		sl_batch_release(b);
	}
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.push_waits, 1);
	CHECK_EQ_INT(st.pushed, 3);
	CHECK_EQ_INT(st.popped, 3);
	sl_ring_free(r);
}

static void test_oversize_into_empty(void)
{
	struct sl_ring *r = sl_ring_new(100, 8);
	struct sl_batch *big = mk(0, 0, 10000);
	struct sl_ring_stats st;
	struct sl_batch *b = NULL;
	struct call c;
	pthread_t t;

	/* Larger than the whole ring, but the ring is empty: accepted now. */
	CHECK_EQ_INT(sl_ring_push(r, big), 0);
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.push_waits, 0);
	CHECK_EQ_INT(st.bytes, sl_batch_cost(big));
	CHECK_EQ_INT(st.peak_bytes, sl_batch_cost(big));

	/* Nothing else fits until it is gone. */
	start_call(&t, &c, r, mk(0, 1, 0), false);
	CHECK(wait_push_waits(r, 1));
	CHECK_EQ_INT(atomic_load(&c.done), 0);
	CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
	CHECK(b == big);
	sl_batch_release(b);
	pthread_join(t, NULL);
	CHECK_EQ_INT(c.rc, 0);
	CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
	CHECK_EQ_INT(tag_seq(b), 1);
	sl_batch_release(b);
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.bytes, 0);
	sl_ring_free(r);
}

static void test_close_drains(void)
{
	struct sl_ring *r = sl_ring_new(1 << 20, 8);
	struct sl_batch *b = NULL, *late = mk(0, 99, 0);

	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ_INT(sl_ring_push(r, mk(0, i, 0)), 0);
	sl_ring_close(r);
	/* Pushing after close fails and leaves the reference with the caller. */
	CHECK_EQ_INT(sl_ring_push(r, late), SL_ECLOSED);
	sl_batch_release(late);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ_INT(sl_ring_pop(r, &b), 0);
		CHECK_EQ_INT(tag_seq(b), i);
		sl_batch_release(b);
	}
	CHECK_EQ_INT(sl_ring_pop(r, &b), SL_ECLOSED);
	CHECK_EQ_INT(sl_ring_pop(r, &b), SL_ECLOSED);
	CHECK_EQ_INT(sl_ring_try_pop(r, &b), SL_ECLOSED);
	sl_ring_close(r); /* idempotent */
	sl_ring_free(r);
}

static void test_close_wakes_blocked(void)
{
	struct sl_ring *full = sl_ring_new(1 << 20, 1);
	struct sl_ring *empty = sl_ring_new(1 << 20, 1);
	struct sl_batch *b = NULL;
	struct call push, pop;
	pthread_t tp, tc;

	CHECK_EQ_INT(sl_ring_push(full, mk(0, 0, 0)), 0);
	start_call(&tp, &push, full, mk(0, 1, 0), false);
	CHECK(wait_push_waits(full, 1));
	start_call(&tc, &pop, empty, NULL, true);
	sleep_us(20000); /* let the consumer reach its wait; correct either way */

	sl_ring_close(full);
	sl_ring_close(empty);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	CHECK_EQ_INT(push.rc, SL_ECLOSED);
	sl_batch_release(push.batch); /* a failed push leaves the reference here */
	CHECK_EQ_INT(pop.rc, SL_ECLOSED);

	/* The batch queued before the close still drains. */
	CHECK_EQ_INT(sl_ring_pop(full, &b), 0);
	CHECK_EQ_INT(tag_seq(b), 0);
	sl_batch_release(b);
	CHECK_EQ_INT(sl_ring_pop(full, &b), SL_ECLOSED);
	sl_ring_free(full);
	sl_ring_free(empty);
}

static void test_cancel(void)
{
	struct sl_ring *r = sl_ring_new(1 << 20, 8);
	struct sl_batch *b = NULL, *late = mk(0, 99, 0);

	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ_INT(sl_ring_push(r, mk(0, i, 0)), 0);
	sl_ring_cancel(r);
	/* Cancel wins over queued data; nothing is handed out any more. */
	b = NULL;
	CHECK_EQ_INT(sl_ring_pop(r, &b), SL_ECANCEL);
	CHECK(b == NULL);
	CHECK_EQ_INT(sl_ring_try_pop(r, &b), SL_ECANCEL);
	CHECK_EQ_INT(sl_ring_push(r, late), SL_ECANCEL);
	sl_batch_release(late);
	sl_ring_close(r); /* close after cancel: still cancelled */
	CHECK_EQ_INT(sl_ring_pop(r, &b), SL_ECANCEL);
	sl_ring_free(r); /* releases the three queued batches */
}

static void test_cancel_wakes_blocked(void)
{
	struct sl_ring *full = sl_ring_new(1 << 20, 1);
	struct sl_ring *empty = sl_ring_new(1 << 20, 1);
	struct call push, pop;
	pthread_t tp, tc;

	CHECK_EQ_INT(sl_ring_push(full, mk(0, 0, 0)), 0);
	start_call(&tp, &push, full, mk(0, 1, 0), false);
	CHECK(wait_push_waits(full, 1));
	start_call(&tc, &pop, empty, NULL, true);
	sleep_us(20000); /* let the consumers reach their wait; correct either way */
	CHECK_EQ_INT(atomic_load(&push.done), 0);
	CHECK_EQ_INT(atomic_load(&pop.done), 0);

	sl_ring_cancel(full);
	sl_ring_cancel(empty);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	CHECK_EQ_INT(push.rc, SL_ECANCEL);
	sl_batch_release(push.batch);
	CHECK_EQ_INT(pop.rc, SL_ECANCEL);
	sl_ring_free(full);
	sl_ring_free(empty);
}

/* Several producers blocked on a full ring: room freed by pops lets all of
 * them through without further pops. */
static void test_wake_producers_after_pops(void)
{
	enum { SLOTS = 4, NBLOCKED = 3 };
	struct sl_ring *r = sl_ring_new((size_t)1 << 30, SLOTS);
	struct sl_batch *out[SLOTS];
	struct call c[NBLOCKED];
	pthread_t t[NBLOCKED];

	for (unsigned i = 0; i < SLOTS; i++)
		CHECK_EQ_INT(sl_ring_push(r, mk(0, i, 0)), 0);
	for (unsigned i = 0; i < NBLOCKED; i++) {
		start_call(&t[i], &c[i], r, mk(1, i, 0), false);
		CHECK(wait_push_waits(r, i + 1));
	}
	for (unsigned i = 0; i < NBLOCKED; i++) {
		CHECK_EQ_INT(sl_ring_pop(r, &out[0]), 0);
		sl_batch_release(out[0]);
	}
	for (unsigned i = 0; i < NBLOCKED; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ_INT(c[i].rc, 0);
	}
	struct sl_ring_stats st;
	sl_ring_get_stats(r, &st);
	CHECK_EQ_INT(st.push_waits, NBLOCKED);
	CHECK_EQ_INT(st.count, SLOTS);
	sl_ring_free(r);
}

/* --- many producers x many consumers ---------------------------------- */

struct stress {
	struct sl_ring *ring;
	unsigned nproducers;
	unsigned per_producer;
	size_t max_body;           /* bodies of 0..max_body bytes */
	atomic_uint *seen;         /* nproducers * per_producer arrival counts */
	atomic_uint next_consumer; /* hands out consumer ids */
	atomic_int errors;         /* order violations and failed calls */
	bool strict_order;         /* single consumer: seq must be last + 1 */
};

struct producer_arg {
	struct stress *s;
	unsigned id;
};

static void *producer_main(void *arg)
{
	struct producer_arg *pa = arg;
	struct stress *s = pa->s;
	unsigned seed = pa->id * 2654435761u + 1;

	for (unsigned seq = 0; seq < s->per_producer; seq++) {
		size_t body = 0;
		if (s->max_body) {
			seed = seed * 1103515245u + 12345u;
			body = (seed >> 8) % (s->max_body + 1);
		}
		struct sl_batch *b = mk(pa->id, seq, body);
		if (!b || sl_ring_push(s->ring, b) != 0) {
			sl_batch_release(b);
			atomic_fetch_add(&s->errors, 1);
			return NULL;
		}
	}
	return NULL;
}

/* Record one popped batch; checks per-producer order as this consumer sees
 * it (FIFO ring + sequential pops: increasing even with several consumers). */
static void consume_one(struct stress *s, long *last, struct sl_batch *b)
{
	unsigned p = tag_producer(b), seq = tag_seq(b);

	if (p >= s->nproducers || seq >= s->per_producer) {
		atomic_fetch_add(&s->errors, 1);
	} else {
		if ((long)seq <= last[p] || (s->strict_order && (long)seq != last[p] + 1))
			atomic_fetch_add(&s->errors, 1);
		last[p] = seq;
		atomic_fetch_add_explicit(&s->seen[(size_t)p * s->per_producer + seq], 1,
		                          memory_order_relaxed);
	}
	sl_batch_release(b);
}

static void *consumer_main(void *arg)
{
	struct stress *s = arg;
	unsigned id = atomic_fetch_add(&s->next_consumer, 1);
	long *last = malloc(s->nproducers * sizeof(*last));
	struct sl_batch *out[16];
	int rc;

	if (!last) {
		atomic_fetch_add(&s->errors, 1);
		return NULL;
	}
	for (unsigned p = 0; p < s->nproducers; p++)
		last[p] = -1;
	for (;;) {
		if (id % 2 == 0) {
			rc = sl_ring_pop(s->ring, &out[0]);
			if (rc == 0)
				consume_one(s, last, out[0]);
		} else {
			/* The loader's grouping: wait for one, take what is
			 * queued without waiting. */
			int n = 0;
			rc = sl_ring_pop(s->ring, &out[n]);
			while (rc == 0 && ++n < (int)(1 + id % 16) &&
			       sl_ring_try_pop(s->ring, &out[n]) == 1)
				;
			for (int i = 0; i < n; i++)
				consume_one(s, last, out[i]);
		}
		if (rc != 0)
			break;
	}
	if (rc != SL_ECLOSED)
		atomic_fetch_add(&s->errors, 1);
	free(last);
	return NULL;
}

static void stress(unsigned nproducers, unsigned nconsumers, unsigned per_producer, size_t max_body,
                   size_t cap_bytes, size_t cap_slots)
{
	struct stress s = {
	    .nproducers = nproducers,
	    .per_producer = per_producer,
	    .max_body = max_body,
	    .strict_order = nconsumers == 1,
	};
	size_t total = (size_t)nproducers * per_producer;
	pthread_t *pt = malloc(nproducers * sizeof(*pt));
	pthread_t *ct = malloc(nconsumers * sizeof(*ct));
	struct producer_arg *pa = malloc(nproducers * sizeof(*pa));

	s.ring = sl_ring_new(cap_bytes, cap_slots);
	s.seen = calloc(total, sizeof(*s.seen));
	atomic_init(&s.next_consumer, 0);
	atomic_init(&s.errors, 0);
	CHECK(pt && ct && pa && s.ring && s.seen);
	if (!pt || !ct || !pa || !s.ring || !s.seen)
		goto out;

	for (unsigned i = 0; i < nconsumers; i++)
		CHECK(pthread_create(&ct[i], NULL, consumer_main, &s) == 0);
	for (unsigned i = 0; i < nproducers; i++) {
		pa[i].s = &s;
		pa[i].id = i;
		CHECK(pthread_create(&pt[i], NULL, producer_main, &pa[i]) == 0);
	}
	for (unsigned i = 0; i < nproducers; i++)
		pthread_join(pt[i], NULL);
	sl_ring_close(s.ring);
	for (unsigned i = 0; i < nconsumers; i++)
		pthread_join(ct[i], NULL);

	CHECK_EQ_INT(atomic_load(&s.errors), 0);
	size_t missing = 0, dup = 0;
	for (size_t i = 0; i < total; i++) {
		unsigned n = atomic_load(&s.seen[i]);
		missing += n == 0;
		dup += n > 1;
	}
	CHECK_EQ_INT(missing, 0);
	CHECK_EQ_INT(dup, 0);
	struct sl_ring_stats st;
	sl_ring_get_stats(s.ring, &st);
	CHECK_EQ_INT(st.pushed, total);
	CHECK_EQ_INT(st.popped, total);
	CHECK_EQ_INT(st.count, 0);
	CHECK_EQ_INT(st.bytes, 0);
	CHECK(st.peak_bytes <= cap_bytes + (max_body + empty_cost()));
	printf("# %u producers x %u consumers x %u: push_waits %llu, peak %zu bytes\n", nproducers,
	       nconsumers, per_producer, (unsigned long long)st.push_waits, st.peak_bytes);
out:
	sl_ring_free(s.ring);
	free(s.seen);
	free(pa);
	free(ct);
	free(pt);
}

static void test_stress_one_consumer(void)
{
	/* Single consumer: each producer's batches arrive consecutively. */
	stress(8, 1, 20000, 0, 16 * 256, 64);
}

static void test_stress_many_consumers(void)
{
	stress(8, 4, 20000, 0, 16 * 256, 64);
}

static void test_stress_mixed_sizes(void)
{
	/* Bodies up to 3000 bytes in a 4 KiB ring: byte bound, not slots,
	 * decides, and some batches are larger than the whole ring. */
	stress(4, 3, 5000, 5000, 4096, 1024);
}

static void test_uncontended_speed(void)
{
	/* Informational: one push + one pop of the same batch, no other thread.
	 * Not a pass/fail limit (sanitizer builds are many times slower). */
	enum { N = 1000000 };
	struct sl_ring *r = sl_ring_new(1 << 20, 64);
	struct sl_batch *b = mk(0, 0, 0), *got = NULL;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++) {
		if (sl_ring_push(r, b) != 0 || sl_ring_pop(r, &got) != 0 || got != b) {
			CHECK(0);
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / N;
	printf("# uncontended push+pop: %.0f ns\n", ns);
	sl_batch_release(b);
	sl_ring_free(r);
}

static void test_try_pop(void)
{
	struct sl_ring *r = sl_ring_new(1 << 20, 8);
	struct sl_batch *b = NULL;
	CHECK_EQ_INT(sl_ring_try_pop(r, &b), 0); /* empty: no wait */
	CHECK_EQ_INT(sl_ring_push(r, mk(0, 1, 10)), 0);
	CHECK_EQ_INT(sl_ring_push(r, mk(0, 2, 10)), 0);
	CHECK_EQ_INT(sl_ring_try_pop(r, &b), 1);
	CHECK(b != NULL);
	sl_batch_release(b);
	sl_ring_close(r);
	CHECK_EQ_INT(sl_ring_try_pop(r, &b), 1); /* closed: still drains */
	sl_batch_release(b);
	CHECK_EQ_INT(sl_ring_try_pop(r, &b), SL_ECLOSED);
	sl_ring_free(r);

	r = sl_ring_new(1 << 20, 8);
	CHECK_EQ_INT(sl_ring_push(r, mk(0, 1, 10)), 0);
	sl_ring_cancel(r);
	CHECK_EQ_INT(sl_ring_try_pop(r, &b), SL_ECANCEL);
	sl_ring_free(r); /* releases the queued batch */
}

int main(void)
{
	/* A lost wake-up shows as a hang: turn it into a failure (SIGALRM)
	 * instead of a stuck test run.  The whole file takes seconds. */
	alarm(300);
	UNIT_RUN(test_fifo_single_thread);
	UNIT_RUN(test_new_rejects_zero_caps);
	UNIT_RUN(test_new_under_alloc_failure);
	UNIT_RUN(test_byte_bound_blocks);
	UNIT_RUN(test_shrink);
	UNIT_RUN(test_byte_bound_counts_body);
	UNIT_RUN(test_slot_bound_blocks);
	UNIT_RUN(test_oversize_into_empty);
	UNIT_RUN(test_close_drains);
	UNIT_RUN(test_close_wakes_blocked);
	UNIT_RUN(test_cancel);
	UNIT_RUN(test_cancel_wakes_blocked);
	UNIT_RUN(test_try_pop);
	UNIT_RUN(test_wake_producers_after_pops);
	UNIT_RUN(test_stress_one_consumer);
	UNIT_RUN(test_stress_many_consumers);
	UNIT_RUN(test_stress_mixed_sizes);
	UNIT_RUN(test_uncontended_speed);
	return UNIT_DONE();
}
