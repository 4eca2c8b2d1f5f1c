/* exec.c - run one file of the stream on a loader connection.
 *
 * A file body is split into statements (format/sqlsplit.c understands
 * quotes, comments and DELIMITER lines, as the mysql client does; object
 * files end statements at a ';' that ends a line, myloader's form, until a
 * DELIMITER line says otherwise) and each is sent as it is: names were
 * rewritten for -B / --rename by the router before the file got here;
 * --skip-definer leaves the DEFINER clauses of objects out
 * (format/definer.h).  A data file is one transaction, so retrying
 * it after a deadlock, a lock wait timeout or a lost connection cannot
 * apply rows twice; csv, tsv and jsonl data files go through LOAD DATA
 * (load_data.c), and so do the rows of SQL data files' INSERTs
 * (insert_load.c), unless the server would not do with them what it does
 * with the INSERT: then the files are done again as they are. */
#include <errmsg.h>
#include <mysqld_error.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "engine/pipeline.h"
#include "format/dataformat.h"
#include "format/definer.h"
#include "format/sqlsplit.h"
#include "format/table.h"
#include "loader.h"

int loader_connect(struct loader *l, bool timed, MYSQL **out)
{
	static const char *const setup[] = {"SET SESSION FOREIGN_KEY_CHECKS = 0",
	                                    "SET SESSION UNIQUE_CHECKS = 0",
	                                    "SET SESSION wait_timeout = 86400",
	                                    "SET SESSION net_read_timeout = 3600",
	                                    "SET SESSION net_write_timeout = 3600",
	                                    "/*M!100108 SET SESSION max_statement_time = 0 */",
	                                    NULL};
	int rc = sl_mdb_connect(&l->conns, "utf8mb4", timed, out);
	if (!rc)
		loader_infile_refuse(*out);
	for (size_t i = 0; !rc && setup[i]; i++)
		rc = sl_mdb_query(&l->conns, *out, setup[i]);
	if (!rc && l->cfg->skip_binlog)
		rc = sl_mdb_query(&l->conns, *out, "SET SESSION sql_log_bin = 0");
	if (rc && *out) {
		sl_mdb_disconnect(&l->conns, *out);
		*out = NULL;
	}
	return rc;
}

static bool starts_with(const char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && strncasecmp(p, prefix, n) == 0;
}

/* Send one statement and drain any results. 0 or the error number. */
static unsigned run_statement(MYSQL *conn, const char *stmt, size_t len)
{
	if (mysql_real_query(conn, stmt, len))
		return mysql_errno(conn);
	do {
		MYSQL_RES *res = mysql_store_result(conn);
		if (res)
			mysql_free_result(res);
		else if (mysql_errno(conn))
			return mysql_errno(conn);
	} while (mysql_next_result(conn) == 0);
	return mysql_errno(conn);
}

/* A statement may change how the rest must be split (a routine's
 * sql_mode with NO_BACKSLASH_ESCAPES or ANSI_QUOTES): follow the server's
 * status flags after each one, as the mysql client does. */
static void follow_quoting(MYSQL *conn, struct sl_sqlsplit *split)
{
	unsigned int status = 0;
	if (mariadb_get_infov(conn, MARIADB_CONNECTION_SERVER_STATUS, &status))
		return;
	split->no_backslash_escapes = (status & SERVER_STATUS_NO_BACKSLASH_ESCAPES) != 0;
	split->ansi_quotes = (status & SERVER_STATUS_ANSI_QUOTES) != 0;
}

static bool transient(unsigned err)
{
	return err == ER_LOCK_DEADLOCK || err == ER_LOCK_WAIT_TIMEOUT ||
	       err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST;
}

/* Also a database: mydumper's CREATE DATABASE has no IF NOT EXISTS. */
static bool already_exists(unsigned err)
{
	return err == ER_SP_ALREADY_EXISTS || err == ER_TRG_ALREADY_EXISTS ||
	       err == ER_EVENT_ALREADY_EXISTS || err == ER_DUP_KEYNAME ||
	       err == ER_DB_CREATE_EXISTS;
}

/* One attempt at files b[0..n): data files in one transaction.  0;
 * SL_EDB with the server's error number in *err and the failing file's
 * index in *at; SL_EFORMAT (message in perr) for a body that does not
 * split; SL_ECANCEL; SL_ENOMEM. */
static int attempt(struct loader *l, MYSQL *conn, struct sl_batch *const *b, size_t n, bool txn,
                   bool exists_ok, const bool *insert_ignore, struct loader_rows *rows,
                   unsigned *err, size_t *at, struct sl_buf *tmp, struct sl_error *perr)
{
	*err = 0;
	*at = 0;
	if (txn && (*err = run_statement(conn, "START TRANSACTION", 17)))
		return SL_EDB;
	for (size_t i = 0; i < n; i++) {
		struct sl_sqlsplit split;
		const char *stmt;
		size_t len;
		int more;
		*at = i;
		const struct sl_data_format *f =
		    b[i]->file_kind == SL_FILE_DATA ? sl_data_format_of_file(b[i]->name) : NULL;
		if (f && f->text) {
			if (sl_pipeline_cancelled(l->inst->pipe))
				return SL_ECANCEL;
			int rc = loader_load_data(l, conn, b[i], f->text,
			                          insert_ignore && insert_ignore[i], err, perr);
			if (rc)
				return rc;
			continue;
		}
		sl_sqlsplit_init(&split, b[i]->name, b[i]->body.data, b[i]->body.len);
		bool object = sl_fname_is_object(b[i]->file_kind, b[i]->table != NULL);
		if (object)
			sl_sqlsplit_set_delimiter(&split, SL_SQLSPLIT_LINE_END,
			                          strlen(SL_SQLSPLIT_LINE_END));
		while ((more = sl_sqlsplit_next(&split, &stmt, &len, perr)) == 1) {
			if (sl_pipeline_cancelled(l->inst->pipe))
				return SL_ECANCEL;
			if (object && l->cfg->skip_definer) {
				sl_buf_reset(tmp);
				int stripped = sl_definer_strip(tmp, stmt, len);
				if (stripped < 0)
					return SL_ENOMEM;
				if (stripped) {
					stmt = tmp->data;
					len = tmp->len;
				}
			}
			if (rows && b[i]->file_kind == SL_FILE_DATA) {
				int lr =
				    loader_rows_load(l, conn, b[i], stmt, len,
				                     insert_ignore && insert_ignore[i], rows, err);
				if (lr == 0)
					continue;
				if (lr == SL_EDB && transient(*err))
					return lr;
				if (lr == SL_EDB && rows->partial)
					lr = LOADER_ROWS_REDO;
				if (lr != LOADER_ROWS_AS_IS && lr != SL_EDB)
					return lr;
				*err = 0;
			}
			if (insert_ignore && insert_ignore[i] &&
			    starts_with(stmt, len, "INSERT INTO ")) {
				/* A file that may have committed before the load died. */
				sl_buf_reset(tmp);
				if (sl_buf_puts(tmp, "INSERT IGNORE INTO ") ||
				    sl_buf_append(tmp, stmt + 12, len - 12))
					return SL_ENOMEM;
				stmt = tmp->data;
				len = tmp->len;
			}
			if (b[i]->file_kind == SL_FILE_USERS && l->cfg->overwrite == LOADER_DROP &&
			    loader_accounts_statement(l, &stmt, &len, tmp))
				return SL_ENOMEM;
			unsigned e = run_statement(conn, stmt, len);
			follow_quoting(conn, &split);
			if (rows && !e)
				loader_rows_note(rows, stmt, len);
			if (e && exists_ok && already_exists(e)) {
				sl_instance_log(l->inst, SL_LOG_WARN,
				                "%s: %s (kept the existing one)", b[i]->name,
				                mysql_error(conn));
				continue;
			}
			if (e) {
				if (b[i]->file_kind == SL_FILE_USERS)
					loader_accounts_failed(l, stmt, len, e);
				*err = e;
				return SL_EDB;
			}
		}
		if (more < 0)
			return SL_EFORMAT;
	}
	if (txn && (*err = run_statement(conn, "COMMIT", 6)))
		return SL_EDB;
	return 0;
}

int loader_exec_files(struct loader *l, MYSQL **conn, struct sl_batch *const *b, size_t n,
                      bool exists_ok, const bool *insert_ignore, struct loader_rows *rows)
{
	struct sl_pipeline *p = l->inst->pipe;
	struct sl_buf tmp = SL_BUF_INIT;
	struct sl_error perr = {0};
	bool txn = b[0]->file_kind == SL_FILE_DATA;
	int rc = 0;
	for (long long tries = 0;; tries++) {
		unsigned err = 0;
		size_t at = 0;
		rc = attempt(l, *conn, b, n, txn, exists_ok, insert_ignore, rows, &err, &at, &tmp,
		             &perr);
		if (rc == 0 || rc == SL_ECANCEL)
			break;
		if (rc == LOADER_ROWS_REDO) {
			sl_instance_log(
			    l->inst, SL_LOG_DEBUG,
			    "%s: LOAD DATA skipped rows or warned: its INSERTs run instead",
			    b[at]->name);
			rows->as_is = true;
			tries--; /* not a failure */
			if (rows->reconnect) {
				rows->reconnect = false;
				sl_mdb_disconnect(&l->conns, *conn);
				*conn = NULL;
				if ((rc = loader_connect(l, true, conn)))
					break;
				loader_rows_connected(rows);
			} else {
				run_statement(*conn, "ROLLBACK", 8);
			}
			continue;
		}
		if (rc == SL_ENOMEM) {
			rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
			break;
		}
		if (rc == SL_EFORMAT) {
			rc = sl_pipeline_fail(p, SL_EFORMAT, "%s", perr.msg);
			break;
		}
		const struct sl_batch *f = b[at];
		const char *table = sl_batch_table_name(f);
		bool lost = err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST;
		if (!txn || !transient(err) || tries >= l->cfg->retries ||
		    sl_pipeline_cancelled(p)) {
			if (sl_pipeline_cancelled(p))
				rc = SL_ECANCEL;
			else if (!f->schema) /* the accounts file */
				rc = sl_pipeline_fail(p, SL_EDB, "loading %s: server error %u: %s",
				                      f->name, err, mysql_error(*conn));
			else
				rc = sl_pipeline_fail(
				    p, SL_EDB, "loading %s%s%s (%s): server error %u: %s",
				    f->schema, table ? "." : "", table ? table : "", f->name, err,
				    mysql_error(*conn));
			break;
		}
		sl_instance_log(l->inst, SL_LOG_WARN,
		                "%s: server error %u: %s; retrying (%lld of %lld)", f->name, err,
		                mysql_error(*conn), tries + 1, l->cfg->retries);
		if (lost) {
			sl_mdb_disconnect(&l->conns, *conn);
			*conn = NULL;
			if ((rc = loader_connect(l, true, conn)))
				break;
			if (rows)
				loader_rows_connected(rows);
		} else {
			run_statement(*conn, "ROLLBACK", 8);
		}
		struct timespec pause = {0, 100 * 1000 * 1000 * (tries + 1)};
		if (pause.tv_nsec >= 1000000000)
			pause.tv_nsec = 999999999;
		nanosleep(&pause, NULL);
	}
	if (rows)
		rows->as_is = false;
	sl_buf_free(&tmp);
	return rc;
}

int loader_exec_file(struct loader *l, MYSQL **conn, struct sl_batch *b, bool exists_ok)
{
	return loader_exec_files(l, conn, &b, 1, exists_ok, NULL, NULL);
}
