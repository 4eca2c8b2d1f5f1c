/* optfile.c - read option files as the mariadb client does (optfile.h). */
#include "base/optfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"

struct reader {
	sl_optfile_fn fn;
	void *ud;
	struct sl_error *err;
};

static int read_file(struct reader *r, const char *path, bool must_exist, int depth);

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static char unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case 'b':
		return '\b';
	case 's':
		return ' ';
	default:
		return c; /* \" \' \\ and anything else: the character itself */
	}
}

/* Resolve quotes, escapes and a trailing comment in place.  false when a
 * quote is not closed or text follows it. */
static bool parse_value(char *v)
{
	char *out = v, *p = v;
	char quote = (*p == '"' || *p == '\'') ? *p++ : 0;
	for (; *p; p++) {
		if (quote && *p == quote) {
			p++;
			while (isspace((unsigned char)*p))
				p++;
			*out = '\0';
			return *p == '\0' || *p == '#' || *p == ';';
		}
		if (!quote && *p == '#' && out > v && isspace((unsigned char)out[-1]))
			break;
		if (*p == '\\' && p[1])
			*out++ = unescape(*++p);
		else
			*out++ = *p;
	}
	if (quote)
		return false;
	*out = '\0';
	trim(v);
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* !includedir: the directory's *.cnf files, in name order. */
static int read_dir(struct reader *r, const char *dir, const char *where, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0; /* as the client: a missing directory is no error */
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".cnf") != 0)
			continue;
		if (n == 256) {
			rc = sl_error_set(r->err, SL_EUSAGE, "%s: more than 256 files in %s", where,
			                  dir);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **grown = sl_realloc(names, cap * sizeof(*names));
			if (!grown) {
				rc = SL_ENOMEM;
				break;
			}
			names = grown;
		}
		size_t full = strlen(dir) + len + 2;
		if (!(names[n] = sl_malloc(full))) {
			rc = SL_ENOMEM;
			break;
		}
		snprintf(names[n++], full, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (!rc && n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = read_file(r, names[i], false, depth + 1);
		sl_free(names[i]);
	}
	sl_free(names);
	return rc;
}

/* The whole file, at most SL_OPTFILE_MAX_BYTES.  NULL with *rc 0 when it
 * does not exist and need not. */
static char *slurp(struct reader *r, const char *path, bool must_exist, int *rc)
{
	*rc = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (must_exist || errno != ENOENT)
			*rc = sl_error_set(r->err, SL_EUSAGE, "cannot read option file %s: %s",
			                   path, strerror(errno));
		return NULL;
	}
	char *text = sl_malloc(SL_OPTFILE_MAX_BYTES + 1);
	size_t len = 0;
	if (!text) {
		*rc = SL_ENOMEM;
		close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t got = read(fd, text + len, SL_OPTFILE_MAX_BYTES + 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			*rc = sl_error_set(r->err, SL_EUSAGE, "cannot read option file %s: %s",
			                   path, strerror(errno));
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > SL_OPTFILE_MAX_BYTES) {
			*rc = sl_error_set(r->err, SL_EUSAGE,
			                   "option file %s is larger than %d bytes", path,
			                   SL_OPTFILE_MAX_BYTES);
			break;
		}
	}
	close(fd);
	if (*rc || memchr(text, '\0', len)) {
		if (!*rc)
			*rc = sl_error_set(r->err, SL_EUSAGE, "option file %s is not text", path);
		sl_free(text);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

static int read_file(struct reader *r, const char *path, bool must_exist, int depth)
{
	if (depth > SL_OPTFILE_MAX_DEPTH)
		return sl_error_set(r->err, SL_EUSAGE,
		                    "option file %s: includes nest deeper than %d (a loop?)", path,
		                    SL_OPTFILE_MAX_DEPTH);
	int rc;
	char *text = slurp(r, path, must_exist, &rc);
	if (!text)
		return rc;
	char group[128] = "";
	bool in_group = false;
	char where[600];
	int lineno = 0;
	char *next = text;
	while (!rc && next) {
		char *line = next;
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		line = trim(line);
		if (!*line || *line == '#' || *line == ';')
			continue;
		if (*line == '!') {
			bool dir =
			    !strncmp(line, "!includedir", 11) && (isspace((unsigned char)line[11]));
			bool file =
			    !strncmp(line, "!include", 8) && (isspace((unsigned char)line[8]));
			if (!dir && !file) {
				rc = sl_error_set(
				    r->err, SL_EUSAGE,
				    "%s: unknown directive (!include FILE or !includedir DIR)",
				    where);
				break;
			}
			char *arg = trim(line + (dir ? 11 : 8));
			rc = dir ? read_dir(r, arg, where, depth)
			         : read_file(r, arg, true, depth + 1);
			continue;
		}
		if (*line == '[') {
			char *close = strchr(line, ']');
			char *after = close ? trim(close + 1) : NULL;
			if (!close || (*after && *after != '#' && *after != ';')) {
				rc = sl_error_set(r->err, SL_EUSAGE, "%s: a group line is [name]",
				                  where);
				break;
			}
			*close = '\0';
			snprintf(group, sizeof(group), "%s", trim(line + 1));
			in_group = true;
			continue;
		}
		if (!in_group) {
			rc = sl_error_set(r->err, SL_EUSAGE, "%s: an option before any [group]",
			                  where);
			break;
		}
		char *eq = strchr(line, '=');
		char *value = NULL;
		if (eq) {
			*eq = '\0';
			value = trim(eq + 1);
			if (!parse_value(value)) {
				rc = sl_error_set(r->err, SL_EUSAGE, "%s: a quote is not closed",
				                  where);
				break;
			}
		}
		char *key = trim(line);
		if (!*key) {
			rc = sl_error_set(r->err, SL_EUSAGE, "%s: '=' without an option name",
			                  where);
			break;
		}
		for (char *k = key; *k; k++)
			if (*k == '_')
				*k = '-';
		rc = r->fn(r->ud, group, key, value, where, r->err);
	}
	sl_free(text);
	return rc;
}

int sl_optfile_read(const char *path, bool must_exist, sl_optfile_fn fn, void *ud,
                    struct sl_error *err)
{
	struct reader r = {fn, ud, err};
	return read_file(&r, path, must_exist, 0);
}
