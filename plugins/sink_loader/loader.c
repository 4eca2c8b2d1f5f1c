/* loader.c - sink plugin "loader": load a stream into a MariaDB/MySQL server.
 *
 * See loader.h for the shape: the sink thread dispatches files in stream
 * order, running DDL itself and handing data files to -t executors.  The
 * stream's per-table order (DDL, data, triggers) and the FIFO rings make
 * that enough for correctness: a data file is dispatched after its table's
 * DDL ran; a trigger file waits until its table's data in flight is done;
 * views, routines and events follow all data in the stream.  (An executor
 * may take a data file before an older one of another table, never before
 * an older one of its own: prefer_free_table.) */
#include "loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/map.h"
#include "engine/pipeline.h"
#include "format/dataformat.h"
#include "format/fname.h"
#include "format/table.h"

static const char *const overwrite_modes[] = {"fail", "drop", "truncate", "append", NULL};
static const char *const loader_load_methods[] = {"auto", "load-data", "insert", NULL};

#define CFG(field) offsetof(struct loader_config, field)

static const struct sl_option loader_options[] = {
    SL_MDB_CONN_OPTIONS(struct loader_config, conn),
    {.name = "overwrite",
     .type = SL_OPT_ENUM,
     .offset = CFG(overwrite),
     .def = "fail",
     .choices = overwrite_modes,
     .arg = "MODE",
     .help = "a table that exists already: fail, drop it, truncate it, or append to it (drop "
             "also replaces the accounts of a --users dump)"},
    {.name = "database",
     .short_name = 'B',
     .type = SL_OPT_STRING,
     .offset = CFG(database),
     .arg = "DB",
     .help = "load the stream's one database into DB"},
    {.name = "rename",
     .type = SL_OPT_LIST,
     .offset = CFG(renames),
     .arg = "OLD=NEW",
     .help = "load database OLD into NEW (repeatable)"},
    {.name = "skip-definer",
     .type = SL_OPT_BOOL,
     .offset = CFG(skip_definer),
     .help = "leave DEFINER= out of views, triggers, routines and events: they belong to the "
             "loading user, who then needs no SUPER or SET USER privilege"},
    {.name = "skip-binlog",
     .type = SL_OPT_BOOL,
     .offset = CFG(skip_binlog),
     .help = "do not write the load to the target's binary log (sql_log_bin=0)"},
    {.name = "progress-file",
     .type = SL_OPT_STRING,
     .offset = CFG(progress_file),
     .arg = "FILE",
     .help = "record each file loaded (JSON lines), so that --resume can finish a failed load"},
    {.name = "resume",
     .type = SL_OPT_BOOL,
     .offset = CFG(resume),
     .help = "continue the load recorded in --progress-file: skip what it finished"},
    {.name = "transaction-size",
     .type = SL_OPT_SIZE,
     .offset = CFG(transaction_size),
     .def = "0",
     .arg = "SIZE",
     .help = "commit after about this many bytes of data files (whole files; 0: each file "
             "on its own)",
     .max = 1LL << 36},
    {.name = "keep-indexes",
     .type = SL_OPT_BOOL,
     .offset = CFG(keep_indexes),
     .help = "create secondary indexes with the table instead of after its data"},
    {.name = "format",
     .type = SL_OPT_ENUM,
     .def = "sql",
     SL_DATA_FORMAT_CHOICES,
     .offset = CFG(format),
     .arg = "FORMAT",
     .help = "sluice copy: rows go as sql (INSERTs) or as csv, tsv or jsonl through LOAD DATA "
             "(load reads each file in its own format)"},
    {.name = "load-method",
     .type = SL_OPT_ENUM,
     .offset = CFG(load_method),
     .def = "auto",
     .choices = loader_load_methods,
     .arg = "METHOD",
     .help = "rows of SQL data files: auto sends INSERTs' rows by array binding (MariaDB) or "
             "else LOAD DATA LOCAL, load-data by LOAD DATA LOCAL, both for less server CPU "
             "(the INSERT runs instead whenever the result could differ); insert sends the "
             "INSERTs"},
    {.name = "retries",
     .type = SL_OPT_INT,
     .offset = CFG(retries),
     .def = "5",
     .arg = "N",
     .help = "retry a data file this often after a deadlock, lock wait timeout or lost "
             "connection",
     .min = 0,
     .max = 100},
    SL_OPTION_END};

/* --- table states -------------------------------------------------------- */

/* The state of db.name, created on first use.  Caller holds l->lock. */
static struct loader_table *table_get(struct loader *l, const char *db, const char *name)
{
	struct loader_table *t = sl_map_get2(&l->tables, db, name);
	if (t)
		return t;
	t = sl_calloc(1, sizeof(*t));
	if (!t || !(t->db = sl_strdup(db)) || !(t->name = sl_strdup(name)) ||
	    sl_map_put2(&l->tables, db, name, t)) {
		if (t) {
			sl_free(t->db);
			sl_free(t->name);
		}
		sl_free(t);
		return NULL;
	}
	return t;
}

static void table_free(void *p)
{
	struct loader_table *t = p;
	sl_free(t->db);
	sl_free(t->name);
	sl_free(t->alter);
	sl_free(t);
}

/* --- deferred indexes ------------------------------------------------------- */

/* A file-like job that adds t's deferred indexes: db.t-schema-indexes.sql
 * (the name its progress is recorded under). */
static struct sl_batch *index_job(struct loader *l, struct loader_table *t,
                                  const struct sl_table *table)
{
	struct sl_buf name = SL_BUF_INIT;
	struct sl_batch *b = NULL;
	int rc = sl_fname_indexes(&name, t->db, t->name);
	if (!rc)
		b = sl_batch_new(SL_BATCH_FILE, SL_FILE_POST, table, t->db, name.data);
	if (b && (!(b->table_name = sl_strdup(t->name)) || sl_buf_puts(&b->body, t->alter) ||
	          sl_buf_puts(&b->body, ";\n"))) {
		sl_batch_release(b);
		b = NULL;
	}
	sl_buf_free(&name);
	if (!b)
		sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	return b;
}

/* Claim t's deferred indexes when its data is complete and loaded.  Caller
 * holds l->lock. */
static bool claim_indexes(struct loader_table *t)
{
	if (!t->alter || t->alter_queued || !t->complete || t->inflight > 0 || t->failed)
		return false;
	t->alter_queued = true;
	return true;
}

static int run_job(struct loader *l, struct sl_batch *job);

/* Add now the deferred KEYs of the tables b's table references.  InnoDB
 * refuses a foreign key whose referenced columns have no index once the
 * referenced table exists, foreign_key_checks=0 or not; a key to a plain
 * (non-unique) KEY of a table created before, whose KEYs wait for its
 * data, would make the CREATE fail.  KEYs already handed to an executor
 * (the parent's data ended earlier in the stream) are waited for: the
 * job may still be queued behind other tables' files.  Tables named in
 * another database than the child's are looked for under that name (a
 * renamed one is not found).  0 or an error. */
static int index_parents(struct loader *l, const struct sl_batch *b)
{
	const struct sl_table *child = b->table;
	for (size_t i = 0; child && i < child->nfks; i++) {
		const struct sl_foreign_key *fk = &child->fks[i];
		const char *db = fk->ref_schema && strcmp(fk->ref_schema, child->schema) != 0
		                     ? fk->ref_schema
		                     : b->schema;
		if (!db || !fk->ref_table)
			continue;
		pthread_mutex_lock(&l->lock);
		struct loader_table *p = sl_map_get2(&l->tables, db, fk->ref_table);
		bool claim = p && p->alter && !p->alter_queued && !p->failed;
		if (claim)
			p->alter_queued = true; /* its executors will not add them again */
		while (!claim && p && p->alter && p->alter_queued && !p->indexed && !p->failed &&
		       !sl_pipeline_cancelled(l->inst->pipe))
			pthread_cond_wait(&l->idle, &l->lock);
		pthread_mutex_unlock(&l->lock);
		if (!claim)
			continue;
		struct sl_batch *job = index_job(l, p, NULL);
		if (!job)
			return SL_ENOMEM;
		int rc = run_job(l, job);
		sl_batch_release(job);
		if (rc)
			return rc;
	}
	return 0;
}

/* CREATE TABLE without the plain secondary keys; the ALTER that adds them
 * is kept for when the data is in.  1 when done that way, 0 to run the
 * file as it is, or an error. */
static int create_deferred(struct loader *l, struct loader_table *t, struct sl_batch *b, bool run)
{
	struct sl_buf body = SL_BUF_INIT;
	char *alter = NULL;
	int rc = loader_defer_indexes(b, t->db, &body, &alter);
	if (rc <= 0) {
		sl_buf_free(&body);
		return rc == SL_ENOMEM ? sl_pipeline_fail(l->inst->pipe, rc, "out of memory") : 0;
	}
	pthread_mutex_lock(&l->lock);
	sl_free(t->alter);
	t->alter = alter;
	pthread_mutex_unlock(&l->lock);
	if (!run) {
		sl_buf_free(&body);
		return 1;
	}
	struct sl_batch *copy =
	    sl_batch_new(SL_BATCH_FILE, b->file_kind, b->table, b->schema, b->name);
	if (copy && b->table_name && !(copy->table_name = sl_strdup(b->table_name))) {
		sl_batch_release(copy);
		copy = NULL;
	}
	if (!copy) {
		sl_buf_free(&body);
		return sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	}
	copy->body = body; /* the batch is shared with other sinks: run a copy */
	rc = loader_exec_file(l, &l->ddl, copy, false);
	sl_batch_release(copy);
	return rc ? rc : 1;
}

/* --- executors ----------------------------------------------------------- */

struct exec_arg {
	struct loader *l;
	unsigned id;
};

/* Data files one transaction may hold at most (--transaction-size). */
#define GROUP_MAX 64

/* The table data file b goes into (NULL for other jobs).  Caller holds
 * l->lock. */
static struct loader_table *data_table(struct loader *l, const struct sl_batch *b)
{
	return b->file_kind == SL_FILE_DATA
	           ? sl_map_get2(&l->tables, b->schema, sl_batch_table_name(b))
	           : NULL;
}

/* Is another executor loading b's table now?  Caller holds l->lock. */
static bool loading_elsewhere(struct loader *l, const struct sl_batch *b)
{
	const struct loader_table *t = data_table(l, b);
	return t && t->loading > 0;
}

/* b was popped from the ring: when a file of its table waits aside, that
 * older one runs and b waits in its place.  Caller holds l->lock. */
static struct sl_batch *older_first(struct loader *l, struct sl_batch *b)
{
	struct sl_batch *c = l->aside;
	if (!c || data_table(l, c) != data_table(l, b))
		return b;
	l->aside = b;
	return c;
}

/* b, popped from the ring, goes to a table another executor is loading:
 * run instead the next queued file when that one's table is free, and keep
 * b aside for the next executor.  Two connections inserting into one
 * table contend in the server (a spin loop under ha_write_row): on 8 x 500k
 * sysbench rows with 2 executors, 7.5-7.9 s and 12.1-12.6 s of server CPU
 * against 7.8-8.3 s and 12.5-13.4 s without this (README, Benchmark).
 * Files of a table start in stream order: one aside goes before any later
 * file of its table.  Returns the file to run.  Caller holds l->lock. */
static struct sl_batch *prefer_free_table(struct loader *l, struct sl_batch *b)
{
	struct sl_batch *c = NULL;
	if (l->aside)
		return older_first(l, b); /* no room for another */
	if (!loading_elsewhere(l, b) || sl_ring_try_pop(l->work, &c) != 1)
		return b;
	bool swap = c->file_kind != SL_FILE_DATA ||
	            (data_table(l, c) != data_table(l, b) && !loading_elsewhere(l, c));
	l->aside = swap ? b : c;
	return swap ? c : b;
}

/* The next file for an executor: the one kept aside once its table is
 * free (or when nothing else is queued), else the ring's next, waiting for
 * it.  0 with *out, SL_ECLOSED when all is done, SL_ECANCEL. */
static int take_first(struct loader *l, struct sl_batch **out)
{
	for (;;) {
		struct sl_batch *b = NULL;
		int rc = 0;
		pthread_mutex_lock(&l->lock);
		if (l->aside) {
			/* Its table still loading elsewhere: the next queued file
			 * instead (unless it is of that table), if there is one. */
			struct sl_batch *c = NULL;
			rc = loading_elsewhere(l, l->aside) ? sl_ring_try_pop(l->work, &c) : 0;
			if (rc == 1) {
				b = older_first(l, c);
				rc = 0;
			} else if (rc != SL_ECANCEL) {
				b = l->aside;
				l->aside = NULL;
				rc = 0;
			} /* cancelled: it is released with the loader */
		}
		pthread_mutex_unlock(&l->lock);
		if (rc)
			return rc;
		if (b) {
			*out = b;
			return 0;
		}
		/* Nothing aside: wait for the ring.  A file another executor puts
		 * aside meanwhile is taken when its table is free, or here when
		 * the ring is closed. */
		rc = sl_ring_pop(l->work, &b);
		pthread_mutex_lock(&l->lock);
		bool again = rc == SL_ECLOSED && l->aside; /* put aside meanwhile */
		if (!rc)
			b = prefer_free_table(l, b);
		pthread_mutex_unlock(&l->lock);
		if (!again) {
			*out = b;
			return rc;
		}
	}
}

/* Take the next transaction's files: one (take_first), then more data
 * files that are already queued while they stay under --transaction-size.
 * A job that is not data (deferred indexes) always runs alone: one met
 * while grouping is held back in *held for the next call.  Returns the
 * count, 0 when the ring is closed and drained or cancelled. */
static size_t take_group(struct loader *l, struct sl_batch **group, struct sl_batch **held)
{
	if (*held) {
		group[0] = *held;
		*held = NULL;
	} else if (take_first(l, &group[0])) {
		return 0;
	}
	size_t n = 1;
	if (group[0]->file_kind == SL_FILE_DATA) {
		uint64_t bytes = group[0]->body.len;
		while (n < GROUP_MAX && bytes < l->cfg->transaction_size &&
		       sl_ring_try_pop(l->work, &group[n]) == 1) {
			if (group[n]->file_kind != SL_FILE_DATA) {
				*held = group[n];
				break;
			}
			pthread_mutex_lock(&l->lock);
			group[n] = older_first(l, group[n]);
			pthread_mutex_unlock(&l->lock);
			bytes += group[n++]->body.len;
		}
	}
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		struct loader_table *t = data_table(l, group[i]);
		if (t)
			t->loading++;
	}
	pthread_mutex_unlock(&l->lock);
	return n;
}

/* Files of a group are done (rc == 0) or failed: update their tables.
 * Returns in *ready (count) tables whose deferred indexes this executor
 * must now add. */
static void group_finished(struct loader *l, struct sl_batch **group, size_t n, int rc,
                           struct sl_batch **ready, size_t *nready)
{
	*nready = 0;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		struct loader_table *t =
		    table_get(l, group[i]->schema, sl_batch_table_name(group[i]));
		if (t) {
			t->inflight--;
			if (group[i]->file_kind == SL_FILE_DATA)
				t->loading--;
			if (rc)
				t->failed = true;
			else if (claim_indexes(t) &&
			         (ready[*nready] = index_job(l, t, group[i]->table)))
				(*nready)++;
		}
		if (!rc) {
			l->files_done++;
			l->bytes_done += group[i]->body.len;
		}
	}
	pthread_cond_broadcast(&l->idle);
	pthread_mutex_unlock(&l->lock);
	for (size_t i = 0; i < n; i++)
		sl_batch_release(group[i]);
}

/* Run one job that is not data (deferred indexes) and record it. */
static int run_job(struct loader *l, struct sl_batch *job)
{
	bool done = loader_file_state(l, job->name) == LOADER_FILE_DONE;
	/* An index build sends nothing until it is done, which on a big table
	 * is longer than --read-timeout: its own connection, without one. */
	MYSQL *ic = NULL;
	int rc = done ? 0 : loader_connect(l, false, &ic);
	if (!done && !rc) {
		char phase[160];
		snprintf(phase, sizeof(phase), "adding indexes to %s.%s", job->schema,
		         sl_batch_table_name(job));
		sl_pipeline_phase_begin(l->inst->pipe, phase);
		rc = loader_exec_file(l, &ic, job, l->cfg->resume);
		sl_pipeline_phase_end(l->inst->pipe);
	}
	if (ic)
		sl_mdb_disconnect(&l->conns, ic);
	if (rc)
		return rc;
	pthread_mutex_lock(&l->lock);
	struct loader_table *t = table_get(l, job->schema, sl_batch_table_name(job));
	if (t)
		t->indexed = true;
	pthread_cond_broadcast(&l->idle); /* a child's CREATE may wait for them */
	pthread_mutex_unlock(&l->lock);
	return done ? 0 : loader_progress_file(l, "done", job->name);
}

static void *exec_main(void *arg)
{
	struct exec_arg *a = arg;
	struct loader *l = a->l;
	struct sl_pipeline *p = l->inst->pipe;
	struct sl_batch *group[GROUP_MAX], *ready[GROUP_MAX], *held = NULL;
	bool ignore[GROUP_MAX];
	MYSQL *conn = NULL;
	struct loader_rows rows;
	loader_rows_init(&rows);
	struct loader_rows *fast = l->cfg->load_method == LOADER_VIA_INSERT ? NULL : &rows;
	int rc = loader_connect(l, true, &conn);
	while (!rc) {
		size_t n = take_group(l, group, &held), nready = 0;
		if (n == 0)
			break; /* closed and drained, or cancelled */
		if (group[0]->file_kind != SL_FILE_DATA) {
			rc = run_job(l, group[0]);
		} else {
			for (size_t i = 0; !rc && i < n; i++) {
				/* Started before, never confirmed: it may have committed,
				 * and its keys keep it from going in twice (a table
				 * without keys is loaded again whole: 'reload'). */
				pthread_mutex_lock(&l->lock);
				struct loader_table *t =
				    table_get(l, group[i]->schema, sl_batch_table_name(group[i]));
				bool reload = t && t->reload;
				pthread_mutex_unlock(&l->lock);
				ignore[i] = !reload && loader_file_state(l, group[i]->name) ==
				                           LOADER_FILE_STARTED;
				rc = loader_progress_file(l, "started", group[i]->name);
			}
			/* No commit without its "started" record on disk. */
			if (!rc)
				rc = loader_progress_sync(l);
			if (!rc)
				rc = loader_exec_files(l, &conn, group, n, false, ignore, fast);
			for (size_t i = 0; !rc && i < n; i++)
				rc = loader_progress_file(l, "done", group[i]->name);
		}
		group_finished(l, group, n, rc, ready, &nready);
		/* Tables whose last data this executor loaded get their indexes now. */
		for (size_t i = 0; i < nready; i++) {
			if (!rc)
				rc = run_job(l, ready[i]);
			sl_batch_release(ready[i]);
		}
	}
	sl_batch_release(held);
	if (rc && rc != SL_ECANCEL && !sl_pipeline_cancelled(p))
		sl_pipeline_fail(p, rc, "loader: executor %u failed", a->id);
	sl_mdb_disconnect(&l->conns, conn);
	loader_rows_free(&rows);
	sl_free(a);
	return NULL;
}

/* --- dispatcher ------------------------------------------------------------ */

/* Does db.name exist in the target?  1 yes, 0 no, < 0 error. */
static int target_exists(struct loader *l, const char *db, const char *name)
{
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	int rc = sl_buf_puts(&q, "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ");
	rc = rc ? rc : sl_buf_put_quoted(&q, db, strlen(db));
	rc = rc ? rc : sl_buf_puts(&q, " AND TABLE_NAME = ");
	rc = rc ? rc : sl_buf_put_quoted(&q, name, strlen(name));
	if (rc) {
		sl_buf_free(&q);
		return sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	}
	rc = sl_mdb_query_result(&l->conns, l->ddl, q.data, &res);
	sl_buf_free(&q);
	if (rc)
		return rc;
	rc = mysql_num_rows(res) > 0;
	mysql_free_result(res);
	return rc;
}

static int run_ddl_statement(struct loader *l, const char *fmt, const char *db, const char *name)
{
	struct sl_buf q = SL_BUF_INIT;
	int rc = sl_buf_puts(&q, fmt);
	rc = rc ? rc : sl_buf_put_qualified(&q, db, name);
	if (rc) {
		sl_buf_free(&q);
		return sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	}
	rc = sl_mdb_query(&l->conns, l->ddl, q.data);
	sl_buf_free(&q);
	return rc;
}

/* CREATE TABLE / SEQUENCE / VIEW for a table that may already exist:
 * --overwrite decides.  Sets t->skip_ddl when the existing one is kept. */
static int prepare_target(struct loader *l, struct loader_table *t, bool view)
{
	const char *db = t->db;
	int exists = target_exists(l, db, t->name);
	if (exists <= 0)
		return exists;
	if (l->cfg->resume && l->cfg->overwrite == LOADER_FAIL) {
		/* Created by the load being resumed, after its last record. */
		t->skip_ddl = !view;
		return view ? run_ddl_statement(l, "DROP VIEW IF EXISTS ", db, t->name) : 0;
	}
	switch (l->cfg->overwrite) {
	case LOADER_FAIL:
		return sl_pipeline_fail(
		    l->inst->pipe, SL_EREFUSED,
		    "%s `%s`.`%s` already exists in the target (use --overwrite "
		    "drop, truncate or append)",
		    view ? "view" : "table", db, t->name);
	case LOADER_DROP: {
		/* The name may be of the other kind there (a view where mydumper
		 * writes a placeholder table first): both go. */
		int rc = run_ddl_statement(l, "DROP VIEW IF EXISTS ", db, t->name);
		return rc ? rc : run_ddl_statement(l, "DROP TABLE IF EXISTS ", db, t->name);
	}
	case LOADER_TRUNCATE:
		if (view)
			return run_ddl_statement(l, "DROP VIEW IF EXISTS ", db, t->name);
		t->skip_ddl = true;
		return run_ddl_statement(l, "TRUNCATE TABLE ", db, t->name);
	default: /* append */
		if (view)
			return run_ddl_statement(l, "DROP VIEW IF EXISTS ", db, t->name);
		t->skip_ddl = true;
		return 0;
	}
}

/* Resuming a table with a file that may or may not have committed: with a
 * primary or unique key, INSERT IGNORE runs it again safely; without one
 * the table is emptied and all its files are loaded again. */
static int reload_if_keyless(struct loader *l, struct loader_table *t)
{
	struct sl_buf q = SL_BUF_INIT;
	MYSQL_RES *res = NULL;
	int rc = sl_buf_puts(&q, "SELECT 1 FROM information_schema.STATISTICS WHERE "
	                         "NON_UNIQUE = 0 AND TABLE_SCHEMA = ");
	rc = rc ? rc : sl_buf_put_quoted(&q, t->db, strlen(t->db));
	rc = rc ? rc : sl_buf_puts(&q, " AND TABLE_NAME = ");
	rc = rc ? rc : sl_buf_put_quoted(&q, t->name, strlen(t->name));
	rc = rc ? rc : sl_buf_puts(&q, " LIMIT 1");
	if (rc) {
		sl_buf_free(&q);
		return sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	}
	rc = sl_mdb_query_result(&l->conns, l->ddl, q.data, &res);
	sl_buf_free(&q);
	if (rc)
		return rc;
	bool keyed = mysql_num_rows(res) > 0;
	mysql_free_result(res);
	if (keyed)
		return 0;
	sl_instance_log(l->inst, SL_LOG_WARN,
	                "resuming %s.%s: a file of it may or may not have been committed and the "
	                "table has no primary or unique key to tell: emptying it and loading all "
	                "of it again",
	                t->db, t->name);
	t->reload = true;
	return run_ddl_statement(l, "TRUNCATE TABLE ", t->db, t->name);
}

/* Wait until no data file of t is queued or running. */
static void wait_table_idle(struct loader *l, struct loader_table *t)
{
	pthread_mutex_lock(&l->lock);
	while (t->inflight > 0 && !sl_pipeline_cancelled(l->inst->pipe))
		pthread_cond_wait(&l->idle, &l->lock);
	pthread_mutex_unlock(&l->lock);
}

static int loader_consume(struct sl_instance *inst, struct sl_batch *b)
{
	struct loader *l = inst->data;
	struct loader_table *t = NULL;
	int rc;
	if (b->table) {
		pthread_mutex_lock(&l->lock);
		t = table_get(l, b->schema, sl_batch_table_name(b));
		pthread_mutex_unlock(&l->lock);
		if (!t)
			return sl_pipeline_fail(inst->pipe, SL_ENOMEM, "out of memory");
	}
	bool keep_existing = l->cfg->overwrite != LOADER_FAIL;
	/* A resumed load skips what the last one finished (a table's CREATE is
	 * still read, for the indexes that may be missing). */
	bool done = b->kind == SL_BATCH_FILE && loader_file_state(l, b->name) == LOADER_FILE_DONE;
	if (done && b->file_kind == SL_FILE_DATA && t && t->reload)
		done = false; /* the table is loaded again whole */
	if (done && b->file_kind != SL_FILE_TABLE_SCHEMA)
		return 0;

	if (b->kind == SL_BATCH_TABLE_END) {
		if (!t)
			return 0;
		pthread_mutex_lock(&l->lock);
		t->complete = true;
		bool ready = claim_indexes(t);
		if (ready)
			t->inflight++; /* the index job, until an executor ran it */
		pthread_mutex_unlock(&l->lock);
		if (!ready)
			return 0;
		struct sl_batch *job = index_job(l, t, b->table);
		if (!job)
			return SL_ENOMEM;
		if (sl_ring_push(l->work, job)) {
			sl_batch_release(job);
			return SL_ECANCEL;
		}
		return 0;
	}
	switch (b->file_kind) {
	case SL_FILE_DATA:
		if (!t)
			return sl_pipeline_fail(inst->pipe, SL_EFORMAT, "%s: data without a table",
			                        b->name);
		pthread_mutex_lock(&l->lock);
		t->inflight++;
		pthread_mutex_unlock(&l->lock);
		rc = sl_ring_push(l->work, sl_batch_ref(b));
		if (rc) {
			sl_batch_release(b);
			pthread_mutex_lock(&l->lock);
			t->inflight--;
			pthread_mutex_unlock(&l->lock);
			return SL_ECANCEL;
		}
		return 0;
	case SL_FILE_TABLE_SCHEMA:
	case SL_FILE_VIEW:
		if (done) {
			/* Resumed: the table is there; its indexes may not be, and
			 * its data may hold a file that was not confirmed. */
			if (t && b->file_kind == SL_FILE_TABLE_SCHEMA && !l->cfg->keep_indexes &&
			    (rc = create_deferred(l, t, b, false)) < 0)
				return rc;
			if (t && b->file_kind == SL_FILE_TABLE_SCHEMA &&
			    loader_table_unconfirmed(l, t->db, t->name))
				return reload_if_keyless(l, t);
			return 0;
		}
		if (t && b->file_kind == SL_FILE_VIEW && t->created) {
			/* mydumper writes a table with the view's columns first, so
			 * that views on views load in any order; the view takes its
			 * place. */
			if ((rc = run_ddl_statement(l, "DROP TABLE IF EXISTS ", t->db, t->name)))
				return rc;
		} else if (t && (rc = prepare_target(l, t, b->file_kind == SL_FILE_VIEW))) {
			return rc;
		}
		if (t && t->skip_ddl)
			return 0;
		if (t && b->file_kind == SL_FILE_TABLE_SCHEMA)
			t->created = true;
		if (t && b->file_kind == SL_FILE_TABLE_SCHEMA && !l->cfg->keep_indexes &&
		    (rc = index_parents(l, b)))
			return rc;
		if (t && b->file_kind == SL_FILE_TABLE_SCHEMA && !l->cfg->keep_indexes) {
			rc = create_deferred(l, t, b, true);
			if (rc < 0)
				return rc;
			if (rc == 1)
				return loader_progress_file(l, "done", b->name);
		}
		break;
	case SL_FILE_TRIGGERS:
		if (t)
			wait_table_idle(l, t);
		break;
	case SL_FILE_SCHEMA_CREATE:
	case SL_FILE_POST:
		break;
	case SL_FILE_USERS:
		if (l->cfg->overwrite == LOADER_DROP && (rc = loader_accounts_begin(l)))
			return rc;
		break;
	}
	if (sl_pipeline_cancelled(inst->pipe))
		return SL_ECANCEL;
	/* A resumed load may meet objects the last one created after it
	 * recorded progress: "already exists" is then not an error. */
	rc = loader_exec_file(l, &l->ddl, b, keep_existing || l->cfg->resume);
	return rc ? rc : loader_progress_file(l, "done", b->name);
}

/* --- plugin -------------------------------------------------------------- */

static int loader_init(struct sl_instance *inst)
{
	struct loader_config *cfg = inst->config;
	struct loader *l = sl_calloc(1, sizeof(*l));
	if (!l)
		return SL_ENOMEM;
	l->inst = inst;
	l->cfg = cfg;
	inst->format = &sl_data_formats[cfg->format];
	/* The router renames for us (engine/route.h). */
	inst->target_db = cfg->database;
	inst->renames = &cfg->renames;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->idle, NULL);
	inst->data = l;
	l->progress_fd = -1;
	for (size_t i = 0; i < cfg->renames.n; i++) {
		const char *eq = strchr(cfg->renames.v[i], '=');
		if (!eq || eq == cfg->renames.v[i] || !eq[1])
			return sl_pipeline_fail(inst->pipe, SL_EUSAGE,
			                        "--rename %s: expected OLD=NEW", cfg->renames.v[i]);
	}
	if (cfg->database && cfg->renames.n)
		return sl_pipeline_fail(inst->pipe, SL_EUSAGE,
		                        "-B and --rename exclude each other");
	l->nexec = (unsigned)sl_pipeline_config(inst->pipe)->threads;
	int rc = sl_mdb_init(&l->conns, inst, &cfg->conn);
	l->conns.local_infile = true; /* csv/tsv/jsonl files: loader_load_data() */
	return rc;
}

/* --resume trusts that what the server acknowledged survives its crash;
 * with innodb_flush_log_at_trx_commit != 1 it may not. */
static void warn_if_not_durable(struct loader *l)
{
	MYSQL_RES *res = NULL;
	if (mysql_query(l->ddl, "SELECT @@GLOBAL.innodb_flush_log_at_trx_commit") ||
	    !(res = mysql_store_result(l->ddl)))
		return; /* not InnoDB, or not allowed to look: nothing to say */
	MYSQL_ROW row = mysql_fetch_row(res);
	if (row && row[0] && strcmp(row[0], "1") != 0)
		sl_instance_log(
		    l->inst, SL_LOG_WARN,
		    "the target runs with innodb_flush_log_at_trx_commit=%s: after a crash "
		    "of the server, commits it acknowledged may be lost, and --resume "
		    "cannot know which",
		    row[0]);
	mysql_free_result(res);
}

static int loader_open(struct sl_instance *inst)
{
	struct loader *l = inst->data;
	int rc = loader_progress_open(l);
	if (rc)
		return rc;
	if ((rc = loader_connect(l, true, &l->ddl)))
		return rc;
	if (l->progress_fd >= 0)
		warn_if_not_durable(l);
	/* One data file per executor may wait (and one runs): enough to keep
	 * them busy, so a load holds --buffer plus about two files per
	 * executor, and one kept aside (prefer_free_table).  Grouped
	 * transactions want a transaction's worth queued per executor: at most
	 * a quarter of --buffer more. */
	const struct sl_pipeline_config *pc = sl_pipeline_config(inst->pipe);
	size_t cap = (size_t)pc->batch_size * l->nexec, slots = (size_t)l->nexec + 1;
	if (l->cfg->transaction_size) {
		uint64_t want = l->cfg->transaction_size * l->nexec;
		if (want > pc->buffer / 4)
			want = pc->buffer / 4; /* on top of the pipeline's ring */
		if (want > cap)
			cap = (size_t)want;
		slots = (size_t)GROUP_MAX * l->nexec + 2;
	}
	l->work = sl_ring_new(cap, slots);
	/* Files are freed by the executors in another order than the reader
	 * made them: mapped blocks keep the peak at what is live, and the last
	 * two freed, if about a file's size, are the reader's next (its body,
	 * and its copy under a new name when renamed). */
	size_t recycled = (size_t)pc->batch_size + pc->batch_size / 2;
	sl_alloc_large_recycled(recycled);
	/* What the executors queue and run, and the blocks kept, come out of
	 * --buffer too. */
	sl_pipeline_sink_reserve(inst,
	                         cap + (size_t)pc->batch_size * (l->nexec + 1) + 2 * recycled);
	l->threads = sl_calloc(l->nexec, sizeof(*l->threads));
	l->started = sl_calloc(l->nexec, sizeof(*l->started));
	if (!l->work || !l->threads || !l->started)
		return sl_pipeline_fail(inst->pipe, SL_ENOMEM, "out of memory");
	for (unsigned i = 0; i < l->nexec; i++) {
		struct exec_arg *a = sl_calloc(1, sizeof(*a));
		if (!a)
			return sl_pipeline_fail(inst->pipe, SL_ENOMEM, "out of memory");
		a->l = l;
		a->id = i;
		if (pthread_create(&l->threads[i], NULL, exec_main, a)) {
			sl_free(a);
			return sl_pipeline_fail(inst->pipe, SL_EIO, "cannot start loader thread %u",
			                        i);
		}
		l->started[i] = true;
	}
	return 0;
}

static void stop_executors(struct loader *l, bool cancel)
{
	if (!l->work)
		return;
	if (cancel)
		sl_ring_cancel(l->work);
	else
		sl_ring_close(l->work);
	for (unsigned i = 0; l->started && i < l->nexec; i++) {
		if (l->started[i])
			pthread_join(l->threads[i], NULL);
		l->started[i] = false;
	}
}

/* Say which tables are complete when a load fails, so the user knows what
 * to reload.  Nothing is said when no table was touched. */
static void report_tables(struct loader *l)
{
	size_t complete = 0, partial = 0;
	struct sl_buf list = SL_BUF_INIT;
	size_t pos = 0;
	struct sl_map_entry *e;
	while ((e = sl_map_next(&l->tables, &pos)) != NULL) {
		const struct loader_table *t = e->value;
		/* Complete: all its data in, and its deferred indexes added. */
		if (t->complete && !t->failed && t->inflight == 0 && (!t->alter || t->indexed)) {
			complete++;
			continue;
		}
		if (partial++ < 10)
			sl_buf_printf(&list, "%s%s.%s", list.len ? ", " : "", t->db, t->name);
	}
	if (complete + partial > 0)
		sl_instance_log(l->inst, SL_LOG_WARN,
		                "load failed: %zu table(s) loaded completely; not complete: %s%s",
		                complete, partial ? (list.data ? list.data : "") : "none",
		                partial > 10 ? ", ..." : "");
	sl_buf_free(&list);
}

static int loader_close(struct sl_instance *inst, const struct sl_run_summary *sum)
{
	struct loader *l = inst->data;
	stop_executors(l, sum->status != 0 || sl_pipeline_cancelled(inst->pipe));
	bool failed = sum->status || sl_pipeline_error(inst->pipe)->code;
	loader_progress_close(l, !failed);
	if (failed) {
		report_tables(l);
		return 0;
	}
	sl_instance_log(inst, SL_LOG_INFO, "loaded %llu data files, %zu tables",
	                (unsigned long long)l->files_done, l->tables.count);
	return 0;
}

static void loader_interrupt(struct sl_instance *inst)
{
	struct loader *l = inst->data;
	if (l->work)
		sl_ring_cancel(l->work);
	sl_mdb_interrupt(&l->conns);
	pthread_mutex_lock(&l->lock);
	pthread_cond_broadcast(&l->idle);
	pthread_mutex_unlock(&l->lock);
}

static void loader_destroy(struct sl_instance *inst)
{
	struct loader *l = inst->data;
	if (!l)
		return;
	loader_interrupt(inst);
	stop_executors(l, true);
	if (l->ddl)
		sl_mdb_disconnect(&l->conns, l->ddl);
	sl_mdb_destroy(&l->conns);
	sl_batch_release(l->aside);
	sl_ring_free(l->work);
	sl_map_free(&l->tables, table_free);
	sl_free(l->threads);
	sl_free(l->started);
	loader_progress_close(l, false);
	sl_map_free(&l->files, NULL);
	sl_map_free(&l->unconfirmed, NULL);
	sl_free(l->self_account);
	pthread_cond_destroy(&l->idle);
	pthread_mutex_destroy(&l->lock);
	sl_free(l);
}

const struct sl_plugin sl_sink_loader = {
    .name = "loader",
    .kind = SL_PLUGIN_SINK,
    .summary = "load into a MariaDB or MySQL server",
    .options = loader_options,
    .config_size = sizeof(struct loader_config),
    .init = loader_init,
    .destroy = loader_destroy,
    .open = loader_open,
    .consume = loader_consume,
    .close = loader_close,
    .interrupt = loader_interrupt,
};
