/* fetch.c - stream one range of a table's rows into row blocks.
 *
 * mysql_use_result() reads rows as the server sends them: nothing holds a
 * whole table.  Rows are copied into the worker's rowset; every
 * --batch-size bytes the block is handed to the pipeline, which encodes it
 * and blocks while the sinks are behind (backpressure reaches the server
 * through the unread socket).  --max-rate charges the bytes each
 * connection has read to one limiter shared by the workers, which makes a
 * worker wait while the rate is used up: the socket fills meanwhile and
 * the server slows down with it. */
#include <string.h>
#include <sys/socket.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "mariadb.h"

static int build_query(struct sl_buf *q, const struct mdb_table *mt, const char *range)
{
	const struct sl_table *t = mt->t;
	int rc = sl_buf_puts(q, "SELECT /*!40001 SQL_NO_CACHE */ ");
	rc = rc ? rc : sl_buf_puts(q, mt->select_list);
	rc = rc ? rc : sl_buf_puts(q, " FROM ");
	rc = rc ? rc : sl_buf_put_qualified(q, t->schema, t->name);
	if (!rc && (range || t->where))
		rc = sl_buf_puts(q, " WHERE ");
	if (!rc && range)
		rc = sl_buf_printf(q, "(%s)", range);
	if (!rc && range && t->where)
		rc = sl_buf_puts(q, " AND ");
	if (!rc && t->where)
		rc = sl_buf_printf(q, "(%s)", t->where);
	return rc;
}

/* --max-rate: charge what the connection read since the last charge (the
 * bytes on the wire: compressed with --compress-protocol), once that is at
 * least a step, or all of it when 'all'.  0 or SL_ECANCEL. */
static int charge_reads(struct mdb_source *m, struct mdb_worker *w, bool all)
{
	size_t nread = 0;
	if (!m->rate_on || mariadb_get_infov(w->conn, MARIADB_CONNECTION_BYTES_READ, &nread))
		return 0;
	uint64_t due = (uint64_t)nread - w->charged;
	if (due == 0 || (!all && due < m->rate_step))
		return 0;
	w->charged = (uint64_t)nread;
	return sl_ratelimit_take(&m->rate, due);
}

int mdb_fetch_range(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt,
                    const char *range)
{
	struct sl_pipeline *p = m->inst->pipe;
	size_t batch = (size_t)sl_pipeline_config(p)->batch_size;
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	struct sl_row_stream *direct = NULL;
	int rc;

	if (build_query(&q, mt, range)) {
		rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		goto out;
	}
	if (mysql_real_query(w->conn, q.data, q.len)) {
		rc = mdb_fail(m, w->conn, mt->t->name);
		goto out;
	}
	res = mysql_use_result(w->conn);
	if (!res) {
		rc = mdb_fail(m, w->conn, mt->t->name);
		goto out;
	}
	sl_rowset_retarget(&w->rs, mt->ndata, mt->data_cols); /* keeps its memory */
	/* Rows go straight into data files where nothing else reads them. */
	if ((rc = sl_pipeline_row_stream(p, mt->t, mt->ndata, mt->data_cols, &direct)))
		goto out;
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		if ((rc = charge_reads(m, w, false)))
			break;
		unsigned long *lens = mysql_fetch_lengths(res);
		if (direct) {
			if ((rc = sl_row_stream_add(direct, (const char *const *)row, lens)))
				break;
			continue;
		}
		if (sl_rowset_add_row(&w->rs, (const char *const *)row, lens)) {
			rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
			break;
		}
		if (sl_rowset_bytes(&w->rs) >= batch) {
			rc = sl_pipeline_emit_rows(p, mt->t, &w->rs);
			w->rows += w->rs.nrows;
			sl_rowset_reset(&w->rs);
			if (rc)
				break;
		}
	}
	if (!rc && mysql_errno(w->conn)) {
		struct sl_buf what = SL_BUF_INIT;
		sl_buf_printf(&what, "reading %s.%s", mt->t->schema, mt->t->name);
		rc = mdb_fail(m, w->conn, what.data ? what.data : mt->t->name);
		sl_buf_free(&what);
	}
	/* Not after a read error: libmariadb has let go of the connection's
	 * socket then, and asking it for the bytes read crashes (a cancel
	 * cuts the socket under a fetch). */
	if (!rc)
		rc = charge_reads(m, w, true);
	if (!rc && w->rs.nrows) {
		rc = sl_pipeline_emit_rows(p, mt->t, &w->rs);
		w->rows += w->rs.nrows;
	}
	if (direct) {
		uint64_t rows = 0;
		int crc = sl_row_stream_close(direct, !rc, &rows);
		rc = rc ? rc : crc;
		w->rows += rows;
		direct = NULL;
	}
	sl_rowset_reset(&w->rs);
	w->jobs++;
out:
	/* After a failure the rest of the result must not be read (freeing a
	 * half-read result drains it): cut the socket first, so the free fails
	 * fast and the server aborts the query. */
	if (res && rc)
		shutdown(mysql_get_socket(w->conn), SHUT_RDWR);
	if (res)
		mysql_free_result(res);
	sl_row_stream_close(direct, false, NULL);
	sl_buf_free(&q);
	return rc;
}
