/* args.c - a command's options from option files and its command line
 * (args.h).
 *
 * Written by hand rather than with getopt_long: getopt takes abbreviations
 * (--tab became --tables), knows neither the client's --skip-/--loose-
 * forms nor '_' for '-', and cannot tell what a letter means in the peer
 * tools. */
#include "app/args.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/peers.h"
#include "base/alloc.h"
#include "base/optfile.h"
#include "base/suggest.h"

#define NAME_MAX_LEN 128

/* What an option's name resolved to: one of sluice's options, or a peer's. */
struct resolved {
	size_t group;
	const struct sl_option *opt;
	const struct peer_option *peer;
	int forced; /* -1: as given; 0: --skip-/--disable-X; 1: --enable-X */
};

struct set_record {
	size_t group;
	const struct sl_option *opt;
};

struct parser {
	const struct args_spec *spec;
	struct args_group *groups;
	size_t ngroups;
	struct args_result *res;
	int argc;
	char **argv;
	struct sl_error *err;

	/* What the command line holds, seen before anything is applied. */
	bool no_defaults;
	const char *defaults_file;
	const char *defaults_extra_file;
	const char *group_suffix;

	struct set_record *sets; /* options set, in order, for --print-options */
	size_t nsets;
	bool databases_mode; /* -B / --databases without a value, or -A: bare
	                        arguments are databases (mysqldump) */
	char **positionals;
	size_t npositionals;
	char spelling[NAME_MAX_LEN + 80]; /* the option being applied, for messages */
};

static int push_string(char ***v, size_t *n, const char *s)
{
	char **grown = sl_realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown)
		return SL_ENOMEM;
	*v = grown;
	if (!(grown[*n] = sl_strdup(s)))
		return SL_ENOMEM;
	(*n)++;
	return 0;
}

/* "max_allowed_packet" -> "max-allowed-packet".  false when too long. */
static bool normalize(const char *name, size_t len, char *out)
{
	if (len == 0 || len >= NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		out[i] = name[i] == '_' ? '-' : name[i];
	out[len] = '\0';
	return true;
}

static bool all_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* --- finding options ----------------------------------------------------- */

static bool find_sluice(const struct parser *ps, const char *name, int letter, struct resolved *r)
{
	for (size_t g = 0; g < ps->ngroups; g++) {
		const struct sl_option *o = sl_options_find(ps->groups[g].opts, name, letter);
		if (o) {
			*r = (struct resolved){g, o, NULL, -1};
			return true;
		}
	}
	return false;
}

static const char *const switch_prefixes[] = {"skip-", "disable-", "enable-"};

/* A long name: sluice's own, a flag turned off or on, or a peer's. */
static bool resolve_long(const struct parser *ps, const char *name, struct resolved *r)
{
	if (find_sluice(ps, name, 0, r))
		return true;
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(switch_prefixes[i]);
		if (strncmp(name, switch_prefixes[i], n) || !find_sluice(ps, name + n, 0, r))
			continue;
		if (r->opt->type != SL_OPT_BOOL)
			return false;
		r->forced = i < 2 ? 0 : 1;
		return true;
	}
	const struct peer_option *p = peer_find(name, ps->spec->peers);
	if (p) {
		*r = (struct resolved){0, NULL, p, -1};
		return true;
	}
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(switch_prefixes[i]);
		if (strncmp(name, switch_prefixes[i], n))
			continue;
		p = peer_find(name + n, ps->spec->peers);
		if (p && p->arity == PEER_FLAG) {
			*r = (struct resolved){0, NULL, p, i < 2 ? 0 : 1};
			return true;
		}
	}
	return false;
}

/* Options the command line handles before anything else. */
static bool is_control(const char *name)
{
	static const char *const control[] = {
	    "help",        "version",       "print-options",       "print-defaults",
	    "no-defaults", "defaults-file", "defaults-extra-file", "defaults-group-suffix",
	    NULL};
	for (size_t i = 0; control[i]; i++)
		if (!strcmp(name, control[i]))
			return true;
	return false;
}

/* Does 'word' spell an option of this command?  (A value that is an
 * option is a missing value: `-a -B shop`.) */
static bool is_option_word(const struct parser *ps, const char *word)
{
	if (word[0] != '-' || !word[1])
		return false;
	struct resolved r;
	if (word[1] == '-') {
		char name[NAME_MAX_LEN];
		const char *eq = strchr(word + 2, '=');
		size_t len = eq ? (size_t)(eq - word - 2) : strlen(word + 2);
		if (!normalize(word + 2, len, name))
			return false;
		return is_control(name) || resolve_long(ps, name, &r) ||
		       (ps->spec->two_servers && (!strcmp(name, "from") || !strcmp(name, "to")));
	}
	return find_sluice(ps, NULL, (unsigned char)word[1], &r) ||
	       peer_find_short((unsigned char)word[1], ps->spec->peers) || word[1] == '?';
}

static void suggest_option(const struct parser *ps, const char *name, char *out, size_t size)
{
	struct sl_suggest s;
	sl_suggest_init(&s, name);
	for (size_t g = 0; g < ps->ngroups; g++)
		for (const struct sl_option *o = ps->groups[g].opts; o->name; o++)
			if (!(o->flags & SL_OPTF_HIDDEN))
				sl_suggest_offer(&s, o->name);
	for (const struct peer_option *p = peer_options; p->name; p++)
		if ((p->commands & ps->spec->peers) && p->name[0])
			sl_suggest_offer(&s, p->name);
	sl_suggest_offer(&s, "help");
	out[0] = '\0';
	if (!s.best)
		return;
	size_t n = strlen(name);
	if (strlen(s.best) > n && !strncmp(s.best, name, n))
		snprintf(out, size, " (options are spelled out: did you mean '--%s'?)", s.best);
	else
		snprintf(out, size, " (did you mean '--%s'?)", s.best);
}

/* --- setting options ----------------------------------------------------- */

static int record_set(struct parser *ps, size_t group, const struct sl_option *o)
{
	for (size_t i = 0; i < ps->nsets; i++)
		if (ps->sets[i].opt == o && ps->sets[i].group == group)
			return 0;
	struct set_record *grown = sl_realloc(ps->sets, (ps->nsets + 1) * sizeof(*grown));
	if (!grown)
		return SL_ENOMEM;
	ps->sets = grown;
	ps->sets[ps->nsets++] = (struct set_record){group, o};
	return 0;
}

static int set_sluice(struct parser *ps, size_t group, const struct sl_option *o, const char *value)
{
	int rc = sl_option_set(o, ps->groups[group].config, value, ps->err);
	return rc ? rc : record_set(ps, group, o);
}

/* Options set through a peer's spelling; errors name that spelling. */
static int ctx_set(struct peer_ctx *ctx, const char *option, const char *value,
                   struct sl_error *err)
{
	struct parser *ps = ctx->args;
	struct resolved r;
	char combined[4096];
	if (!strcmp(option, "exclude-add")) {
		/* One more alternative for --exclude. */
		option = "exclude";
		if (find_sluice(ps, option, 0, &r)) {
			char *const *cur =
			    (char *const *)(const void *)((const char *)ps->groups[r.group].config +
			                                  r.opt->offset);
			if (*cur && **cur) {
				int w =
				    snprintf(combined, sizeof(combined), "(?:%s)|%s", *cur, value);
				if (w < 0 || (size_t)w >= sizeof(combined))
					return sl_error_set(err, SL_EUSAGE,
					                    "%s: --exclude too long",
					                    ctx->spelling);
				value = combined;
			}
		}
	}
	if (!find_sluice(ps, option, 0, &r))
		return sl_error_set(err, SL_EUSAGE,
		                    "%s means --%s, which 'sluice %s' does not have", ctx->spelling,
		                    option, ps->spec->command);
	struct sl_error inner = {0};
	int rc = sl_option_set(r.opt, ps->groups[r.group].config, value, &inner);
	if (rc)
		return sl_error_set(err, rc, "%s (as --%s): %s", ctx->spelling, option, inner.msg);
	return record_set(ps, r.group, r.opt);
}

/* Given on the command line (any spelling of it), or by an option file? */
static bool ctx_given(struct peer_ctx *ctx, const char *option)
{
	struct parser *ps = ctx->args;
	struct resolved want;
	if (!find_sluice(ps, option, 0, &want))
		return false;
	for (size_t i = 0; i < ps->nsets; i++)
		if (ps->sets[i].opt == want.opt)
			return true;
	for (int i = 1; i < ps->argc; i++) {
		const char *w = ps->argv[i];
		if (!strcmp(w, "--"))
			break;
		if (w[0] != '-' || !w[1])
			continue;
		if (w[1] == '-') {
			char name[NAME_MAX_LEN];
			const char *eq = strchr(w + 2, '=');
			struct resolved r;
			if (normalize(w + 2, eq ? (size_t)(eq - w - 2) : strlen(w + 2), name) &&
			    resolve_long(ps, name, &r)) {
				if (r.opt == want.opt)
					return true;
				if (r.peer && r.peer->action == PEER_MAP &&
				    !strcmp(r.peer->target, option))
					return true;
			}
			continue;
		}
		/* A cluster: its letters up to the first that takes a value. */
		for (const char *c = w + 1; *c; c++) {
			struct resolved r;
			if (!find_sluice(ps, NULL, (unsigned char)*c, &r))
				break;
			if (r.opt == want.opt)
				return true;
			if (r.opt->type != SL_OPT_BOOL && !(r.opt->flags & SL_OPTF_COUNT))
				break;
		}
	}
	return false;
}

static void ctx_note(struct peer_ctx *ctx, const char *text)
{
	struct parser *ps = ctx->args;
	if (push_string(&ps->res->notes, &ps->res->nnotes, text))
		sl_error_set(ps->err, SL_ENOMEM, "out of memory");
}

static int apply_peer(struct parser *ps, const struct peer_option *p, int forced, const char *value,
                      const char *spelling)
{
	snprintf(ps->spelling, sizeof(ps->spelling), "%s", spelling);
	struct peer_ctx ctx = {ps, ctx_set, ctx_given, ctx_note, ps->spelling};
	if (forced == 0) {
		/* --skip-X of a peer's flag: off is what sluice does when X is
		 * refused; when X is sluice's behaviour it cannot be turned off. */
		if (p->action == PEER_REFUSE) {
			char note[512];
			snprintf(note, sizeof(note), "%s: accepted (%s)", spelling, p->text);
			ctx_note(&ctx, note);
			return ps->err->code;
		}
		if (p->action == PEER_SAME)
			return sl_error_set(ps->err, SL_EUSAGE, "%s (%s) cannot be honoured: %s",
			                    spelling, p->peers, p->text);
		return sl_error_set(ps->err, SL_EUSAGE, "%s (%s) is not supported", spelling,
		                    p->peers);
	}
	int rc = peer_apply(p, &ctx, value, ps->err);
	return rc ? rc : ps->err->code;
}

/* A resolved option with its value ('value' NULL: none given). */
static int apply_resolved(struct parser *ps, const struct resolved *r, const char *value,
                          const char *spelling)
{
	if (r->peer)
		return apply_peer(ps, r->peer, r->forced, value, spelling);
	const struct sl_option *o = r->opt;
	if (r->forced >= 0) {
		if (value)
			return sl_error_set(ps->err, SL_EUSAGE, "%s takes no value", spelling);
		value = r->forced ? "true" : "false";
	}
	if (ps->spec->two_servers && (o->flags & SL_OPTF_CONN))
		return sl_error_set(ps->err, SL_EUSAGE,
		                    "%s: connection options go in the --from and --to DSNs "
		                    "(--from=h=db1,u=backup --to=S=/run/mysqld/mysqld.sock)",
		                    spelling);
	return set_sluice(ps, r->group, o, value);
}

/* Overwrite a secret in argv so that `ps` does not show it (as the mysql
 * client does). */
static void scrub(char *value)
{
	if (value)
		memset(value, 'x', strlen(value));
}

/* --- option files -------------------------------------------------------- */

enum group_kind { GROUP_OTHER, GROUP_CLIENT, GROUP_SLUICE };

static bool group_is(const char *group, const char *base, const char *suffix)
{
	size_t n = strlen(base);
	if (strncasecmp(group, base, n))
		return false;
	return group[n] == '\0' || (suffix && !strcasecmp(group + n, suffix));
}

static enum group_kind classify_group(const struct parser *ps, const char *group)
{
	static const char *const client[] = {"client", "client-server", "client-mariadb", NULL};
	for (size_t i = 0; client[i]; i++)
		if (group_is(group, client[i], ps->group_suffix))
			return GROUP_CLIENT;
	char own[64];
	snprintf(own, sizeof(own), "sluice-%s", ps->spec->command);
	if (group_is(group, "sluice", ps->group_suffix) || group_is(group, own, ps->group_suffix))
		return GROUP_SLUICE;
	return GROUP_OTHER;
}

/* A connection option from a file goes to every group that has it (copy:
 * both servers). */
static int set_conn_everywhere(struct parser *ps, const char *name, const char *value)
{
	for (size_t g = 0; g < ps->ngroups; g++) {
		const struct sl_option *o = sl_options_find(ps->groups[g].opts, name, 0);
		if (!o || !(o->flags & SL_OPTF_CONN))
			continue;
		int rc = set_sluice(ps, g, o, value);
		if (rc)
			return rc;
	}
	return 0;
}

static int on_file_option(void *ud, const char *group, const char *key, const char *value,
                          const char *where, struct sl_error *err)
{
	struct parser *ps = ud;
	enum group_kind kind = classify_group(ps, group);
	if (kind == GROUP_OTHER)
		return 0;
	bool loose = !strncmp(key, "loose-", 6);
	const char *name = loose ? key + 6 : key;
	if (is_control(name) || !strcmp(name, "password") || !strcmp(name, "ask-password")) {
		if (!strcmp(name, "password") && value) /* a password in a file is fine */
			return set_conn_everywhere(ps, name, value);
		return 0;
	}
	struct resolved r;
	bool found = resolve_long(ps, name, &r);
	if (kind == GROUP_CLIENT) {
		/* [client] serves every client program: take what connects, leave
		 * the rest to them. */
		if (found && r.opt && (r.opt->flags & SL_OPTF_CONN) && r.forced < 0)
			return set_conn_everywhere(ps, name, value);
		return 0;
	}
	if (!found) {
		if (loose || (ps->spec->known_elsewhere && ps->spec->known_elsewhere(name)))
			return 0;
		char hint[200];
		suggest_option(ps, name, hint, sizeof(hint));
		return sl_error_set(err, SL_EUSAGE, "%s: unknown option '%s' in [%s]%s", where,
		                    name, group, hint);
	}
	char spelling[NAME_MAX_LEN + 700];
	snprintf(spelling, sizeof(spelling), "%s: %s", where, name);
	bool needs_value = r.opt ? (r.forced < 0 && r.opt->type != SL_OPT_BOOL &&
	                            !(r.opt->flags & (SL_OPTF_COUNT | SL_OPTF_OPTIONAL_ARG)))
	                         : (r.forced < 0 && r.peer->arity == PEER_VALUE);
	if (needs_value && !value)
		return sl_error_set(err, SL_EUSAGE, "%s needs a value (%s=...)", spelling, name);
	if (r.opt && (r.opt->flags & SL_OPTF_CONN))
		return set_conn_everywhere(ps, name, value);
	if (r.opt && (r.opt->flags & SL_OPTF_COUNT) && value) {
		/* verbose=N in a file: count it N times. */
		long long n = all_digits(value) ? atoll(value) : -1;
		if (n < 0 || n > 3)
			return sl_error_set(err, SL_EUSAGE, "%s: '%s' is not 0 to 3", spelling,
			                    value);
		for (long long i = 0; i < n; i++)
			if (set_sluice(ps, r.group, r.opt, NULL))
				return err->code;
		return 0;
	}
	int rc = apply_resolved(ps, &r, value, spelling);
	if (rc && !err->code)
		sl_error_copy(err, ps->err);
	return rc;
}

static int read_option_files(struct parser *ps)
{
	if (ps->no_defaults)
		return 0;
	if (ps->defaults_file)
		return sl_optfile_read(ps->defaults_file, true, on_file_option, ps, ps->err);
	const char *home_mariadb = getenv("MARIADB_HOME"), *home_mysql = getenv("MYSQL_HOME");
	const char *home = getenv("HOME");
	char paths[4][1024];
	snprintf(paths[0], sizeof(paths[0]), "%s/my.cnf", home_mariadb ? home_mariadb : "");
	snprintf(paths[1], sizeof(paths[1]), "%s/my.cnf", home_mysql ? home_mysql : "");
	snprintf(paths[2], sizeof(paths[2]), "%s/.my.cnf", home ? home : "");
	const char *order[] = {"/etc/my.cnf",
	                       "/etc/mysql/my.cnf",
	                       home_mariadb && *home_mariadb ? paths[0] : NULL,
	                       home_mysql && *home_mysql ? paths[1] : NULL,
	                       NULL, /* --defaults-extra-file */
	                       home && *home ? paths[2] : NULL};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int rc = i == 4     ? (ps->defaults_extra_file
		                           ? sl_optfile_read(ps->defaults_extra_file, true,
		                                             on_file_option, ps, ps->err)
		                           : 0)
		         : order[i] ? sl_optfile_read(order[i], false, on_file_option, ps, ps->err)
		                    : 0;
		if (rc)
			return rc;
	}
	return 0;
}

/* --- the command line ---------------------------------------------------- */

/* Before anything is applied: which option files to read. */
static int prescan(struct parser *ps)
{
	for (int i = 1; i < ps->argc; i++) {
		const char *w = ps->argv[i];
		if (!strcmp(w, "--"))
			break;
		if (strncmp(w, "--", 2))
			continue;
		char name[NAME_MAX_LEN];
		const char *eq = strchr(w + 2, '=');
		if (!normalize(w + 2, eq ? (size_t)(eq - w - 2) : strlen(w + 2), name))
			continue;
		const char **slot = !strcmp(name, "defaults-file") ? &ps->defaults_file
		                    : !strcmp(name, "defaults-extra-file")
		                        ? &ps->defaults_extra_file
		                    : !strcmp(name, "defaults-group-suffix") ? &ps->group_suffix
		                                                             : NULL;
		if (!strcmp(name, "no-defaults")) {
			ps->no_defaults = true;
			for (size_t g = 0; g < ps->ngroups; g++) {
				const struct sl_option *o =
				    sl_options_find(ps->groups[g].opts, name, 0);
				if (o && sl_option_set(o, ps->groups[g].config, NULL, ps->err))
					return ps->err->code;
			}
		}
		if (!slot)
			continue;
		const char *value = eq ? eq + 1 : (i + 1 < ps->argc ? ps->argv[i + 1] : NULL);
		if (!value || !*value)
			return sl_error_set(ps->err, SL_EUSAGE, "option '--%s' needs a value",
			                    name);
		*slot = value;
		/* libmariadb reads the same files for what sluice leaves to it. */
		if (slot != &ps->group_suffix) {
			for (size_t g = 0; g < ps->ngroups; g++) {
				const struct sl_option *o =
				    sl_options_find(ps->groups[g].opts, name, 0);
				if (o && sl_option_set(o, ps->groups[g].config, value, ps->err))
					return ps->err->code;
			}
		}
	}
	if (ps->defaults_file && ps->defaults_extra_file)
		return sl_error_set(ps->err, SL_EUSAGE,
		                    "--defaults-file and --defaults-extra-file exclude each other");
	return 0;
}

/* The value of a long option that needs one: after '=' or the next word. */
static int take_value(struct parser *ps, int *i, const char *given, const char *spelling,
                      int letter, const char **out)
{
	if (given) {
		*out = given;
		return 0;
	}
	char hint[400] = "";
	if (letter)
		peer_short_meanings(letter, ps->spec->peers, hint, sizeof(hint));
	if (*i + 1 >= ps->argc)
		return sl_error_set(ps->err, SL_EUSAGE, "option '%s' needs a value%s%s%s", spelling,
		                    *hint ? " (" : "", hint, *hint ? ")" : "");
	const char *next = ps->argv[*i + 1];
	if (is_option_word(ps, next))
		return sl_error_set(ps->err, SL_EUSAGE,
		                    "option '%s' needs a value, and '%s' is an option%s%s%s",
		                    spelling, next, *hint ? " (" : "", hint, *hint ? ")" : "");
	*out = ps->argv[++*i];
	return 0;
}

/* Values that cannot be meant for sluice's option of a letter. */
static int check_letter_value(struct parser *ps, const struct sl_option *o, int letter,
                              const char *value)
{
	char hint[400];
	peer_short_meanings(letter, ps->spec->peers, hint, sizeof(hint));
	if (!*hint)
		return 0;
	static const char *const archive_ext[] = {".tar",  ".tar.gz", ".tgz", ".tar.zst",
	                                          ".tzst", ".tar.xz", ".txz", ".tar.bz2",
	                                          ".zip",  NULL};
	if (!strcmp(o->name, "archive") && ps->spec->peers == PEER_DUMP && strcmp(value, "-")) {
		size_t n = strlen(value);
		for (size_t i = 0; archive_ext[i]; i++) {
			size_t e = strlen(archive_ext[i]);
			if (n > e && !strcasecmp(value + n - e, archive_ext[i]))
				return 0;
		}
		struct resolved fmt;
		if (find_sluice(ps, "archive-format", 0, &fmt) &&
		    ctx_given(&(struct peer_ctx){.args = ps}, "archive-format"))
			return 0;
		return sl_error_set(
		    ps->err, SL_EUSAGE,
		    "-a %s: -a names an archive file (.tar.zst, .tar.gz, .zip, ...) "
		    "or '-'; %s",
		    value, hint);
	}
	if (!strcmp(o->name, "tables") && (strchr(value, '/') || !strcmp(value, ".")))
		return sl_error_set(ps->err, SL_EUSAGE, "-T %s: -T names tables as DB.TABLE; %s",
		                    value, hint);
	return 0;
}

static int apply_letter(struct parser *ps, int *i, const char *word, size_t *j)
{
	int letter = (unsigned char)word[*j];
	const char *rest = word + *j + 1;
	char spelling[8];
	snprintf(spelling, sizeof(spelling), "-%c", letter);
	const char *next = *i + 1 < ps->argc ? ps->argv[*i + 1] : NULL;
	struct resolved r;
	if (letter == '?') {
		ps->res->help = true;
		return 0;
	}
	if (find_sluice(ps, NULL, letter, &r)) {
		const struct sl_option *o = r.opt;
		if (ps->spec->two_servers && (o->flags & SL_OPTF_CONN))
			return apply_resolved(ps, &r, NULL, spelling);
		if (o->type == SL_OPT_BOOL || (o->flags & SL_OPTF_COUNT)) {
			/* mydumper's -v N, myloader's -q N: a number as the next word. */
			if (!*rest && all_digits(next)) {
				const struct peer_option *p = NULL;
				for (const struct peer_option *c = peer_options; c->name && !p; c++)
					if ((c->commands & ps->spec->peers) &&
					    c->short_name == letter && c->arity == PEER_VALUE)
						p = c;
				if (p) {
					snprintf(spelling, sizeof(spelling), "-%c %s", letter,
					         next);
					++*i;
					return apply_peer(ps, p, -1, next, spelling);
				}
			}
			return set_sluice(ps, r.group, o, NULL);
		}
		const char *value = NULL;
		*j = strlen(word) - 1; /* the rest of the word is the value */
		if (o->flags & SL_OPTF_OPTIONAL_ARG) {
			/* -pWORD; -p WORD only where the line is mydumper's (-p takes
			 * the password as the next word there), else the prompt. */
			if (*rest)
				value = rest;
			else if (next && next[0] != '-' && (o->flags & SL_OPTF_SECRET) &&
			         (ctx_given(&(struct peer_ctx){.args = ps}, "outputdir") ||
			          ctx_given(&(struct peer_ctx){.args = ps}, "databases") ||
			          ctx_given(&(struct peer_ctx){.args = ps}, "database") ||
			          ctx_given(&(struct peer_ctx){.args = ps}, "directory")))
				value = ps->argv[++*i];
		} else if (*rest) {
			value = rest;
		} else {
			if (!strcmp(o->name, "databases") &&
			    ps->spec->positional == ARGS_POS_SELECTION &&
			    (!next || is_option_word(ps, next))) {
				ps->databases_mode = true; /* mysqldump's -B: databases follow */
				return 0;
			}
			int rc = take_value(ps, i, NULL, spelling, letter, &value);
			if (rc)
				return rc;
		}
		int rc = value ? check_letter_value(ps, o, letter, value) : 0;
		if (!rc)
			rc = set_sluice(ps, r.group, o, value);
		if (rc && rc != SL_ENOMEM) {
			char hint[400];
			peer_short_meanings(letter, ps->spec->peers, hint, sizeof(hint));
			if (*hint && !strstr(ps->err->msg, hint)) {
				size_t n = strlen(ps->err->msg);
				snprintf(ps->err->msg + n, sizeof(ps->err->msg) - n, " (%s)", hint);
			}
		}
		if (o->flags & SL_OPTF_SECRET)
			scrub((char *)value);
		return rc;
	}
	const struct peer_option *p = peer_find_short(letter, ps->spec->peers);
	if (p) {
		/* mydumper's -l N (--long-query-guard) next to mysqldump's -l. */
		if (letter == 'l' && !*rest && all_digits(next) &&
		    find_sluice(ps, "long-query-guard", 0, &r)) {
			++*i;
			return set_sluice(ps, r.group, r.opt, next);
		}
		const char *value = NULL;
		if (p->arity == PEER_VALUE) {
			*j = strlen(word) - 1;
			int rc = *rest ? (value = rest, 0)
			               : take_value(ps, i, NULL, spelling, letter, &value);
			if (rc)
				return rc;
		} else if (p->arity == PEER_OPTIONAL && *rest) {
			*j = strlen(word) - 1;
			value = rest;
		}
		return apply_peer(ps, p, -1, value, spelling);
	}
	char hint[400];
	peer_short_meanings(letter, ps->spec->peers, hint, sizeof(hint));
	return sl_error_set(ps->err, SL_EUSAGE, "unknown option '-%c'%s%s%s", letter,
	                    *hint ? " (" : "", hint, *hint ? ")" : "");
}

static int apply_long_word(struct parser *ps, int *i)
{
	char *w = ps->argv[*i];
	char *eq = strchr(w + 2, '=');
	char name[NAME_MAX_LEN];
	char *value = eq ? eq + 1 : NULL;
	if (!normalize(w + 2, eq ? (size_t)(eq - w - 2) : strlen(w + 2), name))
		return sl_error_set(ps->err, SL_EUSAGE, "unknown option '%.60s'", w);
	char spelling[NAME_MAX_LEN + 4];
	snprintf(spelling, sizeof(spelling), "--%s", name);

	if (!strcmp(name, "help") || !strcmp(name, "version") || !strcmp(name, "print-options") ||
	    !strcmp(name, "print-defaults")) {
		if (value)
			return sl_error_set(ps->err, SL_EUSAGE, "%s takes no value", spelling);
		if (name[0] == 'h')
			ps->res->help = true;
		else if (name[0] == 'v')
			ps->res->version = true;
		else
			ps->res->print_options = true;
		return 0;
	}
	if (is_control(name)) { /* read by prescan() */
		if (!value && strcmp(name, "no-defaults"))
			++*i;
		return 0;
	}
	if (ps->spec->two_servers && (!strcmp(name, "from") || !strcmp(name, "to"))) {
		const char *v;
		int rc = take_value(ps, i, value, spelling, 0, &v);
		if (rc)
			return rc;
		size_t g = name[0] == 'f' ? 0 : 1;
		rc = sl_options_set_dsn(ps->groups[g].opts, ps->groups[g].config, spelling, v,
		                        ps->err);
		scrub((char *)v);
		return rc;
	}

	struct resolved r;
	bool loose = !strncmp(name, "loose-", 6);
	if (!resolve_long(ps, name, &r) && !(loose && resolve_long(ps, name + 6, &r))) {
		if (loose) {
			char warning[NAME_MAX_LEN + 80];
			snprintf(warning, sizeof(warning), "ignoring unknown option %s", spelling);
			return push_string(&ps->res->warnings, &ps->res->nwarnings, warning);
		}
		char hint[200];
		suggest_option(ps, name, hint, sizeof(hint));
		return sl_error_set(ps->err, SL_EUSAGE, "unknown option '%s'%s", spelling, hint);
	}

	if (r.opt && r.forced < 0) {
		const struct sl_option *o = r.opt;
		if ((o->flags & SL_OPTF_COUNT) && value) {
			/* mydumper's --verbose=N */
			const struct peer_option *p = NULL;
			for (const struct peer_option *c = peer_options; c->name && !p; c++)
				if ((c->commands & ps->spec->peers) &&
				    c->short_name == o->short_name && c->arity == PEER_VALUE &&
				    !c->name[0])
					p = c;
			if (!p)
				return sl_error_set(ps->err, SL_EUSAGE, "%s takes no value",
				                    spelling);
			return apply_peer(ps, p, -1, value, spelling);
		}
		bool takes = o->type != SL_OPT_BOOL && !(o->flags & SL_OPTF_COUNT);
		if (takes && !(o->flags & SL_OPTF_OPTIONAL_ARG) && !value) {
			const char *next = *i + 1 < ps->argc ? ps->argv[*i + 1] : NULL;
			if (!strcmp(o->name, "databases") &&
			    ps->spec->positional == ARGS_POS_SELECTION &&
			    (!next || is_option_word(ps, next))) {
				ps->databases_mode = true;
				return 0;
			}
			/* A peer's flag of the same name (mysqldump's --compress). */
			const struct peer_option *p = peer_find(name, ps->spec->peers);
			if (p && p->arity != PEER_VALUE && (!next || is_option_word(ps, next)))
				return apply_peer(ps, p, -1, NULL, spelling);
			int rc = take_value(ps, i, NULL, spelling, 0, (const char **)&value);
			if (rc)
				return rc;
		}
	} else if (r.peer && r.forced < 0) {
		if (r.peer->arity == PEER_VALUE && !value) {
			int rc = take_value(ps, i, NULL, spelling, 0, (const char **)&value);
			if (rc)
				return rc;
		} else if (r.peer->arity == PEER_FLAG && value) {
			/* --single-transaction=1 / =0 */
			bool on = !strcmp(value, "1") || !strcasecmp(value, "true") ||
			          !strcasecmp(value, "on") || !strcasecmp(value, "yes");
			bool off = !strcmp(value, "0") || !strcasecmp(value, "false") ||
			           !strcasecmp(value, "off") || !strcasecmp(value, "no");
			if (!on && !off)
				return sl_error_set(ps->err, SL_EUSAGE,
				                    "%s: '%s' is not true or false", spelling,
				                    value);
			r.forced = on;
			value = NULL;
		}
	}
	int rc = apply_resolved(ps, &r, value, spelling);
	if (r.opt && (r.opt->flags & SL_OPTF_SECRET))
		scrub(value);
	return rc;
}

/* --- bare arguments ------------------------------------------------------ */

static struct sl_strlist *list_option(struct parser *ps, const char *name, size_t *group,
                                      const struct sl_option **opt)
{
	struct resolved r;
	if (!find_sluice(ps, name, 0, &r) || r.opt->type != SL_OPT_LIST)
		return NULL;
	*group = r.group;
	*opt = r.opt;
	return (struct sl_strlist *)(void *)((char *)ps->groups[r.group].config + r.opt->offset);
}

/* mysqldump's forms: `DB [TABLE...]`, `-B DB...`, `--tables DB TABLE...`,
 * and -T TABLE with one database. */
static int apply_selection(struct parser *ps)
{
	size_t gd = 0, gt = 0;
	const struct sl_option *od = NULL, *ot = NULL;
	struct sl_strlist *dbs = list_option(ps, "databases", &gd, &od);
	struct sl_strlist *tables = list_option(ps, "tables", &gt, &ot);
	if (!dbs || !tables)
		return ps->npositionals
		           ? sl_error_set(ps->err, SL_EUSAGE, "unexpected argument '%s'",
		                          ps->positionals[0])
		           : 0;
	size_t first = 0;
	/* --tables DB T1 T2: -T took DB, which has no dot. */
	if (!ps->databases_mode && dbs->n == 0 && tables->n == 1 && !strchr(tables->v[0], '.') &&
	    ps->npositionals) {
		char *db = tables->v[0];
		tables->v[0] = NULL;
		tables->n = 0;
		int rc = sl_strlist_add(dbs, db);
		sl_free(db);
		if (rc)
			return rc;
		record_set(ps, gd, od);
	} else if (!ps->databases_mode && ps->npositionals) {
		int rc = set_sluice(ps, gd, od, ps->positionals[0]);
		if (rc)
			return rc;
		first = 1;
	}
	for (size_t i = first; i < ps->npositionals; i++) {
		int rc;
		if (ps->databases_mode) {
			rc = set_sluice(ps, gd, od, ps->positionals[i]);
		} else {
			size_t n = strlen(dbs->v[0]) + strlen(ps->positionals[i]) + 2;
			char *q = sl_malloc(n);
			if (!q)
				return SL_ENOMEM;
			snprintf(q, n, "%s.%s", dbs->v[0], ps->positionals[i]);
			rc = sl_strlist_add(tables, q);
			sl_free(q);
			if (!rc)
				rc = record_set(ps, gt, ot);
		}
		if (rc)
			return rc;
	}
	/* -T with names that have no database: the one database given. */
	for (size_t i = 0; i < tables->n; i++) {
		if (strchr(tables->v[i], '.'))
			continue;
		if (dbs->n != 1)
			return sl_error_set(ps->err, SL_EUSAGE,
			                    "-T %s: name tables as DB.TABLE (or give one database "
			                    "with -B)",
			                    tables->v[i]);
		size_t n = strlen(dbs->v[0]) + strlen(tables->v[i]) + 2;
		char *q = sl_malloc(n);
		if (!q)
			return SL_ENOMEM;
		snprintf(q, n, "%s.%s", dbs->v[0], tables->v[i]);
		sl_free(tables->v[i]);
		tables->v[i] = q;
	}
	return 0;
}

static int apply_positionals(struct parser *ps)
{
	if (ps->spec->positional == ARGS_POS_SELECTION)
		return apply_selection(ps);
	if (ps->npositionals == 0)
		return 0;
	switch (ps->spec->positional) {
	case ARGS_POS_SELECTION:
		break;
	case ARGS_POS_ONE:
		if (ps->npositionals > 1)
			return sl_error_set(ps->err, SL_EUSAGE, "unexpected argument '%s'",
			                    ps->positionals[1]);
		if (ps->npositionals == 1) {
			struct resolved r;
			if (!find_sluice(ps, ps->spec->positional_option, 0, &r))
				return sl_error_set(ps->err, SL_EINTERNAL, "no option %s",
				                    ps->spec->positional_option);
			return set_sluice(ps, r.group, r.opt, ps->positionals[0]);
		}
		return 0;
	case ARGS_POS_NONE:
		break;
	}
	return sl_error_set(ps->err, SL_EUSAGE, "unexpected argument '%s'", ps->positionals[0]);
}

/* --- --print-options ----------------------------------------------------- */

static int print_options(struct parser *ps)
{
	struct args_result *res = ps->res;
	char line[2048], value[1800];
	for (size_t i = 0; i < ps->nsets; i++) {
		const struct sl_option *o = ps->sets[i].opt;
		const void *cfg = ps->groups[ps->sets[i].group].config;
		sl_option_format(o, cfg, value, sizeof(value));
		if (o->flags & SL_OPTF_COUNT) {
			long long n =
			    *(const long long *)(const void *)((const char *)cfg + o->offset);
			for (long long k = 0; k < n; k++)
				if (push_string(&res->printed, &res->nprinted, "--verbose"))
					return SL_ENOMEM;
			continue;
		}
		if (o->type == SL_OPT_BOOL && !strcmp(value, "true"))
			snprintf(line, sizeof(line), "--%s", o->name);
		else if (!value[0] && (o->flags & SL_OPTF_OPTIONAL_ARG))
			snprintf(line, sizeof(line), "--%s", o->name);
		else
			snprintf(line, sizeof(line), "--%s=%s", o->name, value);
		if (push_string(&res->printed, &res->nprinted, line))
			return SL_ENOMEM;
	}
	for (size_t i = 0; i < res->nnotes; i++) {
		snprintf(line, sizeof(line), "# %s", res->notes[i]);
		if (push_string(&res->printed, &res->nprinted, line))
			return SL_ENOMEM;
	}
	return 0;
}

/* --- entry --------------------------------------------------------------- */

int args_parse(const struct args_spec *spec, struct args_group *groups, size_t ngroups, int argc,
               char **argv, struct args_result *res, struct sl_error *err)
{
	struct parser ps = {.spec = spec,
	                    .groups = groups,
	                    .ngroups = ngroups,
	                    .res = res,
	                    .argc = argc,
	                    .argv = argv,
	                    .err = err};
	memset(res, 0, sizeof(*res));
	int rc = 0;
	for (size_t g = 0; g < ngroups && !rc && !spec->over_current; g++)
		rc = sl_options_defaults(groups[g].opts, groups[g].config, err);
	if (!rc)
		rc = prescan(&ps);
	if (!rc && !spec->over_current)
		rc = read_option_files(&ps);
	bool options_end = false;
	for (int i = 1; !rc && i < argc; i++) {
		char *w = argv[i];
		if (!options_end && !strcmp(w, "--")) {
			options_end = true;
		} else if (!options_end && w[0] == '-' && w[1] == '-') {
			rc = apply_long_word(&ps, &i);
		} else if (!options_end && w[0] == '-' && w[1]) {
			for (size_t j = 1; !rc && w[j]; j++)
				rc = apply_letter(&ps, &i, w, &j);
		} else {
			char **grown =
			    sl_realloc(ps.positionals, (ps.npositionals + 1) * sizeof(*grown));
			if (!grown) {
				rc = SL_ENOMEM;
				break;
			}
			ps.positionals = grown;
			ps.positionals[ps.npositionals++] = w;
		}
	}
	if (!rc && !res->help && !res->version)
		rc = apply_positionals(&ps);
	if (!rc && res->print_options)
		rc = print_options(&ps);
	if (rc == SL_ENOMEM)
		sl_error_set(err, SL_ENOMEM, "out of memory");
	sl_free(ps.sets);
	sl_free(ps.positionals);
	return rc;
}

void args_result_free(struct args_result *res)
{
	for (size_t i = 0; i < res->nnotes; i++)
		sl_free(res->notes[i]);
	for (size_t i = 0; i < res->nwarnings; i++)
		sl_free(res->warnings[i]);
	for (size_t i = 0; i < res->nprinted; i++)
		sl_free(res->printed[i]);
	sl_free(res->notes);
	sl_free(res->warnings);
	sl_free(res->printed);
	memset(res, 0, sizeof(*res));
}
