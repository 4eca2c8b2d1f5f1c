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
};

static void draw(struct sl_progress *pr)
{
	struct sl_pipeline_stats st;
	sl_pipeline_get_stats(pr->pipe, &st);
	char done[32], rate[32], line[256];
	sl_format_bytes(done, sizeof(done), (double)st.bytes);
	sl_format_bytes(rate, sizeof(rate), st.elapsed > 0 ? (double)st.bytes / st.elapsed : 0);
	int n = snprintf(line, sizeof(line), "tables %llu/%llu  rows %llu  %s  %s/s",
	                 (unsigned long long)st.tables_done, (unsigned long long)st.tables_total,
	                 (unsigned long long)st.rows, done, rate);
	/* ETA from the server's row estimates: rough, so only when meaningful. */
	if (st.est_rows > st.rows && st.rows > 0 && st.elapsed > 1 && n > 0 &&
	    (size_t)n < sizeof(line)) {
		double eta = st.elapsed * (double)(st.est_rows - st.rows) / (double)st.rows;
		snprintf(line + n, sizeof(line) - (size_t)n, "  ETA %dm%02ds", (int)eta / 60,
		         (int)eta % 60);
	}
	sl_log_status(sl_pipeline_log(pr->pipe), line);
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

/* The line is for a person watching a terminal: not with -q, --progress
 * never or JSON logs; with --progress always even when stderr is not a
 * terminal. */
static bool wanted(struct sl_pipeline *p)
{
	const struct sl_pipeline_config *cfg = sl_pipeline_config(p);
	if (cfg->quiet || cfg->progress == 2 || cfg->log_format == 1)
		return false;
	return cfg->progress == 1 || isatty(STDERR_FILENO);
}

struct sl_progress *sl_progress_start(struct sl_pipeline *p)
{
	if (!wanted(p))
		return NULL;
	struct sl_progress *pr = sl_calloc(1, sizeof(*pr));
	if (!pr)
		return NULL;
	pr->pipe = p;
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
	sl_log_status(sl_pipeline_log(pr->pipe), NULL);
	pthread_cond_destroy(&pr->wake);
	pthread_mutex_destroy(&pr->lock);
	sl_free(pr);
}
