/* encode_csv.h - render rows as CSV (RFC 4180) or TSV (LOAD DATA's default).
 *
 * One data file is a header row of column names, then one line per row.
 * CSV: fields separated by ',', lines by '\n'; every string is enclosed in
 * '"' with '"' doubled inside; numbers are bare; NULL is the bare word NULL
 * (a string "NULL" is quoted, so the two differ); binary values (BINARY,
 * BLOB, BIT, spatial) are hex digits in quotes.  Read back with LOAD DATA
 * ... FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY ''.
 * TSV: fields separated by a tab, lines by '\n', backslash escapes (\\ \t
 * \n \r \0), NULL as \N, binary values as bare hex digits: LOAD DATA's
 * defaults.  Text values are the bytes the server sent under SET NAMES
 * binary (load with CHARACTER SET binary). */
#ifndef SL_ENCODE_CSV_H
#define SL_ENCODE_CSV_H

#include "base/buf.h"
#include "format/dataformat.h"

struct sl_rowset;

enum sl_csv_dialect { SL_CSV, SL_TSV };

/* Append the header row and every row of 'rs' to 'out'.  0 or SL_ENOMEM
 * ('out' is unchanged on failure). */
int sl_encode_csv_rows(enum sl_csv_dialect d, const struct sl_rowset *rs, struct sl_buf *out);

/* The body of one data file (dataformat.h): CSV or TSV. */
int sl_encode_csv_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                       const struct sl_rowset *rs, struct sl_buf *out);
int sl_encode_tsv_file(const struct sl_encode_opts *opts, const char *schema, const char *table,
                       const struct sl_rowset *rs, struct sl_buf *out);

#endif
