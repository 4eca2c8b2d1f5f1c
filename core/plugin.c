/* plugin.c - registration checks and lookup of compiled-in plugins. */
#include "plugin.h"

#include <string.h>

int sl_plugin_check(const struct sl_plugin *p, struct sl_error *err)
{
	if (p->abi != SL_PLUGIN_ABI || p->struct_size != sizeof(struct sl_plugin))
		return sl_error_set(err, SL_EINTERNAL,
		                    "plugin %s: built for ABI %u (struct %zu bytes), this sluice "
		                    "has ABI %u (%zu bytes)",
		                    p->name ? p->name : "?", p->abi, p->struct_size, SL_PLUGIN_ABI,
		                    sizeof(struct sl_plugin));
	if (!p->name || !p->summary || !p->options)
		return sl_error_set(err, SL_EINTERNAL,
		                    "plugin %s: name, summary and options are required",
		                    p->name ? p->name : "?");
	int ok = 1;
	switch (p->kind) {
	case SL_PLUGIN_SOURCE:
		ok = p->prepare && p->work && p->interrupt;
		break;
	case SL_PLUGIN_SINK:
		ok = p->format && p->open && p->consume && p->close;
		break;
	case SL_PLUGIN_TRANSFORM:
		ok = 1;
		break;
	default:
		ok = 0;
	}
	if (!ok)
		return sl_error_set(err, SL_EINTERNAL, "plugin %s: callbacks missing for its kind",
		                    p->name);
	return 0;
}

const struct sl_plugin *sl_plugin_find(enum sl_plugin_kind kind, const char *name)
{
	for (size_t i = 0; sl_plugin_registry[i]; i++) {
		const struct sl_plugin *p = sl_plugin_registry[i];
		if (p->kind == kind && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}
