/* sqltok.c - the SQL tokenizer shared by the SQL readers (see sqltok.h). */
#include "format/sqltok.h"

#include <string.h>
#include <strings.h>

#include "base/alloc.h"

bool sl_sqltok_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

static bool space_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The length of an executable comment's opening at p (slash-star-bang or
 * slash-star-M-bang, then version digits), or 0. */
static size_t exec_open(const char *p, size_t rest)
{
	size_t k;
	if (rest >= 3 && p[0] == '/' && p[1] == '*' && p[2] == '!')
		k = 3;
	else if (rest >= 4 && p[0] == '/' && p[1] == '*' && p[2] == 'M' && p[3] == '!')
		k = 4;
	else
		return 0;
	while (k < rest && p[k] >= '0' && p[k] <= '9')
		k++;
	return k;
}

bool sl_sqltok_skip(struct sl_sqltok_lexer *lx)
{
	bool exec = lx->flags & (SL_SQLTOK_EXEC_SKIP | SL_SQLTOK_EXEC_TOKEN);
	while (lx->i < lx->len) {
		const char *p = lx->p + lx->i;
		size_t rest = lx->len - lx->i, k;
		if (space_byte((unsigned char)*p)) {
			lx->i++;
		} else if (exec && (k = exec_open(p, rest)) > 0) {
			if (!(lx->flags & SL_SQLTOK_EXEC_SKIP))
				return true; /* a token */
			lx->i += k;
		} else if ((lx->flags & SL_SQLTOK_EXEC_SKIP) && rest >= 2 && p[0] == '*' &&
		           p[1] == '/') {
			lx->i += 2;
		} else if (!(lx->flags & SL_SQLTOK_COMMENTS)) {
			return true;
		} else if (*p == '#' || /* "--" and a blank or control byte, or the end */
		           (rest >= 2 && p[0] == '-' && p[1] == '-' &&
		            (rest == 2 || space_byte((unsigned char)p[2]) ||
		             (unsigned char)p[2] < 32))) {
			const char *nl = memchr(p, '\n', rest);
			lx->i = nl ? (size_t)(nl - lx->p) + 1 : lx->len;
		} else if (rest >= 2 && p[0] == '/' && p[1] == '*' && !(rest >= 3 && p[2] == '!')) {
			/* (slash-star-bang is never an ordinary comment) */
			const char *q = p + 2, *end = lx->p + lx->len;
			while (q + 1 < end && !(q[0] == '*' && q[1] == '/'))
				q++;
			if (q + 1 < end)
				lx->i = (size_t)(q + 2 - lx->p);
			else if (lx->flags & SL_SQLTOK_LENIENT)
				lx->i = lx->len;
			else
				return false;
		} else {
			return true;
		}
	}
	return true;
}

/* The end of the quoted token at p[0] (quote q) in p[0..rest): its length,
 * or 0 when it does not end.  Strings take backslash escapes; every kind
 * takes a doubled quote. */
static size_t quoted_len(const char *p, size_t rest, bool escapes)
{
	char q = p[0];
	for (size_t k = 1; k < rest; k++) {
		if (escapes && p[k] == '\\' && k + 1 < rest)
			k++;
		else if (p[k] == q && k + 1 < rest && p[k + 1] == q)
			k++;
		else if (p[k] == q)
			return k + 1;
	}
	return 0;
}

struct sl_sqltok sl_sqltok_next(struct sl_sqltok_lexer *lx)
{
	bool blank = sl_sqltok_skip(lx);
	struct sl_sqltok t = {blank ? SL_SQLTOK_END : SL_SQLTOK_BAD, lx->p + lx->i, 0};
	if (!blank || lx->i >= lx->len)
		return t;
	const char *p = t.p;
	size_t rest = lx->len - lx->i, k = 1;
	unsigned char c = (unsigned char)*p;
	bool exec = lx->flags & SL_SQLTOK_EXEC_TOKEN;
	if (exec && (k = exec_open(p, rest)) > 0) {
		lx->in_exec = true;
		t.kind = SL_SQLTOK_EXEC;
	} else if (exec && lx->in_exec && rest >= 2 && c == '*' && p[1] == '/') {
		k = 2;
		lx->in_exec = false;
		t.kind = SL_SQLTOK_EXEC;
	} else if (c == '\'' || c == '"' || c == '`') {
		bool name = c == '`' || (c == '"' && (lx->flags & SL_SQLTOK_DQ_NAME));
		t.kind = name ? SL_SQLTOK_NAME : SL_SQLTOK_STRING;
		k = quoted_len(p, rest, !name);
		if (!k && !(lx->flags & SL_SQLTOK_LENIENT)) {
			t.kind = SL_SQLTOK_BAD;
			return t;
		}
		k = k ? k : rest;
	} else if (sl_sqltok_word_byte(c)) {
		t.kind = SL_SQLTOK_WORD;
		for (k = 1; k < rest && sl_sqltok_word_byte((unsigned char)p[k]); k++)
			;
	} else {
		k = 1;
		t.kind = SL_SQLTOK_PUNCT;
	}
	t.len = k;
	lx->i += k;
	return t;
}

struct sl_sqltok sl_sqltok_peek(struct sl_sqltok_lexer *lx)
{
	struct sl_sqltok_lexer at = *lx;
	return sl_sqltok_next(&at);
}

bool sl_sqltok_is(struct sl_sqltok t, const char *w)
{
	return t.kind == SL_SQLTOK_WORD && strlen(w) == t.len && !strncasecmp(t.p, w, t.len);
}

bool sl_sqltok_punct(struct sl_sqltok t, char c)
{
	return t.kind == SL_SQLTOK_PUNCT && *t.p == c;
}

size_t sl_sqltok_unquote(struct sl_sqltok t, char *out)
{
	size_t n = 0;
	if (t.kind == SL_SQLTOK_NAME || t.kind == SL_SQLTOK_STRING) {
		for (size_t k = 1; k + 1 < t.len; k++) {
			if (t.p[k] == t.p[0] && t.p[k + 1] == t.p[0])
				k++;
			out[n++] = t.p[k];
		}
	} else {
		memcpy(out, t.p, t.len);
		n = t.len;
	}
	out[n] = '\0';
	return n;
}

char *sl_sqltok_name(struct sl_sqltok t)
{
	char *s = sl_malloc(t.len + 1);
	if (s)
		sl_sqltok_unquote(t, s);
	return s;
}
