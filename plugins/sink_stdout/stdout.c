/* stdout.c - sink plugin "stdout": the sluice stream on standard output.
 *
 * Writes the version line, one frame per file batch (header + exact body),
 * and at close the trailer with the run's status, counts, binlog position
 * and per-table row counts (stream.h).  It only writes bytes: encoding was
 * done by the producing threads.  Writes are interrupted by the pipeline
 * (SIGUSR1 -> EINTR) when the run is cancelled, so a stalled reader cannot
 * hold the process. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "alloc.h"
#include "batch.h"
#include "pipeline.h"
#include "stream.h"
#include "table.h"

struct stdout_config {
	char unused; /* no options yet */
};

static const struct sl_option stdout_options[] = {SL_OPTION_END};

struct stdout_sink {
	int fd;
	bool broken; /* the reader went away: write nothing more */
	struct sl_buf header;
	size_t ntables, cap_tables;
	struct sl_stream_table_count *tables;
};

/* Write all of iov, retrying short writes.  SL_EIO with a message on a
 * write error (EPIPE: the reader closed the pipe), SL_ECANCEL when the run
 * was cancelled while blocked. */
static int write_all(struct sl_instance *inst, struct stdout_sink *s, struct iovec *iov, int n)
{
	while (n > 0) {
		if (sl_pipeline_cancelled(inst->pipe))
			return SL_ECANCEL;
		ssize_t w = writev(s->fd, iov, n);
		if (w < 0) {
			if (errno == EINTR) {
				if (sl_pipeline_cancelled(inst->pipe))
					return SL_ECANCEL;
				continue;
			}
			s->broken = true;
			if (errno == EPIPE)
				return sl_pipeline_fail(inst->pipe, SL_EIO,
				                        "stdout: the reader closed the pipe");
			return sl_pipeline_fail(inst->pipe, SL_EIO, "stdout: write failed: %s",
			                        strerror(errno));
		}
		size_t done = (size_t)w;
		while (n > 0 && done >= iov[0].iov_len) {
			done -= iov[0].iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov[0].iov_base = (char *)iov[0].iov_base + done;
			iov[0].iov_len -= done;
		}
	}
	return 0;
}

static int stdout_init(struct sl_instance *inst)
{
	struct stdout_sink *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->fd = STDOUT_FILENO;
	inst->data = s;
	return 0;
}

static void stdout_destroy(struct sl_instance *inst)
{
	struct stdout_sink *s = inst->data;
	if (!s)
		return;
	for (size_t i = 0; i < s->ntables; i++) {
		sl_free(s->tables[i].schema);
		sl_free(s->tables[i].name);
	}
	sl_free(s->tables);
	sl_buf_free(&s->header);
	sl_free(s);
}

static int stdout_open(struct sl_instance *inst)
{
	struct stdout_sink *s = inst->data;
	sl_buf_reset(&s->header);
	int rc = sl_stream_put_version(&s->header);
	if (rc)
		return rc;
	struct iovec iov = {s->header.data, s->header.len};
	return write_all(inst, s, &iov, 1);
}

static int remember_table(struct stdout_sink *s, const struct sl_batch *b)
{
	if (s->ntables == s->cap_tables) {
		size_t cap = s->cap_tables ? s->cap_tables * 2 : 64;
		void *p = sl_realloc(s->tables, cap * sizeof(*s->tables));
		if (!p)
			return SL_ENOMEM;
		s->tables = p;
		s->cap_tables = cap;
	}
	struct sl_stream_table_count *tc = &s->tables[s->ntables];
	tc->schema = sl_strdup(b->schema ? b->schema : b->table->schema);
	tc->name = sl_strdup(b->table->name);
	tc->rows = b->rows;
	if (!tc->schema || !tc->name) {
		sl_free(tc->schema);
		sl_free(tc->name);
		return SL_ENOMEM;
	}
	s->ntables++;
	return 0;
}

static int stdout_consume(struct sl_instance *inst, struct sl_batch *b)
{
	struct stdout_sink *s = inst->data;
	if (b->kind == SL_BATCH_TABLE_END)
		return remember_table(s, b);
	sl_buf_reset(&s->header);
	int rc = sl_stream_put_frame_header(&s->header, b->name, b->body.len);
	if (rc)
		return rc;
	struct iovec iov[2] = {{s->header.data, s->header.len}, {b->body.data, b->body.len}};
	return write_all(inst, s, iov, b->body.len ? 2 : 1);
}

static int stdout_close(struct sl_instance *inst, const struct sl_run_summary *sum)
{
	struct stdout_sink *s = inst->data;
	if (s->broken)
		return 0; /* nobody is reading; the error is already recorded */
	struct sl_stream_trailer t = {
	    .ok = sum->status == 0,
	    .error =
	        (char *)(sum->status ? (sum->error ? sum->error : sl_strerror(sum->status)) : NULL),
	    .files = sum->files,
	    .rows = sum->rows,
	    .bytes = sum->bytes,
	    .binlog_file = sum->info->binlog_file,
	    .binlog_pos = sum->info->binlog_pos,
	    .gtid = sum->info->gtid,
	    .ntables = s->ntables,
	    .tables = s->tables,
	};
	sl_buf_reset(&s->header);
	int rc = sl_stream_put_trailer(&s->header, &t);
	if (rc)
		return rc;
	struct iovec iov = {s->header.data, s->header.len};
	/* The trailer is written even after a cancel: it is what tells the next
	 * tool that the stream is incomplete. */
	ssize_t left = (ssize_t)iov.iov_len;
	const char *p = iov.iov_base;
	while (left > 0) {
		ssize_t w = write(s->fd, p, (size_t)left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			s->broken = true;
			return sum->status ? 0 : SL_EIO;
		}
		p += w;
		left -= w;
	}
	return 0;
}

const struct sl_plugin sl_sink_stdout = {
    .abi = SL_PLUGIN_ABI,
    .struct_size = sizeof(struct sl_plugin),
    .name = "stdout",
    .kind = SL_PLUGIN_SINK,
    .summary = "the sluice SQL stream on standard output",
    .options = stdout_options,
    .config_size = sizeof(struct stdout_config),
    .init = stdout_init,
    .destroy = stdout_destroy,
    .format = "sql",
    .open = stdout_open,
    .consume = stdout_consume,
    .close = stdout_close,
};
