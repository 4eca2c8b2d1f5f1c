/* myloader.h - object files in the form myloader 0.10 replays.
 *
 * myloader (Debian's mydumper 0.10) reads a file line by line and sends
 * what it has gathered as one statement whenever a line ends in ";\n"; it
 * knows no DELIMITER and no quotes.  mydumper therefore writes each
 * trigger, routine and event as one statement ending in ";\n" and turns
 * every ";\n" inside it into "; \n" (mydumper v0.10.1: restore_data() in
 * myloader.c, dump_triggers_data() and dump_schema_post_data() in
 * mydumper.c).  A directory dump
 * (`sluice dump -o DIR`) writes its trigger, routine, event and view files
 * that way, while the stream keeps mysqldump's DELIMITER form for the
 * `mariadb` client.  sluice reads both: object files are split with
 * SL_SQLSPLIT_LINE_END, which a DELIMITER line replaces (sqlsplit.h).
 *
 * Inside a statement, a ';' at a line's end is written as
 *   - code and comments: "; \n", as mydumper does (the text of a routine's
 *     body gains a blank);
 *   - a string: ';' then the escape \n instead of the line break, or, when
 *     the object's sql_mode has NO_BACKSLASH_ESCAPES, the string closed
 *     and reopened around the line break ('a;' '<LF>b'): the same value;
 *   - a quoted identifier: left as it is (it cannot be written otherwise;
 *     myloader then splits there, sluice does not).
 * The quoting modes of each object are those its SET SESSION SQL_MODE
 * statement before it names.
 *
 * mydumper also writes, for each view, a placeholder table of the view's
 * name and columns (db.v-schema.sql), which myloader creates with the
 * tables, so a view whose file runs before that of a view it uses still
 * finds it; the view's own file drops the placeholder first.  sluice's
 * readers check such placeholders and never load them. */
#ifndef SL_MYLOADER_H
#define SL_MYLOADER_H

#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"
#include "format/table.h"

/* Append object file 'name' (body[0..len): triggers, routines and events,
 * or a view, in the mysqldump or the myloader form) to 'out' in myloader's
 * form.  'view': for a view file with a placeholder, the view's name:
 * DROP TABLE IF EXISTS and DROP VIEW IF EXISTS of it go before the view's
 * CREATE; NULL adds nothing.  SL_EFORMAT with the message in 'err' (a body
 * that does not split: an unterminated string, a bad DELIMITER line),
 * SL_ENOMEM. */
int sl_myloader_objects(struct sl_buf *out, const char *name, const char *body, size_t len,
                        const char *view, struct sl_error *err);

/* Append the placeholder table for view 't' named 'name' (the view's name
 * in the dump): a MyISAM table with the view's columns and types, where
 * char and binary strings become TEXT and BLOB so that any number of them
 * fits in a row.  t->ncols must be > 0.  0 or SL_ENOMEM. */
int sl_myloader_placeholder(struct sl_buf *out, const struct sl_table *t, const char *name);

#endif
