/* fetch.c - stream one range of a table's rows into row blocks.
 *
 * Rows are read as the server sends them: nothing holds a whole table.  On
 * a plain connection (no TLS, no compression) sluice reads the result from
 * the socket itself (format/resultset.c, parsing in place what one large
 * read brought); otherwise through libmariadb's mysql_use_result().  Rows
 * are copied into the worker's rowset, or written straight into a data
 * file; every --batch-size bytes the block is handed to the pipeline, which
 * encodes it and blocks while the sinks are behind (backpressure reaches the
 * server through the unread socket).  --max-rate charges the bytes each
 * connection has read to one limiter shared by the workers, which makes a
 * worker wait while the rate is used up: the socket fills meanwhile and
 * the server slows down with it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <errmsg.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "mariadb.h"

/* The read buffer of a worker's own result reader: the rows of several
 * 16 KiB writes of the server per read(). */
#define WIRE_BUFFER (256 * 1024)

/* A read that brought less than WIRE_NAP_BELOW bytes found the worker
 * ahead of the server, which writes 16 KiB at a time: before the next
 * read the worker sleeps WIRE_NAP_NS, so that one wake-up takes the rows
 * of several of the server's writes instead of one (measured: the tool's
 * system time per 760 MiB 0.21-0.46 s -> 0.13-0.22 s, and the server's CPU
 * with it, since a write to a socket no reader waits on wakes no one).  A
 * server that is ahead fills the socket and the reads are large: no nap.
 * 100 us of rows at the server's pace (about 40 KiB) are far below the
 * socket's buffer, so the server does not wait for the worker meanwhile. */
#define WIRE_NAP_BELOW (32 * 1024)
#define WIRE_NAP_NS    (100 * 1000)

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
	if (!m->rate_on)
		return 0;
	if (w->wire_on)
		nread = (size_t)w->wire.bytes_read;
	else if (mariadb_get_infov(w->conn, MARIADB_CONNECTION_BYTES_READ, &nread))
		return 0;
	uint64_t due = (uint64_t)nread - w->charged;
	if (due == 0 || (!all && due < m->rate_step))
		return 0;
	w->charged = (uint64_t)nread;
	return sl_ratelimit_take(&m->rate, due);
}

/* Whether the worker's connection is plain, so sluice reads its results:
 * no TLS, and no compression, which an option file may have asked for
 * too (what libmariadb negotiated is in net.compress). */
static bool wire_usable(struct mdb_worker *w)
{
	return !w->conn->net.compress && !mysql_get_ssl_cipher(w->conn);
}

/* The socket as libmariadb set it, put back after a result read by
 * sluice: reads block (at most --read-timeout, SO_RCVTIMEO) rather than
 * poll() before each one, which cost a system call per server write. */
struct wire_socket {
	int fd;
	int flags;
	struct timeval timeo;
	bool sent;    /* a query went out: its answer is sluice's to read */
	bool saved;   /* flags and timeo are libmariadb's, to put back */
	ssize_t last; /* what the last read brought */
};

static int wire_socket_take(struct mdb_source *m, MYSQL *conn, struct wire_socket *s)
{
	s->fd = (int)mysql_get_socket(conn);
	socklen_t len = sizeof(s->timeo);
	long long limit = m->cfg->conn.read_timeout;
	struct timeval tv = {.tv_sec = limit > 0 ? (time_t)limit : 0};
	s->flags = fcntl(s->fd, F_GETFL);
	if (s->flags < 0 || getsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &s->timeo, &len))
		return -1;
	if ((s->flags & O_NONBLOCK) && fcntl(s->fd, F_SETFL, s->flags & ~O_NONBLOCK))
		return -1;
	s->saved = true;
	return setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void wire_socket_give_back(struct wire_socket *s)
{
	if (!s->saved)
		return;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &s->timeo, sizeof(s->timeo));
	if (s->flags & O_NONBLOCK)
		fcntl(s->fd, F_SETFL, s->flags);
	s->saved = false;
}

/* sl_resultset's read function on a wire_socket: what has arrived. */
static ssize_t wire_read(void *ctx, void *buf, size_t cap)
{
	struct wire_socket *s = ctx;
	if (s->last > 0 && s->last < WIRE_NAP_BELOW) {
		struct timespec nap = {0, WIRE_NAP_NS};
		nanosleep(&nap, NULL);
	}
	for (;;) {
		ssize_t n = recv(s->fd, buf, cap, 0);
		s->last = n;
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			errno = ETIMEDOUT; /* SO_RCVTIMEO ran out */
		return -1;
	}
}

/* A failure of the result reader as the pipeline's error, worded as
 * sl_mdb_fail() words libmariadb's. */
static int wire_fail(struct mdb_source *m, struct mdb_worker *w, const char *what, int rc)
{
	const struct sl_resultset *rs = &w->wire;
	if (sl_pipeline_cancelled(m->inst->pipe))
		return SL_ECANCEL;
	if (rc == SL_EDB)
		return sl_mdb_fail_with(&m->conns, what, rs->server_errno, rs->msg);
	if (rc == SL_EIO) {
		char msg[200];
		snprintf(msg, sizeof(msg), "Lost connection to server during query%s%s%s",
		         rs->read_errno ? " (" : "", rs->read_errno ? strerror(rs->read_errno) : "",
		         rs->read_errno ? ")" : "");
		return sl_mdb_fail_with(&m->conns, what, CR_SERVER_LOST, msg);
	}
	if (rc == SL_ENOMEM)
		return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
	return sl_pipeline_fail(m->inst->pipe, SL_EDB, "%s: %s", what, rs->msg);
}

/* Send the range's query and read the head of its result, through
 * libmariadb (*res) or, on a plain connection, sluice's reader (w->wire_on,
 * the socket taken in *sock). */
static int start_result(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt,
                        const struct sl_buf *q, struct wire_socket *sock, MYSQL_RES **res)
{
	w->wire_on = wire_usable(w);
	if (w->wire_on && !w->wire.buf) {
		unsigned long max = 0;
		mysql_get_optionv(w->conn, MYSQL_OPT_MAX_ALLOWED_PACKET, &max);
		if (sl_resultset_init(&w->wire, WIRE_BUFFER, max ? (size_t)max : (size_t)1 << 30))
			return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
	}
	if (!w->wire_on) {
		if (mysql_real_query(w->conn, q->data, q->len) ||
		    !(*res = mysql_use_result(w->conn)))
			return mdb_fail(m, w->conn, mt->t->name);
		return 0;
	}
	if (mysql_send_query(w->conn, q->data, q->len))
		return mdb_fail(m, w->conn, mt->t->name);
	sock->sent = true;
	if (wire_socket_take(m, w->conn, sock))
		return sl_pipeline_fail(m->inst->pipe, SL_EIO, "%s: setting up the connection: %s",
		                        mt->t->name, strerror(errno));
	int rc = sl_resultset_start(&w->wire, wire_read, sock, mt->ndata);
	return rc ? wire_fail(m, w, mt->t->name, rc) : 0;
}

/* The next row into *vals, *lens: 1, 0 after the last, or a failure. */
static int next_row(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt,
                    MYSQL_RES *res, const char *const **vals, const unsigned long **lens)
{
	int rc;
	if (w->wire_on) {
		if ((rc = sl_resultset_next(&w->wire)) == 1) {
			*vals = w->wire.vals;
			*lens = w->wire.lens;
		}
	} else {
		MYSQL_ROW row = mysql_fetch_row(res);
		if (row) {
			*vals = (const char *const *)row;
			*lens = mysql_fetch_lengths(res);
			return 1;
		}
		rc = mysql_errno(w->conn) ? SL_EDB : 0;
	}
	if (rc >= 0)
		return rc;
	struct sl_buf what = SL_BUF_INIT;
	sl_buf_printf(&what, "reading %s.%s", mt->t->schema, mt->t->name);
	const char *name = what.data ? what.data : mt->t->name;
	rc = w->wire_on ? wire_fail(m, w, name, rc) : mdb_fail(m, w->conn, name);
	sl_buf_free(&what);
	return rc;
}

int mdb_fetch_range(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt,
                    const char *range)
{
	struct sl_pipeline *p = m->inst->pipe;
	size_t batch = (size_t)sl_pipeline_config(p)->batch_size;
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	struct wire_socket sock = {.fd = -1};
	struct sl_row_stream *direct = NULL;
	int rc;

	if (build_query(&q, mt, range)) {
		rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = start_result(m, w, mt, &q, &sock, &res)))
		goto out;
	sl_rowset_retarget(&w->rs, mt->ndata, mt->data_cols); /* keeps its memory */
	/* Rows go straight into data files where nothing else reads them. */
	if ((rc = sl_pipeline_row_stream(p, mt->t, mt->ndata, mt->data_cols, &direct)))
		goto out;
	const char *const *row = NULL;
	const unsigned long *lens = NULL;
	while ((rc = next_row(m, w, mt, res, &row, &lens)) == 1) {
		if ((rc = charge_reads(m, w, false)))
			break;
		if (direct) {
			if ((rc = sl_row_stream_add(direct, row, lens)))
				break;
			continue;
		}
		if (sl_rowset_add_row(&w->rs, row, lens)) {
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
	 * half-read result drains it; libmariadb knows nothing of one sluice
	 * was reading): cut the socket first, so the free fails fast and the
	 * server aborts the query. */
	if (rc && (res || sock.sent))
		shutdown(mysql_get_socket(w->conn), SHUT_RDWR);
	wire_socket_give_back(&sock);
	if (res)
		mysql_free_result(res);
	sl_row_stream_close(direct, false, NULL);
	sl_buf_free(&q);
	return rc;
}
