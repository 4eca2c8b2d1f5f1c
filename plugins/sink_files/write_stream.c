/* write_stream.c - the files sink's stream writers: the sluice stream, or
 * mydumper's (`--stream-format mydumper`), on a file descriptor (standard
 * output, a pipe to an HTTP response, the file of --result-file), or as
 * one object (--result-file s3://...), which appears only when the run
 * succeeded (output_s3.c).
 *
 * The sluice stream: the version line, one frame per file (header + exact
 * body), a table-end line after each table's last data frame (written with
 * the next frame's header: one write, and no line a cancel could cut
 * apart), and at close the trailer with the run's status, counts, binlog
 * position and every complete table's rows, all read off the sink's
 * manifest (format/stream.h).  mydumper's stream, as its stream thread
 * writes it from 0.14 on, so that `myloader --stream` reads it: a frame
 * "\n-- NAME SIZE\n" + body per file, metadata.header first and, after a
 * run that succeeded, the final `metadata` (mydumper's "the dump is
 * complete"; format/manifest.h).  Both write the same files under the same
 * names; only the framing differs.  It only writes bytes: encoding was done by the
 * producing threads.  Writes are interrupted by the pipeline (SIGUSR1 ->
 * EINTR) when the run is cancelled, so a stalled reader cannot hold the
 * process; close() then finishes the interrupted frame and writes the
 * error trailer within a short deadline, so the stream stays framed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/input.h"
#include "engine/pipeline.h"
#include "files.h"
#include "format/stream.h"

struct stream_writer {
	int fd;
	bool mydumper;            /* mydumper's framing */
	bool owned_fd;            /* --result-file */
	struct sl_s3_upload *up;  /* --result-file s3://...: the object, or NULL */
	bool broken;              /* the reader went away: write nothing more */
	struct sl_buf header;     /* header of the frame being written, or the trailer */
	struct sl_buf ends;       /* table-end lines to go before the next header */
	size_t written;           /* bytes of header + body written so far */
	struct sl_batch *partial; /* a frame a cancel interrupted, finished at close */
};

/* Write w->header then b's body (b may be NULL), from offset w->written.
 * Without a deadline (deadline < 0) writes block, and a cancel interrupts
 * them: SL_ECANCEL, with w->written telling how far it got.  With one,
 * each write first waits in poll() and is at most PIPE_BUF bytes, so it
 * cannot block past the deadline.  SL_EIO when the reader is gone. */
static int write_frame(struct files_sink *s, struct stream_writer *w, const struct sl_batch *b,
                       long deadline)
{
	size_t hl = w->header.len, bl = b ? b->body.len : 0, total = hl + bl;
	if (w->up) {
		/* Into the object: waits only for a part's buffer to be free. */
		int rc = files_upload_write(s, w->up, w->header.data, hl);
		if (!rc && bl)
			rc = files_upload_write(s, w->up, b->body.data, bl);
		return rc;
	}
	while (w->written < total) {
		struct iovec iov[2];
		int n = 0;
		if (w->written < hl) {
			iov[n++] = (struct iovec){w->header.data + w->written, hl - w->written};
			if (bl)
				iov[n++] = (struct iovec){b->body.data, bl};
		} else {
			iov[n++] =
			    (struct iovec){b->body.data + (w->written - hl), total - w->written};
		}
		if (deadline >= 0) {
			long left = deadline - files_now_ms();
			struct pollfd pfd = {.fd = w->fd, .events = POLLOUT};
			if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
				w->broken = true;
				return SL_EIO; /* the reader stalled: the stream stays incomplete */
			}
			n = 1;
			if (iov[0].iov_len > PIPE_BUF)
				iov[0].iov_len = PIPE_BUF;
		} else if (sl_pipeline_cancelled(s->inst->pipe)) {
			return SL_ECANCEL;
		}
		ssize_t k = writev(w->fd, iov, n);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue; /* a cancel is seen at the top of the loop */
			w->broken = true;
			if (errno == EPIPE)
				return sl_pipeline_fail(s->inst->pipe, SL_EIO,
				                        "stdout: the reader closed the pipe");
			return sl_pipeline_fail(s->inst->pipe, SL_EIO, "stdout: write failed: %s",
			                        strerror(errno));
		}
		w->written += (size_t)k;
	}
	w->written = 0;
	return 0;
}

static int stream_init(struct files_sink *s)
{
	struct stream_writer *w = sl_calloc(1, sizeof(*w));
	if (!w)
		return SL_ENOMEM;
	w->fd = s->cfg->fd > 0 ? (int)s->cfg->fd : STDOUT_FILENO;
	w->mydumper = s->container == FILES_MYDUMPER;
	s->state = w;
	if (s->cfg->result_file && !s->s3) {
		/* As mysqldump -r: created or truncated; a failed dump leaves its
		 * error trailer there, a killed one no trailer at all. */
		w->fd = open(s->cfg->result_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (w->fd < 0)
			return sl_pipeline_fail(s->inst->pipe, SL_EIO, "cannot create %s: %s",
			                        s->cfg->result_file, strerror(errno));
		w->owned_fd = true;
	}
	sl_pipe_widen(w->fd);
	return 0;
}

/* Write one whole mydumper frame: 'name' with body p[0..len). */
static int mydumper_frame(struct files_sink *s, struct stream_writer *w, const char *name,
                          const char *p, size_t len, long deadline)
{
	struct sl_batch b = {.body = {.data = (char *)p, .len = len}};
	sl_buf_reset(&w->header);
	w->written = 0;
	int rc = sl_stream_put_mydumper_header(&w->header, name, len);
	return rc ? rc : write_frame(s, w, &b, deadline);
}

static void stream_destroy(struct files_sink *s)
{
	struct stream_writer *w = s->state;
	if (!w)
		return;
	sl_batch_release(w->partial);
	sl_buf_free(&w->header);
	sl_buf_free(&w->ends);
	files_upload_free(s, w->up);
	if (w->owned_fd)
		close(w->fd);
	sl_free(w);
	s->state = NULL;
}

static int stream_open(struct files_sink *s)
{
	struct stream_writer *w = s->state;
	/* An object is replaced, as --result-file replaces a file. */
	if (s->s3) {
		int rc = files_upload_open(s, true, &w->up);
		if (rc)
			return rc;
	}
	sl_buf_reset(&w->header);
	if (w->mydumper) {
		/* myloader reads metadata.header before any other file. */
		struct sl_buf meta = SL_BUF_INIT;
		int rc = sl_manifest_metadata_header(&s->man, &meta);
		if (!rc)
			rc = mydumper_frame(s, w, "metadata.header", meta.data, meta.len, -1);
		sl_buf_free(&meta);
		return rc;
	}
	int rc = sl_stream_put_version(&w->header);
	return rc ? rc : write_frame(s, w, NULL, -1);
}

/* Start w->header with the table-end lines held for it. */
static int take_ends(struct stream_writer *w)
{
	sl_buf_reset(&w->header);
	int rc = w->ends.len ? sl_buf_append(&w->header, w->ends.data, w->ends.len) : 0;
	sl_buf_reset(&w->ends);
	return rc;
}

static int stream_put(struct files_sink *s, const struct sl_batch *b, uint64_t hash)
{
	struct stream_writer *w = s->state;
	int rc = take_ends(w);
	if (rc)
		return rc;
	rc = w->mydumper ? sl_stream_put_mydumper_header(&w->header, b->name, b->body.len)
	                 : sl_stream_put_frame_header(&w->header, b->name, b->body.len, hash);
	if (rc)
		return rc;
	rc = write_frame(s, w, b, -1);
	if (rc == SL_ECANCEL && w->written > 0) {
		/* Finished at close, so it counts as written. */
		w->partial = sl_batch_ref((struct sl_batch *)b);
		return 0;
	}
	return rc;
}

/* The trailer's table lines: the complete tables of the manifest.  Caller
 * frees *out (not the strings, which stay the manifest's). */
static int trailer_tables(const struct sl_manifest *m, struct sl_stream_table_count **out,
                          size_t *n)
{
	*n = 0;
	*out = sl_calloc(m->ntables + 1, sizeof(**out));
	if (!*out)
		return SL_ENOMEM;
	for (size_t i = 0; i < m->ntables; i++) {
		const struct sl_manifest_table *t = m->tables[i];
		if (t->complete && t->name[0])
			(*out)[(*n)++] = (struct sl_stream_table_count){
			    .schema = t->schema, .name = t->name, .rows = t->rows};
	}
	return 0;
}

/* The end of the stream: the trailer, or mydumper's final metadata. */
static int stream_end(struct files_sink *s, const struct sl_run_summary *sum)
{
	struct stream_writer *w = s->state;
	if (w->broken)
		return 0; /* nobody is reading; the error is already recorded */
	/* After an error the trailer must still go out, but a stalled reader may
	 * not hold the process for long: writes then wait at most this long. */
	long deadline = sum->status ? files_now_ms() + (long)s->cfg->trailer_wait : -1;
	if (w->partial) {
		/* Keep the stream framed: the rest of the interrupted frame first. */
		int rc = write_frame(s, w, w->partial, deadline);
		sl_batch_release(w->partial);
		w->partial = NULL;
		if (rc)
			return sum->status ? 0 : rc;
	}
	if (w->mydumper) {
		/* The final metadata says the dump finished: only after success
		 * (mydumper writes none after a failure either). */
		if (sum->status)
			return 0;
		struct sl_buf meta = SL_BUF_INIT;
		int rc = sl_manifest_metadata_final(&s->man, &meta);
		if (!rc)
			rc = mydumper_frame(s, w, SL_METADATA_NAME, meta.data, meta.len, -1);
		sl_buf_free(&meta);
		return rc;
	}
	struct sl_stream_table_count *tables = NULL;
	size_t ntables = 0;
	int rc = trailer_tables(&s->man, &tables, &ntables);
	struct sl_stream_trailer t = {
	    .ok = sum->status == 0,
	    .error = s->man.error,
	    .files = s->man.files,
	    .rows = s->man.rows,
	    .bytes = s->man.bytes,
	    .binlog_file = sum->info->binlog_file,
	    .binlog_pos = sum->info->binlog_pos,
	    .gtid = sum->info->gtid,
	    .ntables = ntables,
	    .tables = tables,
	    .left_out = s->man.left_out,
	    .nleft_out = s->man.nleft_out,
	};
	w->written = 0;
	if (!rc)
		rc = take_ends(w);
	if (!rc)
		rc = sl_stream_put_trailer(&w->header, &t);
	if (!rc)
		rc = write_frame(s, w, NULL, deadline);
	sl_free(tables);
	/* After a failed run, that failure is what the user is told. */
	return sum->status ? 0 : rc;
}

/* A table's data is complete: its table-end line goes out with the next
 * frame (mydumper's stream has none). */
static int stream_end_table(struct files_sink *s, const struct sl_manifest_table *t)
{
	struct stream_writer *w = s->state;
	if (w->mydumper || !t->name[0])
		return 0;
	int rc = sl_stream_put_table_end(&w->ends, t->schema, t->name, t->rows);
	if (rc)
		return sl_pipeline_fail(s->inst->pipe, rc,
		                        rc == SL_ENOMEM ? "out of memory"
		                                        : "%s.%s: no table-end line for this name",
		                        t->schema, t->name);
	return 0;
}

static int stream_close(struct files_sink *s, const struct sl_run_summary *sum)
{
	struct stream_writer *w = s->state;
	if (w->up && sum->status)
		return 0; /* not completed: destroy() aborts the upload, no object appears */
	int rc = stream_end(s, sum);
	if (!rc && w->up)
		rc = files_upload_finish(s, w->up);
	return rc;
}

const struct files_writer files_stream_writer = {
    .init = stream_init,
    .open = stream_open,
    .put = stream_put,
    .end_table = stream_end_table,
    .close = stream_close,
    .destroy = stream_destroy,
};

/* The same writer; stream_init() reads the container. */
const struct files_writer files_mydumper_writer = {
    .init = stream_init,
    .open = stream_open,
    .put = stream_put,
    .close = stream_close,
    .destroy = stream_destroy,
};
