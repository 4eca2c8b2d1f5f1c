/* chunk.c - split a big table into key ranges that workers dump in parallel.
 *
 * Only tables that would unbalance the workers are split (see
 * mdb_chunk_plan).  The split column is the first column of the primary key, or of a unique
 * key whose first column is NOT NULL.  Ranges always cover the whole key
 * space (the first is open below, the last open above), so every row falls
 * in exactly one range whatever the boundaries are; boundaries only decide
 * balance.  The number of ranges comes from the row estimate and --rows,
 * never from the key span, so sparse keys cannot explode the job count:
 *  - dense integer keys: boundaries evenly spaced between MIN and MAX;
 *  - other keys (strings, dates, composite prefixes, sparse integers):
 *    boundaries found by walking the index every --rows entries.
 * Queries run on the worker's connection, inside its snapshot. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "mariadb.h"

#define MAX_CHUNKS 4096

static const struct sl_column *find_col(const struct sl_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
}

/* The column to split on, or NULL when the table has no usable key. */
static const struct sl_column *split_column(const struct sl_table *t)
{
	for (size_t i = 0; i < t->nkeys; i++) {
		const struct sl_key *k = &t->keys[i];
		if (!(k->primary || k->unique) || k->ncols == 0)
			continue;
		const struct sl_column *c = find_col(t, k->cols[0]);
		if (c && !c->nullable)
			return c;
	}
	return NULL;
}

static bool is_integer(const struct sl_column *c)
{
	static const char *const ints[] = {"tinyint", "smallint", "mediumint",
	                                   "int",     "bigint",   NULL};
	for (size_t i = 0; ints[i]; i++)
		if (!strcasecmp(c->data_type, ints[i]))
			return true;
	return false;
}

struct bounds {
	size_t n;
	char *lit[MAX_CHUNKS]; /* literals, strictly increasing */
};

static void bounds_free(struct bounds *bd)
{
	for (size_t i = 0; i < bd->n; i++)
		sl_free(bd->lit[i]);
	bd->n = 0;
}

/* Evenly spaced integer boundaries.  *dense is false when the key is too
 * sparse for that to balance (the caller walks the index instead). */
static int integer_bounds(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt,
                          const struct sl_column *c, size_t nchunks, struct bounds *bd, bool *dense)
{
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	int rc = sl_buf_puts(&q, "SELECT MIN(");
	rc = rc ? rc : sl_buf_put_ident(&q, c->name);
	rc = rc ? rc : sl_buf_puts(&q, "), MAX(");
	rc = rc ? rc : sl_buf_put_ident(&q, c->name);
	rc = rc ? rc : sl_buf_puts(&q, ") FROM ");
	rc = rc ? rc : sl_buf_put_qualified(&q, mt->t->schema, mt->t->name);
	if (rc)
		goto out;
	if ((rc = mdb_query_result(m, w->conn, q.data, &res)))
		goto out;
	MYSQL_ROW row = mysql_fetch_row(res);
	*dense = true;
	if (!row || !row[0] || !row[1])
		goto out; /* empty table: one range */
	bool is_unsigned = strstr(c->column_type, "unsigned") != NULL;
	__int128 lo =
	    is_unsigned ? (__int128)strtoull(row[0], NULL, 10) : strtoll(row[0], NULL, 10);
	__int128 hi =
	    is_unsigned ? (__int128)strtoull(row[1], NULL, 10) : strtoll(row[1], NULL, 10);
	__int128 span = hi - lo + 1;
	if (span / (__int128)(mt->t->est_rows + 1) > 64) {
		*dense = false; /* e.g. ids 1..1e12 for 1e6 rows */
		goto out;
	}
	if (span < (__int128)nchunks)
		nchunks = (size_t)span;
	for (size_t i = 1; i < nchunks; i++) {
		__int128 b = lo + span * (__int128)i / (__int128)nchunks;
		char lit[48];
		if (is_unsigned)
			snprintf(lit, sizeof(lit), "%llu", (unsigned long long)b);
		else
			snprintf(lit, sizeof(lit), "%lld", (long long)b);
		if (bd->n && !strcmp(bd->lit[bd->n - 1], lit))
			continue;
		if (!(bd->lit[bd->n] = sl_strdup(lit))) {
			rc = SL_ENOMEM;
			goto out;
		}
		bd->n++;
	}
out:
	if (res)
		mysql_free_result(res);
	sl_buf_free(&q);
	return rc;
}

/* Boundaries every 'step' index entries: each query starts at the last
 * boundary, so the whole walk reads the index once. */
static int walk_bounds(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt,
                       const struct sl_column *c, uint64_t step, struct bounds *bd)
{
	struct sl_buf q = SL_BUF_INIT;
	int rc = 0;
	while (bd->n < MAX_CHUNKS - 1 && !sl_pipeline_cancelled(m->inst->pipe)) {
		sl_buf_reset(&q);
		rc = sl_buf_puts(&q, "SELECT ");
		rc = rc ? rc : sl_buf_put_ident(&q, c->name);
		rc = rc ? rc : sl_buf_puts(&q, " FROM ");
		rc = rc ? rc : sl_buf_put_qualified(&q, mt->t->schema, mt->t->name);
		if (!rc && bd->n) {
			rc = sl_buf_puts(&q, " WHERE ");
			rc = rc ? rc : sl_buf_put_ident(&q, c->name);
			rc = rc ? rc : sl_buf_puts(&q, " > ");
			rc = rc ? rc : sl_buf_puts(&q, bd->lit[bd->n - 1]);
		}
		rc = rc ? rc : sl_buf_puts(&q, " ORDER BY ");
		rc = rc ? rc : sl_buf_put_ident(&q, c->name);
		rc = rc ? rc : sl_buf_printf(&q, " LIMIT 1 OFFSET %llu", (unsigned long long)step);
		if (rc)
			break;
		MYSQL_RES *res;
		if ((rc = mdb_query_result(m, w->conn, q.data, &res)))
			break;
		MYSQL_ROW row = mysql_fetch_row(res);
		unsigned long *lens = row ? mysql_fetch_lengths(res) : NULL;
		if (!row || !row[0]) {
			mysql_free_result(res);
			break; /* past the end: the last range is open */
		}
		struct sl_buf lit = SL_BUF_INIT;
		rc = sl_sql_literal(&lit, c, row[0], lens[0]);
		mysql_free_result(res);
		if (rc) {
			sl_buf_free(&lit);
			break;
		}
		bd->lit[bd->n++] = sl_buf_steal(&lit, NULL);
	}
	sl_buf_free(&q);
	return rc;
}

/* "`c` >= lo AND `c` < hi" with either side left out at the ends. */
static char *range_sql(const struct sl_column *c, const char *lo, const char *hi)
{
	struct sl_buf b = SL_BUF_INIT;
	int rc = 0;
	if (lo) {
		rc = sl_buf_put_ident(&b, c->name);
		rc = rc ? rc : sl_buf_printf(&b, " >= %s", lo);
	}
	if (!rc && hi) {
		rc = lo ? sl_buf_puts(&b, " AND ") : 0;
		rc = rc ? rc : sl_buf_put_ident(&b, c->name);
		rc = rc ? rc : sl_buf_printf(&b, " < %s", hi);
	}
	if (rc) {
		sl_buf_free(&b);
		return NULL;
	}
	return sl_buf_steal(&b, NULL);
}

int mdb_chunk_plan(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt, char ***out,
                   size_t *nout)
{
	struct sl_table *t = mt->t;
	uint64_t per = (uint64_t)m->cfg->rows;
	const struct sl_column *c = split_column(t);
	struct bounds *bd = NULL;
	char **ranges = NULL;
	int rc = 0;
	*out = NULL;
	*nout = 0;

	/* Ranges cost the server more than a whole-table scan, so split only a
	 * table big enough to unbalance the workers: more than half of one
	 * worker's fair share of all rows (one big table among small ones), or
	 * one of the last tables, which the other workers would wait for once
	 * the tables after it are gone: those hold clearly less than the other
	 * workers' share of its size (an eighth of slack, so that of nearly
	 * equal tables only the last is split: 8 equal tables on 2 workers, the
	 * 8th; whole, it ended 60 ms after the 7th, one core idle meanwhile). */
	uint64_t share = m->est_rows_total / (2 * (uint64_t)m->nworkers);
	uint64_t est = t->est_rows;
	bool last =
	    mt->bytes_after + mt->bytes_after / 8 < (uint64_t)(m->nworkers - 1) * t->est_bytes;
	bool split = c && per > 0 && m->nworkers > 1 && est >= 2 * per && (est > share || last);
	/* A condition (--where, a script's, a subset's key list) may select few
	 * of the rows: every range would read its whole list for nothing.  The
	 * optimizer says how many it selects. */
	if (split && t->where) {
		if (t->where_rows_said)
			est = t->where_rows; /* the hook knows (a subset counts its keys) */
		else if ((rc = mdb_estimate_rows(m, w->conn, t, &est)))
			return rc;
		split = est >= 2 * per;
	}
	bd = sl_calloc(1, sizeof(*bd));
	if (!bd)
		return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
	if (split) {
		size_t nchunks = (size_t)(est / per) + 1;
		if (nchunks > MAX_CHUNKS)
			nchunks = MAX_CHUNKS;
		bool dense = false;
		if (is_integer(c) && (rc = integer_bounds(m, w, mt, c, nchunks, bd, &dense)))
			goto fail;
		if (!dense) {
			uint64_t step = est / nchunks;
			if (step < per)
				step = per;
			if ((rc = walk_bounds(m, w, mt, c, step, bd)))
				goto fail;
		}
	}
	ranges = sl_calloc(bd->n + 2, sizeof(*ranges));
	if (!ranges) {
		rc = SL_ENOMEM;
		goto fail;
	}
	if (bd->n == 0) {
		ranges[0] = NULL; /* whole table */
		*nout = 1;
	} else {
		for (size_t i = 0; i <= bd->n; i++) {
			ranges[i] =
			    range_sql(c, i ? bd->lit[i - 1] : NULL, i < bd->n ? bd->lit[i] : NULL);
			if (!ranges[i]) {
				rc = SL_ENOMEM;
				goto fail;
			}
		}
		*nout = bd->n + 1;
		sl_instance_log(m->inst, SL_LOG_DEBUG, "%s.%s: %zu ranges on %s", t->schema,
		                t->name, *nout, c->name);
	}
	*out = ranges;
	bounds_free(bd);
	sl_free(bd);
	return 0;
fail:
	if (ranges)
		for (size_t i = 0; i <= (bd ? bd->n : 0); i++)
			sl_free(ranges[i]);
	sl_free(ranges);
	if (bd) {
		bounds_free(bd);
		sl_free(bd);
	}
	if (rc == SL_ENOMEM)
		return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
	return rc;
}
