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

/* INSERT statements written a row at a time: what sl_encode_sql_rows() does
 * for a rowset, for a source that hands rows over as it fetches them (no
 * copy into a rowset in between). */
struct sl_sql_writer {
	struct sl_buf hdr; /* "INSERT INTO `t` (`c1`,...) VALUES " */
	size_t cap;        /* opts->statement_size */
	size_t stmt;       /* bytes of the open statement, without ";\n"; 0: none */
	size_t ncols;
	enum sl_value_class *cls; /* of each column */
	/* sl_sql_writer_row() for this CPU (encode_sql.c) */
	int (*row)(struct sl_sql_writer *w, struct sl_buf *out, const char *const *vals,
	           const unsigned long *lens);
};

/* A writer of rows of 'ncols' values described by 'cols' into
 * table 'table_name'.  0 or SL_ENOMEM (nothing to free then). */
int sl_sql_writer_init(struct sl_sql_writer *w, const struct sl_encode_opts *opts,
                       const char *table_name, size_t ncols, const struct sl_column *const *cols);

/* Append one row to 'out': vals[c] == NULL is SQL NULL, else lens[c] bytes.
 * 0 or SL_ENOMEM ('out' unchanged). */
int sl_sql_writer_row(struct sl_sql_writer *w, struct sl_buf *out, const char *const *vals,
                      const unsigned long *lens);

/* Close the open statement, if any; the next row starts a new one. */
int sl_sql_writer_end(struct sl_sql_writer *w, struct sl_buf *out);
void sl_sql_writer_free(struct sl_sql_writer *w);

/* What a data file's body starts with before its rows: the prologue with
 * `USE schema`, and the rows' SET NAMES when opts->names is set. */
int sl_encode_sql_file_start(const struct sl_encode_opts *opts, const char *schema,
                             struct sl_buf *out);

/* The body of one data file (dataformat.h): the prologue with `USE schema`,
 * then the INSERTs into 'table'.  0 or SL_ENOMEM. */
int sl_encode_sql_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                       const struct sl_rowset *rs, struct sl_buf *out);

#endif
