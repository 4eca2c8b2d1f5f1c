/* fuzz_objects.c - fuzz target for object statements: myloader's form
 * (core/format/myloader.c) and the DEFINER clause (core/format/definer.c).
 *
 * The input is an object file's body, as a stream or a directory may hold
 * one.  It is rewritten into myloader's form; when that succeeds, the
 * output must end in ";\n", and rewriting it again must give the same
 * text (unless a statement begins with the word DELIMITER, which the
 * reader takes for a command: not SQL the server would run anyway).  When
 * it fails, the status must be SL_EFORMAT (or SL_ENOMEM) and the message
 * one line starting with "fuzz: ".  The DEFINER clause found in the input,
 * if any, must lie inside it, begin with the word DEFINER and be followed
 * by what the strip keeps.  Any other outcome aborts, besides crashes and
 * sanitizer reports.
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer fuzz_objects builds and runs it).
 * Otherwise replay.c's main() replays tests/fuzz/corpus_objects for
 * `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/error.h"
#include "format/definer.h"
#include "format/myloader.h"
#include "replay.h"

const char sl_fuzz_name[] = "fuzz_objects";
const char sl_fuzz_corpus[] = "corpus_objects";

static void fz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_objects: %s\n", what);
		abort();
	}
}

/* Does a line of 'text' begin with the word DELIMITER? */
static int has_delimiter_line(const char *text, size_t len)
{
	for (size_t i = 0; i + 9 <= len; i++)
		if ((i == 0 || text[i - 1] == '\n') && !strncasecmp(text + i, "delimiter", 9))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_buf out = SL_BUF_INIT, again = SL_BUF_INIT, stripped = SL_BUF_INIT;
	struct sl_error err = {0};
	char *text = malloc(size ? size : 1);
	size_t at, n;

	if (!text)
		return 0;
	memcpy(text, data, size); /* a heap copy: reads past the end are caught */
	if (sl_definer_find(text, size, &at, &n)) {
		fz_check(n >= 7 && at + n <= size, "the clause lies outside the statement");
		fz_check(!strncasecmp(text + at, "DEFINER", 7), "the clause is not DEFINER=");
		int rc = sl_definer_strip(&stripped, text, size);
		fz_check(rc == 1 && stripped.len == size - n, "the strip differs from the find");
	}
	int rc = sl_myloader_objects(&out, "fuzz", text, size, size & 1 ? "v" : NULL, &err);
	if (rc) {
		fz_check(rc == SL_EFORMAT || rc == SL_ENOMEM, "unexpected status");
		fz_check(!strncmp(err.msg, "fuzz: ", 6), "message without its prefix");
		fz_check(!strchr(err.msg, '\n'), "message with a newline");
		goto out;
	}
	fz_check(out.len == 0 || (out.len >= 2 && !memcmp(out.data + out.len - 2, ";\n", 2)),
	         "the last statement does not end in ;\\n");
	if (out.len && !has_delimiter_line(out.data, out.len)) {
		/* An exact heap copy again: a read past the end is caught, not a
		 * look at whatever the buffer's spare capacity holds. */
		char *copy = malloc(out.len);
		if (!copy)
			goto out;
		memcpy(copy, out.data, out.len);
		int again_rc = sl_myloader_objects(&again, "fuzz", copy, out.len, NULL, &err);
		free(copy);
		if (again_rc == SL_ENOMEM) /* allocator_may_return_null: not a finding */
			goto out;
		if (again_rc)
			fprintf(stderr, "fuzz_objects: again: %d %s\n", again_rc, err.msg);
		fz_check(again_rc == 0, "the output does not convert again");
		fz_check(again.len == out.len && !memcmp(again.data, out.data, out.len),
		         "the form is not stable");
	}
out:
	sl_buf_free(&out);
	sl_buf_free(&again);
	sl_buf_free(&stripped);
	free(text);
	return 0;
}
