/* script_table.c - the table descriptions hooks receive as 't'.
 *
 *   t.schema, t.name        strings
 *   t.kind                  "table", "view" or "sequence"
 *   t.engine                string or nil (views)
 *   t.rows, t.bytes         the server's estimates (integers)
 *   t.columns               array of columns in table order, also indexed by
 *                           name: t.columns.email; a column is {name, type
 *                           (COLUMN_TYPE), data_type, nullable, default,
 *                           generated, charset}
 *   t.primary_key           array of column names, or nil
 *   t.unique_keys           array of {name, columns} (the primary key excluded)
 *   t.foreign_keys          array of {name, columns, ref_schema, ref_table,
 *                           ref_columns}: the parents
 *   t.referenced_by         array of {name, schema, table, columns,
 *                           ref_columns}: the children, whose 'columns'
 *                           reference this table's 'ref_columns'
 *
 * Every state holds one description per table (cached by the table's
 * address) and the catalog sluice.tables["db.name"] of all of them, so a
 * hook can walk foreign keys in both directions. */
#include <lauxlib.h>
#include <lua.h>

#include "base/buf.h"
#include "format/table.h"
#include "script/script.h"
#include "script/script_hooks.h"

static const char catalog_key = 'c'; /* registry: table address -> description */

static void set_string(lua_State *L, const char *field, const char *value)
{
	if (!value)
		return;
	lua_pushstring(L, value);
	lua_setfield(L, -2, field);
}

static void push_names(lua_State *L, char *const *names, size_t n)
{
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_pushstring(L, names[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static void push_columns(lua_State *L, const struct sl_table *t)
{
	lua_createtable(L, (int)t->ncols, (int)t->ncols);
	for (size_t i = 0; i < t->ncols; i++) {
		const struct sl_column *c = &t->cols[i];
		lua_createtable(L, 0, 7);
		set_string(L, "name", c->name);
		set_string(L, "type", c->column_type);
		set_string(L, "data_type", c->data_type);
		set_string(L, "charset", c->charset);
		set_string(L, "default", c->default_value);
		lua_pushboolean(L, c->nullable);
		lua_setfield(L, -2, "nullable");
		lua_pushboolean(L, c->generated);
		lua_setfield(L, -2, "generated");
		lua_pushvalue(L, -1);
		lua_setfield(L, -3, c->name);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static void push_keys(lua_State *L, const struct sl_table *t)
{
	int nunique = 0;
	lua_newtable(L); /* unique_keys */
	for (size_t i = 0; i < t->nkeys; i++) {
		const struct sl_key *k = &t->keys[i];
		if (k->primary) {
			push_names(L, k->cols, k->ncols);
			lua_setfield(L, -3, "primary_key");
		} else if (k->unique) {
			lua_createtable(L, 0, 2);
			set_string(L, "name", k->name);
			push_names(L, k->cols, k->ncols);
			lua_setfield(L, -2, "columns");
			lua_rawseti(L, -2, ++nunique);
		}
	}
	lua_setfield(L, -2, "unique_keys");
}

/* [-0, +1, m] {name, columns, ref_columns} of a foreign key, plus the
 * other side's table: the parent's (ref_schema, ref_table) when 'child' is
 * NULL, else the child's (schema, table). */
static void push_fk(lua_State *L, const struct sl_foreign_key *fk, const struct sl_table *child)
{
	lua_createtable(L, 0, 5);
	set_string(L, "name", fk->name);
	set_string(L, child ? "schema" : "ref_schema", child ? child->schema : fk->ref_schema);
	set_string(L, child ? "table" : "ref_table", child ? child->name : fk->ref_table);
	push_names(L, fk->cols, fk->ncols);
	lua_setfield(L, -2, "columns");
	push_names(L, fk->ref_cols, fk->ncols);
	lua_setfield(L, -2, "ref_columns");
}

static void push_foreign_keys(lua_State *L, const struct sl_table *t)
{
	lua_createtable(L, (int)t->nfks, 0);
	for (size_t i = 0; i < t->nfks; i++) {
		push_fk(L, &t->fks[i], NULL);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "foreign_keys");
}

/* Build t's description on the stack (no catalog links). */
static void build_table(lua_State *L, const struct sl_table *t)
{
	static const char *const kinds[] = {"table", "view", "sequence"};
	lua_createtable(L, 0, 12);
	set_string(L, "schema", t->schema);
	set_string(L, "name", t->name);
	set_string(L, "kind", kinds[t->kind]);
	set_string(L, "engine", t->engine);
	lua_pushinteger(L, (lua_Integer)t->est_rows);
	lua_setfield(L, -2, "rows");
	lua_pushinteger(L, (lua_Integer)t->est_bytes);
	lua_setfield(L, -2, "bytes");
	push_columns(L, t);
	lua_setfield(L, -2, "columns");
	push_keys(L, t);
	push_foreign_keys(L, t);
	lua_newtable(L);
	lua_setfield(L, -2, "referenced_by");
}

/* [-0, +1, m] The description of t, built on first use.  Adds it to
 * sluice.tables under "db.name". */
static void push_table(lua_State *L, const struct sl_table *t)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &catalog_key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &catalog_key);
	}
	if (lua_rawgetp(L, -1, t) != LUA_TNIL) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	build_table(L, t);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, -3, t);
	lua_remove(L, -2);
	if (sl_script_get_global(L, "sluice") == LUA_TTABLE) {
		lua_pushliteral(L, "tables");
		if (lua_rawget(L, -2) != LUA_TTABLE) {
			lua_pop(L, 1);
			lua_newtable(L);
			lua_pushliteral(L, "tables");
			lua_pushvalue(L, -2);
			lua_rawset(L, -4);
		}
		lua_pushfstring(L, "%s.%s", t->schema, t->name);
		lua_pushvalue(L, -4);
		lua_rawset(L, -3);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

void sl_script_push_table(lua_State *L, const struct sl_table *t)
{
	push_table(L, t);
}

/* Describe every table, then add each foreign key to its parent's
 * referenced_by.  Arguments: the array of tables and its length. */
struct catalog {
	struct sl_table *const *tables;
	size_t n;
};

static int catalog_body(lua_State *L, void *ud)
{
	struct sl_table *const *tables = ((struct catalog *)ud)->tables;
	size_t n = ((struct catalog *)ud)->n;
	for (size_t i = 0; i < n; i++) {
		push_table(L, tables[i]);
		lua_pop(L, 1);
	}
	if (sl_script_get_global(L, "sluice") != LUA_TTABLE) {
		lua_pop(L, 1);
		return 0; /* the script replaced it: no catalog links */
	}
	lua_pushliteral(L, "tables");
	if (lua_rawget(L, -2) != LUA_TTABLE) {
		lua_pop(L, 2);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sl_table *t = tables[i];
		for (size_t k = 0; k < t->nfks; k++) {
			const struct sl_foreign_key *fk = &t->fks[k];
			lua_pushfstring(L, "%s.%s", fk->ref_schema, fk->ref_table);
			if (lua_rawget(L, -2) != LUA_TTABLE) {
				lua_pop(L, 1);
				continue; /* the parent is not part of the run */
			}
			lua_pushliteral(L, "referenced_by");
			if (lua_rawget(L, -2) != LUA_TTABLE) {
				lua_pop(L, 2);
				continue; /* the script changed the description */
			}
			push_fk(L, fk, t);
			lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
			lua_pop(L, 2);
		}
	}
	lua_pop(L, 2);
	return 0;
}

int sl_script_set_catalog(struct sl_script *s, struct sl_table *const *tables, size_t n,
                          struct sl_error *err)
{
	struct catalog c = {tables, n};
	return sl_script_invoke(s, "reading the catalog", NULL, catalog_body, &c, err);
}
