/* catalog.c - read what this run dumps from information_schema.
 *
 * One query per kind of object for all selected schemas (not one per
 * table), filtered through the selection rules in C, so catalogs with many
 * thousands of tables stay cheap.  Fills m->schemas, m->tables, m->views. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "mariadb.h"

static int cmp_mt(const void *a, const void *b)
{
	const struct mdb_table *x = a, *y = b;
	int c = strcmp(x->t->schema, y->t->schema);
	return c ? c : strcmp(x->t->name, y->t->name);
}

static struct mdb_table *find_table(struct mdb_table *v, size_t n, const char *schema,
                                    const char *name)
{
	struct sl_table key_t = {.schema = (char *)schema, .name = (char *)name};
	struct mdb_table key = {.t = &key_t};
	return bsearch(&key, v, n, sizeof(*v), cmp_mt);
}

void mdb_table_free(struct mdb_table *mt)
{
	sl_table_free(mt->t);
	sl_free(mt->select_list);
	sl_free(mt->data_cols);
	for (size_t i = 0; i < mt->ntriggers; i++) {
		sl_free(mt->triggers[i]);
		if (mt->trigger_bodies)
			sl_free(mt->trigger_bodies[i]);
	}
	sl_free(mt->triggers);
	sl_free(mt->trigger_bodies);
	sl_free(mt->view_definition);
	memset(mt, 0, sizeof(*mt));
}

void mdb_catalog_free(struct mdb_source *m)
{
	for (size_t i = 0; i < m->ntables; i++)
		mdb_table_free(&m->tables[i]);
	for (size_t i = 0; i < m->nviews; i++)
		mdb_table_free(&m->views[i]);
	for (size_t i = 0; i < m->nschemas; i++)
		sl_free(m->schemas[i]);
	sl_free(m->tables);
	sl_free(m->views);
	sl_free(m->schemas);
	sl_free(m->order);
	m->tables = m->views = NULL;
	m->schemas = NULL;
	m->order = NULL;
	m->ntables = m->nviews = m->nschemas = 0;
}

static char *dup_or_null(const char *s)
{
	return s ? sl_strdup(s) : NULL;
}

/* "('a','b')" for the schemas to dump. */
static int schema_in_list(struct mdb_source *m, struct sl_buf *out)
{
	int rc = sl_buf_putc(out, '(');
	for (size_t i = 0; !rc && i < m->nschemas; i++) {
		if (i)
			rc = sl_buf_putc(out, ',');
		if (!rc)
			rc = sl_buf_put_quoted(out, m->schemas[i], strlen(m->schemas[i]));
	}
	if (!rc)
		rc = sl_buf_putc(out, ')');
	return rc;
}

static int oom(struct mdb_source *m)
{
	return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
}

/* Run "<select> ('a','b') <tail>" for the schemas this run dumps, on the
 * control connection.  The caller frees *res. */
static int query_schemas(struct mdb_source *m, const char *select, const char *tail,
                         MYSQL_RES **res)
{
	struct sl_buf q = SL_BUF_INIT;
	int rc = sl_buf_puts(&q, select);
	rc = rc ? rc : schema_in_list(m, &q);
	rc = rc ? rc : sl_buf_puts(&q, tail);
	if (rc) {
		sl_buf_free(&q);
		return oom(m);
	}
	rc = mdb_query_result(m, m->control, q.data, res);
	sl_buf_free(&q);
	return rc;
}

/* Schemas: check that named databases exist, keep the selected ones. */
static int load_schemas(struct mdb_source *m)
{
	MYSQL_RES *res;
	int rc = mdb_query_result(
	    m, m->control, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1", &res);
	if (rc)
		return rc;
	size_t n = mysql_num_rows(res);
	struct sl_strlist all = {0};
	MYSQL_ROW row;
	m->schemas = sl_calloc(n + 1, sizeof(char *));
	if (!m->schemas) {
		rc = oom(m);
		goto out;
	}
	while ((row = mysql_fetch_row(res))) {
		if ((rc = sl_strlist_add(&all, row[0]))) {
			rc = oom(m);
			goto out;
		}
		if (sl_select_schema(&m->select, row[0])) {
			if (!(m->schemas[m->nschemas] = sl_strdup(row[0]))) {
				rc = oom(m);
				goto out;
			}
			m->nschemas++;
		}
	}
	for (size_t i = 0; i < m->cfg->databases.n; i++) {
		if (!sl_strlist_has(&all, m->cfg->databases.v[i])) {
			rc = sl_pipeline_fail(m->inst->pipe, SL_EREFUSED, "unknown database '%s'",
			                      m->cfg->databases.v[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < m->cfg->tables.n; i++) {
		char db[256];
		const char *t;
		if (sl_select_split_name(m->cfg->tables.v[i], db, sizeof(db), &t) &&
		    !sl_strlist_has(&all, db)) {
			rc = sl_pipeline_fail(m->inst->pipe, SL_EUSAGE,
			                      "--tables %s: unknown database '%s'",
			                      m->cfg->tables.v[i], db);
			goto out;
		}
	}
out:
	sl_strlist_free(&all);
	mysql_free_result(res);
	return rc;
}

static int add_table(struct mdb_source *m, MYSQL_ROW row, struct mdb_table *mt)
{
	struct sl_table *t = sl_calloc(1, sizeof(*t));
	if (!t)
		return SL_ENOMEM;
	mt->t = t;
	t->schema = sl_strdup(row[0]);
	t->name = sl_strdup(row[1]);
	if (!strcmp(row[2], "VIEW"))
		t->kind = SL_TABLE_VIEW;
	else if (!strcmp(row[2], "SEQUENCE"))
		t->kind = SL_TABLE_SEQUENCE;
	else
		t->kind = SL_TABLE_BASE;
	t->engine = dup_or_null(row[3]);
	t->est_rows = row[4] ? strtoull(row[4], NULL, 10) : 0;
	t->est_bytes = row[5] ? strtoull(row[5], NULL, 10) : 0;
	if (m->cfg->where && t->kind == SL_TABLE_BASE)
		t->where = sl_strdup(m->cfg->where);
	if (!t->schema || !t->name || (row[3] && !t->engine) ||
	    (m->cfg->where && t->kind == SL_TABLE_BASE && !t->where))
		return SL_ENOMEM;
	return 0;
}

static int load_tables(struct mdb_source *m)
{
	MYSQL_RES *res = NULL;
	int rc = 0;
	if (m->nschemas == 0)
		goto check;
	rc = query_schemas(m,
	                   "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_ROWS, "
	                   "DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_TYPE IN "
	                   "('BASE TABLE','VIEW','SEQUENCE') AND TABLE_SCHEMA IN ",
	                   "", &res);
	if (rc)
		goto out;
	size_t n = mysql_num_rows(res);
	m->tables = sl_calloc(n + 1, sizeof(*m->tables));
	m->views = sl_calloc(n + 1, sizeof(*m->views));
	if (!m->tables || !m->views) {
		rc = oom(m);
		goto out;
	}
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		if (!sl_select_table(&m->select, row[0], row[1]))
			continue;
		bool view = !strcmp(row[2], "VIEW");
		struct mdb_table *mt = view ? &m->views[m->nviews++] : &m->tables[m->ntables++];
		if (add_table(m, row, mt)) {
			rc = oom(m);
			goto out;
		}
	}
	qsort(m->tables, m->ntables, sizeof(*m->tables), cmp_mt);
	qsort(m->views, m->nviews, sizeof(*m->views), cmp_mt);
check:
	for (size_t i = 0; i < m->cfg->tables.n; i++) {
		char db[256];
		const char *t;
		sl_select_split_name(m->cfg->tables.v[i], db, sizeof(db), &t);
		if (!find_table(m->tables, m->ntables, db, t) &&
		    !find_table(m->views, m->nviews, db, t)) {
			rc =
			    sl_pipeline_fail(m->inst->pipe, SL_EREFUSED,
			                     "--tables: table '%s' not found", m->cfg->tables.v[i]);
			goto out;
		}
	}
out:
	if (res)
		mysql_free_result(res);
	return rc;
}

static int load_columns(struct mdb_source *m)
{
	MYSQL_RES *res = NULL;
	int rc =
	    query_schemas(m,
	                  "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, "
	                  "CHARACTER_SET_NAME, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
	                  "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ",
	                  " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION", &res);
	if (rc)
		goto out;
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		struct mdb_table *mt = find_table(m->tables, m->ntables, row[0], row[1]);
		if (!mt)
			mt = find_table(m->views, m->nviews, row[0], row[1]);
		if (!mt)
			continue;
		struct sl_table *t = mt->t;
		struct sl_column *cols = sl_realloc(t->cols, (t->ncols + 1) * sizeof(*cols));
		if (!cols) {
			rc = oom(m);
			goto out;
		}
		t->cols = cols;
		struct sl_column *c = &cols[t->ncols++];
		memset(c, 0, sizeof(*c));
		c->name = sl_strdup(row[2]);
		c->data_type = sl_strdup(row[3]);
		c->column_type = sl_strdup(row[4]);
		c->charset = dup_or_null(row[5]);
		c->nullable = row[6] && !strcmp(row[6], "YES");
		c->default_value = dup_or_null(row[7]);
		c->generated = row[8] && strstr(row[8], "GENERATED");
		c->invisible = row[8] && strstr(row[8], "INVISIBLE");
		if (!c->name || !c->data_type || !c->column_type) {
			rc = oom(m);
			goto out;
		}
		c->value_class = sl_value_class_of(c->data_type);
		c->is_float = !strcasecmp(c->data_type, "float");
	}
out:
	if (res)
		mysql_free_result(res);
	return rc;
}

static int load_keys(struct mdb_source *m)
{
	MYSQL_RES *res = NULL;
	/* PRIMARY first, then unique keys, then the rest. */
	int rc =
	    query_schemas(m,
	                  "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME "
	                  "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN ",
	                  " ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME <> 'PRIMARY', "
	                  "NON_UNIQUE, INDEX_NAME, SEQ_IN_INDEX",
	                  &res);
	if (rc)
		goto out;
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		struct mdb_table *mt = find_table(m->tables, m->ntables, row[0], row[1]);
		if (!mt)
			continue;
		struct sl_table *t = mt->t;
		struct sl_key *k = t->nkeys ? &t->keys[t->nkeys - 1] : NULL;
		if (!k || strcmp(k->name, row[2]) != 0) {
			struct sl_key *keys = sl_realloc(t->keys, (t->nkeys + 1) * sizeof(*keys));
			if (!keys) {
				rc = oom(m);
				goto out;
			}
			t->keys = keys;
			k = &keys[t->nkeys++];
			memset(k, 0, sizeof(*k));
			k->name = sl_strdup(row[2]);
			k->primary = !strcmp(row[2], "PRIMARY");
			k->unique = row[3] && !strcmp(row[3], "0");
			if (!k->name) {
				rc = oom(m);
				goto out;
			}
		}
		char **cols = sl_realloc(k->cols, (k->ncols + 1) * sizeof(*cols));
		if (!cols || !(cols[k->ncols] = sl_strdup(row[4]))) {
			if (cols)
				k->cols = cols;
			rc = oom(m);
			goto out;
		}
		k->cols = cols;
		k->ncols++;
	}
out:
	if (res)
		mysql_free_result(res);
	return rc;
}

/* Grow t's foreign key list when 'row' starts another constraint. */
static struct sl_foreign_key *fk_for_row(struct sl_table *t, MYSQL_ROW row)
{
	struct sl_foreign_key *fk = t->nfks ? &t->fks[t->nfks - 1] : NULL;
	if (fk && !strcmp(fk->name, row[2]))
		return fk;
	struct sl_foreign_key *fks = sl_realloc(t->fks, (t->nfks + 1) * sizeof(*fks));
	if (!fks)
		return NULL;
	t->fks = fks;
	fk = &fks[t->nfks++];
	memset(fk, 0, sizeof(*fk));
	fk->name = sl_strdup(row[2]);
	fk->ref_schema = sl_strdup(row[4]);
	fk->ref_table = sl_strdup(row[5]);
	return fk->name && fk->ref_schema && fk->ref_table ? fk : NULL;
}

/* Foreign keys, for scripts (t.foreign_keys, t.referenced_by). */
static int load_foreign_keys(struct mdb_source *m)
{
	MYSQL_RES *res = NULL;
	int rc = query_schemas(m,
	                       "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, "
	                       "REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, "
	                       "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
	                       "WHERE REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_SCHEMA IN ",
	                       " ORDER BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, "
	                       "ORDINAL_POSITION",
	                       &res);
	if (rc)
		goto out;
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		struct mdb_table *mt = find_table(m->tables, m->ntables, row[0], row[1]);
		if (!mt || !row[2] || !row[3] || !row[4] || !row[5] || !row[6])
			continue;
		struct sl_foreign_key *fk = fk_for_row(mt->t, row);
		char **cols = fk ? sl_realloc(fk->cols, (fk->ncols + 1) * sizeof(*cols)) : NULL;
		if (cols)
			fk->cols = cols;
		char **refs =
		    cols ? sl_realloc(fk->ref_cols, (fk->ncols + 1) * sizeof(*refs)) : NULL;
		if (refs)
			fk->ref_cols = refs;
		if (!refs || !(cols[fk->ncols] = sl_strdup(row[3])) ||
		    !(refs[fk->ncols] = sl_strdup(row[6]))) {
			if (refs && cols[fk->ncols]) {
				sl_free(cols[fk->ncols]);
				cols[fk->ncols] = NULL;
			}
			rc = oom(m);
			goto out;
		}
		fk->ncols++;
	}
out:
	if (res)
		mysql_free_result(res);
	return rc;
}

static int load_triggers(struct mdb_source *m)
{
	MYSQL_RES *res = NULL;
	int rc = query_schemas(m,
	                       "SELECT TRIGGER_SCHEMA, EVENT_OBJECT_TABLE, TRIGGER_NAME, "
	                       "ACTION_STATEMENT FROM information_schema.TRIGGERS "
	                       "WHERE TRIGGER_SCHEMA IN ",
	                       " ORDER BY ACTION_ORDER", &res);
	if (rc)
		goto out;
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		struct mdb_table *mt = find_table(m->tables, m->ntables, row[0], row[1]);
		if (!mt)
			continue;
		char **v = sl_realloc(mt->triggers, (mt->ntriggers + 1) * sizeof(*v));
		if (v)
			mt->triggers = v;
		char **b =
		    v ? sl_realloc(mt->trigger_bodies, (mt->ntriggers + 1) * sizeof(*b)) : NULL;
		if (b)
			mt->trigger_bodies = b;
		if (!b || !(v[mt->ntriggers] = sl_strdup(row[2]))) {
			rc = oom(m);
			goto out;
		}
		if (!(b[mt->ntriggers] = sl_strdup(row[3] ? row[3] : ""))) {
			sl_free(v[mt->ntriggers]);
			rc = oom(m);
			goto out;
		}
		mt->ntriggers++;
	}
out:
	if (res)
		mysql_free_result(res);
	return rc;
}

static int load_view_definitions(struct mdb_source *m)
{
	MYSQL_RES *res = NULL;
	int rc = query_schemas(m,
	                       "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION "
	                       "FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN ",
	                       "", &res);
	if (rc)
		goto out;
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		struct mdb_table *mt = find_table(m->views, m->nviews, row[0], row[1]);
		if (mt && row[2] && !(mt->view_definition = sl_strdup(row[2]))) {
			rc = oom(m);
			goto out;
		}
	}
out:
	if (res)
		mysql_free_result(res);
	return rc;
}

/* The SELECT list and the columns rows carry: generated columns are left
 * out (the server computes them); FLOAT goes through DOUBLE so no bit of
 * it is lost to the text protocol's 6-digit FLOAT formatting. */
static int build_select_list(struct mdb_table *mt)
{
	struct sl_table *t = mt->t;
	struct sl_buf b = SL_BUF_INIT;
	mt->data_cols = sl_calloc(t->ncols + 1, sizeof(*mt->data_cols));
	if (!mt->data_cols)
		return SL_ENOMEM;
	for (size_t i = 0; i < t->ncols; i++) {
		const struct sl_column *c = &t->cols[i];
		if (c->generated)
			continue;
		int rc = mt->ndata ? sl_buf_putc(&b, ',') : 0;
		const char *expr = t->col_exprs ? t->col_exprs[i] : NULL;
		if (expr) {
			/* A script's expression (masking on the server).  A number
			 * column's new values are quoted: the server converts them back
			 * exactly, and no expression can put SQL into the dump. */
			if (c->value_class == SL_VAL_NUMBER)
				t->cols[i].value_class = SL_VAL_STRING;
			rc = rc ? rc : sl_buf_printf(&b, "(%s)", expr);
			if (rc) {
				sl_buf_free(&b);
				return rc;
			}
			mt->data_cols[mt->ndata++] = c;
			continue;
		}
		if (!rc && c->is_float)
			rc = sl_buf_puts(&b, "CAST(");
		if (!rc)
			rc = sl_buf_put_ident(&b, c->name);
		if (!rc && c->is_float)
			rc = sl_buf_puts(&b, " AS DOUBLE)");
		if (rc) {
			sl_buf_free(&b);
			return rc;
		}
		mt->data_cols[mt->ndata++] = c;
	}
	mt->select_list = sl_buf_steal(&b, NULL);
	return 0;
}

static int cmp_size_desc(const void *a, const void *b)
{
	const struct mdb_table *x = *(struct mdb_table *const *)a,
	                       *y = *(struct mdb_table *const *)b;
	if (x->t->est_bytes != y->t->est_bytes)
		return x->t->est_bytes < y->t->est_bytes ? 1 : -1;
	return cmp_mt(x, y);
}

/* Keep the entries of v[0..*n) whose take[] is set, in order; free the rest. */
static void keep_taken(struct mdb_table *v, size_t *n, const bool *take)
{
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		if (take[i])
			v[k++] = v[i];
		else
			mdb_table_free(&v[i]);
	}
	*n = k;
}

bool mdb_schema_has_tables(const struct mdb_source *m, const char *schema)
{
	for (size_t i = 0; i < m->ntables; i++)
		if (!strcmp(m->tables[i].t->schema, schema))
			return true;
	for (size_t i = 0; i < m->nviews; i++)
		if (!strcmp(m->views[i].t->schema, schema))
			return true;
	return false;
}

/* The router decides per table (script hooks); a database whose tables
 * were all left out is left out too. */
static int plan_tables(struct mdb_source *m)
{
	size_t n = m->ntables + m->nviews;
	struct sl_table **all = sl_calloc(n + 1, sizeof(*all));
	bool *take = sl_calloc(n + 1, sizeof(*take));
	bool *had = sl_calloc(m->nschemas + 1, sizeof(*had));
	int rc = 0;
	if (!all || !take || !had) {
		rc = oom(m);
		goto out;
	}
	for (size_t i = 0; i < m->ntables; i++)
		all[i] = m->tables[i].t;
	for (size_t i = 0; i < m->nviews; i++)
		all[m->ntables + i] = m->views[i].t;
	for (size_t i = 0; i < m->nschemas; i++)
		had[i] = mdb_schema_has_tables(m, m->schemas[i]);
	if ((rc = sl_pipeline_plan(m->inst->pipe, all, n, take)))
		goto out;
	keep_taken(m->tables, &m->ntables, take);
	keep_taken(m->views, &m->nviews, take + (n - m->nviews));
	size_t k = 0;
	for (size_t i = 0; i < m->nschemas; i++) {
		if (had[i] && !mdb_schema_has_tables(m, m->schemas[i]))
			sl_free(m->schemas[i]);
		else
			m->schemas[k++] = m->schemas[i];
	}
	m->nschemas = k;
out:
	sl_free(all);
	sl_free(take);
	sl_free(had);
	return rc;
}

int mdb_catalog_load(struct mdb_source *m)
{
	int rc;
	pthread_mutex_lock(&m->control_lock);
	if ((rc = load_schemas(m)) || (rc = load_tables(m)))
		goto out;
	/* Views' columns too: a directory's placeholder tables need them. */
	if ((m->ntables || m->nviews) && (rc = load_columns(m)))
		goto out;
	if (m->ntables && (rc = load_keys(m)))
		goto out;
	if (m->ntables && !m->cfg->skip_triggers && (rc = load_triggers(m)))
		goto out;
	if (m->nviews && (rc = load_view_definitions(m)))
		goto out;
	if (m->ntables && sl_pipeline_config(m->inst->pipe)->script && (rc = load_foreign_keys(m)))
		goto out;
out:
	pthread_mutex_unlock(&m->control_lock);
	return rc;
}

int mdb_catalog_plan(struct mdb_source *m)
{
	int rc;
	if ((rc = plan_tables(m)))
		return rc;
	m->order = sl_calloc(m->ntables + 1, sizeof(*m->order));
	if (!m->order)
		return oom(m);
	uint64_t est_rows = 0;
	for (size_t i = 0; i < m->ntables; i++) {
		struct mdb_table *mt = &m->tables[i];
		if (mt->t->kind == SL_TABLE_BASE && mt->t->ncols == 0)
			return sl_pipeline_fail(m->inst->pipe, SL_EDB,
			                        "%s.%s: no columns visible (missing privileges?)",
			                        mt->t->schema, mt->t->name);
		if (build_select_list(mt))
			return oom(m);
		m->order[i] = mt;
		est_rows += mt->t->est_rows;
	}
	/* Biggest tables first, so they are split while small ones fill gaps. */
	qsort(m->order, m->ntables, sizeof(*m->order), cmp_size_desc);
	uint64_t after = 0;
	for (size_t i = m->ntables; i-- > 0;) {
		m->order[i]->bytes_after = after;
		after += m->order[i]->t->est_bytes;
	}
	m->est_rows_total = est_rows;
	sl_pipeline_set_totals(m->inst->pipe, m->ntables, m->cfg->no_data ? 0 : est_rows);
	return 0;
}
