/* test_decode_sql.c - unit tests for reading dumps back: INSERT statements
 * into rows (core/format/decode_sql.c), including every literal form of
 * sluice, mysqldump and mydumper and a round trip through the encoder, and
 * CREATE TABLE into a table description (core/format/decode_ddl.c). */
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
#include "unit.h"

/* Decode a whole statement into rs (whose columns are set). */
static int decode(const char *stmt, struct sl_rowset *rs, struct sl_insert_head *h,
                  struct sl_error *err)
{
	struct sl_buf scratch = SL_BUF_INIT;
	size_t len = strlen(stmt);
	int rc = sl_decode_insert_head(stmt, len, h, err);
	if (!rc) {
		size_t pos = h->first_row;
		while ((rc = sl_decode_insert_rows(stmt, len, &pos, rs, 64, &scratch, err)) == 1)
			;
	}
	sl_buf_free(&scratch);
	return rc;
}

static struct sl_column col_a = {.name = "a", .value_class = SL_VAL_STRING};
static struct sl_column col_b = {.name = "b", .value_class = SL_VAL_BINARY};
static struct sl_column col_c = {.name = "c", .value_class = SL_VAL_NUMBER};

static void check_value(const struct sl_rowset *rs, size_t r, size_t c, const char *want,
                        size_t wlen)
{
	size_t len;
	const char *v = sl_rowset_value(rs, r, c, &len);
	if (!want) {
		CHECK(v == NULL);
		return;
	}
	CHECK(v != NULL);
	CHECK_EQ_INT(len, wlen);
	CHECK(v && !memcmp(v, want, wlen));
}

static void test_literals(void)
{
	const struct sl_column *cols[] = {&col_a, &col_b, &col_c};
	struct sl_rowset rs;
	struct sl_insert_head h;
	struct sl_error err = {0};
	sl_rowset_init(&rs, 3, cols);
	const char *stmt =
	    "INSERT INTO `db`.`t``x` (`a`,`b`,`c`) VALUES "
	    "('it''s \\'q\\' \\\\ \\0\\n\\r\\t\\Z\\b \\% \\_ \\x',0x00ff10,-1.5e+3),"
	    "(NULL,X'6162',42) ,\n (\"dq\"\"x\",_binary 'z',NULL),"
	    "(_latin1'::1',0x123,0),(_utf8mb4 0x41,b'101',.5),(null,0b100000001,1),('',x'',-0)";
	CHECK_EQ_INT(decode(stmt, &rs, &h, &err), 0);
	CHECK_EQ_STR(h.schema, "db");
	CHECK_EQ_STR(h.table, "t`x");
	CHECK_EQ_INT(h.ncols, 3);
	CHECK_EQ_STR(h.cols[1], "b");
	CHECK_EQ_INT(rs.nrows, 7);
	check_value(&rs, 0, 0, "it's 'q' \\ \0\n\r\t\032\b \\% \\_ x", 25);
	check_value(&rs, 0, 1, "\x00\xff\x10", 3);
	check_value(&rs, 0, 2, "-1.5e+3", 7);
	check_value(&rs, 1, 0, NULL, 0);
	check_value(&rs, 1, 1, "ab", 2);
	check_value(&rs, 2, 0, "dq\"x", 4);
	check_value(&rs, 2, 1, "z", 1);
	check_value(&rs, 2, 2, NULL, 0);
	check_value(&rs, 3, 0, "::1", 3);
	check_value(&rs, 3, 1, "\x01\x23", 2);
	check_value(&rs, 4, 0, "A", 1);
	check_value(&rs, 4, 1, "\x05", 1);
	check_value(&rs, 4, 2, ".5", 2);
	check_value(&rs, 5, 1, "\x01\x01", 2);
	check_value(&rs, 6, 0, "", 0);
	check_value(&rs, 6, 1, "", 0);
	sl_insert_head_free(&h);
	sl_rowset_free(&rs);
}

static void test_heads(void)
{
	struct sl_insert_head h;
	struct sl_error err = {0};
	const char *s = "REPLACE INTO t VALUES (1)";
	CHECK_EQ_INT(sl_decode_insert_head(s, strlen(s), &h, &err), 0);
	CHECK(h.replace);
	CHECK(h.schema == NULL);
	CHECK_EQ_STR(h.table, "t");
	CHECK_EQ_INT(h.ncols, 0);
	CHECK_EQ_INT(h.first_row, 22);
	sl_insert_head_free(&h);
	s = "INSERT IGNORE INTO `t` VALUE (1)";
	CHECK_EQ_INT(sl_decode_insert_head(s, strlen(s), &h, &err), 0);
	CHECK(h.ignore);
	sl_insert_head_free(&h);
	const char *bad[] = {"INSERT INTO t SELECT 1", "UPDATE t SET a=1", "INSERT INTO `t (1)",
	                     "INSERT INTO t (a,", "INSERT INTO t VALUES 1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sl_error e = {0};
		CHECK_EQ_INT(sl_decode_insert_head(bad[i], strlen(bad[i]), &h, &e), SL_EFORMAT);
		CHECK(e.msg[0] != '\0');
		sl_insert_head_free(&h);
	}
	CHECK(sl_decode_is_insert("insert into", 11));
	CHECK(!sl_decode_is_insert("SET x", 5));
}

static void test_bad_rows(void)
{
	const struct sl_column *cols[] = {&col_a, &col_c};
	const char *bad[] = {
	    "INSERT INTO t VALUES (1)",         "INSERT INTO t VALUES (1,2,3)",
	    "INSERT INTO t VALUES ('a,2)",      "INSERT INTO t VALUES (NOW(),1)",
	    "INSERT INTO t VALUES (1,2) x",     "INSERT INTO t VALUES (1,2),",
	    "INSERT INTO t VALUES (0xZZ,1)",    "INSERT INTO t VALUES (X'abc',1)",
	    "INSERT INTO t VALUES (b'102',1)",  "INSERT INTO t VALUES (1,2) ON DUPLICATE KEY",
	    "INSERT INTO t VALUES (_binary,1)", "INSERT INTO t VALUES (-,1)",
	    "INSERT INTO t VALUES ('a\\",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sl_rowset rs;
		struct sl_insert_head h;
		struct sl_error err = {0};
		sl_rowset_init(&rs, 2, cols);
		CHECK_EQ_INT(decode(bad[i], &rs, &h, &err), SL_EFORMAT);
		CHECK(strstr(err.msg, "byte ") != NULL);
		sl_insert_head_free(&h);
		sl_rowset_free(&rs);
	}
}

/* Rows encoded by encode_sql.c read back as the same bytes. */
static void test_round_trip(void)
{
	struct sl_column c1 = {.name = "s", .value_class = SL_VAL_STRING};
	struct sl_column c2 = {.name = "b", .value_class = SL_VAL_BINARY};
	struct sl_column c3 = {.name = "n", .value_class = SL_VAL_NUMBER};
	struct sl_column c4 = {.name = "i", .value_class = SL_VAL_NATIVE};
	const struct sl_column *cols[] = {&c1, &c2, &c3, &c4};
	struct sl_rowset in, out;
	sl_rowset_init(&in, 4, cols);
	sl_rowset_init(&out, 4, cols);
	srand(7);
	char v[4][64];
	for (int r = 0; r < 500; r++) {
		const char *vals[4];
		unsigned long lens[4];
		for (int c = 0; c < 4; c++) {
			size_t n = (size_t)(rand() % 40);
			for (size_t k = 0; k < n; k++)
				v[c][k] = (char)(rand() % 256);
			if (c == 2) /* a number as the server sends it */
				n = (size_t)snprintf(v[c], sizeof(v[c]), "%d.%de%d",
				                     rand() - RAND_MAX / 2, rand() % 1000,
				                     rand() % 20 - 10);
			vals[c] = rand() % 10 == 0 ? NULL : v[c];
			lens[c] = (unsigned long)n;
		}
		CHECK_EQ_INT(sl_rowset_add_row(&in, vals, lens), 0);
	}
	struct sl_encode_opts opts = {.statement_size = 2048};
	struct sl_buf sql = SL_BUF_INIT, scratch = SL_BUF_INIT;
	CHECK_EQ_INT(sl_encode_sql_rows(&opts, "t", &in, &sql), 0);
	/* Statement by statement: ';\n' ends each. */
	const char *p = sql.data, *end = sql.data + sql.len;
	while (p < end) {
		const char *e = strstr(p, ");\nINSERT");
		size_t len = e ? (size_t)(e + 1 - p) : (size_t)(end - p) - 2;
		struct sl_insert_head h;
		struct sl_error err = {0};
		CHECK_EQ_INT(sl_decode_insert_head(p, len, &h, &err), 0);
		size_t pos = h.first_row;
		int rc;
		while ((rc = sl_decode_insert_rows(p, len, &pos, &out, 1000, &scratch, &err)) == 1)
			;
		CHECK_EQ_INT(rc, 0);
		if (rc)
			fprintf(stderr, "%s\n", err.msg);
		sl_insert_head_free(&h);
		p = e ? e + 3 : end;
	}
	CHECK_EQ_INT(out.nrows, in.nrows);
	for (size_t r = 0; r < in.nrows && r < out.nrows; r++)
		for (size_t c = 0; c < 4; c++) {
			size_t a, b;
			const char *x = sl_rowset_value(&in, r, c, &a);
			const char *y = sl_rowset_value(&out, r, c, &b);
			CHECK((x == NULL) == (y == NULL));
			if (x && y) {
				CHECK_EQ_INT(a, b);
				CHECK(!memcmp(x, y, a));
			}
		}
	sl_buf_free(&sql);
	sl_buf_free(&scratch);
	sl_rowset_free(&in);
	sl_rowset_free(&out);
}

static void test_ddl(void)
{
	const char *sql =
	    "/*!40101 SET NAMES binary*/;\nUSE `d`;\n"
	    "CREATE TABLE `t 1` (\n"
	    "  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,\n"
	    "  `name` varchar(40) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT 'a,b' "
	    "COMMENT 'x)y',\n"
	    "  `email` varchar(80) DEFAULT NULL,\n"
	    "  `blob` blob,\n"
	    "  `f` float NOT NULL DEFAULT 0,\n"
	    "  `g` int(11) GENERATED ALWAYS AS (`id` + 1) VIRTUAL,\n"
	    "  `h` int(11) DEFAULT NULL INVISIBLE,\n"
	    "  `e` enum('x','y,z') DEFAULT 'x',\n"
	    "  `ip` inet6 DEFAULT NULL,\n"
	    "  `ts` timestamp(6) NOT NULL DEFAULT current_timestamp(6) ON UPDATE "
	    "current_timestamp(6),\n"
	    "  PRIMARY KEY (`id`),\n"
	    "  UNIQUE KEY `u` (`email`(10),`name`),\n"
	    "  KEY `k` (`name`) USING BTREE,\n"
	    "  CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `p` (`pid`) ON DELETE CASCADE,\n"
	    "  CONSTRAINT `fk2` FOREIGN KEY (`h`) REFERENCES `o`.`q` (`x`),\n"
	    "  CONSTRAINT `chk` CHECK (`id` > 0)\n"
	    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n";
	struct sl_table *t = sl_calloc(1, sizeof(*t));
	t->schema = sl_strdup("d");
	t->name = sl_strdup("t 1");
	struct sl_error err = {0};
	CHECK_EQ_INT(sl_ddl_describe(sql, strlen(sql), t, &err), 0);
	CHECK_EQ_INT(t->ncols, 10);
	CHECK_EQ_STR(t->cols[0].name, "id");
	CHECK_EQ_STR(t->cols[0].data_type, "int");
	CHECK_EQ_STR(t->cols[0].column_type, "int(10) unsigned");
	CHECK(!t->cols[0].nullable);
	CHECK(t->cols[0].value_class == SL_VAL_NUMBER);
	CHECK_EQ_STR(t->cols[1].charset, "latin1");
	CHECK_EQ_STR(t->cols[1].default_value, "'a,b'");
	CHECK_EQ_STR(t->cols[2].charset, "utf8mb4");
	CHECK(t->cols[2].nullable);
	CHECK(t->cols[3].value_class == SL_VAL_BINARY);
	CHECK(t->cols[4].is_float);
	CHECK(t->cols[5].generated);
	CHECK(t->cols[6].invisible);
	CHECK_EQ_STR(t->cols[7].column_type, "enum('x','y,z')");
	CHECK(t->cols[8].value_class == SL_VAL_NATIVE);
	CHECK_EQ_STR(t->cols[9].default_value, "current_timestamp(6)");
	CHECK_EQ_INT(t->nkeys, 3);
	CHECK(t->keys[0].primary);
	CHECK_EQ_STR(t->keys[1].name, "u");
	CHECK(t->keys[1].unique);
	CHECK_EQ_INT(t->keys[1].ncols, 2);
	CHECK_EQ_STR(t->keys[1].cols[0], "email");
	CHECK(!t->keys[2].unique);
	CHECK_EQ_INT(t->nfks, 2);
	CHECK_EQ_STR(t->fks[0].ref_schema, "d");
	CHECK_EQ_STR(t->fks[0].ref_table, "p");
	CHECK_EQ_STR(t->fks[0].ref_cols[0], "pid");
	CHECK_EQ_STR(t->fks[1].ref_schema, "o");
	CHECK_EQ_STR(t->engine, "InnoDB");
	sl_table_free(t);

	const char *bad[] = {"SET NAMES utf8;", "CREATE TABLE `t` (`a` int, ) ENGINE=x;",
	                     "CREATE TABLE `t` (PRIMARY KEY `a`)"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sl_error e = {0};
		t = sl_calloc(1, sizeof(*t));
		CHECK_EQ_INT(sl_ddl_describe(bad[i], strlen(bad[i]), t, &e), SL_EFORMAT);
		CHECK(t->ncols == 0 && e.msg[0]);
		sl_table_free(t);
	}
}

int main(void)
{
	UNIT_RUN(test_literals);
	UNIT_RUN(test_heads);
	UNIT_RUN(test_bad_rows);
	UNIT_RUN(test_round_trip);
	UNIT_RUN(test_ddl);
	return UNIT_DONE();
}
