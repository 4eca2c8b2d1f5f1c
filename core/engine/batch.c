/* batch.c - reference-counted batches, the unit that moves through rings.
 *
 * A batch is built by one thread, then handed to one or more rings; from
 * then on it is immutable and shared, and the only mutable field is the
 * atomic reference count.  The last sl_batch_release() frees the names, the
 * body and the struct.  sl_batch_cost() is what a ring charges for holding
 * the batch: its body plus a fixed overhead, so that empty batches (DDL
 * headers, end-of-table records) still count against a ring's capacity. */
#include "engine/batch.h"

#include "base/alloc.h"

/* Bytes charged per batch on top of its body: the struct, its names and the
 * ring slot, rounded up.  Keeps a ring of empty batches bounded too. */
#define SL_BATCH_OVERHEAD 256

struct sl_batch *sl_batch_new(enum sl_batch_kind kind, enum sl_file_kind file_kind,
                              const struct sl_table *table, const char *schema, const char *name)
{
	struct sl_batch *b = sl_calloc(1, sizeof(*b));

	if (!b)
		goto fail;
	b->kind = kind;
	b->file_kind = file_kind;
	b->table = table;
	b->body = (struct sl_buf)SL_BUF_INIT;
	atomic_init(&b->refs, 1);
	if (schema) {
		b->schema = sl_strdup(schema);
		if (!b->schema)
			goto fail;
	}
	if (name) {
		b->name = sl_strdup(name);
		if (!b->name)
			goto fail;
	}
	return b;

fail:
	if (b) {
		sl_free(b->schema);
		sl_free(b);
	}
	return NULL;
}

struct sl_batch *sl_batch_ref(struct sl_batch *b)
{
	/* Relaxed is enough: the caller already holds a reference, so the
	 * batch cannot be freed concurrently, and handing the new reference to
	 * another thread (through a ring's mutex) publishes it. */
	atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
	return b;
}

void sl_batch_release(struct sl_batch *b)
{
	if (!b)
		return;
	/* Release: this holder's reads of the batch happen before the free.
	 * Acquire (on the last reference): the freeing thread sees every other
	 * holder's accesses as done.  acq_rel on the decrement gives both; a
	 * separate acquire fence would be cheaper on the non-last path but
	 * ThreadSanitizer does not model fences. */
	if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
		return;
	sl_free(b->schema);
	sl_free(b->name);
	sl_free(b->table_name);
	sl_buf_free(&b->body);
	sl_free(b);
}

size_t sl_batch_cost(const struct sl_batch *b)
{
	return b->body.len + SL_BATCH_OVERHEAD;
}
