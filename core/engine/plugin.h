/* plugin.h - how sources and sinks plug into a pipeline.
 *
 * A plugin is one const struct sl_plugin with designated initializers:
 * name, kind, one-line summary, a declarative option table (validation and
 * --help) and callbacks, checked when a pipeline takes it.  A configured
 * plugin inside a pipeline is a struct sl_instance.  Plugins are compiled
 * in and listed in plugins/registry.c.
 *
 * Threads: a source's prepare() and finish() run on the main thread, its
 * work() on each of the pipeline's worker threads at once, interrupt() on
 * any thread.  A sink's open() and close() run on the main thread and its
 * consume() on the sink's own thread; a sink may run threads of its own,
 * and then sets interrupt() too (called on cancel, any thread). */
#ifndef SL_PLUGIN_H
#define SL_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/option.h"

struct sl_batch;
struct sl_data_format;
struct sl_pipeline;
struct sl_run_summary;

enum sl_plugin_kind { SL_PLUGIN_SOURCE, SL_PLUGIN_SINK };

struct sl_instance {
	const struct sl_plugin *plugin;
	struct sl_pipeline *pipe; /* the owner */
	const char *name;         /* for logs and routes: the plugin name, or the
	                             name a job gave the sink; a sink's init() may
	                             point it at a better name (a static string)
	                             when it is the plugin's */
	void *config;             /* the option struct, owned (freed with the table) */
	void *data;               /* the plugin's private state */
	struct sl_ring *ring;     /* sinks: the input ring */
	unsigned index;           /* sinks: position in the pipeline */
	/* Sinks, set by init() from their options: */
	const struct sl_data_format *format; /* data files it takes; NULL: sql */
	const char *target_db;               /* every database goes here (-B), or NULL */
	const struct sl_strlist *renames;    /* OLD=NEW databases, or NULL */
};

struct sl_plugin {
	const char *name;
	enum sl_plugin_kind kind;
	const char *summary;
	const struct sl_option *options;
	size_t config_size; /* size of the struct the options fill */

	/* Every kind.  init() checks the parsed config and allocates inst->data;
	 * destroy() frees it (also after a failed init). */
	int (*init)(struct sl_instance *inst);
	void (*destroy)(struct sl_instance *inst);

	/* Sources.  prepare(): connect, snapshot, plan the work.  work(): pull
	 * jobs until none is left, emitting through the pipeline; returns when
	 * done or on error/cancel.  finish(): emit what comes after all data
	 * (views, routines) — only called when every worker succeeded.
	 * interrupt(): make blocked I/O return now (cancellation).
	 * max_workers: how many work() threads make sense (a stream has one
	 * reader); 0 means as many as --threads. */
	int (*prepare)(struct sl_instance *inst);
	int (*work)(struct sl_instance *inst, unsigned worker);
	int (*finish)(struct sl_instance *inst);
	void (*interrupt)(struct sl_instance *inst);
	unsigned max_workers;
	/* --dry-run: prepare() plans, reports each table with
	 * sl_pipeline_explain() and emits nothing (work() and finish() are not
	 * called).  A source without it refuses --dry-run. */
	bool dry_run;

	/* Sinks.  consume() borrows the batch (the pipeline releases it).
	 * close() gets the run's outcome and writes the trailer/manifest; it is
	 * called once after open() succeeded, also after errors.  The data
	 * format and renames a sink wants are set on its instance by init(). */
	int (*open)(struct sl_instance *inst);
	int (*consume)(struct sl_instance *inst, struct sl_batch *b);
	int (*close)(struct sl_instance *inst, const struct sl_run_summary *summary);
};

/* Check that a plugin has what its kind needs (name, summary, options,
 * callbacks).  0 or SL_EINTERNAL with a message. */
int sl_plugin_check(const struct sl_plugin *p, struct sl_error *err);

#endif
