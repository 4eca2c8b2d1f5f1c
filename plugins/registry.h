/* registry.h - the plugins compiled into sluice, found by name.
 *
 * A name is what a command runs or a job script's `type = "..."` says.
 * Some names stand for one plugin with a setting: "stdout", "tar", "zip"
 * and "dir" are the files sink with its container chosen, "stream",
 * "archive" and "dir" the files source with its container chosen. */
#ifndef SL_REGISTRY_H
#define SL_REGISTRY_H

#include "engine/plugin.h"

/* The plugin of 'kind' that 'name' stands for, or NULL.  *preset (OUT,
 * may be NULL) is an option the name implies, as "name=value", or NULL:
 * apply it before the user's own options. */
const struct sl_plugin *sl_registry_find(enum sl_plugin_kind kind, const char *name,
                                         const char **preset);

/* Every plugin, each once, NULL-terminated (for checks and listings). */
extern const struct sl_plugin *const sl_registry_plugins[];

#endif
