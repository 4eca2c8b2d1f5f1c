/* script_hooks.c - the per-table hooks: tables, where, columns, route,
 * rename.  Each is called once per table on the pipeline's main state,
 * inside one protected call (sl_script_invoke) that looks the hook up,
 * calls it and reads its results; globals and results are read raw, so
 * a metamethod of the script's cannot raise where nothing would catch it.
 * Results are checked here: a hook returning the wrong type is a one-line
 * error naming the hook and the table, not a crash later. */
#include "script/script_hooks.h"

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "base/alloc.h"
#include "format/table.h"
#include "script/script.h"

/* What a hook's body works on. */
struct call {
	struct sl_script *s;
	const struct sl_table *t;
	struct sl_error *err;
	const char *name; /* the hook, a global */
	const char *arg2; /* a second argument (rename's sink), or NULL */
	bool absent;      /* no such function: the outputs stay as they were */
};

/* Look up the hook; call it with t's description (and arg2) for nres
 * results, left on the stack.  c->absent when it is not a function. */
static void call_hook(lua_State *L, struct call *c, int nres)
{
	if (sl_script_get_global(L, c->name) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		c->absent = true;
		return;
	}
	sl_script_push_table(L, c->t);
	if (c->arg2)
		lua_pushstring(L, c->arg2);
	lua_call(L, c->arg2 ? 2 : 1, nres);
}

/* Copy the string at 'idx' (nil -> NULL). */
static int take_string(struct sl_script *s, lua_State *L, int idx, const char *what, char **out,
                       struct sl_error *err)
{
	*out = NULL;
	int type = lua_type(L, idx);
	if (type == LUA_TNIL)
		return 0;
	if (type != LUA_TSTRING)
		return sl_script_bad_result(s, err, "%s: expected a string or nil, got %s", what,
		                            lua_typename(L, type));
	*out = sl_strdup(lua_tostring(L, idx));
	return *out ? 0 : sl_error_set(err, SL_ENOMEM, "out of memory");
}

/* --- tables --------------------------------------------------------------------- */

struct patterns {
	struct call c;
	char **include, **exclude;
};

static int patterns_body(lua_State *L, void *ud)
{
	struct patterns *p = ud;
	if (sl_script_get_global(L, "tables") != LUA_TTABLE)
		return 0;
	lua_pushliteral(L, "include");
	lua_rawget(L, -2);
	lua_pushliteral(L, "exclude");
	lua_rawget(L, -3);
	int rc = take_string(p->c.s, L, -2, "tables.include", p->include, p->c.err);
	if (!rc)
		rc = take_string(p->c.s, L, -1, "tables.exclude", p->exclude, p->c.err);
	return rc;
}

int sl_script_select_patterns(struct sl_script *s, char **include, char **exclude,
                              struct sl_error *err)
{
	struct patterns p = {{s, NULL, err, "tables", NULL, false}, include, exclude};
	*include = *exclude = NULL;
	int rc = sl_script_invoke(s, "tables", NULL, patterns_body, &p, err);
	if (rc) {
		sl_free(*include);
		sl_free(*exclude);
		*include = *exclude = NULL;
	}
	return rc;
}

struct select {
	struct call c;
	bool *take;
};

static int select_body(lua_State *L, void *ud)
{
	struct select *sel = ud;
	call_hook(L, &sel->c, 1);
	if (!sel->c.absent)
		*sel->take = lua_toboolean(L, -1);
	return 0;
}

int sl_script_select(struct sl_script *s, const struct sl_table *t, bool *take,
                     struct sl_error *err)
{
	struct select sel = {{s, t, err, "tables", NULL, false}, take};
	return sl_script_invoke(s, "tables", t, select_body, &sel, err);
}

/* --- where ---------------------------------------------------------------------- */

struct where {
	struct call c;
	char **cond;
	int64_t *rows;
};

static int where_body(lua_State *L, void *ud)
{
	struct where *w = ud;
	call_hook(L, &w->c, 2);
	if (w->c.absent)
		return 0;
	int isint = 0;
	lua_Integer n = lua_tointegerx(L, -1, &isint);
	if (!lua_isnil(L, -1) && (!isint || n < 0))
		return sl_script_bad_result(w->c.s, w->c.err,
		                            "its second result (rows): expected a count or nil, "
		                            "got %s",
		                            luaL_typename(L, -1));
	if (isint)
		*w->rows = (int64_t)n;
	return take_string(w->c.s, L, -2, "its result", w->cond, w->c.err);
}

int sl_script_where(struct sl_script *s, const struct sl_table *t, char **cond, int64_t *rows,
                    struct sl_error *err)
{
	struct where w = {{s, t, err, "where", NULL, false}, cond, rows};
	*cond = NULL;
	*rows = -1;
	int rc = sl_script_invoke(s, "where", t, where_body, &w, err);
	if (rc) {
		sl_free(*cond);
		*cond = NULL;
	}
	return rc;
}

/* --- columns -------------------------------------------------------------------- */

/* Fill exprs[] from the {column = "SQL"} table on top of the stack. */
static int read_column_map(struct sl_script *s, lua_State *L, const struct sl_table *t,
                           char **exprs, struct sl_error *err)
{
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
			return sl_script_bad_result(
			    s, err, "expected {column = \"SQL expression\"} entries");
		const char *col = lua_tostring(L, -2);
		size_t i = 0;
		while (i < t->ncols && strcmp(t->cols[i].name, col) != 0)
			i++;
		if (i == t->ncols || t->cols[i].generated)
			return sl_script_bad_result(s, err, "'%s' is not a %scolumn of the table",
			                            col,
			                            i < t->ncols ? "stored, non-generated " : "");
		sl_free(exprs[i]);
		exprs[i] = sl_strdup(lua_tostring(L, -1));
		lua_pop(L, 1);
		if (!exprs[i])
			return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	return 0;
}

struct columns {
	struct call c;
	char **exprs; /* t->ncols + 1, owned by the caller */
	bool any;
};

static int columns_body(lua_State *L, void *ud)
{
	struct columns *cl = ud;
	struct sl_script *s = cl->c.s;
	int type = sl_script_get_global(L, "columns");
	if (type == LUA_TTABLE) {
		lua_pushfstring(L, "%s.%s", cl->c.t->schema, cl->c.t->name);
		lua_rawget(L, -2);
	} else if (type == LUA_TFUNCTION) {
		lua_pop(L, 1);
		call_hook(L, &cl->c, 1);
	}
	type = lua_type(L, -1);
	if (type == LUA_TNIL)
		return 0;
	if (type != LUA_TTABLE)
		return sl_script_bad_result(s, cl->c.err, "expected a table or nil, got %s",
		                            lua_typename(L, type));
	cl->any = true;
	return read_column_map(s, L, cl->c.t, cl->exprs, cl->c.err);
}

int sl_script_columns(struct sl_script *s, const struct sl_table *t, char ***exprs,
                      struct sl_error *err)
{
	*exprs = NULL;
	struct columns cl = {{s, t, err, "columns", NULL, false}, NULL, false};
	cl.exprs = sl_calloc(t->ncols + 1, sizeof(*cl.exprs));
	if (!cl.exprs)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	int rc = sl_script_invoke(s, "columns", t, columns_body, &cl, err);
	if (rc || !cl.any) {
		sl_table_free_exprs(cl.exprs, t->ncols);
		return rc;
	}
	*exprs = cl.exprs;
	return 0;
}

/* --- route ---------------------------------------------------------------------- */

struct route {
	struct call c;
	const char *const *sinks;
	size_t nsinks;
	bool *take;
};

/* Mark the sink named by the string at 'idx'. */
static int route_one(struct route *r, lua_State *L, int idx)
{
	if (lua_type(L, idx) != LUA_TSTRING)
		return sl_script_bad_result(r->c.s, r->c.err, "expected sink names, got %s",
		                            luaL_typename(L, idx));
	const char *name = lua_tostring(L, idx);
	for (size_t i = 0; i < r->nsinks; i++) {
		if (!strcmp(r->sinks[i], name)) {
			r->take[i] = true;
			return 0;
		}
	}
	char known[256] = "";
	for (size_t i = 0; i < r->nsinks; i++) {
		size_t len = strlen(known);
		snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "", r->sinks[i]);
	}
	return sl_script_bad_result(r->c.s, r->c.err, "unknown sink '%s' (sinks: %s)", name, known);
}

static int route_body(lua_State *L, void *ud)
{
	struct route *r = ud;
	call_hook(L, &r->c, 1);
	if (r->c.absent)
		return 0;
	int type = lua_type(L, -1);
	if (type != LUA_TNIL)
		for (size_t i = 0; i < r->nsinks; i++)
			r->take[i] = false;
	if (type == LUA_TSTRING)
		return route_one(r, L, -1);
	if (type == LUA_TTABLE) {
		lua_Unsigned n = lua_rawlen(L, -1);
		for (lua_Unsigned i = 1; i <= n; i++) {
			lua_rawgeti(L, -1, (lua_Integer)i);
			int rc = route_one(r, L, -1);
			lua_pop(L, 1);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (type != LUA_TNIL && !(type == LUA_TBOOLEAN && !lua_toboolean(L, -1)))
		return sl_script_bad_result(r->c.s, r->c.err,
		                            "expected a sink name, an array of names, nil or "
		                            "false, got %s",
		                            lua_typename(L, type));
	return 0;
}

int sl_script_route(struct sl_script *s, const struct sl_table *t, const char *const *sinks,
                    size_t nsinks, bool *take, struct sl_error *err)
{
	struct route r = {{s, t, err, "route", NULL, false}, sinks, nsinks, take};
	for (size_t i = 0; i < nsinks; i++)
		take[i] = true;
	return sl_script_invoke(s, "route", t, route_body, &r, err);
}

/* --- rename --------------------------------------------------------------------- */

struct rename {
	struct call c;
	char **schema, **name;
};

static int rename_body(lua_State *L, void *ud)
{
	struct rename *r = ud;
	call_hook(L, &r->c, 2);
	if (r->c.absent)
		return 0;
	int rc = take_string(r->c.s, L, -2, "its first result (the database)", r->schema, r->c.err);
	if (!rc)
		rc = take_string(r->c.s, L, -1, "its second result (the table)", r->name, r->c.err);
	if (!rc && ((*r->schema && !**r->schema) || (*r->name && !**r->name)))
		rc = sl_script_bad_result(r->c.s, r->c.err, "empty name");
	return rc;
}

int sl_script_rename(struct sl_script *s, const struct sl_table *t, const char *sink, char **schema,
                     char **name, struct sl_error *err)
{
	struct rename r = {{s, t, err, "rename", sink, false}, schema, name};
	*schema = *name = NULL;
	int rc = sl_script_invoke(s, "rename", t, rename_body, &r, err);
	if (rc) {
		sl_free(*schema);
		sl_free(*name);
		*schema = *name = NULL;
	}
	return rc;
}
