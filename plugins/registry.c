/* registry.c - the one table of plugins compiled into sluice.
 *
 * Adding a plugin: create plugins/<kind>_<name>/, define its const struct
 * sl_plugin, declare it here and list it below. */
#include "plugin.h"

extern const struct sl_plugin sl_source_mariadb;
extern const struct sl_plugin sl_sink_stdout;
extern const struct sl_plugin sl_source_stream;
extern const struct sl_plugin sl_sink_null;
extern const struct sl_plugin sl_sink_loader;
extern const struct sl_plugin sl_sink_tar;
extern const struct sl_plugin sl_sink_zip;
extern const struct sl_plugin sl_sink_dir;
extern const struct sl_plugin sl_source_archive;
extern const struct sl_plugin sl_source_dir;

const struct sl_plugin *const sl_plugin_registry[] = {
    &sl_source_mariadb,
    &sl_sink_stdout,
    &sl_source_stream,
    &sl_sink_null,
    &sl_sink_loader,
    &sl_sink_tar,
    &sl_sink_zip,
    &sl_sink_dir,
    &sl_source_archive,
    &sl_source_dir,
    NULL,
};
