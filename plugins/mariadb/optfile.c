/* optfile.c - --defaults-extra-file: connection options from one more file.
 *
 * libmariadb reads either the default option files (by group) or one named
 * file, not both; the mysql client's --defaults-extra-file means "the
 * defaults, then this file".  So libmariadb reads the defaults and this
 * file's [client], [client-server], [client-mariadb] and [sluice] groups
 * are applied here, below the command line: a value fills an option only
 * when the command line left it unset; within the file, later lines win. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "conn.h"
#include "engine/pipeline.h"

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

/* Values read from the file; a later line overrides an earlier one, as
 * the mysql client reads [sluice] after [client]. */
struct file_values {
	char *host, *user, *password, *socket, *ssl_ca, *ssl_cert, *ssl_key;
	long long port;
};

static int set(char **field, const char *value)
{
	char *copy = sl_strdup(value);
	if (!copy)
		return SL_ENOMEM;
	if (*field)
		memset(*field, 0, strlen(*field));
	sl_free(*field);
	*field = copy;
	return 0;
}

static int apply(struct file_values *f, const char *key, const char *value)
{
	if (!strcmp(key, "host"))
		return set(&f->host, value);
	if (!strcmp(key, "user"))
		return set(&f->user, value);
	if (!strcmp(key, "password"))
		return set(&f->password, value);
	if (!strcmp(key, "socket"))
		return set(&f->socket, value);
	if (!strcmp(key, "ssl-ca"))
		return set(&f->ssl_ca, value);
	if (!strcmp(key, "ssl-cert"))
		return set(&f->ssl_cert, value);
	if (!strcmp(key, "ssl-key"))
		return set(&f->ssl_key, value);
	if (!strcmp(key, "port"))
		f->port = atoll(value);
	return 0; /* other keys belong to other programs */
}

/* Give an option the file's value when the command line left it unset;
 * the file's string moves into the config. */
static void fill(char **field, char **from)
{
	if (!*field) {
		*field = *from;
		*from = NULL;
	}
}

static void merge(struct sl_mdb_config *c, struct file_values *f)
{
	fill(&c->host, &f->host);
	fill(&c->user, &f->user);
	fill(&c->password, &f->password);
	fill(&c->socket, &f->socket);
	fill(&c->ssl_ca, &f->ssl_ca);
	fill(&c->ssl_cert, &f->ssl_cert);
	fill(&c->ssl_key, &f->ssl_key);
	if (c->port == 0)
		c->port = f->port;
	char **rest[] = {&f->host,   &f->user,     &f->password, &f->socket,
	                 &f->ssl_ca, &f->ssl_cert, &f->ssl_key};
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++) {
		if (*rest[i])
			memset(*rest[i], 0, strlen(*rest[i]));
		sl_free(*rest[i]);
	}
}

int sl_mdb_read_extra_file(struct sl_mdb_conns *c)
{
	const char *path = c->cfg->defaults_extra_file;
	FILE *f = fopen(path, "r");
	if (!f)
		return sl_pipeline_fail(c->inst->pipe, SL_EUSAGE, "--defaults-extra-file %s: %s",
		                        path, strerror(errno));
	char line[4096];
	bool in_group = false;
	int rc = 0;
	struct file_values values = {0};
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
				    sl_pipeline_fail(c->inst->pipe, SL_EUSAGE,
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
		if (apply(&values, key, value))
			rc = sl_pipeline_fail(c->inst->pipe, SL_ENOMEM, "out of memory");
	}
	memset(line, 0, sizeof(line)); /* may have held a password */
	fclose(f);
	merge(c->cfg, &values);
	return rc;
}
