/* tableset.h - the tables a files source meets in rendered files (a
 * stream, an archive, a directory): created on first sight, when the
 * router decides about them, found again by name, owned until the set is
 * freed. */
#ifndef SL_TABLESET_H
#define SL_TABLESET_H

#include <stdbool.h>
#include <stddef.h>

#include "base/map.h"

struct sl_pipeline;
struct sl_table;

struct sl_tableset {
	struct sl_map map; /* (schema, name) -> struct sl_table *, owned */
};

/* The table (schema, name), created (a base table, from_files) when new;
 * *created says so when not NULL.  Borrowed until sl_tableset_free().
 * NULL on allocation failure.  A new table is not planned: call
 * sl_tableset_plan() before emitting anything of it. */
struct sl_table *sl_tableset_get(struct sl_tableset *s, const char *schema, const char *name,
                                 bool *created);

/* A file of (schema, name) was met: get the table, mark it a view when
 * 'view', and on first sight let the router decide (sl_pipeline_plan); a
 * table no sink takes is marked dropped.  *out is the table.  0, SL_ENOMEM
 * (the caller reports it), or the run's error. */
int sl_tableset_meet(struct sl_tableset *s, struct sl_pipeline *p, const char *schema,
                     const char *name, bool view, struct sl_table **out);

/* Let the router decide about table t, met for the first time: with a
 * script in the run, t is described first from its schema file's text
 * ddl[0..len) (NULL: there is none), so hooks see its columns and keys
 * and rows can be decoded (a CREATE TABLE that does not parse is warned
 * about: t then has no columns).  A table no sink takes is marked
 * dropped.  0, SL_ENOMEM (the caller reports it), or the run's error. */
int sl_tableset_plan(struct sl_pipeline *p, struct sl_table *t, const char *ddl, size_t len);

/* Walk the tables: start with *pos = 0; NULL after the last. */
struct sl_table *sl_tableset_next(const struct sl_tableset *s, size_t *pos);

void sl_tableset_free(struct sl_tableset *s);

#endif
