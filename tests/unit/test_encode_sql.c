/* test_encode_sql.c - unit tests for the SQL encoder (core/encode_sql.c):
 * literals of every value class, the prologue, and the splitting of rows
 * into INSERT statements of at most statement_size bytes. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "format/encode_sql.h"
#include "format/rowset.h"
#include "format/table.h"
#include "unit.h"

/* Encode one value into a fresh buffer. */
static int val(struct sl_buf *b, enum sl_value_class cls, const char *p, size_t len)
{
	sl_buf_reset(b);
	return sl_encode_sql_value(b, cls, p, len);
}

static void test_prologue(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(sl_encode_sql_prologue(&b, NULL), 0);
	CHECK_EQ_STR(b.data,
	             "/*!40101 SET NAMES binary*/;\n"
	             "/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
	             "/*!40014 SET UNIQUE_CHECKS=0*/;\n"
	             "/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'*/;\n"
	             "/*!40103 SET TIME_ZONE='+00:00'*/;\n");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_encode_sql_prologue(&b, "my`db"), 0);
	CHECK_EQ_STR(b.data,
	             "/*!40101 SET NAMES binary*/;\n"
	             "/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
	             "/*!40014 SET UNIQUE_CHECKS=0*/;\n"
	             "/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'*/;\n"
	             "/*!40103 SET TIME_ZONE='+00:00'*/;\n"
	             "USE `my``db`;\n");
	sl_buf_free(&b);
}

static void test_strings(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(val(&b, SL_VAL_STRING, "abc", 3), 0);
	CHECK_EQ_STR(b.data, "'abc'");
	/* Every escape: NUL, LF, CR, ^Z, quote, double quote, backslash. */
	CHECK_EQ_INT(val(&b, SL_VAL_STRING, "a\0b\nc\rd\032e'f\"g\\h", 15), 0);
	CHECK_EQ_MEM(b.data, b.len, "'a\\0b\\nc\\rd\\Ze\\'f\\\"g\\\\h'");
	/* Everything else passes untouched, including tab, ';', '`' and '%'. */
	CHECK_EQ_INT(val(&b, SL_VAL_STRING, "\t;`%_-- x/*", 11), 0);
	CHECK_EQ_STR(b.data, "'\t;`%_-- x/*'");
	/* 4-byte UTF-8 and invalid UTF-8 bytes pass as they are. */
	CHECK_EQ_INT(val(&b, SL_VAL_STRING, "\xf0\x9f\x98\x80\xff\xc3", 6), 0);
	CHECK_EQ_MEM(b.data, b.len, "'\xf0\x9f\x98\x80\xff\xc3'");
	/* NULL vs '' vs 'NULL'. */
	CHECK_EQ_INT(val(&b, SL_VAL_STRING, NULL, 0), 0);
	CHECK_EQ_STR(b.data, "NULL");
	CHECK_EQ_INT(val(&b, SL_VAL_STRING, "", 0), 0);
	CHECK_EQ_STR(b.data, "''");
	CHECK_EQ_INT(val(&b, SL_VAL_STRING, "NULL", 4), 0);
	CHECK_EQ_STR(b.data, "'NULL'");
	/* Only escapes: the worst case 2n+2. */
	CHECK_EQ_INT(val(&b, SL_VAL_STRING, "''''", 4), 0);
	CHECK_EQ_STR(b.data, "'\\'\\'\\'\\''");
	CHECK_EQ_INT((int)b.len, 10);
	/* Same bytes as sl_buf_put_quoted for all 256 byte values. */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	struct sl_buf q = SL_BUF_INIT;
	CHECK_EQ_INT(val(&b, SL_VAL_STRING, all, 256), 0);
	CHECK_EQ_INT(sl_buf_put_quoted(&q, all, 256), 0);
	CHECK(b.len == q.len && memcmp(b.data, q.data, b.len) == 0);
	sl_buf_free(&q);
	sl_buf_free(&b);
}

static void test_binary(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(val(&b, SL_VAL_BINARY,
	                 "\0\xff\x01\x80\x7f"
	                 "A",
	                 6),
	             0);
	CHECK_EQ_STR(b.data, "0x00ff01807f41");
	CHECK_EQ_INT(val(&b, SL_VAL_BINARY, "", 0), 0);
	CHECK_EQ_STR(b.data, "''");
	CHECK_EQ_INT(val(&b, SL_VAL_BINARY, NULL, 0), 0);
	CHECK_EQ_STR(b.data, "NULL");
	CHECK_EQ_INT(val(&b, SL_VAL_BINARY, "\xab\xcd\xef", 3), 0);
	CHECK_EQ_STR(b.data, "0xabcdef");
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	CHECK_EQ_INT(val(&b, SL_VAL_BINARY, all, 256), 0);
	CHECK_EQ_INT((int)b.len, 514);
	int bad = 0;
	for (int i = 0; i < 256; i++) {
		char hex[3];
		snprintf(hex, sizeof(hex), "%02x", i);
		if (memcmp(b.data + 2 + 2 * i, hex, 2) != 0)
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	sl_buf_free(&b);
}

static void test_numbers(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(val(&b, SL_VAL_NUMBER, "42", 2), 0);
	CHECK_EQ_STR(b.data, "42");
	CHECK_EQ_INT(val(&b, SL_VAL_NUMBER, "-0.5", 4), 0);
	CHECK_EQ_STR(b.data, "-0.5");
	CHECK_EQ_INT(val(&b, SL_VAL_NUMBER, "1.7976931348623157e+308", 23), 0);
	CHECK_EQ_STR(b.data, "1.7976931348623157e+308");
	CHECK_EQ_INT(val(&b, SL_VAL_NUMBER, "18446744073709551615", 20), 0);
	CHECK_EQ_STR(b.data, "18446744073709551615");
	CHECK_EQ_INT(val(&b, SL_VAL_NUMBER, NULL, 0), 0);
	CHECK_EQ_STR(b.data, "NULL");
	/* Not a plain number (e.g. rewritten by a transform): quoted, so it can
	 * never break out of the statement. */
	CHECK_EQ_INT(val(&b, SL_VAL_NUMBER, "1); DROP TABLE t; --", 20), 0);
	CHECK_EQ_STR(b.data, "'1); DROP TABLE t; --'");
	CHECK_EQ_INT(val(&b, SL_VAL_NUMBER, "", 0), 0);
	CHECK_EQ_STR(b.data, "''");
	/* Every length up to 20 with any one byte at any place among digits:
	 * bare exactly when that byte may be in a number (the word-at-a-time
	 * check of 4 to 16 bytes and the byte loop agree). */
	int wrong = 0;
	for (size_t len = 1; len <= 20; len++)
		for (size_t at = 0; at < len; at++)
			for (int c = 0; c < 256; c++) {
				char v[20];
				for (size_t i = 0; i < len; i++)
					v[i] = (char)('0' + (i * 7 + at) % 10);
				v[at] = (char)c;
				bool num = c && strchr("0123456789+-.eE", c);
				if (val(&b, SL_VAL_NUMBER, v, len) != 0 ||
				    (num ? b.len != len || memcmp(b.data, v, len) != 0
				         : b.data[0] != '\''))
					wrong++;
			}
	CHECK_EQ_INT(wrong, 0);
	/* Appends after what is there. */
	sl_buf_reset(&b);
	sl_buf_puts(&b, "(");
	CHECK_EQ_INT(sl_encode_sql_value(&b, SL_VAL_NUMBER, "7", 1), 0);
	CHECK_EQ_STR(b.data, "(7");
	sl_buf_free(&b);
}

/* A rowset over columns with the given names and classes. */
struct fixture {
	struct sl_column cols[8];
	const struct sl_column *colp[8];
	struct sl_rowset rs;
};

static void fixture_init(struct fixture *f, size_t ncols, const char *const *names,
                         const enum sl_value_class *cls)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < ncols; i++) {
		f->cols[i].name = (char *)names[i];
		f->cols[i].value_class = cls[i];
		f->colp[i] = &f->cols[i];
	}
	sl_rowset_init(&f->rs, ncols, f->colp);
}

/* Add a row of NUL-terminated values (NULL pointers for SQL NULL). */
static void add(struct fixture *f, const char *a, const char *b2)
{
	const char *v[2] = {a, b2};
	unsigned long l[2] = {a ? strlen(a) : 0, b2 ? strlen(b2) : 0};
	CHECK_EQ_INT(sl_rowset_add_row(&f->rs, v, l), 0);
}

static void test_rows_basic(void)
{
	static const char *const names[] = {"id", "name"};
	static const enum sl_value_class cls[] = {SL_VAL_NUMBER, SL_VAL_STRING};
	struct sl_encode_opts o = {.statement_size = 1000000};
	struct sl_buf b = SL_BUF_INIT;
	struct fixture f;

	fixture_init(&f, 2, names, cls);
	/* Zero rows write nothing. */
	CHECK_EQ_INT(sl_encode_sql_rows(&o, "t", &f.rs, &b), 0);
	CHECK_EQ_INT((int)b.len, 0);

	add(&f, "1", "a'b");
	add(&f, NULL, "");
	add(&f, "3", NULL);
	add(&f, "4", "NULL");
	sl_buf_puts(&b, "-- before\n");
	CHECK_EQ_INT(sl_encode_sql_rows(&o, "t", &f.rs, &b), 0);
	CHECK_EQ_STR(b.data, "-- before\n"
	                     "INSERT INTO `t` (`id`,`name`) VALUES "
	                     "(1,'a\\'b'),(NULL,''),(3,NULL),(4,'NULL');\n");
	sl_rowset_free(&f.rs);
	sl_buf_free(&b);
}

static void test_rows_empty_values_only(void)
{
	/* An arena that never held a byte must still give '' and not NULL. */
	static const char *const names[] = {"a", "b"};
	static const enum sl_value_class cls[] = {SL_VAL_STRING, SL_VAL_BINARY};
	struct sl_encode_opts o = {.statement_size = 1000};
	struct sl_buf b = SL_BUF_INIT;
	struct fixture f;

	fixture_init(&f, 2, names, cls);
	add(&f, "", "");
	CHECK_EQ_INT(sl_encode_sql_rows(&o, "t", &f.rs, &b), 0);
	CHECK_EQ_STR(b.data, "INSERT INTO `t` (`a`,`b`) VALUES ('','');\n");
	sl_rowset_free(&f.rs);
	sl_buf_free(&b);
}

static void test_rows_odd_names(void)
{
	static const char *const names[] = {"we`ird", "with space", "caf\xc3\xa9"};
	static const enum sl_value_class cls[] = {SL_VAL_NUMBER, SL_VAL_BINARY, SL_VAL_STRING};
	struct sl_encode_opts o = {.statement_size = 1000};
	struct sl_buf b = SL_BUF_INIT;
	struct fixture f;

	fixture_init(&f, 3, names, cls);
	const char *v[3] = {"1", "\0\xff", "\xf0\x9f\x98\x80"};
	unsigned long l[3] = {1, 2, 4};
	CHECK_EQ_INT(sl_rowset_add_row(&f.rs, v, l), 0);
	CHECK_EQ_INT(sl_encode_sql_rows(&o, "select`from", &f.rs, &b), 0);
	CHECK_EQ_STR(b.data, "INSERT INTO `select``from` (`we``ird`,`with space`,`caf\xc3\xa9`) "
	                     "VALUES (1,0x00ff,'\xf0\x9f\x98\x80');\n");
	sl_rowset_free(&f.rs);
	sl_buf_free(&b);
}

/* Encode rows "1".."nrows" of one NUMBER column `a` with statement_size
 * 'cap' and compare with 'want'. */
static void check_split(size_t cap, int nrows, const char *want)
{
	static const char *const names[] = {"a"};
	static const enum sl_value_class cls[] = {SL_VAL_NUMBER};
	struct sl_encode_opts o = {.statement_size = cap};
	struct sl_buf b = SL_BUF_INIT;
	struct fixture f;

	fixture_init(&f, 1, names, cls);
	for (int i = 1; i <= nrows; i++) {
		char s[16];
		snprintf(s, sizeof(s), "%d", i);
		add(&f, s, NULL);
	}
	CHECK_EQ_INT(sl_encode_sql_rows(&o, "t", &f.rs, &b), 0);
	CHECK_EQ_STR(b.data, want);
	if (strcmp(b.data, want) != 0)
		fprintf(stderr, "  cap %zu\n", cap);
	sl_rowset_free(&f.rs);
	sl_buf_free(&b);
}

#define HDR "INSERT INTO `t` (`a`) VALUES "

static void test_rows_split_boundaries(void)
{
	size_t h = strlen(HDR);

	/* One row: header + "(1)" + ";\n" = h + 5 bytes.  Two rows: h + 9. */
	check_split(h + 9, 3, HDR "(1),(2);\n" HDR "(3);\n");
	check_split(h + 8, 3, HDR "(1);\n" HDR "(2);\n" HDR "(3);\n");
	check_split(h + 13, 3, HDR "(1),(2),(3);\n");
	check_split(h + 12, 3, HDR "(1),(2);\n" HDR "(3);\n");
	check_split(h + 5, 2, HDR "(1);\n" HDR "(2);\n");
	/* A single row larger than the cap still makes one statement. */
	check_split(10, 1, HDR "(1);\n");
	check_split(0, 3, HDR "(1);\n" HDR "(2);\n" HDR "(3);\n");
	/* A row that does not fit but is longer than the header: the move. */
	check_split(h + 9, 11,
	            HDR "(1),(2);\n" HDR "(3),(4);\n" HDR "(5),(6);\n" HDR "(7),(8);\n" HDR
	                "(9);\n" HDR "(10);\n" HDR "(11);\n");
}

/* Rows of random sizes under many caps: every statement is at most 'cap'
 * bytes unless it holds one row, no statement could have taken the next
 * row, and the rows come out in order. */
static void test_rows_split_random(void)
{
	static const char *const names[] = {"n", "s"};
	static const enum sl_value_class cls[] = {SL_VAL_NUMBER, SL_VAL_STRING};
	struct sl_buf b = SL_BUF_INIT, all = SL_BUF_INIT, joined = SL_BUF_INIT;
	struct fixture f;
	unsigned seed = 12345;

	fixture_init(&f, 2, names, cls);
	for (int i = 0; i < 200; i++) {
		char s[600], n[16];
		seed = seed * 1103515245 + 12345;
		size_t len = (seed >> 16) % 500;
		for (size_t k = 0; k < len; k++)
			s[k] = "ab'\n\\x"[(k * 7 + (size_t)i) % 6];
		s[len] = 0;
		snprintf(n, sizeof(n), "%d", i);
		add(&f, n, s);
	}
	struct sl_encode_opts big = {.statement_size = SIZE_MAX};
	CHECK_EQ_INT(sl_encode_sql_rows(&big, "t", &f.rs, &all), 0);
	const char *hdr = "INSERT INTO `t` (`n`,`s`) VALUES ";
	size_t hl = strlen(hdr);
	CHECK(all.len > hl && memcmp(all.data, hdr, hl) == 0);

	int bad = 0;
	for (size_t cap = 0; cap < 6000; cap += 37) {
		struct sl_encode_opts o = {.statement_size = cap};
		sl_buf_reset(&b);
		sl_buf_reset(&joined);
		if (sl_encode_sql_rows(&o, "t", &f.rs, &b) != 0) {
			bad++;
			continue;
		}
		/* Statements end with ";\n" and values never contain a raw LF. */
		size_t i = 0, prev_len = 0;
		int first = 1;
		while (i < b.len) {
			const char *nl = memchr(b.data + i, '\n', b.len - i);
			size_t end = (size_t)(nl - b.data) + 1, slen = end - i;
			const char *st = b.data + i;
			if (slen < hl + 2 || memcmp(st, hdr, hl) != 0 || st[slen - 2] != ';') {
				bad++;
				break;
			}
			/* The rows part, without the header and ";\n". */
			const char *rows = st + hl;
			size_t rlen = slen - hl - 2;
			/* Count top-level rows: "),(" does not occur inside the
			 * generated strings (no parens in them). */
			int nrows = 1;
			for (size_t k = 0; k + 2 < rlen; k++)
				if (rows[k] == ')' && rows[k + 1] == ',' && rows[k + 2] == '(')
					nrows++;
			if (slen > cap && nrows > 1)
				bad++;
			/* Maximality: the previous statement plus this one's first
			 * row would have been too big. */
			if (!first) {
				const char *e = memchr(rows, ')', rlen);
				size_t first_row = (size_t)(e - rows) + 1;
				if (prev_len + 1 + first_row <= cap)
					bad++;
			}
			if (joined.len)
				sl_buf_putc(&joined, ',');
			sl_buf_append(&joined, rows, rlen);
			prev_len = slen;
			first = 0;
			i = end;
		}
		if (joined.len != all.len - hl - 2 ||
		    memcmp(joined.data, all.data + hl, joined.len))
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	sl_rowset_free(&f.rs);
	sl_buf_free(&b);
	sl_buf_free(&all);
	sl_buf_free(&joined);
}

/* Out of memory at every allocation: SL_ENOMEM and the output unchanged. */
static void test_rows_oom(void)
{
	static const char *const names[] = {"id", "name"};
	static const enum sl_value_class cls[] = {SL_VAL_NUMBER, SL_VAL_STRING};
	struct sl_encode_opts o = {.statement_size = 60};
	struct fixture f;
	int done = 0;

	fixture_init(&f, 2, names, cls);
	for (int i = 0; i < 50; i++)
		add(&f, "12345", "some text that is long enough to grow the buffer");
	for (long n = 0; n < 100 && !done; n++) {
		struct sl_buf b = SL_BUF_INIT;
		sl_buf_puts(&b, "keep");
		sl_alloc_fail_after(n);
		int rc = sl_encode_sql_rows(&o, "t", &f.rs, &b);
		sl_alloc_fail_after(-1);
		if (rc == 0)
			done = 1;
		else {
			CHECK_EQ_INT(rc, SL_ENOMEM);
			CHECK_EQ_STR(b.data, "keep");
		}
		sl_buf_free(&b);
	}
	CHECK(done);
	sl_rowset_free(&f.rs);
}

/* INET4/INET6/UUID text must not reach the server as a binary string
 * (the data files run under SET NAMES binary). */
static void test_native_types(void)
{
	struct sl_buf b = SL_BUF_INIT;
	CHECK_EQ_INT(sl_encode_sql_value(&b, SL_VAL_NATIVE, "::1", 3), 0);
	CHECK_EQ_STR(b.data, "_latin1'::1'");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_encode_sql_value(&b, SL_VAL_NATIVE, NULL, 0), 0);
	CHECK_EQ_STR(b.data, "NULL");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_encode_sql_value(&b, SL_VAL_NATIVE, "", 0), 0);
	CHECK_EQ_STR(b.data, "_latin1''");
	CHECK(sl_value_class_of("inet6") == SL_VAL_NATIVE);
	CHECK(sl_value_class_of("UUID") == SL_VAL_NATIVE);
	CHECK(sl_value_class_of("inet4") == SL_VAL_NATIVE);
	sl_buf_free(&b);
}

/* The reference literal of a string: byte by byte, what the encoder's
 * SIMD scans must give. */
static void reference_string(struct sl_buf *b, const unsigned char *p, size_t len)
{
	sl_buf_putc(b, '\'');
	for (size_t i = 0; i < len; i++) {
		const char *esc = NULL;
		switch (p[i]) {
		case '\0':
			esc = "\\0";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\032':
			esc = "\\Z";
			break;
		case '\'':
			esc = "\\'";
			break;
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		}
		if (esc)
			sl_buf_puts(b, esc);
		else
			sl_buf_putc(b, (char)p[i]);
	}
	sl_buf_putc(b, '\'');
}

static void test_strings_against_reference(void)
{
	/* Random strings of 0-140 bytes (the scans take 16 and 32 at a
	 * time, with an overlapping last block), of every byte value, with
	 * the escaped bytes and their nibble neighbours (0x1d, 0x2a, 0x5a,
	 * 0x0c ...) often; each encoded alone, through a rowset and through
	 * the row writer, against the reference. */
	static const unsigned char tricky[] = {
	    0,    '\n', '\r',        032,         '\'',        '"',  '\\', 0x0c, 0x1d, 0x2a,
	    0x5a, 0x20, 0x22 + 0x80, 0x27 + 0x10, 0x5c + 0x80, 0x7f, 0xff, 0x10, 0x02, 'a'};
	static const char *const names[] = {"s", "b"};
	static const enum sl_value_class cls[] = {SL_VAL_STRING, SL_VAL_STRING};
	struct sl_encode_opts o = {.statement_size = 1 << 20};
	struct sl_buf want = SL_BUF_INIT, got = SL_BUF_INIT, one = SL_BUF_INIT;
	unsigned char v[2][160];
	unsigned seed = 12345;
	int failed_before = unit_failed_checks;
	for (int iter = 0; iter < 20000 && unit_failed_checks == failed_before; iter++) {
		struct fixture f;
		fixture_init(&f, 2, names, cls);
		const char *vals[2];
		unsigned long lens[2];
		sl_buf_reset(&want);
		sl_buf_puts(&want, "INSERT INTO `t` (`s`,`b`) VALUES (");
		for (int c = 0; c < 2; c++) {
			seed = seed * 1103515245u + 12345u;
			size_t len = (seed >> 8) % 141;
			int plain = (seed >> 20) % 4 == 0; /* some values with no escape */
			for (size_t i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				unsigned r = seed >> 16;
				v[c][i] = plain        ? (unsigned char)('0' + r % 10)
				          : r % 8 == 0 ? tricky[(r >> 3) % sizeof(tricky)]
				                       : (unsigned char)(r >> 4);
			}
			vals[c] = (const char *)v[c];
			lens[c] = len;
			if (c)
				sl_buf_putc(&want, ',');
			size_t at = want.len;
			reference_string(&want, v[c], len);
			CHECK_EQ_INT(val(&one, SL_VAL_STRING, vals[c], len), 0);
			CHECK(one.len == want.len - at &&
			      !memcmp(one.data, want.data + at, one.len));
		}
		sl_buf_puts(&want, ");\n");
		CHECK_EQ_INT(sl_rowset_add_row(&f.rs, vals, lens), 0);
		sl_buf_reset(&got);
		CHECK_EQ_INT(sl_encode_sql_rows(&o, "t", &f.rs, &got), 0);
		CHECK(got.len == want.len && !memcmp(got.data, want.data, got.len));

		struct sl_sql_writer w;
		sl_buf_reset(&got);
		CHECK_EQ_INT(sl_sql_writer_init(&w, &o, "t", 2, f.colp), 0);
		CHECK_EQ_INT(sl_sql_writer_row(&w, &got, vals, lens), 0);
		CHECK_EQ_INT(sl_sql_writer_end(&w, &got), 0);
		sl_sql_writer_free(&w);
		CHECK(got.len == want.len && !memcmp(got.data, want.data, got.len));
		sl_rowset_free(&f.rs);
	}
	sl_buf_free(&want);
	sl_buf_free(&got);
	sl_buf_free(&one);
}

int main(void)
{
	UNIT_RUN(test_prologue);
	UNIT_RUN(test_strings);
	UNIT_RUN(test_strings_against_reference);
	UNIT_RUN(test_binary);
	UNIT_RUN(test_numbers);
	UNIT_RUN(test_native_types);
	UNIT_RUN(test_rows_basic);
	UNIT_RUN(test_rows_empty_values_only);
	UNIT_RUN(test_rows_odd_names);
	UNIT_RUN(test_rows_split_boundaries);
	UNIT_RUN(test_rows_split_random);
	UNIT_RUN(test_rows_oom);
	return UNIT_DONE();
}
