/* dumpfiles.c - shared by the archive and directory plugins (dumpfiles.h).
 *
 * The source side mirrors plugins/source_stream: one sl_table per distinct
 * (database, table), owned here and found through an open-addressing hash
 * index; each file becomes one batch whose body has exactly the file's
 * length; end-of-table records wait until the whole dump was read and
 * checked. */
#include "dumpfiles.h"

#include <inttypes.h>
#include <string.h>

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "alloc.h"
#include "fname.h"
#include "table.h"

/* --- sinks -------------------------------------------------------------------- */

int sl_dumpfiles_account(struct sl_manifest *m, const struct sl_batch *b)
{
	const char *schema = b->schema ? b->schema : (b->table ? b->table->schema : "");
	const char *name = b->table ? sl_batch_table_name(b) : "";
	if (b->kind == SL_BATCH_TABLE_END) {
		struct sl_manifest_table *t = sl_manifest_table(m, schema, name);
		if (!t)
			return SL_ENOMEM;
		t->complete = true;
		return 0;
	}
	return sl_manifest_add_file(m, schema, name, b->name, b->body.data, b->body.len,
	                            b->file_kind == SL_FILE_DATA ? b->rows : 0);
}

/* Replace *dst by a copy of src (NULL clears).  0 or SL_ENOMEM. */
static int set_str(char **dst, const char *src)
{
	char *v = NULL;
	if (src && !(v = sl_strdup(src)))
		return SL_ENOMEM;
	sl_free(*dst);
	*dst = v;
	return 0;
}

int sl_dumpfiles_close(struct sl_manifest *m, const struct sl_run_summary *sum, struct sl_buf *json,
                       struct sl_buf *metadata)
{
	const struct sl_run_info *info = sum->info;
	m->status = sum->status ? SL_MANIFEST_ERROR : SL_MANIFEST_OK;
	sl_manifest_stamp(m->finished);
	if (set_str(&m->sluice, PACKAGE_VERSION) ||
	    set_str(&m->error,
	            sum->status ? (sum->error ? sum->error : sl_strerror(sum->status)) : NULL) ||
	    set_str(&m->server, info->server_version) || set_str(&m->source, info->source) ||
	    set_str(&m->binlog_file, info->binlog_file) || set_str(&m->gtid, info->gtid))
		return SL_ENOMEM;
	m->binlog_pos = info->binlog_pos;
	int rc = metadata ? sl_manifest_metadata(m, metadata) : 0;
	return rc ? rc : sl_manifest_write(m, json);
}

/* --- sources ------------------------------------------------------------------ */

void sl_dumpfiles_init(struct sl_dumpfiles *d, struct sl_instance *inst, const char *source)
{
	memset(d, 0, sizeof(*d));
	d->inst = inst;
	d->source = source;
	sl_manifest_init(&d->seen);
	sl_manifest_init(&d->expect);
}

void sl_dumpfiles_free(struct sl_dumpfiles *d)
{
	sl_tableset_free(&d->tables);
	sl_manifest_free(&d->seen);
	sl_manifest_free(&d->expect);
	sl_buf_free(&d->db);
	sl_buf_free(&d->tbl);
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

int sl_dumpfiles_classify(const char *name, bool raw, enum sl_file_kind *kind, struct sl_buf *db,
                          struct sl_buf *tbl)
{
	int rc = sl_fname_classify(name, kind, db, tbl);
	if (rc == SL_EFORMAT && raw)
		rc = classify_raw(name, kind, db, tbl);
	return rc;
}

int sl_dumpfiles_name(const char *name, bool raw, enum sl_dumpfiles_name *what,
                      enum sl_file_kind *kind)
{
	struct sl_buf db = SL_BUF_INIT, tbl = SL_BUF_INIT;
	if (!strcmp(name, SL_MANIFEST_NAME)) {
		*what = SL_DF_MANIFEST;
		return 0;
	}
	if (!strcmp(name, SL_METADATA_NAME)) {
		*what = SL_DF_METADATA;
		return 0;
	}
	*what = SL_DF_FILE;
	int rc = sl_dumpfiles_classify(name, raw, kind, &db, &tbl);
	sl_buf_free(&db);
	sl_buf_free(&tbl);
	return rc;
}

int sl_dumpfiles_begin(struct sl_dumpfiles *d, const char *name, uint64_t size,
                       struct sl_batch **out)
{
	struct sl_pipeline *p = d->inst->pipe;
	enum sl_file_kind kind = SL_FILE_DATA;
	struct sl_table *t = NULL;
	int rc = sl_dumpfiles_classify(name, d->raw_names, &kind, &d->db, &d->tbl);

	*out = NULL;
	if (rc == SL_EFORMAT)
		return sl_pipeline_fail(p, rc, "%s: entry '%s': not a file of a dump's layout",
		                        d->source, name);
	if (rc)
		return sl_pipeline_fail(p, rc, "%s: out of memory", d->source);
	/* A table's schema comes before its other files, a database's before
	 * its tables' (dump order); an archive of a directory made with tar
	 * has readdir's order, which a loader cannot follow. */
	bool late = false;
	if (kind == SL_FILE_TABLE_SCHEMA) {
		long i = sl_manifest_index(&d->seen, d->db.data, d->tbl.data);
		late = i >= 0 && d->seen.tables[i]->files > 0;
	} else if (kind == SL_FILE_SCHEMA_CREATE) {
		for (size_t i = 0; i < d->seen.ntables && !late; i++)
			late = d->seen.tables[i]->name[0] &&
			       !strcmp(d->seen.tables[i]->schema, d->db.data);
	}
	if (late)
		return sl_pipeline_fail(
		    p, SL_EFORMAT,
		    "%s: entry '%s' comes after files that need it: the entries "
		    "are not in dump order (an archive of a directory? extract "
		    "it and load it with -d DIR)",
		    d->source, name);
	if (size > SL_DUMPFILES_MAX_FILE)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: entry '%s' is %" PRIu64
		                        " bytes long, more than the limit of %" PRIu64 " bytes",
		                        d->source, name, size, SL_DUMPFILES_MAX_FILE);
	if (d->tbl.len && (rc = sl_tableset_meet(&d->tables, p, d->db.data, d->tbl.data,
	                                         kind == SL_FILE_VIEW, &t)))
		return rc == SL_ENOMEM ? sl_pipeline_fail(p, rc, "%s: out of memory", d->source)
		                       : rc;
	/* mydumper's files rely on myloader's USE before them; ours carry it
	 * (SQL files only: a csv/tsv/jsonl data file is rows, not statements). */
	struct sl_buf use = SL_BUF_INIT;
	size_t nlen = strlen(name);
	bool sql = kind != SL_FILE_DATA || (nlen >= 4 && !strcmp(name + nlen - 4, ".sql"));
	if (d->raw_names && sql && kind != SL_FILE_SCHEMA_CREATE &&
	    (sl_buf_puts(&use, "USE ") || sl_buf_put_ident(&use, d->db.data) ||
	     sl_buf_puts(&use, ";\n"))) {
		sl_buf_free(&use);
		return sl_pipeline_fail(p, SL_ENOMEM, "%s: out of memory", d->source);
	}
	struct sl_batch *b = sl_batch_new(SL_BATCH_FILE, kind, t, d->db.data, name);
	char *body = b ? sl_malloc(use.len + (size_t)size + 1) : NULL;
	if (!body) {
		sl_buf_free(&use);
		sl_batch_release(b);
		return sl_pipeline_fail(p, SL_ENOMEM,
		                        "%s: out of memory for '%s' (%" PRIu64 " bytes)", d->source,
		                        name, size);
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

int sl_dumpfiles_emit(struct sl_dumpfiles *d, struct sl_batch *b)
{
	if (sl_dumpfiles_account(&d->seen, b)) {
		sl_batch_release(b);
		return sl_pipeline_fail(d->inst->pipe, SL_ENOMEM, "%s: out of memory", d->source);
	}
	return sl_pipeline_emit(d->inst->pipe, b);
}

int sl_dumpfiles_manifest(struct sl_dumpfiles *d, const char *text, size_t len)
{
	struct sl_error err = {0};
	char what[512];
	snprintf(what, sizeof(what), "%s: %s", d->source, SL_MANIFEST_NAME);
	if (d->have_manifest)
		return sl_pipeline_fail(d->inst->pipe, SL_EFORMAT, "%s: a second manifest", what);
	int rc = sl_manifest_parse(&d->expect, text, len, what, &err);
	if (rc)
		return sl_pipeline_fail(d->inst->pipe, rc, "%s", err.msg);
	d->have_manifest = true;
	if (d->expect.status != SL_MANIFEST_OK)
		return sl_pipeline_fail(
		    d->inst->pipe, SL_EFORMAT, "%s: status %s%s%s: the dump is incomplete", what,
		    d->expect.status == SL_MANIFEST_ERROR ? "error" : "running",
		    d->expect.error ? ": " : "", d->expect.error ? d->expect.error : "");
	return 0;
}

int sl_dumpfiles_finish(struct sl_dumpfiles *d, bool foreign)
{
	struct sl_pipeline *p = d->inst->pipe;
	struct sl_error err = {0};
	int rc;

	if (!d->have_manifest && !foreign)
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: no %s: the dump is incomplete (a sluice dump writes "
		                        "its manifest last)",
		                        d->source, SL_MANIFEST_NAME);
	if (d->have_manifest) {
		if ((rc = sl_manifest_check(&d->expect, &d->seen, d->source, &err)) != 0)
			return sl_pipeline_fail(p, rc, "%s", err.msg);
		struct sl_run_info *info = sl_pipeline_info(p);
		if (set_str(&info->binlog_file, d->expect.binlog_file) ||
		    set_str(&info->gtid, d->expect.gtid) ||
		    set_str(&info->server_version, d->expect.server) ||
		    set_str(&info->source, d->expect.source))
			return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		info->binlog_pos = d->expect.binlog_pos;
		for (size_t i = 0; i < d->expect.ntables; i++) {
			const struct sl_manifest_table *e = d->expect.tables[i];
			if (!e->complete || !e->name[0])
				continue;
			struct sl_table *t = sl_tableset_get(&d->tables, e->schema, e->name, NULL);
			if (!t)
				return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
			atomic_store(&t->rows_done, e->rows);
			if ((rc = sl_pipeline_end_table(p, t)) != 0)
				return rc;
		}
		return 0;
	}
	/* A foreign dump (mydumper): every table seen is complete. */
	for (size_t i = 0; i < d->tables.nslots; i++) {
		struct sl_table *t = d->tables.slots[i].t;
		if (t && t->kind == SL_TABLE_BASE && (rc = sl_pipeline_end_table(p, t)) != 0)
			return rc;
	}
	return 0;
}
