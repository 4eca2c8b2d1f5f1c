/* fuzz_sqlscan.c - fuzz target for the read-only check and the table
 * references of core/format/sqlscan.c, which read SQL sluice did not write
 * (scripts' queries, view definitions, trigger bodies).
 *
 * Besides crashes and sanitizer reports, the target aborts when a refusal
 * gives no reason, when a name handed to the callback is longer than the
 * buffer the scanner decodes into, when the scan stops without the
 * callback asking, or when the check accepts two statements in text of
 * plain words (where a ';' can only end a statement).
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer fuzz_sqlscan).  Otherwise replay.c's main() replays
 * tests/fuzz/corpus_sqlscan for `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/sqlscan.h"
#include "replay.h"

const char sl_fuzz_name[] = "fuzz_sqlscan";
const char sl_fuzz_corpus[] = "corpus_sqlscan";

static void fz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_sqlscan: %s\n", what);
		abort();
	}
}

static int fz_ref(void *ud, const char *schema, const char *name)
{
	size_t *calls = ud;
	(*calls)++;
	fz_check(name != NULL && strlen(name) < 256, "a name");
	fz_check(!schema || strlen(schema) < 256, "a schema");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sql = (const char *)data;
	char why[160] = "";
	int rc = sl_sql_check_select(sql, size, why, sizeof(why));
	fz_check(rc == 0 || rc == -1, "status");
	fz_check(rc == 0 || why[0], "a refusal without a reason");
	/* Text of plain words, blanks and one ';' in the middle is refused. */
	const char *semi = memchr(sql, ';', size);
	int plain = size > 0;
	for (size_t i = 0; i < size && plain; i++)
		plain = (data[i] >= 'a' && data[i] <= 'z') || data[i] == ' ' || data[i] == ';';
	if (plain && semi && rc == 0) {
		int more = 0;
		for (const char *p = semi + 1; p < sql + size; p++)
			more |= *p != ' ' && *p != ';';
		fz_check(!more, "a second statement accepted");
	}
	size_t calls = 0;
	fz_check(sl_sql_table_refs(sql, size, fz_ref, &calls) == 0, "the scan stopped by itself");
	return 0;
}
