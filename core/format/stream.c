/* stream.c - write and read the sluice stream format (see stream.h).
 *
 * The writer appends version lines, frame headers and trailers to a buffer;
 * the sink writes frame bodies itself.  The reader is an incremental state
 * machine: input may arrive in pieces of any size (one byte at a time reads
 * exactly like all at once), header lines are collected in a fixed buffer
 * of SL_STREAM_MAX_HEADER bytes, frame bodies are handed to the caller in
 * the pieces they arrived in and skipped by length (never scanned), and the
 * trailer body is parsed line by line into a struct sl_stream_trailer.
 * Memory is bounded: nothing but the tables of table-end lines and the
 * trailer's table list grows with the input.  Every error message reads
 * "<source>: byte <offset>: <what>", where the offset is the start of the
 * offending line (or the position of the offending byte), counted from the
 * first byte fed. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "format/stream.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/map.h"
#include "format/fname.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0.0"
#endif

#define SL_STREAM_MAGIC     "-- sluice "
#define SL_STREAM_MAGIC_LEN (sizeof(SL_STREAM_MAGIC) - 1)

/* Longest line of a trailer body a reader accepts (gtid sets can be long). */
#define SL_STREAM_MAX_TRAILER_LINE 65536
/* Longest message on the `-- error` line and in the SIGNAL statement. */
#define SL_STREAM_MAX_ERROR_TEXT  4000
#define SL_STREAM_MAX_SIGNAL_TEXT 120

/* ---------------------------------------------------------------------- */
/* Shared by writer and reader                                            */
/* ---------------------------------------------------------------------- */

/* Parse an exact decimal: digits only, no sign, no spaces, no leading zero
 * (except "0" itself), no overflow.  0 and *out (OUT), or -1. */
static int sl_stream_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* True for bytes a file name in a frame header may hold. */
static int sl_stream_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '@' || c == '.' || c == '-';
}

/* Check a file name of a frame header: 1..SL_STREAM_MAX_NAME bytes of
 * [A-Za-z0-9_@.-], whose database part (up to the first '.' or '-') and
 * table part (after that '.', up to the next '.' or '-') are non-empty and
 * decode with sl_fname_decode().  'scratch' is working memory.  Returns 0,
 * SL_EFORMAT with a description in *why (OUT, static string), or
 * SL_ENOMEM. */
static int sl_stream_check_name(const char *name, size_t n, struct sl_buf *scratch,
                                const char **why)
{
	size_t i, start;
	int rc;

	if (n == 0) {
		*why = "empty name";
		return SL_EFORMAT;
	}
	if (n > SL_STREAM_MAX_NAME) {
		*why = "name too long";
		return SL_EFORMAT;
	}
	for (i = 0; i < n; i++) {
		if (!sl_stream_name_char((unsigned char)name[i])) {
			*why = "bad character in name";
			return SL_EFORMAT;
		}
	}
	/* The database part, then the table part if a '.' follows it. */
	start = 0;
	for (int part = 0; part < 2; part++) {
		for (i = start; i < n && name[i] != '.' && name[i] != '-'; i++)
			;
		if (i == start) {
			*why = part ? "empty table part in name" : "empty database part in name";
			return SL_EFORMAT;
		}
		sl_buf_reset(scratch);
		rc = sl_fname_decode(scratch, name + start, i - start);
		if (rc == SL_EFORMAT) {
			*why = "bad encoding in name";
			return SL_EFORMAT;
		}
		if (rc)
			return rc;
		if (i == n || name[i] != '.')
			break;
		start = i + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Writer                                                                 */
/* ---------------------------------------------------------------------- */

int sl_stream_put_version(struct sl_buf *out)
{
	return sl_buf_printf(out, "-- sluice stream %d %s\n", SL_STREAM_VERSION, PACKAGE_VERSION);
}

/* A name the reader would refuse is a bug of the caller: SL_EINTERNAL.
 * Otherwise 0 or SL_ENOMEM. */
int sl_stream_put_frame_header(struct sl_buf *out, const char *name, size_t len, uint64_t hash)
{
	struct sl_buf scratch = SL_BUF_INIT;
	const char *why = NULL;
	int rc;

	rc = sl_stream_check_name(name, strlen(name), &scratch, &why);
	sl_buf_free(&scratch);
	if (rc == SL_EFORMAT)
		return SL_EINTERNAL;
	if (rc)
		return rc;
	return sl_buf_printf(out, "-- sluice frame %zu %s %016" PRIx64 "\n", len, name, hash);
}

/* Append "<prefix><db>.<table> ROWS\n" with the names encoded: a trailer's
 * table line or a table-end line.  0, SL_ENOMEM or SL_EFORMAT. */
static int sl_stream_put_table_line(struct sl_buf *out, const char *prefix, const char *schema,
                                    const char *name, uint64_t rows)
{
	int rc;
	if ((rc = sl_buf_puts(out, prefix)) != 0 || (rc = sl_fname_encode(out, schema)) != 0 ||
	    (rc = sl_buf_putc(out, '.')) != 0 || (rc = sl_fname_encode(out, name)) != 0)
		return rc;
	return sl_buf_printf(out, " %" PRIu64 "\n", rows);
}

int sl_stream_put_table_end(struct sl_buf *out, const char *schema, const char *name, uint64_t rows)
{
	size_t start = out->len;
	int rc = sl_stream_put_table_line(out, "-- sluice table-end ", schema, name, rows);
	/* Never write what a reader refuses. */
	if (!rc && out->len - start - 1 > SL_STREAM_MAX_HEADER)
		rc = SL_EINTERNAL;
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}

int sl_stream_put_mydumper_header(struct sl_buf *out, const char *name, size_t len)
{
	struct sl_buf scratch = SL_BUF_INIT;
	const char *why = NULL;
	int rc = sl_stream_check_name(name, strlen(name), &scratch, &why);
	sl_buf_free(&scratch);
	/* mydumper's metadata files are not names of the layout. */
	if (rc == SL_EFORMAT && strcmp(name, "metadata") && strcmp(name, "metadata.header"))
		return SL_EINTERNAL;
	if (rc && rc != SL_EFORMAT)
		return rc;
	return sl_buf_printf(out, "\n-- %s %zu\n", name, len);
}

/* Length of the longest prefix of s[0..n) that is at most 'max' bytes and
 * does not end inside a UTF-8 sequence. */
static size_t sl_stream_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max;
	/* Back off over continuation bytes to the start of the character
	 * that would be cut. */
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

/* Append s[0..n) on one line: CR and LF become a space ('remove' == 0) or
 * disappear ('remove' != 0).  0 or SL_ENOMEM. */
static int sl_stream_put_oneline(struct sl_buf *out, const char *s, size_t n, int remove)
{
	int rc;

	if ((rc = sl_buf_reserve(out, n)) != 0)
		return rc;
	char *w = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			if (!remove)
				*w++ = ' ';
		} else {
			*w++ = s[i];
		}
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
}

/* Append the trailer body lines for 't' to 'body'.  0, SL_ENOMEM, or
 * SL_EFORMAT when a table name cannot be encoded. */
static int sl_stream_trailer_body(struct sl_buf *body, const struct sl_stream_trailer *t)
{
	struct sl_buf msg = SL_BUF_INIT;
	int rc;

	rc = sl_buf_printf(
	    body, "-- status %s\n-- files %" PRIu64 "\n-- rows %" PRIu64 "\n-- bytes %" PRIu64 "\n",
	    t->ok ? "ok" : "error", t->files, t->rows, t->bytes);
	if (rc)
		goto fail;
	if (t->binlog_file && t->binlog_file[0]) {
		if ((rc = sl_buf_puts(body, "-- binlog ")) != 0 ||
		    (rc = sl_stream_put_oneline(body, t->binlog_file, strlen(t->binlog_file), 0)) !=
		        0 ||
		    (rc = sl_buf_printf(body, " %" PRIu64 "\n", t->binlog_pos)) != 0)
			goto fail;
	}
	if (t->gtid && t->gtid[0]) {
		/* MySQL prints gtid sets with ",\n" between servers. */
		if ((rc = sl_buf_puts(body, "-- gtid ")) != 0 ||
		    (rc = sl_stream_put_oneline(body, t->gtid, strlen(t->gtid), 1)) != 0 ||
		    (rc = sl_buf_putc(body, '\n')) != 0)
			goto fail;
	}
	for (size_t i = 0; i < t->ntables; i++) {
		const struct sl_stream_table_count *tc = &t->tables[i];
		if ((rc = sl_stream_put_table_line(body, "-- table ", tc->schema, tc->name,
		                                   tc->rows)) != 0)
			goto fail;
	}
	for (size_t i = 0; i < t->nleft_out; i++) {
		const struct sl_left_out *lo = &t->left_out[i];
		const char *need = lo->missing ? lo->missing : "";
		size_t nlen = sl_stream_utf8_cut(need, strlen(need), SL_STREAM_MAX_ERROR_TEXT);
		if ((rc = sl_buf_printf(body, "-- left-out %s ", lo->kind)) != 0 ||
		    (rc = sl_fname_encode(body, lo->schema)) != 0 ||
		    (rc = sl_buf_putc(body, '.')) != 0 ||
		    (rc = sl_fname_encode(body, lo->name)) != 0 ||
		    (rc = sl_buf_puts(body, " needs ")) != 0 ||
		    (rc = sl_stream_put_oneline(body, need, nlen, 0)) != 0 ||
		    (rc = sl_buf_putc(body, '\n')) != 0)
			goto fail;
	}
	if (!t->ok) {
		const char *e = t->error && t->error[0] ? t->error : "unknown error";
		size_t elen = sl_stream_utf8_cut(e, strlen(e), SL_STREAM_MAX_ERROR_TEXT);

		if ((rc = sl_buf_puts(body, "-- error ")) != 0 ||
		    (rc = sl_stream_put_oneline(body, e, elen, 0)) != 0 ||
		    (rc = sl_buf_putc(body, '\n')) != 0)
			goto fail;
		/* A statement that makes a plain client stop with an error. */
		if ((rc = sl_buf_puts(&msg, "sluice: dump incomplete: ")) != 0 ||
		    (rc = sl_stream_put_oneline(&msg, e, elen, 0)) != 0)
			goto fail;
		msg.len = sl_stream_utf8_cut(msg.data, msg.len, SL_STREAM_MAX_SIGNAL_TEXT);
		if ((rc = sl_buf_puts(body, "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = ")) != 0 ||
		    (rc = sl_buf_put_quoted(body, msg.data, msg.len)) != 0 ||
		    (rc = sl_buf_puts(body, ";\n")) != 0)
			goto fail;
	}
	sl_buf_free(&msg);
	return 0;
fail:
	sl_buf_free(&msg);
	return rc;
}

/* 0, SL_ENOMEM, SL_EFORMAT (a table name cannot be encoded: it holds a
 * character above U+FFFF or is not UTF-8) or SL_EINTERNAL (a line would be
 * longer than a reader accepts).  On failure 'out' is unchanged. */
int sl_stream_put_trailer(struct sl_buf *out, const struct sl_stream_trailer *t)
{
	struct sl_buf body = SL_BUF_INIT;
	const char *st = t->ok ? "ok" : "error";
	size_t start = out->len;
	int rc;

	if ((rc = sl_stream_trailer_body(&body, t)) != 0)
		goto fail;
	/* Never write what a reader refuses. */
	for (size_t i = 0; i < body.len;) {
		const char *nl = memchr(body.data + i, '\n', body.len - i);
		size_t end = nl ? (size_t)(nl - body.data) : body.len;
		if (end - i > SL_STREAM_MAX_TRAILER_LINE) {
			rc = SL_EINTERNAL;
			goto fail;
		}
		i = end + 1;
	}
	if ((rc = sl_buf_printf(out, "-- sluice trailer %zu %s\n", body.len, st)) != 0 ||
	    (rc = sl_buf_append(out, body.data, body.len)) != 0 ||
	    (rc = sl_buf_printf(out, "-- sluice end %s\n", st)) != 0)
		goto fail;
	sl_buf_free(&body);
	return 0;
fail:
	sl_buf_free(&body);
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return rc;
}

void sl_stream_trailer_free(struct sl_stream_trailer *t)
{
	if (!t)
		return;
	sl_free(t->error);
	sl_free(t->binlog_file);
	sl_free(t->gtid);
	for (size_t i = 0; i < t->ntables; i++) {
		sl_free(t->tables[i].schema);
		sl_free(t->tables[i].name);
	}
	sl_free(t->tables);
	memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------------------- */
/* Reader                                                                 */
/* ---------------------------------------------------------------------- */

/* Where the reader is.  Header lines are collected in 'line' in the three
 * line states; a stream goes VERSION -> FRAMES (<-> BODY) -> TRAILER -> END
 * -> DONE, and in continuous mode DONE -> VERSION when more input comes. */
enum sl_stream_state {
	SL_RS_VERSION, /* expecting a version line */
	SL_RS_FRAMES,  /* expecting a frame or trailer header line */
	SL_RS_BODY,    /* inside a frame body */
	SL_RS_TRAILER, /* inside the trailer body */
	SL_RS_END,     /* expecting the end line */
	SL_RS_DONE,    /* after the end line */
	SL_RS_FAILED   /* stopped: every call returns stop_rc again */
};

/* Trailer lines seen, to refuse duplicates and notice missing ones. */
enum {
	SL_TR_STATUS = 1 << 0,
	SL_TR_FILES = 1 << 1,
	SL_TR_ROWS = 1 << 2,
	SL_TR_BYTES = 1 << 3,
	SL_TR_BINLOG = 1 << 4,
	SL_TR_GTID = 1 << 5,
	SL_TR_ERROR = 1 << 6
};

/* A table whose data a table-end line said is complete. */
struct sl_stream_ended {
	uint64_t rows;
	bool listed; /* the trailer has its table line */
};

struct sl_stream_reader {
	char *source; /* owned copy */
	bool continuous;
	struct sl_stream_callbacks cb;
	void *ud;

	enum sl_stream_state state;
	uint64_t off;        /* bytes consumed */
	uint64_t nstreams;   /* version lines accepted */
	int version;         /* of the stream being read */
	int stop_rc;         /* returned again after a failure or a callback stop */
	struct sl_error err; /* message of a format error (code 0 for callback stops) */

	/* Header line being collected: 'linelen' bytes, without the '\n'. */
	char line[SL_STREAM_MAX_HEADER + 1];
	size_t linelen;
	uint64_t line_off; /* stream offset of the line's first byte */

	/* Current frame. */
	char name[SL_STREAM_MAX_NAME + 1];
	uint64_t body_len, body_done;

	/* Tables of this stream's table-end lines: (schema, name) -> struct
	 * sl_stream_ended; 'cdb' and 'ctbl' hold a frame name's parts. */
	struct sl_map ended;
	size_t nended, nlisted; /* entries; of them, found in the trailer */
	struct sl_buf cdb, ctbl;

	/* Current trailer. */
	bool hdr_ok; /* status on the trailer header line */
	uint64_t tbody_len, tbody_done;
	struct sl_buf tline; /* trailer body line being collected */
	uint64_t tline_off;
	unsigned seen; /* SL_TR_* */
	size_t tables_cap;
	struct sl_stream_trailer trailer; /* lent to on_trailer */

	/* First error trailer of this input (continuous mode may see several). */
	bool bad_trailer;
	char *bad_msg; /* owned; NULL when the trailer had no message */

	struct sl_buf scratch; /* name decoding */
};

/* Record a failure at stream offset 'at' and stop the reader.  Returns
 * 'code'. */
static int sl_stream_fail(struct sl_stream_reader *r, int code, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int sl_stream_fail(struct sl_stream_reader *r, int code, uint64_t at, const char *fmt, ...)
{
	char what[SL_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	sl_error_clear(&r->err);
	sl_error_set(&r->err, code, "%s: byte %" PRIu64 ": %s", r->source, at, what);
	r->state = SL_RS_FAILED;
	r->stop_rc = code;
	return code;
}

/* A callback asked to stop with 'rc'. */
static int sl_stream_stop(struct sl_stream_reader *r, int rc)
{
	r->state = SL_RS_FAILED;
	r->stop_rc = rc;
	return rc;
}

struct sl_stream_reader *sl_stream_reader_new(const char *source, bool continuous,
                                              const struct sl_stream_callbacks *cb, void *ud)
{
	struct sl_stream_reader *r = sl_calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->source = sl_strdup(source ? source : "stream");
	if (!r->source)
		goto fail;
	r->continuous = continuous;
	if (cb)
		r->cb = *cb;
	r->ud = ud;
	r->state = SL_RS_VERSION;
	return r;
fail:
	sl_free(r);
	return NULL;
}

void sl_stream_reader_free(struct sl_stream_reader *r)
{
	if (!r)
		return;
	sl_stream_trailer_free(&r->trailer);
	sl_map_free(&r->ended, sl_free);
	sl_buf_free(&r->cdb);
	sl_buf_free(&r->ctbl);
	sl_buf_free(&r->tline);
	sl_buf_free(&r->scratch);
	sl_free(r->bad_msg);
	sl_free(r->source);
	sl_free(r);
}

uint64_t sl_stream_reader_offset(const struct sl_stream_reader *r)
{
	return r->off;
}

/* True when s[0..n) starts with the C string 'pre'. */
static int sl_stream_starts(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return n >= k && memcmp(s, pre, k) == 0;
}

/* Last space in s[0..n), or NULL. */
static const char *sl_stream_last_space(const char *s, size_t n)
{
	while (n > 0) {
		if (s[--n] == ' ')
			return s + n;
	}
	return NULL;
}

/* Parse "ok" or "error" exactly.  0 and *ok (OUT), or -1. */
static int sl_stream_parse_status(const char *s, size_t n, bool *ok)
{
	if (n == 2 && memcmp(s, "ok", 2) == 0) {
		*ok = true;
		return 0;
	}
	if (n == 5 && memcmp(s, "error", 5) == 0) {
		*ok = false;
		return 0;
	}
	return -1;
}

/* "-- sluice stream <version>[ <software version>]" */
static int sl_stream_on_version(struct sl_stream_reader *r, const char *s, size_t n)
{
	static const char pre[] = "-- sluice stream ";
	uint64_t v;

	if (!sl_stream_starts(s, n, pre)) {
		if (r->nstreams == 0)
			return sl_stream_fail(r, SL_EFORMAT, r->line_off,
			                      "not a sluice stream: no version line");
		return sl_stream_fail(r, SL_EFORMAT, r->line_off,
		                      "expected a version line after the trailer");
	}
	s += sizeof(pre) - 1;
	n -= sizeof(pre) - 1;
	const char *sp = memchr(s, ' ', n);
	size_t vlen = sp ? (size_t)(sp - s) : n;
	if (sl_stream_parse_u64(s, vlen, &v) || (sp && vlen + 1 == n))
		return sl_stream_fail(r, SL_EFORMAT, r->line_off, "bad version line");
	if (v < 1 || v > SL_STREAM_VERSION)
		return sl_stream_fail(r, SL_EFORMAT, r->line_off,
		                      "unsupported stream version %" PRIu64
		                      " (this reader knows 1 to %d)",
		                      v, SL_STREAM_VERSION);
	r->version = (int)v;
	r->nstreams++;
	/* The tables of the stream before (continuous mode) may come again. */
	sl_map_free(&r->ended, sl_free);
	r->nended = r->nlisted = 0;
	sl_stream_trailer_free(&r->trailer);
	r->tables_cap = 0;
	r->state = SL_RS_FRAMES;
	return 0;
}

/* "-- sluice frame <len> <name>" (s[n] is a NUL) */
static int sl_stream_on_frame(struct sl_stream_reader *r, const char *s, size_t n)
{
	const char *why = NULL;
	int rc;

	const char *sp = memchr(s, ' ', n);
	if (!sp || sl_stream_parse_u64(s, (size_t)(sp - s), &r->body_len))
		return sl_stream_fail(r, SL_EFORMAT, r->line_off, "frame header: bad length");
	const char *name = sp + 1;
	size_t nlen = n - (size_t)(name - s);
	/* Version 2: " <16 hex digits>" after the name. */
	uint64_t hash = 0;
	if (r->version >= 2) {
		const char *h = nlen > 17 ? name + nlen - 16 : NULL;
		char *end = NULL;
		if (!h || h[-1] != ' ' || !(hash = strtoull(h, &end, 16), end == h + 16))
			return sl_stream_fail(r, SL_EFORMAT, r->line_off,
			                      "frame header: no checksum (16 hex digits)");
		for (size_t i = 0; i < 16; i++)
			if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
				return sl_stream_fail(r, SL_EFORMAT, r->line_off,
				                      "frame header: bad checksum");
		nlen -= 17;
	}
	rc = sl_stream_check_name(name, nlen, &r->scratch, &why);
	if (rc == SL_EFORMAT)
		return sl_stream_fail(r, SL_EFORMAT, r->line_off, "frame header: %s", why);
	if (rc)
		return sl_stream_fail(r, rc, r->line_off, "out of memory");
	memcpy(r->name, name, nlen);
	r->name[nlen] = '\0';
	r->body_done = 0;
	enum sl_file_kind kind;
	if (r->nended > 0) {
		rc = sl_fname_classify(r->name, &kind, &r->cdb, &r->ctbl);
		if (rc == SL_ENOMEM)
			return sl_stream_fail(r, rc, r->line_off, "out of memory");
		if (rc == 0 && kind == SL_FILE_DATA &&
		    sl_map_get2(&r->ended, r->cdb.data, r->ctbl.data))
			return sl_stream_fail(r, SL_EFORMAT, r->line_off,
			                      "frame %s: data of a table after its table-end line",
			                      r->name);
	}
	if (r->cb.on_frame_begin &&
	    (rc = r->cb.on_frame_begin(r->ud, r->name, r->body_len,
	                               r->version >= 2 ? &hash : NULL)) != 0)
		return sl_stream_stop(r, rc);
	if (r->body_len == 0) {
		if (r->cb.on_frame_end && (rc = r->cb.on_frame_end(r->ud)) != 0)
			return sl_stream_stop(r, rc);
		return 0;
	}
	r->state = SL_RS_BODY;
	return 0;
}

static int sl_stream_trailer_done(struct sl_stream_reader *r);
static int sl_stream_on_table_end(struct sl_stream_reader *r, const char *v, size_t n);

/* "-- sluice trailer <len> ok|error" */
static int sl_stream_on_trailer_header(struct sl_stream_reader *r, const char *s, size_t n)
{
	const char *sp = memchr(s, ' ', n);
	if (!sp || sl_stream_parse_u64(s, (size_t)(sp - s), &r->tbody_len))
		return sl_stream_fail(r, SL_EFORMAT, r->line_off, "trailer header: bad length");
	if (sl_stream_parse_status(sp + 1, n - (size_t)(sp + 1 - s), &r->hdr_ok))
		return sl_stream_fail(r, SL_EFORMAT, r->line_off, "trailer header: bad status");
	sl_stream_trailer_free(&r->trailer);
	r->tables_cap = 0;
	r->trailer.ok = r->hdr_ok;
	r->tbody_done = 0;
	r->seen = 0;
	sl_buf_reset(&r->tline);
	r->state = SL_RS_TRAILER;
	if (r->tbody_len == 0)
		return sl_stream_trailer_done(r);
	return 0;
}

/* A complete line in SL_RS_FRAMES. */
static int sl_stream_on_frames_line(struct sl_stream_reader *r, const char *s, size_t n)
{
	if (sl_stream_starts(s, n, "-- sluice frame "))
		return sl_stream_on_frame(r, s + 16, n - 16);
	if (sl_stream_starts(s, n, "-- sluice trailer "))
		return sl_stream_on_trailer_header(r, s + 18, n - 18);
	if (sl_stream_starts(s, n, "-- sluice table-end "))
		return sl_stream_on_table_end(r, s + 20, n - 20);
	if (sl_stream_starts(s, n, "-- sluice stream "))
		return sl_stream_fail(r, SL_EFORMAT, r->line_off,
		                      "version line inside a stream: the stream before it has no "
		                      "trailer");
	return sl_stream_fail(r, SL_EFORMAT, r->line_off, "expected a frame or trailer header");
}

/* "-- sluice end ok|error": the stream is complete. */
static int sl_stream_on_end(struct sl_stream_reader *r, const char *s, size_t n)
{
	bool ok;
	int rc;

	if (!sl_stream_starts(s, n, "-- sluice end ") ||
	    sl_stream_parse_status(s + 14, n - 14, &ok))
		return sl_stream_fail(r, SL_EFORMAT, r->line_off,
		                      "expected the end line of the trailer");
	if (ok != r->hdr_ok)
		return sl_stream_fail(r, SL_EFORMAT, r->line_off,
		                      "trailer: end line says %s, trailer header says %s",
		                      ok ? "ok" : "error", r->hdr_ok ? "ok" : "error");
	if (!ok && !r->bad_trailer) {
		r->bad_trailer = true;
		if (r->trailer.error && !(r->bad_msg = sl_strdup(r->trailer.error)))
			return sl_stream_fail(r, SL_ENOMEM, r->line_off, "out of memory");
	}
	r->state = SL_RS_DONE;
	if (r->cb.on_trailer && (rc = r->cb.on_trailer(r->ud, &r->trailer)) != 0)
		return sl_stream_stop(r, rc);
	return 0;
}

/* Collect a header line from *p.  Returns 0 with *complete (OUT) set when
 * the line (in r->line, NUL-terminated) is whole, 0 with *complete false
 * when all input was taken, or an error. */
static int sl_stream_take_line(struct sl_stream_reader *r, const char **p, size_t *n,
                               bool *complete)
{
	static const char *const expected[] = {
	    [SL_RS_VERSION] = NULL, /* see sl_stream_on_version */
	    [SL_RS_FRAMES] = "expected a frame or trailer header",
	    [SL_RS_END] = "expected the end line of the trailer",
	};

	if (r->linelen == 0)
		r->line_off = r->off;
	size_t room = SL_STREAM_MAX_HEADER - r->linelen;
	size_t scan = *n < room + 1 ? *n : room + 1;
	const char *nl = memchr(*p, '\n', scan);
	size_t take = nl ? (size_t)(nl - *p) : (scan > room ? room : scan);
	memcpy(r->line + r->linelen, *p, take);
	r->linelen += take;

	/* Refuse what cannot become a header line as soon as it is seen. */
	size_t k = r->linelen < SL_STREAM_MAGIC_LEN ? r->linelen : SL_STREAM_MAGIC_LEN;
	if (memcmp(r->line, SL_STREAM_MAGIC, k) != 0 || (nl && r->linelen < SL_STREAM_MAGIC_LEN)) {
		if (r->state == SL_RS_VERSION)
			return sl_stream_on_version(r, r->line, r->linelen);
		return sl_stream_fail(r, SL_EFORMAT, r->line_off, "%s", expected[r->state]);
	}
	if (!nl) {
		if (scan > room)
			return sl_stream_fail(r, SL_EFORMAT, r->line_off, "header line too long");
		r->off += take;
		*p += take;
		*n -= take;
		*complete = false;
		return 0;
	}
	r->off += take + 1;
	*p += take + 1;
	*n -= take + 1;
	r->line[r->linelen] = '\0';
	*complete = true;
	return 0;
}

/* Append the next table count.  0 or SL_ENOMEM. */
static int sl_stream_add_table(struct sl_stream_reader *r, char *schema, char *name, uint64_t rows)
{
	struct sl_stream_trailer *t = &r->trailer;

	if (t->ntables == r->tables_cap) {
		size_t cap = r->tables_cap ? r->tables_cap * 2 : 16;
		struct sl_stream_table_count *nt = sl_realloc(t->tables, cap * sizeof(*nt));
		if (!nt)
			return SL_ENOMEM;
		t->tables = nt;
		r->tables_cap = cap;
	}
	t->tables[t->ntables].schema = schema;
	t->tables[t->ntables].name = name;
	t->tables[t->ntables].rows = rows;
	t->ntables++;
	return 0;
}

/* Decode the fname-encoded s[0..n) into a new string (*out, OUT, caller
 * frees).  0, SL_EFORMAT (empty or badly encoded) or SL_ENOMEM. */
static int sl_stream_decode_dup(struct sl_stream_reader *r, const char *s, size_t n, char **out)
{
	int rc;

	if (n == 0)
		return SL_EFORMAT;
	sl_buf_reset(&r->scratch);
	if ((rc = sl_fname_decode(&r->scratch, s, n)) != 0)
		return rc;
	*out = sl_strndup(r->scratch.data, r->scratch.len);
	return *out ? 0 : SL_ENOMEM;
}

/* Parse "<db>.<table> ROWS" (fname-encoded names) at stream offset 'at'
 * of a 'what' line: 0 with the decoded names (caller frees) and rows, or
 * the reader's failure. */
static int sl_stream_parse_table(struct sl_stream_reader *r, const char *v, size_t n, uint64_t at,
                                 const char *what, char **schema, char **name, uint64_t *rows)
{
	int rc;

	*schema = *name = NULL;
	const char *sp = sl_stream_last_space(v, n);
	if (!sp || sl_stream_parse_u64(sp + 1, n - (size_t)(sp + 1 - v), rows))
		return sl_stream_fail(r, SL_EFORMAT, at, "%s: bad table line", what);
	size_t qlen = (size_t)(sp - v);
	const char *dot = memchr(v, '.', qlen);
	if (!dot) {
		rc = SL_EFORMAT;
		goto fail;
	}
	if ((rc = sl_stream_decode_dup(r, v, (size_t)(dot - v), schema)) != 0)
		goto fail;
	if ((rc = sl_stream_decode_dup(r, dot + 1, qlen - (size_t)(dot + 1 - v), name)) != 0)
		goto fail;
	return 0;
fail:
	sl_free(*schema);
	sl_free(*name);
	*schema = *name = NULL;
	if (rc == SL_EFORMAT)
		return sl_stream_fail(r, rc, at, "%s: bad table name", what);
	return sl_stream_fail(r, rc, at, "out of memory");
}

/* "-- table <db>.<table> ROWS" (v is what follows "-- table "). */
static int sl_stream_on_table_line(struct sl_stream_reader *r, const char *v, size_t n)
{
	char *schema, *name;
	uint64_t rows;
	int rc;

	if ((rc = sl_stream_parse_table(r, v, n, r->tline_off, "trailer", &schema, &name, &rows)))
		return rc;
	/* A table ended before: the same rows, and readers need not end it again. */
	struct sl_stream_ended *e = sl_map_get2(&r->ended, schema, name);
	bool ended = false;
	if (e) {
		if (e->listed || e->rows != rows) {
			rc = sl_stream_fail(r, SL_EFORMAT, r->tline_off,
			                    e->listed ? "trailer: table %s.%s listed twice"
			                              : "trailer: table %s.%s: its table-end line "
			                                "says other rows",
			                    schema, name);
			goto fail;
		}
		e->listed = ended = true;
		r->nlisted++;
	}
	if ((rc = sl_stream_add_table(r, schema, name, rows)) != 0) {
		rc = sl_stream_fail(r, rc, r->tline_off, "out of memory");
		goto fail;
	}
	r->trailer.tables[r->trailer.ntables - 1].ended = ended;
	return 0;
fail:
	sl_free(schema);
	sl_free(name);
	return rc;
}

/* "-- sluice table-end <db>.<table> ROWS" (v is what follows the key). */
static int sl_stream_on_table_end(struct sl_stream_reader *r, const char *v, size_t n)
{
	char *schema, *name;
	uint64_t rows;
	int rc;

	if (r->version < 3)
		return sl_stream_fail(r, SL_EFORMAT, r->line_off,
		                      "table-end line in a version %d stream", r->version);
	if ((rc = sl_stream_parse_table(r, v, n, r->line_off, "table-end", &schema, &name, &rows)))
		return rc;
	struct sl_stream_ended *e = NULL;
	if (sl_map_get2(&r->ended, schema, name)) {
		rc = sl_stream_fail(r, SL_EFORMAT, r->line_off,
		                    "table-end: table %s.%s ended twice", schema, name);
	} else if (!(e = sl_calloc(1, sizeof(*e))) || sl_map_put2(&r->ended, schema, name, e)) {
		sl_free(e); /* not in the map: a failed put leaves it unchanged */
		rc = sl_stream_fail(r, SL_ENOMEM, r->line_off, "out of memory");
	} else {
		e->rows = rows;
		r->nended++;
		if (r->cb.on_table_end && (rc = r->cb.on_table_end(r->ud, schema, name, rows)) != 0)
			rc = sl_stream_stop(r, rc);
	}
	sl_free(schema);
	sl_free(name);
	return rc;
}

/* One line of the trailer body, without its '\n'. */
static int sl_stream_on_trailer_line(struct sl_stream_reader *r, const char *s, size_t n)
{
	struct sl_stream_trailer *t = &r->trailer;
	uint64_t at = r->tline_off;
	uint64_t *num = NULL;
	unsigned bit = 0;

	if (!sl_stream_starts(s, n, "-- ")) {
		if (!r->hdr_ok && (r->seen & SL_TR_STATUS) && sl_stream_starts(s, n, "SIGNAL "))
			return 0; /* makes a plain client stop; nothing to read */
		return sl_stream_fail(r, SL_EFORMAT, at, "trailer: unexpected line");
	}
	s += 3;
	n -= 3;
	const char *sp = memchr(s, ' ', n);
	size_t klen = sp ? (size_t)(sp - s) : n;
	const char *v = sp ? sp + 1 : s + n;
	size_t vlen = sp ? n - klen - 1 : 0;

	if (klen == 6 && memcmp(s, "status", 6) == 0) {
		bool ok;
		if (r->seen)
			return sl_stream_fail(r, SL_EFORMAT, at,
			                      "trailer: status is not the first line");
		if (sl_stream_parse_status(v, vlen, &ok) || !sp)
			return sl_stream_fail(r, SL_EFORMAT, at, "trailer: bad status line");
		if (ok != r->hdr_ok)
			return sl_stream_fail(r, SL_EFORMAT, at,
			                      "trailer: status %s, trailer header says %s",
			                      ok ? "ok" : "error", r->hdr_ok ? "ok" : "error");
		r->seen |= SL_TR_STATUS;
		return 0;
	}
	if (!(r->seen & SL_TR_STATUS))
		return sl_stream_fail(r, SL_EFORMAT, at, "trailer: first line is not the status");

	if (klen == 5 && memcmp(s, "files", 5) == 0) {
		num = &t->files;
		bit = SL_TR_FILES;
	} else if (klen == 4 && memcmp(s, "rows", 4) == 0) {
		num = &t->rows;
		bit = SL_TR_ROWS;
	} else if (klen == 5 && memcmp(s, "bytes", 5) == 0) {
		num = &t->bytes;
		bit = SL_TR_BYTES;
	}
	if (num) {
		if (r->seen & bit)
			return sl_stream_fail(r, SL_EFORMAT, at, "trailer: duplicate %.*s line",
			                      (int)klen, s);
		if (!sp || sl_stream_parse_u64(v, vlen, num))
			return sl_stream_fail(r, SL_EFORMAT, at, "trailer: bad %.*s count",
			                      (int)klen, s);
		r->seen |= bit;
		return 0;
	}
	if (klen == 6 && memcmp(s, "binlog", 6) == 0) {
		if (r->seen & SL_TR_BINLOG)
			return sl_stream_fail(r, SL_EFORMAT, at, "trailer: duplicate binlog line");
		const char *ps = sl_stream_last_space(v, vlen);
		if (!ps || ps == v ||
		    sl_stream_parse_u64(ps + 1, vlen - (size_t)(ps + 1 - v), &t->binlog_pos))
			return sl_stream_fail(r, SL_EFORMAT, at, "trailer: bad binlog line");
		if (!(t->binlog_file = sl_strndup(v, (size_t)(ps - v))))
			return sl_stream_fail(r, SL_ENOMEM, at, "out of memory");
		r->seen |= SL_TR_BINLOG;
		return 0;
	}
	if (klen == 4 && memcmp(s, "gtid", 4) == 0) {
		if (r->seen & SL_TR_GTID)
			return sl_stream_fail(r, SL_EFORMAT, at, "trailer: duplicate gtid line");
		if (vlen == 0)
			return sl_stream_fail(r, SL_EFORMAT, at, "trailer: empty gtid");
		if (!(t->gtid = sl_strndup(v, vlen)))
			return sl_stream_fail(r, SL_ENOMEM, at, "out of memory");
		r->seen |= SL_TR_GTID;
		return 0;
	}
	if (klen == 5 && memcmp(s, "table", 5) == 0)
		return sl_stream_on_table_line(r, v, vlen);
	if (klen == 5 && memcmp(s, "error", 5) == 0) {
		if (r->hdr_ok)
			return sl_stream_fail(r, SL_EFORMAT, at,
			                      "trailer: error line in an ok trailer");
		if (r->seen & SL_TR_ERROR)
			return sl_stream_fail(r, SL_EFORMAT, at, "trailer: duplicate error line");
		if (!(t->error = sl_strndup(v, vlen)))
			return sl_stream_fail(r, SL_ENOMEM, at, "out of memory");
		r->seen |= SL_TR_ERROR;
		return 0;
	}
	/* A comment line a later version may add: ignored. */
	return 0;
}

/* The trailer body has been read: check it is complete. */
static int sl_stream_trailer_done(struct sl_stream_reader *r)
{
	/* Offset of the first byte after the body. */
	uint64_t at = r->off;

	if (r->tline.len)
		return sl_stream_fail(r, SL_EFORMAT, r->tline_off,
		                      "trailer: last line is not terminated");
	if (!(r->seen & SL_TR_STATUS))
		return sl_stream_fail(r, SL_EFORMAT, at, "trailer: no status line");
	if (!(r->seen & SL_TR_FILES))
		return sl_stream_fail(r, SL_EFORMAT, at, "trailer: no files line");
	if (!(r->seen & SL_TR_ROWS))
		return sl_stream_fail(r, SL_EFORMAT, at, "trailer: no rows line");
	if (!(r->seen & SL_TR_BYTES))
		return sl_stream_fail(r, SL_EFORMAT, at, "trailer: no bytes line");
	if (r->nlisted < r->nended)
		return sl_stream_fail(r, SL_EFORMAT, at,
		                      "trailer: no table line for a table that ended before "
		                      "(%zu of %zu missing)",
		                      r->nended - r->nlisted, r->nended);
	r->state = SL_RS_END;
	return 0;
}

/* Consume trailer body bytes from *p. */
static int sl_stream_take_trailer(struct sl_stream_reader *r, const char **p, size_t *n)
{
	uint64_t left = r->tbody_len - r->tbody_done;
	size_t avail = *n < left ? *n : (size_t)left;
	int rc;

	while (avail > 0) {
		if (r->tline.len == 0)
			r->tline_off = r->off;
		const char *nl = memchr(*p, '\n', avail);
		size_t take = nl ? (size_t)(nl - *p) : avail;
		if (take > SL_STREAM_MAX_TRAILER_LINE - r->tline.len)
			return sl_stream_fail(r, SL_EFORMAT, r->tline_off,
			                      "trailer: line too long");
		if ((rc = sl_buf_append(&r->tline, *p, take)) != 0)
			return sl_stream_fail(r, rc, r->off, "out of memory");
		size_t used = take + (nl ? 1 : 0);
		r->off += used;
		r->tbody_done += used;
		*p += used;
		*n -= used;
		avail -= used;
		if (nl) {
			if ((rc = sl_stream_on_trailer_line(r, r->tline.data, r->tline.len)) != 0)
				return rc;
			sl_buf_reset(&r->tline);
		}
	}
	if (r->tbody_done == r->tbody_len)
		return sl_stream_trailer_done(r);
	return 0;
}

/* Hand body bytes from *p to the caller. */
static int sl_stream_take_body(struct sl_stream_reader *r, const char **p, size_t *n)
{
	uint64_t left = r->body_len - r->body_done;
	size_t k = *n < left ? *n : (size_t)left;
	const char *piece = *p;
	int rc;

	r->off += k;
	r->body_done += k;
	*p += k;
	*n -= k;
	if (r->cb.on_frame_data && (rc = r->cb.on_frame_data(r->ud, piece, k)) != 0)
		return sl_stream_stop(r, rc);
	if (r->body_done == r->body_len) {
		r->state = SL_RS_FRAMES;
		if (r->cb.on_frame_end && (rc = r->cb.on_frame_end(r->ud)) != 0)
			return sl_stream_stop(r, rc);
	}
	return 0;
}

/* Repeat the outcome of an earlier failure. */
static int sl_stream_repeat(struct sl_stream_reader *r, struct sl_error *err)
{
	if (err && r->err.code)
		sl_error_set(err, r->err.code, "%s", r->err.msg);
	return r->stop_rc;
}

int sl_stream_reader_feed(struct sl_stream_reader *r, const char *p, size_t n, struct sl_error *err)
{
	int rc = 0;

	if (r->state == SL_RS_FAILED)
		return sl_stream_repeat(r, err);
	while (n > 0 && rc == 0) {
		bool complete = false;

		switch (r->state) {
		case SL_RS_VERSION:
		case SL_RS_FRAMES:
		case SL_RS_END:
			if ((rc = sl_stream_take_line(r, &p, &n, &complete)) != 0 || !complete)
				break;
			size_t len = r->linelen;
			r->linelen = 0;
			if (r->state == SL_RS_VERSION)
				rc = sl_stream_on_version(r, r->line, len);
			else if (r->state == SL_RS_FRAMES)
				rc = sl_stream_on_frames_line(r, r->line, len);
			else
				rc = sl_stream_on_end(r, r->line, len);
			break;
		case SL_RS_BODY:
			rc = sl_stream_take_body(r, &p, &n);
			break;
		case SL_RS_TRAILER:
			rc = sl_stream_take_trailer(r, &p, &n);
			break;
		case SL_RS_DONE:
			if (!r->continuous)
				rc = sl_stream_fail(r, SL_EFORMAT, r->off, "data after trailer");
			else
				r->state = SL_RS_VERSION; /* the next stream */
			break;
		case SL_RS_FAILED:
			return sl_stream_repeat(r, err);
		}
	}
	if (rc)
		return sl_stream_repeat(r, err);
	return 0;
}

int sl_stream_reader_finish(struct sl_stream_reader *r, struct sl_error *err)
{
	switch (r->state) {
	case SL_RS_FAILED:
		break;
	case SL_RS_VERSION:
		if (r->linelen)
			sl_stream_fail(r, SL_EFORMAT, r->off, "truncated inside the version line");
		else
			sl_stream_fail(r, SL_EFORMAT, r->off, "empty input");
		break;
	case SL_RS_FRAMES:
		if (r->linelen)
			sl_stream_fail(r, SL_EFORMAT, r->off, "truncated inside a header line");
		else
			sl_stream_fail(r, SL_EFORMAT, r->off,
			               "no trailer: the stream is incomplete");
		break;
	case SL_RS_BODY:
		sl_stream_fail(r, SL_EFORMAT, r->off,
		               "truncated inside frame %s: got %" PRIu64 " of %" PRIu64 " bytes",
		               r->name, r->body_done, r->body_len);
		break;
	case SL_RS_TRAILER:
		sl_stream_fail(r, SL_EFORMAT, r->off,
		               "truncated trailer: got %" PRIu64 " of %" PRIu64 " bytes",
		               r->tbody_done, r->tbody_len);
		break;
	case SL_RS_END:
		if (r->linelen)
			sl_stream_fail(r, SL_EFORMAT, r->off,
			               "truncated trailer: incomplete end line");
		else
			sl_stream_fail(r, SL_EFORMAT, r->off, "truncated trailer: no end line");
		break;
	case SL_RS_DONE:
		if (!r->bad_trailer)
			return 0;
		sl_stream_fail(r, SL_EFORMAT, r->off, "trailer status error: %s",
		               r->bad_msg ? r->bad_msg : "(no message)");
		break;
	}
	return sl_stream_repeat(r, err);
}
