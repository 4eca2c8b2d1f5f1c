/* sqlscan.h - reading single SQL statements a token at a time.
 *
 * Two questions sluice asks of SQL text it did not write, answered from
 * its tokens (format/sqltok.h: strings, `identifiers`, comments and
 * executable comments as the server reads them):
 *
 *   - is this a plain read-only query?  sluice.query() runs a script's SQL
 *     inside the dump's snapshot, and must never write, lock or run a
 *     second statement there (sl_sql_check_select);
 *   - which tables does a view's or trigger's text name?  A view whose
 *     tables a run leaves out cannot be created on the target
 *     (sl_sql_table_refs).
 *
 * Neither is a parser: both look at keywords and the names that follow
 * them, which is enough for the definitions the server shows
 * (information_schema.VIEWS qualifies every table) and for trigger bodies
 * (names after FROM, JOIN, INTO and UPDATE). */
#ifndef SL_SQLSCAN_H
#define SL_SQLSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Is sql[0..len) one SELECT (or WITH ... SELECT, or VALUES) that reads
 * only?  0 when it is; otherwise -1 and a short reason in why[0..cap):
 * another kind of statement, a second statement, INTO (files, variables),
 * locking reads (FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE, GET_LOCK),
 * sequence changes (NEXTVAL, SETVAL, NEXT VALUE FOR), executable comments
 * (which could hide any of these), or text that does not end (an open
 * string or comment). */
int sl_sql_check_select(const char *sql, size_t len, char *why, size_t cap);

/* One table a statement names: schema NULL when unqualified.  Names are
 * decoded (quotes removed, doubled backquotes undone) and NUL-terminated;
 * both are valid during the callback only. */
typedef int (*sl_sql_ref_fn)(void *ud, const char *schema, const char *name);

/* Call fn for every table named after FROM, JOIN, INTO, UPDATE and TABLE
 * (and in the comma lists that follow FROM and UPDATE), in order, with
 * repeats.  Function calls (JSON_TABLE(...)) and derived tables are not
 * names; a variable after INTO is reported like a table, so callers match
 * names against tables they know.  Returns 0, or the first non-zero value
 * fn returned. */
int sl_sql_table_refs(const char *sql, size_t len, sl_sql_ref_fn fn, void *ud);

#endif
