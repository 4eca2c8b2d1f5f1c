/* tableset.c - the tables of rendered files, by name (see tableset.h). */
#include "engine/tableset.h"

#include "base/alloc.h"
#include "engine/pipeline.h"
#include "format/decode_ddl.h"
#include "format/table.h"

struct sl_table *sl_tableset_get(struct sl_tableset *s, const char *schema, const char *name,
                                 bool *created)
{
	struct sl_table *t = sl_map_get2(&s->map, schema, name);
	if (t)
		return t;
	t = sl_calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->schema = sl_strdup(schema);
	t->name = sl_strdup(name);
	if (!t->schema || !t->name || sl_map_put2(&s->map, schema, name, t)) {
		sl_table_free(t);
		return NULL;
	}
	t->kind = SL_TABLE_BASE;
	t->from_files = true;
	atomic_init(&t->rows_done, 0);
	atomic_init(&t->bytes_done, 0);
	atomic_init(&t->next_file_seq, 0);
	atomic_init(&t->pending_jobs, 0);
	if (created)
		*created = true;
	return t;
}

int sl_tableset_meet(struct sl_tableset *s, struct sl_pipeline *p, const char *schema,
                     const char *name, bool view, struct sl_table **out)
{
	bool created = false;
	struct sl_table *t = sl_tableset_get(s, schema, name, &created);
	*out = t;
	if (!t)
		return SL_ENOMEM;
	if (view)
		t->kind = SL_TABLE_VIEW;
	if (!created)
		return 0;
	return sl_tableset_plan(p, t, NULL, 0);
}

int sl_tableset_plan(struct sl_pipeline *p, struct sl_table *t, const char *ddl, size_t len)
{
	/* Its columns: for hooks, and for a loader that sends INSERTs' rows as
	 * LOAD DATA (which needs each column's class and character set). */
	if (ddl && t->ncols == 0) {
		struct sl_error err = {0};
		int rc = sl_ddl_describe(ddl, len, t, &err);
		if (rc == SL_ENOMEM)
			return rc;
		if (rc && sl_pipeline_config(p)->script)
			sl_logf(sl_pipeline_log(p), SL_LOG_WARN, NULL,
			        "%s: hooks see no columns of it", err.msg);
	}
	/* The router decides on first sight (script tables/route/rename). */
	bool take = true;
	int rc = sl_pipeline_plan(p, &t, 1, &take);
	if (!rc && !take)
		t->dropped = true;
	return rc;
}

struct sl_table *sl_tableset_next(const struct sl_tableset *s, size_t *pos)
{
	struct sl_map_entry *e = sl_map_next(&s->map, pos);
	return e ? e->value : NULL;
}

static void free_table(void *t)
{
	sl_table_free(t);
}

void sl_tableset_free(struct sl_tableset *s)
{
	sl_map_free(&s->map, free_table);
}
