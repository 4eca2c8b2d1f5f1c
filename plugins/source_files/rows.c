/* rows.c - data files decoded back into row blocks, for row hooks (files.h:
 * files_emit()).
 *
 * A file source hands on rendered files as they are, at no cost.  When the
 * router gave a table a row hook (t->decode_rows: the script has a
 * transform), each of its data files is read back into rows instead: SQL
 * files statement by statement (format/decode_sql.c: INSERT statements;
 * SET NAMES is remembered so the rows are encoded again in the character
 * set their bytes are in; other statements, USE, SET, LOCK TABLES, are the
 * session around the rows and are not data), csv, tsv and jsonl files row
 * by row (format/decode_text.c).  Blocks of about --batch-size go to
 * sl_pipeline_emit_rows(), which runs the hook on this thread and encodes
 * the rows for each sink, as it does for rows fetched from a server.
 * Columns are the table's, from its CREATE TABLE (t.columns); a column
 * list naming one the table does not have (or a table without a schema
 * file) gets a column of that name whose values are strings. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "files.h"
#include "format/dataformat.h"
#include "format/decode_sql.h"
#include "format/decode_text.h"
#include "format/rowset.h"
#include "format/table.h"

struct decoder {
	struct files_source *s;
	struct sl_table *t;
	const struct sl_batch *b;
	size_t limit; /* bytes of rows per block: --batch-size */
	struct sl_rowset rs;
	const struct sl_column **cols; /* the block's columns */
	size_t ncols;
	struct sl_column *extra; /* columns the table does not describe */
	size_t nextra;
	struct sl_buf scratch;
};

static int decode_fail(struct decoder *d, const char *what)
{
	return sl_pipeline_fail(d->s->inst->pipe, SL_EFORMAT, "%s: %s.%s: data file %s: %s",
	                        d->s->source, d->t->schema, d->t->name, d->b->name, what);
}

/* Hand the rows of the block on, and start the next. */
static int flush(struct decoder *d)
{
	if (d->rs.nrows == 0)
		return 0;
	int rc = sl_pipeline_emit_rows(d->s->inst->pipe, d->t, &d->rs);
	sl_rowset_reset(&d->rs);
	return rc;
}

/* The table's column named 'name' (names ignore case), or a new one of
 * the decoder's own. */
static const struct sl_column *column_named(struct decoder *d, const char *name)
{
	for (size_t i = 0; i < d->t->ncols; i++)
		if (!strcasecmp(d->t->cols[i].name, name))
			return &d->t->cols[i];
	for (size_t i = 0; i < d->nextra; i++)
		if (!strcmp(d->extra[i].name, name))
			return &d->extra[i];
	return NULL;
}

/* Set the block's columns to names[0..n) (NULL: the table's own, as an
 * INSERT without a column list means: neither generated nor invisible).
 * The block is flushed first when they change.  0 or the run's error. */
static int set_columns(struct decoder *d, char *const *names, size_t n)
{
	const struct sl_table *t = d->t;
	size_t want = names ? n : 0;
	if (!names)
		for (size_t i = 0; i < t->ncols; i++)
			want += !t->cols[i].generated && !t->cols[i].invisible;
	if (!names && want == 0)
		return decode_fail(d, "an INSERT without a column list, and no CREATE TABLE read "
		                      "to say the columns");
	const struct sl_column **cols = sl_calloc(want ? want : 1, sizeof(*cols));
	if (!cols)
		return sl_pipeline_fail(d->s->inst->pipe, SL_ENOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; names && i < n; i++) {
		const struct sl_column *c = column_named(d, names[i]);
		if (!c) {
			/* Not described: its values are strings.  The array may move,
			 * so the block is flushed first and the lookup starts over. */
			int rc = flush(d);
			struct sl_column *v =
			    rc ? NULL : sl_realloc(d->extra, (d->nextra + 1) * sizeof(*v));
			if (v) {
				d->extra = v;
				v += d->nextra;
				memset(v, 0, sizeof(*v));
				v->value_class = SL_VAL_STRING;
				v->nullable = true;
				if ((v->name = sl_strdup(names[i])))
					d->nextra++;
			}
			sl_free(cols);
			if (rc)
				return rc;
			if (!v || !v->name)
				return sl_pipeline_fail(d->s->inst->pipe, SL_ENOMEM,
				                        "out of memory");
			return set_columns(d, names, n);
		}
		cols[k++] = c;
	}
	for (size_t i = 0; !names && i < t->ncols; i++)
		if (!t->cols[i].generated && !t->cols[i].invisible)
			cols[k++] = &t->cols[i];
	bool same = d->cols && d->ncols == want;
	for (size_t i = 0; same && i < want; i++)
		same = d->cols[i] == cols[i];
	if (same) {
		sl_free(cols);
		return 0;
	}
	int rc = flush(d);
	sl_free(d->cols);
	d->cols = cols;
	d->ncols = want;
	sl_rowset_retarget(&d->rs, want, cols);
	return rc;
}

/* "SET NAMES x": remember x as the character set of the rows' bytes.  0 or
 * SL_ENOMEM. */
static int note_names(struct decoder *d, const char *stmt, size_t len)
{
	const char *name;
	size_t n = sl_decode_set_names(stmt, len, &name);
	if (!n)
		return 0;
	char *v = sl_malloc(n + 1);
	if (!v)
		return SL_ENOMEM;
	memcpy(v, name, n);
	v[n] = '\0';
	if (!strcasecmp(v, "binary")) {
		sl_free(v);
		v = NULL;
	}
	/* One reader thread decodes; the encoder reads it on this thread. */
	sl_free(d->t->names);
	d->t->names = v;
	return 0;
}

static int decode_sql(struct decoder *d)
{
	struct sl_sqlsplit sp;
	struct sl_error err = {0};
	const char *stmt;
	size_t len;
	int more, rc = 0;
	sl_sqlsplit_init(&sp, d->b->name, d->b->body.data, d->b->body.len);
	while (!rc && (more = sl_sqlsplit_next(&sp, &stmt, &len, &err)) == 1) {
		if (!sl_decode_is_insert(stmt, len)) {
			if (note_names(d, stmt, len))
				rc = sl_pipeline_fail(d->s->inst->pipe, SL_ENOMEM, "out of memory");
			continue;
		}
		struct sl_insert_head h;
		char msg[SL_ERROR_MAX + 64];
		rc = sl_decode_insert_head(stmt, len, &h, &err);
		if (!rc)
			rc = set_columns(d, h.ncols ? h.cols : NULL, h.ncols);
		else if (rc == SL_EFORMAT)
			rc = decode_fail(d, err.msg);
		size_t pos = h.first_row;
		while (!rc) {
			rc = sl_decode_insert_rows(stmt, len, &pos, &d->rs, d->limit, &d->scratch,
			                           &err);
			if (rc == 1)
				rc = flush(d);
			else
				break;
		}
		if (rc == SL_EFORMAT && err.code) {
			snprintf(msg, sizeof(msg), "statement at byte %llu: %s",
			         (unsigned long long)(sp.base + (size_t)(stmt - sp.p)), err.msg);
			rc = decode_fail(d, msg);
		} else if (rc == SL_ENOMEM) {
			rc = sl_pipeline_fail(d->s->inst->pipe, rc, "out of memory");
		}
		sl_insert_head_free(&h);
		sl_error_clear(&err);
	}
	if (!rc && more < 0)
		rc = decode_fail(d, err.msg);
	return rc ? rc : flush(d);
}

static int decode_text(struct decoder *d, enum sl_text_format fmt)
{
	struct sl_text_reader r;
	const char **vals = NULL;
	unsigned long *lens = NULL;
	int rc = sl_text_reader_init(&r, fmt, d->b->body.data, d->b->body.len);
	if (rc == SL_ENOMEM)
		rc = sl_pipeline_fail(d->s->inst->pipe, rc, "out of memory");
	else if (rc)
		rc = decode_fail(d, r.err);
	if (!rc && r.ncols && !(rc = set_columns(d, r.names, r.ncols))) {
		for (size_t i = 0; i < r.ncols; i++)
			r.cls[i] = d->cols[i]->value_class;
		vals = sl_calloc(r.ncols, sizeof(*vals));
		lens = sl_calloc(r.ncols, sizeof(*lens));
		if (!vals || !lens)
			rc = sl_pipeline_fail(d->s->inst->pipe, SL_ENOMEM, "out of memory");
	}
	while (!rc && r.ncols) {
		int got = sl_text_reader_row(&r, vals, lens);
		if (got == 0)
			break;
		if (got < 0) {
			rc = decode_fail(d, r.err);
			break;
		}
		if (sl_rowset_add_row(&d->rs, vals, lens))
			rc = sl_pipeline_fail(d->s->inst->pipe, SL_ENOMEM, "out of memory");
		else if (sl_rowset_bytes(&d->rs) >= d->limit)
			rc = flush(d);
	}
	sl_free(vals);
	sl_free(lens);
	sl_text_reader_free(&r);
	return rc ? rc : flush(d);
}

int files_emit(struct files_source *s, struct sl_batch *b)
{
	struct sl_pipeline *p = s->inst->pipe;
	const struct sl_table *bt = b->table;
	if (b->kind != SL_BATCH_FILE || b->file_kind != SL_FILE_DATA || !bt || !bt->decode_rows ||
	    bt->dropped)
		return sl_pipeline_emit(p, b);
	struct decoder d = {.s = s, .b = b};
	d.t = sl_tableset_get(&s->tables, bt->schema, bt->name, NULL);
	d.limit = (size_t)sl_pipeline_config(p)->batch_size;
	sl_rowset_init(&d.rs, 0, NULL);
	int rc;
	if (!d.t) {
		rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	} else {
		const struct sl_data_format *f = sl_data_format_of_file(b->name);
		rc = f && f->text ? decode_text(&d, f->text) : decode_sql(&d);
	}
	sl_rowset_free(&d.rs);
	sl_free(d.cols);
	for (size_t i = 0; i < d.nextra; i++)
		sl_free(d.extra[i].name);
	sl_free(d.extra);
	sl_buf_free(&d.scratch);
	sl_batch_release(b);
	return rc;
}
