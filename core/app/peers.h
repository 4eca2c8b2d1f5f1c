/* peers.h - the options of mysqldump/mariadb-dump, mydumper, myloader and
 * MySQL Shell's dump utilities, and what sluice makes of each.
 *
 * DBAs arrive with those tools' command lines and option files.  Each
 * option here is taken with its meaning (the same as sluice's behaviour,
 * or mapped onto a sluice option) or refused with a message that says what
 * sluice does instead; never taken with another meaning.  The table is
 * also the README's table and the source of the test that tries each
 * entry (`sluice help peers`). */
#ifndef SL_PEERS_H
#define SL_PEERS_H

#include <stdbool.h>
#include <stdio.h>

#include "base/error.h"

/* Which commands an entry is for. */
enum {
	PEER_DUMP = 1 << 0, /* dump, serve, and copy's source side */
	PEER_LOAD = 1 << 1  /* load, and copy's target side */
};

enum peer_arity {
	PEER_FLAG,    /* no value (--flag=1/0/on/off is allowed) */
	PEER_VALUE,   /* a value: --name=V, --name V, -xV, -x V */
	PEER_OPTIONAL /* --name=V or --name alone */
};

enum peer_action {
	PEER_SAME,   /* already what sluice does: accepted, noted at -v */
	PEER_MAP,    /* set a sluice option */
	PEER_REFUSE, /* a usage error that says what to do instead */
	PEER_CUSTOM  /* the entry's function decides */
};

/* What an entry's function may do with the command line being read. */
struct peer_ctx {
	void *args;
	/* Set a sluice option by its long name ('value' NULL for a flag). */
	int (*set)(struct peer_ctx *ctx, const char *option, const char *value,
	           struct sl_error *err);
	/* Is a sluice option given anywhere on the command line? */
	bool (*given)(struct peer_ctx *ctx, const char *option);
	/* Keep a note for -v ("--single-transaction: ..."). */
	void (*note)(struct peer_ctx *ctx, const char *text);
	const char *spelling; /* the option as written, for messages */
};

struct peer_option {
	const char *name; /* long name, '-' between words; "" for a letter alone */
	char short_name;  /* the peer's letter for it, or 0 (see hint_only) */
	unsigned commands;
	const char *peers; /* "mysqldump", "mydumper", "myloader", "mysqlsh", or a few */
	enum peer_arity arity;
	enum peer_action action;
	const char *target; /* PEER_MAP: the sluice option */
	const char *value;  /* PEER_MAP: its value; NULL: the peer's value as given */
	bool megabytes;     /* PEER_MAP: a number without a unit means MiB (mydumper) */
	/* PEER_CUSTOM: apply 'value' (NULL for a flag). */
	int (*apply)(struct peer_ctx *ctx, const char *value, struct sl_error *err);
	const char *text; /* SAME: what sluice does; REFUSE: what to do instead;
	                     MAP/CUSTOM: shown in the README table */
	bool hint_only;   /* the letter means this in the peer, something else in
	                     sluice (or in another peer): named in messages only */
};

extern const struct peer_option peer_options[];

/* The entry for a long name and command, or NULL. */
const struct peer_option *peer_find(const char *name, unsigned command);

/* The entry that acts for a letter sluice does not use itself, or NULL. */
const struct peer_option *peer_find_short(int letter, unsigned command);

/* What the peers mean by 'letter' for this command, for a message about
 * a clash: "mysqldump's -t is --no-create-info; ...".  Empty when none. */
void peer_short_meanings(int letter, unsigned command, char *out, size_t size);

/* Apply an entry with 'value' (NULL for a flag, or for PEER_OPTIONAL
 * without one). */
int peer_apply(const struct peer_option *p, struct peer_ctx *ctx, const char *value,
               struct sl_error *err);

/* The README's table, in Markdown. */
void peer_print_table(FILE *out);

/* One line per entry and command, tab-separated: command, spelling, action,
 * what it becomes (for tests/integration/12_peers.sh). */
void peer_print_list(FILE *out);

#endif
