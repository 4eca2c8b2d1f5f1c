/* manpage.h - the help in other forms: a man page and a bash completion
 * script, written from the same option tables as --help (the build makes
 * sluice.1 and the completion file with them, so neither can drift). */
#ifndef SL_MANPAGE_H
#define SL_MANPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "app/args.h"

struct doc_command {
	const char *name;
	const char *summary;
	const char *usage; /* what follows [OPTIONS] */
	const struct args_group *groups;
	size_t ngroups;
	bool two_servers; /* connection options through --from / --to */
};

void doc_man_page(const struct doc_command *cmds, size_t n, const char *version, FILE *out);
void doc_bash_completion(const struct doc_command *cmds, size_t n, FILE *out);

#endif
