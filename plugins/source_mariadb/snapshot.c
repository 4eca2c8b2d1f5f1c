/* snapshot.c - one consistent view of the data for every worker.
 *
 * With several workers: take the instance lock that blocks commits
 * (MariaDB: BACKUP STAGE BLOCK_COMMIT; otherwise FLUSH TABLES WITH READ
 * LOCK), read the binlog/GTID position, open every worker connection with
 * START TRANSACTION WITH CONSISTENT SNAPSHOT, release the lock.  All
 * workers then see the same committed state (InnoDB), and the position
 * matches it.  One worker needs no lock: its transaction is the snapshot,
 * and MariaDB reports the matching position in binlog_snapshot_*. */
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

static int start_workers(struct mdb_source *m)
{
	for (unsigned i = 0; i < m->nworkers; i++) {
		struct mdb_worker *w = &m->workers[i];
		int rc = mdb_connect(m, true, &w->conn);
		if (!rc)
			rc = mdb_query(m, w->conn,
			               "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
		if (!rc)
			rc = mdb_query(m, w->conn, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
		if (rc)
			return rc;
	}
	return 0;
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
	int rc = start_workers(m);
	if (!rc && !locked)
		read_position(m, m->workers[0].conn, m->is_mariadb);
	if (locked && mysql_query(m->control, unlock_sql) && !rc)
		rc = mdb_fail(m, m->control, unlock_sql);
	pthread_mutex_unlock(&m->control_lock);
	return rc;
}
