/* rowset.h - a block of rows of one table, as fetched, before encoding.
 *
 * Sources fill a rowset up to about --batch-size bytes; transforms (Lua)
 * may rewrite or drop rows in it; encoders turn it into file bodies.  Values
 * are byte strings copied into one arena (cells hold offsets, so the arena
 * may grow); a NULL value has len == SL_CELL_NULL. */
#ifndef SL_ROWSET_H
#define SL_ROWSET_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct sl_column;

#define SL_CELL_NULL SIZE_MAX

struct sl_cell {
	size_t off; /* into arena.data */
	size_t len; /* SL_CELL_NULL for SQL NULL */
};

struct sl_rowset {
	size_t ncols;
	const struct sl_column *const *cols; /* borrowed: one per value, in order */
	size_t nrows;
	size_t cap_rows;
	struct sl_cell *cells; /* nrows * ncols, row-major */
	struct sl_buf arena;
};

/* Empty rowset for rows of 'ncols' values described by 'cols' (borrowed). */
void sl_rowset_init(struct sl_rowset *rs, size_t ncols, const struct sl_column *const *cols);

/* Append one row: vals[i] == NULL means SQL NULL, else lens[i] bytes are
 * copied.  0 or SL_ENOMEM (the rowset is unchanged on failure). */
int sl_rowset_add_row(struct sl_rowset *rs, const char *const *vals, const unsigned long *lens);

/* Value of row r, column c: pointer into the arena (valid until the next
 * add/reset) and its length in *len; NULL for SQL NULL. */
const char *sl_rowset_value(const struct sl_rowset *rs, size_t r, size_t c, size_t *len);

/* Bytes held for the rows: value bytes plus a fixed cost per cell, so rows
 * of NULLs and empty strings still count (what --batch-size is compared
 * against). */
size_t sl_rowset_bytes(const struct sl_rowset *rs);

/* Reuse the rowset (and its memory) for rows of other columns: drops the
 * rows, keeps the arena and the cell array, whose capacity in rows is
 * recomputed for the new width.  For a worker moving between tables. */
void sl_rowset_retarget(struct sl_rowset *rs, size_t ncols, const struct sl_column *const *cols);

/* Drop rows, keep memory. */
void sl_rowset_reset(struct sl_rowset *rs);
void sl_rowset_free(struct sl_rowset *rs);

#endif
