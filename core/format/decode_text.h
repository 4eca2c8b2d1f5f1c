/* decode_text.h - read csv, tsv and jsonl data files back (the inverse of
 * encode_csv.h and encode_json.h), for LOAD DATA.
 *
 * A reader takes a file body in memory (borrowed), parses its column list
 * (the CSV/TSV header row, the keys of the first JSON line) and then hands
 * out the rows in the form LOAD DATA reads: CSV and TSV bodies as they are
 * (after the header), JSON lines converted one line at a time to LOAD
 * DATA's default tab-separated form (JSON escapes and surrogate pairs
 * decoded, {"$hex":".."} turned into the bytes, null into \N, true/false
 * into 1/0).  Columns whose class (set by the caller from the target
 * table) is SL_VAL_BINARY get hex digits in the output, for SET c =
 * UNHEX(@v).  Memory: one converted line at most. */
#ifndef SL_DECODE_TEXT_H
#define SL_DECODE_TEXT_H

#include <stddef.h>

#include "base/buf.h"
#include "format/table.h"

enum sl_text_format { SL_TEXT_CSV = 1, SL_TEXT_TSV, SL_TEXT_JSONL };

struct sl_text_reader {
	enum sl_text_format fmt;
	const char *p, *end; /* the rest of the body (borrowed) */
	size_t ncols;
	char **names;             /* column names (owned) */
	enum sl_value_class *cls; /* ncols classes, all SL_VAL_STRING after init;
	                             the caller may change them before reading */
	struct sl_buf line;       /* jsonl: converted bytes not yet handed out */
	size_t line_off;          /* of those, already handed out */
	size_t lineno;            /* jsonl: line being converted (1-based) */
	char err[200];            /* what was wrong with the input */
	struct sl_buf tmp, tmp2;  /* scratch for a decoded value */
	struct sl_buf row;        /* sl_text_reader_row(): the row's values */
	size_t *offs;             /* ... their offsets and lengths in 'row' */
};

/* Start reading body[0..len) of format 'fmt' (borrowed until the reader
 * is freed): parses the column list.  0; SL_EFORMAT with r->err; SL_ENOMEM.
 * An empty body is fine (ncols 0, nothing to read).  Free the reader in
 * every case. */
int sl_text_reader_init(struct sl_text_reader *r, enum sl_text_format fmt, const char *body,
                        size_t len);

/* Up to 'len' bytes of rows in LOAD DATA's form into buf: how many, 0 at
 * the end, -1 on malformed input (r->err names the line) or no memory. */
int sl_text_reader_read(struct sl_text_reader *r, char *buf, unsigned int len);

/* The next row's values instead (row hooks on csv, tsv and jsonl files:
 * the rows themselves, not LOAD DATA's form): vals[i] and lens[i] for each
 * of r->ncols columns, pointing into the reader (valid until the next
 * call), vals[i] NULL for NULL (csv: an unquoted NULL; tsv: \N; jsonl:
 * null).  The hex of binary-class columns in csv and tsv becomes bytes.
 * A csv line may end in \r\n, and a quoted csv field may hold newlines.
 * 1 with a row, 0 at the end, -1 on malformed input (r->err names the
 * line: a field count that differs from the header's, an unterminated
 * quote, bad hex) or no memory. */
int sl_text_reader_row(struct sl_text_reader *r, const char **vals, unsigned long *lens);

void sl_text_reader_free(struct sl_text_reader *r);

#endif
