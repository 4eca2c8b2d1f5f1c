/* select.c - table selection rules and PCRE2 patterns (see select.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/select.h"

#include <pcre2.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"

static const char *const system_schemas[] = {"mysql", "sys", "information_schema",
                                             "performance_schema", NULL};

bool sl_select_is_system_schema(const char *db)
{
	for (size_t i = 0; system_schemas[i]; i++)
		if (strcasecmp(db, system_schemas[i]) == 0)
			return true;
	return false;
}

static int compile(const char *flag, const char *pattern, void **out, struct sl_error *err)
{
	int code;
	PCRE2_SIZE off;
	if (!pattern)
		return 0;
	pcre2_code *re =
	    pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof(msg));
		return sl_error_set(err, SL_EUSAGE, "bad %s '%s': %s at offset %zu", flag, pattern,
		                    (const char *)msg, (size_t)off);
	}
	/* JIT makes matching many names cheap; without it matching still works. */
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	*out = re;
	return 0;
}

int sl_select_init(struct sl_select *s, const struct sl_strlist *databases,
                   const struct sl_strlist *tables, const struct sl_strlist *ignore,
                   const char *regex, const char *exclude, struct sl_error *err)
{
	memset(s, 0, sizeof(*s));
	s->databases = databases;
	s->tables = tables;
	s->ignore = ignore;
	for (size_t i = 0; tables && i < tables->n; i++) {
		char db[256];
		const char *t;
		if (!sl_select_split_name(tables->v[i], db, sizeof(db), &t))
			return sl_error_set(err, SL_EUSAGE, "--tables: '%s' is not db.table",
			                    tables->v[i]);
	}
	for (size_t i = 0; ignore && i < ignore->n; i++) {
		char db[256];
		const char *t;
		if (!sl_select_split_name(ignore->v[i], db, sizeof(db), &t))
			return sl_error_set(err, SL_EUSAGE, "--ignore-table: '%s' is not db.table",
			                    ignore->v[i]);
	}
	int rc = compile("--regex", regex, &s->include, err);
	if (!rc)
		rc = compile("--exclude", exclude, &s->exclude, err);
	if (rc)
		sl_select_free(s);
	return rc;
}

void sl_select_free(struct sl_select *s)
{
	pcre2_code_free(s->include);
	pcre2_code_free(s->exclude);
	s->include = s->exclude = NULL;
}

bool sl_select_split_name(const char *qualified, char *db, size_t dbsize, const char **table)
{
	const char *dot = strchr(qualified, '.');
	if (!dot || dot == qualified || !dot[1] || (size_t)(dot - qualified) >= dbsize)
		return false;
	memcpy(db, qualified, (size_t)(dot - qualified));
	db[dot - qualified] = '\0';
	*table = dot + 1;
	return true;
}

static bool list_has_table(const struct sl_strlist *l, const char *db, const char *table)
{
	for (size_t i = 0; l && i < l->n; i++) {
		char d[256];
		const char *t;
		if (sl_select_split_name(l->v[i], d, sizeof(d), &t) && !strcmp(d, db) &&
		    !strcmp(t, table))
			return true;
	}
	return false;
}

static bool list_names_schema(const struct sl_strlist *l, const char *db)
{
	for (size_t i = 0; l && i < l->n; i++) {
		char d[256];
		const char *t;
		if (sl_select_split_name(l->v[i], d, sizeof(d), &t) && !strcmp(d, db))
			return true;
	}
	return false;
}

bool sl_select_schema(const struct sl_select *s, const char *db)
{
	if (s->tables && s->tables->n)
		return list_names_schema(s->tables, db);
	if (s->databases && s->databases->n)
		return sl_strlist_has(s->databases, db);
	return !sl_select_is_system_schema(db);
}

static bool matches(void *re, const char *subject)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	if (!md)
		return false;
	int rc = pcre2_match(re, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

bool sl_select_table(const struct sl_select *s, const char *db, const char *table)
{
	if (s->tables && s->tables->n) {
		if (!list_has_table(s->tables, db, table))
			return false;
	} else if (!sl_select_schema(s, db)) {
		return false;
	}
	if (list_has_table(s->ignore, db, table))
		return false;
	if (s->include || s->exclude) {
		struct sl_buf q = SL_BUF_INIT;
		if (sl_buf_printf(&q, "%s.%s", db, table))
			return false;
		bool ok = (!s->include || matches(s->include, q.data)) &&
		          (!s->exclude || !matches(s->exclude, q.data));
		sl_buf_free(&q);
		return ok;
	}
	return true;
}
