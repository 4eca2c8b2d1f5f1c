/* ring.c - bounded blocking MPMC queue of batches (see ring.h for the picture).
 *
 * Rings sit between the producing workers and one sink and are where
 * backpressure comes from: a full ring blocks its producers, an empty one
 * blocks its consumer.  The queue is a circular array of cap_slots batch
 * pointers allocated once in sl_ring_new(); nothing is allocated on push or
 * pop.  One mutex guards all state; two condition variables carry the
 * wake-ups: 'not_full' for producers, 'not_empty' for consumers.
 *
 * Wake-up discipline.  Every wait is a loop on its predicate (spurious
 * wake-ups are harmless).  Waiters count themselves (nwait_push, nwait_pop)
 * inside the critical section in which they start waiting, so a thread that
 * changes the state can tell whether anybody may be asleep and skips the
 * futex call in the common uncontended case.  Signals are sent after the
 * mutex is released, so the woken thread does not immediately block on it;
 * that is safe because the decision to signal was taken under the mutex, and
 * a waiter counted there is either still inside pthread_cond_wait() (and
 * gets the signal) or already awake and about to re-check its predicate.
 * Close and cancel broadcast both variables; every wait loop checks both
 * flags, so no thread sleeps through them (no sleep-poll loops anywhere). */
#include "engine/ring.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include "base/alloc.h"
#include "base/error.h"
#include "engine/batch.h"

/* Invariants, all guarded by 'mu':
 *  - slots[head], slots[head+1], ..., slots[head+count-1] (indices modulo
 *    cap_slots) are the queued batches, oldest first; the ring owns one
 *    reference to each.  Other slots are stale and never read.
 *  - count <= cap_slots.
 *  - bytes == sum of sl_batch_cost() over the queued batches.  Batches are
 *    immutable while queued (batch.h), so the cost computed at pop time is
 *    the one that was added at push time.
 *  - bytes <= cap_bytes, or count == 1 (an oversize batch accepted into an
 *    empty ring).
 *  - nwait_push / nwait_pop: threads between "decided to wait" and "woke and
 *    re-took the mutex" on not_full / not_empty.
 *  - closed and cancelled only go from false to true. */
struct sl_ring {
	pthread_mutex_t mu;
	pthread_cond_t not_full;  /* producers wait here for room */
	pthread_cond_t not_empty; /* consumers wait here for a batch */

	struct sl_batch **slots; /* owned: cap_slots entries */
	size_t cap_slots;
	size_t cap_bytes;
	size_t head;  /* index of the oldest queued batch */
	size_t count; /* batches queued */
	size_t bytes; /* their total cost */

	unsigned nwait_push;
	unsigned nwait_pop;
	bool closed;
	bool cancelled;

	uint64_t pushed, popped, push_waits;
	size_t peak_bytes;
};

struct sl_ring *sl_ring_new(size_t cap_bytes, size_t cap_slots)
{
	struct sl_ring *r = NULL;
	bool mu_ok = false, nf_ok = false;

	if (cap_bytes < 1 || cap_slots < 1)
		return NULL;
	r = sl_calloc(1, sizeof(*r));
	if (!r)
		goto fail;
	r->slots = sl_calloc(cap_slots, sizeof(*r->slots));
	if (!r->slots)
		goto fail;
	if (pthread_mutex_init(&r->mu, NULL) != 0)
		goto fail;
	mu_ok = true;
	if (pthread_cond_init(&r->not_full, NULL) != 0)
		goto fail;
	nf_ok = true;
	if (pthread_cond_init(&r->not_empty, NULL) != 0)
		goto fail;
	r->cap_slots = cap_slots;
	r->cap_bytes = cap_bytes;
	return r;

fail:
	if (r) {
		if (nf_ok)
			pthread_cond_destroy(&r->not_full);
		if (mu_ok)
			pthread_mutex_destroy(&r->mu);
		sl_free(r->slots);
		sl_free(r);
	}
	return NULL;
}

void sl_ring_shrink(struct sl_ring *r, size_t cap_bytes)
{
	pthread_mutex_lock(&r->mu);
	if (cap_bytes >= 1 && cap_bytes < r->cap_bytes)
		r->cap_bytes = cap_bytes;
	pthread_mutex_unlock(&r->mu);
}

void sl_ring_free(struct sl_ring *r)
{
	if (!r)
		return;
	/* No thread uses the ring any more (caller's contract), so no lock. */
	for (size_t i = 0, idx = r->head; i < r->count; i++) {
		sl_batch_release(r->slots[idx]);
		if (++idx == r->cap_slots)
			idx = 0;
	}
	pthread_cond_destroy(&r->not_empty);
	pthread_cond_destroy(&r->not_full);
	pthread_mutex_destroy(&r->mu);
	sl_free(r->slots);
	sl_free(r);
}

/* True when a batch of 'cost' bytes may be queued now.  An empty ring takes
 * anything, so a batch larger than cap_bytes cannot wait forever.  Written
 * without 'bytes + cost' so that it cannot overflow.  Caller holds mu. */
static bool ring_fits(const struct sl_ring *r, size_t cost)
{
	if (r->count == 0)
		return true;
	return r->count < r->cap_slots && r->bytes <= r->cap_bytes &&
	       cost <= r->cap_bytes - r->bytes;
}

int sl_ring_push(struct sl_ring *r, struct sl_batch *b)
{
	/* Batches are immutable once pushed: compute the cost outside the lock. */
	size_t cost = sl_batch_cost(b);
	bool waited = false;
	int rc = 0;
	bool wake_pop, wake_push;

	pthread_mutex_lock(&r->mu);
	while (!r->cancelled && !r->closed && !ring_fits(r, cost)) {
		/* Counted in the same critical section as the wait itself, so a
		 * thread that sees push_waits > 0 under the mutex knows this
		 * producer is inside pthread_cond_wait() (tests rely on it). */
		if (!waited) {
			waited = true;
			r->push_waits++;
		}
		r->nwait_push++;
		pthread_cond_wait(&r->not_full, &r->mu);
		r->nwait_push--;
	}
	if (r->cancelled) {
		rc = SL_ECANCEL;
		goto out;
	}
	if (r->closed) {
		rc = SL_ECLOSED;
		goto out;
	}

	size_t tail = r->head + r->count;
	if (tail >= r->cap_slots)
		tail -= r->cap_slots;
	r->slots[tail] = b; /* the ring now owns the caller's reference */
	r->count++;
	r->bytes += cost;
	r->pushed++;
	if (r->bytes > r->peak_bytes)
		r->peak_bytes = r->bytes;

out:
	/* A new batch can satisfy exactly one consumer.  If producers are
	 * still waiting and room is left (several pops may have freed space
	 * while only one producer was woken), pass the wake-up on, so space
	 * freed by several pops is used by several
	 * producers.  A producer that wakes and still does not fit goes back
	 * to sleep without passing anything on (no ping-pong); progress is
	 * kept because every pop signals again and an empty ring accepts any
	 * batch. */
	wake_pop = rc == 0 && r->nwait_pop > 0;
	wake_push =
	    rc == 0 && r->nwait_push > 0 && r->count < r->cap_slots && r->bytes < r->cap_bytes;
	pthread_mutex_unlock(&r->mu);
	if (wake_pop)
		pthread_cond_signal(&r->not_empty);
	if (wake_push)
		pthread_cond_signal(&r->not_full);
	return rc;
}

/* Wait until a batch is queued or the ring is closed or cancelled.  Returns
 * 0 with count > 0, SL_ECANCEL, or SL_ECLOSED when closed and drained.
 * Caller holds mu. */
static int ring_wait_nonempty(struct sl_ring *r)
{
	while (r->count == 0 && !r->closed && !r->cancelled) {
		r->nwait_pop++;
		pthread_cond_wait(&r->not_empty, &r->mu);
		r->nwait_pop--;
	}
	/* Cancel wins over queued data: stop now, sl_ring_free() releases it. */
	if (r->cancelled)
		return SL_ECANCEL;
	if (r->count == 0)
		return SL_ECLOSED;
	return 0;
}

/* Take the oldest batch; the caller now owns its reference.  Caller holds
 * mu and has checked count > 0. */
static struct sl_batch *ring_take(struct sl_ring *r)
{
	struct sl_batch *b = r->slots[r->head];

	r->slots[r->head] = NULL;
	if (++r->head == r->cap_slots)
		r->head = 0;
	r->count--;
	r->bytes -= sl_batch_cost(b);
	r->popped++;
	return b;
}

int sl_ring_pop(struct sl_ring *r, struct sl_batch **out)
{
	bool wake_push;
	int rc;

	pthread_mutex_lock(&r->mu);
	rc = ring_wait_nonempty(r);
	if (rc == 0)
		*out = ring_take(r);
	/* One batch gone: room for (at least) one waiting producer. */
	wake_push = rc == 0 && r->nwait_push > 0;
	pthread_mutex_unlock(&r->mu);
	if (wake_push)
		pthread_cond_signal(&r->not_full);
	return rc;
}

int sl_ring_try_pop(struct sl_ring *r, struct sl_batch **out)
{
	bool wake_push;
	int rc = 0;

	pthread_mutex_lock(&r->mu);
	if (r->cancelled)
		rc = SL_ECANCEL;
	else if (r->count > 0)
		rc = 1;
	else if (r->closed)
		rc = SL_ECLOSED;
	if (rc == 1)
		*out = ring_take(r);
	wake_push = rc == 1 && r->nwait_push > 0;
	pthread_mutex_unlock(&r->mu);
	if (wake_push)
		pthread_cond_signal(&r->not_full);
	return rc;
}

void sl_ring_close(struct sl_ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->closed = true;
	pthread_mutex_unlock(&r->mu);
	/* Producers blocked on a full ring fail with SL_ECLOSED; consumers
	 * blocked on an empty one see it closed and drained. */
	pthread_cond_broadcast(&r->not_full);
	pthread_cond_broadcast(&r->not_empty);
}

void sl_ring_cancel(struct sl_ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->cancelled = true;
	pthread_mutex_unlock(&r->mu);
	pthread_cond_broadcast(&r->not_full);
	pthread_cond_broadcast(&r->not_empty);
}

void sl_ring_get_stats(struct sl_ring *r, struct sl_ring_stats *out)
{
	pthread_mutex_lock(&r->mu);
	out->pushed = r->pushed;
	out->popped = r->popped;
	out->push_waits = r->push_waits;
	out->peak_bytes = r->peak_bytes;
	out->bytes = r->bytes;
	out->count = r->count;
	pthread_mutex_unlock(&r->mu);
}
