/* manpage.c - the man page and the bash completion script (manpage.h). */
#include "app/manpage.h"

#include <string.h>

/* Text for roff: backslashes doubled, '-' as \-, no line starting with a
 * control character. */
static void roff(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static bool shown(const struct doc_command *c, const struct sl_option *o)
{
	if (o->flags & SL_OPTF_HIDDEN)
		return false;
	return !(c->two_servers && (o->flags & SL_OPTF_CONN));
}

static void man_option(FILE *out, const struct sl_option *o)
{
	fputs(".TP\n", out);
	if (o->short_name)
		fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
	fputs("\\fB\\-\\-", out);
	roff(out, o->name);
	fputs("\\fR", out);
	if (o->type != SL_OPT_BOOL && !(o->flags & SL_OPTF_COUNT)) {
		fputs((o->flags & SL_OPTF_OPTIONAL_ARG) ? "[=\\fI" : "=\\fI", out);
		roff(out, o->arg ? o->arg : "VALUE");
		fputs((o->flags & SL_OPTF_OPTIONAL_ARG) ? "\\fR]" : "\\fR", out);
	}
	fputc('\n', out);
	roff(out, o->help ? o->help : "");
	if (o->type == SL_OPT_ENUM) {
		fputs(" (", out);
		for (int i = 0; sl_option_choice(o, i); i++) {
			fputs(i ? "|" : "", out);
			roff(out, sl_option_choice(o, i));
		}
		fputs(")", out);
	}
	if (o->def && o->type != SL_OPT_BOOL) {
		fputs(" [default: ", out);
		roff(out, o->def);
		fputs("]", out);
	}
	fputc('\n', out);
}

void doc_man_page(const struct doc_command *cmds, size_t n, const char *version, FILE *out)
{
	fprintf(out,
	        ".\\\" sluice.1 - written by `sluice help man` from the option tables\n"
	        ".TH SLUICE 1 \"\" \"sluice %s\" \"User Commands\"\n"
	        ".SH NAME\nsluice \\- move data out of MariaDB/MySQL servers into streams, "
	        "archives, directories, other servers and HTTP clients\n"
	        ".SH SYNOPSIS\n",
	        version);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, ".B sluice %s\n[\\fIOPTIONS\\fR] ", cmds[i].name);
		roff(out, cmds[i].usage);
		fputs("\n.br\n", out);
	}
	fputs(".SH DESCRIPTION\nsluice dumps databases with parallel workers in one consistent "
	      "snapshot, in bounded memory, into an SQL stream that the mariadb client imports, "
	      "tar/zip archives or directories in mydumper's layout, and loads any of them into "
	      "another server. Lua scripts choose tables, rows, routes and masks. "
	      "See README.md (installed with the documentation) for the whole picture.\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		const struct doc_command *c = &cmds[i];
		fputs(".SH \"SLUICE ", out);
		for (const char *p = c->name; *p; p++)
			fputc(*p >= 'a' && *p <= 'z' ? *p - 32 : *p, out);
		fputs("\"\n", out);
		roff(out, c->summary);
		fputs(".\n", out);
		if (c->two_servers)
			fputs(
			    ".TP\n\\fB\\-\\-from\\fR=\\fIDSN\\fR, \\fB\\-\\-to\\fR=\\fIDSN\\fR\n"
			    "the source and the target server: h host, P port, u user, p password, "
			    "S socket, F defaults\\-file, or a connection option's long name\n",
			    out);
		for (size_t g = 0; g < c->ngroups; g++) {
			fputs(".SS \"", out);
			roff(out, c->groups[g].heading);
			fputs("\"\n", out);
			for (const struct sl_option *o = c->groups[g].opts; o->name; o++)
				if (shown(c, o))
					man_option(out, o);
		}
	}
	fputs(".SH OPTION FILES\n"
	      "Read first, the command line over them: /etc/my.cnf, /etc/mysql/my.cnf, "
	      "$MARIADB_HOME/my.cnf, $MYSQL_HOME/my.cnf, \\-\\-defaults\\-extra\\-file, ~/.my.cnf "
	      "(\\-\\-defaults\\-file: that file alone; \\-\\-no\\-defaults: none). Groups "
	      "[client], [client\\-server], [client\\-mariadb] give connection options; "
	      "[sluice] and [sluice\\-COMMAND] any option of the command. "
	      "\\-\\-print\\-options prints what was read and exits.\n"
	      ".SH PEER TOOLS\n"
	      "Options of mysqldump, mariadb\\-dump, mydumper, myloader and MySQL Shell are "
	      "taken with their meaning or refused with a hint; \\fBsluice help peers\\fR lists "
	      "them.\n"
	      ".SH EXIT STATUS\n0 success, 1 failure, 2 usage error.\n"
	      ".SH ENVIRONMENT\nMYSQL_PWD (the password), MYSQL_UNIX_PORT (the default "
	      "socket), HOME (~/.my.cnf).\n",
	      out);
}

/* Each command's words: its options (long and short), then for options
 * with a fixed set of values, those values. */
void doc_bash_completion(const struct doc_command *cmds, size_t n, FILE *out)
{
	fputs("# bash completion for sluice - written by `sluice help bash-completion`\n"
	      "_sluice() {\n"
	      "\tlocal cur prev cmd words\n"
	      "\tcur=${COMP_WORDS[COMP_CWORD]}\n"
	      "\tprev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W 'help",
	      out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %s", cmds[i].name);
	fputs("' -- \"$cur\"))\n\t\treturn\n\tfi\n\tcmd=${COMP_WORDS[1]}\n"
	      "\tcase \"$cmd:$prev\" in\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		const struct doc_command *c = &cmds[i];
		for (size_t g = 0; g < c->ngroups; g++) {
			for (const struct sl_option *o = c->groups[g].opts; o->name; o++) {
				if (!shown(c, o))
					continue;
				if (o->type == SL_OPT_ENUM) {
					fprintf(out, "\t%s:--%s) COMPREPLY=($(compgen -W '",
					        c->name, o->name);
					for (int k = 0; sl_option_choice(o, k); k++)
						fprintf(out, "%s%s", k ? " " : "",
						        sl_option_choice(o, k));
					fputs("' -- \"$cur\")); return ;;\n", out);
				} else if (o->arg &&
				           (!strcmp(o->arg, "FILE") || !strcmp(o->arg, "DIR") ||
				            !strcmp(o->arg, "PATH") ||
				            !strcmp(o->arg, "FILE.lua"))) {
					fprintf(out, "\t%s:--%s", c->name, o->name);
					if (o->short_name)
						fprintf(out, "|%s:-%c", c->name, o->short_name);
					fprintf(
					    out,
					    ") COMPREPLY=($(compgen -%c -- \"$cur\")); return ;;\n",
					    !strcmp(o->arg, "DIR") ? 'd' : 'f');
				}
			}
		}
	}
	fputs("\tesac\n\tcase \"$cmd\" in\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct doc_command *c = &cmds[i];
		fprintf(out,
		        "\t%s) words='--help --print-options --no-defaults --defaults-file "
		        "--defaults-extra-file",
		        c->name);
		if (c->two_servers)
			fputs(" --from --to", out);
		for (size_t g = 0; g < c->ngroups; g++)
			for (const struct sl_option *o = c->groups[g].opts; o->name; o++)
				if (shown(c, o)) {
					fprintf(out, " --%s", o->name);
					if (o->short_name)
						fprintf(out, " -%c", o->short_name);
				}
		fputs("' ;;\n", out);
	}
	fputs("\thelp) words='peers man bash-completion", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %s", cmds[i].name);
	fputs("' ;;\n\t*) return ;;\n\tesac\n"
	      "\tif [[ $cur == -* || $cmd == help ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\tfi\n"
	      "}\n"
	      "complete -F _sluice sluice\n",
	      out);
}
