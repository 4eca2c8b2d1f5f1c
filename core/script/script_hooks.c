/* script_hooks.c - the per-table hooks: tables, where, columns, route,
 * rename.  Each is called once per table on the pipeline's main state;
 * results are checked here, so a hook returning the wrong type is a
 * one-line error naming the hook and the table, not a crash later. */
#include "script/script_hooks.h"

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "base/alloc.h"
#include "format/table.h"
#include "script/script.h"

/* Push global 'name' if it is a function; false (nothing pushed) if not. */
static bool push_function(struct sl_script *s, const char *name)
{
	if (lua_getglobal(s->L, name) == LUA_TFUNCTION)
		return true;
	lua_pop(s->L, 1);
	return false;
}

/* Call the function on the stack with t's description and, when 'arg2' is
 * not NULL, that string as a second argument. */
static int call_with_table(struct sl_script *s, const char *hook, const struct sl_table *t,
                           const char *arg2, int nres, struct sl_error *err)
{
	int rc = sl_script_push_table(s, t, err);
	if (rc) {
		lua_pop(s->L, 1);
		return rc;
	}
	if (arg2)
		lua_pushstring(s->L, arg2);
	return sl_script_call(s, arg2 ? 2 : 1, nres, hook, t, err);
}

/* Copy the string at 'idx' (nil -> NULL). */
static int take_string(struct sl_script *s, int idx, const char *what, char **out,
                       struct sl_error *err)
{
	*out = NULL;
	int type = lua_type(s->L, idx);
	if (type == LUA_TNIL)
		return 0;
	if (type != LUA_TSTRING)
		return sl_script_bad_result(s, err, "%s: expected a string or nil, got %s", what,
		                            lua_typename(s->L, type));
	*out = sl_strdup(lua_tostring(s->L, idx));
	return *out ? 0 : sl_error_set(err, SL_ENOMEM, "out of memory");
}

int sl_script_select_patterns(struct sl_script *s, char **include, char **exclude,
                              struct sl_error *err)
{
	*include = *exclude = NULL;
	if (lua_getglobal(s->L, "tables") != LUA_TTABLE) {
		lua_pop(s->L, 1);
		return 0;
	}
	s->hook = "tables";
	s->table = NULL;
	lua_getfield(s->L, -1, "include");
	lua_getfield(s->L, -2, "exclude");
	int rc = take_string(s, -2, "tables.include", include, err);
	if (!rc)
		rc = take_string(s, -1, "tables.exclude", exclude, err);
	lua_pop(s->L, 3);
	if (rc) {
		sl_free(*include);
		*include = NULL;
	}
	return rc;
}

int sl_script_select(struct sl_script *s, const struct sl_table *t, bool *take,
                     struct sl_error *err)
{
	if (!push_function(s, "tables"))
		return 0;
	int rc = call_with_table(s, "tables", t, NULL, 1, err);
	if (rc)
		return rc;
	*take = lua_toboolean(s->L, -1);
	lua_pop(s->L, 1);
	return 0;
}

int sl_script_where(struct sl_script *s, const struct sl_table *t, char **cond,
                    struct sl_error *err)
{
	*cond = NULL;
	if (!push_function(s, "where"))
		return 0;
	int rc = call_with_table(s, "where", t, NULL, 1, err);
	if (rc)
		return rc;
	rc = take_string(s, -1, "its result", cond, err);
	lua_pop(s->L, 1);
	return rc;
}

/* Fill exprs[] from the {column = "SQL"} table on top of the stack. */
static int read_column_map(struct sl_script *s, const struct sl_table *t, char **exprs,
                           struct sl_error *err)
{
	lua_State *L = s->L;
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
			lua_pop(L, 2);
			return sl_script_bad_result(
			    s, err, "expected {column = \"SQL expression\"} entries");
		}
		const char *col = lua_tostring(L, -2);
		size_t i = 0;
		while (i < t->ncols && strcmp(t->cols[i].name, col) != 0)
			i++;
		if (i == t->ncols || t->cols[i].generated) {
			lua_pop(L, 2);
			return sl_script_bad_result(s, err, "'%s' is not a %scolumn of the table",
			                            col,
			                            i < t->ncols ? "stored, non-generated " : "");
		}
		sl_free(exprs[i]);
		exprs[i] = sl_strdup(lua_tostring(L, -1));
		lua_pop(L, 1);
		if (!exprs[i]) {
			lua_pop(L, 1);
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		}
	}
	return 0;
}

int sl_script_columns(struct sl_script *s, const struct sl_table *t, char ***exprs,
                      struct sl_error *err)
{
	lua_State *L = s->L;
	int rc = 0;
	*exprs = NULL;
	int type = lua_getglobal(L, "columns");
	s->hook = "columns";
	s->table = t;
	if (type == LUA_TTABLE) {
		lua_pushfstring(L, "%s.%s", t->schema, t->name);
		lua_rawget(L, -2);
		lua_remove(L, -2);
	} else if (type == LUA_TFUNCTION) {
		if ((rc = call_with_table(s, "columns", t, NULL, 1, err)))
			return rc;
	}
	type = lua_type(L, -1);
	if (type == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (type != LUA_TTABLE) {
		lua_pop(L, 1);
		return sl_script_bad_result(s, err, "expected a table or nil, got %s",
		                            lua_typename(L, type));
	}
	char **v = sl_calloc(t->ncols + 1, sizeof(*v));
	if (!v) {
		lua_pop(L, 1);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	rc = read_column_map(s, t, v, err);
	lua_pop(L, 1);
	if (rc) {
		sl_table_free_exprs(v, t->ncols);
		return rc;
	}
	*exprs = v;
	return 0;
}

/* Mark the sink named by the string at 'idx'. */
static int route_one(struct sl_script *s, int idx, const char *const *sinks, size_t nsinks,
                     bool *take, struct sl_error *err)
{
	if (lua_type(s->L, idx) != LUA_TSTRING)
		return sl_script_bad_result(s, err, "expected sink names, got %s",
		                            luaL_typename(s->L, idx));
	const char *name = lua_tostring(s->L, idx);
	for (size_t i = 0; i < nsinks; i++) {
		if (!strcmp(sinks[i], name)) {
			take[i] = true;
			return 0;
		}
	}
	char known[256] = "";
	for (size_t i = 0; i < nsinks; i++) {
		size_t len = strlen(known);
		snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "", sinks[i]);
	}
	return sl_script_bad_result(s, err, "unknown sink '%s' (sinks: %s)", name, known);
}

int sl_script_route(struct sl_script *s, const struct sl_table *t, const char *const *sinks,
                    size_t nsinks, bool *take, struct sl_error *err)
{
	for (size_t i = 0; i < nsinks; i++)
		take[i] = true;
	if (!push_function(s, "route"))
		return 0;
	int rc = call_with_table(s, "route", t, NULL, 1, err);
	if (rc)
		return rc;
	lua_State *L = s->L;
	int type = lua_type(L, -1);
	if (type != LUA_TNIL)
		for (size_t i = 0; i < nsinks; i++)
			take[i] = false;
	if (type == LUA_TSTRING) {
		rc = route_one(s, -1, sinks, nsinks, take, err);
	} else if (type == LUA_TTABLE) {
		lua_Integer n = luaL_len(L, -1);
		for (lua_Integer i = 1; !rc && i <= n; i++) {
			lua_rawgeti(L, -1, i);
			rc = route_one(s, -1, sinks, nsinks, take, err);
			lua_pop(L, 1);
		}
	} else if (type != LUA_TNIL && !(type == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
		rc = sl_script_bad_result(s, err,
		                          "expected a sink name, an array of names, nil or false, "
		                          "got %s",
		                          lua_typename(L, type));
	}
	lua_pop(L, 1);
	return rc;
}

int sl_script_rename(struct sl_script *s, const struct sl_table *t, const char *sink, char **schema,
                     char **name, struct sl_error *err)
{
	*schema = *name = NULL;
	if (!push_function(s, "rename"))
		return 0;
	int rc = call_with_table(s, "rename", t, sink, 2, err);
	if (rc)
		return rc;
	rc = take_string(s, -2, "its first result (the database)", schema, err);
	if (!rc)
		rc = take_string(s, -1, "its second result (the table)", name, err);
	lua_pop(s->L, 2);
	if (!rc && ((*schema && !**schema) || (*name && !**name)))
		rc = sl_script_bad_result(s, err, "empty name");
	if (rc) {
		sl_free(*schema);
		sl_free(*name);
		*schema = *name = NULL;
	}
	return rc;
}
