/* schema.c - DDL files: databases, tables, sequences, triggers, views,
 * routines and events, read with SHOW CREATE on the control connection.
 *
 * DDL bodies are replayed with the utf8mb4 client charset (SHOW CREATE
 * output is text in the server's metadata charset; defaults and comments
 * of non-UTF-8 columns convert back exactly).  Triggers and routines carry
 * the sql_mode they were created with and use DELIMITER ;; as mysqldump
 * does, so a plain `mariadb` client replays them (a directory sink writes
 * them in myloader's form: format/myloader.h).  With --skip-definer the
 * DEFINER clauses are left out (format/definer.h). */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "format/definer.h"
#include "format/fname.h"
#include "mariadb.h"

int mdb_ddl_prologue(struct sl_buf *out, const char *schema)
{
	int rc = sl_buf_puts(
	    out, "/*!40101 SET NAMES utf8mb4*/;\n"
	         "/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
	         "/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'*/;\n"
	         "/*!40103 SET TIME_ZONE='+00:00'*/;\n");
	if (!rc && schema) {
		rc = sl_buf_puts(out, "USE ");
		rc = rc ? rc : sl_buf_put_ident(out, schema);
		rc = rc ? rc : sl_buf_puts(out, ";\n");
	}
	return rc;
}

static int oom(struct mdb_source *m)
{
	return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
}

/* Run "SHOW CREATE <what> `db`.`name`" and return the row (res to free). */
static int show_create(struct mdb_source *m, const char *what, const char *schema, const char *name,
                       MYSQL_RES **res, MYSQL_ROW *row)
{
	struct sl_buf q = SL_BUF_INIT;
	int rc = sl_buf_printf(&q, "SHOW CREATE %s ", what);
	rc = rc ? rc
	        : (name ? sl_buf_put_qualified(&q, schema, name) : sl_buf_put_ident(&q, schema));
	if (rc) {
		sl_buf_free(&q);
		return oom(m);
	}
	rc = mdb_query_result(m, m->control, q.data, res);
	sl_buf_free(&q);
	if (rc)
		return rc;
	*row = *res ? mysql_fetch_row(*res) : NULL;
	if (!*row) {
		if (*res)
			mysql_free_result(*res);
		*res = NULL;
		return sl_pipeline_fail(m->inst->pipe, SL_EDB, "SHOW CREATE %s %s%s%s: no result",
		                        what, schema, name ? "." : "", name ? name : "");
	}
	return 0;
}

static int emit_file(struct mdb_source *m, enum sl_file_kind kind, const struct sl_table *t,
                     const char *schema, struct sl_buf *name, struct sl_buf *body)
{
	struct sl_batch *b = sl_batch_new(SL_BATCH_FILE, kind, t, schema, name->data);
	if (!b)
		return oom(m);
	b->body = *body; /* the batch takes the body */
	*body = (struct sl_buf)SL_BUF_INIT;
	return sl_pipeline_emit(m->inst->pipe, b);
}

int mdb_emit_schema_create(struct mdb_source *m, const char *schema)
{
	struct sl_buf name = SL_BUF_INIT, body = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	pthread_mutex_lock(&m->control_lock);
	int rc = show_create(m, "DATABASE", schema, NULL, &res, &row);
	if (rc)
		goto out;
	const char *stmt = row[1];
	const char *prefix = "CREATE DATABASE ";
	if (sl_fname_schema_create(&name, schema) || mdb_ddl_prologue(&body, NULL)) {
		rc = oom(m);
		goto out;
	}
	if (!strncmp(stmt, prefix, strlen(prefix)))
		rc = sl_buf_printf(&body, "CREATE DATABASE IF NOT EXISTS %s;\n",
		                   stmt + strlen(prefix));
	else
		rc = sl_buf_printf(&body, "%s;\n", stmt);
	if (rc) {
		rc = oom(m);
		goto out;
	}
	mysql_free_result(res);
	res = NULL;
	pthread_mutex_unlock(&m->control_lock);
	rc = emit_file(m, SL_FILE_SCHEMA_CREATE, NULL, schema, &name, &body);
	sl_buf_free(&name);
	sl_buf_free(&body);
	return rc;
out:
	if (res)
		mysql_free_result(res);
	pthread_mutex_unlock(&m->control_lock);
	sl_buf_free(&name);
	sl_buf_free(&body);
	return rc;
}

/* A sequence's state: DO SETVAL so the next value continues where it was. */
static int sequence_state(struct mdb_source *m, struct mdb_table *mt, struct sl_buf *body)
{
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	int rc = sl_buf_puts(&q, "SELECT next_not_cached_value FROM ");
	rc = rc ? rc : sl_buf_put_qualified(&q, mt->t->schema, mt->t->name);
	if (rc)
		goto out;
	if ((rc = mdb_query_result(m, m->control, q.data, &res)))
		goto out;
	MYSQL_ROW row = mysql_fetch_row(res);
	if (row && row[0]) {
		rc = sl_buf_puts(body, "DO SETVAL(");
		rc = rc ? rc : sl_buf_put_ident(body, mt->t->name);
		rc = rc ? rc : sl_buf_printf(body, ", %s, 0);\n", row[0]);
	}
out:
	if (res)
		mysql_free_result(res);
	sl_buf_free(&q);
	return rc;
}

int mdb_emit_table_schema(struct mdb_source *m, struct mdb_table *mt)
{
	struct sl_buf name = SL_BUF_INIT, body = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	struct sl_table *t = mt->t;
	pthread_mutex_lock(&m->control_lock);
	/* SHOW CREATE TABLE of a sequence loses its start, increment and bounds. */
	const char *what = t->kind == SL_TABLE_SEQUENCE ? "SEQUENCE" : "TABLE";
	int rc = show_create(m, what, t->schema, t->name, &res, &row);
	if (rc)
		goto out;
	rc = sl_fname_table_schema(&name, t->schema, t->name);
	rc = rc ? rc : mdb_ddl_prologue(&body, t->schema);
	rc = rc ? rc : sl_buf_printf(&body, "%s;\n", row[1]);
	if (!rc && t->kind == SL_TABLE_SEQUENCE)
		rc = sequence_state(m, mt, &body);
	if (rc)
		goto out;
	mysql_free_result(res);
	res = NULL;
	pthread_mutex_unlock(&m->control_lock);
	rc = emit_file(m, SL_FILE_TABLE_SCHEMA, t, t->schema, &name, &body);
	sl_buf_free(&name);
	sl_buf_free(&body);
	return rc;
out:
	if (res)
		mysql_free_result(res);
	pthread_mutex_unlock(&m->control_lock);
	sl_buf_free(&name);
	sl_buf_free(&body);
	return rc == SL_ENOMEM ? oom(m) : rc;
}

/* Append an object's CREATE statement, without its DEFINER clause when
 * the run says so.  0 or SL_ENOMEM. */
static int put_create(struct mdb_source *m, struct sl_buf *body, const char *stmt)
{
	if (!m->cfg->skip_definer)
		return sl_buf_puts(body, stmt);
	int rc = sl_definer_strip(body, stmt, strlen(stmt));
	return rc < 0 ? rc : 0;
}

/* Append one stored object: its sql_mode, then the statement ending in ;; */
static int put_stored(struct mdb_source *m, struct sl_buf *body, const char *sql_mode,
                      const char *stmt)
{
	int rc = sl_buf_puts(body, "/*!50003 SET SESSION SQL_MODE=");
	rc =
	    rc ? rc
	       : sl_buf_put_quoted(body, sql_mode ? sql_mode : "", sql_mode ? strlen(sql_mode) : 0);
	rc = rc ? rc : sl_buf_puts(body, " */;;\n");
	rc = rc ? rc : put_create(m, body, stmt);
	return rc ? rc : sl_buf_puts(body, " ;;\n");
}

static int end_delimited(struct sl_buf *body)
{
	return sl_buf_puts(body, "DELIMITER ;\n/*!50003 SET SESSION "
	                         "SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES' */;\n");
}

int mdb_emit_triggers(struct mdb_source *m, struct mdb_table *mt)
{
	if (mt->ntriggers == 0 || m->cfg->skip_triggers)
		return 0;
	struct sl_buf name = SL_BUF_INIT, body = SL_BUF_INIT;
	struct sl_table *t = mt->t;
	int rc = sl_fname_triggers(&name, t->schema, t->name);
	rc = rc ? rc : mdb_ddl_prologue(&body, t->schema);
	rc = rc ? rc : sl_buf_puts(&body, "DELIMITER ;;\n");
	if (rc) {
		rc = oom(m);
		goto out;
	}
	pthread_mutex_lock(&m->control_lock);
	for (size_t i = 0; !rc && i < mt->ntriggers; i++) {
		MYSQL_RES *res;
		MYSQL_ROW row;
		if ((rc = show_create(m, "TRIGGER", t->schema, mt->triggers[i], &res, &row)))
			break;
		if (!row[2])
			rc = sl_pipeline_fail(
			    m->inst->pipe, SL_EDB,
			    "trigger %s.%s: definition not visible (missing privileges?)",
			    t->schema, mt->triggers[i]);
		else if (put_stored(m, &body, row[1], row[2]))
			rc = oom(m);
		mysql_free_result(res);
	}
	pthread_mutex_unlock(&m->control_lock);
	if (!rc && end_delimited(&body))
		rc = oom(m);
	if (!rc)
		rc = emit_file(m, SL_FILE_TRIGGERS, t, t->schema, &name, &body);
out:
	sl_buf_free(&name);
	sl_buf_free(&body);
	return rc;
}

/* Does view 'a' use view 'b'?  information_schema.VIEWS shows definitions
 * with fully qualified, quoted names. */
static bool view_uses(const struct mdb_table *a, const struct mdb_table *b)
{
	if (!a->view_definition)
		return false;
	struct sl_buf q = SL_BUF_INIT;
	if (sl_buf_put_qualified(&q, b->t->schema, b->t->name)) {
		sl_buf_free(&q);
		return false;
	}
	bool used = strstr(a->view_definition, q.data) != NULL;
	sl_buf_free(&q);
	return used;
}

static int emit_view(struct mdb_source *m, struct mdb_table *mt)
{
	struct sl_buf name = SL_BUF_INIT, body = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	struct sl_table *t = mt->t;
	pthread_mutex_lock(&m->control_lock);
	int rc = show_create(m, "VIEW", t->schema, t->name, &res, &row);
	if (!rc) {
		rc = sl_fname_view(&name, t->schema, t->name);
		rc = rc ? rc : mdb_ddl_prologue(&body, t->schema);
		rc = rc ? rc : put_create(m, &body, row[1]);
		rc = rc ? rc : sl_buf_puts(&body, ";\n");
		if (rc)
			rc = oom(m);
		mysql_free_result(res);
	}
	pthread_mutex_unlock(&m->control_lock);
	if (!rc)
		rc = emit_file(m, SL_FILE_VIEW, t, t->schema, &name, &body);
	sl_buf_free(&name);
	sl_buf_free(&body);
	return rc;
}

int mdb_emit_views(struct mdb_source *m)
{
	/* Dependency order: repeatedly emit views whose used views are done. */
	bool *done = sl_calloc(m->nviews + 1, sizeof(*done));
	if (!done)
		return oom(m);
	size_t ndone = 0;
	int rc = 0;
	while (!rc && ndone < m->nviews) {
		size_t before = ndone;
		for (size_t i = 0; !rc && i < m->nviews; i++) {
			if (done[i])
				continue;
			bool ready = true;
			for (size_t j = 0; ready && j < m->nviews; j++)
				if (j != i && !done[j] && view_uses(&m->views[i], &m->views[j]))
					ready = false;
			if (!ready)
				continue;
			rc = emit_view(m, &m->views[i]);
			done[i] = true;
			ndone++;
		}
		if (!rc && ndone == before) {
			/* A cycle by name match only (names inside string literals):
			 * emit the rest in name order. */
			for (size_t i = 0; !rc && i < m->nviews; i++)
				if (!done[i]) {
					rc = emit_view(m, &m->views[i]);
					done[i] = true;
					ndone++;
				}
		}
	}
	sl_free(done);
	return rc;
}

/* Append routines or events of one schema. */
static int put_objects(struct mdb_source *m, const char *schema, const char *list_sql,
                       struct sl_buf *body, size_t *count)
{
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *list = NULL;
	int rc = sl_buf_puts(&q, list_sql);
	rc = rc ? rc : sl_buf_put_quoted(&q, schema, strlen(schema));
	if (rc) {
		sl_buf_free(&q);
		return oom(m);
	}
	rc = mdb_query_result(m, m->control, q.data, &list);
	sl_buf_free(&q);
	if (rc)
		return rc;
	MYSQL_ROW item;
	while (!rc && (item = mysql_fetch_row(list))) {
		MYSQL_RES *res;
		MYSQL_ROW row;
		const char *kind = item[1];
		if ((rc = show_create(m, kind, schema, item[0], &res, &row)))
			break;
		/* PROCEDURE/FUNCTION: [2] is the statement; EVENT: [3]. */
		const char *stmt = !strcmp(kind, "EVENT") ? row[3] : row[2];
		if (!stmt)
			rc = sl_pipeline_fail(
			    m->inst->pipe, SL_EDB,
			    "%s %s.%s: definition not visible (missing privileges?)", kind, schema,
			    item[0]);
		else if (put_stored(m, body, row[1], stmt))
			rc = oom(m);
		else
			(*count)++;
		mysql_free_result(res);
	}
	mysql_free_result(list);
	return rc;
}

int mdb_emit_post(struct mdb_source *m, const char *schema)
{
	if (!m->cfg->routines && !m->cfg->events)
		return 0;
	struct sl_buf name = SL_BUF_INIT, body = SL_BUF_INIT;
	size_t count = 0;
	int rc = sl_fname_post(&name, schema);
	rc = rc ? rc : mdb_ddl_prologue(&body, schema);
	rc = rc ? rc : sl_buf_puts(&body, "DELIMITER ;;\n");
	if (rc)
		goto out;
	pthread_mutex_lock(&m->control_lock);
	if (m->cfg->routines)
		rc = put_objects(
		    m, schema,
		    "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES "
		    "WHERE ROUTINE_TYPE IN ('PROCEDURE','FUNCTION') AND ROUTINE_SCHEMA = ",
		    &body, &count);
	if (!rc && m->cfg->events)
		rc = put_objects(m, schema,
		                 "SELECT EVENT_NAME, 'EVENT' FROM information_schema.EVENTS "
		                 "WHERE EVENT_SCHEMA = ",
		                 &body, &count);
	pthread_mutex_unlock(&m->control_lock);
	if (rc)
		goto out;
	if (count == 0)
		goto out; /* nothing to write */
	if (end_delimited(&body)) {
		rc = SL_ENOMEM;
		goto out;
	}
	rc = emit_file(m, SL_FILE_POST, NULL, schema, &name, &body);
out:
	sl_buf_free(&name);
	sl_buf_free(&body);
	return rc == SL_ENOMEM ? oom(m) : rc;
}
