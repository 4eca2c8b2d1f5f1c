/* conn.c - connections shared by the mariadb source and the loader sink:
 * options as the mysql client has them, error conversion, interruption. */
#include "conn.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "base/alloc.h"
#include "engine/pipeline.h"

const char *const sl_mdb_ssl_modes[] = {"disabled",  "preferred",       "required",
                                        "verify-ca", "verify-identity", NULL};

/* Read a password from the terminal with echo off. */
static int prompt_password(struct sl_mdb_conns *c)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return sl_pipeline_fail(
		    c->inst->pipe, SL_EUSAGE,
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
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n' || ch == '\r')
			break;
		if (n + 1 < sizeof(buf))
			buf[n++] = ch;
	}
	buf[n] = '\0';
	(void)!write(fd, "\n", 1);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	c->password = sl_strdup(buf);
	memset(buf, 0, sizeof(buf));
	return c->password ? 0 : SL_ENOMEM;
}

int sl_mdb_init(struct sl_mdb_conns *c, struct sl_instance *inst, struct sl_mdb_config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->inst = inst;
	c->cfg = cfg;
	pthread_mutex_init(&c->lock, NULL);
	const char *pw = cfg->password;
	if (pw && strcmp(pw, SL_OPT_NO_VALUE) == 0)
		return prompt_password(c);
	if (!pw)
		pw = getenv("MYSQL_PWD");
	if (pw && !(c->password = sl_strdup(pw)))
		return SL_ENOMEM;
	return 0;
}

void sl_mdb_destroy(struct sl_mdb_conns *c)
{
	if (!c->inst)
		return; /* never initialised */
	if (c->killer_started)
		pthread_join(c->killer, NULL);
	while (c->n)
		sl_mdb_disconnect(c, c->v[c->n - 1]);
	if (c->password) {
		memset(c->password, 0, strlen(c->password));
		sl_free(c->password);
		c->password = NULL;
	}
	pthread_mutex_destroy(&c->lock);
	c->inst = NULL;
}

/* Cut one connection: shutdown() makes a read blocked in libmariadb
 * return at once; a zero linger makes the close that follows a reset. */
static void cut(my_socket fd)
{
	if (fd == (my_socket)-1)
		return;
	struct linger reset = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	shutdown(fd, SHUT_RDWR);
}

/* The server may keep a thread that writes rows to a cut connection
 * blocked for net_write_timeout (an hour, with its snapshot open): KILL
 * them from a connection of our own, right away rather than at the end,
 * which a signal's deadline may never reach. */
static void *killer_main(void *arg)
{
	struct sl_mdb_conns *c = arg;
	sl_mdb_kill(c, c->kill_ids, c->nkill);
	return NULL;
}

/* Remember a connection so interrupt() can reach it. */
static void register_conn(struct sl_mdb_conns *c, MYSQL *conn)
{
	pthread_mutex_lock(&c->lock);
	if (c->n < SL_MDB_MAX_CONNS)
		c->v[c->n++] = conn;
	if (c->interrupted) /* connected while being cancelled */
		cut(mysql_get_socket(conn));
	pthread_mutex_unlock(&c->lock);
}

void sl_mdb_disconnect(struct sl_mdb_conns *c, MYSQL *conn)
{
	if (!conn)
		return;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i] == conn) {
			c->v[i] = c->v[--c->n];
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	mysql_close(conn);
}

void sl_mdb_interrupt(struct sl_mdb_conns *c)
{
	pthread_mutex_lock(&c->lock);
	bool first = !c->interrupted;
	c->interrupted = true;
	for (size_t i = 0; i < c->n; i++) {
		if (first)
			c->kill_ids[c->nkill++] = mysql_thread_id(c->v[i]);
		cut(mysql_get_socket(c->v[i]));
	}
	if (first && c->nkill)
		c->killer_started = pthread_create(&c->killer, NULL, killer_main, c) == 0;
	pthread_mutex_unlock(&c->lock);
}

int sl_mdb_fail(struct sl_mdb_conns *c, MYSQL *conn, const char *what)
{
	return sl_mdb_fail_with(c, what, mysql_errno(conn), mysql_error(conn));
}

int sl_mdb_fail_with(struct sl_mdb_conns *c, const char *what, unsigned err, const char *msg)
{
	struct sl_pipeline *p = c->inst->pipe;
	if (sl_pipeline_cancelled(p))
		return SL_ECANCEL;
	if (!msg || !*msg)
		msg = "unknown error";
	/* libmariadb reports a read that timed out as a lost connection (or,
	 * over TLS, as "timed out"): name the limit that may have ended it. */
	long long limit = c->cfg->read_timeout;
	if (limit > 0 && err == CR_SSL_CONNECTION_ERROR && strstr(msg, "timed out"))
		return sl_pipeline_fail(
		    p, SL_EDB,
		    "%s: no answer from the server within --read-timeout %lld s "
		    "(server error %u: %s)",
		    what, limit, err, msg);
	if (limit > 0 && err == CR_SERVER_LOST)
		return sl_pipeline_fail(p, SL_EDB,
		                        "%s: server error %u: %s (the server went away, or did not "
		                        "answer within --read-timeout %lld s)",
		                        what, err, msg, limit);
	return sl_pipeline_fail(p, SL_EDB, "%s: server error %u: %s", what, err, msg);
}

int sl_mdb_query(struct sl_mdb_conns *c, MYSQL *conn, const char *sql)
{
	if (mysql_real_query(conn, sql, strlen(sql)))
		return sl_mdb_fail(c, conn, sql);
	/* Statements that return rows by surprise must not wedge the connection. */
	MYSQL_RES *res = mysql_store_result(conn);
	if (res)
		mysql_free_result(res);
	else if (mysql_errno(conn))
		return sl_mdb_fail(c, conn, sql);
	return 0;
}

int sl_mdb_query_result(struct sl_mdb_conns *c, MYSQL *conn, const char *sql, MYSQL_RES **out)
{
	*out = NULL;
	if (mysql_real_query(conn, sql, strlen(sql)))
		return sl_mdb_fail(c, conn, sql);
	*out = mysql_store_result(conn);
	if (!*out && mysql_errno(conn))
		return sl_mdb_fail(c, conn, sql);
	return 0;
}

/* Whether libmariadb will connect through the local unix socket, as it
 * decides: no host, or "localhost" (a host from option files is already in
 * cfg); TCP for any other host. */
static bool via_unix_socket(const struct sl_mdb_config *cfg)
{
	return !cfg->host || !strcmp(cfg->host, "localhost");
}

/* TLS by --ssl-mode.  preferred: TLS when the server offers it (libmariadb
 * falls back to plain when it does not), except over the unix socket, which
 * never leaves the machine: there, as with MySQL's clients, preferred means
 * plain (TLS there cost a dump a third of its CPU, and the server as much)
 * unless 'tls' (an account that turned out to require it, see
 * sl_mdb_connect); required: TLS or fail, socket or not; verify-ca /
 * verify-identity: also check the certificate. */
static void set_tls(const struct sl_mdb_config *cfg, MYSQL *mysql, bool tls)
{
	if (cfg->ssl_mode == SL_MDB_SSL_DISABLED)
		return;
	if (cfg->ssl_mode == SL_MDB_SSL_PREFERRED && via_unix_socket(cfg) && !tls)
		return;
	mysql_ssl_set(mysql, cfg->ssl_key, cfg->ssl_cert, cfg->ssl_ca, NULL, NULL);
	if (cfg->ssl_mode >= SL_MDB_SSL_REQUIRED) {
		my_bool on = 1;
		mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &on);
	}
	my_bool verify = cfg->ssl_mode >= SL_MDB_SSL_VERIFY_CA;
	mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
}

/* A handle with every connection option applied, not yet connected. */
static MYSQL *prepare_handle(const struct sl_mdb_config *cfg, const char *charset,
                             unsigned int timeout, bool timed, bool tls)
{
	MYSQL *mysql = mysql_init(NULL);
	if (!mysql)
		return NULL;
	/* Option files: [client] and [sluice] groups, as the mysql client. */
	if (!cfg->no_defaults) {
		mysql_optionsv(mysql, MYSQL_READ_DEFAULT_GROUP, "sluice");
		if (cfg->defaults_file)
			mysql_optionsv(mysql, MYSQL_READ_DEFAULT_FILE, cfg->defaults_file);
	}
	mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	/* A server that stops answering (stopped, unplugged) must not hold the
	 * run forever; libmariadb tries a read up to three times. */
	if (timed && cfg->read_timeout > 0) {
		unsigned int rt = (unsigned int)((cfg->read_timeout + 2) / 3);
		mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &rt);
		mysql_optionsv(mysql, MYSQL_OPT_WRITE_TIMEOUT, &rt);
	}
	if (charset)
		mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, charset);
	if (cfg->compress)
		mysql_optionsv(mysql, MYSQL_OPT_COMPRESS, NULL);
	set_tls(cfg, mysql, tls);
	if (cfg->host && strcmp(cfg->host, "localhost") != 0 && !cfg->socket) {
		enum mysql_protocol_type tcp = MYSQL_PROTOCOL_TCP;
		mysql_optionsv(mysql, MYSQL_OPT_PROTOCOL, &tcp);
	}
	return mysql;
}

/* Did an account need TLS through the socket (set_tls)? */
static bool socket_tls(struct sl_mdb_conns *c)
{
	pthread_mutex_lock(&c->lock);
	bool tls = c->socket_tls;
	pthread_mutex_unlock(&c->lock);
	return tls;
}

int sl_mdb_connect(struct sl_mdb_conns *c, const char *charset, bool timed, MYSQL **out)
{
	const struct sl_mdb_config *cfg = c->cfg;
	*out = NULL;
	bool tls = socket_tls(c), ok;
	MYSQL *mysql;
	for (;;) {
		mysql =
		    prepare_handle(cfg, charset, (unsigned int)cfg->connect_timeout, timed, tls);
		if (!mysql)
			return sl_pipeline_fail(c->inst->pipe, SL_ENOMEM, "out of memory");
		if (c->local_infile) {
			unsigned int on = 1;
			mysql_optionsv(mysql, MYSQL_OPT_LOCAL_INFILE, &on);
		}
		ok = mysql_real_connect(mysql, cfg->host, cfg->user, c->password, NULL,
		                        (unsigned int)cfg->port, cfg->socket,
		                        CLIENT_MULTI_RESULTS) != NULL;
		/* An account that REQUIRE SSL is refused through the socket
		 * without TLS: try once with it, and keep it for the run. */
		if (ok || tls || mysql_errno(mysql) != ER_ACCESS_DENIED_ERROR ||
		    cfg->ssl_mode != SL_MDB_SSL_PREFERRED || !via_unix_socket(cfg))
			break;
		mysql_close(mysql);
		tls = true;
		pthread_mutex_lock(&c->lock);
		c->socket_tls = true;
		pthread_mutex_unlock(&c->lock);
	}
	if (!ok) {
		char where[300];
		bool local = via_unix_socket(cfg);
		const char *env_socket = getenv("MYSQL_UNIX_PORT");
		if (local && cfg->socket)
			snprintf(where, sizeof(where), "socket %s", cfg->socket);
		else if (local)
			snprintf(where, sizeof(where),
			         "socket %s (the default; -h 127.0.0.1 for TCP)",
			         env_socket && *env_socket ? env_socket : MARIADB_UNIX_ADDR);
		else
			snprintf(where, sizeof(where), "%s:%lld", cfg->host,
			         cfg->port ? cfg->port : 3306);
		int rc = sl_pipeline_cancelled(c->inst->pipe)
		             ? SL_ECANCEL
		             : sl_pipeline_fail(c->inst->pipe, SL_EDB,
		                                "cannot connect to %s: server error %u: %s", where,
		                                mysql_errno(mysql), mysql_error(mysql));
		mysql_close(mysql);
		return rc;
	}
	const char *info = mysql_get_server_info(mysql);
	c->is_mariadb = info && strstr(info, "MariaDB");
	c->server_version = mysql_get_server_version(mysql);
	register_conn(c, mysql);
	*out = mysql;
	return 0;
}

void sl_mdb_kill(struct sl_mdb_conns *c, const unsigned long *ids, size_t n)
{
	if (n == 0)
		return;
	MYSQL *k = prepare_handle(c->cfg, NULL, 2, false, socket_tls(c));
	if (!k)
		return;
	unsigned int timeout = 2;
	mysql_optionsv(k, MYSQL_OPT_READ_TIMEOUT, &timeout);
	if (mysql_real_connect(k, c->cfg->host, c->cfg->user, c->password, NULL,
	                       (unsigned int)c->cfg->port, c->cfg->socket, 0)) {
		for (size_t i = 0; i < n; i++) {
			char q[64];
			snprintf(q, sizeof(q), "KILL CONNECTION %lu", ids[i]);
			mysql_query(k, q); /* already gone is fine */
		}
	}
	mysql_close(k);
}
