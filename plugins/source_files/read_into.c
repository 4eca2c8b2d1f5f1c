/* read_into.c - the files source's reader of one csv, tsv or jsonl file
 * written by another tool, into one table (load --into DB.TABLE).
 *
 * The file (or standard input) is read in pieces and cut at record
 * boundaries (csv: line ends outside quoted fields, which may hold
 * newlines) into data files of about 4 MiB, each starting with the header
 * row (csv, tsv; a JSON line names its own keys), which the loader loads
 * in parallel through LOAD DATA LOCAL, or which row hooks decode (rows.c).
 * CRLF line ends outside quoted fields become LF on the way, so the
 * loader sees one form.  Every record is parsed on the way in
 * (format/decode_text.c), so a malformed one (a field count that differs
 * from the header's, an unterminated quote, a line that is not a JSON
 * object with the first line's keys) fails the load naming its line in
 * the whole file, before anything after it is loaded.  Memory: the part
 * being filled and one record; a record longer than --buffer is refused. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "files.h"
#include "format/dataformat.h"
#include "format/fname.h"

#define INTO_CHUNK ((size_t)1 << 20)

struct into_reader {
	char *db, *table;
	const struct sl_data_format *fmt;
	struct sl_buf win;    /* bytes read, not yet in a part */
	size_t scanned;       /* of win, looked at for record ends */
	size_t cut;           /* of win, the end of the last whole record */
	bool quoted;          /* csv: inside a quoted field at 'scanned' */
	struct sl_buf header; /* csv, tsv: the header row, with its newline */
	struct sl_text_reader check;
	bool have_check;
	struct files_file file;
	bool open;
	unsigned seq;
	uint64_t rows;
};

/* "db.table", either part in backquotes when it holds a dot. */
static int parse_target(const char *spec, char **db, char **table)
{
	struct sl_buf part[2] = {SL_BUF_INIT, SL_BUF_INIT};
	size_t k = 0;
	int rc = 0;
	for (const char *p = spec; *p && !rc; p++) {
		if (*p == '`') {
			for (p++; *p && !rc; p++) {
				if (*p == '`' && p[1] == '`')
					p++;
				else if (*p == '`')
					break;
				rc = sl_buf_putc(&part[k], *p);
			}
			if (!*p)
				rc = SL_EUSAGE;
		} else if (*p == '.' && k == 0) {
			k = 1;
		} else {
			rc = sl_buf_putc(&part[k], *p);
		}
	}
	if (!rc && (k != 1 || !part[0].len || !part[1].len))
		rc = SL_EUSAGE;
	if (rc) {
		sl_buf_free(&part[0]);
		sl_buf_free(&part[1]);
		return rc;
	}
	*db = sl_buf_steal(&part[0], NULL);
	*table = sl_buf_steal(&part[1], NULL);
	return 0;
}

static int into_open(struct files_source *s)
{
	struct sl_pipeline *p = s->inst->pipe;
	struct into_reader *r = sl_calloc(1, sizeof(*r));
	if (!r)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	s->state = r;
	int rc = parse_target(s->cfg->into, &r->db, &r->table);
	if (rc == SL_ENOMEM)
		return sl_pipeline_fail(p, rc, "out of memory");
	if (rc)
		return sl_pipeline_fail(p, SL_EUSAGE,
		                        "--into %s: expected DB.TABLE (names with a dot in "
		                        "backquotes: `my.db`.t)",
		                        s->cfg->into);
	static const char *const names[] = {NULL, "csv", "tsv", "jsonl"};
	if (s->cfg->format > 0) {
		r->fmt = sl_data_format_find(names[s->cfg->format]);
	} else {
		r->fmt = strcmp(s->path, "-") ? sl_data_format_of_file(s->path) : NULL;
		if (r->fmt && !r->fmt->text)
			r->fmt = NULL;
		if (!r->fmt)
			return sl_pipeline_fail(
			    p, SL_EUSAGE,
			    "--into: say what %s holds with --format csv, tsv or "
			    "jsonl",
			    s->source);
	}
	s->inst->name = "into";
	return 0;
}

static void into_destroy(struct files_source *s)
{
	struct into_reader *r = s->state;
	if (!r)
		return;
	if (r->open)
		files_file_free(&r->file);
	if (r->have_check)
		sl_text_reader_free(&r->check);
	sl_buf_free(&r->win);
	sl_buf_free(&r->header);
	sl_free(r->db);
	sl_free(r->table);
	sl_free(r);
	s->state = NULL;
}

/* Close the part being filled. */
static int close_part(struct files_source *s, struct into_reader *r)
{
	if (!r->open)
		return 0;
	r->open = false;
	int rc = files_close(s, &r->file, NULL);
	files_file_free(&r->file);
	return rc;
}

/* Add win[0..n), whole records, to the current part (a new one when
 * there is none), after checking them. */
static int add_records(struct files_source *s, struct into_reader *r, size_t n)
{
	struct sl_pipeline *p = s->inst->pipe;
	int rc;
	if (!r->have_check) {
		/* The first records: the header (csv, tsv) or first line (jsonl)
		 * sets up the check of all that follow. */
		if (sl_text_reader_init(&r->check, r->fmt->text, r->win.data, n)) {
			r->have_check = true;
			return sl_pipeline_fail(p, SL_EFORMAT, "%s: line 1: %s", s->source,
			                        r->check.err[0] ? r->check.err : "malformed");
		}
		r->have_check = true;
		if (r->check.ncols == 0)
			return sl_pipeline_fail(p, SL_EFORMAT, "%s: no header row", s->source);
		if (r->fmt->text != SL_TEXT_JSONL &&
		    sl_buf_append(&r->header, r->win.data, (size_t)(r->check.p - r->win.data)))
			return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	} else {
		r->check.p = r->win.data;
	}
	r->check.end = r->win.data + n;
	const char **vals = sl_calloc(r->check.ncols, sizeof(*vals));
	unsigned long *lens = sl_calloc(r->check.ncols, sizeof(*lens));
	if (!vals || !lens) {
		sl_free(vals);
		sl_free(lens);
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	}
	const char *records = r->check.p;
	int got;
	while ((got = sl_text_reader_row(&r->check, vals, lens)) == 1)
		r->rows++;
	sl_free(vals);
	sl_free(lens);
	if (got < 0)
		return sl_pipeline_fail(p, SL_EFORMAT, "%s: %s", s->source, r->check.err);
	size_t len = (size_t)(r->win.data + n - records);
	if (!r->open) {
		struct sl_buf name = SL_BUF_INIT;
		enum sl_file_kind kind;
		rc = sl_fname_data(&name, r->db, r->table, r->seq++, r->fmt->ext);
		if (rc) {
			sl_buf_free(&name);
			return sl_pipeline_fail(p, SL_EUSAGE,
			                        "--into %s: a name that cannot be a file name",
			                        s->cfg->into);
		}
		rc = files_classify(s, name.data, &kind);
		char where[1200];
		snprintf(where, sizeof(where), "%s: %s", s->source, name.data);
		if (!rc)
			rc = files_open(s, where, name.data, SL_FILE_DATA, FILES_SIZE_UNKNOWN, true,
			                &r->file);
		sl_buf_free(&name);
		if (rc)
			return rc == SL_ENOMEM ? sl_pipeline_fail(p, rc, "out of memory") : rc;
		r->open = true;
		if (r->header.len && (rc = files_add(s, &r->file, r->header.data, r->header.len)))
			return rc;
	}
	if (len && (rc = files_add(s, &r->file, records, len)))
		return rc;
	return r->file.got >= FILES_PART ? close_part(s, r) : 0;
}

/* Find whole records in the new bytes of the window (turning CRLF into
 * LF outside quoted fields) and move them into parts. */
static int scan(struct files_source *s, struct into_reader *r, bool eof)
{
	bool csv = r->fmt->text == SL_TEXT_CSV;
	char *d = r->win.data;
	size_t w = r->scanned, i = r->scanned;
	for (; i < r->win.len; i++) {
		char c = d[i];
		if (csv && c == '"') {
			r->quoted = !r->quoted;
		} else if (c == '\r' && !r->quoted) {
			if (i + 1 == r->win.len && !eof)
				break; /* the next byte says what it is */
			if (i + 1 < r->win.len && d[i + 1] == '\n')
				continue; /* dropped: the LF ends the record */
		}
		d[w++] = c;
		if (c == '\n' && !r->quoted)
			r->cut = w;
	}
	/* What was not looked at (a CR at the end) follows what was kept. */
	size_t left = r->win.len - i;
	memmove(d + w, d + i, left);
	r->win.len = w + left;
	r->scanned = w;
	if (eof && r->cut < r->win.len) {
		/* The last record without its newline. */
		if (sl_buf_putc(&r->win, '\n'))
			return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
		r->cut = r->win.len;
	}
	int rc = 0;
	if (r->cut && (!r->have_check || r->cut >= FILES_PART / 4 || eof)) {
		rc = add_records(s, r, r->cut);
		memmove(r->win.data, r->win.data + r->cut, r->win.len - r->cut);
		r->win.len -= r->cut;
		r->scanned -= r->cut;
		r->cut = 0;
	}
	uint64_t bound = sl_pipeline_config(s->inst->pipe)->buffer;
	if (!rc && r->win.len > bound)
		rc = sl_pipeline_fail(s->inst->pipe, SL_EFORMAT,
		                      "%s: a record longer than --buffer (%" PRIu64
		                      " bytes) after line %zu: raise --buffer to read it",
		                      s->source, bound, r->check.lineno);
	return rc;
}

static int into_run(struct files_source *s)
{
	struct into_reader *r = s->state;
	struct sl_pipeline *p = s->inst->pipe;
	bool eof = false;
	int rc = 0;
	while (!rc && !eof) {
		if (sl_buf_reserve(&r->win, INTO_CHUNK))
			return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		size_t n = 0;
		if ((rc = files_input_read(s, r->win.data + r->win.len, INTO_CHUNK, &n)))
			return rc;
		r->win.len += n;
		eof = n == 0;
		rc = scan(s, r, eof);
	}
	if (!rc && r->quoted)
		rc = sl_pipeline_fail(p, SL_EFORMAT,
		                      "%s: line %zu: a quoted field not closed at the end",
		                      s->source, r->check.lineno + 1);
	if (!rc && !r->have_check)
		rc = sl_pipeline_fail(p, SL_EFORMAT, "%s: empty: no header row", s->source);
	if (!rc)
		rc = close_part(s, r);
	if (!rc && !r->seq) {
		/* A header and no rows: nothing to load, the table is complete. */
		struct sl_table *t;
		rc = sl_tableset_meet(&s->tables, p, r->db, r->table, false, &t);
		if (rc == SL_ENOMEM)
			rc = sl_pipeline_fail(p, rc, "out of memory");
	}
	if (!rc)
		rc = files_end_table(s, r->db, r->table, r->rows);
	if (!rc)
		sl_instance_log(s->inst, SL_LOG_INFO,
		                "%s: %" PRIu64 " rows of %s in %u parts into %s.%s", s->source,
		                r->rows, r->fmt->name, r->seq, r->db, r->table);
	return rc;
}

const struct files_reader files_into_reader = {
    .name = "into",
    .open = into_open,
    .run = into_run,
    .destroy = into_destroy,
};
