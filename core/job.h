/* job.h - reading a job script for `sluice run JOB.lua` (see job.c). */
#ifndef SL_JOB_H
#define SL_JOB_H

#include <stddef.h>

#include "error.h"
#include "option.h"
#include "plugin.h"

#define SL_JOB_MAX_SINKS 16

struct sl_script_opts;

/* A configured plugin of the job; the config is owned until handed to a
 * pipeline (then set it to NULL). */
struct sl_job_part {
	const struct sl_plugin *plugin;
	void *config;
	char *name; /* sinks: the job's name for it */
};

struct sl_job {
	struct sl_job_part source;
	struct sl_job_part sinks[SL_JOB_MAX_SINKS];
	size_t nsinks;
};

/* Run the job script at 'path' in a sandboxed state and read its globals
 * 'source', 'sinks' and 'options' (the last into run_config through
 * run_options).  0 or an error in 'err' (SL_EUSAGE, SL_ELUA, SL_ENOMEM);
 * free the job with sl_job_free() in every case. */
int sl_job_load(const char *path, const struct sl_script_opts *lim,
                const struct sl_option *run_options, void *run_config, struct sl_job *job,
                struct sl_error *err);
void sl_job_free(struct sl_job *job);

#endif
