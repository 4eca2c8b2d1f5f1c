/* ring.h - a bounded, blocking queue of batches between producers and a sink.
 *
 *   producers (N threads)                       consumer (sink thread)
 *        push ──►  [ b0 | b1 | b2 | ... ]  ──► pop
 *                   ^head            ^tail
 *   bytes = sum of sl_batch_cost() of queued batches <= cap_bytes
 *   count <= cap_slots
 *
 * Invariants (guarded by the mutex):
 *  - FIFO: batches leave in the order they were pushed, so a producer that
 *    pushes A then B sees A consumed before B.
 *  - A push that would exceed cap_bytes or cap_slots blocks until there is
 *    room, except that an empty ring always accepts one batch (so a batch
 *    larger than the ring cannot deadlock).  This is backpressure: a slow
 *    sink blocks producers, which stop reading from the server.
 *  - Closed: push fails with SL_ECLOSED; pop drains what is queued, then
 *    returns SL_ECLOSED.
 *  - Cancelled: push and pop return SL_ECANCEL at once, queued batches are
 *    released by sl_ring_free().  Close and cancel wake every waiter.
 *
 * Mutex + condition variables at batch granularity (batches are ~1 MiB, so
 * lock traffic is negligible). */
#ifndef SL_RING_H
#define SL_RING_H

#include <stddef.h>
#include <stdint.h>

struct sl_batch;
struct sl_ring;

struct sl_ring_stats {
	uint64_t pushed, popped; /* batches */
	uint64_t push_waits;     /* pushes that had to wait (backpressure) */
	size_t peak_bytes;       /* highest byte occupancy seen */
	size_t bytes, count;     /* current occupancy */
};

/* NULL on allocation failure.  cap_bytes >= 1, cap_slots >= 1. */
struct sl_ring *sl_ring_new(size_t cap_bytes, size_t cap_slots);

/* Lower the byte capacity to 'cap_bytes' (>= 1; not above the current
 * one): for a consumer that holds part of the budget itself.  Batches
 * already queued stay; pushes wait until the ring is under the new cap. */
void sl_ring_shrink(struct sl_ring *r, size_t cap_bytes);

/* Frees the ring and releases batches still queued.  No thread may be
 * using it.  NULL is fine. */
void sl_ring_free(struct sl_ring *r);

/* Enqueue; the ring takes the caller's reference on success.  On failure
 * (SL_ECLOSED, SL_ECANCEL) the caller keeps its reference. */
int sl_ring_push(struct sl_ring *r, struct sl_batch *b);

/* Dequeue into *out (caller owns the reference).  0, SL_ECLOSED when closed
 * and drained, SL_ECANCEL when cancelled. */
int sl_ring_pop(struct sl_ring *r, struct sl_batch **out);

/* Dequeue without waiting: 1 with *out set (caller owns it), 0 when the
 * ring is empty right now, SL_ECLOSED when closed and drained, SL_ECANCEL
 * when cancelled. */
int sl_ring_try_pop(struct sl_ring *r, struct sl_batch **out);

/* No more pushes; consumers drain then see SL_ECLOSED. */
void sl_ring_close(struct sl_ring *r);

/* Stop now: every blocked or later push/pop returns SL_ECANCEL. */
void sl_ring_cancel(struct sl_ring *r);

/* Counters and occupancy, for the run's summary (which side waited). */
void sl_ring_get_stats(struct sl_ring *r, struct sl_ring_stats *out);

#endif
