/* option.c - parse, default, free and document declarative option tables. */
#include "base/option.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/suggest.h"

#define FIELD(config, o, type) ((type *)(void *)((char *)(config) + (o)->offset))

int sl_parse_size(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return SL_EUSAGE;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return SL_EUSAGE;
	unsigned shift = 0;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		end++;
		break;
	case 'M':
		shift = 20;
		end++;
		break;
	case 'G':
		shift = 30;
		end++;
		break;
	case 'T':
		shift = 40;
		end++;
		break;
	default:
		return SL_EUSAGE;
	}
	if (shift && (*end == 'B' || *end == 'b'))
		end++; /* accept 32MB as well as 32M */
	if (*end != '\0' || (shift && v > (UINT64_MAX >> shift)))
		return SL_EUSAGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int sl_strlist_add(struct sl_strlist *l, const char *s)
{
	char *copy = sl_strdup(s);
	if (!copy)
		return SL_ENOMEM;
	char **v = sl_realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v) {
		sl_free(copy);
		return SL_ENOMEM;
	}
	v[l->n++] = copy;
	l->v = v;
	return 0;
}

bool sl_strlist_has(const struct sl_strlist *l, const char *s)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void sl_strlist_free(struct sl_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		sl_free(l->v[i]);
	sl_free(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct sl_option *sl_options_find(const struct sl_option *opts, const char *name,
                                        int short_name)
{
	for (const struct sl_option *o = opts; o->name; o++) {
		if (name ? strcmp(o->name, name) == 0 : (short_name && o->short_name == short_name))
			return o;
	}
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	         !strcasecmp(v, "off"))
		*out = false;
	else
		return SL_EUSAGE;
	return 0;
}

/* Split a comma-separated value into the list; empty items are an error. */
static int add_list_items(const struct sl_option *o, struct sl_strlist *l, const char *value,
                          struct sl_error *err)
{
	const char *p = value;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0)
			return sl_error_set(err, SL_EUSAGE, "--%s: empty item in '%s'", o->name,
			                    value);
		char *item = sl_strndup(p, n);
		if (!item)
			return SL_ENOMEM;
		int rc = sl_strlist_add(l, item);
		sl_free(item);
		if (rc)
			return rc;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int sl_option_set(const struct sl_option *o, void *config, const char *value, struct sl_error *err)
{
	if (o->flags & SL_OPTF_COUNT) {
		*FIELD(config, o, long long) += 1;
		return 0;
	}
	if (!value && o->type != SL_OPT_BOOL && !(o->flags & SL_OPTF_OPTIONAL_ARG))
		return sl_error_set(err, SL_EUSAGE, "--%s needs a value", o->name);

	switch (o->type) {
	case SL_OPT_STRING: {
		char **field = FIELD(config, o, char *);
		char *copy = NULL;
		if (!value)
			value = SL_OPT_NO_VALUE;
		if (!(copy = sl_strdup(value)))
			return SL_ENOMEM;
		sl_free(*field);
		*field = copy;
		return 0;
	}
	case SL_OPT_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (errno || end == value || *end)
			return sl_error_set(err, SL_EUSAGE, "--%s: '%s' is not a number", o->name,
			                    value);
		if ((o->min || o->max) && (v < o->min || v > o->max))
			return sl_error_set(err, SL_EUSAGE, "--%s: %lld is out of range %lld..%lld",
			                    o->name, v, o->min, o->max);
		*FIELD(config, o, long long) = v;
		return 0;
	}
	case SL_OPT_SIZE: {
		uint64_t v;
		if (sl_parse_size(value, &v))
			return sl_error_set(
			    err, SL_EUSAGE,
			    "--%s: '%s' is not a size (examples: 65536, 64K, 32M, 1G)", o->name,
			    value);
		if ((o->min || o->max) && (v < (uint64_t)o->min || v > (uint64_t)o->max))
			return sl_error_set(err, SL_EUSAGE,
			                    "--%s: %s is out of range %lld..%lld bytes", o->name,
			                    value, o->min, o->max);
		*FIELD(config, o, uint64_t) = v;
		return 0;
	}
	case SL_OPT_BOOL: {
		bool v = true;
		if (value && parse_bool(value, &v))
			return sl_error_set(err, SL_EUSAGE, "--%s: '%s' is not true or false",
			                    o->name, value);
		*FIELD(config, o, bool) = v;
		return 0;
	}
	case SL_OPT_ENUM: {
		/* Case does not matter (--lock-mode=FTWRL, --ssl-mode=DISABLED). */
		struct sl_suggest near;
		sl_suggest_init(&near, value);
		for (int i = 0; sl_option_choice(o, i); i++) {
			if (!strcasecmp(sl_option_choice(o, i), value)) {
				*FIELD(config, o, int) = i;
				return 0;
			}
			sl_suggest_offer(&near, sl_option_choice(o, i));
		}
		char list[256] = "";
		for (int i = 0; sl_option_choice(o, i); i++) {
			if (i)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			strncat(list, sl_option_choice(o, i), sizeof(list) - strlen(list) - 1);
		}
		if (near.best)
			return sl_error_set(err, SL_EUSAGE,
			                    "--%s: '%s' is not one of %s (did you mean '%s'?)",
			                    o->name, value, list, near.best);
		return sl_error_set(err, SL_EUSAGE, "--%s: '%s' is not one of %s", o->name, value,
		                    list);
	}
	case SL_OPT_LIST:
		return add_list_items(o, FIELD(config, o, struct sl_strlist), value, err);
	}
	return sl_error_set(err, SL_EINTERNAL, "--%s: unknown option type", o->name);
}

int sl_options_set(const struct sl_option *opts, void *config, const char *name, const char *value,
                   struct sl_error *err)
{
	const struct sl_option *o = sl_options_find(opts, name, 0);
	if (!o)
		return sl_error_set(err, SL_EUSAGE, "unknown option '%s'", name);
	return sl_option_set(o, config, value, err);
}

int sl_options_defaults(const struct sl_option *opts, void *config, struct sl_error *err)
{
	for (const struct sl_option *o = opts; o->name; o++) {
		if (!o->def)
			continue;
		int rc = sl_option_set(o, config, o->def, err);
		if (rc)
			return rc;
	}
	return 0;
}

void sl_option_format(const struct sl_option *o, const void *config, char *out, size_t size)
{
	const char *cfg = config;
	out[0] = '\0';
	switch (o->type) {
	case SL_OPT_STRING: {
		const char *v = *(char *const *)(const void *)(cfg + o->offset);
		if (!v)
			break;
		if (!strcmp(v, SL_OPT_NO_VALUE))
			break; /* given without a value (-p: prompt) */
		snprintf(out, size, "%s", (o->flags & SL_OPTF_SECRET) ? "****" : v);
		break;
	}
	case SL_OPT_INT:
		snprintf(out, size, "%lld", *(const long long *)(const void *)(cfg + o->offset));
		break;
	case SL_OPT_SIZE: {
		uint64_t v = *(const uint64_t *)(const void *)(cfg + o->offset);
		static const char units[] = "KMGT";
		int u = -1;
		while (u < 3 && v && v % 1024 == 0) {
			v /= 1024;
			u++;
		}
		if (u >= 0)
			snprintf(out, size, "%llu%c", (unsigned long long)v, units[u]);
		else
			snprintf(out, size, "%llu", (unsigned long long)v);
		break;
	}
	case SL_OPT_BOOL:
		snprintf(out, size, "%s",
		         *(const bool *)(const void *)(cfg + o->offset) ? "true" : "false");
		break;
	case SL_OPT_ENUM:
		snprintf(out, size, "%s",
		         sl_option_choice(o, *(const int *)(const void *)(cfg + o->offset)));
		break;
	case SL_OPT_LIST: {
		const struct sl_strlist *l = (const void *)(cfg + o->offset);
		size_t n = 0;
		for (size_t i = 0; i < l->n && n < size; i++) {
			int w = snprintf(out + n, size - n, "%s%s", i ? "," : "", l->v[i]);
			if (w < 0)
				break;
			n += (size_t)w;
		}
		break;
	}
	}
}

void sl_options_help(const struct sl_option *opts, const char *heading, FILE *out)
{
	sl_options_help_filtered(opts, heading, 0, out);
}

void sl_options_help_filtered(const struct sl_option *opts, const char *heading,
                              unsigned skip_flags, FILE *out)
{
	size_t shown = 0;
	for (const struct sl_option *o = opts; o->name; o++)
		if (!(o->flags & (SL_OPTF_HIDDEN | skip_flags)))
			shown++;
	if (shown == 0)
		return;
	if (heading)
		fprintf(out, "\n%s:\n", heading);
	for (const struct sl_option *o = opts; o->name; o++) {
		if (o->flags & (SL_OPTF_HIDDEN | skip_flags))
			continue;
		char left[96];
		int n = 0;
		if (o->short_name)
			n = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->name);
		else
			n = snprintf(left, sizeof(left), "      --%s", o->name);
		if (o->type != SL_OPT_BOOL && !(o->flags & SL_OPTF_COUNT) && n > 0 &&
		    (size_t)n < sizeof(left)) {
			const char *arg = o->arg ? o->arg : "VALUE";
			if (o->flags & SL_OPTF_OPTIONAL_ARG)
				snprintf(left + n, sizeof(left) - (size_t)n, "[=%s]", arg);
			else
				snprintf(left + n, sizeof(left) - (size_t)n, "=%s", arg);
		}
		fprintf(out, "%-34s %s", left, o->help ? o->help : "");
		if (o->type == SL_OPT_ENUM) {
			fputs(" (", out);
			for (int i = 0; sl_option_choice(o, i); i++)
				fprintf(out, "%s%s", i ? "|" : "", sl_option_choice(o, i));
			fputs(")", out);
		}
		if (o->def && o->type != SL_OPT_BOOL)
			fprintf(out, " [default: %s]", o->def);
		fputc('\n', out);
	}
}

int sl_options_set_dsn(const struct sl_option *opts, void *config, const char *what,
                       const char *dsn, struct sl_error *err)
{
	const char *p = dsn;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		if (!eq || eq == p)
			return sl_error_set(
			    err, SL_EUSAGE,
			    "%s: '%.*s' is not key=value (example: h=db1,P=3306,u=backup)", what,
			    (int)n, p);
		size_t klen = (size_t)(eq - p);
		const struct sl_option *o = NULL;
		for (const struct sl_option *c = opts; c->name && !o; c++) {
			if (!(c->flags & SL_OPTF_CONN))
				continue;
			if (klen == 1 && *p == 'F' && !strcmp(c->name, "defaults-file"))
				o = c;
			else if (klen == 1 && c->short_name == *p)
				o = c;
			else if (klen > 1 && strlen(c->name) == klen && !strncmp(c->name, p, klen))
				o = c;
		}
		if (!o)
			return sl_error_set(err, SL_EUSAGE,
			                    "%s: unknown key '%.*s' (h, P, u, p, S, F, or a "
			                    "connection option's long name)",
			                    what, (int)klen, p);
		char *value = sl_strndup(eq + 1, n - klen - 1);
		if (!value)
			return SL_ENOMEM;
		int rc = sl_option_set(o, config, value, err);
		memset(value, 0, strlen(value)); /* may be a password */
		sl_free(value);
		if (rc)
			return rc;
		p = comma ? comma + 1 : p + n;
	}
	return 0;
}

void sl_options_free(const struct sl_option *opts, void *config)
{
	if (!config)
		return;
	for (const struct sl_option *o = opts; o->name; o++) {
		if (o->type == SL_OPT_STRING) {
			char **field = FIELD(config, o, char *);
			if (*field && (o->flags & SL_OPTF_SECRET))
				memset(*field, 0, strlen(*field));
			sl_free(*field);
			*field = NULL;
		} else if (o->type == SL_OPT_LIST) {
			sl_strlist_free(FIELD(config, o, struct sl_strlist));
		}
	}
}

int sl_options_copy(const struct sl_option *opts, void *dst, const void *src, size_t size)
{
	memcpy(dst, src, size);
	/* Detach every owned field first, so a failure frees only copies. */
	for (const struct sl_option *o = opts; o->name; o++) {
		if (o->type == SL_OPT_STRING)
			*FIELD(dst, o, char *) = NULL;
		else if (o->type == SL_OPT_LIST)
			memset(FIELD(dst, o, struct sl_strlist), 0, sizeof(struct sl_strlist));
	}
	int rc = 0;
	for (const struct sl_option *o = opts; o->name && !rc; o++) {
		if (o->type == SL_OPT_STRING) {
			const char *from = *FIELD(src, o, char *);
			if (from && !(*FIELD(dst, o, char *) = sl_strdup(from)))
				rc = SL_ENOMEM;
		} else if (o->type == SL_OPT_LIST) {
			const struct sl_strlist *from = FIELD(src, o, struct sl_strlist);
			for (size_t i = 0; i < from->n && !rc; i++)
				rc = sl_strlist_add(FIELD(dst, o, struct sl_strlist), from->v[i]);
		}
	}
	if (rc)
		sl_options_free(opts, dst);
	return rc;
}
