/* serve.h - `sluice serve`: dumps streamed to HTTP clients.
 *
 *   serve.c       the HTTP server (libmicrohttpd): routes, bearer tokens,
 *                 limits, /healthz, /metrics, draining on SIGTERM
 *   serve_dump.c  one dump: its pipeline on its own thread, writing the
 *                 stream into a pipe that the response reads
 *
 * A dump is an ordinary pipeline whose sink is the stream writer on a pipe:
 * a slow client leaves the pipe full, the sink blocks, the ring fills and
 * the source stops reading from the server (backpressure, flat memory).  A
 * client that goes away cancels the pipeline like a closed stdout does. */
#ifndef SL_SERVE_H
#define SL_SERVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/log.h"
#include "base/option.h"
#include "engine/pipeline.h"
#include "engine/plugin.h"

struct sl_serve_config {
	char *listen;                      /* HOST:PORT */
	char *profiles;                    /* directory of PROFILE.lua */
	char *token_file;                  /* one bearer token per line */
	long long max_dumps;               /* running at once; 503 beyond */
	long long grace;                   /* seconds running dumps get on SIGTERM */
	long long max_conns, max_conns_ip; /* connections at once: all, from one address */
	long long conn_timeout;            /* seconds a connection may stay idle */
	long long max_duration;            /* seconds a dump may take, 0: no limit */
	uint64_t min_rate;                 /* bytes/s a client must take, 0: no limit */
	long long rate_window;             /* seconds min_rate is measured over */
};

extern const struct sl_option sl_serve_options[];

/* Counters for /metrics; updated from any thread. */
struct sl_serve_stats {
	atomic_uint_fast64_t running, started, ok, failed, cancelled, rows, bytes;
	atomic_uint_fast64_t http[6]; /* responses by class: [2] 2xx ... [5] 5xx */
};

struct sl_serve;
struct sl_serve_dump;

/* What a dump needs from the server. */
struct sl_serve_dump_spec {
	const char *profile;      /* name, for logs and the file name */
	const char *sink;         /* "stream", "tar" or "zip" */
	const char *data_format;  /* sql, csv, tsv or jsonl (--format of the sink) */
	const char *archive_name; /* tar/zip: a file name that says the compression */
	const struct sl_plugin *source;
	void *source_config;            /* taken over (freed with the dump) */
	struct sl_pipeline_config pcfg; /* script (the profile) and params set; taken over */
};

/* serve_dump.c: start a dump if fewer than 'max' run; *out is the
 * response to queue.  Returns 0, 1 when 'max' dumps already run, or an
 * error (message in 'err').  The spec's configs are taken over in every
 * case.  The dump frees itself when the response is done. */
struct MHD_Response;
int sl_serve_dump_start(struct sl_serve_dump_spec *spec, struct sl_log *log,
                        struct sl_serve_stats *stats, unsigned max, int client_fd,
                        struct sl_serve_dump **list, pthread_mutex_t *list_lock,
                        struct MHD_Response **out, struct sl_error *err);

/* Cancel every dump in 'list' (under list_lock). */
void sl_serve_dump_cancel_all(struct sl_serve_dump *list, pthread_mutex_t *list_lock,
                              const char *why);

/* Once a second: cancel the dumps that ran longer than 'max_duration'
 * seconds or whose client took less than 'min_rate' bytes/s over the last
 * 'window' seconds (0: no limit), and cut the connection of a cancelled one
 * whose client still holds it after a few seconds. */
void sl_serve_dump_police(struct sl_serve_dump *list, pthread_mutex_t *list_lock,
                          long long max_duration, uint64_t min_rate, long long window);

/* Run the server until SIGINT/SIGTERM and the drain that follows.  The
 * source config is the template each dump copies.  0 or an error. */
int sl_serve_run(const struct sl_serve_config *cfg, const struct sl_plugin *source,
                 const void *source_config, const struct sl_pipeline_config *pcfg,
                 struct sl_log *log, struct sl_error *err);

#endif
