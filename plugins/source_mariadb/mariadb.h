/* mariadb.h - internals shared by the files of the "mariadb" source plugin.
 *
 *   mariadb.c   plugin struct, options, the job queue and worker loop
 *   connect.c   connections, session setup, queries, interruption
 *   optfile.c   --defaults-extra-file
 *   catalog.c   schemata, tables, columns, keys, triggers: what to dump
 *   snapshot.c  instance lock, consistent snapshot on every worker, binlog position
 *   chunk.c     splitting a big table into key ranges
 *   schema.c    DDL files: databases, tables, sequences, triggers, views, routines, events
 *   fetch.c     streaming one range of rows into row blocks
 *
 * One control connection (utf8mb4) reads the catalog and DDL under
 * 'control_lock'; each worker owns one data connection (binary charset)
 * inside the shared snapshot. */
#ifndef SL_SOURCE_MARIADB_H
#define SL_SOURCE_MARIADB_H

#include <mysql.h>
#include <pthread.h>
#include <stdbool.h>

#include "error.h"
#include "option.h"
#include "pipeline.h"
#include "rowset.h"
#include "select.h"
#include "table.h"

enum mdb_lock_mode { MDB_LOCK_AUTO, MDB_LOCK_FTWRL, MDB_LOCK_BACKUP_STAGE, MDB_LOCK_NONE };
enum mdb_ssl_mode {
	MDB_SSL_DISABLED,
	MDB_SSL_PREFERRED,
	MDB_SSL_REQUIRED,
	MDB_SSL_VERIFY_CA,
	MDB_SSL_VERIFY_IDENTITY
};

struct mdb_config {
	char *host;
	long long port;
	char *user;
	char *password; /* SL_OPT_NO_VALUE: prompt */
	char *socket;
	char *defaults_file;
	char *defaults_extra_file;
	char *ssl_ca, *ssl_cert, *ssl_key;
	int ssl_mode;
	long long connect_timeout;
	struct sl_strlist databases, tables, ignore_tables;
	char *regex, *exclude, *where;
	int lock_mode;
	bool skip_triggers, routines, events, no_data, no_schema;
	long long rows; /* target rows per chunk */
};

/* A table as this plugin dumps it. */
struct mdb_table {
	struct sl_table *t;
	char *select_list; /* "`a`,CAST(`f` AS DOUBLE),..." */
	size_t ndata;      /* columns selected and inserted */
	const struct sl_column **data_cols;
	size_t ntriggers;
	char **triggers;       /* trigger names */
	char *view_definition; /* views: for dependency order */
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
};

struct mdb_source {
	struct sl_instance *inst;
	struct mdb_config *cfg;
	char *password; /* resolved: option, prompt, MYSQL_PWD or NULL */
	struct sl_select select;

	/* Connections.  'conns_lock' guards the list used by interrupt(). */
	pthread_mutex_t conns_lock;
	size_t nconns;
	MYSQL *conns[260];
	bool interrupted;

	MYSQL *control;
	pthread_mutex_t control_lock;
	bool is_mariadb;
	unsigned long server_version;

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
};

/* connect.c */
int mdb_connect(struct mdb_source *m, bool data, MYSQL **out);
void mdb_disconnect(struct mdb_source *m, MYSQL *conn);
void mdb_interrupt_all(struct mdb_source *m);
int mdb_query(struct mdb_source *m, MYSQL *conn, const char *sql);
/* Run a query and return its result stored (small results only). */
int mdb_query_result(struct mdb_source *m, MYSQL *conn, const char *sql, MYSQL_RES **out);
/* Fail the pipeline with the connection's error; returns SL_EDB, or
 * SL_ECANCEL when the error comes from our own interruption. */
int mdb_fail(struct mdb_source *m, MYSQL *conn, const char *what);
int mdb_resolve_password(struct mdb_source *m);

/* optfile.c */
int mdb_read_extra_file(struct mdb_source *m);

/* catalog.c */
int mdb_catalog_load(struct mdb_source *m);
void mdb_catalog_free(struct mdb_source *m);
void mdb_table_free(struct mdb_table *mt);

/* snapshot.c */
int mdb_snapshot_start(struct mdb_source *m);

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

#endif
