/* read_stream.c - the files source's stream reader: the sluice stream
 * format (format/stream.h) from a file or standard input.
 *
 * Large reads feed the incremental parser of format/stream.c, which frames
 * the input by exact lengths and never scans bodies.  Each frame becomes
 * one file batch with a body of exactly the frame's length.  A finished
 * frame is held back until the next header line (or the stream's trailer)
 * has been read and found valid, so a frame whose length was corrupted to
 * a smaller value never reaches a sink.  Emitting blocks while sinks are
 * behind: that is the backpressure that stops us reading, and then the
 * writer on the other end of the pipe.
 *
 * A table-end line gives its table the end-of-table record at once (after
 * the held-back frame: its last data), so that a loader adds the table's
 * deferred indexes while later tables load.  At the trailer the counts of
 * files and bytes are checked against what was read, the binlog position
 * and GTID go into the run's info, and every other table the trailer lists
 * as complete gets its end-of-table record.  An
 * error trailer stops the run at once (also with --continuous: nothing is
 * read past a broken dump).  Any malformed or incomplete input ends the run
 * with SL_EFORMAT and one message naming the input and the byte offset. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "files.h"
#include "format/stream.h"

/* Bytes per read(): a widened pipe's whole capacity (sl_pipe_widen()), as
 * the other readers read.  With 256 KiB reads a loader at the end of
 * `sluice dump |` spent 0.14 s more system time per 760 MiB, spinning on
 * the pipe's lock while the writer filled it; read whole, the pipe is
 * refilled while the reader parses. */
#define STREAM_READ_CHUNK (1u << 20)

struct stream_reader {
	char *buf; /* read buffer, STREAM_READ_CHUNK bytes */
	struct sl_stream_reader *parser;
	struct files_file cur; /* frame being read */
	bool in_frame;
	struct sl_batch *pending; /* complete frame not yet emitted, or NULL */
	uint64_t files, bytes;    /* of the stream being read: what its trailer must say */
	uint64_t nstreams;        /* streams completed */
	bool check;               /* the frame being read has a checksum ... */
	uint64_t hash;            /* ... this one */
	uint64_t at;              /* offset of its header, for messages */
};

/* Decimal digits of v. */
static size_t ndigits(uint64_t v)
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
static int flush_pending(struct files_source *s, struct stream_reader *r)
{
	struct sl_batch *b = r->pending;
	if (!b)
		return 0;
	r->pending = NULL;
	return files_emit(s, b);
}

static int on_frame_begin(void *ud, const char *name, uint64_t len, const uint64_t *hash)
{
	struct files_source *s = ud;
	struct stream_reader *r = s->state;
	struct sl_pipeline *p = s->inst->pipe;
	enum sl_file_kind kind = SL_FILE_DATA;
	int rc;

	/* The header line just read is valid: the frame before it was exactly
	 * as long as it said. */
	if ((rc = flush_pending(s, r)) != 0)
		return rc;
	/* Offset of this header line: "-- sluice frame <len> <name>[ <hash>]\n". */
	uint64_t at =
	    sl_stream_reader_offset(r->parser) - (sizeof("-- sluice frame ") - 1 + ndigits(len) +
	                                          1 + strlen(name) + (hash ? 17 : 0) + 1);
	rc = files_name_of(name) == FILES_NAME_FILE ? files_classify(s, name, &kind) : SL_EFORMAT;
	if (rc == SL_EFORMAT)
		return sl_pipeline_fail(p, rc,
		                        "%s: byte %" PRIu64 ": unknown file name '%s' in a frame "
		                        "header (not in the layout of a sluice dump)",
		                        s->source, at, name);
	if (rc)
		return sl_pipeline_fail(p, rc, "%s: out of memory", s->source);
	char where[1200];
	snprintf(where, sizeof(where), "%s: byte %" PRIu64 ": frame %s", s->source, at, name);
	/* Whole: its checksum is checked before anything uses it. */
	if ((rc = files_open(s, where, name, kind, len, true, &r->cur)) != 0)
		return rc;
	r->in_frame = true;
	r->check = hash != NULL;
	r->hash = hash ? *hash : 0;
	r->at = at;
	r->files++;
	r->bytes += len;
	return 0;
}

static int on_frame_data(void *ud, const char *p, size_t n)
{
	struct files_source *s = ud;
	struct stream_reader *r = s->state;
	return files_add(s, &r->cur, p, n);
}

static int on_frame_end(void *ud)
{
	struct files_source *s = ud;
	struct stream_reader *r = s->state;
	struct sl_batch *b = NULL;
	r->in_frame = false;
	/* The file's checksum as its bytes came (sl_manifest_file_hash() of
	 * the name and the whole body): no second pass over the body. */
	uint64_t hash = sl_xxh64_end(&r->cur.hash);
	int rc = files_close(s, &r->cur, &b);
	if (rc)
		return rc;
	/* A frame whose bytes changed is refused before anything uses it. */
	if (r->check && hash != r->hash) {
		sl_batch_release(b);
		return sl_pipeline_fail(s->inst->pipe, SL_EFORMAT,
		                        "%s: byte %" PRIu64 ": frame %s: checksum mismatch (its "
		                        "bytes changed after it was written)",
		                        s->source, r->at, r->cur.name);
	}
	r->pending = b;
	return 0;
}

static int on_table_end(void *ud, const char *schema, const char *name, uint64_t rows)
{
	struct files_source *s = ud;
	struct stream_reader *r = s->state;
	/* The line is valid: the frame before it was complete. */
	int rc = flush_pending(s, r);
	return rc ? rc : files_end_table(s, schema, name, rows);
}

static int on_trailer(void *ud, const struct sl_stream_trailer *tr)
{
	struct files_source *s = ud;
	struct stream_reader *r = s->state;
	struct sl_pipeline *p = s->inst->pipe;
	uint64_t at = sl_stream_reader_offset(r->parser);
	uint64_t rows = 0;
	int rc;

	if (!tr->ok)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: byte %" PRIu64 ": trailer status error: %s", s->source,
		                        at, tr->error ? tr->error : "(no message)");
	if (tr->files != r->files || tr->bytes != r->bytes)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: byte %" PRIu64 ": the trailer counts %" PRIu64
		                        " files of %" PRIu64 " bytes, the stream holds %" PRIu64
		                        " files of %" PRIu64 " bytes",
		                        s->source, at, tr->files, tr->bytes, r->files, r->bytes);
	for (size_t i = 0; i < tr->ntables; i++)
		rows += tr->tables[i].rows;
	if (rows != tr->rows)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: byte %" PRIu64
		                        ": the trailer's table lines add up to %" PRIu64
		                        " rows, its rows line says %" PRIu64,
		                        s->source, at, rows, tr->rows);
	/* The trailer is valid: the last frame was complete. */
	if ((rc = flush_pending(s, r)) != 0)
		return rc;
	if (files_set_info(s, tr->binlog_file, tr->binlog_pos, tr->gtid, NULL, NULL))
		return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source);
	for (size_t i = 0; i < tr->ntables; i++)
		if (!tr->tables[i].ended &&
		    (rc = files_end_table(s, tr->tables[i].schema, tr->tables[i].name,
		                          tr->tables[i].rows)) != 0)
			return rc;
	r->nstreams++;
	sl_instance_log(s->inst, SL_LOG_INFO,
	                "%s: stream %" PRIu64 " complete: %" PRIu64 " files, %" PRIu64
	                " bytes, %zu tables, %" PRIu64 " rows",
	                s->source, r->nstreams, r->files, r->bytes, tr->ntables, tr->rows);
	/* The next stream (--continuous) starts its own account. */
	r->files = 0;
	r->bytes = 0;
	sl_manifest_free(&s->seen);
	return 0;
}

static int stream_open(struct files_source *s)
{
	static const struct sl_stream_callbacks cb = {
	    .on_frame_begin = on_frame_begin,
	    .on_frame_data = on_frame_data,
	    .on_frame_end = on_frame_end,
	    .on_table_end = on_table_end,
	    .on_trailer = on_trailer,
	};
	struct stream_reader *r = sl_calloc(1, sizeof(*r));
	if (!r)
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	s->state = r;
	r->buf = sl_malloc(STREAM_READ_CHUNK);
	r->parser = sl_stream_reader_new(s->source, s->cfg->continuous, &cb, s);
	if (!r->buf || !r->parser)
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	return 0;
}

static void stream_destroy(struct files_source *s)
{
	struct stream_reader *r = s->state;
	if (!r)
		return;
	sl_stream_reader_free(r->parser);
	files_file_free(&r->cur);
	sl_batch_release(r->pending);
	sl_free(r->buf);
	sl_free(r);
	s->state = NULL;
}

/* The parser stopped with 'rc': its own format error is the run's error;
 * a callback's stop has been recorded already. */
static int parser_failed(struct files_source *s, int rc, const struct sl_error *err)
{
	if (err->code)
		return sl_pipeline_fail(s->inst->pipe, err->code, "%s", err->msg);
	return rc;
}

static int stream_run(struct files_source *s)
{
	struct stream_reader *r = s->state;
	struct sl_error err = {0};
	int rc;
	for (;;) {
		size_t n = 0;
		if ((rc = files_input_read(s, r->buf, STREAM_READ_CHUNK, &n)) != 0)
			return rc;
		if (n == 0)
			break;
		if ((rc = sl_stream_reader_feed(r->parser, r->buf, n, &err)) != 0)
			return parser_failed(s, rc, &err);
	}
	if ((rc = sl_stream_reader_finish(r->parser, &err)) != 0)
		return parser_failed(s, rc, &err);
	return 0;
}

const struct files_reader files_stream_reader = {
    .name = "stream",
    .open = stream_open,
    .run = stream_run,
    .destroy = stream_destroy,
};
