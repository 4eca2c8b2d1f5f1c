/* optfile.c - --defaults-extra-file: connection options from one more file.
 *
 * libmariadb reads either the default option files (by group) or one named
 * file, not both; the mysql client's --defaults-extra-file means "the
 * defaults, then this file".  So libmariadb reads the defaults and this
 * file's [client], [client-server], [client-mariadb] and [sluice] groups
 * are applied here, below the command line: a value fills an option only
 * when the command line left it unset. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "mariadb.h"

static bool wanted_group(const char *g)
{
	return !strcmp(g, "client") || !strcmp(g, "client-server") ||
	       !strcmp(g, "client-mariadb") || !strcmp(g, "sluice");
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Store 'value' into an unset string option. */
static int fill(char **field, const char *value)
{
	if (*field)
		return 0;
	*field = sl_strdup(value);
	return *field ? 0 : SL_ENOMEM;
}

static int apply(struct mdb_config *c, const char *key, const char *value)
{
	if (!strcmp(key, "host"))
		return fill(&c->host, value);
	if (!strcmp(key, "user"))
		return fill(&c->user, value);
	if (!strcmp(key, "password"))
		return fill(&c->password, value);
	if (!strcmp(key, "socket"))
		return fill(&c->socket, value);
	if (!strcmp(key, "ssl-ca"))
		return fill(&c->ssl_ca, value);
	if (!strcmp(key, "ssl-cert"))
		return fill(&c->ssl_cert, value);
	if (!strcmp(key, "ssl-key"))
		return fill(&c->ssl_key, value);
	if (!strcmp(key, "port") && c->port == 0)
		c->port = atoll(value);
	return 0; /* other keys belong to other programs */
}

int mdb_read_extra_file(struct mdb_source *m)
{
	const char *path = m->cfg->defaults_extra_file;
	FILE *f = fopen(path, "r");
	if (!f)
		return sl_pipeline_fail(m->inst->pipe, SL_EUSAGE, "--defaults-extra-file %s: %s",
		                        path, strerror(errno));
	char line[4096];
	bool in_group = false;
	int rc = 0;
	unsigned lineno = 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';' || *s == '!')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end) {
				rc =
				    sl_pipeline_fail(m->inst->pipe, SL_EUSAGE,
				                     "%s:%u: malformed group header", path, lineno);
				break;
			}
			*end = '\0';
			in_group = wanted_group(trim(s + 1));
			continue;
		}
		if (!in_group)
			continue;
		char *eq = strchr(s, '=');
		char *value = eq ? trim(eq + 1) : (char *)"";
		if (eq)
			*eq = '\0';
		char *key = trim(s);
		for (char *k = key; *k; k++)
			if (*k == '_')
				*k = '-'; /* ssl_ca and ssl-ca are the same option */
		size_t vl = strlen(value);
		if (vl >= 2 && (value[0] == '"' || value[0] == '\'') && value[vl - 1] == value[0]) {
			value[vl - 1] = '\0';
			value++;
		}
		if (apply(m->cfg, key, value))
			rc = sl_pipeline_fail(m->inst->pipe, SL_ENOMEM, "out of memory");
	}
	memset(line, 0, sizeof(line)); /* may have held a password */
	fclose(f);
	return rc;
}
