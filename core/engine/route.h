/* route.h - the router: what a run does with each table, decided once.
 *
 * For every table a source offers, the router applies the script's hooks
 * (tables: patterns or a function; where; columns) and decides for each sink
 * whether it takes the table and under which database and table names
 * (route, rename).  The decisions live in the table (t->where,
 * t->col_exprs, t->targets); the pipeline reads them when it emits.
 * Without a script every sink takes every table under its own name.
 *
 * A sink may bring its own renames (a loader's -B and --rename): they apply
 * where the script renames nothing, so every command renames the same way.
 * Batches of a renamed table are rewritten for the sinks that see other
 * names (sl_route_retarget): the file name, the USE line and the CREATE
 * statement's name; database-level files follow the databases their
 * tables went to.  This is the only place names are rewritten. */
#ifndef SL_ROUTE_H
#define SL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/option.h"
#include "engine/select.h"

#define SL_ROUTE_MAX_SINKS 64

struct sl_batch;
struct sl_script;
struct sl_table;

/* One (sink, source database) -> target database pair seen while planning. */
struct sl_route_schema {
	size_t sink;
	char *src;
	char *dst;
};

/* What the router knows of a sink: its name (routes refer to it) and its
 * own target names, applied where the script renames nothing: a loader's
 * -B (every database into one) and --rename OLD=NEW. */
struct sl_route_sink {
	const char *name;                 /* borrowed */
	const char *database;             /* borrowed, or NULL */
	const struct sl_strlist *renames; /* borrowed, or NULL */
	char *first_db;                   /* -B: the one source database seen (owned) */
};

struct sl_router {
	struct sl_script *script; /* borrowed; NULL: no hooks */
	struct sl_route_sink *sinks;
	const char **names; /* the sinks' names, for route() */
	size_t nsinks;
	bool has_patterns;
	struct sl_select select; /* the script's tables = {include, exclude} */
	struct sl_route_schema *schemas;
	size_t nschemas, cap_schemas;
};

/* Set up for 'nsinks' sinks (copied; the strings they point to are
 * borrowed and must outlive the router).  0 or an error in 'err'. */
int sl_router_init(struct sl_router *r, struct sl_script *script, const struct sl_route_sink *sinks,
                   size_t nsinks, struct sl_error *err);
void sl_router_free(struct sl_router *r);

/* Decide for 't': *take false when the run skips it.  Sets t->where,
 * t->col_exprs (base tables) and t->targets.  0 or an error in 'err'
 * (a script's, or -B meeting a second database). */
int sl_router_plan(struct sl_router *r, struct sl_table *t, bool *take, struct sl_error *err);

/* Where a database-level file of source database 'src' goes in sink
 * 'sink': the target databases (at most 'max') in dsts[0..*n).  *as_is
 * says nothing decided it yet (no table of src was planned and the sink
 * renames nothing): the file then goes to the sink unchanged.  0 or an
 * error in 'err'. */
int sl_router_schema_targets(struct sl_router *r, size_t sink, const char *src, const char **dsts,
                             size_t max, size_t *n, bool *as_is, struct sl_error *err);

/* A copy of file or end-of-table batch 'b' for a sink that knows its
 * table as schema.name ('name' NULL for database-level files).  *out has
 * one reference.  0 or SL_ENOMEM. */
int sl_route_retarget(const struct sl_batch *b, const char *schema, const char *name,
                      struct sl_batch **out);

#endif
