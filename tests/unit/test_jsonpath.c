/* test_jsonpath.c - unit tests for core/format/jsonpath.c.
 *
 * Paths reach the values they name (keys, quoted keys, indexes, both
 * wildcards, nested), in document order, with their kinds; spans cover the
 * value's exact text, so a document rebuilt around them keeps every other
 * byte; malformed documents (truncated, trailing text, bad numbers and
 * escapes, nesting deeper than the limit) and malformed paths are
 * refused; strings decode escapes and surrogate pairs and encode back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "format/jsonpath.h"
#include "unit.h"

/* The texts found at path, joined by '|', or "ERR: message". */
static const char *find(const char *doc, const char *path)
{
	static char out[2048];
	struct sl_json_span *spans;
	size_t n;
	struct sl_error err = {0};
	int rc = sl_json_find(doc, strlen(doc), path, &spans, &n, &err);
	if (rc) {
		snprintf(out, sizeof(out), "ERR: %s", err.msg);
		return out;
	}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%.*s", i ? "|" : "", (int)spans[i].len,
		         doc + spans[i].off);
	}
	sl_free(spans);
	return out;
}

static void test_paths(void)
{
	const char *doc = "{ \"a\": {\"b\": [1, {\"c\": \"x\"}, -2.5e3], \"d e\": true},\n"
	                  "  \"f\": null, \"g\": [[\"h\"], []], \"a.b\": 12345678901234567890 }";
	CHECK_EQ_STR(find(doc, "$"), doc);
	CHECK_EQ_STR(find(doc, "$.a.b[0]"), "1");
	CHECK_EQ_STR(find(doc, "$.a.b[1].c"), "\"x\"");
	CHECK_EQ_STR(find(doc, "$.a.b[2]"), "-2.5e3");
	CHECK_EQ_STR(find(doc, "$.a.b[*]"), "1|{\"c\": \"x\"}|-2.5e3");
	CHECK_EQ_STR(find(doc, "$.a.\"d e\""), "true");
	CHECK_EQ_STR(find(doc, "$.\"a.b\""), "12345678901234567890");
	CHECK_EQ_STR(find(doc, "$.*"), "{\"b\": [1, {\"c\": \"x\"}, -2.5e3], \"d e\": true}|null|"
	                               "[[\"h\"], []]|12345678901234567890");
	CHECK_EQ_STR(find(doc, "$.g[*][*]"), "\"h\"");
	CHECK_EQ_STR(find(doc, "$.nope"), "");
	CHECK_EQ_STR(find(doc, "$.a.b[9]"), "");
	CHECK_EQ_STR(find("[1, 2]", "$.a"), "");
	CHECK_EQ_STR(find("\"plain\"", "$"), "\"plain\"");
	/* Kinds. */
	struct sl_json_span *s;
	size_t n;
	struct sl_error err = {0};
	const char *k = "[\"s\", 1, true, false, null, {}, []]";
	CHECK_EQ_INT(sl_json_find(k, strlen(k), "$[*]", &s, &n, &err), 0);
	CHECK_EQ_INT(n, 7);
	for (size_t i = 0; i < n && i < 7; i++)
		CHECK_EQ_INT(s[i].kind, (int)i); /* the enum's order */
	sl_free(s);
}

static void test_malformed(void)
{
	static const char *const docs[] = {"",        "{",           "{\"a\" 1}", "[1,]",
	                                   "[01]",    "[1.]",        "[-]",       "{\"a\":1} x",
	                                   "\"\\x\"", "\"\\ud800\"", "[tru]",     "\"a\nb\"",
	                                   "{1: 2}",  NULL};
	for (size_t i = 0; docs[i]; i++) {
		const char *r = find(docs[i], "$");
		if (strncmp(r, "ERR: not a JSON document", 24) != 0)
			fprintf(stderr, "accepted: '%s' -> %s\n", docs[i], r);
		CHECK(strncmp(r, "ERR: not a JSON document", 24) == 0);
	}
	/* Deep nesting: refused at the limit, not a stack overflow. */
	size_t depth = SL_JSON_MAX_DEPTH + 10;
	char *deep = malloc(2 * depth + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	CHECK(strstr(find(deep, "$"), "nested too deeply") != NULL);
	free(deep);
	static const char *const paths[] = {"",    "a",    "$.",   "$[",       "$[x]",
	                                    "$[1", "$.a[", "$..a", "$.\"open", NULL};
	for (size_t i = 0; paths[i]; i++)
		CHECK(strncmp(find("{}", paths[i]), "ERR: json path", 14) == 0);
}

static void test_strings(void)
{
	struct sl_buf b = SL_BUF_INIT;
	const char *s = "\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\" tail";
	const char *p = s;
	CHECK_EQ_INT(sl_json_string_decode(&p, s + strlen(s), &b), 0);
	CHECK_EQ_STR(b.data, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80");
	CHECK_EQ_STR(p, " tail");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_json_string_encode(&b, "q\"\\\n\x01\xc3\xa9", 7), 0);
	CHECK_EQ_STR(b.data, "\"q\\\"\\\\\\n\\u0001\xc3\xa9\"");
	sl_buf_free(&b);
}

int main(void)
{
	UNIT_RUN(test_paths);
	UNIT_RUN(test_malformed);
	UNIT_RUN(test_strings);
	return UNIT_DONE();
}
