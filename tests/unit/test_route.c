/* test_route.c - unit tests for batch retargeting (core/route.c): the file
 * name, USE, the CREATE statement's name, INSERT INTO, a trigger's ON and
 * a view's `db`. qualifiers follow a rename; values and bodies do not. */
#include <string.h>

#include "engine/batch.h"
#include "engine/route.h"
#include "format/table.h"
#include "unit.h"

static struct sl_table table = {.schema = "db", .name = "t"};

static struct sl_batch *file(enum sl_file_kind kind, const char *name, const char *body)
{
	struct sl_batch *b = sl_batch_new(SL_BATCH_FILE, kind, &table, "db", name);
	if (b)
		sl_buf_puts(&b->body, body);
	return b;
}

static void test_table_schema(void)
{
	struct sl_batch *b =
	    file(SL_FILE_TABLE_SCHEMA, "db.t-schema.sql",
	         "USE `db`;\nCREATE TABLE `t` (\n  `t` int COMMENT 'TABLE `t`'\n);\n");
	struct sl_batch *c = NULL;
	CHECK_EQ_INT(sl_route_retarget(b, "db2", "t2", &c), 0);
	CHECK_EQ_STR(c->name, "db2.t2-schema.sql");
	CHECK_EQ_STR(c->schema, "db2");
	CHECK_EQ_STR(sl_batch_table_name(c), "t2");
	CHECK_EQ_STR(c->body.data,
	             "USE `db2`;\nCREATE TABLE `t2` (\n  `t` int COMMENT 'TABLE `t`'\n);\n");
	sl_batch_release(b);
	sl_batch_release(c);
}

static void test_data_and_trigger(void)
{
	struct sl_batch *b = file(SL_FILE_DATA, "db.t.00042.sql",
	                          "USE `db`;\nINSERT INTO `t` VALUES ('INSERT INTO `t`\\n');\n");
	struct sl_batch *c = NULL;
	CHECK_EQ_INT(sl_route_retarget(b, "db", "u", &c), 0);
	CHECK_EQ_STR(c->name, "db.u.00042.sql");
	CHECK_EQ_STR(c->body.data, "USE `db`;\nINSERT INTO `u` VALUES ('INSERT INTO `t`\\n');\n");
	sl_batch_release(b);
	sl_batch_release(c);

	b = file(SL_FILE_TRIGGERS, "db.t-schema-triggers.sql",
	         "CREATE TRIGGER `tr` BEFORE INSERT ON `t` FOR EACH ROW SET @x = 1;\n");
	CHECK_EQ_INT(sl_route_retarget(b, "db", "u", &c), 0);
	CHECK_EQ_STR(c->body.data,
	             "CREATE TRIGGER `tr` BEFORE INSERT ON `u` FOR EACH ROW SET @x = 1;\n");
	sl_batch_release(b);
	sl_batch_release(c);
}

static void test_view_qualifiers(void)
{
	struct sl_batch *b =
	    file(SL_FILE_VIEW, "db.t-schema-view.sql",
	         "USE `db`;\nCREATE VIEW `t` AS select `db`.`a`.`x` AS `x` from `db`.`a`;\n");
	struct sl_batch *c = NULL;
	CHECK_EQ_INT(sl_route_retarget(b, "new", "t", &c), 0);
	CHECK_EQ_STR(
	    c->body.data,
	    "USE `new`;\nCREATE VIEW `t` AS select `new`.`a`.`x` AS `x` from `new`.`a`;\n");
	sl_batch_release(b);
	sl_batch_release(c);
}

/* A trigger or routine created with qualified names follows the database,
 * quoted or not; a qualifier inside a string on that line stays. */
static void test_qualified_objects(void)
{
	struct sl_batch *b =
	    file(SL_FILE_TRIGGERS, "db.t-schema-triggers.sql",
	         "CREATE DEFINER=`root`@`localhost` TRIGGER db.tq BEFORE INSERT ON "
	         "db.t FOR EACH ROW SET @x = 'db.t', @y = (SELECT 1 FROM `db`.`u`);\n");
	struct sl_batch *c = NULL;
	CHECK_EQ_INT(sl_route_retarget(b, "new", "t", &c), 0);
	CHECK_EQ_STR(c->body.data,
	             "CREATE DEFINER=`root`@`localhost` TRIGGER `new`.tq BEFORE INSERT ON "
	             "`new`.t FOR EACH ROW SET @x = 'db.t', @y = (SELECT 1 FROM `new`.`u`);\n");
	sl_batch_release(b);
	sl_batch_release(c);

	b = file(SL_FILE_POST, "db-schema-post.sql",
	         "DELIMITER ;;\nCREATE PROCEDURE db.p() SELECT db2.x FROM db.t;;\nDELIMITER ;\n");
	b->table = NULL;
	CHECK_EQ_INT(sl_route_retarget(b, "new", NULL, &c), 0);
	CHECK_EQ_STR(c->body.data, "DELIMITER ;;\nCREATE PROCEDURE `new`.p() SELECT db2.x FROM "
	                           "`new`.t;;\nDELIMITER ;\n");
	sl_batch_release(b);
	sl_batch_release(c);
}

static void test_end_of_table(void)
{
	struct sl_batch *b = sl_batch_new(SL_BATCH_TABLE_END, SL_FILE_DATA, &table, "db", NULL);
	b->rows = 7;
	struct sl_batch *c = NULL;
	CHECK_EQ_INT(sl_route_retarget(b, "x", "y", &c), 0);
	CHECK(c->kind == SL_BATCH_TABLE_END && c->rows == 7 && c->name == NULL);
	CHECK_EQ_STR(c->schema, "x");
	CHECK_EQ_STR(sl_batch_table_name(c), "y");
	sl_batch_release(b);
	sl_batch_release(c);
}

int main(void)
{
	UNIT_RUN(test_table_schema);
	UNIT_RUN(test_data_and_trigger);
	UNIT_RUN(test_view_qualifiers);
	UNIT_RUN(test_qualified_objects);
	UNIT_RUN(test_end_of_table);
	return UNIT_DONE();
}
