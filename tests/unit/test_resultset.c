/* test_resultset.c - the text-protocol result reader (core/format/resultset.c)
 * on packet streams built here byte by byte: rows of every length encoding,
 * NULLs, a payload of two packets, errors of the server before and among the
 * rows, and streams that are cut, out of order or malformed; each read one
 * byte at a time and all at once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "format/resultset.h"
#include "unit.h"

/* A stream under construction: packets numbered from 1. */
struct stream {
	struct sl_buf b;
	unsigned seq;
};

static void packet(struct stream *s, const void *p, size_t n)
{
	unsigned char h[4] = {(unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16),
	                      (unsigned char)(s->seq++ & 0xff)};
	CHECK(sl_buf_append(&s->b, h, 4) == 0);
	CHECK(sl_buf_append(&s->b, p, n) == 0);
}

static void lenenc(struct sl_buf *b, uint64_t n)
{
	unsigned char v[9];
	size_t k;
	if (n < 251) {
		v[0] = (unsigned char)n;
		k = 1;
	} else {
		size_t w = n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 8;
		v[0] = w == 2 ? 0xfc : w == 3 ? 0xfd : 0xfe;
		for (size_t i = 0; i < w; i++)
			v[1 + i] = (unsigned char)(n >> (8 * i));
		k = 1 + w;
	}
	CHECK(sl_buf_append(b, v, k) == 0);
}

static const unsigned char eof_pkt[5] = {0xfe, 0, 0, 0x22, 0};

/* Column count (with the metadata byte when 'flag'), definitions, EOF. */
static void head(struct stream *s, size_t ncols, bool flag)
{
	struct sl_buf b = SL_BUF_INIT;
	lenenc(&b, ncols);
	if (flag)
		CHECK(sl_buf_putc(&b, 1) == 0);
	packet(s, b.data, b.len);
	for (size_t c = 0; c < ncols; c++)
		packet(s, "\3def\0\0\0\1c\0\x0c!\0\0\0\0\0\xfd\0\0\0\0\0", 23);
	packet(s, eof_pkt, sizeof(eof_pkt));
	sl_buf_free(&b);
}

/* A row; vals[i] == NULL is SQL NULL. */
static void row(struct stream *s, size_t n, const char *const *vals, const size_t *lens)
{
	struct sl_buf b = SL_BUF_INIT;
	for (size_t c = 0; c < n; c++) {
		if (!vals[c]) {
			CHECK(sl_buf_putc(&b, (char)0xfb) == 0);
			continue;
		}
		lenenc(&b, lens[c]);
		CHECK(sl_buf_append(&b, vals[c], lens[c]) == 0);
	}
	packet(s, b.data, b.len);
	sl_buf_free(&b);
}

static void error_packet(struct stream *s, unsigned code, const char *text)
{
	struct sl_buf b = SL_BUF_INIT;
	unsigned char h[3] = {0xff, (unsigned char)code, (unsigned char)(code >> 8)};
	CHECK(sl_buf_append(&b, h, 3) == 0);
	CHECK(sl_buf_puts(&b, "#HY000") == 0);
	CHECK(sl_buf_puts(&b, text) == 0);
	packet(s, b.data, b.len);
	sl_buf_free(&b);
}

/* The read side: the stream handed out 'step' bytes at a time (0: all). */
struct source {
	const struct sl_buf *b;
	size_t at, step;
	int fail_errno; /* at the end: -1 with this errno instead of 0 */
};

static ssize_t source_read(void *ctx, void *buf, size_t cap)
{
	struct source *src = ctx;
	size_t left = src->b->len - src->at;
	if (!left) {
		if (src->fail_errno) {
			errno = src->fail_errno;
			return -1;
		}
		return 0;
	}
	size_t n = left < cap ? left : cap;
	if (src->step && n > src->step)
		n = src->step;
	memcpy(buf, src->b->data + src->at, n);
	src->at += n;
	return (ssize_t)n;
}

static const char *const sample_vals[] = {"1", NULL, "", "it's"};
static const size_t sample_lens[] = {1, 0, 0, 4};

/* The 20 rows of test_rows() back, and nothing else. */
static void rows_back(const struct sl_buf *b, size_t step, size_t bufsize)
{
	struct sl_resultset rs;
	struct source src = {.b = b, .step = step};
	CHECK(sl_resultset_init(&rs, bufsize, 1 << 30) == 0);
	CHECK_EQ_INT(sl_resultset_start(&rs, source_read, &src, 4), 0);
	size_t n = 0;
	int rc;
	while ((rc = sl_resultset_next(&rs)) == 1) {
		size_t big = 300 + n * 5000;
		CHECK(rs.vals[0] && rs.lens[0] == 1 && rs.vals[0][0] == '1');
		CHECK(rs.vals[1] == NULL);
		CHECK(rs.vals[2] && rs.lens[2] == 0);
		CHECK(rs.vals[3] && rs.lens[3] == big);
		for (size_t i = 0; rs.vals[3] && i < rs.lens[3]; i++)
			if (rs.vals[3][i] != (char)('a' + (i + n) % 26)) {
				CHECK(!"value bytes");
				break;
			}
		n++;
	}
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(n, 20);
	CHECK_EQ_INT(sl_resultset_next(&rs), 0); /* stays at the end */
	CHECK_EQ_INT(rs.bytes_read, b->len);
	sl_resultset_free(&rs);
}

/* Rows whose last value takes 1-, 3- and 4-byte lengths (300 to 95,300
 * bytes), read a byte at a time, in 7-byte pieces and whole, through a
 * buffer smaller than a row and one larger than the stream. */
static void test_rows(void)
{
	for (int flag = 0; flag < 2; flag++) {
		struct stream s = {SL_BUF_INIT, 1};
		head(&s, 4, flag);
		for (size_t n = 0; n < 20; n++) {
			size_t big = 300 + n * 5000;
			char *v = malloc(big);
			for (size_t i = 0; i < big; i++)
				v[i] = (char)('a' + (i + n) % 26);
			const char *vals[4] = {"1", NULL, "", v};
			size_t lens[4] = {1, 0, 0, big};
			row(&s, 4, vals, lens);
			free(v);
		}
		packet(&s, eof_pkt, sizeof(eof_pkt));
		rows_back(&s.b, 1, 64);
		rows_back(&s.b, 7, 4096);
		rows_back(&s.b, 0, 1 << 20);
		sl_buf_free(&s.b);
	}
}

/* Run a stream to its end: the last code; *nrows the rows read. */
static int run(const struct sl_buf *b, size_t ncols, size_t step, size_t max,
               struct sl_resultset *rs, size_t *nrows)
{
	struct source src = {.b = b, .step = step};
	*nrows = 0;
	CHECK(sl_resultset_init(rs, 256, max) == 0);
	int rc = sl_resultset_start(rs, source_read, &src, ncols);
	while (!rc && (rc = sl_resultset_next(rs)) == 1) {
		(*nrows)++;
		rc = 0;
	}
	return rc;
}

/* The server's errors: before the rows (a bad query), among them (a
 * killed query), sent on its own out of turn; a progress report is no row;
 * the message stays one line. */
static void test_server_errors(void)
{
	struct sl_resultset rs;
	size_t n;
	struct stream s = {SL_BUF_INIT, 1};
	error_packet(&s, 1146, "Table 'x.y' doesn't exist");
	CHECK_EQ_INT(run(&s.b, 4, 1, 1 << 20, &rs, &n), SL_EDB);
	CHECK_EQ_INT(rs.server_errno, 1146);
	CHECK_EQ_STR(rs.sqlstate, "HY000");
	CHECK_EQ_STR(rs.msg, "Table 'x.y' doesn't exist");
	sl_resultset_free(&rs);
	sl_buf_free(&s.b);

	s = (struct stream){SL_BUF_INIT, 1};
	head(&s, 4, true);
	row(&s, 4, sample_vals, sample_lens);
	const unsigned char progress[] = {0xff, 0xff, 0xff, 1, 1, 2, 0, 0, 0, 0};
	packet(&s, progress, sizeof(progress));
	row(&s, 4, sample_vals, sample_lens);
	error_packet(&s, 1317, "Query execution\nwas interrupted");
	CHECK_EQ_INT(run(&s.b, 4, 0, 1 << 20, &rs, &n), SL_EDB);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(rs.server_errno, 1317);
	CHECK_EQ_STR(rs.msg, "Query execution?was interrupted");
	sl_resultset_free(&rs);
	sl_buf_free(&s.b);

	s = (struct stream){SL_BUF_INIT, 0}; /* ER_CONNECTION_KILLED, numbered 0 */
	error_packet(&s, 1927, "Connection was killed");
	CHECK_EQ_INT(run(&s.b, 4, 0, 1 << 20, &rs, &n), SL_EDB);
	CHECK_EQ_INT(rs.server_errno, 1927);
	sl_resultset_free(&rs);
	sl_buf_free(&s.b);
}

/* A connection that closes or fails mid-result: SL_EIO, with the errno. */
static void test_cut(void)
{
	struct stream s = {SL_BUF_INIT, 1};
	head(&s, 4, true);
	row(&s, 4, sample_vals, sample_lens);
	row(&s, 4, sample_vals, sample_lens);
	packet(&s, eof_pkt, sizeof(eof_pkt));
	size_t full = s.b.len;
	for (size_t cut = 0; cut < full; cut++) {
		struct sl_buf part = {.data = s.b.data, .len = cut, .cap = cut};
		struct sl_resultset rs;
		size_t n;
		CHECK_EQ_INT(run(&part, 4, 3, 1 << 20, &rs, &n), SL_EIO);
		CHECK_EQ_INT(rs.read_errno, 0);
		CHECK(rs.msg[0] != '\0');
		sl_resultset_free(&rs);
	}
	struct source src = {.b = &s.b, .fail_errno = ETIMEDOUT};
	s.b.len = full - 3;
	struct sl_resultset rs;
	CHECK(sl_resultset_init(&rs, 256, 1 << 20) == 0);
	int rc = sl_resultset_start(&rs, source_read, &src, 4);
	while (!rc && (rc = sl_resultset_next(&rs)) == 1)
		rc = 0;
	CHECK_EQ_INT(rc, SL_EIO);
	CHECK_EQ_INT(rs.read_errno, ETIMEDOUT);
	sl_resultset_free(&rs);
	s.b.len = full;
	sl_buf_free(&s.b);
}

/* Streams that are not such a result: each is refused with a message. */
static void refused(const struct sl_buf *b, size_t ncols, size_t max, int want, size_t rows)
{
	struct sl_resultset rs;
	size_t n;
	CHECK_EQ_INT(run(b, ncols, 0, max, &rs, &n), want);
	CHECK_EQ_INT(n, rows);
	CHECK(rs.msg[0] != '\0');
	sl_resultset_free(&rs);
}

static void test_malformed(void)
{
	struct stream s = {SL_BUF_INIT, 1};
	head(&s, 3, false); /* 3 columns where 4 are asked for */
	refused(&s.b, 4, 1 << 20, SL_EFORMAT, 0);
	sl_buf_free(&s.b);

	s = (struct stream){SL_BUF_INIT, 1};
	packet(&s, "\0\0\0\2\0\0\0", 7); /* an OK packet: no result */
	refused(&s.b, 4, 1 << 20, SL_EFORMAT, 0);
	sl_buf_free(&s.b);

	s = (struct stream){SL_BUF_INIT, 1};
	packet(&s, "\xfb/etc/passwd", 12); /* LOAD DATA LOCAL's request */
	refused(&s.b, 4, 1 << 20, SL_EFORMAT, 0);
	sl_buf_free(&s.b);

	s = (struct stream){SL_BUF_INIT, 1};
	head(&s, 4, true);
	s.seq = 9; /* out of order */
	row(&s, 4, sample_vals, sample_lens);
	refused(&s.b, 4, 1 << 20, SL_EFORMAT, 0);
	sl_buf_free(&s.b);

	/* rows of 3 and 5 values, a value longer than its row, a 0xff length */
	const unsigned char bad_rows[][8] = {{1, '1', 0xfb, 0},
	                                     {1, '1', 0xfb, 0, 1, 'x', 0, 0},
	                                     {1, '1', 0xfb, 0, 9, 'x'},
	                                     {1, '1', 0xfb, 0, 0xff}};
	const size_t bad_lens[] = {4, 7, 6, 5};
	for (size_t i = 0; i < 4; i++) {
		s = (struct stream){SL_BUF_INIT, 1};
		head(&s, 4, true);
		row(&s, 4, sample_vals, sample_lens);
		packet(&s, bad_rows[i], bad_lens[i]);
		refused(&s.b, 4, 1 << 20, SL_EFORMAT, 1);
		sl_buf_free(&s.b);
	}

	s = (struct stream){SL_BUF_INIT, 1}; /* a second result announced */
	head(&s, 4, true);
	const unsigned char more[5] = {0xfe, 0, 0, 0x0a, 0};
	packet(&s, more, sizeof(more));
	refused(&s.b, 4, 1 << 20, SL_EFORMAT, 0);
	sl_buf_free(&s.b);

	s = (struct stream){SL_BUF_INIT, 1}; /* bytes after the end */
	head(&s, 4, true);
	packet(&s, eof_pkt, sizeof(eof_pkt));
	packet(&s, eof_pkt, sizeof(eof_pkt));
	refused(&s.b, 4, 1 << 20, SL_EFORMAT, 0);
	sl_buf_free(&s.b);

	/* a row above max_packet (the column definitions, 23 bytes, are not) */
	const char *long_vals[] = {"1", NULL, "", "0123456789012345678901234567890123456789"};
	const size_t long_lens[] = {1, 0, 0, 40};
	s = (struct stream){SL_BUF_INIT, 1};
	head(&s, 4, true);
	row(&s, 4, sample_vals, sample_lens);
	row(&s, 4, long_vals, long_lens);
	refused(&s.b, 4, 30, SL_EFORMAT, 1);
	sl_buf_free(&s.b);
}

/* Packets of 8 bytes at the most (chunk_max made small): a row of 20 bytes
 * comes in three, one of 16 in three with the last empty; a joined row
 * above max_packet is refused. */
static void test_small_chunks(void)
{
	const size_t maxes[] = {64, 17};
	for (size_t k = 0; k < 2; k++) {
		size_t max = maxes[k];
		struct stream s = {SL_BUF_INIT, 1};
		const unsigned char count[2] = {1, 1};
		packet(&s, count, 2);
		packet(&s, "\3def", 4);
		packet(&s, eof_pkt, sizeof(eof_pkt));
		const char r20[] = "\023abcdefghijklmnopqrs";
		packet(&s, r20, 8);
		packet(&s, r20 + 8, 8);
		packet(&s, r20 + 16, 4);
		const char r16[] = "\017ABCDEFGHIJKLMNO";
		packet(&s, r16, 8);
		packet(&s, r16 + 8, 8);
		packet(&s, "", 0);
		packet(&s, eof_pkt, sizeof(eof_pkt));
		struct sl_resultset rs;
		struct source src = {.b = &s.b, .step = 3};
		CHECK(sl_resultset_init(&rs, 64, max) == 0);
		rs.chunk_max = 8;
		CHECK_EQ_INT(sl_resultset_start(&rs, source_read, &src, 1), 0);
		if (max == 17) { /* the first row is 20 bytes */
			CHECK_EQ_INT(sl_resultset_next(&rs), SL_EFORMAT);
			sl_resultset_free(&rs);
			sl_buf_free(&s.b);
			continue;
		}
		CHECK_EQ_INT(sl_resultset_next(&rs), 1);
		CHECK_EQ_MEM(rs.vals[0], rs.lens[0], "abcdefghijklmnopqrs");
		CHECK_EQ_INT(sl_resultset_next(&rs), 1);
		CHECK_EQ_MEM(rs.vals[0], rs.lens[0], "ABCDEFGHIJKLMNO");
		CHECK_EQ_INT(sl_resultset_next(&rs), 0);
		CHECK(rs.joined_cap <= max);
		sl_resultset_free(&rs);
		sl_buf_free(&s.b);
	}
}

/* A row of 0xffffff + 100 bytes comes in two packets, one of exactly
 * 0xffffff bytes in two with the second empty; both are joined, and the
 * next result starts with the buffer back at its size. */
static void test_joined(void)
{
	for (size_t extra = 0; extra <= 100; extra += 100) {
		size_t prefix = extra ? 9 : 4; /* the length's bytes: 16 MiB and more take 9 */
		size_t vlen = 0xffffff + extra - prefix;
		struct sl_buf payload = SL_BUF_INIT;
		lenenc(&payload, vlen);
		CHECK(sl_buf_reserve(&payload, vlen) == 0);
		for (size_t i = 0; i < vlen; i++)
			payload.data[payload.len + i] = (char)(i * 7);
		payload.len += vlen;
		CHECK_EQ_INT(payload.len, 0xffffff + extra);
		struct stream s = {SL_BUF_INIT, 1};
		head(&s, 1, true);
		packet(&s, payload.data, 0xffffff);
		packet(&s, payload.data + 0xffffff, extra);
		packet(&s, eof_pkt, sizeof(eof_pkt));

		struct sl_resultset rs;
		struct source src = {.b = &s.b};
		CHECK(sl_resultset_init(&rs, 4096, 1 << 30) == 0);
		CHECK_EQ_INT(sl_resultset_start(&rs, source_read, &src, 1), 0);
		CHECK_EQ_INT(sl_resultset_next(&rs), 1);
		CHECK_EQ_INT(rs.lens[0], vlen);
		CHECK(rs.vals[0] && memcmp(rs.vals[0], payload.data + prefix, vlen) == 0);
		CHECK_EQ_INT(sl_resultset_next(&rs), 0);
		/* the same reader again, on a small result */
		struct stream small = {SL_BUF_INIT, 1};
		head(&small, 1, true);
		const char *one[] = {"x"};
		size_t onelen[] = {1};
		row(&small, 1, one, onelen);
		packet(&small, eof_pkt, sizeof(eof_pkt));
		src = (struct source){.b = &small.b};
		CHECK_EQ_INT(sl_resultset_start(&rs, source_read, &src, 1), 0);
		CHECK_EQ_INT(rs.cap, 4096);
		CHECK_EQ_INT(sl_resultset_next(&rs), 1);
		CHECK(rs.lens[0] == 1 && rs.vals[0][0] == 'x');
		CHECK_EQ_INT(sl_resultset_next(&rs), 0);
		/* and one whose joined row is above max_packet */
		rs.max_packet = 0xffffff + 10;
		src = (struct source){.b = &s.b};
		int rc = sl_resultset_start(&rs, source_read, &src, 1);
		CHECK_EQ_INT(rc ? rc : sl_resultset_next(&rs), extra > 10 ? SL_EFORMAT : 1);
		sl_resultset_free(&rs);
		sl_buf_free(&small.b);
		sl_buf_free(&s.b);
		sl_buf_free(&payload);
	}
}

/* Out of memory at every allocation: a clean SL_ENOMEM, nothing leaked
 * (the sanitizer lane checks that). */
static void test_out_of_memory(void)
{
	struct stream s = {SL_BUF_INIT, 1};
	head(&s, 4, true);
	char big[70000];
	memset(big, 'z', sizeof(big));
	const char *vals[] = {"1", NULL, "", big};
	size_t lens[] = {1, 0, 0, sizeof(big)};
	row(&s, 4, vals, lens);
	packet(&s, eof_pkt, sizeof(eof_pkt));
	bool finished = false;
	for (long k = 0; k < 20 && !finished; k++) {
		struct sl_resultset rs;
		struct source src = {.b = &s.b};
		sl_alloc_fail_after(k);
		int rc = sl_resultset_init(&rs, 256, 1 << 20);
		if (!rc)
			rc = sl_resultset_start(&rs, source_read, &src, 4);
		while (!rc && (rc = sl_resultset_next(&rs)) == 1)
			rc = 0;
		sl_alloc_fail_after(-1);
		CHECK(rc == 0 || rc == SL_ENOMEM);
		finished = rc == 0;
		sl_resultset_free(&rs);
	}
	CHECK(finished);
	sl_buf_free(&s.b);
}

int main(void)
{
	UNIT_RUN(test_rows);
	UNIT_RUN(test_server_errors);
	UNIT_RUN(test_cut);
	UNIT_RUN(test_malformed);
	UNIT_RUN(test_joined);
	UNIT_RUN(test_small_chunks);
	UNIT_RUN(test_out_of_memory);
	return UNIT_DONE();
}
