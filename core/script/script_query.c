/* script_query.c - read-only queries from per-table hooks, inside the run's
 * snapshot, and values as SQL literals.
 *
 *   sluice.query(sql [, fn])      [-0, +2, e]  runs one read-only SELECT on
 *                                              the source, in the dump's
 *                                              snapshot; without fn returns
 *                                              the rows (arrays of strings,
 *                                              nil for NULL) and the column
 *                                              names; with fn calls fn(row)
 *                                              per row and returns the row
 *                                              count (memory stays flat)
 *   sluice.queries(list, fn)      [-0, +1, e]  the SELECTs of 'list' at
 *                                              once, one per connection of
 *                                              the snapshot (the workers'):
 *                                              fn(i, row) for each row of
 *                                              query i (or, fn a table,
 *                                              fn[i](row)), in list order;
 *                                              opts.integers: values of
 *                                              integer columns as Lua
 *                                              integers; the
 *                                              server runs the next queries
 *                                              while fn takes the rows of
 *                                              one; returns the row count
 *   sluice.sql_value(v, column)   [-0, +1, e]  v as an SQL literal that
 *                                              compares in the column's
 *                                              collation ("NULL" for nil);
 *                                              column is a t.columns entry
 *   sluice.sql_int_in(col, values [, min_run])
 *                                 [-0, +1, e]  "col IN (...)" of an array of
 *                                              integers (numbers or decimal
 *                                              text), sorted, without
 *                                              repeats, runs of min_run
 *                                              (default 8) consecutive
 *                                              values as "col BETWEEN a AND
 *                                              b", ORed; nil when a value
 *                                              is not an integer or there
 *                                              is none (key sets: sorting
 *                                              in C is ~20x Lua's sort)
 *
 * sluice.query exists while a server source plans its tables (the hooks
 * tables, where, columns, route and rename of dump, copy and run); it is an
 * error anywhere else (a transform, the main chunk, a load).  It is safe
 * to hand it anything: the text must be one SELECT that neither writes nor
 * locks (format/sqlscan.c), the source runs it in a READ ONLY transaction,
 * the server stops it when the hook's --script-timeout runs out, every
 * row is charged to the hook's --script-budget and held in the state's
 * --script-memory, and a cancelled run stops it.  Rows are handed to Lua
 * inside protected calls, so a Lua error (or a limit) never unwinds
 * through the source's code: the query ends first, then the error goes on. */
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "format/sqlscan.h"
#include "format/table.h"
#include "script/script.h"

static struct sl_script *script_of(lua_State *L)
{
	return *(struct sl_script **)lua_getextraspace(L);
}

void sl_script_set_query(struct sl_script *s, const struct sl_script_query *q)
{
	s->query = q;
}

/* What one query's rows go into.  Stack indices are lib_query()'s; each
 * row's protected call gets copies of those values as its arguments. */
struct qstate {
	lua_State *L;
	int fn;            /* stack index of the callback, or 0 */
	int rows;          /* stack index of the result table (no callback) */
	int names;         /* stack index of the names table */
	lua_Integer n;     /* rows so far */
	lua_Integer index; /* sluice.queries: the query's number, fn's first argument */
	int err_ref;       /* a Lua error a row raised (registry), or LUA_NOREF */
	bool integers;     /* integer columns as Lua integers (sluice.queries' option) */
	/* the row being handed over */
	const bool *ints; /* the source's integer columns, or NULL */
	unsigned ncols;
	const char *const *colnames;
	char **values;
	const unsigned long *lens;
};

/* [-0, +1, m] A value as a Lua string, or (an integer column's, asked
 * for) as a Lua integer: no string to make, and keys compare as numbers.
 * Text that is not a plain decimal in range (BIGINT UNSIGNED past 2^63)
 * stays a string. */
static void push_value(lua_State *L, const char *v, size_t len, bool integer)
{
	size_t d = v[0] == '-';
	if (integer && len > d && len - d <= 18 && (v[d] != '0' || len - d == 1) &&
	    strspn(v + d, "0123456789") == len - d) {
		lua_pushinteger(L, (lua_Integer)strtoll(v, NULL, 10));
		return;
	}
	lua_pushlstring(L, v, len);
}

/* [-0, +0, e] Build the current row and store it or pass it to fn.
 * Arguments: the state, the rows table, the names table, fn or nil. */
static int take_row(lua_State *L)
{
	struct qstate *q = lua_touserdata(L, 1);
	if (!q->values) {
		for (unsigned i = 0; i < q->ncols; i++) {
			lua_pushstring(L, q->colnames[i] ? q->colnames[i] : "");
			lua_rawseti(L, 3, (lua_Integer)i + 1);
		}
		return 0;
	}
	sl_script_charge(L, q->ncols + 1);
	lua_createtable(L, (int)q->ncols, 0);
	for (unsigned i = 0; i < q->ncols; i++) {
		if (!q->values[i])
			continue;
		push_value(L, q->values[i], q->lens[i], q->integers && q->ints && q->ints[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	q->n++;
	if (q->fn) {
		lua_pushvalue(L, 4);
		lua_insert(L, -2);
		if (q->index) {
			lua_pushinteger(L, q->index);
			lua_insert(L, -2);
		}
		lua_call(L, q->index ? 2 : 1, 0);
	} else {
		lua_rawseti(L, 2, q->n);
	}
	return 0;
}

/* The source's row callback: each row in its own protected call. */
static int on_row(void *cb, unsigned ncols, const char *const *names, const bool *ints,
                  char **values, const unsigned long *lens)
{
	struct qstate *q = cb;
	lua_State *L = q->L;
	q->ints = ints;
	q->ncols = ncols;
	q->colnames = names;
	q->values = values;
	q->lens = lens;
	if (!lua_checkstack(L, 8))
		return 1;
	lua_pushcfunction(L, take_row);
	lua_pushlightuserdata(L, q);
	lua_pushvalue(L, q->rows);
	lua_pushvalue(L, q->names);
	if (q->fn)
		lua_pushvalue(L, q->fn);
	else
		lua_pushnil(L);
	if (lua_pcall(L, 4, 0, 0) != LUA_OK) {
		q->err_ref = luaL_ref(L, LUA_REGISTRYINDEX);
		return 1;
	}
	return 0;
}

/* The error a row raised (q->err_ref), re-raised. */
static int raise_row_error(lua_State *L, struct sl_script *s, struct qstate *q)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, q->err_ref);
	luaL_unref(L, LUA_REGISTRYINDEX, q->err_ref);
	if (s->blown)
		sl_script_raise_limit(L, s->blown_msg);
	return lua_error(L);
}

static int lib_query(lua_State *L)
{
	struct sl_script *s = script_of(L);
	size_t len;
	const char *sql = luaL_checklstring(L, 1, &len);
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	if (!s->query)
		return luaL_error(L, "sluice.query: no server to ask here (it works in the "
		                     "per-table hooks of a dump from a server)");
	char why[160];
	if (sl_sql_check_select(sql, len, why, sizeof(why)))
		return luaL_error(L, "sluice.query: %s", why);
	uint64_t ms = sl_script_time_left(L);
	sl_script_charge(L, 1000); /* a round trip is never free */

	struct qstate q = {.L = L, .fn = lua_isnoneornil(L, 2) ? 0 : 2, .err_ref = LUA_NOREF};
	lua_settop(L, 2);
	lua_newtable(L);
	q.rows = lua_gettop(L);
	lua_newtable(L);
	q.names = lua_gettop(L);
	struct sl_error err = {0};
	int rc = s->query->run(s->query->ud, sql, len, ms, on_row, &q, &err);
	if (q.err_ref != LUA_NOREF)
		return raise_row_error(L, s, &q);
	if (rc)
		return luaL_error(L, "sluice.query: %s", err.code ? err.msg : "the query failed");
	if (q.fn) {
		lua_pushinteger(L, q.n);
		lua_pushvalue(L, q.names);
		return 2;
	}
	return 2; /* rows, names */
}

static int lib_queries(lua_State *L)
{
	struct sl_script *s = script_of(L);
	luaL_checktype(L, 1, LUA_TTABLE);
	/* fn(i, row) for every query, or fns[i](row): one function per query. */
	bool per_query = lua_type(L, 2) == LUA_TTABLE;
	if (!per_query)
		luaL_checktype(L, 2, LUA_TFUNCTION);
	bool integers = false;
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		lua_getfield(L, 3, "integers");
		integers = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	const struct sl_script_query *sq = s->query;
	if (!sq)
		return luaL_error(L, "sluice.queries: no server to ask here (it works in the "
		                     "per-table hooks of a dump from a server)");
	lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
	/* Every text is checked before any is sent. */
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_rawgeti(L, 1, i) != LUA_TSTRING)
			return luaL_error(L, "sluice.queries: item %d is not a string", (int)i);
		size_t len;
		const char *sql = lua_tolstring(L, -1, &len);
		char why[160];
		if (sl_sql_check_select(sql, len, why, sizeof(why)))
			return luaL_error(L, "sluice.queries: query %d: %s", (int)i, why);
		lua_pop(L, 1);
		if (per_query && lua_rawgeti(L, 2, i) != LUA_TFUNCTION)
			return luaL_error(L, "sluice.queries: no function for query %d", (int)i);
		if (per_query)
			lua_pop(L, 1);
	}
	/* The time left is taken once: no limit may unwind this function while
	 * a query is in flight (a row's error is caught, see on_row). */
	uint64_t ms = sl_script_time_left(L);
	sl_script_charge(L, 1000 * (uint64_t)n);
	bool at_once = sq->send && sq->read && sq->slots > 0;
	lua_Integer slots = at_once ? sq->slots : 1;

	lua_settop(L, 2);
	lua_newtable(L);
	lua_newtable(L);
	lua_pushnil(L); /* 5: the current query's function (per_query) */
	struct qstate q = {
	    .L = L, .fn = 2, .rows = 3, .names = 4, .err_ref = LUA_NOREF, .integers = integers};
	struct sl_error err = {0};
	lua_Integer total = 0, sent = 0, done = 0, failed = 0;
	int rc = 0;
	while (!rc && done < n) {
		while (at_once && sent < n && sent < done + slots) {
			size_t len;
			lua_rawgeti(L, 1, sent + 1);
			const char *sql = lua_tolstring(L, -1, &len);
			rc = sq->send(sq->ud, (unsigned)(sent % slots), sql, len, ms, &err);
			lua_pop(L, 1);
			if (rc) {
				failed = sent + 1;
				break;
			}
			sent++;
		}
		if (rc)
			break;
		if (per_query) {
			lua_rawgeti(L, 2, done + 1);
			lua_replace(L, 5);
			q.fn = 5;
			q.index = 0;
		} else {
			q.index = done + 1;
		}
		q.n = 0;
		if (at_once) {
			rc = sq->read(sq->ud, (unsigned)(done % slots), on_row, &q, &err);
		} else {
			size_t len;
			lua_rawgeti(L, 1, done + 1);
			const char *sql = lua_tolstring(L, -1, &len);
			rc = sq->run(sq->ud, sql, len, ms, on_row, &q, &err);
			lua_pop(L, 1);
		}
		if (rc)
			failed = done + 1;
		done++;
		total += q.n;
	}
	/* What is still in flight is read away: the connections stay usable. */
	for (struct sl_error e2 = {0}; done < sent; done++)
		sq->read(sq->ud, (unsigned)(done % slots), NULL, NULL, &e2);
	if (q.err_ref != LUA_NOREF)
		return raise_row_error(L, s, &q);
	if (rc)
		return luaL_error(L, "sluice.queries: query %d: %s", (int)failed,
		                  err.code ? err.msg : "the query failed");
	lua_pushinteger(L, total);
	return 1;
}

static int lib_sql_value(lua_State *L)
{
	luaL_checktype(L, 2, LUA_TTABLE);
	if (lua_isnil(L, 1)) {
		lua_pushliteral(L, "NULL");
		return 1;
	}
	size_t len;
	const char *v = luaL_checklstring(L, 1, &len);
	lua_getfield(L, 2, "data_type");
	lua_getfield(L, 2, "charset");
	struct sl_column c = {0};
	c.data_type = (char *)luaL_optstring(L, -2, NULL);
	c.charset = (char *)luaL_optstring(L, -1, NULL);
	if (!c.data_type)
		return luaL_argerror(L, 2, "a column description (t.columns.NAME) with data_type");
	c.value_class = sl_value_class_of(c.data_type);
	struct sl_buf *b = sl_script_push_buf(L);
	if (sl_sql_literal(b, &c, v, len))
		return luaL_error(L, "not enough memory");
	lua_pushlstring(L, b->data ? b->data : "", b->len);
	return 1;
}

/* Value i of the table at index t as an integer: a Lua integer or plain
 * decimal text ("-12"; not "0x10", which SQL reads as a string). */
static bool int_at(lua_State *L, int t, lua_Integer i, int64_t *out)
{
	bool ok = false;
	if (lua_rawgeti(L, t, i) == LUA_TNUMBER) {
		int isint;
		*out = (int64_t)lua_tointegerx(L, -1, &isint);
		ok = isint && lua_isinteger(L, -1);
	} else if (lua_type(L, -1) == LUA_TSTRING) {
		size_t len;
		const char *v = lua_tolstring(L, -1, &len);
		size_t d = v[0] == '-';
		ok = len > d && len - d <= 19 && strspn(v + d, "0123456789") == len - d;
		if (ok) {
			errno = 0;
			*out = strtoll(v, NULL, 10);
			ok = errno == 0;
		}
	}
	lua_pop(L, 1);
	return ok;
}

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int lib_sql_int_in(lua_State *L)
{
	size_t clen;
	const char *col = luaL_checklstring(L, 1, &clen);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer min_run = luaL_optinteger(L, 3, 8);
	luaL_argcheck(L, min_run >= 2, 3, "runs are at least 2 values");
	lua_Unsigned n = lua_rawlen(L, 2);
	if (n == 0 || n > SIZE_MAX / sizeof(int64_t) / 2) {
		lua_pushnil(L);
		return 1;
	}
	sl_script_charge(L, n * 4);
	/* In the state's memory, so --script-memory counts it. */
	int64_t *v = lua_newuserdatauv(L, (size_t)n * sizeof(*v), 0);
	for (lua_Unsigned i = 0; i < n; i++) {
		if (!int_at(L, 2, (lua_Integer)i + 1, &v[i])) {
			lua_pushnil(L);
			return 1;
		}
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_int64);
	size_t m = 0; /* without repeats */
	for (size_t i = 0; i < n; i++)
		if (m == 0 || v[i] != v[m - 1])
			v[m++] = v[i];
	/* Runs first (as BETWEENs), then the single values as one IN. */
	size_t parts = 0, singles = 0;
	for (size_t i = 0, j; i < m; i = j + 1) {
		for (j = i; j + 1 < m && v[j + 1] == v[j] + 1;)
			j++;
		if ((lua_Integer)(j - i) >= min_run - 1)
			parts++;
		else
			singles += j - i + 1;
	}
	parts += singles > 0;
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	char num[32];
	if (parts > 1)
		luaL_addchar(&b, '(');
	size_t done = 0;
	for (size_t i = 0, j; i < m; i = j + 1) {
		for (j = i; j + 1 < m && v[j + 1] == v[j] + 1;)
			j++;
		if ((lua_Integer)(j - i) < min_run - 1)
			continue;
		if (done++)
			luaL_addstring(&b, " OR ");
		luaL_addlstring(&b, col, clen);
		snprintf(num, sizeof(num), " BETWEEN %lld AND %lld", (long long)v[i],
		         (long long)v[j]);
		luaL_addstring(&b, num);
	}
	if (singles) {
		if (done)
			luaL_addstring(&b, " OR ");
		luaL_addlstring(&b, col, clen);
		luaL_addstring(&b, " IN (");
		size_t k = 0;
		for (size_t i = 0, j; i < m; i = j + 1) {
			for (j = i; j + 1 < m && v[j + 1] == v[j] + 1;)
				j++;
			if ((lua_Integer)(j - i) >= min_run - 1)
				continue;
			for (size_t x = i; x <= j; x++) {
				snprintf(num, sizeof(num), k++ ? ",%lld" : "%lld", (long long)v[x]);
				luaL_addstring(&b, num);
			}
		}
		luaL_addchar(&b, ')');
	}
	if (parts > 1)
		luaL_addchar(&b, ')');
	luaL_pushresult(&b);
	return 1;
}

void sl_script_open_query(lua_State *L)
{
	static const luaL_Reg funcs[] = {{"query", lib_query},
	                                 {"queries", lib_queries},
	                                 {"sql_value", lib_sql_value},
	                                 {"sql_int_in", lib_sql_int_in},
	                                 {NULL, NULL}};
	luaL_setfuncs(L, funcs, 0);
}
