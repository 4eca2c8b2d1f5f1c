/* test_encode_formats.c - unit tests for the CSV, TSV and JSON lines
 * encoders (core/encode_csv.c, core/encode_json.c): header rows, NULL vs
 * '' vs 'NULL', quoting and escapes, binary as hex, DECIMAL as a JSON
 * string, invalid UTF-8 as a $hex object, and the JSON helpers. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "format/encode_csv.h"
#include "format/encode_json.h"
#include "format/rowset.h"
#include "format/table.h"
#include "unit.h"

/* Columns: id int, s varchar, b blob, d decimal. */
struct fixture {
	struct sl_column cols[4];
	const struct sl_column *colp[4];
	struct sl_rowset rs;
};

static void fixture_init(struct fixture *f)
{
	static const char *const names[] = {"id", "s \"q\"", "b", "d"};
	static const char *const types[] = {"int", "varchar", "blob", "decimal"};
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < 4; i++) {
		f->cols[i].name = (char *)names[i];
		f->cols[i].data_type = (char *)types[i];
		f->cols[i].value_class = sl_value_class_of(types[i]);
		f->colp[i] = &f->cols[i];
	}
	sl_rowset_init(&f->rs, 4, f->colp);
}

static void add(struct fixture *f, const char *id, const char *s, size_t slen, const char *b,
                size_t blen, const char *d)
{
	const char *v[4] = {id, s, b, d};
	unsigned long l[4] = {id ? strlen(id) : 0, slen, blen, d ? strlen(d) : 0};
	CHECK_EQ_INT(sl_rowset_add_row(&f->rs, v, l), 0);
}

static void rows(struct fixture *f)
{
	fixture_init(f);
	add(f, "1", "a,b", 3, "\x00\xff", 2, "1.50");
	add(f, "2", "", 0, "", 0, NULL);
	add(f, NULL, "NULL", 4, NULL, 0, "-0.01");
	add(f, "4", "x\"y\n\t\\z", 7, "A", 1, "0");
	add(f, "5", "\xf0\x9f\x98\x80\xe9", 5, "B", 1, "1");
}

static void test_csv(void)
{
	struct fixture f;
	struct sl_buf b = SL_BUF_INIT;
	rows(&f);
	CHECK_EQ_INT(sl_encode_csv_rows(SL_CSV, &f.rs, &b), 0);
	CHECK_EQ_MEM(b.data, b.len,
	             "\"id\",\"s \"\"q\"\"\",\"b\",\"d\"\n"
	             "1,\"a,b\",\"00ff\",1.50\n"
	             "2,\"\",\"\",NULL\n"
	             "NULL,\"NULL\",NULL,-0.01\n"
	             "4,\"x\"\"y\n\t\\z\",\"41\",0\n"
	             "5,\"\xf0\x9f\x98\x80\xe9\",\"42\",1\n");
	sl_buf_free(&b);
	sl_rowset_free(&f.rs);
}

static void test_tsv(void)
{
	struct fixture f;
	struct sl_buf b = SL_BUF_INIT;
	rows(&f);
	CHECK_EQ_INT(sl_encode_csv_rows(SL_TSV, &f.rs, &b), 0);
	CHECK_EQ_MEM(b.data, b.len,
	             "id\ts \"q\"\tb\td\n"
	             "1\ta,b\t00ff\t1.50\n"
	             "2\t\t\t\\N\n"
	             "\\N\tNULL\t\\N\t-0.01\n"
	             "4\tx\"y\\n\\t\\\\z\t41\t0\n"
	             "5\t\xf0\x9f\x98\x80\xe9\t42\t1\n");
	sl_buf_free(&b);
	sl_rowset_free(&f.rs);
}

static void test_jsonl(void)
{
	struct fixture f;
	struct sl_buf b = SL_BUF_INIT;
	rows(&f);
	CHECK_EQ_INT(sl_encode_jsonl_rows(&f.rs, &b), 0);
	CHECK_EQ_MEM(b.data, b.len,
	             "{\"id\":1,\"s \\\"q\\\"\":\"a,b\",\"b\":{\"$hex\":\"00ff\"},\"d\":\"1.50\"}\n"
	             "{\"id\":2,\"s \\\"q\\\"\":\"\",\"b\":{\"$hex\":\"\"},\"d\":null}\n"
	             "{\"id\":null,\"s \\\"q\\\"\":\"NULL\",\"b\":null,\"d\":\"-0.01\"}\n"
	             "{\"id\":4,\"s \\\"q\\\"\":\"x\\\"y\\n\\t\\\\z\",\"b\":{\"$hex\":\"41\"},"
	             "\"d\":\"0\"}\n"
	             "{\"id\":5,\"s \\\"q\\\"\":{\"$hex\":\"f09f9880e9\"},\"b\":{\"$hex\":\"42\"},"
	             "\"d\":\"1\"}\n");
	sl_buf_free(&b);
	sl_rowset_free(&f.rs);
}

static void test_json_helpers(void)
{
#define U(s) sl_json_utf8_valid((const unsigned char *)(s), sizeof(s) - 1)
	CHECK(U("plain"));
	CHECK(U("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
	CHECK(!U("\xe9"));
	CHECK(!U("\xc0\xaf"));         /* overlong */
	CHECK(!U("\xed\xa0\x80"));     /* surrogate */
	CHECK(!U("\xf4\x90\x80\x80")); /* past U+10FFFF */
	CHECK(!U("\xf0\x9f\x98"));     /* truncated */
#define N(s) sl_json_is_number((const unsigned char *)(s), sizeof(s) - 1)
	CHECK(N("0"));
	CHECK(N("-12"));
	CHECK(N("1.5e-300"));
	CHECK(N("1.7976931348623157e308"));
	CHECK(!N("0012"));
	CHECK(!N("1."));
	CHECK(!N("+1"));
	CHECK(!N(""));
	CHECK(!N("-"));
	CHECK(!N("1e"));
}

/* A control character in a string is a \u escape. */
static void test_json_control(void)
{
	struct fixture f;
	struct sl_buf b = SL_BUF_INIT;
	fixture_init(&f);
	add(&f, "1", "\x01\x1f", 2, "", 0, "2");
	CHECK_EQ_INT(sl_encode_jsonl_rows(&f.rs, &b), 0);
	CHECK_EQ_MEM(
	    b.data, b.len,
	    "{\"id\":1,\"s \\\"q\\\"\":\"\\u0001\\u001f\",\"b\":{\"$hex\":\"\"},\"d\":\"2\"}\n");
	sl_buf_free(&b);
	sl_rowset_free(&f.rs);
}

/* Out of memory leaves the buffer as it was. */
static void test_oom(void)
{
	struct fixture f;
	rows(&f);
	for (int fmt = 0; fmt < 3; fmt++) {
		for (int n = 0; n < 8; n++) {
			struct sl_buf b = SL_BUF_INIT;
			CHECK_EQ_INT(sl_buf_puts(&b, "keep"), 0);
			sl_alloc_fail_after(n);
			int rc = fmt == 2 ? sl_encode_jsonl_rows(&f.rs, &b)
			                  : sl_encode_csv_rows(fmt ? SL_TSV : SL_CSV, &f.rs, &b);
			sl_alloc_fail_after(-1);
			if (rc) {
				CHECK_EQ_INT(rc, SL_ENOMEM);
				CHECK_EQ_STR(b.data, "keep");
			}
			sl_buf_free(&b);
		}
	}
	sl_rowset_free(&f.rs);
}

int main(void)
{
	UNIT_RUN(test_csv);
	UNIT_RUN(test_tsv);
	UNIT_RUN(test_jsonl);
	UNIT_RUN(test_json_helpers);
	UNIT_RUN(test_json_control);
	UNIT_RUN(test_oom);
	return UNIT_DONE();
}
