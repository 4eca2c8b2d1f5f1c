/* fuzz_manifest.c - fuzz target for the manifest reader (core/format/manifest.c).
 *
 * The input is the text of a sluice-manifest.json.  When it parses, the
 * manifest is written back and parsed again: the second parse must
 * succeed and give the same manifest (status, totals, every table's
 * record), and writing that one must give the same text as the first
 * write.  When it does not parse, the status must be SL_EFORMAT (or
 * SL_ENOMEM) and the message one line starting with "fuzz: ".  Any
 * other outcome aborts, besides crashes and sanitizer reports.
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer fuzz_manifest builds and runs it).
 * Otherwise replay.c's main() replays tests/fuzz/corpus_manifest for
 * `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "format/manifest.h"
#include "replay.h"

const char sl_fuzz_name[] = "fuzz_manifest";
const char sl_fuzz_corpus[] = "corpus_manifest";

static void fz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_manifest: %s\n", what);
		abort();
	}
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_manifest m, back;
	struct sl_buf w1 = SL_BUF_INIT, w2 = SL_BUF_INIT;
	struct sl_error err = {0};
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size); /* a heap copy: reads past the end are caught */
	sl_manifest_init(&m);
	sl_manifest_init(&back);
	int rc = sl_manifest_parse(&m, text, size, "fuzz", &err);
	if (rc) {
		fz_check(rc == SL_EFORMAT || rc == SL_ENOMEM, "unexpected status");
		fz_check(!strncmp(err.msg, "fuzz: ", 6), "message without its prefix");
		fz_check(!strchr(err.msg, '\n'), "message with a newline");
		goto out;
	}
	fz_check(sl_manifest_write(&m, &w1) == 0, "write failed");
	fz_check(sl_manifest_parse(&back, w1.data, w1.len, "fuzz", &err) == 0,
	         "what was written does not parse");
	fz_check(back.status == m.status && back.files == m.files && back.bytes == m.bytes &&
	             back.rows == m.rows && back.binlog_pos == m.binlog_pos &&
	             back.ntables == m.ntables,
	         "a second parse differs");
	fz_check(same_str(back.server, m.server) && same_str(back.gtid, m.gtid) &&
	             same_str(back.binlog_file, m.binlog_file) && same_str(back.error, m.error) &&
	             same_str(back.sluice, m.sluice),
	         "a string differs after a round trip");
	for (size_t i = 0; i < m.ntables; i++) {
		const struct sl_manifest_table *a = m.tables[i], *b = back.tables[i];
		fz_check(!strcmp(a->schema, b->schema) && !strcmp(a->name, b->name) &&
		             a->complete == b->complete && a->rows == b->rows &&
		             a->files == b->files && a->bytes == b->bytes && a->sum == b->sum,
		         "a table record differs after a round trip");
	}
	fz_check(sl_manifest_write(&back, &w2) == 0, "second write failed");
	fz_check(w1.len == w2.len && !memcmp(w1.data, w2.data, w1.len), "writing is not stable");
out:
	sl_manifest_free(&m);
	sl_manifest_free(&back);
	sl_buf_free(&w1);
	sl_buf_free(&w2);
	free(text);
	return 0;
}
