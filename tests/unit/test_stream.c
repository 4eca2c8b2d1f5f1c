/* test_stream.c - unit tests for the stream format (core/stream.c): the
 * writer's exact text, reading back under every chunking, and the reader's
 * refusal of truncated, corrupted and trailing input with messages that
 * name the byte offset. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "format/manifest.h"
#include "format/stream.h"
#include "unit.h"

/* --- a recording consumer --------------------------------------------- */

#define MAX_FRAMES 16

struct rec {
	int nframes;
	char names[MAX_FRAMES][SL_STREAM_MAX_NAME + 1];
	uint64_t lens[MAX_FRAMES];
	uint64_t hashes[MAX_FRAMES]; /* 0 in a version 1 stream */
	struct sl_buf bodies[MAX_FRAMES];
	int ends; /* on_frame_end calls */
	int open; /* inside a frame */
	int ntrailers;
	struct sl_buf trailer; /* text form of the last trailer */
	struct sl_buf tends;   /* table-end records: "[schema|name|rows@frames]" */
	int stop_at_frame;     /* on_frame_begin of this frame (1-based) returns 7 */
	int order_bad;         /* callbacks came in an impossible order */
};

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

static void rec_free(struct rec *r)
{
	for (int i = 0; i < MAX_FRAMES; i++)
		sl_buf_free(&r->bodies[i]);
	sl_buf_free(&r->trailer);
	sl_buf_free(&r->tends);
}

static int on_begin(void *ud, const char *name, uint64_t len, const uint64_t *hash)
{
	struct rec *r = ud;
	if (r->open || r->nframes >= MAX_FRAMES) {
		r->order_bad = 1;
		return 0;
	}
	snprintf(r->names[r->nframes], sizeof(r->names[0]), "%s", name);
	r->lens[r->nframes] = len;
	r->hashes[r->nframes] = hash ? *hash : 0;
	r->nframes++;
	r->open = 1;
	if (r->stop_at_frame == r->nframes)
		return 7;
	return 0;
}

static int on_data(void *ud, const char *p, size_t n)
{
	struct rec *r = ud;
	if (!r->open || n == 0) {
		r->order_bad = 1;
		return 0;
	}
	sl_buf_append(&r->bodies[r->nframes - 1], p, n);
	return 0;
}

static int on_end(void *ud)
{
	struct rec *r = ud;
	if (!r->open)
		r->order_bad = 1;
	r->open = 0;
	r->ends++;
	return 0;
}

static int on_table_end(void *ud, const char *schema, const char *name, uint64_t rows)
{
	struct rec *r = ud;
	if (r->open)
		r->order_bad = 1;
	sl_buf_printf(&r->tends, "[%s|%s|%" PRIu64 "@%d]", schema, name, rows, r->nframes);
	return 0;
}

static int on_trailer(void *ud, const struct sl_stream_trailer *t)
{
	struct rec *r = ud;
	r->ntrailers++;
	sl_buf_reset(&r->trailer);
	sl_buf_printf(&r->trailer, "ok=%d files=%" PRIu64 " rows=%" PRIu64 " bytes=%" PRIu64, t->ok,
	              t->files, t->rows, t->bytes);
	if (t->binlog_file)
		sl_buf_printf(&r->trailer, " binlog=%s:%" PRIu64, t->binlog_file, t->binlog_pos);
	if (t->gtid)
		sl_buf_printf(&r->trailer, " gtid=%s", t->gtid);
	for (size_t i = 0; i < t->ntables; i++)
		sl_buf_printf(&r->trailer, " [%s|%s|%" PRIu64 "%s]", t->tables[i].schema,
		              t->tables[i].name, t->tables[i].rows,
		              t->tables[i].ended ? "|ended" : "");
	if (t->error)
		sl_buf_printf(&r->trailer, " error=%s", t->error);
	return 0;
}

static const struct sl_stream_callbacks rec_cb = {.on_frame_begin = on_begin,
                                                  .on_frame_data = on_data,
                                                  .on_frame_end = on_end,
                                                  .on_table_end = on_table_end,
                                                  .on_trailer = on_trailer};

/* Read s[0..n) fed in pieces of the sizes 'chunk' gives (0: all at once,
 * 1: byte by byte, >1: random sizes from 1 to chunk with that seed).
 * Returns the first non-zero status of feed or finish; the message in
 * *err. */
static int read_stream(const char *s, size_t n, bool continuous, size_t chunk, unsigned seed,
                       struct rec *rc_out, struct sl_error *err)
{
	struct sl_stream_reader *r = sl_stream_reader_new("test", continuous, &rec_cb, rc_out);
	int rc = 0;

	sl_error_clear(err);
	if (!r)
		return SL_ENOMEM;
	size_t i = 0;
	while (i < n) {
		size_t k = n - i;
		if (chunk == 1) {
			k = 1;
		} else if (chunk > 1) {
			seed = seed * 1103515245 + 12345;
			size_t want = 1 + (seed >> 16) % chunk;
			if (want < k)
				k = want;
		}
		rc = sl_stream_reader_feed(r, s + i, k, err);
		if (rc)
			break;
		i += k;
	}
	if (rc == 0)
		rc = sl_stream_reader_finish(r, err);
	sl_stream_reader_free(r);
	return rc;
}

/* --- building streams -------------------------------------------------- */

static const char body1[] = "INSERT INTO t VALUES (1);\n-- sluice frame 5 x.y.sql\nabc\n"
                            "-- sluice trailer 3 ok\n";
static const char body2[] = "\0\xff\n\r-- sluice end ok\n\x01";

static void put_frame(struct sl_buf *b, const char *name, const char *body, size_t n)
{
	CHECK_EQ_INT(sl_stream_put_frame_header(b, name, n, sl_manifest_file_hash(name, body, n)),
	             0);
	CHECK_EQ_INT(sl_buf_append(b, body, n), 0);
}

static void put_ok_trailer(struct sl_buf *b)
{
	struct sl_stream_table_count tabs[] = {
	    {"shop", "orders", 3, false},
	    {"my db", "t.1-x", 0, false},
	    {"caf\xc3\xa9", "\xe2\x82\xac", 18446744073709551615ULL, false},
	};
	struct sl_stream_trailer t = {
	    .ok = true,
	    .files = 4,
	    .rows = 3,
	    .bytes = 1234,
	    .binlog_file = "mysql-bin.000042",
	    .binlog_pos = 8812,
	    .gtid = "0-1-100,1-2-7",
	    .ntables = 3,
	    .tables = tabs,
	};
	CHECK_EQ_INT(sl_stream_put_trailer(b, &t), 0);
}

static const char want_trailer[] =
    "ok=1 files=4 rows=3 bytes=1234 binlog=mysql-bin.000042:8812 gtid=0-1-100,1-2-7 "
    "[shop|orders|3] [my db|t.1-x|0] [caf\xc3\xa9|\xe2\x82\xac|18446744073709551615]";

/* A stream with four frames (one empty) and an ok trailer. */
static void build_stream(struct sl_buf *b)
{
	CHECK_EQ_INT(sl_stream_put_version(b), 0);
	put_frame(b, "shop-schema-create.sql", "CREATE DATABASE shop;\n", 22);
	put_frame(b, "shop.orders.00000.sql", body1, sizeof(body1) - 1);
	put_frame(b, "my@0020db.t@002e1@002dx.00001.sql", "", 0);
	put_frame(b, "shop.orders.00001.sql", body2, sizeof(body2) - 1);
	put_ok_trailer(b);
}

static void check_stream_rec(struct rec *r)
{
	CHECK_EQ_INT(r->order_bad, 0);
	CHECK_EQ_INT(r->nframes, 4);
	CHECK_EQ_INT(r->ends, 4);
	CHECK_EQ_STR(r->names[0], "shop-schema-create.sql");
	CHECK_EQ_STR(r->names[1], "shop.orders.00000.sql");
	CHECK_EQ_STR(r->names[2], "my@0020db.t@002e1@002dx.00001.sql");
	CHECK_EQ_STR(r->names[3], "shop.orders.00001.sql");
	CHECK_EQ_INT(r->lens[1], sizeof(body1) - 1);
	/* The checksum in each header is the manifest's hash of the file. */
	CHECK(r->hashes[1] == sl_manifest_file_hash(r->names[1], body1, sizeof(body1) - 1));
	CHECK_EQ_MEM(r->bodies[0].data, r->bodies[0].len, "CREATE DATABASE shop;\n");
	CHECK_EQ_MEM(r->bodies[1].data, r->bodies[1].len, body1);
	CHECK_EQ_INT(r->bodies[2].len, 0);
	CHECK_EQ_MEM(r->bodies[3].data, r->bodies[3].len, body2);
	CHECK_EQ_INT(r->ntrailers, 1);
	CHECK_EQ_STR(r->trailer.data, want_trailer);
}

/* --- writer ------------------------------------------------------------- */

static void test_write_text(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(sl_stream_put_version(&b), 0);
	CHECK(strncmp(b.data, "-- sluice stream 3 ", 19) == 0);
	CHECK(b.len > 19 && b.data[b.len - 1] == '\n');
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_stream_put_frame_header(&b, "d.t.00003.sql", 4096, 0x1234abcdULL), 0);
	CHECK_EQ_STR(b.data, "-- sluice frame 4096 d.t.00003.sql 000000001234abcd\n");
	/* Names a reader would refuse are a bug of the caller. */
	CHECK_EQ_INT(sl_stream_put_frame_header(&b, "my table.sql", 1, 0), SL_EINTERNAL);
	CHECK_EQ_INT(sl_stream_put_frame_header(&b, "", 1, 0), SL_EINTERNAL);
	CHECK_EQ_INT(sl_stream_put_frame_header(&b, "../x.sql", 1, 0), SL_EINTERNAL);
	CHECK_EQ_INT(sl_stream_put_frame_header(&b, "a/b", 1, 0), SL_EINTERNAL);
	CHECK_EQ_INT(sl_stream_put_frame_header(&b, "d.t\n.sql", 1, 0), SL_EINTERNAL);

	sl_buf_reset(&b);
	struct sl_stream_table_count tabs[] = {{"my db", "t", 5, false}};
	struct sl_stream_trailer t = {
	    .ok = true, .files = 2, .rows = 5, .bytes = 99, .ntables = 1, .tables = tabs};
	CHECK_EQ_INT(sl_stream_put_trailer(&b, &t), 0);
	CHECK_EQ_STR(b.data, "-- sluice trailer 69 ok\n"
	                     "-- status ok\n"
	                     "-- files 2\n"
	                     "-- rows 5\n"
	                     "-- bytes 99\n"
	                     "-- table my@0020db.t 5\n"
	                     "-- sluice end ok\n");
	/* An unencodable table name: SL_EFORMAT, output unchanged. */
	sl_buf_reset(&b);
	tabs[0].name = "\xf0\x9f\x98\x80";
	CHECK_EQ_INT(sl_stream_put_trailer(&b, &t), SL_EFORMAT);
	CHECK_EQ_INT(b.len, 0);
	sl_buf_free(&b);
}

static void test_write_error_trailer(void)
{
	struct sl_buf b = SL_BUF_INIT;
	struct sl_stream_trailer t = {
	    .ok = false,
	    .error = "server said:\nit's \"gone\"\r\n",
	    .files = 1,
	    .gtid = "uuid1:1-5,\nuuid2:1-3",
	};

	CHECK_EQ_INT(sl_stream_put_trailer(&b, &t), 0);
	CHECK_EQ_STR(b.data, "-- sluice trailer 213 error\n"
	                     "-- status error\n"
	                     "-- files 1\n"
	                     "-- rows 0\n"
	                     "-- bytes 0\n"
	                     "-- gtid uuid1:1-5,uuid2:1-3\n"
	                     "-- error server said: it's \"gone\"  \n"
	                     "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sluice: dump "
	                     "incomplete: server said: it\\'s \\\"gone\\\"  ';\n"
	                     "-- sluice end error\n");

	/* The SIGNAL message is cut to 120 bytes, never inside a character. */
	char msg[400];
	size_t k = 0;
	for (int i = 0; i < 60; i++) {
		memcpy(msg + k, "\xc3\xa9", 2); /* é */
		k += 2;
	}
	msg[k] = '\0';
	t.error = msg;
	t.gtid = NULL;
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_stream_put_trailer(&b, &t), 0);
	const char *sig = strstr(b.data, "MESSAGE_TEXT = '");
	CHECK(sig != NULL);
	if (sig) {
		sig += 16;
		const char *q = strchr(sig, '\'');
		/* "sluice: dump incomplete: " is 25 bytes; 95 remain: 47 é. */
		CHECK(q && q - sig == 25 + 94);
	}
	/* The whole message stays on the -- error line. */
	CHECK(strstr(b.data, msg) != NULL);
	/* No message at all. */
	t.error = NULL;
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_stream_put_trailer(&b, &t), 0);
	CHECK(strstr(b.data, "-- error unknown error\n") != NULL);
	sl_buf_free(&b);
}

/* --- reading back ------------------------------------------------------- */

static void test_read_chunkings(void)
{
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	struct rec r;

	build_stream(&b);
	size_t chunks[] = {0, 1, 2, 3, 7, 64, 1000};
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		for (unsigned seed = 1; seed <= (chunks[c] > 1 ? 20u : 1u); seed++) {
			rec_init(&r);
			CHECK_EQ_INT(read_stream(b.data, b.len, false, chunks[c], seed, &r, &err),
			             0);
			if (err.code)
				fprintf(stderr, "  %s\n", err.msg);
			check_stream_rec(&r);
			rec_free(&r);
		}
	}
	/* Callbacks may be NULL. */
	struct sl_stream_reader *rd = sl_stream_reader_new("x", false, NULL, NULL);
	CHECK(rd != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_stream_reader_feed(rd, b.data, b.len, &err), 0);
	CHECK_EQ_INT(sl_stream_reader_finish(rd, &err), 0);
	CHECK_EQ_INT(sl_stream_reader_offset(rd), b.len);
	sl_stream_reader_free(rd);
	sl_buf_free(&b);
}

/* Every proper prefix of a stream is refused, by feed or by finish, with a
 * message naming the source and a byte offset. */
static void test_truncation_everywhere(void)
{
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	struct rec r;
	int bad = 0;

	build_stream(&b);
	for (size_t len = 0; len < b.len; len++) {
		for (size_t chunk = 0; chunk <= 1; chunk++) {
			rec_init(&r);
			int rc = read_stream(b.data, len, false, chunk, 1, &r, &err);
			if (rc != SL_EFORMAT || err.code != SL_EFORMAT ||
			    strncmp(err.msg, "test: byte ", 11) != 0) {
				fprintf(stderr, "  prefix %zu: rc %d: %s\n", len, rc, err.msg);
				bad++;
			}
			rec_free(&r);
		}
	}
	CHECK_EQ_INT(bad, 0);
	sl_buf_free(&b);
}

/* Expect 'input' to fail (feed or finish) with a message containing
 * 'what'. */
static void expect_fail(const char *input, size_t n, bool continuous, const char *what)
{
	struct sl_error err;
	struct rec r;

	for (size_t chunk = 0; chunk <= 1; chunk++) {
		rec_init(&r);
		int rc = read_stream(input, n, continuous, chunk, 1, &r, &err);
		CHECK_EQ_INT(rc, SL_EFORMAT);
		CHECK(strstr(err.msg, what) != NULL);
		if (!strstr(err.msg, what))
			fprintf(stderr, "  want \"%s\", got \"%s\"\n", what, err.msg);
		rec_free(&r);
	}
}

#define EXPECT_FAIL(s, what) expect_fail((s), sizeof(s) - 1, false, (what))

/* Replace the first occurrence of 'from' by 'to' in b. */
static void replace(struct sl_buf *b, const char *from, const char *to)
{
	char *p = strstr(b->data, from);
	CHECK(p != NULL);
	if (!p)
		return;
	struct sl_buf n = SL_BUF_INIT;
	sl_buf_append(&n, b->data, (size_t)(p - b->data));
	sl_buf_puts(&n, to);
	size_t off = (size_t)(p - b->data) + strlen(from);
	sl_buf_append(&n, b->data + off, b->len - off);
	sl_buf_free(b);
	*b = n;
}

static void test_corrupt_lengths(void)
{
	static const char *const bad_lengths[] = {
	    "23",
	    "21",
	    "2x",
	    "+22",
	    "-22",
	    " 22",
	    "022",
	    "",
	    "99999999999999999999999",
	    "18446744073709551616",
	};
	for (size_t i = 0; i < sizeof(bad_lengths) / sizeof(bad_lengths[0]); i++) {
		struct sl_buf b = SL_BUF_INIT;
		char hdr[64];
		build_stream(&b);
		snprintf(hdr, sizeof(hdr), "-- sluice frame %s shop-schema-create.sql",
		         bad_lengths[i]);
		replace(&b, "-- sluice frame 22 shop-schema-create.sql", hdr);
		/* The version line is 19 + strlen(version) + 1 bytes; the frame
		 * header follows it. */
		const char *what = i == 0   ? "expected a frame or trailer header"
		                   : i == 1 ? "expected a frame or trailer header"
		                            : "frame header: bad length";
		expect_fail(b.data, b.len, false, what);
		sl_buf_free(&b);
	}
	/* A length far beyond the input: truncated inside that frame. */
	struct sl_buf b = SL_BUF_INIT;
	build_stream(&b);
	replace(&b, "-- sluice frame 22 shop-schema-create.sql",
	        "-- sluice frame 18446744073709551615 shop-schema-create.sql");
	expect_fail(b.data, b.len, false, "truncated inside frame shop-schema-create.sql: got ");
	sl_buf_free(&b);
}

static void test_offsets_in_messages(void)
{
	struct sl_buf b = SL_BUF_INIT, v = SL_BUF_INIT;
	char want[128];

	/* Garbage between two frames: the offset is where it starts. */
	sl_stream_put_version(&b);
	put_frame(&b, "d.t.00000.sql", "abc", 3);
	size_t at = b.len;
	sl_buf_puts(&b, "hello world\n");
	put_frame(&b, "d.t.00001.sql", "abc", 3);
	snprintf(want, sizeof(want), "test: byte %zu: expected a frame or trailer header", at);
	expect_fail(b.data, b.len, false, want);

	/* Truncated inside a frame body. */
	sl_buf_reset(&b);
	sl_stream_put_version(&b);
	put_frame(&b, "d.t.00003.sql", "0123456789", 10);
	snprintf(want, sizeof(want),
	         "test: byte %zu: truncated inside frame d.t.00003.sql: got 4 "
	         "of 10 bytes",
	         b.len - 6);
	expect_fail(b.data, b.len - 6, false, want);

	/* Truncated inside a header line. */
	sl_buf_reset(&b);
	sl_stream_put_version(&b);
	sl_buf_puts(&b, "-- sluice frame 10 d.t.000");
	expect_fail(b.data, b.len, false, "truncated inside a header line");

	/* No trailer. */
	sl_buf_reset(&b);
	sl_stream_put_version(&b);
	put_frame(&b, "d.t.00000.sql", "abc", 3);
	snprintf(want, sizeof(want), "test: byte %zu: no trailer: the stream is incomplete", b.len);
	expect_fail(b.data, b.len, false, want);

	/* A version line in the middle: the stream before has no trailer. */
	sl_stream_put_version(&b);
	expect_fail(b.data, b.len, false, "the stream before it has no trailer");
	expect_fail(b.data, b.len, true, "the stream before it has no trailer");
	sl_buf_free(&b);
	sl_buf_free(&v);
}

static void test_header_lines(void)
{
	EXPECT_FAIL("", "test: byte 0: empty input");
	EXPECT_FAIL("hello\n", "test: byte 0: not a sluice stream");
	EXPECT_FAIL("\x89PNG", "test: byte 0: not a sluice stream");
	EXPECT_FAIL("-- sluice stream 4 9.9\n", "unsupported stream version 4");
	EXPECT_FAIL("-- sluice stream 0\n", "unsupported stream version 0");
	/* Version 2 frames carry a checksum: 16 lowercase hex digits. */
	EXPECT_FAIL("-- sluice stream 2\n-- sluice frame 0 d-schema-create.sql\n", "no checksum");
	EXPECT_FAIL("-- sluice stream 2\n-- sluice frame 0 d-schema-create.sql 12\n",
	            "no checksum");
	EXPECT_FAIL("-- sluice stream 2\n-- sluice frame 0 d-schema-create.sql 000000000000000G\n",
	            "no checksum");
	EXPECT_FAIL("-- sluice stream 2\n-- sluice frame 0 d-schema-create.sql 000000000000000A\n",
	            "bad checksum");
	EXPECT_FAIL("-- sluice stream x\n", "bad version line");
	EXPECT_FAIL("-- sluice stream 1 \n", "bad version line");
	EXPECT_FAIL("-- sluice stream 01\n", "bad version line");
	EXPECT_FAIL("-- sluice stream 1", "truncated inside the version line");
	EXPECT_FAIL("-- sluice frame 0 d-schema-create.sql\n", "not a sluice stream");
	/* Names. */
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0 a b.sql\n", "bad character in name");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0 a/b.sql\n", "bad character in name");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0 \n", "empty name");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0\n", "bad length");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0 .sql\n", "empty database part");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0 ..\n", "empty database part");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0 d..00000.sql\n", "empty table part");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0 d@00.t.sql\n", "bad encoding in name");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0 d.t@zzzz.sql\n", "bad encoding in name");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frame 0 d.t.sql\r\n", "bad character in name");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice frob\n", "expected a frame or trailer header");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice\n", "expected a frame or trailer header");

	/* Longest name accepted, one more refused; over-long lines. */
	struct sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "-- sluice stream 1\n-- sluice frame 0 ");
	for (int i = 0; i < SL_STREAM_MAX_NAME; i++)
		sl_buf_putc(&b, 'a');
	sl_buf_puts(&b, "\n");
	expect_fail(b.data, b.len, false, "no trailer");
	sl_buf_reset(&b);
	sl_buf_puts(&b, "-- sluice stream 1\n-- sluice frame 0 ");
	for (int i = 0; i < SL_STREAM_MAX_NAME + 1; i++)
		sl_buf_putc(&b, 'a');
	sl_buf_puts(&b, "\n");
	expect_fail(b.data, b.len, false, "name too long");
	sl_buf_reset(&b);
	sl_buf_puts(&b, "-- sluice stream 1\n-- sluice frame 0 ");
	for (int i = 0; i < SL_STREAM_MAX_HEADER; i++)
		sl_buf_putc(&b, 'a');
	expect_fail(b.data, b.len, false, "test: byte 19: header line too long");
	sl_buf_free(&b);
}

/* An ok stream with one frame whose trailer body is 'tbody' and whose
 * trailer status words are 'h' (header) and 'e' (end line). */
static void trailer_case(const char *tbody, const char *h, const char *e, const char *what)
{
	struct sl_buf b = SL_BUF_INIT;
	sl_stream_put_version(&b);
	put_frame(&b, "d.t.00000.sql", "x", 1);
	sl_buf_printf(&b, "-- sluice trailer %zu %s\n%s-- sluice end %s\n", strlen(tbody), h, tbody,
	              e);
	if (what) {
		expect_fail(b.data, b.len, false, what);
	} else {
		struct sl_error err;
		struct rec r;
		rec_init(&r);
		CHECK_EQ_INT(read_stream(b.data, b.len, false, 1, 1, &r, &err), 0);
		CHECK_EQ_INT(r.ntrailers, 1);
		rec_free(&r);
	}
	sl_buf_free(&b);
}

#define T_OK "-- status ok\n-- files 1\n-- rows 0\n-- bytes 1\n"

static void test_trailer_parsing(void)
{
	trailer_case(T_OK, "ok", "ok", NULL);
	trailer_case(T_OK "-- future 1 2 3\n", "ok", "ok", NULL); /* unknown comment: ignored */
	trailer_case(T_OK, "ok", "error", "end line says error");
	trailer_case(T_OK, "error", "error", "status ok, trailer header says error");
	trailer_case(T_OK, "ok", "okay", "expected the end line");
	trailer_case(T_OK, "maybe", "ok", "trailer header: bad status");
	trailer_case("", "ok", "ok", "trailer: no status line");
	trailer_case("-- files 1\n", "ok", "ok", "first line is not the status");
	trailer_case("-- status ok\n-- files 1\n-- rows 0\n", "ok", "ok", "no bytes line");
	trailer_case(T_OK "-- rows 2\n", "ok", "ok", "duplicate rows line");
	trailer_case("-- status ok\n-- files x\n-- rows 0\n-- bytes 1\n", "ok", "ok",
	             "bad files count");
	trailer_case(T_OK "-- rows", "ok", "ok", "last line is not terminated");
	trailer_case(T_OK "hello\n", "ok", "ok", "trailer: unexpected line");
	trailer_case(T_OK "SIGNAL SQLSTATE '45000';\n", "ok", "ok", "trailer: unexpected line");
	trailer_case(T_OK "-- error boom\n", "ok", "ok", "error line in an ok trailer");
	trailer_case(T_OK "-- table d 1\n", "ok", "ok", "bad table name");
	trailer_case(T_OK "-- table d.t@00 1\n", "ok", "ok", "bad table name");
	trailer_case(T_OK "-- table d. 1\n", "ok", "ok", "bad table name");
	trailer_case(T_OK "-- table d.t\n", "ok", "ok", "bad table line");
	trailer_case(T_OK "-- table d.t -1\n", "ok", "ok", "bad table line");
	trailer_case(T_OK "-- binlog 5\n", "ok", "ok", "bad binlog line");
	trailer_case(T_OK "-- binlog f x\n", "ok", "ok", "bad binlog line");
	trailer_case(T_OK "-- gtid \n", "ok", "ok", "empty gtid");
	trailer_case(T_OK "-- gtid a\n-- gtid b\n", "ok", "ok", "duplicate gtid line");

	/* A trailer body length that is off. */
	for (int delta = -1; delta <= 1; delta += 2) {
		struct sl_buf b = SL_BUF_INIT, t = SL_BUF_INIT;
		char from[64], to[64];
		sl_stream_put_version(&b);
		put_ok_trailer(&t);
		unsigned long n = strtoul(t.data + 18, NULL, 10);
		snprintf(from, sizeof(from), "-- sluice trailer %lu ", n);
		snprintf(to, sizeof(to), "-- sluice trailer %lu ", n + (unsigned long)delta);
		replace(&t, from, to);
		sl_buf_append(&b, t.data, t.len);
		expect_fail(b.data, b.len, false, "test: byte ");
		sl_buf_free(&b);
		sl_buf_free(&t);
	}
}

static void test_missing_end_and_trailing_data(void)
{
	struct sl_buf b = SL_BUF_INIT;
	char want[96];

	build_stream(&b);
	size_t full = b.len;
	/* Without its end line. */
	/* The stream holds NUL bytes: search from the back. */
	const char *end = b.data + b.len - strlen("-- sluice end ok\n");
	CHECK(memcmp(end, "-- sluice end ok\n", 17) == 0);
	expect_fail(b.data, (size_t)(end - b.data), false, "truncated trailer: no end line");
	expect_fail(b.data, (size_t)(end - b.data) + 5, false, "truncated trailer");
	/* Anything after the end line. */
	sl_buf_puts(&b, "\n");
	snprintf(want, sizeof(want), "test: byte %zu: data after trailer", full);
	expect_fail(b.data, b.len, false, want);
	sl_buf_free(&b);
}

static void test_error_trailer(void)
{
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	struct rec r;
	struct sl_stream_trailer t = {
	    .ok = false, .error = "table shop.orders: lost connection", .files = 1};

	sl_stream_put_version(&b);
	put_frame(&b, "shop.orders.00000.sql", "x", 1);
	CHECK_EQ_INT(sl_stream_put_trailer(&b, &t), 0);
	for (size_t chunk = 0; chunk <= 1; chunk++) {
		rec_init(&r);
		CHECK_EQ_INT(read_stream(b.data, b.len, false, chunk, 1, &r, &err), SL_EFORMAT);
		char want[160];
		snprintf(want, sizeof(want),
		         "test: byte %zu: trailer status error: table shop.orders: lost connection",
		         b.len);
		CHECK_EQ_STR(err.msg, want);
		/* The callback still saw the trailer. */
		CHECK_EQ_INT(r.ntrailers, 1);
		CHECK_EQ_STR(r.trailer.data, "ok=0 files=1 rows=0 bytes=0 error=table shop.orders: "
		                             "lost connection");
		rec_free(&r);
	}
	sl_buf_free(&b);
}

static void test_continuous(void)
{
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	struct rec r;

	build_stream(&b);
	size_t one = b.len;
	sl_stream_put_version(&b);
	put_frame(&b, "d.t.00000.sql", "second", 6);
	put_ok_trailer(&b);
	for (size_t chunk = 0; chunk <= 3; chunk++) {
		rec_init(&r);
		CHECK_EQ_INT(read_stream(b.data, b.len, true, chunk, 9, &r, &err), 0);
		CHECK_EQ_INT(r.nframes, 5);
		CHECK_EQ_INT(r.ntrailers, 2);
		CHECK_EQ_MEM(r.bodies[4].data, r.bodies[4].len, "second");
		CHECK_EQ_STR(r.trailer.data, want_trailer);
		rec_free(&r);
	}
	/* Refused without continuous mode, at the first byte of stream two. */
	char want[64];
	snprintf(want, sizeof(want), "test: byte %zu: data after trailer", one);
	expect_fail(b.data, b.len, false, want);
	/* Continuous mode: stream two truncated, or not a stream. */
	expect_fail(b.data, b.len - 1, true, "truncated trailer");
	expect_fail(b.data, one + 5, true, "truncated inside the version line");
	sl_buf_reset(&b);
	build_stream(&b);
	sl_buf_puts(&b, "junk\n");
	expect_fail(b.data, b.len, true, "expected a version line after the trailer");

	/* An error trailer in the first of two streams still fails finish. */
	sl_buf_reset(&b);
	struct sl_stream_trailer t = {.ok = false, .error = "first failed"};
	sl_stream_put_version(&b);
	sl_stream_put_trailer(&b, &t);
	build_stream(&b);
	expect_fail(b.data, b.len, true, "trailer status error: first failed");
	sl_buf_free(&b);
}

static void test_callback_stop(void)
{
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	struct rec r;

	build_stream(&b);
	rec_init(&r);
	r.stop_at_frame = 2;
	struct sl_stream_reader *rd = sl_stream_reader_new("s", false, &rec_cb, &r);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_stream_reader_feed(rd, b.data, b.len, &err), 7);
	CHECK_EQ_INT(err.code, 0); /* the callback owns its message */
	CHECK_EQ_INT(sl_stream_reader_feed(rd, b.data, 1, &err), 7);
	CHECK_EQ_INT(sl_stream_reader_finish(rd, &err), 7);
	CHECK_EQ_INT(r.nframes, 2);
	sl_stream_reader_free(rd);
	rec_free(&r);

	/* After a format error every call repeats it. */
	rd = sl_stream_reader_new("s", false, NULL, NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_stream_reader_feed(rd, "xx", 2, &err), SL_EFORMAT);
	CHECK_EQ_STR(err.msg, "s: byte 0: not a sluice stream: no version line");
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_stream_reader_feed(rd, "-- sluice stream 1\n", 19, &err), SL_EFORMAT);
	CHECK_EQ_STR(err.msg, "s: byte 0: not a sluice stream: no version line");
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_stream_reader_finish(rd, &err), SL_EFORMAT);
	CHECK_EQ_STR(err.msg, "s: byte 0: not a sluice stream: no version line");
	sl_stream_reader_free(rd);
	sl_buf_free(&b);
}

/* Every allocation failure in writer and reader ends in SL_ENOMEM (or
 * NULL from sl_stream_reader_new), never in a crash or a leak. */
static void test_oom(void)
{
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	int done = 0;

	build_stream(&b);
	for (long n = 0; n < 200 && !done; n++) {
		struct sl_buf w = SL_BUF_INIT;
		struct rec r;
		rec_init(&r);
		sl_alloc_fail_after(n);
		int wrc = sl_stream_put_version(&w);
		if (!wrc)
			wrc = sl_stream_put_frame_header(&w, "a.b.00000.sql", 3, 0);
		struct sl_stream_table_count tabs[] = {{"a", "b", 1, false}};
		struct sl_stream_trailer t = {
		    .ok = false, .error = "x", .ntables = 1, .tables = tabs};
		if (!wrc)
			wrc = sl_stream_put_trailer(&w, &t);
		struct sl_stream_reader *rd = sl_stream_reader_new("s", false, NULL, NULL);
		int rrc = SL_ENOMEM;
		if (rd) {
			sl_error_clear(&err);
			rrc = sl_stream_reader_feed(rd, b.data, b.len, &err);
			if (!rrc)
				rrc = sl_stream_reader_finish(rd, &err);
		}
		sl_alloc_fail_after(-1);
		CHECK(wrc == 0 || wrc == SL_ENOMEM);
		CHECK(rrc == 0 || rrc == SL_ENOMEM);
		if (rrc == SL_ENOMEM && rd)
			CHECK(strstr(err.msg, "out of memory") != NULL);
		done = wrc == 0 && rrc == 0;
		sl_stream_reader_free(rd);
		sl_buf_free(&w);
		rec_free(&r);
	}
	CHECK(done);
	sl_buf_free(&b);
}

/* Table-end lines: written and read back, and refused where they would
 * let a loader take a table for complete when it is not. */
static void test_table_end(void)
{
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	struct rec r;

	CHECK_EQ_INT(sl_stream_put_table_end(&b, "my db", "t.1", 5), 0);
	CHECK_EQ_STR(b.data, "-- sluice table-end my@0020db.t@002e1 5\n");
	size_t len = b.len;
	CHECK_EQ_INT(sl_stream_put_table_end(&b, "d", "\xf0\x9f\x98\x80", 1), SL_EFORMAT);
	CHECK_EQ_INT(b.len, len);
	struct sl_buf longname = SL_BUF_INIT;
	for (int i = 0; i < 250; i++)
		sl_buf_puts(&longname, "\xc3\xa4"); /* @00e4 each: a line over the limit */
	CHECK_EQ_INT(sl_stream_put_table_end(&b, "d", longname.data, 1), SL_EINTERNAL);
	CHECK_EQ_INT(b.len, len);
	sl_buf_free(&longname);

	/* After the table's last data frame; its triggers may still follow. */
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_stream_put_version(&b), 0);
	put_frame(&b, "shop-schema-create.sql", "CREATE DATABASE shop;\n", 22);
	put_frame(&b, "shop.orders.00000.sql", body1, sizeof(body1) - 1);
	CHECK_EQ_INT(sl_stream_put_table_end(&b, "shop", "orders", 3), 0);
	put_frame(&b, "shop.orders-schema-triggers.sql", "", 0);
	put_frame(&b, "my@0020db.t@002e1@002dx.00001.sql", "", 0);
	size_t body_end = b.len;
	put_ok_trailer(&b);
	for (size_t chunk = 0; chunk <= 3; chunk++) {
		rec_init(&r);
		CHECK_EQ_INT(read_stream(b.data, b.len, false, chunk, 5, &r, &err), 0);
		CHECK_EQ_INT(r.order_bad, 0);
		CHECK_EQ_STR(r.tends.data, "[shop|orders|3@2]");
		CHECK(strstr(r.trailer.data, " [shop|orders|3|ended] [my db|t.1-x|0] ") != NULL);
		rec_free(&r);
	}
	/* A second stream of a continuous input may end the same table again. */
	struct sl_buf two = SL_BUF_INIT;
	sl_buf_append(&two, b.data, b.len);
	sl_buf_append(&two, b.data, b.len);
	rec_init(&r);
	CHECK_EQ_INT(read_stream(two.data, two.len, true, 0, 0, &r, &err), 0);
	CHECK_EQ_STR(r.tends.data, "[shop|orders|3@2][shop|orders|3@6]");
	rec_free(&r);
	sl_buf_free(&two);

	/* Data of the table after its end; the same table ended twice. */
	struct sl_buf bad = SL_BUF_INIT;
	sl_buf_append(&bad, b.data, body_end);
	put_frame(&bad, "shop.orders.00001.sql", "x", 1);
	put_ok_trailer(&bad);
	expect_fail(bad.data, bad.len, false,
	            "frame shop.orders.00001.sql: data of a table after its table-end line");
	sl_buf_reset(&bad);
	sl_buf_append(&bad, b.data, body_end);
	sl_stream_put_table_end(&bad, "shop", "orders", 3);
	put_ok_trailer(&bad);
	expect_fail(bad.data, bad.len, false, "table-end: table shop.orders ended twice");
	/* The trailer must list an ended table, with the same rows. */
	sl_buf_reset(&bad);
	sl_buf_append(&bad, b.data, body_end);
	sl_stream_put_table_end(&bad, "shop", "gone", 1);
	put_ok_trailer(&bad);
	expect_fail(bad.data, bad.len, false,
	            "trailer: no table line for a table that ended before (1 of 2 missing)");
	sl_buf_reset(&bad);
	sl_buf_append(&bad, b.data, body_end);
	replace(&bad, "table-end shop.orders 3", "table-end shop.orders 2");
	put_ok_trailer(&bad);
	expect_fail(bad.data, bad.len, false,
	            "trailer: table shop.orders: its table-end line says other rows");
	sl_buf_free(&bad);

	/* Bad lines, and table-end lines in streams of older versions. */
	EXPECT_FAIL("-- sluice stream 2\n-- sluice table-end a.b 1\n",
	            "test: byte 19: table-end line in a version 2 stream");
	EXPECT_FAIL("-- sluice stream 1\n-- sluice table-end a.b 1\n",
	            "table-end line in a version 1 stream");
	EXPECT_FAIL("-- sluice stream 3\n-- sluice table-end ab 1\n", "table-end: bad table name");
	EXPECT_FAIL("-- sluice stream 3\n-- sluice table-end a.b\n", "table-end: bad table line");
	EXPECT_FAIL("-- sluice stream 3\n-- sluice table-end a.b -1\n",
	            "table-end: bad table line");
	EXPECT_FAIL("-- sluice stream 3\n-- sluice table-end a.@zz 1\n",
	            "table-end: bad table name");
	EXPECT_FAIL("-- sluice stream 3\n-- sluice table-end .b 1\n", "table-end: bad table name");
	sl_buf_free(&b);
}

int main(void)
{
	UNIT_RUN(test_write_text);
	UNIT_RUN(test_write_error_trailer);
	UNIT_RUN(test_read_chunkings);
	UNIT_RUN(test_truncation_everywhere);
	UNIT_RUN(test_corrupt_lengths);
	UNIT_RUN(test_offsets_in_messages);
	UNIT_RUN(test_header_lines);
	UNIT_RUN(test_trailer_parsing);
	UNIT_RUN(test_missing_end_and_trailing_data);
	UNIT_RUN(test_error_trailer);
	UNIT_RUN(test_continuous);
	UNIT_RUN(test_callback_stop);
	UNIT_RUN(test_table_end);
	UNIT_RUN(test_oom);
	return UNIT_DONE();
}
