/* batch.h - the unit that moves through rings.
 *
 * A batch is one message about one table (or database): a named file of
 * SQL (DDL or rendered rows), or the end-of-table record.  Bodies are
 * bounded (about --batch-size, one row more at most).  A batch sent to
 * several sinks is shared: each ring holds one reference, and the last
 * sl_batch_release() frees it.  After creation a batch is immutable, so
 * sharing needs no lock beyond the atomic reference count. */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "format/fname.h"
#include "format/table.h"

enum sl_batch_kind {
	SL_BATCH_FILE,     /* a named file: 'name' and 'body' are set */
	SL_BATCH_TABLE_END /* end of a table's data: 'rows' is the table total */
};

struct sl_batch {
	enum sl_batch_kind kind;
	enum sl_file_kind file_kind;
	atomic_int refs;
	const struct sl_table
	    *table;         /* borrowed from the pipeline; NULL for database-level files */
	char *schema;       /* owned: database name (target name after renames) */
	char *name;         /* owned: file name for FILE batches, NULL otherwise */
	char *table_name;   /* owned: the table's target name when renamed, else NULL */
	struct sl_buf body; /* owned: file contents */
	uint64_t rows;      /* rows in this file, or the table's total for TABLE_END */
};

/* New batch with one reference; 'schema' and 'name' are copied (NULL ok).
 * Returns NULL on allocation failure. */
struct sl_batch *sl_batch_new(enum sl_batch_kind kind, enum sl_file_kind file_kind,
                              const struct sl_table *table, const char *schema, const char *name);

/* The table's name in this batch's target (after renames); NULL for
 * database-level files. */
static inline const char *sl_batch_table_name(const struct sl_batch *b)
{
	return b->table_name ? b->table_name : b->table ? b->table->name : NULL;
}

/* Take one more reference (for one more ring). */
struct sl_batch *sl_batch_ref(struct sl_batch *b);

/* Drop one reference; the last one frees the batch.  NULL is fine. */
void sl_batch_release(struct sl_batch *b);

/* Bytes a ring charges for this batch (body plus overhead). */
size_t sl_batch_cost(const struct sl_batch *b);

#endif
