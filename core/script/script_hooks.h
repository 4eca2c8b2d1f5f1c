/* script_hooks.h - calling a script's hooks (see scripts/README.md for the
 * Lua side).  Each returns 0 or SL_ELUA/SL_ENOMEM with the message in 'err'
 * naming script:line, hook and table.  Absent hooks leave the outputs at
 * their "no change" values. */
#ifndef SL_SCRIPT_HOOKS_H
#define SL_SCRIPT_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct sl_rowset;
struct sl_script;
struct sl_table;

struct lua_State;

/* script_table.c: [-0, +1, m] push t's description (inside
 * sl_script_invoke); describe a whole catalog so foreign keys are linked
 * both ways (sluice.tables). */
void sl_script_push_table(struct lua_State *L, const struct sl_table *t);
int sl_script_set_catalog(struct sl_script *s, struct sl_table *const *tables, size_t n,
                          struct sl_error *err);

/* 'tables = {include = RE, exclude = RE}': the patterns (caller frees;
 * NULL when absent). */
int sl_script_select_patterns(struct sl_script *s, char **include, char **exclude,
                              struct sl_error *err);

/* 'function tables(t)': *take = its truth.  Untouched when 'tables' is a
 * table or absent. */
int sl_script_select(struct sl_script *s, const struct sl_table *t, bool *take,
                     struct sl_error *err);

/* where(t) -> SQL condition or nil, and optionally the number of rows it
 * selects (a hint for splitting the table).  *cond is NULL or a string the
 * caller frees; *rows is the hint, or -1 when the hook gave none. */
int sl_script_where(struct sl_script *s, const struct sl_table *t, char **cond, int64_t *rows,
                    struct sl_error *err);

/* 'columns' - a table {["db.t"] = {col = "SQL", ...}} or a function(t)
 * returning {col = "SQL"}: *exprs becomes an array of t->ncols expressions
 * (NULL where the column is untouched; caller frees with
 * sl_table_free_exprs) or stays NULL when nothing applies.  A name that is
 * not a column of t, or a generated column, is an error. */
int sl_script_columns(struct sl_script *s, const struct sl_table *t, char ***exprs,
                      struct sl_error *err);

/* route(t) -> a sink name, an array of names, nil (every sink) or false
 * (none): take[i] for each of the 'nsinks' names.  An unknown name is an
 * error. */
int sl_script_route(struct sl_script *s, const struct sl_table *t, const char *const *sinks,
                    size_t nsinks, bool *take, struct sl_error *err);

/* rename(t, sink) -> schema[, name]: the target names in that sink (nil
 * keeps the source's).  *schema and *name are NULL or strings the caller
 * frees. */
int sl_script_rename(struct sl_script *s, const struct sl_table *t, const char *sink, char **schema,
                     char **name, struct sl_error *err);

/* script_rows.c: transform(t, rows) on a block of rows.  *out is 'rs' when
 * nothing changed, else the script's scratch rowset holding the rewritten
 * rows (valid until the next call).  Columns are the rowset's. */
int sl_script_transform(struct sl_script *s, const struct sl_table *t, const struct sl_rowset *rs,
                        const struct sl_rowset **out, struct sl_error *err);

#endif
