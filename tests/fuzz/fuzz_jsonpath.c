/* fuzz_jsonpath.c - fuzz target for JSON documents read by path
 * (core/format/jsonpath.c), which the masking kit runs on column values.
 *
 * The input is a path, a NUL byte, then a document (no NUL: the path "$.*"
 * and the whole input as the document).  Besides crashes and sanitizer
 * reports, the target aborts when a found span lies outside the document,
 * overlaps or precedes the span before it, is not itself one JSON value
 * of the kind reported (found again with the path "$"), or is a string
 * that does not decode; when the document rebuilt around the spans is not
 * the document; or when a refusal's message is not one line starting with
 * "json path" or "not a JSON document".
 *
 * Built with -DSL_LIBFUZZER it is a libFuzzer target (tests/fuzz/run-
 * libfuzzer fuzz_jsonpath).  Otherwise replay.c's main() replays
 * tests/fuzz/corpus_jsonpath for `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "format/jsonpath.h"
#include "replay.h"

const char sl_fuzz_name[] = "fuzz_jsonpath";
const char sl_fuzz_corpus[] = "corpus_jsonpath";

static void fz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_jsonpath: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size < 256 ? size : 256);
	char path[257] = "$.*";
	const char *doc = (const char *)data;
	size_t len = size;
	if (nul) {
		memcpy(path, data, (size_t)(nul - data));
		path[nul - data] = '\0';
		doc = (const char *)nul + 1;
		len = size - (size_t)(nul - data) - 1;
	}
	struct sl_json_span *spans = NULL;
	size_t n = 0;
	struct sl_error err = {0};
	int rc = sl_json_find(doc, len, path, &spans, &n, &err);
	if (rc) {
		fz_check(rc == SL_EFORMAT || rc == SL_ENOMEM, "unexpected status");
		fz_check(rc == SL_ENOMEM || !strncmp(err.msg, "json path", 9) ||
		             !strncmp(err.msg, "not a JSON document", 19),
		         "message");
		fz_check(!strchr(err.msg, '\n'), "message on two lines");
		return 0;
	}
	struct sl_buf dec = SL_BUF_INIT, rebuilt = SL_BUF_INIT;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sl_json_span *s = &spans[i];
		fz_check(s->off >= at && s->off + s->len <= len && s->len > 0, "span out of place");
		struct sl_json_span *inner = NULL;
		size_t m = 0;
		struct sl_error e2 = {0};
		fz_check(sl_json_find(doc + s->off, s->len, "$", &inner, &m, &e2) == 0 && m == 1 &&
		             inner[0].off == 0 && inner[0].len == s->len &&
		             inner[0].kind == s->kind,
		         "a span is not one value of its kind");
		sl_free(inner);
		if (s->kind == SL_JSON_STRING) {
			const char *p = doc + s->off;
			fz_check(sl_json_string_decode(&p, doc + s->off + s->len, &dec) == 0 &&
			             p == doc + s->off + s->len,
			         "a string span does not decode");
		}
		sl_buf_append(&rebuilt, doc + at, s->off - at);
		sl_buf_append(&rebuilt, doc + s->off, s->len);
		at = s->off + s->len;
	}
	sl_buf_append(&rebuilt, doc + at, len - at);
	fz_check(rebuilt.len == len && (len == 0 || !memcmp(rebuilt.data, doc, len)),
	         "the document rebuilt around its spans differs");
	sl_buf_free(&dec);
	sl_buf_free(&rebuilt);
	sl_free(spans);
	return 0;
}
