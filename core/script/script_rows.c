/* script_rows.c - transform(t, rows): Lua sees a block of rows by column.
 *
 *   rows.n                   number of rows in the block
 *   rows:column(name)        [-0, +1, e] array of the column's values
 *                            (strings as the server sent them, nil for
 *                            NULL); assign into it to rewrite values
 *                            (strings, numbers, nil)
 *   rows:drop(i)             [-0, +0, e] leave row i out
 *
 * Values are fetched per column only when asked for, so a transform that
 * rewrites one column pays for one column.  After the call the block is
 * rebuilt in the state's scratch rowset when anything changed. */
#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "base/alloc.h"
#include "format/rowset.h"
#include "format/table.h"
#include "script/script.h"
#include "script/script_hooks.h"

static const char columns_key = 'c'; /* rows[&columns_key]: name -> array */
static const char dropped_key = 'd'; /* rows[&dropped_key]: i -> true */
static const char rowset_key = 'r';  /* rows[&rowset_key]: the rowset */

static const struct sl_rowset *rows_rowset(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_rawgetp(L, 1, &rowset_key);
	const struct sl_rowset *rs = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (!rs)
		luaL_argerror(L, 1, "not a block of rows (call it as rows:column(name))");
	return rs;
}

static int rows_column(lua_State *L)
{
	const struct sl_rowset *rs = rows_rowset(L);
	const char *name = luaL_checkstring(L, 2);
	lua_rawgetp(L, 1, &columns_key);
	if (lua_getfield(L, -1, name) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	size_t c = 0;
	while (c < rs->ncols && strcmp(rs->cols[c]->name, name) != 0)
		c++;
	if (c == rs->ncols)
		return luaL_error(L,
		                  "rows:column('%s'): no such column (generated columns are not "
		                  "in the rows)",
		                  name);
	lua_createtable(L, (int)rs->nrows, 0);
	for (size_t r = 0; r < rs->nrows; r++) {
		size_t len;
		const char *v = sl_rowset_value(rs, r, c, &len);
		if (!v)
			continue; /* nil */
		lua_pushlstring(L, v, len);
		lua_rawseti(L, -2, (lua_Integer)r + 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, name);
	return 1;
}

static int rows_drop(lua_State *L)
{
	const struct sl_rowset *rs = rows_rowset(L);
	lua_Integer i = luaL_checkinteger(L, 2);
	luaL_argcheck(L, i >= 1 && (lua_Unsigned)i <= rs->nrows, 2, "row number out of range");
	lua_rawgetp(L, 1, &dropped_key);
	lua_pushboolean(L, 1);
	lua_rawseti(L, -2, i);
	return 0;
}

/* [-0, +1, m] A new rows object for 'rs'. */
static void push_rows(lua_State *L, const struct sl_rowset *rs)
{
	static const luaL_Reg methods[] = {
	    {"column", rows_column}, {"drop", rows_drop}, {NULL, NULL}};
	lua_createtable(L, 0, 5);
	luaL_setfuncs(L, methods, 0);
	lua_pushinteger(L, (lua_Integer)rs->nrows);
	lua_setfield(L, -2, "n");
	lua_newtable(L);
	lua_rawsetp(L, -2, &columns_key);
	lua_newtable(L);
	lua_rawsetp(L, -2, &dropped_key);
	lua_pushlightuserdata(L, (void *)rs);
	lua_rawsetp(L, -2, &rowset_key);
}

/* One transform() call: its inputs, and scratch arrays allocated outside
 * the protected call (a Lua error must not leak them). */
struct transform {
	struct sl_script *s;
	const struct sl_table *t;
	const struct sl_rowset *rs;
	const struct sl_rowset **out;
	struct sl_error *err;
	const char **vals;
	unsigned long *lens;
	int *arrays; /* stack index of a fetched column, or 0 */
};

/* Rebuild the block into s->scratch from 'rs' and the rows object at
 * 'rows' (its fetched columns and dropped rows). */
static int rebuild(lua_State *L, struct transform *x, int rows)
{
	struct sl_script *s = x->s;
	const struct sl_rowset *rs = x->rs;
	struct sl_error *err = x->err;
	const char **vals = x->vals;
	unsigned long *lens = x->lens;
	int *arrays = x->arrays;
	size_t nc = rs->ncols;
	int rc = 0;
	luaL_checkstack(L, (int)nc * 2 + 8, "too many columns");
	int top = lua_gettop(L);
	if (lua_rawgetp(L, rows, &columns_key) != LUA_TTABLE)
		return sl_script_bad_result(s, err, "the rows object was changed");
	int columns = lua_gettop(L);
	for (size_t c = 0; c < nc; c++) {
		lua_pushstring(L, rs->cols[c]->name);
		if (lua_rawget(L, columns) == LUA_TTABLE)
			arrays[c] = lua_gettop(L);
		else
			lua_pop(L, 1);
	}
	if (lua_rawgetp(L, rows, &dropped_key) != LUA_TTABLE)
		return sl_script_bad_result(s, err, "the rows object was changed");
	int dropped = lua_gettop(L);

	sl_rowset_retarget(s->scratch, nc, rs->cols);
	for (size_t r = 0; r < rs->nrows && !rc; r++) {
		if (lua_rawgeti(L, dropped, (lua_Integer)r + 1) != LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		lua_pop(L, 1);
		int mark = lua_gettop(L);
		for (size_t c = 0; c < nc; c++) {
			size_t len = 0;
			if (!arrays[c]) {
				vals[c] = sl_rowset_value(rs, r, c, &len);
			} else {
				int type = lua_rawgeti(L, arrays[c], (lua_Integer)r + 1);
				if (type == LUA_TNIL) {
					vals[c] = NULL;
				} else if (type == LUA_TSTRING || type == LUA_TNUMBER) {
					vals[c] = lua_tolstring(L, -1, &len);
				} else {
					rc = sl_script_bad_result(s, err,
					                          "row %zu, column '%s': expected "
					                          "a string, number or nil, got %s",
					                          r + 1, rs->cols[c]->name,
					                          lua_typename(L, type));
					break;
				}
			}
			lens[c] = (unsigned long)len;
		}
		if (!rc && sl_rowset_add_row(s->scratch, vals, lens))
			rc = sl_error_set(err, SL_ENOMEM, "out of memory");
		lua_settop(L, mark);
	}
	lua_settop(L, top);
	return rc;
}

/* Anything fetched or dropped?  (A column only read still costs a rebuild;
 * cheap next to the Lua work that read it.)  A rows object the script
 * replaced parts of counts as touched: rebuild() says what is wrong. */
static bool rows_touched(lua_State *L, int rows)
{
	bool touched = false;
	const void *keys[] = {&columns_key, &dropped_key};
	for (size_t k = 0; k < 2 && !touched; k++) {
		if (lua_rawgetp(L, rows, keys[k]) != LUA_TTABLE) {
			touched = true;
		} else {
			lua_pushnil(L);
			if (lua_next(L, -2)) {
				touched = true;
				lua_pop(L, 2);
			}
		}
		lua_pop(L, 1);
	}
	return touched;
}

static int transform_body(lua_State *L, void *ud)
{
	struct transform *x = ud;
	push_rows(L, x->rs);
	int rows = lua_gettop(L);
	if (sl_script_get_global(L, "transform") != LUA_TFUNCTION)
		return 0;
	sl_script_push_table(L, x->t);
	lua_pushvalue(L, rows);
	lua_call(L, 2, 0);
	if (!rows_touched(L, rows))
		return 0;
	int rc = rebuild(L, x, rows);
	if (!rc)
		*x->out = x->s->scratch;
	return rc;
}

int sl_script_transform(struct sl_script *s, const struct sl_table *t, const struct sl_rowset *rs,
                        const struct sl_rowset **out, struct sl_error *err)
{
	*out = rs;
	if (!s->scratch) {
		s->scratch = sl_calloc(1, sizeof(*s->scratch));
		if (!s->scratch)
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		sl_rowset_init(s->scratch, rs->ncols, rs->cols);
	}
	size_t nc = rs->ncols;
	struct transform x = {s,
	                      t,
	                      rs,
	                      out,
	                      err,
	                      sl_calloc(nc + 1, sizeof(*x.vals)),
	                      sl_calloc(nc + 1, sizeof(*x.lens)),
	                      sl_calloc(nc + 1, sizeof(*x.arrays))};
	int rc = x.vals && x.lens && x.arrays
	             ? sl_script_invoke(s, "transform", t, transform_body, &x, err)
	             : sl_error_set(err, SL_ENOMEM, "out of memory");
	sl_free(x.vals);
	sl_free(x.lens);
	sl_free(x.arrays);
	return rc;
}
