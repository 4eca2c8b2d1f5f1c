/* serve_dump.c - one dump of `sluice serve`: a pipeline on its own thread
 * whose stream sink writes into a pipe, and the response callbacks that
 * read the pipe for libmicrohttpd.
 *
 * Who ends what:
 *   - the pipeline thread frees the pipeline when the run is over; the
 *     sink's descriptor (the pipe's write end) closes with it, so the
 *     reader sees EOF right after the trailer;
 *   - the reader (dump_read, on the connection's thread) watches the client
 *     socket while it waits: a client that hangs up cancels the pipeline;
 *   - libmicrohttpd calls dump_free when the response is done, however it
 *     ended; it cancels a pipeline still running, closes the read end
 *     (a blocked sink gets EPIPE), joins the thread and frees the dump. */
#define _GNU_SOURCE /* pipe2, POLLRDHUP */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/serve.h"
#include "base/alloc.h"
#include "registry.h"

struct sl_serve_dump {
	struct sl_serve_dump *next;
	unsigned id;
	char *profile;
	struct sl_log *log;
	struct sl_serve_stats *stats;
	struct sl_serve_dump **list;
	pthread_mutex_t *list_lock;

	pthread_mutex_t lock;     /* guards pipe */
	struct sl_pipeline *pipe; /* NULL once the thread freed it */
	struct sl_pipeline_config pcfg;
	pthread_t thread;
	bool started;

	int rd;      /* the pipe's read end */
	int wr;      /* its write end, lent to the sink; closed after the run: EOF */
	bool stream; /* the body is a sluice stream (format sql), with a trailer */
	int client;  /* the client's socket, watched for hang-ups */
	atomic_bool client_gone;
	bool eof; /* the reader saw the end of the stream */
	_Atomic uint64_t sent;
	/* The police (sl_serve_dump_police, the server's thread): */
	struct timespec win_t;  /* start of the rate window */
	uint64_t win_sent;      /* bytes sent then */
	double cancelled_at;    /* seconds into the dump it was cancelled, 0: not */
	bool ending;            /* the response is being freed: hands off the socket */
	char why[160];          /* why the police cancelled it */
	atomic_bool slot_freed; /* its --max-dumps slot is given back (once) */
	char tail[32];          /* the last bytes sent: did the stream end with its trailer? */
	size_t ntail;
	atomic_int status;
	uint64_t rows;
	struct timespec t0;
	char error[SL_ERROR_MAX];
};

static atomic_uint next_id;

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void cancel(struct sl_serve_dump *d, const char *why)
{
	pthread_mutex_lock(&d->lock);
	if (d->pipe)
		sl_pipeline_fail(d->pipe, SL_ECANCEL, "%s", why);
	pthread_mutex_unlock(&d->lock);
}

/* Give the dump's --max-dumps slot back, once: when its run ends, even if
 * a slow client still holds the connection. */
static void free_slot(struct sl_serve_dump *d)
{
	if (!atomic_exchange(&d->slot_freed, true))
		atomic_fetch_sub(&d->stats->running, 1);
}

static void *dump_main(void *arg)
{
	struct sl_serve_dump *d = arg;
	int rc = sl_pipeline_run(d->pipe);
	struct sl_pipeline_stats st;
	sl_pipeline_get_stats(d->pipe, &st);
	if (rc)
		snprintf(d->error, sizeof(d->error), "%s", sl_pipeline_error(d->pipe)->msg);
	d->rows = st.rows;
	atomic_store(&d->status, rc); /* before the EOF the reader acts on */
	pthread_mutex_lock(&d->lock);
	sl_pipeline_free(d->pipe);
	d->pipe = NULL;
	pthread_mutex_unlock(&d->lock);
	close(d->wr); /* the sink is gone: EOF for the reader */
	d->wr = -1;
	free_slot(d);
	return NULL;
}

static bool ends_with_trailer(const struct sl_serve_dump *d)
{
	static const char end[] = "-- sluice end error\n";
	size_t n = sizeof(end) - 1;
	return d->ntail >= n && !memcmp(d->tail + d->ntail - n, end, n);
}

/* MHD_ContentReaderCallback: the next bytes of the stream. */
static ssize_t dump_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sl_serve_dump *d = cls;
	(void)pos;
	for (;;) {
		struct pollfd p[2] = {{.fd = d->rd, .events = POLLIN},
		                      {.fd = d->client, .events = POLLRDHUP}};
		int n = poll(p, d->client >= 0 ? 2 : 1, 250);
		if (n < 0 && errno != EINTR)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (n <= 0)
			continue;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(d->rd, buf, max);
			if (r > 0) {
				atomic_fetch_add(&d->sent, (uint64_t)r);
				atomic_fetch_add(&d->stats->bytes, (uint64_t)r);
				sl_tail_keep(d->tail, sizeof(d->tail), &d->ntail, buf, (size_t)r);
				return r;
			}
			if (r == 0) {
				d->eof = true;
				/* A failed run must not look like a whole body: a stream
				 * says so in its error trailer, if it could be finished
				 * (a slow client may not take it in time); anything else
				 * gets its chunked encoding aborted. */
				if (atomic_load(&d->status) != 0 &&
				    (!d->stream || !ends_with_trailer(d)))
					return MHD_CONTENT_READER_END_WITH_ERROR;
				return MHD_CONTENT_READER_END_OF_STREAM;
			}
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			atomic_store(&d->client_gone, true);
			cancel(d, "the HTTP client went away");
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
}

static void unlink_dump(struct sl_serve_dump *d)
{
	pthread_mutex_lock(d->list_lock);
	for (struct sl_serve_dump **p = d->list; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	pthread_mutex_unlock(d->list_lock);
}

static void dump_destroy(struct sl_serve_dump *d)
{
	if (d->rd >= 0)
		close(d->rd);
	if (d->wr >= 0)
		close(d->wr);
	if (d->started)
		pthread_join(d->thread, NULL);
	if (d->pipe)
		sl_pipeline_free(d->pipe);
	sl_options_free(sl_pipeline_options, &d->pcfg);
	pthread_mutex_destroy(&d->lock);
	sl_free(d->profile);
	sl_free(d);
}

/* MHD_ContentReaderFreeCallback: the response is done, however it ended. */
static void dump_free(void *cls)
{
	struct sl_serve_dump *d = cls;
	pthread_mutex_lock(d->list_lock);
	d->ending = true;
	pthread_mutex_unlock(d->list_lock);
	if (!d->eof && !d->why[0]) {
		atomic_store(&d->client_gone, true);
		cancel(d, "the HTTP client went away");
	}
	close(d->rd); /* a sink blocked on a full pipe gets EPIPE */
	d->rd = -1;
	if (d->started)
		pthread_join(d->thread, NULL);
	d->started = false;
	unlink_dump(d);

	double secs = seconds_since(&d->t0);
	struct sl_serve_stats *st = d->stats;
	atomic_fetch_add(&st->rows, d->rows);
	int status = atomic_load(&d->status);
	if (status == 0 && d->eof) {
		atomic_fetch_add(&st->ok, 1);
		sl_logf(d->log, SL_LOG_INFO, "serve",
		        "dump %u (%s): done, %llu rows, %llu bytes sent in %.2f s", d->id,
		        d->profile, (unsigned long long)d->rows,
		        (unsigned long long)atomic_load(&d->sent), secs);
	} else if (atomic_load(&d->client_gone)) {
		atomic_fetch_add(&st->cancelled, 1);
		sl_logf(
		    d->log, SL_LOG_WARN, "serve",
		    "dump %u (%s): cancelled after %.2f s, %llu bytes sent: the client went away",
		    d->id, d->profile, secs, (unsigned long long)atomic_load(&d->sent));
	} else {
		if (status == SL_ECANCEL)
			atomic_fetch_add(&st->cancelled, 1);
		else
			atomic_fetch_add(&st->failed, 1);
		sl_logf(d->log, SL_LOG_ERROR, "serve",
		        "dump %u (%s): failed after %.2f s, %llu bytes sent (the body ends with an "
		        "error trailer): %s",
		        d->id, d->profile, secs, (unsigned long long)atomic_load(&d->sent),
		        d->error[0] ? d->error : sl_strerror(status));
	}
	free_slot(d);
	dump_destroy(d);
}

/* The files sink with container 'container' ("stream", "tar" or "zip")
 * and data files in 'data_format', writing into 'fd', which stays the
 * caller's.  'name' names the archive (its compression). */
static int add_sink(struct sl_pipeline *pipe, const char *container, const char *data_format,
                    const char *name, int fd, struct sl_error *err)
{
	bool stream = !strcmp(container, "stream");
	const struct sl_plugin *sink = sl_registry_find(SL_PLUGIN_SINK, "files", NULL);
	void *cfg = sink ? sl_calloc(1, sink->config_size) : NULL;
	char fdtext[16];
	snprintf(fdtext, sizeof(fdtext), "%d", fd);
	int rc = cfg ? sl_options_defaults(sink->options, cfg, err)
	             : sl_error_set(err, SL_ENOMEM, "out of memory");
	if (!rc)
		rc = sl_options_set(sink->options, cfg, "container", container, err);
	if (!rc)
		rc = sl_options_set(sink->options, cfg, "fd", fdtext, err);
	if (!rc)
		rc = sl_options_set(sink->options, cfg, "format", data_format, err);
	/* An HTTP client may be slow: give the error trailer time to get there
	 * (past it, the chunked body is aborted instead). */
	if (!rc && stream)
		rc = sl_options_set(sink->options, cfg, "trailer-wait", "10000", err);
	if (!rc && !stream)
		rc = sl_options_set(sink->options, cfg, "archive", name, err);
	if (rc) {
		if (cfg) {
			sl_options_free(sink->options, cfg);
			sl_free(cfg);
		}
		return rc;
	}
	return sl_pipeline_add(pipe, sink, cfg, NULL);
}

/* Free what a spec still owns. */
static void spec_free(struct sl_serve_dump_spec *spec)
{
	if (spec->source_config) {
		sl_options_free(spec->source->options, spec->source_config);
		sl_free(spec->source_config);
		spec->source_config = NULL;
	}
	sl_options_free(sl_pipeline_options, &spec->pcfg);
}

int sl_serve_dump_start(struct sl_serve_dump_spec *spec, struct sl_log *log,
                        struct sl_serve_stats *stats, unsigned max, int client_fd,
                        struct sl_serve_dump **list, pthread_mutex_t *list_lock,
                        struct MHD_Response **out, struct sl_error *err)
{
	*out = NULL;
	/* Take a slot; dump_free gives it back. */
	pthread_mutex_lock(list_lock);
	bool full = atomic_load(&stats->running) >= max;
	if (!full)
		atomic_fetch_add(&stats->running, 1);
	pthread_mutex_unlock(list_lock);
	if (full) {
		spec_free(spec);
		return 1;
	}
	int fds[2] = {-1, -1};
	struct sl_serve_dump *d = sl_calloc(1, sizeof(*d));
	if (!d || pipe2(fds, O_CLOEXEC) != 0) {
		sl_free(d);
		spec_free(spec);
		atomic_fetch_sub(&stats->running, 1);
		return sl_error_set(err, SL_ENOMEM, "cannot start a dump: %s", strerror(errno));
	}
	/* A bigger pipe: fewer wake-ups between the sink and the sender (the
	 * default 64 KiB measured 20% slower than a dump to /dev/null). */
	(void)fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	d->id = atomic_fetch_add(&next_id, 1) + 1;
	d->log = log;
	d->stats = stats;
	d->list = list;
	d->list_lock = list_lock;
	d->rd = fds[0];
	d->wr = fds[1];
	d->stream = !strcmp(spec->sink, "stream");
	d->client = client_fd;
	d->profile = sl_strdup(spec->profile);
	d->pcfg = spec->pcfg; /* taken over */
	memset(&spec->pcfg, 0, sizeof(spec->pcfg));
	pthread_mutex_init(&d->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &d->t0);
	d->win_t = d->t0;
	int rc = 0;
	d->pipe = d->profile ? sl_pipeline_new(&d->pcfg, log) : NULL;
	if (!d->pipe) {
		rc = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto fail;
	}
	rc = sl_pipeline_add(d->pipe, spec->source, spec->source_config, NULL);
	spec->source_config = NULL;
	if (!rc)
		rc = add_sink(d->pipe, spec->sink, spec->data_format, spec->archive_name, d->wr,
		              err);
	if (rc) {
		sl_error_copy(err, sl_pipeline_error(d->pipe));
		goto fail;
	}
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256 * 1024,
	                                                              dump_read, d, dump_free);
	if (!resp) {
		rc = sl_error_set(err, SL_ENOMEM, "cannot create the response");
		goto fail;
	}
	if (pthread_create(&d->thread, NULL, dump_main, d) != 0) {
		/* Destroying the response calls dump_free: undo its accounting. */
		d->eof = true;
		atomic_store(&d->status, SL_EIO);
		MHD_destroy_response(resp);
		return sl_error_set(err, SL_EIO, "cannot start a thread");
	}
	d->started = true;
	pthread_mutex_lock(list_lock);
	d->next = *list;
	*list = d;
	pthread_mutex_unlock(list_lock);
	atomic_fetch_add(&stats->started, 1);
	sl_logf(log, SL_LOG_INFO, "serve", "dump %u (%s): started", d->id, d->profile);
	*out = resp;
	return 0;
fail:
	spec_free(spec);
	dump_destroy(d);
	atomic_fetch_sub(&stats->running, 1);
	return rc ? rc : SL_EINTERNAL;
}

void sl_serve_dump_police(struct sl_serve_dump *list, pthread_mutex_t *list_lock,
                          long long max_duration, uint64_t min_rate, long long window)
{
	pthread_mutex_lock(list_lock);
	for (struct sl_serve_dump *d = list; d; d = d->next) {
		double secs = seconds_since(&d->t0);
		char why[160] = "";
		if (d->ending)
			continue;
		if (d->cancelled_at > 0) {
			/* A client that takes nothing keeps its connection busy in
			 * a send that never ends: cut it. */
			if (secs - d->cancelled_at > 10 && d->client >= 0)
				shutdown(d->client, SHUT_RDWR);
			continue;
		}
		if (max_duration > 0 && secs > (double)max_duration)
			snprintf(why, sizeof(why), "the dump ran longer than --max-duration %lld s",
			         max_duration);
		double win = seconds_since(&d->win_t);
		if (!why[0] && win >= (double)window) {
			uint64_t sent = atomic_load(&d->sent);
			double rate = (double)(sent - d->win_sent) / win;
			if (min_rate > 0 && rate < (double)min_rate)
				snprintf(why, sizeof(why),
				         "the client took %.0f bytes/s over %lld s, less than "
				         "--min-rate %llu",
				         rate, window, (unsigned long long)min_rate);
			clock_gettime(CLOCK_MONOTONIC, &d->win_t);
			d->win_sent = sent;
		}
		if (why[0]) {
			d->cancelled_at = secs;
			snprintf(d->why, sizeof(d->why), "%s", why);
			sl_logf(d->log, SL_LOG_WARN, "serve", "dump %u (%s): cancelling: %s", d->id,
			        d->profile, why);
			cancel(d, why);
		}
	}
	pthread_mutex_unlock(list_lock);
}

void sl_serve_dump_cancel_all(struct sl_serve_dump *list, pthread_mutex_t *list_lock,
                              const char *why)
{
	pthread_mutex_lock(list_lock);
	for (struct sl_serve_dump *d = list; d; d = d->next)
		cancel(d, why);
	pthread_mutex_unlock(list_lock);
}
