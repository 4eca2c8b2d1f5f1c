/* fuzz_resultset.c - fuzz target for the text-protocol result reader
 * (core/format/resultset.c), which parses bytes a server sent.
 *
 * The first three bytes choose the columns asked for, the size of each
 * read, the reader's buffer, the packets' size limit (the protocol's
 * 16 MiB, or a few bytes, so that payloads of several packets are joined)
 * and the largest row taken.  With the first byte's high bit clear the
 * rest is the server's bytes: besides crashes and sanitizer reports (every
 * value's bytes are read), the target aborts when a failure has no message,
 * a row has a value longer than the input, or a read of the stream goes on
 * after its end.  With the bit set the rest becomes rows (values split at
 * 0xff bytes, 0xfe alone is NULL), which are written as a result set and
 * read back: every value must come back byte for byte, then the end.
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer fuzz_resultset builds and runs it).  Otherwise its main()
 * replays tests/fuzz/corpus_resultset (make check). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "format/resultset.h"
#include "replay.h"

const char sl_fuzz_name[] = "fuzz_resultset";
const char sl_fuzz_corpus[] = "corpus_resultset";

static void fz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_resultset: %s\n", what);
		abort();
	}
}

struct fz_source {
	const uint8_t *data;
	size_t size, at, piece;
	bool ended;
};

static ssize_t fz_read(void *ctx, void *buf, size_t cap)
{
	struct fz_source *s = ctx;
	fz_check(!s->ended, "read again after the end of the stream");
	size_t n = s->size - s->at;
	if (n > cap)
		n = cap;
	if (s->piece && n > s->piece)
		n = s->piece;
	if (!n) {
		s->ended = true;
		return 0;
	}
	memcpy(buf, s->data + s->at, n);
	s->at += n;
	return (ssize_t)n;
}

/* Read the stream; 'want' (NULL in raw mode) the rows expected. */
/* How the reader is set up: columns asked for, bytes per read (0: as many
 * as fit), its buffer, its packets' size limit and its row limit. */
struct fz_setup {
	size_t ncols, piece, bufsize, chunk_max, max_packet;
};

static void read_back(const uint8_t *data, size_t size, const struct fz_setup *su,
                      const struct sl_buf *want_vals, size_t want_rows)
{
	size_t ncols = su->ncols;
	struct sl_resultset rs;
	struct fz_source src = {.data = data, .size = size, .piece = su->piece};
	if (sl_resultset_init(&rs, su->bufsize, su->max_packet))
		return;
	rs.chunk_max = su->chunk_max;
	int rc = sl_resultset_start(&rs, fz_read, &src, ncols);
	size_t rows = 0, at = 0; /* want_vals: per value, 1 byte null, 4 bytes len, bytes */
	while (!rc && (rc = sl_resultset_next(&rs)) == 1) {
		volatile unsigned sum = 0;
		for (size_t c = 0; c < ncols; c++) {
			fz_check(rs.vals[c] || rs.lens[c] == 0, "a NULL with a length");
			fz_check(rs.lens[c] <= size, "a value longer than the input");
			for (size_t i = 0; rs.vals[c] && i < rs.lens[c]; i++)
				sum += (unsigned char)rs.vals[c][i];
			if (!want_vals)
				continue;
			fz_check(at + 5 <= want_vals->len, "more values than were written");
			bool null = want_vals->data[at] != 0;
			uint32_t len;
			memcpy(&len, want_vals->data + at + 1, 4);
			at += 5;
			fz_check(null == !rs.vals[c], "a NULL changed");
			fz_check(null || (rs.lens[c] == len &&
			                  !memcmp(rs.vals[c], want_vals->data + at, len)),
			         "a value changed");
			at += null ? 0 : len;
		}
		rows++;
		rc = 0;
	}
	fz_check(rc <= 0, "a bad return code");
	if (rc)
		fz_check(rs.msg[0] != '\0', "a failure without a message");
	if (want_vals) {
		fz_check(rc == 0, "a written result set was refused");
		fz_check(rows == want_rows, "rows lost or made up");
		fz_check(rs.bytes_read == size, "bytes left unread");
	}
	sl_resultset_free(&rs);
}

static int fz_packet(struct sl_buf *out, uint8_t *seq, const void *p, size_t n)
{
	unsigned char h[4] = {(unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16),
	                      (*seq)++};
	return sl_buf_append(out, h, 4) | sl_buf_append(out, p, n);
}

/* A payload in packets of chunk_max bytes and a last, shorter one. */
static int fz_payload(struct sl_buf *out, uint8_t *seq, const char *p, size_t n, size_t chunk)
{
	int bad = 0;
	for (; n >= chunk; p += chunk, n -= chunk)
		bad |= fz_packet(out, seq, p, chunk);
	return bad | fz_packet(out, seq, p, n);
}

/* The input as rows, written as a result set and read back. */
static void round_trip(const uint8_t *data, size_t size, const struct fz_setup *su)
{
	size_t ncols = su->ncols;
	struct sl_buf out = SL_BUF_INIT, want = SL_BUF_INIT, row = SL_BUF_INIT;
	uint8_t seq = 1;
	int bad = 0; /* an append failed: nothing to compare */
	unsigned char count[2] = {(unsigned char)ncols, 1};
	bad |= fz_payload(&out, &seq, (const char *)count, 2, su->chunk_max);
	for (size_t c = 0; c < ncols; c++)
		bad |= fz_payload(&out, &seq, "\3def", 4, su->chunk_max);
	const char eof[5] = {(char)0xfe, 0, 0, 2, 0};
	bad |= fz_payload(&out, &seq, eof, 5, su->chunk_max);
	size_t rows = 0, col = 0, start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != 0xff)
			continue;
		size_t len = i - start;
		const uint8_t *v = data + start;
		start = i + 1;
		bool null = len == 1 && v[0] == 0xfe;
		unsigned char tag = null;
		uint32_t len32 = (uint32_t)len;
		bad |= sl_buf_append(&want, &tag, 1) | sl_buf_append(&want, &len32, 4);
		if (null) {
			bad |= sl_buf_putc(&row, (char)0xfb);
		} else {
			bad |= sl_buf_append(&want, v, len);
			unsigned char le[3] = {0xfc, (unsigned char)len, (unsigned char)(len >> 8)};
			if (len < 251)
				bad |= sl_buf_putc(&row, (char)len);
			else
				bad |= sl_buf_append(&row, le, 3); /* the input is below 64 KiB */
			bad |= sl_buf_append(&row, v, len);
		}
		if (++col == ncols) {
			bad |= fz_payload(&out, &seq, row.data ? row.data : "", row.len,
			                  su->chunk_max);
			row.len = 0;
			col = 0;
			rows++;
		}
	}
	/* a partial last row is not written: drop its values from 'want' */
	size_t keep = 0;
	for (size_t r = 0, at = 0; r < rows * ncols; r++) {
		uint32_t len;
		memcpy(&len, want.data + at + 1, 4);
		at += 5 + (want.data[at] ? 0 : len);
		keep = at;
	}
	want.len = keep;
	if (!want.data)
		bad |= sl_buf_reserve(&want, 1);
	bad |= fz_payload(&out, &seq, eof, 5, su->chunk_max);
	if (!bad)
		read_back((const uint8_t *)out.data, out.len, su, &want, rows);
	sl_buf_free(&out);
	sl_buf_free(&want);
	sl_buf_free(&row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	/* data[2]: the buffer (64 B to 8 KiB), packets of the protocol's size
	 * or of 2 to 128 bytes (payloads joined), rows of up to 1 MiB or 300 B */
	unsigned c = (data[2] >> 3) & 7;
	struct fz_setup su = {
	    .ncols = 1 + (data[0] & 7),
	    .piece = data[1] % 65, /* 0: as many bytes as fit */
	    .bufsize = (size_t)64 << (data[2] & 7),
	    .chunk_max = c ? (size_t)1 << c : SL_RESULTSET_CHUNK_MAX,
	    .max_packet = (data[2] & 0x40) && !(data[0] & 0x80) ? 300 : 1 << 20,
	};
	if (data[0] & 0x80)
		round_trip(data + 3, size - 3, &su);
	else
		read_back(data + 3, size - 3, &su, NULL, 0);
	return 0;
}
