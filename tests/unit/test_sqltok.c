/* test_sqltok.c - unit tests for core/format/sqltok.c.
 *
 * The token kinds, and the comment modes its four readers use: comments
 * skipped and executable comments as tokens (sqlscan), their text read
 * (decode_ddl), only their markers skipped (read_sqldump), not comments
 * at all (decode_sql); strict and lenient ends; "x" as a name; the name
 * decoder. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "format/sqltok.h"
#include "unit.h"

/* The tokens of sql, each as kind letter and text: "W:a P:( N:`b`". */
static const char *lex(const char *sql, unsigned flags)
{
	static char out[512];
	struct sl_sqltok_lexer lx = {sql, strlen(sql), 0, flags, false};
	size_t n = 0;
	out[0] = '\0';
	for (;;) {
		struct sl_sqltok t = sl_sqltok_next(&lx);
		if (t.kind == SL_SQLTOK_END)
			break;
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%c:%.*s", n ? " " : "",
		                      "_WNSPEB"[t.kind], (int)t.len, t.p);
		if (t.kind == SL_SQLTOK_BAD)
			break;
	}
	return out;
}

static void test_kinds(void)
{
	CHECK_EQ_STR(lex("SELECT a1,`b``c`.$x 'it''s' \"q\\\"\"", 0),
	             "W:SELECT W:a1 P:, N:`b``c` P:. W:$x S:'it''s' S:\"q\\\"\"");
	CHECK_EQ_STR(lex("\"a\\\"b\"", SL_SQLTOK_DQ_NAME), "N:\"a\\\" W:b B:");
	CHECK_EQ_STR(lex("x 'open", 0), "W:x B:");
	CHECK_EQ_STR(lex("x 'open\\", SL_SQLTOK_LENIENT), "W:x S:'open\\");
}

static void test_comments(void)
{
	const char *sql = "a -- c\n/*!40101 b */ # d\n/* e */ c";
	const unsigned scan = SL_SQLTOK_COMMENTS | SL_SQLTOK_EXEC_TOKEN;
	CHECK_EQ_STR(lex(sql, scan), "W:a E:/*!40101 W:b E:*/ W:c");
	CHECK_EQ_STR(lex(sql, SL_SQLTOK_COMMENTS | SL_SQLTOK_EXEC_SKIP), "W:a W:b W:c");
	CHECK_EQ_STR(lex("/*M!100100 a */ b", SL_SQLTOK_EXEC_SKIP), "W:a W:b");
	CHECK_EQ_STR(lex("-- a", SL_SQLTOK_EXEC_SKIP), "P:- P:- W:a");
	/* Without an executable-comment mode, slash-star-bang is no comment. */
	CHECK_EQ_STR(lex("/*!1 a */ /*M!1 b */ c", SL_SQLTOK_COMMENTS),
	             "P:/ P:* P:! W:1 W:a P:* P:/ W:c");
	/* Star-slash is a token only inside an executable comment. */
	CHECK_EQ_STR(lex("a */", scan), "W:a P:* P:/");
	/* "--" needs a blank or a control byte after it, or the end. */
	CHECK_EQ_STR(lex("a --b --", scan), "W:a P:- P:- W:b");
	CHECK_EQ_STR(lex("a /* open", scan), "W:a B:");
	CHECK_EQ_STR(lex("a /* open", SL_SQLTOK_COMMENTS | SL_SQLTOK_LENIENT), "W:a");
}

static void test_names(void)
{
	static const struct {
		const char *sql, *name;
	} cases[] = {{"`a``b`", "a`b"}, {"'it''s'", "it's"}, {"\"\"", ""}, {"bare", "bare"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_sqltok_lexer lx = {cases[i].sql, strlen(cases[i].sql), 0, 0, false};
		char *name = sl_sqltok_name(sl_sqltok_next(&lx));
		CHECK_EQ_STR(name, cases[i].name);
		sl_free(name);
	}
	struct sl_sqltok_lexer lx = {"a . b", 5, 0, 0, false};
	CHECK(sl_sqltok_is(sl_sqltok_peek(&lx), "A"));
	CHECK(sl_sqltok_is(sl_sqltok_next(&lx), "a"));
	CHECK(sl_sqltok_punct(sl_sqltok_next(&lx), '.'));
	CHECK(!sl_sqltok_is(sl_sqltok_next(&lx), "bb"));
}

int main(void)
{
	UNIT_RUN(test_kinds);
	UNIT_RUN(test_comments);
	UNIT_RUN(test_names);
	return UNIT_DONE();
}
