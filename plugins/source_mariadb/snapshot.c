/* snapshot.c - one consistent view of the data for every worker.
 *
 * With several workers: take the instance lock that blocks commits
 * (MariaDB: BACKUP STAGE BLOCK_COMMIT; otherwise FLUSH TABLES WITH READ
 * LOCK), read the binlog/GTID position, open every worker connection with
 * START TRANSACTION WITH CONSISTENT SNAPSHOT, release the lock.  All
 * workers then see the same committed state (InnoDB), and the position
 * matches it.  One worker needs no lock: its transaction is the snapshot,
 * and MariaDB reports the matching position in binlog_snapshot_*.
 *
 * --long-query-guard looks at the process list before the lock: FTWRL
 * waits for every running statement that uses a table, and every writer
 * waits behind FTWRL meanwhile, so one long query stalls the server.  A
 * query running longer than the guard fails the dump, naming it, or with
 * --kill-long-queries is killed (KILL QUERY, the connection stays). */
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "mariadb.h"

static const char *const lock_names[] = {"auto", "ftwrl", "backup-stage", "none"};

/* Binlog file and position (and GTID) as the server reports them.  Missing
 * binary logging is not an error: the trailer simply has no position. */
static void read_position(struct mdb_source *m, MYSQL *c, bool snapshot_status)
{
	struct sl_run_info *info = sl_pipeline_info(m->inst->pipe);
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	if (snapshot_status) {
		if (mysql_query(c, "SHOW STATUS LIKE 'binlog_snapshot_%'") == 0 &&
		    (res = mysql_store_result(c))) {
			while ((row = mysql_fetch_row(res))) {
				if (!strcmp(row[0], "Binlog_snapshot_file") && row[1] && *row[1]) {
					sl_free(info->binlog_file);
					info->binlog_file = sl_strdup(row[1]);
				} else if (!strcmp(row[0], "Binlog_snapshot_position") && row[1]) {
					info->binlog_pos = strtoull(row[1], NULL, 10);
				}
			}
			mysql_free_result(res);
			res = NULL;
		}
	}
	if (!info->binlog_file && mysql_query(c, "SHOW MASTER STATUS") == 0 &&
	    (res = mysql_store_result(c))) {
		if ((row = mysql_fetch_row(res)) && row[0]) {
			info->binlog_file = sl_strdup(row[0]);
			info->binlog_pos = row[1] ? strtoull(row[1], NULL, 10) : 0;
		}
		mysql_free_result(res);
		res = NULL;
	}
	const char *gq =
	    m->is_mariadb ? "SELECT @@GLOBAL.gtid_binlog_pos" : "SELECT @@GLOBAL.gtid_executed";
	if (mysql_query(c, gq) == 0 && (res = mysql_store_result(c))) {
		if ((row = mysql_fetch_row(res)) && row[0] && *row[0])
			info->gtid = sl_strdup(row[0]);
		mysql_free_result(res);
	}
}

/* Workers 0..n-1 in their snapshots.  The transactions are READ ONLY
 * (MySQL 5.6.5 and later, every MariaDB): a dump writes nothing, and the
 * hooks' queries (sluice.query) run on worker 0, where the server then
 * refuses any write a query could attempt. */
static int start_workers(struct mdb_source *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct mdb_worker *w = &m->workers[i];
		int rc = mdb_connect(m, true, &w->conn);
		if (!rc)
			rc = mdb_query(m, w->conn,
			               "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
		if (!rc)
			rc = mdb_query(m, w->conn,
			               "START TRANSACTION WITH CONSISTENT SNAPSHOT"
			               "/*!50605 , READ ONLY */");
		if (rc)
			return rc;
	}
	return 0;
}

int mdb_snapshot_start_one(struct mdb_source *m)
{
	sl_instance_log(m->inst, SL_LOG_DEBUG, "snapshot on one connection, without a lock");
	return start_workers(m, 1);
}

/* Printable, one line: a query's text for a message. */
static void one_line(char *dst, size_t cap, const char *text)
{
	size_t n = 0;
	for (; text && *text && n + 1 < cap; text++)
		dst[n++] = (unsigned char)*text < 0x20 ? ' ' : *text;
	dst[n] = '\0';
}

/* Queries that have run longer than --long-query-guard: fail naming the
 * longest, or kill them all.  0 or the pipeline's error. */
static int guard_long_queries(struct mdb_source *m)
{
	long long guard = m->cfg->long_query_guard;
	if (guard <= 0)
		return 0;
	char q[512];
	const char *ms = m->is_mariadb ? "TIME_MS" : "TIME * 1000";
	snprintf(q, sizeof(q),
	         "SELECT ID, USER, HOST, ROUND(%s / 1000, 1), LEFT(INFO, 200) "
	         "FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
	         "AND COMMAND IN ('Query', 'Execute') AND %s > %lld ORDER BY 4 DESC",
	         ms, ms, guard * 1000);
	MYSQL_RES *res = NULL;
	int rc = mdb_query_result(m, m->control, q, &res);
	if (rc || !res)
		return rc;
	MYSQL_ROW row;
	while (!rc && (row = mysql_fetch_row(res))) {
		char info[240];
		one_line(info, sizeof(info), row[4]);
		const char *id = row[0] ? row[0] : "?", *user = row[1] ? row[1] : "",
		           *host = row[2] ? row[2] : "", *secs = row[3] ? row[3] : "?";
		if (!m->cfg->kill_long_queries) {
			rc = sl_pipeline_fail(
			    m->inst->pipe, SL_EDB,
			    "query %s of %s@%s has run for %s s, longer than --long-query-guard "
			    "%lld, and the instance lock would wait for it (with every writer "
			    "behind it): %s (--kill-long-queries kills such queries)",
			    id, user, host, secs, guard, info);
			break;
		}
		snprintf(q, sizeof(q), "KILL QUERY %s", id);
		if (mysql_query(m->control, q) && mysql_errno(m->control) != ER_NO_SUCH_THREAD) {
			rc = mdb_fail(m, m->control, q);
			break;
		}
		sl_instance_log(m->inst, SL_LOG_WARN,
		                "killed query %s of %s@%s, running for %s s (--long-query-guard "
		                "%lld): %s",
		                id, user, host, secs, guard, info);
	}
	mysql_free_result(res);
	return rc;
}

/* Is this a "you lack the privilege" error? */
static bool access_denied(MYSQL *c)
{
	unsigned e = mysql_errno(c);
	return e == 1227 || e == 1045 || e == 1044 || e == 1142;
}

int mdb_snapshot_start(struct mdb_source *m)
{
	int mode = m->cfg->lock_mode;
	const char *lock_sql = NULL, *unlock_sql = NULL;
	if (mode == MDB_LOCK_AUTO) {
		if (m->nworkers == 1)
			mode = MDB_LOCK_NONE;
		else if (m->is_mariadb && m->server_version >= 100401)
			mode = MDB_LOCK_BACKUP_STAGE;
		else
			mode = MDB_LOCK_FTWRL;
	}
	if (mode == MDB_LOCK_BACKUP_STAGE) {
		if (!m->is_mariadb || m->server_version < 100401)
			return sl_pipeline_fail(
			    m->inst->pipe, SL_EREFUSED,
			    "--lock-mode backup-stage needs MariaDB 10.4.1 or later");
		lock_sql = "BACKUP STAGE START";
		unlock_sql = "BACKUP STAGE END";
	} else if (mode == MDB_LOCK_FTWRL) {
		lock_sql = "FLUSH TABLES WITH READ LOCK";
		unlock_sql = "UNLOCK TABLES";
	}

	bool locked = false;
	pthread_mutex_lock(&m->control_lock);
	if (lock_sql) {
		int grc = guard_long_queries(m);
		if (grc) {
			pthread_mutex_unlock(&m->control_lock);
			return grc;
		}
		bool ok = mysql_query(m->control, lock_sql) == 0 &&
		          (mode != MDB_LOCK_BACKUP_STAGE ||
		           mysql_query(m->control, "BACKUP STAGE BLOCK_COMMIT") == 0);
		if (!ok) {
			if (m->cfg->lock_mode == MDB_LOCK_AUTO && access_denied(m->control)) {
				sl_instance_log(
				    m->inst, SL_LOG_WARN,
				    "cannot lock the instance (%s); workers start their "
				    "snapshots one by one, so tables may not be consistent "
				    "with each other (grant RELOAD, or use -t 1)",
				    mysql_error(m->control));
				if (mode == MDB_LOCK_BACKUP_STAGE)
					mysql_query(m->control, "BACKUP STAGE END");
				mode = MDB_LOCK_NONE;
			} else {
				int rc = mdb_fail(m, m->control, lock_sql);
				pthread_mutex_unlock(&m->control_lock);
				return rc;
			}
		} else {
			locked = true;
		}
	}
	sl_instance_log(m->inst, SL_LOG_DEBUG, "snapshot with lock mode %s, %u worker(s)",
	                lock_names[mode], m->nworkers);
	if (locked)
		read_position(m, m->control, false);
	int rc = start_workers(m, m->nworkers);
	if (!rc && !locked)
		read_position(m, m->workers[0].conn, m->is_mariadb);
	if (locked && mysql_query(m->control, unlock_sql) && !rc)
		rc = mdb_fail(m, m->control, unlock_sql);
	pthread_mutex_unlock(&m->control_lock);
	return rc;
}
