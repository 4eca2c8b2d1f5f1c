/* stdout.c - sink plugin "stdout": the sluice stream on standard output.
 *
 * Writes the version line, one frame per file batch (header + exact body),
 * and at close the trailer with the run's status, counts, binlog position
 * and per-table row counts (stream.h).  It only writes bytes: encoding was
 * done by the producing threads.  Writes are interrupted by the pipeline
 * (SIGUSR1 -> EINTR) when the run is cancelled, so a stalled reader cannot
 * hold the process; close() then finishes the interrupted frame and writes
 * the error trailer within a short deadline, so the stream stays framed. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "batch.h"
#include "pipeline.h"
#include "stream.h"
#include "table.h"

struct stdout_config {
	long long fd;           /* where the stream goes: 1, or a pipe to an HTTP response */
	long long trailer_wait; /* ms the error trailer may wait for a slow reader */
	int format;             /* index in sl_data_formats */
};

static const struct sl_option stdout_options[] = {
    {.name = "fd",
     .type = SL_OPT_INT,
     .flags = SL_OPTF_HIDDEN,
     .def = "1",
     .offset = offsetof(struct stdout_config, fd),
     .arg = "N",
     .help = "write the stream to this file descriptor (the caller's to close; sluice serve)",
     .min = 1,
     .max = INT_MAX},
    {.name = "trailer-wait",
     .type = SL_OPT_INT,
     .flags = SL_OPTF_HIDDEN,
     .def = "2000",
     .offset = offsetof(struct stdout_config, trailer_wait),
     .arg = "MS",
     .help = "after an error, how long the rest of a frame and the trailer may wait for the "
             "reader",
     .min = 0,
     .max = 3600000},
    SL_DATA_FORMAT_OPTION(offsetof(struct stdout_config, format)),
    SL_OPTION_END};

struct stdout_sink {
	int fd;
	bool broken;                 /* the reader went away: write nothing more */
	struct sl_buf header;        /* header of the frame being written, or the trailer */
	size_t written;              /* bytes of header + body written so far */
	struct sl_batch *partial;    /* a frame a cancel interrupted, finished at close */
	uint64_t files, rows, bytes; /* what this stream holds, for the trailer */
	size_t ntables, cap_tables;
	struct sl_stream_table_count *tables;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Write s->header then b's body (b may be NULL), from offset s->written.
 * Without a deadline (deadline < 0) writes block, and a cancel interrupts
 * them: SL_ECANCEL, with s->written telling how far it got.  With one,
 * each write first waits in poll() and is at most PIPE_BUF bytes, so it
 * cannot block past the deadline.  SL_EIO when the reader is gone. */
static int write_frame(struct sl_instance *inst, struct stdout_sink *s, const struct sl_batch *b,
                       long deadline)
{
	size_t hl = s->header.len, bl = b ? b->body.len : 0, total = hl + bl;
	while (s->written < total) {
		struct iovec iov[2];
		int n = 0;
		if (s->written < hl) {
			iov[n++] = (struct iovec){s->header.data + s->written, hl - s->written};
			if (bl)
				iov[n++] = (struct iovec){b->body.data, bl};
		} else {
			iov[n++] =
			    (struct iovec){b->body.data + (s->written - hl), total - s->written};
		}
		if (deadline >= 0) {
			long left = deadline - now_ms();
			struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};
			if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
				s->broken = true;
				return SL_EIO; /* the reader stalled: the stream stays incomplete */
			}
			n = 1;
			if (iov[0].iov_len > PIPE_BUF)
				iov[0].iov_len = PIPE_BUF;
		} else if (sl_pipeline_cancelled(inst->pipe)) {
			return SL_ECANCEL;
		}
		ssize_t w = writev(s->fd, iov, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue; /* a cancel is seen at the top of the loop */
			s->broken = true;
			if (errno == EPIPE)
				return sl_pipeline_fail(inst->pipe, SL_EIO,
				                        "stdout: the reader closed the pipe");
			return sl_pipeline_fail(inst->pipe, SL_EIO, "stdout: write failed: %s",
			                        strerror(errno));
		}
		s->written += (size_t)w;
	}
	s->written = 0;
	return 0;
}

static int stdout_init(struct sl_instance *inst)
{
	struct stdout_sink *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->fd = (int)((struct stdout_config *)inst->config)->fd;
	inst->format = sl_data_formats[((struct stdout_config *)inst->config)->format];
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
	sl_batch_release(s->partial);
	sl_buf_free(&s->header);
	sl_free(s);
}

static int stdout_open(struct sl_instance *inst)
{
	struct stdout_sink *s = inst->data;
	sl_buf_reset(&s->header);
	int rc = sl_stream_put_version(&s->header);
	return rc ? rc : write_frame(inst, s, NULL, -1);
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
	tc->name = sl_strdup(sl_batch_table_name(b));
	tc->rows = b->rows;
	if (!tc->schema || !tc->name) {
		sl_free(tc->schema);
		sl_free(tc->name);
		return SL_ENOMEM;
	}
	s->ntables++;
	return 0;
}

static void count_frame(struct stdout_sink *s, const struct sl_batch *b)
{
	s->files++;
	s->bytes += b->body.len;
	if (b->file_kind == SL_FILE_DATA)
		s->rows += b->rows;
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
	rc = write_frame(inst, s, b, -1);
	if (rc == SL_ECANCEL && s->written > 0)
		s->partial = sl_batch_ref(b); /* finished at close */
	if (rc == 0 || s->partial)
		count_frame(s, b);
	return rc;
}

static int stdout_close(struct sl_instance *inst, const struct sl_run_summary *sum)
{
	struct stdout_sink *s = inst->data;
	if (s->broken)
		return 0; /* nobody is reading; the error is already recorded */
	/* After an error the trailer must still go out, but a stalled reader may
	 * not hold the process for long: writes then wait at most this long. */
	long wait = (long)((struct stdout_config *)inst->config)->trailer_wait;
	long deadline = sum->status ? now_ms() + wait : -1;
	if (s->partial) {
		/* Keep the stream framed: the rest of the interrupted frame first. */
		int rc = write_frame(inst, s, s->partial, deadline);
		sl_batch_release(s->partial);
		s->partial = NULL;
		if (rc)
			return sum->status ? 0 : rc;
	}
	struct sl_stream_trailer t = {
	    .ok = sum->status == 0,
	    .error =
	        (char *)(sum->status ? (sum->error ? sum->error : sl_strerror(sum->status)) : NULL),
	    .files = s->files,
	    .rows = s->rows,
	    .bytes = s->bytes,
	    .binlog_file = sum->info->binlog_file,
	    .binlog_pos = sum->info->binlog_pos,
	    .gtid = sum->info->gtid,
	    .ntables = s->ntables,
	    .tables = s->tables,
	};
	sl_buf_reset(&s->header);
	s->written = 0;
	int rc = sl_stream_put_trailer(&s->header, &t);
	if (!rc)
		rc = write_frame(inst, s, NULL, deadline);
	/* After a failed run, that failure is what the user is told. */
	return sum->status ? 0 : rc;
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
