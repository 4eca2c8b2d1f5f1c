/* stream.c - source plugin "stream": read the sluice stream format (stream.h)
 * from standard input or a file and emit its files as batches.
 *
 * One reader thread (max_workers = 1) reads large chunks and feeds the
 * incremental parser of core/stream.c, which frames the input by exact
 * lengths and never scans bodies.  Each frame becomes one file batch: its
 * name is classified into an sl_file_kind and a (database, table) with
 * fname.h's decoding, and the body is collected into a buffer of exactly
 * the frame's length.  A finished frame is held back until the next header
 * line (or the stream's trailer) has been read and found valid, so a frame
 * whose length was corrupted to a smaller value never reaches a sink.
 * Emitting blocks while sinks are behind: that is the backpressure that
 * stops us reading, and then the writer on the other end of the pipe.
 *
 * At the trailer the counts of files and bytes are checked against what was
 * read, the binlog position and GTID go into the run's info, and every
 * table the trailer lists as complete gets its end-of-table record.  An
 * error trailer stops the run at once (also with --continuous: nothing is
 * read past a broken dump).  Any malformed or incomplete input ends the run
 * with SL_EFORMAT and one message naming the input and the byte offset.
 *
 * Tables: one struct sl_table per distinct (database, table), in a
 * tableset (core/tableset.h), so 100k tables cost no linear search per
 * frame.  Cancellation: before each read() we poll() the
 * input and a self-pipe that interrupt() writes to, so a read on a stalled
 * pipe returns at once when the run is cancelled. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "batch.h"
#include "buf.h"
#include "fname.h"
#include "pipeline.h"
#include "stream.h"
#include "table.h"
#include "tableset.h"
#include "input.h"
#include "wakeup.h"

#define STREAM_READ_CHUNK (1u << 20)          /* bytes per read() */
#define STREAM_MAX_FRAME  (UINT64_C(1) << 30) /* largest frame body accepted */

struct stream_config {
	char *input;
	bool continuous;
};

#define CFG(field) offsetof(struct stream_config, field)

static const struct sl_option stream_options[] = {
    {.name = "input",
     .short_name = 'i',
     .type = SL_OPT_STRING,
     .def = "-",
     .offset = CFG(input),
     .arg = "FILE",
     .help = "read the stream from this file ('-': standard input)"},
    {.name = "continuous",
     .type = SL_OPT_BOOL,
     .offset = CFG(continuous),
     .help = "accept several streams back to back (nc -k -l PORT | sluice ...), each "
             "handled as it arrives, until the end of the input"},
    SL_OPTION_END};

struct stream_source {
	struct sl_instance *inst;
	const struct stream_config *cfg;
	int fd;                /* the input, -1 before prepare() */
	bool owned_fd;         /* opened by us (not stdin): closed in destroy() */
	struct sl_wakeup wake; /* interrupt() wakes work() waiting for input */
	const char *source;    /* the input's name in messages: a path or "stdin" */
	char *buf;             /* read buffer, STREAM_READ_CHUNK bytes */
	struct sl_stream_reader *reader;

	struct sl_batch *cur;     /* frame being read, or NULL */
	struct sl_batch *pending; /* complete frame not yet emitted, or NULL */

	/* The stream being read: what its trailer must match. */
	uint64_t files, bytes;
	uint64_t nstreams; /* streams completed */

	struct sl_tableset tables; /* every table met, owned */

	struct sl_buf db, tbl; /* decoded names of the current frame */
};

/* --- file names ------------------------------------------------------------ */

/* True when s is exactly the C string 'lit'. */
static bool stream_is(const char *s, const char *lit)
{
	return strcmp(s, lit) == 0;
}

/* ".NNNNN.ext": 5 digits or more, then a data format's extension. */
static bool stream_data_suffix(const char *s)
{
	size_t n = 0;

	if (*s++ != '.')
		return false;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n < 5)
		return false;
	s += n;
	return stream_is(s, ".sql") || stream_is(s, ".csv") || stream_is(s, ".tsv") ||
	       stream_is(s, ".jsonl");
}

/* Classify a frame's file name (fname.h's layout) and decode its database
 * and table parts into s->db and s->tbl (tbl empty for database files).
 * 0 with *kind (OUT), SL_EFORMAT for a name outside the layout, or
 * SL_ENOMEM. */
static int stream_classify(struct stream_source *s, const char *name, enum sl_file_kind *kind)
{
	size_t dblen = strcspn(name, ".-");
	const char *tbl = NULL, *rest = name + dblen;
	size_t tbllen = 0;
	int rc;

	if (*rest == '-') {
		if (stream_is(rest, "-schema-create.sql"))
			*kind = SL_FILE_SCHEMA_CREATE;
		else if (stream_is(rest, "-schema-post.sql"))
			*kind = SL_FILE_POST;
		else
			return SL_EFORMAT;
	} else if (*rest == '.') {
		tbl = rest + 1;
		tbllen = strcspn(tbl, ".-");
		rest = tbl + tbllen;
		if (stream_is(rest, "-schema.sql"))
			*kind = SL_FILE_TABLE_SCHEMA;
		else if (stream_is(rest, "-schema-triggers.sql"))
			*kind = SL_FILE_TRIGGERS;
		else if (stream_is(rest, "-schema-view.sql"))
			*kind = SL_FILE_VIEW;
		else if (stream_data_suffix(rest))
			*kind = SL_FILE_DATA;
		else
			return SL_EFORMAT;
	} else {
		return SL_EFORMAT;
	}
	if (dblen == 0 || (tbl && tbllen == 0))
		return SL_EFORMAT;
	sl_buf_reset(&s->db);
	sl_buf_reset(&s->tbl);
	/* Decoding NUL-terminates (and names never decode to an empty string). */
	if ((rc = sl_fname_decode(&s->db, name, dblen)) != 0)
		return rc;
	if (tbl && (rc = sl_fname_decode(&s->tbl, tbl, tbllen)) != 0)
		return rc;
	return 0;
}

/* --- reader callbacks ------------------------------------------------------- */

/* Decimal digits of v. */
static size_t stream_ndigits(uint64_t v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Hand the held-back frame to the sinks.  0, or the emit's status (the run
 * is cancelled then). */
static int stream_flush_pending(struct stream_source *s)
{
	struct sl_batch *b = s->pending;

	if (!b)
		return 0;
	s->pending = NULL;
	return sl_pipeline_emit(s->inst->pipe, b);
}

static int stream_on_frame_begin(void *ud, const char *name, uint64_t len)
{
	struct stream_source *s = ud;
	struct sl_pipeline *p = s->inst->pipe;
	enum sl_file_kind kind = SL_FILE_DATA;
	struct sl_table *t = NULL;
	int rc;

	/* The header line just read is valid: the frame before it was exactly
	 * as long as it said. */
	if ((rc = stream_flush_pending(s)) != 0)
		return rc;
	/* Offset of this header line: "-- sluice frame <len> <name>\n". */
	uint64_t at = sl_stream_reader_offset(s->reader) -
	              (sizeof("-- sluice frame ") - 1 + stream_ndigits(len) + 1 + strlen(name) + 1);
	rc = stream_classify(s, name, &kind);
	if (rc == SL_EFORMAT)
		return sl_pipeline_fail(p, rc,
		                        "%s: byte %" PRIu64 ": unknown file name '%s' in a frame "
		                        "header (not in the layout of a sluice dump)",
		                        s->source, at, name);
	if (rc)
		return sl_pipeline_fail(p, rc, "%s: out of memory", s->source);
	if (len > STREAM_MAX_FRAME)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: byte %" PRIu64 ": frame %s is %" PRIu64
		                        " bytes long, more than the limit of %" PRIu64
		                        " bytes (a corrupted length?)",
		                        s->source, at, name, len, STREAM_MAX_FRAME);
	if (s->tbl.len && (rc = sl_tableset_meet(&s->tables, p, s->db.data, s->tbl.data,
	                                         kind == SL_FILE_VIEW, &t)))
		return rc == SL_ENOMEM ? sl_pipeline_fail(p, rc, "%s: out of memory", s->source)
		                       : rc;
	struct sl_batch *b = sl_batch_new(SL_BATCH_FILE, kind, t, s->db.data, name);
	/* The exact body length (sl_buf_reserve would round up to a power of 2). */
	char *body = b ? sl_malloc((size_t)len + 1) : NULL;
	if (!body) {
		sl_batch_release(b);
		return sl_pipeline_fail(p, SL_ENOMEM,
		                        "%s: out of memory for frame %s (%" PRIu64 " bytes)",
		                        s->source, name, len);
	}
	body[0] = '\0';
	b->body.data = body;
	b->body.cap = (size_t)len + 1;
	s->cur = b;
	s->files++;
	s->bytes += len;
	return 0;
}

static int stream_on_frame_data(void *ud, const char *p, size_t n)
{
	struct stream_source *s = ud;
	/* Never grows: the body was sized to the frame's length. */
	return sl_buf_append(&s->cur->body, p, n) ? SL_EINTERNAL : 0;
}

static int stream_on_frame_end(void *ud)
{
	struct stream_source *s = ud;
	s->pending = s->cur;
	s->cur = NULL;
	return 0;
}

/* Replace *dst by a copy of src (NULL clears).  0 or SL_ENOMEM. */
static int stream_set_info(char **dst, const char *src)
{
	char *v = NULL;
	if (src && !(v = sl_strdup(src)))
		return SL_ENOMEM;
	sl_free(*dst);
	*dst = v;
	return 0;
}

static int stream_on_trailer(void *ud, const struct sl_stream_trailer *tr)
{
	struct stream_source *s = ud;
	struct sl_pipeline *p = s->inst->pipe;
	uint64_t at = sl_stream_reader_offset(s->reader);
	uint64_t rows = 0;
	int rc;

	if (!tr->ok)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: byte %" PRIu64 ": trailer status error: %s", s->source,
		                        at, tr->error ? tr->error : "(no message)");
	if (tr->files != s->files || tr->bytes != s->bytes)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: byte %" PRIu64 ": the trailer counts %" PRIu64
		                        " files of %" PRIu64 " bytes, the stream holds %" PRIu64
		                        " files of %" PRIu64 " bytes",
		                        s->source, at, tr->files, tr->bytes, s->files, s->bytes);
	for (size_t i = 0; i < tr->ntables; i++)
		rows += tr->tables[i].rows;
	if (rows != tr->rows)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: byte %" PRIu64
		                        ": the trailer's table lines add up to %" PRIu64
		                        " rows, its rows line says %" PRIu64,
		                        s->source, at, rows, tr->rows);
	/* The trailer is valid: the last frame was complete. */
	if ((rc = stream_flush_pending(s)) != 0)
		return rc;

	struct sl_run_info *info = sl_pipeline_info(p);
	if (stream_set_info(&info->binlog_file, tr->binlog_file) ||
	    stream_set_info(&info->gtid, tr->gtid))
		return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source);
	info->binlog_pos = tr->binlog_pos;

	for (size_t i = 0; i < tr->ntables; i++) {
		struct sl_table *t =
		    sl_tableset_get(&s->tables, tr->tables[i].schema, tr->tables[i].name, NULL);
		if (!t)
			return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source);
		atomic_store(&t->rows_done, tr->tables[i].rows);
		if ((rc = sl_pipeline_end_table(p, t)) != 0)
			return rc;
	}
	s->nstreams++;
	sl_instance_log(s->inst, SL_LOG_INFO,
	                "%s: stream %" PRIu64 " complete: %" PRIu64 " files, %" PRIu64
	                " bytes, %zu tables, %" PRIu64 " rows",
	                s->source, s->nstreams, s->files, s->bytes, tr->ntables, tr->rows);
	s->files = 0;
	s->bytes = 0;
	return 0;
}

/* --- the plugin ------------------------------------------------------------- */

static int stream_init(struct sl_instance *inst)
{
	struct stream_source *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->inst = inst;
	s->cfg = inst->config;
	s->fd = -1;
	inst->data = s;
	if (sl_wakeup_open(&s->wake) != 0)
		return sl_pipeline_fail(inst->pipe, SL_EIO, "stream: cannot create a pipe: %s",
		                        strerror(errno));
	return 0;
}

static void stream_destroy(struct sl_instance *inst)
{
	struct stream_source *s = inst->data;
	if (!s)
		return;
	sl_stream_reader_free(s->reader);
	sl_batch_release(s->cur);
	sl_batch_release(s->pending);
	sl_tableset_free(&s->tables);
	sl_buf_free(&s->db);
	sl_buf_free(&s->tbl);
	sl_free(s->buf);
	if (s->owned_fd && s->fd >= 0)
		close(s->fd);
	sl_wakeup_close(&s->wake);
	sl_free(s);
	inst->data = NULL;
}

/* Make a blocked work() return: poll() there sees the self-pipe readable.
 * Async-signal-safe, never blocks (the pipe is non-blocking; a full pipe is
 * readable already). */
static void stream_interrupt(struct sl_instance *inst)
{
	struct stream_source *s = inst->data;
	if (s)
		sl_wakeup_signal(&s->wake);
}

static int stream_prepare(struct sl_instance *inst)
{
	static const struct sl_stream_callbacks cb = {
	    .on_frame_begin = stream_on_frame_begin,
	    .on_frame_data = stream_on_frame_data,
	    .on_frame_end = stream_on_frame_end,
	    .on_trailer = stream_on_trailer,
	};
	struct stream_source *s = inst->data;
	struct sl_pipeline *p = inst->pipe;
	const char *path = s->cfg->input;

	if (!path || !path[0])
		return sl_pipeline_fail(p, SL_EUSAGE, "--input: empty file name");
	struct sl_error err = {0};
	int rc = sl_input_open(path, "pipe a stream in or use --input FILE", "", &s->fd,
	                       &s->owned_fd, &err);
	if (rc)
		return sl_pipeline_fail(p, rc, "%s", err.msg);
	s->source = strcmp(path, "-") ? path : "stdin";
	s->buf = sl_malloc(STREAM_READ_CHUNK);
	s->reader = sl_stream_reader_new(s->source, s->cfg->continuous, &cb, s);
	if (!s->buf || !s->reader)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	return 0;
}

/* Wait until the input is readable (or at its end).  0, or SL_ECANCEL when
 * the run is cancelled, or SL_EIO. */
static int stream_wait(struct stream_source *s)
{
	if (sl_pipeline_cancelled(s->inst->pipe))
		return SL_ECANCEL;
	int w = sl_wakeup_wait(&s->wake, s->fd);
	if (w < 0)
		return sl_pipeline_fail(s->inst->pipe, SL_EIO, "%s: poll failed: %s", s->source,
		                        strerror(errno));
	return w ? SL_ECANCEL : 0; /* 0: data, end of input or an error read() reports */
}

/* The reader stopped with 'rc': its own format error is the run's error;
 * a callback's stop has been recorded already. */
static int stream_reader_failed(struct stream_source *s, int rc, const struct sl_error *err)
{
	if (err->code)
		return sl_pipeline_fail(s->inst->pipe, err->code, "%s", err->msg);
	return rc;
}

static int stream_work(struct sl_instance *inst, unsigned worker)
{
	struct stream_source *s = inst->data;
	struct sl_error err = {0};
	int rc;

	(void)worker;
	for (;;) {
		if ((rc = stream_wait(s)) != 0)
			return rc;
		ssize_t n = read(s->fd, s->buf, STREAM_READ_CHUNK);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return sl_pipeline_fail(
			    inst->pipe, SL_EIO, "%s: byte %" PRIu64 ": read failed: %s", s->source,
			    sl_stream_reader_offset(s->reader), strerror(errno));
		}
		if (n == 0)
			break;
		if ((rc = sl_stream_reader_feed(s->reader, s->buf, (size_t)n, &err)) != 0)
			return stream_reader_failed(s, rc, &err);
	}
	if ((rc = sl_stream_reader_finish(s->reader, &err)) != 0)
		return stream_reader_failed(s, rc, &err);
	return 0;
}

const struct sl_plugin sl_source_stream = {
    .abi = SL_PLUGIN_ABI,
    .struct_size = sizeof(struct sl_plugin),
    .name = "stream",
    .kind = SL_PLUGIN_SOURCE,
    .summary = "a sluice stream from standard input or a file",
    .options = stream_options,
    .config_size = sizeof(struct stream_config),
    .init = stream_init,
    .destroy = stream_destroy,
    .prepare = stream_prepare,
    .work = stream_work,
    .interrupt = stream_interrupt,
    .max_workers = 1,
};
