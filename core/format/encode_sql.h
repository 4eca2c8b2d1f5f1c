/* encode_sql.h - render rows and session settings as SQL text.
 *
 * Data files are complete SQL that a plain `mariadb` client imports: a
 * prologue of session settings (binary client charset so bytes pass
 * untouched, UTC time zone, checks off, NO_AUTO_VALUE_ON_ZERO and
 * ALLOW_INVALID_DATES so every value the source holds goes back), `USE db`,
 * then multi-row INSERTs with an explicit column list, each statement at
 * most 'statement_size' bytes (a single row longer than that still makes one
 * statement).  Values: numbers bare, strings quoted with backslash escapes
 * (\0 \' \" \\ \n \r \Z), binary data as 0x hex (empty binary as ''). */
#ifndef SL_ENCODE_SQL_H
#define SL_ENCODE_SQL_H

#include <stddef.h>

#include "base/buf.h"
#include "format/dataformat.h"
#include "format/table.h"

struct sl_rowset;

/* Session settings every file body starts with; 'schema' (may be NULL)
 * adds a `USE` statement.  0 or SL_ENOMEM. */
int sl_encode_sql_prologue(struct sl_buf *out, const char *schema);

/* Append one value as an SQL literal.  'p' == NULL writes NULL. */
int sl_encode_sql_value(struct sl_buf *out, enum sl_value_class cls, const char *p, size_t len);

/* Append INSERT statements for every row of 'rs' into table 'table_name'
 * (the target name; the column names come from rs->cols).  Does not write
 * the prologue.  0 or SL_ENOMEM. */
int sl_encode_sql_rows(const struct sl_encode_opts *opts, const char *table_name,
                       const struct sl_rowset *rs, struct sl_buf *out);

/* The body of one data file (dataformat.h): the prologue with `USE schema`,
 * then the INSERTs into 'table'.  0 or SL_ENOMEM. */
int sl_encode_sql_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                       const struct sl_rowset *rs, struct sl_buf *out);

#endif
