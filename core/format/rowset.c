/* rowset.c - a block of fetched rows: cells (offset, length) over one arena.
 *
 * Values are copied into a single growable arena and cells store offsets,
 * not pointers, so growing the arena never invalidates a cell.  Each
 * non-NULL value is followed by a NUL in the arena (not counted in its
 * length), like the rows of mysql_fetch_row(), so a numeric value can be
 * handed to strtoull() as it is.  Adding a row reserves everything it needs
 * before writing anything, so a failed add leaves the rowset as it was. */
#include "format/rowset.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"

/* Rows of cells allocated by the first add; the array doubles after that. */
#define SL_ROWSET_MIN_ROWS 16

void sl_rowset_init(struct sl_rowset *rs, size_t ncols, const struct sl_column *const *cols)
{
	rs->ncols = ncols;
	rs->cols = cols;
	rs->nrows = 0;
	rs->cap_rows = 0;
	rs->cells = NULL;
	rs->arena = (struct sl_buf)SL_BUF_INIT;
}

/* Make room for one more row of cells.  0 or SL_ENOMEM (nothing changed). */
static int rowset_grow_cells(struct sl_rowset *rs)
{
	size_t cap = rs->cap_rows ? rs->cap_rows * 2 : SL_ROWSET_MIN_ROWS;
	struct sl_cell *cells;

	if (cap < rs->cap_rows || (rs->ncols && cap > SIZE_MAX / sizeof(*cells) / rs->ncols))
		return SL_ENOMEM; /* overflow */
	cells = sl_realloc(rs->cells, cap * rs->ncols * sizeof(*cells));
	if (!cells)
		return SL_ENOMEM;
	rs->cells = cells;
	rs->cap_rows = cap;
	return 0;
}

int sl_rowset_add_row(struct sl_rowset *rs, const char *const *vals, const unsigned long *lens)
{
	size_t need = 0; /* arena bytes for this row, terminators included */

	for (size_t c = 0; c < rs->ncols; c++) {
		if (!vals[c])
			continue;
		size_t n = (size_t)lens[c] + 1;
		if (n == 0 || need + n < need)
			return SL_ENOMEM; /* overflow */
		need += n;
	}
	/* Reserve first: on failure the rows, cells and arena contents are
	 * untouched (a larger cell array or arena may remain; that is only
	 * capacity). */
	if (rs->nrows == rs->cap_rows && rowset_grow_cells(rs))
		return SL_ENOMEM;
	if (sl_buf_reserve(&rs->arena, need))
		return SL_ENOMEM;

	struct sl_cell *row = rs->cells + rs->nrows * rs->ncols;
	char *w = rs->arena.data + rs->arena.len;
	for (size_t c = 0; c < rs->ncols; c++) {
		if (!vals[c]) {
			row[c].off = 0;
			row[c].len = SL_CELL_NULL;
			continue;
		}
		size_t n = (size_t)lens[c];
		row[c].off = (size_t)(w - rs->arena.data);
		row[c].len = n;
		if (n)
			memcpy(w, vals[c], n);
		w[n] = '\0';
		w += n + 1;
	}
	*w = '\0'; /* sl_buf's own invariant; the reserve left room for it */
	rs->arena.len = (size_t)(w - rs->arena.data);
	rs->nrows++;
	return 0;
}

const char *sl_rowset_value(const struct sl_rowset *rs, size_t r, size_t c, size_t *len)
{
	assert(r < rs->nrows && c < rs->ncols);
	const struct sl_cell *cell = &rs->cells[r * rs->ncols + c];

	if (cell->len == SL_CELL_NULL) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = cell->len;
	/* Any non-NULL value reserved at least its terminator: data != NULL. */
	return rs->arena.data + cell->off;
}

size_t sl_rowset_bytes(const struct sl_rowset *rs)
{
	/* Values with their terminators, plus the cells: what the rowset holds
	 * in memory for its rows.  Counting the cells keeps rows of NULLs and
	 * empty strings from filling a "1 MiB" rowset without end. */
	return rs->arena.len + rs->nrows * rs->ncols * sizeof(struct sl_cell);
}

void sl_rowset_retarget(struct sl_rowset *rs, size_t ncols, const struct sl_column *const *cols)
{
	/* The cell array holds cap_rows * ncols cells whatever the width. */
	if (ncols != rs->ncols)
		rs->cap_rows = ncols ? rs->cap_rows * rs->ncols / ncols : 0;
	rs->ncols = ncols;
	rs->cols = cols;
	sl_rowset_reset(rs);
}

void sl_rowset_reset(struct sl_rowset *rs)
{
	rs->nrows = 0;
	sl_buf_reset(&rs->arena);
}

void sl_rowset_free(struct sl_rowset *rs)
{
	sl_free(rs->cells);
	sl_buf_free(&rs->arena);
	/* Back to the state sl_rowset_init() left: empty and reusable. */
	rs->cells = NULL;
	rs->nrows = 0;
	rs->cap_rows = 0;
}
