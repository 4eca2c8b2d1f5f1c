/* connect.c - connections of the mariadb source: options as the mysql client
 * has them, session setup, error conversion, and interruption for cancel. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "mariadb.h"

/* Read a password from the terminal with echo off.  Caller frees. */
static int prompt_password(struct mdb_source *m)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return sl_pipeline_fail(
		    m->inst->pipe, SL_EUSAGE,
		    "-p without a value needs a terminal to ask for the password "
		    "(use MYSQL_PWD or an option file instead)");
	struct termios old, quiet;
	bool restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	(void)!write(fd, "Enter password: ", 16);
	char buf[512];
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n' || c == '\r')
			break;
		if (n + 1 < sizeof(buf))
			buf[n++] = c;
	}
	buf[n] = '\0';
	(void)!write(fd, "\n", 1);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	m->password = sl_strdup(buf);
	memset(buf, 0, sizeof(buf));
	return m->password ? 0 : SL_ENOMEM;
}

int mdb_resolve_password(struct mdb_source *m)
{
	const char *pw = m->cfg->password;
	if (pw && strcmp(pw, SL_OPT_NO_VALUE) == 0)
		return prompt_password(m);
	if (!pw)
		pw = getenv("MYSQL_PWD");
	if (pw && !(m->password = sl_strdup(pw)))
		return SL_ENOMEM;
	return 0;
}

/* Remember a connection so interrupt() can reach it. */
static void register_conn(struct mdb_source *m, MYSQL *c)
{
	pthread_mutex_lock(&m->conns_lock);
	if (m->nconns < sizeof(m->conns) / sizeof(m->conns[0]))
		m->conns[m->nconns++] = c;
	if (m->interrupted) /* connected while being cancelled */
		shutdown(mysql_get_socket(c), SHUT_RDWR);
	pthread_mutex_unlock(&m->conns_lock);
}

void mdb_disconnect(struct mdb_source *m, MYSQL *conn)
{
	if (!conn)
		return;
	pthread_mutex_lock(&m->conns_lock);
	for (size_t i = 0; i < m->nconns; i++) {
		if (m->conns[i] == conn) {
			m->conns[i] = m->conns[--m->nconns];
			break;
		}
	}
	pthread_mutex_unlock(&m->conns_lock);
	mysql_close(conn);
}

void mdb_interrupt_all(struct mdb_source *m)
{
	/* shutdown() makes a read blocked in libmariadb return at once; the
	 * connection is closed by its owner afterwards, which resets it and
	 * makes the server abort the query. */
	pthread_mutex_lock(&m->conns_lock);
	m->interrupted = true;
	for (size_t i = 0; i < m->nconns; i++) {
		my_socket fd = mysql_get_socket(m->conns[i]);
		if (fd != (my_socket)-1)
			shutdown(fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&m->conns_lock);
}

int mdb_fail(struct mdb_source *m, MYSQL *conn, const char *what)
{
	struct sl_pipeline *p = m->inst->pipe;
	if (sl_pipeline_cancelled(p))
		return SL_ECANCEL;
	unsigned no = mysql_errno(conn);
	const char *msg = mysql_error(conn);
	return sl_pipeline_fail(p, SL_EDB, "%s: server error %u: %s", what, no,
	                        msg && *msg ? msg : "unknown error");
}

int mdb_query(struct mdb_source *m, MYSQL *conn, const char *sql)
{
	if (mysql_real_query(conn, sql, strlen(sql)))
		return mdb_fail(m, conn, sql);
	/* Statements that return rows by surprise must not wedge the connection. */
	MYSQL_RES *res = mysql_store_result(conn);
	if (res)
		mysql_free_result(res);
	else if (mysql_errno(conn))
		return mdb_fail(m, conn, sql);
	return 0;
}

int mdb_query_result(struct mdb_source *m, MYSQL *conn, const char *sql, MYSQL_RES **out)
{
	*out = NULL;
	if (mysql_real_query(conn, sql, strlen(sql)))
		return mdb_fail(m, conn, sql);
	*out = mysql_store_result(conn);
	if (!*out && mysql_errno(conn))
		return mdb_fail(m, conn, sql);
	return 0;
}

/* Apply TLS options by --ssl-mode.  preferred: TLS when the server offers
 * it (libmariadb falls back to plain when it does not); required: TLS or
 * fail; verify-ca / verify-identity: also check the certificate. */
static void set_tls(struct mdb_config *c, MYSQL *mysql)
{
	if (c->ssl_mode == MDB_SSL_DISABLED)
		return;
	mysql_ssl_set(mysql, c->ssl_key, c->ssl_cert, c->ssl_ca, NULL, NULL);
	if (c->ssl_mode >= MDB_SSL_REQUIRED) {
		my_bool on = 1;
		mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &on);
	}
	my_bool verify = c->ssl_mode >= MDB_SSL_VERIFY_CA;
	mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
}

/* Settings every session needs.  Data connections use the binary charset
 * so bytes of every column charset arrive untouched; the control
 * connection uses utf8mb4, which is what DDL is replayed with. */
static int setup_session(struct mdb_source *m, MYSQL *c, bool data)
{
	static const char *const common[] = {
	    "SET SESSION sql_mode = ''", "SET SESSION time_zone = '+00:00'",
	    "SET SESSION sql_quote_show_create = 1", "SET SESSION net_write_timeout = 3600",
	    "SET SESSION net_read_timeout = 3600", "SET SESSION wait_timeout = 86400",
	    /* MariaDB only: never let a statement time limit cut a dump. */
	    "/*M!100108 SET SESSION max_statement_time = 0 */", NULL};
	for (size_t i = 0; common[i]; i++) {
		int rc = mdb_query(m, c, common[i]);
		if (rc)
			return rc;
	}
	return mdb_query(m, c, data ? "SET NAMES binary" : "SET NAMES utf8mb4");
}

int mdb_connect(struct mdb_source *m, bool data, MYSQL **out)
{
	struct mdb_config *c = m->cfg;
	*out = NULL;
	MYSQL *mysql = mysql_init(NULL);
	if (!mysql)
		return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
	/* Option files: [client] and [sluice] groups, as the mysql client. */
	mysql_optionsv(mysql, MYSQL_READ_DEFAULT_GROUP, "sluice");
	if (c->defaults_file)
		mysql_optionsv(mysql, MYSQL_READ_DEFAULT_FILE, c->defaults_file);
	unsigned int timeout = (unsigned int)c->connect_timeout;
	mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, data ? "binary" : "utf8mb4");
	set_tls(c, mysql);
	if (c->host && strcmp(c->host, "localhost") != 0 && !c->socket) {
		enum mysql_protocol_type tcp = MYSQL_PROTOCOL_TCP;
		mysql_optionsv(mysql, MYSQL_OPT_PROTOCOL, &tcp);
	}

	if (!mysql_real_connect(mysql, c->host, c->user, m->password, NULL, (unsigned int)c->port,
	                        c->socket, 0)) {
		char where[300];
		if (c->socket)
			snprintf(where, sizeof(where), "socket %s", c->socket);
		else
			snprintf(where, sizeof(where), "%s:%lld", c->host ? c->host : "localhost",
			         c->port ? c->port : 3306);
		int rc = sl_pipeline_cancelled(m->inst->pipe)
		             ? SL_ECANCEL
		             : sl_pipeline_fail(m->inst->pipe, SL_EDB,
		                                "cannot connect to %s: server error %u: %s", where,
		                                mysql_errno(mysql), mysql_error(mysql));
		mysql_close(mysql);
		return rc;
	}
	register_conn(m, mysql);
	int rc = setup_session(m, mysql, data);
	if (rc) {
		mdb_disconnect(m, mysql);
		return rc;
	}
	*out = mysql;
	return 0;
}
