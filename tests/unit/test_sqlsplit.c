/* test_sqlsplit.c - unit tests for the statement splitter (core/sqlsplit.c):
 * delimiters and DELIMITER lines, quotes, comments, executable comments,
 * trimming, errors, server modes, and real sluice data and DDL bodies.
 * Every case is split four ways that must agree: the whole buffer, the
 * buffer followed by blanks (so that the 64-byte fast path sees all of it),
 * and in pieces of several sizes through sl_sqlsplit_refill(), each piece a
 * fresh heap copy so that ASan catches reads outside it. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "format/sqlsplit.h"
#include "unit.h"

#define MAXST 256

/* What one way of splitting returned: statements as offsets into the input. */
struct result {
	int rc;
	size_t n;
	size_t off[MAXST], len[MAXST];
	char msg[SL_ERROR_MAX];
};

/* Split in[0..inlen): whole when step is 0, else fed 'step' bytes at a time.
 * modes: 1 no_backslash_escapes, 2 ansi_quotes, 4 object files (a ';' at a
 * line's end: SL_SQLSPLIT_LINE_END). */
static void run(const char *in, size_t inlen, size_t step, unsigned modes, struct result *r)
{
	struct sl_sqlsplit s;
	struct sl_error err = {0};
	char *buf = NULL;
	size_t buflen = 0, fed = step ? 0 : inlen;

	memset(r, 0, sizeof(*r));
	sl_sqlsplit_init(&s, "t.sql", step ? NULL : in, step ? 0 : inlen);
	s.no_backslash_escapes = modes & 1;
	s.ansi_quotes = (modes & 2) != 0;
	if (modes & 4)
		sl_sqlsplit_set_delimiter(&s, SL_SQLSPLIT_LINE_END, strlen(SL_SQLSPLIT_LINE_END));
	for (;;) {
		const char *st;
		size_t n;
		int rc = sl_sqlsplit_next(&s, &st, &n, &err);
		if (rc == 1) {
			if (r->n < MAXST) {
				r->off[r->n] = (size_t)s.base + (size_t)(st - s.p);
				r->len[r->n] = n;
			}
			r->n++;
			continue;
		}
		if (rc < 0) {
			r->rc = rc;
			memcpy(r->msg, err.msg, sizeof(r->msg));
			/* The error is sticky. */
			if (sl_sqlsplit_next(&s, &st, &n, &err) != rc)
				r->rc = SL_EINTERNAL;
			break;
		}
		if (fed == inlen)
			break;
		size_t pend = sl_sqlsplit_pending(&s);
		size_t add = inlen - fed < step ? inlen - fed : step;
		char *nb = sl_malloc(pend + add);
		if (!nb)
			abort();
		if (pend)
			memcpy(nb, buf + buflen - pend, pend);
		memcpy(nb + pend, in + fed, add);
		fed += add;
		sl_sqlsplit_refill(&s, nb, pend + add, fed == inlen);
		sl_free(buf);
		buf = nb;
		buflen = pend + add;
	}
	sl_free(buf);
}

/* Split 'in' every way and compare with 'want' (NULL-terminated) and, for
 * an error, with 'want_msg'. */
static void check_split(int line, const char *in, size_t inlen, unsigned modes,
                        const char *const *want, const char *want_msg)
{
	static const size_t steps[] = {0, 0, 1, 2, 3, 7, 16, 61, 64, 100};
	size_t nwant = 0;
	bool bad = false;

	while (want[nwant])
		nwant++;
	char *padded = sl_malloc(inlen + 200);
	if (!padded)
		abort();
	memcpy(padded, in, inlen);
	memset(padded + inlen, ' ', 200);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct result r;
		const char *src = k == 1 ? padded : in;
		run(src, k == 1 ? inlen + 200 : inlen, steps[k], modes, &r);
		if (r.n != nwant) {
			fprintf(stderr, "  step %zu: %zu statements, want %zu\n", steps[k], r.n,
			        nwant);
			bad = true;
		}
		for (size_t i = 0; i < r.n && i < nwant && i < MAXST; i++)
			if (r.len[i] != strlen(want[i]) ||
			    memcmp(src + r.off[i], want[i], r.len[i])) {
				fprintf(stderr,
				        "  step %zu: statement %zu is \"%.*s\", want \"%s\"\n",
				        steps[k], i, (int)r.len[i], src + r.off[i], want[i]);
				bad = true;
			}
		if (want_msg ? (r.rc != SL_EFORMAT || strcmp(r.msg, want_msg)) : r.rc != 0) {
			fprintf(stderr, "  step %zu: rc %d \"%s\", want \"%s\"\n", steps[k], r.rc,
			        r.msg, want_msg ? want_msg : "");
			bad = true;
		}
	}
	sl_free(padded);
	if (bad)
		fprintf(stderr, "  (in the case at line %d)\n", line);
	CHECK(!bad);
}

/* CHECK_SPLIT(input literal, statements..., NULL) */
#define CHECK_SPLIT(in, ...) \
	check_split(__LINE__, in, sizeof(in) - 1, 0, (const char *const[]){__VA_ARGS__}, NULL)
/* CHECK_SPLIT_ERR(input literal, message, statements before it..., NULL) */
#define CHECK_SPLIT_ERR(in, msg, ...) \
	check_split(__LINE__, in, sizeof(in) - 1, 0, (const char *const[]){__VA_ARGS__}, msg)
/* CHECK_SPLIT_MODES(modes, input literal, statements..., NULL) */
#define CHECK_SPLIT_MODES(modes, in, ...) \
	check_split(__LINE__, in, sizeof(in) - 1, modes, (const char *const[]){__VA_ARGS__}, NULL)

static void test_basic(void)
{
	CHECK_SPLIT("SELECT 1;", "SELECT 1", NULL);
	CHECK_SPLIT("SELECT 1; SELECT 2;\nSELECT 3;", "SELECT 1", "SELECT 2", "SELECT 3", NULL);
	CHECK_SPLIT("  \n\tSELECT\n  1  \n;  \n", "SELECT\n  1", NULL);
	/* Text after the last delimiter is a last statement, as in the client. */
	CHECK_SPLIT("SELECT 1;\nSELECT 2", "SELECT 1", "SELECT 2", NULL);
	CHECK_SPLIT("SELECT 1", "SELECT 1", NULL);
	CHECK_SPLIT("x", "x", NULL);
	/* Empty statements are skipped. */
	CHECK_SPLIT(";;; SELECT 1;; ;\n;", "SELECT 1", NULL);
	CHECK_SPLIT("SELECT 1 -", "SELECT 1 -", NULL);
	CHECK_SPLIT("SELECT 2/3; SELECT 4 /", "SELECT 2/3", "SELECT 4 /", NULL);
	/* Statements that begin like DELIMITER. */
	CHECK_SPLIT("DROP TABLE t;\ndo 1;\nd\nDELETE FROM t;\nDELIMIT", "DROP TABLE t", "do 1",
	            "d\nDELETE FROM t", "DELIMIT", NULL);
}

static void test_empty(void)
{
	CHECK_SPLIT("", NULL);
	CHECK_SPLIT(" \n\t\r\n\v\f ", NULL);
	CHECK_SPLIT(";", NULL);
	CHECK_SPLIT("-- a\n# b\n/* c */\n--\n-- d", NULL);
	CHECK_SPLIT("/* only ; a comment */ ; -- and ; this\n", NULL);
	CHECK_SPLIT("-- sluice stream 1 0.1.0\n-- sluice frame 12 x.sql\n", NULL);
	CHECK_SPLIT("#", NULL);
	CHECK_SPLIT("--", NULL);
	CHECK_SPLIT("/**/", NULL);
}

static void test_strings(void)
{
	CHECK_SPLIT("SELECT 'a;b'; SELECT \"x;y\";", "SELECT 'a;b'", "SELECT \"x;y\"", NULL);
	CHECK_SPLIT("SELECT 'it\\'s;'; SELECT 2;", "SELECT 'it\\'s;'", "SELECT 2", NULL);
	CHECK_SPLIT("SELECT 'a''b;'; SELECT 2;", "SELECT 'a''b;'", "SELECT 2", NULL);
	CHECK_SPLIT("SELECT \"a\"\"b;\", \"c\\\";\";", "SELECT \"a\"\"b;\", \"c\\\";\"", NULL);
	/* An escaped backslash does not escape the quote after it. */
	CHECK_SPLIT("SELECT '\\\\'; SELECT 2;", "SELECT '\\\\'", "SELECT 2", NULL);
	CHECK_SPLIT("SELECT '\\\\\\';';", "SELECT '\\\\\\';'", NULL);
	/* Quotes of the other kinds inside a string. */
	CHECK_SPLIT("SELECT '\"`;', \"'`;\";", "SELECT '\"`;', \"'`;\"", NULL);
	/* Comment starters inside strings. */
	CHECK_SPLIT("SELECT '-- x;', '# y;', '/* z;';", "SELECT '-- x;', '# y;', '/* z;'", NULL);
	CHECK_SPLIT("INSERT INTO t VALUES (_latin1'a;b',0x3b,X'3B');",
	            "INSERT INTO t VALUES (_latin1'a;b',0x3b,X'3B')", NULL);
	/* A NUL byte is an ordinary byte. */
	static const char nul[] = "SELECT '\0;';\0;";
	struct sl_sqlsplit s;
	struct sl_error err = {0};
	const char *st;
	size_t n;
	sl_sqlsplit_init(&s, NULL, nul, sizeof(nul) - 1);
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), 1);
	CHECK_EQ_MEM(st, n, "SELECT '\0;'");
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), 1);
	CHECK_EQ_MEM(st, n, "\0");
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), 0);
}

static void test_identifiers(void)
{
	CHECK_SPLIT("SELECT `a;b` FROM `c``;d`;", "SELECT `a;b` FROM `c``;d`", NULL);
	/* No backslash escapes in identifiers. */
	CHECK_SPLIT("SELECT `a\\`; SELECT 2;", "SELECT `a\\`", "SELECT 2", NULL);
	CHECK_SPLIT("SELECT `it's`; SELECT \"`\";", "SELECT `it's`", "SELECT \"`\"", NULL);
}

static void test_comments(void)
{
	CHECK_SPLIT("SELECT 1 -- x;y\n, 2; SELECT 3 # z;\n; SELECT /* ; */ 4;",
	            "SELECT 1 -- x;y\n, 2", "SELECT 3", "SELECT /* ; */ 4", NULL);
	/* "--" needs a blank after it (or the end of the input)... */
	CHECK_SPLIT("SELECT 1--1;", "SELECT 1--1", NULL);
	CHECK_SPLIT("SELECT 1 --\n;", "SELECT 1", NULL);
	CHECK_SPLIT("SELECT 1 --\t;\n;", "SELECT 1", NULL);
	CHECK_SPLIT("SELECT 1 --\r\n;", "SELECT 1", NULL);
	CHECK_SPLIT("SELECT 1 --", "SELECT 1", NULL);
	/* ...and "--- " has its comment at the second '-', as in the server. */
	CHECK_SPLIT("SELECT 1 --- c;\n;", "SELECT 1 -", NULL);
	/* ...except at the start of a statement, where the client takes any
	 * "--" for a comment. */
	CHECK_SPLIT("--x;\nSELECT 1;\n--------\n", "SELECT 1", NULL);
	/* Quotes inside comments do not open strings. */
	CHECK_SPLIT("SELECT 1 /* it's */; SELECT 2 -- don't\n; SELECT 3 # \"\n; SELECT 4;",
	            "SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", NULL);
	/* Leading comments go, inner ones stay, trailing ones go. */
	CHECK_SPLIT("-- sluice frame 12 x.sql\n/* a */ # b\nSELECT /* c */ 1 /* d */ -- e\n;",
	            "SELECT /* c */ 1", NULL);
	CHECK_SPLIT("SELECT 1 /* a */ x;", "SELECT 1 /* a */ x", NULL);
	CHECK_SPLIT("SELECT 1 /* a */ /* b */\n# c\n ;", "SELECT 1", NULL);
	CHECK_SPLIT("SELECT 1 # c", "SELECT 1", NULL);
	/* Comments do not nest; "/" "*" "/" does not close one. */
	CHECK_SPLIT("SELECT 1 /* a /* b */ ; SELECT 2 /*/ ; */;", "SELECT 1", "SELECT 2", NULL);
	/* Optimizer hints are ordinary comments to the client, but kept inside. */
	CHECK_SPLIT("SELECT /*+ MAX_EXECUTION_TIME(1) */ 1;",
	            "SELECT /*+ MAX_EXECUTION_TIME(1) */ 1", NULL);
}

static void test_executable_comments(void)
{
	CHECK_SPLIT("/*!40101 SET NAMES binary*/;\n/*M!100101 SET @a=1 */;\n",
	            "/*!40101 SET NAMES binary*/", "/*M!100101 SET @a=1 */", NULL);
	CHECK_SPLIT("/*!40101 SET @a='x;y' */;", "/*!40101 SET @a='x;y' */", NULL);
	/* Statement text inside them, as in the client: a delimiter ends the
	 * statement there too, and an ordinary comment inside is a comment. */
	CHECK_SPLIT("/*!40101 SET @a=1; */;", "/*!40101 SET @a=1", "*/", NULL);
	CHECK_SPLIT("/*!40101 SET @a=1 /* ; */ */;", "/*!40101 SET @a=1 /* ; */ */", NULL);
	/* Not "/" "*" "M" "!": an ordinary comment. */
	CHECK_SPLIT("/*M 1 */ /*!*/;", "/*!*/", NULL);
	/* An unterminated one is not an error here (the server decides). */
	CHECK_SPLIT("/*!40101 SET @a=1", "/*!40101 SET @a=1", NULL);
	/* mysqldump's triggers. */
	CHECK_SPLIT(
	    "DELIMITER ;;\n"
	    "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `trg` "
	    "BEFORE INSERT ON `t` FOR EACH ROW BEGIN\n"
	    "  SET NEW.a = 'x;y';\n"
	    "END */;;\n"
	    "DELIMITER ;\n",
	    "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `trg` "
	    "BEFORE INSERT ON `t` FOR EACH ROW BEGIN\n"
	    "  SET NEW.a = 'x;y';\n"
	    "END */",
	    NULL);
	/* mariadb-dump's first line has no delimiter: it joins the next
	 * statement, which the server runs with the sandbox comment ignored. */
	CHECK_SPLIT("/*M!999999\\- enable the sandbox mode */ \n"
	            "-- MariaDB dump 10.19\n"
	            "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n",
	            "/*M!999999\\- enable the sandbox mode */ \n"
	            "-- MariaDB dump 10.19\n"
	            "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */",
	            NULL);
}

static void test_delimiter(void)
{
	CHECK_SPLIT(
	    "DELIMITER ;;\n"
	    "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a=1; SET @b=';;'; END "
	    ";;\n"
	    "DELIMITER ;\n"
	    "SELECT 1;",
	    "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a=1; SET @b=';;'; END",
	    "SELECT 1", NULL);
	/* Any case, leading blanks, a delimiter of any bytes. */
	CHECK_SPLIT("delimiter //\nSELECT 1//\n  \tDeLiMiTeR $$\nSELECT 2$$ SELECT 3 $$",
	            "SELECT 1", "SELECT 2", "SELECT 3", NULL);
	CHECK_SPLIT("DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\n",
	            "CREATE PROCEDURE p() BEGIN SELECT 1; END", NULL);
	/* Quoted, with the rest of the line ignored; escapes as in the client. */
	CHECK_SPLIT("DELIMITER ';;' ignored\nSELECT 1;;", "SELECT 1", NULL);
	CHECK_SPLIT("DELIMITER \"a b\"\nSELECT 1a b", "SELECT 1", NULL);
	CHECK_SPLIT("DELIMITER '''x'\nSELECT 1'x", "SELECT 1", NULL);
	CHECK_SPLIT("DELIMITER \\;\\;\nSELECT 1;;", "SELECT 1", NULL);
	CHECK_SPLIT("DELIMITER ;; trailing words\nSELECT 1;;", "SELECT 1", NULL);
	/* The longest delimiter. */
	CHECK_SPLIT("DELIMITER 1234567890abcdef\nSELECT 11234567890abcdef SELECT 2", "SELECT 1",
	            "SELECT 2", NULL);
	/* A DELIMITER line at the end without a newline. */
	CHECK_SPLIT("SELECT 1;\nDELIMITER ;;", "SELECT 1", NULL);
	/* The delimiter does not count in strings and comments. */
	CHECK_SPLIT("DELIMITER //\nSELECT '//', `//` /* // */ -- //\n//\nSELECT 1 /* x */ //",
	            "SELECT '//', `//`", "SELECT 1", NULL);
	/* Only the whole delimiter ends a statement. */
	CHECK_SPLIT("DELIMITER ;;\nSELECT 1; SELECT 2;;", "SELECT 1; SELECT 2", NULL);
	CHECK_SPLIT("DELIMITER ;;\nSELECT 1;", "SELECT 1;", NULL);
	/* After a comment line, and in CRLF files. */
	CHECK_SPLIT("-- c\n/* d */\nDELIMITER ;;\r\nSELECT 1;;\r\nDELIMITER ;\r\nSELECT 2;\r\n",
	            "SELECT 1", "SELECT 2", NULL);
	/* Not a DELIMITER line: a longer word, not at the start of a line, or
	 * while a statement is pending (all statement text, as in the client). */
	CHECK_SPLIT("DELIMITERS ;;\n", "DELIMITERS", NULL);
	CHECK_SPLIT("/* c */ DELIMITER ;;\nSELECT 1;", "DELIMITER", "SELECT 1", NULL);
	CHECK_SPLIT("SELECT 1\nDELIMITER ;;\n", "SELECT 1\nDELIMITER", NULL);
	CHECK_SPLIT("SELECT 1 /* x\nDELIMITER ;;\n*/;", "SELECT 1", NULL);
	CHECK_SPLIT("SELECT 'x\nDELIMITER ;;\n';", "SELECT 'x\nDELIMITER ;;\n'", NULL);
	/* Bad DELIMITER lines are errors (the client warns and goes on with
	 * the old delimiter; a loader should not). */
	CHECK_SPLIT_ERR("SELECT 1;\nDELIMITER\nSELECT 2;",
	                "t.sql: byte 10: DELIMITER must be followed by a delimiter", "SELECT 1",
	                NULL);
	CHECK_SPLIT_ERR("DELIMITER   \r\n",
	                "t.sql: byte 0: DELIMITER must be followed by a delimiter", NULL);
	CHECK_SPLIT_ERR("DELIMITER ''\n",
	                "t.sql: byte 0: DELIMITER must be followed by a delimiter", NULL);
	CHECK_SPLIT_ERR("DELIMITER \\\\\n", "t.sql: byte 0: DELIMITER cannot contain a backslash",
	                NULL);
	CHECK_SPLIT_ERR("DELIMITER 1234567890abcdefg\n",
	                "t.sql: byte 0: DELIMITER longer than 16 bytes", NULL);
	CHECK_SPLIT_ERR("  DELIMITER 'ab\n", "t.sql: byte 2: DELIMITER with an unterminated quote",
	                NULL);
}

/* Object files: a ';' that ends a line ends a statement (myloader's form);
 * a DELIMITER line takes over (mysqldump's form), and the two read alike. */
static void test_line_end(void)
{
	CHECK_SPLIT_MODES(4,
	                  "SET NAMES utf8mb4;\nUSE `d`;\n"
	                  "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW\nBEGIN\n"
	                  "  SET @a = 1; \n  SET @b = 'x;\\n'; \nEND;\n"
	                  "SET SQL_MODE='';\n",
	                  "SET NAMES utf8mb4", "USE `d`",
	                  "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW\nBEGIN\n"
	                  "  SET @a = 1; \n  SET @b = 'x;\\n'; \nEND",
	                  "SET SQL_MODE=''", NULL);
	/* The same objects in the mysqldump form. */
	CHECK_SPLIT_MODES(4,
	                  "SET NAMES utf8mb4;\nUSE `d`;\nDELIMITER ;;\n"
	                  "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW\nBEGIN\n"
	                  "  SET @a = 1;\n  SET @b = 'x;\\n';\nEND ;;\n"
	                  "DELIMITER ;\nSET SQL_MODE='';\n",
	                  "SET NAMES utf8mb4", "USE `d`",
	                  "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW\nBEGIN\n"
	                  "  SET @a = 1;\n  SET @b = 'x;\\n';\nEND",
	                  "SET SQL_MODE=''", NULL);
	/* ';' followed by anything but a line end is statement text; quotes and
	 * comments hide a line end; the end of the input ends the last one. */
	CHECK_SPLIT_MODES(4, "SELECT 1; SELECT 2;\r\nSELECT ';\n' -- x;\n;\nSELECT 3;",
	                  "SELECT 1; SELECT 2;\r\nSELECT ';\n'", "SELECT 3;", NULL);
	/* Empty statements, and a DELIMITER line right after a statement. */
	CHECK_SPLIT_MODES(4, ";\n;\nSELECT 1;\nDELIMITER $$\nSELECT 2$$\n", "SELECT 1", "SELECT 2",
	                  NULL);
}

static void test_crlf(void)
{
	CHECK_SPLIT("SELECT 1;\r\nSELECT 2;\r\n", "SELECT 1", "SELECT 2", NULL);
	CHECK_SPLIT("-- c\r\nSELECT\r\n 1\r\n;\r\n# d\r\n", "SELECT\r\n 1", NULL);
}

static void test_bom(void)
{
	CHECK_SPLIT("\xEF\xBB\xBFSELECT 1;", "SELECT 1", NULL);
	CHECK_SPLIT("\xEF\xBB\xBF", NULL);
	/* Only at the start of the input. */
	CHECK_SPLIT("SELECT 1;\xEF\xBB\xBFSELECT 2;", "SELECT 1", "\xEF\xBB\xBFSELECT 2", NULL);
	CHECK_SPLIT("\xEF\xBB", "\xEF\xBB", NULL);
}

static void test_errors(void)
{
	CHECK_SPLIT_ERR("SELECT 'abc", "t.sql: byte 7: unterminated string", NULL);
	CHECK_SPLIT_ERR("SELECT \"abc;", "t.sql: byte 7: unterminated string", NULL);
	CHECK_SPLIT_ERR("SELECT 'a\\'", "t.sql: byte 7: unterminated string", NULL);
	CHECK_SPLIT_ERR("SELECT 'a\\", "t.sql: byte 7: unterminated string", NULL);
	CHECK_SPLIT_ERR("SELECT `abc;", "t.sql: byte 7: unterminated quoted identifier", NULL);
	CHECK_SPLIT_ERR("SELECT 1 /* abc;", "t.sql: byte 9: unterminated comment", NULL);
	CHECK_SPLIT_ERR("/* abc", "t.sql: byte 0: unterminated comment", NULL);
	CHECK_SPLIT_ERR("/*", "t.sql: byte 0: unterminated comment", NULL);
	CHECK_SPLIT_ERR("SELECT 1;\nSELECT 2; SELECT 'x;\n", "t.sql: byte 27: unterminated string",
	                "SELECT 1", "SELECT 2", NULL);
	/* Without a name there is no prefix. */
	struct sl_sqlsplit s;
	struct sl_error err = {0};
	const char *st;
	size_t n;
	sl_sqlsplit_init(&s, NULL, "'", 1);
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), SL_EFORMAT);
	CHECK_EQ_STR(err.msg, "byte 0: unterminated string");
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), SL_EFORMAT);
}

static void test_modes(void)
{
	/* NO_BACKSLASH_ESCAPES: a backslash is an ordinary byte in strings. */
	CHECK_SPLIT_MODES(1, "SELECT 'a\\'; SELECT \"b\\\";", "SELECT 'a\\'", "SELECT \"b\\\"",
	                  NULL);
	/* ANSI_QUOTES: "..." is an identifier, without escapes. */
	CHECK_SPLIT_MODES(2, "SELECT \"a\\\"; SELECT 'b\\';';", "SELECT \"a\\\"", "SELECT 'b\\';'",
	                  NULL);
	CHECK_SPLIT_MODES(3, "SELECT 'a\\', \"b\\\"; SELECT `c\\`;", "SELECT 'a\\', \"b\\\"",
	                  "SELECT `c\\`", NULL);
	CHECK_SPLIT_MODES(1, "SELECT 'a''b;';", "SELECT 'a''b;'", NULL);

	/* They may change between statements, as the loader reads them from
	 * the server's status after each one. */
	static const char in[] = "SELECT 'a\\';'; SELECT 'b\\'; SELECT 'c\\';';";
	struct sl_sqlsplit s;
	struct sl_error err = {0};
	const char *st;
	size_t n;
	sl_sqlsplit_init(&s, NULL, in, sizeof(in) - 1);
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), 1);
	CHECK_EQ_MEM(st, n, "SELECT 'a\\';'");
	s.no_backslash_escapes = true;
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), 1);
	CHECK_EQ_MEM(st, n, "SELECT 'b\\'");
	s.no_backslash_escapes = false;
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), 1);
	CHECK_EQ_MEM(st, n, "SELECT 'c\\';'");
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), 0);
	CHECK_EQ_INT(sl_sqlsplit_next(&s, &st, &n, &err), 0);
}

/* Strings, escapes and comment starters at every position around the
 * 16- and 64-byte boundaries of the fast paths. */
static void test_block_edges(void)
{
	static const char *const tails[] = {
	    "'\\';x\\\\'", "'a''b;'",  "\"\\\";\"", "`;``x`",     "-1-2",
	    "2/3",         "/* ; */x", "/*!1 ;*/",  "'\\\\\\\\'",
	};
	char in[420], want[400];
	for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
		for (size_t k = 0; k < 140; k++) {
			int n = snprintf(
			    want, sizeof(want), "S %.*s%s", (int)k,
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaa",
			    tails[t]);
			if (strcmp(tails[t], "/*!1 ;*/") == 0) {
				/* the ';' inside ends the statement there */
				snprintf(in, sizeof(in), "%s;S 2;", want);
				want[n - 4] = '\0';
				check_split(__LINE__, in, strlen(in), 0,
				            (const char *const[]){want, "*/", "S 2", NULL}, NULL);
				continue;
			}
			snprintf(in, sizeof(in), "%s;S 2;", want);
			check_split(__LINE__, in, strlen(in), 0,
			            (const char *const[]){want, "S 2", NULL}, NULL);
		}
	}
}

/* A real sluice data file body (fidelity.t_strings): every statement is a
 * line without its ';'. */
static const char data_body[] =
    "/*!40101 SET NAMES binary*/;\n"
    "/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
    "/*!40014 SET UNIQUE_CHECKS=0*/;\n"
    "/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'*/;\n"
    "/*!40103 SET TIME_ZONE='+00:00'*/;\n"
    "USE `fidelity`;\n"
    "INSERT INTO `t_strings` (`id`,`s`,`t`,`c`,`note`) VALUES (1,NULL,NULL,NULL,'SQL "
    "NULL'),(2,'','','','empty string'),(3,'NULL','NULL','NULL','the string "
    "NULL'),(4,'null','\\\\N','N','lowercase null, backslash-N'),(5,' ','  "
    "','','spaces'),(6,'trailing  ','trailing\t','x','trailing space kept in "
    "VARCHAR'),(7,'tab\there','new\\nline and\\r\\ncrlf','a\tb','control "
    "characters'),(8,'quote \\' and \\\"double\\\" and `tick`','back\\\\slash \\\\\\\\ "
    "two','\\\\','quotes and backslashes'),(9,'nul\\0inside','\\0\\0','\\0','NUL characters in "
    "text'),(10,'-- sluice frame 10 fake.t.00000.sql','\\n-- sluice end ok\\n-- sluice trailer 3 "
    "ok\\n','-- x','stream markers in data'),(11,'/*!40101 SET NAMES latin1 */;','DELIMITER "
    ";;\\nDROP DATABASE fidelity;;\\n','*/','SQL comments and delimiters in "
    "data'),(12,'SIGNAL SQLSTATE \\'45000\\'',');INSERT INTO x VALUES (1','\\'','SQL "
    "injection shapes'),(13,'\\Z\010\177','ctrl-z, backspace, DEL','%_','more control "
    "characters, LIKE wildcards'),(14,'0x41','0b1','1e3','strings that look like literals');\n"
    "INSERT INTO `t_native` (`id`,`ip6`) VALUES "
    "(1,_latin1'::1'),(2,_latin1'2001:db8::ff00:42:8329'),"
    "(3,0x3b27),(4,NULL);\n";

static void test_data_body(void)
{
	struct sl_sqlsplit s;
	struct sl_error err = {0};
	const char *st, *line = data_body;
	size_t n, count = 0;
	int rc;

	sl_sqlsplit_init(&s, "fidelity.t_strings.00000.sql", data_body, sizeof(data_body) - 1);
	while ((rc = sl_sqlsplit_next(&s, &st, &n, &err)) == 1) {
		const char *eol = strchr(line, '\n');
		CHECK(st == line);
		CHECK(eol && st + n + 1 == eol && st[n] == ';');
		line = eol ? eol + 1 : line;
		count++;
	}
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(count, 8);
	CHECK(*line == '\0');

	/* The same in pieces. */
	struct result whole, part;
	run(data_body, sizeof(data_body) - 1, 0, 0, &whole);
	for (size_t step = 1; step < 300; step += 37) {
		run(data_body, sizeof(data_body) - 1, step, 0, &part);
		CHECK_EQ_INT(part.n, whole.n);
		CHECK(memcmp(part.off, whole.off, sizeof(whole.off)) == 0);
		CHECK(memcmp(part.len, whole.len, sizeof(whole.len)) == 0);
	}
}

/* A real sluice DDL body: a triggers file (fidelity.order) and routines
 * from a post file, with ';' in names, strings and comments. */
static void test_ddl_body(void)
{
	CHECK_SPLIT(
	    "/*!40101 SET NAMES utf8mb4*/;\n"
	    "/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
	    "USE `fidelity`;\n"
	    "DELIMITER ;;\n"
	    "/*!50003 SET SESSION "
	    "SQL_MODE='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_"
	    "ENGINE_"
	    "SUBSTITUTION' */;;\n"
	    "CREATE DEFINER=`root`@`localhost` TRIGGER `trg order;bi` BEFORE INSERT ON `order` FOR "
	    "EACH ROW\n"
	    "BEGIN\n"
	    "  \n"
	    "  SET NEW.`desc` = CONCAT('[', IFNULL(NEW.`desc`, 'none'), '];');\n"
	    "  INSERT INTO t_audit (action, ref_id) VALUES ('order', NEW.id);\n"
	    "END ;;\n"
	    "/*!50003 SET SESSION SQL_MODE='PIPES_AS_CONCAT' */;;\n"
	    "CREATE DEFINER=`root`@`localhost` FUNCTION `f weird``name`(s VARCHAR(20)) RETURNS "
	    "varchar(40) CHARSET utf8mb4 COLLATE utf8mb4_general_ci\n"
	    "    NO SQL\n"
	    "    DETERMINISTIC\n"
	    "RETURN CONCAT('\xC2\xAB', s, '\xC2\xBB') ;;\n"
	    "CREATE DEFINER=`root`@`localhost` PROCEDURE `p_tricky`(IN n INT, OUT s VARCHAR(200))\n"
	    "    NO SQL\n"
	    "    COMMENT 'has ;; and $$ and // inside'\n"
	    "BEGIN\n"
	    "  DECLARE x VARCHAR(100) DEFAULT 'semi;colon ;; dollar $$ slash // end';\n"
	    "  SET s = CONCAT(x, ':', n);\n"
	    "END ;;\n"
	    "DELIMITER ;\n"
	    "/*!50003 SET SESSION SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES' */;\n",
	    "/*!40101 SET NAMES utf8mb4*/", "/*!40014 SET FOREIGN_KEY_CHECKS=0*/", "USE `fidelity`",
	    "/*!50003 SET SESSION "
	    "SQL_MODE='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_"
	    "ENGINE_"
	    "SUBSTITUTION' */",
	    "CREATE DEFINER=`root`@`localhost` TRIGGER `trg order;bi` BEFORE INSERT ON `order` FOR "
	    "EACH ROW\n"
	    "BEGIN\n"
	    "  \n"
	    "  SET NEW.`desc` = CONCAT('[', IFNULL(NEW.`desc`, 'none'), '];');\n"
	    "  INSERT INTO t_audit (action, ref_id) VALUES ('order', NEW.id);\n"
	    "END",
	    "/*!50003 SET SESSION SQL_MODE='PIPES_AS_CONCAT' */",
	    "CREATE DEFINER=`root`@`localhost` FUNCTION `f weird``name`(s VARCHAR(20)) RETURNS "
	    "varchar(40) CHARSET utf8mb4 COLLATE utf8mb4_general_ci\n"
	    "    NO SQL\n"
	    "    DETERMINISTIC\n"
	    "RETURN CONCAT('\xC2\xAB', s, '\xC2\xBB')",
	    "CREATE DEFINER=`root`@`localhost` PROCEDURE `p_tricky`(IN n INT, OUT s VARCHAR(200))\n"
	    "    NO SQL\n"
	    "    COMMENT 'has ;; and $$ and // inside'\n"
	    "BEGIN\n"
	    "  DECLARE x VARCHAR(100) DEFAULT 'semi;colon ;; dollar $$ slash // end';\n"
	    "  SET s = CONCAT(x, ':', n);\n"
	    "END",
	    "/*!50003 SET SESSION SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES' */", NULL);
}

/* A big INSERT of random values (quotes, escapes, delimiters, comment
 * starters in strings; negative numbers and hex outside), split whole and
 * in pieces. */
static void test_big_insert(void)
{
	static const char alphabet[] = "ab;'\"`\\-#/*!\n\r\t\0xyz DELIMITER";
	size_t cap = 400000, len = 0;
	char *in = sl_malloc(cap);
	unsigned long x = 12345;
	size_t nstmt = 0;

	CHECK(in != NULL);
	if (!in)
		return;
	while (len < cap - 1000) {
		len += (size_t)snprintf(in + len, cap - len, "INSERT INTO `t;x` VALUES ");
		for (int row = 0; row < 200 && len < cap - 1000; row++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			len += (size_t)snprintf(in + len, cap - len, "%s(%ld,-%lu,0x3b2d2d,'",
			                        row ? "," : "", (long)(x >> 40) - 100000,
			                        (x >> 20) & 0xffff);
			for (int k = (int)((x >> 33) % 40); k > 0; k--) {
				x = x * 6364136223846793005UL + 1442695040888963407UL;
				char c = alphabet[(x >> 35) % (sizeof(alphabet) - 1)];
				if (c == '\'' || c == '\\')
					in[len++] = '\\';
				in[len++] = c;
			}
			len += (size_t)snprintf(in + len, cap - len, "',NULL)");
		}
		len += (size_t)snprintf(in + len, cap - len, ";\n");
		nstmt++;
	}
	struct result whole, part;
	run(in, len, 0, 0, &whole);
	CHECK_EQ_INT(whole.rc, 0);
	CHECK_EQ_INT(whole.n, nstmt);
	for (size_t i = 0; i < whole.n && i < MAXST; i++)
		CHECK(whole.len[i] > 0 && in[whole.off[i] + whole.len[i]] == ';' &&
		      in[whole.off[i] + whole.len[i] + 1] == '\n');
	run(in, len, 4093, 0, &part);
	CHECK_EQ_INT(part.rc, 0);
	CHECK_EQ_INT(part.n, whole.n);
	CHECK(memcmp(part.off, whole.off, sizeof(whole.off)) == 0);
	CHECK(memcmp(part.len, whole.len, sizeof(whole.len)) == 0);
	sl_free(in);
}

int main(void)
{
	UNIT_RUN(test_basic);
	UNIT_RUN(test_empty);
	UNIT_RUN(test_strings);
	UNIT_RUN(test_identifiers);
	UNIT_RUN(test_comments);
	UNIT_RUN(test_executable_comments);
	UNIT_RUN(test_delimiter);
	UNIT_RUN(test_line_end);
	UNIT_RUN(test_crlf);
	UNIT_RUN(test_bom);
	UNIT_RUN(test_errors);
	UNIT_RUN(test_modes);
	UNIT_RUN(test_block_edges);
	UNIT_RUN(test_data_body);
	UNIT_RUN(test_ddl_body);
	UNIT_RUN(test_big_insert);
	return UNIT_DONE();
}
