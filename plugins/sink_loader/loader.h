/* loader.h - internals of the "loader" sink plugin.
 *
 *   loader.c  plugin, options, the dispatcher (consume) and table states
 *   exec.c    running one file on a connection: statements, renames,
 *             one transaction per data file, retries of transient errors
 *   progress.c  the --progress-file of done files, and --resume
 *   indexes.c secondary indexes added after the data
 *   load_data.c csv, tsv and jsonl data files through LOAD DATA LOCAL
 *   accounts.c  the accounts file (mysql-users.sql) under --overwrite drop
 *
 * The sink's own thread is a dispatcher: database, table, view, trigger and
 * routine files run on it, in stream order, on one DDL connection; data
 * files go through an internal bounded ring to -t executor threads, each
 * with its own connection.  A table's data waits for nothing but its DDL
 * (already run when the data arrives, since the stream puts DDL first);
 * its triggers wait until its data in flight is done. */
#ifndef SL_SINK_LOADER_H
#define SL_SINK_LOADER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "base/map.h"
#include "base/option.h"
#include "engine/batch.h"
#include "engine/ring.h"
#include "format/decode_text.h"
#include "format/rowset.h"
#include "mariadb/conn.h"

enum loader_overwrite { LOADER_FAIL, LOADER_DROP, LOADER_TRUNCATE, LOADER_APPEND };
enum loader_load_method { LOADER_VIA_AUTO, LOADER_VIA_LOAD_DATA, LOADER_VIA_INSERT };

struct loader_config {
	struct sl_mdb_config conn;
	int overwrite;
	char *database;            /* -B: the one database of the stream goes here */
	struct sl_strlist renames; /* old=new */
	bool skip_binlog;
	bool skip_definer; /* CREATE statements of objects without DEFINER= */
	long long retries;
	char *progress_file;
	bool resume;
	uint64_t transaction_size; /* group data files up to this many bytes */
	bool keep_indexes;         /* do not defer secondary indexes */
	int format;                /* index in sl_data_formats: how copy encodes rows */
	int load_method;           /* enum loader_load_method */
};

/* Files a resumed load knows about. */
enum { LOADER_FILE_UNKNOWN = 0, LOADER_FILE_STARTED = 1, LOADER_FILE_DONE = 2 };

/* What the loader knows about one table of the stream. */
struct loader_table {
	char *db, *name; /* source names */
	int inflight;    /* data files queued or running */
	int loading;     /* data files running */
	bool skip_ddl;   /* existed and is kept (truncate, append) */
	bool complete;   /* the stream said its data is complete */
	bool failed;
	char *alter;       /* deferred secondary indexes: ALTER TABLE ... ADD KEY ..., or NULL */
	bool alter_queued; /* handed to an executor */
	bool indexed;      /* the deferred indexes were added */
	bool reload;       /* resumed without keys: emptied, every file loaded again */
	bool created;      /* this load ran its CREATE TABLE: a view file of the same
	                    * name replaces it (mydumper's placeholder for a view) */
};

struct loader {
	struct sl_instance *inst;
	struct loader_config *cfg;
	struct sl_mdb_conns conns;
	MYSQL *ddl;

	/* Executors: data files from the dispatcher; one of them may wait
	 * aside (under 'lock') while another executor loads its table. */
	struct sl_ring *work;
	struct sl_batch *aside;
	unsigned nexec;
	pthread_t *threads;
	bool *started;

	/* Table states; 'lock' guards inflight/loading/failed, 'idle' signals
	 * changes. */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	struct sl_map tables; /* (target db, table) -> struct loader_table */

	uint64_t files_done, bytes_done;

	int progress_fd;           /* --progress-file, or -1 */
	struct sl_map files;       /* --resume: file name -> LOADER_FILE_* of the last load */
	struct sl_map unconfirmed; /* --resume: (db, table) with a file started, not done */
	char *self_account;        /* `user`@`host` the DDL connection logs in as, once
	                              the accounts file comes under --overwrite drop */
	atomic_bool rows_off;      /* the target refused LOAD DATA LOCAL: INSERTs only */
};

/* insert_load.c: one executor's state for sending INSERTs' rows as LOAD
 * DATA LOCAL. */
struct loader_rows {
	char names[32];                /* the connection's SET NAMES; "" unknown */
	const struct sl_column **cols; /* the statement's columns */
	size_t ncols, cap_cols;
	size_t *offs; /* a decoded row's values in 'scratch' (sl_decode_insert_row) */
	struct sl_buf scratch, query;
	const char *stmt_text; /* the statement being read, its length, the next row */
	size_t len, pos;
	/* Array binding: the prepared INSERT (for 'prepared'), a block of rows
	 * and the column-wise arrays pointing into it. */
	MYSQL_STMT *stmt;
	char *prepared;
	struct sl_rowset block;
	char **ptrs;
	unsigned long *lens;
	char *ind;
	size_t cap_cells;
	bool partial;        /* SL_EDB after some of the statement's rows went in */
	size_t rows;         /* rows handed to the server so far */
	struct sl_buf chunk; /* fields rendered for the server's next reads */
	size_t chunk_off;
	int failed;     /* SL_ENOMEM or SL_EFORMAT while the server read */
	bool reconnect; /* LOADER_ROWS_REDO on a new connection */
	bool as_is;     /* these files again, with their INSERTs (LOADER_ROWS_REDO) */
};

enum { LOADER_ROWS_AS_IS = 1, LOADER_ROWS_REDO = 2 };

void loader_rows_init(struct loader_rows *r);
void loader_rows_free(struct loader_rows *r);
/* A new connection: its character set is the loader's (utf8mb4). */
void loader_rows_connected(struct loader_rows *r);
/* A statement the connection ran: SET NAMES changes what the rows are in. */
void loader_rows_note(struct loader_rows *r, const char *stmt, size_t len);
/* Load the rows of INSERT statement stmt[0..len) of data file 'b' with LOAD
 * DATA LOCAL ('ignore': IGNORE, a resumed file).  0 loaded;
 * LOADER_ROWS_AS_IS: nothing was done, run the statement itself;
 * LOADER_ROWS_REDO: the rows went in otherwise than the INSERT's would
 * (skipped, warned, refused halfway): roll back and run the files'
 * INSERTs; SL_EDB with the server's error in *err (retry a transient one;
 * else run the INSERT, whose error is the one to report, or, when r->partial
 * says rows of the statement went in, roll back first); SL_ENOMEM. */
int loader_rows_load(struct loader *l, MYSQL *conn, const struct sl_batch *b, const char *stmt,
                     size_t len, bool ignore, struct loader_rows *r, unsigned *err);

/* exec.c */

/* Run files b[0..n) on *conn.  Data files run together in one
 * transaction, retried up to --retries times on deadlocks, lock wait
 * timeouts and lost connections (reconnecting *conn); 'insert_ignore'
 * (NULL: none) marks files to run with INSERT IGNORE.  With 'exists_ok',
 * "already exists" errors of triggers, routines and events are warnings.
 * 'rows' (NULL: none): the executor's state for sending data files' INSERT
 * rows as LOAD DATA (insert_load.c).  Fails through the pipeline naming the
 * file and the server error. */
int loader_exec_files(struct loader *l, MYSQL **conn, struct sl_batch *const *b, size_t n,
                      bool exists_ok, const bool *insert_ignore, struct loader_rows *rows);

/* One file (DDL): loader_exec_files() of one. */
int loader_exec_file(struct loader *l, MYSQL **conn, struct sl_batch *b, bool exists_ok);

/* load_data.c */

/* Load data file 'b' (csv, tsv or jsonl: 'fmt') into its table on 'conn'
 * with LOAD DATA LOCAL, streaming the body from memory; 'ignore' adds
 * IGNORE (a resumed file).  0; SL_EDB with the server's error number in
 * *err; SL_EFORMAT with a message naming the file in perr; SL_ENOMEM. */
int loader_load_data(struct loader *l, MYSQL *conn, const struct sl_batch *b,
                     enum sl_text_format fmt, bool ignore, unsigned *err, struct sl_error *perr);

/* Install local-infile hooks on 'conn' that refuse every LOAD DATA LOCAL
 * request (the state outside of loader_load_data()). */
void loader_infile_refuse(MYSQL *conn);

/* indexes.c: for a CREATE TABLE file 'b', the body to run instead
 * (*body, appended) without the table's plain secondary keys and, in
 * *alter (caller frees), the statement that adds them.  1 when deferred,
 * 0 to run the file as it is, SL_ENOMEM. */
int loader_defer_indexes(const struct sl_batch *b, const char *target_db, struct sl_buf *body,
                         char **alter);

/* accounts.c */

/* Learn the account the DDL connection logs in as (once).  0 or the
 * pipeline's error. */
int loader_accounts_begin(struct loader *l);

/* --overwrite drop: a statement of the accounts file, rewritten into tmp
 * when it creates an account (CREATE OR REPLACE instead of IF NOT EXISTS,
 * except for the loader's own account); *stmt and *len point at what to
 * run.  0 or SL_ENOMEM. */
int loader_accounts_statement(struct loader *l, const char **stmt, size_t *len, struct sl_buf *tmp);

/* A statement of the accounts file failed with server error 'err': say
 * which (up to its account: never a password hash), and what to do when
 * a role on the target is not the loading account's to grant. */
void loader_accounts_failed(struct loader *l, const char *stmt, size_t len, unsigned err);

/* progress.c */
int loader_progress_open(struct loader *l);
/* Record "started" or "done" for a file. */
int loader_progress_file(struct loader *l, const char *event, const char *name);
void loader_progress_close(struct loader *l, bool ok);
/* Flush the records written so far to disk (before a transaction runs). */
int loader_progress_sync(struct loader *l);
/* LOADER_FILE_* of a file in the previous run. */
int loader_file_state(const struct loader *l, const char *name);
/* Did the previous run start a file of db.table without confirming it? */
bool loader_table_unconfirmed(const struct loader *l, const char *db, const char *table);

/* Open a connection set up for loading (checks off, binlog as asked);
 * 'timed': with --read-timeout (not for index builds, which may take
 * longer than any timeout and send nothing meanwhile). */
int loader_connect(struct loader *l, bool timed, MYSQL **out);

#endif
