/* fuzz_textread.c - fuzz target for the csv/tsv/jsonl reader
 * (core/format/decode_text.c) that the loader feeds to LOAD DATA.
 *
 * Two things per input.  First the input itself is read as a jsonl, a csv
 * and a tsv body, in pieces of a size taken from the input: besides crashes
 * and sanitizer reports, the target aborts when a failure has no message,
 * when a converted JSON line does not have one field per column, or when a
 * csv/tsv body is not handed out unchanged after its header.  Second, the
 * input becomes rows (values split at 0xff bytes, 0xfe alone is NULL,
 * column classes from the first byte), which are encoded as JSON lines and
 * as TSV (core/format/encode_json.c, core/format/encode_csv.c): reading the JSON lines
 * back must give exactly the TSV rows, and reading the TSV or CSV header
 * back must give the column names.
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer fuzz_textread builds and runs it).
 * Otherwise its main() replays tests/fuzz/corpus_textread (make check). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "format/decode_text.h"
#include "format/encode_csv.h"
#include "format/encode_json.h"
#include "format/rowset.h"
#include "format/table.h"
#include "replay.h"

const char sl_fuzz_name[] = "fuzz_textread";
const char sl_fuzz_corpus[] = "corpus_textread";

static void fz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_textread: %s\n", what);
		abort();
	}
}

/* Read everything from r in pieces of 'piece' bytes into out.  0 or -1. */
static int read_all(struct sl_text_reader *r, unsigned piece, struct sl_buf *out)
{
	char buf[4096];
	for (;;) {
		int n = sl_text_reader_read(r, buf, piece);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		fz_check((unsigned)n <= piece, "read more than asked");
		fz_check(sl_buf_append(out, buf, (size_t)n) == 0, "out of memory");
	}
}

/* The input as a body of each format. */
static void raw(const char *text, size_t size, unsigned piece)
{
	for (int f = SL_TEXT_CSV; f <= SL_TEXT_JSONL; f++) {
		struct sl_text_reader r;
		struct sl_buf out = SL_BUF_INIT;
		int rc = sl_text_reader_init(&r, (enum sl_text_format)f, text, size);
		if (rc) {
			fz_check(rc == SL_EFORMAT && r.err[0], "init failed without a message");
		} else if (r.ncols) {
			/* Its rows: any input ends or fails with a message. */
			struct sl_text_reader rr;
			if (sl_text_reader_init(&rr, (enum sl_text_format)f, text, size) == 0) {
				const char *v[64];
				unsigned long l[64];
				int got = 1;
				while (rr.ncols <= 64 && (got = sl_text_reader_row(&rr, v, l)) == 1)
					;
				fz_check(got >= 0 || rr.err[0], "a row failed without a message");
			}
			sl_text_reader_free(&rr);
			if (f == SL_TEXT_JSONL && (text[0] & 1))
				r.cls[0] = SL_VAL_BINARY;
			const char *body = r.p;
			size_t blen = (size_t)(r.end - r.p);
			if (read_all(&r, piece, &out)) {
				fz_check(f == SL_TEXT_JSONL && r.err[0],
				         "read failed without a message");
			} else if (f != SL_TEXT_JSONL) {
				fz_check(out.len == blen &&
				             (!blen || !memcmp(out.data, body, blen)),
				         "csv/tsv body changed");
			} else {
				/* Every converted line has ncols fields: ncols-1 raw tabs. */
				size_t tabs = 0;
				for (size_t i = 0; i < out.len; i++) {
					if (out.data[i] == '\t')
						tabs++;
					else if (out.data[i] == '\n') {
						fz_check(tabs == r.ncols - 1,
						         "a line with another field count");
						tabs = 0;
					}
				}
				fz_check(tabs == 0 && (!out.len || out.data[out.len - 1] == '\n'),
				         "output does not end with a line");
			}
		}
		sl_text_reader_free(&r);
		sl_buf_free(&out);
	}
}

/* Rows from the input, encoded and read back. */
static void round_trip(const uint8_t *data, size_t size, unsigned piece)
{
	static const char *const names[] = {"a", "b\tc", "d\"e\\", "\xc3\xa9"};
	static const char *const types[] = {"varchar", "blob", "int", "decimal", "inet6"};
	struct sl_column cols[4];
	const struct sl_column *colp[4];
	size_t ncols = size ? 1 + data[0] % 4 : 1;
	memset(cols, 0, sizeof(cols));
	for (size_t c = 0; c < ncols; c++) {
		const char *t = types[((size ? data[0] : 0) >> (2 + c)) % 5];
		cols[c].name = (char *)names[c];
		cols[c].data_type = (char *)t;
		cols[c].value_class = sl_value_class_of(t);
		colp[c] = &cols[c];
	}
	struct sl_rowset rs;
	sl_rowset_init(&rs, ncols, colp);
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
			fz_check(sl_rowset_add_row(&rs, vals, lens) == 0, "out of memory");
			c = 0;
		}
	}
	struct sl_buf json = SL_BUF_INIT, tsv = SL_BUF_INIT, csv = SL_BUF_INIT, back = SL_BUF_INIT;
	fz_check(sl_encode_jsonl_rows(&rs, &json) == 0, "jsonl encoding failed");
	fz_check(sl_encode_csv_rows(SL_TSV, &rs, &tsv) == 0, "tsv encoding failed");
	fz_check(sl_encode_csv_rows(SL_CSV, &rs, &csv) == 0, "csv encoding failed");
	struct sl_text_reader r;
	fz_check(sl_text_reader_init(&r, SL_TEXT_TSV, tsv.data, tsv.len) == 0, "tsv header");
	fz_check(r.ncols == ncols, "tsv header: column count");
	for (size_t k = 0; k < ncols; k++)
		fz_check(!strcmp(r.names[k], names[k]), "tsv header: a name differs");
	const char *rows_tsv = r.p;
	sl_text_reader_free(&r);
	fz_check(sl_text_reader_init(&r, SL_TEXT_CSV, csv.data, csv.len) == 0, "csv header");
	fz_check(r.ncols == ncols, "csv header: column count");
	for (size_t k = 0; k < ncols; k++)
		fz_check(!strcmp(r.names[k], names[k]), "csv header: a name differs");
	sl_text_reader_free(&r);
	if (rs.nrows) {
		int rc = sl_text_reader_init(&r, SL_TEXT_JSONL, json.data, json.len);
		fz_check(rc == 0, "jsonl written by the encoder does not parse");
		fz_check(r.ncols == ncols, "jsonl keys: column count");
		for (size_t k = 0; k < ncols; k++) {
			fz_check(!strcmp(r.names[k], names[k]), "jsonl keys: a name differs");
			r.cls[k] = cols[k].value_class;
		}
		fz_check(read_all(&r, piece, &back) == 0, "jsonl rows do not convert");
		size_t want = tsv.len - (size_t)(rows_tsv - tsv.data);
		fz_check(back.len == want && !memcmp(back.data, rows_tsv, want),
		         "jsonl read back differs from tsv");
		sl_text_reader_free(&r);
	}
	/* The rows themselves read back (row hooks on files): every format
	 * gives the same bytes, NULLs and row count. */
	const struct sl_buf *bodies[] = {&csv, &tsv, &json};
	for (int f = SL_TEXT_CSV; f <= SL_TEXT_JSONL && rs.nrows; f++) {
		const struct sl_buf *body = bodies[f - SL_TEXT_CSV];
		fz_check(sl_text_reader_init(&r, (enum sl_text_format)f, body->data, body->len) ==
		             0,
		         "rows: header");
		for (size_t k = 0; k < ncols; k++)
			r.cls[k] = cols[k].value_class;
		const char *v[4];
		unsigned long l[4];
		size_t n = 0;
		int got;
		while ((got = sl_text_reader_row(&r, v, l)) == 1) {
			fz_check(n < rs.nrows, "rows: more rows than written");
			for (size_t k = 0; k < ncols; k++) {
				size_t len;
				const char *want = sl_rowset_value(&rs, n, k, &len);
				fz_check((want == NULL) == (v[k] == NULL), "rows: NULL differs");
				fz_check(!want || (len == l[k] && !memcmp(want, v[k], len)),
				         "rows: a value differs");
			}
			n++;
		}
		if (got < 0)
			fprintf(stderr, "%s\n", r.err);
		fz_check(got == 0 && n == rs.nrows, "rows: not all read back");
		sl_text_reader_free(&r);
	}
	sl_rowset_free(&rs);
	sl_buf_free(&json);
	sl_buf_free(&tsv);
	sl_buf_free(&csv);
	sl_buf_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size); /* a heap copy: reads past the end are caught */
	unsigned piece = size ? 1 + (unsigned)(data[size - 1] * 17u % 4096u) : 4096;
	raw(text, size, piece);
	round_trip(data, size, piece);
	free(text);
	return 0;
}
