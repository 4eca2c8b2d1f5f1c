/* fuzz_decode_sql.c - fuzz target for reading dumps back into rows: the
 * INSERT decoder (core/format/decode_sql.c) and the CREATE TABLE reader
 * (core/format/decode_ddl.c).
 *
 * Three things per input.  The input is read as an INSERT statement (with
 * as many columns as its first row has values, or one) and as a schema
 * file: besides crashes and sanitizer reports, the target aborts when a
 * failure has no message, or a decoded row count or value is inconsistent.
 * Then the input becomes rows (values split at 0xff bytes, 0xfe alone is
 * NULL, column classes from the first byte), which are encoded as INSERTs
 * (core/format/encode_sql.c) and decoded again: every value must come back
 * byte for byte, in as many blocks as the byte limit asks.
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer fuzz_decode_sql builds and runs it).  Otherwise its main()
 * replays tests/fuzz/corpus_decode_sql (make check). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "format/decode_ddl.h"
#include "format/decode_sql.h"
#include "format/encode_sql.h"
#include "format/rowset.h"
#include "format/table.h"
#include "replay.h"

const char sl_fuzz_name[] = "fuzz_decode_sql";
const char sl_fuzz_corpus[] = "corpus_decode_sql";

static void fz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_decode_sql: %s\n", what);
		abort();
	}
}

static struct sl_column fz_cols[8];
static const struct sl_column *fz_colp[8];

/* The input as a statement and as a schema file. */
static void raw(const char *text, size_t size, size_t limit)
{
	struct sl_insert_head h;
	struct sl_error err = {0};
	int rc = sl_decode_insert_head(text, size, &h, &err);
	if (rc) {
		fz_check(rc == SL_EFORMAT && err.msg[0], "head failed without a message");
	} else {
		size_t nc =
		    h.ncols ? h.ncols : 1 + (size ? (size_t)((unsigned char)text[0] % 8) : 0);
		if (nc > 8)
			nc = 8;
		struct sl_rowset rs;
		struct sl_buf scratch = SL_BUF_INIT;
		sl_rowset_init(&rs, nc, fz_colp);
		size_t pos = h.first_row, before = 0;
		while ((rc = sl_decode_insert_rows(text, size, &pos, &rs, limit, &scratch, &err)) ==
		       1) {
			fz_check(rs.nrows > before, "a block without a row");
			fz_check(pos <= size, "position past the end");
			before = rs.nrows;
		}
		fz_check(rc == 0 || (rc == SL_EFORMAT && err.msg[0]),
		         "rows failed without a message");
		for (size_t r = 0; r < rs.nrows; r++)
			for (size_t c = 0; c < nc; c++) {
				size_t len;
				const char *v = sl_rowset_value(&rs, r, c, &len);
				fz_check(!v || v[len] == '\0', "a value without its terminator");
			}
		sl_rowset_free(&rs);
		sl_buf_free(&scratch);
	}
	sl_insert_head_free(&h);

	struct sl_table *t = sl_calloc(1, sizeof(*t));
	fz_check(t != NULL, "out of memory");
	struct sl_error derr = {0};
	rc = sl_ddl_describe(text, size, t, &derr);
	fz_check(rc == 0 || (rc == SL_EFORMAT && derr.msg[0] && t->ncols == 0),
	         "ddl failed without a message, or kept columns");
	for (size_t i = 0; i < t->ncols; i++)
		fz_check(t->cols[i].name && t->cols[i].data_type && t->cols[i].column_type,
		         "a column without its name or type");
	sl_table_free(t);
}

/* Rows from the input, encoded and read back. */
static void round_trip(const uint8_t *data, size_t size, size_t limit)
{
	static const char *const types[] = {"varchar", "blob", "varbinary", "text", "inet6", "bit"};
	struct sl_column cols[4];
	const struct sl_column *colp[4];
	size_t ncols = size ? 1 + data[0] % 4 : 1;
	memset(cols, 0, sizeof(cols));
	for (size_t c = 0; c < ncols; c++) {
		cols[c].name = (char *)"c";
		cols[c].value_class =
		    sl_value_class_of(types[((size ? data[0] : 0) >> (2 + c)) % 6]);
		colp[c] = &cols[c];
	}
	struct sl_rowset in, out;
	sl_rowset_init(&in, ncols, colp);
	sl_rowset_init(&out, ncols, colp);
	const char *vals[4];
	unsigned long lens[4];
	size_t c = 0, start = 1;
	for (size_t i = 1; i <= size; i++) {
		if (i < size && data[i] != 0xff)
			continue;
		size_t len = i - start;
		bool null = len == 1 && data[start] == 0xfe;
		vals[c] = null ? NULL : (const char *)data + start;
		lens[c] = null ? 0 : len;
		start = i + 1;
		if (++c == ncols) {
			fz_check(sl_rowset_add_row(&in, vals, lens) == 0, "out of memory");
			c = 0;
		}
	}
	struct sl_encode_opts opts = {.statement_size = 1024};
	struct sl_buf sql = SL_BUF_INIT, scratch = SL_BUF_INIT;
	fz_check(sl_encode_sql_rows(&opts, "t", &in, &sql) == 0, "encoding failed");
	/* The encoder ends each statement with ";\n" and starts the next with
	 * INSERT: no value holds a raw newline, so the split is exact. */
	const char *p = sql.data, *end = sql.data ? sql.data + sql.len : NULL;
	while (p && p < end) {
		const char *e = strstr(p, ";\nINSERT ");
		size_t len = e ? (size_t)(e - p) : (size_t)(end - p) - 2;
		struct sl_insert_head h;
		struct sl_error err = {0};
		fz_check(sl_decode_insert_head(p, len, &h, &err) == 0, "own head does not read");
		fz_check(h.ncols == ncols, "own head: column count");
		size_t pos = h.first_row;
		int rc;
		while ((rc = sl_decode_insert_rows(p, len, &pos, &out, limit, &scratch, &err)) == 1)
			;
		if (rc)
			fprintf(stderr, "%s\n", err.msg);
		fz_check(rc == 0, "own rows do not read");
		sl_insert_head_free(&h);
		p = e ? e + 2 : end;
	}
	fz_check(out.nrows == in.nrows, "row count differs");
	for (size_t r = 0; r < in.nrows; r++)
		for (size_t k = 0; k < ncols; k++) {
			size_t a, b;
			const char *x = sl_rowset_value(&in, r, k, &a);
			const char *y = sl_rowset_value(&out, r, k, &b);
			fz_check((x == NULL) == (y == NULL), "NULL differs");
			fz_check(!x || (a == b && !memcmp(x, y, a)), "a value differs");
		}
	sl_buf_free(&sql);
	sl_buf_free(&scratch);
	sl_rowset_free(&in);
	sl_rowset_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	for (size_t i = 0; i < 8; i++) {
		fz_cols[i].name = (char *)"c";
		fz_cols[i].value_class = (enum sl_value_class)(i % 4);
		fz_colp[i] = &fz_cols[i];
	}
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size); /* a heap copy: reads past the end are caught */
	size_t limit = size ? 1 + (size_t)(data[size - 1] * 37u % 8192u) : 4096;
	raw(text, size, limit);
	round_trip(data, size, limit);
	free(text);
	return 0;
}
