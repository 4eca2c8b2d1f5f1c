/* cli_select.h - which source and sink a command runs, chosen from argv
 * before its options are parsed.
 *
 * `dump -a FILE` writes an archive (sink tar or zip), `dump -o DIR` a
 * directory (sink dir); `load`/`verify` `-a FILE|-` read an archive
 * (source archive), `-d DIR` a directory (source dir); `verify PATH` looks
 * at PATH (a directory, an archive, or a stream).  The option that picks a
 * plugin belongs to that plugin's option table, so the choice has to be
 * made by a pre-scan of argv: the option groups getopt sees depend on it. */
#ifndef SL_CLI_SELECT_H
#define SL_CLI_SELECT_H

#include <stdio.h>

/* For command 'command' with arguments argv[1..argc): replace *source,
 * *sink and *positional (the option a bare argument sets) by the plugins
 * and option argv asks for; leave them when it asks for nothing.  Strings
 * are static.  Never fails (a bad value is the chosen plugin's to report);
 * may read the first bytes of a file or peek at stdin (verify). */
void sl_cli_choose(const char *command, int argc, char **argv, const char **source,
                   const char **sink, const char **positional);

/* --help lines listing the options that pick other plugins for 'command'
 * (whose defaults are def_source and def_sink); nothing when there are none. */
void sl_cli_alternatives_help(const char *command, const char *def_source, const char *def_sink,
                              FILE *out);

#endif
