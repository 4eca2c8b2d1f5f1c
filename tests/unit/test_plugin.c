/* test_plugin.c - the checks of a plugin (engine/plugin.c) and the lookup
 * of plugins by name (plugins/registry.c). */
#include <string.h>

#include "engine/plugin.h"
#include "registry.h"
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

static void test_required_callbacks(void)
{
	struct sl_error err = {0};
	struct sl_plugin p = good_source;
	p.work = NULL;
	CHECK_EQ_INT(sl_plugin_check(&p, &err), SL_EINTERNAL);
	CHECK(strstr(err.msg, "callbacks missing") != NULL);

	sl_error_clear(&err);
	p = good_source;
	p.kind = SL_PLUGIN_SINK; /* a sink needs open, consume, close */
	CHECK_EQ_INT(sl_plugin_check(&p, &err), SL_EINTERNAL);

	sl_error_clear(&err);
	p = good_source;
	p.options = NULL;
	CHECK_EQ_INT(sl_plugin_check(&p, &err), SL_EINTERNAL);
}

static void test_registry(void)
{
	struct sl_error err = {0};
	const char *preset = NULL;
	size_t n = 0;
	for (size_t i = 0; sl_registry_plugins[i]; i++, n++)
		CHECK_EQ_INT(sl_plugin_check(sl_registry_plugins[i], &err), 0);
	CHECK(n >= 2);
	const struct sl_plugin *src = sl_registry_find(SL_PLUGIN_SOURCE, "mariadb", &preset);
	CHECK(src != NULL && src->kind == SL_PLUGIN_SOURCE && preset == NULL);
	CHECK(sl_registry_find(SL_PLUGIN_SINK, "mariadb", NULL) == NULL); /* kind matters */
	CHECK(sl_registry_find(SL_PLUGIN_SOURCE, "nope", NULL) == NULL);
	/* A container's name is the files plugin with the container chosen. */
	const struct sl_plugin *out = sl_registry_find(SL_PLUGIN_SINK, "stdout", &preset);
	CHECK(out != NULL && !strcmp(out->name, "files"));
	CHECK_EQ_STR(preset, "container=stream");
	CHECK(sl_registry_find(SL_PLUGIN_SINK, "tar", &preset) == out);
	CHECK_EQ_STR(preset, "container=tar");
	const struct sl_plugin *in = sl_registry_find(SL_PLUGIN_SOURCE, "dir", &preset);
	CHECK(in != NULL && in != out && in->kind == SL_PLUGIN_SOURCE);
	CHECK_EQ_STR(preset, "container=dir");
}

int main(void)
{
	UNIT_RUN(test_good_plugin_passes);
	UNIT_RUN(test_required_callbacks);
	UNIT_RUN(test_registry);
	return UNIT_DONE();
}
