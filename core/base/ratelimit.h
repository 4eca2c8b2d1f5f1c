/* ratelimit.h - a byte rate shared by threads (--max-rate).
 *
 * Threads report the bytes they moved with sl_ratelimit_take(), which
 * makes the caller wait until the rate allows them: a token bucket kept as
 * the time at which everything taken so far is paid for (GCRA), so any
 * number of threads together stay at the rate, and a thread that has been
 * idle may go ahead by at most a tenth of a second's worth.  A wait ends at
 * once when the limiter is cancelled (a condition variable, not a sleep). */
#ifndef SL_RATELIMIT_H
#define SL_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct sl_ratelimit {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* waits on CLOCK_MONOTONIC; broadcast by cancel */
	double rate;         /* bytes per second */
	double paid_until;   /* monotonic seconds */
	bool cancelled;
};

/* Seconds of rate a thread may run ahead after being idle. */
#define SL_RATELIMIT_BURST 0.1

/* 'rate' bytes per second (> 0).  0, or SL_ENOMEM / SL_EINTERNAL when the
 * mutex or condition cannot be made. */
int sl_ratelimit_init(struct sl_ratelimit *r, uint64_t rate);
void sl_ratelimit_destroy(struct sl_ratelimit *r);

/* Account 'n' bytes and wait until the rate allows them.  0, or SL_ECANCEL
 * when the limiter is (or gets) cancelled.  Any thread. */
int sl_ratelimit_take(struct sl_ratelimit *r, uint64_t n);

/* Wake every waiter and make every later take() return SL_ECANCEL. */
void sl_ratelimit_cancel(struct sl_ratelimit *r);

#endif
