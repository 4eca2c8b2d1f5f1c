/* option.h - declarative option tables.
 *
 * Each plugin (and each command) describes its options in a const table of
 * struct sl_option {name, type, default, offset, help}; one engine parses
 * values into the plugin's config struct, rejects unknown keys, fills
 * defaults and prints --help from the same table (Fluent Bit's config maps). */
#ifndef SL_OPTION_H
#define SL_OPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

enum sl_opt_type {
	SL_OPT_STRING, /* char *, owned by the config (sl_free) */
	SL_OPT_INT,    /* long long, within [min, max] */
	SL_OPT_SIZE,   /* uint64_t; accepts 512, 64K, 32M, 1G (powers of 1024) */
	SL_OPT_BOOL,   /* bool; a flag on the command line, true/false/1/0 as a value */
	SL_OPT_ENUM,   /* int: index into 'choices' */
	SL_OPT_LIST    /* struct sl_strlist: comma-separated, repeatable, appends */
};

enum {
	SL_OPTF_OPTIONAL_ARG = 1 << 0, /* -p with no value: value is NULL ("prompt") */
	SL_OPTF_SECRET = 1 << 1,       /* never echoed (passwords) */
	SL_OPTF_HIDDEN = 1 << 2,       /* not shown in --help */
	SL_OPTF_COUNT = 1 << 3,        /* SL_OPT_INT without a value: each use adds one (-vv) */
	SL_OPTF_CONN = 1 << 4          /* a server connection option: set through --from/--to
	                                  DSNs when a command talks to two servers */
};

/* What an SL_OPTF_OPTIONAL_ARG string option holds when given without a
 * value (`-p` alone: prompt for the password). */
#define SL_OPT_NO_VALUE "\001"

struct sl_strlist {
	size_t n;
	char **v; /* owned */
};

struct sl_option {
	const char *name; /* long name, e.g. "host" */
	int short_name;   /* e.g. 'h', or 0 */
	enum sl_opt_type type;
	const char *def;            /* default as text, or NULL */
	size_t offset;              /* offsetof(config struct, field) */
	const char *arg;            /* placeholder in help, e.g. "HOST" */
	const char *help;           /* one line */
	const char *const *choices; /* SL_OPT_ENUM: NULL-terminated */
	long long min, max;         /* SL_OPT_INT bounds (both 0: unbounded) */
	unsigned flags;
	size_t choice_stride; /* SL_OPT_ENUM: bytes from one choice to the next when
	                         'choices' points at the name member of an array
	                         of structs (a table of formats); 0: an array of
	                         names */
};

/* Choice i of an SL_OPT_ENUM option (NULL past the last). */
static inline const char *sl_option_choice(const struct sl_option *o, int i)
{
	size_t step = o->choice_stride ? o->choice_stride : sizeof(const char *);
	return *(const char *const *)(const void *)((const char *)o->choices + (size_t)i * step);
}

#define SL_OPTION_END                                             \
	{                                                         \
		NULL, 0, 0, NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0 \
	}

/* Apply defaults of every option to 'config' (which starts zeroed). */
int sl_options_defaults(const struct sl_option *opts, void *config, struct sl_error *err);

/* Find an option by long name (or short when name is NULL). */
const struct sl_option *sl_options_find(const struct sl_option *opts, const char *name,
                                        int short_name);

/* Parse 'value' for option 'o' into config.  'value' NULL is allowed only
 * for BOOL (sets true) and OPTIONAL_ARG options.  SL_EUSAGE with a message
 * naming the option on a bad value. */
int sl_option_set(const struct sl_option *o, void *config, const char *value, struct sl_error *err);

/* Set by name: SL_EUSAGE "unknown option 'x'" when the table lacks it. */
int sl_options_set(const struct sl_option *opts, void *config, const char *name, const char *value,
                   struct sl_error *err);

/* The option's value in 'config' as it would be given on a command line
 * ("64M", "true", "a,b"); secrets as "****".  Truncated to 'size'. */
void sl_option_format(const struct sl_option *o, const void *config, char *out, size_t size);

/* Print help lines for the table, under a heading. */
void sl_options_help(const struct sl_option *opts, const char *heading, FILE *out);

/* The same, leaving out options with any of 'skip_flags' (and the heading
 * when nothing is left). */
void sl_options_help_filtered(const struct sl_option *opts, const char *heading,
                              unsigned skip_flags, FILE *out);

/* Apply a DSN, "h=db1,P=3307,u=loader,F=/etc/my.cnf,ssl-mode=required", to
 * the connection options (SL_OPTF_CONN) of a table: a one-letter key is an
 * option's short name (F: defaults-file), a longer key its long name.
 * 'what' names the DSN in messages ("--from").  SL_EUSAGE for a malformed
 * DSN or an unknown key. */
int sl_options_set_dsn(const struct sl_option *opts, void *config, const char *what,
                       const char *dsn, struct sl_error *err);

/* Free strings and lists the table's options own in config. */
void sl_options_free(const struct sl_option *opts, void *config);

/* Parse "32M" style sizes.  0 or SL_EUSAGE. */
int sl_parse_size(const char *s, uint64_t *out);

/* Deep copy of a config struct of 'size' bytes that 'opts' fills: strings
 * and lists are duplicated.  0 or SL_ENOMEM (dst then holds nothing to
 * free). */
int sl_options_copy(const struct sl_option *opts, void *dst, const void *src, size_t size);

int sl_strlist_add(struct sl_strlist *l, const char *s);
void sl_strlist_free(struct sl_strlist *l);
/* Does the list hold 's' exactly? */
bool sl_strlist_has(const struct sl_strlist *l, const char *s);

#endif
