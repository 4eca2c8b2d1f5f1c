/* mariadb.h - internals shared by the files of the "mariadb" source plugin.
 *
 *   mariadb.c   plugin struct, options, the job queue and worker loop
 *   session.c   data and control sessions (on ../mariadb/conn.c)
 *   catalog.c   schemata, tables, columns, keys, triggers: what to dump
 *   snapshot.c  instance lock, consistent snapshot on every worker, binlog position
 *   chunk.c     splitting a big table into key ranges
 *   schema.c    DDL files: databases, tables, sequences, triggers, views, routines, events
 *   fetch.c     streaming one range of rows into row blocks (--max-rate)
 *   users.c     accounts, roles and grants (--users): mysql-users.sql
 *   query.c     the hooks' read-only queries (sluice.query) and --dry-run
 *   depend.c    views and triggers whose tables the run leaves out
 *
 * One control connection (utf8mb4) reads the catalog and DDL under
 * 'control_lock'; each worker owns one data connection (binary charset)
 * inside the shared snapshot. */
#ifndef SL_SOURCE_MARIADB_H
#define SL_SOURCE_MARIADB_H

#include <mysql.h>
#include <pthread.h>
#include <stdbool.h>

#include "base/error.h"
#include "base/option.h"
#include "base/ratelimit.h"
#include "engine/pipeline.h"
#include "engine/select.h"
#include "format/resultset.h"
#include "format/rowset.h"
#include "format/table.h"
#include "mariadb/conn.h"

enum mdb_lock_mode { MDB_LOCK_AUTO, MDB_LOCK_FTWRL, MDB_LOCK_BACKUP_STAGE, MDB_LOCK_NONE };
struct mdb_config {
	struct sl_mdb_config conn;
	struct sl_strlist databases, tables, ignore_tables;
	char *regex, *exclude, *where;
	int lock_mode;
	bool skip_triggers, routines, events, no_data, no_schema;
	bool skip_definer;          /* DDL of views, triggers, routines, events without DEFINER= */
	long long rows;             /* target rows per chunk */
	char *users;                /* --users patterns, SL_OPT_NO_VALUE: all, NULL: none */
	uint64_t max_rate;          /* bytes a second read from the server, 0: no limit */
	uint64_t server_net_buffer; /* the server's write buffer asked for on data connections */
	long long long_query_guard; /* seconds; 0: do not look before the lock */
	bool kill_long_queries;
};

/* A table as this plugin dumps it. */
struct mdb_table {
	struct sl_table *t;
	char *select_list; /* "`a`,CAST(`f` AS DOUBLE),..." */
	size_t ndata;      /* columns selected and inserted */
	const struct sl_column **data_cols;
	size_t ntriggers;
	char **triggers;       /* trigger names */
	char **trigger_bodies; /* their ACTION_STATEMENTs (until depend.c has read them) */
	char *view_definition; /* views: for dependency order */
	uint64_t bytes_after;  /* estimated data bytes of the tables after it in 'order' */
};

struct mdb_job {
	struct mdb_job *next;
	struct mdb_table *mt;
	char *range; /* WHERE condition of the chunk, or NULL for the whole table */
};

struct mdb_worker {
	MYSQL *conn;
	unsigned id;
	struct sl_rowset rs;
	uint64_t rows, jobs;
	uint64_t charged; /* --max-rate: bytes of conn already charged */
	bool wire_on;     /* conn is plain: its rows are read by 'wire' */
	struct sl_resultset wire;
};

struct mdb_users;

struct mdb_source {
	struct sl_instance *inst;
	struct mdb_config *cfg;
	struct sl_select select;
	struct sl_mdb_conns conns; /* every connection, for interrupt() */
	MYSQL *control;
	pthread_mutex_t control_lock;
	bool is_mariadb;
	unsigned long server_version;
	uint64_t max_allowed_packet; /* the server's, read on the control connection */
	uint64_t net_buffer_length;  /* the same */

	/* Catalog: what this run dumps, sorted by (schema, name). */
	size_t nschemas;
	char **schemas; /* databases to create */
	size_t ntables;
	struct mdb_table *tables; /* base tables and sequences */
	size_t nviews;
	struct mdb_table *views;
	uint64_t est_rows_total; /* of the tables dumped, from the server's estimates */

	/* Workers and the job queue. */
	unsigned nworkers;
	struct mdb_worker *workers;
	pthread_mutex_t jobs_lock;
	pthread_cond_t jobs_cond;
	struct mdb_job *chunks_head, *chunks_tail;
	size_t next_table;        /* index into the size-ordered table list */
	struct mdb_table **order; /* biggest first */
	unsigned planning;        /* table jobs running (they may add chunks) */

	struct mdb_users *users;  /* --users: the accounts chosen, or NULL */
	struct sl_ratelimit rate; /* --max-rate, shared by the workers */
	bool rate_on;
	uint64_t rate_step; /* bytes a worker reads between two charges */
};

/* session.c: a connection set up for its role (data: binary charset). */
int mdb_connect(struct mdb_source *m, bool data, MYSQL **out);

static inline void mdb_disconnect(struct mdb_source *m, MYSQL *conn)
{
	sl_mdb_disconnect(&m->conns, conn);
}

static inline int mdb_query(struct mdb_source *m, MYSQL *conn, const char *sql)
{
	return sl_mdb_query(&m->conns, conn, sql);
}

static inline int mdb_query_result(struct mdb_source *m, MYSQL *conn, const char *sql,
                                   MYSQL_RES **out)
{
	return sl_mdb_query_result(&m->conns, conn, sql, out);
}

static inline int mdb_fail(struct mdb_source *m, MYSQL *conn, const char *what)
{
	return sl_mdb_fail(&m->conns, conn, what);
}

/* catalog.c: load() reads what the selection names; plan() lets the
 * router (script hooks) decide, leaves out what would not load (depend.c)
 * and orders the tables for the workers. */
int mdb_catalog_load(struct mdb_source *m);
int mdb_catalog_plan(struct mdb_source *m);
void mdb_catalog_free(struct mdb_source *m);
void mdb_table_free(struct mdb_table *mt);
/* Does the run take a table or view of 'schema'? */
bool mdb_schema_has_tables(const struct mdb_source *m, const char *schema);

/* snapshot.c: every worker in one snapshot; or, start_one(), the first
 * worker alone (dry runs, and hooks' queries in a --no-data run). */
int mdb_snapshot_start(struct mdb_source *m);
int mdb_snapshot_start_one(struct mdb_source *m);

/* query.c: plan() runs the catalog plan with sluice.query answered on the
 * first worker's connection (inside the snapshot); dry_run() prints the
 * plan with estimated rows. */
int mdb_plan_with_queries(struct mdb_source *m);
int mdb_dry_run(struct mdb_source *m);
/* The optimizer's estimate of the rows t->where selects (EXPLAIN's rows
 * times filtered%), on connection c.  0 or the pipeline's error. */
int mdb_estimate_rows(struct mdb_source *m, MYSQL *c, const struct sl_table *t, uint64_t *out);

/* depend.c: leave out views whose tables or views a sink does not take,
 * and triggers whose bodies name tables the run leaves out (one warning
 * each, listed in trailers and manifests).  0 or the pipeline's error. */
int mdb_prune_dependents(struct mdb_source *m);

/* chunk.c: NULL-terminated list of WHERE ranges (caller frees), or a list
 * with one NULL entry meaning "whole table". */
int mdb_chunk_plan(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt, char ***out,
                   size_t *nout);

/* schema.c */
int mdb_emit_schema_create(struct mdb_source *m, const char *schema);
int mdb_emit_table_schema(struct mdb_source *m, struct mdb_table *mt);
int mdb_emit_triggers(struct mdb_source *m, struct mdb_table *mt);
int mdb_emit_views(struct mdb_source *m);
int mdb_emit_post(struct mdb_source *m, const char *schema);
int mdb_ddl_prologue(struct sl_buf *out, const char *schema);

/* fetch.c */
int mdb_fetch_range(struct mdb_source *m, struct mdb_worker *w, struct mdb_table *mt,
                    const char *range);

/* users.c.  init(): parse --users (SL_EUSAGE for an empty pattern).
 * plan(), in prepare: choose the accounts and the roles they hold (fails
 * on a server that is not MariaDB 10.2+).  emit(), after everything else:
 * the accounts file.  Each fails through the pipeline. */
int mdb_users_init(struct mdb_source *m);
int mdb_users_plan(struct mdb_source *m);
int mdb_emit_users(struct mdb_source *m);
void mdb_users_free(struct mdb_source *m);

#endif
