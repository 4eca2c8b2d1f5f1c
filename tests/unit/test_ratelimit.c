/* test_ratelimit.c - unit tests for the shared byte rate (core/base/ratelimit.c):
 * threads together keep to the rate, a burst is capped, cancel wakes a
 * waiter at once. */
#include <pthread.h>
#include <time.h>

#include "base/error.h"
#include "base/ratelimit.h"
#include "unit.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct taker {
	struct sl_ratelimit *r;
	int n;          /* takes */
	uint64_t bytes; /* each */
	int rc;
};

static void *take_main(void *arg)
{
	struct taker *t = arg;
	for (int i = 0; i < t->n && !t->rc; i++)
		t->rc = sl_ratelimit_take(t->r, t->bytes);
	return NULL;
}

/* 4 MiB at 8 MiB/s in two threads: 0.5 s, less the burst of 0.1 s. */
static void test_threads_share_the_rate(void)
{
	struct sl_ratelimit r;
	CHECK_EQ_INT(sl_ratelimit_init(&r, 8u << 20), 0);
	struct taker a = {&r, 32, 64u << 10, 0}, b = {&r, 32, 64u << 10, 0};
	pthread_t ta, tb;
	double t0 = now_s();
	CHECK(pthread_create(&ta, NULL, take_main, &a) == 0);
	CHECK(pthread_create(&tb, NULL, take_main, &b) == 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	double took = now_s() - t0;
	CHECK_EQ_INT(a.rc, 0);
	CHECK_EQ_INT(b.rc, 0);
	CHECK(took >= 0.5 - SL_RATELIMIT_BURST - 0.02);
	CHECK(took < 0.5 + 0.25);
	sl_ratelimit_destroy(&r);
}

/* Idle time earns no more than the burst. */
static void test_idle_credit_is_capped(void)
{
	struct sl_ratelimit r;
	CHECK_EQ_INT(sl_ratelimit_init(&r, 1u << 20), 0);
	struct timespec pause = {0, 300 * 1000 * 1000};
	nanosleep(&pause, NULL);
	double t0 = now_s();
	CHECK_EQ_INT(sl_ratelimit_take(&r, 512u << 10), 0); /* 0.5 s worth */
	double took = now_s() - t0;
	CHECK(took >= 0.5 - SL_RATELIMIT_BURST - 0.02);
	CHECK(took < 0.5 + 0.2);
	sl_ratelimit_destroy(&r);
}

static void *cancel_later(void *arg)
{
	struct timespec pause = {0, 100 * 1000 * 1000};
	nanosleep(&pause, NULL);
	sl_ratelimit_cancel(arg);
	return NULL;
}

/* A waiter for an hour's worth returns at once on cancel, and so does
 * every take after it. */
static void test_cancel_wakes(void)
{
	struct sl_ratelimit r;
	CHECK_EQ_INT(sl_ratelimit_init(&r, 1024), 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, cancel_later, &r) == 0);
	double t0 = now_s();
	CHECK_EQ_INT(sl_ratelimit_take(&r, 3600u * 1024), SL_ECANCEL);
	CHECK(now_s() - t0 < 2.0);
	pthread_join(t, NULL);
	CHECK_EQ_INT(sl_ratelimit_take(&r, 1), SL_ECANCEL);
	sl_ratelimit_destroy(&r);
}

int main(void)
{
	UNIT_RUN(test_threads_share_the_rate);
	UNIT_RUN(test_idle_credit_is_capped);
	UNIT_RUN(test_cancel_wakes);
	return UNIT_DONE();
}
