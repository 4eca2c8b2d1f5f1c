/* session.c - connections of the mariadb source, set up for their role.
 *
 * Data connections use the binary charset so bytes of every column charset
 * arrive untouched; the control connection uses utf8mb4, which is what DDL
 * is replayed with.  Both run in UTC with an empty sql_mode, so TIMESTAMP
 * values and SHOW CREATE output come back unchanged, and with timeouts
 * long enough that a slow reader never gets a dump cut by the server.
 *
 * A data connection's SET statement also carries a comment that makes it
 * --server-net-buffer bytes long.  The server reads a packet into its
 * network buffer, grows that buffer to the packet and keeps it for the
 * connection; it sends results through the same buffer, one write() each
 * time it fills.  Rows then leave in 256 KiB writes instead of
 * net_buffer_length's 16 KiB, which only SET GLOBAL could change (measured
 * on 8 x 500k rows, 2 threads: the server's CPU 2.0 -> 1.75 s, a plain
 * fetching client's 0.4 -> 0.25 s, and the fetch 15-20% faster). */
#include <string.h>

#include "base/alloc.h"
#include "mariadb.h"

/* Room for the header of a packet and whatever a server counts into
 * max_allowed_packet besides the statement. */
#define PACKET_SLACK 4096

/* The length to pad a data connection's first statement to, at least
 * 'least' bytes; 0 (no padding) when the server's buffer is that big
 * already, or the server does not take such a packet (or did not say what
 * it takes). */
static size_t padded_length(const struct mdb_source *m, size_t least)
{
	uint64_t want = m->cfg->server_net_buffer;
	uint64_t limit = m->max_allowed_packet;
	if (limit <= PACKET_SLACK)
		return 0;
	if (want > limit - PACKET_SLACK)
		want = limit - PACKET_SLACK;
	if (want <= m->net_buffer_length || want < least)
		return 0;
	return (size_t)want;
}

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
	/* The padding's comment: this note, spaces up to the length, its end. */
	static const char *const note =
	    " /* sluice: padding that grows the server's network buffer (--server-net-buffer)";
	char q[512];
	int n = snprintf(q, sizeof(q), "SET NAMES %s%s", data ? "binary" : "utf8mb4", common);
	size_t head = (size_t)n + strlen(note);
	size_t len = data ? padded_length(m, head + 2) : 0;
	if (!len)
		return mdb_query(m, c, q);
	char *padded = sl_malloc(len + 1);
	if (!padded)
		return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
	memcpy(padded, q, (size_t)n);
	memcpy(padded + n, note, strlen(note));
	memset(padded + head, ' ', len - head - 2);
	memcpy(padded + len - 2, "*/", 3);
	/* A failure names the statement without its padding. */
	int failed = mysql_real_query(c, padded, len);
	sl_free(padded);
	return failed ? sl_mdb_fail(&m->conns, c, q) : 0;
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
