/* route.h - the router: what a run does with each table, decided once.
 *
 * For every table a source offers, the router applies the script's hooks
 * (tables: patterns or a function; where; columns) and decides for each sink
 * whether it takes the table and under which database and table names
 * (route, rename).  The decisions live in the table (t->where,
 * t->col_exprs, t->targets); the pipeline reads them when it emits.
 * Without a script every sink takes every table under its own name.
 *
 * Batches of a renamed table are rewritten for the sinks that see other
 * names (sl_route_retarget): the file name, the USE line and the CREATE
 * statement's name; database-level files follow the databases their
 * tables went to. */
#ifndef SL_ROUTE_H
#define SL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "select.h"

struct sl_batch;
struct sl_script;
struct sl_table;

/* One (sink, source database) -> target database pair seen while planning. */
struct sl_route_schema {
	size_t sink;
	char *src;
	char *dst;
};

struct sl_router {
	struct sl_script *script; /* borrowed; NULL: no hooks */
	const char *const *sinks; /* sink names, borrowed */
	size_t nsinks;
	bool has_patterns;
	struct sl_select select; /* the script's tables = {include, exclude} */
	struct sl_route_schema *schemas;
	size_t nschemas, cap_schemas;
};

/* Set up for 'nsinks' sinks named 'sinks' (borrowed, must outlive the
 * router).  0 or an error in 'err'. */
int sl_router_init(struct sl_router *r, struct sl_script *script, const char *const *sinks,
                   size_t nsinks, struct sl_error *err);
void sl_router_free(struct sl_router *r);

/* Decide for 't': *take false when the run skips it.  Sets t->where,
 * t->col_exprs (base tables) and t->targets.  0 or an error in 'err'. */
int sl_router_plan(struct sl_router *r, struct sl_table *t, bool *take, struct sl_error *err);

/* Target databases of source database 'src' in sink 'sink': calls
 * fn(dst, arg) for each distinct one.  Returns how many there were; 0
 * means none of src's tables was planned for any sink (database-level
 * files then go everywhere unchanged) or, when *known, none for this sink. */
size_t sl_router_schema_targets(const struct sl_router *r, size_t sink, const char *src,
                                bool *known, const char **dsts, size_t max);

/* A copy of file or end-of-table batch 'b' for a sink that knows its
 * table as schema.name ('name' NULL for database-level files).  *out has
 * one reference.  0 or SL_ENOMEM. */
int sl_route_retarget(const struct sl_batch *b, const char *schema, const char *name,
                      struct sl_batch **out);

#endif
