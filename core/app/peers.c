/* peers.c - the peer tools' options and what sluice makes of them (peers.h).
 *
 * Sources: `mariadb-dump --help` (MariaDB 10.11), `mydumper --help` and
 * `myloader --help` (0.10, Debian's; later versions' options where users
 * have them in scripts), and MySQL Shell's util.dumpSchemas/dumpInstance/
 * loadDump options in the command-line spelling mysqlsh accepts
 * (`mysqlsh -- util dump-schemas shop --bytes-per-chunk=64M`). */
#include "app/peers.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"

/* --- entries that decide with code --------------------------------------- */

static int note_same(struct peer_ctx *ctx, const char *text)
{
	char line[512];
	snprintf(line, sizeof(line), "%s: %s", ctx->spelling, text);
	ctx->note(ctx, line);
	return 0;
}

/* --compress: a method (mydumper 0.13+, mysqlsh's --compression) is the
 * files' compression; alone it is mydumper's file compression when the dump
 * goes to a directory, else mysqldump's protocol compression. */
static int apply_compress(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	if (value)
		return ctx->set(ctx, "compress", value, err);
	if (ctx->given(ctx, "outputdir"))
		return ctx->set(ctx, "compress", "gzip", err);
	return ctx->set(ctx, "compress-protocol", NULL, err);
}

/* -c: mydumper's --compress with a directory, else mysqldump's
 * --complete-insert (INSERTs always name their columns). */
static int apply_letter_c(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	(void)value;
	if (ctx->given(ctx, "outputdir"))
		return ctx->set(ctx, "compress", "gzip", err);
	return note_same(ctx, "INSERT statements always name their columns");
}

static int apply_charset(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	static const char *const fine[] = {"utf8mb4", "utf8", "utf8mb3", "binary", NULL};
	for (size_t i = 0; fine[i]; i++)
		if (!strcasecmp(value, fine[i]))
			return note_same(ctx, "rows are read as the bytes stored, DDL in utf8mb4");
	return sl_error_set(err, SL_EUSAGE,
	                    "%s=%s: sluice reads every column's bytes as stored (binary) and "
	                    "writes DDL in utf8mb4, so no character set is converted; leave it out",
	                    ctx->spelling, value);
}

/* --ignore-database / --exclude-schemas: one more --exclude alternative. */
static int apply_ignore_database(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	/* Every name of a comma-separated list (mysqlsh), each quoted. */
	char re[2048] = "";
	size_t n = 0;
	const char *p = value;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		bool quote_end = false;
		for (size_t i = 0; i + 1 < len; i++)
			quote_end |= p[i] == '\\' && p[i + 1] == 'E';
		if (len == 0 || quote_end)
			return sl_error_set(err, SL_EUSAGE, "%s: bad database name in '%s'",
			                    ctx->spelling, value);
		int w =
		    snprintf(re + n, sizeof(re) - n, "%s^\\Q%.*s\\E\\.", n ? "|" : "", (int)len, p);
		if (w < 0 || (size_t)w >= sizeof(re) - n)
			return sl_error_set(err, SL_EUSAGE, "%s: list too long", ctx->spelling);
		n += (size_t)w;
		p = comma ? comma + 1 : p + len;
	}
	return ctx->set(ctx, "exclude-add", re, err);
}

/* mariadb-dump --system=users (accounts, roles, grants). */
static int apply_system(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	if (!strcasecmp(value, "users"))
		return ctx->set(ctx, "users", NULL, err);
	return sl_error_set(err, SL_EUSAGE,
	                    "%s=%s: sluice dumps accounts, roles and grants with --users; other "
	                    "system tables are not dumped as portable SQL",
	                    ctx->spelling, value);
}

/* mydumper -O FILE: a db.table per line to leave out. */
static int apply_omit_from_file(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	enum { MAX_FILE = 1 << 20 };
	int fd = open(value, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sl_error_set(err, SL_EUSAGE, "%s: cannot read %s: %s", ctx->spelling, value,
		                    strerror(errno));
	char *text = sl_malloc(MAX_FILE + 1);
	size_t len = 0;
	ssize_t got = 0;
	while (text && len <= MAX_FILE && (got = read(fd, text + len, MAX_FILE + 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	if (!text)
		return SL_ENOMEM;
	int rc = 0;
	if (got < 0 || len > MAX_FILE)
		rc = sl_error_set(err, SL_EUSAGE, "%s: %s is unreadable or larger than 1 MiB",
		                  ctx->spelling, value);
	text[len] = '\0';
	for (char *line = text, *next; !rc && line; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		while (*line && isspace((unsigned char)*line))
			line++;
		size_t n = strlen(line);
		while (n && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		if (n && *line != '#')
			rc = ctx->set(ctx, "ignore-table", line, err);
	}
	sl_free(text);
	return rc;
}

/* mydumper -F N: data files of about N MB.  A data file is one block of
 * rows, held by its thread while it is filled: past 64 MiB, more files. */
static int apply_chunk_filesize(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(value, &end, 10);
	unsigned long long mib = 1024ULL * 1024;
	if (errno || end == value || *value == '-')
		return sl_error_set(err, SL_EUSAGE, "%s: '%s' is not a size", ctx->spelling, value);
	unsigned long long bytes = !*end                                              ? n * mib
	                           : (toupper((unsigned char)*end) == 'K' && !end[1]) ? n * 1024
	                           : (toupper((unsigned char)*end) == 'M' && !end[1]) ? n * mib
	                           : (toupper((unsigned char)*end) == 'G' && !end[1])
	                               ? n * mib * 1024
	                               : 0;
	if (!bytes || n > (1ULL << 40))
		return sl_error_set(err, SL_EUSAGE, "%s: '%s' is not a size (MB, or 64M, 1G)",
		                    ctx->spelling, value);
	if (bytes < 4096)
		bytes = 4096;
	if (bytes > 64 * mib) {
		bytes = 64 * mib;
		note_same(ctx, "data files of at most 64M: each is a block of rows in memory");
	}
	char size[32];
	snprintf(size, sizeof(size), "%llu", bytes);
	return ctx->set(ctx, "batch-size", size, err);
}

/* mydumper/myloader -v N: 0 silent, 1 errors, 2 warnings (the default),
 * 3 info. */
static int apply_verbosity(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	if (!value || !value[0] || value[1] || value[0] < '0' || value[0] > '3')
		return sl_error_set(err, SL_EUSAGE,
		                    "%s: a verbosity is 0 to 3 (mydumper's scale); sluice's -v "
		                    "and -vv say more, -q less",
		                    ctx->spelling);
	switch (value[0]) {
	case '0':
	case '1':
		return ctx->set(ctx, "quiet", NULL, err);
	case '3':
		return ctx->set(ctx, "verbose", NULL, err);
	default:
		return 0;
	}
}

/* myloader --purge-mode. */
static int apply_purge_mode(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	if (!strcasecmp(value, "truncate"))
		return ctx->set(ctx, "overwrite", "truncate", err);
	if (!strcasecmp(value, "drop"))
		return ctx->set(ctx, "overwrite", "drop", err);
	if (!strcasecmp(value, "none"))
		return ctx->set(ctx, "overwrite", "append", err);
	return sl_error_set(err, SL_EUSAGE,
	                    "%s=%s: sluice's --overwrite is drop, truncate or append (NONE)",
	                    ctx->spelling, value);
}

/* mysqlsh --compatibility=strip_definers[,...]: the one of its
 * compatibility fixes sluice has. */
static int apply_compatibility(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	const char *p = value;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 14 && !strncasecmp(p, "strip_definers", n)) {
			int rc = ctx->set(ctx, "skip-definer", NULL, err);
			if (rc)
				return rc;
		} else {
			return sl_error_set(err, SL_EUSAGE,
			                    "%s: '%.*s' is not supported; strip_definers is "
			                    "--skip-definer",
			                    ctx->spelling, (int)n, p);
		}
		p = comma ? comma + 1 : p + n;
	}
	return 0;
}

/* mysqlsh --defer-table-indexes=off|fulltext|all. */
static int apply_defer_indexes(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	if (!strcasecmp(value, "off"))
		return ctx->set(ctx, "keep-indexes", NULL, err);
	if (!strcasecmp(value, "all") || !strcasecmp(value, "fulltext"))
		return note_same(ctx, "secondary indexes are added after the data");
	return sl_error_set(err, SL_EUSAGE, "%s=%s: off, fulltext or all", ctx->spelling, value);
}

/* mysqlsh --chunking=false: one range per table. */
static int apply_chunking(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	if (value &&
	    (!strcasecmp(value, "false") || !strcmp(value, "0") || !strcasecmp(value, "off")))
		return ctx->set(ctx, "rows", "0", err);
	return note_same(ctx, "tables are split in ranges of --rows rows");
}

/* --protocol=tcp|socket (the mariadb client's). */
static int apply_protocol(struct peer_ctx *ctx, const char *value, struct sl_error *err)
{
	if (!strcasecmp(value, "tcp")) {
		if (ctx->given(ctx, "host") || ctx->given(ctx, "socket"))
			return note_same(ctx, "-h HOST connects over TCP");
		return ctx->set(ctx, "host", "127.0.0.1", err);
	}
	if (!strcasecmp(value, "socket"))
		return note_same(ctx, "without -h, or with -h localhost, the socket is used");
	return sl_error_set(err, SL_EUSAGE, "%s=%s: tcp or socket", ctx->spelling, value);
}

/* myloader -q N / --queries-per-transaction. */
static int apply_queries_per_transaction(struct peer_ctx *ctx, const char *value,
                                         struct sl_error *err)
{
	char *end;
	errno = 0;
	long long n = strtoll(value ? value : "", &end, 10);
	if (errno || !value || end == value || *end || n < 0)
		return sl_error_set(err, SL_EUSAGE, "%s: '%s' is not a number", ctx->spelling,
		                    value ? value : "");
	return note_same(ctx, "each data file is loaded in one transaction "
	                      "(--transaction-size groups several)");
}

/* --- the table ----------------------------------------------------------- */

#define D                PEER_DUMP
#define L                PEER_LOAD
#define SAME(what)       .action = PEER_SAME, .text = what
#define REFUSE(what)     .action = PEER_REFUSE, .text = what
#define MAP(opt, val)    .action = PEER_MAP, .target = opt, .value = val
#define CUSTOM(fn, what) .action = PEER_CUSTOM, .apply = fn, .text = what

static const char no_drop[] =
    "the stream never drops what exists; `sluice load --overwrite=drop` replaces tables";
static const char snapshot[] = "sluice always reads in one consistent snapshot";
static const char stderr_log[] = "sluice logs to standard error: add 2>>FILE";
static const char binlog_pos[] =
    "the binary log position of the snapshot is in the metadata file of `-o DIR` and in "
    "the stream's trailer";
static const char no_schedule[] = "run sluice from cron or a systemd timer";
static const char tls_ca[] = "give --ssl-ca=FILE (and --ssl-mode)";

const struct peer_option peer_options[] = {
    /* mysqldump / mariadb-dump */
    {"all-databases", 'A', D, "mysqldump", PEER_FLAG,
     SAME("every database but the system schemas is sluice's default; --users dumps "
          "accounts")},
    {"add-drop-database", 0, D, "mysqldump", PEER_FLAG, REFUSE(no_drop)},
    {"add-drop-table", 0, D, "mysqldump", PEER_FLAG, REFUSE(no_drop)},
    {"add-drop-trigger", 0, D, "mysqldump", PEER_FLAG, REFUSE(no_drop)},
    {"skip-add-drop-table", 0, D, "mysqldump", PEER_FLAG, SAME("the stream never drops tables")},
    {"add-locks", 0, D, "mysqldump", PEER_FLAG,
     SAME("no LOCK TABLES: each data file loads in its own transaction")},
    {"skip-add-locks", 0, D, "mysqldump", PEER_FLAG, SAME("no LOCK TABLES in the stream")},
    {"allow-keywords", 0, D, "mysqldump", PEER_FLAG, SAME("names are always quoted")},
    {"apply-slave-statements", 0, D, "mysqldump", PEER_FLAG, REFUSE(binlog_pos)},
    {"as-of", 0, D, "mariadb-dump", PEER_VALUE,
     REFUSE("system-versioned history is not dumped; a where(t) hook can select rows")},
    {"character-sets-dir", 0, D | L, "mysqldump", PEER_VALUE,
     REFUSE("libmariadb's character sets are used")},
    {"column-statistics", 0, D, "mysqldump 8", PEER_FLAG, SAME("no column statistics are dumped")},
    {"skip-column-statistics", 0, D, "mysqldump 8", PEER_FLAG,
     SAME("no column statistics are dumped")},
    {"", 'i', D, "mysqldump -i, mydumper -i", PEER_FLAG,
     REFUSE("-i is mysqldump's --comments and mydumper's --ignore-engines: write the long "
            "option")},
    {"comments", 'i', D, "mysqldump", PEER_FLAG, SAME("the stream's comments are its frames"),
     .hint_only = true},
    {"skip-comments", 0, D, "mysqldump", PEER_FLAG,
     SAME("the stream's only comments are its frames, which it needs")},
    {"compact", 0, D, "mysqldump", PEER_FLAG,
     SAME("the stream's only comments are its frames, which it needs")},
    {"compatible", 0, D, "mysqldump", PEER_VALUE,
     REFUSE("the DDL is the server's own (SHOW CREATE)")},
    {"complete-insert", 0, D, "mysqldump, mydumper", PEER_FLAG,
     SAME("INSERT statements always name their columns")},
    {"", 'c', D, "mysqldump -c, mydumper -c", PEER_FLAG,
     CUSTOM(apply_letter_c, "with -o: --compress=gzip (mydumper); else "
                            "--complete-insert, which sluice always does (mysqldump)")},
    {"", 'C', D | L, "mysqldump -C, mydumper -C", PEER_FLAG, MAP("compress-protocol", NULL),
     .text = "`--compress-protocol`"},
    {"compress", 0, D | L, "mysqldump, mydumper 0.13", PEER_OPTIONAL,
     CUSTOM(apply_compress, "with a method: --compress=METHOD; alone: with -o "
                            "--compress=gzip (mydumper), else --compress-protocol (mysqldump)")},
    {"create-options", 'a', D, "mysqldump", PEER_FLAG,
     SAME("CREATE TABLE is the server's SHOW CREATE TABLE, with every option"), .hint_only = true},
    {"debug", '#', D | L, "mysqldump", PEER_OPTIONAL, REFUSE("use -vv")},
    {"debug-check", 0, D | L, "mysqldump", PEER_FLAG, REFUSE("use -vv")},
    {"debug-info", 0, D | L, "mysqldump", PEER_FLAG, REFUSE("use -vv")},
    {"default-auth", 0, D | L, "mysqldump", PEER_VALUE,
     REFUSE("the server's default authentication is used")},
    {"default-character-set", 0, D | L, "mysqldump, mysqlsh", PEER_VALUE,
     CUSTOM(apply_charset, "utf8mb4, utf8, binary: accepted (sluice moves bytes as stored); "
                           "others refused")},
    {"delayed-insert", 0, D, "mysqldump", PEER_FLAG, REFUSE("INSERT DELAYED is not written")},
    {"delete-master-logs", 0, D, "mysqldump", PEER_FLAG,
     REFUSE("sluice does not touch the server's logs")},
    {"disable-keys", 'K', D, "mysqldump", PEER_FLAG,
     SAME("sluice load adds secondary indexes after the data"), .hint_only = true},
    {"skip-disable-keys", 0, D, "mysqldump", PEER_FLAG,
     SAME("sluice load adds secondary indexes after the data (--keep-indexes: with the "
          "table)")},
    {"", 'K', D, "mysqldump -K, mydumper -K", PEER_FLAG,
     REFUSE("-K is mysqldump's --disable-keys (what sluice load does) and mydumper's "
            "--kill-long-queries: write the long option")},
    {"dump-date", 0, D, "mysqldump", PEER_FLAG, SAME("the trailer holds the dump's time")},
    {"skip-dump-date", 0, D, "mysqldump", PEER_FLAG, SAME("dates are in the trailer only")},
    {"dump-history", 'H', D, "mariadb-dump", PEER_FLAG,
     REFUSE("system-versioned history is not dumped")},
    {"dump-slave", 0, D, "mysqldump", PEER_OPTIONAL, REFUSE(binlog_pos)},
    {"extended-insert", 'e', D, "mysqldump, mydumper -e", PEER_FLAG,
     SAME("INSERT statements hold many rows; a table without rows still has its schema "
          "file")},
    {"skip-extended-insert", 0, D, "mysqldump", PEER_FLAG,
     REFUSE("INSERT statements hold many rows; --statement-size sets how many bytes")},
    {"fields-terminated-by", 0, D, "mysqldump", PEER_VALUE,
     REFUSE("--format csv or tsv with -o DIR writes delimited files")},
    {"fields-enclosed-by", 0, D, "mysqldump", PEER_VALUE,
     REFUSE("--format csv or tsv with -o DIR writes delimited files")},
    {"fields-optionally-enclosed-by", 0, D, "mysqldump", PEER_VALUE,
     REFUSE("--format csv or tsv with -o DIR writes delimited files")},
    {"fields-escaped-by", 0, D, "mysqldump", PEER_VALUE,
     REFUSE("--format csv or tsv with -o DIR writes delimited files")},
    {"lines-terminated-by", 0, D, "mysqldump", PEER_VALUE,
     REFUSE("--format csv or tsv with -o DIR writes delimited files")},
    {"flush-logs", 'F', D, "mysqldump", PEER_FLAG,
     REFUSE("sluice does not touch the server's logs"), .hint_only = true},
    {"flush-privileges", 0, D, "mysqldump", PEER_FLAG,
     SAME("--users writes CREATE USER and GRANT, which need no FLUSH PRIVILEGES")},
    {"force", 'f', D | L, "mysqldump", PEER_FLAG,
     REFUSE("sluice stops at the first error, so that nothing incomplete looks complete")},
    {"galera-info", 0, D, "mariadb-dump", PEER_FLAG, REFUSE(binlog_pos)},
    {"gtid", 0, D, "mariadb-dump", PEER_FLAG, REFUSE(binlog_pos)},
    {"header", 0, D, "mysqldump", PEER_FLAG,
     REFUSE("--format csv with -o DIR writes a header line")},
    {"hex-blob", 0, D, "mysqldump", PEER_FLAG, SAME("binary values are written in hex")},
    {"ignore-database", 0, D, "mariadb-dump", PEER_VALUE,
     CUSTOM(apply_ignore_database, "--exclude='^DB\\.'")},
    {"ignore-table-data", 0, D, "mariadb-dump", PEER_VALUE,
     REFUSE("a where(t) hook returning \"FALSE\" for the table keeps its schema only "
            "(scripts/README.md)")},
    {"include-master-host-port", 0, D, "mysqldump", PEER_FLAG, REFUSE(binlog_pos)},
    {"insert-ignore", 'N', D, "mysqldump, mydumper", PEER_FLAG, .hint_only = true,
     REFUSE("INSERT IGNORE is not written; `sluice load --overwrite=append` loads into "
            "existing tables")},
    {"", 'N', D, "mysqldump -N, mydumper -N", PEER_FLAG,
     REFUSE("-N is mysqldump's --no-set-names and mydumper's --insert-ignore: write the long "
            "option")},
    {"lock-all-tables", 'x', D, "mysqldump, mydumper", PEER_FLAG, MAP("lock-mode", "ftwrl"),
     .hint_only = true},
    {"lock-tables", 'l', D, "mysqldump", PEER_FLAG, SAME(snapshot)},
    {"skip-lock-tables", 0, D, "mysqldump", PEER_FLAG, SAME(snapshot)},
    {"log-error", 0, D | L, "mysqldump", PEER_VALUE, REFUSE(stderr_log)},
    {"log-queries", 0, D, "mariadb-dump", PEER_FLAG, SAME("the load runs as any client")},
    {"master-data", 0, D, "mysqldump", PEER_OPTIONAL, REFUSE(binlog_pos)},
    {"max-allowed-packet", 0, D | L, "mysqldump", PEER_VALUE,
     SAME("statements are cut at --statement-size, far below any max_allowed_packet")},
    {"max-statement-time", 0, D, "mariadb-dump", PEER_VALUE,
     REFUSE("sluice's queries are never cut by a statement time limit")},
    {"net-buffer-length", 0, D, "mysqldump", PEER_VALUE, MAP("statement-size", NULL)},
    {"no-autocommit", 0, D, "mysqldump", PEER_FLAG,
     SAME("each data file loads in one transaction")},
    {"no-create-db", 'n', D, "mysqldump", PEER_FLAG,
     REFUSE("a database's schema file is CREATE DATABASE IF NOT EXISTS; `sluice load -B NEW` "
            "loads into another database")},
    {"no-create-info", 't', D, "mysqldump", PEER_FLAG, MAP("no-schema", NULL), .hint_only = true},
    {"no-data-med", 0, D, "mariadb-dump", PEER_FLAG, SAME("tables of every engine are dumped")},
    {"no-set-names", 'N', D, "mysqldump", PEER_FLAG, .hint_only = true,
     REFUSE("every file sets its character set; it cannot be left out")},
    {"no-tablespaces", 'y', D, "mysqldump", PEER_FLAG, SAME("tablespaces are not dumped")},
    {"all-tablespaces", 'Y', D, "mysqldump", PEER_FLAG, REFUSE("tablespaces are not dumped")},
    {"opt", 0, D, "mysqldump", PEER_FLAG,
     SAME("sluice's output is what --opt gives: quick, extended INSERTs, charset set")},
    {"skip-opt", 0, D, "mysqldump", PEER_FLAG,
     REFUSE("sluice's output is always streamed extended INSERTs in one snapshot")},
    {"order-by-primary", 0, D, "mysqldump", PEER_FLAG,
     SAME("tables with a primary key are read along it, in ranges")},
    {"order-by-size", 0, D, "mariadb-dump", PEER_FLAG,
     SAME("big tables are split in ranges read in parallel")},
    {"plugin-dir", 0, D | L, "mysqldump", PEER_VALUE,
     REFUSE("libmariadb's plugin directory is used")},
    {"protocol", 0, D | L, "mysqldump", PEER_VALUE,
     CUSTOM(apply_protocol, "tcp: -h 127.0.0.1 unless -h is given; socket: the default")},
    {"quick", 'q', D, "mysqldump", PEER_FLAG, SAME("rows are streamed, never held whole"),
     .hint_only = true},
    {"quote-names", 'Q', D, "mysqldump", PEER_FLAG, SAME("names are always quoted")},
    {"skip-quote-names", 0, D, "mysqldump", PEER_FLAG, REFUSE("names are always quoted")},
    {"replace", 0, D, "mysqldump", PEER_FLAG,
     REFUSE("REPLACE is not written; `sluice load --overwrite=truncate` replaces the rows")},
    {"result-file", 'r', D, "mysqldump", PEER_VALUE, MAP("result-file", NULL), .hint_only = true},
    {"set-charset", 0, D, "mysqldump", PEER_FLAG, SAME("every file sets its character set")},
    {"skip-set-charset", 0, D, "mysqldump", PEER_FLAG,
     REFUSE("every file sets its character set; it cannot be left out")},
    {"set-gtid-purged", 0, D, "mysqldump 8", PEER_VALUE, SAME("no GTID statements are written")},
    {"single-transaction", 0, D, "mysqldump", PEER_FLAG, SAME(snapshot)},
    {"ssl", 0, D | L, "mysqldump, mydumper", PEER_FLAG, MAP("ssl-mode", "required")},
    {"skip-ssl", 0, D | L, "mysqldump", PEER_FLAG, MAP("ssl-mode", "disabled")},
    {"ssl-verify-server-cert", 0, D | L, "mysqldump", PEER_FLAG,
     MAP("ssl-mode", "verify-identity")},
    {"ssl-capath", 0, D | L, "mysqldump", PEER_VALUE, REFUSE(tls_ca)},
    {"ssl-cipher", 0, D | L, "mysqldump", PEER_VALUE, REFUSE("the TLS library's ciphers are used")},
    {"ssl-crl", 0, D | L, "mysqldump", PEER_VALUE, REFUSE(tls_ca)},
    {"ssl-crlpath", 0, D | L, "mysqldump", PEER_VALUE, REFUSE(tls_ca)},
    {"tls-version", 0, D | L, "mysqldump", PEER_VALUE,
     REFUSE("the TLS library's versions are used")},
    {"system", 0, D, "mariadb-dump", PEER_VALUE,
     CUSTOM(apply_system, "users: --users; others refused")},
    {"tab", 'T', D, "mysqldump", PEER_VALUE,
     REFUSE("`-o DIR --format tsv` writes a directory of tab-separated files"), .hint_only = true},
    {"triggers", 'G', D, "mysqldump, mydumper", PEER_FLAG,
     SAME("triggers are dumped (--skip-triggers leaves them out)")},
    {"tz-utc", 0, D, "mysqldump, mydumper", PEER_FLAG,
     SAME("TIMESTAMP values are always dumped in UTC")},
    {"skip-tz-utc", 0, D, "mysqldump, mydumper", PEER_FLAG,
     REFUSE("TIMESTAMP values are always dumped in UTC, so they load unchanged anywhere")},
    {"where", 'w', D, "mysqldump", PEER_VALUE, MAP("where", NULL)},
    {"xml", 'X', D, "mysqldump", PEER_FLAG, REFUSE("--format jsonl writes JSON lines")},

    /* mydumper */
    {"database", 0, D, "mydumper", PEER_VALUE, MAP("databases", NULL)},
    {"tables-list", 0, D, "mydumper", PEER_VALUE, MAP("tables", NULL)},
    {"omit-from-file", 'O', D, "mydumper", PEER_VALUE,
     CUSTOM(apply_omit_from_file, "--ignore-table for each db.table line of the file")},
    {"statement-size", 's', D, "mydumper", PEER_VALUE, MAP("statement-size", NULL)},
    {"chunk-filesize", 'F', D, "mydumper", PEER_VALUE,
     CUSTOM(apply_chunk_filesize, "`--batch-size`, a number alone in MiB, at most 64M")},
    {"build-empty-files", 0, D, "mydumper", PEER_FLAG,
     SAME("a table without rows has its schema file, which creates it")},
    {"ignore-engines", 'i', D, "mydumper", PEER_VALUE, .hint_only = true,
     REFUSE("a tables(t) hook can leave tables out by t.engine (scripts/README.md)")},
    {"no-schemas", 'm', D, "mydumper", PEER_FLAG, MAP("no-schema", NULL)},
    {"table-checksums", 'M', D, "mydumper", PEER_FLAG,
     SAME("the manifest holds an XXH64 checksum of every file; sluice verify checks them")},
    {"no-views", 'W', D, "mydumper", PEER_FLAG,
     REFUSE("a tables(t) hook can leave views out: return t.kind ~= \"view\"")},
    {"no-locks", 'k', D, "mydumper", PEER_FLAG, MAP("lock-mode", "none")},
    {"no-backup-locks", 0, D, "mydumper", PEER_FLAG, MAP("lock-mode", "ftwrl")},
    {"less-locking", 0, D, "mydumper", PEER_FLAG,
     SAME("the global lock is held only while the threads open their snapshots")},
    {"trx-consistency-only", 0, D, "mydumper", PEER_FLAG,
     SAME("the global lock is held only while the threads open their snapshots")},
    {"use-savepoints", 0, D, "mydumper", PEER_FLAG,
     SAME("the global lock is held only while the threads open their snapshots")},
    {"daemon", 'D', D, "mydumper", PEER_FLAG, REFUSE(no_schedule)},
    {"snapshot-interval", 'I', D, "mydumper", PEER_VALUE, REFUSE(no_schedule)},
    {"logfile", 'L', D | L, "mydumper, myloader", PEER_VALUE, REFUSE(stderr_log)},
    {"success-on-1146", 0, D, "mydumper", PEER_FLAG,
     REFUSE("a table dropped during the dump fails it, so that nothing is missing unseen")},
    {"updated-since", 'U', D, "mydumper", PEER_VALUE,
     REFUSE("a tables(t) hook can choose tables (scripts/README.md)")},
    {"tidb-snapshot", 'z', D, "mydumper", PEER_VALUE, REFUSE("TiDB is not supported")},
    {"ask-password", 'a', D | L, "mydumper, myloader", PEER_FLAG, MAP("password", NULL),
     .hint_only = true},
    {"key", 0, D | L, "mydumper, myloader", PEER_VALUE, MAP("ssl-key", NULL)},
    {"cert", 0, D | L, "mydumper, myloader", PEER_VALUE, MAP("ssl-cert", NULL)},
    {"ca", 0, D | L, "mydumper, myloader", PEER_VALUE, MAP("ssl-ca", NULL)},
    {"capath", 0, D | L, "mydumper, myloader", PEER_VALUE, REFUSE(tls_ca)},
    {"cipher", 0, D | L, "mydumper, myloader", PEER_VALUE,
     REFUSE("the TLS library's ciphers are used")},

    /* myloader */
    {"queries-per-transaction", 'q', L, "myloader", PEER_VALUE,
     CUSTOM(apply_queries_per_transaction,
            "accepted: each data file loads in one transaction (--transaction-size)"),
     .hint_only = true},
    {"source-db", 's', L, "myloader", PEER_VALUE,
     REFUSE("a tables(t) hook chooses what to load: return t.schema == \"DB\"")},
    {"overwrite-tables", 'o', L, "myloader", PEER_FLAG, MAP("overwrite", "drop")},
    {"enable-binlog", 'e', L, "myloader", PEER_FLAG,
     SAME("the load is written to the binary log unless --skip-binlog")},
    {"purge-mode", 0, L, "myloader", PEER_VALUE,
     CUSTOM(apply_purge_mode, "TRUNCATE, DROP, NONE: --overwrite=truncate, drop, append")},
    {"innodb-optimize-keys", 0, L, "myloader", PEER_OPTIONAL,
     SAME("secondary indexes are added after the data")},
    {"serialized-table-creation", 0, L, "myloader", PEER_FLAG,
     SAME("tables are created as their files arrive")},
    {"max-threads-per-table", 0, L, "myloader", PEER_VALUE,
     SAME("the threads take data files as they come")},
    {"skip-post", 0, L, "myloader", PEER_FLAG,
     REFUSE("a tables(t) hook can leave objects out (scripts/README.md)")},
    {"disable-redo-log", 0, L, "myloader", PEER_FLAG,
     REFUSE("the redo log is the server's business: ALTER INSTANCE DISABLE INNODB REDO_LOG")},
    {"stream", 0, L, "myloader", PEER_OPTIONAL, SAME("streams are recognised on standard input")},
    {"stream", 0, D, "mydumper 0.11", PEER_OPTIONAL, MAP("stream-format", "mydumper")},
    {"rows", 'r', L, "myloader", PEER_VALUE, SAME("data files are loaded as they are")},
    {"set-names", 0, D | L, "mydumper, myloader", PEER_VALUE,
     SAME("every file sets its character set")},

    /* MySQL Shell (util.dumpSchemas, dumpInstance, loadDump) */
    {"bytes-per-chunk", 0, D, "mysqlsh", PEER_VALUE, MAP("batch-size", NULL)},
    {"chunking", 0, D, "mysqlsh", PEER_OPTIONAL,
     CUSTOM(apply_chunking, "false: --rows=0; true: sluice's default")},
    {"compression", 0, D, "mysqlsh", PEER_VALUE, MAP("compress", NULL)},
    {"consistent", 0, D, "mysqlsh", PEER_OPTIONAL, SAME(snapshot)},
    {"compatibility", 0, D, "mysqlsh", PEER_VALUE,
     CUSTOM(apply_compatibility, "strip_definers: `--skip-definer`; others refused")},
    {"ddl-only", 0, D, "mysqlsh", PEER_FLAG, MAP("no-data", NULL)},
    {"data-only", 0, D, "mysqlsh", PEER_FLAG, MAP("no-schema", NULL)},
    {"include-schemas", 0, D, "mysqlsh", PEER_VALUE, MAP("databases", NULL)},
    {"exclude-schemas", 0, D, "mysqlsh", PEER_VALUE,
     CUSTOM(apply_ignore_database, "--exclude='^DB\\.'")},
    {"include-tables", 0, D, "mysqlsh", PEER_VALUE, MAP("tables", NULL)},
    {"exclude-tables", 0, D, "mysqlsh", PEER_VALUE, MAP("ignore-table", NULL)},
    {"output-url", 0, D, "mysqlsh", PEER_VALUE, MAP("outputdir", NULL)},
    {"show-progress", 0, D | L, "mysqlsh", PEER_OPTIONAL, MAP("progress", "always")},
    {"defer-table-indexes", 0, L, "mysqlsh", PEER_VALUE,
     CUSTOM(apply_defer_indexes, "off: --keep-indexes; fulltext, all: sluice's default")},
    {"ignore-existing-objects", 0, L, "mysqlsh", PEER_FLAG, MAP("overwrite", "append")},
    {"schema", 0, L, "mysqlsh", PEER_VALUE, MAP("database", NULL)},
    {"analyze-tables", 0, L, "mysqlsh", PEER_VALUE,
     REFUSE("run ANALYZE TABLE after the load if you need it")},

    /* verbosity as mydumper and myloader count it */
    {"", 'v', D | L, "mydumper -v N, myloader -v N", PEER_VALUE,
     CUSTOM(apply_verbosity, "-v 0/1: -q; -v 2: sluice's default; -v 3: -v")},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, false, NULL, NULL, false}};

#undef D
#undef L

const struct peer_option *peer_find(const char *name, unsigned command)
{
	for (const struct peer_option *p = peer_options; p->name; p++)
		if ((p->commands & command) && p->name[0] && !strcmp(p->name, name))
			return p;
	return NULL;
}

const struct peer_option *peer_find_short(int letter, unsigned command)
{
	for (const struct peer_option *p = peer_options; p->name; p++)
		if ((p->commands & command) && p->short_name == letter && !p->hint_only &&
		    letter != 'v')
			return p;
	return NULL;
}

void peer_short_meanings(int letter, unsigned command, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (const struct peer_option *p = peer_options; p->name && n < size; p++) {
		if (!(p->commands & command) || p->short_name != letter || !p->name[0])
			continue;
		char who[64];
		snprintf(who, sizeof(who), "%s", p->peers);
		for (char *c = who; (c = strstr(c, ", ")) != NULL;)
			memmove(c + 1, c + 2, strlen(c + 2) + 1), *c = '/';
		int w = snprintf(out + n, size - n, "%s%s's -%c is --%s", n ? "; " : "", who,
		                 letter, p->name);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* "5000" -> "5000M": mydumper's sizes are in MB. */
static const char *in_megabytes(const char *value, char *buf, size_t size)
{
	size_t n = strlen(value);
	if (n == 0 || n + 2 > size || !isdigit((unsigned char)value[n - 1]))
		return value;
	snprintf(buf, size, "%sM", value);
	return buf;
}

int peer_apply(const struct peer_option *p, struct peer_ctx *ctx, const char *value,
               struct sl_error *err)
{
	switch (p->action) {
	case PEER_SAME:
		return note_same(ctx, p->text);
	case PEER_REFUSE:
		return sl_error_set(err, SL_EUSAGE, "%s (%s) is not supported: %s", ctx->spelling,
		                    p->peers, p->text);
	case PEER_MAP: {
		char buf[64];
		const char *v = p->value ? p->value : value;
		if (v && p->megabytes)
			v = in_megabytes(v, buf, sizeof(buf));
		return ctx->set(ctx, p->target, v, err);
	}
	case PEER_CUSTOM:
		return p->apply(ctx, value, err);
	}
	return sl_error_set(err, SL_EINTERNAL, "%s: unknown peer action", ctx->spelling);
}

static const char *spell(const struct peer_option *p, char *buf, size_t size)
{
	if (p->name[0] && p->short_name && !p->hint_only)
		snprintf(buf, size, "`-%c`, `--%s`", p->short_name, p->name);
	else if (p->name[0])
		snprintf(buf, size, "`--%s`", p->name);
	else
		snprintf(buf, size, "`-%c`", p->short_name);
	return buf;
}

static const char *becomes(const struct peer_option *p, char *buf, size_t size)
{
	switch (p->action) {
	case PEER_SAME:
		snprintf(buf, size, "accepted: %s", p->text);
		break;
	case PEER_REFUSE:
		snprintf(buf, size, "refused: %s", p->text);
		break;
	case PEER_MAP:
		if (p->value)
			snprintf(buf, size, "`--%s=%s`", p->target, p->value);
		else
			snprintf(buf, size, "`--%s%s`%s", p->target,
			         p->arity == PEER_FLAG ? "" : "=V",
			         p->megabytes ? " (a number alone is MiB)" : "");
		break;
	case PEER_CUSTOM:
		snprintf(buf, size, "%s", p->text);
		break;
	}
	return buf;
}

void peer_print_table(FILE *out)
{
	fprintf(out, "| option | tool | command | sluice |\n|---|---|---|---|\n");
	for (const struct peer_option *p = peer_options; p->name; p++) {
		if (!p->commands)
			continue;
		char s[128], b[512];
		fprintf(out, "| %s | %s | %s | %s |\n", spell(p, s, sizeof(s)), p->peers,
		        p->commands == (PEER_DUMP | PEER_LOAD) ? "dump, load"
		        : p->commands == PEER_DUMP             ? "dump"
		                                               : "load",
		        becomes(p, b, sizeof(b)));
	}
}

void peer_print_list(FILE *out)
{
	static const char *const actions[] = {"same", "map", "refuse", "custom"};
	for (const struct peer_option *p = peer_options; p->name; p++) {
		for (unsigned c = PEER_DUMP; c <= PEER_LOAD; c <<= 1) {
			if (!(p->commands & c))
				continue;
			char b[512];
			char spelling[80];
			if (p->name[0])
				snprintf(spelling, sizeof(spelling), "--%s", p->name);
			else
				snprintf(spelling, sizeof(spelling), "-%c", p->short_name);
			fprintf(out, "%s\t%s\t%s\t%s\t%s\n", c == PEER_DUMP ? "dump" : "load",
			        spelling, actions[p->action],
			        p->arity == PEER_FLAG    ? "flag"
			        : p->arity == PEER_VALUE ? "value"
			                                 : "optional",
			        becomes(p, b, sizeof(b)));
		}
	}
}
