/* tableset.c - the tables of rendered files, by name (see tableset.h). */
#include "tableset.h"

#include <string.h>

#include "alloc.h"
#include "hash.h"
#include "pipeline.h"
#include "table.h"

/* Double the index (or create it).  0 or SL_ENOMEM (the index unchanged). */
static int tableset_grow(struct sl_tableset *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 64;
	struct sl_tableset_slot *slots = sl_calloc(n, sizeof(*slots));
	if (!slots)
		return SL_ENOMEM;
	for (size_t i = 0; i < s->nslots; i++) {
		if (!s->slots[i].t)
			continue;
		size_t j = (size_t)s->slots[i].hash & (n - 1);
		while (slots[j].t)
			j = (j + 1) & (n - 1);
		slots[j] = s->slots[i];
	}
	sl_free(s->slots);
	s->slots = slots;
	s->nslots = n;
	return 0;
}

struct sl_table *sl_tableset_get(struct sl_tableset *s, const char *schema, const char *name,
                                 bool *created)
{
	uint64_t h = sl_hash_pair(schema, name);
	size_t i;

	if (s->nslots) {
		for (i = (size_t)h & (s->nslots - 1); s->slots[i].t;
		     i = (i + 1) & (s->nslots - 1)) {
			struct sl_table *t = s->slots[i].t;
			if (s->slots[i].hash == h && !strcmp(t->schema, schema) &&
			    !strcmp(t->name, name))
				return t;
		}
	}
	if ((s->ntables + 1) * 2 > s->nslots && tableset_grow(s))
		return NULL;
	struct sl_table *t = sl_calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->schema = sl_strdup(schema);
	t->name = sl_strdup(name);
	if (!t->schema || !t->name) {
		sl_table_free(t);
		return NULL;
	}
	t->kind = SL_TABLE_BASE;
	atomic_init(&t->rows_done, 0);
	atomic_init(&t->bytes_done, 0);
	atomic_init(&t->next_file_seq, 0);
	atomic_init(&t->pending_jobs, 0);
	for (i = (size_t)h & (s->nslots - 1); s->slots[i].t; i = (i + 1) & (s->nslots - 1))
		;
	s->slots[i].hash = h;
	s->slots[i].t = t;
	s->ntables++;
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
	/* The router decides on first sight (script tables/route/rename). */
	bool take = true;
	int rc = sl_pipeline_plan(p, &t, 1, &take);
	if (!rc && !take)
		t->dropped = true;
	return rc;
}

void sl_tableset_free(struct sl_tableset *s)
{
	for (size_t i = 0; i < s->nslots; i++)
		sl_table_free(s->slots[i].t);
	sl_free(s->slots);
	memset(s, 0, sizeof(*s));
}
