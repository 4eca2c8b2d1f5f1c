/* job.h - reading a job script for `sluice run JOB.lua` (see job.c). */
#ifndef SL_JOB_H
#define SL_JOB_H

#include <stddef.h>

#include "base/error.h"
#include "base/option.h"
#include "engine/plugin.h"

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

/* A `sluice serve` profile (a job script without connections): check the
 * request's parameters keys[i]=values[i] against the profile's `params`
 * declaration (name = "Lua pattern" or {pattern, default, required}) and
 * append "key=value" for each, defaults included, to 'params'; apply the
 * profile's `source` table (selection options; connection options are
 * refused) to 'source_config'.  0; SL_EUSAGE for a bad request (unknown,
 * missing or refused parameter); SL_ELUA for a broken profile; SL_ENOMEM. */
int sl_profile_prepare(const char *path, const char *profile, const struct sl_script_opts *opts,
                       const struct sl_plugin *source, void *source_config, const char *const *keys,
                       const char *const *values, size_t n, struct sl_strlist *params,
                       struct sl_error *err);

#endif
