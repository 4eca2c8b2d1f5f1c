/* definer.c - find and leave out the DEFINER clause of a CREATE statement
 * (definer.h).
 *
 * The statement's head is walked token by token as the server's lexer
 * sees it: words, quoted names and strings, comments (a versioned
 * comment's markers count as blanks, its text as statement text) and
 * punctuation.  The walk stops at the object keyword (VIEW, TRIGGER,
 * PROCEDURE, ...), so nothing of the body is ever looked at, and at
 * "SQL SECURITY DEFINER", which is no clause (no '=' follows). */
#define _GNU_SOURCE 1 /* memmem */
#include "format/definer.h"

#include <string.h>
#include <strings.h>

static bool df_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool df_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

/* Index just past the quoted token whose opening quote is p[i], or 0 when
 * it is not closed.  A doubled quote stands for itself; in '...' and "..."
 * a backslash escapes the byte after it. */
static size_t df_quoted(const char *p, size_t i, size_t len)
{
	char q = p[i];
	for (i++; i < len; i++) {
		if (p[i] == '\\' && q != '`') {
			i++;
			continue;
		}
		if (p[i] != q)
			continue;
		if (i + 1 < len && p[i + 1] == q) {
			i++;
			continue;
		}
		return i + 1;
	}
	return 0;
}

/* Skip blanks, comments and the markers of versioned comments from p[i]. */
static size_t df_blank(const char *p, size_t i, size_t len)
{
	for (;;) {
		while (i < len && df_space((unsigned char)p[i]))
			i++;
		if (i + 1 < len && p[i] == '/' && p[i + 1] == '*') {
			size_t k = i + 2;
			if (k < len && p[k] == 'M')
				k++;
			if (k < len && p[k] == '!') {
				for (k++; k < len && p[k] >= '0' && p[k] <= '9'; k++)
					;
				i = k;
				continue;
			}
			const char *e = memmem(p + i + 2, len - i - 2, "*/", 2);
			if (!e)
				return len;
			i = (size_t)(e - p) + 2;
			continue;
		}
		if (i + 1 < len && p[i] == '*' && p[i + 1] == '/') {
			i += 2;
			continue;
		}
		if (i < len && (p[i] == '#' || (i + 2 < len && p[i] == '-' && p[i + 1] == '-' &&
		                                df_space((unsigned char)p[i + 2])))) {
			const char *nl = memchr(p + i, '\n', len - i);
			i = nl ? (size_t)(nl - p) : len;
			continue;
		}
		return i;
	}
}

/* Is p[i..i+n) the word 'w' (any case)? */
static bool df_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

/* Is p[0..n) a keyword that names what is created (where the head ends)? */
static bool df_object(const char *p, size_t n)
{
	static const char *const objects[] = {
	    "VIEW",   "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "PACKAGE", "TABLE", "DATABASE",
	    "SCHEMA", "INDEX",   "SEQUENCE",  "USER",     "ROLE",  "SERVER",  NULL};
	for (const char *const *o = objects; *o; o++)
		if (df_is(p, n, *o))
			return true;
	return false;
}

/* One part of an account, user or host: a quoted name or a word.  Index
 * past it, or 0 when there is none. */
static size_t df_account_part(const char *p, size_t i, size_t len)
{
	if (i >= len)
		return 0;
	if (p[i] == '`' || p[i] == '\'' || p[i] == '"')
		return df_quoted(p, i, len);
	size_t j = i;
	while (j < len && df_word((unsigned char)p[j]))
		j++;
	/* "DEFINER= VIEW": the account is missing, the head goes on. */
	return j > i && !df_object(p + i, j - i) ? j : 0;
}

/* The account after "DEFINER =" at p[i]: user[@host], a role, or
 * CURRENT_USER[()].  Index past it, or 0 when it is malformed. */
static size_t df_account(const char *p, size_t i, size_t len)
{
	size_t e = df_account_part(p, i, len);
	if (!e)
		return 0;
	if (df_is(p + i, e - i, "CURRENT_USER")) {
		size_t k = e;
		while (k < len && df_space((unsigned char)p[k]))
			k++;
		if (k < len && p[k] == '(') {
			for (k++; k < len && df_space((unsigned char)p[k]); k++)
				;
			return k < len && p[k] == ')' ? k + 1 : 0;
		}
		return e;
	}
	size_t k = e;
	while (k < len && df_space((unsigned char)p[k]))
		k++;
	if (k >= len || p[k] != '@')
		return e;
	for (k++; k < len && df_space((unsigned char)p[k]); k++)
		;
	return df_account_part(p, k, len);
}

bool sl_definer_find(const char *stmt, size_t len, size_t *at, size_t *n)
{
	size_t i = df_blank(stmt, 0, len);
	if (len - i < 6 || !df_is(stmt + i, 6, "CREATE") ||
	    (i + 6 < len && df_word((unsigned char)stmt[i + 6])))
		return false;
	i += 6;
	for (;;) {
		i = df_blank(stmt, i, len);
		if (i >= len)
			return false;
		char c = stmt[i];
		if (c == '`' || c == '\'' || c == '"') {
			if (!(i = df_quoted(stmt, i, len)))
				return false;
			continue;
		}
		if (!df_word((unsigned char)c)) {
			i++;
			continue;
		}
		size_t w = i;
		while (i < len && df_word((unsigned char)stmt[i]))
			i++;
		if (df_object(stmt + w, i - w))
			return false;
		if (!df_is(stmt + w, i - w, "DEFINER"))
			continue;
		size_t k = i;
		while (k < len && df_space((unsigned char)stmt[k]))
			k++;
		if (k >= len || stmt[k] != '=')
			continue; /* SQL SECURITY DEFINER */
		for (k++; k < len && df_space((unsigned char)stmt[k]); k++)
			;
		size_t e = df_account(stmt, k, len);
		if (!e)
			return false;
		while (e < len && df_space((unsigned char)stmt[e]))
			e++;
		*at = w;
		*n = e - w;
		return true;
	}
}

int sl_definer_strip(struct sl_buf *out, const char *stmt, size_t len)
{
	size_t at, n;
	if (!sl_definer_find(stmt, len, &at, &n))
		return sl_buf_append(out, stmt, len);
	int rc = sl_buf_append(out, stmt, at);
	rc = rc ? rc : sl_buf_append(out, stmt + at + n, len - at - n);
	return rc ? rc : 1;
}
