/* dumpread.c - what every reader of the files source uses (files.h): the
 * input, read with cancellation; a file name classified, its table met and
 * its batch built; each file accounted and emitted; and at the end the
 * check of what was read against the dump's own account (manifest or
 * trailer) before any table is reported complete. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "files.h"
#include "format/fname.h"
#include "format/table.h"

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
	           {"-schema.sql", SL_FILE_TABLE_SCHEMA, true},
	           {".sql", SL_FILE_DATA, true}};
	size_t n = strlen(name), base = 0, i;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if ((base = strip(name, n, sfx[i].suffix)) != 0)
			break;
	if (!base)
		return SL_EFORMAT;
	*kind = sfx[i].kind;
	if (*kind == SL_FILE_DATA) {
		/* db.t.00001.sql: a chunk number of 5 digits or more */
		size_t d = base;
		while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
			d--;
		if (base - d >= 5 && d > 0 && name[d - 1] == '.')
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

int files_begin(struct files_source *s, const char *where, const char *name, enum sl_file_kind kind,
                uint64_t size, struct sl_batch **out)
{
	struct sl_pipeline *p = s->inst->pipe;
	struct sl_table *t = NULL;
	int rc;

	*out = NULL;
	/* A table's schema comes before its other files, a database's before
	 * its tables' (dump order); an archive of a directory made with tar
	 * has readdir's order, which a loader cannot follow. */
	bool late = false;
	if (kind == SL_FILE_TABLE_SCHEMA) {
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
	if (size > FILES_MAX_FILE)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s is %" PRIu64
		                        " bytes long, more than the limit of %" PRIu64 " bytes",
		                        where, size, FILES_MAX_FILE);
	if (s->tbl.len && (rc = sl_tableset_meet(&s->tables, p, s->db.data, s->tbl.data,
	                                         kind == SL_FILE_VIEW, &t)))
		return rc == SL_ENOMEM ? sl_pipeline_fail(p, rc, "%s: out of memory", s->source)
		                       : rc;
	/* mydumper's files rely on myloader's USE before them; ours carry it
	 * (SQL files only: a csv/tsv/jsonl data file is rows, not statements). */
	struct sl_buf use = SL_BUF_INIT;
	size_t nlen = strlen(name);
	bool sql = kind != SL_FILE_DATA || (nlen >= 4 && !strcmp(name + nlen - 4, ".sql"));
	if (s->raw_names && sql && kind != SL_FILE_SCHEMA_CREATE &&
	    (sl_buf_puts(&use, "USE ") || sl_buf_put_ident(&use, s->db.data) ||
	     sl_buf_puts(&use, ";\n"))) {
		sl_buf_free(&use);
		return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", s->source);
	}
	struct sl_batch *b = sl_batch_new(SL_BATCH_FILE, kind, t, s->db.data, name);
	/* The exact size (sl_buf_reserve would round up to a power of 2). */
	char *body = b ? sl_malloc(use.len + (size_t)size + 1) : NULL;
	if (!body) {
		sl_buf_free(&use);
		sl_batch_release(b);
		return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory (%" PRIu64 " bytes)",
		                        where, size);
	}
	if (use.len)
		memcpy(body, use.data, use.len);
	body[use.len] = '\0';
	b->body.data = body;
	b->body.len = use.len;
	b->body.cap = use.len + (size_t)size + 1;
	sl_buf_free(&use);
	*out = b;
	return 0;
}

int files_emit(struct files_source *s, struct sl_batch *b)
{
	const char *name = b->table ? sl_batch_table_name(b) : "";
	if (sl_manifest_add_file(&s->seen, b->schema ? b->schema : "", name, b->name, b->body.data,
	                         b->body.len, 0)) {
		sl_batch_release(b);
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "%s: out of memory", s->source);
	}
	return sl_pipeline_emit(s->inst->pipe, b);
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
