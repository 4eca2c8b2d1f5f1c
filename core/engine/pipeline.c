/* pipeline.c - runs one job: source workers feed sink threads through rings.
 *
 * See pipeline.h for the picture.  This file owns thread lifecycles, the
 * first-error/cancel state, the per-format encoding of row blocks and the
 * fan-out of batches to sinks (through the router, engine/route.h). */
#include "engine/pipeline.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "engine/ring.h"
#include "engine/route.h"
#include "format/dataformat.h"
#include "format/encode_sql.h"
#include "format/fname.h"
#include "format/rowset.h"
#include "format/table.h"
#include "script/script.h"
#include "script/script_hooks.h"

#define SL_MAX_SINKS      16
#define SL_RING_MIN_BYTES (1u << 20)

static const char *const log_formats[] = {"text", "json", NULL};
static const char *const progress_modes[] = {"auto", "always", "never", NULL};

const struct sl_option sl_pipeline_options[] = {
    {.name = "threads",
     .short_name = 't',
     .type = SL_OPT_INT,
     .def = "4",
     .offset = offsetof(struct sl_pipeline_config, threads),
     .arg = "N",
     .help = "worker threads (one server connection each)",
     .min = 1,
     .max = 256},
    {.name = "buffer",
     .type = SL_OPT_SIZE,
     .def = "32M",
     .offset = offsetof(struct sl_pipeline_config, buffer),
     .arg = "SIZE",
     .help = "total capacity of the buffers between threads: bounds memory",
     .min = 1 << 20,
     .max = 1LL << 40},
    {.name = "batch-size",
     .type = SL_OPT_SIZE,
     .def = "1M",
     .offset = offsetof(struct sl_pipeline_config, batch_size),
     .arg = "SIZE",
     .help = "rows are moved in blocks of about this many bytes",
     .min = 4096,
     .max = 1LL << 30},
    {.name = "statement-size",
     .type = SL_OPT_SIZE,
     .def = "1M",
     .offset = offsetof(struct sl_pipeline_config, statement_size),
     .arg = "SIZE",
     .help = "largest INSERT statement written (one row may exceed it)",
     .min = 1024,
     .max = 1LL << 30},
    {.name = "script",
     .type = SL_OPT_STRING,
     .offset = offsetof(struct sl_pipeline_config, script),
     .arg = "FILE.lua",
     .help = "Lua hooks: tables, where, columns, route, rename, transform (scripts/README.md)"},
    {.name = "script-memory",
     .type = SL_OPT_SIZE,
     .def = "64M",
     .offset = offsetof(struct sl_pipeline_config, script_memory),
     .arg = "SIZE",
     .help = "memory one Lua state may use (one per thread)",
     .min = 1 << 20,
     .max = 1LL << 40},
    {.name = "script-budget",
     .type = SL_OPT_INT,
     .def = "100000000",
     .offset = offsetof(struct sl_pipeline_config, script_budget),
     .arg = "N",
     .help = "Lua instructions one hook call may run before the run stops",
     .min = 1000,
     .max = 1000000000000000LL},
    {.name = "script-timeout",
     .type = SL_OPT_INT,
     .def = "60",
     .offset = offsetof(struct sl_pipeline_config, script_timeout),
     .arg = "SECONDS",
     .help = "wall time one hook call may take before the run stops (0: no limit)",
     .min = 0,
     .max = 86400},
    {.name = "set",
     .type = SL_OPT_LIST,
     .offset = offsetof(struct sl_pipeline_config, params),
     .arg = "KEY=VALUE",
     .help = "a parameter for the script: sluice.params.KEY (repeatable)"},
    {.name = "quiet",
     .short_name = 'q',
     .type = SL_OPT_BOOL,
     .offset = offsetof(struct sl_pipeline_config, quiet),
     .help = "print nothing but errors"},
    {.name = "verbose",
     .short_name = 'v',
     .type = SL_OPT_INT,
     .flags = SL_OPTF_COUNT,
     .offset = offsetof(struct sl_pipeline_config, verbose),
     .help = "say what happened (-v) and how (-vv)"},
    {.name = "log-format",
     .type = SL_OPT_ENUM,
     .def = "text",
     .choices = log_formats,
     .offset = offsetof(struct sl_pipeline_config, log_format),
     .arg = "FORMAT",
     .help = "log lines as text or JSON objects"},
    {.name = "dry-run",
     .type = SL_OPT_BOOL,
     .offset = offsetof(struct sl_pipeline_config, dry_run),
     .help = "print what the run would take (tables, conditions, estimated rows, sinks) "
             "and stop: nothing is read or written"},
    {.name = "progress",
     .type = SL_OPT_ENUM,
     .def = "auto",
     .choices = progress_modes,
     .offset = offsetof(struct sl_pipeline_config, progress),
     .arg = "WHEN",
     .help = "progress on stderr (auto: a line redrawn on a terminal; always: also a line "
             "of its own every 10 s into a file or JSON logs)"},
    {.name = "progress-interval",
     .type = SL_OPT_INT,
     .flags = SL_OPTF_HIDDEN,
     .def = "10",
     .offset = offsetof(struct sl_pipeline_config, progress_interval),
     .arg = "SECONDS",
     .help = "seconds between progress lines of their own (not on a terminal)",
     .min = 1,
     .max = 3600},
    SL_OPTION_END};

/* One sink of the run: its instance (with its input ring) and its thread. */
struct sink {
	struct sl_instance *inst;
	char *name;   /* routes and logs refer to it (inst->name points here) */
	bool opened;  /* open() succeeded: close() is due */
	bool started; /* its thread was created: join it */
	bool alive;   /* its thread runs and may be signalled (under lock) */
	pthread_t thread;
	size_t reserved; /* of its share of --buffer, held in its own buffers */
};

struct sl_pipeline {
	struct sl_pipeline_config cfg;
	struct sl_log *log;
	struct sl_instance *source;
	size_t nsinks;
	struct sink sinks[SL_MAX_SINKS];
	size_t input_reserved; /* of --buffer, held by the source's read-ahead */

	pthread_mutex_t lock; /* guards err, sinks[].alive */
	struct sl_error err;
	atomic_bool cancelled;

	atomic_uint_fast64_t rows, bytes, files, tables_done;
	atomic_uint_fast64_t table_rows; /* rows of the tables ended so far */
	uint64_t tables_total, est_rows;
	atomic_uint_fast64_t input_size, input_read;
	unsigned phases; /* phases begun and not ended; guarded by lock */
	char phase[160]; /* the last begun; guarded by lock */
	struct timespec started;

	struct sl_run_info info;
	struct sl_encode_opts encode;

	/* Scripting and routing. */
	struct sl_script *script;          /* main thread's state: per-table hooks */
	struct sl_script **worker_scripts; /* one per worker: transform() */
	unsigned nworker_scripts;
	bool has_transform;
	struct sl_router router;
	bool router_ready;
	const struct sl_script_query *query; /* the source's, while it plans */
	/* Base tables and sequences the plan took, for the workers' states
	 * (sluice.tables in transform); borrowed from the source. */
	struct sl_table **catalog;
	size_t ncatalog;

	/* --dry-run: what the plan printed. */
	uint64_t explained_tables, explained_rows;
	bool dry_header;
};

/* The worker a thread runs as (transform() uses its Lua state). */
static _Thread_local int current_worker = -1;

struct sl_pipeline *sl_pipeline_new(const struct sl_pipeline_config *cfg, struct sl_log *log)
{
	struct sl_pipeline *p = sl_calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cfg = *cfg;
	p->log = log;
	p->encode.statement_size = (size_t)cfg->statement_size;
	pthread_mutex_init(&p->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &p->started);
	return p;
}

static void instance_free(struct sl_instance *inst)
{
	if (!inst)
		return;
	if (inst->plugin->destroy)
		inst->plugin->destroy(inst);
	sl_options_free(inst->plugin->options, inst->config);
	sl_free(inst->config);
	sl_ring_free(inst->ring);
	sl_free(inst);
}

void sl_pipeline_free(struct sl_pipeline *p)
{
	if (!p)
		return;
	instance_free(p->source);
	for (size_t i = 0; i < p->nsinks; i++) {
		instance_free(p->sinks[i].inst);
		sl_free(p->sinks[i].name);
	}
	if (p->router_ready)
		sl_router_free(&p->router);
	for (unsigned i = 0; i < p->nworker_scripts; i++)
		sl_script_close(p->worker_scripts[i]);
	sl_free(p->worker_scripts);
	sl_free(p->catalog);
	sl_script_close(p->script);
	sl_free(p->info.source);
	sl_free(p->info.server_version);
	sl_free(p->info.binlog_file);
	sl_free(p->info.gtid);
	for (size_t i = 0; i < p->info.nleft_out; i++) {
		sl_free(p->info.left_out[i].lo.schema);
		sl_free(p->info.left_out[i].lo.name);
		sl_free(p->info.left_out[i].lo.missing);
	}
	sl_free(p->info.left_out);
	pthread_mutex_destroy(&p->lock);
	sl_free(p);
}

const struct sl_error *sl_pipeline_error(struct sl_pipeline *p)
{
	return &p->err;
}

struct sl_log *sl_pipeline_log(struct sl_pipeline *p)
{
	return p->log;
}

const struct sl_pipeline_config *sl_pipeline_config(struct sl_pipeline *p)
{
	return &p->cfg;
}

struct sl_run_info *sl_pipeline_info(struct sl_pipeline *p)
{
	return &p->info;
}

size_t sl_pipeline_nsinks(struct sl_pipeline *p)
{
	return p->nsinks;
}

bool sl_pipeline_cancelled(struct sl_pipeline *p)
{
	return atomic_load_explicit(&p->cancelled, memory_order_acquire);
}

void sl_pipeline_set_totals(struct sl_pipeline *p, uint64_t tables, uint64_t est_rows)
{
	p->tables_total = tables;
	p->est_rows = est_rows;
}

void sl_pipeline_set_input_size(struct sl_pipeline *p, uint64_t bytes)
{
	atomic_store(&p->input_size, bytes);
}

void sl_pipeline_add_input(struct sl_pipeline *p, uint64_t bytes)
{
	atomic_fetch_add(&p->input_read, bytes);
}

void sl_pipeline_phase_begin(struct sl_pipeline *p, const char *what)
{
	pthread_mutex_lock(&p->lock);
	p->phases++;
	snprintf(p->phase, sizeof(p->phase), "%s", what);
	pthread_mutex_unlock(&p->lock);
}

void sl_pipeline_phase_end(struct sl_pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->phases && --p->phases == 0)
		p->phase[0] = '\0';
	pthread_mutex_unlock(&p->lock);
}

void sl_pipeline_get_stats(struct sl_pipeline *p, struct sl_pipeline_stats *out)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	out->tables_done = atomic_load(&p->tables_done);
	out->tables_total = p->tables_total;
	out->rows = atomic_load(&p->rows);
	if (out->rows == 0)
		out->rows = atomic_load(&p->table_rows);
	out->est_rows = p->est_rows;
	out->bytes = atomic_load(&p->bytes);
	out->files = atomic_load(&p->files);
	out->input_size = atomic_load(&p->input_size);
	out->input_read = atomic_load(&p->input_read);
	pthread_mutex_lock(&p->lock);
	snprintf(out->phase, sizeof(out->phase), "%s", p->phase);
	pthread_mutex_unlock(&p->lock);
	out->elapsed = (double)(now.tv_sec - p->started.tv_sec) +
	               (double)(now.tv_nsec - p->started.tv_nsec) / 1e9;
}

void sl_instance_log(struct sl_instance *inst, enum sl_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sl_vlogf(inst->pipe->log, level, inst->name, fmt, ap);
	va_end(ap);
}

/* Wake everything that may block: rings, the source's I/O, sink writes. */
static void cancel_all(struct sl_pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++)
		if (p->sinks[i].inst->ring)
			sl_ring_cancel(p->sinks[i].inst->ring);
	if (p->source)
		p->source->plugin->interrupt(p->source);
	for (size_t i = 0; i < p->nsinks; i++) {
		struct sl_instance *s = p->sinks[i].inst;
		if (s->plugin->interrupt && s->data)
			s->plugin->interrupt(s);
	}
	/* A sink thread blocked in write() to a stalled pipe returns EINTR. */
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nsinks; i++)
		if (p->sinks[i].alive)
			pthread_kill(p->sinks[i].thread, SIGUSR1);
	pthread_mutex_unlock(&p->lock);
}

int sl_pipeline_fail(struct sl_pipeline *p, int code, const char *fmt, ...)
{
	bool first;
	pthread_mutex_lock(&p->lock);
	first = p->err.code == 0;
	if (first) {
		va_list ap;
		va_start(ap, fmt);
		sl_error_vset(&p->err, code, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&p->lock);
	if (!atomic_exchange(&p->cancelled, true))
		cancel_all(p);
	return code;
}

int sl_pipeline_add(struct sl_pipeline *p, const struct sl_plugin *plugin, void *config,
                    struct sl_instance **out)
{
	return sl_pipeline_add_named(p, plugin, config, NULL, out);
}

int sl_pipeline_add_named(struct sl_pipeline *p, const struct sl_plugin *plugin, void *config,
                          const char *name, struct sl_instance **out)
{
	struct sl_error err = {0};
	struct sl_instance *inst = NULL;
	struct sink *sink = NULL;
	int rc = sl_plugin_check(plugin, &err);
	if (rc)
		goto fail;
	if (plugin->kind == SL_PLUGIN_SOURCE && p->source) {
		rc = sl_error_set(&err, SL_EINTERNAL, "a pipeline has one source");
		goto fail;
	}
	if (plugin->kind == SL_PLUGIN_SINK) {
		const char *sink_name = name ? name : plugin->name;
		if (p->nsinks == SL_MAX_SINKS) {
			rc = sl_error_set(&err, SL_EUSAGE, "at most %d sinks", SL_MAX_SINKS);
			goto fail;
		}
		for (size_t i = 0; i < p->nsinks; i++) {
			if (!strcmp(p->sinks[i].name, sink_name)) {
				rc = sl_error_set(&err, SL_EUSAGE, "two sinks named '%s'",
				                  sink_name);
				goto fail;
			}
		}
		sink = &p->sinks[p->nsinks];
		memset(sink, 0, sizeof(*sink));
		if (!(sink->name = sl_strdup(sink_name))) {
			rc = sl_error_set(&err, SL_ENOMEM, "out of memory");
			goto fail;
		}
	}
	inst = sl_calloc(1, sizeof(*inst));
	if (!inst) {
		if (sink) {
			sl_free(sink->name);
			sink->name = NULL;
		}
		rc = sl_error_set(&err, SL_ENOMEM, "out of memory");
		goto fail;
	}
	inst->plugin = plugin;
	inst->pipe = p;
	inst->name = plugin->name;
	inst->config = config;
	config = NULL;
	if (sink) {
		inst->name = sink->name;
		inst->index = (unsigned)p->nsinks++;
		sink->inst = inst;
	} else {
		p->source = inst;
	}
	if (out)
		*out = inst;
	if (plugin->init && (rc = plugin->init(inst)) != 0) {
		/* The instance stays registered so sl_pipeline_free() destroys it. */
		if (p->err.code == 0)
			sl_error_set(&p->err, rc, "%s: initialisation failed", plugin->name);
		return rc;
	}
	/* A sink named after its plugin may have chosen a better name. */
	if (sink && !name && inst->name != sink->name) {
		char *better = sl_strdup(inst->name);
		if (!better)
			return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		sl_free(sink->name);
		sink->name = better;
		inst->name = better;
	}
	return 0;
fail:
	if (config) {
		sl_options_free(plugin->options, config);
		sl_free(config);
	}
	sl_error_copy(&p->err, &err);
	return rc;
}

/* --- emitting ------------------------------------------------------------ */

/* Push one reference of 'b' to sink i's ring; the ring takes it. */
static int push_to_sink(struct sl_pipeline *p, size_t i, struct sl_batch *b)
{
	int rc = sl_ring_push(p->sinks[i].inst->ring, b);
	if (rc) {
		sl_batch_release(b);
		return sl_pipeline_cancelled(p) ? SL_ECANCEL : rc;
	}
	return 0;
}

/* Push 'b' to every sink whose entry in 'to' is set; takes the caller's
 * reference. */
static int push_to_sinks(struct sl_pipeline *p, struct sl_batch *b, const bool *to)
{
	int rc = 0;
	for (size_t i = 0; i < p->nsinks && !rc; i++)
		if (to[i])
			rc = push_to_sink(p, i, sl_batch_ref(b));
	sl_batch_release(b);
	return rc;
}

/* A database-level file goes to the databases its tables went to, in the
 * sinks that took them; where nothing was decided yet it goes as it is. */
static int emit_database_file(struct sl_pipeline *p, struct sl_batch *b)
{
	int rc = 0;
	for (size_t i = 0; i < p->nsinks && !rc; i++) {
		const char *dsts[8];
		size_t n = 0;
		bool as_is = true;
		struct sl_error err = {0};
		if (p->router_ready && b->schema &&
		    (rc = sl_router_schema_targets(&p->router, i, b->schema, dsts, 8, &n, &as_is,
		                                   &err)))
			rc = sl_pipeline_fail(p, rc, "%s", err.msg);
		if (!rc && as_is)
			rc = push_to_sink(p, i, sl_batch_ref(b));
		for (size_t k = 0; k < n && !rc; k++) {
			struct sl_batch *c = NULL;
			if (!strcmp(dsts[k], b->schema))
				c = sl_batch_ref(b);
			else if (sl_route_retarget(b, dsts[k], NULL, &c))
				rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
			if (c)
				rc = push_to_sink(p, i, c);
		}
	}
	sl_batch_release(b);
	return rc;
}

/* Does sink k take table t as schema.name? */
static bool same_target(const struct sl_table *t, size_t k, const char *schema, const char *name)
{
	const char *ks, *kn;
	return sl_table_target_of(t, k, &ks, &kn) && !strcmp(ks, schema) && !strcmp(kn, name);
}

/* A table's batch goes to the sinks that take the table, rewritten once per
 * distinct target name. */
static int emit_routed(struct sl_pipeline *p, struct sl_batch *b)
{
	const struct sl_table *t = b->table;
	struct sl_batch *variant[SL_MAX_SINKS] = {0};
	int rc = 0;
	for (size_t i = 0; i < p->nsinks && !rc; i++) {
		const char *schema, *name;
		if (!sl_table_target_of(t, i, &schema, &name))
			continue;
		const char *own = b->schema ? b->schema : t->schema;
		if (!strcmp(schema, own) && !strcmp(name, sl_batch_table_name(b))) {
			variant[i] = b;
		} else {
			for (size_t k = 0; k < i && !variant[i]; k++)
				if (variant[k] && variant[k] != b &&
				    same_target(t, k, schema, name))
					variant[i] = variant[k];
			if (!variant[i] && sl_route_retarget(b, schema, name, &variant[i]))
				rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		}
	}
	for (size_t i = 0; i < p->nsinks && !rc; i++)
		if (variant[i])
			rc = push_to_sink(p, i, sl_batch_ref(variant[i]));
	/* Drop this function's reference to each distinct variant. */
	for (size_t i = 0; i < p->nsinks; i++) {
		if (!variant[i] || variant[i] == b)
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = variant[k] == variant[i];
		if (!seen)
			sl_batch_release(variant[i]);
	}
	sl_batch_release(b);
	return rc;
}

int sl_pipeline_emit(struct sl_pipeline *p, struct sl_batch *b)
{
	if (sl_pipeline_cancelled(p)) {
		sl_batch_release(b);
		return SL_ECANCEL;
	}
	if (p->cfg.dry_run) { /* no sink is open */
		sl_batch_release(b);
		return 0;
	}
	if (b->kind == SL_BATCH_FILE) {
		atomic_fetch_add(&p->files, 1);
		atomic_fetch_add(&p->bytes, b->body.len);
	}
	if (!b->table)
		return emit_database_file(p, b);
	if (b->table->dropped) {
		sl_batch_release(b);
		return 0;
	}
	if (b->table->targets)
		return emit_routed(p, b);
	bool all[SL_MAX_SINKS];
	for (size_t i = 0; i < p->nsinks; i++)
		all[i] = true;
	return push_to_sinks(p, b, all);
}

/* The data format sink 'i' consumes. */
static const struct sl_data_format *sink_format(const struct sl_pipeline *p, size_t i)
{
	const struct sl_data_format *f = p->sinks[i].inst->format;
	return f ? f : &sl_data_formats[0];
}

/* Render rows of 't' as one data file in format 'f' for the target
 * schema.name.  Caller owns *out. */
/* An empty data file of 't' numbered 'seq', for the target schema.name in
 * format 'f'.  0 or an error (*out NULL). */
static int data_file(struct sl_table *t, const struct sl_data_format *f, const char *schema,
                     const char *name, unsigned seq, struct sl_batch **out)
{
	struct sl_buf fname = SL_BUF_INIT;
	struct sl_batch *b = NULL;
	int rc = sl_fname_data(&fname, schema, name, seq, f->ext);
	if (!rc && (!(b = sl_batch_new(SL_BATCH_FILE, SL_FILE_DATA, t, schema, fname.data)) ||
	            (strcmp(name, t->name) != 0 && !(b->table_name = sl_strdup(name))))) {
		sl_batch_release(b);
		b = NULL;
		rc = SL_ENOMEM;
	}
	sl_buf_free(&fname);
	*out = b;
	return rc;
}

static int encode_file(struct sl_pipeline *p, struct sl_table *t, const struct sl_data_format *f,
                       const char *schema, const char *name, unsigned seq,
                       const struct sl_rowset *rs, struct sl_batch **out)
{
	struct sl_batch *b;
	int rc = data_file(t, f, schema, name, seq, &b);
	if (rc)
		return rc;
	/* Hex doubles binary data; reserve once to avoid regrowth in the loop. */
	rc = sl_buf_reserve(&b->body, sl_rowset_bytes(rs) + sl_rowset_bytes(rs) / 4 + 4096);
	struct sl_encode_opts opts = p->encode;
	opts.names = t->names;
	if (!rc)
		rc = f->encode(&opts, schema, name, rs, &b->body);
	if (rc) {
		sl_batch_release(b);
		return rc;
	}
	b->rows = rs->nrows;
	*out = b;
	return 0;
}

/* The limits of the run's Lua states: a cancel of the run stops them. */
static struct sl_script_opts script_limits(struct sl_pipeline *p)
{
	return (struct sl_script_opts){.memory = p->cfg.script_memory,
	                               .budget = (uint64_t)p->cfg.script_budget,
	                               .params = &p->cfg.params,
	                               .timeout_ms = (uint64_t)p->cfg.script_timeout * 1000,
	                               .stop = &p->cancelled};
}

/* This thread's Lua state for transform(), opened on first use. */
static int worker_script(struct sl_pipeline *p, struct sl_script **out)
{
	*out = NULL;
	if (!p->has_transform || current_worker < 0 ||
	    (unsigned)current_worker >= p->nworker_scripts)
		return 0;
	struct sl_script **slot = &p->worker_scripts[current_worker];
	if (!*slot) {
		struct sl_error err = {0};
		struct sl_script_opts lim = script_limits(p);
		int rc = sl_script_open(slot, p->cfg.script, &lim, p->log, &err);
		if (!rc && p->ncatalog)
			rc = sl_script_set_catalog(*slot, p->catalog, p->ncatalog, &err);
		if (rc)
			return sl_pipeline_fail(p, rc, "%s", err.msg);
	}
	*out = *slot;
	return 0;
}

/* Count an encoded block of 'nrows' rows of 't' and push its files to the
 * sinks: variant[i] is sink i's file (the same batch, one reference each,
 * where sinks share one), or NULL.  Takes the references. */
static int push_variants(struct sl_pipeline *p, struct sl_table *t, size_t nrows,
                         struct sl_batch *const *variant)
{
	int rc = 0;
	atomic_fetch_add(&t->rows_done, nrows);
	atomic_fetch_add(&p->rows, nrows);
	for (size_t i = 0; i < p->nsinks; i++) {
		if (!variant[i])
			continue;
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = variant[k] != variant[i];
		if (first) {
			atomic_fetch_add(&t->bytes_done, variant[i]->body.len);
			atomic_fetch_add(&p->files, 1);
			atomic_fetch_add(&p->bytes, variant[i]->body.len);
		}
	}
	for (size_t i = 0; i < p->nsinks; i++) {
		if (!variant[i])
			continue;
		if (!rc)
			rc = push_to_sink(p, i, variant[i]);
		else
			sl_batch_release(variant[i]);
	}
	return rc;
}

int sl_pipeline_emit_rows(struct sl_pipeline *p, struct sl_table *t, const struct sl_rowset *rs)
{
	if (rs->nrows == 0)
		return 0;
	/* transform() runs here, on the producing thread, before encoding. */
	struct sl_script *script;
	int rc = worker_script(p, &script);
	if (rc)
		return rc;
	if (script) {
		struct sl_error err = {0};
		if ((rc = sl_script_transform(script, t, rs, &rs, &err)))
			return sl_pipeline_fail(p, rc, "%s", err.msg);
		if (rs->nrows == 0)
			return 0;
	}
	/* Encode once per distinct (format, target name). */
	unsigned seq = atomic_fetch_add(&t->next_file_seq, 1);
	struct sl_batch *variant[SL_MAX_SINKS] = {0};
	for (size_t i = 0; i < p->nsinks && !rc; i++) {
		const char *schema, *name;
		if (!sl_table_target_of(t, i, &schema, &name))
			continue;
		for (size_t k = 0; k < i && !variant[i]; k++)
			if (variant[k] && same_target(t, k, schema, name) &&
			    sink_format(p, k) == sink_format(p, i))
				variant[i] = sl_batch_ref(variant[k]);
		if (!variant[i])
			rc = encode_file(p, t, sink_format(p, i), schema, name, seq, rs,
			                 &variant[i]);
	}
	if (rc) {
		for (size_t i = 0; i < p->nsinks; i++)
			sl_batch_release(variant[i]);
		return sl_pipeline_fail(p, rc, "%s.%s: encoding rows: %s", t->schema, t->name,
		                        sl_strerror(rc));
	}
	return push_variants(p, t, rs->nrows, variant);
}

/* --- rows written as they come ------------------------------------------ */

struct sl_row_stream {
	struct sl_pipeline *p;
	struct sl_table *t;
	const char *schema, *name; /* the target, borrowed from t's routes */
	bool to[SL_MAX_SINKS];     /* the sinks that take the table */
	struct sl_encode_opts opts;
	struct sl_sql_writer w;
	struct sl_buf body; /* the current file */
	size_t rows;        /* in body */
	size_t held;        /* what the rows would hold as a rowset */
	size_t bytes_cap;   /* --batch-size */
	uint64_t emitted;   /* rows emitted so far */
};

int sl_pipeline_row_stream(struct sl_pipeline *p, struct sl_table *t, size_t ncols,
                           const struct sl_column *const *cols, struct sl_row_stream **out)
{
	*out = NULL;
	if (p->has_transform)
		return 0;
	struct sl_row_stream *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	bool any = false, same = true;
	for (size_t i = 0; i < p->nsinks; i++) {
		const char *schema, *name;
		if (!sl_table_target_of(t, i, &schema, &name))
			continue;
		if (!any) {
			s->schema = schema;
			s->name = name;
		}
		same = same && sink_format(p, i) == &sl_data_formats[0] &&
		       !strcmp(schema, s->schema) && !strcmp(name, s->name);
		s->to[i] = any = true;
	}
	if (!any || !same) { /* rowsets then, encoded once per variant */
		sl_free(s);
		return 0;
	}
	s->p = p;
	s->t = t;
	s->opts = p->encode;
	s->opts.names = t->names;
	s->bytes_cap = (size_t)p->cfg.batch_size;
	s->body = (struct sl_buf)SL_BUF_INIT;
	if (sl_sql_writer_init(&s->w, &s->opts, s->name, ncols, cols)) {
		sl_free(s);
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	}
	*out = s;
	return 0;
}

/* Emit the rows written so far as one data file. */
static int row_stream_emit(struct sl_row_stream *s)
{
	struct sl_pipeline *p = s->p;
	struct sl_table *t = s->t;
	struct sl_batch *b = NULL;
	int rc = sl_sql_writer_end(&s->w, &s->body);
	unsigned seq = atomic_fetch_add(&t->next_file_seq, 1);
	if (!rc)
		rc = data_file(t, &sl_data_formats[0], s->schema, s->name, seq, &b);
	if (rc) {
		return sl_pipeline_fail(p, rc, "%s.%s: encoding rows: %s", t->schema, t->name,
		                        sl_strerror(rc));
	}
	/* A small table's only file does not keep a file's worth of memory
	 * while it waits in the rings (a full file fills half of it). */
	if (s->body.len < s->body.cap / 8) {
		char *fit = sl_realloc(s->body.data, s->body.len + 1);
		if (fit) {
			s->body.data = fit;
			s->body.cap = s->body.len + 1;
		}
	}
	sl_buf_free(&b->body);
	b->body = s->body;
	b->rows = s->rows;
	s->body = (struct sl_buf)SL_BUF_INIT;
	s->emitted += s->rows;
	size_t nrows = s->rows;
	s->rows = s->held = 0;
	struct sl_batch *variant[SL_MAX_SINKS] = {0};
	for (size_t i = 0; i < p->nsinks; i++)
		if (s->to[i])
			variant[i] = sl_batch_ref(b);
	sl_batch_release(b);
	return push_variants(p, t, nrows, variant);
}

int sl_row_stream_add(struct sl_row_stream *s, const char *const *vals, const unsigned long *lens)
{
	int rc;
	if (s->rows == 0) {
		/* A file's worth at once (what encode_file() reserves): the
		 * body does not regrow while the rows come. */
		if ((rc = sl_buf_reserve(&s->body, s->bytes_cap + s->bytes_cap / 4 + 4096)) ||
		    (rc = sl_encode_sql_file_start(&s->opts, s->schema, &s->body)))
			return sl_pipeline_fail(s->p, rc, "out of memory");
	}
	if ((rc = sl_sql_writer_row(&s->w, &s->body, vals, lens)))
		return sl_pipeline_fail(s->p, rc, "out of memory");
	s->rows++;
	/* Files end where a rowset of the same rows would reach --batch-size
	 * (sl_rowset_bytes()), so both ways cut a table into the same files. */
	for (size_t c = 0; c < s->w.ncols; c++)
		s->held += sizeof(struct sl_cell) + (vals[c] ? (size_t)lens[c] + 1 : 0);
	return s->held >= s->bytes_cap ? row_stream_emit(s) : 0;
}

int sl_row_stream_close(struct sl_row_stream *s, bool emit, uint64_t *rows)
{
	if (!s)
		return 0;
	int rc = emit && s->rows ? row_stream_emit(s) : 0;
	if (rows)
		*rows = s->emitted;
	sl_sql_writer_free(&s->w);
	sl_buf_free(&s->body);
	sl_free(s);
	return rc;
}

void sl_pipeline_set_query(struct sl_pipeline *p, const struct sl_script_query *q)
{
	p->query = q;
}

int sl_pipeline_plan(struct sl_pipeline *p, struct sl_table *const *tables, size_t n, bool *take)
{
	struct sl_error err = {0};
	int rc = 0;
	if (p->script && n && (rc = sl_script_set_catalog(p->script, tables, n, &err)))
		return sl_pipeline_fail(p, rc, "%s", err.msg);
	if (p->script)
		sl_script_set_query(p->script, p->query);
	for (size_t i = 0; i < n && !rc; i++) {
		take[i] = true;
		if (p->router_ready && (rc = sl_router_plan(&p->router, tables[i], &take[i], &err)))
			break;
	}
	if (p->script)
		sl_script_set_query(p->script, NULL);
	if (rc)
		return sl_pipeline_fail(p, rc, "%s", err.msg);
	for (size_t i = 0; i < n; i++) {
		struct sl_table *t = tables[i];
		if (!t->from_files)
			continue;
		/* Rows read back from files: no server to push SQL down to. */
		if (t->where)
			return sl_pipeline_fail(
			    p, SL_ELUA,
			    "%s: where() gives %s.%s a condition, but its rows come from files, "
			    "with "
			    "no server to run it: drop rows in transform() instead (rows:drop(i))",
			    p->cfg.script, t->schema, t->name);
		if (t->col_exprs)
			return sl_pipeline_fail(
			    p, SL_ELUA,
			    "%s: columns rewrites %s.%s with SQL, but its rows come from files, "
			    "with "
			    "no server to run it: rewrite the values in transform() instead",
			    p->cfg.script, t->schema, t->name);
		t->decode_rows = p->has_transform && take[i] && t->kind == SL_TABLE_BASE;
	}
	/* Views are not kept: a source may still leave them out (depend). */
	for (size_t i = 0; p->has_transform && i < n; i++) {
		if (!take[i] || tables[i]->kind == SL_TABLE_VIEW)
			continue;
		struct sl_table **v = sl_realloc(p->catalog, (p->ncatalog + 1) * sizeof(*v));
		if (!v)
			return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		p->catalog = v;
		p->catalog[p->ncatalog++] = tables[i];
	}
	return 0;
}

/* The dry run's first line. */
static void dry_header(struct sl_pipeline *p)
{
	if (p->dry_header)
		return;
	p->dry_header = true;
	printf("# sluice dry run: what this run would take (nothing is read or written)\n"
	       "%-8s %-40s %12s  %-20s %s\n",
	       "kind", "table", "est. rows", "sinks", "condition");
}

int sl_pipeline_left_out(struct sl_pipeline *p, const char *kind, const char *schema,
                         const char *name, const char *missing, int sink, int lacking)
{
	struct sl_run_info *ri = &p->info;
	struct sl_run_left_out *v = sl_realloc(ri->left_out, (ri->nleft_out + 1) * sizeof(*v));
	if (!v)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	ri->left_out = v;
	struct sl_run_left_out *e = &v[ri->nleft_out];
	e->lo.kind = kind;
	e->lo.schema = sl_strdup(schema);
	e->lo.name = sl_strdup(name);
	e->lo.missing = sl_strdup(missing);
	e->sink = sink;
	if (!e->lo.schema || !e->lo.name || !e->lo.missing) {
		sl_free(e->lo.schema);
		sl_free(e->lo.name);
		sl_free(e->lo.missing);
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	}
	ri->nleft_out++;
	const char *sname = sink >= 0 && (size_t)sink < p->nsinks ? p->sinks[sink].name : NULL;
	const char *lname =
	    lacking >= 0 && (size_t)lacking < p->nsinks ? p->sinks[lacking].name : NULL;
	sl_logf(p->log, SL_LOG_WARN, NULL, "%s %s.%s left out%s%s: it needs %s, which %s%s%s", kind,
	        schema, name, sname ? " of sink " : "", sname ? sname : "", missing,
	        sname   ? "that sink does not take"
	        : lname ? "sink "
	                : "the run does not take",
	        !sname && lname ? lname : "", !sname && lname ? " does not take" : "");
	if (p->cfg.dry_run) {
		dry_header(p);
		printf("%-8s %s.%s  left out of %s: needs %s\n", kind, schema, name,
		       sname ? sname : "every sink", missing);
	}
	return 0;
}

/* Append c to b on one line, at most 'max' bytes of it. */
static int put_condition(struct sl_buf *b, const char *c, size_t max)
{
	size_t n = strlen(c), take = n > max ? max : n;
	int rc = 0;
	for (size_t i = 0; i < take && !rc; i++)
		rc = sl_buf_putc(b, c[i] == '\n' || c[i] == '\r' || c[i] == '\t' ? ' ' : c[i]);
	if (!rc && take < n)
		rc = sl_buf_printf(b, " ... (%zu bytes)", n);
	return rc;
}

int sl_pipeline_explain(struct sl_pipeline *p, const struct sl_table *t, uint64_t rows)
{
	static const char *const kinds[] = {"table", "view", "sequence"};
	struct sl_buf name = SL_BUF_INIT, sinks = SL_BUF_INIT, cond = SL_BUF_INIT;
	int rc = 0;
	dry_header(p);
	rc = sl_buf_printf(&name, "%s.%s", t->schema, t->name);
	for (size_t i = 0; i < p->nsinks && !rc; i++) {
		const char *ts, *tn;
		if (!sl_table_target_of(t, i, &ts, &tn))
			continue;
		rc = sl_buf_printf(&sinks, "%s%s", sinks.len ? "," : "", p->sinks[i].name);
		if (!rc && (strcmp(ts, t->schema) != 0 || strcmp(tn, t->name) != 0))
			rc = sl_buf_printf(&sinks, "=%s.%s", ts, tn);
	}
	if (!rc)
		rc = t->where ? put_condition(&cond, t->where, 200)
		              : sl_buf_puts(&cond, "(all rows)");
	char est[32] = "-";
	if (t->kind == SL_TABLE_BASE) {
		snprintf(est, sizeof(est), "%llu", (unsigned long long)rows);
		p->explained_rows += rows;
	}
	p->explained_tables++;
	if (!rc)
		printf("%-8s %-40s %12s  %-20s %s\n", kinds[t->kind], name.data, est,
		       sinks.len ? sinks.data : "(none)",
		       t->kind == SL_TABLE_BASE ? cond.data : "");
	sl_buf_free(&name);
	sl_buf_free(&sinks);
	sl_buf_free(&cond);
	if (rc)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	if (fflush(stdout) || ferror(stdout))
		return sl_pipeline_fail(p, SL_EIO, "--dry-run: cannot write the plan on stdout");
	return 0;
}

/* Open the main Lua state and the router before the source plans. */
static int open_script(struct sl_pipeline *p)
{
	struct sl_error err = {0};
	int rc;
	if (p->cfg.script) {
		struct sl_script_opts lim = script_limits(p);
		if ((rc = sl_script_open(&p->script, p->cfg.script, &lim, p->log, &err)))
			return sl_pipeline_fail(p, rc, "%s", err.msg);
		p->has_transform = sl_script_has(p->script, "transform");
		if (p->has_transform) {
			p->nworker_scripts = (unsigned)p->cfg.threads;
			p->worker_scripts =
			    sl_calloc(p->nworker_scripts, sizeof(*p->worker_scripts));
			if (!p->worker_scripts)
				return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		}
	}
	struct sl_route_sink rs[SL_MAX_SINKS];
	for (size_t i = 0; i < p->nsinks; i++) {
		const struct sl_instance *s = p->sinks[i].inst;
		rs[i] = (struct sl_route_sink){p->sinks[i].name, s->target_db, s->renames, NULL};
	}
	if ((rc = sl_router_init(&p->router, p->script, rs, p->nsinks, &err)))
		return sl_pipeline_fail(p, rc, "%s", err.msg);
	p->router_ready = true;
	return 0;
}

bool sl_pipeline_schema_unplaced(struct sl_pipeline *p, const char *schema)
{
	size_t n = strlen(schema);
	for (size_t i = 0; i < p->nsinks; i++) {
		const struct sl_instance *s = p->sinks[i].inst;
		if (!s->renames || s->target_db)
			continue; /* names nothing, or puts every database into one */
		bool renamed = false;
		for (size_t k = 0; k < s->renames->n && !renamed; k++)
			renamed =
			    !strncmp(s->renames->v[k], schema, n) && s->renames->v[k][n] == '=';
		if (!renamed)
			return true;
	}
	return false;
}

int sl_pipeline_end_table(struct sl_pipeline *p, struct sl_table *t)
{
	struct sl_batch *b = sl_batch_new(SL_BATCH_TABLE_END, SL_FILE_DATA, t, t->schema, NULL);
	if (!b)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	b->rows = atomic_load(&t->rows_done);
	atomic_fetch_add(&p->tables_done, 1);
	/* Sources that read rendered files (a stream) learn row counts only
	 * here, from the producer's own end-of-table records. */
	atomic_fetch_add(&p->table_rows, b->rows);
	return sl_pipeline_emit(p, b);
}

/* --- threads ------------------------------------------------------------- */

struct worker_arg {
	struct sl_pipeline *p;
	unsigned id;
};

static void *worker_main(void *arg)
{
	struct worker_arg *w = arg;
	struct sl_pipeline *p = w->p;
	current_worker = (int)w->id;
	int rc = p->source->plugin->work(p->source, w->id);
	if (rc && rc != SL_ECANCEL)
		sl_pipeline_fail(p, rc, "%s: worker %u failed: %s", p->source->name, w->id,
		                 sl_strerror(rc));
	return NULL;
}

static void *sink_main(void *arg)
{
	struct sl_instance *sink = arg;
	struct sl_pipeline *p = sink->pipe;
	/* One batch at a time: a batch taken out of the ring no longer counts
	 * against --buffer, so a burst would let memory exceed the bound while
	 * the ring refills.  Batches are ~1 MiB: the lock traffic is nothing. */
	for (;;) {
		struct sl_batch *b;
		if (sl_ring_pop(sink->ring, &b))
			break; /* closed and drained, or cancelled */
		int rc = sl_pipeline_cancelled(p) ? SL_ECANCEL : sink->plugin->consume(sink, b);
		sl_batch_release(b);
		if (rc) {
			if (rc != SL_ECANCEL)
				sl_pipeline_fail(p, rc, "%s: %s", sink->name, sl_strerror(rc));
			break;
		}
	}
	pthread_mutex_lock(&p->lock);
	p->sinks[sink->index].alive = false;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* SIGUSR1 only interrupts a blocked system call in a sink thread. */
static void wake_handler(int sig)
{
	(void)sig;
}

static void install_wake_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: write() must return EINTR */
	sigaction(SIGUSR1, &sa, NULL);
}

/* A sink's ring: its share of --buffer less what the sink and the source
 * hold in buffers of their own, a quarter of the share at least. */
static void size_ring(struct sl_pipeline *p, struct sink *k)
{
	size_t n = p->nsinks ? p->nsinks : 1;
	size_t share = (size_t)(p->cfg.buffer / n);
	if (share < SL_RING_MIN_BYTES)
		share = SL_RING_MIN_BYTES;
	size_t keep = share / 4, held = k->reserved + p->input_reserved / n;
	if (k->inst->ring)
		sl_ring_shrink(k->inst->ring, held < share - keep ? share - held : keep);
}

void sl_pipeline_sink_reserve(struct sl_instance *sink, size_t bytes)
{
	struct sl_pipeline *p = sink->pipe;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nsinks; i++) {
		if (p->sinks[i].inst == sink) {
			p->sinks[i].reserved += bytes;
			size_ring(p, &p->sinks[i]);
		}
	}
	pthread_mutex_unlock(&p->lock);
}

void sl_pipeline_input_reserve(struct sl_pipeline *p, size_t bytes)
{
	pthread_mutex_lock(&p->lock);
	p->input_reserved += bytes;
	for (size_t i = 0; i < p->nsinks; i++)
		size_ring(p, &p->sinks[i]);
	pthread_mutex_unlock(&p->lock);
}

static int open_sinks(struct sl_pipeline *p)
{
	size_t per_sink = (size_t)(p->cfg.buffer / (p->nsinks ? p->nsinks : 1));
	if (per_sink < SL_RING_MIN_BYTES)
		per_sink = SL_RING_MIN_BYTES;
	for (size_t i = 0; i < p->nsinks; i++) {
		struct sink *k = &p->sinks[i];
		struct sl_instance *s = k->inst;
		struct sl_ring *ring = sl_ring_new(per_sink, 4096);
		if (!ring)
			return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		pthread_mutex_lock(&p->lock); /* the source may reserve meanwhile */
		s->ring = ring;
		size_ring(p, k);
		pthread_mutex_unlock(&p->lock);
		int rc = s->plugin->open(s);
		if (rc)
			return sl_pipeline_fail(p, rc, "%s: cannot open: %s", s->name,
			                        sl_strerror(rc));
		k->opened = true;
		pthread_mutex_lock(&p->lock);
		if (pthread_create(&k->thread, NULL, sink_main, s) == 0) {
			k->started = true;
			k->alive = true;
		}
		pthread_mutex_unlock(&p->lock);
		if (!k->started)
			return sl_pipeline_fail(p, SL_EIO, "cannot start a thread");
	}
	return 0;
}

static void run_workers(struct sl_pipeline *p)
{
	unsigned n = (unsigned)p->cfg.threads;
	unsigned max = p->source->plugin->max_workers;
	if (max && n > max)
		n = max;
	pthread_t *threads = sl_calloc(n, sizeof(*threads));
	struct worker_arg *args = sl_calloc(n, sizeof(*args));
	unsigned started = 0;
	if (!threads || !args) {
		sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		goto out;
	}
	for (; started < n; started++) {
		args[started].p = p;
		args[started].id = started;
		if (pthread_create(&threads[started], NULL, worker_main, &args[started])) {
			sl_pipeline_fail(p, SL_EIO, "cannot start worker thread %u", started);
			break;
		}
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
out:
	sl_free(threads);
	sl_free(args);
}

static void log_summary(struct sl_pipeline *p)
{
	struct sl_pipeline_stats st;
	char bytes[32], rate[32];
	sl_pipeline_get_stats(p, &st);
	sl_format_bytes(bytes, sizeof(bytes), (double)st.bytes);
	sl_format_bytes(rate, sizeof(rate), st.elapsed > 0 ? (double)st.bytes / st.elapsed : 0);
	const struct sl_log_field fields[] = {
	    {"tables", (double)st.tables_done},
	    {"rows", (double)st.rows},
	    {"bytes", (double)st.bytes},
	    {"files", (double)st.files},
	    {"seconds", st.elapsed},
	    {"bytes_per_second", st.elapsed > 0 ? (double)st.bytes / st.elapsed : 0}};
	sl_log_fields(p->log, SL_LOG_INFO, NULL, fields, sizeof(fields) / sizeof(fields[0]),
	              "done: %llu tables, %llu rows, %s of data in %.2f s (%s/s)",
	              (unsigned long long)st.tables_done, (unsigned long long)st.rows, bytes,
	              st.elapsed, rate);
	/* -vv: which side was slow.  Producers that waited on a sink's ring
	 * were held back by that sink. */
	for (size_t i = 0; i < p->nsinks; i++) {
		struct sl_ring_stats rs;
		char peak[32];
		sl_ring_get_stats(p->sinks[i].inst->ring, &rs);
		sl_format_bytes(peak, sizeof(peak), (double)rs.peak_bytes);
		sl_logf(p->log, SL_LOG_DEBUG, p->sinks[i].name,
		        "%llu batches, at most %s buffered; producers waited for room %llu times",
		        (unsigned long long)rs.popped, peak, (unsigned long long)rs.push_waits);
	}
}

/* --dry-run: plan with the hooks (sluice.query included) and print the
 * plan; no sink is opened, so nothing is written anywhere. */
static int dry_run(struct sl_pipeline *p)
{
	if (!p->source->plugin->dry_run)
		return sl_pipeline_fail(p, SL_EUSAGE,
		                        "--dry-run: the %s source cannot tell what it holds "
		                        "without reading it all; dry runs work with a server as "
		                        "the source",
		                        p->source->name);
	if (open_script(p) == 0) {
		int rc = p->source->plugin->prepare(p->source);
		if (rc && !sl_pipeline_cancelled(p))
			sl_pipeline_fail(p, rc, "%s: %s", p->source->name, sl_strerror(rc));
	}
	if (!p->err.code) {
		printf("# %llu tables and views, about %llu rows; nothing was dumped\n",
		       (unsigned long long)p->explained_tables,
		       (unsigned long long)p->explained_rows);
		if (fflush(stdout) || ferror(stdout))
			sl_pipeline_fail(p, SL_EIO, "--dry-run: cannot write the plan on stdout");
	}
	return p->err.code;
}

int sl_pipeline_run(struct sl_pipeline *p)
{
	if (!p->source)
		return sl_pipeline_fail(p, SL_EINTERNAL, "no source");
	if (p->err.code) /* an init() failed */
		return p->err.code;
	install_wake_handler();
	if (p->cfg.dry_run)
		return dry_run(p);

	if (open_script(p) == 0 && open_sinks(p) == 0) {
		int rc = p->source->plugin->prepare(p->source);
		if (rc && !sl_pipeline_cancelled(p))
			sl_pipeline_fail(p, rc, "%s: %s", p->source->name, sl_strerror(rc));
		if (!sl_pipeline_cancelled(p))
			run_workers(p);
		if (!sl_pipeline_cancelled(p) && p->source->plugin->finish) {
			rc = p->source->plugin->finish(p->source);
			if (rc && !sl_pipeline_cancelled(p))
				sl_pipeline_fail(p, rc, "%s: %s", p->source->name, sl_strerror(rc));
		}
	}

	/* Let sinks drain what is queued (or stop, when cancelled). */
	for (size_t i = 0; i < p->nsinks; i++)
		if (p->sinks[i].inst->ring)
			sl_ring_close(p->sinks[i].inst->ring);
	for (size_t i = 0; i < p->nsinks; i++)
		if (p->sinks[i].started)
			pthread_join(p->sinks[i].thread, NULL);

	struct sl_run_summary summary = {
	    .status = p->err.code,
	    .error = p->err.code ? p->err.msg : NULL,
	    .info = &p->info,
	    .files = atomic_load(&p->files),
	    .rows = atomic_load(&p->rows),
	    .bytes = atomic_load(&p->bytes),
	};
	for (size_t i = 0; i < p->nsinks; i++) {
		struct sl_instance *s = p->sinks[i].inst;
		if (!p->sinks[i].opened)
			continue;
		int rc = s->plugin->close(s, &summary);
		if (rc && !p->err.code)
			sl_pipeline_fail(p, rc, "%s: cannot finish the output: %s", s->name,
			                 sl_strerror(rc));
	}
	if (!p->err.code)
		log_summary(p);
	return p->err.code;
}
