/* select.h - which tables a run takes: -B, -T, --regex, --exclude, --ignore-table.
 *
 * Rules, in order: a system schema (mysql, sys, information_schema,
 * performance_schema) is taken only when -B or -T names it; with -T only
 * the listed db.table names are taken; else with -B only tables of the
 * listed databases; then --regex must match "db.table", --exclude must not,
 * and --ignore-table must not list it.  Patterns are PCRE2, unanchored
 * (anchor them with ^ and $), UTF-8. */
#ifndef SL_SELECT_H
#define SL_SELECT_H

#include <stdbool.h>

#include "base/error.h"
#include "base/option.h"

struct sl_select {
	const struct sl_strlist *databases; /* borrowed from the config */
	const struct sl_strlist *tables;
	const struct sl_strlist *ignore;
	void *include; /* pcre2_code *, owned */
	void *exclude;
};

/* Compile the patterns.  SL_EUSAGE with "bad --regex '...': <pcre2 message>
 * at offset N" for a bad one.  The lists are borrowed. */
int sl_select_init(struct sl_select *s, const struct sl_strlist *databases,
                   const struct sl_strlist *tables, const struct sl_strlist *ignore,
                   const char *regex, const char *exclude, struct sl_error *err);
void sl_select_free(struct sl_select *s);

bool sl_select_is_system_schema(const char *db);

/* May any table of 'db' be taken?  (Cheap pre-filter for catalog queries.) */
bool sl_select_schema(const struct sl_select *s, const char *db);

/* Is db.table taken? */
bool sl_select_table(const struct sl_select *s, const char *db, const char *table);

/* Split "db.table" at the first dot.  false if there is none. */
bool sl_select_split_name(const char *qualified, char *db, size_t dbsize, const char **table);

#endif
