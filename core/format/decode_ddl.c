/* decode_ddl.c - a table's description from CREATE TABLE (decode_ddl.h).
 *
 * A token scanner (names, quoted strings, words, punctuation; comments
 * skipped, the text of executable comments kept) feeds a reader of the
 * column list: each top-level element is a column, a key, a foreign key or
 * a clause to skip (CHECK, PERIOD FOR).  Types are lower-cased the way
 * information_schema shows DATA_TYPE and COLUMN_TYPE, so a description
 * read here is what the mariadb source reads from the catalog. */
#include "format/decode_ddl.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "format/sqlsplit.h"
#include "format/table.h"

enum tok_kind { TOK_END, TOK_NAME, TOK_STRING, TOK_WORD, TOK_PUNCT };

struct tok {
	enum tok_kind kind;
	const char *p; /* the token's text, quotes included */
	size_t len;
};

struct lex {
	const char *p;
	size_t len, i;
};

static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

/* Skip blanks, comments, and the markers of executable comments (their
 * text counts: MySQL writes a column's INVISIBLE inside one). */
static void skip(struct lex *x)
{
	while (x->i < x->len) {
		const char *p = x->p + x->i;
		size_t rest = x->len - x->i;
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			x->i++;
		} else if (rest >= 3 && p[0] == '/' && p[1] == '*' &&
		           (p[2] == '!' || p[2] == 'M')) {
			size_t k = 2;
			if (p[2] == 'M' && rest > 3 && p[3] == '!')
				k = 4;
			else if (p[2] == '!')
				k = 3;
			else
				goto comment;
			while (k < rest && p[k] >= '0' && p[k] <= '9')
				k++;
			x->i += k;
		} else if (rest >= 2 && p[0] == '*' && p[1] == '/') {
			x->i += 2;
		} else if (rest >= 2 && p[0] == '/' && p[1] == '*') {
		comment:;
			const char *end = NULL;
			for (size_t k = 2; k + 1 < rest; k++)
				if (p[k] == '*' && p[k + 1] == '/') {
					end = p + k + 2;
					break;
				}
			x->i = end ? (size_t)(end - x->p) : x->len;
		} else if (*p == '#' || (rest >= 3 && p[0] == '-' && p[1] == '-' &&
		                         (p[2] == ' ' || p[2] == '\t' || p[2] == '\n'))) {
			while (x->i < x->len && x->p[x->i] != '\n')
				x->i++;
		} else {
			return;
		}
	}
}

static struct tok next(struct lex *x)
{
	skip(x);
	struct tok t = {TOK_END, x->p + x->i, 0};
	if (x->i >= x->len)
		return t;
	char c = x->p[x->i];
	size_t k = x->i;
	if (c == '`' || c == '\'' || c == '"') {
		t.kind = c == '`' ? TOK_NAME : TOK_STRING;
		for (k++; k < x->len; k++) {
			if (c != '`' && x->p[k] == '\\') {
				k++;
				continue;
			}
			if (x->p[k] == c) {
				if (k + 1 < x->len && x->p[k + 1] == c) {
					k++;
					continue;
				}
				break;
			}
		}
		k = k < x->len ? k + 1 : x->len;
	} else if (word_char((unsigned char)c)) {
		t.kind = TOK_WORD;
		while (k < x->len && word_char((unsigned char)x->p[k]))
			k++;
	} else {
		t.kind = TOK_PUNCT;
		k++;
	}
	t.len = k - x->i;
	x->i = k;
	return t;
}

static struct tok peek(struct lex *x)
{
	size_t at = x->i;
	struct tok t = next(x);
	x->i = at;
	return t;
}

static bool is_word(struct tok t, const char *w)
{
	return t.kind == TOK_WORD && t.len == strlen(w) && !strncasecmp(t.p, w, t.len);
}

static bool is_punct(struct tok t, char c)
{
	return t.kind == TOK_PUNCT && t.p[0] == c;
}

/* A name token's identifier (quotes removed, `` undoubled), or a bare
 * word's, as a new string.  NULL on ENOMEM. */
static char *name_of(struct tok t)
{
	struct sl_buf b = SL_BUF_INIT;
	int rc = 0;
	if (t.kind == TOK_NAME || t.kind == TOK_STRING) {
		char q = t.p[0];
		for (size_t k = 1; k + 1 < t.len && !rc; k++) {
			if (t.p[k] == q && t.p[k + 1] == q)
				k++;
			rc = sl_buf_putc(&b, t.p[k]);
		}
	} else {
		rc = sl_buf_append(&b, t.p, t.len);
	}
	if (!rc && !b.data)
		rc = sl_buf_putc(&b, '\0');
	if (rc) {
		sl_buf_free(&b);
		return NULL;
	}
	return sl_buf_steal(&b, NULL);
}

/* Skip to the ')' that closes a '(' just read. */
static void skip_group(struct lex *x)
{
	int depth = 1;
	for (;;) {
		struct tok t = next(x);
		if (t.kind == TOK_END)
			return;
		if (is_punct(t, '('))
			depth++;
		else if (is_punct(t, ')') && --depth == 0)
			return;
	}
}

/* Skip to the end of the current element: a ',' or ')' at depth 0 (not
 * consumed). */
static void skip_element(struct lex *x)
{
	for (;;) {
		struct tok t = peek(x);
		if (t.kind == TOK_END || is_punct(t, ',') || is_punct(t, ')'))
			return;
		next(x);
		if (is_punct(t, '('))
			skip_group(x);
	}
}

/* '(' name [(len)] [ASC|DESC], ... ')' into a new array.  0, SL_EFORMAT,
 * SL_ENOMEM. */
static int name_list(struct lex *x, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!is_punct(next(x), '('))
		return SL_EFORMAT;
	size_t cap = 0;
	for (;;) {
		struct tok t = next(x);
		if (t.kind != TOK_NAME && t.kind != TOK_WORD)
			return SL_EFORMAT;
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			char **v = sl_realloc(*out, cap * sizeof(*v));
			if (!v)
				return SL_ENOMEM;
			*out = v;
		}
		if (!((*out)[*n] = name_of(t)))
			return SL_ENOMEM;
		(*n)++;
		for (;;) { /* a prefix length, ASC/DESC */
			t = next(x);
			if (is_punct(t, '('))
				skip_group(x);
			else if (is_punct(t, ',') || is_punct(t, ')') || t.kind == TOK_END)
				break;
		}
		if (!is_punct(t, ','))
			return is_punct(t, ')') ? 0 : SL_EFORMAT;
	}
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		sl_free(v[i]);
	sl_free(v);
}

struct reader {
	struct lex x;
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
	if (!is_word(next(&r->x), "KEY"))
		return SL_EFORMAT;
	if (peek(&r->x).kind == TOK_NAME) /* an index name */
		next(&r->x);
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
	if (!is_word(next(&r->x), "REFERENCES"))
		return SL_EFORMAT;
	struct tok a = next(&r->x);
	if (a.kind != TOK_NAME && a.kind != TOK_WORD)
		return SL_EFORMAT;
	struct tok b = a;
	if (is_punct(peek(&r->x), '.')) {
		next(&r->x);
		b = next(&r->x);
		if (!(fk->ref_schema = name_of(a)))
			return SL_ENOMEM;
	} else if (!(fk->ref_schema = sl_strdup(r->t->schema ? r->t->schema : ""))) {
		return SL_ENOMEM;
	}
	if (!(fk->ref_table = name_of(b)))
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
static int add_column(struct reader *r, struct tok n)
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
	if (!(c->name = name_of(n)))
		return SL_ENOMEM;
	struct tok ty = next(&r->x);
	if (ty.kind != TOK_WORD)
		return SL_EFORMAT;
	struct sl_buf type = SL_BUF_INIT;
	int rc = 0;
	for (size_t k = 0; k < ty.len && !rc; k++)
		rc = sl_buf_putc(&type,
		                 (char)(ty.p[k] >= 'A' && ty.p[k] <= 'Z' ? ty.p[k] + 32 : ty.p[k]));
	if (!rc && !(c->data_type = sl_strdup(type.data)))
		rc = SL_ENOMEM;
	if (!rc && is_punct(peek(&r->x), '(')) {
		skip(&r->x);
		size_t start = r->x.i;
		next(&r->x);
		skip_group(&r->x);
		rc = sl_buf_append(&type, r->x.p + start, r->x.i - start);
	}
	for (;;) {
		struct tok w = peek(&r->x);
		if (rc ||
		    !(is_word(w, "unsigned") || is_word(w, "signed") || is_word(w, "zerofill")))
			break;
		next(&r->x);
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
		struct tok w = peek(&r->x);
		if (w.kind == TOK_END || is_punct(w, ',') || is_punct(w, ')'))
			break;
		next(&r->x);
		if (is_word(w, "NOT") && is_word(peek(&r->x), "NULL")) {
			next(&r->x);
			c->nullable = false;
		} else if (is_word(w, "DEFAULT")) {
			struct tok v = next(&r->x);
			size_t start = (size_t)(v.p - r->x.p);
			if (is_punct(v, '-') || is_punct(v, '+'))
				next(&r->x);
			else if (is_punct(v, '('))
				skip_group(&r->x);
			else if (v.kind == TOK_WORD && is_punct(peek(&r->x), '(')) {
				next(&r->x);
				skip_group(&r->x);
			}
			sl_free(c->default_value);
			c->default_value = sl_malloc(r->x.i - start + 1);
			if (!c->default_value)
				return SL_ENOMEM;
			memcpy(c->default_value, r->x.p + start, r->x.i - start);
			c->default_value[r->x.i - start] = '\0';
		} else if (is_word(w, "AS") || is_word(w, "GENERATED")) {
			c->generated = true;
		} else if (is_word(w, "INVISIBLE")) {
			c->invisible = true;
		} else if ((is_word(w, "CHARACTER") && is_word(peek(&r->x), "SET")) ||
		           is_word(w, "CHARSET")) {
			if (is_word(w, "CHARACTER"))
				next(&r->x);
			struct tok cs = next(&r->x);
			sl_free(c->charset);
			if (!(c->charset = name_of(cs)))
				return SL_ENOMEM;
		} else if (is_punct(w, '(')) {
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
	struct tok t = next(&r->x);
	char *cname = NULL;
	int rc;
	if (t.kind == TOK_NAME)
		return add_column(r, t);
	if (t.kind != TOK_WORD)
		return SL_EFORMAT;
	if (is_word(t, "CONSTRAINT")) {
		struct tok n = peek(&r->x);
		if (n.kind == TOK_NAME ||
		    (n.kind == TOK_WORD && !is_word(n, "PRIMARY") && !is_word(n, "UNIQUE") &&
		     !is_word(n, "FOREIGN") && !is_word(n, "CHECK"))) {
			next(&r->x);
			if (!(cname = name_of(n)))
				return SL_ENOMEM;
		}
		t = next(&r->x);
	}
	if (is_word(t, "PRIMARY")) {
		if (is_word(peek(&r->x), "KEY"))
			next(&r->x);
		rc = add_key(r, "PRIMARY", true, true);
	} else if (is_word(t, "UNIQUE") || is_word(t, "KEY") || is_word(t, "INDEX") ||
	           is_word(t, "FULLTEXT") || is_word(t, "SPATIAL")) {
		bool unique = is_word(t, "UNIQUE");
		if (!is_word(t, "KEY") && !is_word(t, "INDEX") &&
		    (is_word(peek(&r->x), "KEY") || is_word(peek(&r->x), "INDEX")))
			next(&r->x);
		char *kname = NULL;
		struct tok n = peek(&r->x);
		if (n.kind == TOK_NAME || (n.kind == TOK_WORD && !is_word(n, "USING"))) {
			next(&r->x);
			if (!(kname = name_of(n))) {
				sl_free(cname);
				return SL_ENOMEM;
			}
		}
		if (is_word(peek(&r->x), "USING")) { /* USING BTREE before the list */
			next(&r->x);
			next(&r->x);
		}
		rc = add_key(r, kname ? kname : cname ? cname : "", false, unique);
		sl_free(kname);
	} else if (is_word(t, "FOREIGN")) {
		rc = add_fk(r, cname);
	} else if (t.kind == TOK_WORD && !cname && !is_word(t, "CHECK") && !is_word(t, "PERIOD")) {
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
		struct tok t = next(&r->x);
		if (t.kind == TOK_END)
			return 0;
		bool engine = is_word(t, "ENGINE");
		bool cs = is_word(t, "CHARSET") ||
		          (is_word(t, "CHARACTER") && is_word(peek(&r->x), "SET"));
		if (!engine && !cs)
			continue;
		if (is_word(t, "CHARACTER"))
			next(&r->x);
		if (is_punct(peek(&r->x), '='))
			next(&r->x);
		struct tok v = next(&r->x);
		char **dst = engine ? &r->t->engine : charset;
		if (v.kind == TOK_END || *dst)
			continue;
		if (!(*dst = name_of(v)))
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
	struct lex *x = &r->x;
	if (!is_word(next(x), "CREATE"))
		return 0;
	struct tok t = next(x);
	if (is_word(t, "OR")) { /* OR REPLACE */
		next(x);
		t = next(x);
	}
	if (is_word(t, "TEMPORARY"))
		t = next(x);
	bool sequence = is_word(t, "SEQUENCE");
	if (!sequence && !is_word(t, "TABLE"))
		return 0;
	r->t->kind = sequence ? SL_TABLE_SEQUENCE : SL_TABLE_BASE;
	struct tok n = next(x);
	if (is_word(n, "IF")) { /* IF NOT EXISTS */
		next(x);
		next(x);
		n = next(x);
	}
	if (is_punct(peek(x), '.')) {
		next(x);
		next(x);
	}
	if (!is_punct(next(x), '('))
		return sequence ? 1 : SL_EFORMAT; /* CREATE SEQUENCE s start with ... */
	int rc;
	for (;;) {
		if ((rc = element(r)))
			return rc;
		struct tok sep = next(x);
		if (is_punct(sep, ','))
			continue;
		if (is_punct(sep, ')'))
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
		struct reader r = {{stmt, n, 0}, t, 0, 0, 0};
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
