/* decode_ddl.c - a table's description from CREATE TABLE (decode_ddl.h).
 *
 * The tokens (format/sqltok.c: comments skipped, the text of executable
 * comments kept) feed a reader of the column list: each top-level element
 * is a column, a key, a foreign key or a clause to skip (CHECK, PERIOD
 * FOR).  Types are lower-cased the way
 * information_schema shows DATA_TYPE and COLUMN_TYPE, so a description
 * read here is what the mariadb source reads from the catalog. */
#include "format/decode_ddl.h"

#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "format/sqlsplit.h"
#include "format/sqltok.h"
#include "format/table.h"

/* Comments skipped; the text of executable comments counts (MySQL writes
 * a column's INVISIBLE inside one); text that does not end runs to the
 * end. */
#define DDL_FLAGS (SL_SQLTOK_COMMENTS | SL_SQLTOK_EXEC_SKIP | SL_SQLTOK_LENIENT)

/* Skip to the ')' that closes a '(' just read. */
static void skip_group(struct sl_sqltok_lexer *x)
{
	int depth = 1;
	for (;;) {
		struct sl_sqltok t = sl_sqltok_next(x);
		if (t.kind == SL_SQLTOK_END)
			return;
		if (sl_sqltok_punct(t, '('))
			depth++;
		else if (sl_sqltok_punct(t, ')') && --depth == 0)
			return;
	}
}

/* Skip to the end of the current element: a ',' or ')' at depth 0 (not
 * consumed). */
static void skip_element(struct sl_sqltok_lexer *x)
{
	for (;;) {
		struct sl_sqltok t = sl_sqltok_peek(x);
		if (t.kind == SL_SQLTOK_END || sl_sqltok_punct(t, ',') || sl_sqltok_punct(t, ')'))
			return;
		sl_sqltok_next(x);
		if (sl_sqltok_punct(t, '('))
			skip_group(x);
	}
}

/* '(' name [(len)] [ASC|DESC], ... ')' into a new array.  0, SL_EFORMAT,
 * SL_ENOMEM. */
static int name_list(struct sl_sqltok_lexer *x, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!sl_sqltok_punct(sl_sqltok_next(x), '('))
		return SL_EFORMAT;
	size_t cap = 0;
	for (;;) {
		struct sl_sqltok t = sl_sqltok_next(x);
		if (t.kind != SL_SQLTOK_NAME && t.kind != SL_SQLTOK_WORD)
			return SL_EFORMAT;
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			char **v = sl_realloc(*out, cap * sizeof(*v));
			if (!v)
				return SL_ENOMEM;
			*out = v;
		}
		if (!((*out)[*n] = sl_sqltok_name(t)))
			return SL_ENOMEM;
		(*n)++;
		for (;;) { /* a prefix length, ASC/DESC */
			t = sl_sqltok_next(x);
			if (sl_sqltok_punct(t, '('))
				skip_group(x);
			else if (sl_sqltok_punct(t, ',') || sl_sqltok_punct(t, ')') ||
			         t.kind == SL_SQLTOK_END)
				break;
		}
		if (!sl_sqltok_punct(t, ','))
			return sl_sqltok_punct(t, ')') ? 0 : SL_EFORMAT;
	}
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		sl_free(v[i]);
	sl_free(v);
}

struct reader {
	struct sl_sqltok_lexer x;
	struct sl_table *t;
	size_t cap_cols, cap_keys, cap_fks;
};

static int add_key(struct reader *r, const char *name, bool primary, bool unique)
{
	if (r->t->nkeys == r->cap_keys) {
		size_t cap = r->cap_keys ? r->cap_keys * 2 : 4;
		struct sl_key *v = sl_realloc(r->t->keys, cap * sizeof(*v));
		if (!v)
			return SL_ENOMEM;
		r->t->keys = v;
		r->cap_keys = cap;
	}
	struct sl_key *k = &r->t->keys[r->t->nkeys];
	memset(k, 0, sizeof(*k));
	k->primary = primary;
	k->unique = unique || primary;
	if (!(k->name = sl_strdup(name)))
		return SL_ENOMEM;
	r->t->nkeys++;
	int rc = name_list(&r->x, &k->cols, &k->ncols);
	skip_element(&r->x);
	return rc;
}

/* FOREIGN KEY (cols) REFERENCES [db.]t (cols) ... ('FOREIGN' read). */
static int add_fk(struct reader *r, const char *name)
{
	if (!sl_sqltok_is(sl_sqltok_next(&r->x), "KEY"))
		return SL_EFORMAT;
	if (sl_sqltok_peek(&r->x).kind == SL_SQLTOK_NAME) /* an index name */
		sl_sqltok_next(&r->x);
	if (r->t->nfks == r->cap_fks) {
		size_t cap = r->cap_fks ? r->cap_fks * 2 : 4;
		struct sl_foreign_key *v = sl_realloc(r->t->fks, cap * sizeof(*v));
		if (!v)
			return SL_ENOMEM;
		r->t->fks = v;
		r->cap_fks = cap;
	}
	struct sl_foreign_key *fk = &r->t->fks[r->t->nfks++];
	memset(fk, 0, sizeof(*fk));
	if (!(fk->name = sl_strdup(name ? name : "")))
		return SL_ENOMEM;
	size_t n = 0, m = 0;
	int rc = name_list(&r->x, &fk->cols, &n);
	fk->ncols = n;
	if (rc)
		return rc;
	if (!sl_sqltok_is(sl_sqltok_next(&r->x), "REFERENCES"))
		return SL_EFORMAT;
	struct sl_sqltok a = sl_sqltok_next(&r->x);
	if (a.kind != SL_SQLTOK_NAME && a.kind != SL_SQLTOK_WORD)
		return SL_EFORMAT;
	struct sl_sqltok b = a;
	if (sl_sqltok_punct(sl_sqltok_peek(&r->x), '.')) {
		sl_sqltok_next(&r->x);
		b = sl_sqltok_next(&r->x);
		if (!(fk->ref_schema = sl_sqltok_name(a)))
			return SL_ENOMEM;
	} else if (!(fk->ref_schema = sl_strdup(r->t->schema ? r->t->schema : ""))) {
		return SL_ENOMEM;
	}
	if (!(fk->ref_table = sl_sqltok_name(b)))
		return SL_ENOMEM;
	char **refs = NULL;
	rc = name_list(&r->x, &refs, &m);
	if (!rc && m != n)
		rc = SL_EFORMAT;
	if (rc) {
		free_names(refs, m);
		return rc;
	}
	fk->ref_cols = refs;
	skip_element(&r->x);
	return 0;
}

static bool string_type(const char *dt)
{
	static const char *const types[] = {"char",     "varchar", "tinytext", "text", "mediumtext",
	                                    "longtext", "enum",    "set",      NULL};
	for (size_t i = 0; types[i]; i++)
		if (!strcmp(dt, types[i]))
			return true;
	return false;
}

/* A column definition; its name token 'n' was read. */
static int add_column(struct reader *r, struct sl_sqltok n)
{
	struct sl_table *t = r->t;
	if (t->ncols == r->cap_cols) {
		size_t cap = r->cap_cols ? r->cap_cols * 2 : 16;
		struct sl_column *v = sl_realloc(t->cols, cap * sizeof(*v));
		if (!v)
			return SL_ENOMEM;
		t->cols = v;
		r->cap_cols = cap;
	}
	struct sl_column *c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	t->ncols++;
	if (!(c->name = sl_sqltok_name(n)))
		return SL_ENOMEM;
	struct sl_sqltok ty = sl_sqltok_next(&r->x);
	if (ty.kind != SL_SQLTOK_WORD)
		return SL_EFORMAT;
	struct sl_buf type = SL_BUF_INIT;
	int rc = 0;
	for (size_t k = 0; k < ty.len && !rc; k++)
		rc = sl_buf_putc(&type,
		                 (char)(ty.p[k] >= 'A' && ty.p[k] <= 'Z' ? ty.p[k] + 32 : ty.p[k]));
	if (!rc && !(c->data_type = sl_strdup(type.data)))
		rc = SL_ENOMEM;
	if (!rc && sl_sqltok_punct(sl_sqltok_peek(&r->x), '(')) {
		sl_sqltok_skip(&r->x);
		size_t start = r->x.i;
		sl_sqltok_next(&r->x);
		skip_group(&r->x);
		rc = sl_buf_append(&type, r->x.p + start, r->x.i - start);
	}
	for (;;) {
		struct sl_sqltok w = sl_sqltok_peek(&r->x);
		if (rc || !(sl_sqltok_is(w, "unsigned") || sl_sqltok_is(w, "signed") ||
		            sl_sqltok_is(w, "zerofill")))
			break;
		sl_sqltok_next(&r->x);
		rc = sl_buf_putc(&type, ' ');
		for (size_t k = 0; k < w.len && !rc; k++)
			rc = sl_buf_putc(
			    &type, (char)(w.p[k] >= 'A' && w.p[k] <= 'Z' ? w.p[k] + 32 : w.p[k]));
	}
	if (!rc && !(c->column_type = sl_buf_steal(&type, NULL)))
		rc = SL_ENOMEM;
	sl_buf_free(&type);
	if (rc)
		return rc;
	c->nullable = true;
	/* The attributes, up to the end of the element. */
	for (;;) {
		struct sl_sqltok w = sl_sqltok_peek(&r->x);
		if (w.kind == SL_SQLTOK_END || sl_sqltok_punct(w, ',') || sl_sqltok_punct(w, ')'))
			break;
		sl_sqltok_next(&r->x);
		if (sl_sqltok_is(w, "NOT") && sl_sqltok_is(sl_sqltok_peek(&r->x), "NULL")) {
			sl_sqltok_next(&r->x);
			c->nullable = false;
		} else if (sl_sqltok_is(w, "DEFAULT")) {
			struct sl_sqltok v = sl_sqltok_next(&r->x);
			size_t start = (size_t)(v.p - r->x.p);
			if (sl_sqltok_punct(v, '-') || sl_sqltok_punct(v, '+'))
				sl_sqltok_next(&r->x);
			else if (sl_sqltok_punct(v, '('))
				skip_group(&r->x);
			else if (v.kind == SL_SQLTOK_WORD &&
			         sl_sqltok_punct(sl_sqltok_peek(&r->x), '(')) {
				sl_sqltok_next(&r->x);
				skip_group(&r->x);
			}
			sl_free(c->default_value);
			c->default_value = sl_malloc(r->x.i - start + 1);
			if (!c->default_value)
				return SL_ENOMEM;
			memcpy(c->default_value, r->x.p + start, r->x.i - start);
			c->default_value[r->x.i - start] = '\0';
		} else if (sl_sqltok_is(w, "AS") || sl_sqltok_is(w, "GENERATED")) {
			c->generated = true;
		} else if (sl_sqltok_is(w, "INVISIBLE")) {
			c->invisible = true;
		} else if ((sl_sqltok_is(w, "CHARACTER") &&
		            sl_sqltok_is(sl_sqltok_peek(&r->x), "SET")) ||
		           sl_sqltok_is(w, "CHARSET")) {
			if (sl_sqltok_is(w, "CHARACTER"))
				sl_sqltok_next(&r->x);
			struct sl_sqltok cs = sl_sqltok_next(&r->x);
			sl_free(c->charset);
			if (!(c->charset = sl_sqltok_name(cs)))
				return SL_ENOMEM;
		} else if (sl_sqltok_punct(w, '(')) {
			skip_group(&r->x);
		}
	}
	c->value_class = sl_value_class_of(c->data_type);
	c->is_float = !strcmp(c->data_type, "float");
	return 0;
}

/* One element of the list: a column, a key, a foreign key, or a clause. */
static int element(struct reader *r)
{
	struct sl_sqltok t = sl_sqltok_next(&r->x);
	char *cname = NULL;
	int rc;
	if (t.kind == SL_SQLTOK_NAME)
		return add_column(r, t);
	if (t.kind != SL_SQLTOK_WORD)
		return SL_EFORMAT;
	if (sl_sqltok_is(t, "CONSTRAINT")) {
		struct sl_sqltok n = sl_sqltok_peek(&r->x);
		if (n.kind == SL_SQLTOK_NAME ||
		    (n.kind == SL_SQLTOK_WORD && !sl_sqltok_is(n, "PRIMARY") &&
		     !sl_sqltok_is(n, "UNIQUE") && !sl_sqltok_is(n, "FOREIGN") &&
		     !sl_sqltok_is(n, "CHECK"))) {
			sl_sqltok_next(&r->x);
			if (!(cname = sl_sqltok_name(n)))
				return SL_ENOMEM;
		}
		t = sl_sqltok_next(&r->x);
	}
	if (sl_sqltok_is(t, "PRIMARY")) {
		if (sl_sqltok_is(sl_sqltok_peek(&r->x), "KEY"))
			sl_sqltok_next(&r->x);
		rc = add_key(r, "PRIMARY", true, true);
	} else if (sl_sqltok_is(t, "UNIQUE") || sl_sqltok_is(t, "KEY") ||
	           sl_sqltok_is(t, "INDEX") || sl_sqltok_is(t, "FULLTEXT") ||
	           sl_sqltok_is(t, "SPATIAL")) {
		bool unique = sl_sqltok_is(t, "UNIQUE");
		if (!sl_sqltok_is(t, "KEY") && !sl_sqltok_is(t, "INDEX") &&
		    (sl_sqltok_is(sl_sqltok_peek(&r->x), "KEY") ||
		     sl_sqltok_is(sl_sqltok_peek(&r->x), "INDEX")))
			sl_sqltok_next(&r->x);
		char *kname = NULL;
		struct sl_sqltok n = sl_sqltok_peek(&r->x);
		if (n.kind == SL_SQLTOK_NAME ||
		    (n.kind == SL_SQLTOK_WORD && !sl_sqltok_is(n, "USING"))) {
			sl_sqltok_next(&r->x);
			if (!(kname = sl_sqltok_name(n))) {
				sl_free(cname);
				return SL_ENOMEM;
			}
		}
		if (sl_sqltok_is(sl_sqltok_peek(&r->x),
		                 "USING")) { /* USING BTREE before the list */
			sl_sqltok_next(&r->x);
			sl_sqltok_next(&r->x);
		}
		rc = add_key(r, kname ? kname : cname ? cname : "", false, unique);
		sl_free(kname);
	} else if (sl_sqltok_is(t, "FOREIGN")) {
		rc = add_fk(r, cname);
	} else if (t.kind == SL_SQLTOK_WORD && !cname && !sl_sqltok_is(t, "CHECK") &&
	           !sl_sqltok_is(t, "PERIOD")) {
		rc = add_column(r, t); /* a column whose name needs no quotes */
	} else {
		skip_element(&r->x); /* CHECK (...), PERIOD FOR ... */
		rc = 0;
	}
	sl_free(cname);
	return rc;
}

/* The table's options after the list: ENGINE=, DEFAULT CHARSET=. */
static int options(struct reader *r, char **charset)
{
	for (;;) {
		struct sl_sqltok t = sl_sqltok_next(&r->x);
		if (t.kind == SL_SQLTOK_END)
			return 0;
		bool engine = sl_sqltok_is(t, "ENGINE");
		bool cs =
		    sl_sqltok_is(t, "CHARSET") ||
		    (sl_sqltok_is(t, "CHARACTER") && sl_sqltok_is(sl_sqltok_peek(&r->x), "SET"));
		if (!engine && !cs)
			continue;
		if (sl_sqltok_is(t, "CHARACTER"))
			sl_sqltok_next(&r->x);
		if (sl_sqltok_punct(sl_sqltok_peek(&r->x), '='))
			sl_sqltok_next(&r->x);
		struct sl_sqltok v = sl_sqltok_next(&r->x);
		char **dst = engine ? &r->t->engine : charset;
		if (v.kind == SL_SQLTOK_END || *dst)
			continue;
		if (!(*dst = sl_sqltok_name(v)))
			return SL_ENOMEM;
	}
}

static void clear(struct sl_table *t)
{
	struct sl_table tmp = {0};
	tmp.cols = t->cols;
	tmp.ncols = t->ncols;
	tmp.keys = t->keys;
	tmp.nkeys = t->nkeys;
	tmp.fks = t->fks;
	tmp.nfks = t->nfks;
	tmp.engine = t->engine;
	/* sl_table_free() frees what the table owns; free only these. */
	struct sl_table *copy = sl_calloc(1, sizeof(*copy));
	if (copy) {
		*copy = tmp;
		sl_table_free(copy);
	}
	t->cols = NULL;
	t->ncols = 0;
	t->keys = NULL;
	t->nkeys = 0;
	t->fks = NULL;
	t->nfks = 0;
	t->engine = NULL;
}

/* Read one CREATE TABLE/SEQUENCE statement into t: 1 when it is one, 0
 * when it is another statement. */
static int describe(struct reader *r)
{
	struct sl_sqltok_lexer *x = &r->x;
	if (!sl_sqltok_is(sl_sqltok_next(x), "CREATE"))
		return 0;
	struct sl_sqltok t = sl_sqltok_next(x);
	if (sl_sqltok_is(t, "OR")) { /* OR REPLACE */
		sl_sqltok_next(x);
		t = sl_sqltok_next(x);
	}
	if (sl_sqltok_is(t, "TEMPORARY"))
		t = sl_sqltok_next(x);
	bool sequence = sl_sqltok_is(t, "SEQUENCE");
	if (!sequence && !sl_sqltok_is(t, "TABLE"))
		return 0;
	r->t->kind = sequence ? SL_TABLE_SEQUENCE : SL_TABLE_BASE;
	struct sl_sqltok n = sl_sqltok_next(x);
	if (sl_sqltok_is(n, "IF")) { /* IF NOT EXISTS */
		sl_sqltok_next(x);
		sl_sqltok_next(x);
		n = sl_sqltok_next(x);
	}
	if (sl_sqltok_punct(sl_sqltok_peek(x), '.')) {
		sl_sqltok_next(x);
		sl_sqltok_next(x);
	}
	if (!sl_sqltok_punct(sl_sqltok_next(x), '('))
		return sequence ? 1 : SL_EFORMAT; /* CREATE SEQUENCE s start with ... */
	int rc;
	for (;;) {
		if ((rc = element(r)))
			return rc;
		struct sl_sqltok sep = sl_sqltok_next(x);
		if (sl_sqltok_punct(sep, ','))
			continue;
		if (sl_sqltok_punct(sep, ')'))
			break;
		return SL_EFORMAT;
	}
	char *charset = NULL;
	rc = options(r, &charset);
	for (size_t i = 0; !rc && charset && i < r->t->ncols; i++) {
		struct sl_column *c = &r->t->cols[i];
		if (!c->charset && string_type(c->data_type) && !(c->charset = sl_strdup(charset)))
			rc = SL_ENOMEM;
	}
	sl_free(charset);
	return rc ? rc : 1;
}

int sl_ddl_describe(const char *sql, size_t len, struct sl_table *t, struct sl_error *err)
{
	struct sl_sqlsplit sp;
	struct sl_error serr = {0};
	const char *stmt;
	size_t n;
	int more;
	sl_sqlsplit_init(&sp, NULL, sql, len);
	while ((more = sl_sqlsplit_next(&sp, &stmt, &n, &serr)) == 1) {
		struct reader r = {{stmt, n, 0, DDL_FLAGS, false}, t, 0, 0, 0};
		int rc = describe(&r);
		if (rc == 1)
			return 0;
		if (rc < 0) {
			clear(t);
			if (rc == SL_ENOMEM)
				return sl_error_set(err, SL_ENOMEM, "out of memory");
			return sl_error_set(
			    err, SL_EFORMAT,
			    "the CREATE statement of %s.%s does not parse near byte "
			    "%zu of it",
			    t->schema ? t->schema : "?", t->name ? t->name : "?", r.x.i);
		}
	}
	return sl_error_set(err, SL_EFORMAT, "%s.%s: no CREATE TABLE statement in its schema file",
	                    t->schema ? t->schema : "?", t->name ? t->name : "?");
}
