/* decode_sql.h - read INSERT statements back into rows (the inverse of
 * encode_sql.h), so that row hooks run on dumps read from files.
 *
 * Accepts what sluice, mysqldump/mariadb-dump and mydumper write:
 *
 *   INSERT [IGNORE] INTO [`db`.]`t` [(`c1`,`c2`,...)] VALUES (...),(...)
 *   REPLACE INTO ...            (VALUE for VALUES too)
 *
 * with values NULL; numbers (kept as their text); '...' and "..." strings
 * with the server's backslash escapes and doubled quotes; 0x.. and X'..'
 * hex; b'..' and 0b.. bits (big-endian bytes, as the server reads them);
 * and a _charset introducer before a string or hex literal (_binary,
 * _latin1, ...), which is dropped: the bytes are the value.  Anything else
 * (an expression, ON DUPLICATE KEY UPDATE, a SELECT) is refused, with the
 * byte offset in the statement: a decoder that guessed would change data.
 *
 * Usage: sl_decode_insert_head() reads the statement up to its first row,
 * then sl_decode_insert_rows() adds rows to a rowset whose columns are the
 * head's (or the table's, without a column list), stopping after about
 * 'max_bytes' so a long statement becomes several blocks. */
#ifndef SL_DECODE_SQL_H
#define SL_DECODE_SQL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

struct sl_rowset;

struct sl_insert_head {
	bool replace;     /* REPLACE INTO */
	bool ignore;      /* INSERT IGNORE */
	char *schema;     /* `db`. before the table, or NULL (owned) */
	char *table;      /* the table's name (owned) */
	size_t ncols;     /* names in the column list; 0: none given */
	char **cols;      /* the column list (owned) */
	size_t first_row; /* offset of the first row's '(' in the statement */
};

/* Is stmt[0..len) an INSERT or REPLACE statement?  Cheap: its first word. */
bool sl_decode_is_insert(const char *stmt, size_t len);

/* Read the head of INSERT statement stmt[0..len) into *h (reset first;
 * free it with sl_insert_head_free in every case).  0; SL_EFORMAT with a
 * message in 'err' naming the byte offset; SL_ENOMEM. */
int sl_decode_insert_head(const char *stmt, size_t len, struct sl_insert_head *h,
                          struct sl_error *err);

void sl_insert_head_free(struct sl_insert_head *h);

/* Is stmt[0..len) "SET NAMES x" (also inside an executable comment,
 * mysqldump's form)?  The length of x, with *name pointing at it; 0 when
 * it is not. */
size_t sl_decode_set_names(const char *stmt, size_t len, const char **name);

/* Rows of stmt[0..len) from *pos (h.first_row at first, then what the
 * previous call left) into 'rs' (rs->ncols values a row), until the
 * statement ends (returns 0) or the rowset holds at least 'max_bytes'
 * (sl_rowset_bytes; returns 1, *pos at the next row).  'scratch' holds
 * one row's decoded values between calls' rows (any buffer; the caller
 * frees it).  SL_EFORMAT with 'err' naming the byte offset and the row
 * (a value that is not a literal, a row with another number of values);
 * SL_ENOMEM.  Rows added before an error stay in rs. */
/* One row of stmt[0..len) from *pos (as sl_decode_insert_rows): its values
 * into 'scratch' (reset first), value c at offs[2c] (SIZE_MAX: NULL) with
 * length offs[2c+1], for 'ncols' values.  1: a row, more follow (*pos at
 * the next); 0: a row, the statement's last; SL_EFORMAT with 'err';
 * SL_ENOMEM. */
int sl_decode_insert_row(const char *stmt, size_t len, size_t *pos, size_t ncols,
                         struct sl_buf *scratch, size_t *offs, struct sl_error *err);

int sl_decode_insert_rows(const char *stmt, size_t len, size_t *pos, struct sl_rowset *rs,
                          size_t max_bytes, struct sl_buf *scratch, struct sl_error *err);

#endif
