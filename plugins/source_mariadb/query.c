/* query.c - the hooks' read-only queries (sluice.query) and --dry-run.
 *
 * Both run on the first worker's connection (sluice.queries on every
 * worker's), inside the snapshot the workers will dump, before any worker
 * runs: a subset computed from
 * queries there sees exactly the rows the dump then reads.  The
 * connection's transaction is READ ONLY (snapshot.c), the script layer has
 * checked that the text is one SELECT (format/sqlscan.c), and on MariaDB
 * each query runs under SET STATEMENT max_statement_time with what is left
 * of the hook's --script-timeout, so the server stops a query that would
 * outlast it.  Rows stream (mysql_use_result) into the hook, which holds
 * them in its own memory cap. */
#include <mysqld_error.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "mariadb.h"
#include "script/script.h"

/* An error of the query's connection, for the script's message. */
static int query_error(MYSQL *c, struct sl_error *err)
{
	unsigned e = mysql_errno(c);
	if (e == ER_STATEMENT_TIMEOUT)
		return sl_error_set(err, SL_EDB,
		                    "the server stopped the query: it outlasted the hook's "
		                    "--script-timeout");
	return sl_error_set(err, SL_EDB, "server error %u: %s", e, mysql_error(c));
}

/* Start 'sql' on worker 'slot''s connection without waiting for it. */
static int hook_send(void *ud, unsigned slot, const char *sql, size_t len, uint64_t timeout_ms,
                     struct sl_error *err)
{
	struct mdb_source *m = ud;
	MYSQL *c = m->workers[slot].conn;
	struct sl_buf q = SL_BUF_INIT;
	int rc = 0;
	if (m->is_mariadb && timeout_ms)
		rc = sl_buf_printf(&q, "SET STATEMENT max_statement_time=%llu.%03llu FOR ",
		                   (unsigned long long)(timeout_ms / 1000),
		                   (unsigned long long)(timeout_ms % 1000));
	if (rc || sl_buf_append(&q, sql, len))
		rc = sl_error_set(err, SL_ENOMEM, "out of memory");
	else if (mysql_send_query(c, q.data, (unsigned long)q.len))
		rc = query_error(c, err);
	sl_buf_free(&q);
	return rc;
}

/* The rows of what hook_send() started on 'slot', streamed to 'row' (NULL:
 * read away). */
static int hook_read(void *ud, unsigned slot, sl_script_row_fn row, void *cb, struct sl_error *err)
{
	struct mdb_source *m = ud;
	MYSQL *c = m->workers[slot].conn;
	MYSQL_RES *res = NULL;
	const char **names = NULL;
	bool *ints = NULL;
	int rc = 0;
	if (mysql_read_query_result(c)) {
		rc = query_error(c, err);
		goto out;
	}
	res = mysql_use_result(c);
	if (!res) {
		rc = mysql_field_count(c) ? query_error(c, err)
		     : row                ? row(cb, 0, NULL, NULL, NULL, NULL)
		                          : 0;
		goto out;
	}
	if (!row)
		goto out;
	unsigned n = mysql_num_fields(res);
	MYSQL_FIELD *fields = mysql_fetch_fields(res);
	names = sl_calloc(n + 1, sizeof(*names));
	ints = sl_calloc(n + 1, sizeof(*ints));
	if (!names || !ints) {
		rc = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		names[i] = fields[i].name;
		enum enum_field_types t = fields[i].type;
		ints[i] = t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT || t == MYSQL_TYPE_INT24 ||
		          t == MYSQL_TYPE_LONG || t == MYSQL_TYPE_LONGLONG;
	}
	rc = row(cb, n, names, ints, NULL, NULL);
	MYSQL_ROW r;
	while (!rc && (r = mysql_fetch_row(res)))
		rc = row(cb, n, names, ints, r, mysql_fetch_lengths(res));
	if (!rc && mysql_errno(c))
		rc = query_error(c, err);
out:
	if (res)
		mysql_free_result(res); /* reads what a stopped query still sends */
	sl_free(names);
	sl_free(ints);
	return rc;
}

static int hook_query(void *ud, const char *sql, size_t len, uint64_t timeout_ms,
                      sl_script_row_fn row, void *cb, struct sl_error *err)
{
	int rc = hook_send(ud, 0, sql, len, timeout_ms, err);
	return rc ? rc : hook_read(ud, 0, row, cb, err);
}

int mdb_plan_with_queries(struct mdb_source *m)
{
	/* Every open worker connection is in the snapshot (a dry run opens
	 * one): sluice.queries runs on all of them at once. */
	unsigned slots = 0;
	while (m->workers && slots < m->nworkers && m->workers[slots].conn)
		slots++;
	struct sl_script_query q = {
	    .run = hook_query, .send = hook_send, .read = hook_read, .slots = slots, .ud = m};
	struct sl_pipeline *p = m->inst->pipe;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sl_pipeline_set_query(p, m->workers && m->workers[0].conn ? &q : NULL);
	int rc = mdb_catalog_plan(m);
	sl_pipeline_set_query(p, NULL);
	if (rc || (rc = mdb_prune_dependents(m)))
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sl_instance_log(m->inst, SL_LOG_DEBUG, "planned %zu tables and %zu views in %.3f s",
	                m->ntables, m->nviews,
	                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

int mdb_estimate_rows(struct mdb_source *m, MYSQL *c, const struct sl_table *t, uint64_t *out)
{
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	int rc = sl_buf_puts(&q, "EXPLAIN SELECT 1 FROM ");
	rc = rc ? rc : sl_buf_put_qualified(&q, t->schema, t->name);
	rc = rc ? rc : sl_buf_printf(&q, " WHERE (%s)", t->where);
	if (rc) {
		sl_buf_free(&q);
		return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
	}
	if ((rc = mdb_query_result(m, c, q.data, &res)))
		goto out;
	MYSQL_ROW row = mysql_fetch_row(res);
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	double rows = 0, filtered = 100;
	for (unsigned i = 0; row && i < mysql_num_fields(res); i++) {
		if (!strcasecmp(f[i].name, "rows") && row[i])
			rows = strtod(row[i], NULL);
		else if (!strcasecmp(f[i].name, "filtered") && row[i])
			filtered = strtod(row[i], NULL);
	}
	*out = (uint64_t)(rows * filtered / 100 + 0.5);
out:
	if (res)
		mysql_free_result(res);
	sl_buf_free(&q);
	return rc;
}

int mdb_dry_run(struct mdb_source *m)
{
	struct sl_pipeline *p = m->inst->pipe;
	int rc = 0;
	for (size_t i = 0; !rc && i < m->ntables; i++) {
		const struct sl_table *t = m->tables[i].t;
		uint64_t rows = t->est_rows;
		if (t->kind == SL_TABLE_BASE && m->cfg->no_data)
			rows = 0;
		else if (t->kind == SL_TABLE_BASE && t->where && t->where_rows_said)
			rows = t->where_rows;
		else if (t->kind == SL_TABLE_BASE && t->where)
			rc = mdb_estimate_rows(m, m->workers[0].conn, t, &rows);
		if (!rc)
			rc = sl_pipeline_explain(p, t, rows);
	}
	for (size_t i = 0; !rc && i < m->nviews; i++)
		rc = sl_pipeline_explain(p, m->views[i].t, 0);
	return rc;
}
