/* pipeline.h - one run: its source, sinks, rings, threads, errors and stats.
 *
 *   main thread        worker threads (N)                 sink threads (1 per sink)
 *   prepare() ───────► work(): fetch → transform → encode ──► ring ──► consume()
 *   finish()  ◄─────── join                                          close()
 *
 * The pipeline owns everything of a run; nothing here is global.  The
 * frontend that runs it watches it from outside (sl_pipeline_get_stats(),
 * the progress line) and routes signals to sl_pipeline_fail().  The first
 * error anywhere wins (sl_pipeline_fail), and it cancels the run: rings wake
 * every waiter, the source's interrupt() unblocks its I/O, and sink threads
 * blocked in write() are interrupted with a signal.  Sources emit through
 * sl_pipeline_emit_*(), which blocks when a sink's ring is full
 * (backpressure) and returns SL_ECANCEL once the run is cancelled. */
#ifndef SL_PIPELINE_H
#define SL_PIPELINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/log.h"
#include "engine/batch.h"
#include "engine/plugin.h"

struct sl_rowset;
struct sl_table;

/* Options of the pipeline itself (the "pipeline" option group). */
struct sl_pipeline_config {
	long long threads;        /* worker threads */
	uint64_t buffer;          /* total ring capacity in bytes */
	uint64_t batch_size;      /* target size of one batch of rows */
	uint64_t statement_size;  /* cap of one INSERT statement */
	char *script;             /* --script FILE.lua, or NULL */
	uint64_t script_memory;   /* per Lua state */
	long long script_budget;  /* instructions per hook call */
	long long script_timeout; /* seconds one hook call may take, 0: none */
	struct sl_strlist params; /* --set KEY=VALUE: sluice.params in scripts */
	bool quiet;
	long long verbose;           /* counted -v */
	int log_format;              /* 0 text, 1 json */
	int progress;                /* 0 auto, 1 always, 2 never */
	long long progress_interval; /* seconds between lines of their own */
	bool dry_run;                /* plan, print the plan on stdout, move nothing */
};

extern const struct sl_option sl_pipeline_options[];

/* An object left out of one sink (or of all: sink -1). */
struct sl_run_left_out {
	struct sl_left_out lo; /* owned strings (kind is static) */
	int sink;
};

/* What the source learned about the run, written into trailers/manifests. */
struct sl_run_info {
	char *source;         /* the server dumped: "@@hostname:@@port", or NULL */
	char *server_version; /* e.g. "10.11.19-MariaDB" */
	char *binlog_file;    /* NULL when binary logging is off */
	uint64_t binlog_pos;
	char *gtid;                       /* NULL when unknown */
	struct sl_run_left_out *left_out; /* views and triggers left out (sl_pipeline_left_out) */
	size_t nleft_out;
};

/* Outcome handed to sinks' close(). */
struct sl_run_summary {
	int status;        /* 0 or the first error's code */
	const char *error; /* its message, or NULL */
	const struct sl_run_info *info;
	uint64_t files, rows, bytes; /* emitted by the source */
};

struct sl_pipeline;

/* New pipeline; 'log' is borrowed and must outlive it.  NULL on ENOMEM. */
struct sl_pipeline *sl_pipeline_new(const struct sl_pipeline_config *cfg, struct sl_log *log);
void sl_pipeline_free(struct sl_pipeline *p);

/* Add a configured plugin; takes ownership of 'config' (allocated with
 * sl_calloc, filled by the option table) even on failure.  Runs init(). */
int sl_pipeline_add(struct sl_pipeline *p, const struct sl_plugin *plugin, void *config,
                    struct sl_instance **out);

/* The same, naming the instance (a sink named in a job script; routes
 * refer to sinks by name).  NULL: the plugin's name.  Two sinks may not
 * share a name. */
int sl_pipeline_add_named(struct sl_pipeline *p, const struct sl_plugin *plugin, void *config,
                          const char *name, struct sl_instance **out);

/* Run to the end.  Returns 0 or the first error's code; the message is in
 * sl_pipeline_error().  Signals: the caller routes SIGINT/SIGTERM to
 * sl_pipeline_fail(). */
int sl_pipeline_run(struct sl_pipeline *p);

const struct sl_error *sl_pipeline_error(struct sl_pipeline *p);
struct sl_log *sl_pipeline_log(struct sl_pipeline *p);
const struct sl_pipeline_config *sl_pipeline_config(struct sl_pipeline *p);
struct sl_run_info *sl_pipeline_info(struct sl_pipeline *p);
/* How many sinks the run has (routes and targets index them 0..n-1). */
size_t sl_pipeline_nsinks(struct sl_pipeline *p);

/* Record an error (first one wins) and cancel the run.  Thread-safe and
 * async-signal-unsafe (call from threads, not handlers).  Returns 'code'. */
int sl_pipeline_fail(struct sl_pipeline *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Cancelled by an error or a signal? Cheap; check at every blocking point. */
bool sl_pipeline_cancelled(struct sl_pipeline *p);

/* A sink that keeps up to 'bytes' of batches in buffers of its own (the
 * loader's queue to its executors): its input ring gives that much of
 * --buffer up, so that the two together stay within it (the ring keeps at
 * least a quarter of its share).  Call from open(). */
void sl_pipeline_sink_reserve(struct sl_instance *sink, size_t bytes);

/* The source reads up to 'bytes' ahead into buffers of its own (ranges of
 * an object in the store): the sinks' rings give that much of --buffer up
 * between them, each keeping a quarter of its share.  Any time. */
void sl_pipeline_input_reserve(struct sl_pipeline *p, size_t bytes);

/* Logging for instances: prefixed with the instance name. */
void sl_instance_log(struct sl_instance *inst, enum sl_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- emitting (sources, on worker or main threads) -------------------- */

/* Route a finished file batch (DDL, views, ...) to every sink that takes
 * its table.  Takes ownership of the caller's reference in all cases. */
int sl_pipeline_emit(struct sl_pipeline *p, struct sl_batch *b);

/* Encode a block of rows of table 't' once per format the sinks need and
 * emit the files.  The rowset is read, not kept; the caller resets it.
 * Counts rows and bytes into t and the pipeline's stats. */
int sl_pipeline_emit_rows(struct sl_pipeline *p, struct sl_table *t, const struct sl_rowset *rs);

/* Rows of 't' written into data files as the source fetches them, with no
 * rowset in between: a dump's hot path, for a source whose rows would only
 * be copied into a rowset to be encoded.  The files are the ones
 * sl_pipeline_emit_rows() would make of the same rows.  *out is NULL (and
 * 0 returned) where rows must go through rowsets: a transform script, or
 * sinks that take 't' in a format other than SQL or under different
 * names. */
struct sl_row_stream;
int sl_pipeline_row_stream(struct sl_pipeline *p, struct sl_table *t, size_t ncols,
                           const struct sl_column *const *cols, struct sl_row_stream **out);

/* One row (vals[c] == NULL: SQL NULL); a file goes to the sinks each time
 * the rows reach --batch-size.  0 or the pipeline's error. */
int sl_row_stream_add(struct sl_row_stream *s, const char *const *vals, const unsigned long *lens);

/* Emit the last rows when 'emit' (not after a failure), free the stream
 * (NULL is fine), and give the rows emitted in all in *rows (may be NULL). */
int sl_row_stream_close(struct sl_row_stream *s, bool emit, uint64_t *rows);

/* Decide what the run does with each of the source's tables, once, on the
 * main thread (the router: script select/where/columns/route/rename).
 * take[i] false: leave tables[i] out.  Sources call it from prepare()
 * before emitting anything of those tables.  0 or the run's error. */
int sl_pipeline_plan(struct sl_pipeline *p, struct sl_table *const *tables, size_t n, bool *take);

/* Lend the main Lua state a source's read-only queries (sluice.query) for
 * the hooks sl_pipeline_plan() calls; NULL takes them back.  'q' must live
 * until then. */
struct sl_script_query;
void sl_pipeline_set_query(struct sl_pipeline *p, const struct sl_script_query *q);

/* Leave 'kind' ("view", "trigger") schema.name out of sink 'sink' (-1:
 * every sink) because it needs what the run, or sink 'lacking' (-1: the
 * run), does not take ('missing': "db.t, db.u"): one warning now, and a
 * line in each such sink's trailer or manifest.  0 or SL_ENOMEM (the run
 * failed). */
int sl_pipeline_left_out(struct sl_pipeline *p, const char *kind, const char *schema,
                         const char *name, const char *missing, int sink, int lacking);

/* --dry-run: print what the run would do with table 't' (kind, name,
 * sinks and target names, condition, 'rows' estimated) on stdout.  A
 * source that supports dry runs (plugin->dry_run) calls it for each table
 * and view from prepare(), after planning, and emits nothing.  0 or an
 * error (stdout failed). */
int sl_pipeline_explain(struct sl_pipeline *p, const struct sl_table *t, uint64_t rows);

/* Does some sink of the run that puts databases somewhere (a loader)
 * have no target for source database 'schema' (no -B, no --rename of
 * it)?  For a source whose input names no database. */
bool sl_pipeline_schema_unplaced(struct sl_pipeline *p, const char *schema);

/* All data of 't' has been emitted: send its end-of-table record. */
int sl_pipeline_end_table(struct sl_pipeline *p, struct sl_table *t);

/* For the progress line: how many tables and (estimated) rows the run
 * will dump.  Set by the source in prepare(). */
void sl_pipeline_set_totals(struct sl_pipeline *p, uint64_t tables, uint64_t est_rows);

/* For the progress line of a run that reads files: how many bytes the
 * input holds (0: unknown, a pipe), and the bytes read so far.  Any
 * thread. */
void sl_pipeline_set_input_size(struct sl_pipeline *p, uint64_t bytes);
void sl_pipeline_add_input(struct sl_pipeline *p, uint64_t bytes);

/* A phase the progress line names while it lasts ("adding indexes to
 * db.t"); phases may overlap (several threads), the last begun is shown
 * until all have ended.  Any thread. */
void sl_pipeline_phase_begin(struct sl_pipeline *p, const char *what);
void sl_pipeline_phase_end(struct sl_pipeline *p);

struct sl_pipeline_stats {
	uint64_t tables_done, tables_total;
	uint64_t rows, est_rows, bytes, files;
	uint64_t input_size, input_read; /* bytes of the input (0: unknown), read */
	double elapsed;                  /* seconds since the run started */
	char phase[160];                 /* "" or what is going on now */
};

void sl_pipeline_get_stats(struct sl_pipeline *p, struct sl_pipeline_stats *out);

#endif
