/* route.c - per-table decisions (tables, where, columns, route, rename)
 * and the rewriting of batches for renamed targets.
 *
 * Rewrites touch only statement head lines (those starting with USE,
 * CREATE, DROP, INSERT or a versioned comment): there the database after
 * USE / CREATE DATABASE and the table after TABLE, SEQUENCE, VIEW, ON or
 * INTO are replaced, and in views every `db`. qualifier of a renamed
 * database.  Data lines are safe to match because the encoder escapes
 * newlines inside values; trigger and routine bodies keep their text. */
#include "engine/route.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "engine/batch.h"
#include "format/dataformat.h"
#include "format/fname.h"
#include "format/table.h"
#include "script/script.h"
#include "script/script_hooks.h"

int sl_router_init(struct sl_router *r, struct sl_script *script, const struct sl_route_sink *sinks,
                   size_t nsinks, struct sl_error *err)
{
	memset(r, 0, sizeof(*r));
	r->script = script;
	r->nsinks = nsinks;
	if (nsinks) {
		r->sinks = sl_calloc(nsinks, sizeof(*r->sinks));
		r->names = sl_calloc(nsinks, sizeof(*r->names));
		if (!r->sinks || !r->names)
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		for (size_t i = 0; i < nsinks; i++) {
			r->sinks[i] = sinks[i];
			r->sinks[i].first_db = NULL;
			r->names[i] = sinks[i].name;
		}
	}
	if (!script)
		return 0;
	char *include = NULL, *exclude = NULL;
	int rc = sl_script_select_patterns(script, &include, &exclude, err);
	if (rc)
		return rc;
	if (include || exclude) {
		static const struct sl_strlist none = {0};
		rc = sl_select_init(&r->select, &none, &none, &none, include, exclude, err);
		r->has_patterns = rc == 0;
	}
	sl_free(include);
	sl_free(exclude);
	return rc;
}

void sl_router_free(struct sl_router *r)
{
	if (r->has_patterns)
		sl_select_free(&r->select);
	for (size_t i = 0; i < r->nschemas; i++) {
		sl_free(r->schemas[i].src);
		sl_free(r->schemas[i].dst);
	}
	for (size_t i = 0; i < r->nsinks && r->sinks; i++)
		sl_free(r->sinks[i].first_db);
	sl_free(r->sinks);
	sl_free(r->names);
	sl_free(r->schemas);
	memset(r, 0, sizeof(*r));
}

static int remember_schema(struct sl_router *r, size_t sink, const char *src, const char *dst)
{
	for (size_t i = 0; i < r->nschemas; i++)
		if (r->schemas[i].sink == sink && !strcmp(r->schemas[i].src, src) &&
		    !strcmp(r->schemas[i].dst, dst))
			return 0;
	if (r->nschemas == r->cap_schemas) {
		size_t cap = r->cap_schemas ? r->cap_schemas * 2 : 16;
		struct sl_route_schema *v = sl_realloc(r->schemas, cap * sizeof(*v));
		if (!v)
			return SL_ENOMEM;
		r->schemas = v;
		r->cap_schemas = cap;
	}
	struct sl_route_schema *e = &r->schemas[r->nschemas];
	e->sink = sink;
	e->src = sl_strdup(src);
	e->dst = sl_strdup(dst);
	if (!e->src || !e->dst) {
		sl_free(e->src);
		sl_free(e->dst);
		return SL_ENOMEM;
	}
	r->nschemas++;
	return 0;
}

/* The database sink i puts source database 'db' into by its own renames
 * (*out NULL: it renames nothing).  -B takes one database: a second one
 * is an error. */
static int sink_rename(struct sl_router *r, size_t i, const char *db, const char **out,
                       struct sl_error *err)
{
	struct sl_route_sink *s = &r->sinks[i];
	*out = NULL;
	if (s->renames) {
		size_t n = strlen(db);
		for (size_t k = 0; k < s->renames->n; k++)
			if (!strncmp(s->renames->v[k], db, n) && s->renames->v[k][n] == '=') {
				*out = s->renames->v[k] + n + 1;
				return 0;
			}
	}
	if (!s->database)
		return 0;
	if (!s->first_db && !(s->first_db = sl_strdup(db)))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	if (strcmp(s->first_db, db) != 0)
		return sl_error_set(err, SL_EUSAGE,
		                    "-B %s: the input holds several databases (%s, %s); use "
		                    "--rename OLD=NEW for each",
		                    s->database, s->first_db, db);
	*out = s->database;
	return 0;
}

/* where(t) on top of --where: both must hold. */
static int plan_where(struct sl_router *r, struct sl_table *t, struct sl_error *err)
{
	char *cond = NULL;
	int64_t rows = -1;
	int rc = sl_script_where(r->script, t, &cond, &rows, err);
	if (rc || !cond)
		return rc;
	/* With --where too, the hint is still an upper bound. */
	t->where_rows_said = rows >= 0;
	t->where_rows = rows >= 0 ? (uint64_t)rows : 0;
	if (t->where) {
		struct sl_buf b = SL_BUF_INIT;
		if (sl_buf_printf(&b, "(%s) AND (%s)", t->where, cond)) {
			sl_free(cond);
			sl_buf_free(&b);
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		}
		sl_free(cond);
		cond = sl_buf_steal(&b, NULL);
	}
	sl_free(t->where);
	t->where = cond;
	return 0;
}

/* Which sinks take t and under which names: the script's route(t) and
 * rename(t, sink), else the sinks' own renames.  Kept in t->targets only
 * when they say something (a sink left out, or a name changed). */
static int plan_targets(struct sl_router *r, struct sl_table *t, bool *take, struct sl_error *err)
{
	bool taken[SL_ROUTE_MAX_SINKS];
	size_t n = r->nsinks < SL_ROUTE_MAX_SINKS ? r->nsinks : SL_ROUTE_MAX_SINKS;
	struct sl_table_target *tg = sl_calloc(n + 1, sizeof(*tg));
	if (!tg)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		taken[i] = true;
	if (r->script)
		rc = sl_script_route(r->script, t, r->names, n, taken, err);
	bool special = false;
	*take = false;
	for (size_t i = 0; !rc && i < n; i++) {
		tg[i].take = taken[i];
		if (!taken[i]) {
			special = true;
			continue;
		}
		*take = true;
		if (r->script)
			rc = sl_script_rename(r->script, t, r->names[i], &tg[i].schema, &tg[i].name,
			                      err);
		const char *db = NULL;
		if (!rc && !tg[i].schema && !(rc = sink_rename(r, i, t->schema, &db, err)) && db &&
		    strcmp(db, t->schema) != 0 && !(tg[i].schema = sl_strdup(db)))
			rc = sl_error_set(err, SL_ENOMEM, "out of memory");
		if (!rc && (tg[i].schema || tg[i].name))
			special = true;
	}
	for (size_t i = 0; !rc && i < n; i++)
		if (tg[i].take &&
		    remember_schema(r, i, t->schema, tg[i].schema ? tg[i].schema : t->schema))
			rc = sl_error_set(err, SL_ENOMEM, "out of memory");
	if (rc || !special) {
		for (size_t i = 0; i < n; i++) {
			sl_free(tg[i].schema);
			sl_free(tg[i].name);
		}
		sl_free(tg);
		return rc;
	}
	t->targets = tg;
	t->ntargets = n;
	return 0;
}

int sl_router_plan(struct sl_router *r, struct sl_table *t, bool *take, struct sl_error *err)
{
	*take = true;
	if (r->script) {
		if (r->has_patterns && !sl_select_table(&r->select, t->schema, t->name)) {
			*take = false;
			return 0;
		}
		int rc = sl_script_select(r->script, t, take, err);
		if (rc || !*take)
			return rc;
		/* Rows hooks need columns: rendered files' tables have none. */
		if (t->kind == SL_TABLE_BASE && t->ncols) {
			if ((rc = plan_where(r, t, err)))
				return rc;
			sl_table_free_exprs(t->col_exprs, t->ncols);
			t->col_exprs = NULL;
			if ((rc = sl_script_columns(r->script, t, &t->col_exprs, err)))
				return rc;
		}
	}
	return plan_targets(r, t, take, err);
}

int sl_router_schema_targets(struct sl_router *r, size_t sink, const char *src, const char **dsts,
                             size_t max, size_t *n, bool *as_is, struct sl_error *err)
{
	bool known = false;
	*n = 0;
	*as_is = false;
	for (size_t i = 0; i < r->nschemas; i++) {
		const struct sl_route_schema *e = &r->schemas[i];
		if (strcmp(e->src, src) != 0)
			continue;
		known = true;
		if (e->sink == sink && *n < max)
			dsts[(*n)++] = e->dst;
	}
	if (*n || known)
		return 0;
	/* No table of src planned yet (a stream's database file comes first). */
	const char *db = NULL;
	int rc = sink_rename(r, sink, src, &db, err);
	if (!rc && db && max)
		dsts[(*n)++] = db;
	*as_is = !rc && !db;
	return rc;
}

/* --- rewriting ----------------------------------------------------------- */

struct rewrite_rule {
	const char *keyword;
	bool is_schema; /* replaces the database, else the table */
};

static const struct rewrite_rule rules[] = {
    {"USE ", true},
    {"DATABASE IF NOT EXISTS ", true},
    {"DATABASE ", true},
    {"TABLE IF NOT EXISTS ", false},
    {"TABLE IF EXISTS ", false},
    {"TABLE ", false},
    {"SEQUENCE ", false},
    {"VIEW IF EXISTS ", false},
    {"VIEW ", false},
    {" ON ", false},
    {"INTO ", false},
};

static bool head_line(const char *p, size_t left)
{
	static const char *const starts[] = {"USE ", "CREATE ", "DROP ", "INSERT ", "/*!", NULL};
	for (const char *const *s = starts; *s; s++) {
		size_t n = strlen(*s);
		if (left >= n && !memcmp(p, *s, n))
			return true;
	}
	return false;
}

static bool ident_char(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? true
	       : c >= '0' && c <= '9'                 ? true
	                                              : c == '_' || c == '$' || c >= 0x80;
}

/* The database as it may stand unquoted (db.t): a plain identifier, not
 * all digits; NULL otherwise. */
static const char *bare_name(const char *db)
{
	bool digits = true;
	for (const unsigned char *c = (const unsigned char *)db; *c; c++) {
		if (!ident_char(*c))
			return NULL;
		digits = digits && *c >= '0' && *c <= '9';
	}
	return *db && !digits ? db : NULL;
}

/* Copy 'in' to 'out' replacing quoted old names after the rules' keywords
 * on head lines; with 'qualifiers', also every database qualifier of the
 * old database there, `db`. or (when 'bare') db. (views, triggers and
 * routines may be written either way). */
static int rewrite_body(struct sl_buf *out, const struct sl_buf *in, const struct sl_buf *qdb,
                        const struct sl_buf *ndb, const struct sl_buf *qt, const struct sl_buf *nt,
                        bool qualifiers, const char *bare)
{
	size_t bare_len = bare ? strlen(bare) : 0;
	const char *p = in->data, *end = in->data + in->len;
	/* About the size it will be: renames add a few bytes a statement. */
	int rc = sl_buf_reserve_exact(out, in->len + in->len / 64 + 256);
	while (!rc && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol + 1 : end;
		if (!head_line(p, (size_t)(line_end - p))) {
			rc = sl_buf_append(out, p, (size_t)(line_end - p));
			p = line_end;
			continue;
		}
		/* Names sit at the head of a statement: an INSERT's values can be
		 * megabytes long and are copied as they are. */
		const char *scan_end = line_end - p > 1024 && !qualifiers ? p + 1024 : line_end;
		/* One name of each kind per statement head: the first match is the
		 * statement's own; later ones would be inside its text. */
		bool schema_done = false, table_done = false;
		const char *copied = p; /* [copied, p) is still to be copied */
		const char *line = p;
		while (!rc && p < scan_end && !(table_done && !qualifiers)) {
			/* Only a keyword's first letter, a backtick or the bare name's
			 * first letter can start a match. */
			if (!memchr("UDTSVI `", *p, 8) && !(bare_len && *p == bare[0])) {
				p++;
				continue;
			}
			const struct sl_buf *from = NULL, *to = NULL;
			size_t kl = 0;
			for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]) && !from; k++) {
				const struct sl_buf *f = rules[k].is_schema ? qdb : qt;
				kl = strlen(rules[k].keyword);
				if (!f || (rules[k].is_schema ? schema_done : table_done) ||
				    (size_t)(line_end - p) < kl + f->len ||
				    memcmp(p, rules[k].keyword, kl) != 0 ||
				    memcmp(p + kl, f->data, f->len) != 0)
					continue;
				from = f;
				to = rules[k].is_schema ? ndb : nt;
				if (rules[k].is_schema)
					schema_done = true;
				else
					table_done = true;
			}
			/* A view's body names its tables `db`.`t`: follow the rename. */
			if (!from && qualifiers && qdb && (size_t)(line_end - p) > qdb->len &&
			    !memcmp(p, qdb->data, qdb->len) && p[qdb->len] == '.') {
				from = qdb;
				to = ndb;
				kl = 0;
			}
			/* ... or db.t, unquoted, standing on its own. */
			if (!from && qualifiers && bare_len &&
			    (size_t)(line_end - p) > bare_len + 1 &&
			    (p == line || !(ident_char((unsigned char)p[-1]) || p[-1] == '`' ||
			                    p[-1] == '.' || p[-1] == '@' || p[-1] == '\'')) &&
			    !memcmp(p, bare, bare_len) && p[bare_len] == '.' &&
			    (ident_char((unsigned char)p[bare_len + 1]) ||
			     p[bare_len + 1] == '`')) {
				rc = sl_buf_append(out, copied, (size_t)(p - copied));
				rc = rc ? rc : sl_buf_append(out, ndb->data, ndb->len);
				p += bare_len;
				copied = p;
				continue;
			}
			if (!from) {
				p++;
				continue;
			}
			rc = sl_buf_append(out, copied, (size_t)(p - copied) + kl);
			rc = rc ? rc : sl_buf_append(out, to->data, to->len);
			p += kl + from->len;
			copied = p;
		}
		p = copied;
		if (!rc && p < line_end) {
			rc = sl_buf_append(out, p, (size_t)(line_end - p));
			p = line_end;
		}
	}
	return rc;
}

/* The file name of 'b' for the new names. */
static int rename_file(struct sl_buf *out, const struct sl_batch *b, const char *schema,
                       const char *name)
{
	switch (b->file_kind) {
	case SL_FILE_SCHEMA_CREATE:
		return sl_fname_schema_create(out, schema);
	case SL_FILE_TABLE_SCHEMA:
		return sl_fname_table_schema(out, schema, name);
	case SL_FILE_TRIGGERS:
		return sl_fname_triggers(out, schema, name);
	case SL_FILE_VIEW:
		return sl_fname_view(out, schema, name);
	case SL_FILE_POST:
		return name ? sl_fname_indexes(out, schema, name) : sl_fname_post(out, schema);
	case SL_FILE_USERS: /* the instance's: no database to rename */
		return sl_buf_puts(out, SL_FNAME_USERS);
	case SL_FILE_DATA: {
		/* db.t.00042.sql: keep the number and the extension. */
		const char *ext = strrchr(b->name, '.');
		const char *seq = ext;
		while (seq && seq > b->name && seq[-1] != '.')
			seq--;
		unsigned long n = seq ? strtoul(seq, NULL, 10) : 0;
		return sl_fname_data(out, schema, name, (unsigned)n, ext ? ext + 1 : "sql");
	}
	}
	return SL_EINTERNAL;
}

int sl_route_retarget(const struct sl_batch *b, const char *schema, const char *name,
                      struct sl_batch **out)
{
	struct sl_buf fname = SL_BUF_INIT, qdb = SL_BUF_INIT, ndb = SL_BUF_INIT, qt = SL_BUF_INIT,
	              nt = SL_BUF_INIT;
	struct sl_batch *c = NULL;
	const char *old_name = sl_batch_table_name(b);
	bool db_changed = b->schema && strcmp(b->schema, schema) != 0;
	bool t_changed = name && old_name && strcmp(old_name, name) != 0;
	int rc = 0;

	if (b->kind == SL_BATCH_FILE && (rc = rename_file(&fname, b, schema, name)))
		goto fail;
	c = sl_batch_new(b->kind, b->file_kind, b->table, schema,
	                 b->kind == SL_BATCH_FILE ? fname.data : NULL);
	if (!c || (name && b->table && strcmp(name, b->table->name) != 0 &&
	           !(c->table_name = sl_strdup(name)))) {
		rc = SL_ENOMEM;
		goto fail;
	}
	c->rows = b->rows;
	if (b->kind == SL_BATCH_FILE) {
		if (db_changed && ((rc = sl_buf_put_ident(&qdb, b->schema)) ||
		                   (rc = sl_buf_put_ident(&ndb, schema))))
			goto fail;
		if (t_changed &&
		    ((rc = sl_buf_put_ident(&qt, old_name)) || (rc = sl_buf_put_ident(&nt, name))))
			goto fail;
		/* A csv, tsv or jsonl data file holds rows, not statements. */
		const struct sl_data_format *f =
		    b->file_kind == SL_FILE_DATA ? sl_data_format_of_file(b->name) : NULL;
		if (f && f->text) {
			rc = sl_buf_reserve_exact(&c->body, b->body.len);
			if (!rc)
				rc = sl_buf_append(&c->body, b->body.data, b->body.len);
		} else {
			/* Views, triggers and routines may name objects db-qualified. */
			bool qual = b->file_kind == SL_FILE_VIEW ||
			            b->file_kind == SL_FILE_TRIGGERS ||
			            b->file_kind == SL_FILE_POST;
			rc = rewrite_body(&c->body, &b->body, db_changed ? &qdb : NULL, &ndb,
			                  t_changed ? &qt : NULL, &nt, qual,
			                  db_changed && qual ? bare_name(b->schema) : NULL);
		}
		if (rc)
			goto fail;
	}
	*out = c;
	c = NULL;
fail:
	sl_batch_release(c);
	sl_buf_free(&fname);
	sl_buf_free(&qdb);
	sl_buf_free(&ndb);
	sl_buf_free(&qt);
	sl_buf_free(&nt);
	return rc;
}
