/* dumpread.c - what every reader of the files source uses (files.h): the
 * input, read with cancellation; a file name classified, its table met and
 * its batch built; each file accounted and emitted; and at the end the
 * check of what was read against the dump's own account (manifest or
 * trailer) before any table is reported complete. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"
#include "files.h"
#include "format/dataformat.h"
#include "format/fname.h"
#include "format/table.h"

int files_input_fail(struct files_source *s, int rc, const struct sl_error *err)
{
	if (rc == SL_ECANCEL || sl_pipeline_cancelled(s->inst->pipe))
		return SL_ECANCEL;
	return sl_pipeline_fail(s->inst->pipe, rc, "%s", err->msg);
}

void files_download_reserve(struct files_source *s)
{
	sl_pipeline_input_reserve(s->inst->pipe,
	                          (size_t)sl_s3_parallel(s->s3) * sl_s3_part_size(s->s3));
}

int files_input_read(struct files_source *s, void *buf, size_t cap, size_t *n)
{
	*n = 0;
	if (s->peek_pos < s->npeek) {
		size_t k = s->npeek - s->peek_pos < cap ? s->npeek - s->peek_pos : cap;
		memcpy(buf, s->peek + s->peek_pos, k);
		s->peek_pos += k;
		*n = k;
		return 0;
	}
	if (s->dl) {
		struct sl_error err = {0};
		int rc = sl_s3_download_read(s->dl, buf, cap, n, &err);
		if (rc)
			return files_input_fail(s, rc, &err);
		sl_pipeline_add_input(s->inst->pipe, (uint64_t)*n);
		return 0;
	}
	for (;;) {
		if (sl_pipeline_cancelled(s->inst->pipe))
			return SL_ECANCEL;
		int w = sl_wakeup_wait(&s->wake, s->fd);
		if (w < 0)
			return sl_pipeline_fail(s->inst->pipe, SL_EIO, "%s: poll failed: %s",
			                        s->source, strerror(errno));
		if (w > 0)
			return SL_ECANCEL;
		ssize_t k = read(s->fd, buf, cap);
		if (k >= 0) {
			*n = (size_t)k;
			sl_pipeline_add_input(s->inst->pipe, (uint64_t)k);
			return 0;
		}
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return sl_pipeline_fail(s->inst->pipe, SL_EIO, "%s: read failed: %s",
			                        s->source, strerror(errno));
	}
}

enum files_name files_name_of(const char *name)
{
	if (!strcmp(name, SL_MANIFEST_NAME))
		return FILES_NAME_MANIFEST;
	if (!strcmp(name, SL_METADATA_NAME))
		return FILES_NAME_METADATA;
	return FILES_NAME_FILE;
}

/* Does s end with suffix?  Returns the length before it, or 0. */
static size_t strip(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);
	return n > m && !memcmp(s + n - m, suffix, m) ? n - m : 0;
}

/* mydumper 0.10's names: raw identifiers joined by '.' and '-'. */
static int classify_raw(const char *name, enum sl_file_kind *kind, struct sl_buf *db,
                        struct sl_buf *tbl)
{
	static const struct {
		const char *suffix;
		enum sl_file_kind kind;
		bool table;
	} sfx[] = {{"-schema-create.sql", SL_FILE_SCHEMA_CREATE, false},
	           {"-schema-post.sql", SL_FILE_POST, false},
	           {"-schema-triggers.sql", SL_FILE_TRIGGERS, true},
	           {"-schema-view.sql", SL_FILE_VIEW, true},
	           {"-schema-sequence.sql", SL_FILE_TABLE_SCHEMA, true},
	           {"-schema.sql", SL_FILE_TABLE_SCHEMA, true},
	           {".sql", SL_FILE_DATA, true}};
	size_t n = strlen(name), base = 0, i;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if ((base = strip(name, n, sfx[i].suffix)) != 0)
			break;
	if (!base)
		return SL_EFORMAT;
	*kind = sfx[i].kind;
	/* db.t.00001.sql: a chunk number of 5 digits or more; mydumper 0.12
	 * and later add a sub-part: db.t.00001.00002.sql. */
	for (int part = 0; *kind == SL_FILE_DATA && part < 2; part++) {
		size_t d = base;
		while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
			d--;
		if (base - d < 5 || d == 0 || name[d - 1] != '.')
			break;
		base = d - 1;
	}
	size_t dblen = sfx[i].table ? strcspn(name, ".") : base;
	if (dblen == 0 || dblen >= base || (sfx[i].table && dblen + 1 >= base) ||
	    (!sfx[i].table && memchr(name, '.', base)))
		return SL_EFORMAT;
	sl_buf_reset(db);
	sl_buf_reset(tbl);
	if (sl_buf_append(db, name, dblen) || sl_buf_putc(db, '\0') ||
	    (sfx[i].table ? sl_buf_append(tbl, name + dblen + 1, base - dblen - 1) : 0) ||
	    sl_buf_putc(tbl, '\0'))
		return SL_ENOMEM;
	db->len--;
	tbl->len--;
	return 0;
}

int files_classify(struct files_source *s, const char *name, enum sl_file_kind *kind)
{
	int rc = sl_fname_classify(name, kind, &s->db, &s->tbl);
	if (rc == SL_EFORMAT && s->raw_names)
		rc = classify_raw(name, kind, &s->db, &s->tbl);
	return rc;
}

/* A new batch of the file's (a part, or the whole), named 'name'.  The
 * accounts file belongs to no database: no rename touches it. */
static struct sl_batch *file_batch(struct files_file *f, const char *name)
{
	return sl_batch_new(SL_BATCH_FILE, f->kind, f->t,
	                    f->kind == SL_FILE_USERS ? NULL : f->schema.data, name);
}

/* The name of part k (k >= 1) of a split file: the file's number with the
 * part's appended, db.t.00003.sql -> db.t.0000300001.sql (still a data
 * file of the layout, and the same for every run over the same input). */
static int part_name(struct sl_buf *out, const char *name, unsigned k)
{
	const char *ext = strrchr(name, '.');
	size_t base = ext ? (size_t)(ext - name) : strlen(name);
	const char *digits = name + base;
	while (digits > name && digits[-1] >= '0' && digits[-1] <= '9')
		digits--;
	sl_buf_reset(out);
	if (digits == name + base || digits[-1] != '.') /* unnumbered: db.t.sql */
		return sl_buf_printf(out, "%.*s.%05u%s", (int)base, name, k, ext ? ext : "");
	return sl_buf_printf(out, "%.*s%05u%s", (int)base, name, k, ext ? ext : "");
}

int files_open(struct files_source *s, const char *where, const char *name, enum sl_file_kind kind,
               uint64_t size, bool whole, struct files_file *f)
{
	struct sl_pipeline *p = s->inst->pipe;
	uint64_t bound = sl_pipeline_config(p)->buffer;
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(f->where, sizeof(f->where), "%s", where);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->kind = kind;
	f->size = size;
	f->fmt = kind == SL_FILE_DATA ? sl_data_format_of_file(name) : NULL;
	if (f->fmt && !f->fmt->text)
		f->fmt = NULL; /* SQL */
	/* A table's schema comes before its other files, a database's before
	 * its tables' (dump order); an archive of a directory made with tar
	 * has readdir's order, which a loader cannot follow. */
	bool late = false;
	if (kind == SL_FILE_TABLE_SCHEMA && s->tbl.len) {
		/* Written after its view (a sluice directory's order). */
		struct sl_table *v = sl_map_get2(&s->tables.map, s->db.data, s->tbl.data);
		f->placeholder = v && v->kind == SL_TABLE_VIEW;
		f->t = f->placeholder ? v : NULL;
	}
	if (kind == SL_FILE_TABLE_SCHEMA && !f->placeholder) {
		long i = sl_manifest_index(&s->seen, s->db.data, s->tbl.data);
		late = i >= 0 && s->seen.tables[i]->files > 0;
	} else if (kind == SL_FILE_SCHEMA_CREATE) {
		for (size_t i = 0; i < s->seen.ntables && !late; i++)
			late = s->seen.tables[i]->name[0] &&
			       !strcmp(s->seen.tables[i]->schema, s->db.data);
	}
	if (late)
		return sl_pipeline_fail(
		    p, SL_EFORMAT,
		    "%s comes after files that need it: the files are not in dump order (an "
		    "archive of a directory? extract it and load it with -d DIR)",
		    where);
	f->split = !whole && kind == SL_FILE_DATA && size > FILES_SPLIT_FROM;
	/* Of unknown size (decompressed as it is read), files_add() bounds it. */
	if (!f->split && size != FILES_SIZE_UNKNOWN && size > bound)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s is %" PRIu64
		                        " bytes, over the limit of --buffer (%" PRIu64
		                        " bytes) for a file held whole: raise --buffer to read it",
		                        where, size, bound);
	/* A table met first by its schema file is planned when the file is
	 * read, so that hooks see its columns (files_close()). */
	if (s->tbl.len && kind == SL_FILE_TABLE_SCHEMA && !f->split && !f->placeholder) {
		if (!(f->t = sl_tableset_get(&s->tables, s->db.data, s->tbl.data, &f->plan)))
			return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source);
	} else if (s->tbl.len && !f->placeholder &&
	           (rc = sl_tableset_meet(&s->tables, p, s->db.data, s->tbl.data,
	                                  kind == SL_FILE_VIEW, &f->t))) {
		return rc == SL_ENOMEM ? sl_pipeline_fail(p, rc, "%s: out of memory", s->source)
		                       : rc;
	}
	if (sl_buf_puts(&f->schema, s->db.data) || sl_buf_puts(&f->tname, s->tbl.data))
		return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source);
	sl_manifest_hash_begin(&f->hash, name);
	/* mydumper's files rely on myloader's USE before them; ours carry it
	 * (SQL files only: a csv/tsv/jsonl data file is rows, not statements). */
	struct sl_buf use = SL_BUF_INIT;
	if (s->raw_names && !f->fmt && kind != SL_FILE_SCHEMA_CREATE &&
	    (sl_buf_puts(&use, "USE ") || sl_buf_put_ident(&use, s->db.data) ||
	     sl_buf_puts(&use, ";\n"))) {
		sl_buf_free(&use);
		return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source);
	}
	if (f->split) {
		f->in_head = true;
		sl_sqlsplit_init(&f->sp, f->name, NULL, 0);
		rc = use.len ? sl_buf_append(&f->cur, use.data, use.len) : 0;
		sl_buf_free(&use);
		return rc ? sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source) : 0;
	}
	f->b = file_batch(f, name);
	/* The exact size (sl_buf_reserve would round up to a power of 2). */
	size_t want = use.len + (size == FILES_SIZE_UNKNOWN ? 0 : (size_t)size) + 1;
	char *body = f->b ? sl_malloc(want) : NULL;
	if (!body) {
		sl_buf_free(&use);
		return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory (%" PRIu64 " bytes)",
		                        where, size);
	}
	if (use.len)
		memcpy(body, use.data, use.len);
	body[use.len] = '\0';
	f->b->body.data = body;
	f->b->body.len = use.len;
	f->b->body.cap = want;
	sl_buf_free(&use);
	return 0;
}

/* Emit cur[0..n) as the next part (the head first, from the second part
 * on) and drop it from cur. */
static int emit_part(struct files_source *s, struct files_file *f, size_t n)
{
	struct sl_buf name = SL_BUF_INIT;
	struct sl_batch *b = NULL;
	int rc = f->parts ? part_name(&name, f->name, f->parts) : sl_buf_puts(&name, f->name);
	if (!rc && !(b = file_batch(f, name.data)))
		rc = SL_ENOMEM;
	if (!rc && f->parts)
		rc = sl_buf_append(&b->body, f->head.data, f->head.len);
	if (!rc)
		rc = sl_buf_append(&b->body, f->cur.data, n);
	sl_buf_free(&name);
	if (rc) {
		sl_batch_release(b);
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "%s: out of memory", s->source);
	}
	memmove(f->cur.data, f->cur.data + n, f->cur.len - n);
	f->cur.len -= n;
	f->scanned -= n;
	f->cut -= n;
	f->parts++;
	return files_emit(s, b);
}

/* Does the statement begin a data statement (the end of the session
 * statements a file starts with)? */
static bool data_statement(const char *p, size_t n)
{
	return (n >= 6 && !strncasecmp(p, "INSERT", 6)) ||
	       (n >= 7 && !strncasecmp(p, "REPLACE", 7));
}

/* Scan the new bytes of a split SQL file for complete statements. */
static int scan_sql(struct files_source *s, struct files_file *f, bool final)
{
	struct sl_error err = {0};
	const char *stmt;
	size_t len;
	int more;
	sl_sqlsplit_refill(&f->sp, f->cur.data + f->scanned, f->cur.len - f->scanned, final);
	size_t base = f->scanned;
	while ((more = sl_sqlsplit_next(&f->sp, &stmt, &len, &err)) == 1) {
		size_t end = base + f->sp.pos;
		if (f->in_head && data_statement(stmt, len))
			f->in_head = false;
		/* Session statements (SET NAMES, USE, ...) go with every part. */
		if (f->in_head && (f->head.len + end - f->cut > 65536 ||
		                   sl_buf_append(&f->head, f->cur.data + f->cut, end - f->cut)))
			return sl_pipeline_fail(
			    s->inst->pipe, SL_EFORMAT,
			    "%s: more than 64 KiB of statements before the data", f->where);
		f->cut = end;
	}
	f->scanned = base + f->sp.pos;
	if (more < 0)
		return sl_pipeline_fail(s->inst->pipe, SL_EFORMAT, "%s", err.msg);
	return 0;
}

/* Scan the new bytes of a split csv, tsv or jsonl file for whole rows
 * (csv: line ends outside quoted fields).  The first row of csv and tsv is
 * the header, repeated at the start of every part. */
static int scan_rows(struct files_source *s, struct files_file *f)
{
	bool csv = f->fmt->text == SL_TEXT_CSV;
	for (size_t i = f->scanned; i < f->cur.len; i++) {
		char c = f->cur.data[i];
		if (csv && c == '"')
			f->quoted = !f->quoted;
		else if (c == '\n' && !f->quoted) {
			if (f->in_head && f->fmt->text != SL_TEXT_JSONL &&
			    sl_buf_append(&f->head, f->cur.data, i + 1))
				return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
			f->in_head = false;
			f->cut = i + 1;
		}
	}
	f->scanned = f->cur.len;
	return 0;
}

int files_add(struct files_source *s, struct files_file *f, const char *p, size_t n)
{
	struct sl_pipeline *pl = s->inst->pipe;
	if (f->size != FILES_SIZE_UNKNOWN && n > f->size - f->got)
		return sl_pipeline_fail(pl, SL_EFORMAT,
		                        "%s: more bytes than its size (%" PRIu64 ")", f->where,
		                        f->size);
	f->got += n;
	sl_xxh64_update(&f->hash, p, n);
	if (!f->split) {
		uint64_t bound = sl_pipeline_config(pl)->buffer;
		if (f->b->body.len + n > bound)
			return sl_pipeline_fail(
			    pl, SL_EFORMAT,
			    "%s: over the limit of --buffer (%" PRIu64
			    " bytes) for a file held whole: raise --buffer to read it",
			    f->where, bound);
		return sl_buf_append(&f->b->body, p, n)
		           ? sl_pipeline_fail(pl, SL_ENOMEM, "%s: out of memory", s->source)
		           : 0;
	}
	if (sl_buf_append(&f->cur, p, n))
		return sl_pipeline_fail(pl, SL_ENOMEM, "%s: out of memory", s->source);
	int rc = f->fmt ? scan_rows(s, f) : scan_sql(s, f, false);
	if (!rc && f->cut >= FILES_PART && !f->in_head)
		rc = emit_part(s, f, f->cut);
	uint64_t bound = sl_pipeline_config(pl)->buffer;
	if (!rc && f->cur.len - f->cut > bound)
		rc = sl_pipeline_fail(pl, SL_EFORMAT,
		                      "%s: a %s longer than --buffer (%" PRIu64
		                      " bytes) at byte %" PRIu64 ": raise --buffer to read it",
		                      f->where, f->fmt ? "row" : "statement", bound,
		                      f->got - (f->cur.len - f->cut));
	return rc;
}

int files_close(struct files_source *s, struct files_file *f, struct sl_batch **out)
{
	struct sl_pipeline *p = s->inst->pipe;
	int rc = 0;
	if (out)
		*out = NULL;
	if (f->size != FILES_SIZE_UNKNOWN && f->got != f->size)
		rc = sl_pipeline_fail(p, SL_EFORMAT,
		                      "%s: truncated: %" PRIu64 " of %" PRIu64 " bytes", f->where,
		                      f->got, f->size);
	if (!rc && f->split && !f->fmt)
		rc = scan_sql(s, f, true); /* an unterminated string at the end is an error */
	if (!rc &&
	    sl_manifest_add_hashed(&s->seen, f->schema.data, f->tname.data ? f->tname.data : "",
	                           sl_xxh64_end(&f->hash), f->got, 0))
		rc = sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source);
	if (!rc && f->split && (f->cur.len || !f->parts))
		rc = emit_part(s, f, f->cur.len);
	if (!rc && f->plan) {
		f->plan = false;
		rc = sl_tableset_plan(p, f->t, f->b->body.data, f->b->body.len);
		if (rc == SL_ENOMEM)
			rc = sl_pipeline_fail(p, rc, "%s: out of memory", s->source);
	}
	if (!rc && !f->split && !f->placeholder) {
		struct sl_batch *b = f->b;
		f->b = NULL;
		b->body.data[b->body.len] = '\0';
		if (out)
			*out = b;
		else
			rc = files_emit(s, b);
	}
	files_file_free(f);
	return rc;
}

void files_file_free(struct files_file *f)
{
	sl_batch_release(f->b);
	f->b = NULL;
	sl_buf_free(&f->cur);
	sl_buf_free(&f->head);
	sl_buf_free(&f->schema);
	sl_buf_free(&f->tname);
}

int files_manifest(struct files_source *s, const char *text, size_t len)
{
	struct sl_pipeline *p = s->inst->pipe;
	struct sl_error err = {0};
	char what[512];
	snprintf(what, sizeof(what), "%s: %s", s->source, SL_MANIFEST_NAME);
	if (s->have_manifest)
		return sl_pipeline_fail(p, SL_EFORMAT, "%s: a second manifest", what);
	int rc = sl_manifest_parse(&s->expect, text, len, what, &err);
	if (rc)
		return sl_pipeline_fail(p, rc, "%s", err.msg);
	s->have_manifest = true;
	/* What the progress line counts against. */
	uint64_t tables = 0;
	for (size_t i = 0; i < s->expect.ntables; i++)
		tables += s->expect.tables[i]->name[0] != '\0';
	sl_pipeline_set_totals(p, tables, s->expect.rows);
	if (s->expect.status != SL_MANIFEST_OK)
		return sl_pipeline_fail(
		    p, SL_EFORMAT, "%s: status %s%s%s: the dump is incomplete", what,
		    s->expect.status == SL_MANIFEST_ERROR ? "error" : "running",
		    s->expect.error ? ": " : "", s->expect.error ? s->expect.error : "");
	return 0;
}

/* Replace *dst by a copy of src (NULL leaves it).  0 or SL_ENOMEM. */
static int set_str(char **dst, const char *src)
{
	if (!src)
		return 0;
	char *v = sl_strdup(src);
	if (!v)
		return SL_ENOMEM;
	sl_free(*dst);
	*dst = v;
	return 0;
}

int files_set_info(struct files_source *s, const char *binlog_file, uint64_t binlog_pos,
                   const char *gtid, const char *server, const char *source)
{
	struct sl_run_info *info = sl_pipeline_info(s->inst->pipe);
	if (set_str(&info->binlog_file, binlog_file) || set_str(&info->gtid, gtid) ||
	    set_str(&info->server_version, server) || set_str(&info->source, source))
		return SL_ENOMEM;
	info->binlog_pos = binlog_pos;
	return 0;
}

int files_end_table(struct files_source *s, const char *schema, const char *name, uint64_t rows)
{
	struct sl_table *t = sl_tableset_get(&s->tables, schema, name, NULL);
	if (!t)
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "%s: out of memory", s->source);
	if (!t->decode_rows) /* decoded rows were counted as they went out */
		atomic_store(&t->rows_done, rows);
	return sl_pipeline_end_table(s->inst->pipe, t);
}

int files_finish(struct files_source *s, bool foreign)
{
	struct sl_pipeline *p = s->inst->pipe;
	struct sl_error err = {0};
	int rc;

	if (!s->have_manifest && !foreign)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: no %s: the dump is incomplete (a sluice dump writes "
		                        "its manifest last)",
		                        s->source, SL_MANIFEST_NAME);
	if (s->have_manifest) {
		const struct sl_manifest *e = &s->expect;
		if ((rc = sl_manifest_check(e, &s->seen, s->source, &err)) != 0)
			return sl_pipeline_fail(p, rc, "%s", err.msg);
		if (files_set_info(s, e->binlog_file, e->binlog_pos, e->gtid, e->server, e->source))
			return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		for (size_t i = 0; i < e->ntables; i++) {
			const struct sl_manifest_table *t = e->tables[i];
			if (t->complete && t->name[0] &&
			    (rc = files_end_table(s, t->schema, t->name, t->rows)) != 0)
				return rc;
		}
		return 0;
	}
	/* A foreign dump (mydumper): every table seen is complete. */
	size_t pos = 0;
	struct sl_table *t;
	while ((t = sl_tableset_next(&s->tables, &pos)) != NULL)
		if (t->kind == SL_TABLE_BASE && (rc = sl_pipeline_end_table(p, t)) != 0)
			return rc;
	return 0;
}
