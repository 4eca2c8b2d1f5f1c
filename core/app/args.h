/* args.h - a command's options from its command line and option files.
 *
 * Long options are spelled out in full (no abbreviations), with '-' or '_'
 * between words; --skip-X, --disable-X and --enable-X turn a flag off or
 * on, --loose-X is ignored with a warning when X is unknown, as the mariadb
 * client does.  Short options cluster (-vv, -t4) and take a value attached
 * or as the next word.  The peer tools' spellings (app/peers.c) are taken
 * with their meaning or refused with a hint, and a value that cannot be
 * meant for sluice's option of a letter names what the letter means in
 * the peers.  Option files are read first, the command line over them:
 * /etc/my.cnf, /etc/mysql/my.cnf, $MARIADB_HOME/my.cnf, $MYSQL_HOME/my.cnf,
 * --defaults-extra-file, ~/.my.cnf (--defaults-file: that file alone,
 * --no-defaults: none), groups [client], [client-server], [client-mariadb]
 * (connection options) and [sluice], [sluice-COMMAND] (any option), each
 * also with --defaults-group-suffix. */
#ifndef SL_ARGS_H
#define SL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/option.h"

/* One table of options and the struct it fills. */
struct args_group {
	const char *heading;
	const struct sl_option *opts;
	void *config;
};

enum args_positional {
	ARGS_POS_NONE,     /* no bare arguments */
	ARGS_POS_ONE,      /* one, setting 'positional_option' of the first group */
	ARGS_POS_SELECTION /* mysqldump's: DB [TABLE...], or databases after -B */
};

struct args_spec {
	const char *command; /* "dump": [sluice-dump] in option files */
	unsigned peers;      /* PEER_DUMP | PEER_LOAD: the peer options that apply */
	enum args_positional positional;
	const char *positional_option;
	bool two_servers; /* connection options come as --from / --to DSNs */
	/* Is 'name' an option of another command?  ([sluice] in an option
	 * file may hold any command's options.)  May be NULL. */
	bool (*known_elsewhere)(const char *name);
	/* The groups hold values already (a job script's): no defaults, no
	 * option files, the command line over them. */
	bool over_current;
};

struct args_result {
	bool help;          /* --help or -?: print the help and exit 0 */
	bool version;       /* --version or -V */
	bool print_options; /* --print-options: print what was read and exit 0 */
	char **notes;       /* what peer options were taken as, for -v */
	size_t nnotes;
	char **warnings; /* ignored --loose-X options */
	size_t nwarnings;
	char **printed; /* --print-options: the options in sluice's spelling */
	size_t nprinted;
};

/* Fill the groups with their defaults, then the option files, then argv
 * (argv[0] is the command).  0, or SL_EUSAGE / SL_ENOMEM with the message
 * in 'err'.  Secrets are overwritten in argv once read. */
int args_parse(const struct args_spec *spec, struct args_group *groups, size_t ngroups, int argc,
               char **argv, struct args_result *res, struct sl_error *err);

void args_result_free(struct args_result *res);

#endif
