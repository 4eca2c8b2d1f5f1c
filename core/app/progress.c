/* progress.c - redraws the progress line from the pipeline's statistics;
 * the frontends start it next to the run (the engine knows nothing of it). */
#include "app/progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "engine/pipeline.h"

struct sl_progress {
	struct sl_pipeline *pipe;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	bool redraw;       /* a terminal: one line drawn over itself */
	double last_plain; /* elapsed at the last line of its own */
};

/* How far the run is, 0..1, or -1 when nothing says: the bytes of the
 * input read (a load of a file or directory), else the rows against the
 * server's estimate (a dump). */
static double fraction(const struct sl_pipeline_stats *st)
{
	double f = -1;
	if (st->input_size > 0)
		f = (double)st->input_read / (double)st->input_size;
	else if (st->est_rows > 0 && st->rows > 0)
		f = (double)st->rows / (double)st->est_rows;
	return f > 1 ? 1 : f;
}

static void draw(struct sl_progress *pr)
{
	struct sl_pipeline_stats st;
	sl_pipeline_get_stats(pr->pipe, &st);
	double f = fraction(&st);
	/* An ETA only once it means something. */
	double eta = f > 0.01 && f < 1 && st.elapsed > 2 ? st.elapsed * (1 - f) / f : -1;
	/* Without a terminal (a log file, JSON): a line of its own now and then. */
	if (!pr->redraw &&
	    st.elapsed - pr->last_plain < (double)sl_pipeline_config(pr->pipe)->progress_interval)
		return;
	pr->last_plain = st.elapsed;

	char done[32], rate[32], line[512], tables[48];
	sl_format_bytes(done, sizeof(done), (double)st.bytes);
	sl_format_bytes(rate, sizeof(rate), st.elapsed > 0 ? (double)st.bytes / st.elapsed : 0);
	if (st.tables_total)
		snprintf(tables, sizeof(tables), "%llu/%llu", (unsigned long long)st.tables_done,
		         (unsigned long long)st.tables_total);
	else
		snprintf(tables, sizeof(tables), "%llu", (unsigned long long)st.tables_done);
	size_t n = (size_t)snprintf(line, sizeof(line), "tables %s  rows %llu  %s  %s/s", tables,
	                            (unsigned long long)st.rows, done, rate);
	if (f >= 0 && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, "  %d%%", (int)(f * 100));
	if (eta >= 0 && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, "  ETA %dm%02ds", (int)eta / 60,
		                      (int)eta % 60);
	if (st.phase[0] && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, "  %s", st.phase);
	if (pr->redraw) {
		sl_log_status(sl_pipeline_log(pr->pipe), line);
		return;
	}
	const struct sl_log_field fields[] = {{"tables_done", (double)st.tables_done},
	                                      {"tables_total", (double)st.tables_total},
	                                      {"rows", (double)st.rows},
	                                      {"bytes", (double)st.bytes},
	                                      {"seconds", st.elapsed},
	                                      {"percent", f >= 0 ? f * 100 : -1},
	                                      {"eta_seconds", eta}};
	sl_log_progress(sl_pipeline_log(pr->pipe), fields, sizeof(fields) / sizeof(fields[0]),
	                line);
}

static void *progress_main(void *arg)
{
	struct sl_progress *pr = arg;
	pthread_mutex_lock(&pr->lock);
	while (!pr->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 500 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&pr->wake, &pr->lock, &ts) == ETIMEDOUT && !pr->stop) {
			pthread_mutex_unlock(&pr->lock);
			draw(pr);
			pthread_mutex_lock(&pr->lock);
		}
	}
	pthread_mutex_unlock(&pr->lock);
	return NULL;
}

/* A line redrawn on a terminal by default; with --progress always also
 * into a log file or JSON logs, as lines of their own every 10 s; never
 * with -q or --progress never. */
static bool wanted(struct sl_pipeline *p, bool *redraw)
{
	const struct sl_pipeline_config *cfg = sl_pipeline_config(p);
	*redraw = cfg->log_format != 1 && isatty(STDERR_FILENO);
	if (cfg->quiet || cfg->progress == 2)
		return false;
	return cfg->progress == 1 || *redraw;
}

struct sl_progress *sl_progress_start(struct sl_pipeline *p)
{
	bool redraw;
	if (!wanted(p, &redraw))
		return NULL;
	struct sl_progress *pr = sl_calloc(1, sizeof(*pr));
	if (!pr)
		return NULL;
	pr->pipe = p;
	pr->redraw = redraw;
	pthread_mutex_init(&pr->lock, NULL);
	pthread_cond_init(&pr->wake, NULL);
	if (pthread_create(&pr->thread, NULL, progress_main, pr)) {
		pthread_cond_destroy(&pr->wake);
		pthread_mutex_destroy(&pr->lock);
		sl_free(pr);
		return NULL;
	}
	return pr;
}

void sl_progress_stop(struct sl_progress *pr)
{
	if (!pr)
		return;
	pthread_mutex_lock(&pr->lock);
	pr->stop = true;
	pthread_cond_signal(&pr->wake);
	pthread_mutex_unlock(&pr->lock);
	pthread_join(pr->thread, NULL);
	if (pr->redraw)
		sl_log_status(sl_pipeline_log(pr->pipe), NULL);
	pthread_cond_destroy(&pr->wake);
	pthread_mutex_destroy(&pr->lock);
	sl_free(pr);
}
