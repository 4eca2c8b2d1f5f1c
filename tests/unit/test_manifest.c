/* test_manifest.c - unit tests for XXH64 (core/xxh64.c), the dump manifest
 * (core/manifest.c: write, parse, check) and the classification of dump
 * file names (sl_fname_classify in core/fname.c). */
#include <inttypes.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/xxh64.h"
#include "format/fname.h"
#include "format/manifest.h"
#include "unit.h"

/* Account a file as the sinks do: its hash, then the record. */
static int add_file(struct sl_manifest *m, const char *schema, const char *name, const char *fname,
                    const void *body, size_t len, uint64_t rows)
{
	return sl_manifest_add_hashed(m, schema, name, sl_manifest_file_hash(fname, body, len), len,
	                              rows);
}

static void test_xxh64_vectors(void)
{
	/* Published values (xxhsum -H1, python-xxhash's README). */
	CHECK(sl_xxh64("", 0, 0) == UINT64_C(0xef46db3751d8e999));
	CHECK(sl_xxh64("a", 1, 0) == UINT64_C(0xd24ec4f1a98c6e5b));
	CHECK(sl_xxh64("abc", 3, 0) == UINT64_C(0x44bc2cf5ad770999));
	const char *s = "Nobody inspects the spammish repetition";
	CHECK(sl_xxh64(s, strlen(s), 0) == UINT64_C(0xfbcea83c8a378bf1));
	/* Seeds and every tail length give distinct values. */
	char buf[100];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)i;
	for (size_t n = 1; n < sizeof(buf); n++)
		CHECK(sl_xxh64(buf, n, 0) != sl_xxh64(buf, n - 1, 0));
	CHECK(sl_xxh64(buf, 64, 1) != sl_xxh64(buf, 64, 0));
}

/* A manifest with two tables and database files. */
static void fill(struct sl_manifest *m)
{
	sl_manifest_init(m);
	CHECK_EQ_INT(add_file(m, "db", "", "db-schema-create.sql", "CREATE", 6, 0), 0);
	CHECK_EQ_INT(add_file(m, "db", "t", "db.t-schema.sql", "CT", 2, 0), 0);
	CHECK_EQ_INT(add_file(m, "db", "t", "db.t.00000.sql", "rows0", 5, 3), 0);
	CHECK_EQ_INT(add_file(m, "db", "t", "db.t.00001.sql", "rows1", 5, 2), 0);
	CHECK_EQ_INT(add_file(m, "db", "odd \"q\"\n\xc3\xbc", "x", "b", 1, 1), 0);
	sl_manifest_table(m, "db", "t")->complete = true;
}

static void test_manifest_roundtrip(void)
{
	struct sl_manifest m, back;
	struct sl_buf json = SL_BUF_INIT;
	struct sl_error err = {0};
	fill(&m);
	m.status = SL_MANIFEST_OK;
	m.sluice = sl_strdup("0.1.0");
	m.binlog_file = sl_strdup("bin.000001");
	m.binlog_pos = 42;
	m.compression = sl_strdup("zstd");
	sl_manifest_stamp(m.started);
	sl_manifest_stamp(m.finished);
	CHECK_EQ_INT(sl_manifest_write(&m, &json), 0);
	/* It says what its sizes and checksums cover. */
	CHECK(strstr(json.data, "\"hashed\": \"uncompressed\"") != NULL);
	sl_manifest_init(&back);
	CHECK_EQ_INT(sl_manifest_parse(&back, json.data, json.len, "t", &err), 0);
	CHECK_EQ_INT(back.status, SL_MANIFEST_OK);
	CHECK_EQ_STR(back.compression, "zstd");
	CHECK_EQ_INT(back.files, 5);
	CHECK_EQ_INT(back.rows, 6);
	CHECK_EQ_INT(back.binlog_pos, 42);
	CHECK_EQ_STR(back.binlog_file, "bin.000001");
	CHECK(back.gtid == NULL);
	CHECK_EQ_INT(back.ntables, 3);
	CHECK_EQ_STR(back.tables[2]->name, "odd \"q\"\n\xc3\xbc");
	CHECK(back.tables[1]->complete);
	CHECK(back.tables[1]->sum == m.tables[1]->sum);
	CHECK_EQ_INT(sl_manifest_index(&back, "db", "t"), 1);
	CHECK_EQ_INT(sl_manifest_index(&back, "db", "nope"), -1);
	/* What a reader sees, accounted the same way, checks equal. */
	struct sl_manifest seen;
	fill(&seen);
	CHECK_EQ_INT(sl_manifest_check(&back, &seen, "t", &err), 0);
	/* A changed byte in one file is named by its table. */
	struct sl_manifest bad;
	sl_manifest_init(&bad);
	add_file(&bad, "db", "", "db-schema-create.sql", "CREATE", 6, 0);
	add_file(&bad, "db", "t", "db.t-schema.sql", "CT", 2, 0);
	add_file(&bad, "db", "t", "db.t.00000.sql", "rowsX", 5, 0);
	add_file(&bad, "db", "t", "db.t.00001.sql", "rows1", 5, 0);
	add_file(&bad, "db", "odd \"q\"\n\xc3\xbc", "x", "b", 1, 0);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_manifest_check(&back, &bad, "t", &err), SL_EFORMAT);
	CHECK(strstr(err.msg, "db.t: checksum mismatch") != NULL);
	/* Status error is refused. */
	back.status = SL_MANIFEST_ERROR;
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_manifest_check(&back, &seen, "t", &err), SL_EFORMAT);
	CHECK(strstr(err.msg, "status error") != NULL);
	sl_manifest_free(&m);
	sl_manifest_free(&back);
	sl_manifest_free(&seen);
	sl_manifest_free(&bad);
	sl_buf_free(&json);
}

static void test_manifest_parse_errors(void)
{
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"manifest\": \"other\", \"status\": \"ok\"}",
	    "{\"manifest\": \"sluice-dump\"}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\"",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\"} x",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"version\": 2}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"hash\": \"md5\"}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"hashed\": \"compressed\"}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"compression\": 3}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"tables\": [{\"table\": \"t\"}]}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"tables\": [{\"schema\": \"d\", "
	    "\"xxh64\": \"12\"}]}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"rows\": 99999999999999999999}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"\\ud800\"}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"done\"}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"tables\": {}}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"files\": \"3\"}",
	    "{\"manifest\": \"sluice-dump\", \"status\": \"ok\", \"tables\": [{\"schema\": \"d\", "
	    "\"table\": \"t\"}, {\"schema\": \"d\", \"table\": \"t\", \"complete\": true}]}",
	    NULL};
	for (size_t i = 0; bad[i]; i++) {
		struct sl_manifest m;
		struct sl_error err = {0};
		sl_manifest_init(&m);
		int rc = sl_manifest_parse(&m, bad[i], strlen(bad[i]), "m", &err);
		if (rc != SL_EFORMAT)
			fprintf(stderr, "case %zu: rc %d\n", i, rc);
		CHECK_EQ_INT(rc, SL_EFORMAT);
		CHECK(strncmp(err.msg, "m: ", 3) == 0);
		sl_manifest_free(&m);
	}
	/* Any whitespace and unknown members, of any type, are fine. */
	const char *ok = " {\"status\":\"running\",\"future\":1,\"manifest\":\"sluice-dump\","
	                 "\"later\": {\"nested\": [1, {\"x\": null}]},"
	                 "\"tables\":[{\"schema\": \"d\", \"new\": [true]}]} \n";
	struct sl_manifest m;
	struct sl_error err = {0};
	sl_manifest_init(&m);
	CHECK_EQ_INT(sl_manifest_parse(&m, ok, strlen(ok), "m", &err), 0);
	CHECK_EQ_INT(m.status, SL_MANIFEST_RUNNING);
	sl_manifest_free(&m);
}

static void test_classify(void)
{
	struct sl_buf db = SL_BUF_INIT, tbl = SL_BUF_INIT;
	enum sl_file_kind k;
	CHECK_EQ_INT(sl_fname_classify("a@0020b-schema-create.sql", &k, &db, &tbl), 0);
	CHECK_EQ_INT(k, SL_FILE_SCHEMA_CREATE);
	CHECK_EQ_STR(db.data, "a b");
	CHECK_EQ_INT(tbl.len, 0);
	CHECK_EQ_INT(sl_fname_classify("d.t.00012.sql", &k, &db, &tbl), 0);
	CHECK_EQ_INT(k, SL_FILE_DATA);
	CHECK_EQ_STR(tbl.data, "t");
	CHECK_EQ_INT(sl_fname_classify("d.t.sql", &k, &db, &tbl), 0); /* mydumper, unchunked */
	CHECK_EQ_INT(k, SL_FILE_DATA);
	CHECK_EQ_INT(sl_fname_classify("d.t-schema-view.sql", &k, &db, &tbl), 0);
	CHECK_EQ_INT(k, SL_FILE_VIEW);
	CHECK_EQ_INT(sl_fname_classify("d-schema-post.sql", &k, &db, &tbl), 0);
	CHECK_EQ_INT(k, SL_FILE_POST);
	CHECK_EQ_INT(sl_fname_classify("mysql-users.sql", &k, &db, &tbl), 0);
	CHECK_EQ_INT(k, SL_FILE_USERS);
	CHECK_EQ_INT(db.len, 0);
	CHECK_EQ_STR(db.data, "");
	CHECK_EQ_INT(tbl.len, 0);
	CHECK_EQ_INT(sl_fname_classify("shop-users.sql", &k, &db, &tbl), SL_EFORMAT);
	CHECK_EQ_INT(sl_fname_classify("metadata", &k, &db, &tbl), SL_EFORMAT);
	CHECK_EQ_INT(sl_fname_classify("../x.sql", &k, &db, &tbl), SL_EFORMAT);
	CHECK_EQ_INT(sl_fname_classify("d.t.12.sql", &k, &db, &tbl), SL_EFORMAT);
	CHECK_EQ_INT(sl_fname_classify("d.t.00000.sql.gz", &k, &db, &tbl), SL_EFORMAT);
	sl_buf_free(&db);
	sl_buf_free(&tbl);
}

int main(void)
{
	UNIT_RUN(test_xxh64_vectors);
	UNIT_RUN(test_manifest_roundtrip);
	UNIT_RUN(test_manifest_parse_errors);
	UNIT_RUN(test_classify);
	return UNIT_DONE();
}
