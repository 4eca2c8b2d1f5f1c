/* cli.h - the command line: subcommands, option parsing, signals, exit codes.
 *
 * Each subcommand names its source and sink plugins; their option tables
 * and the pipeline's are merged into one getopt_long table, so the option
 * tables are the single truth for parsing, validation and --help. */
#ifndef SL_CLI_H
#define SL_CLI_H

/* Run the command line; returns the process exit code (0, 1 or 2). */
int sl_cli_main(int argc, char **argv);

#endif
