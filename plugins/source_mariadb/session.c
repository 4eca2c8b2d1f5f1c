/* session.c - connections of the mariadb source, set up for their role.
 *
 * Data connections use the binary charset so bytes of every column charset
 * arrive untouched; the control connection uses utf8mb4, which is what DDL
 * is replayed with.  Both run in UTC with an empty sql_mode, so TIMESTAMP
 * values and SHOW CREATE output come back unchanged, and with timeouts
 * long enough that a slow reader never gets a dump cut by the server. */
#include "mariadb.h"

static int setup_session(struct mdb_source *m, MYSQL *c, bool data)
{
	/* One statement, one round trip (it was eight a connection). */
	static const char *const common =
	    ", SESSION sql_mode = '', SESSION time_zone = '+00:00', SESSION sql_quote_show_create "
	    "= 1"
	    ", SESSION net_write_timeout = 3600, SESSION net_read_timeout = 3600"
	    ", SESSION wait_timeout = 86400"
	    /* MariaDB only: never let a statement time limit cut a dump. */
	    " /*M!100108 , SESSION max_statement_time = 0 */";
	char q[512];
	snprintf(q, sizeof(q), "SET NAMES %s%s", data ? "binary" : "utf8mb4", common);
	return mdb_query(m, c, q);
}

int mdb_connect(struct mdb_source *m, bool data, MYSQL **out)
{
	int rc = sl_mdb_connect(&m->conns, data ? "binary" : "utf8mb4", true, out);
	if (rc)
		return rc;
	rc = setup_session(m, *out, data);
	if (rc) {
		mdb_disconnect(m, *out);
		*out = NULL;
	}
	return rc;
}
