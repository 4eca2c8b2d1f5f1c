/* tableset.h - the tables a source meets in rendered files (a stream, an
 * archive, a directory): created on first sight, found again by name, owned
 * until the set is freed.  An open-addressing index (linear probing,
 * power-of-two size, at most half full) keyed by (schema, name). */
#ifndef SL_TABLESET_H
#define SL_TABLESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sl_pipeline;
struct sl_table;

struct sl_tableset_slot {
	uint64_t hash;
	struct sl_table *t; /* owned; NULL marks an empty slot */
};

struct sl_tableset {
	struct sl_tableset_slot *slots; /* walk slots[0..nslots) for every table */
	size_t nslots, ntables;
};

/* The table (schema, name), created (a base table) when new; *created says
 * so when not NULL.  Borrowed until sl_tableset_free().  NULL on
 * allocation failure. */
struct sl_table *sl_tableset_get(struct sl_tableset *s, const char *schema, const char *name,
                                 bool *created);

/* A file of (schema, name) was met: get the table, mark it a view when
 * 'view', and on first sight let the router decide (sl_pipeline_plan); a
 * table no sink takes is marked dropped.  *out is the table.  0, SL_ENOMEM
 * (the caller reports it), or the run's error. */
int sl_tableset_meet(struct sl_tableset *s, struct sl_pipeline *p, const char *schema,
                     const char *name, bool view, struct sl_table **out);

void sl_tableset_free(struct sl_tableset *s);

#endif
