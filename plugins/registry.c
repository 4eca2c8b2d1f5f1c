/* registry.c - the one table of plugins compiled into sluice (registry.h).
 *
 * Adding a plugin: create plugins/<kind>_<name>/, define its const struct
 * sl_plugin, declare it here and list it below. */
#include "registry.h"

#include <stddef.h>
#include <string.h>

extern const struct sl_plugin sl_source_mariadb;
extern const struct sl_plugin sl_source_files;
extern const struct sl_plugin sl_sink_files;
extern const struct sl_plugin sl_sink_loader;
extern const struct sl_plugin sl_sink_null;

const struct sl_plugin *const sl_registry_plugins[] = {
    &sl_source_mariadb, &sl_source_files, &sl_sink_files, &sl_sink_loader, &sl_sink_null, NULL,
};

/* Names that stand for a plugin with a setting. */
static const struct {
	const char *name;
	const struct sl_plugin *plugin;
	const char *preset;
} aliases[] = {
    {"stdout", &sl_sink_files, "container=stream"},
    {"tar", &sl_sink_files, "container=tar"},
    {"zip", &sl_sink_files, "container=zip"},
    {"dir", &sl_sink_files, "container=dir"},
    {"mydumper", &sl_sink_files, "container=mydumper"},
    {"stream", &sl_source_files, "container=stream"},
    {"mydumper", &sl_source_files, "container=mydumper"},
    {"archive", &sl_source_files, "container=archive"},
    {"dir", &sl_source_files, "container=dir"},
    {"mysqldump", &sl_source_files, "container=mysqldump"},
};

const struct sl_plugin *sl_registry_find(enum sl_plugin_kind kind, const char *name,
                                         const char **preset)
{
	if (preset)
		*preset = NULL;
	for (size_t i = 0; sl_registry_plugins[i]; i++) {
		const struct sl_plugin *p = sl_registry_plugins[i];
		if (p->kind == kind && !strcmp(p->name, name))
			return p;
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (aliases[i].plugin->kind == kind && !strcmp(aliases[i].name, name)) {
			if (preset)
				*preset = aliases[i].preset;
			return aliases[i].plugin;
		}
	}
	return NULL;
}
