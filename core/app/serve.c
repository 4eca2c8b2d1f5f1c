/* serve.c - the HTTP side of `sluice serve` on libmicrohttpd (one thread
 * per connection, so a response may wait for its dump).
 *
 *   GET /healthz                 200 "ok" (503 while draining); no token
 *   GET /metrics                 Prometheus text: dumps, rows, bytes
 *   GET /dump/PROFILE?format=sql&KEY=VALUE...
 *                                the dump, chunked, as an attachment
 *
 * Errors are short JSON bodies: 401 without a valid bearer token, 404 for
 * an unknown profile or path, 400 for a bad parameter, 503 beyond
 * --max-dumps or while draining, 500 for a broken profile.  SIGTERM or
 * SIGINT drains: new dumps get 503, running ones get --grace seconds, then
 * are cancelled (their bodies end with an error trailer). */
#include "app/serve.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/job.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "format/dataformat.h"
#include "script/script.h"

#define CFG(field) offsetof(struct sl_serve_config, field)

const struct sl_option sl_serve_options[] = {
    {.name = "listen",
     .type = SL_OPT_STRING,
     .def = "127.0.0.1:8080",
     .offset = CFG(listen),
     .arg = "HOST:PORT",
     .help = "address to listen on (loopback by default)"},
    {.name = "profiles",
     .type = SL_OPT_STRING,
     .offset = CFG(profiles),
     .arg = "DIR",
     .help = "directory of dump profiles: PROFILE.lua job scripts clients choose from"},
    {.name = "token-file",
     .type = SL_OPT_STRING,
     .offset = CFG(token_file),
     .arg = "FILE",
     .help = "bearer tokens, one per line (required off loopback)"},
    {.name = "max-dumps",
     .type = SL_OPT_INT,
     .def = "4",
     .offset = CFG(max_dumps),
     .arg = "N",
     .help = "dumps running at once; more get 503",
     .min = 1,
     .max = 1024},
    {.name = "max-connections",
     .type = SL_OPT_INT,
     .def = "512",
     .offset = CFG(max_conns),
     .arg = "N",
     .help = "connections open at once (dumps, /healthz, idle ones); more are refused",
     .min = 4,
     .max = 100000},
    {.name = "max-connections-per-ip",
     .type = SL_OPT_INT,
     .def = "64",
     .offset = CFG(max_conns_ip),
     .arg = "N",
     .help = "connections open at once from one address",
     .min = 1,
     .max = 100000},
    {.name = "connection-timeout",
     .type = SL_OPT_INT,
     .def = "30",
     .offset = CFG(conn_timeout),
     .arg = "SECONDS",
     .help = "close a connection that sends or takes nothing for this long",
     .min = 1,
     .max = 86400},
    {.name = "max-duration",
     .type = SL_OPT_INT,
     .def = "0",
     .offset = CFG(max_duration),
     .arg = "SECONDS",
     .help = "cancel a dump that runs longer (its body ends with an error trailer; 0: no "
             "limit)",
     .min = 0,
     .max = 31536000},
    {.name = "min-rate",
     .type = SL_OPT_SIZE,
     .def = "16K",
     .offset = CFG(min_rate),
     .arg = "BYTES",
     .help = "cancel a dump whose client takes less than this many bytes a second over a "
             "minute (0: no limit)",
     .max = 1LL << 40},
    {.name = "rate-window",
     .type = SL_OPT_INT,
     .flags = SL_OPTF_HIDDEN,
     .def = "60",
     .offset = CFG(rate_window),
     .arg = "SECONDS",
     .help = "the span --min-rate is measured over (tests shorten it)",
     .min = 1,
     .max = 3600},
    {.name = "grace",
     .type = SL_OPT_INT,
     .def = "30",
     .offset = CFG(grace),
     .arg = "SECONDS",
     .help = "on SIGTERM, how long running dumps may finish before they are cancelled",
     .min = 0,
     .max = 86400},
    SL_OPTION_END};

struct sl_serve {
	const struct sl_serve_config *cfg;
	const struct sl_plugin *source;
	const void *source_config;
	const struct sl_pipeline_config *pcfg;
	struct sl_log *log;
	struct sl_strlist tokens;
	struct sl_serve_stats stats;
	struct sl_serve_dump *dumps;
	pthread_mutex_t lock; /* guards dumps */
	atomic_bool draining;
};

/* --- responses ------------------------------------------------------------- */

static enum MHD_Result queue(struct sl_serve *srv, struct MHD_Connection *c, unsigned status,
                             struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	enum MHD_Result r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	if (status / 100 < 6)
		atomic_fetch_add(&srv->stats.http[status / 100], 1);
	return r;
}

static enum MHD_Result respond_text(struct sl_serve *srv, struct MHD_Connection *c, unsigned status,
                                    const char *type, const char *body, size_t len)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (resp)
		MHD_add_response_header(resp, "Content-Type", type);
	return queue(srv, c, status, resp);
}

/* {"error": "...", "status": N} */
static enum MHD_Result respond_error(struct sl_serve *srv, struct MHD_Connection *c,
                                     unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum MHD_Result respond_error(struct sl_serve *srv, struct MHD_Connection *c,
                                     unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct sl_buf b = SL_BUF_INIT;
	int rc = sl_buf_puts(&b, "{\"error\": \"");
	rc = rc ? rc : sl_json_escape(&b, msg);
	rc = rc ? rc : sl_buf_printf(&b, "\", \"status\": %u}\n", status);
	enum MHD_Result r =
	    rc ? MHD_NO : respond_text(srv, c, status, "application/json", b.data, b.len);
	sl_buf_free(&b);
	return r;
}

/* --- auth ------------------------------------------------------------------- */

static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);
	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return diff == 0;
}

static bool authorized(struct sl_serve *srv, struct MHD_Connection *c)
{
	if (!srv->cfg->token_file)
		return true;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	const char *token = h + 7;
	bool ok = false;
	for (size_t i = 0; i < srv->tokens.n; i++)
		ok |= same_secret(token, srv->tokens.v[i]);
	return ok;
}

static int load_tokens(struct sl_serve *srv, struct sl_error *err)
{
	const char *path = srv->cfg->token_file;
	FILE *f = fopen(path, "r");
	if (!f)
		return sl_error_set(err, SL_EUSAGE, "--token-file %s: %s", path, strerror(errno));
	char line[1024];
	int rc = 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		char *s = line, *e = line + strlen(line);
		while (*s && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s && *s != '#')
			rc = sl_strlist_add(&srv->tokens, s);
	}
	fclose(f);
	if (!rc && srv->tokens.n == 0)
		rc = sl_error_set(err, SL_EUSAGE, "--token-file %s: no tokens in it", path);
	return rc == SL_ENOMEM ? sl_error_set(err, rc, "out of memory") : rc;
}

/* --- /metrics ----------------------------------------------------------------- */

static enum MHD_Result metrics(struct sl_serve *srv, struct MHD_Connection *c)
{
	struct sl_serve_stats *st = &srv->stats;
	struct sl_buf b = SL_BUF_INIT;
	int rc = sl_buf_printf(&b,
	                       "# HELP sluice_dumps_running Dumps streaming now.\n"
	                       "# TYPE sluice_dumps_running gauge\n"
	                       "sluice_dumps_running %llu\n"
	                       "# HELP sluice_dumps_total Dumps finished, by result.\n"
	                       "# TYPE sluice_dumps_total counter\n"
	                       "sluice_dumps_total{result=\"ok\"} %llu\n"
	                       "sluice_dumps_total{result=\"error\"} %llu\n"
	                       "sluice_dumps_total{result=\"cancelled\"} %llu\n"
	                       "# HELP sluice_dumps_started_total Dumps started.\n"
	                       "# TYPE sluice_dumps_started_total counter\n"
	                       "sluice_dumps_started_total %llu\n"
	                       "# HELP sluice_rows_sent_total Rows of finished dumps.\n"
	                       "# TYPE sluice_rows_sent_total counter\n"
	                       "sluice_rows_sent_total %llu\n"
	                       "# HELP sluice_bytes_sent_total Bytes of dump bodies sent.\n"
	                       "# TYPE sluice_bytes_sent_total counter\n"
	                       "sluice_bytes_sent_total %llu\n"
	                       "# HELP sluice_http_responses_total Responses, by status class.\n"
	                       "# TYPE sluice_http_responses_total counter\n",
	                       (unsigned long long)atomic_load(&st->running),
	                       (unsigned long long)atomic_load(&st->ok),
	                       (unsigned long long)atomic_load(&st->failed),
	                       (unsigned long long)atomic_load(&st->cancelled),
	                       (unsigned long long)atomic_load(&st->started),
	                       (unsigned long long)atomic_load(&st->rows),
	                       (unsigned long long)atomic_load(&st->bytes));
	for (int k = 2; !rc && k <= 5; k++)
		rc = sl_buf_printf(&b, "sluice_http_responses_total{class=\"%dxx\"} %llu\n", k,
		                   (unsigned long long)atomic_load(&st->http[k]));
	enum MHD_Result r =
	    rc ? MHD_NO
	       : respond_text(srv, c, 200, "text/plain; version=0.0.4; charset=utf-8", b.data,
	                      b.len);
	sl_buf_free(&b);
	return r;
}

/* --- /dump/PROFILE ------------------------------------------------------------ */

struct query {
	size_t n;
	const char *keys[32];
	const char *values[32];
	const char *format;
	bool too_many;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	struct query *q = cls;
	(void)kind;
	if (!strcmp(key, "format")) {
		q->format = value ? value : "";
	} else if (q->n < 32) {
		q->keys[q->n] = key;
		q->values[q->n++] = value ? value : "";
	} else {
		q->too_many = true;
	}
	return MHD_YES;
}

/* What ?format= may ask for: the container that holds the dump, the data
 * files' format, and how the download is named.  Every data format is a
 * stream (what `sluice dump --format csv` writes: frames are comment lines,
 * so line tools read the rows and `sluice load` reads the whole); tar and
 * zip are the archives, with SQL data files. */
struct response_format {
	const char *container; /* "stream", "tar" or "zip" */
	const char *data;      /* the data files' format (--format) */
	const char *suffix;
	const char *content_type;
};

static const struct {
	const char *name;
	struct response_format f;
} archives[] = {
    {"tar", {"tar", "sql", ".tar.zst", "application/zstd"}},
    {"zip", {"zip", "sql", ".zip", "application/zip"}},
};

/* The response for ?format=name.  false when there is none. */
static bool find_format(const char *name, struct response_format *out)
{
	const struct sl_data_format *f = sl_data_format_find(name);
	if (f) {
		*out =
		    (struct response_format){"stream", f->name, f->stream_suffix, f->content_type};
		return true;
	}
	for (size_t i = 0; i < sizeof(archives) / sizeof(archives[0]); i++) {
		if (!strcmp(archives[i].name, name)) {
			*out = archives[i].f;
			return true;
		}
	}
	return false;
}

/* "sql, csv, tsv, jsonl, tar, zip": for the message of a refused format. */
static void format_names(char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (const struct sl_data_format *f = sl_data_formats; f->name && n < size; f++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? ", " : "", f->name);
	for (size_t i = 0; i < sizeof(archives) / sizeof(archives[0]) && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, ", %s", archives[i].name);
}

static bool profile_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

static enum MHD_Result dump(struct sl_serve *srv, struct MHD_Connection *c, const char *name)
{
	struct sl_buf path = SL_BUF_INIT;
	struct stat st;
	if (!profile_name_ok(name) || sl_buf_printf(&path, "%s/%s.lua", srv->cfg->profiles, name) ||
	    stat(path.data, &st) != 0 || !S_ISREG(st.st_mode)) {
		sl_buf_free(&path);
		return respond_error(srv, c, 404, "unknown profile '%s'", name);
	}
	struct query q = {0};
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &q);
	if (q.too_many) {
		sl_buf_free(&path);
		return respond_error(srv, c, 400, "too many parameters");
	}
	struct response_format rf;
	const struct response_format *fmt = &rf;
	if (!find_format(q.format ? q.format : "sql", &rf)) {
		char names[128];
		format_names(names, sizeof(names));
		sl_buf_free(&path);
		return respond_error(srv, c, 400, "format '%s' is not available (formats: %s)",
		                     q.format, names);
	}
	if (atomic_load(&srv->draining)) {
		sl_buf_free(&path);
		return respond_error(srv, c, 503, "the server is shutting down");
	}

	struct sl_error err = {0};
	char archive_name[96];
	snprintf(archive_name, sizeof(archive_name), "%s%s", name, fmt->suffix);
	struct sl_serve_dump_spec spec = {.profile = name,
	                                  .sink = fmt->container,
	                                  .data_format = fmt->data,
	                                  .archive_name = archive_name,
	                                  .source = srv->source};
	int rc = sl_options_copy(sl_pipeline_options, &spec.pcfg, srv->pcfg, sizeof(spec.pcfg));
	spec.source_config = rc ? NULL : sl_calloc(1, srv->source->config_size);
	if (!spec.source_config || sl_options_copy(srv->source->options, spec.source_config,
	                                           srv->source_config, srv->source->config_size)) {
		if (!rc)
			sl_options_free(sl_pipeline_options, &spec.pcfg);
		sl_free(spec.source_config);
		sl_buf_free(&path);
		return respond_error(srv, c, 500, "out of memory");
	}
	spec.pcfg.progress = 2; /* never: many dumps share stderr */
	sl_free(spec.pcfg.script);
	spec.pcfg.script = sl_strdup(path.data);
	struct sl_script_opts opts = {.memory = spec.pcfg.script_memory,
	                              .budget = (uint64_t)spec.pcfg.script_budget,
	                              .timeout_ms = (uint64_t)spec.pcfg.script_timeout * 1000};
	rc = spec.pcfg.script
	         ? sl_profile_prepare(path.data, name, &opts, srv->source, spec.source_config,
	                              q.keys, q.values, q.n, &spec.pcfg.params, &err)
	         : SL_ENOMEM;
	enum MHD_Result r;
	if (rc) {
		sl_options_free(srv->source->options, spec.source_config);
		sl_free(spec.source_config);
		sl_options_free(sl_pipeline_options, &spec.pcfg);
		if (rc == SL_EUSAGE) {
			r = respond_error(srv, c, 400, "%s", err.msg);
		} else {
			sl_logf(srv->log, SL_LOG_ERROR, "serve", "profile %s: %s", name, err.msg);
			r = respond_error(srv, c, 500,
			                  "profile '%s' is broken (see the server log)", name);
		}
		sl_buf_free(&path);
		return r;
	}

	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct MHD_Response *resp = NULL;
	rc = sl_serve_dump_start(&spec, srv->log, &srv->stats, (unsigned)srv->cfg->max_dumps,
	                         ci ? ci->connect_fd : -1, &srv->dumps, &srv->lock, &resp, &err);
	if (rc == 1)
		r = respond_error(srv, c, 503, "%lld dumps are running already (--max-dumps)",
		                  srv->cfg->max_dumps);
	else if (rc)
		r = respond_error(srv, c, 500, "cannot start the dump: %s", err.msg);
	else {
		char disposition[160], stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s-%s%s\"", name,
		         stamp, fmt->suffix);
		MHD_add_response_header(resp, "Content-Type", fmt->content_type);
		MHD_add_response_header(resp, "Content-Disposition", disposition);
		r = queue(srv, c, 200, resp);
	}
	sl_buf_free(&path);
	return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_size, void **req)
{
	struct sl_serve *srv = cls;
	(void)version;
	(void)upload_data;
	(void)req;
	if (*upload_size)
		return respond_error(srv, c, 400, "no request body expected");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return respond_error(srv, c, 405, "method %s not allowed", method);
	if (!strcmp(url, "/healthz"))
		return atomic_load(&srv->draining)
		           ? respond_text(srv, c, 503, "text/plain", "draining\n", 9)
		           : respond_text(srv, c, 200, "text/plain", "ok\n", 3);
	if (!authorized(srv, c)) {
		enum MHD_Result r = respond_error(srv, c, 401, "missing or wrong bearer token");
		return r;
	}
	if (!strcmp(url, "/metrics"))
		return metrics(srv, c);
	if (!strncmp(url, "/dump/", 6))
		return dump(srv, c, url + 6);
	return respond_error(srv, c, 404, "no such path: %s", url);
}

/* --- the server ------------------------------------------------------------------- */

/* Resolve HOST:PORT ([v6]:PORT too). */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
                        bool *loopback, struct sl_error *err)
{
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen || !colon[1])
		return sl_error_set(err, SL_EUSAGE, "--listen %s: expected HOST:PORT", listen);
	char host[256];
	size_t hl = (size_t)(colon - listen);
	if (listen[0] == '[' && colon[-1] == ']') {
		listen++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return sl_error_set(err, SL_EUSAGE, "--listen %s: host name too long", listen);
	memcpy(host, listen, hl);
	host[hl] = '\0';
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int g = getaddrinfo(host, colon + 1, &hints, &ai);
	if (g != 0)
		return sl_error_set(err, SL_EUSAGE, "--listen %s: %s", listen, gai_strerror(g));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		*loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		*loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return 0;
}

/* libmicrohttpd's own messages (a client that reset its connection, ...)
 * go to the log at debug level: the dump's own line says what happened. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct sl_serve *srv = cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	sl_logf(srv->log, SL_LOG_DEBUG, "http", "%s", msg);
}

/* Wait up to 'seconds' for running dumps to end. */
static bool wait_idle(struct sl_serve *srv, double seconds)
{
	for (int i = 0; i < (int)(seconds * 10); i++) {
		if (atomic_load(&srv->stats.running) == 0)
			return true;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return atomic_load(&srv->stats.running) == 0;
}

int sl_serve_run(const struct sl_serve_config *cfg, const struct sl_plugin *source,
                 const void *source_config, const struct sl_pipeline_config *pcfg,
                 struct sl_log *log, struct sl_error *err)
{
	struct sl_serve srv = {
	    .cfg = cfg, .source = source, .source_config = source_config, .pcfg = pcfg, .log = log};
	struct sockaddr_storage addr;
	socklen_t addrlen = 0;
	bool loopback = false;
	struct stat st;
	int rc;

	if (!cfg->profiles)
		return sl_error_set(err, SL_EUSAGE, "--profiles DIR is required");
	if (stat(cfg->profiles, &st) != 0 || !S_ISDIR(st.st_mode))
		return sl_error_set(err, SL_EUSAGE, "--profiles %s: not a directory",
		                    cfg->profiles);
	if ((rc = parse_listen(cfg->listen, &addr, &addrlen, &loopback, err)))
		return rc;
	if (!cfg->token_file && !loopback)
		return sl_error_set(err, SL_EUSAGE,
		                    "--token-file is required when listening beyond loopback (%s)",
		                    cfg->listen);
	if (cfg->token_file && (rc = load_tokens(&srv, err)))
		goto out;
	if (!cfg->token_file)
		sl_logf(log, SL_LOG_WARN, "serve",
		        "no --token-file: every local user may dump through %s", cfg->listen);
	pthread_mutex_init(&srv.lock, NULL);

	/* Signals wait in this thread; every thread started from here on
	 * (libmicrohttpd's, the dumps') inherits the blocked mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	unsigned flags =
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, 0, NULL, NULL, handle, &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &srv, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)cfg->max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cfg->max_conns_ip, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->conn_timeout,
	    MHD_OPTION_END);
	if (!d) {
		rc = sl_error_set(err, SL_EIO, "cannot listen on %s: %s", cfg->listen,
		                  strerror(errno));
		goto out_lock;
	}
	sl_logf(log, SL_LOG_WARN, "serve",
	        "listening on http://%s (profiles in %s, at most %lld dumps)", cfg->listen,
	        cfg->profiles, cfg->max_dumps);

	/* Wait for a signal; once a second, hold dumps to their limits. */
	int sig = -1;
	while (sig < 0) {
		struct timespec second = {1, 0};
		sig = sigtimedwait(&set, NULL, &second);
		if (sig < 0)
			sl_serve_dump_police(srv.dumps, &srv.lock, cfg->max_duration, cfg->min_rate,
			                     cfg->rate_window);
	}
	atomic_store(&srv.draining, true);
	unsigned long long running = (unsigned long long)atomic_load(&srv.stats.running);
	sl_logf(log, SL_LOG_WARN, "serve", "%s: draining, %llu dump(s) running, %lld s of grace",
	        sig == SIGINT ? "SIGINT" : "SIGTERM", running, cfg->grace);
	if (!wait_idle(&srv, (double)cfg->grace)) {
		sl_serve_dump_cancel_all(srv.dumps, &srv.lock, "the server is shutting down");
		wait_idle(&srv, 10);
	}
	MHD_stop_daemon(d);
	rc = 0;
out_lock:
	pthread_mutex_destroy(&srv.lock);
out:
	sl_strlist_free(&srv.tokens);
	return rc;
}
