/* conn.h - connections to MariaDB/MySQL servers, shared by the "mariadb"
 * source and the "loader" sink.
 *
 * Connection options follow the mysql client (-h -P -u -p -S, option files
 * with [client] and [sluice] groups, --defaults-extra-file, MYSQL_PWD, TLS
 * modes, protocol compression); a plugin embeds struct sl_mdb_config in
 * its config and lists SL_MDB_CONN_OPTIONS() in its option table.  struct
 * sl_mdb_conns keeps every open connection so that interrupt() can cut
 * them all (shutdown() makes a blocked read return at once), and reports
 * errors through the pipeline with the server's error number and text.
 * The password is never logged. */
#ifndef SL_MARIADB_CONN_H
#define SL_MARIADB_CONN_H

#include <mysql.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/option.h"
#include "engine/plugin.h"

enum sl_mdb_ssl_mode {
	SL_MDB_SSL_DISABLED,
	SL_MDB_SSL_PREFERRED,
	SL_MDB_SSL_REQUIRED,
	SL_MDB_SSL_VERIFY_CA,
	SL_MDB_SSL_VERIFY_IDENTITY
};

struct sl_mdb_config {
	char *host;
	long long port;
	char *user;
	char *password; /* SL_OPT_NO_VALUE: ask on the terminal */
	char *socket;
	char *defaults_file;
	char *defaults_extra_file;
	bool no_defaults; /* --no-defaults: libmariadb reads no option file either */
	char *ssl_ca, *ssl_cert, *ssl_key;
	int ssl_mode;
	long long connect_timeout;
	long long read_timeout; /* seconds a query may wait for the server; 0: forever */
	bool compress;          /* client/server protocol compression */
};

extern const char *const sl_mdb_ssl_modes[];

/* Option table entries for a config struct 'cfgtype' embedding struct
 * sl_mdb_config as 'member'. */
#define SL_MDB_CONN_OPTIONS(cfgtype, member)                                                       \
	{.name = "host",                                                                           \
	 .flags = SL_OPTF_CONN,                                                                    \
	 .short_name = 'h',                                                                        \
	 .type = SL_OPT_STRING,                                                                    \
	 .offset = offsetof(cfgtype, member.host),                                                 \
	 .arg = "HOST",                                                                            \
	 .help = "server host (default: localhost through the socket)"},                           \
	    {.name = "port",                                                                       \
	     .flags = SL_OPTF_CONN,                                                                \
	     .short_name = 'P',                                                                    \
	     .type = SL_OPT_INT,                                                                   \
	     .offset = offsetof(cfgtype, member.port),                                             \
	     .arg = "PORT",                                                                        \
	     .help = "server TCP port",                                                            \
	     .min = 0,                                                                             \
	     .max = 65535},                                                                        \
	    {.name = "user",                                                                       \
	     .flags = SL_OPTF_CONN,                                                                \
	     .short_name = 'u',                                                                    \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = offsetof(cfgtype, member.user),                                             \
	     .arg = "USER",                                                                        \
	     .help = "user name"},                                                                 \
	    {.name = "password",                                                                   \
	     .short_name = 'p',                                                                    \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = offsetof(cfgtype, member.password),                                         \
	     .arg = "PASSWORD",                                                                    \
	     .flags = SL_OPTF_OPTIONAL_ARG | SL_OPTF_SECRET | SL_OPTF_CONN,                        \
	     .help = "password; -p alone asks on the terminal (also: MYSQL_PWD, option files)"},   \
	    {.name = "socket",                                                                     \
	     .flags = SL_OPTF_CONN,                                                                \
	     .short_name = 'S',                                                                    \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = offsetof(cfgtype, member.socket),                                           \
	     .arg = "PATH",                                                                        \
	     .help = "server Unix socket"},                                                        \
	    {.name = "defaults-file",                                                              \
	     .flags = SL_OPTF_CONN | SL_OPTF_HIDDEN,                                               \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = offsetof(cfgtype, member.defaults_file),                                    \
	     .arg = "FILE",                                                                        \
	     .help = "read connection options from this file only ([client], [sluice])"},          \
	    {.name = "defaults-extra-file",                                                        \
	     .flags = SL_OPTF_CONN | SL_OPTF_HIDDEN,                                               \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = offsetof(cfgtype, member.defaults_extra_file),                              \
	     .arg = "FILE",                                                                        \
	     .help = "read connection options from this file too"},                                \
	    {.name = "no-defaults",                                                                \
	     .flags = SL_OPTF_CONN | SL_OPTF_HIDDEN,                                               \
	     .type = SL_OPT_BOOL,                                                                  \
	     .offset = offsetof(cfgtype, member.no_defaults),                                      \
	     .help = "read no option file"},                                                       \
	    {.name = "ssl-ca",                                                                     \
	     .flags = SL_OPTF_CONN,                                                                \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = offsetof(cfgtype, member.ssl_ca),                                           \
	     .arg = "FILE",                                                                        \
	     .help = "TLS: CA certificate file"},                                                  \
	    {.name = "ssl-cert",                                                                   \
	     .flags = SL_OPTF_CONN,                                                                \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = offsetof(cfgtype, member.ssl_cert),                                         \
	     .arg = "FILE",                                                                        \
	     .help = "TLS: client certificate file"},                                              \
	    {.name = "ssl-key",                                                                    \
	     .flags = SL_OPTF_CONN,                                                                \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = offsetof(cfgtype, member.ssl_key),                                          \
	     .arg = "FILE",                                                                        \
	     .help = "TLS: client key file"},                                                      \
	    {.name = "ssl-mode",                                                                   \
	     .flags = SL_OPTF_CONN,                                                                \
	     .type = SL_OPT_ENUM,                                                                  \
	     .offset = offsetof(cfgtype, member.ssl_mode),                                         \
	     .def = "preferred",                                                                   \
	     .choices = sl_mdb_ssl_modes,                                                          \
	     .arg = "MODE",                                                                        \
	     .help = "TLS use and verification (preferred: not over the unix socket)"},            \
	    {.name = "compress-protocol",                                                          \
	     .flags = SL_OPTF_CONN,                                                                \
	     .type = SL_OPT_BOOL,                                                                  \
	     .offset = offsetof(cfgtype, member.compress),                                         \
	     .help = "compress the client/server protocol (less network, more CPU on both ends)"}, \
	    {.name = "connect-timeout",                                                            \
	     .flags = SL_OPTF_CONN,                                                                \
	     .type = SL_OPT_INT,                                                                   \
	     .offset = offsetof(cfgtype, member.connect_timeout),                                  \
	     .def = "10",                                                                          \
	     .arg = "SECONDS",                                                                     \
	     .help = "give up connecting after this long",                                         \
	     .min = 1,                                                                             \
	     .max = 3600},                                                                         \
	{                                                                                          \
		.name = "read-timeout", .flags = SL_OPTF_CONN, .type = SL_OPT_INT,                 \
		.offset = offsetof(cfgtype, member.read_timeout), .def = "3600", .arg = "SECONDS", \
		.help = "fail when the server sends nothing for this long (a stopped or "          \
		        "unreachable server; 0: wait forever)",                                    \
		.min = 0, .max = 31536000                                                          \
	}

#define SL_MDB_MAX_CONNS 260

struct sl_mdb_conns {
	struct sl_instance *inst;
	struct sl_mdb_config *cfg; /* borrowed from the plugin's config */
	char *password;            /* resolved: option, prompt, MYSQL_PWD, or NULL */
	bool local_infile;         /* allow LOAD DATA LOCAL (the loader, whose own hooks
	                              answer it; set before connecting) */
	bool is_mariadb;           /* of the last connection made */
	unsigned long server_version;

	pthread_mutex_t lock; /* guards the list, 'interrupted' and 'socket_tls' */
	size_t n;
	MYSQL *v[SL_MDB_MAX_CONNS];
	bool interrupted;
	bool socket_tls; /* the account needs TLS through the socket too (conn.c) */

	/* At the interrupt: the server's ids of the connections then open,
	 * killed by a thread of their own (joined by destroy). */
	unsigned long kill_ids[SL_MDB_MAX_CONNS];
	size_t nkill;
	pthread_t killer;
	bool killer_started;
};

/* Read --defaults-extra-file, resolve the password (asking on the terminal
 * for -p alone).  Fails through the pipeline (SL_EUSAGE, SL_ENOMEM). */
int sl_mdb_init(struct sl_mdb_conns *c, struct sl_instance *inst, struct sl_mdb_config *cfg);

/* Close what is still open and wipe the password.  Safe after a failed
 * init. */
void sl_mdb_destroy(struct sl_mdb_conns *c);

/* Open a connection with client charset 'charset' ("binary", "utf8mb4").
 * Fails through the pipeline with "cannot connect to HOST:PORT: server
 * error N: text"; SL_ECANCEL when the run was cancelled. */
int sl_mdb_connect(struct sl_mdb_conns *c, const char *charset, bool timed, MYSQL **out);

/* Forget and close one connection.  NULL is fine. */
void sl_mdb_disconnect(struct sl_mdb_conns *c, MYSQL *conn);

/* Cut every connection (cancellation).  Any thread. */
void sl_mdb_interrupt(struct sl_mdb_conns *c);

/* Fail the pipeline with the connection's error ("WHAT: server error N:
 * text"); returns SL_EDB, or SL_ECANCEL when the run is already cancelled. */
int sl_mdb_fail(struct sl_mdb_conns *c, MYSQL *conn, const char *what);
/* The same for an error number and text read elsewhere (CR_SERVER_LOST
 * for a connection that closed or timed out). */
int sl_mdb_fail_with(struct sl_mdb_conns *c, const char *what, unsigned err, const char *msg);

/* Run a statement, discarding any result. */
int sl_mdb_query(struct sl_mdb_conns *c, MYSQL *conn, const char *sql);

/* Run a query and store its (small) result; caller frees *out. */
int sl_mdb_query_result(struct sl_mdb_conns *c, MYSQL *conn, const char *sql, MYSQL_RES **out);

/* After a cancel: KILL these server connections from a fresh connection,
 * so their queries leave SHOW PROCESSLIST now. Best effort, bounded time. */
void sl_mdb_kill(struct sl_mdb_conns *c, const unsigned long *ids, size_t n);

#endif
