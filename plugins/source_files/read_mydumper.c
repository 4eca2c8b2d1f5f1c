/* read_mydumper.c - the files source's reader of mydumper's stream
 * (`mydumper --stream`), from a file or standard input.
 *
 * mydumper's stream thread writes every finished file as a newline, "-- ",
 * the file's base name and, from mydumper 0.14 on, a space and its size in
 * bytes, a newline, then the file's bytes; 0.11.3 to 0.13 wrote no size,
 * and a reader has to find the next header line.  There is no trailer: the
 * last file is `metadata`, which says "Finished dump at" (mydumper renames
 * it into place once the dump is done).
 *
 *   sized:    frames read by length, exactly as sluice's own stream: after
 *             a body the input must end or hold the next header line, and
 *             a file is held back until that line was read and found
 *             valid, so a frame whose size was damaged never reaches a
 *             sink.  A size is never allocated: files go to dumpread.c,
 *             which splits big data files and bounds the others by
 *             --buffer.
 *   unsized:  a body ends where a line "-- NAME" follows whose NAME is a
 *             file of a dump (mydumper's names, metadata); any other
 *             "-- ..." line is the file's own.  What cannot be told apart:
 *             a file holding such a line itself (README).
 *
 * Files named *.gz or *.zst are decompressed on the way by libarchive's
 * raw format and read filters, fed from the frame's bytes; their size is
 * then unknown and dumpread.c reads data files in parts.  metadata.header
 * and metadata.partial.N are read and skipped; `metadata` ends the stream
 * when it says the dump finished (held whole, at most --buffer).  Every
 * table seen is then complete; with --continuous the next header starts
 * another stream.  Input that ends before the final metadata is refused
 * naming what was complete; every malformed input ends the run with one
 * message naming the input and the byte offset.  Memory: the input window
 * (1 MiB), the decompressor's output (1 MiB), and one file as dumpread.c
 * holds it. */
#define _GNU_SOURCE 1 /* memmem, memrchr */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "files.h"
#include "format/table.h"

#define MYD_CHUNK    (1u << 20) /* input window, and decompressed pieces */
#define MYD_MARK     "\n-- "    /* what every header line starts with */
#define MYD_MARK_LEN 4
/* A header line: a name, a space and up to 19 digits. */
#define MYD_MAX_LINE (SL_STREAM_MAX_NAME + 21)

enum myd_form { MYD_UNKNOWN, MYD_SIZED, MYD_UNSIZED };
enum myd_zip { MYD_PLAIN, MYD_GZIP, MYD_ZSTD };

struct myd_reader {
	char *buf; /* the input window: buf[pos..len) is read, not consumed */
	size_t pos, len;
	uint64_t off; /* input offset of buf[pos] */
	bool eof;

	/* The file being read. */
	char name[SL_STREAM_MAX_NAME + 1]; /* as in its header */
	uint64_t at;                       /* offset of its header line */
	uint64_t left;                     /* sized: body bytes still to come */
	bool body_end;                     /* unsized: its body ended */
	struct files_file file;
	struct archive *z; /* decompressor of a compressed file */
	int zrc;           /* why the decompressor's input failed, or 0 */
	char *out;         /* decompressed pieces, MYD_CHUNK bytes */
	struct sl_buf meta;
	struct sl_batch *pending; /* the last file read whole, not emitted yet */
	struct sl_batch **views;  /* view files, held until the final metadata */
	size_t nviews, capviews;
	uint64_t view_bytes;

	/* The stream being read. */
	enum myd_form form;
	bool finished;                     /* its final metadata was read */
	uint64_t files;                    /* files read in full */
	uint64_t nstreams;                 /* streams completed before it */
	char last[SL_STREAM_MAX_NAME + 1]; /* the last file read in full */
};

/* Fail the run: "<input>: byte <at>: <message>". */
static int fail_at(struct files_source *s, int code, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(struct files_source *s, int code, uint64_t at, const char *fmt, ...)
{
	char msg[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sl_pipeline_fail(s->inst->pipe, code, "%s: byte %" PRIu64 ": %s", s->source, at,
	                        msg);
}

/* What is complete when the input ends too early, for the message. */
static void complete_part(const struct myd_reader *r, char *out, size_t cap)
{
	int k = snprintf(out, cap, "complete: %" PRIu64 " stream%s before it", r->nstreams,
	                 r->nstreams == 1 ? "" : "s");
	if (k > 0 && (size_t)k < cap && r->files)
		snprintf(out + k, cap - (size_t)k,
		         ", then %" PRIu64 " file%s of this one, the last %s", r->files,
		         r->files == 1 ? "" : "s", r->last);
}

/* --- the input window ---------------------------------------------------------- */

static size_t avail(const struct myd_reader *r)
{
	return r->len - r->pos;
}

static void consume(struct myd_reader *r, size_t n)
{
	r->pos += n;
	r->off += n;
}

/* Read more input behind what is not consumed (moved to the front).
 * Sets r->eof at the end of the input.  0 or the run's error. */
static int fill(struct files_source *s, struct myd_reader *r)
{
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, avail(r));
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->eof || r->len == MYD_CHUNK)
		return 0;
	size_t n = 0;
	int rc = files_input_read(s, r->buf + r->len, MYD_CHUNK - r->len, &n);
	if (rc)
		return rc;
	r->len += n;
	r->eof = n == 0;
	return 0;
}

/* --- names ------------------------------------------------------------------------ */

/* What a header may name: a file of a dump, the final metadata, metadata
 * that is read and skipped, or a file of mydumper's that is refused. */
enum myd_name {
	MYD_NAME_NONE,
	MYD_NAME_FILE,
	MYD_NAME_METADATA,
	MYD_NAME_SKIPPED,
	MYD_NAME_REFUSED
};

/* metadata.header, metadata.partial, metadata.partial.N: read, not loaded. */
static bool skipped_metadata(const char *name)
{
	if (!strcmp(name, "metadata.header") || !strcmp(name, "metadata.partial"))
		return true;
	if (strncmp(name, "metadata.partial.", 17) || !name[17])
		return false;
	return strspn(name + 17, "0123456789") == strlen(name + 17);
}

/* The compression a name says, and its length without the suffix. */
static enum myd_zip zip_of(const char *name, size_t *base)
{
	size_t n = strlen(name);
	*base = n;
	if (n > 3 && !strcmp(name + n - 3, ".gz")) {
		*base = n - 3;
		return MYD_GZIP;
	}
	if (n > 4 && !strcmp(name + n - 4, ".zst")) {
		*base = n - 4;
		return MYD_ZSTD;
	}
	return MYD_PLAIN;
}

/* What name[0..n) is: a file of a dump (classified into s->db, s->tbl and
 * *kind, compression suffix stripped into 'plain'), one of mydumper's
 * metadata files, or nothing a header can name.  'why' (OUT, may be NULL)
 * says why not. */
static enum myd_name name_of(struct files_source *s, const char *name, size_t n, char *plain,
                             enum sl_file_kind *kind, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = "not a file name of mydumper's layout";
	if (n == 0 || n > SL_STREAM_MAX_NAME) {
		*why = n ? "a file name that is too long" : "an empty file name";
		return MYD_NAME_NONE;
	}
	if (memchr(name, '\0', n)) {
		*why = "a NUL byte in a file name";
		return MYD_NAME_NONE;
	}
	if (memchr(name, '/', n)) {
		*why = "a file name with '/' (mydumper names files by their base name)";
		return MYD_NAME_NONE;
	}
	memcpy(plain, name, n);
	plain[n] = '\0';
	if (!strcmp(plain, SL_METADATA_NAME))
		return MYD_NAME_METADATA;
	if (skipped_metadata(plain))
		return MYD_NAME_SKIPPED;
	size_t base;
	zip_of(plain, &base);
	plain[base] = '\0';
	if (files_name_of(plain) != FILES_NAME_FILE)
		return MYD_NAME_NONE; /* sluice-manifest.json: not in a mydumper stream */
	size_t pl = strlen(plain);
	if (pl > 4 && !strcmp(plain + pl - 4, ".dat")) {
		*why = "mydumper's LOAD DATA files (.dat, --load-data) are not read: dump with "
		       "INSERT statements";
		return MYD_NAME_REFUSED; /* a file of the stream, which is not read */
	}
	return files_classify(s, plain, kind) == 0 ? MYD_NAME_FILE : MYD_NAME_NONE;
}

/* --- header lines ------------------------------------------------------------------ */

/* Could line[0..n) (after "\n-- ") be a header line, "NAME" or "NAME SIZE"?
 * Without sizes, a body ends at such a line (the latter starts the next
 * stream of a --continuous input). */
static bool header_like(struct files_source *s, const char *line, size_t n)
{
	char plain[SL_STREAM_MAX_NAME + 1];
	enum sl_file_kind kind;
	if (name_of(s, line, n, plain, &kind, NULL) != MYD_NAME_NONE)
		return true;
	const char *sp = memrchr(line, ' ', n);
	size_t digits = sp ? n - (size_t)(sp + 1 - line) : 0;
	return digits > 0 && digits <= 19 && strspn(sp + 1, "0123456789") >= digits &&
	       name_of(s, line, (size_t)(sp - line), plain, &kind, NULL) != MYD_NAME_NONE;
}

/* Parse header line text line[0..n) (after "\n-- ") of the header at 'at'
 * into r->name and r->left.  The first header of a stream says its form. */
static int parse_header(struct files_source *s, struct myd_reader *r, const char *line, size_t n,
                        uint64_t at)
{
	char plain[SL_STREAM_MAX_NAME + 1];
	enum sl_file_kind kind;
	const char *why = NULL;
	/* Sized: "NAME SIZE", SIZE decimal, at most 2^63 - 1 (an off_t). */
	const char *sp = memrchr(line, ' ', n);
	size_t digits = sp ? n - (size_t)(sp + 1 - line) : 0;
	uint64_t size = 0;
	bool sized = digits > 0 && strspn(sp + 1, "0123456789") >= digits;
	for (size_t i = 0; sized && i < digits && size <= (uint64_t)INT64_MAX; i++)
		size = size * 10 + (uint64_t)(sp[1 + i] - '0');
	if (sized && (digits > 19 || size > (uint64_t)INT64_MAX))
		return fail_at(s, SL_EFORMAT, at,
		               "file header '-- %.*s': a size out of range (at most 2^63 - 1)",
		               (int)(n > 200 ? 200 : n), line);
	if (sized && name_of(s, line, (size_t)(sp - line), plain, &kind, &why) == MYD_NAME_NONE)
		sized = false;
	if (r->form == MYD_UNKNOWN)
		r->form = sized ? MYD_SIZED : MYD_UNSIZED;
	size_t nlen = r->form == MYD_SIZED ? (size_t)(sp - line) : n;
	if (r->form == MYD_SIZED && !sized)
		return fail_at(s, SL_EFORMAT, at,
		               "file header '-- %.*s': expected a name and a size (%s)",
		               (int)(n > 200 ? 200 : n), line,
		               why ? why : "no size, in a stream whose headers have sizes");
	if (r->form == MYD_UNSIZED && name_of(s, line, n, plain, &kind, &why) == MYD_NAME_NONE)
		return fail_at(s, SL_EFORMAT, at, "file header '-- %.*s': %s",
		               (int)(n > 200 ? 200 : n), line,
		               sized ? "a size, in a stream whose headers have none" : why);
	memcpy(r->name, line, nlen);
	r->name[nlen] = '\0';
	r->left = size;
	r->body_end = false;
	r->at = at;
	return 0;
}

/* At a file boundary: read the next header line.  *got is false at the end
 * of the input.  0 or the run's error. */
static int read_header(struct files_source *s, struct myd_reader *r, bool *got)
{
	int rc;
	*got = false;
	while (avail(r) < MYD_MARK_LEN && !r->eof)
		if ((rc = fill(s, r)) != 0)
			return rc;
	if (avail(r) == 0)
		return 0;
	uint64_t at = r->off;
	if (avail(r) < MYD_MARK_LEN || memcmp(r->buf + r->pos, MYD_MARK, MYD_MARK_LEN))
		return fail_at(s, SL_EFORMAT, at, "%s",
		               r->form == MYD_SIZED
		                   ? "expected the next file's header line ('\\n-- NAME SIZE') "
		                     "after a file's bytes: a size is wrong, or bytes were added"
		                   : "expected a file header line ('\\n-- NAME')");
	const char *nl;
	for (;;) {
		size_t have = avail(r) - MYD_MARK_LEN;
		nl = memchr(r->buf + r->pos + MYD_MARK_LEN, '\n',
		            have < MYD_MAX_LINE + 1 ? have : MYD_MAX_LINE + 1);
		if (nl)
			break;
		if (have > MYD_MAX_LINE)
			return fail_at(s, SL_EFORMAT, at, "a file header line longer than %d bytes",
			               MYD_MAX_LINE);
		if (r->eof)
			return fail_at(s, SL_EFORMAT, r->off + avail(r),
			               "the input ends inside a file header line");
		if ((rc = fill(s, r)) != 0)
			return rc;
	}
	const char *line = r->buf + r->pos + MYD_MARK_LEN;
	size_t n = (size_t)(nl - line);
	if ((rc = parse_header(s, r, line, n, at)) != 0)
		return rc;
	consume(r, MYD_MARK_LEN + n + 1);
	*got = true;
	return 0;
}

/* --- bodies ------------------------------------------------------------------------ */

/* Unsized: how many bytes from r->pos are surely body (*n), and whether the
 * body ends right after them (*end: a header line or the end of the input
 * follows).  *n == 0 and !*end: more input is needed. */
static void unsized_span(struct files_source *s, struct myd_reader *r, size_t *n, bool *end)
{
	size_t i = r->pos;
	*end = false;
	for (;;) {
		const char *m = memmem(r->buf + i, r->len - i, MYD_MARK, MYD_MARK_LEN);
		if (!m) {
			/* Keep a tail that may start a mark ("\n", "\n-", "\n--"). */
			size_t keep = r->eof ? 0 : MYD_MARK_LEN - 1;
			*n = avail(r) > keep ? avail(r) - keep : 0;
			*end = r->eof;
			return;
		}
		size_t j = (size_t)(m - r->buf), have = r->len - (j + MYD_MARK_LEN);
		const char *nl = memchr(m + MYD_MARK_LEN, '\n',
		                        have < MYD_MAX_LINE + 1 ? have : MYD_MAX_LINE + 1);
		if (!nl && have <= MYD_MAX_LINE && !r->eof) {
			*n = j - r->pos; /* the line is not all there yet */
			return;
		}
		if (nl && header_like(s, m + MYD_MARK_LEN, (size_t)(nl - (m + MYD_MARK_LEN)))) {
			*n = j - r->pos;
			*end = true;
			return;
		}
		i = j + 1; /* a line of the file's own */
	}
}

/* The next piece of the current file's body: *p, *n; *n == 0 at its end.
 * The piece stays valid until the next call.  0 or the run's error. */
static int body_next(struct files_source *s, struct myd_reader *r, const char **p, size_t *n)
{
	int rc;
	*n = 0;
	for (;;) {
		if (r->form == MYD_SIZED) {
			if (r->left == 0)
				return 0;
			if (avail(r) == 0) {
				if (r->eof) {
					char done[1400];
					complete_part(r, done, sizeof(done));
					return fail_at(
					    s, SL_EFORMAT, r->off,
					    "the input ends inside file %s, %" PRIu64
					    " bytes short: the stream is incomplete (%s)",
					    r->name, r->left, done);
				}
				if ((rc = fill(s, r)) != 0)
					return rc;
				continue;
			}
			size_t k = avail(r) < r->left ? avail(r) : (size_t)r->left;
			*p = r->buf + r->pos;
			*n = k;
			consume(r, k);
			r->left -= k;
			return 0;
		}
		if (r->body_end)
			return 0;
		size_t k;
		bool end;
		unsized_span(s, r, &k, &end);
		if (k || end) {
			*p = r->buf + r->pos;
			*n = k;
			consume(r, k);
			r->body_end = end;
			return 0;
		}
		if ((rc = fill(s, r)) != 0)
			return rc;
	}
}

/* Read and drop the rest of the body; 'max' bytes at most into 'into'
 * (NULL: none kept), beyond which it fails naming 'what'. */
static int body_drain(struct files_source *s, struct myd_reader *r, struct sl_buf *into,
                      uint64_t max)
{
	const char *p;
	size_t n;
	int rc;
	while ((rc = body_next(s, r, &p, &n)) == 0 && n > 0) {
		if (!into)
			continue;
		if (into->len + n > max)
			return fail_at(s, SL_EFORMAT, r->at,
			               "file %s is over the limit of --buffer (%" PRIu64
			               " bytes) for a file held whole: raise --buffer to read it",
			               r->name, max);
		if (sl_buf_append(into, p, n))
			return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "%s: out of memory",
			                        s->source);
	}
	return rc;
}

/* libarchive's input: the compressed file's bytes, from the frame. */
static la_ssize_t zip_read(struct archive *a, void *ud, const void **out)
{
	struct files_source *s = ud;
	struct myd_reader *r = s->state;
	const char *p = NULL;
	size_t n = 0;
	int rc = body_next(s, r, &p, &n);
	if (rc) {
		r->zrc = rc;
		archive_set_error(a, EIO, "input failed");
		return -1;
	}
	*out = p;
	return (la_ssize_t)n;
}

/* Decompress the current file's body into files_add(). */
static int read_compressed(struct files_source *s, struct myd_reader *r, enum myd_zip zip)
{
	const char *method = zip == MYD_GZIP ? "gzip" : "zstd";
	struct archive_entry *e;
	int rc = 0;
	r->zrc = 0;
	r->z = archive_read_new();
	if (!r->z)
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "%s: out of memory", s->source);
	archive_read_support_format_raw(r->z);
	if (zip == MYD_GZIP)
		archive_read_support_filter_gzip(r->z);
	else
		archive_read_support_filter_zstd(r->z);
	int ar = archive_read_open(r->z, s, NULL, zip_read, NULL);
	if (ar == ARCHIVE_OK)
		ar = archive_read_next_header(r->z, &e);
	/* The raw format takes any bytes: only a filter says they were
	 * compressed as the name says. */
	if (ar == ARCHIVE_OK && archive_filter_count(r->z) < 2)
		rc = fail_at(s, SL_EFORMAT, r->at, "file %s: not %s data", r->name, method);
	for (la_ssize_t n = 1; !rc && ar == ARCHIVE_OK && n > 0;) {
		n = archive_read_data(r->z, r->out, MYD_CHUNK);
		if (n < 0)
			ar = ARCHIVE_FATAL;
		else if (n > 0)
			rc = files_add(s, &r->file, r->out, (size_t)n);
	}
	if (!rc && ar != ARCHIVE_OK && ar != ARCHIVE_EOF) {
		char done[1400];
		complete_part(r, done, sizeof(done));
		if (r->zrc)
			rc = r->zrc;
		else if (r->eof && !avail(r)) /* without sizes, the input's end ends a file */
			rc = fail_at(
			    s, SL_EFORMAT, r->off,
			    "the input ends inside file %s (its %s data is cut): the stream "
			    "is incomplete (%s)",
			    r->name, method, done);
		else
			rc = fail_at(s, SL_EFORMAT, r->at,
			             "file %s: corrupt or truncated %s data: %s", r->name, method,
			             archive_error_string(r->z) ? archive_error_string(r->z)
			                                        : "unknown error");
	}
	archive_read_free(r->z);
	r->z = NULL;
	if (rc)
		return rc;
	/* libarchive stops at the end of the compressed data. */
	const char *p;
	size_t n;
	if ((rc = body_next(s, r, &p, &n)) == 0 && n > 0)
		rc = fail_at(s, SL_EFORMAT, r->at, "file %s: bytes after the end of its %s data",
		             r->name, method);
	return rc;
}

/* --- files ------------------------------------------------------------------------- */

/* Hand the held-back file to the sinks. */
static int flush_pending(struct files_source *s, struct myd_reader *r)
{
	struct sl_batch *b = r->pending;
	r->pending = NULL;
	return b ? files_emit(s, b) : 0;
}

static void note_read(struct myd_reader *r)
{
	r->files++;
	snprintf(r->last, sizeof(r->last), "%s", r->name);
}

/* mydumper writes each view after a table of its columns (a placeholder,
 * which the view replaces), view by view, so a view may name another that
 * is only a placeholder later in the stream: views wait for the final
 * metadata, when every placeholder exists (as myloader runs them after
 * the tables).  At most --buffer bytes of them. */
static int hold_view(struct files_source *s, struct myd_reader *r, struct sl_batch *b)
{
	uint64_t bound = sl_pipeline_config(s->inst->pipe)->buffer;
	if (r->view_bytes + b->body.len > bound) {
		sl_batch_release(b);
		return fail_at(
		    s, SL_EFORMAT, r->at,
		    "file %s: the stream's views are over the limit of --buffer (%" PRIu64
		    " bytes) for views held until its final metadata: raise --buffer",
		    r->name, bound);
	}
	if (r->nviews == r->capviews) {
		size_t cap = r->capviews ? r->capviews * 2 : 16;
		void *v = sl_realloc(r->views, cap * sizeof(*r->views));
		if (!v) {
			sl_batch_release(b);
			return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "%s: out of memory",
			                        s->source);
		}
		r->views = v;
		r->capviews = cap;
	}
	r->views[r->nviews++] = b;
	r->view_bytes += b->body.len;
	return 0;
}

/* Hand the held views to the sinks, in stream order. */
static int flush_views(struct files_source *s, struct myd_reader *r)
{
	int rc = 0;
	for (size_t i = 0; i < r->nviews; i++) {
		struct sl_batch *b = r->views[i];
		r->views[i] = NULL;
		if (!rc)
			rc = files_emit(s, b);
		else
			sl_batch_release(b);
	}
	r->nviews = 0;
	r->view_bytes = 0;
	return rc;
}

/* The final metadata: the dump finished when a whole line says so. */
static bool says_finished(const struct sl_buf *meta)
{
	const char *f = meta->data ? strstr(meta->data, "Finished dump at") : NULL;
	return f && strchr(f, '\n');
}

/* Read the file whose header was just read. */
static int read_file(struct files_source *s, struct myd_reader *r)
{
	struct sl_pipeline *p = s->inst->pipe;
	char plain[SL_STREAM_MAX_NAME + 1];
	enum sl_file_kind kind = SL_FILE_DATA;
	const char *why = NULL;
	int rc;
	enum myd_name what = name_of(s, r->name, strlen(r->name), plain, &kind, &why);
	if (what == MYD_NAME_SKIPPED) {
		if ((rc = body_drain(s, r, NULL, 0)) == 0)
			note_read(r);
		return rc;
	}
	if (what == MYD_NAME_METADATA) {
		sl_buf_reset(&r->meta);
		if ((rc = body_drain(s, r, &r->meta, sl_pipeline_config(p)->buffer)) != 0)
			return rc;
		if (sl_buf_putc(&r->meta, '\0'))
			return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source);
		note_read(r);
		r->finished = says_finished(&r->meta);
		return 0;
	}
	if (what == MYD_NAME_NONE)
		return fail_at(s, SL_EFORMAT, r->at, "file %s: %s", r->name, why);
	if (what == MYD_NAME_REFUSED)
		return fail_at(s, SL_EFORMAT, r->at, "file %s: %s", r->name, why);
	size_t base;
	enum myd_zip zip = zip_of(r->name, &base);
	char where[1200];
	snprintf(where, sizeof(where), "%s: byte %" PRIu64 ": file %s", s->source, r->at, r->name);
	uint64_t size = zip == MYD_PLAIN && r->form == MYD_SIZED ? r->left : FILES_SIZE_UNKNOWN;
	if ((rc = files_open(s, where, plain, kind, size, false, &r->file)) != 0)
		return rc;
	if (zip != MYD_PLAIN) {
		rc = read_compressed(s, r, zip);
	} else {
		const char *d;
		size_t n;
		while ((rc = body_next(s, r, &d, &n)) == 0 && n > 0)
			if ((rc = files_add(s, &r->file, d, n)) != 0)
				break;
	}
	struct sl_batch *b = NULL;
	if (!rc)
		rc = files_close(s, &r->file, &b);
	files_file_free(&r->file);
	if (rc)
		return rc;
	note_read(r);
	if (b && kind == SL_FILE_VIEW)
		return hold_view(s, r, b);
	r->pending = b; /* NULL for a file read in parts: those went out already */
	return 0;
}

/* The stream's final metadata was read and nothing of it follows: every
 * table it held is complete; the next stream starts its own account. */
static int stream_done(struct files_source *s, struct myd_reader *r)
{
	const struct sl_manifest *m = &s->seen;
	size_t ntables = 0;
	int rc = flush_views(s, r);
	if (rc)
		return rc;
	for (size_t i = 0; i < m->ntables; i++) {
		const struct sl_manifest_table *mt = m->tables[i];
		if (!mt->name[0])
			continue;
		struct sl_table *t = sl_tableset_get(&s->tables, mt->schema, mt->name, NULL);
		if (!t)
			return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "%s: out of memory",
			                        s->source);
		if (t->kind != SL_TABLE_BASE)
			continue;
		if ((rc = sl_pipeline_end_table(s->inst->pipe, t)) != 0)
			return rc;
		ntables++;
	}
	r->nstreams++;
	sl_instance_log(s->inst, SL_LOG_INFO,
	                "%s: mydumper stream %" PRIu64 " complete (%s): %" PRIu64
	                " files, %zu tables",
	                s->source, r->nstreams,
	                r->form == MYD_SIZED ? "sized headers, mydumper 0.14 or later"
	                                     : "headers without sizes, mydumper 0.11.3 to 0.13",
	                r->files, ntables);
	sl_manifest_free(&s->seen);
	sl_manifest_init(&s->seen);
	r->form = MYD_UNKNOWN;
	r->finished = false;
	r->files = 0;
	r->last[0] = '\0';
	return 0;
}

static int myd_run(struct files_source *s)
{
	struct myd_reader *r = s->state;
	int rc;
	for (;;) {
		bool got = false, was_finished = r->finished;
		enum myd_form form = r->form;
		if (was_finished)
			r->form = MYD_UNKNOWN; /* the next stream's first header says its own */
		if ((rc = read_header(s, r, &got)) != 0)
			return rc;
		if (was_finished) {
			if (got && !s->cfg->continuous)
				return fail_at(s, SL_EFORMAT, r->at,
				               "file %s after the stream's final metadata (several "
				               "streams back to back need --continuous)",
				               r->name);
			enum myd_form next = r->form;
			r->form = form;
			if ((rc = stream_done(s, r)) != 0)
				return rc;
			r->form = next;
		}
		if (!got)
			break;
		/* A valid header: the file before it was complete. */
		if ((rc = flush_pending(s, r)) != 0)
			return rc;
		if ((rc = read_file(s, r)) != 0)
			return rc;
	}
	if (r->nstreams > 0 && r->files == 0 && !r->pending)
		return 0; /* ended right after a complete stream */
	char done[1400];
	complete_part(r, done, sizeof(done));
	return fail_at(s, SL_EFORMAT, r->off,
	               "the input ends before the stream's final metadata said the dump "
	               "finished (mydumper writes it last): the stream is incomplete (%s)",
	               done);
}

static int myd_open(struct files_source *s)
{
	struct myd_reader *r = sl_calloc(1, sizeof(*r));
	if (!r)
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	s->state = r;
	s->raw_names = true; /* mydumper's names, and a USE before each SQL file */
	r->buf = sl_malloc(MYD_CHUNK);
	r->out = sl_malloc(MYD_CHUNK);
	if (!r->buf || !r->out)
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	return 0;
}

static void myd_destroy(struct files_source *s)
{
	struct myd_reader *r = s->state;
	if (!r)
		return;
	if (r->z)
		archive_read_free(r->z);
	files_file_free(&r->file);
	sl_batch_release(r->pending);
	for (size_t i = 0; i < r->nviews; i++)
		sl_batch_release(r->views[i]);
	sl_free(r->views);
	sl_buf_free(&r->meta);
	sl_free(r->buf);
	sl_free(r->out);
	sl_free(r);
	s->state = NULL;
}

const struct files_reader files_mydumper_reader = {
    .name = "mydumper",
    .open = myd_open,
    .run = myd_run,
    .destroy = myd_destroy,
};
