/* test_sqlscan.c - unit tests for core/format/sqlscan.c.
 *
 * sl_sql_check_select: plain SELECTs (WITH, VALUES, parentheses, comments,
 * a trailing ';', keywords inside strings and quoted names) pass; other
 * statements, second statements, INTO, locking reads, sequence changes,
 * user locks, executable comments and unterminated text are refused with a
 * reason.  sl_sql_table_refs: the tables after FROM, JOIN, INTO, UPDATE
 * (comma lists, aliases, qualified and quoted names), not functions or
 * derived tables; the definitions information_schema shows for views and
 * trigger bodies. */
#include <stdio.h>
#include <string.h>

#include "format/sqlscan.h"
#include "unit.h"

static int check(const char *sql, char *why)
{
	return sl_sql_check_select(sql, strlen(sql), why, 160);
}

static void test_check_select(void)
{
	char why[160];
	static const char *const ok[] = {"SELECT 1",
	                                 "  select id from t where x = 'INTO OUTFILE' -- INTO\n",
	                                 "WITH RECURSIVE r AS (SELECT 1 n UNION ALL SELECT n + 1 "
	                                 "FROM r WHERE n < 3) SELECT * FROM r",
	                                 "(SELECT `into` FROM `t;u`) UNION (SELECT 2);",
	                                 "VALUES (1), (2)",
	                                 "SELECT /* a comment; with INTO */ 1 # and another\n",
	                                 "SELECT \"FOR UPDATE\", 'it''s', 'a\\'b' FROM t",
	                                 "SELECT PREVIOUS VALUE FOR s",
	                                 NULL};
	for (size_t i = 0; ok[i]; i++) {
		why[0] = '\0';
		int rc = check(ok[i], why);
		if (rc)
			fprintf(stderr, "refused: %s (%s)\n", ok[i], why);
		CHECK_EQ_INT(rc, 0);
	}
	static const struct {
		const char *sql, *why;
	} bad[] = {{"", "an empty query"},
	           {"DELETE FROM t", "not 'DELETE'"},
	           {"SET @a = 1", "not 'SET'"},
	           {"SELECT 1; DROP TABLE t", "one statement only"},
	           {"SELECT * FROM t INTO OUTFILE '/tmp/x'", "'INTO' is not allowed"},
	           {"SELECT 1 INTO @v", "'INTO' is not allowed"},
	           {"SELECT * FROM t FOR UPDATE", "locking reads"},
	           {"SELECT * FROM t LOCK IN SHARE MODE", "locking reads"},
	           {"SELECT * FROM t FOR SHARE", "locking reads"},
	           {"SELECT NEXTVAL(s)", "'NEXTVAL' is not allowed"},
	           {"SELECT NEXT VALUE FOR s", "NEXT VALUE changes a sequence"},
	           {"SELECT SETVAL(s, 5)", "'SETVAL' is not allowed"},
	           {"SELECT GET_LOCK('x', 10)", "'GET_LOCK' is not allowed"},
	           {"SELECT 1 /*!50000 INTO OUTFILE '/tmp/x' */", "executable comments"},
	           {"SELECT 1 /*M!100000 ; DROP TABLE t */", "executable comments"},
	           {"SELECT 'open", "does not end"},
	           {"SELECT 1 /* open", "does not end"},
	           {NULL, NULL}};
	for (size_t i = 0; bad[i].sql; i++) {
		why[0] = '\0';
		CHECK_EQ_INT(check(bad[i].sql, why), -1);
		if (!strstr(why, bad[i].why))
			fprintf(stderr, "%s: reason '%s' lacks '%s'\n", bad[i].sql, why,
			        bad[i].why);
		CHECK(strstr(why, bad[i].why) != NULL);
	}
}

struct refs {
	char text[1024];
	int stop_after; /* stop (return 7) at this call; 0: never */
	int calls;
};

static int add_ref(void *ud, const char *schema, const char *name)
{
	struct refs *r = ud;
	size_t n = strlen(r->text);
	snprintf(r->text + n, sizeof(r->text) - n, "%s%s%s%s", n ? " " : "", schema ? schema : "",
	         schema ? "." : "", name);
	return ++r->calls == r->stop_after ? 7 : 0;
}

static const char *refs_of(const char *sql, struct refs *r)
{
	memset(r, 0, sizeof(*r));
	sl_sql_table_refs(sql, strlen(sql), add_ref, r);
	return r->text;
}

static void test_table_refs(void)
{
	struct refs r;
	/* As information_schema.VIEWS shows a definition. */
	CHECK_EQ_STR(
	    refs_of("select `r`.`id` AS `id`,`c`.`name` AS `customer` from ((`db`.`rental` "
	            "`r` join `db`.`customer` `c` on(`c`.`id` = `r`.`customer_id`)) join "
	            "`other`.`inventory` `i` on(`i`.`id` = `r`.`inventory_id`))",
	            &r),
	    "db.rental db.customer other.inventory");
	CHECK_EQ_STR(
	    refs_of("SELECT * FROM a, b AS x, `c d` y WHERE a.id IN (SELECT id FROM e)", &r),
	    "a b c d e");
	CHECK_EQ_STR(refs_of("select * from json_table('[]', '$[*]' columns (x int path '$')) j "
	                     "join t on 1",
	                     &r),
	             "t");
	CHECK_EQ_STR(refs_of("select * from (select 1) d, `db`.`t`", &r), "");
	/* Trigger bodies. */
	CHECK_EQ_STR(
	    refs_of("BEGIN INSERT INTO audit (what) VALUES (NEW.id); UPDATE stock s, items i "
	            "SET s.n = 1; DELETE FROM `log` WHERE 1; SELECT COUNT(*) INTO cnt FROM "
	            "x.y; END",
	            &r),
	    "audit stock items log cnt x.y");
	CHECK_EQ_STR(refs_of("INSERT INTO t SELECT * FROM 'FROM s' /* FROM u */ -- FROM v\n", &r),
	             "t");
	CHECK_EQ_STR(refs_of("SELECT 1 /*!50000 FROM hidden */", &r), "hidden");
	CHECK_EQ_STR(refs_of("SELECT `a``b`.`c` FROM `a``b`.`c`", &r), "a`b.c");
	/* fn's non-zero result stops the walk and comes back. */
	memset(&r, 0, sizeof(r));
	r.stop_after = 2;
	CHECK_EQ_INT(sl_sql_table_refs("SELECT * FROM a JOIN b JOIN c", 29, add_ref, &r), 7);
	CHECK_EQ_STR(r.text, "a b");
	/* Text that does not end is read up to where it stops. */
	CHECK_EQ_STR(refs_of("SELECT * FROM a WHERE x = 'open", &r), "a");
}

int main(void)
{
	UNIT_RUN(test_check_select);
	UNIT_RUN(test_table_refs);
	return UNIT_DONE();
}
