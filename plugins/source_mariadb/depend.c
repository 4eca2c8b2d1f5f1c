/* depend.c - leave out what would not load: views whose tables a sink does
 * not take, triggers whose bodies name tables the run leaves out.
 *
 * Whatever selects the tables (-B, -T, --regex, --exclude, --ignore-table,
 * a script's tables() and route(), a subset), the files a sink gets must
 * load: CREATE VIEW fails when a table or view it reads is missing, and a
 * trigger that writes to a missing table breaks every write to its own
 * table on the target.  After the router has planned every table, each
 * view's definition (information_schema shows it with qualified names)
 * and each trigger's body are read for the tables they name
 * (format/sqlscan.c); a view is left out of each sink that lacks one of
 * them (views of views follow), a trigger out of every sink when a sink
 * that takes its table lacks one.  Each one left out gets one warning and
 * a line in the sinks' trailers and manifests (sl_pipeline_left_out).
 *
 * A trigger body names tables without their database as often as with it,
 * and INTO can name a variable: only names of tables that exist on the
 * server count.  Tables of the system schemas exist on every server. */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/map.h"
#include "format/sqlscan.h"
#include "mariadb.h"

static bool system_schema(const char *s)
{
	return !strcasecmp(s, "information_schema") || !strcasecmp(s, "performance_schema") ||
	       !strcasecmp(s, "mysql") || !strcasecmp(s, "sys");
}

static int oom(struct mdb_source *m)
{
	return sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
}

static bool takes(const struct sl_table *t, size_t sink)
{
	const char *s, *n;
	return sl_table_target_of(t, sink, &s, &n);
}

/* Leave t out of one sink. */
static int untake(struct sl_table *t, size_t sink, size_t nsinks)
{
	if (!t->targets) {
		t->targets = sl_calloc(nsinks, sizeof(*t->targets));
		if (!t->targets)
			return SL_ENOMEM;
		t->ntargets = nsinks;
		for (size_t i = 0; i < nsinks; i++)
			t->targets[i].take = true;
	}
	if (sink < t->ntargets)
		t->targets[sink].take = false;
	return 0;
}

/* What one definition names, and which of it a sink lacks. */
struct scan {
	struct mdb_source *m;
	struct sl_map *run;          /* (schema, name) -> struct sl_table * of the run */
	const struct sl_map *server; /* (schema, name) of every table on the server, or NULL */
	const char *schema;          /* for unqualified names; NULL: ignore them */
	size_t sink;
	bool any_sink; /* lacking in any sink that takes 'owner' */
	int lacking;   /* any_sink: the first sink found lacking, or -1 */
	const struct sl_table *owner;
	size_t nsinks;
	struct sl_buf missing; /* "db.t, db.u" */
	struct sl_map seen;    /* names already in 'missing' */
	int rc;
};

static void scan_free(struct scan *sc)
{
	sl_buf_free(&sc->missing);
	sl_map_free(&sc->seen, NULL);
}

static int note_ref(void *ud, const char *schema, const char *name)
{
	struct scan *sc = ud;
	if (!schema)
		schema = sc->schema;
	if (!schema || system_schema(schema))
		return 0;
	if (sc->server && !sl_map_get2(sc->server, schema, name))
		return 0; /* not a table: a variable, a CTE, a typo the server allows */
	const struct sl_table *t = sl_map_get2(sc->run, schema, name);
	bool lacking = !t;
	for (size_t i = 0; t && !lacking && i < sc->nsinks; i++) {
		if ((sc->any_sink ? takes(sc->owner, i) : i == sc->sink) && !takes(t, i)) {
			lacking = true;
			if (sc->any_sink && sc->lacking < 0)
				sc->lacking = (int)i;
		}
	}
	if (!lacking)
		return 0;
	static char one;
	if (sl_map_get2(&sc->seen, schema, name))
		return 0;
	if (sl_map_put2(&sc->seen, schema, name, &one) ||
	    sl_buf_printf(&sc->missing, "%s%s.%s", sc->missing.len ? ", " : "", schema, name))
		return sc->rc = SL_ENOMEM;
	return 0;
}

/* Every table and view of the run, by name. */
static int map_run(struct mdb_source *m, struct sl_map *run)
{
	for (size_t i = 0; i < m->ntables; i++)
		if (sl_map_put2(run, m->tables[i].t->schema, m->tables[i].t->name, m->tables[i].t))
			return SL_ENOMEM;
	for (size_t i = 0; i < m->nviews; i++)
		if (sl_map_put2(run, m->views[i].t->schema, m->views[i].t->name, m->views[i].t))
			return SL_ENOMEM;
	return 0;
}

/* Views: repeat until no view loses a sink (a view left out takes the
 * views that read it along). */
static int prune_views(struct mdb_source *m, struct sl_map *run, size_t nsinks)
{
	bool changed = true;
	int rc = 0;
	while (changed && !rc) {
		changed = false;
		for (size_t v = 0; v < m->nviews && !rc; v++) {
			struct sl_table *t = m->views[v].t;
			const char *def = m->views[v].view_definition;
			for (size_t i = 0; i < nsinks && !rc; i++) {
				if (!takes(t, i))
					continue;
				struct scan sc = {.m = m,
				                  .run = run,
				                  .sink = i,
				                  .nsinks = nsinks,
				                  .missing = SL_BUF_INIT,
				                  .seen = SL_MAP_INIT};
				sl_sql_table_refs(def ? def : "", def ? strlen(def) : 0, note_ref,
				                  &sc);
				rc = sc.rc;
				if (!rc && sc.missing.len) {
					changed = true;
					if (untake(t, i, nsinks))
						rc = SL_ENOMEM;
					else
						rc = sl_pipeline_left_out(
						    m->inst->pipe, "view", t->schema, t->name,
						    sc.missing.data, nsinks > 1 ? (int)i : -1, -1);
				}
				scan_free(&sc);
			}
		}
	}
	if (rc)
		return rc == SL_ENOMEM ? oom(m) : rc;
	/* A view no sink takes any more is out of the run. */
	size_t k = 0;
	for (size_t v = 0; v < m->nviews; v++) {
		bool any = false;
		for (size_t i = 0; i < nsinks && !any; i++)
			any = takes(m->views[v].t, i);
		if (any)
			m->views[k++] = m->views[v];
		else
			mdb_table_free(&m->views[v]);
	}
	m->nviews = k;
	return 0;
}

/* Names of every base table and view on the server (for trigger bodies). */
static int load_server_names(struct mdb_source *m, struct sl_map *server)
{
	MYSQL_RES *res = NULL;
	pthread_mutex_lock(&m->control_lock);
	int rc = mdb_query_result(
	    m, m->control, "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES", &res);
	MYSQL_ROW row;
	static char one;
	while (!rc && res && (row = mysql_fetch_row(res)))
		if (row[0] && row[1] && sl_map_put2(server, row[0], row[1], &one))
			rc = oom(m);
	if (res)
		mysql_free_result(res);
	pthread_mutex_unlock(&m->control_lock);
	return rc;
}

static int prune_triggers(struct mdb_source *m, struct sl_map *run, size_t nsinks)
{
	bool any = false;
	for (size_t i = 0; i < m->ntables && !any; i++)
		any = m->tables[i].ntriggers > 0;
	if (!any)
		return 0;
	struct sl_map server = SL_MAP_INIT;
	int rc = load_server_names(m, &server);
	for (size_t i = 0; i < m->ntables && !rc; i++) {
		struct mdb_table *mt = &m->tables[i];
		size_t k = 0;
		for (size_t j = 0; j < mt->ntriggers; j++) {
			const char *body = mt->trigger_bodies ? mt->trigger_bodies[j] : NULL;
			struct scan sc = {.m = m,
			                  .run = run,
			                  .server = &server,
			                  .schema = mt->t->schema,
			                  .any_sink = true,
			                  .lacking = -1,
			                  .owner = mt->t,
			                  .nsinks = nsinks,
			                  .missing = SL_BUF_INIT,
			                  .seen = SL_MAP_INIT};
			if (!rc && body) {
				sl_sql_table_refs(body, strlen(body), note_ref, &sc);
				rc = sc.rc;
			}
			if (!rc && sc.missing.len) {
				rc = sl_pipeline_left_out(m->inst->pipe, "trigger", mt->t->schema,
				                          mt->triggers[j], sc.missing.data, -1,
				                          sc.lacking);
				sl_free(mt->triggers[j]);
			} else {
				mt->triggers[k++] = mt->triggers[j];
			}
			scan_free(&sc);
		}
		for (size_t j = 0; mt->trigger_bodies && j < mt->ntriggers; j++)
			sl_free(mt->trigger_bodies[j]);
		mt->ntriggers = k;
		sl_free(mt->trigger_bodies);
		mt->trigger_bodies = NULL;
	}
	sl_map_free(&server, NULL);
	return rc == SL_ENOMEM ? oom(m) : rc;
}

int mdb_prune_dependents(struct mdb_source *m)
{
	size_t nsinks = sl_pipeline_nsinks(m->inst->pipe);
	if (nsinks == 0 || (m->cfg->no_schema))
		return 0; /* no DDL goes out: nothing to create on a target */
	struct sl_map run = SL_MAP_INIT;
	int rc = map_run(m, &run) ? oom(m) : 0;
	if (!rc && m->nviews)
		rc = prune_views(m, &run, nsinks);
	if (!rc && !m->cfg->skip_triggers)
		rc = prune_triggers(m, &run, nsinks);
	sl_map_free(&run, NULL);
	return rc;
}
