/* plugin.c - the checks a pipeline runs on a plugin it takes. */
#include "engine/plugin.h"

int sl_plugin_check(const struct sl_plugin *p, struct sl_error *err)
{
	if (!p->name || !p->summary || !p->options)
		return sl_error_set(err, SL_EINTERNAL,
		                    "plugin %s: name, summary and options are required",
		                    p->name ? p->name : "?");
	int ok = 0;
	switch (p->kind) {
	case SL_PLUGIN_SOURCE:
		ok = p->prepare && p->work && p->interrupt;
		break;
	case SL_PLUGIN_SINK:
		ok = p->open && p->consume && p->close;
		break;
	}
	if (!ok)
		return sl_error_set(err, SL_EINTERNAL, "plugin %s: callbacks missing for its kind",
		                    p->name);
	return 0;
}
