/* test_plugin.c - registration checks and lookup of plugins (core/plugin.c). */
#include <string.h>

#include "plugin.h"
#include "unit.h"

static const struct sl_option no_options[] = {SL_OPTION_END};

static int dummy_prepare(struct sl_instance *inst)
{
	(void)inst;
	return 0;
}

static int dummy_work(struct sl_instance *inst, unsigned worker)
{
	(void)inst;
	(void)worker;
	return 0;
}

static void dummy_interrupt(struct sl_instance *inst)
{
	(void)inst;
}

static const struct sl_plugin good_source = {
    .abi = SL_PLUGIN_ABI,
    .struct_size = sizeof(struct sl_plugin),
    .name = "dummy",
    .kind = SL_PLUGIN_SOURCE,
    .summary = "a test source",
    .options = no_options,
    .prepare = dummy_prepare,
    .work = dummy_work,
    .interrupt = dummy_interrupt,
};

static void test_good_plugin_passes(void)
{
	struct sl_error err = {0};
	CHECK_EQ_INT(sl_plugin_check(&good_source, &err), 0);
	CHECK_EQ_INT(err.code, 0);
}

static void test_abi_and_size_are_checked(void)
{
	struct sl_error err = {0};
	struct sl_plugin p = good_source;
	p.abi = SL_PLUGIN_ABI + 1;
	CHECK_EQ_INT(sl_plugin_check(&p, &err), SL_EINTERNAL);
	CHECK(strstr(err.msg, "plugin dummy: built for ABI") != NULL);

	sl_error_clear(&err);
	p = good_source;
	p.struct_size = sizeof(struct sl_plugin) - 8; /* built against an older layout */
	CHECK_EQ_INT(sl_plugin_check(&p, &err), SL_EINTERNAL);
}

static void test_required_callbacks(void)
{
	struct sl_error err = {0};
	struct sl_plugin p = good_source;
	p.work = NULL;
	CHECK_EQ_INT(sl_plugin_check(&p, &err), SL_EINTERNAL);
	CHECK(strstr(err.msg, "callbacks missing") != NULL);

	sl_error_clear(&err);
	p = good_source;
	p.kind = SL_PLUGIN_SINK; /* a sink needs format, open, consume, close */
	CHECK_EQ_INT(sl_plugin_check(&p, &err), SL_EINTERNAL);

	sl_error_clear(&err);
	p = good_source;
	p.options = NULL;
	CHECK_EQ_INT(sl_plugin_check(&p, &err), SL_EINTERNAL);
}

static void test_registry(void)
{
	struct sl_error err = {0};
	size_t n = 0;
	for (size_t i = 0; sl_plugin_registry[i]; i++, n++)
		CHECK_EQ_INT(sl_plugin_check(sl_plugin_registry[i], &err), 0);
	CHECK(n >= 2);
	const struct sl_plugin *src = sl_plugin_find(SL_PLUGIN_SOURCE, "mariadb");
	CHECK(src != NULL && src->kind == SL_PLUGIN_SOURCE);
	CHECK(sl_plugin_find(SL_PLUGIN_SINK, "stdout") != NULL);
	CHECK(sl_plugin_find(SL_PLUGIN_SINK, "mariadb") == NULL); /* kind matters */
	CHECK(sl_plugin_find(SL_PLUGIN_SOURCE, "nope") == NULL);
}

int main(void)
{
	UNIT_RUN(test_good_plugin_passes);
	UNIT_RUN(test_abi_and_size_are_checked);
	UNIT_RUN(test_required_callbacks);
	UNIT_RUN(test_registry);
	return UNIT_DONE();
}
