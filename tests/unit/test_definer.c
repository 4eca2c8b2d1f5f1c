/* test_definer.c - unit tests for the DEFINER clause (core/format/definer.c):
 * every object kind and account spelling SHOW CREATE and mysqldump write,
 * versioned comments, and what must stay (SQL SECURITY DEFINER, bodies,
 * statements that are no CREATE). */
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "format/definer.h"
#include "unit.h"

/* Strip 'in' and compare with 'want'; 'stripped': whether a clause goes. */
static void check_strip(int line, const char *in, const char *want, bool stripped)
{
	struct sl_buf out = SL_BUF_INIT;
	int rc = sl_definer_strip(&out, in, strlen(in));
	if (rc != (stripped ? 1 : 0) || strcmp(out.data ? out.data : "", want) != 0) {
		fprintf(stderr, "line %d: got %d \"%s\", want %d \"%s\"\n", line, rc,
		        out.data ? out.data : "", stripped ? 1 : 0, want);
		CHECK(0);
	}
	sl_buf_free(&out);
}

#define STRIPPED(in, want) check_strip(__LINE__, in, want, true)
#define KEPT(in)           check_strip(__LINE__, in, in, false)

static void test_objects(void)
{
	STRIPPED("CREATE DEFINER=`root`@`localhost` TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET "
	         "@a = 1",
	         "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1");
	STRIPPED(
	    "CREATE ALGORITHM=UNDEFINED DEFINER=`app`@`%` SQL SECURITY DEFINER VIEW `d`.`v` AS "
	    "select 1",
	    "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `d`.`v` AS select 1");
	STRIPPED("CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()\nBEGIN\n  SELECT 1;\nEND",
	         "CREATE PROCEDURE `p`()\nBEGIN\n  SELECT 1;\nEND");
	STRIPPED("CREATE DEFINER=`a``b`@`h` FUNCTION f() RETURNS INT RETURN 1",
	         "CREATE FUNCTION f() RETURNS INT RETURN 1");
	STRIPPED("CREATE DEFINER=`root`@`localhost` EVENT `e` ON SCHEDULE EVERY 1 DAY DO SELECT 1",
	         "CREATE EVENT `e` ON SCHEDULE EVERY 1 DAY DO SELECT 1");
	STRIPPED("CREATE OR REPLACE DEFINER = 'u' @'h' AGGREGATE FUNCTION f() RETURNS INT RETURN 1",
	         "CREATE OR REPLACE AGGREGATE FUNCTION f() RETURNS INT RETURN 1");
	STRIPPED("create definer=root@localhost view v as select 1", "create view v as select 1");
}

static void test_accounts(void)
{
	STRIPPED("CREATE DEFINER=CURRENT_USER TRIGGER t", "CREATE TRIGGER t");
	STRIPPED("CREATE DEFINER=CURRENT_USER ( ) TRIGGER t", "CREATE TRIGGER t");
	STRIPPED("CREATE DEFINER=`a_role` PROCEDURE p() SELECT 1", "CREATE PROCEDURE p() SELECT 1");
	STRIPPED("CREATE DEFINER='it''s'@'10.0.0.%' VIEW v AS SELECT 1",
	         "CREATE VIEW v AS SELECT 1");
	STRIPPED("CREATE DEFINER=\"u\"@\"h\" VIEW v AS SELECT 1", "CREATE VIEW v AS SELECT 1");
}

static void test_versioned(void)
{
	/* mysqldump's triggers and views. */
	STRIPPED("/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER t "
	         "BEFORE INSERT ON x FOR EACH ROW SET @a = 1 */",
	         "/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW "
	         "SET @a = 1 */");
	STRIPPED(
	    "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL "
	    "SECURITY DEFINER */\n/*!50001 VIEW `v` AS select 1 */",
	    "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 SQL SECURITY DEFINER */\n/*!50001 "
	    "VIEW `v` AS select 1 */");
}

static void test_kept(void)
{
	/* No clause, or none before the object keyword. */
	KEPT("CREATE SQL SECURITY DEFINER VIEW v AS SELECT 1");
	KEPT("CREATE PROCEDURE p() SET @s = 'DEFINER=`x`@`y`'");
	KEPT("CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @DEFINER = 1");
	KEPT("CREATE TABLE t (definer INT)");
	/* Not a CREATE. */
	KEPT("ALTER DEFINER=`a`@`b` VIEW v AS SELECT 1");
	KEPT("SET SESSION SQL_MODE='' ");
	KEPT("CREATEX DEFINER=`a`@`b` VIEW v");
	/* Malformed accounts stay for the server to refuse. */
	KEPT("CREATE DEFINER= VIEW v AS SELECT 1");
	KEPT("CREATE DEFINER=`unterminated VIEW v AS SELECT 1");
	KEPT("CREATE DEFINER=`a`@ VIEW v AS SELECT 1");
	KEPT("");
	KEPT("CREATE");
	KEPT("CREATE DEFINER");
}

int main(void)
{
	UNIT_RUN(test_objects);
	UNIT_RUN(test_accounts);
	UNIT_RUN(test_versioned);
	UNIT_RUN(test_kept);
	return UNIT_DONE();
}
