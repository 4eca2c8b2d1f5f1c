/* decode_ddl.h - a table's description from its CREATE TABLE text.
 *
 * A dump read back from files has no server to ask: what Lua hooks see as
 * t.columns, t.primary_key, t.unique_keys, t.foreign_keys and t.engine,
 * and what the row decoder and encoder need (each column's value class,
 * generated columns), come from the CREATE statement in the table's
 * schema file.  The text is SHOW CREATE TABLE's (sluice, mydumper,
 * mysqldump all write it), so the reader follows its shape: one column or
 * key per line of the parenthesised list, options after it.  It is
 * lenient where being wrong costs nothing (an unknown clause is skipped)
 * and never guesses a column: a list it cannot split fails. */
#ifndef SL_DECODE_DDL_H
#define SL_DECODE_DDL_H

#include <stddef.h>

#include "base/error.h"

struct sl_table;

/* Find the first CREATE TABLE or CREATE SEQUENCE statement in the file
 * body sql[0..len) (other statements, SET NAMES and the like, are
 * skipped) and fill t's columns, keys, foreign keys, engine and kind.  t
 * must have no columns yet; its schema is the default for foreign keys'
 * parents.  0; SL_EFORMAT with a message in 'err' (no CREATE TABLE, a
 * column list that does not parse; t is left without columns); SL_ENOMEM. */
int sl_ddl_describe(const char *sql, size_t len, struct sl_table *t, struct sl_error *err);

#endif
