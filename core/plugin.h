/* plugin.h - how sources, transforms and sinks plug into a pipeline.
 *
 * A plugin is one const struct sl_plugin with designated initializers: ABI
 * version and struct size (checked at registration, so a plugin built
 * against another layout is refused), name, kind, one-line summary, a
 * declarative option table (validation and --help) and callbacks.  A
 * configured plugin inside a pipeline is a struct sl_instance.
 *
 * Threads: a source's prepare() and finish() run on the main thread, its
 * work() on each of the pipeline's worker threads at once, interrupt() on
 * any thread.  A sink's open() and close() run on the main thread and its
 * consume() on the sink's own thread; a sink may run threads of its own,
 * and then sets interrupt() too (called on cancel, any thread). */
#ifndef SL_PLUGIN_H
#define SL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "option.h"

#define SL_PLUGIN_ABI 1

struct sl_batch;
struct sl_pipeline;
struct sl_run_summary;

enum sl_plugin_kind { SL_PLUGIN_SOURCE, SL_PLUGIN_TRANSFORM, SL_PLUGIN_SINK };

struct sl_instance {
	const struct sl_plugin *plugin;
	struct sl_pipeline *pipe; /* the owner */
	const char *name;         /* for logs: the plugin name */
	void *config;             /* the option struct, owned (freed with the table) */
	void *data;               /* the plugin's private state */
	struct sl_ring *ring;     /* sinks: the input ring */
	unsigned index;           /* sinks: position in the pipeline */
	const char *format;       /* sinks: data format consumed ("sql", "csv", "tsv",
	                             "jsonl"), set by init() from its --format; NULL:
	                             the plugin's 'format' */
};

struct sl_plugin {
	unsigned abi;       /* SL_PLUGIN_ABI */
	size_t struct_size; /* sizeof(struct sl_plugin) */
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

	/* Sinks.  'format' names the default encoding consumed ("sql"); an
	 * instance may choose another in init() (inst->format).  consume()
	 * borrows the batch (the pipeline releases it).  close() gets the run's
	 * outcome and writes the trailer/manifest; it is called once after
	 * open() succeeded, also after errors. */
	const char *format;
	int (*open)(struct sl_instance *inst);
	int (*consume)(struct sl_instance *inst, struct sl_batch *b);
	int (*close)(struct sl_instance *inst, const struct sl_run_summary *summary);
};

/* All plugins compiled in (plugins/registry.c), NULL-terminated. */
extern const struct sl_plugin *const sl_plugin_registry[];

/* Check a plugin's ABI, size and required callbacks.  0 or SL_EINTERNAL
 * with a message. */
int sl_plugin_check(const struct sl_plugin *p, struct sl_error *err);

/* Find a registered plugin of 'kind' by name, or NULL. */
const struct sl_plugin *sl_plugin_find(enum sl_plugin_kind kind, const char *name);

#endif
