/* fuzz_stream.c - fuzz target for the stream reader (core/format/stream.c).
 *
 * The input is a stream as it would arrive on stdin.  Each input is read
 * in both normal and continuous mode, fed three ways: in one piece, in two
 * pieces split at a point derived from the data, and in small pieces whose
 * size is derived from the data.  Besides crashes and sanitizer reports,
 * the target aborts when the three readings disagree (status, message, or
 * the frames and trailers the callbacks saw), when the callbacks come in an
 * impossible order or deliver more body bytes than the header announced,
 * when finish() accepts an input without an ok trailer, or when an error
 * message lacks the "<source>: byte <offset>: " prefix.
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer fuzz_stream builds and runs it).
 * Otherwise its main() replays every file of the directories (or files)
 * given as arguments, or of $srcdir/tests/fuzz/corpus, as a regression
 * test for `make check`. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "format/stream.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the callbacks saw, as a running FNV-1a hash plus order checks. */
struct fz_seen {
	uint64_t hash;
	bool in_frame;
	uint64_t frame_len, frame_got;
	unsigned ntrailers;
	bool last_ok;
};

static void fz_hash(struct fz_seen *s, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		s->hash ^= b[i];
		s->hash *= 0x100000001b3ULL;
	}
}

static int fz_begin(void *ud, const char *name, uint64_t len, const uint64_t *hash)
{
	struct fz_seen *s = ud;
	if (s->in_frame || strlen(name) > SL_STREAM_MAX_NAME || !name[0])
		abort();
	s->in_frame = true;
	s->frame_len = len;
	s->frame_got = 0;
	fz_hash(s, "B", 1);
	fz_hash(s, name, strlen(name) + 1);
	fz_hash(s, &len, sizeof(len));
	if (hash)
		fz_hash(s, hash, sizeof(*hash));
	return 0;
}

static int fz_data(void *ud, const char *p, size_t n)
{
	struct fz_seen *s = ud;
	if (!s->in_frame || n == 0 || n > s->frame_len - s->frame_got)
		abort();
	s->frame_got += n;
	fz_hash(s, p, n);
	return 0;
}

static int fz_end(void *ud)
{
	struct fz_seen *s = ud;
	if (!s->in_frame || s->frame_got != s->frame_len)
		abort();
	s->in_frame = false;
	fz_hash(s, "E", 1);
	return 0;
}

static int fz_table_end(void *ud, const char *schema, const char *name, uint64_t rows)
{
	struct fz_seen *s = ud;
	if (s->in_frame || !schema[0] || !name[0])
		abort();
	fz_hash(s, "X", 1);
	fz_hash(s, schema, strlen(schema) + 1);
	fz_hash(s, name, strlen(name) + 1);
	fz_hash(s, &rows, sizeof(rows));
	return 0;
}

static int fz_trailer(void *ud, const struct sl_stream_trailer *t)
{
	struct fz_seen *s = ud;
	if (s->in_frame)
		abort();
	s->ntrailers++;
	s->last_ok = t->ok;
	fz_hash(s, "T", 1);
	fz_hash(s, &t->ok, sizeof(t->ok));
	fz_hash(s, &t->files, sizeof(t->files));
	fz_hash(s, &t->rows, sizeof(t->rows));
	fz_hash(s, &t->bytes, sizeof(t->bytes));
	if (t->error)
		fz_hash(s, t->error, strlen(t->error) + 1);
	if (t->binlog_file)
		fz_hash(s, t->binlog_file, strlen(t->binlog_file) + 1);
	if (t->gtid)
		fz_hash(s, t->gtid, strlen(t->gtid) + 1);
	for (size_t i = 0; i < t->ntables; i++) {
		fz_hash(s, t->tables[i].schema, strlen(t->tables[i].schema) + 1);
		fz_hash(s, t->tables[i].name, strlen(t->tables[i].name) + 1);
		fz_hash(s, &t->tables[i].rows, sizeof(t->tables[i].rows));
		fz_hash(s, &t->tables[i].ended, sizeof(t->tables[i].ended));
	}
	return 0;
}

struct fz_result {
	int rc;
	struct sl_error err;
	struct fz_seen seen;
};

/* Read data[0..size) fed as pieces: first 'split' bytes, then the rest in
 * pieces of at most 'step' bytes (0: the rest in one piece). */
static void fz_read(const uint8_t *data, size_t size, bool continuous, size_t split, size_t step,
                    struct fz_result *res)
{
	static const struct sl_stream_callbacks cb = {.on_frame_begin = fz_begin,
	                                              .on_frame_data = fz_data,
	                                              .on_frame_end = fz_end,
	                                              .on_table_end = fz_table_end,
	                                              .on_trailer = fz_trailer};
	struct sl_stream_reader *r;

	memset(res, 0, sizeof(*res));
	res->seen.hash = 0xcbf29ce484222325ULL;
	r = sl_stream_reader_new("fuzz", continuous, &cb, &res->seen);
	if (!r)
		abort(); /* no fault injection here */
	const char *p = (const char *)data;
	res->rc = sl_stream_reader_feed(r, p, split, &res->err);
	size_t i = split;
	while (res->rc == 0 && i < size) {
		size_t k = size - i;
		if (step && k > step)
			k = step;
		res->rc = sl_stream_reader_feed(r, p + i, k, &res->err);
		i += k;
	}
	if (res->rc == 0)
		res->rc = sl_stream_reader_finish(r, &res->err);
	if (res->rc == 0 && sl_stream_reader_offset(r) != size)
		abort();
	sl_stream_reader_free(r);

	if (res->rc == 0 && (res->seen.ntrailers == 0 || !res->seen.last_ok || res->seen.in_frame))
		abort();
	if (res->rc != 0 && (res->rc != SL_EFORMAT || strncmp(res->err.msg, "fuzz: byte ", 11)))
		abort();
	if (strchr(res->err.msg, '\n'))
		abort();
}

static void fz_same(const struct fz_result *a, const struct fz_result *b)
{
	if (a->rc != b->rc || strcmp(a->err.msg, b->err.msg) != 0 || a->seen.hash != b->seen.hash ||
	    a->seen.ntrailers != b->seen.ntrailers)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_result whole, split, small;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	for (int cont = 0; cont <= 1; cont++) {
		fz_read(data, size, cont, size, 0, &whole);
		fz_read(data, size, cont, size ? (size_t)(h % (size + 1)) : 0, 0, &split);
		fz_same(&whole, &split);
		fz_read(data, size, cont, 0, (size_t)((h >> 32) % 17) + 1, &small);
		fz_same(&whole, &small);
		if (!cont && whole.rc == 0) {
			/* A stream accepted alone is accepted in continuous mode. */
			struct fz_result c;
			fz_read(data, size, true, size, 0, &c);
			fz_same(&whole, &c);
		}
	}
	return 0;
}

const char sl_fuzz_name[] = "fuzz_stream";
const char sl_fuzz_corpus[] = "corpus";
