/* mariadb.c - source plugin "mariadb": dump a MariaDB/MySQL server.
 *
 * prepare() connects, reads the catalog, starts one consistent snapshot on
 * every worker connection, plans the tables (script hooks, which may query
 * that snapshot: query.c) and emits CREATE DATABASE files; with --dry-run
 * it prints the plan instead and emits nothing.  Workers then
 * pull jobs: a table job emits the table's DDL and splits it into ranges
 * (chunk jobs, which any worker may take); the worker finishing a table's
 * last range emits its triggers and end-of-table record.  finish() emits
 * views (dependency order), routines and events, and with --users the
 * accounts (users.c).  Emitting DDL before queueing data keeps per-table
 * order in every ring (rings are FIFO). */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "mariadb.h"

static const char *const lock_modes[] = {"auto", "ftwrl", "backup-stage", "none", NULL};

#define CFG(field) offsetof(struct mdb_config, field)

static const struct sl_option mdb_options[] = {
    SL_MDB_CONN_OPTIONS(struct mdb_config, conn),
    {.name = "databases",
     .short_name = 'B',
     .type = SL_OPT_LIST,
     .offset = CFG(databases),
     .arg = "DB[,DB]",
     .help = "dump these databases (system schemas only when named)"},
    {.name = "tables",
     .short_name = 'T',
     .type = SL_OPT_LIST,
     .offset = CFG(tables),
     .arg = "DB.T[,DB.T]",
     .help = "dump only these tables"},
    {.name = "regex",
     .short_name = 'x',
     .type = SL_OPT_STRING,
     .offset = CFG(regex),
     .arg = "RE",
     .help = "dump tables whose db.table matches this PCRE2 pattern"},
    {.name = "exclude",
     .type = SL_OPT_STRING,
     .offset = CFG(exclude),
     .arg = "RE",
     .help = "skip tables whose db.table matches this PCRE2 pattern"},
    {.name = "ignore-table",
     .type = SL_OPT_LIST,
     .offset = CFG(ignore_tables),
     .arg = "DB.T",
     .help = "skip this table (repeatable)"},
    {.name = "where",
     .type = SL_OPT_STRING,
     .offset = CFG(where),
     .arg = "COND",
     .help = "dump only rows matching this SQL condition, in every table"},
    {.name = "lock-mode",
     .type = SL_OPT_ENUM,
     .offset = CFG(lock_mode),
     .def = "auto",
     .choices = lock_modes,
     .arg = "MODE",
     .help = "how threads share one snapshot (auto: BACKUP STAGE on MariaDB, FTWRL elsewhere, "
             "none with one thread)"},
    {.name = "rows",
     .short_name = 'r',
     .type = SL_OPT_INT,
     .offset = CFG(rows),
     .def = "100000",
     .arg = "N",
     .help = "split tables into ranges of about N rows for parallel dumping (0: never)",
     .min = 0,
     .max = 1000000000000LL},
    {.name = "skip-triggers",
     .type = SL_OPT_BOOL,
     .offset = CFG(skip_triggers),
     .help = "do not dump triggers"},
    {.name = "skip-definer",
     .type = SL_OPT_BOOL,
     .offset = CFG(skip_definer),
     .help = "leave DEFINER= out of views, triggers, routines and events: they then belong to "
             "the user who loads them"},
    {.name = "routines",
     .short_name = 'R',
     .type = SL_OPT_BOOL,
     .offset = CFG(routines),
     .help = "dump stored procedures and functions"},
    {.name = "events",
     .short_name = 'E',
     .type = SL_OPT_BOOL,
     .offset = CFG(events),
     .help = "dump events"},
    {.name = "no-data",
     .short_name = 'd',
     .type = SL_OPT_BOOL,
     .offset = CFG(no_data),
     .help = "dump schema only"},
    {.name = "no-schema",
     .type = SL_OPT_BOOL,
     .offset = CFG(no_schema),
     .help = "dump data only (no CREATE statements)"},
    {.name = "users",
     .type = SL_OPT_STRING,
     .flags = SL_OPTF_OPTIONAL_ARG,
     .offset = CFG(users),
     .arg = "USER@HOST,...",
     .help = "dump accounts, roles and grants too (all but system accounts, or those matching "
             "LIKE patterns)"},
    {.name = "max-rate",
     .type = SL_OPT_SIZE,
     .offset = CFG(max_rate),
     .def = "0",
     .arg = "SIZE",
     .help = "read at most SIZE bytes a second from the server, all threads together (0: no "
             "limit)"},
    {.name = "server-net-buffer",
     .type = SL_OPT_SIZE,
     .offset = CFG(server_net_buffer),
     .def = "256K",
     .arg = "SIZE",
     .help = "have the server send each data connection's rows in writes of SIZE bytes, not of "
             "net_buffer_length (0: as the server is set; at most max_allowed_packet)",
     .min = 0,
     .max = 64 << 20},
    {.name = "long-query-guard",
     .type = SL_OPT_INT,
     .offset = CFG(long_query_guard),
     .def = "0",
     .arg = "SECONDS",
     .help = "before taking the instance lock, fail if a query has run longer than this (0: "
             "do not look)",
     .min = 0,
     .max = 31536000},
    {.name = "kill-long-queries",
     .type = SL_OPT_BOOL,
     .offset = CFG(kill_long_queries),
     .help = "with --long-query-guard: KILL QUERY those queries instead of failing"},
    SL_OPTION_END};

static int mdb_init(struct sl_instance *inst)
{
	struct mdb_config *cfg = inst->config;
	struct mdb_source *m = sl_calloc(1, sizeof(*m));
	if (!m)
		return SL_ENOMEM;
	m->inst = inst;
	m->cfg = cfg;
	pthread_mutex_init(&m->control_lock, NULL);
	pthread_mutex_init(&m->jobs_lock, NULL);
	pthread_cond_init(&m->jobs_cond, NULL);
	inst->data = m;

	if (cfg->no_data && cfg->no_schema && !cfg->users)
		return sl_pipeline_fail(inst->pipe, SL_EUSAGE,
		                        "--no-data and --no-schema together leave nothing to dump");
	if (cfg->kill_long_queries && !cfg->long_query_guard)
		return sl_pipeline_fail(inst->pipe, SL_EUSAGE,
		                        "--kill-long-queries needs --long-query-guard SECONDS");
	if (cfg->max_rate && cfg->max_rate < 1024)
		return sl_pipeline_fail(inst->pipe, SL_EUSAGE,
		                        "--max-rate %llu: below the least rate, 1K bytes a second",
		                        (unsigned long long)cfg->max_rate);
	if (cfg->max_rate) {
		if (sl_ratelimit_init(&m->rate, cfg->max_rate))
			return SL_ENOMEM;
		m->rate_on = true;
		/* Charge often enough for the rate to be smooth (20 times a
		 * second), not so often that workers contend for the limiter. */
		m->rate_step = cfg->max_rate / 20;
		if (m->rate_step > 64 * 1024)
			m->rate_step = 64 * 1024;
	}
	int urc = mdb_users_init(m);
	if (urc)
		return urc;
	struct sl_error err = {0};
	int rc = sl_select_init(&m->select, &cfg->databases, &cfg->tables, &cfg->ignore_tables,
	                        cfg->regex, cfg->exclude, &err);
	if (rc)
		return sl_pipeline_fail(inst->pipe, rc, "%s", err.msg);
	m->nworkers = (unsigned)sl_pipeline_config(inst->pipe)->threads;
	m->workers = sl_calloc(m->nworkers, sizeof(*m->workers));
	if (!m->workers)
		return SL_ENOMEM;
	for (unsigned i = 0; i < m->nworkers; i++)
		m->workers[i].id = i;
	return sl_mdb_init(&m->conns, inst, &cfg->conn);
}

static void mdb_destroy(struct sl_instance *inst)
{
	struct mdb_source *m = inst->data;
	if (!m)
		return;
	unsigned long ids[SL_MDB_MAX_CONNS];
	size_t nids = 0;
	for (unsigned i = 0; m->workers && i < m->nworkers; i++) {
		if (m->workers[i].conn) {
			if (nids < SL_MDB_MAX_CONNS)
				ids[nids++] = mysql_thread_id(m->workers[i].conn);
			mdb_disconnect(m, m->workers[i].conn);
		}
		sl_rowset_free(&m->workers[i].rs);
		sl_resultset_free(&m->workers[i].wire);
	}
	if (m->control)
		mdb_disconnect(m, m->control);
	/* After a cancel the server may still run our queries: kill them so
	 * they leave SHOW PROCESSLIST now, not when it next writes. */
	if (m->conns.interrupted)
		sl_mdb_kill(&m->conns, ids, nids);
	while (m->chunks_head) {
		struct mdb_job *j = m->chunks_head;
		m->chunks_head = j->next;
		sl_free(j->range);
		sl_free(j);
	}
	mdb_catalog_free(m);
	mdb_users_free(m);
	if (m->rate_on)
		sl_ratelimit_destroy(&m->rate);
	sl_select_free(&m->select);
	sl_mdb_destroy(&m->conns);
	sl_free(m->workers);
	pthread_cond_destroy(&m->jobs_cond);
	pthread_mutex_destroy(&m->jobs_lock);
	pthread_mutex_destroy(&m->control_lock);
	sl_free(m);
}

static void mdb_interrupt(struct sl_instance *inst)
{
	struct mdb_source *m = inst->data;
	if (!m)
		return;
	sl_mdb_interrupt(&m->conns);
	if (m->rate_on)
		sl_ratelimit_cancel(&m->rate);
	pthread_mutex_lock(&m->jobs_lock);
	pthread_cond_broadcast(&m->jobs_cond);
	pthread_mutex_unlock(&m->jobs_lock);
}

/* Does this schema get a CREATE DATABASE?  When named with -B, when no
 * table filter (-T, --regex, --exclude) narrows the run to some tables (so
 * empty databases come along, as with mysqldump --all-databases), or when
 * it holds something this run dumps. */
static bool schema_wanted(struct mdb_source *m, const char *schema)
{
	for (size_t i = 0; i < m->cfg->databases.n; i++)
		if (!strcmp(m->cfg->databases.v[i], schema))
			return true;
	if (!m->cfg->tables.n && !m->cfg->regex && !m->cfg->exclude)
		return true;
	return mdb_schema_has_tables(m, schema);
}

/* "@@hostname:@@port": which server a dump came from, for manifests; and
 * the server's network buffer and largest packet, for --server-net-buffer
 * (max_allowed_packet 0 when unknown: no padding). */
static int mdb_server_facts(struct mdb_source *m, char **out)
{
	MYSQL_RES *res = NULL;
	int rc = mdb_query_result(
	    m, m->control, "SELECT @@hostname, @@port, @@max_allowed_packet, @@net_buffer_length",
	    &res);
	MYSQL_ROW row = rc || !res ? NULL : mysql_fetch_row(res);
	if (row && row[2] && row[3]) {
		m->max_allowed_packet = strtoull(row[2], NULL, 10);
		m->net_buffer_length = strtoull(row[3], NULL, 10);
	}
	if (row && row[0]) {
		struct sl_buf b = SL_BUF_INIT;
		if (sl_buf_printf(&b, "%s:%s", row[0], row[1] ? row[1] : "?"))
			rc = sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
		else
			*out = sl_buf_steal(&b, NULL);
	}
	if (res)
		mysql_free_result(res);
	return rc;
}

static int mdb_prepare(struct sl_instance *inst)
{
	struct mdb_source *m = inst->data;
	int rc = mdb_connect(m, false, &m->control);
	if (rc)
		return rc;
	const char *info = mysql_get_server_info(m->control);
	m->is_mariadb = m->conns.is_mariadb;
	m->server_version = m->conns.server_version;
	struct sl_run_info *ri = sl_pipeline_info(inst->pipe);
	if (info && !(ri->server_version = sl_strdup(info)))
		return SL_ENOMEM;
	if ((rc = mdb_server_facts(m, &ri->source)))
		return rc;
	sl_instance_log(inst, SL_LOG_DEBUG, "connected to %s", info ? info : "server");
	size_t nread;
	if (m->rate_on && mariadb_get_infov(m->control, MARIADB_CONNECTION_BYTES_READ, &nread))
		return sl_pipeline_fail(inst->pipe, SL_EUSAGE,
		                        "--max-rate needs a client library that counts the bytes "
		                        "it reads (libmariadb 3.3 or later)");

	if ((rc = mdb_users_plan(m)))
		return rc;
	/* --users --no-data --no-schema: the accounts alone. */
	if (m->cfg->no_data && m->cfg->no_schema)
		return 0;
	if ((rc = mdb_catalog_load(m)))
		return rc;
	/* The snapshot comes before the plan: hooks may query it (a subset
	 * computed there sees the rows the workers then read).  A dry run
	 * needs one connection for that, and so does a --no-data run with a
	 * script. */
	const struct sl_pipeline_config *pc = sl_pipeline_config(inst->pipe);
	if (m->ntables && (pc->dry_run || (m->cfg->no_data && pc->script)))
		rc = mdb_snapshot_start_one(m);
	else if (m->ntables && !m->cfg->no_data)
		rc = mdb_snapshot_start(m);
	if (rc || (rc = mdb_plan_with_queries(m)))
		return rc;
	if (pc->dry_run)
		return mdb_dry_run(m);
	if (!m->cfg->no_schema) {
		for (size_t i = 0; i < m->nschemas; i++) {
			if (!schema_wanted(m, m->schemas[i]))
				continue;
			if ((rc = mdb_emit_schema_create(m, m->schemas[i])))
				return rc;
		}
	}
	return 0;
}

/* Next job for a worker: a chunk if any (finish started tables first),
 * else the next table; NULL when nothing is left or the run is cancelled.
 * *table is set for table jobs. */
static struct mdb_job *next_job(struct mdb_source *m, struct mdb_table **table)
{
	struct mdb_job *job = NULL;
	*table = NULL;
	pthread_mutex_lock(&m->jobs_lock);
	for (;;) {
		if (sl_pipeline_cancelled(m->inst->pipe))
			break;
		if (m->chunks_head) {
			job = m->chunks_head;
			m->chunks_head = job->next;
			if (!m->chunks_head)
				m->chunks_tail = NULL;
			break;
		}
		if (m->next_table < m->ntables) {
			*table = m->order[m->next_table++];
			m->planning++;
			break;
		}
		if (m->planning == 0)
			break; /* nothing left and nothing can be added */
		pthread_cond_wait(&m->jobs_cond, &m->jobs_lock);
	}
	pthread_mutex_unlock(&m->jobs_lock);
	return job;
}

/* Triggers and the end-of-table record, once the table's data is out. */
static int finish_table(struct mdb_source *m, struct mdb_table *mt)
{
	int rc = 0;
	if (!m->cfg->no_schema)
		rc = mdb_emit_triggers(m, mt);
	return rc ? rc : sl_pipeline_end_table(m->inst->pipe, mt->t);
}

static int run_chunk(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt,
                     const char *range)
{
	int rc = mdb_fetch_range(m, w, mt, range);
	if (rc)
		return rc;
	if (atomic_fetch_sub(&mt->t->pending_jobs, 1) == 1)
		return finish_table(m, mt);
	return 0;
}

/* A table job: DDL, then split into ranges; this worker takes the first. */
static int run_table(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt)
{
	char **ranges = NULL;
	size_t n = 0;
	int rc = 0;
	if (!m->cfg->no_schema)
		rc = mdb_emit_table_schema(m, mt);
	if (!rc && !m->cfg->no_data && mt->t->kind == SL_TABLE_BASE)
		rc = mdb_chunk_plan(m, w, mt, &ranges, &n);

	pthread_mutex_lock(&m->jobs_lock);
	if (!rc && n > 0) {
		atomic_store(&mt->t->pending_jobs, (int)n);
		for (size_t i = 1; i < n; i++) {
			struct mdb_job *j = sl_calloc(1, sizeof(*j));
			if (!j) {
				rc = SL_ENOMEM;
				break;
			}
			j->mt = mt;
			j->range = ranges[i];
			ranges[i] = NULL;
			if (m->chunks_tail)
				m->chunks_tail->next = j;
			else
				m->chunks_head = j;
			m->chunks_tail = j;
		}
	}
	m->planning--;
	pthread_cond_broadcast(&m->jobs_cond);
	pthread_mutex_unlock(&m->jobs_lock);

	if (rc == SL_ENOMEM)
		rc = sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
	if (!rc) {
		if (n > 0)
			rc = run_chunk(m, w, mt, ranges[0]);
		else
			rc = finish_table(m, mt); /* sequences, --no-data */
	}
	for (size_t i = 0; ranges && i < n; i++)
		sl_free(ranges[i]);
	sl_free(ranges);
	return rc;
}

static int mdb_work(struct sl_instance *inst, unsigned worker)
{
	struct mdb_source *m = inst->data;
	struct mdb_worker *w = &m->workers[worker];
	int rc = 0;
	while (!rc) {
		struct mdb_table *table;
		struct mdb_job *job = next_job(m, &table);
		if (table) {
			rc = run_table(m, w, table);
		} else if (job) {
			rc = run_chunk(m, w, job->mt, job->range);
			sl_free(job->range);
			sl_free(job);
		} else {
			break;
		}
	}
	sl_instance_log(inst, SL_LOG_DEBUG, "worker %u: %llu rows in %llu ranges", worker,
	                (unsigned long long)w->rows, (unsigned long long)w->jobs);
	if (!rc && sl_pipeline_cancelled(inst->pipe))
		rc = SL_ECANCEL;
	return rc;
}

static int mdb_finish(struct sl_instance *inst)
{
	struct mdb_source *m = inst->data;
	int rc = 0;
	/* Data is done: release the snapshots before the slower DDL reads. */
	for (unsigned i = 0; i < m->nworkers; i++) {
		if (m->workers[i].conn) {
			mdb_disconnect(m, m->workers[i].conn);
			m->workers[i].conn = NULL;
		}
	}
	if (!m->cfg->no_schema && m->nviews)
		rc = mdb_emit_views(m);
	for (size_t i = 0; !rc && !m->cfg->no_schema && i < m->nschemas; i++)
		if (schema_wanted(m, m->schemas[i]))
			rc = mdb_emit_post(m, m->schemas[i]);
	/* Last: grants name tables, views and routines, which must exist. */
	return rc ? rc : mdb_emit_users(m);
}

const struct sl_plugin sl_source_mariadb = {
    .name = "mariadb",
    .kind = SL_PLUGIN_SOURCE,
    .summary = "a MariaDB or MySQL server",
    .options = mdb_options,
    .config_size = sizeof(struct mdb_config),
    .init = mdb_init,
    .destroy = mdb_destroy,
    .prepare = mdb_prepare,
    .work = mdb_work,
    .finish = mdb_finish,
    .interrupt = mdb_interrupt,
    .dry_run = true,
};
