/* test_select.c - unit tests for table selection rules (core/select.c). */
#include <string.h>

#include "base/option.h"
#include "engine/select.h"
#include "unit.h"

static struct sl_strlist list(const char *a, const char *b)
{
	struct sl_strlist l = {0};
	if (a)
		sl_strlist_add(&l, a);
	if (b)
		sl_strlist_add(&l, b);
	return l;
}

static void test_defaults_skip_system(void)
{
	struct sl_select s;
	struct sl_error err = {0};
	CHECK_EQ_INT(sl_select_init(&s, NULL, NULL, NULL, NULL, NULL, &err), 0);
	CHECK(sl_select_table(&s, "shop", "orders"));
	CHECK(!sl_select_table(&s, "mysql", "user"));
	CHECK(!sl_select_table(&s, "information_schema", "TABLES"));
	CHECK(!sl_select_table(&s, "performance_schema", "threads"));
	CHECK(!sl_select_table(&s, "sys", "x"));
	CHECK(!sl_select_schema(&s, "MySQL"));
	sl_select_free(&s);
}

static void test_databases(void)
{
	struct sl_strlist dbs = list("shop", "mysql");
	struct sl_select s;
	struct sl_error err = {0};
	CHECK_EQ_INT(sl_select_init(&s, &dbs, NULL, NULL, NULL, NULL, &err), 0);
	CHECK(sl_select_table(&s, "shop", "orders"));
	CHECK(sl_select_table(&s, "mysql", "user")); /* named: taken */
	CHECK(!sl_select_table(&s, "other", "t"));
	CHECK(!sl_select_schema(&s, "other"));
	sl_select_free(&s);
	sl_strlist_free(&dbs);
}

static void test_tables_and_ignore(void)
{
	struct sl_strlist tables = list("shop.orders", "shop.my.table");
	struct sl_strlist ignore = list("shop.orders", NULL);
	struct sl_select s;
	struct sl_error err = {0};
	CHECK_EQ_INT(sl_select_init(&s, NULL, &tables, &ignore, NULL, NULL, &err), 0);
	CHECK(!sl_select_table(&s, "shop", "orders"));  /* ignored wins */
	CHECK(sl_select_table(&s, "shop", "my.table")); /* split at the first dot */
	CHECK(!sl_select_table(&s, "shop", "customers"));
	CHECK(sl_select_schema(&s, "shop"));
	CHECK(!sl_select_schema(&s, "other"));
	sl_select_free(&s);
	sl_strlist_free(&tables);
	sl_strlist_free(&ignore);

	struct sl_strlist bad = list("nodot", NULL);
	CHECK_EQ_INT(sl_select_init(&s, NULL, &bad, NULL, NULL, NULL, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "'nodot' is not db.table") != NULL);
	sl_strlist_free(&bad);
}

static void test_patterns(void)
{
	struct sl_select s;
	struct sl_error err = {0};
	CHECK_EQ_INT(sl_select_init(&s, NULL, NULL, NULL, "^shop\\.", "\\.audit_", &err), 0);
	CHECK(sl_select_table(&s, "shop", "orders"));
	CHECK(!sl_select_table(&s, "shop", "audit_log"));
	CHECK(!sl_select_table(&s, "shopping", "orders"));
	CHECK(!sl_select_table(&s, "other", "orders"));
	sl_select_free(&s);

	/* Unicode names match as UTF-8. */
	CHECK_EQ_INT(sl_select_init(&s, NULL, NULL, NULL, "^caf\xc3\xa9\\.\\w+$", NULL, &err), 0);
	CHECK(sl_select_table(&s, "caf\xc3\xa9", "t1"));
	sl_select_free(&s);
}

static void test_bad_pattern(void)
{
	struct sl_select s;
	struct sl_error err = {0};
	CHECK_EQ_INT(sl_select_init(&s, NULL, NULL, NULL, "shop(", NULL, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "bad --regex 'shop('") != NULL);
	CHECK(strstr(err.msg, "offset") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_select_init(&s, NULL, NULL, NULL, NULL, "[z-a]", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "bad --exclude") != NULL);
}

int main(void)
{
	UNIT_RUN(test_defaults_skip_system);
	UNIT_RUN(test_databases);
	UNIT_RUN(test_tables_and_ignore);
	UNIT_RUN(test_patterns);
	UNIT_RUN(test_bad_pattern);
	return UNIT_DONE();
}
