/* test_myloader.c - unit tests for object files in myloader's form
 * (core/format/myloader.c): mysqldump's DELIMITER form rewritten, ';' at
 * line ends inside code, comments, strings (both quoting modes) and
 * identifiers, views with their placeholder's DROP, idempotence, errors,
 * and placeholder tables.  Every output is also cut the way myloader 0.10
 * cuts a file (at each line that ends in ";\n") and must give exactly the
 * statements the converter meant. */
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "format/myloader.h"
#include "unit.h"

/* How many statements myloader sends for 'text': one at each "...;\n"
 * line, plus a rest without one. */
static size_t myloader_statements(const char *text)
{
	size_t n = 0;
	const char *p = text;
	for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if (nl > text && nl[-1] == ';')
			n++;
	return n + (*p != '\0');
}

/* Convert 'in' and compare with 'want', which holds 'nstmt' statements. */
static void check_form(int line, const char *in, const char *view, const char *want, size_t nstmt)
{
	struct sl_buf out = SL_BUF_INIT, again = SL_BUF_INIT;
	struct sl_error err = {0};
	int rc = sl_myloader_objects(&out, "t.sql", in, strlen(in), view, &err);
	const char *got = out.data ? out.data : "";
	if (rc != 0 || strcmp(got, want) != 0) {
		fprintf(stderr, "line %d: rc %d (%s)\ngot:\n%s\nwant:\n%s\n", line, rc, err.msg,
		        got, want);
		CHECK(0);
	}
	if (myloader_statements(got) != nstmt) {
		fprintf(stderr, "line %d: myloader sends %zu statements, want %zu\n", line,
		        myloader_statements(got), nstmt);
		CHECK(0);
	}
	/* The form is stable: converting it again changes nothing. */
	rc = sl_myloader_objects(&again, "t.sql", got, strlen(got), NULL, &err);
	if (rc != 0 || strcmp(again.data ? again.data : "", got) != 0) {
		fprintf(stderr, "line %d: not stable:\n%s\n", line, again.data ? again.data : "");
		CHECK(0);
	}
	sl_buf_free(&out);
	sl_buf_free(&again);
}

#define FORM(in, want, n)            check_form(__LINE__, in, NULL, want, n)
#define FORM_VIEW(in, view, want, n) check_form(__LINE__, in, view, want, n)

/* What schema.c writes for a trigger, and what a directory holds. */
static void test_delimiter_form(void)
{
	FORM("/*!40101 SET NAMES utf8mb4*/;\n"
	     "USE `d`;\n"
	     "DELIMITER ;;\n"
	     "/*!50003 SET SESSION SQL_MODE='STRICT_TRANS_TABLES' */;;\n"
	     "CREATE DEFINER=`root`@`localhost` TRIGGER `t;bi` BEFORE INSERT ON `t` FOR EACH ROW\n"
	     "BEGIN\n"
	     "  SET NEW.a = 1;\n"
	     "  INSERT INTO log VALUES (NEW.id);\n"
	     "END ;;\n"
	     "DELIMITER ;\n"
	     "/*!50003 SET SESSION SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n",
	     "/*!40101 SET NAMES utf8mb4*/;\n"
	     "USE `d`;\n"
	     "/*!50003 SET SESSION SQL_MODE='STRICT_TRANS_TABLES' */;\n"
	     "CREATE DEFINER=`root`@`localhost` TRIGGER `t;bi` BEFORE INSERT ON `t` FOR EACH ROW\n"
	     "BEGIN\n"
	     "  SET NEW.a = 1; \n"
	     "  INSERT INTO log VALUES (NEW.id); \n"
	     "END;\n"
	     "/*!50003 SET SESSION SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n",
	     5);
	/* An event on one line, a last statement with its own ';'. */
	FORM("DELIMITER ;;\nCREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t ;;\n"
	     "DELIMITER ;\nSELECT 1;",
	     "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t;\nSELECT 1;\n", 2);
}

/* A ';' at a line's end inside a statement, wherever it stands. */
static void test_line_ends(void)
{
	/* Comments: a blank before the line end. */
	FORM("DELIMITER ;;\nCREATE PROCEDURE p()\nBEGIN\n  -- note;\n  /* a;\n  b */ SELECT 1;\n"
	     "  # c;\nEND;;\n",
	     "CREATE PROCEDURE p()\nBEGIN\n  -- note; \n  /* a; \n  b */ SELECT 1; \n  # c; \n"
	     "END;\n",
	     1);
	/* Strings: the line break as the escape \n, in '...' and "..."; an
	 * escaped ';' or quote before it does not matter. */
	FORM("DELIMITER ;;\nCREATE FUNCTION f() RETURNS TEXT RETURN CONCAT('a;\nb', \"c;\nd\", "
	     "'e\\';\nf', 'g\\;\nh');;\n",
	     "CREATE FUNCTION f() RETURNS TEXT RETURN CONCAT('a;\\nb', \"c;\\nd\", 'e\\';\\nf', "
	     "'g\\;\\nh');\n",
	     1);
	/* Under NO_BACKSLASH_ESCAPES a backslash is a byte: the literal is
	 * closed and opened again around the line break. */
	FORM("SET SESSION SQL_MODE='NO_BACKSLASH_ESCAPES';\nDELIMITER ;;\n"
	     "CREATE FUNCTION f() RETURNS TEXT RETURN 'a\\;\nb';;\n",
	     "SET SESSION SQL_MODE='NO_BACKSLASH_ESCAPES';\n"
	     "CREATE FUNCTION f() RETURNS TEXT RETURN 'a\\;' '\nb';\n",
	     2);
	/* Under ANSI_QUOTES "..." is an identifier, which cannot be written
	 * otherwise: left as it is (myloader cuts there; sluice does not). */
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err = {0};
	static const char ansi[] = "SET SQL_MODE='ANSI';\nDELIMITER ;;\n"
	                           "CREATE VIEW \"v;\nw\" AS SELECT 'x;\ny';;\n";
	CHECK_EQ_INT(0, sl_myloader_objects(&out, "t.sql", ansi, strlen(ansi), NULL, &err));
	CHECK_EQ_STR("SET SQL_MODE='ANSI';\nCREATE VIEW \"v;\nw\" AS SELECT 'x;\\ny';\n", out.data);
	sl_buf_free(&out);
	/* Backtick identifiers are the same in every mode. */
	static const char bq[] = "DELIMITER ;;\nCREATE VIEW `v;\nw` AS SELECT 1;;\n";
	CHECK_EQ_INT(0, sl_myloader_objects(&out, "t.sql", bq, strlen(bq), NULL, &err));
	CHECK_EQ_STR("CREATE VIEW `v;\nw` AS SELECT 1;\n", out.data);
	sl_buf_free(&out);
}

/* A view whose placeholder table myloader created first. */
static void test_view(void)
{
	FORM_VIEW("/*!40101 SET NAMES utf8mb4*/;\nUSE `d`;\n"
	          "CREATE ALGORITHM=UNDEFINED VIEW `d`.`v``x` AS select 1 AS `a`;\n",
	          "v`x",
	          "/*!40101 SET NAMES utf8mb4*/;\nUSE `d`;\n"
	          "DROP TABLE IF EXISTS `v``x`;\nDROP VIEW IF EXISTS `v``x`;\n"
	          "CREATE ALGORITHM=UNDEFINED VIEW `d`.`v``x` AS select 1 AS `a`;\n",
	          5);
}

static void test_errors(void)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err = {0};
	static const char bad[] = "DELIMITER ;;\nCREATE PROCEDURE p() SELECT 'open;;\n";
	CHECK_EQ_INT(SL_EFORMAT, sl_myloader_objects(&out, "t.sql", bad, strlen(bad), NULL, &err));
	CHECK_EQ_STR("t.sql: byte 41: unterminated string", err.msg);
	sl_buf_free(&out);
	static const char baddelim[] = "DELIMITER\nSELECT 1;\n";
	CHECK_EQ_INT(SL_EFORMAT,
	             sl_myloader_objects(&out, "t.sql", baddelim, strlen(baddelim), NULL, &err));
	sl_buf_free(&out);
	/* The delimiter '!' cuts a versioned comment's opening: the statement
	 * ends in an open comment, which its ";\n" would carry over the next. */
	static const char cut[] = "DELIMITER !\nSELECT 1 /*!\nSELECT 2 */!\n";
	err = (struct sl_error){0}; /* the first error is kept */
	CHECK_EQ_INT(SL_EFORMAT, sl_myloader_objects(&out, "t.sql", cut, strlen(cut), NULL, &err));
	CHECK_EQ_STR("t.sql: byte 12: the statement that begins there ends inside a comment",
	             err.msg);
	sl_buf_free(&out);
	static const char cut_m[] = "DELIMITER !\nSELECT 1 /*M!\nSELECT 2 */!\n";
	CHECK_EQ_INT(SL_EFORMAT,
	             sl_myloader_objects(&out, "t.sql", cut_m, strlen(cut_m), NULL, &err));
	sl_buf_free(&out);
	/* Nothing in, nothing out. */
	CHECK_EQ_INT(0, sl_myloader_objects(&out, "t.sql", "", 0, NULL, &err));
	CHECK_EQ_INT(0, out.len);
	sl_buf_free(&out);
}

static void test_placeholder(void)
{
	struct sl_column cols[] = {
	    {.name = "id", .data_type = "int", .column_type = "int(11)"},
	    {.name = "the name", .data_type = "varchar", .column_type = "varchar(255)"},
	    {.name = "b`x", .data_type = "varbinary", .column_type = "varbinary(16)"},
	    {.name = "pt", .data_type = "point", .column_type = "point"},
	    {.name = "e", .data_type = "enum", .column_type = "enum('a','b')"},
	};
	struct sl_table t = {
	    .schema = "d", .name = "v", .kind = SL_TABLE_VIEW, .ncols = 5, .cols = cols};
	struct sl_buf out = SL_BUF_INIT;
	CHECK_EQ_INT(0, sl_myloader_placeholder(&out, &t, "v2"));
	CHECK_EQ_STR("/*!40101 SET NAMES utf8mb4*/;\nCREATE TABLE `v2`(\n`id` int(11),\n"
	             "`the name` text,\n`b``x` blob,\n`pt` point,\n`e` enum('a','b')\n"
	             ")ENGINE=MyISAM;\n",
	             out.data);
	CHECK_EQ_INT(2, myloader_statements(out.data));
	sl_buf_free(&out);
}

int main(void)
{
	UNIT_RUN(test_delimiter_form);
	UNIT_RUN(test_line_ends);
	UNIT_RUN(test_view);
	UNIT_RUN(test_errors);
	UNIT_RUN(test_placeholder);
	return UNIT_DONE();
}
