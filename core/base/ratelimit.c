/* ratelimit.c - a byte rate shared by threads (see ratelimit.h). */
#include "base/ratelimit.h"

#include <errno.h>
#include <time.h>

#include "base/error.h"

static double now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int sl_ratelimit_init(struct sl_ratelimit *r, uint64_t rate)
{
	pthread_condattr_t attr;
	r->rate = rate ? (double)rate : 1.0;
	r->paid_until = now_seconds();
	r->cancelled = false;
	if (pthread_condattr_init(&attr))
		return SL_ENOMEM;
	int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) ? SL_EINTERNAL
	         : pthread_cond_init(&r->cond, &attr)              ? SL_ENOMEM
	                                                           : 0;
	pthread_condattr_destroy(&attr);
	if (rc)
		return rc;
	if (pthread_mutex_init(&r->lock, NULL)) {
		pthread_cond_destroy(&r->cond);
		return SL_ENOMEM;
	}
	return 0;
}

void sl_ratelimit_destroy(struct sl_ratelimit *r)
{
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
}

int sl_ratelimit_take(struct sl_ratelimit *r, uint64_t n)
{
	pthread_mutex_lock(&r->lock);
	double now = now_seconds();
	/* Idle time earns nothing; a taker may only run ahead by the burst. */
	if (r->paid_until < now)
		r->paid_until = now;
	r->paid_until += (double)n / r->rate;
	double deadline = r->paid_until - SL_RATELIMIT_BURST;
	struct timespec until;
	until.tv_sec = (time_t)deadline;
	until.tv_nsec = (long)((deadline - (double)until.tv_sec) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!r->cancelled && now < deadline) {
		if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT)
			break;
		now = now_seconds();
	}
	int rc = r->cancelled ? SL_ECANCEL : 0;
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void sl_ratelimit_cancel(struct sl_ratelimit *r)
{
	pthread_mutex_lock(&r->lock);
	r->cancelled = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}
