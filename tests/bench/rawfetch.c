/* rawfetch.c - the speed limit for `sluice dump`: fetch every row of every
 * base table of one database and throw it away.
 *
 * Same parallelism model as sluice: N threads, one server connection each,
 * taking jobs from one shared list.  A job is a whole table, or with
 * -r ROWS a range of an integer primary key holding about ROWS rows (the
 * boundaries evenly spaced between MIN and MAX, as sluice does for dense
 * keys).  Each job is `SELECT * FROM db.t [WHERE range]` read with
 * mysql_use_result()/mysql_fetch_row() on a binary-charset connection (no
 * conversion, as sluice fetches); the only work per row is summing the
 * column lengths, so the result is what the server and libmariadb cost on
 * their own.  tests/bench/dump divides every dumper's time by this
 * program's.
 *
 * With -n BYTES each connection first sends a statement padded to BYTES,
 * as sluice does (--server-net-buffer): the server grows its network
 * buffer to it and sends the rows in writes of that size.
 *
 *   rawfetch -S /tmp/x.sock -u root -B sbtest -t 2 [-r 100000] [-n 262144]
 *
 * Prints one line on stdout: rows, bytes, jobs, threads, seconds.  Exit 0
 * on success, 1 when a query failed, 2 on bad usage. */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#define MAX_CHUNKS_PER_TABLE 4096

/* Connection and run options, read-only once the workers start. */
struct opts {
	const char *host, *user, *password, *socket, *db;
	unsigned port;
	int nthreads;
	uint64_t rows;     /* -r: rows per range, 0 = whole tables */
	size_t net_buffer; /* -n: bytes of the padded first statement, 0 = none */
};

/* One unit of work: a table, optionally restricted to a key range. */
struct job {
	char *sql; /* the full SELECT, owned */
};

/* The shared job list and totals; 'next' and the totals under 'lock'. */
struct work {
	const struct opts *o;
	struct job *jobs;
	size_t njobs, next;
	uint64_t rows, bytes;
	bool failed;
	pthread_mutex_t lock;
};

static void usage(void)
{
	fprintf(stderr, "usage: rawfetch [-h HOST] [-P PORT] [-S SOCKET] [-u USER] [-p PASSWORD]\n"
	                "                -B DB [-t THREADS] [-r ROWS] [-n BYTES]\n"
	                "Fetch and discard every row of every base table of DB (the speed limit\n"
	                "for sluice dump).  -r splits tables on an integer primary key into\n"
	                "ranges of about ROWS rows (default 0: whole tables).  -n pads each\n"
	                "connection's first statement to BYTES, so the server sends rows in\n"
	                "writes of that size.\n");
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "rawfetch: out of memory\n");
		abort();
	}
	return p;
}

/* printf into a new string; caller frees.  Aborts on out of memory. */
static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* `name` with backticks doubled; caller frees. */
static char *quote_ident(const char *name)
{
	size_t len = strlen(name), n = 0;
	char *q = xmalloc(2 * len + 3);
	q[n++] = '`';
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '`')
			q[n++] = '`';
		q[n++] = name[i];
	}
	q[n++] = '`';
	q[n] = '\0';
	return q;
}

/* A new connection, or NULL after printing why. */
static MYSQL *connect_db(const struct opts *o)
{
	MYSQL *c = mysql_init(NULL);
	if (!c) {
		fprintf(stderr, "rawfetch: mysql_init failed\n");
		return NULL;
	}
	/* Bytes as stored, no conversion: what a dumper has to fetch (sluice's
	 * data connections are binary too). */
	mysql_optionsv(c, MYSQL_SET_CHARSET_NAME, "binary");
	if (!mysql_real_connect(c, o->host, o->user, o->password, NULL, o->port, o->socket, 0)) {
		fprintf(stderr, "rawfetch: cannot connect: %s\n", mysql_error(c));
		mysql_close(c);
		return NULL;
	}
	if (o->net_buffer > 64) {
		char *q = xmalloc(o->net_buffer + 1);
		memcpy(q, "DO 0 /*", 7);
		memset(q + 7, ' ', o->net_buffer - 9);
		memcpy(q + o->net_buffer - 2, "*/", 3);
		int failed = mysql_real_query(c, q, o->net_buffer);
		free(q);
		if (failed) {
			fprintf(stderr, "rawfetch: -n %zu: %s\n", o->net_buffer, mysql_error(c));
			mysql_close(c);
			return NULL;
		}
	}
	return c;
}

/* Run a query and store its (small) result; NULL after printing why. */
static MYSQL_RES *query_store(MYSQL *c, const char *sql)
{
	if (mysql_query(c, sql)) {
		fprintf(stderr, "rawfetch: %s: %s\n", sql, mysql_error(c));
		return NULL;
	}
	MYSQL_RES *res = mysql_store_result(c);
	if (!res)
		fprintf(stderr, "rawfetch: %s: %s\n", sql, mysql_error(c));
	return res;
}

static void add_job(struct work *w, size_t *cap, char *sql)
{
	if (w->njobs == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		struct job *j = realloc(w->jobs, *cap * sizeof(*j));
		if (!j) {
			fprintf(stderr, "rawfetch: out of memory\n");
			abort();
		}
		w->jobs = j;
	}
	w->jobs[w->njobs++].sql = sql;
}

/* The first primary key column of db.table, quoted, when it is an integer;
 * NULL otherwise.  Caller frees.  *err is set when the query failed. */
static char *integer_key(MYSQL *c, const char *db, const char *table, bool *err)
{
	char *esc_db = xmalloc(2 * strlen(db) + 1), *esc_t = xmalloc(2 * strlen(table) + 1);
	mysql_real_escape_string(c, esc_db, db, strlen(db));
	mysql_real_escape_string(c, esc_t, table, strlen(table));
	char *sql = xasprintf("SELECT s.COLUMN_NAME FROM information_schema.STATISTICS s"
	                      " JOIN information_schema.COLUMNS c USING (TABLE_SCHEMA, TABLE_NAME,"
	                      " COLUMN_NAME) WHERE s.TABLE_SCHEMA = '%s' AND s.TABLE_NAME = '%s'"
	                      " AND s.INDEX_NAME = 'PRIMARY' AND s.SEQ_IN_INDEX = 1 AND c.DATA_TYPE"
	                      " IN ('tinyint', 'smallint', 'mediumint', 'int', 'bigint')",
	                      esc_db, esc_t);
	MYSQL_RES *res = query_store(c, sql);
	char *key = NULL;
	*err = !res;
	if (res) {
		MYSQL_ROW row = mysql_fetch_row(res);
		if (row && row[0])
			key = quote_ident(row[0]);
		mysql_free_result(res);
	}
	free(sql);
	free(esc_db);
	free(esc_t);
	return key;
}

/* A MIN/MAX value as a signed 128-bit integer (covers BIGINT UNSIGNED). */
static __int128 to_i128(const char *v)
{
	if (v[0] == '-')
		return (__int128)strtoll(v, NULL, 10);
	return (__int128)strtoull(v, NULL, 10);
}

/* Add the jobs for one table: one, or ranges on the first primary key
 * column when -r is set, the key is an integer and the table holds at least
 * two ranges' worth of rows (sluice's rule).  Ranges cover the whole key
 * space: the first is open below, the last open above.  Returns -1 after
 * printing why. */
static int plan_table(MYSQL *c, struct work *w, size_t *cap, const char *table, uint64_t est_rows)
{
	const struct opts *o = w->o;
	char *qdb = quote_ident(o->db), *qt = quote_ident(table);
	char *from = xasprintf("SELECT * FROM %s.%s", qdb, qt);
	char *key = NULL;
	MYSQL_RES *res = NULL;
	size_t nchunks = 1;
	__int128 lo = 0, span = 0;
	bool err = false;

	if (o->rows && o->nthreads > 1 && est_rows >= 2 * o->rows)
		key = integer_key(c, o->db, table, &err);
	if (key) {
		char *sql = xasprintf("SELECT MIN(%s), MAX(%s) FROM %s.%s", key, key, qdb, qt);
		res = query_store(c, sql);
		free(sql);
		err = !res;
		MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
		if (row && row[0] && row[1]) {
			lo = to_i128(row[0]);
			span = to_i128(row[1]) - lo + 1;
			nchunks = (size_t)(est_rows / o->rows) + 1;
			if (nchunks > MAX_CHUNKS_PER_TABLE)
				nchunks = MAX_CHUNKS_PER_TABLE;
			if (span < (__int128)nchunks)
				nchunks = (size_t)span;
			/* Keep the literals printable as long long. */
			if (lo + span > (__int128)INT64_MAX)
				nchunks = 1;
		}
	}
	if (nchunks < 2 || err) {
		add_job(w, cap, from);
		from = NULL;
	}
	for (size_t i = 0; !err && nchunks > 1 && i < nchunks; i++) {
		long long a = (long long)(lo + span * (__int128)i / (__int128)nchunks);
		long long b = (long long)(lo + span * (__int128)(i + 1) / (__int128)nchunks);
		if (i == 0)
			add_job(w, cap, xasprintf("%s WHERE %s < %lld", from, key, b));
		else if (i == nchunks - 1)
			add_job(w, cap, xasprintf("%s WHERE %s >= %lld", from, key, a));
		else
			add_job(
			    w, cap,
			    xasprintf("%s WHERE %s >= %lld AND %s < %lld", from, key, a, key, b));
	}
	if (res)
		mysql_free_result(res);
	free(key);
	free(from);
	free(qdb);
	free(qt);
	return err ? -1 : 0;
}

/* Fill w->jobs with every base table of the database.  -1 on error. */
static int plan(struct work *w)
{
	const struct opts *o = w->o;
	MYSQL *c = connect_db(o);
	if (!c)
		return -1;
	char *esc = xmalloc(2 * strlen(o->db) + 1);
	mysql_real_escape_string(c, esc, o->db, strlen(o->db));
	char *sql = xasprintf("SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES"
	                      " WHERE TABLE_SCHEMA = '%s' AND TABLE_TYPE = 'BASE TABLE'"
	                      " ORDER BY DATA_LENGTH DESC, TABLE_NAME",
	                      esc);
	free(esc);
	MYSQL_RES *res = query_store(c, sql);
	free(sql);
	int rc = res ? 0 : -1;
	size_t cap = 0;
	MYSQL_ROW row;
	while (!rc && (row = mysql_fetch_row(res))) {
		uint64_t est = row[1] ? strtoull(row[1], NULL, 10) : 0;
		rc = plan_table(c, w, &cap, row[0], est);
	}
	if (res)
		mysql_free_result(res);
	mysql_close(c);
	return rc;
}

/* A worker: take jobs until none is left or another worker failed; stream
 * each result and discard it, touching every row's lengths. */
static void *worker(void *arg)
{
	struct work *w = arg;
	uint64_t rows = 0, bytes = 0;
	bool failed = false;

	mysql_thread_init();
	MYSQL *c = connect_db(w->o);
	failed = !c;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		bool stop = failed || w->failed || w->next == w->njobs;
		const char *sql = stop ? NULL : w->jobs[w->next++].sql;
		pthread_mutex_unlock(&w->lock);
		if (stop)
			break;
		if (mysql_query(c, sql)) {
			fprintf(stderr, "rawfetch: %s: %s\n", sql, mysql_error(c));
			failed = true;
			break;
		}
		MYSQL_RES *res = mysql_use_result(c);
		if (!res) {
			fprintf(stderr, "rawfetch: %s: %s\n", sql, mysql_error(c));
			failed = true;
			break;
		}
		unsigned nf = mysql_num_fields(res);
		while (mysql_fetch_row(res)) {
			unsigned long *lens = mysql_fetch_lengths(res);
			for (unsigned i = 0; i < nf; i++)
				bytes += lens[i];
			rows++;
		}
		if (mysql_errno(c)) {
			fprintf(stderr, "rawfetch: reading %s: %s\n", sql, mysql_error(c));
			failed = true;
		}
		mysql_free_result(res);
		if (failed)
			break;
	}
	if (c)
		mysql_close(c);
	mysql_thread_end();

	pthread_mutex_lock(&w->lock);
	w->rows += rows;
	w->bytes += bytes;
	w->failed |= failed;
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct opts o = {.nthreads = 1};
	int ch;
	while ((ch = getopt(argc, argv, "h:P:S:u:p:B:t:r:n:")) != -1) {
		switch (ch) {
		case 'h':
			o.host = optarg;
			break;
		case 'P':
			o.port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			o.socket = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'p':
			o.password = optarg;
			break;
		case 'B':
			o.db = optarg;
			break;
		case 't':
			o.nthreads = atoi(optarg);
			break;
		case 'r':
			o.rows = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			o.net_buffer = (size_t)strtoull(optarg, NULL, 10);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!o.db || optind != argc || o.nthreads < 1 || o.nthreads > 256) {
		usage();
		return 2;
	}
	if (!o.password)
		o.password = getenv("MYSQL_PWD");

	if (mysql_library_init(0, NULL, NULL)) {
		fprintf(stderr, "rawfetch: mysql_library_init failed\n");
		return 1;
	}
	struct work w = {.o = &o};
	pthread_mutex_init(&w.lock, NULL);
	int rc = 1;
	pthread_t *tids = NULL;
	int nstarted = 0;
	double t0 = now();
	if (plan(&w))
		goto out;
	tids = xmalloc((size_t)o.nthreads * sizeof(*tids));
	for (; nstarted < o.nthreads; nstarted++) {
		if (pthread_create(&tids[nstarted], NULL, worker, &w)) {
			fprintf(stderr, "rawfetch: cannot start a thread\n");
			pthread_mutex_lock(&w.lock);
			w.failed = true;
			pthread_mutex_unlock(&w.lock);
			break;
		}
	}
	for (int i = 0; i < nstarted; i++)
		pthread_join(tids[i], NULL);
	if (!w.failed) {
		printf("rawfetch: %" PRIu64 " rows, %" PRIu64
		       " bytes, %zu jobs, %d threads, %.2f s\n",
		       w.rows, w.bytes, w.njobs, o.nthreads, now() - t0);
		rc = 0;
	}
out:
	for (size_t i = 0; i < w.njobs; i++)
		free(w.jobs[i].sql);
	free(w.jobs);
	free(tids);
	pthread_mutex_destroy(&w.lock);
	mysql_library_end();
	return rc;
}
